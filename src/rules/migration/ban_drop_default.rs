//! `ALTER COLUMN ... DROP DEFAULT` on an existing table, and `ALTER DOMAIN
//! ... DROP DEFAULT`. Docs: rules/ban-drop-default.yaml.

use pg_query::protobuf as pb;
use pg_query::NodeEnum;

use crate::catalog::Ident;
use crate::rules::support::drops::{altered_domain, altered_table};
use crate::rules::support::migration::{
    alter_table_cmds, column_is_new, made_again_later, names_table,
};
use crate::rules::{StatementRule, StmtCtx};

pub struct BanDropDefault;

impl StatementRule for BanDropDefault {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        if let NodeEnum::AlterDomainStmt(s) = &cx.stmt.node {
            // `T` with no expression: DROP DEFAULT.
            if s.subtype != "T" || s.def.is_some() {
                return;
            }
            let Some((domain, new)) = altered_domain(cx, s) else {
                return;
            };
            if !new {
                let message = format!(
                    "dropping the default of domain `{domain}` makes inserts that leave its columns out write NULL or fail"
                );
                cx.report(&domain, Some(cx.stmt.span), message);
            }
            return;
        }
        let Some((s, table)) = altered_table(cx, true) else {
            return;
        };
        for cmd in alter_table_cmds(s) {
            // SET DEFAULT carries the expression; DROP DEFAULT none.
            if cmd.subtype() != pb::AlterTableType::AtColumnDefault || cmd.def.is_some() {
                continue;
            }
            // A column this file added is written by no deployed code yet;
            // a default set again in the same transaction was never gone.
            if column_is_new(cx, &table.name, &cmd.name)
                || set_again_later(cx, &table.name, &cmd.name)
            {
                continue;
            }
            let message = format!(
                "dropping the default of column `{}` of `{}` makes inserts that leave it out write NULL or fail",
                Ident::new(cmd.name.as_str()),
                table.name
            );
            cx.report_unless_new(&table, Some(cx.stmt.span), message);
        }
    }
}

/// Whether a later statement of the transaction sets a default on the column again.
fn set_again_later(cx: &StmtCtx<'_>, table: &crate::catalog::QualifiedName, column: &str) -> bool {
    let column = Ident::new(column);
    made_again_later(cx, "default", |n| {
        let NodeEnum::AlterTableStmt(s) = n else {
            return false;
        };
        s.relation.as_ref().is_some_and(|rv| names_table(rv, table))
            && alter_table_cmds(s).any(|c| {
                c.subtype() == pb::AlterTableType::AtColumnDefault
                    && c.def.is_some()
                    && Ident::new(c.name.as_str()) == column
            })
    })
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-drop-default";
    const CREATE: &str =
        "create table public.t (id bigint primary key, status text not null default 'new');";

    #[test]
    fn table_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t alter column status drop default;",
            ),
        ])
        .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-drop-default warning [public.t] dropping the default of column `status` of `public.t` makes inserts that leave it out write NULL or fail"
        );
    }

    #[test]
    fn table_created_earlier_in_the_same_file_is_quiet() {
        case(&format!(
            "{CREATE}\nalter table t alter status drop default;"
        ))
        .quiet(RULE);
    }

    #[test]
    fn column_added_earlier_in_the_same_file_is_quiet() {
        // The usual backfill: add with a default for existing rows, then drop it.
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add column source text not null default 'legacy';\n\
                 alter table public.t alter column source drop default;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn set_default_is_quiet() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t alter column status set default 'open';",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn each_column_and_unknown_tables_fire() {
        let out = case("alter table if exists legacy alter a drop default, alter b drop default;")
            .fires(RULE);
        assert_eq!(out.lines().count(), 2, "{out}");
    }

    #[test]
    fn domain_defaults_fire_unless_the_domain_is_new() {
        let create = "create domain public.status as text default 'new';";
        let out = files(&[
            ("1.sql", create),
            ("2.sql", "alter domain public.status drop default;"),
        ])
        .fires(RULE);
        assert!(out.contains("domain `public.status`"), "{out}");
        case(&format!("{create}\nalter domain status drop default;")).quiet(RULE);
        files(&[
            ("1.sql", create),
            ("2.sql", "alter domain public.status set default 'open';"),
        ])
        .quiet(RULE);
    }

    #[test]
    fn a_default_set_again_in_the_transaction_is_quiet() {
        crate::rules::testing::files(&[
            (
                "1.sql",
                "create table public.t (id bigint primary key, n int default 0);",
            ),
            (
                "2.sql",
                "begin;\nalter table public.t alter column n drop default;\n\
                 alter table public.t alter column n set default 1;\ncommit;",
            ),
        ])
        .quiet("ban-drop-default");
    }
}
