//! Time bounds: every step ends within its limit, on the server (`statement_timeout`,
//! `lock_timeout`, sent before each script, read-only steps included) and on the channel (a
//! wall-clock limit after which packetc ends the channel's process group).

use std::time::Duration;

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

/// The `SET` lines sent before a step's script (`lock_timeout`: the step's own, else the default).
#[must_use]
pub fn set_lines(step_lock_timeout: Option<&str>, limits: &super::record::Limits) -> String {
    let lock_ms = step_lock_timeout
        .and_then(parse_ms)
        .unwrap_or(limits.lock_ms);
    format!(
        "SET lock_timeout = '{lock_ms}ms';\nSET statement_timeout = '{}ms';\n",
        limits.step_ms
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
    use super::parse_ms;

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
