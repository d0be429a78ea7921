//! The promises of the repeatable shapes, proven on the clone (see docs/shapes.md).
//!
//! - **scanner**: run twice; the second run's only change is its one run-table row.
//! - **cursor**: advance, then replay a stale advance (`fixture/stale.vars`) and a retried one;
//!   both change nothing.
//! - both: two concurrent runs end with one winner (the other finds nothing left to do), with
//!   real psql sessions lined up behind a lock so they truly race;
//! - any packet with `fixture/broken-preconditions/*.sql`: each file breaks one precondition on
//!   a gate-open clone (`-- packetc-prove: stops on METRIC`, optionally `-v NAME=VALUE`), and
//!   preflight and the write step must both stop on that metric with nothing written.
//!
//! "Nothing left to do" is [`nothing_left`]: every `-> N` delta of the write step was already at
//! N before the write. `apply --repeat` stops its loop on the same test.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use super::{expect_stop, pg_error, unchanged, Prover, Scenario};
use crate::diag::Error;
use crate::observe::{self, Report};
use crate::packet::{Change, Number, Role, Shape, Step};
use crate::pg::{self, TableFingerprint};

const STOPS_MARK: &str = "-- packetc-prove: stops on ";
const VAR_MARK: &str = "-- packetc-prove: -v ";

/// The cursor's stale advance: `NAME=VALUE` lines overriding the examples.
pub const STALE_VARS: &str = "fixture/stale.vars";

/// Whether a write step's run found nothing left to do: every `-> N` delta was already at N
/// before the write (`before(metric)` is the value the script reported before it). A step
/// without such a delta never says so (its work cannot be judged done).
pub fn nothing_left(step: &Step, before: impl Fn(&str) -> Option<Number>) -> bool {
    let mut any = false;
    for d in &step.deltas {
        if let Change::Reaches { to } = d.change {
            any = true;
            if before(&d.metric) != Some(to) {
                return false;
            }
        }
    }
    any
}

fn before_in(report: &Report) -> impl Fn(&str) -> Option<Number> + '_ {
    |metric| {
        report
            .observations
            .iter()
            .find(|o| o.phase == "before" && o.metric == metric)
            .and_then(|o| Number::parse(&o.observed))
    }
}

type Tables = BTreeMap<String, TableFingerprint>;

fn is_table(key: &str, table: &str) -> bool {
    key == table || key.rsplit_once('.').is_some_and(|(_, t)| t == table)
}

/// Every table of `after` equals `base`, except the run table, which has `extra` more rows.
fn only_run_rows(
    sc: &mut Scenario,
    what: &str,
    run_table: Option<&str>,
    extra: i64,
    base: &Tables,
    after: &Tables,
) {
    let Some(rt) = run_table else {
        unchanged(sc, what, base, after);
        return;
    };
    let strip = |m: &Tables| -> Tables {
        m.iter()
            .filter(|(k, _)| !is_table(k, rt))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    unchanged(
        sc,
        &format!("{what}: every table but {rt}"),
        &strip(base),
        &strip(after),
    );
    let rows = |m: &Tables| m.iter().find(|(k, _)| is_table(k, rt)).map(|(_, v)| v.rows);
    let (b, a) = (rows(base), rows(after));
    sc.check(
        b.is_some() && a == b.map(|b| b + extra),
        format!("{what}: {rt}"),
        format!("{extra} more row(s)"),
        format!("{}→{} rows", b.unwrap_or(-1), a.unwrap_or(-1)),
    );
}

/// A forward run (preflight, then the write step) that must pass; returns the write's report.
fn forward(
    sc: &mut Scenario,
    pr: &Prover<'_>,
    db: &pg::Target,
    vars: &[(String, String)],
    label: &str,
) -> Result<Option<Report>, Error> {
    let mut last = None;
    for role in [Role::Preflight, Role::Seed] {
        let Some(step) = pr.step(role) else { continue };
        let (run, report) = pr.run(db, role, vars)?;
        let why = report
            .failure
            .as_ref()
            .map(|f| f.message.clone())
            .or_else(|| report.other_error.clone())
            .unwrap_or_else(|| super::exit_text(&run));
        if !sc.check(
            run.success(),
            format!("{label}: step {} {} runs", step.number, step.script),
            "psql exit 0",
            if run.success() {
                "psql exit 0".to_owned()
            } else {
                why
            },
        ) {
            return Ok(None);
        }
        last = Some(report);
    }
    Ok(last)
}

fn reaches_summary(step: &Step, report: &Report) -> String {
    let before = before_in(report);
    step.deltas
        .iter()
        .filter(|d| matches!(d.change, Change::Reaches { .. }))
        .map(|d| {
            format!(
                "{} {}",
                d.metric,
                before(&d.metric).map_or_else(|| "?".to_owned(), |n| n.to_string())
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn expect_nothing_left(sc: &mut Scenario, step: &Step, report: &Report, label: &str, want: bool) {
    let left = nothing_left(step, before_in(report));
    sc.check(
        left == want,
        format!("{label}: nothing left to do before the write"),
        if want {
            "every '-> N' delta already at N"
        } else {
            "work to do"
        },
        format!(
            "{} (before: {})",
            if left { "nothing left" } else { "work to do" },
            reaches_summary(step, report)
        ),
    );
}

fn read_vars(path: &Path, base: &[(String, String)]) -> Result<Vec<(String, String)>, Error> {
    let text = crate::fsio::read_text(path)?;
    let mut vars = base.to_vec();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            return Err(Error::input(
                format!("{}: `{line}` is not NAME=VALUE", path.display()),
                "write one NAME=VALUE per line",
            ));
        };
        match vars.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value.to_owned(),
            None => vars.push((name.to_owned(), value.to_owned())),
        }
    }
    Ok(vars)
}

/// The repeatable shape's scenarios (none for a seed).
pub fn scenarios(pr: &Prover<'_>, packet_dir: &Path) -> Result<Vec<Scenario>, Error> {
    let shape = pr.packet.shape;
    if !shape.is_repeatable() {
        return Ok(Vec::new());
    }
    let Some(write) = pr.step(Role::Seed) else {
        return Ok(Vec::new());
    };
    let run_table = pr.packet.provenance.run_table.as_deref();
    let mut out = Vec::new();

    // Run once, then again: the repeat changes nothing but its run row.
    let (title, again) = match shape {
        Shape::Scanner => (
            "scanner idempotent and bounded: a second run's only change is its one run row",
            "second run",
        ),
        _ => (
            "cursor monotonic: a retried advance changes nothing",
            "retried advance",
        ),
    };
    let mut sc = Scenario::new(title);
    let db = pr.fresh(true)?;
    let mut once = None;
    if let Some(r) = forward(&mut sc, pr, &db, &pr.vars, "first run")? {
        expect_nothing_left(&mut sc, write, &r, "first run", false);
        let first = pr.fingerprint(&db)?;
        if let Some(r) = forward(&mut sc, pr, &db, &pr.vars, again)? {
            expect_nothing_left(&mut sc, write, &r, again, true);
            let second = pr.fingerprint(&db)?;
            only_run_rows(
                &mut sc,
                &format!("{again} vs the first"),
                run_table,
                1,
                &first,
                &second,
            );
        }
        once = Some(first);
    }
    out.push(sc);

    // The cursor's stale advance: an older position, after the advance, is a no-op.
    if shape == Shape::Cursor {
        let path = packet_dir.join(STALE_VARS);
        if !path.is_file() {
            return Err(Error::input(
                format!(
                    "{} not found: prove needs a stale advance for a cursor",
                    path.display()
                ),
                "add NAME=VALUE lines naming an older position (e.g. to_snapshot=evo-2026-05-29)",
            ));
        }
        let stale = read_vars(&path, &pr.vars)?;
        let named: Vec<String> = stale
            .iter()
            .filter(|v| !pr.vars.contains(v))
            .map(|(n, v)| format!("{n}={v}"))
            .collect();
        let mut sc = Scenario::new(format!(
            "cursor monotonic: after an advance, a stale advance ({}) changes nothing",
            named.join(", ")
        ));
        let db = pr.fresh(true)?;
        if forward(&mut sc, pr, &db, &pr.vars, "advance")?.is_some() {
            let advanced = pr.fingerprint(&db)?;
            if let Some(r) = forward(&mut sc, pr, &db, &stale, "stale advance")? {
                expect_nothing_left(&mut sc, write, &r, "stale advance", true);
                unchanged(
                    &mut sc,
                    "clone after the stale advance",
                    &advanced,
                    &pr.fingerprint(&db)?,
                );
            }
        }
        out.push(sc);
    }

    out.push(concurrent(pr, write, run_table, once.as_ref())?);
    Ok(out)
}

/// Wait until `n` sessions wait for a lock on `table` (not granted), or the deadline passes.
fn wait_for_waiters(
    target: &pg::Target,
    table: &str,
    n: usize,
    limit: Duration,
) -> Result<usize, Error> {
    let q = format!(
        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation \
         WHERE c.relname = {} AND NOT l.granted",
        pg::quote_literal(table.rsplit('.').next().unwrap_or(table))
    );
    let deadline = Instant::now() + limit;
    loop {
        let seen = pg::query_scalar(target, &[], &q)
            .map_err(pg_error)?
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0);
        if seen >= n || Instant::now() >= deadline {
            return Ok(seen);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Two write runs released at the same instant: one does the work, the other finds it done.
fn concurrent(
    pr: &Prover<'_>,
    write: &Step,
    run_table: Option<&str>,
    once: Option<&Tables>,
) -> Result<Scenario, Error> {
    let mut sc = Scenario::new(format!(
        "two concurrent {} runs (real psql sessions released together): one winner, the other finds nothing left to do",
        write.script
    ));
    let Some(lock) = write.locks.first() else {
        sc.check(
            false,
            "the write step locks a table",
            "a lock to queue on",
            "no lock",
        );
        return Ok(sc);
    };
    let db = pr.fresh(true)?;
    let script = pr.scripts.get(write.number).cloned().unwrap_or_default();
    // A third session holds the write's first lock until both runs queue behind it.
    let hold = pg::spawn_psql(
        &db,
        &format!(
            "BEGIN;\nLOCK TABLE {} IN ACCESS EXCLUSIVE MODE;\nSELECT pg_sleep(3);\nCOMMIT;\n",
            pg::quote_qualified(&lock.table)
        ),
        &[],
        true,
    )
    .map_err(pg_error)?;
    // The holder's own lock is granted; wait until it is (no waiter yet).
    let held_q = format!(
        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = {} AND l.granted AND l.mode = 'AccessExclusiveLock'",
        pg::quote_literal(lock.table.rsplit('.').next().unwrap_or(&lock.table))
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while pg::query_scalar(&db, &[], &held_q)
        .map_err(pg_error)?
        .as_deref()
        == Some("0")
    {
        if Instant::now() > deadline {
            sc.check(
                false,
                "the lock holder takes its lock",
                "granted",
                "never granted",
            );
            return Ok(sc);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let a = pg::spawn_psql(&db, &script, &pr.vars, false).map_err(pg_error)?;
    let b = pg::spawn_psql(&db, &script, &pr.vars, false).map_err(pg_error)?;
    let queued = wait_for_waiters(&db, &lock.table, 2, Duration::from_secs(2))?;
    sc.check(
        queued >= 2,
        format!("both runs queue on {} before either starts", lock.table),
        "2 waiting sessions",
        format!("{queued} waiting"),
    );
    let held = hold.wait().map_err(pg_error)?;
    let ra = a.wait().map_err(pg_error)?;
    let rb = b.wait().map_err(pg_error)?;
    pr.audit_touched();
    sc.check(
        held.success(),
        "the lock holder",
        "psql exit 0",
        super::exit_text(&held),
    );
    let mut winners = 0;
    for (name, run) in [("run A", &ra), ("run B", &rb)] {
        let report = observe::parse(&format!("{}\n{}", run.stderr, run.stdout));
        if !run.success() {
            expect_stop(&mut sc, write, run, &report, "success", |_| false);
            continue;
        }
        sc.check(true, format!("{name} runs"), "psql exit 0", "psql exit 0");
        if !nothing_left(write, before_in(&report)) {
            winners += 1;
        }
        let _ = name;
    }
    sc.check(
        winners == 1,
        "winners (runs that found work to do)",
        "exactly 1",
        winners.to_string(),
    );
    if let Some(once) = once {
        // Against a single run on another fresh clone of the same fixture: the loser added only
        // its run row (a scanner's bookkeeping), nothing else.
        only_run_rows(
            &mut sc,
            "clone after both vs after a single run",
            run_table,
            i64::from(run_table.is_some()),
            once,
            &pr.fingerprint(&db)?,
        );
    }
    Ok(sc)
}

/// One scenario per broken-precondition file: the gate stops both steps, nothing written.
pub fn broken_preconditions(pr: &Prover<'_>, fixture_dir: &Path) -> Result<Vec<Scenario>, Error> {
    let mut out = Vec::new();
    for path in super::openings::sql_files(fixture_dir, "broken-preconditions")? {
        let text = crate::fsio::read_text(&path)?;
        let Some(metric) = text
            .lines()
            .find_map(|l| l.strip_prefix(STOPS_MARK))
            .map(str::trim)
        else {
            return Err(Error::input(
                format!("{}: no `{STOPS_MARK}METRIC` line", path.display()),
                "name the gate metric the broken precondition must stop on",
            ));
        };
        let mut vars = pr.vars.clone();
        for (name, value) in text.lines().filter_map(|l| {
            l.strip_prefix(VAR_MARK)
                .and_then(|r| r.trim().split_once('='))
        }) {
            match vars.iter_mut().find(|(n, _)| n == name) {
                Some(slot) => slot.1 = value.to_owned(),
                None => vars.push((name.to_owned(), value.to_owned())),
            }
        }
        let what = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("-- Broken precondition:"))
            .map_or_else(String::new, |s| format!(": {}", s.trim()));
        let stem = path
            .file_stem()
            .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
        let mut sc = Scenario::new(format!(
            "broken precondition {stem}{what}: preflight and the write stop on {metric}, nothing written"
        ));
        let db = pr.fresh(true)?;
        pr.load_file(&db, &path)?;
        let before = pr.fingerprint(&db)?;
        for role in [Role::Preflight, Role::Seed] {
            let Some(step) = pr.step(role) else { continue };
            let (run, report) = pr.run(&db, role, &vars)?;
            expect_stop(
                &mut sc,
                step,
                &run,
                &report,
                &format!("gate {metric} fails"),
                |r| super::openings::stopped_on_gate(r, metric),
            );
        }
        unchanged(
            &mut sc,
            "clone after the stopped steps",
            &before,
            &pr.fingerprint(&db)?,
        );
        out.push(sc);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_left_needs_every_reaches_delta_at_its_target() {
        let loaded = crate::packet::load(Path::new("packets/cursor-advance")).expect("bundled");
        let step = loaded
            .packet
            .steps
            .iter()
            .find(|s| s.role == Role::Seed)
            .expect("seed");
        let at = |behind: i64, cursor: i64| {
            move |m: &str| match m {
                "behind" => Some(Number::from_i64(behind)),
                "cursor" => Some(Number::from_i64(cursor)),
                _ => None,
            }
        };
        assert!(nothing_left(step, at(0, 1)));
        assert!(!nothing_left(step, at(1, 1)));
        assert!(!nothing_left(step, at(1, 0)));
        assert!(!nothing_left(step, |_| None));
        // A seed has no '-> N' delta: it never claims there is nothing left.
        let seed =
            crate::packet::load(Path::new("packets/one-roof-ownership-seed")).expect("bundled");
        let s = seed
            .packet
            .steps
            .iter()
            .find(|s| s.role == Role::Seed)
            .expect("seed");
        assert!(!nothing_left(s, |_| Some(Number::from_i64(0))));
    }
}
