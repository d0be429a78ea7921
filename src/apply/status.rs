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
use crate::packet::{Change, Packet, Role, Shape};

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
    /// `NAME=VALUE` variables the metrics read (`packetc.NAME`); none given: those of the last
    /// journaled run.
    pub vars: Vec<String>,
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
    let vars: Vec<(String, String)> = if args.vars.is_empty() {
        h.runs
            .iter()
            .rev()
            .find_map(|r| r.start.as_ref())
            .map(|s| s.vars.clone().into_iter().collect())
            .unwrap_or_default()
    } else {
        state::given(&super::vars::Vars::parse(&args.vars, p, &[])?)
    };
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
    let missing: Vec<&str> = p
        .metrics
        .iter()
        .filter(|m| !live.contains_key(&m.name))
        .map(|m| m.name.as_str())
        .collect();
    let not_read = |out: &mut dyn Write| -> std::io::Result<()> {
        if missing.is_empty() {
            return Ok(());
        }
        writeln!(
            out,
            "WARNING: not read: {} ({}){}",
            missing.join(", "),
            crate::observe::parse(&f.stderr)
                .other_error
                .unwrap_or_default(),
            if vars.is_empty() && !p.variables.is_empty() {
                "; pass the variables with --var NAME=VALUE (without them status uses the last journaled run's, and the journal has none)"
            } else {
                ""
            }
        )
    };
    if p.shape != Shape::Seed {
        let (text, verdict, consistent) = repeatable(p, &live);
        out.write_all(text.as_bytes())?;
        writeln!(out, "state: {verdict}")?;
        not_read(out)?;
        return Ok(if consistent && missing.is_empty() {
            Status::Clean
        } else {
            Status::Failed
        });
    }
    out.write_all(table(p, &live).as_bytes())?;
    let (classified, mismatches) = state::classify(p, &live);
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
    not_read(out)?;
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
            // Not read: nothing is known about it, not even that it matches neither.
            (Some(_), _) | (_, Some(_)) if v.is_none() => "unknown",
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

/// The live state of a repeatable packet (scanner, cursor), judged the way `apply --repeat`
/// judges it before each iteration: the preflight gate, and each `-> N` delta of the write at
/// N or not. A `+N` delta is a change per run, which one reading of the live state cannot
/// judge (shown, not judged); a metric no gate or delta names is shown only. Before/after, as
/// for a seed, would be false here: after a run the state is the one before the next run.
/// Returns the table, the verdict and whether the state is one apply continues from
/// (nothing left to do, or work to do with the gate holding).
fn repeatable(
    packet: &Packet,
    live: &std::collections::BTreeMap<String, String>,
) -> (String, String, bool) {
    let preflight = packet.steps.iter().find(|s| s.role == Role::Preflight);
    let write = packet.steps.iter().find(|s| s.role == Role::Seed);
    let mut rows = vec![vec![
        "metric".to_owned(),
        "live".to_owned(),
        "expected".to_owned(),
        "checked as".to_owned(),
        "holds".to_owned(),
    ]];
    let yes_no = |held: bool, v: Option<&str>| {
        match (v, held) {
            (None, _) => "unknown",
            (_, true) => "yes",
            (_, false) => "NO",
        }
        .to_owned()
    };
    for m in &packet.metrics {
        let v = live.get(&m.name).map(String::as_str);
        let gate = preflight.and_then(|s| s.gate.iter().find(|c| c.metric == m.name));
        let delta = write.and_then(|s| s.deltas.iter().find(|d| d.metric == m.name));
        let (expected, checked, holds) = match (gate, delta.map(|d| d.change)) {
            (Some(c), _) => (
                c.condition.to_string(),
                "preflight gate".to_owned(),
                yes_no(state::holds(&c.condition, v), v),
            ),
            (None, Some(Change::Reaches { to })) => (
                format!("-> {to}"),
                "the write's target".to_owned(),
                yes_no(v.and_then(crate::packet::Number::parse) == Some(to), v),
            ),
            (None, Some(c)) => (
                c.to_string(),
                "per run (not judged from the live state)".to_owned(),
                String::new(),
            ),
            (None, None) => (String::new(), String::new(), String::new()),
        };
        rows.push(vec![
            m.name.clone(),
            v.unwrap_or("(not read)").to_owned(),
            expected,
            checked,
            holds,
        ]);
    }
    let table = align(&rows);
    let Some(write) = write else {
        return (
            table,
            "unknown: the packet has no write step".to_owned(),
            false,
        );
    };
    let needed: Vec<&str> = preflight
        .iter()
        .flat_map(|s| s.gate.iter().map(|c| c.metric.as_str()))
        .chain(write.deltas.iter().filter_map(|d| {
            matches!(d.change, Change::Reaches { .. }).then_some(d.metric.as_str())
        }))
        .filter(|m| !live.contains_key(*m))
        .collect();
    if !needed.is_empty() {
        return (
            table,
            format!(
                "unknown: {} not read, so whether there is work to do (or whether apply may do it) cannot be said",
                needed.join(", ")
            ),
            false,
        );
    }
    if !preflight.is_none_or(|p| super::repeat::gates_hold(p, live)) {
        return (
            table,
            "the preflight gate does not hold: apply would stop at the preflight and write nothing"
                .to_owned(),
            false,
        );
    }
    if super::repeat::at_target(write, live) {
        return (
            table,
            "nothing left to do: the preflight gate holds and every '-> N' delta of the write is at N; apply would run no iteration".to_owned(),
            true,
        );
    }
    (
        table,
        format!(
            "work to do: the preflight gate holds and {} (a '-> N' delta not at N); apply would run the steps",
            super::repeat::pending(write, live)
        ),
        true,
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    fn packet(name: &str) -> crate::packet::Packet {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("packets")
            .join(name);
        crate::packet::load(&dir).expect("bundled packet").packet
    }

    fn row<'a>(table: &'a str, metric: &str) -> Vec<&'a str> {
        table
            .lines()
            .find(|l| l.split_whitespace().next() == Some(metric))
            .unwrap_or_default()
            .split_whitespace()
            .collect()
    }

    #[test]
    fn a_metric_not_read_is_unknown_not_neither() {
        let p = packet("one-roof-ownership-seed");
        let live: BTreeMap<String, String> = [("db", "directus"), ("gap", "210")]
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect();
        let t = super::table(&p, &live);
        assert_eq!(
            row(&t, "ospa"),
            ["ospa", "(not", "read)", ">=", "1", ">=", "1", "unknown"]
        );
        assert_eq!(
            row(&t, "gap"),
            ["gap", "210", "=", "210", "=", "0", "before"]
        );
    }

    #[test]
    fn a_repeatable_packet_is_judged_by_its_gate_and_targets_not_before_and_after() {
        let p = packet("cursor-advance");
        let at = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect()
        };
        let gate: Vec<(String, String)> = p
            .steps
            .iter()
            .filter(|s| s.role == crate::packet::Role::Preflight)
            .flat_map(|s| s.gate.iter())
            .map(|c| {
                (
                    c.metric.clone(),
                    c.condition.value.to_string().trim_matches('\'').to_owned(),
                )
            })
            .collect();
        let mut live = at(&[("behind", "0"), ("cursor", "1")]);
        live.extend(gate.iter().cloned());
        let (_, verdict, ok) = super::repeatable(&p, &live);
        assert!(verdict.starts_with("nothing left to do"), "{verdict}");
        assert!(ok);
        live.insert("behind".into(), "1".into());
        let (_, verdict, ok) = super::repeatable(&p, &live);
        assert!(
            verdict.starts_with("work to do") && verdict.contains("behind 1→0"),
            "{verdict}"
        );
        assert!(ok);
        live.remove("behind");
        let (table, verdict, ok) = super::repeatable(&p, &live);
        assert!(verdict.starts_with("unknown: behind not read"), "{verdict}");
        assert!(!ok);
        assert!(row(&table, "behind").ends_with(&["unknown"]), "{table}");
    }
}
