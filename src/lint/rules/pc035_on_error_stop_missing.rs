//! ## What it does
//! When linting a packet script, flags the first SQL statement if `\set ON_ERROR_STOP on`
//! did not come before it.
//!
//! ## Why is this bad?
//! Without it psql carries on after a failed gate and runs the statements that the gate was
//! meant to stop.
//!
//! ## Use instead
//! ```sql
//! \set ON_ERROR_STOP on
//! ```

use super::Rule;
use crate::lint::engine::Engine;
use crate::lint::finding::Pos;
use crate::lint::finding::Severity;
use crate::lint::StepContext;

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC035",
    name: "on-error-stop-missing",
    summary: "ON_ERROR_STOP is not on before the first SQL statement.",
    severity: Severity::Error,
    source: include_str!("pc035_on_error_stop_missing.rs"),
    fail_closed: false,
};

/// The first SQL statement of a packet script, when ON_ERROR_STOP is not on yet.
pub(crate) fn check(cx: &mut Engine, step: &StepContext, first_sql: bool, on: bool, pos: Pos) {
    if !first_sql || on {
        return;
    }
    cx.report(
        &RULE,
        pos,
        1,
        format!(
            "the first SQL statement of the {} script runs before `\\set ON_ERROR_STOP on`",
            step.role.as_str()
        ),
        "put `\\set ON_ERROR_STOP on` on the first line",
        None,
    );
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::testing::step_codes;
    use crate::lint::StepRole;

    #[test]
    fn on_error_stop_comes_first() {
        assert_eq!(
            step_codes("SELECT 1;\n\\set ON_ERROR_STOP on", StepRole::Verify),
            vec!["PC035"]
        );
        assert!(step_codes("\\set ON_ERROR_STOP on\nSELECT 1;", StepRole::Verify).is_empty());
    }
}
