//! A statement that locks an existing table before `statement_timeout` is set. Docs: rules/require-statement-timeout.yaml.

use crate::rules::support::drops::report_lock_without;
use crate::rules::{StatementRule, StmtCtx};

pub struct RequireStatementTimeout;

impl StatementRule for RequireStatementTimeout {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        if !cx.session.statement_timeout_set() {
            report_lock_without(cx, "`statement_timeout` is not set");
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "require-statement-timeout";
    const CREATE: &str = "create table public.t (id bigint primary key, n int);";

    #[test]
    fn table_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter table public.t add column m int;"),
        ])
        .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 require-statement-timeout warning [public.t] this statement locks `public.t` while `statement_timeout` is not set"
        );
    }

    #[test]
    fn table_created_earlier_in_the_same_file_is_quiet() {
        case(&format!(
            "{CREATE}\nalter table public.t add column m int;\ncreate index on public.t (n);"
        ))
        .quiet(RULE);
    }

    #[test]
    fn statement_timeout_alone_is_enough() {
        for set in [
            "set statement_timeout = '2s';",
            "set statement_timeout to 2000;",
            "set local statement_timeout = '2s';",
            "select set_config('statement_timeout', '2s', false);",
        ] {
            files(&[
                ("1.sql", CREATE),
                (
                    "2.sql",
                    &format!("{set}\nalter table public.t add column m int;"),
                ),
            ])
            .quiet(RULE);
        }
    }

    #[test]
    fn lock_timeout_alone_is_not_enough() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "set lock_timeout = '2s';\nalter table public.t add column m int;",
            ),
        ])
        .fires(RULE);
    }

    #[test]
    fn zero_reset_and_default_mean_no_timeout() {
        for set in [
            "set statement_timeout = 0;",
            "set statement_timeout = '0ms';",
            "set statement_timeout = '2s';\nreset statement_timeout;",
            "set statement_timeout = '2s';\nset statement_timeout to default;",
            "set statement_timeout = '2s';\nreset all;",
        ] {
            files(&[
                ("1.sql", CREATE),
                ("2.sql", &format!("{set}\ntruncate public.t;")),
            ])
            .fires(RULE);
        }
    }

    #[test]
    fn set_local_ends_with_its_transaction() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "begin;\nset local statement_timeout = '2s';\ncommit;\nalter table public.t add column m int;",
            ),
        ])
        .postgres()
        .fires(RULE);
    }

    #[test]
    fn set_after_the_statement_is_too_late() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add column m int;\nset statement_timeout = '2s';",
            ),
        ])
        .fires(RULE);
    }

    #[test]
    fn ddl_that_locks_no_existing_table_is_quiet() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create table public.u (id bigint primary key);\ncreate view public.v as select id from public.t;\ncreate index concurrently t_n_idx on public.t (n);",
            ),
        ])
        .postgres()
        .quiet(RULE);
    }

    #[test]
    fn timeouts_do_not_carry_over_to_the_next_file() {
        files(&[
            ("1.sql", &format!("set statement_timeout = '2s';\n{CREATE}")),
            ("2.sql", "create index t_n_idx on public.t (n);"),
        ])
        .fires(RULE);
    }

    #[test]
    fn off_by_default() {
        assert_eq!(
            crate::rules::find(RULE).map(|r| r.doc.default_enabled),
            Some(false)
        );
    }
}
