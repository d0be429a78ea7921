//! ## What it does
//! Reports bytes that are not valid UTF-8 (at the first bad byte; the rest of the file is
//! analysed with the bad bytes replaced) and statements the SQL tokenizer rejects (at the
//! offending character; the other statements are still analysed).
//!
//! ## Why is this bad?
//! Text that cannot be read cannot be proven safe, and PostgreSQL may read it differently
//! from the linter.
//!
//! ## Use instead
//! Save the file as UTF-8 and remove stray control characters.

use super::Rule;
use crate::lint::engine::Engine;
use crate::lint::finding::{Finding, LineIndex, Pos, Severity};

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC012",
    name: "unreadable-text",
    summary: "Bytes that are not valid UTF-8 or that the SQL tokenizer rejects.",
    severity: Severity::Error,
    source: include_str!("pc012_unreadable_text.rs"),
    fail_closed: true,
};

/// The SQL tokenizer rejected a statement.
pub(crate) fn tokenizer_rejected(cx: &mut Engine, pos: Pos, msg: &str) {
    cx.emit(
        RULE.at(
            pos,
            1,
            format!("the SQL tokenizer rejected this statement: {msg}"),
        )
        .help("remove or quote the offending character"),
    );
}

/// A file that is not UTF-8, first bad byte at `bad` of `text` (its lossy reading).
#[must_use]
pub fn not_utf8(text: &str, bad: usize) -> Finding {
    let idx = LineIndex::new(text);
    let pos = idx.pos(bad);
    RULE.at(
        pos,
        1,
        format!("not valid UTF-8 (first bad byte at offset {bad})"),
    )
    .help("save the file as UTF-8")
    .build(&idx, false)
}
