//! Output formats: human (miette), short, json, sarif 2.1.0, github annotations.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use crate::lint::finding::Finding;
use crate::lint::locate::ResolvedPolicy;

/// The output formats of a report. The lint core owns them; `cli.rs` maps its flag onto them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Rich diagnostics with source snippets.
    Human,
    /// One line per finding: PATH:LINE:COL: CODE message.
    Short,
    /// A JSON document.
    Json,
    /// SARIF 2.1.0 for code scanning.
    Sarif,
    /// GitHub Actions workflow annotations.
    Github,
}

/// One linted file: its path, its text (what positions refer to) and its findings.
pub type FileReport = (String, String, Vec<Finding>);

/// The kinds of `packetc check` problems that are not lint findings. They are results in every
/// machine format, with codes of their own (PC9xx) next to the lint rules'.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// A committed script differs from what the spec renders.
    Drift,
    /// The spec renders a script that is not committed.
    Missing,
    /// A committed .sql file the spec does not render.
    Stray,
    /// packet.yaml does not load: invalid YAML or a spec that fails validation.
    SpecInvalid,
    /// The proof record (proof.json) is stale, failed or unreadable.
    ProofStale,
}

/// Every problem kind, in code order (SARIF rules, docs).
pub const PROBLEM_KINDS: &[ProblemKind] = &[
    ProblemKind::Drift,
    ProblemKind::Missing,
    ProblemKind::Stray,
    ProblemKind::SpecInvalid,
    ProblemKind::ProofStale,
];

impl ProblemKind {
    /// Stable code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            ProblemKind::Drift => "PC900",
            ProblemKind::Missing => "PC901",
            ProblemKind::Stray => "PC902",
            ProblemKind::SpecInvalid => "PC903",
            ProblemKind::ProofStale => "PC904",
        }
    }

    /// Kebab-case name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            ProblemKind::Drift => "script-drift",
            ProblemKind::Missing => "missing-script",
            ProblemKind::Stray => "stray-script",
            ProblemKind::SpecInvalid => "spec-invalid",
            ProblemKind::ProofStale => "proof-stale",
        }
    }

    /// One-line summary.
    #[must_use]
    pub fn summary(self) -> &'static str {
        match self {
            ProblemKind::Drift => "a committed script differs from what packet.yaml renders",
            ProblemKind::Missing => "packet.yaml renders a script that is not committed",
            ProblemKind::Stray => "a committed .sql file in sql/ that packet.yaml does not render",
            ProblemKind::SpecInvalid => "packet.yaml is not valid YAML or fails validation",
            ProblemKind::ProofStale => {
                "proof.json does not prove the packet as it is (stale, failed or unreadable)"
            }
        }
    }

    /// What to do about it, in general (each problem carries its own, specific help too).
    #[must_use]
    pub fn fix(self) -> &'static str {
        match self {
            ProblemKind::Drift | ProblemKind::Missing | ProblemKind::Stray => {
                "If the spec is right, run `packetc render PACKET` and commit the scripts; if a script was edited by hand, edit the spec instead."
            }
            ProblemKind::SpecInvalid => {
                "Fix packet.yaml at the line shown; `packetc render PACKET` prints every problem with its context."
            }
            ProblemKind::ProofStale => {
                "Run `packetc prove PACKET` and commit proof.json."
            }
        }
    }

    /// The SARIF tag that says what was checked.
    #[must_use]
    pub fn tag(self) -> &'static str {
        match self {
            ProblemKind::Drift | ProblemKind::Missing | ProblemKind::Stray => "drift",
            ProblemKind::SpecInvalid => "spec",
            ProblemKind::ProofStale => "proof",
        }
    }

    /// The page that explains it, relative to the repository root.
    #[must_use]
    pub fn doc_path(self) -> &'static str {
        match self {
            ProblemKind::Drift | ProblemKind::Missing | ProblemKind::Stray => "docs/ci.md",
            ProblemKind::SpecInvalid => "docs/spec.md",
            ProblemKind::ProofStale => "docs/prove.md",
        }
    }
}

/// A `packetc check` problem that is not a lint finding (drift), located in a file and, where
/// there is one, at a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What kind.
    pub kind: ProblemKind,
    /// The file it is about (the committed script, or where it should be).
    pub path: String,
    /// 1-based line (the first line that differs), when there is one.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub help: String,
}

/// Everything one command reports: the files linted, each with the policy it was linted
/// against, the check problems, and notes (files skipped on purpose).
#[derive(Debug, Default)]
pub struct Report {
    /// `lint` or `check` (names the command in summaries).
    pub command: &'static str,
    /// The linted files, in order.
    pub files: Vec<FileReport>,
    /// For each file, the index of its policy in `policies`.
    pub file_policy: Vec<usize>,
    /// Every policy used.
    pub policies: Vec<Arc<ResolvedPolicy>>,
    /// Check problems (drift).
    pub problems: Vec<Problem>,
    /// Remarks printed with the human summary (and on stderr for machine formats).
    pub notes: Vec<String>,
    /// Whether the human format starts with the policy lines (false when the command printed
    /// them itself, as `check` does first).
    pub human_header: bool,
    /// The directory SARIF URIs are relative to (`%SRCROOT%`); `None` keeps paths as given.
    pub root: Option<PathBuf>,
    /// Absolute URL prefix of rule documentation links (`helpUri`, `informationUri`):
    /// `docs/rules/PC001.md` is appended. `None`: no links (SARIF requires absolute URIs, and
    /// packetc does not know where its docs are published); each rule's `help` carries its page.
    pub docs_base: Option<String>,
    /// `--quiet`: the human format leaves out its progress (the policy lines, notes and the
    /// "N file(s) clean" summary) and keeps the findings and their count.
    pub quiet: bool,
}

impl Report {
    /// An empty report for `command`, linted against nothing yet.
    #[must_use]
    pub fn new(command: &'static str) -> Report {
        Report {
            command,
            human_header: true,
            ..Report::default()
        }
    }

    /// A report of `files`, all linted against `policy` (tests, benchmarks).
    #[must_use]
    pub fn single(command: &'static str, files: Vec<FileReport>, policy: ResolvedPolicy) -> Report {
        let mut r = Report::new(command);
        r.file_policy = vec![0; files.len()];
        r.files = files;
        r.policies = vec![Arc::new(policy)];
        r
    }

    /// A report of `files` without policy lines (the caller printed the policy already).
    #[must_use]
    pub fn findings_only(command: &'static str, files: Vec<FileReport>) -> Report {
        let mut r = Report::new(command);
        r.human_header = false;
        r.files = files;
        r
    }

    /// Add a file linted against `policy`.
    pub fn push(&mut self, file: FileReport, policy: &Arc<ResolvedPolicy>) {
        let idx = match self.policies.iter().position(|p| Arc::ptr_eq(p, policy)) {
            Some(i) => i,
            None => {
                self.policies.push(policy.clone());
                self.policies.len() - 1
            }
        };
        self.files.push(file);
        self.file_policy.push(idx);
    }

    /// Number of findings plus problems.
    #[must_use]
    pub fn count(&self) -> usize {
        self.problems.len() + self.files.iter().map(|(_, _, f)| f.len()).sum::<usize>()
    }
}

/// Write `report` in `format`.
pub fn write_report(out: &mut dyn Write, report: &Report, format: Format) -> std::io::Result<()> {
    match format {
        Format::Human => human(out, report),
        Format::Short => {
            for (path, _, fs) in &report.files {
                for f in fs {
                    writeln!(out, "{path}:{}:{}: {} {}", f.line, f.col, f.code, f.message)?;
                }
            }
            Ok(())
        }
        Format::Json => crate::lint::report_json::write(out, report),
        Format::Sarif => crate::lint::sarif::write(out, report),
        Format::Github => github(out, report),
    }
}

/// GitHub workflow commands: a notice per policy, then one annotation per finding/problem.
fn github(out: &mut dyn Write, report: &Report) -> std::io::Result<()> {
    for p in &report.policies {
        writeln!(out, "::notice title=packetc policy::{}", gh_data(&p.line()))?;
    }
    for pr in &report.problems {
        let line = pr.line.map(|l| format!(",line={l}")).unwrap_or_default();
        writeln!(
            out,
            "::error file={}{line},title={}::{}",
            gh_prop(&pr.path),
            gh_prop(&format!("{} {}", pr.kind.code(), pr.kind.name())),
            gh_data(&format!("{} ({})", pr.message, pr.help))
        )?;
    }
    for (path, _, fs) in &report.files {
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

/// The policy lines of the human format: one per policy, with the number of files it judged
/// when there are several.
#[must_use]
pub fn policy_lines(report: &Report) -> Vec<String> {
    let many = report.policies.len() > 1;
    report
        .policies
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if many {
                let n = report.file_policy.iter().filter(|x| **x == i).count();
                format!("{} for {n} file(s)", p.line())
            } else {
                p.line()
            }
        })
        .collect()
}

pub(crate) fn message_with_reason(f: &Finding) -> String {
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

fn human(out: &mut dyn Write, report: &Report) -> std::io::Result<()> {
    if report.human_header && !report.quiet {
        for l in policy_lines(report) {
            writeln!(out, "{l}")?;
        }
    }
    let mut total = 0;
    for (path, text, fs) in &report.files {
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
    if !report.quiet {
        for n in &report.notes {
            writeln!(out, "note: {n}")?;
        }
    }
    let nfiles = report.files.len();
    let cmd = report.command;
    if total == 0 {
        if report.quiet {
            return Ok(());
        }
        writeln!(out, "packetc {cmd}: {nfiles} file(s) clean")?;
    } else {
        writeln!(out, "packetc {cmd}: {total} finding(s) in {nfiles} file(s)")?;
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
