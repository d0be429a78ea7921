//! `packetc check`: for CI. Re-render every packet in memory, fail on any byte difference from
//! the committed scripts (with a unified diff), and lint the scripts.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use similar::TextDiff;

use crate::cli::CheckArgs;
use crate::diag::{Error, Status};
use crate::render::Script;
use crate::spec::Loaded;

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
    let mut status = Status::Clean;
    for packet in &packets {
        let loaded = crate::spec::load(packet)?;
        let scripts = crate::render::render(&loaded)?;
        let drifts = drift(&loaded.sql_dir(), &scripts)?;
        report_drift(out, &loaded, &drifts)?;
        if drifts.is_empty() {
            writeln!(
                out,
                "ok: {} scripts of {} match {}",
                scripts.len(),
                loaded.packet.name,
                loaded.spec_path.display()
            )?;
        } else {
            status = Status::Failed;
        }
    }
    Ok(status)
}
