//! ## What it does
//! Flags every way of not firing triggers: `SET [LOCAL|SESSION] session_replication_role`,
//! `set_config('session_replication_role', …)` anywhere in any expression, the setting in
//! `ALTER ROLE/DATABASE/SYSTEM … SET` or a function's `SET` clause, writes to `pg_settings`,
//! `ALTER TABLE … DISABLE TRIGGER` and `DROP TRIGGER … ON` a protected table.
//!
//! ## Why is this bad?
//! `system_issues` (9 triggers) and `event_outbox` (a validation trigger) are protected by
//! their triggers; switching them off makes any later write silent. Never suppressible.
//!
//! ## Example
//! ```sql
//! SELECT set_config('session_replication_role', 'replica', true);
//! ```
//!
//! ## Use instead
//! Nothing: a packet never bypasses triggers.

use super::Rule;
use crate::lint::finding::Severity;

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC004",
    name: "trigger-bypass",
    summary: "A statement switches triggers off.",
    severity: Severity::Error,
    source: include_str!("pc004_trigger_bypass.rs"),
};
