//! `REINDEX` without CONCURRENTLY of an existing table, index or schema. Docs: rules/require-concurrent-reindex.yaml.

use pg_query::protobuf::{self as pb, ReindexObjectType as K};
use pg_query::NodeEnum;

use crate::catalog::{resolve, Ident, QualifiedName};
use crate::rules::support::drops::has_option;
use crate::rules::support::migration::index_owner;
use crate::rules::{StatementRule, StmtCtx};

pub struct RequireConcurrentReindex;

/// REINDEX CONCURRENTLY arrived in PostgreSQL 12; before it there is no
/// lighter way to ask for.
const CONCURRENTLY_SINCE: u32 = 12;

impl StatementRule for RequireConcurrentReindex {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let NodeEnum::ReindexStmt(s) = &cx.stmt.node else {
            return;
        };
        if has_option(&s.params, "concurrently") || cx.postgres_version() < CONCURRENTLY_SINCE {
            return;
        }
        let span = Some(cx.stmt.span);
        match s.kind() {
            K::ReindexObjectTable => {
                let Some(rv) = &s.relation else { return };
                let table = cx.table(rv);
                let message = format!(
                    "reindexing `{}` without CONCURRENTLY blocks its writes, and its reads \
                     (the planner locks each of its indexes), until every index is rebuilt",
                    table.name
                );
                cx.report_lock(&table, span, message);
            }
            K::ReindexObjectIndex => {
                let Some(rv) = &s.relation else { return };
                reindex_index(cx, rv, span);
            }
            K::ReindexObjectSchema => {
                let schema = Ident::new(s.name.as_str());
                if schema_is_new(cx, &schema) {
                    return;
                }
                let message = format!(
                    "reindexing schema `{schema}` without CONCURRENTLY blocks writes to each of \
                     its tables while that table's indexes are rebuilt"
                );
                // A schema has no schema: it is named as a row of pg_namespace.
                cx.report(&QualifiedName::new("pg_namespace", schema), span, message);
            }
            K::ReindexObjectDatabase => {
                // A database belongs to the cluster: named as a row of
                // pg_database (the current one when the name is left out).
                let (name, object) = if s.name.is_empty() {
                    (
                        "the current database".to_string(),
                        QualifiedName::new("pg_database", "current_database"),
                    )
                } else {
                    let db = Ident::new(s.name.as_str());
                    (
                        format!("database `{db}`"),
                        QualifiedName::new("pg_database", db),
                    )
                };
                let message = format!(
                    "reindexing {name} without CONCURRENTLY blocks writes to each of its \
                     tables while that table's indexes are rebuilt"
                );
                cx.report(&object, span, message);
            }
            // REINDEX SYSTEM cannot run concurrently: nothing to ask for.
            _ => {}
        }
    }
}

fn reindex_index(cx: &mut StmtCtx<'_>, rv: &pb::RangeVar, span: Option<crate::catalog::Span>) {
    let schema = (!rv.schemaname.is_empty()).then_some(rv.schemaname.as_str());
    match index_owner(cx.catalog, cx.search_path, schema, &rv.relname) {
        Some(owner) => {
            let table = cx.table_named(owner);
            let message = format!(
                "reindexing index `{}` without CONCURRENTLY blocks writes to `{}`, and its \
                 reads (the planner locks each of its indexes), until it is rebuilt",
                Ident::new(rv.relname.as_str()),
                table.name
            );
            cx.report_lock(&table, span, message);
        }
        // An index no migration built (made by hand, or in a baseline pgvet
        // does not model) sits on a table that exists.
        None => {
            let index = match schema {
                Some(s) => QualifiedName::new(s, rv.relname.as_str()),
                None => QualifiedName::new(
                    resolve::creation_schema(cx.catalog, cx.search_path),
                    rv.relname.as_str(),
                ),
            };
            let message = format!(
                "reindexing index `{index}` without CONCURRENTLY blocks writes to its table, \
                 and its reads (the planner locks each of its indexes), until it is rebuilt"
            );
            cx.report(&index, span, message);
        }
    }
}

/// A schema this file created, holding no table from before the file (one
/// moved in by SET SCHEMA, say): rebuilding its indexes blocks no one.
fn schema_is_new(cx: &StmtCtx<'_>, schema: &Ident) -> bool {
    let made_here = cx.catalog.schemas.get(schema).is_some_and(|s| {
        s.origin
            .span()
            .is_some_and(|sp| sp.file == cx.stmt.span.file)
    });
    made_here
        && cx
            .catalog
            .tables
            .values()
            .filter(|t| &t.name.schema == schema)
            .all(|t| cx.table_named(t.name.clone()).is_new())
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "require-concurrent-reindex";
    const CREATE: &str = "create table public.t (id bigint primary key, n int);\n\
                          create index t_n_idx on public.t (n);";

    #[test]
    fn table_from_an_earlier_file_fires() {
        let out = files(&[("1.sql", CREATE), ("2.sql", "reindex table public.t;")]).fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 require-concurrent-reindex warning [public.t] reindexing `public.t` without CONCURRENTLY blocks its writes, and its reads (the planner locks each of its indexes), until every index is rebuilt"
        );
    }

    #[test]
    fn index_finds_its_table() {
        let out = files(&[("1.sql", CREATE), ("2.sql", "reindex index t_n_idx;")]).fires(RULE);
        assert!(
            out.contains("[public.t]") && out.contains("index `t_n_idx`"),
            "{out}"
        );
    }

    #[test]
    fn concurrently_is_quiet() {
        for stmt in [
            "reindex table concurrently public.t;",
            "reindex (concurrently) index public.t_n_idx;",
            "reindex (verbose, concurrently true) table public.t;",
        ] {
            files(&[("1.sql", CREATE), ("2.sql", stmt)])
                .postgres()
                .quiet(RULE);
        }
    }

    #[test]
    fn concurrently_false_fires() {
        files(&[
            ("1.sql", CREATE),
            ("2.sql", "reindex (concurrently false) table public.t;"),
        ])
        .fires(RULE);
    }

    #[test]
    fn table_created_earlier_in_the_same_file_is_quiet() {
        case(&format!(
            "{CREATE}\nreindex table public.t;\nreindex index public.t_n_idx;"
        ))
        .quiet(RULE);
    }

    #[test]
    fn unknown_table_and_index_fire() {
        case("reindex table legacy;").fires(RULE);
        let out = case("reindex index legacy_idx;").fires(RULE);
        assert!(out.contains("[public.legacy_idx]"), "{out}");
    }

    #[test]
    fn schema_and_database_fire_system_is_quiet() {
        let out = files(&[("1.sql", CREATE), ("2.sql", "reindex schema public;")]).fires(RULE);
        assert!(
            out.contains("[pg_namespace.public] reindexing schema `public`"),
            "{out}"
        );
        let out = case("reindex database postgres;").fires(RULE);
        assert!(
            out.contains("[pg_database.postgres] reindexing database `postgres`"),
            "{out}"
        );
        case("reindex system postgres;").quiet(RULE);
    }

    #[test]
    fn schema_made_in_the_same_file_is_quiet() {
        case("create schema work;\ncreate table work.t (id bigint primary key);\nreindex schema work;")
            .quiet(RULE);
    }

    #[test]
    fn before_postgres_12_there_is_no_concurrently() {
        files(&[("1.sql", CREATE), ("2.sql", "reindex table public.t;")])
            .config("postgres_version: 11")
            .quiet(RULE);
    }
}
