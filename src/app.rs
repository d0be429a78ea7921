//! The I/O shell: set up colour and stdout, run the command ([`crate::commands`]), and map the
//! outcome to an exit code.

use std::io::{self, Write};
use std::process::ExitCode;

use crate::cli::Cli;
use crate::diag::{Error, Status};
use crate::output::Printer;

/// Run the command line and return the process exit code (0 clean, 1 findings, 2 bad input).
pub fn main(cli: Cli) -> ExitCode {
    use std::io::IsTerminal;
    let terminals = io::stdout().is_terminal() && io::stderr().is_terminal();
    crate::diag::set_color(crate::diag::color_wanted(
        cli.color.into(),
        std::env::var_os("NO_COLOR").as_deref(),
        std::env::var_os("TERM").as_deref(),
        terminals,
    ));
    let stdout = io::stdout();
    let mut lock = stdout.lock();
    let mut printer = Printer::new(&mut lock, cli.quiet);
    let result = crate::commands::run(&cli, &mut printer);
    let flushed = printer.flush();
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

/// Dispatch one command, writing its report to `out` (`quiet`: without progress lines).
pub fn run(cli: &Cli, out: &mut dyn Write) -> Result<Status, Error> {
    crate::commands::run(cli, &mut Printer::new(out, cli.quiet))
}
