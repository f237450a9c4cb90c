//! Statements PostgreSQL rejects because what they create exists already:
//! `relation "x" already exists`, `multiple primary keys for table "t" are
//! not allowed`. Such a statement fails when the migration is applied, and
//! it changes nothing: the lint run reports it and does not replay it.
//!
//! Only certain cases count. The object in the way was made by a migration
//! statement (not the platform's baseline, a stand-in of `--assume-existing`
//! or a live database), and nothing since may have removed it without the
//! model knowing: a `DROP ... CASCADE` (its dependents are not all modelled),
//! `DROP OWNED`, a DO block or a called function whose text drops something,
//! a rename or schema move of a kind the replay does not follow.

use pg_query::protobuf as pb;
use pg_query::NodeEnum;

use super::Replayer;
use crate::catalog::{ConstraintKind, Ident, Origin, QualifiedName, TypeName};
use crate::sql::split::Statement;
use crate::sql::{ast, Span};

/// Why PostgreSQL refuses a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// PostgreSQL's own message (`relation "users" already exists`).
    pub message: String,
    /// The object in the way, for people: ``table `public.users` ``.
    pub what: String,
    /// The object in the way, or the table it belongs to, qualified.
    pub object: String,
    /// The node location of the name in the statement (-1: the statement).
    pub location: i32,
    /// Where the object in the way was made.
    pub existing: Option<Span>,
}

/// Since where the model may miss a drop (file, offset of the statement),
/// and which statements may have failed for a reason of their own.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(super) struct Doubt {
    /// Statements that name a table or type the model does not have (a
    /// foreign key to a table made outside the migrations): PostgreSQL
    /// rejects them, so what they make may not exist.
    failed: Vec<Span>,
    /// Something that may have dropped dependent objects (views, policies,
    /// triggers, constraints, indexes, columns, functions, types).
    dependents: Option<(u32, u32)>,
    /// Something that may have dropped anything, tables and schemas too.
    everything: Option<(u32, u32)>,
}

fn position(span: Span) -> (u32, u32) {
    (span.file.0, span.start)
}

/// What kind of object is in the way, for the doubt that applies to it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Standing {
    /// Tables, sequences, schemas, extensions: only DROP SCHEMA ... CASCADE,
    /// DROP EXTENSION ... CASCADE, DROP OWNED or code may remove them unseen.
    Independent,
    /// Anything another object's CASCADE drop may take with it.
    Dependent,
}

impl Replayer {
    /// Records what may remove objects the model does not see go; called
    /// for every migration statement before it is applied.
    pub(super) fn note_doubt(&mut self, stmt: &Statement) {
        let here = Some(position(stmt.span));
        let lower = || {
            stmt.text
                .get(stmt.span.start as usize..stmt.span.end as usize)
                .unwrap_or("")
                .to_ascii_lowercase()
        };
        if matches!(
            &stmt.node,
            NodeEnum::CreateStmt(_)
                | NodeEnum::AlterTableStmt(_)
                | NodeEnum::CreateTrigStmt(_)
                | NodeEnum::CreatePolicyStmt(_)
        ) && self.names_what_is_missing(stmt)
        {
            self.doubt.failed.push(stmt.span);
        }
        match &stmt.node {
            NodeEnum::DropStmt(s) if s.behavior == pb::DropBehavior::DropCascade as i32 => {
                self.doubt.dependents = here;
                let wide = matches!(
                    pb::ObjectType::try_from(s.remove_type),
                    Ok(pb::ObjectType::ObjectSchema) | Ok(pb::ObjectType::ObjectExtension)
                );
                if wide {
                    self.doubt.everything = here;
                }
            }
            // ALTER TABLE ... DROP COLUMN c CASCADE takes the views and
            // constraints of other tables that use the column with it.
            NodeEnum::AlterTableStmt(s)
                if s.cmds.iter().any(|c| {
                    matches!(&c.node, Some(NodeEnum::AlterTableCmd(c))
                        if c.behavior == pb::DropBehavior::DropCascade as i32)
                }) =>
            {
                self.doubt.dependents = here;
            }
            NodeEnum::DropOwnedStmt(_) | NodeEnum::AlterObjectSchemaStmt(_) => {
                self.doubt.everything = here;
            }
            NodeEnum::RenameStmt(s) => {
                use pb::ObjectType as Ot;
                let followed = matches!(
                    Ot::try_from(s.rename_type),
                    Ok(Ot::ObjectTable
                        | Ot::ObjectView
                        | Ot::ObjectMatview
                        | Ot::ObjectSequence
                        | Ot::ObjectForeignTable
                        | Ot::ObjectColumn
                        | Ot::ObjectTabconstraint
                        | Ot::ObjectIndex
                        | Ot::ObjectType
                        | Ot::ObjectDomain
                        | Ot::ObjectPolicy
                        | Ot::ObjectTrigger)
                );
                if !followed {
                    self.doubt.everything = here;
                }
            }
            NodeEnum::DoStmt(_) if lower().contains("drop") => self.doubt.everything = here,
            NodeEnum::SelectStmt(_) | NodeEnum::CallStmt(_) if self.calls_code_that_drops(stmt) => {
                self.doubt.everything = here;
            }
            _ => {}
        }
    }

    /// Whether a CREATE or ALTER TABLE references a table (foreign key,
    /// LIKE, INHERITS, PARTITION OF) or a column type the model does not
    /// have; a trigger its function or table; a policy a function or table
    /// in its expressions.
    fn names_what_is_missing(&self, stmt: &Statement) -> bool {
        let made = match &stmt.node {
            NodeEnum::CreateStmt(s) => s.relation.as_ref().map(|rv| self.name_for_create(rv)),
            _ => None,
        };
        let missing_table = |rv: &pb::RangeVar| {
            let (schema, name) = ast::range_var_name(rv);
            let found = crate::catalog::resolve::relation(
                &self.catalog,
                &self.search_path,
                schema.as_deref(),
                &name,
            );
            match found {
                // Made by a statement PostgreSQL rejected: missing too.
                Ok(qn) => self
                    .catalog
                    .table(&qn)
                    .is_some_and(|t| !self.stands(&t.origin)),
                Err(qn) => made.as_ref() != Some(&qn),
            }
        };
        let missing_type = |t: &pb::TypeName| {
            // An unknown unqualified name comes back as pg_catalog's.
            let ty = self.type_name(t);
            let known = if ty.is_builtin() {
                crate::catalog::types::builtin(ty.name.name.as_str()).is_some()
            } else {
                self.catalog.types.contains_key(&ty.name) || self.catalog.relation_exists(&ty.name)
            };
            !known
        };
        if let NodeEnum::CreateStmt(s) = &stmt.node {
            let parents = s.inh_relations.iter().filter_map(|n| match &n.node {
                Some(NodeEnum::RangeVar(rv)) => Some(rv),
                _ => None,
            });
            if parents.into_iter().any(missing_table) {
                return true;
            }
        }
        // A foreign key needs a primary key or unique constraint or index
        // on exactly the referenced columns.
        let no_key = |c: &pb::Constraint| {
            if c.contype != pb::ConstrType::ConstrForeign as i32 {
                return false;
            }
            let Some(rv) = c.pktable.as_ref() else {
                return false;
            };
            let Some(target) = self.find_table(rv).and_then(|q| self.catalog.table(&q)) else {
                return false;
            };
            if target.columns_unknown || !matches!(target.origin, Origin::Migration(_)) {
                return false;
            }
            let mut wanted: Vec<String> = ast::strings(&c.pk_attrs)
                .iter()
                .map(|a| Ident::new(a.as_str()).as_str().to_string())
                .collect();
            wanted.sort();
            let same = |cols: &[&Ident]| {
                let mut have: Vec<String> = cols.iter().map(|c| c.as_str().to_string()).collect();
                have.sort();
                have == wanted
            };
            let keyed = target.constraints.iter().any(|k| match &k.kind {
                ConstraintKind::PrimaryKey { columns } => {
                    wanted.is_empty() || same(&columns.iter().collect::<Vec<_>>())
                }
                ConstraintKind::Unique { columns, .. } => {
                    !wanted.is_empty() && same(&columns.iter().collect::<Vec<_>>())
                }
                _ => false,
            });
            let indexed = !wanted.is_empty()
                && target.indexes.iter().any(|ix| {
                    ix.unique
                        && ix.predicate.is_none()
                        && ix
                            .elems
                            .iter()
                            .map(|e| match &e.key {
                                crate::catalog::IndexKey::Column(c) => Some(c),
                                crate::catalog::IndexKey::Expression(_) => None,
                            })
                            .collect::<Option<Vec<_>>>()
                            .is_some_and(|cols| same(&cols))
                });
            !keyed && !indexed
        };
        let column_missing = |d: &pb::ColumnDef| {
            d.type_name.as_ref().is_some_and(missing_type)
                || d.constraints.iter().any(|c| {
                    matches!(&c.node, Some(NodeEnum::Constraint(c))
                        if c.pktable.as_ref().is_some_and(missing_table) || no_key(c))
                })
        };
        let element_missing = |n: &pb::Node| match &n.node {
            Some(NodeEnum::ColumnDef(d)) => column_missing(d),
            Some(NodeEnum::Constraint(c)) => {
                c.pktable.as_ref().is_some_and(missing_table) || no_key(c)
            }
            Some(NodeEnum::TableLikeClause(l)) => l.relation.as_ref().is_some_and(missing_table),
            _ => false,
        };
        match &stmt.node {
            NodeEnum::CreateStmt(s) => s.table_elts.iter().any(element_missing),
            // The trigger's table or function is not there.
            NodeEnum::CreateTrigStmt(s) => {
                let function_missing = ast::split_name(&s.funcname).is_none_or(|(schema, name)| {
                    crate::catalog::resolve::function(
                        &self.catalog,
                        &self.search_path,
                        schema.as_deref(),
                        &name,
                    )
                    .is_err()
                });
                function_missing || s.relation.as_ref().is_none_or(missing_table)
            }
            NodeEnum::AlterTableStmt(s) => s.cmds.iter().any(|c| {
                matches!(&c.node, Some(NodeEnum::AlterTableCmd(c))
                    if c.def.as_deref().is_some_and(element_missing))
            }),
            // PostgreSQL resolves a policy's expressions when it creates the
            // policy: a function or table that is not there yet (made later
            // in the file, say) fails it. Only schema-qualified names count:
            // an unqualified one may be a built-in, which the model does not
            // list; and the system schemas' names are always there.
            NodeEnum::CreatePolicyStmt(s) => {
                let user_schema =
                    |s: &str| !matches!(s, "pg_catalog" | "information_schema" | "pg_toast");
                [s.qual.as_deref(), s.with_check.as_deref()]
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e.node.as_ref())
                    .any(|e| {
                        ast::descendants(e).into_iter().any(|n| match n {
                            pg_query::NodeRef::FuncCall(call) => {
                                match ast::split_name(&call.funcname) {
                                    Some((Some(schema), name)) if user_schema(&schema) => {
                                        crate::catalog::resolve::function(
                                            &self.catalog,
                                            &self.search_path,
                                            Some(schema.as_str()),
                                            &name,
                                        )
                                        .is_err()
                                    }
                                    _ => false,
                                }
                            }
                            pg_query::NodeRef::RangeVar(rv) => {
                                user_schema(&rv.schemaname)
                                    && !rv.schemaname.is_empty()
                                    && missing_table(rv)
                            }
                            _ => false,
                        })
                    })
            }
            _ => false,
        }
    }

    /// Whether the statement calls a function of the model whose body drops
    /// something.
    fn calls_code_that_drops(&self, stmt: &Statement) -> bool {
        ast::descendants(&stmt.node).into_iter().any(|n| {
            let pg_query::NodeRef::FuncCall(call) = n else {
                return false;
            };
            let Some((schema, name)) = ast::split_name(&call.funcname) else {
                return false;
            };
            let Ok(found) = crate::catalog::resolve::function(
                &self.catalog,
                &self.search_path,
                schema.as_deref(),
                &name,
            ) else {
                return false;
            };
            self.catalog
                .functions
                .get(&found)
                .into_iter()
                .flatten()
                .any(|f| {
                    f.body
                        .as_deref()
                        .is_some_and(|b| b.to_ascii_lowercase().contains("drop"))
                })
        })
    }

    /// Whether the statement that made an object at `origin` may have been
    /// rejected for a reason of its own (`Doubt::failed`): false then.
    fn stands(&self, origin: &Origin) -> bool {
        let Origin::Migration(span) = origin else {
            return true;
        };
        let inside = |f: &Span| f.file == span.file && f.start <= span.start && span.start < f.end;
        !self.doubt.failed.iter().any(inside)
    }

    /// Whether an object made at `origin` certainly still exists as the model says.
    fn certain(&self, origin: &Origin, standing: Standing) -> bool {
        let Origin::Migration(span) = origin else {
            return false;
        };
        let made = position(*span);
        if !self.stands(origin) {
            return false;
        }
        let after = |doubt: Option<(u32, u32)>| doubt.is_some_and(|d| d >= made);
        !after(self.doubt.everything)
            && (standing == Standing::Independent || !after(self.doubt.dependents))
    }

    /// Why PostgreSQL rejects `stmt` given the model, when that is certain.
    /// Only for migrations: a live database's DDL is what the server built.
    pub fn rejection(&self, stmt: &Statement) -> Option<Rejection> {
        if !self.stamp.has_positions() {
            return None;
        }
        match &stmt.node {
            NodeEnum::CreateStmt(s) if !s.if_not_exists => {
                self.relation_in_the_way(s.relation.as_ref()?, true)
            }
            NodeEnum::CreateForeignTableStmt(s) => {
                let base = s.base_stmt.as_ref()?;
                if base.if_not_exists {
                    return None;
                }
                self.relation_in_the_way(base.relation.as_ref()?, true)
            }
            NodeEnum::CreateTableAsStmt(s) if !s.if_not_exists => {
                self.relation_in_the_way(s.into.as_ref()?.rel.as_ref()?, true)
            }
            NodeEnum::SelectStmt(s) => {
                self.relation_in_the_way(ast::select_into(s)?.rel.as_ref()?, true)
            }
            NodeEnum::ViewStmt(s) if !s.replace => self.relation_in_the_way(s.view.as_ref()?, true),
            NodeEnum::CreateSeqStmt(s) if !s.if_not_exists => {
                self.relation_in_the_way(s.sequence.as_ref()?, false)
            }
            NodeEnum::IndexStmt(s) if !s.if_not_exists && !s.idxname.is_empty() => {
                self.index_in_the_way(s)
            }
            NodeEnum::CreateSchemaStmt(s) if !s.if_not_exists && !s.schemaname.is_empty() => {
                let schema = self
                    .catalog
                    .schemas
                    .get(&Ident::new(s.schemaname.clone()))?;
                self.certain(&schema.origin, Standing::Independent)
                    .then(|| Rejection {
                        message: format!("schema \"{}\" already exists", s.schemaname),
                        what: format!("schema `{}`", schema.name),
                        object: schema.name.to_string(),
                        location: -1,
                        existing: schema.origin.span(),
                    })
            }
            NodeEnum::CreateExtensionStmt(s) if !s.if_not_exists => {
                let ext = self
                    .catalog
                    .extensions
                    .get(&Ident::new(s.extname.clone()))?;
                self.certain(&ext.origin, Standing::Independent)
                    .then(|| Rejection {
                        message: format!("extension \"{}\" already exists", s.extname),
                        what: format!("extension `{}`", ext.name),
                        object: ext.name.to_string(),
                        location: -1,
                        existing: ext.origin.span(),
                    })
            }
            NodeEnum::CreateEnumStmt(s) => self.type_in_the_way(&s.type_name),
            NodeEnum::CreateDomainStmt(s) => self.type_in_the_way(&s.domainname),
            NodeEnum::CreateRangeStmt(s) => self.type_in_the_way(&s.type_name),
            NodeEnum::CompositeTypeStmt(s) => {
                let rv = s.typevar.as_ref()?;
                let mut names = Vec::new();
                if !rv.schemaname.is_empty() {
                    names.push(rv.schemaname.clone());
                }
                names.push(rv.relname.clone());
                self.type_named_in_the_way(names, rv.location)
            }
            NodeEnum::CreatePolicyStmt(s) => {
                let rv = s.table.as_ref()?;
                let table = self.catalog.table(&self.find_table(rv)?)?;
                let p = table
                    .policies
                    .iter()
                    .find(|p| p.name.as_str() == s.policy_name)?;
                (self.certain(&p.origin, Standing::Dependent) && self.stands(&table.origin)).then(
                    || Rejection {
                        message: format!(
                            "policy \"{}\" for table \"{}\" already exists",
                            s.policy_name, rv.relname
                        ),
                        what: format!("policy `{}` on `{}`", p.name, table.name),
                        object: table.name.to_string(),
                        location: -1,
                        existing: p.origin.span(),
                    },
                )
            }
            NodeEnum::CreateTrigStmt(s) if !s.replace => {
                let rv = s.relation.as_ref()?;
                let table = self.catalog.table(&self.find_table(rv)?)?;
                let t = table
                    .triggers
                    .iter()
                    .find(|t| t.name.as_str() == s.trigname)?;
                (self.certain(&t.origin, Standing::Dependent) && self.stands(&table.origin)).then(
                    || Rejection {
                        message: format!(
                            "trigger \"{}\" for relation \"{}\" already exists",
                            s.trigname, rv.relname
                        ),
                        what: format!("trigger `{}` on `{}`", t.name, table.name),
                        object: table.name.to_string(),
                        location: -1,
                        existing: t.origin.span(),
                    },
                )
            }
            NodeEnum::CreateFunctionStmt(s) if !s.replace => self.function_in_the_way(s),
            NodeEnum::AlterTableStmt(s) => self.alter_table_rejection(s),
            _ => None,
        }
    }

    /// A relation, index or type (a table's row type) that takes the name
    /// a new relation `rv` would get.
    fn relation_in_the_way(&self, rv: &pb::RangeVar, has_row_type: bool) -> Option<Rejection> {
        // Temporary relations live in the session's own schema.
        if rv.relpersistence == "t" {
            return None;
        }
        let name = self.name_for_create(rv);
        let reject = |what: &str, kind: &str, origin: &Origin, standing| {
            self.certain(origin, standing).then(|| Rejection {
                message: format!("{what} \"{}\" already exists", rv.relname),
                what: format!("{kind} `{name}`"),
                object: name.to_string(),
                location: rv.location,
                existing: origin.span(),
            })
        };
        if let Some((origin, standing, kind)) = self.relation_origin(&name) {
            return reject("relation", kind, &origin, standing);
        }
        if has_row_type {
            if let Some(t) = self.catalog.types.get(&name) {
                return reject("type", "type", &t.origin, Standing::Dependent);
            }
        }
        None
    }

    /// What holds `name` in PostgreSQL's relation namespace (pg_class):
    /// tables, views, sequences and indexes.
    fn relation_origin(&self, name: &QualifiedName) -> Option<(Origin, Standing, &'static str)> {
        if let Some(t) = self.catalog.tables.get(name) {
            return Some((t.origin, Standing::Independent, "table"));
        }
        if let Some(v) = self.catalog.views.get(name) {
            return Some((v.origin, Standing::Dependent, "view"));
        }
        if let Some(s) = self.catalog.sequences.get(name) {
            return Some((s.origin, Standing::Independent, "sequence"));
        }
        // Every name an index has had is in `named`: most names are not.
        if !self.named.contains(name.name.as_str()) {
            return None;
        }
        let in_schema = |q: &QualifiedName| q.schema == name.schema;
        // A partition's indexes get names PostgreSQL chooses as it attaches
        // them, which the model may not match: left out.
        let table_indexes = self
            .catalog
            .tables
            .iter()
            .filter(|(q, t)| in_schema(q) && t.partition_of.is_none())
            .flat_map(|(_, t)| t.indexes.iter().map(|ix| (ix, t.origin)));
        let view_indexes = self
            .catalog
            .views
            .iter()
            .filter(|(q, _)| in_schema(q))
            .flat_map(|(_, v)| v.indexes.iter().map(|ix| (ix, v.origin)));
        table_indexes
            .chain(view_indexes)
            .find(|(ix, _)| ix.name == name.name)
            .filter(|(_, on)| self.stands(on))
            .map(|(ix, _)| (ix.origin, Standing::Dependent, "index"))
    }

    fn index_in_the_way(&self, s: &pb::IndexStmt) -> Option<Rejection> {
        let on = self.find_relation(s.relation.as_ref()?)?;
        let name = QualifiedName::new(on.schema.clone(), Ident::new(s.idxname.clone()));
        let (origin, standing, kind) = self.relation_origin(&name)?;
        self.certain(&origin, standing).then(|| Rejection {
            message: format!("relation \"{}\" already exists", s.idxname),
            what: format!("{kind} `{name}`"),
            object: name.to_string(),
            location: -1,
            existing: origin.span(),
        })
    }

    fn type_in_the_way(&self, names: &[pb::Node]) -> Option<Rejection> {
        self.type_named_in_the_way(ast::strings(names), -1)
    }

    /// A type or relation (its row type) named as the new type would be.
    fn type_named_in_the_way(&self, mut names: Vec<String>, location: i32) -> Option<Rejection> {
        let name = names.pop()?;
        let schema = names.pop();
        let qn = crate::catalog::resolve::for_create(
            &self.catalog,
            &self.search_path,
            schema.as_deref(),
            &name,
        );
        let (origin, standing) = if let Some(t) = self.catalog.types.get(&qn) {
            (t.origin, Standing::Dependent)
        } else if let Some(t) = self.catalog.tables.get(&qn) {
            (t.origin, Standing::Independent)
        } else {
            let v = self.catalog.views.get(&qn)?;
            (v.origin, Standing::Dependent)
        };
        self.certain(&origin, standing).then(|| Rejection {
            message: format!("type \"{name}\" already exists"),
            what: format!("type `{qn}`"),
            object: qn.to_string(),
            location,
            existing: origin.span(),
        })
    }

    fn function_in_the_way(&self, s: &pb::CreateFunctionStmt) -> Option<Rejection> {
        let (schema, name) = ast::split_name(&s.funcname)?;
        let qn = crate::catalog::resolve::for_create(
            &self.catalog,
            &self.search_path,
            schema.as_deref(),
            &name,
        );
        let args = self.function_args(s);
        let signature: Vec<&TypeName> = args
            .iter()
            .filter(|a| {
                matches!(
                    a.mode,
                    crate::catalog::ArgMode::In
                        | crate::catalog::ArgMode::InOut
                        | crate::catalog::ArgMode::Variadic
                )
            })
            .map(|a| &a.ty)
            .collect();
        // Types the model may resolve differently from PostgreSQL (an
        // extension's, a search_path pgvet guessed) leave it unsaid.
        let plain = |t: &TypeName| t.is_builtin();
        if !signature.iter().all(|t| plain(t)) {
            return None;
        }
        let old =
            self.catalog.functions.get(&qn)?.iter().find(|f| {
                f.signature().into_iter().all(plain) && f.has_signature(signature.clone())
            })?;
        self.certain(&old.origin, Standing::Dependent)
            .then(|| Rejection {
                message: format!("function \"{name}\" already exists with same argument types"),
                what: format!("function `{qn}` with the same argument types"),
                object: qn.to_string(),
                location: -1,
                existing: old.origin.span(),
            })
    }

    fn alter_table_rejection(&self, s: &pb::AlterTableStmt) -> Option<Rejection> {
        use pb::AlterTableType as At;
        if s.objtype != pb::ObjectType::ObjectTable as i32 {
            return None;
        }
        let rv = s.relation.as_ref()?;
        let table = self.catalog.table(&self.find_table(rv)?)?;
        let cmds: Vec<&pb::AlterTableCmd> = s
            .cmds
            .iter()
            .filter_map(|c| match &c.node {
                Some(NodeEnum::AlterTableCmd(c)) => Some(c.as_ref()),
                _ => None,
            })
            .collect();
        // PostgreSQL runs a statement's drops before its additions; a
        // dropped column takes the constraints that use it along.
        let drops_column = |name: &str| {
            cmds.iter()
                .any(|c| At::try_from(c.subtype) == Ok(At::AtDropColumn) && c.name == name)
        };
        let drops_any_column = cmds
            .iter()
            .any(|c| At::try_from(c.subtype) == Ok(At::AtDropColumn));
        let drops_constraint = |name: &str| {
            cmds.iter()
                .any(|c| At::try_from(c.subtype) == Ok(At::AtDropConstraint) && c.name == name)
        };
        for cmd in &cmds {
            match At::try_from(cmd.subtype) {
                Ok(At::AtAddColumn) if !cmd.missing_ok => {
                    let Some(NodeEnum::ColumnDef(def)) =
                        cmd.def.as_ref().and_then(|d| d.node.as_ref())
                    else {
                        continue;
                    };
                    let Some(column) = table
                        .columns
                        .iter()
                        .find(|c| c.name.as_str() == def.colname)
                    else {
                        continue;
                    };
                    if drops_column(&def.colname)
                        || !self.certain(&column.origin, Standing::Dependent)
                        || !self.certain(&table.origin, Standing::Independent)
                    {
                        continue;
                    }
                    return Some(Rejection {
                        message: format!(
                            "column \"{}\" of relation \"{}\" already exists",
                            def.colname, rv.relname
                        ),
                        what: format!("column `{}` of `{}`", column.name, table.name),
                        object: table.name.to_string(),
                        location: def.location,
                        existing: column.origin.span(),
                    });
                }
                Ok(At::AtAddConstraint) if !drops_any_column => {
                    let Some(NodeEnum::Constraint(c)) =
                        cmd.def.as_ref().and_then(|d| d.node.as_ref())
                    else {
                        continue;
                    };
                    // `USING INDEX i` with i backing a constraint already:
                    // PostgreSQL says so before it looks at the name.
                    if let Some(old) = table.constraints.iter().find(|k| {
                        !c.indexname.is_empty()
                            && k.name.as_str() == c.indexname
                            && matches!(
                                k.kind,
                                ConstraintKind::PrimaryKey { .. } | ConstraintKind::Unique { .. }
                            )
                    }) {
                        if !drops_constraint(old.name.as_str())
                            && self.certain(&old.origin, Standing::Dependent)
                            && self.stands(&table.origin)
                        {
                            return Some(Rejection {
                                message: format!(
                                    "index \"{}\" is already associated with a constraint",
                                    c.indexname
                                ),
                                what: format!("constraint `{}` of `{}`", old.name, table.name),
                                object: table.name.to_string(),
                                location: c.location,
                                existing: old.origin.span(),
                            });
                        }
                    }
                    if !c.conname.is_empty() {
                        if let Some(old) = table
                            .constraints
                            .iter()
                            .find(|k| k.name.as_str() == c.conname)
                        {
                            if !drops_constraint(&c.conname)
                                && self.certain(&old.origin, Standing::Dependent)
                                && self.stands(&table.origin)
                            {
                                // A key's index is made first, under the
                                // constraint's name.
                                let indexed = [
                                    pb::ConstrType::ConstrPrimary as i32,
                                    pb::ConstrType::ConstrUnique as i32,
                                    pb::ConstrType::ConstrExclusion as i32,
                                ]
                                .contains(&c.contype);
                                return Some(Rejection {
                                    message: if indexed {
                                        format!("relation \"{}\" already exists", c.conname)
                                    } else {
                                        format!(
                                            "constraint \"{}\" for relation \"{}\" already exists",
                                            c.conname, rv.relname
                                        )
                                    },
                                    what: format!("constraint `{}` of `{}`", old.name, table.name),
                                    object: table.name.to_string(),
                                    location: c.location,
                                    existing: old.origin.span(),
                                });
                            }
                        }
                    }
                    if c.contype == pb::ConstrType::ConstrPrimary as i32 {
                        let Some(old) = table
                            .constraints
                            .iter()
                            .find(|k| matches!(k.kind, ConstraintKind::PrimaryKey { .. }))
                        else {
                            continue;
                        };
                        if drops_constraint(old.name.as_str())
                            || !self.certain(&old.origin, Standing::Dependent)
                            || !self.stands(&table.origin)
                        {
                            continue;
                        }
                        return Some(Rejection {
                            message: format!(
                                "multiple primary keys for table \"{}\" are not allowed",
                                rv.relname
                            ),
                            what: format!("primary key `{}` of `{}`", old.name, table.name),
                            object: table.name.to_string(),
                            location: c.location,
                            existing: old.origin.span(),
                        });
                    }
                }
                _ => {}
            }
        }
        None
    }
}
