//! How a run ends when a step does not succeed: the spec's stop actions, the rollback, and the
//! loud report an operator needs when the rollback itself fails.

use super::precheck::Committed;
use super::sequence::{Apply, Outcome, StepRun};
use crate::diag::{Error, Status};
use crate::spec::{Kind, Loaded, Role, StopAction};

impl Apply<'_> {
    pub(super) fn interrupted(
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

    pub(super) fn failed(
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
