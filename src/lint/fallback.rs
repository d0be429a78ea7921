//! Statements sqlparser cannot parse that may still be judged: by the names they contain.
//!
//! Three kinds ([`Judge`]): declarative DDL (below), reads (a statement that begins with
//! `SELECT`, `VALUES`, `TABLE`, a `WITH` holding no DML, `EXPLAIN` without `ANALYZE`, `SET
//! CONSTRAINTS`, `FETCH`/`MOVE`/`CLOSE`, `LOCK`: PostgreSQL's grammar gives them no write,
//! and the token-level checks for `set_config` and the policy's functions still run), and
//! single DML statements (`INSERT`/`UPDATE`/`DELETE`/`MERGE`/`COPY … FROM` with no other DML
//! inside): their target is read off the tokens and every protected name they contain counts
//! as written, any column.
//!
//! Some statement kinds change only the objects they name: `ALTER TABLE t …` alters `t` (and
//! whatever else it names: `INHERIT p`, `REFERENCES p`), `CREATE STATISTICS … ON … FROM t`,
//! `REINDEX TABLE t`, `COMMENT ON …`, `CREATE TRIGGER … ON t`. They hold no DML (PostgreSQL
//! allows none in their expressions) and reach nothing unnamed, except through `CASCADE`,
//! which the engine flags on its own. For those, every protected name in the tokens is a
//! finding (a DDL write on it, able to set any of its columns) and the statement is not
//! PC010. Anything else sqlparser rejects stays PC010: rules, views, grants of roles,
//! subscriptions, event triggers, `CREATE TABLE … AS`, and any statement whose words include
//! DML.

use sqlparser::tokenizer::{Token, TokenWithSpan};

use crate::lint::effects::NameRef;
use crate::lint::finding::Pos;

/// Leading words of the kinds judged by their names (`*` matches any second word).
const KINDS: &[(&str, &str)] = &[
    ("alter", "table"),
    ("alter", "index"),
    ("alter", "sequence"),
    ("alter", "type"),
    ("alter", "domain"),
    ("alter", "statistics"),
    ("alter", "publication"),
    ("alter", "operator"),
    ("alter", "collation"),
    ("alter", "text"),
    ("alter", "schema"),
    ("alter", "foreign"),
    ("alter", "server"),
    ("alter", "large"),
    ("create", "table"),
    ("create", "unlogged"),
    ("create", "index"),
    ("create", "unique"),
    ("create", "statistics"),
    ("create", "type"),
    ("create", "domain"),
    ("create", "sequence"),
    ("create", "publication"),
    ("create", "operator"),
    ("create", "collation"),
    ("create", "text"),
    ("create", "cast"),
    ("create", "trigger"),
    ("create", "constraint"),
    ("create", "user"),
    ("create", "role"),
    ("create", "group"),
    ("create", "server"),
    ("create", "foreign"),
    ("create", "access"),
    ("create", "conversion"),
    ("create", "tablespace"),
    ("drop", "*"),
    ("comment", "on"),
    ("security", "label"),
    ("reindex", "*"),
    ("vacuum", "*"),
    ("analyze", "*"),
    ("analyse", "*"),
    ("cluster", "*"),
    ("checkpoint", "*"),
    ("discard", "*"),
    ("listen", "*"),
    ("notify", "*"),
    ("load", "*"),
];

/// Words that make a statement ineligible wherever they stand (they bring DML, or run code
/// whose effect is not named): `ON DELETE` / `ON UPDATE` of foreign keys excepted.
const DML: &[&str] = &[
    "insert", "update", "delete", "merge", "truncate", "copy", "execute", "call", "select", "rule",
];

/// How an unparseable statement may still be judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judge {
    /// Declarative DDL: every protected name it contains is altered.
    ByNames,
    /// A read: no writes.
    Reads,
    /// DDL on an object that is not a relation (a type, collation, domain or schema), whatever
    /// it is named.
    NoRelation,
    /// One DML statement (its kind; its target is the first name after its keywords).
    Dml(&'static str),
}

/// The judgement for an unparseable statement with these leading words and tokens, if any.
#[must_use]
pub fn classify(first: &[Option<&str>; 4], toks: &[TokenWithSpan]) -> Option<Judge> {
    let a = first[0]?.to_ascii_lowercase();
    let b = first[1].map(str::to_ascii_lowercase).unwrap_or_default();
    if by_names(first, toks) {
        let not_relation = (a == "create" || a == "alter")
            && ["type", "collation", "domain", "schema"].contains(&b.as_str());
        return Some(if not_relation {
            Judge::NoRelation
        } else {
            Judge::ByNames
        });
    }
    let words: Vec<(String, String)> = {
        let sig: Vec<&Token> = toks
            .iter()
            .map(|t| &t.token)
            .filter(|t| !matches!(t, Token::Whitespace(_)))
            .collect();
        let mut prev = String::new();
        let mut out = Vec::new();
        for t in sig {
            if let Token::Word(w) = t {
                if w.quote_style.is_none() {
                    let v = w.value.to_ascii_lowercase();
                    out.push((prev.clone(), v.clone()));
                    prev = v;
                    continue;
                }
            }
            prev.clear();
        }
        out
    };
    let has = |w: &str| words.iter().any(|(_, v)| v == w);
    // DML words other than the lock clauses (FOR [NO KEY] UPDATE) and FK actions (ON UPDATE).
    let dml = |allowed_after: &[&str]| {
        words.iter().skip(1).any(|(p, v)| {
            ["insert", "update", "delete", "merge", "truncate"].contains(&v.as_str())
                && !["for", "key", "on"].contains(&p.as_str())
                && !allowed_after.contains(&p.as_str())
        })
    };
    let reads = match a.as_str() {
        "select" | "values" | "table" | "with" | "fetch" | "move" | "close" | "lock" => true,
        "set" => b == "constraints",
        "explain" => !has("analyze") && !has("analyse"),
        _ => false,
    };
    if reads {
        // A plain EXPLAIN runs nothing, whatever it explains.
        let runs_nothing = a == "explain";
        return (runs_nothing || (!has("into") && !dml(&[]) && !has("copy")))
            .then_some(Judge::Reads);
    }
    let kind = match a.as_str() {
        "insert" if !dml(&["do"]) => "INSERT into",
        "update" if !dml(&[]) => "UPDATE of",
        "delete" if !dml(&[]) => "DELETE from",
        "merge" if !dml(&["then", "into"]) => "MERGE into",
        "copy" if has("from") && !has("program") && !dml(&[]) && b != "(" => "COPY into",
        _ => return None,
    };
    Some(Judge::Dml(kind))
}

/// The target of a single DML statement: the first (qualified) name after its keywords
/// (`INSERT INTO`, `UPDATE [ONLY]`, `DELETE FROM [ONLY]`, `MERGE INTO [ONLY]`, `COPY`).
#[must_use]
pub fn dml_target(toks: &[TokenWithSpan]) -> Option<NameRef> {
    let sig: Vec<&TokenWithSpan> = toks
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect();
    let mut i = 1;
    while let Some(Token::Word(w)) = sig.get(i).map(|t| &t.token) {
        let v = w.value.to_ascii_lowercase();
        if w.quote_style.is_none() && ["into", "from", "only"].contains(&v.as_str()) {
            i += 1;
        } else {
            break;
        }
    }
    let fold = crate::lint::effects::fold_word;
    let mut parts = Vec::new();
    let start = sig.get(i)?;
    let mut end = start.span.end;
    while let Some(Token::Word(w)) = sig.get(i).map(|t| &t.token) {
        parts.push(fold(w));
        end = sig[i].span.end;
        if sig.get(i + 1).map(|t| &t.token) == Some(&Token::Period) {
            i += 2;
        } else {
            break;
        }
    }
    let name = parts.pop()?;
    let pos = Pos::from_loc(start.span.start);
    let len = if end.line == start.span.start.line {
        (end.column.saturating_sub(start.span.start.column)).max(1) as usize
    } else {
        name.chars().count()
    };
    Some(NameRef {
        schema: parts.pop(),
        name,
        pos,
        len,
        from_var: false,
    })
}

/// Whether an unparseable statement with these leading words and tokens may be judged by the
/// protected names it contains.
#[must_use]
pub fn by_names(first: &[Option<&str>; 4], toks: &[TokenWithSpan]) -> bool {
    let w = |i: usize| first[i].map(str::to_ascii_lowercase);
    let (Some(a), b) = (w(0), w(1)) else {
        return false;
    };
    let b = b.unwrap_or_default();
    // CREATE [OR REPLACE] [CONSTRAINT] TRIGGER: its event words (INSERT OR UPDATE) and
    // EXECUTE FUNCTION are not DML.
    let trigger = a == "create"
        && (b == "trigger"
            || (b == "constraint" && w(2).as_deref() == Some("trigger"))
            || (b == "or"
                && w(2).as_deref() == Some("replace")
                && w(3).as_deref() == Some("trigger")));
    if a == "drop" && b == "owned" {
        return false; // whatever the role owns: unknown reach
    }
    let kind_ok = trigger || KINDS.iter().any(|(x, y)| *x == a && (*y == "*" || *y == b));
    if !kind_ok {
        return false;
    }
    let sig: Vec<&Token> = toks
        .iter()
        .map(|t| &t.token)
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    let mut depth = 0i32;
    for (i, t) in sig.iter().enumerate() {
        match t {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            Token::Word(wd) if wd.quote_style.is_none() => {
                let v = wd.value.to_ascii_lowercase();
                // `CREATE TABLE … AS query` runs its query.
                if a == "create" && v == "as" && depth == 0 && !trigger {
                    return false;
                }
                if trigger || !DML.contains(&v.as_str()) {
                    continue;
                }
                let after_on = i > 0
                    && matches!(sig[i - 1], Token::Word(p) if p.value.eq_ignore_ascii_case("on"));
                if !(after_on && (v == "delete" || v == "update")) {
                    return false;
                }
            }
            _ => {}
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::by_names;
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::tokenizer::Tokenizer;

    fn class(sql: &str) -> Option<super::Judge> {
        let toks = Tokenizer::new(&PostgreSqlDialect {}, sql)
            .tokenize_with_location()
            .expect("tokens");
        let first = crate::lint::engine::first_words(&toks);
        super::classify(&first, &toks)
    }

    #[test]
    fn reads_and_single_dml() {
        use super::Judge;
        assert_eq!(
            class("SELECT json_query(jsonb '1', '$')"),
            Some(Judge::Reads)
        );
        assert_eq!(
            class("SELECT * FROM t FOR NO KEY UPDATE"),
            Some(Judge::Reads)
        );
        assert_eq!(
            class("EXPLAIN (COSTS off) DELETE FROM t"),
            Some(Judge::Reads)
        );
        assert_eq!(class("EXPLAIN (ANALYZE) DELETE FROM t"), None);
        assert_eq!(class("SELECT 1 INTO t"), None);
        assert_eq!(
            class("WITH d AS (DELETE FROM t RETURNING 1) SELECT 1"),
            None
        );
        assert_eq!(
            class("UPDATE t SET a[1] = 2"),
            Some(Judge::Dml("UPDATE of"))
        );
        assert_eq!(
            class("INSERT INTO t SELECT 1 ON CONFLICT DO UPDATE SET a = 1"),
            Some(Judge::Dml("INSERT into"))
        );
        assert_eq!(
            class("INSERT INTO t WITH d AS (DELETE FROM u RETURNING 1) SELECT 1"),
            None
        );
        assert_eq!(class("COPY (DELETE FROM t RETURNING 1) TO STDOUT"), None);
        assert_eq!(class("COPY t FROM PROGRAM 'x'"), None);
    }

    fn judge(sql: &str) -> bool {
        let toks = Tokenizer::new(&PostgreSqlDialect {}, sql)
            .tokenize_with_location()
            .expect("tokens");
        let first = crate::lint::engine::first_words(&toks);
        by_names(&first, &toks)
    }

    #[test]
    fn declarative_kinds_are_judged_by_names() {
        assert!(judge("ALTER TABLE t ADD CONSTRAINT c NOT NULL a"));
        assert!(judge(
            "CREATE TABLE c (a int REFERENCES p ON DELETE CASCADE ON UPDATE CASCADE)"
        ));
        assert!(judge("REINDEX TABLE CONCURRENTLY t"));
        assert!(judge(
            "CREATE TRIGGER x BEFORE INSERT OR UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f()"
        ));
        assert!(judge("CREATE STATISTICS s (dependencies) ON a, b FROM t"));
        assert!(judge("ALTER SEQUENCE s OWNED BY t.id"));
        assert!(judge("CREATE INDEX ON ONLY t (a) WITH (fillfactor = 70)"));
    }

    #[test]
    fn anything_that_may_hold_dml_or_unnamed_reach_is_not() {
        assert!(!judge("CREATE TABLE t AS SELECT 1"));
        assert!(!judge("CREATE TABLE t AS TABLE u"));
        assert!(!judge("CREATE VIEW v AS SELECT 1"));
        assert!(!judge("CREATE RULE r AS ON INSERT TO t DO INSTEAD NOTHING"));
        assert!(!judge("GRANT pg_write_all_data TO r"));
        assert!(!judge("CREATE SUBSCRIPTION s CONNECTION 'c' PUBLICATION p"));
        assert!(!judge("UPDATE t SET a[1] = 2"));
        assert!(!judge("DROP OWNED BY r"));
        assert!(!judge(
            "ALTER TABLE t ALTER COLUMN a SET DEFAULT (SELECT 1)"
        ));
        assert!(!judge(
            "CREATE EVENT TRIGGER e ON ddl_command_start EXECUTE FUNCTION f()"
        ));
    }
}
