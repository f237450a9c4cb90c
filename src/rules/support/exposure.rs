//! What the API exposes beyond tables: views, materialized views, foreign tables.

use pg_query::NodeRef;

use crate::catalog::{baseline, resolve, Catalog, QualifiedName, View};
use crate::source::migrations::ast;

/// Views and materialized views a project created in a schema the API serves.
pub fn exposed_views(cat: &Catalog) -> impl Iterator<Item = &View> {
    cat.views.values().filter(|v| {
        !v.origin.is_baseline()
            && !cat.is_platform_schema(&v.name.schema)
            && cat.is_exposed(&v.name.schema)
    })
}

/// The relations a view's query reads, in its subqueries and CTEs too. The
/// catalog does not keep the search_path the view was created with, so an
/// unqualified name resolves through the platform's default path; a CTE
/// name is never schema-qualified, so it cannot pass for a qualified table.
pub fn view_relations(cat: &Catalog, view: &View) -> Vec<QualifiedName> {
    let Some(root) = view.query.as_ref().and_then(|q| q.node.as_ref()) else {
        return Vec::new();
    };
    let path = baseline::default_search_path(cat.platform);
    let mut out: Vec<QualifiedName> = Vec::new();
    for n in ast::descendants(root) {
        let NodeRef::RangeVar(rv) = n else { continue };
        let (schema, name) = ast::range_var_name(rv);
        let (Ok(qn) | Err(qn)) = resolve::relation(cat, &path, schema.as_deref(), &name);
        if !out.contains(&qn) {
            out.push(qn);
        }
    }
    out
}
