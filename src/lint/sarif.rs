//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning ingests it.
//!
//! - URIs are relative to `%SRCROOT%` (the repository root: the nearest directory above the
//!   current one holding `.git`), with `originalUriBaseIds` giving its absolute `file:` URI, so
//!   a run from a subdirectory still maps onto the repository; RFC 3986 percent-encoding, so
//!   `my file#1.sql` is a valid URI.
//! - `columnKind` is `unicodeCodePoints` and every column and `charOffset` counts code points.
//! - Each rule has `helpUri` (the docs page; prefix from `PACKETC_DOCS_URL`), `tags` and
//!   `security-severity`; each result a `partialFingerprints` entry that survives line moves.
//! - The run's `properties.policies` name the policies (path, sha256); each result's
//!   `properties.policy` is the index of the one it was judged by.
//!
//! CI validates this output with Microsoft's SARIF Multitool (`validate`, also with GitHub's
//! ingestion rules): see .ci/run and tests/it/lint/sarif.rs.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::lint::finding::{LineIndex, Severity};
use crate::lint::report::{message_with_reason, Report, PROBLEM_KINDS};
use crate::lint::report_json::{char_offset, policy_json};

/// The base id of repository-relative URIs.
pub const SRCROOT: &str = "%SRCROOT%";

/// Percent-encode a path for a URI (RFC 3986): unreserved characters, sub-delimiters, `:`,
/// `@` and `/` stay, everything else (space, `#`, `?`, `%`, non-ASCII bytes) becomes `%XX`.
#[must_use]
pub fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.replace('\\', "/").bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'@'
                    | b'/'
            );
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The repository root for `%SRCROOT%`: the nearest ancestor of `cwd` holding `.git`, else
/// `cwd` itself.
#[must_use]
pub fn find_root(cwd: &Path) -> PathBuf {
    cwd.ancestors()
        .find(|d| d.join(".git").exists())
        .unwrap_or(cwd)
        .to_path_buf()
}

/// `artifactLocation` of `path` (as printed): relative to the root when below it.
fn artifact(path: &str, root: Option<&Path>) -> Value {
    let Some(root) = root else {
        return json!({"uri": encode_path(path), "uriBaseId": SRCROOT});
    };
    let p = Path::new(path);
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|c| c.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    };
    let abs = normalize(&abs);
    match abs.strip_prefix(root) {
        Ok(rel) => json!({"uri": encode_path(&rel.to_string_lossy()), "uriBaseId": SRCROOT}),
        Err(_) => json!({"uri": format!("file://{}", encode_path(&abs.to_string_lossy()))}),
    }
}

/// Lexically remove `.` and `..` (the file may not exist: stdin's name).
fn normalize(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn security_severity(sev: Severity) -> &'static str {
    match sev {
        Severity::Error => "8.0",
        Severity::Warning => "4.0",
    }
}

#[allow(clippy::too_many_arguments)]
fn rule_json(
    id: &str,
    name: &str,
    summary: &str,
    help: &str,
    doc: &str,
    sev: Severity,
    tags: &[&str],
    base: Option<&str>,
) -> Value {
    let mut rule = json!({
        "id": id,
        "name": pascal(name),
        "shortDescription": {"text": summary},
        "fullDescription": {"text": summary},
        "help": {"text": help, "markdown": help},
        "defaultConfiguration": {"level": sev.as_str()},
        "properties": {
            "tags": tags,
            "security-severity": security_severity(sev),
            "precision": "very-high",
            "kebab-name": name,
        },
    });
    if let Some(base) = base {
        rule["helpUri"] = json!(format!("{base}{doc}"));
    }
    rule
}

/// SARIF's friendly rule names are PascalCase (`protected-table-write` →
/// `ProtectedTableWrite`); the kebab-case name stays in `properties`.
fn pascal(kebab: &str) -> String {
    kebab
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A fingerprint that survives the finding moving to another line: rule, file, the trimmed
/// text of the finding's line, and how many identical ones came before it in the file.
fn fingerprint(
    code: &str,
    uri: &str,
    line_text: &str,
    seen: &mut HashMap<String, usize>,
) -> String {
    let key = format!("{code}\0{uri}\0{}", line_text.trim());
    let n = seen.entry(key.clone()).or_insert(0);
    *n += 1;
    let h = crate::packet::sha256_hex(format!("{key}\0{n}").as_bytes());
    format!("{}:{n}", &h[..32])
}

/// Write the SARIF log.
pub fn write(out: &mut dyn Write, report: &Report) -> std::io::Result<()> {
    let base = report.docs_base.as_deref();
    let mut rules: Vec<Value> = crate::lint::rules::RULES
        .iter()
        .map(|r| {
            let kind = if r.code < "PC010" {
                "policy"
            } else if r.code >= "PC030" {
                "packet"
            } else {
                "fail-closed"
            };
            rule_json(
                r.code,
                r.name,
                r.summary,
                &r.docs(),
                &r.doc_path(),
                r.severity,
                &["security", "sql", kind],
                base,
            )
        })
        .collect();
    let first_problem_rule = rules.len();
    for k in PROBLEM_KINDS {
        rules.push(rule_json(
            k.code(),
            k.name(),
            k.summary(),
            &format!("{}. {}", k.summary(), k.fix()),
            k.doc_path(),
            Severity::Error,
            &["security", k.tag()],
            base,
        ));
    }
    let root = report.root.as_deref();
    let mut results = Vec::new();
    let mut seen = HashMap::new();
    for pr in &report.problems {
        let rule_index = first_problem_rule
            + PROBLEM_KINDS
                .iter()
                .position(|k| *k == pr.kind)
                .unwrap_or(0);
        let loc = artifact(&pr.path, root);
        let uri = loc["uri"].as_str().unwrap_or_default().to_string();
        // A whole-file problem (a missing or stray script) points at its first line.
        let l = pr.line.unwrap_or(1);
        let physical = json!({
            "artifactLocation": loc,
            "region": {"startLine": l, "endLine": l},
        });
        results.push(json!({
            "ruleId": pr.kind.code(),
            "ruleIndex": rule_index,
            "level": "error",
            "message": {"text": format!("{} ({})", pr.message, pr.help)},
            "locations": [{"physicalLocation": physical}],
            "partialFingerprints": {
                "packetc/v1": fingerprint(pr.kind.code(), &uri, "", &mut seen),
            },
        }));
    }
    for (i, (path, text, fs)) in report.files.iter().enumerate() {
        let idx = LineIndex::new(text);
        let loc = artifact(path, root);
        let uri = loc["uri"].as_str().unwrap_or_default().to_string();
        for f in fs {
            let end = idx.pos(f.range.end);
            let rule_index = crate::lint::rules::RULES
                .iter()
                .position(|r| r.code == f.code)
                .unwrap_or(0);
            let start_char = char_offset(text, f.range.start);
            let end_char = char_offset(text, f.range.end);
            let line_text = text.lines().nth(f.line.saturating_sub(1)).unwrap_or("");
            results.push(json!({
                "ruleId": f.code,
                "ruleIndex": rule_index,
                "level": f.severity.as_str(),
                "message": {"text": message_with_reason(f)},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": loc.clone(),
                        "region": {
                            "startLine": f.line,
                            "startColumn": f.col,
                            "endLine": end.line,
                            "endColumn": end.col,
                            "charOffset": start_char,
                            "charLength": end_char - start_char,
                        }
                    }
                }],
                "partialFingerprints": {
                    "packetc/v1": fingerprint(f.code, &uri, line_text, &mut seen),
                },
                "properties": {"policy": report.file_policy.get(i)},
            }));
        }
    }
    let mut run = json!({
        "tool": {"driver": {
            "name": "packetc",
            "version": env!("CARGO_PKG_VERSION"),
            "semanticVersion": env!("CARGO_PKG_VERSION"),
            "rules": rules,
        }},
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {
            "command": report.command,
            "policies": report
                .policies
                .iter()
                .map(|p| {
                    let mut v = serde_json::to_value(policy_json(p)).unwrap_or_default();
                    if !p.is_builtin() {
                        v["location"] = artifact(&p.display, root);
                    }
                    v
                })
                .collect::<Vec<_>>(),
        },
    });
    if let Some(base) = base {
        run["tool"]["driver"]["informationUri"] = json!(format!("{base}docs/lint.md"));
    }
    if let Some(root) = root {
        let mut uri = format!("file://{}", encode_path(&root.to_string_lossy()));
        if !uri.ends_with('/') {
            uri.push('/');
        }
        run["originalUriBaseIds"] = json!({SRCROOT: {"uri": uri}});
    }
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_percent_encoded() {
        assert_eq!(encode_path("a/my file#1.sql"), "a/my%20file%231.sql");
        assert_eq!(encode_path("é.sql"), "%C3%A9.sql");
        assert_eq!(encode_path("100%.sql"), "100%25.sql");
    }

    #[test]
    fn normalize_is_lexical() {
        assert_eq!(
            normalize(Path::new("/a/b/../c/./d")),
            PathBuf::from("/a/c/d")
        );
    }
}
