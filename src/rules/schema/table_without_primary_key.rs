//! Tables without a primary key. Docs: rules/table-without-primary-key.yaml.

use crate::catalog::RelKind;
use crate::rules::support::has_primary_key;
use crate::rules::{SchemaCtx, SchemaRule};

pub struct TableWithoutPrimaryKey;

impl SchemaRule for TableWithoutPrimaryKey {
    fn check(&self, cx: &mut SchemaCtx<'_>) {
        for t in cx.catalog.user_tables().filter(|t| t.kind != RelKind::Foreign && !has_primary_key(t)) {
            // A partition gets its parent's primary key.
            let parent_has_pk = t.partition_of.as_ref().and_then(|p| cx.catalog.table(p)).is_some_and(has_primary_key);
            if !parent_has_pk {
                cx.report(&t.name, t.origin.span(), format!("table `{}` has no primary key", t.name));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet};

    #[test]
    fn table_without_pk_fires() {
        fires("table-without-primary-key", "create table public.t (id int, name text unique);");
    }

    #[test]
    fn pk_added_by_alter_table_counts() {
        quiet("table-without-primary-key", "create table public.t (id int);\nalter table public.t add primary key (id);");
    }

    #[test]
    fn dropping_the_pk_fires() {
        fires("table-without-primary-key", "create table public.t (id int primary key);\nalter table public.t drop constraint t_pkey;");
    }

    #[test]
    fn partition_of_a_parent_with_pk_is_quiet() {
        quiet(
            "table-without-primary-key",
            "create table public.m (id int, at date, primary key (id, at)) partition by range (at);\ncreate table public.m_2025 partition of public.m for values from ('2025-01-01') to ('2026-01-01');",
        );
    }

    #[test]
    fn views_are_not_tables() {
        quiet("table-without-primary-key", "create table public.t (id int primary key);\ncreate view public.v as select id from public.t;");
    }
}
