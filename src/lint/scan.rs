//! The psql-aware front end: splits a script into statements, meta-commands and problems.
//!
//! sqlparser's own tokenizer works on a whole input at once and knows nothing of psql, so one
//! bad byte or one `\set` line would make it reject a whole file. This scanner is a small,
//! linear, byte-level lexer that does what psql's lexer does before a query reaches the server:
//! it tracks comments, quotes (`'…'`, `E'…'`, `U&'…'`, `"…"`, `U&"…"`, `$tag$…$tag$`) and
//! parentheses, ends statements at `;` (and at `\g`, `\gset`, `\gexec`), reads backslash
//! meta-commands to the end of their line, skips `COPY … FROM STDIN` data up to `\.`, and
//! records `:var` / `:'var'` / `:"var"` interpolations as same-width edits so that every
//! position sqlparser later reports is still a position in the original file.
//!
//! The same scanner (with `psql` off) splits function and DO bodies.

use std::collections::VecDeque;

/// How a psql variable is interpolated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarKind {
    /// `:name`: the value is pasted as raw SQL text.
    Raw,
    /// `:'name'`: the value is pasted as a quoted literal.
    Literal,
    /// `:"name"`: the value is pasted as a quoted identifier.
    Ident,
    /// `:{?name}`: TRUE or FALSE.
    Test,
}

/// A same-width textual substitution applied before sqlparser sees a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// Byte offset (in the scanned text) of the replaced text.
    pub start: usize,
    /// End byte offset (exclusive).
    pub end: usize,
    /// Replacement with exactly as many characters as `start..end` has.
    pub with: String,
}

/// A psql variable reference inside a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Var {
    /// Byte offset of the `:`.
    pub start: usize,
    /// End byte offset (exclusive).
    pub end: usize,
    /// How it is interpolated.
    pub kind: VarKind,
}

/// One SQL statement (without its terminating `;`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stmt {
    /// Byte offset of the first significant character.
    pub start: usize,
    /// Byte offset just past the last character before the terminator.
    pub end: usize,
    /// Byte offset just past the terminator (`;`, or the meta-command that sent it).
    pub term: usize,
    /// Same-width edits to apply, in order.
    pub edits: Vec<Edit>,
    /// psql variable references, in order.
    pub vars: Vec<Var>,
    /// Whether this is `COPY … FROM STDIN` (its data follows and was skipped).
    pub copy_stdin: bool,
}

/// A psql backslash command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    /// Byte offset of the backslash.
    pub start: usize,
    /// End of the command (end of line, exclusive).
    pub end: usize,
    /// Command name without the backslash (`set`, `if`, `gexec`, `!`, …).
    pub name: String,
    /// Everything after the name, trimmed.
    pub args: String,
}

/// A comment of the form `-- packetc: allow CODE[, CODE] -- reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allow {
    /// Byte offset of the comment.
    pub start: usize,
    /// End of the comment.
    pub end: usize,
    /// Codes or rule names, as written.
    pub codes: Vec<String>,
    /// The reason, if one was given.
    pub reason: Option<String>,
}

/// What the scanner yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A statement.
    Stmt(Stmt),
    /// A backslash meta-command.
    Meta(Meta),
    /// A quote, dollar quote or comment that never ends (the rest of the text is inside it).
    Unterminated {
        /// Byte offset of its opening.
        start: usize,
        /// What was left open, e.g. "string literal".
        what: &'static str,
    },
}

/// The scanner. Iterate it to get [`Item`]s; take [`Scanner::take_allows`] after each one.
pub struct Scanner<'a> {
    text: &'a str,
    b: &'a [u8],
    pos: usize,
    psql: bool,
    queue: VecDeque<Item>,
    allows: Vec<Allow>,
    cur: Option<Stmt>,
    depth: u32,
    first_word_copy: Option<bool>,
    prev_from: bool,
    done: bool,
    last_sig: usize,
    /// psql's heuristic for `CREATE [OR REPLACE] FUNCTION|PROCEDURE … BEGIN ATOMIC … END`:
    /// the first identifiers' initials, how many identifiers were seen, the BEGIN depth.
    idents: [u8; 4],
    ident_count: usize,
    begin_depth: u32,
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

/// psql commands that send the current query buffer to the server.
fn sends_buffer(name: &str) -> bool {
    matches!(
        name,
        "g" | "gx" | "gset" | "gexec" | "gdesc" | "crosstabview" | "watch" | ";"
    )
}

impl<'a> Scanner<'a> {
    /// A scanner over `text`; `psql` enables backslash commands and `:var` interpolation.
    #[must_use]
    pub fn new(text: &'a str, psql: bool) -> Scanner<'a> {
        Scanner {
            text,
            b: text.as_bytes(),
            // A UTF-8 byte order mark is not SQL.
            pos: if text.starts_with('\u{feff}') { 3 } else { 0 },
            psql,
            queue: VecDeque::new(),
            allows: Vec::new(),
            cur: None,
            depth: 0,
            first_word_copy: None,
            prev_from: false,
            done: false,
            last_sig: 0,
            idents: [0; 4],
            ident_count: 0,
            begin_depth: 0,
        }
    }

    /// The suppression comments seen so far (drained).
    pub fn take_allows(&mut self) -> Vec<Allow> {
        std::mem::take(&mut self.allows)
    }

    fn mark(&mut self, at: usize) {
        if self.cur.is_none() {
            self.cur = Some(Stmt {
                start: at,
                ..Stmt::default()
            });
            self.depth = 0;
            self.first_word_copy = None;
            self.prev_from = false;
            self.idents = [0; 4];
            self.ident_count = 0;
            self.begin_depth = 0;
        }
    }

    /// psql (psqlscan.l) keeps `;` inside `BEGIN … END` of a
    /// `CREATE [OR REPLACE] FUNCTION|PROCEDURE` from ending the statement; do the same.
    fn track_begin_atomic(&mut self, w: &str) {
        let lw = |k: &str| w.eq_ignore_ascii_case(k);
        if self.ident_count < 4
            && (lw("create") || lw("function") || lw("procedure") || lw("or") || lw("replace"))
        {
            self.idents[self.ident_count] = w.as_bytes()[0].to_ascii_lowercase();
        }
        self.ident_count += 1;
        let i = self.idents;
        let routine = i[0] == b'c'
            && (i[1] == b'f'
                || i[1] == b'p'
                || (i[1] == b'o' && i[2] == b'r' && (i[3] == b'f' || i[3] == b'p')));
        if routine && self.depth == 0 {
            if lw("begin") {
                self.begin_depth += 1;
            } else if lw("case") {
                if self.begin_depth >= 1 {
                    self.begin_depth += 1;
                }
            } else if lw("end") {
                self.begin_depth = self.begin_depth.saturating_sub(1);
            }
        }
    }

    fn finish(&mut self, end: usize, term: usize) -> Option<Stmt> {
        let mut s = self.cur.take()?;
        s.end = end;
        s.term = term;
        Some(s)
    }

    /// Skip `COPY … FROM STDIN` data: from the next line up to a line that is exactly `\.`.
    fn skip_copy_data(&mut self) {
        let rest = &self.text[self.pos..];
        let mut p = match rest.find('\n') {
            Some(i) => self.pos + i + 1,
            None => self.b.len(),
        };
        let data_start = p;
        let mut terminated = false;
        while p < self.b.len() {
            let line_end = self.text[p..].find('\n').map_or(self.b.len(), |i| p + i);
            let line = self.text[p..line_end].trim_end_matches('\r');
            p = (line_end + 1).min(self.b.len());
            if line == "\\." {
                terminated = true;
                break;
            }
        }
        if !terminated && !self.text[data_start.min(self.b.len())..].trim().is_empty() {
            // psql would read everything to the end as data; nothing after it can be checked.
            self.queue.push_back(Item::Unterminated {
                start: data_start,
                what: "COPY data (no `\\.` line before the end of the file)",
            });
        }
        self.pos = p;
    }

    fn line_comment(&mut self) {
        let start = self.pos;
        let end = self.text[start..]
            .find('\n')
            .map_or(self.b.len(), |i| start + i);
        let body = self.text[start + 2..end].trim();
        if let Some(rest) = body.strip_prefix("packetc:") {
            if let Some(rest) = rest.trim_start().strip_prefix("allow") {
                let (codes, reason) = match rest.find("--") {
                    Some(i) => (&rest[..i], Some(rest[i + 2..].trim())),
                    None => (rest, None),
                };
                let codes = codes
                    .split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|c| !c.is_empty())
                    .map(str::to_string)
                    .collect();
                let reason = reason.filter(|r| !r.is_empty()).map(str::to_string);
                self.allows.push(Allow {
                    start,
                    end,
                    codes,
                    reason,
                });
            }
        }
        self.pos = end;
    }

    /// Returns false when unterminated.
    fn block_comment(&mut self) -> bool {
        let mut depth = 0u32;
        let mut p = self.pos;
        while p + 1 < self.b.len() {
            match (self.b[p], self.b[p + 1]) {
                (b'/', b'*') => {
                    depth += 1;
                    p += 2;
                }
                (b'*', b'/') => {
                    depth -= 1;
                    p += 2;
                    if depth == 0 {
                        self.pos = p;
                        return true;
                    }
                }
                _ => p += 1,
            }
        }
        false
    }

    /// Scan a quoted run from `self.pos` (at the opening quote). Returns the end offset.
    fn quoted(&self, quote: u8, backslash: bool) -> Option<usize> {
        let mut p = self.pos + 1;
        while p < self.b.len() {
            let c = self.b[p];
            if c == quote {
                if p + 1 < self.b.len() && self.b[p + 1] == quote {
                    p += 2;
                    continue;
                }
                return Some(p + 1);
            }
            if backslash && c == b'\\' {
                p += 2;
                continue;
            }
            p += 1;
        }
        None
    }

    /// `$tag$` at self.pos? Returns the tag length including both `$`.
    fn dollar_tag(&self) -> Option<usize> {
        let mut p = self.pos + 1;
        if p < self.b.len() && is_ident_start(self.b[p]) {
            p += 1;
            while p < self.b.len() && is_ident_char(self.b[p]) && self.b[p] != b'$' {
                p += 1;
            }
        }
        (p < self.b.len() && self.b[p] == b'$').then(|| p + 1 - self.pos)
    }

    fn meta(&mut self) {
        let start = self.pos;
        let line_end = self.text[start..]
            .find('\n')
            .map_or(self.b.len(), |i| start + i);
        let mut p = start + 1;
        if p < line_end && self.b[p].is_ascii_alphabetic() {
            while p < line_end && (self.b[p].is_ascii_alphanumeric() || self.b[p] == b'+') {
                p += 1;
            }
        } else if p < line_end {
            p += self.text[p..].chars().next().map_or(1, char::len_utf8);
        }
        let name = self.text[start + 1..p].to_string();
        let args = self.text[p..line_end].trim().to_string();
        let meta = Meta {
            start,
            end: line_end,
            name,
            args,
        };
        self.pos = line_end;
        let copy_data = meta.name == "copy" && {
            let a = meta.args.to_ascii_lowercase();
            let words: Vec<&str> = a.split_whitespace().collect();
            words
                .windows(2)
                .any(|w| w[0] == "from" && (w[1] == "stdin" || w[1] == "pstdin"))
        };
        if self.cur.is_some() {
            if sends_buffer(&meta.name) {
                let trimmed_end = start;
                if let Some(s) = self.finish(trimmed_end, line_end) {
                    self.queue.push_back(Item::Stmt(s));
                }
            } else if let Some(cur) = self.cur.as_mut() {
                let chars = self.text[start..line_end].chars().count();
                cur.edits.push(Edit {
                    start,
                    end: line_end,
                    with: " ".repeat(chars),
                });
            }
        }
        self.queue.push_back(Item::Meta(meta));
        if copy_data {
            self.skip_copy_data();
        }
    }

    fn var(&mut self) {
        let p = self.pos;
        let next = self.b.get(p + 1).copied();
        match next {
            Some(b':') => self.pos += 2,
            Some(q @ (b'\'' | b'"')) => {
                let Some(close) = self.text[p + 2..].find(q as char).map(|i| p + 2 + i) else {
                    self.pos += 1;
                    return;
                };
                let name = &self.text[p + 2..close];
                if name.contains('\n') || name.is_empty() {
                    self.pos += 1;
                    return;
                }
                let q = q as char;
                let kind = if q == '\'' {
                    VarKind::Literal
                } else {
                    VarKind::Ident
                };
                self.push_var(p, close + 1, format!("{q}:{name}{q}"), kind);
                self.pos = close + 1;
            }
            Some(b'{') if self.b.get(p + 2) == Some(&b'?') => {
                let Some(close) = self.text[p..].find('}').map(|i| p + i) else {
                    self.pos += 1;
                    return;
                };
                let chars = self.text[p..=close].chars().count();
                let with = format!("{:<chars$}", "TRUE");
                self.push_var(p, close + 1, with, VarKind::Test);
                self.pos = close + 1;
            }
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => {
                let mut e = p + 1;
                while e < self.b.len() && (self.b[e].is_ascii_alphanumeric() || self.b[e] == b'_') {
                    e += 1;
                }
                let with = format!("${}", &self.text[p + 1..e]);
                self.push_var(p, e, with, VarKind::Raw);
                self.pos = e;
            }
            _ => self.pos += 1,
        }
    }

    fn push_var(&mut self, start: usize, end: usize, with: String, kind: VarKind) {
        self.mark(start);
        if let Some(cur) = self.cur.as_mut() {
            cur.edits.push(Edit { start, end, with });
            cur.vars.push(Var { start, end, kind });
        }
    }

    /// `U&"…"` at self.pos (pointing at the `U`): rewrite to a plain quoted identifier.
    fn unicode_ident(&mut self) -> bool {
        let start = self.pos;
        self.pos += 2;
        let Some(close) = self.quoted(b'"', false) else {
            self.pos = start;
            return false;
        };
        let raw = &self.text[start + 3..close - 1];
        let mut end = close;
        let mut esc = '\\';
        // Optional UESCAPE 'c'.
        let after = &self.text[close..];
        let ws = after.len() - after.trim_start().len();
        let t = &after[ws..];
        if t.get(..7)
            .is_some_and(|k| k.eq_ignore_ascii_case("uescape"))
        {
            let t2 = t[7..].trim_start();
            let mut cs = t2.chars();
            if let (Some('\''), Some(c), Some('\'')) = (cs.next(), cs.next(), cs.next()) {
                esc = c;
                end = close + ws + 7 + (t[7..].len() - t2.len()) + 2 + c.len_utf8();
            }
        }
        self.pos = end;
        if let Some(decoded) = decode_unicode_escapes(raw, esc) {
            let chars = self.text[start..end].chars().count();
            let quoted = format!("\"{}\"", decoded.replace('"', "\"\""));
            if quoted.chars().count() <= chars {
                let with = format!("{quoted:<chars$}");
                self.mark(start);
                if let Some(cur) = self.cur.as_mut() {
                    cur.edits.push(Edit { start, end, with });
                }
                return true;
            }
        }
        self.mark(start);
        true
    }

    fn word(&mut self) {
        let start = self.pos;
        let mut p = start + 1;
        while p < self.b.len() && is_ident_char(self.b[p]) {
            p += 1;
        }
        let w = &self.text[start..p];
        self.mark(start);
        self.track_begin_atomic(w);
        match self.first_word_copy {
            None => self.first_word_copy = Some(w.eq_ignore_ascii_case("copy")),
            Some(true) => {
                if self.prev_from && w.eq_ignore_ascii_case("stdin") {
                    if let Some(cur) = self.cur.as_mut() {
                        cur.copy_stdin = true;
                    }
                }
                self.prev_from = w.eq_ignore_ascii_case("from");
            }
            Some(false) => {}
        }
        self.pos = p;
    }

    fn step(&mut self) -> Option<Item> {
        let c = self.b[self.pos];
        let trivia = matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
            || (c == b'-' && self.b.get(self.pos + 1) == Some(&b'-'))
            || (c == b'/' && self.b.get(self.pos + 1) == Some(&b'*'))
            || (c == b'\\' && self.psql);
        let r = self.step_inner(c);
        if !trivia && self.cur.is_some() {
            self.last_sig = self.pos;
        }
        r
    }

    fn step_inner(&mut self, c: u8) -> Option<Item> {
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => self.pos += 1,
            b'-' if self.b.get(self.pos + 1) == Some(&b'-') => self.line_comment(),
            b'/' if self.b.get(self.pos + 1) == Some(&b'*') => {
                let start = self.pos;
                if !self.block_comment() {
                    self.pos = self.b.len();
                    return Some(Item::Unterminated {
                        start,
                        what: "block comment",
                    });
                }
            }
            b'\'' | b'"' => {
                let start = self.pos;
                self.mark(start);
                let backslash = c == b'\''
                    && start > 0
                    && matches!(self.b[start - 1], b'e' | b'E')
                    && (start < 2 || !is_ident_char(self.b[start - 2]));
                match self.quoted(c, backslash) {
                    Some(e) => self.pos = e,
                    None => {
                        self.pos = self.b.len();
                        return Some(Item::Unterminated {
                            start,
                            what: if c == b'"' {
                                "quoted identifier"
                            } else {
                                "string literal"
                            },
                        });
                    }
                }
            }
            b'$' => {
                let start = self.pos;
                self.mark(start);
                if self.b.get(start + 1).is_some_and(u8::is_ascii_digit) {
                    self.pos += 1;
                } else if let Some(tlen) = self.dollar_tag() {
                    let tag = &self.text[start..start + tlen];
                    match self.text[start + tlen..].find(tag) {
                        Some(i) => self.pos = start + tlen + i + tlen,
                        None => {
                            self.pos = self.b.len();
                            return Some(Item::Unterminated {
                                start,
                                what: "dollar-quoted string",
                            });
                        }
                    }
                } else {
                    self.pos += 1;
                }
            }
            b'\\' if self.psql => self.meta(),
            b':' if self.psql => self.var(),
            b';' if self.depth == 0 && self.begin_depth == 0 => {
                let at = self.pos;
                self.pos += 1;
                if let Some(s) = self.finish(at, at + 1) {
                    if s.copy_stdin && self.psql {
                        self.skip_copy_data();
                    }
                    return Some(Item::Stmt(s));
                }
            }
            b'(' => {
                self.mark(self.pos);
                self.depth += 1;
                self.pos += 1;
            }
            b')' => {
                self.mark(self.pos);
                self.depth = self.depth.saturating_sub(1);
                self.pos += 1;
            }
            b'u' | b'U'
                if self.b.get(self.pos + 1) == Some(&b'&')
                    && self.b.get(self.pos + 2) == Some(&b'"')
                    && (self.pos == 0 || !is_ident_char(self.b[self.pos - 1])) =>
            {
                let start = self.pos;
                if !self.unicode_ident() {
                    self.pos = self.b.len();
                    return Some(Item::Unterminated {
                        start,
                        what: "quoted identifier",
                    });
                }
            }
            b'u' | b'U'
                if self.b.get(self.pos + 1) == Some(&b'&')
                    && self.b.get(self.pos + 2) == Some(&b'\'') =>
            {
                self.mark(self.pos);
                self.pos += 2;
            }
            c if is_ident_start(c) => self.word(),
            c if c < 0x80 => {
                self.mark(self.pos);
                self.pos += 1;
            }
            _ => {
                self.mark(self.pos);
                self.pos += 1;
            }
        }
        None
    }
}

impl Iterator for Scanner<'_> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        loop {
            if let Some(it) = self.queue.pop_front() {
                return Some(it);
            }
            if self.done {
                return None;
            }
            if self.pos >= self.b.len() {
                self.done = true;
                let end = self.b.len();
                let last = self.last_sig.max(self.cur.as_ref().map_or(0, |c| c.start));
                if let Some(s) = self.finish(last, end) {
                    return Some(Item::Stmt(s));
                }
                continue;
            }
            if let Some(it) = self.step() {
                if let Item::Unterminated { .. } = it {
                    // Whatever statement was pending is swallowed by the open quote; report the
                    // opening only (the statement text is incomplete and cannot be analysed).
                    self.cur = None;
                }
                return Some(it);
            }
        }
    }
}

/// Decode the escapes of a `U&"…"` / `U&'…'` body. `None` when an escape is malformed.
#[must_use]
pub fn decode_unicode_escapes(raw: &str, esc: char) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut it = raw.chars().peekable();
    while let Some(c) = it.next() {
        if c != esc {
            out.push(c);
            continue;
        }
        match it.peek().copied() {
            Some(n) if n == esc => {
                it.next();
                out.push(esc);
            }
            Some('+') => {
                it.next();
                let hex: String = (0..6).filter_map(|_| it.next()).collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            Some(_) => {
                let hex: String = (0..4).filter_map(|_| it.next()).collect();
                if hex.len() != 4 {
                    return None;
                }
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            None => return None,
        }
    }
    Some(out)
}

/// Apply a statement's edits to its text (`text[s.start..s.end]`).
#[must_use]
pub fn edited<'t>(text: &'t str, s: &Stmt) -> std::borrow::Cow<'t, str> {
    let slice = &text[s.start..s.end];
    let edits: Vec<&Edit> = s
        .edits
        .iter()
        .filter(|e| e.start >= s.start && e.end <= s.end)
        .collect();
    if edits.is_empty() {
        return std::borrow::Cow::Borrowed(slice);
    }
    let mut out = String::with_capacity(slice.len());
    let mut at = s.start;
    for e in edits {
        if e.start < at {
            continue;
        }
        out.push_str(&text[at..e.start]);
        out.push_str(&e.with);
        at = e.end;
    }
    out.push_str(&text[at..s.end]);
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(t: &str) -> Vec<Item> {
        Scanner::new(t, true).collect()
    }

    fn stmts(t: &str) -> Vec<String> {
        items(t)
            .into_iter()
            .filter_map(|i| match i {
                Item::Stmt(s) => Some(edited(t, &s).into_owned()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn splits_statements_and_quotes() {
        assert_eq!(
            stmts("select ';' ; select $x$ ; $x$;select \"a;\" -- ;\n"),
            vec!["select ';' ", "select $x$ ; $x$", "select \"a;\""]
        );
        assert_eq!(stmts("select E'\\';' ;x"), vec!["select E'\\';' ", "x"]);
        assert_eq!(
            stmts("create rule r as on insert to t do (insert into a values (1); delete from b);"),
            vec!["create rule r as on insert to t do (insert into a values (1); delete from b)"]
        );
    }

    #[test]
    fn begin_atomic_bodies_stay_one_statement() {
        assert_eq!(
            stmts("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 1 END; END; SELECT 2;"),
            vec![
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 1 END; END",
                "SELECT 2"
            ]
        );
        assert_eq!(stmts("create table t (begin int); select 1;").len(), 2);
    }

    #[test]
    fn psql_variables_keep_width() {
        assert_eq!(
            stmts("select :'v', :\"w\", :x, a::int"),
            vec!["select ':v', \":w\", $x, a::int"]
        );
    }

    #[test]
    fn meta_commands_and_copy_data() {
        let t = "\\set ON_ERROR_STOP on\nselect 1 \\gset\ncopy t from stdin;\na;b\n\\.\nselect 2;";
        let it = items(t);
        assert!(matches!(&it[0], Item::Meta(m) if m.name == "set" && m.args == "ON_ERROR_STOP on"));
        assert!(matches!(&it[1], Item::Stmt(s) if &t[s.start..s.end] == "select 1 "));
        assert!(matches!(&it[2], Item::Meta(m) if m.name == "gset"));
        assert!(matches!(&it[3], Item::Stmt(s) if s.copy_stdin));
        assert!(matches!(&it[4], Item::Stmt(s) if &t[s.start..s.end] == "select 2"));
    }

    #[test]
    fn unterminated_reports_opening() {
        let it = items("select 1;\nselect 'abc");
        assert!(matches!(it[1], Item::Unterminated { start: 17, .. }));
        let it = items("select $a$ x");
        assert!(matches!(it[0], Item::Unterminated { start: 7, .. }));
        let it = items("/* /* */");
        assert!(matches!(it[0], Item::Unterminated { start: 0, .. }));
    }

    #[test]
    fn unicode_identifiers_are_decoded() {
        assert_eq!(
            stmts("update U&\"d\\0061ta\" set a = 1"),
            vec!["update \"data\"       set a = 1"]
        );
        assert_eq!(
            stmts("update U&\"d!0061ta\" UESCAPE '!' set a = 1"),
            vec!["update \"data\"                   set a = 1"]
        );
    }

    #[test]
    fn allow_comments() {
        let mut s = Scanner::new(
            "-- packetc: allow PC010, PC013 -- vendor syntax\nselect 1;",
            true,
        );
        let _ = s.next();
        let a = s.take_allows();
        assert_eq!(a[0].codes, vec!["PC010", "PC013"]);
        assert_eq!(a[0].reason.as_deref(), Some("vendor syntax"));
    }
}
