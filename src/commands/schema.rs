//! `packetc schema`: print a JSON Schema (packet.yaml or the policy).

use crate::cli::SchemaArgs;
use crate::diag::{Error, Status};
use crate::output::Printer;

/// Run `packetc schema`.
pub fn run(args: &SchemaArgs, p: &mut Printer) -> Result<Status, Error> {
    p.results()
        .write_all(crate::schema::schema_json(args.kind.into()).as_bytes())?;
    Ok(Status::Clean)
}
