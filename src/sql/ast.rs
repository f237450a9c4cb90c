//! Small readers over pg_query's typed tree.

use pg_query::protobuf::{self as pb, a_const, Node};
use pg_query::NodeEnum;

/// The string values of a list of `String` nodes (`{schema, name}` lists).
pub fn strings(nodes: &[Node]) -> Vec<String> {
    nodes
        .iter()
        .filter_map(|n| match &n.node {
            Some(NodeEnum::String(s)) => Some(s.sval.clone()),
            _ => None,
        })
        .collect()
}

/// A possibly qualified name from a name list: (schema, name).
pub fn split_name(nodes: &[Node]) -> Option<(Option<String>, String)> {
    let mut parts = strings(nodes);
    let name = parts.pop()?;
    let schema = parts.pop();
    Some((schema, name))
}

pub fn range_var_name(rv: &pb::RangeVar) -> (Option<String>, String) {
    let schema = (!rv.schemaname.is_empty()).then(|| rv.schemaname.clone());
    (schema, rv.relname.clone())
}

/// The text of a string, integer or boolean constant node, also under a
/// cast (`'x'::text`, as PostgreSQL prints constants back).
pub fn const_text(node: &Node) -> Option<String> {
    match node.node.as_ref()? {
        NodeEnum::TypeCast(t) => t.arg.as_deref().and_then(const_text),
        NodeEnum::String(s) => Some(s.sval.clone()),
        NodeEnum::Integer(i) => Some(i.ival.to_string()),
        NodeEnum::Float(f) => Some(f.fval.clone()),
        NodeEnum::Boolean(b) => Some(b.boolval.to_string()),
        NodeEnum::AConst(c) => match c.val.as_ref()? {
            a_const::Val::Sval(s) => Some(s.sval.clone()),
            a_const::Val::Ival(i) => Some(i.ival.to_string()),
            a_const::Val::Fval(f) => Some(f.fval.clone()),
            a_const::Val::Boolval(b) => Some(b.boolval.to_string()),
            a_const::Val::Bsval(b) => Some(b.bsval.clone()),
        },
        NodeEnum::TypeName(t) => strings(&t.names).last().cloned(),
        NodeEnum::List(l) => Some(
            l.items
                .iter()
                .filter_map(const_text)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        _ => None,
    }
}

/// `DefElem`s of a list, by name.
pub fn def_elems(nodes: &[Node]) -> impl Iterator<Item = &pb::DefElem> {
    nodes.iter().filter_map(|n| match &n.node {
        Some(NodeEnum::DefElem(d)) => Some(d.as_ref()),
        _ => None,
    })
}

pub fn def_arg_text(d: &pb::DefElem) -> Option<String> {
    d.arg.as_deref().and_then(const_text)
}

/// Every node below (and including) `node`, depth-first.
pub fn descendants(node: &NodeEnum) -> Vec<pg_query::NodeRef<'_>> {
    let mut all = vec![node.to_ref()];
    all.extend(node.nodes().into_iter().map(|(n, _, _, _)| n));
    all
}

/// The INTO clause of `SELECT ... INTO [TEMP | UNLOGGED] [TABLE] t`: that
/// of the left-most SELECT of a UNION, INTERSECT or EXCEPT, the only one
/// PostgreSQL accepts it in. None for a SELECT without INTO.
pub fn select_into(s: &pb::SelectStmt) -> Option<&pb::IntoClause> {
    let mut leaf = s;
    while is_set_operation(leaf) {
        leaf = leaf.larg.as_deref()?;
    }
    leaf.into_clause.as_deref()
}

/// `SELECT ... INTO t` as the `CREATE TABLE t AS SELECT ...` PostgreSQL runs
/// it as (`transformOptionalSelectInto`): the statement's query without its
/// INTO clause, which becomes the new table's. None without INTO.
pub fn select_into_as_create_table(s: &pb::SelectStmt) -> Option<pb::CreateTableAsStmt> {
    let into = select_into(s)?.clone();
    let mut query = s.clone();
    let mut leaf = &mut query;
    while is_set_operation(leaf) {
        leaf = leaf.larg.as_deref_mut()?;
    }
    leaf.into_clause = None;
    Some(pb::CreateTableAsStmt {
        query: Some(Box::new(Node {
            node: Some(NodeEnum::SelectStmt(Box::new(query))),
        })),
        into: Some(Box::new(into)),
        objtype: pb::ObjectType::ObjectTable as i32,
        is_select_into: true,
        if_not_exists: false,
    })
}

/// UNION, INTERSECT or EXCEPT (not a plain SELECT).
fn is_set_operation(s: &pb::SelectStmt) -> bool {
    s.op != pb::SetOperation::SetopNone as i32 && s.op != pb::SetOperation::Undefined as i32
}

/// The subcommands of an ALTER TABLE, in written order.
pub fn alter_table_cmds(s: &pb::AlterTableStmt) -> Vec<&pb::AlterTableCmd> {
    s.cmds
        .iter()
        .filter_map(|n| match &n.node {
            Some(NodeEnum::AlterTableCmd(cmd)) => Some(cmd.as_ref()),
            _ => None,
        })
        .collect()
}
