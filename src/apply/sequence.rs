//! The run itself: the journal's start, the probe, the forward steps one by one, and the
//! progress lines. What happens when a step fails or is interrupted is in [`super::stops`].

use std::io::Write;
use std::time::SystemTime;

use serde_json::{json, Value};

use super::channel::{Channel, Ended, Finished};
use super::journal::{rfc3339, Journal, SCHEMA_VERSION};
use super::pipes::{new_marker, Input};
use super::precheck::Committed;
use super::signals::Interrupt;
use super::vars::Vars;
use super::{probe, PROBE_LIMIT};
use crate::diag::{Error, Status};
use crate::observe::{self, Report};
use crate::spec::{Kind, Loaded, StopAction};

/// What a step's run came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    Ok,
    Failed,
    Interrupted(&'static str),
}

pub(super) struct StepRun {
    pub(super) outcome: Outcome,
    pub(super) finished: Option<Finished>,
    pub(super) commit_acknowledged: bool,
    /// Why the step failed, in one line.
    pub(super) why: String,
}

pub(super) struct Apply<'a> {
    pub(super) loaded: &'a Loaded,
    pub(super) channel: &'a Channel,
    pub(super) vars: &'a Vars,
    pub(super) interrupt: &'a Interrupt,
    pub(super) journal: Journal,
    pub(super) journal_error: Option<String>,
    pub(super) out: &'a mut dyn Write,
    /// The proof record (or its override), compared with the target before step 0.
    pub(super) proven: &'a crate::proof::gate::Proven,
}

impl Apply<'_> {
    pub(super) fn execute(
        &mut self,
        forward: &[Committed],
        rollback: Option<&Committed>,
    ) -> Result<Status, Error> {
        let start = self.start_record(forward, rollback);
        if let Err(e) = self.journal.record(&start) {
            return Err(Error::io(self.journal.path(), &e));
        }
        if let Some(sig) = self.interrupt.requested() {
            return self.finish(
                "interrupted",
                &format!("{sig} before the probe; nothing was run"),
            );
        }
        self.journal_proof_override();
        match self.probe()? {
            Ok(()) => {}
            Err(status) => return Ok(status),
        }
        if let Err(status) = self.schema_gate()? {
            return Ok(status);
        }
        let total = forward.len();
        for (i, c) in forward.iter().enumerate() {
            if let Some(sig) = self.interrupt.requested() {
                return self.finish(
                    "interrupted",
                    &format!("{sig}: no new step started; {} was not run", c.step.script),
                );
            }
            if let Some(e) = self.journal_error.clone() {
                return self.finish(
                    "journal_failed",
                    &format!(
                        "the journal could not be written ({e}); stopped before {}",
                        c.step.script
                    ),
                );
            }
            let run = self.step(&format!("[{}/{total}]", i + 1), c)?;
            match run.outcome {
                Outcome::Ok => {}
                Outcome::Interrupted(sig) => return self.interrupted(c, &run, sig),
                Outcome::Failed => return self.failed(c, &run, rollback),
            }
        }
        writeln!(
            self.out,
            "applied: {} steps ok; the packet's expected final state was verified",
            total
        )?;
        self.finish("applied", "every step succeeded")
    }

    pub(super) fn start_record(
        &self,
        forward: &[Committed],
        rollback: Option<&Committed>,
    ) -> Value {
        let p = &self.loaded.packet;
        let steps: Vec<Value> = forward
            .iter()
            .chain(rollback)
            .map(|c| {
                json!({
                    "step": c.step.number,
                    "role": c.step.role.as_str(),
                    "script": c.step.script,
                    "path": c.path.display().to_string(),
                    "sha256": c.sha256,
                    "stop": match c.step.stop { StopAction::Stop => "stop", StopAction::StopAndRollback => "stop_and_rollback" },
                })
            })
            .collect();
        let vars: serde_json::Map<String, Value> = self
            .vars
            .all()
            .map(|(n, v)| (n.to_owned(), Value::String(v.to_owned())))
            .collect();
        json!({
            "record": "start",
            "schema": SCHEMA_VERSION,
            "time": rfc3339(SystemTime::now()),
            "packetc_version": env!("CARGO_PKG_VERSION"),
            "packet": p.name,
            "packet_dir": self.loaded.dir.display().to_string(),
            "spec": self.loaded.spec_path.display().to_string(),
            "spec_sha256": self.loaded.spec_sha256,
            "database": p.database,
            "channel": { "source": self.channel.source(), "command": self.channel.describe() },
            "vars": vars,
            "steps": steps,
            "pid": std::process::id(),
        })
    }

    /// Append a record; a failure is remembered and stops the run before the next step.
    pub(super) fn log(&mut self, record: &Value) {
        if let Err(e) = self.journal.record(record) {
            let msg = format!("{}: {e}", self.journal.path().display());
            let _ = writeln!(self.out, "WARNING: journal write failed: {msg}");
            self.journal_error.get_or_insert(msg);
        }
    }

    pub(super) fn finish(&mut self, outcome: &str, message: &str) -> Result<Status, Error> {
        let status = if outcome == "applied" {
            Status::Clean
        } else {
            Status::Failed
        };
        let code = if status == Status::Clean { 0 } else { 1 };
        self.log(&json!({
            "record": "end",
            "time": rfc3339(SystemTime::now()),
            "outcome": outcome,
            "exit_code": code,
            "message": message,
        }));
        writeln!(
            self.out,
            "journal: {} ({outcome})",
            self.journal.path().display()
        )?;
        Ok(status)
    }

    /// The read-only round trip. `Ok(Err(status))`: stop with that status (interrupted).
    pub(super) fn probe(&mut self) -> Result<Result<(), Status>, Error> {
        let packet = &self.loaded.packet;
        let script = probe::script(packet, self.vars);
        write!(self.out, "probe: channel ... ")?;
        self.out.flush()?;
        let started = SystemTime::now();
        // The probe holds its COMMIT back like a step, so a channel that waits for the end of
        // stdin before starting psql (and would hang a step) is caught here, before any step.
        let input = Input::hold_commit("", script.as_bytes(), &new_marker("probe"));
        let finished = self
            .channel
            .spawn(input)?
            .wait(self.interrupt, Some(PROBE_LIMIT))?;
        let ended = SystemTime::now();
        let judged = match finished.ended {
            Some(Ended::Interrupted(_)) => None,
            _ => Some(probe::judge(
                &finished,
                packet,
                self.vars,
                &self.channel.describe(),
            )),
        };
        let mut record = run_record("probe", &finished, started, ended);
        record["result"] = json!(match &judged {
            None => "interrupted",
            Some(Ok(_)) => "ok",
            Some(Err(_)) => "refused",
        });
        match &judged {
            Some(Ok(p)) => {
                record["database"] = json!(p.database);
                record["user"] = json!(p.user);
            }
            Some(Err(e)) => record["error"] = json!(e.to_string()),
            None => {}
        }
        self.log(&record);
        match judged {
            None => {
                writeln!(self.out, "interrupted")?;
                let sig = match finished.ended {
                    Some(Ended::Interrupted(s)) => s,
                    _ => "a signal",
                };
                Ok(Err(self.finish(
                    "interrupted",
                    &format!("{sig} during the probe; no step was run"),
                )?))
            }
            Some(Ok(p)) => {
                writeln!(
                    self.out,
                    "ok: database {} as {} ({:.2}s){}",
                    p.database,
                    p.user,
                    finished.duration.as_secs_f64(),
                    if self.vars.all().next().is_some() {
                        "; variables arrived intact and match their patterns"
                    } else {
                        ""
                    }
                )?;
                Ok(Ok(()))
            }
            Some(Err(e)) => {
                writeln!(self.out, "FAILED")?;
                self.log(&json!({
                    "record": "end",
                    "time": rfc3339(SystemTime::now()),
                    "outcome": "refused",
                    "exit_code": 2,
                    "message": e.to_string(),
                }));
                writeln!(
                    self.out,
                    "journal: {} (refused)",
                    self.journal.path().display()
                )?;
                Err(e)
            }
        }
    }

    pub(super) fn step(&mut self, label: &str, c: &Committed) -> Result<StepRun, Error> {
        let prelude = self.vars.prelude(c.step.role);
        let input = if c.step.kind == Kind::Transaction {
            Input::hold_commit(&prelude, &c.bytes, &new_marker("commit-point"))
        } else {
            let mut bytes = prelude.clone().into_bytes();
            bytes.extend_from_slice(&c.bytes);
            Input::whole(bytes)
        };
        let marker = input.held.as_ref().map(|h| h.marker.clone());
        let common = json!({
            "step": c.step.number,
            "role": c.step.role.as_str(),
            "script": c.step.script,
            "path": c.path.display().to_string(),
            "sha256": c.sha256,
            "channel": self.channel.describe(),
            "prelude": prelude,
            "commit_marker": marker,
        });
        let started = SystemTime::now();
        let mut record = common.clone();
        record["record"] = json!("step_start");
        record["started"] = json!(rfc3339(started));
        self.log(&record);
        write!(self.out, "{label} {} ({}) ... ", c.step.script, c.step.role)?;
        self.out.flush()?;
        let finished = match self.channel.spawn(input) {
            Ok(running) => running.wait(self.interrupt, None)?,
            Err(e) => {
                let why = e.to_string().trim_end().to_owned();
                writeln!(self.out, "FAILED\n      {why}")?;
                let mut record = common;
                record["record"] = json!("step_end");
                record["started"] = json!(rfc3339(started));
                record["ended"] = json!(rfc3339(SystemTime::now()));
                record["outcome"] = json!("failed");
                record["error"] = json!(why);
                self.log(&record);
                return Ok(StepRun {
                    outcome: Outcome::Failed,
                    finished: None,
                    commit_acknowledged: false,
                    why,
                });
            }
        };
        let ended = SystemTime::now();
        let report = observe::parse(&format!("{}\n{}", finished.stderr, finished.stdout));
        let commit_acknowledged = c.step.kind == Kind::Transaction
            && finished.stdout.lines().any(|l| l.trim() == "COMMIT");
        let outcome = match finished.ended {
            Some(Ended::Interrupted(sig)) => Outcome::Interrupted(sig),
            _ if finished.success() && report.failure.is_none() && report.other_error.is_none() => {
                Outcome::Ok
            }
            _ => Outcome::Failed,
        };
        let why = why_failed(&finished, &report);
        self.print_step(outcome, &finished, &report, &why)?;
        let mut record = run_record("step_end", &finished, started, ended);
        if let (Some(r), Some(src)) = (record.as_object_mut(), common.as_object()) {
            for (k, v) in src {
                r.insert(k.clone(), v.clone());
            }
        }
        record["outcome"] = json!(match outcome {
            Outcome::Ok => "ok",
            Outcome::Failed => "failed",
            Outcome::Interrupted(_) => "interrupted",
        });
        record["commit_acknowledged"] = json!(commit_acknowledged);
        record["commit_point"] = match finished.commit_point {
            Some(p) => json!({ "reached": p.reached, "sent": p.sent }),
            None => Value::Null,
        };
        record["observations"] = json!(report.observations);
        record["failure"] = json!(report.failure);
        record["other_error"] = json!(report.other_error);
        self.log(&record);
        Ok(StepRun {
            outcome,
            finished: Some(finished),
            commit_acknowledged,
            why,
        })
    }

    pub(super) fn print_step(
        &mut self,
        outcome: Outcome,
        f: &Finished,
        report: &Report,
        why: &str,
    ) -> std::io::Result<()> {
        let secs = f.duration.as_secs_f64();
        match outcome {
            Outcome::Ok => writeln!(self.out, "ok ({secs:.2}s)")?,
            Outcome::Failed => writeln!(self.out, "FAILED ({secs:.2}s, {})", f.status_text())?,
            Outcome::Interrupted(sig) => writeln!(
                self.out,
                "INTERRUPTED by {sig} ({secs:.2}s): the channel was ended"
            )?,
        }
        for o in &report.observations {
            writeln!(
                self.out,
                "      {} {} = {} (expected {})",
                o.phase, o.metric, o.observed, o.expected
            )?;
        }
        if outcome != Outcome::Ok {
            if let Some(fail) = &report.failure {
                if fail.checks.is_empty() {
                    writeln!(self.out, "      FAILED {}: {}", fail.phase, fail.message)?;
                }
                for c in &fail.checks {
                    writeln!(
                        self.out,
                        "      FAILED {} {}: expected {}, observed {}",
                        fail.phase, c.metric, c.expected, c.observed
                    )?;
                }
            } else {
                writeln!(self.out, "      {why}")?;
            }
        }
        self.out.flush()
    }
}

/// The fields every channel run shares in the journal.
pub(super) fn run_record(
    kind: &str,
    f: &Finished,
    started: SystemTime,
    ended: SystemTime,
) -> Value {
    json!({
        "record": kind,
        "started": rfc3339(started),
        "ended": rfc3339(ended),
        "duration_ms": u64::try_from(f.duration.as_millis()).unwrap_or(u64::MAX),
        "exit_code": f.exit_code,
        "signal": f.signal,
        "ended_by": match f.ended {
            None => Value::Null,
            Some(Ended::Interrupted(sig)) => json!(sig),
            Some(Ended::TimedOut) => json!("timeout"),
        },
        "stdout": f.stdout,
        "stderr": f.stderr,
        "output_complete": f.output_complete,
    })
}

/// One line on why a run failed: the failed assertion, else psql's first error, else the exit.
pub(super) fn why_failed(f: &Finished, report: &Report) -> String {
    if let Some(fail) = &report.failure {
        return fail.message.clone();
    }
    if let Some(e) = &report.other_error {
        return format!("{} ({})", e, f.status_text());
    }
    let last = f
        .stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    if last.is_empty() {
        format!("channel {}", f.status_text())
    } else {
        format!("channel {}: {last}", f.status_text())
    }
}
