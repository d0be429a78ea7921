//! `packetc prove` end to end: the real binary starts its own scratch cluster, builds the clone
//! from the fixture and reports expected vs observed. Needs PostgreSQL (a failure in CI).

use crate::common;

use crate::common::copy_dir;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn have_postgres() -> bool {
    match packetc::pg::find_server_bindir() {
        Ok(_) => true,
        Err(e) => common::skip_or_fail::<()>(&e).is_some(),
    }
}

fn scratch_packet() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("one-roof-ownership-seed");
    copy_dir(&common::packet_dir(), &dir);
    let _ = fs::remove_dir_all(dir.join("journal"));
    (tmp, dir)
}

fn prove(dir: &Path) -> Output {
    Command::new(crate::common::BIN)
        .arg("prove")
        .arg(dir)
        .env_remove("PACKETC_DATABASE_URL")
        .output()
        .expect("packetc runs")
}

#[test]
fn prove_passes_on_the_bundled_packet() {
    if !have_postgres() {
        return;
    }
    let (_tmp, dir) = scratch_packet();
    let out = prove(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("scenario 1: human gate closed"), "{stdout}");
    assert!(
        stdout.contains("ok   step 1 F_prod_01_ownership_seed_commit.sql delta own "),
        "{stdout}"
    );
    assert!(
        stdout.contains("clone after rollback vs before the seed"),
        "{stdout}"
    );
    let last: Vec<&str> = stdout.lines().rev().take(3).collect();
    assert!(
        last.len() == 3
            && last[2].starts_with("PROVEN: ")
            && last[2].ends_with(" 0 failed")
            && last[1].ends_with(" guards proven live")
            && last[1].split(' ').next() == last[1].split(' ').nth(2),
        "the report ends with the verdict, then N of N guards proven live:
{stdout}"
    );
    assert!(
        last[0].starts_with(&format!(
            "wrote {} (proven; schema fingerprint sha256:",
            dir.join("proof.json").display()
        )),
        "the proof record is written last:
{stdout}"
    );
    assert!(!stdout.contains("FAIL"), "{stdout}");
}

#[test]
fn a_broken_gate_value_in_the_fixture_fails_the_proof_naming_the_metric() {
    if !have_postgres() {
        return;
    }
    let (_tmp, dir) = scratch_packet();
    let schema = dir.join("fixture/schema.sql");
    let mut sql = fs::read_to_string(&schema).expect("schema");
    sql.push_str("\nINSERT INTO governance_scopes (scope_key, title, description, ordinal) VALUES ('extra', 'Extra', 'drift', 99);\n");
    fs::write(&schema, sql).expect("write");
    let out = prove(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("FAIL step 0 F_prod_00_preflight.sql runs")
            && stdout.contains("scopes expected = 6, observed 7"),
        "{stdout}"
    );
    assert!(stdout.contains("NOT PROVEN"), "{stdout}");
}

#[test]
fn prove_without_a_fixture_is_bad_input() {
    let (_tmp, dir) = scratch_packet();
    fs::remove_dir_all(dir.join("fixture")).expect("rm fixture");
    let out = prove(&dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("prove needs the packet's clone fixture"));
}
