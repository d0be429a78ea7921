//! Trust as data: which function calls the linter accepts without seeing the function.
//!
//! A call is accepted when the function is defined in the linted files (its body is analysed),
//! when it is SQL syntax that looks like a call (`coalesce(…)`, `current_date`), or when the
//! policy trusts it: a `trusted_functions` entry (`pg_catalog.*` covers PostgreSQL's built-in
//! functions, listed in `builtin_functions.txt`, generated from PostgreSQL 15's `pg_catalog`
//! and checked against a live server by `tests/it/lint/builtins_pg.rs`). Anything else is what the
//! policy's `unknown_functions` says for the kind of script (PC018 or trusted). Functions under
//! `sql_functions` are PC013 findings wherever they appear and are not judged here.

use std::collections::HashSet;
use std::ops::ControlFlow;
use std::sync::OnceLock;

use sqlparser::ast::{Expr, ObjectName, Statement, TableFactor, Visit, Visitor};
use sqlparser::tokenizer::{Token, TokenWithSpan};

use crate::lint::names::{self, NameRef};
use crate::lint::policy::Policy;

/// Names that sqlparser reads as function calls but PostgreSQL reads as syntax.
const SYNTAX: &[&str] = &[
    "coalesce",
    "nullif",
    "greatest",
    "least",
    "grouping",
    "row",
    "array",
    "current_date",
    "current_time",
    "current_timestamp",
    "localtime",
    "localtimestamp",
    "current_user",
    "current_role",
    "session_user",
    "user",
    "current_catalog",
    "system_user",
    "xmlelement",
    "xmlforest",
    "xmlconcat",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmlexists",
    "json_object",
    "json_array",
    "json_objectagg",
    "json_arrayagg",
    "json_scalar",
    "json_serialize",
    "json_value",
    "json_query",
    "json_exists",
    "merge_action",
];

/// PostgreSQL's built-in function names (pg_catalog).
fn builtins() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        include_str!("builtin_functions.txt")
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// Whether `name` (folded) is a function of PostgreSQL's `pg_catalog`.
#[must_use]
pub fn is_builtin(name: &str) -> bool {
    builtins().contains(name)
}

/// Every function a parsed statement calls: in expressions, as `FROM` functions, by `CALL`.
#[must_use]
pub fn calls(st: &Statement) -> Vec<NameRef> {
    struct V(Vec<NameRef>);
    impl V {
        fn add(&mut self, n: &ObjectName) {
            if let Some(r) = names::resolve(n) {
                self.0.push(r);
            }
        }
    }
    impl Visitor for V {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            if let Expr::Function(f) = e {
                self.add(&f.name);
            }
            ControlFlow::Continue(())
        }
        fn pre_visit_table_factor(&mut self, t: &TableFactor) -> ControlFlow<()> {
            match t {
                // `FROM CAST(x AS t)`: PostgreSQL's CAST syntax (a reserved word, so never a
                // function when unquoted), which sqlparser reads as a table function.
                TableFactor::Table {
                    name,
                    args: Some(_),
                    ..
                } if is_cast_syntax(name) => {}
                TableFactor::Table {
                    name,
                    args: Some(_),
                    ..
                }
                | TableFactor::Function { name, .. } => self.add(name),
                _ => {}
            }
            ControlFlow::Continue(())
        }
        fn pre_visit_statement(&mut self, s: &Statement) -> ControlFlow<()> {
            if let Statement::Call(f) = s {
                self.add(&f.name);
            }
            ControlFlow::Continue(())
        }
    }
    let mut v = V(Vec::new());
    let _ = st.visit(&mut v);
    v.0
}

/// An unquoted, unqualified `CAST`: syntax, not a call.
fn is_cast_syntax(name: &ObjectName) -> bool {
    matches!(name.0.as_slice(), [sqlparser::ast::ObjectNamePart::Identifier(i)]
        if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("cast"))
}

/// Whether a call needs no trust decision or the policy trusts it (`defined`: functions
/// created in the linted files so far).
#[must_use]
pub fn accepted(policy: &Policy, defined: &[NameRef], c: &NameRef) -> bool {
    let unqualified = c.schema.is_none();
    let in_catalog = matches!(c.schema.as_deref(), None | Some("pg_catalog"));
    if (unqualified && SYNTAX.contains(&c.name.as_str()))
        || policy.functions.iter().any(|f| f.name == c.name)
        || defined.iter().any(|d| names::same_relation(d, c))
    {
        return true;
    }
    let builtin = in_catalog && is_builtin(&c.name);
    policy
        .trusted_function(c.schema.as_deref(), &c.name, builtin)
        .is_some()
}

/// The name after `CREATE [OR REPLACE] FUNCTION|PROCEDURE` (tokens of the statement).
#[must_use]
pub fn created_routine(toks: &[TokenWithSpan]) -> Option<NameRef> {
    let sig: Vec<&TokenWithSpan> = toks
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect();
    let at = sig.iter().position(|t| {
        matches!(&t.token, Token::Word(w) if w.quote_style.is_none()
            && (w.value.eq_ignore_ascii_case("function") || w.value.eq_ignore_ascii_case("procedure")))
    })?;
    qualified_name(&sig[at + 1..])
}

/// The extension of `CREATE EXTENSION [IF NOT EXISTS] name`.
#[must_use]
pub fn created_extension(toks: &[TokenWithSpan]) -> Option<NameRef> {
    let sig: Vec<&TokenWithSpan> = toks
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect();
    let mut i = 2;
    let kw = |t: Option<&&TokenWithSpan>, k: &str| matches!(t.map(|t| &t.token), Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k));
    if kw(sig.get(2), "if") && kw(sig.get(3), "not") && kw(sig.get(4), "exists") {
        i = 5;
    }
    qualified_name(sig.get(i..)?)
}

/// A possibly qualified name at the start of `sig`.
fn qualified_name(sig: &[&TokenWithSpan]) -> Option<NameRef> {
    let mut parts = Vec::new();
    let mut i = 0;
    while let Some(Token::Word(w)) = sig.get(i).map(|t| &t.token) {
        parts.push(names::fold_word(w));
        if sig.get(i + 1).map(|t| &t.token) == Some(&Token::Period) {
            i += 2;
        } else {
            break;
        }
    }
    let first = sig.first()?;
    let name = parts.pop()?;
    Some(NameRef {
        schema: parts.pop(),
        len: name.chars().count(),
        name,
        pos: crate::lint::finding::Pos::from_loc(first.span.start),
        from_var: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_list_is_loaded() {
        assert!(is_builtin("count") && is_builtin("format") && is_builtin("set_config"));
        assert!(!is_builtin("refresh_everything"));
        assert!(builtins().len() > 2000);
    }

    fn called(sql: &str) -> Vec<String> {
        let dialect = sqlparser::dialect::PostgreSqlDialect {};
        let st = sqlparser::parser::Parser::parse_sql(&dialect, sql).expect("parses");
        calls(&st[0]).into_iter().map(|n| n.name).collect()
    }

    #[test]
    fn from_cast_is_syntax_but_a_quoted_cast_is_a_call() {
        // The generated check rows read `FROM CAST((<metric query>) AS bigint) AS o`.
        assert!(called("SELECT o FROM CAST((SELECT 1) AS bigint) AS o").is_empty());
        assert_eq!(called("SELECT o FROM \"cast\"(1) AS o"), ["cast"]);
        assert_eq!(called("SELECT o FROM refresh_all(1) AS o"), ["refresh_all"]);
    }
}
