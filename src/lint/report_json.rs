//! `--format json`: one document per run, described field by field in docs/lint.md and by the
//! JSON Schema in docs/schema/report.schema.json (a test validates real output against it).
//!
//! Positions are in one unit: lines are 1-based, columns 1-based in characters (Unicode code
//! points), and `span` offsets count characters from the start of the file — so a consumer
//! never mixes bytes with characters.

use std::io::Write;

use serde_json::{json, Value};

use crate::lint::finding::LineIndex;
use crate::lint::locate::{Origin, ResolvedPolicy};
use crate::lint::report::Report;

/// The version of this document's shape (bumped on any incompatible change).
pub const JSON_VERSION: u32 = 2;

/// A policy as machine formats name it.
#[must_use]
pub fn policy_json(p: &ResolvedPolicy) -> Value {
    let origin = match p.origin {
        Origin::Explicit(_) => "explicit",
        Origin::Found(_) => "found",
        Origin::Builtin => "builtin",
    };
    json!({
        "path": if p.is_builtin() { Value::Null } else { Value::from(p.display.clone()) },
        "sha256": p.sha256,
        "origin": origin,
    })
}

/// Character offset of byte `b` in `text` (clamped, moved back to a char boundary).
#[must_use]
pub fn char_offset(text: &str, b: usize) -> usize {
    let mut b = b.min(text.len());
    while !text.is_char_boundary(b) {
        b -= 1;
    }
    text[..b].chars().count()
}

/// Write the JSON document.
pub fn write(out: &mut dyn Write, report: &Report) -> std::io::Result<()> {
    let mut findings = Vec::new();
    for pr in &report.problems {
        findings.push(json!({
            "kind": "check",
            "path": pr.path,
            "line": pr.line,
            "column": pr.line.map(|_| 1),
            "end_line": pr.line,
            "end_column": pr.line.map(|_| 1),
            "span": Value::Null,
            "code": pr.kind.code(),
            "rule": pr.kind.name(),
            "severity": "error",
            "message": pr.message,
            "reason": Value::Null,
            "help": pr.help,
            "suppressible": false,
            "policy": Value::Null,
        }));
    }
    let mut files = Vec::new();
    for (i, (path, text, fs)) in report.files.iter().enumerate() {
        let policy = report.file_policy.get(i).copied();
        files.push(json!({"path": path, "policy": policy, "findings": fs.len()}));
        let idx = LineIndex::new(text);
        for f in fs {
            let end = idx.pos(f.range.end);
            findings.push(json!({
                "kind": "lint",
                "path": path,
                "line": f.line,
                "column": f.col,
                "end_line": end.line,
                "end_column": end.col,
                "span": {
                    "start": char_offset(text, f.range.start),
                    "end": char_offset(text, f.range.end),
                },
                "code": f.code,
                "rule": f.rule,
                "severity": f.severity.as_str(),
                "message": f.message,
                "reason": f.reason,
                "help": f.help,
                "suppressible": f.suppressible,
                "policy": policy,
            }));
        }
    }
    let doc = json!({
        "version": JSON_VERSION,
        "tool": {"name": "packetc", "version": env!("CARGO_PKG_VERSION")},
        "command": report.command,
        "policies": report.policies.iter().map(|p| policy_json(p)).collect::<Vec<_>>(),
        "files": files,
        "notes": report.notes,
        "findings": findings,
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
