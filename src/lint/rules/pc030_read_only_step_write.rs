//! ## What it does
//! When linting a packet's preflight or verify script, flags every write and every DDL
//! statement. Temporary tables created in the same script (and writes to them) are allowed.
//!
//! ## Why is this bad?
//! Preflight and verify are gates: they must be safe to run any number of times, before the
//! human gate opens, and leave no trace.
//!
//! ## Example
//! ```sql
//! UPDATE governance_scopes SET checked_at = now();
//! ```
//!
//! ## Use instead
//! Compute in a `SELECT` or a temporary table.

use super::Rule;
use crate::lint::finding::Severity;

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC030",
    name: "read-only-step-write",
    summary: "A read-only packet step (preflight, verify) writes.",
    severity: Severity::Error,
    source: include_str!("pc030_read_only_step_write.rs"),
};

#[cfg(test)]
mod tests {
    use crate::lint::rules::testing::step_codes;
    use crate::lint::StepRole;

    #[test]
    fn read_only_steps_do_not_write() {
        let head = "\\set ON_ERROR_STOP on\nBEGIN;\n";
        assert!(step_codes(
            &format!("{head}UPDATE t SET a = 1;\nCOMMIT;"),
            StepRole::Verify
        )
        .contains(&"PC030"));
        assert!(step_codes(
            &format!("{head}CREATE TEMP TABLE s AS SELECT 1;\nINSERT INTO s VALUES (2);\nCOMMIT;"),
            StepRole::Preflight
        )
        .is_empty());
    }
}
