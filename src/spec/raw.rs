//! The packet spec exactly as written in YAML: serde types with source spans.
//!
//! Every value a semantic check may need to point at is `Spanned`, so a validation problem can be
//! reported at its line and column. Unknown keys are rejected (`deny_unknown_fields`): a typo in a
//! gate name must never be silently ignored.

use std::fmt;
use std::marker::PhantomData;

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
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
}

pub type Name = Spanned<String>;
pub type Conditions = OrderedMap<Name, Spanned<Scalar>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPacket {
    pub packet: Name,
    pub title: String,
    #[serde(default)]
    pub source: Option<String>,
    pub database: Name,
    pub channel: RawChannel,
    #[serde(default)]
    pub variables: OrderedMap<Name, RawVariable>,
    pub human_gate: RawHumanGate,
    pub metrics: OrderedMap<Name, RawMetric>,
    pub provenance: RawProvenance,
    pub steps: Spanned<Vec<RawStep>>,
    #[serde(default)]
    pub final_state: Conditions,
    pub automation: RawAutomation,
    #[serde(default)]
    pub risks: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChannel {
    #[serde(default)]
    pub description: Option<String>,
    pub command: Name,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVariable {
    pub description: String,
    pub pattern: Spanned<String>,
    pub example: Spanned<String>,
    #[serde(default)]
    pub used_by: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHumanGate {
    pub metric: Name,
    pub open_when: Spanned<Scalar>,
    pub description: String,
    pub automatable: Spanned<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMetric {
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, rename = "type")]
    pub ty: Option<Spanned<String>>,
    pub query: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProvenance {
    pub table: Name,
    pub tag_column: Name,
    pub tag: Spanned<String>,
    pub approval_column: Name,
    pub approval_variable: Name,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub role: Spanned<String>,
    pub script: Spanned<String>,
    pub kind: Spanned<String>,
    #[serde(default)]
    pub lock_timeout: Option<Spanned<String>>,
    #[serde(default)]
    pub locks: Vec<RawLock>,
    #[serde(default)]
    pub gate: Conditions,
    #[serde(default)]
    pub expect: Conditions,
    #[serde(default)]
    pub write: Option<Spanned<String>>,
    #[serde(default)]
    pub write_file: Option<Spanned<String>>,
    #[serde(default)]
    pub deltas: Conditions,
    pub stop: Spanned<String>,
    #[serde(default)]
    pub stop_note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLock {
    pub table: Name,
    pub mode: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAutomation {
    #[serde(default)]
    pub may: Vec<String>,
    pub never: Vec<String>,
}
