//! Row timestamps that may be NULL or are not filled in by default. Docs: rules/timestamp-nullable.yaml.

use serde::Deserialize;

use crate::findings::remedy::Remedy;
use crate::rules::memo::Beyond;
use crate::rules::support::integrity::{column_type, defaults_to_now, is_temporal, owned};
use crate::rules::{SchemaCtx, SchemaRule};

pub struct TimestampNullable;

/// `options.timestamp-nullable` in pgvet.yaml.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Options {
    /// Bookkeeping timestamps that every row has: NOT NULL with a default.
    names: Vec<String>,
    /// Also report any other date or timestamp column that defaults to the
    /// current time but is nullable.
    now_defaults: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            names: owned(&["created_at", "updated_at", "inserted_at", "modified_at"]),
            now_defaults: true,
        }
    }
}

impl SchemaRule for TimestampNullable {
    /// Reads the table alone.
    fn per_table(&self) -> Option<&'static [Beyond]> {
        Some(&[])
    }

    fn check(&self, cx: &mut SchemaCtx<'_>) {
        let opts: Options = cx.options();
        let cat = cx.catalog;
        for table in cx.stored_tables() {
            for col in table.columns.iter().filter(|c| !c.generated) {
                let name = col.name.as_str();
                let problem = if opts.names.iter().any(|n| n == name) {
                    match (col.not_null, col.default.is_some()) {
                        (true, true) => continue,
                        (false, false) => "is nullable and has no default",
                        (false, true) => "is nullable",
                        (true, false) => "has no default",
                    }
                } else if opts.now_defaults
                    && !col.not_null
                    && is_temporal(column_type(cat, col).base)
                    && col
                        .default
                        .as_ref()
                        .is_some_and(|d| defaults_to_now(&d.node()))
                {
                    "defaults to the current time but is nullable"
                } else {
                    continue;
                };
                let message = format!("`{name}` {problem}");
                // A default is a catalog change; SET NOT NULL scans the table
                // under an exclusive lock and fails on NULL rows: not mechanical.
                if col.not_null && col.default.is_none() {
                    cx.report_fixable(
                        &table.name,
                        col.span(),
                        message,
                        Remedy::DefaultNow {
                            table: table.name.clone(),
                            column: col.name.clone(),
                        },
                    );
                } else {
                    cx.report(&table.name, col.span(), message);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, fires_with, quiet, quiet_with};

    const RULE: &str = "timestamp-nullable";

    #[test]
    fn nullable_created_at_fires_at_the_column() {
        let out = fires(
            RULE,
            "create table public.t (\n  id uuid primary key,\n  created_at timestamptz default now()\n);",
        );
        assert_eq!(
            out,
            "test.sql:3:3 timestamp-nullable [public.t] `created_at` is nullable"
        );
    }

    #[test]
    fn message_says_which_part_is_missing() {
        let out = fires(RULE, "create table public.t (id uuid primary key, created_at timestamptz, updated_at timestamptz not null);");
        assert!(
            out.contains("`created_at` is nullable and has no default"),
            "{out}"
        );
        assert!(out.contains("`updated_at` has no default"), "{out}");
    }

    #[test]
    fn not_null_with_default_is_quiet_even_when_set_later() {
        quiet(RULE, "create table public.t (id uuid primary key, created_at timestamptz not null default now(), updated_at timestamptz);\nalter table public.t alter column updated_at set not null, alter column updated_at set default now();");
    }

    #[test]
    fn other_now_defaults_must_be_not_null() {
        fires(
            RULE,
            "create table public.l (id uuid primary key, window_start timestamptz default now());",
        );
        quiet(RULE, "create table public.l (id uuid primary key, window_start timestamptz not null, expires_at timestamptz default now() + interval '7 days', deleted_at timestamptz);");
    }

    #[test]
    fn options_replace_the_names() {
        let sql = "create table public.t (id uuid primary key, created_at timestamptz, recorded_at timestamptz, seen_at timestamptz default now());";
        let out = fires_with(
            RULE,
            sql,
            "options:\n  timestamp-nullable:\n    names: [recorded_at]\n    now_defaults: false\n",
        );
        assert!(
            out.contains("`recorded_at`")
                && !out.contains("created_at")
                && !out.contains("seen_at"),
            "{out}"
        );
        quiet_with(
            RULE,
            sql,
            "options:\n  timestamp-nullable:\n    names: []\n    now_defaults: false\n",
        );
    }
}
