//! `CREATE TRIGGER`, `DROP TRIGGER`, `ENABLE` / `DISABLE TRIGGER` on a table that existed before the file. Docs: rules/trigger-change-locks-table.yaml.

use pg_query::NodeEnum;

use crate::catalog::Ident;
use crate::rules::support::changes::{relation_new_in_this_file, table_member};
use crate::rules::support::drops::altered_table;
use crate::rules::support::locks::is_trigger_switch;
use crate::rules::support::migration::alter_table_cmds;
use crate::rules::{StatementRule, StmtCtx, TableRef};

pub struct TriggerChangeLocksTable;

const BLOCKS_WRITES: &str =
    "SHARE ROW EXCLUSIVE lock on it, which blocks its writes (not its reads) until the transaction commits";
const BLOCKS_ALL: &str =
    "ACCESS EXCLUSIVE lock on it, which blocks its reads and writes until the transaction commits";

impl StatementRule for TriggerChangeLocksTable {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let (table, message) = match &cx.stmt.node {
            NodeEnum::CreateTrigStmt(s) => {
                let Some(rv) = s.relation.as_ref() else {
                    return;
                };
                let table = cx.table(rv);
                let trigger = Ident::new(s.trigname.as_str());
                let message = format!(
                    "creating trigger `{trigger}` on `{}` takes a {BLOCKS_WRITES}",
                    table.name
                );
                (table, message)
            }
            NodeEnum::DropStmt(s)
                if s.remove_type() == pg_query::protobuf::ObjectType::ObjectTrigger =>
            {
                let Some((name, trigger)) = s.objects.iter().find_map(|o| match &o.node {
                    Some(NodeEnum::List(l)) => table_member(cx, &l.items),
                    _ => None,
                }) else {
                    return;
                };
                let table = cx.table_named(name);
                let message = format!(
                    "dropping trigger `{trigger}` on `{}` takes an {BLOCKS_ALL}",
                    table.name
                );
                (table, message)
            }
            NodeEnum::AlterTableStmt(_) => {
                let Some((s, table)) = altered_table(cx, false) else {
                    return;
                };
                let Some(cmd) = alter_table_cmds(s).find(|c| is_trigger_switch(c.subtype())) else {
                    return;
                };
                let what = if cmd.name.is_empty() {
                    "switching triggers".to_string()
                } else {
                    format!("switching trigger `{}`", Ident::new(cmd.name.as_str()))
                };
                let message = format!("{what} on `{}` takes a {BLOCKS_WRITES}", table.name);
                (table, message)
            }
            _ => return,
        };
        report(cx, &table, message);
    }
}

fn report(cx: &mut StmtCtx<'_>, table: &TableRef, message: String) {
    // Made in this file, the table has no other users yet.
    if relation_new_in_this_file(cx, &table.name) {
        return;
    }
    cx.report_lock(table, Some(cx.stmt.span), message);
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "trigger-change-locks-table";
    const CREATE: &str = "create table public.t (id bigint primary key, updated_at timestamptz);\n\
        create function public.touch() returns trigger language plpgsql set search_path = '' as $$ begin new.updated_at := now(); return new; end $$;\n\
        create trigger t_touch before update on public.t for each row execute function public.touch();";

    fn on(stmt: &str) -> String {
        files(&[("1.sql", CREATE), ("2.sql", stmt)]).fires(RULE)
    }

    #[test]
    fn create_drop_and_switch_fire_with_the_mode_postgres_takes() {
        let out = on("create trigger t_touch2 before insert on public.t for each row execute function public.touch();");
        assert!(
            out.contains(
                "creating trigger `t_touch2` on `public.t` takes a SHARE ROW EXCLUSIVE lock"
            ),
            "{out}"
        );
        let out = on("drop trigger t_touch on public.t;");
        assert!(
            out.contains("dropping trigger `t_touch` on `public.t` takes an ACCESS EXCLUSIVE lock"),
            "{out}"
        );
        let out = on("alter table public.t disable trigger t_touch;");
        assert!(
            out.contains(
                "switching trigger `t_touch` on `public.t` takes a SHARE ROW EXCLUSIVE lock"
            ),
            "{out}"
        );
        let out = on("alter table public.t enable trigger all;");
        assert!(out.contains("switching triggers on `public.t`"), "{out}");
    }

    #[test]
    fn a_table_made_in_the_same_file_is_quiet() {
        case(&format!("{CREATE}\ndrop trigger t_touch on public.t;")).quiet(RULE);
    }

    #[test]
    fn off_by_default() {
        assert_eq!(
            crate::rules::find(RULE).map(|r| r.doc.default_enabled),
            Some(false)
        );
    }
}
