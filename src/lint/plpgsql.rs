//! DO blocks and function bodies: find the SQL inside and analyse it like top-level SQL.
//!
//! PL/pgSQL is not SQL, and sqlparser does not parse it, but every SQL statement in a body
//! ends at a `;` outside quotes and parentheses, just as in a script. The body is split with
//! the same scanner; each piece then loses its control-flow prefix (`IF … THEN`, `LOOP`,
//! `WHEN … THEN`, `EXCEPTION`, `DECLARE`, `BEGIN`, labels …) and is dispatched:
//! SQL statements are analysed (with PL/pgSQL's `SELECT … INTO var` blanked out), `PERFORM`
//! becomes `SELECT`, `RETURN QUERY` is analysed, `EXECUTE 'constant'` is parsed and analysed,
//! other `EXECUTE`s are findings, and bare expressions (conditions, assignments, `RAISE`
//! arguments) get the token-level checks (`set_config`, `session_replication_role`) — an
//! expression cannot contain a data-modifying statement in PostgreSQL.

use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

use crate::lint::effects::{Cols, NameRef, Write, WriteKind};
use crate::lint::engine::{Engine, Origin};
use crate::lint::finding::{LineIndex, Pos};
use crate::lint::rules;
use crate::lint::scan::{Item, Scanner};

/// Where a PL/pgSQL chunk's positions map to.
struct Chunk<'l, 't> {
    li: &'l LineIndex<'t>,
    o: Origin,
    d: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lk {
    Word,
    QWord,
    Str,
    Punct,
}

#[derive(Debug, Clone, Copy)]
struct Lex {
    kind: Lk,
    start: usize,
    end: usize,
}

fn ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

fn ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

/// The next lexeme of `t` at or after `p`, before `end`.
fn next_lex(t: &str, mut p: usize, end: usize) -> Option<Lex> {
    let b = t.as_bytes();
    loop {
        while p < end && b[p].is_ascii_whitespace() {
            p += 1;
        }
        if p + 1 < end && b[p] == b'-' && b[p + 1] == b'-' {
            // A bare carriage return ends a comment too (scan.l's `non_newline` is [^\n\r]).
            p = t[p..end].find(['\n', '\r']).map_or(end, |i| p + i);
            continue;
        }
        if p + 1 < end && b[p] == b'/' && b[p + 1] == b'*' {
            let mut depth = 0;
            while p + 1 < end {
                if b[p] == b'/' && b[p + 1] == b'*' {
                    depth += 1;
                    p += 2;
                } else if b[p] == b'*' && b[p + 1] == b'/' {
                    depth -= 1;
                    p += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    p += 1;
                }
            }
            if depth > 0 {
                p = end;
            }
            continue;
        }
        break;
    }
    if p >= end {
        return None;
    }
    let start = p;
    let c = b[p];
    let (kind, e) = if ident_start(c) {
        p += 1;
        while p < end && ident_char(b[p]) {
            p += 1;
        }
        (Lk::Word, p)
    } else if c == b'"' || c == b'\'' {
        let backslash = c == b'\'' && p > 0 && matches!(b[p - 1], b'e' | b'E');
        p += 1;
        while p < end {
            if backslash && b[p] == b'\\' {
                p += 2;
                continue;
            }
            if b[p] == c {
                if p + 1 < end && b[p + 1] == c {
                    p += 2;
                    continue;
                }
                p += 1;
                break;
            }
            p += 1;
        }
        (if c == b'"' { Lk::QWord } else { Lk::Str }, p.min(end))
    } else if c == b'$' {
        let mut q = p + 1;
        if q < end && b[q].is_ascii_digit() {
            while q < end && b[q].is_ascii_digit() {
                q += 1;
            }
            (Lk::Word, q)
        } else {
            while q < end && ident_char(b[q]) && b[q] != b'$' {
                q += 1;
            }
            if q < end && b[q] == b'$' {
                let tag = &t[p..=q];
                match t[q + 1..end].find(tag) {
                    Some(i) => (Lk::Str, q + 1 + i + tag.len()),
                    None => (Lk::Str, end),
                }
            } else {
                (Lk::Punct, p + 1)
            }
        }
    } else {
        let two = if p + 1 < end {
            t.get(p..p + 2).unwrap_or("")
        } else {
            ""
        };
        if matches!(two, ":=" | ".." | "<<" | ">>") {
            (Lk::Punct, p + 2)
        } else {
            let l = t[p..].chars().next().map_or(1, char::len_utf8);
            (Lk::Punct, p + l)
        }
    };
    Some(Lex {
        kind,
        start,
        end: e,
    })
}

fn is_word(t: &str, l: &Lex, kw: &str) -> bool {
    l.kind == Lk::Word && t[l.start..l.end].eq_ignore_ascii_case(kw)
}

/// First word among `kws` at parenthesis depth 0 in `t[from..end]`.
fn find_kw(t: &str, mut from: usize, end: usize, kws: &[&str]) -> Option<Lex> {
    let mut depth = 0i32;
    while let Some(l) = next_lex(t, from, end) {
        let s = &t[l.start..l.end];
        match (l.kind, s) {
            (Lk::Punct, "(" | "[") => depth += 1,
            (Lk::Punct, ")" | "]") => depth -= 1,
            (Lk::Word, _) if depth <= 0 && kws.iter().any(|k| s.eq_ignore_ascii_case(k)) => {
                return Some(l);
            }
            _ => {}
        }
        from = l.end;
    }
    None
}

/// Where a string token's content starts, or a pinned origin when its content is unescaped.
fn string_body(t: &TokenWithSpan) -> Option<(String, Origin)> {
    let start = Pos::from_loc(t.span.start);
    match &t.token {
        Token::DollarQuotedString(d) => {
            let prefix = d.tag.as_ref().map_or(0, |t| t.chars().count()) as u64 + 2;
            Some((
                d.value.clone(),
                Origin {
                    pos: Pos {
                        line: start.line,
                        col: start.col + prefix,
                    },
                    pinned: false,
                },
            ))
        }
        Token::SingleQuotedString(v) => Some((
            v.clone(),
            Origin {
                pos: if v.contains('\'') {
                    start
                } else {
                    Pos {
                        line: start.line,
                        col: start.col + 1,
                    }
                },
                pinned: v.contains('\''),
            },
        )),
        Token::EscapedStringLiteral(v) | Token::UnicodeStringLiteral(v) => Some((
            v.clone(),
            Origin {
                pos: start,
                pinned: true,
            },
        )),
        _ => None,
    }
}

fn lang_of(t: &Token) -> Option<String> {
    match t {
        Token::Word(w) => Some(if w.quote_style.is_some() {
            w.value.clone()
        } else {
            w.value.to_ascii_lowercase()
        }),
        Token::SingleQuotedString(s) => Some(s.to_ascii_lowercase()),
        _ => None,
    }
}

impl Engine<'_> {
    /// `DO [LANGUAGE l] body [LANGUAGE l]`.
    pub(crate) fn do_block(&mut self, toks: &[TokenWithSpan], depth: u32, mentions: &[NameRef]) {
        let sig: Vec<&TokenWithSpan> = toks
            .iter()
            .filter(|t| !matches!(t.token, Token::Whitespace(_)))
            .collect();
        let do_pos = sig
            .first()
            .map_or(Pos::default(), |t| Pos::from_loc(t.span.start));
        let mut lang = ("plpgsql".to_string(), do_pos);
        let mut body = None;
        let mut i = 1;
        // Exactly `DO [LANGUAGE name] body [LANGUAGE name]`: anything else is not a DO
        // statement PostgreSQL would run, and must not be skipped.
        while i < sig.len() {
            match &sig[i].token {
                Token::Word(w) if w.value.eq_ignore_ascii_case("language") => {
                    match sig.get(i + 1).and_then(|t| lang_of(&t.token)) {
                        Some(l) => lang = (l, Pos::from_loc(sig[i + 1].span.start)),
                        None => {
                            return self.not_a_statement(
                                "DO",
                                sig.get(i + 1).copied(),
                                do_pos,
                                mentions,
                            )
                        }
                    }
                    i += 2;
                    continue;
                }
                _ if body.is_none() => match string_body(sig[i]) {
                    Some(b) => body = Some(b),
                    None => return self.not_a_statement("DO", Some(sig[i]), do_pos, mentions),
                },
                _ => return self.not_a_statement("DO", Some(sig[i]), do_pos, mentions),
            }
            i += 1;
        }
        match body {
            Some((text, origin)) => self.body(&lang.0, lang.1, &text, origin, depth + 1),
            None => self.report(
                &rules::pc014_unverifiable_body::RULE,
                do_pos,
                2,
                "DO block without a string body".into(),
                "write DO $$ … $$",
                None,
            ),
        }
    }

    /// A DO / CREATE FUNCTION statement with tokens that do not belong to it (e.g. statements
    /// merged by an unbalanced parenthesis): unparseable, never skipped.
    fn not_a_statement(
        &mut self,
        what: &str,
        at: Option<&TokenWithSpan>,
        fallback: Pos,
        mentions: &[NameRef],
    ) {
        let (pos, found) = match at {
            Some(t) => (Pos::from_loc(t.span.start), format!("found: {}", t.token)),
            None => (fallback, "found: EOF".to_string()),
        };
        self.unparseable(
            format!("not a valid {what} statement, {found}"),
            pos,
            mentions,
        );
    }

    /// `CREATE [OR REPLACE] FUNCTION|PROCEDURE name(…) … LANGUAGE l AS 'body'`.
    ///
    /// psql's `BEGIN … END` heuristic (psqlscan.l) keeps a `;` from ending a routine
    /// definition whenever a word `begin` appears in it, also as a routine's or schema's name
    /// (`CREATE FUNCTION begin.f() …; DELETE …;`): psql then sends several statements in one
    /// query string and the server runs each. Those are split here as the server's grammar
    /// does and analysed one by one.
    pub(crate) fn function(
        &mut self,
        sql: &str,
        origin: Origin,
        toks: &[TokenWithSpan],
        depth: u32,
        mentions: &[NameRef],
    ) {
        let segments = server_segments(sql);
        if segments.len() > 1 {
            let li = LineIndex::new(sql);
            for (a, b) in segments {
                self.analyze_sql(&sql[a..b], origin.at(li.pos(a)), depth);
            }
            return;
        }
        let sig: Vec<&TokenWithSpan> = toks
            .iter()
            .filter(|t| !matches!(t.token, Token::Whitespace(_)))
            .collect();
        // Unbalanced parentheses mean several statements were merged: not a routine definition
        // PostgreSQL would accept.
        let mut balance = 0i64;
        for t in &sig {
            match t.token {
                Token::LParen => balance += 1,
                Token::RParen => balance -= 1,
                _ => {}
            }
            if balance < 0 {
                return self.not_a_statement("CREATE FUNCTION", Some(t), Pos::default(), mentions);
            }
        }
        if balance != 0 {
            let start = sig
                .first()
                .map_or(Pos::default(), |t| Pos::from_loc(t.span.start));
            return self.not_a_statement("CREATE FUNCTION", None, start, mentions);
        }
        let kw = sig.iter().position(|t| {
            matches!(&t.token, Token::Word(w) if w.value.eq_ignore_ascii_case("function") || w.value.eq_ignore_ascii_case("procedure"))
        });
        let start = sig
            .first()
            .map_or(Pos::default(), |t| Pos::from_loc(t.span.start));
        let Some(kw) = kw else { return };
        // The routine's name: Word (. Word)*.
        let mut name = String::new();
        let mut name_pos = start;
        let mut j = kw + 1;
        while let Some(Token::Word(w)) = sig.get(j).map(|t| &t.token) {
            if name.is_empty() {
                name_pos = Pos::from_loc(sig[j].span.start);
            } else {
                name.push('.');
            }
            name.push_str(&w.value);
            if sig.get(j + 1).map(|t| &t.token) == Some(&Token::Period) {
                j += 2;
            } else {
                break;
            }
        }
        self.writes.push(Write {
            kind: WriteKind::Ddl("CREATE FUNCTION"),
            target: NameRef {
                schema: None,
                name: name.to_ascii_lowercase(),
                pos: name_pos,
                len: name.chars().count(),
                from_var: false,
            },
            cols: Cols::None,
            temp: false,
            trigger_off: false,
            stamps: Vec::new(),
            filter: Vec::new(),
        });
        let mut depth_p = 0i32;
        let mut lang: Option<(String, Pos)> = None;
        let mut body = None;
        let mut standard_body = false;
        // The options start after the name and its parameter list: a routine named `atomic`
        // or `return`, or a parameter named so, is not a body.
        let mut i = j + 1;
        if sig.get(i).map(|t| &t.token) == Some(&Token::LParen) {
            let mut d = 0i32;
            while i < sig.len() {
                match sig[i].token {
                    Token::LParen => d += 1,
                    Token::RParen => d -= 1,
                    _ => {}
                }
                i += 1;
                if d == 0 {
                    break;
                }
            }
        }
        while i < sig.len() {
            match &sig[i].token {
                Token::LParen => depth_p += 1,
                Token::RParen => depth_p -= 1,
                Token::Word(w) if depth_p == 0 && w.quote_style.is_none() => {
                    let v = w.value.to_ascii_lowercase();
                    if v == "language" {
                        if let Some(l) = sig.get(i + 1).and_then(|t| lang_of(&t.token)) {
                            lang = Some((l, Pos::from_loc(sig[i + 1].span.start)));
                        }
                    } else if v == "as" && body.is_none() {
                        body = sig.get(i + 1).and_then(|t| string_body(t));
                    } else if v == "return" {
                        standard_body = true;
                    } else if v == "begin"
                        && matches!(sig.get(i + 1).map(|t| &t.token),
                            Some(Token::Word(a)) if a.quote_style.is_none() && a.value.eq_ignore_ascii_case("atomic"))
                    {
                        self.begin_atomic(sql, origin, depth, mentions);
                        return;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        match (body, lang) {
            (Some((text, origin)), Some((l, lpos))) => {
                self.body(&l, lpos, &text, origin, depth + 1)
            }
            (Some((text, origin)), None) => self.body("sql", start, &text, origin, depth + 1),
            (None, _) if standard_body => {}
            (None, _) => self.report(
                &rules::pc014_unverifiable_body::RULE,
                start,
                6,
                "the routine's body could not be located".into(),
                "write … LANGUAGE plpgsql AS $$ … $$",
                None,
            ),
        }
    }

    /// `… BEGIN ATOMIC stmt; … END`: each statement of the body is analysed like top-level
    /// SQL (the server runs them when the routine is called).
    fn begin_atomic(&mut self, sql: &str, origin: Origin, depth: u32, mentions: &[NameRef]) {
        let li = LineIndex::new(sql);
        let (mut p, mut d) = (0usize, 0i32);
        let mut prev_begin = false;
        let mut body_start = None;
        let mut last_end: Option<Lex> = None;
        let mut last: Option<Lex> = None;
        while let Some(l) = next_lex(sql, p, sql.len()) {
            let s = &sql[l.start..l.end];
            match (l.kind, s) {
                (Lk::Punct, "(" | "[") => d += 1,
                (Lk::Punct, ")" | "]") => d -= 1,
                _ => {}
            }
            if body_start.is_none() && d == 0 && prev_begin && is_word(sql, &l, "atomic") {
                body_start = Some(l.end);
            }
            prev_begin = d == 0 && is_word(sql, &l, "begin");
            if is_word(sql, &l, "end") {
                last_end = Some(l);
            }
            if !(l.kind == Lk::Punct && s == ";") {
                last = Some(l);
            }
            p = l.end;
        }
        match (body_start, last_end, last) {
            (Some(a), Some(e), Some(z)) if e.start == z.start && e.start >= a => {
                for (x, y) in server_segments(&sql[a..e.start]) {
                    let (x, y) = (a + x, a + y);
                    self.analyze_sql(&sql[x..y], origin.at(li.pos(x)), depth + 1);
                }
            }
            _ => {
                let start = origin.map(li.pos(0));
                self.unparseable(
                    "a BEGIN ATOMIC body that does not end with its END".into(),
                    start,
                    mentions,
                );
            }
        }
    }

    /// Analyse a body in `lang`.
    pub(crate) fn body(
        &mut self,
        lang: &str,
        lang_pos: Pos,
        text: &str,
        origin: Origin,
        depth: u32,
    ) {
        match lang {
            "plpgsql" => self.plpgsql(text, origin, depth),
            "sql" => {
                let text = &*unicode_edited(text);
                let li = LineIndex::new(text);
                let mut sc = Scanner::new(text, false);
                for it in sc.by_ref() {
                    match it {
                        Item::Stmt(s) => {
                            let o = origin.at(li.pos(s.start));
                            self.analyze_sql(&text[s.start..s.end], o, depth);
                        }
                        Item::Unterminated { start, what, .. } => self.report(
                            &rules::pc011_unterminated_literal::RULE,
                            origin.map(li.pos(start)),
                            1,
                            format!("unterminated {what} in a function body"),
                            "close it",
                            None,
                        ),
                        Item::Meta(_) | Item::CopyData { .. } => {}
                    }
                }
                self.body_allows(sc.take_allows(), origin, &li);
            }
            other => self.report(
                &rules::pc014_unverifiable_body::RULE,
                lang_pos,
                other.chars().count(),
                format!("a body in LANGUAGE {other} cannot be analysed"),
                "write it in plpgsql or sql",
                None,
            ),
        }
    }

    fn plpgsql(&mut self, text: &str, origin: Origin, depth: u32) {
        let text = &*unicode_edited(text);
        let li = LineIndex::new(text);
        let mut declaring = false;
        let mut sc = Scanner::new(text, false);
        for it in sc.by_ref() {
            match it {
                Item::Stmt(s) => {
                    let ctx = Chunk {
                        li: &li,
                        o: origin,
                        d: depth,
                    };
                    self.pl_chunk(text, s.start, s.end, &ctx, &mut declaring);
                }
                Item::Unterminated { start, what, .. } => self.report(
                    &rules::pc011_unterminated_literal::RULE,
                    origin.map(li.pos(start)),
                    1,
                    format!("unterminated {what} in a PL/pgSQL body"),
                    "close it",
                    None,
                ),
                Item::Meta(_) | Item::CopyData { .. } => {}
            }
        }
        self.body_allows(sc.take_allows(), origin, &li);
    }

    fn pl_chunk(&mut self, t: &str, start: usize, end: usize, c: &Chunk, declaring: &mut bool) {
        let (li, o, d) = (c.li, c.o, c.d);
        let mut p = start;
        while let Some(l) = next_lex(t, p, end) {
            let s = &t[l.start..l.end];
            if *declaring {
                if is_word(t, &l, "begin") {
                    *declaring = false;
                    p = l.end;
                    continue;
                }
                let sql_verb = [
                    "insert", "update", "delete", "merge", "truncate", "copy", "select", "with",
                    "perform", "execute", "alter", "drop", "create", "grant", "revoke",
                ]
                .iter()
                .any(|k| is_word(t, &l, k));
                if sql_verb {
                    // Not a declaration: PostgreSQL would reject it, but never skip a write.
                    *declaring = false;
                } else if !(is_word(t, &l, "declare") || (l.kind == Lk::Punct && s == "<<")) {
                    // `name [NO] [SCROLL] CURSOR [(args)] FOR|IS query`: the query runs when
                    // the cursor is opened.
                    if let Some(q) = cursor_query(t, l.end, end) {
                        self.scan_expr(t, l.start, q, li, o);
                        return self.pl_sql(t, q, end, li, o, d);
                    }
                    // `name [CONSTANT] type [NOT NULL] [:= expr]`, `name ALIAS FOR …`.
                    return self.scan_expr(t, l.start, end, li, o);
                }
            }
            let w = if l.kind == Lk::Word {
                s.to_ascii_lowercase()
            } else {
                String::new()
            };
            if l.kind == Lk::Punct && s == "<<" {
                p = find_punct(t, l.end, end, ">>").unwrap_or(end);
                continue;
            }
            match w.as_str() {
                "declare" => {
                    *declaring = true;
                    p = l.end;
                }
                "begin" | "exception" | "loop" | "else" => {
                    p = l.end;
                }
                "end" => return,
                "if" | "elsif" | "elseif" | "while" | "when" => {
                    match find_kw(t, l.end, end, &["then", "loop"]) {
                        Some(k) => {
                            self.scan_expr(t, l.end, k.start, li, o);
                            p = k.end;
                        }
                        None => return self.scan_expr(t, l.end, end, li, o),
                    }
                }
                "case" => match find_kw(t, l.end, end, &["when"]) {
                    Some(k) => {
                        self.scan_expr(t, l.end, k.start, li, o);
                        p = k.start;
                    }
                    None => return self.scan_expr(t, l.end, end, li, o),
                },
                "for" | "foreach" => {
                    let Some(k) = find_kw(t, l.end, end, &["loop"]) else {
                        return self.scan_expr(t, l.end, end, li, o);
                    };
                    match find_kw(t, l.end, k.start, &["in"]) {
                        Some(inn) if w == "for" => self.for_in(t, inn.end, k.start, c),
                        _ => self.scan_expr(t, l.end, k.start, li, o),
                    }
                    p = k.end;
                }
                "return" => {
                    match next_lex(t, l.end, end) {
                        Some(q) if is_word(t, &q, "query") => match next_lex(t, q.end, end) {
                            Some(x) if is_word(t, &x, "execute") => {
                                self.dynamic(t, x, end, li, o, d)
                            }
                            Some(x) => self.pl_sql(t, x.start, end, li, o, d),
                            None => {}
                        },
                        _ => self.scan_expr(t, l.end, end, li, o),
                    }
                    return;
                }
                "perform" => {
                    let sql = format!("select {}", &t[l.end..end]);
                    let so = o.at(li.pos(l.start));
                    self.analyze_sql(&sql, so, d);
                    return;
                }
                "execute" => return self.dynamic(t, l, end, li, o, d),
                "open" => {
                    // `OPEN c [[NO] SCROLL] FOR query | FOR EXECUTE expr`, or a bound cursor's
                    // `OPEN c [(args)]`.
                    match find_kw(t, l.end, end, &["for"]) {
                        Some(f) => match next_lex(t, f.end, end) {
                            Some(x) if is_word(t, &x, "execute") => {
                                self.dynamic(t, x, end, li, o, d)
                            }
                            Some(x) => self.pl_sql(t, x.start, end, li, o, d),
                            None => {}
                        },
                        None => self.scan_expr(t, l.end, end, li, o),
                    }
                    return;
                }
                "raise" | "assert" | "get" | "null" | "exit" | "continue" | "fetch" | "move"
                | "close" | "call" | "commit" | "rollback" => {
                    return self.scan_expr(t, l.start, end, li, o);
                }
                "" if l.kind == Lk::Punct && s == "(" => {
                    return self.pl_sql(t, l.start, end, li, o, d)
                }
                _ => {
                    if self.is_assignment(t, l, end) {
                        return self.scan_expr(t, l.start, end, li, o);
                    }
                    return self.pl_sql(t, l.start, end, li, o, d);
                }
            }
        }
    }

    /// `FOR target IN …` up to `LOOP`, read as pl_gram.y does: `EXECUTE` is dynamic SQL, a
    /// `..` at depth 0 makes an integer range (expressions), a bound cursor's name (with
    /// arguments) is an expression, and anything else is a query of any kind (DML with
    /// RETURNING, EXPLAIN, parenthesised, WITH …), analysed as a statement.
    fn for_in(&mut self, t: &str, start: usize, end: usize, c: &Chunk) {
        let (li, o, d) = (c.li, c.o, c.d);
        let mut a = next_lex(t, start, end);
        let mut from = start;
        if let Some(r) = a.filter(|a| is_word(t, a, "reverse")) {
            // REVERSE is only an integer loop's.
            from = r.end;
            a = next_lex(t, r.end, end);
        }
        let Some(a) = a else { return };
        if is_word(t, &a, "execute") {
            return self.dynamic(t, a, end, li, o, d);
        }
        if find_punct_depth0(t, from, end, "..") || from != start {
            return self.scan_expr(t, from, end, li, o);
        }
        // A cursor: one identifier, then nothing or a parenthesised argument list.
        if matches!(a.kind, Lk::Word | Lk::QWord) {
            match next_lex(t, a.end, end) {
                None => return self.scan_expr(t, a.start, end, li, o),
                Some(n) if n.kind == Lk::Punct && &t[n.start..n.end] == "(" => {
                    let close = find_close(t, n.end, end);
                    if close.is_some_and(|cl| next_lex(t, cl, end).is_none()) {
                        return self.scan_expr(t, a.start, end, li, o);
                    }
                }
                _ => {}
            }
        }
        self.pl_sql(t, a.start, end, li, o, d);
    }

    /// `target[.field|[i]]* := expr` / `= expr`.
    fn is_assignment(&self, t: &str, first: Lex, end: usize) -> bool {
        if !matches!(first.kind, Lk::Word | Lk::QWord) {
            return false;
        }
        let mut p = first.end;
        while let Some(l) = next_lex(t, p, end) {
            let s = &t[l.start..l.end];
            match (l.kind, s) {
                (Lk::Punct, ":=" | "=") => return true,
                (Lk::Punct, ".") => {
                    p = l.end;
                    match next_lex(t, p, end) {
                        Some(n) if matches!(n.kind, Lk::Word | Lk::QWord) => p = n.end,
                        _ => return false,
                    }
                }
                (Lk::Punct, "[") => p = find_punct(t, l.end, end, "]").unwrap_or(end),
                _ => return false,
            }
        }
        false
    }

    /// Token-level checks on an expression.
    fn scan_expr(&mut self, t: &str, start: usize, end: usize, li: &LineIndex, o: Origin) {
        if !self.may_need_token_scan(&t[start..end]) {
            return;
        }
        let so = o.at(li.pos(start));
        match Tokenizer::new(&self.dialect, &t[start..end]).tokenize_with_location() {
            Ok(mut toks) => {
                for tk in &mut toks {
                    let s = so.map(Pos::from_loc(tk.span.start));
                    tk.span.start.line = s.line;
                    tk.span.start.column = s.col;
                }
                self.scan_tokens(&toks, false);
            }
            Err(e) => self.report(
                &rules::pc012_unreadable_text::RULE,
                so.map(Pos::from_loc(e.location)),
                1,
                format!(
                    "the SQL tokenizer rejected this PL/pgSQL expression: {}",
                    e.message
                ),
                "remove or quote the offending character",
                None,
            ),
        }
    }

    /// A SQL statement inside PL/pgSQL: blank out `INTO [STRICT] targets` and analyse.
    fn pl_sql(&mut self, t: &str, start: usize, end: usize, li: &LineIndex, o: Origin, d: u32) {
        let mut sql = t[start..end].to_string();
        if let Some((a, b)) = plpgsql_into(t, start, end) {
            let blank: String = t[a..b]
                .chars()
                .map(|c| if c == '\n' { '\n' } else { ' ' })
                .collect();
            sql = format!("{}{}{}", &t[start..a], blank, &t[b..end]);
        }
        self.analyze_sql(&sql, o.at(li.pos(start)), d);
    }

    /// `EXECUTE <expr> [INTO …] [USING …]`: constants are analysed, anything else is a finding.
    fn dynamic(&mut self, t: &str, exec: Lex, end: usize, li: &LineIndex, o: Origin, d: u32) {
        let exec_pos = o.map(li.pos(exec.start));
        let arg = string_constant(t, exec.end, end);
        let after = arg.and_then(|a| next_lex(t, a.end, end));
        let constant = match (arg, after) {
            (Some(a), None) if a.kind == Lk::Str => Some(a),
            (Some(a), Some(n))
                if a.kind == Lk::Str && (is_word(t, &n, "into") || is_word(t, &n, "using")) =>
            {
                Some(a)
            }
            _ => None,
        };
        let Some(a) = constant else {
            // Dynamic SQL that spells out a protected name can never be waived.
            let may = !self.text_mentions_protected(&t[exec.start..end]);
            self.report_full(
                &rules::pc013_dynamic_sql::RULE,
                exec_pos,
                7,
                "EXECUTE of a computed string cannot be proven safe (dynamic SQL)".into(),
                "write the statement out, or EXECUTE a constant string",
                None,
                may,
            );
            return;
        };
        if let Some(n) = after {
            self.scan_expr(t, n.start, end, li, o);
        }
        let lit_origin = o.at(li.pos(a.start));
        let Ok(toks) = Tokenizer::new(&self.dialect, &t[a.start..a.end]).tokenize_with_location()
        else {
            self.report(
                &rules::pc013_dynamic_sql::RULE,
                exec_pos,
                7,
                "EXECUTE of a string that cannot be read".into(),
                "write the statement out",
                None,
            );
            return;
        };
        let parts: Vec<TokenWithSpan> = toks
            .into_iter()
            .filter(|x| !matches!(x.token, Token::Whitespace(_)))
            .collect();
        let Some(tok) = parts.first() else {
            return;
        };
        let mut tok = tok.clone();
        let s = lit_origin.map(Pos::from_loc(tok.span.start));
        tok.span.start.line = s.line;
        tok.span.start.column = s.col;
        let Some((mut body, mut bo)) = string_body(&tok) else {
            return;
        };
        // `'…'<newline>'…'` is one literal to PostgreSQL: the pieces' values, joined.
        for more in &parts[1..] {
            match string_body(more) {
                Some((v, _)) => {
                    body.push_str(&v);
                    bo.pinned = true;
                }
                None => return,
            }
        }
        let bli = LineIndex::new(&body);
        for it in Scanner::new(&body, false) {
            match it {
                Item::Stmt(st) => {
                    let so = bo.at(bli.pos(st.start));
                    self.analyze_sql(&body[st.start..st.end], so, d + 1);
                }
                Item::Unterminated { start, what, .. } => self.report(
                    &rules::pc011_unterminated_literal::RULE,
                    bo.map(bli.pos(start)),
                    1,
                    format!("unterminated {what} in an EXECUTE string"),
                    "close it",
                    None,
                ),
                Item::Meta(_) | Item::CopyData { .. } => {}
            }
        }
    }
}

/// A body with its `U&"…"` identifiers decoded (same character count per line, so positions
/// still map to the file), borrowed unchanged when it has none.
fn unicode_edited(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("U&") && !text.contains("u&") {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut edits = Vec::new();
    for it in Scanner::new(text, false) {
        if let Item::Stmt(s) = it {
            edits.extend(s.edits);
        }
    }
    if edits.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let whole = crate::lint::scan::Stmt {
        start: 0,
        end: text.len(),
        term: text.len(),
        edits,
        vars: Vec::new(),
        ..crate::lint::scan::Stmt::default()
    };
    std::borrow::Cow::Owned(crate::lint::scan::edited(text, &whole).into_owned())
}

/// The statements of a query string as the server's grammar splits them: at each `;` outside
/// parentheses and outside a `BEGIN ATOMIC … END` body (whose `CASE … END`s nest), quotes,
/// dollar quotes and comments skipped. Pieces holding only comments and space are dropped.
fn server_segments(t: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let (mut depth, mut atomic) = (0i32, 0u32);
    let mut seg = 0usize;
    let mut prev_begin = false;
    let mut p = 0usize;
    let mut any = false;
    while let Some(l) = next_lex(t, p, t.len()) {
        let s = &t[l.start..l.end];
        let word = |k: &str| l.kind == Lk::Word && s.eq_ignore_ascii_case(k);
        match l.kind {
            Lk::Punct if s == "(" || s == "[" => depth += 1,
            Lk::Punct if s == ")" || s == "]" => depth -= 1,
            Lk::Punct if s == ";" && depth <= 0 && atomic == 0 => {
                if any {
                    out.push((seg, l.start));
                }
                seg = l.end;
                any = false;
                p = l.end;
                prev_begin = false;
                continue;
            }
            _ if depth <= 0 && atomic == 0 && prev_begin && word("atomic") => atomic = 1,
            _ if atomic > 0 && (word("begin") || word("case")) => atomic += 1,
            _ if atomic > 0 && word("end") => atomic -= 1,
            _ => {}
        }
        any = true;
        prev_begin = depth <= 0 && word("begin");
        p = l.end;
    }
    if any {
        out.push((seg, t.len()));
    }
    out
}

/// The string constant at `from`: `'…'`, `E'…'`, `$tag$…$tag$`, continued across
/// whitespace holding a newline (`'a'<newline>'b'` is one literal); another lexeme when the
/// argument is not one.
fn string_constant(t: &str, from: usize, end: usize) -> Option<Lex> {
    let mut a = next_lex(t, from, end)?;
    if a.kind == Lk::Word && a.end - a.start == 1 && matches!(t.as_bytes()[a.start], b'e' | b'E') {
        match next_lex(t, a.end, end) {
            Some(s) if s.kind == Lk::Str && s.start == a.end && t.as_bytes()[s.start] == b'\'' => {
                a = Lex {
                    kind: Lk::Str,
                    start: a.start,
                    end: s.end,
                };
            }
            _ => return Some(a),
        }
    }
    if a.kind != Lk::Str || t.as_bytes()[a.end - 1] != b'\'' {
        return Some(a);
    }
    while let Some(n) = next_lex(t, a.end, end) {
        let continued = n.kind == Lk::Str
            && t.as_bytes()[n.start] == b'\''
            && continues_literal(&t[a.end..n.start]);
        if !continued {
            break;
        }
        a.end = n.end;
    }
    Some(a)
}

/// Whether the text between two literals joins them, as PostgreSQL's scan.l
/// `whitespace_with_newline` does: spaces and `--` comments holding at least one newline.
fn continues_literal(gap: &str) -> bool {
    let mut newline = false;
    let mut rest = gap;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("--") {
            match rest.find(['\n', '\r']) {
                Some(i) => rest = &rest[i..],
                None => return false,
            }
        } else if c.is_whitespace() {
            newline |= c == '\n' || c == '\r';
            rest = &rest[c.len_utf8()..];
        } else {
            return false;
        }
    }
    newline
}

/// Where the query of a cursor declaration starts (after `… CURSOR [(args)] FOR|IS`), when
/// `t[from..end]` (after the variable's name) declares a cursor.
fn cursor_query(t: &str, from: usize, end: usize) -> Option<usize> {
    let mut l = next_lex(t, from, end)?;
    if is_word(t, &l, "no") {
        l = next_lex(t, l.end, end)?;
    }
    if is_word(t, &l, "scroll") {
        l = next_lex(t, l.end, end)?;
    }
    if !is_word(t, &l, "cursor") {
        return None;
    }
    let mut n = next_lex(t, l.end, end)?;
    if n.kind == Lk::Punct && &t[n.start..n.end] == "(" {
        n = next_lex(t, find_close(t, n.end, end)?, end)?;
    }
    (is_word(t, &n, "for") || is_word(t, &n, "is")).then_some(n.end)
}

/// The end of the parenthesis opened just before `from`.
fn find_close(t: &str, mut from: usize, end: usize) -> Option<usize> {
    let mut depth = 1i32;
    while let Some(l) = next_lex(t, from, end) {
        if l.kind == Lk::Punct {
            match &t[l.start..l.end] {
                "(" | "[" => depth += 1,
                ")" | "]" => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(l.end);
                    }
                }
                _ => {}
            }
        }
        from = l.end;
    }
    None
}

/// Whether punctuation `p` occurs at parenthesis depth 0 in `t[from..end]`.
fn find_punct_depth0(t: &str, mut from: usize, end: usize, p: &str) -> bool {
    let mut depth = 0i32;
    while let Some(l) = next_lex(t, from, end) {
        if l.kind == Lk::Punct {
            match &t[l.start..l.end] {
                "(" | "[" => depth += 1,
                ")" | "]" => depth -= 1,
                x if x == p && depth == 0 => return true,
                _ => {}
            }
        }
        from = l.end;
    }
    false
}

fn find_punct(t: &str, mut from: usize, end: usize, p: &str) -> Option<usize> {
    while let Some(l) = next_lex(t, from, end) {
        if l.kind == Lk::Punct && &t[l.start..l.end] == p {
            return Some(l.end);
        }
        from = l.end;
    }
    None
}

/// The byte range of a PL/pgSQL `INTO [STRICT] target[, target…]` clause at depth 0 of a
/// SQL statement (not the `INTO` of `INSERT INTO` / `MERGE INTO`).
fn plpgsql_into(t: &str, start: usize, end: usize) -> Option<(usize, usize)> {
    let mut depth = 0i32;
    let mut prev_word = String::new();
    let mut p = start;
    while let Some(l) = next_lex(t, p, end) {
        let s = &t[l.start..l.end];
        match l.kind {
            Lk::Punct if s == "(" || s == "[" => depth += 1,
            Lk::Punct if s == ")" || s == "]" => depth -= 1,
            Lk::Word
                if depth == 0
                    && s.eq_ignore_ascii_case("into")
                    && prev_word != "insert"
                    && prev_word != "merge" =>
            {
                let mut q = l.end;
                let mut last = l.end;
                if let Some(n) = next_lex(t, q, end) {
                    if is_word(t, &n, "strict") {
                        q = n.end;
                        last = n.end;
                    }
                }
                while let Some(n) = next_lex(t, q, end) {
                    if !matches!(n.kind, Lk::Word | Lk::QWord) {
                        break;
                    }
                    last = n.end;
                    q = n.end;
                    match next_lex(t, q, end) {
                        Some(x)
                            if matches!(&t[x.start..x.end], "." | ",") && x.kind == Lk::Punct =>
                        {
                            q = x.end;
                        }
                        _ => break,
                    }
                }
                return Some((l.start, last));
            }
            _ => {}
        }
        if l.kind == Lk::Word {
            prev_word = s.to_ascii_lowercase();
        }
        p = l.end;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_segments_split_merged_routines_as_the_server_does() {
        let t = "CREATE FUNCTION begin.f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$; DELETE FROM x; -- c\n";
        let segs: Vec<&str> = server_segments(t).iter().map(|&(a, b)| &t[a..b]).collect();
        assert_eq!(
            segs,
            [
                "CREATE FUNCTION begin.f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$",
                " DELETE FROM x"
            ]
        );
        let t = "CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 2; END";
        assert_eq!(server_segments(t), [(0, t.len())]);
        let t = "CREATE FUNCTION f(a int DEFAULT (1); ) x";
        assert_eq!(server_segments(t).len(), 1);
    }

    #[test]
    fn finds_plpgsql_into() {
        let t = "SELECT count(*) INTO STRICT n FROM x";
        let (a, b) = plpgsql_into(t, 0, t.len()).expect("into");
        assert_eq!(&t[a..b], "INTO STRICT n");
        let t = "INSERT INTO t VALUES (1) RETURNING id INTO v_id";
        let (a, b) = plpgsql_into(t, 0, t.len()).expect("into");
        assert_eq!(&t[a..b], "INTO v_id");
    }
}
