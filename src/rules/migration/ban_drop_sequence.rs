//! `DROP SEQUENCE` of an existing sequence. Docs: rules/ban-drop-sequence.yaml.

use pg_query::protobuf::ObjectType;
use pg_query::NodeEnum;

use crate::rules::support::changes::assumed_to_exist;
use crate::rules::support::drops::{
    cascade_note, created_in_this_file, drop_objects, dropped, relation_name,
};
use crate::rules::{StatementRule, StmtCtx};

pub struct BanDropSequence;

impl StatementRule for BanDropSequence {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let Some(s) = dropped(cx, &[ObjectType::ObjectSequence]) else {
            return;
        };
        let cascade = cascade_note(s, "the column defaults that draw from it");
        for node in drop_objects(s) {
            let NodeEnum::List(list) = node else { continue };
            let Some(name) = relation_name(cx, &list.items) else {
                continue;
            };
            // A sequence this file made is used by no deployed code yet.
            if cx
                .catalog
                .sequences
                .get(&name)
                .is_some_and(|sq| created_in_this_file(cx, &sq.origin))
            {
                continue;
            }
            // IF EXISTS of a sequence no migration made, unless
            // --assume-existing says it is there.
            if s.missing_ok
                && !cx.catalog.sequences.contains_key(&name)
                && !assumed_to_exist(
                    cx,
                    ObjectType::ObjectSequence,
                    Some(&name.schema),
                    &name.name,
                    None,
                )
            {
                continue;
            }
            let message = format!(
                "dropping sequence `{name}` breaks code and defaults that still draw from it{cascade}"
            );
            cx.report(&name, Some(cx.stmt.span), message);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-drop-sequence";
    const CREATE: &str = "create sequence public.invoice_no;";

    #[test]
    fn sequence_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "drop sequence public.invoice_no;"),
        ])
        .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-drop-sequence warning [public.invoice_no] dropping sequence `public.invoice_no` breaks code and defaults that still draw from it"
        );
    }

    #[test]
    fn sequence_created_earlier_in_the_same_file_is_quiet() {
        case(&format!("{CREATE}\ndrop sequence invoice_no;")).quiet(RULE);
    }

    #[test]
    fn unknown_sequence_and_cascade_fire() {
        let out = case("drop sequence legacy_seq cascade;").fires(RULE);
        assert!(
            out.contains("`public.legacy_seq`") && out.contains("CASCADE also drops"),
            "{out}"
        );
    }

    #[test]
    fn each_sequence_of_the_statement_is_judged_on_its_own() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create sequence public.tmp_seq;\ndrop sequence public.tmp_seq, public.invoice_no;",
            ),
        ])
        .fires(RULE);
        assert_eq!(out.lines().count(), 1, "{out}");
    }

    #[test]
    fn dropping_a_table_with_a_serial_is_not_this_rule() {
        files(&[
            ("1.sql", "create table public.t (id serial primary key);"),
            ("2.sql", "drop table public.t;"),
        ])
        .quiet(RULE);
    }

    #[test]
    fn if_exists_fires_under_assume_existing_until_the_run_drops_it() {
        case("drop sequence if exists legacy_seq;").quiet(RULE);
        // The user says what no migration made is there: IF EXISTS drops it.
        let out = case("drop sequence if exists legacy_seq;")
            .assume_existing()
            .fires(RULE);
        assert!(out.contains("[public.legacy_seq]"), "{out}");
        // Its schema dropped earlier in the run took it along.
        case(
            "drop schema billing cascade;
drop sequence if exists billing.invoice_no;",
        )
        .assume_existing()
        .quiet(RULE);
    }
}
