//! The schema-aware mode's reading of a schema written as SQL (a packet's `fixture/schema.sql`,
//! a `pg_dump --schema-only`): the same [`Edge`]s the live catalog export lists, found with the
//! linter's own psql splitter and SQL tokenizer.
//!
//! Names PostgreSQL generates are generated here the same way (`src/backend/commands/indexcmds.c`
//! `ChooseRelationName`/`makeObjectName`, `pg_constraint.c` `ChooseConstraintName`): a primary
//! key is `t_pkey`, a unique constraint `t_a_b_key`, a foreign key `t_a_fkey`, a check `t_a_check`
//! when its expression reads one column and `t_check` otherwise (`t_check1`, … when taken), an
//! identity or serial column's sequence `t_a_seq`, each cut to 63 bytes. The comparison with a
//! real server's catalog is a test (`tests/it/lint/schema_pg.rs`).

use std::collections::HashSet;

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

use crate::lint::names;
use crate::lint::scan::{self, Item, Scanner};
use crate::lint::schema::{DependentKind as K, Edge, QName};

/// PostgreSQL's `NAMEDATALEN - 1`.
const MAX_NAME: usize = 63;

fn sig_tokens(sql: &str) -> Vec<TokenWithSpan> {
    Tokenizer::new(&PostgreSqlDialect {}, sql)
        .tokenize_with_location()
        .map(|t| {
            t.into_iter()
                .filter(|t| !matches!(t.token, Token::Whitespace(_)))
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn is_kw(t: Option<&TokenWithSpan>, k: &str) -> bool {
    matches!(t.map(|t| &t.token), Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k))
}

/// A qualified name starting at `i`: (schema, name, index after it).
pub(crate) fn name_at(
    sig: &[TokenWithSpan],
    mut i: usize,
) -> Option<(Option<String>, String, usize)> {
    let mut parts = Vec::new();
    while let Some(Token::Word(w)) = sig.get(i).map(|t| &t.token) {
        parts.push(names::fold_word(w));
        if sig.get(i + 1).map(|t| &t.token) == Some(&Token::Period) {
            i += 2;
        } else {
            i += 1;
            break;
        }
    }
    let name = parts.pop()?;
    Some((parts.pop(), name, i))
}

/// Skip the given optional keyword sequences at `i`.
pub(crate) fn skip(sig: &[TokenWithSpan], mut i: usize, opts: &[&[&str]]) -> usize {
    loop {
        let before = i;
        for seq in opts {
            if seq
                .iter()
                .enumerate()
                .all(|(k, w)| is_kw(sig.get(i + k), w))
            {
                i += seq.len();
            }
        }
        if i == before {
            return i;
        }
    }
}

/// The index after the parenthesised group opening at `i` (or `i` when none opens there).
pub(crate) fn after_parens(sig: &[TokenWithSpan], i: usize) -> usize {
    if sig.get(i).map(|t| &t.token) != Some(&Token::LParen) {
        return i;
    }
    let mut depth = 0usize;
    let mut m = i;
    while let Some(t) = sig.get(m) {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return m + 1;
                }
            }
            _ => {}
        }
        m += 1;
    }
    m
}

/// Split `sig[from..to]` at depth-0 commas.
fn split_commas(sig: &[TokenWithSpan], from: usize, to: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = from;
    for (k, t) in sig.iter().enumerate().take(to).skip(from) {
        match t.token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth = depth.saturating_sub(1),
            Token::Comma if depth == 0 => {
                out.push((start, k));
                start = k + 1;
            }
            _ => {}
        }
    }
    if start < to {
        out.push((start, to));
    }
    out
}

/// The names inside the parenthesised list opening at `i`.
fn name_list(sig: &[TokenWithSpan], i: usize) -> Vec<String> {
    let end = after_parens(sig, i);
    if end == i {
        return Vec::new();
    }
    split_commas(sig, i + 1, end.saturating_sub(1))
        .into_iter()
        .filter_map(|(a, _)| match &sig[a].token {
            Token::Word(w) => Some(names::fold_word(w)),
            _ => None,
        })
        .collect()
}

/// PostgreSQL's `Choose…Name` loop: `label`, then `label1`, `label2`, … until the name made
/// of them is not yet in `taken` (which then holds it).
fn choose_name(
    taken: &mut HashSet<String>,
    name1: &str,
    name2: Option<&str>,
    label: &str,
) -> String {
    let mut pass = 0;
    loop {
        let l = if pass == 0 {
            label.to_owned()
        } else {
            format!("{label}{pass}")
        };
        let n = make_object_name(name1, name2, &l);
        if taken.insert(n.clone()) {
            return n;
        }
        pass += 1;
    }
}

/// `makeObjectName`: `name1[_name2][_label]`, the longer part cut first to fit 63 bytes.
fn make_object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let mut n1 = name1.len();
    let mut n2 = name2.map_or(0, str::len);
    let mut overhead = if label.is_empty() { 0 } else { label.len() + 1 };
    if name2.is_some() {
        overhead += 1;
    }
    let avail = MAX_NAME.saturating_sub(overhead);
    while n1 + n2 > avail {
        if n1 > n2 {
            n1 -= 1;
        } else {
            n2 -= 1;
        }
    }
    let clip = |s: &str, mut n: usize| {
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        s[..n].to_owned()
    };
    let mut out = clip(name1, n1);
    if let Some(n) = name2 {
        out.push('_');
        out.push_str(&clip(n, n2));
    }
    if !label.is_empty() {
        out.push('_');
        out.push_str(label);
    }
    out
}

/// `ChooseIndexNameAddition` / `ChooseForeignKeyConstraintNameAddition`: the column names
/// joined by `_`, stopping once 63 bytes are reached.
fn name_addition(cols: &[String]) -> Option<String> {
    let mut out = String::new();
    for c in cols {
        if !out.is_empty() {
            out.push('_');
        }
        out.push_str(c);
        if out.len() >= MAX_NAME {
            break;
        }
    }
    (!cols.is_empty()).then_some(out)
}

/// One table as the schema text defines it.
#[derive(Debug, Default, Clone)]
struct Table {
    name: QName,
    columns: Vec<String>,
    /// Primary key / unique constraints: (name, columns; empty for a primary key named later).
    keys: Vec<(String, Vec<String>, bool)>,
}

/// What the reading has seen so far.
#[derive(Default)]
struct Reader {
    edges: Vec<Edge>,
    tables: Vec<Table>,
    domains: Vec<QName>,
    types: Vec<QName>,
    functions: Vec<QName>,
    /// Constraint names taken (`ChooseConstraintName` checks the namespace's constraints).
    constraint_names: HashSet<String>,
    /// Relation names taken (`ChooseRelationName`: indexes, sequences).
    relation_names: HashSet<String>,
}

/// Every dependency edge the schema text defines (for every table; the policy picks later).
#[must_use]
pub fn edges(schema_sql: &str) -> Vec<Edge> {
    let mut r = Reader::default();
    for item in Scanner::new(schema_sql, true) {
        let Item::Stmt(s) = item else { continue };
        let text = scan::edited(schema_sql, &s);
        let sig = sig_tokens(&text);
        if is_kw(sig.first(), "create") || is_kw(sig.first(), "alter") {
            r.statement(&sig);
        }
    }
    let mut seen = HashSet::new();
    r.edges.retain(|e| seen.insert(e.clone()));
    r.edges
}

fn qn(schema: Option<String>, name: String) -> QName {
    QName { schema, name }
}

fn same(a: &QName, b: &QName) -> bool {
    a.name == b.name
        && match (&a.schema, &b.schema) {
            (Some(x), Some(y)) => x == y,
            _ => true,
        }
}

impl Reader {
    fn edge(&mut self, table: &QName, kind: K, object: QName, on: Option<String>) {
        self.edges.push(Edge {
            table: table.clone(),
            kind,
            object,
            on,
        });
    }

    fn table_mut(&mut self, name: &QName) -> Option<&mut Table> {
        self.tables.iter_mut().find(|t| same(&t.name, name))
    }

    /// `ChooseRelationName`: the first free `base`, `base1`, … among relation names.
    fn relation_name(&mut self, name1: &str, name2: Option<&str>, label: &str) -> String {
        choose_name(&mut self.relation_names, name1, name2, label)
    }

    /// `ChooseConstraintName`: the same among constraint names.
    fn constraint_name(&mut self, name1: &str, name2: Option<&str>, label: &str) -> String {
        choose_name(&mut self.constraint_names, name1, name2, label)
    }

    fn statement(&mut self, sig: &[TokenWithSpan]) {
        let create = is_kw(sig.first(), "create");
        let i = skip(
            sig,
            1,
            &[
                &["or", "replace"],
                &["unique"],
                &["constraint"],
                &["temp"],
                &["temporary"],
                &["materialized"],
                &["recursive"],
                &["unlogged"],
                &["global"],
                &["local"],
            ],
        );
        let at = |k: &str| is_kw(sig.get(i), k);
        if create && at("trigger") {
            self.create_trigger(sig, i);
        } else if create && at("index") {
            self.create_index(sig, i);
        } else if create && at("view") {
            self.create_view(sig, i);
        } else if create && at("table") {
            self.create_table(sig, i);
        } else if !create && at("table") {
            self.alter_table(sig, i);
        } else if create && (at("domain") || at("type")) {
            if let Some((s, n, _)) = name_at(sig, i + 1) {
                if at("domain") {
                    self.domains.push(qn(s, n));
                } else {
                    self.types.push(qn(s, n));
                }
            }
        } else if create && (at("function") || at("procedure")) {
            if let Some((s, n, _)) = name_at(sig, i + 1) {
                self.functions.push(qn(s, n));
            }
        } else if at("sequence") {
            // CREATE SEQUENCE s … OWNED BY t.c / ALTER SEQUENCE s OWNED BY t.c
            let j = skip(sig, i + 1, &[&["if", "not", "exists"], &["if", "exists"]]);
            let Some((s, n, k)) = name_at(sig, j) else {
                return;
            };
            if create {
                self.relation_names.insert(n.clone());
            }
            if let Some(o) =
                (k..sig.len()).find(|&m| is_kw(sig.get(m), "owned") && is_kw(sig.get(m + 1), "by"))
            {
                let mut parts = Vec::new();
                let mut m = o + 2;
                while let Some(Token::Word(w)) = sig.get(m).map(|t| &t.token) {
                    parts.push(names::fold_word(w));
                    if sig.get(m + 1).map(|t| &t.token) != Some(&Token::Period) {
                        break;
                    }
                    m += 2;
                }
                if parts.len() >= 2 {
                    parts.pop();
                    let tn = parts.pop().unwrap_or_default();
                    let table = qn(parts.pop(), tn);
                    self.edge(&table, K::Sequence, qn(s, n), None);
                }
            }
        }
    }

    fn create_trigger(&mut self, sig: &[TokenWithSpan], i: usize) {
        // CREATE [CONSTRAINT] TRIGGER name … ON table … EXECUTE FUNCTION|PROCEDURE f(…)
        let on = (i..sig.len()).find(|&k| is_kw(sig.get(k), "on"));
        let exec = (i..sig.len()).find(|&k| is_kw(sig.get(k), "execute"));
        if let (Some(on), Some(exec)) = (on, exec) {
            if let (Some((ts, tn, _)), Some((fs, fname, _))) =
                (name_at(sig, on + 1), name_at(sig, exec + 2))
            {
                self.edge(&qn(ts, tn), K::TriggerFunction, qn(fs, fname), None);
            }
        }
    }

    fn create_index(&mut self, sig: &[TokenWithSpan], i: usize) {
        let j = skip(sig, i + 1, &[&["concurrently"], &["if", "not", "exists"]]);
        let (idx, after) = if is_kw(sig.get(j), "on") {
            (None, j)
        } else {
            match name_at(sig, j) {
                Some((s, n, k)) => (Some((s, n)), k),
                None => return,
            }
        };
        if !is_kw(sig.get(after), "on") {
            return;
        }
        let k = skip(sig, after + 1, &[&["only"]]);
        let Some((ts, tn, rest)) = name_at(sig, k) else {
            return;
        };
        let table = qn(ts, tn);
        let (s, n) = match idx {
            Some(x) => x,
            None => {
                // `ChooseIndexName`: table_col…_idx.
                let cols: Vec<String> = (rest..sig.len())
                    .find(|&m| sig[m].token == Token::LParen)
                    .map(|m| name_list(sig, m))
                    .unwrap_or_default();
                let add = name_addition(&cols);
                (None, self.relation_name(&table.name, add.as_deref(), "idx"))
            }
        };
        self.relation_names.insert(n.clone());
        self.edge(&table, K::Index, qn(s, n), None);
        self.functions_used(&table, &sig[rest..]);
    }

    fn create_view(&mut self, sig: &[TokenWithSpan], i: usize) {
        let j = skip(sig, i + 1, &[&["if", "not", "exists"]]);
        let Some((s, n, k)) = name_at(sig, j) else {
            return;
        };
        let view = qn(s, n);
        let mut read: Vec<QName> = Vec::new();
        for (m, t) in sig.iter().enumerate().skip(k) {
            let Token::Word(w) = &t.token else { continue };
            if sig.get(m + 1).map(|t| &t.token) == Some(&Token::Period) {
                continue;
            }
            let schema = (m >= 2 && sig[m - 1].token == Token::Period)
                .then(|| match &sig[m - 2].token {
                    Token::Word(s) => Some(names::fold_word(s)),
                    _ => None,
                })
                .flatten();
            let name = qn(schema, names::fold_word(w));
            if let Some(t) = self.tables.iter().find(|t| same(&t.name, &name)) {
                if !read.contains(&t.name) {
                    read.push(t.name.clone());
                }
            }
        }
        for t in read {
            self.edge(&t, K::View, view.clone(), None);
        }
    }

    fn create_table(&mut self, sig: &[TokenWithSpan], i: usize) {
        let j = skip(sig, i + 1, &[&["if", "not", "exists"]]);
        let Some((s, n, k)) = name_at(sig, j) else {
            return;
        };
        let table = qn(s, n);
        self.relation_names.insert(table.name.clone());
        self.tables.push(Table {
            name: table.clone(),
            ..Table::default()
        });
        let mut m = k;
        if is_kw(sig.get(m), "partition") && is_kw(sig.get(m + 1), "of") {
            if let Some((ps, pn, after)) = name_at(sig, m + 2) {
                self.edge(&qn(ps, pn), K::Child, table.clone(), None);
                m = after;
            }
        } else if is_kw(sig.get(m), "of") {
            m = name_at(sig, m + 1).map_or(m + 1, |x| x.2);
        }
        let end = after_parens(sig, m);
        if end > m {
            let parts = split_commas(sig, m + 1, end - 1);
            // Columns first: a check's generated name depends on the columns it reads.
            for &(a, _) in &parts {
                if !is_table_constraint(sig, a) {
                    if let Some(Token::Word(w)) = sig.get(a).map(|t| &t.token) {
                        let c = names::fold_word(w);
                        if let Some(t) = self.table_mut(&table) {
                            t.columns.push(c);
                        }
                    }
                }
            }
            for (a, b) in parts {
                if is_table_constraint(sig, a) {
                    self.table_constraint(&table, sig, a, b);
                } else {
                    self.column(&table, sig, a, b);
                }
            }
        }
        if let Some(h) = (end..sig.len()).find(|&x| is_kw(sig.get(x), "inherits")) {
            let close = after_parens(sig, h + 1);
            for (a, _) in split_commas(sig, h + 2, close.saturating_sub(1)) {
                if let Some((ps, pn, _)) = name_at(sig, a) {
                    self.edge(&qn(ps, pn), K::Child, table.clone(), None);
                }
            }
        }
    }

    fn alter_table(&mut self, sig: &[TokenWithSpan], i: usize) {
        let j = skip(sig, i + 1, &[&["if", "exists"], &["only"]]);
        let Some((s, n, mut k)) = name_at(sig, j) else {
            return;
        };
        let table = qn(s, n);
        if sig.get(k).map(|t| &t.token) == Some(&Token::Mul) {
            k += 1;
        }
        for (a, b) in split_commas(sig, k, sig.len()) {
            let kw = |o: usize, w: &str| is_kw(sig.get(a + o), w);
            if kw(0, "add") {
                let c = skip(sig, a + 1, &[&["column"], &["if", "not", "exists"]]);
                if is_table_constraint(sig, c) {
                    self.table_constraint(&table, sig, c, b);
                } else if let Some(Token::Word(w)) = sig.get(c).map(|t| &t.token) {
                    let col = names::fold_word(w);
                    if let Some(t) = self.table_mut(&table) {
                        t.columns.push(col);
                    }
                    self.column(&table, sig, c, b);
                }
            } else if kw(0, "alter") {
                // ALTER [COLUMN] c SET DEFAULT … | ADD GENERATED … AS IDENTITY
                let c = skip(sig, a + 1, &[&["column"]]);
                if let Some(Token::Word(w)) = sig.get(c).map(|t| &t.token) {
                    let col = names::fold_word(w);
                    if is_kw(sig.get(c + 1), "set") && is_kw(sig.get(c + 2), "default") {
                        self.default_expr(&table, &sig[c + 3..b]);
                    } else if is_kw(sig.get(c + 1), "add") && is_kw(sig.get(c + 2), "generated") {
                        let seq = self.relation_name(&table.name, Some(&col), "seq");
                        self.edge(&table, K::Sequence, qn(table.schema.clone(), seq), None);
                    }
                }
            } else if kw(0, "inherit") {
                if let Some((ps, pn, _)) = name_at(sig, a + 1) {
                    self.edge(&qn(ps, pn), K::Child, table.clone(), None);
                }
            } else if kw(0, "attach") && kw(1, "partition") {
                if let Some((cs, cn, _)) = name_at(sig, a + 2) {
                    self.edge(&table, K::Child, qn(cs, cn), None);
                }
            }
        }
    }

    /// A column definition `sig[a..b]` of `table`: its type, constraints, default, identity.
    fn column(&mut self, table: &QName, sig: &[TokenWithSpan], a: usize, b: usize) {
        let Some(Token::Word(w)) = sig.get(a).map(|t| &t.token) else {
            return;
        };
        let col = names::fold_word(w);
        if let Some((ts, tn, _)) = name_at(sig, a + 1) {
            let ty = qn(ts, tn.clone());
            let serial = [
                "serial",
                "bigserial",
                "smallserial",
                "serial2",
                "serial4",
                "serial8",
            ];
            if let Some(d) = self.domains.iter().find(|d| same(d, &ty)).cloned() {
                self.edge(table, K::Domain, d, None);
            } else if let Some(t) = self.types.iter().find(|d| same(d, &ty)).cloned() {
                self.edge(table, K::Type, t, None);
            } else if ty.schema.is_none() && serial.contains(&tn.as_str()) {
                let seq = self.relation_name(&table.name, Some(&col), "seq");
                self.edge(table, K::Sequence, qn(table.schema.clone(), seq), None);
            }
        }
        let mut m = a + 1;
        let mut name: Option<String> = None;
        while m < b {
            let kw = |o: usize, w: &str| is_kw(sig.get(m + o), w);
            if kw(0, "constraint") {
                name = match sig.get(m + 1).map(|t| &t.token) {
                    Some(Token::Word(w)) => Some(names::fold_word(w)),
                    _ => None,
                };
                m += 2;
                continue;
            }
            let cols = vec![col.clone()];
            if kw(0, "check") {
                let end = after_parens(sig, m + 1);
                self.check(table, name.take(), &sig[m + 1..end]);
                m = end;
            } else if kw(0, "primary") && kw(1, "key") {
                self.key(table, name.take(), &cols, true);
                m += 2;
            } else if kw(0, "unique") {
                self.key(table, name.take(), &cols, false);
                m += 1;
            } else if kw(0, "references") {
                let next = self.foreign_key(table, name.take(), &cols, sig, m + 1);
                m = next;
            } else if kw(0, "default") {
                let end = (m + 1..b)
                    .find(|&x| {
                        [
                            "constraint",
                            "check",
                            "primary",
                            "unique",
                            "references",
                            "not",
                            "null",
                            "generated",
                            "collate",
                        ]
                        .iter()
                        .any(|k| is_kw(sig.get(x), k))
                            && depth_at(sig, m + 1, x) == 0
                    })
                    .unwrap_or(b);
                self.default_expr(table, &sig[m + 1..end]);
                m = end;
            } else if kw(0, "generated") {
                let end = (m..b).find(|&x| is_kw(sig.get(x), "identity"));
                if let Some(e) = end {
                    let seq = self.relation_name(&table.name, Some(&col), "seq");
                    self.edge(table, K::Sequence, qn(table.schema.clone(), seq), None);
                    m = after_parens(sig, e + 1).max(e + 1);
                } else {
                    m += 1;
                }
            } else {
                m += 1;
            }
        }
    }

    /// A table constraint `sig[a..b]`.
    fn table_constraint(&mut self, table: &QName, sig: &[TokenWithSpan], a: usize, b: usize) {
        let mut m = a;
        let mut name = None;
        if is_kw(sig.get(m), "constraint") {
            if let Some(Token::Word(w)) = sig.get(m + 1).map(|t| &t.token) {
                name = Some(names::fold_word(w));
            }
            m += 2;
        }
        let kw = |o: usize, w: &str| is_kw(sig.get(m + o), w);
        if kw(0, "check") {
            let end = after_parens(sig, m + 1);
            self.check(table, name, &sig[m + 1..end]);
        } else if kw(0, "primary") && kw(1, "key") {
            let cols = name_list(sig, m + 2);
            self.key(table, name, &cols, true);
        } else if kw(0, "unique") {
            let at = skip(
                sig,
                m + 1,
                &[&["nulls", "not", "distinct"], &["nulls", "distinct"]],
            );
            let cols = name_list(sig, at);
            self.key(table, name, &cols, false);
        } else if kw(0, "foreign") && kw(1, "key") {
            let cols = name_list(sig, m + 2);
            let r = after_parens(sig, m + 2);
            if is_kw(sig.get(r), "references") {
                self.foreign_key(table, name, &cols, sig, r + 1);
            }
        } else if kw(0, "exclude") {
            let at = skip(sig, m + 1, &[&["using"]]);
            let open = (at..b).find(|&x| sig[x].token == Token::LParen);
            let cols = open.map(|o| name_list(sig, o)).unwrap_or_default();
            let n = match name {
                Some(n) => n,
                None => {
                    let add = name_addition(&cols);
                    self.relation_name(&table.name, add.as_deref(), "excl")
                }
            };
            self.constraint_names.insert(n.clone());
            self.relation_names.insert(n.clone());
            self.edge(
                table,
                K::Constraint,
                qn(table.schema.clone(), n),
                Some(table.name.clone()),
            );
        }
    }

    fn check(&mut self, table: &QName, name: Option<String>, expr: &[TokenWithSpan]) {
        let n = match name {
            Some(n) => {
                self.constraint_names.insert(n.clone());
                n
            }
            None => {
                let cols = self
                    .tables
                    .iter()
                    .find(|t| same(&t.name, table))
                    .map(|t| t.columns.clone())
                    .unwrap_or_default();
                let mut read: Vec<String> = Vec::new();
                for (k, t) in expr.iter().enumerate() {
                    if let Token::Word(w) = &t.token {
                        let c = names::fold_word(w);
                        let call = expr.get(k + 1).map(|t| &t.token) == Some(&Token::LParen);
                        if !call && cols.contains(&c) && !read.contains(&c) {
                            read.push(c);
                        }
                    }
                }
                let col = (read.len() == 1).then(|| read[0].clone());
                self.constraint_name(&table.name, col.as_deref(), "check")
            }
        };
        self.edge(
            table,
            K::Constraint,
            qn(table.schema.clone(), n),
            Some(table.name.clone()),
        );
        self.functions_used(table, expr);
    }

    fn key(&mut self, table: &QName, name: Option<String>, cols: &[String], primary: bool) {
        let n = match name {
            Some(n) => n,
            None if primary => self.relation_name(&table.name, None, "pkey"),
            None => {
                let add = name_addition(cols);
                self.relation_name(&table.name, add.as_deref(), "key")
            }
        };
        self.constraint_names.insert(n.clone());
        self.relation_names.insert(n.clone());
        if let Some(t) = self.table_mut(table) {
            t.keys.push((n.clone(), cols.to_vec(), primary));
        }
        self.edge(
            table,
            K::Constraint,
            qn(table.schema.clone(), n),
            Some(table.name.clone()),
        );
    }

    /// `REFERENCES target [(cols)]` at `sig[r..]`; the index after it.
    fn foreign_key(
        &mut self,
        table: &QName,
        name: Option<String>,
        cols: &[String],
        sig: &[TokenWithSpan],
        r: usize,
    ) -> usize {
        let Some((ts, tn, after)) = name_at(sig, r) else {
            return r;
        };
        let target = qn(ts, tn);
        let ref_cols = name_list(sig, after);
        let n = match name {
            Some(n) => {
                self.constraint_names.insert(n.clone());
                n
            }
            None => {
                let add = name_addition(cols);
                self.constraint_name(&table.name, add.as_deref(), "fkey")
            }
        };
        // On the referencing table, and (as the referenced table's dependent) on the target.
        self.edge(
            table,
            K::Constraint,
            qn(table.schema.clone(), n.clone()),
            Some(table.name.clone()),
        );
        if !same(table, &target) {
            self.edge(table, K::Referenced, target.clone(), None);
            self.edge(&target, K::Referencing, table.clone(), None);
            self.edge(
                &target,
                K::Constraint,
                qn(table.schema.clone(), n),
                Some(table.name.clone()),
            );
            // The key of the target the foreign key relies on.
            let key = self
                .tables
                .iter()
                .find(|t| same(&t.name, &target))
                .and_then(|t| {
                    t.keys
                        .iter()
                        .find(|(_, kc, primary)| {
                            if ref_cols.is_empty() {
                                *primary
                            } else {
                                kc == &ref_cols || (*primary && kc.is_empty())
                            }
                        })
                        .map(|(k, _, _)| (k.clone(), t.name.clone()))
                });
            if let Some((k, on)) = key {
                self.edge(
                    table,
                    K::Constraint,
                    qn(on.schema.clone(), k),
                    Some(on.name),
                );
            }
        }
        after_parens(sig, after)
    }

    fn default_expr(&mut self, table: &QName, expr: &[TokenWithSpan]) {
        // nextval('seq'::regclass) / nextval('seq')
        for (k, t) in expr.iter().enumerate() {
            if matches!(&t.token, Token::Word(w) if w.value.eq_ignore_ascii_case("nextval"))
                && expr.get(k + 1).map(|t| &t.token) == Some(&Token::LParen)
            {
                if let Some(Token::SingleQuotedString(s)) = expr.get(k + 2).map(|t| &t.token) {
                    let seq = parse_regclass_literal(s);
                    self.edge(table, K::Sequence, seq, None);
                }
            }
        }
        self.functions_used(table, expr);
    }

    /// Functions the file defines that `expr` calls.
    fn functions_used(&mut self, table: &QName, expr: &[TokenWithSpan]) {
        for (k, t) in expr.iter().enumerate() {
            let Token::Word(w) = &t.token else { continue };
            if expr.get(k + 1).map(|t| &t.token) != Some(&Token::LParen) {
                continue;
            }
            let schema = (k >= 2 && expr[k - 1].token == Token::Period)
                .then(|| match &expr[k - 2].token {
                    Token::Word(s) => Some(names::fold_word(s)),
                    _ => None,
                })
                .flatten();
            let called = qn(schema, names::fold_word(w));
            if let Some(f) = self.functions.iter().find(|f| same(f, &called)).cloned() {
                self.edge(table, K::Function, f, None);
            }
        }
    }
}

/// The depth of parentheses at `to`, counted from `from`.
fn depth_at(sig: &[TokenWithSpan], from: usize, to: usize) -> i32 {
    let mut d = 0;
    for t in &sig[from..to] {
        match t.token {
            Token::LParen => d += 1,
            Token::RParen => d -= 1,
            _ => {}
        }
    }
    d
}

/// A table element that is a constraint, not a column.
fn is_table_constraint(sig: &[TokenWithSpan], a: usize) -> bool {
    ["constraint", "check", "unique", "exclude", "like"]
        .iter()
        .any(|k| is_kw(sig.get(a), k))
        || (is_kw(sig.get(a), "primary") && is_kw(sig.get(a + 1), "key"))
        || (is_kw(sig.get(a), "foreign") && is_kw(sig.get(a + 1), "key"))
}

/// `'public.seq'` or `'"Seq"'` as `regclass` reads it.
fn parse_regclass_literal(s: &str) -> QName {
    let toks = sig_tokens(s);
    match name_at(&toks, 0) {
        Some((schema, name, _)) => qn(schema, name),
        None => qn(None, s.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_names_follow_postgresql() {
        assert_eq!(make_object_name("t", Some("a"), "check"), "t_a_check");
        assert_eq!(make_object_name("t", None, "pkey"), "t_pkey");
        let long = "x".repeat(70);
        let n = make_object_name(&long, Some("col"), "fkey");
        assert_eq!(n.len(), 63);
        assert!(n.ends_with("_col_fkey"));
    }

    #[test]
    fn reads_constraints_sequences_and_domains() {
        let sql = "CREATE DOMAIN pos AS int CHECK (VALUE > 0);\n\
                   CREATE FUNCTION ok(int) RETURNS bool LANGUAGE sql AS $$ SELECT true $$;\n\
                   CREATE TABLE p (id int PRIMARY KEY);\n\
                   CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n\
                     n pos, p int REFERENCES p, a int CHECK (a > 0), b int CHECK (b > a),\n\
                     c int CHECK (ok(c)), UNIQUE (a, b));\n";
        let e = edges(sql);
        let has = |t: &str, k: K, n: &str| {
            e.iter()
                .any(|x| x.table.name == t && x.kind == k && x.object.name == n)
        };
        assert!(has("t", K::Constraint, "t_pkey"), "{e:#?}");
        assert!(has("t", K::Constraint, "t_p_fkey"), "{e:#?}");
        assert!(has("t", K::Constraint, "t_a_check"), "{e:#?}");
        assert!(has("t", K::Constraint, "t_check"), "{e:#?}");
        assert!(has("t", K::Constraint, "t_c_check"), "{e:#?}");
        assert!(has("t", K::Constraint, "t_a_b_key"), "{e:#?}");
        assert!(has("t", K::Constraint, "p_pkey"), "{e:#?}");
        assert!(has("t", K::Sequence, "t_id_seq"), "{e:#?}");
        assert!(has("t", K::Domain, "pos"), "{e:#?}");
        assert!(has("t", K::Function, "ok"), "{e:#?}");
        assert!(has("t", K::Referenced, "p"), "{e:#?}");
        assert!(has("p", K::Referencing, "t"), "{e:#?}");
        assert!(has("p", K::Constraint, "t_p_fkey"), "{e:#?}");
    }
}
