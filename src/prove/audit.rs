//! The write audit on the clone: PostgreSQL itself records and compares what every step did to
//! the protected objects, so `prove` sees what no static analysis can (cascades, trigger and
//! function bodies, extensions, a hand-edited script).
//!
//! Installed once into the clone templates (never anywhere else), it consists of:
//! - an event trigger on `ddl_command_end` and `sql_drop` logging every DDL command;
//! - row and TRUNCATE triggers on each protected table logging every change, set `ENABLE
//!   ALWAYS` so they fire even under `session_replication_role = replica`;
//! - `packetc_audit.snapshot(tables)`: one digest per protected table and aspect (rows, columns
//!   and defaults, constraints, indexes, triggers and whether they are enabled, trigger
//!   functions' definitions, rules, policies and row security, inheritance, owner, ACLs and
//!   storage), computed by the server from its catalogs.
//!
//! Around every step run `prove` takes a snapshot before and after and reads the log; any
//! difference fails the proof, naming the object and the aspect.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use crate::diag::Error;
use crate::packet::Packet;
use crate::pg::{self, quote_literal, TableFingerprint, Target};

use super::{pg_error, Scenario};

/// The protected tables of a packet: the role's protected tables, the tables of its protected
/// columns and the approval table, in that order, each once.
#[must_use]
pub fn protected_tables(p: &Packet) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |t: &str| {
        if !out.iter().any(|x| x == t) {
            out.push(t.to_owned());
        }
    };
    if let Some(r) = &p.run_as {
        r.protected_tables.iter().for_each(|t| add(t));
        r.protected_columns.iter().for_each(|(t, _)| add(t));
    }
    if let Some(a) = &p.human_gate.approval {
        add(&a.table);
    }
    out
}

const INSTALL: &str = r#"
\set ON_ERROR_STOP on
SET client_min_messages = warning;
CREATE SCHEMA packetc_audit;
CREATE TABLE packetc_audit.log (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind   text NOT NULL,
    object text NOT NULL,
    detail text NOT NULL
);
CREATE FUNCTION packetc_audit.row_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $audit$
BEGIN
  INSERT INTO packetc_audit.log (kind, object, detail)
  VALUES ('write', TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME, TG_OP);
  RETURN NULL;
END
$audit$;
CREATE FUNCTION packetc_audit.ddl() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $audit$
DECLARE r record;
BEGIN
  FOR r IN SELECT * FROM pg_event_trigger_ddl_commands() LOOP
    INSERT INTO packetc_audit.log (kind, object, detail)
    VALUES ('ddl', coalesce(r.object_identity, r.object_type, '?'), r.command_tag);
  END LOOP;
END
$audit$;
CREATE FUNCTION packetc_audit.dropped() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $audit$
DECLARE r record;
BEGIN
  FOR r IN SELECT * FROM pg_event_trigger_dropped_objects() LOOP
    INSERT INTO packetc_audit.log (kind, object, detail)
    VALUES ('ddl', coalesce(r.object_identity, r.object_type, '?'), 'DROP ' || r.object_type);
  END LOOP;
END
$audit$;
CREATE EVENT TRIGGER packetc_audit_ddl ON ddl_command_end EXECUTE FUNCTION packetc_audit.ddl();
CREATE EVENT TRIGGER packetc_audit_drop ON sql_drop EXECUTE FUNCTION packetc_audit.dropped();
ALTER EVENT TRIGGER packetc_audit_ddl ENABLE ALWAYS;
ALTER EVENT TRIGGER packetc_audit_drop ENABLE ALWAYS;

-- Every table's row count and rows digest, one line per table (`schema.table<TAB>rows<TAB>md5`,
-- as pg::database_fingerprint computes them), in one round trip.
CREATE FUNCTION packetc_audit.database_digest() RETURNS text
LANGUAGE plpgsql AS $audit$
DECLARE
  r record;
  d text;
  acc text := '';
BEGIN
  FOR r IN SELECT n.nspname || '.' || c.relname AS label, c.oid::regclass::text AS rel
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
              AND n.nspname NOT LIKE 'pg\_%' ORDER BY n.nspname, c.relname LOOP
    EXECUTE format('SELECT count(*) || E''\t'' || coalesce(md5(string_agg(t::text, ''|'' ORDER BY t::text)), '''') FROM %s AS t', r.rel)
      INTO d;
    acc := acc || r.label || E'\t' || d || E'\n';
  END LOOP;
  -- Sequences too (nextval is not rolled back), as `sequence:schema.name<TAB>0<TAB>state`.
  FOR r IN SELECT n.nspname || '.' || c.relname AS label, c.oid::regclass::text AS rel
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'S' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
              AND n.nspname NOT LIKE 'pg\_%' ORDER BY n.nspname, c.relname LOOP
    EXECUTE format('SELECT last_value || '','' || is_called FROM %s', r.rel) INTO d;
    acc := acc || 'sequence:' || r.label || E'\t0\t' || d || E'\n';
  END LOOP;
  RETURN acc;
END
$audit$;

CREATE FUNCTION packetc_audit.snapshot(tables text[])
RETURNS TABLE (object text, aspect text, digest text)
LANGUAGE plpgsql AS $audit$
-- No SET search_path: the names resolve as the packet's scripts resolve them.
DECLARE
  t text;
  rel oid;
BEGIN
  FOREACH t IN ARRAY tables LOOP
    object := t;
    rel := to_regclass(t);
    IF rel IS NULL THEN
      aspect := 'existence'; digest := 'missing'; RETURN NEXT;
      CONTINUE;
    END IF;
    aspect := 'existence'; digest := rel::text; RETURN NEXT;
    aspect := 'rows';
    EXECUTE format('SELECT md5(coalesce(string_agg(x::text, E''\n'' ORDER BY x::text), '''')) FROM %s AS x', rel::regclass)
      INTO digest;
    RETURN NEXT;
    aspect := 'columns and defaults';
    SELECT md5(coalesce(string_agg(format('%s %s notnull=%s default=%s dropped=%s generated=%s identity=%s acl=%s',
             a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid),
             a.attisdropped, a.attgenerated, a.attidentity, a.attacl), E'\n' ORDER BY a.attnum), ''))
      INTO digest
      FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid = rel AND a.attnum > 0;
    RETURN NEXT;
    aspect := 'constraints';
    SELECT md5(coalesce(string_agg(format('%s %s validated=%s', c.conname, pg_get_constraintdef(c.oid), c.convalidated),
             E'\n' ORDER BY c.conname), ''))
      INTO digest FROM pg_constraint c WHERE c.conrelid = rel OR c.confrelid = rel;
    RETURN NEXT;
    aspect := 'indexes';
    SELECT md5(coalesce(string_agg(pg_get_indexdef(i.indexrelid), E'\n' ORDER BY 1), ''))
      INTO digest FROM pg_index i WHERE i.indrelid = rel;
    RETURN NEXT;
    aspect := 'triggers';
    SELECT md5(coalesce(string_agg(format('%s enabled=%s %s', g.tgname, g.tgenabled, pg_get_triggerdef(g.oid)),
             E'\n' ORDER BY g.tgname), ''))
      INTO digest FROM pg_trigger g WHERE g.tgrelid = rel;
    RETURN NEXT;
    aspect := 'trigger functions';
    SELECT md5(coalesce(string_agg(format('%s %s', g.tgname, pg_get_functiondef(g.tgfoid)), E'\n' ORDER BY g.tgname), ''))
      INTO digest FROM pg_trigger g WHERE g.tgrelid = rel;
    RETURN NEXT;
    aspect := 'rules';
    SELECT md5(coalesce(string_agg(format('%s %s %s', r.rulename, r.ev_enabled, pg_get_ruledef(r.oid)), E'\n' ORDER BY r.rulename), ''))
      INTO digest FROM pg_rewrite r WHERE r.ev_class = rel;
    RETURN NEXT;
    aspect := 'policies';
    SELECT md5(format('rls=%s force=%s ', c.relrowsecurity, c.relforcerowsecurity)
             || coalesce((SELECT string_agg(format('%s %s %s %s %s %s', p.polname, p.polcmd, p.polpermissive, p.polroles,
                                  pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)), E'\n' ORDER BY p.polname)
                           FROM pg_policy p WHERE p.polrelid = rel), ''))
      INTO digest FROM pg_class c WHERE c.oid = rel;
    RETURN NEXT;
    aspect := 'inheritance';
    SELECT md5(coalesce(string_agg(format('%s<-%s', h.inhparent::regclass, h.inhrelid::regclass), E'\n' ORDER BY 1), ''))
      INTO digest FROM pg_inherits h WHERE h.inhrelid = rel OR h.inhparent = rel;
    RETURN NEXT;
    aspect := 'owner, ACL and storage';
    SELECT md5(format('%s %s %s %s %s %s', pg_get_userbyid(c.relowner), c.relacl, c.relkind, c.relpersistence,
                      c.reloptions, c.relnamespace::regnamespace))
      INTO digest FROM pg_class c WHERE c.oid = rel;
    RETURN NEXT;
  END LOOP;
END
$audit$;
"#;

/// Prefix of the sequence entries in [`tables`].
pub const SEQUENCE: &str = "sequence:";

/// Row counts and digests of every table of the clone, by `schema.table`, and the state of every
/// sequence, by `sequence:schema.name` (one round trip).
pub fn tables(target: &Target) -> Result<BTreeMap<String, TableFingerprint>, Error> {
    let text = pg::query_scalar(target, &[], "SELECT packetc_audit.database_digest()")
        .map_err(pg_error)?
        .unwrap_or_default();
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let mut parts = line.split('\t');
        if let (Some(name), Some(rows), Some(md5)) = (parts.next(), parts.next(), parts.next()) {
            out.insert(
                name.to_owned(),
                TableFingerprint {
                    rows: rows.parse().unwrap_or(-1),
                    md5: md5.to_owned(),
                },
            );
        }
    }
    Ok(out)
}

/// The installation script for `tables`.
#[must_use]
pub fn install_sql(tables: &[String]) -> String {
    let mut s = INSTALL.to_owned();
    for t in tables {
        let rel = crate::pg::quote_qualified(t);
        s.push_str(&format!(
            "CREATE TRIGGER packetc_audit_row AFTER INSERT OR UPDATE OR DELETE ON {rel} FOR EACH ROW EXECUTE FUNCTION packetc_audit.row_change();\n\
             CREATE TRIGGER packetc_audit_truncate AFTER TRUNCATE ON {rel} FOR EACH STATEMENT EXECUTE FUNCTION packetc_audit.row_change();\n\
             ALTER TABLE {rel} ENABLE ALWAYS TRIGGER packetc_audit_row;\n\
             ALTER TABLE {rel} ENABLE ALWAYS TRIGGER packetc_audit_truncate;\n"
        ));
    }
    s
}

/// What PostgreSQL reported for the protected objects at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// `(object, aspect, digest)`.
    pub digests: Vec<(String, String, String)>,
    /// The last audit log id.
    pub log_id: i64,
}

/// One step run, audited.
#[derive(Debug, Clone)]
pub struct Record {
    pub step: usize,
    /// Empty when nothing protected changed; else what did.
    pub changes: Vec<String>,
}

/// The audit of one prove run.
pub struct Audit {
    pub tables: Vec<String>,
    pub records: RefCell<Vec<Record>>,
    /// The snapshot after the last step run, while nothing else has touched the clone since:
    /// it is the next run's "before" (saves a round trip per run).
    last: RefCell<Option<(Option<String>, Snapshot)>>,
    changed_outside: Cell<bool>,
}

impl Audit {
    #[must_use]
    pub fn new(tables: Vec<String>) -> Audit {
        Audit {
            tables,
            records: RefCell::new(Vec::new()),
            last: RefCell::new(None),
            changed_outside: Cell::new(true),
        }
    }

    /// Something other than a step changed a clone (a new clone, a fixture file, a deletion).
    pub fn touched(&self) {
        self.changed_outside.set(true);
    }

    /// The snapshot before a step: the previous step's "after" when the same clone was not
    /// touched since, else a fresh one.
    pub fn before(&self, target: &Target) -> Result<Snapshot, Error> {
        if !self.changed_outside.get() {
            if let Some((db, snap)) = self.last.borrow().as_ref() {
                if *db == target.dbname() {
                    return Ok(snap.clone());
                }
            }
        }
        self.snapshot(target)
    }

    /// The snapshot after a step (remembered as the next "before").
    pub fn after(&self, target: &Target) -> Result<Snapshot, Error> {
        let snap = self.snapshot(target)?;
        *self.last.borrow_mut() = Some((target.dbname(), snap.clone()));
        self.changed_outside.set(false);
        Ok(snap)
    }

    /// Take a snapshot (one query, one transaction snapshot).
    pub fn snapshot(&self, target: &Target) -> Result<Snapshot, Error> {
        let array = format!(
            "ARRAY[{}]::text[]",
            self.tables
                .iter()
                .map(|t| quote_literal(t))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let sql = format!(
            "SELECT object, aspect, digest FROM packetc_audit.snapshot({array}) \
             UNION ALL SELECT '', 'log', coalesce(max(id), 0)::text FROM packetc_audit.log"
        );
        let rows = pg::query_rows(target, &[], &sql).map_err(pg_error)?;
        let mut snap = Snapshot {
            digests: Vec::new(),
            log_id: 0,
        };
        for row in rows {
            let cell = |i: usize| row.get(i).cloned().flatten().unwrap_or_default();
            if cell(1) == "log" {
                snap.log_id = cell(2).parse().unwrap_or(0);
            } else {
                snap.digests.push((cell(0), cell(1), cell(2)));
            }
        }
        Ok(snap)
    }

    /// Compare two snapshots and the log between them; record the result for the step.
    pub fn compare(
        &self,
        target: &Target,
        step: usize,
        before: &Snapshot,
        after: &Snapshot,
    ) -> Result<(), Error> {
        let mut changes: Vec<String> = before
            .digests
            .iter()
            .zip(&after.digests)
            .filter(|(b, a)| b != a)
            .map(|(b, _)| format!("{} {}", b.0, b.1))
            .collect();
        if before.digests.len() != after.digests.len() {
            changes.push("the set of protected objects".into());
        }
        // Fail closed: a protected table the audit cannot find is not "unchanged".
        changes.extend(
            after
                .digests
                .iter()
                .filter(|(_, aspect, digest)| aspect == "existence" && digest == "missing")
                .map(|(t, _, _)| format!("{t} not found on the clone")),
        );
        if after.log_id != before.log_id {
            let rows = pg::query_rows(
                target,
                &[],
                &format!(
                    "SELECT kind || ' ' || detail || ' ' || object FROM packetc_audit.log \
                     WHERE id > {} ORDER BY id LIMIT 20",
                    before.log_id
                ),
            )
            .map_err(pg_error)?;
            let mut seen: Vec<String> = Vec::new();
            for r in rows
                .into_iter()
                .filter_map(|r| r.into_iter().next().flatten())
            {
                if !seen.contains(&r) {
                    seen.push(r);
                }
            }
            changes.extend(seen.into_iter().map(|s| format!("logged: {s}")));
        }
        self.records.borrow_mut().push(Record { step, changes });
        Ok(())
    }

    /// The report: one line per step, over every run of it.
    #[must_use]
    pub fn scenario(&self, packet: &Packet) -> Scenario {
        let mut sc = Scenario::new(format!(
            "write audit (PostgreSQL event and row triggers, catalog snapshots) on {}",
            if self.tables.is_empty() {
                "no protected objects (the spec names none)".to_owned()
            } else {
                self.tables.join(", ")
            }
        ));
        let records = self.records.borrow();
        for step in &packet.steps {
            let runs: Vec<&Record> = records.iter().filter(|r| r.step == step.number).collect();
            let bad: Vec<String> = runs
                .iter()
                .filter(|r| !r.changes.is_empty())
                .flat_map(|r| r.changes.iter().cloned())
                .collect();
            let observed = if bad.is_empty() {
                format!(
                    "protected objects unchanged (checked by PostgreSQL) in {} run(s)",
                    runs.len()
                )
            } else {
                let mut uniq: Vec<String> = Vec::new();
                for b in bad {
                    if !uniq.contains(&b) {
                        uniq.push(b);
                    }
                }
                format!("changed: {}", uniq.join("; "))
            };
            sc.check(
                observed.starts_with("protected"),
                format!("step {} {}", step.number, step.script),
                "protected objects unchanged",
                observed,
            );
        }
        sc
    }
}
