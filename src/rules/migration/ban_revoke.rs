//! `REVOKE` of privileges or role memberships that existing clients may
//! use. Docs: rules/ban-revoke.yaml.

use pg_query::protobuf::{self as pb, ObjectType as O};
use pg_query::NodeEnum;

use crate::catalog::{Ident, QualifiedName};
use crate::rules::support::changes::{
    function_dropped_later_in_file, new_in_this_file, relation_dropped_later_in_file,
    relation_new_in_this_file, role_created_earlier_in_file, role_of, role_spec,
};
use crate::rules::support::drops::{functions, kind_noun, user_type};
use crate::rules::{StatementRule, StmtCtx};
use crate::sql::ast;

pub struct BanRevoke;

impl StatementRule for BanRevoke {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        match &cx.stmt.node {
            NodeEnum::GrantStmt(s) if !s.is_grant => revoke_privileges(cx, s),
            NodeEnum::GrantRoleStmt(s) if !s.is_grant => revoke_membership(cx, s),
            // ALTER GROUP g DROP USER u: PostgreSQL's older spelling of REVOKE g FROM u.
            NodeEnum::AlterRoleStmt(s) if s.action < 0 => drop_group_members(cx, s),
            // ALTER DEFAULT PRIVILEGES ... REVOKE changes only objects made
            // after it, which no deployed client uses yet (squawk reports it).
            _ => {}
        }
    }
}

fn revoke_privileges(cx: &mut StmtCtx<'_>, s: &pb::GrantStmt) {
    let grantees: Vec<Ident> = s.grantees.iter().filter_map(role_of).collect();
    // Roles this file made have no sessions or code behind them yet.
    if !grantees.is_empty() && grantees.iter().all(|g| role_created_earlier_in_file(cx, g)) {
        return;
    }
    let all_in_schema = s.targtype() == pb::GrantTargetType::AclTargetAllInSchema;
    let Some((object, noun)) = s
        .objects
        .iter()
        .filter_map(|o| o.node.as_ref())
        .filter_map(|o| target(cx, s.objtype(), all_in_schema, o))
        .find_map(|(name, noun, new)| (!new).then_some((name, noun)))
    else {
        return;
    };
    let privileges = privileges_phrase(&s.privileges);
    let what = if s.grant_option {
        format!("the right to grant {privileges}")
    } else {
        privileges
    };
    let on = if all_in_schema {
        format!("every {noun} in schema `{}`", object.name)
    } else {
        format!("{noun} `{object}`")
    };
    let message = format!(
        "revoking {what} on {on} from {} makes what they still do with it fail with permission denied",
        grantees_phrase(&grantees)
    );
    cx.report(&object, Some(cx.stmt.span), message);
}

fn revoke_membership(cx: &mut StmtCtx<'_>, s: &pb::GrantRoleStmt) {
    let members: Vec<Ident> = s.grantee_roles.iter().filter_map(role_of).collect();
    let Some(role) = s.granted_roles.iter().find_map(role_of) else {
        return;
    };
    let what = if ast::def_elems(&s.opt).next().is_some() {
        format!("an option of role `{role}`")
    } else {
        format!("role `{role}`")
    };
    report_membership(cx, &role, what, &members);
}

/// `ALTER GROUP role DROP USER member, ...`, which PostgreSQL runs as a
/// revoke of `role` from each member.
fn drop_group_members(cx: &mut StmtCtx<'_>, s: &pb::AlterRoleStmt) {
    let Some(role) = s.role.as_ref().map(role_spec) else {
        return;
    };
    let members: Vec<Ident> = ast::def_elems(&s.options)
        .filter(|d| d.defname == "rolemembers")
        .filter_map(|d| match d.arg.as_deref().and_then(|a| a.node.as_ref()) {
            Some(NodeEnum::List(l)) => Some(l.items.iter().filter_map(role_of)),
            _ => None,
        })
        .flatten()
        .collect();
    if members.is_empty() {
        return;
    }
    let what = format!("role `{role}`");
    report_membership(cx, &role, what, &members);
}

fn report_membership(cx: &mut StmtCtx<'_>, role: &Ident, what: String, members: &[Ident]) {
    if !members.is_empty() && members.iter().all(|m| role_created_earlier_in_file(cx, m)) {
        return;
    }
    let message = format!(
        "revoking {what} from {} takes away the rights they had through it",
        grantees_phrase(members)
    );
    cx.report(
        &QualifiedName::new("pg_roles", role.clone()),
        Some(cx.stmt.span),
        message,
    );
}

/// One object a REVOKE names: its name, how messages call its kind, and
/// whether it is new for this file: made in it (no deployed client uses it
/// yet) or dropped later in it (the drop is what clients notice). Schemas,
/// databases and the like are named as rows of their catalog.
fn target(
    cx: &StmtCtx<'_>,
    kind: O,
    all_in_schema: bool,
    node: &NodeEnum,
) -> Option<(QualifiedName, &'static str, bool)> {
    if all_in_schema {
        // ALL TABLES / FUNCTIONS / SEQUENCES IN SCHEMA s.
        let NodeEnum::String(schema) = node else {
            return None;
        };
        let name = Ident::new(schema.sval.as_str());
        let new = cx
            .catalog
            .schemas
            .get(&name)
            .is_some_and(|sc| new_in_this_file(cx, &sc.origin));
        let noun = match kind {
            O::ObjectSequence => "sequence",
            O::ObjectFunction => "function",
            O::ObjectProcedure => "procedure",
            O::ObjectRoutine => "routine",
            _ => "table",
        };
        return Some((QualifiedName::new("pg_namespace", name), noun, new));
    }
    match (kind, node) {
        (O::ObjectTable | O::ObjectSequence, NodeEnum::RangeVar(rv)) => {
            let name = cx.table(rv).name;
            let sequence = cx.catalog.sequences.get(&name);
            let new = relation_new_in_this_file(cx, &name)
                || relation_dropped_later_in_file(cx, &name)
                || sequence.is_some_and(|sq| new_in_this_file(cx, &sq.origin));
            let noun = if sequence.is_some() {
                "sequence"
            } else if cx.catalog.views.contains_key(&name) {
                "view"
            } else {
                "table"
            };
            Some((name, noun, new))
        }
        (
            O::ObjectFunction | O::ObjectProcedure | O::ObjectRoutine,
            NodeEnum::ObjectWithArgs(f),
        ) => {
            let (name, overloads) = functions(cx, f)?;
            let new = (!overloads.is_empty()
                && overloads.iter().all(|o| new_in_this_file(cx, &o.origin)))
                || function_dropped_later_in_file(cx, &name);
            Some((name, kind_noun(kind), new))
        }
        (O::ObjectSchema, NodeEnum::String(s)) => {
            let name = Ident::new(s.sval.as_str());
            let new = cx
                .catalog
                .schemas
                .get(&name)
                .is_some_and(|sc| new_in_this_file(cx, &sc.origin));
            Some((QualifiedName::new("pg_namespace", name), "schema", new))
        }
        (O::ObjectType | O::ObjectDomain, NodeEnum::List(l)) => {
            let name = user_type(cx, &l.items)?;
            let new = cx
                .catalog
                .types
                .get(&name)
                .is_some_and(|t| new_in_this_file(cx, &t.origin));
            Some((name, kind_noun(kind), new))
        }
        (O::ObjectType | O::ObjectDomain, NodeEnum::TypeName(t)) => {
            let name = user_type(cx, &t.names)?;
            let new = cx
                .catalog
                .types
                .get(&name)
                .is_some_and(|t| new_in_this_file(cx, &t.origin));
            Some((name, kind_noun(kind), new))
        }
        (_, NodeEnum::String(s)) => {
            let (catalog, noun) = global_object(kind)?;
            Some((QualifiedName::new(catalog, s.sval.as_str()), noun, false))
        }
        (O::ObjectLargeobject, _) => Some((
            QualifiedName::new("pg_largeobject_metadata", "large object"),
            "large object",
            false,
        )),
        _ => None,
    }
}

/// The catalog and noun of an object that belongs to no schema, known by
/// its name alone (a database, a language, ...); never made by the file
/// in a way the model records.
fn global_object(kind: O) -> Option<(&'static str, &'static str)> {
    Some(match kind {
        O::ObjectDatabase => ("pg_database", "database"),
        O::ObjectLanguage => ("pg_language", "language"),
        O::ObjectFdw => ("pg_foreign_data_wrapper", "foreign data wrapper"),
        O::ObjectForeignServer => ("pg_foreign_server", "server"),
        O::ObjectTablespace => ("pg_tablespace", "tablespace"),
        O::ObjectParameterAcl => ("pg_parameter_acl", "parameter"),
        _ => return None,
    })
}

/// `` `select`, `insert` `` or `every privilege`, with columns when given.
fn privileges_phrase(privileges: &[pb::Node]) -> String {
    let named: Vec<String> = privileges
        .iter()
        .filter_map(|p| match &p.node {
            Some(NodeEnum::AccessPriv(a)) => {
                let name = if a.priv_name.is_empty() {
                    "all".to_string()
                } else {
                    a.priv_name.to_ascii_lowercase()
                };
                let cols = ast::strings(&a.cols);
                Some(if cols.is_empty() {
                    format!("`{name}`")
                } else {
                    format!("`{name}` ({})", cols.join(", "))
                })
            }
            _ => None,
        })
        .collect();
    if named.is_empty() {
        "every privilege".to_string()
    } else {
        named.join(", ")
    }
}

fn grantees_phrase(roles: &[Ident]) -> String {
    roles
        .iter()
        .map(|r| {
            if r.as_str() == "public" {
                "`PUBLIC`".to_string()
            } else {
                format!("`{r}`")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-revoke";
    const CREATE: &str = "create table public.t (id bigint primary key);\n\
        create function public.f() returns int language sql set search_path = '' as $$ select 1 $$;";

    #[test]
    fn revoke_on_an_object_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "revoke select on public.t from anon;"),
        ])
        .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-revoke warning [public.t] revoking `select` on table `public.t` from `anon` makes what they still do with it fail with permission denied"
        );
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "revoke execute on function public.f() from public;",
            ),
        ])
        .fires(RULE);
        assert!(
            out.contains("on function `public.f` from `PUBLIC`"),
            "{out}"
        );
    }

    #[test]
    fn objects_outside_schemas_are_named_by_their_kind() {
        for (sql, object, noun) in [
            (
                "revoke connect on database app from anon;",
                "pg_database.app",
                "database",
            ),
            (
                "revoke usage on language plpgsql from public;",
                "pg_language.plpgsql",
                "language",
            ),
            (
                "revoke usage on foreign data wrapper w from anon;",
                "pg_foreign_data_wrapper.w",
                "foreign data wrapper",
            ),
            (
                "revoke usage on foreign server s from anon;",
                "pg_foreign_server.s",
                "server",
            ),
            (
                "revoke create on tablespace ts from anon;",
                "pg_tablespace.ts",
                "tablespace",
            ),
            (
                "revoke set on parameter work_mem from anon;",
                "pg_parameter_acl.work_mem",
                "parameter",
            ),
        ] {
            let out = case(sql).fires(RULE);
            assert!(out.contains(&format!("[{object}]")), "{sql}: {out}");
            assert!(out.contains(&format!(" on {noun} `")), "{sql}: {out}");
        }
    }

    #[test]
    fn objects_made_in_the_same_file_are_quiet() {
        // Made and locked down in one migration: the usual hardening.
        case(&format!(
            "{CREATE}\nrevoke all on public.t from anon;\nrevoke execute on function public.f() from public;"
        ))
        .quiet(RULE);
        case("create or replace function public.g() returns int language sql set search_path = '' as $$ select 1 $$;\n\
              revoke execute on function public.g() from public, anon;")
            .quiet(RULE);
        case("create schema app;\nrevoke all on all tables in schema app from anon;").quiet(RULE);
    }

    #[test]
    fn a_function_replaced_from_an_earlier_file_fires() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create or replace function public.f() returns int language sql set search_path = '' as $$ select 2 $$;\n\
                 revoke execute on function public.f() from anon;",
            ),
        ])
        .fires(RULE);
    }

    #[test]
    fn roles_made_in_the_same_file_are_quiet() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create role reporting;\nrevoke all on public.t from reporting;\nrevoke anon from reporting;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn role_membership_fires() {
        let out = case("revoke admin from alice;").fires(RULE);
        assert!(
            out.contains("[pg_roles.admin] revoking role `admin` from `alice`"),
            "{out}"
        );
    }

    #[test]
    fn alter_group_drop_user_fires() {
        let out = case("alter group billing_staff drop user dana, eli;").fires(RULE);
        assert!(
            out.contains(
                "[pg_roles.billing_staff] revoking role `billing_staff` from `dana`, `eli`"
            ),
            "{out}"
        );
        case("alter group billing_staff add user dana;").quiet(RULE);
        case("create role temp_worker;\nalter group billing_staff drop user temp_worker;")
            .quiet(RULE);
    }

    #[test]
    fn all_in_schema_and_default_privileges() {
        let out = case("revoke all on all tables in schema public from anon;").fires(RULE);
        assert!(out.contains("every table in schema `public`"), "{out}");
        // Only objects made later change: no deployed client uses them.
        case("alter default privileges in schema public revoke execute on functions from public;")
            .quiet(RULE);
    }

    #[test]
    fn grants_are_quiet() {
        files(&[
            ("1.sql", CREATE),
            ("2.sql", "grant select on public.t to anon;"),
        ])
        .quiet(RULE);
    }

    #[test]
    fn teardown_before_the_table_is_dropped_is_quiet() {
        // What `supabase db diff` writes before a DROP TABLE: the drop is
        // ban-drop-table's to report.
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "revoke select on table public.t from anon;\nrevoke execute on function public.f() from anon;\ndrop function public.f();\ndrop table public.t;",
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
