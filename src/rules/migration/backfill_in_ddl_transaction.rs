//! A backfill UPDATE in the transaction whose DDL locked the same table. Docs: rules/backfill-in-ddl-transaction.yaml.

use pg_query::NodeEnum;

use crate::rules::support::locks::{held_in_transaction, picks_one_row};
use crate::rules::{StatementRule, StmtCtx};

pub struct BackfillInDdlTransaction;

impl StatementRule for BackfillInDdlTransaction {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let NodeEnum::UpdateStmt(s) = &cx.stmt.node else {
            return;
        };
        if !cx.in_transaction() {
            return;
        }
        let Some(rv) = s.relation.as_ref() else {
            return;
        };
        let table = cx.table(rv);
        // New in this file, or emptied earlier in the transaction: few rows.
        if table.is_new() {
            return;
        }
        if s.where_clause
            .as_deref()
            .is_some_and(|w| picks_one_row(cx, &table.name, w))
        {
            return;
        }
        // The first DDL of the transaction that blocks this table's writes;
        // a LOCK TABLE, earlier DML or a trigger switch is the author's choice.
        let Some(held) = held_in_transaction(cx)
            .iter()
            .find(|h| h.table == table.name && !h.deliberate && h.mode.blocks_writes())
            .cloned()
        else {
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
        // A lock that lets writes through.
        later("comment on table public.t is 'x';\nalter table public.t validate constraint t_pkey;\nupdate public.t set n = 0;")
            .quiet(RULE);
    }
}
