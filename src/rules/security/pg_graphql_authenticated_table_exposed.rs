//! Relations the signed-in API roles can see through pg_graphql's
//! introspection. Docs: rules/pg-graphql-authenticated-table-exposed.yaml.

use crate::rules::support::exposure::report_graphql_exposed;
use crate::rules::{SchemaCtx, SchemaRule};

pub struct PgGraphqlAuthenticatedTableExposed;

impl SchemaRule for PgGraphqlAuthenticatedTableExposed {
    fn check(&self, cx: &mut SchemaCtx<'_>) {
        let roles = cx.catalog.api_roles.signed_in.clone();
        report_graphql_exposed(cx, &roles, "every signed-in user");
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet};

    const RULE: &str = "pg-graphql-authenticated-table-exposed";
    const TABLE: &str = "create table public.notes (id bigint primary key, body text);\n";

    #[test]
    fn default_privileges_expose_a_new_public_table() {
        let out = fires(
            RULE,
            &format!("{TABLE}revoke all on public.notes from anon;"),
        );
        assert!(
            out.contains("`authenticated` can SELECT from table `public.notes`"),
            "{out}"
        );
    }

    #[test]
    fn revoking_from_authenticated_quiets_it() {
        quiet(
            RULE,
            &format!("{TABLE}revoke select on public.notes from authenticated;"),
        );
    }

    #[test]
    fn platform_schemas_are_not_the_project_s() {
        quiet(
            RULE,
            "create table public.notes (id bigint primary key);\nrevoke all on public.notes from authenticated;\ngrant select on auth.users to authenticated;",
        );
    }
}
