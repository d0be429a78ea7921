//! How to reach one database, and SQL quoting helpers.

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

/// How to reach one database with `psql`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A server listening on a Unix-socket directory (or a host name) and port.
    Socket {
        /// Socket directory (or host), passed as `psql -h`.
        host: PathBuf,
        /// Port, passed as `psql -p`.
        port: u16,
        /// Role, passed as `psql -U`.
        user: String,
        /// Database, passed as `psql -d`.
        dbname: String,
    },
    /// A libpq connection URL (`postgresql://user@host:port/db?...`) or a `key=value`
    /// conninfo string, passed as `psql -d`. Parts it leaves out come from the standard `PG*`
    /// environment variables, as with any libpq client.
    Url(String),
}

impl Target {
    /// A Unix-socket (or host) target.
    #[must_use]
    pub fn socket(host: impl Into<PathBuf>, port: u16, user: &str, dbname: &str) -> Target {
        Target::Socket {
            host: host.into(),
            port,
            user: user.to_owned(),
            dbname: dbname.to_owned(),
        }
    }

    /// A target from a libpq URL or conninfo string.
    #[must_use]
    pub fn url(url: &str) -> Target {
        Target::Url(url.to_owned())
    }

    /// The same server and user, another database.
    ///
    /// For a URL the path component is replaced (query parameters are kept); for a conninfo
    /// string `dbname=...` is appended (libpq lets the last occurrence win).
    #[must_use]
    pub fn with_dbname(&self, dbname: &str) -> Target {
        match self {
            Target::Socket {
                host, port, user, ..
            } => Target::Socket {
                host: host.clone(),
                port: *port,
                user: user.clone(),
                dbname: dbname.to_owned(),
            },
            Target::Url(url) => Target::Url(url_with_dbname(url, dbname)),
        }
    }

    /// The database name when the target names one explicitly.
    #[must_use]
    pub fn dbname(&self) -> Option<String> {
        match self {
            Target::Socket { dbname, .. } => Some(dbname.clone()),
            Target::Url(url) => url_dbname(url),
        }
    }

    /// The connection arguments for `psql` (everything but the script).
    #[must_use]
    pub fn psql_args(&self) -> Vec<OsString> {
        match self {
            Target::Socket {
                host,
                port,
                user,
                dbname,
            } => vec![
                "-h".into(),
                host.clone().into_os_string(),
                "-p".into(),
                port.to_string().into(),
                "-U".into(),
                user.into(),
                "-d".into(),
                dbname.into(),
            ],
            Target::Url(url) => vec!["-d".into(), url.into()],
        }
    }
}

/// Shown with any password removed, e.g. in a prove report.
impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Socket {
                host,
                port,
                user,
                dbname,
            } => write!(
                f,
                "host={} port={port} user={user} dbname={dbname}",
                host.display()
            ),
            Target::Url(url) => f.write_str(&redact(url)),
        }
    }
}

fn is_url(s: &str) -> bool {
    s.starts_with("postgresql://") || s.starts_with("postgres://")
}

/// Split a URL into (scheme + authority, path without the leading '/', rest starting at '?').
fn split_url(url: &str) -> Option<(&str, &str, &str)> {
    let scheme_end = url.find("://")? + 3;
    let after = &url[scheme_end..];
    let auth_len = after.find(['/', '?']).unwrap_or(after.len());
    let head = &url[..scheme_end + auth_len];
    let rest = &after[auth_len..];
    let (path, query) = match rest.find('?') {
        Some(q) => (&rest[..q], &rest[q..]),
        None => (rest, ""),
    };
    Some((head, path.strip_prefix('/').unwrap_or(path), query))
}

fn url_with_dbname(url: &str, dbname: &str) -> String {
    if is_url(url) {
        if let Some((head, _, query)) = split_url(url) {
            return format!("{head}/{}{query}", percent_encode(dbname));
        }
    }
    format!("{url} dbname={}", conninfo_value(dbname))
}

fn url_dbname(url: &str) -> Option<String> {
    if is_url(url) {
        let (_, path, _) = split_url(url)?;
        return (!path.is_empty()).then(|| percent_decode(path));
    }
    // conninfo: the last dbname=... wins (values with spaces are quoted).
    let mut found = None;
    let mut rest = url;
    while let Some(pos) = rest.find("dbname") {
        let after = rest[pos + 6..].trim_start();
        if let Some(v) = after.strip_prefix('=') {
            let v = v.trim_start();
            let value: String = if let Some(q) = v.strip_prefix('\'') {
                q.split('\'').next().unwrap_or("").to_owned()
            } else {
                v.split_whitespace().next().unwrap_or("").to_owned()
            };
            found = Some(value);
        }
        rest = &rest[pos + 6..];
    }
    found
}

fn conninfo_value(v: &str) -> String {
    format!("'{}'", v.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The URL or conninfo with its password replaced by `***`.
fn redact(url: &str) -> String {
    if is_url(url) {
        if let Some((head, path, query)) = split_url(url) {
            let scheme_end = head.find("://").map_or(0, |p| p + 3);
            let auth = &head[scheme_end..];
            let auth = match (auth.rfind('@'), auth.find(':')) {
                (Some(at), Some(colon)) if colon < at => {
                    format!("{}:***{}", &auth[..colon], &auth[at..])
                }
                _ => auth.to_owned(),
            };
            let query = redact_query(query);
            let path = if path.is_empty() && query.is_empty() {
                String::new()
            } else {
                format!("/{path}")
            };
            return format!("{}{auth}{path}{query}", &head[..scheme_end]);
        }
        return url.to_owned();
    }
    url.split_whitespace()
        .map(|kv| {
            if kv.starts_with("password") {
                "password=***".to_owned()
            } else {
                kv.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn redact_query(query: &str) -> String {
    if query.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = query[1..]
        .split('&')
        .map(|kv| {
            if kv.starts_with("password=") {
                "password=***".to_owned()
            } else {
                kv.to_owned()
            }
        })
        .collect();
    format!("?{}", parts.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_dbname_is_replaced_and_query_kept() {
        let t = Target::url("postgresql://u:secret@h:5433/app?sslmode=disable");
        let d = t.with_dbname("directus");
        assert_eq!(
            d,
            Target::url("postgresql://u:secret@h:5433/directus?sslmode=disable")
        );
        assert_eq!(d.dbname().as_deref(), Some("directus"));
        assert_eq!(
            d.to_string(),
            "postgresql://u:***@h:5433/directus?sslmode=disable"
        );
        let bare = Target::url("postgres://h");
        assert_eq!(bare.dbname(), None);
        assert_eq!(bare.with_dbname("x y"), Target::url("postgres://h/x%20y"));
        assert_eq!(
            Target::url("postgres://h/x%20y").dbname().as_deref(),
            Some("x y")
        );
    }

    #[test]
    fn conninfo_dbname_is_appended() {
        let t = Target::url("host=/tmp port=5432 dbname=postgres password=pw");
        let d = t.with_dbname("directus");
        assert_eq!(d.dbname().as_deref(), Some("directus"));
        assert!(!d.to_string().contains("pw"));
    }
}
