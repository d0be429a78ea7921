//! The pre-commit hooks of `.pre-commit-hooks.yaml`, run in a scratch git repository.
//!
//! Two tests:
//! - `hooks_do_their_job` always runs: it reads the manifest, and runs each hook's `entry` the
//!   way pre-commit would (no file names for `pass_filenames: false`, the staged `*.sql` files
//!   otherwise) against a scratch repository holding the bundled packet: clean → exit 0, a
//!   hand-edited script → `packetc-check` fails, a forbidden write → `packetc-lint` fails.
//! - `hooks_run_under_real_pre_commit` runs the same hooks through the real `pre-commit` (with
//!   the manifest's own `files`/`types`/`pass_filenames`, as a `repo: local` with
//!   `language: system` so no cargo build is needed) when `pre-commit` is on PATH. Without it
//!   the test prints a loud SKIPPED banner; it cannot fail CI on machines without Python tools.
//!   (`language: python` itself — pre-commit installing packetc from the wheel — is exercised by
//!   `.ci/wheel-smoke`, which builds the wheel; see docs/pre-commit.md.)

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use crate::common::root;
use serde::Deserialize;

const PACKET: &str = "packets/one-roof-ownership-seed";

#[derive(Debug, Deserialize)]
struct Hook {
    id: String,
    name: String,
    entry: String,
    language: String,
    #[serde(default = "yes")]
    pass_filenames: bool,
    #[serde(default)]
    files: Option<String>,
    #[serde(default)]
    types: Vec<String>,
    #[serde(default)]
    exclude: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    require_serial: bool,
}

fn yes() -> bool {
    true
}

fn hooks() -> Vec<Hook> {
    let text = fs::read_to_string(root().join(".pre-commit-hooks.yaml")).expect("manifest");
    serde_saphyr::from_str(&text).expect("manifest parses")
}

fn git(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .output()
        .expect("git runs")
}

/// A scratch git repository holding the bundled packet and the policy.
fn scratch_repo() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join(PACKET);
    fs::create_dir_all(dir.join("sql")).expect("mkdir");
    fs::copy(
        root().join(PACKET).join("packet.yaml"),
        dir.join("packet.yaml"),
    )
    .expect("spec");
    for e in fs::read_dir(root().join(PACKET).join("sql"))
        .expect("sql")
        .flatten()
    {
        fs::copy(e.path(), dir.join("sql").join(e.file_name())).expect("script");
    }
    fs::copy(
        root().join("packets/policy.yaml"),
        tmp.path().join("packets/policy.yaml"),
    )
    .expect("policy");
    // The fixture writes protected tables by design; the lint hook must skip it.
    fs::create_dir_all(dir.join("fixture")).expect("mkdir");
    for f in ["schema.sql", "gate-open.sql"] {
        fs::copy(
            root().join(PACKET).join("fixture").join(f),
            dir.join("fixture").join(f),
        )
        .expect("fixture");
    }
    assert!(git(tmp.path(), &["init", "-q"]).status.success());
    tmp
}

fn run_entry(hook: &Hook, repo: &Path, files: &[&str]) -> i32 {
    let mut words = hook.entry.split_whitespace();
    assert_eq!(words.next(), Some("packetc"), "{}", hook.entry);
    let mut cmd = Command::new(crate::common::BIN);
    cmd.args(words).current_dir(repo).env("NO_COLOR", "1");
    if hook.pass_filenames {
        cmd.args(files);
    }
    cmd.output()
        .expect("packetc runs")
        .status
        .code()
        .unwrap_or(-1)
}

fn hook<'a>(hooks: &'a [Hook], id: &str) -> &'a Hook {
    hooks
        .iter()
        .find(|h| h.id == id)
        .unwrap_or_else(|| panic!("no hook {id}"))
}

#[test]
fn manifest_offers_both_hooks() {
    let hooks = hooks();
    let check = hook(&hooks, "packetc-check");
    assert!(!check.pass_filenames);
    assert_eq!(check.files.as_deref(), Some("^packets/"));
    assert!(check.entry.starts_with("packetc check"));
    let lint = hook(&hooks, "packetc-lint");
    assert!(lint.pass_filenames);
    assert_eq!(lint.types, ["sql"]);
    assert_eq!(lint.exclude.as_deref(), Some("/fixture/"));
    assert!(lint.entry.starts_with("packetc lint"));
    for h in &hooks {
        assert_eq!(h.language, "python", "{}", h.id);
        assert!(!h.name.is_empty() && h.description.is_some());
    }
    assert!(check.require_serial);
}

#[test]
fn hooks_do_their_job() {
    let hooks = hooks();
    let repo = scratch_repo();
    let check = hook(&hooks, "packetc-check");
    let lint = hook(&hooks, "packetc-lint");
    let seed = format!("{PACKET}/sql/F_prod_01_ownership_seed_commit.sql");
    assert_eq!(run_entry(check, repo.path(), &[]), 0);
    assert_eq!(run_entry(lint, repo.path(), &[&seed]), 0);
    // A hand edit of a generated script is drift.
    let verify = repo.path().join(PACKET).join("sql/F_prod_02_verify.sql");
    let mut text = fs::read_to_string(&verify).expect("script");
    text.push_str("-- edited by hand\n");
    fs::write(&verify, text).expect("write");
    assert_eq!(run_entry(check, repo.path(), &[]), 1);
    // A forbidden write in any SQL file.
    fs::write(
        repo.path().join("fix.sql"),
        "UPDATE event_type_registry SET active = true;\n",
    )
    .expect("write");
    assert_eq!(run_entry(lint, repo.path(), &["fix.sql"]), 1);
}

fn pre_commit_available() -> bool {
    Command::new("pre-commit")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `.pre-commit-config.yaml` running the manifest's hooks as `repo: local` / `language: system`.
fn local_config(hooks: &[Hook]) -> String {
    let mut s = String::from("repos:\n  - repo: local\n    hooks:\n");
    for h in hooks {
        s.push_str(&format!(
            "      - id: {}\n        name: {}\n        entry: {}\n        language: system\n        pass_filenames: {}\n",
            h.id, h.name, h.entry, h.pass_filenames
        ));
        if let Some(f) = &h.files {
            s.push_str(&format!("        files: '{f}'\n"));
        }
        if !h.types.is_empty() {
            s.push_str(&format!("        types: [{}]\n", h.types.join(", ")));
        }
        if let Some(x) = &h.exclude {
            s.push_str(&format!("        exclude: '{x}'\n"));
        }
    }
    s
}

#[test]
fn hooks_run_under_real_pre_commit() {
    if !pre_commit_available() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "pre-commit is required in CI (.ci/run installs it with pip)"
        );
        // To the real stderr, not eprintln! (which the test harness captures for passing
        // tests): a skip must be visible in a plain `cargo test`.
        let banner = "\n==========================================================\n\
             SKIPPED hooks_run_under_real_pre_commit: `pre-commit` is not on PATH\n\
             (pip install pre-commit to run the hooks for real)\n\
             ==========================================================\n";
        let _ = std::io::Write::write_all(&mut std::io::stderr(), banner.as_bytes());
        return;
    }
    let hooks = hooks();
    let repo = scratch_repo();
    let bin_dir = Path::new(crate::common::BIN)
        .parent()
        .expect("bin dir")
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    fs::write(
        repo.path().join(".pre-commit-config.yaml"),
        local_config(&hooks),
    )
    .expect("config");
    let home = tempfile::tempdir().expect("pre-commit home");
    let pre_commit = |args: &[&str]| {
        Command::new("pre-commit")
            .args(args)
            .current_dir(repo.path())
            .env("PATH", &path)
            .env("PRE_COMMIT_HOME", home.path())
            .env("NO_COLOR", "1")
            .output()
            .expect("pre-commit runs")
    };
    assert!(git(repo.path(), &["add", "-A"]).status.success());
    let clean = pre_commit(&["run", "--all-files"]);
    let log = String::from_utf8_lossy(&clean.stdout).into_owned();
    assert!(
        clean.status.success(),
        "{log}{}",
        String::from_utf8_lossy(&clean.stderr)
    );
    assert!(
        log.contains("packetc check") && log.contains("Passed"),
        "{log}"
    );
    // Drift in a staged script: the check hook fails, naming the file.
    let verify = repo.path().join(PACKET).join("sql/F_prod_02_verify.sql");
    let mut text = fs::read_to_string(&verify).expect("script");
    text.push_str("-- edited by hand\n");
    fs::write(&verify, text).expect("write");
    fs::write(
        repo.path().join("fix.sql"),
        "UPDATE event_type_registry SET active = true;\n",
    )
    .expect("write");
    assert!(git(repo.path(), &["add", "-A"]).status.success());
    let dirty = pre_commit(&["run"]);
    let log = String::from_utf8_lossy(&dirty.stdout).into_owned();
    assert_eq!(dirty.status.code(), Some(1), "{log}");
    assert!(log.contains("F_prod_02_verify.sql"), "{log}");
    assert!(log.contains("fix.sql") && log.contains("PC003"), "{log}");
    // And a commit is refused by the installed hook.
    assert!(pre_commit(&["install"]).status.success());
    let commit = Command::new("git")
        .args(["commit", "-q", "-m", "x"])
        .current_dir(repo.path())
        .env("PATH", &path)
        .env("PRE_COMMIT_HOME", home.path())
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .output()
        .expect("git commit");
    assert!(
        !commit.status.success(),
        "the hooks let a drifted commit through"
    );
}
