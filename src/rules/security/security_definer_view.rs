//! Views the API exposes that run with their owner's rights. Docs: rules/security-definer-view.yaml.

use crate::findings::remedy::Remedy;
use crate::rules::support::exposure::exposed_views;
use crate::rules::{SchemaCtx, SchemaRule};

pub struct SecurityDefinerView;

impl SchemaRule for SecurityDefinerView {
    fn check(&self, cx: &mut SchemaCtx<'_>) {
        // A materialized view stores its rows; `materialized-view-in-api` covers it.
        for v in exposed_views(cx.catalog).filter(|v| !v.materialized && !v.security_invoker) {
            cx.report_fixable(
                &v.name,
                v.origin.span(),
                format!(
                    "view `{}` runs with its owner's rights, so the API's roles read through it what its owner can, not what their own grants and row level security allow",
                    v.name
                ),
                Remedy::SecurityInvoker {
                    view: v.name.clone(),
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, fires_with, quiet};

    const TABLE: &str = "create table public.jobs (id uuid primary key, user_id uuid not null);\n";

    #[test]
    fn plain_view_fires_at_its_create() {
        let out = fires(
            "security-definer-view",
            &format!("{TABLE}\ncreate view public.job_summary as select id from public.jobs;"),
        );
        assert!(out.starts_with("test.sql:3:1 "), "{out}");
        assert!(out.contains("[public.job_summary]"), "{out}");
    }

    #[test]
    fn security_invoker_is_quiet() {
        quiet(
            "security-definer-view",
            &format!("{TABLE}create view public.v with (security_invoker = true) as select id from public.jobs;"),
        );
        quiet(
            "security-definer-view",
            &format!("{TABLE}create view public.v with (security_invoker) as select id from public.jobs;"),
        );
    }

    #[test]
    fn security_invoker_false_fires() {
        fires(
            "security-definer-view",
            &format!("{TABLE}create view public.v with (security_invoker = false) as select id from public.jobs;"),
        );
    }

    #[test]
    fn alter_view_set_security_invoker_fixes_it() {
        quiet(
            "security-definer-view",
            &format!("{TABLE}create view public.v as select id from public.jobs;\nalter view public.v set (security_invoker = on);"),
        );
    }

    #[test]
    fn view_in_unexposed_schema_is_quiet() {
        quiet(
            "security-definer-view",
            &format!("{TABLE}create schema private;\ncreate view private.v as select id from public.jobs;"),
        );
    }

    #[test]
    fn materialized_view_is_another_rule() {
        quiet(
            "security-definer-view",
            &format!("{TABLE}create materialized view public.mv as select id from public.jobs;"),
        );
    }

    #[test]
    fn configured_exposed_schema_counts() {
        fires_with(
            "security-definer-view",
            &format!("{TABLE}create schema api;\ncreate view api.v as select id from public.jobs;"),
            "exposed_schemas: [api]",
        );
    }
}
