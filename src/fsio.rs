//! File I/O helpers that keep the "nothing half-written" promise.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::diag::Error;

/// Read a UTF-8 text file, mapping failures to a bad-input error (exit 2).
pub fn read_text(path: &Path) -> Result<String, Error> {
    let bytes = fs::read(path).map_err(|e| Error::io(path, &e))?;
    String::from_utf8(bytes).map_err(|e| Error::Input {
        message: format!(
            "{}: not valid UTF-8 (first bad byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        ),
        help: "save the file as UTF-8".into(),
    })
}

/// Write several files so that either all of them are replaced or none is.
///
/// Every file is first written and synced to a temporary file in its own directory; only when all
/// are written are they renamed over their targets. A failure before the renames leaves every
/// target untouched (the temporary files are removed when dropped).
pub fn write_all_atomic(files: &[(PathBuf, String)]) -> Result<(), Error> {
    // A rename onto a directory is the one failure left once every temp file is written; refuse
    // it before anything is replaced.
    if let Some((path, _)) = files.iter().find(|(p, _)| p.is_dir()) {
        return Err(Error::input(
            format!(
                "{} is a directory; cannot write a script there",
                path.display()
            ),
            "move the directory out of the way",
        ));
    }
    let mut staged = Vec::with_capacity(files.len());
    for (path, contents) in files {
        let dir = path.parent().unwrap_or_else(|| Path::new("."));
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, &e))?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".packetc-")
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|e| Error::io(dir, &e))?;
        tmp.write_all(contents.as_bytes())
            .and_then(|()| tmp.as_file().sync_all())
            .map_err(|e| Error::io(tmp.path(), &e))?;
        staged.push((tmp, path));
    }
    for (tmp, path) in staged {
        tmp.persist(path).map_err(|e| Error::io(path, &e.error))?;
    }
    Ok(())
}
