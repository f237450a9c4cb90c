//! `ALTER COLUMN ... SET NOT NULL` that scans an existing table. Docs: rules/adding-not-nullable-field.yaml.

use pg_query::protobuf as pb;

use crate::catalog::Ident;
use crate::rules::support::migration::{
    alter_table_cmds, altered_table, is_plain_table, not_null_proof,
};
use crate::rules::{StatementRule, StmtCtx};

pub struct AddingNotNullableField;

/// PostgreSQL 12 proves NOT NULL from a validated CHECK and skips the scan.
const CHECK_SKIPS_SCAN_SINCE: u32 = 12;

impl StatementRule for AddingNotNullableField {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let Some((s, table)) = altered_table(cx).filter(|(s, _)| is_plain_table(s)) else {
            return;
        };
        let version = cx.postgres_version();
        for cmd in alter_table_cmds(s) {
            if cmd.subtype() != pb::AlterTableType::AtSetNotNull {
                continue;
            }
            let column = Ident::new(cmd.name.clone());
            let known = cx.catalog.table(&table.name);
            // Already NOT NULL: PostgreSQL returns at once.
            let already =
                known.is_some_and(|t| t.columns.iter().any(|c| c.name == column && c.not_null));
            if already {
                continue;
            }
            let check = known.and_then(|t| not_null_proof(t, &column));
            let note = match check {
                Some(_) if version >= CHECK_SKIPS_SCAN_SINCE => continue,
                Some(name) => format!(
                    " (PostgreSQL {CHECK_SKIPS_SCAN_SINCE} and later skip the scan given the \
                     validated CHECK `{name}`; this is PostgreSQL {version})"
                ),
                None => String::new(),
            };
            let span = Some(cx.stmt.span);
            cx.report_lock(
                &table,
                span,
                format!(
                    "setting `{column}` NOT NULL scans all of `{}` under an ACCESS EXCLUSIVE lock{note}",
                    table.name
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "adding-not-nullable-field";
    const CREATE: &str = "create table public.t (id bigint primary key, email text);";
    const CHECKED: &str = "alter table public.t add constraint t_email_not_null \
                           check (email is not null) not valid;\n\
                           alter table public.t validate constraint t_email_not_null;";
    const SET: &str = "alter table public.t alter column email set not null;";

    #[test]
    fn table_from_an_earlier_file_fires() {
        let out = files(&[("1.sql", CREATE), ("2.sql", SET)]).fires(RULE);
        assert!(out.starts_with("2.sql:1:1 "), "{out}");
        assert!(
            out.contains("setting `email` NOT NULL scans all of `public.t`"),
            "{out}"
        );
    }

    #[test]
    fn table_created_earlier_in_the_same_file_is_quiet() {
        case(&format!("{CREATE}\n{SET}")).quiet(RULE);
    }

    #[test]
    fn validated_check_in_an_earlier_file_is_quiet_on_postgres_12_and_later() {
        files(&[("1.sql", CREATE), ("2.sql", CHECKED), ("3.sql", SET)])
            .config("postgres_version: 15\n")
            .quiet(RULE);
    }

    #[test]
    fn validated_check_does_not_help_before_postgres_12() {
        let out = files(&[("1.sql", CREATE), ("2.sql", CHECKED), ("3.sql", SET)])
            .config("postgres_version: 11\n")
            .fires(RULE);
        assert!(
            out.contains("PostgreSQL 12 and later skip the scan given the validated CHECK `t_email_not_null`"),
            "{out}"
        );
    }

    #[test]
    fn check_not_validated_yet_fires() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add constraint t_email_not_null check (email is not null) not valid;",
            ),
            ("3.sql", SET),
        ])
        .fires(RULE);
    }

    #[test]
    fn check_validated_in_the_same_file_counts() {
        files(&[("1.sql", CREATE), ("2.sql", &format!("{CHECKED}\n{SET}"))]).quiet(RULE);
    }

    #[test]
    fn check_on_another_column_fires() {
        files(&[
            ("1.sql", "create table public.t (id bigint primary key, email text, name text check (name is not null));"),
            ("2.sql", SET),
        ])
        .fires(RULE);
    }

    #[test]
    fn check_with_the_test_among_and_parts_counts() {
        files(&[
            (
                "1.sql",
                "create table public.t (id bigint primary key, email text,\n  \
                 constraint t_email check (email is not null and char_length(email) < 320));",
            ),
            ("2.sql", SET),
        ])
        .quiet(RULE);
    }

    #[test]
    fn column_already_not_null_is_quiet() {
        files(&[
            (
                "1.sql",
                "create table public.t (id bigint primary key, email text not null);",
            ),
            ("2.sql", SET),
        ])
        .quiet(RULE);
    }

    #[test]
    fn size_from_the_database_sets_the_severity() {
        let big = case(SET)
            .live(&[("public", "t", 2_500_000.0, 400 << 20)])
            .fires(RULE);
        assert!(
            big.contains(" error ") && big.contains("2,500,000 rows"),
            "{big}"
        );
        let tiny = case(SET)
            .live(&[("public", "t", 12.0, 16 << 10)])
            .fires(RULE);
        assert!(tiny.contains(" info "), "{tiny}");
    }
}
