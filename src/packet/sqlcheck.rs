//! Static checks on the SQL a spec carries (metric queries and the step writes).
//!
//! These are structural facts the renderer relies on: a metric is one read-only query; the seed
//! only inserts into the provenance table and stamps both provenance columns; the rollback deletes
//! only rows carrying the provenance tag. The linter re-checks the rendered scripts independently.

use sqlparser::ast::{
    BinaryOperator, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, ObjectName,
    ObjectNamePart, Query, SelectItem, SetExpr, Statement, TableFactor, TableObject, Value,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};

use super::model::Provenance;

/// The dollar-quote tag generated DO blocks use; spec text must never contain it.
pub const DOLLAR_TAG: &str = "$packetc$";

pub use crate::sql::{SETTING_PREFIX, TAG_SETTING};

fn parse(sql: &str) -> Result<Vec<Statement>, String> {
    if sql.contains(DOLLAR_TAG) {
        return Err(format!(
            "the text contains `{DOLLAR_TAG}`, the quote tag packetc's generated blocks use"
        ));
    }
    psql_variable_use(sql)?;
    Parser::parse_sql(&PostgreSqlDialect {}, sql).map_err(|e| e.to_string())
}

/// psql's `:name` interpolation does not reach PL/pgSQL, so spec SQL must use settings instead.
fn psql_variable_use(sql: &str) -> Result<(), String> {
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, sql)
        .tokenize()
        .map_err(|e| e.to_string())?;
    let mut prev_colon = false;
    for tok in tokens {
        let var = match &tok {
            Token::Placeholder(p) if p.starts_with(':') => {
                Some(p.trim_start_matches(':').to_owned())
            }
            Token::Word(w) if prev_colon => Some(w.value.clone()),
            Token::SingleQuotedString(s) if prev_colon => Some(s.clone()),
            _ => None,
        };
        if let Some(name) = var {
            return Err(format!(
                "psql variable interpolation (:{name}) is not available inside packetc's checks; \
                 use current_setting('{SETTING_PREFIX}{name}')"
            ));
        }
        prev_colon = tok == Token::Colon;
    }
    Ok(())
}

/// Names `X` of every `current_setting('packetc.X')` in the text (comments and strings excluded).
pub fn setting_refs(sql: &str) -> Vec<String> {
    let Ok(tokens) = Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize() else {
        return Vec::new();
    };
    let significant: Vec<&Token> = tokens
        .iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    significant
        .windows(3)
        .filter_map(|w| match (w[0], w[1], w[2]) {
            (Token::Word(f), Token::LParen, Token::SingleQuotedString(s))
                if f.value.eq_ignore_ascii_case("current_setting") =>
            {
                s.strip_prefix(SETTING_PREFIX).map(str::to_owned)
            }
            _ => None,
        })
        .collect()
}

/// A metric must be exactly one query that writes nothing.
pub fn metric_query(sql: &str) -> Result<(), String> {
    let stmts = parse(sql)?;
    let [stmt] = stmts.as_slice() else {
        return Err(format!(
            "a metric is one query; this text has {} statements",
            stmts.len()
        ));
    };
    let Statement::Query(q) = stmt else {
        return Err("a metric must be a SELECT query".into());
    };
    query_is_read_only(q)
}

fn query_is_read_only(q: &Query) -> Result<(), String> {
    if !q.locks.is_empty() {
        return Err(
            "a metric must not lock rows (FOR UPDATE/SHARE); locks belong to the step".into(),
        );
    }
    if let Some(with) = &q.with {
        for cte in &with.cte_tables {
            query_is_read_only(&cte.query)?;
        }
    }
    set_expr_is_read_only(&q.body)
}

fn set_expr_is_read_only(body: &SetExpr) -> Result<(), String> {
    match body {
        SetExpr::Select(s) if s.into.is_some() => {
            Err("a metric must not SELECT INTO a table".into())
        }
        SetExpr::Select(_) | SetExpr::Values(_) | SetExpr::Table(_) => Ok(()),
        SetExpr::Query(q) => query_is_read_only(q),
        SetExpr::SetOperation { left, right, .. } => {
            set_expr_is_read_only(left)?;
            set_expr_is_read_only(right)
        }
        SetExpr::Insert(_) | SetExpr::Update(_) | SetExpr::Delete(_) | SetExpr::Merge(_) => {
            Err("a metric must not write (data-modifying WITH)".into())
        }
    }
}

/// The write statements of a step, parsed; errors say what is wrong.
pub fn write_statements(sql: &str) -> Result<Vec<Statement>, String> {
    let stmts = parse(sql)?;
    if stmts.is_empty() {
        return Err("the write is empty".into());
    }
    Ok(stmts)
}

/// The seed writes only the provenance table and stamps both provenance columns.
pub fn seed_write(stmts: &[Statement], prov: &Provenance) -> Vec<String> {
    let mut problems = Vec::new();
    for stmt in stmts {
        let Statement::Insert(ins) = stmt else {
            problems.push(format!(
                "the seed may only INSERT into {}; found {}",
                prov.table,
                first_words(stmt)
            ));
            continue;
        };
        let TableObject::TableName(table) = &ins.table else {
            problems.push("the seed must INSERT into a named table".into());
            continue;
        };
        let into_run_table = prov
            .run_table
            .as_deref()
            .is_some_and(|t| same_table(table, t));
        if !same_table(table, &prov.table) && !into_run_table {
            problems.push(format!(
                "the seed inserts into {table}; it may only insert into the provenance table {}",
                prov.table
            ));
            continue;
        }
        let columns: Vec<String> = ins
            .columns
            .iter()
            .map(|c| c.0.last().map_or_else(String::new, part_name))
            .collect();
        let expected = [
            (&prov.tag_column, TAG_SETTING.to_owned()),
            (&prov.approval_column, prov.approval_variable.clone()),
        ];
        for (column, setting) in expected {
            let Some(idx) = columns.iter().position(|c| c == column) else {
                problems.push(format!(
                    "the seed's INSERT does not name the provenance column {column}; list it and \
                     fill it with current_setting('{SETTING_PREFIX}{setting}')"
                ));
                continue;
            };
            let Some(source) = &ins.source else { continue };
            for row in source_rows(source) {
                match row.get(idx) {
                    Some(e) if is_setting(e, &setting) => {}
                    _ => problems.push(format!(
                        "the seed fills {column} with something other than \
                         current_setting('{SETTING_PREFIX}{setting}')"
                    )),
                }
            }
        }
    }
    problems
}

/// What a repeatable shape's write must look like, beyond [`seed_write`]: the scanner upserts
/// on a natural key (`ON CONFLICT (cols)`) and adds exactly one single-row INSERT to its run
/// table; the cursor upserts with `ON CONFLICT (key) DO UPDATE ... WHERE <monotonic guard>` (or
/// DO NOTHING), so a stale or retried advance changes nothing. `run_table`: whether the shape
/// has one (the scanner).
pub fn upsert_write(stmts: &[Statement], prov: &Provenance, shape: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut run_rows = 0usize;
    let mut upserts = 0usize;
    for stmt in stmts {
        let Statement::Insert(ins) = stmt else {
            continue;
        };
        let TableObject::TableName(table) = &ins.table else {
            continue;
        };
        if prov
            .run_table
            .as_deref()
            .is_some_and(|t| same_table(table, t))
        {
            let single = ins.source.as_ref().is_some_and(
                |q| matches!(q.body.as_ref(), SetExpr::Values(v) if v.rows.len() == 1),
            );
            if !single || ins.on.is_some() {
                problems.push(format!(
                    "the {shape}'s INSERT into its run table {table} must add exactly one row: INSERT ... VALUES (one row), no ON CONFLICT"
                ));
            }
            run_rows += 1;
            continue;
        }
        let Some(sqlparser::ast::OnInsert::OnConflict(oc)) = &ins.on else {
            problems.push(format!(
                "the {shape}'s INSERT into {table} must be an upsert on its natural key: INSERT ... ON CONFLICT (key columns) DO ..."
            ));
            continue;
        };
        if !matches!(
            oc.conflict_target,
            Some(sqlparser::ast::ConflictTarget::Columns { .. })
        ) {
            problems.push(format!(
                "the {shape}'s ON CONFLICT must name the natural key's columns: ON CONFLICT (col, ...)"
            ));
        }
        if let sqlparser::ast::OnConflictAction::DoUpdate(u) = &oc.action {
            if u.selection.is_none() {
                problems.push(format!(
                    "the {shape}'s ON CONFLICT DO UPDATE needs a WHERE: a repeated run must change nothing (e.g. WHERE t.position < EXCLUDED.position)"
                ));
            }
        }
        upserts += 1;
    }
    if upserts == 0 {
        problems.push(format!(
            "the {shape} writes no upsert into {}: INSERT ... ON CONFLICT (natural key) DO ...",
            prov.table
        ));
    }
    match (&prov.run_table, run_rows) {
        (Some(t), n) if n != 1 => problems.push(format!(
            "the {shape} must add exactly one row to its run table {t} per run; this write has {n} INSERTs into it"
        )),
        _ => {}
    }
    problems
}

/// The rollback deletes only the rows carrying the provenance tag (and, for a scanner, the
/// tagged rows of its run table, in a second DELETE).
pub fn rollback_write(stmts: &[Statement], prov: &Provenance) -> Vec<String> {
    match (stmts, &prov.run_table) {
        ([first, second], Some(run_table)) => {
            let mut p = delete_tagged(std::slice::from_ref(first), prov, &prov.table);
            p.extend(delete_tagged(std::slice::from_ref(second), prov, run_table));
            p
        }
        _ => delete_tagged(stmts, prov, &prov.table),
    }
}

fn delete_tagged(stmts: &[Statement], prov: &Provenance, table: &str) -> Vec<String> {
    let want = format!(
        "DELETE FROM {} WHERE {} = current_setting('{SETTING_PREFIX}{TAG_SETTING}')",
        table, prov.tag_column
    );
    let [Statement::Delete(del)] = stmts else {
        return vec![format!(
            "the rollback must be exactly one statement: {want}{}",
            prov.run_table
                .as_ref()
                .map_or_else(String::new, |t| format!(
                    " (a scanner's: that, then the same DELETE on its run table {t})"
                ))
        )];
    };
    let tables = match &del.from {
        sqlparser::ast::FromTable::WithFromKeyword(t)
        | sqlparser::ast::FromTable::WithoutKeyword(t) => t,
    };
    let targets_provenance = del.using.is_none()
        && tables.len() == 1
        && tables[0].joins.is_empty()
        && matches!(&tables[0].relation, TableFactor::Table { name, .. } if same_table(name, table));
    if !targets_provenance {
        return vec![format!(
            "the rollback must delete from {table} only: {want}"
        )];
    }
    let tagged = del
        .selection
        .as_ref()
        .is_some_and(|w| requires_tag(w, &prov.tag_column));
    if tagged {
        Vec::new()
    } else {
        vec![format!(
            "the rollback's WHERE must require the provenance tag (AND-ed conditions may narrow it): {want}"
        )]
    }
}

fn requires_tag(e: &Expr, tag_column: &str) -> bool {
    match e {
        Expr::Nested(inner) => requires_tag(inner, tag_column),
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => requires_tag(left, tag_column) || requires_tag(right, tag_column),
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Eq,
            right,
        } => {
            (is_column(left, tag_column) && is_setting(right, TAG_SETTING))
                || (is_column(right, tag_column) && is_setting(left, TAG_SETTING))
        }
        _ => false,
    }
}

fn is_column(e: &Expr, name: &str) -> bool {
    match e {
        Expr::Identifier(id) => ident_name(id) == name,
        Expr::CompoundIdentifier(ids) => ids.last().is_some_and(|id| ident_name(id) == name),
        Expr::Nested(inner) => is_column(inner, name),
        _ => false,
    }
}

/// `current_setting('packetc.<setting>')`.
fn is_setting(e: &Expr, setting: &str) -> bool {
    let Expr::Function(f) = e else {
        return matches!(e, Expr::Nested(inner) if is_setting(inner, setting));
    };
    let name_ok = f
        .name
        .0
        .last()
        .is_some_and(|p| part_name(p) == "current_setting");
    let FunctionArguments::List(list) = &f.args else {
        return false;
    };
    let want = format!("{SETTING_PREFIX}{setting}");
    name_ok
        && list.args.len() == 1
        && matches!(
            &list.args[0],
            FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Value(v)))
                if matches!(&v.value, Value::SingleQuotedString(s) if *s == want)
        )
}

/// The rows of expressions an INSERT source produces, where they are visible (VALUES or a simple
/// SELECT list); other shapes yield nothing to check.
fn source_rows(q: &Query) -> Vec<Vec<&Expr>> {
    match q.body.as_ref() {
        SetExpr::Values(v) => v.rows.iter().map(|r| r.iter().collect()).collect(),
        SetExpr::Select(s) => vec![s
            .projection
            .iter()
            .filter_map(|item| match item {
                SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => Some(e),
                _ => None,
            })
            .collect()],
        _ => Vec::new(),
    }
}

/// PostgreSQL name folding (the linter's, ASCII-only as PostgreSQL does for UTF-8).
fn ident_name(id: &Ident) -> String {
    crate::lint::names::fold(id)
}

fn part_name(p: &ObjectNamePart) -> String {
    match p {
        ObjectNamePart::Identifier(id) => ident_name(id),
        ObjectNamePart::Function(f) => ident_name(&f.name),
    }
}

/// `name` (possibly schema-qualified) denotes `table` (as written in the spec).
fn same_table(name: &ObjectName, table: &str) -> bool {
    let parts: Vec<String> = name.0.iter().map(part_name).collect();
    let want: Vec<&str> = table.split('.').collect();
    if want.len() == 1 {
        parts.last().is_some_and(|p| p == want[0])
    } else {
        parts == want
    }
}

fn first_words(stmt: &Statement) -> String {
    stmt.to_string()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prov() -> Provenance {
        Provenance {
            table: "gov_own".into(),
            tag_column: "created_by".into(),
            tag: "T".into(),
            approval_column: "approval_ref".into(),
            approval_variable: "apr".into(),
            run_table: None,
        }
    }

    #[test]
    fn repeatable_writes_upsert_on_a_natural_key() {
        let mut scan = prov();
        scan.run_table = Some("scan_run".into());
        let problems = |sql: &str, p: &Provenance, shape: &str| {
            let stmts = write_statements(sql).expect("parses");
            let mut all = seed_write(&stmts, p);
            all.extend(upsert_write(&stmts, p, shape));
            all
        };
        let run = "INSERT INTO scan_run (snap, created_by, approval_ref) VALUES (current_setting('packetc.snap'), current_setting('packetc.provenance_tag'), current_setting('packetc.apr'));";
        let ups = "INSERT INTO gov_own (k, created_by, approval_ref) SELECT k, current_setting('packetc.provenance_tag'), current_setting('packetc.apr') FROM src";
        assert!(problems(
            &format!("{run} {ups} ON CONFLICT (k) DO NOTHING"),
            &scan,
            "scanner"
        )
        .is_empty());
        // No natural key, no upsert, no run row, two run rows: each is refused.
        assert_eq!(
            problems(
                &format!("{run} {ups} ON CONFLICT DO NOTHING"),
                &scan,
                "scanner"
            )
            .len(),
            1
        );
        assert_eq!(problems(&format!("{run} {ups}"), &scan, "scanner").len(), 2);
        assert_eq!(
            problems(
                &format!("{ups} ON CONFLICT (k) DO NOTHING"),
                &scan,
                "scanner"
            )
            .len(),
            1
        );
        assert_eq!(
            problems(
                &format!("{run} {run} {ups} ON CONFLICT (k) DO NOTHING"),
                &scan,
                "scanner"
            )
            .len(),
            1
        );
        // The cursor's DO UPDATE needs its monotonic guard.
        assert!(problems(
            &format!(
                "{ups} ON CONFLICT (k) DO UPDATE SET p = EXCLUDED.p WHERE gov_own.p < EXCLUDED.p"
            ),
            &prov(),
            "cursor"
        )
        .is_empty());
        assert_eq!(
            problems(
                &format!("{ups} ON CONFLICT (k) DO UPDATE SET p = EXCLUDED.p"),
                &prov(),
                "cursor"
            )
            .len(),
            1
        );
        // A scanner's rollback deletes the tagged rows of both tables.
        let rb = "DELETE FROM gov_own WHERE created_by = current_setting('packetc.provenance_tag'); DELETE FROM scan_run WHERE created_by = current_setting('packetc.provenance_tag')";
        assert!(rollback_write(&write_statements(rb).expect("parses"), &scan).is_empty());
        assert!(!rollback_write(&write_statements(rb).expect("parses"), &prov()).is_empty());
    }

    #[test]
    fn metric_queries_must_be_read_only() {
        assert!(metric_query("SELECT count(*) FROM t").is_ok());
        assert!(
            metric_query("WITH d AS (DELETE FROM t RETURNING 1) SELECT count(*) FROM d").is_err()
        );
        assert!(metric_query("SELECT 1; SELECT 2").is_err());
        assert!(metric_query("SELECT * INTO x FROM t").is_err());
        assert!(metric_query("SELECT count(*) FROM t WHERE a = :'v'").is_err());
        assert!(metric_query("SELECT count(*) FROM t WHERE a = :v").is_err());
        assert!(metric_query("SELECT 1 FROM t FOR UPDATE").is_err());
        assert!(metric_query("SELECT '$packetc$'").is_err());
        assert!(metric_query("SELECT x::int FROM t").is_ok());
    }

    #[test]
    fn setting_refs_ignore_comments_and_strings() {
        let refs = setting_refs(
            "SELECT current_setting('packetc.a') -- current_setting('packetc.b')\n, 'current_setting(''packetc.c'')'",
        );
        assert_eq!(refs, vec!["a".to_owned()]);
    }

    #[test]
    fn rollback_must_require_the_tag() {
        let ok =
            |sql: &str| rollback_write(&write_statements(sql).expect("parses"), &prov()).is_empty();
        assert!(ok(
            "DELETE FROM gov_own WHERE created_by = current_setting('packetc.provenance_tag')"
        ));
        assert!(ok("DELETE FROM public.GOV_OWN WHERE x = 1 AND current_setting('packetc.provenance_tag') = \"created_by\""));
        assert!(!ok("DELETE FROM gov_own WHERE created_by = current_setting('packetc.provenance_tag') OR true"));
        assert!(!ok("DELETE FROM gov_own WHERE created_by = 'OTHER'"));
        assert!(!ok(
            "DELETE FROM other WHERE created_by = current_setting('packetc.provenance_tag')"
        ));
        assert!(!ok("DELETE FROM gov_own"));
        assert!(!ok(
            "DELETE FROM \"Gov_Own\" WHERE created_by = current_setting('packetc.provenance_tag')"
        ));
    }

    #[test]
    fn seed_must_stamp_provenance() {
        let problems = |sql: &str| seed_write(&write_statements(sql).expect("parses"), &prov());
        assert!(problems("INSERT INTO gov_own (k, created_by, approval_ref) SELECT k, current_setting('packetc.provenance_tag'), current_setting('packetc.apr') FROM src").is_empty());
        assert!(problems("INSERT INTO gov_own (k, created_by, approval_ref) VALUES (1, current_setting('packetc.provenance_tag'), current_setting('packetc.apr'))").is_empty());
        assert_eq!(problems("INSERT INTO gov_own (k, created_by) SELECT k, current_setting('packetc.provenance_tag') FROM src").len(), 1);
        assert_eq!(problems("INSERT INTO gov_own (k, created_by, approval_ref) SELECT k, 'x', current_setting('packetc.apr') FROM src").len(), 1);
        assert_eq!(problems("UPDATE gov_own SET k = 1").len(), 1);
        assert_eq!(
            problems("INSERT INTO other (created_by) VALUES (1)").len(),
            1
        );
    }
}
