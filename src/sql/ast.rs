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
