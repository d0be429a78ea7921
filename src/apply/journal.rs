//! The run journal: JSON Lines, append-only, one fsynced record at a time.
//!
//! Each record is written with one `write` on a file opened with `O_APPEND`, then flushed and
//! `fsync`ed before packetc goes on, so a crash (or `kill -9`) at any point leaves every record
//! up to that point on disk: a `step_start` without its `step_end` means the step was running.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::record::{Entry, Record};
use crate::diag::Error;

/// An open journal file.
pub struct Journal {
    file: File,
    path: PathBuf,
    run: String,
    /// Records held back until [`Journal::flush_pending`]: a run that ends up doing nothing
    /// ("already applied and verified") writes nothing.
    pending: Vec<Entry>,
    /// The file was created by this run (so [`Journal::discard`] may remove it).
    created: bool,
    /// Its length when opened (so [`Journal::discard`] can take this run's records back).
    initial_len: u64,
}

impl Journal {
    /// Open `explicit` for appending (created if missing), or create a new
    /// `PACKET/journal/apply-<UTC stamp>.jsonl` that no earlier run wrote.
    pub fn open(
        explicit: Option<&Path>,
        packet_dir: &Path,
        now: SystemTime,
    ) -> Result<Journal, Error> {
        let run = run_id(now);
        if let Some(path) = explicit {
            let existed = path.exists();
            let mut file = OpenOptions::new()
                .append(true)
                .create(true)
                .open(path)
                .map_err(|e| Error::io(path, &e))?;
            // A torn last line (an earlier run cut while writing) stays a line of its own.
            if torn(path) {
                file.write_all(b"\n")
                    .and_then(|()| file.sync_data())
                    .map_err(|e| Error::io(path, &e))?;
            }
            return Ok(Journal::new(file, path.to_path_buf(), run, !existed));
        }
        let dir = packet_dir.join("journal");
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, &e))?;
        let stamp = file_stamp(now);
        for n in 1..1000 {
            let name = if n == 1 {
                format!("apply-{stamp}.jsonl")
            } else {
                format!("apply-{stamp}-{n}.jsonl")
            };
            let path = dir.join(name);
            match OpenOptions::new().append(true).create_new(true).open(&path) {
                Ok(file) => return Ok(Journal::new(file, path, run, true)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(Error::io(&path, &e)),
            }
        }
        Err(Error::input(
            format!("{}: too many journals for {stamp}", dir.display()),
            "pass --journal FILE",
        ))
    }

    fn new(file: File, path: PathBuf, run: String, created: bool) -> Journal {
        let initial_len = file.metadata().map_or(0, |m| m.len());
        Journal {
            file,
            path,
            run,
            pending: Vec::new(),
            created,
            initial_len,
        }
    }

    /// Where the records go.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// This run's id (on every record).
    #[must_use]
    pub fn run(&self) -> &str {
        &self.run
    }

    fn entry(&self, record: Record) -> Entry {
        Entry {
            run: self.run.clone(),
            time: rfc3339(SystemTime::now()),
            record,
        }
    }

    /// Hold a record back until [`Journal::flush_pending`] (or drop it with [`Journal::discard`]).
    pub fn defer(&mut self, record: Record) {
        let e = self.entry(record);
        self.pending.push(e);
    }

    /// Write the held-back records.
    pub fn flush_pending(&mut self) -> std::io::Result<()> {
        for e in std::mem::take(&mut self.pending) {
            self.write(&e)?;
        }
        Ok(())
    }

    /// Append one record (after the held-back ones) and make it durable before returning.
    pub fn record(&mut self, record: Record) -> std::io::Result<()> {
        self.flush_pending()?;
        let e = self.entry(record);
        self.write(&e)
    }

    fn write(&mut self, e: &Entry) -> std::io::Result<()> {
        let mut line = serde_json::to_string(e).map_err(std::io::Error::other)?;
        line.push('\n');
        // One write on an O_APPEND file: a record is never interleaved with another's.
        self.file.write_all(line.as_bytes())?;
        self.file.flush()?;
        self.file.sync_data()
    }

    /// Take this run back: forget the held-back records and remove what it wrote (the whole
    /// file when this run created it). For a run that found nothing to do.
    pub fn discard(&mut self) {
        self.pending.clear();
        if self.created {
            let _ = std::fs::remove_file(&self.path);
        } else {
            let _ = self
                .file
                .set_len(self.initial_len)
                .and_then(|()| self.file.sync_data());
        }
    }
}

/// Whether the file ends without a newline.
fn torn(path: &Path) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut f) = File::open(path) else {
        return false;
    };
    let mut last = [0u8; 1];
    f.seek(SeekFrom::End(-1)).is_ok() && f.read_exact(&mut last).is_ok() && last[0] != b'\n'
}

/// A run id: the UTC stamp, the process id and a clock reading (unique per invocation).
#[must_use]
pub fn run_id(now: SystemTime) -> String {
    static SEQ: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!(
        "{}-{}-{:08x}",
        file_stamp(now),
        std::process::id(),
        nanos.wrapping_add(seq)
    )
}

/// Seconds and milliseconds since the epoch (a clock before 1970 counts as 1970).
fn since_epoch(t: SystemTime) -> (u64, u32) {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    (d.as_secs(), d.subsec_millis())
}

/// (year, month, day) from days since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // Both are in range by construction (1..=31, 1..=12).
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

fn parts(t: SystemTime) -> (i64, u32, u32, u64, u64, u64, u32) {
    let (secs, millis) = since_epoch(t);
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2);
    let (y, mo, d) = civil(days);
    let rem = secs % 86_400;
    (y, mo, d, rem / 3600, rem % 3600 / 60, rem % 60, millis)
}

/// RFC 3339 in UTC with milliseconds: `2026-11-24T10:53:38.123Z`.
#[must_use]
pub fn rfc3339(t: SystemTime) -> String {
    let (y, mo, d, h, mi, s, ms) = parts(t);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z")
}

/// A file-name-safe UTC stamp: `20261124T105338Z`.
#[must_use]
pub fn file_stamp(t: SystemTime) -> String {
    let (y, mo, d, h, mi, s, _) = parts(t);
    format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn formats_utc() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        // 2000-02-29 (leap day) 12:34:56.789
        let t = UNIX_EPOCH + Duration::from_millis(951_827_696_789);
        assert_eq!(rfc3339(t), "2000-02-29T12:34:56.789Z");
        // 2026-11-24 10:53:38
        let t = UNIX_EPOCH + Duration::from_secs(1_795_517_618);
        assert_eq!(rfc3339(t), "2026-11-24T10:53:38.000Z");
        assert_eq!(file_stamp(t), "20261124T105338Z");
        // 2100-03-01 (not a leap year)
        let t = UNIX_EPOCH + Duration::from_secs(4_107_542_400);
        assert_eq!(rfc3339(t), "2100-03-01T00:00:00.000Z");
    }

    #[test]
    fn records_are_appended_one_per_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut j = Journal::open(None, dir.path(), UNIX_EPOCH).expect("open");
        j.record(decision("a")).expect("write");
        let again = Journal::open(None, dir.path(), UNIX_EPOCH).expect("open");
        assert_ne!(
            j.path(),
            again.path(),
            "a second run never reuses a journal"
        );
        let mut same = Journal::open(Some(j.path()), dir.path(), UNIX_EPOCH).expect("open");
        same.defer(decision("b"));
        same.record(decision("c")).expect("write");
        let text = std::fs::read_to_string(j.path()).expect("read");
        let messages: Vec<String> = text
            .lines()
            .map(
                |l| match serde_json::from_str::<Entry>(l).expect("entry").record {
                    Record::Decision(d) => d.message,
                    other => panic!("{other:?}"),
                },
            )
            .collect();
        assert_eq!(messages, ["a", "b", "c"]);
        assert_ne!(j.run(), same.run());
    }

    #[test]
    fn a_run_that_wrote_nothing_leaves_no_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut j = Journal::open(None, dir.path(), UNIX_EPOCH).expect("open");
        j.defer(decision("x"));
        j.record(decision("y")).expect("write");
        let path = j.path().to_path_buf();
        j.discard();
        assert!(!path.exists());
        // An existing journal gets its earlier records back, and nothing else.
        std::fs::write(&path, "earlier\n").expect("write");
        let mut j = Journal::open(Some(&path), dir.path(), UNIX_EPOCH).expect("open");
        j.record(decision("z")).expect("write");
        j.discard();
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "earlier\n");
    }

    fn decision(m: &str) -> Record {
        Record::Decision(super::super::record::Decision {
            case: super::super::record::Case::Other,
            message: m.into(),
        })
    }
}
