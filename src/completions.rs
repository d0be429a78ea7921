//! `packetc completions` and `packetc man`: shell completions (clap_complete) and man pages
//! (clap_mangen), both generated from the clap definition so they cannot disagree with it.
//!
//! Both are rendered from a command whose version is the crate version only, without the git
//! commit: the committed man pages (`docs/man/`) are checked for drift, and a commit hash in them
//! would make every commit a drift.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs, ManArgs, Shell};
use crate::diag::{Error, Status};

/// The clap command with a stable version string (no git commit).
#[must_use]
pub fn stable_command() -> clap::Command {
    Cli::command().version(env!("CARGO_PKG_VERSION"))
}

/// The completion script for `shell`.
#[must_use]
pub fn completion_script(shell: Shell) -> Vec<u8> {
    let mut cmd = stable_command();
    let mut out = Vec::new();
    match shell {
        Shell::Bash => {
            clap_complete::generate(clap_complete::Shell::Bash, &mut cmd, "packetc", &mut out);
        }
        Shell::Zsh => {
            clap_complete::generate(clap_complete::Shell::Zsh, &mut cmd, "packetc", &mut out);
        }
        Shell::Fish => {
            clap_complete::generate(clap_complete::Shell::Fish, &mut cmd, "packetc", &mut out);
        }
    }
    out
}

/// Run `packetc completions SHELL`.
pub fn completions(args: &CompletionsArgs, out: &mut dyn Write) -> Result<Status, Error> {
    out.write_all(&completion_script(args.shell))?;
    Ok(Status::Clean)
}

/// Every man page as (file name, roff text): `packetc.1`, then `packetc-SUB.1` per subcommand.
pub fn man_pages() -> Result<Vec<(String, Vec<u8>)>, Error> {
    let mut cmd = stable_command();
    cmd.build();
    let mut pages = Vec::new();
    let mut main = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut main)?;
    pages.push(("packetc.1".to_owned(), main));
    for sub in cmd.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        let name = format!("packetc-{}", sub.get_name());
        let sub = sub.clone().name(name.clone()).display_name(name.clone());
        let mut page = Vec::new();
        clap_mangen::Man::new(sub).render(&mut page)?;
        pages.push((format!("{name}.1"), page));
    }
    Ok(pages)
}

/// Run `packetc man`: print packetc.1, or write every page into `--dir`.
pub fn man(args: &ManArgs, out: &mut dyn Write) -> Result<Status, Error> {
    let pages = man_pages()?;
    let Some(dir) = &args.dir else {
        if let Some((_, page)) = pages.first() {
            out.write_all(page)?;
        }
        return Ok(Status::Clean);
    };
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, &e))?;
    let files: Vec<_> = pages
        .into_iter()
        .map(|(name, page)| {
            let text = String::from_utf8_lossy(&page).into_owned();
            (dir.join(name), text)
        })
        .collect();
    crate::fsio::write_all_atomic(&files)?;
    for (path, _) in &files {
        writeln!(out, "wrote {}", Path::new(path).display())?;
    }
    Ok(Status::Clean)
}
