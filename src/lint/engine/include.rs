//! `\i` / `\ir`: lint the included file with the same policy and report its findings at the
//! include, following at most `MAX_INCLUDES` levels and refusing cycles.

use super::{Engine, MAX_INCLUDES};
use crate::lint::finding::Pos;
use crate::lint::rules;
use crate::lint::scan::Meta;
use std::path::{Path, PathBuf};

impl Engine<'_> {
    pub(super) fn include(&mut self, m: &Meta, pos: Pos, len: usize) {
        let arg = m
            .args
            .split_whitespace()
            .next()
            .unwrap_or("")
            .trim_matches(|c| c == '\'' || c == '"');
        let base = if m.name.starts_with("ir") || m.name == "include_relative" {
            Path::new(self.path)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default()
        } else {
            PathBuf::new()
        };
        let path = base.join(arg);
        if arg.is_empty() {
            rules::pc015_missing_include::no_name(self, pos, len);
            return;
        }
        let canonical = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        let seen = self
            .includes
            .iter()
            .any(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()) == canonical);
        if seen || self.includes.len() >= MAX_INCLUDES {
            rules::pc015_missing_include::cycle(self, pos, len, &path.display().to_string());
            return;
        }
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                let shown = path.display().to_string();
                rules::pc015_missing_include::unreadable(self, pos, len, &shown, &e.to_string());
                return;
            }
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let name = path.display().to_string();
        let mut stack = self.includes.clone();
        stack.push(path.clone());
        let inner = crate::lint::lint_text_with(&name, &text, &self.policy, None, stack);
        for f in inner {
            let rule = rules::lookup(f.code)
                .copied()
                .unwrap_or(rules::pc010_unparseable_statement::RULE);
            self.report_full(
                &rule,
                pos,
                len,
                format!("in included {}:{}:{}: {}", name, f.line, f.col, f.message),
                &f.help,
                f.reason.as_deref(),
                f.suppressible,
            );
        }
    }
}
