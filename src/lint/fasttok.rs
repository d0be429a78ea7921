//! A fast path for sqlparser's tokenizer, for the statements most scripts are made of.
//!
//! sqlparser's tokenizer reads a statement a `char` at a time through a `Peekable`, and is
//! most of the linter's time after the parser itself. Most statements use only a small part
//! of what it reads: words, quoted identifiers, standard `'…'` strings, integers and
//! decimals, dollar quotes and `$n` placeholders, `--` comments, blanks and the common
//! punctuation and operators. [`tokenize`] reads exactly that part, byte by byte, and
//! produces the tokens sqlparser's tokenizer produces — same tokens, same spans — or says
//! `false` at the first byte outside it or in doubt (an operator that might go on, a prefixed
//! string such as `E'…'`, a block comment, an exponent, a bare carriage return …), and the
//! caller tokenizes the statement with sqlparser.
//!
//! "Same tokens" is not assumed: the tests below and `tests/it/lint/fasttok_oracle.rs`
//! compare it with sqlparser's tokenizer on every statement of the linter's corpora, the
//! bundled packets and PostgreSQL's regression SQL, and on random statements; any
//! difference fails.

use std::sync::OnceLock;

use sqlparser::ast::DollarQuotedString;
use sqlparser::keywords::{Keyword, ALL_KEYWORDS, ALL_KEYWORDS_INDEX};
use sqlparser::tokenizer::{Location, Span, Token, TokenWithSpan, Whitespace, Word};

/// sqlparser's keywords in an open-addressing hash table of their (upper-case) spelling:
/// one hash and usually one comparison per word, where sqlparser's own lookup makes a binary
/// search over all of them for every word.
struct Keywords {
    /// `index + 1` into [`ALL_KEYWORDS`], 0 for an empty slot.
    slots: Vec<u16>,
    mask: usize,
    longest: usize,
}

fn hash(b: &[u8]) -> usize {
    // FNV-1a: short keys, no dependency.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &c in b {
        h = (h ^ u64::from(c)).wrapping_mul(0x0100_0000_01b3);
    }
    h as usize
}

fn keywords() -> &'static Keywords {
    static TABLE: OnceLock<Keywords> = OnceLock::new();
    TABLE.get_or_init(|| {
        let size = (ALL_KEYWORDS.len() * 4).next_power_of_two();
        let mut t = Keywords {
            slots: vec![0; size],
            mask: size - 1,
            longest: ALL_KEYWORDS.iter().map(|k| k.len()).max().unwrap_or(0),
        };
        for (i, k) in ALL_KEYWORDS.iter().enumerate() {
            let mut h = hash(k.as_bytes()) & t.mask;
            while t.slots[h] != 0 {
                h = (h + 1) & t.mask;
            }
            t.slots[h] = u16::try_from(i + 1).unwrap_or(u16::MAX);
        }
        t
    })
}

/// The keyword an unquoted word is, as sqlparser's tokenizer decides it: the keyword whose
/// spelling is the word in ASCII upper case.
fn keyword(word: &str) -> Keyword {
    let t = keywords();
    let w = word.as_bytes();
    if w.is_empty() || w.len() > t.longest {
        return Keyword::NoKeyword;
    }
    let mut buf = [0u8; 64];
    let Some(up) = buf.get_mut(..w.len()) else {
        return Keyword::NoKeyword;
    };
    for (d, s) in up.iter_mut().zip(w) {
        *d = s.to_ascii_uppercase();
    }
    let mut h = hash(up) & t.mask;
    loop {
        let i = usize::from(t.slots[h]);
        if i == 0 {
            return Keyword::NoKeyword;
        }
        if ALL_KEYWORDS
            .get(i - 1)
            .is_some_and(|k| k.as_bytes() == &*up)
        {
            return ALL_KEYWORDS_INDEX[i - 1];
        }
        h = (h + 1) & t.mask;
    }
}

/// Letters that start a prefixed literal when a quote or `&` follows (`B'…'`, `E'…'`,
/// `N'…'`, `U&'…'`, `X'…'`, and dialect ones): such a word is left to sqlparser.
fn prefix_letter(c: u8) -> bool {
    matches!(c | 0x20, b'b' | b'e' | b'n' | b'q' | b'r' | b'u' | b'x')
}

/// PostgreSQL's identifier bytes as sqlparser reads them: any non-ASCII character is one
/// (its bytes are all >= 0x80), so a word ends only at an ASCII byte.
fn ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

fn ident_part(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

/// Tokenize `sql` into `buf` (cleared first) as sqlparser's PostgreSQL tokenizer would, with
/// 1-based spans relative to `sql`. `false` when `sql` holds anything this fast path does not
/// read; `buf` is then left cleared.
pub fn tokenize(sql: &str, buf: &mut Vec<TokenWithSpan>) -> bool {
    buf.clear();
    let b = sql.as_bytes();
    // A lone `\r` moves sqlparser's column but not its line: left to it.
    if memchr::memchr(b'\r', b).is_some() {
        return false;
    }
    let (mut i, mut line, mut col) = (0usize, 1u64, 1u64);
    while i < b.len() {
        let c = b[i];
        let start = Location { line, column: col };
        let (token, next) = match c {
            b' ' => (Token::Whitespace(Whitespace::Space), i + 1),
            b'\t' => (Token::Whitespace(Whitespace::Tab), i + 1),
            b'\n' => (Token::Whitespace(Whitespace::Newline), i + 1),
            b'(' => (Token::LParen, i + 1),
            b')' => (Token::RParen, i + 1),
            b',' => (Token::Comma, i + 1),
            b'[' => (Token::LBracket, i + 1),
            b']' => (Token::RBracket, i + 1),
            b'+' => (Token::Plus, i + 1),
            b'*' => (Token::Mul, i + 1),
            // `=>` and `==` are other tokens.
            b'=' if !matches!(b.get(i + 1), Some(b'>' | b'=')) => (Token::Eq, i + 1),
            // `::`, but not `:::` or `::=`-like runs.
            b':' if b.get(i + 1) == Some(&b':') && !matches!(b.get(i + 2), Some(b':' | b'=')) => {
                (Token::DoubleColon, i + 2)
            }
            // A period not before a digit (a decimal) or `_` (sqlparser's own rule): a number
            // never reaches here, as one followed by `.` is read below or left to sqlparser.
            b'.' if b
                .get(i + 1)
                .is_some_and(|&n| !n.is_ascii_digit() && n != b'_') =>
            {
                (Token::Period, i + 1)
            }
            b':' if b.get(i + 1) == Some(&b'=') => (Token::Assignment, i + 2),
            // `--` to the end of the line (the newline is a token of its own).
            b'-' if b.get(i + 1) == Some(&b'-') => {
                let end = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n);
                let comment = Whitespace::SingleLineComment {
                    comment: sql[i + 2..end].to_string(),
                    prefix: "--".to_string(),
                };
                (Token::Whitespace(comment), end)
            }
            // Operators, only when what follows cannot extend them (sqlparser reads a run of
            // operator characters as one custom operator, `->` as an arrow, `/*` as a comment).
            b'-' | b'<' | b'>' | b'/' | b'%' | b'|' | b'!' | b'~' => {
                let two = b.get(i + 1).copied();
                let (token, len) = match (c, two) {
                    (b'<', Some(b'=')) => (Token::LtEq, 2),
                    (b'<', Some(b'>')) => (Token::Neq, 2),
                    (b'>', Some(b'=')) => (Token::GtEq, 2),
                    (b'!', Some(b'=')) => (Token::Neq, 2),
                    (b'|', Some(b'|')) => (Token::StringConcat, 2),
                    (b'-', Some(b'>')) if b.get(i + 2) == Some(&b'>') => (Token::LongArrow, 3),
                    (b'-', Some(b'>')) => (Token::Arrow, 2),
                    (b'-', _) => (Token::Minus, 1),
                    (b'<', _) => (Token::Lt, 1),
                    (b'>', _) => (Token::Gt, 1),
                    (b'/', _) => (Token::Div, 1),
                    (b'%', _) => (Token::Mod, 1),
                    (b'~', _) => (Token::Tilde, 1),
                    _ => return fail(buf),
                };
                if !b.get(i + len).is_some_and(|&n| ends_operator(n)) {
                    return fail(buf);
                }
                (token, i + len)
            }
            b'$' => match dollar(sql, i) {
                Some(t) => t,
                None => return fail(buf),
            },
            b'\'' => {
                let Some((value, end)) = quoted(b, i, b'\'') else {
                    return fail(buf);
                };
                (Token::SingleQuotedString(value), end)
            }
            b'"' => {
                let Some((value, end)) = quoted(b, i, b'"') else {
                    return fail(buf);
                };
                // A quoted identifier is never a keyword.
                let word = Word {
                    value,
                    quote_style: Some('"'),
                    keyword: Keyword::NoKeyword,
                };
                (Token::Word(word), end)
            }
            c if ident_start(c) => {
                let end = b[i + 1..]
                    .iter()
                    .position(|&c| !ident_part(c))
                    .map_or(b.len(), |n| i + 1 + n);
                if prefix_letter(c) && matches!(b.get(i + 1), Some(b'\'' | b'"' | b'&')) {
                    return fail(buf);
                }
                let value = &sql[i..end];
                let word = Word {
                    value: value.to_string(),
                    quote_style: None,
                    keyword: keyword(value),
                };
                (Token::Word(word), end)
            }
            c if c.is_ascii_digit() => {
                let end = b[i..]
                    .iter()
                    .position(|c| !c.is_ascii_digit())
                    .map_or(b.len(), |n| i + n);
                // `1.5`, `1.` (not `1.5.`, `1..2`).
                let end = if b.get(end) == Some(&b'.') {
                    b[end + 1..]
                        .iter()
                        .position(|c| !c.is_ascii_digit())
                        .map_or(b.len(), |n| end + 1 + n)
                } else {
                    end
                };
                // An exponent, `0x…`, `1_000`, `10L`, `1abc`, `1.5.`: sqlparser's rules.
                if b.get(end).is_some_and(|&n| ident_part(n) || n == b'.') {
                    return fail(buf);
                }
                (Token::Number(sql[i..end].to_string(), false), end)
            }
            _ => return fail(buf),
        };
        // Advance the position over what the token read.
        for &x in &b[i..next] {
            if x == b'\n' {
                line += 1;
                col = 1;
            } else if x & 0xc0 != 0x80 {
                // Columns count characters: a UTF-8 continuation byte is not one.
                col += 1;
            }
        }
        i = next;
        buf.push(TokenWithSpan {
            token,
            span: Span::new(start, Location { line, column: col }),
        });
    }
    true
}

/// What starts with the `$` at `sql[at]`: a dollar-quoted string (`$$…$$`, `$tag$…$tag$`,
/// closed by the first closing tag) or a placeholder (`$1`, `$name`), and where it ends.
fn dollar(sql: &str, at: usize) -> Option<(Token, usize)> {
    let b = sql.as_bytes();
    let tag_end = b[at + 1..]
        .iter()
        .position(|&c| !(c.is_ascii_alphanumeric() || c == b'_'))
        .map_or(b.len(), |n| at + 1 + n);
    let tag = &sql[at + 1..tag_end];
    if b.get(tag_end).is_some_and(|&c| c >= 0x80) {
        // sqlparser's tag or placeholder goes on over Unicode letters and digits.
        return None;
    }
    if b.get(tag_end) != Some(&b'$') {
        // `$1`, `$name`; a lone `$` is sqlparser's to judge.
        return (!tag.is_empty()).then(|| (Token::Placeholder(format!("${tag}")), tag_end));
    }
    if tag.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let body = tag_end + 1;
    let delim = &sql[at..=tag_end];
    let n = memchr::memmem::find(&b[body..], delim.as_bytes())?;
    let value = DollarQuotedString {
        value: sql[body..body + n].to_string(),
        tag: (!tag.is_empty()).then(|| tag.to_string()),
    };
    Some((Token::DollarQuotedString(value), body + n + delim.len()))
}

/// A byte after an operator that sqlparser never reads as part of it.
fn ends_operator(n: u8) -> bool {
    n.is_ascii_alphanumeric() || matches!(n, b'_' | b' ' | b'\t' | b'\n' | b'(' | b'\'' | b'"')
}

fn fail(buf: &mut Vec<TokenWithSpan>) -> bool {
    buf.clear();
    false
}

/// The body of a quote starting at `b[at]` with doubled quotes undoubled, and the offset
/// after its closing quote; `None` when it is not closed. A backslash is an ordinary
/// character in PostgreSQL's standard strings and quoted identifiers (`E'…'` is not read
/// here).
fn quoted(b: &[u8], at: usize, q: u8) -> Option<(String, usize)> {
    let mut value = Vec::new();
    let mut i = at + 1;
    loop {
        let n = memchr::memchr(q, &b[i..])?;
        value.extend_from_slice(&b[i..i + n]);
        i += n + 1;
        if b.get(i) == Some(&q) {
            value.push(q);
            i += 1;
        } else {
            // Cut at ASCII quotes of a `str`: always UTF-8.
            return String::from_utf8(value).ok().map(|v| (v, i));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::tokenizer::Tokenizer;

    /// Whether the fast path agrees with sqlparser's tokenizer on `sql` (or declines it).
    pub(crate) fn agrees(sql: &str) -> Result<bool, String> {
        let mut fast = Vec::new();
        if !tokenize(sql, &mut fast) {
            return Ok(false);
        }
        let slow = Tokenizer::new(&PostgreSqlDialect {}, sql)
            .tokenize_with_location()
            .map_err(|e| format!("{sql:?}: fast path read what sqlparser rejects: {e}"))?;
        if fast != slow {
            let at = fast.iter().zip(&slow).position(|(a, b)| a != b);
            return Err(format!(
                "{sql:?}: first difference at token {at:?}: fast {:?} vs sqlparser {:?}",
                at.and_then(|i| fast.get(i)),
                at.and_then(|i| slow.get(i))
            ));
        }
        Ok(true)
    }

    #[test]
    fn every_keyword_is_found_as_sqlparser_finds_it() {
        for (k, kw) in ALL_KEYWORDS.iter().zip(ALL_KEYWORDS_INDEX) {
            let lower = k.to_ascii_lowercase();
            for w in [
                k.to_string(),
                lower.clone(),
                format!("{lower}x"),
                format!("_{lower}"),
            ] {
                let Token::Word(expected) = Token::make_word(&w, None) else {
                    unreachable!("make_word makes a word")
                };
                assert_eq!(keyword(&w), expected.keyword, "{w}");
            }
            assert_eq!(keyword(k), *kw);
        }
    }

    #[test]
    fn reads_the_common_statements_as_sqlparser_does() {
        for sql in [
            "SELECT a, b FROM s.t WHERE c = 1",
            "INSERT INTO \"Odd \"\"name\"\"\" (a) VALUES ('it''s', 42)",
            "UPDATE t SET x = x + 1, y = 'a\nb' WHERE k IN (1, 2)",
            "SELECT count(*) AS n FROM t\n\tJOIN u ON u.k = t.k",
            "SELECT t.* FROM t WHERE a::text = 'x'",
            "SELECT arr[1] FROM t",
            "CREATE TABLE t (a int, b text)",
            "select Foo_Bar$ from x",
            "SELECT t1.a, \"s\".t, (x).f, 1.5, 2., 'a\\b', 'é', café, a -> 'k', a ->> 'k', a ~ 'x'",
            "x := 1",
            "SELECT $1, $name FROM t WHERE a = $2",
            "DO $$ BEGIN PERFORM 1; END $$",
            "CREATE FUNCTION f() RETURNS int AS $body$ SELECT $$x$$ $body$ LANGUAGE sql",
            "SELECT $$a$b$$, $$$$, $q$$$q$",
            "SELECT a - b, a <> b, a || 'x', a <= 1, a >= 2, a != 3, a / 2, a % 2, a < b, a > b",
            "SELECT a -- a comment\nFROM t -- to the end",
        ] {
            assert_eq!(agrees(sql), Ok(true), "{sql}");
        }
    }

    #[test]
    fn leaves_everything_else_to_sqlparser() {
        for sql in [
            "SELECT 1.5.",
            "SELECT t._x",
            "SELECT .5",
            "SELECT 1e3",
            "SELECT 0x1F",
            "SELECT 1_000",
            "SELECT E'a\\nb'",
            "SELECT x'1F'",
            "SELECT U&'a'",
            "SELECT n'a'",
            "SELECT 'open",
            "SELECT a /* c */",
            "SELECT a <-> b",
            "SELECT a <=> b",
            "SELECT a ||/ b",
            "SELECT a -",
            "SELECT a !~ b",
            "SELECT a\r\nFROM t",
            "SELECT $1$x$1$",
            "SELECT $$open",
            "SELECT $",
            "SELECT $1é",
            "SELECT a; SELECT b",
            "SELECT 1.a",
            "SELECT a ~* b",
            "SELECT a ->>> b",
        ] {
            assert_eq!(agrees(sql), Ok(false), "{sql}");
        }
    }
}
