//! `packetc plan` (in progress).

use std::io::Write;

use crate::cli::PlanArgs;
use crate::diag::{Error, Status};

/// Run `packetc plan`.
pub fn run(_args: &PlanArgs, _out: &mut dyn Write) -> Result<Status, Error> {
    Err(Error::input("packetc plan is not built yet", "see the open issues"))
}
