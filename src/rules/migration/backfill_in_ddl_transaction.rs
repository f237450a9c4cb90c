//! A backfill UPDATE in the transaction whose DDL locked the same table. Docs: rules/backfill-in-ddl-transaction.yaml.

use pg_query::NodeEnum;

use crate::rules::support::locks::{picks_one_row, with_held_before, Held};
use crate::rules::support::migration::{
    added_column, alter_table_cmds, column_constraints, earlier_in_transaction, names_table,
    type_base_name,
};
use crate::rules::{StatementRule, StmtCtx, TableRef};
use crate::sql::expr;

pub struct BackfillInDdlTransaction;

impl StatementRule for BackfillInDdlTransaction {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        if !cx.in_transaction() {
            return;
        }
        // Asked at every statement of the transaction, so that the shared
        // tracker notes each statement's locks as it is checked.
        let Some((table, held)) = with_held_before(cx, |held| backfill_under_ddl(cx, held)) else {
            return;
        };
        let blocked = if held.mode.blocks_reads() {
            "reads and writes"
        } else {
            "writes"
        };
        let message = format!(
            "this UPDATE backfills `{}` in the transaction of {}, whose {} lock on the table is \
             held until commit: its {blocked} wait for the whole backfill",
            table.name,
            held.by(cx),
            held.mode.sql_name()
        );
        cx.report_lock(&table, Some(cx.stmt.span), message);
    }
}

/// The table this statement backfills (an UPDATE of more than one row of a
/// table that existed before this file), and the first DDL of the
/// transaction that blocks its writes (`held`: the locks taken before it).
fn backfill_under_ddl(cx: &StmtCtx<'_>, held: &[Held]) -> Option<(TableRef, Held)> {
    let NodeEnum::UpdateStmt(s) = &cx.stmt.node else {
        return None;
    };
    let table = cx.table(s.relation.as_ref()?);
    // New in this file, or emptied earlier in the transaction: few rows.
    if table.is_new()
        || s.where_clause
            .as_deref()
            .is_some_and(|w| picks_one_row(cx, &table.name, w))
    {
        return None;
    }
    // A LOCK TABLE, earlier DML or a trigger switch is the author's choice.
    let held = held
        .iter()
        .find(|h| h.table == table.name && !h.deliberate && h.mode.blocks_writes())?
        .clone();
    // `WHERE c IS NULL` of a column no row can hold NULL in: it writes
    // nothing (the scan under the lock is running-statement's finding).
    // Asked last: it may read the transaction's statements from the file.
    if fills_nothing(cx, s, &table.name) {
        return None;
    }
    Some((table, held))
}

/// Whether the UPDATE's WHERE requires `c IS NULL` (one of its AND-ed
/// parts) of a column no row of `table` holds NULL in: one NOT NULL now, or
/// one this transaction added with a value for every row (a default that
/// is not NULL, identity, serial), which the UPDATE then only re-reads.
fn fills_nothing(
    cx: &StmtCtx<'_>,
    s: &pg_query::protobuf::UpdateStmt,
    table: &crate::catalog::QualifiedName,
) -> bool {
    let Some(wh) = s.where_clause.as_deref() else {
        return false;
    };
    let model = cx.catalog.table(table);
    expr::conjuncts(wh).into_iter().any(|part| {
        let Some(column) = is_null_test(part) else {
            return false;
        };
        let col = model.and_then(|t| t.columns.iter().find(|c| c.name.as_str() == column));
        if col.is_some_and(|c| c.not_null || c.identity) {
            return true;
        }
        earlier_in_transaction(cx).iter().any(|stmt| {
            let NodeEnum::AlterTableStmt(a) = &stmt.node else {
                return false;
            };
            a.relation.as_ref().is_some_and(|rv| names_table(rv, table))
                && alter_table_cmds(a)
                    .filter_map(added_column)
                    .any(|c| c.colname == column && every_row_gets_a_value(c))
        })
    })
}

/// `col IS NULL` (the column's name), not `IS NOT NULL`.
fn is_null_test(node: &pg_query::protobuf::Node) -> Option<String> {
    let Some(NodeEnum::NullTest(t)) = &node.node else {
        return None;
    };
    if t.nulltesttype() != pg_query::protobuf::NullTestType::IsNull {
        return None;
    }
    match t.arg.as_deref().and_then(|a| a.node.as_ref()) {
        Some(NodeEnum::ColumnRef(c)) => crate::sql::ast::strings(&c.fields).pop(),
        _ => None,
    }
}

/// Whether ADD COLUMN `c` gives every existing row a value that is not
/// NULL: NOT NULL (which fails on a row it cannot fill), identity, a serial
/// type, or a default that is a constant other than NULL or the current
/// time or a random UUID.
fn every_row_gets_a_value(c: &pg_query::protobuf::ColumnDef) -> bool {
    use pg_query::protobuf::ConstrType;
    if c.type_name
        .as_ref()
        .is_some_and(|t| crate::catalog::types::is_serial(&type_base_name(t)))
    {
        return true;
    }
    column_constraints(c).any(|k| match k.contype() {
        ConstrType::ConstrNotnull | ConstrType::ConstrIdentity => true,
        ConstrType::ConstrDefault => k.raw_expr.as_deref().is_some_and(never_null_default),
        _ => false,
    })
}

fn never_null_default(node: &pg_query::protobuf::Node) -> bool {
    match &node.node {
        Some(NodeEnum::AConst(c)) => !c.isnull,
        Some(NodeEnum::TypeCast(tc)) => tc.arg.as_deref().is_some_and(never_null_default),
        Some(NodeEnum::SqlvalueFunction(_)) => true,
        Some(NodeEnum::FuncCall(f)) => {
            f.args.is_empty()
                && crate::sql::ast::split_name(&f.funcname).is_some_and(|(schema, name)| {
                    matches!(
                        schema.as_deref(),
                        None | Some("pg_catalog" | "public" | "extensions")
                    ) && matches!(
                        name.as_str(),
                        "now"
                            | "clock_timestamp"
                            | "statement_timestamp"
                            | "transaction_timestamp"
                            | "gen_random_uuid"
                            | "uuid_generate_v4"
                    )
                })
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "backfill-in-ddl-transaction";
    const CREATE: &str = "create table public.t (id bigint primary key, n int);";

    fn later(sql: &str) -> crate::rules::testing::Case {
        files(&[("1.sql", CREATE), ("2.sql", sql)])
    }

    #[test]
    fn update_after_add_column_fires() {
        let out =
            later("alter table public.t add column m int;\nupdate public.t set m = n;").fires(RULE);
        assert_eq!(
            out,
            "2.sql:2:1 backfill-in-ddl-transaction warning [public.t] this UPDATE backfills `public.t` in the transaction of the ALTER TABLE at line 1, whose ACCESS EXCLUSIVE lock on the table is held until commit: its reads and writes wait for the whole backfill"
        );
    }

    #[test]
    fn a_lock_that_blocks_writes_only_says_so() {
        let out =
            later("create index t_n on public.t (n);\nupdate public.t set n = 0 where n is null;")
                .fires(RULE);
        assert!(
            out.contains("SHARE lock on the table") && out.contains("its writes wait"),
            "{out}"
        );
    }

    #[test]
    fn a_backfill_of_nulls_still_fires_where_rows_can_hold_them() {
        // No default, a NULL default, a default set after the ADD, a
        // function that may return NULL, or IS NULL only on one side of OR.
        for sql in [
            "alter table public.t add column c text;\nupdate public.t set c = 'x' where c is null;",
            "alter table public.t add column c text default null;\nupdate public.t set c = 'x' where c is null;",
            "alter table public.t add column c text;\nalter table public.t alter column c set default 'x';\nupdate public.t set c = 'x' where c is null;",
            "alter table public.t add column c text default public.pick();\nupdate public.t set c = 'x' where c is null;",
            "alter table public.t add column c text default 'x';\nupdate public.t set c = 'y' where c is null or n > 0;",
        ] {
            later(sql).fires(RULE);
        }
    }

    #[test]
    fn quiet_cases() {
        // One row, by its key.
        later("alter table public.t add column m int;\nupdate public.t set m = 1 where id = 3;")
            .quiet(RULE);
        // Another table's DDL.
        later("create table public.u (id int);\nalter table public.u add column m int;\nupdate public.t set n = 0;")
            .quiet(RULE);
        // A separate transaction.
        later("alter table public.t add column m int;\ncommit;\nbegin;\nupdate public.t set m = n;\ncommit;")
            .quiet(RULE);
        // Autocommit.
        later("alter table public.t add column m int;\nupdate public.t set m = n;")
            .postgres()
            .quiet(RULE);
        // The table is new in this file.
        case(&format!(
            "{CREATE}\nalter table public.t add column m int;\nupdate public.t set m = n;"
        ))
        .quiet(RULE);
        // LOCK TABLE is the author's choice.
        later("lock table public.t in share mode;\nupdate public.t set n = 0;").quiet(RULE);
        // So is switching triggers off around the backfill.
        later("alter table public.t disable trigger user;\nupdate public.t set n = 0;\nalter table public.t enable trigger user;")
            .quiet(RULE);
        // `WHERE c IS NULL` of a column the transaction added with a value
        // for every row: it writes nothing.
        for add in [
            "add column c text default 'EUR'",
            "add column c text not null default 'EUR'",
            "add column c timestamptz default now()",
            "add column c bigint generated always as identity",
            "add column c bigserial",
        ] {
            later(&format!(
                "alter table public.t {add};\nupdate public.t set c = default where c is null and n > 0;"
            ))
            .quiet(RULE);
        }
        // A column NOT NULL now holds no NULL either.
        later("alter table public.t alter column n set not null;\nupdate public.t set n = 0 where n is null;")
            .quiet(RULE);
        // A lock that lets writes through.
        later("comment on table public.t is 'x';\nalter table public.t validate constraint t_pkey;\nupdate public.t set n = 0;")
            .quiet(RULE);
    }
}
