//! Reading parsed SQL expressions: policy conditions, CHECKs, predicates.

use pg_query::protobuf::{self as pb, Node};
use pg_query::{NodeEnum, NodeRef};

use crate::sql::ast;

/// The expression as SQL text, as PostgreSQL's deparser writes it
/// (`deleted_at IS NULL`); `...` if it cannot be deparsed.
///
/// The wrapper statement comes from the parser, not from `Default`: the C
/// deparser aborts the process on enum fields left at protobuf's 0.
pub fn to_sql(node: &Node) -> String {
    let Ok(mut tree) = pg_query::parse("select 1", pg_query::ParserOptions::default()) else {
        return "...".to_string();
    };
    let target = tree
        .protobuf
        .stmts
        .first_mut()
        .and_then(|raw| raw.stmt.as_mut())
        .and_then(|stmt| match stmt.node.as_mut() {
            Some(NodeEnum::SelectStmt(select)) => select.target_list.first_mut(),
            _ => None,
        })
        .and_then(|target| match target.node.as_mut() {
            Some(NodeEnum::ResTarget(rt)) => Some(rt),
            _ => None,
        });
    let Some(target) = target else {
        return "...".to_string();
    };
    target.val = Some(Box::new(node.clone()));
    match pg_query::deparse(&tree.protobuf, pg_query::DeparseOptions::default()) {
        Ok(sql) => sql
            .strip_prefix("SELECT ")
            .map_or(sql.clone(), str::to_string),
        Err(_) => "...".to_string(),
    }
}

/// Parses one SQL expression (`deleted_at is null`), as a live source reads
/// policy conditions and CHECKs back from pg_catalog; None if it does not parse.
pub fn parse(sql: &str) -> Option<Box<Node>> {
    let parsed =
        pg_query::parse(&format!("select {sql}"), pg_query::ParserOptions::default()).ok()?;
    let stmt = parsed.protobuf.stmts.into_iter().next()?.stmt?;
    let Some(NodeEnum::SelectStmt(select)) = stmt.node else {
        return None;
    };
    match select.target_list.into_iter().next()?.node? {
        NodeEnum::ResTarget(rt) => rt.val,
        _ => None,
    }
}

/// Every node in the expression (decoded with [`Expr::node`]), depth-first,
/// the root first.
pub fn nodes(expr: &Node) -> Vec<NodeRef<'_>> {
    match &expr.node {
        Some(n) => ast::descendants(n),
        None => Vec::new(),
    }
}

/// The function name of a call, split into (schema, name), lowercased as
/// PostgreSQL folds unquoted names (the parser already did).
pub fn call_name(call: &pb::FuncCall) -> Option<(Option<String>, String)> {
    ast::split_name(&call.funcname)
}

/// Every function call in the expression, with its name.
pub fn calls(expr: &Node) -> Vec<(&pb::FuncCall, Option<String>, String)> {
    nodes(expr)
        .into_iter()
        .filter_map(|n| match n {
            NodeRef::FuncCall(c) => call_name(c).map(|(s, name)| (c, s, name)),
            _ => None,
        })
        .collect()
}

/// Column references as their name parts (`[t, col]` for `t.col`); `*` is skipped.
pub fn column_refs(expr: &Node) -> Vec<(Vec<String>, i32)> {
    nodes(expr)
        .into_iter()
        .filter_map(|n| match n {
            NodeRef::ColumnRef(c) => {
                let parts = ast::strings(&c.fields);
                (parts.len() == c.fields.len()).then_some((parts, c.location))
            }
            _ => None,
        })
        .collect()
}

/// The top-level AND-ed parts of a condition (`a AND (b AND c)` -> a, b, c).
pub fn conjuncts(node: &Node) -> Vec<&Node> {
    match &node.node {
        Some(NodeEnum::BoolExpr(b)) if b.boolop() == pb::BoolExprType::AndExpr => {
            b.args.iter().flat_map(conjuncts).collect()
        }
        _ => vec![node],
    }
}

/// `true`, `'true'::boolean` or `1 = 1` style constants that always hold.
pub fn is_constant_true(node: &Node) -> bool {
    match &node.node {
        Some(NodeEnum::AConst(c)) => matches!(
            &c.val,
            Some(pb::a_const::Val::Boolval(b)) if b.boolval
        ),
        Some(NodeEnum::TypeCast(tc)) => {
            let is_bool = tc.type_name.as_ref().is_some_and(|t| {
                ast::strings(&t.names)
                    .last()
                    .is_some_and(|n| n == "bool" || n == "boolean")
            });
            is_bool
                && tc.arg.as_deref().is_some_and(|a| {
                    ast::const_text(a).is_some_and(|t| {
                        matches!(
                            t.to_ascii_lowercase().as_str(),
                            "true" | "t" | "yes" | "on" | "1"
                        )
                    }) || is_constant_true(a)
                })
        }
        Some(NodeEnum::AExpr(e)) => {
            let op = ast::strings(&e.name);
            op == ["="]
                && match (e.lexpr.as_deref(), e.rexpr.as_deref()) {
                    (Some(l), Some(r)) => {
                        ast::const_text(l).is_some() && ast::const_text(l) == ast::const_text(r)
                    }
                    _ => false,
                }
        }
        _ => false,
    }
}

/// Subqueries (`EXISTS (...)`, `x IN (SELECT ...)`, scalar `(SELECT ...)`).
pub fn sublinks(expr: &Node) -> Vec<&pb::SubLink> {
    nodes(expr)
        .into_iter()
        .filter_map(|n| match n {
            NodeRef::SubLink(s) => Some(s),
            _ => None,
        })
        .collect()
}

/// Tables read anywhere in the expression (inside subqueries), as (schema, name).
pub fn relations(expr: &Node) -> Vec<(Option<String>, String, i32)> {
    nodes(expr)
        .into_iter()
        .filter_map(|n| match n {
            NodeRef::RangeVar(rv) => {
                let (schema, name) = ast::range_var_name(rv);
                Some((schema, name, rv.location))
            }
            _ => None,
        })
        .collect()
}

/// Where an expression's text starts: the smallest location among its
/// located nodes (calls, column references, constants, subqueries, casts).
pub fn leftmost(node: &pb::Node) -> Option<i32> {
    let n = node.node.as_ref()?;
    ast::descendants(n)
        .into_iter()
        .filter_map(|d| match d {
            NodeRef::FuncCall(c) => Some(c.location),
            NodeRef::ColumnRef(c) => Some(c.location),
            NodeRef::AConst(c) => Some(c.location),
            NodeRef::SubLink(s) => Some(s.location),
            NodeRef::TypeCast(t) => Some(t.location),
            _ => None,
        })
        .filter(|l| *l >= 0)
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(sql: &str) -> Box<Node> {
        parse(sql).unwrap()
    }

    #[test]
    fn deparses_conditions() {
        let e = expr("deleted_at is null and owner = (select auth.uid())");
        assert_eq!(
            to_sql(&e),
            "deleted_at IS NULL AND owner = (SELECT auth.uid())"
        );
        let parts: Vec<String> = conjuncts(&e).into_iter().map(to_sql).collect();
        assert_eq!(parts, ["deleted_at IS NULL", "owner = (SELECT auth.uid())"]);
    }

    #[test]
    fn constant_true_forms() {
        for t in ["true", "'true'::boolean", "1 = 1", "'t'::bool"] {
            assert!(is_constant_true(&expr(t)), "{t}");
        }
        for f in ["false", "x = 1", "1 = 2", "owner = auth.uid()"] {
            assert!(!is_constant_true(&expr(f)), "{f}");
        }
    }

    #[test]
    fn calls_columns_and_relations() {
        let e = expr("auth.uid() = user_id or exists (select 1 from public.members m where m.team = team_id)");
        let names: Vec<String> = calls(&e)
            .into_iter()
            .map(|(_, s, n)| format!("{}.{n}", s.unwrap_or_default()))
            .collect();
        assert_eq!(names, ["auth.uid"]);
        assert!(column_refs(&e).iter().any(|(p, _)| p == &["m", "team"]));
        assert_eq!(relations(&e)[0].1, "members");
        assert_eq!(sublinks(&e).len(), 1);
    }
}
