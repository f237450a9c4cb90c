//! Foreign key added to an existing table without NOT VALID. Docs: rules/adding-foreign-key-constraint.yaml.

use pg_query::protobuf as pb;

use crate::rules::support::migration::{
    added_column, added_constraints_of, alter_table_cmds, altered_table, column_constraints,
};
use crate::rules::{StatementRule, StmtCtx};

pub struct AddingForeignKeyConstraint;

impl StatementRule for AddingForeignKeyConstraint {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let Some((s, table)) = altered_table(cx) else {
            return;
        };
        for cmd in alter_table_cmds(s) {
            for (c, what) in foreign_keys(cmd) {
                let referenced = c
                    .pktable
                    .as_ref()
                    .map(|rv| cx.table(rv).name)
                    // A key that references its own table blocks writes to one table.
                    .filter(|referenced| *referenced != table.name)
                    .map(|referenced| format!(" and `{referenced}`"))
                    .unwrap_or_default();
                let message = format!(
                    "adding {what} to `{}` checks every row while writes to `{}`{referenced} are blocked",
                    table.name, table.name
                );
                let span = Some(cx.stmt.span_at(c.location));
                cx.report_lock(&table, span, message);
            }
        }
    }
}

/// The foreign keys an `ALTER TABLE` subcommand adds that check the existing
/// rows, each with the words the message uses for it.
fn foreign_keys(cmd: &pb::AlterTableCmd) -> Vec<(&pb::Constraint, String)> {
    // A new column without a default is NULL in every existing row:
    // PostgreSQL marks its foreign key valid without reading them (checked
    // on PostgreSQL 15: no scan of the table).
    if added_column(cmd).is_some_and(|col| !has_value_default(col)) {
        return Vec::new();
    }
    added_constraints_of(
        cmd,
        "foreign key",
        // NOT ENFORCED (PostgreSQL 18) checks nothing.
        |c| c.contype() == pb::ConstrType::ConstrForeign && c.is_enforced,
        // NOT VALID leaves the existing rows for a later VALIDATE CONSTRAINT;
        // a column constraint cannot be written NOT VALID.
        |c| !c.skip_validation,
    )
}

/// Whether a new column gets a value in the existing rows: a DEFAULT other
/// than NULL, an identity or a generated expression.
fn has_value_default(col: &pb::ColumnDef) -> bool {
    column_constraints(col).any(|c| match c.contype() {
        pb::ConstrType::ConstrDefault => !c
            .raw_expr
            .as_deref()
            .and_then(|e| e.node.as_ref())
            .is_some_and(|n| matches!(n, pg_query::NodeEnum::AConst(a) if a.isnull)),
        pb::ConstrType::ConstrIdentity | pb::ConstrType::ConstrGenerated => true,
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "adding-foreign-key-constraint";
    const CREATE: &str = "create table public.parent (id bigint primary key);\n\
                          create table public.t (id bigint primary key, p bigint);";

    #[test]
    fn table_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t\n  add constraint t_p_fkey foreign key (p) references public.parent (id);",
            ),
        ])
        .fires(RULE);
        assert!(out.starts_with("2.sql:2:7 "), "{out}");
        assert!(
            out.contains("foreign key `t_p_fkey`")
                && out.contains("`public.t` and `public.parent` are blocked")
                && out.contains("[public.t]"),
            "{out}"
        );
    }

    #[test]
    fn a_key_to_its_own_table_names_it_once() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add constraint t_parent_fkey foreign key (p) references public.t (id);",
            ),
        ])
        .fires(RULE);
        assert!(
            out.contains("while writes to `public.t` are blocked"),
            "{out}"
        );
    }

    #[test]
    fn table_created_earlier_in_the_same_file_is_quiet() {
        case(&format!(
            "{CREATE}\nalter table public.t add constraint t_p_fkey foreign key (p) references public.parent (id);"
        ))
        .quiet(RULE);
    }

    #[test]
    fn new_table_referencing_an_old_one_is_quiet() {
        files(&[
            (
                "1.sql",
                "create table public.parent (id bigint primary key);",
            ),
            (
                "2.sql",
                "create table public.t (id bigint primary key, p bigint);\n\
                 alter table public.t add foreign key (p) references public.parent (id);",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn not_valid_is_quiet() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add constraint t_p_fkey foreign key (p) references public.parent (id) not valid;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn validate_is_not_this_rules_business() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add constraint t_p_fkey foreign key (p) references public.parent (id) not valid;\n\
                 alter table public.t validate constraint t_p_fkey;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn add_column_references_without_a_default_is_quiet() {
        // Every existing row gets NULL: PostgreSQL has nothing to check.
        for column in ["q bigint", "q bigint default null"] {
            files(&[
                ("1.sql", CREATE),
                (
                    "2.sql",
                    &format!(
                        "alter table public.t add column {column} references public.parent (id);"
                    ),
                ),
            ])
            .quiet(RULE);
        }
    }

    #[test]
    fn add_column_references_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add column q bigint default 1 references public.parent (id);",
            ),
        ])
        .fires(RULE);
        assert!(
            out.contains("column `q` with a foreign key") && out.contains("`public.parent`"),
            "{out}"
        );
    }

    #[test]
    fn add_column_references_on_a_new_table_is_quiet() {
        case(&format!(
            "{CREATE}\nalter table public.t add column q bigint references public.parent (id);"
        ))
        .quiet(RULE);
    }

    #[test]
    fn create_table_references_are_quiet() {
        files(&[
            ("1.sql", "create table public.parent (id bigint primary key);"),
            (
                "2.sql",
                "create table public.t (id bigint primary key, p bigint references public.parent (id));",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn other_constraints_are_quiet() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add constraint t_p_positive check (p > 0);",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn size_from_the_database_sets_the_severity() {
        let out = case(
            "alter table public.t add constraint t_p_fkey foreign key (p) references public.parent (id);",
        )
        .live(&[
            ("public", "t", 2_500_000.0, 400 << 20),
            ("public", "parent", 10.0, 8192),
        ])
        .fires(RULE);
        assert!(out.contains(" error "), "{out}");
    }
}
