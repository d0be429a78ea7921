//! The PostgreSQL harness itself (src/pg): private clusters are cleaned up (also on panic),
//! psql runs the script from stdin with channel semantics, values come back intact.

use crate::common;

use std::time::{Duration, Instant};

use common::Gate;
use packetc::pg::{self, run_psql, spawn_psql, Cluster, Target};

#[test]
fn private_cluster_is_stopped_and_removed_on_drop_and_on_panic() {
    if std::env::var("PACKETC_TEST_DATABASE_URL").is_ok_and(|v| !v.is_empty()) {
        eprintln!("PACKETC_TEST_DATABASE_URL is set: private cluster lifecycle not exercised");
    }
    let t0 = Instant::now();
    let Some(cluster) = common::or_skip(Cluster::start(), "starting a private cluster") else {
        return;
    };
    eprintln!("timings: private cluster start {:?}", t0.elapsed());
    assert!(cluster.is_owned());
    let log = cluster.log_path().expect("a private cluster has a log");
    let dir = log.parent().expect("log dir").to_path_buf();
    assert!(dir.join("data/postmaster.pid").exists());
    let admin = cluster.admin_target().clone();
    assert_eq!(
        pg::query_scalar(&admin, &[], "SHOW listen_addresses").expect("query"),
        Some(String::new()),
        "the throwaway cluster listens on its Unix socket only"
    );
    assert_eq!(
        pg::query_scalar(&admin, &[], "SHOW fsync").expect("query"),
        Some("off".to_owned())
    );
    let t0 = Instant::now();
    drop(cluster);
    eprintln!("timings: private cluster stop {:?}", t0.elapsed());
    assert!(!dir.exists(), "{} still exists after drop", dir.display());
    assert!(pg::query_scalar(&admin, &[], "SELECT 1").is_err());

    // A test that panics while holding a cluster still stops and removes it.
    eprintln!("(the panic printed next is deliberate)");
    let (tx, rx) = std::sync::mpsc::channel();
    let joined = std::thread::spawn(move || {
        let cluster = Cluster::start().expect("second cluster starts");
        let dir = cluster
            .log_path()
            .and_then(|l| l.parent().map(std::path::Path::to_path_buf))
            .expect("dir");
        tx.send(dir).expect("send");
        panic!("deliberate panic while holding a cluster");
    })
    .join();
    assert!(joined.is_err());
    let dir = rx.recv().expect("dir sent");
    assert!(!dir.exists(), "{} survived a panic", dir.display());
}

#[test]
fn psql_reads_the_script_from_stdin_with_channel_semantics() {
    let Some(db) = common::scratch_db(Gate::Open) else {
        return;
    };
    let t = &db.target;

    // Without -v ON_ERROR_STOP (the channel passes none), psql goes on after an error and exits 0.
    let script = "SELECT 1/0;\nSELECT 'still running' AS s;\n";
    let run = run_psql(t, script, &[], false).expect("psql runs");
    assert_eq!(run.exit_code, Some(0), "{}", run.summary());
    assert!(run.stderr.contains("division by zero"));
    assert!(run.stdout.contains("still running"));

    // With it, psql stops at the first error and exits 3.
    let run = run_psql(t, script, &[], true).expect("psql runs");
    assert_eq!(run.exit_code, Some(3));
    assert!(!run.stdout.contains("still running"));

    // A script can set it itself, as the generated scripts do.
    let run =
        run_psql(t, &format!("\\set ON_ERROR_STOP on\n{script}"), &[], false).expect("psql runs");
    assert_eq!(run.exit_code, Some(3));

    // -v values reach :'var' as literals, whatever they hold.
    let nasty = "APR-1'; DROP TABLE system_issues; --\\ \"x\"";
    let run = run_psql(
        t,
        "SELECT :'v' AS v;\n",
        &[("v".to_owned(), nasty.to_owned())],
        true,
    )
    .expect("psql runs");
    assert!(run.success(), "{}", run.summary());
    assert!(run.stdout.contains(nasty), "{}", run.stdout);
    assert_eq!(
        pg::table_fingerprint(t, "system_issues").expect("fp").rows,
        4
    );

    // The connection reaches `directus` (the scripts check current_database()).
    let run = run_psql(t, "SELECT current_database();", &[], true).expect("psql runs");
    assert!(run.stdout.contains("directus"));

    // A missing database is exit 2 from psql, not an Err from the harness.
    let missing = t.with_dbname("no_such_db");
    let run = run_psql(&missing, "SELECT 1;", &[], true).expect("psql runs");
    assert_eq!(run.exit_code, Some(2), "{}", run.summary());
}

#[test]
fn query_helpers_return_values_intact() {
    let Some(db) = common::scratch_db(Gate::Open) else {
        return;
    };
    let t = &db.target;
    let rows = pg::query_rows(
        t,
        &[],
        "SELECT 1 AS a, NULL::text AS b, E'x\\ny|z' AS c UNION ALL SELECT 2, '', 'w' ORDER BY 1;",
    )
    .expect("query");
    assert_eq!(
        rows,
        vec![
            vec![Some("1".into()), None, Some("x\ny|z".into())],
            vec![Some("2".into()), Some(String::new()), Some("w".into())],
        ]
    );
    assert!(pg::query_rows(t, &[], "SELECT 1 WHERE false")
        .expect("query")
        .is_empty());
    assert_eq!(
        pg::query_scalar(
            t,
            &[("packetc.x", "it's")],
            "SELECT current_setting('packetc.x')"
        )
        .expect("query"),
        Some("it's".to_owned())
    );
    assert!(pg::query_scalar(t, &[], "SELECT 1 UNION ALL SELECT 2").is_err());
    assert!(pg::query_scalar(t, &[("bad name", "x")], "SELECT 1").is_err());
    let err = pg::query_scalar(t, &[], "SELECT * FROM no_such_table").expect_err("fails");
    assert!(err.to_string().contains("no_such_table"), "{err}");

    let values = pg::query_scalars(
        t,
        &[],
        &[
            "SELECT count(*) FROM v_governance_ownership_gap",
            "SELECT round(100.0 * (210 - count(*)) / 210, 2) FROM v_governance_ownership_gap;",
            "SELECT NULL -- trailing comment",
        ],
    )
    .expect("query");
    assert_eq!(values, vec![Some("210".into()), Some("0.00".into()), None]);
    let many: Vec<String> = (0..150).map(|i| format!("SELECT {i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let values = pg::query_scalars(t, &[], &many).expect("150 queries at once");
    assert_eq!(values.len(), 150);
    assert_eq!(values[149].as_deref(), Some("149"));

    let fp = pg::table_fingerprint(t, "public.governance_scopes").expect("fp");
    assert_eq!(fp.rows, 6);
    assert_eq!(fp.md5.len(), 32);
    let empty = pg::table_fingerprint(t, "governance_object_ownership").expect("fp");
    assert_eq!((empty.rows, empty.md5.as_str()), (0, ""));
    let all = pg::database_fingerprint(t, &["system_issue_audit"]).expect("fp");
    assert!(all.contains_key("public.system_issues"));
    assert!(!all.contains_key("public.system_issue_audit"));

    // A URL target reaches the same database.
    if let Target::Socket {
        host, port, user, ..
    } = t
    {
        let url = Target::url(&format!(
            "postgresql:///directus?host={}&port={port}&user={user}",
            host.display()
        ));
        assert_eq!(
            pg::query_scalar(&url, &[], "SELECT count(*) FROM governance_scopes").expect("url"),
            Some("6".to_owned())
        );
    }
}

#[test]
fn a_killed_psql_leaves_its_transaction_rolled_back() {
    let Some(db) = common::scratch_db(Gate::Open) else {
        return;
    };
    let t = &db.target;
    let script = "\\set ON_ERROR_STOP on\nBEGIN;\n\
        INSERT INTO governance_object_ownership (object_kind, object_key, scope_key, owner_role, created_by) \
        VALUES ('domain', 'access', 'data', 'role_x', 'probe');\n\
        SELECT pg_sleep(30);\nCOMMIT;\n";
    let mut child = spawn_psql(t, script, &[], false).expect("psql starts");
    // Wait until the insert is in flight (the session sleeps inside its transaction).
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let sleeping = pg::query_scalar(
            t,
            &[],
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%' \
             AND state = 'active'",
        )
        .expect("query");
        if sleeping.as_deref() == Some("1") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the script never reached pg_sleep"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("kill");
    let run = child.wait().expect("wait");
    assert_eq!(run.exit_code, None, "killed by a signal");
    let own = pg::query_scalar(t, &[], "SELECT count(*) FROM governance_object_ownership")
        .expect("query");
    assert_eq!(own.as_deref(), Some("0"));

    // wait_timeout kills a psql that runs too long.
    let child = spawn_psql(t, "SELECT pg_sleep(30);", &[], true).expect("psql starts");
    let run = child
        .wait_timeout(Duration::from_millis(300))
        .expect("wait");
    assert!(run.timed_out);
    assert!(run.duration < Duration::from_secs(10));
}

#[test]
fn existing_databases_without_the_marker_are_never_dropped_on_a_foreign_server() {
    let Some(db) = common::scratch_db(Gate::Closed) else {
        return;
    };
    // Treat the shared server as if it were foreign (from a URL).
    let Target::Socket {
        host, port, user, ..
    } = db.admin().clone()
    else {
        eprintln!("server from a URL: covered by the same code path");
        return;
    };
    let url = format!(
        "postgresql:///postgres?host={}&port={port}&user={user}",
        host.display()
    );
    let foreign = Cluster::from_url(&url).expect("reach the server by URL");
    assert!(!foreign.is_owned());
    let run = run_psql(
        db.admin(),
        "DROP DATABASE IF EXISTS packetc_precious; CREATE DATABASE packetc_precious;",
        &[],
        true,
    )
    .expect("psql");
    assert!(run.success(), "{}", run.summary());
    let err = foreign
        .drop_database("packetc_precious")
        .expect_err("refused");
    assert!(matches!(err, pg::PgError::Refused(_)), "{err}");
    assert!(foreign.database_exists("packetc_precious").expect("query"));
    // A database packetc created carries the marker and may be replaced.
    let scratch = foreign
        .create_database_from_template("packetc_scratch_probe", "template0")
        .expect("create");
    assert_eq!(scratch.dbname().as_deref(), Some("packetc_scratch_probe"));
    foreign
        .drop_database("packetc_scratch_probe")
        .expect("own scratch db may be dropped");
    drop(foreign); // nothing to stop: the server keeps running
    assert!(pg::query_scalar(db.admin(), &[], "SELECT 1").is_ok());
    let run = run_psql(db.admin(), "DROP DATABASE packetc_precious;", &[], true).expect("psql");
    assert!(run.success());
}
