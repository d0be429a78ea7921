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
use crate::lint::finding::Severity;

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC035",
    name: "on-error-stop-missing",
    summary: "ON_ERROR_STOP is not on before the first SQL statement.",
    severity: Severity::Error,
    source: include_str!("pc035_on_error_stop_missing.rs"),
};

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
