//! The JSON Schemas under docs/schema/: committed = generated from the serde models, and the
//! packets packetc accepts validate against them.
//!
//! Regenerate after a model change: `UPDATE_SCHEMA=1 cargo test --test it ecosystem::schema`
//! (or `packetc schema packet > docs/schema/packet.schema.json`, same for `policy`).
//!
//! Validated with the `jsonschema` crate (every keyword of the schema's draft, `pattern` and
//! `propertyNames` included), the validator editors' language servers resemble most.

use crate::common::root;
use packetc::schema::SchemaKind;
use serde_json::Value;

fn check_committed(kind: SchemaKind) {
    let generated = packetc::schema::schema_json(kind);
    let path = root().join(packetc::schema::committed_path(kind));
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, &generated).expect("write schema");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is out of date with the serde model; regenerate it with\n  UPDATE_SCHEMA=1 cargo test --test it ecosystem::schema\nand commit it",
        path.display()
    );
}

#[test]
fn committed_packet_schema_matches_the_model() {
    check_committed(SchemaKind::Packet);
}

#[test]
fn committed_policy_schema_matches_the_model() {
    check_committed(SchemaKind::Policy);
}

#[test]
fn committed_report_schema_matches_the_model() {
    check_committed(SchemaKind::Report);
}

#[test]
fn committed_journal_schema_matches_the_model() {
    check_committed(SchemaKind::Journal);
}

/// One validation error as `PATH: LABEL (MESSAGE)`, the label naming its kind the way the cases
/// below ask for it, so a case checks what went wrong rather than a library's wording.
fn describe(e: &jsonschema::ValidationError<'_>) -> String {
    use jsonschema::error::ValidationErrorKind as K;
    let label = match e.kind() {
        K::AdditionalProperties { .. } => "unknown key".to_owned(),
        K::Enum { .. } => "is not one of".to_owned(),
        K::Constant { expected_value } => format!("must be {expected_value}"),
        K::Required { property } => format!(
            "missing required `{}`",
            property.as_str().unwrap_or_default()
        ),
        K::AnyOf { .. } => "matches none of anyOf".to_owned(),
        K::Maximum { .. } => "above the maximum".to_owned(),
        K::Minimum { .. } => "below the minimum".to_owned(),
        K::Type { .. } => "wrong type".to_owned(),
        K::Pattern { .. } => "does not match the pattern".to_owned(),
        _ => "invalid".to_owned(),
    };
    format!("{}: {label} ({e})", e.instance_path())
}

fn schema(kind: SchemaKind) -> Value {
    serde_json::from_str(&packetc::schema::schema_json(kind)).expect("schema is JSON")
}

fn errors_for(kind: SchemaKind, yaml: &str) -> Vec<String> {
    let value: Value = serde_saphyr::from_str(yaml).expect("YAML parses");
    let validator = jsonschema::validator_for(&schema(kind)).expect("a valid JSON Schema");
    validator
        .iter_errors(&value)
        .map(|e| describe(&e))
        .collect()
}

fn bundled() -> String {
    std::fs::read_to_string(root().join("packets/one-roof-ownership-seed/packet.yaml"))
        .expect("bundled packet")
}

#[test]
fn bundled_packet_validates_against_the_schema() {
    let errors = errors_for(SchemaKind::Packet, &bundled());
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn bundled_packet_points_editors_at_the_schema() {
    let first = bundled().lines().next().unwrap_or_default().to_owned();
    assert_eq!(
        first,
        "# yaml-language-server: $schema=../../docs/schema/packet.schema.json"
    );
    assert!(root().join("docs/schema/packet.schema.json").is_file());
}

#[test]
fn scaffolded_packet_validates_against_the_schema() {
    for (path, text) in packetc::scaffold::files("demo", Some("x")) {
        if path.ends_with("packet.yaml") {
            let errors = errors_for(SchemaKind::Packet, &text);
            assert!(errors.is_empty(), "{errors:#?}");
        }
    }
}

/// Each mutation is something packetc rejects; the schema must flag it too, so the editor
/// underlines it while the author types.
#[test]
fn schema_rejects_what_packetc_rejects() {
    let text = bundled();
    let cases = [
        ("packet: one-roof", "pakcet: one-roof", "unknown key"),
        ("role: verify", "role: verification", "is not one of"),
        (
            "  - role: verify\n",
            "  - role: verify\n    kind: read-only\n",
            "unknown key",
        ),
        (
            "    stop_note: own",
            "    stop: rollback\n    stop_note: own",
            "is not one of",
        ),
        ("lock_timeout: 10s\n    locks:\n      - table: governance_object_ownership\n        mode: SHARE ROW EXCLUSIVE\n      #", "lock_timeout: 10\n    locks:\n      - table: governance_object_ownership\n        mode: SHARE ROW EXCLUSIVE\n      #", "is not of types"),
        ("type: numeric", "type: decimal", "is not one of"),
        (
            "mode: SHARE ROW EXCLUSIVE",
            "mode: SHARE ROW",
            "is not one of",
        ),
        ("automatable: false", "automatable: true", "must be false"),
        (
            "  tag_column: created_by\n",
            "",
            "missing required `tag_column`",
        ),
        (
            "    stop_note: any assert",
            "    stop_notes: any assert",
            "unknown key",
        ),
        (
            "used_by: [preflight, seed]",
            "used_by: [preflight, seeding]",
            "is not one of",
        ),
        (
            "      gap: 210\n",
            "      gap: true\n",
            "matches none of anyOf",
        ),
    ];
    for (from, to, want) in cases {
        assert!(
            text.contains(from),
            "the bundled packet no longer contains {from:?}"
        );
        let mutated = text.replacen(from, to, 1);
        let errors = errors_for(SchemaKind::Packet, &mutated);
        assert!(
            errors.iter().any(|e| e.contains(want)),
            "{from:?} -> {to:?}: expected an error containing {want:?}, got {errors:#?}"
        );
        // And packetc itself rejects it.
        let reader = |_: &str| Err::<String, String>("no fragments".into());
        assert!(
            packetc::packet::parse("packet.yaml", &mutated, &reader).is_err(),
            "packetc accepted {from:?} -> {to:?}"
        );
    }
}

/// The enums the schema offers are exactly the values packetc accepts: every offered value
/// validates (in a position where the role allows it), so completion never suggests an error.
#[test]
fn schema_enums_are_accepted_by_packetc() {
    let s = schema(SchemaKind::Packet);
    let defs = &s["definitions"];
    let modes = defs["Lock"]["properties"]["mode"]["enum"]
        .as_array()
        .expect("lock mode enum");
    let reader = |_: &str| Err::<String, String>("no fragments".into());
    for m in modes {
        let m = m.as_str().expect("string");
        let text = bundled().replacen("mode: SHARE ROW EXCLUSIVE", &format!("mode: {m}"), 1);
        assert!(
            packetc::packet::parse("packet.yaml", &text, &reader).is_ok(),
            "lock mode {m} offered by the schema is rejected"
        );
    }
    for t in defs["Metric"]["properties"]["type"]["enum"]
        .as_array()
        .expect("metric type enum")
    {
        let t = t.as_str().expect("string");
        // A metric no condition uses accepts every type.
        let text = bundled().replacen(
            "metrics:\n",
            &format!("metrics:\n  extra:\n    type: {t}\n    query: SELECT 1\n"),
            1,
        );
        assert!(
            packetc::packet::parse("packet.yaml", &text, &reader).is_ok(),
            "metric type {t} offered by the schema is rejected"
        );
    }
    let roles: Vec<&str> = defs["Step"]["properties"]["role"]["enum"]
        .as_array()
        .expect("role enum")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(roles, ["preflight", "seed", "verify", "rollback"]);
}

#[test]
fn bundled_policy_validates_and_typos_do_not() {
    let text = std::fs::read_to_string(root().join("packets/policy.yaml")).expect("policy");
    let errors = errors_for(SchemaKind::Policy, &text);
    assert!(errors.is_empty(), "{errors:#?}");
    let cases = [
        ("version: 1", "version: 1\nbogus: 1", "unknown key"),
        (
            "  - table: system_issues",
            "  - tabel: system_issues",
            "unknown key",
        ),
        ("    column: active\n", "", "missing required `column`"),
        ("version: 1", "version: 2", "above the maximum"),
    ];
    for (from, to, want) in cases {
        assert!(
            text.contains(from),
            "the policy no longer contains {from:?}"
        );
        let mutated = text.replacen(from, to, 1);
        let errors = errors_for(SchemaKind::Policy, &mutated);
        assert!(
            errors.iter().any(|e| e.contains(want)),
            "{from:?} -> {to:?}: expected {want:?}, got {errors:#?}"
        );
        assert!(
            packetc::lint::Policy::from_yaml("policy.yaml", &mutated).is_err(),
            "packetc accepted {from:?} -> {to:?}"
        );
    }
}

/// "Every field explained": each key the packet schema knows appears in the `packetc new`
/// template, as a key or in a comment, so the scaffold teaches the whole format.
#[test]
fn scaffold_mentions_every_field() {
    fn keys(v: &Value, out: &mut Vec<String>) {
        if let Some(props) = v.get("properties").and_then(Value::as_object) {
            out.extend(props.keys().cloned());
        }
        if let Some(defs) = v.get("definitions").and_then(Value::as_object) {
            for d in defs.values() {
                keys(d, out);
            }
        }
    }
    let mut all = Vec::new();
    keys(&schema(SchemaKind::Packet), &mut all);
    let (_, template) = packetc::scaffold::files("demo", Some("x"))
        .into_iter()
        .find(|(p, _)| p.ends_with("packet.yaml"))
        .expect("template");
    let missing: Vec<&String> = all
        .iter()
        .filter(|k| !template.contains(&format!("{k}:")) && !template.contains(&format!("`{k}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "the scaffold never mentions {missing:?}"
    );
}
