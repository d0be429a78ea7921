//! Every relative link in the docs (README.md, docs/**/*.md) points at a file that exists, so
//! the book never sends a newcomer to a missing page. External links are not fetched.

use crate::common::root;
use std::fs;
use std::path::{Path, PathBuf};

fn pages(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).expect("read_dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            pages(&p, out);
        } else if p.extension().is_some_and(|x| x == "md") {
            out.push(p);
        }
    }
}

/// The targets of `[text](target)` links outside code blocks and code spans.
fn links(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut fenced = false;
    for (n, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        // Drop code spans: a `[x](y)` inside backticks is not a link.
        let plain: String = line
            .split('`')
            .enumerate()
            .filter(|(i, _)| i % 2 == 0)
            .map(|(_, s)| s)
            .collect::<Vec<_>>()
            .join(" ");
        let mut rest = plain.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            out.push((n + 1, after[..end].to_owned()));
            rest = &after[end..];
        }
    }
    out
}

#[test]
fn relative_links_resolve() {
    let mut files = vec![root().join("README.md")];
    pages(&root().join("docs"), &mut files);
    let mut broken = Vec::new();
    for file in &files {
        let text = fs::read_to_string(file).expect("page");
        for (line, target) in links(&text) {
            if target.contains("://") || target.starts_with('#') || target.starts_with("mailto:") {
                continue;
            }
            let path = target.split('#').next().unwrap_or("");
            let resolved = file.parent().expect("parent").join(path);
            if !resolved.exists() {
                broken.push(format!(
                    "{}:{line}: {target}",
                    file.strip_prefix(root()).unwrap_or(file).display()
                ));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// Whether a code span names a path (a directory or a file of a kind the tree holds).
fn path_like(span: &str) -> bool {
    !span.contains(' ')
        && !span.contains("::")
        && (span.contains('/')
            || [".rs", ".md", ".yaml", ".j2", ".json", ".sql", ".toml"]
                .iter()
                .any(|x| span.ends_with(x)))
}

#[test]
fn every_path_docs_architecture_names_exists() {
    // Spans starting at a top-level directory are repository paths; a bare name (`engine.rs`,
    // `rules/`) is inside the first directory its line names (the table row's module).
    const TOP: [&str; 6] = [
        "src/",
        "docs/",
        "templates/",
        "packets/",
        "tests/",
        "snapshots/",
    ];
    let text = fs::read_to_string(root().join("docs/architecture.md")).expect("architecture.md");
    let mut missing = Vec::new();
    let mut checked = 0;
    for (n, line) in text.lines().enumerate() {
        let spans: Vec<&str> = line.split('`').skip(1).step_by(2).collect();
        let base = spans
            .iter()
            .find(|s| s.ends_with('/') && TOP.iter().any(|t| s.starts_with(t)));
        for span in spans.iter().filter(|s| path_like(s)) {
            let path = if TOP.iter().any(|t| span.starts_with(t)) {
                root().join(span)
            } else if let Some(base) = base {
                root().join(base).join(span)
            } else {
                root().join(span)
            };
            checked += 1;
            if !path.exists() {
                missing.push(format!("line {}: `{span}` ({})", n + 1, path.display()));
            }
        }
    }
    assert!(
        checked > 50,
        "only {checked} paths found: is the parser right?"
    );
    assert!(
        missing.is_empty(),
        "docs/architecture.md names missing paths:\n{}",
        missing.join("\n")
    );
}

#[test]
fn docs_architecture_maps_every_command_module() {
    let text = fs::read_to_string(root().join("docs/architecture.md")).expect("architecture.md");
    for e in fs::read_dir(root().join("src/commands"))
        .expect("src/commands")
        .flatten()
    {
        let name = e.file_name().to_string_lossy().into_owned();
        assert!(
            text.contains(&format!("`{name}`")) || text.contains(&format!("src/commands/{name}")),
            "docs/architecture.md does not name src/commands/{name}"
        );
    }
}

/// Every subcommand of the CLI has a heading (`### ` and the command in backticks) under
/// README's `## Commands`, so a new subcommand is documented where users look.
#[test]
fn readme_documents_every_subcommand() {
    use clap::CommandFactory;
    let readme = fs::read_to_string(root().join("README.md")).expect("README.md");
    let section = readme
        .split("\n## Commands\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("README.md has a `## Commands` section");
    let headings: Vec<&str> = section.lines().filter(|l| l.starts_with("### ")).collect();
    let cli = packetc::cli::Cli::command();
    let names: Vec<&str> = cli.get_subcommands().map(clap::Command::get_name).collect();
    assert!(names.len() > 10, "subcommands: {names:?}");
    let missing: Vec<&&str> = names
        .iter()
        .filter(|n| {
            !headings.iter().any(|h| {
                h.contains(&format!("`packetc {n} ")) || h.contains(&format!("`packetc {n}`"))
            })
        })
        .collect();
    assert!(
        missing.is_empty(),
        "README.md `## Commands` has no heading `### packetc NAME …` for: {missing:?}"
    );
}

/// The rule docs/architecture.md states: only the CLI layer knows clap. A core that names clap
/// or `crate::cli` (e.g. by taking a clap argument struct) fails here, with its path.
#[test]
fn no_core_module_imports_clap() {
    let cli_layer = [
        "src/main.rs",
        "src/cli.rs",
        "src/app.rs",
        "src/completions.rs",
    ];
    let mut files = Vec::new();
    let mut stack = vec![root().join("src")];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).expect("src/") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    assert!(files.len() > 50, "walked src/: {} files", files.len());
    let mut offenders = Vec::new();
    for path in files {
        let rel = path
            .strip_prefix(root())
            .expect("under the root")
            .to_string_lossy()
            .replace('\\', "/");
        if cli_layer.contains(&rel.as_str())
            || rel.starts_with("src/commands/")
            || rel.starts_with("src/bin/")
        {
            continue;
        }
        let text = fs::read_to_string(&path).expect("source");
        let code: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        if code.contains("clap::") || code.contains("crate::cli") || code.contains("use clap") {
            offenders.push(rel);
        }
    }
    assert!(
        offenders.is_empty(),
        "core modules that import clap (move the clap type to src/cli.rs and convert): {offenders:?}"
    );
}
