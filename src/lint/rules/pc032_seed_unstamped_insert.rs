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
