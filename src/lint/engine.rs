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
use crate::lint::finding::{Draft, Finding, LineIndex, Pos};
use crate::lint::names::{self, contains_ci, find_word_ci, same_relation};
use crate::lint::policy::TrustMode;
use crate::lint::policy::{Policy, ProtectedColumn, ProtectedTable};
use crate::lint::rules::{self, Rule};
use crate::lint::scan::{self, Item, Meta, Scanner};
use crate::lint::schema;
use crate::lint::suppress;
use crate::lint::trust;
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
    /// The text of the current region, as analysed (for the fail-closed suppression test): the
    /// statement (psql edits applied), the command, or what an unterminated literal swallowed.
    region_text: Cow<'a, str>,
    /// Cached answer of [`Engine::region_names_protected`]: the outer `None` means "not asked
    /// yet for this region", the inner value is the answer (the protected name, if any).
    #[allow(clippy::option_option)]
    region_hit: Option<Option<String>>,
    /// The last statement's text (a following `\gexec` runs its results).
    last_text: Cow<'a, str>,
    /// Functions and procedures created by the linted text so far (their bodies are analysed).
    defined: Vec<NameRef>,
    /// The last parsed statement's token buffer, reused by the next (no regrowth per statement).
    tok_buf: Vec<TokenWithSpan>,
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
            region_text: Cow::Borrowed(""),
            region_hit: None,
            last_text: Cow::Borrowed(""),
            defined: Vec::new(),
            tok_buf: Vec::new(),
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

    /// Report a finding of `rule` at `pos` spanning `len` characters (a shorthand for
    /// [`Engine::emit`] of `rule.at(…)`).
    pub(crate) fn report(
        &mut self,
        rule: &Rule,
        pos: Pos,
        len: usize,
        message: String,
        help: &str,
        reason: Option<&str>,
    ) {
        self.emit(rule.at(pos, len, message).help(help).reason(reason));
    }

    /// [`Engine::report`] that the caller may also declare unsuppressible.
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
        self.emit(
            rule.at(pos, len, message)
                .help(help)
                .reason(reason)
                .suppressible(may_suppress),
        );
    }

    /// Record a finding. Whether it may be suppressed is decided here, once: the policy's
    /// `never_suppress`, and — for a fail-closed rule — whether the text it is about (the
    /// statement or command being analysed) names a protected object.
    pub(crate) fn emit(&mut self, mut d: Draft) {
        let mut allowed = self.policy.suppressible(d.rule.code);
        if allowed && d.suppressible && d.rule.fail_closed {
            if let Some(what) = self.region_names_protected() {
                allowed = false;
                let msg = format!("it names protected {what}, so it can never be suppressed");
                d.help = if d.help.is_empty() {
                    msg
                } else {
                    format!("{}; {msg}", d.help)
                };
            }
        }
        let f = d.build(&self.idx, allowed);
        self.findings.push((self.region, f));
    }

    /// What protected object the text of the current region names, if any (computed once per
    /// region, only when a fail-closed finding needs it).
    fn region_names_protected(&mut self) -> Option<String> {
        if let Some(hit) = &self.region_hit {
            return hit.clone();
        }
        let hit = names::names_protected(&self.policy, &self.region_text);
        self.region_hit = Some(hit.clone());
        hit
    }

    /// Start a new region (a statement or command): its findings are suppressed together,
    /// and the fail-closed test reads `text`.
    fn enter_region(&mut self, text: Cow<'a, str>) {
        self.region += 1;
        self.region_text = text;
        self.region_hit = None;
    }

    /// Lint the whole text.
    pub fn run(mut self) -> Vec<Finding> {
        let mut scanner = Scanner::new(self.text, true);
        let mut prev_end_line = 0u64;
        let mut last_term = 0usize;
        let text = self.text;
        while let Some(item) = scanner.next() {
            match &item {
                Item::Stmt(s) => self.enter_region(scan::edited(text, s)),
                Item::Meta(m) if m.name == "gexec" => {
                    // `\gexec` runs what the statement it sends returns: one region with it
                    // (an allow comment above the query covers both), whose text is both.
                    let t = format!("{}\n{}", self.last_text, &text[m.start..m.end]);
                    self.region_text = Cow::Owned(t);
                    self.region_hit = None;
                }
                Item::Meta(m) => self.enter_region(Cow::Borrowed(&text[m.start..m.end])),
                // The swallowed text includes the statement it interrupted.
                Item::Unterminated { start, .. } => {
                    self.enter_region(Cow::Borrowed(&text[last_term.min(*start)..]));
                }
                Item::CopyData { .. } => self.enter_region(Cow::Borrowed("")),
            }
            self.take_allows(&mut scanner, prev_end_line);
            match item {
                Item::Stmt(s) => {
                    // `\gdesc` only has the statement described: nothing runs.
                    if !s.blank && s.via.as_deref() != Some("gdesc") {
                        self.top_statement(&s);
                    }
                    prev_end_line = self.idx.pos(s.term.saturating_sub(1)).line;
                    last_term = s.term;
                    self.last_text = self.region_text.clone();
                }
                Item::Meta(m) => {
                    prev_end_line = self.idx.pos(m.end).line;
                    last_term = m.end;
                    self.meta(&m);
                }
                Item::CopyData { start, end } => self.copy_data_as_sql(last_term.min(start), end),
                Item::Unterminated { start, what, .. } => {
                    let pos = self.idx.pos(start);
                    rules::pc011_unterminated_literal::unterminated(&mut self, pos, what);
                }
            }
        }
        // Comments after the last statement (e.g. a trailing allow on its line).
        self.enter_region(Cow::Borrowed(""));
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
        let plan = suppress::plan(&allows, self.text, &self.idx, &self.policy);
        for (pos, len, msg) in &plan.bad {
            rules::pc020_bad_suppression::bad(&mut self, *pos, *len, msg);
        }
        for ((_, code), pos, len) in suppress::unused(&plan, &self.findings) {
            rules::pc021_unused_suppression::unused(&mut self, pos, len, code);
        }
        suppress::apply(self.findings, &plan.suppress)
    }

    pub(crate) fn top_statement(&mut self, s: &scan::Stmt) {
        let origin = Origin {
            pos: self.idx.pos(s.start),
            pinned: false,
        };
        if s.end - s.start > MAX_STATEMENT_BYTES {
            rules::pc010_unparseable_statement::too_large(self, origin.pos, s.end - s.start);
            return;
        }
        let text = scan::edited(self.text, s);
        rules::pc016_raw_psql_interpolation::check_vars(self, s);
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
            rules::pc013_dynamic_sql::too_deep(self, origin.pos);
            return None;
        }
        // The previous statement's token buffer, reused (the parser hands it back), positions
        // mapped to the file as the tokens are made.
        let mut toks = std::mem::take(&mut self.tok_buf);
        toks.clear();
        let mapped = Tokenizer::new(&self.dialect, sql)
            .tokenize_with_location_into_buf_with_mapper(&mut toks, |mut t| {
                t.span.start = map_loc(origin, t.span.start);
                t.span.end = map_loc(origin, t.span.end);
                t
            });
        if let Err(e) = mapped {
            let pos = origin.map(Pos::from_loc(e.location));
            rules::pc012_unreadable_text::tokenizer_rejected(self, pos, &e.message);
            return None;
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
        if !self.policy.dependents.is_empty()
            && (kw(0, "create") || kw(0, "alter") || kw(0, "drop"))
        {
            let hits: Vec<_> = schema::touched(&self.policy.dependents, &toks)
                .into_iter()
                .map(|(n, d)| (n, d.clone()))
                .collect();
            for (n, d) in hits {
                rules::pc005_protected_dependent_ddl::check(self, &n, &d);
            }
        }
        if kw(0, "do") {
            self.do_block(&toks, depth, &mentions);
            return None;
        }
        if kw(0, "create")
            && (kw(1, "function")
                || kw(1, "procedure")
                || (kw(1, "or") && kw(2, "replace") && (kw(3, "function") || kw(3, "procedure"))))
        {
            // Its body is analysed here, so its calls need no trust.
            if let Some(n) = trust::created_routine(&toks) {
                self.defined.push(n);
            }
            self.function(sql, origin, &toks, depth, &mentions);
            return None;
        }
        let strict = self.policy.unknown_mode(self.step.is_some()) == TrustMode::Finding;
        if strict && kw(0, "create") && kw(1, "extension") {
            if let Some(e) = trust::created_extension(&toks) {
                if !self
                    .policy
                    .trusted_extensions
                    .iter()
                    .any(|t| t.name == e.name)
                {
                    rules::pc018_untrusted_function_call::extension(self, &e);
                }
            }
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
                let toks = parser.into_tokens();
                let judged = next.token != Token::EOF
                    && self.judge_by_names(&toks, &mentions, start, first_len, drop_cascade);
                self.tok_buf = toks;
                if judged {
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
                if strict {
                    for c in trust::calls(&st) {
                        if !trust::accepted(&self.policy, &self.defined, &c) {
                            rules::pc018_untrusted_function_call::call(self, &c);
                        }
                    }
                }
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
                    rules::pc013_dynamic_sql::copy_program(self, start, 4, false);
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
                // The parser hands its tokens back: the fallback reads them, not a second
                // tokenization of the same text.
                let toks = parser.into_tokens();
                let judged = self.judge_by_names(&toks, &mentions, start, first_len, drop_cascade);
                self.tok_buf = toks;
                if judged {
                    return None;
                }
                let failure = crate::lint::parse_error::from_parser_error(&e);
                self.unparseable(failure.message, failure.at.unwrap_or(start), &mentions);
                None
            }
        }
    }

    /// A statement sqlparser rejected, of a kind [`crate::lint::fallback`] may judge by the
    /// protected names it contains: each is a DDL write that can set any column.
    /// `toks` are the statement's tokens, positions already mapped to the file.
    fn judge_by_names(
        &mut self,
        toks: &[TokenWithSpan],
        mentions: &[NameRef],
        start: Pos,
        first_len: usize,
        drop_cascade: bool,
    ) -> bool {
        let first = first_words(toks);
        let Some(judge) = crate::lint::fallback::classify(&first, toks) else {
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
                let Some(target) = crate::lint::fallback::dml_target(toks) else {
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
        rules::pc010_unparseable_statement::unparseable(self, &msg, pos, mentions);
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

    /// Whether unanalysable text names a protected object ([`names::names_protected`]):
    /// such text can never be suppressed.
    pub(crate) fn text_mentions_protected(&self, text: &str) -> bool {
        names::names_protected(&self.policy, text).is_some()
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

    /// Names in the statement's tokens that are protected relations ([`names::mentions`]).
    pub(crate) fn mentions(&self, toks: &[TokenWithSpan]) -> Vec<NameRef> {
        names::mentions(&self.policy, toks)
    }

    /// The policy's `sql_functions` entry a word names.
    fn policy_function(
        &self,
        w: &sqlparser::tokenizer::Word,
    ) -> Option<&crate::lint::policy::NamedEntry> {
        self.policy
            .functions
            .iter()
            .find(|f| names::word_is(w, &f.name))
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
        for (i, t) in sig.iter().enumerate() {
            let Token::Word(w) = &t.token else { continue };
            if let Some(f) = self.policy_function(w) {
                if sig.get(i + 1).is_some_and(|n| n.token == Token::LParen) {
                    let f = f.clone();
                    let pos = Pos::from_loc(t.span.start);
                    let len = w.value.chars().count();
                    rules::pc013_dynamic_sql::policy_function_call(self, pos, len, &f);
                }
                continue;
            }
            rules::pc004_trigger_bypass::check_token(self, &sig, i, w, inert);
        }
    }

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
        rules::pc013_dynamic_sql::check_meta(self, m, pos, len);
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
            rules::pc013_dynamic_sql::copy_program(self, self.idx.pos(m.start), 2, true);
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
            rules::pc015_missing_include::no_name(self, pos, len);
            return;
        }
        let canonical = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        let seen = self
            .includes
            .iter()
            .any(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()) == canonical);
        if seen || self.includes.len() >= MAX_INCLUDES {
            rules::pc015_missing_include::cycle(self, pos, len, &path.display().to_string());
            return;
        }
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                let shown = path.display().to_string();
                rules::pc015_missing_include::unreadable(self, pos, len, &shown, &e.to_string());
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
