//! Trigger functions that keep a count on a parent row but miss a way the
//! counted rows change. Docs: rules/counter-trigger-incomplete.yaml.

use std::collections::{BTreeMap, BTreeSet};

use pg_query::protobuf::{self as pb, Node};
use pg_query::NodeEnum;

use crate::catalog::{resolve, Catalog, Function, Ident, QualifiedName, Table, TriggerEvent};
use crate::catalog::body;
use crate::sql::plpgsql::{self, Stmt};
use crate::rules::support::rls;
use crate::sql::expr;
use crate::rules::{SchemaCtx, SchemaRule};
use crate::sql::ast;

pub struct CounterTriggerIncomplete;

/// A set of trigger operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ops(u8);

impl Ops {
    const NONE: Ops = Ops(0);
    const INSERT: Ops = Ops(1);
    const UPDATE: Ops = Ops(2);
    const DELETE: Ops = Ops(4);
    const ALL: Ops = Ops(7);

    fn of(op: &str) -> Ops {
        match op {
            "INSERT" => Ops::INSERT,
            "UPDATE" => Ops::UPDATE,
            "DELETE" => Ops::DELETE,
            _ => Ops::NONE,
        }
    }
    fn and(self, o: Ops) -> Ops {
        Ops(self.0 & o.0)
    }
    fn or(self, o: Ops) -> Ops {
        Ops(self.0 | o.0)
    }
    fn not(self) -> Ops {
        Ops(!self.0 & Ops::ALL.0)
    }
    fn has(self, o: Ops) -> bool {
        self.0 & o.0 == o.0
    }
}

/// One `UPDATE parent SET n = n ± ... WHERE key = NEW.g` in the body.
struct CounterUpdate {
    /// The parent table as written: (schema, name).
    parent: (Option<String>, String),
    /// (counter column, +1 or -1).
    counters: Vec<(String, i8)>,
    /// The operations under which the statement can run.
    ops: Ops,
    /// Columns of the triggering row whose change changes the count: the
    /// grouping columns, and those the enclosing conditions and the new
    /// values read.
    watched: BTreeSet<String>,
}

/// Nesting deeper than this is not walked.
const MAX_DEPTH: usize = 32;

impl SchemaRule for CounterTriggerIncomplete {
    fn check(&self, cx: &mut SchemaCtx<'_>) {
        let cat = cx.catalog;
        for table in cat.user_tables() {
            for (fname, events) in row_trigger_events(table) {
                let Some(f) = trigger_function(cat, fname) else {
                    continue;
                };
                let Some(Ok(body)) = body::parse(f) else {
                    continue;
                };
                let mut updates = Vec::new();
                if let Some(block) = body.block() {
                    walk(&[block], Ops::ALL, &BTreeSet::new(), 0, &mut updates);
                }
                if let Some(message) = problems(cat, f, table, &events, &updates) {
                    cx.report(&f.name, f.origin.span(), message);
                }
            }
        }
    }
}

/// What the row triggers on `table` that run a function fire on: the
/// operations, and the columns an UPDATE must touch (None: any column).
struct Events {
    ops: Ops,
    update_columns: Option<BTreeSet<String>>,
}

fn row_trigger_events(table: &Table) -> BTreeMap<&QualifiedName, Events> {
    let mut out: BTreeMap<&QualifiedName, Events> = BTreeMap::new();
    for t in table
        .triggers
        .iter()
        .filter(|t| t.enabled && t.for_each_row && !t.instead_of)
    {
        let e = out.entry(&t.function).or_insert(Events {
            ops: Ops::NONE,
            update_columns: Some(BTreeSet::new()),
        });
        for ev in &t.events {
            e.ops = e.ops.or(match ev {
                TriggerEvent::Insert => Ops::INSERT,
                TriggerEvent::Update => Ops::UPDATE,
                TriggerEvent::Delete => Ops::DELETE,
                TriggerEvent::Truncate => Ops::NONE,
            });
        }
        if t.events.contains(&TriggerEvent::Update) {
            if t.update_columns.is_empty() {
                e.update_columns = None;
            } else if let Some(cols) = &mut e.update_columns {
                cols.extend(t.update_columns.iter().map(|c| c.as_str().to_string()));
            }
        }
    }
    out
}

fn trigger_function<'a>(cat: &'a Catalog, name: &QualifiedName) -> Option<&'a Function> {
    cat.functions
        .get(name)?
        .iter()
        .find(|f| f.signature().is_empty() && f.returns_trigger())
}

/// Collects the counter updates under `stmts`, which run under `ops` inside
/// conditions that read the row columns `watched`.
fn walk(
    stmts: &[Stmt<'_>],
    ops: Ops,
    watched: &BTreeSet<String>,
    depth: usize,
    out: &mut Vec<CounterUpdate>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    for stmt in stmts {
        if let Some(chain) = stmt.if_chain() {
            let mut remaining = ops;
            for arm in &chain.arms {
                let cond = plpgsql::sql_expr(arm.cond);
                let (arm_ops, pure) = cond
                    .as_ref()
                    .map_or((Ops::ALL, false), |c| tg_op_test(c));
                let mut inner = watched.clone();
                if let Some(c) = &cond {
                    inner.extend(plpgsql::row_fields(c).into_iter().map(|(_, col)| col));
                }
                walk(&arm.body, remaining.and(arm_ops), &inner, depth + 1, out);
                if pure {
                    remaining = remaining.and(arm_ops.not());
                }
            }
            if let Some(else_body) = &chain.else_body {
                walk(else_body, remaining, watched, depth + 1, out);
            }
            continue;
        }
        if stmt.kind == "execsql" {
            if let Some(u) = stmt.query().and_then(|q| counter_update(q, ops, watched)) {
                out.push(u);
            }
            continue;
        }
        walk(&stmt.children(), ops, watched, depth + 1, out);
    }
}

/// The operations a condition allows by testing TG_OP, and whether it tests
/// nothing else (so that a later ELSIF runs only for the other operations).
fn tg_op_test(node: &Node) -> (Ops, bool) {
    let unknown = (Ops::ALL, false);
    let Some(n) = node.node.as_ref() else {
        return unknown;
    };
    match n {
        NodeEnum::AExpr(e) => {
            let (Some(l), Some(r)) = (e.lexpr.as_deref(), e.rexpr.as_deref()) else {
                return unknown;
            };
            if !is_tg_op(l) {
                return unknown;
            }
            let op = ast::strings(&e.name);
            let listed = match (e.kind(), r.node.as_ref()) {
                (pb::AExprKind::AexprOp, _) => {
                    ast::const_text(r).map_or(Ops::NONE, |v| Ops::of(&v))
                }
                (pb::AExprKind::AexprIn, Some(NodeEnum::List(list))) => list
                    .items
                    .iter()
                    .filter_map(ast::const_text)
                    .fold(Ops::NONE, |acc, v| acc.or(Ops::of(&v))),
                _ => return unknown,
            };
            match op.first().map(String::as_str) {
                Some("=") => (listed, true),
                Some("<>" | "!=") => (listed.not(), true),
                _ => unknown,
            }
        }
        NodeEnum::BoolExpr(b) => {
            let parts: Vec<(Ops, bool)> = b.args.iter().map(tg_op_test).collect();
            match b.boolop() {
                pb::BoolExprType::AndExpr => parts
                    .iter()
                    .fold((Ops::ALL, true), |(o, p), (o2, p2)| (o.and(*o2), p && *p2)),
                pb::BoolExprType::OrExpr if parts.iter().all(|(_, p)| *p) => {
                    (parts.iter().fold(Ops::NONE, |o, (o2, _)| o.or(*o2)), true)
                }
                pb::BoolExprType::NotExpr => match parts.as_slice() {
                    [(o, true)] => (o.not(), true),
                    _ => unknown,
                },
                _ => unknown,
            }
        }
        _ => unknown,
    }
}

fn is_tg_op(node: &Node) -> bool {
    plpgsql::column_ref(node).is_some_and(|parts| parts == ["tg_op"])
}

/// The embedded statement as a counter update, if it is one: it adds to or
/// subtracts from a column of itself, for the parent row the triggering
/// row's column names in the WHERE clause.
fn counter_update(query: &str, ops: Ops, watched: &BTreeSet<String>) -> Option<CounterUpdate> {
    let u = plpgsql::update(query)?;
    let table_name = u.alias.clone().unwrap_or_else(|| u.table.1.clone());
    let mut counters = Vec::new();
    let mut watched = watched.clone();
    for (col, value) in &u.sets {
        let Some(value) = value else { continue };
        if let Some(sign) = counter_sign(value, col, &table_name) {
            counters.push((col.clone(), sign));
            watched.extend(plpgsql::row_fields(value).into_iter().map(|(_, c)| c));
        }
    }
    let keys: Vec<String> = u
        .where_clause
        .as_ref()
        .map(|w| {
            expr::conjuncts(w)
                .into_iter()
                .filter_map(|c| {
                    let (l, r) = plpgsql::equality(c)?;
                    match (plpgsql::row_field(l), plpgsql::row_field(r)) {
                        (Some((_, g)), None) if plpgsql::column_ref(r).is_some() => Some(g),
                        (None, Some((_, g))) if plpgsql::column_ref(l).is_some() => Some(g),
                        _ => None,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    if counters.is_empty() || keys.is_empty() {
        return None;
    }
    watched.extend(keys);
    Some(CounterUpdate {
        parent: u.table,
        counters,
        ops,
        watched,
    })
}

/// +1 for `col + x` / `x + col`, -1 for `col - x`, looking through
/// `coalesce`, `greatest` and `least` (`greatest(n - 1, 0)`).
fn counter_sign(value: &Node, col: &str, table: &str) -> Option<i8> {
    match value.node.as_ref()? {
        NodeEnum::AExpr(e) if e.kind() == pb::AExprKind::AexprOp => {
            let op = ast::strings(&e.name);
            let is_col = |n: Option<&Node>| n.is_some_and(|n| names_column(n, col, table));
            match op.first().map(String::as_str) {
                Some("+") if is_col(e.lexpr.as_deref()) || is_col(e.rexpr.as_deref()) => Some(1),
                Some("-") if is_col(e.lexpr.as_deref()) => Some(-1),
                _ => None,
            }
        }
        // The parser gives GREATEST and LEAST a node of their own.
        NodeEnum::MinMaxExpr(m) => m.args.iter().find_map(|a| counter_sign(a, col, table)),
        NodeEnum::CoalesceExpr(c) => c.args.iter().find_map(|a| counter_sign(a, col, table)),
        _ => None,
    }
}

/// `col`, `table.col`, or `coalesce(col, 0)`.
fn names_column(node: &Node, col: &str, table: &str) -> bool {
    if let Some(NodeEnum::CoalesceExpr(c)) = node.node.as_ref() {
        return c.args.first().is_some_and(|a| names_column(a, col, table));
    }
    match plpgsql::column_ref(node).as_deref() {
        Some([c]) => c == col,
        Some([t, c]) => c == col && t == table,
        _ => false,
    }
}

/// What the counter misses, as a message; None if nothing.
fn problems(
    cat: &Catalog,
    f: &Function,
    table: &Table,
    events: &Events,
    updates: &[CounterUpdate],
) -> Option<String> {
    if updates.is_empty() {
        return None;
    }
    let live = |u: &&CounterUpdate, sign: i8| u.counters.iter().any(|(_, s)| *s == sign);
    let ops_of = |sign: i8| {
        updates
            .iter()
            .filter(|u| live(u, sign))
            .fold(Ops::NONE, |o, u| o.or(u.ops))
            .and(events.ops)
    };
    let (adds, subtracts) = (ops_of(1), ops_of(-1));
    let mut missing = Vec::new();
    if !adds.has(Ops::INSERT) {
        missing.push("adds nothing on INSERT".to_string());
    }
    if !subtracts.has(Ops::DELETE) {
        missing.push("subtracts nothing on DELETE".to_string());
    }
    let watched: BTreeSet<&String> = updates.iter().flat_map(|u| &u.watched).collect();
    let unfired: Vec<String> = watched
        .iter()
        .filter(|c| {
            !events.ops.has(Ops::UPDATE)
                || events
                    .update_columns
                    .as_ref()
                    .is_some_and(|cols| !cols.contains(c.as_str()))
        })
        .map(|c| format!("`{c}`"))
        .collect();
    if !unfired.is_empty() {
        missing.push(format!("does not run on UPDATE of {}", unfired.join(", ")));
    }
    if events.ops.has(Ops::UPDATE) && !(adds.has(Ops::UPDATE) && subtracts.has(Ops::UPDATE)) {
        missing
            .push("does not move the row from its old count to its new one on UPDATE".to_string());
    }
    if missing.is_empty() {
        return None;
    }
    let path = rls::function_search_path(f);
    let counters: BTreeSet<String> = updates
        .iter()
        .flat_map(|u| {
            let (schema, name) = &u.parent;
            let parent = match resolve::table(cat, &path, schema.as_deref(), name) {
                Ok(qn) | Err(qn) => qn,
            };
            u.counters
                .iter()
                .map(move |(c, _)| format!("`{parent}.{}`", Ident::new(c.as_str())))
        })
        .collect();
    Some(format!(
        "`{}` keeps {} for rows of `{}` but {}, so the count drifts",
        f.name.name,
        counters.into_iter().collect::<Vec<_>>().join(", "),
        table.name.name,
        join_and(&missing)
    ))
}

fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{}, and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet};

    const RULE: &str = "counter-trigger-incomplete";

    const TABLES: &str =
        "create table public.collections (id uuid primary key, asset_count int not null default 0);
create table public.items (id uuid primary key, collection_id uuid references public.collections);
";

    fn with(function_body: &str, trigger: &str) -> String {
        format!(
            "{TABLES}create function public.count_items() returns trigger language plpgsql as $$
begin
{function_body}
  return null;
end $$;
create trigger items_count after {trigger} on public.items for each row execute function public.count_items();"
        )
    }

    const INSERT_DELETE: &str = "  if tg_op = 'INSERT' then
    update public.collections set asset_count = asset_count + 1 where id = new.collection_id;
  elsif tg_op = 'DELETE' then
    update public.collections set asset_count = asset_count - 1 where id = old.collection_id;
  end if;";

    #[test]
    fn move_to_another_parent_is_not_counted() {
        // The workspace-assets seed: INSERT and DELETE, no UPDATE of collection_id.
        let out = fires(RULE, &with(INSERT_DELETE, "insert or delete"));
        assert_eq!(
            out,
            "test.sql:3:1 counter-trigger-incomplete [public.count_items] `count_items` keeps `public.collections.asset_count` for rows of `items` but does not run on UPDATE of `collection_id`, so the count drifts"
        );
    }

    #[test]
    fn update_trigger_without_update_branch_fires() {
        let out = fires(
            RULE,
            &with(INSERT_DELETE, "insert or delete or update of collection_id"),
        );
        assert!(
            out.contains("does not move the row from its old count to its new one on UPDATE"),
            "{out}"
        );
    }

    #[test]
    fn update_of_other_columns_does_not_cover_the_move() {
        let body = "  if tg_op in ('UPDATE', 'DELETE') then
    update public.collections set asset_count = asset_count - 1 where id = old.collection_id;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    update public.collections set asset_count = asset_count + 1 where id = new.collection_id;
  end if;";
        let out = fires(RULE, &with(body, "insert or delete or update of id"));
        assert!(
            out.contains("does not run on UPDATE of `collection_id`"),
            "{out}"
        );
        quiet(
            RULE,
            &with(body, "insert or delete or update of collection_id"),
        );
        quiet(RULE, &with(body, "insert or delete or update"));
    }

    #[test]
    fn complete_counter_with_elsif_update_is_quiet() {
        let body = "  if tg_op = 'INSERT' then
    update public.collections set asset_count = asset_count + 1 where id = new.collection_id;
  elsif tg_op = 'DELETE' then
    update public.collections set asset_count = asset_count - 1 where id = old.collection_id;
  elsif tg_op = 'UPDATE' then
    if new.collection_id is distinct from old.collection_id then
      update public.collections set asset_count = asset_count - 1 where id = old.collection_id;
      update public.collections set asset_count = asset_count + 1 where id = new.collection_id;
    end if;
  else
    raise exception 'unexpected %', tg_op;
  end if;";
        quiet(
            RULE,
            &with(body, "insert or delete or update of collection_id"),
        );
    }

    #[test]
    fn state_counter_on_update_only_fires() {
        // The refinement seed (#9, #10): completions counted on UPDATE only.
        let out = fires(
            RULE,
            "create table public.profiles (id uuid primary key, done int not null default 0);
             create table public.sessions (id uuid primary key, user_id uuid references public.profiles, is_completed bool not null default false);
             create function public.count_done() returns trigger language plpgsql as $$
             begin
               if new.is_completed and not old.is_completed then
                 update profiles set done = done + 1 where id = new.user_id;
               end if;
               return new;
             end $$;
             create trigger sessions_done after update of is_completed on public.sessions
               for each row execute function public.count_done();",
        );
        assert!(
            out.contains("but adds nothing on INSERT, subtracts nothing on DELETE, does not run on UPDATE of `user_id`, and does not move the row"),
            "{out}"
        );
    }

    #[test]
    fn greatest_and_aliases_are_read() {
        let body = "  if tg_op in ('UPDATE', 'DELETE') then
    update public.collections as c set asset_count = greatest(c.asset_count - 1, 0) where c.id = old.collection_id;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    update public.collections c set asset_count = coalesce(c.asset_count, 0) + 1 where c.id = new.collection_id;
  end if;";
        quiet(
            RULE,
            &with(body, "insert or delete or update of collection_id"),
        );
        fires(RULE, &with(body, "insert or delete"));
    }

    #[test]
    fn update_that_is_not_a_counter_is_quiet() {
        // Sets a value, does not count: nothing to drift.
        let body = "  update public.collections set asset_count = 0 where id = new.collection_id;";
        quiet(RULE, &with(body, "insert"));
    }

    #[test]
    fn counter_without_row_key_is_quiet() {
        // A global tally, not per parent row.
        let body = "  update public.collections set asset_count = asset_count + 1;";
        quiet(RULE, &with(body, "insert"));
    }

    #[test]
    fn function_without_trigger_is_not_judged() {
        quiet(
            RULE,
            &format!("{TABLES}create function public.count_items() returns trigger language plpgsql as $$
begin
{INSERT_DELETE}
  return null;
end $$;"),
        );
    }
}
