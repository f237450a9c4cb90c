//! User-written text in an exposed schema with no length limit. Docs: rules/unbounded-text.yaml.

use serde::Deserialize;

use crate::rules::support::integrity::{
    checks, column_type, is_unlimited_character, limits_length, matches_vocabulary, owned,
};
use crate::rules::{SchemaCtx, SchemaRule};

pub struct UnboundedText;

/// `options.unbounded-text` in pgvet.yaml; each list replaces its default.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Options {
    /// Whole column names.
    names: Vec<String>,
    /// Endings of longer names (`_prompt` matches `original_prompt`).
    suffixes: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            names: owned(&[
                "content",
                "body",
                "message",
                "bio",
                "about",
                "title",
                "subject",
                "headline",
                "description",
                "comment",
                "comments",
                "note",
                "notes",
                "name",
                "display_name",
                "full_name",
                "summary",
                "text",
                "caption",
                "prompt",
                "emoji",
                "question",
                "answer",
                "reply",
                "feedback",
            ]),
            suffixes: owned(&[
                "_content",
                "_body",
                "_title",
                "_description",
                "_prompt",
                "_bio",
                "_comment",
                "_note",
                "_notes",
                "_summary",
                "_text",
                "_caption",
            ]),
        }
    }
}

impl SchemaRule for UnboundedText {
    /// Reads the table alone (with the types and exposed schemas).
    fn per_table(&self) -> Option<&'static [crate::rules::memo::Beyond]> {
        Some(&[])
    }

    fn check(&self, cx: &mut SchemaCtx<'_>) {
        let opts: Options = cx.options();
        let cat = cx.catalog;
        for table in cx
            .stored_tables()
            .filter(|t| cat.is_exposed(&t.name.schema))
        {
            for col in &table.columns {
                let name = col.name.as_str();
                let ty = column_type(cat, col);
                if !matches_vocabulary(name, &opts.names, &opts.suffixes)
                    || !is_unlimited_character(ty.base)
                    || ty.domain_check
                    || col.generated
                    || checks(table).any(|e| limits_length(&e, name))
                {
                    continue;
                }
                cx.report(
                    &table.name,
                    col.span(),
                    format!("`{name}` ({}) has no length limit", col.ty),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, fires_with, quiet, quiet_with};

    const RULE: &str = "unbounded-text";

    #[test]
    fn a_column_retyped_or_renamed_later_is_placed_where_it_became_what_it_is() {
        let out = crate::rules::testing::files(&[
            (
                "1.sql",
                "create table public.messages (\n  id uuid primary key,\n  body varchar(500)\n);",
            ),
            (
                "2.sql",
                "select 1;\nalter table public.messages alter column body type text;",
            ),
        ])
        .fires(RULE);
        assert!(out.starts_with("2.sql:2:1 "), "{out}");
        let out = crate::rules::testing::files(&[
            (
                "1.sql",
                "create table public.messages (\n  id uuid primary key,\n  body text\n);",
            ),
            (
                "2.sql",
                "alter table public.messages rename column body to content;",
            ),
        ])
        .fires(RULE);
        assert!(out.starts_with("2.sql:1:1 "), "{out}");
    }

    #[test]
    fn unlimited_content_fires_at_the_column() {
        let out = fires(
            RULE,
            "create table public.messages (\n  id uuid primary key,\n  content text not null\n);",
        );
        assert_eq!(
            out,
            "test.sql:3:3 unbounded-text [public.messages] `content` (text) has no length limit"
        );
    }

    #[test]
    fn length_checks_varchar_n_and_domains_count() {
        quiet(RULE, "create table public.m (id uuid primary key, content text check (char_length(content) between 1 and 8000), title varchar(200), body text, emoji text,\n  constraint b check (length(body) <= 10000 and octet_length(emoji) <= 16));");
        quiet(RULE, "create domain public.short_text as text check (char_length(value) <= 280);\ncreate table public.m (id uuid primary key, message public.short_text);");
        quiet(RULE, "create table public.m (id uuid primary key, bio text);\nalter table public.m add constraint m_bio check (char_length(bio::text) <= 500);");
    }

    #[test]
    fn varchar_without_length_is_unlimited() {
        fires(
            RULE,
            "create table public.m (id uuid primary key, description varchar);",
        );
    }

    #[test]
    fn check_that_is_not_a_length_does_not_count() {
        fires(
            RULE,
            "create table public.m (id uuid primary key, name text check (name <> ''));",
        );
        fires(RULE, "create table public.m (id uuid primary key, name text, title text check (char_length(name) < 50));");
    }

    #[test]
    fn unexposed_schemas_are_quiet() {
        quiet(
            RULE,
            "create schema private;\ncreate table private.m (id uuid primary key, content text);",
        );
    }

    #[test]
    fn other_names_are_quiet() {
        quiet(RULE, "create table public.m (id uuid primary key, error_message text, storage_path text, metric_name text, tags text[]);");
    }

    #[test]
    fn options_replace_the_vocabulary() {
        let sql = "create table public.m (id uuid primary key, error_message text, content text);";
        let out = fires_with(
            RULE,
            sql,
            "options:\n  unbounded-text:\n    names: []\n    suffixes: [_message]\n",
        );
        assert!(
            out.contains("`error_message`") && !out.contains("`content`"),
            "{out}"
        );
        quiet_with(
            RULE,
            sql,
            "options:\n  unbounded-text:\n    names: [body]\n",
        );
    }
}
