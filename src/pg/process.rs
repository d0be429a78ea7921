//! Running the server's programs: as another system user when packetc runs as root (initdb
//! refuses root), with a clean environment, and turning a failure into an error that carries
//! the program's output and the tail of the server log.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::binaries::find_on_path;
use super::PgError;

pub(super) fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    if let Ok(meta) = std::fs::metadata("/proc/self") {
        return meta.uid() == 0;
    }
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Run a server program, as `run_as` via `runuser` (or `su`) when given.
pub(super) fn server_command(
    bindir: &Path,
    run_as: Option<&str>,
    program: &str,
    args: &[OsString],
) -> Result<Output, PgError> {
    let exe = bindir.join(program);
    let mut cmd = match run_as {
        None => {
            let mut c = Command::new(&exe);
            c.args(args);
            c
        }
        Some(user) => {
            if let Some(runuser) = ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"]
                .iter()
                .map(PathBuf::from)
                .find(|p| p.is_file())
                .or_else(|| find_on_path("runuser"))
            {
                let mut c = Command::new(runuser);
                c.arg("-u").arg(user).arg("--").arg(&exe).args(args);
                c
            } else {
                let mut line = format!(
                    "exec {}",
                    crate::sql::shell_quote(&exe.as_os_str().to_string_lossy())
                );
                for a in args {
                    line.push(' ');
                    line.push_str(&crate::sql::shell_quote(&a.to_string_lossy()));
                }
                let mut c = Command::new("su");
                c.arg(user).arg("-s").arg("/bin/sh").arg("-c").arg(line);
                c
            }
        }
    };
    // The server must not inherit a client's connection settings or a locale it lacks.
    cmd.env_remove("PGDATA").env("LC_ALL", "C").env("LANG", "C");
    // pg_ctl's child (the postmaster) inherits stdout/stderr; with -l it writes to the log, but
    // keep our pipes from being held open by a daemon anyway.
    cmd.stdin(std::process::Stdio::null());
    cmd.output().map_err(|e| PgError::Spawn {
        program: exe.display().to_string(),
        source: e,
    })
}

pub(super) fn check(out: &Output, step: &str, log: Option<&Path>) -> Result<(), PgError> {
    if out.status.success() {
        return Ok(());
    }
    let mut detail = format!(
        "{}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr).trim_end(),
        String::from_utf8_lossy(&out.stdout).trim_end()
    );
    if let Some(log) = log {
        if let Ok(text) = std::fs::read_to_string(log) {
            let tail: Vec<&str> = text.lines().rev().take(20).collect();
            detail.push_str("\nserver log (last lines):\n");
            for line in tail.iter().rev() {
                detail.push_str(line);
                detail.push('\n');
            }
        }
    }
    Err(PgError::Command {
        step: step.to_owned(),
        detail,
    })
}
