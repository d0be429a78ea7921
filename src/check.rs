//! `packetc check` (in progress).

use std::io::Write;

use crate::cli::CheckArgs;
use crate::diag::{Error, Status};

/// Run `packetc check`.
pub fn run(_args: &CheckArgs, _out: &mut dyn Write) -> Result<Status, Error> {
    Err(Error::input("packetc check is not built yet", "see the open issues"))
}
