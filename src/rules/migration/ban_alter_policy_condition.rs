//! `ALTER POLICY ... USING / WITH CHECK` of an existing policy. Docs: rules/ban-alter-policy-condition.yaml.

use pg_query::NodeEnum;

use crate::catalog::Ident;
use crate::rules::support::changes::{
    new_in_this_file, policy, relation_new_in_this_file, rls_off, roles_phrase,
};
use crate::rules::{StatementRule, StmtCtx};

pub struct BanAlterPolicyCondition;

impl StatementRule for BanAlterPolicyCondition {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let NodeEnum::AlterPolicyStmt(s) = &cx.stmt.node else {
            return;
        };
        let (using, check) = (s.qual.is_some(), s.with_check.is_some());
        let Some(rv) = s.table.as_ref().filter(|_| using || check) else {
            return;
        };
        let table = cx.table(rv).name;
        let name = Ident::new(s.policy_name.as_str());
        let known = policy(cx, &table, &name);
        // A policy or table this file made guards no deployed client; with
        // RLS off, the policy decides nothing.
        if relation_new_in_this_file(cx, &table)
            || known.is_some_and(|p| new_in_this_file(cx, &p.origin))
            || rls_off(cx, &table)
        {
            return;
        }
        let (which, verb) = match (using, check) {
            (true, false) => ("USING condition", "see"),
            (false, true) => ("WITH CHECK condition", "write"),
            _ => ("USING and WITH CHECK conditions", "see and write"),
        };
        let who = known.map_or("roles".to_string(), |p| roles_phrase(&p.roles));
        let message = format!(
            "changing the {which} of policy `{name}` on `{table}` changes which rows {who} can {verb}"
        );
        cx.report(&table, Some(cx.stmt.span), message);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-alter-policy-condition";
    const CREATE: &str = "create table public.t (id bigint primary key, owner_id uuid);\n\
        alter table public.t enable row level security;\n\
        create policy t_own on public.t to authenticated using (owner_id = (select auth.uid()));";

    #[test]
    fn a_policy_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter policy t_own on public.t using (owner_id = (select auth.uid()) or id < 10);",
            ),
        ])
        .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-alter-policy-condition warning [public.t] changing the USING condition of policy `t_own` on `public.t` changes which rows `authenticated` can see"
        );
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter policy t_own on public.t with check (id > 0);"),
        ])
        .fires(RULE);
        assert!(out.contains("WITH CHECK condition"), "{out}");
    }

    #[test]
    fn roles_and_renames_are_not_this_rule() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter policy t_own on public.t to authenticated, anon;\nalter policy t_own on public.t rename to t_mine;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn a_policy_or_table_made_in_the_same_file_is_quiet() {
        case(&format!(
            "{CREATE}\nalter policy t_own on public.t using (true);"
        ))
        .quiet(RULE);
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create policy t_del on public.t for delete to authenticated using (false);\nalter policy t_del on public.t using (owner_id = (select auth.uid()));",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn a_table_without_rls_is_quiet() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t disable row level security;\nalter policy t_own on public.t using (true);",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn off_by_default() {
        assert_eq!(
            crate::rules::find(RULE).map(|r| r.doc.default_enabled),
            Some(false)
        );
    }
}
