//! Applies parsed statements, in order, to the catalog.
//!
//! Replay never fails: a statement about an object that does not exist (yet)
//! is skipped here, and the `undefined-object` rule reports it. Statement kinds
//! that do not change the schema model (DML, COMMENT, DO, transactions) pass
//! through untouched.

mod function;
mod misc;
mod policy;
mod table;

use pg_query::protobuf as pb;
use pg_query::NodeEnum;

use super::ast;
use super::split::Statement;
use crate::catalog::{baseline, resolve, Catalog, Expr, Ident, Origin, QualifiedName};

pub struct Replayer {
    pub catalog: Catalog,
    /// The session's search_path (without the implicit pg_catalog).
    pub search_path: Vec<Ident>,
}

impl Replayer {
    pub fn new(catalog: Catalog) -> Self {
        let search_path = baseline::default_search_path(catalog.platform);
        Replayer { catalog, search_path }
    }

    /// Each migration file runs in a fresh session.
    pub fn start_file(&mut self) {
        self.search_path = baseline::default_search_path(self.catalog.platform);
    }

    pub fn apply(&mut self, stmt: &Statement) {
        self.apply_node(&stmt.node, stmt);
    }

    fn apply_node(&mut self, node: &NodeEnum, stmt: &Statement) {
        match node {
            NodeEnum::CreateStmt(s) => self.create_table(s, stmt),
            NodeEnum::AlterTableStmt(s) => self.alter_table(s, stmt),
            NodeEnum::IndexStmt(s) => self.create_index(s, stmt),
            NodeEnum::RenameStmt(s) => self.rename(s, stmt),
            NodeEnum::DropStmt(s) => self.drop(s),
            NodeEnum::ViewStmt(s) => self.create_view(s, stmt),
            NodeEnum::CreateTableAsStmt(s) => self.create_table_as(s, stmt),
            NodeEnum::CreateFunctionStmt(s) => self.create_function(s, stmt),
            NodeEnum::AlterFunctionStmt(s) => self.alter_function(s, stmt),
            NodeEnum::DefineStmt(s) => self.define(s, stmt),
            NodeEnum::CreateTrigStmt(s) => self.create_trigger(s, stmt),
            NodeEnum::CreatePolicyStmt(s) => self.create_policy(s, stmt),
            NodeEnum::AlterPolicyStmt(s) => self.alter_policy(s),
            NodeEnum::CreateEnumStmt(s) => self.create_enum(s, stmt),
            NodeEnum::AlterEnumStmt(s) => self.alter_enum(s),
            NodeEnum::CreateDomainStmt(s) => self.create_domain(s, stmt),
            NodeEnum::CompositeTypeStmt(s) => self.create_composite(s, stmt),
            NodeEnum::CreateRangeStmt(s) => self.create_range(s, stmt),
            NodeEnum::CreateExtensionStmt(s) => self.create_extension(s, stmt),
            NodeEnum::CreateSchemaStmt(s) => {
                let schema = self.create_schema(s, stmt);
                // CREATE SCHEMA s CREATE TABLE t ...: the elements land in s.
                let saved = std::mem::replace(&mut self.search_path, vec![schema]);
                for elt in &s.schema_elts {
                    if let Some(n) = &elt.node {
                        self.apply_node(n, stmt);
                    }
                }
                self.search_path = saved;
            }
            NodeEnum::CreateSeqStmt(s) => self.create_sequence(s, stmt),
            NodeEnum::GrantStmt(s) => self.grant(s),
            NodeEnum::AlterDefaultPrivilegesStmt(s) => self.alter_default_privileges(s, stmt),
            NodeEnum::AlterObjectSchemaStmt(s) => self.set_schema(s),
            NodeEnum::VariableSetStmt(s) => self.set_variable(s),
            NodeEnum::SelectStmt(s) => self.select_set_config(s),
            _ => {}
        }
    }

    fn origin(stmt: &Statement) -> Origin {
        Origin::Migration(stmt.span)
    }

    fn origin_at(stmt: &Statement, location: i32) -> Origin {
        Origin::Migration(stmt.span_at(location))
    }

    /// The name a relation being created gets.
    fn name_for_create(&self, rv: &pb::RangeVar) -> QualifiedName {
        let (schema, name) = ast::range_var_name(rv);
        resolve::for_create(&self.catalog, &self.search_path, schema.as_deref(), &name)
    }

    /// An existing table named by `rv`.
    fn find_table(&self, rv: &pb::RangeVar) -> Option<QualifiedName> {
        let (schema, name) = ast::range_var_name(rv);
        resolve::table(&self.catalog, &self.search_path, schema.as_deref(), &name).ok()
    }

    /// A table name for a reference, resolved if it exists, else where it would be.
    fn table_ref(&self, rv: &pb::RangeVar) -> QualifiedName {
        let (schema, name) = ast::range_var_name(rv);
        match resolve::table(&self.catalog, &self.search_path, schema.as_deref(), &name) {
            Ok(qn) | Err(qn) => qn,
        }
    }

    fn function_ref(&self, names: &[pb::Node]) -> Option<QualifiedName> {
        let (schema, name) = ast::split_name(names)?;
        Some(match resolve::function(&self.catalog, &self.search_path, schema.as_deref(), &name) {
            Ok(qn) | Err(qn) => qn,
        })
    }

    fn type_name(&self, t: &pb::TypeName) -> crate::catalog::TypeName {
        ast::type_name(t, |n| resolve::user_type_schema(&self.catalog, &self.search_path, n))
    }
}

fn expr(node: &Option<Box<pb::Node>>) -> Option<Expr> {
    node.as_ref().map(|n| Expr { node: n.clone() })
}

fn role_name(node: &pb::Node) -> Option<Ident> {
    match node.node.as_ref()? {
        NodeEnum::RoleSpec(r) => Some(role_spec(r)),
        NodeEnum::String(s) => Some(Ident::new(s.sval.clone())),
        _ => None,
    }
}

fn role_spec(r: &pb::RoleSpec) -> Ident {
    use pb::RoleSpecType as T;
    match T::try_from(r.roletype) {
        Ok(T::RolespecPublic) => Ident::new("public"),
        Ok(T::RolespecCurrentUser) | Ok(T::RolespecCurrentRole) => Ident::new("current_user"),
        Ok(T::RolespecSessionUser) => Ident::new("session_user"),
        _ => Ident::new(r.rolename.clone()),
    }
}
