//! The validated packet: plain data the renderer, planner, prover and applier consume.
//!
//! Everything here has passed validation, so consumers never re-check it. Order is the author's
//! order from packet.yaml, which keeps rendering deterministic and reviewable.

use std::fmt;

use serde::Serialize;

/// A validated packet spec.
#[derive(Debug, Clone, Serialize)]
pub struct Packet {
    pub name: String,
    /// What kind of packet this is: a one-shot seed (the default) or a repeatable shape.
    pub shape: Shape,
    pub title: String,
    pub source: Option<String>,
    pub database: String,
    pub channel: Channel,
    pub variables: Vec<Variable>,
    pub human_gate: HumanGate,
    pub metrics: Vec<Metric>,
    pub provenance: Provenance,
    /// The least-privilege role the transaction steps run as, when the spec names one.
    pub run_as: Option<RunAs>,
    pub steps: Vec<Step>,
    pub final_state: Vec<Check>,
    pub automation_may: Vec<String>,
    pub automation_never: Vec<String>,
    pub risks: Vec<String>,
}

/// The packet shapes the source document says may be automated once the human gate is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Shape {
    /// One-shot: the seed runs once; running it again stops on its gate.
    #[default]
    Seed,
    /// Candidate materialization: an idempotent natural-key upsert plus exactly one run row
    /// per run; a second run changes nothing else.
    Scanner,
    /// Monotonic cursor advance: a stale or retried advance is a no-op.
    Cursor,
}

impl Shape {
    pub const ALL: [Shape; 3] = [Shape::Seed, Shape::Scanner, Shape::Cursor];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Shape::Seed => "seed",
            Shape::Scanner => "scanner",
            Shape::Cursor => "cursor",
        }
    }

    /// Whether the write step may run again and again (`apply --repeat`): every run after the
    /// first one that did the work changes nothing but its own bookkeeping.
    #[must_use]
    pub fn is_repeatable(self) -> bool {
        self != Shape::Seed
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Channel {
    pub description: Option<String>,
    pub command: String,
}

/// A psql variable the operator passes with `-v NAME=VALUE`.
#[derive(Debug, Clone, Serialize)]
pub struct Variable {
    pub name: String,
    pub description: String,
    /// POSIX regular expression (PostgreSQL `~`) the value must match.
    pub pattern: String,
    pub example: String,
    /// Roles of the steps that need it; empty means every step.
    pub used_by: Vec<Role>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HumanGate {
    pub metric: String,
    pub open_when: Condition,
    pub description: String,
    /// What a valid approval is; the scripts check exactly this row.
    pub approval: Option<Approval>,
}

/// The approval opening the human gate: the row of `table` whose `key_column` equals the
/// approval variable, carrying every `require`d value.
#[derive(Debug, Clone, Serialize)]
pub struct Approval {
    pub table: String,
    pub key_column: String,
    /// The variable that names the row (the provenance's approval variable).
    pub variable: String,
    /// `(column, value)` in the author's order, compared as text.
    pub require: Vec<(String, String)>,
}

/// The role transaction steps switch to with `SET LOCAL ROLE`, and what it must not write.
#[derive(Debug, Clone, Serialize)]
pub struct RunAs {
    pub role: String,
    pub protected_tables: Vec<String>,
    /// `(table, column)`.
    pub protected_columns: Vec<(String, String)>,
}

/// The table privileges that allow changing a table (or its data): the role holds none of them
/// on a protected table. `MAINTAIN` (PostgreSQL 17+) is left out: older servers reject the name.
pub const WRITE_PRIVILEGES: &str = "INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER";

/// The column privileges that allow setting a column.
pub const COLUMN_WRITE_PRIVILEGES: &str = "INSERT, UPDATE";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MetricType {
    Integer,
    Numeric,
    Text,
}

impl MetricType {
    /// The PL/pgSQL type an observed value is held in.
    #[must_use]
    pub fn sql_type(self) -> &'static str {
        match self {
            MetricType::Integer => "bigint",
            MetricType::Numeric => "numeric",
            MetricType::Text => "text",
        }
    }
}

/// A named read-only scalar query.
#[derive(Debug, Clone, Serialize)]
pub struct Metric {
    pub name: String,
    pub description: Option<String>,
    pub ty: MetricType,
    pub query: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Provenance {
    pub table: String,
    pub tag_column: String,
    pub tag: String,
    pub approval_column: String,
    pub approval_variable: String,
    /// Scanners: the table the write adds exactly one row to per run (e.g. `candidate_scan_run`),
    /// stamped with the same tag column; the rollback deletes its tagged rows too.
    pub run_table: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Preflight,
    Seed,
    Verify,
    Rollback,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Preflight, Role::Seed, Role::Verify, Role::Rollback];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Preflight => "preflight",
            Role::Seed => "seed",
            Role::Verify => "verify",
            Role::Rollback => "rollback",
        }
    }

    /// The role fixes the kind: preflight and verify only read; seed and rollback write in one
    /// transaction.
    #[must_use]
    pub fn kind(self) -> Kind {
        match self {
            Role::Preflight | Role::Verify => Kind::ReadOnly,
            Role::Seed | Role::Rollback => Kind::Transaction,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Runs inside `BEGIN TRANSACTION READ ONLY`: PostgreSQL itself refuses writes.
    ReadOnly,
    /// One transaction: lock, re-check gates, write, assert deltas, COMMIT.
    Transaction,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopAction {
    /// Stop the sequence.
    Stop,
    /// Stop the sequence and run the rollback step.
    StopAndRollback,
}

/// A table lock a transaction step takes before it reads anything.
#[derive(Debug, Clone, Serialize)]
pub struct Lock {
    pub table: String,
    pub mode: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// 0-based position: the step number operators see.
    pub number: usize,
    pub role: Role,
    pub script: String,
    pub kind: Kind,
    pub lock_timeout: Option<String>,
    /// `packetc apply`'s time limit for this step (`30s`, `5min`), when the spec sets one.
    pub time_limit: Option<String>,
    pub locks: Vec<Lock>,
    pub gate: Vec<Check>,
    pub expect: Vec<Check>,
    pub write: Option<String>,
    pub deltas: Vec<Delta>,
    pub stop: StopAction,
    pub stop_note: Option<String>,
}

/// `metric <op> value`.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub metric: String,
    pub condition: Condition,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Op {
    #[serde(rename = "=")]
    Eq,
    #[serde(rename = "<>")]
    Ne,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = "<")]
    Lt,
}

impl Op {
    #[must_use]
    pub fn sql(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "<>",
            Op::Ge => ">=",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Lt => "<",
        }
    }

    /// The symbol used in the step table (as the seed writes it).
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "≠",
            Op::Ge => "≥",
            Op::Le => "≤",
            Op::Gt => ">",
            Op::Lt => "<",
        }
    }

    /// The operator that is true exactly when this one is false.
    #[must_use]
    pub fn negated(self) -> Op {
        match self {
            Op::Eq => Op::Ne,
            Op::Ne => Op::Eq,
            Op::Ge => Op::Lt,
            Op::Le => Op::Gt,
            Op::Gt => Op::Le,
            Op::Lt => Op::Ge,
        }
    }
}

/// A comparison against a constant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Condition {
    pub op: Op,
    pub value: Value,
}

impl Condition {
    /// Whether a known value satisfies the condition (None: not comparable).
    #[must_use]
    pub fn holds_for(&self, v: &Value) -> Option<bool> {
        let ord = v.partial_cmp_value(&self.value)?;
        Some(match self.op {
            Op::Eq => ord.is_eq(),
            Op::Ne => ord.is_ne(),
            Op::Ge => ord.is_ge(),
            Op::Le => ord.is_le(),
            Op::Gt => ord.is_gt(),
            Op::Lt => ord.is_lt(),
        })
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.op.sql(), self.value)
    }
}

/// A constant: a number (kept as written, compared exactly) or text.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Number(Number),
    Text(String),
}

impl Value {
    fn partial_cmp_value(&self, other: &Value) -> Option<std::cmp::Ordering> {
        match (self, other) {
            (Value::Number(a), Value::Number(b)) => Some(a.cmp(b)),
            (Value::Text(a), Value::Text(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Number(n) => write!(f, "{n}"),
            Value::Text(t) => write!(f, "'{}'", t.replace('\'', "''")),
        }
    }
}

/// An exact decimal: `units / 10^scale`, so 100, 100.0 and 100.00 compare equal and deltas add up
/// without floating-point error.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(into = "String")]
pub struct Number {
    pub units: i128,
    pub scale: u32,
}

impl Number {
    /// Parse `-?digits(.digits)?`; None when not a plain decimal or out of range.
    #[must_use]
    pub fn parse(text: &str) -> Option<Number> {
        let text = text.trim();
        let (neg, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if !frac.bytes().all(|b| b.is_ascii_digit()) || (digits.contains('.') && frac.is_empty()) {
            return None;
        }
        let scale = u32::try_from(frac.len()).ok().filter(|s| *s <= 18)?;
        let mut units: i128 = 0;
        for b in int.bytes().chain(frac.bytes()) {
            units = units.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
        }
        if units > i128::from(i64::MAX) * 10i128.pow(scale) {
            return None;
        }
        Some(Number {
            units: if neg { -units } else { units },
            scale,
        })
    }

    #[must_use]
    pub fn from_i64(v: i64) -> Number {
        Number {
            units: i128::from(v),
            scale: 0,
        }
    }

    fn rescaled(self, scale: u32) -> i128 {
        self.units * 10i128.pow(scale - self.scale)
    }

    /// `self + other`, exactly.
    #[must_use]
    pub fn plus(self, other: Number) -> Number {
        let scale = self.scale.max(other.scale);
        Number {
            units: self.rescaled(scale) + other.rescaled(scale),
            scale,
        }
        .normalized()
    }

    /// `-self`.
    #[must_use]
    pub fn negated(self) -> Number {
        Number {
            units: -self.units,
            scale: self.scale,
        }
    }

    /// Drop trailing fractional zeros so equal numbers print alike.
    #[must_use]
    pub fn normalized(mut self) -> Number {
        while self.scale > 0 && self.units % 10 == 0 {
            self.units /= 10;
            self.scale -= 1;
        }
        self
    }

    #[must_use]
    pub fn is_zero(self) -> bool {
        self.units == 0
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}
impl Eq for Number {}
impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Number {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let scale = self.scale.max(other.scale);
        self.rescaled(scale).cmp(&other.rescaled(scale))
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.normalized();
        if n.scale == 0 {
            return write!(f, "{}", n.units);
        }
        let div = 10i128.pow(n.scale);
        let sign = if n.units < 0 { "-" } else { "" };
        let abs = n.units.abs();
        write!(
            f,
            "{sign}{}.{:0width$}",
            abs / div,
            abs % div,
            width = n.scale as usize
        )
    }
}

impl From<Number> for String {
    fn from(n: Number) -> String {
        n.to_string()
    }
}

/// An expected change of a metric across a transaction step.
#[derive(Debug, Clone, Serialize)]
pub struct Delta {
    pub metric: String,
    pub change: Change,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "form", rename_all = "lowercase")]
pub enum Change {
    /// `from -> to`: asserted before and after the write.
    Absolute { from: Number, to: Number },
    /// `+N` / `-N`: the value after is the value before plus N.
    Relative { by: Number },
    /// `-> N` (repeatable shapes): after the write the value is N, whatever it was before (a
    /// first run does the work, a repeated run finds it done).
    Reaches { to: Number },
}

impl Change {
    /// The net change, when it does not depend on the starting value (`Reaches`: it does).
    #[must_use]
    pub fn net(self) -> Option<Number> {
        match self {
            Change::Absolute { from, to } => Some(to.plus(from.negated())),
            Change::Relative { by } => Some(by),
            Change::Reaches { .. } => None,
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Absolute { from, to } => write!(f, "{from}→{to}"),
            Change::Relative { by } if by.units >= 0 => write!(f, "+{by}"),
            Change::Relative { by } => write!(f, "{by}"),
            Change::Reaches { to } => write!(f, "any→{to}"),
        }
    }
}
