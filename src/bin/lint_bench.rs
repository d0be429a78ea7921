//! Benchmark of `packetc lint` (not a timed test).
//!
//! `cargo run --release --features bench --bin lint_bench [MiB]` generates a realistic script (DML, DO blocks,
//! psql meta-commands, COPY data; default 10 MiB) and reports, each measured in a fresh child
//! process so that peak memory (VmHWM) belongs to one measurement (best of three runs):
//!
//! - `lint`: the full linter, one thread;
//! - `split+parse`: the linter's statement splitter feeding sqlparser's own tokenizer and
//!   parser, no analysis (what the linter would cost without its analysis and fast tokenizer);
//! - `bare parse`: sqlparser alone, as its users run it: one `Parser` over the whole input,
//!   `parse_statement` in a loop, skipping to the next `;` on error;
//! - linearity: `lint` at 1/4, 1/2 and all of the input;
//! - parallel: several files linted by `packetc lint`'s worker pool (wall clock).
//!
//! `lint_bench --gen PATH MIB` writes the generated input (for profiling);
//! `lint_bench --child lint|split|bare PATH` runs one measurement (PATH a file, or a directory
//! of `*.sql` files such as PostgreSQL's regression SQL);
//! `lint_bench --vs-bare PATH [RUNS]` compares lint and bare parse in interleaved runs;
//! `lint_bench --vs-squawk DIR [RUNS]` times `packetc lint` and squawk side by side on the
//! `*.sql` files of DIR (e.g. PostgreSQL's regression SQL; see `vs_squawk.rs`).

use std::io::Write;
use std::process::Command;
use std::time::Instant;

use packetc::lint::scan::{edited, Item, Scanner};
use packetc::lint::{lint_source, Policy};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};

#[path = "lint_bench/vs_squawk.rs"]
mod vs_squawk;

fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// A deterministic, realistic packet-like script of about `bytes` bytes.
fn generate(bytes: usize) -> String {
    let mut s = String::with_capacity(bytes + 4096);
    s.push_str(
        "\\set ON_ERROR_STOP on\n\\set VERBOSITY verbose\nSET standard_conforming_strings = on;\n",
    );
    let mut i = 0u64;
    while s.len() < bytes {
        i += 1;
        let k = i % 9;
        match k {
            0 => s.push_str(&format!(
                "\\echo 'step {i}'\n\\if :{{?ratified_apr}}\n\\else\n  \\echo 'missing'\n\\endif\nSELECT set_config('packetc.ratified_apr', :'ratified_apr', false) AS ratified_apr;\n"
            )),
            1 => s.push_str(&format!(
                "-- gate {i}\nSELECT count(*) AS n FROM governance_object_ownership o JOIN governance_scopes s ON s.scope_key = o.scope_key WHERE o.created_by = 'F6_{i}' AND s.scope_key <> 'x{i}';\n"
            )),
            2 => {
                s.push_str("INSERT INTO governance_object_ownership (object_kind, object_key, scope_key, owner_role, created_by, approval_ref) VALUES\n");
                for r in 0..8 {
                    s.push_str(&format!(
                        "  ('domain', 'd{i}_{r}', 's{r}', 'steward_{r}', current_setting('packetc.provenance_tag'), current_setting('packetc.ratified_apr')){}\n",
                        if r == 7 { ";" } else { "," }
                    ));
                }
            }
            3 => s.push_str(&format!(
                "UPDATE governance_scopes AS g SET label = 'scope {i}', updated_at = now() WHERE g.scope_key IN (SELECT scope_key FROM governance_domains WHERE domain_key = 'd{i}');\n"
            )),
            4 => s.push_str(&format!(
                "DO $packetc$\nDECLARE\n  observed bigint;\nBEGIN\n  observed := (SELECT count(*) FROM v_governance_ownership_gap);\n  IF observed IS NULL OR NOT (observed = {i}) THEN\n    RAISE EXCEPTION 'packetc: % failed: expected %, observed %', 'gap', '= {i}', coalesce(observed::text, 'NULL');\n  END IF;\n  FOR r IN SELECT scope_key FROM governance_scopes LOOP\n    PERFORM 1 FROM governance_domains WHERE domain_key = r.scope_key;\n  END LOOP;\n  RAISE NOTICE 'packetc: observed % = %', 'gap', observed;\nEND\n$packetc$;\n"
            )),
            5 => s.push_str(&format!(
                "WITH c AS (SELECT object_key, count(*) AS n FROM governance_object_ownership GROUP BY object_key HAVING count(*) > 1) SELECT coalesce(sum(n), 0) AS conflict_{i} FROM c;\n"
            )),
            6 => {
                s.push_str("COPY governance_staging (k, v) FROM STDIN;\n");
                for r in 0..6 {
                    s.push_str(&format!("k{i}_{r}\tvalue {r}\n"));
                }
                s.push_str("\\.\n");
            }
            7 => s.push_str(&format!(
                "BEGIN;\nSET LOCAL lock_timeout = '10s';\nLOCK TABLE governance_object_ownership IN SHARE ROW EXCLUSIVE MODE;\nDELETE FROM governance_staging WHERE k LIKE 'k{i}%';\nCOMMIT;\n"
            )),
            _ => s.push_str(&format!(
                "SELECT o.object_kind, o.object_key, s.scope_key, d.steward_role FROM governance_domains d CROSS JOIN governance_scopes s LEFT JOIN governance_object_ownership o ON o.object_key = d.domain_key AND o.scope_key = s.scope_key WHERE o.object_key IS NULL ORDER BY 1, 2 LIMIT {i};\n"
            )),
        }
    }
    s
}

/// Statements counted the way the linter sees them.
fn count_statements(text: &str) -> usize {
    Scanner::new(text, true)
        .filter(|i| matches!(i, Item::Stmt(s) if !s.blank))
        .count()
}

/// The inputs of one measurement: the file at `path`, or, for a directory, each of its
/// `*.sql` files (sorted) that bare parse can run on at all — valid UTF-8 that sqlparser's
/// tokenizer accepts as a whole (it cannot skip a bad token, so one `|>` or `\gset` loses the
/// whole file). Returns the texts and how many files were left out.
fn inputs(path: &str) -> (Vec<String>, usize) {
    let p = std::path::Path::new(path);
    if !p.is_dir() {
        return (
            vec![std::fs::read_to_string(p).expect("read bench input")],
            0,
        );
    }
    let mut files: Vec<_> = std::fs::read_dir(p)
        .expect("read bench directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|f| f.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    let dialect = PostgreSqlDialect {};
    let total = files.len();
    let texts: Vec<String> = files
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .filter(|t| Tokenizer::new(&dialect, t).tokenize().is_ok())
        .collect();
    let left_out = total - texts.len();
    (texts, left_out)
}

/// sqlparser alone, as its users run it: one `Parser` over the whole text, `parse_statement`
/// in a loop, skipping to the next `;` on error. (statements, parse errors)
fn bare_parse(text: &str) -> (usize, usize) {
    let dialect = PostgreSqlDialect {};
    let (mut n, mut errors) = (0, 0);
    let Ok(mut p) = Parser::new(&dialect).try_with_sql(text) else {
        return (0, 1);
    };
    loop {
        while p.consume_token(&Token::SemiColon) {}
        if p.peek_token().token == Token::EOF {
            break;
        }
        n += 1;
        if p.parse_statement().is_err() {
            errors += 1;
            loop {
                let t = p.next_token();
                if t.token == Token::SemiColon || t.token == Token::EOF {
                    break;
                }
            }
        }
    }
    (n, errors)
}

/// The linter's splitter feeding sqlparser statement by statement, nothing else.
fn split_parse(text: &str) -> (usize, usize) {
    let dialect = PostgreSqlDialect {};
    let (mut n, mut errors) = (0, 0);
    for it in Scanner::new(text, true) {
        if let Item::Stmt(s) = it {
            if s.blank {
                continue; // a lone `;` or comment: nothing to parse
            }
            n += 1;
            let sql = edited(text, &s);
            match Tokenizer::new(&dialect, &sql).tokenize_with_location() {
                Ok(toks) => {
                    let mut p = Parser::new(&dialect).with_tokens_with_locations(toks);
                    if p.parse_statement().is_err() {
                        errors += 1;
                    }
                }
                Err(_) => errors += 1,
            }
        }
    }
    (n, errors)
}

/// One measurement in this process; prints `mode, seconds, statements, peak KiB, note`.
fn child(mode: &str, path: &str) {
    let (texts, left_out) = inputs(path);
    let policy = Policy::builtin();
    let t0 = Instant::now();
    let (mut units, mut other) = (0usize, 0usize);
    for (i, text) in texts.iter().enumerate() {
        let (u, o) = match mode {
            "lint" => (
                0,
                lint_source(&format!("{i}.sql"), text, &policy, None).len(),
            ),
            "split" => split_parse(text),
            "bare" => bare_parse(text),
            _ => return,
        };
        units += u;
        other += o;
    }
    let secs = t0.elapsed().as_secs_f64();
    let what = if mode == "lint" {
        // Statements counted the way the linter sees them, after the clock stopped.
        units = texts.iter().map(|t| count_statements(t)).sum();
        "findings"
    } else {
        "parse errors"
    };
    let files = if texts.len() > 1 || left_out > 0 {
        format!(
            ", {} files ({left_out} left out: bare parse cannot tokenize them)",
            texts.len()
        )
    } else {
        String::new()
    };
    println!(
        "{mode}\t{secs}\t{units}\t{}\t{other} {what}{files}",
        vm_hwm_kib()
    );
}

/// `--vs-bare PATH RUNS`: lint and bare parse on the same input, in fresh child processes,
/// interleaved (lint, bare, lint, …) so both see the same machine; best and median of each.
fn vs_bare(path: &str, runs: usize) {
    let (mut lint, mut bare) = (Vec::new(), Vec::new());
    let mut notes = (String::new(), String::new());
    for _ in 0..runs {
        let l = run_child_once("lint", path);
        let b = run_child_once("bare", path);
        // A child that printed nothing failed; a bare parse of no statement means sqlparser's
        // tokenizer rejected the file: either way there is nothing to compare.
        if l.0 <= 0.0 || b.0 <= 0.0 || b.1 == 0 {
            println!(
                "no comparison: lint {:?}, bare parse {:?} (a file sqlparser's tokenizer rejects \
                 cannot be bare-parsed; give its directory to leave such files out)",
                l.3, b.3
            );
            std::process::exit(1);
        }
        lint.push(l.0);
        bare.push(b.0);
        notes = (l.3, b.3);
    }
    let best = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    let median = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "input: {path}; {runs} interleaved runs of each, one fresh process per run, one thread"
    );
    println!(
        "  lint: best {:.3} s, median {:.3} s ({})",
        best(&lint),
        median(&lint),
        notes.0
    );
    println!(
        "  bare: best {:.3} s, median {:.3} s ({})",
        best(&bare),
        median(&bare),
        notes.1
    );
    let ratios: Vec<f64> = bare.iter().zip(&lint).map(|(b, l)| b / l).collect();
    println!(
        "lint speed vs bare parse: best/best {:.0} %, median/median {:.0} %, median of the pairs {:.0} % (goal >= 90 %)",
        100.0 * best(&bare) / best(&lint),
        100.0 * median(&bare) / median(&lint),
        100.0 * median(&ratios)
    );
}

/// The best of three runs (the machine is shared; the minimum is the least disturbed).
fn run_child(mode: &str, path: &str) -> (f64, usize, u64, String) {
    let runs: Vec<_> = (0..3).map(|_| run_child_once(mode, path)).collect();
    runs.into_iter()
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .unwrap_or((0.0, 0, 0, String::new()))
}

fn run_child_once(mode: &str, path: &str) -> (f64, usize, u64, String) {
    let exe = std::env::current_exe().expect("current exe");
    let out = Command::new(exe)
        .args(["--child", mode, path])
        .output()
        .expect("spawn child");
    let s = String::from_utf8_lossy(&out.stdout).to_string();
    let f: Vec<&str> = s.trim().split('\t').collect();
    let secs = f.get(1).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    let units = f.get(2).and_then(|v| v.parse().ok()).unwrap_or(0);
    let kib = f.get(3).and_then(|v| v.parse().ok()).unwrap_or(0);
    (secs, units, kib, f.get(4).unwrap_or(&"").to_string())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--gen") && args.len() == 4 {
        // `lint_bench --gen PATH MIB`: write the generated input for profiling.
        let mib: f64 = args[3].parse().unwrap_or(10.0);
        std::fs::write(&args[2], generate((mib * 1024.0 * 1024.0) as usize)).expect("write");
        return;
    }
    if args.get(1).map(String::as_str) == Some("--vs-squawk") && args.len() >= 3 {
        let runs = args.get(3).and_then(|v| v.parse().ok()).unwrap_or(5);
        vs_squawk::main(std::path::Path::new(&args[2]), runs);
        return;
    }
    if args.get(1).map(String::as_str) == Some("--vs-bare") && args.len() >= 3 {
        let runs = args.get(3).and_then(|v| v.parse().ok()).unwrap_or(9).max(1);
        vs_bare(&args[2], runs);
        return;
    }
    if args.get(1).map(String::as_str) == Some("--child") && args.len() == 4 {
        child(&args[2], &args[3]);
        return;
    }
    let mib: f64 = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(10.0);
    let dir = tempfile::tempdir().expect("temp dir");
    let text = generate((mib * 1024.0 * 1024.0) as usize);
    let size = text.len() as f64 / (1024.0 * 1024.0);
    let main_path = dir.path().join("bench.sql");
    std::fs::write(&main_path, &text).expect("write input");
    let p = main_path.display().to_string();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "input: {size:.2} MiB, {} statements (generated: DML, DO blocks, psql meta-commands, COPY data)",
        count_statements(&text)
    );
    let _ = writeln!(
        out,
        "each row: one fresh process per run, one thread, best of 3 runs, input already in memory;\n\
         \x20 lint        = the full linter (packetc::lint::lint_source: split, parse, every rule, suppressions)\n\
         \x20 split+parse = the linter's splitter feeding sqlparser's tokenizer and parser, nothing else\n\
         \x20 bare parse  = sqlparser alone as its users run it (one Parser over the whole text,\n\
         \x20               parse_statement in a loop, skip to the next `;` on error)\n\
         peak MB = the process's VmHWM (bare parse holds all tokens of the file at once)\n"
    );
    let _ = writeln!(
        out,
        "{:<14} {:>9} {:>9} {:>12} {:>9}  note",
        "mode", "seconds", "MiB/s", "stmts/s", "peak MB"
    );
    let mut rows = Vec::new();
    for (mode, label) in [
        ("lint", "lint"),
        ("split", "split+parse"),
        ("bare", "bare parse"),
    ] {
        let (secs, units, kib, note) = run_child(mode, &p);
        let _ = writeln!(
            out,
            "{label:<14} {secs:>9.3} {:>9.2} {:>12.0} {:>9.1}  {note}",
            size / secs,
            units as f64 / secs,
            kib as f64 / 1024.0
        );
        rows.push((mode, secs));
    }
    let lint = rows[0].1;
    let _ = writeln!(
        out,
        "\nlint speed vs split+parse: {:.0}%, vs bare parse: {:.0}% (per core; goal >= 90 % of bare parse)",
        100.0 * rows[1].1 / lint,
        100.0 * rows[2].1 / lint
    );
    let _ = writeln!(out, "\nlinearity (lint, one thread):");
    for frac in [0.25, 0.5, 1.0] {
        let part = generate((mib * frac * 1024.0 * 1024.0) as usize);
        let path = dir.path().join(format!("part{frac}.sql"));
        std::fs::write(&path, &part).expect("write part");
        let (secs, _, kib, _) = run_child("lint", &path.display().to_string());
        let sz = part.len() as f64 / (1024.0 * 1024.0);
        let _ = writeln!(
            out,
            "  {sz:>6.2} MiB  {secs:>7.3} s  {:>7.2} MiB/s  peak {:>5.1} MB",
            sz / secs,
            kib as f64 / 1024.0
        );
    }
    // One very long line (positions must not cost the line's length per statement).
    let one_line = "SELECT a, b FROM governance_scopes WHERE c = 1; "
        .repeat((mib * 1024.0 * 1024.0 / 4.0 / 48.0) as usize);
    let path = dir.path().join("oneline.sql");
    std::fs::write(&path, &one_line).expect("write one-line input");
    let (secs, units, kib, _) = run_child("lint", &path.display().to_string());
    let sz = one_line.len() as f64 / (1024.0 * 1024.0);
    let _ = writeln!(
        out,
        "  {sz:>6.2} MiB on one line, {units} statements: {secs:>7.3} s  {:>7.2} MiB/s  peak {:>5.1} MB",
        sz / secs,
        kib as f64 / 1024.0
    );
    // Parallel: the CLI's worker pool over several files.
    let nfiles = 8;
    let per = generate((mib * 1024.0 * 1024.0 / nfiles as f64) as usize);
    let files: Vec<_> = (0..nfiles)
        .map(|i| {
            let p = dir.path().join(format!("f{i}.sql"));
            std::fs::write(&p, &per).expect("write file");
            p
        })
        .collect();
    let policy = Policy::builtin();
    let t0 = Instant::now();
    let (res, _) = packetc::commands::lint::lint_files(&files, &policy);
    let secs = t0.elapsed().as_secs_f64();
    let total = (per.len() * nfiles) as f64 / (1024.0 * 1024.0);
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let _ = writeln!(
        out,
        "\nparallel: {nfiles} files, {total:.2} MiB on {threads} threads: {secs:.3} s wall, {:.2} MiB/s wall ({} reports)",
        total / secs,
        res.len()
    );
}
