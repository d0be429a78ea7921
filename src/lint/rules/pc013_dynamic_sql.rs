//! ## What it does
//! Flags SQL whose text is only known at run time: PL/pgSQL `EXECUTE` of anything but a
//! constant string (constant strings are parsed and analysed), `RETURN QUERY EXECUTE`,
//! `OPEN … FOR EXECUTE`, psql `\gexec` (runs query results as SQL), `\!`, `|` pipes and
//! backquotes in meta-command arguments (run shell commands), `COPY … PROGRAM`,
//! `set_config(…)` whose setting name is not a literal, and statements nested too deeply to
//! analyse.
//!
//! ## Why is this bad?
//! `EXECUTE format('DELETE FROM %I', t)` writes wherever `t` says; no static check can know.
//!
//! ## Example
//! ```sql
//! DO $$ BEGIN EXECUTE 'DELETE FROM ' || quote_ident(tbl); END $$;
//! ```
//!
//! ## Use instead
//! Write the statement out: `DELETE FROM governance_object_ownership WHERE …;`

use super::Rule;
use crate::lint::engine::Engine;
use crate::lint::finding::{Pos, Severity};
use crate::lint::policy::NamedEntry;
use crate::lint::scan::Meta;

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC013",
    name: "dynamic-sql",
    summary: "SQL built or executed at run time cannot be proven safe.",
    severity: Severity::Error,
    source: include_str!("pc013_dynamic_sql.rs"),
    fail_closed: true,
};

/// Meta-commands that run SQL or shell text the script does not contain: `\gexec`, `\!`,
/// pipes (`\o |…`, `\g |…`, `\w |…`) and backquotes in any argument.
pub(crate) fn check_meta(cx: &mut Engine, m: &Meta, pos: Pos, len: usize) {
    if m.args.contains('`') {
        cx.emit(
            RULE.at(
                pos,
                len,
                format!(
                    "\\{} runs a backquoted shell command, which cannot be proven safe",
                    m.name
                ),
            )
            .help("remove the backquotes"),
        );
    }
    let d = match m.name.as_str() {
        "gexec" => RULE
            .at(
                pos,
                len,
                "\\gexec executes the query's results as SQL, which cannot be proven safe",
            )
            .help("write the statements out"),
        "!" => RULE
            .at(
                pos,
                len,
                "\\! runs a shell command, which cannot be proven safe",
            )
            .help("remove the shell escape"),
        // `\o |…` stays open: everything the script prints afterwards flows into the shell
        // command, text no region holds, so no allow comment can prove it harmless.
        "o" | "out" if m.args.starts_with('|') => RULE
            .at(
                pos,
                len,
                format!(
                    "\\{} pipes all later output into a shell command, which cannot be proven safe",
                    m.name
                ),
            )
            .help(
                "remove the pipe; what the script prints into it is not in this statement, \
                 so it can never be suppressed",
            )
            .suppressible(false),
        "g" | "gx" | "w" | "write" if m.args.starts_with('|') => RULE
            .at(
                pos,
                len,
                format!(
                    "\\{} pipes into a shell command, which cannot be proven safe",
                    m.name
                ),
            )
            .help("remove the pipe"),
        _ => return,
    };
    cx.emit(d);
}

/// `COPY … PROGRAM` (server side) or `\copy … program` (client side).
pub(crate) fn copy_program(cx: &mut Engine, pos: Pos, len: usize, client: bool) {
    let d = if client {
        RULE.at(pos, len, "\\copy … program runs a shell command")
            .help("remove it")
    } else {
        RULE.at(
            pos,
            len,
            "COPY … PROGRAM runs a shell command on the server, which cannot be proven safe",
        )
        .help("load the data with COPY … FROM STDIN")
    };
    cx.emit(d);
}

/// Bodies nested deeper than the engine follows.
pub(crate) fn too_deep(cx: &mut Engine, pos: Pos) {
    cx.emit(
        RULE.at(pos, 1, "statements nested too deeply to analyse")
            .help("flatten the nesting"),
    );
}

/// A call of a function the policy lists under `sql_functions`.
pub(crate) fn policy_function_call(cx: &mut Engine, pos: Pos, len: usize, f: &NamedEntry) {
    cx.emit(
        RULE.at(
            pos,
            len,
            format!(
                "calls `{}`, which the policy lists under sql_functions",
                f.name
            ),
        )
        .help("remove the call: what it does cannot be seen in this script")
        .reason(Some(&f.reason)),
    );
}

/// `set_config(…)` whose setting name is not a literal.
pub(crate) fn computed_setting(cx: &mut Engine, pos: Pos, len: usize) {
    cx.emit(
        RULE.at(
            pos,
            len,
            "set_config with a setting name that is not a string literal cannot be proven safe",
        )
        .help("pass the setting name as a literal"),
    );
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::testing::{lint_errors, lint_ok};

    #[test]
    fn computed_execute_is_a_finding_constant_is_analysed() {
        lint_errors(
            "DO $$ BEGIN EXECUTE format('DELETE FROM %I', t); END $$;",
            "PC013",
        );
        lint_errors("SELECT 1 \\gexec", "PC013");
        lint_errors(
            "DO $$ BEGIN EXECUTE 'DELETE FROM system_issues'; END $$;",
            "PC001",
        );
        lint_ok("DO $$ BEGIN EXECUTE 'SELECT 1'; END $$;");
    }

    #[test]
    fn dynamic_sql_naming_a_protected_table_cannot_be_suppressed() {
        lint_ok("DO $$ BEGIN\n-- packetc: allow PC013 -- table name from a fixed list\nEXECUTE format('ANALYZE %I', t);\nEND $$;");
        let c = crate::lint::rules::testing::codes(
            "-- packetc: allow PC013 -- please\nDO $$ BEGIN EXECUTE 'DELETE FROM system_issues WHERE id = ' || x; END $$;",
        );
        assert_eq!(c, vec!["PC013"]);
    }
}
