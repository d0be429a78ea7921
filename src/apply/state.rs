//! The live state, read-only, through the packet's own metrics — how apply decides when it
//! cannot know (a COMMIT whose answer never came, a re-run after a crash) and what `status`
//! shows.
//!
//! The script evaluates every metric of the spec inside `BEGIN TRANSACTION READ ONLY` with psql's
//! `ON_ERROR_ROLLBACK`, so one unreadable metric does not hide the others. The state is then
//! classified against the spec: **not applied** when every metric a forward transaction step
//! changes has its starting value (`from` of each `from -> to` delta), **applied** when the
//! final state and every such delta's `to` value hold, else **other**.

use std::collections::BTreeMap;

use super::record::Classified;
use super::vars::Vars;
use crate::packet::{Change, Condition, Kind, Number, Op, Packet, Role, Value};
use crate::pg::quote_literal;

const MARK: &str = "packetc-state ";

/// The read-only state script. `vars` fill the `packetc.NAME` settings metric queries may read.
#[must_use]
pub fn script(packet: &Packet, vars: &[(String, String)], limits: &str) -> String {
    let mut s = String::from(
        "\\set ON_ERROR_STOP off\n\\set ON_ERROR_ROLLBACK on\n\\pset format unaligned\n\\pset tuples_only on\n",
    );
    s.push_str("SET standard_conforming_strings = on;\n");
    s.push_str(limits);
    s.push_str(&format!(
        "SELECT set_config({}, {}, false) IS NULL;\n",
        quote_literal(&crate::sql::tag_setting()),
        quote_literal(&packet.provenance.tag)
    ));
    for (name, value) in vars {
        s.push_str(&format!(
            "SELECT set_config({}, {}, false) IS NULL;\n",
            quote_literal(&crate::sql::setting(name)),
            quote_literal(value)
        ));
    }
    s.push_str("BEGIN TRANSACTION READ ONLY;\n");
    for m in &packet.metrics {
        s.push_str(&format!(
            "SELECT {} || coalesce(({})::text, 'NULL');\n",
            quote_literal(&format!("{MARK}{} ", m.name)),
            m.query.trim().trim_end_matches(';')
        ));
    }
    s.push_str("COMMIT;\n");
    s
}

/// metric → live value, from the script's output.
#[must_use]
pub fn parse(stdout: &str) -> BTreeMap<String, String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix(MARK))
        .filter_map(|rest| rest.split_once(' '))
        .map(|(m, v)| (m.to_owned(), v.to_owned()))
        .collect()
}

/// What the spec expects of one metric before and after the change.
#[derive(Debug, Clone, Default)]
pub struct Expected {
    pub before: Option<Condition>,
    pub after: Option<Condition>,
    /// Whether the before value decides "not applied" (a forward delta's `from`).
    pub decides_before: bool,
    /// Whether the after value decides "applied" (the final state, a forward delta's `to`).
    pub decides_after: bool,
}

fn eq(n: Number) -> Condition {
    Condition {
        op: Op::Eq,
        value: Value::Number(n),
    }
}

/// metric → its expectations, in the spec's metric order.
#[must_use]
pub fn expected(packet: &Packet) -> Vec<(String, Expected)> {
    let mut out: Vec<(String, Expected)> = packet
        .metrics
        .iter()
        .map(|m| (m.name.clone(), Expected::default()))
        .collect();
    let mut set = Vec::new();
    // A preflight gate on a metric no step moves holds before and after alike.
    let moved = |m: &str| {
        packet
            .steps
            .iter()
            .any(|s| s.deltas.iter().any(|d| d.metric == m))
            || packet.final_state.iter().any(|c| c.metric == m)
    };
    for s in packet.steps.iter().filter(|s| s.role == Role::Preflight) {
        for c in &s.gate {
            let after = (!moved(&c.metric)).then(|| c.condition.clone());
            set.push((
                c.metric.clone(),
                Some(c.condition.clone()),
                after,
                false,
                false,
            ));
        }
    }
    for s in packet
        .steps
        .iter()
        .filter(|s| s.kind == Kind::Transaction && s.role != Role::Rollback)
    {
        for d in &s.deltas {
            if let Change::Absolute { from, to } = d.change {
                set.push((d.metric.clone(), Some(eq(from)), Some(eq(to)), true, true));
            }
        }
    }
    for c in &packet.final_state {
        set.push((
            c.metric.clone(),
            None,
            Some(c.condition.clone()),
            false,
            true,
        ));
    }
    for (metric, before, after, db, da) in set {
        if let Some(i) = out.iter().position(|(n, _)| *n == metric) {
            let e = &mut out[i].1;
            if before.is_some() && (db || e.before.is_none()) {
                e.before = before;
            }
            if after.is_some() {
                e.after = after;
            }
            e.decides_before |= db;
            e.decides_after |= da;
        }
    }
    out
}

/// Whether a live value satisfies a condition (an unreadable or incomparable value does not).
#[must_use]
pub fn holds(c: &Condition, live: Option<&str>) -> bool {
    let Some(live) = live else { return false };
    let v = match (&c.value, Number::parse(live)) {
        (Value::Number(_), Some(n)) => Value::Number(n),
        (Value::Number(_), None) => return false,
        (Value::Text(_), _) => Value::Text(live.to_owned()),
    };
    c.holds_for(&v) == Some(true)
}

/// Classify the live values; also returns the metrics that decide and hold neither way.
#[must_use]
pub fn classify(packet: &Packet, live: &BTreeMap<String, String>) -> (Classified, Vec<String>) {
    let exp = expected(packet);
    let mut before_all = true;
    let mut after_all = true;
    let mut mismatches = Vec::new();
    for (m, e) in &exp {
        let v = live.get(m).map(String::as_str);
        let b = e.before.as_ref().is_some_and(|c| holds(c, v));
        let a = e.after.as_ref().is_some_and(|c| holds(c, v));
        if e.decides_before && !b {
            before_all = false;
        }
        if e.decides_after && !a {
            after_all = false;
        }
        if (e.decides_before || e.decides_after) && !a && !b {
            mismatches.push(format!("{m} = {}", v.unwrap_or("(not read)")));
        }
    }
    let deciding = exp.iter().any(|(_, e)| e.decides_before || e.decides_after);
    let c = match (before_all, after_all) {
        _ if !deciding => Classified::Unknown,
        (true, false) => Classified::NotApplied,
        (false, true) => Classified::Applied,
        _ => Classified::Other,
    };
    (c, mismatches)
}

/// The variables to set for the state script: the given ones.
#[must_use]
pub fn given(vars: &Vars) -> Vec<(String, String)> {
    vars.all()
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> Packet {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("packets/one-roof-ownership-seed");
        crate::packet::load(&dir).expect("bundled packet").packet
    }

    fn live(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    const BEFORE: &[(&str, &str)] = &[
        ("db", "directus"),
        ("ospa", "1"),
        ("inventory", "35"),
        ("scopes", "6"),
        ("gap", "210"),
        ("own", "0"),
        ("own_tagged", "0"),
        ("conflict", "0"),
        ("effective", "0"),
        ("gov_emit", "0"),
        ("coverage_pct", "0.00"),
    ];
    const AFTER: &[(&str, &str)] = &[
        ("db", "directus"),
        ("ospa", "1"),
        ("inventory", "35"),
        ("scopes", "6"),
        ("gap", "0"),
        ("own", "30"),
        ("own_tagged", "30"),
        ("conflict", "0"),
        ("effective", "240"),
        ("gov_emit", "0"),
        ("coverage_pct", "100.00"),
    ];

    #[test]
    fn the_bundled_packet_before_after_and_in_between() {
        let p = bundled();
        assert_eq!(classify(&p, &live(BEFORE)).0, Classified::NotApplied);
        assert_eq!(classify(&p, &live(AFTER)).0, Classified::Applied);
        let mut half = live(AFTER);
        half.insert("own".into(), "15".into());
        half.insert("own_tagged".into(), "15".into());
        let (c, mis) = classify(&p, &half);
        assert_eq!(c, Classified::Other);
        assert!(mis.contains(&"own = 15".to_owned()), "{mis:?}");
        let mut unread = live(BEFORE);
        unread.remove("gap");
        assert_eq!(classify(&p, &unread).0, Classified::Other);
    }

    #[test]
    fn the_script_reads_every_metric_read_only() {
        let p = bundled();
        let s = script(&p, &[], "");
        assert!(s.contains("BEGIN TRANSACTION READ ONLY;"));
        assert_eq!(s.matches(MARK).count(), p.metrics.len());
        assert_eq!(
            parse("x\npacketc-state own 30\npacketc-state db directus\n").get("own"),
            Some(&"30".to_owned())
        );
    }
}
