//! Every spec error code, one broken spec each: derived from the bundled packet.yaml by a single
//! edit, so each case is realistic. Each must be reported with its code at the right YAML line,
//! as the only error (one mistake, one error); the rendered diagnostics are snapshots under
//! snapshots/spec/. Every code of the registry (src/packet/codes.rs) has at least one, and
//! docs/spec-errors.md is generated from the registry (`UPDATE_DOCS=1 cargo test --test
//! it spec::errors`).

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
    assert_eq!(
        diags.len(),
        1,
        "one mistake must produce one error, got {found:?}"
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

// PS001 yaml: syntax, keys and types, each at its line in packetc's words.
case!(
    yaml_syntax,
    "  - role: verify\n",
    "  - role: [verify\n",
    "PS001",
    "[verify"
);
case!(
    unknown_key,
    "    stop_note: any assert fails",
    "    stop_notes: any assert fails",
    "PS001",
    "stop_notes"
);
case!(
    yaml_colon_in_a_plain_value,
    "database: directus\n",
    "database: directus (prod): main\n",
    "PS001",
    "(prod): main"
);

// PS045 wrong-type: valid YAML, the wrong type for the field.
case!(
    wrong_type,
    "  automatable: false",
    "  automatable: maybe",
    "PS045",
    "maybe"
);
case!(
    wrong_type_v1_expect_mapping,
    "    expect: [own, gap, conflict, effective, gov_emit, coverage_pct]\n",
    "    expect:\n      own: 30\n      gap: 0\n",
    "PS045",
    "own: 30"
);
case!(
    wrong_type_list_for_one_value,
    "database: directus\n",
    "database: [directus]\n",
    "PS045",
    "[directus]"
);
case!(
    wrong_type_colon_in_a_flow_value,
    "    expect: [own, gap,",
    "    expect: [own (x): y, gap,",
    "PS045",
    "own (x): y"
);
case!(
    wrong_type_text_for_a_number,
    "version: 2\n",
    "version: two\n",
    "PS045",
    "version: two"
);
case!(
    missing_field,
    "database: directus\n",
    "",
    "PS001",
    "version: 2"
);
case!(
    yaml_tab,
    "  - role: verify\n",
    "\t- role: verify\n",
    "PS001",
    "\t- role: verify"
);
case!(
    yaml_unclosed_quote,
    "title: One-Roof",
    "title: 'One-Roof",
    "PS001",
    "title: 'One-Roof"
);
case!(
    yaml_duplicate_key,
    "source: KB-1479",
    "database: elsewhere\nsource: KB-1479",
    "PS001",
    "database: directus"
);
case!(
    yaml_key_indented_less,
    "    stop_note: any assert fails",
    "   stop_note: any assert fails",
    "PS001",
    "   stop_note: any assert fails"
);
case!(
    yaml_key_indented_more,
    "  metric: ospa\n",
    "   metric: ospa\n",
    "PS001",
    "   metric: ospa"
);
case!(
    v1_key_kind,
    "  - role: verify\n",
    "  - role: verify\n    kind: read-only\n",
    "PS001",
    "kind: read-only"
);
case!(
    v1_key_final_state,
    "automation:\n",
    "final_state:\n  own: 30\nautomation:\n",
    "PS001",
    "final_state:"
);

// PS002 spec-version
case!(
    v1_file_without_version,
    "version: 2\n",
    "",
    "PS002",
    "packet: one-roof"
);
case!(
    unknown_version,
    "version: 2\n",
    "version: 3\n",
    "PS002",
    "version: 3"
);

case!(
    packet_name_not_plain,
    "packet: one-roof-ownership-seed",
    "packet: one roof",
    "PS003",
    "packet: one roof"
);
case!(
    run_as_bad_protected_column,
    "    - event_type_registry.active\n",
    "    - active\n",
    "PS003",
    "    - active\n"
);
case!(
    database_with_quote_tag,
    "database: directus",
    "database: direc$packetc$tus",
    "PS004",
    "database: direc"
);
case!(
    empty_example,
    "    example: APR-BOOT-AUTHMODEL-1",
    "    example: ''",
    "PS005",
    "example: ''"
);
case!(
    unknown_role_in_used_by,
    "used_by: [preflight, seed]",
    "used_by: [preflight, seeding]",
    "PS006",
    "seeding]"
);
case!(
    undeclared_variable,
    "current_setting('packetc.ratified_apr')\n",
    "current_setting('packetc.approver')\n",
    "PS007",
    "INSERT INTO governance_object_ownership"
);
case!(
    bad_metric_type,
    "    type: numeric\n",
    "    type: decimal\n",
    "PS008",
    "type: decimal"
);
case!(
    metric_query_writes,
    "    query: SELECT count(*) FROM governance_scopes",
    "    query: DELETE FROM governance_scopes",
    "PS009",
    "DELETE FROM governance_scopes"
);
case!(
    psql_variable_in_metric,
    "WHERE created_by = current_setting('packetc.provenance_tag')\n  conflict:",
    "WHERE created_by = :'tag'\n  conflict:",
    "PS009",
    "SELECT count(*) FROM governance_object_ownership\n      WHERE created_by = :'tag'"
);
case!(
    tag_not_plain,
    "  tag: F6_OWNERSHIP_SEED_COMMIT",
    "  tag: F6 OWNERSHIP",
    "PS010",
    "tag: F6 OWNERSHIP"
);
case!(
    human_gate_automatable,
    "  automatable: false",
    "  automatable: true",
    "PS011",
    "automatable: true"
);
case!(
    unknown_metric_in_gate,
    "      inventory: 35\n",
    "      inventroy: 35\n",
    "PS012",
    "inventroy"
);
case!(
    unknown_metric_in_expect,
    "expect: [own, gap,",
    "expect: [own, gapp,",
    "PS012",
    "expect: [own, gapp"
);
case!(
    text_value_for_integer_metric,
    "      scopes: 6\n",
    "      scopes: six\n",
    "PS013",
    "scopes: six"
);
case!(
    duplicate_in_expect,
    "expect: [own, gap,",
    "expect: [own, own, gap,",
    "PS014",
    "expect: [own, own"
);
case!(
    delta_not_a_change,
    "      gov_emit: 0 -> 0\n",
    "      gov_emit: zero\n",
    "PS015",
    "gov_emit: zero"
);
case!(a_step_missing, "  - role: verify\n    # The values are the state after the seed; `prove` measures the same state.\n    expect: [own, gap, conflict, effective, gov_emit, coverage_pct]\n    stop_note: own≠30 / gap≠0 / effective≠240 / emit≠0 → STOP + rollback\n\n", "", "PS016", "  - role: preflight");
case!(
    step_out_of_order,
    "  - role: verify\n",
    "  - role: rollback\n",
    "PS017",
    "  - role: rollback\n    # The values"
);
case!(
    script_name_with_path,
    "script: F_prod_01_ownership_seed_commit.sql",
    "script: ../F_prod_01.sql",
    "PS018",
    "../F_prod_01"
);
case!(
    stop_and_rollback_off_verify,
    "    stop_note: any assert fails",
    "    stop: stop_and_rollback\n    stop_note: any assert fails",
    "PS019",
    "stop: stop_and_rollback"
);
case!(
    unknown_lock_mode,
    "        mode: SHARE ROW EXCLUSIVE\n      # The approval",
    "        mode: SHARE ROWS EXCLUSIVE\n      # The approval",
    "PS020",
    "SHARE ROWS EXCLUSIVE"
);
case!(
    lock_timeout_without_unit,
    "    script: F_prod_01_ownership_seed_commit.sql\n    lock_timeout: 10s",
    "    script: F_prod_01_ownership_seed_commit.sql\n    lock_timeout: 5",
    "PS021",
    "lock_timeout: 5"
);
case!(
    lock_timeout_zero,
    "    script: F_prod_01_ownership_seed_commit.sql\n    lock_timeout: 10s",
    "    script: F_prod_01_ownership_seed_commit.sql\n    lock_timeout: 0s",
    "PS021",
    "lock_timeout: 0s"
);
case!(
    time_limit_without_unit,
    "    expect: [own,",
    "    time_limit: 30\n    expect: [own,",
    "PS022",
    "time_limit: 30"
);
case!(
    locks_on_read_only,
    "    stop_note: any assert fails",
    "    lock_timeout: 1s\n    stop_note: any assert fails",
    "PS023",
    "lock_timeout: 1s"
);
case!(
    expect_off_verify,
    "    stop_note: pre-commit",
    "    expect: [own]\n    stop_note: pre-commit",
    "PS024",
    "expect: [own]"
);
case!(
    relative_off_rollback,
    "    stop_note: pre-commit",
    "    relative: [own]\n    stop_note: pre-commit",
    "PS024",
    "relative: [own]"
);
case!(
    delta_on_read_only_step,
    "    stop_note: own≠30",
    "    deltas:\n      own: -> 31\n    stop_note: own≠30",
    "PS025",
    "own: -> 31"
);
case!(
    write_and_write_file,
    "    relative: [own, effective]\n",
    "    relative: [own, effective]\n    write_file: rollback.sql\n",
    "PS026",
    "write_file: rollback.sql"
);
case!(write_file_unreadable, "    write: |\n      DELETE FROM governance_object_ownership\n      WHERE created_by = current_setting('packetc.provenance_tag')\n", "    write_file: rollback.sql\n", "PS027", "write_file: rollback.sql");
case!(rollback_without_write, "    write: |\n      DELETE FROM governance_object_ownership\n      WHERE created_by = current_setting('packetc.provenance_tag')\n", "", "PS028", "  - role: rollback");
case!(
    write_on_read_only,
    "    stop_note: own≠30",
    "    write: SELECT 1\n    stop_note: own≠30",
    "PS029",
    "write: SELECT 1"
);
case!(
    write_does_not_parse,
    "      FROM governance_domains d\n",
    "      FROM governance_domains d WHERE\n",
    "PS030",
    "      INSERT INTO governance_object_ownership\n"
);
case!(rollback_wrong_tag, "      DELETE FROM governance_object_ownership\n      WHERE created_by = current_setting('packetc.provenance_tag')\n", "      DELETE FROM governance_object_ownership\n      WHERE created_by = 'SOMEONE_ELSE'\n", "PS031", "DELETE FROM governance_object_ownership\n");
case!(
    seed_does_not_stamp_approval,
    "owner_role, created_by, approval_ref)",
    "owner_role, created_by)",
    "PS031",
    "INSERT INTO governance_object_ownership"
);
case!(
    delta_contradicts_gate,
    "      gap: -> 0\n",
    "      gap: 200 -> 0\n",
    "PS032",
    "200 -> 0"
);

// PS033 repeats-derived: a copy of a derived fact is an error that says "delete it".
case!(
    seed_repeats_a_preflight_gate,
    "    write: |\n      INSERT",
    "    gate:\n      gap: 210\n    write: |\n      INSERT",
    "PS033",
    "      gap: 210\n    write:"
);
case!(
    delta_repeats_its_start,
    "      gap: -> 0\n",
    "      gap: 210 -> 0\n",
    "PS033",
    "210 -> 0"
);
case!(
    verify_repeats_its_stop,
    "    stop_note: own≠30",
    "    stop: stop_and_rollback\n    stop_note: own≠30",
    "PS033",
    "stop: stop_and_rollback"
);
case!(
    verify_repeats_its_script,
    "  - role: verify\n",
    "  - role: verify\n    script: F_prod_02_verify.sql\n",
    "PS033",
    "script: F_prod_02_verify.sql"
);
case!(
    rollback_repeats_an_inverse,
    "    relative: [own, effective]\n",
    "    relative: [own, effective]\n    deltas:\n      own_tagged: 30 -> 0\n",
    "PS033",
    "own_tagged: 30 -> 0"
);

case!(
    seed_gate_contradicts_preflight,
    "    write: |\n      INSERT",
    "    gate:\n      gap: 200\n    write: |\n      INSERT",
    "PS034",
    "      gap: 200\n"
);
case!(
    rollback_delta_not_the_inverse,
    "    relative: [own, effective]\n",
    "    relative: [own, effective]\n    deltas:\n      gap: 0 -> 200\n",
    "PS034",
    "gap: 0 -> 200"
);
case!(
    human_gate_not_in_preflight_gate,
    "      ospa: '>= 1'\n",
    "",
    "PS035",
    "  metric: ospa"
);
case!(
    delta_without_a_start,
    "      effective: 0 -> 240\n",
    "      effective: -> 240\n",
    "PS036",
    "effective: -> 240"
);
case!(
    verify_expects_an_unknown_value,
    "      effective: 0 -> 240\n",
    "      effective: +240\n",
    "PS036",
    "expect: [own, gap, conflict, effective"
);
case!(
    relative_names_an_unchanged_metric,
    "relative: [own, effective]",
    "relative: [own, effective, conflict]",
    "PS037",
    "relative: [own, effective, conflict]"
);
case!(human_gate_not_bound_to_the_approval, "      WHERE proposal_ref = current_setting('packetc.ratified_apr') AND decision = 'ratified'\n", "      WHERE decision = 'ratified'\n", "PS038", "      SELECT count(*) FROM os_proposal_approvals\n");
case!(
    preflight_does_not_receive_the_approval_variable,
    "    used_by: [preflight, seed]\n",
    "    used_by: [seed]\n",
    "PS039",
    "  - role: preflight"
);
case!(
    seed_does_not_lock_the_approval,
    "      - table: os_proposal_approvals\n        mode: SHARE\n",
    "      - table: os_proposal_approvals\n        mode: ROW SHARE\n",
    "PS040",
    "  - role: seed"
);
case!(approval_requires_nothing, "    require:\n      decision: ratified\n      quorum_level: L2\n      esign_level: L4\n      signer_role: president\n", "    require: {}\n", "PS041", "    table: os_proposal_approvals\n    key_column");
case!(
    pattern_postgresql_rejects,
    "pattern: '^APR-[A-Z0-9]+(-[A-Z0-9]+)*$'",
    "pattern: '^APR-([A-Z0-9]+'",
    "PS042",
    "pattern: '^APR-("
);
case!(
    unknown_shape,
    "packet: one-roof-ownership-seed\n",
    "packet: one-roof-ownership-seed\nshape: crawler\n",
    "PS043",
    "shape: crawler"
);
case!(
    run_table_on_a_seed,
    "  approval_variable: ratified_apr\n",
    "  approval_variable: ratified_apr\n  run_table: candidate_scan_run\n",
    "PS044",
    "  run_table: candidate_scan_run"
);

#[test]
fn all_problems_are_reported_at_once() {
    let spec = edit("      inventory: 35\n", "      inventroy: 35\n")
        .replacen("      gap: -> 0\n", "      gap: 200 -> 0\n", 1)
        .replacen("  automatable: false", "  automatable: true", 1);
    let diags = packetc::packet::parse("packet.yaml", &spec, &no_fragments).expect_err("rejected");
    let codes: Vec<&str> = diags.iter().map(|d| d.code).collect();
    assert_eq!(codes.len(), 3, "{codes:?}");
    for want in ["PS012", "PS032", "PS011"] {
        assert!(codes.contains(&want), "{want} missing from {codes:?}");
    }
}

#[test]
fn the_bundled_spec_is_valid() {
    packetc::packet::parse("packet.yaml", SPEC, &no_fragments).expect("bundled spec validates");
}

/// What v2 derives lands in the model the templates read, as v1 stated it.
#[test]
fn derived_facts_reach_the_model() {
    let p = packetc::packet::parse("packet.yaml", SPEC, &no_fragments).expect("valid");
    let show = |checks: &[packetc::packet::Check]| {
        checks
            .iter()
            .map(|c| format!("{} {}", c.metric, c.condition))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let deltas = |s: &packetc::packet::Step| {
        s.deltas
            .iter()
            .map(|d| format!("{} {}", d.metric, d.change))
            .collect::<Vec<_>>()
            .join(", ")
    };
    assert_eq!(
        show(&p.steps[0].gate),
        show(&p.steps[1].gate),
        "the seed re-checks the preflight gate"
    );
    assert_eq!(p.human_gate.open_when.to_string(), ">= 1");
    assert_eq!(
        deltas(&p.steps[1]),
        "own 0→30, own_tagged 0→30, gap 210→0, conflict 0→0, effective 0→240, coverage_pct 0→100, gov_emit 0→0"
    );
    assert_eq!(
        show(&p.steps[2].expect),
        "own = 30, gap = 0, conflict = 0, effective = 240, gov_emit = 0, coverage_pct = 100"
    );
    assert_eq!(show(&p.final_state), show(&p.steps[2].expect));
    assert_eq!(
        deltas(&p.steps[3]),
        "own -30, own_tagged 30→0, gap 0→210, effective -240, coverage_pct 100→0"
    );
    let scripts: Vec<&str> = p.steps.iter().map(|s| s.script.as_str()).collect();
    assert_eq!(
        scripts,
        [
            "F_prod_00_preflight.sql",
            "F_prod_01_ownership_seed_commit.sql",
            "F_prod_02_verify.sql",
            "F_prod_03_rollback.sql"
        ]
    );
}

/// Every code in the registry has a snapshot here, and docs/spec-errors.md is the registry's.
#[test]
fn every_code_has_a_snapshot_and_a_docs_entry() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots/spec");
    let mut seen = std::collections::HashSet::new();
    for entry in std::fs::read_dir(&dir).expect("snapshots/spec") {
        let text = std::fs::read_to_string(entry.expect("entry").path()).expect("snapshot");
        for code in packetc::packet::codes::ALL {
            if text.contains(&format!("{} {}\n", code.code, code.name)) {
                seen.insert(code.code);
            }
        }
    }
    let missing: Vec<&str> = packetc::packet::codes::ALL
        .iter()
        .map(|c| c.code)
        .filter(|c| !seen.contains(c))
        .collect();
    assert!(
        missing.is_empty(),
        "codes without a snapshot test: {missing:?}"
    );

    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/spec-errors.md");
    let want = packetc::packet::codes::docs_markdown();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&docs, &want).expect("write docs/spec-errors.md");
    }
    let have = std::fs::read_to_string(&docs).unwrap_or_default();
    assert!(
        have == want,
        "docs/spec-errors.md drifted from src/packet/codes.rs\nrun: UPDATE_DOCS=1 cargo test --test it spec::errors"
    );
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
            diags
                .iter()
                .any(|d| d.code == "PS027" && d.message.contains("inside the packet directory")),
            "{path}: {:?}",
            diags.iter().map(|d| d.message.clone()).collect::<Vec<_>>()
        );
    }
    // A fragment inside the packet directory is read and validated like inline SQL.
    let spec = edit(rollback_write, "    write_file: rollback.sql\n");
    packetc::packet::parse("packet.yaml", &spec, &anything).expect("fragment accepted");
}

/// A repeatable packet states its rollback's deltas: each is read like a seed delta (an unknown
/// metric or a bad form is its one error), and `relative`, which only picks the
/// form of a derived rollback, is refused rather than silently ignored.
#[test]
fn a_repeatable_rollback_states_its_deltas_and_they_are_checked() {
    const SCAN: &str = include_str!("../../../packets/candidate-scan/packet.yaml");
    let anchor = "    deltas:\n      candidates: '-> 0'\n      scan_runs: '-> 0'\n";
    assert_eq!(SCAN.matches(anchor).count(), 1, "anchor moved");
    assert!(
        packetc::packet::parse("packet.yaml", SCAN, &no_fragments).is_ok(),
        "the bundled scanner is valid"
    );
    for (to, code, needle) in [
        (
            "    deltas:\n      candidats: '-> 0'\n      scan_runs: '-> 0'\n",
            "PS012",
            "candidats",
        ),
        (
            "    deltas:\n      candidates: 'none'\n      scan_runs: '-> 0'\n",
            "PS015",
            "'none'",
        ),
        (
            "    relative: [candidates]\n    deltas:\n      candidates: '-> 0'\n      scan_runs: '-> 0'\n",
            "PS024",
            "candidates]",
        ),
    ] {
        let spec = SCAN.replacen(anchor, to, 1);
        expect_error(&spec, code, line_of(&spec, needle));
    }
}
