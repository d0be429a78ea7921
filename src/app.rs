//! The I/O shell: dispatch a parsed command line, print, and map outcomes to exit codes.

use std::io::{self, Write};
use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::diag::{Error, Status};

/// Run the command line and return the process exit code (0 clean, 1 findings, 2 bad input).
pub fn main(cli: Cli) -> ExitCode {
    use std::io::IsTerminal;
    let terminals = io::stdout().is_terminal() && io::stderr().is_terminal();
    crate::diag::set_color(crate::diag::color_wanted(
        cli.color,
        std::env::var_os("NO_COLOR").as_deref(),
        std::env::var_os("TERM").as_deref(),
        terminals,
    ));
    let stdout = io::stdout();
    let mut lock = stdout.lock();
    let (result, flushed) = if cli.quiet {
        let mut quiet = Quiet::new(&mut lock);
        let result = run(&cli, &mut quiet);
        (result, quiet.flush())
    } else {
        let result = run(&cli, &mut lock);
        (result, lock.flush())
    };
    // A reader that closed the pipe early (`| head`) is not an error, but it never turns a
    // finished command's outcome into success: a failed apply stays exit 1.
    let result = match (result, flushed) {
        (Ok(_), Err(e)) if e.kind() != io::ErrorKind::BrokenPipe => Err(Error::Io(e)),
        (result, _) => result,
    };
    match result {
        Err(Error::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Ok(Status::Clean) => ExitCode::SUCCESS,
        Ok(Status::Failed) => ExitCode::from(1),
        Err(e) => {
            let _ = write!(io::stderr().lock(), "{e}");
            ExitCode::from(2)
        }
    }
}

/// Dispatch one command, writing its report to `out`.
pub fn run(cli: &Cli, out: &mut dyn Write) -> Result<Status, Error> {
    match &cli.command {
        Command::Render(args) => crate::render::cmd::run(args, out),
        Command::Check(args) => crate::check::run(args, out),
        Command::Plan(args) => crate::plan::run(args, out),
        Command::Lint(args) => crate::lint::cmd::run(args, out),
        Command::Rule(args) => crate::lint::cmd::rule(args, out),
        Command::Prove(args) => crate::prove::run(args, out),
        Command::Apply(args) => crate::apply::run(args, out),
        Command::Status(args) => crate::apply::status::run(args, out),
        Command::Grants(args) => crate::grants::run(args, out),
        Command::New(args) => crate::scaffold::run(args, out),
        Command::Schema(args) => crate::schema::run(args, out),
        Command::Completions(args) => crate::completions::completions(args, out),
        Command::Man(args) => crate::completions::man(args, out),
        Command::Fingerprint(args) => crate::fingerprint::cmd::run_cmd(args, out),
    }
}

/// `--quiet`: drops the progress lines commands print on success ("wrote ...", "ok: ...", a
/// lint run's "N file(s) clean", `new`'s next steps, the "policy: ..." line) and passes everything else — findings,
/// drift, diffs, reports, generated output — through unchanged. Filtering whole lines here keeps
/// one definition of "non-essential" for every command instead of a flag threaded through each.
pub struct Quiet<'a> {
    inner: &'a mut dyn Write,
    line: Vec<u8>,
    /// Inside `new`'s next-steps block (dropped up to its end).
    in_next_steps: bool,
}

impl<'a> Quiet<'a> {
    /// Wrap `inner`.
    pub fn new(inner: &'a mut dyn Write) -> Quiet<'a> {
        Quiet {
            inner,
            line: Vec::new(),
            in_next_steps: false,
        }
    }

    fn emit_line(&mut self) -> io::Result<()> {
        let line = std::mem::take(&mut self.line);
        let text = String::from_utf8_lossy(&line);
        let drop = if self.in_next_steps {
            if text.trim().is_empty() {
                self.in_next_steps = false;
            }
            true
        } else if text.starts_with(crate::scaffold::NEXT_STEPS_HEADING) {
            self.in_next_steps = true;
            true
        } else {
            is_progress_line(&text)
        };
        if drop {
            Ok(())
        } else {
            self.inner.write_all(&line)
        }
    }
}

/// A line that only reports progress on success (or, `note: `, something that is not a finding).
fn is_progress_line(line: &str) -> bool {
    line.starts_with("wrote ")
        || line.starts_with("ok: ")
        || line.starts_with(crate::lint::locate::POLICY_LINE_PREFIX)
        || line.starts_with("note: ")
        || (line.starts_with("packetc lint: ") && line.trim_end().ends_with(" clean"))
}

impl Write for Quiet<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for &b in buf {
            self.line.push(b);
            if b == b'\n' {
                self.emit_line()?;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.line.is_empty() {
            self.emit_line()?;
        }
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::Quiet;
    use std::io::Write;

    #[test]
    fn quiet_drops_progress_and_keeps_findings() {
        let mut buf = Vec::new();
        {
            let mut q = Quiet::new(&mut buf);
            let text = "wrote a.sql\nok: 4 scripts match\ndrift: x\n+added\npacketc lint: 2 file(s) clean\npacketc lint: 1 finding(s) in 1 file(s)\nNext steps:\n  1. edit\n\nafter";
            q.write_all(text.as_bytes()).expect("write");
            q.flush().expect("flush");
        }
        assert_eq!(
            String::from_utf8(buf).expect("utf-8"),
            "drift: x\n+added\npacketc lint: 1 finding(s) in 1 file(s)\nafter"
        );
    }
}
