//! Scratch databases on a [`Cluster`]: created from SQL files or copied from a template, and
//! dropped only when packetc made them (on a server it does not own, only those carrying
//! [`SCRATCH_MARKER`]).

use std::path::Path;

use super::cluster::Cluster;
use super::psql::{query_scalar, run_psql, run_psql_file};
use super::target::Target;
use super::PgError;
use crate::sql::{quote_ident, quote_literal};

/// Comment put on every database packetc creates. On a server it does not own, packetc drops
/// or replaces only databases carrying it.
pub const SCRATCH_MARKER: &str = "packetc scratch database";

impl Cluster {
    pub(super) fn admin_sql(&self, step: &str, sql: &str) -> Result<(), PgError> {
        let run = run_psql(&self.admin, sql, &[], true)?;
        if run.success() {
            Ok(())
        } else {
            Err(PgError::Command {
                step: step.to_owned(),
                detail: run.summary(),
            })
        }
    }

    /// True if database `name` exists.
    pub fn database_exists(&self, name: &str) -> Result<bool, PgError> {
        let sql = format!(
            "SELECT count(*) FROM pg_database WHERE datname = {}",
            quote_literal(name)
        );
        Ok(query_scalar(&self.admin, &[], &sql)?.as_deref() == Some("1"))
    }

    /// Drop database `name` if it exists, ending its sessions (`WITH (FORCE)`). On a server
    /// packetc does not own, a database without [`SCRATCH_MARKER`] is refused.
    pub fn drop_database(&self, name: &str) -> Result<(), PgError> {
        if !self.database_exists(name)? {
            return Ok(());
        }
        if self.owned.is_none() {
            let sql = format!(
                "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database \
                 WHERE datname = {}",
                quote_literal(name)
            );
            let comment = query_scalar(&self.admin, &[], &sql)?.unwrap_or_default();
            if comment != SCRATCH_MARKER {
                return Err(PgError::Refused(format!(
                    "database {name:?} exists and was not created by packetc \
                     (no comment {SCRATCH_MARKER:?}); drop it yourself or use another server"
                )));
            }
        }
        // A template cannot be dropped: unmark it first (ALTER DATABASE works for the owner too,
        // not only for superusers).
        let sql = format!(
            "SELECT datistemplate FROM pg_database WHERE datname = {}",
            quote_literal(name)
        );
        let mut script = String::new();
        if query_scalar(&self.admin, &[], &sql)?.as_deref() == Some("t") {
            script.push_str(&format!(
                "ALTER DATABASE {} IS_TEMPLATE false;\n",
                quote_ident(name)
            ));
        }
        script.push_str(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE);",
            quote_ident(name)
        ));
        self.admin_sql(&format!("dropping database {name}"), &script)
    }

    fn create_empty(&self, name: &str, template: Option<&str>) -> Result<Target, PgError> {
        self.drop_database(name)?;
        let template = match template {
            Some(t) => format!(" TEMPLATE {}", quote_ident(t)),
            None => " TEMPLATE template0".to_owned(),
        };
        let sql = format!(
            "CREATE DATABASE {id}{template};\nCOMMENT ON DATABASE {id} IS {marker};",
            id = quote_ident(name),
            marker = quote_literal(SCRATCH_MARKER)
        );
        self.admin_sql(&format!("creating database {name}"), &sql)?;
        Ok(self.target(name))
    }

    /// (Re)create database `name` and load `files` into it in order, each with
    /// `psql -X -q -v ON_ERROR_STOP=1 -f FILE`. An existing database of that name is dropped
    /// first (see [`Cluster::drop_database`]).
    pub fn create_database_from_files(
        &self,
        name: &str,
        files: &[&Path],
    ) -> Result<Target, PgError> {
        let target = self.create_empty(name, None)?;
        for file in files {
            run_psql_file(&target, file)?;
        }
        Ok(target)
    }

    /// [`Cluster::create_database_from_files`], then mark the database as a template so that
    /// [`Cluster::create_database_from_template`] can copy it (a fast file-level copy).
    pub fn create_template(&self, name: &str, files: &[&Path]) -> Result<Target, PgError> {
        let target = self.create_database_from_files(name, files)?;
        self.admin_sql(
            &format!("marking {name} as a template"),
            &format!("ALTER DATABASE {} IS_TEMPLATE true;", quote_ident(name)),
        )?;
        Ok(target)
    }

    /// (Re)create database `name` as a copy of `template` (`CREATE DATABASE name TEMPLATE
    /// template`). Nobody may be connected to the template meanwhile.
    pub fn create_database_from_template(
        &self,
        name: &str,
        template: &str,
    ) -> Result<Target, PgError> {
        self.create_empty(name, Some(template))
    }

    /// [`Cluster::create_database_from_template`] in one round trip, for proofs that clone many
    /// times. Only on a private cluster (every database there is packetc's); on a server from a
    /// URL it takes the checked path, which refuses to drop a database packetc did not create.
    pub fn recreate_from_template(&self, name: &str, template: &str) -> Result<Target, PgError> {
        if self.owned.is_none() {
            return self.create_database_from_template(name, template);
        }
        let sql = format!(
            "DROP DATABASE IF EXISTS {id} WITH (FORCE);\nCREATE DATABASE {id} TEMPLATE {t};\nCOMMENT ON DATABASE {id} IS {marker};",
            id = quote_ident(name),
            t = quote_ident(template),
            marker = quote_literal(SCRATCH_MARKER)
        );
        self.admin_sql(&format!("creating database {name}"), &sql)?;
        Ok(self.target(name))
    }
}
