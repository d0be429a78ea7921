//! `packetc check`: for CI. Re-render every packet in memory, fail on any byte difference from
//! the committed scripts (with a unified diff), check the proof record, and lint the scripts.
//! The checks themselves are [`crate::check`]; this prints them.

use std::io::Write;
use std::path::Path;

use crate::check::{discover, drift, drift_problems, lint_scripts, report_drift, PACKETS_DIR};
use crate::cli::{CheckArgs, Format};
use crate::diag::{Error, Status};
use crate::lint::report::{Problem, ProblemKind, Report};
use crate::lint::PolicyFinder;
use crate::output::Printer;
use crate::packet::{Loaded, SpecDiagnostic};
use crate::proof::Verdict;

/// Run `packetc check`.
pub fn run(args: &CheckArgs, p: &mut Printer) -> Result<Status, Error> {
    let packets = if args.packets.is_empty() {
        let root = Path::new(PACKETS_DIR);
        if !root.is_dir() {
            return Err(Error::input(
                format!("no ./{PACKETS_DIR} directory here"),
                "run from the repository root, or name packets: packetc check PACKET...",
            ));
        }
        let found = discover(root)?;
        if found.is_empty() {
            // A lint-only repository keeps its policy in packets/policy.yaml and has no packet:
            // nothing can drift (the pre-commit hook runs on any change under packets/).
            writeln!(
                p.progress(),
                "ok: no packets under ./{PACKETS_DIR} (no packet.yaml in its subdirectories): nothing to check"
            )?;
            return Ok(Status::Clean);
        }
        found
    } else {
        args.packets.clone()
    };
    let human = matches!(args.format, Format::Human | Format::Short);
    // Load every spec and find every policy first, so the policy lines come first. A spec that
    // does not load is bad input (exit 2); machine formats still get it as a result, with the
    // other packets checked, and the error follows the report.
    let mut finder = PolicyFinder::new(args.policy.as_deref())?;
    let mut work = Vec::new();
    let mut invalid = Vec::new();
    let mut spec_error = None;
    for packet in &packets {
        let loaded = match crate::packet::load_diagnosed(packet)? {
            Ok(loaded) => loaded,
            Err(diags) if !human => {
                invalid.extend(spec_problems(packet, &diags));
                spec_error.get_or_insert(Error::diagnostics(&diags));
                continue;
            }
            Err(diags) => return Err(Error::diagnostics(&diags)),
        };
        let policy = finder.for_path(&loaded.dir)?;
        work.push((loaded, policy));
    }
    if human {
        let many = finder.used().len() > 1;
        for (loaded, policy) in &work {
            if many {
                writeln!(p.progress(), "{} for {}", policy.line(), loaded.packet.name)?;
            } else {
                writeln!(p.progress(), "{}", policy.line())?;
                break;
            }
        }
    }
    let mut report = Report::new("check");
    report.human_header = false;
    report.docs_base = crate::commands::lint::docs_base()?;
    report.root = crate::commands::lint::sarif_root();
    report.problems = invalid;
    let mut status = Status::Clean;
    // Machine-readable formats keep stdout for the report; the diffs go to stderr.
    let stderr = std::io::stderr();
    for (loaded, policy) in &work {
        let scripts = crate::render::render(loaded)?;
        let drifts = drift(&loaded.sql_dir(), &scripts)?;
        if human {
            report_drift(p.results(), loaded, &drifts)?;
        } else {
            report_drift(&mut stderr.lock(), loaded, &drifts)?;
        }
        report.problems.extend(drift_problems(loaded, &drifts));
        let stale_proof = match crate::proof::check(loaded)? {
            Verdict::Fresh => false,
            Verdict::Missing(note) => {
                if human {
                    writeln!(p.progress(), "note: {note}")?;
                } else {
                    writeln!(stderr.lock(), "note: {note}")?;
                }
                false
            }
            Verdict::Problem(why) => {
                if human {
                    writeln!(p.results(), "proof: {why}")?;
                } else {
                    writeln!(stderr.lock(), "proof: {why}")?;
                }
                report.problems.push(proof_problem(loaded, why));
                true
            }
        };
        let files = lint_scripts(loaded, &policy.policy)?;
        let findings: usize = files.iter().map(|(_, _, f)| f.len()).sum();
        if !drifts.is_empty() || findings > 0 || stale_proof {
            status = Status::Failed;
        } else if human {
            writeln!(
                p.progress(),
                "ok: {} scripts of {} match {} and lint clean",
                scripts.len(),
                loaded.packet.name,
                loaded.spec_path.display()
            )?;
        }
        for f in files {
            report.push(f, policy);
        }
    }
    // Every policy is named even when a packet had no script to lint.
    for p in finder.used() {
        if !report.policies.iter().any(|q| std::sync::Arc::ptr_eq(p, q)) {
            report.policies.push(p.clone());
        }
    }
    crate::commands::lint::announce_builtin(&report, args.format);
    let any_findings = report.files.iter().any(|(_, _, f)| !f.is_empty());
    if any_findings || !human {
        if human {
            // Drift was printed above with its diff; the report adds the findings.
            report.problems.clear();
        }
        report.quiet = p.quiet();
        crate::lint::write_report(p.results(), &report, args.format.into())?;
    }
    match spec_error {
        Some(e) => Err(e),
        None => Ok(status),
    }
}

/// A spec that does not load, as results: one per problem, at its line of packet.yaml.
fn spec_problems(packet: &Path, diags: &[SpecDiagnostic]) -> Vec<Problem> {
    let (_, spec_path) = crate::packet::locate(packet);
    diags
        .iter()
        .map(|d| Problem {
            kind: ProblemKind::SpecInvalid,
            path: spec_path.display().to_string(),
            line: d.line_col().map(|(line, _)| line),
            message: format!("{} [{}]", d.message, d.code),
            help: d.help.clone().unwrap_or_else(|| {
                format!(
                    "run `packetc render {}` to see it in context",
                    packet.display()
                )
            }),
        })
        .collect()
}

/// A stale, failed or unreadable proof record, as a result on proof.json.
fn proof_problem(loaded: &Loaded, why: String) -> Problem {
    Problem {
        kind: ProblemKind::ProofStale,
        path: crate::proof::path(loaded).display().to_string(),
        line: None,
        message: why,
        help: format!(
            "run `packetc prove {}` and commit proof.json",
            loaded.dir.display()
        ),
    }
}
