//! Spec v2 states every fact once; this pass derives the rest into the model the templates read.
//!
//! 1. The preflight gate is the starting state; its entry for the human gate's metric is the
//!    gate's open condition.
//! 2. The seed re-checks the whole preflight gate inside its transaction (its own `gate:` only
//!    adds conditions).
//! 3. A seed delta `-> TO` starts where the gate stands; `FROM -> TO` is only for metrics no exact
//!    gate fixes.
//! 4. Verify expects the state after the seed (the gate plus the seed's deltas), for the metrics
//!    its `expect:` names (default: every metric the seed's deltas give a known value).
//! 5. The rollback inverts every seed delta that changes something (`TO -> FROM`, or `-N` for the
//!    metrics its `relative:` names).
//! 6. The final state `prove` measures is verify's expectation.
//!
//! Repeatable shapes (scanner, cursor) differ in two places: a seed delta `-> TO` that no exact
//! gate fixes means "reaches TO from any start" (a repeated run finds it done), and the rollback
//! is stated, not derived — it undoes every run at once, not the inverse of one run.
//!
//! A stated value equal to the derived one is `PS033 repeats-derived` ("delete it"); one that
//! differs is an error naming the place the fact lives. Metrics whose entries were already
//! reported are skipped, so one mistake is one error.

use std::collections::{HashMap, HashSet};

use serde_saphyr::Spanned;

use super::codes;
use super::diagnostic::Sink;
use super::model::{
    Change, Check, Condition, Delta, MetricType, Number, Op, Role, Shape, Step, Value,
};
use super::raw::{Conditions, RawPacket};
use super::value::{self, SeedDelta};

/// What validation has learnt before deriving.
pub struct Ctx<'a> {
    pub sink: &'a mut Sink,
    pub metrics: &'a HashMap<String, MetricType>,
    pub poisoned: &'a HashSet<String>,
    /// The packet's shape: repeatable shapes reach values and state their rollback.
    pub shape: Shape,
}

/// The derived facts that live outside the steps.
pub struct Derived {
    /// The human gate's open condition (the preflight gate's entry for its metric).
    pub open_when: Option<Condition>,
    /// What `prove` measures after verify: verify's expectation.
    pub final_state: Vec<Check>,
}

/// Fill in the seed's gate and deltas, verify's expectation and the rollback's deltas.
pub fn derive(ctx: &mut Ctx<'_>, raw: &RawPacket, steps: &mut [Step]) -> Derived {
    let mut poisoned = ctx.poisoned.clone();
    let find = |steps: &[Step], role: Role| steps.iter().position(|s| s.role == role);
    let pre_gate = find(steps, Role::Preflight).map(|i| steps[i].gate.clone());

    // 1. The human gate's condition.
    let hm = &raw.human_gate.metric;
    let open_when = pre_gate
        .as_ref()
        .and_then(|g| g.iter().find(|c| c.metric == hm.value))
        .map(|c| c.condition.clone());
    let pre_raw = find(steps, Role::Preflight).map(|i| &raw.steps.value[steps[i].number]);
    let pre_gate_broken =
        pre_raw.is_some_and(|r| r.gate.0.iter().any(|(k, _)| poisoned.contains(&k.value)));
    if open_when.is_none()
        && pre_gate.is_some()
        && !pre_gate_broken
        && ctx.metrics.contains_key(&hm.value)
    {
        ctx.sink.at(
            &codes::HUMAN_GATE_UNGATED,
            &hm.referenced,
            format!("the human gate `{}` is not in the preflight gate", hm.value),
            "not gated",
            format!(
                "add `{}: '>= 1'` (its open condition) to the preflight gate; the seed re-checks it",
                hm.value
            ),
        );
    }

    // 2. + 3. The seed.
    let mut state: Vec<(String, Condition)> = Vec::new();
    let mut seed_deltas: Vec<Delta> = Vec::new();
    if let Some(si) = find(steps, Role::Seed) {
        let rs = &raw.steps.value[steps[si].number];
        let base = pre_gate.clone().unwrap_or_default();
        let mut gate = base.clone();
        for c in &steps[si].gate {
            let loc = entry_loc(&rs.gate, &c.metric);
            match base.iter().find(|p| p.metric == c.metric) {
                Some(p) if p.condition == c.condition => ctx.sink.at_span(
                    &codes::REPEATS_DERIVED,
                    loc,
                    format!("the seed re-checks the preflight gate `{} {}` already", c.metric, c.condition),
                    "repeats the preflight gate",
                    "delete it: the seed re-checks every preflight gate inside its transaction",
                ),
                Some(p) => ctx.sink.at_span(
                    &codes::CONTRADICTS_DERIVED,
                    loc,
                    format!(
                        "the seed's gate says {} {}, but the preflight gate it re-checks says {} {}",
                        c.metric, c.condition, p.metric, p.condition
                    ),
                    "contradicts the preflight gate",
                    "delete it here; change the preflight gate if the condition is wrong",
                ),
                None => gate.push(c.clone()),
            }
        }
        for c in &gate {
            state.push((c.metric.clone(), c.condition.clone()));
        }
        seed_deltas = step_deltas(ctx, &rs.deltas, &gate, &mut poisoned);
        for d in &seed_deltas {
            let before = state
                .iter()
                .find(|(m, _)| *m == d.metric)
                .and_then(|(_, c)| exact(c));
            let after = match (d.change, before) {
                (Change::Absolute { to, .. } | Change::Reaches { to }, _) => Some(to),
                (Change::Relative { by }, Some(b)) => Some(b.plus(by)),
                (Change::Relative { .. }, None) => None,
            };
            state.retain(|(m, _)| *m != d.metric);
            if let Some(a) = after {
                state.push((
                    d.metric.clone(),
                    Condition {
                        op: Op::Eq,
                        value: Value::Number(a),
                    },
                ));
            }
        }
        steps[si].gate = gate;
        steps[si].deltas.clone_from(&seed_deltas);
    }

    // 4. Verify.
    let mut final_state = Vec::new();
    if let Some(vi) = find(steps, Role::Verify) {
        let rs = &raw.steps.value[steps[vi].number];
        let names: Vec<Spanned<String>> = rs.expect.clone().unwrap_or_else(|| {
            seed_deltas
                .iter()
                .filter(|d| state.iter().any(|(m, _)| *m == d.metric))
                .map(|d| Spanned {
                    value: d.metric.clone(),
                    referenced: rs.role.referenced,
                    defined: rs.role.defined,
                })
                .collect()
        });
        let mut seen = HashSet::new();
        let mut expect = Vec::new();
        for n in &names {
            if !seen.insert(n.value.clone()) {
                ctx.sink.at(
                    &codes::DUPLICATE,
                    &n.referenced,
                    format!("`{}` appears twice in expect", n.value),
                    "again here",
                    "keep one",
                );
                continue;
            }
            if !ctx.metrics.contains_key(&n.value) {
                let mut known: Vec<&str> = ctx.metrics.keys().map(String::as_str).collect();
                known.sort_unstable();
                ctx.sink.at(
                    &codes::UNKNOWN_METRIC,
                    &n.referenced,
                    format!("unknown metric `{}`", n.value),
                    "not declared under metrics:",
                    format!("known metrics: {}", known.join(", ")),
                );
                continue;
            }
            match state.iter().find(|(m, _)| *m == n.value) {
                Some((m, c)) => expect.push(Check {
                    metric: m.clone(),
                    condition: c.clone(),
                }),
                None if poisoned.contains(&n.value) => {}
                None => ctx.sink.at(
                    &codes::NOT_DERIVABLE,
                    &n.referenced,
                    format!(
                        "verify expects `{}`, but nothing establishes its value after the seed",
                        n.value
                    ),
                    "not derivable",
                    format!(
                        "gate `{}` in preflight or give the seed a delta for it",
                        n.value
                    ),
                ),
            }
        }
        final_state.clone_from(&expect);
        steps[vi].expect = expect;
    }

    // 5. The rollback: stated for a repeatable shape, the seed's inverse otherwise.
    if let Some(ri) = find(steps, Role::Rollback).filter(|_| ctx.shape.is_repeatable()) {
        let rs = &raw.steps.value[steps[ri].number];
        for r in &rs.relative {
            ctx.sink.at(
                &codes::NOT_HERE,
                &r.referenced,
                format!(
                    "`relative` picks the form of a derived rollback, but a {} packet states its rollback's deltas",
                    ctx.shape
                ),
                "here",
                "remove it and write the delta itself (e.g. `-> 0` on a tagged count)",
            );
        }
        let gate = steps[ri].gate.clone();
        steps[ri].deltas = step_deltas(ctx, &rs.deltas, &gate, &mut poisoned);
    } else if let Some(ri) = find(steps, Role::Rollback) {
        let rs = &raw.steps.value[steps[ri].number];
        for r in &rs.relative {
            let changed = seed_deltas
                .iter()
                .any(|d| d.metric == r.value && !d.change.net().is_some_and(Number::is_zero));
            if !changed && !poisoned.contains(&r.value) {
                ctx.sink.at(
                    &codes::NOT_INVERTIBLE,
                    &r.referenced,
                    format!(
                        "the rollback inverts `{}` relatively, but the seed does not change it",
                        r.value
                    ),
                    "here",
                    "list only metrics the seed's deltas change",
                );
            }
        }
        let inverse: Vec<Delta> = seed_deltas
            .iter()
            .filter(|d| !d.change.net().is_some_and(Number::is_zero))
            .map(|d| {
                let relative = rs.relative.iter().any(|r| r.value == d.metric);
                let change = match d.change {
                    Change::Absolute { from, to } if !relative => {
                        Change::Absolute { from: to, to: from }
                    }
                    c => match c.net() {
                        Some(net) => Change::Relative { by: net.negated() },
                        // Only a repeatable shape reaches a value, and its rollback is stated.
                        None => c,
                    },
                };
                Delta {
                    metric: d.metric.clone(),
                    change,
                }
            })
            .collect();
        for (name, val) in &rs.deltas.0 {
            let derived = inverse.iter().find(|d| d.metric == name.value);
            let stated = value::delta(&val.value).ok();
            match derived {
                Some(d) if stated == Some(d.change) => ctx.sink.at(
                    &codes::REPEATS_DERIVED,
                    &name.referenced,
                    format!("the rollback inverts the seed's `{}` already", name.value),
                    "repeats a derived value",
                    "delete it: the rollback's deltas are the seed's, inverted",
                ),
                _ if poisoned.contains(&name.value) => {}
                _ => ctx.sink.at(
                    &codes::CONTRADICTS_DERIVED,
                    &name.referenced,
                    match derived {
                        Some(d) => format!(
                            "the rollback's `{}` is derived from the seed's delta, inverted ({}); this says otherwise",
                            name.value, d.change
                        ),
                        None => format!(
                            "the rollback's deltas are the seed's, inverted, and the seed does not change `{}`",
                            name.value
                        ),
                    },
                    "here",
                    "delete it: the rollback inverts every seed delta; `relative: [metric]` picks the `-N` form",
                ),
            }
        }
        steps[ri].deltas = inverse;
    }

    Derived {
        open_when,
        final_state,
    }
}

/// A step's stated deltas, each read as [`seed_delta`] reads it (a metric named twice is one
/// error; a broken entry poisons its metric so nothing derived from it is reported again).
fn step_deltas(
    ctx: &mut Ctx<'_>,
    conds: &Conditions,
    gate: &[Check],
    poisoned: &mut HashSet<String>,
) -> Vec<Delta> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (name, val) in &conds.0 {
        if !seen.insert(name.value.clone()) {
            ctx.sink.at(
                &codes::DUPLICATE,
                &name.referenced,
                format!("`{}` appears twice in deltas", name.value),
                "again here",
                "keep one",
            );
            continue;
        }
        match seed_delta(ctx, name, val, gate) {
            Some(d) => out.push(d),
            None => {
                poisoned.insert(name.value.clone());
            }
        }
    }
    out
}

/// A delta (the seed's, or a repeatable packet's stated rollback delta), its start taken from
/// the step's gate when the gate fixes it.
fn seed_delta(
    ctx: &mut Ctx<'_>,
    name: &Spanned<String>,
    val: &Spanned<super::raw::Scalar>,
    gate: &[Check],
) -> Option<Delta> {
    let Some(ty) = ctx.metrics.get(&name.value) else {
        let mut known: Vec<&str> = ctx.metrics.keys().map(String::as_str).collect();
        known.sort_unstable();
        ctx.sink.at(
            &codes::UNKNOWN_METRIC,
            &name.referenced,
            format!("unknown metric `{}`", name.value),
            "not declared under metrics:",
            format!("known metrics: {}", known.join(", ")),
        );
        return None;
    };
    if *ty == MetricType::Text {
        ctx.sink.at(
            &codes::BAD_DELTA,
            &name.referenced,
            format!("metric `{}` is text; deltas apply to numbers", name.value),
            "here",
            "gate text metrics instead",
        );
        return None;
    }
    let parsed = match value::seed_delta(&val.value) {
        Ok(p) => p,
        Err(e) => {
            ctx.sink.at(
                &codes::BAD_DELTA,
                &val.referenced,
                format!("delta `{}`: {e}", name.value),
                "here",
                "",
            );
            return None;
        }
    };
    let gated = gate.iter().find(|c| c.metric == name.value);
    let start = gated.and_then(|c| exact(&c.condition));
    let change = match parsed {
        SeedDelta::By(by) => Change::Relative { by },
        SeedDelta::To(to) => match start {
            Some(from) => Change::Absolute { from, to },
            None if ctx.shape.is_repeatable() => Change::Reaches { to },
            None => {
                let why = gated.map_or_else(
                    || "no gate fixes its start".to_owned(),
                    |c| {
                        format!(
                            "the gate `{} {}` does not fix its start",
                            c.metric, c.condition
                        )
                    },
                );
                ctx.sink.at(
                    &codes::NOT_DERIVABLE,
                    &val.referenced,
                    format!("delta `{}` says `-> {to}`, but {why}", name.value),
                    "no start",
                    format!("write the start: `{}: FROM -> {to}`", name.value),
                );
                return None;
            }
        },
        SeedDelta::FromTo(from, to) => {
            match (start, gated) {
                (Some(g), _) if g == from => {
                    ctx.sink.at(
                        &codes::REPEATS_DERIVED,
                        &val.referenced,
                        format!(
                            "delta `{}` repeats its start {from}: the gate fixes it",
                            name.value
                        ),
                        "repeats the gate",
                        format!("delete the start: write `{}: -> {to}`", name.value),
                    );
                }
                (_, Some(c)) if c.condition.holds_for(&Value::Number(from)) == Some(false) => {
                    ctx.sink.at(
                        &codes::DELTA_CONTRADICTS_GATE,
                        &val.referenced,
                        format!(
                            "delta `{}` starts at {from}, but the gate requires {} {}",
                            name.value, c.metric, c.condition
                        ),
                        format!("starts at {from}"),
                        format!(
                            "write `{}: -> {to}` and let the gate give the start, or fix the gate",
                            name.value
                        ),
                    );
                    return None;
                }
                _ => {}
            }
            Change::Absolute { from, to }
        }
    };
    Some(Delta {
        metric: name.value.clone(),
        change,
    })
}

fn exact(c: &Condition) -> Option<Number> {
    match (&c.op, &c.value) {
        (Op::Eq, Value::Number(n)) => Some(*n),
        _ => None,
    }
}

/// The span of the key naming `metric` in a conditions mapping.
fn entry_loc(conds: &Conditions, metric: &str) -> Option<miette::SourceSpan> {
    let (k, _) = conds.0.iter().find(|(k, _)| k.value == metric)?;
    let off = usize::try_from(k.referenced.span().byte_offset()?).ok()?;
    Some(miette::SourceSpan::new(off.into(), k.value.len()))
}
