//! `ALTER TABLE ... RENAME COLUMN` on an existing table. Docs: rules/renaming-column.yaml.

use pg_query::protobuf::ObjectType;
use pg_query::NodeEnum;

use crate::catalog::Ident;
use crate::rules::support::migration::column_is_new;
use crate::rules::{StatementRule, StmtCtx};

pub struct RenamingColumn;

impl StatementRule for RenamingColumn {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let NodeEnum::RenameStmt(s) = &cx.stmt.node else {
            return;
        };
        // ALTER VIEW / MATERIALIZED VIEW / FOREIGN TABLE ... RENAME COLUMN set
        // another relation type; this rule is about ALTER TABLE.
        if s.rename_type() != ObjectType::ObjectColumn
            || s.relation_type() != ObjectType::ObjectTable
        {
            return;
        }
        let Some(rv) = s.relation.as_ref() else {
            return;
        };
        let table = cx.table(rv);
        // A column this file added is not in any deployed code yet.
        if column_is_new(cx, &table.name, &s.subname) {
            return;
        }
        let message = format!(
            "renaming column `{}` of `{}` to `{}` breaks code that still uses the old name",
            Ident::new(s.subname.clone()),
            table.name,
            Ident::new(s.newname.clone())
        );
        cx.report_unless_new(&table, Some(cx.stmt.span), message);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "renaming-column";
    const CREATE: &str = "create table public.t (id bigint primary key, email text);";

    #[test]
    fn table_from_an_earlier_file_fires() {
        let out = files(&[
            ("1_create.sql", CREATE),
            (
                "2_rename.sql",
                "alter table public.t rename column email to email_address;",
            ),
        ])
        .fires(RULE);
        assert!(
            out.starts_with("2_rename.sql:1:1 renaming-column warning [public.t] "),
            "{out}"
        );
        assert!(
            out.contains("column `email` of `public.t` to `email_address`"),
            "{out}"
        );
    }

    #[test]
    fn table_created_earlier_in_the_same_file_is_quiet() {
        case(&format!(
            "{CREATE}\nalter table public.t rename column email to email_address;"
        ))
        .quiet(RULE);
    }

    #[test]
    fn column_added_earlier_in_the_same_file_is_quiet() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add column nick text;\nalter table t rename nick to handle;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn column_added_by_an_earlier_file_fires() {
        files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter table public.t add column nick text;"),
            ("3.sql", "alter table public.t rename nick to handle;"),
        ])
        .fires(RULE);
    }

    #[test]
    fn rename_without_the_column_keyword_fires() {
        case("alter table if exists legacy rename email to email_address;").fires(RULE);
    }

    #[test]
    fn unknown_table_counts_as_existing() {
        let out = case("alter table accounts rename column \"Email\" to email;").fires(RULE);
        assert!(
            out.contains("column `\"Email\"` of `public.accounts`"),
            "{out}"
        );
    }

    #[test]
    fn renaming_a_view_column_or_a_constraint_is_not_this_rule() {
        files(&[
            ("1.sql", "create table public.t (id bigint primary key, email text);\ncreate view public.v as select id, email from public.t;"),
            ("2.sql", "alter view public.v rename column email to mail;\nalter table public.t rename constraint t_pkey to t_pk;"),
        ])
        .quiet(RULE);
    }
}
