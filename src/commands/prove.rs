//! `packetc prove`: run a packet's steps on a scratch clone and report expected vs observed;
//! the run is recorded in proof.json.

use crate::cli::ProveArgs;
use crate::diag::{Error, Status};
use crate::output::Printer;

/// Run `packetc prove`.
pub fn run(args: &ProveArgs, p: &mut Printer) -> Result<Status, Error> {
    let loaded = crate::packet::load(&args.packet)?;
    let rendered = crate::render::render(&loaded)?;
    let drifts = crate::check::drift(&loaded.sql_dir(), &rendered)?;
    if !drifts.is_empty() {
        writeln!(p.results(), "the committed scripts differ from the spec; run `packetc check {}` to see how, then `packetc render`", loaded.dir.display())?;
        return Ok(Status::Failed);
    }
    let fixture = crate::prove::Fixture::locate(&loaded)?;
    let scripts = rendered.into_iter().map(|s| s.text).collect();
    let inputs = crate::proof::current_inputs(&loaded)?;
    let outcome = crate::prove::prove(&loaded, scripts, &fixture, args.database_url.as_deref())?;
    p.results()
        .write_all(crate::prove::report::render(&outcome.header, &outcome.scenarios).as_bytes())?;
    let scenarios = outcome.scenarios.clone();
    if let Some(line) = scenarios
        .iter()
        .flat_map(|s| &s.lines)
        .find(|l| l.what == crate::prove::mutants::GUARDS_LINE)
    {
        writeln!(
            p.results(),
            "{} {}",
            line.observed,
            crate::prove::mutants::GUARDS_LINE
        )?;
    }
    crate::proof::record_run(&loaded, inputs, outcome, p.progress())?;
    Ok(if scenarios.iter().all(crate::prove::Scenario::passed) {
        Status::Clean
    } else {
        Status::Failed
    })
}
