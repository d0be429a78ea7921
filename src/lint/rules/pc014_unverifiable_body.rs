//! ## What it does
//! Flags `DO` blocks and `CREATE FUNCTION`/`PROCEDURE` bodies whose language is not
//! `plpgsql` or `sql` (e.g. `plpython3u`, `plperl`, `c`), and functions whose body could not
//! be located. `plpgsql` and `sql` bodies are split into statements and analysed like
//! top-level SQL.
//!
//! ## Why is this bad?
//! Code in other languages can run any SQL through their database APIs.
//!
//! ## Example
//! ```sql
//! DO LANGUAGE plpython3u $$ plpy.execute("DELETE FROM system_issues") $$;
//! ```
//!
//! ## Use instead
//! Write the logic in PL/pgSQL or SQL.

use super::Rule;
use crate::lint::finding::Severity;

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC014",
    name: "unverifiable-body",
    summary: "A function or DO body is in a language the linter cannot read.",
    severity: Severity::Error,
    source: include_str!("pc014_unverifiable_body.rs"),
    fail_closed: true,
};

#[cfg(test)]
mod tests {
    use crate::lint::rules::testing::{lint_errors, lint_ok};

    #[test]
    fn other_languages_are_findings() {
        lint_errors("DO LANGUAGE plpython3u $$ pass $$;", "PC014");
        lint_errors(
            "CREATE FUNCTION f() RETURNS int LANGUAGE c AS 'lib', 'sym';",
            "PC014",
        );
        lint_ok("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;");
    }
}
