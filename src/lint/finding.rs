//! Findings and positions.
//!
//! Positions are kept as 1-based (line, column-in-characters) pairs while analysing, because
//! that is what sqlparser reports, and turned into byte ranges (what miette and SARIF tools
//! need) once per finding through a [`LineIndex`] built in one pass over the file.

use std::cell::Cell;
use std::ops::Range;

/// How bad a finding is. Every finding fails the run (exit 1); the level only guides readers
/// and maps onto SARIF `level` / GitHub annotation kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A forbidden write or something that cannot be proven safe.
    Error,
    /// A hygiene problem (e.g. a suppression without a reason).
    Warning,
}

impl Severity {
    /// The lowercase word used in every output format.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// Stable rule code, e.g. `PC001`.
    pub code: &'static str,
    /// Kebab-case rule name, e.g. `protected-table-write`.
    pub rule: &'static str,
    /// What is wrong, in one sentence.
    pub message: String,
    /// What to do about it.
    pub help: String,
    /// The policy's reason for the protection, quoted from `policy.yaml`, if any.
    pub reason: Option<String>,
    /// Error or warning.
    pub severity: Severity,
    /// Byte range of the offending text in the file.
    pub range: Range<usize>,
    /// 1-based line of the start of `range`.
    pub line: usize,
    /// 1-based column (in characters) of the start of `range`.
    pub col: usize,
    /// Whether a `-- packetc: allow CODE -- reason` comment may silence it.
    pub suppressible: bool,
}

/// A finding being made: the one way every rule builds its findings
/// (`RULE.at(pos, len, message).help(…).reason(…)`, then `Engine::emit`), so that the doc
/// link, the position mapping and the suppression decision are made in one place.
#[derive(Debug, Clone)]
pub struct Draft {
    pub(crate) rule: crate::lint::rules::Rule,
    pub(crate) pos: Pos,
    pub(crate) len: usize,
    pub(crate) message: String,
    pub(crate) help: String,
    pub(crate) reason: Option<String>,
    pub(crate) suppressible: bool,
}

impl Draft {
    /// A finding of `rule` at `pos` spanning `len` characters.
    #[must_use]
    pub fn new(rule: crate::lint::rules::Rule, pos: Pos, len: usize, message: String) -> Draft {
        Draft {
            rule,
            pos,
            len,
            message,
            help: String::new(),
            reason: None,
            suppressible: true,
        }
    }

    /// What to do about it (the link to the rule's page is added).
    #[must_use]
    pub fn help(mut self, help: &str) -> Draft {
        self.help = help.to_string();
        self
    }

    /// The policy's reason, quoted.
    #[must_use]
    pub fn reason(mut self, reason: Option<&str>) -> Draft {
        self.reason = reason.map(str::to_string);
        self
    }

    /// Whether an allow comment may silence it (the policy and the fail-closed test of the
    /// engine may still forbid it).
    #[must_use]
    pub fn suppressible(mut self, may: bool) -> Draft {
        self.suppressible = may;
        self
    }

    /// The finding, positioned through `idx`; `allowed` says whether the policy and the engine
    /// let it be suppressed.
    #[must_use]
    pub fn build(self, idx: &LineIndex, allowed: bool) -> Finding {
        let pos = if self.pos.is_known() {
            self.pos
        } else {
            Pos { line: 1, col: 1 }
        };
        let help = if self.help.is_empty() {
            format!("see {}", self.rule.doc_path())
        } else {
            format!("{} (see {})", self.help, self.rule.doc_path())
        };
        Finding {
            code: self.rule.code,
            rule: self.rule.name,
            message: self.message,
            help,
            reason: self.reason,
            severity: self.rule.severity,
            range: idx.range(pos, self.len.max(1)),
            line: pos.line as usize,
            col: pos.col as usize,
            suppressible: self.suppressible && allowed,
        }
    }
}

/// A 1-based line/column position (column counted in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    /// 1-based line.
    pub line: u64,
    /// 1-based column in characters.
    pub col: u64,
}

impl Pos {
    /// A position from sqlparser's location (line 0 means "unknown").
    #[must_use]
    pub fn from_loc(loc: sqlparser::tokenizer::Location) -> Pos {
        Pos {
            line: loc.line,
            col: loc.column,
        }
    }

    /// Whether the position is known.
    #[must_use]
    pub fn is_known(self) -> bool {
        self.line > 0
    }
}

/// Byte offsets of line starts, for converting between bytes and (line, column).
///
/// The last conversion is cached so that the forward-moving conversions of the statement loop
/// stay linear even on a file that is one very long line.
#[derive(Debug)]
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
    cache: Cell<(usize, u64, u64)>,
}

impl<'a> LineIndex<'a> {
    /// Index `text` (one pass).
    #[must_use]
    pub fn new(text: &'a str) -> LineIndex<'a> {
        let mut starts = Vec::with_capacity(text.len() / 40 + 1);
        starts.push(0);
        // `memchr` (SIMD): the whole file is indexed once, every body once more.
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex {
            text,
            starts,
            cache: Cell::new((0, 1, 1)),
        }
    }

    /// The (line, column) of a byte offset (clamped to the text, moved back to a char boundary).
    #[must_use]
    pub fn pos(&self, byte: usize) -> Pos {
        let mut byte = byte.min(self.text.len());
        while !self.text.is_char_boundary(byte) {
            byte -= 1;
        }
        let (cb, cl, cc) = self.cache.get();
        let line_idx = self.line_of(byte, cl as usize - 1);
        let line_start = self.starts[line_idx];
        // Count from the cached position when it is on the same line (either direction), so
        // nearby conversions cost their distance, not the line's length.
        let col = if cl == line_idx as u64 + 1 && cb >= line_start && cb <= byte {
            cc + self.text[cb..byte].chars().count() as u64
        } else if cl == line_idx as u64 + 1 && cb >= line_start && byte - line_start > cb - byte {
            cc - self.text[byte..cb].chars().count() as u64
        } else {
            1 + self.text[line_start..byte].chars().count() as u64
        };
        self.cache.set((byte, line_idx as u64 + 1, col));
        Pos {
            line: line_idx as u64 + 1,
            col,
        }
    }

    /// The index of the line holding `byte`, searched from line `hint` (the last one asked
    /// for): the statement loop asks for positions that move forward a few lines at a time, so
    /// a few steps from the hint find it without a binary search over the whole file, whose
    /// probes miss the cache on a large file.
    fn line_of(&self, byte: usize, hint: usize) -> usize {
        let s = &self.starts;
        let hint = hint.min(s.len() - 1);
        if s[hint] <= byte {
            let mut i = hint;
            for _ in 0..8 {
                match s.get(i + 1) {
                    Some(&next) if next <= byte => i += 1,
                    _ => return i,
                }
            }
            return i + s[i..].partition_point(|&st| st <= byte) - 1;
        }
        s[..hint].partition_point(|&st| st <= byte) - 1
    }

    /// The byte offset of a (line, column) position (clamped to the line / text).
    #[must_use]
    pub fn byte(&self, pos: Pos) -> usize {
        if pos.line == 0 {
            return 0;
        }
        let idx = (pos.line as usize - 1).min(self.starts.len() - 1);
        let start = self.starts[idx];
        let end = self.starts.get(idx + 1).copied().unwrap_or(self.text.len());
        let line = &self.text[start..end];
        let want = pos.col.saturating_sub(1) as usize;
        match line.char_indices().nth(want) {
            Some((off, _)) => start + off,
            None => end,
        }
    }

    /// The byte range from `start` spanning `chars` characters, stopping at the end of the line.
    #[must_use]
    pub fn range(&self, start: Pos, chars: usize) -> Range<usize> {
        let b = self.byte(start);
        let rest = &self.text[b..];
        let mut len = 0;
        for (n, (off, c)) in rest.char_indices().enumerate() {
            if n == chars || c == '\n' {
                break;
            }
            len = off + c.len_utf8();
        }
        b..b + len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_positions() {
        let text = "ab\nçd\n\nxyz";
        let idx = LineIndex::new(text);
        for b in [0, 1, 3, 5, 6, 7, 8, 10] {
            let p = idx.pos(b);
            assert_eq!(idx.byte(p), b, "{b} {p:?}");
        }
        assert_eq!(idx.pos(6), Pos { line: 2, col: 3 });
        assert_eq!(idx.range(Pos { line: 2, col: 1 }, 5), 3..6);
    }

    #[test]
    fn any_order_of_lookups_agrees_with_a_count_of_newlines() {
        let text = "a\n\nbc\nd\n\n\n\n\n\n\n\n\n\n\nlast line\n".repeat(3);
        let idx = LineIndex::new(&text);
        let expect = |b: usize| 1 + text[..b].matches('\n').count() as u64;
        // Forward, backward, and jumps further than the forward steps from the last line.
        let mut order: Vec<usize> = (0..=text.len()).collect();
        order.extend((0..=text.len()).rev());
        order.extend((0..=text.len()).map(|i| (i * 37) % (text.len() + 1)));
        for b in order {
            assert_eq!(idx.pos(b).line, expect(b), "byte {b}");
        }
    }

    #[test]
    fn cache_works_in_both_directions() {
        let text = "aé b ç d";
        let idx = LineIndex::new(text);
        let fwd: Vec<Pos> = (0..=text.len())
            .filter(|b| text.is_char_boundary(*b))
            .map(|b| idx.pos(b))
            .collect();
        let back: Vec<Pos> = (0..=text.len())
            .rev()
            .filter(|b| text.is_char_boundary(*b))
            .map(|b| idx.pos(b))
            .collect();
        let mut back = back;
        back.reverse();
        assert_eq!(fwd, back);
        assert_eq!(idx.pos(3), Pos { line: 1, col: 3 });
    }
}
