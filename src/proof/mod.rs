//! The proof record, `PACKET/proof.json`: what `packetc prove` showed, on which inputs and on
//! which server, as a committed artifact that `check` and `apply` can hold the packet to.
//!
//! - **Inputs** ([`Inputs`]): sha256 of packet.yaml, of each committed script and of each
//!   fixture file. A record whose inputs differ from the files on disk is *stale*: `check` fails
//!   and `apply` refuses (unless overridden, and the override is journaled).
//! - **Result**: the verdict and every check with its expected and observed value, the servers
//!   it was proven on, and the schema fingerprint of the clone ([`crate::fingerprint`]), which
//!   `apply` compares with the target's before step 0.
//!
//! The file is deterministic: no times, durations, paths or process ids; maps are sorted. Proving
//! again with the same inputs and the same outcome on another major version adds that server to
//! `servers` (one entry per major) instead of replacing the record, so running `prove` on every
//! supported major leaves one file naming them all. Any other change replaces the record.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub mod capture;
pub mod gate;

use crate::diag::Error;
use crate::fingerprint::Fingerprint;
use crate::packet::{sha256_hex, Loaded};
use crate::prove::{Fixture, Scenario};

/// The record's file name inside the packet directory.
pub const PROOF_FILE: &str = "proof.json";
/// The record's format version.
pub const FORMAT: u32 = 1;

/// What a proof was computed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inputs {
    /// sha256 of packet.yaml.
    pub spec_sha256: String,
    /// sha256 of each committed script, by file name (sql/NAME).
    pub scripts: BTreeMap<String, String>,
    /// sha256 of each fixture file, by path inside the packet (fixture/NAME).
    pub fixture: BTreeMap<String, String>,
}

/// One check of the proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckRecord {
    pub ok: bool,
    pub what: String,
    pub expected: String,
    pub observed: String,
}

/// One scenario of the proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioRecord {
    pub title: String,
    pub checks: Vec<CheckRecord>,
}

/// A server a proof ran on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Server {
    /// Major version (13, 14, ...).
    pub major: u32,
    /// `major.minor`, as `server_version` starts.
    pub version: String,
}

/// `PACKET/proof.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofRecord {
    pub format: u32,
    pub packet: String,
    /// True when every check passed.
    pub proven: bool,
    pub inputs: Inputs,
    /// Every server this outcome was observed on, by major.
    pub servers: Vec<Server>,
    /// The clone's schema fingerprint (the objects the packet depends on).
    pub fingerprint: Fingerprint,
    pub scenarios: Vec<ScenarioRecord>,
}

/// Where a packet's record lives.
#[must_use]
pub fn path(loaded: &Loaded) -> PathBuf {
    loaded.dir.join(PROOF_FILE)
}

fn hash_file(path: &Path) -> Result<String, Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, &e))?;
    Ok(sha256_hex(&bytes))
}

/// The inputs as they are on disk now (a missing script or fixture file counts as `missing`).
pub fn current_inputs(loaded: &Loaded) -> Result<Inputs, Error> {
    let hash_or_missing = |p: &Path| -> Result<String, Error> {
        if p.exists() {
            hash_file(p)
        } else {
            Ok("missing".to_owned())
        }
    };
    let mut scripts = BTreeMap::new();
    for step in &loaded.packet.steps {
        let p = loaded.sql_dir().join(&step.script);
        scripts.insert(step.script.clone(), hash_or_missing(&p)?);
    }
    let mut fixture = BTreeMap::new();
    for name in [Fixture::SCHEMA, Fixture::GATE_OPEN] {
        let p = loaded.dir.join(name);
        fixture.insert(name.to_owned(), hash_or_missing(&p)?);
    }
    Ok(Inputs {
        spec_sha256: loaded.spec_sha256.clone(),
        scripts,
        fixture,
    })
}

/// What is wrong with a packet's proof record, if anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Present, proven, and its inputs are the files on disk.
    Fresh(Box<ProofRecord>),
    /// No proof.json.
    Missing,
    /// proof.json does not parse (or has another format).
    Unreadable(String),
    /// The recorded proof failed.
    NotProven(Box<ProofRecord>),
    /// Inputs changed since: each entry names a file and how.
    Stale(Box<ProofRecord>, Vec<String>),
}

impl Standing {
    /// One line for humans: what is wrong and what to run.
    #[must_use]
    pub fn describe(&self, loaded: &Loaded) -> String {
        let file = path(loaded).display().to_string();
        let fix = format!(
            "run `packetc prove {}` and commit {file}",
            loaded.dir.display()
        );
        match self {
            Standing::Fresh(r) => format!(
                "{file}: proven on PostgreSQL {}, inputs unchanged",
                servers_text(&r.servers)
            ),
            Standing::Missing => {
                format!("{file} does not exist: the packet was never proven; {fix}")
            }
            Standing::Unreadable(e) => format!("{file} cannot be read: {e}; {fix}"),
            Standing::NotProven(_) => format!("{file} records a proof that FAILED; {fix}"),
            Standing::Stale(_, changed) => format!(
                "{file} is stale: {} changed since the proof; {fix}",
                changed.join(", ")
            ),
        }
    }

    /// True for a fresh, passing proof.
    #[must_use]
    pub fn is_fresh(&self) -> bool {
        matches!(self, Standing::Fresh(_))
    }

    /// The record, when there is one (fresh, stale or failed).
    #[must_use]
    pub fn record(&self) -> Option<&ProofRecord> {
        match self {
            Standing::Fresh(r) | Standing::NotProven(r) | Standing::Stale(r, _) => Some(r),
            _ => None,
        }
    }
}

/// `13.23, 15.18`.
#[must_use]
pub fn servers_text(servers: &[Server]) -> String {
    servers
        .iter()
        .map(|s| s.version.clone())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Read a packet's record and judge it against the files on disk.
pub fn standing(loaded: &Loaded) -> Result<Standing, Error> {
    let file = path(loaded);
    let text = match std::fs::read_to_string(&file) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Standing::Missing),
        Err(e) => return Ok(Standing::Unreadable(e.to_string())),
        Ok(t) => t,
    };
    let record: ProofRecord = match serde_json::from_str(&text) {
        Ok(r) => r,
        Err(e) => return Ok(Standing::Unreadable(e.to_string())),
    };
    if record.format != FORMAT {
        return Ok(Standing::Unreadable(format!(
            "format {} (this packetc reads format {FORMAT})",
            record.format
        )));
    }
    let now = current_inputs(loaded)?;
    let changed = changes(&record.inputs, &now);
    Ok(if !changed.is_empty() {
        Standing::Stale(Box::new(record), changed)
    } else if !record.proven {
        Standing::NotProven(Box::new(record))
    } else {
        Standing::Fresh(Box::new(record))
    })
}

/// The inputs that differ, named as files.
fn changes(recorded: &Inputs, now: &Inputs) -> Vec<String> {
    let mut out = Vec::new();
    if recorded.spec_sha256 != now.spec_sha256 {
        out.push(crate::packet::SPEC_FILE.to_owned());
    }
    for (prefix, a, b) in [
        ("sql/", &recorded.scripts, &now.scripts),
        ("", &recorded.fixture, &now.fixture),
    ] {
        let names: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        for name in names {
            match (a.get(name), b.get(name)) {
                (Some(x), Some(y)) if x == y => {}
                (Some(_), None) => {
                    out.push(format!("{prefix}{name} (no longer part of the packet)"))
                }
                (None, Some(_)) => out.push(format!("{prefix}{name} (new)")),
                _ => out.push(format!("{prefix}{name}")),
            }
        }
    }
    out
}

/// Build the record of a proof run that just happened.
#[must_use]
pub fn build(
    loaded: &Loaded,
    inputs: Inputs,
    server: Server,
    fingerprint: Fingerprint,
    scenarios: &[Scenario],
) -> ProofRecord {
    ProofRecord {
        format: FORMAT,
        packet: loaded.packet.name.clone(),
        proven: scenarios.iter().all(Scenario::passed),
        inputs,
        servers: vec![server],
        fingerprint,
        scenarios: scenarios
            .iter()
            .map(|s| ScenarioRecord {
                title: s.title.clone(),
                checks: s
                    .lines
                    .iter()
                    .map(|l| CheckRecord {
                        ok: l.ok,
                        what: l.what.clone(),
                        expected: l.expected.clone(),
                        observed: l.observed.clone(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// Merge with the record already on disk: the same inputs, outcome and fingerprint on another
/// server add that server; anything else replaces the old record.
#[must_use]
pub fn merge(old: Option<ProofRecord>, mut new: ProofRecord) -> ProofRecord {
    if let Some(old) = old {
        let same = old.format == new.format
            && old.packet == new.packet
            && old.proven
            && new.proven
            && old.inputs == new.inputs
            && old.fingerprint.sha256 == new.fingerprint.sha256
            && old.scenarios == new.scenarios;
        if same {
            // The canonical fingerprint is the same; PostgreSQL's own renderings (raw_sha256)
            // may differ between majors. Keep those of the lowest major, so the file does not
            // depend on the order the majors were proven in.
            let oldest = |servers: &[Server]| servers.iter().map(|s| s.major).min();
            if oldest(&new.servers) > oldest(&old.servers) {
                new.fingerprint = old.fingerprint;
            }
            let mut servers = old.servers;
            for s in new.servers.drain(..) {
                servers.retain(|o| o.major != s.major);
                servers.push(s);
            }
            servers.sort_by_key(|s| s.major);
            new.servers = servers;
        }
    }
    new
}

/// Write the record (merged with the one on disk), atomically; returns the path and the
/// servers it now names.
pub fn write(loaded: &Loaded, record: ProofRecord) -> Result<(PathBuf, ProofRecord), Error> {
    let file = path(loaded);
    let old = std::fs::read_to_string(&file)
        .ok()
        .and_then(|t| serde_json::from_str::<ProofRecord>(&t).ok());
    let merged = merge(old, record);
    let mut text = serde_json::to_string_pretty(&merged)
        .map_err(|e| Error::input(format!("serialising the proof record: {e}"), "report a bug"))?;
    text.push('\n');
    crate::fsio::write_all_atomic(&[(file.clone(), text)])?;
    // A committed file, readable like the scripts (the temp file it was renamed from is 0600).
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644));
    }
    Ok((file, merged))
}

/// `prove`'s hook: write the record of the run that just happened and say so.
pub fn record_run(
    loaded: &Loaded,
    inputs: Inputs,
    outcome: crate::prove::Outcome,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let record = build(
        loaded,
        inputs,
        outcome.server,
        outcome.fingerprint,
        &outcome.scenarios,
    );
    let (file, merged) = write(loaded, record)?;
    writeln!(
        out,
        "wrote {} ({}; schema fingerprint sha256:{}; PostgreSQL {})",
        file.display(),
        if merged.proven {
            "proven"
        } else {
            "NOT proven"
        },
        merged.fingerprint.sha256,
        servers_text(&merged.servers)
    )?;
    Ok(())
}

/// What `check` makes of a packet's proof record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The record matches the packet as it is.
    Fresh,
    /// No record yet: a note, not a failure (a new packet is checked before it is first proven;
    /// `apply` still refuses it).
    Missing(String),
    /// Stale, failed or unreadable: a failure, with what is wrong.
    Problem(String),
}

/// `check`'s hook: judge the proof record (printing is the caller's: a note is progress, a
/// problem a result).
pub fn check(loaded: &Loaded) -> Result<Verdict, Error> {
    let standing = standing(loaded)?;
    Ok(match standing {
        Standing::Fresh(_) => Verdict::Fresh,
        Standing::Missing => Verdict::Missing(standing.describe(loaded)),
        _ => Verdict::Problem(standing.describe(loaded)),
    })
}

#[cfg(test)]
mod tests {
    use super::{changes, merge, Inputs, ProofRecord, Server, FORMAT};
    use crate::fingerprint::Fingerprint;

    fn inputs(spec: &str) -> Inputs {
        Inputs {
            spec_sha256: spec.into(),
            scripts: [("a.sql".to_owned(), "1".to_owned())].into(),
            fixture: [("fixture/schema.sql".to_owned(), "2".to_owned())].into(),
        }
    }

    fn record(spec: &str, major: u32) -> ProofRecord {
        ProofRecord {
            format: FORMAT,
            packet: "p".into(),
            proven: true,
            inputs: inputs(spec),
            servers: vec![Server {
                major,
                version: format!("{major}.1"),
            }],
            fingerprint: Fingerprint::from_items(&[], &[]),
            scenarios: Vec::new(),
        }
    }

    #[test]
    fn the_same_outcome_on_another_major_adds_the_server() {
        let merged = merge(Some(record("s", 15)), record("s", 13));
        let majors: Vec<u32> = merged.servers.iter().map(|s| s.major).collect();
        assert_eq!(majors, [13, 15]);
        let again = merge(Some(merged), record("s", 15));
        assert_eq!(again.servers.len(), 2);
        let replaced = merge(Some(again), record("changed", 14));
        let majors: Vec<u32> = replaced.servers.iter().map(|s| s.major).collect();
        assert_eq!(majors, [14], "new inputs start a new record");
    }

    #[test]
    fn changes_name_the_files() {
        let mut now = inputs("x");
        now.scripts.insert("a.sql".into(), "9".into());
        assert_eq!(changes(&inputs("s"), &now), ["packet.yaml", "sql/a.sql"]);
        assert!(changes(&inputs("s"), &inputs("s")).is_empty());
    }
}
