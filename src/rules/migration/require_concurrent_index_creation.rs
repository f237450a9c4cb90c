//! `CREATE INDEX` without CONCURRENTLY on an existing table. Docs: rules/require-concurrent-index-creation.yaml.

use pg_query::NodeEnum;

use crate::rules::{StatementRule, StmtCtx};

pub struct RequireConcurrentIndexCreation;

impl StatementRule for RequireConcurrentIndexCreation {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let NodeEnum::IndexStmt(s) = &cx.stmt.node else {
            return;
        };
        let Some(rv) = s.relation.as_ref().filter(|_| !s.concurrent) else {
            return;
        };
        let table = cx.table(rv);
        let span = Some(cx.stmt.span);
        let what = if s.idxname.is_empty() {
            "an index".to_string()
        } else {
            format!("index `{}`", s.idxname)
        };
        cx.report_lock(
            &table,
            span,
            format!(
                "creating {what} without CONCURRENTLY blocks writes to `{}` until it is built",
                table.name
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "require-concurrent-index-creation";

    #[test]
    fn table_from_an_earlier_file_fires() {
        let out = files(&[
            (
                "1_create.sql",
                "create table public.t (id bigint primary key, n int);",
            ),
            ("2_index.sql", "create index t_n_idx on public.t (n);"),
        ])
        .fires(RULE);
        assert!(out.starts_with("2_index.sql:1:1 "), "{out}");
        assert!(
            out.contains("index `t_n_idx`") && out.contains("`public.t`"),
            "{out}"
        );
    }

    #[test]
    fn table_created_earlier_in_the_same_file_is_quiet() {
        case("create table public.t (id bigint primary key, n int);\ncreate index t_n_idx on public.t (n);")
            .quiet(RULE);
    }

    #[test]
    fn a_table_a_required_column_proved_empty_is_quiet() {
        // ADD COLUMN ... NOT NULL without a default fails on a table with a
        // row: in the same transaction the table is still empty after it.
        let earlier = (
            "1_create.sql",
            "create table public.t (id bigint primary key, n int);",
        );
        files(&[
            earlier,
            ("2.sql", "alter table public.t add column email text not null;\ncreate index t_n_idx on public.t (n);"),
        ])
        .quiet(RULE);
        // A column something fills proves nothing.
        for filled in [
            "email text not null default ''",
            "id2 bigint generated always as identity",
            "n2 serial not null",
            "email text",
        ] {
            files(&[
                earlier,
                (
                    "2.sql",
                    &format!("alter table public.t add column {filled};\ncreate index t_n_idx on public.t (n);"),
                ),
            ])
            .fires(RULE);
        }
        // Outside a transaction rows can come back in between.
        files(&[
            earlier,
            ("2.sql", "alter table public.t add column email text not null;\ncreate index t_n_idx on public.t (n);"),
        ])
        .postgres()
        .fires(RULE);
    }

    #[test]
    fn concurrently_is_quiet() {
        files(&[
            (
                "1.sql",
                "create table public.t (id bigint primary key, n int);",
            ),
            (
                "2.sql",
                "create index concurrently t_n_idx on public.t (n);",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn plain_postgres_same_file_is_quiet_too() {
        case("create table t (id bigint primary key, n int);\ncreate index on t (n);")
            .postgres()
            .quiet(RULE);
    }

    #[test]
    fn unknown_table_counts_as_existing() {
        case("create index t_n_idx on legacy (n);").fires(RULE);
    }

    #[test]
    fn size_from_the_database_sets_the_severity() {
        let big = case("create index t_n_idx on public.t (n);")
            .live(&[("public", "t", 2_500_000.0, 400 << 20)])
            .fires(RULE);
        assert!(
            big.contains(" error ") && big.contains("has about 2,500,000 rows (400 MB)"),
            "{big}"
        );
        let tiny = case("create index t_n_idx on public.t (n);")
            .live(&[("public", "t", 12.0, 16 << 10)])
            .fires(RULE);
        assert!(
            tiny.contains(" info ") && tiny.contains("has about 12 rows (16 kB)"),
            "{tiny}"
        );
        let middle = case("create index t_n_idx on public.t (n);")
            .live(&[("public", "t", 5_000.0, 2 << 20)])
            .fires(RULE);
        assert!(middle.contains(" warning "), "{middle}");
    }

    #[test]
    fn table_not_deployed_yet_is_info() {
        let out = files(&[
            (
                "1.sql",
                "create table public.t (id bigint primary key, n int);",
            ),
            ("2.sql", "create index t_n_idx on public.t (n);"),
        ])
        .live(&[("public", "other", 1.0, 8192)])
        .fires(RULE);
        assert!(
            out.contains(" info ") && out.contains("not in the database yet"),
            "{out}"
        );
    }

    #[test]
    fn a_level_set_in_config_wins_over_size() {
        let out = case("create index t_n_idx on public.t (n);")
            .config("rules:\n  require-concurrent-index-creation: warning\n")
            .live(&[("public", "t", 2_500_000.0, 400 << 20)])
            .fires(RULE);
        assert!(out.contains(" warning "), "{out}");
    }
}
