//! `packetc apply` (in progress).

use std::io::Write;

use crate::cli::ApplyArgs;
use crate::diag::{Error, Status};

/// Run `packetc apply`.
pub fn run(_args: &ApplyArgs, _out: &mut dyn Write) -> Result<Status, Error> {
    Err(Error::input("packetc apply is not built yet", "see the open issues"))
}
