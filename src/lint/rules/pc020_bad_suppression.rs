//! ## What it does
//! Flags `-- packetc: allow CODE` comments without a `-- reason`, with an unknown code, or
//! that try to suppress a code the policy lists under `never_suppress` (those comments do
//! nothing).
//!
//! ## Why is this bad?
//! A suppression is a claim that a finding is safe; without a reason a reviewer cannot check
//! the claim.
//!
//! ## Example
//! ```sql
//! -- packetc: allow PC010
//! ```
//!
//! ## Use instead
//! ```sql
//! -- packetc: allow PC010 -- importing our own scratch table
//! ```

use super::Rule;
use crate::lint::engine::Engine;
use crate::lint::finding::{Pos, Severity};

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC020",
    name: "bad-suppression",
    summary: "A suppression comment has no reason or names an unknown code.",
    severity: Severity::Warning,
    source: include_str!("pc020_bad_suppression.rs"),
    fail_closed: false,
};

/// An allow comment without `-- reason`.
pub(crate) const NO_REASON: &str =
    "suppression without a reason: write `-- packetc: allow CODE -- why`";
/// An allow comment without a code.
pub(crate) const NO_CODE: &str = "suppression names no rule code";

/// A code the policy never lets be suppressed.
pub(crate) fn never(code: &str) -> String {
    format!("{code} can never be suppressed (policy never_suppress)")
}

/// A code no rule has.
pub(crate) fn unknown(code: &str) -> String {
    format!("unknown rule code `{code}`")
}

/// Report one problem with an allow comment.
pub(crate) fn bad(cx: &mut Engine, pos: Pos, len: usize, problem: &str) {
    cx.emit(RULE.at(pos, len, problem).help("fix or remove the comment"));
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::testing::{codes, lint_errors};

    #[test]
    fn reasons_are_required() {
        lint_errors("-- packetc: allow PC010\nSELECT 1;", "PC020");
        lint_errors("-- packetc: allow PC999 -- why\nSELECT 1;", "PC020");
        let c = codes("IMPORT FOREIGN SCHEMA remote LIMIT TO (t) FROM SERVER s INTO public; -- packetc: allow PC010 -- scratch table");
        assert!(c.is_empty(), "{c:?}");
    }
}
