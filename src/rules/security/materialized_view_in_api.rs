//! Materialized views in a schema the API serves. Docs: rules/materialized-view-in-api.yaml.

use crate::rules::support::exposure::{api_reader, exposed_views};
use crate::rules::{SchemaCtx, SchemaRule};

pub struct MaterializedViewInApi;

impl SchemaRule for MaterializedViewInApi {
    fn check(&self, cx: &mut SchemaCtx<'_>) {
        let cat = cx.catalog;
        for v in exposed_views(cat).filter(|v| v.materialized) {
            // Revoked from every API role: the API cannot read it.
            let Some(role) = api_reader(cat, &v.grants) else {
                continue;
            };
            cx.report(
                &v.name,
                v.origin.span(),
                format!(
                    "materialized view `{}` is exposed by the API and `{role}` can read it, and row level security cannot restrict its rows",
                    v.name
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, fires_with, quiet};

    const TABLE: &str = "create table public.jobs (id uuid primary key, status text not null);\n";

    #[test]
    fn materialized_view_in_public_fires_at_its_create() {
        let out = fires(
            "materialized-view-in-api",
            &format!("{TABLE}\ncreate materialized view public.job_counts as\n  select status, count(*) from public.jobs group by status;"),
        );
        assert!(out.starts_with("test.sql:3:1 "), "{out}");
        assert!(out.contains("[public.job_counts]"), "{out}");
    }

    #[test]
    fn unqualified_name_lands_in_public() {
        fires(
            "materialized-view-in-api",
            &format!(
                "{TABLE}create materialized view job_counts as select count(*) from public.jobs;"
            ),
        );
    }

    #[test]
    fn plain_view_is_not_this_rule() {
        quiet(
            "materialized-view-in-api",
            &format!("{TABLE}create view public.v with (security_invoker = true) as select id from public.jobs;"),
        );
    }

    #[test]
    fn private_schema_is_quiet() {
        quiet(
            "materialized-view-in-api",
            &format!("{TABLE}create schema private;\ncreate materialized view private.job_counts as select count(*) from public.jobs;"),
        );
    }

    #[test]
    fn moved_out_of_the_api_is_quiet() {
        quiet(
            "materialized-view-in-api",
            &format!("{TABLE}create schema private;\ncreate materialized view public.mv as select count(*) from public.jobs;\nalter materialized view public.mv set schema private;"),
        );
    }

    #[test]
    fn configured_exposed_schema_counts() {
        fires_with(
            "materialized-view-in-api",
            &format!("{TABLE}create schema api;\ncreate materialized view api.mv as select count(*) from public.jobs;\ngrant select on all tables in schema api to authenticated;"),
            "exposed_schemas: [api]",
        );
    }

    #[test]
    fn revoked_from_the_api_roles_is_quiet() {
        let sql = format!(
            "{TABLE}create materialized view public.mv as select count(*) from public.jobs;\n"
        );
        quiet(
            "materialized-view-in-api",
            &format!("{sql}revoke select on public.mv from anon, authenticated;"),
        );
        let out = fires(
            "materialized-view-in-api",
            &format!("{sql}revoke select on public.mv from authenticated;"),
        );
        assert!(out.contains("`anon` can read it"), "{out}");
    }
}
