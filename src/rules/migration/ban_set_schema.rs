//! `ALTER ... SET SCHEMA` of an existing object. Docs: rules/ban-set-schema.yaml.

use pg_query::protobuf::ObjectType;
use pg_query::NodeEnum;

use crate::catalog::Ident;
use crate::rules::support::drops::{kind_noun, named_object};
use crate::rules::{StatementRule, StmtCtx};

pub struct BanSetSchema;

impl StatementRule for BanSetSchema {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let NodeEnum::AlterObjectSchemaStmt(s) = &cx.stmt.node else {
            return;
        };
        let kind = s.object_type();
        // Objects that code names; operators, collations, text search
        // objects and the like are left alone, as squawk does.
        if !matches!(
            kind,
            ObjectType::ObjectTable
                | ObjectType::ObjectForeignTable
                | ObjectType::ObjectView
                | ObjectType::ObjectMatview
                | ObjectType::ObjectSequence
                | ObjectType::ObjectFunction
                | ObjectType::ObjectProcedure
                | ObjectType::ObjectAggregate
                | ObjectType::ObjectRoutine
                | ObjectType::ObjectType
                | ObjectType::ObjectDomain
                | ObjectType::ObjectExtension
        ) {
            return;
        }
        let Some((name, new)) = named_object(cx, kind, s.relation.as_ref(), s.object.as_deref())
        else {
            return;
        };
        // An object this file made is named by no deployed code yet.
        if new {
            return;
        }
        let to = Ident::new(s.newschema.as_str());
        let message = if kind == ObjectType::ObjectExtension {
            format!(
                "moving extension `{}` to schema `{to}` breaks code that still names its objects in their old schema",
                name.name
            )
        } else {
            format!(
                "moving {} `{name}` to schema `{to}` breaks code that still names it `{name}`",
                kind_noun(kind)
            )
        };
        cx.report(&name, Some(cx.stmt.span), message);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-set-schema";
    const CREATE: &str = "create schema archive;\ncreate table public.t (id bigint primary key);";

    #[test]
    fn table_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter table public.t set schema archive;"),
        ])
        .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-set-schema warning [public.t] moving table `public.t` to schema `archive` breaks code that still names it `public.t`"
        );
    }

    #[test]
    fn object_created_earlier_in_the_same_file_is_quiet() {
        case(&format!(
            "{CREATE}\nalter table t set schema archive;\n\
             create view public.v as select 1 as one;\nalter view public.v set schema archive;\n\
             create function public.f() returns int language sql as $$ select 1 $$;\nalter function public.f() set schema archive;\n\
             create type public.mood as enum ('sad');\nalter type public.mood set schema archive;\n\
             create sequence public.s;\nalter sequence public.s set schema archive;"
        ))
        .quiet(RULE);
    }

    #[test]
    fn each_kind_from_an_earlier_file_fires() {
        let out = files(&[
            (
                "1.sql",
                "create schema archive;\ncreate view public.v as select 1 as one;\n\
                 create function public.f() returns int language sql as $$ select 1 $$;\n\
                 create domain public.email as text;\ncreate sequence public.s;\n\
                 create extension if not exists citext with schema public;",
            ),
            (
                "2.sql",
                "alter view public.v set schema archive;\nalter function public.f set schema archive;\n\
                 alter domain email set schema archive;\nalter sequence public.s set schema archive;\n\
                 alter extension citext set schema archive;",
            ),
        ])
        .fires(RULE);
        assert_eq!(out.lines().count(), 5, "{out}");
        assert!(out.contains("domain `public.email`"), "{out}");
        assert!(
            out.contains("[pg_extension.citext] moving extension `citext`"),
            "{out}"
        );
    }

    #[test]
    fn unknown_objects_fire() {
        case("alter table if exists legacy set schema archive;").fires(RULE);
    }

    #[test]
    fn operators_and_collations_are_left_alone() {
        case("alter collation public.c set schema archive;\nalter operator public.===(text, text) set schema archive;")
            .quiet(RULE);
    }
}
