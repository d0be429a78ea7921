//! A wire-protocol tap between psql and PostgreSQL: it forwards every byte unchanged and
//! records the frontend messages that carry SQL (`Query`, `Parse`, COPY data), so a test sees
//! exactly what the server received, without parsing a server log.
//!
//! The tap listens on a Unix socket `<dir>/.s.PGSQL.<port>` (psql `-h <dir> -p <port>`) and
//! connects each client to the real server's socket. It speaks protocol 3.0 only as far as
//! framing: an untyped startup packet (or SSL/GSS request) first, then typed messages.

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One SQL-carrying message a client sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    /// A new connection (startup packet).
    Connect,
    /// Simple query (`Q`).
    Query(Vec<u8>),
    /// Extended-protocol parse (`P`): the statement text.
    Parse(Vec<u8>),
    /// COPY data (`d`), concatenated per COPY by the caller if needed.
    CopyData(Vec<u8>),
    /// End of COPY data (`c`).
    CopyDone,
    /// COPY aborted by the client (`f`).
    CopyFail,
}

/// A running tap.
pub struct Tap {
    /// Directory to pass as psql `-h`.
    pub dir: PathBuf,
    /// Port to pass as psql `-p`.
    pub port: u16,
    log: Arc<Mutex<Vec<Msg>>>,
    active: Arc<AtomicUsize>,
    _tmp: tempfile::TempDir,
}

impl Tap {
    /// Start a tap in a fresh temp dir forwarding to the server socket `server`.
    pub fn start(server: PathBuf) -> std::io::Result<Tap> {
        let tmp = tempfile::Builder::new().prefix("packetc-tap-").tempdir()?;
        let port = 5432;
        let listener = UnixListener::bind(tmp.path().join(format!(".s.PGSQL.{port}")))?;
        let log = Arc::new(Mutex::new(Vec::new()));
        let active = Arc::new(AtomicUsize::new(0));
        let (l2, a2) = (log.clone(), active.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(client) = conn else { break };
                let Ok(up) = UnixStream::connect(&server) else {
                    continue;
                };
                a2.fetch_add(1, Ordering::SeqCst);
                let (log, active) = (l2.clone(), a2.clone());
                std::thread::spawn(move || {
                    relay(client, up, &log);
                    active.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        Ok(Tap {
            dir: tmp.path().to_path_buf(),
            port,
            log,
            active,
            _tmp: tmp,
        })
    }

    /// Wait until every connection has closed, then take what was recorded.
    pub fn take(&self, limit: Duration) -> Vec<Msg> {
        let until = Instant::now() + limit;
        while self.active.load(Ordering::SeqCst) > 0 && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(1));
        }
        std::mem::take(&mut *self.log.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

fn relay(mut client: UnixStream, up: UnixStream, log: &Mutex<Vec<Msg>>) {
    let Ok(mut up_w) = up.try_clone() else { return };
    let Ok(mut client_w) = client.try_clone() else {
        return;
    };
    let mut up_r = up;
    let back = std::thread::spawn(move || {
        let _ = std::io::copy(&mut up_r, &mut client_w);
        let _ = client_w.shutdown(std::net::Shutdown::Write);
    });
    let _ = forward(&mut client, &mut up_w, log);
    let _ = up_w.shutdown(std::net::Shutdown::Write);
    let _ = back.join();
}

fn read_exact_or_eof(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<bool> {
    let mut got = 0;
    while got < buf.len() {
        let n = r.read(&mut buf[got..])?;
        if n == 0 {
            return Ok(false);
        }
        got += n;
    }
    Ok(true)
}

fn forward(
    client: &mut UnixStream,
    up: &mut UnixStream,
    log: &Mutex<Vec<Msg>>,
) -> std::io::Result<()> {
    let push = |m: Msg| log.lock().unwrap_or_else(|e| e.into_inner()).push(m);
    // Startup phase: untyped packets until a protocol-3 startup message.
    loop {
        let mut len = [0u8; 4];
        if !read_exact_or_eof(client, &mut len)? {
            return Ok(());
        }
        let n = u32::from_be_bytes(len) as usize;
        let mut body = vec![0u8; n.saturating_sub(4)];
        if !read_exact_or_eof(client, &mut body)? {
            return Ok(());
        }
        up.write_all(&len)?;
        up.write_all(&body)?;
        let code = body
            .get(..4)
            .map_or(0, |c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]));
        if code == 196_608 {
            push(Msg::Connect);
            break;
        }
        if code == 80_877_102 {
            return Ok(()); // cancel request: no further traffic
        }
    }
    loop {
        let mut head = [0u8; 5];
        if !read_exact_or_eof(client, &mut head)? {
            return Ok(());
        }
        let n = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
        let mut body = vec![0u8; n.saturating_sub(4)];
        if !read_exact_or_eof(client, &mut body)? {
            return Ok(());
        }
        up.write_all(&head)?;
        up.write_all(&body)?;
        let cstr = |b: &[u8]| {
            b.iter()
                .position(|&c| c == 0)
                .map_or(b.to_vec(), |i| b[..i].to_vec())
        };
        match head[0] {
            b'Q' => push(Msg::Query(cstr(&body))),
            b'P' => {
                // name\0 query\0 ...
                let name_end = body.iter().position(|&c| c == 0).unwrap_or(body.len());
                let rest = body.get(name_end + 1..).unwrap_or(&[]);
                push(Msg::Parse(cstr(rest)));
            }
            b'd' => push(Msg::CopyData(body)),
            b'c' => push(Msg::CopyDone),
            b'f' => push(Msg::CopyFail),
            b'X' => return Ok(()),
            _ => {}
        }
    }
}

/// The server's socket file for a cluster reached at `dir` / `port`.
pub fn server_socket(dir: &Path, port: u16) -> PathBuf {
    dir.join(format!(".s.PGSQL.{port}"))
}
