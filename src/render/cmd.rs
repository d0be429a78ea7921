//! `packetc render` (in progress).

use std::io::Write;

use crate::cli::RenderArgs;
use crate::diag::{Error, Status};

/// Run `packetc render`.
pub fn run(_args: &RenderArgs, _out: &mut dyn Write) -> Result<Status, Error> {
    Err(Error::input("packetc render is not built yet", "see the open issues"))
}
