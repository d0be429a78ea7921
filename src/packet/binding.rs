//! What binds a packet to the real world beyond its metrics: the approval that opens the human
//! gate, and the least-privilege role its transaction steps run as.
//!
//! Both are checked at run time by the generated scripts (PostgreSQL decides), so validation
//! here makes sure the spec asks for something the scripts can check: a human gate that depends
//! on the approval the operator names, re-checked under a lock that keeps the row from changing
//! before COMMIT, and a role with a usable name and protected objects packetc can quote.

use serde_saphyr::Spanned;

use super::codes;
use super::diagnostic::Sink;
use super::model::{Approval, HumanGate, Kind, Metric, Provenance, RunAs, Step, Variable};
use super::raw::{RawApproval, RawPacket, RawRunAs};
use super::sqlcheck;
use super::validate::{has_control, is_ident, is_table_name};

/// Lock modes that conflict with ROW EXCLUSIVE: while one is held, nobody can INSERT, UPDATE or
/// DELETE the table.
pub const WRITE_BLOCKING_LOCKS: [&str; 4] = [
    "SHARE",
    "SHARE ROW EXCLUSIVE",
    "EXCLUSIVE",
    "ACCESS EXCLUSIVE",
];

fn name(sink: &mut Sink, n: &Spanned<String>, ok: bool, what: &str) {
    if !ok {
        sink.at(
            &codes::BAD_NAME,
            &n.referenced,
            format!("`{}` is not a {what} packetc can quote", n.value),
            "here",
            "use lower-case letters, digits and _ (optionally schema-qualified)",
        );
    }
}

/// The `approval:` block, validated.
pub fn approval(sink: &mut Sink, raw: &RawApproval, prov: &Provenance) -> Approval {
    name(
        sink,
        &raw.table,
        is_table_name(&raw.table.value),
        "table name",
    );
    name(
        sink,
        &raw.key_column,
        is_ident(&raw.key_column.value),
        "column name",
    );
    if raw.require.0.is_empty() {
        sink.at(
            &codes::APPROVAL_UNCONSTRAINED,
            &raw.table.referenced,
            "the approval requires nothing of the row",
            "this approval",
            "list the values a valid approval carries under `require:` (e.g. decision: ratified)",
        );
    }
    let mut require = Vec::new();
    for (col, val) in &raw.require.0 {
        name(sink, col, is_ident(&col.value), "column name");
        if has_control(&val.value) || val.value.contains(sqlcheck::DOLLAR_TAG) {
            sink.at(
                &codes::BAD_TEXT,
                &val.referenced,
                "the required value contains a control character or `$packetc$`",
                "here",
                "remove it",
            );
        }
        require.push((col.value.clone(), val.value.clone()));
    }
    Approval {
        table: raw.table.value.clone(),
        key_column: raw.key_column.value.clone(),
        variable: prov.approval_variable.clone(),
        require,
    }
}

/// The human gate must depend on the approval variable, every step gating on it must receive
/// that variable, and a transaction step must lock the approval table against writes.
pub fn gate_bound(
    sink: &mut Sink,
    raw: &RawPacket,
    gate: &HumanGate,
    metrics: &[Metric],
    variables: &[Variable],
    steps: &[Step],
) {
    let Some(var) = variables
        .iter()
        .find(|v| v.name == raw.provenance.approval_variable.value)
    else {
        return; // reported as an undeclared approval variable
    };
    if let Some(m) = metrics.iter().find(|m| m.name == gate.metric) {
        if !sqlcheck::setting_refs(&m.query).contains(&var.name) {
            let at = raw
                .metrics
                .0
                .iter()
                .find(|(n, _)| n.value == m.name)
                .map_or(&raw.human_gate.metric.referenced, |(_, rm)| {
                    &rm.query.referenced
                });
            sink.at(&codes::HUMAN_GATE_UNBOUND, at, format!("the human gate `{}` does not depend on the approval variable `{}`", m.name, var.name), "this query", format!("count only the approval the operator names: e.g. WHERE proposal_ref = current_setting('packetc.{}') AND decision = 'ratified'", var.name));
        }
    }
    for step in steps
        .iter()
        .filter(|s| s.gate.iter().any(|c| c.metric == gate.metric))
    {
        let at = raw
            .steps
            .value
            .get(step.number)
            .map_or(&raw.human_gate.metric.referenced, |s| &s.role.referenced);
        if !(var.used_by.is_empty() || var.used_by.contains(&step.role)) {
            sink.at(
                &codes::APPROVAL_VARIABLE_UNUSED,
                at,
                format!(
                    "the {} step checks the human gate but does not receive `{}`",
                    step.role, var.name
                ),
                "this step",
                format!("add {} to `used_by` of variable {}", step.role, var.name),
            );
        }
        if let (Some(a), Kind::Transaction) = (&gate.approval, step.kind) {
            let locked = step
                .locks
                .iter()
                .any(|l| l.table == a.table && WRITE_BLOCKING_LOCKS.contains(&l.mode.as_str()));
            if !locked {
                sink.at(&codes::APPROVAL_UNLOCKED, at, format!("the {} step re-checks the approval but does not lock {} against writes", step.role, a.table), "this step", format!("add `- table: {}` with `mode: SHARE` to its locks: the approval must not change before COMMIT", a.table));
            }
        }
    }
}

/// The `run_as:` block, validated.
pub fn run_as(sink: &mut Sink, raw: &RawRunAs) -> RunAs {
    name(sink, &raw.role, is_ident(&raw.role.value), "role name");
    let mut tables = Vec::new();
    for t in &raw.protected_tables {
        name(sink, t, is_table_name(&t.value), "table name");
        tables.push(t.value.clone());
    }
    let mut columns = Vec::new();
    for c in &raw.protected_columns {
        match c.value.rsplit_once('.') {
            Some((t, col)) if is_table_name(t) && is_ident(col) => {
                columns.push((t.to_owned(), col.to_owned()));
            }
            _ => sink.at(
                &codes::BAD_NAME,
                &c.referenced,
                format!("`{}` is not `table.column`", c.value),
                "here",
                "write table.column or schema.table.column, lower-case",
            ),
        }
    }
    RunAs {
        role: raw.role.value.clone(),
        protected_tables: tables,
        protected_columns: columns,
    }
}
