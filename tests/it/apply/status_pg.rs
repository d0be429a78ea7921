//! `packetc status` on the repeatable shapes (scanner, cursor) against a real PostgreSQL,
//! after 0, 1 and 2 runs: every line it prints about the live state is checked against what
//! the database holds and against what `apply` then does (its "apply would ..." claims are run).
//! Without PostgreSQL these tests print a SKIPPED banner, and fail when CI=true.

use std::path::Path;

use super::repeat_pg::clone_of;
use crate::common::{self, conninfo};
use packetc::pg::Target;

const APR: &str = "ratified_apr=APR-BOOT-AUTHMODEL-1";

/// `packetc NAME PACKET --database-url URL --journal JOURNAL ARGS`: exit code and output.
fn run(sub: &str, name: &str, t: &Target, journal: &Path, args: &[&str]) -> (i32, String) {
    let o = common::packetc_cmd(&common::repo_root())
        .arg(sub)
        .arg(format!("packets/{name}"))
        .args(["--database-url", &conninfo(t)])
        .arg("--journal")
        .arg(journal)
        .args(args)
        .output()
        .expect("packetc runs");
    (
        o.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

/// The `state:` line and the row of `metric` in a status output.
fn state_line(out: &str) -> &str {
    out.lines()
        .find(|l| l.starts_with("state: "))
        .unwrap_or_else(|| panic!("no state line:\n{out}"))
}

fn row<'a>(out: &'a str, metric: &str) -> Vec<&'a str> {
    out.lines()
        .find(|l| l.split_whitespace().next() == Some(metric))
        .unwrap_or_else(|| panic!("no row for {metric}:\n{out}"))
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

fn scalar(t: &Target, sql: &str) -> String {
    packetc::pg::query_scalar(t, &[], sql)
        .expect("query")
        .unwrap_or_default()
}

#[test]
fn status_of_a_scanner_after_zero_one_and_two_runs_says_only_what_is_true() {
    let Some((_cluster, db)) = clone_of("candidate-scan") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let journal = tmp.path().join("scan.jsonl");
    let snap = "source_snapshot_ref=evo-2026-06-01";
    let vars = ["--var", APR, "--var", snap];

    // 0 runs, no journal, no --var: the gate metrics that read a variable cannot be read.
    let (code, out) = run("status", "candidate-scan", &db, &journal, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        state_line(&out).starts_with("state: unknown: ospa, snapshot not read"),
        "{out}"
    );
    assert_eq!(
        row(&out, "ospa"),
        ["ospa", "(not read)", ">= 1", "preflight gate", "unknown"]
    );
    assert!(
        out.contains("pass the variables with --var NAME=VALUE"),
        "{out}"
    );

    // 0 runs with the variables: work to do, and apply then does it.
    let (code, out) = run("status", "candidate-scan", &db, &journal, &vars);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        state_line(&out),
        "state: work to do: the preflight gate holds and missing 13→0 (a '-> N' delta not at N); apply would run the steps"
    );
    assert_eq!(
        row(&out, "missing"),
        ["missing", "13", "-> 0", "the write's target", "NO"]
    );
    assert_eq!(
        row(&out, "scan_runs"),
        [
            "scan_runs",
            "0",
            "+1",
            "per run (not judged from the live state)"
        ]
    );
    assert_eq!(
        scalar(&db, "SELECT count(*) FROM governance_candidates"),
        "0"
    );
    let (code, out) = run("apply", "candidate-scan", &db, &journal, &vars);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("work to do (missing 13→0)"), "{out}");

    // 1 run: nothing left (status reads the journaled variables), and apply then runs nothing.
    for runs in [1, 2] {
        let (code, out) = run("status", "candidate-scan", &db, &journal, &[]);
        assert_eq!(code, 0, "after {runs} run(s): {out}");
        assert_eq!(
            state_line(&out),
            "state: nothing left to do: the preflight gate holds and every '-> N' delta of the write is at N; apply would run no iteration",
            "after {runs} run(s)"
        );
        assert_eq!(
            row(&out, "missing"),
            ["missing", "0", "-> 0", "the write's target", "yes"]
        );
        assert_eq!(
            row(&out, "scan_runs"),
            [
                "scan_runs",
                "1",
                "+1",
                "per run (not judged from the live state)"
            ]
        );
        assert!(
            !out.contains("NEITHER") && !state_line(&out).contains("applied"),
            "{out}"
        );
        let (code, out) = run("apply", "candidate-scan", &db, &journal, &vars);
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("nothing left to do"), "{out}");
        assert!(
            !out.contains("F_scan_01_candidate_scan.sql (seed) ..."),
            "{out}"
        );
    }
    assert_eq!(
        scalar(
            &db,
            "SELECT count(*) FROM candidate_scan_run WHERE created_by = 'F7_CANDIDATE_SCAN'"
        ),
        "1"
    );

    // A snapshot that does not exist: the gate does not hold, and apply stops at the preflight.
    let bad = ["--var", APR, "--var", "source_snapshot_ref=evo-1999-01-01"];
    let (code, out) = run("status", "candidate-scan", &db, &journal, &bad);
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        state_line(&out),
        "state: the preflight gate does not hold: apply would stop at the preflight and write nothing"
    );
    assert_eq!(
        row(&out, "snapshot"),
        ["snapshot", "0", "= 1", "preflight gate", "NO"]
    );
    let (code, out) = run("apply", "candidate-scan", &db, &journal, &bad);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("F_scan_00_preflight.sql (preflight) ... FAILED"),
        "{out}"
    );
}

#[test]
fn status_of_a_cursor_after_zero_one_and_two_advances_says_only_what_is_true() {
    let Some((_cluster, db)) = clone_of("cursor-advance") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let journal = tmp.path().join("cursor.jsonl");
    let to = |s: &str| {
        [
            "--var".to_owned(),
            APR.to_owned(),
            "--var".to_owned(),
            format!("to_snapshot={s}"),
        ]
    };
    fn args(v: &[String; 4]) -> Vec<&str> {
        v.iter().map(String::as_str).collect()
    }

    let v = to("evo-2026-06-01");
    let (code, out) = run("status", "cursor-advance", &db, &journal, &args(&v));
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        state_line(&out),
        "state: work to do: the preflight gate holds and behind 1→0, cursor 0→1 (a '-> N' delta not at N); apply would run the steps"
    );
    let (code, out) = run("apply", "cursor-advance", &db, &journal, &args(&v));
    assert_eq!(code, 0, "{out}");

    // After the advance, and for a stale advance (an older snapshot): nothing left.
    for s in ["evo-2026-06-01", "evo-2026-05-29"] {
        let v = to(s);
        let (code, out) = run("status", "cursor-advance", &db, &journal, &args(&v));
        assert_eq!(code, 0, "{s}: {out}");
        assert_eq!(
            state_line(&out),
            "state: nothing left to do: the preflight gate holds and every '-> N' delta of the write is at N; apply would run no iteration",
            "{s}"
        );
        let (code, out) = run("apply", "cursor-advance", &db, &journal, &args(&v));
        assert_eq!(code, 0, "{s}: {out}");
        assert!(out.contains("nothing left to do"), "{s}: {out}");
    }
    assert_eq!(
        scalar(
            &db,
            "SELECT snapshot_ref FROM scan_cursor WHERE cursor_key = 'candidate_scan'"
        ),
        "evo-2026-06-01"
    );
}
