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

/// The text of a string expression with constant parts only: a literal
/// (`'create table t ()'`), a concatenation of literals, or `format()` of a
/// literal template with `%s`, `%I`, `%L` and `%%` and literal arguments, as
/// PostgreSQL would compute it. None for anything that depends on a value
/// known only when it runs.
pub fn constant_text(node: &Node) -> Option<String> {
    constant_text_with(node, &|_| None)
}

/// As [`constant_text`], where a column reference (a PL/pgSQL variable or a
/// record's field: `s`, `pol.policyname`) has the value `vars` gives it,
/// and `quote_ident` / `quote_literal` of a constant are computed.
pub fn constant_text_with(
    node: &Node,
    vars: &dyn Fn(&[String]) -> Option<String>,
) -> Option<String> {
    let text = |n: &Node| constant_text_with(n, vars);
    match node.node.as_ref()? {
        NodeEnum::ColumnRef(c) => vars(&ast::strings(&c.fields)),
        NodeEnum::AConst(c) => match c.val.as_ref()? {
            pb::a_const::Val::Sval(s) => Some(s.sval.clone()),
            pb::a_const::Val::Ival(i) => Some(i.ival.to_string()),
            _ => None,
        },
        NodeEnum::TypeCast(c) => text(c.arg.as_deref()?),
        NodeEnum::AExpr(a)
            if a.kind == pb::AExprKind::AexprOp as i32
                && ast::strings(&a.name).last().is_some_and(|op| op == "||") =>
        {
            Some(text(a.lexpr.as_deref()?)? + &text(a.rexpr.as_deref()?)?)
        }
        NodeEnum::FuncCall(f) => {
            let name = ast::strings(&f.funcname);
            let name = match name
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .as_slice()
            {
                [n] | ["pg_catalog", n] => (*n).to_string(),
                _ => return None,
            };
            let mut args = f.args.iter();
            match (name.as_str(), f.args.len()) {
                ("format", _) => {
                    let template = text(args.next()?)?;
                    let values: Vec<String> = args.map(text).collect::<Option<_>>()?;
                    format_text(&template, &values)
                }
                // Always quoted, as %I: "name" reads back as exactly name.
                ("quote_ident", 1) => format_text("%I", &[text(args.next()?)?]),
                ("quote_literal", 1) => format_text("%L", &[text(args.next()?)?]),
                _ => None,
            }
        }
        _ => None,
    }
}

/// PostgreSQL's `format()` for `%s`, `%I`, `%L` and `%%` (no positions or
/// widths): None for anything else, or too few arguments.
fn format_text(template: &str, values: &[String]) -> Option<String> {
    let mut out = String::with_capacity(template.len());
    let mut next = values.iter();
    let mut chars = template.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '%' => out.push('%'),
            's' => out.push_str(next.next()?),
            // Always quoted: "name" reads back as exactly name.
            'I' => {
                out.push('"');
                out.push_str(&next.next()?.replace('"', "\"\""));
                out.push('"');
            }
            'L' => {
                out.push('\'');
                out.push_str(&next.next()?.replace('\'', "''"));
                out.push('\'');
            }
            _ => return None,
        }
    }
    Some(out)
}

/// The direct children of the node kinds expressions are made of, to
/// change in place (`nodes` reads every node; this walks what a rewrite
/// of an expression needs: operators, calls, CASE, sublinks, ...).
pub fn children_mut(node: &mut NodeEnum) -> Vec<&mut Node> {
    let mut out: Vec<&mut Node> = Vec::new();
    match node {
        NodeEnum::AExpr(a) => {
            out.extend(a.lexpr.as_deref_mut());
            out.extend(a.rexpr.as_deref_mut());
        }
        NodeEnum::BoolExpr(b) => out.extend(b.args.iter_mut()),
        NodeEnum::FuncCall(f) => out.extend(f.args.iter_mut()),
        NodeEnum::NullTest(n) => out.extend(n.arg.as_deref_mut()),
        NodeEnum::BooleanTest(n) => out.extend(n.arg.as_deref_mut()),
        NodeEnum::AArrayExpr(a) => out.extend(a.elements.iter_mut()),
        NodeEnum::List(l) => out.extend(l.items.iter_mut()),
        NodeEnum::CaseExpr(c) => {
            out.extend(c.arg.as_deref_mut());
            out.extend(c.args.iter_mut());
            out.extend(c.defresult.as_deref_mut());
        }
        NodeEnum::CaseWhen(w) => {
            out.extend(w.expr.as_deref_mut());
            out.extend(w.result.as_deref_mut());
        }
        NodeEnum::CoalesceExpr(c) => out.extend(c.args.iter_mut()),
        NodeEnum::MinMaxExpr(m) => out.extend(m.args.iter_mut()),
        NodeEnum::AIndirection(i) => out.extend(i.arg.as_deref_mut()),
        NodeEnum::RowExpr(r) => out.extend(r.args.iter_mut()),
        NodeEnum::SubLink(s) => {
            out.extend(s.testexpr.as_deref_mut());
            out.extend(s.subselect.as_deref_mut());
        }
        NodeEnum::SelectStmt(s) => {
            out.extend(s.target_list.iter_mut());
            out.extend(s.from_clause.iter_mut());
            out.extend(s.where_clause.as_deref_mut());
            out.extend(s.having_clause.as_deref_mut());
            out.extend(s.group_clause.iter_mut());
        }
        NodeEnum::ResTarget(t) => out.extend(t.val.as_deref_mut()),
        NodeEnum::JoinExpr(j) => {
            out.extend(j.larg.as_deref_mut());
            out.extend(j.rarg.as_deref_mut());
            out.extend(j.quals.as_deref_mut());
        }
        _ => {}
    }
    out
}

/// Renames column references `old` (qualified or not) to `new` in place,
/// as PostgreSQL's stored expressions follow a column's rename. True when
/// one was renamed.
pub fn rename_column_refs(node: &mut Node, old: &str, new: &str) -> bool {
    rename_below(node, old, new, 0)
}

fn rename_below(node: &mut Node, old: &str, new: &str, depth: usize) -> bool {
    if depth > 200 {
        return false;
    }
    let Some(inner) = node.node.as_mut() else {
        return false;
    };
    if let NodeEnum::ColumnRef(r) = inner {
        if let Some(Some(NodeEnum::String(s))) = r.fields.last_mut().map(|f| f.node.as_mut()) {
            if s.sval == old {
                s.sval = new.to_string();
                return true;
            }
        }
        return false;
    }
    let mut any = false;
    for child in children_mut(inner) {
        any |= rename_below(child, old, new, depth + 1);
    }
    any
}

/// Whether the expression references column `name` (qualified or not).
pub fn mentions_column(node: &Node, name: &str) -> bool {
    column_refs(node)
        .iter()
        .any(|(parts, _)| parts.last().is_some_and(|p| p == name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(sql: &str) -> Box<Node> {
        parse(sql).unwrap()
    }

    #[test]
    fn constant_strings_are_computed_as_postgresql_would() {
        let text = |sql: &str| constant_text(&parse(sql).unwrap());
        assert_eq!(
            text("'create table t ()'").as_deref(),
            Some("create table t ()")
        );
        assert_eq!(
            text("format('alter table %I add column %s text default %L', 'My T', 'c', 'it''s')")
                .as_deref(),
            Some("alter table \"My T\" add column c text default 'it''s'")
        );
        assert_eq!(text("'a' || 'b'").as_deref(), Some("ab"));
        assert_eq!(text("format('100%%')").as_deref(), Some("100%"));
        // Values known only at run time.
        assert_eq!(text("format('drop table %I', tname)"), None);
        assert_eq!(text("'x' || v"), None);
        assert_eq!(text("format('%1$I', 'a')"), None);
        assert_eq!(text("format('%s %s', 'a')"), None);
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
