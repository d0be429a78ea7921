//! What a write target reaches: a protected table directly, every table of a schema (`*`),
//! or a relation this script made into a way into a protected one (a view, rule, child table,
//! rename); and the words that name it in messages.

use super::Engine;
use crate::lint::effects::{self, Cols, NameRef, Write};
use crate::lint::names::same_relation;
use crate::lint::policy::{ProtectedColumn, ProtectedTable};

/// A relation this script made into a way into a protected one (see [`effects::Link`]).
#[derive(Debug, Clone)]
pub(super) struct Derived {
    child: NameRef,
    /// The protected table reached (directly or through other derived relations), if any.
    table: Option<ProtectedTable>,
    /// The relation whose protected columns are reached, if any.
    columns_of: Option<NameRef>,
    keeps_columns: bool,
    /// `` `v`, which is a view over `t` `` for messages.
    shown: String,
}

impl Engine<'_> {
    /// The protected-table entry a write target resolves to, with the words to show for it
    /// (`*` targets, e.g. `GRANT … ON ALL TABLES IN SCHEMA s`, hit every entry of the schema).
    pub(crate) fn protected_hit(&self, t: &NameRef) -> Option<(ProtectedTable, String)> {
        if let Some(hit) = self.direct_hit(t) {
            return Some(hit);
        }
        let d = self.derived_of(t)?;
        let p = d.table.clone()?;
        Some((p, d.shown.clone()))
    }

    /// The derived relation `t` names, if the script made one.
    fn derived_of(&self, t: &NameRef) -> Option<&Derived> {
        if t.name == "*" {
            return None;
        }
        self.derived
            .iter()
            .rev()
            .find(|d| same_relation(&d.child, t))
    }

    /// A protected column renamed: the new name is protected too (the old one stays so).
    pub(super) fn rename_column(&mut self, table: &NameRef, from: &str, to: &str) {
        let hits: Vec<ProtectedColumn> = self
            .policy
            .columns_of(table.schema.as_deref(), &table.name)
            .filter(|c| c.column == from)
            .cloned()
            .collect();
        for c in hits {
            let reason = format!("renamed from protected column `{from}`: {}", c.reason);
            self.policy.to_mut().columns.push(ProtectedColumn {
                column: to.to_string(),
                reason,
                ..c
            });
        }
    }

    /// Record a link when its parent is (or leads to) something protected.
    pub(super) fn derive(&mut self, l: effects::Link) {
        let (table, columns_of, keeps, via) = if let Some(d) = self.derived_of(&l.parent) {
            (
                d.table.clone(),
                d.columns_of.clone(),
                d.keeps_columns && l.keeps_columns,
                d.shown.clone(),
            )
        } else {
            let table = self.direct_hit(&l.parent).map(|(p, _)| p);
            let cols = self
                .policy
                .columns_of(l.parent.schema.as_deref(), &l.parent.name)
                .next()
                .is_some();
            let via = match &table {
                Some(_) => format!("protected table `{}`", l.parent.display()),
                None => format!("`{}`, which has protected columns", l.parent.display()),
            };
            (table, cols.then(|| l.parent.clone()), l.keeps_columns, via)
        };
        if table.is_none() && columns_of.is_none() {
            return;
        }
        let shown = format!("`{}`, which {} {via}", l.child.display(), l.how);
        self.derived.push(Derived {
            child: l.child,
            table,
            columns_of,
            keeps_columns: keeps,
            shown,
        });
    }

    /// A write through a derived relation, restated on the relation whose protected columns it
    /// reaches (every column, when the way in may rename them).
    pub(crate) fn column_write_through(&self, w: &Write) -> Option<Write> {
        let d = self.derived_of(&w.target)?;
        let parent = d.columns_of.as_ref()?;
        let mut m = w.clone();
        m.target.schema.clone_from(&parent.schema);
        m.target.name.clone_from(&parent.name);
        if !d.keeps_columns && matches!(&m.cols, Cols::Named(v) if !v.is_empty()) {
            m.cols = Cols::All;
        }
        Some(m)
    }

    fn direct_hit(&self, t: &NameRef) -> Option<(ProtectedTable, String)> {
        if t.name == "*" {
            let p = self
                .policy
                .tables
                .iter()
                .find(|p| p.table != "*" && (p.schema.is_none() || p.schema == t.schema))?;
            if t.schema.is_none() {
                let shown = format!(
                    "what it reaches (unknown without the schema), possibly protected table `{}`",
                    p.table
                );
                return Some((p.clone(), shown));
            }
            let shown = format!(
                "every table in schema `{}`, including protected table `{}`",
                t.schema.as_deref().unwrap_or("?"),
                p.table
            );
            Some((p.clone(), shown))
        } else {
            let p = self.policy.table(t.schema.as_deref(), &t.name)?;
            Some((p.clone(), format!("protected table `{}`", t.display())))
        }
    }
}
