//! ## What it does
//! Flags every row write to a table listed under `protected_tables` in the policy: `INSERT`,
//! `UPDATE`, `DELETE`, `MERGE`, `TRUNCATE` (every table in the list), `COPY … FROM`,
//! `\copy … from`, `SELECT … INTO`, writes inside data-modifying CTEs, `CREATE RULE` actions,
//! `PREPARE` bodies, `EXPLAIN ANALYZE`, DO blocks, function bodies and constant `EXECUTE`
//! strings. Names are resolved as PostgreSQL does: unquoted names fold to lower case, quoted
//! names are exact, `U&"…"` escapes are decoded, aliases and schemas are looked through.
//!
//! ## Why is this bad?
//! The protected tables are the governance model's human gate and its non-inert, triggered
//! tables (`os_proposal_approvals`, `system_issues`, `event_outbox`). A packet that writes them
//! substitutes automation for a human act or fires triggers and emits events nobody approved.
//! This code can never be suppressed.
//!
//! ## Example
//! ```sql
//! WITH d AS (DELETE FROM system_issues RETURNING *) SELECT count(*) FROM d;
//! ```
//!
//! ## Use instead
//! Leave the table alone; read it in a gate if you need its state:
//! ```sql
//! SELECT count(*) FROM system_issues;
//! ```

use super::Rule;
use crate::lint::effects::Write;
use crate::lint::engine::Engine;
use crate::lint::finding::Severity;
use crate::lint::policy::ProtectedTable;

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC001",
    name: "protected-table-write",
    summary: "A statement writes rows of a protected table.",
    severity: Severity::Error,
    source: include_str!("pc001_protected_table_write.rs"),
    fail_closed: false,
};

/// A row write (not a trigger switch, which is PC004) to a protected table.
pub(crate) fn check(cx: &mut Engine, w: &Write, p: &ProtectedTable, shown: &str) {
    if w.trigger_off || !w.kind.is_row_write() {
        return;
    }
    cx.report(
        &RULE,
        w.target.pos,
        w.target.len,
        format!("{} {shown}", w.kind.describe()),
        "remove the write; this table is changed only by the governed human process",
        Some(&p.reason),
    );
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::testing::{lint_errors, lint_ok};

    #[test]
    fn flags_writes_however_spelled() {
        lint_errors("DELETE FROM system_issues;", "PC001");
        lint_errors("update \"system_issues\" s set x = 1;", "PC001");
        lint_errors("TRUNCATE a, public.event_outbox;", "PC001");
        lint_errors(
            "WITH d AS (DELETE FROM event_outbox RETURNING 1) SELECT 1;",
            "PC001",
        );
        lint_errors(
            "PREPARE p AS INSERT INTO os_proposal_approvals VALUES (1);",
            "PC001",
        );
    }

    #[test]
    fn passes_reads_and_look_alikes() {
        lint_ok("SELECT count(*) FROM system_issues;");
        lint_ok("DELETE FROM os_proposal_approvals_archive;");
        lint_ok("SELECT 'DELETE FROM system_issues';");
    }
}
