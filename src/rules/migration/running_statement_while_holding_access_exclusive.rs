//! Slow work in a transaction that already holds an ACCESS EXCLUSIVE lock on an existing table. Docs: rules/running-statement-while-holding-access-exclusive.yaml.

use pg_query::protobuf::{self as pb, AlterTableType as At};
use pg_query::NodeEnum;

use crate::catalog::Span;
use crate::rules::support::locks::{
    held_locks, picks_one_row, walk_earlier, with_held_before, Held, LockMode,
};
use crate::rules::support::migration::{added_constraint, alter_table_cmds};
use crate::rules::{StatementRule, StmtCtx};
use crate::source::migrations::session::succeeds_only_on_empty;

pub struct RunningStatementWhileHoldingAccessExclusive;

impl StatementRule for RunningStatementWhileHoldingAccessExclusive {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        if !cx.in_transaction() {
            return;
        }
        let work = slow_work(cx, &cx.stmt.node);
        // One finding per transaction: at the first slow statement under
        // such a lock. The ones after it prolong the same wait, and each
        // has its own rule when it is slow in itself.
        let held = first_under_lock(cx, work.is_some());
        let (Some(work), Some(held)) = (work, held) else {
            return;
        };
        let message = format!(
            "{work} runs while `{}` is still locked ACCESS EXCLUSIVE by {} (held until the \
             transaction commits): every read and write of `{}` waits for this statement too",
            held.table,
            held.by(cx),
            held.table
        );
        cx.report(&held.table, Some(cx.stmt.span), message);
    }
}

/// The lock this statement (`slow`: it does slow work) is the first in its
/// transaction to keep others waiting on, if no earlier slow statement of
/// the transaction did.
///
/// The locks held come from the tracker the lock rules share
/// ([`with_held_before`]), which must see every statement of the
/// transaction. Each thread keeps whether an earlier statement of the
/// current transaction (of one replay of one file) was already slow under
/// a lock; a thread that missed some of its statements (see
/// [`with_held_before`]) reads the transaction again from its start.
fn first_under_lock(cx: &StmtCtx<'_>, slow: bool) -> Option<Held> {
    use std::cell::Cell;
    /// (replay of a file, first statement of the transaction), statements
    /// seen, and whether one was slow under a lock.
    type Seen = ((u64, Span), usize, bool);
    thread_local! {
        static SEEN: Cell<Option<Seen>> = const { Cell::new(None) };
    }
    #[cfg(test)]
    if crate::rules::support::locks::tests::forgets(cx) {
        SEEN.set(None);
    }
    let spans = cx.session.earlier_in_transaction();
    let key = (
        cx.session.file_run(),
        spans.first().copied().unwrap_or(cx.stmt.span),
    );
    let reported = match SEEN.get() {
        Some((k, seen, reported)) if k == key && seen == spans.len() => reported,
        _ => {
            let mut reported = false;
            walk_earlier(cx, |e, held| {
                reported = reported
                    || (slow_work(cx, &e.node).is_some()
                        && lock_it_prolongs(cx, &e.node, held).is_some());
            });
            reported
        }
    };
    let found = with_held_before(cx, |held| {
        if slow && !reported {
            lock_it_prolongs(cx, &cx.stmt.node, held)
        } else {
            None
        }
    });
    SEEN.set(Some((key, spans.len() + 1, reported || found.is_some())));
    found
}

/// The first ACCESS EXCLUSIVE lock in `held` that statement `node` keeps
/// others waiting on. Not one on a table `node` locks ACCESS EXCLUSIVE
/// itself: its own lock rule tells what its work costs.
fn lock_it_prolongs(cx: &StmtCtx<'_>, node: &NodeEnum, held: &[Held]) -> Option<Held> {
    let own = held_locks(cx, node);
    held.iter()
        .find(|h| {
            h.mode == LockMode::AccessExclusive
                && !own
                    .iter()
                    .any(|(t, m)| *t == h.table && *m == LockMode::AccessExclusive)
        })
        .cloned()
}

/// What this statement does that may take long, in words (`this UPDATE of
/// `t``): reading or writing many rows of a table made before this file.
/// None for statements that only change the catalog, write a few given
/// rows, or work on tables made in this file.
fn slow_work(cx: &StmtCtx<'_>, node: &NodeEnum) -> Option<String> {
    let existing = |rv: &pb::RangeVar| {
        let t = cx.table(rv);
        (!t.is_new()).then_some(t.name)
    };
    match node {
        NodeEnum::UpdateStmt(s) => {
            let name = existing(s.relation.as_ref()?)?;
            let one = s
                .where_clause
                .as_deref()
                .is_some_and(|w| picks_one_row(cx, &name, w));
            (!one).then(|| format!("this UPDATE of `{name}`"))
        }
        NodeEnum::DeleteStmt(s) => {
            let name = existing(s.relation.as_ref()?)?;
            let one = s
                .where_clause
                .as_deref()
                .is_some_and(|w| picks_one_row(cx, &name, w));
            (!one).then(|| format!("this DELETE from `{name}`"))
        }
        NodeEnum::MergeStmt(s) => {
            let name = existing(s.relation.as_ref()?)?;
            Some(format!("this MERGE into `{name}`"))
        }
        NodeEnum::InsertStmt(s) => {
            let reads = s
                .select_stmt
                .as_deref()
                .is_some_and(|q| reads_tables(cx, q));
            let name = cx.table(s.relation.as_ref()?).name;
            reads.then(|| format!("this INSERT ... SELECT into `{name}`"))
        }
        NodeEnum::CreateTableAsStmt(s) => {
            let reads = s.query.as_deref().is_some_and(|q| reads_tables(cx, q));
            let fills = s.into.as_ref().is_some_and(|i| !i.skip_data);
            (reads && fills).then(|| "this CREATE ... AS SELECT".to_string())
        }
        NodeEnum::IndexStmt(s) if !s.concurrent => {
            let name = existing(s.relation.as_ref()?)?;
            Some(format!("building an index on `{name}`"))
        }
        NodeEnum::AlterTableStmt(s) => {
            let name = existing(s.relation.as_ref()?)?;
            // It fails on a table with rows ("column ... contains null
            // values"), so when it runs the table is empty.
            if succeeds_only_on_empty(s, cx.catalog, cx.search_path) {
                return None;
            }
            alter_table_cmds(s)
                .any(reads_rows)
                .then(|| format!("this ALTER TABLE, which reads every row of `{name}`,"))
        }
        NodeEnum::RefreshMatViewStmt(s) if !s.skip_data => {
            let name = existing(s.relation.as_ref()?)?;
            Some(format!("refreshing `{name}`"))
        }
        NodeEnum::ReindexStmt(_) => Some("this REINDEX".to_string()),
        _ => None,
    }
}

/// An ALTER TABLE subcommand that reads or rewrites every row.
fn reads_rows(cmd: &pb::AlterTableCmd) -> bool {
    match cmd.subtype() {
        At::AtSetNotNull
        | At::AtAlterColumnType
        | At::AtValidateConstraint
        | At::AtSetLogged
        | At::AtSetUnLogged => true,
        At::AtAddConstraint => added_constraint(cmd).is_some_and(|c| {
            !c.skip_validation
                && c.indexname.is_empty()
                && matches!(
                    c.contype(),
                    pb::ConstrType::ConstrCheck
                        | pb::ConstrType::ConstrForeign
                        | pb::ConstrType::ConstrUnique
                        | pb::ConstrType::ConstrPrimary
                        | pb::ConstrType::ConstrExclusion
                )
        }),
        _ => false,
    }
}

/// A query that reads a table made before this file (in its FROM clause,
/// a join, a subquery in FROM, or any branch of a UNION).
fn reads_tables(cx: &StmtCtx<'_>, node: &pb::Node) -> bool {
    match &node.node {
        Some(NodeEnum::SelectStmt(s)) => {
            s.from_clause.iter().any(|f| from_item_reads(cx, f))
                || s.larg.as_ref().is_some_and(|l| select_reads(cx, l))
                || s.rarg.as_ref().is_some_and(|r| select_reads(cx, r))
        }
        _ => false,
    }
}

fn select_reads(cx: &StmtCtx<'_>, s: &pb::SelectStmt) -> bool {
    s.from_clause.iter().any(|f| from_item_reads(cx, f))
        || s.larg.as_ref().is_some_and(|l| select_reads(cx, l))
        || s.rarg.as_ref().is_some_and(|r| select_reads(cx, r))
}

fn from_item_reads(cx: &StmtCtx<'_>, item: &pb::Node) -> bool {
    match &item.node {
        Some(NodeEnum::RangeVar(rv)) => !cx.table(rv).is_new(),
        Some(NodeEnum::JoinExpr(j)) => {
            j.larg.as_deref().is_some_and(|l| from_item_reads(cx, l))
                || j.rarg.as_deref().is_some_and(|r| from_item_reads(cx, r))
        }
        Some(NodeEnum::RangeSubselect(r)) => {
            r.subquery.as_deref().is_some_and(|q| reads_tables(cx, q))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "running-statement-while-holding-access-exclusive";
    const CREATE: &str = "create table public.t (id bigint primary key, n int);\n\
        create table public.u (id bigint primary key, t_id bigint, n int);";

    fn later(sql: &str) -> crate::rules::testing::Case {
        files(&[("1.sql", CREATE), ("2.sql", sql)])
    }

    #[test]
    fn a_backfill_of_another_table_after_an_access_exclusive_lock_fires() {
        let out = later(
            "alter table public.t add column m int;\nupdate public.u set n = 0 where n is null;",
        )
        .fires(RULE);
        assert_eq!(
            out,
            "2.sql:2:1 running-statement-while-holding-access-exclusive warning [public.t] this UPDATE of `public.u` runs while `public.t` is still locked ACCESS EXCLUSIVE by the ALTER TABLE at line 1 (held until the transaction commits): every read and write of `public.t` waits for this statement too"
        );
    }

    #[test]
    fn slow_statements_fire() {
        for slow in [
            "create index u_n on public.u (n);",
            "alter table public.u add constraint u_n_positive check (n > 0);",
            "alter table public.u alter column n set not null;",
            "insert into public.u (id, n) select id, n from public.t;",
            "delete from public.u where n < 0;",
        ] {
            later(&format!("lock table public.t;\n{slow}")).fires(RULE);
        }
    }

    #[test]
    fn quick_statements_are_quiet() {
        for quick in [
            "alter table public.u add column note text;",
            "create index u_n on public.u (n);\ncreate index concurrently u_n2 on public.u (n);",
            "comment on table public.u is 'x';",
            "insert into public.u (id, n) values (1, 2);",
            "update public.u set n = 1 where id = 7;",
            "create table public.v (id bigint primary key);\ninsert into public.v select id from public.v;",
            "select set_config('lock_timeout', '2s', true);",
        ] {
            // The CREATE INDEX is checked after a lock that is not ACCESS EXCLUSIVE.
            let sql = if quick.starts_with("create index") {
                format!("create index t_n on public.t (n);\n{quick}")
            } else {
                format!("alter table public.t add column m int;\n{quick}")
            };
            later(&sql).quiet(RULE);
        }
    }

    #[test]
    fn one_finding_per_transaction() {
        let out = later(
            "alter table public.t add column m int;\n\
             update public.u set n = 0 where n is null;\n\
             create index u_n on public.u (n);\n\
             commit;\n\
             begin;\n\
             alter table public.t add column k int;\n\
             update public.u set n = 1 where n = 0;",
        )
        .fires(RULE);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2, "{out}");
        assert!(
            lines[0].starts_with("2.sql:2:1 ") && lines[1].starts_with("2.sql:7:1 "),
            "{out}"
        );
    }

    /// hatchet's v0.7.0 migration: an ALTER TABLE that adds a required
    /// column nothing fills fails on a table with rows, so where it runs its
    /// CHECK (or primary key) reads no row; the UPDATE after it is the first
    /// slow statement under the lock.
    #[test]
    fn an_alter_table_that_needs_an_empty_table_is_not_slow() {
        let out = files(&[
            (
                "1.sql",
                &format!("{CREATE}\ncreate table public.w (id bigint primary key, n int);"),
            ),
            (
                "2.sql",
                "alter table public.t add column m int;\n\
                 alter table public.u add column k int not null, add constraint u_n check (n > 0);\n\
                 update public.w set n = 0;",
            ),
        ])
        .fires(RULE);
        assert!(
            out.starts_with("2.sql:3:1 ") && out.lines().count() == 1,
            "{out}"
        );
    }

    #[test]
    fn the_same_tables_own_scan_is_left_to_its_rule() {
        later("alter table public.t add column m int;\nalter table public.t alter column n set not null;")
            .quiet(RULE);
    }

    #[test]
    fn no_transaction_or_a_new_table_is_quiet() {
        later("alter table public.t add column m int;\nupdate public.u set n = 0;")
            .postgres()
            .quiet(RULE);
        later("alter table public.t add column m int;\ncommit;\nupdate public.u set n = 0;")
            .quiet(RULE);
        case(&format!(
            "{CREATE}\nalter table public.t add column m int;\nupdate public.u set n = 0;"
        ))
        .quiet(RULE);
    }
}
