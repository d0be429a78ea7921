//! SARIF output checked by Microsoft's official validator (SARIF Multitool 5.7.0, npm
//! `@microsoft/sarif-multitool-linux`): the 2.1.0 schema and its rules, plus GitHub's ingestion
//! rules (`--rule-kind Gh`). Zero errors and zero warnings are required, on the lint corpora,
//! on files with odd names (spaces, `#`, `%`, non-ASCII), from a subdirectory, and on `check`
//! output with drift, a stale proof and a spec that does not load.
//!
//! `.ci/run` installs the validator under `$HOME/.cache/packetc-sarif`; `PACKETC_SARIF_MULTITOOL`
//! names another copy. Outside CI a missing validator skips loudly; with `CI=true` it fails.

use crate::common::copy_dir;
use std::path::{Path, PathBuf};
use std::process::Command;

fn multitool() -> Option<PathBuf> {
    let path = std::env::var_os("PACKETC_SARIF_MULTITOOL")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| {
                PathBuf::from(h).join(
                    ".cache/packetc-sarif/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool",
                )
            })
        })?;
    if path.is_file() {
        return Some(path);
    }
    let ci = std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
    assert!(
        !ci,
        "the SARIF validator is required in CI but missing at {} (.ci/run installs it)",
        path.display()
    );
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!(
            "\n===== SKIPPED: no SARIF Multitool at {} (bash .ci/run installs it) =====\n",
            path.display()
        )
        .as_bytes(),
    );
    None
}

/// Run packetc in `dir`; returns stdout (exit 0 or 1 required).
fn packetc(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new(crate::common::BIN)
        .args(args)
        .current_dir(dir)
        .env("PACKETC_DOCS_URL", "https://example.org/packetc/")
        .output()
        .expect("run packetc");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Validate `sarif` with every rule kind; return the (level, message) of every problem above
/// `note`.
fn validate(tool: &Path, dir: &Path, name: &str, sarif: &[u8]) -> Vec<String> {
    let input = dir.join(format!("{name}.sarif"));
    std::fs::write(&input, sarif).expect("write sarif");
    let log = dir.join(format!("{name}.validation.sarif"));
    let out = Command::new(tool)
        // A minimal Debian has no libicu; the validator needs no culture data.
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .arg("validate")
        .arg(&input)
        .arg("--output")
        .arg(&log)
        .args(["--log", "ForceOverwrite"])
        .args(["--rule-kind", "Sarif;Gh"])
        .args(["--level", "Error;Warning;Note"])
        .output()
        .expect("run the SARIF Multitool");
    let text = std::fs::read_to_string(&log).unwrap_or_else(|e| {
        panic!(
            "no validation log ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let v: serde_json::Value = serde_json::from_str(&text).expect("validation log is JSON");
    let results = v["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        v["runs"][0]["invocations"][0]["executionSuccessful"], true,
        "the validator did not run: {text}"
    );
    results
        .iter()
        .filter(|r| matches!(r["level"].as_str(), Some("error" | "warning") | None))
        .map(|r| {
            format!(
                "{} {}: {}",
                r["ruleId"], r["level"], r["message"]["arguments"]
            )
        })
        .collect()
}

#[test]
fn official_validator_accepts_lint_and_check_sarif() {
    let Some(tool) = multitool() else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(repo.join(".git")).expect("mkdir");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus"),
        &repo.join("corpus"),
    );
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("packets"),
        &repo.join("packets"),
    );
    let odd = repo.join("odd dir #2");
    std::fs::create_dir_all(&odd).expect("mkdir");
    for name in ["my file#1.sql", "100% ünï cødé.SQL", "a?b&c.sql"] {
        std::fs::write(
            odd.join(name),
            "SELECT 'é';\nDELETE FROM system_issues;\nUPDATE event_type_registry SET active = true;\n",
        )
        .expect("write");
    }
    // Drift: a hand edit and a stray script.
    let sql = repo.join("packets/one-roof-ownership-seed/sql");
    let seed = sql.join("F_prod_01_ownership_seed_commit.sql");
    let text = std::fs::read_to_string(&seed).expect("seed");
    std::fs::write(&seed, text.replacen("COMMIT;", "-- hand edit\nCOMMIT;", 1)).expect("write");
    std::fs::write(sql.join("extra.sql"), "SELECT 1;\n").expect("write");

    let lint = packetc(
        &repo.join("corpus"),
        &["lint", "--format", "sarif", ".", "../odd dir #2"],
    );
    let v: serde_json::Value = serde_json::from_slice(&lint).expect("json");
    let results = v["runs"][0]["results"].as_array().expect("results");
    assert!(results.len() > 20, "{}", results.len());
    let uris: Vec<&str> = results
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert!(
        uris.contains(&"odd%20dir%20%232/my%20file%231.sql"),
        "{uris:?}"
    );
    assert!(
        uris.iter()
            .all(|u| u.starts_with("corpus/") || u.starts_with("odd%20dir")),
        "{uris:?}"
    );
    let problems = validate(&tool, tmp.path(), "lint", &lint);
    assert!(problems.is_empty(), "lint SARIF: {problems:#?}");

    let check = packetc(
        &repo.join("packets"),
        &["check", "--format", "sarif", "one-roof-ownership-seed"],
    );
    let v: serde_json::Value = serde_json::from_slice(&check).expect("json");
    let ids: Vec<&str> = v["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["ruleId"].as_str())
        .collect();
    assert!(ids.contains(&"PC900") && ids.contains(&"PC902"), "{ids:?}");
    assert!(
        ids.contains(&"PC904"),
        "the hand edit makes the proof stale: {ids:?}"
    );
    let problems = validate(&tool, tmp.path(), "check", &check);
    assert!(problems.is_empty(), "check SARIF: {problems:#?}");

    // A spec that does not load is a result (PC903, at its line) and still exits 2.
    let broken = repo.join("packets/broken");
    std::fs::create_dir_all(&broken).expect("mkdir");
    let spec = std::fs::read_to_string(repo.join("packets/one-roof-ownership-seed/packet.yaml"))
        .expect("spec");
    std::fs::write(
        broken.join("packet.yaml"),
        format!("{spec}no_such_field: 1\n"),
    )
    .expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_packetc"))
        .args(["check", "--format", "sarif", "broken"])
        .current_dir(repo.join("packets"))
        .env("PACKETC_DOCS_URL", "https://example.org/packetc/")
        .output()
        .expect("run packetc");
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let result = &v["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "PC903", "{v:#}");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        spec.lines().count() + 1
    );
    let problems = validate(&tool, tmp.path(), "spec", &out.stdout);
    assert!(problems.is_empty(), "spec-invalid SARIF: {problems:#?}");

    // The validator does catch what packetc avoids: a relative helpUri is an error.
    let broken = String::from_utf8(check).expect("utf-8").replacen(
        "https://example.org/packetc/docs/rules/",
        "docs/rules/",
        1,
    );
    let problems = validate(&tool, tmp.path(), "broken", broken.as_bytes());
    assert!(
        problems.iter().any(|p| p.contains("SARIF1005")),
        "{problems:#?}"
    );
}
