//! ## What it does
//! When linting a packet's rollback script, flags every write that is not a `DELETE` from the
//! provenance table whose `WHERE` requires `created_by = current_setting('packetc.provenance_tag')`
//! (or a literal tag). Extra conditions joined with `AND` are fine; `OR` is not, because it
//! widens the delete beyond the seed's rows.
//!
//! ## Example
//! ```sql
//! DELETE FROM governance_object_ownership WHERE created_by = 'F6' OR true;
//! ```
//!
//! ## Use instead
//! ```sql
//! DELETE FROM governance_object_ownership WHERE created_by = current_setting('packetc.provenance_tag');
//! ```

use super::pc031_seed_foreign_write::is_provenance;
use super::Rule;
use crate::lint::effects::{ValueKind, Write, WriteKind};
use crate::lint::engine::Engine;
use crate::lint::finding::Severity;
use crate::lint::{StepContext, StepRole};

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC033",
    name: "rollback-unscoped-delete",
    summary: "The rollback step writes something other than tag-scoped deletes.",
    severity: Severity::Error,
    source: include_str!("pc033_rollback_unscoped_delete.rs"),
    fail_closed: false,
};

/// In the rollback, anything but a DELETE from the provenance table whose WHERE requires
/// `tag_column = <tag>` (AND-ed conditions only).
pub(crate) fn check(cx: &mut Engine, step: &StepContext, w: &Write) {
    if step.role != StepRole::Rollback {
        return;
    }
    let t = &w.target;
    let scoped = w.kind == WriteKind::Delete
        && is_provenance(step, t)
        && w.filter.iter().any(|(c, k)| {
            c == &step.tag_column && matches!(k, ValueKind::TagSetting | ValueKind::Literal)
        });
    if scoped {
        return;
    }
    cx.report(
        &RULE,
        t.pos,
        t.len,
        format!(
            "{} `{}`: the rollback may only DELETE from {} WHERE {} = current_setting('packetc.provenance_tag') [AND …]",
            w.kind.describe(),
            t.display(),
            step.provenance_table,
            step.tag_column
        ),
        "delete exactly the rows the seed tagged",
        None,
    );
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::testing::step_codes;
    use crate::lint::StepRole;

    #[test]
    fn rollback_deletes_only_tagged_rows() {
        let head = "\\set ON_ERROR_STOP on\nBEGIN;\n";
        let or = format!("{head}DELETE FROM governance_object_ownership WHERE created_by = 'T' OR true;\nCOMMIT;");
        assert_eq!(step_codes(&or, StepRole::Rollback), vec!["PC033"]);
        let and = format!("{head}DELETE FROM governance_object_ownership WHERE created_by = current_setting('packetc.provenance_tag') AND approval_ref = 'A';\nCOMMIT;");
        assert!(step_codes(&and, StepRole::Rollback).is_empty());
    }
}
