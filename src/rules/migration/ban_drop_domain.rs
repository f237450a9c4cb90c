//! `DROP DOMAIN` of an existing domain. Docs: rules/ban-drop-domain.yaml.

use pg_query::protobuf::ObjectType;
use pg_query::NodeEnum;

use crate::rules::support::drops::{
    cascade_note, created_in_this_file, drop_objects, dropped, type_name,
};
use crate::rules::{StatementRule, StmtCtx};

pub struct BanDropDomain;

impl StatementRule for BanDropDomain {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let Some(s) = dropped(cx, &[ObjectType::ObjectDomain]) else {
            return;
        };
        let cascade = cascade_note(s, "the columns of that type, with their data");
        for node in drop_objects(s) {
            let NodeEnum::TypeName(t) = node else {
                continue;
            };
            let name = type_name(cx, t);
            // A domain this file made is used by no deployed code yet.
            if cx
                .catalog
                .types
                .get(&name)
                .is_some_and(|d| created_in_this_file(cx, &d.origin))
            {
                continue;
            }
            let message =
                format!("dropping domain `{name}` breaks code that still uses it{cascade}");
            cx.report(&name, Some(cx.stmt.span), message);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-drop-domain";
    const CREATE: &str = "create domain public.email as text;";

    #[test]
    fn domain_from_an_earlier_file_fires() {
        let out = files(&[("1.sql", CREATE), ("2.sql", "drop domain public.email;")]).fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-drop-domain warning [public.email] dropping domain `public.email` breaks code that still uses it"
        );
    }

    #[test]
    fn domain_created_earlier_in_the_same_file_is_quiet() {
        case(&format!("{CREATE}\ndrop domain email;")).quiet(RULE);
    }

    #[test]
    fn unknown_domain_and_cascade_fire() {
        let out = case("drop domain if exists legacy_code cascade;").fires(RULE);
        assert!(
            out.contains("`public.legacy_code`") && out.contains("CASCADE also drops the columns"),
            "{out}"
        );
    }

    #[test]
    fn each_domain_of_the_statement_is_judged_on_its_own() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create domain public.tmp as int;\ndrop domain public.tmp, public.email;",
            ),
        ])
        .fires(RULE);
        assert_eq!(out.lines().count(), 1, "{out}");
    }

    #[test]
    fn dropping_a_type_is_not_this_rule() {
        case("drop type if exists public.mood;").quiet(RULE);
    }
}
