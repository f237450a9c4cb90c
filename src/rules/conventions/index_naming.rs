//! Indexes not named `idx_<table>_<columns>` (opt-in). Docs: rules/index-naming.yaml.

use crate::catalog::{Index, IndexKey};
use crate::rules::{SchemaCtx, SchemaRule};

pub struct IndexNaming;

impl SchemaRule for IndexNaming {
    fn check(&self, cx: &mut SchemaCtx<'_>) {
        for table in cx.catalog.user_tables() {
            for ix in table.indexes.iter().filter(|ix| !ix.constraint_backed) {
                let Some(expected) = expected_name(table.name.name.as_str(), ix) else {
                    continue;
                };
                cx.report(
                    &table.name,
                    ix.origin.span(),
                    format!(
                        "index `{}` on `{}` does not follow the convention `{expected}`",
                        ix.name, table.name
                    ),
                );
            }
        }
    }
}

/// The name the convention wants, or None when `ix` already follows it.
fn expected_name(table: &str, ix: &Index) -> Option<String> {
    let name = ix.name.as_str();
    let prefix = format!("idx_{table}_");
    let mut columns = Vec::new();
    for e in &ix.elems {
        match &e.key {
            IndexKey::Column(c) => columns.push(c.as_str()),
            // Expressions have no canonical short name: any suffix will do.
            IndexKey::Expression(_) => {
                let ok = name.len() > prefix.len() && name.starts_with(&prefix);
                return (!ok).then(|| format!("{prefix}..."));
            }
        }
    }
    let expected = format!("{prefix}{}", columns.join("_"));
    let partial = ix.predicate.is_some() && name == format!("{expected}_partial");
    (name != expected && !partial).then_some(expected)
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet};

    const ID: &str = "index-naming";
    const T: &str = "create table public.t (id uuid primary key, a int, b text);\n";

    #[test]
    fn off_by_default() {
        assert_eq!(
            crate::rules::find(ID).map(|r| r.doc.default_enabled),
            Some(false)
        );
    }

    #[test]
    fn other_name_fires_with_the_expected_one() {
        let out = fires(ID, &format!("{T}create index t_by_a on public.t (a, b);"));
        assert!(out.contains("test.sql:2:1"), "{out}");
        assert!(
            out.contains("`t_by_a` on `public.t` does not follow the convention `idx_t_a_b`"),
            "{out}"
        );
    }

    #[test]
    fn conventional_names_are_quiet() {
        quiet(
            ID,
            &format!("{T}create index idx_t_a_b on public.t (a, b);"),
        );
        quiet(
            ID,
            &format!("{T}create index idx_t_a_partial on public.t (a) where a > 0;"),
        );
        quiet(
            ID,
            &format!("{T}create index idx_t_lower_b on public.t (lower(b));"),
        );
    }

    #[test]
    fn partial_suffix_only_for_partial_indexes() {
        fires(
            ID,
            &format!("{T}create index idx_t_a_partial on public.t (a);"),
        );
    }

    #[test]
    fn expression_index_needs_the_table_prefix() {
        fires(
            ID,
            &format!("{T}create index lower_b on public.t (lower(b));"),
        );
    }

    #[test]
    fn constraint_indexes_are_not_checked() {
        quiet(ID, "create table public.t (id uuid primary key, a int unique, b int, constraint t_b_is_unique unique (b));");
    }

    #[test]
    fn unnamed_index_fires() {
        fires(ID, &format!("{T}create index on public.t (a);"));
    }
}
