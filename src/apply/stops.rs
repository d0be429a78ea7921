//! How a run ends when a step does not pass: the spec's stop actions (only on evidence: a failed
//! assertion), the truthful stop when evidence is missing, and the loud report an operator needs
//! when the rollback itself fails. Every message says what is committed.

use super::precheck::Committed;
use super::record::{Classified, Committed as Commit, Outcome, StepOutcome};
use super::sequence::{Apply, StepRun};
use crate::diag::{Error, Status};
use crate::packet::{Kind, StopAction};

impl Apply<'_> {
    /// What a step that did not pass left in the database.
    fn left(&self, c: &Committed, run: &StepRun) -> String {
        match (c.step.kind, run.verdict.committed) {
            (Kind::ReadOnly, _) => format!("{} is read-only: it changed nothing", c.step.script),
            (_, Some(Commit::Yes)) => format!("{} IS committed (COMMIT acknowledged)", c.step.script),
            (_, Some(Commit::Unknown)) => format!(
                "the outcome of {}'s COMMIT is unknown: re-run the same command, it reads the live state first",
                c.step.script
            ),
            _ => format!(
                "{}'s COMMIT was never sent (or PostgreSQL answered ROLLBACK): its transaction changed nothing",
                c.step.script
            ),
        }
    }

    pub(super) fn interrupted(&mut self, c: &Committed, run: &StepRun) -> Result<Status, Error> {
        let left = self.left(c, run);
        writeln!(
            self.out,
            "stopped: {} during {}; the channel was ended and no new step started; {left}; so far: {}",
            run.verdict.why, c.step.script, self.committed
        )?;
        writeln!(
            self.out,
            "      re-run the same command to continue from the live state (with a remote channel, first confirm the remote psql is gone)"
        )?;
        self.finish(
            Outcome::Interrupted,
            &format!("{} during {}: {left}", run.verdict.why, c.step.script),
        )
    }

    /// The step showed no evidence either way (incomplete, a psql error, the time limit).
    pub(super) fn no_evidence(&mut self, c: &Committed, run: &StepRun) -> Result<Status, Error> {
        let left = self.left(c, run);
        let what = match run.outcome() {
            StepOutcome::TimedOut => format!(
                "{} did not finish within its limit of {} s",
                c.step.script,
                super::limits::step_ms(Some(&c.step), &self.limits) as f64 / 1000.0
            ),
            _ => format!("{}: {}", c.step.script, run.verdict.why),
        };
        let not = if c.step.stop == StopAction::StopAndRollback {
            "; nothing was rolled back (missing evidence is no reason to)"
        } else {
            ""
        };
        writeln!(
            self.out,
            "stopped: {what}; {left}{not}; so far: {}",
            self.committed
        )?;
        writeln!(
            self.out,
            "      re-run the same command: it reads the live state and continues from there"
        )?;
        self.finish(Outcome::Stopped, &format!("{what}; {left}"))
    }

    /// A record could not be written: stop before the next step, saying what is committed.
    pub(super) fn journal_stop(&mut self, e: &str, before: &str) -> Result<Status, Error> {
        writeln!(
            self.out,
            "stopped: the journal could not be written ({e}); stopped before {before}; what is committed: {}",
            self.committed
        )?;
        writeln!(
            self.out,
            "      free the disk (or pass --journal FILE elsewhere) and re-run the same command: it reads the live state and continues"
        )?;
        self.finish(
            Outcome::JournalFailed,
            &format!("journal write failed before {before}"),
        )
    }

    /// A failed assertion: the spec's stop action.
    pub(super) fn failed(
        &mut self,
        c: &Committed,
        run: &StepRun,
        rollback: Option<&Committed>,
    ) -> Result<Status, Error> {
        let note = c.step.stop_note.clone().unwrap_or_default();
        let left = self.left(c, run);
        if c.step.stop == StopAction::Stop {
            writeln!(
                self.out,
                "stopped: {} failed ({}); {left}. {note}",
                c.step.script, run.verdict.why
            )?;
            return self.finish(
                Outcome::Stopped,
                &format!("{} failed: {}; {left}", c.step.script, run.verdict.why),
            );
        }
        writeln!(
            self.out,
            "STOP + rollback: {} failed ({}). {note}",
            c.step.script, run.verdict.why
        )?;
        let Some(rb) = rollback else {
            writeln!(
                self.out,
                "ROLLBACK MISSING: the packet has no rollback step; undo the change by hand"
            )?;
            self.rollback_help(None, "the packet has no rollback step")?;
            return self.finish(
                Outcome::RollbackFailed,
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
                Outcome::RollbackFailed,
                "verify failed; the journal failed before the rollback",
            );
        }
        let rb_run = self.step("[rollback]", rb, 1)?;
        match rb_run.outcome() {
            StepOutcome::Ok => {
                self.committed = format!(
                    "{} IS committed: the tagged rows are deleted",
                    rb.step.script
                );
                writeln!(
                    self.out,
                    "stopped: {} failed ({}); the rollback {} passed and removed the rows it wrote",
                    c.step.script, run.verdict.why, rb.step.script
                )?;
                self.finish(
                    Outcome::VerifyFailedRolledBack,
                    &format!(
                        "{} failed: {}; rollback {} passed",
                        c.step.script, run.verdict.why, rb.step.script
                    ),
                )
            }
            _ if rb_run.verdict.committed == Some(Commit::Unknown) => {
                match self.commit_unknown(rb, &rb_run, Classified::NotApplied)? {
                    Ok(()) => self.finish(
                        Outcome::VerifyFailedRolledBack,
                        &format!(
                            "{} failed; rollback confirmed from the live state",
                            c.step.script
                        ),
                    ),
                    Err(status) => Ok(status),
                }
            }
            _ => self.rollback_failed(rb, &rb_run, &c.step.script),
        }
    }

    /// The rollback did not pass: stop loudly with everything needed to act.
    pub(super) fn rollback_failed(
        &mut self,
        rb: &Committed,
        rb_run: &StepRun,
        after: &str,
    ) -> Result<Status, Error> {
        let why = rb_run.verdict.why.clone();
        writeln!(self.out, "\n!!! ROLLBACK FAILED: {why}")?;
        self.rollback_help(Some(rb), &why)?;
        if let Some(f) = &rb_run.finished {
            writeln!(
                self.out,
                "  psql output of the rollback ({}; at most 40 lines):",
                f.status_text()
            )?;
            for l in f.stderr.lines().chain(f.stdout.lines()).take(40) {
                let l: String = l.chars().take(300).collect();
                writeln!(self.out, "    | {l}")?;
            }
        }
        self.finish(
            Outcome::RollbackFailed,
            &format!("{after}: rollback {} did not pass: {why}", rb.step.script),
        )
    }

    /// Everything an operator needs to finish a rollback.
    pub(super) fn rollback_help(
        &mut self,
        rb: Option<&Committed>,
        why: &str,
    ) -> std::io::Result<()> {
        let p = &self.loaded.packet;
        let prov = &p.provenance;
        let apr = self
            .vars
            .all()
            .find(|(n, _)| *n == prov.approval_variable)
            .map(|(_, v)| v.to_owned());
        let tag = crate::pg::quote_literal(&prov.tag);
        let left = self.committed.clone();
        writeln!(
            self.out,
            "!!! The database may still hold rows this packet wrote. Nothing more runs now. Committed so far: {left}."
        )?;
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
        let cmd = self.command_hint();
        writeln!(self.out, "  state:   packetc status {cmd}")?;
        if let Some(rb) = rb {
            writeln!(
                self.out,
                "  rerun:   once the cause is fixed, run the rollback again (journaled; it re-checks its gate and deletes exactly the tagged rows, or nothing):\n           packetc apply {}",
                self.rollback_hint()
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
