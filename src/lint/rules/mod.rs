//! The rule registry: one file per rule, whose `//!` doc comment is the rule's documentation.
//!
//! `docs/rules/<CODE>.md` is generated from those comments (`UPDATE_DOCS=1 cargo test --test it
//! lint::docs`) and a test fails when the pages drift. `packetc rule CODE` prints the same text.
//!
//! Each file holds the rule's documentation (`//!`), its registry entry (`RULE`), its checks
//! and messages, and its tests in both directions (`testing::lint_ok` / `lint_errors`). The
//! write rules are called from [`check_writes`] below for every write a statement makes; the
//! front-end rules (`unparseable`, `check_meta`, `check_token`, …) are called from the engine
//! (`src/lint/engine/`) where the scanner or parser meets what they are about. Every finding
//! is built through one builder, [`Rule::at`] → [`Draft`], and recorded by `Engine::emit`,
//! which alone decides whether it may be suppressed.
//!
//! To add a rule: docs/adding-a-rule.md (the rule file, one line in `registry!` below, its
//! call, corpus lines, the generated docs).

use crate::lint::effects::{Write, WriteKind};
use crate::lint::engine::Engine;
use crate::lint::finding::{Draft, Pos, Severity};

/// A rule's identity and documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Stable code (`PC001`).
    pub code: &'static str,
    /// Kebab-case name.
    pub name: &'static str,
    /// One-line summary.
    pub summary: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// The rule's source file; its leading `//!` lines are the documentation.
    pub source: &'static str,
    /// The rule fails closed (the text could not be proven safe, not shown unsafe): its finding
    /// can never be suppressed when the text it is about names a protected object.
    pub fail_closed: bool,
}

impl Rule {
    /// The rule's documentation as Markdown (title + the `//!` doc comment).
    #[must_use]
    pub fn docs(&self) -> String {
        let mut out = format!("# {} {}\n\n{}\n\n", self.code, self.name, self.summary);
        for line in self.source.lines() {
            let Some(rest) = line.strip_prefix("//!") else {
                break;
            };
            out.push_str(rest.strip_prefix(' ').unwrap_or(rest));
            out.push('\n');
        }
        out
    }

    /// A finding of this rule at `pos` spanning `len` characters.
    #[must_use]
    pub fn at(self, pos: Pos, len: usize, message: impl Into<String>) -> Draft {
        Draft::new(self, pos, len, message.into())
    }

    /// Relative link to the rule's documentation page.
    #[must_use]
    pub fn doc_path(&self) -> String {
        format!("docs/rules/{}.md", self.code)
    }
}

/// Declares each rule's module and lists its `RULE` in [`RULES`], from one line per rule.
macro_rules! registry {
    ($($rule:ident),* $(,)?) => {
        $(pub mod $rule;)*

        /// Every rule, in code order.
        pub const RULES: &[Rule] = &[$($rule::RULE),*];
    };
}

// The registry: one line per rule file, in code order (a test checks that every file in this
// directory is here, under the code and name its file name spells).
registry! {
    pc001_protected_table_write,
    pc002_protected_table_ddl,
    pc003_protected_column_write,
    pc004_trigger_bypass,
    pc005_protected_dependent_ddl,
    pc010_unparseable_statement,
    pc011_unterminated_literal,
    pc012_unreadable_text,
    pc013_dynamic_sql,
    pc014_unverifiable_body,
    pc015_missing_include,
    pc016_raw_psql_interpolation,
    pc017_unmodelled_psql,
    pc018_untrusted_function_call,
    pc020_bad_suppression,
    pc021_unused_suppression,
    pc030_read_only_step_write,
    pc031_seed_foreign_write,
    pc032_seed_unstamped_insert,
    pc033_rollback_unscoped_delete,
    pc034_write_outside_transaction,
    pc035_on_error_stop_missing,
}

/// The write rules, applied to the writes of one top-level statement (the engine's one call
/// per statement). The order here is the order their findings are made in.
pub(crate) fn check_writes(cx: &mut Engine, writes: &[Write], stmt_pos: Pos) {
    for w in writes {
        pc016_raw_psql_interpolation::check_write(cx, w);
        // A function named like a protected table is not the table (packet rules below
        // still see the DDL).
        if w.kind == WriteKind::Ddl("CREATE FUNCTION") {
            continue;
        }
        pc004_trigger_bypass::check_write(cx, w);
        let hit = cx.protected_hit(&w.target);
        if let Some((p, shown)) = &hit {
            pc001_protected_table_write::check(cx, w, p, shown);
            pc002_protected_table_ddl::check(cx, w, p, shown);
        }
        pc003_protected_column_write::check_write(cx, w);
    }
    let Some(step) = cx.step else { return };
    let real: Vec<&Write> = writes.iter().filter(|w| !w.temp).collect();
    let in_txn = cx.in_txn;
    pc034_write_outside_transaction::check(cx, &real, in_txn, stmt_pos);
    for w in real {
        if pc030_read_only_step_write::check(cx, step, w) {
            continue;
        }
        pc031_seed_foreign_write::check(cx, step, w);
        pc032_seed_unstamped_insert::check(cx, step, w);
        pc033_rollback_unscoped_delete::check(cx, step, w);
    }
}

/// Find a rule by code (case-insensitive) or kebab-case name.
#[must_use]
pub fn lookup(code_or_name: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name == code_or_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_documented() {
        for (i, a) in RULES.iter().enumerate() {
            assert!(
                a.docs().contains("## What it does"),
                "{} lacks docs",
                a.code
            );
            for b in &RULES[i + 1..] {
                assert_ne!(a.code, b.code);
                assert_ne!(a.name, b.name);
            }
        }
        assert_eq!(
            lookup("pc001").map(|r| r.name),
            Some("protected-table-write")
        );
        assert_eq!(lookup("trigger-bypass").map(|r| r.code), Some("PC004"));
    }

    /// A rule file that is not in `registry!` is not even compiled: read the directory.
    #[test]
    fn every_rule_file_is_registered_under_its_code_and_name() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lint/rules");
        let mut files = 0;
        for e in std::fs::read_dir(&dir).expect("src/lint/rules").flatten() {
            let file = e.file_name().to_string_lossy().into_owned();
            if file == "mod.rs" {
                continue;
            }
            files += 1;
            let stem = file.strip_suffix(".rs").unwrap_or(&file);
            let text = std::fs::read_to_string(e.path()).expect("rule file");
            let rule = RULES.iter().find(|r| r.source == text).unwrap_or_else(|| {
                panic!("src/lint/rules/{file} is not registered: add `{stem},` to `registry!` in src/lint/rules/mod.rs")
            });
            let (code, name) = stem.split_once('_').unwrap_or((stem, ""));
            assert_eq!(
                (rule.code, rule.name),
                (
                    code.to_ascii_uppercase().as_str(),
                    name.replace('_', "-").as_str()
                ),
                "src/lint/rules/{file}: the file name spells the rule's code and name"
            );
        }
        assert_eq!(files, RULES.len(), "one file per rule");
        for w in RULES.windows(2) {
            assert!(
                w[0].code < w[1].code,
                "RULES out of code order at {}",
                w[1].code
            );
        }
    }
}

/// Helpers for the tests next to each rule, in both directions (squawk's `lint_ok` /
/// `lint_errors`): they fail loudly when misused.
#[cfg(test)]
pub(crate) mod testing {
    use crate::lint::{lint_source, Policy, StepContext, StepRole};

    /// The codes found in `sql` (built-in policy, no packet context).
    pub fn codes(sql: &str) -> Vec<&'static str> {
        lint_source("t.sql", sql, &Policy::builtin(), None)
            .into_iter()
            .map(|f| f.code)
            .collect()
    }

    /// `sql` must produce no finding at all.
    #[track_caller]
    pub fn lint_ok(sql: &str) {
        let f = lint_source("t.sql", sql, &Policy::builtin(), None);
        assert!(f.is_empty(), "expected no findings for {sql:?}, got {f:#?}");
    }

    /// `sql` must produce `code` (and may produce others).
    #[track_caller]
    pub fn lint_errors(sql: &str, code: &str) {
        let c = codes(sql);
        assert!(c.contains(&code), "expected {code} for {sql:?}, got {c:?}");
    }

    /// The codes found in `sql` linted as the given packet step.
    pub fn step_codes(sql: &str, role: StepRole) -> Vec<&'static str> {
        let ctx = StepContext {
            role,
            read_only: matches!(role, StepRole::Preflight | StepRole::Verify),
            provenance_table: "governance_object_ownership".into(),
            tag_column: "created_by".into(),
            approval_column: "approval_ref".into(),
            run_table: None,
        };
        lint_source("t.sql", sql, &Policy::builtin(), Some(&ctx))
            .into_iter()
            .map(|f| f.code)
            .collect()
    }
}
