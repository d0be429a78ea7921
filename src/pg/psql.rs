//! Running scripts and queries through the real `psql`.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::binaries::find_psql;
use super::target::Target;
use super::PgError;
use crate::sql::{quote_ident, quote_literal, quote_qualified};

/// What one `psql` run did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PsqlRun {
    /// psql's exit code: 0 ok, 1 fatal client error, 2 connection lost, 3 a script error with
    /// `ON_ERROR_STOP` set. `None` when psql was ended by a signal (e.g. [`PsqlChild::kill`]).
    pub exit_code: Option<i32>,
    /// Everything psql printed on stdout.
    pub stdout: String,
    /// Everything psql printed on stderr (errors, `RAISE NOTICE`, `\echo` to stderr ...).
    pub stderr: String,
    /// Wall-clock time from spawn to exit.
    pub duration: Duration,
    /// True when [`PsqlChild::wait_timeout`] had to kill psql.
    pub timed_out: bool,
}

impl PsqlRun {
    /// Exit code 0.
    #[must_use]
    pub fn success(&self) -> bool {
        self.exit_code == Some(0)
    }

    /// A one-paragraph summary for error messages: exit code and stderr.
    #[must_use]
    pub fn summary(&self) -> String {
        let code = self
            .exit_code
            .map_or_else(|| "killed by a signal".to_owned(), |c| format!("exit {c}"));
        let timed_out = if self.timed_out { " (timed out)" } else { "" };
        format!("psql {code}{timed_out}: {}", self.stderr.trim_end())
    }
}

/// A running `psql`, started by [`spawn_psql`]. Its output is collected in the background, so
/// it never blocks on a full pipe. Dropping it without waiting kills psql.
pub struct PsqlChild {
    child: Option<Child>,
    started: Instant,
    stdin: Option<JoinHandle<()>>,
    stdout: Option<JoinHandle<Vec<u8>>>,
    stderr: Option<JoinHandle<Vec<u8>>>,
}

impl PsqlChild {
    /// The OS process id of psql.
    #[must_use]
    pub fn id(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Kill psql (SIGKILL). The server notices the lost connection and aborts the session's
    /// open transaction. Call [`PsqlChild::wait`] afterwards to collect the output.
    pub fn kill(&mut self) -> Result<(), PgError> {
        match self.child.as_mut() {
            Some(child) => match child.kill() {
                Ok(()) => Ok(()),
                // Already exited.
                Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => Ok(()),
                Err(e) => Err(spawn_err(e)),
            },
            None => Ok(()),
        }
    }

    /// True once psql has exited.
    pub fn has_exited(&mut self) -> Result<bool, PgError> {
        match self.child.as_mut() {
            Some(child) => Ok(child.try_wait().map_err(spawn_err)?.is_some()),
            None => Ok(true),
        }
    }

    /// Wait for psql to exit and collect its output.
    pub fn wait(mut self) -> Result<PsqlRun, PgError> {
        let status = match self.child.as_mut() {
            Some(child) => child.wait().map_err(spawn_err)?,
            None => return Err(PgError::Invalid("psql was already waited for".into())),
        };
        Ok(self.finish(status, false))
    }

    /// Wait at most `limit`; past it psql is killed and the run is marked `timed_out`.
    pub fn wait_timeout(mut self, limit: Duration) -> Result<PsqlRun, PgError> {
        let deadline = self.started + limit;
        loop {
            let Some(child) = self.child.as_mut() else {
                return Err(PgError::Invalid("psql was already waited for".into()));
            };
            if let Some(status) = child.try_wait().map_err(spawn_err)? {
                return Ok(self.finish(status, false));
            }
            if Instant::now() >= deadline {
                // The process may exit between try_wait and kill; both outcomes are fine.
                let _ = child.kill();
                let status = child.wait().map_err(spawn_err)?;
                return Ok(self.finish(status, true));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn finish(&mut self, status: ExitStatus, timed_out: bool) -> PsqlRun {
        let duration = self.started.elapsed();
        self.child = None;
        if let Some(h) = self.stdin.take() {
            let _ = h.join();
        }
        let stdout = self
            .stdout
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        let stderr = self
            .stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        PsqlRun {
            exit_code: status.code(),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            duration,
            timed_out,
        }
    }
}

impl Drop for PsqlChild {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn spawn_err(e: std::io::Error) -> PgError {
    PgError::Spawn {
        program: "psql".into(),
        source: e,
    }
}

/// Start `psql -X [-v ON_ERROR_STOP=1] [-v NAME=VALUE]... <target> -f -` and feed
/// `script_text` on its stdin, the way the packet channel does. `-q` is not passed, so stdout
/// carries the command tags (`INSERT 0 30`) as it does on the channel.
///
/// `vars` become `-v NAME=VALUE` (`:'NAME'` in the script then expands to a quoted literal).
/// With `on_error_stop` false the script must stop itself (`\set ON_ERROR_STOP on`), exactly as
/// on the channel, which passes no `-v ON_ERROR_STOP`.
pub fn spawn_psql(
    target: &Target,
    script_text: &str,
    vars: &[(String, String)],
    on_error_stop: bool,
) -> Result<PsqlChild, PgError> {
    let mut args: Vec<OsString> = vec!["-X".into()];
    if on_error_stop {
        args.push("-v".into());
        args.push("ON_ERROR_STOP=1".into());
    }
    for (name, value) in vars {
        args.push("-v".into());
        args.push(format!("{name}={value}").into());
    }
    args.extend(target.psql_args());
    args.push("-f".into());
    args.push("-".into());
    spawn_with_stdin(target, &args, script_text.as_bytes().to_vec())
}

/// Environment variables that would redirect a connection given by explicit `-h -p -U -d`
/// (a socket target) somewhere else.
const REDIRECTING_ENV: &[&str] = &["PGHOSTADDR", "PGSERVICE", "PGSERVICEFILE", "PGREQUIREAUTH"];

fn spawn_with_stdin(
    target: &Target,
    args: &[OsString],
    input: Vec<u8>,
) -> Result<PsqlChild, PgError> {
    let psql = find_psql()?;
    let mut cmd = Command::new(&psql);
    if matches!(target, Target::Socket { .. }) {
        for var in REDIRECTING_ENV {
            cmd.env_remove(var);
        }
    }
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if std::env::var_os("PGCONNECT_TIMEOUT").is_none() {
        cmd.env("PGCONNECT_TIMEOUT", "10");
    }
    let started = Instant::now();
    let mut child = cmd.spawn().map_err(|e| PgError::Spawn {
        program: psql.display().to_string(),
        source: e,
    })?;
    let stdin = child.stdin.take().map(|mut pipe| {
        std::thread::spawn(move || {
            // psql may exit before reading everything (fatal error): a broken pipe is expected.
            let _ = pipe.write_all(&input);
        })
    });
    let stdout = child
        .stdout
        .take()
        .map(|p| std::thread::spawn(move || drain(p)));
    let stderr = child
        .stderr
        .take()
        .map(|p| std::thread::spawn(move || drain(p)));
    Ok(PsqlChild {
        child: Some(child),
        started,
        stdin,
        stdout,
        stderr,
    })
}

fn drain(mut r: impl Read) -> Vec<u8> {
    let mut buf = Vec::new();
    let _ = r.read_to_end(&mut buf);
    buf
}

/// Run a script through psql on stdin and wait for it; see [`spawn_psql`] for the arguments.
/// A script that fails is not an `Err`: look at [`PsqlRun::exit_code`]. `Err` means psql could
/// not be run at all.
pub fn run_psql(
    target: &Target,
    script_text: &str,
    vars: &[(String, String)],
    on_error_stop: bool,
) -> Result<PsqlRun, PgError> {
    spawn_psql(target, script_text, vars, on_error_stop)?.wait()
}

/// Load an SQL file with `psql -X -q -v ON_ERROR_STOP=1 -f FILE` (the documented way to load a
/// fixture). Fails with [`PgError::Command`] when psql does not exit 0.
pub fn run_psql_file(target: &Target, file: &Path) -> Result<PsqlRun, PgError> {
    let mut args: Vec<OsString> = vec![
        "-X".into(),
        "-q".into(),
        "-v".into(),
        "ON_ERROR_STOP=1".into(),
    ];
    args.extend(target.psql_args());
    args.push("-f".into());
    args.push(file.as_os_str().to_owned());
    let run = spawn_with_stdin(target, &args, Vec::new())?.wait()?;
    if run.success() {
        Ok(run)
    } else {
        Err(PgError::Command {
            step: format!("loading {}", file.display()),
            detail: run.summary(),
        })
    }
}

const FIELD_SEP: char = '\u{1f}';
const RECORD_SEP: char = '\u{1e}';
const NULL_MARK: &str = "\u{1}";

/// Run one query (`psql -X -q -At`, `ON_ERROR_STOP`) and return its rows, SQL NULL as `None`.
///
/// `settings` are applied first with `SET name = 'value'` (e.g. custom `packetc.*` settings read
/// by `current_setting`); names must be made of letters, digits, `_` and `.`.
/// `sql` must be a single statement returning rows; a failing query is [`PgError::Query`].
pub fn query_rows(
    target: &Target,
    settings: &[(&str, &str)],
    sql: &str,
) -> Result<Vec<Vec<Option<String>>>, PgError> {
    let mut script = settings_prelude(settings)?;
    script.push_str(sql.trim_end().trim_end_matches(';'));
    script.push_str("\n;\n");
    let mut args: Vec<OsString> = vec![
        "-X".into(),
        "-q".into(),
        "-A".into(),
        "-t".into(),
        "-v".into(),
        "ON_ERROR_STOP=1".into(),
        "-F".into(),
        FIELD_SEP.to_string().into(),
        "-R".into(),
        RECORD_SEP.to_string().into(),
        "-P".into(),
        format!("null={NULL_MARK}").into(),
    ];
    args.extend(target.psql_args());
    args.push("-f".into());
    args.push("-".into());
    let run = spawn_with_stdin(target, &args, script.into_bytes())?.wait()?;
    if !run.success() {
        return Err(PgError::Query {
            query: sql.to_owned(),
            detail: run.summary(),
        });
    }
    if run.stdout.is_empty() {
        return Ok(Vec::new());
    }
    let body = run.stdout.strip_suffix('\n').unwrap_or(&run.stdout);
    Ok(body
        .split(RECORD_SEP)
        .map(|row| {
            row.split(FIELD_SEP)
                .map(|v| (v != NULL_MARK).then(|| v.to_owned()))
                .collect()
        })
        .collect())
}

fn settings_prelude(settings: &[(&str, &str)]) -> Result<String, PgError> {
    let mut script = String::new();
    for (name, value) in settings {
        let ok = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        if !ok {
            return Err(PgError::Invalid(format!(
                "setting name {name:?} is not a (qualified) identifier"
            )));
        }
        script.push_str(&format!("SET {name} = {};\n", quote_literal(value)));
    }
    Ok(script)
}

/// Run a query that returns exactly one row of one column and return that value as text
/// (`None` for SQL NULL). Anything else is [`PgError::Query`].
pub fn query_scalar(
    target: &Target,
    settings: &[(&str, &str)],
    sql: &str,
) -> Result<Option<String>, PgError> {
    let rows = query_rows(target, settings, sql)?;
    match rows.as_slice() {
        [row] if row.len() == 1 => Ok(row[0].clone()),
        _ => Err(PgError::Query {
            query: sql.to_owned(),
            detail: format!(
                "expected one row of one column, got {} row(s){}",
                rows.len(),
                rows.first()
                    .map(|r| format!(" of {} column(s)", r.len()))
                    .unwrap_or_default()
            ),
        }),
    }
}

/// Evaluate several scalar queries in one statement (one session, one snapshot) and return each
/// value as PostgreSQL's text rendering (`count(*)` → `"210"`, `round(..., 2)` → `"100.00"`),
/// `None` for SQL NULL. Each query is used as a scalar subquery, so it must return at most one
/// row of one column; a trailing `;` is ignored. `settings` as in [`query_rows`].
pub fn query_scalars(
    target: &Target,
    settings: &[(&str, &str)],
    queries: &[&str],
) -> Result<Vec<Option<String>>, PgError> {
    if queries.is_empty() {
        return Ok(Vec::new());
    }
    let parts: Vec<String> = queries
        .iter()
        .map(|q| format!("(\n{}\n)::text", q.trim().trim_end_matches(';').trim_end()))
        .collect();
    // An ARRAY constructor, not json_build_array: functions take at most 100 arguments.
    let sql = format!("SELECT array_to_json(ARRAY[{}]::text[])", parts.join(",\n"));
    let value = query_scalar(target, settings, &sql)?.unwrap_or_default();
    let parsed: Vec<Option<String>> = serde_json::from_str(&value).map_err(|e| PgError::Query {
        query: sql.clone(),
        detail: format!("unexpected result {value:?}: {e}"),
    })?;
    if parsed.len() != queries.len() {
        return Err(PgError::Query {
            query: sql,
            detail: format!("expected {} values, got {}", queries.len(), parsed.len()),
        });
    }
    Ok(parsed)
}

/// Row count and content checksum of one table.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TableFingerprint {
    /// `count(*)`.
    pub rows: i64,
    /// md5 of every row's text form, sorted, joined with `|` (empty for an empty table).
    pub md5: String,
}

impl std::fmt::Display for TableFingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} rows, md5 {}", self.rows, self.md5)
    }
}

/// `SELECT label, count(*), md5(...) FROM relation t`; `relation` is already quoted.
fn fingerprint_select(label: &str, relation: &str) -> String {
    format!(
        "SELECT {} AS name, count(*) AS rows, \
         coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') AS md5 FROM {relation} t",
        quote_literal(label)
    )
}

fn parse_fingerprint(row: &[Option<String>], what: &str) -> Result<TableFingerprint, PgError> {
    let rows = row
        .get(1)
        .and_then(|v| v.as_deref())
        .and_then(|v| v.parse::<i64>().ok());
    match (rows, row.get(2).and_then(|v| v.clone())) {
        (Some(rows), Some(md5)) => Ok(TableFingerprint { rows, md5 }),
        _ => Err(PgError::Query {
            query: what.to_owned(),
            detail: format!("unexpected fingerprint row {row:?}"),
        }),
    }
}

/// Row count and content checksum of `table` (a name, optionally `schema.table`).
pub fn table_fingerprint(target: &Target, table: &str) -> Result<TableFingerprint, PgError> {
    let sql = fingerprint_select(table, &quote_qualified(table));
    let rows = query_rows(target, &[], &sql)?;
    match rows.first() {
        Some(row) => parse_fingerprint(row, &sql),
        None => Err(PgError::Query {
            query: sql,
            detail: "no row".into(),
        }),
    }
}

/// Fingerprints of every ordinary and partitioned table in every non-system schema, keyed by
/// `schema.table`, except those named in `exclude` (as `table` or `schema.table`). Compare two
/// of these to prove that a step left every other table byte-identical.
pub fn database_fingerprint(
    target: &Target,
    exclude: &[&str],
) -> Result<BTreeMap<String, TableFingerprint>, PgError> {
    let tables = query_rows(
        target,
        &[],
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
         AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1, 2",
    )?;
    let mut selects = Vec::new();
    for row in &tables {
        let (Some(Some(schema)), Some(Some(table))) = (row.first(), row.get(1)) else {
            continue;
        };
        if exclude.contains(&table.as_str())
            || exclude.contains(&format!("{schema}.{table}").as_str())
        {
            continue;
        }
        let label = format!("{schema}.{table}");
        let relation = format!("{}.{}", quote_ident(schema), quote_ident(table));
        selects.push(fingerprint_select(&label, &relation));
    }
    let mut out = BTreeMap::new();
    if selects.is_empty() {
        return Ok(out);
    }
    let sql = selects.join("\nUNION ALL\n");
    for row in query_rows(target, &[], &sql)? {
        let name = row.first().and_then(|v| v.clone()).unwrap_or_default();
        out.insert(name, parse_fingerprint(&row, &sql)?);
    }
    Ok(out)
}
