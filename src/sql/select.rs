//! The output columns of a query, named as PostgreSQL names them when it
//! makes a view (`FigureColname` in parse_target.c), `*` expanded through
//! a caller's lookup of relations, and the relations a query reads.
//!
//! Anything this does not know for sure gives None: a caller compares
//! nothing rather than a guess.

use std::collections::BTreeSet;

use pg_query::protobuf::{self as pb, Node};
use pg_query::{NodeEnum, NodeRef};

use super::ast;

/// Looks a relation up by (schema, name) as written: its columns in order,
/// None when it is not known.
pub type Lookup<'a> = dyn Fn(Option<&str>, &str) -> Option<Vec<String>> + 'a;

/// Deeper than this is not followed.
const MAX_DEPTH: usize = 64;

/// The output column names of `query` (a `SelectStmt`), in order; None
/// when one of them cannot be worked out.
pub fn output_columns(query: &Node, relation: &Lookup) -> Option<Vec<String>> {
    let NodeEnum::SelectStmt(s) = query.node.as_ref()? else {
        return None;
    };
    select_columns(s, &[], relation, 0)
}

/// As [`output_columns`], for a `SelectStmt` itself (the query of a
/// `SELECT ... INTO`, whose INTO clause changes no name).
pub fn select_output_columns(s: &pb::SelectStmt, relation: &Lookup) -> Option<Vec<String>> {
    select_columns(s, &[], relation, 0)
}

/// A CTE in scope: its name and columns (None: not known).
type Cte = (String, Option<Vec<String>>);

fn select_columns(
    s: &pb::SelectStmt,
    outer: &[Cte],
    relation: &Lookup,
    depth: usize,
) -> Option<Vec<String>> {
    if depth > MAX_DEPTH {
        return None;
    }
    let scope = with_scope(s.with_clause.as_ref(), outer, relation, depth)?;
    // UNION, INTERSECT, EXCEPT: the left-most query names the columns.
    if s.op != pb::SetOperation::SetopNone as i32 && s.op != pb::SetOperation::Undefined as i32 {
        let left = s.larg.as_deref()?;
        return select_columns(left, &scope, relation, depth + 1);
    }
    if let Some(first) = s.values_lists.first() {
        let NodeEnum::List(row) = first.node.as_ref()? else {
            return None;
        };
        return Some(
            (1..=row.items.len())
                .map(|i| format!("column{i}"))
                .collect(),
        );
    }
    // The FROM items, resolved only if a `*` needs them.
    let mut from: Option<Vec<Item>> = None;
    let mut out = Vec::new();
    for t in &s.target_list {
        let NodeEnum::ResTarget(rt) = t.node.as_ref()? else {
            return None;
        };
        if !rt.name.is_empty() {
            out.push(rt.name.clone());
            continue;
        }
        let val = rt.val.as_deref()?;
        if let Some(NodeEnum::ColumnRef(c)) = &val.node {
            if matches!(
                c.fields.last().and_then(|f| f.node.as_ref()),
                Some(NodeEnum::AStar(_))
            ) {
                if from.is_none() {
                    let mut items = Vec::new();
                    for f in &s.from_clause {
                        items.push(from_item(f, &scope, relation, depth)?);
                    }
                    from = Some(items);
                }
                let items = from.as_deref().unwrap_or_default();
                let qualifier = ast::strings(&c.fields);
                out.extend(star(items, qualifier.last().map(String::as_str))?);
                continue;
            }
        }
        out.push(figure(val, &scope, relation, depth)?.name());
    }
    Some(out)
}

/// The CTEs visible in a query: those of its WITH clause, then the outer ones.
fn with_scope(
    with: Option<&pb::WithClause>,
    outer: &[Cte],
    relation: &Lookup,
    depth: usize,
) -> Option<Vec<Cte>> {
    let mut scope: Vec<Cte> = outer.to_vec();
    let Some(with) = with else {
        return Some(scope);
    };
    for c in &with.ctes {
        let NodeEnum::CommonTableExpr(cte) = c.node.as_ref()? else {
            return None;
        };
        // SEARCH and CYCLE add columns of their own.
        let plain = cte.search_clause.is_none() && cte.cycle_clause.is_none();
        let columns = match cte.ctequery.as_deref().and_then(|q| q.node.as_ref()) {
            Some(NodeEnum::SelectStmt(q)) if plain => {
                // A recursive CTE's own name is not known while its
                // non-recursive part is read: that part names the columns.
                select_columns(q, &scope, relation, depth + 1)
            }
            _ => None,
        }
        .map(|cols| rename(cols, &cte.aliascolnames));
        scope.insert(0, (cte.ctename.clone(), columns));
    }
    Some(scope)
}

/// The first names replaced by an alias list (`AS x (a, b)`).
fn rename(mut columns: Vec<String>, aliases: &[Node]) -> Vec<String> {
    for (c, a) in columns.iter_mut().zip(ast::strings(aliases)) {
        *c = a;
    }
    columns
}

/// A FROM item: the names it can be referred to by, with their columns,
/// and the columns an unqualified `*` gives.
struct Item {
    /// (reference name, columns) of each relation inside.
    named: Vec<(String, Vec<String>)>,
    all: Vec<String>,
}

fn from_item(node: &Node, scope: &[Cte], relation: &Lookup, depth: usize) -> Option<Item> {
    if depth > MAX_DEPTH {
        return None;
    }
    match node.node.as_ref()? {
        NodeEnum::RangeVar(rv) => {
            let cte = scope
                .iter()
                .find(|(name, _)| rv.schemaname.is_empty() && *name == rv.relname);
            let columns = match cte {
                Some((_, columns)) => columns.clone()?,
                None => {
                    let schema = (!rv.schemaname.is_empty()).then_some(rv.schemaname.as_str());
                    relation(schema, &rv.relname)?
                }
            };
            let (refname, columns) = match &rv.alias {
                Some(a) => (a.aliasname.clone(), rename(columns, &a.colnames)),
                None => (rv.relname.clone(), columns),
            };
            Some(Item {
                named: vec![(refname, columns.clone())],
                all: columns,
            })
        }
        NodeEnum::RangeSubselect(sub) => {
            let NodeEnum::SelectStmt(q) = sub.subquery.as_deref()?.node.as_ref()? else {
                return None;
            };
            let columns = select_columns(q, scope, relation, depth + 1)?;
            let (named, columns) = match &sub.alias {
                Some(a) => {
                    let columns = rename(columns, &a.colnames);
                    (vec![(a.aliasname.clone(), columns.clone())], columns)
                }
                None => (Vec::new(), columns),
            };
            Some(Item {
                named,
                all: columns,
            })
        }
        NodeEnum::JoinExpr(j) => {
            // NATURAL picks the columns by name, and an alias on the join
            // hides the names inside: not followed.
            if j.is_natural || j.alias.is_some() {
                return None;
            }
            let left = from_item(j.larg.as_deref()?, scope, relation, depth + 1)?;
            let right = from_item(j.rarg.as_deref()?, scope, relation, depth + 1)?;
            let using = ast::strings(&j.using_clause);
            // USING: the merged columns first, then each side's others.
            let mut all = using.clone();
            for side in [&left.all, &right.all] {
                let mut rest = side.clone();
                for u in &using {
                    let at = rest.iter().position(|c| c == u)?;
                    rest.remove(at);
                }
                all.extend(rest);
            }
            let mut named = left.named;
            named.extend(right.named);
            Some(Item { named, all })
        }
        _ => None,
    }
}

/// What `*` or `name.*` stands for.
fn star(items: &[Item], qualifier: Option<&str>) -> Option<Vec<String>> {
    match qualifier {
        None => Some(items.iter().flat_map(|i| i.all.iter().cloned()).collect()),
        Some(q) => {
            let mut found = items
                .iter()
                .flat_map(|i| i.named.iter())
                .filter(|(name, _)| name == q);
            let (_, columns) = found.next()?;
            // Two items of one name: PostgreSQL would have refused it.
            if found.next().is_some() {
                return None;
            }
            Some(columns.clone())
        }
    }
}

/// A column name as `FigureColnameInternal` gives it, with its strength:
/// 2 for a name of its own, 1 for a type's or `case`, 0 for none.
enum Figure {
    Name(String, u8),
    None,
}

impl Figure {
    fn strength(&self) -> u8 {
        match self {
            Figure::Name(_, s) => *s,
            Figure::None => 0,
        }
    }

    fn name(self) -> String {
        match self {
            Figure::Name(n, _) => n,
            Figure::None => "?column?".to_string(),
        }
    }
}

fn strong(name: &str) -> Option<Figure> {
    Some(Figure::Name(name.to_string(), 2))
}

/// None: a kind of expression this does not name.
fn figure(node: &Node, scope: &[Cte], relation: &Lookup, depth: usize) -> Option<Figure> {
    if depth > MAX_DEPTH {
        return None;
    }
    let next = |n: &Node| figure(n, scope, relation, depth + 1);
    match node.node.as_ref()? {
        NodeEnum::ColumnRef(c) => Some(match ast::strings(&c.fields).pop() {
            Some(name) => Figure::Name(name, 2),
            None => Figure::None,
        }),
        NodeEnum::AIndirection(i) => {
            let field = i.indirection.iter().rev().find_map(|n| match &n.node {
                Some(NodeEnum::String(s)) => Some(s.sval.clone()),
                _ => None,
            });
            match field {
                Some(name) => Some(Figure::Name(name, 2)),
                None => next(i.arg.as_deref()?),
            }
        }
        NodeEnum::FuncCall(f) => strong(&ast::strings(&f.funcname).pop()?),
        NodeEnum::AExpr(a) => {
            if a.kind == pb::AExprKind::AexprNullif as i32 {
                strong("nullif")
            } else {
                Some(Figure::None)
            }
        }
        NodeEnum::TypeCast(t) => {
            let inner = next(t.arg.as_deref()?)?;
            if inner.strength() > 1 {
                return Some(inner);
            }
            match t
                .type_name
                .as_ref()
                .and_then(|n| ast::strings(&n.names).pop())
            {
                Some(name) => Some(Figure::Name(name, 1)),
                None => Some(inner),
            }
        }
        NodeEnum::CollateClause(c) => next(c.arg.as_deref()?),
        NodeEnum::GroupingFunc(_) => strong("grouping"),
        NodeEnum::SubLink(l) => match pb::SubLinkType::try_from(l.sub_link_type).ok()? {
            pb::SubLinkType::ExistsSublink => strong("exists"),
            pb::SubLinkType::ArraySublink => strong("array"),
            pb::SubLinkType::ExprSublink => {
                let NodeEnum::SelectStmt(q) = l.subselect.as_deref()?.node.as_ref()? else {
                    return None;
                };
                let first = select_columns(q, scope, relation, depth + 1)?
                    .into_iter()
                    .next()?;
                Some(Figure::Name(first, 2))
            }
            pb::SubLinkType::AllSublink
            | pb::SubLinkType::AnySublink
            | pb::SubLinkType::RowcompareSublink => Some(Figure::None),
            _ => None,
        },
        NodeEnum::CaseExpr(c) => {
            let inner = match c.defresult.as_deref() {
                Some(d) => next(d)?,
                None => Figure::None,
            };
            if inner.strength() > 1 {
                Some(inner)
            } else {
                Some(Figure::Name("case".to_string(), 1))
            }
        }
        NodeEnum::AArrayExpr(_) => strong("array"),
        NodeEnum::RowExpr(_) => strong("row"),
        NodeEnum::CoalesceExpr(_) => strong("coalesce"),
        NodeEnum::MinMaxExpr(m) => match pb::MinMaxOp::try_from(m.op).ok()? {
            pb::MinMaxOp::IsGreatest => strong("greatest"),
            pb::MinMaxOp::IsLeast => strong("least"),
            pb::MinMaxOp::Undefined => None,
        },
        NodeEnum::SqlvalueFunction(f) => {
            use pb::SqlValueFunctionOp as Op;
            strong(match Op::try_from(f.op).ok()? {
                Op::SvfopCurrentDate => "current_date",
                Op::SvfopCurrentTime | Op::SvfopCurrentTimeN => "current_time",
                Op::SvfopCurrentTimestamp | Op::SvfopCurrentTimestampN => "current_timestamp",
                Op::SvfopLocaltime | Op::SvfopLocaltimeN => "localtime",
                Op::SvfopLocaltimestamp | Op::SvfopLocaltimestampN => "localtimestamp",
                Op::SvfopCurrentRole => "current_role",
                Op::SvfopCurrentUser => "current_user",
                Op::SvfopUser => "user",
                Op::SvfopSessionUser => "session_user",
                Op::SvfopCurrentCatalog => "current_catalog",
                Op::SvfopCurrentSchema => "current_schema",
                Op::SqlvalueFunctionOpUndefined => return None,
            })
        }
        NodeEnum::AConst(_)
        | NodeEnum::ParamRef(_)
        | NodeEnum::BoolExpr(_)
        | NodeEnum::NullTest(_)
        | NodeEnum::BooleanTest(_) => Some(Figure::None),
        _ => None,
    }
}

/// The relations `query` reads, by name as written (schema dropped: a
/// migration may leave it to the search_path, PostgreSQL prints it), CTE
/// references left out.
pub fn read_relations(query: &Node) -> BTreeSet<String> {
    let all = match &query.node {
        Some(n) => ast::descendants(n),
        None => return BTreeSet::new(),
    };
    let ctes: BTreeSet<&str> = all
        .iter()
        .filter_map(|n| match n {
            NodeRef::CommonTableExpr(c) => Some(c.ctename.as_str()),
            _ => None,
        })
        .collect();
    all.iter()
        .filter_map(|n| match n {
            NodeRef::RangeVar(rv) => Some(*rv),
            _ => None,
        })
        .filter(|rv| !(rv.schemaname.is_empty() && ctes.contains(rv.relname.as_str())))
        .map(|rv| rv.relname.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(sql: &str) -> Option<Vec<String>> {
        let parsed = pg_query::parse(sql, 0).unwrap();
        let stmt = parsed.protobuf.stmts[0].stmt.clone().unwrap();
        let lookup = |schema: Option<&str>, name: &str| match (schema, name) {
            (_, "t") => Some(vec!["id".to_string(), "a".to_string()]),
            (Some("public"), "u") | (None, "u") => Some(vec!["id".to_string(), "b".to_string()]),
            _ => None,
        };
        output_columns(&stmt, &lookup)
    }

    fn names(list: &[&str]) -> Option<Vec<String>> {
        Some(list.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn columns_are_named_as_postgresql_names_them() {
        for (sql, expected) in [
            ("select id, a as x, a + 1, count(*), 'k'::text, (a + 1)::int, t.a from t", names(&["id", "x", "?column?", "count", "text", "int4", "a"])),
            ("select * from t", names(&["id", "a"])),
            ("select t.*, u.b from t join public.u on u.id = t.id", names(&["id", "a", "b"])),
            ("select * from t join u using (id)", names(&["id", "a", "b"])),
            ("select * from t x (k)", names(&["k", "a"])),
            ("select s.* from (select a, 1 as one from t) s", names(&["a", "one"])),
            ("with w (p) as (select id, a from t) select * from w", names(&["p", "a"])),
            ("select a from t union select b from u", names(&["a"])),
            ("values (1, 2)", names(&["column1", "column2"])),
            ("select case when a > 0 then a else id end, case when true then 1 end, coalesce(a, 0), (select max(b) from u), exists (select 1), current_date", names(&["id", "case", "coalesce", "max", "exists", "current_date"])),
            ("select nullif(a, 0), greatest(a, 1), array[a], row(a), a is null from t", names(&["nullif", "greatest", "array", "row", "?column?"])),
        ] {
            assert_eq!(columns(sql), expected, "{sql}");
        }
        // What is not known is not guessed.
        assert_eq!(columns("select * from nowhere"), None);
        assert_eq!(columns("select * from t natural join u"), None);
        assert_eq!(columns("select * from generate_series(1, 3)"), None);
        assert_eq!(columns("select xmlelement(name x)"), None);
    }

    #[test]
    fn reads_leave_out_ctes_and_schemas() {
        let parsed = pg_query::parse(
            "with w as (select * from public.t) select * from w join u on true where exists (select 1 from v)",
            0,
        )
        .unwrap();
        let stmt = parsed.protobuf.stmts[0].stmt.clone().unwrap();
        let reads: Vec<String> = read_relations(&stmt).into_iter().collect();
        assert_eq!(reads, ["t", "u", "v"]);
    }
}
