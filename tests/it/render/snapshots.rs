//! The generated scripts and the plan are reviewed as snapshots under snapshots/render/.
//! `cargo insta review` shows every change; CI runs with INSTA_UPDATE=no.

use std::path::Path;

const PACKET: &str = "packets/one-roof-ownership-seed";

fn loaded() -> packetc::packet::Loaded {
    packetc::packet::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(PACKET))
        .expect("bundled packet loads")
}

macro_rules! snap {
    ($name:expr, $text:expr) => {
        insta::with_settings!({ snapshot_path => "../../../snapshots/render", prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!($name, $text);
        })
    };
}

#[test]
fn generated_scripts() {
    let scripts = packetc::render::render(&loaded()).expect("renders");
    let names: Vec<&str> = scripts.iter().map(|s| s.file_name.as_str()).collect();
    assert_eq!(
        names,
        [
            "F_prod_00_preflight.sql",
            "F_prod_01_ownership_seed_commit.sql",
            "F_prod_02_verify.sql",
            "F_prod_03_rollback.sql"
        ]
    );
    for s in &scripts {
        snap!(s.file_name.trim_end_matches(".sql"), s.text.as_str());
    }
}

#[test]
fn rendering_is_deterministic_and_matches_the_committed_scripts() {
    let l = loaded();
    let a = packetc::render::render(&l).expect("renders");
    let b = packetc::render::render(&l).expect("renders");
    assert_eq!(a, b);
    let drift = packetc::check::drift(&l.sql_dir(), &a).expect("reads sql/");
    assert!(drift.is_empty(), "committed scripts drifted: {drift:?}");
}

#[test]
fn plan_text_and_markdown() {
    let l = loaded();
    snap!("plan_text", packetc::plan::text(&l.packet));
    snap!("plan_markdown", packetc::plan::markdown(&l.packet));
}

#[test]
fn every_gate_and_delta_of_the_spec_is_asserted_in_the_scripts() {
    let l = loaded();
    let scripts = packetc::render::render(&l).expect("renders");
    for (step, script) in l.packet.steps.iter().zip(&scripts) {
        for c in step.gate.iter().chain(&step.expect) {
            let phase = if step.gate.iter().any(|g| g.metric == c.metric) {
                "gate"
            } else {
                "expect"
            };
            let notice = format!("'{phase}', '{}', coalesce(", c.metric);
            let comment = format!("  -- {} {}\n", c.metric, c.condition);
            let literal = match &c.condition.value {
                packetc::packet::Value::Number(n) => n.to_string(),
                packetc::packet::Value::Text(t) => format!("'{}'", t.replace('\'', "''")),
            };
            let compare = format!(" {} {literal}) THEN", c.condition.op.sql());
            let block = script.text.split(&comment).nth(1).unwrap_or_default();
            assert!(
                block.contains(&notice),
                "{}: {} is not observed",
                script.file_name,
                c.metric
            );
            assert!(
                block
                    .lines()
                    .find(|l| l.starts_with("  IF observed_"))
                    .is_some_and(|l| l.contains(&compare)),
                "{}: {} is not compared with{compare}",
                script.file_name,
                c.metric
            );
        }
        for d in &step.deltas {
            assert!(
                script.text.contains(&format!("'after', '{}'", d.metric)),
                "{}: delta {} not asserted after the write",
                script.file_name,
                d.metric
            );
        }
    }
}
