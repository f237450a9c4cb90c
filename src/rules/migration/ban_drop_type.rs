//! `DROP TYPE` of an existing type, and of the operators, casts and
//! operator classes queries use. Docs: rules/ban-drop-type.yaml.

use pg_query::protobuf::ObjectType;
use pg_query::NodeEnum;

use crate::catalog::resolve;
use crate::catalog::Ident;
use crate::rules::support::changes::assumed_to_exist;
use crate::rules::support::drops::{
    cascade_note, created_in_this_file, drop_objects, dropped, type_name,
};
use crate::rules::support::migration::{
    created_type_name, made_again_later, renamed_to_earlier_in_file,
};
use crate::rules::{StatementRule, StmtCtx};
use crate::sql::strings;

pub struct BanDropType;

impl StatementRule for BanDropType {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let Some(s) = dropped(
            cx,
            &[
                ObjectType::ObjectType,
                ObjectType::ObjectOperator,
                ObjectType::ObjectCast,
                ObjectType::ObjectOpclass,
                ObjectType::ObjectOpfamily,
            ],
        ) else {
            return;
        };
        let kind = s.remove_type();
        for node in drop_objects(s) {
            let (object, message) = match (kind, node) {
                (ObjectType::ObjectType, NodeEnum::TypeName(t)) => {
                    let name = type_name(cx, t);
                    // A type this file made is in no deployed code yet.
                    if cx
                        .catalog
                        .types
                        .get(&name)
                        .is_some_and(|ty| created_in_this_file(cx, &ty.origin))
                    {
                        continue;
                    }
                    let bare = name.name.as_str();
                    // IF EXISTS of a type no migration left (unless
                    // --assume-existing says it is there); the old half of
                    // a swap (renamed to this name earlier in the file); a
                    // type made again under this name in the transaction.
                    if (s.missing_ok
                        && !cx.catalog.types.contains_key(&name)
                        && !assumed_to_exist(
                            cx,
                            ObjectType::ObjectType,
                            Some(&name.schema),
                            &name.name,
                            None,
                        ))
                        || renamed_to_earlier_in_file(cx.stmt, bare)
                        || made_again_later(cx, &bare.to_ascii_lowercase(), |n| {
                            created_type_name(n)
                                .is_some_and(|t| Ident::new(t.as_str()) == name.name)
                        })
                    {
                        continue;
                    }
                    let cascade = cascade_note(
                        s,
                        "the columns, functions and casts that use it, with their data",
                    );
                    let message =
                        format!("dropping type `{name}` breaks code that still uses it{cascade}");
                    (name.to_string(), message)
                }
                (ObjectType::ObjectOperator, NodeEnum::ObjectWithArgs(op)) => {
                    let name = qualified(cx, strings(&op.objname));
                    let message =
                        format!("dropping operator `{name}` breaks queries that still use it");
                    (name, message)
                }
                (ObjectType::ObjectCast, NodeEnum::List(pair)) => {
                    let mut names = pair.items.iter().filter_map(|n| match &n.node {
                        Some(NodeEnum::TypeName(t)) => Some(type_name(cx, t)),
                        _ => None,
                    });
                    let (Some(from), Some(to)) = (names.next(), names.next()) else {
                        continue;
                    };
                    let message = format!(
                        "dropping the cast from `{from}` to `{to}` breaks queries that still use it"
                    );
                    (format!("cast ({from} as {to})"), message)
                }
                (ObjectType::ObjectOpclass | ObjectType::ObjectOpfamily, NodeEnum::List(l)) => {
                    // The access method comes first, then the (qualified) name.
                    let parts = strings(&l.items);
                    let Some((method, name)) = parts.split_first() else {
                        continue;
                    };
                    let name = qualified(cx, name.to_vec());
                    let what = if kind == ObjectType::ObjectOpclass {
                        "operator class"
                    } else {
                        "operator family"
                    };
                    let cascade = cascade_note(s, "the indexes that use it");
                    let message = format!(
                        "dropping {what} `{name}` ({method}) breaks the queries and indexes that rely on it{cascade}"
                    );
                    (name, message)
                }
                _ => continue,
            };
            cx.report(&object, Some(cx.stmt.span), message);
        }
    }
}

/// A name as written, qualified with the schema an unqualified one would be
/// created in (operators and operator classes are not in pgvet's model).
fn qualified(cx: &StmtCtx<'_>, mut parts: Vec<String>) -> String {
    if parts.len() == 1 {
        let schema = resolve::creation_schema(cx.catalog, cx.search_path);
        parts.insert(0, schema.to_string());
    }
    parts.join(".")
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-drop-type";
    const CREATE: &str = "create type public.mood as enum ('sad', 'happy');";

    #[test]
    fn type_from_an_earlier_file_fires() {
        let out = files(&[("1.sql", CREATE), ("2.sql", "drop type public.mood;")]).fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-drop-type warning [public.mood] dropping type `public.mood` breaks code that still uses it"
        );
    }

    #[test]
    fn type_created_earlier_in_the_same_file_is_quiet() {
        case(&format!("{CREATE}\ndrop type mood;")).quiet(RULE);
    }

    #[test]
    fn unknown_type_and_cascade_fire() {
        let out = case("drop type legacy_status cascade;").fires(RULE);
        assert!(
            out.contains("`public.legacy_status`") && out.contains("CASCADE also drops"),
            "{out}"
        );
    }

    #[test]
    fn each_type_of_the_statement_is_judged_on_its_own() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create type public.pair as (a int, b int);\ndrop type public.pair, public.mood;",
            ),
        ])
        .fires(RULE);
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(out.contains("[public.mood]"), "{out}");
    }

    #[test]
    fn operators_casts_and_operator_classes_fire() {
        let out = case(
            "drop operator if exists ===(text, text);\n\
             drop cast if exists (text as public.mood);\n\
             drop operator class if exists mood_ops using btree;\n\
             drop operator family public.mood_fam using btree cascade;",
        )
        .fires(RULE);
        assert_eq!(out.lines().count(), 4, "{out}");
        assert!(out.contains("operator `public.===`"), "{out}");
        assert!(
            out.contains("cast from `pg_catalog.text` to `public.mood`"),
            "{out}"
        );
        assert!(
            out.contains("operator class `public.mood_ops` (btree)"),
            "{out}"
        );
    }

    #[test]
    fn dropping_a_domain_is_not_this_rule() {
        case("drop domain if exists public.email;").quiet(RULE);
    }

    #[test]
    fn enum_swaps_and_drops_of_what_is_gone_are_quiet() {
        let create = "create type public.mood as enum ('a');";
        // The old half of a swap, dropped at the end.
        crate::rules::testing::files(&[
            ("1.sql", create),
            (
                "2.sql",
                "begin;\nalter type public.mood rename to mood_old;\n\
                 create type public.mood as enum ('a', 'b');\ndrop type public.mood_old;\ncommit;",
            ),
        ])
        .quiet("ban-drop-type");
        // Dropped and made again in the same transaction.
        crate::rules::testing::files(&[
            ("1.sql", create),
            (
                "2.sql",
                "begin;\ndrop type public.mood;\ncreate type public.mood as enum ('b');\ncommit;",
            ),
        ])
        .quiet("ban-drop-type");
        // IF EXISTS of a type no migration made.
        crate::rules::testing::case("drop type if exists public.never_made;")
            .quiet("ban-drop-type");
        // Without IF EXISTS it is a type PostgreSQL has: reported.
        crate::rules::testing::case("drop type public.legacy_kind;").fires("ban-drop-type");
    }

    #[test]
    fn if_exists_fires_under_assume_existing_until_the_run_drops_it() {
        use crate::rules::testing::{case, files};
        // The user says what no migration made is there: IF EXISTS drops it.
        let out = case("drop type if exists public.legacy_kind cascade;")
            .assume_existing()
            .fires("ban-drop-type");
        assert!(out.contains("[public.legacy_kind]"), "{out}");
        // Made by a migration and dropped by a later one: gone.
        files(&[
            ("1.sql", "create type public.mood as enum ('a');"),
            ("2.sql", "drop type public.mood;"),
            ("3.sql", "drop type if exists public.mood;"),
        ])
        .assume_existing()
        .fires("ban-drop-type")
        .lines()
        .for_each(|l| assert!(l.starts_with("2.sql:"), "{l}"));
    }
}
