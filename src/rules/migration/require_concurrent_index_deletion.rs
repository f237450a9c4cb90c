//! `DROP INDEX` without CONCURRENTLY on an existing table. Docs: rules/require-concurrent-index-deletion.yaml.

use pg_query::protobuf as pb;
use pg_query::NodeEnum;

use crate::catalog::{resolve, Ident, QualifiedName};
use crate::rules::support::changes::assumed_to_exist;
use crate::rules::support::migration::index_owner;
use crate::rules::{StatementRule, StmtCtx};
use crate::sql::ast;

pub struct RequireConcurrentIndexDeletion;

impl StatementRule for RequireConcurrentIndexDeletion {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let NodeEnum::DropStmt(s) = &cx.stmt.node else {
            return;
        };
        if s.remove_type() != pb::ObjectType::ObjectIndex || s.concurrent {
            return;
        }
        let span = Some(cx.stmt.span);
        for object in &s.objects {
            let Some(NodeEnum::List(list)) = &object.node else {
                continue;
            };
            let Some((schema, name)) = ast::split_name(&list.items) else {
                continue;
            };
            match index_owner(cx.catalog, cx.search_path, schema.as_deref(), &name) {
                Some(owner) => {
                    let table = cx.table_named(owner);
                    let message = format!(
                        "dropping index `{}` without CONCURRENTLY takes an ACCESS EXCLUSIVE \
                         lock on `{}`, blocking its reads and writes",
                        Ident::new(name.as_str()),
                        table.name
                    );
                    cx.report_lock(&table, span, message);
                }
                // IF EXISTS of an index the migrations never built, or
                // already dropped (DROP CONSTRAINT drops its index): most
                // likely nothing to drop, so no lock; unless
                // --assume-existing says it is there.
                None if s.missing_ok
                    && !assumed_to_exist(
                        cx,
                        pb::ObjectType::ObjectIndex,
                        schema.as_deref().map(Ident::new).as_ref(),
                        &Ident::new(name.as_str()),
                        None,
                    ) => {}
                // An index the migrations never built (made by hand, or in a
                // baseline pgvet does not model) sits on a table that exists.
                None => {
                    let index = match schema {
                        Some(s) => QualifiedName::new(s, name.as_str()),
                        None => QualifiedName::new(
                            resolve::creation_schema(cx.catalog, cx.search_path),
                            name.as_str(),
                        ),
                    };
                    let message = format!(
                        "dropping index `{index}` without CONCURRENTLY takes an ACCESS EXCLUSIVE \
                         lock on its table, blocking reads and writes"
                    );
                    cx.report(&index, span, message);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "require-concurrent-index-deletion";
    const CREATE: &str = "create table public.t (id bigint primary key, n int);\n\
                          create index t_n_idx on public.t (n);";

    #[test]
    fn table_from_an_earlier_file_fires() {
        let out = files(&[("1.sql", CREATE), ("2.sql", "drop index t_n_idx;")]).fires(RULE);
        assert!(out.starts_with("2.sql:1:1 "), "{out}");
        assert!(
            out.contains("index `t_n_idx`") && out.contains("[public.t]"),
            "{out}"
        );
    }

    #[test]
    fn table_created_earlier_in_the_same_file_is_quiet() {
        case(&format!("{CREATE}\ndrop index t_n_idx;")).quiet(RULE);
    }

    #[test]
    fn concurrently_is_quiet() {
        files(&[
            ("1.sql", CREATE),
            ("2.sql", "drop index concurrently if exists t_n_idx;"),
        ])
        .quiet(RULE);
    }

    #[test]
    fn index_built_in_this_file_on_an_old_table_fires() {
        // The lock falls on the table, and the table is not new.
        files(&[
            (
                "1.sql",
                "create table public.t (id bigint primary key, n int);",
            ),
            (
                "2.sql",
                "create index t_n_idx on public.t (n);\ndrop index public.t_n_idx;",
            ),
        ])
        .fires(RULE);
    }

    #[test]
    fn qualified_name_looks_in_that_schema_only() {
        let out = files(&[
            (
                "1.sql",
                "create schema app;\ncreate table app.t (id bigint primary key, n int);\n\
                 create index t_n_idx on app.t (n);",
            ),
            ("2.sql", "drop index app.t_n_idx;"),
        ])
        .fires(RULE);
        assert!(out.contains("[app.t]"), "{out}");
    }

    #[test]
    fn unqualified_name_follows_the_search_path() {
        let out = files(&[
            (
                "1.sql",
                "create schema app;\ncreate table app.t (id bigint primary key, n int);\n\
                 create index t_n_idx on app.t (n);",
            ),
            ("2.sql", "set search_path = app;\ndrop index t_n_idx;"),
        ])
        .fires(RULE);
        assert!(out.contains("[app.t]"), "{out}");
    }

    #[test]
    fn unknown_index_fires_on_its_own_name() {
        let out = case("drop index legacy_idx;").fires(RULE);
        assert!(
            out.contains("[public.legacy_idx]") && out.contains("its table"),
            "{out}"
        );
        // IF EXISTS of an index no migration built: most likely a no-op, unless
        // tables predate the migrations (--assume-existing).
        case("drop index if exists legacy_idx;").quiet(RULE);
        case("drop index if exists legacy_idx;")
            .assume_existing()
            .fires(RULE);
        // Renamed away earlier in the file: nothing of that name to drop.
        case("alter index legacy_idx rename to legacy_old_idx;\ndrop index if exists legacy_idx;")
            .assume_existing()
            .quiet(RULE);
    }

    #[test]
    fn index_dropped_with_its_constraint_is_gone() {
        case(
            "create table public.e (id bigint, constraint e_pkey primary key (id));\n\
             alter table public.e drop constraint e_pkey;\n\
             drop index if exists e_pkey;",
        )
        .quiet(RULE);
    }

    #[test]
    fn each_index_of_a_list_is_reported() {
        let out = files(&[
            (
                "1.sql",
                "create table public.t (id bigint primary key, n int, m int);\n\
                 create index t_n_idx on public.t (n);\ncreate index t_m_idx on public.t (m);",
            ),
            ("2.sql", "drop index t_n_idx, t_m_idx;"),
        ])
        .fires(RULE);
        assert_eq!(out.lines().count(), 2, "{out}");
    }

    #[test]
    fn materialized_view_index_fires_on_the_view() {
        let out = files(&[
            (
                "1.sql",
                "create table public.t (id bigint primary key, n int);\n\
                 create materialized view public.mv as select n from public.t;\n\
                 create index mv_n_idx on public.mv (n);",
            ),
            ("2.sql", "drop index mv_n_idx;"),
        ])
        .fires(RULE);
        assert!(out.contains("[public.mv]"), "{out}");
    }

    #[test]
    fn other_drops_are_quiet() {
        files(&[("1.sql", CREATE), ("2.sql", "drop table public.t;")]).quiet(RULE);
    }

    #[test]
    fn size_from_the_database_sets_the_severity() {
        let out = files(&[("1.sql", CREATE), ("2.sql", "drop index t_n_idx;")])
            .live(&[("public", "t", 2_500_000.0, 400 << 20)])
            .fires(RULE);
        assert!(
            out.contains(" error ") && out.contains("2,500,000 rows"),
            "{out}"
        );
    }
}
