//! `packetc render`: write the four scripts into PACKET/sql/, all or nothing.

use crate::cli::RenderArgs;
use crate::diag::{Error, Status};
use crate::output::Printer;

/// Run `packetc render`.
pub fn run(args: &RenderArgs, p: &mut Printer) -> Result<Status, Error> {
    let loaded = crate::packet::load(&args.packet)?;
    let scripts = crate::render::render(&loaded)?;
    let dir = loaded.sql_dir();
    let files: Vec<_> = scripts
        .iter()
        .map(|s| (dir.join(&s.file_name), s.text.clone()))
        .collect();
    crate::fsio::write_all_atomic(&files)?;
    for (path, _) in &files {
        writeln!(p.progress(), "wrote {}", path.display())?;
    }
    Ok(Status::Clean)
}
