//! Black-box tests of the binary: exit codes 0/1/2, output, and "nothing written on error".

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{packetc, root, text, transcript, transcripts};
use crate::snapshot_run;

const PACKET: &str = "packets/one-roof-ownership-seed";

/// A scratch repository holding a copy of the bundled packet (spec and committed scripts).
fn scratch() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join(PACKET);
    fs::create_dir_all(dir.join("sql")).expect("mkdir");
    fs::copy(
        root().join(PACKET).join("packet.yaml"),
        dir.join("packet.yaml"),
    )
    .expect("copy spec");
    for e in fs::read_dir(root().join(PACKET).join("sql")).expect("sql dir") {
        let e = e.expect("entry");
        fs::copy(e.path(), dir.join("sql").join(e.file_name())).expect("copy script");
    }
    (tmp, dir)
}

fn snapshot_sql(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = fs::read_dir(dir.join("sql"))
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| {
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        fs::read(e.path()).unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn render_reproduces_the_committed_scripts_byte_for_byte() {
    let (tmp, dir) = scratch();
    fs::remove_dir_all(dir.join("sql")).expect("rm sql");
    let out = packetc(&["render", PACKET], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout)
        .contains("wrote packets/one-roof-ownership-seed/sql/F_prod_01_ownership_seed_commit.sql"));
    for (name, bytes) in snapshot_sql(&dir) {
        let committed =
            fs::read(root().join(PACKET).join("sql").join(&name)).expect("committed script");
        assert!(
            bytes == committed,
            "{name} differs from the committed script"
        );
    }
    assert_eq!(snapshot_sql(&dir).len(), 4);
    // Rendering the spec file path works the same as the directory.
    let out = packetc(&["render", &format!("{PACKET}/packet.yaml")], tmp.path());
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn check_passes_on_the_repository() {
    let out = packetc(&["check"], &root());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(text(&out.stdout).contains("ok: 4 scripts of one-roof-ownership-seed match packets/one-roof-ownership-seed/packet.yaml and lint clean"));
}

#[test]
fn check_fails_on_a_gate_edit_without_render() {
    let (tmp, dir) = scratch();
    let spec = fs::read_to_string(dir.join("packet.yaml")).expect("spec");
    // Edited in the preflight only: the seed no longer re-checks the same gate, a spec error.
    fs::write(
        dir.join("packet.yaml"),
        spec.replacen("      scopes: 6\n", "      scopes: 7\n", 1),
    )
    .expect("write");
    let out = packetc(&["check"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("the seed does not re-check the preflight gate `scopes = 7`")
    );
    snapshot_run!(
        "check_spec_error_on_a_one_sided_gate_edit",
        transcript(&["check"], &out, &[tmp.path()])
    );
    // Edited consistently (preflight and the seed's re-check): drift, with the diff.
    fs::write(
        dir.join("packet.yaml"),
        spec.replace("      scopes: 6\n", "      scopes: 7\n"),
    )
    .expect("write");
    let out = packetc(&["check"], tmp.path());
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(
            "drift: packets/one-roof-ownership-seed/sql/F_prod_00_preflight.sql does not match"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("-  IF observed_bigint IS NULL OR NOT (observed_bigint = 6) THEN"),
        "{stdout}"
    );
    assert!(
        stdout.contains("+  IF observed_bigint IS NULL OR NOT (observed_bigint = 7) THEN"),
        "{stdout}"
    );
    snapshot_run!(
        "check_drift_after_a_gate_edit",
        transcript(&["check"], &out, &[tmp.path()])
    );
    // After rendering, check is clean again.
    assert_eq!(
        packetc(&["render", PACKET], tmp.path()).status.code(),
        Some(0)
    );
    assert_eq!(packetc(&["check"], tmp.path()).status.code(), Some(0));
}

#[test]
fn check_fails_on_a_hand_edited_script_and_a_stray_one() {
    let (tmp, dir) = scratch();
    let path = dir.join("sql/F_prod_02_verify.sql");
    let s = fs::read_to_string(&path).expect("script");
    fs::write(
        &path,
        s.replacen("(observed_bigint = 240)", "(observed_bigint >= 0)", 1),
    )
    .expect("write");
    fs::write(dir.join("sql/extra.sql"), "DELETE FROM system_issues;\n").expect("write");
    let out = packetc(&["check", PACKET], tmp.path());
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("-  IF observed_bigint IS NULL OR NOT (observed_bigint >= 0) THEN"),
        "{stdout}"
    );
    assert!(stdout.contains("extra.sql is not rendered by"), "{stdout}");
}

#[test]
fn check_fails_on_a_missing_script() {
    let (tmp, dir) = scratch();
    fs::remove_file(dir.join("sql/F_prod_03_rollback.sql")).expect("rm");
    let out = packetc(&["check"], tmp.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("F_prod_03_rollback.sql is missing"));
    snapshot_run!(
        "check_missing_script",
        transcript(&["check"], &out, &[tmp.path()])
    );
}

#[test]
fn invalid_spec_exits_2_and_writes_nothing() {
    let (tmp, dir) = scratch();
    let before = snapshot_sql(&dir);
    let spec = fs::read_to_string(dir.join("packet.yaml")).expect("spec");
    let broken = spec.replacen("      gap: 210 -> 0\n", "      gap: 200 -> 0\n", 1);
    let at = broken.find("      gap: 200 -> 0").expect("edited");
    let line = broken[..at].matches('\n').count() + 1;
    fs::write(dir.join("packet.yaml"), &broken).expect("write");
    let out = packetc(&["render", PACKET], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("delta `gap` starts at 200, but this step's gate requires gap = 210"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("packet.yaml:{line}:12")),
        "{stderr}"
    );
    assert_eq!(
        snapshot_sql(&dir),
        before,
        "nothing may be written on error"
    );
    assert_eq!(packetc(&["check"], tmp.path()).status.code(), Some(2));
    assert_eq!(
        packetc(&["plan", PACKET], tmp.path()).status.code(),
        Some(2)
    );
}

#[test]
fn render_refuses_to_replace_a_directory_and_changes_nothing() {
    let (tmp, dir) = scratch();
    fs::remove_file(dir.join("sql/F_prod_03_rollback.sql")).expect("rm");
    fs::create_dir(dir.join("sql/F_prod_03_rollback.sql")).expect("mkdir");
    let before = snapshot_sql(&dir);
    let out = packetc(&["render", PACKET], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("is a directory"));
    assert_eq!(snapshot_sql(&dir), before);
    let leftovers = fs::read_dir(dir.join("sql"))
        .expect("sql")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".packetc-"))
        .count();
    assert_eq!(leftovers, 0, "temporary files must be cleaned up");
}

#[test]
fn usage_and_io_errors_exit_2() {
    let cwd = root();
    let mut runs = Vec::new();
    for args in [
        vec!["render"],
        vec!["render", "no/such/packet"],
        vec!["check", "--no-such-flag"],
        vec!["plan", PACKET, "--format", "pdf"],
        vec!["frobnicate"],
    ] {
        let out = packetc(&args, &cwd);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            !text(&out.stderr).is_empty(),
            "{args:?} must say what is wrong"
        );
        runs.push((args, out));
    }
    let shown: Vec<(&[&str], &std::process::Output)> =
        runs.iter().map(|(a, o)| (a.as_slice(), o)).collect();
    snapshot_run!("usage_errors", transcripts(&shown, &[]));
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = packetc(&["check"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no ./packets directory here"));
    // A lint-only repository: packets/ holds only the policy. Nothing to drift: clean.
    std::fs::create_dir_all(tmp.path().join("packets")).expect("mkdir");
    std::fs::write(tmp.path().join("packets/policy.yaml"), "version: 1\n").expect("write");
    let out = packetc(&["check"], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("nothing to check"));
}

#[test]
fn plan_prints_the_step_table() {
    let out = packetc(&["plan", PACKET, "--format", "markdown"], &root());
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("| 0 | F_prod_00_preflight.sql | db=directus; ospa≥1; gap=210; own=0; conflict=0; inventory=35; scopes=6 |"), "{stdout}");
    assert!(
        stdout.contains("| 2 | F_prod_02_verify.sql | none (read-only) |"),
        "{stdout}"
    );
}

#[test]
fn check_lints_the_committed_scripts() {
    let (tmp, dir) = scratch();
    let path = dir.join("sql/F_prod_01_ownership_seed_commit.sql");
    let s = fs::read_to_string(&path).expect("script");
    let edited = s.replacen(
        "\nCOMMIT;\n",
        "\nDELETE FROM public.\"system_issues\";\nCOMMIT;\n",
        1,
    );
    assert_ne!(edited, s);
    fs::write(&path, &edited).expect("write");
    let out = packetc(&["check", "--format", "short"], tmp.path());
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("drift: packets/one-roof-ownership-seed/sql/F_prod_01_ownership_seed_commit.sql does not match"), "{stdout}");
    let line = edited[..edited.find("DELETE FROM public").expect("edit")]
        .matches('\n')
        .count()
        + 1;
    assert!(
        stdout.contains(&format!(
            "packets/one-roof-ownership-seed/sql/F_prod_01_ownership_seed_commit.sql:{line}:"
        )),
        "finding at line {line} expected: {stdout}"
    );
    assert!(stdout.contains(" PC001 "), "{stdout}");
    // GitHub annotations: one for the drift, one for the finding; the diff goes to stderr.
    let out = packetc(&["check", "--format", "github"], tmp.path());
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("::error file=packets/one-roof-ownership-seed/sql/F_prod_01_ownership_seed_commit.sql,line="),
        "{stdout}"
    );
    assert!(stdout.contains(",title=PC900 script-drift::"), "{stdout}");
    assert!(
        stdout.starts_with("::notice title=packetc policy::policy: <built-in> (sha256 "),
        "{stdout}"
    );
    assert!(
        text(&out.stderr).contains("+COMMIT;") || text(&out.stderr).contains("-DELETE FROM public"),
        "{}",
        text(&out.stderr)
    );
    // SARIF on stdout stays valid JSON even with drift.
    let out = packetc(&["check", "--format", "sarif"], tmp.path());
    assert_eq!(out.status.code(), Some(1));
    let sarif: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("stdout is SARIF JSON");
    assert_eq!(sarif["version"], "2.1.0");
    let ids: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["ruleId"].as_str())
        .collect();
    assert!(ids.contains(&"PC900"), "drift is a SARIF result: {ids:?}");
    // And a JSON finding with its file and line.
    let out = packetc(&["check", "--format", "json"], tmp.path());
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let drift = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["code"] == "PC900")
        .expect("drift finding");
    assert!(drift["line"].as_u64().is_some_and(|l| l > 1), "{drift}");
    assert_eq!(json["policies"][0]["origin"], "builtin");
    assert_eq!(
        json["policies"][0]["sha256"].as_str().map(str::len),
        Some(64)
    );
}
