//! Everything that must hold before a single byte goes to the channel: the committed scripts
//! are exactly what the spec renders, and they lint clean with their step contexts.
//!
//! The bytes checked here are the bytes that run (and are hashed into the journal): each script
//! is read once, so a file edited after the check cannot slip in.

use std::io::Write;
use std::path::PathBuf;

use crate::check::{drift, report_drift, step_context, Drift, Linted};
use crate::diag::Error;
use crate::lint::Policy;
use crate::packet::{sha256_hex, Loaded, Step};

/// A committed script that passed the checks.
#[derive(Debug, Clone)]
pub struct Committed {
    pub step: Step,
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    pub sha256: String,
}

/// Check drift and lint; print what is wrong. `None` means: refuse to run (exit 1).
pub fn committed_scripts(
    loaded: &Loaded,
    policy: &Policy,
    out: &mut dyn Write,
) -> Result<Option<Vec<Committed>>, Error> {
    let rendered = crate::render::render(loaded)?;
    let mut drifts = drift(&loaded.sql_dir(), &rendered)?;
    let mut scripts = Vec::new();
    if drifts.is_empty() {
        for step in &loaded.packet.steps {
            let path = loaded.sql_dir().join(&step.script);
            let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, &e))?;
            let same = rendered
                .iter()
                .any(|s| s.file_name == step.script && s.text.as_bytes() == bytes);
            if !same {
                // Changed between the drift check and this read.
                drifts.push(Drift::Changed {
                    path: path.clone(),
                    diff: String::from("(changed while packetc was reading it)\n"),
                });
            }
            scripts.push(Committed {
                step: step.clone(),
                sha256: sha256_hex(&bytes),
                path,
                bytes,
            });
        }
    }
    if !drifts.is_empty() {
        writeln!(
            out,
            "refused: the committed scripts do not match {}; nothing was run",
            loaded.spec_path.display()
        )?;
        report_drift(out, loaded, &drifts)?;
        return Ok(None);
    }
    let mut linted: Vec<Linted> = Vec::new();
    for c in &scripts {
        let name = c.path.display().to_string();
        let ctx = step_context(loaded, &c.step);
        let (text, findings) = crate::lint::lint_bytes(&name, &c.bytes, policy, Some(&ctx));
        if !findings.is_empty() {
            linted.push((name, text, findings));
        }
    }
    if !linted.is_empty() {
        let n: usize = linted.iter().map(|(_, _, f)| f.len()).sum();
        writeln!(
            out,
            "refused: the committed scripts have {n} lint finding(s); nothing was run"
        )?;
        crate::lint::write_report(
            out,
            &crate::lint::Report::findings_only("apply", linted),
            crate::lint::Format::Human,
        )?;
        return Ok(None);
    }
    Ok(Some(scripts))
}

/// The proof record must be fresh, or overridden (see [`crate::proof::gate::require`]).
pub fn proof(
    loaded: &Loaded,
    override_reason: Option<&str>,
    out: &mut dyn Write,
) -> Result<Option<crate::proof::gate::Proven>, Error> {
    crate::proof::gate::require(loaded, override_reason, out)
}
