//! `ALTER COLUMN ... DROP EXPRESSION` on an existing table. Docs: rules/ban-drop-generated-expression.yaml.

use pg_query::protobuf as pb;

use crate::catalog::Ident;
use crate::rules::support::drops::altered_table;
use crate::rules::support::migration::{alter_table_cmds, column_is_new};
use crate::rules::{StatementRule, StmtCtx};

pub struct BanDropGeneratedExpression;

impl StatementRule for BanDropGeneratedExpression {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let Some((s, table)) = altered_table(cx, false) else {
            return;
        };
        for cmd in alter_table_cmds(s) {
            if cmd.subtype() != pb::AlterTableType::AtDropExpression {
                continue;
            }
            // A column this file added is read by no deployed code yet.
            if column_is_new(cx, &table.name, &cmd.name) {
                continue;
            }
            let message = format!(
                "dropping the generation expression of column `{}` of `{}` stops it following the columns it was computed from",
                Ident::new(cmd.name.as_str()),
                table.name
            );
            cx.report_unless_new(&table, Some(cx.stmt.span), message);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-drop-generated-expression";
    const CREATE: &str = "create table public.t (id bigint primary key, price numeric, \
                          price_with_tax numeric generated always as (price * 1.2) stored);";

    #[test]
    fn table_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t alter column price_with_tax drop expression;",
            ),
        ])
        .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-drop-generated-expression warning [public.t] dropping the generation expression of column `price_with_tax` of `public.t` stops it following the columns it was computed from"
        );
    }

    #[test]
    fn table_created_earlier_in_the_same_file_is_quiet() {
        case(&format!(
            "{CREATE}\nalter table t alter price_with_tax drop expression;"
        ))
        .quiet(RULE);
    }

    #[test]
    fn column_added_earlier_in_the_same_file_is_quiet() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add column price_cents numeric generated always as (price * 100) stored;\n\
                 alter table public.t alter column price_cents drop expression;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn if_exists_and_unknown_tables_fire() {
        case("alter table if exists legacy alter column total drop expression if exists;")
            .fires(RULE);
    }

    #[test]
    fn other_subcommands_are_quiet() {
        files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter table public.t alter column price drop default, alter column price_with_tax set statistics 100;"),
        ])
        .quiet(RULE);
    }
}
