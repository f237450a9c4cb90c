//! Publications: CREATE, ALTER (ADD / SET / DROP of tables and schemas,
//! SET of options), RENAME, DROP; and the tables they name following those
//! tables' renames and drops.

use pg_query::protobuf::PublicationObjSpecType as ObjType;
use pg_query::protobuf::{self as pb, AlterPublicationAction as Action};
use pg_query::NodeEnum;

use super::{expr, Replayer};
use crate::catalog::{resolve, Ident, Publication, PublishedTable, QualifiedName};
use crate::sql::ast;
use crate::sql::split::Statement;

/// What a `FOR ...` or `ADD / SET / DROP ...` list names.
#[derive(Default)]
struct Objects {
    tables: Vec<PublishedTable>,
    schemas: Vec<Ident>,
}

impl Replayer {
    pub(super) fn create_publication(&mut self, s: &pb::CreatePublicationStmt, stmt: &Statement) {
        let name = Ident::new(s.pubname.clone());
        // PostgreSQL refuses a second one of the name.
        if self.catalog.publications.contains_key(&name) {
            return;
        }
        let mut p = Publication::new(name.clone(), self.stamp.origin(stmt));
        p.owner = self.creator();
        p.all_tables = s.for_all_tables;
        let objects = self.publication_objects(&s.pubobjects);
        p.tables = objects.tables;
        p.schemas = objects.schemas.into_iter().collect();
        apply_options(&mut p, &s.options);
        self.catalog.publications.insert(name, p);
    }

    pub(super) fn alter_publication(&mut self, s: &pb::AlterPublicationStmt) {
        let name = Ident::new(s.pubname.clone());
        if !self.catalog.publications.contains_key(&name) {
            return;
        }
        let objects = self.publication_objects(&s.pubobjects);
        let Some(p) = self.catalog.publications.get_mut(&name) else {
            return;
        };
        if !s.options.is_empty() {
            apply_options(p, &s.options);
            return;
        }
        match Action::try_from(s.action) {
            Ok(Action::ApAddObjects) => {
                for t in objects.tables {
                    if !p.tables.iter().any(|old| old.table == t.table) {
                        p.tables.push(t);
                    }
                }
                p.schemas.extend(objects.schemas);
            }
            Ok(Action::ApDropObjects) => {
                p.tables
                    .retain(|old| !objects.tables.iter().any(|t| t.table == old.table));
                for s in &objects.schemas {
                    p.schemas.remove(s);
                }
            }
            // SET replaces the tables and the schemas both: what it does
            // not name leaves the publication.
            Ok(Action::ApSetObjects) => {
                p.tables = objects.tables;
                p.schemas = objects.schemas.into_iter().collect();
            }
            _ => {}
        }
    }

    /// The tables (resolved now: PostgreSQL stores them by oid) and schemas
    /// of a publication object list.
    fn publication_objects(&self, list: &[pb::Node]) -> Objects {
        let mut out = Objects::default();
        for node in list {
            let Some(NodeEnum::PublicationObjSpec(spec)) = &node.node else {
                continue;
            };
            match ObjType::try_from(spec.pubobjtype) {
                Ok(ObjType::PublicationobjTable) => {
                    let Some(pt) = &spec.pubtable else { continue };
                    let Some(rv) = &pt.relation else { continue };
                    out.tables.push(PublishedTable {
                        table: self.table_ref(rv),
                        columns: ast::strings(&pt.columns)
                            .into_iter()
                            .map(Ident::new)
                            .collect(),
                        predicate: expr(&pt.where_clause),
                    });
                }
                Ok(ObjType::PublicationobjTablesInSchema) => {
                    out.schemas.push(Ident::new(spec.name.clone()));
                }
                Ok(ObjType::PublicationobjTablesInCurSchema) => {
                    out.schemas
                        .push(resolve::creation_schema(&self.catalog, &self.search_path));
                }
                _ => {}
            }
        }
        out
    }

    /// ALTER PUBLICATION ... RENAME TO.
    pub(super) fn rename_publication(&mut self, old: &str, new: Ident) {
        if self.catalog.publications.contains_key(&new) {
            return;
        }
        if let Some(mut p) = self.catalog.publications.remove(&Ident::new(old)) {
            p.name = new.clone();
            self.catalog.publications.insert(new, p);
        }
    }

    /// A table renamed or moved to another schema stays in its
    /// publications under its new name.
    pub(super) fn publications_follow_table(&mut self, old: &QualifiedName, new: &QualifiedName) {
        for p in self.catalog.publications.values_mut() {
            for t in p.tables.iter_mut().filter(|t| &t.table == old) {
                t.table = new.clone();
            }
        }
    }

    /// A dropped table leaves its publications.
    pub(super) fn publications_forget_table(&mut self, table: &QualifiedName) {
        for p in self.catalog.publications.values_mut() {
            p.tables.retain(|t| &t.table != table);
        }
    }
}

/// `WITH (publish = '...', publish_via_partition_root = ...)`: the options
/// written; the others keep their value.
fn apply_options(p: &mut Publication, options: &[pb::Node]) {
    for d in ast::def_elems(options) {
        match d.defname.as_str() {
            "publish" => {
                let text = ast::def_arg_text(d)
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                let actions: Vec<&str> = text.split(',').map(str::trim).collect();
                p.publish.insert = actions.contains(&"insert");
                p.publish.update = actions.contains(&"update");
                p.publish.delete = actions.contains(&"delete");
                p.publish.truncate = actions.contains(&"truncate");
            }
            "publish_via_partition_root" => {
                p.via_root = ast::def_arg_text(d).is_none_or(|v| {
                    matches!(
                        v.to_ascii_lowercase().as_str(),
                        "true" | "on" | "1" | "yes" | "t" | "y"
                    )
                });
            }
            _ => {}
        }
    }
}
