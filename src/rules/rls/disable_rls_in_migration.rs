//! `ALTER TABLE ... DISABLE ROW LEVEL SECURITY` in a migration. Docs: rules/disable-rls-in-migration.yaml.

use pg_query::protobuf::AlterTableType;
use pg_query::NodeEnum;

use crate::catalog::resolve;
use crate::rules::{StatementRule, StmtCtx};

pub struct DisableRlsInMigration;

impl StatementRule for DisableRlsInMigration {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let NodeEnum::AlterTableStmt(s) = &cx.stmt.node else {
            return;
        };
        let disables = s.cmds.iter().any(|c| {
            matches!(&c.node, Some(NodeEnum::AlterTableCmd(cmd)) if cmd.subtype() == AlterTableType::AtDisableRowSecurity)
        });
        let Some(rv) = s.relation.as_ref().filter(|_| disables) else {
            return;
        };
        let schema = (!rv.schemaname.is_empty()).then_some(rv.schemaname.as_str());
        // A table that does not exist at this point is undefined-object's:
        // PostgreSQL stops at the statement, no policy is ignored.
        let Ok(name) = resolve::relation(cx.catalog, cx.search_path, schema, &rv.relname) else {
            return;
        };
        // A schema the API does not reach keeps its rows to the backend anyway.
        if !cx.catalog.is_exposed(&name.schema) && !cx.catalog.is_platform_schema(&name.schema) {
            return;
        }
        let span = Some(cx.stmt.span);
        cx.report(
            &name,
            span,
            format!("migration disables row level security on `{name}`, ignoring its policies"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet};

    #[test]
    fn a_table_that_does_not_exist_yet_is_undefined_objects() {
        quiet(
            "disable-rls-in-migration",
            "alter table public.later disable row level security;\ncreate table public.later (id int primary key);",
        );
    }

    #[test]
    fn disable_fires_at_the_statement() {
        let out = fires(
            "disable-rls-in-migration",
            "create table public.t (id int primary key);\nalter table public.t enable row level security;\nalter table t disable row level security;",
        );
        assert!(out.starts_with("test.sql:3:1 "), "{out}");
        assert!(out.contains("`public.t`"), "{out}");
    }

    #[test]
    fn fires_even_when_enabled_again_later() {
        fires(
            "disable-rls-in-migration",
            "create table public.t (id int primary key);\nalter table public.t disable row level security;\nalter table public.t enable row level security;",
        );
    }

    #[test]
    fn enable_and_no_force_are_quiet() {
        quiet(
            "disable-rls-in-migration",
            "create table public.t (id int primary key);\nalter table public.t enable row level security;\nalter table public.t no force row level security;",
        );
    }

    #[test]
    fn unexposed_schema_is_quiet() {
        quiet(
            "disable-rls-in-migration",
            "create schema private;\ncreate table private.t (id int primary key);\nalter table private.t disable row level security;",
        );
    }
}
