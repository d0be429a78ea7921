//! `packetc status PACKET`: the journal history (runs, steps, outcomes) next to the live state
//! of every metric against what the spec expects before and after the change. Read-only: the
//! live state is read with the same script apply uses to decide ([`super::state`]), inside
//! `BEGIN TRANSACTION READ ONLY`; nothing is journaled.
//!
//! Exit 0 when the live state is "not applied" or "applied", 1 when it is neither (or could
//! not be read completely), 2 when the channel cannot run.

use std::io::Write;
use std::path::PathBuf;

use super::channel::{Channel, Ended};
use super::history::{self, Run};
use super::pipes::Input;
use super::record::{Classified, Committed, Limits, Record};
use super::signals::Interrupt;
use super::state;
use crate::diag::{Error, Status};

/// What one `packetc status` is asked to do (the command layer converts `cli::StatusArgs`).
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Packet directory or its packet.yaml.
    pub packet: PathBuf,
    /// Read the live state with the local psql and this connection string.
    pub database_url: Option<String>,
    /// Channel command that overrides the packet's.
    pub channel: Option<String>,
    /// Also read this journal file.
    pub journal: Option<PathBuf>,
    /// Only the journal history; do not read the live state.
    pub offline: bool,
}

/// Run `packetc status`.
pub fn run(args: &Request, out: &mut dyn Write) -> Result<Status, Error> {
    let loaded = crate::packet::load(&args.packet)?;
    let p = &loaded.packet;
    writeln!(
        out,
        "packetc status: {} ({})",
        p.name,
        loaded.spec_path.display()
    )?;
    let files = history::journal_files(&loaded.dir, args.journal.as_deref());
    let h = history::read(&files);
    writeln!(
        out,
        "journal: {} run(s) in {} file(s) under {}",
        h.runs.len(),
        files.len(),
        loaded.dir.join("journal").display()
    )?;
    let mut rows = vec![vec![
        "run".to_owned(),
        "began".to_owned(),
        "mode".to_owned(),
        "outcome".to_owned(),
        "steps".to_owned(),
    ]];
    rows.extend(h.runs.iter().map(run_row));
    if !h.runs.is_empty() {
        out.write_all(align(&rows).as_bytes())?;
    }
    if h.runs.iter().any(|r| r.end.is_none()) {
        writeln!(
            out,
            "  (no end record: that packetc was killed, or is still running; a step shown as running never reported back)"
        )?;
    }
    for problem in &h.problems {
        writeln!(out, "  WARNING: {problem}")?;
    }
    if args.offline {
        return Ok(Status::Clean);
    }
    let channel = Channel::from_flags(args.database_url.as_ref(), args.channel.as_ref(), p)?;
    let vars: Vec<(String, String)> = h
        .runs
        .iter()
        .rev()
        .find_map(|r| r.start.as_ref())
        .map(|s| s.vars.clone().into_iter().collect())
        .unwrap_or_default();
    let limits = Limits {
        step_ms: 60_000,
        step_from_flag: true,
        lock_ms: 10_000,
        attempts: 1,
    };
    let script = state::script(p, &vars, &super::limits::set_lines(None, &limits));
    let interrupt = Interrupt::install()?;
    let f = channel
        .spawn(Input::whole(script.into_bytes()))?
        .wait(&interrupt, Some(super::PROBE_LIMIT))?;
    let live = state::parse(&f.stdout);
    if live.is_empty() || f.ended.is_some() {
        let why = match f.ended {
            Some(Ended::TimedOut) => format!("no answer within {} s", super::PROBE_LIMIT.as_secs()),
            Some(Ended::Interrupted(s)) => s.to_owned(),
            None => format!("{}: {}", f.status_text(), f.stderr.trim()),
        };
        return Err(Error::input(
            format!("the live state could not be read through `{}`: {why}", channel.describe()),
            "check the channel (psql reading the script on stdin) or pass --database-url / --channel; --offline shows the journal only",
        ));
    }
    writeln!(
        out,
        "live state through {} (read-only):",
        channel.describe()
    )?;
    out.write_all(table(p, &live).as_bytes())?;
    let (classified, mismatches) = state::classify(p, &live);
    let missing: Vec<&str> = p
        .metrics
        .iter()
        .filter(|m| !live.contains_key(&m.name))
        .map(|m| m.name.as_str())
        .collect();
    let verdict = match classified {
        Classified::NotApplied => {
            "not applied: every metric the change moves has its before value".to_owned()
        }
        Classified::Applied => "applied: the final state holds".to_owned(),
        Classified::Other => format!(
            "neither applied nor not applied: {}",
            if mismatches.is_empty() {
                "the metrics hold both ways".to_owned()
            } else {
                mismatches.join(", ")
            }
        ),
        Classified::Unknown => "unknown: nothing decides".to_owned(),
    };
    writeln!(out, "state: {verdict}")?;
    if !missing.is_empty() {
        writeln!(
            out,
            "WARNING: not read: {} ({})",
            missing.join(", "),
            crate::observe::parse(&f.stderr)
                .other_error
                .unwrap_or_default()
        )?;
    }
    Ok(match classified {
        Classified::NotApplied | Classified::Applied if missing.is_empty() => Status::Clean,
        _ => Status::Failed,
    })
}

/// One run as a row: run id, began, mode, outcome, steps (and the file it is in).
fn run_row(r: &Run) -> Vec<String> {
    let name = |v: Result<serde_json::Value, serde_json::Error>| {
        v.ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    };
    let mode = r
        .start
        .as_ref()
        .map_or_else(|| "?".to_owned(), |s| name(serde_json::to_value(s.mode)));
    let outcome = r.end.as_ref().map_or_else(
        || "no end record".to_owned(),
        |e| name(serde_json::to_value(e.outcome)),
    );
    let mut steps = Vec::new();
    for e in &r.entries {
        match &e.record {
            Record::StepStart(s) => steps.push(format!("{} running", s.role)),
            Record::StepEnd(s) => {
                steps.pop();
                let c = match s.committed {
                    Some(Committed::Yes) => " (committed)",
                    Some(Committed::Unknown) => " (commit unknown)",
                    _ => "",
                };
                steps.push(format!(
                    "{} {}{c}",
                    s.role,
                    name(serde_json::to_value(s.outcome))
                ));
            }
            Record::Decision(d) => steps.push(format!("[{}]", name(serde_json::to_value(d.case)))),
            _ => {}
        }
    }
    let file = r
        .file
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    vec![
        r.run.clone(),
        r.began().to_owned(),
        mode,
        outcome,
        format!("{}  ({file})", steps.join(", ")),
    ]
}

/// Columns padded to their widest cell, two spaces apart, indented by two.
fn align(rows: &[Vec<String>]) -> String {
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n)
        .map(|i| {
            rows.iter()
                .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut s = String::new();
    for r in rows {
        let line: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        s.push_str("  ");
        s.push_str(line.join("  ").trim_end());
        s.push('\n');
    }
    s
}

/// metric | live | before | after | which — the live state against the spec.
#[must_use]
pub fn table(
    packet: &crate::packet::Packet,
    live: &std::collections::BTreeMap<String, String>,
) -> String {
    let mut rows = vec![vec![
        "metric".to_owned(),
        "live".to_owned(),
        "before".to_owned(),
        "after".to_owned(),
        "matches".to_owned(),
    ]];
    for (m, e) in state::expected(packet) {
        let v = live.get(&m).map(String::as_str);
        let b = e
            .before
            .as_ref()
            .map(|c| (c.to_string(), state::holds(c, v)));
        let a = e
            .after
            .as_ref()
            .map(|c| (c.to_string(), state::holds(c, v)));
        let matches = match (&b, &a) {
            (Some((_, true)), Some((_, true))) => "both",
            (Some((_, true)), _) => "before",
            (_, Some((_, true))) => "after",
            (None, None) => "",
            _ => "NEITHER",
        };
        rows.push(vec![
            m.clone(),
            v.unwrap_or("(not read)").to_owned(),
            b.map(|x| x.0).unwrap_or_default(),
            a.map(|x| x.0).unwrap_or_default(),
            matches.to_owned(),
        ]);
    }
    align(&rows)
}
