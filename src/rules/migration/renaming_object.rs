//! `ALTER ... RENAME TO` of existing objects other than tables and columns
//! (those are `renaming-table` and `renaming-column`). Docs: rules/renaming-object.yaml.

use pg_query::protobuf::{self as pb, ObjectType};
use pg_query::NodeEnum;

use crate::catalog::{Ident, QualifiedName};
use crate::rules::support::drops::{created_in_this_file, kind_noun, named_object, user_type};
use crate::rules::support::migration::{created_type_name, made_again_later};
use crate::rules::{StatementRule, StmtCtx};
use crate::sql::ast;

pub struct RenamingObject;

impl StatementRule for RenamingObject {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        match &cx.stmt.node {
            NodeEnum::RenameStmt(s) => rename(cx, s),
            NodeEnum::AlterEnumStmt(s) if !s.old_val.is_empty() => enum_label(cx, s),
            _ => {}
        }
    }
}

fn rename(cx: &mut StmtCtx<'_>, s: &pb::RenameStmt) {
    let kind = s.rename_type();
    let new_name = Ident::new(s.newname.as_str());
    let (object, old, new) = match kind {
        ObjectType::ObjectView
        | ObjectType::ObjectMatview
        | ObjectType::ObjectSequence
        | ObjectType::ObjectForeignTable
        | ObjectType::ObjectIndex
        | ObjectType::ObjectFunction
        | ObjectType::ObjectProcedure
        | ObjectType::ObjectAggregate
        | ObjectType::ObjectRoutine
        | ObjectType::ObjectType
        | ObjectType::ObjectDomain => {
            let Some((name, new)) =
                named_object(cx, kind, s.relation.as_ref(), s.object.as_deref())
            else {
                return;
            };
            (name.clone(), name.to_string(), new)
        }
        ObjectType::ObjectTabconstraint => {
            let Some(rv) = s.relation.as_ref() else {
                return;
            };
            let table = cx.table(rv);
            let name = Ident::new(s.subname.as_str());
            // A constraint this file added is named by no deployed code yet.
            let added_here = cx
                .catalog
                .table(&table.name)
                .and_then(|t| t.constraints.iter().find(|c| c.name == name))
                .is_some_and(|c| created_in_this_file(cx, &c.origin));
            let old = format!("{name}` of `{}", table.name);
            (table.name.clone(), old, table.is_new() || added_here)
        }
        ObjectType::ObjectDomconstraint => {
            let Some(NodeEnum::List(l)) = s.object.as_deref().and_then(|o| o.node.as_ref()) else {
                return;
            };
            let Some(domain) = user_type(cx, &l.items) else {
                return;
            };
            let new = cx
                .catalog
                .types
                .get(&domain)
                .is_some_and(|t| created_in_this_file(cx, &t.origin));
            let old = format!("{}` of domain `{domain}", Ident::new(s.subname.as_str()));
            (domain, old, new)
        }
        ObjectType::ObjectSchema => {
            let name = Ident::new(s.subname.as_str());
            let new = cx
                .catalog
                .schemas
                .get(&name)
                .is_some_and(|sc| created_in_this_file(cx, &sc.origin));
            // A schema has no schema: it is named as a row of pg_namespace.
            (
                QualifiedName::new("pg_namespace", name.clone()),
                name.to_string(),
                new,
            )
        }
        // Roles and databases are named by connection strings and grants
        // outside any migration; pgvet does not know when they were made.
        ObjectType::ObjectRole => {
            let name = Ident::new(s.subname.as_str());
            (
                QualifiedName::new("pg_roles", name.clone()),
                name.to_string(),
                false,
            )
        }
        ObjectType::ObjectDatabase => {
            let name = Ident::new(s.subname.as_str());
            (
                QualifiedName::new("pg_database", name.clone()),
                name.to_string(),
                false,
            )
        }
        // Triggers and policies are named by no query (squawk reports them);
        // tables and columns are renaming-table and renaming-column.
        _ => return,
    };
    if new || made_again_under_old_name(cx, kind, s) || named_by_no_code(cx, kind, s) {
        return;
    }
    let noun = kind_noun(kind);
    let message = match kind {
        ObjectType::ObjectRole => format!(
            "renaming role `{old}` to `{new_name}` breaks logins and code that still use the old name"
        ),
        ObjectType::ObjectDatabase => format!(
            "renaming database `{old}` to `{new_name}` breaks connection strings that still use the old name"
        ),
        _ => format!(
            "renaming {noun} `{old}` to `{new_name}` breaks code that still uses the old name"
        ),
    };
    cx.report(&object, Some(cx.stmt.span), message);
}

/// Names code does not use: an index that backs no constraint (queries
/// never name an index), a foreign key or CHECK (only a key's name is
/// written in queries, `ON CONFLICT ON CONSTRAINT`), and a sequence a
/// serial or identity column owns (its default points at it, not at its
/// name). Judged debatable on real projects in 4 of 6.
fn named_by_no_code(cx: &StmtCtx<'_>, kind: ObjectType, s: &pb::RenameStmt) -> bool {
    use crate::catalog::ConstraintKind;
    let Some(rv) = s.relation.as_ref() else {
        return false;
    };
    let schema = (!rv.schemaname.is_empty()).then_some(rv.schemaname.as_str());
    match kind {
        ObjectType::ObjectIndex => {
            let Some(table) =
                crate::catalog::resolve::index(cx.catalog, cx.search_path, schema, &rv.relname)
            else {
                return false;
            };
            let name = Ident::new(rv.relname.as_str());
            cx.catalog.table(&table).is_some_and(|t| {
                t.indexes
                    .iter()
                    .any(|ix| ix.name == name && !ix.constraint_backed)
                    && !t.constraints.iter().any(|c| c.name == name)
            })
        }
        ObjectType::ObjectTabconstraint => {
            let table = cx.table(rv);
            let name = Ident::new(s.subname.as_str());
            cx.catalog
                .table(&table.name)
                .and_then(|t| t.constraints.iter().find(|c| c.name == name))
                .is_some_and(|c| {
                    matches!(
                        c.kind,
                        ConstraintKind::ForeignKey(_) | ConstraintKind::Check { .. }
                    )
                })
        }
        ObjectType::ObjectSequence => {
            let (Ok(qn) | Err(qn)) =
                crate::catalog::resolve::relation(cx.catalog, cx.search_path, schema, &rv.relname);
            cx.catalog
                .sequences
                .get(&qn)
                .is_some_and(|sq| sq.owned_by.is_some())
        }
        _ => false,
    }
}

/// Renamed aside and made again under the old name in the same transaction
/// (the usual way to change an enum's values or a view's columns): code
/// that uses the old name finds the new object.
fn made_again_under_old_name(cx: &StmtCtx<'_>, kind: ObjectType, s: &pb::RenameStmt) -> bool {
    let old = match (
        kind,
        s.relation.as_ref(),
        s.object.as_deref().and_then(|o| o.node.as_ref()),
    ) {
        (_, Some(rv), _) => rv.relname.clone(),
        (_, None, Some(NodeEnum::List(l))) => match ast::strings(&l.items).pop() {
            Some(n) => n,
            None => return false,
        },
        (_, None, Some(NodeEnum::TypeName(t))) => match ast::strings(&t.names).pop() {
            Some(n) => n,
            None => return false,
        },
        _ => return false,
    };
    let old = Ident::new(old.as_str());
    let same = |n: &str| Ident::new(n) == old;
    made_again_later(cx, &old.as_str().to_ascii_lowercase(), |n| {
        match (kind, n) {
            (ObjectType::ObjectType | ObjectType::ObjectDomain, _) => {
                created_type_name(n).is_some_and(|t| same(&t))
            }
            (ObjectType::ObjectView | ObjectType::ObjectMatview, NodeEnum::ViewStmt(v)) => {
                v.view.as_ref().is_some_and(|rv| same(&rv.relname))
            }
            (ObjectType::ObjectMatview, NodeEnum::CreateTableAsStmt(c)) => c
                .into
                .as_ref()
                .and_then(|i| i.rel.as_ref())
                .is_some_and(|rv| same(&rv.relname)),
            (ObjectType::ObjectSequence, NodeEnum::CreateSeqStmt(q)) => {
                q.sequence.as_ref().is_some_and(|rv| same(&rv.relname))
            }
            (ObjectType::ObjectIndex, NodeEnum::IndexStmt(i)) => same(&i.idxname),
            _ => false,
        }
    })
}

/// `ALTER TYPE ... RENAME VALUE`: rows keep their values, but code that
/// compares with the old label stops matching or fails.
fn enum_label(cx: &mut StmtCtx<'_>, s: &pb::AlterEnumStmt) {
    let Some(ty) = user_type(cx, &s.type_name) else {
        return;
    };
    if cx
        .catalog
        .types
        .get(&ty)
        .is_some_and(|t| created_in_this_file(cx, &t.origin))
    {
        return;
    }
    let message = format!(
        "renaming label `{}` of `{ty}` to `{}` breaks code that still uses the old label",
        s.old_val, s.new_val
    );
    cx.report(&ty, Some(cx.stmt.span), message);
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "renaming-object";
    const CREATE: &str = "create table public.t (id bigint primary key, n int constraint t_n_check check (n > 0));\n\
                          create view public.v as select id from public.t;\n\
                          create function public.f(a int) returns int language sql as $$ select a $$;\n\
                          create type public.mood as enum ('sad', 'happy');\n\
                          create domain public.email as text constraint email_at check (value like '%@%');\n\
                          create sequence public.s;\ncreate index t_n_idx on public.t (n);\ncreate schema app;";

    #[test]
    fn view_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter view public.v rename to w;"),
        ])
        .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 renaming-object warning [public.v] renaming view `public.v` to `w` breaks code that still uses the old name"
        );
    }

    #[test]
    fn each_kind_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter function public.f(int) rename to g;\nalter type public.mood rename to feeling;\n\
                 alter type public.mood rename value 'sad' to 'blue';\nalter domain email rename to mail;\n\
                 alter domain email rename constraint email_at to email_has_at;\n\
                 alter table public.t rename constraint t_n_check to t_n_positive;\n\
                 alter sequence public.s rename to s2;\nalter index public.t_n_idx rename to t_n_key;\n\
                 alter schema app rename to application;",
            ),
        ])
        .fires(RULE);
        // The CHECK constraint and the plain index are named by no query.
        assert_eq!(out.lines().count(), 7, "{out}");
        assert!(
            !out.contains("t_n_check") && !out.contains("t_n_idx"),
            "{out}"
        );
        assert!(
            out.contains("label `sad` of `public.mood` to `blue`"),
            "{out}"
        );
        assert!(
            out.contains("constraint `email_at` of domain `public.email`"),
            "{out}"
        );
        assert!(
            out.contains("[pg_namespace.app] renaming schema `app`"),
            "{out}"
        );
    }

    #[test]
    fn names_queries_use_fire_and_the_others_are_quiet() {
        let create = "create table public.u (id serial primary key, email text constraint u_email_key unique,\n\
                      org int constraint u_org_fkey references public.u (id));\n\
                      create index u_org_idx on public.u (org);";
        // A key's name is written in ON CONFLICT ON CONSTRAINT.
        let out = files(&[
            ("1.sql", create),
            (
                "2.sql",
                "alter table public.u rename constraint u_email_key to u_mail_key;",
            ),
        ])
        .fires(RULE);
        assert!(out.contains("u_email_key"), "{out}");
        files(&[
            ("1.sql", create),
            (
                "2.sql",
                "alter table public.u rename constraint u_org_fkey to u_org_ref;\n\
                 alter index public.u_org_idx rename to u_org_i;\n\
                 alter sequence public.u_id_seq rename to u_ids;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn objects_created_earlier_in_the_same_file_are_quiet() {
        case(&format!(
            "{CREATE}\nalter view public.v rename to w;\nalter function public.f(int) rename to g;\n\
             alter type public.mood rename value 'sad' to 'blue';\nalter type public.mood rename to feeling;\n\
             alter domain email rename constraint email_at to email_has_at;\n\
             alter table public.t rename constraint t_n_check to t_n_positive;\n\
             alter index public.t_n_idx rename to t_n_key;\nalter schema app rename to application;"
        ))
        .quiet(RULE);
    }

    #[test]
    fn constraint_added_earlier_in_the_same_file_is_quiet() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add constraint t_n_small check (n < 10) not valid;\n\
                 alter table public.t rename constraint t_n_small to t_n_below_ten;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn roles_databases_and_unknown_objects_fire() {
        let out = case(
            "alter role reporter rename to analyst;\nalter database app rename to app_old;\nalter view if exists legacy rename to old_legacy;",
        )
        .fires(RULE);
        assert_eq!(out.lines().count(), 3, "{out}");
        assert!(
            out.contains("[pg_roles.reporter]") && out.contains("[pg_database.app]"),
            "{out}"
        );
    }

    #[test]
    fn tables_columns_triggers_and_policies_are_not_this_rule() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t rename to t2;\nalter table public.t2 rename column n to m;\n\
                 create policy p on public.t2 for select to authenticated using (true);",
            ),
            ("3.sql", "alter policy p on public.t2 rename to p2;\nalter trigger tg on public.t2 rename to tg2;"),
        ])
        .quiet(RULE);
    }

    #[test]
    fn a_type_renamed_aside_and_made_again_is_quiet() {
        crate::rules::testing::files(&[
            ("1.sql", "create type public.mood as enum ('a');"),
            (
                "2.sql",
                "begin;\nalter type public.mood rename to mood_old;\n\
                 create type public.mood as enum ('a', 'b');\ndrop type public.mood_old;\ncommit;",
            ),
        ])
        .quiet("renaming-object");
    }
}
