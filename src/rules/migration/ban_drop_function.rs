//! `DROP FUNCTION` / `PROCEDURE` / `AGGREGATE` / `ROUTINE` of an existing one. Docs: rules/ban-drop-function.yaml.

use pg_query::protobuf::ObjectType;
use pg_query::NodeEnum;

use crate::rules::support::changes::{assumed_to_exist, named_args};
use crate::rules::support::drops::{
    cascade_note, created_in_this_file, drop_objects, dropped, function_recreated_later, functions,
};
use crate::rules::{StatementRule, StmtCtx};

pub struct BanDropFunction;

impl StatementRule for BanDropFunction {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let Some(s) = dropped(
            cx,
            &[
                ObjectType::ObjectFunction,
                ObjectType::ObjectProcedure,
                ObjectType::ObjectAggregate,
                ObjectType::ObjectRoutine,
            ],
        ) else {
            return;
        };
        let kind = match s.remove_type() {
            ObjectType::ObjectProcedure => "procedure",
            ObjectType::ObjectAggregate => "aggregate",
            ObjectType::ObjectRoutine => "routine",
            _ => "function",
        };
        let cascade = cascade_note(s, "the triggers, defaults and views that use it");
        for node in drop_objects(s) {
            let NodeEnum::ObjectWithArgs(f) = node else {
                continue;
            };
            let Some((name, overloads)) = functions(cx, f) else {
                continue;
            };
            // IF EXISTS of a function no migration left, unless
            // --assume-existing says it is there.
            if overloads.is_empty()
                && s.missing_ok
                && !assumed_to_exist(
                    cx,
                    ObjectType::ObjectFunction,
                    Some(&name.schema),
                    &name.name,
                    named_args(cx, f).as_deref(),
                )
            {
                continue;
            }
            // Overloads this file made are called by no deployed code yet.
            if !overloads.is_empty()
                && overloads
                    .iter()
                    .all(|o| created_in_this_file(cx, &o.origin))
            {
                continue;
            }
            if function_recreated_later(cx, s, &name, f) {
                continue;
            }
            let message =
                format!("dropping {kind} `{name}` breaks code that still calls it{cascade}");
            cx.report(&name, Some(cx.stmt.span), message);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-drop-function";
    const CREATE: &str =
        "create function public.add_one(n int) returns int language sql as $$ select n + 1 $$;";

    #[test]
    fn function_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "drop function public.add_one(int);"),
        ])
        .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-drop-function warning [public.add_one] dropping function `public.add_one` breaks code that still calls it"
        );
    }

    #[test]
    fn function_created_earlier_in_the_same_file_is_quiet() {
        case(&format!("{CREATE}\ndrop function add_one(integer);")).quiet(RULE);
        case(&format!("{CREATE}\ndrop function add_one;")).quiet(RULE);
    }

    #[test]
    fn function_replaced_in_the_same_file_may_be_older_and_fires() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create or replace function public.add_one(n int) returns int language sql as $$ select n + 2 $$;\n\
                 drop function public.add_one(int);",
            ),
        ])
        .fires(RULE);
    }

    #[test]
    fn an_older_overload_of_the_same_name_fires() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create function public.add_one(n bigint) returns bigint language sql as $$ select n + 1 $$;\n\
                 drop function public.add_one(bigint);\ndrop function public.add_one(int);",
            ),
        ])
        .fires(RULE)
        .lines()
        .for_each(|l| assert!(l.starts_with("2.sql:3:1 "), "{l}"));
    }

    #[test]
    fn function_made_again_later_in_the_transaction_is_quiet() {
        // Changing the result type takes a drop and a create.
        let recreate = "drop function public.add_one(integer);\n\
                        create function public.add_one(n int) returns bigint language sql as $$ select n + 1 $$;";
        files(&[("1.sql", CREATE), ("2.sql", recreate)]).quiet(RULE);
        files(&[("1.sql", CREATE), ("2.sql", recreate)])
            .postgres()
            .fires(RULE);
        // Other argument types: callers of the old signature break.
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "drop function public.add_one(int);\n\
                 create function public.add_one(n bigint) returns bigint language sql as $$ select n + 1 $$;",
            ),
        ])
        .fires(RULE);
    }

    #[test]
    fn procedures_aggregates_and_unknown_functions_fire() {
        let out = case(
            "drop procedure archive_orders();\ndrop aggregate app_sum(int) cascade;\ndrop function legacy_hash(text);",
        )
        .fires(RULE);
        assert_eq!(out.lines().count(), 3, "{out}");
        assert!(out.contains("procedure `public.archive_orders`"), "{out}");
        assert!(
            out.contains("aggregate `public.app_sum`") && out.contains("CASCADE"),
            "{out}"
        );
    }

    #[test]
    fn dropping_a_trigger_is_not_this_rule() {
        case("drop trigger if exists t_touch on public.t;").quiet(RULE);
    }

    #[test]
    fn if_exists_of_a_function_no_migration_made_is_quiet() {
        crate::rules::testing::case("drop function if exists public.never_made(int);")
            .quiet("ban-drop-function");
    }

    #[test]
    fn if_exists_fires_under_assume_existing_until_the_run_drops_it() {
        use crate::rules::testing::case;
        // The user says what no migration made is there: IF EXISTS drops it.
        let out = case(
            "drop function if exists public.legacy_total(int);
                        drop procedure if exists public.legacy_sync();",
        )
        .assume_existing()
        .fires("ban-drop-function");
        assert!(
            out.contains("function `public.legacy_total`")
                && out.contains("procedure `public.legacy_sync`"),
            "{out}"
        );
        // Dropped earlier in the run: that overload is gone, another is not.
        let out = case(
            "drop function public.legacy_total(int);
             drop function if exists public.legacy_total(integer);
             drop function if exists public.legacy_total(text);",
        )
        .assume_existing()
        .fires("ban-drop-function");
        let lines: Vec<&str> = out.lines().collect();
        assert!(
            lines.len() == 2
                && lines[0].starts_with("test.sql:1:1 ")
                && lines[1].starts_with("test.sql:3:"),
            "{out}"
        );
    }
}
