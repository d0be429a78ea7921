//! The live source of schema-aware mode: a catalog snapshot, exported read-only from a database.
//!
//! [`script`] is a psql script (sent like any packet step: through a channel, or a local psql)
//! that runs one query in a `READ ONLY` transaction over `pg_catalog` — `pg_depend`,
//! `pg_constraint`, `pg_trigger`, `pg_index`, `pg_inherits`, `pg_attribute`/`pg_type` — and lists
//! for every user table the same [`Edge`]s the SQL reading finds
//! ([`crate::lint::schema_sql`]). Its answer is one line, `packetc-catalog <hex>`, the hex being
//! the UTF-8 bytes of a JSON object, so neither the channel's psql settings nor its client
//! encoding can change what arrives. [`Snapshot`] is what `packetc catalog` writes and
//! `packetc lint --schema FILE` reads back.
//!
//! Left out on purpose: PostgreSQL 18's `NOT NULL` constraints (contype `n`; a column's
//! `NOT NULL` is changed only by an `ALTER TABLE` naming the table), constraints and triggers a
//! partition or child inherits from its parent, and functions and types of `pg_catalog`.

use serde::{Deserialize, Serialize};

use crate::lint::schema::{DependentKind, Edge, QName};

/// The line prefix of the query's answer.
pub const MARK: &str = "packetc-catalog ";

/// The snapshot format's version.
pub const FORMAT: u32 = 1;

/// A catalog snapshot: where it was read and every table's edges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Always [`FORMAT`]: identifies the file as a snapshot.
    pub packetc_catalog: u32,
    /// `current_database()` of the session that read it.
    pub database: String,
    /// `server_version_num`.
    pub server_version_num: u32,
    /// Every edge, sorted.
    pub edges: Vec<Edge>,
}

impl Snapshot {
    /// Read a snapshot file's text.
    ///
    /// # Errors
    /// Not JSON, not a snapshot, or another format version.
    pub fn from_json(text: &str) -> Result<Snapshot, String> {
        let s: Snapshot = serde_json::from_str(text)
            .map_err(|e| format!("not a packetc catalog snapshot: {e}"))?;
        if s.packetc_catalog != FORMAT {
            return Err(format!(
                "catalog snapshot format {} (this packetc reads {FORMAT})",
                s.packetc_catalog
            ));
        }
        Ok(s)
    }

    /// The file's text: JSON with one edge a line (diffs of two snapshots stay readable).
    #[must_use]
    pub fn to_json(&self) -> String {
        let mut s = format!(
            "{{\n  \"packetc_catalog\": {},\n  \"database\": {},\n  \"server_version_num\": {},\n  \"edges\": [",
            self.packetc_catalog,
            compact(&self.database),
            self.server_version_num
        );
        for (i, e) in self.edges.iter().enumerate() {
            s.push_str(if i == 0 { "\n    " } else { ",\n    " });
            s.push_str(&compact(e));
        }
        s.push_str(if self.edges.is_empty() {
            "]\n}\n"
        } else {
            "\n  ]\n}\n"
        });
        s
    }

    /// How many edges of each kind, for a one-line summary.
    #[must_use]
    pub fn summary(&self) -> String {
        let mut counts: std::collections::BTreeMap<DependentKind, usize> =
            std::collections::BTreeMap::new();
        for e in &self.edges {
            *counts.entry(e.kind).or_default() += 1;
        }
        let tables: std::collections::BTreeSet<&QName> =
            self.edges.iter().map(|e| &e.table).collect();
        let kinds: Vec<String> = counts
            .iter()
            .map(|(k, n)| {
                let k = serde_json::to_value(k)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                format!("{n} {k}")
            })
            .collect();
        format!(
            "{} edges of {} tables ({})",
            self.edges.len(),
            tables.len(),
            kinds.join(", ")
        )
    }
}

/// The psql script whose output [`parse`] reads.
#[must_use]
pub fn script() -> String {
    format!(
        "\\set ON_ERROR_STOP on\n\\pset format unaligned\n\\pset tuples_only on\n\\pset pager off\n\
         SET client_min_messages = warning;\nBEGIN TRANSACTION READ ONLY;\n{QUERY}\nCOMMIT;\n"
    )
}

const QUERY: &str = r"WITH
tbl AS (
    SELECT c.oid, n.nspname AS s, c.relname AS r
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'f')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
),
rel AS (
    SELECT c.oid, n.nspname AS s, c.relname AS r, c.relkind
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
),
con AS (
    SELECT k.*, n.nspname AS s FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace
    WHERE k.conparentid = 0 AND k.conislocal
),
fun AS (
    SELECT p.oid, n.nspname AS s, p.proname AS r
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
),
e(t, kind, os, o, onrel) AS (
    SELECT t.tgrelid, 'trigger_function', f.s, f.r, NULL::name
    FROM pg_trigger t JOIN (SELECT p.oid, n.nspname AS s, p.proname AS r FROM pg_proc p
                            JOIN pg_namespace n ON n.oid = p.pronamespace) f ON f.oid = t.tgfoid
    WHERE NOT t.tgisinternal
  UNION
    SELECT i.indrelid, 'index', x.s, x.r, NULL
    FROM pg_index i JOIN rel x ON x.oid = i.indexrelid
    WHERE NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid
                      AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x'))
  UNION
    SELECT d.refobjid, 'view', v.s, v.r, NULL
    FROM pg_depend d JOIN pg_rewrite w ON d.classid = 'pg_rewrite'::regclass AND d.objid = w.oid
    JOIN rel v ON v.oid = w.ev_class AND v.relkind IN ('v', 'm')
    WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid <> w.ev_class
  UNION
    SELECT h.inhparent, 'child', c.s, c.r, NULL FROM pg_inherits h JOIN rel c ON c.oid = h.inhrelid
  UNION
    SELECT k.confrelid, 'referencing', c.s, c.r, NULL
    FROM con k JOIN rel c ON c.oid = k.conrelid WHERE k.contype = 'f' AND k.conrelid <> k.confrelid
  UNION
    SELECT k.conrelid, 'referenced', c.s, c.r, NULL
    FROM con k JOIN rel c ON c.oid = k.confrelid WHERE k.contype = 'f' AND k.conrelid <> k.confrelid
  UNION
    SELECT k.conrelid, 'constraint', k.s, k.conname, c.r
    FROM con k JOIN rel c ON c.oid = k.conrelid WHERE k.contype IN ('c', 'f', 'p', 'u', 'x')
  UNION
    SELECT k.confrelid, 'constraint', k.s, k.conname, c.r
    FROM con k JOIN rel c ON c.oid = k.conrelid WHERE k.contype = 'f' AND k.conrelid <> k.confrelid
  UNION
    SELECT k.conrelid, 'constraint', u.s, u.conname, c.r
    FROM con k JOIN con u ON u.conindid = k.conindid AND u.conrelid = k.confrelid
                         AND u.contype IN ('p', 'u')
    JOIN rel c ON c.oid = k.confrelid
    WHERE k.contype = 'f' AND k.conrelid <> k.confrelid
  UNION
    SELECT a.attrelid, CASE WHEN ty.typtype = 'd' THEN 'domain' ELSE 'type' END, n.nspname, ty.typname, NULL
    FROM pg_attribute a JOIN pg_type t0 ON t0.oid = a.atttypid
    JOIN pg_type ty ON ty.oid = CASE WHEN t0.typcategory = 'A' AND t0.typelem <> 0 THEN t0.typelem ELSE t0.oid END
    JOIN pg_namespace n ON n.oid = ty.typnamespace
    WHERE a.attnum > 0 AND NOT a.attisdropped
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND (ty.typtype <> 'c' OR EXISTS (SELECT 1 FROM pg_class tc WHERE tc.oid = ty.typrelid AND tc.relkind = 'c'))
  UNION
    SELECT d.refobjid, 'sequence', q.s, q.r, NULL
    FROM pg_depend d JOIN rel q ON d.classid = 'pg_class'::regclass AND q.oid = d.objid AND q.relkind = 'S'
    WHERE d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
  UNION
    SELECT ad.adrelid, 'sequence', q.s, q.r, NULL
    FROM pg_attrdef ad JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid
    JOIN rel q ON d.refclassid = 'pg_class'::regclass AND q.oid = d.refobjid AND q.relkind = 'S'
  UNION
    SELECT ad.adrelid, 'function', f.s, f.r, NULL
    FROM pg_attrdef ad JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid
    JOIN fun f ON d.refclassid = 'pg_proc'::regclass AND f.oid = d.refobjid
  UNION
    SELECT k.conrelid, 'function', f.s, f.r, NULL
    FROM pg_constraint k JOIN pg_depend d ON d.classid = 'pg_constraint'::regclass AND d.objid = k.oid
    JOIN fun f ON d.refclassid = 'pg_proc'::regclass AND f.oid = d.refobjid
  UNION
    SELECT i.indrelid, 'function', f.s, f.r, NULL
    FROM pg_index i JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = i.indexrelid
    JOIN fun f ON d.refclassid = 'pg_proc'::regclass AND f.oid = d.refobjid
)
SELECT 'packetc-catalog ' || current_setting('server_version_num') || ' '
       || encode(convert_to(jsonb_build_object(
            'database', current_database(),
            'edges', coalesce((SELECT jsonb_agg(jsonb_build_array(t.s, t.r, e.kind, e.os, e.o, e.onrel)
                                                ORDER BY t.s, t.r, e.kind, e.os, e.o, e.onrel)
                               FROM e JOIN tbl t ON t.oid = e.t), '[]'::jsonb))::text, 'UTF8'), 'hex');";

/// Read the query's answer out of psql's output.
///
/// # Errors
/// No answer line, or one that does not decode.
pub fn parse(stdout: &str) -> Result<Snapshot, String> {
    let (server_version_num, bytes) = crate::pg::answer::read(stdout, MARK, "catalog")?;
    #[derive(Deserialize)]
    struct Answer {
        database: String,
        edges: Vec<(
            String,
            String,
            DependentKind,
            String,
            String,
            Option<String>,
        )>,
    }
    let a: Answer = serde_json::from_slice(&bytes)
        .map_err(|e| format!("the catalog answer is not the expected JSON: {e}"))?;
    let mut edges: Vec<Edge> = a
        .edges
        .into_iter()
        .map(|(ts, tn, kind, os, on_, rel)| Edge {
            table: QName {
                schema: Some(ts),
                name: tn,
            },
            kind,
            object: QName {
                schema: Some(os),
                name: on_,
            },
            on: rel,
        })
        .collect();
    edges.sort();
    edges.dedup();
    Ok(Snapshot {
        packetc_catalog: FORMAT,
        database: a.database,
        server_version_num,
        edges,
    })
}

/// Compact JSON of a value (strings and edges always serialise).
fn compact<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_answer_and_round_trips() {
        let json =
            r#"{"database": "d", "edges": [["public", "t", "index", "public", "t_idx", null]]}"#;
        let hex: String = json.bytes().map(|b| format!("{b:02x}")).collect();
        let s = parse(&format!(
            "SET\nBEGIN\npacketc-catalog 150014 {hex}\nCOMMIT\n"
        ))
        .expect("parse");
        assert_eq!(s.database, "d");
        assert_eq!(s.edges.len(), 1);
        assert_eq!(s.edges[0].kind, DependentKind::Index);
        assert_eq!(Snapshot::from_json(&s.to_json()), Ok(s));
        assert!(parse("nothing").is_err());
        assert!(Snapshot::from_json(
            r#"{"packetc_catalog": 2, "database": "d", "server_version_num": 1, "edges": []}"#
        )
        .is_err());
    }
}
