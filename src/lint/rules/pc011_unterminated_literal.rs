//! ## What it does
//! Reports a string literal, quoted identifier, dollar-quoted string or block comment that
//! is opened and never closed, at its opening.
//!
//! ## Why is this bad?
//! Everything after the opening is swallowed: psql would send it as one (broken) statement
//! or wait for more input. The rest of the file cannot be analysed.
//!
//! ## Example
//! ```sql
//! DO $body$ BEGIN PERFORM 1; END $bdy$;
//! ```
//!
//! ## Use instead
//! Close the quote with the same tag: `$body$ … $body$`.

use super::Rule;
use crate::lint::engine::Engine;
use crate::lint::finding::{Pos, Severity};

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC011",
    name: "unterminated-literal",
    summary: "A quote, dollar quote or comment is never closed.",
    severity: Severity::Error,
    source: include_str!("pc011_unterminated_literal.rs"),
    fail_closed: true,
};

/// A quote, dollar quote or comment opened at `pos` and never closed.
pub(crate) fn unterminated(cx: &mut Engine, pos: Pos, what: &str) {
    cx.emit(
        RULE.at(
            pos,
            1,
            format!("unterminated {what}: everything after it is swallowed"),
        )
        .help("close it (the same tag for dollar quotes)"),
    );
}
