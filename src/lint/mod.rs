//! The linter (in progress).
pub mod cmd;
