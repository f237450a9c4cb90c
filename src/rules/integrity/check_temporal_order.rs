//! Start/end column pairs that no CHECK keeps in order. Docs: rules/check-temporal-order.yaml.

use serde::Deserialize;

use crate::catalog::Table;
use crate::rules::memo::Beyond;
use crate::rules::support::integrity::{
    checks, column, column_type, compares, is_numeric, is_temporal, words,
};
use crate::rules::{SchemaCtx, SchemaRule};

pub struct CheckTemporalOrder;

/// `options.check-temporal-order` in pgvet.yaml; each list replaces its default.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Options {
    /// Explicit `[earlier, later]` column names.
    pairs: Vec<(String, String)>,
    /// `[earlier, later]` words: a column with the first word and one whose
    /// name has the second word in its place (`start_date` / `end_date`,
    /// `window_start` / `window_end`).
    word_pairs: Vec<(String, String)>,
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_string(), (*b).to_string()))
        .collect()
}

impl Default for Options {
    fn default() -> Self {
        Options {
            pairs: pairs(&[
                ("starts_at", "ends_at"),
                ("started_at", "completed_at"),
                ("started_at", "ended_at"),
                ("started_at", "finished_at"),
                ("valid_from", "valid_to"),
                ("valid_from", "valid_until"),
                ("available_from", "available_until"),
                ("opens_at", "closes_at"),
                ("created_at", "expires_at"),
                ("issued_at", "expires_at"),
            ]),
            word_pairs: pairs(&[("start", "end"), ("starts", "ends"), ("begin", "end")]),
        }
    }
}

impl Options {
    /// Every (earlier, later) pair of existing columns the vocabulary names.
    fn pairs_in(&self, table: &Table) -> Vec<(String, String)> {
        let mut found: Vec<(String, String)> = Vec::new();
        let mut add = |a: String, b: String| {
            if !found.contains(&(a.clone(), b.clone())) {
                found.push((a, b));
            }
        };
        for (a, b) in &self.pairs {
            if column(table, a).is_some() && column(table, b).is_some() {
                add(a.clone(), b.clone());
            }
        }
        for col in &table.columns {
            let name = col.name.as_str();
            let parts = words(name);
            for (from, to) in &self.word_pairs {
                for (i, _) in parts
                    .iter()
                    .enumerate()
                    .filter(|(_, w)| **w == from.as_str())
                {
                    let mut other: Vec<&str> = parts.clone();
                    if let Some(w) = other.get_mut(i) {
                        *w = to.as_str();
                    }
                    let later = other.join("_");
                    if column(table, &later).is_some() {
                        add(name.to_string(), later);
                    }
                }
            }
        }
        found
    }
}

impl SchemaRule for CheckTemporalOrder {
    /// Reads the table alone.
    fn per_table(&self) -> Option<&'static [Beyond]> {
        Some(&[])
    }

    fn check(&self, cx: &mut SchemaCtx<'_>) {
        let opts: Options = cx.options();
        let cat = cx.catalog;
        for table in cx.stored_tables() {
            for (earlier, later) in opts.pairs_in(table) {
                let (Some(a), Some(b)) = (column(table, &earlier), column(table, &later)) else {
                    continue;
                };
                // Only values with an order: start_node_id / end_node_id is no interval.
                let orderable = |c| {
                    let ty = column_type(cat, c);
                    is_temporal(ty.base) || is_numeric(ty.base)
                };
                if !orderable(a)
                    || !orderable(b)
                    || checks(table).any(|e| compares(&e, &earlier, &later))
                {
                    continue;
                }
                cx.report(
                    &table.name,
                    b.span(),
                    format!("`{later}` may come before `{earlier}`: no CHECK compares the two"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, fires_with, quiet, quiet_with};

    const RULE: &str = "check-temporal-order";

    #[test]
    fn unordered_pair_fires_at_the_later_column() {
        let out = fires(
            RULE,
            "create table public.jobs (\n  id uuid primary key,\n  started_at timestamptz,\n  completed_at timestamptz\n);",
        );
        assert!(out.starts_with("test.sql:4:3 check-temporal-order [public.jobs] `completed_at` may come before `started_at`"), "{out}");
    }

    #[test]
    fn check_comparing_both_counts() {
        quiet(RULE, "create table public.j (id uuid primary key, started_at timestamptz, completed_at timestamptz,\n  check (completed_at is null or completed_at >= started_at));");
        quiet(RULE, "create table public.j (id uuid primary key, start_time numeric, end_time numeric);\nalter table public.j add constraint j_order check (end_time - start_time > 0);");
    }

    #[test]
    fn check_mentioning_both_without_comparing_does_not_count() {
        fires(RULE, "create table public.j (id uuid primary key, starts_at timestamptz, ends_at timestamptz,\n  check ((starts_at is null) = (ends_at is null)));");
    }

    #[test]
    fn check_on_one_column_only_does_not_count() {
        fires(RULE, "create table public.c (id uuid primary key, start_seconds numeric check (start_seconds >= 0), end_seconds numeric check (end_seconds >= 0));");
    }

    #[test]
    fn word_pairs_match_anywhere_in_the_name() {
        let out = fires(RULE, "create table public.w (id uuid primary key, window_start date, window_end date, start_seconds int, end_seconds int);");
        assert_eq!(out.lines().count(), 2, "{out}");
    }

    #[test]
    fn a_lone_start_or_unrelated_pair_is_quiet() {
        quiet(RULE, "create table public.w (id uuid primary key, period_start date, created_at timestamptz, deleted_at timestamptz, updated_at timestamptz);");
    }

    #[test]
    fn ids_named_start_and_end_are_not_intervals() {
        quiet(RULE, "create table public.edges (id uuid primary key, start_node uuid, end_node uuid, start_label text, end_label text);");
    }

    #[test]
    fn options_replace_the_pairs() {
        let sql = "create table public.t (id uuid primary key, published_at timestamptz, archived_at timestamptz, start_date date, end_date date);";
        let out = fires_with(RULE, sql, "options:\n  check-temporal-order:\n    pairs: [[published_at, archived_at]]\n    word_pairs: []\n");
        assert!(
            out.contains("`archived_at`") && !out.contains("end_date"),
            "{out}"
        );
        quiet_with(
            RULE,
            sql,
            "options:\n  check-temporal-order:\n    word_pairs: []\n",
        );
    }
}
