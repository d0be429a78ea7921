//! Before step 0: journal a proof override, then read the target's schema fingerprint through
//! the channel (a read-only catalog query) and compare it with the proof's
//! ([`crate::proof::gate`]). Equal or cosmetic: go on. Different: stop, no step run.

use super::record::{Outcome, ProofOverride, Record, SchemaCheck, SchemaDetail};
use super::sequence::Apply;
use crate::diag::{Error, Status};
use crate::proof::gate::{judge_schema, SchemaVerdict};

impl Apply<'_> {
    /// Journal an overridden proof (right after the start record, before anything is sent).
    pub(super) fn journal_proof_override(&mut self) {
        if let Some((reason, problem)) = &self.proven.overridden {
            let record = Record::ProofOverride(ProofOverride {
                reason: reason.clone(),
                problem: problem.clone(),
            });
            self.log(record);
        }
    }

    /// `Ok(Err(status))`: stop with that status.
    pub(super) fn schema_gate(&mut self) -> Result<Result<(), Status>, Error> {
        let Some(record) = &self.proven.record else {
            writeln!(
                self.out,
                "schema: not compared (no proof record; overridden)"
            )?;
            return Ok(Ok(()));
        };
        let fingerprint = record.fingerprint.clone();
        write!(self.out, "schema: fingerprint through the channel ... ")?;
        self.out.flush()?;
        // Bounded like every other read: catalog functions take locks too, and a session holding
        // one on a packet table must end this read at lock_timeout, not hang it.
        let script = crate::fingerprint::catalog::script(&fingerprint.roots);
        let finished = match self.catalog_read(&script, "the schema fingerprint")? {
            Ok(f) => f,
            Err(status) => return Ok(Err(status)),
        };
        if !finished.success() {
            // Not a schema difference: the comparison could not be made. Nothing was run.
            writeln!(self.out, "FAILED ({})", finished.status_text())?;
            let why = format!(
                "the schema fingerprint query failed ({}): {}; no step was run",
                finished.status_text(),
                finished.stderr.trim_end()
            );
            self.log(Record::Schema(SchemaCheck {
                result: "failed".to_owned(),
                detail: SchemaDetail {
                    error: Some(why.clone()),
                    ..SchemaDetail::default()
                },
            }));
            writeln!(self.out, "stopped: {why}")?;
            return Ok(Err(self.finish(Outcome::Stopped, &why)?));
        }
        let (verdict, summary) = judge_schema(&fingerprint, &finished.stdout, self.out)?;
        let result = summary
            .result
            .clone()
            .unwrap_or_else(|| "unknown".to_owned());
        self.log(Record::Schema(SchemaCheck {
            result,
            detail: summary,
        }));
        match verdict {
            SchemaVerdict::Proceed => Ok(Ok(())),
            SchemaVerdict::Stop(why) => {
                writeln!(self.out, "stopped: {why}")?;
                writeln!(
                    self.out,
                    "help: if the target is right, update the fixture to match it and run `packetc prove {}`",
                    self.loaded.dir.display()
                )?;
                Ok(Err(self.finish(Outcome::SchemaDiffers, &why)?))
            }
        }
    }
}
