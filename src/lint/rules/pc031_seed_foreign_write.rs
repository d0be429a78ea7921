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
use crate::lint::effects::{NameRef, Write, WriteKind};
use crate::lint::engine::Engine;
use crate::lint::finding::Severity;
use crate::lint::{StepContext, StepRole};

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC031",
    name: "seed-foreign-write",
    summary: "The seed step writes something other than new provenance rows.",
    severity: Severity::Error,
    source: include_str!("pc031_seed_foreign_write.rs"),
    fail_closed: false,
};

/// In the seed, anything but an INSERT into the provenance table.
pub(crate) fn check(cx: &mut Engine, step: &StepContext, w: &Write) {
    if step.role != StepRole::Seed
        || (w.kind == WriteKind::Insert && is_provenance(step, &w.target))
    {
        return;
    }
    let t = &w.target;
    cx.report(
        &RULE,
        t.pos,
        t.len,
        format!(
            "{} `{}`: the seed may only INSERT into {}",
            w.kind.describe(),
            t.display(),
            step.provenance_table
        ),
        "move this out of the packet or make it an INSERT of tagged rows",
        None,
    );
}

/// Whether a target is the step's provenance table, or a scanner's run table (a bare name
/// matches any schema).
pub(crate) fn is_provenance(step: &StepContext, t: &NameRef) -> bool {
    is_table(&step.provenance_table, t) || step.run_table.as_deref().is_some_and(|r| is_table(r, t))
}

fn is_table(name: &str, t: &NameRef) -> bool {
    let (schema, table) = match name.rsplit_once('.') {
        Some((s, t)) => (Some(s), t),
        None => (None, name),
    };
    t.name == table
        && match (schema, &t.schema) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        }
}

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
