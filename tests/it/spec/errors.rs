//! Every validation rule, one broken spec each: derived from the bundled packet.yaml by a single
//! edit, so each case is realistic. Each must be reported with the rule's code at the right YAML
//! line; the rendered diagnostics are snapshots under snapshots/spec/.

const SPEC: &str = include_str!("../../../packets/one-roof-ownership-seed/packet.yaml");

/// Apply one edit that must match exactly once.
fn edit(from: &str, to: &str) -> String {
    assert_eq!(
        SPEC.matches(from).count(),
        1,
        "edit anchor {from:?} must occur exactly once"
    );
    SPEC.replacen(from, to, 1)
}

fn line_of(text: &str, needle: &str) -> usize {
    let idx = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in spec"));
    text[..idx].matches('\n').count() + 1
}

fn no_fragments(_: &str) -> Result<String, String> {
    Err("no fragments in this test".into())
}

/// Returns the rendered diagnostics after asserting `code` is reported at `line`.
fn expect_error(spec: &str, code: &str, line: usize) -> String {
    let diags = packetc::packet::parse("packet.yaml", spec, &no_fragments)
        .expect_err("spec must be rejected");
    let found: Vec<(String, Option<(usize, usize)>)> = diags
        .iter()
        .map(|d| (d.code.to_owned(), d.line_col()))
        .collect();
    assert!(
        diags
            .iter()
            .any(|d| d.code == code && d.line_col().map(|(l, _)| l) == Some(line)),
        "expected {code} at line {line}, got {found:?}"
    );
    diags.iter().map(|d| packetc::diag::render(d)).collect()
}

macro_rules! case {
    ($name:ident, $from:expr, $to:expr, $code:expr, $line_needle:expr) => {
        #[test]
        fn $name() {
            let spec = edit($from, $to);
            let line = line_of(&spec, $line_needle);
            let rendered = expect_error(&spec, $code, line);
            insta::with_settings!({ snapshot_path => "../../../snapshots/spec", prepend_module_to_snapshot => false, omit_expression => true }, {
                insta::assert_snapshot!(stringify!($name), rendered);
            });
        }
    };
}

case!(
    yaml_syntax,
    "  - role: verify\n",
    "  - role: [verify\n",
    "spec::yaml",
    "[verify"
);
case!(
    unknown_key,
    "    stop_note: any assert fails",
    "    stop_notes: any assert fails",
    "spec::yaml",
    "stop_notes"
);
case!(
    wrong_type,
    "  automatable: false",
    "  automatable: maybe",
    "spec::yaml",
    "maybe"
);
case!(
    missing_field,
    "database: directus\n",
    "",
    "spec::yaml",
    "packet: one-roof"
);
case!(
    unknown_metric_in_gate,
    "      inventory: 35\n      scopes: 6\n    stop: stop\n",
    "      inventroy: 35\n      scopes: 6\n    stop: stop\n",
    "spec::unknown-metric",
    "inventroy"
);
case!(
    delta_contradicts_gate,
    "      gap: 210 -> 0\n",
    "      gap: 200 -> 0\n",
    "spec::delta-contradicts-gate",
    "200 -> 0"
);
case!(
    verify_does_not_follow,
    "      effective: 240\n      gov_emit: 0\n      coverage_pct: 100\n    stop: stop_and_rollback",
    "      effective: 230\n      gov_emit: 0\n      coverage_pct: 100\n    stop: stop_and_rollback",
    "spec::does-not-follow",
    "effective: 230"
);
case!(
    final_state_does_not_follow,
    "final_state:\n  own: 30\n",
    "final_state:\n  own: 31\n",
    "spec::does-not-follow",
    "own: 31"
);
case!(
    rollback_not_inverse,
    "      gap: 0 -> 210\n",
    "      gap: 0 -> 200\n",
    "spec::rollback-not-inverse",
    "gap: 0 -> 200"
);
case!(
    rollback_misses_a_delta,
    "      effective: -240\n",
    "",
    "spec::rollback-not-inverse",
    "  - role: rollback"
);
case!(rollback_wrong_tag, "      DELETE FROM governance_object_ownership\n      WHERE created_by = current_setting('packetc.provenance_tag')\n", "      DELETE FROM governance_object_ownership\n      WHERE created_by = 'SOMEONE_ELSE'\n", "spec::write-shape", "DELETE FROM governance_object_ownership\n");
case!(
    delta_on_read_only_step,
    "    stop: stop_and_rollback\n",
    "    deltas:\n      own: 30 -> 31\n    stop: stop_and_rollback\n",
    "spec::delta-on-read-only",
    "own: 30 -> 31"
);
case!(
    undeclared_variable,
    "current_setting('packetc.ratified_apr')\n",
    "current_setting('packetc.approver')\n",
    "spec::undeclared-variable",
    "INSERT INTO governance_object_ownership"
);
case!(
    human_gate_automatable,
    "  automatable: false",
    "  automatable: true",
    "spec::human-gate-automatable",
    "automatable: true"
);
case!(human_gate_not_rechecked_by_seed, "      ospa: '>= 1'\n      gap: 210\n      own: 0\n      conflict: 0\n      inventory: 35\n      scopes: 6\n    write:", "      gap: 210\n      own: 0\n      conflict: 0\n      inventory: 35\n      scopes: 6\n    write:", "spec::human-gate-unchecked", "  - role: seed");
case!(
    seed_does_not_recheck_a_gate,
    "      conflict: 0\n      inventory: 35\n      scopes: 6\n    write:",
    "      conflict: 0\n      inventory: 35\n    write:",
    "spec::seed-gate-incomplete",
    "  - role: seed"
);
case!(
    seed_does_not_stamp_approval,
    "owner_role, created_by, approval_ref)",
    "owner_role, created_by)",
    "spec::write-shape",
    "INSERT INTO governance_object_ownership"
);
case!(
    metric_query_writes,
    "    query: SELECT count(*) FROM governance_scopes",
    "    query: DELETE FROM governance_scopes",
    "spec::bad-metric-query",
    "DELETE FROM governance_scopes"
);
case!(
    psql_variable_in_metric,
    "WHERE created_by = current_setting('packetc.provenance_tag')\n  conflict:",
    "WHERE created_by = :'tag'\n  conflict:",
    "spec::bad-metric-query",
    "SELECT count(*) FROM governance_object_ownership\n      WHERE created_by = :'tag'"
);
case!(
    text_value_for_integer_metric,
    "      scopes: 6\n    stop: stop\n",
    "      scopes: six\n    stop: stop\n",
    "spec::bad-condition",
    "scopes: six"
);
case!(
    step_out_of_order,
    "  - role: verify\n",
    "  - role: rollback\n",
    "spec::step-order",
    "  - role: rollback\n    script: F_prod_02"
);
case!(
    seed_not_a_transaction,
    "    script: F_prod_01_ownership_seed_commit.sql\n    kind: transaction",
    "    script: F_prod_01_ownership_seed_commit.sql\n    kind: read-only",
    "spec::bad-kind",
    "kind: read-only\n    lock_timeout"
);
case!(
    script_name_with_path,
    "script: F_prod_02_verify.sql",
    "script: ../F_prod_02_verify.sql",
    "spec::bad-script-name",
    "../F_prod_02"
);

#[test]
fn all_problems_are_reported_at_once() {
    let spec = edit(
        "      inventory: 35\n      scopes: 6\n    stop: stop\n",
        "      inventroy: 35\n      scopes: 6\n    stop: stop\n",
    )
    .replacen("      gap: 210 -> 0\n", "      gap: 200 -> 0\n", 1)
    .replacen("  automatable: false", "  automatable: true", 1);
    let diags = packetc::packet::parse("packet.yaml", &spec, &no_fragments).expect_err("rejected");
    let codes: Vec<&str> = diags.iter().map(|d| d.code).collect();
    for want in [
        "spec::unknown-metric",
        "spec::delta-contradicts-gate",
        "spec::human-gate-automatable",
    ] {
        assert!(codes.contains(&want), "{want} missing from {codes:?}");
    }
}

#[test]
fn the_bundled_spec_is_valid() {
    packetc::packet::parse("packet.yaml", SPEC, &no_fragments).expect("bundled spec validates");
}

#[test]
fn arbitrary_edits_never_panic() {
    // Deterministic xorshift: delete, duplicate or replace bytes of the real spec.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let bytes = SPEC.as_bytes();
    for _ in 0..300 {
        let mut b = bytes.to_vec();
        for _ in 0..(next() % 4 + 1) {
            let i = (next() as usize) % b.len();
            match next() % 3 {
                0 => {
                    b.remove(i);
                }
                1 => b.insert(i, b[i]),
                _ => b[i] = b"-:'\"{}[]\n #&*!|>0aZ$"[(next() % 20) as usize],
            }
        }
        let text = String::from_utf8_lossy(&b);
        let _ = packetc::packet::parse("packet.yaml", &text, &no_fragments);
    }
}

#[test]
fn write_file_stays_inside_the_packet_directory() {
    // A reader that would hand out any file: the spec check itself must refuse to ask.
    let anything = |_: &str| {
        Ok("DELETE FROM governance_object_ownership WHERE created_by = current_setting('packetc.provenance_tag')".to_owned())
    };
    let rollback_write = "    write: |\n      DELETE FROM governance_object_ownership\n      WHERE created_by = current_setting('packetc.provenance_tag')\n";
    for path in ["../../etc/passwd", "/etc/passwd"] {
        let spec = edit(rollback_write, &format!("    write_file: {path}\n"));
        let diags =
            packetc::packet::parse("packet.yaml", &spec, &anything).expect_err("escape refused");
        assert!(
            diags.iter().any(|d| d.code == "spec::write-file"
                && d.message.contains("inside the packet directory")),
            "{path}: {:?}",
            diags.iter().map(|d| d.message.clone()).collect::<Vec<_>>()
        );
    }
    // A fragment inside the packet directory is read and validated like inline SQL.
    let spec = edit(rollback_write, "    write_file: rollback.sql\n");
    packetc::packet::parse("packet.yaml", &spec, &anything).expect("fragment accepted");
}

// The human gate bound to the approval the operator names (issue 11).
case!(
    human_gate_not_bound_to_the_approval,
    "      WHERE proposal_ref = current_setting('packetc.ratified_apr') AND decision = 'ratified'\n",
    "      WHERE decision = 'ratified'\n",
    "spec::human-gate-unbound",
    "      SELECT count(*) FROM os_proposal_approvals\n"
);
case!(
    preflight_does_not_receive_the_approval_variable,
    "    used_by: [preflight, seed]\n",
    "    used_by: [seed]\n",
    "spec::approval-variable-unused",
    "  - role: preflight"
);
case!(
    seed_does_not_lock_the_approval,
    "      - table: os_proposal_approvals\n        mode: SHARE\n",
    "      - table: os_proposal_approvals\n        mode: ROW SHARE\n",
    "spec::approval-unlocked",
    "  - role: seed"
);
case!(
    run_as_bad_protected_column,
    "    - event_type_registry.active\n",
    "    - active\n",
    "spec::bad-name",
    "    - active\n"
);
