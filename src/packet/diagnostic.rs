//! A problem in a packet spec, pointing at its place in packet.yaml.

use std::fmt;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode, SourceSpan};
use serde_saphyr::Location;

use super::codes::SpecCode;

/// One validation problem: what is wrong, where, and what to do about it.
#[derive(Debug, Clone)]
pub struct SpecDiagnostic {
    /// Stable code of the check from the registry (`PS012`), see [`super::codes`].
    pub code: &'static str,
    /// The code's kebab-case name (`unknown-metric`).
    pub name: &'static str,
    pub message: String,
    pub label: String,
    pub help: Option<String>,
    pub span: Option<SourceSpan>,
    pub source: Arc<NamedSource<String>>,
}

impl SpecDiagnostic {
    /// 1-based (line, column) of the span, for messages and tests.
    #[must_use]
    pub fn line_col(&self) -> Option<(usize, usize)> {
        let span = self.span?;
        let text = self.source.inner();
        let before = text.get(..span.offset())?;
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Some((line, col))
    }
}

impl fmt::Display for SpecDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SpecDiagnostic {}

impl Diagnostic for SpecDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(format!("{} {}", self.code, self.name)))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(self.source.as_ref())
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span?;
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            Some(self.label.clone()),
            span,
        ))))
    }
}

/// Collects diagnostics against one source file.
pub struct Sink {
    pub source: Arc<NamedSource<String>>,
    pub diags: Vec<SpecDiagnostic>,
}

impl Sink {
    pub fn new(name: &str, text: &str) -> Sink {
        Sink {
            source: Arc::new(NamedSource::new(name, text.to_owned())),
            diags: Vec::new(),
        }
    }

    /// Report a problem at a YAML location.
    pub fn at(
        &mut self,
        code: &'static SpecCode,
        loc: &Location,
        message: impl Into<String>,
        label: impl Into<String>,
        help: impl Into<String>,
    ) {
        let span = span_of(loc, self.source.inner());
        self.at_span(code, span, message, label, help);
    }

    /// Report a problem at a byte range of the source.
    pub fn at_span(
        &mut self,
        code: &'static SpecCode,
        span: Option<SourceSpan>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: impl Into<String>,
    ) {
        let help = help.into();
        self.diags.push(SpecDiagnostic {
            code: code.code,
            name: code.name,
            message: message.into(),
            label: label.into(),
            help: (!help.is_empty()).then_some(help),
            span,
            source: Arc::clone(&self.source),
        });
    }
}

/// The byte span of a YAML location; when the parser gave no byte length, the rest of the line.
pub fn span_of(loc: &Location, text: &str) -> Option<SourceSpan> {
    if loc.line() == 0 {
        return None;
    }
    let span = loc.span();
    let offset = match span.byte_offset() {
        Some(o) => usize::try_from(o).ok()?,
        None => offset_of_line_col(text, loc.line(), loc.column())?,
    };
    let len = span
        .byte_len()
        .and_then(|l| usize::try_from(l).ok())
        .filter(|l| *l > 0)
        .unwrap_or_else(|| {
            text.get(offset..)
                .map_or(0, |rest| rest.find('\n').unwrap_or(rest.len()))
        });
    // Block scalars end at the next key: keep the label on the value's own lines.
    let len = text
        .get(offset..offset + len)
        .map_or(len, |t| t.trim_end().len().max(1));
    Some(SourceSpan::new(offset.into(), len))
}

fn offset_of_line_col(text: &str, line: u64, col: u64) -> Option<usize> {
    let line = usize::try_from(line).ok()?;
    let col = usize::try_from(col).ok()?;
    let start: usize = text
        .split_inclusive('\n')
        .take(line - 1)
        .map(str::len)
        .sum();
    let rest = text.get(start..)?;
    let byte_col: usize = rest
        .chars()
        .take(col.saturating_sub(1))
        .map(char::len_utf8)
        .sum();
    Some(start + byte_col)
}
