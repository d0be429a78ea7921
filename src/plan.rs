//! `packetc plan`: the packet's step table (step, script, gate, expected delta, stop condition)
//! for people: as the source document lays it out in Markdown, and one block per step within
//! 100 columns on a terminal; both end with the final state, what may and may never be
//! automated, and the risks.

use crate::packet::{Check, Kind, Packet, StopAction};

/// One row of the step table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub step: String,
    pub script: String,
    pub gate: String,
    pub delta: String,
    pub stop: String,
}

const HEADINGS: [&str; 5] = [
    "step",
    "script",
    "gate (abort unless)",
    "expected delta",
    "stop condition",
];

fn conditions(checks: &[Check]) -> String {
    checks
        .iter()
        .map(|c| {
            format!(
                "{}{}{}",
                c.metric,
                c.condition.op.symbol(),
                c.condition.value
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
        .replace('\'', "")
}

/// The step table rows, derived from the spec only.
#[must_use]
pub fn rows(p: &Packet) -> Vec<Row> {
    p.steps
        .iter()
        .map(|s| {
            let gate = match (s.kind, s.gate.is_empty()) {
                (Kind::ReadOnly, true) => "none (read-only)".to_owned(),
                (Kind::ReadOnly, false) => conditions(&s.gate),
                (Kind::Transaction, true) => "none".to_owned(),
                (Kind::Transaction, false) => format!("re-checks {} in-txn", conditions(&s.gate)),
            };
            let delta = if s.deltas.is_empty() {
                "none (read-only)".to_owned()
            } else {
                s.deltas
                    .iter()
                    .map(|d| format!("{} {}", d.metric, d.change))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            let derived = if s.expect.is_empty() {
                "any assert fails".to_owned()
            } else {
                s.expect
                    .iter()
                    .map(|c| {
                        format!(
                            "{}{}{}",
                            c.metric,
                            c.condition.op.negated().symbol(),
                            c.condition.value
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" / ")
            };
            let action = match s.stop {
                StopAction::Stop => "STOP",
                StopAction::StopAndRollback => "STOP + rollback",
            };
            Row {
                step: s.number.to_string(),
                script: s.script.clone(),
                gate,
                delta,
                stop: s
                    .stop_note
                    .clone()
                    .unwrap_or_else(|| format!("{derived} → {action}")),
            }
        })
        .collect()
}

fn cells(r: &Row) -> [&str; 5] {
    [&r.step, &r.script, &r.gate, &r.delta, &r.stop]
}

/// Markdown: a summary, the table, the final state and what must stay human.
#[must_use]
pub fn markdown(p: &Packet) -> String {
    let esc = |s: &str| s.replace('|', "\\|");
    let mut out = format!("## {}\n\n", esc(&p.title));
    out.push_str(&format!(
        "- packet: `{}`; database: `{}`\n",
        p.name, p.database
    ));
    out.push_str(&format!("- channel: `{}`\n", p.channel.command));
    out.push_str(&format!(
        "- human gate (never automated): `{} {}`: {}\n",
        p.human_gate.metric,
        p.human_gate.open_when,
        esc(&p.human_gate.description)
    ));
    out.push_str(&format!(
        "- provenance: `{}.{} = '{}'`, `{}` = `{}`\n\n",
        p.provenance.table,
        p.provenance.tag_column,
        p.provenance.tag,
        p.provenance.approval_column,
        p.provenance.approval_variable
    ));
    out.push_str(&format!("| {} |\n", HEADINGS.join(" | ")));
    out.push_str(&format!("|{}\n", "---|".repeat(HEADINGS.len())));
    for r in rows(p) {
        let row: Vec<String> = cells(&r).iter().map(|c| esc(c)).collect();
        out.push_str(&format!("| {} |\n", row.join(" | ")));
    }
    if !p.final_state.is_empty() {
        out.push_str(&format!(
            "\nExpected final state after verify: {}\n",
            conditions(&p.final_state)
        ));
    }
    for (heading, items) in [
        ("May run unattended", &p.automation_may),
        ("Never automated", &p.automation_never),
        ("Risks", &p.risks),
    ] {
        if items.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{heading}:\n\n"));
        for item in items {
            out.push_str(&format!("- {}\n", esc(item)));
        }
    }
    out
}

/// The width `packetc plan` fits: a 100-column terminal.
pub const WIDTH: usize = 100;

/// Continuation lines of a step's fields line up under their values.
const INDENT: &str = "                       ";

/// `text` wrapped at [`WIDTH`] on spaces: the first line starts with `first`, the rest with
/// `rest` (a word longer than a line stays whole, on its own line).
fn wrap(text: &str, first: &str, rest: &str) -> String {
    let mut out = String::new();
    let mut line = first.to_owned();
    let mut empty = true;
    for word in text.split_whitespace() {
        let len = line.chars().count();
        if !empty && len + 1 + word.chars().count() > WIDTH {
            out.push_str(line.trim_end());
            out.push('\n');
            line = rest.to_owned();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

/// Plain text for terminals: one block per step, every line within [`WIDTH`] columns, then
/// the final state, what may and may never be automated, and the risks.
#[must_use]
pub fn text(p: &Packet) -> String {
    let mut out = wrap(&format!("{} ({})", p.title, p.name), "", "  ");
    out.push_str(&wrap(&format!("database {}", p.database), "", "  "));
    out.push_str(&wrap(&p.channel.command, "channel: ", "         "));
    out.push_str(&wrap(
        &format!("{} {}", p.human_gate.metric, p.human_gate.open_when),
        "human gate (never automated): ",
        "  ",
    ));
    if p.shape.is_repeatable() {
        out.push_str(&wrap(
            &format!(
                "{} (repeatable: `packetc apply --repeat N` loops steps 0-2, bounded; docs/shapes.md)",
                p.shape
            ),
            "shape: ",
            "  ",
        ));
    }
    for (s, r) in p.steps.iter().zip(rows(p)) {
        let kind = match s.kind {
            Kind::ReadOnly => "read-only",
            Kind::Transaction => "one transaction",
        };
        out.push('\n');
        out.push_str(&format!(
            "step {}  {} ({}, {kind})\n",
            r.step, r.script, s.role
        ));
        out.push_str(&wrap(&r.gate, "  gate (abort unless): ", INDENT));
        if !s.expect.is_empty() {
            out.push_str(&wrap(
                &conditions(&s.expect),
                "  expects:             ",
                INDENT,
            ));
        }
        out.push_str(&wrap(&r.delta, "  expected delta:      ", INDENT));
        out.push_str(&wrap(&r.stop, "  stop condition:      ", INDENT));
    }
    if !p.final_state.is_empty() {
        out.push('\n');
        out.push_str(&wrap(
            &conditions(&p.final_state),
            "expected final state after verify: ",
            "  ",
        ));
    }
    for (heading, items) in [
        ("may run unattended:", &p.automation_may),
        ("never automated:", &p.automation_never),
        ("risks:", &p.risks),
    ] {
        if items.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{heading}\n"));
        for item in items {
            out.push_str(&wrap(item, "  - ", "    "));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_plan_fits_a_100_column_terminal() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("packets/one-roof-ownership-seed");
        let loaded = crate::packet::load(&dir).expect("bundled packet");
        let plan = text(&loaded.packet);
        for line in plan.lines() {
            assert!(line.chars().count() <= WIDTH, "too wide: {line:?}");
        }
        for must in [
            "may run unattended:",
            "never automated:",
            "risks:",
            "step 3  F_prod_03",
        ] {
            assert!(plan.contains(must), "{must} missing from\n{plan}");
        }
        let md = markdown(&loaded.packet);
        assert!(md.contains("May run unattended:") && md.contains("Risks:"));
    }

    #[test]
    fn wrapping_keeps_every_word() {
        let text = "one two three ".repeat(40);
        let wrapped = wrap(&text, "  gate: ", "      ");
        assert!(wrapped.lines().all(|l| l.chars().count() <= WIDTH));
        assert_eq!(
            wrapped.split_whitespace().filter(|w| *w != "gate:").count(),
            text.split_whitespace().count()
        );
    }
}
