//! `DROP POLICY` and `DROP RULE` of an existing policy or rule. Docs: rules/ban-drop-policy.yaml.

use pg_query::protobuf::ObjectType;
use pg_query::NodeEnum;

use crate::catalog::{Ident, QualifiedName};
use crate::rules::support::changes::{
    new_in_this_file, policy, relation_dropped_later_in_file, relation_new_in_this_file, rls_off,
    roles_phrase,
    table_from_migrations, table_member,
};
use crate::rules::support::drops::{drop_objects, dropped};
use crate::rules::support::migration::{made_again_later, names_table};
use crate::rules::{StatementRule, StmtCtx};

pub struct BanDropPolicy;

impl StatementRule for BanDropPolicy {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let Some(s) = dropped(cx, &[ObjectType::ObjectPolicy, ObjectType::ObjectRule]) else {
            return;
        };
        let is_rule = s.remove_type() == ObjectType::ObjectRule;
        for node in drop_objects(s) {
            let NodeEnum::List(list) = node else { continue };
            let Some((table, name)) = table_member(cx, &list.items) else {
                continue;
            };
            // A table this file made has no deployed client yet.
            // One the file drops later takes its policies and rules with it.
            if relation_new_in_this_file(cx, &table)
                || relation_dropped_later_in_file(cx, &table)
                || made_again(cx, &table, &name, is_rule)
            {
                continue;
            }
            if is_rule {
                // pgvet does not model rules: every one dropped may exist.
                let message = format!(
                    "dropping rule `{name}` of `{table}` stops it rewriting the queries on the table, which code may count on"
                );
                cx.report(&table, Some(cx.stmt.span), message);
                continue;
            }
            let message = match policy(cx, &table, &name) {
                Some(p) if new_in_this_file(cx, &p.origin) => continue,
                // With RLS off, policies decide nothing.
                _ if rls_off(cx, &table) => continue,
                Some(p) if p.permissive => format!(
                    "dropping policy `{name}` of `{table}` takes away the rows it let {} read or write",
                    roles_phrase(&p.roles)
                ),
                Some(p) => format!(
                    "dropping restrictive policy `{name}` of `{table}` lifts the limit it put on {}",
                    roles_phrase(&p.roles)
                ),
                // IF EXISTS of a policy the migrations never left on a
                // table they made: nothing to drop.
                None if s.missing_ok && table_from_migrations(cx, &table).is_some() => continue,
                None => format!(
                    "dropping policy `{name}` of `{table}` changes which rows roles can read or write"
                ),
            };
            cx.report(&table, Some(cx.stmt.span), message);
        }
    }
}

/// `DROP POLICY IF EXISTS p ON t; CREATE POLICY p ON t ...` in one
/// transaction: the usual way to change a policy, and no query in between
/// runs without it. `ban-create-policy` judges the new one.
fn made_again(cx: &StmtCtx<'_>, table: &QualifiedName, name: &Ident, is_rule: bool) -> bool {
    made_again_later(cx, &name.as_str().to_ascii_lowercase(), |n| match n {
        NodeEnum::CreatePolicyStmt(p) if !is_rule => {
            Ident::new(p.policy_name.as_str()) == *name
                && p.table.as_ref().is_some_and(|rv| names_table(rv, table))
        }
        NodeEnum::RuleStmt(r) if is_rule => {
            Ident::new(r.rulename.as_str()) == *name
                && r.relation.as_ref().is_some_and(|rv| names_table(rv, table))
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-drop-policy";
    const CREATE: &str = "create table public.t (id bigint primary key, owner_id uuid);\n\
        alter table public.t enable row level security;\n\
        create policy t_own on public.t for select to authenticated using ((select auth.uid()) = owner_id);\n\
        create policy t_limit on public.t as restrictive for all to authenticated using (id > 0);";

    #[test]
    fn policy_from_an_earlier_file_fires() {
        let out = files(&[("1.sql", CREATE), ("2.sql", "drop policy t_own on public.t;")])
            .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-drop-policy warning [public.t] dropping policy `t_own` of `public.t` takes away the rows it let `authenticated` read or write"
        );
        let out = files(&[("1.sql", CREATE), ("2.sql", "drop policy t_limit on public.t;")])
            .fires(RULE);
        assert!(out.contains("restrictive policy `t_limit`"), "{out}");
    }

    #[test]
    fn policy_or_table_made_in_the_same_file_is_quiet() {
        case(&format!("{CREATE}\ndrop policy t_own on public.t;")).quiet(RULE);
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create policy t_all on public.t for select to anon using (true);\ndrop policy t_all on public.t;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn a_policy_made_again_in_the_transaction_is_quiet() {
        let again = "drop policy if exists t_own on public.t;\n\
                     create policy t_own on public.t for select to authenticated using (owner_id = (select auth.uid()));";
        files(&[("1.sql", CREATE), ("2.sql", again)]).quiet(RULE);
        files(&[("1.sql", CREATE), ("2.sql", again)])
            .postgres()
            .fires(RULE);
    }

    #[test]
    fn policies_of_a_table_without_rls_decide_nothing() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t disable row level security;\ndrop policy t_own on public.t;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn if_exists_of_a_policy_no_migration_left_is_quiet() {
        files(&[("1.sql", CREATE), ("2.sql", "drop policy if exists gone on public.t;")])
            .quiet(RULE);
        case("drop policy if exists legacy_read on public.legacy;").fires(RULE);
    }

    #[test]
    fn rules_fire_unless_their_table_is_new() {
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "drop rule if exists t_no_delete on public.t;"),
        ])
        .fires(RULE);
        assert!(out.contains("rule `t_no_delete`"), "{out}");
        case("create table public.u (id bigint primary key);\ncreate rule u_no_delete as on delete to public.u do instead nothing;\ndrop rule u_no_delete on public.u;")
            .quiet(RULE);
    }

    #[test]
    fn teardown_before_the_table_is_dropped_is_quiet() {
        // What `supabase db diff` writes before a DROP TABLE: the drop is
        // ban-drop-table's to report.
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "drop policy t_own on public.t;\ndrop table public.t;",
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
