//! A throwaway or existing PostgreSQL server, reached through the real `psql`.
//!
//! Everything here talks to PostgreSQL the way a packet's channel does: the `psql` binary, with
//! the script fed on **stdin** (`psql -X ... -f -`), so what `packetc prove` and the tests observe
//! is what `ssh contabo docker exec -i postgres psql -U workflow_admin -d directus -f -` would do.
//! There is no client library and no mock.
//!
//! - [`Cluster`]: a PostgreSQL server. [`Cluster::start`] creates a private one (`initdb` +
//!   `pg_ctl`, Unix socket only, in a temp dir, as the `postgres` system user when running as
//!   root) that is stopped and removed on drop, also when a test panics;
//!   [`Cluster::from_url`] uses an existing server instead. Scratch databases come from SQL files
//!   ([`Cluster::create_database_from_files`]) or, faster, from a template
//!   ([`Cluster::create_database_from_template`]).
//! - [`Target`]: how to reach one database (socket directory + port + user + name, or a libpq
//!   URL / conninfo string).
//! - [`run_psql`] / [`spawn_psql`]: run a script through `psql`, collecting exit code, stdout,
//!   stderr and duration ([`PsqlRun`]); [`PsqlChild`] can be killed mid-run.
//! - [`query_rows`], [`query_scalar`], [`query_scalars`]: read values back for assertions and
//!   reports; [`table_fingerprint`] and [`database_fingerprint`] checksum table contents.
//!
//! One file a job: [`binaries`](find_server_bindir) finds the programs, `process` runs the
//! server's programs as another user, `cluster` starts and stops a server, `scratch` creates and
//! drops scratch databases on it, `psql` runs scripts and queries, `target` names a database, `answer` reads the one-line answers
//! of the catalog and fingerprint queries.
//!
//! Binaries are found through `PACKETC_PG_BINDIR` / `PACKETC_PSQL`, then `PATH`, then the newest
//! `/usr/lib/postgresql/*/bin` (see [`find_server_bindir`], [`find_psql`]); an explicit choice
//! that does not hold the binaries is an error, never a fallback to another version.
//! When none is installed, the functions return [`PgError::NotInstalled`], which callers (tests,
//! `prove`) can report as such.

pub mod answer;
mod binaries;
mod cluster;
mod process;
mod psql;
mod scratch;
mod target;

pub use crate::sql::{quote_ident, quote_literal, quote_qualified};
pub use binaries::{find_psql, find_server_bindir};
pub use cluster::{Cluster, ClusterOptions};
pub use psql::{
    database_fingerprint, query_rows, query_scalar, query_scalars, run_psql, run_psql_file,
    spawn_psql, table_fingerprint, PsqlChild, PsqlRun, TableFingerprint,
};
pub use scratch::SCRATCH_MARKER;
pub use target::Target;

use std::path::PathBuf;

/// Why a PostgreSQL operation could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum PgError {
    /// No PostgreSQL binary (server or `psql`) could be found.
    #[error("PostgreSQL is not installed: {what} not found (looked in {looked})")]
    NotInstalled {
        /// The missing program, e.g. `initdb` or `psql`.
        what: String,
        /// Where it was looked for.
        looked: String,
    },
    /// A program could not be started or waited for.
    #[error("could not run {program}: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A server-side step (initdb, pg_ctl, a setup statement) failed.
    #[error("{step} failed: {detail}")]
    Command {
        /// What was being done.
        step: String,
        /// Exit status, stderr and, where there is one, the tail of the server log.
        detail: String,
    },
    /// A query run for its values failed or returned something unexpected.
    #[error("query failed: {detail}\nquery: {query}")]
    Query {
        /// The query text.
        query: String,
        /// psql's stderr or what was wrong with the result.
        detail: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A destructive operation was refused to protect a database packetc did not create.
    #[error("refused: {0}")]
    Refused(String),
    /// An argument was not acceptable (e.g. a setting name that is not an identifier).
    #[error("invalid argument: {0}")]
    Invalid(String),
}

impl PgError {
    /// True when the error means PostgreSQL is not installed (as opposed to failing).
    #[must_use]
    pub fn is_not_installed(&self) -> bool {
        matches!(self, PgError::NotInstalled { .. })
    }
}
