//! Suppressions: `-- packetc: allow CODE[, CODE…] -- reason` comments, applied per region (a
//! top-level statement or command, with everything found inside it).
//!
//! 1. [`plan`] reads the comments: each valid, suppressible code of a comment with a reason
//!    is wanted for its region; every problem is a PC020 finding.
//! 2. The engine reports PC021 for a wanted code its region has no finding of (like ruff's
//!    RUF100), then [`apply`] drops the suppressible findings that are wanted.
//!
//! Whether a finding *may* be suppressed is decided when it is made (`Engine::emit`): the
//! policy's `never_suppress`, and a fail-closed finding on text that names a protected object.

use std::collections::HashSet;

use crate::lint::finding::{Finding, LineIndex, Pos};
use crate::lint::policy::Policy;
use crate::lint::rules;
use crate::lint::scan::Allow;

/// A region and a rule code.
pub(crate) type Key = (usize, &'static str);

/// What the allow comments of a file ask for.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    /// Every (region, code) a valid comment silences.
    pub suppress: HashSet<Key>,
    /// The same, with where the comment is (for PC021).
    pub wanted: Vec<(Key, Pos, usize)>,
    /// Problems with the comments (PC020): where, length, what.
    pub bad: Vec<(Pos, usize, String)>,
}

/// Read the allow comments, each with the region it belongs to.
pub(crate) fn plan(
    allows: &[(usize, Allow)],
    text: &str,
    idx: &LineIndex,
    policy: &Policy,
) -> Plan {
    let mut p = Plan::default();
    for (region, a) in allows {
        let pos = idx.pos(a.start);
        let len = text.get(a.start..a.end).map_or(1, |t| t.chars().count());
        if a.reason.is_none() {
            p.bad.push((
                pos,
                len,
                rules::pc020_bad_suppression::NO_REASON.to_string(),
            ));
            continue;
        }
        if a.codes.is_empty() {
            p.bad
                .push((pos, len, rules::pc020_bad_suppression::NO_CODE.to_string()));
        }
        for c in &a.codes {
            match rules::lookup(c) {
                Some(r) if policy.suppressible(r.code) => {
                    p.suppress.insert((*region, r.code));
                    p.wanted.push(((*region, r.code), pos, len));
                }
                Some(r) => p
                    .bad
                    .push((pos, len, rules::pc020_bad_suppression::never(r.code))),
                None => p
                    .bad
                    .push((pos, len, rules::pc020_bad_suppression::unknown(c))),
            }
        }
    }
    p
}

/// The wanted codes that silence nothing: a code is used when its region has a finding of it,
/// suppressible or not (an unsuppressible one already says so itself).
pub(crate) fn unused(plan: &Plan, findings: &[(usize, Finding)]) -> Vec<(Key, Pos, usize)> {
    let used: HashSet<Key> = findings.iter().map(|(r, f)| (*r, f.code)).collect();
    plan.wanted
        .iter()
        .filter(|(key, _, _)| !used.contains(key))
        .copied()
        .collect()
}

/// The findings that remain, in file order.
pub(crate) fn apply(findings: Vec<(usize, Finding)>, suppress: &HashSet<Key>) -> Vec<Finding> {
    let mut out: Vec<Finding> = findings
        .into_iter()
        .filter(|(region, f)| !(f.suppressible && suppress.contains(&(*region, f.code))))
        .map(|(_, f)| f)
        .collect();
    out.sort_by(|a, b| (a.line, a.col, a.code).cmp(&(b.line, b.col, b.code)));
    out.dedup();
    out
}
