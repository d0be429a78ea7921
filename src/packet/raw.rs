//! The packet spec exactly as written in YAML: serde types with source spans.
//!
//! Every value a semantic check may need to point at is `Spanned`, so a validation problem can be
//! reported at its line and column. Unknown keys are rejected (`deny_unknown_fields`): a typo in a
//! gate name must never be silently ignored.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_saphyr::Spanned;

/// A YAML mapping kept in document order (templates render in the author's order).
#[derive(Debug, Clone)]
pub struct OrderedMap<K, V>(pub Vec<(K, V)>);

impl<K, V> Default for OrderedMap<K, V> {
    fn default() -> Self {
        OrderedMap(Vec::new())
    }
}

impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<K, V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<K, V>(PhantomData<(K, V)>);
        impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> Visitor<'de> for MapVisitor<K, V> {
            type Value = OrderedMap<K, V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(OrderedMap(entries))
            }
        }
        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}

/// A scalar as YAML typed it; `Spanned<Scalar>` keeps its position.
///
/// A condition: a number (`210`: equal), text (`directus`), a comparison (`'>= 1'`, `'<> 0'`),
/// or in `deltas` a change (`'0 -> 30'`, `-30`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
#[schemars(
    description = "A condition: a number (`210`: equal), text (`directus`), a comparison (`'>= 1'`, `'<> 0'`), or in `deltas` a change (`'0 -> 30'`, `-30`)."
)]
pub enum Scalar {
    /// A whole number.
    Int(i64),
    /// A decimal number.
    Float(f64),
    /// `true` / `false`: YAML reads it, validation rejects it in every condition (so the
    /// schema does not offer it).
    #[schemars(skip)]
    Bool(bool),
    /// Text, a comparison such as `>= 1`, or a change such as `0 -> 30`.
    Str(String),
}

pub type Name = Spanned<String>;
pub type Conditions = OrderedMap<Name, Spanned<Scalar>>;

/// A packet (spec v2): the spec packetc compiles into four self-guarding psql scripts
/// (preflight, seed, verify, rollback). Every fact is stated once; what follows from other facts
/// is derived (docs/spec.md, "What is derived"). Reference: docs/spec.md.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "packetc packet.yaml")]
pub struct RawPacket {
    /// The spec format: `2`. A file without it is a v1 spec (docs/spec.md, "Migrating from v1").
    #[schemars(schema_with = "version_schema")]
    pub version: Spanned<u32>,
    /// The packet's name (letters, digits, `-`, `_`); printed in every script header.
    #[schemars(with = "String", regex(pattern = r"^[A-Za-z0-9_-]+$"))]
    pub packet: Name,
    /// The packet's shape: `seed` (one-shot, the default), `scanner` (idempotent natural-key
    /// upsert, one run row per run) or `cursor` (monotonic advance). Reference: docs/shapes.md.
    #[serde(default)]
    #[schemars(schema_with = "shape_schema")]
    pub shape: Option<Spanned<String>>,
    /// One line for humans.
    pub title: String,
    /// Where the packet comes from (a document, a ticket).
    #[serde(default)]
    pub source: Option<String>,
    /// The target database: every script refuses to run anywhere else (`current_database()`).
    #[schemars(with = "String", length(min = 1))]
    pub database: Name,
    /// How operators run a script: a command that runs psql reading the script on stdin.
    pub channel: RawChannel,
    /// Prefix of the default script names: step N's script is `<prefix>0N_<role>.sql`
    /// (default: no prefix, `00_preflight.sql`).
    #[serde(default)]
    #[schemars(
        with = "Option<String>",
        regex(pattern = r"^[A-Za-z0-9_-][A-Za-z0-9_.-]*$")
    )]
    pub script_prefix: Option<Spanned<String>>,
    /// psql variables the operator passes with `-v NAME=VALUE`, by name (lower-case identifier).
    #[serde(default)]
    #[schemars(extend("propertyNames" = { "pattern": IDENT_PATTERN }))]
    pub variables: OrderedMap<Name, RawVariable>,
    /// The gate people open; packetc only ever checks it. Its condition is the preflight gate's
    /// entry for its metric; the seed re-checks it with the rest of the preflight gate.
    pub human_gate: RawHumanGate,
    /// Named read-only scalar queries that gates, deltas and expectations talk about.
    #[schemars(extend("propertyNames" = { "pattern": IDENT_PATTERN }))]
    pub metrics: OrderedMap<Name, RawMetric>,
    /// The table the seed writes and the tag that marks its rows (the rollback deletes by it).
    pub provenance: RawProvenance,
    /// The least-privilege role the transaction steps run as (optional).
    #[serde(default)]
    pub run_as: Option<RawRunAs>,
    /// Exactly four steps, in this order: preflight, seed, verify, rollback.
    #[schemars(with = "Vec<RawStep>", length(min = 4, max = 4))]
    pub steps: Spanned<Vec<RawStep>>,
    /// What may run unattended (`may`) and what must stay human (`never`).
    pub automation: RawAutomation,
    /// Notes carried from the clone, shown to operators in the plan.
    #[serde(default)]
    pub risks: Vec<String>,
}

/// How operators run a script.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Channel")]
pub struct RawChannel {
    /// The channel in words, for operators.
    #[serde(default)]
    pub description: Option<String>,
    /// The command that runs psql reading the script on stdin, e.g. `psql -d mydb -f -`.
    #[schemars(with = "String", length(min = 1))]
    pub command: Name,
}

/// A psql variable the operator passes with `-v NAME=VALUE`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Variable")]
pub struct RawVariable {
    /// What the value is; shown in the script next to the check.
    pub description: String,
    /// POSIX regular expression (PostgreSQL `~`): a value that does not match makes the script
    /// refuse to start.
    #[schemars(with = "String", length(min = 1))]
    pub pattern: Spanned<String>,
    /// An example value: shown in the "pass -v NAME=..." hint and the header's run line; used by
    /// `prove`.
    #[schemars(with = "String", length(min = 1))]
    pub example: Spanned<String>,
    /// Roles of the steps that need it (default: every step).
    #[serde(default)]
    #[schemars(schema_with = "roles_schema")]
    pub used_by: Vec<Spanned<String>>,
}

/// The human gate: a metric only people can change.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "HumanGate")]
pub struct RawHumanGate {
    /// The metric that measures the gate (declared under `metrics:`). The preflight gate holds
    /// its open condition, e.g. `ospa: '>= 1'`.
    #[schemars(with = "String")]
    pub metric: Name,
    /// Who opens the gate and how, in words.
    pub description: String,
    /// Must be `false`: nothing in packetc opens the human gate.
    #[schemars(schema_with = "false_schema")]
    pub automatable: Spanned<bool>,
    /// What a valid approval is: the row the approval variable names and the values it must
    /// carry. Preflight and seed check exactly that; the seed under a lock held to COMMIT.
    #[serde(default)]
    pub approval: Option<RawApproval>,
}

/// The approval that opens the human gate: one row, named by the provenance's approval variable.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Approval")]
pub struct RawApproval {
    /// The table holding approvals (only ever read; transaction steps lock it against writes).
    #[schemars(
        with = "String",
        regex(pattern = r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$")
    )]
    pub table: Name,
    /// The column whose value the approval variable names, e.g. `proposal_ref`.
    #[schemars(with = "String", regex(pattern = r"^[a-z_][a-z0-9_]*$"))]
    pub key_column: Name,
    /// Column values a valid approval carries, e.g. `decision: ratified`, `quorum_level: L2`.
    #[schemars(schema_with = "require_schema")]
    pub require: OrderedMap<Name, Spanned<String>>,
}

/// The role the transaction steps run as (`SET LOCAL ROLE` inside the transaction), and what
/// it must never be able to write: PostgreSQL enforces the policy, not only the linter.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "RunAs")]
pub struct RawRunAs {
    /// The role's name (lower-case identifier); `packetc grants` prints the script creating it.
    #[schemars(with = "String", regex(pattern = r"^[a-z_][a-z0-9_]*$"))]
    pub role: Name,
    /// Tables the role must hold no write privilege on (INSERT, UPDATE, DELETE, TRUNCATE,
    /// REFERENCES, TRIGGER); preflight and the transaction steps stop if it does.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub protected_tables: Vec<Name>,
    /// `table.column` (or `schema.table.column`) the role must not be able to INSERT or UPDATE.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub protected_columns: Vec<Name>,
}

/// A named read-only scalar query.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Metric")]
pub struct RawMetric {
    /// What the number means.
    #[serde(default)]
    pub description: Option<String>,
    /// The value's type: `integer` (default), `numeric` or `text` (compared with `=`/`<>` only).
    #[serde(default, rename = "type")]
    #[schemars(schema_with = "metric_type_schema")]
    pub ty: Option<Spanned<String>>,
    /// Exactly one read-only SELECT returning one value, evaluated as a scalar subquery.
    #[schemars(with = "String", length(min = 1))]
    pub query: Spanned<String>,
}

/// Where the seed writes and how its rows are marked.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Provenance")]
pub struct RawProvenance {
    /// The only table the seed may write (lower-case, optionally `schema.table`).
    #[schemars(
        with = "String",
        regex(pattern = r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$")
    )]
    pub table: Name,
    /// The column the seed fills with the tag (`current_setting('packetc.provenance_tag')`).
    #[schemars(with = "String", regex(pattern = r"^[a-z_][a-z0-9_]*$"))]
    pub tag_column: Name,
    /// The tag that marks the seed's rows; the rollback deletes exactly these (letters, digits,
    /// `_ - . :`).
    #[schemars(with = "String", regex(pattern = r"^[A-Za-z0-9_.:-]+$"))]
    pub tag: Spanned<String>,
    /// The column the seed fills with the approval id.
    #[schemars(with = "String", regex(pattern = r"^[a-z_][a-z0-9_]*$"))]
    pub approval_column: Name,
    /// The declared variable that carries the approval id.
    #[schemars(with = "String", regex(pattern = r"^[a-z_][a-z0-9_]*$"))]
    pub approval_variable: Name,
    /// Scanners: the table each run adds exactly one row to (stamped with the same tag column);
    /// the rollback deletes its tagged rows too.
    #[serde(default)]
    #[schemars(
        with = "Option<String>",
        regex(pattern = r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$")
    )]
    pub run_table: Option<Name>,
}

/// One of the four steps. The role fixes the kind: preflight and verify are read-only, seed and
/// rollback are transactions.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Step")]
pub struct RawStep {
    /// `preflight`, `seed`, `verify`, `rollback`: exactly these four, in this order.
    #[schemars(schema_with = "role_schema")]
    pub role: Spanned<String>,
    /// Only to override the default `<script_prefix>0N_<role>.sql`: the script's file name under
    /// `sql/` (no directories).
    #[serde(default)]
    #[schemars(
        with = "Option<String>",
        regex(pattern = r"^[A-Za-z0-9_-][A-Za-z0-9_.-]*\.sql$")
    )]
    pub script: Option<Spanned<String>>,
    /// Transaction steps: `SET LOCAL lock_timeout`, a positive duration with its unit, e.g.
    /// `10s`, `500ms`, `1min` (a bare number would be milliseconds to PostgreSQL, and 0 would
    /// wait forever, so both are refused).
    #[serde(default)]
    #[schemars(with = "Option<String>", regex(pattern = r"^[0-9]+(ms|s|min)$"))]
    pub lock_timeout: Option<Spanned<String>>,
    /// Any step: the time limit of one run of the step under `packetc apply` (its
    /// `statement_timeout` and the channel's wall-clock limit), e.g. `30s`, `5min`; default 5min,
    /// `--step-timeout` overrides it.
    #[serde(default)]
    #[schemars(with = "Option<String>", regex(pattern = r"^[0-9]+(ms|s|min|h)$"))]
    pub time_limit: Option<Spanned<String>>,
    /// Transaction steps: tables locked (with a mode) before anything is read.
    #[serde(default)]
    pub locks: Vec<RawLock>,
    /// Conditions checked first, by metric; the step aborts unless all hold. The preflight gate
    /// (with the human gate's entry) is the packet's starting state; the seed re-checks all of
    /// it, so the seed's own gate lists only extra conditions.
    #[serde(default)]
    #[schemars(schema_with = "conditions_schema")]
    pub gate: Conditions,
    /// Verify: which metrics to check, in order; the expected values are derived (the state
    /// after the seed). Default: every metric the seed's deltas name.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub expect: Option<Vec<Name>>,
    /// Transaction steps: the SQL of the change (or use `write_file`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub write: Option<Spanned<String>>,
    /// Transaction steps: a file holding the write, relative to the packet directory.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub write_file: Option<Spanned<String>>,
    /// The seed: expected changes by metric, `-> TO` (the start is the gate's value), `'FROM ->
    /// TO'` for an ungated metric, or a signed change (`-30`: after = before - 30). The
    /// rollback's deltas are derived: the seed's, inverted.
    #[serde(default)]
    #[schemars(schema_with = "conditions_schema")]
    pub deltas: Conditions,
    /// The rollback: seed deltas it inverts as a relative change (`-30`) rather than `TO ->
    /// FROM`, for metrics that rows of other packets also count.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub relative: Vec<Name>,
    /// Only to override the default (`stop_and_rollback` for verify, `stop` otherwise).
    #[serde(default)]
    #[schemars(schema_with = "stop_schema")]
    pub stop: Option<Spanned<String>>,
    /// The stop condition as people say it; shown in the plan and in the failure hint.
    #[serde(default)]
    pub stop_note: Option<String>,
}

/// A table lock taken at the start of a transaction step.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Lock")]
pub struct RawLock {
    /// The table (lower-case, optionally `schema.table`).
    #[schemars(
        with = "String",
        regex(pattern = r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$")
    )]
    pub table: Name,
    /// The PostgreSQL lock mode, e.g. `SHARE ROW EXCLUSIVE`.
    #[schemars(schema_with = "lock_mode_schema")]
    pub mode: Spanned<String>,
}

/// What may be automated and what must stay human.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Automation")]
pub struct RawAutomation {
    /// What may run unattended.
    #[serde(default)]
    pub may: Vec<String>,
    /// What must never be automated (carried into the plan for operators).
    pub never: Vec<String>,
}

// --- JSON Schema helpers ------------------------------------------------------------------
//
// The model keeps strings (with spans) where validation decides meaning, so the schema's enums
// are written here, next to the fields, from the same lists validation accepts; a test in
// `crate::schema` checks them against validation's own lists.

/// Metric and variable names: lower-case identifiers.
const IDENT_PATTERN: &str = "^[a-z_][a-z0-9_]*$";

/// The step roles, in order.
pub const ROLES: [&str; 4] = ["preflight", "seed", "verify", "rollback"];
/// The stop actions.
pub const STOPS: [&str; 2] = ["stop", "stop_and_rollback"];
/// The packet shapes.
pub const SHAPES: [&str; 3] = ["seed", "scanner", "cursor"];
/// The metric types.
pub const METRIC_TYPES: [&str; 3] = ["integer", "numeric", "text"];

fn string_enum(values: &[&str]) -> Schema {
    json_schema!({ "type": "string", "enum": values })
}

fn role_schema(_: &mut SchemaGenerator) -> Schema {
    string_enum(&ROLES)
}

fn roles_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "array", "items": { "type": "string", "enum": ROLES } })
}

fn version_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "integer", "const": 2 })
}

fn shape_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "enum": SHAPES, "default": "seed" })
}

fn stop_schema(_: &mut SchemaGenerator) -> Schema {
    string_enum(&STOPS)
}

fn metric_type_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "enum": METRIC_TYPES, "default": "integer" })
}

fn lock_mode_schema(_: &mut SchemaGenerator) -> Schema {
    // packetc also accepts these in lower case; editors suggest the canonical spelling.
    string_enum(&super::validate::LOCK_MODES)
}

fn false_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "boolean", "const": false })
}

/// Required column values by column name (text).
fn require_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "object",
        "propertyNames": { "pattern": IDENT_PATTERN },
        "additionalProperties": { "type": "string" },
    })
}

/// Conditions by metric name: a number, text, a comparison or a change.
fn conditions_schema(generator: &mut SchemaGenerator) -> Schema {
    let value = generator.subschema_for::<Scalar>();
    json_schema!({
        "type": "object",
        "propertyNames": { "pattern": IDENT_PATTERN },
        "additionalProperties": value,
    })
}

/// An ordered mapping is a JSON object; its values follow `V` (keys are names).
impl<K, V: JsonSchema> JsonSchema for OrderedMap<K, V> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        format!("Map_of_{}", V::schema_name()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let value = generator.subschema_for::<V>();
        json_schema!({ "type": "object", "additionalProperties": value })
    }
}
