//! `ADD COLUMN ... NOT NULL` without a default on an existing table. Docs: rules/adding-required-field.yaml.

use pg_query::protobuf::{self as pb, ConstrType};

use crate::catalog::types;
use crate::rules::support::migration::{
    added_column, alter_table_cmds, altered_table, column_constraints, is_plain_table,
    type_base_name,
};
use crate::rules::{StatementRule, StmtCtx};

pub struct AddingRequiredField;

impl StatementRule for AddingRequiredField {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let Some((s, table)) = altered_table(cx).filter(|(s, _)| is_plain_table(s)) else {
            return;
        };
        for cmd in alter_table_cmds(s) {
            let Some(col) = added_column(cmd).filter(|c| is_required_without_value(c)) else {
                continue;
            };
            let present = cx
                .catalog
                .table(&table.name)
                .is_some_and(|t| t.columns.iter().any(|c| c.name.as_str() == col.colname));
            if cmd.missing_ok && present {
                continue;
            }
            let span = Some(cx.stmt.span_at(col.location));
            let message = format!(
                "adding column `{}` as NOT NULL without a default fails if `{}` has any rows",
                col.colname, table.name
            );
            cx.report_fails_with_rows(&table, span, message);
        }
    }
}

/// NOT NULL (or PRIMARY KEY) with nothing that fills existing rows: no
/// DEFAULT, identity, generated expression or serial type.
pub(crate) fn is_required_without_value(col: &pb::ColumnDef) -> bool {
    let mut required = col.is_not_null;
    for c in column_constraints(col) {
        match c.contype() {
            ConstrType::ConstrNotnull | ConstrType::ConstrPrimary => required = true,
            ConstrType::ConstrDefault
            | ConstrType::ConstrIdentity
            | ConstrType::ConstrGenerated => return false,
            _ => {}
        }
    }
    let serial = col
        .type_name
        .as_ref()
        .is_some_and(|t| types::is_serial(&type_base_name(t)));
    required && !serial
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "adding-required-field";
    const CREATE: &str = "create table public.t (id bigint primary key);";

    fn later(alter: &str) -> crate::rules::testing::Case {
        files(&[("1.sql", CREATE), ("2.sql", alter)])
    }

    #[test]
    fn table_from_an_earlier_file_fires() {
        let out = later("alter table public.t add column email text not null;").fires(RULE);
        assert!(out.starts_with("2.sql:1:33 "), "{out}");
        assert!(
            out.contains("column `email` as NOT NULL without a default fails if `public.t`"),
            "{out}"
        );
    }

    #[test]
    fn table_created_earlier_in_the_same_file_is_quiet() {
        case(&format!(
            "{CREATE}\nalter table public.t add column email text not null;"
        ))
        .quiet(RULE);
    }

    #[test]
    fn a_table_emptied_earlier_in_the_transaction_is_quiet() {
        // Supabase: the file is one transaction.
        later("delete from public.t;\nalter table public.t add column email text not null;")
            .quiet(RULE);
        later("truncate public.t;\nalter table public.t add column email text not null;")
            .quiet(RULE);
        // Only some rows deleted: the others stay.
        later("delete from public.t where id > 10;\nalter table public.t add column email text not null;")
            .fires(RULE);
        // Outside a transaction, rows can come back before the ALTER.
        later("delete from public.t;\nalter table public.t add column email text not null;")
            .postgres()
            .fires(RULE);
    }

    #[test]
    fn not_null_with_a_default_is_quiet() {
        later("alter table public.t add column active boolean not null default true;").quiet(RULE);
    }

    #[test]
    fn nullable_column_is_quiet() {
        later("alter table public.t add column email text;").quiet(RULE);
    }

    #[test]
    fn generated_identity_and_serial_columns_fill_themselves() {
        later("alter table public.t add column n bigint not null generated always as (id * 2) stored;")
            .quiet(RULE);
        later("alter table public.t add column n bigint not null generated always as identity;")
            .quiet(RULE);
        later("alter table public.t add column n bigserial not null;").quiet(RULE);
    }

    #[test]
    fn primary_key_column_without_default_fires() {
        files(&[
            ("1.sql", "create table public.u (name text);"),
            (
                "2.sql",
                "alter table public.u add column id bigint primary key;",
            ),
        ])
        .fires(RULE);
    }

    #[test]
    fn unknown_table_counts_as_existing() {
        case("alter table legacy add column email text not null;").fires(RULE);
    }

    #[test]
    fn size_from_the_database_sets_the_severity() {
        let sql = "alter table public.t add column email text not null;";
        let big = case(sql)
            .live(&[("public", "t", 2_500_000.0, 400 << 20)])
            .fires(RULE);
        assert!(
            big.contains(" error ") && big.contains("2,500,000 rows"),
            "{big}"
        );
        let empty = case(sql).live(&[("public", "t", 0.0, 8 << 10)]).fires(RULE);
        assert!(
            empty.contains(" info ") && empty.contains("is empty"),
            "{empty}"
        );
    }

    #[test]
    fn a_few_rows_are_enough_to_fail() {
        let out = case("alter table public.t add column email text not null;")
            .live(&[("public", "t", 12.0, 16 << 10)])
            .fires(RULE);
        assert!(
            out.contains(" error ") && out.contains("has about 12 rows"),
            "{out}"
        );
    }

    #[test]
    fn table_not_deployed_yet_is_info() {
        let out = later("alter table public.t add column email text not null;")
            .live(&[("public", "other", 1.0, 8192)])
            .fires(RULE);
        assert!(
            out.contains(" info ") && out.contains("not in the database yet"),
            "{out}"
        );
    }
}
