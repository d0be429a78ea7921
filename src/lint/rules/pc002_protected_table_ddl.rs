//! ## What it does
//! Flags DDL and privilege changes on a protected table: `ALTER TABLE`, `DROP`, `CREATE INDEX`,
//! `CREATE TRIGGER`, `CREATE RULE`, `CREATE`/`ALTER`/`DROP POLICY`, `COMMENT ON`, `RENAME`,
//! `GRANT`/`REVOKE` (also `ON ALL TABLES IN SCHEMA …`), `DROP SCHEMA … CASCADE`, `CREATE VIEW`
//! over the table (views can be written through), and any other statement that names it.
//! Any `DROP … CASCADE` or `ALTER … CASCADE` (`ALTER TABLE t DROP CONSTRAINT k CASCADE` drops
//! the foreign keys, a protected table's too, that rely on `k`) reaches what depends on its
//! objects, which the linter cannot bound: it is flagged whatever it names.
//!
//! ## Why is this bad?
//! Changing the table's shape, triggers, policies or grants changes who can write it and what
//! happens when they do: a different way to make the forbidden write. Never suppressible.
//!
//! ## Example
//! ```sql
//! GRANT INSERT ON os_proposal_approvals TO workflow_admin;
//! ```
//!
//! ## Use instead
//! Schema and privilege changes on these tables go through the governed, human process.

use super::Rule;
use crate::lint::effects::Write;
use crate::lint::engine::Engine;
use crate::lint::finding::{Pos, Severity};
use crate::lint::names::NameRef;
use crate::lint::policy::{NamedEntry, ProtectedTable};

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC002",
    name: "protected-table-ddl",
    summary: "A statement changes the definition or privileges of a protected table.",
    severity: Severity::Error,
    source: include_str!("pc002_protected_table_ddl.rs"),
    fail_closed: false,
};

/// DDL or a privilege change on a protected table (trigger switches are PC004).
pub(crate) fn check(cx: &mut Engine, w: &Write, p: &ProtectedTable, shown: &str) {
    if w.trigger_off || w.kind.is_row_write() {
        return;
    }
    cx.report(
        &RULE,
        w.target.pos,
        w.target.len,
        format!("{} {shown}", w.kind.describe()),
        "remove it; definitions and grants of this table are governed",
        Some(&p.reason),
    );
}

/// `GRANT role TO …` of the roles the policy lists under `write_roles` (at the role's name, or
/// at `at` when its position is unknown).
pub(crate) fn check_roles(cx: &mut Engine, roles: &[NameRef], at: Pos, len: usize) {
    for r in roles {
        let entry = cx
            .policy
            .roles
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(&r.name))
            .cloned();
        if let Some(e) = entry {
            let (p, l) = if r.pos.is_known() {
                (r.pos, r.len)
            } else {
                (at, len)
            };
            check_role(cx, p, l, &e);
        }
    }
}

/// `GRANT role TO …` of a role the policy lists under `write_roles`.
fn check_role(cx: &mut Engine, pos: Pos, len: usize, role: &NamedEntry) {
    cx.report(
        &RULE,
        pos,
        len,
        format!(
            "GRANT of role `{}`, whose members write protected tables",
            role.name
        ),
        "remove the grant; privileges on protected tables are governed",
        Some(&role.reason),
    );
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::testing::{lint_errors, lint_ok};

    #[test]
    fn flags_ddl_and_grants() {
        lint_errors("ALTER TABLE system_issues ADD COLUMN x int;", "PC002");
        lint_errors("GRANT INSERT ON os_proposal_approvals TO x;", "PC002");
        lint_errors(
            "CREATE TRIGGER t BEFORE INSERT ON event_outbox FOR EACH ROW EXECUTE FUNCTION f();",
            "PC002",
        );
    }

    #[test]
    fn passes_ddl_elsewhere() {
        lint_ok("CREATE INDEX ON governance_scopes (scope_key);");
        lint_ok("GRANT SELECT ON governance_scopes TO x;");
    }
}
