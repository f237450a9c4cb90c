//! `DROP VIEW` / `DROP MATERIALIZED VIEW` of an existing view. Docs: rules/ban-drop-view.yaml.

use pg_query::protobuf::ObjectType;
use pg_query::NodeEnum;

use crate::rules::support::changes::assumed_to_exist;
use crate::rules::support::drops::{
    cascade_note, created_in_this_file, drop_objects, dropped, relation_name, view_recreated_later,
};
use crate::rules::{StatementRule, StmtCtx};

pub struct BanDropView;

impl StatementRule for BanDropView {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let Some(s) = dropped(cx, &[ObjectType::ObjectView, ObjectType::ObjectMatview]) else {
            return;
        };
        let kind = if s.remove_type() == ObjectType::ObjectMatview {
            "materialized view"
        } else {
            "view"
        };
        let cascade = cascade_note(s, "the views that read it");
        for node in drop_objects(s) {
            let NodeEnum::List(list) = node else { continue };
            let Some(name) = relation_name(cx, &list.items) else {
                continue;
            };
            // A view this file made is in no deployed code yet.
            if cx
                .catalog
                .views
                .get(&name)
                .is_some_and(|v| created_in_this_file(cx, &v.origin))
            {
                continue;
            }
            // IF EXISTS of a view no migration left, unless
            // --assume-existing says it is there.
            if (s.missing_ok
                && !cx.catalog.views.contains_key(&name)
                && !assumed_to_exist(cx, s.remove_type(), Some(&name.schema), &name.name, None))
                || view_recreated_later(cx, s, &name)
            {
                continue;
            }
            let message =
                format!("dropping {kind} `{name}` breaks code that still reads it{cascade}");
            cx.report(&name, Some(cx.stmt.span), message);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-drop-view";
    const CREATE: &str = "create table public.t (id bigint primary key);\n\
                          create view public.v as select id from public.t;";

    #[test]
    fn view_from_an_earlier_file_fires() {
        let out = files(&[("1.sql", CREATE), ("2.sql", "drop view public.v;")]).fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-drop-view warning [public.v] dropping view `public.v` breaks code that still reads it"
        );
    }

    #[test]
    fn view_created_earlier_in_the_same_file_is_quiet() {
        case(&format!("{CREATE}\ndrop view v;")).quiet(RULE);
    }

    #[test]
    fn view_replaced_in_the_same_file_may_be_older_and_fires() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create or replace view public.v as select id from public.t;\ndrop view public.v;",
            ),
        ])
        .fires(RULE);
    }

    #[test]
    fn view_made_again_later_in_the_transaction_is_quiet() {
        let recreate = "drop view public.v;\ncreate view public.v as select id, id * 2 as twice from public.t;";
        files(&[("1.sql", CREATE), ("2.sql", recreate)]).quiet(RULE);
        // Outside a transaction, clients see it missing in between.
        files(&[("1.sql", CREATE), ("2.sql", recreate)])
            .postgres()
            .fires(RULE);
        // CASCADE also dropped the views on top of it.
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "drop view public.v cascade;\ncreate view public.v as select id from public.t;",
            ),
        ])
        .fires(RULE);
    }

    #[test]
    fn an_unknown_view_fires_unless_if_exists() {
        // Without IF EXISTS, PostgreSQL has it (made outside the migrations).
        let out = case("drop view legacy_report;").fires(RULE);
        assert!(out.contains("[public.legacy_report]"), "{out}");
        // With it, a view no migration left is most likely not there: a
        // cleanup that guards itself (judged false on real projects).
        case("drop view if exists legacy_report;").quiet(RULE);
    }

    #[test]
    fn materialized_views_and_cascade_are_named() {
        let out = files(&[
            ("1.sql", "create table public.t (id bigint primary key);\ncreate materialized view public.mv as select id from public.t;"),
            ("2.sql", "drop materialized view public.mv cascade;"),
        ])
        .fires(RULE);
        assert!(
            out.contains("materialized view `public.mv`") && out.contains("CASCADE also drops"),
            "{out}"
        );
    }

    #[test]
    fn each_view_of_the_statement_is_judged_on_its_own() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create view public.w as select 1 as one;\ndrop view public.v, public.w;",
            ),
        ])
        .fires(RULE);
        assert_eq!(out.lines().count(), 1, "{out}");
    }

    #[test]
    fn dropping_a_table_is_not_this_rule() {
        files(&[("1.sql", CREATE), ("2.sql", "drop table public.t cascade;")]).quiet(RULE);
    }

    #[test]
    fn if_exists_fires_under_assume_existing_until_the_run_drops_it() {
        // The user says what no migration made is there: IF EXISTS drops it.
        let out = case(
            "drop view if exists legacy_report;
                        drop materialized view if exists legacy_totals;",
        )
        .assume_existing()
        .fires(RULE);
        assert!(
            out.contains("view `public.legacy_report`")
                && out.contains("materialized view `public.legacy_totals`"),
            "{out}"
        );
        // Dropped by an earlier statement (of any file): nothing left to drop.
        let out = files(&[
            ("1.sql", "drop view legacy_report;"),
            ("2.sql", "drop view if exists legacy_report cascade;"),
        ])
        .assume_existing()
        .fires(RULE);
        assert!(
            out.starts_with("1.sql:1:1 ") && out.lines().count() == 1,
            "{out}"
        );
        // A drop that was rolled back removed nothing.
        let out = case(
            "begin;
drop view legacy_report;
rollback;
drop view if exists legacy_report;",
        )
        .postgres()
        .assume_existing()
        .fires(RULE);
        assert_eq!(out.lines().count(), 2, "{out}");
        // Renamed away: the name holds nothing any more.
        case(
            "alter view legacy_report rename to old_report;
drop view if exists legacy_report;",
        )
        .assume_existing()
        .quiet(RULE);
    }
}
