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
use crate::lint::effects::Write;
use crate::lint::engine::Engine;
use crate::lint::finding::Severity;

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC004",
    name: "trigger-bypass",
    summary: "A statement switches triggers off.",
    severity: Severity::Error,
    source: include_str!("pc004_trigger_bypass.rs"),
};

/// Write-level bypasses: writes to `pg_settings`, and DISABLE/DROP TRIGGER on a protected
/// table. (`session_replication_role` and `set_config` are found by the token scan.)
pub(crate) fn check_write(cx: &mut Engine, w: &Write) {
    let t = &w.target;
    let reason = cx.policy.trigger_bypass_reason.clone();
    if t.name == "pg_settings" && w.kind.is_row_write() {
        cx.report(
            &RULE,
            t.pos,
            t.len,
            format!(
                "{} pg_settings changes configuration (e.g. session_replication_role)",
                w.kind.describe()
            ),
            "remove it",
            Some(&reason),
        );
    }
    if w.trigger_off {
        let protected = if t.name == "*" {
            cx.policy
                .tables
                .iter()
                .any(|p| p.schema.is_none() || p.schema == t.schema)
        } else {
            cx.policy.table(t.schema.as_deref(), &t.name).is_some()
        };
        if protected {
            cx.report(
                &RULE,
                t.pos,
                t.len,
                format!(
                    "{} protected table `{}` switches its triggers off",
                    w.kind.describe(),
                    t.display()
                ),
                "remove it: a packet never bypasses triggers",
                Some(&reason),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::testing::{lint_errors, lint_ok};

    #[test]
    fn flags_every_bypass() {
        lint_errors("SET session_replication_role = replica;", "PC004");
        lint_errors(
            "SELECT 1 WHERE set_config('session_replication_role', 'replica', true) <> '';",
            "PC004",
        );
        lint_errors(
            "DO $$ BEGIN PERFORM set_config('session_replication_role','replica',true); END $$;",
            "PC004",
        );
        lint_errors("ALTER TABLE system_issues DISABLE TRIGGER ALL;", "PC004");
        lint_errors("DROP TRIGGER t ON event_outbox;", "PC004");
    }

    #[test]
    fn passes_reads_of_the_setting() {
        lint_ok("SHOW session_replication_role;");
        lint_ok("SELECT current_setting('session_replication_role');");
        lint_ok("SELECT set_config('packetc.tag', 'x', false);");
    }
}
