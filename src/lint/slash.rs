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

/// What the linter does with a psql command: it either models it completely or reports it
/// (an allow-list: a command not listed here is reported).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handling {
    /// Modelled; the text says how.
    Modelled(&'static str),
    /// Always a finding (PC013 or PC017); the text says why.
    Finding(&'static str),
}

use ArgKind::{FilePipe as FP, Normal as N, WholeLine as WL};
use Handling::{Finding as F, Modelled as M};

const PRINTS: Handling = M("prints; runs nothing");
const FORMAT: Handling = M("output format only");
const READS: Handling = M("psql runs read-only catalog queries");
const SENDS: Handling = M("sends the query buffer; the statement is analysed");
const EDITOR: Handling = F("opens an editor: the text that runs is not in the script (PC017)");
const OUTFILE: Handling = M(
    "writes query output to a file (a later `\\i`/`\\ir` is then a finding: it may run \
     what the script wrote); `|command` is a shell command (PC013)",
);

/// The commands psql 15 knows: how each reads its arguments and how the linter handles it.
/// A name not listed is an "invalid command" for psql 15, which then discards the rest of
/// the line — and may be a real command of a newer psql (`\\bind`): a finding.
pub const COMMANDS: &[(&str, ArgKind, Handling)] = &[
    ("!", WL, F("runs a shell command (PC013)")),
    ("?", N, PRINTS),
    ("a", N, FORMAT),
    ("C", N, FORMAT),
    ("c", N, F("connects again, possibly elsewhere or with other options (`options=-c …`) (PC017)")),
    ("cd", N, M("changes the directory `\\i` resolves against (a later `\\i`/`\\ir` is a finding)")),
    ("connect", N, F("connects again, possibly elsewhere or with other options (`options=-c …`) (PC017)")),
    ("conninfo", N, PRINTS),
    ("copy", WL, M("`from` is analysed as `COPY … FROM STDIN` (a write), data lines skipped; `to` reads; `program` is PC013; a file it writes makes a later include a finding")),
    ("copyright", N, PRINTS),
    ("crosstabview", N, SENDS),
    ("d", N, READS),
    ("e", N, EDITOR),
    ("echo", N, PRINTS),
    ("edit", N, EDITOR),
    ("ef", WL, EDITOR),
    ("elif", N, M("every branch is analysed; constant conditions decide what psql sends")),
    ("else", N, M("every branch is analysed")),
    ("encoding", N, F("changes client_encoding, which changes how psql and the server read the rest (PC017)")),
    ("endif", N, M("ends an `\\if`")),
    ("errverbose", N, PRINTS),
    ("ev", WL, EDITOR),
    ("f", N, FORMAT),
    ("g", FP, M("sends the query buffer (the previous one when empty), analysed; a FILE argument is written (see `\\o`), `|command` is PC013")),
    ("gdesc", N, M("only asks the server to describe the buffer: nothing is executed, nothing is analysed")),
    ("gexec", N, F("runs the query's results as SQL (PC013)")),
    ("gset", N, M("sends the query buffer, analysed; the variables it sets are unknown (raw use is PC016)")),
    ("gx", FP, M("as `\\g`")),
    ("H", N, FORMAT),
    ("h", WL, PRINTS),
    ("help", WL, PRINTS),
    ("html", N, FORMAT),
    ("i", N, M("the file is linted as part of the script (PC015 when it cannot be read)")),
    ("if", N, M("every branch is analysed; constant conditions decide what psql sends")),
    ("include", N, M("as `\\i`")),
    ("include_relative", N, M("as `\\ir`")),
    ("ir", N, M("the file, relative to the script, is linted as part of it (PC015 when it cannot be read)")),
    ("l", N, READS),
    ("l+", N, READS),
    ("list", N, READS),
    ("list+", N, READS),
    ("lo_export", N, F("writes a large object to a client file (PC017)")),
    ("lo_import", N, F("creates a large object: a write (PC017)")),
    ("lo_list", N, READS),
    ("lo_list+", N, READS),
    ("lo_unlink", N, F("deletes a large object: a write (PC017)")),
    ("o", FP, OUTFILE),
    ("out", FP, OUTFILE),
    ("p", N, PRINTS),
    ("password", N, F("changes a role's password: a write (PC017)")),
    ("print", N, PRINTS),
    ("prompt", N, F("reads a line from stdin, which is the script itself on the channel: it changes what psql reads next (PC017)")),
    ("pset", N, FORMAT),
    ("q", N, M("psql stops; the rest is analysed anyway")),
    ("qecho", N, PRINTS),
    ("quit", N, M("as `\\q`")),
    ("r", N, M("psql drops the query buffer: that text is never sent and not analysed")),
    ("reset", N, M("as `\\r`")),
    ("s", N, OUTFILE),
    ("set", N, M("psql variables; `ON_ERROR_STOP` is tracked, values are not (raw `:name` is PC016)")),
    ("setenv", N, M("environment for `\\!` and new connections: a `PG…` variable is a finding (PC017)")),
    ("sf", WL, READS),
    ("sf+", WL, READS),
    ("sv", WL, READS),
    ("sv+", WL, READS),
    ("t", N, FORMAT),
    ("T", N, FORMAT),
    ("timing", N, FORMAT),
    ("unset", N, M("as `\\set`")),
    ("w", FP, OUTFILE),
    ("warn", N, PRINTS),
    ("watch", N, SENDS),
    ("write", FP, OUTFILE),
    ("x", N, FORMAT),
    ("z", N, READS),
];

/// How the linter handles command `name`.
#[must_use]
pub fn handling(name: &str) -> Handling {
    if let Some((_, _, h)) = COMMANDS.iter().find(|(n, _, _)| *n == name) {
        return *h;
    }
    if is_describe(name) {
        return READS;
    }
    F("not a psql 15 command: psql 15 drops the line, a newer psql may run it (PC017)")
}

/// Whether psql 15 knows command `name` (an unknown one is an error psql reports and skips,
/// with the rest of its line).
#[must_use]
pub fn is_command(name: &str) -> bool {
    COMMANDS.iter().any(|(n, _, _)| *n == name) || is_describe(name)
}

/// The allow-list as a Markdown table (generated into `docs/lint.md`).
#[must_use]
pub fn commands_markdown() -> String {
    let mut out = String::from("| command | arguments | the linter |\n|---|---|---|\n");
    let row = |out: &mut String, name: &str, k: ArgKind, h: Handling| {
        let kind = match k {
            ArgKind::Normal => "normal",
            ArgKind::FilePipe => "file or `|pipe`",
            ArgKind::WholeLine => "whole line",
        };
        let (class, text) = match h {
            Handling::Modelled(t) => ("modelled", t),
            Handling::Finding(t) => ("**finding**", t),
        };
        out.push_str(&format!("| `\\{name}` | {kind} | {class}: {text} |\n"));
    };
    for (name, k, h) in COMMANDS {
        row(&mut out, name, *k, *h);
    }
    row(&mut out, "d…", ArgKind::Normal, READS);
    row(
        &mut out,
        "anything else",
        ArgKind::WholeLine,
        handling("bind"),
    );
    out
}

/// `\\d…` describe commands (`\\dt`, `\\dconfig+`, …) all read normal arguments.
fn is_describe(name: &str) -> bool {
    name.starts_with('d')
        && name.len() <= 8
        && name.bytes().all(|c| c.is_ascii_alphabetic() || c == b'+')
}

/// How psql reads the arguments of `name`; `None` for a command psql does not know.
#[must_use]
pub fn arg_kind(name: &str) -> Option<ArgKind> {
    if let Some((_, k, _)) = COMMANDS.iter().find(|(n, _, _)| *n == name) {
        return Some(*k);
    }
    is_describe(name).then_some(ArgKind::Normal)
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

/// The words of a `\copy` argument as psql's `parse_slash_copy` sees them: whitespace
/// separates words, and `(`, `)`, `,` and `.` are words of their own (so `t(a)from stdin`
/// holds `from`), quoted text staying one word. Lowercased.
#[must_use]
pub fn copy_words(args: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for c in args.chars() {
        if let Some(q) = quote {
            cur.push(c);
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => {
                cur.push(c);
                quote = Some(c);
            }
            '(' | ')' | ',' | '.' => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                out.push(c.to_string());
            }
            c if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c.to_ascii_lowercase()),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod copy_words_tests {
    #[test]
    fn no_space_is_needed_around_a_column_list() {
        let w = super::copy_words("measurements(city,logdate)FROM stdin");
        assert!(
            w.windows(2).any(|p| p[0] == "from" && p[1] == "stdin"),
            "{w:?}"
        );
        let q = super::copy_words("\"from\" to 'from stdin'");
        assert!(!q.iter().any(|x| x == "from"), "{q:?}");
    }
}
