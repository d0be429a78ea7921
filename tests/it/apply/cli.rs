//! `packetc apply` refusals that need no database: every one of them must run nothing.
//!
//! "Nothing ran" is observed, not assumed: the channel given is a shell command that would
//! create a marker file if it were ever started.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::{self, root, transcript, transcripts};
use crate::snapshot_run;

const APR: &str = "ratified_apr=APR-BOOT-AUTHMODEL-1";

/// A private copy of the bundled packet (so journals and edits stay in a temp dir).
fn packet_copy(dir: &Path) -> PathBuf {
    let src = root().join("packets/one-roof-ownership-seed");
    let dst = dir.join("one-roof-ownership-seed");
    for sub in ["", "sql", "fixture"] {
        std::fs::create_dir_all(dst.join(sub)).expect("mkdir");
        for entry in std::fs::read_dir(src.join(sub)).expect("read_dir") {
            let entry = entry.expect("entry");
            if entry.file_type().expect("type").is_file() {
                std::fs::copy(entry.path(), dst.join(sub).join(entry.file_name())).expect("copy");
            }
        }
    }
    dst
}

fn packetc(dir: &Path, args: &[&str]) -> Output {
    common::packetc(args, dir)
}

/// A channel that leaves `marker` behind if it is ever run.
fn marker_channel(marker: &Path) -> String {
    format!("touch '{}'; cat > /dev/null", marker.display())
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

struct Case {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    packet: PathBuf,
    marker: PathBuf,
}

fn case() -> Case {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().to_path_buf();
    let packet = packet_copy(&dir);
    let marker = dir.join("channel-ran");
    Case {
        _tmp: tmp,
        dir,
        packet,
        marker,
    }
}

impl Case {
    fn apply(&self, extra: &[&str]) -> Output {
        let channel = marker_channel(&self.marker);
        let packet = self.packet.display().to_string();
        let mut args = vec!["apply", packet.as_str(), "--channel", channel.as_str()];
        args.extend_from_slice(extra);
        packetc(&self.dir, &args)
    }

    fn assert_nothing_ran(&self) {
        assert!(!self.marker.exists(), "the channel was started");
        assert!(
            !self.packet.join("journal").exists(),
            "a journal was written although nothing ran"
        );
    }
}

/// A `--var` value its pattern refuses is bad usage before anything runs, dry run or not.
#[test]
fn dry_run_checks_var_values_against_their_pattern() {
    let c = case();
    let o = c.apply(&["--var", "ratified_apr=APR-lower-case", "--dry-run"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}\n{err}");
    assert!(
        err.contains("--var ratified_apr=\"APR-lower-case\" does not match the pattern ^APR-[A-Z0-9]+(-[A-Z0-9]+)*$"),
        "{err}"
    );
    c.assert_nothing_ran();
}

#[test]
fn dry_run_prints_the_plan_and_runs_nothing() {
    let c = case();
    let o = c.apply(&["--var", APR, "--dry-run"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
    c.assert_nothing_ran();
    // The policy the lint gate used is named in the first lines, with its sha256.
    let second = out.lines().nth(1).unwrap_or_default();
    assert!(
        second.starts_with("policy: ") && second.contains("(sha256 "),
        "{out}"
    );
    let order: Vec<usize> = [
        "0. probe",
        "1. F_prod_00_preflight.sql",
        "2. F_prod_01_ownership_seed_commit.sql",
        "3. F_prod_02_verify.sql",
        "R. F_prod_03_rollback.sql",
    ]
    .iter()
    .map(|s| {
        out.find(s)
            .unwrap_or_else(|| panic!("{s:?} missing from:\n{out}"))
    })
    .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "out of order:\n{out}"
    );
    assert!(
        out.contains("stdin: \\set ratified_apr 'APR-BOOT-AUTHMODEL-1'"),
        "{out}"
    );
    assert!(
        out.contains(&marker_channel(&c.marker)),
        "channel command not shown:\n{out}"
    );
    assert!(out.contains("never automated"), "{out}");
    // The \set line goes only to the steps that use the variable (preflight and seed check
    // the approval it names).
    assert_eq!(out.matches("stdin: \\set").count(), 2, "{out}");
    snapshot_run!(
        "apply_dry_run",
        transcript(
            &["apply", "PACKET", "--var", APR, "--dry-run"],
            &o,
            &[&c.dir]
        )
    );
}

#[test]
fn a_missing_variable_is_bad_usage() {
    let c = case();
    let o = c.apply(&[]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}\n{err}");
    assert!(
        err.contains("pass --var ratified_apr=APR-BOOT-AUTHMODEL-1"),
        "{err}"
    );
    c.assert_nothing_ran();
    snapshot_run!(
        "apply_missing_variable",
        transcript(&["apply", "PACKET"], &o, &[&c.dir])
    );
}

#[test]
fn unknown_repeated_malformed_or_multiline_variables_are_bad_usage() {
    let c = case();
    let mut runs = Vec::new();
    for (extra, says) in [
        (
            vec!["--var", APR, "--var", "nope=1"],
            "no variable \"nope\"",
        ),
        (vec!["--var", APR, "--var", APR], "given twice"),
        (vec!["--var", "ratified_apr"], "not NAME=VALUE"),
        (
            vec!["--var", "ratified_apr=APR-1\n\\! touch x"],
            "control character",
        ),
    ] {
        let o = c.apply(&extra);
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{extra:?}\n{out}\n{err}");
        assert!(err.contains(says), "{extra:?}: {err}");
        let mut label = vec!["apply", "PACKET", "--channel", "CHANNEL"];
        label.extend_from_slice(&extra);
        runs.push((label, o));
    }
    c.assert_nothing_ran();
    let shown: Vec<(&[&str], &Output)> = runs.iter().map(|(a, o)| (a.as_slice(), o)).collect();
    snapshot_run!("apply_bad_variables", transcripts(&shown, &[&c.dir]));
}

#[test]
fn drift_in_a_committed_script_runs_nothing() {
    let c = case();
    let seed = c.packet.join("sql/F_prod_01_ownership_seed_commit.sql");
    let mut text_ = std::fs::read_to_string(&seed).expect("read");
    text_ = text_.replace("COMMIT;\n", "-- a hand edit\nCOMMIT;\n");
    std::fs::write(&seed, text_).expect("write");
    let o = c.apply(&["--var", APR]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(out.contains("refused") && out.contains("drift"), "{out}");
    assert!(out.contains("-- a hand edit"), "the diff is shown:\n{out}");
    c.assert_nothing_ran();
    // Dry-run refuses as well: it shows only what would really run.
    let o = c.apply(&["--var", APR, "--dry-run"]);
    assert_eq!(o.status.code(), Some(1));
    c.assert_nothing_ran();
}

#[test]
fn a_stray_script_is_drift_too() {
    let c = case();
    std::fs::write(c.packet.join("sql/F_prod_99_extra.sql"), "SELECT 1;\n").expect("write");
    let o = c.apply(&["--var", APR]);
    let (out, _) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("F_prod_99_extra.sql"), "{out}");
    c.assert_nothing_ran();
}

#[test]
fn lint_findings_run_nothing() {
    let c = case();
    // A policy that protects the seed's own table: the committed seed now writes where it may not.
    let policy = c.dir.join("strict.yaml");
    std::fs::write(
        &policy,
        "version: 1\nprotected_tables:\n  - table: governance_object_ownership\n    reason: frozen for this test\n",
    )
    .expect("write policy");
    let policy = policy.display().to_string();
    let o = c.apply(&["--var", APR, "--policy", &policy]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(out.contains("lint finding"), "{out}");
    assert!(out.contains("PC001"), "{out}");
    c.assert_nothing_ran();
}

#[test]
fn a_channel_that_cannot_start_is_exit_2_before_any_step() {
    let c = case();
    let packet = c.packet.display().to_string();
    for (channel, says) in [
        ("no-such-command-packetc -f -", "not found (exit 127)"),
        ("exit 255", "ssh could not connect (exit 255)"),
        ("read first_line; echo not psql", "did not run psql"),
    ] {
        let journal = c.dir.join("j.jsonl");
        let _ = std::fs::remove_file(&journal);
        let journal_s = journal.display().to_string();
        let o = packetc(
            &c.dir,
            &[
                "apply",
                &packet,
                "--var",
                APR,
                "--channel",
                channel,
                "--journal",
                &journal_s,
            ],
        );
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{channel}\n{out}\n{err}");
        assert!(err.contains(says), "{channel}: {err}");
        assert!(err.contains("no step was run"), "{err}");
        assert!(!out.contains("[1/3]"), "a step started:\n{out}");
        let records: Vec<serde_json::Value> = std::fs::read_to_string(&journal)
            .expect("journal")
            .lines()
            .map(|l| serde_json::from_str(l).expect("valid JSON line"))
            .collect();
        let kinds: Vec<&str> = records
            .iter()
            .filter_map(|r| r["record"].as_str())
            .collect();
        assert_eq!(kinds, ["start", "probe", "end"], "{channel}");
        assert_eq!(records[2]["outcome"], "refused");
        assert_eq!(records[2]["exit_code"], 2);
    }
}

#[test]
fn an_unreachable_server_is_exit_2() {
    let c = case();
    let missing = c.dir.join("no-socket-here").display().to_string();
    let url = format!("host={missing} dbname=directus connect_timeout=3");
    let packet = c.packet.display().to_string();
    let o = packetc(
        &c.dir,
        &["apply", &packet, "--var", APR, "--database-url", &url],
    );
    let (out, err) = text(&o);
    if err.contains("needs a local psql") {
        eprintln!("psql is not installed; the check of the refusal is all that ran");
        assert_eq!(o.status.code(), Some(2));
        return;
    }
    assert_eq!(o.status.code(), Some(2), "{out}\n{err}");
    assert!(err.contains("psql could not connect"), "{err}");
}

#[test]
fn channel_and_database_url_are_exclusive() {
    let c = case();
    let o = c.apply(&["--var", APR, "--database-url", "dbname=directus"]);
    assert_eq!(o.status.code(), Some(2));
    c.assert_nothing_ran();
}

#[test]
fn the_default_journal_is_a_new_file_under_the_packet_and_its_path_is_printed_first() {
    let c = case();
    let packet = c.packet.display().to_string();
    let o = packetc(
        &c.dir,
        &["apply", &packet, "--var", APR, "--channel", "exit 255"],
    );
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}\n{err}");
    let files: Vec<PathBuf> = std::fs::read_dir(c.packet.join("journal"))
        .expect("journal dir")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0]
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // apply-YYYYMMDDTHHMMSSZ.jsonl
    assert!(
        name.starts_with("apply-") && name.ends_with("Z.jsonl") && name.len() == 28,
        "{name}"
    );
    let first = out
        .lines()
        .find(|l| l.starts_with("journal: "))
        .unwrap_or_default();
    assert!(
        first.ends_with(&name),
        "journal path not printed before the probe:\n{out}"
    );
    assert!(out.find("journal: ") < out.find("probe: "), "{out}");
}

#[test]
fn a_journal_that_cannot_be_written_stops_before_anything_runs() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    let c = case();
    let o = c.apply(&["--var", APR, "--journal", "/dev/full"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}\n{err}");
    assert!(err.contains("/dev/full"), "{err}");
    assert!(!c.marker.exists(), "the channel was started");
}

#[test]
fn a_rollback_without_its_confirmation_is_bad_usage_and_runs_nothing() {
    let c = case();
    let o = c.apply(&["--rollback"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}\n{err}");
    assert!(
        err.contains("it needs --confirm-rollback")
            && err.contains(
                "governance_object_ownership WHERE created_by = 'F6_OWNERSHIP_SEED_COMMIT'"
            ),
        "{err}"
    );
    c.assert_nothing_ran();
    snapshot_run!(
        "apply_rollback_without_confirmation",
        transcript(&["apply", "PACKET", "--rollback"], &o, &[&c.dir])
    );
    // The confirmation alone is not a command.
    let o = c.apply(&["--confirm-rollback"]);
    assert_eq!(o.status.code(), Some(2));
    c.assert_nothing_ran();
}

#[test]
fn a_step_timeout_that_is_not_a_duration_is_bad_usage() {
    let c = case();
    for bad in ["0s", "1.5s", "ten"] {
        let o = c.apply(&["--var", APR, "--step-timeout", bad]);
        assert_eq!(o.status.code(), Some(2), "{bad}");
        assert!(text(&o).1.contains("is not a duration"), "{bad}");
    }
    c.assert_nothing_ran();
}

#[test]
fn status_offline_reads_the_history_and_reports_a_torn_last_line() {
    let c = case();
    let journal = c.packet.join("journal");
    std::fs::create_dir_all(&journal).expect("mkdir");
    let start = r#"{"run":"r1","time":"2026-12-01T09:00:00.000Z","record":"decision","case":"not_applied","message":"m"}"#;
    std::fs::write(
        journal.join("apply-20261201T090000Z.jsonl"),
        format!("{start}\n{{\"run\":\"r1\",\"time\":\"2026-12-01T09:00:01.0"),
    )
    .expect("write");
    let packet = c.packet.display().to_string();
    let o = packetc(&c.dir, &["status", &packet, "--offline"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
    assert!(out.contains("journal: 1 run(s) in 1 file(s)"), "{out}");
    assert!(out.contains("[not_applied]"), "{out}");
    assert!(out.contains("no end record"), "{out}");
    assert!(
        out.contains("apply-20261201T090000Z.jsonl:2: torn last line (41 bytes, no newline)"),
        "{out}"
    );
    snapshot_run!(
        "status_offline_torn_journal",
        transcript(&["status", "PACKET", "--offline"], &o, &[&c.dir])
    );
}
