//! `--dry-run`: exactly what would run, in order, with the channel command and the `\set`
//! lines, and what is never automated.

use std::io::Write;

use super::channel::Channel;
use super::precheck::Committed;
use super::vars::Vars;
use crate::packet::{Kind, Loaded, StopAction};

pub(super) fn dry_run(
    out: &mut dyn Write,
    loaded: &Loaded,
    forward: &[Committed],
    rollback: Option<&Committed>,
    channel: &Channel,
    vars: &Vars,
    limits: &super::record::Limits,
) -> std::io::Result<()> {
    writeln!(out, "dry run: nothing is run and no journal is written")?;
    writeln!(
        out,
        "channel: {} (from {}; run as sh -c, script on stdin)",
        channel.describe(),
        channel.source()
    )?;
    writeln!(out, "0. probe (read-only): SELECT current_database(), current_user; each variable read back and matched against its pattern")?;
    let describe = |out: &mut dyn Write, n: &str, c: &Committed| -> std::io::Result<()> {
        writeln!(
            out,
            "{n}. {} ({}, {}; sha256 {})",
            c.step.script,
            c.step.role,
            match c.step.kind {
                Kind::ReadOnly => "read-only",
                Kind::Transaction => "one transaction",
            },
            c.sha256
        )?;
        let prelude = format!(
            "{}{}",
            super::limits::set_lines(Some(&c.step), limits),
            vars.prelude(c.step.role)
        );
        for l in prelude.lines() {
            writeln!(out, "   stdin: {l}")?;
        }
        writeln!(out, "   stdin: {}", c.path.display())?;
        writeln!(
            out,
            "   as:    {}",
            channel.rerun_command(&prelude, &c.path)
        )?;
        Ok(())
    };
    for (i, c) in forward.iter().enumerate() {
        describe(out, &(i + 1).to_string(), c)?;
        let on_failure = match (c.step.stop, rollback) {
            (StopAction::Stop, _) => "stop".to_owned(),
            (StopAction::StopAndRollback, Some(rb)) => {
                format!("run {} (below), then stop", rb.step.script)
            }
            (StopAction::StopAndRollback, None) => {
                "stop (the packet has no rollback step!)".to_owned()
            }
        };
        writeln!(
            out,
            "   on failure: {on_failure}{}",
            c.step
                .stop_note
                .as_deref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default()
        )?;
    }
    if let Some(rb) = rollback {
        describe(out, "R", rb)?;
        writeln!(
            out,
            "   runs only when a stop_and_rollback step fails, or by hand with --rollback --confirm-rollback"
        )?;
    }
    writeln!(
        out,
        "never automated: opening the human gate ({} {}); anything the lint policy forbids",
        loaded.packet.human_gate.metric, loaded.packet.human_gate.open_when
    )?;
    for n in &loaded.packet.automation_never {
        writeln!(out, "  - {n}")?;
    }
    Ok(())
}
