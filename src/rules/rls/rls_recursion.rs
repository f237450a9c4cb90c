//! Policies whose reads lead back to their own table. Docs: rules/rls-recursion.yaml.

use std::collections::BTreeSet;

use pg_query::NodeRef;

use crate::catalog::{Catalog, Function, PolicyCommand, QualifiedName, Span};
use crate::findings::Related;
use crate::rules::memo::Beyond;
use crate::rules::support::rls::{
    applies_to, body_refs, conditions, function_search_path, functions, policy_search_path, table,
    MAX_DEPTH,
};
use crate::rules::{SchemaCtx, SchemaRule};
use crate::sql::ast;
use crate::sql::expr;

pub struct RlsRecursion;

/// A table read by a policy condition, and how: "directly" or "through
/// function `f`".
struct Read {
    table: QualifiedName,
    how: String,
}

impl SchemaRule for RlsRecursion {
    fn check(&self, cx: &mut SchemaCtx<'_>) {
        let cat = cx.catalog;
        for t in cx.tables().filter(|t| t.rls_enabled) {
            for policy in t.policies.iter().filter(|p| !p.origin.is_baseline()) {
                // Every table name looked up on the way, found or not: what
                // the findings on `t` depend on besides `t` and functions.
                let mut named = Vec::new();
                let reads: Vec<Read> = conditions(policy)
                    .into_iter()
                    .flat_map(|(_, e, _)| expr_reads(cat, &e, &mut named))
                    .collect();
                let found = cycle(cat, &t.name, &reads, &mut named);
                if cx.notes_table_names() {
                    for name in &named {
                        cx.note_table_name(name);
                    }
                }
                let Some((path, hops)) = found else {
                    continue;
                };
                let related = hops
                    .into_iter()
                    .flat_map(|(span, message)| Related::at(span, message))
                    .collect();
                cx.report_related(
                    &t.name,
                    policy.origin.span(),
                    format!(
                        "policy `{}` on `{}` reads `{}` again ({path}): queries on it fail with infinite recursion",
                        policy.name, t.name, t.name
                    ),
                    None,
                    related,
                );
            }
        }
    }

    /// Reads the table, the tables its policies lead to (by name) and the
    /// functions they call.
    fn per_table(&self) -> Option<&'static [Beyond]> {
        Some(&[Beyond::NamedTables, Beyond::Functions])
    }
}

/// The policies on the way from one table to the next: where each is, and
/// what it reads.
type Hops = Vec<(Option<Span>, String)>;

/// How the reads of a policy come back to `start`, if they do: the way in
/// words, and the other policies on it.
fn cycle(
    cat: &Catalog,
    start: &QualifiedName,
    first: &[Read],
    named: &mut Vec<String>,
) -> Option<(String, Hops)> {
    let mut seen: BTreeSet<QualifiedName> = BTreeSet::new();
    // (table reached, description of the way there, policies on it)
    let mut queue: Vec<(QualifiedName, String, Hops)> = Vec::new();
    for r in first {
        let step = format!("{} `{}`", r.how, r.table);
        if &r.table == start {
            return Some((step, Vec::new()));
        }
        queue.push((r.table.clone(), step, Vec::new()));
    }
    let mut depth = 0;
    while !queue.is_empty() && depth <= MAX_DEPTH {
        let mut next = Vec::new();
        for (name, way, hops) in queue {
            if !seen.insert(name.clone()) {
                continue;
            }
            let Some(t) = cat.table(&name).filter(|t| t.rls_enabled) else {
                continue;
            };
            // Reading a table is a SELECT, so its SELECT and ALL policies apply.
            for p in t
                .policies
                .iter()
                .filter(|p| applies_to(p, PolicyCommand::Select))
            {
                let Some(using) = &p.using else { continue };
                for r in expr_reads(cat, &using.node(), named) {
                    let step = format!(
                        "{way}, whose policy `{}` reads {} `{}`",
                        p.name, r.how, r.table
                    );
                    let mut hops = hops.clone();
                    hops.push((
                        p.origin.span(),
                        format!(
                            "policy `{}` on `{}` reads {} `{}`",
                            p.name, t.name, r.how, r.table
                        ),
                    ));
                    if &r.table == start {
                        return Some((step, hops));
                    }
                    next.push((r.table, step, hops));
                }
            }
        }
        queue = next;
        depth += 1;
    }
    None
}

/// Tables a condition reads: in subqueries, and in the bodies of the
/// SECURITY INVOKER functions it calls (transitively). The names of the
/// tables looked up go to `named`.
fn expr_reads(cat: &Catalog, e: &pg_query::protobuf::Node, named: &mut Vec<String>) -> Vec<Read> {
    let path = policy_search_path();
    let mut out = Vec::new();
    for n in expr::nodes(e) {
        if let NodeRef::RangeVar(rv) = n {
            let (schema, name) = ast::range_var_name(rv);
            named.push(name.clone());
            if let Some(qn) = table(cat, &path, schema.as_deref(), &name) {
                out.push(Read {
                    table: qn,
                    how: "directly".to_string(),
                });
            }
        }
    }
    let mut seen = BTreeSet::new();
    for (_, schema, name) in expr::calls(e) {
        for f in functions(cat, &path, schema.as_deref(), &name) {
            function_reads(cat, f, f, 0, &mut seen, &mut out, named);
        }
    }
    out
}

fn function_reads(
    cat: &Catalog,
    called: &Function,
    f: &Function,
    depth: usize,
    seen: &mut BTreeSet<QualifiedName>,
    out: &mut Vec<Read>,
    named: &mut Vec<String>,
) {
    // A SECURITY DEFINER function runs as its owner, who bypasses RLS.
    if depth > MAX_DEPTH || f.security_definer || !seen.insert(f.name.clone()) {
        return;
    }
    let path = function_search_path(f);
    let refs = body_refs(f);
    for (schema, name) in &refs.tables {
        named.push(name.clone());
        if let Some(qn) = table(cat, &path, schema.as_deref(), name) {
            out.push(Read {
                table: qn,
                how: format!("through function `{}`", called.name),
            });
        }
    }
    for (schema, name) in &refs.calls {
        for g in functions(cat, &path, schema.as_deref(), name) {
            function_reads(cat, called, g, depth + 1, seen, out, named);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet};

    const MEMBERS: &str = "create table public.m (team uuid, user_id uuid, primary key (team, user_id));\nalter table public.m enable row level security;\n";

    #[test]
    fn self_read_fires_at_the_policy() {
        let out = fires(
            "rls-recursion",
            &format!("{MEMBERS}create policy p on public.m for select to authenticated\n  using (exists (select 1 from m mine where mine.team = m.team and mine.user_id = (select auth.uid())));"),
        );
        assert!(out.starts_with("test.sql:3:1 "), "{out}");
        assert!(out.contains("directly `public.m`"), "{out}");
    }

    #[test]
    fn two_tables_reading_each_other_fire() {
        let out = fires(
            "rls-recursion",
            "create table public.a (id int primary key, b_id int);\ncreate table public.b (id int primary key, a_id int);\nalter table public.a enable row level security;\nalter table public.b enable row level security;\ncreate policy pa on public.a for select to authenticated using (b_id in (select id from public.b));\ncreate policy pb on public.b for select to authenticated using (a_id in (select id from public.a));",
        );
        assert_eq!(out.lines().count(), 2, "{out}");
    }

    #[test]
    fn the_other_tables_policy_is_a_related_place() {
        let sql = "create table public.a (id int primary key, b_id int);\ncreate table public.b (id int primary key, a_id int);\nalter table public.a enable row level security;\nalter table public.b enable row level security;\ncreate policy pa on public.a for select to authenticated using (b_id in (select id from public.b));\ncreate policy pb on public.b for select to authenticated using (a_id in (select id from public.a));";
        let mut cfg = crate::config::Config::default();
        cfg.select = Some(vec!["rls-recursion".to_string()]);
        let report = crate::lint_sources(
            vec![("test.sql".to_string(), sql.to_string())],
            &cfg,
            &crate::Settings::for_platform(crate::catalog::Platform::Supabase),
        );
        let on_a = report
            .findings
            .iter()
            .find(|f| f.message.starts_with("policy `pa`"))
            .unwrap();
        assert_eq!(on_a.related.len(), 1, "{on_a:?}");
        let place = on_a.related[0].location.as_ref().unwrap();
        assert_eq!((place.file.as_str(), place.line), ("test.sql", 6));
        assert!(
            on_a.related[0]
                .message
                .contains("policy `pb` on `public.b` reads directly `public.a`"),
            "{on_a:?}"
        );
    }

    #[test]
    fn chain_without_rls_on_the_middle_table_is_quiet() {
        quiet(
            "rls-recursion",
            "create table public.a (id int primary key, b_id int);\ncreate table public.b (id int primary key, a_id int);\nalter table public.a enable row level security;\ncreate policy pa on public.a for select to authenticated using (b_id in (select id from public.b));\ncreate policy pb on public.b for select to authenticated using (a_id in (select id from public.a));",
        );
    }

    #[test]
    fn invoker_function_reading_the_table_fires_definer_does_not() {
        let func = |definer: &str| {
            format!("{MEMBERS}create function public.my_teams() returns setof uuid language sql stable {definer} set search_path = '' as $$ select team from public.m where user_id = auth.uid() $$;\ncreate policy p on public.m for select to authenticated using (team in (select public.my_teams()));")
        };
        let out = fires("rls-recursion", &func(""));
        assert!(out.contains("through function `public.my_teams`"), "{out}");
        quiet("rls-recursion", &func("security definer"));
    }

    #[test]
    fn plpgsql_body_is_scanned() {
        fires(
            "rls-recursion",
            &format!("{MEMBERS}create function public.is_member(t uuid) returns boolean language plpgsql stable as $$\nbegin\n  return exists (select 1 from public.m where team = t and user_id = auth.uid());\nend $$;\ncreate policy p on public.m for select to authenticated using (public.is_member(team));"),
        );
    }

    #[test]
    fn reading_another_table_is_quiet() {
        quiet(
            "rls-recursion",
            &format!("{MEMBERS}create table public.teams (id uuid primary key);\nalter table public.teams enable row level security;\ncreate policy t on public.teams for select to authenticated using (exists (select 1 from public.m where m.team = teams.id));\ncreate policy p on public.m for select to authenticated using (user_id = (select auth.uid()));"),
        );
    }
}
