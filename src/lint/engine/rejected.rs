//! A statement sqlparser rejected: [`crate::lint::fallback`] may still judge it by the
//! protected names it contains (each a write that can set any column); otherwise it is PC010.

use super::statement::first_words;
use super::Engine;
use crate::lint::effects::{self, Cols, NameRef, Write, WriteKind};
use crate::lint::fallback::Judge;
use crate::lint::finding::Pos;
use sqlparser::tokenizer::TokenWithSpan;

impl Engine<'_> {
    /// A statement sqlparser rejected, of a kind [`crate::lint::fallback`] may judge by the
    /// protected names it contains: each is a DDL write that can set any column.
    /// `toks` are the statement's tokens, positions already mapped to the file.
    pub(super) fn judge_by_names(
        &mut self,
        toks: &[TokenWithSpan],
        mentions: &[NameRef],
        start: Pos,
        first_len: usize,
        drop_cascade: bool,
    ) -> bool {
        let first = first_words(toks);
        let Some(judge) = crate::lint::fallback::classify(&first, toks) else {
            return false;
        };
        let target = match judge {
            Judge::Reads => return true,
            // With CASCADE its reach is unknown: read below like a statement naming things.
            Judge::NoRelation if !drop_cascade => {
                let at = NameRef {
                    schema: None,
                    name: String::new(),
                    pos: start,
                    len: first_len,
                    from_var: false,
                };
                self.writes
                    .push(Write::new(WriteKind::Ddl("DDL statement"), at));
                return true;
            }
            Judge::ByNames | Judge::NoRelation => None,
            Judge::Dml(k) => {
                let kind = match k {
                    "INSERT into" => WriteKind::Insert,
                    "UPDATE of" => WriteKind::Update,
                    "DELETE from" => WriteKind::Delete,
                    "MERGE into" => WriteKind::Merge,
                    _ => WriteKind::Copy,
                };
                let Some(target) = crate::lint::fallback::dml_target(toks) else {
                    return false;
                };
                // sqlparser could not read the column list: any column.
                let mut w = Write::new(kind, target.clone());
                w.cols = Cols::Any;
                self.mark_temp(&mut w);
                self.writes.push(w);
                Some(target)
            }
        };
        let dml = target.is_some();
        let at = NameRef {
            schema: None,
            name: String::new(),
            pos: start,
            len: first_len,
            from_var: false,
        };
        // Every other protected name: it may be written or altered (sqlparser could not say).
        for m in mentions {
            if target
                .as_ref()
                .is_some_and(|t| t.pos == m.pos && t.name == m.name)
            {
                continue;
            }
            let mut w = Write::new(WriteKind::Ddl("statement naming"), m.clone());
            w.cols = Cols::Any;
            self.mark_temp(&mut w);
            self.writes.push(w);
        }
        if drop_cascade {
            let mut w = Write::new(WriteKind::Ddl("… CASCADE changes"), effects::anything(&at));
            w.cols = Cols::Any;
            self.writes.push(w);
        }
        if mentions.is_empty() && !drop_cascade && !dml {
            // DDL on something else: still a write for the packet rules.
            self.writes
                .push(Write::new(WriteKind::Ddl("DDL statement"), at));
        }
        true
    }
}
