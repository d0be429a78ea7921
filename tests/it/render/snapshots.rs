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
        // One row per check: `UNION ALL SELECT 'PHASE', 'METRIC', 'EXPECTED', o::text, o OP VALUE`.
        let rows: Vec<&str> = script
            .text
            .lines()
            .filter_map(|l| l.strip_prefix("    UNION ALL SELECT "))
            .collect();
        for (phase, checks) in [("gate", &step.gate), ("expect", &step.expect)] {
            for c in checks {
                let literal = match &c.condition.value {
                    packetc::packet::Value::Number(n) => n.to_string(),
                    packetc::packet::Value::Text(t) => format!("'{}'", t.replace('\'', "''")),
                };
                let expected = c.condition.to_string().replace('\'', "''");
                let head = format!("'{phase}', '{}', '{expected}', o::text, ", c.metric);
                let compare = format!("o {} {literal} FROM CAST((", c.condition.op.sql());
                assert!(
                    rows.iter()
                        .any(|r| r.starts_with(&head) && r[head.len()..].starts_with(&compare)),
                    "{}: {} is not checked as {head}{compare}",
                    script.file_name,
                    c.metric
                );
            }
        }
        let after_write = script
            .text
            .split_once("-- The write")
            .map_or("", |(_, after)| after);
        for d in &step.deltas {
            assert!(
                after_write.contains(&format!("    UNION ALL SELECT 'after', '{}', ", d.metric)),
                "{}: delta {} not asserted after the write",
                script.file_name,
                d.metric
            );
        }
    }
}
