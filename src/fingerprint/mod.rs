//! The schema fingerprint: a canonical description of every database object a packet depends
//! on, hashed per object, so that "the schema the proof ran on" and "the schema production has"
//! can be compared mechanically.
//!
//! 1. [`roots`]: the relations the packet's metrics and writes name, the tables it locks, its
//!    provenance table and the policy's protected tables.
//! 2. [`catalog`]: one read-only query expands them (views → what they read, foreign keys →
//!    referenced tables, triggers and views → functions, columns → user-defined types) and
//!    describes each object: columns with types and defaults, constraints, indexes, rules,
//!    row-level security, triggers and whether they are enabled, function bodies, view
//!    definitions, type labels.
//! 3. [`canon`]: texts PostgreSQL renders from a stored tree (views, expressions, index and
//!    trigger definitions) are parsed and re-rendered, so renderings that differ only in
//!    casts and parentheses (a dump and restore, another major version) compare equal.
//! 4. [`compare`]: equal; equal but for cosmetic rendering (the canonical forms agree, the raw
//!    renderings do not), naming the objects; or different, with a per-object diff.

pub mod canon;
pub mod catalog;
pub mod cmd;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use similar::TextDiff;

use crate::lint::Policy;
use crate::packet::{sha256_hex, Loaded};
use crate::pg::quote_ident;

pub use catalog::Item;

/// One object's canonical description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Object {
    /// `table`, `view`, `materialized view`, `foreign table`, `trigger`, `function`, `type`,
    /// or `missing` (a root that does not resolve).
    pub kind: String,
    /// Schema-qualified, quoted where needed (`public.system_issues`).
    pub name: String,
    /// sha256 of the canonical description (`lines` joined by newlines).
    pub sha256: String,
    /// sha256 of PostgreSQL's own renderings, before canonicalisation: when only this differs,
    /// the difference is cosmetic.
    pub raw_sha256: String,
    /// The canonical description, one entry per line.
    pub lines: Vec<String>,
}

impl Object {
    /// `kind name`, as objects are named in messages.
    #[must_use]
    pub fn label(&self) -> String {
        format!("{} {}", self.kind, self.name)
    }
}

/// The fingerprint of a set of objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// sha256 over every object's `kind name sha256` line, in order.
    pub sha256: String,
    /// The names the expansion started from.
    pub roots: Vec<String>,
    /// Every object, sorted by kind and name.
    pub objects: Vec<Object>,
}

impl Fingerprint {
    /// Build from the catalog query's items.
    #[must_use]
    pub fn from_items(roots: &[String], items: &[Item]) -> Fingerprint {
        let mut grouped: BTreeMap<(String, String), Vec<&Item>> = BTreeMap::new();
        for item in items {
            grouped
                .entry((item.kind.clone(), item.object.clone()))
                .or_default()
                .push(item);
        }
        let objects: Vec<Object> = grouped
            .into_iter()
            .map(|((kind, name), mut items)| {
                items.sort_by(|a, b| a.order.cmp(&b.order).then(a.label.cmp(&b.label)));
                let mut lines = Vec::new();
                let mut raw = String::new();
                for i in &items {
                    let mode = canon::Mode::parse(&i.mode).unwrap_or(canon::Mode::Plain);
                    let text = canon::canonical(&i.text, mode);
                    let mut text_lines = text.lines();
                    lines.push(format!("{}: {}", i.label, text_lines.next().unwrap_or("")));
                    lines.extend(text_lines.map(|l| format!("    {l}")));
                    let _ = writeln!(raw, "{}\t{}\t{}", i.label, i.mode, i.text);
                }
                Object {
                    sha256: sha256_hex(lines.join("\n").as_bytes()),
                    raw_sha256: sha256_hex(raw.as_bytes()),
                    kind,
                    name,
                    lines,
                }
            })
            .collect();
        let summary: String = objects
            .iter()
            .map(|o| format!("{} {} {}\n", o.kind, o.name, o.sha256))
            .collect();
        Fingerprint {
            sha256: sha256_hex(summary.as_bytes()),
            roots: roots.to_vec(),
            objects,
        }
    }

    /// One line per object and a total, for terminals.
    #[must_use]
    pub fn summary(&self) -> String {
        let mut out = format!(
            "schema fingerprint sha256:{} ({} objects)\n",
            self.sha256,
            self.objects.len()
        );
        for o in &self.objects {
            let _ = writeln!(out, "  {}  {}", short(&o.sha256), o.label());
        }
        out
    }
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// One object that differs between two fingerprints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// `kind name`.
    pub object: String,
    /// A unified diff of the canonical descriptions (expected → actual).
    pub diff: String,
}

/// What comparing a target's fingerprint with the expected (proven) one found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Comparison {
    /// Identical, rendering included.
    Equal,
    /// The same meaning; these objects are rendered differently (dump/restore, major version).
    Cosmetic(Vec<String>),
    /// A real difference, per object.
    Different(Vec<Difference>),
}

/// Compare `actual` (the target) with `expected` (the proof's clone).
#[must_use]
pub fn compare(expected: &Fingerprint, actual: &Fingerprint) -> Comparison {
    let index = |f: &'_ Fingerprint| -> BTreeMap<String, Object> {
        f.objects.iter().map(|o| (o.label(), o.clone())).collect()
    };
    let (want, have) = (index(expected), index(actual));
    let mut differences = Vec::new();
    let mut cosmetic = Vec::new();
    let empty = Vec::new();
    let labels: std::collections::BTreeSet<&String> = want.keys().chain(have.keys()).collect();
    for label in labels {
        let (w, h) = (want.get(label), have.get(label));
        match (w, h) {
            (Some(w), Some(h)) if w.sha256 == h.sha256 => {
                if w.raw_sha256 != h.raw_sha256 {
                    cosmetic.push(label.clone());
                }
            }
            _ => {
                let a = w.map_or(&empty, |o| &o.lines).join("\n") + "\n";
                let b = h.map_or(&empty, |o| &o.lines).join("\n") + "\n";
                let (from, to) = (
                    w.map_or("(absent)".to_owned(), |_| format!("{label} (proven)")),
                    h.map_or("(absent)".to_owned(), |_| format!("{label} (target)")),
                );
                let diff = TextDiff::from_lines(&a, &b)
                    .unified_diff()
                    .context_radius(2)
                    .header(&from, &to)
                    .to_string();
                differences.push(Difference {
                    object: label.clone(),
                    diff,
                });
            }
        }
    }
    if !differences.is_empty() {
        Comparison::Different(differences)
    } else if !cosmetic.is_empty() {
        Comparison::Cosmetic(cosmetic)
    } else {
        Comparison::Equal
    }
}

/// The relations a packet depends on, as names to resolve on the server: every relation its
/// metric queries and writes mention, the tables it locks, its provenance table, and the
/// protected tables and columns of its policy. Sorted and deduplicated.
#[must_use]
pub fn roots(loaded: &Loaded, policy: &Policy) -> Vec<String> {
    let p = &loaded.packet;
    let mut names = std::collections::BTreeSet::new();
    let texts = p
        .metrics
        .iter()
        .map(|m| m.query.as_str())
        .chain(p.steps.iter().filter_map(|s| s.write.as_deref()));
    for sql in texts {
        for name in relations(sql) {
            names.insert(name);
        }
    }
    for step in &p.steps {
        for lock in &step.locks {
            names.insert(lock.table.clone());
        }
    }
    names.insert(p.provenance.table.clone());
    let qualify = |schema: &Option<String>, table: &str| match schema {
        Some(s) => format!("{}.{}", ident(s), ident(table)),
        None => ident(table),
    };
    for t in &policy.tables {
        names.insert(qualify(&t.schema, &t.table));
    }
    for c in &policy.columns {
        names.insert(qualify(&c.schema, &c.table));
    }
    names.into_iter().collect()
}

/// An identifier as a name PostgreSQL reads back as exactly `name`: bare when it is a plain
/// lower-case identifier (as the packet's SQL writes it), quoted otherwise.
fn ident(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        name.to_owned()
    } else {
        quote_ident(name)
    }
}

/// The relations named in `sql` (reads and writes; CTE names excluded). Text that does not
/// parse names nothing here: the spec check and the lint already refuse it.
fn relations(sql: &str) -> Vec<String> {
    use sqlparser::ast::{visit_relations, Query, Statement};
    use sqlparser::dialect::PostgreSqlDialect;
    use std::ops::ControlFlow;
    let Ok(statements) = sqlparser::parser::Parser::parse_sql(&PostgreSqlDialect {}, sql) else {
        return Vec::new();
    };
    let mut ctes = std::collections::BTreeSet::new();
    let mut collect_ctes = |q: &Query| {
        if let Some(with) = &q.with {
            for t in &with.cte_tables {
                ctes.insert(t.alias.name.value.clone());
            }
        }
    };
    for s in &statements {
        if let Statement::Query(q) = s {
            collect_ctes(q);
        }
    }
    let mut out = Vec::new();
    let _ = visit_relations(&statements, |name| {
        let text = name.to_string();
        if !ctes.contains(&text) {
            out.push(text);
        }
        ControlFlow::<()>::Continue(())
    });
    out
}

/// The policy that belongs to a packet: the one `check` and `apply` lint it with (the nearest
/// `packets/policy.yaml` above the packet, else the built-in one). Found from the packet, not
/// from the current directory, so a proof's roots do not depend on where `prove` was run.
pub fn packet_policy(loaded: &Loaded) -> Result<Policy, crate::diag::Error> {
    let mut finder = crate::lint::PolicyFinder::new(None)?;
    Ok(finder.for_path(&loaded.dir)?.policy.clone())
}

#[cfg(test)]
mod tests {
    use super::{compare, relations, Comparison, Fingerprint, Item};

    fn item(kind: &str, object: &str, label: &str, mode: &str, text: &str) -> Item {
        Item {
            kind: kind.into(),
            object: object.into(),
            order: label.into(),
            label: label.into(),
            mode: mode.into(),
            text: text.into(),
        }
    }

    #[test]
    fn relations_skip_ctes_and_keep_joins() {
        let mut r = relations(
            "WITH x AS (SELECT 1) SELECT count(*) FROM a JOIN public.b ON true, x WHERE EXISTS (SELECT 1 FROM c)",
        );
        r.sort();
        assert_eq!(r, ["a", "c", "public.b"]);
    }

    #[test]
    fn cosmetic_and_real_differences_are_told_apart() {
        let roots = vec!["v".to_owned()];
        let fp = |def: &str| {
            Fingerprint::from_items(
                &roots,
                &[item("view", "public.v", "definition", "stmt", def)],
            )
        };
        let created = fp("SELECT t.v FROM t WHERE ((t.v)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]));");
        let restored = fp("SELECT t.v FROM t WHERE ((t.v)::text = ANY (ARRAY[('a'::character varying)::text, ('b'::character varying)::text]));");
        let changed = fp("SELECT t.v FROM t WHERE ((t.v)::text = ANY (ARRAY[('a'::character varying)::text, ('c'::character varying)::text]));");
        assert_eq!(compare(&created, &created), Comparison::Equal);
        assert_eq!(created.sha256, restored.sha256);
        assert_eq!(
            compare(&created, &restored),
            Comparison::Cosmetic(vec!["view public.v".into()])
        );
        let Comparison::Different(d) = compare(&created, &changed) else {
            panic!("a changed value must be a difference");
        };
        assert_eq!(d.len(), 1);
        assert!(
            d[0].diff
                .contains("-      (v::TEXT = ANY(ARRAY['a'::TEXT, 'b'::TEXT]))"),
            "{}",
            d[0].diff
        );
        assert!(
            d[0].diff
                .contains("+      (v::TEXT = ANY(ARRAY['a'::TEXT, 'c'::TEXT]))"),
            "{}",
            d[0].diff
        );
    }
}
