//! What `apply` holds a packet to before step 0: a fresh proof record (or an explicit,
//! journaled override), and a target whose schema fingerprint is the proven clone's.

use std::io::Write;

use crate::apply::record::SchemaDetail;
use crate::diag::Error;
use crate::fingerprint::{catalog, compare, Comparison, Fingerprint};
use crate::packet::Loaded;

use super::{standing, ProofRecord, Standing};

/// The outcome of the local proof check.
#[derive(Debug, Clone)]
pub struct Proven {
    /// The record (fresh, or stale and overridden); `None` when it is missing and overridden.
    pub record: Option<ProofRecord>,
    /// `(reason, what was wrong)` when the operator overrode a missing or stale proof.
    pub overridden: Option<(String, String)>,
}

/// Check the proof record. `None`: refused (printed; exit 1). `override_reason` accepts a
/// missing, stale, failed or unreadable record, printing and returning what it accepted so the
/// caller can journal it.
pub fn require(
    loaded: &Loaded,
    override_reason: Option<&str>,
    out: &mut dyn Write,
) -> Result<Option<Proven>, Error> {
    let standing = standing(loaded)?;
    if let Standing::Fresh(record) = standing {
        writeln!(
            out,
            "proof: {} (PostgreSQL {}; schema fingerprint sha256:{})",
            super::path(loaded).display(),
            super::servers_text(&record.servers),
            record.fingerprint.sha256
        )?;
        return Ok(Some(Proven {
            record: Some(*record),
            overridden: None,
        }));
    }
    let problem = standing.describe(loaded);
    match override_reason.map(str::trim).filter(|r| !r.is_empty()) {
        None => {
            writeln!(out, "refused: {problem}; nothing was run")?;
            writeln!(
                out,
                "help: prove the packet first; to run it anyway, pass --override-proof REASON (journaled)"
            )?;
            Ok(None)
        }
        Some(reason) => {
            writeln!(out, "WARNING: proof overridden ({reason}): {problem}")?;
            let record = match &standing {
                // A failed proof's fingerprint is still the clone's; a stale one's may be
                // outdated, and comparing with it errs on the side of stopping.
                Standing::Stale(r, _) | Standing::NotProven(r) => Some((**r).clone()),
                _ => None,
            };
            Ok(Some(Proven {
                record,
                overridden: Some((reason.to_owned(), problem)),
            }))
        }
    }
}

/// What comparing the target with the proof decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaVerdict {
    /// Go on (equal, or equal but for cosmetic rendering).
    Proceed,
    /// Stop before any step: the target's schema is not the proven one (or could not be read).
    Stop(String),
}

/// Judge the catalog query's output from the target (psql's stdout through the channel)
/// against the proof's fingerprint, printing the outcome: one line when equal or cosmetic, a
/// per-object diff when different. Returns the verdict and the journal's summary.
pub fn judge_schema(
    proven: &Fingerprint,
    stdout: &str,
    out: &mut dyn Write,
) -> Result<(SchemaVerdict, SchemaDetail), Error> {
    let (version, items) = match catalog::parse(stdout) {
        Ok(v) => v,
        Err(e) => {
            writeln!(out, "FAILED: {e}")?;
            return Ok((
                SchemaVerdict::Stop(format!(
                    "the target's schema fingerprint could not be read: {e}"
                )),
                SchemaDetail {
                    result: Some("unreadable".to_owned()),
                    error: Some(e.to_string()),
                    ..SchemaDetail::default()
                },
            ));
        }
    };
    let target = Fingerprint::from_items(&proven.roots, &items);
    let server = crate::fingerprint::cmd::version_text(version);
    let summary = |result: &str, objects: &[String]| SchemaDetail {
        result: Some(result.to_owned()),
        server_version: Some(server.clone()),
        target_sha256: Some(target.sha256.clone()),
        proven_sha256: Some(proven.sha256.clone()),
        objects: Some(objects.to_vec()),
        error: None,
    };
    match compare(proven, &target) {
        Comparison::Equal => {
            writeln!(
                out,
                "ok: identical to the proven clone ({} objects, sha256:{}; PostgreSQL {server})",
                target.objects.len(),
                target.sha256
            )?;
            Ok((SchemaVerdict::Proceed, summary("equal", &[])))
        }
        Comparison::Cosmetic(names) => {
            writeln!(
                out,
                "ok: the same as the proven clone but for cosmetic rendering of {} ({} objects, sha256:{}; PostgreSQL {server})",
                names.join(", "),
                target.objects.len(),
                target.sha256
            )?;
            Ok((SchemaVerdict::Proceed, summary("cosmetic", &names)))
        }
        Comparison::Different(diffs) => {
            let names: Vec<String> = diffs.iter().map(|d| d.object.clone()).collect();
            writeln!(
                out,
                "DIFFERENT: {} object(s) differ from the proven clone: {}",
                diffs.len(),
                names.join(", ")
            )?;
            for d in &diffs {
                out.write_all(d.diff.as_bytes())?;
            }
            Ok((
                SchemaVerdict::Stop(format!(
                    "the target's schema differs from the proven clone in {}; no step was run",
                    names.join(", ")
                )),
                summary("different", &names),
            ))
        }
    }
}
