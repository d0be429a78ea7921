//! Parsing gate conditions (`210`, `'>= 1'`, `directus`) and deltas (`'0 -> 30'`, `-30`).

use super::model::{Change, Condition, MetricType, Number, Op, Value};
use super::raw::Scalar;

/// Parse a gate/expect/final-state value for a metric of type `ty`.
pub fn condition(scalar: &Scalar, ty: MetricType) -> Result<Condition, String> {
    let (op, rest, from_yaml_number) = match scalar {
        Scalar::Int(i) => (Op::Eq, i.to_string(), true),
        Scalar::Float(f) => (Op::Eq, f.to_string(), true),
        Scalar::Bool(b) => {
            return Err(format!(
                "`{b}` is a boolean; a gate compares a metric with a number or text"
            ))
        }
        Scalar::Str(s) => {
            let (op, rest) = split_op(s.trim());
            (op, rest.trim().to_owned(), false)
        }
    };
    if rest.is_empty() {
        return Err("the comparison has no value".into());
    }
    let value = match ty {
        MetricType::Integer | MetricType::Numeric => {
            let n = Number::parse(&rest).ok_or_else(|| {
                format!(
                    "`{rest}` is not a number, and this metric is {}",
                    type_name(ty)
                )
            })?;
            if ty == MetricType::Integer && n.normalized().scale > 0 {
                return Err(format!(
                    "`{rest}` is not a whole number, and this metric is an integer"
                ));
            }
            Value::Number(n)
        }
        MetricType::Text => {
            if from_yaml_number {
                return Err(format!(
                    "`{rest}` is a number, and this metric is text: quote it ('{rest}')"
                ));
            }
            if !matches!(op, Op::Eq | Op::Ne) {
                return Err("text metrics can only be compared with = or <>".into());
            }
            Value::Text(unquote(&rest).to_owned())
        }
    };
    Ok(Condition { op, value })
}

/// A seed delta as written in spec v2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedDelta {
    /// `-> TO`: the start is the gate's value.
    To(Number),
    /// `FROM -> TO`, for a metric no exact gate fixes.
    FromTo(Number, Number),
    /// A signed change (`-30`).
    By(Number),
}

/// Parse a seed delta: `-> TO`, `FROM -> TO` or a signed change.
pub fn seed_delta(scalar: &Scalar) -> Result<SeedDelta, String> {
    if let Scalar::Str(s) = scalar {
        let s = s.trim();
        if let Some(to) = s.strip_prefix("->").or_else(|| s.strip_prefix('→')) {
            return Number::parse(to.trim())
                .map(SeedDelta::To)
                .ok_or_else(|| format!("`{}` is not a number; {SHAPE}", to.trim()));
        }
    }
    Ok(match delta(scalar)? {
        Change::Absolute { from, to } => SeedDelta::FromTo(from, to),
        Change::Relative { by } => SeedDelta::By(by),
        // Unreachable: the `->` prefix is handled above; kept total for the match.
        Change::Reaches { to } => SeedDelta::To(to),
    })
}

const SHAPE: &str =
    "write a delta as '-> TO' (start from the gate), 'FROM -> TO' or a signed change (e.g. -30)";

/// Parse a delta: `'A -> B'` (absolute) or a signed number (relative).
pub fn delta(scalar: &Scalar) -> Result<Change, String> {
    match scalar {
        Scalar::Int(i) => Ok(Change::Relative {
            by: Number::from_i64(*i),
        }),
        Scalar::Float(f) => Number::parse(&f.to_string())
            .map(|by| Change::Relative { by })
            .ok_or_else(|| SHAPE.to_owned()),
        Scalar::Bool(_) => Err(SHAPE.to_owned()),
        Scalar::Str(s) => {
            let s = s.trim();
            let arrow = s.split_once("->").or_else(|| s.split_once('→'));
            if let Some((from, to)) = arrow {
                if from.trim().is_empty() {
                    let to = Number::parse(to)
                        .ok_or_else(|| format!("`{}` is not a number; {SHAPE}", to.trim()))?;
                    return Ok(Change::Reaches { to });
                }
                let from = Number::parse(from)
                    .ok_or_else(|| format!("`{}` is not a number; {SHAPE}", from.trim()))?;
                let to = Number::parse(to)
                    .ok_or_else(|| format!("`{}` is not a number; {SHAPE}", to.trim()))?;
                Ok(Change::Absolute { from, to })
            } else if s.starts_with('+') || s.starts_with('-') {
                Number::parse(s)
                    .map(|by| Change::Relative { by })
                    .ok_or_else(|| SHAPE.to_owned())
            } else {
                Err(SHAPE.to_owned())
            }
        }
    }
}

fn split_op(s: &str) -> (Op, &str) {
    for (prefix, op) in [
        (">=", Op::Ge),
        ("<=", Op::Le),
        ("<>", Op::Ne),
        ("!=", Op::Ne),
        ("≥", Op::Ge),
        ("≤", Op::Le),
        ("≠", Op::Ne),
        ("=", Op::Eq),
        (">", Op::Gt),
        ("<", Op::Lt),
    ] {
        if let Some(rest) = s.strip_prefix(prefix) {
            return (op, rest);
        }
    }
    (Op::Eq, s)
}

fn unquote(s: &str) -> &str {
    s.strip_prefix('\'')
        .and_then(|r| r.strip_suffix('\''))
        .unwrap_or(s)
}

fn type_name(ty: MetricType) -> &'static str {
    match ty {
        MetricType::Integer => "an integer",
        MetricType::Numeric => "numeric",
        MetricType::Text => "text",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_parse_by_metric_type() {
        let c = condition(&Scalar::Str(">= 1".into()), MetricType::Integer).expect("valid");
        assert_eq!(c.op, Op::Ge);
        assert_eq!(c.value, Value::Number(Number::from_i64(1)));
        let c = condition(&Scalar::Str("directus".into()), MetricType::Text).expect("valid");
        assert_eq!(c.value, Value::Text("directus".into()));
        assert!(condition(&Scalar::Str("1.5".into()), MetricType::Integer).is_err());
        assert!(condition(&Scalar::Int(3), MetricType::Text).is_err());
        assert!(condition(&Scalar::Str("> x".into()), MetricType::Text).is_err());
        assert!(condition(&Scalar::Bool(true), MetricType::Integer).is_err());
    }

    #[test]
    fn deltas_parse_both_forms() {
        let d = delta(&Scalar::Str("210 -> 0".into())).expect("valid");
        assert_eq!(d.net(), Some(Number::from_i64(-210)));
        let d = delta(&Scalar::Int(-30)).expect("valid");
        assert_eq!(
            d,
            Change::Relative {
                by: Number::from_i64(-30)
            }
        );
        assert!(delta(&Scalar::Str("30".into())).is_err());
        let d = delta(&Scalar::Str("-> 0".into())).expect("valid");
        assert_eq!(
            d,
            Change::Reaches {
                to: Number::from_i64(0)
            }
        );
        assert_eq!(d.net(), None);
        assert!(delta(&Scalar::Str("a -> 3".into())).is_err());
    }

    #[test]
    fn numbers_compare_exactly() {
        let a = Number::parse("100.00").expect("n");
        let b = Number::parse("100").expect("n");
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "100");
        assert_eq!(
            Number::parse("0.1")
                .expect("n")
                .plus(Number::parse("0.2").expect("n")),
            Number::parse("0.3").expect("n")
        );
        assert!(Number::parse("1e5").is_none());
        assert!(Number::parse("99999999999999999999999").is_none());
    }
}
