//! `DROP TABLE` of an existing table. Docs: rules/ban-drop-table.yaml.

use pg_query::protobuf::{DropBehavior, ObjectType};
use pg_query::NodeEnum;

use crate::catalog::resolve;
use crate::rules::{StatementRule, StmtCtx};
use crate::sql::split_name;

pub struct BanDropTable;

impl StatementRule for BanDropTable {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let NodeEnum::DropStmt(s) = &cx.stmt.node else {
            return;
        };
        if !matches!(
            s.remove_type(),
            ObjectType::ObjectTable | ObjectType::ObjectForeignTable
        ) {
            return;
        }
        let cascade = if s.behavior() == DropBehavior::DropCascade {
            ", and CASCADE also drops the views and foreign keys that depend on it"
        } else {
            ""
        };
        for obj in &s.objects {
            let Some(NodeEnum::List(list)) = &obj.node else {
                continue;
            };
            let Some((schema, name)) = split_name(&list.items) else {
                continue;
            };
            // IF EXISTS of a table no migration created still fires: it may
            // exist in the database, created by hand or by another tool.
            let (Ok(qn) | Err(qn)) =
                resolve::relation(cx.catalog, cx.search_path, schema.as_deref(), &name);
            let table = cx.table_named(qn);
            let message = format!(
                "dropping `{}` breaks code that still uses it and deletes its rows{cascade}",
                table.name
            );
            // The statement carries no location per table name.
            cx.report_unless_new(&table, Some(cx.stmt.span), message);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-drop-table";
    const CREATE: &str = "create table public.events (id bigint primary key);";

    #[test]
    fn table_from_an_earlier_file_fires() {
        let out = files(&[
            ("1_create.sql", CREATE),
            ("2_drop.sql", "drop table public.events;"),
        ])
        .fires(RULE);
        assert_eq!(
            out,
            "2_drop.sql:1:1 ban-drop-table warning [public.events] dropping `public.events` breaks code that still uses it and deletes its rows"
        );
    }

    #[test]
    fn table_created_earlier_in_the_same_file_is_quiet() {
        case(&format!("{CREATE}\ndrop table public.events;")).quiet(RULE);
    }

    #[test]
    fn each_table_of_the_statement_is_judged_on_its_own() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create table public.staging (id bigint primary key);\ndrop table events, public.staging;",
            ),
        ])
        .fires(RULE);
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(
            out.contains("[public.events]") && out.starts_with("2.sql:2:1 "),
            "{out}"
        );
    }

    #[test]
    fn if_exists_of_a_table_no_migration_created_still_fires() {
        let out = case("drop table if exists legacy_audit;").fires(RULE);
        assert!(out.contains("[public.legacy_audit]"), "{out}");
    }

    #[test]
    fn if_exists_of_a_table_missing_from_the_database_still_fires() {
        case("drop table if exists legacy_audit;")
            .live(&[("public", "other", 10.0, 8192)])
            .fires(RULE);
    }

    #[test]
    fn cascade_is_named_in_the_message() {
        let out = files(&[("1.sql", CREATE), ("2.sql", "drop table events cascade;")]).fires(RULE);
        assert!(
            out.contains("CASCADE also drops the views and foreign keys"),
            "{out}"
        );
    }

    #[test]
    fn dropping_views_and_indexes_is_not_this_rule() {
        files(&[
            ("1.sql", "create table public.t (id bigint primary key, n int);\ncreate view public.v as select id from public.t;\ncreate index t_n_idx on public.t (n);"),
            ("2.sql", "drop view public.v;\ndrop index public.t_n_idx;"),
        ])
        .quiet(RULE);
    }
}
