//! Step fields whose checks no other test would miss: the syntax of `lock_timeout` (it is
//! rendered into `SET LOCAL lock_timeout = …`) and the exclusivity of `write` and `write_file`.
//! Each case is one edit of the bundled packet.yaml, as in `spec::errors`.

use std::path::Path;

const SPEC: &str = include_str!("../../../packets/one-roof-ownership-seed/packet.yaml");
/// The seed's `lock_timeout` line, with enough context to be unique.
const SEED_TIMEOUT: &str = "script: F_prod_01_ownership_seed_commit.sql\n    lock_timeout: 10s\n";

fn with_seed_timeout(value: &str) -> String {
    assert_eq!(SPEC.matches(SEED_TIMEOUT).count(), 1, "anchor moved");
    SPEC.replacen(
        SEED_TIMEOUT,
        &SEED_TIMEOUT.replace("lock_timeout: 10s", &format!("lock_timeout: {value}")),
        1,
    )
}

fn line_of(text: &str, needle: &str) -> usize {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} missing"));
    text[..at].matches('\n').count() + 1
}

fn no_fragments(_: &str) -> Result<String, String> {
    Err("no fragments in this test".into())
}

/// The codes and lines of what packetc reports for `spec` (empty when it is valid).
fn problems(
    spec: &str,
    read: packetc::packet::validate::FragmentReader<'_>,
) -> Vec<(String, Option<usize>)> {
    match packetc::packet::parse("packet.yaml", spec, read) {
        Ok(_) => Vec::new(),
        Err(diags) => diags
            .iter()
            .map(|d| (d.code.to_owned(), d.line_col().map(|(l, _)| l)))
            .collect(),
    }
}

#[test]
fn a_lock_timeout_that_is_not_a_duration_is_a_spec_error_at_its_line() {
    for bad in [
        "ten", "10 s", "10sec", "1.5s", "s", "-1s", "10h", "'10s'", "10s;", "10s' x",
        // No unit: PostgreSQL would read milliseconds. Zero: PostgreSQL would wait forever.
        "7", "0s",
    ] {
        let spec = with_seed_timeout(&format!("\"{}\"", bad.replace('"', "\\\"")));
        let line = line_of(&spec, "lock_timeout: \"");
        let got = problems(&spec, &no_fragments);
        assert!(
            got.contains(&("PS021".to_owned(), Some(line))),
            "lock_timeout {bad:?}: expected PS021 bad-lock-timeout at line {line}, got {got:?}"
        );
    }
}

/// What the spec accepts is rendered as one SQL string literal in the seed, exactly.
#[test]
fn an_accepted_lock_timeout_is_rendered_as_one_literal() {
    for (value, rendered) in [
        ("500ms", "SET LOCAL lock_timeout = '500ms';"),
        ("2min", "SET LOCAL lock_timeout = '2min';"),
        ("10s", "SET LOCAL lock_timeout = '10s';"),
    ] {
        let spec = with_seed_timeout(value);
        assert_eq!(
            problems(&spec, &no_fragments),
            [],
            "{value} must be accepted"
        );
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("p");
        crate::common::copy_dir_except(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("packets/one-roof-ownership-seed"),
            &dir,
            &["journal", "sql"],
        );
        std::fs::write(dir.join("packet.yaml"), &spec).expect("write spec");
        let loaded = packetc::packet::load(&dir).expect("the edited packet loads");
        let scripts = packetc::render::render(&loaded).expect("renders");
        let seed = scripts
            .iter()
            .find(|s| s.file_name == "F_prod_01_ownership_seed_commit.sql")
            .expect("the seed");
        let lines: Vec<&str> = seed
            .text
            .lines()
            .filter(|l| l.contains("lock_timeout"))
            .collect();
        assert_eq!(lines, [rendered], "{value}");
    }
}

#[test]
fn write_and_write_file_together_are_a_spec_error() {
    let rollback_write = "    write: |\n      DELETE FROM governance_object_ownership\n      WHERE created_by = current_setting('packetc.provenance_tag')\n";
    assert_eq!(SPEC.matches(rollback_write).count(), 1, "anchor moved");
    // The fragment is the same SQL: only the duplication is wrong.
    let same = |_: &str| {
        Ok("DELETE FROM governance_object_ownership\nWHERE created_by = current_setting('packetc.provenance_tag')\n".to_owned())
    };
    let both = SPEC.replacen(
        rollback_write,
        &format!("{rollback_write}    write_file: rollback.sql\n"),
        1,
    );
    let line = line_of(&both, "    write_file: rollback.sql");
    let got = problems(&both, &same);
    assert!(
        got.contains(&("PS026".to_owned(), Some(line))),
        "expected PS026 write-twice at line {line}, got {got:?}"
    );
    // Either one alone is fine.
    let file_only = SPEC.replacen(rollback_write, "    write_file: rollback.sql\n", 1);
    assert_eq!(problems(&file_only, &same), []);
    assert_eq!(problems(SPEC, &no_fragments), []);
}
