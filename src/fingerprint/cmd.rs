//! `packetc fingerprint`: print the schema fingerprint of a database, reading only.

use std::io::{Read, Write};
use std::process::{Command, Stdio};

use crate::diag::Error;

use super::{catalog, Fingerprint};

/// What a fingerprint was read from, and the server's version.
#[derive(Debug, Clone)]
pub struct Reading {
    pub fingerprint: Fingerprint,
    /// `server_version_num`, e.g. 150014.
    pub server_version_num: u32,
}

/// `server_version_num` 150014 → `15.14`, 90624 → `9.6.24`.
#[must_use]
pub fn version_text(num: u32) -> String {
    if num >= 100_000 {
        format!("{}.{}", num / 10_000, num % 10_000)
    } else {
        format!("{}.{}.{}", num / 10_000, (num / 100) % 100, num % 100)
    }
}

/// Send the catalog script to `command` (run as `sh -c COMMAND`, script on stdin) or to the
/// local psql with `-d URL`, and read the fingerprint back. Any failure is bad input (exit 2):
/// nothing can be said about a schema that could not be read.
pub fn read(
    database_url: Option<&str>,
    channel: Option<&str>,
    roots: &[String],
) -> Result<Reading, Error> {
    let script = catalog::script(roots);
    let (mut cmd, shown) = command(database_url, channel, "the fingerprint")?;
    let stdout = run(&mut cmd, &script, &shown)?;
    let (server_version_num, items) = catalog::parse(&stdout).map_err(|e| {
        Error::input(
            format!("the fingerprint query through `{shown}` gave no answer: {e}"),
            "check that the command runs psql reading the script on stdin (… psql … -f -)",
        )
    })?;
    Ok(Reading {
        fingerprint: Fingerprint::from_items(roots, &items),
        server_version_num,
    })
}

/// The local psql with `-d URL`, or `sh -c COMMAND`, reading a script on stdin, and how it is
/// shown in messages; `what` names what is read, for the error when neither is given.
pub fn command(
    database_url: Option<&str>,
    channel: Option<&str>,
    what: &str,
) -> Result<(Command, String), Error> {
    match (database_url, channel) {
        (Some(url), _) => {
            let psql = crate::pg::find_psql().map_err(|e| {
                Error::input(
                    format!("--database-url needs a local psql: {e}"),
                    "install the PostgreSQL client or set PACKETC_PSQL",
                )
            })?;
            let mut c = Command::new(&psql);
            c.args(["-X", "-d", url, "-f", "-"]);
            Ok((
                c,
                format!("{} -d {}", psql.display(), crate::pg::Target::url(url)),
            ))
        }
        (None, Some(command)) => {
            let mut c = Command::new("sh");
            c.arg("-c").arg(command);
            Ok((c, command.to_owned()))
        }
        (None, None) => Err(Error::input(
            format!("nothing to read {what} from"),
            "pass --database-url URL or --channel CMD",
        )),
    }
}

/// Run `cmd` with `input` on stdin; its stdout, or an error naming its exit and stderr.
pub fn run(cmd: &mut Command, input: &str, shown: &str) -> Result<String, Error> {
    run_reading(cmd, input, shown, "the schema fingerprint")
}

/// [`run`], naming what is being read (`the schema fingerprint`, `the catalog`) in its error.
pub fn run_reading(
    cmd: &mut Command,
    input: &str,
    shown: &str,
    what: &str,
) -> Result<String, Error> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            Error::input(
                format!("cannot start `{shown}`: {e}"),
                "check the command and PATH",
            )
        })?;
    let mut stdin = child.stdin.take();
    let bytes = input.as_bytes().to_vec();
    let writer = std::thread::spawn(move || {
        if let Some(pipe) = stdin.as_mut() {
            let _ = pipe.write_all(&bytes);
        }
    });
    let mut stderr = child.stderr.take();
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(pipe) = stderr.as_mut() {
            let _ = pipe.read_to_string(&mut s);
        }
        s
    });
    let mut out = String::new();
    if let Some(mut pipe) = child.stdout.take() {
        let _ = pipe.read_to_string(&mut out);
    }
    let status = child
        .wait()
        .map_err(|e| Error::input(format!("waiting for `{shown}`: {e}"), "check the command"))?;
    let _ = writer.join();
    let err = err_reader.join().unwrap_or_default();
    if !status.success() {
        return Err(Error::input(
            format!(
                "`{shown}` failed ({status}) while reading {what}: {}",
                err.trim_end()
            ),
            "check the connection; the query only reads (a READ ONLY transaction)",
        ));
    }
    Ok(out)
}
