//! `packetc apply`: run a packet's steps through its channel, unattended, and stop the way the
//! spec says.
//!
//! Order of business, and why:
//! 1. Local checks, before anything reaches the database: the spec loads, every `--var` is
//!    known and every needed one given (exit 2), the committed scripts are byte for byte what
//!    the spec renders and lint clean with their step contexts (exit 1). The bytes checked are
//!    the bytes run ([`precheck`]).
//!    The proof record (`PACKET/proof.json`) must be fresh: a missing, stale or failed proof is
//!    refused (exit 1) unless `--override-proof REASON` is given, which is journaled.
//! 2. `--dry-run` stops here and prints what would run.
//! 3. The journal is opened ([`journal`]) and a read-only probe goes through the channel
//!    ([`probe`]): a channel that cannot start is bad input (exit 2) before any step. Then the
//!    target's schema fingerprint, read through the channel, is compared with the proof's
//!    ([`schema`]): equal or cosmetic goes on; a real difference stops (exit 1), no step run.
//! 4. The forward steps (every step but the rollback, in spec order: preflight, seed, verify)
//!    run one by one ([`sequence`]). A failed step with `stop: stop` ends the run (exit 1); one
//!    with `stop: stop_and_rollback` runs the rollback script, then ends (exit 1) ([`stops`]).
//!    Ctrl-C / SIGTERM / SIGHUP end the running channel and start nothing new ([`signals`]).
//! 5. A transaction step's COMMIT line is sent only once psql has run everything before it and
//!    nothing asked packetc to stop ([`pipes`]), so an interrupted or killed run cannot commit,
//!    even when the channel outlives packetc.
//!
//! Never automated, whatever the flags: opening the human gate (the fixture's gate-open.sql is
//! never read), any script but the packet's committed steps, anything the lint policy forbids.
//! There is no `--force`.

mod channel;
mod dryrun;
mod journal;
mod pipes;
mod precheck;
mod probe;
mod schema;
mod sequence;
mod signals;
mod stops;
mod vars;

use std::io::Write;
use std::time::{Duration, SystemTime};

use crate::cli::ApplyArgs;
use crate::diag::{Error, Status};
use crate::lint::Policy;
use crate::spec::Role;

use dryrun::dry_run;
use sequence::Apply;

pub use channel::{Channel, CommitPoint, Ended, Finished};
pub use journal::{file_stamp, rfc3339, Journal, SCHEMA_VERSION};
pub use pipes::{new_marker, Input};
pub use precheck::Committed;
pub use signals::Interrupt;
pub use vars::{psql_quote, set_lines, shell_quote, Vars};

/// How long the probe may take (an ssh that prompts for a password never answers).
pub const PROBE_LIMIT: Duration = Duration::from_secs(60);

/// Run `packetc apply`.
pub fn run(args: &ApplyArgs, out: &mut dyn Write) -> Result<Status, Error> {
    let loaded = crate::spec::load(&args.packet)?;
    let vars = Vars::parse(&args.vars, &loaded.packet)?;
    let channel = Channel::resolve(args, &loaded.packet)?;
    let policy = Policy::resolve(args.policy.as_deref())?;
    writeln!(
        out,
        "packetc apply: {} ({}, sha256 {})",
        loaded.packet.name,
        loaded.spec_path.display(),
        loaded.spec_sha256
    )?;
    let Some(scripts) = precheck::committed_scripts(&loaded, &policy, out)? else {
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
    if args.dry_run {
        dry_run(out, &loaded, &forward, rollback.first(), &channel, &vars)?;
        return Ok(Status::Clean);
    }
    let interrupt = Interrupt::install()?;
    // From here on the journal is the record: a closed stdout (a dropped ssh session, `| head`)
    // must not abort a sequence half-way, so progress output becomes best-effort.
    let mut tolerant = Tolerant {
        inner: out,
        broken: false,
    };
    let out: &mut dyn Write = &mut tolerant;
    let journal = Journal::open(args.journal.as_deref(), &loaded.dir, SystemTime::now())?;
    writeln!(out, "journal: {}", journal.path().display())?;
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
        proven: &proven,
    };
    apply.execute(&forward, rollback.first())
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
