//! The lint policy: which tables and columns a script may never write, as data.
//!
//! The policy is YAML (`packets/policy.yaml`, built into the binary as the default) loaded with
//! `deny_unknown_fields`; every problem is reported with its file and line and makes the
//! command exit 2, because linting against a policy that was not understood would silently
//! allow what the author meant to forbid.

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::diag::Error;

/// The built-in policy text (the one-roof default).
pub const BUILTIN_YAML: &str = include_str!("../../packets/policy.yaml");

/// A table that must never be written, altered or re-granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtectedTable {
    /// Schema, when the entry was qualified (`schema.table`); `None` matches every schema.
    pub schema: Option<String>,
    /// The relation name as stored in the catalog (exact case).
    pub table: String,
    /// Why, quoted in diagnostics.
    pub reason: String,
}

/// A column that must never be set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtectedColumn {
    /// Schema, when qualified.
    pub schema: Option<String>,
    /// Table name.
    pub table: String,
    /// Column name.
    pub column: String,
    /// Why, quoted in diagnostics.
    pub reason: String,
}

/// A function or role the policy names, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedEntry {
    /// The name as the catalog stores it (matched ASCII case-insensitively for unquoted
    /// spellings).
    pub name: String,
    /// Why, quoted in diagnostics.
    pub reason: String,
}

/// What the linter does with a call of a function it cannot see (not built in, not defined in
/// the linted files, not under `trusted_functions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TrustMode {
    /// The call is trusted (a fail-open, shown by the policy's reason).
    Trusted,
    /// The call is a finding (PC018).
    Finding,
}

/// The policy's decision on functions it cannot see, per kind of script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFunctions {
    /// For the steps of a packet (`packetc check`, `lint` of a step).
    pub packet_steps: TrustMode,
    /// For every other script.
    pub other_scripts: TrustMode,
    /// Why, quoted by PC018 findings.
    pub reason: String,
}

/// The loaded, validated policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Where it came from (a path or `<built-in>`), for messages.
    pub source: String,
    /// Protected tables.
    pub tables: Vec<ProtectedTable>,
    /// Protected columns.
    pub columns: Vec<ProtectedColumn>,
    /// Reason quoted for trigger-bypass findings.
    pub trigger_bypass_reason: String,
    /// Codes that can never be suppressed.
    pub never_suppress: Vec<String>,
    /// Functions whose call cannot be proven safe (they run SQL text, bypass triggers …).
    pub functions: Vec<NamedEntry>,
    /// Roles whose grant lets the grantee write protected tables.
    pub roles: Vec<NamedEntry>,
    /// Functions trusted without being seen, with why (`name`, `schema.name`, or
    /// `pg_catalog.*` for PostgreSQL's built-in functions).
    pub trusted_functions: Vec<NamedEntry>,
    /// Extensions a script may create (`CREATE EXTENSION`), with why.
    pub trusted_extensions: Vec<NamedEntry>,
    /// What a call of any other unseen function is.
    pub unknown_functions: UnknownFunctions,
    /// The protected tables' dependents, from the target's schema (schema-aware mode; empty
    /// without a schema). Not part of the YAML.
    pub dependents: Vec<crate::lint::schema::Dependent>,
}

// JSON Schema (`packetc schema policy`, docs/schema/policy.schema.json): the derives and
// `schemars` attributes below only describe these types for editors; they change nothing about
// how a policy is read. `pub(crate)` lets `crate::schema` name the root type.

/// A packetc lint policy: the tables, columns and trigger bypasses a script may never touch.
/// Reference: docs/policy.md.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "packetc policy.yaml")]
pub(crate) struct RawPolicy {
    /// The policy format version; this packetc reads version 1.
    #[schemars(with = "u32", range(min = 1, max = 1))]
    version: Spanned<u32>,
    /// Tables no script may write, alter or re-grant (`table` in every schema, or `schema.table`).
    #[serde(default)]
    #[schemars(with = "Vec<RawTable>")]
    protected_tables: Vec<Spanned<RawTable>>,
    /// Columns no script may set.
    #[serde(default)]
    #[schemars(with = "Vec<RawColumn>")]
    protected_columns: Vec<Spanned<RawColumn>>,
    /// Switching triggers off (session_replication_role, DISABLE TRIGGER, DROP TRIGGER on a
    /// protected table) is never allowed; the reason is quoted by the diagnostics.
    trigger_bypass: Option<RawBypass>,
    /// Rule codes that a `-- packetc: allow CODE -- reason` comment can never silence.
    #[serde(default)]
    #[schemars(with = "Vec<String>", inner(regex(pattern = r"^PC[0-9]{3}$")))]
    never_suppress: Vec<Spanned<String>>,
    /// Functions whose call is a finding (PC013) wherever it appears: they run SQL text the
    /// linter cannot see, bypass triggers, or reach outside the transaction.
    #[serde(default)]
    #[schemars(with = "Vec<RawNamed>")]
    sql_functions: Vec<Spanned<RawNamed>>,
    /// Roles whose grant (`GRANT role TO …`) is a finding (PC002): membership writes protected
    /// tables.
    #[serde(default)]
    #[schemars(with = "Vec<RawNamed>")]
    write_roles: Vec<Spanned<RawNamed>>,
    /// Functions trusted without being seen (their bodies are not in the linted files), each
    /// with why: `name`, `schema.name`, or `pg_catalog.*` for every PostgreSQL built-in function
    /// (the list packetc ships; those under sql_functions stay findings).
    #[serde(default)]
    #[schemars(with = "Vec<RawNamed>")]
    trusted_functions: Vec<Spanned<RawNamed>>,
    /// Extensions a script may `CREATE EXTENSION` (they bring functions from outside the
    /// linted files), each with why; any other is a finding (PC018) where unknown functions are.
    #[serde(default)]
    #[schemars(with = "Vec<RawNamed>")]
    trusted_extensions: Vec<Spanned<RawNamed>>,
    /// What a call of a function that is neither built in (and trusted), nor defined in the
    /// linted files, nor under trusted_functions is. Absent: trusted everywhere (fail-open).
    unknown_functions: Option<RawUnknown>,
}

/// `trusted` or `finding` (schema only: a plain enum of the two words).
#[derive(schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "TrustMode")]
#[allow(dead_code)]
enum RawMode {
    Trusted,
    Finding,
}

/// The decision on unseen functions.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "UnknownFunctions")]
struct RawUnknown {
    /// In the steps of a packet: `finding` (PC018) or `trusted`.
    #[schemars(with = "RawMode")]
    packet_steps: TrustMode,
    /// In every other script: `finding` (PC018) or `trusted`.
    #[schemars(with = "RawMode")]
    other_scripts: TrustMode,
    /// Why; quoted by every PC018 finding.
    #[schemars(length(min = 1))]
    reason: String,
}

/// A named function or role, with why.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "NamedEntry")]
struct RawNamed {
    /// The name (a function's or role's, without schema).
    #[schemars(length(min = 1))]
    name: String,
    /// Why; quoted by every finding on it.
    #[schemars(length(min = 1))]
    reason: String,
}

/// A protected table.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ProtectedTable")]
struct RawTable {
    /// `table` (matches in every schema) or `schema.table`, as the catalog stores it.
    #[schemars(length(min = 1))]
    table: String,
    /// Why it is protected; quoted by every finding on it.
    #[schemars(length(min = 1))]
    reason: String,
}

/// A protected column.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ProtectedColumn")]
struct RawColumn {
    /// `table` or `schema.table`.
    #[schemars(length(min = 1))]
    table: String,
    /// The column name.
    #[schemars(length(min = 1))]
    column: String,
    /// Why it is protected; quoted by every finding on it.
    #[schemars(length(min = 1))]
    reason: String,
}

/// The trigger-bypass rule.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "TriggerBypass")]
struct RawBypass {
    /// Why triggers must stay on; quoted by every trigger-bypass finding.
    #[schemars(length(min = 1))]
    reason: String,
}

fn split_qualified(name: &str) -> Option<(Option<String>, String)> {
    let parts: Vec<&str> = name.split('.').collect();
    let ok = |p: &str| !p.is_empty() && !p.chars().any(char::is_whitespace);
    match parts.as_slice() {
        [t] if ok(t) => Some((None, (*t).to_string())),
        [s, t] if ok(s) && ok(t) => Some((Some((*s).to_string()), (*t).to_string())),
        _ => None,
    }
}

impl Policy {
    /// The built-in policy (the content of `packets/policy.yaml` at build time).
    #[must_use]
    pub fn builtin() -> Policy {
        match Policy::from_yaml("<built-in policy>", BUILTIN_YAML) {
            Ok(p) => p,
            // A test guarantees the built-in text loads; never panic at run time.
            Err(_) => Policy {
                source: "<built-in policy>".into(),
                tables: Vec::new(),
                columns: Vec::new(),
                trigger_bypass_reason: String::new(),
                never_suppress: Vec::new(),
                functions: Vec::new(),
                roles: Vec::new(),
                trusted_functions: Vec::new(),
                trusted_extensions: Vec::new(),
                unknown_functions: UnknownFunctions::fail_open(),
                dependents: Vec::new(),
            },
        }
    }

    /// Load and validate a policy; `name` is used in messages. Every problem is reported at
    /// once with its line.
    pub fn from_yaml(name: &str, text: &str) -> Result<Policy, Error> {
        let raw: RawPolicy = serde_saphyr::from_str(text).map_err(|e| {
            let at = e
                .location()
                .map(|l| format!("{name}:{}:{}", l.line(), l.column()))
                .unwrap_or_else(|| name.to_string());
            let msg = e.to_string();
            let first = msg.lines().next().unwrap_or("invalid YAML").to_string();
            Error::input(
                format!("{at}: invalid policy: {first}"),
                "allowed keys: version, protected_tables (table, reason), protected_columns \
                 (table, column, reason), trigger_bypass (reason), never_suppress, sql_functions \
                 (name, reason), write_roles (name, reason), trusted_functions (name, reason), \
                 trusted_extensions (name, reason), unknown_functions (packet_steps, \
                 other_scripts, reason); see docs/policy.md",
            )
        })?;
        let mut problems = Vec::new();
        let at = |l: &serde_saphyr::Location| format!("{name}:{}", l.line());
        if raw.version.value != 1 {
            problems.push(format!(
                "{}: unsupported policy version {} (this packetc reads version 1)",
                at(&raw.version.referenced),
                raw.version.value
            ));
        }
        let mut tables = Vec::new();
        for t in &raw.protected_tables {
            match split_qualified(t.value.table.trim()) {
                Some((schema, table)) if !t.value.reason.trim().is_empty() => {
                    tables.push(ProtectedTable {
                        schema,
                        table,
                        reason: t.value.reason.trim().to_string(),
                    });
                }
                Some(_) => problems.push(format!(
                    "{}: protected table `{}` needs a non-empty reason",
                    at(&t.referenced),
                    t.value.table
                )),
                None => problems.push(format!(
                    "{}: `{}` is not a table name (write `table` or `schema.table`)",
                    at(&t.referenced),
                    t.value.table
                )),
            }
        }
        let mut columns = Vec::new();
        for c in &raw.protected_columns {
            let col = c.value.column.trim();
            match split_qualified(c.value.table.trim()) {
                Some((schema, table))
                    if !c.value.reason.trim().is_empty()
                        && !col.is_empty()
                        && !col.contains('.') =>
                {
                    columns.push(ProtectedColumn {
                        schema,
                        table,
                        column: col.to_string(),
                        reason: c.value.reason.trim().to_string(),
                    });
                }
                _ => problems.push(format!(
                    "{}: protected column needs `table` (or `schema.table`), a plain `column` \
                     and a non-empty `reason`",
                    at(&c.referenced)
                )),
            }
        }
        let mut never_suppress = Vec::new();
        for code in &raw.never_suppress {
            match crate::lint::rules::lookup(code.value.trim()) {
                Some(r) => never_suppress.push(r.code.to_string()),
                None => problems.push(format!(
                    "{}: unknown rule code `{}` in never_suppress (see `packetc rule`)",
                    at(&code.referenced),
                    code.value
                )),
            }
        }
        let mut named = |list: &[Spanned<RawNamed>], what: &str| {
            let mut out = Vec::new();
            for e in list {
                let n = e.value.name.trim();
                if n.is_empty()
                    || n.contains(char::is_whitespace)
                    || e.value.reason.trim().is_empty()
                {
                    problems.push(format!(
                        "{}: {what} needs a plain `name` and a non-empty `reason`",
                        at(&e.referenced)
                    ));
                } else {
                    out.push(NamedEntry {
                        name: n.to_string(),
                        reason: e.value.reason.trim().to_string(),
                    });
                }
            }
            out
        };
        let functions = named(&raw.sql_functions, "an sql_functions entry");
        let roles = named(&raw.write_roles, "a write_roles entry");
        let trusted_functions = named(&raw.trusted_functions, "a trusted_functions entry");
        let trusted_extensions = named(&raw.trusted_extensions, "a trusted_extensions entry");
        let unknown_functions = match &raw.unknown_functions {
            Some(u) if u.reason.trim().is_empty() => {
                problems.push(format!(
                    "{name}: unknown_functions needs a non-empty `reason`"
                ));
                UnknownFunctions::fail_open()
            }
            Some(u) => UnknownFunctions {
                packet_steps: u.packet_steps,
                other_scripts: u.other_scripts,
                reason: u.reason.trim().to_string(),
            },
            None => UnknownFunctions::fail_open(),
        };
        if !problems.is_empty() {
            return Err(Error::input(
                format!("invalid policy:\n  {}", problems.join("\n  ")),
                "fix the entries above; the format is described in docs/policy.md",
            ));
        }
        Ok(Policy {
            source: name.to_string(),
            tables,
            columns,
            trigger_bypass_reason: raw
                .trigger_bypass
                .map(|b| b.reason.trim().to_string())
                .unwrap_or_else(|| "triggers must not be switched off".into()),
            never_suppress,
            functions,
            roles,
            trusted_functions,
            trusted_extensions,
            unknown_functions,
            dependents: Vec::new(),
        })
    }

    /// The policy in schema-aware mode: the protected tables' dependents read from the target's
    /// schema SQL (a packet's `fixture/schema.sql`, `packetc lint --schema FILE`).
    #[must_use]
    pub fn with_schema(mut self, schema_sql: &str) -> Policy {
        self.dependents = crate::lint::schema::dependents(&self, schema_sql);
        self
    }

    /// The policy in schema-aware mode from edges already read (SQL or a catalog snapshot, see
    /// [`crate::lint::schema::edges_of_text`]).
    #[must_use]
    pub fn with_edges(mut self, edges: &[crate::lint::schema::Edge]) -> Policy {
        self.dependents = crate::lint::schema::dependents_of(&self, edges);
        self
    }

    /// The `trusted_functions` entry that covers a call of `name` (folded) in `schema`, if
    /// any; `builtin` says whether the name is a PostgreSQL built-in function (an unqualified
    /// call resolves to pg_catalog first).
    #[must_use]
    pub fn trusted_function(
        &self,
        schema: Option<&str>,
        name: &str,
        builtin: bool,
    ) -> Option<&NamedEntry> {
        self.trusted_functions.iter().find(|e| {
            match e.name.split_once('.') {
                Some(("pg_catalog", "*")) => builtin && matches!(schema, None | Some("pg_catalog")),
                // Exact: an unqualified call may resolve to another schema's function.
                Some((s, n)) => n == name && schema == Some(s),
                None => e.name == name,
            }
        })
    }

    /// The protected-table entry matching a resolved relation name, if any.
    #[must_use]
    pub fn table(&self, schema: Option<&str>, table: &str) -> Option<&ProtectedTable> {
        self.tables.iter().find(|t| {
            if t.table == "*" {
                // `schema.*`: every relation of the schema. An unqualified `pg_…` name
                // resolves to pg_catalog first (it is searched before the search_path).
                return match (&t.schema, schema) {
                    (Some(ps), Some(s)) => ps == s,
                    (Some(ps), None) => ps == "pg_catalog" && table.starts_with("pg_"),
                    _ => false,
                };
            }
            t.table == table
                && match (&t.schema, schema) {
                    (Some(ps), Some(s)) => ps == s,
                    _ => true,
                }
        })
    }

    /// Protected columns of a resolved relation.
    pub fn columns_of<'p>(
        &'p self,
        schema: Option<&'p str>,
        table: &'p str,
    ) -> impl Iterator<Item = &'p ProtectedColumn> + 'p {
        self.columns.iter().filter(move |c| {
            c.table == table
                && match (&c.schema, schema) {
                    (Some(ps), Some(s)) => ps == s,
                    _ => true,
                }
        })
    }

    /// The decision on unseen functions for a packet step (`true`) or another script.
    #[must_use]
    pub fn unknown_mode(&self, packet_step: bool) -> TrustMode {
        if packet_step {
            self.unknown_functions.packet_steps
        } else {
            self.unknown_functions.other_scripts
        }
    }

    /// Whether a code may be suppressed under this policy.
    #[must_use]
    pub fn suppressible(&self, code: &str) -> bool {
        !self.never_suppress.iter().any(|c| c == code)
    }

    /// Whether `name` (resolved, case-exact) is any protected relation or column table.
    #[must_use]
    pub fn names_protected(&self, schema: Option<&str>, table: &str) -> bool {
        self.table(schema, table).is_some()
    }
}

impl UnknownFunctions {
    /// A policy without `unknown_functions`: every unseen function is trusted.
    fn fail_open() -> UnknownFunctions {
        UnknownFunctions {
            packet_steps: TrustMode::Trusted,
            other_scripts: TrustMode::Trusted,
            reason: "the policy has no unknown_functions entry, so functions defined outside the \
                     linted files are trusted"
                .into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_loads() {
        let p = Policy::from_yaml("b", BUILTIN_YAML).expect("built-in policy must load");
        assert_eq!(p.tables.len(), 4);
        assert_eq!(p.columns[0].column, "active");
        assert!(p.table(Some("pg_catalog"), "pg_trigger").is_some());
        assert!(
            p.table(None, "pg_trigger").is_some(),
            "unqualified pg_… is pg_catalog's"
        );
        assert!(p.table(Some("public"), "pg_trigger").is_none());
        assert!(p.functions.iter().any(|f| f.name == "dblink_exec"));
        assert!(p.roles.iter().any(|r| r.name == "pg_write_all_data"));
        assert!(!p.suppressible("PC001"));
    }

    #[test]
    fn unknown_key_is_an_error_with_line() {
        let e = Policy::from_yaml("p.yaml", "version: 1\nprotected_tables: []\nbogus: 1\n")
            .expect_err("unknown key");
        assert!(e.to_string().contains("p.yaml:3"), "{e}");
    }

    #[test]
    fn bad_entries_are_reported_with_lines() {
        let y = "version: 1\nprotected_tables:\n  - table: a.b.c\n    reason: x\n  - table: t\n    reason: ''\nnever_suppress: [PC999]\n";
        let e = Policy::from_yaml("p.yaml", y).expect_err("bad").to_string();
        assert!(e.contains("p.yaml:3"), "{e}");
        assert!(e.contains("p.yaml:5"), "{e}");
        assert!(e.contains("PC999"), "{e}");
    }
}
