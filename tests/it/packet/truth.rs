//! The human gate means the ratified approval, and PostgreSQL enforces the policy (issue 11).
//!
//! The committed scripts go through real psql on stdin (no -v ON_ERROR_STOP=1, as on the channel)
//! on clones of the bundled fixture, with the role `packetc grants` creates:
//! - every fake opening of `fixture/fake-openings/` stops preflight and seed, nothing written;
//! - the approval deleted between preflight and seed stops the seed, and while the seed runs the
//!   approval cannot be deleted at all (its lock);
//! - the real opening reaches own = 30 with approval_ref = the ratified approval's id;
//! - a hand-edited seed that writes a protected table is refused by PostgreSQL itself.

use crate::common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use common::{Gate, ScratchDb};
use packetc::pg::{self, PsqlRun, TableFingerprint, Target};

const APR: &str = "APR-BOOT-AUTHMODEL-1";
const PREFLIGHT: &str = "F_prod_00_preflight.sql";
const SEED: &str = "F_prod_01_ownership_seed_commit.sql";
const VERIFY: &str = "F_prod_02_verify.sql";

fn script(name: &str) -> String {
    std::fs::read_to_string(common::packet_dir().join("sql").join(name)).expect("committed script")
}

fn vars(apr: &str) -> Vec<(String, String)> {
    vec![("ratified_apr".to_owned(), apr.to_owned())]
}

fn run(t: &Target, text: &str, apr: &str) -> PsqlRun {
    pg::run_psql(t, text, &vars(apr), false).expect("psql runs")
}

fn fp(db: &ScratchDb) -> BTreeMap<String, TableFingerprint> {
    pg::database_fingerprint(&db.target, &[]).expect("fingerprint")
}

fn scalar(t: &Target, q: &str) -> String {
    pg::query_scalar(t, &[], q)
        .expect("query")
        .unwrap_or_else(|| "NULL".into())
}

fn exec(t: &Target, q: &str) {
    let r = pg::run_psql(t, q, &[], true).expect("psql runs");
    assert!(r.success(), "{q}: {}", r.summary());
}

/// Stopped by the human gate: exit 3 and the approval check (reported as `ospa`) failed.
fn assert_gate_stop(r: &PsqlRun, name: &str, what: &str) {
    assert_eq!(
        r.exit_code,
        Some(3),
        "{what}: {name} must stop itself:\n{}",
        r.summary()
    );
    assert!(
        r.stderr.contains(&format!(
            "packetc: {name} approval failed: ospa expected a row of os_proposal_approvals"
        )),
        "{what}: {name} must stop on the approval:\n{}",
        r.stderr
    );
}

fn fake_openings() -> Vec<PathBuf> {
    let dir = common::fixture_dir().join("fake-openings");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixture/fake-openings")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_fake_opening_stops_preflight_and_seed_with_nothing_written() {
    let files = fake_openings();
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_stem().expect("stem").to_string_lossy().into_owned())
        .collect();
    for needle in [
        "rejected",
        "under-quorum",
        "under-signed",
        "other-proposal",
        "unratified",
    ] {
        assert!(
            names.iter().any(|n| n.contains(needle)),
            "no fake opening {needle}: {names:?}"
        );
    }
    let Some(mut db) = common::scratch_db(Gate::Closed) else {
        return;
    };
    for file in &files {
        db.reset(Gate::Closed);
        let load = pg::run_psql_file(&db.target, file).expect("fake opening loads");
        assert!(load.success(), "{}", load.summary());
        let text = std::fs::read_to_string(file).expect("read");
        let apr = text
            .lines()
            .find_map(|l| l.strip_prefix("-- packetc-prove: -v ratified_apr="))
            .unwrap_or(APR)
            .trim()
            .to_owned();
        let before = fp(&db);
        for name in [PREFLIGHT, SEED] {
            assert_gate_stop(
                &run(&db.target, &script(name), &apr),
                name,
                &file.display().to_string(),
            );
        }
        assert_eq!(fp(&db), before, "{}: something was written", file.display());
    }
}

#[test]
fn an_approval_deleted_after_preflight_stops_the_seed() {
    let Some(db) = common::scratch_db(Gate::Open) else {
        return;
    };
    let r = run(&db.target, &script(PREFLIGHT), APR);
    assert!(r.success(), "{}", r.summary());
    exec(
        &db.target,
        &format!("DELETE FROM os_proposal_approvals WHERE proposal_ref = '{APR}'"),
    );
    let before = fp(&db);
    assert_gate_stop(
        &run(&db.target, &script(SEED), APR),
        SEED,
        "approval deleted",
    );
    assert_eq!(fp(&db), before);
}

/// While the seed's transaction is open nobody can change the approval: a DELETE waits on the
/// SHARE lock and gives up (lock_timeout) instead of changing it before COMMIT.
#[test]
fn the_approval_cannot_change_while_the_seed_runs() {
    let Some(db) = common::scratch_db(Gate::Open) else {
        return;
    };
    // Hold the seed's transaction open once it holds its locks (before its checks run).
    let seed = script(SEED);
    let marker = "-- Checks before the write, one row each";
    assert_eq!(seed.matches(marker).count(), 1);
    let slow = seed.replacen(marker, &format!("SELECT pg_sleep(3);\n{marker}"), 1);
    let running = pg::spawn_psql(&db.target, &slow, &vars(APR), false).expect("spawn");
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while scalar(&db.target, "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'os_proposal_approvals' AND l.mode = 'ShareLock' AND l.granted") == "0" {
        assert!(std::time::Instant::now() < deadline, "the seed never locked the approval");
        std::thread::sleep(Duration::from_millis(50));
    }
    let r = pg::run_psql(
        &db.target,
        &format!("SET lock_timeout = '300ms';\nDELETE FROM os_proposal_approvals WHERE proposal_ref = '{APR}';\n"),
        &[],
        true,
    )
    .expect("psql runs");
    assert!(
        !r.success(),
        "the approval was deleted under the seed: {}",
        r.summary()
    );
    assert!(r.stderr.contains("lock timeout"), "{}", r.stderr);
    let done = running.wait().expect("seed finishes");
    assert!(done.success(), "{}", done.summary());
    assert_eq!(
        scalar(&db.target, "SELECT count(*) FROM os_proposal_approvals"),
        "1"
    );
}

#[test]
fn the_real_opening_reaches_own_30_stamped_with_the_ratified_approval() {
    let Some(db) = common::scratch_db(Gate::Open) else {
        return;
    };
    for name in [PREFLIGHT, SEED, VERIFY] {
        let r = run(&db.target, &script(name), APR);
        assert!(r.success(), "{name}: {}", r.summary());
    }
    let t = &db.target;
    assert_eq!(
        scalar(t, "SELECT count(*) FROM governance_object_ownership"),
        "30"
    );
    assert_eq!(
        scalar(t, "SELECT string_agg(DISTINCT o.approval_ref, ',') FROM governance_object_ownership o JOIN os_proposal_approvals a ON a.proposal_ref = o.approval_ref AND a.decision = 'ratified' AND a.quorum_level = 'L2' AND a.esign_level = 'L4'"),
        APR
    );
}

/// The seed runs as the role `packetc grants` creates; a hand-edited write to a protected
/// table (which static lint would flag, but the script was edited after linting) is refused by
/// PostgreSQL, and the transaction leaves nothing behind.
#[test]
fn a_hand_edited_forbidden_write_is_refused_by_postgresql() {
    let Some(mut db) = common::scratch_db(Gate::Open) else {
        return;
    };
    let seed = script(SEED);
    let write = "INSERT INTO governance_object_ownership\n";
    assert_eq!(seed.matches(write).count(), 1);
    for (what, forbidden, table) in [
        (
            "protected table",
            "UPDATE os_proposal_approvals SET decision = 'ratified';\n",
            "os_proposal_approvals",
        ),
        (
            "protected column",
            "UPDATE event_type_registry SET active = true;\n",
            "event_type_registry",
        ),
        (
            "trigger bypass",
            "ALTER TABLE system_issues DISABLE TRIGGER ALL;\n",
            "system_issues",
        ),
    ] {
        db.reset(Gate::Open);
        let before = fp(&db);
        let edited = seed.replacen(write, &format!("{forbidden}{write}"), 1);
        let r = run(&db.target, &edited, APR);
        assert_eq!(r.exit_code, Some(3), "{what}: {}", r.summary());
        assert!(
            r.stderr
                .contains(&format!("permission denied for table {table}"))
                || r.stderr
                    .contains(&format!("must be owner of table {table}")),
            "{what}: PostgreSQL must refuse it:\n{}",
            r.stderr
        );
        assert_eq!(fp(&db), before, "{what}: something was written");
    }
    // Control: the same role may write what the packet needs (the unedited seed commits).
    db.reset(Gate::Open);
    let r = run(&db.target, &seed, APR);
    assert!(r.success(), "{}", r.summary());
}

/// The privilege gate: a role that was granted a write on a protected object stops preflight
/// and seed before anything is written, naming the object.
#[test]
fn a_role_that_can_write_a_protected_object_stops_every_step() {
    let Some(db) = common::scratch_db(Gate::Open) else {
        return;
    };
    exec(&db.target, "GRANT INSERT ON os_proposal_approvals TO packetc_one_roof_seed; GRANT UPDATE (active) ON event_type_registry TO packetc_one_roof_seed;");
    let before = fp(&db);
    for name in [PREFLIGHT, SEED] {
        let r = run(&db.target, &script(name), APR);
        assert_eq!(r.exit_code, Some(3), "{name}: {}", r.summary());
        assert!(
            r.stderr.contains("privileges failed: os_proposal_approvals expected no write privilege for packetc_one_roof_seed, observed INSERT")
                && r.stderr.contains("event_type_registry.active expected no write privilege for packetc_one_roof_seed, observed UPDATE"),
            "{name}: {}",
            r.stderr
        );
    }
    assert_eq!(fp(&db), before);
}
