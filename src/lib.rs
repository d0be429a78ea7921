//! packetc: compile, lint, check, prove and apply self-guarding PostgreSQL change packets.
//!
//! The crate is a set of pure cores (spec → SQL text, SQL text → findings) with a thin I/O layer
//! around them (`commands` print through `output::Printer`; `app`, `fsio`, `pg`), so every core
//! is testable without a process or a database. The map: docs/architecture.md.

// Cores never print: only the commands own stdout and stderr (through `output::Printer`).
// See docs/architecture.md.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod app;
pub mod apply;
pub mod check;
pub mod cli;
#[allow(clippy::print_stdout, clippy::print_stderr)]
pub mod commands;
pub mod completions;
pub mod diag;
pub mod fingerprint;
pub mod fsio;
pub mod grants;
pub mod lint;
pub mod observe;
pub mod output;
pub mod packet;
pub mod pg;
pub mod plan;
pub mod proof;
pub mod prove;
pub mod render;
pub mod scaffold;
pub mod schema;
pub mod sql;
