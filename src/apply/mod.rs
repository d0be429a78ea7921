//! `packetc apply`: run a packet's steps through its channel, unattended, judge each by the
//! evidence it printed, and stop the way the spec says; re-running the same command resumes.
//!
//! Order of business, and why:
//! 1. Local checks, before anything reaches the database: the spec loads, every `--var` is
//!    known and every needed one given (exit 2), the committed scripts are byte for byte what
//!    the spec renders and lint clean with their step contexts (exit 1). The bytes checked are
//!    the bytes run ([`precheck`]).
//!    The proof record (`PACKET/proof.json`) must be fresh: a missing, stale or failed proof is
//!    refused (exit 1) unless `--override-proof REASON` is given, which is journaled.
//! 2. `--dry-run` stops here and prints what would run ([`dryrun`]).
//! 3. The journal is opened and its `start` record written ([`journal`], typed records in
//!    [`record`]); a read-only probe goes through the channel ([`probe`]): a channel that cannot
//!    start is bad input (exit 2) before any step. Before the forward steps, the target's schema
//!    fingerprint, read through the channel, is compared with the proof's ([`schema`]): equal or
//!    cosmetic goes on; a real difference stops (exit 1), no step run.
//! 4. A psql session of its own takes the packet's advisory lock and holds it for the run
//!    ([`lock`]): a second apply stops with "another apply holds the packet".
//! 5. The live state is read, read-only, through the packet's metrics ([`state`]) and, with the
//!    journal history ([`history`]), decides what runs ([`resume`]): everything, only the
//!    verify, nothing ("already applied and verified"), or a stop that says what was found.
//!    `--rollback --confirm-rollback` runs the rollback step the same way.
//! 6. Each step runs under its time bounds ([`limits`]) and is judged by its evidence
//!    ([`evidence`]), never by the exit code alone: every declared observation and, for a
//!    transaction, the COMMIT's answer. A COMMIT sent without an answer is decided from the
//!    live state. Read-only steps without evidence run again (bounded) ([`sequence`]).
//! 7. A failed assertion triggers the spec's stop action; missing evidence only stops, saying
//!    what is committed ([`stops`]). Ctrl-C / SIGTERM / SIGHUP end the running channel and start
//!    nothing new ([`signals`]).
//! 8. A transaction step's COMMIT line is sent only once psql has run everything before it and
//!    nothing asked packetc to stop ([`pipes`]), so an interrupted or killed run cannot commit,
//!    even when the channel outlives packetc.
//!
//! `packetc status` ([`status`]) shows the journal history next to the live state.
//!
//! Never automated, whatever the flags: opening the human gate (the fixture's gate-open.sql is
//! never read), any script but the packet's committed steps (and the read-only probe, lock and
//! state queries), anything the lint policy forbids. There is no `--force`.

mod channel;
mod dryrun;
mod evidence;
mod history;
mod journal;
mod limits;
mod live_lint;
mod lock;
mod pipes;
mod precheck;
mod probe;
pub mod record;
mod repeat;
mod resume;
mod schema;
mod sequence;
mod signals;
mod state;
pub mod status;
mod stops;
mod vars;

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use crate::diag::{Error, Status};
use crate::lint::PolicyFinder;
use crate::output::Printer;
use crate::packet::Role;

use dryrun::dry_run;
use sequence::Apply;

pub use crate::sql::{psql_quote, shell_quote};
pub use channel::{Channel, CommitPoint, Ended, Finished};
pub use journal::{file_stamp, rfc3339, Journal};
pub use limits::parse_flag as parse_duration;
pub use pipes::{new_marker, Input};
pub use precheck::Committed;
pub use record::{Entry, Record, SCHEMA_VERSION};
pub use signals::Interrupt;
pub use vars::{set_lines, Vars};

/// How long the probe may take (an ssh that prompts for a password never answers).
pub const PROBE_LIMIT: Duration = Duration::from_secs(60);

/// What one `packetc apply` is asked to do: the command line's meaning, without clap (the
/// command layer converts `cli::ApplyArgs` into it), so the sequence can be driven from tests
/// and other front ends alike.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Packet directory or its packet.yaml.
    pub packet: PathBuf,
    /// psql variables for the scripts, `NAME=VALUE`.
    pub vars: Vec<String>,
    /// Run psql locally against this connection string instead of the packet's channel.
    pub database_url: Option<String>,
    /// Channel command that overrides the packet's.
    pub channel: Option<String>,
    /// Print what would run and run nothing.
    pub dry_run: bool,
    /// Journal file (default: PACKET/journal/apply-<time>.jsonl).
    pub journal: Option<PathBuf>,
    /// Lint policy file (default: found from the packet's location).
    pub policy: Option<PathBuf>,
    /// Run the rollback step instead of the forward steps.
    pub rollback: bool,
    /// The operator confirmed the rollback.
    pub confirm_rollback: bool,
    /// Time limit of each step.
    pub step_timeout: Option<Duration>,
    /// lock_timeout of the steps that set none themselves.
    pub lock_timeout: Option<Duration>,
    /// Run despite a missing, stale or failed proof, for this journaled reason.
    pub override_proof: Option<String>,
    /// Repeatable shapes: run the forward steps up to N times.
    pub repeat: Option<u32>,
}

/// Run `packetc apply`.
pub fn run(args: &Request, printer: &mut Printer) -> Result<Status, Error> {
    // First of all: a stop signal during the local checks is then noticed before the probe
    // (and journaled), instead of killing packetc without a word.
    let interrupt = Interrupt::install()?;
    let loaded = crate::packet::load(&args.packet)?;
    if args.rollback && !args.confirm_rollback {
        return Err(Error::input(
            format!(
                "--rollback deletes every row of {} WHERE {} = {}: it needs --confirm-rollback",
                loaded.packet.provenance.table,
                loaded.packet.provenance.tag_column,
                crate::pg::quote_literal(&loaded.packet.provenance.tag)
            ),
            "check the state first with `packetc status PACKET`, then add --confirm-rollback",
        ));
    }
    let shape = loaded.packet.shape;
    if args.repeat.is_some() && !shape.is_repeatable() {
        return Err(Error::input(
            format!(
                "--repeat: {} is a one-shot {shape} packet; a second run stops on its gate by design",
                loaded.packet.name
            ),
            "run it without --repeat; --repeat is for scanner and cursor packets (docs/shapes.md)",
        ));
    }
    let roles: Vec<Role> = if args.rollback {
        vec![Role::Rollback]
    } else {
        loaded.packet.steps.iter().map(|s| s.role).collect()
    };
    let vars = Vars::parse(&args.vars, &loaded.packet, &roles)?;
    let channel = Channel::resolve(args, &loaded.packet)?;
    let policy = PolicyFinder::new(args.policy.as_deref())?.for_path(&loaded.dir)?;
    writeln!(
        printer.results(),
        "packetc apply: {} ({}, sha256 {})",
        loaded.packet.name,
        loaded.spec_path.display(),
        loaded.spec_sha256
    )?;
    writeln!(printer.progress(), "{}", policy.line())?;
    let out = printer.results();
    // Schema-aware from the start: the fixture is the target's schema until the live catalog
    // is read (a real run reads it through the channel before the lock).
    let lint_policy = crate::check::with_fixture(&loaded, &policy.policy)?;
    let lint_policy = lint_policy.unwrap_or_else(|| policy.policy.clone());
    let Some(scripts) = precheck::committed_scripts(&loaded, &lint_policy, out)? else {
        return Ok(Status::Failed);
    };
    let Some(proven) = precheck::proof(&loaded, args.override_proof.as_deref(), out)? else {
        return Ok(Status::Failed);
    };
    let (forward, rollback): (Vec<Committed>, Vec<Committed>) = scripts
        .into_iter()
        .partition(|c| c.step.role != Role::Rollback);
    writeln!(
        out,
        "checks: {} committed scripts match the spec and lint clean",
        forward.len() + rollback.len()
    )?;
    let limits = record::Limits {
        step_ms: millis(args.step_timeout.unwrap_or(limits::DEFAULT_STEP)),
        step_from_flag: args.step_timeout.is_some(),
        lock_ms: millis(args.lock_timeout.unwrap_or(limits::DEFAULT_LOCK)),
        attempts: limits::ATTEMPTS,
    };
    if args.dry_run {
        vars.check_patterns(&loaded.packet)?;
        writeln!(
            out,
            "lint: schema-aware with {}; a real run lints again with the live catalog, read through the channel",
            if loaded.dir.join("fixture/schema.sql").is_file() {
                "the fixture (fixture/schema.sql)"
            } else {
                "no schema (the packet has no fixture/schema.sql)"
            }
        )?;
        if shape.is_repeatable() {
            writeln!(
                out,
                "repeat: up to {} iteration(s) of the forward steps, stopping at the first failed condition or when the live state shows nothing left to do",
                args.repeat.unwrap_or(1)
            )?;
        }
        dry_run(
            out,
            &loaded,
            &forward,
            rollback.first(),
            &channel,
            &vars,
            &limits,
        )?;
        return Ok(Status::Clean);
    }
    if args.rollback && rollback.is_empty() {
        return Err(Error::input(
            "--rollback: the packet has no rollback step",
            "undo the change by hand",
        ));
    }
    // From here on the journal is the record: a closed stdout (a dropped ssh session, `| head`)
    // must not abort a sequence half-way, so progress output becomes best-effort.
    let mut tolerant = Tolerant {
        inner: out,
        broken: false,
    };
    let out: &mut dyn Write = &mut tolerant;
    let journal = Journal::open(args.journal.as_deref(), &loaded.dir, SystemTime::now())?;
    writeln!(out, "journal: {}", journal.path().display())?;
    writeln!(out, "run: {}", journal.run())?;
    writeln!(
        out,
        "channel: {} (from {})",
        channel.describe(),
        channel.source()
    )?;
    out.flush()?;
    let mut apply = Apply {
        loaded: &loaded,
        channel: &channel,
        vars: &vars,
        interrupt: &interrupt,
        journal,
        journal_error: None,
        out,
        limits,
        mode: if args.rollback {
            record::Mode::Rollback
        } else {
            record::Mode::Apply
        },
        lock: None,
        committed: "nothing, by this run".to_owned(),
        proven: &proven,
        policy: &lint_policy,
    };
    let status = match rollback.first() {
        Some(rb) if args.rollback => apply.run_rollback(rb),
        // A repeatable shape always loops (bounded, default once): the live state says whether
        // there is work, the gates whether it may be done.
        _ if shape.is_repeatable() => {
            apply.run_repeat(&forward, rollback.first(), args.repeat.unwrap_or(1))
        }
        _ => apply.run_forward(&forward, rollback.first()),
    };
    apply.release();
    status
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// A writer that stops writing at its first error instead of failing the caller.
struct Tolerant<'a> {
    inner: &'a mut dyn Write,
    broken: bool,
}

impl Write for Tolerant<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if !self.broken && self.inner.write_all(buf).is_err() {
            self.broken = true;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.broken && self.inner.flush().is_err() {
            self.broken = true;
        }
        Ok(())
    }
}
