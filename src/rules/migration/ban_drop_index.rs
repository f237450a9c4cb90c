//! `DROP INDEX` of an existing index. Docs: rules/ban-drop-index.yaml.

use pg_query::protobuf::ObjectType;
use pg_query::NodeEnum;

use crate::catalog::{resolve, Ident, QualifiedName};
use crate::rules::support::changes::{
    assumed_to_exist, new_in_this_file, relation_dropped_later_in_file, relation_new_in_this_file,
};
use crate::rules::support::drops::{drop_objects, dropped};
use crate::rules::support::migration::{index_owner, made_again_later};
use crate::rules::{StatementRule, StmtCtx};
use crate::sql::ast;

pub struct BanDropIndex;

impl StatementRule for BanDropIndex {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let Some(s) = dropped(cx, &[ObjectType::ObjectIndex]) else {
            return;
        };
        for node in drop_objects(s) {
            let NodeEnum::List(list) = node else { continue };
            let Some((schema, name)) = ast::split_name(&list.items) else {
                continue;
            };
            let index = Ident::new(name.as_str());
            let owner = index_owner(cx.catalog, cx.search_path, schema.as_deref(), &name);
            let known = owner.as_ref().and_then(|t| {
                let indexes = cx
                    .catalog
                    .table(t)
                    .map(|t| &t.indexes)
                    .or_else(|| cx.catalog.views.get(t).map(|v| &v.indexes))?;
                indexes.iter().find(|ix| ix.name == index)
            });
            // An index this file built, or one on a table this file made,
            // serves no deployed query yet.
            // A table the file drops later takes its indexes with it.
            if known.is_some_and(|ix| new_in_this_file(cx, &ix.origin))
                || owner.as_ref().is_some_and(|t| {
                    relation_new_in_this_file(cx, t) || relation_dropped_later_in_file(cx, t)
                })
            {
                continue;
            }
            // IF EXISTS of an index the migrations never built, or dropped
            // already: most likely nothing to drop, unless --assume-existing
            // says it is there (it may be on a table pgvet does not know).
            if known.is_none()
                && s.missing_ok
                && !assumed_to_exist(
                    cx,
                    ObjectType::ObjectIndex,
                    schema.as_deref().map(Ident::new).as_ref(),
                    &index,
                    None,
                )
            {
                continue;
            }
            if made_again(cx, &index) {
                continue;
            }
            let message = match (&owner, known) {
                (Some(table), Some(ix)) if ix.unique => format!(
                    "dropping unique index `{index}` of `{table}` lets duplicate rows in and can slow the queries it served"
                ),
                (Some(table), _) => format!(
                    "dropping index `{index}` of `{table}` can turn the queries it served into scans of the table"
                ),
                (None, _) => format!(
                    "dropping index `{}` can turn the queries it served into scans, or let duplicate rows in if it is unique",
                    index_name(cx, schema.as_deref(), &index)
                ),
            };
            let object = owner.unwrap_or_else(|| index_name(cx, schema.as_deref(), &index));
            cx.report(&object, Some(cx.stmt.span), message);
        }
    }
}

/// An index the catalog does not know, named as PostgreSQL would look for it.
fn index_name(cx: &StmtCtx<'_>, schema: Option<&str>, index: &Ident) -> QualifiedName {
    match schema {
        Some(s) => QualifiedName::new(s, index.clone()),
        None => QualifiedName::new(
            resolve::creation_schema(cx.catalog, cx.search_path),
            index.clone(),
        ),
    }
}

/// Built again under the same name later in the transaction (to change
/// its columns or method): no query runs without it after the commit.
fn made_again(cx: &StmtCtx<'_>, index: &Ident) -> bool {
    made_again_later(
        cx,
        &index.as_str().to_ascii_lowercase(),
        |n| matches!(n, NodeEnum::IndexStmt(i) if Ident::new(i.idxname.as_str()) == *index),
    )
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-drop-index";
    const CREATE: &str = "create table public.t (id bigint primary key, email text, n int);\n\
                          create index t_n_idx on public.t (n);\n\
                          create unique index t_email_key on public.t (email);";

    #[test]
    fn index_from_an_earlier_file_fires() {
        let out = files(&[("1.sql", CREATE), ("2.sql", "drop index public.t_n_idx;")]).fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-drop-index warning [public.t] dropping index `t_n_idx` of `public.t` can turn the queries it served into scans of the table"
        );
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "drop index concurrently t_email_key;"),
        ])
        .fires(RULE);
        assert!(out.contains("unique index `t_email_key`"), "{out}");
    }

    #[test]
    fn index_or_table_made_in_the_same_file_is_quiet() {
        case(&format!("{CREATE}\ndrop index t_n_idx;")).quiet(RULE);
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create index t_id_n_idx on public.t (id, n);\ndrop index t_id_n_idx;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn if_exists_of_an_index_no_migration_left_is_quiet() {
        files(&[
            ("1.sql", CREATE),
            ("2.sql", "drop index if exists t_gone_idx;"),
        ])
        .quiet(RULE);
        // Without IF EXISTS, an index the migrations never built was made by hand.
        let out = case("drop index legacy_idx;").fires(RULE);
        assert!(out.contains("[public.legacy_idx]"), "{out}");
        // --assume-existing: it may be on a table pgvet does not know.
        case("drop index if exists legacy_idx;")
            .assume_existing()
            .fires(RULE);
        // ... unless a statement of the run dropped it already.
        let out = files(&[
            ("1.sql", "drop index legacy_idx;"),
            ("2.sql", "drop index if exists legacy_idx;"),
        ])
        .assume_existing()
        .fires(RULE);
        assert!(
            out.starts_with("1.sql:1:1 ") && out.lines().count() == 1,
            "{out}"
        );
    }

    #[test]
    fn an_index_built_again_in_the_transaction_is_quiet() {
        let again = "drop index t_n_idx;\ncreate index t_n_idx on public.t (n) where n > 0;";
        files(&[("1.sql", CREATE), ("2.sql", again)]).quiet(RULE);
        files(&[("1.sql", CREATE), ("2.sql", again)])
            .postgres()
            .fires(RULE);
    }

    #[test]
    fn teardown_before_the_table_is_dropped_is_quiet() {
        // What `supabase db diff` writes before a DROP TABLE: the drop is
        // ban-drop-table's to report.
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "drop index if exists public.t_n_idx;\ndrop table public.t;",
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
