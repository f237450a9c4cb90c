//! Exposed tables with RLS on but no policy at all. Docs: rules/rls-enabled-no-policy.yaml.

use crate::rules::support::exposed_tables;
use crate::rules::{SchemaCtx, SchemaRule};

pub struct RlsEnabledNoPolicy;

impl SchemaRule for RlsEnabledNoPolicy {
    fn check(&self, cx: &mut SchemaCtx<'_>) {
        for t in exposed_tables(cx.catalog).filter(|t| t.rls_enabled && t.policies.is_empty()) {
            let span = t.rls_span();
            cx.report(&t.name, span, format!("table `{}` has row level security enabled but no policy", t.name));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet};

    #[test]
    fn fires_at_the_enable_statement() {
        let out = fires("rls-enabled-no-policy", "create table public.t (id int primary key);\n\nalter table public.t enable row level security;");
        assert!(out.contains(":3:"), "{out}");
    }

    #[test]
    fn a_policy_quiets_it() {
        quiet(
            "rls-enabled-no-policy",
            "create table public.t (id int primary key);\nalter table public.t enable row level security;\ncreate policy p on public.t for select to authenticated using (true);",
        );
    }

    #[test]
    fn dropping_the_only_policy_fires_again() {
        fires(
            "rls-enabled-no-policy",
            "create table public.t (id int primary key);\nalter table public.t enable row level security;\ncreate policy p on public.t for select to authenticated using (true);\ndrop policy if exists p on public.t;",
        );
    }
}
