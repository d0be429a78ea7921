//! Which files `packetc lint PATH...` reads: ripgrep's walker (the `ignore` crate).
//!
//! A file named on the command line is always linted. A directory is walked with the rules a
//! developer expects from ripgrep: `.gitignore` / `.ignore` / `.git/info/exclude` are honoured
//! (in or out of a git repository), hidden entries and vendored directories (`node_modules`,
//! `vendor`, `target`) are skipped, `--exclude GLOB` (gitignore syntax, relative to the walked
//! directory) drops more, symbolic links are followed with loop detection (a loop is a note,
//! never a hang), and `*.sql` matches in any case (`*.SQL`).
//!
//! Clone fixtures (`fixture/` next to a `packet.yaml`) rebuild protected tables on a throwaway
//! database by design — they are not packet scripts — so a walk skips them with a note; naming
//! such a file lints it.

use std::path::{Path, PathBuf};

use ignore::overrides::OverrideBuilder;
use ignore::WalkBuilder;

use crate::diag::Error;

/// Directory names never descended into (dependencies and build output, not your SQL).
pub const VENDORED: &[&str] = &["node_modules", "vendor", "target", "site-packages"];

/// What a walk found.
#[derive(Debug, Default)]
pub struct Walked {
    /// The files to lint, in walk order (sorted by name within each directory).
    pub files: Vec<PathBuf>,
    /// What was skipped on purpose and why (for the report).
    pub notes: Vec<String>,
    /// Entries that could not be read (exit 2 after the report).
    pub errors: Vec<Error>,
}

/// Whether `dir` is a packet's clone-fixture directory.
fn is_fixture_dir(dir: &Path) -> bool {
    dir.file_name().is_some_and(|n| n == "fixture")
        && dir
            .parent()
            .is_some_and(|p| p.join(crate::packet::SPEC_FILE).is_file())
}

/// Whether a file name is a SQL script (`.sql` in any case).
#[must_use]
pub fn is_sql(path: &Path) -> bool {
    path.extension()
        .is_some_and(|x| x.eq_ignore_ascii_case("sql"))
}

/// Collect the files of `paths`. A path that does not exist is bad input (exit 2). A file
/// reached twice (named twice, or through a symbolic link) is linted once, under the first
/// name it was reached by.
pub fn collect(paths: &[PathBuf], excludes: &[String]) -> Result<Walked, Error> {
    let mut w = Walked::default();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| Error::io(p, &e))?;
        if meta.is_dir() {
            walk_dir(p, excludes, &mut w)?;
        } else {
            w.files.push(p.clone());
        }
    }
    let mut seen = std::collections::HashSet::new();
    w.files
        .retain(|f| seen.insert(f.canonicalize().unwrap_or_else(|_| f.clone())));
    Ok(w)
}

fn walk_dir(root: &Path, excludes: &[String], w: &mut Walked) -> Result<(), Error> {
    let mut ov = OverrideBuilder::new(root);
    for g in excludes {
        ov.add(&format!("!{g}")).map_err(|e| {
            Error::input(
                format!("--exclude {g}: {e}"),
                "write a gitignore-style glob, e.g. --exclude 'migrations/old/**'",
            )
        })?;
    }
    let ov = ov
        .build()
        .map_err(|e| Error::input(format!("--exclude: {e}"), "check the --exclude globs"))?;
    let mut fixtures: Vec<(PathBuf, usize)> = Vec::new();
    let walker = WalkBuilder::new(root)
        .hidden(true)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .require_git(false)
        .follow_links(true)
        .overrides(ov)
        .sort_by_file_name(std::cmp::Ord::cmp)
        .filter_entry(|e| {
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            !(is_dir
                && e.depth() > 0
                && e.file_name()
                    .to_str()
                    .is_some_and(|n| VENDORED.contains(&n)))
        })
        .build();
    let mut skip_under: Option<PathBuf> = None;
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                match loop_of(&err) {
                    Some((child, ancestor)) => w.notes.push(format!(
                        "skipped {}: a symbolic link loop back to {}",
                        child.display(),
                        ancestor.display()
                    )),
                    None => w.errors.push(Error::input(
                        err.to_string(),
                        "check the permissions, or --exclude the entry",
                    )),
                }
                continue;
            }
        };
        let path = entry.path();
        let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
        if let Some(s) = &skip_under {
            if path.starts_with(s) {
                if !is_dir && is_sql(path) {
                    if let Some(last) = fixtures.last_mut() {
                        last.1 += 1;
                    }
                }
                continue;
            }
            skip_under = None;
        }
        if is_dir {
            if entry.depth() > 0 && is_fixture_dir(path) {
                skip_under = Some(path.to_path_buf());
                fixtures.push((path.to_path_buf(), 0));
            }
            continue;
        }
        if is_sql(path) {
            w.files.push(path.to_path_buf());
        }
    }
    for (dir, n) in fixtures.into_iter().filter(|(_, n)| *n > 0) {
        w.notes.push(format!(
            "skipped {n} clone fixture file(s) in {}/ (test-only: they rebuild protected tables on a throwaway clone); name a file to lint it",
            dir.display()
        ));
    }
    Ok(())
}

/// The (child, ancestor) of a symlink-loop error, through the crate's wrappers.
fn loop_of(err: &ignore::Error) -> Option<(&Path, &Path)> {
    match err {
        ignore::Error::Loop { ancestor, child } => Some((child, ancestor)),
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => loop_of(err),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(w: &Walked, root: &Path) -> Vec<String> {
        w.files
            .iter()
            .map(|f| f.strip_prefix(root).unwrap_or(f).display().to_string())
            .collect()
    }

    #[test]
    fn honours_gitignore_hidden_vendored_exclude_and_case() {
        let d = tempfile::tempdir().expect("tmp");
        let r = d.path();
        for f in [
            "a.sql",
            "B.SQL",
            "notes.txt",
            "gen/x.sql",
            ".hidden/h.sql",
            "node_modules/pkg/n.sql",
            "old/o.sql",
            "keep/k.sql",
        ] {
            let p = r.join(f);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, "SELECT 1;\n").expect("write");
        }
        std::fs::write(r.join(".gitignore"), "gen/\n").expect("write");
        let w = collect(&[r.to_path_buf()], &["old/**".into()]).expect("walk");
        assert_eq!(names(&w, r), ["B.SQL", "a.sql", "keep/k.sql"]);
        // Named explicitly, an ignored file is linted.
        let w = collect(&[r.join("gen/x.sql")], &[]).expect("walk");
        assert_eq!(w.files.len(), 1);
    }

    #[test]
    fn fixtures_are_skipped_with_a_note() {
        let d = tempfile::tempdir().expect("tmp");
        let p = d.path().join("packets/p");
        std::fs::create_dir_all(p.join("fixture")).expect("mkdir");
        std::fs::create_dir_all(p.join("sql")).expect("mkdir");
        std::fs::write(p.join("packet.yaml"), "x").expect("write");
        std::fs::write(p.join("fixture/schema.sql"), "x").expect("write");
        std::fs::write(p.join("sql/a.sql"), "x").expect("write");
        let w = collect(&[d.path().join("packets")], &[]).expect("walk");
        assert_eq!(names(&w, d.path()), ["packets/p/sql/a.sql"]);
        assert_eq!(w.notes.len(), 1, "{:?}", w.notes);
        assert!(w.notes[0].contains("1 clone fixture"), "{:?}", w.notes);
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_end() {
        let d = tempfile::tempdir().expect("tmp");
        let a = d.path().join("a");
        std::fs::create_dir_all(a.join("b")).expect("mkdir");
        std::fs::write(a.join("b/x.sql"), "SELECT 1;\n").expect("write");
        std::os::unix::fs::symlink(&a, a.join("b/up")).expect("link");
        std::os::unix::fs::symlink(a.join("b"), a.join("down")).expect("link");
        let w = collect(std::slice::from_ref(&a), &[]).expect("walk");
        assert!(!w.files.is_empty());
        assert!(w.notes.iter().any(|n| n.contains("loop")), "{:?}", w.notes);
        assert!(w.errors.is_empty());
    }
}
