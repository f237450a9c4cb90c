//! A boolean state and its timestamp that no CHECK keeps in agreement. Docs: rules/check-state-timestamp.yaml.

use serde::Deserialize;

use crate::catalog::Table;
use crate::rules::memo::Beyond;
use crate::rules::support::integrity::{
    checks, column, column_type, is_bool, is_temporal, mentions_all, owned,
};
use crate::rules::{SchemaCtx, SchemaRule};

pub struct CheckStateTimestamp;

/// `options.check-state-timestamp` in pgvet.yaml; each list replaces its default.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Options {
    /// Explicit `[boolean, timestamp]` column names.
    pairs: Vec<(String, String)>,
    /// A boolean `<prefix><x>` (or plain `<x>`) pairs with a timestamp `<x><suffix>`.
    prefixes: Vec<String>,
    suffixes: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            pairs: vec![
                ("success".to_string(), "completed_at".to_string()),
                ("succeeded".to_string(), "completed_at".to_string()),
                ("is_success".to_string(), "completed_at".to_string()),
            ],
            prefixes: owned(&["is_", "has_", "was_"]),
            suffixes: owned(&["_at", "_on"]),
        }
    }
}

impl Options {
    /// (boolean, timestamp) pairs of existing columns, by name only.
    fn pairs_in(&self, table: &Table) -> Vec<(String, String)> {
        // A set, not a scan per column: a table of 40,000 columns was quadratic.
        let names: std::collections::HashSet<&str> =
            table.columns.iter().map(|c| c.name.as_str()).collect();
        let has = |name: &str| names.contains(name);
        let mut found: Vec<(String, String)> = Vec::new();
        for (flag, at) in &self.pairs {
            if has(flag) && has(at) {
                found.push((flag.clone(), at.clone()));
            }
        }
        for col in &table.columns {
            let name = col.name.as_str();
            let stem = self
                .prefixes
                .iter()
                .find_map(|p| name.strip_prefix(p.as_str()))
                .unwrap_or(name);
            if stem.is_empty() {
                continue;
            }
            for suffix in &self.suffixes {
                let at = format!("{stem}{suffix}");
                if has(&at) && !found.contains(&(name.to_string(), at.clone())) {
                    found.push((name.to_string(), at));
                }
            }
        }
        found
    }
}

impl SchemaRule for CheckStateTimestamp {
    /// Reads the table alone.
    fn per_table(&self) -> Option<&'static [Beyond]> {
        Some(&[])
    }

    fn check(&self, cx: &mut SchemaCtx<'_>) {
        let opts: Options = cx.options();
        let cat = cx.catalog;
        for table in cx.stored_tables() {
            for (flag, at) in opts.pairs_in(table) {
                let (Some(f), Some(t)) = (column(table, &flag), column(table, &at)) else {
                    continue;
                };
                // A generated flag is derived from the timestamp and cannot disagree.
                if f.generated
                    || t.generated
                    || !is_bool(column_type(cat, f).base)
                    || !is_temporal(column_type(cat, t).base)
                    || checks(table).any(|e| mentions_all(&e, &[&flag, &at]))
                {
                    continue;
                }
                cx.report(
                    &table.name,
                    f.span(),
                    format!(
                        "`{flag}` and `{at}` can disagree: no CHECK ties the flag to its timestamp"
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, fires_with, quiet, quiet_with};

    const RULE: &str = "check-state-timestamp";

    #[test]
    fn flag_and_timestamp_without_check_fire_at_the_flag() {
        let out = fires(
            RULE,
            "create table public.sessions (\n  id uuid primary key,\n  completed_at timestamptz,\n  is_completed boolean not null default false\n);",
        );
        assert!(out.starts_with("test.sql:4:3 check-state-timestamp [public.sessions] `is_completed` and `completed_at`"), "{out}");
    }

    #[test]
    fn check_mentioning_both_counts() {
        quiet(RULE, "create table public.s (id uuid primary key, completed_at timestamptz, is_completed boolean not null default false,\n  check (is_completed = (completed_at is not null)));");
        quiet(RULE, "create table public.s (id uuid primary key, deleted_at timestamptz, deleted boolean);\nalter table public.s add constraint s_deleted check (not deleted or deleted_at is not null);");
    }

    #[test]
    fn generated_flag_is_quiet() {
        quiet(RULE, "create table public.s (id uuid primary key, completed_at timestamptz,\n  is_completed boolean generated always as (completed_at is not null) stored);");
    }

    #[test]
    fn check_on_one_of_them_does_not_count() {
        fires(RULE, "create table public.s (id uuid primary key, verified_at timestamptz check (verified_at > '2020-01-01'), is_verified boolean);");
    }

    #[test]
    fn explicit_pair_success_completed_at() {
        fires(RULE, "create table public.t (id uuid primary key, started_at timestamptz, completed_at timestamptz, success boolean);");
    }

    #[test]
    fn unrelated_flags_and_wrong_types_are_quiet() {
        quiet(RULE, "create table public.t (id uuid primary key, is_favorite boolean, created_at timestamptz, success boolean not null default true);");
        quiet(RULE, "create table public.t (id uuid primary key, is_paid text, paid_at timestamptz, is_sent boolean, sent_at text);");
    }

    #[test]
    fn options_replace_the_vocabulary() {
        let sql = "create table public.t (id uuid primary key, approved boolean, approval_time timestamptz, is_read boolean, read_at timestamptz);";
        let out = fires_with(RULE, sql, "options:\n  check-state-timestamp:\n    pairs: [[approved, approval_time]]\n    suffixes: []\n");
        assert!(
            out.contains("`approved`") && !out.contains("is_read"),
            "{out}"
        );
        quiet_with(
            RULE,
            sql,
            "options:\n  check-state-timestamp:\n    suffixes: [_when]\n",
        );
    }
}
