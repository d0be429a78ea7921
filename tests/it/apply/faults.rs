//! `packetc apply` under faults, on a throwaway PostgreSQL 15 clone, through the real binary and
//! the real psql: channels that cut the input at each step's transaction start, psql killed
//! mid-verify, a lost COMMIT acknowledgement, a hung channel, a held lock, packetc killed at
//! random points, a full disk (`ulimit -f`), a garbage-printing channel and a second apply.
//!
//! In every run: the database is untouched or fully applied, what packetc printed and journaled
//! matches the database, and re-running the same command ends in "applied and verified" (exit 0)
//! or a truthful stop. Without PostgreSQL these tests print a SKIPPED banner (and fail when
//! CI=true).

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{conninfo, sh_quote};
use common::{Gate, PacketYaml, ScratchDb};
use packetc::apply::{Entry, Record};
use packetc::pg;

const APR: &str = "APR-BOOT-AUTHMODEL-1";

/// One `packetc apply` invocation: exit code, output, and the journal records it appended
/// (parsed as the typed records packetc writes: a line that does not parse fails the test).
struct Run {
    code: Option<i32>,
    stdout: String,
    records: Vec<Entry>,
}

impl Run {
    fn end(&self) -> Option<&packetc::apply::record::End> {
        self.records.iter().rev().find_map(|e| match &e.record {
            Record::End(end) => Some(end),
            _ => None,
        })
    }

    fn step_ends(&self, role: &str) -> Vec<&packetc::apply::record::StepEnd> {
        self.records
            .iter()
            .filter_map(|e| match &e.record {
                Record::StepEnd(s) if s.role == role => Some(s),
                _ => None,
            })
            .collect()
    }

    fn said(&self, needle: &str) -> bool {
        self.stdout.contains(needle)
    }
}

fn outcome_name(e: &packetc::apply::record::End) -> String {
    serde_json::to_value(e.outcome)
        .expect("json")
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn lines(journal: &Path) -> usize {
    std::fs::read_to_string(journal).map_or(0, |t| t.lines().count())
}

/// Parse the records from line `from` on (every line must be a whole record).
fn records_from(journal: &Path, from: usize) -> Vec<Entry> {
    std::fs::read_to_string(journal)
        .unwrap_or_default()
        .lines()
        .skip(from)
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a record ({e}): {l}")))
        .collect()
}

struct Case<'a> {
    db: &'a ScratchDb,
    tmp: PathBuf,
    journal: PathBuf,
}

impl<'a> Case<'a> {
    fn new(db: &'a ScratchDb, tmp: &Path) -> Case<'a> {
        Case {
            db,
            tmp: tmp.to_path_buf(),
            journal: tmp.join("journal.jsonl"),
        }
    }

    fn command(&self, extra: &[&str]) -> Command {
        let mut c = Command::new(crate::common::BIN);
        c.current_dir(common::repo_root())
            .arg("apply")
            .arg(common::packet_dir())
            .args(["--var", &format!("ratified_apr={APR}")])
            .arg("--journal")
            .arg(&self.journal)
            .args(extra);
        c
    }

    /// The plain channel: the local psql on the clone.
    fn url(&self) -> String {
        conninfo(&self.db.target)
    }

    fn run(&self, extra: &[&str]) -> Run {
        let before = lines(&self.journal);
        let o = self.command(extra).output().expect("packetc runs");
        self.finish(&o, before)
    }

    fn finish(&self, o: &Output, before: usize) -> Run {
        Run {
            code: o.status.code(),
            stdout: format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ),
            records: records_from(&self.journal, before),
        }
    }

    /// Re-run the same command through the plain channel.
    fn resume(&self) -> Run {
        self.run(&["--database-url", &self.url()])
    }

    /// A channel running a sh wrapper: it reads the prelude and the first script line (to
    /// learn the script's `$name`; empty for the probe, the lock and the state), then runs
    /// `body`, which must feed `"$head"` and the rest of stdin to psql on `"$CONN"`.
    fn wrapper(&self, body: &str) -> String {
        let path = self.tmp.join("channel.sh");
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
{body}
"#
        );
        std::fs::write(&path, script).expect("write wrapper");
        format!(
            "CONN={} DIR={} sh {}",
            sh_quote(&self.url()),
            sh_quote(&self.tmp.display().to_string()),
            sh_quote(&path.display().to_string())
        )
    }
}

const PASS: &str = r#"{ printf '%s' "$head"; cat; } | psql -X -d "$CONN" -f -"#;

/// A wrapper body that, for script `script`, passes only the lines before its transaction
/// start (`BEGIN;` / `BEGIN TRANSACTION READ ONLY;`) and then ends psql's input: the script is cut where its work begins.
fn cut_at_begin(script: &str) -> String {
    format!(
        r#"if [ "$name" = {script} ]; then
  {{ printf '%s' "$head"; while IFS= read -r l; do case "$l" in 'BEGIN;'|'BEGIN TRANSACTION'*) break ;; esac; printf '%s\n' "$l"; done; }} | psql -X -d "$CONN" -f -
else {PASS}; fi"#
    )
}

fn metrics(db: &ScratchDb) -> BTreeMap<String, String> {
    PacketYaml::load().observe(&db.target, APR)
}

fn fingerprint(db: &ScratchDb) -> BTreeMap<String, pg::TableFingerprint> {
    pg::database_fingerprint(&db.target, &[]).expect("fingerprint")
}

/// The database is either exactly as it started or exactly the packet's final state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Db {
    Untouched,
    Applied,
}

fn judge_db(db: &ScratchDb, before: &BTreeMap<String, pg::TableFingerprint>) -> Db {
    if &fingerprint(db) == before {
        return Db::Untouched;
    }
    assert_applied(db);
    Db::Applied
}

/// Every metric has the packet's final value.
fn assert_applied(db: &ScratchDb) {
    let m = metrics(db);
    let want = [
        ("own", "30"),
        ("own_tagged", "30"),
        ("gap", "0"),
        ("conflict", "0"),
        ("effective", "240"),
        ("gov_emit", "0"),
        ("coverage_pct", "100.00"),
    ];
    for (k, v) in want {
        assert_eq!(m[k], v, "half-written database: {m:?}");
    }
}

/// What the run printed and journaled as committed agrees with the database.
fn assert_truthful(run: &Run, db: Db) {
    let Some(end) = run.end() else {
        panic!("no end record:\n{}", run.stdout)
    };
    assert!(
        run.said(&format!("({})", outcome_name(end))),
        "printed outcome differs from the journal's {}:\n{}",
        outcome_name(end),
        run.stdout
    );
    assert_journal_truthful(run, db);
}

/// What the journal's end record says is committed agrees with the database.
fn assert_journal_truthful(run: &Run, db: Db) {
    let Some(end) = run.end() else {
        panic!("no end record:\n{}", run.stdout)
    };
    let says_in = end.committed.contains("IS committed")
        || end.committed.contains("already in before this run");
    match db {
        Db::Applied => assert!(
            says_in || outcome_name(end) == "applied",
            "the change is in but the run says {:?}:\n{}",
            end.committed,
            run.stdout
        ),
        Db::Untouched => assert!(
            !says_in,
            "nothing is in but the run says {:?}:\n{}",
            end.committed, run.stdout
        ),
    }
}

/// Re-running the same command ends in "applied and verified".
fn assert_resumes(c: &Case) {
    let again = c.resume();
    assert_eq!(again.code, Some(0), "re-run:\n{}", again.stdout);
    assert!(
        again.said("applied and verified"),
        "re-run:\n{}",
        again.stdout
    );
    assert_eq!(
        {
            assert_applied(c.db);
            Db::Applied
        },
        Db::Applied
    );
}

fn wait_for_no_clients(db: &ScratchDb) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let n = pg::query_scalar(
            &db.target,
            &[],
            "SELECT count(*) FROM pg_stat_activity WHERE datname = 'directus' AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
        )
        .expect("query")
        .unwrap_or_default();
        if n == "0" {
            return;
        }
        assert!(Instant::now() < deadline, "orphaned sessions never ended");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn input_cut_at_each_transaction_start_is_incomplete_never_success_and_resumes() {
    let Some(mut db) = common::scratch_db(Gate::Open) else {
        return;
    };
    for (script, role) in [
        ("F_prod_00_preflight.sql", "preflight"),
        ("F_prod_01_ownership_seed_commit.sql", "seed"),
        ("F_prod_02_verify.sql", "verify"),
    ] {
        db.reset(Gate::Open);
        let tmp = tempfile::tempdir().expect("tempdir");
        let c = Case::new(&db, tmp.path());
        let before = fingerprint(&db);
        let channel = c.wrapper(&cut_at_begin(script));
        let run = c.run(&["--channel", &channel]);
        assert_eq!(run.code, Some(1), "{script}:\n{}", run.stdout);
        assert!(
            run.said(&format!("{script} ({role}) ... INCOMPLETE")),
            "{}",
            run.stdout
        );
        assert!(
            run.said("incomplete: the channel ended (exit 0) before"),
            "{}",
            run.stdout
        );
        assert!(
            !run.said("ROLLBACK FAILED") && !run.said("[rollback]"),
            "{}",
            run.stdout
        );
        assert!(!run.said("applied and verified"), "{}", run.stdout);
        let ends = run.step_ends(role);
        let last = ends.last().expect("step_end");
        assert_eq!(
            serde_json::to_value(last.outcome).expect("json"),
            "incomplete"
        );
        assert!(!last.missing.is_empty());
        if role == "seed" {
            assert_eq!(ends.len(), 1, "a transaction step is never retried");
        } else {
            assert_eq!(
                ends.len(),
                3,
                "read-only steps are asked again, up to 3 times"
            );
        }
        let state = judge_db(&db, &before);
        assert_eq!(
            state,
            if role == "verify" {
                Db::Applied
            } else {
                Db::Untouched
            },
            "{}",
            run.stdout
        );
        assert_truthful(&run, state);
        assert_eq!(outcome_name(run.end().expect("end")), "stopped");
        let again = c.resume();
        let case = if role == "verify" {
            "state: applied but not verified"
        } else {
            "state: not applied"
        };
        assert!(again.said(case), "{}", again.stdout);
        assert_eq!(again.code, Some(0), "{}", again.stdout);
        assert!(again.said("applied and verified:"), "{}", again.stdout);
        assert_eq!(judge_db(&db, &before), Db::Applied);
    }
}

#[test]
fn psql_killed_during_verify_is_incomplete_and_verify_runs_again() {
    let Some(db) = common::scratch_db(Gate::Open) else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let c = Case::new(&db, tmp.path());
    // The first verify: psql gets the script through a fifo and is killed (SIGKILL) once it has
    // started the transaction.
    let body = format!(
        r#"if [ "$name" = F_prod_02_verify.sql ] && [ ! -e "$DIR/killed" ]; then
  touch "$DIR/killed"; rm -f "$DIR/fifo"; mkfifo "$DIR/fifo"
  psql -X -d "$CONN" -f - < "$DIR/fifo" & p=$!
  {{ printf '%s' "$head"; while IFS= read -r l; do printf '%s\n' "$l"; case "$l" in 'BEGIN TRANSACTION'*) sleep 0.3; kill -9 $p; break ;; esac; done; }} > "$DIR/fifo"
  wait $p
else {PASS}; fi"#
    );
    let channel = c.wrapper(&body);
    let run = c.run(&["--channel", &channel]);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let verify = run.step_ends("verify");
    assert_eq!(verify.len(), 2, "{}", run.stdout);
    assert_eq!(
        serde_json::to_value(verify[0].outcome).expect("json"),
        "incomplete"
    );
    // sh reports its psql's SIGKILL as 128 + 9.
    assert_eq!(
        verify[0].channel_run.as_ref().and_then(|r| r.exit_code),
        Some(137)
    );
    assert_eq!(serde_json::to_value(verify[1].outcome).expect("json"), "ok");
    assert!(run.said("attempt 2 of 3"), "{}", run.stdout);
    assert!(!run.said("[rollback]"), "{}", run.stdout);
    assert_truthful(&run, {
        assert_applied(&db);
        Db::Applied
    });
}

#[test]
fn a_lost_commit_acknowledgement_is_decided_from_the_live_state() {
    let Some(mut db) = common::scratch_db(Gate::Open) else {
        return;
    };
    // 1. The COMMIT runs but its answer never reaches packetc (the channel drops the line and
    //    then fails like a dropped ssh): the live state shows the change, apply goes on.
    let tmp = tempfile::tempdir().expect("tempdir");
    let c = Case::new(&db, tmp.path());
    let lose_answer = format!(
        r#"if [ "$name" = F_prod_01_ownership_seed_commit.sql ]; then
  {{ printf '%s' "$head"; cat; }} | psql -X -d "$CONN" -f - | grep --line-buffered -v '^COMMIT$'; exit 255
else {PASS}; fi"#
    );
    let run = c.run(&["--channel", &c.wrapper(&lose_answer)]);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let seed = run.step_ends("seed");
    assert_eq!(
        serde_json::to_value(seed[0].committed).expect("json"),
        "unknown"
    );
    assert!(
        run.said("asking the database (read-only)"),
        "{}",
        run.stdout
    );
    assert!(
        run.said("committed: its acknowledgement was lost, but the live state shows its change"),
        "{}",
        run.stdout
    );
    assert!(run.records.iter().any(|e| matches!(&e.record, Record::Decision(d) if serde_json::to_value(d.case).expect("json") == "commit_confirmed")));
    assert_truthful(&run, {
        assert_applied(&db);
        Db::Applied
    });

    // 2. The COMMIT line is sent but never reaches psql (the channel cuts it): nothing
    //    committed, and the live state says so.
    db.reset(Gate::Open);
    let tmp = tempfile::tempdir().expect("tempdir");
    let c = Case::new(&db, tmp.path());
    let before = fingerprint(&db);
    let swallow = format!(
        r#"if [ "$name" = F_prod_01_ownership_seed_commit.sql ]; then
  {{ printf '%s' "$head"; while IFS= read -r l; do case "$l" in COMMIT*) break ;; esac; printf '%s\n' "$l"; done; }} | psql -X -d "$CONN" -f -
else {PASS}; fi"#
    );
    let run = c.run(&["--channel", &c.wrapper(&swallow)]);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.said("did not commit: the live state is unchanged"),
        "{}",
        run.stdout
    );
    assert_eq!(judge_db(&db, &before), Db::Untouched);
    assert_truthful(&run, Db::Untouched);
    assert_resumes(&c);
}

#[test]
fn a_hung_step_ends_at_its_limit_and_says_what_is_known() {
    let Some(mut db) = common::scratch_db(Gate::Open) else {
        return;
    };
    // A channel that hangs on the verify (ssh that never connects, say).
    let tmp = tempfile::tempdir().expect("tempdir");
    let c = Case::new(&db, tmp.path());
    let hang = format!(r#"if [ "$name" = F_prod_02_verify.sql ]; then sleep 60; else {PASS}; fi"#);
    let t0 = Instant::now();
    let run = c.run(&["--channel", &c.wrapper(&hang), "--step-timeout", "2s"]);
    assert!(
        t0.elapsed() < Duration::from_secs(30),
        "took {:?}",
        t0.elapsed()
    );
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.said("F_prod_02_verify.sql (verify) ... TIMED OUT"),
        "{}",
        run.stdout
    );
    assert!(
        run.said("F_prod_02_verify.sql did not finish within its limit of 2 s; F_prod_02_verify.sql is read-only: it changed nothing; nothing was rolled back"),
        "{}",
        run.stdout
    );
    assert!(
        run.said("so far: F_prod_01_ownership_seed_commit.sql IS committed"),
        "{}",
        run.stdout
    );
    assert_truthful(&run, {
        assert_applied(&db);
        Db::Applied
    });
    assert_resumes(&c);

    // A lock held by someone else: read-only work is bounded by lock_timeout too.
    db.reset(Gate::Open);
    let tmp = tempfile::tempdir().expect("tempdir");
    let c = Case::new(&db, tmp.path());
    let before = fingerprint(&db);
    let mut holder = pg::spawn_psql(
        &db.target,
        "BEGIN; LOCK TABLE governance_object_ownership IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60);",
        &[],
        true,
    )
    .expect("lock holder");
    // Wait until the server shows the lock granted (a fixed sleep is a race on a loaded machine).
    let waited = Instant::now();
    loop {
        let held = pg::query_scalar(
            &db.target,
            &[],
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'governance_object_ownership' AND l.mode = 'AccessExclusiveLock' AND l.granted",
        )
        .expect("read pg_locks");
        if held.as_deref().is_some_and(|v| v.trim() != "0") {
            break;
        }
        assert!(
            waited.elapsed() < Duration::from_secs(30),
            "the lock holder never got its lock"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let t0 = Instant::now();
    let run = c.run(&["--database-url", &c.url(), "--lock-timeout", "500ms"]);
    let took = t0.elapsed();
    // Its backend sleeps on until it is told: end it from the server side.
    pg::query_scalar(
        db.admin(),
        &[],
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()",
    )
    .expect("terminate the lock holder");
    let _ = holder.kill();
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(run.said("lock timeout"), "{}", run.stdout);
    assert!(took < Duration::from_secs(20), "took {took:?}");
    assert_eq!(judge_db(&db, &before), Db::Untouched);
    assert_truthful(&run, Db::Untouched);
    wait_for_no_clients(&db);
    assert_resumes(&c);
}

/// xorshift64*: a fixed-seed sequence, so a failing run can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

#[test]
fn packetc_killed_at_random_points_leaves_all_or_nothing_and_resumes() {
    let Some(mut db) = common::scratch_db(Gate::Open) else {
        return;
    };
    // A whole run's journal, to spread the kills over every record of it.
    let tmp = tempfile::tempdir().expect("tempdir");
    let full = Case::new(&db, tmp.path()).resume();
    assert_eq!(full.code, Some(0), "{}", full.stdout);
    let records = full.records.len() as u64;
    let mut rng = Rng(0x5eed_1234_abcd_0042);
    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    let runs = 50;
    let t_all = Instant::now();
    db.reset(Gate::Open);
    // Every reset copies the same template: one fingerprint of it serves every run.
    let before = fingerprint(&db);
    for i in 0..runs {
        db.reset(Gate::Open);
        let tmp = tempfile::tempdir().expect("tempdir");
        let c = Case::new(&db, tmp.path());
        // Kill once the journal holds `at` records (0: as soon as it exists), after a jitter.
        let at = (rng.next() % records) as usize;
        let jitter = Duration::from_millis(rng.next() % 40);
        let sig = if i % 5 == 4 { "TERM" } else { "KILL" };
        let child = c
            .command(&["--database-url", &c.url()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let deadline = Instant::now() + Duration::from_secs(30);
        while lines(&c.journal) < at && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(jitter);
        let _ = Command::new("kill")
            .args(["-s", sig, &child.id().to_string()])
            .status();
        let o = child.wait_with_output().expect("wait");
        wait_for_no_clients(&db);
        let run = c.finish(&o, 0);
        let state = judge_db(&db, &before);
        // Whatever the journal holds is whole records, and it never claims more than is in.
        let committed_yes = run.records.iter().any(|e| matches!(&e.record, Record::StepEnd(s) if s.role == "seed" && s.committed == Some(packetc::apply::record::Committed::Yes)));
        if committed_yes {
            assert_eq!(state, Db::Applied, "run {i}: journal says committed");
        }
        if state == Db::Applied {
            assert!(
                run.records
                    .iter()
                    .any(|e| matches!(&e.record, Record::StepStart(s) if s.role == "seed")),
                "run {i}: applied without a journaled seed"
            );
        }
        // A SIGKILL may land between the end record and its printed line: the journal is
        // the record then; a SIGTERM run must print it too.
        if run.end().is_some() {
            if sig == "KILL" {
                assert_journal_truthful(&run, state);
            } else {
                assert_truthful(&run, state);
            }
        }
        let key = format!(
            "SIG{sig} after record {at:>2} -> {} / {}",
            match state {
                Db::Untouched => "untouched",
                Db::Applied => "applied",
            },
            run.end().map_or("no end record".to_owned(), outcome_name)
        );
        *tally.entry(key).or_default() += 1;
        // The same command again.
        let again = c.resume();
        assert_eq!(
            again.code,
            Some(0),
            "run {i} (after record {at} + {jitter:?}, SIG{sig}) re-run:\n{}\nfirst:\n{}",
            again.stdout,
            run.stdout
        );
        assert!(again.said("applied and verified"), "{}", again.stdout);
        assert_applied(&db);
    }
    eprintln!(
        "{runs} kills over the {records} records of a run, in {:.1}s: {tally:#?}",
        t_all.elapsed().as_secs_f64()
    );
    assert!(tally.keys().any(|k| k.contains("untouched")), "{tally:?}");
    assert!(tally.keys().any(|k| k.contains("applied")), "{tally:?}");
}

#[test]
fn a_full_disk_stops_the_run_truthfully_and_a_torn_journal_is_reported() {
    let Some(mut db) = common::scratch_db(Gate::Open) else {
        return;
    };
    // The size of a whole journal, to cut it at several points.
    let tmp = tempfile::tempdir().expect("tempdir");
    let full = Case::new(&db, tmp.path()).resume();
    assert_eq!(full.code, Some(0), "{}", full.stdout);
    let size = std::fs::metadata(tmp.path().join("journal.jsonl"))
        .expect("journal")
        .len();
    let blocks = size / 512;
    let mut seen = BTreeMap::<String, usize>::new();
    for k in 0..8u64 {
        let limit = 1 + blocks * k / 8;
        db.reset(Gate::Open);
        let tmp = tempfile::tempdir().expect("tempdir");
        let c = Case::new(&db, tmp.path());
        let before = fingerprint(&db);
        let cmd = c.command(&["--database-url", &c.url()]);
        let prog = cmd.get_program().to_owned();
        let args: Vec<_> = cmd.get_args().map(ToOwned::to_owned).collect();
        let o = Command::new("sh")
            .current_dir(common::repo_root())
            .arg("-c")
            .arg(format!("ulimit -f {limit}; exec \"$0\" \"$@\""))
            .arg(prog)
            .args(args)
            .output()
            .expect("packetc under ulimit");
        let out = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        let state = judge_db(&db, &before);
        assert_ne!(o.status.code(), Some(0), "limit {limit}:\n{out}");
        assert!(o.status.code().is_some(), "killed by a signal:\n{out}");
        assert!(
            out.contains("journal could not be written")
                || out.contains("journal write failed")
                || out.contains("File too large"),
            "limit {limit}:\n{out}"
        );
        if state == Db::Applied {
            assert!(
                out.contains("IS committed"),
                "limit {limit}: applied but not said:\n{out}"
            );
        } else {
            assert!(!out.contains("IS committed"), "limit {limit}:\n{out}");
        }
        // status reads what is there and names a torn line.
        let st = Command::new(crate::common::BIN)
            .current_dir(common::repo_root())
            .args(["status"])
            .arg(common::packet_dir())
            .arg("--journal")
            .arg(&c.journal)
            .arg("--database-url")
            .arg(c.url())
            .output()
            .expect("status");
        let st_out = String::from_utf8_lossy(&st.stdout).into_owned();
        let text = std::fs::read(&c.journal).unwrap_or_default();
        if !text.is_empty() && !text.ends_with(b"\n") {
            assert!(st_out.contains("torn last line"), "{st_out}");
        }
        assert!(st_out.contains("live state through"), "{st_out}");
        *seen
            .entry(format!(
                "{} / {}",
                match state {
                    Db::Untouched => "untouched",
                    Db::Applied => "applied",
                },
                if text.ends_with(b"\n") || text.is_empty() {
                    "whole lines"
                } else {
                    "torn"
                }
            ))
            .or_default() += 1;
        // With room again, the same command (same journal) finishes the job.
        let again = c.resume();
        assert_eq!(
            again.code,
            Some(0),
            "limit {limit} re-run:\n{}\nfirst:\n{out}",
            again.stdout
        );
        assert!(again.said("applied and verified"), "{}", again.stdout);
    }
    eprintln!("ulimit -f over a {size}-byte journal: {seen:#?}");
    assert!(seen.keys().any(|k| k.contains("torn")), "{seen:?}");
}

#[test]
fn a_garbage_printing_channel_fills_neither_journal_nor_terminal() {
    let Some(db) = common::scratch_db(Gate::Open) else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let c = Case::new(&db, tmp.path());
    let garbage = format!(
        r#"if [ "$name" = F_prod_02_verify.sql ]; then
  head -c 12000000 /dev/zero | tr '\0' 'x' >&2; {PASS}
else {PASS}; fi"#
    );
    let run = c.run(&["--channel", &c.wrapper(&garbage)]);
    let size = std::fs::metadata(&c.journal).expect("journal").len();
    assert!(size < 400_000, "journal grew to {size} bytes");
    assert!(
        run.stdout.len() < 50_000,
        "printed {} bytes",
        run.stdout.len()
    );
    // The verify's notices drowned past what packetc keeps: incomplete, never a rollback.
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(run.said("INCOMPLETE"), "{}", run.stdout);
    assert!(!run.said("[rollback]"), "{}", run.stdout);
    let v = run.step_ends("verify");
    let captured = &v[0].channel_run.as_ref().expect("run").stderr;
    assert!(captured.truncated && captured.bytes > 12_000_000);
    assert_truthful(&run, {
        assert_applied(&db);
        Db::Applied
    });
    assert_resumes(&c);
}

#[test]
fn a_second_apply_stops_on_the_lock_not_on_a_gate() {
    let Some(db) = common::scratch_db(Gate::Open) else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let c = Case::new(&db, tmp.path());
    let slow = format!(
        r#"if [ "$name" = F_prod_01_ownership_seed_commit.sql ]; then
  {{ printf '%s' "$head"; while IFS= read -r l; do case "$l" in '\echo packetc-commit-point'*) echo 'SELECT pg_sleep(3);' ;; esac; printf '%s\n' "$l"; done; }} | psql -X -d "$CONN" -f -
else {PASS}; fi"#
    );
    let first = c
        .command(&["--channel", &c.wrapper(&slow)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("first apply");
    // Wait until the first one is inside its seed.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !std::fs::read_to_string(&c.journal)
        .unwrap_or_default()
        .contains("\"step_start\",\"step\":1")
    {
        assert!(
            Instant::now() < deadline,
            "the first apply never reached its seed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let tmp2 = tempfile::tempdir().expect("tempdir");
    let c2 = Case::new(&db, tmp2.path());
    let second = c2.resume();
    assert_eq!(second.code, Some(1), "{}", second.stdout);
    assert!(
        second.said("stopped: another apply holds the packet"),
        "{}",
        second.stdout
    );
    assert!(
        second.said("packetc apply 2026") || second.said("packetc apply "),
        "{}",
        second.stdout
    );
    assert!(!second.said("[1/3]"), "{}", second.stdout);
    assert_eq!(outcome_name(second.end().expect("end")), "locked");
    let o = first.wait_with_output().expect("first ends");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert_eq!(
        {
            assert_applied(&db);
            Db::Applied
        },
        Db::Applied
    );
}

#[test]
fn a_rollback_cut_at_its_transaction_start_deletes_nothing_and_reruns() {
    let Some(db) = common::scratch_db(Gate::Open) else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let c = Case::new(&db, tmp.path());
    let applied = c.resume();
    assert_eq!(applied.code, Some(0), "{}", applied.stdout);
    let after = fingerprint(&db);
    let rollback = |channel: &str| {
        let before = lines(&c.journal);
        let o = Command::new(crate::common::BIN)
            .current_dir(common::repo_root())
            .arg("apply")
            .arg(common::packet_dir())
            .args(["--rollback", "--confirm-rollback", "--journal"])
            .arg(&c.journal)
            .args(["--channel", channel])
            .output()
            .expect("packetc runs");
        c.finish(&o, before)
    };
    let cut = c.wrapper(&cut_at_begin("F_prod_03_rollback.sql"));
    let run = rollback(&cut);
    assert_eq!(run.code, Some(1), "{}", run.stdout);
    assert!(
        run.said("F_prod_03_rollback.sql (rollback) ... INCOMPLETE"),
        "{}",
        run.stdout
    );
    assert!(run.said("COMMIT was never sent"), "{}", run.stdout);
    assert_eq!(
        fingerprint(&db),
        after,
        "the cut rollback deleted something"
    );
    let end = run.end().expect("end");
    assert_eq!(outcome_name(end), "stopped");
    assert!(!end.committed.contains("IS committed"), "{end:?}");
    assert!(run.said("(stopped)"), "{}", run.stdout);
    // The same command through a whole channel: rolled back, and the clone is as it started.
    let plain = c.wrapper(PASS);
    let run = rollback(&plain);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert!(
        run.said("rolled back: F_prod_03_rollback.sql passed"),
        "{}",
        run.stdout
    );
    assert_eq!(metrics(&db)["own_tagged"], "0");
    let again = rollback(&plain);
    assert_eq!(again.code, Some(0), "{}", again.stdout);
    assert!(again.said("nothing to roll back"), "{}", again.stdout);
}
