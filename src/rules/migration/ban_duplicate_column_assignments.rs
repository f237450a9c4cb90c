//! A column assigned twice in one UPDATE, INSERT column list, ON CONFLICT DO UPDATE or MERGE action, or defined twice in a new table, view or type. Docs: rules/ban-duplicate-column-assignments.yaml.

use pg_query::protobuf as pb;
use pg_query::{NodeEnum, NodeRef};

use crate::catalog::{resolve, Ident};
use crate::rules::{StatementRule, StmtCtx};
use crate::sql::{ast, descendants, select};

pub struct BanDuplicateColumnAssignments;

impl StatementRule for BanDuplicateColumnAssignments {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        // WITH clauses and rule actions hold statements of their own.
        let mut lists: Vec<(&pb::RangeVar, &[pb::Node], &str)> = Vec::new();
        for node in descendants(&cx.stmt.node) {
            match node {
                NodeRef::UpdateStmt(s) => {
                    lists.extend(
                        s.relation
                            .as_ref()
                            .map(|r| (r, &s.target_list[..], "UPDATE")),
                    );
                }
                NodeRef::InsertStmt(s) => {
                    let Some(rel) = s.relation.as_ref() else {
                        continue;
                    };
                    lists.push((rel, &s.cols, "INSERT column list"));
                    if let Some(c) = &s.on_conflict_clause {
                        lists.push((rel, &c.target_list, "ON CONFLICT DO UPDATE"));
                    }
                }
                NodeRef::MergeStmt(s) => {
                    let Some(rel) = s.relation.as_ref() else {
                        continue;
                    };
                    for clause in &s.merge_when_clauses {
                        if let Some(NodeEnum::MergeWhenClause(w)) = &clause.node {
                            lists.push((rel, &w.target_list, "MERGE action"));
                        }
                    }
                }
                _ => {}
            }
        }
        let mut found = Vec::new();
        for (rel, targets, clause) in lists {
            for (column, location) in duplicates(targets) {
                let table = cx.table(rel).name;
                found.push((table, column, location, clause));
            }
        }
        for (table, column, location, clause) in found {
            let message = format!(
                "column `{}` of `{table}` is assigned more than once in one {clause}, which PostgreSQL rejects",
                Ident::new(column.as_str())
            );
            let span = cx.stmt.name_at(location);
            cx.report(&table, Some(span), message);
        }
        defined_twice(cx);
    }
}

/// The columns a new relation or composite type would get: written in
/// its definition, or named by its query.
enum Columns {
    /// Column definitions (`CREATE TABLE`, `CREATE TYPE ... AS`), with
    /// where each is written.
    Defined(Vec<(String, i32)>),
    /// The output columns of a query, renamed by the statement's list.
    Query(Vec<(String, i32)>),
}

/// Relations and composite types whose definition or query names a column
/// twice: PostgreSQL rejects them (`column "a" specified more than once`).
fn defined_twice(cx: &mut StmtCtx<'_>) {
    let mut made: Vec<(&pb::RangeVar, Columns, &str)> = Vec::new();
    let stmt = &cx.stmt.node;
    // Only CREATE SCHEMA holds such statements of its own, which make
    // their objects in that schema.
    let (elements, schema): (Vec<&NodeEnum>, Option<&str>) = match stmt {
        NodeEnum::CreateSchemaStmt(s) => (
            s.schema_elts
                .iter()
                .filter_map(|e| e.node.as_ref())
                .collect(),
            Some(s.schemaname.as_str()),
        ),
        other => (vec![other], None),
    };
    for node in elements {
        made.extend(made_by(cx, node));
    }
    let mut found = Vec::new();
    for (rv, columns, what) in made {
        let (names, from_query) = match columns {
            Columns::Defined(n) => (n, false),
            Columns::Query(n) => (n, true),
        };
        let object = match schema.filter(|_| rv.schemaname.is_empty()) {
            Some(schema) => crate::catalog::QualifiedName::new(schema, rv.relname.as_str()),
            None => cx.table(rv).name,
        };
        for (column, location) in repeated(&names) {
            let part = if what == "CREATE TYPE" {
                "attribute"
            } else {
                "column"
            };
            let how = if from_query { "named" } else { "defined" };
            // FigureColname: an expression with no name of its own.
            let unnamed = if from_query && column == "?column?" {
                " (each expression without a name of its own is called `?column?`)"
            } else {
                ""
            };
            let message = format!(
                "{part} `{}` of `{object}` is {how} more than once in one {what}, which PostgreSQL rejects{unnamed}",
                Ident::new(column.as_str())
            );
            found.push((object.clone(), location, message));
        }
    }
    for (object, location, message) in found {
        let span = cx.stmt.name_at(location);
        cx.report(&object, Some(span), message);
    }
}

/// The relation or composite type `node` makes, with its columns and the
/// statement's words; None for any other statement. A SELECT counts only
/// with INTO.
fn made_by<'a>(
    cx: &StmtCtx<'_>,
    node: &'a NodeEnum,
) -> Option<(&'a pb::RangeVar, Columns, &'static str)> {
    match node {
        NodeEnum::CreateStmt(s) => {
            Some((s.relation.as_ref()?, defined(&s.table_elts), "CREATE TABLE"))
        }
        NodeEnum::CreateForeignTableStmt(f) => {
            let s = f.base_stmt.as_ref()?;
            Some((
                s.relation.as_ref()?,
                defined(&s.table_elts),
                "CREATE FOREIGN TABLE",
            ))
        }
        NodeEnum::CompositeTypeStmt(s) => {
            Some((s.typevar.as_ref()?, defined(&s.coldeflist), "CREATE TYPE"))
        }
        NodeEnum::ViewStmt(s) => {
            let rv = s.view.as_ref()?;
            let NodeEnum::SelectStmt(q) = s.query.as_deref()?.node.as_ref()? else {
                return None;
            };
            let columns = query_columns(cx, q, &s.aliases, rv.location)?;
            Some((rv, Columns::Query(columns), "CREATE VIEW"))
        }
        NodeEnum::CreateTableAsStmt(s) => {
            let into = s.into.as_ref()?;
            let rv = into.rel.as_ref()?;
            let NodeEnum::SelectStmt(q) = s.query.as_deref()?.node.as_ref()? else {
                return None;
            };
            let what = if s.objtype() == pb::ObjectType::ObjectMatview {
                "CREATE MATERIALIZED VIEW"
            } else {
                "CREATE TABLE AS"
            };
            let columns = query_columns(cx, q, &into.col_names, rv.location)?;
            Some((rv, Columns::Query(columns), what))
        }
        NodeEnum::SelectStmt(s) => {
            let rv = ast::select_into(s)?.rel.as_ref()?;
            let columns = query_columns(cx, s, &[], rv.location)?;
            Some((rv, Columns::Query(columns), "SELECT INTO"))
        }
        _ => None,
    }
}

/// The column definitions of a table or type element list.
fn defined(elements: &[pb::Node]) -> Columns {
    Columns::Defined(
        elements
            .iter()
            .filter_map(|e| match &e.node {
                Some(NodeEnum::ColumnDef(c)) => Some((c.colname.clone(), c.location)),
                _ => None,
            })
            .collect(),
    )
}

/// The output columns of `query` as PostgreSQL names them, the first ones
/// renamed by `aliases`, each with the place of its SELECT list entry
/// (`fallback`, the new relation's name, for a renamed one or one of a
/// `*`). None when a name cannot be worked out; then only the list of
/// names the statement gives is read.
fn query_columns(
    cx: &StmtCtx<'_>,
    query: &pb::SelectStmt,
    aliases: &[pb::Node],
    fallback: i32,
) -> Option<Vec<(String, i32)>> {
    let aliases = ast::strings(aliases);
    let lookup = |schema: Option<&str>, name: &str| -> Option<Vec<String>> {
        let qn = resolve::relation(cx.catalog, cx.search_path, schema, name).ok()?;
        if let Some(t) = cx.catalog.tables.get(&qn) {
            // Columns the model may not have all of.
            let partial = t.columns_unknown || t.partition_of.is_some() || t.origin.is_baseline();
            return (!partial).then(|| {
                t.columns
                    .iter()
                    .map(|c| c.name.as_str().to_string())
                    .collect()
            });
        }
        let v = cx.catalog.views.get(&qn)?;
        (!v.origin.is_baseline() && !v.columns.is_empty())
            .then(|| v.columns.iter().map(|c| c.as_str().to_string()).collect())
    };
    let Some(names) = select::select_output_columns(query, &lookup) else {
        return (!aliases.is_empty()).then(|| aliases.into_iter().map(|a| (a, fallback)).collect());
    };
    // The SELECT list that names the columns: the left-most of a UNION.
    let mut leaf = query;
    while leaf.op != pb::SetOperation::SetopNone as i32
        && leaf.op != pb::SetOperation::Undefined as i32
    {
        leaf = leaf.larg.as_deref()?;
    }
    let locations: Vec<i32> = leaf
        .target_list
        .iter()
        .map(|t| match &t.node {
            Some(NodeEnum::ResTarget(rt)) => rt.location,
            _ => fallback,
        })
        .collect();
    let one_each = locations.len() == names.len();
    Some(
        names
            .into_iter()
            .enumerate()
            .map(|(i, name)| match aliases.get(i) {
                Some(alias) => (alias.clone(), fallback),
                None if one_each => (name, locations.get(i).copied().unwrap_or(fallback)),
                None => (name, fallback),
            })
            .collect(),
    )
}

/// Each name given more than once, with the place of its second mention.
fn repeated(names: &[(String, i32)]) -> Vec<(String, i32)> {
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<(String, i32)> = Vec::new();
    for (name, location) in names {
        if !seen.insert(name.as_str()) && !out.iter().any(|(n, _)| n == name) {
            out.push((name.clone(), *location));
        }
    }
    out
}

/// The columns a target list names twice where PostgreSQL refuses it, with
/// the place of the second mention. Two assignments to parts of one column
/// (`a[1] = 1, a[2] = 2`, `c.x = 1, c.y = 2`) are merged by PostgreSQL;
/// a whole-column one next to any other is an error.
fn duplicates(targets: &[pb::Node]) -> Vec<(String, i32)> {
    let mut seen: Vec<(&str, bool)> = Vec::new();
    let mut out: Vec<(String, i32)> = Vec::new();
    for target in targets {
        let Some(NodeEnum::ResTarget(t)) = &target.node else {
            continue;
        };
        let whole = t.indirection.is_empty();
        let clash = seen
            .iter()
            .any(|(name, prior_whole)| *name == t.name && (whole || *prior_whole));
        if clash && !out.iter().any(|(name, _)| *name == t.name) {
            out.push((t.name.clone(), t.location));
        }
        seen.push((&t.name, whole));
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::case;

    const RULE: &str = "ban-duplicate-column-assignments";
    const CREATE: &str =
        "create table public.t (id bigint primary key, a int, b int, tags int[]);\n";

    fn fires(sql: &str) -> String {
        case(&format!("{CREATE}{sql}")).fires(RULE)
    }

    fn quiet(sql: &str) {
        case(&format!("{CREATE}{sql}")).quiet(RULE);
    }

    #[test]
    fn update_assigning_a_column_twice_fires() {
        let out = fires("update public.t set a = 1, a = 2;");
        assert_eq!(
            out,
            "test.sql:2:28 ban-duplicate-column-assignments error [public.t] column `a` of `public.t` is assigned more than once in one UPDATE, which PostgreSQL rejects"
        );
    }

    #[test]
    fn names_are_compared_after_folding() {
        fires("update public.t set a = 1, A = 2;");
        quiet("update public.t set a = 1, \"A\" = 2;");
    }

    #[test]
    fn row_assignment_counts_each_column() {
        fires("update public.t set (a, b) = (1, 2), a = 3;");
        quiet("update public.t set (a, b) = (select 1, 2);");
    }

    #[test]
    fn parts_of_one_column_are_merged() {
        quiet("update public.t set tags[1] = 1, tags[2] = 2;");
        fires("update public.t set tags = '{}', tags[1] = 1;");
    }

    #[test]
    fn insert_column_list_fires() {
        let out = fires("insert into public.t (id, a, a) values (1, 2, 3);");
        assert!(out.contains("INSERT column list"), "{out}");
        quiet("insert into public.t (id, a, b) values (1, 2, 3);");
    }

    #[test]
    fn on_conflict_and_merge_fire() {
        fires("insert into public.t (id, a) values (1, 2) on conflict (id) do update set b = 1, b = 2;");
        fires("merge into public.t using (select 1 as id) s on t.id = s.id when matched then update set a = 1, a = 2;");
        fires("merge into public.t using (select 1 as id) s on t.id = s.id when not matched then insert (id, id) values (1, 2);");
    }

    #[test]
    fn statements_inside_with_fire() {
        fires("with x as (update public.t set b = 1, b = 2 returning id) select id from x;");
    }

    #[test]
    fn each_column_is_reported_once() {
        let out = fires("update public.t set a = 1, a = 2, a = 3, b = 1, b = 2;");
        assert_eq!(out.lines().count(), 2, "{out}");
    }

    #[test]
    fn create_table_defining_a_column_twice_fires() {
        let out = fires("create table public.notes (body text, body text);");
        assert_eq!(
            out,
            "test.sql:2:39 ban-duplicate-column-assignments error [public.notes] column `body` of `public.notes` is defined more than once in one CREATE TABLE, which PostgreSQL rejects"
        );
        // Options for a typed table's or a partition's columns, too.
        fires("create type public.pair as (a int, b int);\ncreate table public.typed of public.pair (a with options not null, a with options default 1);");
        fires("create table public.p (a int) partition by list (a);\ncreate table public.p1 partition of public.p (a not null, a default 1) for values in (1);");
        quiet("create table public.u (a int, \"A\" int, b int);");
        let out = fires("create schema app create table notes (body text, body text);");
        assert!(
            out.contains("[app.notes] column `body` of `app.notes`"),
            "{out}"
        );
        // A column also inherited is merged with the parent's.
        quiet("create table public.child (a int, extra int) inherits (public.t);");
    }

    #[test]
    fn foreign_table_and_composite_type_fire_once() {
        let out = fires("create foreign table public.remote (a int, a text) server s;");
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(out.contains("in one CREATE FOREIGN TABLE"), "{out}");
        let out = fires("create type public.addr as (zip text, zip text);");
        assert!(
            out.contains(
                "attribute `zip` of `public.addr` is defined more than once in one CREATE TYPE"
            ),
            "{out}"
        );
    }

    #[test]
    fn view_whose_query_names_a_column_twice_fires() {
        let out = fires("create view public.v as select 1, 2;");
        assert_eq!(
            out,
            "test.sql:2:35 ban-duplicate-column-assignments error [public.v] column `\"?column?\"` of `public.v` is named more than once in one CREATE VIEW, which PostgreSQL rejects (each expression without a name of its own is called `?column?`)"
        );
        fires("create view public.v as select 1 as a, 2 as a;");
        fires("create view public.v (a, a) as select 1, 2;");
        fires("create view public.v as select count(*), count(*) from public.t;");
        // `*` of two tables that share a column name.
        fires("create view public.v as select * from public.t x, public.t y;");
        fires("create materialized view public.mv as select a, a from public.t;");
        quiet("create view public.v as select * from public.t x join public.t y using (id, a, b, tags);");
        quiet("create view public.v (x, y) as select 1 as a, 2 as a;");
        quiet("create view public.v as select 1 as a union select 2 as a;");
        // Relations the model does not know all columns of are not guessed at.
        quiet("create view public.v as select * from elsewhere x, elsewhere y;");
    }

    #[test]
    fn create_table_as_and_select_into_naming_a_column_twice_fire() {
        let out = fires("select 1 as a, 2 as a into public.z;");
        assert!(out.contains("in one SELECT INTO"), "{out}");
        assert!(out.starts_with("test.sql:2:16 "), "{out}");
        fires("select 1, 2 into temp scratch;");
        fires("select a, b as a into public.z from public.t union select 1, 2;");
        let out = fires("create table public.z as select 1 as a, 2 as a;");
        assert!(out.contains("in one CREATE TABLE AS"), "{out}");
        fires("create table public.z (a) as select 1, 2 as a;");
        quiet("create table public.z (x, y) as select 1 as a, 2 as a;");
        quiet("select 1 as x, 2 into public.z;");
        // A SELECT without INTO makes no table.
        quiet("select 1 as a, 2 as a;");
    }

    #[test]
    fn function_bodies_are_not_read() {
        quiet("create function public.f() returns void language sql as $$ update public.t set a = 1, a = 2 $$;");
    }
}
