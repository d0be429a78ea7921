//! The read-only catalog query behind a fingerprint, and the reading of its one line of output.
//!
//! The script goes through `psql` on stdin like any packet step (a channel or a local psql) and
//! runs in a `READ ONLY` transaction. Starting from the root relations, it follows what a change
//! to them can touch: the relations a view reads (its rewrite rule's dependencies, recursively),
//! the tables a foreign key points at, the functions a trigger or a view calls, the user-defined
//! types of their columns. For each it emits items `(kind, object, order, label, mode, text)`;
//! texts PostgreSQL renders (views, expressions, index and trigger definitions) are
//! canonicalised afterwards in Rust ([`super::canon`]). Ownership, grants and comments are left
//! out on purpose: a clone differs from production in them without any effect on a packet.
//!
//! The result is one line, `packetc-fingerprint <server_version_num> <hex>`, the hex being the
//! UTF-8 bytes of a JSON array, so neither the channel's psql settings nor its client encoding
//! can change what arrives.

use crate::pg::quote_literal;

/// The line prefix of the query's answer.
pub const MARK: &str = "packetc-fingerprint ";

/// One row of the catalog query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub kind: String,
    pub object: String,
    pub order: String,
    pub label: String,
    pub mode: String,
    pub text: String,
}

/// The psql script that prints the fingerprint items of `roots` (relation names as a packet
/// writes them; resolved with the session's `search_path`). No roots: every user relation.
#[must_use]
pub fn script(roots: &[String]) -> String {
    let roots_sql = if roots.is_empty() {
        "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f') \
         AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'"
            .to_owned()
    } else {
        let values: Vec<String> = roots
            .iter()
            .map(|r| format!("({})", quote_literal(r)))
            .collect();
        format!("VALUES {}", values.join(", "))
    };
    format!(
        "\\set ON_ERROR_STOP on\n\\pset format unaligned\n\\pset tuples_only on\n\\pset pager off\n\
         SET client_min_messages = warning;\nBEGIN TRANSACTION READ ONLY;\n{}\nCOMMIT;\n",
        QUERY.replace("@ROOTS@", &roots_sql)
    )
}

const QUERY: &str = r"WITH RECURSIVE
roots(name) AS (@ROOTS@),
resolved AS (SELECT name, to_regclass(name) AS oid FROM roots),
edges(src, dst) AS (
    SELECT r.ev_class, d.refobjid
    FROM pg_rewrite r
    JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
    WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid <> r.ev_class
  UNION
    SELECT conrelid, confrelid FROM pg_constraint WHERE contype = 'f'
),
reach(oid) AS (
    SELECT oid::oid FROM resolved WHERE oid IS NOT NULL
  UNION
    SELECT e.dst FROM reach JOIN edges e ON e.src = reach.oid
),
rel AS (
    SELECT c.oid, c.relkind, c.relrowsecurity, c.relforcerowsecurity,
           quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name,
           CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view'
                WHEN 'm' THEN 'materialized view' ELSE 'foreign table' END AS kind
    FROM reach JOIN pg_class c ON c.oid = reach.oid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
),
fn_oids(oid) AS (
    SELECT t.tgfoid FROM pg_trigger t JOIN rel ON rel.oid = t.tgrelid WHERE NOT t.tgisinternal
  UNION
    SELECT d.refobjid FROM rel
    JOIN pg_rewrite r ON r.ev_class = rel.oid
    JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
    WHERE d.refclassid = 'pg_proc'::regclass
),
fn AS (
    SELECT p.*, p.oid AS foid,
           quote_ident(n.nspname) || '.' || quote_ident(p.proname)
             || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS name
    FROM fn_oids JOIN pg_proc p ON p.oid = fn_oids.oid
    JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
),
type_oids(oid) AS (
    SELECT a.atttypid FROM rel
    JOIN pg_attribute a ON a.attrelid = rel.oid AND a.attnum > 0 AND NOT a.attisdropped
  UNION
    SELECT d.refobjid FROM rel
    JOIN pg_rewrite r ON r.ev_class = rel.oid
    JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
    WHERE d.refclassid = 'pg_type'::regclass
),
ty AS (
    SELECT t.oid AS toid, t.typtype, t.typbasetype, t.typtypmod, t.typnotnull, t.typrelid,
           t.typdefaultbin, format_type(t.oid, NULL) AS name
    FROM (SELECT DISTINCT CASE WHEN t0.typcategory = 'A' AND t0.typelem <> 0 THEN t0.typelem
                               ELSE t0.oid END AS oid
          FROM type_oids JOIN pg_type t0 ON t0.oid = type_oids.oid) u
    JOIN pg_type t ON t.oid = u.oid
    JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND (t.typtype IN ('e', 'd')
           OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))
),
items(k, n, o, l, m, t) AS (
    SELECT 'missing', name, '0', 'relation', 'plain', 'not found: ' || name
    FROM resolved WHERE oid IS NULL
  UNION ALL
    SELECT kind, name, '0', 'kind', 'plain', kind FROM rel
  UNION ALL
    SELECT rel.kind, rel.name, '1 ' || lpad(row_number() OVER (PARTITION BY rel.oid ORDER BY a.attnum)::text, 5, '0'),
           'column ' || quote_ident(a.attname), 'plain',
           format_type(a.atttypid, a.atttypmod)
             || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
             || CASE a.attidentity WHEN 'a' THEN ' GENERATED ALWAYS AS IDENTITY'
                                   WHEN 'd' THEN ' GENERATED BY DEFAULT AS IDENTITY' ELSE '' END
             || CASE WHEN a.attgenerated <> '' THEN ' GENERATED' ELSE '' END
             || CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation
                     THEN ' COLLATE ' || (SELECT quote_ident(collname) FROM pg_collation WHERE oid = a.attcollation)
                     ELSE '' END
    FROM rel JOIN pg_attribute a ON a.attrelid = rel.oid AND a.attnum > 0 AND NOT a.attisdropped
    JOIN pg_type t ON t.oid = a.atttypid
  UNION ALL
    SELECT rel.kind, rel.name, '2 ' || a.attname,
           CASE WHEN a.attgenerated <> '' THEN 'generated ' ELSE 'default ' END || quote_ident(a.attname),
           'expr', pg_get_expr(ad.adbin, ad.adrelid)
    FROM rel JOIN pg_attrdef ad ON ad.adrelid = rel.oid
    JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum AND NOT a.attisdropped
  UNION ALL
    SELECT rel.kind, rel.name, '3 ' || c.conname, 'constraint ' || quote_ident(c.conname),
           CASE c.contype WHEN 'c' THEN 'expr' ELSE 'plain' END,
           CASE c.contype WHEN 'c' THEN pg_get_expr(c.conbin, c.conrelid) ELSE pg_get_constraintdef(c.oid) END
             || CASE WHEN c.convalidated THEN '' ELSE ' NOT VALID' END
    FROM rel JOIN pg_constraint c ON c.conrelid = rel.oid AND c.contype IN ('c', 'p', 'u', 'f', 'x')
  UNION ALL
    SELECT rel.kind, rel.name, '4 ' || i.relname, 'index ' || quote_ident(i.relname), 'stmt',
           pg_get_indexdef(x.indexrelid)
    FROM rel JOIN pg_index x ON x.indrelid = rel.oid JOIN pg_class i ON i.oid = x.indexrelid
  UNION ALL
    SELECT rel.kind, rel.name, '5', 'definition', 'stmt', pg_get_viewdef(rel.oid)
    FROM rel WHERE rel.relkind IN ('v', 'm')
  UNION ALL
    SELECT rel.kind, rel.name, '6 ' || r.rulename, 'rule ' || quote_ident(r.rulename), 'stmt',
           pg_get_ruledef(r.oid)
    FROM rel JOIN pg_rewrite r ON r.ev_class = rel.oid WHERE r.rulename <> '_RETURN'
  UNION ALL
    SELECT rel.kind, rel.name, '7', 'row level security', 'plain',
           CASE WHEN rel.relrowsecurity THEN 'enabled' ELSE 'disabled' END
             || CASE WHEN rel.relforcerowsecurity THEN ', forced' ELSE '' END
    FROM rel WHERE rel.relkind IN ('r', 'p')
  UNION ALL
    SELECT rel.kind, rel.name, '8 ' || p.polname, 'policy ' || quote_ident(p.polname), 'plain',
           p.polcmd::text || CASE WHEN p.polpermissive THEN ' permissive' ELSE ' restrictive' END
             || ' using ' || coalesce(pg_get_expr(p.polqual, p.polrelid), '-')
             || ' check ' || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '-')
    FROM rel JOIN pg_policy p ON p.polrelid = rel.oid
  UNION ALL
    SELECT 'trigger', rel.name || '.' || quote_ident(t.tgname), '1', 'definition', 'stmt',
           pg_get_triggerdef(t.oid)
    FROM rel JOIN pg_trigger t ON t.tgrelid = rel.oid AND NOT t.tgisinternal
  UNION ALL
    SELECT 'trigger', rel.name || '.' || quote_ident(t.tgname), '2', 'enabled', 'plain',
           CASE t.tgenabled WHEN 'O' THEN 'enabled' WHEN 'D' THEN 'disabled'
                WHEN 'R' THEN 'enabled on replica only' WHEN 'A' THEN 'enabled always' END
    FROM rel JOIN pg_trigger t ON t.tgrelid = rel.oid AND NOT t.tgisinternal
  UNION ALL
    SELECT 'function', fn.name, '1', 'returns', 'plain', pg_get_function_result(fn.foid) FROM fn
  UNION ALL
    SELECT 'function', fn.name, '2', 'attributes', 'plain',
           'language ' || (SELECT lanname FROM pg_language WHERE oid = fn.prolang)
             || CASE fn.provolatile WHEN 'i' THEN ' immutable' WHEN 's' THEN ' stable' ELSE ' volatile' END
             || CASE WHEN fn.proisstrict THEN ' strict' ELSE '' END
             || CASE WHEN fn.prosecdef THEN ' security definer' ELSE '' END
             || coalesce(' set ' || array_to_string(fn.proconfig, ', '), '')
    FROM fn
  UNION ALL
    SELECT 'function', fn.name, '3', 'body', 'plain',
           CASE WHEN fn.prosrc <> '' THEN fn.prosrc ELSE pg_get_functiondef(fn.foid) END
    FROM fn
  UNION ALL
    SELECT 'type', ty.name, '1', 'enum labels', 'plain',
           (SELECT string_agg(quote_literal(enumlabel), ', ' ORDER BY enumsortorder)
            FROM pg_enum WHERE enumtypid = ty.toid)
    FROM ty WHERE ty.typtype = 'e'
  UNION ALL
    SELECT 'type', ty.name, '1', 'domain of', 'plain',
           format_type(ty.typbasetype, ty.typtypmod) || CASE WHEN ty.typnotnull THEN ' NOT NULL' ELSE '' END
    FROM ty WHERE ty.typtype = 'd'
  UNION ALL
    SELECT 'type', ty.name, '2', 'default', 'expr', pg_get_expr(ty.typdefaultbin, 0)
    FROM ty WHERE ty.typtype = 'd' AND ty.typdefaultbin IS NOT NULL
  UNION ALL
    SELECT 'type', ty.name, '3 ' || c.conname, 'constraint ' || quote_ident(c.conname), 'expr',
           pg_get_expr(c.conbin, 0)
    FROM ty JOIN pg_constraint c ON c.contypid = ty.toid AND c.contype = 'c'
  UNION ALL
    SELECT 'type', ty.name, '4 ' || lpad(a.attnum::text, 5, '0'), 'attribute ' || quote_ident(a.attname),
           'plain', format_type(a.atttypid, a.atttypmod)
    FROM ty JOIN pg_attribute a ON a.attrelid = ty.typrelid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE ty.typtype = 'c'
)
SELECT 'packetc-fingerprint ' || current_setting('server_version_num') || ' '
       || encode(convert_to(coalesce(jsonb_agg(jsonb_build_array(k, n, o, l, m, coalesce(t, ''))
                                               ORDER BY k, n, o), '[]'::jsonb)::text, 'UTF8'), 'hex')
FROM items;";

/// Read the query's answer out of psql's stdout: the server's `server_version_num` and items.
pub fn parse(stdout: &str) -> Result<(u32, Vec<Item>), String> {
    let (version, bytes) = crate::pg::answer::read(stdout, MARK, "fingerprint")?;
    let rows: Vec<Vec<String>> =
        serde_json::from_slice(&bytes).map_err(|e| format!("the fingerprint is not JSON: {e}"))?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let [kind, object, order, label, mode, text]: [String; 6] = row
            .try_into()
            .map_err(|r: Vec<String>| format!("a fingerprint row has {} fields, not 6", r.len()))?;
        items.push(Item {
            kind,
            object,
            order,
            label,
            mode,
            text,
        });
    }
    Ok((version, items))
}
