//! Schema-aware mode: what depends on each protected table, read from the target's schema.
//!
//! The schema comes from one of two sources, read into the same [`Edge`]s (an object a table
//! depends on, or that depends on it): SQL (a packet's `fixture/schema.sql`, `packetc lint
//! --schema FILE`), read by [`crate::lint::schema_sql`] with the linter's own splitter and
//! tokenizer; or a catalog snapshot exported read-only from a live database
//! ([`crate::lint::catalog`], `packetc catalog`). For each protected table that gives the
//! trigger functions of its triggers, its indexes and constraints, the views that read it, its
//! child tables, the tables whose foreign keys reference it (and those foreign keys), the tables
//! and keys its own foreign keys rely on, the domains and types of its columns, the sequences
//! that feed its defaults and the functions its checks, defaults and indexes call. A script that
//! replaces or drops one of them changes the protected table without naming it: PC005.

use serde::{Deserialize, Serialize};
use sqlparser::tokenizer::{Token, TokenWithSpan};

use crate::lint::names::NameRef;
use crate::lint::policy::Policy;
pub(crate) use crate::lint::schema_sql::{is_kw, name_at, skip};

/// What kind of dependent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DependentKind {
    /// The function a trigger of the table executes.
    TriggerFunction,
    /// An index on the table (one that backs no constraint).
    Index,
    /// A view (or materialized view) that reads the table.
    View,
    /// A table inheriting from it or a partition of it (its rows are the table's rows).
    Child,
    /// A table whose foreign key references it.
    Referencing,
    /// A constraint on it, a foreign key of another table referencing it, or the key of another
    /// table its own foreign key relies on (`on` names the table the constraint is defined on).
    Constraint,
    /// A table its foreign key references (its rows are what the foreign key checks against).
    Referenced,
    /// The domain of one of its columns (the domain's constraints are the column's).
    Domain,
    /// A user-defined type (enum, composite, range) of one of its columns.
    Type,
    /// A sequence that feeds one of its defaults (identity, serial, `nextval`).
    Sequence,
    /// A function that one of its checks, defaults or index expressions calls.
    Function,
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
            DependentKind::Constraint => "a constraint guarding",
            DependentKind::Referenced => "a table referenced by a foreign key of",
            DependentKind::Domain => "the domain of a column of",
            DependentKind::Type => "the type of a column of",
            DependentKind::Sequence => "a sequence feeding a default of",
            DependentKind::Function => "a function called by a check, default or index of",
        }
    }
}

/// A possibly schema-qualified name, folded as the catalog stores it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct QName {
    /// The schema, when known (always, from a catalog snapshot; when written, from SQL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// The name.
    pub name: String,
}

/// One dependency between a table and an object, whatever the policy protects.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Edge {
    /// The table.
    pub table: QName,
    /// How the object relates to it.
    pub kind: DependentKind,
    /// The object.
    pub object: QName,
    /// For a constraint: the table it is defined on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<String>,
}

/// One object a protected table depends on (or that depends on it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependent {
    /// Kind.
    pub kind: DependentKind,
    /// Schema, when known.
    pub schema: Option<String>,
    /// Name (folded).
    pub name: String,
    /// For a constraint: the table it is defined on.
    pub on: Option<String>,
    /// The protected table.
    pub table: String,
}

/// The protected table a (schema, name) resolves to.
fn protected(policy: &Policy, schema: Option<&str>, name: &str) -> Option<String> {
    policy
        .table(schema, name)
        .filter(|t| t.table != "*")
        .map(|t| t.table.clone())
}

/// The edges of a schema given as text: a catalog snapshot (JSON written by `packetc catalog`)
/// or SQL.
///
/// # Errors
/// A text that starts like JSON but is not a readable snapshot.
pub fn edges_of_text(text: &str) -> Result<Vec<Edge>, String> {
    if text.trim_start().starts_with('{') {
        crate::lint::catalog::Snapshot::from_json(text).map(|s| s.edges)
    } else {
        Ok(crate::lint::schema_sql::edges(text))
    }
}

/// The dependents of the policy's protected tables among `edges`.
#[must_use]
pub fn dependents_of(policy: &Policy, edges: &[Edge]) -> Vec<Dependent> {
    let mut out: Vec<Dependent> = Vec::new();
    for e in edges {
        let Some(t) = protected(policy, e.table.schema.as_deref(), &e.table.name) else {
            continue;
        };
        let table_like = matches!(
            e.kind,
            DependentKind::Child | DependentKind::Referencing | DependentKind::Referenced
        );
        if table_like && protected(policy, e.object.schema.as_deref(), &e.object.name).is_some() {
            // A protected table is guarded by its own name.
            continue;
        }
        let d = Dependent {
            kind: e.kind,
            schema: e.object.schema.clone(),
            name: e.object.name.clone(),
            on: e.on.clone(),
            table: t,
        };
        if !out.contains(&d) {
            out.push(d);
        }
    }
    out
}

/// Every dependent of a protected table that the schema SQL defines.
#[must_use]
pub fn dependents(policy: &Policy, schema_sql: &str) -> Vec<Dependent> {
    dependents_of(policy, &crate::lint::schema_sql::edges(schema_sql))
}

fn matches(d: &Dependent, s: Option<&String>, n: &str) -> bool {
    d.name == n
        && match (&d.schema, s) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        }
}

fn name_ref(sig: &[TokenWithSpan], j: usize, s: Option<String>, n: String) -> NameRef {
    NameRef {
        schema: s,
        len: n.chars().count(),
        name: n,
        pos: crate::lint::finding::Pos::from_loc(sig[j].span.start),
        from_var: false,
    }
}

/// The dependents a script statement replaces, alters or drops: `CREATE OR REPLACE
/// FUNCTION|VIEW`, `ALTER|DROP FUNCTION|PROCEDURE|ROUTINE|INDEX|VIEW|MATERIALIZED
/// VIEW|TABLE|DOMAIN|TYPE|SEQUENCE` (every name of a `DROP` list), and `ALTER TABLE … DROP|ALTER|
/// RENAME CONSTRAINT c` of a constraint guarding a protected table.
#[must_use]
pub fn touched<'p>(deps: &'p [Dependent], toks: &[TokenWithSpan]) -> Vec<(NameRef, &'p Dependent)> {
    use DependentKind as K;
    let sig: Vec<TokenWithSpan> = toks
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .cloned()
        .collect();
    let first = |k: &str| is_kw(sig.first(), k);
    let replacing = first("create") && is_kw(sig.get(1), "or") && is_kw(sig.get(2), "replace");
    let drop = first("drop");
    if !(drop || first("alter") || replacing) {
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
    let at = |k: &str| is_kw(sig.get(i), k);
    let kinds: &[DependentKind] = if at("function") || at("procedure") || at("routine") {
        &[K::TriggerFunction, K::Function]
    } else if at("view") {
        &[K::View]
    } else if replacing {
        return Vec::new();
    } else if at("index") {
        &[K::Index, K::Constraint]
    } else if at("table") {
        if drop {
            &[K::Child, K::Referencing, K::Referenced]
        } else {
            return alter_table(deps, &sig, i);
        }
    } else if at("domain") {
        &[K::Domain]
    } else if at("type") {
        &[K::Type]
    } else if at("sequence") {
        &[K::Sequence]
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
        if let Some(d) = deps
            .iter()
            .find(|d| kinds.contains(&d.kind) && matches(d, s.as_ref(), &n))
        {
            out.push((name_ref(&sig, j, s, n), d));
        }
        // Skip an argument list, then continue after a comma (DROP a, b).
        let m = crate::lint::schema_sql::after_parens(&sig, k);
        if !drop || sig.get(m).map(|t| &t.token) != Some(&Token::Comma) {
            break;
        }
        j = m + 1;
    }
    out
}

/// `ALTER TABLE t …`: a child or referencing table altered in any way; a table a protected
/// table's foreign key references, when its keys, columns or triggers are dropped, altered or
/// disabled; a constraint guarding a protected table, dropped, altered or renamed.
fn alter_table<'p>(
    deps: &'p [Dependent],
    sig: &[TokenWithSpan],
    i: usize,
) -> Vec<(NameRef, &'p Dependent)> {
    use DependentKind as K;
    let j = skip(sig, i + 1, &[&["if", "exists"], &["only"]]);
    let Some((s, n, k)) = name_at(sig, j) else {
        return Vec::new();
    };
    let rest = &sig[k..];
    let seq = |m: usize, w: &[&str]| w.iter().enumerate().all(|(o, x)| is_kw(rest.get(m + o), x));
    let weakens = (0..rest.len()).any(|m| {
        seq(m, &["drop", "constraint"])
            || seq(m, &["alter", "constraint"])
            || (seq(m, &["disable", "trigger"]) && !is_kw(rest.get(m + 2), "user"))
            || seq(m, &["drop", "column"])
            || seq(m, &["set", "data", "type"])
            || (is_kw(rest.get(m), "alter")
                && (is_kw(rest.get(m + 2), "type")
                    || (is_kw(rest.get(m + 1), "column") && is_kw(rest.get(m + 3), "type"))))
            || seq(m, &["detach", "partition"])
    });
    if let Some(d) = deps.iter().find(|d| {
        (matches!(d.kind, K::Child | K::Referencing) || (d.kind == K::Referenced && weakens))
            && matches(d, s.as_ref(), &n)
    }) {
        return vec![(name_ref(sig, j, s, n), d)];
    }
    let mut out = Vec::new();
    for m in 1..rest.len() {
        if !is_kw(rest.get(m), "constraint")
            || !["drop", "alter", "rename"]
                .iter()
                .any(|w| is_kw(rest.get(m - 1), w))
        {
            continue;
        }
        let c = skip(rest, m + 1, &[&["if", "exists"]]);
        if let Some((_, cn, _)) = name_at(rest, c) {
            if let Some(d) = deps.iter().find(|d| {
                d.kind == K::Constraint
                    && d.name == cn
                    && d.on.as_deref() == Some(n.as_str())
                    && d.on.as_deref() != Some(d.table.as_str())
            }) {
                out.push((name_ref(rest, c, None, cn), d));
            }
        }
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
