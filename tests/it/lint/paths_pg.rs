//! Every case of `tests/corpus/lint/paths` reaches a protected object on a real PostgreSQL.
//!
//! `tests/it/lint/corpus.rs` proves packetc flags each case at its `expect:` lines; this test
//! proves each case is real: on a fresh copy of the packet fixture (gate open) plus
//! `setup.psql`, the case runs without error and then either changes the protected objects'
//! state (their rows, columns, defaults, privileges, owners, triggers and trigger functions,
//! children, rules, policies, constraints, indexes) or makes its `-- reach: EXPR` lines true
//! in its own session (for session settings and role memberships).
//! A case marked `-- pg: <=15` needs a server of at most that major (others skip it, loudly).

use crate::common;

use std::path::{Path, PathBuf};

use common::Gate;
use packetc::lint::Policy;
use packetc::pg::{self, run_psql, Target};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/lint/paths")
}

/// The relations whose state is compared: every protected table and every table with a
/// protected column of the paths policy.
fn watched(policy: &Policy) -> Vec<String> {
    let mut v: Vec<String> = policy
        .tables
        .iter()
        .map(|t| t.table.clone())
        .chain(policy.columns.iter().map(|c| c.table.clone()))
        .filter(|n| n != "*")
        .collect();
    v.sort();
    v.dedup();
    v
}

/// A psql script printing the watched relations' state (catalog, then rows).
fn state_script(names: &[String]) -> String {
    let arr = names
        .iter()
        .map(|n| pg::quote_literal(n))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        r#"
\pset pager off
CREATE TEMP TABLE watched AS
  SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relname = ANY (ARRAY[{arr}]) AND n.nspname NOT IN ('pg_catalog', 'information_schema');
SELECT x FROM (
  SELECT 'rel ' || c.oid::regclass || ' ' || c.relkind::text || ' ' || coalesce(c.relacl::text, '-')
         || ' owner=' || c.relowner::regrole || ' rls=' || c.relrowsecurity FROM pg_class c
    WHERE c.oid IN (SELECT oid FROM watched)
  UNION ALL SELECT 'att ' || a.attrelid::regclass || '.' || a.attname || ' ' || a.atttypid::regtype
         || ' ' || a.attnotnull || ' ' || coalesce(a.attacl::text, '-') || ' '
         || coalesce(pg_get_expr(d.adbin, d.adrelid), '-')
    FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attrelid IN (SELECT oid FROM watched) AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL SELECT 'trg ' || t.tgrelid::regclass || ' ' || t.tgname || ' ' || t.tgenabled::text || ' '
         || md5(pg_get_triggerdef(t.oid)) || ' ' || md5(p.prosrc)
    FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid WHERE t.tgrelid IN (SELECT oid FROM watched)
  UNION ALL SELECT 'inh ' || inhparent::regclass || ' <- ' || inhrelid::regclass FROM pg_inherits
    WHERE inhparent IN (SELECT oid FROM watched)
  UNION ALL SELECT 'rule ' || ev_class::regclass || ' ' || rulename FROM pg_rewrite
    WHERE ev_class IN (SELECT oid FROM watched)
  UNION ALL SELECT 'pol ' || polrelid::regclass || ' ' || polname FROM pg_policy
    WHERE polrelid IN (SELECT oid FROM watched)
  UNION ALL SELECT 'con ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
    FROM pg_constraint WHERE conrelid IN (SELECT oid FROM watched)
  UNION ALL SELECT 'idx ' || indexrelid::regclass FROM pg_index WHERE indrelid IN (SELECT oid FROM watched)
) s(x) ORDER BY x;
SELECT format('SELECT %L AS rel, md5(coalesce(string_agg(t::text, %L ORDER BY t::text), %L)) FROM %s t',
              oid::regclass, ',', '', oid::regclass)
  FROM watched ORDER BY oid::regclass::text \gexec
"#
    )
}

fn state(target: &Target, script: &str) -> String {
    let run = run_psql(target, script, &[], true).expect("psql runs");
    assert!(run.success(), "state query: {}", run.summary());
    run.stdout
}

fn server_major(target: &Target) -> u32 {
    pg::query_scalar(target, &[], "SHOW server_version_num")
        .expect("server version")
        .and_then(|v| v.parse::<u32>().ok())
        .map_or(0, |n| n / 10_000)
}

#[test]
fn every_paths_case_reaches_a_protected_object_on_postgresql() {
    let Some(mut db) = common::scratch_db(Gate::Open) else {
        return;
    };
    let policy = Policy::from_yaml(
        "paths/policy.yaml",
        &std::fs::read_to_string(dir().join("policy.yaml")).expect("policy"),
    )
    .expect("paths policy loads");
    let script = state_script(&watched(&policy));
    let setup = std::fs::read_to_string(dir().join("setup.psql")).expect("setup.psql");
    let major = server_major(&db.target);
    let mut cases: Vec<PathBuf> = std::fs::read_dir(dir())
        .expect("paths dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 20, "the paths corpus is there");
    let mut ran = 0;
    for case in &cases {
        let name = case.file_name().map(|n| n.to_string_lossy().into_owned());
        let name = name.unwrap_or_default();
        let text = std::fs::read_to_string(case).expect("case");
        let max_major = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("-- pg: <="))
            .and_then(|v| v.trim().parse::<u32>().ok());
        if max_major.is_some_and(|m| major > m) {
            eprintln!("NOT RUN: {name} needs PostgreSQL <= {max_major:?}, the server is {major}");
            continue;
        }
        db.reset(Gate::Open);
        let run = run_psql(&db.target, &setup, &[], true).expect("psql runs");
        assert!(run.success(), "setup.psql: {}", run.summary());
        let before = state(&db.target, &script);
        let reach: Vec<&str> = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("-- reach:"))
            .map(str::trim)
            .collect();
        let mut full = text.clone();
        for r in &reach {
            full.push_str(&format!(
                "\nDO $reach$ BEGIN IF NOT ({r}) THEN RAISE EXCEPTION 'not reached: %', {}; END IF; END $reach$;\n",
                pg::quote_literal(r)
            ));
        }
        let run = run_psql(&db.target, &full, &[], true).expect("psql runs");
        assert!(
            run.success(),
            "{name} fails on PostgreSQL {major}: {}",
            run.summary()
        );
        if reach.is_empty() {
            let after = state(&db.target, &script);
            assert_ne!(
                before, after,
                "{name} ran but changed no protected object's state"
            );
        }
        ran += 1;
    }
    eprintln!(
        "{ran} of {} paths cases reach a protected object on PostgreSQL {major}",
        cases.len()
    );
    assert!(ran >= 20);
}

/// The look-alikes that name protected things without touching them really touch nothing:
/// `tests/corpus/lint/lookalike/{names,plpgsql,psql_lookalikes}.sql` run cleanly and leaves every protected object's
/// state as it was (`tests/it/lint/corpus.rs` proves packetc reports nothing on it).
#[test]
fn protected_names_used_for_other_things_change_nothing_on_postgresql() {
    let Some(db) = common::scratch_db(Gate::Open) else {
        return;
    };
    let policy = Policy::from_yaml(
        "paths/policy.yaml",
        &std::fs::read_to_string(dir().join("policy.yaml")).expect("policy"),
    )
    .expect("paths policy loads");
    let script = state_script(&watched(&policy));
    // names.sql: names in other namespaces; plpgsql.sql: PL/pgSQL that only reads;
    // psql_lookalikes.sql: `\gdesc`, `\r`, `\echo`, names in literals and comments under
    // every quoting rule.
    for name in ["names.sql", "plpgsql.sql", "psql_lookalikes.sql"] {
        let before = state(&db.target, &script);
        let file = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/corpus/lint/lookalike")
            .join(name);
        let text = std::fs::read_to_string(&file).expect("look-alike file");
        let run = run_psql(&db.target, &text, &[], true).expect("psql runs");
        assert!(run.success(), "{name} fails: {}", run.summary());
        assert_eq!(
            before,
            state(&db.target, &script),
            "{name} changed a protected object"
        );
    }
}
