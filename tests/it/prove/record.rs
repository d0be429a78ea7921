//! The proof record: `check` fails on a stale one, `apply` refuses a missing or stale one unless
//! overridden (and journals the override), and compares the target's schema with the proof's
//! before step 0 — stopping on a real difference, going on after a cosmetic one.

use crate::common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::conninfo;
use common::Gate;
use packetc::pg::{self, Target};

const APR: &str = "ratified_apr=APR-BOOT-AUTHMODEL-1";

/// A private `packets/` with the policy and the bundled packet.
fn packets_copy() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let packets = tmp.path().join("packets");
    fs::create_dir_all(&packets).expect("mkdir");
    fs::copy(
        common::repo_root().join("packets/policy.yaml"),
        packets.join("policy.yaml"),
    )
    .expect("copy policy");
    let dir = packets.join("one-roof-ownership-seed");
    common::copy_dir_except(&common::packet_dir(), &dir, &["journal"]);
    (tmp, dir)
}

fn packetc(cwd: &Path, args: &[&str]) -> (Option<i32>, String) {
    let o: Output = Command::new(crate::common::BIN)
        .current_dir(cwd)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("packetc runs");
    (
        o.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

#[test]
fn the_committed_proof_is_fresh() {
    let root = common::repo_root();
    let (code, out) = packetc(&root, &["check", "packets/one-roof-ownership-seed"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(!out.contains("proof"), "{out}");
}

#[test]
fn a_stale_proof_fails_check_naming_what_changed() {
    let (tmp, dir) = packets_copy();
    let cwd = tmp.path();
    let (code, out) = packetc(cwd, &["check"]);
    assert_eq!(code, Some(0), "{out}");

    let schema = dir.join("fixture/schema.sql");
    let mut text = fs::read_to_string(&schema).expect("read");
    text.push_str("\n-- an edit after the proof\n");
    fs::write(&schema, text).expect("write");
    let (code, out) = packetc(cwd, &["check"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("proof.json is stale: fixture/schema.sql changed since the proof; run `packetc prove packets/one-roof-ownership-seed`"),
        "{out}"
    );

    // A proof that failed is no better.
    let proof = dir.join("proof.json");
    fs::copy(common::packet_dir().join("fixture/schema.sql"), &schema).expect("restore");
    let recorded = fs::read_to_string(&proof).expect("proof");
    fs::write(
        &proof,
        recorded.replacen("\"proven\": true", "\"proven\": false", 1),
    )
    .expect("write");
    let (code, out) = packetc(cwd, &["check"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("records a proof that FAILED"), "{out}");

    // A packet that was never proven is only noted (a new packet is checked before it is
    // proven); apply refuses it.
    fs::remove_file(&proof).expect("rm");
    let (code, out) = packetc(cwd, &["check"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("note: ") && out.contains("was never proven"),
        "{out}"
    );
}

#[test]
fn apply_refuses_a_stale_or_missing_proof_unless_overridden_and_journals_the_override() {
    let (tmp, dir) = packets_copy();
    let cwd = tmp.path();
    let marker = cwd.join("channel-ran");
    let channel = format!("touch '{}'; cat > /dev/null", marker.display());
    let packet = dir.display().to_string();
    let journal = cwd.join("journal.jsonl");
    let journal_arg = journal.display().to_string();
    fs::remove_file(dir.join("proof.json")).expect("rm proof");
    let apply = |extra: &[&str]| {
        let mut args = vec![
            "apply",
            packet.as_str(),
            "--var",
            APR,
            "--channel",
            channel.as_str(),
            "--journal",
            journal_arg.as_str(),
        ];
        args.extend_from_slice(extra);
        packetc(cwd, &args)
    };
    let (code, out) = apply(&[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("refused: ") && out.contains("proof.json does not exist"),
        "{out}"
    );
    assert!(out.contains("--override-proof REASON"), "{out}");
    assert!(
        !marker.exists() && !journal.exists(),
        "something ran:\n{out}"
    );

    let (code, out) = apply(&["--dry-run", "--override-proof", "emergency fix, INC-42"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("WARNING: proof overridden (emergency fix, INC-42)"),
        "{out}"
    );
    assert!(!marker.exists(), "a dry run started the channel");

    // A real run: the override is the journal's second record, before the probe (which fails
    // here: the channel is not psql).
    let (code, out) = packetc(
        cwd,
        &[
            "apply",
            packet.as_str(),
            "--var",
            APR,
            "--channel",
            "exit 1",
            "--journal",
            journal_arg.as_str(),
            "--override-proof",
            "emergency fix, INC-42",
        ],
    );
    assert_eq!(code, Some(2), "{out}");
    let records: Vec<serde_json::Value> = fs::read_to_string(&journal)
        .expect("journal")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(records[1]["record"], "proof_override", "{records:?}");
    assert_eq!(records[1]["reason"], "emergency fix, INC-42");
    assert!(
        records[1]["problem"]
            .as_str()
            .is_some_and(|p| p.contains("does not exist")),
        "{records:?}"
    );
    assert_eq!(records[2]["record"], "probe");
}

fn apply_url(t: &Target, journal: &Path) -> (Option<i32>, String, Vec<serde_json::Value>) {
    let packet = common::packet_dir().display().to_string();
    let url = conninfo(t);
    let j = journal.display().to_string();
    let (code, out) = packetc(
        &common::repo_root(),
        &[
            "apply",
            &packet,
            "--var",
            APR,
            "--database-url",
            &url,
            "--journal",
            &j,
        ],
    );
    let records = fs::read_to_string(journal)
        .map(|t| {
            t.lines()
                .map(|l| serde_json::from_str(l).expect("json"))
                .collect()
        })
        .unwrap_or_default();
    (code, out, records)
}

fn sql(t: &Target, script: &str) {
    let run = pg::run_psql(t, script, &[], true).expect("psql runs");
    assert!(run.success(), "{}", run.summary());
}

/// The inventory view as the fixture has it, with `predicate` as its WHERE clause.
fn inventory_view(predicate: &str) -> String {
    format!(
        "CREATE OR REPLACE VIEW v_governance_object_inventory AS \
         SELECT o.object_key, o.object_type, o.domain_key, d.steward_role, o.title, o.status, o.tags \
         FROM governance_objects o JOIN governance_domains d ON d.domain_key = o.domain_key \
         WHERE {predicate};"
    )
}

#[test]
fn apply_stops_before_step_0_on_a_real_schema_difference_and_goes_on_after_a_cosmetic_one() {
    let Some(mut db) = common::scratch_db(Gate::Open) else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");

    // A changed predicate: same row count today (no retired objects), a different meaning.
    sql(&db.target, &inventory_view("o.status <> 'retired'"));
    let (code, out, records) = apply_url(&db.target, &tmp.path().join("a.jsonl"));
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("DIFFERENT: 1 object(s) differ from the proven clone: view public.v_governance_object_inventory"),
        "{out}"
    );
    assert!(
        out.contains("-      (o.status = ANY(ARRAY['active'::TEXT, 'deprecated'::TEXT]))")
            && out.contains("+      (o.status <> 'retired'::TEXT)"),
        "{out}"
    );
    assert!(!out.contains("[1/3]"), "a step ran:\n{out}");
    let kinds: Vec<&str> = records
        .iter()
        .filter_map(|r| r["record"].as_str())
        .collect();
    assert_eq!(kinds, ["start", "probe", "schema", "end"], "{out}");
    assert_eq!(records[2]["result"], "different");
    assert_eq!(records[3]["outcome"], "schema_differs");
    let own = pg::query_scalar(
        &db.target,
        &[],
        "SELECT count(*) FROM governance_object_ownership",
    )
    .expect("own");
    assert_eq!(own.as_deref(), Some("0"));

    // The same meaning rendered differently (the cast chain a restore leaves behind).
    db.reset(Gate::Open);
    sql(
        &db.target,
        &inventory_view(
            "o.status = ANY (ARRAY[('active'::varchar)::text, ('deprecated'::varchar)::text])",
        ),
    );
    let (code, out, records) = apply_url(&db.target, &tmp.path().join("b.jsonl"));
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("ok: the same as the proven clone but for cosmetic rendering of view public.v_governance_object_inventory"),
        "{out}"
    );
    assert!(out.contains("applied and verified: "), "{out}");
    let schema = records
        .iter()
        .find(|r| r["record"] == "schema")
        .expect("schema record");
    assert_eq!(schema["result"], "cosmetic");
    assert_eq!(
        schema["detail"]["objects"],
        serde_json::json!(["view public.v_governance_object_inventory"])
    );
}

#[test]
fn prove_writes_the_same_record_twice_and_it_matches_the_committed_one_here() {
    if let Err(e) = packetc::pg::find_server_bindir() {
        common::skip_or_fail::<()>(&e);
        return;
    }
    let (tmp, dir) = packets_copy();
    let proof = dir.join("proof.json");
    fs::remove_file(&proof).expect("rm proof");
    let packet = dir.display().to_string();
    let mut written = Vec::new();
    for _ in 0..2 {
        let (code, out) = packetc(tmp.path(), &["prove", &packet]);
        assert_eq!(code, Some(0), "{out}");
        written.push(fs::read_to_string(&proof).expect("proof written"));
    }
    assert_eq!(written[0], written[1], "proof.json is not deterministic");
    let fresh: packetc::proof::ProofRecord = serde_json::from_str(&written[0]).expect("record");
    let committed: packetc::proof::ProofRecord = serde_json::from_str(
        &fs::read_to_string(common::packet_dir().join("proof.json")).expect("committed"),
    )
    .expect("committed record");
    assert_eq!(fresh.servers.len(), 1);
    assert!(
        committed
            .servers
            .iter()
            .any(|s| s.major == fresh.servers[0].major),
        "the committed record does not name this server's major"
    );
    assert_eq!(fresh.inputs, committed.inputs);
    assert_eq!(fresh.scenarios, committed.scenarios);
    assert_eq!(fresh.fingerprint.sha256, committed.fingerprint.sha256);
}
