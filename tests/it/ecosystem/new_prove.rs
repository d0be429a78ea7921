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

/// `packetc new --shape scanner|cursor`: each scaffold passes `check` and `prove`, including the
/// shape's own scenarios (idempotence, stale/retried advance, concurrent runs, broken
/// preconditions).
#[test]
fn scaffolded_repeatable_shapes_are_proven_on_postgres() {
    if let Err(e) = packetc::pg::find_server_bindir() {
        if common::skip_or_fail::<()>(&e).is_none() {
            return;
        }
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    for (shape, promise) in [
        (
            "scanner",
            "scanner idempotent and bounded: a second run's only change is its one run row",
        ),
        (
            "cursor",
            "cursor monotonic: after an advance, a stale advance",
        ),
    ] {
        let name = format!("demo-{shape}");
        let run = |args: &[&str]| {
            Command::new(env!("CARGO_BIN_EXE_packetc"))
                .args(args)
                .current_dir(tmp.path())
                .env_remove("PACKETC_DATABASE_URL")
                .output()
                .expect("packetc runs")
        };
        let new = run(&["--quiet", "new", &name, "--shape", shape]);
        assert_eq!(
            new.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&new.stderr)
        );
        let packet = format!("packets/{name}");
        let yaml = std::fs::read_to_string(tmp.path().join(&packet).join("packet.yaml"))
            .expect("packet.yaml");
        assert!(yaml.contains(&format!("shape: {shape}")), "{yaml}");
        let check = run(&["check", &packet]);
        assert_eq!(
            check.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&check.stdout)
        );
        let out = run(&["prove", &packet]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("PROVEN"), "{stdout}");
        assert!(stdout.contains(promise), "{shape}: {stdout}");
        assert!(
            stdout.contains("winners (runs that found work to do)"),
            "{stdout}"
        );
        assert!(stdout.contains("broken precondition 1-"), "{stdout}");
    }
}
