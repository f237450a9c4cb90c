//! `REFRESH MATERIALIZED VIEW` without CONCURRENTLY on a view that existed before the file. Docs: rules/require-concurrent-refresh.yaml.

use pg_query::NodeEnum;

use crate::rules::{StatementRule, StmtCtx};

pub struct RequireConcurrentRefresh;

impl StatementRule for RequireConcurrentRefresh {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let NodeEnum::RefreshMatViewStmt(s) = &cx.stmt.node else {
            return;
        };
        // WITH NO DATA runs no query (and cannot be CONCURRENTLY).
        if s.concurrent || s.skip_data {
            return;
        }
        let Some(rv) = s.relation.as_ref() else {
            return;
        };
        let view = cx.table(rv);
        let message = format!(
            "refreshing `{}` without CONCURRENTLY holds an ACCESS EXCLUSIVE lock on it while \
             its query runs again: every read of the view waits until the refresh commits",
            view.name
        );
        cx.report_lock(&view, Some(cx.stmt.span), message);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "require-concurrent-refresh";
    const CREATE: &str = "create table public.t (id bigint primary key, n int);\n\
        create materialized view public.totals as select n, count(*) as c from public.t group by n;\n\
        create unique index totals_n on public.totals (n);";

    #[test]
    fn view_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "refresh materialized view public.totals;"),
        ])
        .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 require-concurrent-refresh warning [public.totals] refreshing `public.totals` without CONCURRENTLY holds an ACCESS EXCLUSIVE lock on it while its query runs again: every read of the view waits until the refresh commits"
        );
    }

    #[test]
    fn concurrently_and_with_no_data_are_quiet() {
        for stmt in [
            "refresh materialized view concurrently public.totals;",
            "refresh materialized view public.totals with no data;",
        ] {
            files(&[("1.sql", CREATE), ("2.sql", stmt)]).quiet(RULE);
        }
    }

    #[test]
    fn view_created_earlier_in_the_same_file_is_quiet() {
        case(&format!(
            "{CREATE}\nrefresh materialized view public.totals;"
        ))
        .quiet(RULE);
    }

    #[test]
    fn a_view_no_migration_made_fires() {
        case("refresh materialized view legacy_totals;").fires(RULE);
    }

    #[test]
    fn size_from_the_database_sets_the_severity() {
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "refresh materialized view public.totals;"),
        ])
        .live(&[("public", "totals", 5_000_000.0, 900 << 20)])
        .fires(RULE);
        assert!(
            out.contains(" error ") && out.contains("5,000,000 rows"),
            "{out}"
        );
    }
}
