//! `packetc new NAME`: scaffold a packet directory, all or nothing.

use crate::cli::NewArgs;
use crate::diag::{Error, Status};
use crate::output::Printer;

/// Run `packetc new`.
pub fn run(args: &NewArgs, p: &mut Printer) -> Result<Status, Error> {
    if !crate::scaffold::valid_name(&args.name) {
        return Err(Error::input(
            format!("`{}` is not a usable packet name", args.name),
            "use letters, digits, - and _, starting with a letter or digit (e.g. add-feature-flags)",
        ));
    }
    let dir = args.dir.join(&args.name);
    if dir.exists() {
        return Err(Error::input(
            format!("{} already exists", dir.display()),
            "packetc new never overwrites: pick another name, or remove the directory first",
        ));
    }
    std::fs::create_dir_all(&args.dir).map_err(|e| Error::io(&args.dir, &e))?;
    // create_dir (not _all): fails if someone created it since the check above.
    std::fs::create_dir(&dir).map_err(|e| Error::io(&dir, &e))?;
    match crate::scaffold::write_packet(&args.name, args.shape.into(), &dir) {
        Ok(written) => {
            for path in &written {
                writeln!(p.progress(), "wrote {}", path.display())?;
            }
            crate::scaffold::next_steps(p.progress(), &dir)?;
            Ok(Status::Clean)
        }
        Err(e) => {
            // Leave nothing half-made behind: the directory is ours, we just created it.
            let _ = std::fs::remove_dir_all(&dir);
            Err(e)
        }
    }
}
