//! Property tests with a small deterministic PRNG: arbitrary bytes never panic the linter, and
//! a file that contains a forbidden write the corpus knows never lints clean, whatever noise
//! surrounds it.

use packetc::lint::{lint_bytes, Policy};

/// Iterations per property (`PACKETC_FUZZ_ITERS` raises it for a longer local run).
fn iters() -> usize {
    std::env::var("PACKETC_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000)
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Pieces that exercise every corner of the front end.
const PIECES: &[&str] = &[
    "'",
    "\"",
    "$$",
    "$a$",
    "$1",
    "E'",
    "U&\"",
    "U&'",
    "\\",
    "\\set x 1\n",
    "\\gexec\n",
    "\\i x.sql\n",
    "\\copy t from stdin\n",
    "\\.\n",
    ":",
    ":'v'",
    ":\"v\"",
    ":v",
    "::",
    ";",
    "(",
    ")",
    "[",
    "]",
    "--",
    "/*",
    "*/",
    "\n",
    " ",
    "\t",
    "é",
    "€",
    "𝄞",
    "\u{0}",
    "SELECT",
    "DO",
    "BEGIN",
    "END",
    "IF",
    "THEN",
    "LOOP",
    "EXECUTE",
    "PERFORM",
    "INTO",
    "INSERT",
    "UPDATE",
    "DELETE",
    "FROM",
    "WITH",
    "COPY",
    "STDIN",
    "CREATE",
    "FUNCTION",
    "LANGUAGE",
    "plpgsql",
    "AS",
    "system_issues",
    "set_config",
    ",",
    ".",
    "=",
    ":=",
    "1",
    "x",
    "<<l>>",
    "RETURN QUERY",
    "CASE",
    "WHEN",
    "UESCAPE",
    "-- packetc: allow PC010 -- r\n",
];

/// What noise may contain.
#[derive(Clone, Copy, PartialEq)]
enum Noise {
    /// Anything, including suppression comments and raw bytes.
    Any,
    /// No suppressions (a suppression with a reason legitimately silences what it names) and
    /// nothing that can close a quote, comment or COPY block opened
    /// earlier: noise after a write cannot hide it retroactively.
    NoClosers,
    /// Like `NoClosers`, plus quotes, comments and meta-commands that close themselves: noise
    /// before a write that leaves nothing open (the write's own quotes cannot pair with it).
    SelfContained,
}

/// Quotes, comments and meta-commands that open and close within the piece.
const CLOSED: &[&str] = &[
    "'x;y'",
    "\"a;b\"",
    "$q$ ; ' \" $q$",
    "/* ; ' */",
    "-- ' ;\n",
    "\\set v 'a'\n",
    "E'\\''",
    "U&\"d\\0061\"",
    ":'v'",
    ":\"v\"",
    "$$;$$",
];

fn noise(rng: &mut Rng, max: usize, kind: Noise) -> Vec<u8> {
    let ok = |p: &&str| match kind {
        Noise::Any => true,
        Noise::NoClosers | Noise::SelfContained => {
            !p.contains("packetc") && !p.contains("*/") && !p.contains(['\'', '"', '$', '\\'])
        }
    };
    let mut pieces: Vec<&str> = PIECES.iter().copied().filter(|p| ok(p)).collect();
    if kind == Noise::SelfContained {
        pieces.retain(|p| !p.eq_ignore_ascii_case("stdin"));
        pieces.extend_from_slice(CLOSED);
    }
    let mut out = Vec::new();
    let n = rng.below(max);
    for _ in 0..n {
        if kind == Noise::Any && rng.below(10) == 0 {
            out.push(rng.next() as u8); // raw byte, often invalid UTF-8
        } else {
            out.extend_from_slice(pieces[rng.below(pieces.len())].as_bytes());
        }
    }
    out
}

#[test]
fn arbitrary_bytes_never_panic() {
    let policy = Policy::builtin();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..iters() {
        let bytes = noise(&mut rng, 60, Noise::Any);
        let (text, findings) = lint_bytes("fuzz.sql", &bytes, &policy, None);
        for f in findings {
            assert!(f.range.end <= text.len());
            assert!(text.is_char_boundary(f.range.start) && text.is_char_boundary(f.range.end));
            assert!(f.line >= 1 && f.col >= 1);
        }
    }
}

/// Forbidden writes from the evasion corpus.
const FORBIDDEN: &[&str] = &[
    "DELETE FROM system_issues;",
    "UPDATE event_type_registry SET active = true;",
    "TRUNCATE x, event_outbox;",
    "WITH d AS (DELETE FROM system_issues RETURNING *) SELECT 1;",
    "SET session_replication_role = replica;",
    "DO $$ BEGIN INSERT INTO os_proposal_approvals VALUES (1); END $$;",
    "DO $$ BEGIN EXECUTE 'DELETE FROM event_outbox'; END $$;",
    "COPY event_outbox FROM STDIN;\n1\n\\.",
    "\\copy system_issues from 'f.csv'",
    "INSERT INTO U&\"system\\005fissues\" VALUES (1);",
    "ALTER TABLE system_issues DISABLE TRIGGER ALL;",
];

#[test]
fn known_forbidden_writes_never_pass_whatever_surrounds_them() {
    let policy = Policy::builtin();
    let mut rng = Rng(std::env::var("PACKETC_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(42));
    for i in 0..iters() {
        let w = FORBIDDEN[i % FORBIDDEN.len()];
        let mut bytes = noise(&mut rng, 30, Noise::SelfContained);
        bytes.extend_from_slice(b"\n;\n");
        bytes.extend_from_slice(w.as_bytes());
        bytes.push(b'\n');
        bytes.extend_from_slice(&noise(&mut rng, 30, Noise::NoClosers));
        let (text, findings) = lint_bytes("fuzz.sql", &bytes, &policy, None);
        if findings.is_empty() {
            let _ = std::fs::write(std::env::temp_dir().join("packetc-fuzz-fail.sql"), &bytes);
        }
        assert!(!findings.is_empty(), "a forbidden write passed:\n{text}");
    }
}

#[test]
fn forbidden_writes_alone_get_their_code() {
    let policy = Policy::builtin();
    for w in FORBIDDEN {
        let (_, f) = lint_bytes("w.sql", w.as_bytes(), &policy, None);
        assert!(
            f.iter()
                .any(|f| ["PC001", "PC003", "PC004"].contains(&f.code)),
            "{w}: {f:#?}"
        );
    }
}
