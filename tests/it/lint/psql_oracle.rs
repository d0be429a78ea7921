//! The differential oracle: what packetc's scanner says psql sends, against what a real
//! PostgreSQL server received from the real `psql -X -f -` (recorded on the wire by a tap).

use crate::common;

#[path = "../../lint_oracle/proxy.rs"]
mod proxy;
#[path = "../../lint_oracle/runner.rs"]
mod runner;

use proxy::Msg;

fn show(msgs: &[Msg]) -> Vec<String> {
    msgs.iter()
        .map(|m| match m {
            Msg::Connect => "CONNECT".to_string(),
            Msg::Query(q) => format!("Q {:?}", String::from_utf8_lossy(q)),
            Msg::Parse(q) => format!("P {:?}", String::from_utf8_lossy(q)),
            Msg::CopyData(d) => format!("d {:?}", String::from_utf8_lossy(d)),
            Msg::CopyDone => "c".into(),
            Msg::CopyFail => "f".into(),
        })
        .collect()
}

/// `PACKETC_ORACLE_SHOW=FILE`: print what psql sends for FILE (exploration aid).
#[test]
fn explore() {
    let Ok(file) = std::env::var("PACKETC_ORACLE_SHOW") else {
        return;
    };
    let oracle = runner::Oracle::start(1).expect("server");
    let text = std::fs::read(&file).expect("file");
    let run = oracle.workers[0].run(&text, std::path::Path::new("."));
    for l in show(&run.msgs) {
        println!("{l}");
    }
    println!("exit {:?}\n{}", run.code, run.stderr);
}

#[path = "../../lint_oracle/gen.rs"]
mod gen;
#[path = "../../lint_oracle/model.rs"]
mod model;

use crate::common::copy_dir;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Generated scripts per run: `PACKETC_ORACLE_SCRIPTS` (CI default 10 000).
fn count() -> usize {
    std::env::var("PACKETC_ORACLE_SCRIPTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

fn seed() -> u64 {
    std::env::var("PACKETC_ORACLE_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x005E_ED0F_0C1E)
}

fn jobs() -> usize {
    std::env::var("PACKETC_ORACLE_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
}

fn start() -> Option<runner::Oracle> {
    common::or_skip(runner::Oracle::start(jobs()), "oracle server")
}

/// Run `scripts` (name, text, working dir) on all workers; return the differences found.
fn differential(
    oracle: &runner::Oracle,
    scripts: &[(String, Vec<u8>, PathBuf)],
    prefix_ok: bool,
) -> Vec<String> {
    let next = AtomicUsize::new(0);
    let diffs = Mutex::new(Vec::new());
    std::thread::scope(|sc| {
        for w in &oracle.workers {
            let (next, diffs) = (&next, &diffs);
            sc.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some((name, bytes, cwd)) = scripts.get(i) else { break };
                let Ok(text) = std::str::from_utf8(bytes) else { continue };
                let want = model::predict(text);
                let run = w.run(bytes, cwd);
                let got = model::normalize(run.msgs);
                let stopped = run.code == Some(3);
                let same = model::same(&want, &got)
                    || (prefix_ok && stopped && got.len() <= want.len() && model::same(&want[..got.len()], &got));
                if !same {
                    let mut d = diffs.lock().unwrap_or_else(|e| e.into_inner());
                    d.push(format!(
                        "{name}: psql sent\n  {}\nscanner predicted\n  {}\nscript {:?}\npsql exit {:?} stderr:\n{}",
                        show(&got).join("\n  "),
                        show(&want).join("\n  "),
                        text,
                        run.code,
                        run.stderr
                    ));
                }
            });
        }
    });
    diffs.into_inner().unwrap_or_else(|e| e.into_inner())
}

/// Scripts per psql session in the batched run.
const BATCH: usize = 250;

/// Compare batches of generated scripts (one psql session per batch, see
/// [`runner::Worker::run_batch`]); returns the differences.
fn differential_batched(oracle: &runner::Oracle, scripts: &[String]) -> Vec<String> {
    let chunks: Vec<&[String]> = scripts.chunks(BATCH).collect();
    let next = AtomicUsize::new(0);
    let diffs = Mutex::new(Vec::new());
    std::thread::scope(|sc| {
        for w in &oracle.workers {
            let (next, diffs, chunks) = (&next, &diffs, &chunks);
            sc.spawn(move || loop {
                let c = next.fetch_add(1, Ordering::SeqCst);
                let Some(chunk) = chunks.get(c) else { break };
                let bytes: Vec<&[u8]> = chunk.iter().map(|s| s.as_bytes()).collect();
                let (got, run) = w.run_batch(&bytes);
                let mut d = diffs.lock().unwrap_or_else(|e| e.into_inner());
                let Some(got) = got else {
                    d.push(format!(
                        "batch {c}: markers lost; psql exit {:?}\n{}",
                        run.code, run.stderr
                    ));
                    continue;
                };
                for (i, (text, got)) in chunk.iter().zip(got).enumerate() {
                    let want = model::predict(text);
                    let got = model::normalize(got);
                    if !model::same(&want, &got) {
                        d.push(format!(
                            "generated #{}: psql sent\n  {}\nscanner predicted\n  {}\nscript {:?}",
                            c * BATCH + i,
                            show(&got).join("\n  "),
                            show(&want).join("\n  "),
                            text
                        ));
                    }
                }
            });
        }
    });
    diffs.into_inner().unwrap_or_else(|e| e.into_inner())
}

fn generated(n: usize, seed: u64) -> Vec<String> {
    let mut rng = gen::Rng(seed);
    (0..n).map(|_| gen::script(&mut rng)).collect()
}

/// The main oracle run: `PACKETC_ORACLE_SCRIPTS` generated scripts (default 10 000), many per
/// psql session.
#[test]
fn generated_scripts_split_exactly_as_psql_sends_them() {
    let Some(oracle) = start() else { return };
    let (n, seed) = (count(), seed());
    let scripts = generated(n, seed);
    let t = std::time::Instant::now();
    let diffs = differential_batched(&oracle, &scripts);
    eprintln!(
        "oracle: {n} generated scripts (seed {seed}), {} differences, {:.1?}",
        diffs.len(),
        t.elapsed()
    );
    assert!(
        diffs.is_empty(),
        "{} of {n} scripts differ (seed {seed}); first ones:\n{}",
        diffs.len(),
        diffs
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n----\n")
    );
}

/// The batched run is faithful to `psql -X -f -`: a sample of the same scripts, each in its
/// own psql with the script on stdin, as the channel runs it.
#[test]
fn generated_scripts_on_stdin_match_too() {
    let Some(oracle) = start() else { return };
    let seed = seed();
    let tmp = tempfile::tempdir().expect("tempdir");
    let scripts: Vec<_> = generated(300, seed)
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            (
                format!("generated #{i}"),
                s.into_bytes(),
                tmp.path().to_path_buf(),
            )
        })
        .collect();
    let diffs = differential(&oracle, &scripts, false);
    assert!(
        diffs.is_empty(),
        "{}",
        diffs
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n----\n")
    );
}

fn corpus(dir: &str) -> Vec<(String, Vec<u8>, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut v: Vec<_> = std::fs::read_dir(&root)
        .expect("corpus dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    v.sort();
    v.into_iter()
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read(&p).expect("read"),
                root.clone(),
            )
        })
        .collect()
}

/// Every corpus script, run by the real psql on stdin in a fresh copy of the fixture database
/// (so its COPYs find their tables), in a scratch copy of its directory (it may write files).
/// A script stopped by `ON_ERROR_STOP` must have sent a prefix of the prediction.
#[test]
fn corpus_scripts_split_exactly_as_psql_sends_them() {
    let Some(oracle) = start() else { return };
    let schema = common::fixture_dir().join("schema.sql");
    oracle
        .cluster
        .create_template("oracle_fixture", &[schema.as_path()])
        .expect("fixture template");
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut n = 0;
    let mut diffs = Vec::new();
    for d in ["evasion", "lookalike", "packet", "formats"] {
        let src = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/corpus/lint")
            .join(d);
        let dir = tmp.path().join(d);
        copy_dir(&src, &dir);
        for (name, bytes, _) in corpus(&format!("tests/corpus/lint/{d}")) {
            n += 1;
            let db = format!("corpus{n}");
            oracle
                .cluster
                .create_database_from_template(&db, "oracle_fixture")
                .expect("scratch database");
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let want = model::predict_in(&text, None, &dir, 0);
            let run = oracle.workers[0].run_in(&db, &bytes, &dir);
            let got = model::normalize(run.msgs);
            let stopped = run.code == Some(3);
            let ok = model::same(&want, &got)
                || (stopped && (0..=want.len()).any(|k| model::same(&want[..k], &got)));
            if !ok {
                diffs.push(format!(
                    "{name}: psql sent\n  {}\nscanner predicted\n  {}\npsql exit {:?}\n{}",
                    show(&got).join("\n  "),
                    show(&want).join("\n  "),
                    run.code,
                    run.stderr
                ));
            }
        }
    }
    assert!(n >= 10, "corpus found");
    assert!(diffs.is_empty(), "{}", diffs.join("\n----\n"));
}

/// The psql evasions really reach the server: run through psql, each forbidden write of
/// `evasion/psql_lexing.sql` is received as (part of) a query.
#[test]
fn psql_lexing_evasions_reach_the_server() {
    let Some(oracle) = start() else { return };
    let schema = common::fixture_dir().join("schema.sql");
    oracle
        .cluster
        .create_template("oracle_fixture_evasion", &[schema.as_path()])
        .expect("fixture template");
    oracle
        .cluster
        .create_database_from_template("evasion", "oracle_fixture_evasion")
        .expect("scratch database");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/lint/evasion");
    let bytes = std::fs::read(dir.join("psql_lexing.sql")).expect("corpus file");
    let tmp = tempfile::tempdir().expect("tempdir");
    let run = oracle.workers[0].run_in("evasion", &bytes, tmp.path());
    let sent: Vec<String> = run
        .msgs
        .iter()
        .filter_map(|m| match m {
            Msg::Query(q) => Some(String::from_utf8_lossy(q).into_owned()),
            _ => None,
        })
        .collect();
    let count = |needle: &str| sent.iter().filter(|q| q.contains(needle)).count();
    for (needle, n) in [
        ("DELETE FROM system_issues WHERE false", 3),
        ("DELETE FROM event_outbox WHERE false", 2),
        ("DELETE FROM os_proposal_approvals WHERE false", 1),
        ("SET standard_conforming_strings = off", 1),
    ] {
        assert_eq!(count(needle), n, "{needle}: sent {sent:#?}\n{}", run.stderr);
    }
}

/// A `COPY … FROM STDIN` the server refuses is not followed by data: the real psql reads its
/// "data" lines as script and sends them as queries, and packetc judges them so (PC001 on
/// the write), while the same lines after a COPY that succeeds go as COPY data. With
/// `ON_ERROR_STOP` on, psql stops at the failed COPY and packetc has nothing more to report.
#[test]
fn a_refused_copy_sends_its_data_lines_as_sql() {
    use packetc::lint::{lint_source, Policy};
    let Some(oracle) = start() else { return };
    let schema = common::fixture_dir().join("schema.sql");
    oracle
        .cluster
        .create_template("oracle_fixture_copy", &[schema.as_path()])
        .expect("fixture template");
    let body = "INSERT INTO system_issues (title) VALUES ('copy data') RETURNING 'sent';\n1\tit's\n\\N\tx\n\\.\nSELECT 'after';\n";
    let refused = format!("COPY no_such_table FROM STDIN;\n{body}");
    let accepted =
        format!("CREATE TEMP TABLE copy_ok (a text, b text);\nCOPY copy_ok FROM STDIN;\n{body}");
    let stopped = format!("\\set ON_ERROR_STOP on\n{refused}");
    let tmp = tempfile::tempdir().expect("tempdir");
    let sent = |db: &str, script: &str| {
        oracle
            .cluster
            .create_database_from_template(db, "oracle_fixture_copy")
            .expect("scratch database");
        let run = oracle.workers[0].run_in(db, script.as_bytes(), tmp.path());
        let queries: Vec<String> = run
            .msgs
            .iter()
            .filter_map(|m| match m {
                Msg::Query(q) => Some(String::from_utf8_lossy(q).into_owned()),
                _ => None,
            })
            .collect();
        let data = run.msgs.iter().any(|m| matches!(m, Msg::CopyData(_)));
        (queries, data)
    };
    let lint = |script: &str| -> Vec<(usize, String)> {
        lint_source("copy.sql", script, &Policy::builtin(), None)
            .iter()
            .map(|f| (f.line, f.code.to_string()))
            .collect()
    };
    let write = "INSERT INTO system_issues";
    let (q, data) = sent("copy_refused", &refused);
    assert!(!data, "no COPY data after a refused COPY: {q:#?}");
    assert!(
        q.iter().any(|x| x.contains(write)),
        "the data line runs as SQL: {q:#?}"
    );
    assert_eq!(lint(&refused), [(2, "PC001".to_string())]);
    let (q, data) = sent("copy_accepted", &accepted);
    assert!(
        data && !q.iter().any(|x| x.contains(write)),
        "data, not SQL: {q:#?}"
    );
    // packetc cannot know which one happens: the second reading is still judged.
    assert_eq!(lint(&accepted), [(3, "PC001".to_string())]);
    let (q, _) = sent("copy_stopped", &stopped);
    assert!(
        !q.iter().any(|x| x.contains(write)),
        "ON_ERROR_STOP stops: {q:#?}"
    );
    assert_eq!(lint(&stopped), Vec::<(usize, String)>::new());
}
