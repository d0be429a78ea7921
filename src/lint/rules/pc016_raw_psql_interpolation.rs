//! ## What it does
//! Flags `:name` (raw interpolation: the variable's text becomes SQL) and a write whose
//! target is a `:"name"` variable. `:'name'` (a quoted literal) is fine.
//!
//! ## Why is this bad?
//! The value is only known when psql runs: `-v t=system_issues` turns
//! `DELETE FROM :"t"` into a forbidden write, and `:x` can inject whole statements.
//!
//! ## Example
//! ```sql
//! DELETE FROM governance_object_ownership WHERE created_by = :tag;
//! ```
//!
//! ## Use instead
//! ```sql
//! DELETE FROM governance_object_ownership WHERE created_by = :'tag';
//! ```

use super::Rule;
use crate::lint::effects::Write;
use crate::lint::engine::Engine;
use crate::lint::finding::Severity;
use crate::lint::scan::{Stmt, VarKind};

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC016",
    name: "raw-psql-interpolation",
    summary: "A psql variable is pasted into SQL unquoted, or names a written table.",
    severity: Severity::Error,
    source: include_str!("pc016_raw_psql_interpolation.rs"),
    fail_closed: true,
};

/// A write whose target table comes from a `:"var"` interpolation.
pub(crate) fn check_write(cx: &mut Engine, w: &Write) {
    if w.target.from_var {
        cx.report(
            &RULE,
            w.target.pos,
            w.target.len,
            format!(
                "{} a table named by a psql variable cannot be checked",
                w.kind.describe()
            ),
            "write the table name out",
            None,
        );
    }
}

/// psql variables pasted into the statement unquoted (`:name`).
pub(crate) fn check_vars(cx: &mut Engine, s: &Stmt) {
    for v in &s.vars {
        if v.kind != VarKind::Raw {
            continue;
        }
        let shown = &cx.text[v.start..v.end];
        let pos = cx.idx.pos(v.start);
        let d = RULE
            .at(
                pos,
                shown.chars().count(),
                format!("psql variable `{shown}` is pasted into the SQL unquoted"),
            )
            .help("use :'name' for a value or write the SQL out");
        cx.emit(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::testing::{lint_errors, lint_ok};

    #[test]
    fn raw_and_identifier_interpolation_are_findings() {
        lint_errors("SELECT :x;", "PC016");
        lint_errors("DELETE FROM :\"t\";", "PC016");
        lint_ok("SELECT :'x', a::int FROM t;");
    }
}
