//! Is a `pattern` a regular expression PostgreSQL's `~` accepts? A syntax check of
//! PostgreSQL's advanced regular expressions (ARE), following `src/backend/regex/regc_lex.c` and
//! `regcomp.c`, so a bad pattern is a spec error instead of a script that fails at run time.
//!
//! `tests/it/spec/pattern_pg.rs` feeds a corpus of patterns to a real PostgreSQL (`'x' ~ pattern`)
//! and requires the same accept/reject answer for every one. The messages are PostgreSQL's.

/// PostgreSQL's largest repetition count (`DUPMAX`).
const DUPMAX: u32 = 255;

const CLASSES: [&str; 14] = [
    "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct",
    "space", "upper", "xdigit", "word",
];

/// Check `pattern`; the error is PostgreSQL's message for it.
pub fn check(pattern: &str) -> Result<(), &'static str> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut p = Parser {
        s: &chars,
        i: 0,
        expanded: false,
        opened: 0,
        closed: Vec::new(),
    };
    if let Some(rest) = pattern.strip_prefix("***") {
        if rest.starts_with('=') {
            return Ok(()); // the rest is a literal string
        }
        if !rest.starts_with(':') {
            return Err("invalid regular expression: quantifier operand invalid");
        }
        p.i = 4;
    }
    // Embedded options, only at the start: (?bcegimnpqstwx)
    if p.peek(0) == Some('(') && p.peek(1) == Some('?') {
        let mut j = p.i + 2;
        let mut literal = false;
        let mut letters = false;
        while let Some(&c) = chars.get(j) {
            if !c.is_ascii_alphabetic() {
                break;
            }
            letters = true;
            match c {
                'x' => p.expanded = true,
                't' => p.expanded = false,
                'q' => literal = true,
                'b' | 'c' | 'e' | 'g' | 'i' | 'm' | 'n' | 'p' | 's' | 'w' => {}
                _ => return Err("invalid regular expression: invalid embedded option"),
            }
            j += 1;
        }
        if letters {
            if chars.get(j) != Some(&')') {
                return Err("invalid regular expression: invalid embedded option");
            }
            if literal {
                return Ok(());
            }
            p.i = j + 1;
        }
    }
    p.alternation(false)?;
    if p.i < chars.len() {
        // only a stray ')' stops the top level
        return Err("invalid regular expression: parentheses () not balanced");
    }
    Ok(())
}

struct Parser<'a> {
    s: &'a [char],
    i: usize,
    expanded: bool,
    /// Capturing groups opened so far.
    opened: usize,
    /// Whether each capturing group (1-based index - 1) is complete.
    closed: Vec<bool>,
}

enum Atom {
    /// Something a quantifier may follow.
    Quantifiable,
    /// A constraint (`^`, `$`, `\A`, a lookaround): no quantifier may follow.
    Constraint,
}

impl Parser<'_> {
    fn peek(&self, k: usize) -> Option<char> {
        self.s.get(self.i + k).copied()
    }

    fn skip_expanded(&mut self) {
        if !self.expanded {
            return;
        }
        while let Some(c) = self.peek(0) {
            if c.is_whitespace() {
                self.i += 1;
            } else if c == '#' {
                while self.peek(0).is_some_and(|c| c != '\n') {
                    self.i += 1;
                }
            } else {
                break;
            }
        }
    }

    /// branch ('|' branch)*; stops before ')' or at the end.
    fn alternation(&mut self, in_lookaround: bool) -> Result<(), &'static str> {
        loop {
            self.branch(in_lookaround)?;
            if self.peek(0) == Some('|') {
                self.i += 1;
            } else {
                return Ok(());
            }
        }
    }

    fn branch(&mut self, in_lookaround: bool) -> Result<(), &'static str> {
        loop {
            self.skip_expanded();
            let Some(c) = self.peek(0) else {
                return Ok(());
            };
            let atom = match c {
                '|' | ')' => return Ok(()),
                '*' | '+' | '?' => return Err(BADRPT),
                '{' if self.peek(1).is_some_and(|d| d.is_ascii_digit()) => return Err(BADRPT),
                '^' | '$' => {
                    self.i += 1;
                    Atom::Constraint
                }
                '(' => self.group(in_lookaround)?,
                '[' => {
                    self.i += 1;
                    self.bracket()?;
                    Atom::Quantifiable
                }
                '\\' => self.escape(in_lookaround)?,
                _ => {
                    self.i += 1;
                    Atom::Quantifiable
                }
            };
            self.skip_expanded();
            let quantified = self.quantifier()?;
            if quantified && matches!(atom, Atom::Constraint) {
                return Err(BADRPT);
            }
        }
    }

    fn group(&mut self, in_lookaround: bool) -> Result<Atom, &'static str> {
        self.i += 1; // (
        let mut atom = Atom::Quantifiable;
        let mut capture = None;
        let mut lookaround = in_lookaround;
        if self.peek(0) == Some('?') {
            match (self.peek(1), self.peek(2)) {
                (Some(':'), _) => self.i += 2,
                (Some('=' | '!'), _) => {
                    self.i += 2;
                    atom = Atom::Constraint;
                    lookaround = true;
                }
                (Some('<'), Some('=' | '!')) => {
                    self.i += 3;
                    atom = Atom::Constraint;
                    lookaround = true;
                }
                _ => return Err(BADRPT),
            }
        } else if !in_lookaround {
            self.opened += 1;
            self.closed.push(false);
            capture = Some(self.opened - 1);
        }
        self.alternation(lookaround)?;
        if self.peek(0) != Some(')') {
            return Err("invalid regular expression: parentheses () not balanced");
        }
        self.i += 1;
        if let Some(n) = capture {
            self.closed[n] = true;
        }
        Ok(atom)
    }

    /// `*`, `+`, `?`, `{m}`, `{m,}`, `{m,n}`, each optionally followed by `?`; true if one was read.
    fn quantifier(&mut self) -> Result<bool, &'static str> {
        match self.peek(0) {
            Some('*' | '+' | '?') => self.i += 1,
            Some('{') if self.peek(1).is_some_and(|d| d.is_ascii_digit()) => {
                self.i += 1;
                let m = self.number()?;
                let n = if self.peek(0) == Some(',') {
                    self.i += 1;
                    if self.peek(0).is_some_and(|d| d.is_ascii_digit()) {
                        Some(self.number()?)
                    } else {
                        None
                    }
                } else {
                    Some(m)
                };
                if self.peek(0) != Some('}') {
                    return Err(match self.peek(0) {
                        None => "invalid regular expression: braces {} not balanced",
                        Some(_) => "invalid regular expression: invalid repetition count(s)",
                    });
                }
                self.i += 1;
                if n.is_some_and(|n| m > n) {
                    return Err("invalid regular expression: invalid repetition count(s)");
                }
            }
            _ => return Ok(false),
        }
        if self.peek(0) == Some('?') {
            self.i += 1;
        }
        if matches!(self.peek(0), Some('*' | '+' | '?'))
            || (self.peek(0) == Some('{') && self.peek(1).is_some_and(|d| d.is_ascii_digit()))
        {
            return Err(BADRPT);
        }
        Ok(true)
    }

    fn number(&mut self) -> Result<u32, &'static str> {
        let mut n: u32 = 0;
        while let Some(d) = self.peek(0).and_then(|c| c.to_digit(10)) {
            n = n.saturating_mul(10).saturating_add(d);
            self.i += 1;
        }
        if n > DUPMAX {
            return Err("invalid regular expression: invalid repetition count(s)");
        }
        Ok(n)
    }

    fn digits(&mut self, radix: u32, min: usize, max: usize) -> Result<u32, &'static str> {
        let mut n: u32 = 0;
        let mut count = 0;
        while count < max {
            let Some(d) = self.peek(0).and_then(|c| c.to_digit(radix)) else {
                break;
            };
            n = n.saturating_mul(radix).saturating_add(d);
            self.i += 1;
            count += 1;
        }
        if count < min {
            return Err(EESCAPE);
        }
        Ok(n)
    }

    /// An escape outside brackets (the backslash is at `self.i`).
    fn escape(&mut self, in_lookaround: bool) -> Result<Atom, &'static str> {
        self.i += 1;
        let Some(c) = self.peek(0) else {
            return Err(EESCAPE);
        };
        self.i += 1;
        match c {
            'A' | 'Z' | 'm' | 'M' | 'y' | 'Y' => return Ok(Atom::Constraint),
            '1'..='9' => {
                let start = self.i - 1;
                self.i = start;
                let n = self.digits(10, 1, 255)?;
                let one_digit = self.i == start + 1;
                let n = usize::try_from(n).unwrap_or(usize::MAX);
                if one_digit || (n > 0 && n <= self.opened) {
                    if in_lookaround || n == 0 || n > self.closed.len() || !self.closed[n - 1] {
                        return Err("invalid regular expression: invalid backreference number");
                    }
                    return Ok(Atom::Quantifiable);
                }
                self.i = start;
                self.octal()?;
            }
            '0' => {
                self.i -= 1;
                self.octal()?;
            }
            _ => self.char_escape(c)?,
        }
        Ok(Atom::Quantifiable)
    }

    fn octal(&mut self) -> Result<(), &'static str> {
        let start = self.i;
        let c = self.digits(8, 1, 3)?;
        if c > 0xff {
            self.i = start + 2;
        }
        Ok(())
    }

    /// Escapes valid both outside and inside brackets (the escaped char `c` was consumed).
    fn char_escape(&mut self, c: char) -> Result<(), &'static str> {
        match c {
            c if !c.is_alphanumeric() => Ok(()),
            'a' | 'b' | 'B' | 'e' | 'f' | 'n' | 'r' | 't' | 'v' | 'd' | 'D' | 's' | 'S' | 'w'
            | 'W' => Ok(()),
            'c' => {
                if self.peek(0).is_none() {
                    return Err(EESCAPE);
                }
                self.i += 1;
                Ok(())
            }
            'u' => self.digits(16, 4, 4).map(|_| ()),
            'U' => {
                let v = self.digits(16, 8, 8)?;
                if v > 0x10_FFFF {
                    return Err(EESCAPE);
                }
                Ok(())
            }
            'x' => {
                let start = self.i;
                let mut n: u64 = 0;
                while let Some(d) = self.peek(0).and_then(|c| c.to_digit(16)) {
                    n = n.saturating_mul(16).saturating_add(u64::from(d));
                    self.i += 1;
                    if self.i - start >= 255 {
                        break;
                    }
                }
                if self.i == start || n > 0x10_FFFF {
                    return Err(EESCAPE);
                }
                Ok(())
            }
            _ => Err(EESCAPE),
        }
    }

    /// A bracket expression (after the `[`).
    fn bracket(&mut self) -> Result<(), &'static str> {
        if self.peek(0) == Some('^') {
            self.i += 1;
        }
        let mut first = true;
        loop {
            let Some(c) = self.peek(0) else {
                return Err(EBRACK);
            };
            if c == ']' && !first {
                self.i += 1;
                return Ok(());
            }
            first = false;
            let start = self.bracket_element()?;
            // A range?
            if self.peek(0) == Some('-') && self.peek(1).is_some_and(|c| c != ']') {
                self.i += 1;
                let end = self.bracket_element()?;
                match (start, end) {
                    (Some(a), Some(b)) if a <= b => {}
                    _ => return Err("invalid regular expression: invalid character range"),
                }
            }
        }
    }

    /// One element; `Some(char)` when it can end a range.
    fn bracket_element(&mut self) -> Result<Option<char>, &'static str> {
        let c = self.peek(0).ok_or(EBRACK)?;
        self.i += 1;
        match c {
            '[' if matches!(self.peek(0), Some(':' | '=' | '.')) => {
                let kind = self.peek(0).unwrap_or(':');
                self.i += 1;
                let begin = self.i;
                loop {
                    match (self.peek(0), self.peek(1)) {
                        (None, _) => return Err(EBRACK),
                        (Some(a), Some(']')) if a == kind => break,
                        _ => self.i += 1,
                    }
                }
                let name: String = self.s[begin..self.i].iter().collect();
                self.i += 2;
                match kind {
                    ':' if CLASSES.contains(&name.as_str()) => Ok(None),
                    ':' => Err("invalid regular expression: invalid character class"),
                    _ if name.chars().count() == 1 => Ok(name.chars().next()),
                    _ => Err("invalid regular expression: invalid collating element"),
                }
            }
            '\\' => {
                let e = self.peek(0).ok_or(EESCAPE)?;
                self.i += 1;
                match e {
                    'd' | 'D' | 's' | 'S' | 'w' | 'W' => Ok(None),
                    'A' | 'Z' | 'm' | 'M' | 'y' | 'Y' | '1'..='9' => Err(EESCAPE),
                    '0' => {
                        self.i -= 1;
                        self.octal()?;
                        Ok(Some('\0'))
                    }
                    _ => {
                        let at = self.i;
                        self.char_escape(e)?;
                        // A plain escaped char ends a range as itself; coded ones are not
                        // ordered here (rare), so treat them as permissive.
                        Ok(if self.i == at && !e.is_alphanumeric() {
                            Some(e)
                        } else {
                            Some('\0')
                        })
                    }
                }
            }
            c => Ok(Some(c)),
        }
    }
}

const BADRPT: &str = "invalid regular expression: quantifier operand invalid";
const EESCAPE: &str = "invalid regular expression: invalid escape \\ sequence";
const EBRACK: &str = "invalid regular expression: brackets [] not balanced";

/// The pattern as a `regex` crate expression with the same meaning, when it uses only the
/// constructs both engines read alike (literals, `.`, anchors, groups, alternation, quantifiers,
/// simple bracket expressions with POSIX classes, `\d \s \w` and escaped punctuation); `None`
/// otherwise (backreferences, lookaround, word constraints, numeric escapes, options, ...).
/// `apply` uses it to check `--var` values before anything runs; the run's probe asks the server.
#[must_use]
pub fn portable(pattern: &str) -> Option<String> {
    check(pattern).ok()?;
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '(' if chars.get(i + 1) == Some(&'?') => {
                if chars.get(i + 2) != Some(&':') {
                    return None;
                }
                out.push_str("(?:");
                i += 3;
                continue;
            }
            '.' | '^' | '$' | '|' | '(' | ')' | '*' | '+' | '?' => out.push(c),
            '{' if chars.get(i + 1).is_some_and(char::is_ascii_digit) => {
                while i < chars.len() && chars[i] != '}' {
                    out.push(chars[i]);
                    i += 1;
                }
                out.push('}');
            }
            '\\' => {
                let e = *chars.get(i + 1)?;
                match e {
                    'd' | 's' | 'w' | 'D' | 'S' | 'W' => {
                        out.push('\\');
                        out.push(e);
                    }
                    e if !e.is_alphanumeric() => out.push_str(&regex::escape(&e.to_string())),
                    _ => return None,
                }
                i += 2;
                continue;
            }
            '[' => {
                i = bracket_portable(&chars, i + 1, &mut out)?;
                continue;
            }
            c if c.is_whitespace() || c == '#' => out.push_str(&regex::escape(&c.to_string())),
            c => out.push_str(&regex::escape(&c.to_string())),
        }
        i += 1;
    }
    Some(out)
}

/// Whether `value` matches `pattern` as PostgreSQL's `value ~ pattern` would; `true` (the
/// run's probe asks the server) when the pattern is outside the portable subset or the value is
/// not ASCII, where classes like `\w` depend on the database's encoding and locale.
#[must_use]
pub fn matches(pattern: &str, value: &str) -> bool {
    if !value.is_ascii() {
        return true;
    }
    portable(pattern)
        .and_then(|p| regex::Regex::new(&p).ok())
        .is_none_or(|re| re.is_match(value))
}

/// A bracket expression from after its `[`; returns the index after its `]`.
fn bracket_portable(chars: &[char], mut i: usize, out: &mut String) -> Option<usize> {
    out.push('[');
    if chars.get(i) == Some(&'^') {
        out.push('^');
        i += 1;
    }
    let mut first = true;
    loop {
        let c = *chars.get(i)?;
        match c {
            ']' if !first => {
                out.push(']');
                return Some(i + 1);
            }
            '[' if chars.get(i + 1) == Some(&':') => {
                let end = (i + 2..chars.len().saturating_sub(1))
                    .find(|&j| chars[j] == ':' && chars[j + 1] == ']')?;
                let name: String = chars[i + 2..end].iter().collect();
                out.push_str(&format!("[:{name}:]"));
                i = end + 2;
            }
            '[' if matches!(chars.get(i + 1), Some('.' | '=')) => return None,
            '\\' => {
                let e = *chars.get(i + 1)?;
                match e {
                    'd' | 's' | 'w' => {
                        out.push('\\');
                        out.push(e);
                    }
                    e if !e.is_alphanumeric() => out.push_str(&regex::escape(&e.to_string())),
                    _ => return None,
                }
                i += 2;
            }
            '-' if !first && chars.get(i + 1) != Some(&']') => {
                out.push('-');
                i += 1;
            }
            c => {
                out.push_str(&regex::escape(&c.to_string()));
                i += 1;
            }
        }
        first = false;
    }
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn the_bundled_pattern_and_common_mistakes() {
        assert!(check("^APR-[A-Z0-9]+(-[A-Z0-9]+)*$").is_ok());
        for bad in [
            "^APR-[A-Z",
            "(a",
            "a)",
            "*a",
            "a**",
            "a{3,1}",
            "\\",
            "[z-a]",
            "[[:foo:]]",
        ] {
            assert!(check(bad).is_err(), "{bad} must be rejected");
        }
    }
}
