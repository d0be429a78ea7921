//! `packetc catalog`: export a database's catalog, reading only, as the snapshot schema-aware
//! lint reads (`packetc lint --schema FILE`).

use crate::cli::CatalogArgs;
use crate::diag::{Error, Status};
use crate::fingerprint::cmd;
use crate::lint::catalog::{self, Snapshot};
use crate::output::Printer;

/// Send the catalog script (a `READ ONLY` transaction) to the local psql or the channel
/// command, and read the snapshot back. Any failure is bad input (exit 2): nothing is written
/// about a catalog that could not be read.
pub fn read(database_url: Option<&str>, channel: Option<&str>) -> Result<Snapshot, Error> {
    let (mut command, shown) = cmd::command(database_url, channel, "the catalog")?;
    let stdout = cmd::run_reading(&mut command, &catalog::script(), &shown, "the catalog")?;
    catalog::parse(&stdout).map_err(|e| {
        Error::input(
            format!("the catalog query through `{shown}` gave no answer: {e}"),
            "check that the command runs psql reading the script on stdin (… psql … -f -)",
        )
    })
}

/// Run `packetc catalog`.
pub fn run(args: &CatalogArgs, p: &mut Printer) -> Result<Status, Error> {
    let snap = read(args.database_url.as_deref(), args.channel.as_deref())?;
    match &args.output {
        Some(path) => {
            crate::fsio::write_all_atomic(&[(path.clone(), snap.to_json())])?;
            writeln!(
                p.results(),
                "wrote {}: {} (database {}, PostgreSQL {})",
                path.display(),
                snap.summary(),
                snap.database,
                cmd::version_text(snap.server_version_num)
            )?;
        }
        None => p.results().write_all(snap.to_json().as_bytes())?,
    }
    Ok(Status::Clean)
}
