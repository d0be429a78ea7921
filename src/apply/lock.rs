//! One apply per packet and database at a time: a session-level advisory lock, held by a psql
//! session of its own through the same channel for the whole run.
//!
//! The holder's stdin stays open until the run ends; when packetc exits or dies (even by
//! `kill -9`) the pipe closes, psql reaches end of input and its session — and the lock — end.
//! A second apply finds the lock taken and stops before its first step with "another apply
//! holds the packet", naming the session that holds it.

use std::time::{Duration, Instant};

use super::channel::{Channel, Running};
use super::pipes::{new_marker, Held, Input};
use super::signals::Interrupt;
use crate::diag::Error;
use crate::packet::Packet;

/// The first half of every packetc advisory lock key (`pktc`).
const KEY1: i64 = 0x706b_7463;
const HOLDER: &str = "packetc-lock-holder ";

/// The lock key of a packet on a database: (`pktc`, a 31-bit FNV-1a hash of both names).
#[must_use]
pub fn key(packet: &Packet) -> [i64; 2] {
    let mut h: u32 = 0x811c_9dc5;
    for b in packet
        .name
        .bytes()
        .chain([0])
        .chain(packet.database.bytes())
    {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    [KEY1, i64::from(h & 0x7fff_ffff)]
}

/// The holder's script: take the lock or report who has it.
fn script(key: [i64; 2], run: &str, marker: &str) -> String {
    let [k1, k2] = key;
    format!(
        "\\set ON_ERROR_STOP on\n\\pset format unaligned\n\\pset tuples_only on\n\
SELECT set_config('application_name', {app}, false) IS NULL;\n\
SELECT pg_try_advisory_lock({k1}, {k2}) AS packetc_locked \\gset\n\
\\if :packetc_locked\n\\echo {marker}\n\\else\n\
SELECT '{HOLDER}' || coalesce(string_agg(format('backend pid %s (%s, connected since %s)', a.pid, coalesce(nullif(a.application_name, ''), 'no application_name'), a.backend_start), '; '), 'a session that just ended')\n\
FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid\n\
WHERE l.locktype = 'advisory' AND l.classid = {k1} AND l.objid = {k2} AND l.objsubid = 2 AND l.granted;\n\
\\endif\n",
        app = crate::pg::quote_literal(&format!("packetc apply {run}")),
    )
}

/// The outcome of trying to take the lock.
pub enum Taken {
    /// Held until [`Holder::release`] (or until packetc exits).
    Held(Holder),
    /// Another session holds it.
    Busy(String),
    /// The holder session could not take it (the channel or psql failed).
    Failed(String),
}

/// The session holding the lock.
pub struct Holder {
    running: Running,
}

/// Take the packet's lock through `channel`.
pub fn take(
    channel: &Channel,
    packet: &Packet,
    run: &str,
    interrupt: &Interrupt,
    limit: Duration,
) -> Result<Taken, Error> {
    let marker = new_marker("lock");
    let input = Input {
        head: script(key(packet), run, &marker).into_bytes(),
        held: Some(Held {
            marker,
            tail: b"\\q\n".to_vec(),
        }),
    };
    let mut running = channel.spawn(input)?;
    let t0 = Instant::now();
    loop {
        if running.reached() {
            return Ok(Taken::Held(Holder { running }));
        }
        if running.exited()? || t0.elapsed() >= limit || interrupt.requested().is_some() {
            let f = running.close(interrupt, Duration::from_secs(5))?;
            if let Some(who) = f.stdout.lines().find_map(|l| l.strip_prefix(HOLDER)) {
                return Ok(Taken::Busy(who.to_owned()));
            }
            let err = f
                .stderr
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("no output");
            return Ok(Taken::Failed(format!(
                "the lock session ended ({}): {err}",
                f.status_text()
            )));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

impl Holder {
    /// Whether the holding session is still there (a dropped channel lost the lock).
    pub fn alive(&mut self) -> bool {
        !self.running.exited().unwrap_or(true)
    }

    /// End the session (and with it the lock).
    pub fn release(self, interrupt: &Interrupt) {
        let _ = self.running.close(interrupt, Duration::from_secs(5));
    }
}
