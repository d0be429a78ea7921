//! `packetc grants PACKET`: the one-time script a DBA reviews and runs to create the role a
//! packet's transaction steps run as (`run_as` in packet.yaml), with exactly what it needs.
//!
//! The role gets SELECT on what the metrics, the approval check and the write read, INSERT and
//! DELETE on the provenance table, and nothing else. It is not trusted to be right: preflight
//! and the transaction steps ask PostgreSQL (`has_table_privilege`, `has_column_privilege`)
//! whether the role can write a protected object, and stop if it can. The relations read are
//! found from the SQL's tokens; one missed leaves the role without SELECT, which `prove` (run as
//! the role) reports as a failed step, so a miss fails closed.

use std::collections::BTreeSet;

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, Tokenizer};

use crate::packet::{Loaded, Packet};
use crate::pg::{quote_literal, quote_qualified};

/// Tables (or views) a SQL text reads: every name after FROM or JOIN, and after a comma in a
/// FROM list. Function calls (`FROM unnest(...)`) and subqueries are not names.
#[must_use]
pub fn relations_read(sql: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let Ok(tokens) = Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize() else {
        return out;
    };
    let tokens: Vec<&Token> = tokens
        .iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    // Per parenthesis depth: inside a FROM list at that depth?
    let mut in_from = vec![false];
    let mut i = 0;
    while i < tokens.len() {
        let depth = in_from.len() - 1;
        let expect_name = match tokens[i] {
            Token::Word(w) => match w.keyword {
                Keyword::FROM | Keyword::JOIN => {
                    in_from[depth] = true;
                    true
                }
                Keyword::WHERE
                | Keyword::GROUP
                | Keyword::HAVING
                | Keyword::ORDER
                | Keyword::LIMIT
                | Keyword::WINDOW
                | Keyword::UNION
                | Keyword::EXCEPT
                | Keyword::INTERSECT
                | Keyword::ON
                | Keyword::USING
                | Keyword::SELECT => {
                    in_from[depth] = false;
                    false
                }
                _ => false,
            },
            Token::Comma => in_from[depth],
            Token::LParen => {
                in_from.push(false);
                false
            }
            Token::RParen => {
                if in_from.len() > 1 {
                    in_from.pop();
                }
                false
            }
            _ => false,
        };
        i += 1;
        if !expect_name {
            continue;
        }
        if matches!(tokens.get(i), Some(Token::Word(w)) if w.keyword == Keyword::LATERAL || w.keyword == Keyword::ONLY)
        {
            i += 1;
        }
        let mut parts = Vec::new();
        while let Some(Token::Word(w)) = tokens.get(i) {
            parts.push(crate::lint::names::fold_word(w));
            if matches!(tokens.get(i + 1), Some(Token::Period)) {
                i += 2;
            } else {
                i += 1;
                break;
            }
        }
        let call = matches!(tokens.get(i), Some(Token::LParen));
        if !parts.is_empty() && !call {
            out.insert(parts.join("."));
        }
    }
    out
}

/// The script, or None when the packet names no `run_as` role.
#[must_use]
pub fn script(loaded: &Loaded) -> Option<String> {
    let p: &Packet = &loaded.packet;
    let r = p.run_as.as_ref()?;
    let mut reads = BTreeSet::new();
    for m in &p.metrics {
        reads.extend(relations_read(&m.query));
    }
    for s in &p.steps {
        if let Some(w) = &s.write {
            reads.extend(relations_read(w));
        }
    }
    if let Some(a) = &p.human_gate.approval {
        reads.insert(a.table.clone());
    }
    let role = quote_qualified(&r.role);
    let list = |names: &BTreeSet<String>| {
        names
            .iter()
            .map(|n| quote_qualified(n))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let schemas: BTreeSet<String> = reads
        .iter()
        .chain(std::iter::once(&p.provenance.table))
        .filter_map(|n| n.rsplit_once('.').map(|(s, _)| s.to_owned()))
        .collect();
    let mut s = String::new();
    s.push_str(&format!(
        "-- packetc grants {}: the one-time role script of packet {}\n",
        p.name, p.name
    ));
    s.push_str(&format!(
        "-- Generated from {}/{} (sha256 {}).\n",
        p.name,
        crate::packet::SPEC_FILE,
        loaded.spec_sha256
    ));
    s.push_str("--\n");
    s.push_str("-- A DBA reviews this and runs it once on the target database, as a role that may create roles\n");
    s.push_str(&format!(
        "-- and grant on these tables: psql -X -v ON_ERROR_STOP=1 -d {} -f - < grants.sql\n",
        p.database
    ));
    s.push_str("-- Running it again changes nothing. It grants nothing on the protected objects below; preflight\n");
    s.push_str(
        "-- and the transaction steps ask PostgreSQL and stop if the role can write any of them:\n",
    );
    let mut protected: Vec<String> = r.protected_tables.clone();
    protected.extend(r.protected_columns.iter().map(|(t, c)| format!("{t}.{c}")));
    s.push_str(&format!("--   {}\n", protected.join(", ")));
    s.push_str("\\set ON_ERROR_STOP on\nBEGIN;\n\n");
    s.push_str(&format!(
        "-- The role the seed and the rollback switch to (SET LOCAL ROLE): no login, no attributes.\nDO $packetc$\nBEGIN\n  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = {}) THEN\n    CREATE ROLE {role} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS;\n  END IF;\nEND\n$packetc$;\n\n",
        quote_literal(&r.role)
    ));
    for schema in &schemas {
        s.push_str(&format!(
            "GRANT USAGE ON SCHEMA {} TO {role};\n",
            quote_qualified(schema)
        ));
    }
    s.push_str("-- Read: what the metrics, the approval check and the write read.\n");
    s.push_str(&format!(
        "GRANT SELECT ON TABLE {} TO {role};\n",
        list(&reads)
    ));
    s.push_str(
        "-- Write: the provenance table only (the seed inserts, the rollback deletes by tag).\n",
    );
    // A repeatable shape upserts (ON CONFLICT DO UPDATE needs UPDATE); a scanner also adds one
    // row per run to its run table, whose identity/serial sequences it must be able to use.
    let write = if p.shape.is_repeatable() {
        "INSERT, UPDATE, DELETE"
    } else {
        "INSERT, DELETE"
    };
    s.push_str(&format!(
        "GRANT {write} ON TABLE {} TO {role};\n",
        quote_qualified(&p.provenance.table)
    ));
    if let Some(t) = &p.provenance.run_table {
        s.push_str(&format!(
            "-- The scanner's run table: one row per run, deleted by tag on rollback.\nGRANT INSERT, DELETE ON TABLE {} TO {role};\n",
            quote_qualified(t)
        ));
        s.push_str(&format!(
            "DO $packetc$\nDECLARE\n  seq text;\nBEGIN\n  FOR seq IN SELECT pg_get_serial_sequence({t}, a.attname) FROM pg_catalog.pg_attribute a\n             WHERE a.attrelid = {t}::regclass AND a.attnum > 0 AND NOT a.attisdropped\n               AND pg_get_serial_sequence({t}, a.attname) IS NOT NULL LOOP\n    EXECUTE format('GRANT USAGE ON SEQUENCE %s TO %I', seq, {r});\n  END LOOP;\nEND\n$packetc$;\n",
            t = quote_literal(&quote_qualified(t)),
            r = quote_literal(&r.role),
        ));
    }
    s.push_str("-- The user the channel connects as must be allowed to SET ROLE to it: run this as that user,\n");
    s.push_str("-- or replace CURRENT_USER with its name (a superuser needs no membership).\n");
    s.push_str(&format!("GRANT {role} TO CURRENT_USER;\n\nCOMMIT;\n"));
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_relation_read() {
        let q = "SELECT round(100.0 * (pairs.n - gap.n) / nullif(pairs.n, 0), 2) \
                 FROM (SELECT count(*) AS n FROM v_gap) AS gap, \
                 (SELECT (SELECT count(*) FROM inv) * (SELECT count(*) FROM s.scopes) AS n) AS pairs";
        let got: Vec<String> = relations_read(q).into_iter().collect();
        assert_eq!(got, ["inv", "s.scopes", "v_gap"]);
        let w = "INSERT INTO own (a) SELECT d.k FROM domains d CROSS JOIN scopes s, unnest('{1}'::int[]) x, \"Mixed\" m WHERE d.k IN (SELECT k FROM other)";
        let got: Vec<String> = relations_read(w).into_iter().collect();
        assert_eq!(got, ["Mixed", "domains", "other", "scopes"]);
    }
}
