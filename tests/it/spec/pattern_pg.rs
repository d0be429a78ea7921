//! The variable-pattern check (src/packet/pgregex.rs) against PostgreSQL itself: every pattern
//! of the corpus goes to a real server as `'x' ~ pattern`, and packetc must accept exactly the
//! patterns PostgreSQL accepts. A disagreement either way fails the test: accepting too much
//! lets a script fail at run time, rejecting too much refuses a valid spec.

use crate::common;

use packetc::pg::{self, Cluster};

/// Valid and invalid patterns, the usual mistakes among them.
const CORPUS: &[&str] = &[
    // accepted
    "^APR-[A-Z0-9]+(-[A-Z0-9]+)*$",
    "^APR-[0-9]+$",
    "^APR-",
    "",
    "a",
    "a|b",
    "a|",
    "|",
    "()",
    "(a)(b)\\2",
    "(a)\\1",
    "a*",
    "a+",
    "a?",
    "a*?",
    "a+?",
    "a??",
    "a{2}",
    "a{2,}",
    "a{2,5}",
    "a{2,5}?",
    "a{0}",
    "a{255}",
    "[a-z]",
    "[^a-z]",
    "[]a]",
    "[^]a]",
    "[a-]",
    "[-a]",
    "[[:alpha:]]",
    "[[:digit:]_]",
    "[[:word:]]",
    "[[.a.]]",
    "[[=a=]]",
    "\\d+",
    "\\D",
    "\\s\\S\\w\\W",
    "[\\d]",
    "[\\s_]",
    "\\.",
    "\\$",
    "\\\\",
    "\\[",
    "\\(",
    "\\n\\t\\r",
    "\\x41",
    "\\u0041",
    "\\U00000041",
    "\\0",
    "\\012",
    "\\A\\Z",
    "\\mfoo\\M",
    "\\yfoo\\y",
    "\\Y",
    "(?:a)",
    "(?=a)",
    "(?!a)",
    "(?<=a)b",
    "(?<!a)b",
    "(?i)abc",
    "(?x) a b # comment",
    "(?q)(((",
    "***=(((",
    "***:abc",
    "a{",
    "a{,5}",
    "a{x}",
    "{",
    "}",
    "]",
    "a]",
    "x{1}y",
    "^$",
    "^a|b$",
    ".*",
    "[.]",
    "\\cA",
    "[a\\]]",
    "a{1,1}",
    "[[:alpha:][:digit:]]",
    "\\e",
    "\\f\\v\\a\\b",
    "[\\b]",
    "\\B",
    "(a|b)*c",
    "((a))\\2",
    "\\12",
    "(a)\\12",
    "[a-a]",
    "[!-~]",
    "\\-",
    "\\/",
    "\\#",
    "\\ ",
    // rejected
    "(",
    ")",
    "a)",
    "(a",
    "((a)",
    "[",
    "[a",
    "[]",
    "[^]",
    "*",
    "*a",
    "+a",
    "?a",
    "a**",
    "a*+",
    "a+*",
    "a{3,1}",
    "a{256}",
    "a{1,256}",
    "a{1",
    "a{1,",
    "a{1,2",
    "a{1,2,3}",
    "\\",
    "a\\",
    "\\q",
    "\\i",
    "\\x",
    "\\xg",
    "\\u12",
    "\\U1234",
    "\\8",
    "\\1",
    "(a\\1)",
    "(a)\\2",
    "[z-a]",
    "[[:foo:]]",
    "[[:alpha:]",
    "[[.ab.]]",
    "(?",
    "(?z)",
    "(?i",
    "a(?i)b",
    "^*",
    "$+",
    "(?=a)*",
    "\\A*",
    "\\y+",
    "(?=\\1)",
    "[\\A]",
    "[\\1]",
    "***",
    "***x",
    "a|*",
    "(*a)",
    "a{2}{3}",
    "x{1}{2}",
    "[[=ab=]]",
    "\\ca\\",
    "\\c",
];

#[test]
fn patterns_are_accepted_exactly_when_postgresql_accepts_them() {
    let Some(cluster) = common::or_skip(Cluster::start(), "starting a private cluster") else {
        return;
    };
    let target = cluster.admin_target().clone();
    let mut disagree = Vec::new();
    let (mut accepted, mut rejected) = (0, 0);
    for pattern in CORPUS {
        let sql = format!("SELECT ('x' ~ '{}')::text", pattern.replace('\'', "''"));
        let postgres = match pg::query_scalar(&target, &[], &sql) {
            Ok(_) => true,
            Err(e) if e.to_string().contains("invalid regular expression") => false,
            Err(e) => panic!("{pattern:?}: unexpected error {e}"),
        };
        if postgres {
            accepted += 1;
        } else {
            rejected += 1;
        }
        let ours = packetc::packet::pgregex::check(pattern);
        if ours.is_ok() != postgres {
            disagree.push(format!(
                "{pattern:?}: PostgreSQL {postgres}, packetc {ours:?}"
            ));
        }
    }
    eprintln!("corpus: {accepted} accepted and {rejected} rejected by PostgreSQL");
    assert!(
        accepted > 50 && rejected > 40,
        "the corpus tests both directions"
    );
    assert!(
        disagree.is_empty(),
        "disagreements:\n{}",
        disagree.join("\n")
    );
}

/// Values matched by PostgreSQL (`value ~ pattern`) and by packetc's local check, which `apply`
/// (and `--dry-run`) uses for `--var` values: where packetc translates a pattern, it must agree
/// with the server on every value.
#[test]
fn local_var_checks_match_like_postgresql() {
    let Some(cluster) = common::or_skip(Cluster::start(), "starting a private cluster") else {
        return;
    };
    let target = cluster.admin_target().clone();
    let values = [
        "APR-1",
        "APR-BOOT-AUTHMODEL-1",
        "APR-",
        "apr-1",
        "APR-1-",
        "APR--1",
        "x",
        "",
        "a.b",
        "a-b",
        "aaa",
        "ab",
        "A1_",
        "  ",
        "x]y",
        "é",
        "APR-1\\",
        "a{2}",
        "#1",
    ];
    let patterns = [
        "^APR-[A-Z0-9]+(-[A-Z0-9]+)*$",
        "^APR-[0-9]+$",
        "^APR-",
        "a.b",
        "a\\.b",
        "^a{2,3}$",
        "^[[:alpha:]]+$",
        "^[[:digit:][:upper:]_]+$",
        "[]x]",
        "^[^a-z]*$",
        "\\d",
        "^\\w+$",
        "a{",
        "^(?:a|b)+$",
        "x\\]y",
        "[a-]b",
        "^$",
        "#",
        "\\s",
        "^.$",
    ];
    let mut translated = 0;
    let mut disagree = Vec::new();
    for p in patterns {
        assert!(packetc::packet::pgregex::check(p).is_ok(), "{p} is valid");
        if packetc::packet::pgregex::portable(p).is_none() {
            continue;
        }
        translated += 1;
        let queries: Vec<String> = values
            .iter()
            .map(|v| {
                format!(
                    "SELECT '{}' ~ '{}'",
                    v.replace('\'', "''"),
                    p.replace('\'', "''")
                )
            })
            .collect();
        let refs: Vec<&str> = queries.iter().map(String::as_str).collect();
        let answers = pg::query_scalars(&target, &[], &refs).expect("query");
        for (v, answer) in values.iter().zip(answers) {
            let pg = answer.as_deref() == Some("true");
            if !v.is_ascii() {
                // Locale-dependent: packetc defers to the server.
                assert!(packetc::packet::pgregex::matches(p, v));
                continue;
            }
            if packetc::packet::pgregex::matches(p, v) != pg {
                disagree.push(format!("{v:?} ~ {p:?}: PostgreSQL {pg}"));
            }
        }
    }
    assert!(
        translated >= 18,
        "most patterns are checked locally ({translated})"
    );
    assert!(
        disagree.is_empty(),
        "disagreements:\n{}",
        disagree.join("\n")
    );
}
