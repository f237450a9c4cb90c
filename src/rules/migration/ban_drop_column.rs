//! `ALTER TABLE ... DROP COLUMN` on an existing table. Docs: rules/ban-drop-column.yaml.

use pg_query::protobuf::AlterTableType;

use crate::catalog::Ident;
use crate::rules::support::migration::{
    alter_table_cmds, altered_table, column_is_new, is_plain_table,
};
use crate::rules::{StatementRule, StmtCtx};

pub struct BanDropColumn;

impl StatementRule for BanDropColumn {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let Some((s, table)) = altered_table(cx).filter(|(s, _)| is_plain_table(s)) else {
            return;
        };
        for cmd in alter_table_cmds(s) {
            if cmd.subtype() != AlterTableType::AtDropColumn {
                continue;
            }
            // A column this file added is not in any deployed code yet.
            if column_is_new(cx, &table.name, &cmd.name) {
                continue;
            }
            let message = format!(
                "dropping column `{}` of `{}` breaks code that still reads or writes it and deletes its data",
                Ident::new(cmd.name.clone()),
                table.name
            );
            cx.report_unless_new(&table, Some(cx.stmt.span), message);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-drop-column";
    const CREATE: &str = "create table public.t (id bigint primary key, legacy text, note text);";

    #[test]
    fn table_from_an_earlier_file_fires() {
        let out = files(&[
            ("1_create.sql", CREATE),
            ("2_drop.sql", "alter table public.t drop column legacy;"),
        ])
        .fires(RULE);
        assert!(
            out.starts_with("2_drop.sql:1:1 ban-drop-column warning [public.t] "),
            "{out}"
        );
        assert!(out.contains("column `legacy` of `public.t`"), "{out}");
    }

    #[test]
    fn table_created_earlier_in_the_same_file_is_quiet() {
        case(&format!(
            "{CREATE}\nalter table public.t drop column legacy;"
        ))
        .quiet(RULE);
    }

    #[test]
    fn each_dropped_column_is_a_finding() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table t drop column legacy, drop note, add column x int;",
            ),
        ])
        .fires(RULE);
        assert_eq!(out.lines().count(), 2, "{out}");
        assert!(out.contains("`legacy`") && out.contains("`note`"), "{out}");
    }

    #[test]
    fn column_added_earlier_in_the_same_file_is_quiet() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add column tmp int;\nalter table public.t drop column tmp;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn if_exists_on_an_unknown_table_still_fires() {
        case("alter table if exists legacy drop column if exists old_flag cascade;").fires(RULE);
    }

    #[test]
    fn other_subcommands_and_foreign_tables_are_quiet() {
        files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter table public.t drop constraint if exists t_x_check, alter column note drop default;\nalter foreign table public.remote drop column c;"),
        ])
        .quiet(RULE);
    }
}
