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

/// The ways into protected objects (tests/lint_paths_pg.rs proves each one reaches them on a
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

#[test]
fn bundled_packet_scripts_lint_clean() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("packets/one-roof-ownership-seed/sql");
    let roles = [
        ("F_prod_00_preflight.sql", StepRole::Preflight),
        ("F_prod_01_ownership_seed_commit.sql", StepRole::Seed),
        ("F_prod_02_verify.sql", StepRole::Verify),
        ("F_prod_03_rollback.sql", StepRole::Rollback),
    ];
    for (file, role) in roles {
        let path = dir.join(file);
        if !path.exists() {
            continue; // the compiler has not rendered them yet
        }
        let text = std::fs::read_to_string(&path).expect("script");
        let findings = lint_source(file, &text, &Policy::builtin(), Some(&ctx(role)));
        assert!(findings.is_empty(), "{file}: {findings:#?}");
    }
}
