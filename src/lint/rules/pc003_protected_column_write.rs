//! ## What it does
//! Flags writes that set a column listed under `protected_columns` (by default
//! `event_type_registry.active`): `UPDATE … SET active`, `SET (…, active) = …`,
//! `INSERT` naming the column or with no column list, `ON CONFLICT DO UPDATE SET active`,
//! `MERGE … UPDATE SET active` / `INSERT` without columns, `COPY` with the column or without a
//! column list, and `ALTER TABLE … ALTER COLUMN active …` (e.g. `SET DEFAULT`), `DROP COLUMN`,
//! `RENAME COLUMN`. Other columns of the table may be written.
//!
//! ## Why is this bad?
//! Flipping `event_type_registry.active` turns on outbound emit; the seed lists it among the
//! things that must never be automated. Never suppressible.
//!
//! ## Example
//! ```sql
//! UPDATE event_type_registry SET active = true WHERE event_type = 'governance';
//! ```
//!
//! ## Use instead
//! Leave `active` to the governed process; other columns are fine:
//! ```sql
//! UPDATE event_type_registry SET description = 'ownership events' WHERE event_type = 'governance';
//! ```

use super::Rule;
use crate::lint::effects::{Cols, Write};
use crate::lint::engine::Engine;
use crate::lint::finding::Severity;

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC003",
    name: "protected-column-write",
    summary: "A statement sets a protected column.",
    severity: Severity::Error,
    source: include_str!("pc003_protected_column_write.rs"),
    fail_closed: false,
};

/// A write that sets a protected column: on its target, and restated on the relation whose
/// protected columns it reaches when the target is a way in this script made (a view, rule,
/// child table).
pub(crate) fn check_write(cx: &mut Engine, w: &Write) {
    check(cx, w);
    if let Some(m) = cx.column_write_through(w) {
        check(cx, &m);
    }
}

/// A write that sets a protected column, named or through a missing column list.
fn check(cx: &mut Engine, w: &Write) {
    let t = &w.target;
    let cols: Vec<_> = cx
        .policy
        .columns_of(t.schema.as_deref(), &t.name)
        .cloned()
        .collect();
    for pc in cols {
        match &w.cols {
            Cols::All => cx.report(
                &RULE,
                t.pos,
                t.len,
                format!(
                    "{} `{}` without a column list sets protected column `{}`",
                    w.kind.describe(),
                    t.display(),
                    pc.column
                ),
                "list the columns and leave the protected one out",
                Some(&pc.reason),
            ),
            Cols::Named(v) => {
                if let Some((_, pos)) = v.iter().find(|(c, _)| *c == pc.column) {
                    cx.report(
                        &RULE,
                        *pos,
                        pc.column.chars().count(),
                        format!(
                            "{} `{}` sets protected column `{}`",
                            w.kind.describe(),
                            t.display(),
                            pc.column
                        ),
                        "leave this column to the governed process",
                        Some(&pc.reason),
                    );
                }
            }
            Cols::Any => cx.report(
                &RULE,
                t.pos,
                t.len,
                format!(
                    "{} `{}` can set protected column `{}`",
                    w.kind.describe(),
                    t.display(),
                    pc.column
                ),
                "a trigger, rule or table-wide grant reaches every column: remove it",
                Some(&pc.reason),
            ),
            Cols::None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::testing::{lint_errors, lint_ok};

    #[test]
    fn flags_the_column() {
        lint_errors("UPDATE event_type_registry SET active = true;", "PC003");
        lint_errors(
            "INSERT INTO event_type_registry VALUES ('x', true);",
            "PC003",
        );
        lint_errors(
            "ALTER TABLE event_type_registry ALTER COLUMN active SET DEFAULT true;",
            "PC003",
        );
        lint_errors("COPY event_type_registry FROM '/tmp/x';", "PC003");
    }

    #[test]
    fn passes_other_columns_and_tables() {
        lint_ok("UPDATE event_type_registry SET description = 'x';");
        lint_ok("UPDATE governance_scopes SET active = true;");
        lint_ok("SELECT active FROM event_type_registry;");
    }
}
