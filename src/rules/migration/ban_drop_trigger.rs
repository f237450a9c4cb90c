//! `DROP TRIGGER` of an existing trigger. Docs: rules/ban-drop-trigger.yaml.

use pg_query::protobuf::ObjectType;
use pg_query::NodeEnum;

use crate::catalog::{Ident, QualifiedName};
use crate::rules::support::changes::{
    new_in_this_file, relation_dropped_later_in_file, relation_new_in_this_file,
    table_from_migrations, table_member, trigger,
};
use crate::rules::support::drops::{drop_objects, dropped};
use crate::rules::support::migration::{made_again_later, names_table};
use crate::rules::{StatementRule, StmtCtx};

pub struct BanDropTrigger;

impl StatementRule for BanDropTrigger {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let Some(s) = dropped(cx, &[ObjectType::ObjectTrigger]) else {
            return;
        };
        for node in drop_objects(s) {
            let NodeEnum::List(list) = node else { continue };
            let Some((table, name)) = table_member(cx, &list.items) else {
                continue;
            };
            // A table or trigger this file made runs for no deployed client
            // yet; one the file drops later takes its triggers with it.
            if relation_new_in_this_file(cx, &table) || relation_dropped_later_in_file(cx, &table) {
                continue;
            }
            match trigger(cx, &table, &name) {
                Some(t) if new_in_this_file(cx, &t.origin) => continue,
                Some(_) => {}
                // IF EXISTS of a trigger the migrations never left on a
                // table they made: nothing to drop.
                None if s.missing_ok && table_from_migrations(cx, &table).is_some() => continue,
                None => {}
            }
            if made_again(cx, &table, &name) {
                continue;
            }
            let message = format!(
                "dropping trigger `{name}` of `{table}` stops the work it does when rows are written, which code may count on"
            );
            cx.report(&table, Some(cx.stmt.span), message);
        }
    }
}

/// `DROP TRIGGER IF EXISTS t ON x; CREATE TRIGGER t ...` in one transaction:
/// the usual way to change a trigger before PostgreSQL 14, and no write
/// in between runs without one. What the new trigger does is
/// `ban-replace-view-function`'s to judge only for CREATE OR REPLACE.
fn made_again(cx: &StmtCtx<'_>, table: &QualifiedName, name: &Ident) -> bool {
    made_again_later(cx, &name.as_str().to_ascii_lowercase(), |n| {
        matches!(n, NodeEnum::CreateTrigStmt(t)
            if Ident::new(t.trigname.as_str()) == *name
                && t.relation.as_ref().is_some_and(|rv| names_table(rv, table)))
    })
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-drop-trigger";
    const CREATE: &str = "create table public.t (id bigint primary key, updated_at timestamptz);\n\
        create function public.touch() returns trigger language plpgsql set search_path = '' as $$ begin new.updated_at := now(); return new; end $$;\n\
        create trigger t_touch before update on public.t for each row execute function public.touch();";

    #[test]
    fn trigger_from_an_earlier_file_fires() {
        let out = files(&[("1.sql", CREATE), ("2.sql", "drop trigger t_touch on public.t;")])
            .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-drop-trigger warning [public.t] dropping trigger `t_touch` of `public.t` stops the work it does when rows are written, which code may count on"
        );
    }

    #[test]
    fn trigger_or_table_made_in_the_same_file_is_quiet() {
        case(&format!("{CREATE}\ndrop trigger t_touch on public.t;")).quiet(RULE);
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create trigger t_touch2 before update on public.t for each row execute function public.touch();\n\
                 drop trigger t_touch2 on public.t;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn a_trigger_made_again_in_the_transaction_is_quiet() {
        let again = "drop trigger if exists t_touch on public.t;\n\
                     create trigger t_touch before insert or update on public.t for each row execute function public.touch();";
        files(&[("1.sql", CREATE), ("2.sql", again)]).quiet(RULE);
        // Without a transaction, writes in between run without it.
        files(&[("1.sql", CREATE), ("2.sql", again)])
            .postgres()
            .fires(RULE);
    }

    #[test]
    fn if_exists_of_a_trigger_no_migration_left_is_quiet() {
        files(&[("1.sql", CREATE), ("2.sql", "drop trigger if exists gone on public.t;")])
            .quiet(RULE);
        // On a table no migration made, pgvet cannot know its triggers.
        case("drop trigger if exists audit on public.legacy;").fires(RULE);
        case("drop trigger audit on public.legacy;").fires(RULE);
    }

    #[test]
    fn event_triggers_are_not_this_rule() {
        case("drop event trigger if exists ddl_audit;").quiet(RULE);
    }

    #[test]
    fn teardown_before_the_table_is_dropped_is_quiet() {
        // What `supabase db diff` writes before a DROP TABLE: the drop is
        // ban-drop-table's to report.
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "drop trigger if exists t_touch on public.t;\ndrop table public.t;",
            ),
        ])
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
