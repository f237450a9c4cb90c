//! Views the API exposes that read `auth.users`. Docs: rules/auth-users-exposed.yaml.

use crate::catalog::QualifiedName;
use crate::rules::support::exposure::{exposed_views, view_relations};
use crate::rules::{SchemaCtx, SchemaRule};

pub struct AuthUsersExposed;

impl SchemaRule for AuthUsersExposed {
    fn check(&self, cx: &mut SchemaCtx<'_>) {
        let users = QualifiedName::new("auth", "users");
        for v in exposed_views(cx.catalog) {
            // A security_invoker view reads auth.users with the caller's rights,
            // and the API roles have no SELECT on it: the view fails, it leaks nothing.
            if !v.materialized && v.security_invoker {
                continue;
            }
            if !view_relations(cx.catalog, v).contains(&users) {
                continue;
            }
            let kind = if v.materialized {
                "materialized view"
            } else {
                "view"
            };
            cx.report(
                &v.name,
                v.origin.span(),
                format!(
                    "{kind} `{}` exposes rows of `auth.users` to the API",
                    v.name
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet};

    #[test]
    fn view_over_auth_users_fires_at_its_create() {
        let out = fires(
            "auth-users-exposed",
            "-- profiles\n\ncreate view public.members as\n  select id, email from auth.users;",
        );
        assert!(out.starts_with("test.sql:3:1 "), "{out}");
        assert!(
            out.contains("[public.members] view `public.members`"),
            "{out}"
        );
    }

    #[test]
    fn join_and_subquery_count() {
        fires(
            "auth-users-exposed",
            "create table public.profiles (id uuid primary key);\ncreate view public.p as select p.id from public.profiles p where exists (select 1 from auth.users u where u.id = p.id);",
        );
        fires(
            "auth-users-exposed",
            "create view public.p as with u as (select id from auth.users) select id from u;",
        );
    }

    #[test]
    fn materialized_view_fires_even_with_invoker_rights() {
        let out = fires(
            "auth-users-exposed",
            "create materialized view public.emails as select email from auth.users;",
        );
        assert!(out.contains("materialized view `public.emails`"), "{out}");
    }

    #[test]
    fn security_invoker_view_is_quiet() {
        quiet(
            "auth-users-exposed",
            "create view public.members with (security_invoker = true) as select id from auth.users;",
        );
    }

    #[test]
    fn a_public_table_named_users_is_not_auth_users() {
        quiet(
            "auth-users-exposed",
            "create table public.users (id uuid primary key);\ncreate view public.v as select id from users;",
        );
        quiet(
            "auth-users-exposed",
            "create view public.v as with users as (select 1 as id) select id from users;",
        );
    }

    #[test]
    fn view_in_private_schema_is_quiet() {
        quiet(
            "auth-users-exposed",
            "create schema private;\ncreate view private.members as select id, email from auth.users;",
        );
    }
}
