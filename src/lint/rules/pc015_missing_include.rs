//! ## What it does
//! Flags `\i`/`\include` and `\ir`/`\include_relative` whose file does not exist or cannot be
//! read, and include cycles. Included files that exist are linted; their findings are
//! reported at the include line.
//!
//! ## Why is this bad?
//! The included file is part of the script; if it cannot be read it cannot be proven safe.
//!
//! ## Use instead
//! Fix the path (`\ir` is relative to the including file, `\i` to the working directory).

use super::Rule;
use crate::lint::finding::Severity;

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC015",
    name: "missing-include",
    summary: "A psql include (\\i, \\ir) could not be followed.",
    severity: Severity::Error,
    source: include_str!("pc015_missing_include.rs"),
};
