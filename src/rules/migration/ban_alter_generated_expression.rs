//! `ALTER COLUMN ... SET EXPRESSION` of a generated column of an existing
//! table. Docs: rules/ban-alter-generated-expression.yaml.

use pg_query::protobuf::AlterTableType as At;

use crate::catalog::Ident;
use crate::rules::support::changes::relation_new_in_this_file;
use crate::rules::support::drops::altered_table;
use crate::rules::support::migration::{alter_table_cmds, column_is_new};
use crate::rules::{StatementRule, StmtCtx};

pub struct BanAlterGeneratedExpression;

impl StatementRule for BanAlterGeneratedExpression {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let Some((s, table)) = altered_table(cx, false) else {
            return;
        };
        // A table or column made in this file has no deployed reader yet.
        if relation_new_in_this_file(cx, &table.name) {
            return;
        }
        for cmd in alter_table_cmds(s) {
            if cmd.subtype() != At::AtSetExpression || column_is_new(cx, &table.name, &cmd.name) {
                continue;
            }
            let message = format!(
                "changing the expression of generated column `{}` of `{}` changes the values its readers get",
                Ident::new(cmd.name.as_str()),
                table.name
            );
            cx.report(&table.name, Some(cx.stmt.span), message);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-alter-generated-expression";
    const CREATE: &str = "create table public.t (id bigint primary key, price numeric, \
                          gross numeric generated always as (price * 1.2) stored);";

    #[test]
    fn a_column_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter table public.t alter column gross set expression as (price * 1.25);"),
        ])
        .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-alter-generated-expression warning [public.t] changing the expression of generated column `gross` of `public.t` changes the values its readers get"
        );
    }

    #[test]
    fn a_table_or_column_made_in_the_same_file_is_quiet() {
        case(&format!(
            "{CREATE}\nalter table public.t alter column gross set expression as (price * 1.25);"
        ))
        .quiet(RULE);
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add column net numeric generated always as (price / 1.2) stored;\n\
                 alter table public.t alter column net set expression as (price / 1.25);",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn adding_or_dropping_a_generated_column_is_not_this_rule() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add column twice numeric generated always as (price * 2) stored;\n\
                 alter table public.t alter column gross drop expression;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn off_by_default() {
        assert_eq!(
            crate::rules::find(RULE).map(|r| r.doc.default_enabled),
            Some(false)
        );
    }
}
