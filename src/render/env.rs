//! The minijinja environment: SQL auto-escaping and the few filters templates may use.
//!
//! In `.sql.j2` templates `{{ v }}` renders a string as a quoted SQL literal and a number as a bare
//! number; anything else is an error. Raw SQL only enters through filters that check what they
//! let through, so no spec value can change the shape of a generated script.

use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, Error, ErrorKind, Output, State, UndefinedBehavior};

use crate::packet::sqlcheck::DOLLAR_TAG;
use crate::packet::validate::LOCK_MODES;

/// Templates compiled into the binary, so `packetc` renders the same bytes wherever it runs.
pub const TEMPLATES: [(&str, &str); 3] = [
    (
        "macros.sql.j2",
        include_str!("../../templates/macros.sql.j2"),
    ),
    (
        "read_only.sql.j2",
        include_str!("../../templates/read_only.sql.j2"),
    ),
    (
        "transaction.sql.j2",
        include_str!("../../templates/transaction.sql.j2"),
    ),
];

const KEYWORDS: [&str; 9] = ["bigint", "numeric", "text", "=", "<>", ">=", "<=", ">", "<"];

fn bad(msg: String) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg)
}

/// `'text'` with quotes doubled; refuses our own dollar-quote tag (it would end a DO body).
pub fn quote_literal(s: &str) -> Result<String, Error> {
    if s.contains(DOLLAR_TAG) || s.contains('\0') {
        return Err(bad(format!("value {s:?} contains {DOLLAR_TAG} or NUL")));
    }
    Ok(crate::sql::quote_literal(s))
}

/// `"part"."part"`: every part quoted, embedded quotes doubled.
pub fn quote_ident(s: &str) -> Result<Value, Error> {
    if s.is_empty() || s.contains('\0') || s.contains(DOLLAR_TAG) {
        return Err(bad(format!("{s:?} is not an identifier")));
    }
    Ok(Value::from_safe_string(crate::sql::quote_qualified(s)))
}

fn is_ident(s: &str) -> bool {
    let mut c = s.chars();
    c.next().is_some_and(|f| f.is_ascii_lowercase() || f == '_')
        && c.all(|x| x.is_ascii_lowercase() || x.is_ascii_digit() || x == '_')
}

fn psql_var(s: &str) -> Result<String, Error> {
    if is_ident(s) {
        Ok(s.to_owned())
    } else {
        Err(bad(format!("{s:?} is not a psql variable name")))
    }
}

/// One line of comment text: control characters (newlines included) become spaces, so a spec
/// value can never end the comment and start SQL.
fn comment(s: &str) -> Value {
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    Value::from_safe_string(clean.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Spec SQL, validated by the spec loader; trailing semicolons are dropped (the template adds one).
fn sql(s: &str) -> Result<Value, Error> {
    if s.contains(DOLLAR_TAG) {
        return Err(bad(format!("spec SQL contains {DOLLAR_TAG}")));
    }
    Ok(Value::from_safe_string(
        s.trim().trim_end_matches(';').trim_end().to_owned(),
    ))
}

fn sql_formatter(out: &mut Output, state: &mut State, value: &Value) -> Result<(), Error> {
    if !matches!(state.auto_escape(), AutoEscape::Custom(name) if name == "sql") || value.is_safe()
    {
        return minijinja::escape_formatter(out, state, value);
    }
    let text = if let Some(s) = value.as_str() {
        quote_literal(s)?
    } else if value.is_number() {
        value.to_string()
    } else if value.kind() == minijinja::value::ValueKind::Bool {
        if value.is_true() { "TRUE" } else { "FALSE" }.to_owned()
    } else {
        return Err(bad(format!("cannot render a {} as SQL", value.kind())));
    };
    out.write_str(&text).map_err(Error::from)
}

/// Build the environment with every template loaded.
pub fn environment() -> Result<Environment<'static>, Error> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .keep_trailing_newline(true)
        .build()?;
    env.set_syntax(syntax);
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".sql.j2") {
            AutoEscape::Custom("sql".into())
        } else {
            AutoEscape::None
        }
    });
    env.set_formatter(sql_formatter);
    env.add_filter("quote_ident", |s: &str| quote_ident(s));
    env.add_filter("quote_literal", |s: &str| {
        quote_literal(s).map(Value::from_safe_string)
    });
    env.add_filter("comment", |s: &str| comment(s));
    env.add_filter("sql", |s: &str| sql(s));
    env.add_filter("psql_var", |s: &str| {
        psql_var(s).map(Value::from_safe_string)
    });
    env.add_filter("psql_defined", |s: &str| {
        psql_var(s).map(|n| Value::from_safe_string(format!(":{{?{n}}}")))
    });
    env.add_filter("psql_literal", |s: &str| {
        psql_var(s).map(|n| Value::from_safe_string(format!(":'{n}'")))
    });
    env.add_filter("keyword", |s: &str| {
        if KEYWORDS.contains(&s) {
            Ok(Value::from_safe_string(s.to_owned()))
        } else {
            Err(bad(format!("{s:?} is not an allowed SQL keyword here")))
        }
    });
    env.add_filter("lock_mode", |s: &str| {
        if LOCK_MODES.contains(&s) {
            Ok(Value::from_safe_string(s.to_owned()))
        } else {
            Err(bad(format!("{s:?} is not a lock mode")))
        }
    });
    for (name, source) in TEMPLATES {
        env.add_template(name, source)?;
    }
    Ok(env)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_and_identifiers_are_escaped() {
        assert_eq!(quote_literal("it's").expect("ok"), "'it''s'");
        assert!(quote_literal("x $packetc$ y").is_err());
        assert_eq!(
            quote_ident("a.\"b").expect("ok").to_string(),
            "\"a\".\"\"\"b\""
        );
        assert_eq!(
            comment("a\nDROP TABLE x; --\r\n").to_string(),
            "a DROP TABLE x; --"
        );
        assert!(psql_var("x'y").is_err());
    }

    #[test]
    fn strings_render_as_sql_literals() {
        let mut env = environment().expect("env");
        env.add_template("t.sql.j2", "{{ a }} {{ n }} {{ a|quote_ident }}")
            .expect("template");
        let out = env
            .get_template("t.sql.j2")
            .and_then(|t| t.render(minijinja::context! { a => "x'; DROP TABLE t; --", n => 5 }))
            .expect("renders");
        assert_eq!(out, "'x''; DROP TABLE t; --' 5 \"x'; DROP TABLE t; --\"");
    }
}
