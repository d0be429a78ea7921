//! A read-only round trip through the channel before any step runs.
//!
//! It tells a channel that cannot start (command not found, ssh refused, wrong database) from a
//! failing step, so such a run stops with exit 2 and nothing executed. It also sends every
//! variable the way the steps will get it and reads it back hex-encoded: the value psql received
//! is compared byte for byte with the one given, and matched against the spec's pattern on the
//! server (PostgreSQL's `~`, the same test the scripts apply).

use super::channel::{Ended, Finished};
use super::vars::{set_lines, Vars};
use crate::diag::Error;
use crate::packet::Packet;
use crate::pg::quote_literal;

const MARK: &str = "packetc-probe ";

/// The probe script (psql on stdin).
#[must_use]
pub fn script(packet: &Packet, vars: &Vars) -> String {
    let mut s = String::from("\\set ON_ERROR_STOP on\n");
    s.push_str(&set_lines(vars.all()));
    s.push_str("\\pset format unaligned\n\\pset tuples_only on\n");
    s.push_str("SET standard_conforming_strings = on;\nBEGIN TRANSACTION READ ONLY;\n");
    s.push_str(&format!(
        "SELECT '{MARK}db ' || current_database() || ' user ' || current_user;\n"
    ));
    for (name, _) in vars.all() {
        let pattern = packet
            .variables
            .iter()
            .find(|v| v.name == name)
            .map_or("", |v| v.pattern.as_str());
        s.push_str(&format!(
            "SELECT '{MARK}var {name} ' || encode(convert_to(:'{name}', 'UTF8'), 'hex') || ' ' || (:'{name}' ~ {})::text;\n",
            quote_literal(pattern)
        ));
    }
    s.push_str("COMMIT;\n");
    s
}

/// What the probe learned.
#[derive(Debug, Clone)]
pub struct Probed {
    pub database: String,
    pub user: String,
}

/// Judge the probe's run: `Ok` when the channel reached the packet's database and every value
/// arrived intact and matches its pattern; otherwise a bad-input error (exit 2).
pub fn judge(run: &Finished, packet: &Packet, vars: &Vars, shown: &str) -> Result<Probed, Error> {
    let output = || {
        let mut o = String::new();
        for (name, text) in [("stderr", &run.stderr), ("stdout", &run.stdout)] {
            let t = text.trim_end();
            if !t.is_empty() {
                o.push_str(&format!("\n  {name}:\n    {}", t.replace('\n', "\n    ")));
            }
        }
        o
    };
    if run.ended == Some(Ended::TimedOut) {
        let streaming = if run.stdout.contains(MARK) {
            " (psql answered, but never reached the end of the probe: does the channel wait for the end of stdin before passing the script on? It must stream it)"
        } else {
            ""
        };
        return Err(Error::input(
            format!(
                "the channel `{shown}` did not answer within {} s{streaming}; no step was run{}",
                super::PROBE_LIMIT.as_secs(),
                output()
            ),
            "the channel runs without a terminal and must stream stdin to psql: use key-based ssh (BatchMode=yes), `docker exec -i`, `psql -f -`",
        ));
    }
    let mut db = None;
    let mut received = Vec::new();
    for line in run.stdout.lines() {
        let Some(rest) = line.strip_prefix(MARK) else {
            continue;
        };
        if let Some(rest) = rest.strip_prefix("db ") {
            if let Some((d, u)) = rest.rsplit_once(" user ") {
                db = Some((d.to_owned(), u.to_owned()));
            }
        } else if let Some(rest) = rest.strip_prefix("var ") {
            let mut parts = rest.split(' ');
            if let (Some(n), Some(hex), Some(ok)) = (parts.next(), parts.next(), parts.next()) {
                received.push((n.to_owned(), unhex(hex), ok == "true"));
            }
        }
    }
    let Some((database, user)) = db else {
        let (what, help) = match run.exit_code {
            Some(127) => (
                "the channel's command was not found (exit 127)".to_owned(),
                "check the command and PATH on this machine and, for ssh, on the far side",
            ),
            Some(126) => (
                "the channel's command is not executable (exit 126)".to_owned(),
                "check the command's permissions",
            ),
            Some(255) => (
                "the channel's ssh could not connect (exit 255)".to_owned(),
                "check the host, the network and key-based ssh access (ssh -o BatchMode=yes HOST true)",
            ),
            Some(2) => (
                "psql could not connect to the server (exit 2)".to_owned(),
                "check the connection string / the server, and that the database exists",
            ),
            _ => (
                format!("the channel did not run psql on the script ({})", run.status_text()),
                "the channel must run psql reading the script on stdin (… psql … -f -)",
            ),
        };
        return Err(Error::input(
            format!("channel `{shown}`: {what}; no step was run{}", output()),
            help,
        ));
    };
    if database != packet.database {
        return Err(Error::input(
            format!(
                "channel `{shown}` reaches database {database:?}, but the packet targets {:?}; no step was run",
                packet.database
            ),
            "point the channel / --database-url at the packet's database",
        ));
    }
    for (name, value) in vars.all() {
        let Some((_, got, matches)) = received.iter().find(|(n, _, _)| n == name) else {
            return Err(Error::input(
                format!("channel `{shown}`: psql did not report variable {name} back ({}); no step was run{}", run.status_text(), output()),
                "the channel must pass the script to psql unchanged on stdin",
            ));
        };
        if got.as_deref() != Some(value.as_bytes()) {
            return Err(Error::input(
                format!(
                    "channel `{shown}` altered --var {name}: sent {value:?}, psql received {:?}; no step was run",
                    got.as_deref().map(String::from_utf8_lossy)
                ),
                "check the channel's character encoding (client_encoding)",
            ));
        }
        if !matches {
            let var = packet.variables.iter().find(|v| v.name == name);
            return Err(Error::input(
                format!(
                    "--var {name}={value:?} does not match the packet's pattern {}; no step was run",
                    var.map_or("", |v| v.pattern.as_str())
                ),
                format!("pass --var {name}={}", var.map_or("…", |v| v.example.as_str())),
            ));
        }
    }
    if !run.success() {
        return Err(Error::input(
            format!(
                "channel `{shown}` failed the probe ({}); no step was run{}",
                run.status_text(),
                output()
            ),
            "fix the channel; the probe only runs SELECTs",
        ));
    }
    Ok(Probed { database, user })
}

fn unhex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() % 2 != 0 {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::unhex;

    #[test]
    fn hex_round_trip() {
        assert_eq!(unhex("41270a").as_deref(), Some(&b"A'\n"[..]));
        assert_eq!(unhex(""), Some(Vec::new()));
        assert_eq!(unhex("4"), None);
        assert_eq!(unhex("zz"), None);
    }
}
