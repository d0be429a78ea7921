//! The per-file analysis, in this order (one file per job under `engine/`):
//!
//! 1. [`Engine::run`] drives the scanner ([`crate::lint::scan`]): each item (statement, psql
//!    command, COPY data, unterminated literal) becomes a *region*, whose findings an allow
//!    comment suppresses together;
//! 2. a statement goes to `statement.rs` (tokens → the token rules in `tokens.rs` → sqlparser
//!    → the writes it makes), or to `rejected.rs` when sqlparser rejects it; DO and function
//!    bodies go to [`crate::lint::plpgsql`]; positions inside them map back through
//!    [`Origin`] (`origin.rs`);
//! 3. a psql command goes to `meta.rs` (and `include.rs` for `\i` / `\ir`);
//! 4. each top-level statement's writes are handed to the rules (`Engine::check_writes`), with
//!    what each target reaches (`reach.rs`: protected tables, and the views, rules, children
//!    and renames this script made into ways into them);
//! 5. findings are recorded by [`Engine::emit`] (the one place that decides whether one may be
//!    suppressed) and the allow comments are applied ([`crate::lint::suppress`]).
//!
//! The rules' conditions and messages live in their files under [`crate::lint::rules`].
//! Work is strictly statement by statement: one statement's tokens and AST are alive at a
//! time, so memory stays flat and cost linear in the input size.

mod include;
mod meta;
mod origin;
mod reach;
mod rejected;
mod statement;
mod tokens;

pub use origin::Origin;
/// Also used by the tests of `fallback.rs`.
#[cfg(test)]
pub(crate) use statement::first_words;

use std::borrow::Cow;
use std::collections::HashSet;
use std::path::PathBuf;

use sqlparser::dialect::PostgreSqlDialect;

use crate::lint::effects::{self, NameRef, Txn, Write};
use crate::lint::finding::{Draft, Finding, LineIndex, Pos};
use crate::lint::names;
use crate::lint::policy::Policy;
use crate::lint::rules::{self, Rule};
use crate::lint::scan::{self, Item, Scanner};
use crate::lint::suppress;
use crate::lint::StepContext;

/// Deepest nesting of DO / function bodies / EXECUTE strings analysed.
const MAX_DEPTH: u32 = 8;
/// Deepest include chain followed.
const MAX_INCLUDES: usize = 16;
/// Largest statement parsed (a bigger one is a PC010 finding: parsing it would take seconds
/// and gigabytes; packet statements are kilobytes).
pub const MAX_STATEMENT_BYTES: usize = 1 << 20;

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
    pub(crate) in_txn: bool,
    pub(crate) on_error_stop: bool,
    /// Bytes left for reading COPY data as script (`copy_fail.rs`).
    pub(crate) copy_budget: usize,
    seen_sql: bool,
    temp: HashSet<String>,
    includes: Vec<PathBuf>,
    /// The first command that wrote a file or changed directory, and where (PC017).
    pub(crate) file_write: Option<(String, Pos)>,
    derived: Vec<reach::Derived>,
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
    pub(crate) defined: Vec<NameRef>,
    /// The last parsed statement's token buffer, reused by the next (no regrowth per statement).
    pub(crate) tok_buf: Vec<sqlparser::tokenizer::TokenWithSpan>,
    /// `tok_buf` holds exactly the tokens of `region_text` (the top-level statement, as
    /// parsed): the fail-closed test reads them instead of tokenizing the text again.
    pub(crate) tok_buf_is_region: bool,
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
            tok_buf_is_region: false,
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
            let never = if self.region_text.len() > MAX_STATEMENT_BYTES {
                // Reading it for protected names would cost memory in proportion to its
                // tokens (a 20 MB INSERT holds millions): too large to prove it names none.
                Some(format!(
                    "it is larger than the {} MiB read for protected names",
                    MAX_STATEMENT_BYTES >> 20
                ))
            } else {
                self.region_names_protected()
                    .map(|what| format!("it names protected {what}"))
            };
            if let Some(why) = never {
                allowed = false;
                let msg = format!("{why}, so it can never be suppressed");
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
        let hit = if self.tok_buf_is_region {
            names::names_protected_tokens(&self.policy, &self.region_text, &self.tok_buf)
        } else {
            names::names_protected(&self.policy, &self.region_text)
        };
        self.region_hit = Some(hit.clone());
        hit
    }

    /// Start a new region (a statement or command): its findings are suppressed together,
    /// and the fail-closed test reads `text`.
    fn enter_region(&mut self, text: Cow<'a, str>) {
        self.region += 1;
        self.region_text = text;
        self.region_hit = None;
        self.tok_buf_is_region = false;
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
                    self.tok_buf_is_region = false;
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

    /// Attribute the scanner's pending allow comments: one on the line where the previous
    /// item ended belongs to that item, any other to the item about to be analysed.
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
        rules::check_writes(self, &writes, origin.pos);
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
}
