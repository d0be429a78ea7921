//! Every fenced block in README.md and docs/**/*.md is either checked by a test or plainly an
//! input (a file to write, a command to type), so no example output can drift unnoticed.
//!
//! What checks which block (the marker is an HTML comment on the line before the block):
//! - shell blocks (`sh`, `bash`, `console`, `shell`, none) with packetc commands: `commands.rs`
//!   runs them and compares the output shown under each `$ ` prompt;
//! - `<!-- live: SCENARIO -->`: `live.rs` runs the block's commands against a real PostgreSQL;
//! - `<!-- output of: packetc ARGS -->`: lines of what `packetc ARGS`, run earlier on the same
//!   page, printed (`commands.rs`);
//! - `<!-- excerpt: SOURCE -->`: lines of SOURCE in their order (abridged: lines may be left
//!   out, indentation is not compared), checked here ([`excerpt_source`]): a file of
//!   the repository (a committed script, a packet.yaml, a snapshot that its own test compares
//!   with real output), or `proof PACKET`, the prove report of the packet's scenarios rendered
//!   from its committed `proof.json` by prove's own renderer (the record is what prove
//!   observed; CI's `.ci/prove-matrix --check` re-proves it on every major);
//! - `<!-- not output: WHY -->`: a listing that is neither input nor output (the repository
//!   layout);
//! - input by language: `yaml`, `json`, `sql`, `rust`, `toml` blocks are files a reader writes
//!   (a spec, a policy, a CI config, a rule's example), and shell blocks without packetc or a `$ `
//!   prompt are commands to type (installs, cargo).
//!
//! Any other block (a `text` block with no marker, a shell block with lines after a prompt that
//! is not packetc's) fails [`every_fenced_block_is_checked_or_an_input`].

use std::fs;

use super::commands::{output_of_marker, pages, shown_matches};
use super::live::scenario_marker;
use crate::common::root;

/// One fenced block of a page.
#[derive(Debug)]
struct Block {
    origin: String,
    lang: String,
    /// The HTML comment on the last non-blank line before the fence, if any.
    marker: Option<String>,
    /// The lines, without the fence's own indentation.
    lines: Vec<String>,
}

fn blocks_of(name: &str, text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut before: Option<String> = None;
    let mut lines = text.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        let trimmed = line.trim_start();
        let Some(lang) = trimmed.strip_prefix("```") else {
            if !line.trim().is_empty() {
                before = line
                    .trim()
                    .starts_with("<!--")
                    .then(|| line.trim().to_owned());
            }
            continue;
        };
        let indent = line.len() - trimmed.len();
        let mut body = Vec::new();
        for (_, l) in lines.by_ref() {
            if l.trim_start().starts_with("```") {
                break;
            }
            let cut = indent.min(l.len() - l.trim_start().len());
            body.push(l[cut..].to_owned());
        }
        out.push(Block {
            origin: format!("{name}:{}", n + 1),
            lang: lang.trim().to_ascii_lowercase(),
            marker: before.take(),
            lines: body,
        });
    }
    out
}

fn all_blocks() -> Vec<Block> {
    pages()
        .iter()
        .flat_map(|(name, text)| blocks_of(name, text))
        .collect()
}

/// The source an `<!-- excerpt: SOURCE -->` line names.
fn excerpt_marker(line: &str) -> Option<&str> {
    line.trim()
        .strip_prefix("<!-- excerpt:")?
        .strip_suffix("-->")
        .map(str::trim)
}

/// Which test checks a block, or why it needs none; `Err` when nothing does.
fn checked_by(b: &Block) -> Result<&'static str, String> {
    if let Some(m) = b.marker.as_deref() {
        if scenario_marker(m).is_some() {
            return Ok("docs::live (run against PostgreSQL)");
        }
        if output_of_marker(m).is_some() {
            return Ok("docs::commands (output of a command run on the page)");
        }
        if excerpt_marker(m).is_some() {
            return Ok("docs::examples (excerpt of its source)");
        }
        if m.starts_with("<!-- not output:") {
            return Ok("none: marked not output");
        }
    }
    match b.lang.as_str() {
        "yaml" | "yml" | "json" | "sql" | "rust" | "toml" => Ok("none: an input file"),
        "" | "sh" | "bash" | "shell" | "console" => {
            let prompts = b.lines.iter().any(|l| l.starts_with("$ "));
            if !prompts {
                if b.lines
                    .iter()
                    .any(|l| l.trim_start().starts_with("packetc "))
                {
                    return Ok("docs::commands (commands run, no output shown)");
                }
                if b.lang.is_empty() {
                    return Err(
                        "a ``` block with neither a language nor packetc commands: mark what it is"
                            .to_owned(),
                    );
                }
                return Ok("none: commands to type");
            }
            // Output under a prompt is compared only when the prompt runs packetc.
            let mut last_prompt_is_packetc = false;
            for l in &b.lines {
                if let Some(cmd) = l.strip_prefix("$ ") {
                    last_prompt_is_packetc = cmd.trim_start().starts_with("packetc ");
                } else if !last_prompt_is_packetc && !l.trim().is_empty() {
                    return Err(format!(
                        "output under a prompt that is not packetc's: {l:?}"
                    ));
                }
            }
            Ok("docs::commands (output under each prompt compared)")
        }
        _ => Err(format!(
            "a ```{} block with no marker: nothing compares it",
            b.lang
        )),
    }
}

#[test]
fn blocks_are_classified_by_marker_and_language() {
    let blocks = blocks_of(
        "t.md",
        "```text\nsome output\n```\n<!-- not output: layout -->\n```\nsrc/\n```\n\
         ```sh\ncargo install x\n```\n```\nsrc/\n```\n```console\n$ ls\nfile\n```\n<!-- excerpt: a.sql -->\n\n```sql\nSELECT 1;\n```\n",
    );
    let seen: Vec<String> = blocks
        .iter()
        .map(|b| match checked_by(b) {
            Ok(by) => format!("{} ok {by}", b.origin),
            Err(e) => format!("{} ERR {e}", b.origin),
        })
        .collect();
    assert_eq!(
        seen,
        [
            "t.md:1 ERR a ```text block with no marker: nothing compares it",
            "t.md:5 ok none: marked not output",
            "t.md:8 ok none: commands to type",
            "t.md:11 ERR a ``` block with neither a language nor packetc commands: mark what it is",
            "t.md:14 ERR output under a prompt that is not packetc's: \"file\"",
            "t.md:20 ok docs::examples (excerpt of its source)",
        ]
    );
}

/// Every fenced block is checked by a test or is plainly input; the inventory is printed
/// (`cargo test --test it docs::examples -- --nocapture`).
#[test]
fn every_fenced_block_is_checked_or_an_input() {
    let blocks = all_blocks();
    assert!(
        blocks.len() >= 100,
        "only {} blocks found: is the extraction broken?",
        blocks.len()
    );
    let mut bad = Vec::new();
    for b in &blocks {
        match checked_by(b) {
            Ok(by) => println!("{}  ```{}  {by}", b.origin, b.lang),
            Err(e) => bad.push(format!("{}: {e}", b.origin)),
        }
    }
    assert!(
        bad.is_empty(),
        "fenced blocks no test checks (see tests/it/docs/examples.rs for the markers):\n{}",
        bad.join("\n")
    );
}

/// The text of an excerpt's source.
fn excerpt_source(source: &str) -> Result<String, String> {
    if let Some(packet) = source.strip_prefix("proof ") {
        let path = root().join(packet).join("proof.json");
        let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let record: packetc::proof::ProofRecord =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let scenarios: Vec<packetc::prove::Scenario> = record
            .scenarios
            .iter()
            .map(|s| {
                let mut sc = packetc::prove::Scenario::new(s.title.clone());
                for c in &s.checks {
                    sc.check(c.ok, &c.what, &c.expected, &c.observed);
                }
                sc
            })
            .collect();
        return Ok(packetc::prove::report::render("", &scenarios));
    }
    fs::read_to_string(root().join(source)).map_err(|e| format!("{source}: {e}"))
}

/// The first shown line that is not in `source` after the ones before it (an excerpt is
/// abridged: it may leave out lines anywhere, a `...` or `…` line marks where, `…` in a line
/// stands for left-out text; indentation is not
/// compared, so a YAML excerpt may show nested keys at the left margin). `None`: all are.
fn first_line_not_in<'a>(shown: &'a [String], source: &str) -> Option<&'a str> {
    let mut rest = source.lines();
    for line in shown {
        // `…` abridges within a line, as `[..]` does.
        let want = line.trim().replace('…', "[..]");
        if want.is_empty() || want == "..." || want == "[..]" {
            continue;
        }
        if !rest
            .by_ref()
            .any(|l| shown_matches(std::slice::from_ref(&want), &[l.trim()]))
        {
            return Some(line);
        }
    }
    None
}

#[test]
fn excerpts_must_keep_their_lines_and_order() {
    let src = "a: 1\n  b: 2\nc: 3 (0.5s)\n";
    let lines = |t: &str| t.lines().map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(first_line_not_in(&lines("a: 1\n...\nc: [..]s)"), src), None);
    assert_eq!(first_line_not_in(&lines("b: 2"), src), None);
    assert_eq!(
        first_line_not_in(&lines("c: 3 (0.5s)\na: 1"), src),
        Some("a: 1")
    );
    assert_eq!(first_line_not_in(&lines("b: 3"), src), Some("b: 3"));
}

#[test]
fn every_excerpt_is_in_its_source() {
    let mut checked = 0;
    let mut bad = Vec::new();
    for b in all_blocks() {
        let Some(source) = b.marker.as_deref().and_then(excerpt_marker) else {
            continue;
        };
        checked += 1;
        let text = match excerpt_source(source) {
            Ok(t) => t,
            Err(e) => {
                bad.push(format!("{}: {e}", b.origin));
                continue;
            }
        };
        if let Some(missing) = first_line_not_in(&b.lines, &text) {
            bad.push(format!(
                "{}: not in {source}, in this order after the lines before it (`[..]` = any text): {missing:?}",
                b.origin,
            ));
        }
    }
    assert!(
        checked >= 5,
        "only {checked} excerpts found: is the extraction broken?"
    );
    assert!(bad.is_empty(), "{}", bad.join("\n\n"));
}
