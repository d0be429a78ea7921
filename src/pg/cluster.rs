//! A PostgreSQL server: a private throwaway cluster, or an existing server from a URL.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use super::binaries::find_server_bindir;
use super::process::{check, running_as_root, server_command};
use super::psql::query_scalar;
use super::target::Target;
use super::PgError;
use crate::sql::quote_literal;

/// Prefix of the temp dirs of private clusters (used to reap those of crashed processes).
const DIR_PREFIX: &str = "packetc-pg-";
const OWNER_FILE: &str = "packetc-owner.pid";

/// How to start a private cluster.
#[derive(Clone, Debug)]
pub struct ClusterOptions {
    /// Bootstrap superuser role (default `postgres`).
    pub superuser: String,
    /// Directory with `initdb`, `pg_ctl` and `postgres`; default: [`find_server_bindir`].
    pub bindir: Option<PathBuf>,
    /// System user that runs the server when packetc runs as root (initdb refuses root).
    /// Default: `PACKETC_PG_USER`, else `postgres`. Ignored when not running as root.
    pub run_as: Option<String>,
    /// Extra `postgresql.conf` settings, written after the defaults
    /// (`listen_addresses = ''`, the socket directory, `fsync = off`, ...).
    pub settings: Vec<(String, String)>,
    /// How long `pg_ctl start` may wait (default 60 s).
    pub start_timeout: Duration,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        ClusterOptions {
            superuser: "postgres".into(),
            bindir: None,
            run_as: None,
            settings: Vec::new(),
            start_timeout: Duration::from_secs(60),
        }
    }
}

pub(super) struct Owned {
    dir: tempfile::TempDir,
    bindir: PathBuf,
    run_as: Option<String>,
    stopped: bool,
}

/// A PostgreSQL server that scratch databases are created on.
///
/// [`Cluster::start`] creates a private cluster: `initdb` into a fresh temp dir, `pg_ctl start`
/// listening only on a Unix socket in that dir (no TCP), `fsync = off`. When the process runs as
/// root the cluster runs as the `postgres` system user (`runuser -u postgres --`), because initdb
/// refuses root. Dropping the `Cluster` stops the server (`pg_ctl stop -m immediate`) and
/// removes the dir; this also happens while a panicking test unwinds. Clusters left behind by a
/// killed process are reaped by the next [`Cluster::start`].
///
/// [`Cluster::from_url`] uses an existing server instead; then nothing is started or stopped,
/// and only databases carrying [`SCRATCH_MARKER`](super::SCRATCH_MARKER) are ever dropped.
pub struct Cluster {
    pub(super) admin: Target,
    pub(super) owned: Option<Owned>,
    started_in: Duration,
}

impl Cluster {
    /// Start a private cluster with default options.
    pub fn start() -> Result<Cluster, PgError> {
        Cluster::start_with(&ClusterOptions::default())
    }

    /// Start a private cluster.
    pub fn start_with(opts: &ClusterOptions) -> Result<Cluster, PgError> {
        let started = Instant::now();
        let bindir = match &opts.bindir {
            Some(b) => b.clone(),
            None => find_server_bindir()?,
        };
        for prog in ["initdb", "pg_ctl", "postgres"] {
            if !bindir.join(prog).is_file() {
                return Err(PgError::NotInstalled {
                    what: prog.into(),
                    looked: bindir.display().to_string(),
                });
            }
        }
        super::binaries::find_psql()?;
        let run_as = if running_as_root() {
            Some(opts.run_as.clone().unwrap_or_else(|| {
                std::env::var("PACKETC_PG_USER")
                    .ok()
                    .filter(|u| !u.is_empty())
                    .unwrap_or_else(|| "postgres".into())
            }))
        } else {
            None
        };
        if let Some(user) = &run_as {
            let known = Command::new("id")
                .arg("-u")
                .arg(user)
                .output()
                .is_ok_and(|o| o.status.success());
            if !known {
                return Err(PgError::Command {
                    step: "choosing the cluster's system user".into(),
                    detail: format!(
                        "running as root, and initdb refuses root, but system user {user:?} does \
                         not exist; create it (the postgresql package does) or set \
                         PACKETC_PG_USER to an existing non-root user"
                    ),
                });
            }
        }
        let base = temp_base(run_as.is_some());
        reap_stale(&base, &bindir, run_as.as_deref());

        let dir = tempfile::Builder::new()
            .prefix(DIR_PREFIX)
            .tempdir_in(&base)
            .map_err(|e| PgError::Io {
                path: base.clone(),
                source: e,
            })?;
        let owner = dir.path().join(OWNER_FILE);
        std::fs::write(&owner, std::process::id().to_string()).map_err(|e| PgError::Io {
            path: owner.clone(),
            source: e,
        })?;
        if let Some(user) = &run_as {
            let out = Command::new("chown")
                .arg("-R")
                .arg(format!("{user}:"))
                .arg(dir.path())
                .output()
                .map_err(|e| PgError::Spawn {
                    program: "chown".into(),
                    source: e,
                })?;
            check(
                &out,
                &format!("chown {user}: {}", dir.path().display()),
                None,
            )?;
        }
        let mut cluster = Cluster {
            admin: Target::socket(dir.path(), 5432, &opts.superuser, "postgres"),
            owned: Some(Owned {
                dir,
                bindir,
                run_as,
                stopped: true,
            }),
            started_in: Duration::ZERO,
        };
        cluster.init_and_start(opts)?;
        cluster.started_in = started.elapsed();
        Ok(cluster)
    }

    fn init_and_start(&mut self, opts: &ClusterOptions) -> Result<(), PgError> {
        let Some(owned) = self.owned.as_mut() else {
            return Ok(());
        };
        let root = owned.dir.path().to_path_buf();
        let data = root.join("data");
        let log = root.join("server.log");
        let out = server_command(
            &owned.bindir,
            owned.run_as.as_deref(),
            "initdb",
            &[
                "-D".into(),
                data.clone().into_os_string(),
                "-U".into(),
                opts.superuser.clone().into(),
                "-A".into(),
                "trust".into(),
                "-E".into(),
                "UTF8".into(),
                "--locale=C".into(),
                "--no-sync".into(),
            ],
        )?;
        check(&out, "initdb", None)?;

        let mut conf = String::from("\n# packetc throwaway cluster\n");
        let socket_dir = root.display().to_string();
        let defaults = [
            ("listen_addresses", String::new()),
            ("unix_socket_directories", socket_dir),
            ("port", "5432".to_owned()),
            ("fsync", "off".to_owned()),
            ("synchronous_commit", "off".to_owned()),
            ("full_page_writes", "off".to_owned()),
            ("max_connections", "50".to_owned()),
            ("shared_buffers", "32MB".to_owned()),
            ("log_min_messages", "warning".to_owned()),
        ];
        for (k, v) in defaults
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .chain(opts.settings.iter().cloned())
        {
            conf.push_str(&format!("{k} = {}\n", quote_literal(&v)));
        }
        let conf_path = data.join("postgresql.conf");
        let mut existing = std::fs::read_to_string(&conf_path).map_err(|e| PgError::Io {
            path: conf_path.clone(),
            source: e,
        })?;
        existing.push_str(&conf);
        std::fs::write(&conf_path, existing).map_err(|e| PgError::Io {
            path: conf_path.clone(),
            source: e,
        })?;

        let out = server_command(
            &owned.bindir,
            owned.run_as.as_deref(),
            "pg_ctl",
            &[
                "-D".into(),
                data.into_os_string(),
                "-l".into(),
                log.clone().into_os_string(),
                "-w".into(),
                "-t".into(),
                opts.start_timeout.as_secs().max(1).to_string().into(),
                "-s".into(),
                "start".into(),
            ],
        )?;
        owned.stopped = false;
        check(&out, "pg_ctl start", Some(&log))?;
        Ok(())
    }

    /// Use an existing server. `url` is a libpq URL or conninfo string for a role that may create
    /// databases; its database part is replaced by `postgres` for administrative statements.
    /// The server is checked with `SELECT 1`.
    pub fn from_url(url: &str) -> Result<Cluster, PgError> {
        let started = Instant::now();
        let admin = Target::url(url).with_dbname("postgres");
        query_scalar(&admin, &[], "SELECT 1")?;
        Ok(Cluster {
            admin,
            owned: None,
            started_in: started.elapsed(),
        })
    }

    /// [`Cluster::from_url`] with the value of environment variable `var` when it is set and not
    /// empty, else [`Cluster::start`].
    pub fn from_env_or_start(var: &str) -> Result<Cluster, PgError> {
        match std::env::var(var) {
            Ok(url) if !url.trim().is_empty() => Cluster::from_url(url.trim()),
            _ => Cluster::start(),
        }
    }

    /// True for a private cluster started by packetc.
    #[must_use]
    pub fn is_owned(&self) -> bool {
        self.owned.is_some()
    }

    /// How long starting (or, for a URL, reaching) the server took.
    #[must_use]
    pub fn startup_time(&self) -> Duration {
        self.started_in
    }

    /// The maintenance database (`postgres`) as the superuser / the URL's role.
    #[must_use]
    pub fn admin_target(&self) -> &Target {
        &self.admin
    }

    /// Database `dbname` on this server, same role as [`Cluster::admin_target`].
    #[must_use]
    pub fn target(&self, dbname: &str) -> Target {
        self.admin.with_dbname(dbname)
    }

    /// The private cluster's server log, if this is one.
    #[must_use]
    pub fn log_path(&self) -> Option<PathBuf> {
        self.owned.as_ref().map(|o| o.dir.path().join("server.log"))
    }

    /// Stop the server now (drop does the same and ignores errors).
    pub fn stop(mut self) -> Result<(), PgError> {
        self.stop_inner()
    }

    fn stop_inner(&mut self) -> Result<(), PgError> {
        let Some(owned) = self.owned.as_mut() else {
            return Ok(());
        };
        if owned.stopped {
            return Ok(());
        }
        owned.stopped = true;
        let data = owned.dir.path().join("data");
        let out = pg_ctl_stop(&owned.bindir, owned.run_as.as_deref(), data)?;
        check(&out, "pg_ctl stop", None)
    }
}

impl Drop for Cluster {
    #[allow(clippy::print_stderr)]
    fn drop(&mut self) {
        if let Err(e) = self.stop_inner() {
            // Drop cannot return the error, and a server left running must not go unsaid.
            eprintln!("packetc: stopping the throwaway PostgreSQL cluster: {e}");
        }
        // The TempDir field removes the directory after this.
    }
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("admin", &self.admin.to_string())
            .field("owned", &self.owned.is_some())
            .finish()
    }
}

/// Where private clusters live. Unix socket paths are limited to ~107 bytes, and the server's
/// user must be able to reach the directory: as root, or with a long temp dir, use `/tmp`.
fn temp_base(as_other_user: bool) -> PathBuf {
    let tmp = std::env::temp_dir();
    if as_other_user || tmp.as_os_str().len() > 60 {
        PathBuf::from("/tmp")
    } else {
        tmp
    }
}

/// `pg_ctl -D DATA -m immediate -w -s stop`: a throwaway cluster has nothing worth a clean
/// shutdown, and immediate mode never waits on clients.
fn pg_ctl_stop(bindir: &Path, run_as: Option<&str>, data: PathBuf) -> Result<Output, PgError> {
    let args: [OsString; 7] = [
        "-D".into(),
        data.into_os_string(),
        "-m".into(),
        "immediate".into(),
        "-w".into(),
        "-s".into(),
        "stop".into(),
    ];
    server_command(bindir, run_as, "pg_ctl", &args)
}

/// Stop and remove private clusters whose owning process is gone (killed test runs).
fn reap_stale(base: &Path, bindir: &Path, run_as: Option<&str>) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with(DIR_PREFIX) {
            continue;
        }
        let dir = entry.path();
        let Ok(pid) = std::fs::read_to_string(dir.join(OWNER_FILE)) else {
            continue;
        };
        let pid = pid.trim();
        if pid.is_empty() || Path::new("/proc").join(pid).exists() {
            continue;
        }
        let data = dir.join("data");
        if data.join("postmaster.pid").exists() {
            let _ = pg_ctl_stop(bindir, run_as, data);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
