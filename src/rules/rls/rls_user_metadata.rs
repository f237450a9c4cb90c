//! Policies that decide by `user_metadata`, which users write themselves. Docs: rules/rls-user-metadata.yaml.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use pg_query::protobuf as pb;
use pg_query::NodeRef;

use crate::catalog::{Catalog, Function, QualifiedName, Span};
use crate::rules::support::rls::{
    body_refs, encoded_conditions, function_search_path, functions, node_span, policy_search_path,
    user_policies, MAX_DEPTH,
};
use crate::rules::{SchemaCtx, SchemaRule};
use crate::sql::ast;
use crate::sql::expr;

pub struct RlsUserMetadata;

impl SchemaRule for RlsUserMetadata {
    fn check(&self, cx: &mut SchemaCtx<'_>) {
        let cat = cx.catalog;
        // Functions reading user metadata -> the policies that reach them
        // (and the same as a set: thousands of policies may share a helper).
        let mut via: BTreeMap<QualifiedName, (&Function, Vec<String>, HashSet<String>)> =
            BTreeMap::new();
        // Each function's body is read once, however many policies call it.
        let mut memo = Memo::default();
        // Only a function whose body reads user metadata is reported; when
        // none does, the calls of the policies need not be followed.
        let any_reader = cat
            .functions
            .values()
            .flatten()
            .any(|f| f.body.as_deref().and_then(metadata_offset).is_some());
        for table in cat.tables.values() {
            for policy in user_policies(table) {
                for (clause, cond, base) in encoded_conditions(policy) {
                    // Every access `is_user_metadata_access` finds has the
                    // key in a string constant.
                    let direct = cond.mentions("user_metadata");
                    if !direct && !any_reader {
                        continue;
                    }
                    let cond = cond.node();
                    let nodes = if direct {
                        expr::nodes(&cond)
                    } else {
                        Vec::new()
                    };
                    for n in nodes {
                        let NodeRef::AExpr(e) = n else { continue };
                        if !is_user_metadata_access(e) {
                            continue;
                        }
                        let node = pb::Node {
                            node: Some(pg_query::NodeEnum::AExpr(Box::new(e.clone()))),
                        };
                        let text = expr::to_sql(&node);
                        let start = expr::leftmost(&node).unwrap_or(e.location);
                        cx.report(
                            &table.name,
                            node_span(base, start, text.len(), policy.origin.span()),
                            format!(
                                "policy `{}` on `{}` reads `user_metadata` from the JWT in {clause}, which every user can edit",
                                policy.name, table.name
                            ),
                        );
                    }
                    if !any_reader {
                        continue;
                    }
                    let mut seen = BTreeSet::new();
                    for (_, schema, name) in expr::calls(&cond) {
                        for f in functions(cat, &policy_search_path(), schema.as_deref(), &name) {
                            collect(cat, f, 0, &mut seen, &mut memo, &mut |f| {
                                let entry = via
                                    .entry(f.name.clone())
                                    .or_insert_with(|| (f, Vec::new(), HashSet::new()));
                                let label = format!("`{}` on `{}`", policy.name, table.name);
                                if entry.2.insert(label.clone()) {
                                    entry.1.push(label);
                                }
                            });
                        }
                    }
                }
            }
        }
        for (name, (f, policies, _)) in via {
            let Some(body) = f.body.as_deref() else {
                continue;
            };
            let Some(offset) = metadata_offset(body) else {
                continue;
            };
            let span = body_span(f, offset).or_else(|| f.origin.span());
            let shown: Vec<&str> = policies.iter().take(3).map(String::as_str).collect();
            let more = policies.len().saturating_sub(shown.len());
            let tail = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            cx.report(
                &name,
                span,
                format!(
                    "function `{name}` reads user metadata, which every user can edit, and policy {}{tail} relies on it",
                    shown.join(", ")
                ),
            );
        }
    }
}

/// `x -> 'user_metadata'`, `x ->> 'user_metadata'`, `x #>> '{user_metadata,role}'`.
fn is_user_metadata_access(e: &pb::AExpr) -> bool {
    let op = ast::strings(&e.name);
    let key = e.rexpr.as_deref().and_then(ast::const_text);
    match (op.as_slice(), key) {
        ([o], Some(k)) if o == "->" || o == "->>" => k == "user_metadata",
        ([o], Some(k)) if o == "#>" || o == "#>>" => {
            k.trim_start_matches('{').starts_with("user_metadata")
        }
        _ => false,
    }
}

/// Visits `f` and the functions it calls (bounded, each once).
/// What one rule run learned about each function (by address: the catalog
/// does not move while rules run).
#[derive(Default)]
struct Memo<'a> {
    callees: HashMap<*const Function, Vec<&'a Function>>,
    reads_metadata: HashMap<*const Function, bool>,
}

/// Visits `f` and the functions it calls (to MAX_DEPTH) that read user metadata.
fn collect<'a>(
    cat: &'a Catalog,
    f: &'a Function,
    depth: usize,
    seen: &mut BTreeSet<QualifiedName>,
    memo: &mut Memo<'a>,
    visit: &mut dyn FnMut(&'a Function),
) {
    if depth > MAX_DEPTH || !seen.insert(f.name.clone()) {
        return;
    }
    let key = std::ptr::from_ref(f);
    let reads = *memo
        .reads_metadata
        .entry(key)
        .or_insert_with(|| f.body.as_deref().and_then(metadata_offset).is_some());
    if reads {
        visit(f);
    }
    let callees = memo
        .callees
        .entry(key)
        .or_insert_with(|| {
            let path = function_search_path(f);
            body_refs(f)
                .calls
                .into_iter()
                .flat_map(|(schema, name)| functions(cat, &path, schema.as_deref(), &name))
                .collect()
        })
        .clone();
    for g in callees {
        collect(cat, g, depth + 1, seen, memo, visit);
    }
}

/// Where a body reads user metadata: the `'user_metadata'` key, a
/// `{user_metadata,...}` path or `raw_user_meta_data` of `auth.users`.
fn metadata_offset(body: &str) -> Option<usize> {
    let lower = body.to_ascii_lowercase();
    ["'user_metadata'", "{user_metadata", "raw_user_meta_data"]
        .iter()
        .filter_map(|p| lower.find(p))
        .min()
}

fn body_span(f: &Function, offset: usize) -> Option<Span> {
    let file = f.body_span?.file;
    let start = f.body_start?.checked_add(u32::try_from(offset).ok()?)?;
    Some(Span {
        file,
        start,
        end: start.saturating_add(u32::try_from("'user_metadata'".len()).unwrap_or(0)),
    })
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet};

    const TABLE: &str = "create table public.t (id int primary key);\nalter table public.t enable row level security;\n";

    #[test]
    fn policy_reading_user_metadata_fires_at_the_expression() {
        let out = fires(
            "rls-user-metadata",
            &format!("{TABLE}create policy p on public.t for select to authenticated\n  using ((auth.jwt() -> 'user_metadata' ->> 'role') = 'admin');"),
        );
        assert!(out.starts_with("test.sql:4:11 "), "{out}");
    }

    #[test]
    fn helper_function_fires_inside_its_body() {
        let out = fires(
            "rls-user-metadata",
            &format!("{TABLE}create function public.user_role() returns text language sql stable as $$\n  select auth.jwt() -> 'user_metadata' ->> 'role'\n$$;\ncreate function public.is_admin() returns boolean language sql stable as $$ select public.user_role() = 'admin' $$;\ncreate policy p on public.t for select to authenticated using ((select public.is_admin()));"),
        );
        assert!(out.starts_with("test.sql:4:"), "{out}");
        assert!(out.contains("[public.user_role]"), "{out}");
        assert!(out.contains("`p` on `public.t`"), "{out}");
    }

    #[test]
    fn app_metadata_is_quiet() {
        quiet(
            "rls-user-metadata",
            &format!("{TABLE}create policy p on public.t for select to authenticated using (((select auth.jwt()) -> 'app_metadata' ->> 'role') = 'admin');"),
        );
    }

    #[test]
    fn function_no_policy_calls_is_quiet() {
        quiet(
            "rls-user-metadata",
            &format!("{TABLE}create function public.display_name() returns text language sql stable as $$ select auth.jwt() -> 'user_metadata' ->> 'name' $$;"),
        );
    }
}
