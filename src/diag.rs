//! Errors (exit 2) and the rendering of miette diagnostics.
//!
//! Findings and drift are not errors: commands return [`Status::Failed`] for those (exit 1).
//! An [`Error`] always means the input could not be used at all (exit 2).

use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

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

/// Whether [`render`] colours its output. Off unless the binary turns it on (`--color`), so
/// library callers and snapshot tests always get plain text.
static COLOR: AtomicBool = AtomicBool::new(false);

/// Turn colour on or off for every later [`render`] (set once by the binary, from `--color`).
pub fn set_color(on: bool) {
    COLOR.store(on, Ordering::Relaxed);
}

/// When to colour diagnostics (`--color`; `cli.rs` maps its flag onto this).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    /// Colour when stdout and stderr are terminals and NO_COLOR is not set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Decide `--color`: `always` and `never` win; `auto` colours only when both output streams are
/// terminals (findings go to stdout, errors to stderr: a pipe or a file must stay free of escape
/// codes), `NO_COLOR` is unset or empty (<https://no-color.org>), and `TERM` is not `dumb`.
#[must_use]
pub fn color_wanted(
    choice: ColorChoice,
    no_color: Option<&std::ffi::OsStr>,
    term: Option<&std::ffi::OsStr>,
    terminals: bool,
) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            no_color.is_none_or(std::ffi::OsStr::is_empty)
                && term.is_none_or(|t| t != "dumb")
                && terminals
        }
    }
}

/// Render one diagnostic as unicode text with source snippets and no links. Without colour
/// (the default) the output is stable for snapshots and readable in CI logs.
pub fn render(diag: &dyn Diagnostic) -> String {
    let theme = if COLOR.load(Ordering::Relaxed) {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_width(100);
    let mut out = String::new();
    if handler.render_report(&mut out, diag).is_err() {
        out = format!("{diag}\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{color_wanted, ColorChoice};
    use std::ffi::OsStr;

    #[test]
    fn color_auto_needs_terminals_and_no_no_color() {
        let xterm = Some(OsStr::new("xterm"));
        assert!(color_wanted(ColorChoice::Auto, None, xterm, true));
        assert!(!color_wanted(ColorChoice::Auto, None, xterm, false));
        assert!(!color_wanted(
            ColorChoice::Auto,
            Some(OsStr::new("1")),
            xterm,
            true
        ));
        // An empty NO_COLOR does not count (no-color.org).
        assert!(color_wanted(
            ColorChoice::Auto,
            Some(OsStr::new("")),
            xterm,
            true
        ));
        assert!(!color_wanted(
            ColorChoice::Auto,
            None,
            Some(OsStr::new("dumb")),
            true
        ));
        assert!(color_wanted(
            ColorChoice::Always,
            Some(OsStr::new("1")),
            None,
            false
        ));
        assert!(!color_wanted(ColorChoice::Never, None, xterm, true));
    }
}
