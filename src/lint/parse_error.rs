//! What sqlparser says when it rejects a statement, made into values in one place.
//!
//! sqlparser 0.64 types the error only as far as its kind ([`ParserError`]: tokenizer, parser,
//! recursion limit); the position and the offending token exist only inside the message text
//! (`Expected: …, found: X at Line: L, Column: C`). Reading that text is confined to this
//! module, with a test for each form it reads, so a change in the library's wording fails here
//! and not silently in a finding's position.

use sqlparser::parser::ParserError;

use crate::lint::finding::Pos;

/// A statement sqlparser rejected: its message without the position, and the position when the
/// message carries one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFailure {
    /// The library's message, without the `sql parser error: ` prefix and the position.
    pub message: String,
    /// Where the parser stopped (1-based line and column), when the message says.
    pub at: Option<Pos>,
}

/// Make a [`ParseFailure`] from sqlparser's error.
#[must_use]
pub fn from_parser_error(e: &ParserError) -> ParseFailure {
    let text = match e {
        ParserError::TokenizerError(s) | ParserError::ParserError(s) => s.as_str(),
        ParserError::RecursionLimitExceeded => "recursion limit exceeded",
    };
    let (message, at) = split_location(text);
    ParseFailure { message, at }
}

/// The position sqlparser appends to a message (` at Line: L, Column: C`, from its
/// `Location` display), split off.
fn split_location(msg: &str) -> (String, Option<Pos>) {
    if let Some(i) = msg.rfind(" at Line: ") {
        let tail = &msg[i + " at Line: ".len()..];
        let mut parts = tail.split(", Column: ");
        let line = parts.next().and_then(|l| l.trim().parse::<u64>().ok());
        let col = parts.next().and_then(|c| c.trim().parse::<u64>().ok());
        if let (Some(line), Some(col)) = (line, col) {
            return (msg[..i].to_string(), Some(Pos { line, col }));
        }
    }
    (msg.to_string(), None)
}

/// How many characters to underline for a rejected statement: the token the message names
/// (`… found: X`, or packetc's own `` unexpected `X` … ``), at least one; one at the end of
/// input (`found: EOF`).
#[must_use]
pub fn offending_len(msg: &str) -> usize {
    msg.rsplit_once("found: ")
        .map(|(_, f)| f)
        .or_else(|| msg.split('`').nth(1))
        .filter(|f| *f != "EOF")
        .map_or(1, |f| f.chars().count().max(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;

    fn fail(sql: &str) -> ParseFailure {
        let e = Parser::parse_sql(&PostgreSqlDialect {}, sql).expect_err("does not parse");
        from_parser_error(&e)
    }

    #[test]
    fn a_parser_error_gives_its_message_and_position() {
        let f = fail("SELECT 1;\nDELETE FROM t WHERE = 2;");
        assert_eq!(f.at, Some(Pos { line: 2, col: 21 }), "{f:?}");
        assert!(f.message.starts_with("Expected: "), "{f:?}");
        assert!(f.message.ends_with("found: ="), "{f:?}");
        assert_eq!(offending_len(&f.message), 1);
    }

    #[test]
    fn a_tokenizer_error_gives_its_position() {
        let f = fail("SELECT 'unterminated");
        assert_eq!(f.at.map(|p| p.line), Some(1), "{f:?}");
        assert!(!f.message.contains(" at Line: "), "{f:?}");
    }

    #[test]
    fn a_message_without_position_is_kept_whole() {
        let f = from_parser_error(&ParserError::RecursionLimitExceeded);
        assert_eq!(f.message, "recursion limit exceeded");
        assert_eq!(f.at, None);
        let f = from_parser_error(&ParserError::ParserError("odd at Line: x".into()));
        assert_eq!((f.message.as_str(), f.at), ("odd at Line: x", None));
    }

    #[test]
    fn the_underline_covers_the_offending_token() {
        assert_eq!(offending_len("Expected: an expression, found: EOF"), 1);
        assert_eq!(offending_len("Expected: ), found: président"), 9);
        assert_eq!(
            offending_len("unexpected `FROM` after the end of the statement"),
            4
        );
        assert_eq!(offending_len("no token named"), 1);
    }
}
