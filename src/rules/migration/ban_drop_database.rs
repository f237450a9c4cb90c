//! `DROP DATABASE` in a migration. Docs: rules/ban-drop-database.yaml.

use pg_query::NodeEnum;

use crate::catalog::{Ident, QualifiedName};
use crate::rules::{StatementRule, StmtCtx};

pub struct BanDropDatabase;

impl StatementRule for BanDropDatabase {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let NodeEnum::DropdbStmt(s) = &cx.stmt.node else {
            return;
        };
        let database = Ident::new(s.dbname.clone());
        // A database belongs to the cluster, not to a schema; findings name
        // objects schema-qualified, so it is named as a row of pg_database.
        let object = QualifiedName::new("pg_database", database.clone());
        // Without FORCE, PostgreSQL refuses while anyone is connected to it.
        let force = s.options.iter().any(|o| {
            matches!(&o.node, Some(NodeEnum::DefElem(d)) if d.defname.eq_ignore_ascii_case("force"))
        });
        let sessions = if force {
            ", and FORCE ends the sessions connected to it"
        } else {
            ""
        };
        cx.report(
            &object,
            Some(cx.stmt.span),
            format!("dropping database `{database}` deletes every schema, table and row in it{sessions}"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::case;

    const RULE: &str = "ban-drop-database";

    #[test]
    fn drop_database_fires() {
        let out = case("drop database old_app;").fires(RULE);
        assert_eq!(
            out,
            "test.sql:1:1 ban-drop-database warning [pg_database.old_app] dropping database `old_app` deletes every schema, table and row in it"
        );
    }

    #[test]
    fn if_exists_and_force_still_fire() {
        let out = case("drop database if exists \"Staging\" with (force);").fires(RULE);
        assert!(
            out.contains("database `\"Staging\"`")
                && out.ends_with("FORCE ends the sessions connected to it"),
            "{out}"
        );
    }

    #[test]
    fn plain_postgres_fires_too() {
        case("drop database old_app;").postgres().fires(RULE);
    }

    #[test]
    fn dropping_a_schema_or_table_is_not_this_rule() {
        case("create schema scratch;\ndrop schema scratch cascade;\ndrop table if exists t;")
            .quiet(RULE);
    }
}
