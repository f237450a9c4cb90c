//! The table-level lock a statement takes and keeps until its transaction
//! ends, as PostgreSQL 15 takes it. Only what was checked on a server is
//! modelled (tests/locks.rs runs each form inside BEGIN and reads
//! pg_locks); any other statement or subcommand is left out rather than
//! guessed, so that rules built on this never claim a lock that is not
//! taken.

use pg_query::protobuf as pb;
use pg_query::NodeEnum;

use pb::AlterTableType as At;
use pb::ObjectType as O;

use crate::catalog::QualifiedName;
use crate::rules::support::drops::{has_option, name_list, range_var};
use crate::rules::support::migration::{
    added_column, added_constraint, alter_table_cmds, column_constraints,
};
use crate::rules::StmtCtx;

/// PostgreSQL's table lock modes, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LockMode {
    AccessShare,
    RowShare,
    RowExclusive,
    ShareUpdateExclusive,
    Share,
    ShareRowExclusive,
    Exclusive,
    AccessExclusive,
}

impl LockMode {
    /// As the SQL docs and messages write it: `ACCESS EXCLUSIVE`.
    pub fn sql_name(self) -> &'static str {
        match self {
            LockMode::AccessShare => "ACCESS SHARE",
            LockMode::RowShare => "ROW SHARE",
            LockMode::RowExclusive => "ROW EXCLUSIVE",
            LockMode::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            LockMode::Share => "SHARE",
            LockMode::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            LockMode::Exclusive => "EXCLUSIVE",
            LockMode::AccessExclusive => "ACCESS EXCLUSIVE",
        }
    }

    /// As `pg_locks.mode` shows it: `AccessExclusiveLock`.
    pub fn pg_locks_name(self) -> &'static str {
        match self {
            LockMode::AccessShare => "AccessShareLock",
            LockMode::RowShare => "RowShareLock",
            LockMode::RowExclusive => "RowExclusiveLock",
            LockMode::ShareUpdateExclusive => "ShareUpdateExclusiveLock",
            LockMode::Share => "ShareLock",
            LockMode::ShareRowExclusive => "ShareRowExclusiveLock",
            LockMode::Exclusive => "ExclusiveLock",
            LockMode::AccessExclusive => "AccessExclusiveLock",
        }
    }

    /// Conflicts with the ACCESS SHARE lock every SELECT takes.
    pub fn blocks_reads(self) -> bool {
        self == LockMode::AccessExclusive
    }

    /// Conflicts with the ROW EXCLUSIVE lock INSERT, UPDATE and DELETE take.
    pub fn blocks_writes(self) -> bool {
        self >= LockMode::Share
    }

    /// `LOCK TABLE ... IN <mode> MODE`: pg_query numbers the modes 1 to 8.
    pub fn from_lock_stmt(mode: i32) -> Option<LockMode> {
        Some(match mode {
            1 => LockMode::AccessShare,
            2 => LockMode::RowShare,
            3 => LockMode::RowExclusive,
            4 => LockMode::ShareUpdateExclusive,
            5 => LockMode::Share,
            6 => LockMode::ShareRowExclusive,
            7 => LockMode::Exclusive,
            8 => LockMode::AccessExclusive,
            _ => return None,
        })
    }
}

/// A relation as a statement names it.
#[derive(Debug, Clone, Copy)]
pub enum Named<'a> {
    /// A table, view or materialized view.
    Relation(&'a pb::RangeVar),
    /// `[schema.]table` as a list of names (DROP TABLE, DROP TRIGGER's table).
    Names(&'a [pb::Node]),
    /// The table an index belongs to (DROP INDEX, REINDEX INDEX).
    IndexOf(&'a pb::RangeVar),
    /// `DROP INDEX [schema.]name`: the index's table.
    IndexNamed(&'a [pb::Node]),
}

/// `rv`, when there is one, locked in `mode`.
fn relation(rv: Option<&pb::RangeVar>, mode: LockMode) -> Option<(Named<'_>, LockMode)> {
    rv.map(|rv| (Named::Relation(rv), mode))
}

/// The locks `node` takes on relations it names, strongest per name as
/// written. Statements and subcommands not modelled contribute nothing.
pub fn statement_locks(node: &NodeEnum) -> Vec<(Named<'_>, LockMode)> {
    let mut out: Vec<(Named<'_>, LockMode)> = Vec::new();
    match node {
        NodeEnum::AlterTableStmt(s) if s.objtype() == O::ObjectTable => {
            let Some(rv) = s.relation.as_ref() else {
                return out;
            };
            if let Some(mode) = alter_table_cmds(s).filter_map(cmd_lock).max() {
                out.push((Named::Relation(rv), mode));
            }
            // A new foreign key also locks the table it references.
            for cmd in alter_table_cmds(s) {
                let column = added_column(cmd).into_iter().flat_map(column_constraints);
                for c in added_constraint(cmd).into_iter().chain(column) {
                    if c.contype() == pb::ConstrType::ConstrForeign {
                        if let Some(parent) = c.pktable.as_ref() {
                            out.push((Named::Relation(parent), LockMode::ShareRowExclusive));
                        }
                    }
                }
            }
        }
        NodeEnum::RenameStmt(s) => {
            // ALTER TABLE ... RENAME [COLUMN | CONSTRAINT], ALTER TRIGGER ... RENAME.
            let of_table = match s.rename_type() {
                O::ObjectTable | O::ObjectTrigger | O::ObjectTabconstraint => true,
                O::ObjectColumn => s.relation_type() == O::ObjectTable,
                _ => false,
            };
            if of_table {
                out.extend(relation(s.relation.as_ref(), LockMode::AccessExclusive));
            }
        }
        NodeEnum::DropStmt(s) => {
            for names in s.objects.iter().filter_map(name_list) {
                match s.remove_type() {
                    O::ObjectTable | O::ObjectMatview => {
                        out.push((Named::Names(names), LockMode::AccessExclusive));
                    }
                    O::ObjectIndex if !s.concurrent => {
                        out.push((Named::IndexNamed(names), LockMode::AccessExclusive));
                    }
                    O::ObjectTrigger | O::ObjectPolicy | O::ObjectRule => {
                        if let Some((_, table)) = names.split_last() {
                            out.push((Named::Names(table), LockMode::AccessExclusive));
                        }
                    }
                    _ => {}
                }
            }
        }
        NodeEnum::TruncateStmt(s) => {
            for rv in s.relations.iter().filter_map(range_var) {
                out.push((Named::Relation(rv), LockMode::AccessExclusive));
            }
        }
        NodeEnum::LockStmt(s) => {
            if let Some(mode) = LockMode::from_lock_stmt(s.mode) {
                for rv in s.relations.iter().filter_map(range_var) {
                    out.push((Named::Relation(rv), mode));
                }
            }
        }
        NodeEnum::IndexStmt(s) => {
            let mode = if s.concurrent {
                LockMode::ShareUpdateExclusive
            } else {
                LockMode::Share
            };
            out.extend(relation(s.relation.as_ref(), mode));
        }
        NodeEnum::CreateTrigStmt(s) => {
            out.extend(relation(s.relation.as_ref(), LockMode::ShareRowExclusive));
        }
        NodeEnum::CreatePolicyStmt(s) => {
            out.extend(relation(s.table.as_ref(), LockMode::AccessExclusive));
        }
        NodeEnum::RuleStmt(s) => {
            out.extend(relation(s.relation.as_ref(), LockMode::AccessExclusive));
        }
        NodeEnum::RefreshMatViewStmt(s) => {
            let mode = if s.concurrent {
                LockMode::Exclusive
            } else {
                LockMode::AccessExclusive
            };
            out.extend(relation(s.relation.as_ref(), mode));
        }
        NodeEnum::ReindexStmt(s) if !has_option(&s.params, "concurrently") => match s.kind() {
            pb::ReindexObjectType::ReindexObjectTable => {
                out.extend(relation(s.relation.as_ref(), LockMode::Share));
            }
            pb::ReindexObjectType::ReindexObjectIndex => {
                out.extend(
                    s.relation
                        .as_ref()
                        .map(|rv| (Named::IndexOf(rv), LockMode::Share)),
                );
            }
            _ => {}
        },
        NodeEnum::ClusterStmt(s) => {
            out.extend(relation(s.relation.as_ref(), LockMode::AccessExclusive));
        }
        // VACUUM runs outside a transaction block; its lock shows to a
        // session that holds a conflicting one.
        NodeEnum::VacuumStmt(s) if s.is_vacuumcmd => {
            let mode = if has_option(&s.options, "full") {
                LockMode::AccessExclusive
            } else {
                LockMode::ShareUpdateExclusive
            };
            for rel in &s.rels {
                if let Some(NodeEnum::VacuumRelation(v)) = &rel.node {
                    out.extend(relation(v.relation.as_ref(), mode));
                }
            }
        }
        // A comment on a relation or one of its columns; one on a
        // constraint, trigger, policy or rule takes ACCESS SHARE on the
        // table (and a lock on that object), one on an index locks only
        // the index.
        NodeEnum::CommentStmt(s) => {
            if let Some(names) = s.object.as_deref().and_then(name_list) {
                let relation = match s.objtype() {
                    O::ObjectTable | O::ObjectView | O::ObjectMatview | O::ObjectForeignTable => {
                        Some(names)
                    }
                    O::ObjectColumn => names.split_last().map(|(_, rel)| rel),
                    _ => None,
                };
                out.extend(relation.map(|n| (Named::Names(n), LockMode::ShareUpdateExclusive)));
            }
        }
        NodeEnum::UpdateStmt(s) => {
            out.extend(relation(s.relation.as_ref(), LockMode::RowExclusive));
        }
        NodeEnum::DeleteStmt(s) => {
            out.extend(relation(s.relation.as_ref(), LockMode::RowExclusive));
        }
        NodeEnum::InsertStmt(s) => {
            out.extend(relation(s.relation.as_ref(), LockMode::RowExclusive));
        }
        _ => {}
    }
    out
}

/// `ENABLE` / `DISABLE TRIGGER` in any of their forms.
pub fn is_trigger_switch(subtype: At) -> bool {
    matches!(
        subtype,
        At::AtEnableTrig
            | At::AtEnableAlwaysTrig
            | At::AtEnableReplicaTrig
            | At::AtDisableTrig
            | At::AtEnableTrigAll
            | At::AtDisableTrigAll
            | At::AtEnableTrigUser
            | At::AtDisableTrigUser
    )
}

/// The lock one `ALTER TABLE` subcommand takes on its table.
pub fn cmd_lock(cmd: &pb::AlterTableCmd) -> Option<LockMode> {
    Some(match cmd.subtype() {
        At::AtAddColumn
        | At::AtColumnDefault
        | At::AtDropNotNull
        | At::AtSetNotNull
        | At::AtDropExpression
        | At::AtSetStorage
        | At::AtDropColumn
        | At::AtAlterColumnType
        | At::AtDropConstraint
        | At::AtChangeOwner
        | At::AtSetLogged
        | At::AtSetUnLogged
        | At::AtEnableRule
        | At::AtEnableAlwaysRule
        | At::AtEnableReplicaRule
        | At::AtDisableRule
        | At::AtReplicaIdentity
        | At::AtEnableRowSecurity
        | At::AtDisableRowSecurity
        | At::AtForceRowSecurity
        | At::AtNoForceRowSecurity
        | At::AtAddIdentity
        | At::AtSetIdentity
        | At::AtDropIdentity => LockMode::AccessExclusive,
        At::AtAddConstraint => match added_constraint(cmd).map(|c| c.contype()) {
            Some(pb::ConstrType::ConstrForeign) => LockMode::ShareRowExclusive,
            Some(_) => LockMode::AccessExclusive,
            None => return None,
        },
        At::AtEnableTrig
        | At::AtEnableAlwaysTrig
        | At::AtEnableReplicaTrig
        | At::AtDisableTrig
        | At::AtEnableTrigAll
        | At::AtDisableTrigAll
        | At::AtEnableTrigUser
        | At::AtDisableTrigUser => LockMode::ShareRowExclusive,
        At::AtSetStatistics | At::AtClusterOn | At::AtDropCluster | At::AtValidateConstraint => {
            LockMode::ShareUpdateExclusive
        }
        _ => return None,
    })
}

/// The locks `node` takes, on the relations they resolve to in `cx`'s
/// catalog and search_path (an index's lock on the table that owns it, when
/// the catalog knows the index), strongest per relation.
pub fn held_locks(cx: &StmtCtx<'_>, node: &NodeEnum) -> Vec<(QualifiedName, LockMode)> {
    use crate::rules::support::drops::relation_name;
    use crate::rules::support::migration::index_owner;
    let mut out: Vec<(QualifiedName, LockMode)> = Vec::new();
    for (named, mode) in statement_locks(node) {
        let name = match named {
            Named::Relation(rv) => Some(cx.table(rv).name),
            Named::Names(names) => relation_name(cx, names),
            Named::IndexOf(rv) => {
                let schema = (!rv.schemaname.is_empty()).then_some(rv.schemaname.as_str());
                index_owner(cx.catalog, cx.search_path, schema, &rv.relname)
            }
            Named::IndexNamed(names) => crate::sql::split_name(names).and_then(|(schema, name)| {
                index_owner(cx.catalog, cx.search_path, schema.as_deref(), &name)
            }),
        };
        let Some(name) = name else { continue };
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some((_, held)) => *held = (*held).max(mode),
            None => out.push((name, mode)),
        }
    }
    out
}

/// A lock an earlier statement of the open transaction took on a table
/// that existed before this file, and still holds.
#[derive(Debug, Clone)]
pub struct Held {
    pub table: QualifiedName,
    pub mode: LockMode,
    /// What the statement that took it is, for messages: `ALTER TABLE`.
    pub kind: &'static str,
    /// What the statement was: a LOCK TABLE, or triggers switched on or
    /// off: its lock is the author's choice.
    pub deliberate: bool,
    /// Where the statement starts in its file.
    pub at: u32,
}

impl Held {
    /// The statement that took the lock, as messages name it: `the ALTER
    /// TABLE at line 3` (`cx` is a statement of the same file).
    pub fn by(&self, cx: &StmtCtx<'_>) -> String {
        let before = cx.stmt.text.get(..self.at as usize).unwrap_or("");
        let line = before.bytes().filter(|b| *b == b'\n').count() + 1;
        format!("the {} at line {line}", self.kind)
    }
}

/// The locks earlier statements of the open transaction hold on tables
/// made before this file, from SHARE UPDATE EXCLUSIVE up (DML's ROW
/// EXCLUSIVE is left out), each (table, mode) once, with the first
/// statement that took it, in statement order, passed to `f`. Tables made
/// earlier in this file are left out: no one else uses them yet.
///
/// This notes the locks of the statement `cx` checks, for the statements
/// after it: a rule that asks must ask at every statement of a transaction.
/// Each statement's locks are noted once, with the catalog as it stood
/// before it, however many rules ask; a transaction of n statements costs
/// n, and the file is not parsed again. The replay stays on one thread
/// (`lint`); a thread that still missed statements of the transaction (it
/// ran another lint's replay while waiting, in a process that lints
/// several sources at once) reads it again from its start, resolving its
/// names in the catalog as it stands now: an index dropped since is not
/// found there, and neither is the lock its DROP took.
pub fn with_held_before<R>(cx: &StmtCtx<'_>, f: impl FnOnce(&[Held]) -> R) -> R {
    if !cx.in_transaction() {
        return f(&[]);
    }
    #[cfg(test)]
    if tests::forgets(cx) {
        NOTED.with(|n| n.borrow_mut().take());
    }
    let earlier = cx.session.earlier_in_transaction();
    let transaction = (
        cx.session.file_run(),
        earlier.first().copied().unwrap_or(cx.stmt.span),
    );
    // Taken out while `f` runs, so that the list is never shared.
    let noted = match NOTED.with(|n| n.borrow_mut().take()) {
        // Another rule asked at this statement already.
        Some(n)
            if n.transaction == transaction
                && n.last == cx.stmt.span
                && n.before_last == earlier.len() =>
        {
            n
        }
        // The statement after the one noted last.
        Some(mut n)
            if n.transaction == transaction
                && n.before_last + 1 == earlier.len()
                && earlier.last() == Some(&n.last) =>
        {
            n.held_before_last = n.held.len();
            n.last = cx.stmt.span;
            n.before_last = earlier.len();
            add_locks(cx, cx.stmt, &mut n.held);
            n
        }
        _ => {
            let mut held = walk_earlier(cx, |_, _| {});
            let held_before_last = held.len();
            add_locks(cx, cx.stmt, &mut held);
            Noted {
                transaction,
                last: cx.stmt.span,
                before_last: earlier.len(),
                held,
                held_before_last,
            }
        }
    };
    let out = f(noted.held.get(..noted.held_before_last).unwrap_or_default());
    NOTED.with(|n| *n.borrow_mut() = Some(noted));
    out
}

/// What [`with_held_before`] noted of the current transaction on this
/// thread.
struct Noted {
    /// The replay of a file, and the first statement of the transaction.
    transaction: (u64, crate::catalog::Span),
    /// The statement noted last, and how many came before it in the
    /// transaction.
    last: crate::catalog::Span,
    before_last: usize,
    /// The locks held once `last` has run; the first `held_before_last` of
    /// them were held before it.
    held: Vec<Held>,
    held_before_last: usize,
}

thread_local! {
    static NOTED: std::cell::RefCell<Option<Noted>> = const { std::cell::RefCell::new(None) };
}

/// Reads the statements of the open transaction before the one `cx`
/// checks from the file, in order, calling `visit` with each and the locks
/// held before it (as [`with_held_before`] gives them, resolved in `cx`'s
/// catalog); returns the locks held after the last. For a thread that
/// missed statements of the transaction.
pub fn walk_earlier(
    cx: &StmtCtx<'_>,
    mut visit: impl FnMut(&crate::sql::split::Statement, &[Held]),
) -> Vec<Held> {
    let mut held = Vec::new();
    let earlier = crate::rules::support::migration::earlier_in_transaction(cx);
    #[cfg(test)]
    if earlier.iter().next().is_some() {
        tests::walked(cx);
    }
    for stmt in earlier.iter() {
        visit(stmt, &held);
        add_locks(cx, stmt, &mut held);
    }
    held
}

/// Adds the locks `stmt` takes to `out`, the locks the statements before it
/// in the transaction hold (see [`with_held_before`]).
fn add_locks(cx: &StmtCtx<'_>, stmt: &crate::sql::split::Statement, out: &mut Vec<Held>) {
    use crate::rules::support::changes::relation_new_in_this_file;
    // DML takes ROW EXCLUSIVE, which neither blocks reads nor writes:
    // skipped before resolving anything (a data file may hold thousands).
    if matches!(
        stmt.node,
        NodeEnum::InsertStmt(_)
            | NodeEnum::UpdateStmt(_)
            | NodeEnum::DeleteStmt(_)
            | NodeEnum::SelectStmt(_)
            | NodeEnum::VariableSetStmt(_)
            | NodeEnum::TransactionStmt(_)
    ) {
        return;
    }
    let deliberate = match &stmt.node {
        NodeEnum::LockStmt(_) => true,
        // Triggers switched off (or on) around a backfill: keeping
        // writes out while they are off is the point.
        NodeEnum::AlterTableStmt(s) => {
            alter_table_cmds(s).next().is_some()
                && alter_table_cmds(s).all(|c| is_trigger_switch(c.subtype()))
        }
        _ => false,
    };
    for (table, mode) in held_locks(cx, &stmt.node) {
        if mode < LockMode::ShareUpdateExclusive
            || out
                .iter()
                .any(|h| h.mode == mode && h.deliberate == deliberate && h.table == table)
            || relation_new_in_this_file(cx, &table)
        {
            continue;
        }
        out.push(Held {
            table,
            mode,
            kind: statement_kind(&stmt.node),
            deliberate,
            at: stmt.span.start,
        });
    }
}

/// How messages name a statement that locks: `ALTER TABLE`, `DROP`, ...
fn statement_kind(node: &NodeEnum) -> &'static str {
    match node {
        NodeEnum::AlterTableStmt(_) => "ALTER TABLE",
        NodeEnum::RenameStmt(_) => "RENAME",
        NodeEnum::DropStmt(_) => "DROP",
        NodeEnum::TruncateStmt(_) => "TRUNCATE",
        NodeEnum::LockStmt(_) => "LOCK TABLE",
        NodeEnum::IndexStmt(_) => "CREATE INDEX",
        NodeEnum::CreateTrigStmt(_) => "CREATE TRIGGER",
        NodeEnum::CreatePolicyStmt(_) => "CREATE POLICY",
        NodeEnum::RuleStmt(_) => "CREATE RULE",
        NodeEnum::RefreshMatViewStmt(_) => "REFRESH MATERIALIZED VIEW",
        NodeEnum::ReindexStmt(_) => "REINDEX",
        NodeEnum::ClusterStmt(_) => "CLUSTER",
        NodeEnum::CommentStmt(_) => "COMMENT",
        _ => "statement",
    }
}

/// Whether a WHERE clause picks at most one row of `table`: an AND-ed
/// `column = constant` on a column that is by itself the table's primary
/// key or unique.
pub fn picks_one_row(cx: &StmtCtx<'_>, table: &QualifiedName, clause: &pb::Node) -> bool {
    use crate::catalog::{ConstraintKind, Ident, IndexKey};
    let Some(t) = cx.catalog.table(table) else {
        return false;
    };
    let unique_alone = |col: &Ident| {
        t.constraints.iter().any(|c| match &c.kind {
            ConstraintKind::PrimaryKey { columns } | ConstraintKind::Unique { columns, .. } => {
                columns.as_slice() == std::slice::from_ref(col)
            }
            _ => false,
        }) || t.indexes.iter().any(|ix| {
            ix.unique
                && ix.predicate.is_none()
                && matches!(ix.elems.as_slice(), [e] if matches!(&e.key, IndexKey::Column(c) if c == col))
        })
    };
    crate::sql::expr::conjuncts(clause).into_iter().any(|part| {
        let Some(NodeEnum::AExpr(e)) = &part.node else {
            return false;
        };
        let is_eq = e.kind() == pb::AExprKind::AexprOp
            && crate::sql::ast::strings(&e.name).last().map(String::as_str) == Some("=");
        let column = |n: Option<&NodeEnum>| match n {
            Some(NodeEnum::ColumnRef(r)) => {
                crate::sql::ast::strings(&r.fields).pop().map(Ident::new)
            }
            _ => None,
        };
        let constant = |n: Option<&NodeEnum>| {
            matches!(
                n,
                Some(NodeEnum::AConst(_) | NodeEnum::ParamRef(_) | NodeEnum::TypeCast(_))
            )
        };
        let l = e.lexpr.as_deref().and_then(|n| n.node.as_ref());
        let r = e.rexpr.as_deref().and_then(|n| n.node.as_ref());
        is_eq
            && match (column(l), column(r)) {
                (Some(c), None) => constant(r) && unique_alone(&c),
                (None, Some(c)) => constant(l) && unique_alone(&c),
                _ => false,
            }
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::rules::testing::files;
    use crate::rules::StmtCtx;
    use std::sync::{Arc, Mutex};

    /// A file holding this line is checked as if each statement ran on
    /// another thread than the one before: what was noted is forgotten.
    const FORGET: &str = "-- test: forget what was noted";

    /// The files whose transaction was read again ([`super::walk_earlier`]).
    static WALKED: Mutex<Vec<Arc<str>>> = Mutex::new(Vec::new());

    pub(crate) fn forgets(cx: &StmtCtx<'_>) -> bool {
        cx.stmt.text.contains(FORGET)
    }

    pub(super) fn walked(cx: &StmtCtx<'_>) {
        WALKED.lock().unwrap().push(cx.stmt.text.clone());
    }

    fn read_again(marker: &str) -> bool {
        WALKED.lock().unwrap().iter().any(|t| t.contains(marker))
    }

    const BACKFILL: &str = "backfill-in-ddl-transaction";
    const RUNNING: &str = "running-statement-while-holding-access-exclusive";

    /// The findings of the two rules that share the tracker, each run
    /// alone, then both in one lint; `marker` goes on the file's first line.
    fn findings(sql: &str, marker: &str) -> [Vec<String>; 3] {
        let create = "create table public.t (id bigint primary key, n int);\n\
                      create table public.u (id bigint primary key, n int);";
        let text = format!("-- {marker}\n{sql}");
        let alone = |rule: &str| files(&[("1.sql", create), ("2.sql", &text)]).run(rule);
        let cfg = crate::config::Config {
            select: Some(vec![BACKFILL.to_string(), RUNNING.to_string()]),
            ..crate::config::Config::default()
        };
        let sources = vec![
            ("1.sql".to_string(), create.to_string()),
            ("2.sql".to_string(), text.clone()),
        ];
        let report = crate::lint_sources(sources, &cfg, &crate::test_support::supabase());
        let together = report
            .findings
            .iter()
            .map(|f| {
                let l = f.location.as_ref().unwrap();
                let (file, line, col) = (&l.file, l.line, l.column);
                let severity = f.severity.as_str();
                format!(
                    "{file}:{line}:{col} {} {severity} [{}] {}",
                    f.rule, f.object, f.message
                )
            })
            .collect();
        [alone(BACKFILL), alone(RUNNING), together]
    }

    const TRANSACTION: &str = "alter table public.t add column m int;\n\
        create index u_n on public.u (n);\n\
        update public.u set n = 0;\n\
        alter table public.u add column k int;\n\
        update public.t set m = n;\n\
        update public.u set k = n;";

    #[test]
    fn each_rule_notes_every_statement_so_neither_reads_the_file_again() {
        let [backfill, running, together] = findings(TRANSACTION, "noted as checked");
        assert_eq!(
            backfill,
            [
                "2.sql:4:1 backfill-in-ddl-transaction warning [public.u] this UPDATE backfills `public.u` in the transaction of the CREATE INDEX at line 3, whose SHARE lock on the table is held until commit: its writes wait for the whole backfill",
                "2.sql:6:1 backfill-in-ddl-transaction warning [public.t] this UPDATE backfills `public.t` in the transaction of the ALTER TABLE at line 2, whose ACCESS EXCLUSIVE lock on the table is held until commit: its reads and writes wait for the whole backfill",
                "2.sql:7:1 backfill-in-ddl-transaction warning [public.u] this UPDATE backfills `public.u` in the transaction of the CREATE INDEX at line 3, whose SHARE lock on the table is held until commit: its writes wait for the whole backfill",
            ]
        );
        assert_eq!(
            running,
            ["2.sql:3:1 running-statement-while-holding-access-exclusive warning [public.t] building an index on `public.u` runs while `public.t` is still locked ACCESS EXCLUSIVE by the ALTER TABLE at line 2 (held until the transaction commits): every read and write of `public.t` waits for this statement too"]
        );
        // Sorted by line, then rule.
        let mut both = [backfill, running].concat();
        both.sort_by_key(|f| f.split(' ').next().map(|at| at.replace(":1", "")));
        assert_eq!(together, both);
        assert!(!read_again("noted as checked"));
    }

    #[test]
    fn a_thread_that_missed_statements_reads_the_transaction_again() {
        let noted = findings(TRANSACTION, "noted");
        let forgot = findings(TRANSACTION, &format!("forgot {FORGET}"));
        assert!(read_again("forgot"));
        assert_eq!(noted, forgot);
    }
}
