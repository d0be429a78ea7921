//! `packetc apply --repeat N`: a repeatable shape (scanner, cursor) in a bounded loop.
//!
//! Each iteration runs the forward steps (preflight, the write, verify) exactly as a one-shot
//! apply does, judged by their evidence, journaled (a `decision` record per iteration). The loop
//! ends at the first of:
//! - a failed condition (the step's stop action, as always), missing evidence, an interrupt;
//! - **nothing left to do**: before an iteration, the live state satisfies the preflight gate and
//!   shows every `-> N` delta of the write step already at N (the iteration is not run, nothing
//!   is written; a failing gate runs the iteration so that preflight stops on it), or the iteration's
//!   own write reported exactly that before writing (someone else did the work meanwhile);
//! - N iterations.
//!
//! A repeatable packet without `--repeat` is `--repeat 1`: the live state decides whether there
//! is work, the gates decide whether it may be done. A seed is refused (`run` in mod.rs): its
//! second run stops on its gate by design.

use std::collections::BTreeMap;

use super::precheck::Committed;
use super::record::{Case, Committed as Commit, Decision, Outcome, Record, StepOutcome};
use super::sequence::Apply;
use crate::diag::{Error, Status};
use crate::packet::{Number, Role, Step};
use crate::prove::shapes::nothing_left;

pub(super) fn at_target(step: &Step, values: &BTreeMap<String, String>) -> bool {
    nothing_left(step, |m| values.get(m).and_then(|v| Number::parse(v)))
}

/// Whether the live values satisfy every gate of `step`. "Nothing left to do" is only said
/// when the preconditions hold too: with no ruleset a scanner's `missing` is 0 as well, and
/// that must stop on the gate, not pass as done.
pub(super) fn gates_hold(step: &Step, values: &BTreeMap<String, String>) -> bool {
    step.gate
        .iter()
        .all(|c| super::state::holds(&c.condition, values.get(&c.metric).map(String::as_str)))
}

impl Apply<'_> {
    /// The bounded loop. `n` ≥ 1.
    pub(super) fn run_repeat(
        &mut self,
        forward: &[Committed],
        rollback: Option<&Committed>,
        n: u32,
    ) -> Result<Status, Error> {
        let all: Vec<&Committed> = forward.iter().chain(rollback).collect();
        let mut live = match self.begin(&all, "repeat")? {
            Ok(l) => l,
            Err(s) => return Ok(s),
        };
        let Some(write) = forward.iter().find(|c| c.step.role == Role::Seed) else {
            return self.finish(Outcome::Stopped, "the packet has no write step");
        };
        let preflight = forward.iter().find(|c| c.step.role == Role::Preflight);
        let total = forward.len();
        let mut did = 0u32;
        for i in 1..=n {
            if i > 1 {
                write!(self.out, "state: ")?;
                self.out.flush()?;
                live = self.live_state("repeat")?;
            }
            if let Some(e) = live.error.clone() {
                let msg = format!("iteration {i} of {n}: the live state could not be read ({e}); nothing more was run");
                writeln!(self.out, "stopped: {msg}; so far: {}", self.committed)?;
                return self.finish(Outcome::Stopped, &msg);
            }
            let gated = preflight.is_none_or(|p| gates_hold(&p.step, &live.metrics));
            if gated && at_target(&write.step, &live.metrics) {
                return self.nothing_left(
                    did,
                    &format!("the live state before iteration {i} of {n} shows the preflight gate holding and every '-> N' delta of the write already at N"),
                );
            }
            if let Some(sig) = self.interrupt.requested() {
                let msg = format!("{sig}: iteration {i} of {n} not started");
                writeln!(self.out, "stopped: {msg}; so far: {}", self.committed)?;
                return self.finish(Outcome::Interrupted, &msg);
            }
            if let Some(e) = self.journal_error.clone() {
                return self.journal_stop(&e, &format!("iteration {i}"));
            }
            if !self.lock.as_mut().is_some_and(super::lock::Holder::alive) {
                let msg = format!("lost the advisory lock before iteration {i}");
                writeln!(self.out, "stopped: {msg}; so far: {}", self.committed)?;
                return self.finish(Outcome::Stopped, &msg);
            }
            // Only a gate that holds makes the pending deltas work to do; otherwise the steps run
            // to stop on the gate and name it (nothing is claimed about work).
            let why = if gated {
                format!("work to do ({})", pending(&write.step, &live.metrics))
            } else {
                "the preflight gate does not hold on the live state".to_owned()
            };
            let message = format!(
                "iteration {i} of {n}: {why}; running {}",
                forward
                    .iter()
                    .map(|c| c.step.script.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            writeln!(self.out, "{message}")?;
            self.log(Record::Decision(Decision {
                case: Case::RepeatIteration,
                message,
            }));
            let mut write_found_nothing = false;
            for (k, c) in forward.iter().enumerate() {
                let run = self.step_with_retries(&format!("[{i}/{n} {}/{total}]", k + 1), c)?;
                match run.outcome() {
                    StepOutcome::Ok => {
                        if run.verdict.committed == Some(Commit::Yes) {
                            self.committed = format!(
                                "{} iteration(s) committed (last: {} in iteration {i})",
                                did + 1,
                                c.step.script
                            );
                        }
                        if c.step.role == Role::Seed {
                            let before: BTreeMap<String, String> = run
                                .verdict
                                .observations
                                .iter()
                                .filter(|o| o.phase == "before")
                                .map(|o| (o.metric.clone(), o.observed.clone()))
                                .collect();
                            write_found_nothing = at_target(&c.step, &before);
                        }
                    }
                    StepOutcome::Interrupted => return self.interrupted(c, &run),
                    StepOutcome::Failed => return self.failed(c, &run, rollback),
                    // A lost COMMIT answer, a timeout, missing evidence: stop and say so; the
                    // next run reads the live state (the steps are safe to repeat).
                    _ => return self.no_evidence(c, &run),
                }
            }
            did += 1;
            if write_found_nothing {
                return self.nothing_left(
                    did,
                    &format!("iteration {i}'s write found every '-> N' delta already at N before writing (done meanwhile)"),
                );
            }
        }
        let msg = format!(
            "{did} iteration(s) of {n} ran and each found work to do; the bound --repeat {n} is reached"
        );
        writeln!(self.out, "applied: {msg}")?;
        self.log(Record::Decision(Decision {
            case: Case::RepeatBound,
            message: msg.clone(),
        }));
        self.finish(Outcome::Applied, &msg)
    }

    fn nothing_left(&mut self, did: u32, why: &str) -> Result<Status, Error> {
        let msg = format!("nothing left to do: {why}; {did} iteration(s) ran");
        writeln!(self.out, "{msg}")?;
        self.log(Record::Decision(Decision {
            case: Case::NothingLeft,
            message: msg.clone(),
        }));
        self.finish(Outcome::Applied, &msg)
    }
}

/// `metric value→target` for the `-> N` deltas not at their target yet.
pub(super) fn pending(step: &Step, values: &BTreeMap<String, String>) -> String {
    step.deltas
        .iter()
        .filter_map(|d| match d.change {
            crate::packet::Change::Reaches { to } => {
                let v = values.get(&d.metric).map_or("?", String::as_str);
                (Number::parse(v) != Some(to)).then(|| format!("{} {v}→{to}", d.metric))
            }
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(", ")
}
