//! `packetc schema packet|policy|report`: JSON Schemas generated from the serde models.
//!
//! The schemas are derived (schemars) from the very types packetc deserializes, so an editor
//! using them (yaml-language-server, via the modeline at the top of packet.yaml) completes and
//! checks the same fields packetc reads. They are committed under `docs/schema/`; a test fails
//! when the committed files drift from the models.
//!
//! Draft-07 is emitted on purpose: it is the draft every YAML/JSON editor integration supports
//! fully (yaml-language-server's support for 2019-09/2020-12 keywords is partial).

use schemars::generate::SchemaSettings;

/// The documents packetc publishes a JSON Schema for (`cli.rs` maps its flag onto this).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaKind {
    /// packets/NAME/packet.yaml.
    Packet,
    /// packets/policy.yaml (the lint policy).
    Policy,
    /// The `--format json` report of `packetc lint` and `packetc check`.
    Report,
    /// PACKET/journal/*.jsonl (one record per line, written by apply).
    Journal,
}

/// The committed location of each schema, relative to the repository root.
#[must_use]
pub fn committed_path(kind: SchemaKind) -> &'static str {
    match kind {
        SchemaKind::Packet => "docs/schema/packet.schema.json",
        SchemaKind::Policy => "docs/schema/policy.schema.json",
        SchemaKind::Report => "docs/schema/report.schema.json",
        SchemaKind::Journal => "docs/schema/journal.schema.json",
    }
}

/// The schema of `kind` as pretty JSON with a trailing newline (the committed form).
#[must_use]
pub fn schema_json(kind: SchemaKind) -> String {
    let generator = SchemaSettings::draft07().into_generator();
    let schema = match kind {
        SchemaKind::Packet => generator.into_root_schema_for::<crate::packet::raw::RawPacket>(),
        SchemaKind::Policy => generator.into_root_schema_for::<crate::lint::policy::RawPolicy>(),
        SchemaKind::Report => {
            generator.into_root_schema_for::<crate::lint::report_json::JsonReport>()
        }
        SchemaKind::Journal => generator.into_root_schema_for::<crate::apply::Entry>(),
    };
    let mut text =
        serde_json::to_string_pretty(&schema).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}
