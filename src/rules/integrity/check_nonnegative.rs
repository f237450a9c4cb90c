//! Counts, amounts and sizes that no CHECK keeps from going negative. Docs: rules/check-nonnegative.yaml.

use serde::Deserialize;

use crate::rules::memo::Beyond;
use crate::rules::support::integrity::{
    bounds_below, checks, column_type, is_key_column, is_numeric, owned, words,
};
use crate::rules::{SchemaCtx, SchemaRule};

pub struct CheckNonnegative;

/// `options.check-nonnegative` in pgvet.yaml; each list replaces its default.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Options {
    /// Whole column names (`credits`, `price`).
    names: Vec<String>,
    /// Words of a longer name (`count` matches `message_count_main`).
    words: Vec<String>,
    /// A name with one of these words is left alone (`start_seconds` is a position).
    ignore_words: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            names: owned(&[
                "count",
                "balance",
                "credits",
                "price",
                "cost",
                "fee",
                "quantity",
                "qty",
                "size",
                "duration",
                "bytes",
                "seconds",
                "percentage",
                "percent",
            ]),
            words: owned(&[
                "count",
                "counts",
                "amount",
                "cents",
                "seconds",
                "secs",
                "minutes",
                "hours",
                "days",
                "ms",
                "bytes",
                "size",
                "price",
                "cost",
                "fee",
                "fees",
                "quantity",
                "qty",
                "balance",
                "credits",
                "used",
                "duration",
                "percentage",
                "percent",
                "completions",
                "completed",
            ]),
            ignore_words: owned(&[
                "start",
                "end",
                "offset",
                "delta",
                "change",
                "diff",
                "adjustment",
                "net",
            ]),
        }
    }
}

impl Options {
    fn applies_to(&self, name: &str) -> bool {
        let parts = words(name);
        if parts
            .iter()
            .any(|w| self.ignore_words.iter().any(|i| i == w))
        {
            return false;
        }
        self.names.iter().any(|n| n == name)
            || (parts.len() > 1 && parts.iter().any(|w| self.words.iter().any(|v| v == w)))
    }
}

impl SchemaRule for CheckNonnegative {
    /// Reads the table alone.
    fn per_table(&self) -> Option<&'static [Beyond]> {
        Some(&[])
    }

    fn check(&self, cx: &mut SchemaCtx<'_>) {
        let opts: Options = cx.options();
        let cat = cx.catalog;
        for table in cx.stored_tables() {
            for col in &table.columns {
                let name = col.name.as_str();
                let ty = column_type(cat, col);
                if !opts.applies_to(name)
                    || !is_numeric(ty.base)
                    || ty.domain_check
                    || col.identity
                    || col.generated
                    || is_key_column(table, name)
                    || checks(table).any(|e| bounds_below(&e, name))
                {
                    continue;
                }
                cx.report(
                    &table.name,
                    col.span(),
                    format!(
                        "`{name}` ({}) has no CHECK that keeps it from going negative",
                        col.ty
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, fires_with, quiet, quiet_with};

    const RULE: &str = "check-nonnegative";

    #[test]
    fn balance_without_check_fires_at_the_column() {
        let out = fires(
            RULE,
            "create table public.profiles (\n  id uuid primary key,\n  credits integer not null default 100\n);",
        );
        assert!(
            out.starts_with("test.sql:3:3 check-nonnegative [public.profiles]"),
            "{out}"
        );
        assert!(out.contains("`credits` (int4)"), "{out}");
    }

    #[test]
    fn column_and_table_checks_count() {
        quiet(
            RULE,
            "create table public.t (id uuid primary key,\n  a_count int check (a_count >= 0),\n  b_bytes bigint,\n  c_seconds numeric,\n  d_price numeric,\n  constraint b check (0 <= b_bytes and c_seconds between 0 and 60),\n  constraint d check (d_price is null or d_price > 0));",
        );
    }

    #[test]
    fn upper_bound_only_does_not_count() {
        fires(RULE, "create table public.t (id uuid primary key, retry_count int check (retry_count <= 5));");
    }

    #[test]
    fn check_against_another_column_does_not_count() {
        fires(RULE, "create table public.t (id uuid primary key, lo int, used_count int check (used_count >= lo));");
    }

    #[test]
    fn check_added_later_counts() {
        quiet(RULE, "create table public.t (id uuid primary key, asset_count int);\nalter table public.t add constraint t_asset_count check (asset_count >= 0);");
    }

    #[test]
    fn words_inside_a_name_match() {
        let out = fires(RULE, "create table public.s (id uuid primary key, message_count_main int, bytes_served bigint, balance_after int);");
        assert_eq!(out.lines().count(), 3, "{out}");
    }

    #[test]
    fn signed_or_unrelated_names_are_quiet() {
        quiet(RULE, "create table public.ledger (id uuid primary key, amount int, start_seconds numeric, end_seconds numeric, offset_seconds int, z_index int, counter_party text);");
    }

    #[test]
    fn non_numeric_types_are_quiet() {
        quiet(RULE, "create table public.t (id uuid primary key, page_count text, size_label varchar(10), file_size interval);");
    }

    #[test]
    fn keys_and_identity_columns_are_skipped() {
        quiet(RULE, "create table public.p (item_count int primary key);\ncreate table public.t (id bigint generated always as identity primary key, seq_count int references public.p);");
    }

    #[test]
    fn domain_with_check_counts() {
        quiet(RULE, "create domain public.nonneg as int check (value >= 0);\ncreate table public.t (id uuid primary key, item_count public.nonneg);");
        fires(RULE, "create domain public.qty as int;\ncreate table public.t (id uuid primary key, item_count public.qty);");
    }

    #[test]
    fn options_replace_the_vocabulary() {
        let sql = "create table public.t (id uuid primary key, stock int, item_count int);";
        let out = fires_with(
            RULE,
            sql,
            "options:\n  check-nonnegative:\n    names: [stock]\n    words: []\n",
        );
        assert!(
            out.contains("`stock`") && !out.contains("item_count"),
            "{out}"
        );
        quiet_with(
            RULE,
            sql,
            "options:\n  check-nonnegative:\n    names: []\n    ignore_words: [count]\n",
        );
    }
}
