//! The generated scripts on a real PostgreSQL clone, fed to real psql on stdin exactly as the
//! channel does (no -v ON_ERROR_STOP=1 unless a scenario says so). Each scenario asserts the exit
//! code, the message naming the metric with expected and observed values, and the tables before
//! and after. Needs PostgreSQL: skipped loudly without it, a failure in CI.

use crate::common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::{Gate, ScratchDb};
use packetc::pg::{self, PsqlRun, TableFingerprint, Target};

const APR: &str = "APR-BOOT-AUTHMODEL-1";
const TAG: &str = "F6_OWNERSHIP_SEED_COMMIT";
const PREFLIGHT: &str = "F_prod_00_preflight.sql";
const SEED: &str = "F_prod_01_ownership_seed_commit.sql";
const VERIFY: &str = "F_prod_02_verify.sql";
const ROLLBACK: &str = "F_prod_03_rollback.sql";

fn script(name: &str) -> String {
    std::fs::read_to_string(common::packet_dir().join("sql").join(name)).expect("committed script")
}

fn vars(apr: &str) -> Vec<(String, String)> {
    vec![("ratified_apr".to_owned(), apr.to_owned())]
}

fn run(db: &ScratchDb, name: &str) -> PsqlRun {
    run_with(&db.target, name, &vars(APR))
}

fn run_with(target: &Target, name: &str, v: &[(String, String)]) -> PsqlRun {
    pg::run_psql(target, &script(name), v, false).expect("psql runs")
}

fn sql(target: &Target, q: &str) -> String {
    pg::query_scalar(target, &[], q)
        .expect("query")
        .unwrap_or_else(|| "NULL".into())
}

fn exec(target: &Target, q: &str) {
    let r = pg::run_psql(target, q, &[], true).expect("psql runs");
    assert!(r.success(), "{q}: {}", r.summary());
}

fn fp(db: &ScratchDb) -> BTreeMap<String, TableFingerprint> {
    pg::database_fingerprint(&db.target, &[]).expect("fingerprint")
}

/// The script stopped itself (exit 3 under its own ON_ERROR_STOP) with a packetc message that
/// contains every fragment.
fn assert_stopped(run: &PsqlRun, fragments: &[&str]) {
    assert_eq!(
        run.exit_code,
        Some(3),
        "expected the script to stop itself:\n{}",
        run.summary()
    );
    for f in fragments {
        assert!(
            run.stderr.contains(f),
            "stderr lacks {f:?}:\n{}",
            run.stderr
        );
    }
}

fn assert_ok(run: &PsqlRun) {
    assert!(run.success(), "{}", run.summary());
}

fn tagged(t: &Target) -> String {
    sql(
        t,
        &format!("SELECT count(*) FROM governance_object_ownership WHERE created_by = '{TAG}'"),
    )
}

#[test]
fn gate_closed_stops_preflight_and_seed_and_changes_nothing() {
    let Some(db) = common::scratch_db(Gate::Closed) else {
        return;
    };
    let before = fp(&db);
    for name in [PREFLIGHT, SEED] {
        let r = run(&db, name);
        assert_stopped(
            &r,
            &[&format!(
                "packetc: {name} approval failed: ospa expected a row of os_proposal_approvals"
            )],
        );
    }
    assert_eq!(fp(&db), before);
}

#[test]
fn happy_path_reaches_the_final_state_and_rollback_restores_every_table() {
    let Some(db) = common::scratch_db(Gate::Open) else {
        return;
    };
    let start = fp(&db);
    let protected = |db: &ScratchDb| {
        [
            "system_issues",
            "event_outbox",
            "event_type_registry",
            "os_proposal_approvals",
        ]
        .map(|t| pg::table_fingerprint(&db.target, t).expect("fingerprint"))
    };
    let untouched = protected(&db);
    for name in [PREFLIGHT, SEED, VERIFY] {
        assert_ok(&run(&db, name));
        assert_eq!(
            protected(&db),
            untouched,
            "{name} touched a protected table"
        );
    }
    let t = &db.target;
    assert_eq!(
        sql(t, "SELECT count(*) FROM governance_object_ownership"),
        "30"
    );
    assert_eq!(tagged(t), "30");
    assert_eq!(
        sql(t, "SELECT count(*) FROM v_governance_ownership_gap"),
        "0"
    );
    assert_eq!(
        sql(t, "SELECT count(*) FROM v_governance_ownership_conflict"),
        "0"
    );
    assert_eq!(
        sql(t, "SELECT count(*) FROM v_governance_effective_ownership"),
        "240"
    );
    assert_eq!(sql(t, "SELECT count(*) FROM event_outbox WHERE aggregate_type = 'governance_object_ownership'"), "0");
    assert_eq!(
        sql(
            t,
            "SELECT round(100.0 * (210 - count(*)) / 210, 2) FROM v_governance_ownership_gap"
        ),
        "100.00"
    );
    assert_eq!(
        sql(
            t,
            &format!(
                "SELECT count(*) FROM governance_object_ownership WHERE approval_ref = '{APR}'"
            )
        ),
        "30"
    );
    assert_ok(&run(&db, ROLLBACK));
    assert_eq!(protected(&db), untouched);
    assert_eq!(
        sql(t, "SELECT count(*) FROM governance_object_ownership"),
        "0"
    );
    assert_eq!(
        sql(t, "SELECT count(*) FROM v_governance_ownership_gap"),
        "210"
    );
    assert_eq!(
        fp(&db),
        start,
        "rollback must leave every table byte-identical to before the seed"
    );
}

/// One drift per gate metric: preflight and seed stop, naming it with expected and observed.
#[test]
fn drift_in_any_gate_metric_stops_preflight_and_seed() {
    let Some(mut db) = common::scratch_db(Gate::Open) else {
        return;
    };
    let cases: [(&str, &str, &str); 5] = [
        ("gap expected = 210, observed 209",
         "INSERT INTO governance_object_ownership (object_kind, object_key, scope_key, owner_role, created_by) \
          SELECT 'object', object_key, 'audit', 'role_someone', 'manual' FROM v_governance_object_inventory ORDER BY object_key LIMIT 1", "gap"),
        ("own expected = 0, observed 1",
         "INSERT INTO governance_object_ownership (object_kind, object_key, scope_key, owner_role, created_by) \
          VALUES ('object', 'not_in_inventory', 'security', 'role_someone', 'manual')", "own"),
        ("conflict expected = 0, observed 1",
         "INSERT INTO governance_object_ownership (object_kind, object_key, scope_key, owner_role, created_by) \
          VALUES ('object', 'not_in_inventory', 'security', 'role_a', 'manual'), ('object', 'not_in_inventory', 'security', 'role_b', 'manual')", "conflict"),
        ("inventory expected = 35, observed 36",
         "INSERT INTO governance_objects (object_key, object_type, domain_key, title, status) \
          SELECT 'table:drift_object', object_type, domain_key, 'drift', 'active' FROM governance_objects ORDER BY object_key LIMIT 1", "inventory"),
        ("scopes expected = 6, observed 7",
         "INSERT INTO governance_scopes (scope_key, title, description, ordinal) VALUES ('drift_scope', 'Drift', 'drift', 7)", "scopes"),
    ];
    for (message, drift, metric) in cases {
        db.reset(Gate::Open);
        exec(&db.target, drift);
        let before = fp(&db);
        for name in [PREFLIGHT, SEED] {
            let r = run(&db, name);
            assert_stopped(&r, &[&format!("packetc: {name} gate failed:"), message]);
            let report = packetc::observe::parse(&r.stderr);
            assert!(
                report.failure.is_some_and(|f| f.names(metric)),
                "{name}: {metric} not named"
            );
        }
        assert_eq!(fp(&db), before, "drift {metric}: nothing may change");
    }
    // Wrong database: a clone under another name.
    let other = db
        .server
        .cluster
        .create_database_from_template("directus_copy", "directus")
        .expect("copy");
    for name in [PREFLIGHT, SEED, VERIFY, ROLLBACK] {
        let r = run_with(&other, name, &vars(APR));
        assert_stopped(
            &r,
            &["connected to database directus_copy, expected directus"],
        );
    }
    db.server
        .cluster
        .drop_database("directus_copy")
        .expect("drop copy");
}

#[test]
fn seed_twice_and_rollback_twice_stop_the_second_time() {
    let Some(db) = common::scratch_db(Gate::Open) else {
        return;
    };
    assert_ok(&run(&db, SEED));
    let seeded = fp(&db);
    assert_stopped(
        &run(&db, SEED),
        &["gate failed: gap expected = 210, observed 0; own expected = 0, observed 30"],
    );
    assert_eq!(fp(&db), seeded);
    assert_ok(&run(&db, ROLLBACK));
    let rolled_back = fp(&db);
    assert_stopped(
        &run(&db, ROLLBACK),
        &["before failed:", "own_tagged expected = 30, observed 0"],
    );
    assert_eq!(fp(&db), rolled_back);
}

#[test]
fn rollback_removes_only_the_tagged_rows() {
    let Some(db) = common::scratch_db(Gate::Open) else {
        return;
    };
    assert_ok(&run(&db, SEED));
    exec(&db.target, "INSERT INTO governance_object_ownership (object_kind, object_key, scope_key, owner_role, created_by, approval_ref) \
                      VALUES ('object', 'legacy_object', 'security', 'role_legacy', 'OTHER_PACKET', 'APR-OTHER-1')");
    let r = run(&db, ROLLBACK);
    assert_ok(&r);
    assert!(
        r.stderr
            .contains("after own = 1 (expected = 1 (before -30))"),
        "{}",
        r.stderr
    );
    assert_eq!(tagged(&db.target), "0");
    assert_eq!(
        sql(&db.target, "SELECT string_agg(created_by || '/' || object_key, ',') FROM governance_object_ownership"),
        "OTHER_PACKET/legacy_object"
    );
}

#[test]
fn missing_or_malformed_ratified_apr_stops_before_any_write() {
    let Some(db) = common::scratch_db(Gate::Open) else {
        return;
    };
    let before = fp(&db);
    let r = run_with(&db.target, SEED, &[]);
    assert_stopped(
        &r,
        &[
            "refuses to run: psql variable ratified_apr is not set",
            "pass -v ratified_apr=APR-BOOT-AUTHMODEL-1",
        ],
    );
    for bad in [
        "",
        "apr-boot-1",
        "APR-BOOT-AUTHMODEL-1'; DELETE FROM system_issues; --",
        "APR-X\\",
        "APR-1 OR 1=1",
    ] {
        let r = run_with(&db.target, SEED, &vars(bad));
        assert_stopped(
            &r,
            &[
                "refuses to run: psql variable ratified_apr =",
                "does not match ^APR-",
            ],
        );
        assert!(
            !r.stdout.contains("INSERT"),
            "nothing may be written for {bad:?}"
        );
    }
    assert_eq!(fp(&db), before);
}

/// The packet with one metric query replaced, rendered (the committed scripts are not touched).
fn variant_scripts(from: &str, to: &str) -> Vec<packetc::render::Script> {
    let spec = std::fs::read_to_string(common::packet_dir().join("packet.yaml")).expect("spec");
    assert!(spec.contains(from), "the spec has no {from:?}");
    let spec = spec.replacen(from, to, 1);
    let packet = packetc::packet::parse("packet.yaml", &spec, &|_| Err("none".into()))
        .expect("variant validates");
    let loaded = packetc::packet::Loaded {
        dir: common::packet_dir(),
        spec_path: common::packet_dir().join("packet.yaml"),
        spec_sha256: packetc::packet::sha256_hex(spec.as_bytes()),
        packet,
    };
    packetc::render::render(&loaded).expect("renders")
}

/// A check row keeps a scalar subquery's meaning: a metric that finds nothing is NULL and fails
/// (with every other failed check of its phase), and one that returns two rows is an error, never
/// a value picked from them.
#[test]
fn a_null_metric_fails_and_a_two_row_metric_is_an_error() {
    let Some(db) = common::scratch_db(Gate::Open) else {
        return;
    };
    let before = fp(&db);
    let gap = "query: SELECT count(*) FROM v_governance_ownership_gap";
    let null = variant_scripts(gap, "query: SELECT NULL::bigint");
    let r = pg::run_psql(&db.target, &null[0].text, &vars(APR), false).expect("psql");
    assert_stopped(
        &r,
        &[
            &format!("NOTICE:  packetc: {PREFLIGHT} gate gap = NULL (expected = 210)"),
            "gate failed: gap expected = 210, observed NULL",
        ],
    );
    let two = variant_scripts(
        gap,
        "query: SELECT count(*) FROM governance_scopes GROUP BY scope_key",
    );
    for script in [&two[0], &two[1]] {
        let r = pg::run_psql(&db.target, &script.text, &vars(APR), false).expect("psql");
        assert_eq!(r.exit_code, Some(3), "{}", r.summary());
        assert!(
            r.stderr
                .contains("ERROR:  more than one row returned by a subquery used as an expression"),
            "{}",
            r.stderr
        );
        assert!(!r.stdout.contains("INSERT"), "{}", r.stdout);
    }
    assert_eq!(fp(&db), before);
}

/// The bundled pattern refuses quotes outright, so this runs a variant of the packet with a
/// permissive pattern to prove the quoting path itself: the value lands literally.
#[test]
fn hostile_ratified_apr_is_stored_literally() {
    let Some(db) = common::scratch_db(Gate::Open) else {
        return;
    };
    let spec = std::fs::read_to_string(common::packet_dir().join("packet.yaml")).expect("spec");
    let spec = spec.replacen(
        "pattern: '^APR-[A-Z0-9]+(-[A-Z0-9]+)*$'",
        "pattern: '^APR-'",
        1,
    );
    let packet = packetc::packet::parse("packet.yaml", &spec, &|_| Err("none".into()))
        .expect("variant validates");
    let loaded = packetc::packet::Loaded {
        dir: common::packet_dir(),
        spec_path: common::packet_dir().join("packet.yaml"),
        spec_sha256: packetc::packet::sha256_hex(spec.as_bytes()),
        packet,
    };
    let scripts = packetc::render::render(&loaded).expect("renders");
    let hostile = r#"APR-x'); DELETE FROM system_issues; --\'"$$ $packetc$ :'v' \set"#;
    // The seed stamps only an approval that exists: make the hostile id a ratified approval
    // (the fixture's own CHECK on proposal ids would refuse it, so drop that first).
    let q = packetc::pg::quote_literal(hostile);
    exec(
        &db.target,
        &format!(
            "ALTER TABLE os_proposals DROP CONSTRAINT os_proposals_proposal_ref_check;\n\
             INSERT INTO os_proposals (proposal_ref, title, body_sha256, required_quorum, required_esign, submitted_by) \
             VALUES ({q}, 'hostile', repeat('0', 64), 'L2', 'L4', 'test');\n\
             INSERT INTO os_proposal_approvals (proposal_ref, quorum_level, quorum_votes_for, quorum_votes_total, esign_level, signed_by, signer_role, signed_at, signature_sha256, decision) \
             VALUES ({q}, 'L2', 5, 7, 'L4', 'P', 'president', now(), repeat('f', 64), 'ratified');"
        ),
    );
    let before_issues = pg::table_fingerprint(&db.target, "system_issues").expect("fp");
    let r = pg::run_psql(&db.target, &scripts[1].text, &vars(hostile), false).expect("psql");
    assert_ok(&r);
    assert_eq!(
        sql(
            &db.target,
            "SELECT DISTINCT approval_ref FROM governance_object_ownership"
        ),
        hostile
    );
    assert_eq!(
        pg::table_fingerprint(&db.target, "system_issues").expect("fp"),
        before_issues
    );
}

#[test]
fn scripts_stop_themselves_without_on_error_stop_and_would_not_without_the_guard() {
    let Some(mut db) = common::scratch_db(Gate::Closed) else {
        return;
    };
    // As generated: stops at the first failed assert even though psql got no -v ON_ERROR_STOP.
    let r = run(&db, SEED);
    assert_stopped(&r, &["approval failed: ospa expected a row"]);
    assert!(
        !r.stderr.contains(&format!("{SEED} after ")) && !r.stdout.contains("INSERT"),
        "nothing after the failed block may run:\n{}",
        r.stderr
    );
    // Control: strip the script's own guard and psql carries on past the failure (exit 0),
    // which is what the guard exists to prevent. The transaction is aborted, so still no write.
    db.reset(Gate::Closed);
    let unguarded = script(SEED).replace("\\set ON_ERROR_STOP on\n", "");
    let r = pg::run_psql(&db.target, &unguarded, &vars(APR), false).expect("psql");
    assert_eq!(
        r.exit_code,
        Some(0),
        "without the guard psql does not stop: {}",
        r.summary()
    );
    assert!(
        r.stderr.contains("current transaction is aborted"),
        "{}",
        r.stderr
    );
    assert_eq!(tagged(&db.target), "0");
}

/// Concurrency: a second session writing ownership rows while the seed runs cannot produce a
/// state that violates the asserted deltas.
#[test]
fn concurrent_writer_cannot_break_the_seed_deltas() {
    let Some(mut db) = common::scratch_db(Gate::Open) else {
        return;
    };
    let foreign = "INSERT INTO governance_object_ownership (object_kind, object_key, scope_key, owner_role, created_by) \
                   VALUES ('object', 'not_in_inventory', 'security', 'role_other', 'OTHER_SESSION')";
    // 1. The other session writes first and commits while the seed waits on its lock: the seed
    //    then sees own = 1 and aborts; only the other row exists.
    let other = pg::spawn_psql(
        &db.target,
        &format!("BEGIN;\n{foreign};\nSELECT pg_sleep(1.5);\nCOMMIT;\n"),
        &[],
        true,
    )
    .expect("spawn");
    wait_for_lock_holder(&db.target);
    let r = run(&db, SEED);
    let o = other.wait().expect("other session");
    assert!(o.success(), "{}", o.summary());
    assert_stopped(&r, &["gate failed: own expected = 0, observed 1"]);
    assert_eq!(tagged(&db.target), "0");
    assert_eq!(
        sql(
            &db.target,
            "SELECT count(*) FROM governance_object_ownership"
        ),
        "1"
    );

    // 2. The seed holds its lock first (a test-only slow trigger keeps its transaction open):
    //    the other session's insert waits for the seed's COMMIT, so the seed's deltas are exact.
    db.reset(Gate::Open);
    exec(&db.target, "CREATE FUNCTION test_slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(1.5); RETURN NULL; END $$; \
                      CREATE TRIGGER test_slow AFTER INSERT ON governance_object_ownership FOR EACH STATEMENT EXECUTE FUNCTION test_slow()");
    let seed = pg::spawn_psql(&db.target, &script(SEED), &vars(APR), false).expect("spawn seed");
    wait_for_lock_holder(&db.target);
    let t0 = Instant::now();
    let o = pg::run_psql(
        &db.target,
        &format!("ALTER TABLE governance_object_ownership DISABLE TRIGGER test_slow; {foreign};"),
        &[],
        true,
    )
    .expect("other");
    let r = seed.wait().expect("seed");
    assert_ok(&r);
    assert!(o.success(), "{}", o.summary());
    assert!(
        t0.elapsed() >= Duration::from_millis(500),
        "the other session must have waited for the seed"
    );
    for delta in [
        "after own = 30 (expected = 30)",
        "after gap = 0 (expected = 0)",
        "after effective = 240 (expected = 240)",
    ] {
        assert!(r.stderr.contains(delta), "{delta}: {}", r.stderr);
    }
    assert_eq!(tagged(&db.target), "30");
    assert_eq!(
        sql(
            &db.target,
            "SELECT count(*) FROM governance_object_ownership"
        ),
        "31"
    );
}

/// Wait until some other backend holds a lock on governance_object_ownership.
fn wait_for_lock_holder(t: &Target) {
    let q = "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation \
             WHERE c.relname = 'governance_object_ownership' AND l.granted AND l.pid <> pg_backend_pid()";
    let deadline = Instant::now() + Duration::from_secs(10);
    while sql(t, q) == "0" {
        assert!(
            Instant::now() < deadline,
            "the other session never took its lock"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn psql_killed_mid_seed_leaves_nothing_behind() {
    let Some(db) = common::scratch_db(Gate::Open) else {
        return;
    };
    // A test-only slow trigger holds the seed inside its transaction right after the INSERT.
    exec(&db.target, "CREATE FUNCTION test_slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(5); RETURN NULL; END $$; \
                      CREATE TRIGGER test_slow AFTER INSERT ON governance_object_ownership FOR EACH STATEMENT EXECUTE FUNCTION test_slow()");
    let before = fp(&db);
    let mut seed = pg::spawn_psql(&db.target, &script(SEED), &vars(APR), false).expect("spawn");
    // Wait until the seed's backend has written (it has a transaction id) and sits in the trigger.
    let q = "SELECT count(*) FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND query LIKE 'INSERT INTO governance_object_ownership%'";
    let deadline = Instant::now() + Duration::from_secs(10);
    while sql(&db.target, q) == "0" {
        assert!(
            Instant::now() < deadline,
            "the seed never reached its write"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    seed.kill().expect("kill psql");
    let r = seed.wait().expect("wait");
    assert_eq!(r.exit_code, None, "psql was killed");
    // The server notices the lost client and rolls the open transaction back.
    let deadline = Instant::now() + Duration::from_secs(15);
    while sql(&db.target, "SELECT count(*) FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()") != "0" {
        assert!(Instant::now() < deadline, "the killed seed's transaction is still open");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(tagged(&db.target), "0");
    assert_eq!(fp(&db), before, "a killed seed must leave nothing behind");
}

#[test]
fn every_script_aborts_cleanly_on_an_empty_schema() {
    let Some(db) = common::scratch_db(Gate::Open) else {
        return;
    };
    let empty = db
        .server
        .cluster
        .create_database_from_files(common::DB_NAME, &[])
        .expect("empty directus");
    for name in [PREFLIGHT, SEED, VERIFY, ROLLBACK] {
        let r = run_with(&empty, name, &vars(APR));
        assert_eq!(
            r.exit_code,
            Some(3),
            "{name} must stop itself: {}",
            r.summary()
        );
        // A missing relation (LOCK, a metric) or a missing protected table (the privilege check).
        assert!(
            r.stderr.contains("does not exist") || r.stderr.contains("table not found"),
            "{name}: {}",
            r.stderr
        );
        assert!(
            !r.stdout.lines().any(|l| l == "COMMIT"),
            "{name} must not commit: {}",
            r.stdout
        );
    }
    let tables = sql(
        &empty,
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
    );
    assert_eq!(tables, "0", "nothing may be created");
}
