//! `CREATE POLICY` on a table existing clients use. Docs: rules/ban-create-policy.yaml.

use pg_query::NodeEnum;

use crate::catalog::Ident;
use crate::rules::support::changes::{
    policy_verb, relation_new_in_this_file, rls_off, role_of, roles_phrase,
};
use crate::rules::{StatementRule, StmtCtx};

pub struct BanCreatePolicy;

impl StatementRule for BanCreatePolicy {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let NodeEnum::CreatePolicyStmt(s) = &cx.stmt.node else {
            return;
        };
        let Some(rv) = s.table.as_ref() else {
            return;
        };
        let table = cx.table(rv).name;
        // A table this file made has no deployed client; with RLS off, the
        // policy decides nothing until it is enabled.
        if relation_new_in_this_file(cx, &table) || rls_off(cx, &table) {
            return;
        }
        let roles: Vec<Ident> = s.roles.iter().filter_map(role_of).collect();
        let name = Ident::new(s.policy_name.as_str());
        let verb = policy_verb(&s.cmd_name);
        let message = if s.permissive {
            format!(
                "new policy `{name}` on `{table}` widens the rows {} can {verb}",
                roles_phrase(&roles)
            )
        } else {
            format!(
                "new restrictive policy `{name}` on `{table}` narrows the rows {} can {verb}, hiding rows from clients or rejecting their writes",
                roles_phrase(&roles)
            )
        };
        cx.report(&table, Some(cx.stmt.span), message);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-create-policy";
    const CREATE: &str = "create table public.t (id bigint primary key, owner_id uuid);\n\
        alter table public.t enable row level security;";

    #[test]
    fn a_policy_on_a_table_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create policy t_read on public.t for select to authenticated using (owner_id = (select auth.uid()));",
            ),
        ])
        .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-create-policy warning [public.t] new policy `t_read` on `public.t` widens the rows `authenticated` can read"
        );
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create policy t_live on public.t as restrictive using (id > 0);",
            ),
        ])
        .fires(RULE);
        assert!(
            out.contains("restrictive policy `t_live` on `public.t` narrows the rows every role can read or write"),
            "{out}"
        );
    }

    #[test]
    fn a_table_made_in_the_same_file_is_quiet() {
        case(&format!(
            "{CREATE}\ncreate policy t_read on public.t for select to authenticated using (true);"
        ))
        .quiet(RULE);
    }

    #[test]
    fn a_table_without_rls_is_quiet() {
        files(&[
            ("1.sql", "create table public.t (id bigint primary key);"),
            (
                "2.sql",
                "create policy t_read on public.t for select to authenticated using (true);",
            ),
        ])
        .quiet(RULE);
        // A table the migrations do not know may have RLS on.
        case("create policy legacy_read on public.legacy for select using (true);").fires(RULE);
    }

    #[test]
    fn off_by_default() {
        assert_eq!(
            crate::rules::find(RULE).map(|r| r.doc.default_enabled),
            Some(false)
        );
    }
}
