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
use crate::lint::finding::Severity;

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC003",
    name: "protected-column-write",
    summary: "A statement sets a protected column.",
    severity: Severity::Error,
    source: include_str!("pc003_protected_column_write.rs"),
};

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
