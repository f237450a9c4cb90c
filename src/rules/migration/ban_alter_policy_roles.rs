//! `ALTER POLICY ... TO` of an existing policy. Docs: rules/ban-alter-policy-roles.yaml.

use std::collections::BTreeSet;

use pg_query::NodeEnum;

use crate::catalog::Ident;
use crate::rules::support::changes::{
    new_in_this_file, policy, relation_new_in_this_file, rls_off, role_of, roles_phrase,
};
use crate::rules::{StatementRule, StmtCtx};

pub struct BanAlterPolicyRoles;

impl StatementRule for BanAlterPolicyRoles {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let NodeEnum::AlterPolicyStmt(s) = &cx.stmt.node else {
            return;
        };
        let Some(rv) = s.table.as_ref().filter(|_| !s.roles.is_empty()) else {
            return;
        };
        let table = cx.table(rv).name;
        let name = Ident::new(s.policy_name.as_str());
        let known = policy(cx, &table, &name);
        if relation_new_in_this_file(cx, &table)
            || known.is_some_and(|p| new_in_this_file(cx, &p.origin))
            || rls_off(cx, &table)
        {
            return;
        }
        let roles: Vec<Ident> = s.roles.iter().filter_map(role_of).collect();
        let message = match known {
            // The same roles again: nothing changes.
            Some(p) if same_roles(&p.roles, &roles) => return,
            Some(p) => format!(
                "changing the roles of {}policy `{name}` on `{table}` from {} to {} changes whose rows it {}",
                if p.permissive { "" } else { "restrictive " },
                roles_phrase(&p.roles),
                roles_phrase(&roles),
                if p.permissive { "lets in" } else { "limits" }
            ),
            None => format!(
                "giving policy `{name}` on `{table}` the roles {} changes whose rows it governs",
                roles_phrase(&roles)
            ),
        };
        cx.report(&table, Some(cx.stmt.span), message);
    }
}

fn same_roles(a: &[Ident], b: &[Ident]) -> bool {
    let set = |r: &[Ident]| -> BTreeSet<Ident> {
        if r.is_empty() {
            BTreeSet::from([Ident::new("public")])
        } else {
            r.iter().cloned().collect()
        }
    };
    set(a) == set(b)
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-alter-policy-roles";
    const CREATE: &str = "create table public.t (id bigint primary key, owner_id uuid);\n\
        alter table public.t enable row level security;\n\
        create policy t_own on public.t for select to authenticated using (owner_id = (select auth.uid()));";

    #[test]
    fn a_policy_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter policy t_own on public.t to authenticated, anon;"),
        ])
        .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-alter-policy-roles warning [public.t] changing the roles of policy `t_own` on `public.t` from `authenticated` to `authenticated`, `anon` changes whose rows it lets in"
        );
    }

    #[test]
    fn the_same_roles_again_are_quiet() {
        files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter policy t_own on public.t to authenticated;"),
        ])
        .quiet(RULE);
    }

    #[test]
    fn conditions_are_not_this_rule() {
        files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter policy t_own on public.t using (true);"),
        ])
        .quiet(RULE);
    }

    #[test]
    fn a_policy_or_table_made_in_the_same_file_is_quiet() {
        case(&format!("{CREATE}\nalter policy t_own on public.t to anon;")).quiet(RULE);
    }

    #[test]
    fn an_unknown_policy_fires() {
        let out = case("alter policy legacy_read on public.legacy to anon;").fires(RULE);
        assert!(out.contains("giving policy `legacy_read`"), "{out}");
    }

    #[test]
    fn off_by_default() {
        assert_eq!(
            crate::rules::find(RULE).map(|r| r.doc.default_enabled),
            Some(false)
        );
    }
}
