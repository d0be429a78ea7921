//! Build script: record the git commit for `packetc --version`.
//!
//! A build from a source tarball (no `.git`, or no `git` on PATH) must still compile, so every
//! failure falls back to `unknown` instead of failing the build. `PACKETC_GIT_COMMIT` set in
//! the environment wins (for packagers who build outside the checkout).

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=PACKETC_GIT_COMMIT");
    let git_dir = Path::new(".git");
    if git_dir.is_dir() {
        // Rebuild when HEAD moves: HEAD itself (branch switch), the branch ref, packed refs.
        println!("cargo:rerun-if-changed=.git/HEAD");
        println!("cargo:rerun-if-changed=.git/packed-refs");
        if let Ok(head) = std::fs::read_to_string(git_dir.join("HEAD")) {
            if let Some(reference) = head.trim().strip_prefix("ref: ") {
                println!("cargo:rerun-if-changed=.git/{reference}");
            }
        }
    }
    let commit = std::env::var("PACKETC_GIT_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(git_commit)
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=PACKETC_GIT_COMMIT={commit}");
}

/// `git rev-parse --short HEAD`; `None` when git or the repository is unavailable. (No `-dirty`
/// suffix: it would need a rebuild on every edit of any file.)
fn git_commit() -> Option<String> {
    let out = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let hash = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    let plain = !hash.is_empty() && hash.chars().all(|c| c.is_ascii_hexdigit());
    plain.then_some(hash)
}
