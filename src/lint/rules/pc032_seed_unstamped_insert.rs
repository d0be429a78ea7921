//! ## What it does
//! When linting a packet's seed script, flags an `INSERT` into the provenance table whose
//! column list does not include the tag column (`created_by`) and the approval column
//! (`approval_ref`), or whose values for them are not `current_setting('packetc.provenance_tag')`
//! / `current_setting('packetc.<var>')` or a string literal.
//!
//! ## Why is this bad?
//! The rollback deletes exactly the rows carrying the tag; untagged rows could never be
//! rolled back, and rows without the approval reference cannot be traced to the human act.
//!
//! ## Example
//! ```sql
//! INSERT INTO governance_object_ownership (object_kind, object_key) VALUES ('domain', 'x');
//! ```

use super::Rule;
use crate::lint::finding::Severity;

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC032",
    name: "seed-unstamped-insert",
    summary: "A seed INSERT does not stamp the provenance columns.",
    severity: Severity::Error,
    source: include_str!("pc032_seed_unstamped_insert.rs"),
};

#[cfg(test)]
mod tests {
    use crate::lint::rules::testing::step_codes;
    use crate::lint::StepRole;

    #[test]
    fn seed_inserts_carry_the_stamps() {
        let head = "\\set ON_ERROR_STOP on\nBEGIN;\n";
        let bad = format!(
            "{head}INSERT INTO governance_object_ownership (object_key) VALUES ('x');\nCOMMIT;"
        );
        assert_eq!(step_codes(&bad, StepRole::Seed), vec!["PC032"]);
        let good = format!("{head}INSERT INTO governance_object_ownership (object_key, created_by, approval_ref) VALUES ('x', current_setting('packetc.provenance_tag'), current_setting('packetc.ratified_apr'));\nCOMMIT;");
        assert!(step_codes(&good, StepRole::Seed).is_empty());
    }
}
