//! `packetc` binary: parse arguments, run, map the outcome to an exit code.
//! Everything else lives in the library so it can be tested without a process.

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = <packetc::cli::Cli as clap::Parser>::parse();
    packetc::app::main(cli)
}
