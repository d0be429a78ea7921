//! What `prove` captures for the proof record besides the checks: the server's version, the
//! binaries that ran, and the clone's schema fingerprint.

use crate::diag::Error;
use crate::fingerprint::{catalog, Fingerprint};
use crate::packet::Loaded;
use crate::pg::{self, Cluster};
use crate::prove::pg_error;

use super::Server;

/// The server's version, read from the server itself.
pub fn server(cluster: &Cluster) -> Result<Server, Error> {
    let num = pg::query_scalar(
        cluster.admin_target(),
        &[],
        "SELECT current_setting('server_version_num')",
    )
    .map_err(pg_error)?
    .and_then(|v| v.trim().parse::<u32>().ok())
    .ok_or_else(|| {
        Error::input(
            "the server did not report server_version_num",
            "check the server",
        )
    })?;
    Ok(Server {
        major: num / 10_000,
        version: crate::fingerprint::cmd::version_text(num),
    })
}

/// Which binaries ran the proof, so a version picked from PATH is never a surprise.
pub fn binaries(owned: bool) -> String {
    let psql = pg::find_psql().map_or_else(
        |e| e.to_string(),
        |p| {
            let version = std::process::Command::new(&p)
                .arg("--version")
                .output()
                .ok()
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
                .unwrap_or_default();
            format!("{} ({version})", p.display())
        },
    );
    if owned {
        let bindir =
            pg::find_server_bindir().map_or_else(|e| e.to_string(), |p| p.display().to_string());
        format!("server binaries {bindir}; psql {psql}")
    } else {
        format!("psql {psql}")
    }
}

/// The schema fingerprint of the fixture as loaded (gate closed, before any step), read from
/// the closed template before the write audit is installed: the audit's triggers exist only on
/// the clone, never on the target apply compares with.
pub fn fixture_fingerprint(db: &pg::Target, loaded: &Loaded) -> Result<Fingerprint, Error> {
    let policy = crate::fingerprint::packet_policy(loaded)?;
    let roots = crate::fingerprint::roots(loaded, &policy);
    let run = pg::run_psql(db, &catalog::script(&roots), &[], true).map_err(pg_error)?;
    let (_, items) = catalog::parse(&run.stdout).map_err(|e| {
        Error::input(
            format!(
                "reading the clone's schema fingerprint: {e}: {}",
                run.summary()
            ),
            "check the fixture",
        )
    })?;
    Ok(Fingerprint::from_items(&roots, &items))
}
