//! Turn the YAML model into a validated [`Packet`], reporting every problem at once.
//!
//! Structural checks (names, types, shapes) come first; then the semantic ones that make a packet
//! trustworthy: gates name known metrics, deltas start where the step's gate stands, verify and
//! the final state follow from the preflight gate plus the seed's deltas, the rollback inverts the
//! seed and deletes by the provenance tag only, and every variable used is declared.

use std::collections::{HashMap, HashSet};

use serde_saphyr::Spanned;

use super::diagnostic::Sink;
use super::model::{
    Change, Channel, Check, Condition, Delta, HumanGate, Kind, Lock, Metric, MetricType, Number,
    Op, Packet, Provenance, Role, Shape, Step, StopAction, Value, Variable,
};
use super::raw::{Conditions, RawPacket, RawStep};
use super::{binding, sqlcheck, value};

/// Reads a `write_file` fragment named relative to the packet directory.
pub type FragmentReader<'a> = &'a dyn Fn(&str) -> Result<String, String>;

pub const LOCK_MODES: [&str; 8] = [
    "ACCESS SHARE",
    "ROW SHARE",
    "ROW EXCLUSIVE",
    "SHARE UPDATE EXCLUSIVE",
    "SHARE",
    "SHARE ROW EXCLUSIVE",
    "EXCLUSIVE",
    "ACCESS EXCLUSIVE",
];

/// Validate `raw`; problems go to `sink`. Returns the packet only when there were none.
pub fn validate(
    raw: &RawPacket,
    sink: &mut Sink,
    read_fragment: FragmentReader<'_>,
) -> Option<Packet> {
    let start = sink.diags.len();
    let mut v = Validator {
        sink,
        metrics: HashMap::new(),
        shape: Shape::Seed,
    };
    let packet = v.packet(raw, read_fragment);
    (sink.diags.len() == start).then_some(packet)
}

struct Validator<'s> {
    sink: &'s mut Sink,
    metrics: HashMap<String, MetricType>,
    /// The packet's shape (read first: what a delta may say depends on it).
    shape: Shape,
}

pub(super) fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

pub(super) fn is_table_name(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() <= 2 && parts.iter().all(|p| is_ident(p))
}

pub(super) fn has_control(s: &str) -> bool {
    s.chars().any(|c| c.is_control() && c != '\n' && c != '\t')
}

impl Validator<'_> {
    fn packet(&mut self, raw: &RawPacket, read_fragment: FragmentReader<'_>) -> Packet {
        let name = &raw.packet;
        let name_ok = !name.value.is_empty()
            && name
                .value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !name_ok {
            self.sink.at(
                "spec::bad-name",
                &name.referenced,
                format!("packet name `{}` is not a plain name", name.value),
                "here",
                "use letters, digits, - and _ (it names the directory and the scripts' header)",
            );
        }
        self.shape = self.shape(raw);
        self.plain_text(&raw.database, "database");
        self.plain_text(&raw.channel.command, "channel command");
        if raw.channel.command.value.trim().is_empty() {
            self.sink.at("spec::empty-channel", &raw.channel.command.referenced, "the channel command is empty", "here", "give the command that runs psql reading the script on stdin, e.g. `psql -d directus -f -`");
        }

        let variables = self.variables(raw);
        let declared: HashSet<String> = variables.iter().map(|v| v.name.clone()).collect();
        let metrics = self.metrics(raw, &declared);
        let provenance = self.provenance(raw, &declared);
        let mut human_gate = self.human_gate(raw);
        if let (Some(gate), Some(a)) = (human_gate.as_mut(), &raw.human_gate.approval) {
            gate.approval = Some(binding::approval(self.sink, a, &provenance));
        }
        let run_as = raw.run_as.as_ref().map(|r| binding::run_as(self.sink, r));
        let steps = self.steps(raw, &declared, &provenance, read_fragment);
        let final_state = self.checks(&raw.final_state, "final_state");
        if let Some(gate) = &human_gate {
            self.human_gate_rechecked(gate, &raw.human_gate.metric, raw, &steps);
            binding::gate_bound(self.sink, raw, gate, &metrics, &variables, &steps);
        }
        if steps.len() == 4 {
            self.seed_rechecks_preflight(raw, &steps);
            self.follows(raw, &steps, &final_state);
        }

        Packet {
            name: name.value.clone(),
            shape: self.shape,
            title: raw.title.clone(),
            source: raw.source.clone(),
            database: raw.database.value.clone(),
            channel: Channel {
                description: raw.channel.description.clone(),
                command: raw.channel.command.value.clone(),
            },
            variables,
            human_gate: human_gate.unwrap_or(HumanGate {
                metric: String::new(),
                open_when: Condition {
                    op: Op::Eq,
                    value: Value::Text(String::new()),
                },
                description: String::new(),
                approval: None,
            }),
            metrics,
            provenance,
            run_as,
            steps,
            final_state,
            automation_may: raw.automation.may.clone(),
            automation_never: raw.automation.never.clone(),
            risks: raw.risks.clone(),
        }
    }

    fn shape(&mut self, raw: &RawPacket) -> Shape {
        let Some(s) = &raw.shape else {
            return Shape::Seed;
        };
        if let Some(shape) = Shape::ALL.into_iter().find(|x| x.as_str() == s.value) {
            return shape;
        }
        self.sink.at(
            "spec::bad-shape",
            &s.referenced,
            format!("`{}` is not a packet shape", s.value),
            "here",
            "use seed, scanner or cursor (docs/shapes.md)",
        );
        Shape::Seed
    }

    fn plain_text(&mut self, s: &Spanned<String>, what: &str) {
        if has_control(&s.value) || s.value.contains(sqlcheck::DOLLAR_TAG) {
            self.sink.at(
                "spec::bad-text",
                &s.referenced,
                format!(
                    "the {what} contains a control character or `{}`",
                    sqlcheck::DOLLAR_TAG
                ),
                "here",
                "remove it",
            );
        }
        if s.value.trim().is_empty() {
            self.sink.at(
                "spec::empty",
                &s.referenced,
                format!("the {what} is empty"),
                "here",
                "fill it in",
            );
        }
    }

    fn variables(&mut self, raw: &RawPacket) -> Vec<Variable> {
        let mut out = Vec::new();
        for (name, var) in &raw.variables.0 {
            if !is_ident(&name.value) || name.value == sqlcheck::TAG_SETTING {
                self.sink.at("spec::bad-name", &name.referenced, format!("variable name `{}` is not usable", name.value), "here", format!("use lower-case letters, digits and _ (and not `{}`, which packetc sets itself)", sqlcheck::TAG_SETTING));
            }
            self.plain_text(&var.pattern, "variable pattern");
            self.plain_text(&var.example, "variable example");
            let mut used_by = Vec::new();
            for r in &var.used_by {
                match role_of(&r.value) {
                    Some(role) => used_by.push(role),
                    None => self.sink.at(
                        "spec::unknown-role",
                        &r.referenced,
                        format!("`{}` is not a step role", r.value),
                        "here",
                        "use preflight, seed, verify or rollback",
                    ),
                }
            }
            out.push(Variable {
                name: name.value.clone(),
                description: var.description.clone(),
                pattern: var.pattern.value.clone(),
                example: var.example.value.clone(),
                used_by,
            });
        }
        out
    }

    fn undeclared_settings(&mut self, sql: &Spanned<String>, declared: &HashSet<String>) {
        for name in sqlcheck::setting_refs(&sql.value) {
            if name != sqlcheck::TAG_SETTING && !declared.contains(&name) {
                self.sink.at("spec::undeclared-variable", &sql.referenced, format!("variable `{name}` is used but not declared"), format!("current_setting('packetc.{name}')"), format!("declare it under `variables:` (with a pattern and an example) so the scripts require `-v {name}=...`"));
            }
        }
    }

    fn metrics(&mut self, raw: &RawPacket, declared: &HashSet<String>) -> Vec<Metric> {
        let mut out = Vec::new();
        for (name, m) in &raw.metrics.0 {
            if !is_ident(&name.value) {
                self.sink.at(
                    "spec::bad-name",
                    &name.referenced,
                    format!("metric name `{}` is not an identifier", name.value),
                    "here",
                    "use lower-case letters, digits and _",
                );
            }
            let ty = match m.ty.as_ref().map(|t| t.value.as_str()) {
                None | Some("integer") => MetricType::Integer,
                Some("numeric") => MetricType::Numeric,
                Some("text") => MetricType::Text,
                Some(other) => {
                    if let Some(t) = &m.ty {
                        self.sink.at(
                            "spec::bad-type",
                            &t.referenced,
                            format!("unknown metric type `{other}`"),
                            "here",
                            "use integer (the default), numeric or text",
                        );
                    }
                    MetricType::Integer
                }
            };
            if let Err(e) = sqlcheck::metric_query(&m.query.value) {
                self.sink.at(
                    "spec::bad-metric-query",
                    &m.query.referenced,
                    format!("metric `{}`: {e}", name.value),
                    "this query",
                    "a metric is one read-only scalar query, e.g. SELECT count(*) FROM t",
                );
            }
            self.undeclared_settings(&m.query, declared);
            self.metrics.insert(name.value.clone(), ty);
            out.push(Metric {
                name: name.value.clone(),
                description: m.description.clone(),
                ty,
                query: m.query.value.trim().to_owned(),
            });
        }
        out
    }

    fn provenance(&mut self, raw: &RawPacket, declared: &HashSet<String>) -> Provenance {
        let p = &raw.provenance;
        if !is_table_name(&p.table.value) {
            self.sink.at(
                "spec::bad-name",
                &p.table.referenced,
                format!("`{}` is not a table name packetc can quote", p.table.value),
                "here",
                "use a lower-case name, optionally schema-qualified (schema.table)",
            );
        }
        for col in [&p.tag_column, &p.approval_column] {
            if !is_ident(&col.value) {
                self.sink.at(
                    "spec::bad-name",
                    &col.referenced,
                    format!("`{}` is not a column name", col.value),
                    "here",
                    "use lower-case letters, digits and _",
                );
            }
        }
        let tag_ok = !p.tag.value.is_empty()
            && p.tag
                .value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-.:".contains(c));
        if !tag_ok {
            self.sink.at(
                "spec::bad-tag",
                &p.tag.referenced,
                format!("provenance tag `{}` must be plain", p.tag.value),
                "here",
                "use letters, digits and _ - . : only: the tag is matched exactly by the rollback",
            );
        }
        if !declared.contains(&p.approval_variable.value) {
            self.sink.at(
                "spec::undeclared-variable",
                &p.approval_variable.referenced,
                format!(
                    "approval variable `{}` is not declared",
                    p.approval_variable.value
                ),
                "here",
                "declare it under `variables:`",
            );
        }
        if let Some(t) = &p.run_table {
            if !is_table_name(&t.value) || t.value == p.table.value {
                self.sink.at(
                    "spec::bad-name",
                    &t.referenced,
                    format!("`{}` is not a run table packetc can use", t.value),
                    "here",
                    "name the table each scan adds one row to (not the provenance table itself)",
                );
            } else if self.shape != Shape::Scanner {
                self.sink.at(
                    "spec::run-table-shape",
                    &t.referenced,
                    format!("a {} packet has no run table", self.shape),
                    "here",
                    "remove it, or declare `shape: scanner`",
                );
            }
        }
        Provenance {
            table: p.table.value.clone(),
            tag_column: p.tag_column.value.clone(),
            tag: p.tag.value.clone(),
            approval_column: p.approval_column.value.clone(),
            approval_variable: p.approval_variable.value.clone(),
            run_table: p.run_table.as_ref().map(|t| t.value.clone()),
        }
    }

    fn human_gate(&mut self, raw: &RawPacket) -> Option<HumanGate> {
        let g = &raw.human_gate;
        if g.automatable.value {
            self.sink.at("spec::human-gate-automatable", &g.automatable.referenced, "the human gate can never be automated", "must be false", "the gate is opened by people (an approval row, ratified by e-signature); packetc only checks it");
        }
        let ty = self.metric_type(&g.metric)?;
        match value::condition(&g.open_when.value, ty) {
            Ok(open_when) => Some(HumanGate {
                metric: g.metric.value.clone(),
                open_when,
                description: g.description.clone(),
                approval: None,
            }),
            Err(e) => {
                self.sink.at(
                    "spec::bad-condition",
                    &g.open_when.referenced,
                    e,
                    "here",
                    "write e.g. '>= 1'",
                );
                None
            }
        }
    }

    fn metric_type(&mut self, name: &Spanned<String>) -> Option<MetricType> {
        if let Some(ty) = self.metrics.get(&name.value) {
            return Some(*ty);
        }
        let mut known: Vec<&str> = self.metrics.keys().map(String::as_str).collect();
        known.sort_unstable();
        self.sink.at(
            "spec::unknown-metric",
            &name.referenced,
            format!("unknown metric `{}`", name.value),
            "not declared under metrics:",
            format!("known metrics: {}", known.join(", ")),
        );
        None
    }

    fn checks(&mut self, conds: &Conditions, what: &str) -> Vec<Check> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for (name, val) in &conds.0 {
            if !seen.insert(name.value.clone()) {
                self.sink.at(
                    "spec::duplicate",
                    &name.referenced,
                    format!("`{}` appears twice in {what}", name.value),
                    "again here",
                    "keep one",
                );
            }
            let Some(ty) = self.metric_type(name) else {
                continue;
            };
            match value::condition(&val.value, ty) {
                Ok(condition) => out.push(Check {
                    metric: name.value.clone(),
                    condition,
                }),
                Err(e) => self.sink.at(
                    "spec::bad-condition",
                    &val.referenced,
                    format!("{what} `{}`: {e}", name.value),
                    "here",
                    "write a value (210, directus) or a comparison ('>= 1')",
                ),
            }
        }
        out
    }

    fn deltas(&mut self, conds: &Conditions) -> Vec<Delta> {
        let mut out = Vec::new();
        for (name, val) in &conds.0 {
            let Some(ty) = self.metric_type(name) else {
                continue;
            };
            if ty == MetricType::Text {
                self.sink.at(
                    "spec::bad-delta",
                    &name.referenced,
                    format!("metric `{}` is text; deltas apply to numbers", name.value),
                    "here",
                    "gate text metrics instead",
                );
                continue;
            }
            match value::delta(&val.value) {
                Ok(Change::Reaches { .. }) if !self.shape.is_repeatable() => self.sink.at(
                    "spec::bad-delta",
                    &val.referenced,
                    format!(
                        "delta `{}`: '-> N' (any start) is for repeatable shapes",
                        name.value
                    ),
                    "here",
                    "a one-shot seed states where it starts: write 'FROM -> TO'",
                ),
                Ok(change) => out.push(Delta {
                    metric: name.value.clone(),
                    change,
                }),
                Err(e) => self.sink.at(
                    "spec::bad-delta",
                    &val.referenced,
                    format!("delta `{}`: {e}", name.value),
                    "here",
                    "",
                ),
            }
        }
        out
    }

    fn steps(
        &mut self,
        raw: &RawPacket,
        declared: &HashSet<String>,
        prov: &Provenance,
        read_fragment: FragmentReader<'_>,
    ) -> Vec<Step> {
        let steps = &raw.steps;
        if steps.value.len() != 4 {
            self.sink.at(
                "spec::steps",
                &steps.referenced,
                format!(
                    "a packet has four steps (preflight, seed, verify, rollback); this one has {}",
                    steps.value.len()
                ),
                "here",
                "list the four steps in that order",
            );
        }
        let mut out = Vec::new();
        let mut scripts = HashSet::new();
        for (number, rs) in steps.value.iter().enumerate() {
            let expected_role = Role::ALL.get(number).copied();
            let role = match role_of(&rs.role.value) {
                Some(r) if Some(r) == expected_role => r,
                Some(r) => {
                    self.sink.at(
                        "spec::step-order",
                        &rs.role.referenced,
                        format!(
                            "step {number} is `{r}`; it should be `{}`",
                            expected_role.map_or("(none)", Role::as_str)
                        ),
                        "here",
                        "steps run in the order preflight, seed, verify, rollback",
                    );
                    r
                }
                None => {
                    self.sink.at(
                        "spec::unknown-role",
                        &rs.role.referenced,
                        format!("`{}` is not a step role", rs.role.value),
                        "here",
                        "use preflight, seed, verify or rollback",
                    );
                    continue;
                }
            };
            if let Some(step) = self.step(
                number,
                role,
                rs,
                declared,
                prov,
                read_fragment,
                &mut scripts,
            ) {
                out.push(step);
            }
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn step(
        &mut self,
        number: usize,
        role: Role,
        rs: &RawStep,
        declared: &HashSet<String>,
        prov: &Provenance,
        read_fragment: FragmentReader<'_>,
        scripts: &mut HashSet<String>,
    ) -> Option<Step> {
        let kind = match rs.kind.value.as_str() {
            "read-only" => Kind::ReadOnly,
            "transaction" => Kind::Transaction,
            other => {
                self.sink.at(
                    "spec::bad-kind",
                    &rs.kind.referenced,
                    format!("unknown step kind `{other}`"),
                    "here",
                    "use read-only or transaction",
                );
                return None;
            }
        };
        let want_kind = if matches!(role, Role::Preflight | Role::Verify) {
            Kind::ReadOnly
        } else {
            Kind::Transaction
        };
        if kind != want_kind {
            self.sink.at(
                "spec::bad-kind",
                &rs.kind.referenced,
                format!(
                    "the {role} step must be {}",
                    if want_kind == Kind::ReadOnly {
                        "read-only"
                    } else {
                        "a transaction"
                    }
                ),
                "here",
                "preflight and verify only read; seed and rollback write in one transaction",
            );
        }
        let script = &rs.script.value;
        let script_ok = script.ends_with(".sql")
            && script.len() > 4
            && script
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
            && !script.starts_with('.');
        if !script_ok {
            self.sink.at(
                "spec::bad-script-name",
                &rs.script.referenced,
                format!("`{script}` is not a plain .sql file name"),
                "here",
                "use a name like F_prod_00_preflight.sql (no directories)",
            );
        } else if !scripts.insert(script.clone()) {
            self.sink.at(
                "spec::duplicate",
                &rs.script.referenced,
                format!("script `{script}` is used by two steps"),
                "here",
                "give each step its own script",
            );
        }
        let stop = match rs.stop.value.as_str() {
            "stop" => StopAction::Stop,
            "stop_and_rollback" => StopAction::StopAndRollback,
            other => {
                self.sink.at(
                    "spec::bad-stop",
                    &rs.stop.referenced,
                    format!("unknown stop action `{other}`"),
                    "here",
                    "use stop or stop_and_rollback",
                );
                StopAction::Stop
            }
        };
        if stop == StopAction::StopAndRollback && role != Role::Verify {
            self.sink.at("spec::bad-stop", &rs.stop.referenced, format!("only verify may stop and roll back; the {role} step's failure leaves nothing to undo"), "here", "use stop");
        }
        let mut locks = Vec::new();
        for l in &rs.locks {
            if !is_table_name(&l.table.value) {
                self.sink.at(
                    "spec::bad-name",
                    &l.table.referenced,
                    format!("`{}` is not a table name", l.table.value),
                    "here",
                    "use a lower-case, optionally schema-qualified name",
                );
            }
            let mode = l.mode.value.trim().to_ascii_uppercase();
            if !LOCK_MODES.contains(&mode.as_str()) {
                self.sink.at(
                    "spec::bad-lock",
                    &l.mode.referenced,
                    format!("unknown lock mode `{}`", l.mode.value),
                    "here",
                    format!("use one of: {}", LOCK_MODES.join(", ")),
                );
            }
            locks.push(Lock {
                table: l.table.value.clone(),
                mode,
            });
        }
        if let Some(t) = &rs.lock_timeout {
            let digits = t.value.trim_end_matches(|c: char| c.is_ascii_alphabetic());
            let unit = &t.value[digits.len()..];
            if digits.is_empty()
                || !digits.bytes().all(|b| b.is_ascii_digit())
                || !["", "ms", "s", "min"].contains(&unit)
            {
                self.sink.at(
                    "spec::bad-lock-timeout",
                    &t.referenced,
                    format!("`{}` is not a lock timeout", t.value),
                    "here",
                    "write e.g. 10s, 500ms or 1min",
                );
            }
        }
        if let Some(t) = &rs.time_limit {
            let digits = t.value.trim_end_matches(|c: char| c.is_ascii_alphabetic());
            let unit = &t.value[digits.len()..];
            if digits.is_empty()
                || !digits.bytes().all(|b| b.is_ascii_digit())
                || digits.bytes().all(|b| b == b'0')
                || !["", "ms", "s", "min", "h"].contains(&unit)
            {
                self.sink.at(
                    "spec::bad-time-limit",
                    &t.referenced,
                    format!("`{}` is not a time limit", t.value),
                    "here",
                    "write e.g. 30s, 5min or 1h",
                );
            }
        }
        if kind == Kind::ReadOnly && (!locks.is_empty() || rs.lock_timeout.is_some()) {
            let at = rs
                .lock_timeout
                .as_ref()
                .map_or(&rs.kind.referenced, |t| &t.referenced);
            self.sink.at(
                "spec::locks-on-read-only",
                at,
                format!("the read-only {role} step takes no locks"),
                "here",
                "locks belong to transaction steps",
            );
        }
        let gate = self.checks(&rs.gate, "gate");
        let expect = self.checks(&rs.expect, "expect");
        if kind == Kind::Transaction && !rs.expect.0.is_empty() {
            self.sink.at(
                "spec::expect-on-transaction",
                &rs.expect.0[0].0.referenced,
                format!("the {role} step is a transaction: state what it changes as deltas"),
                "here",
                "move these to deltas ('FROM -> TO') or to the verify step",
            );
        }
        let deltas = self.deltas(&rs.deltas);
        if kind == Kind::ReadOnly {
            if let Some((name, _)) = rs.deltas.0.first() {
                self.sink.at(
                    "spec::delta-on-read-only",
                    &name.referenced,
                    format!("the read-only {role} step cannot change `{}`", name.value),
                    "a delta here",
                    "remove the deltas, or move them to the seed or rollback step",
                );
            }
        }
        let write = self.write(role, kind, rs, declared, prov, read_fragment);
        for (name, val) in &rs.deltas.0 {
            self.delta_matches_gate(name, val, &gate, &deltas);
        }
        Some(Step {
            number,
            role,
            script: script.clone(),
            kind,
            lock_timeout: rs.lock_timeout.as_ref().map(|t| t.value.clone()),
            time_limit: rs.time_limit.as_ref().map(|t| t.value.clone()),
            locks,
            gate,
            expect,
            write,
            deltas,
            stop,
            stop_note: rs.stop_note.clone(),
        })
    }

    fn write(
        &mut self,
        role: Role,
        kind: Kind,
        rs: &RawStep,
        declared: &HashSet<String>,
        prov: &Provenance,
        read_fragment: FragmentReader<'_>,
    ) -> Option<String> {
        let text = match (&rs.write, &rs.write_file) {
            (Some(w), Some(f)) => {
                self.sink.at(
                    "spec::write-twice",
                    &f.referenced,
                    "a step has `write` or `write_file`, not both",
                    "here",
                    "keep one",
                );
                let _ = w;
                return None;
            }
            (Some(w), None) => w.clone(),
            (None, Some(f)) => {
                let safe = !f.value.contains("..") && !f.value.starts_with('/');
                let read = if safe {
                    read_fragment(&f.value)
                } else {
                    Err("the path must stay inside the packet directory".into())
                };
                match read {
                    Ok(text) => Spanned {
                        value: text,
                        referenced: f.referenced,
                        defined: f.defined,
                    },
                    Err(e) => {
                        self.sink.at(
                            "spec::write-file",
                            &f.referenced,
                            format!("cannot read write_file `{}`: {e}", f.value),
                            "here",
                            "name a file relative to the packet directory",
                        );
                        return None;
                    }
                }
            }
            (None, None) => {
                if kind == Kind::Transaction {
                    self.sink.at(
                        "spec::missing-write",
                        &rs.role.referenced,
                        format!("the {role} step is a transaction but has no `write`"),
                        "this step",
                        "give the SQL it runs under `write:` (or `write_file:`)",
                    );
                }
                return None;
            }
        };
        if kind == Kind::ReadOnly {
            self.sink.at(
                "spec::write-on-read-only",
                &text.referenced,
                format!("the read-only {role} step cannot write"),
                "this write",
                "remove it; writes belong to the seed and rollback",
            );
            return None;
        }
        self.undeclared_settings(&text, declared);
        match sqlcheck::write_statements(&text.value) {
            Err(e) => self.sink.at(
                "spec::bad-write",
                &text.referenced,
                format!("the {role} write does not parse: {e}"),
                "this SQL",
                "fix the SQL; it is checked with PostgreSQL's grammar",
            ),
            Ok(stmts) => {
                let problems = match role {
                    Role::Seed if self.shape.is_repeatable() => {
                        let mut p = sqlcheck::seed_write(&stmts, prov);
                        p.extend(sqlcheck::upsert_write(&stmts, prov, self.shape.as_str()));
                        p
                    }
                    Role::Seed => sqlcheck::seed_write(&stmts, prov),
                    Role::Rollback => sqlcheck::rollback_write(&stmts, prov),
                    _ => Vec::new(),
                };
                for p in problems {
                    self.sink.at(
                        "spec::write-shape",
                        &text.referenced,
                        p,
                        "this SQL",
                        "see the provenance section of docs/spec.md",
                    );
                }
            }
        }
        Some(text.value.trim().to_owned())
    }

    /// A delta starts where the step's own gate stands.
    fn delta_matches_gate(
        &mut self,
        name: &Spanned<String>,
        val: &Spanned<super::raw::Scalar>,
        gate: &[Check],
        deltas: &[Delta],
    ) {
        let Some(delta) = deltas.iter().find(|d| d.metric == name.value) else {
            return;
        };
        let Change::Absolute { from, .. } = delta.change else {
            return;
        };
        let Some(check) = gate.iter().find(|c| c.metric == name.value) else {
            return;
        };
        if check.condition.holds_for(&Value::Number(from)) == Some(false) {
            self.sink.at("spec::delta-contradicts-gate", &val.referenced, format!("delta `{}` starts at {from}, but this step's gate requires {} {}", name.value, name.value, check.condition), format!("starts at {from}"), format!("a delta starts where the gate stands: fix the gate or write the delta from a value that satisfies `{}`", check.condition));
        }
    }

    /// The seed re-checks every preflight gate inside its transaction, under its locks: the state
    /// may have drifted between the two steps.
    fn seed_rechecks_preflight(&mut self, raw: &RawPacket, steps: &[Step]) {
        let (Some(pre), Some(seed)) = (
            steps.iter().find(|s| s.role == Role::Preflight),
            steps.iter().find(|s| s.role == Role::Seed),
        ) else {
            return;
        };
        for c in &pre.gate {
            let rechecked = seed
                .gate
                .iter()
                .any(|s| s.metric == c.metric && s.condition == c.condition);
            if !rechecked {
                let loc = raw
                    .steps
                    .value
                    .get(seed.number)
                    .map_or(&raw.steps.referenced, |s| &s.role.referenced);
                self.sink.at("spec::seed-gate-incomplete", loc, format!("the seed does not re-check the preflight gate `{} {}`", c.metric, c.condition), "this step", format!("add `{}` to the seed's gate: the seed re-checks every gate inside its transaction", c.metric));
            }
        }
    }

    /// The human gate is checked by preflight and re-checked inside the seed's transaction.
    fn human_gate_rechecked(
        &mut self,
        gate: &HumanGate,
        at: &Spanned<String>,
        raw: &RawPacket,
        steps: &[Step],
    ) {
        for step in steps
            .iter()
            .filter(|s| matches!(s.role, Role::Preflight | Role::Seed))
        {
            let ok = step
                .gate
                .iter()
                .any(|c| c.metric == gate.metric && c.condition == gate.open_when);
            if !ok {
                let loc = raw
                    .steps
                    .value
                    .get(step.number)
                    .map_or(&at.referenced, |s| &s.role.referenced);
                self.sink.at(
                    "spec::human-gate-unchecked",
                    loc,
                    format!(
                        "the {} step does not check the human gate `{} {}`",
                        step.role, gate.metric, gate.open_when
                    ),
                    "this step",
                    format!(
                        "add `{}: '{}'` to its gate: a re-closed gate must stop the packet",
                        gate.metric, gate.open_when
                    ),
                );
            }
        }
    }

    /// Verify, the final state and the rollback must follow from preflight + seed.
    fn follows(&mut self, raw: &RawPacket, steps: &[Step], final_state: &[Check]) {
        let (Some(pre), Some(seed), Some(verify), Some(rollback)) = (
            steps.iter().find(|s| s.role == Role::Preflight),
            steps.iter().find(|s| s.role == Role::Seed),
            steps.iter().find(|s| s.role == Role::Verify),
            steps.iter().find(|s| s.role == Role::Rollback),
        ) else {
            return;
        };
        let mut state: HashMap<String, Condition> = HashMap::new();
        for c in pre.gate.iter().chain(&seed.gate) {
            state.insert(c.metric.clone(), c.condition.clone());
        }
        let raw_seed = &raw.steps.value[seed.number];
        for d in &seed.deltas {
            let before = state.get(&d.metric).and_then(exact);
            let gated_in_step = seed.gate.iter().any(|c| c.metric == d.metric);
            if let (Change::Absolute { from, .. }, Some(b), false) =
                (d.change, before, gated_in_step)
            {
                if from != b {
                    let loc = entry_loc(&raw_seed.deltas, &d.metric);
                    self.sink.at_span(
                        "spec::delta-contradicts-gate",
                        loc,
                        format!(
                            "seed delta `{}` starts at {from}, but the gates leave it at {b}",
                            d.metric
                        ),
                        format!("starts at {from}"),
                        format!("write '{b} -> ...' or fix the gate"),
                    );
                }
            }
            let after = match (d.change, before) {
                (Change::Absolute { to, .. } | Change::Reaches { to }, _) => Some(to),
                (Change::Relative { by }, Some(b)) => Some(b.plus(by)),
                (Change::Relative { .. }, None) => None,
            };
            match after {
                Some(a) => state.insert(
                    d.metric.clone(),
                    Condition {
                        op: Op::Eq,
                        value: Value::Number(a),
                    },
                ),
                None => state.remove(&d.metric),
            };
        }
        let raw_verify = &raw.steps.value[verify.number];
        self.must_follow(&verify.expect, &state, &raw_verify.expect, "verify expects");
        self.must_follow(
            final_state,
            &state,
            &raw.final_state,
            "the final state says",
        );

        // A repeatable packet's rollback undoes every run at once (all tagged rows), not one run:
        // it is not the inverse of one run's deltas.
        if self.shape.is_repeatable() {
            return;
        }
        let raw_rb = &raw.steps.value[rollback.number];
        for d in &seed.deltas {
            // Reaches cannot occur here (seed shape): its net is unknown, so it never inverts.
            let net = d.change.net();
            let inverse = rollback.deltas.iter().find(|r| r.metric == d.metric);
            let ok = match (d.change, inverse.map(|r| r.change)) {
                (_, None) => net.is_some_and(Number::is_zero),
                (Change::Absolute { from, to }, Some(Change::Absolute { from: rf, to: rt })) => {
                    rf == to && rt == from
                }
                (_, Some(r)) => net.is_some() && r.net() == net.map(Number::negated),
            };
            if !ok {
                let loc = entry_loc(&raw_rb.deltas, &d.metric).or_else(|| {
                    crate::packet::diagnostic::span_of(
                        &raw_rb.role.referenced,
                        self.sink.source.inner(),
                    )
                });
                let want = match d.change {
                    Change::Absolute { from, to } => format!("'{to} -> {from}'"),
                    Change::Relative { by } => by.negated().to_string(),
                    Change::Reaches { to } => format!("'-> {to}'"),
                };
                self.sink.at_span(
                    "spec::rollback-not-inverse",
                    loc,
                    format!(
                        "the rollback does not invert the seed's delta `{}` {}",
                        d.metric, d.change
                    ),
                    "rollback deltas",
                    format!(
                        "the rollback must undo exactly what the seed did: `{}: {want}`",
                        d.metric
                    ),
                );
            }
        }
        for r in &rollback.deltas {
            let seeded = seed.deltas.iter().any(|d| d.metric == r.metric);
            if !seeded && !r.change.net().is_some_and(Number::is_zero) {
                let loc = entry_loc(&raw_rb.deltas, &r.metric);
                self.sink.at_span(
                    "spec::rollback-not-inverse",
                    loc,
                    format!(
                        "the rollback changes `{}`, which the seed does not change",
                        r.metric
                    ),
                    "here",
                    "a rollback only undoes the seed's deltas",
                );
            }
        }
    }

    fn must_follow(
        &mut self,
        checks: &[Check],
        state: &HashMap<String, Condition>,
        raw: &Conditions,
        what: &str,
    ) {
        for c in checks {
            let loc = entry_loc(raw, &c.metric);
            let follows = match state.get(&c.metric) {
                None => None,
                Some(s) => match exact_value(s) {
                    Some(v) => Some((c.condition.holds_for(v) == Some(true), s.clone())),
                    None => Some((*s == c.condition, s.clone())),
                },
            };
            match follows {
                Some((true, _)) => {}
                Some((false, s)) => self.sink.at_span(
                    "spec::does-not-follow",
                    loc,
                    format!(
                        "{what} {} {}, but preflight's gate and the seed's deltas give {} {s}",
                        c.metric, c.condition, c.metric
                    ),
                    "does not follow",
                    "fix the expectation, or the gate/delta it should follow from",
                ),
                None => self.sink.at_span(
                    "spec::does-not-follow",
                    loc,
                    format!(
                        "{what} {} {}, which no gate or seed delta establishes",
                        c.metric, c.condition
                    ),
                    "not derivable",
                    format!(
                        "gate `{}` in preflight or give the seed a delta for it",
                        c.metric
                    ),
                ),
            }
        }
    }
}

fn exact(c: &Condition) -> Option<Number> {
    match (&c.op, &c.value) {
        (Op::Eq, Value::Number(n)) => Some(*n),
        _ => None,
    }
}

fn exact_value(c: &Condition) -> Option<&Value> {
    (c.op == Op::Eq).then_some(&c.value)
}

fn entry_loc(conds: &Conditions, metric: &str) -> Option<miette::SourceSpan> {
    let (k, _) = conds.0.iter().find(|(k, _)| k.value == metric)?;
    loc_span(&k.referenced, k.value.len())
}

fn loc_span(loc: &serde_saphyr::Location, len: usize) -> Option<miette::SourceSpan> {
    let off = usize::try_from(loc.span().byte_offset()?).ok()?;
    Some(miette::SourceSpan::new(off.into(), len))
}

fn role_of(s: &str) -> Option<Role> {
    Role::ALL.into_iter().find(|r| r.as_str() == s)
}
