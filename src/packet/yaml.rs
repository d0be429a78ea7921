//! YAML errors in packetc's words, at the line that is wrong.
//!
//! The YAML library reports some mistakes where it noticed them rather than where they are (an
//! unclosed quote runs on to the next apostrophe; a tab is found inside a later scalar), in its
//! own wording. When parsing fails, these passes look for the usual culprits first — a tab in
//! the indentation, a quote not closed on its line, a line indented unlike its siblings — and
//! report that line; otherwise the library's position is kept and its message is translated.
//! They run only on a file that failed to parse, so they can never reject a valid one.

use miette::SourceSpan;

/// A located YAML problem: (byte span, message, label, help).
pub struct Found {
    pub span: SourceSpan,
    pub message: String,
    pub label: &'static str,
    pub help: &'static str,
}

struct Line<'a> {
    offset: usize,
    indent: usize,
    /// Column where a mapping's keys start (after `- ` for a sequence item).
    content: usize,
    text: &'a str,
}

/// Lines that carry YAML structure: no blanks, comments or block scalar bodies.
fn structural(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut offset = 0;
    let mut block: Option<usize> = None;
    for raw in text.split_inclusive('\n') {
        let line = raw.trim_end_matches(['\n', '\r']);
        let start = offset;
        offset += raw.len();
        let trimmed = line.trim_start_matches(' ');
        let indent = line.len() - trimmed.len();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some(b) = block {
            if indent > b {
                continue;
            }
            block = None;
        }
        let code = trimmed.split(" #").next().unwrap_or(trimmed).trim_end();
        let opens_block = ["|", ">", "|-", ">-", "|+", ">+"]
            .iter()
            .any(|m| code.ends_with(&format!(": {m}")) || code == format!("- {m}"));
        if opens_block {
            block = Some(indent);
        }
        let mut content = indent;
        let mut rest = trimmed;
        while let Some(r) = rest.strip_prefix("- ") {
            content += 2;
            rest = r.trim_start_matches(' ');
            content += r.len() - rest.len();
        }
        out.push(Line {
            offset: start,
            indent,
            content,
            text: line,
        });
    }
    out
}

/// A tab in a line's indentation (YAML indents with spaces only).
fn tab(text: &str) -> Option<Found> {
    let mut offset = 0;
    let mut block: Option<usize> = None;
    for raw in text.split_inclusive('\n') {
        let line = raw.trim_end_matches(['\n', '\r']);
        let start = offset;
        offset += raw.len();
        let spaces = line.len() - line.trim_start_matches(' ').len();
        if let Some(b) = block {
            if spaces > b || line.trim().is_empty() {
                continue;
            }
            block = None;
        }
        let lead = line.len() - line.trim_start_matches([' ', '\t']).len();
        if let Some(col) = line[..lead].find('\t') {
            return Some(Found {
                span: SourceSpan::new((start + col).into(), 1),
                message: "a tab indents this line".into(),
                label: "tab",
                help: "YAML indents with spaces only: replace the tab with spaces",
            });
        }
        let code = line.trim();
        if ["|", ">", "|-", ">-", "|+", ">+"]
            .iter()
            .any(|m| code.ends_with(&format!(": {m}")))
        {
            block = Some(spaces);
        }
    }
    None
}

/// A value that opens a quote and does not close it on its line.
fn unclosed_quote(lines: &[Line<'_>]) -> Option<Found> {
    for l in lines {
        let t = l.text.trim_start_matches(' ').trim_start_matches("- ");
        let value = t.split_once(": ").map_or(t, |(_, v)| v);
        let value = value.trim_start();
        if let Some(open) = value.chars().next().filter(|c| *c == '[' || *c == '{') {
            let close = if open == '[' { ']' } else { '}' };
            if value.matches(open).count() > value.matches(close).count() {
                let col = l.text.len() - value.len();
                return Some(Found {
                    span: SourceSpan::new((l.offset + col).into(), 1),
                    message: format!("this `{open}` is not closed on its line"),
                    label: "opened here",
                    help: "close it on the same line, or write the list as `- item` lines",
                });
            }
        }
        let Some(q) = value.chars().next().filter(|c| *c == '\'' || *c == '"') else {
            continue;
        };
        let body = &value[1..];
        let closed = if q == '\'' {
            body.replace("''", "").contains('\'')
        } else {
            let mut escaped = false;
            body.chars().any(|c| {
                let close = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                close
            })
        };
        if !closed {
            let col = l.text.len() - value.len();
            return Some(Found {
                span: SourceSpan::new((l.offset + col).into(), value.len().max(1)),
                message: format!(
                    "this {} quote is not closed on its line",
                    if q == '\'' { "single" } else { "double" }
                ),
                label: "opened here",
                help: "close the quote on the same line (inside single quotes write '' for ')",
            });
        }
    }
    None
}

/// A line indented unlike its siblings: deeper than the line after it (which is not its
/// child), or at a depth no enclosing mapping has.
fn misindented(lines: &[Line<'_>]) -> Option<Found> {
    let mut stack: Vec<usize> = vec![0];
    for (i, l) in lines.iter().enumerate() {
        let parent = *stack.last().unwrap_or(&0);
        let bad = if l.indent > parent {
            let prev_opens = i > 0
                && (lines[i - 1].text.trim_end().ends_with(':')
                    || lines[i - 1].content > lines[i - 1].indent);
            let next = lines.get(i + 1).map(|n| n.indent);
            !prev_opens || next.is_some_and(|n| n > parent && n < l.indent)
        } else {
            while stack.last().is_some_and(|t| *t > l.indent) {
                stack.pop();
            }
            stack.last() != Some(&l.indent)
        };
        if bad {
            return Some(Found {
                span: SourceSpan::new((l.offset + l.indent).into(), l.text.len() - l.indent),
                message: format!("this line is indented by {} spaces, unlike the lines around it", l.indent),
                label: "wrongly indented",
                help: "indent every key of one mapping by the same number of spaces (children two more than their parent)",
            });
        }
        if stack.last() != Some(&l.indent) {
            stack.push(l.indent);
        }
        if l.content != l.indent {
            stack.push(l.content);
        }
    }
    None
}

/// The culprit of a failed parse, when one of the usual ones is present.
#[must_use]
pub fn culprit(text: &str) -> Option<Found> {
    let lines = structural(text);
    tab(text)
        .or_else(|| unclosed_quote(&lines))
        .or_else(|| misindented(&lines))
}

/// A value of the wrong type, worded for a person: the library says what it expected
/// (`expected sequence start`, `invalid type: map, expected a sequence`, `invalid u32`); what
/// was found is read from the source at the library's position (`at`: the text from there to
/// the end of its line, and the lines after it).
pub struct TypeMismatch {
    pub message: String,
    pub label: String,
    pub help: String,
}

/// What a serde / YAML type name means in a packet.yaml.
fn kind_words(t: &str) -> Option<&'static str> {
    let t = t.trim().trim_start_matches("a ").trim_start_matches("an ");
    Some(match t {
        "sequence" | "sequence start" | "seq" => "a list (`[a, b]`, or `- a` lines)",
        "string scalar" | "string" | "str" | "char" | "a string" => "one value (text)",
        "map" | "mapping" | "mapping start" | "struct" => "a mapping (`key: value` lines)",
        t if t.starts_with("struct ") || t.starts_with("map ") => "a mapping (`key: value` lines)",
        "u8" | "u16" | "u32" | "u64" | "i8" | "i16" | "i32" | "i64" | "integer" => "a whole number",
        "f32" | "f64" | "floating point" | "number" => "a number",
        "bool" | "boolean" => "true or false",
        _ => return None,
    })
}

/// What the source holds at the library's position.
fn found_at(at: &str) -> (String, bool) {
    let line = at.lines().next().unwrap_or("").trim_end();
    let code = line.split(" #").next().unwrap_or(line).trim();
    let next_indented = at
        .lines()
        .nth(1)
        .is_some_and(|n| n.trim_start().starts_with("- "));
    if code.starts_with('{') {
        return ("a mapping (`{...}`)".into(), false);
    }
    if code.starts_with('[') || code.starts_with("- ") || (code.is_empty() && next_indented) {
        return ("a list".into(), false);
    }
    if let Some((key, _)) = code
        .split_once(": ")
        .or_else(|| code.strip_suffix(':').map(|k| (k, "")))
    {
        // `own: 30` on its own line is a mapping entry; `own (x): y` inside a value is an
        // unquoted value that YAML splits at its `: `.
        let plain_key = key
            .trim_start_matches(['"', '\''])
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-');
        return (format!("a mapping (`{}: …`)", key.trim()), !plain_key);
    }
    let shown: String = code.chars().take(40).collect();
    (format!("the value `{shown}`"), false)
}

/// A type mismatch in the library's `message` at `at` (the source from its position on).
#[must_use]
pub fn type_mismatch(message: &str, at: &str) -> Option<TypeMismatch> {
    let wanted = if let Some(rest) = message.strip_prefix("expected ") {
        kind_words(rest)?
    } else if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (_, want) = rest.rsplit_once(", expected ")?;
        kind_words(want)?
    } else if let Some(rest) = message.strip_prefix("invalid ") {
        // `invalid u32`: a value that does not read as the number the field is.
        kind_words(rest.split_whitespace().next().unwrap_or(rest))?
    } else {
        return None;
    };
    let (found, split_value) = found_at(at);
    if split_value {
        return Some(TypeMismatch {
            message: format!(
                "expected {wanted} here, found {found}: an unquoted value with `: ` in it reads as `key: value`"
            ),
            label: "quote this value".into(),
            help: "put the value in quotes ('…'; inside single quotes write '' for ')".into(),
        });
    }
    let help = if wanted.starts_with("a list") && found.starts_with("a mapping") {
        "write the metric names as a list (`expect: [own, gap]`): spec v2 derives the expected values (the state after the seed), a v1 mapping of values is not read: docs/spec.md \"Migrating from v1\""
    } else {
        "write the value in the form docs/spec.md shows for this field"
    };
    Some(TypeMismatch {
        message: format!("expected {wanted} here, found {found}"),
        label: format!("{wanted} expected"),
        help: help.into(),
    })
}

/// Keys of spec v1 that v2 derives: stating them is a repeat, so the help says where the fact
/// lives now.
const V1_KEYS: [(&str, &str); 3] = [
    ("kind", "delete it: the role fixes the kind (preflight and verify read only, seed and rollback are transactions)"),
    ("final_state", "delete it: the final state is verify's expectation, the state after the seed"),
    ("open_when", "delete it: the human gate's open condition is the preflight gate's entry for its metric"),
];

/// The library's message in packetc's words (the position is the library's).
#[must_use]
pub fn translate(message: &str) -> (String, &'static str) {
    const FIX: &str = "fix the YAML here; docs/spec.md describes every field";
    if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        let key = rest.split(',').next().unwrap_or(rest).trim();
        return (
            format!("`{key}` appears twice in this mapping"),
            "keep one: a key may appear once per mapping",
        );
    }
    for (key, help) in V1_KEYS {
        if message.starts_with(&format!("unknown field `{key}`")) {
            return (format!("`{key}` is derived in spec v2"), help);
        }
    }
    if message.starts_with("unknown field") {
        return (
            message.to_owned(),
            "remove the key or fix its spelling; docs/spec.md lists every field",
        );
    }
    if message.starts_with("missing field") {
        return (
            message.to_owned(),
            "add the field; docs/spec.md lists every required field",
        );
    }
    if message.starts_with("invalid boolean") {
        return ("expected true or false here".to_owned(), FIX);
    }
    if message.starts_with("invalid type") || message.starts_with("invalid value") {
        return (message.to_owned(), FIX);
    }
    if message.contains("mapping values are not allowed") {
        return (
            "a `: ` where no `key: value` can start: an unquoted value with `: ` in it must be quoted, or the line is indented wrongly".to_owned(),
            "quote the value ('…'; inside single quotes write '' for '), or indent the line like its siblings",
        );
    }
    let plain = [
        ("unclosed quote", "a quote is not closed"),
        (
            "did not find expected",
            "this line breaks the structure around it: check its indentation",
        ),
        ("found a tab", "a tab where YAML expects spaces"),
        ("could not find expected ':'", "a key without `:`"),
        ("unclosed", "a bracket or quote is not closed"),
    ];
    for (needle, ours) in plain {
        if message.contains(needle) {
            return (ours.to_owned(), FIX);
        }
    }
    ("this is not valid YAML here".to_owned(), FIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = include_str!("../../packets/one-roof-ownership-seed/packet.yaml");

    #[test]
    fn type_mismatches_name_what_was_expected_and_found() {
        let t =
            type_mismatch("expected sequence start", "own: 30\n  gap: 0\n").expect("a mismatch");
        assert_eq!(
            t.message,
            "expected a list (`[a, b]`, or `- a` lines) here, found a mapping (`own: …`)"
        );
        let t = type_mismatch("invalid type: sequence, expected struct RawStep", "- a\n")
            .expect("a mismatch");
        assert_eq!(
            t.message,
            "expected a mapping (`key: value` lines) here, found a list"
        );
        let t = type_mismatch("invalid u32", "two\n").expect("a mismatch");
        assert_eq!(
            t.message,
            "expected a whole number here, found the value `two`"
        );
        assert!(type_mismatch("mapping values are not allowed in this context", "x").is_none());
        assert!(type_mismatch("invalid weirdness", "x").is_none());
    }

    #[test]
    fn the_bundled_spec_has_no_culprit() {
        assert!(culprit(SPEC).is_none(), "a valid file must show no culprit");
        let scaffold = include_str!("../../templates/new/packet.yaml");
        assert!(culprit(scaffold).is_none());
    }
}
