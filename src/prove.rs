//! `packetc prove` (in progress).

use std::io::Write;

use crate::cli::ProveArgs;
use crate::diag::{Error, Status};

/// Run `packetc prove`.
pub fn run(_args: &ProveArgs, _out: &mut dyn Write) -> Result<Status, Error> {
    Err(Error::input("packetc prove is not built yet", "see the open issues"))
}
