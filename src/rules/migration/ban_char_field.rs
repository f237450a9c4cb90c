//! `char(n)` / `character(n)` / `bpchar` columns. Docs: rules/ban-char-field.yaml.

use crate::rules::support::migration::{catalog_type_name, typed_columns};
use crate::rules::{StatementRule, StmtCtx};

pub struct BanCharField;

impl StatementRule for BanCharField {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        for column in typed_columns(&cx.stmt.node) {
            // `"char"` (quoted) is PostgreSQL's one-byte internal type, not blank-padded text.
            if catalog_type_name(column.type_name) != Some("bpchar") {
                continue;
            }
            let table = cx.table(column.table).name;
            let span = Some(cx.stmt.span_at(column.location()));
            cx.report(
                &table,
                span,
                format!(
                    "column `{}` is `char`, which pads values with spaces to a fixed length",
                    column.name
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-char-field";

    #[test]
    fn char_with_length_fires_at_the_column() {
        let out =
            case("create table app.t (\n  id bigint primary key,\n  code char(3) not null\n);")
                .fires(RULE);
        assert!(
            out.starts_with("test.sql:3:3 ban-char-field info [app.t] column `code` is `char`"),
            "{out}"
        );
    }

    #[test]
    fn every_spelling_fires() {
        let out = case(
            "create table app.t (a char, b character(10), c bpchar, d pg_catalog.bpchar(2), e national character(4), f char(2)[]);",
        )
        .fires(RULE);
        assert_eq!(out.lines().count(), 6, "{out}");
    }

    #[test]
    fn add_column_and_alter_type_fire_on_any_table_history() {
        let out = files(&[
            (
                "1.sql",
                "create table app.t (id bigint primary key, a text);",
            ),
            (
                "2.sql",
                "alter table app.t add column b char(2), alter column a type character(5);",
            ),
        ])
        .fires(RULE);
        assert_eq!(out.lines().count(), 2, "{out}");
        case("create table app.t (id bigint primary key, a text);\nalter table app.t add column b char(2);")
            .fires(RULE);
    }

    #[test]
    fn text_varchar_and_the_internal_char_type_are_quiet() {
        case("create table app.t (a text, b varchar(10), c character varying, d \"char\", e pg_catalog.\"char\");")
            .quiet(RULE);
    }

    #[test]
    fn a_user_type_named_char_is_quiet() {
        case("create domain app.bpchar as text;\ncreate table app.t (a app.bpchar);").quiet(RULE);
    }
}
