//! `--format json` output validates against the committed JSON Schema
//! (docs/schema/report.schema.json), checked by the `jsonschema` crate (a full draft-07
//! validator, patterns included), on lint findings of the corpora and on `check` drift.

use std::path::Path;
use std::process::Command;

fn packetc(dir: &Path, args: &[&str]) -> serde_json::Value {
    let out = Command::new(crate::common::BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run packetc");
    assert!(matches!(out.status.code(), Some(0 | 1)), "{args:?}");
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

fn validator() -> jsonschema::Validator {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text =
        std::fs::read_to_string(root.join("docs/schema/report.schema.json")).expect("schema");
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("a valid JSON Schema")
}

fn errors(v: &jsonschema::Validator, doc: &serde_json::Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn lint_and_check_json_match_the_schema() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let v = validator();
    let lint = packetc(
        root,
        &["lint", "--format", "json", "tests/corpus", "packets"],
    );
    assert!(lint["findings"].as_array().is_some_and(|f| f.len() > 20));
    assert_eq!(errors(&v, &lint), Vec::<String>::new());

    // check with drift: a copy of the packet with a hand edit and a stray script.
    let tmp = tempfile::tempdir().expect("tmp");
    let pk = tmp.path().join("packets/p");
    std::fs::create_dir_all(pk.join("sql")).expect("mkdir");
    let src = root.join("packets/one-roof-ownership-seed");
    std::fs::copy(src.join("packet.yaml"), pk.join("packet.yaml")).expect("copy");
    for e in std::fs::read_dir(src.join("sql")).expect("sql").flatten() {
        std::fs::copy(e.path(), pk.join("sql").join(e.file_name())).expect("copy");
    }
    std::fs::write(pk.join("sql/F_prod_02_verify.sql"), "SELECT 1;\n").expect("write");
    std::fs::write(pk.join("sql/extra.sql"), "SELECT 1;\n").expect("write");
    let check = packetc(tmp.path(), &["check", "--format", "json"]);
    let codes: Vec<&str> = check["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(
        codes.contains(&"PC900") && codes.contains(&"PC902"),
        "{codes:?}"
    );
    assert_eq!(errors(&v, &check), Vec::<String>::new());

    // The schema does reject what the docs rule out.
    let mut bad = lint.clone();
    bad["findings"][0]["severity"] = "fatal".into();
    bad["policies"][0]["sha256"] = "abc".into();
    bad["findings"][0]["extra"] = 1.into();
    let e = errors(&v, &bad);
    assert!(e.len() >= 2, "{e:?}");
}
