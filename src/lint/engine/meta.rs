//! psql meta-commands: the meta-command rules, `\set ON_ERROR_STOP`, `\copy … from` (a write),
//! and includes ([`super::include`]).

use super::origin::Origin;
use super::Engine;
use crate::lint::finding::Pos;
use crate::lint::names::find_word_ci;
use crate::lint::rules;
use crate::lint::scan::Meta;

impl Engine<'_> {
    pub(crate) fn meta(&mut self, m: &Meta) {
        let pos = self.idx.pos(m.start);
        let len = self.text[m.start..m.end].chars().count();
        rules::pc017_unmodelled_psql::check_meta(self, m);
        rules::pc013_dynamic_sql::check_meta(self, m, pos, len);
        match m.name.as_str() {
            "set" => {
                let mut it = m.args.split_whitespace();
                if it.next() == Some("ON_ERROR_STOP") {
                    let v = it
                        .next()
                        .unwrap_or("")
                        .trim_matches('\'')
                        .to_ascii_lowercase();
                    self.on_error_stop = matches!(v.as_str(), "on" | "true" | "1" | "yes");
                }
            }
            "copy" => self.backslash_copy(m),
            "i" | "include" | "ir" | "include_relative" => self.include(m, pos, len),
            _ => {}
        }
    }

    /// `\copy table [(cols)] from …` is a write (it runs COPY FROM STDIN client-side).
    fn backslash_copy(&mut self, m: &Meta) {
        let lower = m.args.to_ascii_lowercase();
        // psql's own word split: `t(a)from stdin` holds `from`.
        let words = crate::lint::slash::copy_words(&m.args);
        let from = words.iter().position(|w| w == "from");
        let to = words.iter().position(|w| w == "to");
        let is_from = match (from, to) {
            (Some(f), Some(t)) => f < t,
            (Some(_), None) => true,
            _ => false,
        };
        if lower.contains("program") {
            rules::pc013_dynamic_sql::copy_program(self, self.idx.pos(m.start), 2, true);
        }
        if !is_from || m.args.starts_with('(') {
            return;
        }
        // Parse `COPY <table> [(cols)] FROM STDIN` with sqlparser for exact name resolution.
        let name_end = m.start + 1 + m.name.len();
        let args_start = self.text[name_end..m.end]
            .find(m.args.as_str())
            .map_or(name_end, |i| name_end + i);
        let cut = find_word_ci(&m.args, "from").unwrap_or(m.args.len());
        let sql = format!("COPY {} FROM STDIN", &m.args[..cut]);
        let p = self.idx.pos(args_start);
        let origin = Origin {
            pos: Pos {
                line: p.line,
                col: p.col.saturating_sub(5).max(1),
            },
            pinned: false,
        };
        self.writes.clear();
        self.analyze_sql(&sql, origin, 0);
        let writes = std::mem::take(&mut self.writes);
        let pos = self.idx.pos(m.start);
        rules::check_writes(self, &writes, pos);
    }
}
