//! `timestamp` (without time zone) columns. Docs: rules/prefer-timestamptz.yaml.

use crate::rules::support::migration::{catalog_type_name, typed_columns};
use crate::rules::{StatementRule, StmtCtx};

pub struct PreferTimestamptz;

impl StatementRule for PreferTimestamptz {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        for column in typed_columns(&cx.stmt.node) {
            if catalog_type_name(column.type_name) != Some("timestamp") {
                continue;
            }
            let table = cx.table(column.table).name;
            let span = Some(cx.stmt.span_at(column.location()));
            cx.report(
                &table,
                span,
                format!(
                    "column `{}` is `timestamp` without time zone, which drops the offset of every value written to it",
                    column.name
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "prefer-timestamptz";

    #[test]
    fn timestamp_fires_at_the_column() {
        let out = case("create table app.t (\n  id bigint primary key,\n  created_at timestamp not null default now()\n);")
            .fires(RULE);
        assert!(
            out.starts_with("test.sql:3:3 prefer-timestamptz warning [app.t] column `created_at` is `timestamp`"),
            "{out}"
        );
    }

    #[test]
    fn every_spelling_fires() {
        let out = case(
            "create table app.t (a timestamp without time zone, b timestamp(3), c pg_catalog.timestamp, d timestamp[]);",
        )
        .fires(RULE);
        assert_eq!(out.lines().count(), 4, "{out}");
    }

    #[test]
    fn add_column_and_alter_type_fire() {
        let out = files(&[
            ("1.sql", "create table app.t (id bigint primary key, seen_at timestamptz);"),
            (
                "2.sql",
                "alter table app.t add column done_at timestamp, alter column seen_at type timestamp;",
            ),
        ])
        .fires(RULE);
        assert_eq!(out.lines().count(), 2, "{out}");
    }

    #[test]
    fn with_time_zone_date_and_time_are_quiet() {
        case("create table app.t (a timestamptz, b timestamp with time zone, c timestamptz(3), d date, e time, f interval);")
            .quiet(RULE);
    }

    #[test]
    fn the_squawk_spelling_is_an_alias() {
        let out = case("create table app.t (a timestamp);")
            .config("rules:\n  prefer-timestamp-tz: error\n")
            .fires(RULE);
        assert!(out.contains(" error "), "{out}");
    }
}
