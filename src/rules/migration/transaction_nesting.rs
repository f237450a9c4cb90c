//! `BEGIN` inside an open transaction, `COMMIT`/`ROLLBACK` of the migration tool's transaction. Docs: rules/transaction-nesting.yaml.

use pg_query::protobuf::TransactionStmtKind as K;
use pg_query::NodeEnum;

use crate::rules::{StatementRule, StmtCtx};

pub struct TransactionNesting;

impl StatementRule for TransactionNesting {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let NodeEnum::TransactionStmt(t) = &cx.stmt.node else {
            return;
        };
        let span = Some(cx.stmt.span);
        let message = match K::try_from(t.kind) {
            Ok(kind @ (K::TransStmtBegin | K::TransStmtStart)) => {
                let word = keyword(kind);
                if cx.session.explicit_transaction().is_some() {
                    // PostgreSQL only warns and keeps the one transaction, so
                    // the inner COMMIT ends the outer block too.
                    format!(
                        "`{word}` while a transaction opened by an earlier `BEGIN` is still open"
                    )
                } else if cx.session.tool_wraps_file() {
                    format!(
                        "`{word}` inside the transaction the migration tool opens around each file"
                    )
                } else {
                    return;
                }
            }
            Ok(kind @ (K::TransStmtCommit | K::TransStmtRollback | K::TransStmtPrepare)) => {
                let word = keyword(kind);
                if cx.session.tool_wraps_file() {
                    format!(
                        "`{word}` ends the migration tool's transaction before the end of the file"
                    )
                } else if cx.session.explicit_transaction().is_none() {
                    format!("`{word}` with no transaction open")
                } else {
                    return;
                }
            }
            _ => return,
        };
        cx.report(&cx.file.to_string(), span, message);
    }
}

fn keyword(kind: K) -> &'static str {
    match kind {
        K::TransStmtStart => "START TRANSACTION",
        K::TransStmtCommit => "COMMIT",
        K::TransStmtRollback => "ROLLBACK",
        K::TransStmtPrepare => "PREPARE TRANSACTION",
        _ => "BEGIN",
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "transaction-nesting";

    #[test]
    fn begin_and_commit_in_a_file_the_tool_wraps_fire() {
        let out =
            case("begin;\ncreate table public.t (id bigint primary key);\ncommit;").fires(RULE);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2, "{out}");
        assert!(
            lines[0].starts_with("test.sql:1:1 ") && lines[0].contains("`BEGIN` inside"),
            "{out}"
        );
        assert!(
            lines[1].starts_with("test.sql:3:1 ") && lines[1].contains("`COMMIT` ends"),
            "{out}"
        );
    }

    #[test]
    fn commit_alone_in_a_file_the_tool_wraps_fires() {
        let out = case("create table public.t (id bigint primary key);\nrollback;").fires(RULE);
        assert!(
            out.contains("`ROLLBACK` ends the migration tool's transaction"),
            "{out}"
        );
    }

    #[test]
    fn one_begin_commit_on_plain_postgres_is_quiet() {
        case("begin;\ncreate table t (id bigint primary key);\ncommit;")
            .postgres()
            .quiet(RULE);
    }

    #[test]
    fn two_blocks_one_after_the_other_on_plain_postgres_are_quiet() {
        case("begin;\nselect 1;\ncommit;\nstart transaction;\nselect 2;\nend;")
            .postgres()
            .quiet(RULE);
    }

    #[test]
    fn nested_begin_on_plain_postgres_fires() {
        let out = case("begin;\nbegin;\nselect 1;\ncommit;")
            .postgres()
            .fires(RULE);
        assert!(out.starts_with("test.sql:2:1 "), "{out}");
        assert!(out.contains("earlier `BEGIN` is still open"), "{out}");
        assert_eq!(out.lines().count(), 1, "{out}");
    }

    #[test]
    fn commit_without_a_transaction_on_plain_postgres_fires() {
        let out = case("begin;\nselect 1;\ncommit;\ncommit;")
            .postgres()
            .fires(RULE);
        assert!(
            out.starts_with("test.sql:4:1 ") && out.contains("no transaction open"),
            "{out}"
        );
    }

    #[test]
    fn per_file_mode_from_config_applies_to_plain_postgres() {
        case("begin;\nselect 1;\ncommit;")
            .postgres()
            .config("migrations:\n  transaction: per-file\n")
            .fires(RULE);
    }

    #[test]
    fn savepoints_are_quiet() {
        case(
            "savepoint a;\nselect 1;\nrelease savepoint a;\nsavepoint b;\nrollback to savepoint b;",
        )
        .quiet(RULE);
    }

    #[test]
    fn each_file_starts_outside_any_explicit_block() {
        files(&[
            ("1.sql", "begin;\nselect 1;"),
            ("2.sql", "begin;\nselect 2;\ncommit;"),
        ])
        .postgres()
        .quiet(RULE);
    }
}
