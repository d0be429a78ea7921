//! `packetc plan`: print a packet's step table.

use crate::cli::{PlanArgs, PlanFormat};
use crate::diag::{Error, Status};
use crate::output::Printer;

/// Run `packetc plan`.
pub fn run(args: &PlanArgs, p: &mut Printer) -> Result<Status, Error> {
    let loaded = crate::packet::load(&args.packet)?;
    let rendered = match args.format {
        PlanFormat::Text => crate::plan::text(&loaded.packet),
        PlanFormat::Markdown => crate::plan::markdown(&loaded.packet),
    };
    p.results().write_all(rendered.as_bytes())?;
    Ok(Status::Clean)
}
