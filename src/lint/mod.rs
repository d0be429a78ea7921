//! The linter: proves statically that a SQL script makes no forbidden write, and fails closed.
//!
//! Pipeline, per file, statement by statement (memory stays flat, cost linear):
//! 1. [`scan`] — psql-aware splitter (meta-commands, `:var`, quotes, COPY data);
//! 2. sqlparser — tokenize and parse one statement, positions mapped back to the file;
//! 3. [`effects`] — which tables/columns the statement writes (DML, DDL, grants, nested DML);
//!    DO blocks and function bodies go through [`plpgsql`] and come back to step 2;
//! 4. the rules in [`rules`] — policy (protected tables/columns, trigger bypass), fail-closed
//!    findings, and packet-aware rules when a [`StepContext`] is given;
//! 5. suppressions (`-- packetc: allow CODE -- reason`) and [`report`] formats.
//!
//! Name resolution follows PostgreSQL: unquoted identifiers fold to lower case, quoted ones are
//! exact, `U&"…"` escapes are decoded. A bare protected name in the policy matches the
//! relation in every schema (fail closed: `search_path` is not known statically); a
//! `schema.table` entry matches that schema or an unqualified reference.

pub mod catalog;
pub mod copy_fail;
pub mod effects;
pub mod engine;
pub mod fallback;
pub mod fasttok;
pub mod finding;
pub mod locate;
pub mod names;
pub mod parse_error;
pub mod plpgsql;
pub mod policy;
pub mod report;
pub mod report_json;
pub mod rules;
pub mod sarif;
pub mod scan;
pub mod schema;
pub mod schema_sql;
pub mod slash;
pub(crate) mod suppress;
pub mod trust;
pub mod walk;

use std::path::PathBuf;

pub use finding::{Finding, Severity};
pub use locate::{PolicyFinder, ResolvedPolicy};
pub use policy::Policy;
pub use report::{write_report, Format, Report};

/// Which step of a packet a script is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepRole {
    /// Read-only gates before the change.
    Preflight,
    /// The one writing step: inserts tagged rows into the provenance table.
    Seed,
    /// Read-only checks after the change.
    Verify,
    /// Deletes exactly the tagged rows.
    Rollback,
}

impl StepRole {
    /// Lowercase name for messages.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            StepRole::Preflight => "preflight",
            StepRole::Seed => "seed",
            StepRole::Verify => "verify",
            StepRole::Rollback => "rollback",
        }
    }
}

/// What the packet-aware rules need to know about the script being linted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepContext {
    /// The step.
    pub role: StepRole,
    /// The step must not write at all (implied for preflight and verify).
    pub read_only: bool,
    /// The table the seed inserts into and the rollback deletes from (`table` or
    /// `schema.table`), e.g. `governance_object_ownership`.
    pub provenance_table: String,
    /// The column carrying the provenance tag (`created_by`).
    pub tag_column: String,
    /// The column carrying the approval reference (`approval_ref`).
    pub approval_column: String,
    /// A scanner's run table (`candidate_scan_run`): its seed also inserts one tagged row there
    /// and its rollback deletes the tagged rows, exactly as for the provenance table.
    pub run_table: Option<String>,
}

/// Lint one script. `path` is used for messages and to resolve `\ir` includes; `text` is the
/// script. With `step`, the packet-aware rules (PC030–PC035) apply as well.
///
/// Never panics and never fails: whatever cannot be read or proven is a finding.
#[must_use]
pub fn lint_source(
    path: &str,
    text: &str,
    policy: &Policy,
    step: Option<&StepContext>,
) -> Vec<Finding> {
    lint_text_with(path, text, policy, step, vec![PathBuf::from(path)])
}

pub(crate) fn lint_text_with(
    path: &str,
    text: &str,
    policy: &Policy,
    step: Option<&StepContext>,
    includes: Vec<PathBuf>,
) -> Vec<Finding> {
    engine::Engine::new(path, text, policy, step)
        .with_includes(includes)
        .run()
}

/// Lint raw bytes: invalid UTF-8 is a finding at the first bad byte (PC012) and the rest is
/// analysed with the bad bytes replaced. Returns the text that positions refer to.
#[must_use]
pub fn lint_bytes(
    path: &str,
    bytes: &[u8],
    policy: &Policy,
    step: Option<&StepContext>,
) -> (String, Vec<Finding>) {
    match std::str::from_utf8(bytes) {
        Ok(t) => (t.to_string(), lint_source(path, t, policy, step)),
        Err(e) => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            let bad = e.valid_up_to();
            let mut findings = lint_source(path, &text, policy, step);
            findings.push(rules::pc012_unreadable_text::not_utf8(&text, bad));
            findings.sort_by(|a, b| (a.line, a.col, a.code).cmp(&(b.line, b.col, b.code)));
            (text, findings)
        }
    }
}
