//! `CREATE OR REPLACE` of an existing view, function, procedure, aggregate,
//! trigger or rule. Docs: rules/ban-replace-view-function.yaml.

use pg_query::protobuf::{self as pb, FunctionParameterMode as Mode, ObjectType};
use pg_query::NodeEnum;

use crate::catalog::{resolve, types, FunctionKind, Ident, Origin, QualifiedName};
use crate::rules::support::changes::{
    assumed_to_exist, declared_earlier_in_file, relation_new_in_this_file, table_from_migrations,
    trigger,
};
use crate::rules::{StatementRule, StmtCtx};
use crate::sql::ast;

pub struct BanReplaceViewFunction;

impl StatementRule for BanReplaceViewFunction {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let (object, message) = match &cx.stmt.node {
            NodeEnum::ViewStmt(v) if v.replace => {
                let Some(rv) = v.view.as_ref() else { return };
                // A temporary view lives in the migration's session only.
                if rv.relpersistence == "t" {
                    return;
                }
                let name = created_name(cx, rv.schemaname.as_str(), &rv.relname);
                let old = cx.catalog.views.get(&name).map(|v| &v.origin);
                if !replaces_or_assumed(cx, old, || {
                    assumed_to_exist(
                        cx,
                        ObjectType::ObjectView,
                        Some(&name.schema),
                        &name.name,
                        None,
                    )
                }) {
                    return;
                }
                let message =
                    format!("replacing view `{name}` changes the rows or columns its readers get");
                (name, message)
            }
            NodeEnum::CreateFunctionStmt(f) if f.replace => {
                let Some((schema, name)) = ast::split_name(&f.funcname) else {
                    return;
                };
                let name = created_name(cx, schema.as_deref().unwrap_or(""), &name);
                let args = input_types(cx, &f.parameters);
                let old = cx
                    .catalog
                    .functions
                    .get(&name)
                    .and_then(|o| o.iter().find(|o| o.has_signature(&args)))
                    .map(|o| &o.origin);
                if !replaces_or_assumed(cx, old, || {
                    let kind = ObjectType::ObjectFunction;
                    assumed_to_exist(cx, kind, Some(&name.schema), &name.name, Some(&args))
                }) {
                    return;
                }
                let noun = if f.is_procedure {
                    "procedure"
                } else {
                    "function"
                };
                let message = format!(
                    "replacing {noun} `{name}` changes what its callers get, though they call it as before"
                );
                (name, message)
            }
            NodeEnum::DefineStmt(d) if d.replace && d.kind() == ObjectType::ObjectAggregate => {
                let Some((schema, name)) = ast::split_name(&d.defnames) else {
                    return;
                };
                let name = created_name(cx, schema.as_deref().unwrap_or(""), &name);
                let old = cx
                    .catalog
                    .functions
                    .get(&name)
                    .and_then(|o| o.iter().find(|o| o.kind == FunctionKind::Aggregate))
                    .map(|o| &o.origin);
                if !replaces_or_assumed(cx, old, || {
                    let kind = ObjectType::ObjectAggregate;
                    assumed_to_exist(cx, kind, Some(&name.schema), &name.name, None)
                }) {
                    return;
                }
                let message = format!(
                    "replacing aggregate `{name}` changes what the queries that use it compute"
                );
                (name, message)
            }
            NodeEnum::CreateTrigStmt(t) if t.replace => {
                let Some(rv) = t.relation.as_ref() else {
                    return;
                };
                let table = cx.table(rv).name;
                let name = Ident::new(t.trigname.as_str());
                if relation_new_in_this_file(cx, &table) {
                    return;
                }
                let old = trigger(cx, &table, &name).map(|t| &t.origin);
                // pgvet knows every trigger of a table the migrations made.
                if !replaces_or_assumed(cx, old, || {
                    table_from_migrations(cx, &table).is_none()
                        && assumed_to_exist(cx, ObjectType::ObjectTrigger, None, &name, None)
                }) {
                    return;
                }
                let message = format!(
                    "replacing trigger `{name}` on `{table}` changes what happens when rows are written"
                );
                (table, message)
            }
            // pgvet does not model rules: each one replaced may exist.
            NodeEnum::RuleStmt(r) if r.replace => {
                let Some(rv) = r.relation.as_ref() else {
                    return;
                };
                let table = cx.table(rv).name;
                if relation_new_in_this_file(cx, &table) {
                    return;
                }
                let message = format!(
                    "replacing rule `{}` on `{table}` changes how the queries on the table are rewritten",
                    Ident::new(r.rulename.as_str())
                );
                (table, message)
            }
            _ => return,
        };
        cx.report(&object, Some(cx.stmt.span), message);
    }
}

/// Whether the object found replaces one that deployed code may use: not
/// one made or replaced earlier in this file (the earlier statement is the
/// one to judge), nor one from outside the migrations' history.
fn replaces(cx: &StmtCtx<'_>, old: &Origin) -> bool {
    !declared_earlier_in_file(cx, old)
}

/// Whether the statement replaces something deployed code may use: the
/// object found (`old`), as [`replaces`] judges it, or, when the model has
/// none, one `--assume-existing` says is there (`assumed`).
fn replaces_or_assumed(
    cx: &StmtCtx<'_>,
    old: Option<&Origin>,
    assumed: impl FnOnce() -> bool,
) -> bool {
    match old {
        Some(origin) => replaces(cx, origin),
        None => assumed(),
    }
}

/// Where CREATE OR REPLACE looks for the object: the schema written, or
/// the one CREATE would use.
fn created_name(cx: &StmtCtx<'_>, schema: &str, name: &str) -> QualifiedName {
    let schema = (!schema.is_empty()).then_some(schema);
    resolve::for_create(cx.catalog, cx.search_path, schema, name)
}

/// The input argument types of a CREATE FUNCTION, which name the overload.
fn input_types(cx: &StmtCtx<'_>, params: &[pb::Node]) -> Vec<types::TypeName> {
    params
        .iter()
        .filter_map(|p| match &p.node {
            Some(NodeEnum::FunctionParameter(p))
                if !matches!(p.mode(), Mode::FuncParamOut | Mode::FuncParamTable) =>
            {
                p.arg_type.as_ref().map(|t| {
                    types::type_name(t, |n| {
                        resolve::user_type_schema(cx.catalog, cx.search_path, n)
                    })
                })
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-replace-view-function";
    const CREATE: &str = "create table public.t (id bigint primary key, total numeric);\n\
        create view public.v with (security_invoker = true) as select id from public.t;\n\
        create function public.f(n int) returns int language sql set search_path = '' as $$ select n $$;";

    #[test]
    fn replacing_objects_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create or replace view public.v with (security_invoker = true) as select id, total from public.t;",
            ),
        ])
        .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-replace-view-function warning [public.v] replacing view `public.v` changes the rows or columns its readers get"
        );
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create or replace function public.f(n integer) returns int language sql set search_path = '' as $$ select n + 1 $$;",
            ),
        ])
        .fires(RULE);
        assert!(out.contains("replacing function `public.f`"), "{out}");
    }

    #[test]
    fn creating_with_or_replace_is_quiet() {
        // No such object yet: OR REPLACE creates it.
        case("create or replace function public.g() returns int language sql set search_path = '' as $$ select 1 $$;\n\
              create table public.t (id bigint primary key);\n\
              create or replace view public.w as select id from public.t;")
            .quiet(RULE);
        // Another overload is another function.
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create or replace function public.f(n bigint) returns bigint language sql set search_path = '' as $$ select n $$;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn an_object_made_or_replaced_earlier_in_the_file_is_quiet() {
        case(&format!(
            "{CREATE}\ncreate or replace view public.v as select id, total from public.t;"
        ))
        .quiet(RULE);
        // The first replacement is the one reported.
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create or replace function public.f(n int) returns int language sql set search_path = '' as $$ select n + 1 $$;\n\
                 create or replace function public.f(n int) returns int language sql set search_path = '' as $$ select n + 2 $$;",
            ),
        ])
        .fires(RULE);
        assert_eq!(out.lines().count(), 1, "{out}");
    }

    #[test]
    fn triggers_and_rules() {
        let trig = "create function public.touch() returns trigger language plpgsql set search_path = '' as $$ begin return new; end $$;\n\
                    create trigger t_touch before update on public.t for each row execute function public.touch();";
        files(&[
            ("1.sql", &format!("{CREATE}\n{trig}")),
            (
                "2.sql",
                "create or replace trigger t_touch before insert or update on public.t for each row execute function public.touch();",
            ),
        ])
        .fires(RULE);
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create or replace rule t_no_delete as on delete to public.t do instead nothing;",
            ),
        ])
        .fires(RULE);
        case(&format!(
            "{CREATE}\ncreate or replace rule t_no_delete as on delete to public.t do instead nothing;"
        ))
        .quiet(RULE);
    }

    #[test]
    fn temporary_views_are_quiet() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create or replace temp view v as select id from public.t;",
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

    #[test]
    fn under_assume_existing_what_no_migration_made_is_replaced() {
        let sql = "create or replace view public.order_ids as select 1 as id;\n\
                   create or replace function public.tax(n numeric) returns numeric language sql set search_path = '' as $$ select n $$;\n\
                   create or replace aggregate public.total (int) (sfunc = int4pl, stype = int);\n\
                   create or replace trigger orders_touch before insert on public.orders for each row execute function public.touch();";
        // Without the flag, OR REPLACE of what no migration made creates it.
        case(sql).quiet(RULE);
        let out = case(sql).assume_existing().fires(RULE);
        assert!(
            out.contains("view `public.order_ids`")
                && out.contains("function `public.tax`")
                && out.contains("aggregate `public.total`")
                && out.contains("trigger `orders_touch` on `public.orders`"),
            "{out}"
        );
    }

    #[test]
    fn under_assume_existing_what_the_run_dropped_or_the_migrations_know_is_made() {
        // Dropped earlier in the run: OR REPLACE makes it anew.
        case(
            "drop view if exists public.order_ids;\n\
             create or replace view public.order_ids as select 1 as id;",
        )
        .assume_existing()
        .quiet(RULE);
        // pgvet knows every trigger of a table the migrations made.
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create or replace trigger t_touch before insert on public.t for each row execute function public.touch();",
            ),
        ])
        .assume_existing()
        .quiet(RULE);
    }
}
