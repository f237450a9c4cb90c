//! A table named without its schema in CREATE, ALTER or DROP TABLE. Docs: rules/require-table-schema.yaml.

use pg_query::protobuf::{self as pb, ObjectType as O};
use pg_query::NodeEnum;

use crate::rules::support::drops::relation_name;
use crate::rules::{StatementRule, StmtCtx};

pub struct RequireTableSchema;

impl StatementRule for RequireTableSchema {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let mut unqualified: Vec<&pb::RangeVar> = Vec::new();
        let mut dropped: Vec<&[pb::Node]> = Vec::new();
        match &cx.stmt.node {
            NodeEnum::CreateStmt(s) => {
                unqualified.extend(s.relation.as_ref().filter(|r| !temporary(r)))
            }
            NodeEnum::CreateTableAsStmt(s) if s.objtype() == O::ObjectTable => {
                let rel = s.into.as_ref().and_then(|i| i.rel.as_ref());
                unqualified.extend(rel.filter(|r| !temporary(r)));
            }
            NodeEnum::AlterTableStmt(s) if s.objtype() == O::ObjectTable => {
                unqualified.extend(s.relation.as_ref());
            }
            NodeEnum::RenameStmt(s)
                if s.rename_type() == O::ObjectTable || s.relation_type() == O::ObjectTable =>
            {
                unqualified.extend(s.relation.as_ref());
            }
            NodeEnum::AlterObjectSchemaStmt(s) if s.object_type() == O::ObjectTable => {
                unqualified.extend(s.relation.as_ref());
            }
            NodeEnum::DropStmt(s) if s.remove_type() == O::ObjectTable => {
                for object in &s.objects {
                    if let Some(NodeEnum::List(l)) = &object.node {
                        if l.items.len() == 1 {
                            dropped.push(&l.items);
                        }
                    }
                }
            }
            _ => {}
        }
        let mut found = Vec::new();
        for rv in unqualified.into_iter().filter(|r| r.schemaname.is_empty()) {
            found.push((rv.relname.clone(), cx.table(rv).name));
        }
        for names in dropped {
            if let (Some((None, written)), Some(qn)) =
                (crate::sql::split_name(names), relation_name(cx, names))
            {
                found.push((written, qn));
            }
        }
        for (written, name) in found {
            let message = format!(
                "table `{}` is named without its schema, so the search_path decides that it is `{name}`",
                crate::catalog::Ident::new(written.as_str())
            );
            cx.report(&name, Some(cx.stmt.span), message);
        }
    }
}

/// `CREATE TEMP TABLE`: temporary tables live in the session's own schema.
fn temporary(rv: &pb::RangeVar) -> bool {
    rv.relpersistence == "t"
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::case;

    const RULE: &str = "require-table-schema";

    #[test]
    fn unqualified_create_fires() {
        let out = case("create table orders (id bigint primary key);").fires(RULE);
        assert_eq!(
            out,
            "test.sql:1:1 require-table-schema warning [public.orders] table `orders` is named without its schema, so the search_path decides that it is `public.orders`"
        );
    }

    #[test]
    fn qualified_names_are_quiet() {
        case("create table public.orders (id bigint primary key);\nalter table public.orders add column note text;\ndrop table public.orders;")
            .quiet(RULE);
    }

    #[test]
    fn alter_rename_set_schema_and_drop_fire() {
        let setup = "create schema app;\ncreate table public.t (id bigint primary key);\n";
        for stmt in [
            "alter table t add column note text;",
            "alter table t rename column id to t_id;",
            "alter table t rename to u;",
            "alter table t set schema app;",
            "drop table public.u, t;",
            "create table t2 as select 1 as id;",
        ] {
            case(&format!("{setup}{stmt}")).fires(RULE);
        }
    }

    #[test]
    fn the_search_path_names_the_schema() {
        let out = case("create schema app;\nset search_path = app;\ncreate table orders (id bigint primary key);")
            .fires(RULE);
        assert!(out.contains("[app.orders]"), "{out}");
    }

    #[test]
    fn temporary_tables_views_and_indexes_are_quiet() {
        case("create table public.t (id bigint primary key);\ncreate temp table scratch (id bigint);\ncreate view v as select id from public.t;\ncreate index t_id_idx on t (id);")
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
