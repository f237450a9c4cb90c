//! CHECK or FOREIGN KEY added to an existing table without NOT VALID, or validated in the transaction that added it. Docs: rules/constraint-missing-not-valid.yaml.

use pg_query::protobuf as pb;

use crate::catalog::Ident;
use crate::rules::support::migration::{added_constraint, alter_table_cmds, altered_table};
use crate::rules::{StatementRule, StmtCtx, TableRef};

pub struct ConstraintMissingNotValid;

impl StatementRule for ConstraintMissingNotValid {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let Some((s, table)) = altered_table(cx) else {
            return;
        };
        for cmd in alter_table_cmds(s) {
            if let Some(c) = added_constraint(cmd) {
                added_without_not_valid(cx, &table, c);
            } else if cmd.subtype() == pb::AlterTableType::AtValidateConstraint {
                validated_too_soon(cx, &table, &cmd.name);
            }
        }
    }
}

fn added_without_not_valid(cx: &mut StmtCtx<'_>, table: &TableRef, c: &pb::Constraint) {
    // Only CHECK and FOREIGN KEY accept NOT VALID; UNIQUE and PRIMARY KEY
    // have rules of their own. NOT ENFORCED (PostgreSQL 18) checks no rows.
    if c.skip_validation || !c.is_enforced {
        return;
    }
    let named = |what: &str| {
        if c.conname.is_empty() {
            format!("a {what}")
        } else {
            format!("{what} `{}`", Ident::new(c.conname.as_str()))
        }
    };
    let message = match c.contype() {
        pb::ConstrType::ConstrCheck => format!(
            "adding {} to `{}` without NOT VALID checks every row under an ACCESS EXCLUSIVE \
             lock, blocking reads and writes",
            named("check constraint"),
            table.name
        ),
        pb::ConstrType::ConstrForeign => {
            let referenced = c
                .pktable
                .as_ref()
                .map(|rv| cx.table(rv).name)
                // A key that references its own table blocks writes to one table.
                .filter(|referenced| *referenced != table.name)
                .map(|referenced| format!(" and `{referenced}`"))
                .unwrap_or_default();
            format!(
                "adding {} to `{}` without NOT VALID checks every row while writes to `{}`{referenced} are blocked",
                named("foreign key"),
                table.name,
                table.name
            )
        }
        _ => return,
    };
    let span = Some(cx.stmt.span_at(c.location));
    cx.report_lock(table, span, message);
}

/// `VALIDATE CONSTRAINT` in the transaction whose `ADD CONSTRAINT ... NOT
/// VALID` still holds its lock: the scan NOT VALID put off runs under it.
fn validated_too_soon(cx: &mut StmtCtx<'_>, table: &TableRef, name: &str) {
    if !cx.in_transaction() {
        return;
    }
    // The transaction began at the open BEGIN, or else with the file (the
    // tool's per-file transaction, not ended yet since in_transaction holds).
    let began = cx.session.explicit_transaction().map_or(0, |b| b.start);
    let file = cx.stmt.span.file;
    let added_here = cx.catalog.table(&table.name).is_some_and(|t| {
        t.constraints.iter().any(|k| {
            k.name.as_str() == name
                && k.not_valid
                && k.origin
                    .span()
                    .is_some_and(|s| s.file == file && s.start >= began)
        })
    });
    if !added_here {
        return;
    }
    let message = format!(
        "validating `{}` in the transaction that added it as NOT VALID scans `{}` while the \
         lock taken by ADD CONSTRAINT is still held",
        Ident::new(name),
        table.name
    );
    cx.report_lock(table, Some(cx.stmt.span), message);
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "constraint-missing-not-valid";
    const CREATE: &str = "create table public.t (id bigint primary key, n int, p bigint);\n\
                          create table public.parent (id bigint primary key);";

    #[test]
    fn check_on_a_table_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add constraint t_n_positive check (n > 0);",
            ),
        ])
        .fires(RULE);
        assert!(out.starts_with("2.sql:1:26 "), "{out}");
        assert!(
            out.contains("check constraint `t_n_positive`") && out.contains("ACCESS EXCLUSIVE"),
            "{out}"
        );
    }

    #[test]
    fn table_created_earlier_in_the_same_file_is_quiet() {
        case(&format!(
            "{CREATE}\nalter table public.t add constraint t_n_positive check (n > 0);"
        ))
        .quiet(RULE);
    }

    #[test]
    fn foreign_key_names_both_tables() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add constraint t_p_fkey foreign key (p) references public.parent (id);",
            ),
        ])
        .fires(RULE);
        assert!(
            out.contains("`public.t` and `public.parent` are blocked"),
            "{out}"
        );
    }

    #[test]
    fn foreign_key_to_its_own_table_names_it_once() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add constraint t_p_fkey foreign key (p) references public.t (id);",
            ),
        ])
        .fires(RULE);
        assert!(
            out.contains("while writes to `public.t` are blocked"),
            "{out}"
        );
    }

    #[test]
    fn table_made_by_select_into_earlier_in_the_file_is_quiet() {
        // SELECT ... INTO makes the table, as CREATE TABLE AS does.
        case("select 1 as id into staging;\nalter table staging add check (id > 0);")
            .postgres()
            .assume_existing()
            .quiet(RULE);
        case("select 1 as id into temp scratch;\nalter table scratch add check (id > 0);")
            .postgres()
            .assume_existing()
            .quiet(RULE);
        // Without INTO the SELECT makes nothing: the table is an old one.
        case("select 1 as id;\nalter table staging add check (id > 0);")
            .postgres()
            .assume_existing()
            .fires(RULE);
    }

    #[test]
    fn table_made_in_a_rolled_back_transaction_does_not_exist() {
        // PostgreSQL undid the CREATE: the ALTER meets an existing table.
        case("begin;\ncreate table coupons (code text);\nrollback;\nalter table coupons add check (code <> '');")
            .postgres()
            .fires(RULE);
        // Only the table made after the savepoint is gone.
        let out = case("begin;\ncreate table coupons (code text);\nsavepoint s;\ncreate table codes (code text);\nrollback to savepoint s;\nalter table coupons add check (code <> '');\nalter table codes add check (code <> '');\ncommit;")
            .postgres()
            .fires(RULE);
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(out.contains("`public.codes`"), "{out}");
    }

    #[test]
    fn not_valid_is_quiet() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add constraint t_n_positive check (n > 0) not valid;\n\
                 alter table public.t add constraint t_p_fkey foreign key (p) references public.parent (id) not valid;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn validate_in_a_later_file_is_quiet() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add constraint t_n_positive check (n > 0) not valid;",
            ),
            (
                "3.sql",
                "alter table public.t validate constraint t_n_positive;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn validate_in_the_same_per_file_transaction_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add constraint t_n_positive check (n > 0) not valid;\n\
                 alter table public.t validate constraint t_n_positive;",
            ),
        ])
        .fires(RULE);
        assert!(
            out.starts_with("2.sql:2:1 ") && out.contains("validating `t_n_positive`"),
            "{out}"
        );
    }

    #[test]
    fn validate_after_commit_is_quiet() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add constraint t_n_positive check (n > 0) not valid;\n\
                 commit;\nalter table public.t validate constraint t_n_positive;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn validate_inside_the_same_begin_fires_on_plain_postgres() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "begin;\nalter table public.t add constraint t_n_positive check (n > 0) not valid;\n\
                 alter table public.t validate constraint t_n_positive;\ncommit;",
            ),
        ])
        .postgres()
        .fires(RULE);
    }

    #[test]
    fn validate_in_a_new_begin_after_commit_is_quiet() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "begin;\nalter table public.t add constraint t_n_positive check (n > 0) not valid;\n\
                 commit;\nbegin;\nalter table public.t validate constraint t_n_positive;\ncommit;",
            ),
        ])
        .postgres()
        .quiet(RULE);
    }

    #[test]
    fn validate_without_transaction_on_plain_postgres_is_quiet() {
        // Each statement commits on its own, so the ADD's lock is gone.
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add constraint t_n_positive check (n > 0) not valid;\n\
                 alter table public.t validate constraint t_n_positive;",
            ),
        ])
        .postgres()
        .quiet(RULE);
    }

    #[test]
    fn unique_and_primary_key_are_left_to_their_rules() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add constraint t_n_key unique (n);\n\
                 alter table public.parent drop constraint parent_pkey, add primary key (id);",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn not_enforced_is_quiet() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add constraint t_n_positive check (n > 0) not enforced;",
            ),
        ])
        .config("postgres_version: 18\n")
        .quiet(RULE);
    }

    #[test]
    fn unknown_table_counts_as_existing() {
        let out = case("alter table legacy add check (n > 0);").fires(RULE);
        assert!(
            out.contains("adding a check constraint to `public.legacy`"),
            "{out}"
        );
    }

    #[test]
    fn size_from_the_database_sets_the_severity() {
        let out = case("alter table public.t add constraint t_n_positive check (n > 0);")
            .live(&[("public", "t", 12.0, 16 << 10)])
            .fires(RULE);
        assert!(
            out.contains(" info ") && out.contains("has about 12 rows"),
            "{out}"
        );
    }
}
