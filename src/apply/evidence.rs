//! Judging a step by what it showed, not by how the channel exited.
//!
//! A step passes only when psql printed every observation the spec declares for it — each
//! gate (`gate`), each expectation (`expect`), each delta before and after the write
//! (`before` / `after`; a delta's starting value may be shown by the gate instead) — and, for a
//! transaction, the COMMIT's acknowledgement. An exit code of 0 with evidence missing is
//! "incomplete", never success: a channel that cut the script short exits 0 too.

use super::channel::Finished;
use super::record::{Committed, Observed, StepOutcome};
use crate::observe::Report;
use crate::packet::{Kind, Step};

/// One observation a step must print: (phase, metric), or a choice of phases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needed {
    pub phases: Vec<&'static str>,
    pub metric: String,
}

impl Needed {
    fn label(&self) -> String {
        format!("{} {}", self.phases[0], self.metric)
    }
}

/// Everything `step` must show.
#[must_use]
pub fn needed(step: &Step) -> Vec<Needed> {
    let mut n = Vec::new();
    for c in &step.gate {
        n.push(Needed {
            phases: vec!["gate"],
            metric: c.metric.clone(),
        });
    }
    for c in &step.expect {
        n.push(Needed {
            phases: vec!["expect"],
            metric: c.metric.clone(),
        });
    }
    for d in &step.deltas {
        n.push(Needed {
            phases: vec!["before", "gate"],
            metric: d.metric.clone(),
        });
        n.push(Needed {
            phases: vec!["after"],
            metric: d.metric.clone(),
        });
    }
    n
}

/// The verdict on one run of a step.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub outcome: StepOutcome,
    pub committed: Option<Committed>,
    pub observations: Vec<Observed>,
    /// What was not observed, as `phase metric`.
    pub missing: Vec<String>,
    /// One line on why the step did not pass ("" when it did).
    pub why: String,
}

/// Judge a finished run of `step` from its output.
#[must_use]
pub fn judge(step: &Step, f: &Finished, report: &Report, interrupted: Option<&str>) -> Verdict {
    let observations: Vec<Observed> = report
        .observations
        .iter()
        .filter(|o| o.script == step.script)
        .map(|o| Observed {
            phase: o.phase.clone(),
            metric: o.metric.clone(),
            observed: o.observed.clone(),
            expected: o.expected.clone(),
        })
        .collect();
    let missing: Vec<String> = needed(step)
        .iter()
        .filter(|n| {
            !observations
                .iter()
                .any(|o| o.metric == n.metric && n.phases.contains(&o.phase.as_str()))
        })
        .map(Needed::label)
        .collect();
    let acknowledged = f.stdout.lines().any(|l| l.trim() == "COMMIT");
    let committed = (step.kind == Kind::Transaction).then(|| {
        let sent = f.commit_point.is_some_and(|p| p.sent);
        if acknowledged {
            Committed::Yes
        } else if !sent || f.stdout.lines().any(|l| l.trim() == "ROLLBACK") {
            Committed::No
        } else {
            Committed::Unknown
        }
    });
    let (outcome, why) = if let Some(sig) = interrupted {
        (
            StepOutcome::Interrupted,
            format!("{sig}: packetc ended the channel"),
        )
    } else if f.ended == Some(super::channel::Ended::TimedOut) {
        (
            StepOutcome::TimedOut,
            "the step's time limit passed: packetc ended the channel".to_owned(),
        )
    } else if let Some(fail) = &report.failure {
        (StepOutcome::Failed, fail.message.clone())
    } else if let Some(e) = &report.other_error {
        (
            StepOutcome::Error,
            format!("{e} ({}); no assertion failed", f.status_text()),
        )
    } else if missing.is_empty() && f.success() && committed.is_none_or(|c| c == Committed::Yes) {
        (StepOutcome::Ok, String::new())
    } else {
        let what = if missing.is_empty() {
            match committed {
                Some(Committed::Unknown) => "the acknowledgement of its COMMIT was".to_owned(),
                Some(Committed::No) => "its COMMIT was".to_owned(),
                _ => format!("a clean exit ({}) was", f.status_text()),
            }
        } else {
            format!(
                "{} of {} observations ({}) {}",
                missing.len(),
                needed(step).len(),
                missing.join(", "),
                if missing.len() == 1 { "was" } else { "were" }
            )
        };
        (
            StepOutcome::Incomplete,
            format!(
                "incomplete: the channel ended ({}) before {what} seen",
                f.status_text()
            ),
        )
    };
    Verdict {
        outcome,
        committed,
        observations,
        missing,
        why,
    }
}
