//! Readers over migration statements that several migration-safety rules share.

use pg_query::protobuf as pb;
use pg_query::NodeEnum;

/// The subcommands of `ALTER TABLE`.
pub fn alter_table_cmds(s: &pb::AlterTableStmt) -> impl Iterator<Item = &pb::AlterTableCmd> {
    s.cmds.iter().filter_map(|c| match &c.node {
        Some(NodeEnum::AlterTableCmd(cmd)) => Some(cmd.as_ref()),
        _ => None,
    })
}

/// The column an `ADD COLUMN` subcommand adds.
pub fn added_column(cmd: &pb::AlterTableCmd) -> Option<&pb::ColumnDef> {
    if cmd.subtype() != pb::AlterTableType::AtAddColumn {
        return None;
    }
    match cmd.def.as_deref().and_then(|d| d.node.as_ref()) {
        Some(NodeEnum::ColumnDef(c)) => Some(c.as_ref()),
        _ => None,
    }
}

/// The constraint an `ADD CONSTRAINT` subcommand adds.
pub fn added_constraint(cmd: &pb::AlterTableCmd) -> Option<&pb::Constraint> {
    if cmd.subtype() != pb::AlterTableType::AtAddConstraint {
        return None;
    }
    match cmd.def.as_deref().and_then(|d| d.node.as_ref()) {
        Some(NodeEnum::Constraint(c)) => Some(c.as_ref()),
        _ => None,
    }
}

/// The constraints written on a column (`NOT NULL`, `DEFAULT`, `REFERENCES`, ...).
pub fn column_constraints(col: &pb::ColumnDef) -> impl Iterator<Item = &pb::Constraint> {
    col.constraints.iter().filter_map(|c| match &c.node {
        Some(NodeEnum::Constraint(k)) => Some(k.as_ref()),
        _ => None,
    })
}

/// The lowercased last part of a written type name (`pg_catalog.varchar` -> `varchar`).
pub fn type_base_name(t: &pb::TypeName) -> String {
    t.names
        .iter()
        .rev()
        .find_map(|n| match &n.node {
            Some(NodeEnum::String(s)) => Some(s.sval.to_ascii_lowercase()),
            _ => None,
        })
        .unwrap_or_default()
}
