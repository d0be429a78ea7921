//! `packetc fingerprint`: read a database's schema fingerprint through a channel and print it.

use crate::cli::{FingerprintArgs, FingerprintFormat};
use crate::diag::{Error, Status};
use crate::output::Printer;

/// Run `packetc fingerprint`.
pub fn run(args: &FingerprintArgs, p: &mut Printer) -> Result<Status, Error> {
    let roots = match &args.packet {
        Some(packet) => {
            let loaded = crate::packet::load(packet)?;
            let policy = crate::fingerprint::packet_policy(&loaded)?;
            crate::fingerprint::roots(&loaded, &policy)
        }
        None => Vec::new(),
    };
    let read = crate::fingerprint::cmd::read(
        args.database_url.as_deref(),
        args.channel.as_deref(),
        &roots,
    )?;
    let out = p.results();
    match args.format {
        FingerprintFormat::Text => {
            writeln!(
                out,
                "PostgreSQL {}; {}",
                crate::fingerprint::cmd::version_text(read.server_version_num),
                if roots.is_empty() {
                    "every user relation".to_owned()
                } else {
                    format!("{} root relation(s) of the packet", roots.len())
                }
            )?;
            out.write_all(read.fingerprint.summary().as_bytes())?;
        }
        FingerprintFormat::Json => {
            let text = serde_json::to_string_pretty(&read.fingerprint)
                .map_err(|e| Error::input(format!("serialising: {e}"), "report a bug"))?;
            writeln!(out, "{text}")?;
        }
    }
    Ok(Status::Clean)
}
