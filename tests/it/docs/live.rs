//! The documented output of commands that need a live database (`apply` through a real channel,
//! `status`, `fingerprint`) is what they print against a real PostgreSQL: each such example is
//! run here, in the state its page describes, and compared line by line with the page
//! (`...` = any lines, `[..]` = any text in a line, as in [`super::commands`]).
//!
//! A page marks such an example with `<!-- live: SCENARIO -->` on the line before its fenced
//! block; the block holds one or more `$ packetc ...` prompt lines, each followed by the output
//! it shows (a trailing `# exit N` states the exit code, default 0). The offline command test
//! (`commands.rs`) leaves these blocks to this one.
//!
//! Each scenario gets a fresh `directus` from the fixture (gate open, the packet's role granted)
//! and a scratch copy of `packets/` as the current directory, so the page's relative paths
//! (`packets/one-roof-ownership-seed`, its `journal/`) are the run's. Examples of one scenario run
//! in page order on the same database and directory: a later one sees what the earlier ones did.
//! Substitutions, both ways: the pages' database [`DOC_URL`] is the scratch database's conninfo
//! in the command and is written back in the output. The channels the pages name (`sh
//! slow-verify.sh`, `sh lose-commit.sh`, `sh hang-verify.sh`) are real files in that directory
//! ([`CHANNELS`]): small sh wrappers around the local psql that inject a fault, as an unreliable
//! ssh would.
//!
//! Without PostgreSQL this prints a SKIPPED banner; with `CI=true` it fails instead.

use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::commands::{pages, shell_words, shown_matches};
use crate::common::{self, conninfo, copy_dir, sh_quote, Gate, PacketYaml, ScratchDb};

/// The database the pages' commands name; the scratch database stands in for it.
pub(crate) const DOC_URL: &str = "host=/run/postgresql dbname=directus";

const APR: &str = "APR-BOOT-AUTHMODEL-1";
const TAG: &str = "F6_OWNERSHIP_SEED_COMMIT";

/// The scenario a `<!-- live: NAME -->` line names.
pub(crate) fn scenario_marker(line: &str) -> Option<&str> {
    line.trim()
        .strip_prefix("<!-- live:")?
        .strip_suffix("-->")
        .map(str::trim)
}

/// One `$ packetc ...` line of a live example and the output shown under it.
#[derive(Debug)]
struct Prompt {
    origin: String,
    command: String,
    shown: Vec<String>,
}

/// A marked block.
#[derive(Debug)]
struct Example {
    scenario: String,
    prompts: Vec<Prompt>,
    origin: String,
}

impl Example {
    /// The examples that share a database: those of one scenario, except `fresh`, which is
    /// a database of its own for every block.
    fn group(&self) -> String {
        if self.scenario == "fresh" {
            format!("fresh@{}", self.origin)
        } else {
            self.scenario.clone()
        }
    }
}

fn examples_of(name: &str, text: &str) -> Vec<Example> {
    let mut out = Vec::new();
    let mut before: Option<String> = None;
    let mut lines = text.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        let trimmed = line.trim_start();
        if !trimmed.starts_with("```") {
            if !line.trim().is_empty() {
                before = scenario_marker(line).map(str::to_owned);
            }
            continue;
        }
        let indent = line.len() - trimmed.len();
        let scenario = before.take();
        let mut prompts: Vec<Prompt> = Vec::new();
        for (m, l) in lines.by_ref() {
            if l.trim_start().starts_with("```") {
                break;
            }
            if scenario.is_none() {
                continue;
            }
            // The block's own indentation (inside a list item) is not part of the output.
            let body = l
                .get(indent.min(l.len() - l.trim_start().len())..)
                .unwrap_or(l);
            if let Some(cmd) = body.strip_prefix("$ ") {
                prompts.push(Prompt {
                    origin: format!("{name}:{}", m + 1),
                    command: cmd.to_owned(),
                    shown: Vec::new(),
                });
            } else if let Some(p) = prompts.last_mut() {
                p.shown.push(body.to_owned());
            }
        }
        if let Some(scenario) = scenario {
            out.push(Example {
                scenario,
                prompts,
                origin: format!("{name}:{}", n + 1),
            });
        }
    }
    out
}

/// The lines every channel wrapper starts with: read the `\set` / `SET` prelude and the first
/// script line to learn which script this is (`$name`, empty for packetc's own probe, lock and
/// state queries), keeping them in `$head` to pass on.
const WRAPPER_HEAD: &str = r#"head=""
line=""
while IFS= read -r line; do
  head="$head$line
"
  case "$line" in '\set '*|'SET '*) ;; *) break ;; esac
done
name=""
case "$line" in "-- F_prod_"*) name=${line#-- }; name=${name%%:*} ;; esac
"#;

/// The channels the pages name: (file, what it does after [`WRAPPER_HEAD`]; `$CONN` is the
/// scratch database). Every one passes the rest of the script to psql unchanged.
const CHANNELS: &[(&str, &str)] = &[
    // Slows the verify down by a second, so packetc can be killed while it runs.
    (
        "slow-verify.sh",
        r#"if [ "$name" = F_prod_02_verify.sql ]; then sleep 1; fi
{ printf '%s' "$head"; cat; } | psql -X -d "$CONN" -f -
"#,
    ),
    // The seed's COMMIT runs, but psql's `COMMIT` answer is dropped and the channel exits 255,
    // as a dropped ssh would.
    (
        "lose-commit.sh",
        r#"if [ "$name" = F_prod_01_ownership_seed_commit.sql ]; then
  { printf '%s' "$head"; cat; } | psql -X -d "$CONN" -f - | grep --line-buffered -v '^COMMIT$'; exit 255
fi
{ printf '%s' "$head"; cat; } | psql -X -d "$CONN" -f -
"#,
    ),
    // The verify hangs (for a minute) before psql sees it.
    (
        "hang-verify.sh",
        r#"if [ "$name" = F_prod_02_verify.sql ]; then sleep 60; fi
{ printf '%s' "$head"; cat; } | psql -X -d "$CONN" -f -
"#,
    ),
];

/// One scenario's working directory: a copy of `packets/` and the channel scripts.
fn workdir(db: &ScratchDb) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&common::root().join("packets"), &dir.path().join("packets"));
    // A journal left in the repository by a reader's own run is not this scenario's history.
    let _ = fs::remove_dir_all(dir.path().join("packets/one-roof-ownership-seed/journal"));
    for (file, body) in CHANNELS {
        let script = format!(
            "CONN={}\n{WRAPPER_HEAD}{body}",
            sh_quote(&conninfo(&db.target))
        );
        fs::write(dir.path().join(file), script).expect("write channel");
    }
    dir
}

fn journal_records(dir: &Path) -> Vec<serde_json::Value> {
    let Ok(entries) = fs::read_dir(dir.join("packets/one-roof-ownership-seed/journal")) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| fs::read_to_string(e.path()).ok())
        .flat_map(|t| {
            t.lines()
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Bring the database and the directory into the state the scenario's page describes.
fn set_up(scenario: &str, db: &ScratchDb, dir: &Path) {
    match scenario {
        // The fixture as loaded: the change not applied, the gate open.
        "fresh" => {}
        // An apply through slow-verify.sh, killed (SIGKILL) while its verify runs: the seed
        // has committed, the journal ends with the verify's step_start.
        "killed-during-verify" => {
            let mut child = Command::new(common::BIN)
                .current_dir(dir)
                .env("NO_COLOR", "1")
                .env_remove("PACKETC_DATABASE_URL")
                .args(["apply", "packets/one-roof-ownership-seed"])
                .args(["--var", &format!("ratified_apr={APR}")])
                .args(["--channel", "sh slow-verify.sh"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("packetc starts");
            let deadline = Instant::now() + Duration::from_secs(60);
            while !journal_records(dir)
                .iter()
                .any(|r| r["record"] == "step_start" && r["role"] == "verify")
            {
                assert!(
                    Instant::now() < deadline,
                    "the verify never started: {:?}",
                    child.try_wait()
                );
                std::thread::sleep(Duration::from_millis(20));
            }
            child.kill().expect("kill -9 packetc");
            let _ = child.wait();
        }
        // 12 of the 30 tagged rows, written by hand: neither the state before nor after.
        "twelve-tagged-rows" => {
            let packet = PacketYaml::load();
            let vars = [("ratified_apr".to_owned(), APR.to_owned())];
            let run = packetc::pg::run_psql(&db.target, &packet.write_script("seed"), &vars, true)
                .expect("psql runs");
            assert!(run.success(), "the seed's write: {}", run.summary());
            let keep = format!(
                "DELETE FROM governance_object_ownership WHERE created_by = '{TAG}' AND id NOT IN \
                 (SELECT id FROM governance_object_ownership WHERE created_by = '{TAG}' \
                  ORDER BY object_kind, object_key, scope_key LIMIT 12);"
            );
            let run = packetc::pg::run_psql(&db.target, &keep, &[], true).expect("psql runs");
            assert!(run.success(), "keeping 12 rows: {}", run.summary());
        }
        // Someone changed the inventory view after the proof: retired objects are left out
        // by `<> 'retired'` instead of listing the statuses that count.
        "view-changed" => {
            let sql = "CREATE OR REPLACE VIEW v_governance_object_inventory AS \
                 SELECT o.object_key, o.object_type, o.domain_key, d.steward_role, o.title, \
                 o.status, o.tags FROM governance_objects o \
                 JOIN governance_domains d ON d.domain_key = o.domain_key \
                 WHERE o.status <> 'retired';";
            let run = packetc::pg::run_psql(&db.target, sql, &[], true).expect("psql runs");
            assert!(run.success(), "changing the view: {}", run.summary());
        }
        other => panic!("no live scenario named {other:?} (see tests/it/docs/live.rs)"),
    }
}

/// Run one documented command in `dir`: the exit code it expects, the one it had, and what it
/// printed (stdout and stderr interleaved as a terminal shows them), with the scratch database
/// written as the page's.
fn run(dir: &Path, db: &ScratchDb, command: &str) -> (i32, i32, String) {
    let real_url = conninfo(&db.target);
    let (words, comment) = shell_words(command);
    assert_eq!(
        words.first().map(String::as_str),
        Some("packetc"),
        "a live example runs packetc: {command}"
    );
    let want = comment
        .as_deref()
        .and_then(|c| c.strip_prefix("exit "))
        .and_then(|n| n.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    let args: Vec<String> = words[1..]
        .iter()
        .map(|a| a.replace(DOC_URL, &real_url))
        .collect();
    let mut printed = tempfile::tempfile().expect("temp file");
    let status = Command::new(common::BIN)
        .args(&args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("PACKETC_DATABASE_URL")
        .stdin(Stdio::null())
        .stdout(printed.try_clone().expect("dup"))
        .stderr(printed.try_clone().expect("dup"))
        .status()
        .expect("packetc runs");
    let mut text = String::new();
    printed.seek(SeekFrom::Start(0)).expect("seek");
    printed.read_to_string(&mut text).expect("read output");
    (
        want,
        status.code().unwrap_or(-1),
        text.replace(&real_url, DOC_URL),
    )
}

fn all_examples() -> Vec<Example> {
    pages()
        .iter()
        .flat_map(|(name, text)| examples_of(name, text))
        .collect()
}

#[test]
fn live_examples_are_found_with_their_prompts() {
    let found = examples_of(
        "t.md",
        "<!-- live: fresh -->\n\n```text\n$ packetc status p   # exit 1\nstate: x\n...\n$ packetc fingerprint\n```\n\
         ```text\n$ packetc not live\n```\n\
         - item:\n\n   <!-- live: other -->\n   ```console\n   $ packetc apply p\n     indented output\n   ```\n",
    );
    let seen: Vec<String> = found
        .iter()
        .flat_map(|e| {
            e.prompts.iter().map(move |p| {
                format!(
                    "{} {} {}: {}",
                    e.scenario,
                    p.origin,
                    p.command,
                    p.shown.join("|")
                )
            })
        })
        .collect();
    assert_eq!(
        seen,
        [
            "fresh t.md:4 packetc status p   # exit 1: state: x|...",
            "fresh t.md:7 packetc fingerprint: ",
            "other t.md:16 packetc apply p:   indented output",
        ]
    );
}

#[test]
fn every_live_example_prints_what_the_page_shows() {
    let examples = all_examples();
    let mut scenarios: Vec<String> = Vec::new();
    for e in &examples {
        assert!(
            !e.prompts.is_empty(),
            "{}: a live example without a `$ packetc ...` line",
            e.origin
        );
        if !scenarios.contains(&e.group()) {
            scenarios.push(e.group());
        }
    }
    let prompts = examples.iter().map(|e| e.prompts.len()).sum::<usize>();
    assert!(
        prompts >= 9,
        "only {prompts} live examples found: is the extraction broken?"
    );
    let Some(mut db) = common::scratch_db(Gate::Open) else {
        return;
    };
    let mut failures = Vec::new();
    for (i, scenario) in scenarios.iter().enumerate() {
        if i > 0 {
            db.reset(Gate::Open);
        }
        let dir = workdir(&db);
        set_up(
            scenario.split('@').next().unwrap_or_default(),
            &db,
            dir.path(),
        );
        for p in examples
            .iter()
            .filter(|e| e.group() == *scenario)
            .flat_map(|e| &e.prompts)
        {
            let (want, code, text) = run(dir.path(), &db, &p.command);
            let lines: Vec<&str> = text.lines().collect();
            if code != want {
                failures.push(format!(
                    "{} ({scenario}): `{}` exited {code}, the page expects {want}\n{text}",
                    p.origin, p.command
                ));
            } else if !shown_matches(&p.shown, &lines) {
                failures.push(format!(
                    "{} ({scenario}): `{}` printed other output than the page shows \
                     (`...` = any lines, `[..]` = any text)\n--- shown\n{}\n--- printed\n{text}",
                    p.origin,
                    p.command,
                    p.shown.join("\n"),
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
