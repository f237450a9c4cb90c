//! References to tables, types, functions or schemas that do not exist at that
//! point of the replay. Docs: rules/undefined-object.yaml.

use pg_query::protobuf::{self as pb, ObjectType as Ot};
use pg_query::{NodeEnum, NodeRef};

use crate::catalog::{resolve, types, Ident, QualifiedName};
use crate::rules::{StatementRule, StmtCtx};
use crate::sql::{descendants, split_name, strings};

pub struct UndefinedObject;

/// What a statement needs to exist.
enum Needed<'a> {
    Relation(&'a pb::RangeVar),
    /// `ALTER INDEX ... RENAME`: an index, which the model keeps on its table.
    Index(&'a pb::RangeVar),
    Schema(String, i32),
    Type(&'a pb::TypeName),
    Function(&'a [pb::Node], i32),
}

impl StatementRule for UndefinedObject {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let mut needed = Vec::new();
        collect(&cx.stmt.node, &mut needed);
        if needed.is_empty() {
            return;
        }
        let created = created_relation(cx);
        let subject = cx.subject();
        for need in needed {
            let Some((kind, name, location)) = missing(cx, &need, created.as_ref()) else {
                continue;
            };
            let object = subject.clone().unwrap_or_else(|| name.clone());
            let span = Some(cx.stmt.name_at(location));
            // A schema's name stands alone (the model spells it `s.s`).
            let shown = if kind == "schema" {
                name.name.to_string()
            } else {
                name.to_string()
            };
            cx.report(
                &object,
                span,
                format!("{kind} `{shown}` does not exist at this point of the migrations"),
            );
        }
    }
}

/// The relation this statement itself creates (a self-referencing FK is fine).
fn created_relation(cx: &StmtCtx<'_>) -> Option<QualifiedName> {
    match &cx.stmt.node {
        NodeEnum::CreateStmt(_) => cx.subject(),
        _ => None,
    }
}

fn missing(
    cx: &StmtCtx<'_>,
    need: &Needed<'_>,
    created: Option<&QualifiedName>,
) -> Option<(&'static str, QualifiedName, i32)> {
    let cat = cx.catalog;
    let assumed = |qn: &QualifiedName| {
        cx.assume_exists.iter().any(|a| {
            a == &qn.to_string()
                || a == qn.name.as_str()
                || a == &format!("{}.{}", qn.schema.as_str(), qn.name.as_str())
        })
    };
    match need {
        Needed::Relation(rv) => {
            let schema = (!rv.schemaname.is_empty()).then_some(rv.schemaname.as_str());
            if is_system_schema(schema) || (schema.is_none() && rv.relname.starts_with("pg_")) {
                return None;
            }
            let qn = match resolve::relation(cat, cx.search_path, schema, &rv.relname) {
                Ok(_) => return None,
                Err(qn) => qn,
            };
            if created
                .is_some_and(|c| c.name == qn.name && (schema.is_none() || c.schema == qn.schema))
                || assumed(&qn)
            {
                return None;
            }
            // --assume-existing: relations come from outside the migrations;
            // --db: the live database has it.
            if cx.assumes_existing_tables() || cx.in_live_database(&qn) {
                return None;
            }
            Some(("relation", qn, rv.location))
        }
        Needed::Index(rv) => {
            let schema = (!rv.schemaname.is_empty()).then_some(rv.schemaname.as_str());
            if is_system_schema(schema) {
                return None;
            }
            let found = resolve::index(cat, cx.search_path, schema, &rv.relname).is_some();
            let qn = resolve::for_create(cat, cx.search_path, schema, &rv.relname);
            if found || assumed(&qn) || cx.assumes_existing_tables() {
                return None;
            }
            Some(("index", qn, rv.location))
        }
        Needed::Schema(name, location) => {
            let ident = Ident::new(name.clone());
            let qn = QualifiedName::new(ident.clone(), ident.clone());
            (!cat.schemas.contains_key(&ident)
                && !is_system_schema(Some(name))
                && !cx.assume_exists.iter().any(|a| a == name))
            .then_some(("schema", qn, *location))
        }
        Needed::Type(t) => {
            if t.pct_type {
                return None;
            }
            let parts = strings(&t.names);
            let (schema, name) = match parts.as_slice() {
                [.., s, n] => (Some(s.as_str()), n.as_str()),
                [n] => (None, n.as_str()),
                [] => return None,
            };
            if is_system_schema(schema) || (schema.is_none() && types::builtin(name).is_some()) {
                return None;
            }
            let exists = match schema {
                Some(s) => cat.type_exists(&QualifiedName::new(s, name)),
                None => resolve::user_type_schema(cat, cx.search_path, name).is_some(),
            };
            // Extension types (citext, vector) are `missing-extension`'s to report.
            if exists || is_extension_type(name) {
                return None;
            }
            let qn = resolve::for_create(cat, cx.search_path, schema, name);
            (!assumed(&qn)).then_some(("type", qn, t.location))
        }
        Needed::Function(names, location) => {
            let (schema, name) = split_name(names)?;
            if is_system_schema(schema.as_deref())
                || (schema.is_none() && PG_TRIGGER_FUNCTIONS.contains(&name.as_str()))
            {
                return None;
            }
            let qn = match resolve::function(cat, cx.search_path, schema.as_deref(), &name) {
                Ok(_) => return None,
                Err(qn) => qn,
            };
            (!assumed(&qn)).then_some(("function", qn, *location))
        }
    }
}

/// Trigger functions that ship with PostgreSQL.
const PG_TRIGGER_FUNCTIONS: &[&str] = &[
    "suppress_redundant_updates_trigger",
    "tsvector_update_trigger",
    "tsvector_update_trigger_column",
];

fn is_system_schema(schema: Option<&str>) -> bool {
    matches!(
        schema,
        Some("pg_catalog" | "information_schema" | "pg_toast")
    )
}

fn is_extension_type(name: &str) -> bool {
    crate::catalog::extensions::type_provider(name).is_some()
}

fn schema_of(names: &[pb::Node], location: i32, out: &mut Vec<Needed<'_>>) {
    if let Some((Some(schema), _)) = split_name(names) {
        out.push(Needed::Schema(schema, location));
    }
}

fn column_types<'a>(elts: &'a [pb::Node], out: &mut Vec<Needed<'a>>) {
    for elt in elts {
        match &elt.node {
            Some(NodeEnum::ColumnDef(c)) => column_def(c, out),
            Some(NodeEnum::Constraint(c)) => constraint(c, out),
            Some(NodeEnum::TableLikeClause(l)) => {
                out.extend(l.relation.as_ref().map(Needed::Relation))
            }
            _ => {}
        }
    }
}

fn column_def<'a>(c: &'a pb::ColumnDef, out: &mut Vec<Needed<'a>>) {
    if let Some(t) = &c.type_name {
        out.push(Needed::Type(t));
    }
    for con in &c.constraints {
        if let Some(NodeEnum::Constraint(con)) = &con.node {
            constraint(con, out);
        }
    }
}

fn constraint<'a>(c: &'a pb::Constraint, out: &mut Vec<Needed<'a>>) {
    if let Some(pk) = &c.pktable {
        out.push(Needed::Relation(pk));
    }
}

/// Relations a query reads, minus its CTE names.
fn query_relations<'a>(query: &'a NodeEnum, out: &mut Vec<Needed<'a>>) {
    let nodes = descendants(query);
    let ctes: Vec<&str> = nodes
        .iter()
        .filter_map(|n| match n {
            NodeRef::CommonTableExpr(c) => Some(c.ctename.as_str()),
            _ => None,
        })
        .collect();
    for n in nodes {
        if let NodeRef::RangeVar(rv) = n {
            if !(rv.schemaname.is_empty() && ctes.contains(&rv.relname.as_str())) {
                out.push(Needed::Relation(rv));
            }
        }
    }
}

fn collect<'a>(node: &'a NodeEnum, out: &mut Vec<Needed<'a>>) {
    match node {
        NodeEnum::CreateStmt(s) => {
            if let Some(rv) = &s.relation {
                if !rv.schemaname.is_empty() {
                    out.push(Needed::Schema(rv.schemaname.clone(), rv.location));
                }
            }
            column_types(&s.table_elts, out);
            for c in &s.constraints {
                if let Some(NodeEnum::Constraint(c)) = &c.node {
                    constraint(c, out);
                }
            }
            for parent in &s.inh_relations {
                if let Some(NodeEnum::RangeVar(rv)) = &parent.node {
                    out.push(Needed::Relation(rv));
                }
            }
        }
        NodeEnum::AlterTableStmt(s) => {
            // ALTER INDEX names an index, which is not a relation of the model.
            let index = s.objtype == pb::ObjectType::ObjectIndex as i32;
            if let Some(rv) = &s.relation {
                if !s.missing_ok && !index {
                    out.push(Needed::Relation(rv));
                }
            }
            for cmd in &s.cmds {
                let Some(NodeEnum::AlterTableCmd(cmd)) = &cmd.node else {
                    continue;
                };
                match cmd.def.as_deref().and_then(|d| d.node.as_ref()) {
                    Some(NodeEnum::ColumnDef(c)) => column_def(c, out),
                    Some(NodeEnum::Constraint(c)) => constraint(c, out),
                    _ => {}
                }
            }
        }
        NodeEnum::IndexStmt(s) => out.extend(s.relation.as_ref().map(Needed::Relation)),
        NodeEnum::CreatePolicyStmt(s) => out.extend(s.table.as_ref().map(Needed::Relation)),
        NodeEnum::AlterPolicyStmt(s) => out.extend(s.table.as_ref().map(Needed::Relation)),
        NodeEnum::CreateTrigStmt(s) => {
            out.extend(s.relation.as_ref().map(Needed::Relation));
            let location = s.relation.as_ref().map_or(-1, |r| r.location);
            out.push(Needed::Function(&s.funcname, location));
        }
        NodeEnum::ViewStmt(s) => {
            if let Some(rv) = &s.view {
                if !rv.schemaname.is_empty() {
                    out.push(Needed::Schema(rv.schemaname.clone(), rv.location));
                }
            }
            if let Some(q) = s.query.as_deref().and_then(|q| q.node.as_ref()) {
                query_relations(q, out);
            }
        }
        NodeEnum::CreateTableAsStmt(s) => {
            if let Some(q) = s.query.as_deref().and_then(|q| q.node.as_ref()) {
                query_relations(q, out);
            }
        }
        NodeEnum::CreateFunctionStmt(s) => {
            schema_of(&s.funcname, -1, out);
            for p in &s.parameters {
                if let Some(NodeEnum::FunctionParameter(p)) = &p.node {
                    out.extend(p.arg_type.as_ref().map(Needed::Type));
                }
            }
            out.extend(s.return_type.as_ref().map(Needed::Type));
        }
        NodeEnum::AlterFunctionStmt(s) => {
            if let Some(f) = &s.func {
                out.push(Needed::Function(&f.objname, -1));
            }
        }
        NodeEnum::GrantStmt(s) if s.targtype == pb::GrantTargetType::AclTargetObject as i32 => {
            for o in &s.objects {
                match &o.node {
                    Some(NodeEnum::RangeVar(rv)) => out.push(Needed::Relation(rv)),
                    Some(NodeEnum::ObjectWithArgs(f)) => out.push(Needed::Function(&f.objname, -1)),
                    Some(NodeEnum::String(schema)) if s.objtype == Ot::ObjectSchema as i32 => {
                        out.push(Needed::Schema(schema.sval.clone(), -1))
                    }
                    _ => {}
                }
            }
        }
        NodeEnum::CreateExtensionStmt(s) => {
            for d in s.options.iter().filter_map(|o| match &o.node {
                Some(NodeEnum::DefElem(d)) if d.defname == "schema" => Some(d),
                _ => None,
            }) {
                if let Some(NodeEnum::String(schema)) =
                    d.arg.as_deref().and_then(|a| a.node.as_ref())
                {
                    out.push(Needed::Schema(schema.sval.clone(), d.location));
                }
            }
        }
        NodeEnum::RenameStmt(s) if !s.missing_ok => {
            let index = s.rename_type == pb::ObjectType::ObjectIndex as i32;
            out.extend(s.relation.as_ref().map(|rv| {
                if index {
                    Needed::Index(rv)
                } else {
                    Needed::Relation(rv)
                }
            }))
        }
        NodeEnum::InsertStmt(s) => out.extend(s.relation.as_ref().map(Needed::Relation)),
        NodeEnum::UpdateStmt(s) => out.extend(s.relation.as_ref().map(Needed::Relation)),
        NodeEnum::DeleteStmt(s) => out.extend(s.relation.as_ref().map(Needed::Relation)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, fires_with, quiet};

    #[test]
    fn fk_to_a_table_created_later_fires() {
        let out = fires(
            "undefined-object",
            "create table public.a (id uuid primary key,\n  b_id uuid references public.b (id));\ncreate table public.b (id uuid primary key);",
        );
        assert!(out.contains(":2:") && out.contains("public.b"), "{out}");
    }

    #[test]
    fn extension_types_are_left_to_missing_extension() {
        // One table of extension knowledge (catalog::extensions) serves both rules.
        for ty in ["ltree", "lquery", "ltxtquery", "halfvec", "citext"] {
            quiet(
                "undefined-object",
                &format!("create table public.t (id bigint primary key, v extensions.{ty});"),
            );
        }
    }

    #[test]
    fn self_reference_is_fine() {
        quiet(
            "undefined-object",
            "create table public.n (id uuid primary key, parent uuid references n (id));",
        );
    }

    #[test]
    fn baseline_objects_exist() {
        quiet(
            "undefined-object",
            "create table public.p (id uuid primary key references auth.users (id));\ninsert into storage.buckets (id, name) values ('a', 'a');",
        );
    }

    #[test]
    fn unknown_type_fires_but_builtin_and_enum_do_not() {
        fires(
            "undefined-object",
            "create table public.t (id int primary key, s status_kind);",
        );
        quiet(
            "undefined-object",
            "create type public.status_kind as enum ('a');\ncreate table public.t (id int primary key, s status_kind, at timestamp with time zone, n numeric(10,2), tags text[]);",
        );
    }

    #[test]
    fn trigger_function_must_exist() {
        fires(
            "undefined-object",
            "create table public.t (id int primary key);\ncreate trigger tr before update on public.t for each row execute function public.touch();",
        );
    }

    #[test]
    fn view_over_a_cte_is_fine() {
        quiet("undefined-object", "create table public.t (id int primary key);\ncreate view public.v as with x as (select id from public.t) select id from x;");
    }

    #[test]
    fn alter_table_if_exists_is_fine() {
        quiet(
            "undefined-object",
            "alter table if exists public.gone add column x int;",
        );
    }

    #[test]
    fn table_in_missing_schema_fires() {
        fires(
            "undefined-object",
            "create table app.t (id int primary key);",
        );
    }

    #[test]
    fn assume_existing_flag_silences_unknown_relations() {
        crate::rules::testing::case("create index on public.legacy (id);")
            .fires("undefined-object");
        crate::rules::testing::case("create index on public.legacy (id);")
            .assume_existing()
            .quiet("undefined-object");
        crate::rules::testing::case("create index on public.legacy (id);")
            .live(&[("public", "legacy", 10.0, 8192)])
            .quiet("undefined-object");
    }

    #[test]
    fn assume_exists_silences() {
        let _ = fires_with(
            "undefined-object",
            "create index on public.legacy (id);",
            "",
        );
        crate::rules::testing::quiet_with(
            "undefined-object",
            "create index on public.legacy (id);",
            "assume_exists: [public.legacy]",
        );
    }

    #[test]
    fn renaming_an_index_finds_it_by_name() {
        quiet(
            "undefined-object",
            "create table public.t (a int, b int);\ncreate index i on public.t (a);\nalter index i rename to j;\nalter index public.j rename to k;\n\
             create schema s;\ncreate table s.u (a int);\nalter table s.u add constraint u_a_key unique (a);\nalter index s.u_a_key rename to u_a_uniq;\n\
             create materialized view public.mv as select 1 as x;\ncreate index mv_x on public.mv (x);\nalter index mv_x rename to mv_x2;",
        );
        let out = fires(
            "undefined-object",
            "create table public.t (a int);\ncreate index i on public.t (a);\nalter index i rename to j;\nalter index i rename to k;",
        );
        assert!(out.contains("index `public.i` does not exist"), "{out}");
    }

    #[test]
    fn a_missing_schema_is_named_once() {
        let out = fires("undefined-object", "grant usage on schema sqlq to anon;");
        assert!(out.contains("schema `sqlq` does not exist"), "{out}");
    }

    #[test]
    fn alter_index_names_an_index_not_a_relation() {
        quiet(
            "undefined-object",
            "create table public.t (id int primary key, at date);\ncreate index t_at_idx on public.t (at);\nalter index public.t_at_idx set (fillfactor = 80);",
        );
    }

    #[test]
    fn the_platforms_other_tables_and_vault_exist() {
        quiet(
            "undefined-object",
            "create view public.secret_names as select name from vault.decrypted_secrets;\n\
             select version from auth.schema_migrations;\n\
             create table public.device (session_id uuid references auth.sessions (id));\n\
             select vault.create_secret('s', 'n', 'd');",
        );
        // A name the platform does not have is still reported.
        fires(
            "undefined-object",
            "create view public.s as select * from auth.session_list;\ncreate table public.d (s uuid references auth.session_list (id));",
        );
    }
}
