//! Hostile inputs: no panic, bounded work, and inputs that could be read forever are refused
//! (exit 2) for that file alone. Speed is measured by `lint_bench` and reported, not timed here.

use std::process::Command;

fn packetc(args: &[&str]) -> (i32, String, String) {
    crate::common::packetc_text(args, &crate::common::root())
}

#[test]
fn a_finding_past_column_65535_is_reported_without_a_snippet() {
    let dir = tempfile::tempdir().expect("tmp");
    let f = dir.path().join("wide.sql");
    std::fs::write(
        &f,
        format!("{}DELETE FROM system_issues;\n", " ".repeat(70_000)),
    )
    .expect("write");
    let p = f.display().to_string();
    let (code, out, err) = packetc(&["lint", &p]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("wide.sql:1:70013; the line is"), "{out}");
    let (code, out, _) = packetc(&["lint", "--format", "short", &p]);
    assert_eq!(
        (code, out.contains("wide.sql:1:70013: PC001")),
        (1, true),
        "{out}"
    );
}

#[test]
fn fifos_and_devices_are_refused_and_the_other_files_still_linted() {
    let dir = tempfile::tempdir().expect("tmp");
    let fifo = dir.path().join("pipe.sql");
    let st = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(st.success());
    let good = dir.path().join("good.sql");
    std::fs::write(&good, "DELETE FROM event_outbox;\n").expect("write");
    let (code, out, err) = packetc(&[
        "lint",
        "--format",
        "short",
        &fifo.display().to_string(),
        "/dev/zero",
        &good.display().to_string(),
    ]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.contains("good.sql:1:13: PC001"), "{out}");
    assert!(
        err.contains("pipe.sql") && err.contains("not a regular file"),
        "{err}"
    );
    assert!(err.contains("/dev/zero"), "{err}");
}

#[test]
fn a_huge_statement_is_a_finding_and_the_rest_is_still_analysed() {
    let dir = tempfile::tempdir().expect("tmp");
    let f = dir.path().join("big.sql");
    let mut s = String::from("SELECT ");
    for i in 0..300_000 {
        s.push_str(&format!("'x{i}', "));
    }
    s.push_str("1;\nDELETE FROM system_issues;\n");
    std::fs::write(&f, s).expect("write");
    let (code, out, err) = packetc(&["lint", "--format", "short", &f.display().to_string()]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("big.sql:1:1: PC010 statement of"), "{out}");
    assert!(out.contains("big.sql:2:13: PC001"), "{out}");
}

/// A statement too large to read for protected names cannot be suppressed: its text may name
/// one (here a DELETE of a protected table in a literal a later `\gexec` could run), and reading it
/// token by token would cost memory in proportion to its millions of tokens.
#[test]
fn a_huge_statement_can_never_be_suppressed() {
    let dir = tempfile::tempdir().expect("tmp");
    let f = dir.path().join("big.sql");
    let mut s =
        String::from("-- packetc: allow PC010 -- bulk load\nSELECT 'DELETE FROM system_issues', ");
    for i in 0..300_000 {
        s.push_str(&format!("{i}, "));
    }
    s.push_str("1;\n");
    std::fs::write(&f, s).expect("write");
    let (code, out, err) = packetc(&["lint", "--format", "json", &f.display().to_string()]);
    assert_eq!(code, 1, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let findings = v["findings"].as_array().expect("findings");
    let pc010: Vec<_> = findings.iter().filter(|f| f["code"] == "PC010").collect();
    assert_eq!(pc010.len(), 1, "{out}");
    assert_eq!(pc010[0]["suppressible"], false, "{out}");
    assert!(
        pc010[0]["help"]
            .as_str()
            .is_some_and(|h| h.contains("larger than the 1 MiB read for protected names")),
        "{out}"
    );
}
