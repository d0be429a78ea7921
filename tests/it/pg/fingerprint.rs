//! `packetc fingerprint` on a real PostgreSQL: the same view created two cosmetically different
//! ways gets one fingerprint; a semantically different view gets another, with a readable diff.
//! Needs PostgreSQL (a failure in CI).

use crate::common;

use std::process::Command;

use common::conninfo;
use packetc::fingerprint::{compare, Comparison, Fingerprint};
use packetc::pg::{self, Cluster, Target};

/// `packetc fingerprint --database-url ... --format json` (every user relation).
fn fingerprint(t: &Target) -> Fingerprint {
    let out = Command::new(crate::common::BIN)
        .args(["fingerprint", "--format", "json", "--database-url"])
        .arg(conninfo(t))
        .output()
        .expect("packetc runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON fingerprint")
}

fn sql(t: &Target, script: &str) {
    let run = pg::run_psql(t, script, &[], true).expect("psql runs");
    assert!(run.success(), "{}", run.summary());
}

fn viewdef(t: &Target) -> String {
    pg::query_scalar(t, &[], "SELECT pg_get_viewdef('v_inventory')")
        .expect("viewdef")
        .expect("not null")
}

const TABLE: &str = "CREATE TABLE objects (object_key text PRIMARY KEY, status varchar NOT NULL);";

#[test]
fn cosmetic_renderings_compare_equal_and_a_changed_predicate_does_not() {
    let cluster = match Cluster::start() {
        Ok(c) => c,
        Err(e) => {
            common::skip_or_fail::<()>(&e);
            return;
        }
    };
    let db = |name: &str| {
        cluster
            .create_database_from_files(name, &[])
            .expect("create database")
    };
    // As created: IN over a varchar column.
    let created = db("created");
    sql(
        &created,
        &format!("{TABLE}\nCREATE VIEW v_inventory AS SELECT object_key FROM objects WHERE status IN ('active', 'deprecated');"),
    );
    // As restored: created again from PostgreSQL's own rendering of the first one (what a dump
    // and restore does), which PostgreSQL renders differently once more.
    let restored = db("restored");
    sql(
        &restored,
        &format!("{TABLE}\nCREATE VIEW v_inventory AS {}", viewdef(&created)),
    );
    // Different in meaning: one value changed.
    let changed = db("changed");
    sql(
        &changed,
        &format!("{TABLE}\nCREATE VIEW v_inventory AS SELECT object_key FROM objects WHERE status IN ('active', 'retired');"),
    );

    let (a, b, c) = (
        fingerprint(&created),
        fingerprint(&restored),
        fingerprint(&changed),
    );
    // Through a channel command (psql reading the script on stdin), the same answer.
    let psql = pg::find_psql().expect("psql");
    let channel = format!("'{}' -X -d '{}' -f -", psql.display(), conninfo(&created));
    let out = Command::new(crate::common::BIN)
        .args(["fingerprint", "--format", "json", "--channel", &channel])
        .output()
        .expect("packetc runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let via_channel: Fingerprint = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(via_channel, a);
    assert_ne!(
        viewdef(&created),
        viewdef(&restored),
        "the test needs two renderings that differ as text"
    );
    assert_eq!(a.sha256, b.sha256, "cosmetic difference:\n{a:#?}\n{b:#?}");
    assert_eq!(
        compare(&a, &b),
        Comparison::Cosmetic(vec!["view public.v_inventory".into()])
    );
    assert_ne!(a.sha256, c.sha256);
    let Comparison::Different(diffs) = compare(&a, &c) else {
        panic!("a changed predicate must be a real difference");
    };
    let names: Vec<&str> = diffs.iter().map(|d| d.object.as_str()).collect();
    assert_eq!(names, ["view public.v_inventory"]);
    let diff = &diffs[0].diff;
    assert!(
        diff.contains("--- view public.v_inventory (proven)")
            && diff.contains("+++ view public.v_inventory (target)"),
        "{diff}"
    );
    assert!(
        diff.lines()
            .any(|l| l.starts_with('-') && l.contains("'deprecated'::TEXT")),
        "{diff}"
    );
    assert!(
        diff.lines()
            .any(|l| l.starts_with('+') && l.contains("'retired'::TEXT")),
        "{diff}"
    );
    // Only the changed lines and their context, not the whole definition.
    assert!(diff.lines().count() < 15, "{diff}");
}

#[test]
fn a_dropped_column_default_or_a_disabled_trigger_is_a_difference() {
    let cluster = match Cluster::start() {
        Ok(c) => c,
        Err(e) => {
            common::skip_or_fail::<()>(&e);
            return;
        }
    };
    let setup = "CREATE TABLE t (id int PRIMARY KEY, s text DEFAULT 'x');\n\
                 CREATE FUNCTION t_touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;\n\
                 CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION t_touch();";
    let base = cluster.create_database_from_files("base", &[]).expect("db");
    sql(&base, setup);
    let other = cluster
        .create_database_from_files("other", &[])
        .expect("db");
    sql(
        &other,
        &format!("{setup}\nALTER TABLE t ALTER COLUMN s DROP DEFAULT;\nALTER TABLE t DISABLE TRIGGER t_touch;"),
    );
    let Comparison::Different(diffs) = compare(&fingerprint(&base), &fingerprint(&other)) else {
        panic!("must differ");
    };
    let names: Vec<&str> = diffs.iter().map(|d| d.object.as_str()).collect();
    assert_eq!(names, ["table public.t", "trigger public.t.t_touch"]);
    assert!(
        diffs[0].diff.contains("-default s: 'x'::TEXT"),
        "{}",
        diffs[0].diff
    );
    assert!(
        diffs[1].diff.contains("-enabled: enabled") && diffs[1].diff.contains("+enabled: disabled"),
        "{}",
        diffs[1].diff
    );
}
