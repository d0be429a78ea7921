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
use crate::lint::finding::Severity;

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC013",
    name: "dynamic-sql",
    summary: "SQL built or executed at run time cannot be proven safe.",
    severity: Severity::Error,
    source: include_str!("pc013_dynamic_sql.rs"),
};

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
