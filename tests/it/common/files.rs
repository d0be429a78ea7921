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

/// Every `*.sql` file under `dir` (recursively, sorted), appended to `out`; nothing for a
/// directory that cannot be read.
pub fn sql_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = fs::read_dir(dir) else {
        return;
    };
    let mut v: Vec<PathBuf> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
    v.sort();
    for p in v {
        if p.is_dir() {
            sql_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "sql") {
            out.push(p);
        }
    }
}
