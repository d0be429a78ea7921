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
    // Spec v2 states the gate once (the seed re-checks it, derived): editing the one value is
    // drift in both scripts that check it, with the diff, never a spec error.
    assert_eq!(
        spec.matches("      scopes: 6\n").count(),
        1,
        "the gate is stated once"
    );
    fs::write(
        dir.join("packet.yaml"),
        spec.replacen("      scopes: 6\n", "      scopes: 7\n", 1),
    )
    .expect("write");
    let out = packetc(&["check"], tmp.path());
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    for script in [
        "F_prod_00_preflight.sql",
        "F_prod_01_ownership_seed_commit.sql",
    ] {
        assert!(
            stdout.contains(&format!(
                "drift: packets/one-roof-ownership-seed/sql/{script} does not match"
            )),
            "{stdout}"
        );
    }
    assert!(
        stdout.contains("-    UNION ALL SELECT 'gate', 'scopes', '= 6', o::text, o = 6 FROM CAST("),
        "{stdout}"
    );
    assert!(
        stdout.contains("+    UNION ALL SELECT 'gate', 'scopes', '= 7', o::text, o = 7 FROM CAST("),
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
        s.replacen("o::text, o = 240 FROM", "o::text, o >= 0 FROM", 1),
    )
    .expect("write");
    fs::write(dir.join("sql/extra.sql"), "DELETE FROM system_issues;\n").expect("write");
    let out = packetc(&["check", PACKET], tmp.path());
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(
            "-    UNION ALL SELECT 'expect', 'effective', '= 240', o::text, o >= 0 FROM CAST("
        ),
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
    let broken = spec.replacen("      gap: -> 0\n", "      gap: 200 -> 0\n", 1);
    let at = broken.find("      gap: 200 -> 0").expect("edited");
    let line = broken[..at].matches('\n').count() + 1;
    fs::write(dir.join("packet.yaml"), &broken).expect("write");
    let out = packetc(&["render", PACKET], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("delta `gap` starts at 200, but the gate requires gap = 210"),
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

#[test]
fn check_reports_an_invalid_spec_and_a_stale_proof_as_results() {
    // A stale proof: the committed proof.json no longer matches the (hand-edited) scripts.
    let (tmp, dir) = scratch();
    fs::copy(
        root().join(PACKET).join("proof.json"),
        dir.join("proof.json"),
    )
    .expect("copy proof");
    let seed = dir.join("sql/F_prod_01_ownership_seed_commit.sql");
    let edited =
        fs::read_to_string(&seed)
            .expect("seed")
            .replacen("COMMIT;", "-- hand edit\nCOMMIT;", 1);
    fs::write(&seed, edited).expect("write");
    // A spec that does not load, next to it: an unknown top-level field at a known line.
    let broken = tmp.path().join("packets/broken");
    fs::create_dir_all(&broken).expect("mkdir");
    let spec = fs::read_to_string(dir.join("packet.yaml")).expect("spec");
    let line = spec.lines().count() + 1;
    fs::write(
        broken.join("packet.yaml"),
        format!("{spec}no_such_field: 1\n"),
    )
    .expect("write");

    let out = packetc(
        &["check", "--format", "json", PACKET, "packets/broken"],
        tmp.path(),
    );
    // Bad input stays exit 2, but the report on stdout carries it as a result.
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    let findings = v["findings"].as_array().expect("findings");
    let spec_invalid: Vec<_> = findings.iter().filter(|f| f["code"] == "PC903").collect();
    assert_eq!(spec_invalid.len(), 1, "{findings:#?}");
    assert_eq!(spec_invalid[0]["path"], "packets/broken/packet.yaml");
    assert_eq!(spec_invalid[0]["line"], line);
    assert_eq!(spec_invalid[0]["rule"], "spec-invalid");
    let stale: Vec<_> = findings.iter().filter(|f| f["code"] == "PC904").collect();
    assert_eq!(stale.len(), 1, "{findings:#?}");
    assert_eq!(stale[0]["path"], format!("{PACKET}/proof.json"));
    assert!(
        findings.iter().any(|f| f["code"] == "PC900"),
        "{findings:#?}"
    );

    // The github format annotates both as well.
    let out = packetc(
        &["check", "--format", "github", PACKET, "packets/broken"],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let gh = text(&out.stdout);
    assert!(
        gh.contains(&format!(
            "::error file=packets/broken/packet.yaml,line={line},title=PC903 spec-invalid::"
        )),
        "{gh}"
    );
    assert!(gh.contains("title=PC904 proof-stale::"), "{gh}");

    // The human format is unchanged: the spec error alone, on stderr, exit 2.
    let out = packetc(&["check", "packets/broken"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no_such_field"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn quiet_keeps_results_and_drops_progress() {
    let (tmp, dir) = scratch();
    let out = packetc(&["--quiet", "render", PACKET], tmp.path());
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "", "render's `wrote` lines are progress");
    let out = packetc(&["check", PACKET], tmp.path());
    assert!(text(&out.stdout).contains("ok: "), "{}", text(&out.stdout));
    let out = packetc(&["-q", "check", PACKET], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "",
        "policy, note and ok lines are progress"
    );
    fs::write(dir.join("sql/extra.sql"), "SELECT 1;\n").expect("write");
    let out = packetc(&["-q", "check", PACKET], tmp.path());
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("drift: "), "results stay: {stdout}");
    assert!(!stdout.contains("policy: "), "{stdout}");
}
