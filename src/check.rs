//! The checks `packetc check` runs, as a library `prove` and `apply` call too: drift between a
//! packet's spec and its committed scripts ([`drift`], reported by [`report_drift`] for people
//! and [`drift_problems`] for machine formats), and linting the scripts with their step
//! contexts ([`step_context`], [`lint_scripts`]). The command itself is
//! `crate::commands::check`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use similar::TextDiff;

use crate::diag::Error;
use crate::lint::report::{Problem, ProblemKind};
use crate::lint::{Finding, Policy, StepContext, StepRole};
use crate::packet::{Kind, Loaded, Role, Step};
use crate::render::Script;

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
        .filter(|p| p.join(crate::packet::SPEC_FILE).is_file())
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

/// Print drift for a person: one line per difference, the diff under a changed script, and what
/// to do. The one drift reporter: `check` prints it as its result, `apply` under its refusal.
pub fn report_drift(out: &mut dyn Write, loaded: &Loaded, drifts: &[Drift]) -> std::io::Result<()> {
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

/// The first line of the committed script a unified diff changes (1-based): where a drift
/// result points.
#[must_use]
pub fn first_changed_line(diff: &str) -> Option<usize> {
    let mut line = None;
    for l in diff.lines() {
        if let Some(rest) = l.strip_prefix("@@ -") {
            let n: String = rest.chars().take_while(char::is_ascii_digit).collect();
            line = n.parse::<usize>().ok().map(|n| n.max(1));
            continue;
        }
        let Some(cur) = line else { continue };
        if l.starts_with('-') || l.starts_with('+') {
            return Some(cur);
        }
        if l.starts_with(' ') {
            line = Some(cur + 1);
        }
    }
    line
}

/// Drift as report results (file, line where there is one).
#[must_use]
pub fn drift_problems(loaded: &Loaded, drifts: &[Drift]) -> Vec<Problem> {
    let spec = loaded.spec_path.display();
    let help = format!(
        "if the spec is right, run `packetc render {}` and commit the scripts; if a script was edited by hand, edit the spec instead",
        loaded.dir.display()
    );
    drifts
        .iter()
        .map(|d| match d {
            Drift::Changed { path, diff } => Problem {
                kind: ProblemKind::Drift,
                path: path.display().to_string(),
                line: first_changed_line(diff),
                message: format!("{} does not match what {spec} renders", path.display()),
                help: help.clone(),
            },
            Drift::Missing { path } => Problem {
                kind: ProblemKind::Missing,
                path: path.display().to_string(),
                line: None,
                message: format!("{} is missing ({spec} renders it)", path.display()),
                help: help.clone(),
            },
            Drift::Stray { path } => Problem {
                kind: ProblemKind::Stray,
                path: path.display().to_string(),
                line: None,
                message: format!("{} is not rendered by {spec}", path.display()),
                help: format!("remove it, or add a step for it to {spec}"),
            },
        })
        .collect()
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
        run_table: p.run_table.clone(),
    }
}

/// One linted script: its path, the text positions refer to, and its findings.
pub type Linted = (String, String, Vec<Finding>);

/// The policy in schema-aware mode with the packet's fixture as the target's schema (PC005);
/// `None` when the packet has no `fixture/schema.sql`.
pub fn with_fixture(loaded: &Loaded, policy: &Policy) -> Result<Option<Policy>, Error> {
    let schema_path = loaded.dir.join("fixture/schema.sql");
    match fs::read_to_string(&schema_path) {
        Ok(sql) => Ok(Some(policy.clone().with_schema(&sql))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(&schema_path, &e)),
    }
}

/// Lint a packet's committed scripts with their step contexts, one entry per script that exists
/// (a missing one is drift, reported separately).
pub fn lint_scripts(loaded: &Loaded, policy: &Policy) -> Result<Vec<Linted>, Error> {
    let aware = with_fixture(loaded, policy)?;
    let policy = aware.as_ref().unwrap_or(policy);
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

#[cfg(test)]
mod tests {
    use super::first_changed_line;

    #[test]
    fn drift_points_at_the_first_changed_line() {
        let diff = "--- a\n+++ b\n@@ -3,4 +3,4 @@\n ctx\n ctx\n-old\n+new\n";
        assert_eq!(first_changed_line(diff), Some(5));
        assert_eq!(first_changed_line("@@ -0,0 +1 @@\n+x\n"), Some(1));
        assert_eq!(first_changed_line(""), None);
    }
}
