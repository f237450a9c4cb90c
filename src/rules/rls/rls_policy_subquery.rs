//! Policies that look rows up in another table. Docs: rules/rls-policy-subquery.yaml.

use pg_query::protobuf::SubLinkType;
use pg_query::NodeRef;

use crate::catalog::{Ident, QualifiedName};
use crate::rules::memo::Beyond;
use crate::rules::support::rls::{
    conditions, is_uncorrelated, policy_search_path, table, user_policies,
};
use crate::rules::{SchemaCtx, SchemaRule};
use crate::sql::ast;
use crate::sql::expr;

pub struct RlsPolicySubquery;

impl SchemaRule for RlsPolicySubquery {
    fn check(&self, cx: &mut SchemaCtx<'_>) {
        let cat = cx.catalog;
        let path = policy_search_path();
        for t in cx.tables() {
            for policy in user_policies(t) {
                let mut others: Vec<QualifiedName> = Vec::new();
                for (_, cond, _) in conditions(policy) {
                    // What the findings on `t` depend on besides `t`: the
                    // tables its policies name, and their columns.
                    if cx.notes_table_names() {
                        for n in expr::nodes(&cond) {
                            if let NodeRef::RangeVar(rv) = n {
                                cx.note_table_name(&rv.relname);
                            }
                        }
                    }
                    for s in expr::sublinks(&cond) {
                        if !matches!(
                            s.sub_link_type(),
                            SubLinkType::ExistsSublink
                                | SubLinkType::AnySublink
                                | SubLinkType::AllSublink
                        ) {
                            continue;
                        }
                        let Some(sub) = s.subselect.as_deref().and_then(|n| n.node.as_ref()) else {
                            continue;
                        };
                        // A subquery that reads nothing of the row runs once per
                        // statement (an InitPlan, or a hashed SubPlan for IN).
                        if is_uncorrelated(cat, &path, sub) {
                            continue;
                        }
                        for n in ast::descendants(sub) {
                            let NodeRef::RangeVar(rv) = n else { continue };
                            let (schema, name) = ast::range_var_name(rv);
                            let qn =
                                table(cat, &path, schema.as_deref(), &name).unwrap_or_else(|| {
                                    QualifiedName::new(
                                        Ident::new(schema.unwrap_or_else(|| "public".to_string())),
                                        Ident::new(name),
                                    )
                                });
                            if qn != t.name && !others.contains(&qn) {
                                others.push(qn);
                            }
                        }
                    }
                }
                if others.is_empty() {
                    continue;
                }
                let names: Vec<String> = others.iter().map(|q| format!("`{q}`")).collect();
                cx.report(
                    &t.name,
                    policy.origin.span(),
                    format!(
                        "policy `{}` on `{}` looks up {} in a subquery for every row",
                        policy.name,
                        t.name,
                        names.join(", ")
                    ),
                );
            }
        }
    }

    fn per_table(&self) -> Option<&'static [Beyond]> {
        Some(&[Beyond::NamedTables])
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet};

    const TABLES: &str = "create table public.p (id int primary key, user_id uuid);\ncreate table public.c (id int primary key, p_id int);\nalter table public.c enable row level security;\n";

    #[test]
    fn a_subquery_that_reads_nothing_of_the_row_is_quiet() {
        // `p_id in (select id from p where user_id = ...)` runs once, hashed.
        quiet(
            "rls-policy-subquery",
            &format!("{TABLES}create policy cp on public.c for select to authenticated\n  using (p_id in (select id from public.p where user_id = (select auth.uid())));"),
        );
        quiet(
            "rls-policy-subquery",
            &format!("{TABLES}create policy cp on public.c for select to authenticated\n  using (p_id in (select pp.id from public.p pp where pp.user_id = (select auth.uid())));"),
        );
        // Naming a column of the row makes it run per row.
        fires(
            "rls-policy-subquery",
            &format!("{TABLES}create policy cp on public.c for select to authenticated\n  using (exists (select 1 from public.p where p.id = p_id));"),
        );
    }

    #[test]
    fn exists_over_parent_fires_at_the_policy() {
        let out = fires(
            "rls-policy-subquery",
            &format!("{TABLES}create policy cp on public.c for select to authenticated\n  using (exists (select 1 from public.p where p.id = c.p_id and p.user_id = (select auth.uid())));"),
        );
        assert!(out.starts_with("test.sql:4:1 "), "{out}");
        assert!(out.contains("`public.p`"), "{out}");
    }

    #[test]
    fn in_subquery_over_the_row_fires() {
        fires(
            "rls-policy-subquery",
            &format!("{TABLES}create policy cp on public.c for select to authenticated using ((select auth.uid()) in (select user_id from p where p.id = c.p_id));"),
        );
    }

    #[test]
    fn scalar_subquery_of_the_caller_is_quiet() {
        quiet(
            "rls-policy-subquery",
            &format!("{TABLES}create policy cp on public.c for select to authenticated using (p_id = (select auth.uid())::text::int);"),
        );
    }

    #[test]
    fn self_read_is_left_to_rls_recursion() {
        quiet(
            "rls-policy-subquery",
            &format!("{TABLES}create policy cp on public.c for select to authenticated using (exists (select 1 from public.c c2 where c2.id = c.p_id));"),
        );
    }
}
