//! psql meta-commands that hand text to a shell are PC013 however they are spelled: `\copy …
//! program` and the `|command` pipes of `\o`, `\g`, `\gx` and `\w`. A file target is not a
//! shell, and is not PC013.

use packetc::lint::{lint_source, Policy};

fn codes(sql: &str) -> Vec<String> {
    lint_source("t.sql", sql, &Policy::builtin(), None)
        .iter()
        .map(|f| f.code.to_string())
        .collect()
}

#[test]
fn copy_to_or_from_a_program_is_pc013() {
    for sql in [
        "\\copy governance_scopes to program 'cat'\n",
        "\\copy governance_scopes from program 'cat data.csv'\n",
        "\\copy (SELECT 1) TO PROGRAM 'true'\n",
        "\\copy governance_scopes (scope_key) to PROGRAM 'gzip > x.gz' with csv\n",
    ] {
        let got = codes(sql);
        assert!(got.iter().any(|c| c == "PC013"), "{sql:?}: {got:?}");
    }
}

#[test]
fn output_pipes_are_pc013() {
    for sql in [
        "\\o |cat\n",
        "\\o | tee out.txt\n",
        "\\out |cat\n",
        "SELECT 1 \\g |cat\n",
        "SELECT 1 \\gx |cat\n",
        "\\w |cat\n",
        "\\write |cat\n",
    ] {
        let got = codes(sql);
        assert!(got.iter().any(|c| c == "PC013"), "{sql:?}: {got:?}");
    }
}

#[test]
fn a_file_target_is_not_a_shell() {
    for sql in [
        "\\o out.txt\nSELECT 1;\n\\o\n",
        "SELECT 1 \\g out.txt\n",
        "\\copy (SELECT 1) to 'out.csv'\n",
    ] {
        let got = codes(sql);
        assert!(!got.iter().any(|c| c == "PC013"), "{sql:?}: {got:?}");
    }
}
