//! `ALTER TABLE ... SET LOGGED` / `SET UNLOGGED` of a table that existed before the file. Docs: rules/changing-table-persistence.yaml.

use pg_query::protobuf::AlterTableType as At;

use crate::rules::support::migration::{alter_table_cmds, altered_table, is_plain_table};
use crate::rules::{StatementRule, StmtCtx};

pub struct ChangingTablePersistence;

impl StatementRule for ChangingTablePersistence {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let Some((s, table)) = altered_table(cx).filter(|(s, _)| is_plain_table(s)) else {
            return;
        };
        for cmd in alter_table_cmds(s) {
            let message = match cmd.subtype() {
                At::AtSetUnLogged => format!(
                    "setting `{}` UNLOGGED rewrites it under an ACCESS EXCLUSIVE lock, blocking its \
                     reads and writes; afterwards a crash empties it and replicas no longer receive it",
                    table.name
                ),
                At::AtSetLogged => format!(
                    "setting `{}` LOGGED rewrites it (if it is unlogged) under an ACCESS EXCLUSIVE \
                     lock, blocking its reads and writes while all of it is written to the WAL",
                    table.name
                ),
                _ => continue,
            };
            cx.report_lock(&table, Some(cx.stmt.span), message);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "changing-table-persistence";
    const CREATE: &str = "create table public.t (id bigint primary key, n int);";

    #[test]
    fn set_unlogged_of_an_earlier_table_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter table public.t set unlogged;"),
        ])
        .fires(RULE);
        assert!(
            out.starts_with("2.sql:1:1 changing-table-persistence warning [public.t] setting `public.t` UNLOGGED rewrites it"),
            "{out}"
        );
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter table public.t set logged;"),
        ])
        .fires(RULE);
        assert!(
            out.contains("setting `public.t` LOGGED rewrites it (if it is unlogged)"),
            "{out}"
        );
    }

    #[test]
    fn a_table_made_in_the_same_file_is_quiet() {
        case(
            "create unlogged table public.load (id bigint);\n\
              insert into public.load select g from generate_series(1, 10) g;\n\
              alter table public.load set logged;",
        )
        .quiet(RULE);
    }

    #[test]
    fn other_subcommands_are_quiet() {
        files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter table public.t set (fillfactor = 90);"),
        ])
        .quiet(RULE);
    }
}
