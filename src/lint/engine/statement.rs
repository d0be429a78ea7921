//! One statement's text → its writes: tokenize, run the token-level and front-end rules,
//! hand DO and function bodies to [`crate::lint::plpgsql`], parse with sqlparser and turn the
//! AST's effects ([`crate::lint::effects`]) into [`Write`]s on `Engine::writes`.

use super::origin::{map_loc, Origin};
use super::{Engine, MAX_DEPTH};
use crate::lint::effects::{self, Cols, NameRef, Txn, Write, WriteKind};
use crate::lint::finding::Pos;
use crate::lint::names;
use crate::lint::rules;
use crate::lint::trust;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

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

/// Whether the statement holds an unquoted `CASCADE` that is not a foreign key's
/// `ON DELETE` / `ON UPDATE` action.
fn has_cascade(toks: &[TokenWithSpan]) -> bool {
    let mut prev: Option<&str> = None;
    for t in toks {
        match &t.token {
            Token::Whitespace(_) => continue,
            Token::Word(w) if w.quote_style.is_none() => {
                if w.value.eq_ignore_ascii_case("cascade")
                    && !prev.is_some_and(|p| {
                        p.eq_ignore_ascii_case("delete") || p.eq_ignore_ascii_case("update")
                    })
                {
                    return true;
                }
                prev = Some(w.value.as_str());
            }
            _ => prev = None,
        }
    }
    false
}

impl Engine<'_> {
    /// Analyse one statement's text; writes are appended to `self.writes`.
    pub(crate) fn analyze_sql(&mut self, sql: &str, origin: Origin, depth: u32) -> Option<Txn> {
        if depth > MAX_DEPTH {
            rules::pc013_dynamic_sql::too_deep(self, origin.pos);
            return None;
        }
        // The previous statement's token buffer, reused (the parser hands it back), positions
        // then mapped to the file in place (cheaper than through the tokenizer's mapper, which
        // moves every token through the closure).
        let mut toks = std::mem::take(&mut self.tok_buf);
        self.tok_buf_is_region = false;
        toks.clear();
        // The fast path reads the common statements; sqlparser's tokenizer reads the rest.
        if !crate::lint::fasttok::tokenize(sql, &mut toks) {
            let read =
                Tokenizer::new(&self.dialect, sql).tokenize_with_location_into_buf(&mut toks);
            if let Err(e) = read {
                let pos = origin.map(Pos::from_loc(e.location));
                rules::pc012_unreadable_text::tokenizer_rejected(self, pos, &e.message);
                self.tok_buf = toks;
                return None;
            }
        }
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
        if kw(0, "create") || kw(0, "alter") || kw(0, "drop") {
            rules::pc005_protected_dependent_ddl::check_ddl(self, &toks);
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
        let strict = rules::pc018_untrusted_function_call::strict(self);
        if strict && kw(0, "create") && kw(1, "extension") {
            rules::pc018_untrusted_function_call::check_extension(self, &toks);
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
        // `DROP … CASCADE`, and any `ALTER … CASCADE`: `ALTER TYPE` alters the tables typed by
        // it, `ALTER TABLE t DROP CONSTRAINT k CASCADE` drops the foreign keys (a protected
        // table's too) that rely on `k`, `ALTER DOMAIN … DROP CONSTRAINT … CASCADE` likewise.
        // `CASCADE` may end any subcommand of an `ALTER TABLE`, not only the statement; after
        // `ON DELETE` / `ON UPDATE` it is a foreign key's action instead.
        let drop_cascade = (kw(0, "drop") || kw(0, "alter")) && has_cascade(&toks);
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
                self.keep_tokens(toks, sql, is_explain);
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
                    rules::pc018_untrusted_function_call::check_calls(self, &st);
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
                self.keep_tokens(toks, sql, is_explain);
                if judged {
                    return None;
                }
                let failure = crate::lint::parse_error::from_parser_error(&e);
                self.unparseable(failure.message, failure.at.unwrap_or(start), &mentions);
                None
            }
        }
    }

    /// Hand the parser's tokens back to the buffer, noting whether they are the region's own
    /// tokens: `sql` is the region's text (not a body or a string inside it), and no `EXPLAIN`
    /// `ANALYSE` was respelled for the parser.
    fn keep_tokens(&mut self, toks: Vec<TokenWithSpan>, sql: &str, respelled: bool) {
        self.tok_buf = toks;
        self.tok_buf_is_region = !respelled && sql == &*self.region_text;
    }

    pub(crate) fn unparseable(&mut self, msg: String, pos: Pos, mentions: &[NameRef]) {
        rules::pc010_unparseable_statement::unparseable(self, &msg, pos, mentions);
    }

    /// Whether unanalysable text names a protected object ([`names::names_protected`]):
    /// such text can never be suppressed.
    pub(crate) fn text_mentions_protected(&self, text: &str) -> bool {
        names::names_protected(&self.policy, text).is_some()
    }

    pub(super) fn mark_temp(&mut self, w: &mut Write) {
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

    /// Role grants (PC002 checks them against the policy's `write_roles`), and ALTER DEFAULT
    /// PRIVILEGES (a write that reaches every table).
    fn privilege_effects(&mut self, roles: &[NameRef], default_privs: bool, at: Pos, len: usize) {
        rules::pc002_protected_table_ddl::check_roles(self, roles, at, len);
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
}
