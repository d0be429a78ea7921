//! `packetc lint` and `packetc rule` (in progress).

use std::io::Write;

use crate::cli::{LintArgs, RuleArgs};
use crate::diag::{Error, Status};

/// Run `packetc lint`.
pub fn run(_args: &LintArgs, _out: &mut dyn Write) -> Result<Status, Error> {
    Err(Error::input("packetc lint is not built yet", "see the open issues"))
}

/// Run `packetc rule`.
pub fn rule(_args: &RuleArgs, _out: &mut dyn Write) -> Result<Status, Error> {
    Err(Error::input("packetc rule is not built yet", "see the open issues"))
}
