//! Name resolution as PostgreSQL does it: explicit schema, or the search_path.

use super::ident::NameKey;
use super::{Catalog, Ident, QualifiedName};

/// The schema an unqualified CREATE lands in: the first existing schema on the path.
pub fn creation_schema(cat: &Catalog, search_path: &[Ident]) -> Ident {
    search_path
        .iter()
        .find(|s| cat.schemas.contains_key(*s))
        .or_else(|| search_path.first())
        .cloned()
        .unwrap_or_else(|| Ident::new("public"))
}

/// The name an object being created gets.
pub fn for_create(
    cat: &Catalog,
    search_path: &[Ident],
    schema: Option<&str>,
    name: &str,
) -> QualifiedName {
    match schema {
        Some(s) => QualifiedName::new(s, name),
        None => QualifiedName::new(creation_schema(cat, search_path), Ident::new(name)),
    }
}

fn lookup(
    search_path: &[Ident],
    schema: Option<&str>,
    name: &str,
    exists: impl Fn(&dyn NameKey) -> bool,
) -> Result<QualifiedName, QualifiedName> {
    if let Some(s) = schema {
        let found = exists(&(s, name));
        let qn = QualifiedName::new(s, name);
        return if found { Ok(qn) } else { Err(qn) };
    }
    let path = std::iter::once("pg_catalog").chain(search_path.iter().map(Ident::as_str));
    for s in path {
        if exists(&(s, name)) {
            return Ok(QualifiedName::new(s, name));
        }
    }
    let first = search_path
        .first()
        .cloned()
        .unwrap_or_else(|| Ident::new("public"));
    Err(QualifiedName::new(first, Ident::new(name)))
}

/// A table, view or sequence. `Err` carries the name it would have had.
pub fn relation(
    cat: &Catalog,
    search_path: &[Ident],
    schema: Option<&str>,
    name: &str,
) -> Result<QualifiedName, QualifiedName> {
    lookup(search_path, schema, name, |key| cat.relation_exists(key))
}

pub fn table(
    cat: &Catalog,
    search_path: &[Ident],
    schema: Option<&str>,
    name: &str,
) -> Result<QualifiedName, QualifiedName> {
    lookup(search_path, schema, name, |key| {
        cat.tables.contains_key(key)
    })
}

/// The table or materialized view holding index `name`: in `schema`, or in
/// the first schema on the search_path that has one of that name (indexes
/// live in their relation's schema).
pub fn index(
    cat: &Catalog,
    search_path: &[Ident],
    schema: Option<&str>,
    name: &str,
) -> Option<QualifiedName> {
    let name = Ident::new(name);
    let in_schema = |s: &Ident| {
        let tables = cat
            .tables
            .values()
            .filter(|t| &t.name.schema == s)
            .find(|t| t.indexes.iter().any(|ix| ix.name == name))
            .map(|t| t.name.clone());
        tables.or_else(|| {
            cat.views
                .values()
                .filter(|v| &v.name.schema == s)
                .find(|v| v.indexes.iter().any(|ix| ix.name == name))
                .map(|v| v.name.clone())
        })
    };
    match schema {
        Some(s) => in_schema(&Ident::new(s)),
        None => search_path.iter().find_map(in_schema),
    }
}

pub fn function(
    cat: &Catalog,
    search_path: &[Ident],
    schema: Option<&str>,
    name: &str,
) -> Result<QualifiedName, QualifiedName> {
    lookup(search_path, schema, name, |key| cat.function_exists(key))
}

/// A user-defined type (enum, domain, composite, extension type), unqualified.
pub fn user_type_schema(cat: &Catalog, search_path: &[Ident], name: &str) -> Option<Ident> {
    search_path
        .iter()
        .find(|s| {
            let key: &dyn NameKey = &(s.as_str(), name);
            cat.types.contains_key(key)
                || cat.tables.contains_key(key)
                || cat.views.contains_key(key)
        })
        .cloned()
}
