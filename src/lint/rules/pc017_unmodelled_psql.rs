//! ## What it does
//! Flags what psql (or the server) would do that changes how the rest of the script is read
//! or run, and that the linter does not model:
//! - psql commands on the allow-list's finding side (`docs/lint.md` lists every command):
//!   `\c`/`\connect`, `\encoding`, `\prompt`, `\password`, `\lo_import`, `\lo_unlink`,
//!   `\lo_export`, the editors (`\e`, `\ef`, `\ev`), and any command psql 15 does not know;
//! - `\setenv` of a `PG…` variable (`PGOPTIONS=-c session_replication_role=replica`,
//!   `PGCLIENTENCODING`, … take effect on the next connection);
//! - SQL that changes `standard_conforming_strings`, `client_encoding` (also `SET NAMES`) or
//!   `backslash_quote` (`SET`, `RESET`, `ALTER … SET`, `set_config`, in a body): psql and the
//!   server would read every later quote differently;
//! - an include (`\i`, `\ir`) after the script wrote a file (`\o FILE`, `\w FILE`,
//!   `\g FILE`, `\s FILE`, `\copy … to FILE`, `COPY … TO 'file'`) or changed directory
//!   (`\cd`): the file included may be one the script wrote, not the one on disk now.
//!
//! ## Why is this bad?
//! The linter reads the script as psql 15 would with the settings it starts with. After
//! `SET standard_conforming_strings = off`, `'\';DELETE FROM system_issues;--'` is a string
//! for the linter but a DELETE for the server.
//!
//! ## Example
//! ```sql
//! SET standard_conforming_strings = off;
//! SELECT 'a\'; DELETE FROM system_issues; --';
//! ```
//!
//! ## Use instead
//! Leave the session settings alone, connect once (the channel does), and keep includes to
//! files that are part of the packet.

use super::Rule;
use crate::lint::engine::Engine;
use crate::lint::finding::{Pos, Severity};
use crate::lint::scan::{Meta, Stmt};
use crate::lint::slash::{handling, Handling};

/// Registry entry.
pub const RULE: Rule = Rule {
    code: "PC017",
    name: "unmodelled-psql",
    summary: "A psql command or session setting changes how the rest of the script is read or run.",
    severity: Severity::Error,
    source: include_str!("pc017_unmodelled_psql.rs"),
    fail_closed: true,
};

/// Settings that change how psql and the server split and read SQL text.
const LEXING_SETTINGS: &[&str] = &[
    "standard_conforming_strings",
    "client_encoding",
    "backslash_quote",
];

/// ASCII case-insensitive substring test (no allocation: it runs on every statement).
fn contains_ci(hay: &str, needle: &str) -> bool {
    crate::lint::names::contains_ci(hay.as_bytes(), needle.as_bytes())
}

/// The statement's first word and second word, as written.
fn first_words(sql: &str) -> (&str, &str) {
    let mut words = sql
        .trim_start_matches(|c: char| c.is_whitespace() || c == '(')
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty());
    (words.next().unwrap_or(""), words.next().unwrap_or(""))
}

/// The lexing setting a statement may change (`None`: it changes none).
#[must_use]
pub fn lexing_setting(sql: &str) -> Option<&'static str> {
    // Cheap first: the first words (compared in place, run on every statement), then at most
    // one pass for `set_config`.
    let (first, second) = first_words(sql);
    let is = |w: &str, k: &str| w.eq_ignore_ascii_case(k);
    let may_set = ["set", "reset", "alter", "do", "create", "call"]
        .iter()
        .any(|k| is(first, k))
        || contains_ci(sql, "set_config");
    if !may_set {
        return None;
    }
    if is(first, "set") && is(second, "names") {
        return Some("client_encoding");
    }
    if is(first, "reset") && is(second, "all") {
        return Some("client_encoding");
    }
    let hit = LEXING_SETTINGS
        .iter()
        .copied()
        .find(|s| contains_ci(sql, s))?;
    (!sets_the_default(&sql.to_ascii_lowercase())).then_some(hit)
}

/// `SET [SESSION|LOCAL] standard_conforming_strings {=|TO} on` keeps the lexing the linter
/// assumes (packets set it first thing).
fn sets_the_default(lower: &str) -> bool {
    let w: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || c == '=' || c == ';')
        .filter(|w| !w.is_empty())
        .filter(|w| !matches!(*w, "session" | "local" | "to"))
        .collect();
    matches!(
        w.as_slice(),
        ["set", "standard_conforming_strings", v] if matches!(v.trim_matches('\''), "on" | "true" | "1" | "yes")
    )
}

/// Whether a statement writes a file on the database host (`COPY … TO 'file'`).
fn copy_to_file(sql: &str) -> bool {
    let t = sql.trim_start();
    if !t.get(..4).is_some_and(|w| w.eq_ignore_ascii_case("copy")) {
        return false;
    }
    let lower = t.to_ascii_lowercase();
    let w: Vec<&str> = lower.split_whitespace().collect();
    w.windows(2)
        .any(|p| p[0] == "to" && (p[1].starts_with('\'') || p[1].starts_with("e'")))
}

/// Check a top-level statement (its edited text is `sql`).
pub fn check_stmt(e: &mut Engine, s: &Stmt, sql: &str, pos: Pos) {
    if let Some(name) = lexing_setting(sql) {
        let len = e.text[s.start..s.end].chars().count().min(80);
        e.report(
            &RULE,
            pos,
            len,
            format!(
                "changes {name}, which changes how psql and the server read the rest of the script"
            ),
            "leave the session's lexing settings alone",
            None,
        );
    }
    if copy_to_file(sql) {
        e.note_file_write(pos, "COPY … TO a file");
    }
}

/// Check a psql command.
pub fn check_meta(e: &mut Engine, m: &Meta) {
    let pos = e.idx.pos(m.start);
    let len = e.text[m.start..m.end].chars().count();
    let name = m.name.as_str();
    match handling(name) {
        // `\!` and `\gexec` are PC013's.
        Handling::Finding(_) if matches!(name, "!" | "gexec") => {}
        Handling::Finding(why) => e.report(
            &RULE,
            pos,
            len,
            format!("\\{name} {why}"),
            "remove it: the linter cannot prove what runs after it",
            None,
        ),
        Handling::Modelled(_) => {}
    }
    let first = m.argv.first().map(String::as_str);
    match name {
        "setenv" if first.is_some_and(|v| v.starts_with("PG")) => e.report(
            &RULE,
            pos,
            len,
            format!(
                "\\setenv {} changes how psql connects (options, encoding, server)",
                first.unwrap_or_default()
            ),
            "remove it",
            None,
        ),
        "o" | "out" | "w" | "write" | "s" if first.is_some() && !m.pipe => {
            e.note_file_write(pos, &format!("\\{name} {}", first.unwrap_or_default()));
        }
        "g" | "gx"
            if !m.pipe
                && m.argv
                    .iter()
                    .any(|a| !a.starts_with('(') && !a.ends_with(')')) =>
        {
            e.note_file_write(pos, &format!("\\{name} FILE"));
        }
        "cd" => e.note_file_write(pos, "\\cd"),
        "copy" => {
            let lower = m.args.to_ascii_lowercase();
            let w: Vec<&str> = lower.split_whitespace().collect();
            let to_file = w.windows(2).any(|p| {
                p[0] == "to"
                    && !matches!(p[1], "stdout" | "pstdout")
                    && !p[1].starts_with("program")
            });
            if to_file {
                e.note_file_write(pos, "\\copy … to FILE");
            }
        }
        "i" | "include" | "ir" | "include_relative" => {
            if let Some((what, at)) = e.file_write.clone() {
                e.report(
                    &RULE,
                    pos,
                    len,
                    format!(
                        "\\{name} after {what} (line {}): the file included may not be the one on disk now",
                        at.line
                    ),
                    "include only files that are part of the packet, before any file is written",
                    None,
                );
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::rules::testing::{lint_errors, lint_ok};

    #[test]
    fn lexing_settings_and_side_doors_are_findings() {
        lint_errors("SET standard_conforming_strings = off;", "PC017");
        lint_errors("SET NAMES 'SQL_ASCII';", "PC017");
        lint_errors(
            "SELECT set_config('backslash_quote', 'on', false);",
            "PC017",
        );
        lint_errors("ALTER ROLE r SET client_encoding = 'SJIS';", "PC017");
        lint_errors("\\encoding SJIS", "PC017");
        lint_errors(
            "\\setenv PGOPTIONS '-c session_replication_role=replica'",
            "PC017",
        );
        lint_errors("\\c directus", "PC017");
        lint_errors("\\prompt 'x' v", "PC017");
        lint_errors("\\bind 1", "PC017");
        lint_errors("\\o /tmp/x.sql\nSELECT 1;\n\\o\n\\i /tmp/x.sql", "PC017");
    }

    #[test]
    fn reading_settings_and_harmless_commands_pass() {
        lint_ok("SHOW client_encoding;");
        lint_ok(
            "SET standard_conforming_strings = on;\nSET LOCAL standard_conforming_strings TO 'on';",
        );
        lint_ok("SELECT current_setting('standard_conforming_strings');");
        lint_ok("\\setenv LC_ALL C\n\\echo hi\n\\pset null x\n\\timing on");
        lint_ok("\\o /tmp/out.txt\nSELECT 1;\n\\o");
    }
}
