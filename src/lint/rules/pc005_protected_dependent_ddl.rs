//! ## What it does
//! In schema-aware mode (the target's schema is known: a packet's `fixture/schema.sql` under
//! `packetc check`, `packetc lint --schema FILE` with SQL or a catalog snapshot that `packetc
//! catalog` exported from the live database, and the live catalog under `packetc apply`), flags
//! DDL that replaces, alters or drops an object a protected table depends on or that depends on
//! it:
//! - `CREATE OR REPLACE`, `ALTER` or `DROP FUNCTION` of one of its trigger functions, or of a
//!   function its checks, defaults or index expressions call;
//! - `ALTER`/`DROP INDEX` of its indexes; `CREATE OR REPLACE`/`ALTER`/`DROP VIEW` of a view over it;
//! - `ALTER`/`DROP TABLE` of its child tables and of tables whose foreign keys reference it
//!   (`DROP CONSTRAINT` of that foreign key, `ALTER CONSTRAINT … DEFERRABLE`, `DISABLE TRIGGER
//!   ALL`, which switches its RI triggers off);
//! - of a table its own foreign key references: `DROP TABLE`, and `ALTER TABLE` that drops or
//!   alters a constraint or column, changes a column's type or disables its triggers (`DISABLE
//!   TRIGGER ALL` switches off the RI triggers that keep the protected rows' references valid);
//! - `DROP|ALTER|RENAME CONSTRAINT` of a constraint guarding it, on another table;
//! - `ALTER`/`DROP DOMAIN` of a column's domain, `ALTER`/`DROP TYPE` of a column's enum,
//!   composite or range type (`RENAME VALUE` rewrites its rows), `ALTER`/`DROP SEQUENCE` of a
//!   sequence feeding its defaults (identity and serial sequences included: `RESTART`).
//!
//! ## Why is this bad?
//! The statement never names the protected table, yet it changes what the table's triggers do,
//! how it is constrained or what its children hold: replacing `system_issues_touch()` rewrites
//! every later `UPDATE` of `system_issues`. This code can never be suppressed.
//!
//! ## Example
//! ```sql
//! CREATE OR REPLACE FUNCTION system_issues_touch() RETURNS trigger
//! LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
//! ```
//!
//! ## Use instead
//! Leave the protected table's dependents alone; governed changes to them go through the
//! human process that owns the table.

use super::Rule;
use crate::lint::engine::Engine;
use crate::lint::finding::Severity;
use crate::lint::names::NameRef;
use crate::lint::schema::{self, Dependent};
use sqlparser::tokenizer::TokenWithSpan;

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC005",
    name: "protected-dependent-ddl",
    summary: "A statement replaces or drops an object a protected table depends on.",
    severity: Severity::Error,
    source: include_str!("pc005_protected_dependent_ddl.rs"),
    fail_closed: false,
};

/// A `CREATE` / `ALTER` / `DROP` statement (its tokens) naming dependents of protected tables,
/// when the schema is known.
pub(crate) fn check_ddl(cx: &mut Engine, toks: &[TokenWithSpan]) {
    if cx.policy.dependents.is_empty() {
        return;
    }
    let hits: Vec<_> = schema::touched(&cx.policy.dependents, toks)
        .into_iter()
        .map(|(n, d)| (n, d.clone()))
        .collect();
    for (n, d) in hits {
        check(cx, &n, &d);
    }
}

/// DDL on `n`, which the schema shows is the dependent `d` of a protected table.
fn check(cx: &mut Engine, n: &NameRef, d: &Dependent) {
    let reason = cx.policy.table(None, &d.table).map(|t| t.reason.clone());
    cx.emit(
        RULE.at(
            n.pos,
            n.len,
            format!(
                "changes `{}`, {} protected table `{}` (from the schema)",
                n.display(),
                d.kind.describe(),
                d.table
            ),
        )
        .help("remove it; the protected table's dependents are governed with it")
        .reason(reason.as_deref()),
    );
}

#[cfg(test)]
mod tests {
    use crate::lint::{lint_source, Policy};

    fn codes(sql: &str) -> Vec<&'static str> {
        let schema = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/packets/one-roof-ownership-seed/fixture/schema.sql"
        ))
        .expect("fixture");
        let p = Policy::builtin().with_schema(&schema);
        lint_source("t.sql", sql, &p, None)
            .into_iter()
            .map(|f| f.code)
            .collect()
    }

    #[test]
    fn flags_dependents_of_protected_tables() {
        assert!(codes("CREATE OR REPLACE FUNCTION system_issues_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;").contains(&"PC005"));
        assert!(codes("DROP INDEX IF EXISTS public.event_outbox_pending_idx;").contains(&"PC005"));
        assert!(codes("DROP FUNCTION a(), system_issues_emit() CASCADE;").contains(&"PC005"));
        assert!(
            codes("ALTER FUNCTION event_outbox_validate() SECURITY DEFINER;").contains(&"PC005")
        );
    }

    #[test]
    fn passes_other_objects_and_no_schema() {
        assert!(!codes("DROP INDEX governance_objects_domain_idx;").contains(&"PC005"));
        assert!(!codes(
            "CREATE OR REPLACE FUNCTION my_touch() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;"
        )
        .contains(&"PC005"));
        let plain = lint_source(
            "t.sql",
            "DROP INDEX event_outbox_pending_idx;",
            &Policy::builtin(),
            None,
        );
        assert!(!plain.iter().any(|f| f.code == "PC005"));
    }
}
