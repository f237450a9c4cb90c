//! A migration file that ends inside its own `BEGIN`. Docs: rules/ban-uncommitted-transaction.yaml.

use crate::rules::{FileEndCtx, StatementRule, StmtCtx};

pub struct BanUncommittedTransaction;

impl StatementRule for BanUncommittedTransaction {
    fn check(&self, _cx: &mut StmtCtx<'_>) {}

    fn check_end_of_file(&self, cx: &mut FileEndCtx<'_>) {
        // The session keeps the outermost open BEGIN, which is the one that
        // is never ended (an inner BEGIN only warns in PostgreSQL).
        let Some(begin) = cx.session.explicit_transaction() else {
            return;
        };
        cx.report(
            &cx.file.to_string(),
            Some(begin),
            "the transaction this `BEGIN` opens is never committed or rolled back in the file"
                .to_string(),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-uncommitted-transaction";

    #[test]
    fn begin_without_commit_fires_at_the_begin() {
        let out = case("select 1;\nbegin;\ncreate table public.t (id bigint primary key);")
            .postgres()
            .fires(RULE);
        assert!(
            out.starts_with("test.sql:2:1 ban-uncommitted-transaction "),
            "{out}"
        );
    }

    #[test]
    fn start_transaction_without_commit_fires() {
        case("start transaction;\nselect 1;").postgres().fires(RULE);
    }

    #[test]
    fn begin_in_a_file_the_tool_wraps_fires_too() {
        case("begin;\ncreate table public.t (id bigint primary key);").fires(RULE);
    }

    #[test]
    fn committed_and_rolled_back_blocks_are_quiet() {
        case("begin;\nselect 1;\ncommit;").postgres().quiet(RULE);
        case("begin;\nselect 1;\nrollback;").postgres().quiet(RULE);
        case("begin;\nselect 1;\nend;").postgres().quiet(RULE);
    }

    #[test]
    fn no_begin_is_quiet() {
        case("create table public.t (id bigint primary key);").quiet(RULE);
    }

    #[test]
    fn only_the_last_block_open_at_the_end_fires() {
        let out = case("begin;\nselect 1;\ncommit;\nbegin;\nselect 2;")
            .postgres()
            .fires(RULE);
        assert!(out.starts_with("test.sql:4:1 "), "{out}");
        assert_eq!(out.lines().count(), 1, "{out}");
    }

    #[test]
    fn nested_begin_closed_once_is_quiet() {
        case("begin;\nbegin;\ncommit;").postgres().quiet(RULE);
    }

    #[test]
    fn the_next_file_is_not_affected() {
        let out = files(&[
            ("1.sql", "begin;\nselect 1;"),
            ("2.sql", "select 2;"),
            ("3.sql", "begin;\nselect 3;\ncommit;"),
        ])
        .postgres()
        .fires(RULE);
        assert!(out.starts_with("1.sql:1:1 "), "{out}");
        assert_eq!(out.lines().count(), 1, "{out}");
    }
}
