//! Every guard proven live: a check that cannot fail protects nothing.
//!
//! For each gate, expectation and delta of each step, and each value the approval must carry,
//! `prove` renders a mutant of the packet with that one expectation changed (an equality moves
//! by one or gains a suffix, a comparison is negated, a delta's target moves by one, a required
//! approval value gains a suffix), runs the mutant step on a fresh clone in the state where the
//! real step passes, and requires it to stop in that check's phase, naming that metric, with
//! every table unchanged. One that survives fails the proof. (Mutants of one state share a clone
//! while PostgreSQL shows it identical to a fresh one; see [`prove_guards`].)

use std::collections::BTreeMap;

use crate::diag::Error;
use crate::observe;
use crate::packet::{Change, Condition, Loaded, Number, Op, Packet, Role, Value};
use crate::pg::{self, TableFingerprint, Target};

use super::{exit_text, pg_error, Prover, Scenario};

/// The report line counting the guards (the report ends with "N of N guards proven live").
pub const GUARDS_LINE: &str = "guards proven live";

/// One guard and its mutant.
pub struct Guard {
    pub step: usize,
    pub role: Role,
    /// The phase the mutant must stop in (`gate`, `expect`, `after`, `approval`).
    pub phase: &'static str,
    /// The metric the stop must name.
    pub metric: String,
    /// `gate ospa >= 1 → < 1`.
    pub label: String,
    pub mutant: Packet,
}

fn mutate_condition(c: &Condition) -> Condition {
    match (&c.op, &c.value) {
        (Op::Eq, Value::Number(n)) => Condition {
            op: Op::Eq,
            value: Value::Number(n.plus(Number::from_i64(1))),
        },
        (Op::Eq, Value::Text(t)) => Condition {
            op: Op::Eq,
            value: Value::Text(format!("{t}_mutant")),
        },
        (op, v) => Condition {
            op: op.negated(),
            value: v.clone(),
        },
    }
}

fn mutate_change(c: Change) -> Change {
    let one = Number::from_i64(1);
    match c {
        Change::Absolute { from, to } => Change::Absolute {
            from,
            to: to.plus(one),
        },
        Change::Relative { by } => Change::Relative { by: by.plus(one) },
        Change::Reaches { to } => Change::Reaches { to: to.plus(one) },
    }
}

/// Every guard of the packet, in step order.
#[must_use]
pub fn guards(p: &Packet) -> Vec<Guard> {
    let mut out = Vec::new();
    for (si, step) in p.steps.iter().enumerate() {
        for (phase, is_gate) in [("gate", true), ("expect", false)] {
            let list = if is_gate { &step.gate } else { &step.expect };
            for (ci, c) in list.iter().enumerate() {
                let mut mutant = p.clone();
                let m = mutate_condition(&c.condition);
                let label = format!("{phase} {} {} → {m}", c.metric, c.condition);
                let target = if is_gate {
                    &mut mutant.steps[si].gate[ci]
                } else {
                    &mut mutant.steps[si].expect[ci]
                };
                target.condition = m;
                out.push(Guard {
                    step: step.number,
                    role: step.role,
                    phase,
                    metric: c.metric.clone(),
                    label,
                    mutant,
                });
            }
        }
        for (di, d) in step.deltas.iter().enumerate() {
            let mut mutant = p.clone();
            let m = mutate_change(d.change);
            mutant.steps[si].deltas[di].change = m;
            out.push(Guard {
                step: step.number,
                role: step.role,
                phase: "after",
                metric: d.metric.clone(),
                label: format!("delta {} {} → {m}", d.metric, d.change),
                mutant,
            });
        }
        let gated = step.gate.iter().any(|c| c.metric == p.human_gate.metric);
        if let (Some(a), true) = (&p.human_gate.approval, gated) {
            for (ri, (col, val)) in a.require.iter().enumerate() {
                let mut mutant = p.clone();
                let changed = format!("{val}_mutant");
                if let Some(ma) = mutant.human_gate.approval.as_mut() {
                    ma.require[ri].1.clone_from(&changed);
                }
                // Only this step's script is taken from the mutant render.
                out.push(Guard {
                    step: step.number,
                    role: step.role,
                    phase: "approval",
                    metric: p.human_gate.metric.clone(),
                    label: format!("approval {col} = '{val}' → '{changed}'"),
                    mutant,
                });
            }
        }
    }
    out
}

/// The state a step passes in: a clone template name per role.
struct States {
    open: String,
    seeded: Option<String>,
}

type Tables = BTreeMap<String, TableFingerprint>;

fn digest(t: &Target) -> Result<Tables, Error> {
    super::audit::tables(t)
}

/// The tables only: "nothing changed" means no row changed (sequences may advance on an aborted
/// INSERT, as in production).
fn tables_only(t: &Tables) -> Tables {
    let mut t = t.clone();
    t.retain(|k, _| !k.starts_with(super::audit::SEQUENCE));
    t
}

fn changed_tables(before: &Tables, after: &Tables) -> String {
    let names: Vec<&str> = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(v))
        .map(|(k, _)| k.as_str())
        .chain(
            before
                .keys()
                .filter(|k| !after.contains_key(*k))
                .map(String::as_str),
        )
        .collect();
    names.join(", ")
}

/// Run every mutant; one scenario with a line per guard, ending with "N of N guards proven live".
pub fn prove_guards(pr: &Prover<'_>, loaded: &Loaded) -> Result<Scenario, Error> {
    let mut sc = Scenario::new(
        "every guard proven live: a mutant per gate, expectation, delta and approval value, each on a fresh clone, must stop naming it with nothing changed",
    );
    let guards = guards(pr.packet);
    let db = &pr.packet.database;
    let mut states = States {
        open: pr.open_template.clone(),
        seeded: None,
    };
    let mut baselines: Vec<(String, Tables)> = Vec::new();
    let mut live = 0;
    let mut reusable: Option<String> = None;
    for g in &guards {
        let template = match g.role {
            Role::Preflight | Role::Seed => states.open.clone(),
            Role::Verify | Role::Rollback => match seeded(pr, &mut states)? {
                Ok(t) => t,
                Err(why) => {
                    sc.check(
                        false,
                        format!("step {} {}", g.step, g.label),
                        format!("stops naming {}", g.metric),
                        format!("not run: {why}"),
                    );
                    continue;
                }
            },
        };
        let mut mutant_loaded = loaded.clone();
        mutant_loaded.packet = g.mutant.clone();
        let scripts = crate::render::render(&mutant_loaded)?;
        let script = scripts.get(g.step).map_or("", |s| s.text.as_str());
        // A mutant runs on a fresh clone of its state, or on the previous mutant's clone of the
        // same state when PostgreSQL showed it identical to a fresh one after that run: every
        // table's rows and every sequence (an aborted INSERT still advances a sequence, so
        // such a clone is recreated). Cloning is the slow part of a proof.
        let target = match &reusable {
            Some(t) if *t == template => pr.cluster.target(db),
            _ => pr
                .cluster
                .recreate_from_template(db, &template)
                .map_err(pg_error)?,
        };
        let baseline = match baselines.iter().find(|(t, _)| *t == template) {
            Some((_, d)) => d.clone(),
            None => {
                let d = digest(&target)?;
                baselines.push((template.clone(), d.clone()));
                d
            }
        };
        let run = pg::run_psql(&target, script, &pr.vars, false).map_err(pg_error)?;
        let report = observe::parse(&format!("{}\n{}", run.stderr, run.stdout));
        let after = digest(&target)?;
        let stopped = run.exit_code == super::STOPPED;
        let named = report
            .failure
            .as_ref()
            .is_some_and(|f| f.phase == g.phase && f.names(&g.metric));
        let identical = after == baseline;
        let unchanged = tables_only(&after) == tables_only(&baseline);
        let observed = if !stopped {
            format!("survived ({})", exit_text(&run))
        } else if !named {
            format!(
                "stopped on something else: {}",
                report
                    .failure
                    .as_ref()
                    .map(|f| f.message.clone())
                    .or_else(|| report.other_error.clone())
                    .unwrap_or_default()
            )
        } else if !unchanged {
            format!(
                "stopped but changed {}",
                changed_tables(&tables_only(&baseline), &tables_only(&after))
            )
        } else {
            format!("stopped: {} {} failed, nothing changed", g.phase, g.metric)
        };
        reusable = identical.then(|| template.clone());
        let ok = stopped && named && unchanged;
        live += usize::from(ok);
        let script_name = pr
            .packet
            .steps
            .get(g.step)
            .map_or("", |s| s.script.as_str());
        sc.check(
            ok,
            format!("step {} {script_name} {}", g.step, g.label),
            format!("stops naming {}", g.metric),
            observed,
        );
    }
    let n = guards.len();
    sc.check(
        live == n,
        GUARDS_LINE,
        format!("{n} of {n}"),
        format!("{live} of {n}"),
    );
    if let Some(t) = &states.seeded {
        pr.cluster.drop_database(t).map_err(pg_error)?;
    }
    pr.audit_touched();
    Ok(sc)
}

/// A template where preflight and seed have run (verify and rollback pass there), made once.
/// `Ok(Err(why))` when the real steps do not get there (the scenarios above show why).
fn seeded(pr: &Prover<'_>, states: &mut States) -> Result<Result<String, String>, Error> {
    if let Some(t) = &states.seeded {
        return Ok(Ok(t.clone()));
    }
    let name = format!("{}_seeded", pr.open_template);
    let db = pr
        .cluster
        .recreate_from_template(&pr.packet.database, &states.open)
        .map_err(pg_error)?;
    for role in [Role::Preflight, Role::Seed] {
        let Some(step) = pr.step(role) else { continue };
        let script = pr.scripts.get(step.number).map_or("", String::as_str);
        let run = pg::run_psql(&db, script, &pr.vars, false).map_err(pg_error)?;
        if !run.success() {
            return Ok(Err(format!(
                "the real {} does not pass on the clone ({})",
                step.script,
                exit_text(&run)
            )));
        }
    }
    pr.cluster
        .create_database_from_template(&name, &pr.packet.database)
        .map_err(pg_error)?;
    states.seeded = Some(name.clone());
    Ok(Ok(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> Packet {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("packets/one-roof-ownership-seed");
        crate::packet::load(&dir)
            .expect("bundled packet loads")
            .packet
    }

    #[test]
    fn one_mutant_per_gate_expectation_delta_and_approval_value() {
        let p = bundled();
        let gs = guards(&p);
        let per_step: usize = p
            .steps
            .iter()
            .map(|s| s.gate.len() + s.expect.len() + s.deltas.len())
            .sum();
        let approval = p
            .human_gate
            .approval
            .as_ref()
            .map_or(0, |a| a.require.len());
        // The approval is checked by preflight and seed.
        assert_eq!(gs.len(), per_step + 2 * approval);
        assert_eq!(gs.len(), 41);
        for g in &gs {
            // Exactly one thing differs from the original, and it is in the named step.
            let orig = &p.steps[g.step];
            let m = &g.mutant.steps[g.step];
            let diffs = orig
                .gate
                .iter()
                .zip(&m.gate)
                .chain(orig.expect.iter().zip(&m.expect))
                .filter(|(a, b)| a.condition != b.condition)
                .count()
                + orig
                    .deltas
                    .iter()
                    .zip(&m.deltas)
                    .filter(|(a, b)| a.change != b.change)
                    .count()
                + usize::from(
                    g.mutant.human_gate.approval.as_ref().map(|a| &a.require)
                        != p.human_gate.approval.as_ref().map(|a| &a.require),
                );
            assert_eq!(diffs, 1, "{}", g.label);
        }
        assert!(gs
            .iter()
            .any(|g| g.label == "gate ospa >= 1 → < 1" && g.phase == "gate"));
        assert!(gs
            .iter()
            .any(|g| g.label == "delta own -30 → -29" && g.phase == "after"));
    }
}
