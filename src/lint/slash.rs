//! psql's backslash-command lexer (what `psqlscanslash.l` does), for one command.
//!
//! psql reads a script line by line. A backslash outside quotes and comments starts a command;
//! its name runs to the next whitespace or backslash. The command then reads its arguments from
//! the rest of the **same line**, by kind:
//! - whole line (`\!`, `\copy`, `\sf`, …, and any unknown command, whose line is thrown away):
//!   everything to the end of the line;
//! - file or pipe (`\o`, `\g`, `\w`, …): like normal, except that a first argument starting
//!   with `|` takes the whole line;
//! - normal (everything else): arguments separated by whitespace, each possibly quoted (`'…'`
//!   with backslash escapes, `"…"`, `` `…` ``); an unquoted backslash ends them.
//!
//! After the arguments a `\\` is swallowed and lexing returns to SQL on the same line; any
//! other backslash starts the next command. So one line may hold several commands, and SQL
//! may follow a command on its line.

/// How a command reads its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    /// Whitespace-separated, possibly quoted arguments, up to an unquoted backslash.
    Normal,
    /// Like `Normal`, but `|…` as the first argument is a pipe taking the rest of the line.
    FilePipe,
    /// The rest of the line.
    WholeLine,
}

/// The commands psql 15 knows, with how each reads its arguments. A name not listed is an
/// "invalid command" for psql, which then discards the rest of the line.
const COMMANDS: &[(&str, ArgKind)] = &[
    ("!", ArgKind::WholeLine),
    ("?", ArgKind::Normal),
    ("a", ArgKind::Normal),
    ("C", ArgKind::Normal),
    ("c", ArgKind::Normal),
    ("cd", ArgKind::Normal),
    ("connect", ArgKind::Normal),
    ("conninfo", ArgKind::Normal),
    ("copy", ArgKind::WholeLine),
    ("copyright", ArgKind::Normal),
    ("crosstabview", ArgKind::Normal),
    ("e", ArgKind::Normal),
    ("echo", ArgKind::Normal),
    ("edit", ArgKind::Normal),
    ("ef", ArgKind::WholeLine),
    ("elif", ArgKind::Normal),
    ("else", ArgKind::Normal),
    ("encoding", ArgKind::Normal),
    ("endif", ArgKind::Normal),
    ("errverbose", ArgKind::Normal),
    ("ev", ArgKind::WholeLine),
    ("f", ArgKind::Normal),
    ("g", ArgKind::FilePipe),
    ("gdesc", ArgKind::Normal),
    ("gexec", ArgKind::Normal),
    ("gset", ArgKind::Normal),
    ("gx", ArgKind::FilePipe),
    ("H", ArgKind::Normal),
    ("h", ArgKind::WholeLine),
    ("help", ArgKind::WholeLine),
    ("html", ArgKind::Normal),
    ("i", ArgKind::Normal),
    ("if", ArgKind::Normal),
    ("include", ArgKind::Normal),
    ("include_relative", ArgKind::Normal),
    ("ir", ArgKind::Normal),
    ("l", ArgKind::Normal),
    ("l+", ArgKind::Normal),
    ("list", ArgKind::Normal),
    ("list+", ArgKind::Normal),
    ("lo_export", ArgKind::Normal),
    ("lo_import", ArgKind::Normal),
    ("lo_list", ArgKind::Normal),
    ("lo_list+", ArgKind::Normal),
    ("lo_unlink", ArgKind::Normal),
    ("o", ArgKind::FilePipe),
    ("out", ArgKind::FilePipe),
    ("p", ArgKind::Normal),
    ("password", ArgKind::Normal),
    ("print", ArgKind::Normal),
    ("prompt", ArgKind::Normal),
    ("pset", ArgKind::Normal),
    ("q", ArgKind::Normal),
    ("qecho", ArgKind::Normal),
    ("quit", ArgKind::Normal),
    ("r", ArgKind::Normal),
    ("reset", ArgKind::Normal),
    ("s", ArgKind::Normal),
    ("set", ArgKind::Normal),
    ("setenv", ArgKind::Normal),
    ("sf", ArgKind::WholeLine),
    ("sf+", ArgKind::WholeLine),
    ("sv", ArgKind::WholeLine),
    ("sv+", ArgKind::WholeLine),
    ("t", ArgKind::Normal),
    ("T", ArgKind::Normal),
    ("timing", ArgKind::Normal),
    ("unset", ArgKind::Normal),
    ("w", ArgKind::FilePipe),
    ("warn", ArgKind::Normal),
    ("watch", ArgKind::Normal),
    ("write", ArgKind::FilePipe),
    ("x", ArgKind::Normal),
    ("z", ArgKind::Normal),
];

/// How psql reads the arguments of `name`; `None` for a command psql does not know.
#[must_use]
pub fn arg_kind(name: &str) -> Option<ArgKind> {
    if let Some((_, k)) = COMMANDS.iter().find(|(n, _)| *n == name) {
        return Some(*k);
    }
    // `\d…` describe commands all read normal arguments.
    if name.starts_with('d')
        && name.len() <= 6
        && name
            .bytes()
            .all(|c| c.is_ascii_alphabetic() || c == b'+' || c == b'S')
    {
        return Some(ArgKind::Normal);
    }
    None
}

/// One lexed backslash command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lexed {
    /// The name (without the backslash).
    pub name: String,
    /// Its arguments as psql would see them (quotes resolved, variables not interpolated).
    pub args: Vec<String>,
    /// Whether an argument used backquotes (a shell command psql runs).
    pub backquote: bool,
    /// Whether the first argument is a pipe (`|cmd`).
    pub pipe: bool,
    /// The byte offset where the command ends (before a swallowed `\\`).
    pub end: usize,
    /// The byte offset where SQL lexing resumes (after a swallowed `\\`).
    pub resume: usize,
    /// psql does not know the command (it reports an error and drops the rest of the line).
    pub unknown: bool,
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

/// Lex the command whose backslash is at `start`; `line_end` is the end of its line (the
/// offset of the `\n`, or the end of the text).
#[must_use]
pub fn lex(text: &str, start: usize, line_end: usize) -> Lexed {
    let b = text.as_bytes();
    let mut p = start + 1;
    while p < line_end && !is_space(b[p]) && b[p] != b'\\' {
        p += 1;
    }
    // Never split a UTF-8 character (the name is bytes to psql, text to us).
    while !text.is_char_boundary(p) {
        p += 1;
    }
    let name = text[start + 1..p].to_string();
    let kind = arg_kind(&name);
    let mut out = Lexed {
        name,
        args: Vec::new(),
        backquote: false,
        pipe: false,
        end: line_end,
        resume: line_end,
        unknown: kind.is_none(),
    };
    let kind = kind.unwrap_or(ArgKind::WholeLine);
    if kind == ArgKind::WholeLine {
        let rest = text[p..line_end].trim_start_matches([' ', '\t', '\n', '\r', '\x0c']);
        if !rest.is_empty() {
            out.backquote = rest.contains('`') && matches!(out.name.as_str(), "copy");
            out.args.push(rest.to_string());
        }
        return out;
    }
    let mut first = true;
    loop {
        while p < line_end && is_space(b[p]) {
            p += 1;
        }
        if p >= line_end || b[p] == b'\\' {
            break;
        }
        if first && kind == ArgKind::FilePipe && b[p] == b'|' {
            out.pipe = true;
            out.args.push(text[p..line_end].to_string());
            return out;
        }
        first = false;
        let mut arg = String::new();
        while p < line_end && !is_space(b[p]) && b[p] != b'\\' {
            match b[p] {
                q @ (b'\'' | b'"' | b'`') => {
                    if q == b'`' {
                        out.backquote = true;
                    }
                    if q == b'"' {
                        arg.push('"');
                    }
                    p += 1;
                    let body_start = p;
                    let mut closed = false;
                    while p < line_end {
                        let c = b[p];
                        if q == b'\'' && c == b'\\' && p + 1 < line_end {
                            p += 2;
                            continue;
                        }
                        if c == q {
                            if q == b'\'' && b.get(p + 1) == Some(&b'\'') && p + 1 < line_end {
                                p += 2;
                                continue;
                            }
                            closed = true;
                            break;
                        }
                        p += 1;
                    }
                    let body_end = p.min(line_end);
                    arg.push_str(&unquote(&text[body_start..body_end], q));
                    if closed {
                        if q == b'"' {
                            arg.push('"');
                        }
                        p += 1;
                    } else {
                        // An unterminated quote runs to the end of the line (psql: error).
                        p = line_end;
                    }
                }
                _ => {
                    let ch = text[p..].chars().next().map_or(1, char::len_utf8);
                    arg.push_str(&text[p..p + ch]);
                    p += ch;
                }
            }
        }
        out.args.push(arg);
    }
    out.end = p;
    out.resume = if text[p..line_end].starts_with("\\\\") {
        p + 2
    } else {
        p
    };
    out
}

fn unquote(body: &str, q: u8) -> String {
    if q != b'\'' {
        return body.to_string();
    }
    let mut out = String::with_capacity(body.len());
    let mut it = body.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '\'' if it.peek() == Some(&'\'') => {
                it.next();
                out.push('\'');
            }
            '\\' => match it.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('b') => out.push('\u{8}'),
                Some('f') => out.push('\u{c}'),
                Some(o) => out.push(o),
                None => {}
            },
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(t: &str) -> Lexed {
        let e = t.find('\n').unwrap_or(t.len());
        lex(t, 0, e)
    }

    #[test]
    fn commands_end_where_psql_ends_them() {
        let x = l("\\set a 1\\set b 2");
        assert_eq!(
            (x.name.as_str(), x.args.clone(), x.end),
            ("set", vec!["a".into(), "1".into()], 8)
        );
        let x = l("\\echo 'a \\' b' \\\\ select 1;");
        assert_eq!(x.args, vec!["a ' b".to_string()]);
        assert_eq!(&"\\echo 'a \\' b' \\\\ select 1;"[x.resume..], " select 1;");
        let x = l("\\o |cat \\\\ x");
        assert!(x.pipe && x.resume == 12);
        let x = l("\\bogus a \\\\ b");
        assert!(x.unknown && x.resume == 13);
        let x = l("\\! echo \\\\ x");
        assert_eq!(x.args, vec!["echo \\\\ x".to_string()]);
    }
}
