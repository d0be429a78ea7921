//! `--format json`: one document per run. The document is these serde types, and its JSON
//! Schema (`packetc schema report`, committed as docs/schema/report.schema.json) is derived
//! from the same types, so the schema, the output and docs/lint.md cannot disagree; a test
//! validates real output against the committed schema.
//!
//! Positions are in one unit: lines are 1-based, columns 1-based in characters (Unicode code
//! points), and `span` offsets count characters from the start of the file — a consumer never
//! mixes bytes with characters.

use std::io::Write;

use schemars::JsonSchema;
use serde::Serialize;

use crate::lint::finding::LineIndex;
use crate::lint::locate::{Origin, ResolvedPolicy};
use crate::lint::report::Report;

/// The version of this document's shape (bumped on any incompatible change).
pub const JSON_VERSION: u32 = 2;

/// The report of one `packetc lint` or `packetc check` run. Reference: docs/lint.md.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(title = "packetc JSON report")]
pub struct JsonReport {
    /// The document's shape version; this packetc writes 2.
    #[schemars(range(min = 2, max = 2))]
    pub version: u32,
    /// The program that wrote it.
    pub tool: JsonTool,
    /// The command: `lint` or `check`.
    #[schemars(regex(pattern = r"^(lint|check)$"))]
    pub command: String,
    /// Every policy used, in first-use order; files and findings refer to them by index.
    pub policies: Vec<JsonPolicy>,
    /// Every file linted, in order.
    pub files: Vec<JsonFile>,
    /// Files skipped on purpose and why (clone fixtures, symbolic link loops).
    pub notes: Vec<String>,
    /// Every finding: lint findings and `check` problems (drift), in file order.
    pub findings: Vec<JsonFinding>,
}

/// The program that wrote the report.
#[derive(Debug, Serialize, JsonSchema)]
pub struct JsonTool {
    /// `packetc`.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// A policy: where it came from and the sha256 of its text.
#[derive(Debug, Serialize, JsonSchema)]
pub struct JsonPolicy {
    /// The policy file as printed (relative to the current directory when below it); null for
    /// the built-in policy.
    pub path: Option<String>,
    /// Lowercase hex sha256 of the policy text.
    #[schemars(regex(pattern = r"^[0-9a-f]{64}$"))]
    pub sha256: String,
    /// `explicit` (--policy), `found` (the nearest packets/policy.yaml above the file) or
    /// `builtin` (none found).
    pub origin: JsonOrigin,
}

/// How a policy was chosen.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum JsonOrigin {
    /// `--policy FILE`.
    Explicit,
    /// The nearest `packets/policy.yaml` above the file.
    Found,
    /// The policy compiled into packetc (no policy file above the file).
    Builtin,
}

/// One linted file.
#[derive(Debug, Serialize, JsonSchema)]
pub struct JsonFile {
    /// The path as given or walked (relative to the current directory), or the
    /// `--stdin-filename` (`<stdin>` without one).
    pub path: String,
    /// Index into `policies` of the policy it was linted against.
    pub policy: usize,
    /// How many findings it has.
    pub findings: usize,
}

/// What produced a finding.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum JsonKind {
    /// A lint rule (PC0xx; `packetc rule CODE`).
    Lint,
    /// A `packetc check` problem: drift (PC900), a missing (PC901) or a stray (PC902) script, a
    /// packet.yaml that does not load (PC903), a stale proof (PC904).
    Check,
}

/// How bad a finding is (every finding fails the run; the level guides readers).
#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum JsonSeverity {
    /// A forbidden write, something that cannot be proven safe, or drift.
    Error,
    /// A hygiene problem (e.g. a suppression without a reason).
    Warning,
}

impl From<crate::lint::Severity> for JsonSeverity {
    fn from(s: crate::lint::Severity) -> Self {
        match s {
            crate::lint::Severity::Error => JsonSeverity::Error,
            crate::lint::Severity::Warning => JsonSeverity::Warning,
        }
    }
}

/// A span in characters (Unicode code points) from the start of the file, end exclusive.
#[derive(Debug, Serialize, JsonSchema)]
pub struct JsonSpan {
    /// First character.
    pub start: usize,
    /// One past the last character.
    pub end: usize,
}

/// One finding.
#[derive(Debug, Serialize, JsonSchema)]
pub struct JsonFinding {
    /// `lint` or `check`.
    pub kind: JsonKind,
    /// The file (as in `files`, or for `check` the script that drifted).
    pub path: String,
    /// 1-based line of the start; null for a whole-file problem (a missing or stray script).
    #[schemars(range(min = 1))]
    pub line: Option<usize>,
    /// 1-based column of the start, in characters; null when `line` is.
    #[schemars(range(min = 1))]
    pub column: Option<usize>,
    /// 1-based line of the end.
    #[schemars(range(min = 1))]
    pub end_line: Option<usize>,
    /// 1-based column just past the end, in characters.
    #[schemars(range(min = 1))]
    pub end_column: Option<usize>,
    /// The offending text in characters from the start of the file; null for `check` problems.
    pub span: Option<JsonSpan>,
    /// Stable code, e.g. `PC001`.
    #[schemars(regex(pattern = r"^PC[0-9]{3}$"))]
    pub code: String,
    /// Kebab-case rule name, e.g. `protected-table-write`.
    pub rule: String,
    /// `error` or `warning`.
    pub severity: JsonSeverity,
    /// What is wrong.
    pub message: String,
    /// The policy's reason for the protection, when a policy entry applies.
    pub reason: Option<String>,
    /// What to do about it.
    pub help: String,
    /// Whether a `-- packetc: allow CODE -- reason` comment may silence it.
    pub suppressible: bool,
    /// Index into `policies` of the policy it was judged by; null for `check` problems.
    pub policy: Option<usize>,
}

/// A policy as machine formats name it.
#[must_use]
pub fn policy_json(p: &ResolvedPolicy) -> JsonPolicy {
    JsonPolicy {
        path: (!p.is_builtin()).then(|| p.display.clone()),
        sha256: p.sha256.clone(),
        origin: match p.origin {
            Origin::Explicit(_) => JsonOrigin::Explicit,
            Origin::Found(_) => JsonOrigin::Found,
            Origin::Builtin => JsonOrigin::Builtin,
        },
    }
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

/// The document of `report`.
#[must_use]
pub fn document(report: &Report) -> JsonReport {
    let mut findings = Vec::new();
    for pr in &report.problems {
        findings.push(JsonFinding {
            kind: JsonKind::Check,
            path: pr.path.clone(),
            line: pr.line,
            column: pr.line.map(|_| 1),
            end_line: pr.line,
            end_column: pr.line.map(|_| 1),
            span: None,
            code: pr.kind.code().into(),
            rule: pr.kind.name().into(),
            severity: JsonSeverity::Error,
            message: pr.message.clone(),
            reason: None,
            help: pr.help.clone(),
            suppressible: false,
            policy: None,
        });
    }
    let mut files = Vec::new();
    for (i, (path, text, fs)) in report.files.iter().enumerate() {
        let policy = report.file_policy.get(i).copied().unwrap_or(0);
        files.push(JsonFile {
            path: path.clone(),
            policy,
            findings: fs.len(),
        });
        let idx = LineIndex::new(text);
        for f in fs {
            let end = idx.pos(f.range.end);
            findings.push(JsonFinding {
                kind: JsonKind::Lint,
                path: path.clone(),
                line: Some(f.line),
                column: Some(f.col),
                end_line: Some(end.line as usize),
                end_column: Some(end.col as usize),
                span: Some(JsonSpan {
                    start: char_offset(text, f.range.start),
                    end: char_offset(text, f.range.end),
                }),
                code: f.code.into(),
                rule: f.rule.into(),
                severity: f.severity.into(),
                message: f.message.clone(),
                reason: f.reason.clone(),
                help: f.help.clone(),
                suppressible: f.suppressible,
                policy: Some(policy),
            });
        }
    }
    JsonReport {
        version: JSON_VERSION,
        tool: JsonTool {
            name: "packetc".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        command: report.command.into(),
        policies: report.policies.iter().map(|p| policy_json(p)).collect(),
        files,
        notes: report.notes.clone(),
        findings,
    }
}

/// Write the JSON document.
pub fn write(out: &mut dyn Write, report: &Report) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &document(report))?;
    writeln!(out)
}
