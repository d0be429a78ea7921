//! Read what a generated script reported about itself from psql's output.
//!
//! Every check in a generated script prints `NOTICE:  packetc: SCRIPT PHASE METRIC = VALUE
//! (expected COND)`; a block whose checks fail stops with `ERROR:  packetc: SCRIPT PHASE failed:
//! METRIC expected COND, observed VALUE[; ...]`, and a script that refuses to start says
//! `ERROR:  packetc: SCRIPT refuses to run: REASON`. `prove` and `apply` turn those lines into an
//! expected-vs-observed report without a second connection to the database.
//!
//! This module owns that format: the templates get it from [`formats`] through the render context
//! (as the `RAISE` and `format()` strings they print with) and [`parse`] reads it back with the same
//! pieces, so the contract is written once.

use serde::Serialize;

/// One metric observation printed by a passing assertion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Observation {
    pub script: String,
    /// gate | expect | before | after
    pub phase: String,
    pub metric: String,
    pub observed: String,
    pub expected: String,
}

/// One failed check inside a failing assertion block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedCheck {
    pub metric: String,
    pub expected: String,
    pub observed: String,
}

/// The assertion block that stopped a script: every check in it that failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub script: String,
    /// gate | expect | before | after, or `refused` (wrong database, missing variable).
    pub phase: String,
    /// The failed checks (empty for a refusal).
    pub checks: Vec<FailedCheck>,
    /// The whole message as PostgreSQL raised it.
    pub message: String,
}

impl Failure {
    /// Whether `metric` is among the failed checks.
    #[must_use]
    pub fn names(&self, metric: &str) -> bool {
        self.checks.iter().any(|c| c.metric == metric)
    }
}

/// What one psql run reported.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub observations: Vec<Observation>,
    pub failure: Option<Failure>,
    /// The first ERROR line that was not a packetc assertion (syntax error, lock timeout, ...).
    pub other_error: Option<String>,
}

/// The start of every line a generated script raises.
pub const PREFIX: &str = "packetc: ";
/// Between a metric and its observed value in a notice.
const IS: &str = " = ";
/// Before the expectation in a notice (closed by `)`).
const EXPECTED: &str = " (expected ";
/// Between the script and phase and the failed checks.
const FAILED: &str = " failed: ";
/// Between a failed check's metric and its expectation.
const CHECK_EXPECTED: &str = " expected ";
/// Between a failed check's expectation and what was observed.
const CHECK_OBSERVED: &str = ", observed ";
/// Between the failed checks of one block.
const SEPARATOR: &str = "; ";
/// Between the script and the reason it refuses to start.
const REFUSES: &str = " refuses to run: ";
/// How a NULL observation (always a failure) is printed.
const NULL: &str = "NULL";

const NOTICE: &str = "NOTICE:  ";
const ERROR: &str = "ERROR:  ";

/// The strings a generated script prints with, handed to the templates as `notice`.
#[derive(Debug, Clone, Serialize)]
pub struct Formats {
    /// `RAISE NOTICE` format: script, phase, metric, observed, expected.
    pub observed: String,
    /// `RAISE EXCEPTION` format: script, phase, the failed checks joined by `separator`.
    pub failed: String,
    /// `format()` string of one failed check: metric, expected, observed.
    pub check: String,
    pub separator: &'static str,
    /// `RAISE EXCEPTION` format: script, reason.
    pub refused: String,
    /// What a NULL observation prints as.
    pub null: &'static str,
}

/// The notice contract, as the templates print it.
#[must_use]
pub fn formats() -> Formats {
    Formats {
        observed: format!("{PREFIX}% % %{IS}%{EXPECTED}%)"),
        failed: format!("{PREFIX}% %{FAILED}%"),
        check: format!("%s{CHECK_EXPECTED}%s{CHECK_OBSERVED}%s"),
        separator: SEPARATOR,
        refused: format!("{PREFIX}%{REFUSES}%"),
        null: NULL,
    }
}

/// Parse psql's stderr (and stdout; psql may print either, depending on options).
#[must_use]
pub fn parse(output: &str) -> Report {
    let mut report = Report::default();
    for line in output.lines() {
        if let Some(rest) = after(line, NOTICE, PREFIX) {
            if let Some(o) = observation(rest) {
                report.observations.push(o);
            }
        } else if let Some(rest) = after(line, ERROR, PREFIX) {
            if report.failure.is_none() {
                report.failure = Some(failure(rest));
            }
        } else if report.other_error.is_none() && report.failure.is_none() {
            if let Some(i) = line.find(ERROR) {
                report.other_error = Some(line[i + ERROR.len()..].to_owned());
            } else if line.starts_with("FATAL:") || line.contains("psql: error:") {
                report.other_error = Some(line.to_owned());
            }
        }
    }
    report
}

/// The text after `level` + `prefix`, which psql may prefix with `psql:<stdin>:LINE: `.
fn after<'a>(line: &'a str, level: &str, prefix: &str) -> Option<&'a str> {
    let i = line.find(level)?;
    line[i + level.len()..].strip_prefix(prefix)
}

/// `SCRIPT PHASE METRIC = VALUE (expected COND)`
fn observation(rest: &str) -> Option<Observation> {
    let (head, expected) = rest.rsplit_once(EXPECTED)?;
    let expected = expected.strip_suffix(')')?;
    let mut parts = head.splitn(4, ' ');
    let script = parts.next()?;
    let phase = parts.next()?;
    let metric = parts.next()?;
    let observed = parts.next()?.strip_prefix(&IS[1..])?;
    Some(Observation {
        script: script.to_owned(),
        phase: phase.to_owned(),
        metric: metric.to_owned(),
        observed: observed.to_owned(),
        expected: expected.to_owned(),
    })
}

/// `SCRIPT PHASE failed: METRIC expected COND, observed VALUE[; ...]` or a refusal message.
fn failure(rest: &str) -> Failure {
    let message = format!("{PREFIX}{rest}");
    let parsed = rest.split_once(FAILED).and_then(|(head, tail)| {
        let (script, phase) = head.split_once(' ')?;
        let checks = tail
            .split(SEPARATOR)
            .map(|part| {
                let (metric, tail) = part.split_once(CHECK_EXPECTED)?;
                let (expected, observed) = tail.rsplit_once(CHECK_OBSERVED)?;
                Some(FailedCheck {
                    metric: metric.to_owned(),
                    expected: expected.to_owned(),
                    observed: observed.to_owned(),
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Failure {
            script: script.to_owned(),
            phase: phase.to_owned(),
            checks,
            message: message.clone(),
        })
    });
    parsed.unwrap_or_else(|| Failure {
        script: rest
            .split_once(REFUSES)
            .map_or_else(|| rest.split(' ').next().unwrap_or_default(), |(s, _)| s)
            .to_owned(),
        phase: "refused".to_owned(),
        checks: Vec::new(),
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_notices_and_the_failing_assert() {
        let out = "psql:<stdin>:40: NOTICE:  packetc: F_prod_00_preflight.sql gate db = directus (expected = 'directus')\n\
                   NOTICE:  packetc: F_prod_00_preflight.sql gate ospa = 1 (expected >= 1)\n\
                   psql:<stdin>:77: ERROR:  packetc: F_prod_00_preflight.sql gate failed: gap expected = 210, observed 209; own expected = 0, observed 1\n\
                   HINT:  STOP: any assert fails\n";
        let r = parse(out);
        assert_eq!(r.observations.len(), 2);
        assert_eq!(r.observations[0].observed, "directus");
        assert_eq!(r.observations[1].expected, ">= 1");
        let f = r.failure.expect("failure");
        assert_eq!(f.checks.len(), 2);
        let c = &f.checks[0];
        assert_eq!(
            (c.metric.as_str(), c.expected.as_str(), c.observed.as_str()),
            ("gap", "= 210", "209")
        );
        assert!(f.names("own") && !f.names("conflict"));
        assert_eq!(r.other_error, None);
    }

    /// What `RAISE` / `format()` make of a format string: each `%` or `%s` takes the next value.
    fn fill(fmt: &str, args: &[&str]) -> String {
        let mut out = String::new();
        let mut args = args.iter();
        let mut rest = fmt;
        while let Some(i) = rest.find('%') {
            out.push_str(&rest[..i]);
            out.push_str(args.next().expect("enough values"));
            rest = rest[i + 1..].strip_prefix('s').unwrap_or(&rest[i + 1..]);
        }
        assert!(args.next().is_none(), "too many values for {fmt:?}");
        out + rest
    }

    #[test]
    fn what_the_templates_print_with_the_formats_parses_back() {
        let f = formats();
        let notice = fill(&f.observed, &["s.sql", "after", "own", "30", "= 30"]);
        let checks = [
            fill(&f.check, &["own", "= 30", f.null]),
            fill(&f.check, &["gap", "= 0 (before -210)", "1"]),
        ]
        .join(f.separator);
        let error = fill(&f.failed, &["s.sql", "after", &checks]);
        let refused = fill(&f.refused, &["s.sql", "psql variable v is not set"]);
        let r = parse(&format!(
            "psql:<stdin>:9: NOTICE:  {notice}\npsql:<stdin>:9: ERROR:  {error}\n"
        ));
        assert_eq!(
            r.observations,
            [Observation {
                script: "s.sql".into(),
                phase: "after".into(),
                metric: "own".into(),
                observed: "30".into(),
                expected: "= 30".into(),
            }]
        );
        let fail = r.failure.expect("failure");
        assert_eq!(
            (fail.script.as_str(), fail.phase.as_str()),
            ("s.sql", "after")
        );
        assert_eq!(fail.checks[0].observed, "NULL");
        assert_eq!(fail.checks[1].expected, "= 0 (before -210)");
        let r = parse(&format!("ERROR:  {refused}\n"));
        let fail = r.failure.expect("refusal");
        assert_eq!(
            (fail.script.as_str(), fail.phase.as_str()),
            ("s.sql", "refused")
        );
        assert!(fail.checks.is_empty());
    }

    #[test]
    fn refusals_and_foreign_errors_are_kept() {
        let r = parse("ERROR:  packetc: F_prod_01.sql refuses to run: psql variable ratified_apr is not set\n");
        let f = r.failure.expect("failure");
        assert_eq!(f.phase, "refused");
        assert!(f.message.contains("ratified_apr"));
        let r = parse("psql:<stdin>:3: ERROR:  relation \"x\" does not exist\n");
        assert_eq!(
            r.other_error.as_deref(),
            Some("relation \"x\" does not exist")
        );
    }
}
