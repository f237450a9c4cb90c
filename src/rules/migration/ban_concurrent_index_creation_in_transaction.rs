//! `CREATE INDEX CONCURRENTLY` inside a transaction block. Docs: rules/ban-concurrent-index-creation-in-transaction.yaml.

use pg_query::NodeEnum;

use crate::rules::{StatementRule, StmtCtx};

pub struct BanConcurrentIndexCreationInTransaction;

impl StatementRule for BanConcurrentIndexCreationInTransaction {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let NodeEnum::IndexStmt(s) = &cx.stmt.node else {
            return;
        };
        // The session already knows which statements the migration tool
        // lifts out of its per-file transaction (the Supabase CLI does so
        // for this one), so this is the transaction the statement runs in.
        if !s.concurrent || !cx.in_transaction() {
            return;
        }
        let Some(rv) = s.relation.as_ref() else {
            return;
        };
        let table = cx.table(rv).name;
        let block = if cx.session.explicit_transaction().is_some() {
            "the transaction opened by BEGIN"
        } else if cx.session.tool_wraps_file() {
            "the transaction the migration tool wraps around the file"
        } else {
            "the implicit transaction of a file the migration tool sends as one query"
        };
        let message = format!(
            "`CREATE INDEX CONCURRENTLY` on `{table}` runs inside {block}, and PostgreSQL refuses it there"
        );
        cx.report(&table, Some(cx.stmt.span), message);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::case;

    const RULE: &str = "ban-concurrent-index-creation-in-transaction";
    const PER_FILE: &str = "migrations:\n  transaction: per-file\n";

    #[test]
    fn supabase_per_file_transaction_is_quiet() {
        // The Supabase CLI runs CREATE INDEX CONCURRENTLY outside the file's transaction.
        case("create table public.t (id bigint primary key, n int);\ncreate index concurrently t_n_idx on public.t (n);")
            .quiet(RULE);
    }

    #[test]
    fn supabase_explicit_begin_fires() {
        let out =
            case("begin;\ncreate index concurrently t_n_idx on public.t (n);\ncommit;").fires(RULE);
        assert!(out.starts_with("test.sql:2:1 "), "{out}");
        assert!(
            out.contains(" error ")
                && out.contains("opened by BEGIN")
                && out.contains("[public.t]"),
            "{out}"
        );
    }

    #[test]
    fn supabase_after_commit_is_quiet() {
        case("begin;\nselect 1;\ncommit;\ncreate index concurrently t_n_idx on public.t (n);")
            .quiet(RULE);
    }

    #[test]
    fn postgres_per_file_transaction_fires() {
        let out = case("create index concurrently t_n_idx on t (n);")
            .postgres()
            .config(PER_FILE)
            .fires(RULE);
        assert!(
            out.contains("migration tool wraps around the file"),
            "{out}"
        );
    }

    #[test]
    fn postgres_without_transaction_is_quiet() {
        case("create index concurrently t_n_idx on t (n);")
            .postgres()
            .quiet(RULE);
    }

    #[test]
    fn postgres_explicit_begin_fires() {
        case("begin;\ncreate index concurrently t_n_idx on t (n);\ncommit;")
            .postgres()
            .fires(RULE);
    }

    #[test]
    fn plain_create_index_in_a_transaction_is_quiet() {
        case("begin;\ncreate index t_n_idx on public.t (n);\ncommit;").quiet(RULE);
    }

    #[test]
    fn a_level_set_in_config_wins() {
        let out = case("begin;\ncreate index concurrently t_n_idx on public.t (n);\ncommit;")
            .config("rules:\n  ban-concurrent-index-creation-in-transaction: warning\n")
            .fires(RULE);
        assert!(out.contains(" warning "), "{out}");
    }
}
