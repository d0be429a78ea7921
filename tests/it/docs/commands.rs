//! Every `packetc ...` command shown in the docs (docs/**/*.md, README.md) and in
//! `.pre-commit-hooks.yaml` parses with the real CLI, every one that can run offline runs, and
//! the output a page shows under a `$ packetc ...` prompt is what the run printed (stdout and
//! stderr as a terminal interleaves them; `...` stands for any lines, `[..]` for any text in a
//! line; see [`shown_matches`]).
//!
//! Extraction, per fenced code block (```text blocks are output and skipped):
//! - shell blocks (sh, bash, console, shell, none): when the block uses `$ ` prompts, only the
//!   prompt lines are commands; otherwise every line starting with `packetc `;
//! - YAML blocks (CI recipes, pre-commit configs): lines whose value is a packetc command —
//!   `run: packetc ...`, `- packetc ...`, `entry: packetc ...`, and `packetc ...` lines inside a
//!   `run: |` block.
//!
//! Lines ending in `\` continue on the next line, as in the shell. A command line is cut at the
//! first unquoted pipe, redirect, `;`, `&&` or `||` (the shell
//! around it is not packetc's), leading `NAME=value` assignments are dropped, and a trailing
//! `# exit N` comment states the expected exit code (default 0).
//!
//! Running: each page's commands run in order in a fresh scratch copy of the repository's
//! `packets/` and `docs/schema/` (so `packetc new` followed by `render` and `check` works as a
//! reader would run it). `apply` runs only as `--dry-run` (a real apply needs a channel);
//! `prove` runs when the PostgreSQL server binaries are installed (otherwise a loud SKIPPED
//! note, and a failure when `CI=true`), except on lines that point it at their own server
//! (`PACKETC_DATABASE_URL=... packetc prove`), which are only parsed. The only other shell the
//! runner understands is `echo '...' >> FILE` (used to show drift).

use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::common::{copy_dir, root};
use clap::Parser;
use packetc::cli::Cli;

/// The file a pre-commit `entry:` is shown running on (pre-commit appends staged file names).
const STAGED_SQL: &str = "packets/one-roof-ownership-seed/sql/F_prod_00_preflight.sql";

/// One step a page shows.
#[derive(Debug, Clone)]
enum Step {
    /// A packetc invocation (argv without the program), expected exit code, source line.
    Packetc {
        args: Vec<String>,
        exit: i32,
        origin: String,
        /// The line sets environment variables first (`NAME=value packetc ...`).
        env_prefixed: bool,
        /// The output the page shows under a `$ ` prompt line (empty: none shown).
        shown: Vec<String>,
    },
    /// `echo 'TEXT' >> FILE`.
    Append { text: String, file: String },
    /// A block marked `<!-- output of: packetc ARGS -->`: lines of what the last run of
    /// `packetc ARGS` on this page printed (an excerpt: it may start and end anywhere).
    OutputOf {
        args: String,
        shown: Vec<String>,
        origin: String,
    },
}

/// The command a `<!-- output of: packetc ARGS -->` line names (ARGS).
pub(crate) fn output_of_marker(line: &str) -> Option<&str> {
    line.trim()
        .strip_prefix("<!-- output of:")?
        .strip_suffix("-->")?
        .trim()
        .strip_prefix("packetc ")
        .map(str::trim)
}

/// Split a shell line into words (single and double quotes, backslash escapes outside single
/// quotes); stops at the first unquoted `|`, `>`, `<`, `;`, `&` or `#` comment. Returns the words
/// and the comment text, if any.
pub(crate) fn shell_words(line: &str) -> (Vec<String>, Option<String>) {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    let mut comment = None;
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    cur.push(q);
                }
            }
            '"' => {
                in_word = true;
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => {
                            if let Some(n) = chars.next() {
                                cur.push(n);
                            }
                        }
                        _ => cur.push(q),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '#' if !in_word => {
                comment = Some(chars.collect::<String>().trim().to_owned());
                break;
            }
            '|' | '>' | '<' | ';' | '&' => {
                // A redirect like `2>` glued to a word: drop the descriptor digit.
                if c == '>' && in_word && cur.chars().all(|d| d.is_ascii_digit()) {
                    cur.clear();
                    in_word = false;
                }
                let rest: String = chars.collect();
                if let Some(at) = rest.find(" #") {
                    comment = Some(rest[at + 2..].trim().to_owned());
                }
                break;
            }
            _ => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    (words, comment)
}

/// The packetc step on a command line, if it is one.
fn packetc_step(line: &str, origin: String) -> Option<Step> {
    let (mut words, comment) = shell_words(line);
    let mut env_prefixed = false;
    while words
        .first()
        .is_some_and(|w| w.contains('=') && !w.starts_with('-') && w != "packetc")
    {
        words.remove(0);
        env_prefixed = true;
    }
    if words.first().map(String::as_str) == Some("echo") {
        let rest = line.split_once(">>")?;
        let (text, _) = shell_words(rest.0.trim_start().strip_prefix("echo")?);
        let (file, _) = shell_words(rest.1);
        return Some(Step::Append {
            text: text.join(" "),
            file: file.first()?.clone(),
        });
    }
    if words.first().map(String::as_str) != Some("packetc") {
        return None;
    }
    let exit = comment
        .as_deref()
        .and_then(|c| c.strip_prefix("exit "))
        .and_then(|n| n.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    Some(Step::Packetc {
        args: words[1..].to_vec(),
        exit,
        origin,
        env_prefixed,
        shown: Vec::new(),
    })
}

/// The steps a Markdown page shows, in order.
fn steps_of(name: &str, text: &str) -> Vec<Step> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate();
    // The last non-blank line before the current one (a `<!-- live: ... -->` marker?).
    let mut before = "";
    while let Some((_, line)) = lines.next() {
        let Some(lang) = line.trim_start().strip_prefix("```") else {
            if !line.trim().is_empty() {
                before = line;
            }
            continue;
        };
        if super::live::scenario_marker(before).is_some() {
            // Run against a live database by tests/it/docs/live.rs, not here.
            before = "";
            for (_, l) in lines.by_ref() {
                if l.trim_start().starts_with("```") {
                    break;
                }
            }
            continue;
        }
        if let Some(of) = output_of_marker(before) {
            before = "";
            let mut shown = Vec::new();
            let mut at = 0;
            for (n, l) in lines.by_ref() {
                if l.trim_start().starts_with("```") {
                    break;
                }
                if at == 0 {
                    at = n;
                }
                shown.push(l.to_owned());
            }
            out.push(Step::OutputOf {
                args: of.to_owned(),
                shown,
                origin: format!("{name}:{at}"),
            });
            continue;
        }
        before = "";
        let lang = lang.trim().to_ascii_lowercase();
        // Lines of the block, with shell continuations (`\` at the end) joined.
        let mut block: Vec<(usize, String)> = Vec::new();
        let mut continued = false;
        for (n, l) in lines.by_ref() {
            if l.trim_start().starts_with("```") {
                break;
            }
            let (body, more) = match l.trim_end().strip_suffix('\\') {
                Some(head) => (head, true),
                None => (l, false),
            };
            match block.last_mut() {
                Some((_, prev)) if continued => {
                    prev.push(' ');
                    prev.push_str(body.trim_start());
                }
                _ => block.push((n + 1, body.to_owned())),
            }
            continued = more;
        }
        let origin = |n: usize| format!("{name}:{n}");
        match lang.as_str() {
            "" | "sh" | "bash" | "shell" | "console" => {
                let prompts = block.iter().any(|(_, l)| l.starts_with("$ "));
                // Whether the lines after the last prompt are a packetc step's output.
                let mut shows = false;
                for (n, l) in &block {
                    let cmd = if prompts {
                        l.strip_prefix("$ ")
                    } else {
                        Some(l.trim_start())
                    };
                    if prompts && cmd.is_none() {
                        if let (true, Some(Step::Packetc { shown, .. })) = (shows, out.last_mut()) {
                            shown.push(l.clone());
                        }
                        continue;
                    }
                    shows = false;
                    if let Some(step) = cmd.and_then(|c| packetc_step(c, origin(*n))) {
                        shows = prompts && matches!(step, Step::Packetc { .. });
                        out.push(step);
                    }
                }
            }
            "yaml" | "yml" => {
                for (n, l) in &block {
                    let t = l.trim_start();
                    let t = t.strip_prefix("- ").unwrap_or(t).trim_start();
                    let t = t
                        .strip_prefix("run:")
                        .or_else(|| t.strip_prefix("entry:"))
                        .unwrap_or(t)
                        .trim_start();
                    if t.starts_with("packetc ") {
                        if let Some(mut step) = packetc_step(t, origin(*n)) {
                            let is_entry = l.trim_start().starts_with("entry:");
                            if let Step::Packetc { args, .. } = &mut step {
                                if is_entry && args.first().map(String::as_str) == Some("lint") {
                                    // pre-commit appends the staged files.
                                    args.push(STAGED_SQL.to_owned());
                                }
                            }
                            out.push(step);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

pub(crate) fn pages() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "md") {
                out.push(p);
            }
        }
    }
    let mut paths = vec![root().join("README.md")];
    walk(&root().join("docs"), &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(root()).unwrap_or(&p).display().to_string();
            (rel, fs::read_to_string(&p).unwrap_or_default())
        })
        .collect()
}

/// Parse like the binary; `--help`, `help CMD` and `--version` count as parsed.
fn parse(args: &[String]) -> Result<(), clap::Error> {
    match Cli::try_parse_from(std::iter::once("packetc".to_owned()).chain(args.iter().cloned())) {
        Ok(_) => Ok(()),
        Err(e)
            if matches!(
                e.kind(),
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
            ) =>
        {
            Ok(())
        }
        Err(e) => Err(e),
    }
}

#[test]
fn extraction_understands_the_shapes_docs_use() {
    let steps = steps_of(
        "t.md",
        "```sh\n$ packetc check --format short   # one line\nok: fine\n...\n$ packetc plan p\n```\n\
         ```yaml\n  run: packetc lint --format github sql > out.txt || [ $? -eq 1 ]\n  entry: packetc check\n```\n\
         ```sh\nPACKETC_DATABASE_URL=x packetc prove p 2>&1 | tee log  # exit 1\necho '-- x' >> a.sql\npacketc plan \\\n    p --format markdown\n```\n\
         ```text\npacketc lint: 1 file(s) clean\n```\n\
         <!-- output of: packetc plan p -->\n\n```text\nstep 1\n```\n",
    );
    let shown: Vec<String> = steps
        .iter()
        .map(|s| match s {
            Step::Packetc {
                args,
                exit,
                env_prefixed,
                shown,
                ..
            } => format!(
                "{} ={exit}{}{}",
                args.join(" "),
                if *env_prefixed { " env" } else { "" },
                if shown.is_empty() {
                    String::new()
                } else {
                    format!(" shows {}", shown.join("|"))
                }
            ),
            Step::Append { text, file } => format!("append {text} {file}"),
            Step::OutputOf { args, shown, .. } => format!("output of {args}: {}", shown.join("|")),
        })
        .collect();
    assert_eq!(
        shown,
        [
            "check --format short =0 shows ok: fine|...",
            "plan p =0",
            "lint --format github sql =0",
            "check =0",
            "prove p =1 env",
            "append -- x a.sql",
            "plan p --format markdown =0",
            "output of plan p: step 1",
        ]
    );
}

#[test]
fn every_documented_command_parses() {
    let mut bad = Vec::new();
    let mut count = 0;
    for (name, text) in pages() {
        for step in steps_of(&name, &text) {
            if let Step::Packetc { args, origin, .. } = step {
                count += 1;
                if let Err(e) = parse(&args) {
                    let first = e.to_string().lines().next().unwrap_or("").to_owned();
                    bad.push(format!("{origin}: packetc {}: {first}", args.join(" ")));
                }
            }
        }
    }
    // .pre-commit-hooks.yaml: each entry, with the file names pre-commit appends.
    let hooks = fs::read_to_string(root().join(".pre-commit-hooks.yaml")).expect("hooks");
    for line in hooks.lines() {
        if let Some(entry) = line.trim().strip_prefix("entry:") {
            count += 1;
            let (mut words, _) = shell_words(entry.trim());
            assert_eq!(words.remove(0), "packetc");
            if words.first().map(String::as_str) == Some("lint") {
                words.push(STAGED_SQL.into());
            }
            if let Err(e) = parse(&words) {
                bad.push(format!(".pre-commit-hooks.yaml: {entry}: {e}"));
            }
        }
    }
    assert!(
        count >= 30,
        "only {count} commands found: is the extraction broken?"
    );
    assert!(
        bad.is_empty(),
        "documented commands that do not parse:\n{}",
        bad.join("\n")
    );
}

/// Whether the lines a run printed are what the page shows, line by line: a shown line `...`
/// stands for any number of lines (none included), and `[..]` inside a line for any text in it
/// (timings, hashes of files a reader's copy changes, temp paths). Trailing blanks are ignored.
pub(crate) fn shown_matches(shown: &[String], actual: &[&str]) -> bool {
    match shown.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first.trim() == "..." => {
            (0..=actual.len()).any(|skip| shown_matches(rest, &actual[skip..]))
        }
        Some((first, rest)) => actual
            .split_first()
            .is_some_and(|(a, more)| line_matches(first, a) && shown_matches(rest, more)),
    }
}

fn line_matches(shown: &str, actual: &str) -> bool {
    let (shown, actual) = (shown.trim_end(), actual.trim_end());
    let mut parts = shown.split("[..]");
    let Some(mut rest) = actual.strip_prefix(parts.next().unwrap_or_default()) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for p in middle {
        match rest.find(p) {
            Some(at) => rest = &rest[at + p.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

#[test]
fn shown_output_matching_is_strict_outside_the_placeholders() {
    let shown = |t: &str| t.lines().map(str::to_owned).collect::<Vec<_>>();
    let ok = ["a 1.2s", "b", "c", "d"];
    assert!(shown_matches(&shown("a [..]s\n...\nd"), &ok));
    assert!(shown_matches(&shown("a [..]\nb\nc\nd"), &ok));
    assert!(shown_matches(&shown("...\nd"), &ok));
    assert!(shown_matches(&shown("a[..]s\n..."), &ok));
    assert!(
        !shown_matches(&shown("a [..]s\nb"), &ok),
        "lines after the last shown one"
    );
    assert!(!shown_matches(&shown("a 1.3s\n..."), &ok));
    assert!(
        !shown_matches(&shown("...\nb\nd"), &ok),
        "a line in between"
    );
    assert!(!shown_matches(&shown("a [..]x\n..."), &ok));
    assert!(!shown_matches(&shown("[..]b[..]\n..."), &ok[..1]));
}

/// Whether `packetc prove` can start a scratch cluster here; without one, say so loudly (and
/// fail in CI, where PostgreSQL is installed by .ci/run).
fn postgres_available() -> bool {
    static FOUND: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *FOUND.get_or_init(|| match packetc::pg::find_server_bindir() {
        Ok(_) => true,
        Err(e) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "PostgreSQL is required in CI to run the documented `packetc prove` commands: {e}"
            );
            let banner = format!(
                "\n==================== SKIPPED: NO POSTGRESQL ====================\n\
                 the documented `packetc prove` commands were only parsed, not run: {e}\n\
                 ================================================================\n"
            );
            let _ = std::io::Write::write_all(&mut std::io::stderr(), banner.as_bytes());
            false
        }
    })
}

#[test]
fn every_documented_command_runs() {
    let mut failures = Vec::new();
    let mut ran = 0;
    let mut compared = 0;
    for (name, text) in pages() {
        let steps = steps_of(&name, &text);
        if steps.is_empty() {
            continue;
        }
        let scratch = tempfile::tempdir().expect("tempdir");
        copy_dir(&root().join("packets"), &scratch.path().join("packets"));
        copy_dir(
            &root().join("docs/schema"),
            &scratch.path().join("docs/schema"),
        );
        // What each command printed, by its arguments (the last run on this page).
        let mut printed_by: std::collections::HashMap<String, String> = Default::default();
        for step in steps {
            match step {
                Step::OutputOf {
                    args,
                    shown,
                    origin,
                } => {
                    let Some(text) = printed_by.get(&args) else {
                        let skipped = args.starts_with("prove ") && !postgres_available();
                        if !skipped {
                            failures.push(format!(
                                "{origin}: shows output of `packetc {args}`, which the page does not run before it"
                            ));
                        }
                        continue;
                    };
                    compared += 1;
                    let lines: Vec<&str> = text.lines().collect();
                    let excerpt: Vec<String> = std::iter::once("...".to_owned())
                        .chain(shown.iter().cloned())
                        .chain(std::iter::once("...".to_owned()))
                        .collect();
                    if !shown_matches(&excerpt, &lines) {
                        failures.push(format!(
                            "{origin}: these lines are not in what `packetc {args}` printed on this page \
                             (`...` = any lines, `[..]` = any text)\n--- shown\n{}\n--- printed\n{text}",
                            shown.join("\n"),
                        ));
                    }
                }
                Step::Append { text, file } => {
                    let path = scratch.path().join(&file);
                    let mut body = fs::read_to_string(&path).unwrap_or_default();
                    body.push_str(&text);
                    body.push('\n');
                    fs::write(&path, body).expect("append");
                }
                Step::Packetc {
                    args,
                    exit,
                    origin,
                    env_prefixed,
                    shown,
                } => {
                    let sub = args
                        .iter()
                        .find(|a| !a.starts_with('-'))
                        .map(String::as_str);
                    let runs = match sub {
                        // A real apply needs a channel; the dry run is offline.
                        Some("apply") => args.iter().any(|a| a == "--dry-run"),
                        // prove needs PostgreSQL; a line with its own server URL is an example.
                        Some("prove") => !env_prefixed && postgres_available(),
                        // fingerprint reads a live database (the examples name one).
                        Some("fingerprint") => false,
                        // catalog reads a live database too (tests/it/lint/schema_pg.rs runs it
                        // and checks the output README.md shows).
                        Some("catalog") => false,
                        _ => true,
                    };
                    if !runs {
                        continue;
                    }
                    ran += 1;
                    // stdout and stderr into one file, interleaved as a terminal shows them.
                    let mut printed = tempfile::tempfile().expect("temp file");
                    let status = Command::new(crate::common::BIN)
                        .args(&args)
                        .current_dir(scratch.path())
                        .env_remove("PACKETC_DATABASE_URL")
                        .env("NO_COLOR", "1")
                        .stdin(Stdio::null())
                        .stdout(printed.try_clone().expect("dup"))
                        .stderr(printed.try_clone().expect("dup"))
                        .status()
                        .expect("packetc runs");
                    let mut text = String::new();
                    printed.seek(SeekFrom::Start(0)).expect("seek");
                    printed.read_to_string(&mut text).expect("read output");
                    let code = status.code().unwrap_or(-1);
                    printed_by.insert(args.join(" "), text.clone());
                    if code != exit {
                        failures.push(format!(
                            "{origin}: packetc {} exited {code}, the page expects {exit}\n{text}",
                            args.join(" "),
                        ));
                    } else if !shown.is_empty() {
                        compared += 1;
                        let lines: Vec<&str> = text.lines().collect();
                        if !shown_matches(&shown, &lines) {
                            failures.push(format!(
                                "{origin}: packetc {} printed other output than the page shows \
                                 (`...` = any lines, `[..]` = any text)\n--- shown\n{}\n--- printed\n{text}",
                                args.join(" "),
                                shown.join("\n"),
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(
        ran >= 20,
        "only {ran} commands ran: is the extraction broken?"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        compared >= 3,
        "only {compared} shown outputs compared: is the extraction broken?"
    );
}
