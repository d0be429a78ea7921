//! `packetc status`: the journal history next to the live state ([`crate::apply::status`]);
//! every line it prints is a result.

use crate::cli::StatusArgs;
use crate::diag::{Error, Status};
use crate::output::Printer;

/// Run `packetc status`.
pub fn run(args: &StatusArgs, p: &mut Printer) -> Result<Status, Error> {
    crate::apply::status::run(&args.into(), p.results())
}
