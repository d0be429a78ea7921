//! The channel: the one way scripts reach the database, with the script on stdin.
//!
//! The packet's `channel.command` (or `--channel CMD`) runs verbatim as `sh -c CMD`, exactly as
//! an operator would type it; `--database-url URL` runs the local `psql -X -d URL -f -` instead
//! (no shell involved). Either way the child gets its own process group, so that ending a step
//! reaches every process of the channel (`sh`, `ssh`, `psql`), not only the shell.

use std::ffi::OsString;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use super::pipes::{drain, feed, Drained, Gate, Input, Stream, Watch};
use super::signals::Interrupt;
use crate::diag::Error;
use crate::packet::Packet;
use crate::sql::shell_quote;

/// How long a terminated channel gets to exit before it is killed outright.
const GRACE: Duration = Duration::from_secs(3);
/// How long to wait for the output pipes once the channel has exited (a process that left the
/// group may still hold them).
const DRAIN: Duration = Duration::from_secs(5);

/// Where the scripts are sent.
#[derive(Debug, Clone)]
pub enum Channel {
    /// `sh -c COMMAND`, script on stdin.
    Shell {
        command: String,
        /// `packet.yaml` or `--channel`.
        source: &'static str,
    },
    /// Local `psql -X -d CONNINFO -f -`.
    Psql { psql: PathBuf, conninfo: String },
}

impl Channel {
    /// `--database-url`, else `--channel`, else the packet's channel command.
    pub fn resolve(args: &super::Request, packet: &Packet) -> Result<Channel, Error> {
        Channel::from_flags(args.database_url.as_ref(), args.channel.as_ref(), packet)
    }

    /// The same from the two flags (`apply` and `status` share them).
    pub fn from_flags(
        database_url: Option<&String>,
        channel: Option<&String>,
        packet: &Packet,
    ) -> Result<Channel, Error> {
        if let Some(conninfo) = database_url {
            let psql = crate::pg::find_psql().map_err(|e| {
                Error::input(
                    format!("--database-url needs a local psql: {e}"),
                    "install the PostgreSQL client (Debian: apt-get install postgresql-client) or set PACKETC_PSQL",
                )
            })?;
            return Ok(Channel::Psql {
                psql,
                conninfo: conninfo.clone(),
            });
        }
        let (command, source) = match channel {
            Some(c) => (c.clone(), "--channel"),
            None => (packet.channel.command.clone(), "packet.yaml"),
        };
        if command.trim().is_empty() {
            return Err(Error::input(
                format!("the channel command from {source} is empty"),
                "pass --channel CMD or --database-url URL",
            ));
        }
        Ok(Channel::Shell { command, source })
    }

    /// The command as shown to operators and journaled (a password in a URL is masked).
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Channel::Shell { command, .. } => command.clone(),
            Channel::Psql { psql, conninfo } => format!(
                "{} -X -d {} -f -",
                shell_quote(&psql.display().to_string()),
                shell_quote(&crate::pg::Target::url(conninfo).to_string())
            ),
        }
    }

    /// Where the channel came from, for the journal.
    #[must_use]
    pub fn source(&self) -> &'static str {
        match self {
            Channel::Shell { source, .. } => source,
            Channel::Psql { .. } => "--database-url",
        }
    }

    /// A shell command an operator can paste to feed `file` (after `prelude`) to this channel.
    #[must_use]
    pub fn rerun_command(&self, prelude: &str, file: &Path) -> String {
        let file = shell_quote(&file.display().to_string());
        let input = if prelude.is_empty() {
            format!("cat {file}")
        } else {
            let lines: Vec<String> = prelude.lines().map(shell_quote).collect();
            format!("{{ printf '%s\\n' {}; cat {file}; }}", lines.join(" "))
        };
        match self {
            Channel::Shell { command, .. } => format!("{input} | {command}"),
            Channel::Psql { .. } => format!("{input} | {}", self.describe()),
        }
    }

    fn command(&self) -> Command {
        match self {
            Channel::Shell { command, .. } => {
                let mut cmd = Command::new("sh");
                cmd.arg("-c").arg(command);
                cmd
            }
            Channel::Psql { psql, conninfo } => {
                let mut cmd = Command::new(psql);
                let args: [OsString; 5] = [
                    "-X".into(),
                    "-d".into(),
                    conninfo.into(),
                    "-f".into(),
                    "-".into(),
                ];
                cmd.args(args);
                cmd
            }
        }
    }

    /// Start the channel with `input` on its stdin, in a process group of its own.
    pub fn spawn(&self, input: Input) -> Result<Running, Error> {
        let mut cmd = self.command();
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        let started = Instant::now();
        let mut child = cmd.spawn().map_err(|e| {
            Error::input(
                format!("cannot start the channel `{}`: {e}", self.describe()),
                "check that sh (or psql for --database-url) is installed and on PATH",
            )
        })?;
        let gate = Arc::new(Gate::default());
        let held = input.held.is_some();
        let marker = input
            .held
            .as_ref()
            .map_or(Watch::Nothing, |h| Watch::Marker(h.marker.clone()));
        let (tx, rx) = mpsc::channel();
        if let Some(pipe) = child.stdin.take() {
            feed(pipe, input, Arc::clone(&gate));
        } else {
            gate.withhold();
        }
        if let Some(pipe) = child.stdout.take() {
            drain(pipe, Stream::Stdout, tx.clone(), marker, Arc::clone(&gate));
        }
        if let Some(pipe) = child.stderr.take() {
            drain(pipe, Stream::Stderr, tx, Watch::Errors, Arc::clone(&gate));
        }
        Ok(Running {
            child,
            started,
            output: rx,
            gate,
            held,
        })
    }
}

/// Why packetc ended a channel before it finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// SIGINT or SIGTERM reached packetc.
    Interrupted(&'static str),
    /// The time limit passed.
    TimedOut,
}

/// A channel that has exited.
#[derive(Debug, Clone)]
pub struct Finished {
    /// Exit code of `sh` / `psql`; None when a signal ended it.
    pub exit_code: Option<i32>,
    /// The signal that ended it, if one did.
    pub signal: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// Bytes each stream had in all (more than was kept past the capture limit).
    pub stdout_bytes: u64,
    pub stderr_bytes: u64,
    pub duration: Duration,
    /// Set when packetc ended the channel itself.
    pub ended: Option<Ended>,
    /// False when the output pipes were still open after the channel exited.
    pub output_complete: bool,
    /// For a run with a held-back COMMIT: whether psql reached the commit point, and whether
    /// the COMMIT line was sent. `None` when nothing was held back.
    pub commit_point: Option<CommitPoint>,
}

/// What happened at the held-back point of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommitPoint {
    pub reached: bool,
    pub sent: bool,
}

impl Finished {
    /// Exit code 0 and not ended by packetc.
    #[must_use]
    pub fn success(&self) -> bool {
        self.exit_code == Some(0) && self.ended.is_none()
    }

    /// `exit 3`, `signal 15`, for messages.
    #[must_use]
    pub fn status_text(&self) -> String {
        match (self.exit_code, self.signal) {
            (Some(c), _) => format!("exit {c}"),
            (None, Some(s)) => format!("killed by signal {s}"),
            (None, None) => "unknown exit status".into(),
        }
    }
}

/// A channel that is running.
pub struct Running {
    child: Child,
    started: Instant,
    output: mpsc::Receiver<Drained>,
    gate: Arc<Gate>,
    held: bool,
}

impl Running {
    /// psql has echoed the held-back marker (the lock holder: it holds the lock now).
    #[must_use]
    pub fn reached(&self) -> bool {
        self.gate.reached()
    }

    /// The channel has exited (without waiting).
    pub fn exited(&mut self) -> Result<bool, Error> {
        Ok(self.child.try_wait().map_err(wait_error)?.is_some())
    }

    /// End a run whose held-back tail must never be sent: close its stdin, then wait for it
    /// (at most `limit`; then it is ended like a step past its limit).
    pub fn close(mut self, interrupt: &Interrupt, limit: Duration) -> Result<Finished, Error> {
        self.gate.withhold();
        self.started = Instant::now();
        self.wait(interrupt, Some(limit))
    }

    /// Wait for the channel to exit. On SIGINT/SIGTERM, or past `limit`, the whole process group
    /// is sent SIGTERM, then SIGKILL after a grace period: psql's connection closes and the
    /// server rolls back its open transaction.
    pub fn wait(
        mut self,
        interrupt: &Interrupt,
        limit: Option<Duration>,
    ) -> Result<Finished, Error> {
        let mut ended = None;
        let status = loop {
            if let Some(status) = self.child.try_wait().map_err(wait_error)? {
                self.gate.withhold();
                break status;
            }
            let stop = interrupt.requested().map(Ended::Interrupted).or_else(|| {
                limit
                    .filter(|l| self.started.elapsed() >= *l)
                    .map(|_| Ended::TimedOut)
            });
            if let Some(stop) = stop {
                // Decided before anything is killed: a COMMIT not yet sent is never sent.
                self.gate.withhold();
                ended = Some(stop);
                break self.terminate()?;
            }
            if self.held && self.gate.failed() {
                // psql stopped at an error: close its input so the channel can exit.
                self.gate.withhold();
            } else if self.held && self.gate.reached() {
                self.gate.release();
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let duration = self.started.elapsed();
        // Whatever is left of the group (a psql whose shell already exited) goes too.
        if ended.is_some() {
            signal_group(self.child.id(), "KILL");
        }
        let ((stdout, stdout_bytes), (stderr, stderr_bytes), output_complete) = self.collect();
        Ok(Finished {
            exit_code: status.code(),
            signal: status.signal(),
            stdout,
            stderr,
            stdout_bytes,
            stderr_bytes,
            duration,
            ended,
            output_complete,
            commit_point: self.held.then(|| CommitPoint {
                reached: self.gate.reached(),
                sent: self.gate.sent(),
            }),
        })
    }

    fn terminate(&mut self) -> Result<std::process::ExitStatus, Error> {
        let pgid = self.child.id();
        signal_group(pgid, "TERM");
        let deadline = Instant::now() + GRACE;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().map_err(wait_error)? {
                return Ok(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        signal_group(pgid, "KILL");
        // Already exited between the checks: both outcomes are fine.
        let _ = self.child.kill();
        self.child.wait().map_err(wait_error)
    }

    fn collect(&self) -> ((String, u64), (String, u64), bool) {
        let deadline = Instant::now() + DRAIN;
        let (mut out, mut err) = (None, None);
        while out.is_none() || err.is_none() {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                Ok((Stream::Stdout, b, n)) => out = Some((b, n)),
                Ok((Stream::Stderr, b, n)) => err = Some((b, n)),
                Err(_) => break,
            }
        }
        let complete = out.is_some() && err.is_some();
        let text = |b: Option<(Vec<u8>, u64)>| {
            let (b, n) = b.unwrap_or_default();
            (String::from_utf8_lossy(&b).into_owned(), n)
        };
        (text(out), text(err), complete)
    }
}

fn wait_error(e: std::io::Error) -> Error {
    Error::input(
        format!("lost track of the channel process: {e}"),
        "check the journal and the database state by hand",
    )
}

/// Send a signal to a whole process group, with the shell's `kill` builtin (no unsafe code).
fn signal_group(pgid: u32, signal: &str) {
    let _ = Command::new("sh")
        .args([
            "-c",
            "kill -s \"$1\" -- \"-$2\" 2>/dev/null",
            "packetc-kill",
            signal,
        ])
        .arg(pgid.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell(command: &str) -> Channel {
        Channel::Shell {
            command: command.into(),
            source: "--channel",
        }
    }

    fn never() -> Interrupt {
        Interrupt::install().expect("handler")
    }

    #[test]
    fn feeds_stdin_and_collects_both_streams() {
        let run = shell("cat; echo err >&2; exit 3")
            .spawn(Input::whole(b"hello\n".to_vec()))
            .expect("spawn")
            .wait(&never(), None)
            .expect("wait");
        assert_eq!(run.exit_code, Some(3));
        assert_eq!(run.stdout, "hello\n");
        assert_eq!(run.stderr, "err\n");
        assert!(run.output_complete && !run.success());
    }

    #[test]
    fn a_time_limit_ends_the_whole_group() {
        let dir = tempfile::tempdir().expect("tempdir");
        let marker = dir.path().join("survived");
        let cmd = format!("(sleep 2; touch {}) & sleep 30", marker.display());
        let run = shell(&cmd)
            .spawn(Input::whole(Vec::new()))
            .expect("spawn")
            .wait(&never(), Some(Duration::from_millis(200)))
            .expect("wait");
        assert_eq!(run.ended, Some(Ended::TimedOut));
        std::thread::sleep(Duration::from_millis(2500));
        assert!(
            !marker.exists(),
            "a process of the group outlived the channel"
        );
    }

    #[test]
    fn rerun_command_quotes_the_prelude() {
        let c = shell("ssh db psql -f -");
        assert_eq!(
            c.rerun_command("\\set v 'a''b'\n", Path::new("sql/x.sql")),
            r"{ printf '%s\n' '\set v '\''a'\'''\''b'\'''; cat sql/x.sql; } | ssh db psql -f -"
        );
        assert_eq!(
            c.rerun_command("", Path::new("x.sql")),
            "cat x.sql | ssh db psql -f -"
        );
    }
}
