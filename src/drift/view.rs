//! A view's query, compared as a parse tree.
//!
//! PostgreSQL stores a view's query analyzed and prints it back with
//! `pg_get_viewdef`: every column qualified, casts it added, `*` expanded,
//! `ORDER BY 1` and `ORDER BY alias` as the expression, `LIKE` as `~~`,
//! `x = ANY (subquery)` as `IN`, relations and functions qualified, aliases
//! it invented (`r_1`). Both queries, the one the migrations wrote and the
//! one the database prints, go through the expression normalizations of
//! [`super::normalize_here`] everywhere in the tree (select lists, FROM,
//! joins, subqueries, CTEs, ORDER BY, window definitions), then these:
//! aliases of relations are dropped (column references keep only their
//! column's name already), positional and output-name references in ORDER
//! BY, GROUP BY and DISTINCT ON stand for the expression they name, and a
//! select list with `*` is compared on neither side (the view's output
//! columns are compared on their own).
//!
//! When the comparison could be wrong, nothing is compared: a node kind
//! this module does not walk, or, in the migrations' query, a name that is
//! neither a column of a relation it reads (as the model has them now: a
//! column renamed since the view was made is printed with its new name)
//! nor one the query defines.

use std::collections::{BTreeSet, HashSet};

use pg_query::protobuf::{self as pb, Node};
use pg_query::NodeEnum;

/// Deeper than this, the query is not compared.
const MAX_DEPTH: usize = 200;

/// A view's query as facts keep it: the tree, and whether every name in it
/// is one the comparison can trust (see the module's doc).
#[derive(Debug, Clone)]
pub(super) struct Query {
    node: Box<Node>,
    sure: bool,
}

impl Query {
    /// `columns`: the columns of a relation the model has, by name (any
    /// schema); None when it has none of that name, or not all its columns.
    pub(super) fn new(node: Box<Node>, columns: &dyn Fn(&str) -> Option<Vec<String>>) -> Query {
        let sure = names_known(&node, columns);
        Query { node, sure }
    }
}

/// The two queries as compared, when they can be: the migrations' and the
/// database's, normalized and deparsed. None when either is not sure.
/// Queries that differ only in literals PostgreSQL prints in a form of its
/// own (`'$.a'::jsonpath` as `'$."a"'`, dates, booleans, ...: see
/// [`REFORMATTED`]) are the same.
pub(super) fn compared(migrations: &Query, database: &Query) -> Option<(String, String)> {
    if !migrations.sure || !database.sure {
        return None;
    }
    // The migrations' select lists with `*` are not compared, on either side.
    let (ours, stars, _) = normalized(&migrations.node, None, false)?;
    let (theirs, _, _) = normalized(&database.node, Some(&stars), false)?;
    if ours == theirs {
        return Some((ours, theirs));
    }
    // The same but for literals, each of which reads the same or is one
    // PostgreSQL reformats: the same.
    let (a, _, ours_literals) = normalized(&migrations.node, Some(&stars), true)?;
    let (b, _, theirs_literals) = normalized(&database.node, Some(&stars), true)?;
    let same_literals = ours_literals.len() == theirs_literals.len()
        && ours_literals
            .iter()
            .zip(&theirs_literals)
            .all(|((x, fx), (y, fy))| x == y || *fx || *fy);
    if a == b && same_literals {
        return Some((ours.clone(), ours));
    }
    Some((ours, theirs))
}

/// A query normalized and deparsed, the SELECTs whose select lists have
/// `*` (those of `stars` are made `*`), and, `mask`ed, its string literals
/// (as `'?'` in the text), each with whether PostgreSQL reformats it.
/// None when the walk is not sure of it.
fn normalized(
    query: &Node,
    stars: Option<&[usize]>,
    mask: bool,
) -> Option<(String, Vec<usize>, Literals)> {
    let mut node = query.clone();
    let mut walk = Walk {
        mask,
        ..Walk::default()
    };
    walk.node(&mut node, 0);
    if walk.unsure {
        return None;
    }
    let stars = stars.map_or_else(|| walk.stars.clone(), <[usize]>::to_vec);
    blank(&mut node, &stars);
    Some((deparse(&node)?, stars, walk.literals))
}

/// Types whose literals PostgreSQL prints in a form of its own (`'t'` as
/// `true`, `'2020-1-1'` as `'2020-01-01'`, `'$.a'` as `'$."a"'`): a
/// literal cast to one is not compared.
const REFORMATTED: &[&str] = &[
    "bool",
    "boolean",
    "date",
    "time",
    "timetz",
    "timestamp",
    "timestamptz",
    "jsonpath",
    "tsquery",
    "tsvector",
    "inet",
    "cidr",
    "macaddr",
    "macaddr8",
    "uuid",
    "bit",
    "varbit",
    "bytea",
    "money",
    "float4",
    "float8",
    "real",
    "regclass",
    "regproc",
    "regprocedure",
    "regtype",
    "regnamespace",
    "regrole",
    "regconfig",
    "point",
    "box",
    "circle",
    "polygon",
    "path",
    "line",
    "lseg",
    "xml",
    "hstore",
];

/// Whether `node` is a string literal cast to a type of [`REFORMATTED`]
/// (or an array of one).
fn reformatted(node: &Node) -> bool {
    let Some(NodeEnum::TypeCast(c)) = &node.node else {
        return false;
    };
    let literal = matches!(
        c.arg.as_deref().and_then(|a| a.node.as_ref()),
        Some(NodeEnum::AConst(k)) if matches!(k.val, Some(pb::a_const::Val::Sval(_)))
    );
    let ty = c
        .type_name
        .as_ref()
        .map(|t| crate::sql::ast::strings(&t.names))
        .and_then(|names| names.last().cloned());
    literal && ty.is_some_and(|t| REFORMATTED.contains(&t.as_str()))
}

/// The query as SQL.
fn deparse(query: &Node) -> Option<String> {
    query
        .node
        .as_ref()?
        .deparse(pg_query::DeparseOptions::default())
        .ok()
}

/// Every name a column reference of `query` uses must be a column of a
/// relation the query reads or a name the query itself defines (an alias,
/// an output name, a CTE's name or columns).
fn names_known(query: &Node, columns: &dyn Fn(&str) -> Option<Vec<String>>) -> bool {
    let Ok(json) = serde_json::to_value(query) else {
        return false;
    };
    let mut refs: Vec<String> = Vec::new();
    let mut known: HashSet<String> = HashSet::new();
    let mut relations: BTreeSet<String> = BTreeSet::new();
    let mut stack = vec![&json];
    while let Some(v) = stack.pop() {
        match v {
            serde_json::Value::Array(items) => stack.extend(items),
            serde_json::Value::Object(map) => {
                for (key, value) in map {
                    let strings = |field: &str| -> Vec<String> {
                        value
                            .get(field)
                            .and_then(|f| f.as_array())
                            .into_iter()
                            .flatten()
                            .filter_map(|n| n.pointer("/node/String/sval"))
                            .filter_map(|s| s.as_str().map(str::to_string))
                            .collect()
                    };
                    let text = |field: &str| -> Option<String> {
                        value
                            .get(field)
                            .and_then(|f| f.as_str())
                            .filter(|s| !s.is_empty())
                            .map(str::to_string)
                    };
                    match key.as_str() {
                        "ColumnRef" => {
                            let fields = strings("fields");
                            // `t.*`: a whole row, of a relation named in FROM.
                            let star =
                                value
                                    .get("fields")
                                    .and_then(|f| f.as_array())
                                    .is_some_and(|f| {
                                        f.iter().any(|n| n.pointer("/node/AStar").is_some())
                                    });
                            if !star {
                                refs.extend(fields.last().cloned());
                            }
                        }
                        "ResTarget" => known.extend(text("name")),
                        // An alias of a relation, subquery or join.
                        "RangeSubselect" | "JoinExpr" => {
                            for alias in ["alias", "join_using_alias"] {
                                if let Some(a) = value.get(alias).filter(|a| a.is_object()) {
                                    known.extend(alias_names(a));
                                }
                            }
                        }
                        // `f(...) AS x(col type)`.
                        "ColumnDef" => known.extend(text("colname")),
                        "RangeVar" => {
                            if let Some(name) = text("relname") {
                                known.insert(name.clone());
                                relations.insert(name);
                            }
                            if let Some(a) = value.get("alias").filter(|a| a.is_object()) {
                                known.extend(alias_names(a));
                            }
                        }
                        "CommonTableExpr" => {
                            known.extend(text("ctename"));
                            known.extend(strings("aliascolnames"));
                        }
                        // A function in FROM: its alias with column names (without,
                        // the alias may name the row or its one column, which
                        // PostgreSQL prints by the function's name for it:
                        // `value`); without an alias, its name.
                        "RangeFunction" => {
                            let alias = value.get("alias").filter(|a| a.is_object());
                            if let Some(a) = alias {
                                let names = alias_names(a);
                                if names.len() > 1 {
                                    known.extend(names);
                                }
                            }
                            let unaliased = if alias.is_none() {
                                value.get("functions").and_then(|f| f.as_array())
                            } else {
                                None
                            };
                            for f in unaliased.into_iter().flatten() {
                                let name = f
                                    .pointer("/node/List/items/0/node/FuncCall/funcname")
                                    .and_then(|n| n.as_array())
                                    .and_then(|n| n.last())
                                    .and_then(|n| n.pointer("/node/String/sval"))
                                    .and_then(|s| s.as_str());
                                known.extend(name.map(str::to_string));
                            }
                        }
                        _ => {}
                    }
                    stack.push(value);
                }
            }
            _ => {}
        }
    }
    // A CTE is read by name but is no relation of the model.
    for relation in &relations {
        if known_cte(&json, relation) {
            continue;
        }
        match columns(relation) {
            Some(cols) => known.extend(cols),
            None => return false,
        }
    }
    refs.iter().all(|r| known.contains(r))
}

/// An alias's name and column names (JSON of a `pb::Alias`).
fn alias_names(alias: &serde_json::Value) -> Vec<String> {
    let name = alias
        .get("aliasname")
        .and_then(|n| n.as_str())
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    let columns = alias
        .get("colnames")
        .and_then(|c| c.as_array())
        .into_iter()
        .flatten()
        .filter_map(|n| n.pointer("/node/String/sval"))
        .filter_map(|s| s.as_str().map(str::to_string));
    name.into_iter().chain(columns).collect()
}

/// Whether `query` has a CTE named `name`.
fn known_cte(query: &serde_json::Value, name: &str) -> bool {
    let mut stack = vec![query];
    while let Some(v) = stack.pop() {
        match v {
            serde_json::Value::Array(items) => stack.extend(items),
            serde_json::Value::Object(map) => {
                if map
                    .get("CommonTableExpr")
                    .and_then(|c| c.get("ctename"))
                    .is_some_and(|n| n == name)
                {
                    return true;
                }
                stack.extend(map.values());
            }
            _ => {}
        }
    }
    false
}

/// String literals in walk order, each with whether PostgreSQL reformats it.
type Literals = Vec<(String, bool)>;

/// One normalization pass over a query's tree.
#[derive(Default)]
struct Walk {
    /// The SELECTs seen so far (their number, in pre-order, is the key of
    /// `stars`).
    selects: usize,
    /// The SELECTs whose select list has `*`.
    stars: Vec<usize>,
    /// A node this walk does not know, or a tree too deep.
    unsure: bool,
    /// Replace each string literal with `?`, keeping it in `literals`.
    mask: bool,
    literals: Literals,
}

impl Walk {
    fn node(&mut self, node: &mut Node, depth: usize) {
        if depth > MAX_DEPTH {
            self.unsure = true;
            return;
        }
        // `t.*` outside a select list is the whole row `t`, as PostgreSQL
        // prints it (`to_jsonb(t)` as `to_jsonb(t.*)`).
        if let Some(NodeEnum::ColumnRef(r)) = &mut node.node {
            if r.fields.len() > 1
                && matches!(
                    r.fields.last().and_then(|f| f.node.as_ref()),
                    Some(NodeEnum::AStar(_))
                )
            {
                r.fields.pop();
            }
        }
        let reformats = reformatted(node);
        super::normalize_here(node, depth);
        if self.mask {
            if let Some(NodeEnum::AConst(k)) = &mut node.node {
                if let Some(pb::a_const::Val::Sval(text)) = &mut k.val {
                    let value = std::mem::replace(&mut text.sval, "?".to_string());
                    self.literals.push((value, reformats));
                }
            }
        }
        let Some(inner) = node.node.as_mut() else {
            return;
        };
        let d = depth + 1;
        match inner {
            NodeEnum::SelectStmt(s) => self.select(s, d),
            NodeEnum::AExpr(a) => {
                // LIKE, ILIKE and SIMILAR TO are printed as their operators.
                if [
                    pb::AExprKind::AexprLike,
                    pb::AExprKind::AexprIlike,
                    pb::AExprKind::AexprSimilar,
                ]
                .iter()
                .any(|k| a.kind == *k as i32)
                {
                    a.kind = pb::AExprKind::AexprOp as i32;
                }
                // OPERATOR(pg_catalog.=) is `=`.
                if a.name.len() > 1 {
                    a.name.drain(..a.name.len() - 1);
                }
                self.boxed(&mut a.lexpr, d);
                self.boxed(&mut a.rexpr, d);
            }
            NodeEnum::BoolExpr(b) => self.all(&mut b.args, d),
            NodeEnum::FuncCall(f) => {
                self.all(&mut f.args, d);
                self.all(&mut f.agg_order, d);
                self.boxed(&mut f.agg_filter, d);
                if let Some(w) = f.over.as_deref_mut() {
                    self.window(w, d);
                }
            }
            NodeEnum::NullTest(n) => self.boxed(&mut n.arg, d),
            NodeEnum::BooleanTest(n) => self.boxed(&mut n.arg, d),
            NodeEnum::AArrayExpr(a) => self.all(&mut a.elements, d),
            NodeEnum::List(l) => self.all(&mut l.items, d),
            NodeEnum::CaseExpr(c) => {
                self.boxed(&mut c.arg, d);
                self.all(&mut c.args, d);
                self.boxed(&mut c.defresult, d);
                // No ELSE is printed `ELSE NULL`.
                let null = matches!(
                    c.defresult.as_deref().and_then(|r| r.node.as_ref()),
                    Some(NodeEnum::AConst(k)) if k.isnull
                );
                if null {
                    c.defresult = None;
                }
            }
            NodeEnum::CaseWhen(w) => {
                self.boxed(&mut w.expr, d);
                self.boxed(&mut w.result, d);
            }
            NodeEnum::CoalesceExpr(c) => self.all(&mut c.args, d),
            NodeEnum::MinMaxExpr(m) => self.all(&mut m.args, d),
            NodeEnum::AIndirection(i) => {
                self.boxed(&mut i.arg, d);
                self.all(&mut i.indirection, d);
            }
            NodeEnum::AIndices(i) => {
                self.boxed(&mut i.lidx, d);
                self.boxed(&mut i.uidx, d);
            }
            NodeEnum::RowExpr(r) => self.all(&mut r.args, d),
            NodeEnum::SubLink(s) => {
                // `x = ANY (SELECT ...)` is printed `x IN (SELECT ...)`.
                if s.sub_link_type == pb::SubLinkType::AnySublink as i32
                    && crate::sql::ast::strings(&s.oper_name)
                        .last()
                        .is_some_and(|o| o == "=")
                {
                    s.oper_name.clear();
                }
                self.boxed(&mut s.testexpr, d);
                self.boxed(&mut s.subselect, d);
            }
            NodeEnum::ResTarget(t) => {
                self.boxed(&mut t.val, d);
                self.all(&mut t.indirection, d);
            }
            NodeEnum::JoinExpr(j) => {
                j.alias = None;
                j.join_using_alias = None;
                self.boxed(&mut j.larg, d);
                self.boxed(&mut j.rarg, d);
                self.boxed(&mut j.quals, d);
            }
            NodeEnum::RangeVar(r) => r.alias = None,
            NodeEnum::RangeSubselect(r) => {
                r.alias = None;
                self.boxed(&mut r.subquery, d);
            }
            NodeEnum::RangeFunction(r) => {
                r.alias = None;
                // A function reading an earlier FROM item is printed LATERAL.
                r.lateral = false;
                self.all(&mut r.functions, d);
                self.all(&mut r.coldeflist, d);
            }
            NodeEnum::SortBy(s) => {
                // ASC is the default order, and NULLS LAST its default
                // (NULLS FIRST of DESC): PostgreSQL prints neither.
                let desc = s.sortby_dir == pb::SortByDir::SortbyDesc as i32;
                if s.sortby_dir == pb::SortByDir::SortbyAsc as i32 {
                    s.sortby_dir = pb::SortByDir::SortbyDefault as i32;
                }
                let default_nulls = if desc {
                    pb::SortByNulls::SortbyNullsFirst
                } else {
                    pb::SortByNulls::SortbyNullsLast
                };
                if s.sortby_nulls == default_nulls as i32 {
                    s.sortby_nulls = pb::SortByNulls::SortbyNullsDefault as i32;
                }
                self.boxed(&mut s.node, d);
            }
            NodeEnum::WindowDef(w) => self.window(w, d),
            NodeEnum::GroupingSet(g) => self.all(&mut g.content, d),
            NodeEnum::NamedArgExpr(n) => self.boxed(&mut n.arg, d),
            NodeEnum::CollateClause(c) => self.boxed(&mut c.arg, d),
            NodeEnum::CommonTableExpr(c) => self.boxed(&mut c.ctequery, d),
            NodeEnum::TypeCast(c) => self.boxed(&mut c.arg, d),
            // Leaves.
            NodeEnum::ColumnRef(_)
            | NodeEnum::AConst(_)
            | NodeEnum::String(_)
            | NodeEnum::Integer(_)
            | NodeEnum::Float(_)
            | NodeEnum::Boolean(_)
            | NodeEnum::AStar(_)
            | NodeEnum::SqlvalueFunction(_)
            | NodeEnum::TypeName(_)
            | NodeEnum::ColumnDef(_)
            | NodeEnum::SetToDefault(_) => {}
            _ => self.unsure = true,
        }
    }

    fn boxed(&mut self, node: &mut Option<Box<Node>>, depth: usize) {
        if let Some(n) = node.as_deref_mut() {
            self.node(n, depth);
        }
    }

    fn all(&mut self, nodes: &mut [Node], depth: usize) {
        for n in nodes {
            self.node(n, depth);
        }
    }

    fn window(&mut self, w: &mut pb::WindowDef, depth: usize) {
        self.all(&mut w.partition_clause, depth);
        self.all(&mut w.order_clause, depth);
        self.boxed(&mut w.start_offset, depth);
        self.boxed(&mut w.end_offset, depth);
    }

    fn select(&mut self, s: &mut pb::SelectStmt, depth: usize) {
        let index = self.selects;
        self.selects += 1;
        if has_star(&s.target_list) {
            self.stars.push(index);
        }
        resolve_references(s, &mut self.unsure);
        if let Some(w) = s.with_clause.as_mut() {
            self.all(&mut w.ctes, depth);
        }
        self.all(&mut s.distinct_clause, depth);
        self.all(&mut s.target_list, depth);
        self.all(&mut s.from_clause, depth);
        self.boxed(&mut s.where_clause, depth);
        self.all(&mut s.group_clause, depth);
        self.boxed(&mut s.having_clause, depth);
        self.all(&mut s.window_clause, depth);
        self.all(&mut s.values_lists, depth);
        self.all(&mut s.sort_clause, depth);
        self.boxed(&mut s.limit_offset, depth);
        self.boxed(&mut s.limit_count, depth);
        if !s.locking_clause.is_empty() || s.into_clause.is_some() {
            self.unsure = true;
        }
        for side in [&mut s.larg, &mut s.rarg] {
            if let Some(branch) = side.as_deref_mut() {
                self.select(branch, depth + 1);
            }
        }
    }
}

/// Whether a select list has `*` or `t.*`.
fn has_star(targets: &[Node]) -> bool {
    targets.iter().any(|t| match &t.node {
        Some(NodeEnum::ResTarget(rt)) => matches!(
            rt.val.as_deref().and_then(|v| v.node.as_ref()),
            Some(NodeEnum::ColumnRef(c))
                if matches!(c.fields.last().and_then(|f| f.node.as_ref()), Some(NodeEnum::AStar(_)))
        ),
        _ => false,
    })
}

/// `ORDER BY 2`, `ORDER BY total` (an output name), `GROUP BY 1` and
/// `DISTINCT ON (1)`: PostgreSQL prints the expression they stand for. A
/// bare name in ORDER BY and DISTINCT ON is the output column first; in
/// GROUP BY an input column first, so there it stands for an output
/// column only when no relation column could be meant: such a name is not
/// resolved and the query is not compared (`unsure`).
fn resolve_references(s: &mut pb::SelectStmt, unsure: &mut bool) {
    let targets: Vec<(String, Option<Node>)> = s
        .target_list
        .iter()
        .map(|t| match &t.node {
            Some(NodeEnum::ResTarget(rt)) => (rt.name.clone(), rt.val.as_deref().cloned()),
            _ => (String::new(), None),
        })
        .collect();
    let star = has_star(&s.target_list);
    let resolve = |item: &mut Node, output_first: bool, unsure: &mut bool| {
        let target = match &item.node {
            Some(NodeEnum::AConst(c)) => match &c.val {
                Some(pb::a_const::Val::Ival(i)) => {
                    if star {
                        *unsure = true;
                        return;
                    }
                    usize::try_from(i.ival)
                        .ok()
                        .and_then(|i| i.checked_sub(1))
                        .and_then(|i| targets.get(i))
                }
                _ => None,
            },
            Some(NodeEnum::ColumnRef(c)) if c.fields.len() == 1 => {
                let name = crate::sql::ast::strings(&c.fields);
                let found = targets
                    .iter()
                    .find(|(n, _)| !n.is_empty() && Some(n) == name.first());
                if found.is_some() && !output_first {
                    *unsure = true;
                    return;
                }
                found
            }
            _ => None,
        };
        if let Some((_, Some(val))) = target {
            *item = val.clone();
        }
    };
    for item in &mut s.sort_clause {
        if let Some(NodeEnum::SortBy(sb)) = &mut item.node {
            if let Some(n) = sb.node.as_deref_mut() {
                resolve(n, true, unsure);
            }
        }
    }
    for item in &mut s.distinct_clause {
        resolve(item, true, unsure);
    }
    for item in &mut s.group_clause {
        resolve(item, false, unsure);
    }
}

/// Makes `*` the select lists of the SELECTs numbered in `stars`
/// (pre-order, as [`Walk`] numbers them).
fn blank(query: &mut Node, stars: &[usize]) {
    fn select(s: &mut pb::SelectStmt, next: &mut usize, stars: &[usize], depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let index = *next;
        *next += 1;
        // Numbered as the walk numbered them: CTEs, the select list, FROM, ...
        if let Some(w) = s.with_clause.as_mut() {
            for c in &mut w.ctes {
                node(c, next, stars, depth + 1);
            }
        }
        let lists: [&mut Vec<Node>; 3] = [
            &mut s.distinct_clause,
            &mut s.target_list,
            &mut s.from_clause,
        ];
        for list in lists {
            for n in list.iter_mut() {
                node(n, next, stars, depth + 1);
            }
        }
        for n in [s.where_clause.as_deref_mut()].into_iter().flatten() {
            node(n, next, stars, depth + 1);
        }
        for n in &mut s.group_clause {
            node(n, next, stars, depth + 1);
        }
        for n in [s.having_clause.as_deref_mut()].into_iter().flatten() {
            node(n, next, stars, depth + 1);
        }
        for list in [
            &mut s.window_clause,
            &mut s.values_lists,
            &mut s.sort_clause,
        ] {
            for n in list.iter_mut() {
                node(n, next, stars, depth + 1);
            }
        }
        for n in [s.limit_offset.as_deref_mut(), s.limit_count.as_deref_mut()]
            .into_iter()
            .flatten()
        {
            node(n, next, stars, depth + 1);
        }
        for side in [&mut s.larg, &mut s.rarg] {
            if let Some(branch) = side.as_deref_mut() {
                select(branch, next, stars, depth + 1);
            }
        }
        if stars.contains(&index) {
            s.target_list = vec![star()];
        }
    }
    /// Every SELECT below `n`, in the walk's order.
    fn node(n: &mut Node, next: &mut usize, stars: &[usize], depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        match n.node.as_mut() {
            Some(NodeEnum::SelectStmt(s)) => select(s, next, stars, depth),
            Some(other) => {
                for child in children(other) {
                    node(child, next, stars, depth + 1);
                }
            }
            None => {}
        }
    }
    if stars.is_empty() {
        return;
    }
    let mut next = 0;
    node(query, &mut next, stars, 0);
}

/// `*`: what a select list not compared shows.
fn star() -> Node {
    let star = Node {
        node: Some(NodeEnum::AStar(pb::AStar {})),
    };
    Node {
        node: Some(NodeEnum::ResTarget(Box::new(pb::ResTarget {
            val: Some(Box::new(Node {
                node: Some(NodeEnum::ColumnRef(pb::ColumnRef {
                    fields: vec![star],
                    location: -1,
                })),
            })),
            location: -1,
            ..Default::default()
        }))),
    }
}

/// The children [`Walk::node`] visits, in its order (SELECTs aside).
fn children(n: &mut NodeEnum) -> Vec<&mut Node> {
    fn window(w: &mut pb::WindowDef) -> Vec<&mut Node> {
        let mut out: Vec<&mut Node> = Vec::new();
        out.extend(w.partition_clause.iter_mut());
        out.extend(w.order_clause.iter_mut());
        out.extend(w.start_offset.as_deref_mut());
        out.extend(w.end_offset.as_deref_mut());
        out
    }
    let mut out: Vec<&mut Node> = Vec::new();
    match n {
        NodeEnum::AExpr(a) => {
            out.extend(a.lexpr.as_deref_mut());
            out.extend(a.rexpr.as_deref_mut());
        }
        NodeEnum::BoolExpr(b) => out.extend(b.args.iter_mut()),
        NodeEnum::FuncCall(f) => {
            out.extend(f.args.iter_mut());
            out.extend(f.agg_order.iter_mut());
            out.extend(f.agg_filter.as_deref_mut());
            if let Some(w) = f.over.as_deref_mut() {
                out.extend(window(w));
            }
        }
        NodeEnum::NullTest(t) => out.extend(t.arg.as_deref_mut()),
        NodeEnum::BooleanTest(t) => out.extend(t.arg.as_deref_mut()),
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
        NodeEnum::AIndirection(i) => {
            out.extend(i.arg.as_deref_mut());
            out.extend(i.indirection.iter_mut());
        }
        NodeEnum::AIndices(i) => {
            out.extend(i.lidx.as_deref_mut());
            out.extend(i.uidx.as_deref_mut());
        }
        NodeEnum::RowExpr(r) => out.extend(r.args.iter_mut()),
        NodeEnum::SubLink(s) => {
            out.extend(s.testexpr.as_deref_mut());
            out.extend(s.subselect.as_deref_mut());
        }
        NodeEnum::ResTarget(t) => {
            out.extend(t.val.as_deref_mut());
            out.extend(t.indirection.iter_mut());
        }
        NodeEnum::JoinExpr(j) => {
            out.extend(j.larg.as_deref_mut());
            out.extend(j.rarg.as_deref_mut());
            out.extend(j.quals.as_deref_mut());
        }
        NodeEnum::RangeSubselect(r) => out.extend(r.subquery.as_deref_mut()),
        NodeEnum::RangeFunction(r) => {
            out.extend(r.functions.iter_mut());
            out.extend(r.coldeflist.iter_mut());
        }
        NodeEnum::SortBy(s) => out.extend(s.node.as_deref_mut()),
        NodeEnum::WindowDef(w) => out.extend(window(w)),
        NodeEnum::GroupingSet(g) => out.extend(g.content.iter_mut()),
        NodeEnum::NamedArgExpr(a) => out.extend(a.arg.as_deref_mut()),
        NodeEnum::CollateClause(c) => out.extend(c.arg.as_deref_mut()),
        NodeEnum::CommonTableExpr(c) => out.extend(c.ctequery.as_deref_mut()),
        NodeEnum::TypeCast(c) => out.extend(c.arg.as_deref_mut()),
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(sql: &str) -> Box<Node> {
        let parsed = pg_query::parse(sql, pg_query::ParserOptions::default()).unwrap();
        parsed.protobuf.stmts[0].stmt.clone().unwrap()
    }

    fn columns(name: &str) -> Option<Vec<String>> {
        match name {
            "t" => Some(vec!["id".into(), "a".into(), "n".into()]),
            "u" => Some(vec!["id".into(), "t_id".into(), "b".into()]),
            _ => None,
        }
    }

    fn same(written: &str, stored: &str) -> Option<bool> {
        let a = Query::new(query(written), &columns);
        let b = Query::new(query(stored), &columns);
        compared(&a, &b).map(|(x, y)| x == y)
    }

    #[test]
    fn what_postgresql_prints_of_a_view_is_the_query_written() {
        for (written, stored) in [
            (
                "select id, a from app.t where n in (1, 2) and a like 'x%' order by 2 desc limit 10",
                "SELECT t.id, t.a FROM app.t WHERE ((t.n = ANY (ARRAY[1, 2])) AND (t.a ~~ 'x%'::text)) ORDER BY t.a DESC LIMIT 10",
            ),
            (
                "select * from app.t x left join u y on y.t_id = x.id",
                "SELECT x.id, x.a, x.n, y.id, y.t_id, y.b FROM (app.t x LEFT JOIN public.u y ON ((y.t_id = x.id)))",
            ),
            (
                "select n, a || 'y' as ay, count(*) c from t group by 1, 2 order by ay, 3 desc",
                "SELECT t.n, (t.a || 'y'::text) AS ay, count(*) AS c FROM app.t GROUP BY t.n, (t.a || 'y'::text) ORDER BY (t.a || 'y'::text), (count(*)) DESC",
            ),
            (
                "with recursive r (x) as (select 1 union all select x + 1 from r where x < 3) select x from r",
                "WITH RECURSIVE r(x) AS (SELECT 1 AS \"?column?\" UNION ALL SELECT (r_1.x + 1) FROM r r_1 WHERE (r_1.x < 3)) SELECT r.x FROM r",
            ),
            (
                "select id from t where id = any (select t_id from u) and to_jsonb(t) is not null",
                "SELECT t.id FROM app.t WHERE ((t.id IN (SELECT u.t_id FROM public.u)) AND (to_jsonb(t.*) IS NOT NULL))",
            ),
            (
                "select case when n > 0 then a else 'none' end, coalesce(n, -1), '2020-01-01'::date from t",
                "SELECT CASE WHEN (t.n > 0) THEN t.a ELSE 'none'::text END AS \"case\", COALESCE(t.n, '-1'::integer) AS \"coalesce\", '2020-01-01'::date AS date FROM app.t",
            ),
            (
                "select t.id, g.i from app.t, generate_series(1, t.n) as g(i) where g.i > 0",
                "SELECT t.id, g.i FROM app.t, LATERAL generate_series(1, t.n) g(i) WHERE (g.i > 0)",
            ),
            (
                "select id from t where jsonb_path_exists(to_jsonb(a), '$[*].email') and n > 0 order by id asc, n desc nulls first",
                "SELECT t.id FROM app.t WHERE (jsonb_path_exists(to_jsonb(t.a), '$[*].\"email\"'::jsonpath) AND (t.n > 0)) ORDER BY t.id, t.n DESC",
            ),
        ] {
            assert_eq!(same(written, stored), Some(true), "{written}\n{stored}");
        }
        // A literal PostgreSQL prints as written stays compared.
        assert_eq!(
            same(
                "select id from t where a = 'x' and jsonb_path_exists(to_jsonb(a), '$.b')",
                "SELECT t.id FROM app.t WHERE ((t.a = 'y'::text) AND jsonb_path_exists(to_jsonb(t.a), '$.\"b\"'::jsonpath))"
            ),
            Some(false)
        );
        // A different WHERE is a different query.
        assert_eq!(
            same(
                "select id from t where n > 1",
                "SELECT t.id FROM app.t WHERE (t.n > 2)"
            ),
            Some(false)
        );
        // A column the model has not (renamed since): not compared.
        assert_eq!(
            same("select gone from t", "SELECT t.renamed FROM app.t"),
            None
        );
        // A function's alias without column names: which it names, the row
        // or its column (printed `value`), is not worked out.
        assert_eq!(
            same(
                "select e ->> 'k' from t, jsonb_array_elements(to_jsonb(a)) as e",
                "SELECT (e.value ->> 'k'::text) FROM app.t, LATERAL jsonb_array_elements(to_jsonb(t.a)) e(value)"
            ),
            None
        );
        // A relation the model has not: not compared.
        assert_eq!(
            same("select x from elsewhere", "SELECT x FROM elsewhere"),
            None
        );
    }
}
