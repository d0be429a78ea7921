//! The `packetc new` scaffold is not only valid but proven: its fixture and scripts pass every
//! `packetc prove` scenario on a real PostgreSQL (gate closed, gate open, variables, wrong
//! database). Needs PostgreSQL: without it the shared harness prints a loud SKIPPED banner, and
//! with `CI=true` it fails.

use crate::common;

use std::process::Command;

#[test]
fn scaffolded_packet_is_proven_on_postgres() {
    match packetc::pg::find_server_bindir() {
        Ok(_) => {}
        Err(e) => {
            if common::skip_or_fail::<()>(&e).is_none() {
                return;
            }
        }
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let new = Command::new(crate::common::BIN)
        .args(["--quiet", "new", "demo"])
        .current_dir(tmp.path())
        .output()
        .expect("packetc new");
    assert_eq!(new.status.code(), Some(0));
    let out = Command::new(crate::common::BIN)
        .args(["prove", "packets/demo"])
        .current_dir(tmp.path())
        .env_remove("PACKETC_DATABASE_URL")
        .output()
        .expect("packetc prove");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("PROVEN"), "{stdout}");
    assert!(stdout.contains(" 0 failed"), "{stdout}");
}
