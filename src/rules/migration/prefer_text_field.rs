//! `varchar(n)` columns, whose limit can only change under a lock. Docs: rules/prefer-text-field.yaml.

use crate::rules::support::migration::{catalog_type_name, typed_columns};
use crate::rules::{StatementRule, StmtCtx};

pub struct PreferTextField;

impl StatementRule for PreferTextField {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        for column in typed_columns(&cx.stmt.node) {
            // `varchar` without a length is `text` under another name.
            if catalog_type_name(column.type_name) != Some("varchar")
                || column.type_name.typmods.is_empty()
            {
                continue;
            }
            let table = cx.table(column.table).name;
            let span = Some(cx.stmt.span_at(column.location()));
            cx.report(
                &table,
                span,
                format!(
                    "column `{}` is `varchar` with a length limit, which can only change under an ACCESS EXCLUSIVE lock",
                    column.name
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "prefer-text-field";

    #[test]
    fn varchar_with_length_fires_at_the_column() {
        let out = case(
            "create table app.t (\n  id bigint primary key,\n  name varchar(100) not null\n);",
        )
        .fires(RULE);
        assert!(
            out.starts_with(
                "test.sql:3:3 prefer-text-field warning [app.t] column `name` is `varchar`"
            ),
            "{out}"
        );
    }

    #[test]
    fn every_spelling_fires() {
        let out = case(
            "create table app.t (a character varying(10), b pg_catalog.varchar(5), c char varying(3), d varchar(20)[]);",
        )
        .fires(RULE);
        assert_eq!(out.lines().count(), 4, "{out}");
    }

    #[test]
    fn widening_an_existing_column_fires() {
        let out = files(&[
            (
                "1.sql",
                "create table app.t (id bigint primary key, kind text);",
            ),
            (
                "2.sql",
                "alter table app.t alter column kind type varchar(1000);",
            ),
        ])
        .fires(RULE);
        assert!(out.starts_with("2.sql:1:"), "{out}");
    }

    #[test]
    fn add_column_fires_on_a_new_table_too() {
        case("create table app.t (id bigint primary key);\nalter table app.t add column note varchar(256);")
            .fires(RULE);
    }

    #[test]
    fn varchar_without_length_and_text_are_quiet() {
        case("create table app.t (a varchar, b character varying, c text check (char_length(c) <= 100));")
            .quiet(RULE);
    }
}
