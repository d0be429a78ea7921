//! `packetc new NAME`: scaffold a packet that is valid as written.
//!
//! The scaffold is a small but complete packet (four steps, its own metrics, a human gate, a
//! clone fixture) so a newcomer starts from something `packetc check` and `packetc prove`
//! accept, and learns the format from its comments. The templates are plain files under
//! `templates/new/` compiled in; the only substitution is the packet's name (and the tag derived
//! from it), which is validated to letters, digits, `-` and `_` first, so it is safe in YAML, in a
//! SQL literal and in a path.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::diag::Error;
use crate::packet::Shape;

/// The heading of the next-steps block (`--quiet` drops the block).
pub const NEXT_STEPS_HEADING: &str = "Next steps:";

const PACKET_YAML: &str = include_str!("../templates/new/packet.yaml");
const FIXTURE_SCHEMA: &str = include_str!("../templates/new/fixture/schema.sql");
const FIXTURE_GATE_OPEN: &str = include_str!("../templates/new/fixture/gate-open.sql");
const FAKE_OPENINGS: [(&str, &str); 2] = [
    (
        "fixture/fake-openings/1-rejected.sql",
        include_str!("../templates/new/fixture/fake-openings/1-rejected.sql"),
    ),
    (
        "fixture/fake-openings/2-other-change.sql",
        include_str!("../templates/new/fixture/fake-openings/2-other-change.sql"),
    ),
];

/// A scanner's spec and fixture (`new --shape scanner`); fake openings are shared.
const SCANNER: [(&str, &str); 3] = [
    (
        "packet.yaml",
        include_str!("../templates/new/scanner/packet.yaml"),
    ),
    (
        "fixture/schema.sql",
        include_str!("../templates/new/scanner/fixture/schema.sql"),
    ),
    (
        "fixture/broken-preconditions/1-snapshot-unknown.sql",
        include_str!(
            "../templates/new/scanner/fixture/broken-preconditions/1-snapshot-unknown.sql"
        ),
    ),
];

/// A cursor's spec and fixture (`new --shape cursor`), with the stale advance prove replays.
const CURSOR: [(&str, &str); 4] = [
    (
        "packet.yaml",
        include_str!("../templates/new/cursor/packet.yaml"),
    ),
    (
        "fixture/schema.sql",
        include_str!("../templates/new/cursor/fixture/schema.sql"),
    ),
    (
        "fixture/stale.vars",
        include_str!("../templates/new/cursor/fixture/stale.vars"),
    ),
    (
        "fixture/broken-preconditions/1-target-unknown.sql",
        include_str!("../templates/new/cursor/fixture/broken-preconditions/1-target-unknown.sql"),
    ),
];

/// The modeline the template starts with (pointing at the schema from `packets/NAME/`).
const MODELINE: &str = "# yaml-language-server: $schema=../../docs/schema/packet.schema.json";

/// The least-privilege role derived from the name: `add-flags` → `packetc_add_flags` (a lower-case
/// identifier, cut to PostgreSQL's 63-byte limit).
#[must_use]
pub fn role_for(name: &str) -> String {
    let mut role = format!("packetc_{}", name.to_ascii_lowercase().replace('-', "_"));
    role.truncate(63);
    role
}

/// Whether `name` can name a packet: letters, digits, `-`, `_`, starting with a letter or digit.
#[must_use]
pub fn valid_name(name: &str) -> bool {
    name.len() <= 100
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The provenance tag derived from the name: `add-flags` → `ADD_FLAGS`.
#[must_use]
pub fn tag_for(name: &str) -> String {
    name.to_ascii_uppercase().replace('-', "_")
}

/// The files of a new packet (path relative to the packet directory, text). `schema_ref` is the
/// `$schema` path of the yaml-language-server modeline, or `None` when no schema file was found
/// (the modeline then becomes a hint on how to get one).
#[must_use]
pub fn files(name: &str, schema_ref: Option<&str>) -> Vec<(PathBuf, String)> {
    files_for(name, Shape::Seed, schema_ref)
}

/// [`files`] for a packet of `shape`: the shape's own spec and fixture, the shared gate-open
/// and fake-opening files.
#[must_use]
pub fn files_for(name: &str, shape: Shape, schema_ref: Option<&str>) -> Vec<(PathBuf, String)> {
    let fill = |t: &str| {
        t.replace("__NAME__", name)
            .replace("__TAG__", &tag_for(name))
            .replace("__ROLE__", &role_for(name))
    };
    let modeline = match schema_ref {
        Some(path) => format!("# yaml-language-server: $schema={path}"),
        // Not the modeline syntax itself: yaml-language-server would read it as one.
        None => {
            "# Editor completion: save `packetc schema packet` as packet.schema.json and make the\n\
                 # first line a yaml-language-server modeline whose $schema names that file."
                .to_owned()
        }
    };
    let own: &[(&str, &str)] = match shape {
        Shape::Seed => &[
            ("packet.yaml", PACKET_YAML),
            ("fixture/schema.sql", FIXTURE_SCHEMA),
        ],
        Shape::Scanner => &SCANNER,
        Shape::Cursor => &CURSOR,
    };
    let mut out: Vec<(PathBuf, String)> = own
        .iter()
        .map(|(path, text)| {
            let text = fill(text);
            let text = if *path == "packet.yaml" {
                text.replacen(MODELINE, &modeline, 1)
            } else {
                text
            };
            (PathBuf::from(path), text)
        })
        .collect();
    out.push((
        PathBuf::from("fixture/gate-open.sql"),
        fill(FIXTURE_GATE_OPEN),
    ));
    out.extend(
        FAKE_OPENINGS
            .iter()
            .map(|(path, text)| (PathBuf::from(path), fill(text))),
    );
    out
}

/// The `$schema` reference for a packet in `packet_dir`: the nearest
/// `docs/schema/packet.schema.json` from there up, as a relative path.
fn schema_ref(packet_dir: &Path) -> Option<String> {
    let abs = std::path::absolute(packet_dir).ok()?;
    let mut ups = String::new();
    let mut at = abs.as_path();
    loop {
        ups.push_str("../");
        at = at.parent()?;
        if at.join("docs/schema/packet.schema.json").is_file() {
            return Some(format!("{ups}docs/schema/packet.schema.json"));
        }
    }
}

/// Write the spec and fixture, then render the scripts; returns every path written.
pub fn write_packet(name: &str, shape: Shape, dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let reference = schema_ref(dir);
    let mut files: Vec<(PathBuf, String)> = files_for(name, shape, reference.as_deref())
        .into_iter()
        .map(|(rel, text)| (dir.join(rel), text))
        .collect();
    crate::fsio::write_all_atomic(&files)?;
    let loaded = crate::packet::load(dir)?;
    let scripts = crate::render::render(&loaded)?;
    let sql: Vec<_> = scripts
        .iter()
        .map(|s| (loaded.sql_dir().join(&s.file_name), s.text.clone()))
        .collect();
    crate::fsio::write_all_atomic(&sql)?;
    files.extend(sql);
    Ok(files.into_iter().map(|(p, _)| p).collect())
}

/// The next steps after `new` (progress: `--quiet` drops them).
pub fn next_steps(out: &mut dyn Write, dir: &Path) -> std::io::Result<()> {
    let d = dir.display();
    writeln!(out, "{NEXT_STEPS_HEADING}")?;
    writeln!(
        out,
        "  1. edit {d}/packet.yaml: every field is commented (reference: docs/spec.md)"
    )?;
    writeln!(
        out,
        "  2. packetc render {d}      re-write the scripts after every edit"
    )?;
    writeln!(
        out,
        "  3. packetc check {d}       the scripts match the spec and lint clean"
    )?;
    writeln!(
        out,
        "  4. edit {d}/fixture/schema.sql and gate-open.sql to mirror the real tables"
    )?;
    writeln!(
        out,
        "  5. packetc prove {d}       run every step on a scratch PostgreSQL clone"
    )?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::{role_for, tag_for, valid_name};

    #[test]
    fn names() {
        assert!(valid_name("demo"));
        assert!(valid_name("add-flags_2"));
        assert!(!valid_name(""));
        assert!(!valid_name("-x"));
        assert!(!valid_name("a/b"));
        assert!(!valid_name("a b"));
        assert!(!valid_name(".."));
        assert!(!valid_name("é"));
        assert_eq!(tag_for("add-flags_2"), "ADD_FLAGS_2");
        assert_eq!(role_for("Add-flags_2"), "packetc_add_flags_2");
        assert_eq!(role_for(&"x".repeat(100)).len(), 63);
    }
}
