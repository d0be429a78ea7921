//! Black-box tests of the ecosystem commands and conventions: `new`, `schema`, `completions`,
//! `man`, `--version`, `--quiet`, `--color`, help examples.
//!
//! Committed generated files (docs/man/, docs/completions/) are checked for drift; regenerate
//! them with `UPDATE_GENERATED=1 cargo test --test it ecosystem::cli` (or `packetc man --dir
//! docs/man` and `packetc completions SHELL > docs/completions/packetc.SHELL`).

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use clap::CommandFactory;

use crate::common::{code, root, text, transcript, transcripts, BIN};
use crate::snapshot_run;

fn packetc_env(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args).current_dir(cwd).env_remove("NO_COLOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("packetc runs")
}

fn packetc(args: &[&str], cwd: &Path) -> Output {
    packetc_env(args, cwd, &[])
}

#[test]
fn new_scaffolds_a_packet_that_check_accepts() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = packetc(&["new", "demo"], tmp.path());
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("wrote packets/demo/packet.yaml"),
        "{stdout}"
    );
    assert!(stdout.contains("wrote packets/demo/sql/F_prod_00_preflight.sql"));
    assert!(stdout.contains("Next steps:"));
    for step in [
        "packetc render",
        "packetc check",
        "fixture",
        "packetc prove",
    ] {
        assert!(stdout.contains(step), "next steps lack {step}: {stdout}");
    }
    snapshot_run!(
        "new_demo",
        transcript(&["new", "demo"], &out, &[tmp.path()])
    );
    for f in [
        "packet.yaml",
        "fixture/schema.sql",
        "fixture/gate-open.sql",
        "sql/F_prod_00_preflight.sql",
        "sql/F_prod_01_seed.sql",
        "sql/F_prod_02_verify.sql",
        "sql/F_prod_03_rollback.sql",
    ] {
        assert!(tmp.path().join("packets/demo").join(f).is_file(), "{f}");
    }
    // Valid as written: check (render in memory, diff, lint) is clean.
    let check = packetc(&["check", "packets/demo"], tmp.path());
    assert_eq!(
        code(&check),
        0,
        "{}{}",
        text(&check.stdout),
        text(&check.stderr)
    );
    // And with no arguments (every packet under ./packets).
    assert_eq!(code(&packetc(&["check"], tmp.path())), 0);
    // Every field is explained: each key line of the spec has a comment nearby.
    let spec = fs::read_to_string(tmp.path().join("packets/demo/packet.yaml")).expect("spec");
    assert!(
        spec.lines()
            .filter(|l| l.trim_start().starts_with('#'))
            .count()
            > 40
    );
}

#[test]
fn new_refuses_to_overwrite_and_bad_names() {
    let tmp = tempfile::tempdir().expect("tempdir");
    fs::create_dir_all(tmp.path().join("packets/demo")).expect("mkdir");
    fs::write(tmp.path().join("packets/demo/keep.txt"), "mine").expect("write");
    let out = packetc(&["new", "demo"], tmp.path());
    assert_eq!(code(&out), 2);
    assert!(text(&out.stderr).contains("already exists"));
    let exists = out;
    assert_eq!(
        fs::read_to_string(tmp.path().join("packets/demo/keep.txt")).expect("kept"),
        "mine"
    );
    assert!(!tmp.path().join("packets/demo/packet.yaml").exists());
    let mut runs = vec![(vec!["new", "demo"], exists)];
    for bad in ["a b", "../x", "x/y", "", "ünï"] {
        let out = packetc(&["new", bad], tmp.path());
        assert_eq!(code(&out), 2, "{bad:?}");
        assert!(!tmp
            .path()
            .join("packets")
            .join(bad)
            .join("packet.yaml")
            .exists());
        runs.push((vec!["new", bad], out));
    }
    let shown: Vec<(&[&str], &Output)> = runs.iter().map(|(a, o)| (a.as_slice(), o)).collect();
    snapshot_run!("new_refusals", transcripts(&shown, &[tmp.path()]));
}

#[test]
fn new_honours_dir_and_points_at_the_schema() {
    let tmp = tempfile::tempdir().expect("tempdir");
    fs::create_dir_all(tmp.path().join("docs/schema")).expect("mkdir");
    fs::write(tmp.path().join("docs/schema/packet.schema.json"), "{}").expect("write");
    let out = packetc(&["new", "x1", "--dir", "ops/packets"], tmp.path());
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let spec = fs::read_to_string(tmp.path().join("ops/packets/x1/packet.yaml")).expect("spec");
    assert!(
        spec.starts_with(
            "# yaml-language-server: $schema=../../../docs/schema/packet.schema.json\n"
        ),
        "{}",
        spec.lines().next().unwrap_or_default()
    );
    // Without a schema anywhere above, no dangling modeline: a hint instead.
    let bare = tempfile::tempdir().expect("tempdir");
    assert_eq!(code(&packetc(&["new", "y"], bare.path())), 0);
    let spec = fs::read_to_string(bare.path().join("packets/y/packet.yaml")).expect("spec");
    assert!(!spec.contains("yaml-language-server: $schema"), "{spec}");
    assert!(spec.contains("packetc schema packet"));
}

#[test]
fn quiet_keeps_findings_drops_progress() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = packetc(&["--quiet", "new", "demo"], tmp.path());
    assert_eq!(code(&out), 0);
    assert_eq!(text(&out.stdout), "");
    let out = packetc(&["check", "-q"], tmp.path());
    assert_eq!(code(&out), 0);
    assert_eq!(text(&out.stdout), "");
    let out = packetc(&["render", "packets/demo", "--quiet"], tmp.path());
    assert_eq!((code(&out), text(&out.stdout)), (0, String::new()));
    // Drift still prints under --quiet.
    let script = tmp.path().join("packets/demo/sql/F_prod_02_verify.sql");
    let mut sql = fs::read_to_string(&script).expect("script");
    sql.push_str("-- edited by hand\n");
    fs::write(&script, sql).expect("write");
    let out = packetc(&["check", "--quiet"], tmp.path());
    assert_eq!(code(&out), 1);
    assert!(
        text(&out.stdout).contains("drift:"),
        "{}",
        text(&out.stdout)
    );
    let drift = out;
    // Errors still print.
    let out = packetc(&["--quiet", "render", "nowhere"], tmp.path());
    assert_eq!(code(&out), 2);
    assert!(text(&out.stderr).contains("error"));
    snapshot_run!(
        "quiet_drift_and_error",
        transcripts(
            &[
                (&["check", "--quiet"], &drift),
                (&["--quiet", "render", "nowhere"], &out)
            ],
            &[tmp.path()]
        )
    );
}

#[test]
fn color_follows_flag_no_color_and_tty() {
    let tmp = tempfile::tempdir().expect("tempdir");
    assert_eq!(code(&packetc(&["new", "demo"], tmp.path())), 0);
    let spec = tmp.path().join("packets/demo/packet.yaml");
    let broken = fs::read_to_string(&spec).expect("spec").replacen(
        "flags_tagged: -> 2",
        "flags_tagged: 1 -> 2",
        1,
    );
    fs::write(&spec, broken).expect("write");
    let esc = |o: &Output| text(&o.stderr).contains('\u{1b}');
    // Not a terminal (captured): auto means no colour.
    let auto = packetc(&["render", "packets/demo"], tmp.path());
    assert_eq!(code(&auto), 2);
    assert!(!esc(&auto), "{}", text(&auto.stderr));
    let always = packetc(&["--color", "always", "render", "packets/demo"], tmp.path());
    assert_eq!(code(&always), 2);
    assert!(esc(&always), "{}", text(&always.stderr));
    let never = packetc_env(
        &["render", "packets/demo", "--color=never"],
        tmp.path(),
        &[("NO_COLOR", "")],
    );
    assert!(!esc(&never));
    // The uncoloured text is the same diagnostic.
    assert!(text(&never.stderr).contains("flags_tagged"));
    let bad = packetc(&["--color", "sometimes", "check"], tmp.path());
    assert_eq!(code(&bad), 2);
}

/// `auto` on a real terminal colours, and `NO_COLOR` turns it off. Uses util-linux `script` to
/// give packetc a pseudo-terminal; without `script` the test says so loudly and returns.
#[test]
fn color_auto_on_a_terminal() {
    let has_script = Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_script {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "util-linux `script` is required in CI (Debian: bsdutils)"
        );
        let banner = "\nSKIPPED color_auto_on_a_terminal: util-linux `script` not found\n";
        let _ = std::io::Write::write_all(&mut std::io::stderr(), banner.as_bytes());
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    assert_eq!(code(&packetc(&["new", "demo"], tmp.path())), 0);
    let spec = tmp.path().join("packets/demo/packet.yaml");
    let broken = fs::read_to_string(&spec).expect("spec").replacen(
        "flags_tagged: -> 2",
        "flags_tagged: 1 -> 2",
        1,
    );
    fs::write(&spec, broken).expect("write");
    let on_tty = |no_color: Option<&str>| {
        let mut cmd = Command::new("script");
        cmd.args(["-qec"])
            .arg(format!("{} render packets/demo", BIN))
            .arg("/dev/null")
            .current_dir(tmp.path())
            .env("TERM", "xterm")
            .env_remove("NO_COLOR");
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        cmd.output().expect("script runs")
    };
    let coloured = on_tty(None);
    assert_eq!(code(&coloured), 2);
    assert!(
        text(&coloured.stdout).contains('\u{1b}'),
        "{}",
        text(&coloured.stdout)
    );
    let plain = on_tty(Some("1"));
    assert_eq!(code(&plain), 2);
    assert!(text(&plain.stdout).contains("flags_tagged"));
    assert!(
        !text(&plain.stdout).contains('\u{1b}'),
        "{}",
        text(&plain.stdout)
    );
}

#[test]
fn version_names_the_commit() {
    let out = packetc(&["--version"], &root());
    assert_eq!(code(&out), 0);
    let v = text(&out.stdout);
    assert!(
        v.starts_with(&format!("packetc {} (", env!("CARGO_PKG_VERSION"))),
        "{v}"
    );
    let commit = v
        .trim()
        .rsplit('(')
        .next()
        .unwrap_or("")
        .trim_end_matches(')');
    assert!(
        commit == "unknown" || (commit.len() >= 7 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{v}"
    );
    // In a git checkout with git available, it is the real commit (CI runs in a fresh clone).
    if let Ok(git) = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(root())
        .output()
    {
        if git.status.success() && std::env::var_os("PACKETC_GIT_COMMIT").is_none() {
            let head = text(&git.stdout).trim().to_owned();
            // The binary may lag HEAD by the commits made since it was built, so compare
            // only that it is a commit of this repository.
            let known = Command::new("git")
                .args(["cat-file", "-e", &format!("{commit}^{{commit}}")])
                .current_dir(root())
                .status()
                .is_ok_and(|s| s.success());
            assert!(
                known,
                "version commit {commit} is not in this repo (HEAD {head})"
            );
        }
    }
}

#[test]
fn every_subcommand_help_shows_an_example() {
    let cmd = packetc::cli::Cli::command();
    for sub in cmd.get_subcommands() {
        let name = sub.get_name();
        let out = packetc(&["help", name], &root());
        assert_eq!(code(&out), 0, "{name}");
        let help = text(&out.stdout);
        assert!(
            help.contains(&format!("Example: packetc {name}")),
            "`packetc help {name}` shows no example:\n{help}"
        );
    }
}

#[test]
fn schema_command_prints_the_committed_schema() {
    let out = packetc(&["schema", "packet"], &root());
    assert_eq!(code(&out), 0);
    let committed =
        fs::read_to_string(root().join("docs/schema/packet.schema.json")).unwrap_or_default();
    assert_eq!(text(&out.stdout), committed);
    assert_eq!(code(&packetc(&["schema", "nope"], &root())), 2);
}

/// Compare (or with UPDATE_GENERATED, rewrite) a committed generated file.
fn committed(rel: &str, generated: &[u8], stale: &mut Vec<String>) {
    let path = root().join(rel);
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(&path, generated).expect("write");
        return;
    }
    if fs::read(&path).ok().as_deref() != Some(generated) {
        stale.push(rel.to_owned());
    }
}

fn assert_fresh(stale: &[String]) {
    assert!(
        stale.is_empty(),
        "out of date with the CLI: {stale:?}\nregenerate with\n  UPDATE_GENERATED=1 cargo test --test it ecosystem::cli\nand commit them"
    );
}

#[test]
fn completions_are_generated_and_committed() {
    let mut stale = Vec::new();
    for (shell, marker) in [
        ("bash", "_packetc()"),
        ("zsh", "#compdef packetc"),
        ("fish", "complete -c packetc"),
    ] {
        let out = packetc(&["completions", shell], &root());
        assert_eq!(code(&out), 0);
        let script = text(&out.stdout);
        assert!(script.contains(marker), "{shell}: {script}");
        for sub in ["render", "check", "lint", "new", "schema", "completions"] {
            assert!(script.contains(sub), "{shell} completion lacks {sub}");
        }
        committed(
            &format!("docs/completions/packetc.{shell}"),
            &out.stdout,
            &mut stale,
        );
    }
    assert_fresh(&stale);
}

#[test]
fn man_pages_are_generated_and_committed() {
    let pages = packetc::completions::man_pages().expect("man pages");
    let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        names.contains(&"packetc.1") && names.contains(&"packetc-new.1"),
        "{names:?}"
    );
    let mut stale = Vec::new();
    for (name, page) in &pages {
        assert!(text(page).starts_with(".ie \\n(.g .ds Aq") || text(page).contains(".TH"));
        committed(&format!("docs/man/{name}"), page, &mut stale);
    }
    // No stray pages (a removed subcommand's page must go too).
    if std::env::var_os("UPDATE_GENERATED").is_none() {
        for e in fs::read_dir(root().join("docs/man")).expect("docs/man") {
            let n = e.expect("entry").file_name().to_string_lossy().into_owned();
            if !names.contains(&n.as_str()) {
                stale.push(format!("docs/man/{n} (stray)"));
            }
        }
    }
    assert_fresh(&stale);
    // `packetc man` prints the main page.
    let out = packetc(&["man"], &root());
    assert_eq!(code(&out), 0);
    assert_eq!(out.stdout, pages[0].1);
}
