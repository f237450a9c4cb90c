//! `ALTER TABLE ... RENAME COLUMN` on an existing table, view, materialized view or foreign table, `ALTER TYPE ... RENAME ATTRIBUTE` on an existing composite type. Docs: rules/renaming-column.yaml.

use pg_query::protobuf::ObjectType;
use pg_query::NodeEnum;

use crate::catalog::Ident;
use crate::rules::support::migration::{altered_type, column_is_new};
use crate::rules::{StatementRule, StmtCtx};

pub struct RenamingColumn;

impl StatementRule for RenamingColumn {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let NodeEnum::RenameStmt(s) = &cx.stmt.node else {
            return;
        };
        let Some(rv) = s.relation.as_ref() else {
            return;
        };
        let (old, new) = (Ident::new(s.subname.clone()), Ident::new(s.newname.clone()));
        let span = Some(cx.stmt.span);
        match (s.rename_type(), s.relation_type()) {
            (
                ObjectType::ObjectColumn,
                kind @ (ObjectType::ObjectTable
                | ObjectType::ObjectView
                | ObjectType::ObjectMatview
                | ObjectType::ObjectForeignTable),
            ) => {
                let table = cx.table(rv);
                // A column this file added is not in any deployed code yet.
                if column_is_new(cx, &table.name, &s.subname) {
                    return;
                }
                let noun = match kind {
                    ObjectType::ObjectView => "view ",
                    ObjectType::ObjectMatview => "materialized view ",
                    ObjectType::ObjectForeignTable => "foreign table ",
                    _ => "",
                };
                let message = format!(
                    "renaming column `{old}` of {noun}`{}` to `{new}` breaks code that still uses the old name",
                    table.name,
                );
                cx.report_unless_new(&table, span, message);
            }
            (ObjectType::ObjectAttribute, _) => {
                let (name, made_here) = altered_type(cx, rv);
                if made_here {
                    return;
                }
                let message = format!(
                    "renaming attribute `{old}` of type `{name}` to `{new}` breaks code that still uses the old name"
                );
                cx.report(&name, span, message);
            }
            _ => {}
        }
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
    fn renaming_a_constraint_is_not_this_rule() {
        files(&[
            (
                "1.sql",
                "create table public.t (id bigint primary key, email text);",
            ),
            (
                "2.sql",
                "alter table public.t rename constraint t_pkey to t_pk;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn view_columns_fire_unless_the_view_is_new() {
        let views = "create table public.t (id bigint primary key, email text);\n\
                     create view public.v as select id, email from public.t;\n\
                     create materialized view public.mv as select id, email from public.t;";
        let out = files(&[
            ("1.sql", views),
            ("2.sql", "alter view public.v rename column email to mail;\nalter materialized view public.mv rename column email to mail;\nalter table public.v rename column id to key;"),
        ])
        .fires(RULE);
        assert_eq!(out.lines().count(), 3, "{out}");
        assert!(
            out.contains("renaming column `email` of view `public.v` to `mail` breaks code"),
            "{out}"
        );
        assert!(out.contains("of materialized view `public.mv`"), "{out}");
        case(&format!(
            "{views}\nalter view public.v rename column email to mail;"
        ))
        .quiet(RULE);
    }

    #[test]
    fn foreign_table_columns_and_type_attributes_fire() {
        let out = case("alter foreign table public.remote rename column a to b;\nalter type public.addr rename attribute zip to postcode;")
            .fires(RULE);
        assert!(
            out.contains("renaming column `a` of foreign table `public.remote` to `b`"),
            "{out}"
        );
        assert!(
            out.contains("[public.addr] renaming attribute `zip` of type `public.addr` to `postcode` breaks code"),
            "{out}"
        );
        case("create type public.addr as (zip text);\nalter type public.addr rename attribute zip to postcode;")
            .quiet(RULE);
    }
}
