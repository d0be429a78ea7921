//! Time bounds: every step ends within its limit, on the server (`statement_timeout`,
//! `lock_timeout`, sent before each script, read-only steps included) and on the channel (a
//! wall-clock limit after which packetc ends the channel's process group).

use std::time::Duration;

use super::record::Limits;
use crate::packet::Step;

/// The default limit of one step (`--step-timeout`).
pub const DEFAULT_STEP: Duration = Duration::from_secs(300);
/// The default `lock_timeout` of steps that set none (`--lock-timeout`).
pub const DEFAULT_LOCK: Duration = Duration::from_secs(10);
/// How many times a read-only step is run when its evidence was incomplete.
pub const ATTEMPTS: u32 = 3;

/// `250ms`, `10s`, `5min`, `1h` or plain seconds (`30`), as PostgreSQL writes durations.
#[must_use]
pub fn parse_ms(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(split);
    let n: u64 = n.parse().ok()?;
    let factor = match unit.trim() {
        "ms" => 1,
        "" | "s" => 1000,
        "min" => 60_000,
        "h" => 3_600_000,
        _ => return None,
    };
    n.checked_mul(factor).filter(|ms| *ms > 0)
}

/// A step's time limit: `--step-timeout`, else the step's `time_limit` in the spec, else the
/// default.
#[must_use]
pub fn step_ms(step: Option<&Step>, limits: &Limits) -> u64 {
    if limits.step_from_flag {
        return limits.step_ms;
    }
    step.and_then(|s| s.time_limit.as_deref())
        .and_then(parse_ms)
        .unwrap_or(limits.step_ms)
}

/// The `SET` lines sent before a step's script (`lock_timeout`: the step's own, else the
/// default; `statement_timeout`: the step's limit).
#[must_use]
pub fn set_lines(step: Option<&Step>, limits: &Limits) -> String {
    let lock_ms = step
        .and_then(|s| s.lock_timeout.as_deref())
        .and_then(parse_ms)
        .unwrap_or(limits.lock_ms);
    format!(
        "SET lock_timeout = '{lock_ms}ms';\nSET statement_timeout = '{}ms';\n",
        step_ms(step, limits)
    )
}

/// clap value parser for the duration flags.
pub fn parse_flag(text: &str) -> Result<Duration, String> {
    parse_ms(text)
        .map(Duration::from_millis)
        .ok_or_else(|| format!("{text:?} is not a duration: write e.g. 500ms, 30s, 5min"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled(edit: impl Fn(String) -> String) -> Result<crate::packet::Packet, String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("packets/one-roof-ownership-seed");
        let text =
            edit(std::fs::read_to_string(dir.join("packet.yaml")).map_err(|e| e.to_string())?);
        let reader = |rel: &str| std::fs::read_to_string(dir.join(rel)).map_err(|e| e.to_string());
        crate::packet::parse("packet.yaml", &text, &reader).map_err(|d| format!("{d:?}"))
    }

    #[test]
    fn the_spec_sets_a_step_limit_and_the_flag_overrides_it() {
        let p = bundled(|t| {
            t.replace(
                "  - role: verify\n",
                "  - role: verify\n    time_limit: 45s\n",
            )
        })
        .expect("valid with a time_limit");
        let verify = p
            .steps
            .iter()
            .find(|s| s.script == "F_prod_02_verify.sql")
            .expect("verify");
        let seed = p
            .steps
            .iter()
            .find(|s| s.script.contains("seed"))
            .expect("seed");
        let mut l = Limits {
            step_ms: 300_000,
            step_from_flag: false,
            lock_ms: 10_000,
            attempts: 3,
        };
        assert_eq!(step_ms(Some(verify), &l), 45_000);
        assert_eq!(step_ms(Some(seed), &l), 300_000);
        assert_eq!(
            set_lines(Some(verify), &l),
            "SET lock_timeout = '10000ms';\nSET statement_timeout = '45000ms';\n"
        );
        assert_eq!(
            set_lines(Some(seed), &l),
            "SET lock_timeout = '10000ms';\nSET statement_timeout = '300000ms';\n",
            "the seed's own lock_timeout (10s) is the default here too"
        );
        l.step_from_flag = true;
        l.step_ms = 2_000;
        assert_eq!(step_ms(Some(verify), &l), 2_000);
        let bad = bundled(|t| {
            t.replace(
                "  - role: verify\n",
                "  - role: verify\n    time_limit: 0s\n",
            )
        });
        assert!(bad.is_err_and(|e| e.contains("PS022")));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_ms("10s"), Some(10_000));
        assert_eq!(parse_ms("250ms"), Some(250));
        assert_eq!(parse_ms("5min"), Some(300_000));
        assert_eq!(parse_ms("30"), Some(30_000));
        assert_eq!(parse_ms("0s"), None);
        assert_eq!(parse_ms("1.5s"), None);
        assert_eq!(parse_ms("10 parsecs"), None);
    }
}
