//! Permissive policies that PostgreSQL ORs together. Docs: rules/rls-permissive-or-bypass.yaml.

use std::collections::{BTreeMap, BTreeSet};

use pg_query::protobuf::{self as pb, BoolExprType, BoolTestType, NullTestType};
use pg_query::NodeEnum;

use crate::catalog::{Expr, Ident, Policy, PolicyCommand};
use crate::findings::Severity;
use crate::rules::support::rls::{applies_to, user_policies};
use crate::rules::{SchemaCtx, SchemaRule};
use crate::sql::ast;
use crate::sql::expr;

pub struct RlsPermissiveOrBypass;

const COMMANDS: [(PolicyCommand, &str); 4] = [
    (PolicyCommand::Select, "SELECT"),
    (PolicyCommand::Insert, "INSERT"),
    (PolicyCommand::Update, "UPDATE"),
    (PolicyCommand::Delete, "DELETE"),
];

impl SchemaRule for RlsPermissiveOrBypass {
    /// Reads the table's policies alone (with the roles that bypass them).
    fn per_table(&self) -> Option<&'static [crate::rules::memo::Beyond]> {
        Some(&[])
    }

    fn check(&self, cx: &mut SchemaCtx<'_>) {
        for table in cx.tables() {
            let perms: Vec<&Policy> = user_policies(table).filter(|p| p.permissive).collect();
            if perms.len() < 2 {
                continue;
            }
            let public = Ident::new("public");
            // A role that bypasses row level security never evaluates a
            // policy: how its policies combine does not matter.
            let roles: BTreeSet<&Ident> = perms
                .iter()
                .flat_map(|p| p.roles.iter())
                .chain(std::iter::once(&public))
                .filter(|r| !cx.catalog.bypasses_rls(r))
                .collect();
            // Cost-only groups, merged across commands: set -> (commands, roles).
            let mut costly: BTreeMap<Vec<usize>, (Vec<&str>, BTreeSet<&Ident>)> = BTreeMap::new();
            for (cmd, cmd_name) in COMMANDS {
                // Policy set -> the roles it applies to together.
                let mut groups: BTreeMap<Vec<usize>, Vec<&Ident>> = BTreeMap::new();
                for role in &roles {
                    let set: Vec<usize> = perms
                        .iter()
                        .enumerate()
                        .filter(|(_, p)| {
                            applies_to(p, cmd) && p.roles.iter().any(|r| r == *role || *r == public)
                        })
                        .map(|(i, _)| i)
                        .collect();
                    if set.len() >= 2 {
                        groups.entry(set).or_default().push(role);
                    }
                }
                for (set, group_roles) in groups {
                    let group: Vec<&Policy> =
                        set.iter().filter_map(|i| perms.get(*i).copied()).collect();
                    let role_text = roles_text(group_roles.iter().copied(), &public);
                    // Only a cost when nothing is bypassed; and none when a
                    // policy always passes: PostgreSQL folds the OR to true
                    // when planning and evaluates nothing per row.
                    if !report_bypass(cx, table, cmd, cmd_name, &group, &role_text)
                        && !group.iter().any(|p| always_passes(p, cmd))
                    {
                        let entry = costly.entry(set).or_default();
                        entry.0.push(cmd_name);
                        entry.1.extend(group_roles);
                    }
                }
            }
            for (set, (cmds, group_roles)) in costly {
                let group: Vec<&Policy> =
                    set.iter().filter_map(|i| perms.get(*i).copied()).collect();
                let names: Vec<String> = group.iter().map(|p| format!("`{}`", p.name)).collect();
                let last = group.iter().filter_map(|p| p.origin.span()).max();
                cx.report_with_severity(
                    Severity::Warning,
                    &table.name,
                    last,
                    format!(
                        "{} permissive policies on `{}` apply to {} for {} and are all evaluated for every row: {}",
                        group.len(),
                        table.name,
                        roles_text(group_roles.into_iter(), &public),
                        cmds.join(", "),
                        names.join(", ")
                    ),
                );
            }
        }
    }
}

/// Whether `p`'s condition for `cmd` is the constant `true` (INSERT is
/// checked by WITH CHECK, or by USING when there is none).
fn always_passes(p: &Policy, cmd: PolicyCommand) -> bool {
    let cond = if cmd == PolicyCommand::Insert {
        p.with_check.as_ref().or(p.using.as_ref())
    } else {
        p.using.as_ref()
    };
    cond.is_some_and(|e| crate::sql::expr::is_constant_true(&e.node()))
}

fn roles_text<'a>(roles: impl Iterator<Item = &'a Ident>, public: &Ident) -> String {
    let roles: Vec<&Ident> = roles.collect();
    if roles.contains(&public) {
        return "every role".to_string();
    }
    let names: Vec<String> = roles.iter().map(|r| format!("`{r}`")).collect();
    names.join(", ")
}

/// Reports the first pair of the group where one policy bypasses a
/// condition of the other; false when there is none.
fn report_bypass(
    cx: &mut SchemaCtx<'_>,
    table: &crate::catalog::Table,
    cmd: PolicyCommand,
    cmd_name: &str,
    group: &[&Policy],
    roles: &str,
) -> bool {
    // Pairs in creation order first, so the finding lands on the later policy.
    for (i, p) in group.iter().enumerate() {
        for (j, q) in group.iter().enumerate() {
            if i == j {
                continue;
            }
            let (Some(pc), Some(qc)) = (condition(p, cmd), condition(q, cmd)) else {
                continue;
            };
            if let Some(dropped) = bypassed(pc, qc) {
                let at = if j > i { q } else { p };
                cx.report_with_severity(
                    Severity::Error,
                    &table.name,
                    at.origin.span(),
                    format!(
                        "permissive {cmd_name} policies `{}` and `{}` on `{}` are OR'ed for {roles}, so `{}` lets through rows that fail `{dropped}` of `{}`",
                        p.name, q.name, table.name, q.name, p.name
                    ),
                );
                return true;
            }
        }
    }
    false
}

/// The condition a policy applies to rows for `cmd`.
fn condition(p: &Policy, cmd: PolicyCommand) -> Option<&Expr> {
    match cmd {
        PolicyCommand::Insert => p.with_check.as_ref().or(p.using.as_ref()),
        _ => p.using.as_ref(),
    }
}

/// A conjunct of `p` that `q` drops while both share another conjunct: `q`
/// adds nothing of its own, or only the opposite of the dropped test.
fn bypassed(p: &Expr, q: &Expr) -> Option<String> {
    let parts = |e: &Expr| -> Vec<(String, pb::Node)> {
        expr::conjuncts(&e.node())
            .into_iter()
            .filter(|n| !expr::is_constant_true(n))
            .map(|n| (expr::to_sql(n), n.clone()))
            .collect()
    };
    let (ps, qs) = (parts(p), parts(q));
    let in_q = |s: &String| qs.iter().any(|(t, _)| t == s);
    let in_p = |s: &String| ps.iter().any(|(t, _)| t == s);
    if !ps.iter().any(|(s, _)| in_q(s)) {
        return None;
    }
    let only_p: Vec<&(String, pb::Node)> = ps.iter().filter(|(s, _)| !in_q(s)).collect();
    let only_q: Vec<&(String, pb::Node)> = qs.iter().filter(|(s, _)| !in_p(s)).collect();
    match (only_p.as_slice(), only_q.as_slice()) {
        ([first, ..], []) => Some(first.0.clone()),
        ([(x, xn)], [(_, yn)]) if complementary(xn, yn) => Some(x.clone()),
        _ => None,
    }
}

/// `a IS NULL` / `a IS NOT NULL`, `x` / `NOT x`, `a = b` / `a <> b`,
/// `a IS TRUE` / `a IS NOT TRUE`: one holds exactly where the other fails.
fn complementary(x: &pb::Node, y: &pb::Node) -> bool {
    let negates = |a: &pb::Node, b: &pb::Node| match &a.node {
        Some(NodeEnum::BoolExpr(e)) if e.boolop() == BoolExprType::NotExpr => {
            matches!(e.args.as_slice(), [inner] if expr::to_sql(inner) == expr::to_sql(b))
        }
        _ => false,
    };
    if negates(x, y) || negates(y, x) {
        return true;
    }
    let text = |n: &Option<Box<pb::Node>>| n.as_deref().map(expr::to_sql);
    match (&x.node, &y.node) {
        (Some(NodeEnum::NullTest(a)), Some(NodeEnum::NullTest(b))) => {
            a.nulltesttype() != b.nulltesttype()
                && a.nulltesttype() != NullTestType::Undefined
                && b.nulltesttype() != NullTestType::Undefined
                && text(&a.arg) == text(&b.arg)
        }
        (Some(NodeEnum::BooleanTest(a)), Some(NodeEnum::BooleanTest(b))) => {
            use BoolTestType as T;
            let opposite = matches!(
                (a.booltesttype(), b.booltesttype()),
                (T::IsTrue, T::IsNotTrue)
                    | (T::IsNotTrue, T::IsTrue)
                    | (T::IsFalse, T::IsNotFalse)
                    | (T::IsNotFalse, T::IsFalse)
            );
            opposite && text(&a.arg) == text(&b.arg)
        }
        (Some(NodeEnum::AExpr(a)), Some(NodeEnum::AExpr(b))) => {
            let (oa, ob) = (ast::strings(&a.name), ast::strings(&b.name));
            let eq_ne = |o: &[String], p: &[String]| o == ["="] && (p == ["<>"] || p == ["!="]);
            (eq_ne(&oa, &ob) || eq_ne(&ob, &oa))
                && text(&a.lexpr) == text(&b.lexpr)
                && text(&a.rexpr) == text(&b.rexpr)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet};

    const TABLE: &str = "create table public.v (id int primary key, user_id uuid, deleted_at timestamptz, org uuid, is_public boolean);\nalter table public.v enable row level security;\n";

    #[test]
    fn policies_of_a_role_that_bypasses_rls_are_never_combined() {
        let policies = |role: &str| {
            format!("{TABLE}create policy active on public.v for select to {role} using (deleted_at is null);\ncreate policy trash on public.v for select to {role} using (deleted_at is not null);")
        };
        // Supabase's service_role has BYPASSRLS: no policy is evaluated for it.
        quiet("rls-permissive-or-bypass", &policies("service_role"));
        fires("rls-permissive-or-bypass", &policies("authenticated"));
    }

    #[test]
    fn soft_delete_filter_cancelled_is_an_error_at_the_later_policy() {
        let out = fires(
            "rls-permissive-or-bypass",
            &format!("{TABLE}create policy active on public.v for select using (auth.uid() = user_id and deleted_at is null);\n\ncreate policy trash on public.v for select using (auth.uid() = user_id and deleted_at is not null);"),
        );
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(out.starts_with("test.sql:5:1 "), "{out}");
        assert!(out.contains("`deleted_at IS NULL`"), "{out}");
    }

    #[test]
    fn broader_policy_kept_next_to_a_narrower_one_is_an_error() {
        let out = fires(
            "rls-permissive-or-bypass",
            &format!("{TABLE}create policy own on public.v for all to authenticated using (user_id = (select auth.uid()));\ncreate policy own_active on public.v for select to authenticated using (user_id = (select auth.uid()) and deleted_at is null);"),
        );
        assert!(out.contains("`deleted_at IS NULL`"), "{out}");
    }

    #[test]
    fn different_ways_in_are_only_a_warning() {
        let out = fires(
            "rls-permissive-or-bypass",
            &format!("{TABLE}create policy own on public.v for select to authenticated using (user_id = (select auth.uid()));\ncreate policy published on public.v for select to authenticated using (is_public);"),
        );
        assert!(
            out.contains("2 permissive policies") && out.contains("for SELECT"),
            "{out}"
        );
    }

    #[test]
    fn different_roles_or_commands_do_not_combine() {
        quiet(
            "rls-permissive-or-bypass",
            &format!("{TABLE}create policy a on public.v for select to anon using (is_public);\ncreate policy b on public.v for select to authenticated using (user_id = (select auth.uid()));\ncreate policy c on public.v for insert to authenticated with check (user_id = (select auth.uid()));"),
        );
    }

    #[test]
    fn restrictive_policies_do_not_count() {
        quiet(
            "rls-permissive-or-bypass",
            &format!("{TABLE}create policy own on public.v for select to authenticated using (user_id = (select auth.uid()));\ncreate policy live on public.v as restrictive for select to authenticated using (deleted_at is null);"),
        );
    }

    #[test]
    fn for_all_counts_for_each_command_and_public_for_each_role() {
        let out = fires(
            "rls-permissive-or-bypass",
            &format!("{TABLE}create policy a on public.v for all using (user_id = (select auth.uid()));\ncreate policy b on public.v for delete to authenticated using (org is not null);"),
        );
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(
            out.contains("DELETE") && out.contains("`authenticated`"),
            "{out}"
        );
    }

    fn severities(sql: &str, config: &str) -> Vec<crate::findings::Severity> {
        let mut cfg = crate::config::Config::parse(config, "test").unwrap();
        cfg.select = Some(vec!["rls-permissive-or-bypass".to_string()]);
        let report = crate::lint_sources(
            vec![("test.sql".to_string(), sql.to_string())],
            &cfg,
            &crate::test_support::supabase(),
        );
        report.findings.iter().map(|f| f.severity).collect()
    }

    #[test]
    fn a_policy_that_always_passes_costs_nothing_per_row() {
        use crate::findings::Severity;
        // PostgreSQL folds `... OR true` when planning: no per-row cost to report.
        let sql = format!("{TABLE}create policy own on public.v for select to authenticated using (user_id = (select auth.uid()));\ncreate policy everyone on public.v for select to authenticated using (true);");
        assert!(
            !severities(&sql, "").contains(&Severity::Warning),
            "{:?}",
            severities(&sql, "")
        );
    }

    #[test]
    fn cost_only_is_a_warning_unless_a_level_is_configured() {
        use crate::findings::Severity;
        let sql = format!("{TABLE}create policy own on public.v for select to authenticated using (user_id = (select auth.uid()));\ncreate policy published on public.v for select to authenticated using (is_public);");
        assert_eq!(severities(&sql, ""), [Severity::Warning]);
        assert_eq!(
            severities(&sql, "rules:\n  rls-permissive-or-bypass: info\n"),
            [Severity::Info]
        );
        // A level equal to the rule's default is still the user's choice.
        assert_eq!(
            severities(&sql, "rules:\n  rls-permissive-or-bypass: error\n"),
            [Severity::Error]
        );
    }
}
