//! `packetc prove`: run a packet on a scratch PostgreSQL clone built from its fixture and show
//! that every gate, delta, final state and stop condition does what the spec says.
//!
//! Scripts go through real `psql` on stdin **without** `-v ON_ERROR_STOP=1`, as the channel runs
//! them, so the proof also covers the scripts stopping themselves. Observations come from the
//! scripts' own NOTICE lines and, independently, from running the metric queries directly.

pub(crate) mod audit;
pub mod mutants;
mod openings;
pub mod report;
pub(crate) mod shapes;

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::diag::Error;
use crate::observe::{self, Report};
use crate::packet::{Change, Check, Loaded, MetricType, Number, Packet, Role, Step, Value};
use crate::pg::{self, Cluster, PgError, PsqlRun, TableFingerprint, Target};

pub use report::{Line, Scenario};

/// psql's exit code when a script error stopped it under ON_ERROR_STOP.
const STOPPED: Option<i32> = Some(3);

/// The fixture files a packet needs to be proven.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// Schema and data with the human gate still closed.
    pub schema: PathBuf,
    /// Stands in for the human act (test-only): opens the gate.
    pub gate_open: PathBuf,
}

impl Fixture {
    /// The schema file, relative to the packet directory.
    pub const SCHEMA: &'static str = "fixture/schema.sql";
    /// The gate-opening file, relative to the packet directory.
    pub const GATE_OPEN: &'static str = "fixture/gate-open.sql";

    /// `PACKET/fixture/schema.sql` and `gate-open.sql`, which must both exist.
    pub fn locate(loaded: &Loaded) -> Result<Fixture, Error> {
        let f = Fixture {
            schema: loaded.dir.join(Fixture::SCHEMA),
            gate_open: loaded.dir.join(Fixture::GATE_OPEN),
        };
        for p in [&f.schema, &f.gate_open] {
            if !p.is_file() {
                return Err(Error::input(
                    format!("{} not found: prove needs the packet's clone fixture", p.display()),
                    "add fixture/schema.sql (schema and data, human gate closed) and fixture/gate-open.sql (the approval row)",
                ));
            }
        }
        Ok(f)
    }
}

/// Everything one proof run needs.
pub struct Prover<'a> {
    pub cluster: &'a Cluster,
    pub packet: &'a Packet,
    /// Committed script text per step number.
    pub scripts: Vec<String>,
    /// `-v NAME=VALUE` for the steps: each declared variable's example.
    pub vars: Vec<(String, String)>,
    closed_template: String,
    open_template: String,
    /// The write audit every step run goes through.
    audit: audit::Audit,
    /// The fixture's schema fingerprint, taken before the audit was installed.
    fingerprint: crate::fingerprint::Fingerprint,
}

pub(crate) fn pg_error(e: PgError) -> Error {
    let help = if e.is_not_installed() {
        "install the PostgreSQL server (Debian: apt-get install postgresql), point PACKETC_PG_BINDIR at a directory with initdb, pg_ctl and postgres (PACKETC_PSQL at psql), or set PACKETC_DATABASE_URL"
    } else {
        "check the server and the fixture; the message above is PostgreSQL's"
    };
    Error::input(format!("prove could not use PostgreSQL: {e}"), help)
}

/// Run SQL on a clone with ON_ERROR_STOP; any failure is an error naming `what`. (Inside a
/// proof use [`Prover::load`], which tells the audit the clone changed.)
pub(crate) fn load_sql(target: &Target, sql: &str, what: &str) -> Result<(), Error> {
    let run = pg::run_psql(target, sql, &[], true).map_err(pg_error)?;
    if run.success() {
        return Ok(());
    }
    Err(Error::input(
        format!("prove could not run {what} on the clone: {}", run.summary()),
        "the message above is PostgreSQL's",
    ))
}

impl<'a> Prover<'a> {
    /// Load the fixture into two template databases (gate closed, gate open).
    pub fn new(
        cluster: &'a Cluster,
        loaded: &'a Loaded,
        scripts: Vec<String>,
        fixture: &Fixture,
    ) -> Result<Prover<'a>, Error> {
        let packet = &loaded.packet;
        let base = format!("packetc_prove_{}", packet.name.replace('-', "_"));
        let closed_template = format!("{base}_closed");
        let open_template = format!("{base}_open");
        let closed = cluster
            .create_template(&closed_template, &[fixture.schema.as_path()])
            .map_err(pg_error)?;
        let open = cluster
            .create_template(
                &open_template,
                &[fixture.schema.as_path(), fixture.gate_open.as_path()],
            )
            .map_err(pg_error)?;
        // The DBA's one-time act, on the clone: create the role the writes run as.
        if let Some(grants) = crate::grants::script(loaded) {
            for t in [&closed, &open] {
                load_sql(t, &grants, "the `packetc grants` script")?;
            }
        }
        let fingerprint = crate::proof::capture::fixture_fingerprint(&closed, loaded)?;
        // The write audit, on the clone templates only.
        let audit = audit::Audit::new(audit::protected_tables(packet));
        let install = audit::install_sql(&audit.tables);
        for t in [&closed, &open] {
            load_sql(t, &install, "the write audit")?;
        }
        let vars = packet
            .variables
            .iter()
            .map(|v| (v.name.clone(), v.example.clone()))
            .collect();
        Ok(Prover {
            cluster,
            packet,
            scripts,
            vars,
            closed_template,
            open_template,
            audit,
            fingerprint,
        })
    }

    /// A fresh clone named as the packet's target database.
    pub fn fresh(&self, gate_open: bool) -> Result<Target, Error> {
        self.audit.touched();
        let template = if gate_open {
            &self.open_template
        } else {
            &self.closed_template
        };
        self.cluster
            .recreate_from_template(&self.packet.database, template)
            .map_err(pg_error)
    }

    /// Change a clone outside the steps (a fake opening, a deletion): the audit's next
    /// snapshot is taken afresh.
    pub(crate) fn load(&self, target: &Target, sql: &str, what: &str) -> Result<(), Error> {
        self.audit.touched();
        load_sql(target, sql, what)
    }

    /// Load a fixture file into a clone (psql -f FILE, so `\ir` resolves next to it).
    pub(crate) fn load_file(&self, target: &Target, file: &std::path::Path) -> Result<(), Error> {
        self.audit.touched();
        let run = pg::run_psql_file(target, file).map_err(pg_error)?;
        if run.success() {
            return Ok(());
        }
        Err(Error::input(
            format!("prove could not load {}: {}", file.display(), run.summary()),
            "the message above is PostgreSQL's",
        ))
    }

    /// Tell the audit a clone changed outside [`Prover::run`].
    pub(crate) fn audit_touched(&self) {
        self.audit.touched();
    }

    pub(crate) fn step(&self, role: Role) -> Option<&'a Step> {
        self.packet.steps.iter().find(|s| s.role == role)
    }

    /// Run a step's committed script through psql on stdin, without -v ON_ERROR_STOP=1.
    pub fn run(
        &self,
        target: &Target,
        role: Role,
        vars: &[(String, String)],
    ) -> Result<(PsqlRun, Report), Error> {
        let Some(step) = self.step(role) else {
            return Err(Error::input(
                format!("the packet has no {role} step"),
                "fix packet.yaml",
            ));
        };
        let script = self.scripts.get(step.number).map_or("", String::as_str);
        let before = self.audit.before(target)?;
        let run = pg::run_psql(target, script, vars, false).map_err(pg_error)?;
        let after = self.audit.after(target)?;
        self.audit.compare(target, step.number, &before, &after)?;
        let report = observe::parse(&format!("{}\n{}", run.stderr, run.stdout));
        Ok((run, report))
    }

    /// Table contents of the whole clone.
    pub fn fingerprint(
        &self,
        target: &Target,
    ) -> Result<BTreeMap<String, TableFingerprint>, Error> {
        // The audit's one-query form of pg::database_fingerprint (installed on every clone);
        // sequences are left out, as there (nextval is not transactional).
        let mut all = audit::tables(target)?;
        all.retain(|k, _| !k.starts_with(audit::SEQUENCE));
        Ok(all)
    }

    /// Every metric, measured directly (one snapshot), independent of the scripts' own reports.
    pub fn measure(&self, target: &Target) -> Result<BTreeMap<String, Option<String>>, Error> {
        let mut settings: Vec<(String, String)> = vec![(
            crate::sql::tag_setting(),
            self.packet.provenance.tag.clone(),
        )];
        settings.extend(
            self.vars
                .iter()
                .map(|(n, v)| (crate::sql::setting(n), v.clone())),
        );
        let settings: Vec<(&str, &str)> = settings
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let queries: Vec<&str> = self
            .packet
            .metrics
            .iter()
            .map(|m| m.query.as_str())
            .collect();
        let values = pg::query_scalars(target, &settings, &queries).map_err(pg_error)?;
        Ok(self
            .packet
            .metrics
            .iter()
            .map(|m| m.name.clone())
            .zip(values)
            .collect())
    }

    fn metric_type(&self, metric: &str) -> MetricType {
        self.packet
            .metrics
            .iter()
            .find(|m| m.name == metric)
            .map_or(MetricType::Text, |m| m.ty)
    }

    fn value(&self, metric: &str, observed: &str) -> Value {
        match self.metric_type(metric) {
            MetricType::Text => Value::Text(observed.to_owned()),
            _ => Number::parse(observed)
                .map_or_else(|| Value::Text(observed.to_owned()), Value::Number),
        }
    }

    fn holds(&self, c: &Check, observed: Option<&str>) -> bool {
        observed.is_some_and(|o| c.condition.holds_for(&self.value(&c.metric, o)) == Some(true))
    }
}

fn observed<'r>(report: &'r Report, phase: &str, metric: &str) -> Option<&'r str> {
    report
        .observations
        .iter()
        .find(|o| o.phase == phase && o.metric == metric)
        .map(|o| o.observed.as_str())
}

pub(crate) fn exit_text(run: &PsqlRun) -> String {
    run.exit_code
        .map_or_else(|| "killed".to_owned(), |c| format!("psql exit {c}"))
}

/// A step that must run to the end: exit 0 and every gate, expectation and delta observed.
fn expect_success(
    sc: &mut Scenario,
    pr: &Prover<'_>,
    step: &Step,
    run: &PsqlRun,
    report: &Report,
) -> bool {
    let name = format!("step {} {}", step.number, step.script);
    let why = report
        .failure
        .as_ref()
        .map(|f| f.message.clone())
        .or_else(|| report.other_error.clone())
        .unwrap_or_else(|| exit_text(run));
    if !sc.check(
        run.success(),
        format!("{name} runs"),
        "psql exit 0",
        if run.success() {
            "psql exit 0".to_owned()
        } else {
            why
        },
    ) {
        return false;
    }
    let mut all = true;
    for (phase, checks) in [("gate", &step.gate), ("expect", &step.expect)] {
        for c in checks {
            let o = observed(report, phase, &c.metric);
            all &= sc.check(
                pr.holds(c, o),
                format!("{name} {phase} {}", c.metric),
                c.condition.to_string(),
                o.unwrap_or("(not asserted)"),
            );
        }
    }
    for d in &step.deltas {
        let before =
            observed(report, "before", &d.metric).or_else(|| observed(report, "gate", &d.metric));
        let after = observed(report, "after", &d.metric);
        let num = |s: Option<&str>| s.and_then(Number::parse);
        let (want, ok) = match (d.change, num(before), num(after)) {
            (Change::Absolute { from, to }, b, a) => {
                (format!("{from}→{to}"), b == Some(from) && a == Some(to))
            }
            (Change::Relative { by }, Some(b), a) => (
                format!("{b}→{} ({})", b.plus(by), d.change),
                a == Some(b.plus(by)),
            ),
            (Change::Relative { .. }, None, _) => (d.change.to_string(), false),
            (Change::Reaches { to }, b, a) => (format!("any→{to}"), b.is_some() && a == Some(to)),
        };
        let seen = format!("{}→{}", before.unwrap_or("?"), after.unwrap_or("?"));
        all &= sc.check(ok, format!("{name} delta {}", d.metric), want, seen);
    }
    all
}

/// A step that must stop: psql stopped by the script (exit 3) with the expected reason.
pub(crate) fn expect_stop(
    sc: &mut Scenario,
    step: &Step,
    run: &PsqlRun,
    report: &Report,
    reason: &str,
    matches: impl Fn(&Report) -> bool,
) -> bool {
    let observed = report
        .failure
        .as_ref()
        .map(|f| f.message.clone())
        .or_else(|| report.other_error.clone())
        .unwrap_or_else(|| exit_text(run));
    let ok = run.exit_code == STOPPED && matches(report);
    sc.check(
        ok,
        format!("step {} {} stops", step.number, step.script),
        format!("psql exit 3, {reason}"),
        format!("{}, {observed}", exit_text(run)),
    )
}

pub(crate) fn unchanged(
    sc: &mut Scenario,
    what: &str,
    before: &BTreeMap<String, TableFingerprint>,
    after: &BTreeMap<String, TableFingerprint>,
) -> bool {
    let changed: Vec<&String> = before
        .iter()
        .filter(|(k, v)| after.get(*k) != Some(v))
        .map(|(k, _)| k)
        .chain(after.keys().filter(|k| !before.contains_key(*k)))
        .collect();
    let observed = if changed.is_empty() {
        format!("{} tables identical", before.len())
    } else {
        format!(
            "changed: {}",
            changed
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    sc.check(
        changed.is_empty(),
        what,
        "every table byte-identical",
        observed,
    )
}

/// Scenario: the human gate is closed; preflight and seed both stop on it and nothing changes.
pub fn gate_closed(pr: &Prover<'_>) -> Result<Scenario, Error> {
    let gate = &pr.packet.human_gate;
    let mut sc = Scenario::new(format!(
        "human gate closed ({} {} not met): every step stops, nothing changes",
        gate.metric, gate.open_when
    ));
    let db = pr.fresh(false)?;
    let before = pr.fingerprint(&db)?;
    for role in [Role::Preflight, Role::Seed] {
        let Some(step) = pr.step(role) else { continue };
        let (run, report) = pr.run(&db, role, &pr.vars)?;
        expect_stop(
            &mut sc,
            step,
            &run,
            &report,
            &format!("gate {} fails", gate.metric),
            |r| openings::stopped_on_gate(r, &gate.metric),
        );
    }
    let after = pr.fingerprint(&db)?;
    unchanged(&mut sc, "clone after the stopped steps", &before, &after);
    Ok(sc)
}

/// Scenario: gate open; preflight, seed and verify reach the final state; re-running the seed
/// stops; the rollback restores the clone exactly; re-running the rollback stops.
pub fn happy_path(pr: &Prover<'_>) -> Result<Scenario, Error> {
    let mut sc = Scenario::new(
        "gate open: preflight → seed → verify reach the final state; rollback restores it",
    );
    let db = pr.fresh(true)?;
    let start = pr.fingerprint(&db)?;
    for role in [Role::Preflight, Role::Seed, Role::Verify] {
        let Some(step) = pr.step(role) else { continue };
        let (run, report) = pr.run(&db, role, &pr.vars)?;
        if !expect_success(&mut sc, pr, step, &run, &report) {
            return Ok(sc);
        }
    }
    let measured = pr.measure(&db)?;
    for c in &pr.packet.final_state {
        let o = measured.get(&c.metric).and_then(|v| v.as_deref());
        sc.check(
            pr.holds(c, o),
            format!("final state {} (measured directly)", c.metric),
            c.condition.to_string(),
            o.unwrap_or("NULL"),
        );
    }
    let seeded = pr.fingerprint(&db)?;
    let repeatable = pr.packet.shape.is_repeatable();
    // A repeatable shape's second run succeeds by design: `shapes::scenarios` proves it.
    if let Some(seed) = pr.step(Role::Seed).filter(|_| !repeatable) {
        let (run, report) = pr.run(&db, Role::Seed, &pr.vars)?;
        expect_stop(
            &mut sc,
            seed,
            &run,
            &report,
            "a gate fails (already seeded)",
            |r| r.failure.is_some(),
        );
        unchanged(
            &mut sc,
            "clone after the second seed",
            &seeded,
            &pr.fingerprint(&db)?,
        );
    }
    if let Some(rollback) = pr.step(Role::Rollback) {
        let (run, report) = pr.run(&db, Role::Rollback, &pr.vars)?;
        if expect_success(&mut sc, pr, rollback, &run, &report) {
            unchanged(
                &mut sc,
                "clone after rollback vs before the seed",
                &start,
                &pr.fingerprint(&db)?,
            );
            let (run, report) = pr.run(&db, Role::Rollback, &pr.vars)?;
            if repeatable {
                // '-> 0' deltas: a second rollback finds nothing tagged and deletes nothing.
                expect_success(&mut sc, pr, rollback, &run, &report);
            } else {
                expect_stop(
                    &mut sc,
                    rollback,
                    &run,
                    &report,
                    "a delta assert fails (nothing to roll back)",
                    |r| r.failure.is_some(),
                );
            }
            unchanged(
                &mut sc,
                "clone after the second rollback",
                &start,
                &pr.fingerprint(&db)?,
            );
        }
    }
    Ok(sc)
}

/// Scenario: every required variable missing or malformed makes the step refuse before writing.
pub fn variables(pr: &Prover<'_>) -> Result<Scenario, Error> {
    let mut sc = Scenario::new(
        "required psql variables: missing or malformed values are refused before any write",
    );
    let db = pr.fresh(true)?;
    let before = pr.fingerprint(&db)?;
    for step in &pr.packet.steps {
        for v in pr
            .packet
            .variables
            .iter()
            .filter(|v| v.used_by.is_empty() || v.used_by.contains(&step.role))
        {
            let others: Vec<(String, String)> = pr
                .vars
                .iter()
                .filter(|(n, _)| *n != v.name)
                .cloned()
                .collect();
            let (run, report) = pr.run(&db, step.role, &others)?;
            let name = v.name.clone();
            expect_stop(
                &mut sc,
                step,
                &run,
                &report,
                &format!("refuses: {name} is not set"),
                |r| {
                    r.failure
                        .as_ref()
                        .is_some_and(|f| f.phase == "refused" && f.message.contains(&name))
                },
            );
            let mut bad = others.clone();
            bad.push((
                v.name.clone(),
                format!("{}'; DROP TABLE x; --\\", v.example),
            ));
            let (run, report) = pr.run(&db, step.role, &bad)?;
            expect_stop(
                &mut sc,
                step,
                &run,
                &report,
                &format!("refuses: {name} does not match its pattern"),
                |r| {
                    r.failure
                        .as_ref()
                        .is_some_and(|f| f.message.contains("does not match"))
                },
            );
        }
    }
    unchanged(
        &mut sc,
        "clone after the refused runs",
        &before,
        &pr.fingerprint(&db)?,
    );
    Ok(sc)
}

/// Scenario: connected to another database, every step refuses to run.
pub fn wrong_database(pr: &Prover<'_>) -> Result<Scenario, Error> {
    let mut sc = Scenario::new(format!(
        "wrong database: every step refuses unless connected to {}",
        pr.packet.database
    ));
    let name = format!("{}_not_target", pr.packet.database);
    let db = pr
        .cluster
        .create_database_from_template(&name, &pr.open_template)
        .map_err(pg_error)?;
    for step in &pr.packet.steps {
        let (run, report) = pr.run(&db, step.role, &pr.vars)?;
        expect_stop(
            &mut sc,
            step,
            &run,
            &report,
            "refuses: wrong database",
            |r| {
                r.failure
                    .as_ref()
                    .is_some_and(|f| f.message.contains("connected to database"))
            },
        );
    }
    pr.cluster.drop_database(&name).map_err(pg_error)?;
    Ok(sc)
}

/// What one proof run produced.
pub struct Outcome {
    /// The report's first lines (packet, server, fixture).
    pub header: String,
    pub scenarios: Vec<Scenario>,
    /// The server it ran on.
    pub server: crate::proof::Server,
    /// The clone's schema fingerprint (gate closed, before any step).
    pub fingerprint: crate::fingerprint::Fingerprint,
}

/// Connect (URL or scratch cluster), prove, clean up.
pub fn prove(
    loaded: &Loaded,
    scripts: Vec<String>,
    fixture: &Fixture,
    database_url: Option<&str>,
) -> Result<Outcome, Error> {
    let cluster = match database_url {
        Some(url) => Cluster::from_url(url),
        None => Cluster::start(),
    }
    .map_err(pg_error)?;
    let where_ = if cluster.is_owned() {
        format!(
            "a scratch PostgreSQL cluster (started in {:.1}s)",
            cluster.startup_time().as_secs_f64()
        )
    } else {
        "the server at PACKETC_DATABASE_URL (scratch databases only)".to_owned()
    };
    let pr = Prover::new(&cluster, loaded, scripts, fixture)?;
    let server = crate::proof::capture::server(&cluster)?;
    let fingerprint = pr.fingerprint.clone();
    let mut scenarios = vec![gate_closed(&pr)?];
    scenarios.extend(openings::fake_openings(&pr, &loaded.dir.join("fixture"))?);
    scenarios.extend(openings::approval_deleted(&pr)?);
    scenarios.extend([happy_path(&pr)?, variables(&pr)?, wrong_database(&pr)?]);
    scenarios.extend(shapes::broken_preconditions(
        &pr,
        &loaded.dir.join("fixture"),
    )?);
    scenarios.extend(shapes::scenarios(&pr, &loaded.dir)?);
    scenarios.push(pr.audit.scenario(pr.packet));
    scenarios.push(mutants::prove_guards(&pr, loaded)?);
    for db in [&pr.packet.database, &pr.closed_template, &pr.open_template] {
        pr.cluster.drop_database(db).map_err(pg_error)?;
    }
    let header = format!(
        "prove {}: {} on {where_}\nserver: PostgreSQL {}; {}\nfixture {}; scripts run through psql on stdin without -v ON_ERROR_STOP=1",
        loaded.packet.name,
        loaded.packet.title,
        server.version,
        crate::proof::capture::binaries(cluster.is_owned()),
        fixture.schema.parent().map_or_else(String::new, |p| p.display().to_string()),
    );
    Ok(Outcome {
        header,
        scenarios,
        server,
        fingerprint,
    })
}
