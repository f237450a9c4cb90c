//! A psql meta-command (`\set`, `\i`, `\connect`, ...) in a migration file.
//! Docs: rules/psql-meta-command.yaml.
//!
//! Meta-commands are not SQL: the splitter leaves them out of the statements
//! so that no statement rule ever sees one. The findings are therefore made
//! while splitting, by `crate::passes::psql::findings` (called by
//! `lint_sources`); this entry gives the rule its id, docs and severity.

use crate::rules::{StatementRule, StmtCtx};

pub struct PsqlMetaCommand;

impl StatementRule for PsqlMetaCommand {
    fn check(&self, _cx: &mut StmtCtx<'_>) {}
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, quiet};

    const RULE: &str = "psql-meta-command";

    #[test]
    fn each_meta_command_is_reported_and_the_sql_around_it_is_linted() {
        let sql =
            "\\set ON_ERROR_STOP on\ncreate table a (id bigint);\n\\i seed.sql\n\\connect other\n";
        assert_eq!(
            case(sql).fires(RULE),
            "test.sql:1:1 psql-meta-command info [test.sql] psql meta-command `\\set ON_ERROR_STOP on` is not SQL and was skipped\n\
             test.sql:3:1 psql-meta-command info [test.sql] psql meta-command `\\i seed.sql` is not SQL and was skipped; \
             the file it includes is not linted unless it is given to pgvet too\n\
             test.sql:4:1 psql-meta-command info [test.sql] psql meta-command `\\connect other` is not SQL and was skipped; \
             the statements after it are linted as if they ran in the same database"
        );
        assert_eq!(case(sql).run("table-without-primary-key").len(), 1);
    }

    #[test]
    fn long_commands_are_cut_and_the_severity_follows_the_config() {
        let sql = format!("\\echo {}\nselect 1;\n", "x".repeat(100));
        let found = case(&sql)
            .config("rules:\n  psql-meta-command: warning\n")
            .fires(RULE);
        assert!(found.contains(" warning "), "{found}");
        assert!(
            found.contains(&format!("`\\echo {}…`", "x".repeat(54))),
            "{found}"
        );
    }

    #[test]
    fn backslashes_in_strings_and_bodies_are_quiet() {
        quiet(
            RULE,
            "select 'C:\\temp', e'\\n';\ncreate function f() returns text language sql as $$ select '\\i x' $$;",
        );
    }

    #[test]
    fn copy_data_is_skipped_without_a_finding() {
        quiet(
            RULE,
            "create table t (id bigint primary key, note text);\ncopy t (id, note) from stdin;\n1\tit's\n\\.\n",
        );
    }
}
