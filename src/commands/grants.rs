//! `packetc grants`: print the one-time role script for a DBA.

use crate::cli::GrantsArgs;
use crate::diag::{Error, Status};
use crate::output::Printer;

/// Run `packetc grants`.
pub fn run(args: &GrantsArgs, p: &mut Printer) -> Result<Status, Error> {
    let loaded = crate::packet::load(&args.packet)?;
    match crate::grants::script(&loaded) {
        Some(s) => {
            p.results().write_all(s.as_bytes())?;
            Ok(Status::Clean)
        }
        None => Err(Error::input(
            format!(
                "packet {} names no role: its steps run as the connecting user",
                loaded.packet.name
            ),
            "add `run_as: {role: NAME, protected_tables: [...]}` to packet.yaml (docs/spec.md)",
        )),
    }
}
