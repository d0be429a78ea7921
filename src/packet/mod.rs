//! The packet spec: load packet.yaml, validate it, and hand out a [`Packet`].

pub mod binding;
pub mod codes;
pub mod derive;
pub mod diagnostic;
pub mod model;
pub mod pgregex;
pub mod raw;
pub mod sqlcheck;
pub mod validate;
pub mod value;
pub mod yaml;

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub use diagnostic::SpecDiagnostic;
pub use model::*;

use crate::diag::Error;
use diagnostic::Sink;

/// The spec's file name inside a packet directory.
pub const SPEC_FILE: &str = "packet.yaml";

/// A packet loaded from disk: where it lives, its source text and the validated model.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The packet directory (holds packet.yaml, sql/, fixture/).
    pub dir: PathBuf,
    /// Path of packet.yaml as the user named it (for messages).
    pub spec_path: PathBuf,
    /// Hex SHA-256 of packet.yaml's bytes, printed in every script header.
    pub spec_sha256: String,
    pub packet: Packet,
}

impl Loaded {
    /// Where the generated scripts live.
    #[must_use]
    pub fn sql_dir(&self) -> PathBuf {
        self.dir.join("sql")
    }
}

/// Resolve PACKET (a directory or its packet.yaml) to (directory, spec path).
#[must_use]
pub fn locate(packet: &Path) -> (PathBuf, PathBuf) {
    if packet.is_dir() {
        (packet.to_path_buf(), packet.join(SPEC_FILE))
    } else {
        let dir = packet
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        (dir, packet.to_path_buf())
    }
}

/// Load and validate a packet. Every problem is reported at once, each at its YAML line.
pub fn load(packet: &Path) -> Result<Loaded, Error> {
    load_diagnosed(packet)?.map_err(|diags| Error::diagnostics(&diags))
}

/// [`load`], keeping the spec's problems as values (`check` reports them as results); `Err`
/// only when packet.yaml cannot be read at all.
pub fn load_diagnosed(packet: &Path) -> Result<Result<Loaded, Vec<SpecDiagnostic>>, Error> {
    let (dir, spec_path) = locate(packet);
    let text = crate::fsio::read_text(&spec_path)?;
    let name = spec_path.display().to_string();
    let reader = |rel: &str| std::fs::read_to_string(dir.join(rel)).map_err(|e| e.to_string());
    Ok(parse(&name, &text, &reader).map(|packet| Loaded {
        spec_sha256: sha256_hex(text.as_bytes()),
        dir,
        spec_path,
        packet,
    }))
}

/// Parse and validate spec text (pure: fragments come through `read_fragment`).
pub fn parse(
    name: &str,
    text: &str,
    read_fragment: validate::FragmentReader<'_>,
) -> Result<Packet, Vec<SpecDiagnostic>> {
    let mut sink = Sink::new(name, text);
    if !declares_version(text) {
        sink.at_span(
            &codes::VERSION,
            first_key_span(text),
            "packet.yaml does not say `version: 2`: packetc reads spec v2",
            "the packet's top-level mapping",
            "add `version: 2`; a v1 file (with kind, open_when, final_state, the seed's copy of the preflight gate, the rollback's deltas) must drop its repeated facts: docs/spec.md \"Migrating from v1\"",
        );
        return Err(sink.diags);
    }
    let raw: raw::RawPacket = match serde_saphyr::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            if let Some(found) = yaml::culprit(text) {
                sink.at_span(
                    &codes::YAML,
                    Some(found.span),
                    format!("invalid packet.yaml: {}", found.message),
                    found.label,
                    found.help,
                );
                return Err(sink.diags);
            }
            let lib = library_message(&e);
            if let Some(loc) = e.location() {
                let at = offset_of(text, loc.line(), loc.column()).map_or("", |o| &text[o..]);
                if let Some(t) = yaml::type_mismatch(&lib, at) {
                    sink.at(
                        &codes::WRONG_TYPE,
                        &loc,
                        format!("packet.yaml: {}", t.message),
                        t.label,
                        t.help,
                    );
                    return Err(sink.diags);
                }
            }
            let (message, help) = yaml::translate(&lib);
            let message = format!("invalid packet.yaml: {message}");
            let missing = e.to_string().contains("missing field");
            match e.location() {
                // serde reports a missing top-level field at the document's last key; point at
                // the top of the document instead, where the field belongs.
                Some(loc) if missing && loc.column() == 1 => {
                    let first = first_key_span(text);
                    sink.at_span(
                        &codes::YAML,
                        first,
                        message,
                        "the packet's top-level mapping",
                        help,
                    );
                }
                Some(loc) => sink.at(&codes::YAML, &loc, message, "here", help),
                None => sink.at_span(&codes::YAML, None, message, "", help),
            }
            return Err(sink.diags);
        }
    };
    if raw.version.value != 2 {
        sink.at(
            &codes::VERSION,
            &raw.version.referenced,
            format!(
                "spec version {} is not one packetc reads",
                raw.version.value
            ),
            "here",
            "write `version: 2` (docs/spec.md)",
        );
        return Err(sink.diags);
    }
    validate::validate(&raw, &mut sink, read_fragment).ok_or(sink.diags)
}

/// Whether the document has a top-level `version:` key (a v1 file has none).
fn declares_version(text: &str) -> bool {
    text.lines().any(|l| l.starts_with("version:"))
}

/// The first key of the document (skipping comments and blank lines).
fn first_key_span(text: &str) -> Option<miette::SourceSpan> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if !t.is_empty() && !t.starts_with('#') && t != "---" {
            return Some(miette::SourceSpan::new(
                offset.into(),
                line.trim_end().len(),
            ));
        }
        offset += line.len();
    }
    None
}

/// The byte offset of a 1-based line and column (columns in characters).
fn offset_of(text: &str, line: u64, column: u64) -> Option<usize> {
    let start: usize = text
        .split_inclusive('\n')
        .take(usize::try_from(line.checked_sub(1)?).ok()?)
        .map(str::len)
        .sum();
    let rest = text.get(start..)?;
    let col = usize::try_from(column.checked_sub(1)?).ok()?;
    Some(start + rest.char_indices().nth(col).map_or(rest.len(), |(i, _)| i))
}

/// The library's message without the location it appends (the snippet shows it).
fn library_message(e: &serde_saphyr::Error) -> String {
    let full = e.to_string();
    let mut first = full.lines().next().unwrap_or(&full).trim();
    first = first.strip_prefix("error: ").unwrap_or(first);
    if let Some(rest) = first.strip_prefix("line ") {
        // "line N column M: message"
        if let Some((_, msg)) = rest.split_once(": ") {
            first = msg;
        }
    }
    first
        .rfind(" at line ")
        .map_or(first, |i| &first[..i])
        .trim_end_matches(',')
        .to_owned()
}

/// Lower-case hex SHA-256.
#[must_use]
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().fold(String::with_capacity(64), |mut s, b| {
        use std::fmt::Write;
        let _ = write!(s, "{b:02x}");
        s
    })
}
