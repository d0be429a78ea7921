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
        let mut builder = tempfile::Builder::new();
        builder.prefix(".packetc-").suffix(".tmp");
        // A written file gets the mode any new file gets (0666 less the umask), not the 0600
        // of a temporary file: the scripts are committed and read by others.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(fs::Permissions::from_mode(0o666));
        }
        let mut tmp = builder.tempfile_in(dir).map_err(|e| Error::io(dir, &e))?;
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

#[cfg(test)]
mod tests {
    #[cfg(unix)]
    #[test]
    fn written_files_get_the_umask_mode_not_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("a.sql");
        super::write_all_atomic(&[(path.clone(), "SELECT 1;\n".into())]).expect("write");
        // What a plain create gives under the current umask.
        let probe = dir.path().join("probe");
        std::fs::write(&probe, "").expect("probe");
        let want = std::fs::metadata(&probe)
            .expect("meta")
            .permissions()
            .mode()
            & 0o777;
        let got = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(got, want, "{got:o} vs {want:o}");
        assert_ne!(got, 0o600, "umask 077 would make this test meaningless");
    }
}
