//! `packetc apply`: the sequence is [`crate::apply`]'s (its module doc walks it); this hands it
//! the printer. `apply` narrates as it goes (each step's outcome is a result the operator
//! needs), so only its policy line is progress.

use crate::cli::ApplyArgs;
use crate::diag::{Error, Status};
use crate::output::Printer;

/// Run `packetc apply`.
pub fn run(args: &ApplyArgs, p: &mut Printer) -> Result<Status, Error> {
    crate::apply::run(&args.into(), p)
}
