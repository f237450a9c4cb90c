//! `ALTER DATABASE` changing a database's settings or connection options.
//! Docs: rules/ban-alter-database-options.yaml.

use pg_query::NodeEnum;

use crate::catalog::{Ident, QualifiedName};
use crate::rules::support::changes::setting_change;
use crate::rules::{StatementRule, StmtCtx};
use crate::sql::ast;

pub struct BanAlterDatabaseOptions;

impl StatementRule for BanAlterDatabaseOptions {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let (database, message) = match &cx.stmt.node {
            NodeEnum::AlterDatabaseSetStmt(s) => {
                let Some(set) = s.setstmt.as_ref() else { return };
                let db = Ident::new(s.dbname.as_str());
                let message = format!(
                    "{} for database `{db}` changes every new session on it",
                    setting_change(set)
                );
                (db, message)
            }
            NodeEnum::AlterDatabaseStmt(s) => {
                // SET TABLESPACE moves files; it changes no session.
                let options: Vec<String> = ast::def_elems(&s.options)
                    .filter(|d| d.defname != "tablespace")
                    .map(|d| format!("`{}`", d.defname.replace('_', " ").to_ascii_uppercase()))
                    .collect();
                if options.is_empty() {
                    return;
                }
                let db = Ident::new(s.dbname.as_str());
                let message = format!(
                    "changing {} of database `{db}` changes which connections it accepts",
                    options.join(", ")
                );
                (db, message)
            }
            _ => return,
        };
        cx.report(
            &QualifiedName::new("pg_database", database),
            Some(cx.stmt.span),
            message,
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::case;

    const RULE: &str = "ban-alter-database-options";

    #[test]
    fn settings_and_connection_options_fire() {
        let out = case("alter database postgres set statement_timeout = '10s';").fires(RULE);
        assert_eq!(
            out,
            "test.sql:1:1 ban-alter-database-options warning [pg_database.postgres] setting `statement_timeout` for database `postgres` changes every new session on it"
        );
        let out = case("alter database app connection limit 50;").fires(RULE);
        assert!(out.contains("`CONNECTION LIMIT` of database `app`"), "{out}");
        case("alter database app reset all;").fires(RULE);
    }

    #[test]
    fn owner_rename_and_tablespace_are_not_this_rule() {
        case("alter database app owner to postgres;\nalter database app rename to app2;\nalter database app set tablespace fast;")
            .quiet(RULE);
    }

    #[test]
    fn off_by_default() {
        assert_eq!(
            crate::rules::find(RULE).map(|r| r.doc.default_enabled),
            Some(false)
        );
    }
}
