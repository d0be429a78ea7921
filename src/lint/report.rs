//! Output formats: human (miette), short, json, sarif 2.1.0, github annotations.

use std::io::Write;

use crate::cli::Format;
use crate::lint::finding::Finding;

/// One linted file: its path, its text (what positions refer to) and its findings.
pub type FileReport = (String, String, Vec<Finding>);

/// Write the findings of every file in `format`.
pub fn write_report(
    out: &mut dyn Write,
    files: &[FileReport],
    format: Format,
) -> std::io::Result<()> {
    match format {
        Format::Human => human(out, files),
        Format::Short => {
            for (path, _, fs) in files {
                for f in fs {
                    writeln!(out, "{path}:{}:{}: {} {}", f.line, f.col, f.code, f.message)?;
                }
            }
            Ok(())
        }
        Format::Json => json(out, files),
        Format::Sarif => sarif(out, files),
        Format::Github => {
            for (path, _, fs) in files {
                for f in fs {
                    let kind = match f.severity {
                        crate::lint::Severity::Error => "error",
                        crate::lint::Severity::Warning => "warning",
                    };
                    writeln!(
                        out,
                        "::{kind} file={},line={},col={},title={}::{}",
                        gh_prop(path),
                        f.line,
                        f.col,
                        gh_prop(&format!("{} {}", f.code, f.rule)),
                        gh_data(&message_with_reason(f))
                    )?;
                }
            }
            Ok(())
        }
    }
}

fn message_with_reason(f: &Finding) -> String {
    match &f.reason {
        Some(r) => format!("{} — policy: {r}", f.message),
        None => f.message.clone(),
    }
}

fn gh_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn gh_prop(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn human(out: &mut dyn Write, files: &[FileReport]) -> std::io::Result<()> {
    let mut total = 0;
    for (path, text, fs) in files {
        let src = std::sync::Arc::new(Src(text.clone()));
        for f in fs {
            total += 1;
            let d = HumanDiag {
                f,
                src: miette::NamedSource::new(path, SharedSrc(src.clone())),
                snippet: snippet_fits(text, f),
                path,
            };
            out.write_all(crate::diag::render(&d).as_bytes())?;
        }
    }
    let nfiles = files.len();
    if total == 0 {
        writeln!(out, "packetc lint: {nfiles} file(s) clean")?;
    } else {
        writeln!(out, "packetc lint: {total} finding(s) in {nfiles} file(s)")?;
    }
    Ok(())
}

#[derive(Debug)]
struct Src(String);

#[derive(Debug, Clone)]
struct SharedSrc(std::sync::Arc<Src>);

impl miette::SourceCode for SharedSrc {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        self.0 .0.read_span(span, before, after)
    }
}

/// The longest source line shown as a snippet: miette pads with `format!` widths, which
/// panic beyond 65 535 columns, and a snippet that wide helps nobody.
const MAX_SNIPPET_LINE: usize = 2000;

/// Whether the finding's lines are short enough to show as a snippet.
fn snippet_fits(text: &str, f: &Finding) -> bool {
    let start = f.range.start.min(text.len());
    let end = f.range.end.clamp(start, text.len());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
    text.get(line_start..line_end)
        .is_some_and(|l| l.lines().all(|l| l.len() <= MAX_SNIPPET_LINE))
}

#[derive(Debug)]
struct HumanDiag<'f> {
    f: &'f Finding,
    src: miette::NamedSource<SharedSrc>,
    snippet: bool,
    path: &'f str,
}

impl std::fmt::Display for HumanDiag<'_> {
    fn fmt(&self, fm: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fm.write_str(&self.f.message)?;
        if !self.snippet {
            write!(
                fm,
                " (at {}:{}:{}; the line is too long to show)",
                self.path, self.f.line, self.f.col
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for HumanDiag<'_> {}

impl miette::Diagnostic for HumanDiag<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(format!("{} {}", self.f.code, self.f.rule)))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.f.severity {
            crate::lint::Severity::Error => miette::Severity::Error,
            crate::lint::Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        let mut h = String::new();
        if let Some(r) = &self.f.reason {
            h.push_str(&format!("policy: \"{r}\"\n"));
        }
        h.push_str(&self.f.help);
        if !self.f.suppressible {
            h.push_str("\nthis finding cannot be suppressed");
        }
        Some(Box::new(h))
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.snippet.then_some(&self.src as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        if !self.snippet {
            return None;
        }
        let r = &self.f.range;
        Some(Box::new(std::iter::once(miette::LabeledSpan::new(
            Some(self.f.code.to_string()),
            r.start,
            r.end - r.start,
        ))))
    }
}

fn json(out: &mut dyn Write, files: &[FileReport]) -> std::io::Result<()> {
    let mut list = Vec::new();
    for (path, _, fs) in files {
        for f in fs {
            list.push(serde_json::json!({
                "path": path,
                "line": f.line,
                "column": f.col,
                "code": f.code,
                "rule": f.rule,
                "severity": f.severity.as_str(),
                "message": f.message,
                "reason": f.reason,
                "help": f.help,
                "suppressible": f.suppressible,
                "span": {"start": f.range.start, "end": f.range.end},
            }));
        }
    }
    let doc = serde_json::json!({
        "version": 1,
        "files": files.len(),
        "findings": list,
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

fn sarif(out: &mut dyn Write, files: &[FileReport]) -> std::io::Result<()> {
    let rules: Vec<_> = crate::lint::rules::RULES
        .iter()
        .map(|r| {
            serde_json::json!({
                "id": r.code,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.summary},
                "help": {"text": r.docs(), "markdown": r.docs()},
                "defaultConfiguration": {"level": r.severity.as_str()},
            })
        })
        .collect();
    let mut results = Vec::new();
    for (path, text, fs) in files {
        let idx = crate::lint::finding::LineIndex::new(text);
        for f in fs {
            let end = idx.pos(f.range.end);
            let rule_index = crate::lint::rules::RULES
                .iter()
                .position(|r| r.code == f.code)
                .unwrap_or(0);
            results.push(serde_json::json!({
                "ruleId": f.code,
                "ruleIndex": rule_index,
                "level": f.severity.as_str(),
                "message": {"text": message_with_reason(f)},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": path.replace('\\', "/")},
                        "region": {
                            "startLine": f.line,
                            "startColumn": f.col,
                            "endLine": end.line,
                            "endColumn": end.col,
                            "charOffset": f.range.start,
                            "charLength": f.range.end - f.range.start,
                        }
                    }
                }],
            }));
        }
    }
    let doc = serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "packetc",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
