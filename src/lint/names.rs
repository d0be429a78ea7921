//! Identifier folding, quoting and name resolution, as PostgreSQL does them: the one place.
//!
//! Every rule and every pass that compares a name written in a script with a name in the
//! policy goes through this module, so the answers cannot disagree:
//!
//! - **Folding.** An unquoted identifier folds to lower case *ASCII only*: PostgreSQL's
//!   `downcase_identifier` lowers `A`–`Z` and, for multi-byte encodings such as UTF-8, leaves
//!   every other character alone (`ÄBC` is the relation `Äbc`; pglast shows the same). A quoted
//!   identifier is exact. `U&"…"` (with `UESCAPE`) is decoded by the scanner before the text
//!   reaches the tokenizer.
//! - **Relations.** `[db.]schema.rel` resolves to (`schema`, `rel`); a policy entry without a
//!   schema matches the relation in every schema (fail closed: `search_path` is not known).
//! - **Settings.** Configuration parameter names compare ASCII case-insensitively, quoted or
//!   not (`guc_name_compare`); a qualified `myapp.session_replication_role` is a custom
//!   setting, not the protected one.
//! - **Mentions.** Whether unanalysable text names a protected object — the test that makes a
//!   fail-closed finding unsuppressible — reads the text with the same tokenizer, folding and
//!   qualification as the analysis, and also looks inside string literals (adjacent and
//!   `||`-concatenated ones joined), because such text may become SQL at run time.

use sqlparser::ast::{Ident, ObjectName, ObjectNamePart};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer, Word};

use crate::lint::finding::Pos;
use crate::lint::policy::Policy;

/// A relation name resolved the way PostgreSQL resolves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameRef {
    /// Schema part, folded / exact as written.
    pub schema: Option<String>,
    /// Relation part (`*` for "every table in the schema").
    pub name: String,
    /// Where the name starts.
    pub pos: Pos,
    /// Length of the name as written, in characters (for underlining).
    pub len: usize,
    /// Whether the name came from a psql `:"var"` interpolation.
    pub from_var: bool,
}

impl NameRef {
    /// The name for messages (`schema.name` or `name`).
    #[must_use]
    pub fn display(&self) -> String {
        match &self.schema {
            Some(s) => format!("{s}.{}", self.name),
            None => self.name.clone(),
        }
    }

    /// A name-less reference at `pos` (for "the whole statement" writes).
    #[must_use]
    pub fn at(pos: Pos, len: usize) -> NameRef {
        NameRef {
            schema: None,
            name: String::new(),
            pos,
            len,
            from_var: false,
        }
    }
}

/// PostgreSQL's folding of one identifier: quoted ones are exact, unquoted ones lose ASCII
/// capitals only.
#[must_use]
pub fn fold_str(value: &str, quoted: bool) -> String {
    if quoted {
        value.to_string()
    } else {
        value.to_ascii_lowercase()
    }
}

/// [`fold_str`] for a parsed identifier.
#[must_use]
pub fn fold(id: &Ident) -> String {
    fold_str(&id.value, id.quote_style.is_some())
}

/// [`fold_str`] for a tokenizer word (for token-level name resolution).
#[must_use]
pub fn fold_word(w: &Word) -> String {
    fold_str(&w.value, w.quote_style.is_some())
}

/// Whether a written word resolves to `catalog`, a name as the catalog stores it (exact for a
/// quoted word, after folding for an unquoted one). Allocation-free.
#[must_use]
pub fn word_is(w: &Word, catalog: &str) -> bool {
    if w.quote_style.is_some() {
        w.value == catalog
    } else {
        w.value.len() == catalog.len()
            && w.value
                .bytes()
                .zip(catalog.bytes())
                .all(|(a, b)| a.to_ascii_lowercase() == b)
    }
}

/// [`word_is`] for a parsed identifier. Allocation-free.
#[must_use]
pub fn ident_is(id: &Ident, catalog: &str) -> bool {
    if id.quote_style.is_some() {
        id.value == catalog
    } else {
        id.value.len() == catalog.len()
            && id
                .value
                .bytes()
                .zip(catalog.bytes())
                .all(|(a, b)| a.to_ascii_lowercase() == b)
    }
}

/// Length of an identifier as written, quotes included.
#[must_use]
pub fn ident_len(id: &Ident) -> usize {
    id.value.chars().count() + if id.quote_style.is_some() { 2 } else { 0 }
}

/// Resolve an object name (`[db.]schema.rel` or `rel`).
#[must_use]
pub fn resolve(on: &ObjectName) -> Option<NameRef> {
    let ids: Vec<&Ident> =
        on.0.iter()
            .filter_map(|p| match p {
                ObjectNamePart::Identifier(i) => Some(i),
                ObjectNamePart::Function(_) => None,
            })
            .collect();
    let last = *ids.last()?;
    let first = ids[0];
    let schema = (ids.len() >= 2).then(|| fold(ids[ids.len() - 2]));
    let len = ids.iter().map(|i| ident_len(i)).sum::<usize>() + ids.len() - 1;
    Some(NameRef {
        schema,
        name: fold(last),
        pos: Pos::from_loc(first.span.start),
        len,
        from_var: ids
            .iter()
            .any(|i| i.quote_style == Some('"') && i.value.starts_with(':')),
    })
}

/// Whether two resolved names may be the same relation (an unqualified name may be any
/// schema's).
#[must_use]
pub fn same_relation(a: &NameRef, b: &NameRef) -> bool {
    a.name == b.name
        && match (&a.schema, &b.schema) {
            (Some(x), Some(y)) => x == y,
            _ => true,
        }
}

/// Configuration parameters whose change switches the protections off, whatever the policy
/// says (`replica` stops every ordinary trigger).
pub const PROTECTED_SETTINGS: &[&str] = &["session_replication_role"];

/// Whether a setting name (as PostgreSQL compares them: ASCII case-insensitive, surrounding
/// blanks ignored by the fail-closed side) is a protected one.
#[must_use]
pub fn is_protected_setting(name: &str) -> bool {
    let n = name.trim();
    PROTECTED_SETTINGS.iter().any(|s| s.eq_ignore_ascii_case(n))
}

/// ASCII case-insensitive substring test (no allocation). It runs on every statement and
/// PL/pgSQL expression, several needles each: candidates are found with `memchr2` (SIMD) on
/// the needle's first byte in both cases, and only those are compared.
#[must_use]
pub fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    let n = needle.len();
    if hay.len() < n {
        return false;
    }
    // A candidate must start where the needle still fits.
    let last_start = hay.len() - n;
    // Most needles are setting or function names with a `_`: anchored on it, far fewer
    // candidates are compared than on a first letter such as `s` (`_` is rare in SQL text).
    if let Some(k) = memchr::memchr(b'_', needle) {
        return memchr::memchr_iter(b'_', &hay[k..=last_start + k])
            .any(|i| hay[i..i + n].eq_ignore_ascii_case(needle));
    }
    let (lo, up) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    memchr::memchr2_iter(lo, up, &hay[..=last_start])
        .any(|i| hay[i + 1..i + n].eq_ignore_ascii_case(rest))
}

/// Byte offset of `word` (lower case) in `s` as a whitespace-delimited word, ASCII
/// case-insensitively.
#[must_use]
pub fn find_word_ci(s: &str, word: &str) -> Option<usize> {
    let lower = s.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(word) {
        let at = from + i;
        let before_ok = at == 0 || lower.as_bytes()[at - 1].is_ascii_whitespace();
        let after = at + word.len();
        let after_ok = after >= lower.len() || lower.as_bytes()[after].is_ascii_whitespace();
        if before_ok && after_ok {
            return Some(at);
        }
        from = after;
    }
    None
}

/// Whether a word resolves to the name of a protected relation or of a table with protected
/// columns (ignoring the schema: cheap pre-test).
fn protected_word(policy: &Policy, w: &Word) -> bool {
    policy.tables.iter().any(|t| word_is(w, &t.table))
        || policy.columns.iter().any(|c| word_is(w, &c.table))
}

/// The protected relations named in a statement's tokens, qualified names resolved (for
/// statements the walker does not model, and for unparseable ones). Comments between the
/// parts of a qualified name are looked through.
#[must_use]
pub fn mentions(policy: &Policy, toks: &[TokenWithSpan]) -> Vec<NameRef> {
    let mut out = Vec::new();
    let sig: Vec<&TokenWithSpan> = toks
        .iter()
        .filter(|t| matches!(t.token, Token::Word(_) | Token::Period))
        .collect();
    for (i, t) in sig.iter().enumerate() {
        let Token::Word(w) = &t.token else { continue };
        if !protected_word(policy, w) {
            continue;
        }
        // Walk back over `schema .` to the start of the qualified name.
        let mut start = i;
        while start >= 2
            && sig[start - 1].token == Token::Period
            && matches!(sig[start - 2].token, Token::Word(_))
        {
            start -= 2;
        }
        let schema = match (i >= 2).then(|| (&sig[i - 1].token, &sig[i - 2].token)) {
            Some((Token::Period, Token::Word(s))) => Some(fold_word(s)),
            _ => None,
        };
        let name = fold_word(w);
        let protected = policy.table(schema.as_deref(), &name).is_some()
            || policy.columns_of(schema.as_deref(), &name).next().is_some();
        if protected {
            let first = Pos::from_loc(sig[start].span.start);
            let last = Pos::from_loc(t.span.end);
            let len = if first.line == last.line {
                (last.col.saturating_sub(first.col)) as usize
            } else {
                w.value.chars().count()
            };
            out.push(NameRef {
                schema,
                name,
                pos: first,
                len: len.max(1),
                from_var: false,
            });
        }
    }
    out
}

/// The first protected object that text which cannot be analysed names, if any: a protected
/// relation (or a table with protected columns) or a protected setting, written as a name
/// (any quoting, qualified or not, comments between the parts) or inside a string literal
/// (runs of adjacent or `||`-concatenated literals joined, then read as SQL), because such
/// text may become SQL at run time. A fail-closed finding on such text can never be
/// suppressed.
///
/// Fail closed: besides the token reading, any ASCII case-insensitive occurrence of a
/// protected table's name in the raw text counts (the text may not even tokenize).
#[must_use]
pub fn names_protected(policy: &Policy, text: &str) -> Option<String> {
    names_protected_in(policy, text, 0)
}

fn names_protected_in(policy: &Policy, text: &str, depth: u32) -> Option<String> {
    if let Some(hit) = raw_hit(policy, text) {
        return Some(hit);
    }
    let b = text.as_bytes();
    let Ok(toks) = Tokenizer::new(&PostgreSqlDialect {}, text).tokenize_with_location() else {
        // Untokenizable text: the raw test above, and settings as substrings.
        return PROTECTED_SETTINGS
            .iter()
            .find(|n| contains_ci(b, n.as_bytes()))
            .map(|n| format!("setting `{n}`"));
    };
    tokens_hit(policy, &toks, depth)
}

/// [`names_protected`] of a text whose tokens are at hand: the engine's statement, tokenized
/// once for parsing (`toks` must be exactly the tokens of `text`).
#[must_use]
pub fn names_protected_tokens(
    policy: &Policy,
    text: &str,
    toks: &[TokenWithSpan],
) -> Option<String> {
    raw_hit(policy, text).or_else(|| tokens_hit(policy, toks, 0))
}

/// The protected object the tokens name (words, and the text of string literals).
fn tokens_hit(policy: &Policy, toks: &[TokenWithSpan], depth: u32) -> Option<String> {
    let sig: Vec<&Token> = toks
        .iter()
        .map(|t| &t.token)
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    let mut joined = String::new();
    for (i, t) in sig.iter().enumerate() {
        if let Token::Word(w) = t {
            if let Some(hit) = word_hit(policy, &sig, i, w) {
                return Some(hit);
            }
            // A double-quoted word may be a shell argument or SQL text (`\! psql -c "…"`).
            if w.quote_style == Some('"') && w.value.contains(' ') {
                if let Some(hit) = literal_hit(policy, &w.value, depth) {
                    return Some(hit);
                }
            }
        }
        match literal_text(t) {
            Some(s) => joined.push_str(s),
            None if matches!(t, Token::StringConcat) => {}
            None => {
                if let Some(hit) = literal_hit(policy, &joined, depth) {
                    return Some(hit);
                }
                joined.clear();
            }
        }
    }
    literal_hit(policy, &joined, depth)
}

/// Whether the word at `sig[i]` names a protected relation (its schema resolved from a
/// preceding `schema .`) or, unqualified, a protected setting. A `pg_catalog.*` entry counts a
/// catalog name only when it is not called as a function (`pg_sleep(…)`).
fn word_hit(policy: &Policy, sig: &[&Token], i: usize, w: &Word) -> Option<String> {
    let qualified = i >= 2 && sig[i - 1] == &Token::Period;
    let schema = match (qualified, sig.get(i.wrapping_sub(2))) {
        (true, Some(Token::Word(s))) => Some(fold_word(s)),
        _ => None,
    };
    let name = fold_word(w);
    let called = sig.get(i + 1) == Some(&&Token::LParen);
    if let Some(t) = policy.table(schema.as_deref(), &name) {
        if t.table != "*" || !called {
            let shown = match &schema {
                Some(s) => format!("{s}.{name}"),
                None => name,
            };
            return Some(format!("table `{shown}`"));
        }
    } else if policy.columns_of(schema.as_deref(), &name).next().is_some() {
        return Some(format!("table `{name}`"));
    }
    let after_period = i >= 1 && sig[i - 1] == &Token::Period;
    (!after_period && is_protected_setting(&w.value))
        .then(|| format!("setting `{}`", w.value.to_ascii_lowercase()))
}

/// The text of a string literal token (any quoting), `None` for anything else.
fn literal_text(t: &Token) -> Option<&str> {
    match t {
        Token::SingleQuotedString(s)
        | Token::EscapedStringLiteral(s)
        | Token::UnicodeStringLiteral(s)
        | Token::NationalStringLiteral(s)
        | Token::TripleSingleQuotedString(s) => Some(s),
        Token::DollarQuotedString(d) => Some(&d.value),
        _ => None,
    }
}

/// A protected name inside (joined) literal text, read as SQL (one level deep, then as
/// substrings only).
fn literal_hit(policy: &Policy, s: &str, depth: u32) -> Option<String> {
    if s.is_empty() {
        return None;
    }
    if depth < 2 {
        return names_protected_in(policy, s, depth + 1);
    }
    raw_hit(policy, s).or_else(|| {
        PROTECTED_SETTINGS
            .iter()
            .find(|n| contains_ci(s.as_bytes(), n.as_bytes()))
            .map(|n| format!("setting `{n}`"))
    })
}

/// A protected relation name anywhere in the raw text (ASCII case-insensitive).
fn raw_hit(policy: &Policy, text: &str) -> Option<String> {
    let b = text.as_bytes();
    if let Some(t) = policy
        .tables
        .iter()
        .find(|t| t.table != "*" && contains_ci(b, t.table.as_bytes()))
    {
        return Some(format!("table `{}`", t.table));
    }
    policy
        .columns
        .iter()
        .find(|c| contains_ci(b, c.table.as_bytes()))
        .map(|c| format!("table `{}`", c.table))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::tokenizer::Word;

    #[test]
    fn contains_ci_agrees_with_a_plain_search() {
        let naive = |h: &str, n: &str| h.to_ascii_lowercase().contains(&n.to_ascii_lowercase());
        let hays = [
            "",
            "s",
            "SET_CONFIG(",
            "xset_confiG",
            "set_confi",
            "a_b_c",
            "é_set_config",
            "__",
        ];
        let needles = ["", "s", "set_config", "_", "é_s", "b_c", "_c"];
        for h in hays {
            for n in needles {
                assert_eq!(
                    contains_ci(h.as_bytes(), n.as_bytes()),
                    naive(h, n),
                    "{h:?} {n:?}"
                );
            }
        }
    }

    #[test]
    fn contains_ci_agrees_with_a_plain_search_on_every_short_string() {
        // Every string of up to 6 bytes over an alphabet of both cases and `_` (the anchor):
        // candidates at both ends, several underscores, needles longer than the text.
        fn all(max: usize) -> Vec<String> {
            let mut out = vec![String::new()];
            let mut last = vec![String::new()];
            for _ in 0..max {
                last = last
                    .iter()
                    .flat_map(|s| ["a", "A", "_", "b"].map(|c| format!("{s}{c}")))
                    .collect();
                out.extend(last.iter().cloned());
            }
            out
        }
        let naive = |h: &str, n: &str| h.to_ascii_lowercase().contains(&n.to_ascii_lowercase());
        let needles = all(3);
        for h in all(6) {
            for n in &needles {
                assert_eq!(
                    contains_ci(h.as_bytes(), n.as_bytes()),
                    naive(&h, n),
                    "{h:?} {n:?}"
                );
            }
        }
    }

    fn word(value: &str, quoted: bool) -> Word {
        Word {
            value: value.into(),
            quote_style: quoted.then_some('"'),
            keyword: sqlparser::keywords::Keyword::NoKeyword,
        }
    }

    #[test]
    fn folds_ascii_only_as_postgresql_does_for_utf8() {
        // pglast (PostgreSQL's parser): `SELECT * FROM ÄBC` reads relation `Äbc`,
        // `ĲSSEL` reads `Ĳssel`, `"ÄBC"` reads `ÄBC`.
        assert_eq!(fold_str("ÄBC", false), "Äbc");
        assert_eq!(fold_str("ĲSSEL", false), "Ĳssel");
        assert_eq!(fold_str("ÄBC", true), "ÄBC");
        assert!(word_is(&word("System_Issues", false), "system_issues"));
        assert!(!word_is(&word("System_Issues", true), "system_issues"));
        assert!(!word_is(&word("ÄBC", false), "äbc"));
        assert!(word_is(&word("ÄBC", false), "Äbc"));
    }

    #[test]
    fn settings_compare_case_insensitively() {
        assert!(is_protected_setting("SESSION_Replication_Role"));
        assert!(!is_protected_setting("myapp.session_replication_role"));
    }

    #[test]
    fn names_protected_reads_names_and_literals() {
        let p = Policy::builtin();
        let hit = |t: &str| names_protected(&p, t);
        assert!(hit("SELECT 1").is_none());
        assert!(hit("SELECT 'system_' || 'issues'").is_some());
        assert!(hit("SELECT 'system_'\n'issues'").is_some());
        assert!(hit("SELECT 'DELETE FROM pg_catalog.pg_trigger'").is_some());
        assert!(hit("SELECT pg_sleep(1), 'pg_sleep(2)'").is_none());
        assert!(hit("UPDATE pg_catalog /* x */ . pg_trigger SET tgenabled = 'D'").is_some());
        assert!(hit("SELECT 'session_' || 'replication_role'").is_some());
        assert!(hit("SET \"SESSION_REPLICATION_ROLE\" = replica").is_some());
        assert!(hit("SELECT current_setting('myapp.x')").is_none());
        assert!(hit("SET myapp.session_replication_role = 1").is_none());
        assert!(hit("\\o | psql -c \"SET session_replication_role = replica\"").is_some());
    }
}
