//! Facts about row level security policies that the rls rules share: where a
//! node of a policy condition lies in its file, which functions and tables a
//! condition or a function body reaches.

use std::collections::BTreeSet;

use pg_query::protobuf::{self as pb, Node, SubLinkType};
use pg_query::{NodeEnum, NodeRef};

use crate::catalog::{
    resolve, Catalog, Expr, Function, Ident, Policy, PolicyCommand, QualifiedName, Span, Table,
    Volatility,
};
use crate::sql::ast;
use crate::sql::expr;

/// How deep the rules follow functions that call functions.
pub const MAX_DEPTH: usize = 8;

/// A policy's conditions, still encoded: (`USING` or `WITH CHECK`, the
/// expression, the base its node locations count from).
pub fn encoded_conditions(p: &Policy) -> impl Iterator<Item = (&'static str, &Expr, Option<Span>)> {
    [
        ("USING", p.using.as_ref(), p.using_base),
        ("WITH CHECK", p.with_check.as_ref(), p.with_check_base),
    ]
    .into_iter()
    .filter_map(|(clause, e, base)| Some((clause, e?, base)))
}

/// A policy's conditions ([`encoded_conditions`]), decoded.
pub fn conditions(p: &Policy) -> Vec<(&'static str, Box<Node>, Option<Span>)> {
    encoded_conditions(p)
        .map(|(clause, e, base)| (clause, e.node(), base))
        .collect()
}

/// The span of a node of a policy condition that starts at `location` and
/// is about `len` bytes long (pg_query records no end; the caller passes
/// the deparsed length), inside the statement; else `fallback`.
pub fn node_span(
    base: Option<Span>,
    location: i32,
    len: usize,
    fallback: Option<Span>,
) -> Option<Span> {
    let (Some(base), Ok(loc)) = (base, u32::try_from(location)) else {
        return fallback;
    };
    let start = base.start.saturating_add(loc);
    if start >= base.end {
        return fallback;
    }
    let end = start
        .saturating_add(u32::try_from(len).unwrap_or(u32::MAX))
        .min(base.end);
    Some(Span {
        file: base.file,
        start,
        end,
    })
}

/// The policies whose condition calls `function` by name, as (table,
/// policy); the names resolve as the policy was written (`policy_search_path`).
pub fn policies_calling(cat: &Catalog, function: &QualifiedName) -> Vec<(QualifiedName, Ident)> {
    let path = policy_search_path();
    let mut out = Vec::new();
    for t in cat.tables.values() {
        for p in user_policies(t) {
            let calls = conditions(p).iter().any(|(_, cond, _)| {
                expr::calls(cond).iter().any(|(_, schema, name)| {
                    resolve::function(cat, &path, schema.as_deref(), name)
                        .is_ok_and(|qn| &qn == function)
                })
            });
            if calls {
                out.push((t.name.clone(), p.name.clone()));
            }
        }
    }
    out
}

/// Policies written by the migrations (not the platform's own).
pub fn user_policies(table: &Table) -> impl Iterator<Item = &Policy> {
    table.policies.iter().filter(|p| !p.origin.is_baseline())
}

/// The commands a policy applies to.
pub fn applies_to(p: &Policy, cmd: PolicyCommand) -> bool {
    p.command == cmd || p.command == PolicyCommand::All
}

/// `auth.uid()`, `auth.jwt()`, `auth.role()`, `auth.email()` and
/// `current_setting()`: they read the request, not the row, so their value
/// is the same for every row of a statement.
pub fn is_request_function(schema: Option<&str>, name: &str) -> bool {
    match schema {
        Some("auth") => matches!(name, "uid" | "jwt" | "role" | "email"),
        None | Some("pg_catalog") => name == "current_setting",
        _ => false,
    }
}

/// The calls of a policy condition that read the request (`auth.uid()`, a
/// function that calls it, ...) and run once per row because no scalar
/// subquery wraps them. Calls inside EXISTS / IN subqueries count: a
/// correlated subquery runs them for every outer row too.
pub fn bare_request_calls<'e>(cat: &Catalog, cond: &'e Node) -> Vec<&'e pb::FuncCall> {
    // A call in a subquery that reads nothing of the row still runs once
    // per row the subquery scans (measured: `IN (select id from jobs where
    // ip = f())` called f once per row of jobs); `(select f())` runs once.
    let wrapped = calls_in_scalar_subqueries(cond);
    expr::calls(cond)
        .into_iter()
        .map(|(call, _, _)| call)
        .filter(|call| !wrapped.contains(&std::ptr::from_ref(*call)))
        .filter(|call| is_per_statement_call(cat, call))
        .collect()
}

/// Calls inside a scalar subquery `(select ...)`, which PostgreSQL evaluates
/// once per statement (an initPlan) when it does not refer to the row, or
/// inside `IN (select f())` without FROM, which it also evaluates once.
pub fn calls_in_scalar_subqueries(e: &Node) -> Vec<*const pb::FuncCall> {
    let mut out = Vec::new();
    for s in expr::sublinks(e) {
        let Some(sub) = s.subselect.as_deref().and_then(|n| n.node.as_ref()) else {
            continue;
        };
        let without_from = matches!(sub, NodeEnum::SelectStmt(sel) if sel.from_clause.is_empty());
        if s.sub_link_type() != SubLinkType::ExprSublink && !without_from {
            continue;
        }
        for n in ast::descendants(sub) {
            if let NodeRef::FuncCall(c) = n {
                out.push(std::ptr::from_ref(c));
            }
        }
    }
    out
}

/// Whether any node below `node` is a column reference (the row).
pub fn mentions_columns(node: &pb::Node) -> bool {
    node.node.as_ref().is_some_and(|n| {
        ast::descendants(n)
            .into_iter()
            .any(|d| matches!(d, NodeRef::ColumnRef(_) | NodeRef::SubLink(_)))
    })
}

/// The unqualified-name search path of a function's body: its `SET
/// search_path`, else `public`.
pub fn function_search_path(f: &Function) -> Vec<Ident> {
    match f.config.get("search_path") {
        Some(value) => value
            .split(',')
            .map(|s| s.trim().trim_matches(|c| c == '\'' || c == '"').trim())
            .filter(|s| !s.is_empty() && *s != "$user" && *s != "pg_temp")
            .map(Ident::new)
            .collect(),
        None => vec![Ident::new("public")],
    }
}

/// The search path assumed for names in policy conditions, which PostgreSQL
/// resolved when the policy was created (Supabase's default: `public`).
pub fn policy_search_path() -> Vec<Ident> {
    vec![Ident::new("public")]
}

/// The catalog's overloads of a function named in SQL.
pub fn functions<'a>(
    cat: &'a Catalog,
    search_path: &[Ident],
    schema: Option<&str>,
    name: &str,
) -> &'a [Function] {
    resolve::function(cat, search_path, schema, name)
        .ok()
        .and_then(|qn| cat.functions.get(&qn))
        .map_or(&[], |v| v.as_slice())
}

/// A table named in SQL, if the catalog has it.
pub fn table(
    cat: &Catalog,
    search_path: &[Ident],
    schema: Option<&str>,
    name: &str,
) -> Option<QualifiedName> {
    resolve::table(cat, search_path, schema, name).ok()
}

/// What a function body names: functions it calls and tables it reads.
#[derive(Default)]
pub struct BodyRefs {
    pub calls: Vec<(Option<String>, String)>,
    pub tables: Vec<(Option<String>, String)>,
}

/// Function calls and tables in a function body, read from PostgreSQL's
/// parse trees: an SQL body parsed as SQL, a PL/pgSQL body through the
/// PL/pgSQL parser (`catalog::body`, parsed once per function), each SQL
/// statement and expression in it parsed as SQL. A body that does not
/// parse names nothing here (`body-not-analyzed` and the coverage account
/// report it). A CTE's name can be taken for a table; a table only counts
/// when the catalog has it.
pub fn body_refs(f: &Function) -> BodyRefs {
    let mut refs = BodyRefs::default();
    let mut add = |node: &NodeEnum| {
        for n in ast::descendants(node) {
            match n {
                NodeRef::FuncCall(c) => refs.calls.extend(expr::call_name(c)),
                NodeRef::RangeVar(rv) => refs.tables.push(ast::range_var_name(rv)),
                _ => {}
            }
        }
    };
    match crate::catalog::body::parse(f) {
        Some(Ok(body)) => {
            // A text is an SQL statement, an expression, or an assignment
            // (`x := value`), which the parser keeps whole.
            for text in body.sql_texts() {
                let node = crate::sql::plpgsql::sql_statement(text)
                    .or_else(|| expr::parse(text).and_then(|e| e.node))
                    .or_else(|| {
                        let value = crate::sql::plpgsql::assignment_value(text);
                        expr::parse(value).and_then(|e| e.node)
                    });
                if let Some(node) = node {
                    add(&node);
                }
            }
        }
        Some(Err(_)) => {}
        None if f.language.as_str() == "sql" => {
            let Some(body) = f.body.as_deref() else {
                return refs;
            };
            if let Ok(parsed) = pg_query::parse(body, pg_query::ParserOptions::default()) {
                for raw in &parsed.protobuf.stmts {
                    if let Some(node) = raw.stmt.as_ref().and_then(|s| s.node.as_ref()) {
                        add(node);
                    }
                }
            }
        }
        None => {}
    }
    refs
}

/// Whether calling `f` reads the request (one of [`is_request_function`]),
/// directly or through functions it calls.
pub fn reads_request(cat: &Catalog, f: &Function) -> bool {
    let mut seen = BTreeSet::new();
    reads_request_from(cat, f, 0, &mut seen)
}

fn reads_request_from(
    cat: &Catalog,
    f: &Function,
    depth: usize,
    seen: &mut BTreeSet<QualifiedName>,
) -> bool {
    if depth > MAX_DEPTH || !seen.insert(f.name.clone()) {
        return false;
    }
    let path = function_search_path(f);
    body_refs(f).calls.iter().any(|(schema, name)| {
        is_request_function(schema.as_deref(), name)
            || functions(cat, &path, schema.as_deref(), name)
                .iter()
                .any(|g| reads_request_from(cat, g, depth + 1, seen))
    })
}

/// A call in a policy that could be evaluated once per statement instead of
/// once per row: a request function, or a function that is not IMMUTABLE,
/// reads the request and gets no column of the row as argument.
pub fn is_per_statement_call(cat: &Catalog, call: &pb::FuncCall) -> bool {
    let Some((schema, name)) = expr::call_name(call) else {
        return false;
    };
    if is_request_function(schema.as_deref(), &name) {
        return true;
    }
    if call.args.iter().any(mentions_columns) || call.agg_star || call.over.is_some() {
        return false;
    }
    functions(cat, &policy_search_path(), schema.as_deref(), &name)
        .iter()
        .any(|f| f.volatility != Volatility::Immutable && reads_request(cat, f))
}

/// How a call is written, for messages: `auth.uid()`.
pub fn call_text(call: &pb::FuncCall) -> String {
    // A call without arguments prints as its quoted name and `()`; the
    // deparser (a parse and a deparse) is for everything else.
    let plain = call.args.is_empty()
        && !call.agg_star
        && !call.agg_distinct
        && !call.func_variadic
        && call.over.is_none()
        && call.agg_filter.is_none()
        && call.agg_order.is_empty();
    if plain {
        let parts = ast::strings(&call.funcname);
        if !parts.is_empty() && parts.len() == call.funcname.len() {
            let quoted: Vec<String> = parts
                .iter()
                .map(|p| Ident::new(p.as_str()).to_string())
                .collect();
            return format!("{}()", quoted.join("."));
        }
    }
    let node = pb::Node {
        node: Some(NodeEnum::FuncCall(Box::new(call.clone()))),
    };
    expr::to_sql(&node)
}

/// Whether a subquery names only its own tables' columns: every column
/// reference is qualified by a table or alias of the subquery, or is a
/// column of one of its tables. A table the model does not have makes it
/// count as correlated (its columns are unknown).
pub fn is_uncorrelated(cat: &Catalog, path: &[Ident], sub: &pg_query::NodeEnum) -> bool {
    let nodes = ast::descendants(sub);
    let mut names: Vec<String> = Vec::new();
    let mut columns: Vec<String> = Vec::new();
    for n in &nodes {
        let NodeRef::RangeVar(rv) = n else { continue };
        let (schema, name) = ast::range_var_name(rv);
        let Some(t) = table(cat, path, schema.as_deref(), &name).and_then(|qn| cat.table(&qn))
        else {
            return false;
        };
        // With an alias, only the alias names the subquery's table: a
        // reference by the table's name is to the outer row.
        match &rv.alias {
            Some(alias) => names.push(alias.aliasname.clone()),
            None => names.push(rv.relname.clone()),
        }
        columns.extend(t.columns.iter().map(|c| c.name.as_str().to_string()));
    }
    nodes.iter().all(|n| match n {
        NodeRef::ColumnRef(c) => match ast::strings(&c.fields).as_slice() {
            [.., qualifier, _] => names.contains(qualifier),
            [column] => columns.contains(column),
            [] => true,
        },
        _ => true,
    })
}

/// The roles that reach `t`'s rows today through a privilege of their own
/// (on the table or one of its columns, PUBLIC included) and that row level
/// security would apply to: not its owner (when no migration named one, the
/// role that ran them, `postgres` on Supabase), nor a role that bypasses it.
/// Members of these roles reach the rows through them, and a policy `TO` a
/// role applies to its members too.
pub fn bound_grantees(cat: &Catalog, t: &Table) -> Vec<Ident> {
    let owner = t.owner.clone().unwrap_or_else(|| Ident::new("postgres"));
    let mut roles: BTreeSet<Ident> = t.grants.holders().cloned().collect();
    for c in &t.columns {
        roles.extend(c.grants.holders().cloned());
    }
    roles
        .into_iter()
        .filter(|r| *r != owner && !cat.bypasses_rls(r))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_text_without_arguments_matches_the_deparser() {
        for sql in [
            "auth.uid()",
            "public.\"My Fn\"()",
            "now()",
            "auth.jwt()",
            "current_setting('a.b', true)",
            "f(1)",
            "count(*)",
        ] {
            let e = expr::parse(sql).unwrap();
            let (call, _, _) = expr::calls(&e).into_iter().next().unwrap();
            let node = pb::Node {
                node: Some(NodeEnum::FuncCall(Box::new(call.clone()))),
            };
            assert_eq!(call_text(call), expr::to_sql(&node), "{sql}");
        }
    }

    fn function(sql: &str) -> Function {
        let (stmts, errors) = crate::sql::split::parse_file(crate::catalog::FileId(0), sql);
        assert!(errors.is_empty(), "{errors:?}");
        let mut r = crate::replay::Replayer::new(crate::catalog::baseline::catalog(
            crate::catalog::Platform::Supabase,
        ));
        r.start_file();
        for s in &stmts {
            r.apply(s);
        }
        r.catalog.functions[&QualifiedName::new("public", "f")][0].clone()
    }

    fn names(list: &[(Option<String>, String)]) -> Vec<String> {
        list.iter()
            .map(|(s, n)| format!("{}.{n}", s.clone().unwrap_or_default()))
            .collect()
    }

    #[test]
    fn reads_plpgsql_bodies_through_the_parser() {
        let f = function(
            "create function public.f() returns text language plpgsql as $$\n\
             declare r text := public.pick(1);\n\
             begin\n\
               perform public.touch(1);\n\
               if exists (select 1 from members m join \"Teams\" t on true) and public.ok() then\n\
                 return auth.role();\n\
               end if;\n\
               r := lower(r);\n\
               -- a comment naming fake.call() is not a call\n\
               return r;\n\
             end $$;",
        );
        let refs = body_refs(&f);
        let calls = names(&refs.calls);
        assert!(calls.contains(&"public.touch".to_string()), "{calls:?}");
        assert!(calls.contains(&"public.ok".to_string()), "{calls:?}");
        assert!(calls.contains(&"auth.role".to_string()), "{calls:?}");
        assert!(calls.contains(&"public.pick".to_string()), "{calls:?}");
        assert!(calls.contains(&".lower".to_string()), "{calls:?}");
        assert!(!calls.iter().any(|c| c.contains("fake")), "{calls:?}");
        let tables: Vec<&str> = refs.tables.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(tables, ["members", "Teams"]);
    }

    #[test]
    fn a_body_that_does_not_parse_names_nothing() {
        let f = function(
            "create function public.f() returns int language plpgsql as $$ begin retrun public.g(); end $$;",
        );
        let refs = body_refs(&f);
        assert!(refs.calls.is_empty() && refs.tables.is_empty());
    }

    #[test]
    fn node_span_stays_in_the_statement() {
        let base = Some(Span {
            file: crate::catalog::FileId(0),
            start: 100,
            end: 120,
        });
        let span = node_span(base, 10, 50, None).unwrap();
        assert_eq!((span.start, span.end), (110, 120));
        assert!(node_span(base, -1, 5, None).is_none());
    }
}
