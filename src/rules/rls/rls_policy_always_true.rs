//! Write policies whose condition holds for every row. Docs: rules/rls-policy-always-true.yaml.

use pg_query::protobuf::{self as pb, NullTestType, SubLinkType};
use pg_query::NodeEnum;

use crate::catalog::{Expr, PolicyCommand};
use crate::rules::memo::Beyond;
use crate::rules::support::rls::user_policies;
use crate::rules::{SchemaCtx, SchemaRule};
use crate::sql::expr;

pub struct RlsPolicyAlwaysTrue;

impl SchemaRule for RlsPolicyAlwaysTrue {
    /// Reads the table alone.
    fn per_table(&self) -> Option<&'static [Beyond]> {
        Some(&[])
    }

    fn check(&self, cx: &mut SchemaCtx<'_>) {
        // A table without row level security is reported too: enabling it
        // (as `policy-exists-rls-disabled` asks) puts the policy in force.
        for table in cx.tables() {
            for policy in user_policies(table) {
                // SELECT with USING (true) is a deliberate public read.
                if policy.command == PolicyCommand::Select || !policy.permissive {
                    continue;
                }
                let roles = &cx.catalog.api_roles;
                let api_roles = policy.roles.iter().any(|r| roles.is_api_role(r));
                let signed_in_counts = policy.roles.iter().any(|r| roles.is_signed_in(r));
                if !api_roles {
                    continue;
                }
                let holds = |node: &pb::Node| {
                    expr::is_constant_true(node) || (signed_in_counts && is_signed_in_test(node))
                };
                // FOR ALL / UPDATE without WITH CHECK check new rows with USING,
                // which is reported already.
                let mut clauses = Vec::new();
                if let Some(u) = policy.using.as_ref().map(Expr::node) {
                    if policy.command != PolicyCommand::Insert && holds(&u) {
                        clauses.push(format!("USING ({})", expr::to_sql(&u)));
                    }
                }
                match policy.with_check.as_ref().map(Expr::node) {
                    Some(c) if holds(&c) => {
                        clauses.push(format!("WITH CHECK ({})", expr::to_sql(&c)));
                    }
                    // An INSERT policy has only WITH CHECK: without one,
                    // every new row passes.
                    None if policy.command == PolicyCommand::Insert => {
                        clauses.push("no WITH CHECK".to_string());
                    }
                    _ => {}
                }
                if clauses.is_empty() {
                    continue;
                }
                let roles: Vec<String> = policy
                    .roles
                    .iter()
                    .map(|r| {
                        if r.as_str() == "public" {
                            "every role".to_string()
                        } else {
                            format!("`{r}`")
                        }
                    })
                    .collect();
                cx.report(
                    &table.name,
                    policy.origin.span(),
                    format!(
                        "policy `{}` on `{}` lets {} {} any row with {}",
                        policy.name,
                        table.name,
                        roles.join(", "),
                        verb(policy.command),
                        clauses.join(" and ")
                    ),
                );
            }
        }
    }
}

fn verb(cmd: PolicyCommand) -> &'static str {
    match cmd {
        PolicyCommand::Insert => "insert",
        PolicyCommand::Update => "update",
        PolicyCommand::Delete => "delete",
        PolicyCommand::All | PolicyCommand::Select => "read and write",
    }
}

/// `auth.uid() IS NOT NULL`, `auth.role() = 'authenticated'` and their
/// `(select ...)` forms: true for every signed-in user, whatever the row.
fn is_signed_in_test(node: &pb::Node) -> bool {
    match &node.node {
        Some(NodeEnum::NullTest(t)) => {
            t.nulltesttype() == NullTestType::IsNotNull
                && t.arg
                    .as_deref()
                    .is_some_and(|a| is_auth_call(a, &["uid", "jwt", "email"]))
        }
        Some(NodeEnum::AExpr(e)) if crate::sql::strings(&e.name) == ["="] => {
            match (e.lexpr.as_deref(), e.rexpr.as_deref()) {
                (Some(l), Some(r)) => {
                    let says_authenticated = |n: &pb::Node| {
                        crate::sql::ast::const_text(n).as_deref() == Some("authenticated")
                    };
                    (is_auth_call(l, &["role"]) && says_authenticated(r))
                        || (is_auth_call(r, &["role"]) && says_authenticated(l))
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// A call of `auth.<one of names>()`, bare or as `(select auth.x())`.
fn is_auth_call(node: &pb::Node, names: &[&str]) -> bool {
    match &node.node {
        Some(NodeEnum::FuncCall(c)) => expr::call_name(c)
            .is_some_and(|(s, n)| s.as_deref() == Some("auth") && names.contains(&n.as_str())),
        Some(NodeEnum::SubLink(s)) if s.sub_link_type() == SubLinkType::ExprSublink => {
            let Some(NodeEnum::SelectStmt(sel)) =
                s.subselect.as_deref().and_then(|n| n.node.as_ref())
            else {
                return false;
            };
            sel.from_clause.is_empty()
                && sel.target_list.len() == 1
                && sel.target_list.iter().any(|t| match &t.node {
                    Some(NodeEnum::ResTarget(rt)) => {
                        rt.val.as_deref().is_some_and(|v| is_auth_call(v, names))
                    }
                    _ => false,
                })
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet};

    const TABLE: &str = "create table public.t (id int primary key, user_id uuid);\nalter table public.t enable row level security;\n";

    #[test]
    fn insert_with_check_true_fires_at_the_policy() {
        let out = fires(
            "rls-policy-always-true",
            &format!(
                "{TABLE}\ncreate policy p on public.t\n  for insert to anon with check (true);"
            ),
        );
        assert!(out.starts_with("test.sql:4:1 "), "{out}");
        assert!(out.contains("WITH CHECK (true)"), "{out}");
    }

    #[test]
    fn insert_without_with_check_admits_every_row() {
        let out = fires(
            "rls-policy-always-true",
            &format!("{TABLE}create policy p on public.t for insert to authenticated;"),
        );
        assert!(out.contains("with no WITH CHECK"), "{out}");
    }

    #[test]
    fn a_table_without_row_level_security_is_reported_before_it_is_enabled() {
        fires(
            "rls-policy-always-true",
            "create table public.t (id int primary key);\ncreate policy p on public.t for insert to anon with check (true);",
        );
    }

    #[test]
    fn for_all_using_true_fires_once() {
        let out = fires(
            "rls-policy-always-true",
            &format!("{TABLE}create policy p on public.t for all using (true) with check (true);"),
        );
        assert_eq!(out.lines().count(), 1, "{out}");
    }

    #[test]
    fn select_using_true_is_a_public_read() {
        quiet(
            "rls-policy-always-true",
            &format!("{TABLE}create policy p on public.t for select to anon, authenticated using (true);"),
        );
    }

    #[test]
    fn service_role_may_write_everything() {
        quiet(
            "rls-policy-always-true",
            &format!("{TABLE}create policy p on public.t for all to service_role using (true) with check (true);"),
        );
    }

    #[test]
    fn signed_in_test_is_always_true_for_users() {
        fires(
            "rls-policy-always-true",
            &format!("{TABLE}create policy p on public.t for all to authenticated using ((select auth.uid()) is not null);"),
        );
        fires(
            "rls-policy-always-true",
            &format!("{TABLE}create policy p on public.t for update to authenticated using (auth.role() = 'authenticated');"),
        );
    }

    #[test]
    fn owner_condition_is_quiet() {
        quiet(
            "rls-policy-always-true",
            &format!("{TABLE}create policy p on public.t for all to authenticated using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));"),
        );
    }
}

#[cfg(test)]
mod api_roles {
    use crate::rules::testing::{fires_with, quiet_with};

    const RULE: &str = "rls-policy-always-true";
    const SQL: &str = "create table public.t (id bigint primary key);\n\
        alter table public.t enable row level security;\n\
        create policy p on public.t for insert to web_anon with check (true);";

    #[test]
    fn configured_anonymous_roles_count_as_api_roles() {
        // `web_anon` is nobody the API runs as by default...
        quiet_with(RULE, SQL, "");
        // ...but PostgREST's anonymous role once configured.
        let out = fires_with(
            RULE,
            SQL,
            "api_roles:\n  anonymous: [web_anon]\n  signed_in: [web_user]\n",
        );
        assert!(out.contains("WITH CHECK (true)"), "{out}");
    }
}
