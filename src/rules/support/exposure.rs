//! What the API exposes beyond tables: views, materialized views, foreign tables.

use pg_query::NodeRef;

use std::collections::BTreeSet;

use crate::catalog::{
    baseline, resolve, Catalog, Grants, Ident, QualifiedName, RelKind, Span, View,
};
use crate::sql::ast;

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
    let Some(query) = view.query.as_ref().map(crate::catalog::Expr::node) else {
        return Vec::new();
    };
    let Some(root) = query.node.as_ref() else {
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

/// A relation pg_graphql lists in introspection for some role: a project's
/// table, view, materialized view or foreign table outside the platform's
/// schemas, with its kind as a word. Partitioned tables are left out, as
/// pg_graphql leaves them out (their partitions are tables of their own).
pub struct GraphqlRelation<'a> {
    pub name: &'a QualifiedName,
    pub kind: &'static str,
    pub grants: &'a Grants,
    pub span: Option<Span>,
}

/// The relations pg_graphql would introspect, when the extension is
/// installed; none otherwise.
pub fn graphql_relations(cat: &Catalog) -> Vec<GraphqlRelation<'_>> {
    if !cat.extensions.contains_key(&Ident::new("pg_graphql")) {
        return Vec::new();
    }
    let tables = cat
        .user_tables()
        .filter(|t| t.kind != RelKind::Partitioned)
        .map(|t| GraphqlRelation {
            name: &t.name,
            kind: if t.kind == RelKind::Foreign {
                "foreign table"
            } else {
                "table"
            },
            grants: &t.grants,
            span: t.origin.span(),
        });
    let views = cat
        .views
        .values()
        .filter(|v| !v.origin.is_baseline() && !cat.is_platform_schema(&v.name.schema))
        .map(|v| GraphqlRelation {
            name: &v.name,
            kind: if v.materialized {
                "materialized view"
            } else {
                "view"
            },
            grants: &v.grants,
            span: v.origin.span(),
        });
    let mut out: Vec<GraphqlRelation<'_>> = tables.chain(views).collect();
    out.sort_by(|a, b| a.name.cmp(b.name));
    out
}

/// The first of `roles` that may SELECT from the relation, itself or
/// through PUBLIC.
pub fn selecting_role<'a>(grants: &Grants, roles: &'a BTreeSet<Ident>) -> Option<&'a Ident> {
    roles.iter().find(|r| grants.allows(r, "SELECT"))
}

/// Reports each relation pg_graphql shows to one of `roles` (the API's
/// anonymous or signed-in roles), for the two pg-graphql-*-table-exposed rules.
pub fn report_graphql_exposed(
    cx: &mut crate::rules::SchemaCtx<'_>,
    roles: &BTreeSet<Ident>,
    audience: &str,
) {
    for r in graphql_relations(cx.catalog) {
        let Some(role) = selecting_role(r.grants, roles) else {
            continue;
        };
        cx.report(
            r.name,
            r.span,
            format!(
                "pg_graphql is installed and `{role}` can SELECT from {} `{}`: its name, columns and relationships show in GraphQL introspection to {audience}",
                r.kind, r.name
            ),
        );
    }
}

/// An API role (anonymous or signed in) that may SELECT from a relation with
/// these grants, itself or through PUBLIC.
pub fn api_reader<'a>(cat: &'a Catalog, grants: &Grants) -> Option<&'a Ident> {
    selecting_role(grants, &cat.api_roles.anonymous)
        .or_else(|| selecting_role(grants, &cat.api_roles.signed_in))
}
