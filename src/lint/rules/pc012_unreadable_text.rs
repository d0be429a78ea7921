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
use crate::lint::finding::Severity;

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC012",
    name: "unreadable-text",
    summary: "Bytes that are not valid UTF-8 or that the SQL tokenizer rejects.",
    severity: Severity::Error,
    source: include_str!("pc012_unreadable_text.rs"),
};
