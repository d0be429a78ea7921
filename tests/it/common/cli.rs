//! Running the packetc binary, and one snapshot of what a run did.
//!
//! [`snapshot_run!`](crate::snapshot_run) records the command line, the exit code, stdout and
//! stderr of a run together in one insta snapshot under `snapshots/cli/`, so a change to any of
//! them shows up as one reviewable diff. A plain helper over `std::process::Command` and insta
//! (already a dev-dependency) rather than insta-cmd or assert_cmd: it needs only this, and the
//! temp-directory redaction below, which insta's own `filters` would need a regex crate for.

use std::path::Path;
use std::process::{Command, Output};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_packetc");

/// `packetc` in `cwd` with colour off and no ambient database URL: add args and run.
pub fn packetc_cmd(cwd: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("PACKETC_DATABASE_URL");
    cmd
}

/// Run `packetc ARGS` in `cwd` (colour off) and wait for it.
pub fn packetc(args: &[&str], cwd: &Path) -> Output {
    packetc_cmd(cwd).args(args).output().expect("packetc runs")
}

/// Bytes as text (lossy: a test wants to see even broken UTF-8).
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The exit code; -1 when a signal ended the process.
pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// A run as one text: `$ packetc ARGS`, `exit: N`, then stdout and stderr, each under its own
/// header. Every occurrence of a `redact` path (a temp dir) is written `[TMP]`, and every
/// SHA-256 in hex `[sha256]` (of files other tests and other changes edit, such as the policy),
/// so the snapshot holds nothing that changes from run to run.
pub fn transcript(args: &[&str], o: &Output, redact: &[&Path]) -> String {
    let mut s = format!(
        "$ packetc {}\nexit: {}\n--- stdout\n{}--- stderr\n{}",
        args.join(" "),
        code(o),
        text(&o.stdout),
        text(&o.stderr)
    );
    for p in redact {
        // Both spellings: the path as given and its canonical form (/tmp may be a link).
        for form in [p.to_path_buf(), p.canonicalize().unwrap_or_default()] {
            let form = form.display().to_string();
            if !form.is_empty() {
                s = s.replace(&form, "[TMP]");
            }
        }
    }
    mask_sha256(&s)
}

/// `s` with every run of exactly 64 lowercase hex digits written `[sha256]`.
pub fn mask_sha256(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut run = String::new();
    for c in s.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_hexdigit() && !c.is_ascii_uppercase() {
            run.push(c);
            continue;
        }
        out.push_str(if run.len() == 64 { "[sha256]" } else { &run });
        run.clear();
        out.push(c);
    }
    out.pop();
    out
}

/// Several runs, one after the other, as one snapshot text.
pub fn transcripts(runs: &[(&[&str], &Output)], redact: &[&Path]) -> String {
    runs.iter()
        .map(|(args, o)| transcript(args, o, redact))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Assert a [`transcript`] against `snapshots/cli/NAME.snap` (review new ones before accepting:
/// `INSTA_UPDATE=always`, then read the diff).
#[macro_export]
macro_rules! snapshot_run {
    ($name:expr, $transcript:expr) => {
        insta::with_settings!({
            snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots/cli"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!($name, $transcript);
        })
    };
}

/// Run `packetc ARGS` in `cwd` (colour off): exit code, stdout, stderr.
pub fn packetc_text(args: &[&str], cwd: &Path) -> (i32, String, String) {
    let o = packetc(args, cwd);
    (code(&o), text(&o.stdout), text(&o.stderr))
}
