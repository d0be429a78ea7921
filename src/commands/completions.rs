//! `packetc completions SHELL` and `packetc man`: print (or write) what
//! [`crate::completions`] generates from the clap definition.

use std::path::Path;

use crate::cli::{CompletionsArgs, ManArgs};
use crate::diag::{Error, Status};
use crate::output::Printer;

/// Run `packetc completions SHELL`.
pub fn completions(args: &CompletionsArgs, p: &mut Printer) -> Result<Status, Error> {
    p.results()
        .write_all(&crate::completions::completion_script(args.shell))?;
    Ok(Status::Clean)
}

/// Run `packetc man`: print packetc.1, or write every page into `--dir`.
pub fn man(args: &ManArgs, p: &mut Printer) -> Result<Status, Error> {
    let pages = crate::completions::man_pages()?;
    let Some(dir) = &args.dir else {
        if let Some((_, page)) = pages.first() {
            p.results().write_all(page)?;
        }
        return Ok(Status::Clean);
    };
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, &e))?;
    let files: Vec<_> = pages
        .into_iter()
        .map(|(name, page)| {
            let text = String::from_utf8_lossy(&page).into_owned();
            (dir.join(name), text)
        })
        .collect();
    crate::fsio::write_all_atomic(&files)?;
    for (path, _) in &files {
        writeln!(p.progress(), "wrote {}", Path::new(path).display())?;
    }
    Ok(Status::Clean)
}
