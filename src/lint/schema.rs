//! Schema-aware mode: what depends on each protected table, read from the target's schema.
//!
//! The schema is SQL (a packet's `fixture/schema.sql`, or `packetc lint --schema FILE`), read
//! with the linter's own psql splitter and SQL tokenizer. For each protected table it finds
//! the trigger functions of its triggers, its indexes, the views that read it, its child
//! tables (`INHERITS`, `PARTITION OF`) and the tables whose foreign keys reference it. A script
//! that replaces or drops one of them (`CREATE OR REPLACE FUNCTION` of a trigger function,
//! `DROP INDEX` of its index …) changes the protected table without naming it: PC005.

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

use crate::lint::names::{self, NameRef};
use crate::lint::policy::Policy;
use crate::lint::scan::{self, Item, Scanner};

/// What kind of dependent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DependentKind {
    /// The function a trigger of the table executes.
    TriggerFunction,
    /// An index on the table.
    Index,
    /// A view (or materialized view) that reads the table.
    View,
    /// A table inheriting from it or a partition of it (its rows are the table's rows).
    Child,
    /// A table whose foreign key references it.
    Referencing,
}

impl DependentKind {
    /// Words for messages.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            DependentKind::TriggerFunction => "a trigger function of",
            DependentKind::Index => "an index of",
            DependentKind::View => "a view over",
            DependentKind::Child => "a child table of",
            DependentKind::Referencing => "a table with a foreign key to",
        }
    }
}

/// One object a protected table depends on (or that depends on it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependent {
    /// Kind.
    pub kind: DependentKind,
    /// Schema, when the schema file qualified it.
    pub schema: Option<String>,
    /// Name (folded).
    pub name: String,
    /// The protected table.
    pub table: String,
}

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

fn is_kw(t: Option<&TokenWithSpan>, k: &str) -> bool {
    matches!(t.map(|t| &t.token), Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k))
}

/// A qualified name starting at `i`: (schema, name, index after it).
fn name_at(sig: &[TokenWithSpan], mut i: usize) -> Option<(Option<String>, String, usize)> {
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
fn skip(sig: &[TokenWithSpan], mut i: usize, opts: &[&[&str]]) -> usize {
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

/// The protected table a (schema, name) resolves to.
fn protected(policy: &Policy, schema: Option<&str>, name: &str) -> Option<String> {
    policy
        .table(schema, name)
        .filter(|t| t.table != "*")
        .map(|t| t.table.clone())
}

/// Every dependent of a protected table that the schema text defines.
#[must_use]
pub fn dependents(policy: &Policy, schema_sql: &str) -> Vec<Dependent> {
    let mut out = Vec::new();
    for item in Scanner::new(schema_sql, true) {
        let Item::Stmt(s) = item else { continue };
        let text = scan::edited(schema_sql, &s);
        let sig = sig_tokens(&text);
        if !is_kw(sig.first(), "create") && !is_kw(sig.first(), "alter") {
            continue;
        }
        statement(policy, &sig, &mut out);
    }
    out.dedup();
    out
}

fn push(
    out: &mut Vec<Dependent>,
    kind: DependentKind,
    schema: Option<String>,
    name: String,
    table: String,
) {
    out.push(Dependent {
        kind,
        schema,
        name,
        table,
    });
}

fn statement(policy: &Policy, sig: &[TokenWithSpan], out: &mut Vec<Dependent>) {
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
        ],
    );
    if is_kw(sig.first(), "create") && is_kw(sig.get(i), "trigger") {
        // CREATE TRIGGER name … ON table … EXECUTE FUNCTION|PROCEDURE f(…)
        let on = (i..sig.len()).find(|&k| is_kw(sig.get(k), "on"));
        let exec = (i..sig.len()).find(|&k| is_kw(sig.get(k), "execute"));
        if let (Some(on), Some(exec)) = (on, exec) {
            if let (Some((ts, tn, _)), Some((fs, fname, _))) =
                (name_at(sig, on + 1), name_at(sig, exec + 2))
            {
                if let Some(t) = protected(policy, ts.as_deref(), &tn) {
                    push(out, DependentKind::TriggerFunction, fs, fname, t);
                }
            }
        }
    } else if is_kw(sig.first(), "create") && is_kw(sig.get(i), "index") {
        let j = skip(sig, i + 1, &[&["concurrently"], &["if", "not", "exists"]]);
        let (idx, after) = if is_kw(sig.get(j), "on") {
            (None, j)
        } else {
            match name_at(sig, j) {
                Some((s, n, k)) => (Some((s, n)), k),
                None => return,
            }
        };
        if is_kw(sig.get(after), "on") {
            let k = skip(sig, after + 1, &[&["only"]]);
            if let (Some((s, n)), Some((ts, tn, _))) = (idx, name_at(sig, k)) {
                if let Some(t) = protected(policy, ts.as_deref(), &tn) {
                    push(out, DependentKind::Index, s, n, t);
                }
            }
        }
    } else if is_kw(sig.first(), "create") && is_kw(sig.get(i), "view") {
        let j = skip(sig, i + 1, &[&["if", "not", "exists"]]);
        if let Some((s, n, k)) = name_at(sig, j) {
            for t in referenced(policy, &sig[k..]) {
                push(out, DependentKind::View, s.clone(), n.clone(), t);
            }
        }
    } else if is_kw(sig.get(i), "table") {
        // CREATE TABLE c (… REFERENCES t …) [INHERITS (t)] [PARTITION OF t];
        // ALTER TABLE c ADD … REFERENCES t.
        let j = skip(
            sig,
            i + 1,
            &[&["if", "not", "exists"], &["if", "exists"], &["only"]],
        );
        let Some((s, n, k)) = name_at(sig, j) else {
            return;
        };
        let mut m = k;
        while m < sig.len() {
            let kind = if is_kw(sig.get(m), "references") {
                Some((DependentKind::Referencing, m + 1))
            } else if is_kw(sig.get(m), "inherits")
                || (is_kw(sig.get(m), "partition") && is_kw(sig.get(m + 1), "of"))
            {
                // `INHERITS (t)` / `PARTITION OF t`: the name follows one token later.
                Some((DependentKind::Child, m + 2))
            } else {
                None
            };
            if let Some((kind, at)) = kind {
                if let Some((ts, tn, _)) = name_at(sig, at) {
                    if let Some(t) = protected(policy, ts.as_deref(), &tn) {
                        if protected(policy, s.as_deref(), &n).is_none() {
                            push(out, kind, s.clone(), n.clone(), t);
                        }
                    }
                }
            }
            m += 1;
        }
    }
}

/// Protected tables a view's text reads.
fn referenced(policy: &Policy, sig: &[TokenWithSpan]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (k, t) in sig.iter().enumerate() {
        let Token::Word(w) = &t.token else { continue };
        let schema = (k >= 2 && sig[k - 1].token == Token::Period)
            .then(|| match &sig[k - 2].token {
                Token::Word(s) => Some(names::fold_word(s)),
                _ => None,
            })
            .flatten();
        if let Some(p) = protected(policy, schema.as_deref(), &names::fold_word(w)) {
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    out
}

/// The dependents a script statement replaces or drops: `CREATE OR REPLACE FUNCTION|VIEW`,
/// `ALTER|DROP FUNCTION|INDEX|VIEW|MATERIALIZED VIEW|TABLE` (every name of a `DROP` list).
#[must_use]
pub fn touched<'p>(deps: &'p [Dependent], toks: &[TokenWithSpan]) -> Vec<(NameRef, &'p Dependent)> {
    let sig: Vec<TokenWithSpan> = toks
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .cloned()
        .collect();
    let first = |k: &str| is_kw(sig.first(), k);
    let replacing = first("create") && is_kw(sig.get(1), "or") && is_kw(sig.get(2), "replace");
    if !(first("drop") || first("alter") || replacing) {
        return Vec::new();
    }
    let i = skip(
        &sig,
        1,
        &[
            &["or", "replace"],
            &["materialized"],
            &["recursive"],
            &["temp"],
            &["temporary"],
        ],
    );
    let kinds: &[DependentKind] = if is_kw(sig.get(i), "function")
        || is_kw(sig.get(i), "procedure")
        || is_kw(sig.get(i), "routine")
    {
        &[DependentKind::TriggerFunction]
    } else if is_kw(sig.get(i), "index") && !replacing {
        &[DependentKind::Index]
    } else if is_kw(sig.get(i), "view") {
        &[DependentKind::View]
    } else if is_kw(sig.get(i), "table") && !replacing {
        &[DependentKind::Child, DependentKind::Referencing]
    } else {
        return Vec::new();
    };
    let mut j = skip(
        &sig,
        i + 1,
        &[&["concurrently"], &["if", "exists"], &["only"]],
    );
    let mut out = Vec::new();
    while let Some((s, n, k)) = name_at(&sig, j) {
        if let Some(d) = deps.iter().find(|d| {
            kinds.contains(&d.kind)
                && d.name == n
                && match (&d.schema, &s) {
                    (Some(a), Some(b)) => a == b,
                    _ => true,
                }
        }) {
            let pos = crate::lint::finding::Pos::from_loc(sig[j].span.start);
            out.push((
                NameRef {
                    schema: s,
                    len: n.chars().count(),
                    name: n,
                    pos,
                    from_var: false,
                },
                d,
            ));
        }
        // Skip an argument list, then continue after a comma (DROP a, b).
        let mut m = k;
        if sig.get(m).map(|t| &t.token) == Some(&Token::LParen) {
            let mut depth = 0;
            while let Some(t) = sig.get(m) {
                match t.token {
                    Token::LParen => depth += 1,
                    Token::RParen => {
                        depth -= 1;
                        if depth == 0 {
                            m += 1;
                            break;
                        }
                    }
                    _ => {}
                }
                m += 1;
            }
        }
        if !first("drop") || sig.get(m).map(|t| &t.token) != Some(&Token::Comma) {
            break;
        }
        j = m + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> String {
        std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/packets/one-roof-ownership-seed/fixture/schema.sql"
        ))
        .expect("fixture schema")
    }

    #[test]
    fn reads_the_fixture_dependents() {
        let p = Policy::builtin();
        let d = dependents(&p, &fixture());
        let has = |k: DependentKind, n: &str, t: &str| {
            d.iter().any(|x| x.kind == k && x.name == n && x.table == t)
        };
        assert!(
            has(
                DependentKind::TriggerFunction,
                "system_issues_touch",
                "system_issues"
            ),
            "{d:#?}"
        );
        assert!(
            has(
                DependentKind::TriggerFunction,
                "event_outbox_validate",
                "event_outbox"
            ),
            "{d:#?}"
        );
        assert!(
            has(
                DependentKind::Index,
                "event_outbox_pending_idx",
                "event_outbox"
            ),
            "{d:#?}"
        );
        assert!(
            has(
                DependentKind::Index,
                "system_issues_open_fingerprint_idx",
                "system_issues"
            ),
            "{d:#?}"
        );
        assert!(
            !d.iter().any(|x| x.name == "governance_objects_domain_idx"),
            "{d:#?}"
        );
    }
}
