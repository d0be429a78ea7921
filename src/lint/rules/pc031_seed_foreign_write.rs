//! ## What it does
//! When linting a packet's seed script, flags every write that is not an `INSERT` into the
//! packet's provenance table (temporary tables excepted): updates, deletes, DDL, and writes
//! to any other table.
//!
//! ## Why is this bad?
//! The rollback can only undo what the seed inserted and tagged; anything else would survive
//! a rollback.
//!
//! ## Use instead
//! Only `INSERT INTO governance_object_ownership (…) SELECT …` with the provenance stamps.

use super::Rule;
use crate::lint::finding::Severity;

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC031",
    name: "seed-foreign-write",
    summary: "The seed step writes something other than new provenance rows.",
    severity: Severity::Error,
    source: include_str!("pc031_seed_foreign_write.rs"),
};

#[cfg(test)]
mod tests {
    use crate::lint::rules::testing::step_codes;
    use crate::lint::StepRole;

    #[test]
    fn seed_writes_only_the_provenance_table() {
        let c = step_codes(
            "\\set ON_ERROR_STOP on\nBEGIN;\nDELETE FROM governance_scopes;\nCOMMIT;",
            StepRole::Seed,
        );
        assert_eq!(c, vec!["PC031"]);
    }
}
