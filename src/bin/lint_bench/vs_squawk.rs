//! `lint_bench --vs-squawk DIR [RUNS]`: packetc lint and squawk side by side, in one run.
//!
//! Both are run the way their users run them, as whole invocations over the same list of
//! files (every `*.sql` of DIR that squawk completes), output discarded, interleaved (squawk,
//! packetc, squawk, …) so both see the same machine load. Reported: wall clock (best of
//! RUNS and median), peak resident memory of each invocation (from `/usr/bin/time`, when it
//! is installed) and the files left out, each with squawk's reason.
//!
//! The `packetc` measured is the binary next to this one (build both:
//! `cargo build --release --features bench --bin packetc --bin lint_bench`); squawk is
//! `$SQUAWK`, else `squawk` on `PATH`, else the CI venv's (`~/.cache/packetc-ci/venv`).
//! Without either, the mode says so and exits 0: it is a benchmark, not a test.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// One invocation: wall seconds, peak RSS in KiB (if known), exit code.
struct Run {
    secs: f64,
    kib: Option<u64>,
    code: Option<i32>,
}

fn find_squawk() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SQUAWK") {
        return Some(PathBuf::from(p));
    }
    if let Some(path) = std::env::var_os("PATH") {
        for d in std::env::split_paths(&path) {
            let p = d.join("squawk");
            if p.is_file() {
                return Some(p);
            }
        }
    }
    let home = std::env::var_os("HOME")?;
    let p = Path::new(&home).join(".cache/packetc-ci/venv/bin/squawk");
    p.is_file().then_some(p)
}

/// Run `exe args…` once, output discarded, timed (through `/usr/bin/time` for peak RSS).
fn run(exe: &Path, args: &[&Path], time: Option<&Path>) -> Run {
    let (mut cmd, report) = match time {
        Some(t) => {
            let report = tempfile::NamedTempFile::new().ok();
            let mut c = Command::new(t);
            if let Some(r) = &report {
                c.arg("-f").arg("%M").arg("-o").arg(r.path());
            }
            c.arg(exe);
            (c, report)
        }
        None => (Command::new(exe), None),
    };
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let t0 = Instant::now();
    let status = cmd.status();
    let secs = t0.elapsed().as_secs_f64();
    let kib = report
        .and_then(|r| std::fs::read_to_string(r.path()).ok())
        .and_then(|s| s.lines().last().and_then(|l| l.trim().parse().ok()));
    Run {
        secs,
        kib,
        code: status.ok().and_then(|s| s.code()),
    }
}

/// Why squawk does not complete `file` (`None`: it does; exit 1 only means findings).
fn squawk_refuses(squawk: &Path, file: &Path) -> Option<String> {
    let out = Command::new(squawk)
        .arg(file)
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let err = String::from_utf8_lossy(&out.stderr);
    let first_error = err
        .lines()
        .find(|l| l.starts_with("Error") || l.contains("panicked"));
    match (out.status.code(), first_error) {
        (_, Some(e)) => Some(e.to_string()),
        (Some(0 | 1), None) => None,
        (code, None) => Some(format!("exit status {code:?}")),
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn mb(kib: Option<u64>) -> String {
    kib.map_or_else(|| "n/a".into(), |k| format!("{:.1}", k as f64 / 1024.0))
}

/// The `--vs-squawk` mode.
pub fn main(dir: &Path, runs: usize) {
    let Some(squawk) = find_squawk() else {
        println!("squawk not found (set SQUAWK=/path/to/squawk): side-by-side skipped");
        return;
    };
    let packetc = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(|d| d.join("packetc")))
        .filter(|p| p.is_file());
    let Some(packetc) = packetc else {
        println!("no packetc binary next to lint_bench: build it with `cargo build --release --features bench --bin packetc --bin lint_bench`; side-by-side skipped");
        return;
    };
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "sql"))
            .collect(),
        Err(e) => {
            println!("cannot read {}: {e}; side-by-side skipped", dir.display());
            return;
        }
    };
    files.sort();
    let squawk_version = Command::new(&squawk)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    println!(
        "side by side on {} ({} .sql files)\n  squawk:  {} ({squawk_version})\n  packetc: {} lint (built-in policy)",
        dir.display(),
        files.len(),
        squawk.display(),
        packetc.display()
    );
    // squawk stops the whole run at the first file it cannot read: leave those out, for both.
    let mut kept = Vec::new();
    for f in files {
        match squawk_refuses(&squawk, &f) {
            Some(why) => println!(
                "  left out (squawk does not complete it): {}: {why}",
                f.file_name().unwrap_or_default().to_string_lossy()
            ),
            None => kept.push(f),
        }
    }
    let bytes: u64 = kept
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let mib = bytes as f64 / (1024.0 * 1024.0);
    let time = Path::new("/usr/bin/time");
    let time = time.is_file().then_some(time);
    let args: Vec<&Path> = kept.iter().map(PathBuf::as_path).collect();
    let mut lint_args: Vec<&Path> = vec![Path::new("lint")];
    lint_args.extend(args.iter().copied());
    println!(
        "  measured: {} files, {mib:.2} MiB; both whole invocations over that list, output discarded, interleaved, {runs} runs each",
        kept.len()
    );
    let (mut sq, mut pc) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        sq.push(run(&squawk, &args, time));
        pc.push(run(&packetc, &lint_args, time));
    }
    let report = |name: &str, v: &[Run]| {
        let best = v.iter().map(|r| r.secs).fold(f64::INFINITY, f64::min);
        let med = median(v.iter().map(|r| r.secs).collect());
        let peak = v.iter().filter_map(|r| r.kib).max();
        let codes: Vec<String> = v
            .iter()
            .map(|r| r.code.map_or("signal".into(), |c| c.to_string()))
            .collect();
        println!(
            "  {name:<8} best {best:>7.3} s  median {med:>7.3} s  {:>6.2} MiB/s  peak {} MB  exit {}",
            mib / best,
            mb(peak),
            codes.join(",")
        );
        (best, med)
    };
    let (sb, sm) = report("squawk", &sq);
    let (pb, pm) = report("packetc", &pc);
    let paired: Vec<f64> = sq.iter().zip(&pc).map(|(s, p)| s.secs / p.secs).collect();
    println!(
        "  packetc is {:.2}x squawk's speed (best of {runs}), {:.2}x (medians), paired runs {:.2}x-{:.2}x",
        sb / pb,
        sm / pm,
        paired.iter().copied().fold(f64::INFINITY, f64::min),
        paired.iter().copied().fold(0.0, f64::max)
    );
    if time.is_none() {
        println!("  (peak memory needs /usr/bin/time: apt-get install time)");
    }
    if pc.iter().any(|r| r.code.is_some_and(|c| c > 1)) {
        println!("  WARNING: packetc exited with an error status (2): the run did not complete");
    }
}
