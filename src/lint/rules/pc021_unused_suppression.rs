//! ## What it does
//! Flags a `-- packetc: allow CODE -- reason` comment (or one of its codes) that silences no
//! finding on the statement it applies to (like ruff's RUF100).
//!
//! ## Why is this bad?
//! A suppression that matches nothing is stale: the statement changed, or the comment sits on
//! the wrong line. Left in place it will silently hide the next real finding of that code on
//! that statement, without anyone having checked it.
//!
//! ## Example
//! ```sql
//! -- packetc: allow PC010 -- CREATE STATISTICS is DDL on our own scratch table
//! SELECT 1;
//! ```
//!
//! ## Use instead
//! ```sql
//! SELECT 1;
//! ```

use super::Rule;
use crate::lint::engine::Engine;
use crate::lint::finding::{Pos, Severity};

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC021",
    name: "unused-suppression",
    summary: "A suppression comment silences no finding.",
    severity: Severity::Warning,
    source: include_str!("pc021_unused_suppression.rs"),
    fail_closed: false,
};

/// An allowed code with no finding of it on its statement.
pub(crate) fn unused(cx: &mut Engine, pos: Pos, len: usize, code: &str) {
    cx.emit(
        RULE.at(
            pos,
            len,
            format!("unused suppression: no {code} finding on this statement"),
        )
        .help("remove the code from the comment (or the comment), so it cannot silence a future finding unseen"),
    );
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::testing::{codes, lint_errors};

    #[test]
    fn a_suppression_that_matches_nothing_is_reported() {
        lint_errors(
            "-- packetc: allow PC010 -- scratch table\nSELECT 1;",
            "PC021",
        );
        // Used: silent.
        let c = codes("-- packetc: allow PC010 -- scratch table\nIMPORT FOREIGN SCHEMA remote FROM SERVER s INTO public;");
        assert!(c.is_empty(), "{c:?}");
        // One used code, one stale: only the stale one.
        let c = codes(
            "-- packetc: allow PC010, PC013 -- scratch table\nIMPORT FOREIGN SCHEMA remote FROM SERVER s INTO public;",
        );
        assert_eq!(c, ["PC021"], "{c:?}");
    }
}
