//! The JSON Schemas under docs/schema/: committed = generated from the serde models, and the
//! packets packetc accepts validate against them.
//!
//! Regenerate after a model change: `UPDATE_SCHEMA=1 cargo test --test ecosystem_schema`
//! (or `packetc schema packet > docs/schema/packet.schema.json`, same for `policy`).
//!
//! The validator below is deliberately small: it implements the keywords the generated schemas
//! use (`$ref`, `allOf`, `anyOf`, `type`, `enum`, `const`, `properties`, `required`,
//! `additionalProperties`, `items`, `minItems`, `maxItems`, `minLength`, `minimum`, `maximum`)
//! and checks that it met no other keyword, so a schema change that needs more fails here
//! instead of passing unchecked.
//! It does NOT evaluate `pattern` / `propertyNames` regular expressions (no regex engine in the
//! dependencies); those are covered by packetc's own validation, which is stricter.

use std::path::PathBuf;

use packetc::schema::SchemaKind;
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

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
        "{} is out of date with the serde model; regenerate it with\n  UPDATE_SCHEMA=1 cargo test --test ecosystem_schema\nand commit it",
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

/// Problems found validating `value` against `schema` (empty when valid).
fn validate(root: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    let Some(obj) = schema.as_object() else {
        if schema == &Value::Bool(false) {
            errors.push(format!("{at}: not allowed"));
        }
        return;
    };
    for key in obj.keys() {
        let known = [
            "$schema",
            "$ref",
            "title",
            "description",
            "default",
            "definitions",
            "allOf",
            "anyOf",
            "type",
            "enum",
            "const",
            "properties",
            "required",
            "additionalProperties",
            "items",
            "minItems",
            "maxItems",
            "minLength",
            "minimum",
            "maximum",
            "format",
            "pattern",
            "propertyNames",
        ];
        assert!(
            known.contains(&key.as_str()),
            "the test validator does not implement `{key}`"
        );
    }
    if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
        let name = r.strip_prefix("#/definitions/").expect("local ref");
        validate(root, &root["definitions"][name], value, at, errors);
    }
    if let Some(all) = obj.get("allOf").and_then(Value::as_array) {
        for s in all {
            validate(root, s, value, at, errors);
        }
    }
    if let Some(any) = obj.get("anyOf").and_then(Value::as_array) {
        let ok = any.iter().any(|s| {
            let mut e = Vec::new();
            validate(root, s, value, at, &mut e);
            e.is_empty()
        });
        if !ok {
            errors.push(format!("{at}: matches none of anyOf"));
        }
    }
    if let Some(t) = obj.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let ok = types.iter().any(|t| match *t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            other => panic!("unknown type {other}"),
        });
        if !ok {
            errors.push(format!("{at}: expected {types:?}, found {value}"));
        }
    }
    if let Some(e) = obj.get("enum").and_then(Value::as_array) {
        if !e.contains(value) {
            errors.push(format!("{at}: {value} is not one of {e:?}"));
        }
    }
    if let Some(c) = obj.get("const") {
        if c != value {
            errors.push(format!("{at}: must be {c}"));
        }
    }
    if let Some(n) = obj.get("minLength").and_then(Value::as_u64) {
        if value
            .as_str()
            .is_some_and(|s| (s.chars().count() as u64) < n)
        {
            errors.push(format!("{at}: shorter than {n}"));
        }
    }
    if let (Some(n), Some(min)) = (value.as_f64(), obj.get("minimum").and_then(Value::as_f64)) {
        if n < min {
            errors.push(format!("{at}: below the minimum {min}"));
        }
    }
    if let (Some(n), Some(max)) = (value.as_f64(), obj.get("maximum").and_then(Value::as_f64)) {
        if n > max {
            errors.push(format!("{at}: above the maximum {max}"));
        }
    }
    if let Some(items) = value.as_array() {
        if let Some(n) = obj.get("minItems").and_then(Value::as_u64) {
            if (items.len() as u64) < n {
                errors.push(format!("{at}: fewer than {n} items"));
            }
        }
        if let Some(n) = obj.get("maxItems").and_then(Value::as_u64) {
            if (items.len() as u64) > n {
                errors.push(format!("{at}: more than {n} items"));
            }
        }
        if let Some(s) = obj.get("items") {
            for (i, item) in items.iter().enumerate() {
                validate(root, s, item, &format!("{at}[{i}]"), errors);
            }
        }
    }
    if let Some(map) = value.as_object() {
        let props = obj.get("properties").and_then(Value::as_object);
        if let Some(req) = obj.get("required").and_then(Value::as_array) {
            for r in req.iter().filter_map(Value::as_str) {
                if !map.contains_key(r) {
                    errors.push(format!("{at}: missing required `{r}`"));
                }
            }
        }
        for (k, v) in map {
            let sub = format!("{at}.{k}");
            match props.and_then(|p| p.get(k)) {
                Some(s) => validate(root, s, v, &sub, errors),
                None => match obj.get("additionalProperties") {
                    Some(Value::Bool(false)) => errors.push(format!("{sub}: unknown key")),
                    Some(s @ Value::Object(_)) => validate(root, s, v, &sub, errors),
                    _ => {}
                },
            }
        }
    }
}

fn schema(kind: SchemaKind) -> Value {
    serde_json::from_str(&packetc::schema::schema_json(kind)).expect("schema is JSON")
}

fn errors_for(kind: SchemaKind, yaml: &str) -> Vec<String> {
    let value: Value = serde_saphyr::from_str(yaml).expect("YAML parses");
    let s = schema(kind);
    let mut errors = Vec::new();
    validate(&s, &s, &value, "$", &mut errors);
    errors
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
        ("lock_timeout: 10s\n    locks:\n      - table: governance_object_ownership\n        mode: SHARE ROW EXCLUSIVE\n      #", "lock_timeout: 10\n    locks:\n      - table: governance_object_ownership\n        mode: SHARE ROW EXCLUSIVE\n      #", "found 10"),
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
