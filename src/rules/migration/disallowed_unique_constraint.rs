//! UNIQUE constraint added to an existing table without USING INDEX. Docs: rules/disallowed-unique-constraint.yaml.

use pg_query::protobuf as pb;

use crate::rules::support::migration::{added_constraints_of, alter_table_cmds, altered_table};
use crate::rules::{StatementRule, StmtCtx};

pub struct DisallowedUniqueConstraint;

impl StatementRule for DisallowedUniqueConstraint {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let Some((s, table)) = altered_table(cx) else {
            return;
        };
        for cmd in alter_table_cmds(s) {
            for (c, what) in unique_constraints(cmd) {
                let message = format!(
                    "adding {what} to `{}` builds its index under an ACCESS EXCLUSIVE lock, \
                     blocking reads and writes",
                    table.name
                );
                let span = Some(cx.stmt.span_at(c.location));
                cx.report_lock(&table, span, message);
            }
        }
    }
}

/// The UNIQUE constraints an `ALTER TABLE` subcommand adds that build a new
/// index, each with the words the message uses for it.
fn unique_constraints(cmd: &pb::AlterTableCmd) -> Vec<(&pb::Constraint, String)> {
    added_constraints_of(
        cmd,
        "unique constraint",
        |c| c.contype() == pb::ConstrType::ConstrUnique,
        // USING INDEX adopts an index built beforehand (CONCURRENTLY, one hopes).
        |c| c.indexname.is_empty(),
    )
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "disallowed-unique-constraint";
    const CREATE: &str = "create table public.t (id bigint primary key, n int);";

    #[test]
    fn table_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add constraint t_n_key unique (n);",
            ),
        ])
        .fires(RULE);
        assert!(out.starts_with("2.sql:1:26 "), "{out}");
        assert!(
            out.contains("unique constraint `t_n_key`") && out.contains("[public.t]"),
            "{out}"
        );
    }

    #[test]
    fn table_created_earlier_in_the_same_file_is_quiet() {
        case(&format!(
            "{CREATE}\nalter table public.t add constraint t_n_key unique (n);"
        ))
        .quiet(RULE);
    }

    #[test]
    fn using_a_concurrently_built_index_is_quiet() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create unique index concurrently t_n_key on public.t (n);",
            ),
            (
                "3.sql",
                "alter table public.t add constraint t_n_key unique using index t_n_key;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn unnamed_constraint_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter table public.t add unique (n);"),
        ])
        .fires(RULE);
        assert!(out.contains("adding a unique constraint"), "{out}");
    }

    #[test]
    fn add_column_unique_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add column code bigint unique;",
            ),
        ])
        .fires(RULE);
        assert!(
            out.contains("column `code` with a unique constraint"),
            "{out}"
        );
    }

    #[test]
    fn add_column_unique_on_a_new_table_is_quiet() {
        case(&format!(
            "{CREATE}\nalter table public.t add column code bigint unique;"
        ))
        .quiet(RULE);
    }

    #[test]
    fn primary_key_is_left_to_its_rule() {
        files(&[
            (
                "1.sql",
                "create table public.t (id bigint not null, n int);",
            ),
            ("2.sql", "alter table public.t add primary key (id);"),
        ])
        .quiet(RULE);
    }

    #[test]
    fn size_from_the_database_sets_the_severity() {
        let out = case("alter table public.t add constraint t_n_key unique (n);")
            .live(&[("public", "t", 2_500_000.0, 400 << 20)])
            .fires(RULE);
        assert!(out.contains(" error "), "{out}");
    }
}
