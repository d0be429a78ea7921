//! The prove report: scenarios of checks, each expected vs observed, printed for humans.

use std::fmt::Write as _;

/// One verified (or refuted) claim of the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub ok: bool,
    pub what: String,
    pub expected: String,
    pub observed: String,
}

/// A scenario: a fresh clone, a sequence of runs, and what each showed.
#[derive(Debug, Clone, Default)]
pub struct Scenario {
    pub title: String,
    pub lines: Vec<Line>,
}

impl Scenario {
    pub fn new(title: impl Into<String>) -> Scenario {
        Scenario {
            title: title.into(),
            lines: Vec::new(),
        }
    }

    /// Record a check.
    pub fn check(
        &mut self,
        ok: bool,
        what: impl Into<String>,
        expected: impl Into<String>,
        observed: impl Into<String>,
    ) -> bool {
        self.lines.push(Line {
            ok,
            what: what.into(),
            expected: expected.into(),
            observed: observed.into(),
        });
        ok
    }

    #[must_use]
    pub fn passed(&self) -> bool {
        self.lines.iter().all(|l| l.ok)
    }
}

/// Render scenarios as aligned text; the last line counts checks.
#[must_use]
pub fn render(header: &str, scenarios: &[Scenario]) -> String {
    let mut out = format!("{header}\n");
    let (mut passed, mut failed) = (0, 0);
    for (i, s) in scenarios.iter().enumerate() {
        let _ = writeln!(out, "\nscenario {}: {}", i + 1, s.title);
        let width = s
            .lines
            .iter()
            .map(|l| l.what.chars().count())
            .max()
            .unwrap_or(0);
        for l in &s.lines {
            let mark = if l.ok { "ok  " } else { "FAIL" };
            let pad = " ".repeat(width - l.what.chars().count());
            let _ = writeln!(
                out,
                "  {mark} {}{pad}  expected {}; observed {}",
                l.what, l.expected, l.observed
            );
            if l.ok {
                passed += 1;
            } else {
                failed += 1;
            }
        }
    }
    let verdict = if failed == 0 { "PROVEN" } else { "NOT PROVEN" };
    let _ = writeln!(out, "\n{verdict}: {passed} checks passed, {failed} failed");
    out
}
