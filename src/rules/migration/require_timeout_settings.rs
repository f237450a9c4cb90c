//! A statement that locks an existing table before `lock_timeout` and `statement_timeout` are set. Docs: rules/require-timeout-settings.yaml.

use crate::rules::support::drops::report_lock_without;
use crate::rules::{StatementRule, StmtCtx};

pub struct RequireTimeoutSettings;

impl StatementRule for RequireTimeoutSettings {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let missing = match (
            cx.session.lock_timeout_set(),
            cx.session.statement_timeout_set(),
        ) {
            (true, true) => return,
            (false, false) => "neither `lock_timeout` nor `statement_timeout` is set",
            (false, true) => "`lock_timeout` is not set",
            (true, false) => "`statement_timeout` is not set",
        };
        report_lock_without(cx, missing);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "require-timeout-settings";
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
            "2.sql:1:1 require-timeout-settings warning [public.t] this statement locks `public.t` while neither `lock_timeout` nor `statement_timeout` is set"
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
    fn both_timeouts_set_first_is_quiet() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "set lock_timeout = '1s';\nset statement_timeout = '5s';\nalter table public.t add column m int;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn the_missing_timeout_is_named() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "set local lock_timeout = '1s';\nalter table public.t add column m int;",
            ),
        ])
        .fires(RULE);
        assert!(
            out.contains("while `statement_timeout` is not set"),
            "{out}"
        );
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "select set_config('statement_timeout', '5s', false);\ndrop table public.t;",
            ),
        ])
        .fires(RULE);
        assert!(out.contains("while `lock_timeout` is not set"), "{out}");
    }

    #[test]
    fn a_timeout_switched_off_again_counts_as_missing() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "set lock_timeout = '1s';\nset statement_timeout = '5s';\nset lock_timeout = 0;\ntruncate public.t;",
            ),
        ])
        .fires(RULE);
    }

    #[test]
    fn timeouts_do_not_carry_over_to_the_next_file() {
        files(&[
            (
                "1.sql",
                &format!("set lock_timeout = '1s';\nset statement_timeout = '5s';\n{CREATE}"),
            ),
            ("2.sql", "create index t_n_idx on public.t (n);"),
        ])
        .fires(RULE);
    }

    #[test]
    fn every_locking_statement_is_reported() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add column m int;\nalter table public.t add column o int;",
            ),
        ])
        .fires(RULE);
        assert_eq!(out.lines().count(), 2, "{out}");
    }

    #[test]
    fn concurrent_index_and_dml_are_quiet() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create index concurrently t_n_idx on public.t (n);\nupdate public.t set n = 0;\nselect * from public.t;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn new_table_referencing_an_existing_one_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create table public.c (id bigint primary key, t_id bigint references public.t (id));",
            ),
        ])
        .fires(RULE);
        assert!(out.contains("[public.t]"), "{out}");
    }

    #[test]
    fn new_table_referencing_itself_is_quiet() {
        case("create table public.c (id bigint primary key, parent bigint references public.c (id));")
            .quiet(RULE);
    }

    #[test]
    fn trigger_policy_and_drop_index_find_their_table() {
        let setup = "create table public.t (id bigint primary key, n int);\ncreate index t_n_idx on public.t (n);\ncreate function public.f() returns trigger language plpgsql as $$ begin return new; end $$;";
        for stmt in [
            "create trigger t_f before insert on public.t for each row execute function public.f();",
            "create policy p on public.t for select using (true);",
            "drop index public.t_n_idx;",
            "alter index public.t_n_idx set tablespace pg_default;",
            "drop trigger if exists tr on public.t;",
        ] {
            let out = files(&[("1.sql", setup), ("2.sql", stmt)]).fires(RULE);
            assert!(out.contains("[public.t]"), "{stmt}: {out}");
        }
        // SHARE UPDATE EXCLUSIVE on the index alone: reads and writes go on.
        for stmt in [
            "alter index public.t_n_idx rename to t_n_idx2;",
            "alter index public.t_n_idx set (fillfactor = 50);",
        ] {
            files(&[("1.sql", setup), ("2.sql", stmt)]).quiet(RULE);
        }
    }

    #[test]
    fn comment_on_a_relation_or_its_column_locks_it() {
        let setup = "create table public.t (id bigint primary key, n int constraint n_pos check (n > 0));\n\
                     create index t_n_idx on public.t (n);\n\
                     create view public.v as select id, n from public.t;\n\
                     create materialized view public.mv as select id from public.t;\n\
                     create type public.pair as (a int, b int);\n\
                     create function public.f() returns int language sql as $$ select 1 $$;";
        // SHARE UPDATE EXCLUSIVE on the relation (tests/locks.rs).
        for (stmt, object) in [
            ("comment on table public.t is 'orders';", "[public.t]"),
            ("comment on column public.t.n is 'count';", "[public.t]"),
            ("comment on view public.v is 'orders';", "[public.v]"),
            ("comment on column public.v.n is 'count';", "[public.v]"),
            (
                "comment on materialized view public.mv is 'ids';",
                "[public.mv]",
            ),
        ] {
            let out = files(&[("1.sql", setup), ("2.sql", stmt)]).fires(RULE);
            assert!(out.contains(object), "{stmt}: {out}");
        }
        // ACCESS SHARE on the table, a lock on the index alone, or on no
        // relation at all.
        for stmt in [
            "comment on constraint n_pos on public.t is 'positive';",
            "comment on index public.t_n_idx is 'by n';",
            "comment on column public.pair.a is 'first';",
            "comment on function public.f() is 'one';",
            "comment on schema public is 'app';",
        ] {
            files(&[("1.sql", setup), ("2.sql", stmt)]).quiet(RULE);
        }
        // A table made earlier in the same file is new.
        case("create table public.u (id bigint);\ncomment on table public.u is 'new';").quiet(RULE);
    }

    #[test]
    fn plain_vacuum_locks_each_table_it_names_or_every_table() {
        let setup = "create table public.t (id bigint primary key, n int);";
        for (stmt, object) in [
            ("vacuum public.t;", "[public.t]"),
            ("vacuum (analyze) public.t;", "[public.t]"),
            ("vacuum (full false) public.t;", "[public.t]"),
            ("vacuum;", "[pg_database.current_database]"),
        ] {
            let out = files(&[("1.sql", setup), ("2.sql", stmt)]).fires(RULE);
            assert!(out.contains(object), "{stmt}: {out}");
        }
        case("create table public.u (id bigint);\nvacuum public.u;").quiet(RULE);
    }

    #[test]
    fn reindex_of_an_index_pgvet_has_not_seen_locks_its_table() {
        let out = case("reindex index legacy_idx;").fires(RULE);
        assert!(
            out.contains(
                "[public.legacy_idx] this statement locks the table of index `public.legacy_idx`"
            ),
            "{out}"
        );
        case("reindex (concurrently false) index app.legacy_idx;").fires(RULE);
        case("reindex index concurrently legacy_idx;").quiet(RULE);
        // An index built earlier in the same file sits on a table it knows.
        case("create table public.u (id bigint);\ncreate index u_id on public.u (id);\nreindex index u_id;")
            .quiet(RULE);
    }

    #[test]
    fn unknown_table_counts_as_existing() {
        case("alter table legacy add column m int;").fires(RULE);
    }

    #[test]
    fn size_from_the_database_sets_the_severity() {
        let out = case("alter table public.t add column m int;")
            .live(&[("public", "t", 2_500_000.0, 400 << 20)])
            .fires(RULE);
        assert!(
            out.contains(" error ") && out.contains("2,500,000 rows"),
            "{out}"
        );
    }

    #[test]
    fn off_by_default() {
        assert_eq!(
            crate::rules::find(RULE).map(|r| r.doc.default_enabled),
            Some(false)
        );
    }
}
