//! `packetc lint` and `packetc rule`: the I/O around the pure linting core.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::cli::{LintArgs, RuleArgs};
use crate::diag::{Error, Status};
use crate::lint::report::FileReport;
use crate::lint::{lint_bytes, rules, write_report, Policy};

/// Run `packetc lint`: exit 0 clean, 1 findings, 2 when a path or the policy cannot be read.
pub fn run(args: &LintArgs, out: &mut dyn Write) -> Result<Status, Error> {
    let policy = Policy::resolve(args.policy.as_deref())?;
    let mut files = Vec::new();
    for p in &args.paths {
        collect(p, &mut files)?;
    }
    let (results, unreadable) = lint_files(&files, &policy);
    write_report(out, &results, args.format)?;
    if !unreadable.is_empty() {
        let msgs: Vec<String> = unreadable.iter().map(|e| e.to_string()).collect();
        return Err(Error::input(
            format!("could not read:\n{}", msgs.join("")),
            "check the paths and permissions; the other files were linted above",
        ));
    }
    Ok(if results.iter().any(|(_, _, f)| !f.is_empty()) {
        Status::Failed
    } else {
        Status::Clean
    })
}

/// Lint files in parallel (one worker per core, files handed out in order); results keep the
/// input order. Files that cannot be read are returned separately.
#[must_use]
pub fn lint_files(files: &[PathBuf], policy: &Policy) -> (Vec<FileReport>, Vec<Error>) {
    type Slot = Mutex<Option<Result<FileReport, Error>>>;
    let slots: Vec<Slot> = files.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(files.len())
        .max(1);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = files.get(i) else { break };
                let name = path.display().to_string();
                let r = read_input(path)
                    .map_err(|e| Error::io(path, &e))
                    .map(|bytes| {
                        let (text, f) = lint_bytes(&name, &bytes, policy, None);
                        (name, text, f)
                    });
                if let Ok(mut slot) = slots[i].lock() {
                    *slot = Some(r);
                }
            });
        }
    });
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    for slot in slots {
        match slot.into_inner().ok().flatten() {
            Some(Ok(r)) => ok.push(r),
            Some(Err(e)) => bad.push(e),
            None => {}
        }
    }
    (ok, bad)
}

/// The largest script `packetc lint` reads (documented in docs/lint.md).
pub const MAX_INPUT_BYTES: u64 = 64 << 20;

/// Read one input: a regular file of at most [`MAX_INPUT_BYTES`]. A FIFO, a device such as
/// `/dev/zero` or a socket could be read forever, so it is refused without being opened.
fn read_input(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let meta = std::fs::metadata(path)?;
    let invalid = |msg: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, msg);
    if !meta.is_file() {
        return Err(invalid(
            "not a regular file (a FIFO or device could be read forever); save the script to a file".into(),
        ));
    }
    let too_big = || {
        invalid(format!(
            "larger than the {} MiB input limit; split the script",
            MAX_INPUT_BYTES >> 20
        ))
    };
    if meta.len() > MAX_INPUT_BYTES {
        return Err(too_big());
    }
    let mut buf = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    std::fs::File::open(path)?
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut buf)?;
    if buf.len() as u64 > MAX_INPUT_BYTES {
        return Err(too_big());
    }
    Ok(buf)
}

fn collect(p: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let meta = std::fs::metadata(p).map_err(|e| Error::io(p, &e))?;
    if meta.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
            .map_err(|e| Error::io(p, &e))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        entries.sort();
        for e in entries {
            if e.is_dir() {
                collect(&e, out)?;
            } else if e.extension().is_some_and(|x| x == "sql") {
                out.push(e);
            }
        }
    } else {
        out.push(p.to_path_buf());
    }
    Ok(())
}

/// Run `packetc rule [CODE]`: print a rule's documentation, or list every rule.
pub fn rule(args: &RuleArgs, out: &mut dyn Write) -> Result<Status, Error> {
    match &args.code {
        Some(code) => {
            let r = rules::lookup(code).ok_or_else(|| {
                Error::input(
                    format!("unknown rule `{code}`"),
                    "run `packetc rule` to list every rule",
                )
            })?;
            out.write_all(r.docs().as_bytes())?;
        }
        None => {
            for r in rules::RULES {
                writeln!(out, "{}  {:<28} {}", r.code, r.name, r.summary)?;
            }
        }
    }
    Ok(Status::Clean)
}
