//! The write audit `prove` installs on the clone catches writes that static lint cannot see: a
//! trigger function (a stand-in for any cascade, rule or extension the production database grew)
//! that updates a protected table and disables a protected table's trigger when the seed
//! inserts its rows. The packet's scripts are unchanged and lint clean; only PostgreSQL can
//! tell. Needs PostgreSQL (a failure in CI).

use crate::common;

use crate::common::copy_dir;
use std::fs;
use std::process::Command;

/// Owned by the clone's superuser and SECURITY DEFINER, so it runs whatever the seed's role is.
const HIDDEN_TRIGGER: &str = r"
CREATE FUNCTION hidden_side_effect() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $fn$
BEGIN
  UPDATE os_proposals SET status = 'ratified' WHERE proposal_ref = NEW.approval_ref;
  ALTER TABLE system_issues DISABLE TRIGGER trg_system_issues_notify;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER hidden_side_effect AFTER INSERT ON governance_object_ownership
  FOR EACH ROW EXECUTE FUNCTION hidden_side_effect();
";

#[test]
fn the_audit_catches_a_write_static_lint_cannot_see() {
    if let Err(e) = packetc::pg::find_server_bindir() {
        if common::skip_or_fail::<()>(&e).is_none() {
            return;
        }
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("one-roof-ownership-seed");
    copy_dir(&common::packet_dir(), &dir);
    let _ = fs::remove_dir_all(dir.join("journal"));
    // The fixture is edited below, so the committed proof record would be stale (a finding of
    // its own): this packet has never been proven.
    fs::remove_file(dir.join("proof.json")).expect("remove the copied proof.json");
    let schema = dir.join("fixture/schema.sql");
    let mut text = fs::read_to_string(&schema).expect("schema");
    text.push_str(HIDDEN_TRIGGER);
    fs::write(&schema, text).expect("write schema");

    // Static lint sees nothing wrong with the scripts.
    let check = Command::new(crate::common::BIN)
        .arg("check")
        .arg(&dir)
        .output()
        .expect("packetc runs");
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );

    let out = Command::new(crate::common::BIN)
        .arg("prove")
        .arg(&dir)
        .env_remove("PACKETC_DATABASE_URL")
        .output()
        .expect("packetc runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seed_line = stdout
        .lines()
        .find(|l| l.contains("FAIL") && l.contains("step 1 F_prod_01_ownership_seed_commit.sql  "))
        .unwrap_or_else(|| panic!("no failed audit line for the seed:\n{stdout}"));
    for what in [
        "os_proposals rows",
        "system_issues triggers",
        "logged: write UPDATE public.os_proposals",
        "logged: ddl ALTER TABLE public.system_issues",
    ] {
        assert!(
            seed_line.contains(what),
            "{what:?} missing from {seed_line}"
        );
    }
    // Preflight and verify are read-only: the audit clears them.
    for step in [
        "step 0 F_prod_00_preflight.sql",
        "step 2 F_prod_02_verify.sql",
    ] {
        assert!(
            stdout.lines().any(|l| l.contains(step)
                && l.contains("protected objects unchanged (checked by PostgreSQL)")),
            "{step}:\n{stdout}"
        );
    }
}
