//! Policies that call `auth.uid()` and friends once per row. Docs: rules/rls-initplan.yaml.

use crate::findings::remedy::Remedy;
use crate::rules::memo::Beyond;
use crate::rules::support::rls::{
    bare_request_calls, call_text, conditions, node_span, user_policies,
};
use crate::rules::{SchemaCtx, SchemaRule};

pub struct RlsInitplan;

impl SchemaRule for RlsInitplan {
    /// Reads the table and the functions its policies call.
    fn per_table(&self) -> Option<&'static [Beyond]> {
        Some(&[Beyond::Functions])
    }

    fn check(&self, cx: &mut SchemaCtx<'_>) {
        let cat = cx.catalog;
        for table in cx.tables() {
            for policy in user_policies(table) {
                for (clause, cond, base) in conditions(policy) {
                    // One finding per call and clause, at its first use: the
                    // same call twice in a clause is one fix, and an audit
                    // (no positions) could not tell the two apart.
                    let mut seen = Vec::new();
                    for call in bare_request_calls(cat, &cond) {
                        let text = call_text(call);
                        if seen.contains(&text) {
                            continue;
                        }
                        seen.push(text.clone());
                        let span = node_span(base, call.location, text.len(), policy.origin.span());
                        cx.report_fixable(
                            &table.name,
                            span,
                            format!(
                                "policy `{}` on `{}` calls `{text}` in {clause} for every row instead of once through `(select {text})`",
                                policy.name, table.name
                            ),
                            Remedy::WrapPolicyCalls {
                                table: table.name.clone(),
                                policy: policy.name.clone(),
                            },
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet};

    const TABLE: &str = "create table public.t (id int primary key, user_id uuid, org uuid);\nalter table public.t enable row level security;\n";

    #[test]
    fn bare_uid_fires_at_the_call() {
        let out = fires(
            "rls-initplan",
            &format!("{TABLE}create policy p on public.t for select to authenticated\n  using (user_id = auth.uid());"),
        );
        assert!(out.starts_with("test.sql:4:20 "), "{out}");
        assert!(out.contains("`auth.uid()`"), "{out}");
    }

    #[test]
    fn the_same_call_twice_in_a_clause_is_one_finding() {
        let out = fires(
            "rls-initplan",
            &format!("{TABLE}create policy p on public.t for update to authenticated\n  using (user_id = auth.uid() or org = auth.uid())\n  with check (user_id = auth.uid());"),
        );
        assert_eq!(out.lines().count(), 2, "{out}");
        assert!(
            out.contains("test.sql:4:20") && out.contains("test.sql:5:25"),
            "{out}"
        );
    }

    #[test]
    fn a_call_in_a_subquery_that_reads_nothing_of_the_row_still_fires() {
        // Checked on PostgreSQL 15 with a STABLE function that raises a
        // notice: the subquery runs once, but calls it for each row it scans.
        let members = "create table public.members (org uuid, user_id uuid);\n";
        fires(
            "rls-initplan",
            &format!("{TABLE}{members}create policy p on public.t for select to authenticated\n  using (org in (select org from public.members where user_id = auth.uid()));"),
        );
        fires(
            "rls-initplan",
            &format!("{TABLE}create policy p on public.t for select to authenticated\n  using (exists (select 1 from public.t as mine where mine.org = t.org and mine.user_id = auth.uid()));"),
        );
    }

    #[test]
    fn wrapped_call_is_quiet() {
        quiet(
            "rls-initplan",
            &format!("{TABLE}create policy p on public.t for select to authenticated using (user_id = (select auth.uid()));"),
        );
    }

    #[test]
    fn mixed_wrapped_and_bare_reports_only_the_bare_one() {
        let out = fires(
            "rls-initplan",
            &format!("{TABLE}create policy p on public.t for update to authenticated\n  using (user_id = (select auth.uid()))\n  with check (user_id = auth.uid() and current_setting('app.x', true) = 'y');"),
        );
        assert_eq!(out.lines().count(), 2, "{out}");
        assert!(out.contains("test.sql:5:"), "{out}");
        assert!(out.contains("current_setting"), "{out}");
    }

    #[test]
    fn call_inside_exists_is_reported() {
        fires(
            "rls-initplan",
            &format!("{TABLE}create table public.m (id int primary key, org uuid, user_id uuid);\ncreate policy p on public.t for select to authenticated using (exists (select 1 from public.m where m.org = t.org and m.user_id = auth.uid()));"),
        );
    }

    #[test]
    fn helper_reading_the_jwt_counts_but_not_with_a_column_argument() {
        let helpers = "create function public.is_admin() returns boolean language sql stable as $$ select (auth.jwt() -> 'app_metadata' ->> 'admin')::boolean $$;\ncreate function public.owns(u uuid) returns boolean language sql stable as $$ select u = auth.uid() $$;\n";
        fires(
            "rls-initplan",
            &format!("{TABLE}{helpers}create policy p on public.t for select to authenticated using (public.is_admin());"),
        );
        quiet(
            "rls-initplan",
            &format!("{TABLE}{helpers}create policy p on public.t for select to authenticated using (public.owns(user_id));"),
        );
    }

    #[test]
    fn other_functions_are_quiet() {
        quiet(
            "rls-initplan",
            &format!("{TABLE}create policy p on public.t for select to authenticated using (user_id = (select auth.uid()) and now() > '2020-01-01');"),
        );
    }
}
