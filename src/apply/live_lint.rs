//! Before the lock: the committed scripts are linted once more, schema-aware with the **live**
//! target's catalog, read through the channel in a `READ ONLY` transaction
//! ([`crate::lint::catalog`]). The precheck linted them with the fixture; a dependent of a
//! protected table that exists on the live database but not in the fixture (an index, a trigger
//! function, a foreign key added there) is protected too. Findings, or a catalog that cannot be
//! read, stop the run before any step.

use super::precheck::Committed;
use super::record::Outcome;
use super::sequence::Apply;
use crate::diag::{Error, Status};
use crate::lint::catalog;
use crate::lint::schema::Dependent;

/// Whether `d` is among `known` (a schema written in one source and not the other still matches).
fn known(d: &Dependent, known: &[Dependent]) -> bool {
    known.iter().any(|k| {
        k.kind == d.kind
            && k.name == d.name
            && k.table == d.table
            && k.on == d.on
            && match (&k.schema, &d.schema) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    })
}

impl Apply<'_> {
    /// `Ok(Err(status))`: stop with that status.
    pub(super) fn live_lint(&mut self, all: &[&Committed]) -> Result<Result<(), Status>, Error> {
        write!(self.out, "lint: the live catalog through the channel ... ")?;
        self.out.flush()?;
        let finished = match self.catalog_read(&catalog::script(), "the live catalog")? {
            Ok(f) => f,
            Err(status) => return Ok(Err(status)),
        };
        let snapshot = if finished.success() {
            catalog::parse(&finished.stdout)
        } else {
            Err(format!(
                "{}: {}",
                finished.status_text(),
                finished.stderr.trim_end()
            ))
        };
        let snapshot = match snapshot {
            Ok(s) => s,
            Err(e) => {
                // Fail closed: without the live catalog the scripts are not proven safe there.
                writeln!(self.out, "FAILED")?;
                let why = format!("the live catalog could not be read ({e}); no step was run");
                writeln!(self.out, "stopped: {why}")?;
                return Ok(Err(self.finish(Outcome::Stopped, &why)?));
            }
        };
        let live = self.policy.clone().with_edges(&snapshot.edges);
        let extra = live
            .dependents
            .iter()
            .filter(|d| !known(d, &self.policy.dependents))
            .count();
        let mut linted = Vec::new();
        for c in all {
            let name = c.path.display().to_string();
            let ctx = crate::check::step_context(self.loaded, &c.step);
            let (text, findings) = crate::lint::lint_bytes(&name, &c.bytes, &live, Some(&ctx));
            if !findings.is_empty() {
                linted.push((name, text, findings));
            }
        }
        let counted = format!(
            "{} dependents of protected tables in database {}, {extra} of them not in the fixture",
            live.dependents.len(),
            snapshot.database
        );
        if linted.is_empty() {
            writeln!(self.out, "ok: {counted}; the scripts lint clean")?;
            return Ok(Ok(()));
        }
        let n: usize = linted.iter().map(|(_, _, f)| f.len()).sum();
        writeln!(self.out, "{n} finding(s) ({counted})")?;
        crate::lint::write_report(
            self.out,
            &crate::lint::Report::findings_only("apply", linted),
            crate::lint::Format::Human,
        )?;
        let why = format!(
            "the committed scripts have {n} lint finding(s) against the live catalog of {}; no step was run",
            snapshot.database
        );
        writeln!(self.out, "stopped: {why}")?;
        Ok(Err(self.finish(Outcome::Stopped, &why)?))
    }
}
