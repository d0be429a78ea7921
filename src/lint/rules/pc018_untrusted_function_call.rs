//! ## What it does
//! Flags, where the policy's `unknown_functions` says `finding` (by default in packet steps), a
//! call of a function the linter cannot see: not a PostgreSQL built-in trusted by the policy
//! (`trusted_functions: pg_catalog.*`), not defined in the linted files (those bodies are
//! analysed), and not listed under `trusted_functions`; and `CREATE EXTENSION` of an extension
//! not under `trusted_extensions`. Calls are found in expressions, `FROM` functions and `CALL`.
//!
//! ## Why is this bad?
//! A function defined elsewhere can write any table, protected ones included, and switch
//! triggers off; the script that calls it looks read-only. Every trust is a decision the
//! policy records with its reason, not a silent default.
//!
//! ## Example
//! ```sql
//! SELECT refresh_everything();
//! ```
//!
//! ## Use instead
//! Define the function in the linted files (its body is then analysed), or list it under
//! `trusted_functions` in the policy with the reason it is safe.

use super::Rule;
use crate::lint::engine::Engine;
use crate::lint::finding::Severity;
use crate::lint::names::NameRef;
use crate::lint::policy::TrustMode;
use crate::lint::trust;
use sqlparser::ast::Statement;
use sqlparser::tokenizer::TokenWithSpan;

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC018",
    name: "untrusted-function-call",
    summary: "A call of a function the linter cannot see, which the policy does not trust.",
    severity: Severity::Error,
    source: include_str!("pc018_untrusted_function_call.rs"),
    fail_closed: true,
};

/// Whether unseen calls are findings in this script (the policy's `unknown_functions` for its
/// kind: packet step or not).
pub(crate) fn strict(cx: &Engine) -> bool {
    cx.policy.unknown_mode(cx.step.is_some()) == TrustMode::Finding
}

/// The calls of a parsed statement that are neither defined in the linted files nor trusted.
pub(crate) fn check_calls(cx: &mut Engine, st: &Statement) {
    for c in trust::calls(st) {
        if !trust::accepted(&cx.policy, &cx.defined, &c) {
            call(cx, &c);
        }
    }
}

/// `CREATE EXTENSION` (its tokens) of an extension not under `trusted_extensions`.
pub(crate) fn check_extension(cx: &mut Engine, toks: &[TokenWithSpan]) {
    if let Some(e) = trust::created_extension(toks) {
        if !cx
            .policy
            .trusted_extensions
            .iter()
            .any(|t| t.name == e.name)
        {
            extension(cx, &e);
        }
    }
}

/// A call of an unseen, untrusted function.
fn call(cx: &mut Engine, f: &NameRef) {
    let reason = cx.policy.unknown_functions.reason.clone();
    cx.emit(
        RULE.at(
            f.pos,
            f.len,
            format!(
                "calls `{}`, which is not defined in the linted files and not trusted by the policy",
                f.display()
            ),
        )
        .help("define it in the linted files, or add it to trusted_functions with why it is safe")
        .reason(Some(&reason)),
    );
}

/// `CREATE EXTENSION` of an extension the policy does not trust.
fn extension(cx: &mut Engine, e: &NameRef) {
    let reason = cx.policy.unknown_functions.reason.clone();
    cx.emit(
        RULE.at(
            e.pos,
            e.len,
            format!(
                "creates extension `{}`, whose functions are not in the linted files and which the policy does not trust",
                e.name
            ),
        )
        .help("add it to trusted_extensions with why it is safe")
        .reason(Some(&reason)),
    );
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::testing::{codes, step_codes};
    use crate::lint::StepRole;

    #[test]
    fn unknown_calls_in_packet_steps_are_findings() {
        let c = step_codes(
            "BEGIN;\nSELECT refresh_everything();\nCOMMIT;",
            StepRole::Verify,
        );
        assert!(c.contains(&"PC018"), "{c:?}");
        let c = step_codes("BEGIN;\nCALL public.do_it();\nCOMMIT;", StepRole::Verify);
        assert!(c.contains(&"PC018"), "{c:?}");
        let c = step_codes(
            "BEGIN;\nSELECT * FROM my_srf(1);\nCOMMIT;",
            StepRole::Verify,
        );
        assert!(c.contains(&"PC018"), "{c:?}");
        let c = step_codes(
            "BEGIN;\nCREATE EXTENSION IF NOT EXISTS dblink;\nCOMMIT;",
            StepRole::Seed,
        );
        assert!(c.contains(&"PC018"), "{c:?}");
    }

    #[test]
    fn builtins_and_functions_defined_here_are_not() {
        let c = step_codes(
            "BEGIN;\nSELECT count(*), coalesce(max(x), 0), format('%s', 1), now() FROM generate_series(1, 3) x;\nCOMMIT;",
            StepRole::Verify,
        );
        assert!(!c.contains(&"PC018"), "{c:?}");
        let c = step_codes(
            "BEGIN;\nCREATE FUNCTION pg_temp.f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\nSELECT pg_temp.f();\nCOMMIT;",
            StepRole::Verify,
        );
        assert!(!c.contains(&"PC018"), "{c:?}");
        // A qualified call of a built-in's name in another schema is not the built-in.
        let c = step_codes("BEGIN;\nSELECT public.count(1);\nCOMMIT;", StepRole::Verify);
        assert!(c.contains(&"PC018"), "{c:?}");
    }

    #[test]
    fn other_scripts_trust_unknown_calls_under_the_bundled_policy() {
        assert!(!codes("SELECT refresh_everything();").contains(&"PC018"));
    }
}
