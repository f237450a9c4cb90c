//! Policies without `TO`, which apply to PUBLIC. Docs: rules/policy-without-role.yaml.

use crate::rules::support::rls::user_policies;
use crate::rules::{SchemaCtx, SchemaRule};

pub struct PolicyWithoutRole;

impl SchemaRule for PolicyWithoutRole {
    fn check(&self, cx: &mut SchemaCtx<'_>) {
        for table in cx.catalog.tables.values() {
            // No TO clause and `TO public` are the same policy to PostgreSQL,
            // and an audit cannot tell them apart.
            let public = |p: &&crate::catalog::Policy| p.roles.iter().any(|r| r.as_str() == "public");
            for policy in user_policies(table).filter(public) {
                cx.report(
                    &table.name,
                    policy.origin.span(),
                    format!(
                        "policy `{}` on `{}` applies to every role (PUBLIC), `anon` included",
                        policy.name, table.name
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet};

    const TABLE: &str = "create table public.t (id int primary key, user_id uuid);\nalter table public.t enable row level security;\n";

    #[test]
    fn policy_without_to_fires_at_the_statement() {
        let out = fires(
            "policy-without-role",
            &format!("{TABLE}\ncreate policy p on public.t\n  for select using (user_id = (select auth.uid()));"),
        );
        assert!(out.starts_with("test.sql:4:1 "), "{out}");
    }

    #[test]
    fn explicit_public_is_the_same_policy() {
        fires(
            "policy-without-role",
            &format!("{TABLE}create policy p on public.t for select to public using (true);"),
        );
        quiet(
            "policy-without-role",
            &format!("{TABLE}create policy p on public.t for select to anon, authenticated using (true);"),
        );
    }

    #[test]
    fn alter_policy_adding_roles_is_quiet() {
        quiet(
            "policy-without-role",
            &format!("{TABLE}create policy p on public.t for select using (true);\nalter policy p on public.t to authenticated;"),
        );
    }
}
