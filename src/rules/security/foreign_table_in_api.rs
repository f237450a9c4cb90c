//! Foreign tables in a schema the API serves. Docs: rules/foreign-table-in-api.yaml.

use crate::catalog::RelKind;
use crate::rules::support::exposure::api_reader;
use crate::rules::{SchemaCtx, SchemaRule};

pub struct ForeignTableInApi;

impl SchemaRule for ForeignTableInApi {
    fn check(&self, cx: &mut SchemaCtx<'_>) {
        let cat = cx.catalog;
        for t in cat
            .user_tables()
            .filter(|t| t.kind == RelKind::Foreign && cat.is_exposed(&t.name.schema))
        {
            // Revoked from every API role: the API cannot read it.
            let Some(role) = api_reader(cat, &t.grants) else {
                continue;
            };
            cx.report(
                &t.name,
                t.origin.span(),
                format!(
                    "foreign table `{}` is exposed by the API and `{role}` can read it, and row level security cannot restrict its rows",
                    t.name
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, fires_with, quiet};

    const SERVER: &str = "create extension if not exists postgres_fdw with schema extensions;\ncreate server billing foreign data wrapper postgres_fdw options (host 'db', dbname 'billing');\n";

    #[test]
    fn foreign_table_in_public_fires_at_its_create() {
        let out = fires(
            "foreign-table-in-api",
            &format!("{SERVER}create foreign table public.invoices (\n  id uuid not null\n) server billing;"),
        );
        assert!(out.starts_with("test.sql:3:1 "), "{out}");
        assert!(
            out.contains("[public.invoices] foreign table `public.invoices`"),
            "{out}"
        );
    }

    #[test]
    fn foreign_table_in_private_schema_is_quiet() {
        quiet(
            "foreign-table-in-api",
            &format!("{SERVER}create schema billing;\ncreate foreign table billing.invoices (id uuid not null) server billing;"),
        );
    }

    #[test]
    fn ordinary_table_is_not_this_rule() {
        quiet(
            "foreign-table-in-api",
            "create table public.invoices (id uuid primary key);",
        );
    }

    #[test]
    fn configured_exposed_schema_counts() {
        fires_with(
            "foreign-table-in-api",
            &format!("{SERVER}create schema api;\ncreate foreign table api.invoices (id uuid not null) server billing;\ngrant select on all tables in schema api to anon;"),
            "exposed_schemas: [api]",
        );
    }

    #[test]
    fn revoked_from_the_api_roles_is_quiet() {
        let sql = format!(
            "{SERVER}create foreign table public.invoices (id uuid not null) server billing;\n"
        );
        quiet(
            "foreign-table-in-api",
            &format!("{sql}revoke all on public.invoices from anon, authenticated;"),
        );
        let out = fires(
            "foreign-table-in-api",
            &format!("{sql}revoke all on public.invoices from anon;"),
        );
        assert!(out.contains("`authenticated` can read it"), "{out}");
    }
}
