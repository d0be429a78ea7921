//! `packetc completions` and `packetc man`: shell completions (clap_complete) and man pages
//! (clap_mangen), both generated from the clap definition so they cannot disagree with it.
//!
//! Both are rendered from a command whose version is the crate version only, without the git
//! commit: the committed man pages (`docs/man/`) are checked for drift, and a commit hash in them
//! would make every commit a drift.

use clap::CommandFactory;

use crate::cli::{Cli, Shell};
use crate::diag::Error;

/// The clap command with a stable version string (no git commit).
#[must_use]
pub fn stable_command() -> clap::Command {
    Cli::command().version(env!("CARGO_PKG_VERSION"))
}

/// The command completions are generated from: `packetc rule` completes the rule codes (and
/// their kebab-case names). Only completions see this list; parsing stays as the CLI defines it
/// (codes are also accepted in lower case).
fn completion_command() -> clap::Command {
    let values: Vec<clap::builder::PossibleValue> = crate::lint::rules::RULES
        .iter()
        .map(|r| clap::builder::PossibleValue::new(r.code).help(r.summary))
        .chain(
            crate::lint::rules::RULES
                .iter()
                .map(|r| clap::builder::PossibleValue::new(r.name).hide(true)),
        )
        .collect();
    stable_command().mut_subcommand("rule", |s| {
        s.mut_arg("code", |a| {
            a.value_parser(clap::builder::PossibleValuesParser::new(values))
        })
    })
}

/// The completion script for `shell`.
#[must_use]
pub fn completion_script(shell: Shell) -> Vec<u8> {
    let mut cmd = completion_command();
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

/// EXIT STATUS, ENVIRONMENT and FILES: the same on every page (every subcommand shares the
/// exit codes; the variables and files are few). Roff, inserted before VERSION.
const MAN_SECTIONS: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
Clean: no finding, no drift, every gate passed.
.TP
\fB1\fR
Findings, drift, or a failed gate (a step that stopped, a verify that failed).
.TP
\fB2\fR
Bad input or usage: an unreadable file, invalid YAML, an unknown option, a policy that cannot be loaded. Nothing was judged.
.SH ENVIRONMENT
.TP
\fBNO_COLOR\fR
When set and not empty, \fB\-\-color auto\fR never colours (https://no\-color.org). \fBTERM=dumb\fR does the same.
.TP
\fBPACKETC_DATABASE_URL\fR
The server \fBprove\fR uses instead of a scratch cluster (same as \fB\-\-database\-url\fR).
.TP
\fBPACKETC_DOCS_URL\fR
Absolute URL where packetc's docs are published; SARIF rules link \fIURL\fRdocs/rules/CODE.md (\fBhelpUri\fR). Unset: the \fBhomepage\fR in packetc's Cargo.toml when it was built with one, else no links.
.TP
\fBPACKETC_PSQL\fR, \fBPACKETC_PG_BINDIR\fR, \fBPACKETC_PG_USER\fR
The psql binary, the directory of initdb/pg_ctl/postgres, and the system user the scratch cluster runs as when packetc runs as root (default postgres).
.SH FILES
.TP
\fBpackets/policy.yaml\fR
The lint policy: for each linted file, the nearest one from the file's own directory upward (not the current directory); \fB\-\-policy\fR overrides it; with none, the built\-in policy applies and is announced. Every output names the policy and its sha256.
.TP
\fBpackets/\fINAME\fB/packet.yaml\fR
A packet's spec; its scripts are \fBpackets/\fINAME\fB/sql/F_prod_00..03_*.sql\fR, its clone fixture \fBpackets/\fINAME\fB/fixture/\fR (skipped by directory walks; lintable by name).
.TP
\fBpackets/\fINAME\fB/journal/apply\-\fITIME\fB.jsonl\fR
The journal \fBapply\fR writes (JSON Lines).
.TP
\fB.gitignore\fR, \fB.ignore\fR
Honoured when \fBlint\fR walks a directory.
"#;

/// Render `cmd`'s page with [`MAN_SECTIONS`] before its VERSION section.
fn render_page(cmd: clap::Command) -> Result<Vec<u8>, Error> {
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut page)?;
    let text = String::from_utf8_lossy(&page).into_owned();
    let text = match text.find(".SH VERSION") {
        Some(at) => format!("{}{MAN_SECTIONS}{}", &text[..at], &text[at..]),
        None => format!("{text}{MAN_SECTIONS}"),
    };
    Ok(text.into_bytes())
}

/// Every man page as (file name, roff text): `packetc.1`, then `packetc-SUB.1` per subcommand.
pub fn man_pages() -> Result<Vec<(String, Vec<u8>)>, Error> {
    let mut cmd = stable_command();
    cmd.build();
    let mut pages = Vec::new();
    pages.push(("packetc.1".to_owned(), render_page(cmd.clone())?));
    for sub in cmd.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        let name = format!("packetc-{}", sub.get_name());
        let sub = sub.clone().name(name.clone()).display_name(name.clone());
        pages.push((format!("{name}.1"), render_page(sub)?));
    }
    Ok(pages)
}
