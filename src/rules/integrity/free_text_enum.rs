//! Status, type and role columns stored as unconstrained text. Docs: rules/free-text-enum.yaml.

use serde::Deserialize;

use crate::rules::memo::Beyond;
use crate::rules::support::integrity::{
    checks, column_type, is_character, is_fk_column, limits_values, matches_vocabulary, owned,
};
use crate::rules::{SchemaCtx, SchemaRule};

pub struct FreeTextEnum;

/// `options.free-text-enum` in pgvet.yaml; each list replaces its default.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Options {
    /// Whole column names.
    names: Vec<String>,
    /// Endings of longer names (`_status` matches `transcript_status`).
    suffixes: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            names: owned(&[
                "status",
                "state",
                "type",
                "kind",
                "role",
                "category",
                "priority",
                "level",
                "tier",
                "plan",
                "visibility",
                "source",
                "provider",
                "channel",
                "resolution",
                "quality",
                "format",
                "mode",
            ]),
            suffixes: owned(&[
                "_status",
                "_type",
                "_kind",
                "_state",
                "_role",
                "_format",
                "_mode",
                "_level",
                "_tier",
                "_category",
                "_priority",
                "_visibility",
            ]),
        }
    }
}

impl SchemaRule for FreeTextEnum {
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
                if !matches_vocabulary(name, &opts.names, &opts.suffixes)
                    || !is_character(ty.base)
                    || ty.domain_check
                    || col.generated
                    || is_fk_column(table, name)
                    || checks(table).any(|e| limits_values(&e, name))
                {
                    continue;
                }
                cx.report(
                    &table.name,
                    col.span(),
                    format!(
                        "`{name}` is free {}: no CHECK, enum or foreign key limits its values",
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

    const RULE: &str = "free-text-enum";

    #[test]
    fn text_status_fires_at_the_column() {
        let out = fires(
            RULE,
            "create table public.videos (\n  id uuid primary key,\n  status text not null default 'pending'\n);",
        );
        assert!(
            out.starts_with("test.sql:3:3 free-text-enum [public.videos] `status` is free text"),
            "{out}"
        );
    }

    #[test]
    fn suffixes_and_varchar_match() {
        let out = fires(RULE, "create table public.m (id uuid primary key, chat_type varchar(20), transcript_status text, role character varying);");
        assert_eq!(out.lines().count(), 3, "{out}");
    }

    #[test]
    fn check_enum_domain_or_lookup_counts() {
        quiet(RULE, "create type public.video_status as enum ('pending', 'done');\ncreate table public.v (id uuid primary key, status public.video_status);");
        quiet(RULE, "create table public.v (id uuid primary key, status text check (status in ('a', 'b')), kind text, mime_type text check (mime_type ~ '^(image|video)/'), constraint k check (kind = any (array['x', 'y'])));");
        quiet(RULE, "create domain public.tier_name as text check (value in ('free', 'pro'));\ncreate table public.v (id uuid primary key, tier public.tier_name);");
        quiet(RULE, "create table public.roles (name text primary key);\ncreate table public.m (id uuid primary key, role text references public.roles (name));");
    }

    #[test]
    fn length_check_is_no_list_of_values() {
        fires(RULE, "create table public.v (id uuid primary key, status text check (char_length(status) <= 20));");
    }

    #[test]
    fn check_added_later_counts() {
        quiet(RULE, "create table public.v (id uuid primary key, state text);\nalter table public.v add constraint v_state check (state in ('on', 'off'));");
    }

    #[test]
    fn domain_without_check_is_still_free_text() {
        fires(RULE, "create domain public.label as text;\ncreate table public.v (id uuid primary key, category public.label);");
    }

    #[test]
    fn other_names_and_types_are_quiet() {
        quiet(RULE, "create table public.v (id uuid primary key, status_message text, source_url text, type_id int, status int, roles text[]);");
    }

    #[test]
    fn options_replace_the_vocabulary() {
        let sql = "create table public.v (id uuid primary key, currency text, status text);";
        let out = fires_with(
            RULE,
            sql,
            "options:\n  free-text-enum:\n    names: [currency]\n",
        );
        assert!(
            out.contains("`currency`") && !out.contains("`status`"),
            "{out}"
        );
        quiet_with(
            RULE,
            sql,
            "options:\n  free-text-enum:\n    names: []\n    suffixes: []\n",
        );
    }
}
