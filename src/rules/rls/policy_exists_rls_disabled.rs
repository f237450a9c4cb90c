//! Policies on a table whose RLS is off, so they do nothing. Docs: rules/policy-exists-rls-disabled.yaml.

use crate::findings::remedy::Remedy;
use crate::rules::{SchemaCtx, SchemaRule};

pub struct PolicyExistsRlsDisabled;

impl SchemaRule for PolicyExistsRlsDisabled {
    /// Reads the table alone.
    fn per_table(&self) -> Option<&'static [crate::rules::memo::Beyond]> {
        Some(&[])
    }

    fn check(&self, cx: &mut SchemaCtx<'_>) {
        for t in cx.user_tables().filter(|t| !t.rls_enabled) {
            for p in &t.policies {
                cx.report_fixable(
                    &t.name,
                    p.origin.span(),
                    format!(
                        "policy `{}` on `{}` has no effect: row level security is not enabled",
                        p.name, t.name
                    ),
                    Remedy::EnableRls {
                        table: t.name.clone(),
                    },
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet};

    #[test]
    fn policy_without_enable_fires_per_policy() {
        let out = fires(
            "policy-exists-rls-disabled",
            "create table public.t (id int primary key, owner uuid);\ncreate policy a on public.t for select to authenticated using (owner = auth.uid());\ncreate policy b on public.t for delete to authenticated using (owner = auth.uid());",
        );
        assert!(out.contains("`a`") && out.contains("`b`"), "{out}");
    }

    #[test]
    fn enabled_before_or_after_the_policy_is_quiet() {
        quiet(
            "policy-exists-rls-disabled",
            "create table public.t (id int primary key);\ncreate policy a on public.t for select to authenticated using (true);\nalter table public.t enable row level security;",
        );
    }
}
