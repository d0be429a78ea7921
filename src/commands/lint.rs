//! `packetc lint` and `packetc rule`: the I/O around the pure linting core (reading the files,
//! in parallel, and printing the report).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::cli::{Format, LintArgs, RuleArgs};
use crate::diag::{Error, Status};
use crate::lint::locate::{PolicyFinder, ResolvedPolicy};
use crate::lint::report::{FileReport, Report};
use crate::lint::{lint_bytes, rules, walk, write_report, Policy};
use crate::output::Printer;

/// The name stdin's text gets in reports when `--stdin-filename` is not given.
pub const STDIN_NAME: &str = "<stdin>";

/// Run `packetc lint`: exit 0 clean, 1 findings, 2 when a path or the policy cannot be read.
pub fn run(args: &LintArgs, p: &mut Printer) -> Result<Status, Error> {
    let mut finder = PolicyFinder::new(args.policy.as_deref())?;
    let stdin_count = args.paths.iter().filter(|p| p.as_os_str() == "-").count();
    if stdin_count > 1 {
        return Err(Error::input(
            "`-` (stdin) given more than once",
            "name stdin once: packetc lint --stdin-filename NAME -",
        ));
    }
    if args.stdin_filename.is_some() && stdin_count == 0 {
        return Err(Error::input(
            "--stdin-filename without `-`",
            "pass `-` as a PATH to read the script from stdin",
        ));
    }
    let paths: Vec<PathBuf> = args
        .paths
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .cloned()
        .collect();
    let walked = walk::collect(&paths, &args.exclude)?;
    let mut report = Report::new("lint");
    report.docs_base = docs_base()?;
    report.root = sarif_root();
    report.notes = walked.notes;
    let schema = match &args.schema {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| Error::io(p, &e))?;
            let edges = crate::lint::schema::edges_of_text(&text).map_err(|e| {
                Error::input(
                    format!("--schema {}: {e}", p.display()),
                    "pass the schema as SQL, or a snapshot written by `packetc catalog`",
                )
            })?;
            Some(edges)
        }
        None => None,
    };
    let mut aware = SchemaAware::default();
    let mut policies = Vec::with_capacity(walked.files.len());
    for f in &walked.files {
        policies.push(aware.apply(finder.for_path(f)?, schema.as_deref()));
    }
    let mut stdin_report = None;
    if stdin_count == 1 {
        let name = args
            .stdin_filename
            .as_ref()
            .map_or_else(|| STDIN_NAME.to_string(), |p| p.display().to_string());
        let at = args
            .stdin_filename
            .clone()
            .unwrap_or_else(|| PathBuf::from(STDIN_NAME));
        let policy = aware.apply(finder.for_path(&at)?, schema.as_deref());
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(Path::new("-"), &e))?;
        let (text, f) = lint_bytes(&name, &bytes, &policy.policy, None);
        stdin_report = Some(((name, text, f), policy));
    }
    let (results, mut unreadable) = lint_files_with(&walked.files, &policies);
    for (r, p) in results.into_iter().zip(policies.iter()) {
        if let Some(r) = r {
            report.push(r, p);
        }
    }
    if let Some((r, p)) = stdin_report {
        report.push(r, &p);
    }
    unreadable.extend(walked.errors);
    announce_builtin(&report, args.format);
    report.quiet = p.quiet();
    write_report(p.results(), &report, args.format.into())?;
    if !unreadable.is_empty() {
        let msgs: Vec<String> = unreadable.iter().map(|e| e.to_string()).collect();
        return Err(Error::input(
            format!("could not read:\n{}", msgs.join("")),
            "check the paths and permissions; the other files were linted above",
        ));
    }
    Ok(if report.count() > 0 {
        Status::Failed
    } else {
        Status::Clean
    })
}

/// Machine formats keep stdout for the document: the built-in fallback and skip notes are told
/// on stderr there (the human format has them in its header and summary).
pub fn announce_builtin(report: &Report, format: Format) {
    if matches!(format, Format::Human) {
        return;
    }
    let mut err = std::io::stderr().lock();
    for p in report.policies.iter().filter(|p| p.is_builtin()) {
        let _ = writeln!(
            err,
            "note: no packets/policy.yaml above the linted files: using the built-in policy (sha256 {}); pass --policy FILE to choose one",
            p.sha256
        );
    }
    if !matches!(format, Format::Json) {
        for n in &report.notes {
            let _ = writeln!(err, "note: {n}");
        }
    }
}

/// The environment variable naming where packetc's docs are published (an absolute URL whose
/// `docs/rules/PC001.md` is a rule page): SARIF `helpUri` links are made from it.
pub const DOCS_URL_ENV: &str = "PACKETC_DOCS_URL";

/// Where packetc's own docs are published, built in: Cargo.toml's `homepage` (the URL whose
/// `docs/rules/PC001.md` is a rule page). Empty while packetc has no public home: then SARIF
/// carries no links unless `PACKETC_DOCS_URL` names them (an invented URL would be a false link).
pub const BUILT_IN_DOCS_URL: &str = env!("CARGO_PKG_HOMEPAGE");

/// The prefix of documentation links (SARIF `helpUri`, `informationUri`): `PACKETC_DOCS_URL`
/// when set, else [`BUILT_IN_DOCS_URL`]; none when both are empty. A value that is not an
/// absolute URL is bad input: SARIF consumers reject relative ones.
pub fn docs_base() -> Result<Option<String>, Error> {
    docs_base_from(std::env::var(DOCS_URL_ENV).ok(), BUILT_IN_DOCS_URL)
}

fn docs_base_from(env: Option<String>, built_in: &str) -> Result<Option<String>, Error> {
    let (v, shown) = match env {
        Some(v) if !v.is_empty() => (v.clone(), format!("{DOCS_URL_ENV}={v}")),
        _ if !built_in.is_empty() => (
            built_in.to_owned(),
            format!("the built-in docs URL (Cargo.toml homepage) {built_in}"),
        ),
        _ => return Ok(None),
    };
    let scheme_ok = v.split_once("://").is_some_and(|(s, rest)| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            && !rest.is_empty()
    });
    if !scheme_ok {
        return Err(Error::input(
            format!("{shown} is not an absolute URL"),
            format!("set {DOCS_URL_ENV} to where the docs are published, e.g. https://example.org/packetc/ (its docs/rules/PC001.md is a rule page)"),
        ));
    }
    Ok(Some(if v.ends_with('/') { v } else { format!("{v}/") }))
}

/// `%SRCROOT%` for SARIF: the repository root above the current directory.
#[must_use]
pub fn sarif_root() -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    let cwd = cwd.canonicalize().unwrap_or(cwd);
    Some(crate::lint::sarif::find_root(&cwd))
}

/// Policies in schema-aware mode, each distinct policy read against the schema once.
#[derive(Default)]
struct SchemaAware {
    done: Vec<(Arc<ResolvedPolicy>, Arc<ResolvedPolicy>)>,
}

impl SchemaAware {
    fn apply(
        &mut self,
        p: Arc<ResolvedPolicy>,
        schema: Option<&[crate::lint::schema::Edge]>,
    ) -> Arc<ResolvedPolicy> {
        let Some(edges) = schema else { return p };
        if let Some((_, a)) = self.done.iter().find(|(k, _)| Arc::ptr_eq(k, &p)) {
            return a.clone();
        }
        let mut r = (*p).clone();
        r.policy = r.policy.with_edges(edges);
        let a = Arc::new(r);
        self.done.push((p, a.clone()));
        a
    }
}

/// Lint files with one policy (benchmarks, callers without discovery).
#[must_use]
pub fn lint_files(files: &[PathBuf], policy: &Policy) -> (Vec<FileReport>, Vec<Error>) {
    let one = Arc::new(ResolvedPolicy {
        policy: policy.clone(),
        origin: crate::lint::locate::Origin::Builtin,
        display: policy.source.clone(),
        sha256: String::new(),
    });
    let policies = vec![one; files.len()];
    let (r, e) = lint_files_with(files, &policies);
    (r.into_iter().flatten().collect(), e)
}

/// Lint files in parallel (one worker per core, files handed out in order), each against its
/// own policy; results keep the input order (`None` where a file could not be read; those
/// errors are returned separately).
#[must_use]
pub fn lint_files_with(
    files: &[PathBuf],
    policies: &[Arc<ResolvedPolicy>],
) -> (Vec<Option<FileReport>>, Vec<Error>) {
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
                let (Some(path), Some(policy)) = (files.get(i), policies.get(i)) else {
                    break;
                };
                let name = path.display().to_string();
                let r = read_input(path)
                    .map_err(|e| Error::io(path, &e))
                    .map(|bytes| {
                        let (text, f) = lint_bytes(&name, &bytes, &policy.policy, None);
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
            Some(Ok(r)) => ok.push(Some(r)),
            Some(Err(e)) => {
                ok.push(None);
                bad.push(e);
            }
            None => ok.push(None),
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

/// Run `packetc rule [CODE]`: print a rule's documentation, or list every rule.
pub fn rule(args: &RuleArgs, p: &mut Printer) -> Result<Status, Error> {
    match &args.code {
        Some(code) => {
            let r = rules::lookup(code).ok_or_else(|| {
                Error::input(
                    format!("unknown rule `{code}`"),
                    "run `packetc rule` to list every rule",
                )
            })?;
            p.results().write_all(r.docs().as_bytes())?;
        }
        None => {
            for r in rules::RULES {
                writeln!(p.results(), "{}  {:<28} {}", r.code, r.name, r.summary)?;
            }
        }
    }
    Ok(Status::Clean)
}

#[cfg(test)]
mod tests {
    use super::{docs_base_from, BUILT_IN_DOCS_URL};

    #[test]
    fn docs_links_come_from_the_environment_then_the_built_in_base() {
        let env = Some("https://example.org/p".to_owned());
        assert_eq!(
            docs_base_from(env.clone(), "https://home.example/").expect("ok"),
            Some("https://example.org/p/".to_owned())
        );
        assert_eq!(
            docs_base_from(None, "https://home.example").expect("ok"),
            Some("https://home.example/".to_owned())
        );
        assert_eq!(docs_base_from(Some(String::new()), "").expect("ok"), None);
        assert!(docs_base_from(Some("docs/".into()), "").is_err());
        assert!(docs_base_from(None, "relative/").is_err());
        // The built-in base is empty or absolute: a release never writes invalid SARIF.
        assert!(docs_base_from(None, BUILT_IN_DOCS_URL).is_ok());
    }
}
