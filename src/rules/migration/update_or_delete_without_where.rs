//! `UPDATE` or `DELETE` without WHERE on a table made before the file. Docs: rules/update-or-delete-without-where.yaml.

use pg_query::NodeEnum;

use crate::rules::{StatementRule, StmtCtx};

pub struct UpdateOrDeleteWithoutWhere;

impl StatementRule for UpdateOrDeleteWithoutWhere {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let span = Some(cx.stmt.span);
        match &cx.stmt.node {
            NodeEnum::UpdateStmt(s) if s.where_clause.is_none() => {
                let Some(rv) = s.relation.as_ref() else {
                    return;
                };
                let table = cx.table(rv);
                let message = format!(
                    "this UPDATE has no WHERE: it writes a new version of every row of `{}` in \
                     one transaction, and concurrent writes to those rows wait until it commits",
                    table.name
                );
                cx.report_lock(&table, span, message);
            }
            NodeEnum::DeleteStmt(s) if s.where_clause.is_none() => {
                let Some(rv) = s.relation.as_ref() else {
                    return;
                };
                let table = cx.table(rv);
                let message = format!(
                    "this DELETE has no WHERE: it removes every row of `{}`, and concurrent \
                     writes to those rows wait until it commits",
                    table.name
                );
                cx.report_unless_new(&table, span, message);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "update-or-delete-without-where";
    const CREATE: &str = "create table public.t (id bigint primary key, n int);";

    fn later(sql: &str) -> crate::rules::testing::Case {
        files(&[("1.sql", CREATE), ("2.sql", sql)])
    }

    #[test]
    fn update_and_delete_without_where_fire() {
        let out = later("update public.t set n = 0;").fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 update-or-delete-without-where warning [public.t] this UPDATE has no WHERE: it writes a new version of every row of `public.t` in one transaction, and concurrent writes to those rows wait until it commits"
        );
        let out = later("delete from public.t;").fires(RULE);
        assert!(out.contains("removes every row of `public.t`"), "{out}");
        // A join without WHERE still reaches every row.
        later("update public.t set n = u.n from (select 1 as n) u;").fires(RULE);
    }

    #[test]
    fn quiet_cases() {
        later("update public.t set n = 0 where n is null;\ndelete from public.t where n < 0;")
            .quiet(RULE);
        case(&format!("{CREATE}\ninsert into public.t values (1, 1);\nupdate public.t set n = 0;\ndelete from public.t;"))
            .quiet(RULE);
        // Emptied earlier in the transaction: nothing left to touch.
        later("truncate public.t;\nupdate public.t set n = 0;").quiet(RULE);
    }

    #[test]
    fn size_from_the_database_sets_the_update_severity() {
        let out = later("update public.t set n = 0;")
            .live(&[("public", "t", 3.0, 8192)])
            .fires(RULE);
        assert!(
            out.contains(" info ") && out.contains("has about 3 rows"),
            "{out}"
        );
    }
}
