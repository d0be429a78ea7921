//! Where a command's words go. A [`Printer`] owns the split between **results** (findings,
//! drift, diffs, reports, generated output: always printed) and **progress** (what a run did on
//! success — "wrote …", "ok: …", the policy line, notes, next steps: dropped by `--quiet`).
//!
//! The choice is made where a line is written, by asking for the right writer, so `--quiet` is
//! a decision at the call site and never a filter that guesses from a line's text.

use std::io::{self, Write};

/// Stdout for one command, split into results and progress.
pub struct Printer<'a> {
    out: &'a mut dyn Write,
    quiet: bool,
    sink: io::Sink,
}

impl<'a> Printer<'a> {
    /// Print to `out`; with `quiet`, progress is dropped.
    pub fn new(out: &'a mut dyn Write, quiet: bool) -> Printer<'a> {
        Printer {
            out,
            quiet,
            sink: io::sink(),
        }
    }

    /// Whether progress is dropped (`--quiet`), for reports that render both in one pass.
    #[must_use]
    pub fn quiet(&self) -> bool {
        self.quiet
    }

    /// The writer for results: always printed.
    pub fn results(&mut self) -> &mut dyn Write {
        &mut *self.out
    }

    /// The writer for progress: printed unless `--quiet`.
    pub fn progress(&mut self) -> &mut dyn Write {
        if self.quiet {
            &mut self.sink
        } else {
            &mut *self.out
        }
    }

    /// Flush stdout.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::Printer;

    #[test]
    fn quiet_drops_progress_and_keeps_results() {
        for (quiet, want) in [(false, "wrote a\ndrift: b\n"), (true, "drift: b\n")] {
            let mut buf = Vec::new();
            let mut p = Printer::new(&mut buf, quiet);
            writeln!(p.progress(), "wrote a").expect("write");
            writeln!(p.results(), "drift: b").expect("write");
            assert_eq!(String::from_utf8(buf).expect("utf-8"), want);
        }
    }
}
