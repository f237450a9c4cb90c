//! `<thing>_id` columns that match a table's key but have no foreign key. Docs: rules/missing-foreign-key.yaml.

use crate::rules::memo::Beyond;
use crate::rules::support::keys::{
    covered_by_fk, implied_parent, implied_parent_names, key_type, primary_key, same_key_type,
};
use crate::rules::{SchemaCtx, SchemaRule};

pub struct MissingForeignKey;

impl SchemaRule for MissingForeignKey {
    /// Reads the table and the tables its `<thing>_id` columns are named
    /// for (by name).
    fn per_table(&self) -> Option<&'static [Beyond]> {
        Some(&[Beyond::NamedTables])
    }

    fn check(&self, cx: &mut SchemaCtx<'_>) {
        let cat = cx.catalog;
        for table in cx.stored_tables() {
            for col in &table.columns {
                if cx.notes_table_names() {
                    for name in implied_parent_names(col) {
                        cx.note_table_name(&name);
                    }
                }
                let is_own_key =
                    primary_key(table).is_some_and(|pk| pk == std::slice::from_ref(&col.name));
                if is_own_key || col.generated || covered_by_fk(table, &col.name) {
                    continue;
                }
                // The types may differ (the chat seed's text `channel_id`
                // against uuid keys): the column still lacks its foreign key,
                // and fk-type-mismatch says why it cannot have one yet.
                let Some((parent, pk)) = implied_parent(cat, table, col) else {
                    continue;
                };
                // A column of another type cannot take the foreign key as it is;
                // fk-type-mismatch reports that case with the type to change.
                if !same_key_type(key_type(cat, col), key_type(cat, pk)) {
                    continue;
                }
                cx.report(
                    &table.name,
                    col.span(),
                    format!(
                        "column `{}` has no foreign key to `{}` ({})",
                        col.name, parent.name, pk.name
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet};

    const ID: &str = "missing-foreign-key";

    #[test]
    fn natural_keys_and_generated_identifiers_are_quiet() {
        quiet(
            ID,
            "create table public.spans (id uuid primary key, span_id text not null unique);\n\
             create table public.events (id uuid primary key, span_id text not null);",
        );
        quiet(
            ID,
            "create table public.inboxes (id uuid primary key);\n\
             create table public.aliases (id uuid primary key, inbox_id uuid not null default gen_random_uuid());",
        );
        fires(
            ID,
            "create table public.inboxes (id uuid primary key);\n\
             create table public.aliases (id uuid primary key, inbox_id uuid not null);",
        );
        // A default that looks the value up still makes a reference.
        fires(
            ID,
            "create table public.tenants (id uuid primary key);\n\
             create function public.my_tenant() returns uuid language sql stable as $$ select null::uuid $$;\n\
             create table public.docs (id uuid primary key, tenant_id uuid default public.my_tenant());",
        );
    }

    #[test]
    fn job_id_without_reference_fires_at_the_column() {
        let out = fires(
            ID,
            "create table public.jobs (id uuid primary key);\ncreate table public.assets (id uuid primary key,\n  job_id uuid not null);",
        );
        assert!(out.contains("test.sql:3:3"), "{out}");
        assert!(
            out.contains("`job_id` has no foreign key to `public.jobs` (id)"),
            "{out}"
        );
    }

    #[test]
    fn column_of_another_type_is_left_to_fk_type_mismatch() {
        quiet(ID, "create table public.channels (id uuid primary key);\ncreate table public.videos (id uuid primary key, channel_id text);");
    }

    #[test]
    fn singular_table_name_matches() {
        fires(ID, "create table public.job (id uuid primary key);\ncreate table public.assets (id uuid primary key, job_id uuid);");
    }

    #[test]
    fn declared_foreign_key_silences() {
        quiet(ID, "create table public.jobs (id uuid primary key);\ncreate table public.assets (id uuid primary key, job_id uuid references public.jobs);");
    }

    #[test]
    fn foreign_key_added_later_silences() {
        quiet(ID, "create table public.jobs (id uuid primary key);\ncreate table public.assets (id uuid primary key, job_id uuid);\nalter table public.assets add foreign key (job_id) references public.jobs;");
    }

    #[test]
    fn composite_foreign_key_covers_the_column() {
        quiet(
            ID,
            "create table public.jobs (id uuid primary key, user_id uuid, unique (id, user_id));\ncreate table public.assets (id uuid primary key, user_id uuid, job_id uuid, foreign key (job_id, user_id) references public.jobs (id, user_id));",
        );
    }

    #[test]
    fn primary_key_column_is_skipped() {
        quiet(ID, "create table public.jobs (id uuid primary key);\ncreate table public.job_stats (job_id uuid primary key);");
    }

    #[test]
    fn part_of_a_composite_primary_key_still_needs_a_foreign_key() {
        fires(ID, "create table public.jobs (id uuid primary key);\ncreate table public.job_tags (job_id uuid, tag text, primary key (job_id, tag));");
    }

    #[test]
    fn no_table_of_that_name_is_quiet() {
        quiet(ID, "create table public.assets (id uuid primary key, stripe_customer_id text, user_id uuid);");
    }

    #[test]
    fn composite_key_parent_is_not_a_candidate() {
        quiet(ID, "create table public.jobs (a uuid, b int, primary key (a, b));\ncreate table public.assets (id uuid primary key, job_id uuid);");
    }

    #[test]
    fn same_schema_wins_and_other_schemas_are_searched() {
        fires(ID, "create schema app;\ncreate table app.jobs (id uuid primary key);\ncreate table public.assets (id uuid primary key, job_id uuid);");
    }

    #[test]
    fn platform_tables_are_not_searched() {
        quiet(
            ID,
            "create table public.notes (id uuid primary key, user_id uuid not null);",
        );
    }
}
