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
use crate::lint::finding::Severity;

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC030",
    name: "read-only-step-write",
    summary: "A read-only packet step (preflight, verify) writes.",
    severity: Severity::Error,
    source: include_str!("pc030_read_only_step_write.rs"),
};
