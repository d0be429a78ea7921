//! Errors (exit 2) and the rendering of miette diagnostics.
//!
//! Findings and drift are not errors: commands return [`Status::Failed`] for those (exit 1).
//! An [`Error`] always means the input could not be used at all (exit 2).

use std::fmt;
use std::path::Path;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};

/// What a command concluded when it ran to the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Nothing to report: exit 0.
    Clean,
    /// Findings, drift or a failed gate: exit 1.
    Failed,
}

impl Status {
    /// `Failed` if either is failed.
    #[must_use]
    pub fn and(self, other: Status) -> Status {
        if self == Status::Failed || other == Status::Failed {
            Status::Failed
        } else {
            Status::Clean
        }
    }
}

/// Bad input or usage: exit 2.
#[derive(Debug)]
pub enum Error {
    /// A plain message with a hint on what to do.
    Input { message: String, help: String },
    /// One or more rich diagnostics, already rendered to text (with snippets).
    Rendered(String),
    /// Writing the report failed (a closed pipe is not an error for the user).
    Io(std::io::Error),
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}

impl Error {
    /// An I/O failure on `path`.
    pub fn io(path: &Path, err: &std::io::Error) -> Error {
        let help = match err.kind() {
            std::io::ErrorKind::NotFound => "check the path",
            std::io::ErrorKind::PermissionDenied => "check the file's permissions",
            _ => "check the path and the disk",
        };
        Error::Input {
            message: format!("{}: {err}", path.display()),
            help: help.into(),
        }
    }

    /// A bad-input error with a hint.
    pub fn input(message: impl Into<String>, help: impl Into<String>) -> Error {
        Error::Input {
            message: message.into(),
            help: help.into(),
        }
    }

    /// Render a set of diagnostics into one error.
    pub fn diagnostics<D: Diagnostic>(diags: &[D]) -> Error {
        let mut out = String::new();
        for d in diags {
            out.push_str(&render(d));
        }
        Error::Rendered(out)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Input { message, help } => write!(f, "error: {message}\n  help: {help}\n"),
            Error::Rendered(text) => f.write_str(text),
            Error::Io(e) => writeln!(f, "error: writing output: {e}"),
        }
    }
}

impl std::error::Error for Error {}

/// Render one diagnostic as plain unicode text with source snippets and no colours or links, so
/// the output is stable for snapshots and readable in CI logs.
pub fn render(diag: &dyn Diagnostic) -> String {
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_links(false)
        .with_width(100);
    let mut out = String::new();
    if handler.render_report(&mut out, diag).is_err() {
        out = format!("{diag}\n");
    }
    out
}
