//! Token-level checks that hold inside any expression (`session_replication_role`,
//! `set_config(…)`, the policy's `sql_functions`), and the one cheap pass over a statement's
//! words that decides whether they (and the protected-name search) need to run at all.

use super::Engine;
use crate::lint::finding::Pos;
use crate::lint::names::{self, contains_ci};
use crate::lint::rules;
use sqlparser::tokenizer::{Token, TokenWithSpan};

impl Engine<'_> {
    /// (whether a token-level scan is needed, whether a protected name may be mentioned):
    /// one pass over the words, comparing only words of a matching length.
    pub(super) fn word_flags(&self, toks: &[TokenWithSpan]) -> (bool, bool) {
        let (mut scan, mut mention) = (false, false);
        for t in toks {
            let Token::Word(w) = &t.token else { continue };
            let v = w.value.as_str();
            let eq = |n: &str| n.len() == v.len() && n.eq_ignore_ascii_case(v);
            if !scan
                && (eq("set_config")
                    || eq("session_replication_role")
                    || self.policy.functions.iter().any(|f| eq(&f.name)))
            {
                scan = true;
            }
            if !mention
                && (self.policy.tables.iter().any(|p| eq(&p.table))
                    || self.policy.columns.iter().any(|c| eq(&c.table)))
            {
                mention = true;
            }
            if scan && mention {
                break;
            }
        }
        (scan, mention)
    }

    /// The policy's `sql_functions` entry a word names.
    fn policy_function(
        &self,
        w: &sqlparser::tokenizer::Word,
    ) -> Option<&crate::lint::policy::NamedEntry> {
        self.policy
            .functions
            .iter()
            .find(|f| names::word_is(w, &f.name))
    }

    /// Whether `hay` may contain something [`Engine::scan_tokens`] looks for (a cheap, ASCII
    /// case-insensitive substring test that lets expressions skip tokenizing).
    pub(crate) fn may_need_token_scan(&self, hay: &str) -> bool {
        let b = hay.as_bytes();
        contains_ci(b, b"set_config")
            || contains_ci(b, b"replication_role")
            || self
                .policy
                .functions
                .iter()
                .any(|f| contains_ci(b, f.name.as_bytes()))
    }

    /// Token-level checks that hold inside any expression: `session_replication_role`,
    /// `set_config(…)` and the policy's `sql_functions`.
    pub(crate) fn scan_tokens(&mut self, toks: &[TokenWithSpan], inert: bool) {
        let relevant = toks.iter().any(|t| match &t.token {
            Token::Word(w) => {
                w.value.eq_ignore_ascii_case("set_config")
                    || w.value.eq_ignore_ascii_case("session_replication_role")
                    || self.policy_function(w).is_some()
            }
            _ => false,
        });
        if !relevant {
            return;
        }
        let sig: Vec<&TokenWithSpan> = toks
            .iter()
            .filter(|t| !matches!(t.token, Token::Whitespace(_)))
            .collect();
        for (i, t) in sig.iter().enumerate() {
            let Token::Word(w) = &t.token else { continue };
            if let Some(f) = self.policy_function(w) {
                if sig.get(i + 1).is_some_and(|n| n.token == Token::LParen) {
                    let f = f.clone();
                    let pos = Pos::from_loc(t.span.start);
                    let len = w.value.chars().count();
                    rules::pc013_dynamic_sql::policy_function_call(self, pos, len, &f);
                }
                continue;
            }
            rules::pc004_trigger_bypass::check_token(self, &sig, i, w, inert);
        }
    }
}
