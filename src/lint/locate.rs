//! Which policy applies to a file, and how outputs name it.
//!
//! The policy of a linted file is found from the file's own directory upward (the nearest
//! `packets/policy.yaml`), never from the current directory, so the same file gets the same
//! policy whoever runs packetc from wherever. `--policy FILE` overrides the search for every
//! file; when nothing is found the built-in policy applies and outputs say so. Every policy is
//! identified by where it came from and the sha256 of its bytes ([`ResolvedPolicy`]), and every
//! output format names it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diag::Error;
use crate::lint::policy::{Policy, BUILTIN_YAML};

/// How every line naming a policy starts (`--quiet` drops these lines with the other progress
/// lines; machine formats carry the policy in their own fields).
pub const POLICY_LINE_PREFIX: &str = "policy: ";

/// The file the search looks for in each ancestor directory.
pub const POLICY_FILE: &str = "packets/policy.yaml";

/// Where a policy came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// `--policy FILE`.
    Explicit(PathBuf),
    /// The nearest `packets/policy.yaml` above the linted file (canonical path).
    Found(PathBuf),
    /// No policy file above the linted file: the policy compiled into packetc.
    Builtin,
}

/// A loaded policy with its identity: origin, the path as shown, and the sha256 of its text.
#[derive(Debug, Clone)]
pub struct ResolvedPolicy {
    /// The validated policy.
    pub policy: Policy,
    /// Where it came from.
    pub origin: Origin,
    /// The path as printed (relative to the current directory when below it), or
    /// `<built-in>`.
    pub display: String,
    /// Lowercase hex sha256 of the policy text (the built-in text for the built-in policy).
    pub sha256: String,
}

impl ResolvedPolicy {
    /// The built-in policy.
    #[must_use]
    pub fn builtin() -> ResolvedPolicy {
        ResolvedPolicy {
            policy: Policy::builtin(),
            origin: Origin::Builtin,
            display: "<built-in>".into(),
            sha256: crate::packet::sha256_hex(BUILTIN_YAML.as_bytes()),
        }
    }

    /// Load a policy file (exit 2 when it cannot be read or is invalid).
    pub fn load(path: &Path, origin: Origin) -> Result<ResolvedPolicy, Error> {
        let display = display_path(path);
        let text = crate::fsio::read_text(path)?;
        let policy = Policy::from_yaml(&display, &text)?;
        Ok(ResolvedPolicy {
            policy,
            origin,
            display,
            sha256: crate::packet::sha256_hex(text.as_bytes()),
        })
    }

    /// Whether this is the built-in policy.
    #[must_use]
    pub fn is_builtin(&self) -> bool {
        self.origin == Origin::Builtin
    }

    /// How it was chosen, in a few words: `--policy`, `found above the file`, `built-in`.
    #[must_use]
    pub fn how(&self) -> &'static str {
        match self.origin {
            Origin::Explicit(_) => "--policy",
            Origin::Found(_) => "nearest packets/policy.yaml",
            Origin::Builtin => "built-in: no packets/policy.yaml above the file",
        }
    }

    /// One line naming the policy, the same in every human-facing output:
    /// `policy: packets/policy.yaml (sha256 ab12…, nearest packets/policy.yaml)`.
    #[must_use]
    pub fn line(&self) -> String {
        format!(
            "policy: {} (sha256 {}; {})",
            self.display,
            self.sha256,
            self.how()
        )
    }
}

/// Finds the policy of each file, loading each policy file once.
#[derive(Debug)]
pub struct PolicyFinder {
    explicit: Option<Arc<ResolvedPolicy>>,
    by_dir: HashMap<PathBuf, Arc<ResolvedPolicy>>,
    by_file: HashMap<PathBuf, Arc<ResolvedPolicy>>,
    builtin: Option<Arc<ResolvedPolicy>>,
    /// Every distinct policy handed out, in first-use order.
    used: Vec<Arc<ResolvedPolicy>>,
}

impl PolicyFinder {
    /// A finder; with `explicit` (`--policy FILE`) that file applies to everything.
    pub fn new(explicit: Option<&Path>) -> Result<PolicyFinder, Error> {
        let explicit = match explicit {
            Some(p) => Some(Arc::new(ResolvedPolicy::load(
                p,
                Origin::Explicit(p.to_path_buf()),
            )?)),
            None => None,
        };
        Ok(PolicyFinder {
            explicit,
            by_dir: HashMap::new(),
            by_file: HashMap::new(),
            builtin: None,
            used: Vec::new(),
        })
    }

    /// The policy of `path` (a file, or a directory such as a packet's): `--policy`, else the
    /// nearest `packets/policy.yaml` from the path's own directory upward, else the built-in.
    pub fn for_path(&mut self, path: &Path) -> Result<Arc<ResolvedPolicy>, Error> {
        let found = match &self.explicit {
            Some(p) => p.clone(),
            None => self.search(path)?,
        };
        if !self.used.iter().any(|u| Arc::ptr_eq(u, &found)) {
            self.used.push(found.clone());
        }
        Ok(found)
    }

    /// Every distinct policy returned so far, in first-use order (what outputs name).
    #[must_use]
    pub fn used(&self) -> &[Arc<ResolvedPolicy>] {
        &self.used
    }

    fn search(&mut self, path: &Path) -> Result<Arc<ResolvedPolicy>, Error> {
        let start = start_dir(path);
        if let Some(p) = self.by_dir.get(&start) {
            return Ok(p.clone());
        }
        let candidate = start
            .ancestors()
            .map(|d| d.join(POLICY_FILE))
            .find(|c| c.is_file());
        let policy = match candidate {
            Some(file) => {
                let file = file.canonicalize().unwrap_or(file);
                match self.by_file.get(&file) {
                    Some(p) => p.clone(),
                    None => {
                        let p = Arc::new(ResolvedPolicy::load(&file, Origin::Found(file.clone()))?);
                        self.by_file.insert(file, p.clone());
                        p
                    }
                }
            }
            None => self
                .builtin
                .get_or_insert_with(|| Arc::new(ResolvedPolicy::builtin()))
                .clone(),
        };
        self.by_dir.insert(start, policy.clone());
        Ok(policy)
    }
}

/// The canonical directory the search starts from: the path itself when it is a directory,
/// else its parent (the current directory for a bare file name).
fn start_dir(path: &Path) -> PathBuf {
    let dir = if path.is_dir() {
        path.to_path_buf()
    } else {
        match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    };
    dir.canonicalize()
        .or_else(|_| std::path::absolute(&dir))
        .unwrap_or(dir)
}

/// A path as printed: relative to the current directory (`../policy.yaml` from a
/// subdirectory), or absolute when the two share nothing but the root.
#[must_use]
pub fn display_path(path: &Path) -> String {
    let canon = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let Ok(cwd) = std::env::current_dir().and_then(|c| c.canonicalize()) else {
        return path.display().to_string();
    };
    relative(&canon, &cwd).unwrap_or_else(|| canon.display().to_string())
}

/// `target` relative to `base` (both absolute), when they share more than the root.
fn relative(target: &Path, base: &Path) -> Option<String> {
    let t: Vec<_> = target.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = t.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common <= 1 {
        return None;
    }
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c);
    }
    Some(out.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn found_from_the_files_directory_not_the_current_one() {
        let root = tempfile::tempdir().expect("tmp");
        let repo = root.path().join("repo");
        std::fs::create_dir_all(repo.join("packets/p/sql")).expect("mkdir");
        std::fs::write(
            repo.join(POLICY_FILE),
            "version: 1\nprotected_tables:\n  - table: t\n    reason: r\n",
        )
        .expect("write");
        let file = repo.join("packets/p/sql/a.sql");
        std::fs::write(&file, "SELECT 1;\n").expect("write");
        let other = root.path().join("elsewhere/b.sql");
        std::fs::create_dir_all(other.parent().expect("parent")).expect("mkdir");
        let mut finder = PolicyFinder::new(None).expect("finder");
        let p = finder.for_path(&file).expect("policy");
        assert!(matches!(p.origin, Origin::Found(_)), "{p:?}");
        assert_eq!(p.policy.tables.len(), 1);
        let again = finder.for_path(&repo.join("packets/p")).expect("policy");
        assert!(Arc::ptr_eq(&p, &again));
        let none = finder.for_path(&other).expect("policy");
        assert!(none.is_builtin());
        assert_eq!(finder.used().len(), 2);
        assert_eq!(
            none.sha256,
            crate::packet::sha256_hex(BUILTIN_YAML.as_bytes())
        );
    }

    #[test]
    fn relative_paths_climb_with_dot_dot() {
        let r = |t: &str, b: &str| relative(Path::new(t), Path::new(b));
        assert_eq!(r("/a/b/p.yaml", "/a/b").as_deref(), Some("p.yaml"));
        assert_eq!(
            r("/a/b/p.yaml", "/a/b/c/d").as_deref(),
            Some("../../p.yaml")
        );
        assert_eq!(r("/x/p.yaml", "/a/b"), None);
    }

    #[test]
    fn explicit_policy_wins() {
        let dir = tempfile::tempdir().expect("tmp");
        let pol = dir.path().join("mine.yaml");
        std::fs::write(&pol, "version: 1\n").expect("write");
        let mut finder = PolicyFinder::new(Some(&pol)).expect("finder");
        let p = finder.for_path(Path::new("packets/x.sql")).expect("policy");
        assert!(matches!(p.origin, Origin::Explicit(_)));
        assert!(p.policy.tables.is_empty());
        assert!(p.line().contains("--policy"), "{}", p.line());
    }
}
