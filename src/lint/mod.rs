//! The linter (in progress).
pub mod cmd;
pub mod effects;
pub mod finding;
pub mod policy;
pub mod rules;
pub mod scan;
