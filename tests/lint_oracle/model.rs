//! What packetc's scanner says psql sends for a script: the expected wire messages, each
//! built from the scanner's statement positions (`wire_start..wire_end` minus its holes, with
//! the oracle's `-v` variables interpolated as psql does).

use packetc::lint::scan::{Item, Scanner, Stmt, VarKind};

use super::proxy::Msg;
use super::runner::VARS;

fn var_value(name: &str) -> Option<&'static str> {
    VARS.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
}

/// psql's `PQescapeLiteral` / `PQescapeIdentifier` for the values the oracle uses.
fn quote(v: &str, q: char) -> String {
    let mut out = String::new();
    if q == '\'' && v.contains('\\') {
        out.push_str(" E");
    }
    out.push(q);
    for c in v.chars() {
        if c == q || (q == '\'' && c == '\\') {
            out.push(c);
        }
        out.push(c);
    }
    out.push(q);
    out
}

/// The bytes psql puts in its buffer for a run of glued statements.
fn wire(text: &str, group: &[&Stmt], all_vars: &[packetc::lint::scan::Var]) -> Vec<u8> {
    let (Some(first), Some(last)) = (group.first(), group.last()) else {
        return Vec::new();
    };
    let mut holes: Vec<(usize, usize)> = group.iter().flat_map(|s| s.holes.clone()).collect();
    holes.sort_unstable();
    let vars = all_vars;
    let mut out = Vec::new();
    let mut p = first.wire_start;
    let end = last.wire_end;
    while p < end {
        if let Some(&(_, he)) = holes.iter().find(|(hs, he)| *hs <= p && p < *he) {
            p = he;
            continue;
        }
        if let Some(v) = vars.iter().find(|v| v.start == p) {
            let raw = &text[v.start..v.end];
            let name = match v.kind {
                VarKind::Raw => &raw[1..],
                VarKind::Literal | VarKind::Ident => &raw[2..raw.len() - 1],
                VarKind::Test => &raw[3..raw.len() - 1],
            };
            let val = var_value(name);
            let rendered = match (v.kind, val) {
                (VarKind::Test, Some(_)) => "TRUE".to_string(),
                (VarKind::Test, None) => "FALSE".to_string(),
                (_, None) => raw.to_string(),
                (VarKind::Raw, Some(x)) => x.to_string(),
                (VarKind::Literal, Some(x)) => quote(x, '\''),
                (VarKind::Ident, Some(x)) => quote(x, '"'),
            };
            out.extend_from_slice(rendered.as_bytes());
            p = v.end;
            continue;
        }
        out.push(text.as_bytes()[p]);
        p += 1;
    }
    out
}

/// The messages the scanner predicts, in order (connections not included).
pub fn predict(text: &str) -> Vec<Msg> {
    predict_in(text, None, std::path::Path::new("."), 0)
}

/// [`predict`] for a script psql reads from `file` (`None`: stdin) with working directory
/// `cwd`, following `\\i` / `\\ir` the way psql does (depth-limited, for include cycles).
pub fn predict_in(
    text: &str,
    file: Option<&std::path::Path>,
    cwd: &std::path::Path,
    depth: usize,
) -> Vec<Msg> {
    let mut out = Vec::new();
    let mut group: Vec<Stmt> = Vec::new();
    // Variables of every statement: psql's buffer may outlive the statement the scanner
    // attributed them to (text kept across a skipped `\\if` branch).
    let mut all_vars = Vec::new();
    let flush = |group: &mut Vec<Stmt>,
                 out: &mut Vec<Msg>,
                 all_vars: &mut Vec<packetc::lint::scan::Var>| {
        if group.is_empty() {
            return;
        }
        for s in group.iter() {
            all_vars.extend(s.vars.iter().cloned());
        }
        let refs: Vec<&Stmt> = group.iter().collect();
        let bytes = wire(text, &refs, all_vars);
        let last = &group[group.len() - 1];
        if last.active && !last.discarded {
            if last.via.as_deref() == Some("gdesc") {
                out.push(Msg::Parse(bytes));
            } else {
                out.push(Msg::Query(bytes));
                if last.via.as_deref() == Some("gexec") {
                    out.push(Msg::Query(GEXEC_SENTINEL.to_vec()));
                }
            }
        }
        group.clear();
    };
    for it in Scanner::new(text, true) {
        match it {
            Item::Stmt(s) => {
                if !s.active {
                    // Never sent; psql's buffer carries on as before the skipped branch.
                    all_vars.extend(s.vars.iter().cloned());
                    continue;
                }
                let glued = s.glued;
                group.push(s);
                if !glued {
                    flush(&mut group, &mut out, &mut all_vars);
                }
            }
            Item::CopyData { start, end } => {
                if start < end {
                    out.push(Msg::CopyData(text.as_bytes()[start..end].to_vec()));
                }
                out.push(Msg::CopyDone);
            }
            Item::Unterminated { sent, .. } => {
                if let Some(s) = sent {
                    group.push(*s);
                    flush(&mut group, &mut out, &mut all_vars);
                }
            }
            Item::Meta(m) if m.active && m.name == "copy" => {
                // psql builds its own COPY statement for `\copy` (compared loosely, see
                // [`same`]); from a file that does not exist it sends nothing.
                let a = m.args.to_ascii_lowercase();
                let w: Vec<&str> = a.split_whitespace().collect();
                let stdin = w
                    .windows(2)
                    .any(|x| x[0] == "from" && (x[1] == "stdin" || x[1] == "pstdin"));
                if stdin || w.contains(&"to") {
                    out.push(Msg::Query(COPY_SENTINEL.to_vec()));
                }
            }
            Item::Meta(m)
                if m.active
                    && matches!(m.name.as_str(), "i" | "include" | "ir" | "include_relative") =>
            {
                flush(&mut group, &mut out, &mut all_vars);
                let Some(arg) = m.argv.first() else { continue };
                let rel = m.name.starts_with("ir") || m.name == "include_relative";
                let base = match (rel, file.and_then(std::path::Path::parent)) {
                    (true, Some(dir)) => dir.to_path_buf(),
                    _ => cwd.to_path_buf(),
                };
                let path = base.join(arg);
                if depth < 16 {
                    if let Ok(inner) = std::fs::read_to_string(&path) {
                        out.extend(predict_in(&inner, Some(&path), cwd, depth + 1));
                    }
                }
            }
            Item::Meta(m) if m.active && m.name == "encoding" => {
                // psql's PQsetClientEncoding sends the setting (no argument: it only prints).
                // A buffer held by `\\;` stays pending and is sent later.
                if let Some(enc) = m.argv.first() {
                    out.push(Msg::Query(
                        format!("set client_encoding to '{enc}'").into_bytes(),
                    ));
                }
            }
            Item::Meta(_) => {}
        }
    }
    flush(&mut group, &mut out, &mut all_vars);
    out
}

/// Stands for what `\\gexec` sends: the query's results, run as statements (any number of
/// queries the scanner cannot know).
const GEXEC_SENTINEL: &[u8] = b"\0\\gexec";

/// Stands for the `COPY … STDIN|STDOUT` statement psql builds for `\copy`.
const COPY_SENTINEL: &[u8] = b"\0\\copy";

/// Whether `got` is what `want` predicts.
pub fn same(want: &[Msg], got: &[Msg]) -> bool {
    let one = |w: &Msg, g: &Msg| match (w, g) {
        (Msg::Query(w), Msg::Query(g)) if w.as_slice() == COPY_SENTINEL => {
            g.starts_with(b"COPY ") && !g.ends_with(b";")
        }
        _ => w == g,
    };
    // `\\gexec` stands for any number of queries: try each (its results may look like
    // the statements that follow).
    fn go(mut want: &[Msg], mut got: &[Msg], one: &dyn Fn(&Msg, &Msg) -> bool) -> bool {
        loop {
            match want.first() {
                None => return got.is_empty(),
                Some(Msg::Query(w)) if w.as_slice() == GEXEC_SENTINEL => {
                    let mut k = 0;
                    loop {
                        if go(&want[1..], &got[k..], one) {
                            return true;
                        }
                        if k < got.len() && matches!(got[k], Msg::Query(_)) {
                            k += 1;
                        } else {
                            return false;
                        }
                    }
                }
                Some(w) => {
                    if !got.first().is_some_and(|g| one(w, g)) {
                        return false;
                    }
                    want = &want[1..];
                    got = &got[1..];
                }
            }
        }
    }
    go(want, got, &one)
}

/// What the server received, in the same shape: connections dropped, psql's own `\gdesc`
/// type query dropped, consecutive COPY data chunks joined.
pub fn normalize(msgs: Vec<Msg>) -> Vec<Msg> {
    let mut out: Vec<Msg> = Vec::new();
    for m in msgs {
        match m {
            Msg::Connect => {}
            Msg::Query(q) if q.starts_with(b"SELECT name AS \"Column\"") => {}
            Msg::CopyData(d) => {
                if let Some(Msg::CopyData(prev)) = out.last_mut() {
                    prev.extend_from_slice(&d);
                } else {
                    out.push(Msg::CopyData(d));
                }
            }
            m => out.push(m),
        }
    }
    out
}
