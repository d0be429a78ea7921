//! The I/O shell: dispatch a parsed command line, print, and map outcomes to exit codes.

use std::io::{self, Write};
use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::diag::{Error, Status};

/// Run the command line and return the process exit code (0 clean, 1 findings, 2 bad input).
pub fn main(cli: Cli) -> ExitCode {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let result = run(&cli, &mut out);
    let flushed = out.flush();
    match (result, flushed) {
        (Ok(_), Err(e)) | (Err(Error::Io(e)), _) if e.kind() == io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        (Ok(Status::Clean), _) => ExitCode::SUCCESS,
        (Ok(Status::Failed), _) => ExitCode::from(1),
        (Err(e), _) => {
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
    }
}
