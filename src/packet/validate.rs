//! Turn the YAML model into a validated [`Packet`], reporting every problem at once.
//!
//! Structural checks (names, types, shapes, values PostgreSQL will accept) are here; the facts
//! spec v2 no longer repeats (the seed's gate, delta starts, verify's values, the rollback's
//! deltas, the final state) are derived in [`super::derive`]. What stays is what makes a packet
//! trustworthy: gates name known metrics, the seed's write stamps the provenance and the
//! rollback deletes by the tag only, and every variable used is declared.

use std::collections::{HashMap, HashSet};

use serde_saphyr::Spanned;

use super::diagnostic::Sink;
use super::model::{
    Channel, Check, Condition, HumanGate, Kind, Lock, Metric, MetricType, Op, Packet, Provenance,
    Role, Shape, Step, StopAction, Value, Variable,
};
use super::raw::{Conditions, RawPacket, RawStep};
use super::{binding, codes, derive, pgregex, sqlcheck, value};

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
        poisoned: HashSet::new(),
        shape: Shape::Seed,
    };
    let packet = v.packet(raw, read_fragment);
    (sink.diags.len() == start).then_some(packet)
}

struct Validator<'s> {
    sink: &'s mut Sink,
    metrics: HashMap<String, MetricType>,
    /// Metrics named by an entry that was already reported: derivations skip them, so one
    /// mistake is one error, not a cascade.
    poisoned: HashSet<String>,
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
                &codes::BAD_NAME,
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
            self.sink.at(&codes::EMPTY, &raw.channel.command.referenced, "the channel command is empty", "here", "give the command that runs psql reading the script on stdin, e.g. `psql -d directus -f -`");
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
        let mut steps = self.steps(raw, &declared, &provenance, read_fragment);
        let derived = derive::derive(
            &mut derive::Ctx {
                sink: self.sink,
                metrics: &self.metrics,
                poisoned: &self.poisoned,
                shape: self.shape,
            },
            raw,
            &mut steps,
        );
        if let (Some(gate), Some(open_when)) = (human_gate.as_mut(), derived.open_when) {
            gate.open_when = open_when;
            binding::gate_bound(self.sink, raw, gate, &metrics, &variables, &steps);
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
            final_state: derived.final_state,
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
            &codes::BAD_SHAPE,
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
                &codes::BAD_TEXT,
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
                &codes::EMPTY,
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
                self.sink.at(&codes::BAD_NAME, &name.referenced, format!("variable name `{}` is not usable", name.value), "here", format!("use lower-case letters, digits and _ (and not `{}`, which packetc sets itself)", sqlcheck::TAG_SETTING));
            }
            self.plain_text(&var.pattern, "variable pattern");
            if let Err(e) = pgregex::check(&var.pattern.value) {
                self.sink.at(
                    &codes::BAD_PATTERN,
                    &var.pattern.referenced,
                    format!(
                        "variable `{}`: the pattern is not a PostgreSQL regular expression: {e}",
                        name.value
                    ),
                    "this pattern",
                    "PostgreSQL would reject it when the script starts (`~`); fix it here",
                );
            }
            self.plain_text(&var.example, "variable example");
            let mut used_by = Vec::new();
            let mut unknown = false;
            for r in &var.used_by {
                match role_of(&r.value) {
                    Some(role) => used_by.push(role),
                    None => {
                        unknown = true;
                        self.sink.at(
                            &codes::UNKNOWN_ROLE,
                            &r.referenced,
                            format!("`{}` is not a step role", r.value),
                            "here",
                            "use preflight, seed, verify or rollback",
                        );
                    }
                }
            }
            if unknown {
                // Already reported: do not also report the steps it no longer reaches.
                used_by.clear();
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

    /// Reports every `current_setting('packetc.X')` naming no declared variable; true if any.
    fn undeclared_settings(&mut self, sql: &Spanned<String>, declared: &HashSet<String>) -> bool {
        let mut any = false;
        for name in sqlcheck::setting_refs(&sql.value) {
            if name != sqlcheck::TAG_SETTING && !declared.contains(&name) {
                any = true;
                self.sink.at(&codes::UNDECLARED_VARIABLE, &sql.referenced, format!("variable `{name}` is used but not declared"), format!("current_setting('packetc.{name}')"), format!("declare it under `variables:` (with a pattern and an example) so the scripts require `-v {name}=...`"));
            }
        }
        any
    }

    fn metrics(&mut self, raw: &RawPacket, declared: &HashSet<String>) -> Vec<Metric> {
        let mut out = Vec::new();
        for (name, m) in &raw.metrics.0 {
            if !is_ident(&name.value) {
                self.sink.at(
                    &codes::BAD_NAME,
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
                            &codes::BAD_TYPE,
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
                    &codes::BAD_METRIC_QUERY,
                    &m.query.referenced,
                    format!("metric `{}`: {e}", name.value),
                    "this query",
                    "a metric is one read-only scalar query, e.g. SELECT count(*) FROM t",
                );
            }
            let _ = self.undeclared_settings(&m.query, declared);
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
                &codes::BAD_NAME,
                &p.table.referenced,
                format!("`{}` is not a table name packetc can quote", p.table.value),
                "here",
                "use a lower-case name, optionally schema-qualified (schema.table)",
            );
        }
        for col in [&p.tag_column, &p.approval_column] {
            if !is_ident(&col.value) {
                self.sink.at(
                    &codes::BAD_NAME,
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
                &codes::BAD_TAG,
                &p.tag.referenced,
                format!("provenance tag `{}` must be plain", p.tag.value),
                "here",
                "use letters, digits and _ - . : only: the tag is matched exactly by the rollback",
            );
        }
        if !declared.contains(&p.approval_variable.value) {
            self.sink.at(
                &codes::UNDECLARED_VARIABLE,
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
                    &codes::BAD_NAME,
                    &t.referenced,
                    format!("`{}` is not a run table packetc can use", t.value),
                    "here",
                    "name the table each scan adds one row to (not the provenance table itself)",
                );
            } else if self.shape != Shape::Scanner {
                self.sink.at(
                    &codes::RUN_TABLE_SHAPE,
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
            self.sink.at(&codes::HUMAN_GATE_AUTOMATABLE, &g.automatable.referenced, "the human gate can never be automated", "must be false", "the gate is opened by people (an approval row, ratified by e-signature); packetc only checks it");
        }
        self.metric_type(&g.metric)?;
        // The open condition is the preflight gate's entry for the metric (derived later).
        Some(HumanGate {
            metric: g.metric.value.clone(),
            open_when: Condition {
                op: Op::Eq,
                value: Value::Text(String::new()),
            },
            description: g.description.clone(),
            approval: None,
        })
    }

    fn metric_type(&mut self, name: &Spanned<String>) -> Option<MetricType> {
        if let Some(ty) = self.metrics.get(&name.value) {
            return Some(*ty);
        }
        let mut known: Vec<&str> = self.metrics.keys().map(String::as_str).collect();
        known.sort_unstable();
        self.sink.at(
            &codes::UNKNOWN_METRIC,
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
                    &codes::DUPLICATE,
                    &name.referenced,
                    format!("`{}` appears twice in {what}", name.value),
                    "again here",
                    "keep one",
                );
            }
            let Some(ty) = self.metric_type(name) else {
                self.poisoned.insert(name.value.clone());
                continue;
            };
            match value::condition(&val.value, ty) {
                Ok(condition) => out.push(Check {
                    metric: name.value.clone(),
                    condition,
                }),
                Err(e) => {
                    self.poisoned.insert(name.value.clone());
                    self.sink.at(
                        &codes::BAD_CONDITION,
                        &val.referenced,
                        format!("{what} `{}`: {e}", name.value),
                        "here",
                        "write a value (210, directus) or a comparison ('>= 1')",
                    );
                }
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
                &codes::STEPS,
                &steps.referenced,
                format!(
                    "a packet has four steps (preflight, seed, verify, rollback); this one has {}",
                    steps.value.len()
                ),
                "here",
                "list the four steps in that order",
            );
        }
        let prefix = raw.script_prefix.as_ref().map_or("", |p| p.value.as_str());
        if let Some(p) = &raw.script_prefix {
            if !script_name_ok(&format!("{}00_x.sql", p.value)) {
                self.sink.at(
                    &codes::BAD_SCRIPT_NAME,
                    &p.referenced,
                    format!("`{}` does not make plain .sql file names", p.value),
                    "here",
                    "use letters, digits, _ . and - (no directories)",
                );
            }
        }
        let mut out = Vec::new();
        let mut scripts = HashSet::new();
        let four = steps.value.len() == 4;
        for (number, rs) in steps.value.iter().enumerate() {
            let expected_role = Role::ALL.get(number).copied();
            let role = match role_of(&rs.role.value) {
                Some(r) if Some(r) == expected_role => r,
                // With a step missing or extra, every later step is "out of order": the count
                // is the one error.
                Some(_) if !four => continue,
                Some(r) => {
                    self.sink.at(
                        &codes::STEP_ORDER,
                        &rs.role.referenced,
                        format!(
                            "step {number} is `{r}`; it should be `{}`",
                            expected_role.map_or("(none)", Role::as_str)
                        ),
                        "here",
                        "steps run in the order preflight, seed, verify, rollback",
                    );
                    // A misplaced step is not validated as the step it stands in for.
                    continue;
                }
                None => {
                    self.sink.at(
                        &codes::UNKNOWN_ROLE,
                        &rs.role.referenced,
                        format!("`{}` is not a step role", rs.role.value),
                        "here",
                        "use preflight, seed, verify or rollback",
                    );
                    continue;
                }
            };
            let script = self.script(number, role, rs, prefix, &mut scripts);
            out.push(self.step(number, role, script, rs, declared, prov, read_fragment));
        }
        out
    }

    /// The step's script: the default `<prefix>0N_<role>.sql`, or the stated override.
    fn script(
        &mut self,
        number: usize,
        role: Role,
        rs: &RawStep,
        prefix: &str,
        scripts: &mut HashSet<String>,
    ) -> String {
        let default = format!("{prefix}{number:02}_{role}.sql");
        let Some(stated) = &rs.script else {
            scripts.insert(default.clone());
            return default;
        };
        let script = &stated.value;
        if !script_name_ok(script) {
            self.sink.at(
                &codes::BAD_SCRIPT_NAME,
                &stated.referenced,
                format!("`{script}` is not a plain .sql file name"),
                "here",
                "use a name like F_prod_00_preflight.sql (no directories)",
            );
        } else if *script == default {
            self.repeats(
                &stated.referenced,
                format!("`script: {script}` is the default script name"),
                "delete it: step N's script is `<script_prefix>0N_<role>.sql` unless stated",
            );
        } else if !scripts.insert(script.clone()) {
            self.sink.at(
                &codes::DUPLICATE,
                &stated.referenced,
                format!("script `{script}` is used by two steps"),
                "here",
                "give each step its own script",
            );
        }
        script.clone()
    }

    fn repeats(&mut self, at: &serde_saphyr::Location, message: String, help: &str) {
        self.sink.at(
            &codes::REPEATS_DERIVED,
            at,
            message,
            "repeats a derived value",
            help,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn step(
        &mut self,
        number: usize,
        role: Role,
        script: String,
        rs: &RawStep,
        declared: &HashSet<String>,
        prov: &Provenance,
        read_fragment: FragmentReader<'_>,
    ) -> Step {
        let kind = role.kind();
        let default_stop = if role == Role::Verify {
            StopAction::StopAndRollback
        } else {
            StopAction::Stop
        };
        let stop = match &rs.stop {
            None => default_stop,
            Some(s) => {
                let stop = match s.value.as_str() {
                    "stop" => StopAction::Stop,
                    "stop_and_rollback" => StopAction::StopAndRollback,
                    other => {
                        self.sink.at(
                            &codes::BAD_STOP,
                            &s.referenced,
                            format!("unknown stop action `{other}`"),
                            "here",
                            "use stop or stop_and_rollback",
                        );
                        default_stop
                    }
                };
                if stop == StopAction::StopAndRollback && role != Role::Verify {
                    self.sink.at(&codes::BAD_STOP, &s.referenced, format!("only verify may stop and roll back; the {role} step's failure leaves nothing to undo"), "here", "delete it: the default is stop");
                } else if stop == default_stop
                    && matches!(s.value.as_str(), "stop" | "stop_and_rollback")
                {
                    self.repeats(
                        &s.referenced,
                        format!("`stop: {}` is the {role} step's default", s.value),
                        "delete it: verify stops and rolls back, every other step stops",
                    );
                }
                stop
            }
        };
        let locks = self.locks(rs);
        if let Some(t) = &rs.lock_timeout {
            if duration_ms(&t.value, &["ms", "s", "min"]).is_none() {
                self.sink.at(&codes::BAD_LOCK_TIMEOUT, &t.referenced, format!("`{}` is not a lock timeout with a unit", t.value), "here", "write a positive duration with its unit, e.g. 10s, 500ms or 1min: PostgreSQL reads a bare number as milliseconds and 0 as no timeout at all");
            }
        }
        if let Some(t) = &rs.time_limit {
            if duration_ms(&t.value, &["ms", "s", "min", "h"]).is_none() {
                self.sink.at(
                    &codes::BAD_TIME_LIMIT,
                    &t.referenced,
                    format!("`{}` is not a time limit with a unit", t.value),
                    "here",
                    "write a positive duration with its unit, e.g. 30s, 5min or 1h",
                );
            }
        }
        if kind == Kind::ReadOnly && (!rs.locks.is_empty() || rs.lock_timeout.is_some()) {
            let at = rs
                .lock_timeout
                .as_ref()
                .map_or_else(|| &rs.locks[0].table.referenced, |t| &t.referenced);
            self.sink.at(
                &codes::LOCKS_ON_READ_ONLY,
                at,
                format!("the read-only {role} step takes no locks"),
                "here",
                "locks belong to transaction steps",
            );
        }
        let gate = self.checks(&rs.gate, "gate");
        if role != Role::Verify {
            if let Some(first) = rs.expect.as_ref().and_then(|e| e.first()) {
                self.sink.at(&codes::NOT_HERE, &first.referenced, format!("the {role} step has no `expect`"), "here", "only verify expects a state (the state after the seed, derived); the seed states its deltas");
            }
        }
        if role != Role::Rollback {
            if let Some(first) = rs.relative.first() {
                self.sink.at(&codes::NOT_HERE, &first.referenced, format!("the {role} step has no `relative`"), "here", "`relative` chooses how the rollback inverts a seed delta; it belongs to the rollback");
            }
        }
        if kind == Kind::ReadOnly {
            if let Some((name, _)) = rs.deltas.0.first() {
                self.sink.at(
                    &codes::DELTA_ON_READ_ONLY,
                    &name.referenced,
                    format!("the read-only {role} step cannot change `{}`", name.value),
                    "a delta here",
                    "remove the deltas: the seed states them, the rollback inverts them",
                );
            }
        }
        let write = self.write(role, kind, rs, declared, prov, read_fragment);
        Step {
            number,
            role,
            script,
            kind,
            lock_timeout: rs.lock_timeout.as_ref().map(|t| t.value.clone()),
            time_limit: rs.time_limit.as_ref().map(|t| t.value.clone()),
            locks,
            gate,
            expect: Vec::new(),
            write,
            deltas: Vec::new(),
            stop,
            stop_note: rs.stop_note.clone(),
        }
    }

    fn locks(&mut self, rs: &RawStep) -> Vec<Lock> {
        let mut locks = Vec::new();
        for l in &rs.locks {
            if !is_table_name(&l.table.value) {
                self.sink.at(
                    &codes::BAD_NAME,
                    &l.table.referenced,
                    format!("`{}` is not a table name", l.table.value),
                    "here",
                    "use a lower-case, optionally schema-qualified name",
                );
            }
            let mode = l.mode.value.trim().to_ascii_uppercase();
            if !LOCK_MODES.contains(&mode.as_str()) {
                self.sink.at(
                    &codes::BAD_LOCK,
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
        locks
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
            (Some(_), Some(f)) => {
                self.sink.at(
                    &codes::WRITE_TWICE,
                    &f.referenced,
                    "a step has `write` or `write_file`, not both",
                    "here",
                    "keep one",
                );
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
                            &codes::WRITE_FILE,
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
                        &codes::MISSING_WRITE,
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
                &codes::WRITE_ON_READ_ONLY,
                &text.referenced,
                format!("the read-only {role} step cannot write"),
                "this write",
                "remove it; writes belong to the seed and rollback",
            );
            return None;
        }
        let undeclared = self.undeclared_settings(&text, declared);
        match sqlcheck::write_statements(&text.value) {
            Err(e) => self.sink.at(
                &codes::BAD_WRITE,
                &text.referenced,
                format!("the {role} write does not parse: {e}"),
                "this SQL",
                "fix the SQL; it is checked with PostgreSQL's grammar",
            ),
            Ok(stmts) => {
                // A write reading an undeclared variable is that one error, not also a write
                // that fails to stamp the declared one.
                let problems = match role {
                    _ if undeclared => Vec::new(),
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
                        &codes::WRITE_SHAPE,
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
}

/// A plain `.sql` file name: no directories, no leading dot.
fn script_name_ok(script: &str) -> bool {
    script.ends_with(".sql")
        && script.len() > 4
        && script
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        && !script.starts_with('.')
}

/// A positive duration with one of `units` (`10s`), in milliseconds; None when the unit is
/// missing or unknown, or the value is zero.
#[must_use]
pub fn duration_ms(text: &str, units: &[&str]) -> Option<u64> {
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (digits, unit) = text.split_at(split);
    let n: u64 = digits.parse().ok()?;
    let factor = match unit {
        u if !units.contains(&u) => return None,
        "ms" => 1,
        "s" => 1000,
        "min" => 60_000,
        "h" => 3_600_000,
        _ => return None,
    };
    n.checked_mul(factor).filter(|ms| *ms > 0)
}

fn role_of(s: &str) -> Option<Role> {
    Role::ALL.into_iter().find(|r| r.as_str() == s)
}
