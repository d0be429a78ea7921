//! `packetc check`: for CI. Re-render every packet in memory, fail on any byte difference from
//! the committed scripts (with a unified diff), and lint the scripts.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use similar::TextDiff;

use crate::cli::{CheckArgs, Format};
use crate::diag::{Error, Status};
use crate::lint::{Finding, Policy, StepContext, StepRole};
use crate::render::Script;
use crate::spec::{Kind, Loaded, Role, Step};

/// Where `check` looks when no packet is named.
pub const PACKETS_DIR: &str = "packets";

/// One difference between the spec and the committed scripts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    /// The committed script differs from a fresh render (unified diff, committed → rendered).
    Changed { path: PathBuf, diff: String },
    /// The spec renders a script that is not committed.
    Missing { path: PathBuf },
    /// A committed .sql file that the spec does not render.
    Stray { path: PathBuf },
}

/// Every packet directory under `root` (those holding packet.yaml), sorted for stable output.
pub fn discover(root: &Path) -> Result<Vec<PathBuf>, Error> {
    let entries = fs::read_dir(root).map_err(|e| Error::io(root, &e))?;
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join(crate::spec::SPEC_FILE).is_file())
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// Compare rendered scripts with what is on disk in `sql_dir`.
pub fn drift(sql_dir: &Path, scripts: &[Script]) -> Result<Vec<Drift>, Error> {
    let mut out = Vec::new();
    for s in scripts {
        let path = sql_dir.join(&s.file_name);
        match fs::read(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => out.push(Drift::Missing { path }),
            Err(e) => return Err(Error::io(&path, &e)),
            Ok(bytes) if bytes == s.text.as_bytes() => {}
            Ok(bytes) => {
                let committed = String::from_utf8_lossy(&bytes);
                let name = path.display().to_string();
                let diff = TextDiff::from_lines(committed.as_ref(), s.text.as_str())
                    .unified_diff()
                    .context_radius(3)
                    .header(
                        &format!("{name} (committed)"),
                        &format!("{name} (rendered from spec)"),
                    )
                    .to_string();
                out.push(Drift::Changed { path, diff });
            }
        }
    }
    if let Ok(entries) = fs::read_dir(sql_dir) {
        let mut stray: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "sql"))
            .filter(|p| {
                let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
                !scripts.iter().any(|s| Some(&s.file_name) == name.as_ref())
            })
            .collect();
        stray.sort();
        out.extend(stray.into_iter().map(|path| Drift::Stray { path }));
    }
    Ok(out)
}

fn report_drift(out: &mut dyn Write, loaded: &Loaded, drifts: &[Drift]) -> std::io::Result<()> {
    let spec = loaded.spec_path.display();
    for d in drifts {
        match d {
            Drift::Changed { path, diff } => {
                writeln!(out, "drift: {} does not match {spec}", path.display())?;
                out.write_all(diff.as_bytes())?;
            }
            Drift::Missing { path } => writeln!(
                out,
                "drift: {} is missing ({spec} renders it)",
                path.display()
            )?,
            Drift::Stray { path } => writeln!(
                out,
                "drift: {} is not rendered by {spec} (remove it or add a step)",
                path.display()
            )?,
        }
    }
    if !drifts.is_empty() {
        writeln!(
            out,
            "help: if the spec is right, run `packetc render {}` and commit the scripts; if a script was edited by hand, edit the spec instead",
            loaded.dir.display()
        )?;
    }
    Ok(())
}

/// GitHub workflow annotations for drift (the diff itself goes to the log).
fn annotate_drift(out: &mut dyn Write, drifts: &[Drift]) -> std::io::Result<()> {
    for d in drifts {
        let (path, what) = match d {
            Drift::Changed { path, .. } => (path, "does not match what packet.yaml renders"),
            Drift::Missing { path } => (path, "is missing: packet.yaml renders it"),
            Drift::Stray { path } => (path, "is not rendered by packet.yaml"),
        };
        writeln!(
            out,
            "::error file={},title=packetc drift::{} {what}; run packetc render",
            path.display(),
            path.display()
        )?;
    }
    Ok(())
}

/// The lint context of a packet step: packet-aware rules know what the step may write.
#[must_use]
pub fn step_context(loaded: &Loaded, step: &Step) -> StepContext {
    let p = &loaded.packet.provenance;
    StepContext {
        role: match step.role {
            Role::Preflight => StepRole::Preflight,
            Role::Seed => StepRole::Seed,
            Role::Verify => StepRole::Verify,
            Role::Rollback => StepRole::Rollback,
        },
        read_only: step.kind == Kind::ReadOnly,
        provenance_table: p.table.clone(),
        tag_column: p.tag_column.clone(),
        approval_column: p.approval_column.clone(),
    }
}

/// One linted script: its path, the text positions refer to, and its findings.
pub type Linted = (String, String, Vec<Finding>);

/// Lint a packet's committed scripts with their step contexts, one entry per script that exists
/// (a missing one is drift, reported separately).
pub fn lint_scripts(loaded: &Loaded, policy: &Policy) -> Result<Vec<Linted>, Error> {
    let mut out = Vec::new();
    for step in &loaded.packet.steps {
        let path = loaded.sql_dir().join(&step.script);
        let bytes = match fs::read(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io(&path, &e)),
            Ok(b) => b,
        };
        let name = path.display().to_string();
        let (text, findings) =
            crate::lint::lint_bytes(&name, &bytes, policy, Some(&step_context(loaded, step)));
        out.push((name, text, findings));
    }
    Ok(out)
}

/// Run `packetc check`.
pub fn run(args: &CheckArgs, out: &mut dyn Write) -> Result<Status, Error> {
    let packets = if args.packets.is_empty() {
        let root = Path::new(PACKETS_DIR);
        let found = if root.is_dir() {
            discover(root)?
        } else {
            Vec::new()
        };
        if found.is_empty() {
            return Err(Error::input(
                format!("no packets found under ./{PACKETS_DIR}"),
                "run from the repository root, or name packets: packetc check PACKET...",
            ));
        }
        found
    } else {
        args.packets.clone()
    };
    let policy = Policy::resolve(args.policy.as_deref())?;
    let mut status = Status::Clean;
    let mut linted = Vec::new();
    // Machine-readable formats keep stdout for the lint report; drift goes to stderr.
    let stderr = std::io::stderr();
    for packet in &packets {
        let loaded = crate::spec::load(packet)?;
        let scripts = crate::render::render(&loaded)?;
        let drifts = drift(&loaded.sql_dir(), &scripts)?;
        match args.format {
            Format::Human | Format::Short => report_drift(out, &loaded, &drifts)?,
            Format::Github => {
                annotate_drift(out, &drifts)?;
                report_drift(&mut stderr.lock(), &loaded, &drifts)?;
            }
            Format::Json | Format::Sarif => report_drift(&mut stderr.lock(), &loaded, &drifts)?,
        }
        let stale_proof = match args.format {
            Format::Human | Format::Short => crate::proof::check(&loaded, out)?,
            _ => crate::proof::check(&loaded, &mut stderr.lock())?,
        };
        let files = lint_scripts(&loaded, &policy)?;
        let findings: usize = files.iter().map(|(_, _, f)| f.len()).sum();
        if !drifts.is_empty() || findings > 0 || stale_proof {
            status = Status::Failed;
        } else if matches!(args.format, Format::Human | Format::Short) {
            writeln!(
                out,
                "ok: {} scripts of {} match {} and lint clean",
                scripts.len(),
                loaded.packet.name,
                loaded.spec_path.display()
            )?;
        }
        linted.extend(files);
    }
    let any_findings = linted.iter().any(|(_, _, f)| !f.is_empty());
    if any_findings || matches!(args.format, Format::Json | Format::Sarif) {
        crate::lint::write_report(out, &linted, args.format)?;
    }
    Ok(status)
}
