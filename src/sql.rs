//! Quoting for the three languages packetc writes text in — SQL, psql meta-commands and the
//! POSIX shell — and the names of the `packetc.*` settings through which scripts pass
//! variables. One home, so a fix to a quoting rule reaches every caller.

/// The GUC prefix through which scripts pass variables to SQL and PL/pgSQL alike.
pub const SETTING_PREFIX: &str = "packetc.";

/// The built-in setting (after [`SETTING_PREFIX`]) that holds the provenance tag.
pub const TAG_SETTING: &str = "provenance_tag";

/// The full setting name of a variable: `packetc.NAME`.
#[must_use]
pub fn setting(name: &str) -> String {
    format!("{SETTING_PREFIX}{name}")
}

/// The full name of the provenance-tag setting, `packetc.provenance_tag`.
#[must_use]
pub fn tag_setting() -> String {
    setting(TAG_SETTING)
}

/// `s` as an SQL string literal (`'...'`, quotes doubled). Assumes
/// `standard_conforming_strings = on`, the default since PostgreSQL 9.1.
#[must_use]
pub fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// `s` as a quoted SQL identifier (`"..."`, double quotes doubled).
#[must_use]
pub fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A possibly schema-qualified name (`schema.table` or `table`), each part quoted.
/// Dots inside a part cannot be expressed; use [`quote_ident`] for such names.
#[must_use]
pub fn quote_qualified(name: &str) -> String {
    name.split('.')
        .map(quote_ident)
        .collect::<Vec<_>>()
        .join(".")
}

/// Quote a value as a single-quoted psql meta-command argument.
///
/// Inside single quotes psql expands no variables and no backticks; it reads `''` as a quote and
/// processes backslash escapes, so `\` is doubled and `'` doubled. Control characters must be
/// rejected before this is called (`apply`'s `Vars::parse` does), so the argument stays on its
/// line.
#[must_use]
pub fn psql_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("''"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Quote a word for a POSIX shell (`'...'`, with `'` written as `'\''`); a word made only of
/// characters the shell never interprets is left as it is, so printed commands stay readable.
#[must_use]
pub fn shell_quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@%+,".contains(c))
    {
        return word.to_owned();
    }
    format!("'{}'", word.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_quoting() {
        assert_eq!(quote_literal("it's"), "'it''s'");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_qualified("public.T"), "\"public\".\"T\"");
        assert_eq!(tag_setting(), "packetc.provenance_tag");
        assert_eq!(setting("ratified_apr"), "packetc.ratified_apr");
    }

    #[test]
    fn psql_quoting_doubles_quotes_and_backslashes() {
        assert_eq!(psql_quote("APR-1"), "'APR-1'");
        assert_eq!(psql_quote(r"a'b\c"), r"'a''b\\c'");
        assert_eq!(psql_quote("$(x);`y` :z"), "'$(x);`y` :z'");
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(shell_quote("psql"), "psql");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
