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

use super::pc031_seed_foreign_write::is_provenance;
use super::Rule;
use crate::lint::effects::{ValueKind, Write, WriteKind};
use crate::lint::engine::Engine;
use crate::lint::finding::Severity;
use crate::lint::{StepContext, StepRole};

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC032",
    name: "seed-unstamped-insert",
    summary: "A seed INSERT does not stamp the provenance columns.",
    severity: Severity::Error,
    source: include_str!("pc032_seed_unstamped_insert.rs"),
    fail_closed: false,
};

/// In the seed, an INSERT into the provenance table must set the tag column to the tag
/// setting (or a literal) and the approval column to a `packetc.` setting (or a literal).
pub(crate) fn check(cx: &mut Engine, step: &StepContext, w: &Write) {
    if step.role != StepRole::Seed || w.kind != WriteKind::Insert || !is_provenance(step, &w.target)
    {
        return;
    }
    let mut missing = Vec::new();
    for col in [&step.tag_column, &step.approval_column] {
        let tag = col == &step.tag_column;
        let ok = w.stamps.iter().any(|(c, k)| {
            c == col
                && match k {
                    ValueKind::Literal => true,
                    ValueKind::TagSetting => tag,
                    ValueKind::Setting(_) => !tag,
                    ValueKind::Other => false,
                }
        });
        if !ok {
            missing.push(col.as_str());
        }
    }
    if missing.is_empty() {
        return;
    }
    let t = &w.target;
    cx.report(
        &RULE,
        t.pos,
        t.len,
        format!(
            "INSERT into `{}` does not stamp {} with the provenance values",
            t.display(),
            missing.join(" and ")
        ),
        "name the columns and insert current_setting('packetc.provenance_tag') / current_setting('packetc.<var>')",
        None,
    );
}

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
