//! An exposed schema that does not exist. Docs: rules/exposed-schema-missing.yaml.

use crate::catalog::ident::did_you_mean;
use crate::catalog::{Ident, Platform};
use crate::rules::{SchemaCtx, SchemaRule};

pub struct ExposedSchemaMissing;

impl SchemaRule for ExposedSchemaMissing {
    fn check(&self, cx: &mut SchemaCtx<'_>) {
        let cat = cx.catalog;
        for name in &cat.exposed_schemas {
            if cat.schemas.contains_key(name) || made_by_the_dashboard(cx, name) {
                continue;
            }
            let hint = did_you_mean(name.as_str(), cat.schemas.keys().map(|s| s.as_str()));
            cx.report(
                name,
                None,
                format!(
                    "schema `{name}` is configured as exposed but does not exist{hint}: no rule checks what the API serves from it"
                ),
            );
        }
    }
}

/// Supabase's "Expose Queues via PostgREST" setting creates `pgmq_public`
/// from the dashboard, not from a migration, once pgmq is installed.
fn made_by_the_dashboard(cx: &SchemaCtx<'_>, schema: &Ident) -> bool {
    cx.catalog.platform == Platform::Supabase
        && schema.as_str() == "pgmq_public"
        && cx.catalog.extensions.contains_key(&Ident::new("pgmq"))
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires_with, quiet, quiet_with};

    const RULE: &str = "exposed-schema-missing";

    #[test]
    fn a_misspelt_schema_is_reported_with_the_closest_name() {
        let out = fires_with(
            RULE,
            "create schema api;\ncreate table api.t (id int primary key);",
            "exposed_schemas: [public, aip]",
        );
        assert!(
            out.contains("schema `aip` is configured as exposed but does not exist (did you mean `api`?)"),
            "{out}"
        );
    }

    #[test]
    fn a_schema_with_nothing_close_has_no_hint() {
        let out = fires_with(RULE, "select 1;", "exposed_schemas: [reporting]");
        assert!(out.contains("schema `reporting` is configured as exposed but does not exist:"), "{out}");
    }

    #[test]
    fn schemas_the_migrations_or_the_platform_create_are_quiet() {
        quiet(RULE, "create table t (id int primary key);");
        quiet_with(
            RULE,
            "create schema api;",
            "exposed_schemas: [public, graphql_public, api]",
        );
    }

    #[test]
    fn pgmq_public_is_quiet_once_pgmq_is_installed_on_supabase() {
        quiet_with(
            RULE,
            "create extension if not exists pgmq;",
            "exposed_schemas: [public, pgmq_public]",
        );
        fires_with(RULE, "select 1;", "exposed_schemas: [public, pgmq_public]");
    }
}
