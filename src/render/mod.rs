//! Render a validated packet into its four scripts (pure: spec in, text out).

pub mod env;

use serde::Serialize;

use crate::diag::Error;
use crate::packet::{
    Change, Check, Kind, Loaded, Metric, MetricType, Number, Packet, Role, Step, StopAction,
};

/// One generated script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    pub file_name: String,
    pub text: String,
}

#[derive(Serialize)]
struct Header<'a> {
    script: &'a str,
    number: usize,
    role: &'a str,
    packet: &'a str,
    title: &'a str,
    spec_file: String,
    spec_sha256: &'a str,
    variables: Vec<VarCtx<'a>>,
}

#[derive(Serialize, Clone)]
struct VarCtx<'a> {
    name: &'a str,
    description: &'a str,
    pattern: &'a str,
    example: &'a str,
}

#[derive(Serialize)]
struct Prologue<'a> {
    script: &'a str,
    database: &'a str,
    provenance_tag: &'a str,
    variables: Vec<VarCtx<'a>>,
    /// The least-privilege role, in steps that check it: it must exist before anything else.
    role: Option<&'a str>,
}

#[derive(Serialize)]
struct Assertion<'a> {
    /// `exact` (compare with a constant), `capture` (remember the value before a relative delta),
    /// `relative` (compare with the captured value plus a change).
    form: &'static str,
    /// gate | expect | before | after: the phase a failure is reported in.
    phase: &'static str,
    metric: &'a str,
    sql_type: &'static str,
    /// The metric query, on one line when that changes nothing but whitespace.
    query: String,
    op: &'static str,
    value: minijinja::Value,
    /// Human form of the expectation, e.g. `>= 1`.
    expected: String,
}

/// One table-driven check block: its rows run in this order (privileges, approval, then `rows`
/// by phase), and it stops in the first phase with a failed check.
#[derive(Serialize)]
struct Block<'a> {
    /// The least-privilege role: its privileges are checked in preflight and before the write of
    /// the transaction steps.
    privileges: Option<RunAsCtx<'a>>,
    /// The approval check, in steps that gate on the human gate.
    approval: Option<ApprovalCtx<'a>>,
    rows: Vec<Assertion<'a>>,
}

#[derive(Serialize)]
struct StepCtx<'a> {
    script: &'a str,
    role: &'a str,
    stop_note: String,
    stop_hint: String,
    lock_timeout: Option<&'a str>,
    locks: Vec<LockCtx<'a>>,
    /// Read-only steps: every check; transaction steps: the checks before the write.
    checks: Block<'a>,
    /// Transaction steps: the deltas asserted after the write.
    after: Block<'a>,
    /// The deltas as the spec states them, for the after block's comment.
    delta_summary: String,
    write: &'a str,
    /// The role transaction steps switch to (`SET LOCAL ROLE`).
    set_role: Option<&'a str>,
}

#[derive(Serialize)]
struct ApprovalCtx<'a> {
    /// The human gate's metric: the check reports under its name.
    metric: &'a str,
    table: &'a str,
    key_column: &'a str,
    setting: String,
    variable: &'a str,
    require: Vec<RequireCtx<'a>>,
    /// Human form of what a valid approval is.
    expected: String,
}

#[derive(Serialize)]
struct RequireCtx<'a> {
    column: &'a str,
    value: &'a str,
}

#[derive(Serialize)]
struct RunAsCtx<'a> {
    role: &'a str,
    tables: Vec<&'a str>,
    columns: Vec<ColumnCtx<'a>>,
    table_privileges: Vec<&'static str>,
    column_privileges: Vec<&'static str>,
}

#[derive(Serialize)]
struct ColumnCtx<'a> {
    table: &'a str,
    column: &'a str,
}

#[derive(Serialize)]
struct LockCtx<'a> {
    table: &'a str,
    mode: &'a str,
}

/// A number as a template value: integers stay numbers; decimals become a pre-formatted safe
/// string (digits, `-` and `.` only, produced by [`Number`]'s own formatter).
fn number_value(n: Number) -> minijinja::Value {
    let n = n.normalized();
    if n.scale == 0 {
        if let Ok(i) = i64::try_from(n.units) {
            return minijinja::Value::from(i);
        }
    }
    minijinja::Value::from_safe_string(n.to_string())
}

fn condition_value(v: &crate::packet::Value) -> minijinja::Value {
    match v {
        crate::packet::Value::Number(n) => number_value(*n),
        crate::packet::Value::Text(t) => minijinja::Value::from(t.as_str()),
    }
}

fn metric<'a>(p: &'a Packet, name: &str) -> Result<&'a Metric, Error> {
    p.metrics.iter().find(|m| m.name == name).ok_or_else(|| {
        Error::input(
            format!("internal: unknown metric {name}"),
            "report this bug",
        )
    })
}

fn exact<'a>(p: &'a Packet, c: &'a Check, phase: &'static str) -> Result<Assertion<'a>, Error> {
    let m = metric(p, &c.metric)?;
    Ok(Assertion {
        form: "exact",
        phase,
        metric: &m.name,
        sql_type: m.ty.sql_type(),
        query: one_line(&m.query),
        op: c.condition.op.sql(),
        value: condition_value(&c.condition.value),
        expected: c.condition.to_string(),
    })
}

fn delta_asserts<'a>(
    p: &'a Packet,
    step: &'a Step,
) -> Result<(Vec<Assertion<'a>>, Vec<Assertion<'a>>), Error> {
    let mut before = Vec::new();
    let mut after = Vec::new();
    for d in &step.deltas {
        let m = metric(p, &d.metric)?;
        let ty = if m.ty == MetricType::Integer {
            "bigint"
        } else {
            "numeric"
        };
        let base = |form, phase, value: Number, expected: String| Assertion {
            form,
            phase,
            metric: &m.name,
            sql_type: ty,
            query: one_line(&m.query),
            op: "=",
            value: number_value(value),
            expected,
        };
        match d.change {
            Change::Absolute { from, to } => {
                // A gate on the same metric in the same transaction already proved the start.
                let gated = step.gate.iter().any(|c| {
                    c.metric == d.metric
                        && c.condition.op == crate::packet::Op::Eq
                        && c.condition.value == crate::packet::Value::Number(from)
                });
                if !gated {
                    before.push(base("exact", "before", from, format!("= {from}")));
                }
                after.push(base("exact", "after", to, format!("= {to}")));
            }
            Change::Reaches { to } => {
                // The value before is reported (apply --repeat reads it: already at `to` means
                // there was nothing left to do), not asserted.
                before.push(base("capture", "before", to, "any".into()));
                after.push(base("exact", "after", to, format!("= {to}")));
            }
            Change::Relative { by } => {
                before.push(base("capture", "before", by, "any".into()));
                after.push(base(
                    "relative",
                    "after",
                    by,
                    format!("before {}", d.change),
                ));
            }
        }
    }
    Ok((before, after))
}

fn step_ctx<'a>(p: &'a Packet, step: &'a Step) -> Result<StepCtx<'a>, Error> {
    let stop_note = step.stop_note.clone().unwrap_or_else(|| match step.stop {
        StopAction::Stop => "STOP".into(),
        StopAction::StopAndRollback => "STOP + rollback".into(),
    });
    let stop_hint = match step.stop {
        StopAction::Stop => format!("STOP: {stop_note}"),
        StopAction::StopAndRollback => format!(
            "STOP and run the rollback ({}): {stop_note}",
            p.steps
                .iter()
                .find(|s| s.role == Role::Rollback)
                .map_or("rollback", |s| s.script.as_str())
        ),
    };
    let (before, after) = delta_asserts(p, step)?;
    let mut rows = Vec::new();
    for c in &step.gate {
        rows.push(exact(p, c, "gate")?);
    }
    for c in &step.expect {
        rows.push(exact(p, c, "expect")?);
    }
    let privileges = run_as_ctx(p, step);
    let approval = approval_ctx(p, step);
    rows.extend(before);
    Ok(StepCtx {
        script: &step.script,
        role: step.role.as_str(),
        stop_note,
        stop_hint,
        lock_timeout: step.lock_timeout.as_deref(),
        locks: step
            .locks
            .iter()
            .map(|l| LockCtx {
                table: &l.table,
                mode: &l.mode,
            })
            .collect(),
        checks: Block {
            privileges,
            approval,
            rows,
        },
        after: Block {
            privileges: None,
            approval: None,
            rows: after,
        },
        delta_summary: step
            .deltas
            .iter()
            .map(|d| format!("{} {}", d.metric, d.change))
            .collect::<Vec<_>>()
            .join(", "),
        write: step.write.as_deref().unwrap_or(""),
        set_role: p
            .run_as
            .as_ref()
            .filter(|_| step.kind == Kind::Transaction)
            .map(|r| r.role.as_str()),
    })
}

/// The approval check, for the steps that gate on the human gate.
fn approval_ctx<'a>(p: &'a Packet, step: &Step) -> Option<ApprovalCtx<'a>> {
    let a = p.human_gate.approval.as_ref()?;
    if !step.gate.iter().any(|c| c.metric == p.human_gate.metric) {
        return None;
    }
    let require: Vec<String> = a
        .require
        .iter()
        .map(|(c, v)| format!("{c} = '{}'", v.replace('\'', "''")))
        .collect();
    Some(ApprovalCtx {
        metric: &p.human_gate.metric,
        table: &a.table,
        key_column: &a.key_column,
        setting: crate::sql::setting(&a.variable),
        variable: &a.variable,
        require: a
            .require
            .iter()
            .map(|(column, value)| RequireCtx { column, value })
            .collect(),
        expected: format!(
            "a row of {} with {} = :{} and {}",
            a.table,
            a.key_column,
            a.variable,
            require.join(", ")
        ),
    })
}

/// The privilege check, for preflight and the transaction steps.
fn run_as_ctx<'a>(p: &'a Packet, step: &Step) -> Option<RunAsCtx<'a>> {
    let r = p.run_as.as_ref()?;
    if step.kind != Kind::Transaction && step.role != Role::Preflight {
        return None;
    }
    let split = |list: &'static str| list.split(", ").collect::<Vec<_>>();
    Some(RunAsCtx {
        role: &r.role,
        tables: r.protected_tables.iter().map(String::as_str).collect(),
        columns: r
            .protected_columns
            .iter()
            .map(|(table, column)| ColumnCtx { table, column })
            .collect(),
        table_privileges: split(crate::packet::WRITE_PRIVILEGES),
        column_privileges: split(crate::packet::COLUMN_WRITE_PRIVILEGES),
    })
}

fn variables_for<'a>(p: &'a Packet, role: Role) -> Vec<VarCtx<'a>> {
    p.variables
        .iter()
        .filter(|v| v.used_by.is_empty() || v.used_by.contains(&role))
        .map(|v| VarCtx {
            name: &v.name,
            description: &v.description,
            pattern: &v.pattern,
            example: &v.example,
        })
        .collect()
}

/// Render every step's script, in step order. Deterministic: same spec bytes, same output.
pub fn render(loaded: &Loaded) -> Result<Vec<Script>, Error> {
    let env = env::environment().map_err(template_error)?;
    let p = &loaded.packet;
    let mut out = Vec::with_capacity(p.steps.len());
    for step in &p.steps {
        let variables = variables_for(p, step.role);
        let header = Header {
            script: &step.script,
            number: step.number,
            role: step.role.as_str(),
            packet: &p.name,
            title: &p.title,
            spec_file: format!("{}/{}", p.name, crate::packet::SPEC_FILE),
            spec_sha256: &loaded.spec_sha256,
            variables: variables.clone(),
        };
        let prologue = Prologue {
            script: &step.script,
            database: &p.database,
            provenance_tag: &p.provenance.tag,
            variables,
            role: run_as_ctx(p, step).map(|r| r.role),
        };
        let template = match step.kind {
            Kind::ReadOnly => "read_only.sql.j2",
            Kind::Transaction => "transaction.sql.j2",
        };
        let ctx = minijinja::context! {
            header => minijinja::Value::from(minijinja::value::Serde(&header)),
            prologue => minijinja::Value::from(minijinja::value::Serde(&prologue)),
            step => minijinja::Value::from(minijinja::value::Serde(step_ctx(p, step)?)),
            notice => minijinja::Value::from(minijinja::value::Serde(crate::observe::formats())),
        };
        let text = env
            .get_template(template)
            .and_then(|t| t.render(ctx))
            .map_err(template_error)?;
        out.push(Script {
            file_name: step.script.clone(),
            text,
        });
    }
    Ok(out)
}

/// `sql` on one line: every line break collapsed with the indentation around it, but only when
/// every break sits in whitespace between tokens (no comment, none inside a literal or quoted
/// name), so the query PostgreSQL runs is the same. Anything else is kept as written.
fn one_line(sql: &str) -> String {
    use sqlparser::tokenizer::{Token, Tokenizer, Whitespace};
    let sql = sql.trim();
    if !sql.contains('\n') {
        return sql.to_owned();
    }
    let Ok(tokens) = Tokenizer::new(&sqlparser::dialect::PostgreSqlDialect {}, sql).tokenize()
    else {
        return sql.to_owned();
    };
    let breaks = tokens
        .iter()
        .filter(|t| matches!(t, Token::Whitespace(Whitespace::Newline)))
        .count();
    let comments = tokens.iter().any(|t| {
        matches!(
            t,
            Token::Whitespace(
                Whitespace::SingleLineComment { .. } | Whitespace::MultiLineComment(_)
            )
        )
    });
    if comments || sql.contains('\r') || breaks != sql.matches('\n').count() {
        return sql.to_owned();
    }
    sql.lines()
        .map(|l| l.trim_matches([' ', '\t']))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn template_error(e: minijinja::Error) -> Error {
    let mut message = format!("rendering failed: {e}");
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        message.push_str(&format!(": {s}"));
        source = s.source();
    }
    Error::input(
        message,
        "a spec value could not be rendered safely; fix the value named above",
    )
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn queries_go_on_one_line_only_when_nothing_but_whitespace_changes() {
        assert_eq!(
            one_line("SELECT count(*)\n  FROM t\n\tWHERE x = 1\n"),
            "SELECT count(*) FROM t WHERE x = 1"
        );
        // A line break inside a literal, a quoted name or a dollar quote is data; a comment ends
        // at the line break: all kept as written.
        for kept in [
            "SELECT count(*) FROM t WHERE x = 'a\n  b'",
            "SELECT \"a\n b\" FROM t",
            "SELECT $q$a\n b$q$",
            "SELECT 1 -- one\n + 1",
            "SELECT 1 /* x\n */ + 1",
        ] {
            assert_eq!(one_line(kept), kept);
        }
    }
}
