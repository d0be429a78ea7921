//! Rendering packets into SQL scripts (in progress).
pub mod cmd;
