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
use crate::lint::finding::{Pos, Severity};
use crate::lint::names;
use sqlparser::tokenizer::{Token, TokenWithSpan, Word};

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC004",
    name: "trigger-bypass",
    summary: "A statement switches triggers off.",
    severity: Severity::Error,
    source: include_str!("pc004_trigger_bypass.rs"),
    fail_closed: false,
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

/// Token-level bypasses at `sig[i]` (the statement's tokens without whitespace), inside any
/// expression: the protected setting named unqualified (`SET session_replication_role`, a
/// function's `SET` clause, `ALTER ROLE … SET`), unless the statement is `inert` (SHOW,
/// RESET), and `set_config('<protected setting>', …)`. A `set_config` whose name is not a
/// literal is PC013.
pub(crate) fn check_token(
    cx: &mut Engine,
    sig: &[&TokenWithSpan],
    i: usize,
    w: &Word,
    inert: bool,
) {
    let pos = Pos::from_loc(sig[i].span.start);
    let len = w.value.chars().count();
    let reason = cx.policy.trigger_bypass_reason.clone();
    // `myapp.session_replication_role` is a custom setting of that name, not this one.
    let qualified = i > 0 && sig[i - 1].token == Token::Period;
    if !qualified && names::is_protected_setting(&w.value) {
        if !inert {
            cx.emit(
                RULE.at(
                    pos,
                    len,
                    format!(
                        "changes {}, which switches triggers off",
                        w.value.to_ascii_lowercase()
                    ),
                )
                .help("remove it: a packet never bypasses triggers")
                .reason(Some(&reason)),
            );
        }
        return;
    }
    if !(w.value.eq_ignore_ascii_case("set_config")
        && sig.get(i + 1).is_some_and(|n| n.token == Token::LParen))
    {
        return;
    }
    let arg = sig.get(i + 2).map(|a| &a.token);
    let after = sig.get(i + 3).map(|a| &a.token);
    let lit = match arg {
        Some(
            Token::SingleQuotedString(s)
            | Token::EscapedStringLiteral(s)
            | Token::UnicodeStringLiteral(s)
            | Token::NationalStringLiteral(s),
        ) => Some(s.as_str()),
        Some(Token::DollarQuotedString(d)) => Some(d.value.as_str()),
        _ => None,
    };
    // A psql `:'var'` arrives as the literal ':var': its value is unknown.
    let lit = lit.filter(|s| !s.starts_with(':'));
    match (lit, after) {
        (Some(s), Some(Token::Comma)) => {
            if names::is_protected_setting(s) {
                cx.emit(
                    RULE.at(
                        pos,
                        len,
                        format!(
                            "set_config('{}', …) switches triggers off",
                            s.trim().to_ascii_lowercase()
                        ),
                    )
                    .help("remove it: a packet never bypasses triggers")
                    .reason(Some(&reason)),
                );
            }
        }
        _ => super::pc013_dynamic_sql::computed_setting(cx, pos, len),
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
