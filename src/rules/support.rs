//! Facts several rules need, computed in one place.

pub mod exposure;
pub mod expr;
pub mod integrity;
pub mod keys;
pub mod migration;
pub mod plpgsql;
pub mod rls;
pub mod search_path;

use pg_query::NodeEnum;

use crate::catalog::{
    resolve, Catalog, ConstraintKind, ForeignKey, Ident, Index, QualifiedName, RelKind, Table,
};
use crate::source::migrations::{split::Statement, split_name};

/// Whether `ix` lets PostgreSQL find the child rows of `fk` without a scan:
/// valid, not partial, btree, and its first `n` keys are exactly the FK's
/// `n` columns in any order. A partial index covers only some rows, so a
/// delete on the parent would still scan the child.
pub fn index_serves_fk(ix: &Index, fk: &ForeignKey) -> bool {
    ix.is_valid
        && ix.predicate.is_none()
        && ix.method.as_str() == "btree"
        && ix
            .leading_columns(fk.columns.len())
            .is_some_and(|lead| same_set(&lead, &fk.columns))
}

fn same_set(a: &[&Ident], b: &[Ident]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x)) && b.iter().all(|x| a.contains(&x))
}

pub fn foreign_keys(
    table: &Table,
) -> impl Iterator<Item = (&crate::catalog::Constraint, &ForeignKey)> {
    table.constraints.iter().filter_map(|c| match &c.kind {
        ConstraintKind::ForeignKey(fk) => Some((c, fk)),
        _ => None,
    })
}

pub fn has_primary_key(table: &Table) -> bool {
    table
        .constraints
        .iter()
        .any(|c| matches!(c.kind, ConstraintKind::PrimaryKey { .. }))
}

/// Tables the API can reach: user tables (or partitioned tables) in an exposed schema.
pub fn exposed_tables(cat: &Catalog) -> impl Iterator<Item = &Table> {
    cat.user_tables()
        .filter(|t| cat.is_exposed(&t.name.schema) && t.kind != RelKind::Foreign)
}

/// The object a statement is about, for naming it in findings.
pub fn statement_subject(
    cat: &Catalog,
    search_path: &[Ident],
    stmt: &Statement,
) -> Option<QualifiedName> {
    let rel = |rv: &pg_query::protobuf::RangeVar| {
        let schema = (!rv.schemaname.is_empty()).then_some(rv.schemaname.as_str());
        match resolve::relation(cat, search_path, schema, &rv.relname) {
            Ok(q) | Err(q) => q,
        }
    };
    let func = |names: &[pg_query::protobuf::Node]| {
        let (schema, name) = split_name(names)?;
        Some(resolve::for_create(
            cat,
            search_path,
            schema.as_deref(),
            &name,
        ))
    };
    match &stmt.node {
        NodeEnum::CreateStmt(s) => s.relation.as_ref().map(rel),
        NodeEnum::AlterTableStmt(s) => s.relation.as_ref().map(rel),
        NodeEnum::IndexStmt(s) => s.relation.as_ref().map(rel),
        NodeEnum::CreatePolicyStmt(s) => s.table.as_ref().map(rel),
        NodeEnum::AlterPolicyStmt(s) => s.table.as_ref().map(rel),
        NodeEnum::CreateTrigStmt(s) => s.relation.as_ref().map(rel),
        NodeEnum::ViewStmt(s) => s.view.as_ref().map(rel),
        NodeEnum::CreateTableAsStmt(s) => s.into.as_ref().and_then(|i| i.rel.as_ref()).map(rel),
        NodeEnum::RenameStmt(s) => s.relation.as_ref().map(rel),
        NodeEnum::InsertStmt(s) => s.relation.as_ref().map(rel),
        NodeEnum::UpdateStmt(s) => s.relation.as_ref().map(rel),
        NodeEnum::DeleteStmt(s) => s.relation.as_ref().map(rel),
        NodeEnum::CreateFunctionStmt(s) => func(&s.funcname),
        NodeEnum::AlterFunctionStmt(s) => s.func.as_ref().and_then(|f| func(&f.objname)),
        _ => None,
    }
}

/// For a rule's `validate_options`: the options must decode as `T`
/// (declare `T` with `#[serde(deny_unknown_fields)]`).
pub fn validate_options<T: serde::de::DeserializeOwned>(
    raw: &serde_norway::Value,
) -> Result<(), String> {
    serde_norway::from_value::<T>(raw.clone())
        .map(|_| ())
        .map_err(|e| e.to_string())
}
