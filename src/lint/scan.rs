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
    /// Where psql's query buffer for this statement starts (a leading block comment is sent;
    /// leading whitespace and `--` comments are not).
    pub wire_start: usize,
    /// Where the text psql sends ends (after the `;`, before a `\g`, or the end of the file).
    pub wire_end: usize,
    /// Byte ranges inside `wire_start..wire_end` that psql leaves out of the buffer:
    /// backslash commands, the `\` of `\;`, newlines of empty lines.
    pub holes: Vec<(usize, usize)>,
    /// The next statement goes to the server in the same message (joined by `\;`).
    pub glued: bool,
    /// False when the statement is in an `\if` branch known not to run (psql never sends it).
    pub active: bool,
    /// Nothing but a `;` or comments: psql sends it, there is nothing to analyse.
    pub blank: bool,
    /// The backslash command that sent it (`g`, `gset`, `gdesc`, …), if not a `;`.
    pub via: Option<String>,
    /// psql dropped the buffer (`\\r`) with the statements glued before this one: none of
    /// them is sent.
    pub discarded: bool,
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
    /// The arguments as psql splits and unquotes them.
    pub argv: Vec<String>,
    /// The first argument is a pipe (`|command`).
    pub pipe: bool,
    /// An argument is backquoted (psql runs it as a shell command).
    pub backquote: bool,
    /// psql does not know this command (it drops the rest of the line).
    pub unknown: bool,
    /// False when in an `\if` branch known not to run.
    pub active: bool,
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
    /// `COPY … FROM STDIN` data (psql sends these bytes as COPY data, `\\.` line included).
    CopyData {
        /// First byte of the data.
        start: usize,
        /// Just past the `\\.` line (or the end of the file).
        end: usize,
    },
    /// A quote, dollar quote or comment that never ends (the rest of the text is inside it).
    Unterminated {
        /// Byte offset of its opening.
        start: usize,
        /// What was left open, e.g. "string literal".
        what: &'static str,
        /// What psql sends at the end of the file (it sends the open buffer as it is).
        sent: Option<Box<Stmt>>,
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
    /// A skipped `\\if` branch ended with an empty buffer: psql's BEGIN tracking carries on.
    keep_lexer: bool,
    /// psql's query buffer is non-empty since this offset.
    buf_start: Option<usize>,
    /// Holes of the pending buffer (see [`Stmt::holes`]).
    holes: Vec<(usize, usize)>,
    /// The newline psql added to the buffer at the start of the current line.
    added_nl: Option<usize>,
    /// Start of the current line.
    line_start: usize,
    /// `\if` stack: whether each level's current branch runs (`None`: not known statically),
    /// and whether an earlier branch of it was taken.
    cond: Vec<(Option<bool>, Option<bool>)>,
    /// Per `\\if` level: where its current skipped branch began and whether psql's buffer
    /// held text then (psql restores the buffer when the branch ends).
    off_from: Vec<Option<Skipped>>,
    /// The last statement sent (`\g` with an empty buffer sends it again).
    prev: Option<Stmt>,
    /// A `COPY … FROM STDIN` was sent on this line: its data starts on the next line and
    /// lexing resumes here at the end of this line.
    copy_resume: Option<usize>,
    /// Statements joined by `\\;` are pending (not yet sent).
    glue_open: bool,
    /// Where the current step began.
    pos_before: usize,
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

/// A byte that is a token of its own or part of a number or operator, and nothing more to
/// psql: not a quote, `$`, comment start (`-`, `/`), `;`, parenthesis, `:` or backslash.
fn is_plain(c: u8) -> bool {
    c.is_ascii_digit()
        || matches!(
            c,
            b'.' | b','
                | b'='
                | b'<'
                | b'>'
                | b'+'
                | b'*'
                | b'%'
                | b'^'
                | b'&'
                | b'|'
                | b'!'
                | b'~'
                | b'@'
                | b'#'
                | b'?'
                | b'['
                | b']'
                | b'{'
                | b'}'
        )
}

/// psqlscan.l's `ident_cont`, as a table: the word loop runs on every byte of every word.
static IDENT_CHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80;
        i += 1;
    }
    t
};

fn is_ident_char(c: u8) -> bool {
    IDENT_CHAR[c as usize]
}

/// Where a skipped `\\if` branch began: psql restores its buffer and parenthesis depth to
/// this when the branch ends.
#[derive(Debug, Clone, Copy)]
struct Skipped {
    from: usize,
    had_buffer: bool,
    depth: u32,
    /// Whether the buffer's first word so far is COPY (the server's view of it), and the
    /// FROM before a STDIN: the skipped text never reaches the server.
    first_word_copy: Option<bool>,
    prev_from: bool,
}

/// psql's reading of an `\\if` expression: its arguments joined by spaces, a prefix of
/// true/false/yes/no, on/off, 1/0; anything else is an error that psql treats as false.
/// `None` when it is not a constant (a variable, a backquote).
fn eval_bool(argv: &[String]) -> Option<bool> {
    let v = argv.join(" ").to_ascii_lowercase();
    let pre = |w: &str| !v.is_empty() && w.starts_with(v.as_str());
    if argv.len() > 1 {
        // Joined by a space: never a boolean, whatever the variables hold.
        Some(false)
    } else if v.contains([':', '`']) {
        None
    } else if pre("true") || pre("yes") || v == "on" || v == "1" {
        Some(true)
    } else {
        Some(false)
    }
}

/// psql commands that send the current query buffer to the server.
fn sends_buffer(name: &str) -> bool {
    matches!(
        name,
        "g" | "gx" | "gset" | "gexec" | "gdesc" | "crosstabview" | "watch"
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
            keep_lexer: false,
            buf_start: None,
            holes: Vec::new(),
            added_nl: None,
            line_start: 0,
            cond: Vec::new(),
            off_from: Vec::new(),
            prev: None,
            copy_resume: None,
            glue_open: false,
            pos_before: 0,
        }
    }

    /// A scanner that starts at byte `pos` of `text` with psql's state fresh, as psql reads
    /// the lines after a `COPY … FROM STDIN` the server refused (as script, not data).
    #[must_use]
    pub fn starting_at(text: &'a str, psql: bool, pos: usize) -> Scanner<'a> {
        let mut s = Scanner::new(text, psql);
        s.pos = pos.min(text.len()).max(s.pos);
        s.line_start = s.pos;
        s
    }

    /// The byte where the scanner will read next.
    #[must_use]
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Whether psql's state here is fresh: an empty buffer, no pending item, no open `\if`.
    #[must_use]
    pub fn idle(&self) -> bool {
        self.buf_start.is_none()
            && self.cur.is_none()
            && self.queue.is_empty()
            && self.copy_resume.is_none()
            && self.cond.is_empty()
    }

    /// Whether the current `\if` branch is not known to be skipped.
    fn active(&self) -> bool {
        self.cond.iter().all(|(c, _)| *c != Some(false))
    }

    /// The suppression comments seen so far (drained).
    pub fn take_allows(&mut self) -> Vec<Allow> {
        std::mem::take(&mut self.allows)
    }

    fn mark(&mut self, at: usize) {
        if self.cur.is_none() {
            // psql's lexer state carries on while its buffer holds text (e.g. after a
            // statement the scanner split off inside a skipped branch).
            let fresh = self.buf_start.is_none();
            let wire_start = *self.buf_start.get_or_insert(at);
            self.cur = Some(Stmt {
                start: at,
                wire_start,
                active: true,
                ..Stmt::default()
            });
            if fresh && !std::mem::take(&mut self.keep_lexer) {
                self.depth = 0;
                self.idents = [0; 4];
                self.ident_count = 0;
                self.begin_depth = 0;
            }
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
        s.end = end.max(s.start);
        s.term = term;
        s.wire_end = term;
        s.active = self.active();
        if s.active {
            s.holes = std::mem::take(&mut self.holes);
            self.reset_lexer();
        } else {
            // psql sends nothing in a skipped branch and keeps its buffer as it was.
            s.holes.clone_from(&self.holes);
        }
        Some(s)
    }

    /// End psql's buffer at `wire_end` (the statement's text ends at `end`): the pending
    /// statement, or a blank one when the buffer holds only a `;` or comments. `None` when
    /// the buffer is empty.
    fn send(&mut self, end: usize, term: usize, wire_end: usize) -> Option<Stmt> {
        if self.cur.is_none() {
            if !self.psql {
                self.buf_start = None;
                return None;
            }
            let at = self.buf_start?;
            self.cur = Some(Stmt {
                start: at,
                wire_start: at,
                blank: true,
                ..Stmt::default()
            });
        }
        let mut s = self.finish(end, term)?;
        s.wire_end = wire_end;
        if s.active {
            self.glue_open = false;
        }
        if s.active {
            self.prev = Some(s.clone());
        }
        Some(s)
    }

    /// What psql sends at the end of the file when a quote or comment is still open there:
    /// the whole buffer, as it is.
    fn open_buffer(&mut self) -> Option<Box<Stmt>> {
        let end = self.b.len();
        self.buf_start.get_or_insert(self.pos.min(end));
        // psql reads lines: the newline ending the last one is not part of the buffer.
        let wire_end = if self.text.ends_with('\n') {
            end - 1
        } else {
            end
        };
        let s = self.send(end, end, wire_end)?;
        Some(Box::new(s))
    }

    /// A skipped branch that began at `off` ends at `at`: psql puts its buffer back as it was
    /// when the branch began.
    fn end_skipped(&mut self, off: Option<Skipped>, at: usize) {
        let Some(k) = off else { return };
        if k.had_buffer {
            self.holes.push((k.from, at));
            self.first_word_copy = k.first_word_copy;
            self.prev_from = k.prev_from;
        } else {
            // psql (discard_query_text) puts back the buffer and the parenthesis depth, but
            // not its CREATE FUNCTION … BEGIN tracking: that carries on into the next text.
            let keep = (self.idents, self.ident_count, self.begin_depth);
            self.discard();
            (self.idents, self.ident_count, self.begin_depth) = keep;
            self.keep_lexer = true;
        }
        self.depth = k.depth;
    }

    fn skipped_from(&self, from: usize) -> Skipped {
        Skipped {
            from,
            had_buffer: self.buf_start.is_some(),
            depth: self.depth,
            first_word_copy: self.first_word_copy,
            prev_from: self.prev_from,
        }
    }

    /// psql drops the buffer (`\r`, or text of a skipped branch).
    fn discard(&mut self) {
        if std::mem::take(&mut self.glue_open) {
            // Statements already split off with `\\;` go with the buffer.
            self.queue.push_back(Item::Stmt(Stmt {
                start: self.pos,
                end: self.pos,
                term: self.pos,
                wire_start: self.pos,
                wire_end: self.pos,
                active: true,
                blank: true,
                discarded: true,
                ..Stmt::default()
            }));
        }
        self.cur = None;
        self.holes.clear();
        self.reset_lexer();
    }

    /// psql empties its buffer and resets its lexer (after sending, or on `\\r`).
    fn reset_lexer(&mut self) {
        self.first_word_copy = None;
        self.prev_from = false;
        self.buf_start = None;
        self.added_nl = None;
        self.depth = 0;
        self.begin_depth = 0;
        self.idents = [0; 4];
        self.ident_count = 0;
        self.keep_lexer = false;
    }

    /// A newline outside quotes and comments at `p`: psql reads the next line; it skips an
    /// empty one, and otherwise joins it to a non-empty buffer with a newline.
    fn newline(&mut self, p: usize) {
        let next = self.copy_resume.unwrap_or(p + 1).max(p + 1);
        self.line_start = next;
        if self.buf_start.is_some() {
            if next >= self.b.len() || self.b[next] == b'\n' {
                self.holes.push((p, p + 1));
                self.added_nl = None;
            } else {
                self.added_nl = Some(p);
            }
        }
        self.pos = p + 1;
        if let Some(r) = self.copy_resume.take() {
            self.pos = r.max(p + 1);
            self.line_start = self.pos;
        }
    }

    /// psql runs a `COPY … FROM STDIN` (or `\\copy … from stdin`) here: it reads the data
    /// from the next line on, then goes on with the rest of this line.
    fn copy_from_stdin(&mut self) {
        let save = self.pos;
        self.pos = self.text[save..]
            .find('\n')
            .map_or(self.b.len(), |i| save + i + 1);
        let data_start = self.pos;
        self.skip_copy_data();
        let data_end = self.pos;
        if self.buf_start.is_some() && data_start < data_end {
            self.holes.push((data_start, data_end));
            if let Some(cur) = self.cur.as_mut() {
                let with: String = self.text[data_start..data_end]
                    .chars()
                    .map(|c| if c == '\n' { '\n' } else { ' ' })
                    .collect();
                cur.edits.push(Edit {
                    start: data_start,
                    end: data_end,
                    with,
                });
            }
        }
        self.copy_resume = Some(self.pos);
        self.pos = save;
    }

    /// Skip `COPY … FROM STDIN` data: from the next line up to a line that is exactly `\.`.
    fn skip_copy_data(&mut self) {
        let mut p = self.pos;
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
        self.queue.push_back(Item::CopyData {
            start: data_start,
            end: p,
        });
        if !terminated && !self.text[data_start.min(self.b.len())..].trim().is_empty() {
            // psql would read everything to the end as data; nothing after it can be checked.
            self.queue.push_back(Item::Unterminated {
                start: data_start,
                what: "COPY data (no `\\.` line before the end of the file)",
                sent: None,
            });
        }
        self.pos = p;
        self.line_start = p;
    }

    /// A `--` comment: psql and the server end it at a newline or a carriage return.
    fn line_comment(&mut self) {
        let start = self.pos;
        let end = self.text[start..]
            .find(['\n', '\r'])
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
        // `\;` and `\:` put a literal `;` / `:` into the buffer; `\;` does not send it.
        if let Some(&c @ (b';' | b':')) = self.b.get(start + 1) {
            let had_text = self.cur.is_some();
            self.holes.push((start, start + 1));
            self.mark(start + 1);
            if let Some(cur) = self.cur.as_mut() {
                cur.edits.push(Edit {
                    start,
                    end: start + 1,
                    with: " ".into(),
                });
            }
            self.pos = start + 2;
            if c == b';' {
                // One message to the server, two statements to analyse; psql's parenthesis
                // and BEGIN depth carry on.
                let (keep, depth, begin) = (self.buf_start, self.depth, self.begin_depth);
                // The last statement of the message carries all of its holes.
                let holes = self.holes.clone();
                let keep_holes = self.holes.clone();
                if let Some(mut s) = self.finish(start, start + 2) {
                    self.glue_open = s.active;
                    s.holes = holes;
                    s.glued = true;
                    s.blank = !had_text;
                    self.queue.push_back(Item::Stmt(s));
                }
                self.holes = keep_holes;
                self.buf_start = keep;
                self.mark(start + 2);
                // A new statement for the server: its own first word.
                self.first_word_copy = None;
                self.prev_from = false;
                self.depth = depth;
                self.begin_depth = begin;
                // psql starts looking for CREATE FUNCTION … BEGIN afresh after `\\;`.
                self.idents = [0; 4];
                self.ident_count = 0;
            }
            return;
        }
        let line_end = self.text[start..]
            .find('\n')
            .map_or(self.b.len(), |i| start + i);
        let lx = crate::lint::slash::lex(self.text, start, line_end);
        if let (Some(nl), true) = (self.added_nl, start == self.line_start) {
            // A line that starts with a command adds no newline to the buffer.
            if self.buf_start.is_some() {
                self.holes.push((nl, nl + 1));
            }
        }
        self.added_nl = None;
        self.holes.push((start, lx.resume));
        if let Some(cur) = self.cur.as_mut() {
            let chars = self.text[start..lx.resume].chars().count();
            cur.edits.push(Edit {
                start,
                end: lx.resume,
                with: " ".repeat(chars),
            });
        }
        let name_end = start + 1 + lx.name.len();
        let meta = Meta {
            start,
            end: lx.end,
            args: self.text[name_end.min(lx.end)..lx.end].trim().to_string(),
            argv: lx.args,
            pipe: lx.pipe,
            backquote: lx.backquote,
            unknown: lx.unknown,
            active: self.active(),
            name: lx.name,
        };
        self.pos = lx.resume;
        let active = meta.active;
        match meta.name.as_str() {
            "if" => {
                let c = if active {
                    eval_bool(&meta.argv)
                } else {
                    Some(false)
                };
                let parent_off = !active;
                self.cond.push((c, if parent_off { Some(true) } else { c }));
                self.off_from
                    .push((active && c == Some(false)).then(|| self.skipped_from(lx.resume)));
            }
            "elif" | "else" => {
                let was_off = self.cond.last().is_some_and(|(c, _)| *c == Some(false));
                let outer = self.cond.len() > 1
                    && self.cond[..self.cond.len() - 1]
                        .iter()
                        .all(|(c, _)| *c != Some(false));
                let outer = outer || self.cond.len() <= 1;
                if let Some((c, taken)) = self.cond.last_mut() {
                    let next = if !outer {
                        Some(false)
                    } else {
                        match *taken {
                            Some(true) => Some(false),
                            Some(false) if meta.name == "else" => Some(true),
                            Some(false) => eval_bool(&meta.argv),
                            None => None,
                        }
                    };
                    if next == Some(true) {
                        *taken = Some(true);
                    } else if next.is_none() && *taken == Some(false) {
                        *taken = None;
                    }
                    *c = next;
                }
                let off = self.off_from.last_mut().and_then(Option::take);
                self.end_skipped(off, start);
                let now_off = outer && self.cond.last().is_some_and(|(c, _)| *c == Some(false));
                let k = now_off.then(|| self.skipped_from(lx.resume));
                if let Some(slot) = self.off_from.last_mut() {
                    *slot = k;
                }
                let _ = was_off;
            }
            "endif" => {
                self.cond.pop();
                let off = self.off_from.pop().flatten();
                self.end_skipped(off, start);
            }
            _ => {}
        }
        if sends_buffer(&meta.name) && !meta.unknown {
            let via = Some(meta.name.clone());
            let s = if self.buf_start.is_some() {
                let end = self.cur.as_ref().map_or(start, |_| start);
                self.send(end, lx.resume, start)
            } else {
                // The previous buffer again; before any, an empty query.
                let mut p = self.prev.clone().unwrap_or(Stmt {
                    start,
                    end: start,
                    term: start,
                    wire_start: start,
                    wire_end: start,
                    blank: true,
                    ..Stmt::default()
                });
                p.active = active;
                Some(p)
            };
            if let Some(mut s) = s {
                // `\\gdesc` only asks the server to parse: no COPY runs.
                let copy = s.copy_stdin && s.active && self.psql && meta.name != "gdesc";
                s.via = via;
                self.queue.push_back(Item::Stmt(s));
                if copy {
                    self.copy_from_stdin();
                }
            }
        } else if matches!(meta.name.as_str(), "r" | "reset") && active {
            self.discard();
        }
        let copy_data = meta.name == "copy" && active && {
            // psql's own word split: `t(a)from stdin` holds `from`.
            let words = crate::lint::slash::copy_words(&meta.args);
            words
                .windows(2)
                .any(|w| w[0] == "from" && (w[1] == "stdin" || w[1] == "pstdin"))
        };
        self.queue.push_back(Item::Meta(meta));
        if copy_data {
            self.copy_from_stdin();
        }
    }

    fn var(&mut self) {
        let p = self.pos;
        let is_var = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80;
        let run = |from: usize| {
            let mut e = from;
            while e < self.b.len() && is_var(self.b[e]) {
                e += 1;
            }
            e
        };
        let next = self.b.get(p + 1).copied();
        match next {
            Some(b':') => {
                self.mark(p);
                self.pos += 2;
            }
            Some(q @ (b'\'' | b'"')) => {
                let e = run(p + 2);
                if e == p + 2 || self.b.get(e) != Some(&q) {
                    // Not a variable: the `:` alone, then a quote.
                    self.mark(p);
                    self.pos += 1;
                    return;
                }
                let name = &self.text[p + 2..e];
                let q = q as char;
                let kind = if q == '\'' {
                    VarKind::Literal
                } else {
                    VarKind::Ident
                };
                self.push_var(p, e + 1, format!("{q}:{name}{q}"), kind);
                self.pos = e + 1;
            }
            Some(b'{') if self.b.get(p + 2) == Some(&b'?') => {
                let e = run(p + 3);
                if e == p + 3 || self.b.get(e) != Some(&b'}') {
                    self.mark(p);
                    self.pos += 1;
                    return;
                }
                let chars = self.text[p..=e].chars().count();
                let with = format!("{:<chars$}", "TRUE");
                self.push_var(p, e + 1, with, VarKind::Test);
                self.pos = e + 1;
            }
            Some(c) if is_var(c) => {
                let mut e = run(p + 1);
                while !self.text.is_char_boundary(e) {
                    e += 1;
                }
                let chars = self.text[p..e].chars().count();
                // `$name` placeholder, padded to the same width (names may be non-ASCII).
                let name: String = self.text[p + 1..e]
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                    .collect();
                let mut with = format!("${name}");
                if !with.as_bytes()[1].is_ascii_alphabetic() && with.as_bytes()[1] != b'_' {
                    with.replace_range(1..2, "v");
                }
                let with = format!("{with:<chars$}");
                self.push_var(p, e, with, VarKind::Raw);
                self.pos = e;
            }
            _ => {
                self.mark(p);
                self.pos += 1;
            }
        }
    }

    fn push_var(&mut self, start: usize, end: usize, with: String, kind: VarKind) {
        self.mark(start);
        if let Some(cur) = self.cur.as_mut() {
            cur.edits.push(Edit { start, end, with });
            cur.vars.push(Var { start, end, kind });
        }
    }

    /// `U&"…"` / `U&'…'` at self.pos (pointing at the `U`), with an optional `UESCAPE 'c'`:
    /// rewrite to a plain quoted identifier / string literal of the same width.
    fn unicode_ident(&mut self) -> bool {
        self.unicode_quoted(b'"')
    }

    fn unicode_quoted(&mut self, q: u8) -> bool {
        let start = self.pos;
        self.pos += 2;
        let Some(close) = self.quoted(q, false) else {
            self.pos = start;
            return false;
        };
        let qc = q as char;
        let raw = self.text[start + 3..close - 1].replace(&format!("{qc}{qc}"), &qc.to_string());
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
        if let Some(decoded) = decode_unicode_escapes(&raw, esc) {
            let chars = self.text[start..end].chars().count();
            let quoted = format!("{qc}{}{qc}", decoded.replace(qc, &format!("{qc}{qc}")));
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

    /// Where a string literal continues after whitespace holding a newline (`'a'` LF `'b'`
    /// is the one literal `'ab'` for psql and the server), the offset of the next opening
    /// quote.
    fn continues_at(&self, mut p: usize) -> Option<usize> {
        let b = self.b;
        let skip_comment = |p: &mut usize| {
            if b.get(*p) == Some(&b'-') && b.get(*p + 1) == Some(&b'-') {
                while *p < b.len() && !matches!(b[*p], b'\n' | b'\r') {
                    *p += 1;
                }
                true
            } else {
                false
            }
        };
        loop {
            match b.get(p) {
                Some(b' ' | b'\t' | b'\x0c') => p += 1,
                _ if skip_comment(&mut p) => {}
                _ => break,
            }
        }
        if !matches!(b.get(p), Some(b'\n' | b'\r')) {
            return None;
        }
        loop {
            match b.get(p) {
                Some(b' ' | b'\t' | b'\x0c' | b'\n' | b'\r') => p += 1,
                _ if skip_comment(&mut p) => {}
                _ => break,
            }
        }
        (b.get(p) == Some(&b'\'')).then_some(p)
    }

    /// A string literal from `start` ends at `end`: follow continuations and, when there
    /// are any, give the statement analysis one literal (same lines, same last column).
    fn string_continuation(&mut self, start: usize, mut end: usize, backslash: bool) {
        let mut bodies = vec![(start + 1, end - 1)];
        while let Some(q) = self.continues_at(end) {
            // psql still reads the gap line by line: it drops its empty lines.
            for p in end..q {
                if self.b[p] == b'\n' && self.psql {
                    self.line_start = p + 1;
                    if self.buf_start.is_some() && self.b.get(p + 1).is_none_or(|&c| c == b'\n') {
                        self.holes.push((p, p + 1));
                    }
                }
            }
            self.pos = q;
            let Some(e) = self.quoted(b'\'', backslash) else {
                break;
            };
            bodies.push((q + 1, e - 1));
            end = e;
        }
        self.pos = end;
        if bodies.len() == 1 {
            return;
        }
        let seg = &self.text[start..end];
        let mut with = String::from("'");
        for (a, b) in &bodies {
            with.push_str(&self.text[*a..*b]);
        }
        with.push('\'');
        let lines = |t: &str| t.matches('\n').count();
        for _ in lines(&with)..lines(seg) {
            with.push('\n');
        }
        let last = |t: &str| t.rsplit('\n').next().map_or(0, |l| l.chars().count());
        let pad = last(seg).saturating_sub(last(&with));
        if lines(&with) != lines(seg) || (lines(seg) > 0 && last(&with) > last(seg)) {
            return; // cannot keep positions: leave the text as it is
        }
        with.push_str(&" ".repeat(pad));
        if let Some(cur) = self.cur.as_mut() {
            cur.edits.push(Edit { start, end, with });
        }
    }

    fn word(&mut self) {
        let start = self.pos;
        let p = self.run_end(start + 1, is_ident_char);
        let w = &self.text[start..p];
        self.mark(start);
        // `b'…'`, `x'…'`, `e'…'`, `n'…'`, `U&'…'`, `U&"…"` start literals, not identifiers
        // (psqlscan.l's xbstart, xhstart, xestart, xnstart, xusstart, xuistart).
        let next = self.b.get(p).copied();
        let prefix = (w.len() == 1
            && matches!(w.as_bytes()[0] | 0x20, b'b' | b'x' | b'e' | b'n')
            && next == Some(b'\''))
            || (w.eq_ignore_ascii_case("u")
                && next == Some(b'&')
                && matches!(self.b.get(p + 1), Some(b'\'' | b'"')));
        if !prefix {
            self.track_begin_atomic(w);
        }
        match self.first_word_copy {
            None => self.first_word_copy = Some(w.eq_ignore_ascii_case("copy")),
            Some(true) => {
                // Only the COPY's own `FROM STDIN` (depth 0): `COPY (SELECT … FROM stdin) TO`
                // reads a table named stdin and sends no data.
                if self.prev_from && self.depth == 0 && w.eq_ignore_ascii_case("stdin") {
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
        self.pos_before = self.pos;
        // Fast paths, each exactly what a run of single steps would do: blanks (not a newline
        // in psql, which tracks lines) are trivia, and a run of plain bytes (digits, operator
        // characters) marks the statement once and ends at its last byte.
        if matches!(c, b' ' | b'\t' | b'\r' | b'\x0c') || (c == b'\n' && !self.psql) {
            self.pos = self.run_end(self.pos + 1, |c| {
                matches!(c, b' ' | b'\t' | b'\r' | b'\x0c')
            });
            return None;
        }
        if is_plain(c) {
            self.mark(self.pos);
            self.pos = self.run_end(self.pos + 1, is_plain);
            self.last_sig = self.pos;
            // COPY must be the statement's first token for the server.
            self.first_word_copy.get_or_insert(false);
            return None;
        }
        // A word (not `U&` before a quote, which `step_inner` reads): significant, and it
        // leaves the COPY test to `word`.
        if is_ident_start(c)
            && !(matches!(c, b'u' | b'U') && self.b.get(self.pos + 1) == Some(&b'&'))
        {
            self.word();
            self.last_sig = self.pos;
            return None;
        }
        let trivia = matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
            || (c == b'-' && self.b.get(self.pos + 1) == Some(&b'-'))
            || (c == b'/' && self.b.get(self.pos + 1) == Some(&b'*'))
            || (c == b'\\' && self.psql);
        let r = self.step_inner(c);
        if !trivia && self.cur.is_some() {
            self.last_sig = self.pos;
            let unicode =
                matches!(c, b'u' | b'U') && self.b.get(self.pos_before + 1) == Some(&b'&');
            if self.first_word_copy.is_none() && (!is_ident_start(c) || unicode) {
                // COPY must be the statement's first token for the server.
                self.first_word_copy = Some(false);
            }
        }
        r
    }

    /// The end of the run of bytes from `from` on that `keep` accepts.
    fn run_end(&self, from: usize, keep: impl Fn(u8) -> bool) -> usize {
        self.b[from..]
            .iter()
            .position(|&c| !keep(c))
            .map_or(self.b.len(), |i| from + i)
    }

    fn step_inner(&mut self, c: u8) -> Option<Item> {
        match c {
            b'\n' if self.psql => self.newline(self.pos),
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => self.pos += 1,
            b'-' if self.b.get(self.pos + 1) == Some(&b'-') => self.line_comment(),
            b'/' if self.b.get(self.pos + 1) == Some(&b'*') => {
                let start = self.pos;
                // psql sends comments, also at the start of the buffer.
                self.buf_start.get_or_insert(start);
                if !self.block_comment() {
                    self.pos = self.b.len();
                    return Some(Item::Unterminated {
                        start,
                        what: "block comment",
                        sent: self.open_buffer(),
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
                    Some(e) if c == b'\'' => self.string_continuation(start, e, backslash),
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
                            sent: self.open_buffer(),
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
                                sent: self.open_buffer(),
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
                // psqlscan.l's `;` rule: the CREATE FUNCTION … BEGIN tracking starts afresh.
                self.idents = [0; 4];
                self.ident_count = 0;
                self.buf_start.get_or_insert(at);
                if let Some(s) = self.send(at, at + 1, at + 1) {
                    if s.copy_stdin && s.active && self.psql {
                        self.queue.push_back(Item::Stmt(s));
                        self.copy_from_stdin();
                        return None;
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
                        sent: self.open_buffer(),
                    });
                }
            }
            b'u' | b'U'
                if self.b.get(self.pos + 1) == Some(&b'&')
                    && self.b.get(self.pos + 2) == Some(&b'\'')
                    && (self.pos == 0 || !is_ident_char(self.b[self.pos - 1])) =>
            {
                let start = self.pos;
                self.mark(start);
                if !self.unicode_quoted(b'\'') {
                    self.pos = self.b.len();
                    return Some(Item::Unterminated {
                        start,
                        what: "string literal",
                        sent: self.open_buffer(),
                    });
                }
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
                // psql sends what is left in the buffer at the end of the file.
                if let Some(s) = self.send(last, end, end) {
                    return Some(Item::Stmt(s));
                }
                continue;
            }
            if let Some(it) = self.step() {
                if let Item::Unterminated { .. } = it {
                    // Whatever statement was pending is swallowed by the open quote; report the
                    // opening only (the statement text is incomplete and cannot be analysed).
                    self.discard();
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
        assert!(
            matches!(&it[4], Item::CopyData { start, end } if &t[*start..*end] == "a;b\n\\.\n")
        );
        assert!(matches!(&it[5], Item::Stmt(s) if &t[s.start..s.end] == "select 2"));
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
