//! Every output format, as insta snapshots (under `snapshots/lint`), plus the CLI contract:
//! exit codes and `short` lines.

use crate::common::mask_sha256;
use packetc::lint::Format;
use packetc::lint::{lint_bytes, lint_source, write_report, Policy, Report, ResolvedPolicy};

const SAMPLE: &str = "tests/corpus/lint/formats/sample.sql";

fn report(format: Format) -> String {
    let text = std::fs::read_to_string(SAMPLE).expect("sample");
    let findings = lint_source(SAMPLE, &text, &Policy::builtin(), None);
    let mut out = Vec::new();
    let report = Report::single(
        "lint",
        vec![(SAMPLE.to_string(), text, findings)],
        ResolvedPolicy::builtin(),
    );
    write_report(&mut out, &report, format).expect("write");
    String::from_utf8(out).expect("utf-8")
}

// The built-in policy's sha256 changes whenever packets/policy.yaml does: filtered, so the
// snapshots show where it is printed, not its value.
macro_rules! snap {
    ($name:expr, $value:expr) => {
        insta::with_settings!({snapshot_path => "../../../snapshots/lint", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!($name, mask_sha256(&$value));
        });
    };
}

#[test]
fn human_format() {
    snap!("format_human", report(Format::Human));
}

#[test]
fn short_format_is_path_line_col_code_message() {
    let out = report(Format::Short);
    for line in out.lines() {
        let mut parts = line.splitn(4, ':');
        assert_eq!(parts.next(), Some(SAMPLE));
        assert!(
            parts.next().is_some_and(|l| l.parse::<usize>().is_ok()),
            "{line}"
        );
        assert!(
            parts.next().is_some_and(|c| c.parse::<usize>().is_ok()),
            "{line}"
        );
        assert!(parts.next().is_some_and(|r| r.starts_with(" PC")), "{line}");
    }
    snap!("format_short", out);
}

#[test]
fn json_format() {
    let out = report(Format::Json);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert!(v["findings"].as_array().is_some_and(|a| !a.is_empty()));
    snap!("format_json", out);
}

#[test]
fn github_format() {
    let out = report(Format::Github);
    let mut lines = out.lines();
    let notice = lines.next().unwrap_or_default();
    assert!(
        notice.starts_with("::notice title=packetc policy::policy: <built-in> (sha256 "),
        "{notice}"
    );
    assert!(lines.all(|l| l.starts_with("::error ") || l.starts_with("::warning ")));
    snap!("format_github", out);
}

#[test]
fn sarif_format_has_the_required_shape() {
    let out = report(Format::Sarif);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert!(run["tool"]["driver"]["name"].is_string());
    for r in run["results"].as_array().expect("results") {
        let idx = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        assert!(r["message"]["text"].is_string());
        let region = &r["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().is_some_and(|l| l >= 1));
        assert!(region["startColumn"].as_u64().is_some_and(|c| c >= 1));
        assert!(["error", "warning", "note", "none"].contains(&r["level"].as_str().unwrap_or("")));
    }
    snap!("format_sarif", out);
}

#[test]
fn non_utf8_is_a_finding_and_the_rest_is_analysed() {
    let mut bytes = b"SELECT 1;\nSELECT '\xff\xfe';\nDELETE FROM system_issues;\n".to_vec();
    bytes.extend_from_slice(b"SELECT 2;\n");
    let (_, f) = lint_bytes("x.sql", &bytes, &Policy::builtin(), None);
    let codes: Vec<_> = f.iter().map(|f| (f.line, f.code)).collect();
    assert!(codes.contains(&(2, "PC012")), "{codes:?}");
    assert!(codes.contains(&(3, "PC001")), "{codes:?}");
}

fn packetc(args: &[&str]) -> (i32, String, String) {
    crate::common::packetc_text(args, &crate::common::root())
}

#[test]
fn cli_exit_codes() {
    let (code, out, _) = packetc(&["lint", "--format", "short", SAMPLE]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(":6:13: PC001 "), "{out}");
    let (code, _, _) = packetc(&["lint", "tests/corpus/lint/lookalike"]);
    assert_eq!(code, 0);
    let (code, _, err) = packetc(&["lint", "does-not-exist.sql"]);
    assert_eq!(code, 2, "{err}");
    let dir = tempfile::tempdir().expect("tmp");
    let bad = dir.path().join("p.yaml");
    std::fs::write(&bad, "version: 1\nprotected_tablez: []\n").expect("write");
    let (code, _, err) = packetc(&["lint", "--policy", &bad.display().to_string(), SAMPLE]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("p.yaml:2"), "{err}");
    let (code, out, _) = packetc(&["rule", "PC004"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("# PC004 trigger-bypass"));
    let (code, _, _) = packetc(&["rule", "PC999"]);
    assert_eq!(code, 2);
}

#[test]
fn evasion_corpus_short_report() {
    let dir = "tests/corpus/lint/evasion";
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    names.sort();
    let policy = Policy::builtin();
    let files: Vec<_> = names
        .iter()
        .map(|n| {
            let path = format!("{dir}/{n}");
            let text = std::fs::read_to_string(&path).expect("file");
            let f = lint_source(&path, &text, &policy, None);
            (path, text, f)
        })
        .collect();
    let mut out = Vec::new();
    let report = Report::single("lint", files, ResolvedPolicy::builtin());
    write_report(&mut out, &report, Format::Short).expect("write");
    let out = String::from_utf8(out).expect("utf-8");
    // The include error text comes from the OS; keep the snapshot portable.
    let out = out.replace("No such file or directory (os error 2)", "<not found>");
    snap!("evasion_short", out);
}

#[test]
fn cli_reports_bad_bytes_per_file_and_goes_on() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(
        dir.path().join("a.sql"),
        b"SELECT '\xff';\nDELETE FROM event_outbox;\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("b.sql"), b"SELECT 1;\n").expect("write");
    std::fs::write(dir.path().join("c.sql"), b"TRUNCATE system_issues;\n").expect("write");
    let d = dir.path().display().to_string();
    let (code, out, err) = packetc(&["lint", "--format", "short", &d]);
    assert_eq!(code, 1, "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(
        lines[0].ends_with("a.sql:1:9: PC012 not valid UTF-8 (first bad byte at offset 8)"),
        "{out}"
    );
    assert!(lines[1].contains("a.sql:2:13: PC001 "), "{out}");
    assert!(lines[2].contains("c.sql:1:10: PC001 "), "{out}");
}
