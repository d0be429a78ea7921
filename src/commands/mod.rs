//! One thin module per subcommand: take the parsed arguments, call the cores, print through
//! the [`Printer`] (results vs progress, so `--quiet` is decided where a line is written).
//! Cores live at their own paths (`render`, `lint`, `check`, `plan`, `prove`, `apply`, …) and
//! return values; see docs/architecture.md.

pub mod apply;
pub mod catalog;
pub mod check;
pub mod completions;
pub mod fingerprint;
pub mod grants;
pub mod lint;
pub mod new;
pub mod plan;
pub mod prove;
pub mod render;
pub mod schema;
pub mod status;

use crate::cli::{Cli, Command};
use crate::diag::{Error, Status};
use crate::output::Printer;

/// Dispatch one parsed command line.
pub fn run(cli: &Cli, p: &mut Printer) -> Result<Status, Error> {
    match &cli.command {
        Command::Render(args) => render::run(args, p),
        Command::Check(args) => check::run(args, p),
        Command::Plan(args) => plan::run(args, p),
        Command::Lint(args) => lint::run(args, p),
        Command::Rule(args) => lint::rule(args, p),
        Command::Prove(args) => prove::run(args, p),
        Command::Apply(args) => apply::run(args, p),
        Command::Status(args) => status::run(args, p),
        Command::Grants(args) => grants::run(args, p),
        Command::New(args) => new::run(args, p),
        Command::Schema(args) => schema::run(args, p),
        Command::Completions(args) => completions::completions(args, p),
        Command::Man(args) => completions::man(args, p),
        Command::Fingerprint(args) => fingerprint::run(args, p),
        Command::Catalog(args) => catalog::run(args, p),
    }
}
