//! Columns that do not exist at that point of the replay. Docs: rules/undefined-column.yaml.

use std::collections::BTreeSet;

use pg_query::protobuf::{self as pb, ConstrType, Node};
use pg_query::{NodeEnum, NodeRef};

use crate::catalog::{resolve, Ident, QualifiedName, Span, Table};
use crate::rules::{StatementRule, StmtCtx};
use crate::sql::{descendants, strings};

pub struct UndefinedColumn;

/// Columns every table has without declaring them.
const SYSTEM_COLUMNS: &[&str] = &["ctid", "xmin", "xmax", "cmin", "cmax", "tableoid", "oid"];

/// One relation in scope: the names it answers to and its columns.
struct Scope<'a> {
    name: QualifiedName,
    /// The alias, or the relation's own name as written.
    label: &'a str,
    /// Borrowed from the table or the statement: a statement checks a few
    /// names, so a scan beats building a set for every statement.
    columns: Vec<&'a str>,
}

impl<'a> Scope<'a> {
    fn of(table: &'a Table, label: &'a str) -> Option<Scope<'a>> {
        // CREATE TABLE AS, partitions and inheriting tables: columns unknown.
        // Platform tables are modeled with only some of their columns.
        if table.columns.is_empty()
            || table.columns_unknown
            || table.partition_of.is_some()
            || table.origin.is_baseline()
        {
            return None;
        }
        Some(Scope {
            name: table.name.clone(),
            label,
            columns: table.columns.iter().map(|c| c.name.as_str()).collect(),
        })
    }

    fn has(&self, col: &str) -> bool {
        self.columns.contains(&col) || SYSTEM_COLUMNS.contains(&col)
    }

    /// Whether `qualifier` (`t` in `t.col`, or `public.t`) names this relation.
    fn answers_to(&self, qualifier: &[String]) -> bool {
        match qualifier {
            [t] => t == self.label,
            [s, t] => s == self.name.schema.as_str() && t == self.name.name.as_str(),
            _ => false,
        }
    }
}

/// A column found missing: (name, location, the relation it was looked up in).
struct Missing {
    column: String,
    span: Span,
    relation: QualifiedName,
}

impl StatementRule for UndefinedColumn {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let mut missing = Vec::new();
        match &cx.stmt.node {
            NodeEnum::CreatePolicyStmt(s) => {
                if let Some(scope) = s.table.as_ref().and_then(|rv| scope_of(cx, rv)) {
                    for e in [&s.qual, &s.with_check].into_iter().flatten() {
                        check_condition(cx, &scope, e, &mut missing);
                    }
                }
            }
            NodeEnum::AlterPolicyStmt(s) => {
                if let Some(scope) = s.table.as_ref().and_then(|rv| scope_of(cx, rv)) {
                    for e in [&s.qual, &s.with_check].into_iter().flatten() {
                        check_condition(cx, &scope, e, &mut missing);
                    }
                }
            }
            NodeEnum::IndexStmt(s) => {
                if let Some(scope) = s.relation.as_ref().and_then(|rv| scope_of(cx, rv)) {
                    check_index(cx, &scope, s, &mut missing);
                }
            }
            NodeEnum::CreateStmt(s) => check_create_table(cx, s, &mut missing),
            NodeEnum::AlterTableStmt(s) => check_alter_table(cx, s, &mut missing),
            NodeEnum::ViewStmt(s) => {
                if let Some(q) = s.query.as_deref() {
                    check_view(cx, q, &mut missing);
                }
            }
            NodeEnum::CreateTrigStmt(s) => {
                if let Some(scope) = s.relation.as_ref().and_then(|rv| scope_of(cx, rv)) {
                    for col in strings(&s.columns) {
                        if !scope.has(&col) {
                            let span = ident_span(cx, 0, &col);
                            missing.push(Missing {
                                column: col,
                                span,
                                relation: scope.name.clone(),
                            });
                        }
                    }
                }
            }
            _ => {}
        }
        let subject = cx.subject();
        for m in missing {
            let object = subject.clone().unwrap_or_else(|| m.relation.clone());
            cx.report(
                &object,
                Some(m.span),
                format!(
                    "column `{}` does not exist in `{}` at this point of the migrations",
                    Ident::new(m.column),
                    m.relation
                ),
            );
        }
    }
}

fn table_of<'a>(cx: &StmtCtx<'a>, rv: &pb::RangeVar) -> Option<&'a Table> {
    let schema = (!rv.schemaname.is_empty()).then_some(rv.schemaname.as_str());
    let qn = resolve::relation(cx.catalog, cx.search_path, schema, &rv.relname).ok()?;
    cx.catalog.table(&qn)
}

/// The table a statement is about, as a scope labelled by its alias or name.
fn scope_of<'a>(cx: &StmtCtx<'a>, rv: &'a pb::RangeVar) -> Option<Scope<'a>> {
    let label = rv
        .alias
        .as_ref()
        .map_or(rv.relname.as_str(), |a| a.aliasname.as_str());
    Scope::of(table_of(cx, rv)?, label)
}

/// Column references as (qualifier, column, location); `*` and refs with
/// non-string parts are skipped.
fn column_refs(nodes: &[NodeRef<'_>]) -> Vec<(Vec<String>, String, i32)> {
    nodes
        .iter()
        .filter_map(|n| match n {
            NodeRef::ColumnRef(c) => {
                let mut parts = strings(&c.fields);
                if parts.len() != c.fields.len() {
                    return None;
                }
                let col = parts.pop()?;
                Some((parts, col, c.location))
            }
            _ => None,
        })
        .collect()
}

fn node_descendants(node: &Node) -> Vec<NodeRef<'_>> {
    node.node.as_ref().map(descendants).unwrap_or_default()
}

/// Checks one column reference against the scopes, innermost first.
/// Returns the scope it is missing from, when that is unambiguous.
fn lookup<'s, 'a>(
    scopes: &[&'s Scope<'a>],
    qualifier: &[String],
    col: &str,
) -> Option<&'s Scope<'a>> {
    if qualifier.is_empty() {
        // A lone name equal to a relation's label is a whole-row reference.
        if scopes.iter().any(|s| s.has(col) || s.label == col) {
            return None;
        }
        // Unqualified and found nowhere: missing from the innermost relation.
        return scopes.first().copied();
    }
    let scope = scopes.iter().find(|s| s.answers_to(qualifier))?;
    (!scope.has(col)).then_some(*scope)
}

fn report_refs(
    cx: &StmtCtx<'_>,
    scopes: &[&Scope],
    refs: Vec<(Vec<String>, String, i32)>,
    out: &mut Vec<Missing>,
) {
    for (qualifier, col, location) in refs {
        if let Some(scope) = lookup(scopes, &qualifier, &col) {
            out.push(Missing {
                column: col,
                span: cx.stmt.name_at(location),
                relation: scope.name.clone(),
            });
        }
    }
}

/// An expression over one table (CHECK, index expression or predicate):
/// no subqueries are allowed there, so every reference is the table's.
fn check_expr(cx: &StmtCtx<'_>, scope: &Scope, e: &Node, out: &mut Vec<Missing>) {
    report_refs(cx, &[scope], column_refs(&node_descendants(e)), out);
}

/// A policy condition: references outside subqueries are the table's; those
/// inside a subquery over one known table are checked against it (and the
/// policy's table, for correlated references); other subqueries are skipped.
fn check_condition(cx: &StmtCtx<'_>, scope: &Scope, e: &Node, out: &mut Vec<Missing>) {
    let all = node_descendants(e);
    let sublinks: Vec<&pb::SubLink> = all
        .iter()
        .filter_map(|n| match n {
            NodeRef::SubLink(s) => Some(*s),
            _ => None,
        })
        .collect();
    // Locations of references and sublinks inside each subquery.
    let inner: Vec<(Vec<NodeRef<'_>>, &pb::SubLink)> = sublinks
        .iter()
        .map(|s| {
            (
                s.subselect
                    .as_deref()
                    .map(node_descendants)
                    .unwrap_or_default(),
                *s,
            )
        })
        .collect();
    let in_subquery: BTreeSet<i32> = inner
        .iter()
        .flat_map(|(nodes, _)| column_refs(nodes).into_iter().map(|(_, _, l)| l))
        .collect();
    let nested: BTreeSet<i32> = inner
        .iter()
        .flat_map(|(nodes, _)| {
            nodes.iter().filter_map(|n| match n {
                NodeRef::SubLink(s) => Some(s.location),
                _ => None,
            })
        })
        .collect();
    let outer_refs = column_refs(&all)
        .into_iter()
        .filter(|(_, _, l)| !in_subquery.contains(l))
        .collect();
    report_refs(cx, &[scope], outer_refs, out);
    for (nodes, link) in &inner {
        let has_nested = nodes.iter().any(|n| matches!(n, NodeRef::SubLink(_)));
        if nested.contains(&link.location) || has_nested {
            continue;
        }
        let Some(sub) = simple_select(link.subselect.as_deref()) else {
            continue;
        };
        let Some(sub_scope) = single_table(cx, sub) else {
            continue;
        };
        report_refs(cx, &[&sub_scope, scope], column_refs(nodes), out);
    }
}

/// A plain SELECT (no set operation, no WITH).
fn simple_select(node: Option<&Node>) -> Option<&pb::SelectStmt> {
    match node?.node.as_ref()? {
        NodeEnum::SelectStmt(s)
            if s.with_clause.is_none()
                && s.larg.is_none()
                && s.rarg.is_none()
                && s.values_lists.is_empty() =>
        {
            Some(s)
        }
        _ => None,
    }
}

/// The scope of a SELECT reading exactly one known table.
fn single_table<'a>(cx: &StmtCtx<'a>, s: &'a pb::SelectStmt) -> Option<Scope<'a>> {
    match s.from_clause.as_slice() {
        [only] => match only.node.as_ref()? {
            NodeEnum::RangeVar(rv) => scope_of(cx, rv),
            _ => None,
        },
        _ => None,
    }
}

fn check_index(cx: &StmtCtx<'_>, scope: &Scope, s: &pb::IndexStmt, out: &mut Vec<Missing>) {
    let from = s.relation.as_ref().map_or(0, |r| r.location);
    for p in s.index_params.iter().chain(&s.index_including_params) {
        let Some(NodeEnum::IndexElem(e)) = &p.node else {
            continue;
        };
        match &e.expr {
            Some(x) => check_expr(cx, scope, x, out),
            None if !e.name.is_empty() && !scope.has(&e.name) => out.push(Missing {
                column: e.name.clone(),
                span: ident_span(cx, from, &e.name),
                relation: scope.name.clone(),
            }),
            None => {}
        }
    }
    if let Some(w) = &s.where_clause {
        check_expr(cx, scope, w, out);
    }
}

fn check_create_table(cx: &StmtCtx<'_>, s: &pb::CreateStmt, out: &mut Vec<Missing>) {
    // Columns inherited, copied with LIKE, or taken from a parent: unknown here.
    let copies = s
        .table_elts
        .iter()
        .any(|e| matches!(e.node, Some(NodeEnum::TableLikeClause(_))));
    if copies || !s.inh_relations.is_empty() || s.partbound.is_some() || s.of_typename.is_some() {
        return;
    }
    let Some(rv) = &s.relation else { return };
    let Some(name) = cx.subject() else {
        return;
    };
    let scope = Scope {
        name,
        label: &rv.relname,
        columns: s
            .table_elts
            .iter()
            .filter_map(|e| match &e.node {
                Some(NodeEnum::ColumnDef(c)) => Some(c.colname.as_str()),
                _ => None,
            })
            .collect(),
    };
    for (con, column) in constraints_of(&s.table_elts).chain(table_constraints(&s.constraints)) {
        check_constraint(cx, &scope, con, column, out);
    }
}

/// Column constraints (with their column) and table constraints of a CREATE TABLE.
fn constraints_of(elts: &[Node]) -> impl Iterator<Item = (&pb::Constraint, bool)> {
    elts.iter().flat_map(|e| match &e.node {
        Some(NodeEnum::ColumnDef(c)) => c
            .constraints
            .iter()
            .filter_map(|n| match &n.node {
                Some(NodeEnum::Constraint(con)) => Some((con.as_ref(), true)),
                _ => None,
            })
            .collect::<Vec<_>>(),
        Some(NodeEnum::Constraint(con)) => vec![(con.as_ref(), false)],
        _ => Vec::new(),
    })
}

fn table_constraints(nodes: &[Node]) -> impl Iterator<Item = (&pb::Constraint, bool)> {
    nodes.iter().filter_map(|n| match &n.node {
        Some(NodeEnum::Constraint(con)) => Some((con.as_ref(), false)),
        _ => None,
    })
}

fn check_alter_table<'a>(cx: &StmtCtx<'a>, s: &'a pb::AlterTableStmt, out: &mut Vec<Missing>) {
    let Some(mut scope) = s.relation.as_ref().and_then(|rv| scope_of(cx, rv)) else {
        return;
    };
    let cmds = crate::sql::ast::alter_table_cmds(s);
    // PostgreSQL adds the statement's new columns before any of its
    // constraints, wherever they are written.
    for cmd in &cmds {
        if let Some(NodeEnum::ColumnDef(c)) = cmd.def.as_deref().and_then(|d| d.node.as_ref()) {
            scope.columns.push(&c.colname);
        }
    }
    for cmd in cmds {
        match cmd.def.as_deref().and_then(|d| d.node.as_ref()) {
            Some(NodeEnum::ColumnDef(c)) => {
                for n in &c.constraints {
                    if let Some(NodeEnum::Constraint(con)) = &n.node {
                        check_constraint(cx, &scope, con, true, out);
                    }
                }
            }
            Some(NodeEnum::Constraint(con)) => check_constraint(cx, &scope, con, false, out),
            _ => {}
        }
    }
}

/// Key columns, CHECK expressions and foreign key columns of one constraint.
/// `on_column`: a column constraint, whose keys are its column.
fn check_constraint(
    cx: &StmtCtx<'_>,
    scope: &Scope,
    con: &pb::Constraint,
    on_column: bool,
    out: &mut Vec<Missing>,
) {
    let keys = |list: &[Node], target: &Scope, out: &mut Vec<Missing>| {
        for col in strings(list) {
            if !target.has(&col) {
                out.push(Missing {
                    span: ident_span(cx, con.location, &col),
                    column: col,
                    relation: target.name.clone(),
                });
            }
        }
    };
    match ConstrType::try_from(con.contype) {
        Ok(ConstrType::ConstrCheck) => {
            if let Some(e) = &con.raw_expr {
                check_expr(cx, scope, e, out);
            }
        }
        Ok(ConstrType::ConstrPrimary | ConstrType::ConstrUnique) if !on_column => {
            keys(&con.keys, scope, out);
            keys(&con.including, scope, out);
        }
        Ok(ConstrType::ConstrForeign) => {
            if !on_column {
                keys(&con.fk_attrs, scope, out);
            }
            let Some(pk) = &con.pktable else { return };
            let is_self = pk.relname == scope.name.name.as_str()
                && (pk.schemaname.is_empty() || pk.schemaname == scope.name.schema.as_str());
            let parent = if is_self {
                None
            } else {
                match table_of(cx, pk).and_then(|t| Scope::of(t, &pk.relname)) {
                    Some(p) => Some(p),
                    None => return, // undefined-object's, or columns unknown
                }
            };
            keys(&con.pk_attrs, parent.as_ref().unwrap_or(scope), out);
        }
        _ => {}
    }
}

/// A view over exactly one known table, with no subqueries: its select list
/// and WHERE clause must use that table's columns. Anything else is skipped.
fn check_view(cx: &StmtCtx<'_>, q: &Node, out: &mut Vec<Missing>) {
    let Some(sel) = simple_select(Some(q)) else {
        return;
    };
    let Some(scope) = single_table(cx, sel) else {
        return;
    };
    let all = node_descendants(q);
    if all
        .iter()
        .any(|n| matches!(n, NodeRef::SubLink(_) | NodeRef::RangeSubselect(_)))
    {
        return;
    }
    let nodes: Vec<NodeRef<'_>> = sel
        .target_list
        .iter()
        .chain(sel.where_clause.as_deref())
        .flat_map(node_descendants)
        .collect();
    report_refs(cx, &[&scope], column_refs(&nodes), out);
}

/// Where `name` is written in the statement, at or after node location
/// `from` (key lists carry no locations of their own); the statement's
/// name at `from` when it cannot be found.
fn ident_span(cx: &StmtCtx<'_>, from: i32, name: &str) -> Span {
    let stmt = cx.stmt;
    let fallback = stmt.name_at(from);
    let start = stmt.base.saturating_add(u32::try_from(from).unwrap_or(0));
    let Some(text) = stmt.text.get(start as usize..stmt.span.end as usize) else {
        return fallback;
    };
    let Ok(tokens) = crate::sql::scan_tokens(text) else {
        return fallback;
    };
    for t in tokens {
        let (Ok(s), Ok(e)) = (u32::try_from(t.start), u32::try_from(t.end)) else {
            continue;
        };
        let Some(word) = text.get(s as usize..e as usize) else {
            continue;
        };
        let folded = match word.strip_prefix('"').and_then(|w| w.strip_suffix('"')) {
            Some(quoted) => quoted.replace("\"\"", "\""),
            None => word.to_lowercase(),
        };
        if folded == name {
            return Span {
                file: stmt.span.file,
                start: start.saturating_add(s),
                end: start.saturating_add(e),
            };
        }
    }
    fallback
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet};

    const ID: &str = "undefined-column";
    const T: &str = "create table public.docs (id uuid primary key, owner_id uuid, title text, deleted_at timestamptz);\n";

    #[test]
    fn policy_column_fires_at_the_reference() {
        let out = fires(ID, &format!("{T}create policy p on public.docs for select to authenticated\n  using (user_id = (select auth.uid()));"));
        assert!(out.contains("test.sql:3:10"), "{out}");
        assert!(
            out.contains("[public.docs] column `user_id` does not exist in `public.docs`"),
            "{out}"
        );
    }

    #[test]
    fn policy_with_table_qualified_and_system_columns_is_quiet() {
        quiet(ID, &format!("{T}create policy p on public.docs for select to authenticated using (docs.owner_id = (select auth.uid()) and deleted_at is null and tableoid > 0 and current_user = 'x' and current_timestamp > now());"));
    }

    #[test]
    fn policy_with_table_qualified_missing_column_fires() {
        fires(
            ID,
            &format!(
                "{T}create policy p on public.docs for select using (docs.user_id = auth.uid());"
            ),
        );
    }

    #[test]
    fn alter_policy_is_checked() {
        fires(ID, &format!("{T}create policy p on public.docs for select using (true);\nalter policy p on public.docs using (ownr = auth.uid());"));
    }

    #[test]
    fn whole_row_reference_is_not_a_column() {
        quiet(ID, &format!("{T}create function public.ok(d public.docs) returns boolean language sql as 'select true';\ncreate policy p on public.docs for select using (public.ok(docs));"));
    }

    #[test]
    fn subquery_over_one_table_is_checked_with_correlation() {
        let members = "create table public.members (doc_id uuid, user_id uuid, primary key (doc_id, user_id));\n";
        quiet(ID, &format!("{T}{members}create policy p on public.docs for select using (exists (select 1 from public.members m where m.doc_id = docs.id and m.user_id = auth.uid() and owner_id is not null));"));
        fires(ID, &format!("{T}{members}create policy p on public.docs for select using (exists (select 1 from public.members m where m.document_id = id));"));
        fires(ID, &format!("{T}{members}create policy p on public.docs for select using (id in (select doc_id from public.members where member = auth.uid()));"));
    }

    #[test]
    fn subquery_over_a_join_or_unknown_table_is_skipped() {
        let members = "create table public.members (doc_id uuid, user_id uuid, primary key (doc_id, user_id));\n";
        quiet(ID, &format!("{T}{members}create policy p on public.docs for select using (exists (select 1 from public.members m join public.docs d on d.id = m.doc_id where m.whatever = 1));"));
        quiet(ID, &format!("{T}create policy p on public.docs for select using (exists (select 1 from auth.users u where u.confirmed_at is not null));"));
    }

    #[test]
    fn index_columns_expressions_predicate_and_include() {
        let out = fires(
            ID,
            &format!("{T}create index docs_x on public.docs (owner_id, titel);"),
        );
        assert!(out.contains("test.sql:2:47"), "{out}");
        fires(
            ID,
            &format!("{T}create index docs_x on public.docs (lower(titel));"),
        );
        fires(
            ID,
            &format!("{T}create index docs_x on public.docs (owner_id) where removed_at is null;"),
        );
        fires(
            ID,
            &format!("{T}create index docs_x on public.docs (owner_id) include (name);"),
        );
        quiet(ID, &format!("{T}create index docs_x on public.docs (owner_id, lower(title)) include (id) where deleted_at is null;"));
    }

    #[test]
    fn column_added_later_exists_then() {
        quiet(ID, &format!("{T}alter table public.docs add column body text;\ncreate index on public.docs (body);"));
        fires(ID, &format!("{T}create index on public.docs (body);\nalter table public.docs add column body text;"));
    }

    #[test]
    fn dropped_column_no_longer_exists() {
        fires(ID, &format!("{T}alter table public.docs drop column title;\ncreate index on public.docs (title);"));
    }

    #[test]
    fn create_table_constraints_use_its_own_columns() {
        fires(
            ID,
            "create table public.t (id int primary key, a int, check (b > 0));",
        );
        fires(
            ID,
            "create table public.t (id int, a int, primary key (idd));",
        );
        fires(
            ID,
            "create table public.t (id int primary key, a int, unique (a, c));",
        );
        fires(ID, "create table public.t (id int primary key, a int, foreign key (p) references public.t (id));");
        quiet(ID, "create table public.t (id int primary key, parent int references public.t (id), a int check (a > 0), check (a < id), unique (a) include (parent));");
    }

    #[test]
    fn referenced_columns_must_exist_in_the_parent() {
        let out = fires(ID, "create table public.p (id uuid primary key);\ncreate table public.c (id int primary key, p_id uuid references public.p (uid));");
        assert!(out.contains("does not exist in `public.p`"), "{out}");
        quiet(ID, "create table public.c (id int primary key, p_id uuid references public.nowhere (uid));");
    }

    #[test]
    fn alter_table_add_constraint_sees_columns_added_before_it() {
        quiet(
            ID,
            &format!(
                "{T}alter table public.docs add column n int, add constraint n_pos check (n > 0);"
            ),
        );
        // Written after the constraint, added before it (ALTER TABLE's passes).
        quiet(
            ID,
            &format!(
                "{T}alter table public.docs add constraint n_pos check (n > 0), add column n int;"
            ),
        );
        fires(
            ID,
            &format!("{T}alter table public.docs add constraint n_pos check (n > 0);"),
        );
        fires(
            ID,
            &format!("{T}alter table public.docs add constraint docs_u unique (slug);"),
        );
        fires(
            ID,
            &format!("{T}alter table public.docs add column n int check (m > 0);"),
        );
    }

    #[test]
    fn like_and_inherits_are_skipped() {
        quiet(
            ID,
            &format!("{T}create table public.t (like public.docs, check (title <> ''));"),
        );
        quiet(
            ID,
            &format!(
                "{T}create table public.t (x int, check (title <> '')) inherits (public.docs);"
            ),
        );
    }

    #[test]
    fn create_table_as_has_the_columns_of_its_query() {
        // The copy has the source's columns, whatever is added later.
        quiet(
            ID,
            &format!("{T}create table public.c as select * from public.docs;\nalter table public.c add column extra int;\ncreate index c_t on public.c (title) include (id);"),
        );
        fires(
            ID,
            &format!("{T}create table public.c as select id from public.docs;\ncreate index c_t on public.c (title);"),
        );
        // A query pgvet does not read: the columns are unknown, not missing.
        quiet(
            ID,
            &format!("{T}create table public.c as select title, count(*) as n from public.docs group by title;\nalter table public.c add column extra int;\ncreate index c_n on public.c (n);"),
        );
    }

    #[test]
    fn view_over_one_table() {
        fires(ID, &format!("{T}create view public.v with (security_invoker = true) as select id, titel from public.docs;"));
        fires(
            ID,
            &format!("{T}create view public.v as select d.id from public.docs d where d.gone;"),
        );
        quiet(ID, &format!("{T}create view public.v as select id, title as name, count(*) over () from public.docs where deleted_at is null order by name;"));
        quiet(
            ID,
            &format!(
                "{T}create view public.v as select d.id, x.y from public.docs d, public.other x;"
            ),
        );
    }

    #[test]
    fn trigger_update_of_column() {
        let fn_sql = "create function public.f() returns trigger language plpgsql as $$ begin return new; end $$;\n";
        fires(ID, &format!("{T}{fn_sql}create trigger tr before update of titel on public.docs for each row execute function public.f();"));
        quiet(ID, &format!("{T}{fn_sql}create trigger tr before update of title on public.docs for each row execute function public.f();"));
    }

    #[test]
    fn missing_table_is_undefined_objects_business() {
        quiet(
            ID,
            "create index on public.nowhere (x);\ncreate policy p on public.nowhere using (y);",
        );
    }

    #[test]
    fn quoted_column_names_compare_exactly() {
        quiet(ID, "create table public.t (id int primary key, \"Title\" text);\ncreate index on public.t (\"Title\");");
        fires(ID, "create table public.t (id int primary key, \"Title\" text);\ncreate index on public.t (title);");
    }
}
