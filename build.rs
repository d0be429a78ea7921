//! Build script: record the git commit for `packetc --version`.
//!
//! A build from a source tarball (no `.git`, or no `git` on PATH) must still compile, so every
//! failure falls back to `unknown` instead of failing the build; git is only asked when this
//! package's own directory is a checkout, so a tarball unpacked inside some other repository
//! does not report that repository's commit. `PACKETC_GIT_COMMIT` set in the environment wins
//! (for packagers who build outside the checkout).

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=PACKETC_GIT_COMMIT");
    // `.git` is a directory in a clone and a file in a `git worktree`.
    let checkout = Path::new(".git").exists();
    if checkout {
        // Re-run on a branch switch (HEAD changes). Deliberately not on every commit (the branch
        // ref): that would recompile the whole crate after each commit for everyone working in
        // the tree. A fresh clone (CI, a release build) always records the exact commit; in a
        // long-lived checkout `cargo clean -p packetc` refreshes it.
        if let Some(path) = git(&["rev-parse", "--git-path", "HEAD"]) {
            // Only an existing file: cargo treats a missing one as always changed.
            if Path::new(&path).exists() {
                println!("cargo:rerun-if-changed={path}");
            }
        }
    }
    let commit = std::env::var("PACKETC_GIT_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| {
            checkout
                .then(|| git(&["rev-parse", "--short", "HEAD"]))
                .flatten()
                .filter(|h| h.chars().all(|c| c.is_ascii_hexdigit()))
        })
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=PACKETC_GIT_COMMIT={commit}");
}

/// The trimmed stdout of a successful `git ARGS`; `None` when git is missing or fails. (No
/// `-dirty` suffix on the commit: it would need a rebuild on every edit of any file.)
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (!text.is_empty()).then_some(text)
}
