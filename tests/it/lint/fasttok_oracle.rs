//! sqlparser's own tokenizer as the oracle for the linter's fast tokenizer
//! ([`packetc::lint::fasttok`]): on every statement of the linter's corpora, the bundled
//! packets and PostgreSQL's regression SQL (cut by packetc's psql splitter, and the
//! statements inside their dollar-quoted bodies), whatever the fast path reads must be token
//! for token, span for span, what sqlparser's tokenizer makes of it. It must also read most
//! of them: a fast path that declined everything would pass the comparison and save nothing.
//!
//! The regression SQL is `PACKETC_PG_REGRESS` (default
//! `~/.cache/packetc/pglast-8.8/libpg_query/test/sql`, installed by `.ci/run`); with CI=true a
//! missing directory fails the test.

use std::path::{Path, PathBuf};

use crate::common::sql_files;
use packetc::lint::fasttok;
use packetc::lint::scan::{edited, Item, Scanner};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::Tokenizer;

/// The texts between matching dollar tags (`$$…$$`, `$body$…$body$`) of a statement.
fn dollar_bodies(sql: &str) -> Vec<&str> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(n) = memchr::memchr(b'$', &b[i..]) {
        let open = i + n;
        let tag_end = b[open + 1..]
            .iter()
            .position(|&c| !(c.is_ascii_alphanumeric() || c == b'_'))
            .map(|k| open + 1 + k);
        match tag_end {
            Some(t) if b[t] == b'$' && !b[open + 1].is_ascii_digit() => {
                let tag = &sql[open..=t];
                match sql[t + 1..].find(tag) {
                    Some(k) => {
                        out.push(&sql[t + 1..t + 1 + k]);
                        i = t + 1 + k + tag.len();
                    }
                    None => break,
                }
            }
            _ => i = open + 1,
        }
    }
    out
}

/// (statements compared, statements the fast path read), and the first disagreement.
fn check(sql: &str, counts: &mut (usize, usize), bad: &mut Vec<String>) {
    counts.0 += 1;
    let mut fast = Vec::new();
    if !fasttok::tokenize(sql, &mut fast) {
        return;
    }
    counts.1 += 1;
    match Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize_with_location() {
        Ok(slow) if slow == fast => {}
        Ok(slow) => {
            let at = fast.iter().zip(&slow).position(|(a, b)| a != b);
            bad.push(format!(
                "{sql:?}: token {at:?}: fast {:?}, sqlparser {:?} ({} vs {} tokens)",
                at.and_then(|i| fast.get(i)),
                at.and_then(|i| slow.get(i)),
                fast.len(),
                slow.len()
            ));
        }
        Err(e) => bad.push(format!(
            "{sql:?}: the fast path read what sqlparser rejects: {e}"
        )),
    }
}

/// Print what was compared and fail on any disagreement.
fn assert_agreed(what: &str, counts: (usize, usize), bad: &[String]) {
    println!(
        "fast tokenizer, {what}: {} statements, {} read by the fast path, {} disagreements",
        counts.0,
        counts.1,
        bad.len()
    );
    assert!(
        bad.is_empty(),
        "{} disagreements, first: {}",
        bad.len(),
        bad[0]
    );
}

#[test]
fn the_fast_tokenizer_agrees_with_sqlparsers_on_every_corpus_statement() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sql_files(&root.join("tests/corpus"), &mut files);
    sql_files(&root.join("packets"), &mut files);
    let regress = std::env::var_os("PACKETC_PG_REGRESS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".into()))
                .join(".cache/packetc/pglast-8.8/libpg_query/test/sql")
        });
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    assert!(
        regress.is_dir() || !ci,
        "PostgreSQL's regression SQL is missing at {} (.ci/run installs it)",
        regress.display()
    );
    sql_files(&regress, &mut files);
    let (mut counts, mut bad) = ((0, 0), Vec::new());
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue; // not UTF-8: the linter reports it before tokenizing
        };
        for it in Scanner::new(&text, true) {
            let Item::Stmt(s) = it else { continue };
            if s.blank {
                continue;
            }
            let sql = edited(&text, &s);
            check(&sql, &mut counts, &mut bad);
            for body in dollar_bodies(&sql) {
                for it in Scanner::new(body, false) {
                    if let Item::Stmt(s) = it {
                        check(&body[s.start..s.end], &mut counts, &mut bad);
                    }
                }
            }
        }
    }
    let share = 100.0 * counts.1 as f64 / counts.0.max(1) as f64;
    let what = format!("{} files", files.len());
    assert_agreed(&what, counts, &bad);
    // 95 % when written: a fast path that stopped reading most statements saves nothing.
    assert!(
        share >= 90.0,
        "the fast path read only {share:.1} % of the statements"
    );
}

/// Random statements from the pieces the fast path reads and the ones next to them that it
/// must leave alone (operators it does not know, decimals, prefixed strings, comments, …),
/// glued with and without spaces: 20,000 of them, fixed seed (printed), compared the same way.
#[test]
fn the_fast_tokenizer_agrees_with_sqlparsers_on_random_statements() {
    // Pieces next to them that the fast path must leave to sqlparser (or read around).
    const OTHER: &[&str] = &[
        "u", "n", "q", "0", "!", "|", ":", "->", "=>", "@", "#", ";", "'", "\"", "$", "$$", "--",
        "/*", "*/", "  ", "\r", "\\", "e'", "E'\\n'", "U&'", "1e5", "10L", "0x1f", "1_0", "$t$",
        "<->", "~*", "@>",
    ];
    // Pieces the fast path reads, for half the statements (so that most of them reach it).
    const READ: &[&str] = &[
        "select",
        "FROM",
        "t",
        "s.t",
        "_x$1",
        "e",
        "b",
        "x",
        "1",
        "42",
        ",",
        "(",
        ")",
        "[",
        "]",
        "*",
        "+",
        "-",
        "/",
        "%",
        "<",
        ">",
        "=",
        "::",
        "<=",
        ">=",
        "<>",
        "!=",
        "||",
        "'a''b'",
        "'x'",
        "''",
        "\"Q\"\"q\"",
        "$1",
        "$tag$ body $tag$",
        "$$ a $$",
        "-- c\n",
        " ",
        "\t",
        "\n",
        "1.5",
        "2.",
        "t1.a",
        ".",
        ":=",
        "->",
        "->>",
        "~",
        "é",
        "café",
        "'a\\b'",
        "\"é\"",
        "$é",
    ];
    let all: Vec<&str> = READ.iter().chain(OTHER).copied().collect();
    let seed: u64 = 0x5eed_2026_1201;
    println!("seed {seed:#x}");
    let mut state = seed;
    let mut next = move || {
        // xorshift64*: deterministic, no dependency.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let (mut counts, mut bad) = ((0, 0), Vec::new());
    for _ in 0..20_000 {
        let n = 1 + (next() % 12) as usize;
        let pieces: &[&str] = if next() % 2 == 0 { &all } else { READ };
        let mut sql = String::new();
        for _ in 0..n {
            sql.push_str(pieces[(next() % pieces.len() as u64) as usize]);
            if next() % 3 != 0 {
                sql.push(' ');
            }
        }
        check(&sql, &mut counts, &mut bad);
    }
    assert_agreed("random", counts, &bad);
    assert!(
        counts.1 >= 5_000,
        "the fast path read only {} random statements",
        counts.1
    );
}
