//! The policy follows the file, not the current directory; the walk honours .gitignore,
//! survives symlink loops, skips clone fixtures with a note, and stdin is `-`.

use std::path::Path;
use std::process::{Command, Output};

fn packetc(dir: &Path, args: &[&str]) -> Output {
    Command::new(crate::common::BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run packetc")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// A repository whose policy protects `t`, with one script deleting from it.
fn repo() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tmp");
    let r = tmp.path().join("repo");
    std::fs::create_dir_all(r.join("packets/p/sql")).expect("mkdir");
    std::fs::write(
        r.join("packets/policy.yaml"),
        "version: 1\nprotected_tables:\n  - table: t\n    reason: t is protected here\n",
    )
    .expect("write");
    std::fs::write(r.join("packets/p/sql/a.sql"), "DELETE FROM t;\n").expect("write");
    std::fs::create_dir_all(tmp.path().join("elsewhere")).expect("mkdir");
    tmp
}

#[test]
fn same_policy_and_findings_from_any_directory() {
    let tmp = repo();
    let r = tmp.path().join("repo");
    let abs = r.join("packets/p/sql/a.sql").display().to_string();
    let runs = [
        (r.clone(), "packets/p/sql/a.sql".to_string()),
        (r.join("packets/p"), "sql/a.sql".to_string()),
        (r.join("packets/p/sql"), "a.sql".to_string()),
        (tmp.path().join("elsewhere"), abs),
    ];
    let mut seen = Vec::new();
    for (dir, path) in &runs {
        let out = packetc(dir, &["lint", "--format", "json", path]);
        assert_eq!(out.status.code(), Some(1), "{}", dir.display());
        let v = json(&out);
        let codes: Vec<String> = v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| format!("{}:{}", f["code"], f["line"]))
            .collect();
        seen.push((
            v["policies"][0]["sha256"].clone(),
            v["policies"][0]["origin"].clone(),
            codes,
        ));
    }
    assert_eq!(seen[0].1, "found");
    assert_eq!(seen[0].2, ["\"PC001\":1"]);
    for s in &seen[1..] {
        assert_eq!(s, &seen[0]);
    }
    // The human header names it, relative to where you stand.
    let out = packetc(&r.join("packets/p"), &["lint", "sql/a.sql"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("policy: ../policy.yaml (sha256 "),
        "{text}"
    );
    assert!(
        text.lines()
            .next()
            .is_some_and(|l| l.contains("nearest packets/policy.yaml")),
        "{text}"
    );
    // Outside any repository the built-in policy applies and is announced.
    let lone = tmp.path().join("elsewhere/x.sql");
    std::fs::write(&lone, "DELETE FROM t;\n").expect("write");
    let out = packetc(
        &tmp.path().join("elsewhere"),
        &["lint", "--format", "json", "x.sql"],
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json(&out)["policies"][0]["origin"], "builtin");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("using the built-in policy"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // --policy overrides the search.
    let pol = tmp.path().join("elsewhere/none.yaml");
    std::fs::write(&pol, "version: 1\n").expect("write");
    let out = packetc(
        &r,
        &["lint", "--policy", &pol.display().to_string(), "packets"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn stdin_is_linted_with_the_policy_of_its_name() {
    let tmp = repo();
    let r = tmp.path().join("repo");
    let run = |args: &[&str]| {
        let mut child = Command::new(crate::common::BIN)
            .args(args)
            .current_dir(tmp.path().join("elsewhere"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        std::io::Write::write_all(
            child.stdin.as_mut().expect("stdin"),
            b"SELECT 1;\nDELETE FROM t;\n",
        )
        .expect("write");
        child.wait_with_output().expect("wait")
    };
    let name = r.join("packets/p/sql/new.sql").display().to_string();
    let out = run(&["lint", "--format", "short", "--stdin-filename", &name, "-"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{name}:2:13: PC001 DELETE from protected table `t`\n")
    );
    // Without a name: the current directory's policy (here the built-in, which allows `t`).
    let out = run(&["lint", "--format", "short", "-"]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn walk_skips_fixtures_and_ignored_files_and_ends_on_symlink_loops() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The committed packets lint clean: the clone fixture is skipped, with a note.
    let out = packetc(root, &["lint", "packets/"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(
            "note: skipped 8 clone fixture file(s) in packets/one-roof-ownership-seed/fixture/"
        ),
        "{text}"
    );
    // Named, a fixture is linted (it rebuilds protected tables by design).
    let out = packetc(
        root,
        &[
            "lint",
            "--format",
            "short",
            "packets/one-roof-ownership-seed/fixture/gate-open.sql",
        ],
    );
    assert_eq!(out.status.code(), Some(1));

    let tmp = tempfile::tempdir().expect("tmp");
    let d = tmp.path();
    std::fs::create_dir_all(d.join("a/b")).expect("mkdir");
    std::fs::write(d.join("a/b/x.SQL"), "DELETE FROM system_issues;\n").expect("write");
    std::fs::write(d.join("a/ignored.sql"), "DELETE FROM system_issues;\n").expect("write");
    std::fs::write(d.join("a/.gitignore"), "ignored.sql\n").expect("write");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(d.join("a"), d.join("a/b/loop1")).expect("link");
        std::os::unix::fs::symlink(d.join("a/b"), d.join("a/loop2")).expect("link");
    }
    let out = packetc(
        d,
        &["lint", "--format", "short", "a", "--exclude", "nothing/**"],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.starts_with("a/b/x.SQL:1:13: PC001 "), "{text}");
    let out = packetc(d, &["lint", "--format", "short", "a", "--exclude", "*.SQL"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn check_names_the_policy_first() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = packetc(root, &["check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let first = text.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("policy: packets/policy.yaml (sha256 ")
            && first.ends_with("; nearest packets/policy.yaml)"),
        "{text}"
    );
    // The same packet checked from inside it: the same policy (by hash).
    let inside = packetc(
        &root.join("packets/one-roof-ownership-seed"),
        &["check", "--format", "json", "."],
    );
    let v = json(&inside);
    let here = json(&packetc(root, &["check", "--format", "json"]));
    assert_eq!(v["policies"][0]["sha256"], here["policies"][0]["sha256"]);
    assert_eq!(v["policies"][0]["origin"], "found");
}
