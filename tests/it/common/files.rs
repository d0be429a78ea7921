//! The repository and scratch copies of parts of it.

use std::fs;
use std::path::{Path, PathBuf};

/// The repository root (tests also run with it as the current directory).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Copy the directory tree `from` to `to` (created), files and subdirectories.
pub fn copy_dir(from: &Path, to: &Path) {
    copy_dir_except(from, to, &[]);
}

/// [`copy_dir`] leaving out every directory named in `skip` (e.g. local `journal/` folders).
pub fn copy_dir_except(from: &Path, to: &Path, skip: &[&str]) {
    fs::create_dir_all(to).expect("mkdir");
    for e in fs::read_dir(from).expect("read_dir").flatten() {
        let p = e.path();
        let dest = to.join(e.file_name());
        if p.is_dir() {
            if !skip.iter().any(|s| e.file_name() == *s) {
                copy_dir_except(&p, &dest, skip);
            }
        } else {
            fs::copy(&p, &dest).expect("copy");
        }
    }
}
