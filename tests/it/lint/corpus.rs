//! Corpus tests: every evasion spelling is flagged with the right code on the right line,
//! every look-alike passes, and packet scripts are judged by the packet-aware rules.
//!
//! A line carrying `expect: CODE[, CODE]` (in any comment) must get exactly those codes;
//! every other line must get none.

use std::collections::BTreeSet;
use std::path::Path;

use packetc::lint::{lint_source, Finding, Policy, StepContext, StepRole};

fn expected(text: &str) -> BTreeSet<(usize, String)> {
    let mut out = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(at) = line.find("expect:") {
            let rest = &line[at + 7..];
            for code in rest
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|c| !c.is_empty())
                .take_while(|c| c.starts_with("PC"))
            {
                out.insert((i + 1, code.to_string()));
            }
        }
    }
    out
}

fn got(findings: &[Finding]) -> BTreeSet<(usize, String)> {
    findings
        .iter()
        .map(|f| (f.line, f.code.to_string()))
        .collect()
}

fn ctx(role: StepRole) -> StepContext {
    StepContext {
        role,
        read_only: matches!(role, StepRole::Preflight | StepRole::Verify),
        provenance_table: "governance_object_ownership".into(),
        tag_column: "created_by".into(),
        approval_column: "approval_ref".into(),
        run_table: None,
    }
}

fn check(path: &Path, step: Option<&StepContext>) {
    check_with(path, step, &Policy::builtin());
}

fn check_with(path: &Path, step: Option<&StepContext>, policy: &Policy) {
    let text = std::fs::read_to_string(path).expect("corpus file");
    let findings = lint_source(&path.display().to_string(), &text, policy, step);
    let want = expected(&text);
    let have = got(&findings);
    let missing: Vec<_> = want.difference(&have).collect();
    let extra: Vec<_> = findings
        .iter()
        .filter(|f| !want.contains(&(f.line, f.code.to_string())))
        .map(|f| format!("{}:{} {} {}", f.line, f.col, f.code, f.message))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{}:\n  missing (line, code): {missing:?}\n  unexpected: {extra:#?}",
        path.display()
    );
}

fn files(dir: &str) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
        .expect("corpus dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    v.sort();
    v
}

#[test]
fn evasion_corpus_is_flagged_at_the_right_lines() {
    let fs = files("tests/corpus/lint/evasion");
    assert!(fs.len() >= 5);
    for f in fs {
        check(&f, None);
    }
}

/// The ways into protected objects (tests/it/lint/paths_pg.rs proves each one reaches them on a
/// real PostgreSQL), under their policy (the built-in one plus the objects of setup.psql).
#[test]
fn paths_corpus_is_flagged_at_the_right_lines() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/lint/paths");
    let yaml = std::fs::read_to_string(dir.join("policy.yaml")).expect("paths policy");
    let policy = Policy::from_yaml("paths/policy.yaml", &yaml).expect("paths policy loads");
    // Schema-aware, as `packetc check` is: the packet fixture plus setup.psql are the target.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let schema =
        std::fs::read_to_string(root.join("packets/one-roof-ownership-seed/fixture/schema.sql"))
            .expect("fixture schema")
            + &std::fs::read_to_string(dir.join("setup.psql")).expect("setup.psql");
    let policy = policy.with_schema(&schema);
    let fs = files("tests/corpus/lint/paths");
    assert!(fs.len() >= 20);
    for f in fs {
        check_with(&f, None, &policy);
    }
}

#[test]
fn lookalike_corpus_passes() {
    for f in files("tests/corpus/lint/lookalike") {
        let text = std::fs::read_to_string(&f).expect("file");
        assert!(
            expected(&text).is_empty(),
            "look-alikes carry no expectations"
        );
        check(&f, None);
    }
}

#[test]
fn packet_shaped_scripts_pass_with_their_step() {
    let dir = "tests/corpus/lint/packet";
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    for (file, role) in [
        ("preflight.sql", StepRole::Preflight),
        ("seed.sql", StepRole::Seed),
        ("verify.sql", StepRole::Verify),
        ("rollback.sql", StepRole::Rollback),
        ("bad_seed.sql", StepRole::Seed),
        ("bad_rollback.sql", StepRole::Rollback),
        ("bad_verify.sql", StepRole::Verify),
    ] {
        check(&root.join(file), Some(&ctx(role)));
    }
}

/// The context `packetc check` lints a packet's step with, built from packet.yaml.
fn step_ctx(loaded: &packetc::packet::Loaded, step: &packetc::packet::Step) -> StepContext {
    packetc::check::step_context(loaded, step)
}

/// Every step of every bundled packet has its committed script, and it lints clean under the
/// repository's policy with the packet-aware rules of its step. Fails when there is nothing to
/// lint: a missing script is a failure, not a skip.
#[test]
fn bundled_packet_scripts_lint_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let policy_path = root.join("packets/policy.yaml");
    let yaml = std::fs::read_to_string(&policy_path).expect("packets/policy.yaml");
    let policy = Policy::from_yaml("packets/policy.yaml", &yaml).expect("the policy loads");
    let mut dirs: Vec<_> = std::fs::read_dir(root.join("packets"))
        .expect("packets/")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("packet.yaml").is_file())
        .collect();
    dirs.sort();
    let mut linted = Vec::new();
    for dir in dirs {
        let loaded =
            packetc::packet::load(&dir).unwrap_or_else(|e| panic!("{}: {e:?}", dir.display()));
        for step in &loaded.packet.steps {
            let path = loaded.sql_dir().join(&step.script);
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
                panic!(
                    "{}: {e} (the committed script; run packetc render)",
                    path.display()
                )
            });
            let ctx = step_ctx(&loaded, step);
            let file = &step.script;
            let findings = lint_source(file, &text, &policy, Some(&ctx));
            assert!(findings.is_empty(), "{file}: {findings:#?}");
            linted.push(
                path.strip_prefix(root)
                    .unwrap_or(&path)
                    .display()
                    .to_string(),
            );
        }
    }
    for file in [
        "F_prod_00_preflight.sql",
        "F_prod_01_ownership_seed_commit.sql",
        "F_prod_02_verify.sql",
        "F_prod_03_rollback.sql",
    ] {
        let want = format!("packets/one-roof-ownership-seed/sql/{file}");
        assert!(linted.contains(&want), "{want} was not linted: {linted:?}");
    }
}

/// docs/evasion-corpus.md maps every bullet of issues #9 and #10 to its cases: each case it
/// names exists (and, being under `tests/corpus/lint`, is linted by the tests above; those
/// under `paths/` also run on PostgreSQL in `tests/it/lint/paths_pg.rs`).
#[test]
fn every_case_listed_in_docs_evasion_corpus_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/evasion-corpus.md")).expect("the doc");
    let mut named = 0;
    for part in doc.split('`').skip(1).step_by(2) {
        let is_case = ["paths/", "lookalike/", "evasion/"]
            .iter()
            .any(|d| part.starts_with(d))
            && part.ends_with(".sql");
        if is_case {
            named += 1;
            let p = root.join("tests/corpus/lint").join(part);
            assert!(
                p.is_file(),
                "docs/evasion-corpus.md names {part}, which is missing"
            );
        }
    }
    assert!(named >= 60, "the checklist names its cases ({named})");
}
