//! What a parsed statement writes: the AST walk.
//!
//! sqlparser's `visit_relations` reports reads and writes alike, so the write positions are
//! matched here by hand: every DML variant, the DML nested in queries (data-modifying CTEs,
//! `SetExpr::{Insert,Update,Delete,Merge}`), `SELECT INTO`, `CREATE RULE` actions, `PREPARE`
//! bodies, `EXPLAIN ANALYZE`, and the DDL / privilege statements that name a table. The
//! result is a flat list of [`Write`]s; rules decide which of them are forbidden.

use std::borrow::Cow;

use sqlparser::ast::{
    Action, AlterColumnOperation, AlterTableOperation, Assignment, AssignmentTarget,
    BinaryOperator, CascadeOption, CommentObject, CopySource, CopyTarget, CreateRuleAction, Expr,
    FromTable, FunctionArg, FunctionArgExpr, FunctionArguments, GrantObjects, Ident, MergeAction,
    MergeInsertKind, MergeUpdateKind, ObjectName, ObjectNamePart, ObjectType, OnConflictAction,
    OnInsert, Privileges, Query, RenameTableNameKind, SelectItem, SetExpr, Statement, TableFactor,
    TableObject, TableWithJoins, Value,
};

use crate::lint::finding::Pos;

// Names are resolved in one place (folding, quoting, qualification): re-exported here for the
// walk and its users.
pub use crate::lint::names::{fold, fold_word, ident_len, resolve, NameRef};

/// What kind of write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteKind {
    /// INSERT (also `ON CONFLICT DO UPDATE`).
    Insert,
    /// UPDATE.
    Update,
    /// DELETE.
    Delete,
    /// MERGE.
    Merge,
    /// TRUNCATE.
    Truncate,
    /// TRUNCATE … CASCADE (every table whose foreign keys reach the named ones).
    TruncateCascade,
    /// COPY … FROM / \copy … from.
    Copy,
    /// SELECT … INTO new_table.
    SelectInto,
    /// DDL, with a short description of the statement.
    Ddl(&'static str),
    /// GRANT / REVOKE.
    Privilege,
}

impl WriteKind {
    /// Words for messages.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            WriteKind::Insert => "INSERT into",
            WriteKind::Update => "UPDATE of",
            WriteKind::Delete => "DELETE from",
            WriteKind::Merge => "MERGE into",
            WriteKind::Truncate => "TRUNCATE of",
            WriteKind::TruncateCascade => "TRUNCATE … CASCADE empties",
            WriteKind::Copy => "COPY into",
            WriteKind::SelectInto => "SELECT INTO",
            WriteKind::Ddl(d) => d,
            WriteKind::Privilege => "GRANT/REVOKE on",
        }
    }

    /// Whether this changes rows (as opposed to definitions or privileges).
    #[must_use]
    pub fn is_row_write(self) -> bool {
        !matches!(self, WriteKind::Ddl(_) | WriteKind::Privilege)
    }
}

/// Which columns a write sets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Cols {
    /// None in particular (DELETE, TRUNCATE, most DDL).
    #[default]
    None,
    /// Every column (INSERT / COPY without a column list).
    All,
    /// These columns (folded), with positions.
    Named(Vec<(String, Pos)>),
    /// Any column, later and indirectly: a trigger or rule on the table, a table-level grant.
    Any,
}

/// What a value expression is, for the provenance checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueKind {
    /// `current_setting('packetc.provenance_tag')`.
    TagSetting,
    /// `current_setting('packetc.<name>')`.
    Setting(String),
    /// A string literal (or a psql `:'var'` literal).
    Literal,
    /// Anything else.
    Other,
}

/// One write found in a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    /// What kind.
    pub kind: WriteKind,
    /// The table written.
    pub target: NameRef,
    /// The columns set.
    pub cols: Cols,
    /// Whether the target is (or is created as) a temporary table.
    pub temp: bool,
    /// Whether this switches triggers off (DISABLE TRIGGER, DROP TRIGGER).
    pub trigger_off: bool,
    /// For INSERT: value kind per named column (worst over all rows).
    pub stamps: Vec<(String, ValueKind)>,
    /// For DELETE/UPDATE: the `column = value` equalities AND-ed in the WHERE clause.
    pub filter: Vec<(String, ValueKind)>,
}

impl Write {
    /// A write with nothing but its kind and target.
    #[must_use]
    pub fn new(kind: WriteKind, target: NameRef) -> Write {
        Write {
            kind,
            target,
            cols: Cols::None,
            temp: false,
            trigger_off: false,
            stamps: Vec::new(),
            filter: Vec::new(),
        }
    }
}

/// Transaction control seen at top level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Txn {
    /// BEGIN / START TRANSACTION.
    Begin,
    /// COMMIT / END / ROLLBACK (not to a savepoint).
    End,
}

/// A relation the statement makes into a way into another one: rows written to `child` are
/// rows of `parent` (inheritance, partitions, auto-updatable views, `_RETURN` rules).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The new way in.
    pub child: NameRef,
    /// What it reaches.
    pub parent: NameRef,
    /// Words for messages (`inherits from`, `is a view over` …).
    pub how: &'static str,
    /// Whether the child's columns are the parent's, by name (inheritance keeps them; a view
    /// may rename them, so a write through it sets columns that cannot be named here).
    pub keeps_columns: bool,
}

/// Everything one statement does that the rules care about.
#[derive(Debug, Default)]
pub struct Effects {
    /// Writes, in source order.
    pub writes: Vec<Write>,
    /// Relations made into ways into other relations.
    pub links: Vec<Link>,
    /// Transaction control.
    pub txn: Option<Txn>,
    /// A statement of a kind the walker does not model that may change the database; the
    /// engine checks its tokens for protected names.
    pub other_ddl: bool,
    /// A statement that cannot change anything (SHOW, RESET …): its tokens need no scan for
    /// `session_replication_role`.
    pub inert_setting: bool,
    /// `COPY … PROGRAM`: runs a shell command on the server.
    pub runs_program: bool,
    /// Roles granted by `GRANT role TO …`.
    pub granted_roles: Vec<NameRef>,
    /// `ALTER DEFAULT PRIVILEGES`: changes the privileges of tables created later.
    pub default_privileges: bool,
    /// DDL on something that is not a relation (a schema, type, collation, domain, role).
    pub non_relation_ddl: bool,
    /// `ALTER TABLE t RENAME COLUMN a TO b`: (table, a, b), folded.
    pub renamed_columns: Vec<(NameRef, String, String)>,
}

impl Effects {
    fn link(&mut self, child: &ObjectName, parent: &ObjectName, how: &'static str, keeps: bool) {
        if let (Some(child), Some(parent)) = (resolve(child), resolve(parent)) {
            self.links.push(Link {
                child,
                parent,
                how,
                keeps_columns: keeps,
            });
        }
    }

    fn push(&mut self, kind: WriteKind, on: &ObjectName) -> Option<&mut Write> {
        let target = resolve(on)?;
        self.writes.push(Write::new(kind, target));
        self.writes.last_mut()
    }
}

/// Walk one statement.
pub fn statement(st: &Statement, fx: &mut Effects) {
    if let Statement::Copy {
        target: CopyTarget::Program { .. },
        ..
    } = st
    {
        fx.runs_program = true;
    }
    match st {
        Statement::Insert(i) => {
            let TableObject::TableName(name) = &i.table else {
                fx.other_ddl = true;
                return;
            };
            let mut cols = if i.columns.is_empty() {
                if i.source.is_none() && i.assignments.is_empty() {
                    Cols::None
                } else {
                    Cols::All
                }
            } else {
                // `INSERT … (active.f)` / `(levels[1])` set `active` / `levels`: every part of
                // a dotted name counts (fail closed).
                Cols::Named(i.columns.iter().flat_map(all_idents).collect())
            };
            if let Some(OnInsert::OnConflict(oc)) = &i.on {
                if let OnConflictAction::DoUpdate(du) = &oc.action {
                    add_assigned(&mut cols, &du.assignments);
                }
            }
            if !i.assignments.is_empty() {
                add_assigned(&mut cols, &i.assignments);
            }
            let stamps = match (&cols, &i.source) {
                (Cols::Named(c), Some(src)) => stamps(c, src),
                _ => Vec::new(),
            };
            if let Some(w) = fx.push(WriteKind::Insert, name) {
                w.cols = cols;
                w.stamps = stamps;
            }
            if let Some(src) = &i.source {
                query(src, fx);
            }
        }
        Statement::Update(u) => {
            if let Some(name) = relation(&u.table) {
                let mut cols = Cols::Named(Vec::new());
                add_assigned(&mut cols, &u.assignments);
                let filter = u.selection.as_ref().map(conjuncts).unwrap_or_default();
                if let Some(w) = fx.push(WriteKind::Update, name) {
                    w.cols = cols;
                    w.filter = filter;
                }
            }
        }
        Statement::Delete(d) => {
            let tables = match &d.from {
                FromTable::WithFromKeyword(t) | FromTable::WithoutKeyword(t) => t,
            };
            let filter = d.selection.as_ref().map(conjuncts).unwrap_or_default();
            for name in &d.tables {
                if let Some(w) = fx.push(WriteKind::Delete, name) {
                    w.filter.clone_from(&filter);
                }
            }
            if d.tables.is_empty() {
                for t in tables {
                    if let Some(name) = relation(t) {
                        if let Some(w) = fx.push(WriteKind::Delete, name) {
                            w.filter.clone_from(&filter);
                        }
                    }
                }
            }
        }
        Statement::Merge(m) => {
            let TableFactor::Table { name, .. } = &m.table else {
                fx.other_ddl = true;
                return;
            };
            let mut cols = Cols::Named(Vec::new());
            for c in &m.clauses {
                match &c.action {
                    MergeAction::Update(u) => match &u.kind {
                        MergeUpdateKind::Set(a) => add_assigned(&mut cols, a),
                        _ => cols = Cols::All,
                    },
                    MergeAction::Insert(ins) => {
                        if ins.columns.is_empty()
                            || matches!(ins.kind, MergeInsertKind::Row | MergeInsertKind::Wildcard)
                        {
                            cols = Cols::All;
                        } else if let Cols::Named(v) = &mut cols {
                            v.extend(ins.columns.iter().filter_map(last_ident));
                        }
                    }
                    MergeAction::Delete { .. } | MergeAction::DoNothing { .. } => {}
                }
            }
            if let Some(w) = fx.push(WriteKind::Merge, name) {
                w.cols = cols;
            }
        }
        Statement::Truncate(t) => {
            for tt in &t.table_names {
                fx.push(WriteKind::Truncate, &tt.name);
            }
            // CASCADE empties every table whose foreign keys reach these: unknown reach.
            if matches!(t.cascade, Some(CascadeOption::Cascade)) {
                if let Some(first) = t.table_names.first().and_then(|tt| resolve(&tt.name)) {
                    fx.writes
                        .push(Write::new(WriteKind::TruncateCascade, anything(&first)));
                }
            }
        }
        Statement::Copy {
            source, to: false, ..
        } => match source {
            CopySource::Table {
                table_name,
                columns,
            } => {
                let cols = if columns.is_empty() {
                    Cols::All
                } else {
                    Cols::Named(
                        columns
                            .iter()
                            .map(|c| (fold(c), Pos::from_loc(c.span.start)))
                            .collect(),
                    )
                };
                if let Some(w) = fx.push(WriteKind::Copy, table_name) {
                    w.cols = cols;
                }
            }
            CopySource::Query(q) => query(q, fx),
        },
        Statement::Copy {
            source: CopySource::Query(q),
            ..
        } => query(q, fx),
        Statement::Copy { .. } => {}
        Statement::Query(q) => query(q, fx),
        Statement::CreateRule(r) => {
            if let Some(w) = fx.push(WriteKind::Ddl("CREATE RULE on"), &r.table_name) {
                w.cols = Cols::Any;
            }
            // `CREATE RULE "_RETURN" AS ON SELECT TO t DO INSTEAD SELECT … FROM p` turns `t`
            // into a view over `p`.
            if let CreateRuleAction::Statement(st) = &r.action {
                if let Statement::Query(q) = st.as_ref() {
                    let mut reads = Vec::new();
                    query_reads(q, &mut reads);
                    for p in reads {
                        fx.link(&r.table_name, &p, "is (by a rule) a view over", false);
                    }
                }
            }
            let before = fx.writes.len();
            match &r.action {
                CreateRuleAction::Nothing => {}
                CreateRuleAction::Statement(s) => statement(s, fx),
                CreateRuleAction::Statements(v) => v.iter().for_each(|s| statement(s, fx)),
            }
            // Every later write to the rule's table runs the rule's writes.
            if let Some(child) = resolve(&r.table_name) {
                let reached: Vec<NameRef> = fx.writes[before..]
                    .iter()
                    .filter(|w| w.kind.is_row_write())
                    .map(|w| w.target.clone())
                    .collect();
                for parent in reached {
                    fx.links.push(Link {
                        child: child.clone(),
                        parent,
                        how: "has a rule that writes",
                        keeps_columns: false,
                    });
                }
            }
        }
        Statement::Prepare { statement: s, .. } => statement(s, fx),
        Statement::Explain {
            analyze,
            statement: s,
            options,
            ..
        } => {
            // `EXPLAIN ANALYZE` and `EXPLAIN (ANALYZE [true|on|1])` execute the statement.
            // PostgreSQL reads the option as `analyze` or `analyse`, the last one wins, and
            // only `false`, `off` and `0` switch it off (anything else runs it: fail closed).
            let mut analyze_opt = false;
            for o in options.iter().flatten() {
                let n = o.name.value.to_ascii_lowercase();
                if n == "analyze" || n == "analyse" {
                    analyze_opt = !matches!(&o.arg, Some(a) if {
                        let v = a.to_string().trim_matches('\'').to_ascii_lowercase();
                        v == "false" || v == "off" || v == "0"
                    });
                }
            }
            if *analyze || analyze_opt {
                statement(s, fx);
            }
        }
        Statement::CreateTable(ct) => {
            if let Some(w) = fx.push(WriteKind::Ddl("CREATE TABLE named like"), &ct.name) {
                w.temp = ct.temporary;
            }
            if let Some(q) = &ct.query {
                query(q, fx);
            }
            // Rows written to a child are rows of its parents (and its triggers do not fire).
            for p in ct.inherits.iter().flatten() {
                fx.push(WriteKind::Ddl("CREATE TABLE … INHERITS from"), p);
                fx.link(&ct.name, p, "inherits from", true);
            }
            if let Some(p) = &ct.partition_of {
                fx.push(WriteKind::Ddl("CREATE TABLE … PARTITION OF"), p);
                fx.link(&ct.name, p, "is a partition of", true);
            }
        }
        Statement::CreateView(cv) => {
            if let Some(w) = fx.push(WriteKind::Ddl("CREATE VIEW named like"), &cv.name) {
                w.temp = cv.temporary;
            }
            // Creating a view reads its tables; a write through the view later is a write to
            // them, so the view becomes a way into each (a materialized view cannot be written).
            if !cv.materialized {
                let mut reads = Vec::new();
                query_reads(&cv.query, &mut reads);
                for r in reads {
                    fx.link(&cv.name, &r, "is a view over", false);
                }
            }
        }
        Statement::AlterTable(at) => {
            for op in &at.operations {
                let (kind, cols, off) = match op {
                    AlterTableOperation::DisableTrigger { .. } => {
                        ("ALTER TABLE … DISABLE TRIGGER on", Cols::None, true)
                    }
                    AlterTableOperation::AlterColumn { column_name, op } => {
                        let what = match op {
                            AlterColumnOperation::SetDefault { .. } => {
                                "ALTER COLUMN … SET DEFAULT on"
                            }
                            _ => "ALTER COLUMN on",
                        };
                        (what, named_ident(column_name), false)
                    }
                    AlterTableOperation::DropColumn { column_names, .. } => (
                        "DROP COLUMN on",
                        Cols::Named(
                            column_names
                                .iter()
                                .map(|c| (fold(c), Pos::from_loc(c.span.start)))
                                .collect(),
                        ),
                        false,
                    ),
                    AlterTableOperation::RenameColumn {
                        old_column_name,
                        new_column_name,
                    } => {
                        if let Some(t) = resolve(&at.name) {
                            fx.renamed_columns.push((
                                t,
                                fold(old_column_name),
                                fold(new_column_name),
                            ));
                        }
                        (
                            "RENAME COLUMN on",
                            Cols::Named(vec![
                                (
                                    fold(old_column_name),
                                    Pos::from_loc(old_column_name.span.start),
                                ),
                                (
                                    fold(new_column_name),
                                    Pos::from_loc(new_column_name.span.start),
                                ),
                            ]),
                            false,
                        )
                    }
                    AlterTableOperation::Inherit { parent } => {
                        fx.push(WriteKind::Ddl("ALTER TABLE … INHERIT"), parent);
                        fx.link(&at.name, parent, "inherits from", true);
                        ("ALTER TABLE on", Cols::None, false)
                    }
                    AlterTableOperation::NoInherit { parent } => {
                        fx.push(WriteKind::Ddl("ALTER TABLE … NO INHERIT"), parent);
                        ("ALTER TABLE on", Cols::None, false)
                    }
                    AlterTableOperation::AttachPartitionOf { partition, .. } => {
                        fx.link(partition, &at.name, "is a partition of", true);
                        ("ATTACH PARTITION to", Cols::None, false)
                    }
                    AlterTableOperation::RenameTable { table_name } => {
                        // The new name takes the old one's schema unless it names its own.
                        let (RenameTableNameKind::As(n) | RenameTableNameKind::To(n)) = table_name;
                        if let Some(mut t) = resolve(n) {
                            if t.schema.is_none() {
                                t.schema = resolve(&at.name).and_then(|o| o.schema);
                            }
                            // The renamed table keeps being what it was, under the new name.
                            if let Some(old) = resolve(&at.name) {
                                fx.links.push(Link {
                                    child: t.clone(),
                                    parent: old,
                                    how: "was renamed from",
                                    keeps_columns: true,
                                });
                            }
                            fx.writes
                                .push(Write::new(WriteKind::Ddl("RENAME TO the name of"), t));
                        }
                        ("RENAME of", Cols::None, false)
                    }
                    _ => ("ALTER TABLE on", Cols::None, false),
                };
                if let Some(w) = fx.push(WriteKind::Ddl(kind), &at.name) {
                    w.cols = cols;
                    w.trigger_off = off;
                }
            }
            if at.operations.is_empty() {
                fx.push(WriteKind::Ddl("ALTER TABLE on"), &at.name);
            }
        }
        Statement::CreateIndex(ci) => {
            fx.push(WriteKind::Ddl("CREATE INDEX on"), &ci.table_name);
        }
        Statement::CreateTrigger(ct) => {
            // A trigger can rewrite NEW: any column of the table.
            if let Some(w) = fx.push(WriteKind::Ddl("CREATE TRIGGER on"), &ct.table_name) {
                w.cols = Cols::Any;
            }
        }
        Statement::DropTrigger(dt) => {
            if let Some(t) = &dt.table_name {
                if let Some(w) = fx.push(WriteKind::Ddl("DROP TRIGGER on"), t) {
                    w.trigger_off = true;
                }
            } else {
                fx.other_ddl = true;
            }
        }
        Statement::AlterTrigger(at) => {
            fx.push(WriteKind::Ddl("ALTER TRIGGER on"), &at.table_name);
        }
        Statement::CreatePolicy(p) => {
            fx.push(WriteKind::Ddl("CREATE POLICY on"), &p.table_name);
        }
        Statement::AlterPolicy(p) => {
            fx.push(WriteKind::Ddl("ALTER POLICY on"), &p.table_name);
        }
        Statement::DropPolicy(p) => {
            fx.push(WriteKind::Ddl("DROP POLICY on"), &p.table_name);
        }
        Statement::DropRule(r) => {
            fx.push(WriteKind::Ddl("DROP RULE on"), &r.table_name);
        }
        Statement::Drop {
            object_type,
            names,
            cascade,
            table,
            ..
        } => {
            if *object_type == ObjectType::Schema {
                if *cascade {
                    for n in names {
                        if let Some(mut s) = resolve(n) {
                            s.schema = Some(s.name.clone());
                            s.name = "*".into();
                            fx.writes
                                .push(Write::new(WriteKind::Ddl("DROP SCHEMA … CASCADE drops"), s));
                        }
                    }
                }
            } else if matches!(
                object_type,
                ObjectType::Table
                    | ObjectType::ForeignTable
                    | ObjectType::View
                    | ObjectType::MaterializedView
                    | ObjectType::Index
                    | ObjectType::Sequence
            ) {
                for n in names {
                    fx.push(WriteKind::Ddl("DROP of"), n);
                }
            } else {
                // A type, role, collation … of a protected table's name is not the table.
                fx.non_relation_ddl = true;
            }
            if let Some(t) = table {
                fx.push(WriteKind::Ddl("DROP … ON"), t);
            }
        }
        Statement::Grant(g) => {
            let at = fx.writes.len();
            grant_objects(g.objects.as_ref(), fx);
            let cols = granted_columns(&g.privileges);
            for w in &mut fx.writes[at..] {
                w.cols = cols.clone();
            }
        }
        Statement::GrantRole(g) => {
            // `GRANT role TO …`: the granted roles, checked against the policy's write_roles.
            fx.granted_roles.extend(g.roles.iter().map(|r| NameRef {
                schema: None,
                name: fold(r),
                pos: Pos::from_loc(r.span.start),
                len: ident_len(r),
                from_var: false,
            }));
        }
        Statement::AlterDefaultPrivileges(_) => {
            fx.default_privileges = true;
        }
        Statement::Revoke(r) => grant_objects(r.objects.as_ref(), fx),
        Statement::Comment {
            object_type,
            object_name,
            ..
        } => match object_type {
            CommentObject::Column => {
                // A comment on a column sets no value of it: DDL on the table only.
                let mut parts = object_name.0.clone();
                parts.pop();
                fx.push(WriteKind::Ddl("COMMENT ON a column of"), &ObjectName(parts));
            }
            _ => {
                fx.push(WriteKind::Ddl("COMMENT ON"), object_name);
            }
        },
        Statement::RenameTable(v) => {
            for r in v {
                fx.push(WriteKind::Ddl("RENAME of"), &r.old_name);
            }
        }
        // Objects that are not relations, whatever they are named (a schema, a type or its
        // attributes, a collation, a domain): DDL for the packet rules, no protected name.
        Statement::CreateSchema { .. }
        | Statement::AlterSchema(_)
        | Statement::CreateType { .. }
        | Statement::AlterType(_)
        | Statement::CreateCollation(_)
        | Statement::CreateDomain(_)
        | Statement::DropFunction(_)
        | Statement::DropProcedure { .. } => fx.non_relation_ddl = true,
        Statement::StartTransaction { .. } => fx.txn = Some(Txn::Begin),
        Statement::Commit { .. } => fx.txn = Some(Txn::End),
        Statement::Rollback { savepoint, .. } => {
            if savepoint.is_none() {
                fx.txn = Some(Txn::End);
            }
        }
        Statement::ShowVariable { .. } | Statement::ShowVariables { .. } | Statement::Reset(_) => {
            fx.inert_setting = true
        }
        Statement::Set(_)
        | Statement::Savepoint { .. }
        | Statement::ReleaseSavepoint { .. }
        | Statement::Lock(_)
        | Statement::Deallocate { .. }
        | Statement::Execute { .. }
        | Statement::Fetch { .. }
        | Statement::Close { .. }
        | Statement::Declare { .. }
        | Statement::Discard { .. }
        | Statement::Analyze(_)
        | Statement::Vacuum(_)
        | Statement::LISTEN { .. }
        | Statement::UNLISTEN { .. }
        | Statement::NOTIFY { .. }
        | Statement::Call(_)
        | Statement::ExplainTable { .. } => {}
        _ => fx.other_ddl = true,
    }
}

/// The columns a GRANT lets the grantee set: the listed ones, or any for a table-wide
/// INSERT / UPDATE / ALL.
fn granted_columns(p: &Privileges) -> Cols {
    let actions = match p {
        Privileges::All { .. } => return Cols::Any,
        Privileges::Actions(a) => a,
    };
    let mut named = Vec::new();
    for a in actions {
        match a {
            Action::Insert { columns } | Action::Update { columns } => match columns {
                Some(cs) => named.extend(cs.iter().map(|c| (fold(c), Pos::from_loc(c.span.start)))),
                None => return Cols::Any,
            },
            _ => {}
        }
    }
    Cols::Named(named)
}

fn grant_objects(objects: Option<&GrantObjects>, fx: &mut Effects) {
    match objects {
        Some(GrantObjects::Tables(names)) => {
            for n in names {
                fx.push(WriteKind::Privilege, n);
            }
        }
        Some(GrantObjects::AllTablesInSchema { schemas }) => {
            for n in schemas {
                if let Some(mut s) = resolve(n) {
                    s.schema = Some(s.name.clone());
                    s.name = "*".into();
                    fx.writes.push(Write::new(WriteKind::Privilege, s));
                }
            }
        }
        _ => {}
    }
}

/// A target standing for "whatever this reaches", placed at `at` (name `*`, no schema).
#[must_use]
pub fn anything(at: &NameRef) -> NameRef {
    NameRef {
        schema: None,
        name: "*".into(),
        pos: at.pos,
        len: at.len,
        from_var: at.from_var,
    }
}

fn named_ident(c: &Ident) -> Cols {
    Cols::Named(vec![(fold(c), Pos::from_loc(c.span.start))])
}

fn all_idents(on: &ObjectName) -> Vec<(String, Pos)> {
    on.0.iter()
        .filter_map(|p| match p {
            ObjectNamePart::Identifier(i) => Some((fold(i), Pos::from_loc(i.span.start))),
            ObjectNamePart::Function(_) => None,
        })
        .collect()
}

fn last_ident(on: &ObjectName) -> Option<(String, Pos)> {
    match on.0.last()? {
        ObjectNamePart::Identifier(i) => Some((fold(i), Pos::from_loc(i.span.start))),
        ObjectNamePart::Function(_) => None,
    }
}

/// Columns set by assignments. Every part of a dotted target counts (fail closed).
fn add_assigned(cols: &mut Cols, assignments: &[Assignment]) {
    let Cols::Named(v) = cols else {
        return;
    };
    for a in assignments {
        let names: Vec<&ObjectName> = match &a.target {
            AssignmentTarget::ColumnName(n) => vec![n],
            AssignmentTarget::Tuple(ns) => ns.iter().collect(),
        };
        for n in names {
            for p in &n.0 {
                if let ObjectNamePart::Identifier(i) = p {
                    v.push((fold(i), Pos::from_loc(i.span.start)));
                }
            }
        }
    }
}

fn relation(t: &TableWithJoins) -> Option<&ObjectName> {
    match &t.relation {
        TableFactor::Table { name, .. } => Some(name),
        _ => None,
    }
}

/// Walk a query for nested writes.
pub fn query(q: &Query, fx: &mut Effects) {
    if let Some(w) = &q.with {
        for cte in &w.cte_tables {
            query(&cte.query, fx);
        }
    }
    set_expr(&q.body, fx);
}

fn set_expr(s: &SetExpr, fx: &mut Effects) {
    match s {
        SetExpr::Select(sel) => {
            if let Some(into) = &sel.into {
                for t in &into.targets {
                    if let Some(on) = expr_name(t) {
                        if let Some(w) = fx.push(WriteKind::SelectInto, &on) {
                            w.temp = into.temporary;
                        }
                    }
                }
            }
            for f in &sel.from {
                table_factor(&f.relation, fx);
                for j in &f.joins {
                    table_factor(&j.relation, fx);
                }
            }
        }
        SetExpr::Query(q) => query(q, fx),
        SetExpr::SetOperation { left, right, .. } => {
            set_expr(left, fx);
            set_expr(right, fx);
        }
        SetExpr::Insert(st) | SetExpr::Update(st) | SetExpr::Delete(st) | SetExpr::Merge(st) => {
            statement(st, fx);
        }
        SetExpr::Values(_) | SetExpr::Table(_) => {}
    }
}

fn table_factor(t: &TableFactor, fx: &mut Effects) {
    match t {
        TableFactor::Derived { subquery, .. } => query(subquery, fx),
        TableFactor::NestedJoin {
            table_with_joins, ..
        } => {
            table_factor(&table_with_joins.relation, fx);
            for j in &table_with_joins.joins {
                table_factor(&j.relation, fx);
            }
        }
        _ => {}
    }
}

/// Tables a query reads from its FROM clauses (for CREATE VIEW).
fn query_reads<'q>(q: &'q Query, out: &mut Vec<Cow<'q, ObjectName>>) {
    if let Some(w) = &q.with {
        for cte in &w.cte_tables {
            query_reads(&cte.query, out);
        }
    }
    set_reads(&q.body, out);
}

fn set_reads<'q>(s: &'q SetExpr, out: &mut Vec<Cow<'q, ObjectName>>) {
    match s {
        SetExpr::Select(sel) => {
            for f in &sel.from {
                factor_reads(&f.relation, out);
                for j in &f.joins {
                    factor_reads(&j.relation, out);
                }
            }
        }
        SetExpr::Query(q) => query_reads(q, out),
        SetExpr::SetOperation { left, right, .. } => {
            set_reads(left, out);
            set_reads(right, out);
        }
        // `TABLE t` (e.g. `CREATE VIEW v AS TABLE t`).
        SetExpr::Table(t) => {
            let name = ObjectName(
                [&t.schema_name, &t.table_name]
                    .into_iter()
                    .flatten()
                    .cloned()
                    .map(ObjectNamePart::Identifier)
                    .collect(),
            );
            if !name.0.is_empty() {
                out.push(Cow::Owned(name));
            }
        }
        _ => {}
    }
}

fn factor_reads<'q>(t: &'q TableFactor, out: &mut Vec<Cow<'q, ObjectName>>) {
    match t {
        TableFactor::Table { name, .. } => out.push(Cow::Borrowed(name)),
        TableFactor::Derived { subquery, .. } => query_reads(subquery, out),
        TableFactor::NestedJoin {
            table_with_joins, ..
        } => {
            factor_reads(&table_with_joins.relation, out);
            for j in &table_with_joins.joins {
                factor_reads(&j.relation, out);
            }
        }
        _ => {}
    }
}

fn expr_name(e: &Expr) -> Option<ObjectName> {
    match e {
        Expr::Identifier(i) => Some(ObjectName(vec![ObjectNamePart::Identifier(i.clone())])),
        Expr::CompoundIdentifier(v) => Some(ObjectName(
            v.iter().cloned().map(ObjectNamePart::Identifier).collect(),
        )),
        _ => None,
    }
}

/// Classify a value expression for the provenance checks.
#[must_use]
pub fn classify(e: &Expr) -> ValueKind {
    match e {
        Expr::Nested(e) => classify(e),
        Expr::Cast { expr, .. } => classify(expr),
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(_)
            | Value::EscapedStringLiteral(_)
            | Value::DollarQuotedString(_)
            | Value::UnicodeStringLiteral(_) => ValueKind::Literal,
            _ => ValueKind::Other,
        },
        Expr::Function(f) => {
            // Allocation-free: every value of every INSERT row comes here.
            let is_cs = matches!(f.name.0.last(), Some(ObjectNamePart::Identifier(i)) if crate::lint::names::ident_is(i, "current_setting"));
            if !is_cs {
                return ValueKind::Other;
            }
            let FunctionArguments::List(list) = &f.args else {
                return ValueKind::Other;
            };
            let first = list.args.first().and_then(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Value(v))) => match &v.value {
                    Value::SingleQuotedString(s) => Some(s),
                    _ => None,
                },
                _ => None,
            });
            let Some(s) = first else {
                return ValueKind::Other;
            };
            match s.strip_prefix(crate::sql::SETTING_PREFIX) {
                // `packetc.provenance_tag`, i.e. `crate::sql::tag_setting()`.
                Some(crate::sql::TAG_SETTING) => ValueKind::TagSetting,
                Some(_) => ValueKind::Setting(s.clone()),
                None => ValueKind::Other,
            }
        }
        _ => ValueKind::Other,
    }
}

/// `column = value` equalities joined by AND (an OR anywhere hides its operands).
fn conjuncts(e: &Expr) -> Vec<(String, ValueKind)> {
    let mut out = Vec::new();
    collect_conjuncts(e, &mut out);
    out
}

fn collect_conjuncts(e: &Expr, out: &mut Vec<(String, ValueKind)>) {
    match e {
        Expr::Nested(e) => collect_conjuncts(e, out),
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => {
            collect_conjuncts(left, out);
            collect_conjuncts(right, out);
        }
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Eq,
            right,
        } => {
            if let Some(c) = column_of(left) {
                out.push((c, classify(right)));
            } else if let Some(c) = column_of(right) {
                out.push((c, classify(left)));
            }
        }
        _ => {}
    }
}

fn column_of(e: &Expr) -> Option<String> {
    match e {
        Expr::Identifier(i) => Some(fold(i)),
        Expr::CompoundIdentifier(v) => v.last().map(fold),
        Expr::Nested(e) => column_of(e),
        _ => None,
    }
}

fn worst(a: ValueKind, b: ValueKind) -> ValueKind {
    if a == b {
        a
    } else {
        ValueKind::Other
    }
}

/// For each named INSERT column, the kind of value inserted (worst over all rows).
fn stamps(cols: &[(String, Pos)], src: &Query) -> Vec<(String, ValueKind)> {
    let mut kinds: Vec<Option<ValueKind>> = vec![None; cols.len()];
    let mut fold_row = |row: &mut dyn Iterator<Item = ValueKind>| {
        for (k, v) in kinds.iter_mut().zip(row) {
            *k = Some(match k.take() {
                None => v,
                Some(prev) => worst(prev, v),
            });
        }
    };
    match src.body.as_ref() {
        SetExpr::Values(v) => {
            for row in &v.rows {
                fold_row(&mut row.iter().map(classify));
            }
        }
        SetExpr::Select(s) => {
            fold_row(&mut s.projection.iter().map(|p| match p {
                SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                    classify(e)
                }
                _ => ValueKind::Other,
            }));
        }
        _ => {}
    }
    cols.iter()
        .zip(kinds)
        .map(|((c, _), k)| (c.clone(), k.unwrap_or(ValueKind::Other)))
        .collect()
}
