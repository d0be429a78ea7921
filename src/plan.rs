//! `packetc plan`: the packet's step table (step, script, gate, expected delta, stop condition),
//! laid out as the source document shows it, for terminals or Markdown.

use std::io::Write;

use crate::cli::{PlanArgs, PlanFormat};
use crate::diag::{Error, Status};
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
    if !p.automation_never.is_empty() {
        out.push_str("\nNever automated:\n\n");
        for n in &p.automation_never {
            out.push_str(&format!("- {}\n", esc(n)));
        }
    }
    out
}

/// Aligned plain text for terminals.
#[must_use]
pub fn text(p: &Packet) -> String {
    let rows = rows(p);
    let mut widths = HEADINGS.map(|h| h.chars().count());
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(cells(r)) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: [&str; 5]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
            .collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = format!("{} ({})\n", p.title, p.name);
    out.push_str(&format!(
        "database {}; channel: {}\n",
        p.database, p.channel.command
    ));
    out.push_str(&format!(
        "human gate (never automated): {} {}\n",
        p.human_gate.metric, p.human_gate.open_when
    ));
    if p.shape.is_repeatable() {
        out.push_str(&format!(
            "shape: {} (repeatable: `packetc apply --repeat N` loops steps 0-2, bounded; docs/shapes.md)\n",
            p.shape
        ));
    }
    out.push('\n');
    out.push_str(&line(HEADINGS));
    out.push_str(&line(
        widths.map(|w| "-".repeat(w)).each_ref().map(String::as_str),
    ));
    for r in &rows {
        out.push_str(&line(cells(r)));
    }
    if !p.final_state.is_empty() {
        out.push_str(&format!(
            "\nexpected final state after verify: {}\n",
            conditions(&p.final_state)
        ));
    }
    out
}

/// Run `packetc plan`.
pub fn run(args: &PlanArgs, out: &mut dyn Write) -> Result<Status, Error> {
    let loaded = crate::packet::load(&args.packet)?;
    let rendered = match args.format {
        PlanFormat::Text => text(&loaded.packet),
        PlanFormat::Markdown => markdown(&loaded.packet),
    };
    out.write_all(rendered.as_bytes())?;
    Ok(Status::Clean)
}
