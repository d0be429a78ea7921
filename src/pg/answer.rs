//! The one-line answers packetc's read-only catalog queries print: `MARK VERSION HEX`, the
//! server's `server_version_num` and a hex-encoded JSON document. Hex keeps the document on one
//! line whatever psql's output settings are, and the mark finds it among psql's other lines.

/// The last `mark` line of psql's `stdout`: the server version and the decoded document bytes.
/// `what` names the answer in errors ("catalog", "fingerprint").
///
/// # Errors
/// No such line, an unreadable version, or a document that is not hex.
pub fn read(stdout: &str, mark: &str, what: &str) -> Result<(u32, Vec<u8>), String> {
    let line = stdout
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix(mark.trim_end()))
        .ok_or_else(|| format!("no {what} line in psql's output"))?;
    let mut parts = line.split_whitespace();
    let version: u32 = parts
        .next()
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("unreadable server version in {line:?}"))?;
    let bytes =
        decode_hex(parts.next().unwrap_or("")).ok_or_else(|| format!("the {what} is not hex"))?;
    Ok((version, bytes))
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() % 2 != 0 {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_marked_line_is_read_and_bad_ones_are_errors() {
        let out = "SET\nm 1 00\nm 150014 6869\nCOMMIT\n";
        assert_eq!(read(out, "m ", "x"), Ok((150_014, b"hi".to_vec())));
        assert!(read("SET\n", "m ", "x").is_err_and(|e| e == "no x line in psql's output"));
        assert!(read("m v 00\n", "m ", "x").is_err());
        assert!(read("m 1 0g\n", "m ", "x").is_err_and(|e| e == "the x is not hex"));
        assert!(read("m 1 000\n", "m ", "x").is_err());
    }
}
