//! Relations the anonymous API role can see through pg_graphql's
//! introspection. Docs: rules/pg-graphql-anon-table-exposed.yaml.

use crate::rules::support::exposure::report_graphql_exposed;
use crate::rules::{SchemaCtx, SchemaRule};

pub struct PgGraphqlAnonTableExposed;

impl SchemaRule for PgGraphqlAnonTableExposed {
    fn check(&self, cx: &mut SchemaCtx<'_>) {
        let roles = cx.catalog.api_roles.anonymous.clone();
        report_graphql_exposed(cx, &roles, "anyone who has the public anon key");
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, fires_with, quiet};

    const RULE: &str = "pg-graphql-anon-table-exposed";
    const TABLE: &str = "create table public.notes (id bigint primary key, body text);\n";

    #[test]
    fn default_privileges_expose_a_new_public_table() {
        let out = fires(RULE, TABLE);
        assert!(out.contains("[public.notes]"), "{out}");
        assert!(out.contains("`anon` can SELECT from table"), "{out}");
    }

    #[test]
    fn revoking_from_anon_or_all_quiets_it() {
        quiet(
            RULE,
            &format!("{TABLE}revoke select on public.notes from anon;"),
        );
        quiet(
            RULE,
            &format!("{TABLE}revoke all on table public.notes from anon, authenticated;"),
        );
        quiet(
            RULE,
            &format!("{TABLE}revoke all on all tables in schema public from anon;"),
        );
    }

    #[test]
    fn revoking_another_privilege_keeps_select() {
        fires(
            RULE,
            &format!("{TABLE}revoke insert, update on public.notes from anon;"),
        );
    }

    #[test]
    fn grant_to_public_counts_for_anon() {
        fires(
            RULE,
            "create schema private;\ncreate table private.t (id bigint primary key);\ngrant select on private.t to public;",
        );
    }

    #[test]
    fn default_privileges_revoked_first_keep_new_tables_hidden() {
        quiet(
            RULE,
            &format!("alter default privileges in schema public revoke select on tables from anon;\n{TABLE}"),
        );
    }

    #[test]
    fn default_privileges_revoked_in_part_keep_the_rest() {
        // INSERT stays granted by default, SELECT does not.
        quiet(
            RULE,
            &format!("alter default privileges in schema public revoke select on tables from anon;\n{TABLE}"),
        );
        let out = crate::rules::testing::fires(
            "pg-graphql-anon-table-exposed",
            &format!("alter default privileges in schema public revoke insert on tables from anon;\n{TABLE}"),
        );
        assert!(out.contains("public.notes"), "{out}");
    }

    #[test]
    fn views_and_materialized_views_count_partitioned_roots_do_not() {
        let out = fires(
            RULE,
            &format!(
                "{TABLE}revoke all on public.notes from anon;\ncreate view public.v with (security_invoker = true) as select id from public.notes;\ncreate materialized view public.mv as select id from public.notes;\ncreate table public.p (id bigint, at date) partition by range (at);\nrevoke all on public.p from anon;\ncreate table public.p1 partition of public.p for values from ('2026-01-01') to ('2027-01-01');"
            ),
        );
        assert!(out.contains("view `public.v`"), "{out}");
        assert!(out.contains("materialized view `public.mv`"), "{out}");
        assert!(out.contains("table `public.p1`"), "{out}");
        assert!(!out.contains("`public.p`"), "{out}");
    }

    #[test]
    fn without_pg_graphql_nothing_is_introspected() {
        quiet(RULE, &format!("drop extension pg_graphql;\n{TABLE}"));
    }

    #[test]
    fn configured_anonymous_role() {
        let out = fires_with(
            RULE,
            &format!("create role web_anon;\n{TABLE}revoke all on public.notes from anon;\ngrant select on public.notes to web_anon;"),
            "api_roles: {anonymous: [web_anon], signed_in: [authenticated]}",
        );
        assert!(out.contains("`web_anon` can SELECT"), "{out}");
    }
}
