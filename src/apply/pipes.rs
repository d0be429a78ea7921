//! The channel's pipes: stdin fed with the COMMIT held back, stdout/stderr drained in the
//! background (so psql never blocks on a full pipe) while watching for the commit-point marker.
//!
//! Why hold the COMMIT back: the channel may not die with packetc (a remote psql outlives a
//! killed ssh, and `kill -9` of packetc reaches no child), and a psql that already holds the
//! whole script on its stdin would run it to COMMIT. So the script goes in two parts: everything
//! before its last `COMMIT;` line plus a `\echo MARKER` line, then, only once psql has echoed
//! the marker (every statement before it, including the final assertions, has run) and packetc
//! has not been told to stop, the `COMMIT;` line. A psql that never gets it reaches end of input
//! inside the open transaction, and the server rolls the transaction back.

use std::io::{Read, Write};
use std::process::ChildStdin;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

/// What a run sends on stdin.
#[derive(Debug, Clone)]
pub struct Input {
    /// Sent at once.
    pub head: Vec<u8>,
    /// Sent only after psql has echoed the marker, and only if packetc was not stopped by then.
    pub held: Option<Held>,
}

/// The part of a script held back until every statement before it has run.
#[derive(Debug, Clone)]
pub struct Held {
    /// psql echoes this (`\echo MARKER`) once it has executed everything before it.
    pub marker: String,
    pub tail: Vec<u8>,
}

impl Input {
    /// Everything at once.
    #[must_use]
    pub fn whole(bytes: Vec<u8>) -> Input {
        Input {
            head: bytes,
            held: None,
        }
    }

    /// `prelude` + `script`, with the script's last `COMMIT;` line (and what follows it) held
    /// back behind a `\echo MARKER` line. A script without such a line is sent whole.
    #[must_use]
    pub fn hold_commit(prelude: &str, script: &[u8], marker: &str) -> Input {
        let mut head = prelude.as_bytes().to_vec();
        let mut offset = 0;
        let mut commit_at = None;
        for line in script.split_inclusive(|b| *b == b'\n') {
            if line.trim_ascii().eq_ignore_ascii_case(b"COMMIT;") {
                commit_at = Some(offset);
            }
            offset += line.len();
        }
        let Some(at) = commit_at else {
            head.extend_from_slice(script);
            return Input::whole(head);
        };
        head.extend_from_slice(&script[..at]);
        if !head.ends_with(b"\n") {
            head.push(b'\n');
        }
        head.extend_from_slice(format!("\\echo {marker}\n").as_bytes());
        Input {
            head,
            held: Some(Held {
                marker: marker.to_owned(),
                tail: script[at..].to_vec(),
            }),
        }
    }
}

/// A marker no script contains: what, process id and a clock reading.
#[must_use]
pub fn new_marker(what: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("packetc-{what}-{}-{nanos}", std::process::id())
}

const PENDING: u8 = 0;
const RELEASE: u8 = 1;
const WITHHOLD: u8 = 2;

/// Shared by the stdin writer, the stdout reader and the waiting loop.
#[derive(Default)]
pub struct Gate {
    /// psql echoed the marker.
    reached: AtomicBool,
    /// PENDING, RELEASE (send the tail) or WITHHOLD (close stdin without it). Decided once.
    decision: AtomicU8,
    /// The tail was written to the pipe.
    sent: AtomicBool,
    /// psql reported an error: with ON_ERROR_STOP it will never reach the marker.
    failed: AtomicBool,
}

impl Gate {
    fn decide(&self, what: u8) {
        let _ = self
            .decision
            .compare_exchange(PENDING, what, Ordering::SeqCst, Ordering::SeqCst);
    }

    /// Send the tail (if still undecided).
    pub fn release(&self) {
        self.decide(RELEASE);
    }

    /// Never send the tail (if still undecided).
    pub fn withhold(&self) {
        self.decide(WITHHOLD);
    }

    /// psql has echoed the marker.
    #[must_use]
    pub fn reached(&self) -> bool {
        self.reached.load(Ordering::SeqCst)
    }

    /// psql printed an ERROR or FATAL line.
    #[must_use]
    pub fn failed(&self) -> bool {
        self.failed.load(Ordering::SeqCst)
    }

    /// The tail was written.
    #[must_use]
    pub fn sent(&self) -> bool {
        self.sent.load(Ordering::SeqCst)
    }
}

/// Write `input` to the channel's stdin in the background; close it when done.
pub fn feed(mut pipe: ChildStdin, input: Input, gate: Arc<Gate>) {
    std::thread::spawn(move || {
        // psql may stop reading early (a failed assertion): a broken pipe is expected.
        if pipe
            .write_all(&input.head)
            .and_then(|()| pipe.flush())
            .is_err()
        {
            gate.withhold();
            return;
        }
        if let Some(held) = input.held {
            loop {
                match gate.decision.load(Ordering::SeqCst) {
                    RELEASE => {
                        if pipe.write_all(&held.tail).is_ok() {
                            gate.sent.store(true, Ordering::SeqCst);
                        }
                        break;
                    }
                    WITHHOLD => break,
                    _ => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        }
        // Dropping the pipe is psql's end of input.
    });
}

/// Which output pipe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// What a drained pipe is watched for.
#[derive(Debug, Clone)]
pub enum Watch {
    /// Nothing.
    Nothing,
    /// A line equal to the marker: psql reached the commit point.
    Marker(String),
    /// An ERROR / FATAL line: psql stopped (ON_ERROR_STOP) and will never reach the marker, so
    /// stdin must be closed (a channel like `cat | psql` only exits at end of input).
    Errors,
}

/// How much of one output stream is kept in memory: a channel that prints garbage without end
/// must not fill packetc's memory (nor, through it, the journal or the terminal).
pub const MAX_KEPT: usize = 4 * 1024 * 1024;

/// What a drained pipe delivers at its end: the kept bytes and how many there were in all.
pub type Drained = (Stream, Vec<u8>, u64);

/// Read a pipe to its end in the background and send the bytes (at most [`MAX_KEPT`]), flagging
/// the gate as soon as a watched-for line arrives (lines past the cap are still watched).
pub fn drain(
    mut pipe: impl Read + Send + 'static,
    stream: Stream,
    tx: mpsc::Sender<Drained>,
    watch: Watch,
    gate: Arc<Gate>,
) {
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut total: u64 = 0;
        let mut line: Vec<u8> = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            let n = match pipe.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            total += n as u64;
            let room = MAX_KEPT.saturating_sub(kept.len()).min(n);
            kept.extend_from_slice(&chunk[..room]);
            for &b in &chunk[..n] {
                if b != b'\n' {
                    // A line longer than any marker or error line is not one of them.
                    if line.len() < 4096 {
                        line.push(b);
                    }
                    continue;
                }
                match &watch {
                    Watch::Marker(m) if line == m.as_bytes() => {
                        gate.reached.store(true, Ordering::SeqCst);
                    }
                    Watch::Errors if is_error_line(&line) => {
                        gate.failed.store(true, Ordering::SeqCst);
                    }
                    _ => {}
                }
                line.clear();
            }
        }
        let _ = tx.send((stream, kept, total));
    });
}

/// `ERROR:  ...`, `FATAL:  ...`, or the same after psql's `psql:<stdin>:12: ` prefix.
fn is_error_line(line: &[u8]) -> bool {
    let text = String::from_utf8_lossy(line);
    let rest = match text.strip_prefix("psql:") {
        // psql:<stdin>:12: ERROR:  ...
        Some(r) => r.splitn(3, ':').nth(2).map_or("", str::trim_start),
        None => &text,
    };
    rest.starts_with("ERROR:") || rest.starts_with("FATAL:") || rest.starts_with("PANIC:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_commit_line_is_held_back() {
        let script = b"BEGIN;\nINSERT 1;\nCOMMIT;\n-- end\n";
        let i = Input::hold_commit("\\set v 'x'\n", script, "M");
        assert_eq!(i.head, b"\\set v 'x'\nBEGIN;\nINSERT 1;\n\\echo M\n");
        let held = i.held.expect("held");
        assert_eq!(held.tail, b"COMMIT;\n-- end\n");
        let read_only = b"BEGIN TRANSACTION READ ONLY;\nSELECT 1;\n";
        let i = Input::hold_commit("", read_only, "M");
        assert_eq!(i.head, read_only);
        assert!(i.held.is_none());
    }

    #[test]
    fn error_lines() {
        assert!(is_error_line(b"psql:<stdin>:77: ERROR:  packetc: x failed"));
        assert!(is_error_line(b"ERROR:  relation \"x\" does not exist"));
        assert!(is_error_line(
            b"psql:<stdin>:3: FATAL:  terminating connection"
        ));
        assert!(!is_error_line(
            b"psql:<stdin>:40: NOTICE:  packetc: s gate db = ERROR: x"
        ));
        assert!(!is_error_line(b"HINT:  STOP"));
    }

    #[test]
    fn a_decision_is_final() {
        let g = Gate::default();
        g.withhold();
        g.release();
        assert_eq!(g.decision.load(Ordering::SeqCst), WITHHOLD);
    }
}
