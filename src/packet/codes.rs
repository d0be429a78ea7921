//! The spec error registry: every problem packetc reports about a packet.yaml has one stable
//! code here, and nowhere else.
//!
//! `docs/spec-errors.md` is generated from [`ALL`] (`UPDATE_DOCS=1 cargo test --test
//! spec_errors`) and a test fails when it drifts; another fails when a code has no snapshot
//! under `snapshots/spec/`. Codes are never reused: a retired check keeps its number out of use.
//!
//! To add a check: add a `SpecCode` below (next free number), list it in [`ALL`], report it
//! with `Sink::at(&codes::X, ...)`, add a `case!` to `tests/it/spec/errors.rs`, regenerate the docs.

/// A spec error's identity and documentation.
#[derive(Debug, PartialEq, Eq)]
pub struct SpecCode {
    /// Stable code (`PS012`).
    pub code: &'static str,
    /// Kebab-case name (`unknown-metric`).
    pub name: &'static str,
    /// What the check proves, in one line.
    pub summary: &'static str,
    /// What to do about it.
    pub fix: &'static str,
}

macro_rules! codes {
    ($($id:ident = $code:literal $name:literal: $summary:literal; fix: $fix:literal;)*) => {
        $(
            #[doc = $summary]
            pub const $id: SpecCode = SpecCode { code: $code, name: $name, summary: $summary, fix: $fix };
        )*
        /// Every code, in order.
        pub const ALL: &[&SpecCode] = &[$(&$id),*];
    };
}

codes! {
    YAML = "PS001" "yaml":
        "packet.yaml is not well-formed YAML, or has an unknown or missing key (a value of the wrong type is PS045).";
        fix: "Fix the YAML at the line shown; docs/spec.md lists every field and its type.";
    VERSION = "PS002" "spec-version":
        "The file does not say `version: 2`: packetc reads spec v2 only (v1 repeated facts v2 derives).";
        fix: "Add `version: 2` and migrate as docs/spec.md \"Migrating from v1\" says: delete every repeated fact.";
    BAD_NAME = "PS003" "bad-name":
        "A packet, variable, metric, table, column or role name is not one packetc can quote safely.";
        fix: "Use lower-case letters, digits and `_` (tables optionally `schema.table`; the packet name may use `-`).";
    BAD_TEXT = "PS004" "bad-text":
        "A text value contains a control character or `$packetc$`, the quote tag of the generated blocks.";
        fix: "Remove the character or the tag.";
    EMPTY = "PS005" "empty":
        "A value that must say something (database, channel command, pattern, example) is empty.";
        fix: "Fill it in.";
    UNKNOWN_ROLE = "PS006" "unknown-role":
        "A step role (or a `used_by` entry) is not preflight, seed, verify or rollback.";
        fix: "Use one of the four roles.";
    UNDECLARED_VARIABLE = "PS007" "undeclared-variable":
        "Spec SQL reads `current_setting('packetc.X')` (or names an approval variable) that is not declared.";
        fix: "Declare the variable under `variables:` with a pattern and an example.";
    BAD_TYPE = "PS008" "bad-type":
        "A metric's `type` is not integer, numeric or text.";
        fix: "Use integer (the default), numeric or text.";
    BAD_METRIC_QUERY = "PS009" "bad-metric-query":
        "A metric query is not exactly one read-only SELECT (PostgreSQL grammar).";
        fix: "Write one scalar SELECT, without data-modifying WITH, SELECT INTO, FOR UPDATE or psql variables.";
    BAD_TAG = "PS010" "bad-tag":
        "The provenance tag is not plain (letters, digits, `_ - . :`); the rollback matches it exactly.";
        fix: "Use a plain tag.";
    HUMAN_GATE_AUTOMATABLE = "PS011" "human-gate-automatable":
        "`human_gate.automatable` is true; nothing in packetc opens the human gate.";
        fix: "Set it to false: people open the gate, packetc only checks it.";
    UNKNOWN_METRIC = "PS012" "unknown-metric":
        "A gate, delta, expectation, `relative` entry or the human gate names a metric that is not declared.";
        fix: "Fix the name, or declare the metric under `metrics:`.";
    BAD_CONDITION = "PS013" "bad-condition":
        "A condition does not fit its metric: not a number for a numeric metric, an order comparison on text, a boolean.";
        fix: "Write a value (`210`, `directus`) or a comparison (`'>= 1'`); text compares with = and <> only.";
    DUPLICATE = "PS014" "duplicate":
        "The same metric appears twice in one list, or two steps share a script.";
        fix: "Keep one.";
    BAD_DELTA = "PS015" "bad-delta":
        "A delta is not `-> TO`, `FROM -> TO` or a signed change, or applies to a text metric.";
        fix: "Write `-> 30` (start from the gate), `0 -> 30` (ungated metric) or `-30`; gate text metrics instead.";
    STEPS = "PS016" "steps":
        "A packet does not have exactly four steps.";
        fix: "List preflight, seed, verify and rollback, in that order.";
    STEP_ORDER = "PS017" "step-order":
        "The steps are not in the order preflight, seed, verify, rollback.";
        fix: "Reorder them.";
    BAD_SCRIPT_NAME = "PS018" "bad-script-name":
        "A script name (or `script_prefix`) does not make a plain `.sql` file name.";
        fix: "Use letters, digits, `_ . -` and no directories, e.g. F_prod_00_preflight.sql.";
    BAD_STOP = "PS019" "bad-stop":
        "A stop action is unknown, or a step other than verify stops and rolls back.";
        fix: "Use stop; only verify may use stop_and_rollback (its default).";
    BAD_LOCK = "PS020" "bad-lock":
        "A lock mode is not a PostgreSQL table lock mode.";
        fix: "Use one of ACCESS SHARE ... ACCESS EXCLUSIVE (see docs/spec.md).";
    BAD_LOCK_TIMEOUT = "PS021" "bad-lock-timeout":
        "A `lock_timeout` has no unit, is zero (PostgreSQL reads 0 as \"wait forever\"), or is not a duration.";
        fix: "Write a positive duration with a unit: 500ms, 10s or 1min.";
    BAD_TIME_LIMIT = "PS022" "bad-time-limit":
        "A `time_limit` has no unit, is zero, or is not a duration.";
        fix: "Write a positive duration with a unit: 30s, 5min or 1h.";
    LOCKS_ON_READ_ONLY = "PS023" "locks-on-read-only":
        "A read-only step (preflight, verify) takes locks or sets a lock timeout.";
        fix: "Remove them: locks belong to the transaction steps.";
    NOT_HERE = "PS024" "not-here":
        "A key is given on a step whose role does not use it (`expect` off verify, `relative` off the rollback, a gate on verify).";
        fix: "Remove it, or move it to the step that uses it.";
    DELTA_ON_READ_ONLY = "PS025" "delta-on-read-only":
        "A read-only step declares deltas.";
        fix: "Remove them; the seed states its deltas and the rollback inverts them.";
    WRITE_TWICE = "PS026" "write-twice":
        "A step has both `write` and `write_file`.";
        fix: "Keep one.";
    WRITE_FILE = "PS027" "write-file":
        "A `write_file` cannot be read or leaves the packet directory.";
        fix: "Name a file relative to the packet directory.";
    MISSING_WRITE = "PS028" "missing-write":
        "The seed has no `write` (or `write_file`).";
        fix: "Give the SQL it runs.";
    WRITE_ON_READ_ONLY = "PS029" "write-on-read-only":
        "A read-only step has a write.";
        fix: "Remove it; writes belong to the seed and the rollback.";
    BAD_WRITE = "PS030" "bad-write":
        "A write does not parse with PostgreSQL's grammar.";
        fix: "Fix the SQL.";
    WRITE_SHAPE = "PS031" "write-shape":
        "The seed does not insert stamped rows into the provenance table only (a scanner: and one row into its run table), a scanner's or cursor's write is not an upsert on a natural key (`ON CONFLICT (cols)`; a `DO UPDATE` needs its monotonic `WHERE`), or the rollback does not delete by the tag only.";
        fix: "See the provenance section of docs/spec.md.";
    DELTA_CONTRADICTS_GATE = "PS032" "delta-contradicts-gate":
        "A delta's stated start contradicts the gate (the start is derived from an exact gate).";
        fix: "Write `-> TO` and let the gate give the start, or fix the gate.";
    REPEATS_DERIVED = "PS033" "repeats-derived":
        "A value is stated that packetc derives, and it is the derived value: a copy that could only drift.";
        fix: "Delete it; docs/spec.md \"What is derived\" says where the fact lives.";
    CONTRADICTS_DERIVED = "PS034" "contradicts-derived":
        "The seed's gate restates a preflight gate with another condition; the seed re-checks the preflight gate as it is.";
        fix: "Delete it from the seed; change the preflight gate if the condition is wrong.";
    HUMAN_GATE_UNGATED = "PS035" "human-gate-ungated":
        "The human gate's metric is not in the preflight gate, which holds its condition.";
        fix: "Add the metric with its open condition (e.g. `ospa: '>= 1'`) to the preflight gate.";
    NOT_DERIVABLE = "PS036" "not-derivable":
        "Verify expects a metric whose value after the seed nothing establishes (no exact gate, no delta).";
        fix: "Gate the metric in preflight, give the seed a delta for it, or drop it from `expect`.";
    NOT_INVERTIBLE = "PS037" "not-invertible":
        "The rollback's `relative` names a metric the seed does not change.";
        fix: "List only metrics of the seed's deltas; the rollback inverts every seed delta on its own.";
    HUMAN_GATE_UNBOUND = "PS038" "human-gate-unbound":
        "The human gate's query does not depend on the approval variable: it would count some approval, not the one named.";
        fix: "Filter by current_setting('packetc.<approval_variable>').";
    APPROVAL_VARIABLE_UNUSED = "PS039" "approval-variable-unused":
        "A step checks the human gate but does not receive the approval variable (its `used_by`).";
        fix: "Add the step to the variable's `used_by`.";
    APPROVAL_UNLOCKED = "PS040" "approval-unlocked":
        "A transaction step re-checks the approval without locking its table against writes.";
        fix: "Lock the approval table in SHARE mode (or stronger) in that step.";
    APPROVAL_UNCONSTRAINED = "PS041" "approval-unconstrained":
        "The approval block requires nothing of the row.";
        fix: "List the values a valid approval carries under `require:`.";
    BAD_PATTERN = "PS042" "bad-pattern":
        "A variable's `pattern` is not a regular expression PostgreSQL accepts (`~`), or its example does not match it.";
        fix: "Fix the pattern (PostgreSQL advanced regular expression syntax) or the example.";
    BAD_SHAPE = "PS043" "bad-shape":
        "`shape` is not seed, scanner or cursor.";
        fix: "Use seed (one-shot, the default), scanner or cursor; docs/shapes.md says what each promises.";
    RUN_TABLE_SHAPE = "PS044" "run-table-shape":
        "`provenance.run_table` is set on a packet that is not a scanner (only a scanner adds one run row per run).";
        fix: "Remove it, or declare `shape: scanner`.";
    WRONG_TYPE = "PS045" "wrong-type":
        "A value is valid YAML of the wrong type: a mapping where spec v2 wants a list (a v1 `expect:` mapping), a list where it wants one value, text where it wants a number; or an unquoted value whose `: ` makes it a mapping.";
        fix: "Write the value in the form docs/spec.md shows for the field (a v1 file: docs/spec.md \"Migrating from v1\"); quote a value that contains `: `.";
}

/// Look a code up by its code (`PS012`) or name (`unknown-metric`).
#[must_use]
pub fn find(key: &str) -> Option<&'static SpecCode> {
    ALL.iter()
        .copied()
        .find(|c| c.code.eq_ignore_ascii_case(key) || c.name == key)
}

/// `docs/spec-errors.md`: every code with what it proves and how to fix it.
#[must_use]
pub fn docs_markdown() -> String {
    let mut out = String::from(
        "# Spec errors\n\n<!-- Generated from src/packet/codes.rs by `UPDATE_DOCS=1 cargo test --test it spec::errors`; do not edit. -->\n\n\
         Every problem `packetc` reports about a `packet.yaml` carries one of these codes (exit 2,\n\
         nothing written), at the line that is wrong. Each has a snapshot test in\n\
         `tests/it/spec/errors.rs` (`snapshots/spec/`). The format is described in [spec.md](spec.md).\n\n\
         | code | name | what it means |\n|---|---|---|\n",
    );
    for c in ALL {
        out.push_str(&format!(
            "| [{}](#{}) | `{}` | {} |\n",
            c.code,
            c.code.to_ascii_lowercase(),
            c.name,
            c.summary.replace('|', "\\|")
        ));
    }
    for c in ALL {
        out.push_str(&format!(
            "\n## {}\n\n`{}`: {}\n\nFix: {}\n",
            c.code, c.name, c.summary, c.fix
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_ordered() {
        let mut seen = std::collections::HashSet::new();
        for (i, c) in ALL.iter().enumerate() {
            assert_eq!(c.code, format!("PS{:03}", i + 1), "codes are sequential");
            assert!(seen.insert(c.name), "duplicate name {}", c.name);
            assert!(
                c.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{} is kebab-case",
                c.name
            );
        }
        assert_eq!(find("unknown-metric"), Some(&UNKNOWN_METRIC));
        assert_eq!(find("ps012"), Some(&UNKNOWN_METRIC));
    }
}
