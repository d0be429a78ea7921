//! `packetc apply` end to end on a throwaway PostgreSQL clone, through the real binary and the
//! real psql. Without PostgreSQL these tests print a SKIPPED banner, and fail when CI=true.
//!
//! Failures are injected the way they happen in production: through the channel. A channel here
//! is a small shell wrapper around psql that changes the clone (or the timing) at a chosen step,
//! exactly where an unexpected concurrent writer or a slow server would.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{conninfo, sh_quote};
use common::{Gate, PacketYaml, ScratchDb};
use packetc::pg;
use serde_json::Value;

const APR: &str = "APR-BOOT-AUTHMODEL-1";
const TAG: &str = "F6_OWNERSHIP_SEED_COMMIT";

fn bin() -> Command {
    let mut c = Command::new(crate::common::BIN);
    c.current_dir(common::repo_root());
    c
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    records: Vec<Value>,
}

impl Run {
    fn kinds(&self) -> Vec<&str> {
        self.records
            .iter()
            .filter_map(|r| r["record"].as_str())
            .collect()
    }

    fn end(&self) -> &Value {
        self.records.last().expect("a journal record")
    }

    fn step_end(&self, role: &str) -> &Value {
        self.records
            .iter()
            .find(|r| r["record"] == "step_end" && r["role"] == role)
            .unwrap_or_else(|| panic!("no step_end for {role}: {:?}", self.kinds()))
    }
}

fn read_journal(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("journal {}: {e}", path.display()))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn finish(o: &Output, journal: &Path) -> Run {
    Run {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        records: if journal.exists() {
            read_journal(journal)
        } else {
            Vec::new()
        },
    }
}

/// `packetc apply` on the bundled packet with `channel_args` and a journal in `tmp`.
/// The journal accumulates across calls in one `tmp` (a re-run reads it to resume); the
/// returned records are this call's only.
fn apply(tmp: &Path, var: &str, channel_args: &[&str]) -> Run {
    let journal = tmp.join("journal.jsonl");
    let earlier = if journal.exists() {
        read_journal(&journal).len()
    } else {
        0
    };
    let packet = common::packet_dir();
    let o = bin()
        .arg("apply")
        .arg(&packet)
        .args(["--var", &format!("ratified_apr={var}")])
        .args(channel_args)
        .arg("--journal")
        .arg(&journal)
        .output()
        .expect("packetc runs");
    let mut run = finish(&o, &journal);
    run.records.drain(..earlier.min(run.records.len()));
    run
}

fn apply_url(db: &ScratchDb, tmp: &Path) -> Run {
    apply(tmp, APR, &["--database-url", &conninfo(&db.target)])
}

/// A channel running a POSIX sh wrapper around psql, with the clone's conninfo in $CONN.
///
/// The wrapper streams, as a real channel must (packetc holds each COMMIT back until psql has
/// run everything before it): it reads only the `\set` prelude and the first script line to
/// learn which script this is (`$name`, empty for the probe), runs `before` (shell code), then
/// passes the rest through `filter` (shell code reading stdin, default `cat`) to psql.
fn wrapper_channel(tmp: &Path, db: &ScratchDb, before: &str, filter: &str) -> String {
    let path = tmp.join("channel.sh");
    let script = format!(
        r#"head=""
line=""
while IFS= read -r line; do
  head="$head$line
"
  case "$line" in '\set '*|'SET '*) ;; *) break ;; esac
done
name=""
case "$line" in "-- F_prod_"*) name=${{line#-- }}; name=${{name%%:*}} ;; esac
{before}
{{ printf '%s' "$head"; {filter}; }} | psql -X -d "$CONN" -f -
"#
    );
    std::fs::write(&path, script).expect("write wrapper");
    format!(
        "CONN={} sh {}",
        sh_quote(&conninfo(&db.target)),
        sh_quote(&path.display().to_string())
    )
}

fn metrics(db: &ScratchDb) -> BTreeMap<String, String> {
    PacketYaml::load().observe(&db.target, APR)
}

fn fingerprint(db: &ScratchDb) -> BTreeMap<String, pg::TableFingerprint> {
    pg::database_fingerprint(&db.target, &[]).expect("fingerprint")
}

fn scalar(db: &ScratchDb, sql: &str) -> String {
    pg::query_scalar(&db.target, &[], sql)
        .expect("query")
        .unwrap_or_default()
}

fn sha256_file(p: &Path) -> String {
    packetc::packet::sha256_hex(&std::fs::read(p).expect("read script"))
}

fn is_rfc3339_utc(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 24
        && b[4] == b'-'
        && b[10] == b'T'
        && b[19] == b'.'
        && s.ends_with('Z')
        && s.chars().filter(char::is_ascii_digit).count() == 17
        && s.get(5..7)
            .and_then(|m| m.parse::<u8>().ok())
            .is_some_and(|m| (1..=12).contains(&m))
        && s.get(8..10)
            .and_then(|d| d.parse::<u8>().ok())
            .is_some_and(|d| (1..=31).contains(&d))
}

#[test]
fn happy_path_reaches_the_final_state_and_journals_it() {
    let Some(db) = common::scratch_db(Gate::Open) else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let t0 = Instant::now();
    let run = apply_url(&db, tmp.path());
    let took = t0.elapsed();
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    common::assert_metrics(
        "after apply",
        &metrics(&db),
        &[
            ("own", "30"),
            ("own_tagged", "30"),
            ("gap", "0"),
            ("conflict", "0"),
            ("effective", "240"),
            ("gov_emit", "0"),
            ("coverage_pct", "100.00"),
        ],
    );
    assert_eq!(
        scalar(
            &db,
            &format!("SELECT string_agg(DISTINCT approval_ref, ',') FROM governance_object_ownership WHERE created_by = '{TAG}'")
        ),
        APR
    );
    // Progress, in order, with the metrics.
    let out = &run.stdout;
    let at = |s: &str| {
        out.find(s)
            .unwrap_or_else(|| panic!("{s:?} missing:\n{out}"))
    };
    assert!(at("journal: ") < at("probe: channel ... ok"));
    assert!(
        at("[1/3] F_prod_00_preflight.sql (preflight) ... ok (")
            < at("[2/3] F_prod_01_ownership_seed_commit.sql (seed) ... ok (")
    );
    assert!(at("[2/3]") < at("[3/3] F_prod_02_verify.sql (verify) ... ok ("));
    assert!(
        out.contains("expect effective = 240 (expected = 240)"),
        "{out}"
    );
    assert!(out.contains("gate ospa = 1 (expected >= 1)"), "{out}");
    assert!(
        !out.contains("rollback) ..."),
        "the rollback never runs forward:\n{out}"
    );

    // The journal: one JSON object per line, hashes of the files that ran.
    assert_eq!(
        run.kinds(),
        [
            "start",
            "probe",
            "schema",
            "lock",
            "state",
            "decision",
            "step_start",
            "step_end",
            "step_start",
            "step_end",
            "step_start",
            "step_end",
            "end"
        ]
    );
    assert_eq!(run.records[4]["classified"], "not_applied");
    assert_eq!(run.records[5]["case"], "not_applied");
    let run_id = run.records[0]["run"].as_str().expect("run id");
    assert!(run.records.iter().all(|r| r["run"] == run_id));
    let start = &run.records[0];
    let spec = common::packet_dir().join("packet.yaml");
    assert_eq!(start["spec_sha256"], sha256_file(&spec));
    assert_eq!(start["vars"]["ratified_apr"], APR);
    assert_eq!(start["packetc_version"], env!("CARGO_PKG_VERSION"));
    assert!(start["channel"]["command"]
        .as_str()
        .is_some_and(|c| c.contains(" -X -d ")));
    assert_eq!(start["steps"].as_array().map(Vec::len), Some(4));
    for r in &run.records {
        for t in [
            &r["time"],
            &r["channel_run"]["started"],
            &r["channel_run"]["ended"],
        ] {
            if let Some(t) = t.as_str() {
                assert!(is_rfc3339_utc(t), "{t}");
            }
        }
        if r["record"] == "step_start" {
            let path = PathBuf::from(r["path"].as_str().expect("path"));
            assert_eq!(r["sha256"], sha256_file(&path), "{}", path.display());
        }
    }
    assert_eq!(run.records[1]["result"], "ok");
    assert_eq!(run.records[1]["database"], "directus");
    let seed = run.step_end("seed");
    assert_eq!(seed["outcome"], "ok");
    assert_eq!(seed["channel_run"]["exit_code"], 0);
    assert_eq!(seed["committed"], "yes");
    assert_eq!(seed["missing"], serde_json::json!([]));
    assert_eq!(
        (&seed["commit_point_reached"], &seed["commit_sent"]),
        (&Value::Bool(true), &Value::Bool(true)),
        "the COMMIT line went only after psql had run the final assertions"
    );
    let seed_start = run
        .records
        .iter()
        .find(|r| r["record"] == "step_start" && r["role"] == "seed")
        .expect("seed start");
    assert_eq!(
        seed_start["prelude"],
        format!("SET lock_timeout = '10000ms';\nSET statement_timeout = '300000ms';\n\\set ratified_apr '{APR}'\n")
    );
    assert!(seed["channel_run"]["stdout"]["text"]
        .as_str()
        .is_some_and(|s| s.contains("INSERT 0 30")));
    let verify = run.step_end("verify");
    let obs = verify["observations"].as_array().expect("observations");
    assert!(obs
        .iter()
        .any(|o| o["metric"] == "own" && o["observed"] == "30"));
    assert_eq!(verify["failure"], Value::Null);
    assert_eq!(run.end()["outcome"], "applied");
    assert_eq!(run.end()["exit_code"], 0);
    eprintln!("apply happy path: {:.2}s", took.as_secs_f64());

    // Applying again recognises the live state and the journal: nothing to do, nothing written.
    let before = fingerprint(&db);
    let again = apply_url(&db, tmp.path());
    assert_eq!(again.code, Some(0), "{}", again.stdout);
    assert!(
        again.stdout.contains("state: already applied and verified"),
        "{}",
        again.stdout
    );
    assert!(!again.stdout.contains("[1/3]"), "{}", again.stdout);
    assert_eq!(
        again.records.len(),
        0,
        "a run with nothing to do writes nothing"
    );
    assert_eq!(fingerprint(&db), before);
}

#[test]
fn a_closed_gate_stops_at_the_preflight_and_changes_nothing() {
    let Some(db) = common::scratch_db(Gate::Closed) else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let before = fingerprint(&db);
    let run = apply_url(&db, tmp.path());
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("FAILED approval ospa: expected a row of os_proposal_approvals"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("[2/3]"), "{}", run.stdout);
    assert_eq!(fingerprint(&db), before);
    assert_eq!(
        run.kinds(),
        [
            "start",
            "probe",
            "schema",
            "lock",
            "state",
            "decision",
            "step_start",
            "step_end",
            "end"
        ]
    );
    let pre = run.step_end("preflight");
    assert_eq!(pre["outcome"], "failed");
    assert_eq!(pre["channel_run"]["exit_code"], 3);
    assert!(pre["failure"].as_str().is_some_and(
        |f| f.contains("approval failed: ospa expected a row of os_proposal_approvals")
    ));
    assert_eq!(run.end()["outcome"], "stopped");
    assert_eq!(run.end()["exit_code"], 1);
}

#[test]
fn a_channel_to_another_database_is_refused_before_any_step() {
    let Some(db) = common::scratch_db(Gate::Open) else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let before = fingerprint(&db);
    let run = apply(tmp.path(), APR, &["--database-url", &conninfo(db.admin())]);
    assert_eq!(run.code, Some(2), "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("but the packet targets \"directus\"; no step was run"),
        "{}",
        run.stderr
    );
    assert_eq!(run.kinds(), ["start", "probe", "end"]);
    assert_eq!(fingerprint(&db), before);
}

/// A wrapper body that inserts a foreign ownership row before the verify script runs.
fn insert_before_verify(object_key: &str, scope_key: &str) -> String {
    format!(
        "if [ \"$name\" = F_prod_02_verify.sql ]; then\n\
           psql -X -q -v ON_ERROR_STOP=1 -d \"$CONN\" -c \"INSERT INTO governance_object_ownership \
         (object_kind, object_key, scope_key, owner_role, created_by) VALUES \
         ('object', '{object_key}', '{scope_key}', 'role_someone_else', 'SOMEONE_ELSE')\"\n\
         fi"
    )
}

#[test]
fn a_failed_verify_runs_the_rollback_and_restores_the_clone() {
    let Some(db) = common::scratch_db(Gate::Open) else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let before = fingerprint(&db);
    // A concurrent writer adds a row between seed and verify; it covers no inventory object,
    // so the rollback's own assertions still hold.
    let channel = wrapper_channel(
        tmp.path(),
        &db,
        &insert_before_verify("no_such_object", "no_such_scope"),
        "cat",
    );
    let run = apply(tmp.path(), APR, &["--channel", &channel]);
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    let out = &run.stdout;
    assert!(
        out.contains("[3/3] F_prod_02_verify.sql (verify) ... FAILED"),
        "{out}"
    );
    assert!(
        out.contains("FAILED expect own: expected = 30, observed 31"),
        "{out}"
    );
    assert!(out.contains("STOP + rollback"), "{out}");
    assert!(
        out.contains("[rollback] F_prod_03_rollback.sql (rollback) ... ok"),
        "{out}"
    );
    assert!(
        out.contains("the rollback F_prod_03_rollback.sql passed"),
        "{out}"
    );
    assert_eq!(run.step_end("verify")["outcome"], "failed");
    assert_eq!(run.step_end("rollback")["outcome"], "ok");
    assert_eq!(run.step_end("rollback")["committed"], "yes");
    assert_eq!(run.end()["outcome"], "verify_failed_rolled_back");
    // Only the foreign row is left; without it the clone is exactly as it started.
    assert_eq!(
        scalar(
            &db,
            "SELECT string_agg(created_by, ',') FROM governance_object_ownership"
        ),
        "SOMEONE_ELSE"
    );
    pg::run_psql(
        &db.target,
        "DELETE FROM governance_object_ownership WHERE created_by = 'SOMEONE_ELSE';",
        &[],
        true,
    )
    .expect("cleanup");
    assert_eq!(fingerprint(&db), before);
}

#[test]
fn a_failed_rollback_stops_loudly_with_what_to_do() {
    let Some(db) = common::scratch_db(Gate::Open) else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let object = scalar(
        &db,
        "SELECT min(object_key) FROM v_governance_object_inventory",
    );
    let scope = scalar(&db, "SELECT min(scope_key) FROM governance_scopes");
    // This foreign row covers a real (object, scope) pair: after removing the tagged rows the
    // gap would be 209, not 210, so the rollback's own assertion refuses to commit.
    let channel = wrapper_channel(
        tmp.path(),
        &db,
        &insert_before_verify(&object, &scope),
        "cat",
    );
    let run = apply(tmp.path(), APR, &["--channel", &channel]);
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    let out = &run.stdout;
    for needle in [
        "!!! ROLLBACK FAILED",
        "gap expected = 210, observed 209",
        "governance_object_ownership WHERE created_by = 'F6_OWNERSHIP_SEED_COMMIT' (their approval_ref = 'APR-BOOT-AUTHMODEL-1')",
        "rerun:",
        "--rollback --confirm-rollback",
        "state:   packetc status",
        "psql output of the rollback (exit 3; at most 40 lines)",
        "docs/apply.md",
    ] {
        assert!(out.contains(needle), "{needle:?} missing:\n{out}");
    }
    assert_eq!(run.step_end("rollback")["outcome"], "failed");
    assert_eq!(run.step_end("rollback")["committed"], "no");
    assert_eq!(run.end()["outcome"], "rollback_failed");
    // The rollback's transaction aborted: the tagged rows are all still there.
    assert_eq!(
        scalar(
            &db,
            &format!("SELECT count(*) FROM governance_object_ownership WHERE created_by = '{TAG}'")
        ),
        "30"
    );
}

/// A wrapper filter that makes psql sleep `secs` seconds at the seed's commit point: after the
/// write and every post-write assertion, just before packetc's COMMIT would be released.
fn sleep_at_seed_commit_point(secs: u32) -> String {
    format!(
        r#"if [ "$name" = F_prod_01_ownership_seed_commit.sql ]; then
  while IFS= read -r l; do
    case "$l" in '\echo packetc-commit-point'*) echo 'SELECT pg_sleep({secs});' ;; esac
    printf '%s\n' "$l"
  done
else cat; fi"#
    )
}

/// Start packetc apply in the background with `channel`.
fn spawn_apply(channel: &str, journal: &Path) -> std::process::Child {
    bin()
        .arg("apply")
        .arg(common::packet_dir())
        .args([
            "--var",
            &format!("ratified_apr={APR}"),
            "--channel",
            channel,
        ])
        .arg("--journal")
        .arg(journal)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("packetc starts")
}

/// The backend of the seed once it has written (ROW EXCLUSIVE from its INSERT, granted) and
/// sleeps at the commit point.
fn wait_for_sleeping_seed(db: &ScratchDb, secs: u32) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let pid = scalar(
            db,
            &format!(
                "SELECT coalesce((SELECT a.pid FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid \
                 WHERE a.datname = 'directus' AND a.query LIKE 'SELECT pg_sleep({secs})%' AND a.state = 'active' \
                 AND l.relation = 'governance_object_ownership'::regclass AND l.mode = 'RowExclusiveLock' \
                 AND l.granted LIMIT 1)::text, '')"
            ),
        );
        if !pid.is_empty() {
            return pid;
        }
        assert!(
            Instant::now() < deadline,
            "the seed never reached its commit point"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn signal(pid: u32, sig: &str) {
    let status = Command::new("kill")
        .args(["-s", sig, &pid.to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

#[test]
fn sigterm_or_ctrl_c_mid_seed_commits_nothing_and_the_journal_says_so() {
    let Some(mut db) = common::scratch_db(Gate::Open) else {
        return;
    };
    for sig in ["TERM", "INT"] {
        db.reset(Gate::Open);
        interrupt_mid_seed(&db, sig);
    }
}

/// Ctrl-C (SIGINT) or SIGTERM while the seed has written and waits at its commit point.
fn interrupt_mid_seed(db: &ScratchDb, sig: &str) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let before = fingerprint(db);
    let channel = wrapper_channel(tmp.path(), db, "", &sleep_at_seed_commit_point(30));
    let journal = tmp.path().join("journal.jsonl");
    let child = spawn_apply(&channel, &journal);
    let backend = wait_for_sleeping_seed(db, 30);
    let killed_at = Instant::now();
    signal(child.id(), sig);
    let o = child.wait_with_output().expect("packetc exits");
    let stopped_in = killed_at.elapsed();
    let run = finish(&o, &journal);
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    assert!(
        stopped_in < Duration::from_secs(10),
        "took {stopped_in:?} to stop"
    );
    assert!(
        run.stdout.contains("... INTERRUPTED (")
            && run
                .stdout
                .contains(&format!("SIG{sig}: packetc ended the channel")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("COMMIT was never sent"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("[3/3]"),
        "a new step started:\n{}",
        run.stdout
    );
    // Nothing committed, now and after the orphaned backend is gone.
    assert_eq!(metrics(db)["own"], "0");
    pg::query_scalar(
        db.admin(),
        &[],
        &format!("SELECT pg_terminate_backend({backend})"),
    )
    .expect("terminate");
    assert_eq!(fingerprint(db), before);
    // The journal tells exactly that.
    assert_eq!(
        run.kinds(),
        [
            "start",
            "probe",
            "schema",
            "lock",
            "state",
            "decision",
            "step_start",
            "step_end",
            "step_start",
            "step_end",
            "end"
        ]
    );
    let seed = run.step_end("seed");
    assert_eq!(seed["outcome"], "interrupted");
    assert_eq!(
        seed["channel_run"]["ended_by"],
        format!("sig{}", sig.to_lowercase())
    );
    assert_eq!(seed["committed"], "no");
    assert_eq!(seed["commit_point_reached"], false);
    assert_eq!(seed["commit_sent"], false);
    let obs = seed["observations"].as_array().expect("observations");
    assert!(
        obs.iter()
            .any(|o| o["phase"] == "after" && o["metric"] == "own" && o["observed"] == "30"),
        "the write had happened inside the transaction: {obs:?}"
    );
    assert_eq!(run.end()["outcome"], "interrupted");
    eprintln!("SIG{sig} to exit: {:.2}s", stopped_in.as_secs_f64());
}

#[test]
fn kill_9_mid_seed_commits_nothing_and_leaves_an_accurate_journal() {
    let Some(db) = common::scratch_db(Gate::Open) else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let before = fingerprint(&db);
    // The channel outlives packetc here (SIGKILL reaches no child): psql wakes up at the commit
    // point, finds end of input instead of a COMMIT, and the server rolls back.
    let channel = wrapper_channel(tmp.path(), &db, "", &sleep_at_seed_commit_point(2));
    let journal = tmp.path().join("journal.jsonl");
    let mut child = spawn_apply(&channel, &journal);
    wait_for_sleeping_seed(&db, 2);
    signal(child.id(), "KILL");
    let status = child.wait().expect("packetc exits");
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9)
    );
    // Wait for the orphaned channel to finish on its own (no help from the test).
    let deadline = Instant::now() + Duration::from_secs(20);
    while scalar(&db, "SELECT count(*) FROM pg_stat_activity WHERE datname = 'directus' AND backend_type = 'client backend' AND pid <> pg_backend_pid()") != "0" {
        assert!(Instant::now() < deadline, "the orphaned session never ended");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(metrics(&db)["own"], "0");
    assert_eq!(fingerprint(&db), before);
    // Every record up to the crash is there: the seed started and never ended.
    let records = read_journal(&journal);
    let kinds: Vec<&str> = records
        .iter()
        .filter_map(|r| r["record"].as_str())
        .collect();
    assert_eq!(
        kinds,
        [
            "start",
            "probe",
            "schema",
            "lock",
            "state",
            "decision",
            "step_start",
            "step_end",
            "step_start"
        ]
    );
    assert_eq!(records[8]["role"], "seed");
}

#[test]
fn a_value_full_of_quotes_arrives_literally_and_is_refused_by_its_pattern() {
    let Some(db) = common::scratch_db(Gate::Open) else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let m1 = tmp.path().join("dollar");
    let m2 = tmp.path().join("backtick");
    let nasty = format!(
        "APR-X'; DROP TABLE governance_scopes; -- \\' \\\\ \" $(touch {}) `touch {}` :'ratified_apr' :ratified_apr",
        m1.display(),
        m2.display()
    );
    let before = fingerprint(&db);
    // Through a shell channel: the value must never reach a command line.
    let channel = format!("psql -X -d {} -f -", sh_quote(&conninfo(&db.target)));
    let run = apply(tmp.path(), &nasty, &["--channel", &channel]);
    assert_eq!(run.code, Some(2), "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("does not match the packet's pattern"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("no step was run"), "{}", run.stderr);
    // The probe compared what psql received with what was sent before judging the pattern, and
    // journaled psql's own hex echo of it.
    let hex: String = nasty.bytes().map(|b| format!("{b:02x}")).collect();
    let probe = &run.records[1];
    assert_eq!(probe["record"], "probe");
    assert!(
        probe["channel_run"]["stdout"]["text"]
            .as_str()
            .is_some_and(|s| s.contains(&hex)),
        "{probe}"
    );
    assert_eq!(run.end()["outcome"], "refused");
    assert!(
        !m1.exists() && !m2.exists(),
        "a shell ran part of the value"
    );
    assert_eq!(fingerprint(&db), before);

    // The seed script itself, fed the same \set line, stores the value via :'ratified_apr' and
    // refuses it by the pattern, before its transaction.
    let seed = std::fs::read_to_string(
        common::packet_dir().join("sql/F_prod_01_ownership_seed_commit.sql"),
    )
    .expect("seed");
    let input = format!(
        "{}{seed}",
        packetc::apply::set_lines([("ratified_apr", nasty.as_str())].into_iter())
    );
    let r = pg::run_psql(&db.target, &input, &[], false).expect("psql");
    assert_eq!(r.exit_code, Some(3), "{}", r.summary());
    let stored = format!("'{}'", nasty.replace('\'', "''"));
    let refused = r
        .stderr
        .lines()
        .find(|l| l.contains("refuses to run: psql variable ratified_apr ="))
        .unwrap_or_else(|| panic!("no refusal: {}", r.stderr));
    assert!(refused.contains("does not match"), "{refused}");
    // quote_literal writes E'...' with doubled backslashes when the value has any.
    let stored_e = format!("E{}", stored.replace('\\', "\\\\"));
    assert!(
        refused.contains(&stored_e),
        "value altered:\n{refused}\nexpected {stored_e}"
    );
    assert!(
        !m1.exists() && !m2.exists(),
        "a shell ran part of the value"
    );
    assert_eq!(fingerprint(&db), before);
}

/// Before the lock, apply lints the committed scripts again with the live catalog, read through
/// the channel: a dependent of a protected table that exists only on the live database (here a
/// view over `system_issues`, which leaves the proven schema fingerprint as it is) is among the
/// dependents the scripts are checked against, and the output says so.
#[test]
fn the_scripts_are_linted_against_the_live_catalog_read_through_the_channel() {
    let Some(db) = common::scratch_db(Gate::Open) else {
        return;
    };
    let run = pg::run_psql(
        &db.target,
        "CREATE VIEW live_only_open_issues AS SELECT id, title FROM system_issues WHERE status = 'open';",
        &[],
        true,
    )
    .expect("psql runs");
    assert!(run.success(), "{}", run.summary());
    let tmp = tempfile::tempdir().expect("tempdir");
    let channel = wrapper_channel(tmp.path(), &db, "", "cat");
    let run = apply(tmp.path(), APR, &["--channel", &channel]);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let out = &run.stdout;
    let line = out
        .lines()
        .find(|l| l.starts_with("lint: the live catalog through the channel ... "))
        .unwrap_or_else(|| panic!("no live lint line:\n{out}"));
    assert!(
        line.ends_with(
            "dependents of protected tables in database directus, 1 of them not in the fixture; the scripts lint clean"
        ),
        "{line}"
    );
    let at = |s: &str| {
        out.find(s)
            .unwrap_or_else(|| panic!("{s:?} missing:\n{out}"))
    };
    assert!(
        at("schema: fingerprint") < at("lint: the live catalog")
            && at("lint: the live catalog") < at("lock: ")
    );
    assert!(
        out.contains("[3/3] F_prod_02_verify.sql (verify) ... ok ("),
        "{out}"
    );
}

/// A live catalog that cannot be read stops the run before any step (fail closed): here the
/// channel mangles the catalog query's answer line.
#[test]
fn an_unreadable_live_catalog_stops_before_any_step() {
    let Some(db) = common::scratch_db(Gate::Open) else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let before = fingerprint(&db);
    let channel = wrapper_channel(
        tmp.path(),
        &db,
        "",
        "sed -u 's/packetc-catalog /unrelated-line /'",
    );
    let run = apply(tmp.path(), APR, &["--channel", &channel]);
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(
            "lint: the live catalog through the channel ... FAILED\nstopped: the live catalog could not be read ("
        ) && run.stdout.contains("); no step was run"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("[1/3]"), "{}", run.stdout);
    assert_eq!(fingerprint(&db), before);
    assert_eq!(run.kinds(), ["start", "probe", "schema", "end"]);
    assert_eq!(run.end()["outcome"], "stopped");
}
