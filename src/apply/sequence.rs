//! The parts of a run every path shares: the journal's records, the probe, the lock, reading
//! the live state, and running one step and judging it by its evidence. Which steps run is
//! decided in [`super::resume`]; how a run stops in [`super::stops`].

use std::io::Write;
use std::time::{Duration, SystemTime};

use super::channel::{Channel, Ended, Finished};
use super::evidence::{self, Verdict};
use super::journal::{rfc3339, Journal};
use super::lock::{self, Holder, Taken};
use super::pipes::{new_marker, Input};
use super::precheck::Committed;
use super::record::{
    Captured, ChannelInfo, ChannelRun, Classified, Committed as Commit, End, EndedBy, Limits, Lock,
    Mode, Outcome, Probe, ProbeResult, Record, Start, State, StepEnd, StepInfo, StepOutcome,
    StepStart, SCHEMA_VERSION,
};
use super::signals::Interrupt;
use super::vars::Vars;
use super::{probe, state, PROBE_LIMIT};
use crate::diag::{Error, Status};
use crate::packet::{Kind, Loaded, StopAction};

/// One step's run, judged.
pub(super) struct StepRun {
    pub(super) verdict: Verdict,
    pub(super) finished: Option<Finished>,
}

impl StepRun {
    pub(super) fn outcome(&self) -> StepOutcome {
        self.verdict.outcome
    }
}

/// The live state as read through the channel.
pub(super) struct Live {
    pub(super) classified: Classified,
    pub(super) metrics: std::collections::BTreeMap<String, String>,
    pub(super) mismatches: Vec<String>,
    pub(super) error: Option<String>,
}

pub(super) struct Apply<'a> {
    pub(super) loaded: &'a Loaded,
    pub(super) channel: &'a Channel,
    pub(super) vars: &'a Vars,
    pub(super) interrupt: &'a Interrupt,
    pub(super) journal: Journal,
    pub(super) journal_error: Option<String>,
    pub(super) out: &'a mut dyn Write,
    pub(super) limits: Limits,
    pub(super) mode: Mode,
    pub(super) lock: Option<Holder>,
    /// What this run has committed, for the end record and every stop message.
    pub(super) committed: String,
    /// The proof record (or its override), compared with the target before the forward steps.
    pub(super) proven: &'a crate::proof::gate::Proven,
    /// The lint policy the precheck used (schema-aware with the fixture, when there is one);
    /// the scripts are linted again with the live catalog before the lock.
    pub(super) policy: &'a crate::lint::Policy,
}

impl Apply<'_> {
    pub(super) fn start_record(&self, all: &[&Committed]) -> Record {
        let p = &self.loaded.packet;
        Record::Start(Start {
            schema: SCHEMA_VERSION,
            mode: self.mode,
            packetc_version: env!("CARGO_PKG_VERSION").to_owned(),
            packet: p.name.clone(),
            packet_dir: self.loaded.dir.display().to_string(),
            spec: self.loaded.spec_path.display().to_string(),
            spec_sha256: self.loaded.spec_sha256.clone(),
            database: p.database.clone(),
            channel: ChannelInfo {
                source: self.channel.source().to_owned(),
                command: self.channel.describe(),
            },
            vars: self
                .vars
                .all()
                .map(|(n, v)| (n.to_owned(), v.to_owned()))
                .collect(),
            steps: all
                .iter()
                .map(|c| StepInfo {
                    step: c.step.number,
                    role: c.step.role.as_str().to_owned(),
                    script: c.step.script.clone(),
                    path: c.path.display().to_string(),
                    sha256: c.sha256.clone(),
                    stop: match c.step.stop {
                        StopAction::Stop => "stop",
                        StopAction::StopAndRollback => "stop_and_rollback",
                    }
                    .to_owned(),
                })
                .collect(),
            limits: self.limits,
            pid: std::process::id(),
        })
    }

    /// Append a record; a failure is remembered and stops the run before the next step.
    pub(super) fn log(&mut self, record: Record) {
        if let Err(e) = self.journal.record(record) {
            let msg = format!("{}: {e}", self.journal.path().display());
            let _ = writeln!(self.out, "WARNING: journal write failed: {msg}");
            self.journal_error.get_or_insert(msg);
        }
    }

    /// End the run: the `end` record, the lock released, the journal's path.
    /// End the run as interrupted before any step ran (`why`: what the signal interrupted),
    /// after ending the progress line with "interrupted".
    pub(super) fn interrupted_before_steps(&mut self, why: &str) -> Result<Status, Error> {
        writeln!(self.out, "interrupted")?;
        self.finish(Outcome::Interrupted, &format!("{why}; no step was run"))
    }

    pub(super) fn finish(&mut self, outcome: Outcome, message: &str) -> Result<Status, Error> {
        let ok = matches!(outcome, Outcome::Applied | Outcome::RolledBack);
        let code = i32::from(!ok);
        self.log(Record::End(End {
            outcome,
            exit_code: code,
            message: message.to_owned(),
            committed: self.committed.clone(),
        }));
        self.release();
        let name = serde_json::to_value(outcome)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        writeln!(
            self.out,
            "journal: {} ({name})",
            self.journal.path().display()
        )?;
        if let Some(e) = &self.journal_error {
            writeln!(
                self.out,
                "WARNING: the journal is incomplete ({e}); what is committed: {}",
                self.committed
            )?;
            return Ok(Status::Failed);
        }
        Ok(if ok { Status::Clean } else { Status::Failed })
    }

    pub(super) fn release(&mut self) {
        if let Some(h) = self.lock.take() {
            h.release(self.interrupt);
        }
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
        let judged = match finished.ended {
            Some(Ended::Interrupted(_)) => None,
            _ => Some(probe::judge(
                &finished,
                packet,
                self.vars,
                &self.channel.describe(),
            )),
        };
        let (result, database, user, error) = match &judged {
            None => (ProbeResult::Interrupted, None, None, None),
            Some(Ok(p)) => (
                ProbeResult::Ok,
                Some(p.database.clone()),
                Some(p.user.clone()),
                None,
            ),
            Some(Err(e)) => (ProbeResult::Refused, None, None, Some(e.to_string())),
        };
        self.journal.defer(Record::Probe(Probe {
            result,
            database,
            user,
            error,
            channel_run: channel_run(&finished, started),
        }));
        match judged {
            None => Ok(Err(
                self.interrupted_before_steps("a signal arrived during the probe")?
            )),
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
                self.log(Record::End(End {
                    outcome: Outcome::Refused,
                    exit_code: 2,
                    message: e.to_string(),
                    committed: self.committed.clone(),
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

    /// Take the packet's advisory lock. `Ok(Err(status))`: another apply holds it (exit 1).
    pub(super) fn take_lock(&mut self) -> Result<Result<(), Status>, Error> {
        let key = lock::key(&self.loaded.packet);
        let run = self.journal.run().to_owned();
        match lock::take(
            self.channel,
            &self.loaded.packet,
            &run,
            self.interrupt,
            PROBE_LIMIT,
        )? {
            Taken::Held(h) => {
                self.lock = Some(h);
                self.journal.defer(Record::Lock(Lock {
                    acquired: true,
                    key,
                    holder: None,
                }));
                writeln!(
                    self.out,
                    "lock: advisory lock ({}, {}) held for this run",
                    key[0], key[1]
                )?;
                Ok(Ok(()))
            }
            Taken::Busy(who) => {
                self.journal.defer(Record::Lock(Lock {
                    acquired: false,
                    key,
                    holder: Some(who.clone()),
                }));
                writeln!(
                    self.out,
                    "stopped: another apply holds the packet (advisory lock ({}, {}) on database {}, held by {who}); nothing was run",
                    key[0], key[1], self.loaded.packet.database
                )?;
                writeln!(
                    self.out,
                    "      wait for it to end, then re-run the same command; `packetc status` shows its journal"
                )?;
                Ok(Err(self.finish(
                    Outcome::Locked,
                    &format!("another apply holds the packet: {who}"),
                )?))
            }
            Taken::Failed(_) if self.interrupt.requested().is_some() => {
                let sig = self.interrupt.requested().unwrap_or("a signal");
                writeln!(
                    self.out,
                    "stopped: {sig} while taking the packet's lock; nothing was run"
                )?;
                Ok(Err(self.finish(
                    Outcome::Interrupted,
                    &format!("{sig} while taking the lock; no step was run"),
                )?))
            }
            Taken::Failed(why) => {
                writeln!(
                    self.out,
                    "stopped: the packet's lock could not be taken: {why}; nothing was run"
                )?;
                Ok(Err(self.finish(
                    Outcome::Stopped,
                    &format!("the lock could not be taken: {why}"),
                )?))
            }
        }
    }

    /// Read the live state through the channel (read-only), journal it, return it.
    pub(super) fn live_state(&mut self, purpose: &str) -> Result<Live, Error> {
        let script = state::script(
            &self.loaded.packet,
            &state::given(self.vars),
            &self.limit_lines(None),
        );
        let started = SystemTime::now();
        let finished = self
            .channel
            .spawn(Input::whole(script.into_bytes()))?
            .wait(self.interrupt, Some(self.step_limit()))?;
        let metrics = state::parse(&finished.stdout);
        let complete = self
            .loaded
            .packet
            .metrics
            .iter()
            .all(|m| metrics.contains_key(&m.name));
        let error = if complete {
            None
        } else {
            let e = crate::observe::parse(&finished.stderr)
                .other_error
                .unwrap_or_else(|| format!("the channel ended ({})", finished.status_text()));
            Some(format!(
                "{} of {} metrics could not be read: {e}",
                self.loaded.packet.metrics.len() - metrics.len(),
                self.loaded.packet.metrics.len()
            ))
        };
        let (mut classified, mismatches) = state::classify(&self.loaded.packet, &metrics);
        if finished.ended.is_some() {
            classified = Classified::Unknown;
        }
        let live = Live {
            classified,
            metrics,
            mismatches,
            error,
        };
        let record = Record::State(State {
            purpose: purpose.to_owned(),
            classified: live.classified,
            metrics: live.metrics.clone(),
            mismatches: live.mismatches.clone(),
            error: live.error.clone(),
            channel_run: Some(channel_run(&finished, started)),
        });
        if purpose == "resume" || purpose == "rollback" {
            self.journal.defer(record);
        } else {
            self.log(record);
        }
        Ok(live)
    }

    pub(super) fn step_limit(&self) -> Duration {
        Duration::from_millis(self.limits.step_ms)
    }

    /// `SET lock_timeout` / `SET statement_timeout` lines: every step is bounded on the server
    /// too, read-only ones included (a step's own `SET LOCAL lock_timeout` still wins inside
    /// its transaction).
    pub(super) fn limit_lines(&self, c: Option<&Committed>) -> String {
        super::limits::set_lines(c.map(|c| &c.step), &self.limits)
    }

    /// A catalog read before the lock (the schema fingerprint, the live catalog): `body` sent
    /// whole through the channel under the run's server-side limits and the probe's time limit.
    /// `Ok(Err(status))`: interrupted while reading `what`; the run is finished, nothing ran.
    pub(super) fn catalog_read(
        &mut self,
        body: &str,
        what: &str,
    ) -> Result<Result<Finished, Status>, Error> {
        let script = format!("{}{body}", self.limit_lines(None));
        let finished = self
            .channel
            .spawn(Input::whole(script.into_bytes()))?
            .wait(self.interrupt, Some(PROBE_LIMIT))?;
        if let Some(Ended::Interrupted(sig)) = finished.ended {
            let why = format!("{sig} while reading {what}");
            return Ok(Err(self.interrupted_before_steps(&why)?));
        }
        Ok(Ok(finished))
    }

    pub(super) fn prelude(&self, c: &Committed) -> String {
        format!(
            "{}{}",
            self.limit_lines(Some(c)),
            self.vars.prelude(c.step.role)
        )
    }

    /// Run a step; a read-only step whose evidence is incomplete (or that psql could not
    /// finish) runs again, up to the attempt limit. Never on a failed assertion.
    pub(super) fn step_with_retries(
        &mut self,
        label: &str,
        c: &Committed,
    ) -> Result<StepRun, Error> {
        let mut attempt = 1;
        loop {
            let run = self.step(label, c, attempt)?;
            let again = c.step.kind == Kind::ReadOnly
                && matches!(run.outcome(), StepOutcome::Incomplete | StepOutcome::Error)
                && attempt < self.limits.attempts
                && self.interrupt.requested().is_none()
                && self.journal_error.is_none();
            if !again {
                return Ok(run);
            }
            attempt += 1;
            writeln!(
                self.out,
                "      read-only: no harm in asking again (attempt {attempt} of {})",
                self.limits.attempts
            )?;
        }
    }

    pub(super) fn step(
        &mut self,
        label: &str,
        c: &Committed,
        attempt: u32,
    ) -> Result<StepRun, Error> {
        let prelude = self.prelude(c);
        let input = if c.step.kind == Kind::Transaction {
            Input::hold_commit(&prelude, &c.bytes, &new_marker("commit-point"))
        } else {
            let mut bytes = prelude.clone().into_bytes();
            bytes.extend_from_slice(&c.bytes);
            Input::whole(bytes)
        };
        let marker = input.held.as_ref().map(|h| h.marker.clone());
        let started = SystemTime::now();
        self.log(Record::StepStart(StepStart {
            step: c.step.number,
            role: c.step.role.as_str().to_owned(),
            script: c.step.script.clone(),
            path: c.path.display().to_string(),
            sha256: c.sha256.clone(),
            attempt,
            channel: self.channel.describe(),
            prelude,
            commit_marker: marker,
            limit_ms: super::limits::step_ms(Some(&c.step), &self.limits),
        }));
        write!(self.out, "{label} {} ({}) ... ", c.step.script, c.step.role)?;
        self.out.flush()?;
        let limit_ms = super::limits::step_ms(Some(&c.step), &self.limits);
        let limit = Duration::from_millis(limit_ms);
        let finished = match self.channel.spawn(input) {
            Ok(running) => running.wait(self.interrupt, Some(limit))?,
            Err(e) => {
                let why = e.to_string().trim_end().to_owned();
                writeln!(self.out, "FAILED\n      {why}")?;
                let verdict = Verdict {
                    outcome: StepOutcome::Error,
                    committed: (c.step.kind == Kind::Transaction).then_some(Commit::No),
                    observations: Vec::new(),
                    missing: Vec::new(),
                    why,
                };
                self.log_end(c, attempt, &verdict, None, None, started);
                return Ok(StepRun {
                    verdict,
                    finished: None,
                });
            }
        };
        let report = crate::observe::parse(&format!("{}\n{}", finished.stderr, finished.stdout));
        let sig = match finished.ended {
            Some(Ended::Interrupted(s)) => Some(s),
            _ => None,
        };
        let verdict = evidence::judge(&c.step, &finished, &report, sig);
        self.print_step(&verdict, &finished, &report, limit_ms)?;
        self.log_end(
            c,
            attempt,
            &verdict,
            Some(&finished),
            Some(&report),
            started,
        );
        Ok(StepRun {
            verdict,
            finished: Some(finished),
        })
    }

    fn log_end(
        &mut self,
        c: &Committed,
        attempt: u32,
        v: &Verdict,
        f: Option<&Finished>,
        report: Option<&crate::observe::Report>,
        started: SystemTime,
    ) {
        self.log(Record::StepEnd(StepEnd {
            step: c.step.number,
            role: c.step.role.as_str().to_owned(),
            script: c.step.script.clone(),
            attempt,
            outcome: v.outcome,
            committed: v.committed,
            commit_point_reached: f.and_then(|f| f.commit_point).map(|p| p.reached),
            commit_sent: f.and_then(|f| f.commit_point).map(|p| p.sent),
            observations: v.observations.clone(),
            missing: v.missing.clone(),
            failure: report.and_then(|r| r.failure.as_ref().map(|f| f.message.clone())),
            other_error: report.and_then(|r| r.other_error.clone()),
            why: v.why.clone(),
            channel_run: f.map(|f| channel_run(f, started)),
        }));
    }

    fn print_step(
        &mut self,
        v: &Verdict,
        f: &Finished,
        report: &crate::observe::Report,
        limit_ms: u64,
    ) -> std::io::Result<()> {
        let secs = f.duration.as_secs_f64();
        match v.outcome {
            StepOutcome::Ok => writeln!(self.out, "ok ({secs:.2}s)")?,
            StepOutcome::Failed => writeln!(self.out, "FAILED ({secs:.2}s, {})", f.status_text())?,
            StepOutcome::Error => writeln!(self.out, "ERROR ({secs:.2}s, {})", f.status_text())?,
            StepOutcome::Incomplete => {
                writeln!(self.out, "INCOMPLETE ({secs:.2}s, {})", f.status_text())?;
            }
            StepOutcome::Interrupted => {
                writeln!(self.out, "INTERRUPTED ({secs:.2}s): the channel was ended")?;
            }
            StepOutcome::TimedOut => writeln!(
                self.out,
                "TIMED OUT after {secs:.2}s (limit {} s): the channel was ended",
                limit_ms as f64 / 1000.0
            )?,
        }
        for o in &v.observations {
            writeln!(
                self.out,
                "      {} {} = {} (expected {})",
                o.phase, o.metric, o.observed, o.expected
            )?;
        }
        if v.outcome != StepOutcome::Ok {
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
                writeln!(self.out, "      {}", v.why)?;
            }
        }
        self.out.flush()
    }
}

/// The fields every channel run records, with its output bounded.
pub(super) fn channel_run(f: &Finished, started: SystemTime) -> ChannelRun {
    ChannelRun {
        started: rfc3339(started),
        ended: rfc3339(SystemTime::now()),
        duration_ms: u64::try_from(f.duration.as_millis()).unwrap_or(u64::MAX),
        exit_code: f.exit_code,
        signal: f.signal,
        ended_by: f.ended.map(|e| match e {
            Ended::Interrupted("SIGINT") => EndedBy::Sigint,
            Ended::Interrupted("SIGHUP") => EndedBy::Sighup,
            Ended::Interrupted(_) => EndedBy::Sigterm,
            Ended::TimedOut => EndedBy::Timeout,
        }),
        stdout: Captured::bounded(&f.stdout, f.stdout_bytes),
        stderr: Captured::bounded(&f.stderr, f.stderr_bytes),
        output_complete: f.output_complete,
    }
}
