//! Indexes identical to an earlier one on the same table. Docs: rules/duplicate-index.yaml.

use crate::catalog::{Index, IndexKey};
use crate::findings::remedy::Remedy;
use crate::findings::Related;
use crate::rules::memo::Beyond;
use crate::rules::{SchemaCtx, SchemaRule};
use crate::sql::expr::to_sql;

pub struct DuplicateIndex;

impl SchemaRule for DuplicateIndex {
    /// Reads the table alone.
    fn per_table(&self) -> Option<&'static [Beyond]> {
        Some(&[])
    }

    fn check(&self, cx: &mut SchemaCtx<'_>) {
        for table in cx.user_tables() {
            let shapes: Vec<Shape> = table.indexes.iter().map(shape).collect();
            for (later, (ix, sh)) in table.indexes.iter().zip(&shapes).enumerate() {
                let earlier = table
                    .indexes
                    .iter()
                    .zip(&shapes)
                    .take(later)
                    .find(|(_, other)| *other == sh);
                let Some((first, _)) = earlier else { continue };
                // Of a unique and a plain index, the plain one is redundant.
                let (dup, kept) = if first.unique && !ix.unique {
                    (ix, first)
                } else if ix.unique && !first.unique {
                    (first, ix)
                } else {
                    (ix, first)
                };
                let message = format!(
                    "index `{}` duplicates `{}`{}",
                    dup.name,
                    kept.name,
                    if kept.constraint_backed {
                        " (which backs a constraint)"
                    } else {
                        ""
                    }
                );
                // An index that backs a constraint goes only with the
                // constraint, which foreign keys may depend on.
                let remedy = (!dup.constraint_backed).then(|| Remedy::DropIndex {
                    table: table.name.clone(),
                    index: dup.name.clone(),
                });
                let related = Related::at(
                    kept.origin.span(),
                    format!("`{}`, which `{}` duplicates", kept.name, dup.name),
                );
                cx.report_related(&table.name, dup.origin.span(), message, remedy, related);
            }
        }
    }
}

/// What makes two indexes interchangeable, uniqueness aside.
#[derive(PartialEq)]
struct Shape {
    method: String,
    keys: Vec<(String, Option<String>, bool)>,
    include: Vec<String>,
    predicate: Option<String>,
}

fn shape(ix: &Index) -> Shape {
    Shape {
        method: ix.method.as_str().to_string(),
        keys: ix
            .elems
            .iter()
            .map(|e| {
                let key = match &e.key {
                    // Quoted like PostgreSQL prints it, so it cannot collide with an expression.
                    IndexKey::Column(c) => c.to_string(),
                    IndexKey::Expression(x) => format!("({})", to_sql(&x.node())),
                };
                (
                    key,
                    e.opclass.as_ref().map(ToString::to_string),
                    e.descending,
                )
            })
            .collect(),
        include: ix.include.iter().map(ToString::to_string).collect(),
        predicate: ix.predicate.as_ref().map(|p| to_sql(&p.node())),
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet};

    const ID: &str = "duplicate-index";
    const T: &str = "create table public.t (id uuid primary key, a int, b int, s text);\n";

    #[test]
    fn same_columns_twice_reports_the_later_one() {
        let out = fires(
            ID,
            &format!("{T}create index t_a on public.t (a);\ncreate index t_a2 on public.t (a);"),
        );
        assert!(out.contains("test.sql:3:1"), "{out}");
        assert!(out.contains("`t_a2` duplicates `t_a`"), "{out}");
    }

    #[test]
    fn index_on_the_primary_key_column_duplicates_the_constraint() {
        let out = fires(ID, &format!("{T}create index t_id on public.t (id);"));
        assert!(
            out.contains("`t_id` duplicates `t_pkey` (which backs a constraint)"),
            "{out}"
        );
    }

    #[test]
    fn unique_constraint_on_the_primary_key_column() {
        // In one CREATE TABLE, PostgreSQL builds one index for both (checked on 15).
        quiet(ID, "create table public.t (id uuid primary key unique);");
        quiet(
            ID,
            "create table public.t (id uuid primary key, constraint t_id_u unique (id));",
        );
        // Added by a later statement, the UNIQUE gets an index of its own.
        fires(
            ID,
            "create table public.t (id uuid primary key);\nalter table public.t add constraint t_id_key unique (id);",
        );
    }

    #[test]
    fn plain_index_before_unique_one_is_the_one_reported() {
        let out = fires(ID, &format!("{T}create index t_a on public.t (a);\ncreate unique index t_a_key on public.t (a);"));
        assert!(out.contains("`t_a` duplicates `t_a_key`"), "{out}");
    }

    #[test]
    fn same_expression_written_differently_is_a_duplicate() {
        fires(ID, &format!("{T}create index t_l on public.t (lower(s));\ncreate index t_l2 on public.t (LOWER( s ));"));
    }

    #[test]
    fn different_order_method_predicate_include_or_opclass_are_not_duplicates() {
        quiet(
            ID,
            &format!(
                "{T}create index t_ab on public.t (a, b);\ncreate index t_ba on public.t (b, a);"
            ),
        );
        quiet(ID, &format!("{T}create index t_a on public.t (a);\ncreate index t_a_hash on public.t using hash (a);"));
        quiet(ID, &format!("{T}create index t_a on public.t (a);\ncreate index t_a_some on public.t (a) where b > 0;"));
        quiet(ID, &format!("{T}create index t_a on public.t (a);\ncreate index t_a_inc on public.t (a) include (b);"));
        quiet(ID, &format!("{T}create index t_s on public.t (s);\ncreate index t_s_pat on public.t (s text_pattern_ops);"));
        quiet(
            ID,
            &format!(
                "{T}create index t_a on public.t (a);\ncreate index t_a_desc on public.t (a desc);"
            ),
        );
    }

    #[test]
    fn prefix_of_another_index_is_not_a_duplicate() {
        quiet(
            ID,
            &format!("{T}create index t_a on public.t (a);\ncreate index t_ab on public.t (a, b);"),
        );
    }

    #[test]
    fn same_predicate_is_a_duplicate() {
        fires(ID, &format!("{T}create index t_a on public.t (a) where b is null;\ncreate index t_a2 on public.t (a) where (b IS NULL);"));
    }

    #[test]
    fn dropped_index_is_gone() {
        quiet(ID, &format!("{T}create index t_a on public.t (a);\ndrop index public.t_a;\ncreate index t_a2 on public.t (a);"));
    }

    #[test]
    fn column_named_like_an_expression_is_not_that_expression() {
        quiet(ID, &format!("create table public.t (id int primary key, \"(a)\" int, a int);\ncreate index t_q on public.t (\"(a)\");\ncreate index t_e on public.t ((a));"));
    }
}
