//! Reading journals back: for `packetc status` and for the resume decision of a re-run.
//!
//! A journal may end in a torn line (packetc killed or the disk full while it wrote a record):
//! such a line is skipped and reported, never guessed at. Records of another layout (an older
//! packetc) are counted and reported the same way.

use std::path::{Path, PathBuf};

use super::record::{Case, Committed, End, Entry, Record, Start, StepOutcome};

/// One run, as its records tell it.
#[derive(Debug, Clone)]
pub struct Run {
    pub run: String,
    pub file: PathBuf,
    pub start: Option<Start>,
    pub entries: Vec<Entry>,
    pub end: Option<End>,
}

impl Run {
    /// When the run began (its first record).
    #[must_use]
    pub fn began(&self) -> &str {
        self.entries.first().map_or("", |e| e.time.as_str())
    }
}

/// Every readable run, oldest first, and what could not be read.
#[derive(Debug, Clone, Default)]
pub struct History {
    pub runs: Vec<Run>,
    pub problems: Vec<String>,
}

/// The journal files of a packet: `PACKET/journal/*.jsonl` and `explicit`, if given.
#[must_use]
pub fn journal_files(packet_dir: &Path, explicit: Option<&Path>) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(packet_dir.join("journal"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    if let Some(p) = explicit {
        if p.exists() && !files.iter().any(|f| same_file(f, p)) {
            files.push(p.to_path_buf());
        }
    }
    files.sort();
    files
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Read `files`; runs are grouped by run id and ordered by their first record's time.
#[must_use]
pub fn read(files: &[PathBuf]) -> History {
    let mut h = History::default();
    for file in files {
        let bytes = match std::fs::read(file) {
            Ok(b) => b,
            Err(e) => {
                h.problems
                    .push(format!("{}: cannot be read: {e}", file.display()));
                continue;
            }
        };
        let text = String::from_utf8_lossy(&bytes);
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let mut foreign = 0;
        for (i, line) in lines.iter().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let last = i + 1 == lines.len();
            match serde_json::from_str::<Entry>(line) {
                Ok(e) => add(&mut h.runs, file, e),
                Err(_) if last && !line.ends_with('\n') => h.problems.push(format!(
                    "{}:{}: torn last line ({} bytes, no newline): the run was cut while writing a record; it is ignored",
                    file.display(),
                    i + 1,
                    line.len()
                )),
                Err(_) => foreign += 1,
            }
        }
        if foreign > 0 {
            h.problems.push(format!(
                "{}: {foreign} line(s) could not be read (torn by a crash or a full disk, or written by another packetc version); ignored",
                file.display()
            ));
        }
    }
    h.runs.sort_by(|a, b| a.began().cmp(b.began()));
    h
}

fn add(runs: &mut Vec<Run>, file: &Path, e: Entry) {
    let i = match runs.iter().position(|r| r.run == e.run) {
        Some(i) => i,
        None => {
            runs.push(Run {
                run: e.run.clone(),
                file: file.to_path_buf(),
                start: None,
                entries: Vec::new(),
                end: None,
            });
            runs.len() - 1
        }
    };
    let r = &mut runs[i];
    match &e.record {
        Record::Start(s) => r.start = Some(s.clone()),
        Record::End(end) => r.end = Some(end.clone()),
        _ => {}
    }
    r.entries.push(e);
}

impl History {
    /// Only the runs of this packet against this database through this channel.
    #[must_use]
    pub fn of(mut self, packet: &str, database: &str, channel: &str) -> History {
        self.runs.retain(|r| {
            r.start.as_ref().is_some_and(|s| {
                s.packet == packet && s.database == database && s.channel.command == channel
            })
        });
        self
    }

    /// Whether a verify passed after the last journaled change (a seed or rollback COMMIT, or a
    /// COMMIT the live state confirmed).
    #[must_use]
    pub fn verified_after_last_change(&self) -> bool {
        let mut last_change = "";
        let mut last_verify = "";
        for e in self.runs.iter().flat_map(|r| &r.entries) {
            match &e.record {
                Record::StepEnd(s) if s.committed == Some(Committed::Yes) => {
                    last_change = last_change.max(e.time.as_str());
                }
                Record::Decision(d) if d.case == Case::CommitConfirmed => {
                    last_change = last_change.max(e.time.as_str());
                }
                Record::StepEnd(s) if s.role == "verify" && s.outcome == StepOutcome::Ok => {
                    last_verify = last_verify.max(e.time.as_str());
                }
                _ => {}
            }
        }
        !last_verify.is_empty() && last_verify >= last_change
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_torn_last_line_is_reported_and_the_rest_is_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("j.jsonl");
        let good = r#"{"run":"r","time":"2026-12-01T00:00:00.000Z","record":"decision","case":"other","message":"m"}"#;
        std::fs::write(&f, format!("{good}\n{{\"run\":\"r\",\"ti")).expect("write");
        let h = read(&[f]);
        assert_eq!(h.runs.len(), 1);
        assert_eq!(h.runs[0].entries.len(), 1);
        assert_eq!(h.problems.len(), 1);
        assert!(h.problems[0].contains("torn last line"), "{:?}", h.problems);
    }
}
