//! Finding the PostgreSQL programs: the server's (`initdb`, `pg_ctl`, `postgres`) and `psql`.
//! An explicit choice (`PACKETC_PG_BINDIR`, `PACKETC_PSQL`) that does not hold the program is an
//! error, never a fallback to another version.

use std::path::PathBuf;
use std::process::Command;

use super::PgError;

/// The directory holding `initdb`, `pg_ctl` and `postgres`: `PACKETC_PG_BINDIR` if set (and
/// then only that one: a directory without the server is an error, never a reason to pick
/// another version), else the directory of `initdb` on `PATH` (symlinks resolved; choosing a
/// version by PATH works), else the newest `/usr/lib/postgresql/<version>/bin` (Debian and
/// Ubuntu keep initdb off PATH), else the output of `pg_config --bindir`.
pub fn find_server_bindir() -> Result<PathBuf, PgError> {
    if let Some(dir) = std::env::var_os("PACKETC_PG_BINDIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    if let Some(initdb) = find_on_path("initdb") {
        let real = std::fs::canonicalize(&initdb).unwrap_or(initdb);
        if let Some(dir) = real.parent() {
            return Ok(dir.to_path_buf());
        }
    }
    if let Some(dir) = newest_debian_bindir("initdb") {
        return Ok(dir);
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && dir.join("initdb").is_file() {
            return Ok(dir);
        }
    }
    Err(PgError::NotInstalled {
        what: "the PostgreSQL server (initdb, pg_ctl, postgres)".into(),
        looked: "$PACKETC_PG_BINDIR, $PATH, /usr/lib/postgresql/*/bin, pg_config --bindir".into(),
    })
}

/// The newest `/usr/lib/postgresql/<version>/bin` that contains `program`.
pub(crate) fn newest_debian_bindir(program: &str) -> Option<PathBuf> {
    let entries = std::fs::read_dir("/usr/lib/postgresql").ok()?;
    entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let version: Vec<u32> = name
                .split('.')
                .map(|p| p.parse::<u32>())
                .collect::<Result<_, _>>()
                .ok()?;
            let bin = e.path().join("bin");
            bin.join(program).is_file().then_some((version, bin))
        })
        .max()
        .map(|(_, bin)| bin)
}

/// The `psql` binary: `PACKETC_PSQL` if set, else the `psql` next to the server in
/// `PACKETC_PG_BINDIR` (the same version), else `psql` on `PATH`, else the newest
/// `/usr/lib/postgresql/*/bin/psql`. `prove` prints which one it used.
pub fn find_psql() -> Result<PathBuf, PgError> {
    if let Some(p) = std::env::var_os("PACKETC_PSQL").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    if let Some(dir) = std::env::var_os("PACKETC_PG_BINDIR").filter(|d| !d.is_empty()) {
        let p = PathBuf::from(dir).join("psql");
        if p.is_file() {
            return Ok(p);
        }
    }
    if let Some(p) = find_on_path("psql") {
        return Ok(p);
    }
    if let Some(dir) = newest_debian_bindir("psql") {
        return Ok(dir.join("psql"));
    }
    Err(PgError::NotInstalled {
        what: "psql".into(),
        looked: "$PACKETC_PSQL, $PATH, /usr/lib/postgresql/*/bin".into(),
    })
}

pub(crate) fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}
