//! `TRUNCATE ... CASCADE`. Docs: rules/ban-truncate-cascade.yaml.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use pg_query::protobuf::DropBehavior;
use pg_query::NodeEnum;

use crate::catalog::{Catalog, QualifiedName};
use crate::rules::support::foreign_keys;
use crate::rules::{StatementRule, StmtCtx};

pub struct BanTruncateCascade;

/// How many reached tables the message names before it only counts the rest.
const NAMED: usize = 8;

impl StatementRule for BanTruncateCascade {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let NodeEnum::TruncateStmt(s) = &cx.stmt.node else {
            return;
        };
        if s.behavior() != DropBehavior::DropCascade {
            return;
        }
        let targets: Vec<QualifiedName> = s
            .relations
            .iter()
            .filter_map(|n| match &n.node {
                Some(NodeEnum::RangeVar(rv)) => Some(cx.table(rv).name),
                _ => None,
            })
            .collect();
        let Some(first) = targets.first() else {
            return;
        };
        let reached = reached_by_cascade(cx.catalog, &targets);
        let named: Vec<String> = targets.iter().map(|t| format!("`{t}`")).collect();
        let it = if targets.len() == 1 { "it" } else { "them" };
        let consequence = if reached.is_empty() {
            format!("would also empty every table whose foreign keys lead to {it}; the migrations show none yet")
        } else {
            format!(
                "also empties {}, whose foreign keys lead to {it}",
                list(&reached)
            )
        };
        let message = format!("truncating {} with CASCADE {consequence}", named.join(", "));
        cx.report(first, Some(cx.stmt.span), message);
    }
}

/// The tables TRUNCATE ... CASCADE empties besides `targets`: every table
/// with a foreign key to a target or to a table already reached, nearest
/// first. Breadth-first over the catalog, each table visited once.
fn reached_by_cascade(catalog: &Catalog, targets: &[QualifiedName]) -> Vec<QualifiedName> {
    let mut referencing: BTreeMap<&QualifiedName, BTreeSet<&QualifiedName>> = BTreeMap::new();
    for t in catalog.tables.values() {
        for (_, fk) in foreign_keys(t) {
            referencing
                .entry(&fk.ref_table)
                .or_default()
                .insert(&t.name);
        }
    }
    let mut seen: BTreeSet<&QualifiedName> = targets.iter().collect();
    let mut queue: VecDeque<&QualifiedName> = targets.iter().collect();
    let mut reached = Vec::new();
    while let Some(table) = queue.pop_front() {
        for &child in referencing.get(table).into_iter().flatten() {
            if seen.insert(child) {
                reached.push(child.clone());
                queue.push_back(child);
            }
        }
    }
    reached
}

/// `` `a` ``, `` `a` and `b` ``, `` `a`, `b` and 3 more ``.
fn list(names: &[QualifiedName]) -> String {
    let mut shown: Vec<String> = names.iter().take(NAMED).map(|n| format!("`{n}`")).collect();
    let rest = names.len().saturating_sub(NAMED);
    let last = if rest > 0 {
        Some(format!("{rest} more"))
    } else {
        shown.pop()
    };
    match last {
        Some(last) if !shown.is_empty() => format!("{} and {last}", shown.join(", ")),
        Some(last) => last,
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-truncate-cascade";
    const SCHEMA: &str = "create table public.customers (id bigint primary key);
create table public.orders (id bigint primary key, customer_id bigint references public.customers);
create table public.order_items (id bigint primary key, order_id bigint references public.orders);
create table public.notes (id bigint primary key);";

    #[test]
    fn names_every_table_the_cascade_reaches() {
        let out = files(&[("1.sql", SCHEMA), ("2.sql", "truncate customers cascade;")]).fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-truncate-cascade warning [public.customers] truncating `public.customers` with CASCADE also empties `public.orders` and `public.order_items`, whose foreign keys lead to it"
        );
    }

    #[test]
    fn table_created_in_the_same_file_fires_too() {
        let out = case(&format!("{SCHEMA}\ntruncate table public.orders cascade;")).fires(RULE);
        assert!(
            out.contains("also empties `public.order_items`, whose"),
            "{out}"
        );
    }

    #[test]
    fn tables_the_statement_names_are_not_listed_as_reached() {
        let out = files(&[
            ("1.sql", SCHEMA),
            (
                "2.sql",
                "truncate only public.customers, public.orders restart identity cascade;",
            ),
        ])
        .fires(RULE);
        assert!(
            out.contains("truncating `public.customers`, `public.orders` with CASCADE also empties `public.order_items`, whose foreign keys lead to them"),
            "{out}"
        );
    }

    #[test]
    fn without_known_references_it_still_fires() {
        let out = files(&[
            ("1.sql", SCHEMA),
            ("2.sql", "truncate public.notes cascade;"),
        ])
        .fires(RULE);
        assert!(out.contains("the migrations show none yet"), "{out}");
        case("truncate legacy cascade;").fires(RULE);
    }

    #[test]
    fn a_self_reference_and_a_cycle_end() {
        let out = case(
            "create table public.a (id bigint primary key, parent bigint references public.a);
create table public.b (id bigint primary key, a_id bigint references public.a);
alter table public.a add column b_id bigint references public.b;
truncate public.a cascade;",
        )
        .fires(RULE);
        assert!(out.contains("also empties `public.b`, whose"), "{out}");
    }

    #[test]
    fn a_long_chain_is_counted_past_the_first_names() {
        let mut sql = "create table public.t0 (id bigint primary key);\n".to_string();
        for i in 1..=10 {
            sql.push_str(&format!(
                "create table public.t{i} (id bigint primary key, up bigint references public.t{});\n",
                i - 1
            ));
        }
        sql.push_str("truncate public.t0 cascade;");
        let out = case(&sql).fires(RULE);
        assert!(out.contains("`public.t8` and 2 more, whose"), "{out}");
    }

    #[test]
    fn truncate_without_cascade_is_quiet() {
        files(&[
            ("1.sql", SCHEMA),
            ("2.sql", "truncate public.order_items, public.orders, public.customers;\ntruncate public.notes restrict;"),
        ])
        .quiet(RULE);
    }
}
