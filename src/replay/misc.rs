//! Renames, drops, types, extensions, schemas, privileges, session settings.

use std::collections::BTreeSet;

use pg_query::protobuf::{self as pb, ObjectType as Ot};
use pg_query::NodeEnum;

use super::{role_name, Replayer};
use crate::catalog::{
    baseline, resolve, AnonymousBlock, DefaultObjectKind, DefaultPrivilege, Extension, Grants,
    Ident, QualifiedName, Schema, TypeDef, TypeKind, SEQUENCE_PRIVILEGES,
};
use crate::sql::ast;
use crate::sql::plpgsql;
use crate::sql::split::{self, Statement};

impl Replayer {
    pub(super) fn rename(&mut self, s: &pb::RenameStmt, stmt: &Statement) {
        let new = Ident::new(s.newname.clone());
        let ty = Ot::try_from(s.rename_type);
        match ty {
            Ok(Ot::ObjectTable)
            | Ok(Ot::ObjectView)
            | Ok(Ot::ObjectMatview)
            | Ok(Ot::ObjectSequence)
            | Ok(Ot::ObjectForeignTable) => {
                let Some(rv) = &s.relation else { return };
                let (schema, name) = ast::range_var_name(rv);
                let Ok(old) =
                    resolve::relation(&self.catalog, &self.search_path, schema.as_deref(), &name)
                else {
                    return;
                };
                let renamed = QualifiedName::new(old.schema.clone(), new);
                self.move_relation(&old, renamed);
            }
            Ok(Ot::ObjectColumn) => {
                // A view's column (ALTER VIEW ... RENAME COLUMN).
                if let Some(rv) = &s.relation {
                    let view = self
                        .find_relation(rv)
                        .and_then(|qn| self.catalog.views.get_mut(&qn));
                    if let Some(view) = view {
                        let old = Ident::new(s.subname.clone());
                        for c in view.columns.iter_mut().filter(|c| **c == old) {
                            c.clone_from(&new);
                        }
                        return;
                    }
                }
                let Some(name) = s.relation.as_ref().and_then(|rv| self.find_table(rv)) else {
                    return;
                };
                let old = Ident::new(s.subname.clone());
                let Some(table) = self.catalog.tables.get_mut(&name) else {
                    return;
                };
                rename_column(table, &old, &new);
                if self.stamp.has_positions() {
                    for c in table.columns.iter_mut().filter(|c| c.name == new) {
                        c.changed = Some(stmt.span);
                    }
                }
                for seq in self.catalog.sequences.values_mut() {
                    if let Some((owner, column)) = &mut seq.owned_by {
                        if *owner == name && *column == old {
                            column.clone_from(&new);
                        }
                    }
                }
                // A publication's column list and row filter name columns by number.
                for p in self.catalog.publications.values_mut() {
                    for t in p.tables.iter_mut().filter(|t| t.table == name) {
                        rename_in(&mut t.columns, &old, &new);
                        if let Some(x) = &mut t.predicate {
                            rename_in_expr(x, &old, &new);
                        }
                    }
                }
                // Foreign keys elsewhere that point at the renamed column.
                for other in self
                    .catalog
                    .tables
                    .values_mut()
                    .filter(|t| t.references(&name))
                {
                    for c in &mut other.constraints {
                        if let crate::catalog::ConstraintKind::ForeignKey(fk) = &mut c.kind {
                            if fk.ref_table == name {
                                rename_in(&mut fk.ref_columns, &old, &new);
                            }
                        }
                    }
                }
            }
            Ok(Ot::ObjectTabconstraint) => {
                self.named.insert(new.as_str().to_string());
                let Some(name) = s.relation.as_ref().and_then(|rv| self.find_table(rv)) else {
                    return;
                };
                let Some(table) = self.catalog.tables.get_mut(&name) else {
                    return;
                };
                for c in table
                    .constraints
                    .iter_mut()
                    .filter(|c| c.name.as_str() == s.subname)
                {
                    c.name = new.clone();
                }
                // The index behind a PRIMARY KEY or UNIQUE constraint is renamed with it.
                for ix in table
                    .indexes
                    .iter_mut()
                    .filter(|ix| ix.constraint_backed && ix.name.as_str() == s.subname)
                {
                    ix.name = new.clone();
                }
            }
            Ok(Ot::ObjectIndex) => {
                self.named.insert(new.as_str().to_string());
                let Some(rv) = &s.relation else { return };
                let (schema, name) = ast::range_var_name(rv);
                let schema = schema.map(Ident::new);
                // Only the tables with such an index (the others may be
                // shared with a checkpoint's copy of the model).
                for t in self.catalog.tables.values_mut().filter(|t| {
                    schema.as_ref().is_none_or(|s| s == &t.name.schema)
                        && t.indexes.iter().any(|ix| ix.name.as_str() == name)
                }) {
                    let mut backs_constraint = false;
                    for ix in t.indexes.iter_mut().filter(|ix| ix.name.as_str() == name) {
                        ix.name = new.clone();
                        backs_constraint |= ix.constraint_backed;
                    }
                    // Renaming the index of a PRIMARY KEY or UNIQUE renames
                    // the constraint too.
                    if backs_constraint {
                        for c in t.constraints.iter_mut().filter(|c| c.name.as_str() == name) {
                            c.name = new.clone();
                        }
                    }
                }
            }
            Ok(Ot::ObjectType) | Ok(Ot::ObjectDomain) => {
                let Some(NodeEnum::List(list)) = s.object.as_deref().and_then(|o| o.node.as_ref())
                else {
                    return;
                };
                let Some(old) = self.type_ref(&list.items) else {
                    return;
                };
                let renamed = QualifiedName::new(old.schema.clone(), new);
                self.move_type(&old, renamed);
            }
            Ok(Ot::ObjectPolicy) | Ok(Ot::ObjectTrigger) => {
                let Some(name) = s.relation.as_ref().and_then(|rv| self.find_table(rv)) else {
                    return;
                };
                let Some(table) = self.catalog.tables.get_mut(&name) else {
                    return;
                };
                if ty == Ok(Ot::ObjectPolicy) {
                    for p in table
                        .policies
                        .iter_mut()
                        .filter(|p| p.name.as_str() == s.subname)
                    {
                        p.name = new.clone();
                    }
                } else {
                    for t in table
                        .triggers
                        .iter_mut()
                        .filter(|t| t.name.as_str() == s.subname)
                    {
                        t.name = new.clone();
                    }
                }
            }
            Ok(Ot::ObjectFunction) | Ok(Ot::ObjectProcedure) | Ok(Ot::ObjectRoutine) => {
                let Some(NodeEnum::ObjectWithArgs(func)) =
                    s.object.as_deref().and_then(|o| o.node.as_ref())
                else {
                    return;
                };
                for (name, idx) in self.matching_functions(func).into_iter().rev() {
                    let to = QualifiedName::new(name.schema.clone(), new.clone());
                    self.move_function(&name, idx, to);
                }
            }
            Ok(Ot::ObjectPublication) => {
                if let Some(NodeEnum::String(old)) =
                    s.object.as_deref().and_then(|o| o.node.as_ref())
                {
                    self.rename_publication(&old.sval, new);
                }
            }
            Ok(Ot::ObjectSchema) => {
                let old = Ident::new(s.subname.clone());
                if let Some(mut schema) = self.catalog.schemas.remove(&old) {
                    schema.name = new.clone();
                    self.catalog.schemas.insert(new.clone(), schema);
                    // Publications name their schemas by oid.
                    for p in self.catalog.publications.values_mut() {
                        if p.schemas.remove(&old) {
                            p.schemas.insert(new.clone());
                        }
                    }
                    let moved: Vec<QualifiedName> = self
                        .catalog
                        .tables
                        .keys()
                        .chain(self.catalog.views.keys())
                        .chain(self.catalog.sequences.keys())
                        .filter(|q| q.schema == old)
                        .cloned()
                        .collect();
                    for q in moved {
                        self.move_relation(&q, QualifiedName::new(new.clone(), q.name.clone()));
                    }
                    // Functions and types are in the schema by oid too.
                    let functions: Vec<(QualifiedName, usize)> = self
                        .catalog
                        .functions
                        .iter()
                        .filter(|(q, _)| q.schema == old)
                        .flat_map(|(q, overloads)| (0..overloads.len()).map(|i| (q.clone(), i)))
                        .collect();
                    for (q, idx) in functions.into_iter().rev() {
                        let to = QualifiedName::new(new.clone(), q.name.clone());
                        self.move_function(&q, idx, to);
                    }
                    let types: Vec<QualifiedName> = self
                        .catalog
                        .types
                        .keys()
                        .filter(|q| q.schema == old)
                        .cloned()
                        .collect();
                    for q in types {
                        let to = QualifiedName::new(new.clone(), q.name.clone());
                        self.move_type(&q, to);
                    }
                }
            }
            _ => {}
        }
    }

    /// Renames or moves a table/view/sequence, keeping foreign keys pointing at it.
    pub(super) fn move_relation(&mut self, old: &QualifiedName, new: QualifiedName) {
        if let Some(mut t) = self.catalog.tables.remove(old) {
            t.name = new.clone();
            self.catalog.tables.insert(new.clone(), t);
            self.publications_follow_table(old, &new);
            for s in self.catalog.sequences.values_mut() {
                if let Some((owner, _)) = &mut s.owned_by {
                    if owner == old {
                        *owner = new.clone();
                    }
                }
            }
            for other in self
                .catalog
                .tables
                .values_mut()
                .filter(|t| t.references(old))
            {
                for c in &mut other.constraints {
                    if let crate::catalog::ConstraintKind::ForeignKey(fk) = &mut c.kind {
                        if &fk.ref_table == old {
                            fk.ref_table = new.clone();
                        }
                    }
                }
            }
        } else if let Some(mut v) = self.catalog.views.remove(old) {
            v.name = new.clone();
            self.catalog.views.insert(new, v);
        } else if let Some(mut s) = self.catalog.sequences.remove(old) {
            s.name = new.clone();
            self.catalog.sequences.insert(new.clone(), s);
            // Defaults name the sequence by oid: nextval() follows it.
            for t in self.catalog.tables.values_mut() {
                for c in &mut t.columns {
                    if let Some(d) = &mut c.default {
                        let mut node = *d.node();
                        if rename_nextval(&mut node, old, &new, 0) {
                            *d = crate::catalog::Expr::new(&node);
                        }
                    }
                }
            }
        }
    }

    /// Renames or moves overload `idx` of function `name`; the triggers
    /// that run it follow (PostgreSQL names the function by oid).
    fn move_function(&mut self, name: &QualifiedName, idx: usize, to: QualifiedName) {
        let Some(overloads) = self.catalog.functions.get_mut(name) else {
            return;
        };
        if idx >= overloads.len() {
            return;
        }
        let mut f = overloads.remove(idx);
        if overloads.is_empty() {
            self.catalog.functions.remove(name);
        }
        f.rename(to);
        for t in self
            .catalog
            .tables
            .values_mut()
            .filter(|t| t.triggers.iter().any(|tr| &tr.function == name))
        {
            for tr in t.triggers.iter_mut().filter(|tr| &tr.function == name) {
                tr.function = f.name.clone();
            }
        }
        self.catalog
            .functions
            .entry(f.name.clone())
            .or_default()
            .push(f);
    }

    /// Renames or moves a type or domain; the columns of that type keep it
    /// (PostgreSQL stores its oid).
    fn move_type(&mut self, old: &QualifiedName, to: QualifiedName) {
        let Some(mut def) = self.catalog.types.remove(old) else {
            return;
        };
        def.name = to.clone();
        self.catalog.types.insert(to.clone(), def);
        for t in self
            .catalog
            .tables
            .values_mut()
            .filter(|t| t.columns.iter().any(|c| &c.ty.name == old))
        {
            for c in t.columns.iter_mut().filter(|c| &c.ty.name == old) {
                c.ty.name = to.clone();
            }
        }
    }

    pub(super) fn set_schema(&mut self, s: &pb::AlterObjectSchemaStmt) {
        if Ot::try_from(s.object_type) == Ok(Ot::ObjectExtension) {
            if let Some(NodeEnum::String(name)) = s.object.as_deref().and_then(|o| o.node.as_ref())
            {
                self.move_extension(
                    &Ident::new(name.sval.clone()),
                    Ident::new(s.newschema.clone()),
                );
            }
            return;
        }
        let to = Ident::new(s.newschema.clone());
        let object = s.object.as_deref().and_then(|o| o.node.as_ref());
        match (Ot::try_from(s.object_type), object) {
            (
                Ok(Ot::ObjectFunction) | Ok(Ot::ObjectProcedure) | Ok(Ot::ObjectRoutine),
                Some(NodeEnum::ObjectWithArgs(func)),
            ) => {
                for (name, idx) in self.matching_functions(func).into_iter().rev() {
                    let moved = QualifiedName::new(to.clone(), name.name.clone());
                    self.move_function(&name, idx, moved);
                }
                return;
            }
            (Ok(Ot::ObjectType) | Ok(Ot::ObjectDomain), Some(NodeEnum::List(list))) => {
                if let Some(old) = self.type_ref(&list.items) {
                    let moved = QualifiedName::new(to, old.name.clone());
                    self.move_type(&old, moved);
                }
                return;
            }
            _ => {}
        }
        let Some(rv) = &s.relation else { return };
        let (schema, name) = ast::range_var_name(rv);
        if let Ok(old) =
            resolve::relation(&self.catalog, &self.search_path, schema.as_deref(), &name)
        {
            let new = QualifiedName::new(Ident::new(s.newschema.clone()), old.name.clone());
            self.move_relation(&old, new);
        }
    }

    /// ALTER EXTENSION ... SET SCHEMA: its known functions and types move along.
    fn move_extension(&mut self, name: &Ident, to: Ident) {
        let Some(ext) = self.catalog.extensions.get_mut(name) else {
            return;
        };
        let from = std::mem::replace(&mut ext.schema, to.clone());
        let origin = ext.origin;
        let (functions, types) = crate::catalog::extensions::objects(name.as_str());
        let mut moved = false;
        for f in functions {
            moved |= self
                .catalog
                .functions
                .remove(&QualifiedName::new(from.clone(), Ident::new(*f)))
                .is_some();
        }
        for t in types {
            moved |= self
                .catalog
                .types
                .remove(&QualifiedName::new(from.clone(), Ident::new(*t)))
                .is_some();
        }
        if moved {
            baseline::add_extension_objects(&mut self.catalog, name.as_str(), &to, origin);
        }
    }

    pub(super) fn drop(&mut self, s: &pb::DropStmt) {
        let ty = Ot::try_from(s.remove_type);
        for obj in &s.objects {
            let Some(node) = &obj.node else { continue };
            match (ty, node) {
                (
                    Ok(Ot::ObjectTable)
                    | Ok(Ot::ObjectView)
                    | Ok(Ot::ObjectMatview)
                    | Ok(Ot::ObjectSequence)
                    | Ok(Ot::ObjectForeignTable),
                    NodeEnum::List(l),
                ) => {
                    let Some((schema, name)) = ast::split_name(&l.items) else {
                        continue;
                    };
                    let Ok(qn) = resolve::relation(
                        &self.catalog,
                        &self.search_path,
                        schema.as_deref(),
                        &name,
                    ) else {
                        continue;
                    };
                    self.drop_relation(&qn);
                }
                (Ok(Ot::ObjectIndex), NodeEnum::List(l)) => {
                    let Some((schema, name)) = ast::split_name(&l.items) else {
                        continue;
                    };
                    let schema = schema.map(Ident::new);
                    let search = self.search_path.clone();
                    for t in self.catalog.tables.values_mut().filter(|t| {
                        let visible = match &schema {
                            Some(s) => s == &t.name.schema,
                            None => search.contains(&t.name.schema),
                        };
                        visible && t.indexes.iter().any(|ix| ix.name.as_str() == name)
                    }) {
                        t.indexes.retain(|ix| ix.name.as_str() != name);
                    }
                }
                (
                    Ok(Ot::ObjectFunction)
                    | Ok(Ot::ObjectProcedure)
                    | Ok(Ot::ObjectRoutine)
                    | Ok(Ot::ObjectAggregate),
                    NodeEnum::ObjectWithArgs(func),
                ) => {
                    let cascade = s.behavior == pb::DropBehavior::DropCascade as i32;
                    for (name, idx) in self.matching_functions(func).into_iter().rev() {
                        if let Some(overloads) = self.catalog.functions.get_mut(&name) {
                            if idx < overloads.len() {
                                overloads.remove(idx);
                            }
                            if overloads.is_empty() {
                                self.catalog.functions.remove(&name);
                            }
                        }
                        // CASCADE drops the triggers that run the function.
                        if cascade {
                            for t in self
                                .catalog
                                .tables
                                .values_mut()
                                .filter(|t| t.triggers.iter().any(|tr| tr.function == name))
                            {
                                t.triggers.retain(|tr| tr.function != name);
                            }
                        }
                    }
                }
                (Ok(Ot::ObjectTrigger) | Ok(Ot::ObjectPolicy), NodeEnum::List(l)) => {
                    let mut parts = ast::strings(&l.items);
                    let Some(object) = parts.pop() else { continue };
                    let Some(relname) = parts.pop() else { continue };
                    let schema = parts.pop();
                    let Ok(qn) = resolve::table(
                        &self.catalog,
                        &self.search_path,
                        schema.as_deref(),
                        &relname,
                    ) else {
                        continue;
                    };
                    let Some(t) = self.catalog.tables.get_mut(&qn) else {
                        continue;
                    };
                    if ty == Ok(Ot::ObjectTrigger) {
                        t.triggers.retain(|tr| tr.name.as_str() != object);
                    } else {
                        t.policies.retain(|p| p.name.as_str() != object);
                    }
                }
                (Ok(Ot::ObjectType) | Ok(Ot::ObjectDomain), NodeEnum::TypeName(tn)) => {
                    let ty = self.type_name(tn);
                    self.catalog.types.remove(&ty.name);
                }
                (Ok(Ot::ObjectPublication), NodeEnum::String(name)) => {
                    self.catalog
                        .publications
                        .remove(&Ident::new(name.sval.clone()));
                }
                (Ok(Ot::ObjectSchema), NodeEnum::String(name)) => {
                    self.drop_schema(&Ident::new(name.sval.clone()));
                }
                (Ok(Ot::ObjectExtension), NodeEnum::String(name)) => {
                    self.drop_extension(&Ident::new(name.sval.clone()));
                }
                _ => {}
            }
        }
    }

    /// A schema and everything in it (`DROP SCHEMA ... CASCADE`): the
    /// extensions installed in it and its default privileges too.
    pub(super) fn drop_schema(&mut self, schema: &Ident) {
        self.catalog.schemas.remove(schema);
        let extensions: Vec<Ident> = self
            .catalog
            .extensions
            .values()
            .filter(|e| e.schema == *schema)
            .map(|e| e.name.clone())
            .collect();
        for e in &extensions {
            self.drop_extension(e);
        }
        self.catalog
            .default_privileges
            .retain(|dp| dp.schema.as_ref() != Some(schema));
        for p in self.catalog.publications.values_mut() {
            p.schemas.remove(schema);
        }
        let doomed: Vec<QualifiedName> = self
            .catalog
            .tables
            .keys()
            .chain(self.catalog.views.keys())
            .chain(self.catalog.sequences.keys())
            .filter(|q| q.schema == *schema)
            .cloned()
            .collect();
        for q in doomed {
            self.drop_relation(&q);
        }
        self.catalog.functions.retain(|q, _| q.schema != *schema);
        self.catalog.types.retain(|q, _| q.schema != *schema);
    }

    /// An extension and the objects the model has of it.
    pub(super) fn drop_extension(&mut self, name: &Ident) {
        let Some(ext) = self.catalog.extensions.remove(name) else {
            return;
        };
        let (functions, types) = crate::catalog::extensions::objects(ext.name.as_str());
        // Those in a schema of its own (pg_net's `net`) are there.
        let schema = crate::catalog::extensions::find(ext.name.as_str())
            .and_then(|k| k.objects_schema)
            .map_or_else(|| ext.schema.clone(), Ident::new);
        for f in functions {
            self.catalog
                .functions
                .remove(&QualifiedName::new(schema.clone(), Ident::new(*f)));
        }
        for t in types {
            self.catalog
                .types
                .remove(&QualifiedName::new(schema.clone(), Ident::new(*t)));
        }
    }

    pub(super) fn drop_relation(&mut self, qn: &QualifiedName) {
        if self.catalog.tables.remove(qn).is_some() {
            self.publications_forget_table(qn);
            // The sequences its serial columns own go with it.
            self.catalog
                .sequences
                .retain(|_, s| s.owned_by.as_ref().is_none_or(|(t, _)| t != qn));
            // DROP ... CASCADE removes foreign keys pointing at it (without
            // CASCADE, PostgreSQL refuses while they exist).
            for t in self
                .catalog
                .tables
                .values_mut()
                .filter(|t| t.references(qn))
            {
                t.constraints.retain(|c| !matches!(&c.kind, crate::catalog::ConstraintKind::ForeignKey(fk) if &fk.ref_table == qn));
            }
        } else if self.catalog.views.remove(qn).is_none() {
            self.catalog.sequences.remove(qn);
        }
    }

    fn type_name_for_create(&self, names: &[pb::Node]) -> Option<QualifiedName> {
        let (schema, name) = ast::split_name(names)?;
        Some(resolve::for_create(
            &self.catalog,
            &self.search_path,
            schema.as_deref(),
            &name,
        ))
    }

    pub(super) fn create_enum(&mut self, s: &pb::CreateEnumStmt, stmt: &Statement) {
        let Some(name) = self.type_name_for_create(&s.type_name) else {
            return;
        };
        let labels = ast::strings(&s.vals);
        self.catalog.types.insert(
            name.clone(),
            TypeDef {
                name,
                kind: TypeKind::Enum { labels },
                owner: self.creator(),
                origin: self.stamp.origin(stmt),
            },
        );
    }

    /// The user type a `{schema, name}` list names: qualified as written, or
    /// found on the search_path.
    pub(super) fn type_ref(&self, names: &[pb::Node]) -> Option<QualifiedName> {
        let (schema, name) = ast::split_name(names)?;
        let schema = match schema {
            Some(s) => Ident::new(s),
            None => resolve::user_type_schema(&self.catalog, &self.search_path, &name)?,
        };
        Some(QualifiedName::new(schema, Ident::new(name)))
    }

    pub(super) fn alter_enum(&mut self, s: &pb::AlterEnumStmt) {
        let Some(qn) = self.type_ref(&s.type_name) else {
            return;
        };
        if let Some(TypeDef {
            kind: TypeKind::Enum { labels },
            ..
        }) = self.catalog.types.get_mut(&qn)
        {
            if !s.old_val.is_empty() {
                for l in labels.iter_mut().filter(|l| **l == s.old_val) {
                    l.clone_from(&s.new_val);
                }
                // A default of the enum stores the label's oid: it prints
                // the new name after the rename.
                for t in self.catalog.tables.values_mut() {
                    for c in t
                        .columns
                        .iter_mut()
                        .filter(|c| c.ty.name == qn && c.ty.array_dims == 0)
                    {
                        let Some(default) = &mut c.default else {
                            continue;
                        };
                        let mut node = *default.node();
                        if let Some(text) = string_constant_mut(&mut node) {
                            if *text == s.old_val {
                                text.clone_from(&s.new_val);
                                *default = crate::catalog::Expr::new(&node);
                            }
                        }
                    }
                }
            } else if !labels.contains(&s.new_val) {
                // ADD VALUE ... BEFORE / AFTER an existing label.
                let at = labels
                    .iter()
                    .position(|l| !s.new_val_neighbor.is_empty() && *l == s.new_val_neighbor)
                    .map(|i| if s.new_val_is_after { i + 1 } else { i });
                match at {
                    Some(i) => labels.insert(i, s.new_val.clone()),
                    None => labels.push(s.new_val.clone()),
                }
            }
        }
    }

    pub(super) fn create_domain(&mut self, s: &pb::CreateDomainStmt, stmt: &Statement) {
        let Some(name) = self.type_name_for_create(&s.domainname) else {
            return;
        };
        let Some(base) = s.type_name.as_ref().map(|t| self.type_name(t)) else {
            return;
        };
        let has_check = s.constraints.iter().any(|c| {
            matches!(&c.node, Some(NodeEnum::Constraint(c)) if c.contype == pb::ConstrType::ConstrCheck as i32)
        });
        self.catalog.types.insert(
            name.clone(),
            TypeDef {
                name,
                kind: TypeKind::Domain { base, has_check },
                owner: self.creator(),
                origin: self.stamp.origin(stmt),
            },
        );
    }

    /// ALTER DOMAIN ... ADD CONSTRAINT ... CHECK: the domain has a check now.
    pub(super) fn alter_domain(&mut self, s: &pb::AlterDomainStmt) {
        let adds_check = s.subtype == "C"
            && matches!(
                s.def.as_deref().and_then(|d| d.node.as_ref()),
                Some(NodeEnum::Constraint(c)) if c.contype == pb::ConstrType::ConstrCheck as i32
            );
        if !adds_check {
            return;
        }
        let found = self.type_ref(&s.type_name);
        if let Some(TypeDef {
            kind: TypeKind::Domain { has_check, .. },
            ..
        }) = found.and_then(|n| self.catalog.types.get_mut(&n))
        {
            *has_check = true;
        }
    }

    pub(super) fn create_composite(&mut self, s: &pb::CompositeTypeStmt, stmt: &Statement) {
        let Some(rv) = &s.typevar else { return };
        let name = self.name_for_create(rv);
        self.catalog.types.insert(
            name.clone(),
            TypeDef {
                name,
                kind: TypeKind::Composite,
                owner: self.creator(),
                origin: self.stamp.origin(stmt),
            },
        );
    }

    pub(super) fn create_range(&mut self, s: &pb::CreateRangeStmt, stmt: &Statement) {
        let Some(name) = self.type_name_for_create(&s.type_name) else {
            return;
        };
        self.catalog.types.insert(
            name.clone(),
            TypeDef {
                name,
                kind: TypeKind::Range,
                owner: self.creator(),
                origin: self.stamp.origin(stmt),
            },
        );
    }

    pub(super) fn create_extension(&mut self, s: &pb::CreateExtensionStmt, stmt: &Statement) {
        let name = Ident::new(s.extname.clone());
        if self.catalog.extensions.contains_key(&name) {
            return;
        }
        // Extensions whose control file pins their schema ignore WITH SCHEMA
        // (or reject another one) and the search path; PostgreSQL creates
        // the pinned schema when it is missing.
        let known = crate::catalog::extensions::find(&s.extname);
        let pinned = known.and_then(|k| k.pinned_schema);
        if let Some(p) = pinned.filter(|p| *p != "pg_catalog") {
            self.ensure_schema(p, stmt);
        }
        let schema = match pinned {
            Some(p) => Ident::new(p),
            None => ast::def_elems(&s.options)
                .find(|d| d.defname == "schema")
                .and_then(ast::def_arg_text)
                .map(Ident::new)
                .unwrap_or_else(|| resolve::creation_schema(&self.catalog, &self.search_path)),
        };
        // Extensions that bring a schema of their own.
        let own_schema = known.and_then(|k| k.objects_schema);
        if let Some(own) = own_schema {
            self.ensure_schema(own, stmt);
        }
        let objects_in = own_schema.map(Ident::new).unwrap_or_else(|| schema.clone());
        baseline::add_extension_objects(
            &mut self.catalog,
            &s.extname,
            &objects_in,
            self.stamp.origin(stmt),
        );
        self.catalog.extensions.insert(
            name.clone(),
            Extension {
                name,
                schema,
                owner: self.creator(),
                origin: self.stamp.origin(stmt),
            },
        );
    }

    fn ensure_schema(&mut self, name: &str, stmt: &Statement) -> Ident {
        let ident = Ident::new(name);
        let managed = baseline::platform_schemas(self.catalog.platform).contains(&name);
        let owner = self.creator();
        self.catalog
            .schemas
            .entry(ident.clone())
            .or_insert_with(|| Schema {
                name: ident.clone(),
                platform_managed: managed,
                create_grantees: BTreeSet::new(),
                owner,
                origin: self.stamp.origin(stmt),
            });
        ident
    }

    pub(super) fn create_schema(&mut self, s: &pb::CreateSchemaStmt, stmt: &Statement) -> Ident {
        let name = if s.schemaname.is_empty() {
            s.authrole
                .as_ref()
                .map(|r| r.rolename.clone())
                .unwrap_or_default()
        } else {
            s.schemaname.clone()
        };
        let existed = self
            .catalog
            .schemas
            .contains_key(&Ident::new(name.as_str()));
        let ident = self.ensure_schema(&name, stmt);
        if !existed {
            let owner = self.schema_owner(s);
            if let Some(schema) = self.catalog.schemas.get_mut(&ident) {
                schema.owner = owner;
            }
        }
        ident
    }

    pub(super) fn grant(&mut self, s: &pb::GrantStmt) {
        let grantees: Vec<Ident> = s.grantees.iter().filter_map(role_name).collect();
        let privs: Vec<String> = s
            .privileges
            .iter()
            .filter_map(|p| match &p.node {
                Some(NodeEnum::AccessPriv(a)) => Some(a.priv_name.to_ascii_lowercase()),
                _ => None,
            })
            .collect();
        // An empty privilege list is ALL.
        let has = |p: &str| privs.is_empty() || privs.iter().any(|x| x == p || x == "all");
        let all_in_schema = s.targtype == pb::GrantTargetType::AclTargetAllInSchema as i32;
        match Ot::try_from(s.objtype) {
            Ok(Ot::ObjectFunction) | Ok(Ot::ObjectProcedure) | Ok(Ot::ObjectRoutine)
                if has("execute") =>
            {
                let targets: Vec<(QualifiedName, usize)> = if all_in_schema {
                    let schemas: Vec<Ident> = ast::strings(&s.objects)
                        .into_iter()
                        .map(Ident::new)
                        .collect();
                    self.catalog
                        .functions
                        .iter()
                        .filter(|(q, _)| schemas.contains(&q.schema))
                        .flat_map(|(q, v)| (0..v.len()).map(move |i| (q.clone(), i)))
                        .collect()
                } else {
                    s.objects
                        .iter()
                        .filter_map(|o| match &o.node {
                            Some(NodeEnum::ObjectWithArgs(f)) => Some(self.matching_functions(f)),
                            _ => None,
                        })
                        .flatten()
                        .collect()
                };
                for (name, idx) in targets {
                    let Some(f) = self.catalog.function_mut(&name, idx) else {
                        continue;
                    };
                    for g in &grantees {
                        if s.is_grant {
                            f.execute_grantees.insert(g.clone());
                        } else {
                            f.execute_grantees.remove(g);
                        }
                    }
                }
            }
            Ok(Ot::ObjectTable) => self.grant_on_relations(s, &grantees, false),
            Ok(Ot::ObjectSequence) => self.grant_on_relations(s, &grantees, true),
            Ok(Ot::ObjectSchema) if has("create") => {
                for schema in ast::strings(&s.objects) {
                    let Some(sc) = self.catalog.schemas.get_mut(&Ident::new(schema)) else {
                        continue;
                    };
                    for g in &grantees {
                        if s.is_grant {
                            sc.create_grantees.insert(g.clone());
                        } else {
                            sc.create_grantees.remove(g);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// GRANT / REVOKE on tables, views and materialized views (`ON TABLE`,
    /// `ON ALL TABLES IN SCHEMA`), and on a table's columns (`SELECT (a)`);
    /// REVOKE GRANT OPTION FOR keeps the privileges. `on_sequences`: `ON
    /// SEQUENCE`, `ON ALL SEQUENCES IN SCHEMA`. A sequence named `ON TABLE`
    /// gets the sequence privileges among those named, as PostgreSQL does
    /// (with a warning); `ALL TABLES` does not take in sequences.
    fn grant_on_relations(&mut self, s: &pb::GrantStmt, grantees: &[Ident], on_sequences: bool) {
        if !s.is_grant && s.grant_option {
            return;
        }
        let mut privs: Vec<String> = Vec::new();
        // (column, privilege) pairs; `ALL (a)` is every column privilege.
        let mut column_privs: Vec<(Ident, &str)> = Vec::new();
        for p in &s.privileges {
            if let Some(NodeEnum::AccessPriv(a)) = &p.node {
                if a.cols.is_empty() {
                    privs.push(a.priv_name.to_ascii_uppercase());
                    continue;
                }
                let named = a.priv_name.to_ascii_uppercase();
                let each: Vec<&str> = match named.as_str() {
                    "" | "ALL" => vec!["SELECT", "INSERT", "UPDATE", "REFERENCES"],
                    "SELECT" => vec!["SELECT"],
                    "INSERT" => vec!["INSERT"],
                    "UPDATE" => vec!["UPDATE"],
                    "REFERENCES" => vec!["REFERENCES"],
                    _ => Vec::new(),
                };
                for col in ast::strings(&a.cols) {
                    for p in &each {
                        column_privs.push((Ident::new(col.as_str()), p));
                    }
                }
            }
        }
        if s.privileges.is_empty() {
            privs.push("ALL".to_string());
        } else if privs.is_empty() && column_privs.is_empty() {
            return;
        }
        let targets: Vec<QualifiedName> =
            if s.targtype == pb::GrantTargetType::AclTargetAllInSchema as i32 {
                let schemas: Vec<Ident> = ast::strings(&s.objects)
                    .into_iter()
                    .map(Ident::new)
                    .collect();
                let relations: Box<dyn Iterator<Item = &QualifiedName>> = if on_sequences {
                    Box::new(self.catalog.sequences.keys())
                } else {
                    Box::new(self.catalog.tables.keys().chain(self.catalog.views.keys()))
                };
                relations
                    .filter(|q| schemas.contains(&q.schema))
                    .cloned()
                    .collect()
            } else {
                s.objects
                    .iter()
                    .filter_map(|o| match &o.node {
                        Some(NodeEnum::RangeVar(rv)) => {
                            let (schema, name) = ast::range_var_name(rv);
                            resolve::relation(
                                &self.catalog,
                                &self.search_path,
                                schema.as_deref(),
                                &name,
                            )
                            .ok()
                        }
                        _ => None,
                    })
                    .collect()
            };
        for name in targets {
            if let Some(seq) = self.catalog.sequences.get_mut(&name) {
                let privs = sequence_privileges(privs.iter().map(String::as_str));
                for g in grantees {
                    if s.is_grant {
                        seq.grants.grant(g, privs.iter().copied());
                    } else {
                        seq.grants.revoke(g, privs.iter().copied());
                    }
                }
                continue;
            }
            if on_sequences {
                continue;
            }
            if let Some(t) = self.catalog.tables.get_mut(&name) {
                for c in &mut t.columns {
                    for g in grantees {
                        let mine: Vec<&str> = column_privs
                            .iter()
                            .filter(|(col, _)| *col == c.name)
                            .map(|(_, p)| *p)
                            .collect();
                        if s.is_grant {
                            if !mine.is_empty() {
                                c.grants.grant(g, mine);
                            }
                        } else {
                            c.grants.revoke(g, mine);
                            // Revoking a table privilege revokes it on
                            // every column too.
                            c.grants.revoke(g, privs.iter().map(String::as_str));
                        }
                    }
                }
            }
            if privs.is_empty() {
                continue;
            }
            let grants = if let Some(t) = self.catalog.tables.get_mut(&name) {
                &mut t.grants
            } else if let Some(v) = self.catalog.views.get_mut(&name) {
                &mut v.grants
            } else {
                continue;
            };
            for g in grantees {
                let privs = privs.iter().map(String::as_str);
                if s.is_grant {
                    grants.grant(g, privs);
                } else {
                    grants.revoke(g, privs);
                }
            }
        }
    }

    /// The ALTER DEFAULT PRIVILEGES facts that apply to a new object of
    /// `kind` in `schema` (those for that schema and those for every schema).
    pub(super) fn default_privileges_for<'a>(
        &'a self,
        kind: DefaultObjectKind,
        schema: &'a Ident,
    ) -> impl Iterator<Item = &'a DefaultPrivilege> {
        self.catalog
            .default_privileges
            .iter()
            .filter(move |dp| dp.kind == kind && dp.schema.as_ref().is_none_or(|s| s == schema))
    }

    /// What a new table or view in `schema` is granted by default
    /// privileges (PostgreSQL itself grants nothing to other roles).
    pub(super) fn default_relation_grants(&mut self, schema: &Ident) -> Grants {
        let mut grants = Grants::default();
        for dp in self.default_privileges_for(DefaultObjectKind::Tables, schema) {
            grants.grant(&dp.grantee, dp.privileges.iter().map(String::as_str));
        }
        // The same as the relation before it (the usual case): share its copy.
        match &self.last_grants {
            Some(last) if *last == grants => last.clone(),
            _ => {
                self.last_grants = Some(grants.clone());
                grants
            }
        }
    }

    /// What a new sequence in `schema` is granted by default privileges
    /// (serial and identity sequences too, as PostgreSQL makes them).
    pub(super) fn default_sequence_grants(&self, schema: &Ident) -> Grants {
        let mut grants = Grants::default();
        for dp in self.default_privileges_for(DefaultObjectKind::Sequences, schema) {
            let privs = sequence_privileges(dp.privileges.iter().map(String::as_str));
            grants.grant(&dp.grantee, privs);
        }
        grants
    }

    pub(super) fn alter_default_privileges(
        &mut self,
        s: &pb::AlterDefaultPrivilegesStmt,
        stmt: &Statement,
    ) {
        let Some(action) = &s.action else { return };
        let schemas: Vec<Option<Ident>> = {
            let named: Vec<Option<Ident>> = ast::def_elems(&s.options)
                .filter(|d| d.defname == "schemas")
                .flat_map(|d| match d.arg.as_deref().and_then(|a| a.node.as_ref()) {
                    Some(NodeEnum::List(l)) => ast::strings(&l.items),
                    _ => Vec::new(),
                })
                .map(|s| Some(Ident::new(s)))
                .collect();
            if named.is_empty() {
                vec![None]
            } else {
                named
            }
        };
        // FOR ROLE: kept on the fact (drift compares the role's own); the
        // model applies it to new objects whoever makes them.
        let roles: Vec<Option<Ident>> = {
            let named: Vec<Option<Ident>> = ast::def_elems(&s.options)
                .filter(|d| d.defname == "roles")
                .flat_map(|d| match d.arg.as_deref().and_then(|a| a.node.as_ref()) {
                    Some(NodeEnum::List(l)) => l.items.iter().filter_map(role_name).collect(),
                    _ => Vec::new(),
                })
                .map(Some)
                .collect();
            if named.is_empty() {
                vec![None]
            } else {
                named
            }
        };
        let kind = match Ot::try_from(action.objtype) {
            Ok(Ot::ObjectTable) => DefaultObjectKind::Tables,
            Ok(Ot::ObjectSequence) => DefaultObjectKind::Sequences,
            Ok(Ot::ObjectFunction) | Ok(Ot::ObjectProcedure) | Ok(Ot::ObjectRoutine) => {
                DefaultObjectKind::Functions
            }
            Ok(Ot::ObjectType) | Ok(Ot::ObjectDomain) => DefaultObjectKind::Types,
            Ok(Ot::ObjectSchema) => DefaultObjectKind::Schemas,
            _ => return,
        };
        let privs: BTreeSet<String> = if action.privileges.is_empty() {
            BTreeSet::from(["ALL".to_string()])
        } else {
            action
                .privileges
                .iter()
                .filter_map(|p| match &p.node {
                    Some(NodeEnum::AccessPriv(a)) => Some(a.priv_name.to_ascii_uppercase()),
                    _ => None,
                })
                .collect()
        };
        for grantee in action.grantees.iter().filter_map(role_name) {
            // PUBLIC's EXECUTE on new functions is PostgreSQL's built-in
            // default: only a global (not per-schema) statement changes it.
            if kind == DefaultObjectKind::Functions
                && grantee.as_str() == "public"
                && schemas.contains(&None)
                && (privs.contains("ALL") || privs.contains("EXECUTE"))
            {
                self.catalog.public_execute_revoked = !action.is_grant;
            }
            for schema in &schemas {
                let same = |dp: &DefaultPrivilege| {
                    dp.schema == *schema && dp.kind == kind && dp.grantee == grantee
                };
                if action.is_grant {
                    for role in &roles {
                        self.catalog.default_privileges.push(DefaultPrivilege {
                            role: role.clone(),
                            schema: schema.clone(),
                            kind,
                            grantee: grantee.clone(),
                            privileges: privs.clone(),
                            origin: self.stamp.origin(stmt),
                        });
                    }
                } else {
                    // REVOKE removes the named privileges (ALL removes every one).
                    for dp in self
                        .catalog
                        .default_privileges
                        .iter_mut()
                        .filter(|dp| same(dp))
                    {
                        if privs.contains("ALL") {
                            dp.privileges.clear();
                        } else {
                            // Revoking some privileges from ALL keeps the rest.
                            if dp.privileges.remove("ALL") {
                                dp.privileges
                                    .extend(all_privileges(kind).iter().map(|p| p.to_string()));
                            }
                            dp.privileges.retain(|p| !privs.contains(p));
                        }
                    }
                    self.catalog
                        .default_privileges
                        .retain(|dp| !dp.privileges.is_empty());
                }
            }
        }
    }

    pub(super) fn set_variable(&mut self, s: &pb::VariableSetStmt) {
        if s.name != "search_path" {
            return;
        }
        use pb::VariableSetKind as K;
        match K::try_from(s.kind) {
            Ok(K::VarSetValue) => {
                let values: Vec<String> = s.args.iter().filter_map(ast::const_text).collect();
                self.search_path = parse_search_path(&values.join(","));
            }
            Ok(K::VarSetDefault) | Ok(K::VarReset) | Ok(K::VarResetAll) => {
                self.search_path = baseline::default_search_path(self.catalog.platform);
            }
            _ => {}
        }
    }

    /// pg_dump's `SELECT pg_catalog.set_config('search_path', '', false)`.
    pub(super) fn record_do_block(&mut self, s: &pb::DoStmt, stmt: &Statement) {
        let mut language = String::from("plpgsql");
        let mut body = String::new();
        for d in ast::def_elems(&s.args) {
            match (d.defname.as_str(), ast::def_arg_text(d)) {
                ("as", Some(text)) => body = text,
                ("language", Some(text)) => language = text.to_ascii_lowercase(),
                _ => {}
            }
        }
        // What the block runs whatever the data is, replayed; a block
        // with anything else stays a gap in the coverage account.
        if language == "plpgsql" && self.run_do_block(&body, stmt) {
            return;
        }
        self.catalog.anonymous_blocks.push(AnonymousBlock {
            language,
            body,
            origin: self.stamp.origin(stmt),
        });
    }

    /// Replays what a PL/pgSQL DO block runs whatever the data is
    /// (`sql::plpgsql::do_block_plan`). True when that was the whole block.
    fn run_do_block(&mut self, body: &str, stmt: &Statement) -> bool {
        let Some(plan) = plpgsql::do_block_plan(body) else {
            return false;
        };
        let mut loops = plan.loops.iter().peekable();
        for (i, (sql, in_body, guard)) in plan.statements.iter().enumerate() {
            while let Some((_, l)) = loops.next_if(|(at, _)| *at <= i) {
                self.run_catalog_loop(l, stmt);
            }
            // A statement guarded by a role's existence runs when the model
            // has the role as the guard asks (platform roles, CREATE ROLE).
            let runs = guard.as_ref().is_none_or(|g| {
                self.catalog.roles.contains(&Ident::new(g.role.as_str())) == g.exists
            });
            if runs {
                self.replay_from_block(sql, *in_body, stmt);
            }
        }
        for (_, l) in loops {
            self.run_catalog_loop(l, stmt);
        }
        plan.whole
    }

    /// Runs a loop's EXECUTEs once per row its catalog query returns from
    /// the model as it stands.
    fn run_catalog_loop(&mut self, l: &plpgsql::CatalogLoop, stmt: &Statement) {
        for value in self.catalog_rows(&l.query) {
            let vars = |fields: &[String]| match fields {
                [v] if *v == l.var => Some(value.clone()),
                [v, c] if *v == l.var && *c == l.query.column => Some(value.clone()),
                _ => None,
            };
            for text in &l.executes {
                let sql = crate::sql::expr::parse(text)
                    .and_then(|e| crate::sql::expr::constant_text_with(&e, &vars));
                if let Some(sql) = sql {
                    self.replay_from_block(&sql, false, stmt);
                }
            }
        }
    }

    /// What a catalog query returns from the model: the column's value of
    /// each row that passes every filter.
    fn catalog_rows(&self, q: &plpgsql::CatalogQuery) -> Vec<String> {
        let mut rows: Vec<Vec<(&str, String)>> = Vec::new();
        let cat = &self.catalog;
        match q.relation.as_str() {
            "pg_policies" => {
                for t in cat.tables.values() {
                    for p in &t.policies {
                        rows.push(vec![
                            ("schemaname", t.name.schema.as_str().to_string()),
                            ("tablename", t.name.name.as_str().to_string()),
                            ("policyname", p.name.as_str().to_string()),
                        ]);
                    }
                }
            }
            "pg_tables" | "information_schema.tables" => {
                let (schema, name) = if q.relation == "pg_tables" {
                    ("schemaname", "tablename")
                } else {
                    ("table_schema", "table_name")
                };
                let views = (q.relation != "pg_tables")
                    .then(|| cat.views.values().map(|v| &v.name))
                    .into_iter()
                    .flatten();
                for n in cat.tables.values().map(|t| &t.name).chain(views) {
                    rows.push(vec![
                        (schema, n.schema.as_str().to_string()),
                        (name, n.name.as_str().to_string()),
                    ]);
                }
            }
            "information_schema.schemata" => {
                for s in cat.schemas.keys() {
                    rows.push(vec![("schema_name", s.as_str().to_string())]);
                }
            }
            _ => {}
        }
        let value = |row: &[(&str, String)], col: &str| {
            row.iter().find(|(c, _)| *c == col).map(|(_, v)| v.clone())
        };
        // A filter or a column the model does not have answers nothing.
        let known = |col: &str| rows.first().is_none_or(|r| value(r, col).is_some());
        if !known(&q.column) || !q.filters.iter().all(|(c, _)| known(c)) {
            return Vec::new();
        }
        let mut out: Vec<String> = rows
            .iter()
            .filter(|row| {
                q.filters
                    .iter()
                    .all(|(col, want)| value(row, col).is_some_and(|v| v == *want))
            })
            .filter_map(|row| value(row, &q.column))
            .collect();
        // DISTINCT or GROUP BY in most such loops; a repeat would only run
        // the same idempotent statement again.
        let mut seen = std::collections::HashSet::new();
        out.retain(|v| seen.insert(v.clone()));
        out
    }

    /// Replays SQL a DO block runs. `in_body`: the text is the block's own
    /// (found in the file, so its statements keep their positions);
    /// otherwise it was built at run time, and what it creates stands at
    /// the DO statement.
    fn replay_from_block(&mut self, sql: &str, in_body: bool, stmt: &Statement) {
        let file_text = stmt
            .text
            .get(stmt.span.start as usize..stmt.span.end as usize);
        let found = in_body
            .then(|| file_text.and_then(|t| t.find(sql)))
            .flatten()
            .map(|at| stmt.span.start as usize + at);
        let parsed = match found {
            Some(start) => {
                split::parse_range(stmt.span.file, &stmt.text, (start, start + sql.len()))
            }
            None => {
                let text: std::sync::Arc<str> = sql.into();
                split::parse_range(stmt.span.file, &text, (0, text.len())).map(|list| {
                    // Positions in a string built at run time mean nothing in
                    // the file: every location falls back to the DO statement.
                    list.into_iter()
                        .map(|s| Statement::new(stmt.span, u32::MAX / 2, s.node, stmt.text.clone()))
                        .collect()
                })
            }
        };
        if let Ok(statements) = parsed {
            for s in &statements {
                self.apply(s);
            }
        }
    }

    /// `SELECT f(...)` of the functions that change the schema:
    /// `set_config('search_path', ...)` and pgmq's queue functions.
    pub(super) fn select_calls(&mut self, s: &pb::SelectStmt, stmt: &Statement) {
        // `SELECT * FROM pgmq.create('jobs')` runs it as well.
        for from in &s.from_clause {
            let Some(NodeEnum::RangeFunction(rf)) = &from.node else {
                continue;
            };
            for f in &rf.functions {
                let Some(NodeEnum::List(pair)) = &f.node else {
                    continue;
                };
                let Some(NodeEnum::FuncCall(call)) =
                    pair.items.first().and_then(|n| n.node.as_ref())
                else {
                    continue;
                };
                if let Some((Some(schema), name)) = ast::split_name(&call.funcname) {
                    if schema == "pgmq" {
                        self.pgmq_call(&name, call, stmt);
                    }
                }
            }
        }
        for target in &s.target_list {
            let Some(NodeEnum::ResTarget(rt)) = &target.node else {
                continue;
            };
            let Some(NodeEnum::FuncCall(call)) = rt.val.as_deref().and_then(|v| v.node.as_ref())
            else {
                continue;
            };
            let Some((schema, name)) = ast::split_name(&call.funcname) else {
                continue;
            };
            if schema.as_deref() == Some("pgmq") {
                self.pgmq_call(&name, call, stmt);
                continue;
            }
            if name != "set_config" {
                continue;
            }
            let args: Vec<Option<String>> = call.args.iter().map(ast::const_text).collect();
            if let [Some(name), Some(value), ..] = args.as_slice() {
                if name == "search_path" {
                    self.search_path = parse_search_path(value);
                }
            }
        }
    }
}

fn rename_column(table: &mut crate::catalog::Table, old: &Ident, new: &Ident) {
    for c in table.columns.iter_mut().filter(|c| &c.name == old) {
        c.name = new.clone();
    }
    for c in &mut table.constraints {
        match &mut c.kind {
            crate::catalog::ConstraintKind::PrimaryKey { columns }
            | crate::catalog::ConstraintKind::Unique { columns, .. } => {
                rename_in(columns, old, new)
            }
            crate::catalog::ConstraintKind::ForeignKey(fk) => {
                rename_in(&mut fk.columns, old, new);
                if fk.ref_table == table.name {
                    rename_in(&mut fk.ref_columns, old, new);
                }
            }
            _ => {}
        }
    }
    for ix in &mut table.indexes {
        for e in &mut ix.elems {
            match &mut e.key {
                crate::catalog::IndexKey::Column(c) if c == old => *c = new.clone(),
                crate::catalog::IndexKey::Expression(x) => rename_in_expr(x, old, new),
                _ => {}
            }
        }
        rename_in(&mut ix.include, old, new);
        if let Some(p) = &mut ix.predicate {
            rename_in_expr(p, old, new);
        }
    }
    // Stored expressions follow the rename (PostgreSQL keeps them as parse
    // trees that name the column by number).
    for c in &mut table.constraints {
        if let crate::catalog::ConstraintKind::Check { expr: Some(x) } = &mut c.kind {
            rename_in_expr(x, old, new);
        }
    }
    for p in &mut table.policies {
        for x in [&mut p.using, &mut p.with_check].into_iter().flatten() {
            rename_in_expr(x, old, new);
        }
    }
    for t in &mut table.triggers {
        if let Some(x) = &mut t.when {
            rename_in_expr(x, old, new);
        }
        rename_in(&mut t.update_columns, old, new);
    }
}

/// Points `nextval('old')` (qualified or not, cast or not) at `new`.
fn rename_nextval(
    node: &mut pb::Node,
    old: &QualifiedName,
    new: &QualifiedName,
    depth: usize,
) -> bool {
    if depth > 100 {
        return false;
    }
    let Some(inner) = node.node.as_mut() else {
        return false;
    };
    if let NodeEnum::FuncCall(f) = inner {
        if ast::strings(&f.funcname)
            .last()
            .is_some_and(|n| n == "nextval")
        {
            if let Some(text) = f.args.first_mut().and_then(string_constant_mut) {
                let (schema, name) = match text.rsplit_once('.') {
                    Some((s, n)) => (Some(s.trim_matches('"')), n.trim_matches('"')),
                    None => (None, text.trim_matches('"')),
                };
                if name == old.name.as_str() && schema.is_none_or(|s| s == old.schema.as_str()) {
                    *text = match schema {
                        Some(_) => new.to_string(),
                        None => new.name.to_string(),
                    };
                    return true;
                }
            }
            return false;
        }
    }
    let mut any = false;
    for child in crate::sql::expr::children_mut(inner) {
        any |= rename_nextval(child, old, new, depth + 1);
    }
    any
}

/// The text of a string constant, through any casts.
fn string_constant_mut(node: &mut pb::Node) -> Option<&mut String> {
    match node.node.as_mut()? {
        NodeEnum::TypeCast(c) => string_constant_mut(c.arg.as_deref_mut()?),
        NodeEnum::AConst(k) => match k.val.as_mut()? {
            pb::a_const::Val::Sval(s) => Some(&mut s.sval),
            _ => None,
        },
        _ => None,
    }
}

fn rename_in_expr(x: &mut crate::catalog::Expr, old: &Ident, new: &Ident) {
    let mut node = *x.node();
    if crate::sql::expr::rename_column_refs(&mut node, old.as_str(), new.as_str()) {
        *x = crate::catalog::Expr::new(&node);
    }
}

fn rename_in(list: &mut [Ident], old: &Ident, new: &Ident) {
    for c in list.iter_mut().filter(|c| *c == old) {
        *c = new.clone();
    }
}

/// `"$user", public, extensions` -> [public, extensions].
fn parse_search_path(value: &str) -> Vec<Ident> {
    value
        .split(',')
        .map(|s| s.trim())
        .filter(|s| !s.is_empty() && *s != "\"$user\"" && *s != "$user")
        .map(|s| Ident::new(s.trim_matches('"')))
        .collect()
}

/// The sequence privileges among `privileges` (upper case), `ALL` spelled
/// out: a sequence has no others.
fn sequence_privileges<'a>(privileges: impl IntoIterator<Item = &'a str>) -> Vec<&'static str> {
    let mut out = Vec::new();
    for p in privileges {
        for s in SEQUENCE_PRIVILEGES {
            if (p == "ALL" || p == s) && !out.contains(&s) {
                out.push(s);
            }
        }
    }
    out
}

/// What ALL stands for in default privileges of each object kind.
fn all_privileges(kind: DefaultObjectKind) -> &'static [&'static str] {
    match kind {
        DefaultObjectKind::Tables => &crate::catalog::TABLE_PRIVILEGES,
        DefaultObjectKind::Sequences => &SEQUENCE_PRIVILEGES,
        DefaultObjectKind::Functions => &["EXECUTE"],
        DefaultObjectKind::Types => &["USAGE"],
        DefaultObjectKind::Schemas => &["USAGE", "CREATE"],
    }
}
