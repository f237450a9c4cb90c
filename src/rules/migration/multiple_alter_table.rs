//! A second ALTER TABLE that scans or rewrites the same existing table in one transaction. Docs: rules/multiple-alter-table.yaml.

use std::collections::HashMap;

use pg_query::protobuf::{self as pb, AlterTableType as At};
use pg_query::NodeEnum;

use super::adding_field_with_default::rewrite;
use super::changing_column_type::keeps_the_table;
use crate::catalog::{Ident, QualifiedName, Span};
use crate::rules::support::migration::{
    added_column, added_constraint, alter_table_cmds, earlier_in_transaction_from, is_plain_table,
    not_null_proof,
};
use crate::rules::{StatementRule, StmtCtx, TableRef};

pub struct MultipleAlterTable;

/// What an ALTER TABLE does to every row, in the one pass PostgreSQL makes
/// over the table at the end of the statement; the larger covers the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Pass {
    /// Reads every row to check a new constraint or NOT NULL.
    Scan,
    /// Writes the table anew (and rebuilds its indexes).
    Rewrite,
}

impl Pass {
    fn verb(self) -> &'static str {
        match self {
            Pass::Scan => "scans",
            Pass::Rewrite => "rewrites",
        }
    }
}

/// The first pass each table got in the current transaction: where its
/// statement starts, and what it did.
type Passes = HashMap<QualifiedName, (u32, Pass)>;

impl StatementRule for MultipleAlterTable {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        use std::cell::RefCell;
        /// (replay of a file, first statement of the transaction), how many
        /// of its statements were read, and the passes they made.
        type SoFar = ((u64, Span), usize, Passes);
        thread_local! {
            static SO_FAR: RefCell<Option<SoFar>> = const { RefCell::new(None) };
        }
        if !cx.in_transaction() {
            return;
        }
        let Some((table, pass)) = table_pass(cx, &cx.stmt.node) else {
            return;
        };
        // Each statement records its pass when it is checked, with the
        // catalog as it was then (a type change reads the old type). A
        // thread that did not check the earlier statements reads them with
        // today's catalog, where a type change or SET NOT NULL already
        // shows as done and counts as no pass: a miss, never a false
        // finding. Each statement is read once per thread: linear in the
        // transaction's length.
        let spans = cx.session.earlier_in_transaction();
        let first = spans.first().copied().unwrap_or(cx.stmt.span);
        let key = (cx.session.file_run(), first);
        let (read, mut passes) = match SO_FAR.with(|so_far| so_far.borrow_mut().take()) {
            Some((k, read, passes)) if k == key && read <= spans.len() => (read, passes),
            _ => (0, Passes::new()),
        };
        if read < spans.len() {
            for e in earlier_in_transaction_from(cx, read).iter() {
                if let Some((t, p)) = table_pass(cx, &e.node) {
                    passes.entry(t.name).or_insert((e.span.start, p));
                }
            }
        }
        let earlier = passes.get(&table.name).copied();
        if earlier.is_none() {
            passes.insert(table.name.clone(), (cx.stmt.span.start, pass));
        }
        SO_FAR.with(|so_far| *so_far.borrow_mut() = Some((key, spans.len() + 1, passes)));
        let Some((at, before)) = earlier else {
            return;
        };
        let above = cx.stmt.text.get(..at as usize).unwrap_or("");
        let line = above.bytes().filter(|b| *b == b'\n').count() + 1;
        let message = format!(
            "this ALTER TABLE {} `{}` again: the ALTER TABLE at line {line} already {} it in \
             this transaction, and one ALTER TABLE with the subcommands of both would make one \
             pass over its rows under the same ACCESS EXCLUSIVE lock",
            pass.verb(),
            table.name,
            before.verb()
        );
        cx.report_lock(&table, Some(cx.stmt.span), message);
    }
}

/// The table made before this file that `node`, an ALTER TABLE, scans or
/// rewrites, and how.
fn table_pass(cx: &StmtCtx<'_>, node: &NodeEnum) -> Option<(TableRef, Pass)> {
    let NodeEnum::AlterTableStmt(s) = node else {
        return None;
    };
    if !is_plain_table(s) {
        return None;
    }
    let table = cx.table(s.relation.as_ref()?);
    if table.is_new() {
        return None;
    }
    let pass = pass_over_rows(cx, s, &table.name)?;
    Some((table, pass))
}

/// The pass over every row that PostgreSQL makes for `s` at the end of the
/// statement, one for all its subcommands: a rewrite when a subcommand
/// writes new rows (a type change that converts values, a new column with
/// a volatile default, stored generated or identity, SET LOGGED /
/// UNLOGGED), else a scan when one checks rows (SET NOT NULL without a
/// CHECK that proves it, a validated CHECK). Foreign keys, index builds
/// and VALIDATE CONSTRAINT are left out: PostgreSQL runs each of them on
/// its own even inside one ALTER TABLE, so merging saves nothing there.
fn pass_over_rows(cx: &StmtCtx<'_>, s: &pb::AlterTableStmt, table: &QualifiedName) -> Option<Pass> {
    let known = cx.catalog.table(table);
    let mut pass = None;
    for cmd in alter_table_cmds(s) {
        let this = match cmd.subtype() {
            At::AtAlterColumnType => (!keeps_the_table(cx, table, cmd)).then_some(Pass::Rewrite),
            At::AtSetLogged | At::AtSetUnLogged => Some(Pass::Rewrite),
            At::AtAddColumn => added_column(cmd).and_then(|col| {
                let present =
                    known.is_some_and(|t| t.columns.iter().any(|c| c.name.as_str() == col.colname));
                (!(cmd.missing_ok && present) && rewrite(cx, col).is_some())
                    .then_some(Pass::Rewrite)
            }),
            At::AtSetNotNull => {
                let column = Ident::new(cmd.name.clone());
                let proven = cx.postgres_version() >= 12
                    && known.is_some_and(|t| not_null_proof(t, &column).is_some());
                let already =
                    known.is_some_and(|t| t.columns.iter().any(|c| c.name == column && c.not_null));
                (!proven && !already).then_some(Pass::Scan)
            }
            At::AtAddConstraint => added_constraint(cmd)
                .filter(|c| c.contype() == pb::ConstrType::ConstrCheck && !c.skip_validation)
                .map(|_| Pass::Scan),
            _ => None,
        };
        // A rewrite checks the rows as it writes them: no scan besides.
        pass = pass.max(this);
    }
    pass
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "multiple-alter-table";
    const CREATE: &str =
        "create table public.t (id bigint primary key, n int, s varchar(10), d timestamp);";

    fn later(sql: &str) -> crate::rules::testing::Case {
        files(&[("1.sql", CREATE), ("2.sql", sql)])
    }

    #[test]
    fn two_rewrites_of_one_table_fire() {
        let out = later(
            "alter table public.t alter column n type bigint;\n\
             alter table public.t add column k uuid default gen_random_uuid();",
        )
        .fires(RULE);
        assert_eq!(
            out,
            "2.sql:2:1 multiple-alter-table warning [public.t] this ALTER TABLE rewrites `public.t` again: the ALTER TABLE at line 1 already rewrites it in this transaction, and one ALTER TABLE with the subcommands of both would make one pass over its rows under the same ACCESS EXCLUSIVE lock"
        );
    }

    #[test]
    fn scans_and_rewrites_fire_together() {
        for (first, second) in [
            (
                "alter table public.t alter column n set not null;",
                "alter table public.t alter column s set not null;",
            ),
            (
                "alter table public.t add constraint t_n check (n > 0);",
                "alter table public.t alter column n type bigint;",
            ),
            (
                "alter table public.t set unlogged;",
                "alter table public.t alter column s set not null;",
            ),
        ] {
            later(&format!("{first}\n{second}")).fires(RULE);
        }
    }

    #[test]
    fn each_extra_pass_is_reported() {
        let out = later(
            "alter table public.t alter column n set not null;\n\
             alter table public.t alter column s set not null;\n\
             alter table public.t alter column d set not null;",
        )
        .fires(RULE);
        assert_eq!(out.lines().count(), 2, "{out}");
        assert!(out.lines().all(|l| l.contains("at line 1")), "{out}");
    }

    #[test]
    fn catalog_only_changes_are_quiet() {
        for quick in [
            "alter table public.t add column m int;",
            "alter table public.t add column m int default 0;",
            "alter table public.t alter column s type varchar(20);",
            "alter table public.t alter column s type text;",
            "alter table public.t add constraint t_n check (n > 0) not valid;",
            "alter table public.t alter column n set default 1;",
            "alter table public.t drop column d;",
            // Checked apart by PostgreSQL inside one ALTER TABLE as well.
            "alter table public.t validate constraint t_pkey;",
            "alter table public.t add constraint t_u unique (n);",
        ] {
            later(&format!(
                "alter table public.t alter column n type bigint;\n{quick}"
            ))
            .quiet(RULE);
        }
    }

    #[test]
    fn a_proven_not_null_is_no_scan() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add constraint t_s_nn check (s is not null);",
            ),
            (
                "3.sql",
                "alter table public.t alter column n type bigint;\n\
                 alter table public.t alter column s set not null;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn one_statement_other_tables_new_tables_and_no_transaction_are_quiet() {
        later("alter table public.t alter column n type bigint, alter column s set not null;")
            .quiet(RULE);
        later(
            "create table public.u (id int, n int);\n\
             alter table public.t alter column n type bigint;\n\
             alter table public.u alter column n type bigint;",
        )
        .quiet(RULE);
        case(&format!(
            "{CREATE}\nalter table public.t alter column n type bigint;\n\
             alter table public.t alter column s set not null;"
        ))
        .quiet(RULE);
        later(
            "alter table public.t alter column n type bigint;\n\
             alter table public.t alter column s set not null;",
        )
        .postgres()
        .quiet(RULE);
        later(
            "alter table public.t alter column n type bigint;\ncommit;\nbegin;\n\
             alter table public.t alter column s set not null;\ncommit;",
        )
        .quiet(RULE);
    }
}
