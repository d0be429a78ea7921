//! Canonical SQL text for definitions PostgreSQL renders back to us (`pg_get_viewdef`,
//! `pg_get_expr`, `pg_get_indexdef`, `pg_get_triggerdef`).
//!
//! PostgreSQL does not store the text of a view or a CHECK expression: it stores a tree and
//! renders it on demand, and the rendering depends on how the tree was built. The same view
//! restored from a dump, or created on another major version, can render differently:
//! `(ARRAY['a'::character varying, 'b'::character varying])::text[]` once, and
//! `ARRAY[('a'::character varying)::text, ('b'::character varying)::text]` after a restore.
//! The text is parsed (sqlparser, PostgreSQL dialect) and re-rendered after rewrites that keep
//! the meaning:
//!
//! - parentheses: every one in the source is dropped, then every compound operand (a binary or
//!   unary operation, `IS [NOT] NULL`, `IN`, `BETWEEN`, `LIKE`, ...) gets exactly one pair, so
//!   grouping stays explicit and `(a OR b) AND c` never equals `a OR b AND c`;
//! - a cast of an `ARRAY[...]` constructor to `T[]` becomes a cast of each element to `T`
//!   (PostgreSQL coerces an array element by element);
//! - a cast chain on a string literal through an unbounded `varchar`/`text` keeps only the last
//!   cast (`('a'::varchar)::text` is `'a'::text`; a bounded `varchar(n)` can truncate, so it is
//!   kept); `CAST(x AS t)` and `x::t` are the same;
//! - `character varying` is `varchar`, `bool` is `boolean`;
//! - in a query level that reads exactly one relation (no join, no set operation), a column
//!   qualified by that relation is written bare: PostgreSQL 16 stopped qualifying such columns
//!   (`g.object_key` became `object_key`). Only that level's own columns lose the qualifier; an
//!   outer reference inside a subquery keeps it, and at that level a bare name can only mean the
//!   one relation's column, so the meaning is the same.
//!
//! Anything that does not parse is compared as its whitespace-collapsed text, so a rendering
//! packetc cannot read is never called equal to another one by mistake.

use std::ops::ControlFlow;

use sqlparser::ast::{
    ArrayElemTypeDef, CastKind, DataType, Expr, Ident, Query, SetExpr, TableFactor, Value,
    ValueWithSpan, VisitMut, VisitorMut,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

/// How a piece of catalog text is canonicalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Compared as is (type names, flags, function bodies: PostgreSQL keeps those verbatim).
    Plain,
    /// A scalar expression (a default, a CHECK, an index predicate).
    Expr,
    /// One or more statements (a view's query, `CREATE INDEX`, `CREATE TRIGGER`).
    Statements,
}

impl Mode {
    /// The mode's name in the catalog query's output.
    #[must_use]
    pub fn parse(name: &str) -> Option<Mode> {
        match name {
            "plain" => Some(Mode::Plain),
            "expr" => Some(Mode::Expr),
            "stmt" => Some(Mode::Statements),
            _ => None,
        }
    }
}

/// The canonical text of `text` read in `mode`.
#[must_use]
pub fn canonical(text: &str, mode: Mode) -> String {
    match mode {
        Mode::Plain => text.trim_end().to_owned(),
        Mode::Expr => canonical_expr(text).unwrap_or_else(|| unparsed(text)),
        Mode::Statements => canonical_statements(text).unwrap_or_else(|| unparsed(text)),
    }
}

fn unparsed(text: &str) -> String {
    format!(
        "(unparsed) {}",
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    )
}

fn canonical_expr(text: &str) -> Option<String> {
    let dialect = PostgreSqlDialect {};
    let mut parser = Parser::new(&dialect).try_with_sql(text).ok()?;
    let mut expr = parser.parse_expr().ok()?;
    if parser.peek_token().token != sqlparser::tokenizer::Token::EOF {
        return None;
    }
    let _ = expr.visit(&mut Canon::default());
    // The root needs no parentheses of its own.
    if let Expr::Nested(inner) = expr {
        expr = *inner;
    }
    Some(expr.to_string())
}

fn canonical_statements(text: &str) -> Option<String> {
    let mut statements = Parser::parse_sql(&PostgreSqlDialect {}, text).ok()?;
    let _ = statements.visit(&mut Canon::default());
    let rendered: Vec<String> = statements.iter().map(|s| format!("{s:#}")).collect();
    Some(rendered.join(";\n"))
}

/// The rewrite, post-order over expressions, with the single relation of each query level.
#[derive(Default)]
struct Canon {
    /// Per enclosing query, innermost last: the name that qualifies its one relation, if it
    /// reads exactly one.
    single: Vec<Option<String>>,
}

impl VisitorMut for Canon {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        self.single.push(single_relation(query));
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _query: &mut Query) -> ControlFlow<()> {
        self.single.pop();
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let (Some(Some(q)), Expr::CompoundIdentifier(parts)) = (self.single.last(), &*expr) {
            if let [rel, col] = parts.as_slice() {
                if rel.value == *q {
                    let col: Ident = col.clone();
                    *expr = Expr::Identifier(col);
                }
            }
        }
        normalise(expr);
        ControlFlow::Continue(())
    }
}

/// The qualifier of the one relation a query level reads (`FROM t AS x` → `x`, `FROM s.t` →
/// `t`), or `None` for joins, several relations or set operations.
fn single_relation(query: &Query) -> Option<String> {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return None;
    };
    let [from] = select.from.as_slice() else {
        return None;
    };
    if !from.joins.is_empty() {
        return None;
    }
    match &from.relation {
        TableFactor::Table { name, alias, .. } => match alias {
            Some(a) => Some(a.name.value.clone()),
            None => name
                .0
                .last()
                .and_then(|p| p.as_ident())
                .map(|i| i.value.clone()),
        },
        TableFactor::Derived { alias: Some(a), .. } => Some(a.name.value.clone()),
        _ => None,
    }
}

/// One post-order rewrite step (children are already canonical).
fn normalise(expr: &mut Expr) {
    match expr {
        Expr::Nested(inner) => {
            let inner = std::mem::replace(inner.as_mut(), Expr::value(Value::Null));
            *expr = inner;
            return;
        }
        Expr::Cast {
            kind,
            expr: operand,
            data_type,
            format: None,
        } if matches!(kind, CastKind::Cast | CastKind::DoubleColon) => {
            *kind = CastKind::DoubleColon;
            *data_type = canonical_type(data_type);
            if let (Expr::Array(array), Some(elem_type)) =
                (operand.as_mut(), array_element(data_type))
            {
                let elem_type = elem_type.clone();
                for e in &mut array.elem {
                    let inner = std::mem::replace(e, Expr::value(Value::Null));
                    *e = collapse_cast(Expr::Cast {
                        kind: CastKind::DoubleColon,
                        expr: Box::new(inner),
                        data_type: elem_type.clone(),
                        format: None,
                    });
                }
                let array = std::mem::replace(operand.as_mut(), Expr::value(Value::Null));
                *expr = array;
                return;
            }
            let taken = std::mem::replace(expr, Expr::value(Value::Null));
            *expr = collapse_cast(taken);
            return;
        }
        _ => {}
    }
    if is_compound(expr) {
        let taken = std::mem::replace(expr, Expr::value(Value::Null));
        *expr = Expr::Nested(Box::new(taken));
    }
}

/// `('lit'::varchar)::T` → `'lit'::T` (an unbounded string type changes nothing on the way).
fn collapse_cast(expr: Expr) -> Expr {
    match expr {
        Expr::Cast {
            kind: CastKind::DoubleColon,
            expr: inner,
            data_type,
            format: None,
        } => match *inner {
            Expr::Cast {
                kind: CastKind::DoubleColon | CastKind::Cast,
                expr: lit,
                data_type: via,
                format: None,
            } if is_string_literal(&lit) && is_unbounded_string(&canonical_type(&via)) => {
                Expr::Cast {
                    kind: CastKind::DoubleColon,
                    expr: lit,
                    data_type,
                    format: None,
                }
            }
            other => Expr::Cast {
                kind: CastKind::DoubleColon,
                expr: Box::new(other),
                data_type,
                format: None,
            },
        },
        other => other,
    }
}

fn is_string_literal(e: &Expr) -> bool {
    matches!(
        e,
        Expr::Value(ValueWithSpan {
            value: Value::SingleQuotedString(_) | Value::EscapedStringLiteral(_),
            ..
        })
    )
}

fn is_unbounded_string(t: &DataType) -> bool {
    matches!(t, DataType::Text | DataType::Varchar(None))
}

fn array_element(t: &DataType) -> Option<&DataType> {
    match t {
        DataType::Array(ArrayElemTypeDef::SquareBracket(inner, None)) => Some(inner),
        _ => None,
    }
}

/// Spellings of one type that PostgreSQL treats as the same.
fn canonical_type(t: &DataType) -> DataType {
    match t {
        DataType::CharacterVarying(len) => DataType::Varchar(*len),
        DataType::Bool => DataType::Boolean,
        DataType::Array(ArrayElemTypeDef::SquareBracket(inner, size)) => DataType::Array(
            ArrayElemTypeDef::SquareBracket(Box::new(canonical_type(inner)), *size),
        ),
        other => other.clone(),
    }
}

/// Operations whose operands need explicit grouping once the source's parentheses are gone.
fn is_compound(e: &Expr) -> bool {
    matches!(
        e,
        Expr::BinaryOp { .. }
            | Expr::UnaryOp { .. }
            | Expr::IsNull(_)
            | Expr::IsNotNull(_)
            | Expr::IsTrue(_)
            | Expr::IsNotTrue(_)
            | Expr::IsFalse(_)
            | Expr::IsNotFalse(_)
            | Expr::IsUnknown(_)
            | Expr::IsNotUnknown(_)
            | Expr::IsDistinctFrom(..)
            | Expr::IsNotDistinctFrom(..)
            | Expr::In { .. }
            | Expr::Between { .. }
            | Expr::Like { .. }
            | Expr::ILike { .. }
            | Expr::SimilarTo { .. }
            | Expr::RLike { .. }
            | Expr::AnyOp { .. }
            | Expr::AllOp { .. }
            | Expr::AtTimeZone { .. }
            | Expr::Collate { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::{canonical, Mode};

    fn expr(s: &str) -> String {
        canonical(s, Mode::Expr)
    }

    fn view(s: &str) -> String {
        canonical(s, Mode::Statements)
    }

    #[test]
    fn array_cast_renderings_are_one() {
        let created =
            "((t.v)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))";
        let restored = "((t.v)::text = ANY (ARRAY[('a'::character varying)::text, ('b'::character varying)::text]))";
        assert_eq!(expr(created), expr(restored));
        assert_eq!(
            expr("status = ANY (ARRAY['active', 'deprecated']::text[])"),
            expr("(status = ANY (ARRAY['active'::text, 'deprecated'::text]))")
        );
        assert!(!expr(created).contains("unparsed"), "{}", expr(created));
    }

    #[test]
    fn a_changed_value_or_column_is_a_difference() {
        let base = expr("(t.v)::text = ANY (ARRAY['a'::text, 'b'::text])");
        assert_ne!(
            base,
            expr("(t.v)::text = ANY (ARRAY['a'::text, 'c'::text])")
        );
        assert_ne!(
            base,
            expr("(t.w)::text = ANY (ARRAY['a'::text, 'b'::text])")
        );
        assert_ne!(
            base,
            expr("(t.v)::text <> ALL (ARRAY['a'::text, 'b'::text])")
        );
    }

    #[test]
    fn redundant_parentheses_go_and_grouping_stays() {
        assert_eq!(
            expr("(((t.n > 1) AND (t.n < 5)) OR (t.n = 7))"),
            expr("t.n > 1 AND t.n < 5 OR t.n = 7")
        );
        assert_ne!(expr("(a OR b) AND c"), expr("a OR (b AND c)"));
        assert_ne!(expr("(a OR b) AND c"), expr("a OR b AND c"));
    }

    #[test]
    fn bounded_varchar_casts_are_kept() {
        assert_ne!(
            expr("('abc'::varchar(2))::text"),
            expr("'abc'::text"),
            "varchar(2) truncates"
        );
        assert_eq!(expr("CAST('abc' AS text)"), expr("'abc'::text"));
    }

    #[test]
    fn views_compare_by_meaning_not_layout() {
        let a = " SELECT t.s\n   FROM t\n  WHERE (t.s = ANY (ARRAY['a'::text, 'b'::text]));";
        let b = "SELECT t.s FROM t WHERE t.s = ANY (ARRAY['a', 'b']::text[])";
        assert_eq!(view(a), view(b));
        assert_ne!(
            view(a),
            view("SELECT t.s FROM t WHERE t.s = ANY (ARRAY['a', 'x']::text[])")
        );
        assert_ne!(
            view(a),
            view("SELECT t.v FROM t WHERE t.s = ANY (ARRAY['a', 'b']::text[])")
        );
    }

    #[test]
    fn single_relation_qualifiers_are_dropped_only_at_their_level() {
        let pg15 = "SELECT g.k, count(*) AS n FROM own g GROUP BY g.k HAVING (count(*) > 1);";
        let pg16 = "SELECT k, count(*) AS n FROM own g GROUP BY k HAVING (count(*) > 1);";
        assert_eq!(view(pg15), view(pg16));
        // An outer reference inside a subquery keeps its qualifier.
        let outer = "SELECT g.k FROM own g WHERE NOT EXISTS (SELECT 1 FROM own x WHERE x.k = g.k)";
        let wrong = "SELECT g.k FROM own g WHERE NOT EXISTS (SELECT 1 FROM own x WHERE x.k = k)";
        assert_ne!(view(outer), view(wrong));
        // Joins keep every qualifier.
        assert_ne!(
            view("SELECT a.k FROM a JOIN b ON a.k = b.k"),
            view("SELECT k FROM a JOIN b ON a.k = b.k")
        );
    }

    #[test]
    fn unreadable_text_is_compared_as_text() {
        assert_eq!(expr("a +* b"), "(unparsed) a +* b");
        assert_eq!(canonical("  x  \n", Mode::Plain), "  x");
    }
}
