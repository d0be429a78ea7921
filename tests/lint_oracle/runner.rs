//! Runs scripts through the real `psql -X -f -` against a scratch server, through a [`Tap`],
//! several at a time (one tap and one scratch database per worker).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use packetc::pg::{Cluster, ClusterOptions, Target};

use super::proxy::{server_socket, Msg, Tap};

/// psql variables every oracle run defines (`-v NAME=VALUE`); the model interpolates them.
pub const VARS: &[(&str, &str)] = &[("a", "42"), ("b", "it's"), ("c", "x y")];

/// One worker: a tap, its own scratch database and a directory for batched scripts.
pub struct Worker {
    tap: Tap,
    db: String,
    dir: tempfile::TempDir,
}

/// The query the batch wrapper sends before script `i` (splits the recorded messages).
fn marker(i: usize) -> String {
    format!("select 'packetc-oracle-marker {i}';")
}

/// What psql sent for one script.
pub struct Run {
    /// The messages the server received, in order.
    pub msgs: Vec<Msg>,
    /// psql's exit code (`None`: killed after the time limit).
    pub code: Option<i32>,
    /// psql's stderr.
    pub stderr: String,
}

/// The server and its workers.
pub struct Oracle {
    /// The server.
    pub cluster: Cluster,
    /// Workers, one per parallel psql.
    pub workers: Vec<Worker>,
}

/// Table the generated `COPY … FROM STDIN` statements load into.
pub const SETUP_SQL: &str = "CREATE TABLE t (a text, b text);";

impl Oracle {
    /// Start a private cluster and `jobs` workers.
    pub fn start(jobs: usize) -> Result<Oracle, packetc::pg::PgError> {
        let opts = ClusterOptions {
            settings: vec![
                ("max_connections".into(), "60".into()),
                ("log_min_messages".into(), "fatal".into()),
            ],
            ..ClusterOptions::default()
        };
        let cluster = Cluster::start_with(&opts)?;
        let Target::Socket { host, port, .. } = cluster.admin_target().clone() else {
            unreachable!("a private cluster is reached on a socket")
        };
        let mut workers = Vec::new();
        for i in 0..jobs {
            let db = format!("oracle{i}");
            let run = packetc::pg::run_psql(
                cluster.admin_target(),
                &format!("CREATE DATABASE {db};"),
                &[],
                true,
            )?;
            assert!(run.success(), "{}", run.summary());
            let run = packetc::pg::run_psql(&cluster.target(&db), SETUP_SQL, &[], true)?;
            assert!(run.success(), "{}", run.summary());
            let tap =
                Tap::start(server_socket(&host, port)).map_err(|e| packetc::pg::PgError::Io {
                    path: host.clone(),
                    source: e,
                })?;
            let dir = tempfile::tempdir().map_err(|e| packetc::pg::PgError::Io {
                path: std::env::temp_dir(),
                source: e,
            })?;
            workers.push(Worker { tap, db, dir });
        }
        Ok(Oracle { cluster, workers })
    }
}

impl Worker {
    /// Run many scripts in one psql session: a wrapper on stdin includes each (`\\i`) after
    /// a marker query. psql reads an included file with a fresh lexer, query buffer and
    /// `\\if` stack (its `MainLoop` is re-entered), so each script is read exactly as
    /// `-f -` would read it; only psql variables and the connection carry over. Returns the
    /// messages of each script, or `None` when the markers did not come back in order.
    pub fn run_batch(&self, scripts: &[&[u8]]) -> (Option<Vec<Vec<Msg>>>, Run) {
        let mut wrapper = String::new();
        for (i, s) in scripts.iter().enumerate() {
            let path = self.dir.path().join(format!("s{i}.sql"));
            std::fs::write(&path, s).expect("write batch script");
            wrapper.push_str(&format!("{}\n\\i {}\n", marker(i), path.display()));
        }
        wrapper.push_str(&marker(scripts.len()));
        wrapper.push('\n');
        let run = self.run(wrapper.as_bytes(), self.dir.path());
        let mut out: Vec<Vec<Msg>> = Vec::new();
        let mut next = 0usize;
        for m in &run.msgs {
            if let Msg::Query(q) = m {
                if q.as_slice() == marker(next).as_bytes() {
                    out.push(Vec::new());
                    next += 1;
                    continue;
                }
            }
            if let Some(cur) = out.last_mut() {
                cur.push(m.clone());
            }
        }
        if next != scripts.len() + 1 {
            return (None, run);
        }
        out.pop();
        (Some(out), run)
    }

    /// Run one script through `psql -X -f -` (script on stdin) in `cwd`.
    pub fn run(&self, script: &[u8], cwd: &Path) -> Run {
        self.run_in(&self.db, script, cwd)
    }

    /// [`Worker::run`] on database `db` (through this worker's tap).
    pub fn run_in(&self, db: &str, script: &[u8], cwd: &Path) -> Run {
        // A low open-file limit ends an include cycle (psql follows `\\ir self.sql` until it
        // runs out of descriptors) in milliseconds instead of minutes.
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg("ulimit -n 256 && exec psql \"$@\"")
            .arg("psql")
            .arg("-X")
            .arg("-q")
            .arg("-h")
            .arg(&self.tap.dir)
            .arg("-p")
            .arg(self.tap.port.to_string())
            .arg("-U")
            .arg("postgres")
            .arg("-d")
            .arg(db);
        for (k, v) in VARS {
            cmd.arg("-v").arg(format!("{k}={v}"));
        }
        cmd.arg("-f").arg("-");
        // Nested psql runs (`\!`, backquotes) must not reach any server.
        let nowhere: PathBuf = std::env::temp_dir().join("packetc-oracle-no-server");
        for v in [
            "PGHOST",
            "PGPORT",
            "PGDATABASE",
            "PGSERVICE",
            "PGOPTIONS",
            "PGHOSTADDR",
        ] {
            cmd.env_remove(v);
        }
        cmd.env("PGHOST", &nowhere)
            .env("PGCLIENTENCODING", "UTF8")
            .current_dir(cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("psql starts");
        let mut stdin = child.stdin.take().expect("stdin");
        let input = script.to_vec();
        let feeder = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let mut stderr = child.stderr.take().expect("stderr");
        let drain = std::thread::spawn(move || {
            let mut s = Vec::new();
            let _ = std::io::Read::read_to_end(&mut stderr, &mut s);
            s
        });
        let until = Instant::now() + Duration::from_secs(20);
        let code = loop {
            if let Ok(Some(st)) = child.try_wait() {
                break st.code();
            }
            if Instant::now() > until {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        let _ = feeder.join();
        let stderr = String::from_utf8_lossy(&drain.join().unwrap_or_default()).into_owned();
        let msgs = self.tap.take(Duration::from_secs(10));
        Run { msgs, code, stderr }
    }
}
