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
use crate::lint::engine::Engine;
use crate::lint::finding::{Pos, Severity};

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC015",
    name: "missing-include",
    summary: "A psql include (\\i, \\ir) could not be followed.",
    severity: Severity::Error,
    source: include_str!("pc015_missing_include.rs"),
    fail_closed: true,
};

/// `\i` without a file name.
pub(crate) fn no_name(cx: &mut Engine, pos: Pos, len: usize) {
    cx.emit(
        RULE.at(pos, len, "include without a file name")
            .help("name the file"),
    );
}

/// An include that repeats a file of the include chain, or a chain too deep.
pub(crate) fn cycle(cx: &mut Engine, pos: Pos, len: usize, path: &str) {
    cx.emit(
        RULE.at(
            pos,
            len,
            format!("include cycle or chain too deep at `{path}`"),
        )
        .help("remove the cycle"),
    );
}

/// An included file that cannot be read.
pub(crate) fn unreadable(cx: &mut Engine, pos: Pos, len: usize, path: &str, err: &str) {
    cx.emit(
        RULE.at(
            pos,
            len,
            format!("included file `{path}` cannot be read: {err}"),
        )
        .help("fix the path (\\ir is relative to this file, \\i to the working directory)"),
    );
}
