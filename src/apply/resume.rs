//! What a run does, decided from the live state and the journal: re-running the same command is
//! the way forward after any crash.
//!
//! | live state | journal | case | what happens |
//! |---|---|---|---|
//! | not applied | any | `not_applied` | every forward step from the preflight |
//! | applied | no passing verify after the change | `applied_not_verified` | the verify (and its stop condition) |
//! | applied | a passing verify after the change | `applied_and_verified` | nothing; exit 0; nothing written |
//! | anything else | any | `other` | stop, exit 1, with what was found and what to do |
//!
//! `--rollback` runs the rollback step unless the live state already is the state before the
//! change. Whenever a COMMIT's answer is lost, the live state decides too ([`Apply::commit_unknown`]).

use super::history;
use super::precheck::Committed;
use super::record::{
    Case, Classified, Committed as Commit, Decision, Mode, Outcome, Record, StepOutcome,
};
use super::sequence::{Apply, Live, StepRun};
use crate::diag::{Error, Status};
use crate::packet::Kind;

impl Apply<'_> {
    /// Journal the start, probe, lock and read the live state. `Err(status)`: the run ended.
    pub(super) fn begin(
        &mut self,
        all: &[&Committed],
        purpose: &str,
    ) -> Result<Result<Live, Status>, Error> {
        let start = self.start_record(all);
        // Written at once: a journal that cannot be written stops the run before the channel.
        if let Err(e) = self.journal.record(start) {
            return Err(Error::io(self.journal.path(), &e));
        }
        if let Some(sig) = self.interrupt.requested() {
            return Ok(Err(self.finish(
                Outcome::Interrupted,
                &format!("{sig} before the probe; nothing was run"),
            )?));
        }
        self.journal_proof_override();
        if let Err(status) = self.probe()? {
            return Ok(Err(status));
        }
        // The rollback only deletes the packet's own tagged rows: a schema that drifted since
        // the proof must not stand in the way of undoing the change.
        if self.mode == Mode::Apply {
            if let Err(status) = self.schema_gate()? {
                return Ok(Err(status));
            }
        }
        if let Err(status) = self.live_lint(all)? {
            return Ok(Err(status));
        }
        if let Err(status) = self.take_lock()? {
            return Ok(Err(status));
        }
        write!(self.out, "state: ")?;
        self.out.flush()?;
        let live = self.live_state(purpose)?;
        if let Some(sig) = self.interrupt.requested() {
            let why = format!("{sig} while reading the live state");
            return Ok(Err(self.interrupted_before_steps(&why)?));
        }
        Ok(Ok(live))
    }

    /// `packetc apply PACKET`: the forward steps, from where the live state says.
    pub(super) fn run_forward(
        &mut self,
        forward: &[Committed],
        rollback: Option<&Committed>,
    ) -> Result<Status, Error> {
        let all: Vec<&Committed> = forward.iter().chain(rollback).collect();
        let live = match self.begin(&all, "resume")? {
            Ok(l) => l,
            Err(s) => return Ok(s),
        };
        let verified = history::read(&history::journal_files(
            &self.loaded.dir,
            Some(self.journal.path()),
        ))
        .of(
            &self.loaded.packet.name,
            &self.loaded.packet.database,
            &self.channel.describe(),
        )
        .verified_after_last_change();
        let (case, from) = match live.classified {
            Classified::NotApplied => (Case::NotApplied, 0),
            Classified::Applied if verified => (Case::AppliedAndVerified, forward.len()),
            Classified::Applied => {
                let last_tx = forward
                    .iter()
                    .rposition(|c| c.step.kind == Kind::Transaction)
                    .map_or(0, |i| i + 1);
                (Case::AppliedNotVerified, last_tx)
            }
            Classified::Other | Classified::Unknown => (Case::Other, forward.len()),
        };
        let message = match case {
            Case::NotApplied => "not applied: every metric the change moves has its value from before; running every step from the preflight".to_owned(),
            Case::AppliedNotVerified => format!(
                "applied but not verified: the change is in (the final state holds) and no passing verify after it is journaled; running {}",
                forward.get(from).map_or("nothing", |c| c.step.script.as_str())
            ),
            Case::AppliedAndVerified => "already applied and verified: the final state holds and the journal has a passing verify after the change; nothing to do".to_owned(),
            _ => self.describe_other(&live),
        };
        writeln!(self.out, "{message}")?;
        if case == Case::AppliedAndVerified {
            self.release();
            self.journal.discard();
            writeln!(self.out, "journal: nothing written (this run's file is removed, or an existing --journal left as it was)")?;
            return Ok(Status::Clean);
        }
        self.log(Record::Decision(Decision {
            case,
            message: message.clone(),
        }));
        if let Some(e) = self.journal_error.clone() {
            return Err(Error::input(
                format!("the journal cannot be written ({e}); nothing was run"),
                "free space or pass --journal FILE on a writable disk, then re-run the same command",
            ));
        }
        if case == Case::Other {
            let table = super::status::table(&self.loaded.packet, &live.metrics);
            self.out.write_all(table.as_bytes())?;
            self.print_other_help()?;
            return self.finish(Outcome::Stopped, &message);
        }
        if case == Case::AppliedNotVerified {
            self.committed =
                "the change was already in before this run (the live state shows its final state)"
                    .to_owned();
        }
        self.steps(forward, from, rollback)
    }

    /// The forward steps from index `from`.
    fn steps(
        &mut self,
        forward: &[Committed],
        from: usize,
        rollback: Option<&Committed>,
    ) -> Result<Status, Error> {
        let total = forward.len();
        for (i, c) in forward.iter().enumerate().skip(from) {
            if let Some(sig) = self.interrupt.requested() {
                writeln!(
                    self.out,
                    "stopped: {sig}: no new step started; {} was not run",
                    c.step.script
                )?;
                return self.finish(
                    Outcome::Interrupted,
                    &format!("{sig}: no new step started; {} was not run", c.step.script),
                );
            }
            if let Some(e) = self.journal_error.clone() {
                return self.journal_stop(&e, &c.step.script);
            }
            if !self.lock.as_mut().is_some_and(super::lock::Holder::alive) {
                writeln!(self.out, "stopped: the session holding the packet's lock ended (the channel dropped?); {} was not run; what is committed: {}; re-run the same command", c.step.script, self.committed)?;
                return self.finish(
                    Outcome::Stopped,
                    &format!("lost the advisory lock before {}", c.step.script),
                );
            }
            let run = self.step_with_retries(&format!("[{}/{total}]", i + 1), c)?;
            match run.outcome() {
                StepOutcome::Ok => {
                    if run.verdict.committed == Some(Commit::Yes) {
                        self.committed =
                            format!("{} IS committed (COMMIT acknowledged)", c.step.script);
                    }
                }
                StepOutcome::Interrupted => return self.interrupted(c, &run),
                StepOutcome::Failed => return self.failed(c, &run, rollback),
                _ => {
                    if run.verdict.committed == Some(Commit::Unknown) {
                        match self.commit_unknown(c, &run, Classified::Applied)? {
                            Ok(()) => continue,
                            Err(status) => return Ok(status),
                        }
                    }
                    return self.no_evidence(c, &run);
                }
            }
        }
        if let Some(e) = self.journal_error.clone() {
            return self.journal_stop(&e, "the end of the run");
        }
        let ran: Vec<&str> = forward[from..]
            .iter()
            .map(|c| c.step.script.as_str())
            .collect();
        writeln!(
            self.out,
            "applied and verified: {} passed with every observation the spec declares{}",
            ran.join(", "),
            if from > 0 {
                " (the change was in before this run)"
            } else {
                ""
            }
        )?;
        self.finish(Outcome::Applied, "applied and verified")
    }

    /// A transaction step's COMMIT was sent and its answer never came: read the live state.
    /// `Ok(Ok(()))` when it shows `done` (the step took effect): go on.
    pub(super) fn commit_unknown(
        &mut self,
        c: &Committed,
        run: &StepRun,
        done: Classified,
    ) -> Result<Result<(), Status>, Error> {
        writeln!(
            self.out,
            "      {}: its COMMIT was sent but no answer came ({}); asking the database (read-only) ...",
            c.step.script, run.verdict.why
        )?;
        write!(self.out, "state: ")?;
        let live = self.live_state("commit_unknown")?;
        let undone = if done == Classified::Applied {
            Classified::NotApplied
        } else {
            Classified::Applied
        };
        if live.classified == done {
            let m = format!(
                "{} committed: its acknowledgement was lost, but the live state shows its change ({})",
                c.step.script,
                summary(&live)
            );
            writeln!(self.out, "{m}")?;
            self.log(Record::Decision(Decision {
                case: Case::CommitConfirmed,
                message: m,
            }));
            self.committed = format!(
                "{} IS committed (confirmed from the live state)",
                c.step.script
            );
            return Ok(Ok(()));
        }
        if live.classified == undone {
            let m = format!(
                "{} did not commit: the live state is unchanged ({}); nothing changed",
                c.step.script,
                summary(&live)
            );
            writeln!(self.out, "{m}")?;
            self.log(Record::Decision(Decision {
                case: Case::CommitNotApplied,
                message: m.clone(),
            }));
            writeln!(
                self.out,
                "stopped: {m}; re-run the same command to try again"
            )?;
            return Ok(Err(self.finish(Outcome::Stopped, &m)?));
        }
        let m = format!(
            "the outcome of {}'s COMMIT is unknown and the live state is neither before nor after ({})",
            c.step.script,
            self.describe_other(&live)
        );
        writeln!(self.out, "stopped: {m}")?;
        self.committed = format!("unknown: {}", summary(&live));
        self.print_other_help()?;
        Ok(Err(self.finish(Outcome::Stopped, &m)?))
    }

    /// `packetc apply PACKET --rollback --confirm-rollback`.
    pub(super) fn run_rollback(&mut self, rb: &Committed) -> Result<Status, Error> {
        let live = match self.begin(&[rb], "rollback")? {
            Ok(l) => l,
            Err(s) => return Ok(s),
        };
        if live.classified == Classified::NotApplied {
            writeln!(
                self.out,
                "nothing to roll back: the live state is the state before the change ({})",
                summary(&live)
            )?;
            self.log(Record::Decision(Decision {
                case: Case::NothingToRollBack,
                message: "the live state is the state before the change".into(),
            }));
            return self.finish(Outcome::RolledBack, "nothing to roll back");
        }
        writeln!(self.out, "{}", match live.classified {
            Classified::Applied => "applied: running the rollback".to_owned(),
            _ => format!("{}; running the rollback (it re-checks its gate and deltas: it deletes exactly the tagged rows, or nothing)", self.describe_other(&live)),
        })?;
        if let Some(e) = self.journal_error.clone() {
            return self.journal_stop(&e, &rb.step.script);
        }
        let run = self.step("[rollback]", rb, 1)?;
        match run.outcome() {
            StepOutcome::Ok => {
                self.committed = format!(
                    "{} IS committed: the tagged rows are deleted",
                    rb.step.script
                );
                writeln!(
                    self.out,
                    "rolled back: {} passed with every observation the spec declares",
                    rb.step.script
                )?;
                self.finish(Outcome::RolledBack, "rolled back")
            }
            StepOutcome::Interrupted => self.interrupted(rb, &run),
            StepOutcome::Failed => self.rollback_failed(rb, &run, "--rollback"),
            _ if run.verdict.committed == Some(Commit::Unknown) => {
                match self.commit_unknown(rb, &run, Classified::NotApplied)? {
                    Ok(()) => self.finish(
                        Outcome::RolledBack,
                        "rolled back (confirmed from the live state)",
                    ),
                    Err(status) => Ok(status),
                }
            }
            _ => self.no_evidence(rb, &run),
        }
    }

    pub(super) fn describe_other(&self, live: &Live) -> String {
        match (&live.error, live.classified) {
            (Some(e), _) => format!("the live state could not be read completely: {e}"),
            (None, Classified::Unknown) => "the live state could not be read".to_owned(),
            _ => format!(
                "neither applied nor not applied: {}",
                if live.mismatches.is_empty() {
                    "the metrics hold both ways".to_owned()
                } else {
                    format!(
                        "{} match neither the before nor the after value",
                        live.mismatches.join(", ")
                    )
                }
            ),
        }
    }

    fn print_other_help(&mut self) -> std::io::Result<()> {
        let cmd = self.command_hint();
        writeln!(
            self.out,
            "stopped before any step: the live state is not one apply can continue from"
        )?;
        writeln!(
            self.out,
            "      see it metric by metric and with the journal history: packetc status {cmd}"
        )?;
        writeln!(self.out, "      if this packet's rows must go (the rollback re-checks everything and deletes exactly the rows tagged {:?}, or nothing):", self.loaded.packet.provenance.tag)?;
        writeln!(self.out, "        packetc apply {}", self.rollback_hint())?;
        writeln!(self.out, "      otherwise find who changed what (the journal has every observed metric), fix it, and re-run the same command")
    }

    /// The rollback command packetc suggests: [`Self::command_hint`] with this run's `--var`s,
    /// so the rollback's read of the live state can evaluate the metrics that use them (a
    /// metric reading `packetc.<var>` cannot be read without it).
    pub(super) fn rollback_hint(&self) -> String {
        let mut cmd = self.command_hint();
        for (name, value) in self.vars.all() {
            cmd.push_str(" --var ");
            cmd.push_str(&crate::sql::shell_quote(&format!("{name}={value}")));
        }
        cmd.push_str(" --rollback --confirm-rollback");
        cmd
    }

    /// `PACKET [--channel CMD | --database-url URL]` for the commands packetc suggests.
    pub(super) fn command_hint(&self) -> String {
        let packet = crate::sql::shell_quote(&self.loaded.dir.display().to_string());
        match self.channel.source() {
            "--channel" => format!(
                "{packet} --channel {}",
                crate::sql::shell_quote(&self.channel.describe())
            ),
            "--database-url" => match self.channel {
                super::channel::Channel::Psql { conninfo, .. } => format!(
                    "{packet} --database-url {}",
                    crate::sql::shell_quote(&crate::pg::Target::url(conninfo).to_string())
                ),
                super::channel::Channel::Shell { .. } => packet,
            },
            _ => packet,
        }
    }
}

/// `own_tagged = 30, gap = 0, ...` for the metrics that decide.
fn summary(live: &Live) -> String {
    let mut parts: Vec<String> = live
        .metrics
        .iter()
        .filter(|(m, _)| !matches!(m.as_str(), "db"))
        .map(|(m, v)| format!("{m} = {v}"))
        .collect();
    parts.truncate(12);
    parts.join(", ")
}
