//! A statement that locks an existing table before `lock_timeout` is set. Docs: rules/require-lock-timeout.yaml.

use crate::rules::support::drops::report_lock_without;
use crate::rules::{StatementRule, StmtCtx};

pub struct RequireLockTimeout;

impl StatementRule for RequireLockTimeout {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        if !cx.session.lock_timeout_set() {
            report_lock_without(cx, "`lock_timeout` is not set");
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "require-lock-timeout";
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
            "2.sql:1:1 require-lock-timeout warning [public.t] this statement locks `public.t` while `lock_timeout` is not set"
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
    fn lock_timeout_alone_is_enough() {
        for set in [
            "set lock_timeout = '2s';",
            "set lock_timeout to 2000;",
            "set local lock_timeout = '2s';",
            "select set_config('lock_timeout', '2s', false);",
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
    fn statement_timeout_alone_is_not_enough() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "set statement_timeout = '5s';\nalter table public.t add column m int;",
            ),
        ])
        .fires(RULE);
    }

    #[test]
    fn zero_reset_and_default_mean_no_timeout() {
        for set in [
            "set lock_timeout = 0;",
            "set lock_timeout = '0ms';",
            "set lock_timeout = '2s';\nreset lock_timeout;",
            "set lock_timeout = '2s';\nset lock_timeout to default;",
            "set lock_timeout = '2s';\nreset all;",
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
                "begin;\nset local lock_timeout = '2s';\ncommit;\nalter table public.t add column m int;",
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
                "alter table public.t add column m int;\nset lock_timeout = '2s';",
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
            ("1.sql", &format!("set lock_timeout = '2s';\n{CREATE}")),
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
