//! `packetc apply`: run a packet's steps through its channel, unattended, and stop the way the
//! spec says.
//!
//! Order of business, and why:
//! 1. Local checks, before anything reaches the database: the spec loads, every `--var` is
//!    known and every needed one given (exit 2), the committed scripts are byte for byte what
//!    the spec renders and lint clean with their step contexts (exit 1). The bytes checked are
//!    the bytes run ([`precheck`]).
//! 2. `--dry-run` stops here and prints what would run.
//! 3. The journal is opened ([`journal`]) and a read-only probe goes through the channel
//!    ([`probe`]): a channel that cannot start is bad input (exit 2) before any step.
//! 4. The forward steps (every step but the rollback, in spec order: preflight, seed, verify)
//!    run one by one. A failed step with `stop: stop` ends the run (exit 1); one with
//!    `stop: stop_and_rollback` runs the rollback script, then ends (exit 1). Ctrl-C / SIGTERM
//!    end the running channel and start nothing new ([`signals`]).
//!
//! Never automated, whatever the flags: opening the human gate (the fixture's gate-open.sql is
//! never read), any script but the packet's committed steps, anything the lint policy forbids.
//! There is no `--force`.

mod channel;
mod journal;
mod pipes;
mod precheck;
mod probe;
mod signals;
mod vars;

use std::io::Write;
use std::time::{Duration, SystemTime};

use serde_json::{json, Value};

use crate::cli::ApplyArgs;
use crate::diag::{Error, Status};
use crate::lint::Policy;
use crate::observe::{self, Report};
use crate::spec::{Kind, Loaded, Role, StopAction};

pub use channel::{Channel, CommitPoint, Ended, Finished};
pub use journal::{file_stamp, rfc3339, Journal, SCHEMA_VERSION};
pub use pipes::{new_marker, Input};
pub use precheck::Committed;
pub use signals::Interrupt;
pub use vars::{psql_quote, set_lines, shell_quote, Vars};

/// How long the probe may take (an ssh that prompts for a password never answers).
pub const PROBE_LIMIT: Duration = Duration::from_secs(60);

/// Run `packetc apply`.
pub fn run(args: &ApplyArgs, out: &mut dyn Write) -> Result<Status, Error> {
    let loaded = crate::spec::load(&args.packet)?;
    let vars = Vars::parse(&args.vars, &loaded.packet)?;
    let channel = Channel::resolve(args, &loaded.packet)?;
    let policy = Policy::resolve(args.policy.as_deref())?;
    writeln!(
        out,
        "packetc apply: {} ({}, sha256 {})",
        loaded.packet.name,
        loaded.spec_path.display(),
        loaded.spec_sha256
    )?;
    let Some(scripts) = precheck::committed_scripts(&loaded, &policy, out)? else {
        return Ok(Status::Failed);
    };
    let (forward, rollback): (Vec<Committed>, Vec<Committed>) = scripts
        .into_iter()
        .partition(|c| c.step.role != Role::Rollback);
    writeln!(
        out,
        "checks: {} committed scripts match the spec and lint clean",
        forward.len() + rollback.len()
    )?;
    if args.dry_run {
        dry_run(out, &loaded, &forward, rollback.first(), &channel, &vars)?;
        return Ok(Status::Clean);
    }
    let interrupt = Interrupt::install()?;
    // From here on the journal is the record: a closed stdout (a dropped ssh session, `| head`)
    // must not abort a sequence half-way, so progress output becomes best-effort.
    let mut tolerant = Tolerant {
        inner: out,
        broken: false,
    };
    let out: &mut dyn Write = &mut tolerant;
    let journal = Journal::open(args.journal.as_deref(), &loaded.dir, SystemTime::now())?;
    writeln!(out, "journal: {}", journal.path().display())?;
    writeln!(
        out,
        "channel: {} (from {})",
        channel.describe(),
        channel.source()
    )?;
    out.flush()?;
    let mut apply = Apply {
        loaded: &loaded,
        channel: &channel,
        vars: &vars,
        interrupt: &interrupt,
        journal,
        journal_error: None,
        out,
    };
    apply.execute(&forward, rollback.first())
}

/// A writer that stops writing at its first error instead of failing the caller.
struct Tolerant<'a> {
    inner: &'a mut dyn Write,
    broken: bool,
}

impl Write for Tolerant<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if !self.broken && self.inner.write_all(buf).is_err() {
            self.broken = true;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.broken && self.inner.flush().is_err() {
            self.broken = true;
        }
        Ok(())
    }
}

/// What a step's run came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Ok,
    Failed,
    Interrupted(&'static str),
}

struct StepRun {
    outcome: Outcome,
    finished: Option<Finished>,
    commit_acknowledged: bool,
    /// Why the step failed, in one line.
    why: String,
}

struct Apply<'a> {
    loaded: &'a Loaded,
    channel: &'a Channel,
    vars: &'a Vars,
    interrupt: &'a Interrupt,
    journal: Journal,
    journal_error: Option<String>,
    out: &'a mut dyn Write,
}

impl Apply<'_> {
    fn execute(
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
        match self.probe()? {
            Ok(()) => {}
            Err(status) => return Ok(status),
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

    fn start_record(&self, forward: &[Committed], rollback: Option<&Committed>) -> Value {
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
    fn log(&mut self, record: &Value) {
        if let Err(e) = self.journal.record(record) {
            let msg = format!("{}: {e}", self.journal.path().display());
            let _ = writeln!(self.out, "WARNING: journal write failed: {msg}");
            self.journal_error.get_or_insert(msg);
        }
    }

    fn finish(&mut self, outcome: &str, message: &str) -> Result<Status, Error> {
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
    fn probe(&mut self) -> Result<Result<(), Status>, Error> {
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

    fn step(&mut self, label: &str, c: &Committed) -> Result<StepRun, Error> {
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

    fn print_step(
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

    fn interrupted(
        &mut self,
        c: &Committed,
        run: &StepRun,
        sig: &'static str,
    ) -> Result<Status, Error> {
        let state = if c.step.kind == Kind::ReadOnly {
            "it was read-only: nothing changed".to_owned()
        } else if run.commit_acknowledged {
            "its COMMIT had already been acknowledged: the change IS in; run the verify step by hand".to_owned()
        } else if run
            .finished
            .as_ref()
            .and_then(|f| f.commit_point)
            .is_some_and(|p| !p.sent)
        {
            "packetc never sent its COMMIT line, so the transaction cannot commit: the server rolls it back when psql ends or reaches end of input".to_owned()
        } else {
            "no COMMIT was acknowledged: the server rolls the open transaction back when the connection closes".to_owned()
        };
        writeln!(
            self.out,
            "stopped: {sig} received during {}; the channel was ended and no new step started; {state}",
            c.step.script
        )?;
        writeln!(
            self.out,
            "      with a remote channel, confirm the remote psql is gone and check the state with the preflight (read-only):\n      {}",
            self.channel.rerun_command("", &self.loaded.sql_dir().join(first_script(self.loaded, Role::Preflight)))
        )?;
        self.finish(
            "interrupted",
            &format!("{sig} during {}: {state}", c.step.script),
        )
    }

    fn failed(
        &mut self,
        c: &Committed,
        run: &StepRun,
        rollback: Option<&Committed>,
    ) -> Result<Status, Error> {
        let note = c.step.stop_note.clone().unwrap_or_default();
        match c.step.stop {
            StopAction::Stop => {
                let state = match (c.step.kind, run.commit_acknowledged) {
                    (Kind::ReadOnly, _) => "the step is read-only: nothing was changed",
                    (Kind::Transaction, false) => "its transaction aborted before COMMIT: nothing was changed",
                    (Kind::Transaction, true) => "its COMMIT was acknowledged before the failure: the change may be in; run the verify step by hand",
                };
                writeln!(
                    self.out,
                    "stopped: {} failed ({}); {state}. {note}",
                    c.step.script, run.why
                )?;
                self.finish(
                    "stopped",
                    &format!("{} failed: {}; {state}", c.step.script, run.why),
                )
            }
            StopAction::StopAndRollback => {
                writeln!(
                    self.out,
                    "STOP + rollback: {} failed ({}). {note}",
                    c.step.script, run.why
                )?;
                let Some(rb) = rollback else {
                    writeln!(self.out, "ROLLBACK MISSING: the packet has no rollback step; undo the change by hand")?;
                    self.rollback_help(None, "the packet has no rollback step")?;
                    return self.finish(
                        "rollback_failed",
                        "verify failed and the packet has no rollback step",
                    );
                };
                if let Some(e) = self.journal_error.clone() {
                    writeln!(
                        self.out,
                        "ROLLBACK NOT RUN: the journal could not be written ({e})"
                    )?;
                    self.rollback_help(Some(rb), "the journal could not be written")?;
                    return self.finish(
                        "rollback_failed",
                        "verify failed; the journal failed before the rollback",
                    );
                }
                let rb_run = self.step("[rollback]", rb)?;
                match rb_run.outcome {
                    Outcome::Ok => {
                        writeln!(
                            self.out,
                            "stopped: {} failed ({}); the rollback {} succeeded and removed the rows it wrote",
                            c.step.script, run.why, rb.step.script
                        )?;
                        self.finish(
                            "rolled_back",
                            &format!(
                                "{} failed: {}; rollback {} succeeded",
                                c.step.script, run.why, rb.step.script
                            ),
                        )
                    }
                    Outcome::Failed | Outcome::Interrupted(_) => {
                        let why = match rb_run.outcome {
                            Outcome::Interrupted(sig) => format!("{sig} ended the rollback"),
                            _ => rb_run.why.clone(),
                        };
                        writeln!(self.out, "\n!!! ROLLBACK FAILED: {why}")?;
                        self.rollback_help(Some(rb), &why)?;
                        if let Some(f) = &rb_run.finished {
                            writeln!(
                                self.out,
                                "  psql output of the rollback ({}):",
                                f.status_text()
                            )?;
                            for l in f.stderr.lines().chain(f.stdout.lines()) {
                                writeln!(self.out, "    | {l}")?;
                            }
                        }
                        self.finish(
                            "rollback_failed",
                            &format!(
                                "{} failed: {}; rollback {} FAILED: {why}",
                                c.step.script, run.why, rb.step.script
                            ),
                        )
                    }
                }
            }
        }
    }

    /// Everything an operator needs to finish a rollback by hand.
    fn rollback_help(&mut self, rb: Option<&Committed>, why: &str) -> std::io::Result<()> {
        let p = &self.loaded.packet;
        let prov = &p.provenance;
        let apr = self
            .vars
            .all()
            .find(|(n, _)| *n == prov.approval_variable)
            .map(|(_, v)| v.to_owned());
        let tag = crate::pg::quote_literal(&prov.tag);
        writeln!(self.out, "!!! The database may still hold the rows this run wrote. Nothing more will run: act by hand.")?;
        writeln!(self.out, "  why:     {why}")?;
        writeln!(
            self.out,
            "  rows:    {} WHERE {} = {tag}{}",
            prov.table,
            prov.tag_column,
            apr.map(|a| format!(
                " (their {} = {})",
                prov.approval_column,
                crate::pg::quote_literal(&a)
            ))
            .unwrap_or_default()
        )?;
        writeln!(
            self.out,
            "  count:   SELECT count(*) FROM {} WHERE {} = {tag};",
            prov.table, prov.tag_column
        )?;
        if let Some(rb) = rb {
            writeln!(
                self.out,
                "  rerun:   once the cause is fixed, rerun the rollback (it re-checks its gate and deletes exactly the tagged rows, or nothing):\n           {}",
                self.channel.rerun_command(&self.vars.prelude(rb.step.role), &rb.path)
            )?;
            writeln!(
                self.out,
                "  script:  {} (sha256 {})",
                rb.path.display(),
                rb.sha256
            )?;
        }
        writeln!(self.out, "  journal: {}", self.journal.path().display())?;
        writeln!(
            self.out,
            "  docs:    docs/apply.md, \"When the rollback fails\""
        )
    }
}

fn first_script(loaded: &Loaded, role: Role) -> String {
    loaded
        .packet
        .steps
        .iter()
        .find(|s| s.role == role)
        .map_or_else(String::new, |s| s.script.clone())
}

/// The fields every channel run shares in the journal.
fn run_record(kind: &str, f: &Finished, started: SystemTime, ended: SystemTime) -> Value {
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
fn why_failed(f: &Finished, report: &Report) -> String {
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

fn dry_run(
    out: &mut dyn Write,
    loaded: &Loaded,
    forward: &[Committed],
    rollback: Option<&Committed>,
    channel: &Channel,
    vars: &Vars,
) -> std::io::Result<()> {
    writeln!(out, "dry run: nothing is run and no journal is written")?;
    writeln!(
        out,
        "channel: {} (from {}; run as sh -c, script on stdin)",
        channel.describe(),
        channel.source()
    )?;
    writeln!(out, "0. probe (read-only): SELECT current_database(), current_user; each variable read back and matched against its pattern")?;
    let describe = |out: &mut dyn Write, n: &str, c: &Committed| -> std::io::Result<()> {
        writeln!(
            out,
            "{n}. {} ({}, {}; sha256 {})",
            c.step.script,
            c.step.role,
            match c.step.kind {
                Kind::ReadOnly => "read-only",
                Kind::Transaction => "one transaction",
            },
            c.sha256
        )?;
        let prelude = vars.prelude(c.step.role);
        for l in prelude.lines() {
            writeln!(out, "   stdin: {l}")?;
        }
        writeln!(out, "   stdin: {}", c.path.display())?;
        writeln!(
            out,
            "   as:    {}",
            channel.rerun_command(&prelude, &c.path)
        )?;
        Ok(())
    };
    for (i, c) in forward.iter().enumerate() {
        describe(out, &(i + 1).to_string(), c)?;
        let on_failure = match (c.step.stop, rollback) {
            (StopAction::Stop, _) => "stop".to_owned(),
            (StopAction::StopAndRollback, Some(rb)) => {
                format!("run {} (below), then stop", rb.step.script)
            }
            (StopAction::StopAndRollback, None) => {
                "stop (the packet has no rollback step!)".to_owned()
            }
        };
        writeln!(
            out,
            "   on failure: {on_failure}{}",
            c.step
                .stop_note
                .as_deref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default()
        )?;
    }
    if let Some(rb) = rollback {
        describe(out, "R", rb)?;
        writeln!(
            out,
            "   runs only when a stop_and_rollback step fails; never on its own"
        )?;
    }
    writeln!(
        out,
        "never automated: opening the human gate ({} {}); anything the lint policy forbids",
        loaded.packet.human_gate.metric, loaded.packet.human_gate.open_when
    )?;
    for n in &loaded.packet.automation_never {
        writeln!(out, "  - {n}")?;
    }
    Ok(())
}
