//! The repeatable shapes under `packetc apply` on real PostgreSQL through real psql: the bounded
//! loop (`--repeat N`) stops at the first failed condition or when there is nothing left to do,
//! journals each iteration, and is refused on a seed. Each test runs its own private cluster
//! (its database is named `directus`, like every packet's target). Without PostgreSQL these
//! tests print a SKIPPED banner, and fail when CI=true.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::conninfo;
use packetc::pg::{self, Cluster, Target};
use serde_json::Value;

const APR: &str = "APR-BOOT-AUTHMODEL-1";

fn bin() -> Command {
    let mut c = Command::new(common::BIN);
    c.current_dir(common::repo_root());
    c
}

fn packet(name: &str) -> PathBuf {
    common::repo_root().join("packets").join(name)
}

/// A private cluster with `directus` loaded from the packet's fixture, gate open, role granted.
pub(super) fn clone_of(name: &str) -> Option<(Cluster, Target)> {
    let cluster = common::or_skip(Cluster::start(), "starting PostgreSQL")?;
    let dir = packet(name);
    let schema = dir.join("fixture/schema.sql");
    let gate = dir.join("fixture/gate-open.sql");
    let target = cluster
        .create_database_from_files("directus", &[&schema, &gate])
        .expect("load the fixture");
    let loaded = packetc::packet::load(&dir).expect("the packet loads");
    let grants = packetc::grants::script(&loaded).expect("the packet names a role");
    let run = pg::run_psql(&target, &grants, &[], true).expect("psql");
    assert!(run.success(), "grants: {}", run.summary());
    Some((cluster, target))
}

struct Run {
    code: Option<i32>,
    stdout: String,
    records: Vec<Value>,
}

impl Run {
    fn decisions(&self) -> Vec<(String, String)> {
        self.records
            .iter()
            .filter(|r| r["record"] == "decision")
            .map(|r| {
                (
                    r["case"].as_str().unwrap_or_default().to_owned(),
                    r["message"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    fn step_ends(&self, role: &str) -> usize {
        self.records
            .iter()
            .filter(|r| r["record"] == "step_end" && r["role"] == role)
            .count()
    }
}

fn apply(name: &str, target: &Target, journal: &Path, args: &[&str]) -> Run {
    let o = bin()
        .arg("apply")
        .arg(packet(name))
        .args(["--database-url", &conninfo(target)])
        .arg("--journal")
        .arg(journal)
        .args(args)
        .output()
        .expect("packetc runs");
    let records = std::fs::read_to_string(journal)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("journal lines are JSON"))
        .collect();
    Run {
        code: o.status.code(),
        stdout: format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
        records,
    }
}

fn scalar(t: &Target, sql: &str) -> String {
    pg::query_scalar(t, &[], sql)
        .expect("query")
        .unwrap_or_default()
}

#[test]
fn scanner_loop_does_the_work_once_then_finds_nothing_left() {
    let Some((_cluster, db)) = clone_of("candidate-scan") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let vars = [
        "--var",
        &format!("ratified_apr={APR}"),
        "--var",
        "source_snapshot_ref=evo-2026-06-01",
    ];
    let mut args: Vec<&str> = vars.to_vec();
    args.extend(["--repeat", "5"]);
    let run = apply("candidate-scan", &db, &tmp.path().join("a.jsonl"), &args);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("iteration 1 of 5: work to do (missing 13→0)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("nothing left to do: the live state before iteration 2 of 5 shows the preflight gate holding and every '-> N' delta of the write already at N; 1 iteration(s) ran"),
        "{}",
        run.stdout
    );
    let cases: Vec<String> = run.decisions().into_iter().map(|(c, _)| c).collect();
    assert_eq!(cases, ["repeat_iteration", "nothing_left"]);
    assert_eq!(run.step_ends("seed"), 1);
    assert_eq!(run.records.last().expect("end")["outcome"], "applied");
    assert_eq!(
        scalar(
            &db,
            "SELECT count(*) FROM governance_candidates WHERE created_by = 'F7_CANDIDATE_SCAN'"
        ),
        "13"
    );
    assert_eq!(
        scalar(
            &db,
            "SELECT count(*) FROM candidate_scan_run WHERE created_by = 'F7_CANDIDATE_SCAN'"
        ),
        "1"
    );

    // Again: nothing left before the first iteration; no step runs, no run row is added.
    let before = pg::database_fingerprint(&db, &[]).expect("fingerprint");
    let run = apply("candidate-scan", &db, &tmp.path().join("b.jsonl"), &args);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(
        run.stdout.contains("before iteration 1 of 5"),
        "{}",
        run.stdout
    );
    assert_eq!(run.step_ends("preflight"), 0);
    assert_eq!(
        before,
        pg::database_fingerprint(&db, &[]).expect("fingerprint")
    );

    // A broken precondition stops the loop at its first failed condition, nothing written.
    pg::run_psql(
        &db,
        "DELETE FROM governance_candidates; DELETE FROM candidate_scan_run WHERE created_by = 'F7_CANDIDATE_SCAN'; \
         UPDATE governance_rulesets SET status = 'retired' WHERE ruleset_key = 'one-roof-core-v1';",
        &[],
        true,
    )
    .expect("psql");
    let before = pg::database_fingerprint(&db, &[]).expect("fingerprint");
    let run = apply("candidate-scan", &db, &tmp.path().join("c.jsonl"), &args);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("stopped: F_scan_00_preflight.sql failed"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("ruleset expected = 1, observed 0"),
        "{}",
        run.stdout
    );
    // With the gate broken nothing claims there is work to do (missing is 0 here as well).
    assert!(
        run.stdout.contains(
            "iteration 1 of 5: the preflight gate does not hold on the live state; running"
        ),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("work to do"), "{}", run.stdout);
    assert_eq!(run.step_ends("seed"), 0);
    assert_eq!(
        before,
        pg::database_fingerprint(&db, &[]).expect("fingerprint")
    );
}

#[test]
fn cursor_loop_advances_once_and_stale_advances_find_nothing_left() {
    let Some((_cluster, db)) = clone_of("cursor-advance") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let apr = format!("ratified_apr={APR}");
    let position = || {
        scalar(
            &db,
            "SELECT coalesce(max(snapshot_ref), '') FROM scan_cursor WHERE cursor_key = 'candidate_scan'",
        )
    };
    // An unscanned target: the first iteration's preflight stops, nothing written.
    let run = apply(
        "cursor-advance",
        &db,
        &tmp.path().join("a.jsonl"),
        &[
            "--var",
            &apr,
            "--var",
            "to_snapshot=evo-2026-06-02",
            "--repeat",
            "3",
        ],
    );
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.stdout.contains("target expected = 1, observed 0"),
        "{}",
        run.stdout
    );
    assert_eq!(position(), "");

    let run = apply(
        "cursor-advance",
        &db,
        &tmp.path().join("b.jsonl"),
        &[
            "--var",
            &apr,
            "--var",
            "to_snapshot=evo-2026-06-01",
            "--repeat",
            "3",
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(
        run.stdout.contains("work to do (behind 1→0, cursor 0→1)"),
        "{}",
        run.stdout
    );
    assert_eq!(run.step_ends("seed"), 1);
    assert_eq!(position(), "evo-2026-06-01");

    // Stale (an older snapshot) and retried advances: nothing left before the first iteration.
    for (to, journal) in [("evo-2026-05-29", "c.jsonl"), ("evo-2026-06-01", "d.jsonl")] {
        let before = pg::database_fingerprint(&db, &[]).expect("fingerprint");
        let run = apply(
            "cursor-advance",
            &db,
            &tmp.path().join(journal),
            &[
                "--var",
                &apr,
                "--var",
                &format!("to_snapshot={to}"),
                "--repeat",
                "3",
            ],
        );
        assert_eq!(run.code, Some(0), "{to}: {}", run.stdout);
        assert!(
            run.stdout.contains("nothing left to do"),
            "{to}: {}",
            run.stdout
        );
        assert_eq!(run.step_ends("seed"), 0, "{to}");
        assert_eq!(
            before,
            pg::database_fingerprint(&db, &[]).expect("fingerprint")
        );
        assert_eq!(
            position(),
            "evo-2026-06-01",
            "{to}: the cursor never moves back"
        );
    }
}

#[test]
fn repeat_is_refused_on_a_seed() {
    let o = bin()
        .args(["apply", "packets/one-roof-ownership-seed", "--var"])
        .arg(format!("ratified_apr={APR}"))
        .args(["--dry-run", "--repeat", "2"])
        .output()
        .expect("packetc runs");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("one-shot seed packet"), "{err}");
    // And N is bounded below: --repeat 0 is a usage error.
    let o = bin()
        .args([
            "apply",
            "packets/candidate-scan",
            "--dry-run",
            "--repeat",
            "0",
        ])
        .output()
        .expect("packetc runs");
    assert_eq!(o.status.code(), Some(2));
}
