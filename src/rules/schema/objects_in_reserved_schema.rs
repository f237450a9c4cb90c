//! Migrations that create objects in schemas the platform manages. Docs: rules/objects-in-reserved-schema.yaml.

use pg_query::protobuf::{self as pb, ObjectType as Ot};
use pg_query::NodeEnum;

use crate::catalog::resolve;
use crate::rules::{StatementRule, StmtCtx};
use crate::sql::{ast, split_name};

pub struct ObjectsInReservedSchema;

/// What a statement creates: its kind, its name as written, and whether it
/// is an IF NOT EXISTS that leaves an existing object alone.
struct Created {
    kind: &'static str,
    schema: Option<String>,
    name: String,
    if_not_exists: bool,
}

impl StatementRule for ObjectsInReservedSchema {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        if let NodeEnum::IndexStmt(s) = &cx.stmt.node {
            index_on_platform_table(cx, s);
            return;
        }
        let Some(created) = created(&cx.stmt.node) else {
            return;
        };
        let qn = resolve::for_create(
            cx.catalog,
            cx.search_path,
            created.schema.as_deref(),
            &created.name,
        );
        if !cx.catalog.is_platform_schema(&qn.schema) {
            return;
        }
        // `create table if not exists auth.users (...)` changes nothing on a platform that has it.
        if created.if_not_exists && (cx.catalog.relation_exists(&qn) || cx.catalog.type_exists(&qn))
        {
            return;
        }
        let kind = created.kind;
        cx.report(
            &qn,
            Some(cx.stmt.span),
            format!(
                "migration creates {kind} `{qn}` in `{}`, a schema the platform manages",
                qn.schema
            ),
        );
    }
}

/// Indexes on the platform's tables: Supabase no longer lets projects add
/// them, and the platform's own migrations do not expect them.
fn index_on_platform_table(cx: &mut StmtCtx<'_>, s: &pb::IndexStmt) {
    let Some(rv) = &s.relation else { return };
    let (schema, name) = ast::range_var_name(rv);
    let Ok(table) = resolve::table(cx.catalog, cx.search_path, schema.as_deref(), &name) else {
        return;
    };
    if !cx.catalog.is_platform_schema(&table.schema) {
        return;
    }
    let exists = cx
        .catalog
        .table(&table)
        .is_some_and(|t| t.indexes.iter().any(|ix| ix.name.as_str() == s.idxname));
    if s.if_not_exists && exists {
        return;
    }
    let index = if s.idxname.is_empty() {
        String::new()
    } else {
        format!(" `{}`", s.idxname)
    };
    cx.report(
        &table,
        Some(cx.stmt.span),
        format!("migration creates index{index} on `{table}`, a table the platform manages"),
    );
}

fn created(node: &NodeEnum) -> Option<Created> {
    let from_rv = |kind, rv: &pb::RangeVar, if_not_exists| {
        let (schema, name) = ast::range_var_name(rv);
        Some(Created {
            kind,
            schema,
            name,
            if_not_exists,
        })
    };
    let from_names = |kind, names: &[pb::Node], if_not_exists| {
        let (schema, name) = split_name(names)?;
        Some(Created {
            kind,
            schema,
            name,
            if_not_exists,
        })
    };
    match node {
        NodeEnum::CreateStmt(s) => from_rv("table", s.relation.as_ref()?, s.if_not_exists),
        NodeEnum::CreateForeignTableStmt(s) => {
            let base = s.base_stmt.as_ref()?;
            from_rv("foreign table", base.relation.as_ref()?, base.if_not_exists)
        }
        NodeEnum::CreateTableAsStmt(s) => {
            let kind = if Ot::try_from(s.objtype) == Ok(Ot::ObjectMatview) {
                "materialized view"
            } else {
                "table"
            };
            from_rv(kind, s.into.as_ref()?.rel.as_ref()?, s.if_not_exists)
        }
        NodeEnum::ViewStmt(s) => from_rv("view", s.view.as_ref()?, false),
        NodeEnum::CreateSeqStmt(s) => from_rv("sequence", s.sequence.as_ref()?, s.if_not_exists),
        NodeEnum::CreateFunctionStmt(s) => from_names(
            if s.is_procedure {
                "procedure"
            } else {
                "function"
            },
            &s.funcname,
            false,
        ),
        NodeEnum::CreateEnumStmt(s) => from_names("type", &s.type_name, false),
        NodeEnum::CreateRangeStmt(s) => from_names("type", &s.type_name, false),
        NodeEnum::CreateDomainStmt(s) => from_names("domain", &s.domainname, false),
        NodeEnum::CompositeTypeStmt(s) => from_rv("type", s.typevar.as_ref()?, false),
        NodeEnum::DefineStmt(s) => {
            let kind = match Ot::try_from(s.kind) {
                Ok(Ot::ObjectAggregate) => "aggregate",
                Ok(Ot::ObjectType) => "type",
                Ok(Ot::ObjectOperator) => "operator",
                _ => return None,
            };
            from_names(kind, &s.defnames, s.if_not_exists)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet};

    const RULE: &str = "objects-in-reserved-schema";

    #[test]
    fn function_in_auth_fires_at_its_create() {
        let out = fires(
            RULE,
            "-- helpers\ncreate or replace function auth.user_role()\nreturns text language sql stable\nas $$ select auth.role() $$;",
        );
        assert!(out.starts_with("test.sql:2:1 "), "{out}");
        assert!(
            out.contains("[auth.user_role] migration creates function `auth.user_role` in `auth`"),
            "{out}"
        );
    }

    #[test]
    fn tables_views_types_and_sequences_fire() {
        for sql in [
            "create table storage.file_tags (id bigint primary key);",
            "create view auth.active_users as select id from auth.users;",
            "create type auth.plan as enum ('free', 'pro');",
            "create sequence realtime.counter;",
            "create domain extensions.email as text;",
            "create materialized view storage.sizes as select bucket_id from storage.objects;",
        ] {
            fires(RULE, sql);
        }
    }

    #[test]
    fn search_path_decides_where_an_unqualified_create_lands() {
        fires(RULE, "set search_path = auth;\ncreate function is_admin() returns boolean language sql as $$ select false $$;");
        quiet(
            RULE,
            "create function is_admin() returns boolean language sql as $$ select false $$;",
        );
    }

    #[test]
    fn trigger_on_auth_users_calling_own_function_is_quiet() {
        quiet(
            RULE,
            "create table public.profiles (id uuid primary key);\n\
             create function public.handle_new_user() returns trigger language plpgsql security definer set search_path = ''\n\
             as $$ begin insert into public.profiles (id) values (new.id); return new; end $$;\n\
             create trigger on_auth_user_created after insert on auth.users\n\
             for each row execute function public.handle_new_user();",
        );
    }

    #[test]
    fn storage_policy_and_foreign_key_to_auth_are_quiet() {
        quiet(
            RULE,
            "create policy avatars_read on storage.objects for select to authenticated\n\
             using (bucket_id = 'avatars' and (select auth.uid())::text = (storage.foldername(name))[1]);\n\
             create table public.notes (id uuid primary key, user_id uuid not null references auth.users (id) on delete cascade);",
        );
    }

    #[test]
    fn index_on_platform_table_fires() {
        let out = fires(RULE, "create index users_email_idx on auth.users (email);");
        assert!(
            out.contains("index `users_email_idx` on `auth.users`"),
            "{out}"
        );
    }

    #[test]
    fn index_on_own_table_is_quiet() {
        quiet(RULE, "create table public.t (id int primary key, a int);\ncreate index t_a_idx on public.t (a);");
    }

    #[test]
    fn if_not_exists_on_a_platform_table_is_a_no_op() {
        quiet(
            RULE,
            "create table if not exists auth.users (id uuid primary key);",
        );
        fires(
            RULE,
            "create table if not exists auth.my_table (id uuid primary key);",
        );
    }

    #[test]
    fn own_schema_is_quiet() {
        quiet(RULE, "create schema private;\ncreate function private.is_admin() returns boolean language sql as $$ select false $$;");
    }
}
