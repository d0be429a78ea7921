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
use crate::lint::effects::Write;
use crate::lint::engine::Engine;
use crate::lint::finding::Severity;
use crate::lint::{StepContext, StepRole};

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC030",
    name: "read-only-step-write",
    summary: "A read-only packet step (preflight, verify) writes.",
    severity: Severity::Error,
    source: include_str!("pc030_read_only_step_write.rs"),
    fail_closed: false,
};

/// Any (non-temporary) write in a read-only step. Returns whether it reported.
pub(crate) fn check(cx: &mut Engine, step: &StepContext, w: &Write) -> bool {
    let read_only = step.read_only || matches!(step.role, StepRole::Preflight | StepRole::Verify);
    if !read_only {
        return false;
    }
    let t = &w.target;
    cx.report(
        &RULE,
        t.pos,
        t.len,
        format!(
            "{} `{}` in the read-only {} step",
            w.kind.describe(),
            t.display(),
            step.role.as_str()
        ),
        "a gate only reads; use SELECT or a temporary table",
        None,
    );
    true
}

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
