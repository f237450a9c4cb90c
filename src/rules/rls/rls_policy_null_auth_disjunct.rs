//! Policies with an OR branch that holds for unauthenticated requests. Docs:
//! rules/rls-policy-null-auth-disjunct.yaml.

use pg_query::protobuf::{self as pb, BoolExprType, NullTestType, SubLinkType};
use pg_query::NodeEnum;

use crate::rules::support::rls::{conditions, node_span, user_policies};
use crate::rules::{SchemaCtx, SchemaRule};
use crate::sql::ast;
use crate::sql::expr;

pub struct RlsPolicyNullAuthDisjunct;

impl SchemaRule for RlsPolicyNullAuthDisjunct {
    /// Reads the table alone (and the catalog's API roles).
    fn per_table(&self) -> Option<&'static [crate::rules::memo::Beyond]> {
        Some(&[])
    }

    fn check(&self, cx: &mut SchemaCtx<'_>) {
        for table in cx.tables() {
            for policy in user_policies(table) {
                // A policy only for `authenticated` (or a backend role) never
                // sees a request without a user: the branch is dead there.
                let anonymous = policy
                    .roles
                    .iter()
                    .any(|r| cx.catalog.api_roles.is_anonymous(r));
                if !anonymous {
                    continue;
                }
                for (clause, cond, base) in conditions(policy) {
                    for branch in top_level_disjuncts(&cond) {
                        if !is_no_user_test(branch) {
                            continue;
                        }
                        let text = expr::to_sql(branch);
                        let span = expr::leftmost(branch).map_or(policy.origin.span(), |at| {
                            node_span(base, at, text.len(), policy.origin.span())
                        });
                        cx.report(
                            &table.name,
                            span,
                            format!(
                                "policy `{}` on `{}` lets requests without a signed-in user through: {clause} is ORed with `{text}`",
                                policy.name, table.name
                            ),
                        );
                    }
                }
            }
        }
    }
}

/// The OR branches of a condition whose top level is an OR. An OR inside a
/// top-level AND (`published AND (auth.uid() IS NULL OR ...)`) is gated by
/// the other part and left alone, as Supabase's linter does.
fn top_level_disjuncts(node: &pb::Node) -> Vec<&pb::Node> {
    let mut out = Vec::new();
    if is_or(node) {
        flatten_or(node, &mut out, 0);
    }
    out
}

fn is_or(node: &pb::Node) -> bool {
    matches!(&node.node, Some(NodeEnum::BoolExpr(b)) if b.boolop() == BoolExprType::OrExpr)
}

/// `a OR (b OR c)` -> a, b, c (bounded depth).
fn flatten_or<'a>(node: &'a pb::Node, out: &mut Vec<&'a pb::Node>, depth: usize) {
    match &node.node {
        Some(NodeEnum::BoolExpr(b)) if b.boolop() == BoolExprType::OrExpr && depth < 32 => {
            for arg in &b.args {
                flatten_or(arg, out, depth + 1);
            }
        }
        _ => out.push(node),
    }
}

/// `auth.uid() IS NULL`, `auth.jwt() IS NULL`, `auth.email() IS NULL`,
/// `current_setting('request.jwt...', true) IS NULL`, `NOT (... IS NOT
/// NULL)`, `auth.role() = 'anon'`, bare or as `(select auth.x())`: true
/// exactly when no user signed in.
fn is_no_user_test(node: &pb::Node) -> bool {
    match &node.node {
        Some(NodeEnum::NullTest(t)) => {
            t.nulltesttype() == NullTestType::IsNull && t.arg.as_deref().is_some_and(is_user_value)
        }
        Some(NodeEnum::BoolExpr(b)) if b.boolop() == BoolExprType::NotExpr => {
            b.args.first().is_some_and(|a| match &a.node {
                Some(NodeEnum::NullTest(t)) => {
                    t.nulltesttype() == NullTestType::IsNotNull
                        && t.arg.as_deref().is_some_and(is_user_value)
                }
                _ => false,
            })
        }
        Some(NodeEnum::AExpr(e)) if ast::strings(&e.name) == ["="] => {
            match (e.lexpr.as_deref(), e.rexpr.as_deref()) {
                (Some(l), Some(r)) => {
                    let says_anon = |n: &pb::Node| ast::const_text(n).as_deref() == Some("anon");
                    (is_auth_call(l, &["role"], 0) && says_anon(r))
                        || (is_auth_call(r, &["role"], 0) && says_anon(l))
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// A value that is null when the request has no user.
fn is_user_value(node: &pb::Node) -> bool {
    is_auth_call(node, &["uid", "jwt", "email"], 0) || is_jwt_setting(node)
}

/// `current_setting('request.jwt.claims', true)` and the other
/// `request.jwt` settings, with `missing_ok`: null without a JWT.
fn is_jwt_setting(node: &pb::Node) -> bool {
    let Some(NodeEnum::FuncCall(c)) = &node.node else {
        return false;
    };
    let named = expr::call_name(c).is_some_and(|(s, n)| {
        n == "current_setting" && s.as_deref().is_none_or(|s| s == "pg_catalog")
    });
    let setting = c.args.first().and_then(ast::const_text);
    let missing_ok = c
        .args
        .get(1)
        .and_then(ast::const_text)
        .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "t" | "on" | "1"));
    named && missing_ok && setting.is_some_and(|s| s.starts_with("request.jwt"))
}

/// A call of `auth.<one of names>()`, bare, cast, or as `(select auth.x())`.
fn is_auth_call(node: &pb::Node, names: &[&str], depth: usize) -> bool {
    if depth > 8 {
        return false;
    }
    match &node.node {
        Some(NodeEnum::FuncCall(c)) => expr::call_name(c)
            .is_some_and(|(s, n)| s.as_deref() == Some("auth") && names.contains(&n.as_str())),
        Some(NodeEnum::TypeCast(tc)) => tc
            .arg
            .as_deref()
            .is_some_and(|a| is_auth_call(a, names, depth + 1)),
        Some(NodeEnum::SubLink(s)) if s.sub_link_type() == SubLinkType::ExprSublink => {
            let Some(NodeEnum::SelectStmt(sel)) =
                s.subselect.as_deref().and_then(|n| n.node.as_ref())
            else {
                return false;
            };
            sel.from_clause.is_empty()
                && sel.target_list.len() == 1
                && sel.target_list.iter().any(|t| match &t.node {
                    Some(NodeEnum::ResTarget(rt)) => rt
                        .val
                        .as_deref()
                        .is_some_and(|v| is_auth_call(v, names, depth + 1)),
                    _ => false,
                })
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet};

    const RULE: &str = "rls-policy-null-auth-disjunct";
    const TABLE: &str = "create table public.notes (id int primary key, user_id uuid, published boolean);\nalter table public.notes enable row level security;\n";

    #[test]
    fn uid_is_null_branch_fires_on_its_line() {
        let out = fires(
            RULE,
            &format!(
                "{TABLE}create policy p on public.notes for select\n  using (user_id = auth.uid()\n    or auth.uid() is null);"
            ),
        );
        assert!(out.starts_with("test.sql:5:8 "), "{out}");
        assert!(out.contains("`auth.uid() IS NULL`"), "{out}");
    }

    #[test]
    fn select_wrapped_and_role_anon_forms_fire() {
        fires(
            RULE,
            &format!("{TABLE}create policy p on public.notes for update to anon, authenticated using ((select auth.uid()) is null or user_id = (select auth.uid()));"),
        );
        fires(
            RULE,
            &format!("{TABLE}create policy p on public.notes for insert with check (auth.role() = 'anon' or user_id = auth.uid());"),
        );
        fires(
            RULE,
            &format!("{TABLE}create policy p on public.notes for select using (not (auth.uid() is not null) or user_id = auth.uid());"),
        );
        fires(
            RULE,
            &format!("{TABLE}create policy p on public.notes for delete using (current_setting('request.jwt.claims', true) is null or user_id = auth.uid());"),
        );
    }

    #[test]
    fn policy_for_authenticated_only_is_quiet() {
        quiet(
            RULE,
            &format!("{TABLE}create policy p on public.notes for select to authenticated using (auth.uid() is null or user_id = (select auth.uid()));"),
        );
    }

    #[test]
    fn is_not_null_and_gated_or_are_quiet() {
        // `IS NOT NULL` excludes anonymous requests; an AND cannot widen
        // access; an OR under a top-level AND is gated by the other part.
        quiet(
            RULE,
            &format!("{TABLE}create policy p on public.notes for select using (auth.uid() is not null or published);\n\
                      create policy q on public.notes for select to anon using (published and auth.uid() is null);\n\
                      create policy r on public.notes for select using (published and (auth.uid() is null or user_id = auth.uid()));"),
        );
    }

    #[test]
    fn null_test_inside_a_subquery_is_not_a_top_level_branch() {
        quiet(
            RULE,
            &format!("{TABLE}create policy p on public.notes for select using (exists (select 1 from public.notes n where n.user_id is null or auth.uid() is null));"),
        );
    }
}
