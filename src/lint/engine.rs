//! The per-file analysis: drives the scanner, hands each statement to sqlparser, walks the
//! result, applies the rules and the suppressions.
//!
//! Work is strictly statement by statement: one statement's tokens and AST are alive at a
//! time, so memory stays flat and cost linear in the input size.

use std::borrow::Cow;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer};

use crate::lint::effects::{self, Cols, NameRef, Txn, Write, WriteKind};
use crate::lint::fallback::Judge;
use crate::lint::finding::{Finding, LineIndex, Pos};
use crate::lint::policy::{Policy, ProtectedColumn, ProtectedTable};
use crate::lint::rules::{self, Rule};
use crate::lint::scan::{self, Item, Meta, Scanner, VarKind};
use crate::lint::StepContext;

/// Deepest nesting of DO / function bodies / EXECUTE strings analysed.
const MAX_DEPTH: u32 = 8;
/// Deepest include chain followed.
const MAX_INCLUDES: usize = 16;
/// Largest statement parsed (a bigger one is a PC010 finding: parsing it would take seconds
/// and gigabytes; packet statements are kilobytes).
pub const MAX_STATEMENT_BYTES: usize = 1 << 20;

/// Maps positions of a piece of text (1-based, relative to the piece) to the file.
#[derive(Debug, Clone, Copy)]
pub struct Origin {
    /// Where the piece starts in the file.
    pub pos: Pos,
    /// Every position maps to `pos` (used when the piece is an unescaped string whose
    /// characters no longer line up with the file).
    pub pinned: bool,
}

impl Origin {
    /// Map a location relative to the piece.
    #[must_use]
    pub fn map(self, rel: Pos) -> Pos {
        if self.pinned || rel.line == 0 {
            return self.pos;
        }
        if rel.line == 1 {
            Pos {
                line: self.pos.line,
                col: self.pos.col + rel.col.saturating_sub(1),
            }
        } else {
            Pos {
                line: self.pos.line + rel.line - 1,
                col: rel.col,
            }
        }
    }

    /// The origin of a sub-piece starting at `rel`.
    #[must_use]
    pub fn at(self, rel: Pos) -> Origin {
        Origin {
            pos: self.map(rel),
            pinned: self.pinned,
        }
    }
}

fn map_loc(o: Origin, l: Location) -> Location {
    let p = o.map(Pos::from_loc(l));
    Location {
        line: p.line,
        column: p.col,
    }
}

/// The analysis state of one file.
pub struct Engine<'a> {
    pub(crate) text: &'a str,
    pub(crate) path: &'a str,
    pub(crate) idx: LineIndex<'a>,
    pub(crate) policy: Cow<'a, Policy>,
    pub(crate) step: Option<&'a StepContext>,
    pub(crate) dialect: PostgreSqlDialect,
    pub(crate) findings: Vec<(usize, Finding)>,
    region: usize,
    allows: Vec<(usize, scan::Allow)>,
    pub(crate) writes: Vec<Write>,
    in_txn: bool,
    pub(crate) on_error_stop: bool,
    /// Bytes left for reading COPY data as script (`copy_fail.rs`).
    pub(crate) copy_budget: usize,
    seen_sql: bool,
    temp: HashSet<String>,
    includes: Vec<PathBuf>,
    /// The first command that wrote a file or changed directory, and where (PC017).
    pub(crate) file_write: Option<(String, Pos)>,
    derived: Vec<Derived>,
    pending_links: Vec<effects::Link>,
    pending_renames: Vec<(NameRef, String, String)>,
}

/// A relation this script made into a way into a protected one (see [`effects::Link`]).
#[derive(Debug, Clone)]
struct Derived {
    child: NameRef,
    /// The protected table reached (directly or through other derived relations), if any.
    table: Option<ProtectedTable>,
    /// The relation whose protected columns are reached, if any.
    columns_of: Option<NameRef>,
    keeps_columns: bool,
    /// `` `v`, which is a view over `t` `` for messages.
    shown: String,
}

fn same_relation(a: &NameRef, b: &NameRef) -> bool {
    a.name == b.name
        && match (&a.schema, &b.schema) {
            (Some(x), Some(y)) => x == y,
            _ => true,
        }
}

impl<'a> Engine<'a> {
    /// A fresh engine for one file.
    pub fn new(
        path: &'a str,
        text: &'a str,
        policy: &'a Policy,
        step: Option<&'a StepContext>,
    ) -> Engine<'a> {
        Engine {
            text,
            path,
            idx: LineIndex::new(text),
            policy: Cow::Borrowed(policy),
            step,
            dialect: PostgreSqlDialect {},
            findings: Vec::new(),
            region: 0,
            allows: Vec::new(),
            writes: Vec::new(),
            in_txn: false,
            on_error_stop: false,
            copy_budget: crate::lint::copy_fail::budget(text),
            seen_sql: false,
            temp: HashSet::new(),
            includes: Vec::new(),
            derived: Vec::new(),
            pending_links: Vec::new(),
            pending_renames: Vec::new(),
            file_write: None,
        }
    }

    /// Remember that the script may have written a file (a later include is PC017).
    pub(crate) fn note_file_write(&mut self, pos: Pos, what: &str) {
        self.file_write
            .get_or_insert_with(|| (what.to_string(), pos));
    }

    pub(crate) fn with_includes(mut self, stack: Vec<PathBuf>) -> Self {
        self.includes = stack;
        self
    }

    /// Report a finding of `rule` at `pos` spanning `len` characters.
    pub(crate) fn report(
        &mut self,
        rule: &Rule,
        pos: Pos,
        len: usize,
        message: String,
        help: &str,
        reason: Option<&str>,
    ) {
        self.report_full(rule, pos, len, message, help, reason, true);
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn report_full(
        &mut self,
        rule: &Rule,
        pos: Pos,
        len: usize,
        message: String,
        help: &str,
        reason: Option<&str>,
        may_suppress: bool,
    ) {
        let pos = if pos.is_known() {
            pos
        } else {
            Pos { line: 1, col: 1 }
        };
        let range = self.idx.range(pos, len.max(1));
        let help = if help.is_empty() {
            format!("see {}", rule.doc_path())
        } else {
            format!("{help} (see {})", rule.doc_path())
        };
        let f = Finding {
            code: rule.code,
            rule: rule.name,
            message,
            help,
            reason: reason.map(str::to_string),
            severity: rule.severity,
            range,
            line: pos.line as usize,
            col: pos.col as usize,
            suppressible: may_suppress && self.policy.suppressible(rule.code),
        };
        self.findings.push((self.region, f));
    }

    /// Lint the whole text.
    pub fn run(mut self) -> Vec<Finding> {
        let mut scanner = Scanner::new(self.text, true);
        let mut prev_end_line = 0u64;
        let mut last_term = 0usize;
        while let Some(item) = scanner.next() {
            self.region += 1;
            self.take_allows(&mut scanner, prev_end_line);
            match item {
                Item::Stmt(s) => {
                    // `\gdesc` only has the statement described: nothing runs.
                    if !s.blank && s.via.as_deref() != Some("gdesc") {
                        self.top_statement(&s);
                    }
                    prev_end_line = self.idx.pos(s.term.saturating_sub(1)).line;
                    last_term = s.term;
                }
                Item::Meta(m) => {
                    prev_end_line = self.idx.pos(m.end).line;
                    last_term = m.end;
                    self.meta(&m);
                }
                Item::CopyData { start, end } => self.copy_data_as_sql(last_term.min(start), end),
                Item::Unterminated { start, what, .. } => {
                    let pos = self.idx.pos(start);
                    // The swallowed text includes the statement it interrupted.
                    let from = last_term.min(start);
                    let may = !self.text_mentions_protected(&self.text[from..]);
                    self.report_full(
                        &rules::pc011_unterminated_literal::RULE,
                        pos,
                        1,
                        format!("unterminated {what}: everything after it is swallowed"),
                        "close it (the same tag for dollar quotes)",
                        None,
                        may,
                    );
                }
            }
        }
        // Comments after the last statement (e.g. a trailing allow on its line).
        self.region += 1;
        self.take_allows(&mut scanner, prev_end_line);
        self.finish()
    }

    /// Attribute the scanner's pending allow comments: one on the line where the previous
    /// item ended belongs to that item, any other to the item about to be analysed.
    /// Allow comments found inside a DO / function body: they apply to the enclosing
    /// top-level statement. Their offsets are mapped from the body to the file.
    pub(crate) fn body_allows(&mut self, allows: Vec<scan::Allow>, origin: Origin, li: &LineIndex) {
        for mut a in allows {
            let start = self.idx.byte(origin.map(li.pos(a.start)));
            let end = self.idx.byte(origin.map(li.pos(a.end))).max(start);
            a.start = start;
            a.end = end;
            self.allows.push((self.region, a));
        }
    }

    fn take_allows(&mut self, scanner: &mut Scanner, prev_end_line: u64) {
        for a in scanner.take_allows() {
            let line = self.idx.pos(a.start).line;
            let region = if line == prev_end_line {
                self.region - 1
            } else {
                self.region
            };
            self.allows.push((region, a));
        }
    }

    fn finish(mut self) -> Vec<Finding> {
        let allows = std::mem::take(&mut self.allows);
        let mut suppress: HashSet<(usize, &'static str)> = HashSet::new();
        // Every valid (region, code) a comment asks to suppress, where the comment is: those
        // that silence nothing are reported (PC021), like ruff's RUF100.
        let mut wanted: Vec<((usize, &'static str), Pos, usize)> = Vec::new();
        let mut extra = Vec::new();
        for (region, a) in &allows {
            let pos = self.idx.pos(a.start);
            let len = self.text[a.start..a.end].chars().count();
            if a.reason.is_none() {
                extra.push((
                    pos,
                    len,
                    "suppression without a reason: write `-- packetc: allow CODE -- why`"
                        .to_string(),
                ));
                continue;
            }
            if a.codes.is_empty() {
                extra.push((pos, len, "suppression names no rule code".to_string()));
            }
            for c in &a.codes {
                match rules::lookup(c) {
                    Some(r) if self.policy.suppressible(r.code) => {
                        suppress.insert((*region, r.code));
                        wanted.push(((*region, r.code), pos, len));
                    }
                    Some(r) => extra.push((
                        pos,
                        len,
                        format!("{} can never be suppressed (policy never_suppress)", r.code),
                    )),
                    None => extra.push((pos, len, format!("unknown rule code `{c}`"))),
                }
            }
        }
        for (pos, len, msg) in extra {
            self.report(
                &rules::pc020_bad_suppression::RULE,
                pos,
                len,
                msg,
                "fix or remove the comment",
                None,
            );
        }
        // A code is used when the statement has a finding of it, suppressible or not (an
        // unsuppressible one already says so itself).
        let used: HashSet<(usize, &'static str)> = self
            .findings
            .iter()
            .map(|(region, f)| (*region, f.code))
            .collect();
        for (key, pos, len) in wanted {
            if !used.contains(&key) {
                self.report(
                    &rules::pc021_unused_suppression::RULE,
                    pos,
                    len,
                    format!("unused suppression: no {} finding on this statement", key.1),
                    "remove the code from the comment (or the comment), so it cannot silence a future finding unseen",
                    None,
                );
            }
        }
        let mut out: Vec<Finding> = self
            .findings
            .into_iter()
            .filter(|(region, f)| !(f.suppressible && suppress.contains(&(*region, f.code))))
            .map(|(_, f)| f)
            .collect();
        out.sort_by(|a, b| (a.line, a.col, a.code).cmp(&(b.line, b.col, b.code)));
        out.dedup();
        out
    }

    pub(crate) fn top_statement(&mut self, s: &scan::Stmt) {
        let origin = Origin {
            pos: self.idx.pos(s.start),
            pinned: false,
        };
        if s.end - s.start > MAX_STATEMENT_BYTES {
            let may = !self.text_mentions_protected(&self.text[s.start..s.end]);
            self.report_full(
                &rules::pc010_unparseable_statement::RULE,
                origin.pos,
                1,
                format!(
                    "statement of {} bytes is larger than the {} MiB the linter parses, so it cannot be proven safe",
                    s.end - s.start,
                    MAX_STATEMENT_BYTES >> 20
                ),
                "split it (COPY … FROM STDIN for bulk data)",
                None,
                may,
            );
            return;
        }
        let text = scan::edited(self.text, s);
        for v in &s.vars {
            if v.kind == VarKind::Raw {
                let pos = self.idx.pos(v.start);
                let len = self.text[v.start..v.end].chars().count();
                self.report(
                    &rules::pc016_raw_psql_interpolation::RULE,
                    pos,
                    len,
                    format!(
                        "psql variable `{}` is pasted into the SQL unquoted",
                        &self.text[v.start..v.end]
                    ),
                    "use :'name' for a value or write the SQL out",
                    None,
                );
            }
        }
        if let Some(step) = self.step {
            let (first, on) = (!self.seen_sql, self.on_error_stop);
            rules::pc035_on_error_stop_missing::check(self, step, first, on, origin.pos);
        }
        self.seen_sql = true;
        rules::pc017_unmodelled_psql::check_stmt(self, s, &text, origin.pos);
        self.writes.clear();
        let txn = self.analyze_sql(&text, origin, 0);
        let writes = std::mem::take(&mut self.writes);
        self.check_writes(&writes, origin.pos);
        // Ways in made by this statement count from the next one on.
        for l in std::mem::take(&mut self.pending_links) {
            self.derive(l);
        }
        for (table, from, to) in std::mem::take(&mut self.pending_renames) {
            self.rename_column(&table, &from, &to);
        }
        match txn {
            Some(Txn::Begin) => self.in_txn = true,
            Some(Txn::End) => self.in_txn = false,
            None => {}
        }
    }

    /// Analyse one statement's text; writes are appended to `self.writes`.
    pub(crate) fn analyze_sql(&mut self, sql: &str, origin: Origin, depth: u32) -> Option<Txn> {
        if depth > MAX_DEPTH {
            self.report(
                &rules::pc013_dynamic_sql::RULE,
                origin.pos,
                1,
                "statements nested too deeply to analyse".into(),
                "flatten the nesting",
                None,
            );
            return None;
        }
        let mut toks = match Tokenizer::new(&self.dialect, sql).tokenize_with_location() {
            Ok(t) => t,
            Err(e) => {
                let pos = origin.map(Pos::from_loc(e.location));
                let may = !self.text_mentions_protected(sql);
                self.report_full(
                    &rules::pc012_unreadable_text::RULE,
                    pos,
                    1,
                    format!("the SQL tokenizer rejected this statement: {}", e.message),
                    "remove or quote the offending character",
                    None,
                    may,
                );
                return None;
            }
        };
        for t in &mut toks {
            t.span.start = map_loc(origin, t.span.start);
            t.span.end = map_loc(origin, t.span.end);
        }
        let first = first_words(&toks);
        let kw = |i: usize, k: &str| first[i].is_some_and(|w| w.eq_ignore_ascii_case(k));
        let inert = kw(0, "show") || kw(0, "reset");
        let first_len = first[0].map_or(1, str::len);
        // One cheap pass (length filter first) keeps the token-level checks off the common path.
        let (needs_scan, mentions_any) = self.word_flags(&toks);
        if needs_scan {
            self.scan_tokens(&toks, inert);
        }
        let mentions = if mentions_any {
            self.mentions(&toks)
        } else {
            Vec::new()
        };
        if kw(0, "do") {
            self.do_block(&toks, depth, &mentions);
            return None;
        }
        if kw(0, "create")
            && (kw(1, "function")
                || kw(1, "procedure")
                || (kw(1, "or") && kw(2, "replace") && (kw(3, "function") || kw(3, "procedure"))))
        {
            self.function(sql, origin, &toks, depth, &mentions);
            return None;
        }
        let start = toks
            .iter()
            .find(|t| !matches!(t.token, Token::Whitespace(_)))
            .map_or(origin.pos, |t| Pos::from_loc(t.span.start));
        if (kw(0, "reassign") || kw(0, "drop")) && kw(1, "owned") {
            // REASSIGN OWNED / DROP OWNED act on whatever the roles own or were granted.
            let at = NameRef {
                schema: None,
                name: String::new(),
                pos: start,
                len: first_len,
                from_var: false,
            };
            let mut w = Write::new(
                WriteKind::Ddl("REASSIGN / DROP OWNED changes"),
                effects::anything(&at),
            );
            w.cols = Cols::Any;
            self.writes.push(w);
            return None;
        }
        let is_explain = kw(0, "explain");
        // `DROP … CASCADE`, and `ALTER TYPE … CASCADE` (which alters the tables typed by it).
        let drop_cascade = (kw(0, "drop") || (kw(0, "alter") && kw(1, "type")))
            && toks
                .iter()
                .rev()
                .find(|t| !matches!(t.token, Token::Whitespace(_) | Token::SemiColon))
                .is_some_and(|t| matches!(&t.token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("cascade")));
        if is_explain {
            // PostgreSQL also spells the option `ANALYSE`; sqlparser knows only `ANALYZE`.
            for t in &mut toks {
                if let Token::Word(w) = &mut t.token {
                    if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("analyse") {
                        w.value = "ANALYZE".into();
                        w.keyword = sqlparser::keywords::Keyword::ANALYZE;
                    }
                }
            }
        }
        let mut parser = Parser::new(&self.dialect).with_tokens_with_locations(toks);
        match parser.parse_statement() {
            Ok(st) => {
                let next = parser.peek_token();
                if next.token != Token::EOF
                    && self.judge_by_names(sql, origin, &mentions, start, first_len, drop_cascade)
                {
                    return None;
                }
                if next.token != Token::EOF {
                    self.unparseable(
                        format!("unexpected `{}` after the end of the statement", next.token),
                        Pos::from_loc(next.span.start),
                        &mentions,
                    );
                }
                let mut fx = effects::Effects::default();
                effects::statement(&st, &mut fx);
                if drop_cascade {
                    // DROP … CASCADE drops whatever depends on the objects (a protected table's
                    // trigger through its function, a column through its type, a foreign key).
                    let at = NameRef {
                        schema: None,
                        name: String::new(),
                        pos: start,
                        len: first_len,
                        from_var: false,
                    };
                    let mut w =
                        Write::new(WriteKind::Ddl("… CASCADE changes"), effects::anything(&at));
                    w.cols = Cols::Any;
                    fx.writes.push(w);
                }
                if fx.runs_program {
                    self.report(
                        &rules::pc013_dynamic_sql::RULE,
                        start,
                        4,
                        "COPY … PROGRAM runs a shell command on the server, which cannot be proven safe".into(),
                        "load the data with COPY … FROM STDIN",
                        None,
                    );
                }
                if fx.non_relation_ddl && fx.writes.is_empty() {
                    fx.writes.push(Write::new(
                        WriteKind::Ddl("DDL statement"),
                        NameRef {
                            schema: None,
                            name: String::new(),
                            pos: start,
                            len: first_len,
                            from_var: false,
                        },
                    ));
                }
                if fx.other_ddl {
                    for m in mentions {
                        fx.writes.push(Write {
                            kind: WriteKind::Ddl("statement naming"),
                            target: m,
                            cols: Cols::None,
                            temp: false,
                            trigger_off: false,
                            stamps: Vec::new(),
                            filter: Vec::new(),
                        });
                    }
                    if fx.writes.is_empty() {
                        // DDL on something else: still a write for the packet rules.
                        fx.writes.push(Write {
                            kind: WriteKind::Ddl("DDL statement"),
                            target: NameRef {
                                schema: None,
                                name: String::new(),
                                pos: start,
                                len: first_len,
                                from_var: false,
                            },
                            cols: Cols::None,
                            temp: false,
                            trigger_off: false,
                            stamps: Vec::new(),
                            filter: Vec::new(),
                        });
                    }
                }
                for mut w in fx.writes {
                    self.mark_temp(&mut w);
                    self.writes.push(w);
                }
                self.pending_links.extend(fx.links);
                self.pending_renames.extend(fx.renamed_columns);
                self.privilege_effects(&fx.granted_roles, fx.default_privileges, start, first_len);
                fx.txn
            }
            Err(e) => {
                if self.judge_by_names(sql, origin, &mentions, start, first_len, drop_cascade) {
                    return None;
                }
                let msg = e.to_string();
                let (msg, pos) = split_parser_error(&msg);
                self.unparseable(msg, pos.unwrap_or(start), &mentions);
                None
            }
        }
    }

    /// A statement sqlparser rejected, of a kind [`crate::lint::fallback`] may judge by the
    /// protected names it contains: each is a DDL write that can set any column.
    fn judge_by_names(
        &mut self,
        sql: &str,
        origin: Origin,
        mentions: &[NameRef],
        start: Pos,
        first_len: usize,
        drop_cascade: bool,
    ) -> bool {
        let Ok(mut toks) = Tokenizer::new(&self.dialect, sql).tokenize_with_location() else {
            return false;
        };
        for t in &mut toks {
            t.span.start = map_loc(origin, t.span.start);
        }
        let first = first_words(&toks);
        let Some(judge) = crate::lint::fallback::classify(&first, &toks) else {
            return false;
        };
        let target = match judge {
            Judge::Reads => return true,
            Judge::NoRelation => {
                let at = NameRef {
                    schema: None,
                    name: String::new(),
                    pos: start,
                    len: first_len,
                    from_var: false,
                };
                self.writes
                    .push(Write::new(WriteKind::Ddl("DDL statement"), at));
                return true;
            }
            Judge::ByNames => None,
            Judge::Dml(k) => {
                let kind = match k {
                    "INSERT into" => WriteKind::Insert,
                    "UPDATE of" => WriteKind::Update,
                    "DELETE from" => WriteKind::Delete,
                    "MERGE into" => WriteKind::Merge,
                    _ => WriteKind::Copy,
                };
                let Some(target) = crate::lint::fallback::dml_target(&toks) else {
                    return false;
                };
                // sqlparser could not read the column list: any column.
                let mut w = Write::new(kind, target.clone());
                w.cols = Cols::Any;
                self.mark_temp(&mut w);
                self.writes.push(w);
                Some(target)
            }
        };
        let dml = target.is_some();
        let at = NameRef {
            schema: None,
            name: String::new(),
            pos: start,
            len: first_len,
            from_var: false,
        };
        // Every other protected name: it may be written or altered (sqlparser could not say).
        for m in mentions {
            if target
                .as_ref()
                .is_some_and(|t| t.pos == m.pos && t.name == m.name)
            {
                continue;
            }
            let mut w = Write::new(WriteKind::Ddl("statement naming"), m.clone());
            w.cols = Cols::Any;
            self.mark_temp(&mut w);
            self.writes.push(w);
        }
        if drop_cascade {
            let mut w = Write::new(WriteKind::Ddl("… CASCADE changes"), effects::anything(&at));
            w.cols = Cols::Any;
            self.writes.push(w);
        }
        if mentions.is_empty() && !drop_cascade && !dml {
            // DDL on something else: still a write for the packet rules.
            self.writes
                .push(Write::new(WriteKind::Ddl("DDL statement"), at));
        }
        true
    }

    pub(crate) fn unparseable(&mut self, msg: String, pos: Pos, mentions: &[NameRef]) {
        let names: Vec<String> = mentions.iter().map(NameRef::display).collect();
        let (help, may) = if names.is_empty() {
            (
                "rewrite it in a spelling the parser understands, or add `-- packetc: allow PC010 -- <why it is safe>` above it".to_string(),
                true,
            )
        } else {
            (
                format!(
                    "it names protected {} so it can never be suppressed: rewrite it in a spelling the parser understands",
                    names.join(", ")
                ),
                false,
            )
        };
        // Underline what the parser tripped over (`… found: X` / `unexpected `X` …`).
        let len = msg
            .rsplit_once("found: ")
            .map(|(_, f)| f)
            .or_else(|| msg.split('`').nth(1))
            .filter(|f| *f != "EOF")
            .map_or(1, |f| f.chars().count().max(1));
        self.report_full(
            &rules::pc010_unparseable_statement::RULE,
            pos,
            len,
            format!("cannot parse this statement, so it cannot be proven safe: {msg}"),
            &help,
            None,
            may,
        );
    }

    /// (whether a token-level scan is needed, whether a protected name may be mentioned):
    /// one pass over the words, comparing only words of a matching length.
    fn word_flags(&self, toks: &[TokenWithSpan]) -> (bool, bool) {
        let (mut scan, mut mention) = (false, false);
        for t in toks {
            let Token::Word(w) = &t.token else { continue };
            let v = w.value.as_str();
            let eq = |n: &str| n.len() == v.len() && n.eq_ignore_ascii_case(v);
            if !scan
                && (eq("set_config")
                    || eq("session_replication_role")
                    || self.policy.functions.iter().any(|f| eq(&f.name)))
            {
                scan = true;
            }
            if !mention
                && (self.policy.tables.iter().any(|p| eq(&p.table))
                    || self.policy.columns.iter().any(|c| eq(&c.table)))
            {
                mention = true;
            }
            if scan && mention {
                break;
            }
        }
        (scan, mention)
    }

    /// Whether unanalysable text contains a protected name anywhere (ASCII case-insensitive):
    /// such text can never be suppressed.
    pub(crate) fn text_mentions_protected(&self, text: &str) -> bool {
        let b = text.as_bytes();
        self.policy
            .tables
            .iter()
            .any(|t| t.table != "*" && contains_ci(b, t.table.as_bytes()))
            || self
                .policy
                .columns
                .iter()
                .any(|c| contains_ci(b, c.table.as_bytes()))
    }

    fn mark_temp(&mut self, w: &mut Write) {
        let t = &w.target;
        if w.temp {
            self.temp.insert(t.name.clone());
        } else if t.schema.as_deref() == Some("pg_temp")
            || (t.schema.is_none() && self.temp.contains(&t.name))
        {
            w.temp = true;
        }
    }

    /// Names in the statement's tokens that are protected relations (for statements the
    /// walker does not model, and for unparseable ones).
    pub(crate) fn mentions(&self, toks: &[TokenWithSpan]) -> Vec<NameRef> {
        let mut out = Vec::new();
        let is_protected_word = |w: &sqlparser::tokenizer::Word| {
            let hit = |name: &str| {
                if w.quote_style.is_some() {
                    w.value == name
                } else {
                    w.value.eq_ignore_ascii_case(name)
                }
            };
            self.policy.tables.iter().any(|t| hit(&t.table))
                || self.policy.columns.iter().any(|c| hit(&c.table))
        };
        let sig: Vec<&TokenWithSpan> = toks
            .iter()
            .filter(|t| matches!(t.token, Token::Word(_) | Token::Period))
            .collect();
        for (i, t) in sig.iter().enumerate() {
            let Token::Word(w) = &t.token else { continue };
            if !is_protected_word(w) {
                continue;
            }
            // Walk back over `schema .` to the start of the qualified name.
            let mut start = i;
            while start >= 2
                && sig[start - 1].token == Token::Period
                && matches!(sig[start - 2].token, Token::Word(_))
            {
                start -= 2;
            }
            let fold = crate::lint::effects::fold_word;
            let schema = match (i >= 2).then(|| (&sig[i - 1].token, &sig[i - 2].token)) {
                Some((Token::Period, Token::Word(s))) => Some(fold(s)),
                _ => None,
            };
            let name = fold(w);
            let protected = self.policy.table(schema.as_deref(), &name).is_some()
                || self
                    .policy
                    .columns_of(schema.as_deref(), &name)
                    .next()
                    .is_some();
            if protected {
                let first = Pos::from_loc(sig[start].span.start);
                let last = Pos::from_loc(t.span.end);
                let len = if first.line == last.line {
                    (last.col.saturating_sub(first.col)) as usize
                } else {
                    w.value.chars().count()
                };
                out.push(NameRef {
                    schema,
                    name,
                    pos: first,
                    len: len.max(1),
                    from_var: false,
                });
            }
        }
        out
    }

    /// The policy's `sql_functions` entry a word names (unquoted: ASCII case-insensitive).
    fn policy_function(
        &self,
        w: &sqlparser::tokenizer::Word,
    ) -> Option<&crate::lint::policy::NamedEntry> {
        self.policy.functions.iter().find(|f| {
            f.name.len() == w.value.len()
                && if w.quote_style.is_some() {
                    f.name == w.value
                } else {
                    f.name.eq_ignore_ascii_case(&w.value)
                }
        })
    }

    /// Whether `hay` may contain something [`Engine::scan_tokens`] looks for (a cheap, ASCII
    /// case-insensitive substring test that lets expressions skip tokenizing).
    pub(crate) fn may_need_token_scan(&self, hay: &str) -> bool {
        let b = hay.as_bytes();
        contains_ci(b, b"set_config")
            || contains_ci(b, b"replication_role")
            || self
                .policy
                .functions
                .iter()
                .any(|f| contains_ci(b, f.name.as_bytes()))
    }

    /// Token-level checks that hold inside any expression: `session_replication_role`,
    /// `set_config(…)` and the policy's `sql_functions`.
    pub(crate) fn scan_tokens(&mut self, toks: &[TokenWithSpan], inert: bool) {
        let relevant = toks.iter().any(|t| match &t.token {
            Token::Word(w) => {
                w.value.eq_ignore_ascii_case("set_config")
                    || w.value.eq_ignore_ascii_case("session_replication_role")
                    || self.policy_function(w).is_some()
            }
            _ => false,
        });
        if !relevant {
            return;
        }
        let sig: Vec<&TokenWithSpan> = toks
            .iter()
            .filter(|t| !matches!(t.token, Token::Whitespace(_)))
            .collect();
        let reason = self.policy.trigger_bypass_reason.clone();
        for (i, t) in sig.iter().enumerate() {
            let Token::Word(w) = &t.token else { continue };
            let pos = Pos::from_loc(t.span.start);
            if let Some(f) = self.policy_function(w) {
                if sig.get(i + 1).is_some_and(|n| n.token == Token::LParen) {
                    let f = f.clone();
                    self.report(
                        &rules::pc013_dynamic_sql::RULE,
                        pos,
                        w.value.chars().count(),
                        format!(
                            "calls `{}`, which the policy lists under sql_functions",
                            f.name
                        ),
                        "remove the call: what it does cannot be seen in this script",
                        Some(&f.reason),
                    );
                }
                continue;
            }
            // `myapp.session_replication_role` is a custom setting of that name, not this one.
            let qualified = i > 0 && sig[i - 1].token == Token::Period;
            if !inert && !qualified && w.value.eq_ignore_ascii_case("session_replication_role") {
                self.report(
                    &rules::pc004_trigger_bypass::RULE,
                    pos,
                    w.value.chars().count(),
                    "changes session_replication_role, which switches triggers off".into(),
                    "remove it: a packet never bypasses triggers",
                    Some(&reason),
                );
            } else if w.value.eq_ignore_ascii_case("set_config")
                && sig.get(i + 1).is_some_and(|n| n.token == Token::LParen)
            {
                let arg = sig.get(i + 2).map(|a| &a.token);
                let after = sig.get(i + 3).map(|a| &a.token);
                let lit = match arg {
                    Some(
                        Token::SingleQuotedString(s)
                        | Token::EscapedStringLiteral(s)
                        | Token::UnicodeStringLiteral(s)
                        | Token::NationalStringLiteral(s),
                    ) => Some(s.clone()),
                    Some(Token::DollarQuotedString(d)) => Some(d.value.clone()),
                    _ => None,
                };
                // A psql `:'var'` arrives as the literal ':var': its value is unknown.
                let lit = lit.filter(|s| !s.starts_with(':'));
                match (lit, after) {
                    (Some(s), Some(Token::Comma)) => {
                        if s.trim().eq_ignore_ascii_case("session_replication_role") {
                            self.report(
                                &rules::pc004_trigger_bypass::RULE,
                                pos,
                                w.value.chars().count(),
                                "set_config('session_replication_role', …) switches triggers off"
                                    .into(),
                                "remove it: a packet never bypasses triggers",
                                Some(&reason),
                            );
                        }
                    }
                    _ => self.report(
                        &rules::pc013_dynamic_sql::RULE,
                        pos,
                        w.value.chars().count(),
                        "set_config with a setting name that is not a string literal cannot be proven safe".into(),
                        "pass the setting name as a literal",
                        None,
                    ),
                }
            }
        }
    }

    /// Apply the write rules to one top-level statement's writes.
    /// Apply the write rules (one file each under `rules/`) to one top-level statement.
    fn check_writes(&mut self, writes: &[Write], stmt_pos: Pos) {
        for w in writes {
            rules::pc016_raw_psql_interpolation::check_write(self, w);
            // A function named like a protected table is not the table (packet rules below
            // still see the DDL).
            if w.kind == WriteKind::Ddl("CREATE FUNCTION") {
                continue;
            }
            rules::pc004_trigger_bypass::check_write(self, w);
            let hit = self.protected_hit(&w.target);
            if let Some((p, shown)) = &hit {
                rules::pc001_protected_table_write::check(self, w, p, shown);
                rules::pc002_protected_table_ddl::check(self, w, p, shown);
            }
            rules::pc003_protected_column_write::check(self, w);
            if let Some(m) = self.column_write_through(w) {
                rules::pc003_protected_column_write::check(self, &m);
            }
        }
        let Some(step) = self.step else { return };
        let real: Vec<&Write> = writes.iter().filter(|w| !w.temp).collect();
        rules::pc034_write_outside_transaction::check(self, &real, self.in_txn, stmt_pos);
        for w in real {
            if rules::pc030_read_only_step_write::check(self, step, w) {
                continue;
            }
            rules::pc031_seed_foreign_write::check(self, step, w);
            rules::pc032_seed_unstamped_insert::check(self, step, w);
            rules::pc033_rollback_unscoped_delete::check(self, step, w);
        }
    }

    /// The protected-table entry a write target resolves to, with the words to show for it
    /// (`*` targets, e.g. `GRANT … ON ALL TABLES IN SCHEMA s`, hit every entry of the schema).
    fn protected_hit(&self, t: &NameRef) -> Option<(ProtectedTable, String)> {
        if let Some(hit) = self.direct_hit(t) {
            return Some(hit);
        }
        let d = self.derived_of(t)?;
        let p = d.table.clone()?;
        Some((p, d.shown.clone()))
    }

    /// The derived relation `t` names, if the script made one.
    fn derived_of(&self, t: &NameRef) -> Option<&Derived> {
        if t.name == "*" {
            return None;
        }
        self.derived
            .iter()
            .rev()
            .find(|d| same_relation(&d.child, t))
    }

    /// Role grants from the policy's `write_roles`, and ALTER DEFAULT PRIVILEGES.
    fn privilege_effects(&mut self, roles: &[NameRef], default_privs: bool, at: Pos, len: usize) {
        for r in roles {
            let entry = self
                .policy
                .roles
                .iter()
                .find(|e| e.name.eq_ignore_ascii_case(&r.name))
                .cloned();
            if let Some(e) = entry {
                let (p, l) = if r.pos.is_known() {
                    (r.pos, r.len)
                } else {
                    (at, len)
                };
                rules::pc002_protected_table_ddl::check_role(self, p, l, &e);
            }
        }
        if default_privs {
            let base = NameRef {
                schema: None,
                name: String::new(),
                pos: at,
                len,
                from_var: false,
            };
            let mut w = Write::new(
                WriteKind::Ddl(
                    "ALTER DEFAULT PRIVILEGES changes the privileges of tables created later:",
                ),
                effects::anything(&base),
            );
            w.cols = Cols::Any;
            self.writes.push(w);
        }
    }

    /// A protected column renamed: the new name is protected too (the old one stays so).
    fn rename_column(&mut self, table: &NameRef, from: &str, to: &str) {
        let hits: Vec<ProtectedColumn> = self
            .policy
            .columns_of(table.schema.as_deref(), &table.name)
            .filter(|c| c.column == from)
            .cloned()
            .collect();
        for c in hits {
            let reason = format!("renamed from protected column `{from}`: {}", c.reason);
            self.policy.to_mut().columns.push(ProtectedColumn {
                column: to.to_string(),
                reason,
                ..c
            });
        }
    }

    /// Record a link when its parent is (or leads to) something protected.
    fn derive(&mut self, l: effects::Link) {
        let (table, columns_of, keeps, via) = if let Some(d) = self.derived_of(&l.parent) {
            (
                d.table.clone(),
                d.columns_of.clone(),
                d.keeps_columns && l.keeps_columns,
                d.shown.clone(),
            )
        } else {
            let table = self.direct_hit(&l.parent).map(|(p, _)| p);
            let cols = self
                .policy
                .columns_of(l.parent.schema.as_deref(), &l.parent.name)
                .next()
                .is_some();
            let via = match &table {
                Some(_) => format!("protected table `{}`", l.parent.display()),
                None => format!("`{}`, which has protected columns", l.parent.display()),
            };
            (table, cols.then(|| l.parent.clone()), l.keeps_columns, via)
        };
        if table.is_none() && columns_of.is_none() {
            return;
        }
        let shown = format!("`{}`, which {} {via}", l.child.display(), l.how);
        self.derived.push(Derived {
            child: l.child,
            table,
            columns_of,
            keeps_columns: keeps,
            shown,
        });
    }

    /// A write through a derived relation, restated on the relation whose protected columns it
    /// reaches (every column, when the way in may rename them).
    fn column_write_through(&self, w: &Write) -> Option<Write> {
        let d = self.derived_of(&w.target)?;
        let parent = d.columns_of.as_ref()?;
        let mut m = w.clone();
        m.target.schema.clone_from(&parent.schema);
        m.target.name.clone_from(&parent.name);
        if !d.keeps_columns && matches!(&m.cols, Cols::Named(v) if !v.is_empty()) {
            m.cols = Cols::All;
        }
        Some(m)
    }

    fn direct_hit(&self, t: &NameRef) -> Option<(ProtectedTable, String)> {
        if t.name == "*" {
            let p = self
                .policy
                .tables
                .iter()
                .find(|p| p.table != "*" && (p.schema.is_none() || p.schema == t.schema))?;
            if t.schema.is_none() {
                let shown = format!(
                    "what it reaches (unknown without the schema), possibly protected table `{}`",
                    p.table
                );
                return Some((p.clone(), shown));
            }
            let shown = format!(
                "every table in schema `{}`, including protected table `{}`",
                t.schema.as_deref().unwrap_or("?"),
                p.table
            );
            Some((p.clone(), shown))
        } else {
            let p = self.policy.table(t.schema.as_deref(), &t.name)?;
            Some((p.clone(), format!("protected table `{}`", t.display())))
        }
    }

    pub(crate) fn meta(&mut self, m: &Meta) {
        let pos = self.idx.pos(m.start);
        let len = self.text[m.start..m.end].chars().count();
        rules::pc017_unmodelled_psql::check_meta(self, m);
        if m.args.contains('`') {
            self.report(
                &rules::pc013_dynamic_sql::RULE,
                pos,
                len,
                format!(
                    "\\{} runs a backquoted shell command, which cannot be proven safe",
                    m.name
                ),
                "remove the backquotes",
                None,
            );
        }
        match m.name.as_str() {
            "set" => {
                let mut it = m.args.split_whitespace();
                if it.next() == Some("ON_ERROR_STOP") {
                    let v = it
                        .next()
                        .unwrap_or("")
                        .trim_matches('\'')
                        .to_ascii_lowercase();
                    self.on_error_stop = matches!(v.as_str(), "on" | "true" | "1" | "yes");
                }
            }
            "gexec" => self.report(
                &rules::pc013_dynamic_sql::RULE,
                pos,
                len,
                "\\gexec executes the query's results as SQL, which cannot be proven safe".into(),
                "write the statements out",
                None,
            ),
            "!" | "setenv" if m.name == "!" => self.report(
                &rules::pc013_dynamic_sql::RULE,
                pos,
                len,
                "\\! runs a shell command, which cannot be proven safe".into(),
                "remove the shell escape",
                None,
            ),
            "o" | "out" | "g" | "gx" | "w" | "write" if m.args.starts_with('|') => self.report(
                &rules::pc013_dynamic_sql::RULE,
                pos,
                len,
                format!(
                    "\\{} pipes into a shell command, which cannot be proven safe",
                    m.name
                ),
                "remove the pipe",
                None,
            ),
            "copy" => self.backslash_copy(m),
            "i" | "include" | "ir" | "include_relative" => self.include(m, pos, len),
            _ => {}
        }
    }

    /// `\copy table [(cols)] from …` is a write (it runs COPY FROM STDIN client-side).
    fn backslash_copy(&mut self, m: &Meta) {
        let lower = m.args.to_ascii_lowercase();
        let words: Vec<&str> = lower.split_whitespace().collect();
        let from = words.iter().position(|w| *w == "from");
        let to = words.iter().position(|w| *w == "to");
        let is_from = match (from, to) {
            (Some(f), Some(t)) => f < t,
            (Some(_), None) => true,
            _ => false,
        };
        if lower.contains("program") {
            self.report(
                &rules::pc013_dynamic_sql::RULE,
                self.idx.pos(m.start),
                2,
                "\\copy … program runs a shell command".into(),
                "remove it",
                None,
            );
        }
        if !is_from || m.args.starts_with('(') {
            return;
        }
        // Parse `COPY <table> [(cols)] FROM STDIN` with sqlparser for exact name resolution.
        let name_end = m.start + 1 + m.name.len();
        let args_start = self.text[name_end..m.end]
            .find(m.args.as_str())
            .map_or(name_end, |i| name_end + i);
        let cut = find_word_ci(&m.args, "from").unwrap_or(m.args.len());
        let sql = format!("COPY {} FROM STDIN", &m.args[..cut]);
        let p = self.idx.pos(args_start);
        let origin = Origin {
            pos: Pos {
                line: p.line,
                col: p.col.saturating_sub(5).max(1),
            },
            pinned: false,
        };
        self.writes.clear();
        self.analyze_sql(&sql, origin, 0);
        let writes = std::mem::take(&mut self.writes);
        self.check_writes(&writes, self.idx.pos(m.start));
    }

    fn include(&mut self, m: &Meta, pos: Pos, len: usize) {
        let arg = m
            .args
            .split_whitespace()
            .next()
            .unwrap_or("")
            .trim_matches(|c| c == '\'' || c == '"');
        let base = if m.name.starts_with("ir") || m.name == "include_relative" {
            Path::new(self.path)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default()
        } else {
            PathBuf::new()
        };
        let path = base.join(arg);
        if arg.is_empty() {
            self.report(
                &rules::pc015_missing_include::RULE,
                pos,
                len,
                "include without a file name".into(),
                "name the file",
                None,
            );
            return;
        }
        let canonical = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        let seen = self
            .includes
            .iter()
            .any(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()) == canonical);
        if seen || self.includes.len() >= MAX_INCLUDES {
            self.report(
                &rules::pc015_missing_include::RULE,
                pos,
                len,
                format!("include cycle or chain too deep at `{}`", path.display()),
                "remove the cycle",
                None,
            );
            return;
        }
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                self.report(
                    &rules::pc015_missing_include::RULE,
                    pos,
                    len,
                    format!("included file `{}` cannot be read: {e}", path.display()),
                    "fix the path (\\ir is relative to this file, \\i to the working directory)",
                    None,
                );
                return;
            }
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let name = path.display().to_string();
        let mut stack = self.includes.clone();
        stack.push(path.clone());
        let inner = crate::lint::lint_text_with(&name, &text, &self.policy, None, stack);
        for f in inner {
            let rule = rules::lookup(f.code)
                .copied()
                .unwrap_or(rules::pc010_unparseable_statement::RULE);
            self.report_full(
                &rule,
                pos,
                len,
                format!("in included {}:{}:{}: {}", name, f.line, f.col, f.message),
                &f.help,
                f.reason.as_deref(),
                f.suppressible,
            );
        }
    }
}

fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    let (first, rest) = match needle.split_first() {
        Some(x) => x,
        None => return true,
    };
    let n = needle.len();
    let mut i = 0;
    while i + n <= hay.len() {
        if hay[i].eq_ignore_ascii_case(first) && hay[i + 1..i + n].eq_ignore_ascii_case(rest) {
            return true;
        }
        i += 1;
    }
    false
}

fn find_word_ci(s: &str, word: &str) -> Option<usize> {
    let lower = s.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(word) {
        let at = from + i;
        let before_ok = at == 0 || lower.as_bytes()[at - 1].is_ascii_whitespace();
        let after = at + word.len();
        let after_ok = after >= lower.len() || lower.as_bytes()[after].is_ascii_whitespace();
        if before_ok && after_ok {
            return Some(at);
        }
        from = after;
    }
    None
}

/// The first four significant words (unquoted words only; stops at anything else).
pub(crate) fn first_words(toks: &[TokenWithSpan]) -> [Option<&str>; 4] {
    let mut out = [None; 4];
    let mut n = 0;
    for t in toks {
        match &t.token {
            Token::Whitespace(_) => {}
            Token::Word(w) if w.quote_style.is_none() => {
                out[n] = Some(w.value.as_str());
                n += 1;
                if n == out.len() {
                    break;
                }
            }
            _ => break,
        }
    }
    out
}

/// Split sqlparser's "… at Line: L, Column: C" suffix off a message.
fn split_parser_error(msg: &str) -> (String, Option<Pos>) {
    let msg = msg.strip_prefix("sql parser error: ").unwrap_or(msg);
    if let Some(i) = msg.rfind(" at Line: ") {
        let tail = &msg[i + 10..];
        let mut parts = tail.split(", Column: ");
        let line = parts.next().and_then(|l| l.trim().parse::<u64>().ok());
        let col = parts.next().and_then(|c| c.trim().parse::<u64>().ok());
        if let (Some(line), Some(col)) = (line, col) {
            return (msg[..i].to_string(), Some(Pos { line, col }));
        }
    }
    (msg.to_string(), None)
}
