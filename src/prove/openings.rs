//! Fake openings of the human gate: approvals that are not the ratification the spec requires.
//!
//! Each file of `fixture/fake-openings/*.sql` is loaded (as the clone's owner, standing in for a
//! forged or mistaken human act) on a fresh clone whose gate is closed; preflight and seed must
//! then both stop on the human gate with nothing written. A `-- packetc-prove: -v NAME=VALUE`
//! line in the file overrides a variable (e.g. the operator naming a proposal nobody ratified).
//! One more opening needs no file: the real approval is deleted between preflight and seed.

use std::path::{Path, PathBuf};

use super::{expect_stop, unchanged, Prover, Scenario};
use crate::diag::Error;
use crate::observe::Report;
use crate::packet::Role;
use crate::pg::{quote_literal, quote_qualified};

const VAR_MARK: &str = "-- packetc-prove: -v ";

/// The `.sql` files of one folder of a fixture directory (`fake-openings`,
/// `broken-preconditions`), in name order (none when the folder is absent).
pub fn sql_files(fixture_dir: &Path, folder: &str) -> Result<Vec<PathBuf>, Error> {
    let dir = fixture_dir.join(folder);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| {
            Error::input(
                format!("cannot read {}: {e}", dir.display()),
                "check the fixture directory",
            )
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    out.sort();
    Ok(out)
}

/// Whether a stopped run stopped on the human gate (the approval check reports under the gate's
/// metric, as the gate does).
pub fn stopped_on_gate(report: &Report, metric: &str) -> bool {
    report.failure.as_ref().is_some_and(|f| f.names(metric))
}

/// The variables for a fake opening: the examples, overridden by the file's marker lines.
fn vars_for(pr: &Prover<'_>, text: &str) -> Vec<(String, String)> {
    let mut vars = pr.vars.clone();
    for line in text.lines() {
        let Some((name, value)) = line
            .strip_prefix(VAR_MARK)
            .and_then(|r| r.trim().split_once('='))
        else {
            continue;
        };
        match vars.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value.to_owned(),
            None => vars.push((name.to_owned(), value.to_owned())),
        }
    }
    vars
}

/// The first comment line after `-- Fake opening:`, for the scenario title.
fn describe(path: &Path, text: &str) -> String {
    let stem = path
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let what = text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("-- Fake opening:"))
        .map_or_else(String::new, |s| format!(": {}", s.trim()));
    format!("fake opening {stem}{what}")
}

fn preflight_and_seed_stop(
    sc: &mut Scenario,
    pr: &Prover<'_>,
    db: &crate::pg::Target,
    vars: &[(String, String)],
) -> Result<(), Error> {
    let metric = pr.packet.human_gate.metric.clone();
    for role in [Role::Preflight, Role::Seed] {
        let Some(step) = pr.step(role) else { continue };
        let (run, report) = pr.run(db, role, vars)?;
        expect_stop(
            sc,
            step,
            &run,
            &report,
            "the human gate stays closed",
            |r| stopped_on_gate(r, &metric),
        );
    }
    Ok(())
}

/// One scenario per fake-opening file.
pub fn fake_openings(pr: &Prover<'_>, fixture_dir: &Path) -> Result<Vec<Scenario>, Error> {
    let mut out = Vec::new();
    for path in sql_files(fixture_dir, "fake-openings")? {
        let text = crate::fsio::read_text(&path)?;
        let mut sc = Scenario::new(format!(
            "{}: preflight and seed stop, nothing written",
            describe(&path, &text)
        ));
        let db = pr.fresh(false)?;
        pr.load_file(&db, &path)?;
        let before = pr.fingerprint(&db)?;
        preflight_and_seed_stop(&mut sc, pr, &db, &vars_for(pr, &text))?;
        unchanged(
            &mut sc,
            "clone after the stopped steps",
            &before,
            &pr.fingerprint(&db)?,
        );
        out.push(sc);
    }
    Ok(out)
}

/// The approval passes preflight, then is deleted before the seed: the seed re-checks it inside
/// its transaction and stops.
pub fn approval_deleted(pr: &Prover<'_>) -> Result<Option<Scenario>, Error> {
    let Some(a) = &pr.packet.human_gate.approval else {
        return Ok(None);
    };
    let Some(value) = pr
        .vars
        .iter()
        .find(|(n, _)| *n == a.variable)
        .map(|(_, v)| v)
    else {
        return Ok(None);
    };
    let mut sc = Scenario::new(
        "approval deleted between preflight and seed: the seed re-checks it and stops, nothing written",
    );
    let db = pr.fresh(true)?;
    if let Some(step) = pr.step(Role::Preflight) {
        let (run, report) = pr.run(&db, Role::Preflight, &pr.vars)?;
        sc.check(
            run.success() && report.failure.is_none(),
            format!("step {} {} passes", step.number, step.script),
            "psql exit 0",
            super::exit_text(&run),
        );
    }
    let delete = format!(
        "DELETE FROM {} WHERE {}::text = {};",
        quote_qualified(&a.table),
        quote_qualified(&a.key_column),
        quote_literal(value)
    );
    pr.load(&db, &delete, "the approval's deletion")?;
    let before = pr.fingerprint(&db)?;
    if let Some(step) = pr.step(Role::Seed) {
        let metric = pr.packet.human_gate.metric.clone();
        let (run, report) = pr.run(&db, Role::Seed, &pr.vars)?;
        expect_stop(
            &mut sc,
            step,
            &run,
            &report,
            "the human gate stays closed",
            |r| stopped_on_gate(r, &metric),
        );
    }
    unchanged(
        &mut sc,
        "clone after the stopped seed",
        &before,
        &pr.fingerprint(&db)?,
    );
    Ok(Some(sc))
}
