//! Foreign keys that no usable index leads with. Docs and examples: rules/fk-missing-index.yaml.

use crate::catalog::Ident;
use crate::findings::remedy::Remedy;
use crate::rules::memo::Beyond;
use crate::rules::support::{foreign_keys, index_serves_fk};
use crate::rules::{SchemaCtx, SchemaRule};

pub struct FkMissingIndex;

impl SchemaRule for FkMissingIndex {
    /// Reads the table alone.
    fn per_table(&self) -> Option<&'static [Beyond]> {
        Some(&[])
    }

    fn check(&self, cx: &mut SchemaCtx<'_>) {
        for table in cx.user_tables() {
            for (con, fk) in foreign_keys(table) {
                if table.indexes.iter().any(|ix| index_serves_fk(ix, fk)) {
                    continue;
                }
                let cols: Vec<&str> = fk.columns.iter().map(Ident::as_str).collect();
                cx.report_fixable(
                    &table.name,
                    con.origin.span(),
                    format!(
                        "foreign key `{}` ({}) to `{}` has no index leading with its columns",
                        con.name,
                        cols.join(", "),
                        fk.ref_table
                    ),
                    Remedy::IndexForeignKey {
                        table: table.name.clone(),
                        columns: fk.columns.clone(),
                    },
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet};

    const PARENT: &str = "create table public.p (id uuid primary key, k int, unique (id, k));\n";

    #[test]
    fn unindexed_fk_fires_at_the_references_clause() {
        let out = fires("fk-missing-index", &format!("{PARENT}create table public.c (id uuid primary key,\n  p_id uuid references public.p (id));"));
        assert!(out.contains(":3:"), "{out}");
        assert!(out.contains("(p_id)"), "{out}");
    }

    #[test]
    fn index_created_in_a_later_file_counts() {
        quiet(
            "fk-missing-index",
            &format!("{PARENT}create table public.c (id uuid primary key, p_id uuid references public.p);\ncreate index on public.c (p_id);"),
        );
    }

    #[test]
    fn an_index_of_the_rows_that_have_a_parent_counts() {
        quiet(
            "fk-missing-index",
            &format!("{PARENT}create table public.c (id uuid primary key, p_id uuid references public.p);\ncreate index on public.c (p_id) where p_id is not null;"),
        );
    }

    #[test]
    fn partial_index_does_not_count() {
        fires(
            "fk-missing-index",
            &format!("{PARENT}create table public.c (id uuid primary key, p_id uuid references public.p, gone bool);\ncreate index on public.c (p_id) where not gone;"),
        );
    }

    #[test]
    fn non_btree_index_does_not_count() {
        fires(
            "fk-missing-index",
            &format!("{PARENT}create table public.c (id uuid primary key, p_id uuid references public.p);\ncreate index on public.c using hash (p_id);"),
        );
    }

    #[test]
    fn composite_fk_served_by_index_with_same_leading_set_in_other_order() {
        quiet(
            "fk-missing-index",
            &format!("{PARENT}create table public.c (id uuid primary key, a uuid, b int, x int, foreign key (a, b) references public.p (id, k));\ncreate index on public.c (b, a, x);"),
        );
    }

    #[test]
    fn composite_fk_not_served_when_a_column_is_not_leading() {
        fires(
            "fk-missing-index",
            &format!("{PARENT}create table public.c (id uuid primary key, a uuid, b int, x int, foreign key (a, b) references public.p (id, k));\ncreate index on public.c (a, x, b);"),
        );
    }

    #[test]
    fn primary_key_leading_with_the_fk_serves_it() {
        quiet(
            "fk-missing-index",
            &format!("{PARENT}create table public.c (p_id uuid references public.p, n int, primary key (p_id, n));"),
        );
    }

    #[test]
    fn dropped_index_no_longer_serves() {
        fires(
            "fk-missing-index",
            &format!("{PARENT}create table public.c (id uuid primary key, p_id uuid references public.p);\ncreate index c_p on public.c (p_id);\ndrop index public.c_p;"),
        );
    }

    #[test]
    fn expression_index_does_not_count() {
        fires(
            "fk-missing-index",
            &format!("{PARENT}create table public.c (id uuid primary key, p_id uuid references public.p);\ncreate index on public.c ((p_id::text));"),
        );
    }
}
