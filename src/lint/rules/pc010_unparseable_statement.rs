//! ## What it does
//! Reports a statement that sqlparser (PostgreSQL dialect) cannot parse, with the parser's
//! message and position. The linter never skips what it cannot read: it fails closed.
//!
//! ## Why is this bad?
//! A statement that is not understood could write anywhere. sqlparser rejects some valid
//! PostgreSQL (about 4 % of PostgreSQL's own regression statements). Kinds whose effect can be
//! read off their tokens are judged that way instead (see docs/policy.md), which leaves PC010
//! on about 1.2 % of the regression statements and 0.3 % of a real-world corpus of migrations
//! and pg_dump schemas (docs/lint.md, "Real-world coverage").
//!
//! ## What to do
//! 1. Rewrite the statement in a more common spelling if one exists (the message says where
//!    the parser stopped).
//! 2. Otherwise suppress it with a reason on the line above:
//!    `-- packetc: allow PC010 -- <why this statement is safe>`.
//!    A statement that names a protected table can never be suppressed.
//!
//! ## Example
//! ```sql
//! IMPORT FOREIGN SCHEMA remote LIMIT TO (t) FROM SERVER s INTO public;   -- not understood by the parser
//! ```

use super::Rule;
use crate::lint::engine::{Engine, MAX_STATEMENT_BYTES};
use crate::lint::finding::{Pos, Severity};
use crate::lint::names::NameRef;

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC010",
    name: "unparseable-statement",
    summary: "A statement could not be parsed, so it cannot be proven safe.",
    severity: Severity::Error,
    source: include_str!("pc010_unparseable_statement.rs"),
    fail_closed: true,
};

/// A statement larger than the linter parses.
pub(crate) fn too_large(cx: &mut Engine, pos: Pos, bytes: usize) {
    cx.emit(
        RULE.at(
            pos,
            1,
            format!(
                "statement of {bytes} bytes is larger than the {} MiB the linter parses, so it cannot be proven safe",
                MAX_STATEMENT_BYTES >> 20
            ),
        )
        .help("split it (COPY … FROM STDIN for bulk data)"),
    );
}

/// A statement the parser (and the fallback) could not read; `msg` is the parser's words,
/// `mentions` the protected names the statement contains (then it can never be suppressed).
pub(crate) fn unparseable(cx: &mut Engine, msg: &str, pos: Pos, mentions: &[NameRef]) {
    let names: Vec<String> = mentions.iter().map(NameRef::display).collect();
    let (help, may) = if names.is_empty() {
        (
            "rewrite it in a spelling the parser understands, or add `-- packetc: allow PC010 -- <why it is safe>` above it".to_string(),
            true,
        )
    } else {
        (
            format!(
                "it names protected {} so it can never be suppressed: rewrite it in a spelling the parser understands",
                names.join(", ")
            ),
            false,
        )
    };
    // Underline what the parser tripped over (`… found: X` / `unexpected `X` …`).
    let len = crate::lint::parse_error::offending_len(msg);
    cx.emit(
        RULE.at(
            pos,
            len,
            format!("cannot parse this statement, so it cannot be proven safe: {msg}"),
        )
        .help(&help)
        .suppressible(may),
    );
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::testing::{codes, lint_errors, lint_ok};

    #[test]
    fn unparseable_is_a_finding_and_suppressible_with_a_reason() {
        lint_errors(
            "IMPORT FOREIGN SCHEMA remote LIMIT TO (t) FROM SERVER s INTO public;",
            "PC010",
        );
        lint_ok("-- packetc: allow PC010 -- importing a scratch table\nIMPORT FOREIGN SCHEMA remote LIMIT TO (t) FROM SERVER s INTO public;");
    }

    #[test]
    fn unparseable_naming_a_protected_table_is_never_suppressed() {
        let c = codes(
            "-- packetc: allow PC010 -- please\nIMPORT FOREIGN SCHEMA remote LIMIT TO (system_issues) FROM SERVER s INTO public;",
        );
        assert_eq!(c, vec!["PC010"]);
    }

    #[test]
    fn unparseable_naming_a_protected_setting_is_never_suppressed() {
        // Only a token reading finds it (no protected table is in the text): the engine
        // reads the tokens it parsed, so this also proves they are the statement's.
        let c = codes(
            "-- packetc: allow PC010 -- please\nIMPORT FOREIGN SCHEMA remote LIMIT TO (session_replication_role) FROM SERVER s INTO public;",
        );
        assert!(c.contains(&"PC010"), "{c:?}");
        let c = codes(
            "-- packetc: allow PC010 -- please\nIMPORT FOREIGN SCHEMA remote LIMIT TO (session_replication) FROM SERVER s INTO public;",
        );
        assert!(c.is_empty(), "{c:?}");
    }
}
