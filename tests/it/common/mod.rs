//! The helpers every test module shares (`use crate::common;`): paths and copies
//! ([`root`], [`copy_dir`]), running the binary ([`packetc`], [`snapshot_run!`](crate::snapshot_run)),
//! and, below, the harness for tests that need a real PostgreSQL.
//!
//! ```ignore
//! use crate::common;
//! use common::{Gate, ScratchDb};
//!
//! #[test]
//! fn something() {
//!     let Some(db) = common::scratch_db(Gate::Open) else { return }; // skipped: no PostgreSQL
//!     let run = packetc::pg::run_psql(&db.target, "SELECT 1", &[], true).expect("psql runs");
//!     assert!(run.success(), "{}", run.summary());
//! }
//! ```
//!
//! - The server: `PACKETC_TEST_DATABASE_URL` when set, else a private throwaway cluster shared by
//!   the tests that run at the same time (all tests are one binary, so all of them); it is
//!   stopped and removed when the last of them finishes (also when they panic).
//! - The fixture `packets/one-roof-ownership-seed/fixture/schema.sql` is loaded once per server
//!   into two template databases (gate closed / gate open); each [`scratch_db`] call gets a fresh
//!   `directus` copied from one of them (`CREATE DATABASE ... TEMPLATE`, ~50 ms).
//! - A [`ScratchDb`] holds a lock: scenarios run one at a time (they all need
//!   the name `directus`, which the scripts check). Never hold two at once in one test.
//! - No PostgreSQL installed: the test prints a loud SKIPPED banner and returns, except when
//!   `CI=true`, where it fails.
#![allow(dead_code)]

mod cli;
mod files;

pub use cli::{
    code, mask_sha256, packetc, packetc_cmd, packetc_text, text, transcript, transcripts, BIN,
};
pub use files::{copy_dir, copy_dir_except, root, sql_files};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use packetc::pg::{self, Cluster, PgError, Target};

/// The database name the packet's scripts insist on.
pub const DB_NAME: &str = "directus";
const TEMPLATE_CLOSED: &str = "directus_fixture_gate_closed";
const TEMPLATE_OPEN: &str = "directus_fixture_gate_open";

/// Whether the human gate of the fixture is open (the test-only approval row inserted).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    /// `schema.sql` only: no approval, ospa = 0.
    Closed,
    /// `schema.sql` + `gate-open.sql`: ospa = 1.
    Open,
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    root()
}

/// `packets/one-roof-ownership-seed`.
pub fn packet_dir() -> PathBuf {
    repo_root().join("packets/one-roof-ownership-seed")
}

/// `packets/one-roof-ownership-seed/fixture`.
pub fn fixture_dir() -> PathBuf {
    packet_dir().join("fixture")
}

/// True when running in CI (`CI=true`), where missing PostgreSQL is a failure, not a skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// Report that PostgreSQL is unavailable: panics in CI, otherwise prints a banner and returns
/// `None` so the caller can `return`.
pub fn skip_or_fail<T>(why: &dyn std::fmt::Display) -> Option<T> {
    if in_ci() {
        panic!(
            "PostgreSQL is required in CI (CI=true) but unavailable: {why}\n\
             .ci/run installs it with apt-get install -y postgresql"
        );
    }
    // Written to the real stderr, not through eprintln!, which the test harness captures for
    // passing tests: a skip must be visible in a plain `cargo test`.
    let banner = format!(
        "\n==================== SKIPPED: NO POSTGRESQL ====================\n\
         {}: {why}\n\
         This database test did NOT run. Install the PostgreSQL server (e.g. apt-get install\n\
         postgresql) or set PACKETC_TEST_DATABASE_URL. In CI (CI=true) this is a failure.\n\
         ================================================================\n",
        std::thread::current().name().unwrap_or("a test")
    );
    let _ = std::io::Write::write_all(&mut std::io::stderr(), banner.as_bytes());
    None
}

/// Turn a harness result into `Some(value)`, a skip (not installed, outside CI), or a panic.
pub fn or_skip<T>(result: Result<T, PgError>, what: &str) -> Option<T> {
    match result {
        Ok(v) => Some(v),
        Err(e) if e.is_not_installed() => skip_or_fail(&e),
        Err(e) => panic!("{what}: {e}"),
    }
}

/// A server with the fixture templates loaded, shared by concurrently running tests.
pub struct SharedServer {
    /// The server.
    pub cluster: Cluster,
    /// How long loading the fixture templates took.
    pub template_load: Duration,
}

static SHARED: Mutex<Weak<SharedServer>> = Mutex::new(Weak::new());
static SCENARIO: Mutex<()> = Mutex::new(());

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A test that panicked while holding the lock leaves nothing inconsistent behind: the next
    // scenario recreates its database anyway.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Start (or pick up) a server: `PACKETC_TEST_DATABASE_URL`, else a private cluster.
pub fn start_server() -> Result<Cluster, PgError> {
    Cluster::from_env_or_start("PACKETC_TEST_DATABASE_URL")
}

/// The shared server, started and loaded with the fixture templates if no running test holds it.
pub fn shared_server() -> Option<Arc<SharedServer>> {
    let mut slot = lock(&SHARED);
    if let Some(s) = slot.upgrade() {
        return Some(s);
    }
    let cluster = or_skip(start_server(), "starting PostgreSQL")?;
    let t0 = Instant::now();
    load_templates(&cluster).unwrap_or_else(|e| panic!("loading the fixture templates: {e}"));
    let shared = Arc::new(SharedServer {
        cluster,
        template_load: t0.elapsed(),
    });
    *slot = Arc::downgrade(&shared);
    Some(shared)
}

/// Load the fixture into the two template databases.
pub fn load_templates(cluster: &Cluster) -> Result<(), PgError> {
    let schema = fixture_dir().join("schema.sql");
    let gate = fixture_dir().join("gate-open.sql");
    let closed = cluster.create_template(TEMPLATE_CLOSED, &[&schema])?;
    let open = cluster.create_template(TEMPLATE_OPEN, &[&schema, &gate])?;
    // The DBA's one-time act: the role the packet's writes run as (`packetc grants`).
    let loaded = packetc::packet::load(&packet_dir()).expect("the bundled packet loads");
    if let Some(grants) = packetc::grants::script(&loaded) {
        for t in [&closed, &open] {
            let run = packetc::pg::run_psql(t, &grants, &[], true)?;
            assert!(run.success(), "the grants script failed: {}", run.summary());
        }
    }
    Ok(())
}

/// A fresh `directus` database made from the fixture, for one scenario.
pub struct ScratchDb {
    /// Where to point psql.
    pub target: Target,
    /// How long creating the database from the template took.
    pub created_in: Duration,
    /// The server (kept alive while this exists).
    pub server: Arc<SharedServer>,
    _scenario: MutexGuard<'static, ()>,
}

impl ScratchDb {
    /// Recreate `directus` from the fixture (to start a second scenario in the same test).
    pub fn reset(&mut self, gate: Gate) {
        let t0 = Instant::now();
        self.target = create_directus(&self.server.cluster, gate);
        self.created_in = t0.elapsed();
    }

    /// The server's administrative target (database `postgres`).
    pub fn admin(&self) -> &Target {
        self.server.cluster.admin_target()
    }
}

fn create_directus(cluster: &Cluster, gate: Gate) -> Target {
    let template = match gate {
        Gate::Closed => TEMPLATE_CLOSED,
        Gate::Open => TEMPLATE_OPEN,
    };
    cluster
        .create_database_from_template(DB_NAME, template)
        .unwrap_or_else(|e| panic!("creating {DB_NAME} from {template}: {e}"))
}

/// A fresh `directus` with the fixture loaded and the gate as asked, or `None` when the test
/// must be skipped (no PostgreSQL, outside CI).
pub fn scratch_db(gate: Gate) -> Option<ScratchDb> {
    let server = shared_server()?;
    let guard = lock(&SCENARIO);
    let t0 = Instant::now();
    let target = create_directus(&server.cluster, gate);
    Some(ScratchDb {
        target,
        created_in: t0.elapsed(),
        server,
        _scenario: guard,
    })
}

/// The parts of packet.yaml these tests read (kept tiny on purpose: the tests check that the
/// fixture satisfies the spec as written, independently of packetc's own spec model; what spec
/// v2 derives they derive themselves, see `derived_after`).
#[derive(Debug, serde::Deserialize)]
pub struct PacketYaml {
    pub database: String,
    pub metrics: BTreeMap<String, MetricYaml>,
    pub provenance: ProvenanceYaml,
    pub steps: Vec<StepYaml>,
}

#[derive(Debug, serde::Deserialize)]
pub struct MetricYaml {
    pub query: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

#[derive(Debug, serde::Deserialize)]
pub struct ProvenanceYaml {
    pub table: String,
    pub tag: String,
}

#[derive(Debug, serde::Deserialize)]
pub struct StepYaml {
    pub role: String,
    pub write: Option<String>,
    #[serde(default)]
    pub gate: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub deltas: BTreeMap<String, serde_json::Value>,
    /// verify: the metrics it checks (their values are the state after the seed).
    #[serde(default)]
    pub expect: Vec<String>,
    /// rollback: seed deltas it inverts as a signed change.
    #[serde(default)]
    pub relative: Vec<String>,
}

impl PacketYaml {
    /// Read `packets/one-roof-ownership-seed/packet.yaml`.
    pub fn load() -> PacketYaml {
        Self::load_from(&packet_dir().join("packet.yaml"))
    }

    /// Read a packet.yaml.
    pub fn load_from(path: &Path) -> PacketYaml {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
    }

    /// The step with this role.
    pub fn step(&self, role: &str) -> &StepYaml {
        self.steps
            .iter()
            .find(|s| s.role == role)
            .unwrap_or_else(|| panic!("packet.yaml has no step {role:?}"))
    }

    /// Evaluate every metric in one snapshot, with the packet's session settings
    /// (`packetc.provenance_tag`, `packetc.ratified_apr`) set.
    pub fn observe(&self, target: &Target, ratified_apr: &str) -> BTreeMap<String, String> {
        let names: Vec<&String> = self.metrics.keys().collect();
        let queries: Vec<&str> = self.metrics.values().map(|m| m.query.as_str()).collect();
        let settings = [
            ("packetc.provenance_tag", self.provenance.tag.as_str()),
            ("packetc.ratified_apr", ratified_apr),
        ];
        let values = pg::query_scalars(target, &settings, &queries)
            .unwrap_or_else(|e| panic!("evaluating the packet's metrics: {e}"));
        names
            .into_iter()
            .zip(values)
            .map(|(n, v)| (n.clone(), v.unwrap_or_else(|| "NULL".into())))
            .collect()
    }

    /// A psql script (fed on stdin, `-v ratified_apr=...`) that runs `step`'s write in a
    /// transaction with the packet's session settings, as the generated scripts do.
    pub fn write_script(&self, role: &str) -> String {
        let write = self
            .step(role)
            .write
            .as_deref()
            .unwrap_or_else(|| panic!("step {role} has no write"));
        format!(
            "\\set ON_ERROR_STOP on\n\
             SET packetc.provenance_tag = {tag};\n\
             SET packetc.ratified_apr = :'ratified_apr';\n\
             BEGIN;\n{write};\nCOMMIT;\n",
            tag = pg::quote_literal(&self.provenance.tag),
            write = write.trim_end().trim_end_matches(';')
        )
    }
}

/// Assert that `observed` holds every `expected` metric, with a message naming each mismatch.
pub fn assert_metrics(phase: &str, observed: &BTreeMap<String, String>, expected: &[(&str, &str)]) {
    let mut wrong = Vec::new();
    for (name, want) in expected {
        match observed.get(*name) {
            Some(got) if got == want => {}
            Some(got) => wrong.push(format!("{name}: expected {want}, observed {got}")),
            None => wrong.push(format!("{name}: not a metric of the packet")),
        }
    }
    assert!(
        wrong.is_empty(),
        "{phase}: metrics differ:\n  {}\nall observed: {observed:?}",
        wrong.join("\n  ")
    );
}

/// Numeric comparison of a metric's text value with a YAML value (`210`, `100`, `'>= 1'`...).
pub fn value_matches(observed: &str, expected: &serde_json::Value) -> bool {
    let as_num = |s: &str| s.trim().parse::<f64>().ok();
    match expected {
        serde_json::Value::Number(n) => {
            as_num(observed).is_some_and(|o| n.as_f64().is_some_and(|e| (o - e).abs() < 1e-9))
        }
        serde_json::Value::String(s) => {
            let s = s.trim();
            for (op, f) in [
                (">=", (|o: f64, e: f64| o >= e) as fn(f64, f64) -> bool),
                ("<=", |o, e| o <= e),
                (">", |o, e| o > e),
                ("<", |o, e| o < e),
            ] {
                if let Some(rest) = s.strip_prefix(op) {
                    return match (as_num(observed), as_num(rest)) {
                        (Some(o), Some(e)) => f(o, e),
                        _ => false,
                    };
                }
            }
            observed == s
        }
        serde_json::Value::Bool(b) => observed == if *b { "t" } else { "f" },
        _ => false,
    }
}

/// A delta as written in packet.yaml.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DeltaYaml {
    /// `"0 -> 30"`, or `"-> 30"` (`from: None`: the start is the gate's value).
    Absolute { from: Option<f64>, to: f64 },
    /// `-30`, `"+5"`.
    Relative(f64),
}

/// Parse a delta as written in packet.yaml.
pub fn parse_delta(v: &serde_json::Value) -> DeltaYaml {
    match v {
        serde_json::Value::Number(n) => DeltaYaml::Relative(n.as_f64().expect("a finite delta")),
        serde_json::Value::String(s) => match s.split_once("->") {
            Some((a, b)) => DeltaYaml::Absolute {
                from: (!a.trim().is_empty())
                    .then(|| a.trim().parse().expect("delta 'from' is a number")),
                to: b.trim().parse().expect("delta 'to' is a number"),
            },
            None => DeltaYaml::Relative(s.trim().parse().expect("relative delta is a number")),
        },
        other => panic!("unexpected delta {other:?}"),
    }
}

/// The number a metric shows, for delta arithmetic.
pub fn num(observed: &BTreeMap<String, String>, metric: &str) -> f64 {
    observed
        .get(metric)
        .unwrap_or_else(|| panic!("no metric {metric}"))
        .parse()
        .unwrap_or_else(|e| panic!("metric {metric} is not a number: {e}"))
}

/// A libpq conninfo string for `psql -d` / `--database-url` naming `t`.
pub fn conninfo(t: &Target) -> String {
    match t {
        Target::Socket {
            host,
            port,
            user,
            dbname,
        } => format!(
            "host={} port={port} user={user} dbname={dbname}",
            host.display()
        ),
        Target::Url(u) => u.clone(),
    }
}

/// `s` as one POSIX shell word (single-quoted), for channel commands built in tests.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}
