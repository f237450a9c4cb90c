//! `ADD COLUMN ... PRIMARY KEY` on an existing table. Docs: rules/adding-serial-primary-key-field.yaml.

use pg_query::protobuf as pb;

use crate::catalog::{types, Ident};
use crate::rules::support::migration::{
    added_column, alter_table_cmds, altered_table, catalog_type_name, column_constraints,
};
use crate::rules::{StatementRule, StmtCtx};

pub struct AddingSerialPrimaryKeyField;

impl StatementRule for AddingSerialPrimaryKeyField {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let Some((s, table)) = altered_table(cx) else {
            return;
        };
        // Only the column constraint: `ADD PRIMARY KEY (...)` as a table
        // constraint is adding-primary-key-constraint's, even when the same
        // statement adds the column.
        for col in alter_table_cmds(s).filter_map(added_column) {
            let Some(key) =
                column_constraints(col).find(|c| c.contype() == pb::ConstrType::ConstrPrimary)
            else {
                continue;
            };
            let name = Ident::new(col.colname.as_str());
            let message = if fills_every_row(col) {
                format!(
                    "adding primary key column `{name}` to `{}` rewrites the table to fill it \
                     and builds its index under an ACCESS EXCLUSIVE lock, blocking reads and writes",
                    table.name
                )
            } else {
                format!(
                    "adding primary key column `{name}` to `{}` builds its index under an \
                     ACCESS EXCLUSIVE lock, and fails if the table has rows (they would be NULL)",
                    table.name
                )
            };
            let span = Some(cx.stmt.span_at(key.location));
            cx.report_lock(&table, span, message);
        }
    }
}

/// Whether the new column gets a value in every existing row: serial,
/// identity, a default, or a stored generated expression.
fn fills_every_row(col: &pb::ColumnDef) -> bool {
    let serial = col
        .type_name
        .as_ref()
        .and_then(catalog_type_name)
        .is_some_and(types::is_serial);
    serial
        || col.raw_default.is_some()
        || column_constraints(col).any(|c| {
            matches!(
                c.contype(),
                pb::ConstrType::ConstrIdentity
                    | pb::ConstrType::ConstrDefault
                    | pb::ConstrType::ConstrGenerated
            )
        })
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "adding-serial-primary-key-field";
    const CREATE: &str = "create table public.t (n int);";

    #[test]
    fn table_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add column id bigserial primary key;",
            ),
        ])
        .fires(RULE);
        assert!(out.starts_with("2.sql:1:46 "), "{out}");
        assert!(
            out.contains("primary key column `id`") && out.contains("rewrites the table"),
            "{out}"
        );
    }

    #[test]
    fn table_created_earlier_in_the_same_file_is_quiet() {
        case(&format!(
            "{CREATE}\nalter table public.t add column id bigserial primary key;"
        ))
        .quiet(RULE);
    }

    #[test]
    fn identity_column_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add column id bigint generated always as identity primary key;",
            ),
        ])
        .fires(RULE);
        assert!(out.contains("rewrites the table"), "{out}");
    }

    #[test]
    fn volatile_default_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add column id uuid default gen_random_uuid() primary key;",
            ),
        ])
        .fires(RULE);
        assert!(out.contains("rewrites the table"), "{out}");
    }

    #[test]
    fn column_without_values_says_it_fails_on_rows() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add column id bigint primary key;",
            ),
        ])
        .fires(RULE);
        assert!(out.contains("fails if the table has rows"), "{out}");
    }

    #[test]
    fn table_constraint_is_left_to_adding_primary_key_constraint() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add column id bigserial, add primary key (id);",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn serial_column_without_key_is_quiet() {
        files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter table public.t add column id bigserial;"),
        ])
        .quiet(RULE);
    }

    #[test]
    fn size_from_the_database_sets_the_severity() {
        let out = case("alter table public.t add column id bigserial primary key;")
            .live(&[("public", "t", 2_500_000.0, 400 << 20)])
            .fires(RULE);
        assert!(out.contains(" error "), "{out}");
    }
}
