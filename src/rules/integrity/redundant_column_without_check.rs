//! Two unique columns that point at the same row, with nothing keeping them equal. Docs: rules/redundant-column-without-check.yaml.

use crate::catalog::{ConstraintKind, Ident, IndexKey, Span, Table};
use crate::rules::memo::Beyond;
use crate::rules::support::foreign_keys;
use crate::rules::support::integrity::{checks, mentions_all};
use crate::rules::{SchemaCtx, SchemaRule};

pub struct RedundantColumnWithoutCheck;

/// A single-column foreign key: (column, referenced table and column, where declared).
struct Reference<'a> {
    column: &'a Ident,
    target: (String, String),
    span: Option<Span>,
}

/// The referenced column, or the referenced table's one-column primary key.
fn target_column(cx: &SchemaCtx<'_>, fk: &crate::catalog::ForeignKey) -> Option<String> {
    match fk.ref_columns.as_slice() {
        [c] => Some(c.as_str().to_string()),
        [] => cx.catalog.table(&fk.ref_table).and_then(|t| {
            t.constraints.iter().find_map(|c| match &c.kind {
                ConstraintKind::PrimaryKey { columns } => match columns.as_slice() {
                    [k] => Some(k.as_str().to_string()),
                    _ => None,
                },
                _ => None,
            })
        }),
        _ => None,
    }
}

/// The column alone is a primary key, unique constraint or unique index.
fn unique_alone(table: &Table, column: &Ident) -> bool {
    let by_constraint = table.constraints.iter().any(|c| match &c.kind {
        ConstraintKind::PrimaryKey { columns } | ConstraintKind::Unique { columns, .. } => {
            columns.as_slice() == std::slice::from_ref(column)
        }
        _ => false,
    });
    let by_index = table.indexes.iter().any(|ix| {
        ix.unique
            && ix.predicate.is_none()
            && matches!(ix.elems.as_slice(), [e] if e.key == IndexKey::Column(column.clone()))
    });
    by_constraint || by_index
}

/// A CHECK mentioning both, or a composite key or foreign key containing both.
fn tied(table: &Table, a: &Ident, b: &Ident) -> bool {
    let both = |cols: &[Ident]| cols.len() > 1 && cols.contains(a) && cols.contains(b);
    checks(table).any(|e| mentions_all(&e, &[a.as_str(), b.as_str()]))
        || table.constraints.iter().any(|c| match &c.kind {
            ConstraintKind::PrimaryKey { columns } | ConstraintKind::Unique { columns, .. } => {
                both(columns)
            }
            ConstraintKind::ForeignKey(fk) => both(&fk.columns),
            _ => false,
        })
        || table.indexes.iter().any(|ix| {
            let cols: Vec<Ident> = ix
                .elems
                .iter()
                .filter_map(|e| match &e.key {
                    IndexKey::Column(c) => Some(c.clone()),
                    IndexKey::Expression(_) => None,
                })
                .collect();
            ix.unique && both(&cols)
        })
}

impl SchemaRule for RedundantColumnWithoutCheck {
    /// Reads the table and the tables its single-column foreign keys
    /// reference without naming columns (by name).
    fn per_table(&self) -> Option<&'static [Beyond]> {
        Some(&[Beyond::NamedTables])
    }

    fn check(&self, cx: &mut SchemaCtx<'_>) {
        let mut found = Vec::new();
        for table in cx.stored_tables() {
            for (_, fk) in foreign_keys(table) {
                if fk.ref_columns.is_empty() {
                    cx.note_table_name(fk.ref_table.name.as_str());
                }
            }
            let refs: Vec<Reference> = foreign_keys(table)
                .filter_map(|(con, fk)| match fk.columns.as_slice() {
                    [column] => target_column(cx, fk).map(|col| Reference {
                        column,
                        target: (fk.ref_table.to_string(), col),
                        span: con.origin.span(),
                    }),
                    _ => None,
                })
                .filter(|r| unique_alone(table, r.column))
                .collect();
            for (i, later) in refs.iter().enumerate() {
                let earlier = refs.iter().take(i).find(|e| {
                    e.target == later.target
                        && e.column != later.column
                        && !tied(table, e.column, later.column)
                });
                if let Some(earlier) = earlier {
                    found.push((
                        table.name.clone(),
                        later.span,
                        format!(
                            "`{}` and `{}` both uniquely reference `{}` ({}) and no CHECK keeps them equal",
                            later.column, earlier.column, later.target.0, later.target.1
                        ),
                    ));
                }
            }
        }
        for (table, span, message) in found {
            cx.report(&table, span, message);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet};

    const RULE: &str = "redundant-column-without-check";

    #[test]
    fn copy_of_the_key_fires_at_the_second_reference() {
        let out = fires(
            RULE,
            "create table public.profiles (\n  id uuid primary key references auth.users (id),\n  user_id uuid not null unique references auth.users (id)\n);",
        );
        assert_eq!(out, "test.sql:3:32 redundant-column-without-check [public.profiles] `user_id` and `id` both uniquely reference `auth.users` (id) and no CHECK keeps them equal");
    }

    #[test]
    fn check_tying_them_counts() {
        quiet(RULE, "create table public.profiles (id uuid primary key references auth.users (id), user_id uuid not null unique references auth.users (id),\n  constraint same check (id = user_id));");
    }

    #[test]
    fn two_people_in_one_row_are_not_redundant() {
        quiet(RULE, "create table public.messages (id uuid primary key, sender_id uuid references auth.users (id), recipient_id uuid references auth.users (id));");
        quiet(RULE, "create table public.profiles (id uuid primary key references auth.users (id), invited_by uuid references auth.users);");
    }

    #[test]
    fn unique_index_and_implicit_target_count_as_the_same() {
        fires(RULE, "create table public.a (id uuid primary key);\ncreate table public.b (id uuid primary key references public.a, a_id uuid references public.a (id));\ncreate unique index b_a on public.b (a_id);");
    }

    #[test]
    fn composite_unique_ties_them() {
        quiet(RULE, "create table public.a (id uuid primary key);\ncreate table public.b (id uuid primary key references public.a, a_id uuid unique references public.a (id), unique (id, a_id));");
    }

    #[test]
    fn different_targets_are_quiet() {
        quiet(RULE, "create table public.a (id uuid primary key, code text unique);\ncreate table public.b (id uuid primary key references public.a (id), a_code text unique references public.a (code));");
    }
}
