//! `COPY … FROM STDIN` data read as script: what psql runs when the server refuses the COPY.
//!
//! psql does not decide lexically that lines are COPY data: it sends the COPY and reads data
//! only when the server answers with CopyInResponse. When the COPY fails instead (a missing
//! table or column, a privilege, a bad option, an aborted transaction), psql goes on reading
//! the same lines as script: data lines then run as SQL and meta-commands, the `\.` line is
//! an unknown command. Unless `ON_ERROR_STOP` is on (psql stops at the failed COPY), those
//! lines are analysed here as that second reading, from the end of the COPY statement until
//! psql's state there is again the one it has when the COPY succeeds (an empty buffer at a
//! point where the successful reading also has one), so everything in between is judged.
//!
//! Only what can hurt is kept from that reading: writes (PC001–PC004), dynamic SQL and
//! side doors (PC013, PC017 for commands psql knows) and anything that names a protected
//! object and cannot be proven (never waivable). Data that is not SQL (`1\tfoo`) would be a
//! syntax error for the server and runs nothing, so it is not reported. A reading that does
//! not come back in step within a budget of the file's size is a finding (fail closed).

use crate::lint::engine::Engine;
use crate::lint::rules;
use crate::lint::scan::{Item, Scanner};
use crate::lint::slash;

/// How many bytes the second readings of one file may scan in all: a few times its size, so
/// hostile input (many COPY blocks that never come back in step) stays linear.
#[must_use]
pub fn budget(text: &str) -> usize {
    text.len().saturating_mul(4).saturating_add(1 << 20)
}

/// Codes that a second reading reports: the ones about writes and side doors.
const KEPT: [&str; 6] = ["PC001", "PC002", "PC003", "PC004", "PC013", "PC017"];

impl Engine<'_> {
    /// The lines from `from` (the end of the COPY statement) read as script, as psql reads
    /// them when the COPY fails; `data_end` is where the successful reading resumes.
    pub(crate) fn copy_data_as_sql(&mut self, from: usize, data_end: usize) {
        if self.on_error_stop {
            return;
        }
        let text = self.text;
        // Where the data starts: the line after the COPY statement's end.
        let data_start = text[from..].find('\n').map_or(text.len(), |i| from + i + 1);
        let before = self.findings.len();
        // The second reading never scans past what its budget allows: the scanner sees the
        // text only up to there (an item reaching the cut is over budget, as the whole item
        // would be), so one item swallowing the rest of the file (an unclosed `/*` in every
        // block's data) costs the budget, not the file's length once per COPY.
        let mut cut = from.saturating_add(self.copy_budget).saturating_add(1);
        if cut >= text.len() {
            cut = text.len();
        } else {
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
        }
        let truncated = cut < text.len();
        let mut fail = Scanner::starting_at(&text[..cut], true, from);
        // The successful reading from where it resumes, advanced in step to find a point
        // where both readings have an empty buffer.
        let mut ok = Scanner::starting_at(text, true, data_end);
        let mut ok_idle_at = vec![data_end];
        let mut stopped_early = false;
        loop {
            let at = fail.position();
            if at >= data_end && fail.idle() {
                while ok.position() < at {
                    if ok.next().is_none() {
                        break;
                    }
                    if ok.idle() {
                        ok_idle_at.push(ok.position());
                    }
                }
                if ok_idle_at.contains(&at) {
                    break;
                }
            }
            let Some(item) = fail.next() else {
                // The end of the text the reading may see is not the end of the file.
                if truncated {
                    self.copy_budget = self.copy_budget.saturating_sub(fail.position() - at);
                    stopped_early = true;
                }
                break;
            };
            let now = fail.position();
            let used = now.saturating_sub(at).max(1);
            if used > self.copy_budget || (truncated && now >= cut) {
                // What was scanned is spent (the budget counts bytes scanned): otherwise every
                // later COPY would scan the same remainder again and stop at the same place.
                self.copy_budget = self.copy_budget.saturating_sub(used);
                stopped_early = true;
                break;
            }
            self.copy_budget -= used;
            fail.take_allows();
            match item {
                // A statement completed on the COPY's own line is read the same way by the
                // successful reading, which judges it.
                Item::Stmt(s) if s.end <= data_start => {}
                Item::Stmt(s) => {
                    if !s.blank && !s.discarded && s.via.as_deref() != Some("gdesc") {
                        let mark = self.findings.len();
                        self.top_statement(&s);
                        if s.end > data_end {
                            // Data glued to the file's own SQL: the successful reading judges
                            // that SQL (findings from `data_end` on are its own); of the glued
                            // data only writes and side doors count.
                            let cut = self.idx.pos(data_end);
                            let mut i = mark;
                            while i < self.findings.len() {
                                let f = &self.findings[i].1;
                                let after = (f.line as u64, f.col as u64) >= (cut.line, cut.col);
                                if KEPT.contains(&f.code) && !after {
                                    i += 1;
                                } else {
                                    self.findings.remove(i);
                                }
                            }
                        }
                    }
                }
                // An unknown command (`\.`, `\N` of the data) is an error psql skips with the
                // rest of its line.
                Item::Meta(m) if slash::is_command(&m.name) => self.meta(&m),
                Item::Meta(_) | Item::CopyData { .. } | Item::Unterminated { .. } => {}
            }
        }
        let new: Vec<_> = self.findings.drain(before..).collect();
        for (region, mut f) in new {
            let kept = KEPT.contains(&f.code) || !f.suppressible;
            let dup = self.findings[..before]
                .iter()
                .any(|(_, g)| g.code == f.code && g.line == f.line && g.col == f.col);
            if kept && !dup {
                f.message = format!(
                    "if the COPY above fails, psql runs its data lines as script: {}",
                    f.message
                );
                self.findings.push((region, f));
            }
        }
        if stopped_early {
            let pos = self.idx.pos(from);
            self.report(
                &rules::pc017_unmodelled_psql::RULE,
                pos,
                1,
                "if this COPY fails, psql reads its data as script, and that reading does not come back in step with the rest of the file within the linter's budget".into(),
                "set ON_ERROR_STOP on before the COPY, or load the data with \\copy from a file",
                None,
            );
        }
    }
}
