//! Tables the API exposes without row level security. Docs: rules/rls-disabled.yaml.

use crate::findings::remedy::Remedy;
use crate::rules::support::{exposed_tables, rls};
use crate::rules::{SchemaCtx, SchemaRule};

pub struct RlsDisabled;

impl SchemaRule for RlsDisabled {
    fn check(&self, cx: &mut SchemaCtx<'_>) {
        let cat = cx.catalog;
        for t in exposed_tables(cat).filter(|t| !t.rls_enabled) {
            // Without policies, RLS can come with one that keeps today's
            // access (safe for the API's roles); with policies, they decide.
            let remedy = if t.policies.is_empty() {
                Remedy::KeepAccessWithRls {
                    table: t.name.clone(),
                    outside_api: rls::bound_grantees(cat, t)
                        .into_iter()
                        .filter(|r| r.as_str() == "public" || !cat.api_roles.is_api_role(r))
                        .collect(),
                }
            } else {
                Remedy::EnableRls {
                    table: t.name.clone(),
                }
            };
            // Point at the DISABLE statement when there was one, else at the CREATE.
            cx.report_fixable(
                &t.name,
                t.rls_span(),
                format!(
                    "table `{}` is exposed by the API without row level security",
                    t.name
                ),
                remedy,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet, quiet_with};

    #[test]
    fn table_in_public_without_rls_fires() {
        fires(
            "rls-disabled",
            "create table public.t (id int primary key);",
        );
    }

    #[test]
    fn unqualified_table_lands_in_public() {
        fires("rls-disabled", "create table t (id int primary key);");
    }

    #[test]
    fn enabled_later_is_quiet() {
        quiet("rls-disabled", "create table public.t (id int primary key);\nalter table public.t enable row level security;");
    }

    #[test]
    fn disabled_again_fires_at_the_disable() {
        let out = fires(
            "rls-disabled",
            "create table public.t (id int primary key);\nalter table public.t enable row level security;\nalter table public.t disable row level security;",
        );
        assert!(out.contains(":3:"), "{out}");
    }

    #[test]
    fn private_schema_is_not_exposed() {
        quiet(
            "rls-disabled",
            "create schema private;\ncreate table private.t (id int primary key);",
        );
    }

    #[test]
    fn configured_exposed_schema_is_checked() {
        quiet_with(
            "rls-disabled",
            "create table public.t (id int primary key);",
            "exposed_schemas: [api]",
        );
        crate::rules::testing::fires_with(
            "rls-disabled",
            "create schema api;\ncreate table api.t (id int primary key);",
            "exposed_schemas: [api]",
        );
    }
}
