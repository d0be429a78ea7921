//! Command-line types only (clap derive). Behaviour lives in `app` and the cores.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The version `--version` prints: the crate version and the git commit it was built from
/// (`unknown` when built outside a git checkout, e.g. from a source tarball; see build.rs).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("PACKETC_GIT_COMMIT"),
    ")"
);

/// Compile, lint, check, prove and apply self-guarding PostgreSQL change packets.
#[derive(Debug, Parser)]
#[command(name = "packetc", version = VERSION, about, long_about = None)]
#[command(color = clap_color(std::env::args_os()))]
#[command(
    after_help = "Docs: docs/README.md. Exit codes: 0 clean, 1 findings/drift/failed gate, 2 bad input or usage."
)]
pub struct Cli {
    /// When to colour diagnostics: auto (a terminal, and NO_COLOR unset), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print only findings, drift and errors (no "wrote ..." / "ok: ..." lines).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// clap's own colouring (help, usage errors) follows `--color` too. clap decides it while
/// building the command, before the arguments are parsed, so the flag is looked up in the raw
/// arguments here; `auto` leaves it to clap, which already honours `NO_COLOR` and non-terminals.
#[must_use]
pub fn clap_color(args: impl IntoIterator<Item = std::ffi::OsString>) -> clap::ColorChoice {
    let mut args = args.into_iter().map(|a| a.to_string_lossy().into_owned());
    let mut choice = clap::ColorChoice::Auto;
    while let Some(arg) = args.next() {
        if arg == "--" {
            break;
        }
        let value = match arg.strip_prefix("--color") {
            Some("") => args.next(),
            Some(v) => v.strip_prefix('=').map(str::to_owned),
            None => None,
        };
        match value.as_deref() {
            Some("always") => choice = clap::ColorChoice::Always,
            Some("never") => choice = clap::ColorChoice::Never,
            Some("auto") => choice = clap::ColorChoice::Auto,
            _ => {}
        }
    }
    choice
}

/// When to colour diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout and stderr are terminals and NO_COLOR is not set.
    Auto,
    /// Always colour (e.g. CI logs that render ANSI colours).
    Always,
    /// Never colour.
    Never,
}

impl From<ColorChoice> for crate::diag::ColorChoice {
    fn from(c: ColorChoice) -> Self {
        match c {
            ColorChoice::Auto => Self::Auto,
            ColorChoice::Always => Self::Always,
            ColorChoice::Never => Self::Never,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render a packet's four scripts into PACKET/sql/ (atomically).
    ///
    /// Example: packetc render packets/one-roof-ownership-seed
    Render(RenderArgs),
    /// Re-render every packet in memory, fail on drift from the committed scripts, lint them.
    ///
    /// Example: packetc check            (every packet under ./packets)
    Check(CheckArgs),
    /// Lint SQL scripts against the write policy.
    ///
    /// Example: packetc lint --format short packets/one-roof-ownership-seed/sql
    Lint(LintArgs),
    /// Print a packet's step table: step, script, gate, expected delta, stop condition.
    ///
    /// Example: packetc plan packets/one-roof-ownership-seed --format markdown
    Plan(PlanArgs),
    /// Run the packet on a scratch PostgreSQL clone and report expected vs observed per step.
    ///
    /// Example: packetc prove packets/one-roof-ownership-seed
    Prove(ProveArgs),
    /// Run preflight, seed and verify through the channel (rollback on a failed verify).
    ///
    /// Example: packetc apply packets/one-roof-ownership-seed --var ratified_apr=APR-BOOT-AUTHMODEL-1 --dry-run
    Apply(ApplyArgs),
    /// Show the journal history of a packet and its live state, metric by metric (read-only).
    ///
    /// Example: packetc status packets/one-roof-ownership-seed --database-url 'dbname=directus'
    Status(StatusArgs),
    /// Print the one-time script a DBA runs to create the role the packet's writes run as.
    ///
    /// Example: packetc grants packets/one-roof-ownership-seed
    Grants(GrantsArgs),
    /// Print the documentation of a lint rule.
    ///
    /// Example: packetc rule PC001
    Rule(RuleArgs),
    /// Scaffold a new packet: a commented packet.yaml (valid as written) and its four scripts.
    ///
    /// Example: packetc new add-feature-flags
    New(NewArgs),
    /// Print the JSON Schema of packet.yaml, policy.yaml or the JSON report (committed in docs/schema/).
    ///
    /// Example: packetc schema packet > docs/schema/packet.schema.json
    Schema(SchemaArgs),
    /// Print a shell completion script.
    ///
    /// Example: packetc completions bash > ~/.local/share/bash-completion/completions/packetc
    Completions(CompletionsArgs),
    /// Print the man page, or write every page (packetc.1, packetc-SUBCOMMAND.1) into a directory.
    ///
    /// Example: packetc man --dir docs/man
    Man(ManArgs),
    /// Print the schema fingerprint of a database (only reads): the canonical description of
    /// every object a packet depends on, hashed per object.
    ///
    /// Example: packetc fingerprint packets/one-roof-ownership-seed --database-url postgresql:///directus
    Fingerprint(FingerprintArgs),
    /// Export a database's catalog (only reads) as a snapshot for schema-aware lint: every
    /// table's triggers, indexes, constraints, views, children, foreign keys, column domains and
    /// types, sequences and the functions its checks and defaults call.
    ///
    /// Example: packetc catalog --database-url postgresql:///directus -o catalog.json
    Catalog(CatalogArgs),
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Packet directory or its packet.yaml.
    pub packet: PathBuf,
}

#[derive(Debug, Args)]
pub struct GrantsArgs {
    /// Packet directory or its packet.yaml.
    pub packet: PathBuf,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Packet directories or packet.yaml files (default: every packet under ./packets).
    pub packets: Vec<PathBuf>,
    /// Lint policy file (default: the nearest packets/policy.yaml above each packet, else the
    /// built-in policy).
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// Output format for lint findings and drift.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// SQL files or directories (every *.sql inside, recursively, honouring .gitignore;
    /// hidden, vendored and clone-fixture directories skipped); `-` reads stdin.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Lint policy file (default: the nearest packets/policy.yaml above each file, else the
    /// built-in policy).
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// Skip files and directories matching this glob (gitignore syntax, relative to each
    /// directory PATH); repeatable.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// The file name stdin (`-`) stands for: used in reports and to find its policy.
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<PathBuf>,
    /// The target's schema: SQL (e.g. a pg_dump --schema-only file) or a snapshot written by
    /// `packetc catalog` (told apart by content). Schema-aware mode: DDL on a protected table's
    /// trigger functions, indexes, constraints, views, child tables, foreign keys, column
    /// domains and types, default sequences and check functions is a finding (PC005).
    /// `packetc check` uses a packet's fixture/schema.sql by itself.
    #[arg(long, value_name = "FILE")]
    pub schema: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Rich diagnostics with source snippets.
    Human,
    /// One line per finding: PATH:LINE:COL: CODE message.
    Short,
    /// A JSON document.
    Json,
    /// SARIF 2.1.0 for code scanning.
    Sarif,
    /// GitHub Actions workflow annotations.
    Github,
}

impl From<Format> for crate::lint::Format {
    fn from(f: Format) -> Self {
        match f {
            Format::Human => Self::Human,
            Format::Short => Self::Short,
            Format::Json => Self::Json,
            Format::Sarif => Self::Sarif,
            Format::Github => Self::Github,
        }
    }
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Packet directory or its packet.yaml.
    pub packet: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// An aligned text table for terminals.
    Text,
    /// A Markdown table for docs and reviews.
    Markdown,
}

#[derive(Debug, Args)]
pub struct ProveArgs {
    /// Packet directory or its packet.yaml.
    pub packet: PathBuf,
    /// Use this server instead of a scratch cluster (also PACKETC_DATABASE_URL).
    #[arg(long, env = "PACKETC_DATABASE_URL")]
    pub database_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Packet directory or its packet.yaml.
    pub packet: PathBuf,
    /// psql variables for the scripts, NAME=VALUE (e.g. ratified_apr=APR-BOOT-AUTHMODEL-1).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Run psql locally against this connection string instead of the packet's channel.
    #[arg(long, conflicts_with = "channel")]
    pub database_url: Option<String>,
    /// Channel command that runs psql reading the script on stdin (overrides the packet's).
    #[arg(long)]
    pub channel: Option<String>,
    /// Print exactly what would run, in order, and run nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Journal file (JSON Lines; default: PACKET/journal/apply-<time>.jsonl).
    #[arg(long)]
    pub journal: Option<PathBuf>,
    /// Lint policy file (default: the nearest packets/policy.yaml above the packet, else the
    /// built-in policy).
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// Run the packet's rollback step (journaled, judged by its evidence) instead of the
    /// forward steps. Needs --confirm-rollback.
    #[arg(long, conflicts_with = "dry_run")]
    pub rollback: bool,
    /// Confirm --rollback: delete exactly the rows carrying the packet's provenance tag.
    #[arg(long, requires = "rollback")]
    pub confirm_rollback: bool,
    /// Time limit of each step: its statement_timeout and the wall-clock limit of the channel
    /// (e.g. 30s, 5min; default: the step's time_limit in packet.yaml, else 5min).
    #[arg(long, value_name = "DURATION", value_parser = crate::apply::parse_duration)]
    pub step_timeout: Option<std::time::Duration>,
    /// lock_timeout of the steps that set none themselves (default 10s).
    #[arg(long, value_name = "DURATION", value_parser = crate::apply::parse_duration)]
    pub lock_timeout: Option<std::time::Duration>,
    /// Run although PACKET/proof.json is missing, stale or failed; REASON is journaled.
    #[arg(long, value_name = "REASON")]
    pub override_proof: Option<String>,
    /// Scanner and cursor packets: run the forward steps up to N times, stopping at the first
    /// failed condition or when there is nothing left to do (refused for a seed).
    #[arg(long, value_name = "N", conflicts_with = "rollback", value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub repeat: Option<u32>,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Packet directory or its packet.yaml.
    pub packet: PathBuf,
    /// Read the live state with the local psql and this connection string.
    #[arg(long, conflicts_with = "channel")]
    pub database_url: Option<String>,
    /// Channel command that runs psql reading the script on stdin (overrides the packet's).
    #[arg(long)]
    pub channel: Option<String>,
    /// Also read this journal file (besides PACKET/journal/*.jsonl).
    #[arg(long)]
    pub journal: Option<PathBuf>,
    /// Show only the journal history; do not read the live state.
    #[arg(long)]
    pub offline: bool,
    /// Variables the metrics read, NAME=VALUE (default: those of the last journaled run).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
}

#[derive(Debug, Args)]
pub struct FingerprintArgs {
    /// Fingerprint what this packet depends on (default: every user relation).
    pub packet: Option<PathBuf>,
    /// Run the local psql against this connection string.
    #[arg(long, conflicts_with = "channel", required_unless_present = "channel")]
    pub database_url: Option<String>,
    /// Channel command that runs psql reading the script on stdin (e.g. the packet's channel).
    #[arg(long)]
    pub channel: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FingerprintFormat::Text)]
    pub format: FingerprintFormat,
}

#[derive(Debug, Args)]
pub struct CatalogArgs {
    /// Run the local psql against this connection string.
    #[arg(long, conflicts_with = "channel", required_unless_present = "channel")]
    pub database_url: Option<String>,
    /// Channel command that runs psql reading the script on stdin (e.g. the packet's channel).
    #[arg(long)]
    pub channel: Option<String>,
    /// Write the snapshot to FILE (atomically: a temporary file, then a rename) instead of
    /// stdout; `packetc lint --schema FILE` reads it.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FingerprintFormat {
    /// One line per object: short hash, kind, name.
    Text,
    /// Every object's canonical description (the form proof.json records).
    Json,
}

#[derive(Debug, Args)]
pub struct RuleArgs {
    /// Rule code (e.g. PC001) or kebab-case name; omit to list all rules.
    pub code: Option<String>,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The packet's name: letters, digits, - and _ (it names the directory).
    pub name: String,
    /// The directory that holds packets.
    #[arg(long, default_value = "packets")]
    pub dir: PathBuf,
    /// The packet's shape: a one-shot seed, a scanner (idempotent upsert, one run row per run)
    /// or a cursor (monotonic advance); see docs/shapes.md.
    #[arg(long, value_enum, default_value_t = NewShape::Seed)]
    pub shape: NewShape,
}

/// `packetc new --shape`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum NewShape {
    Seed,
    Scanner,
    Cursor,
}

impl From<NewShape> for crate::packet::Shape {
    fn from(s: NewShape) -> Self {
        match s {
            NewShape::Seed => crate::packet::Shape::Seed,
            NewShape::Scanner => crate::packet::Shape::Scanner,
            NewShape::Cursor => crate::packet::Shape::Cursor,
        }
    }
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which file's schema.
    #[arg(value_enum)]
    pub kind: SchemaKind,
}

/// The YAML files packetc reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// packets/NAME/packet.yaml.
    Packet,
    /// packets/policy.yaml (the lint policy).
    Policy,
    /// The `--format json` report of `packetc lint` and `packetc check`.
    Report,
    /// PACKET/journal/*.jsonl (one record per line, written by apply).
    Journal,
}

impl From<SchemaKind> for crate::schema::SchemaKind {
    fn from(k: SchemaKind) -> Self {
        match k {
            SchemaKind::Packet => Self::Packet,
            SchemaKind::Policy => Self::Policy,
            SchemaKind::Report => Self::Report,
            SchemaKind::Journal => Self::Journal,
        }
    }
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Shells with completion scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write packetc.1 and one page per subcommand into this directory instead of printing
    /// packetc.1.
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

impl From<&ApplyArgs> for crate::apply::Request {
    fn from(a: &ApplyArgs) -> Self {
        crate::apply::Request {
            packet: a.packet.clone(),
            vars: a.vars.clone(),
            database_url: a.database_url.clone(),
            channel: a.channel.clone(),
            dry_run: a.dry_run,
            journal: a.journal.clone(),
            policy: a.policy.clone(),
            rollback: a.rollback,
            confirm_rollback: a.confirm_rollback,
            step_timeout: a.step_timeout,
            lock_timeout: a.lock_timeout,
            override_proof: a.override_proof.clone(),
            repeat: a.repeat,
        }
    }
}

impl From<&StatusArgs> for crate::apply::status::Request {
    fn from(a: &StatusArgs) -> Self {
        crate::apply::status::Request {
            packet: a.packet.clone(),
            database_url: a.database_url.clone(),
            channel: a.channel.clone(),
            journal: a.journal.clone(),
            offline: a.offline,
            vars: a.vars.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn clap_follows_the_color_flag() {
        let choice = |args: &[&str]| super::clap_color(args.iter().map(Into::into));
        assert_eq!(
            choice(&["packetc", "--color", "never", "x"]),
            clap::ColorChoice::Never
        );
        assert_eq!(
            choice(&["packetc", "lint", "--color=always"]),
            clap::ColorChoice::Always
        );
        assert_eq!(choice(&["packetc", "check"]), clap::ColorChoice::Auto);
        assert_eq!(
            choice(&["packetc", "--", "--color=never"]),
            clap::ColorChoice::Auto
        );
    }
}
