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
