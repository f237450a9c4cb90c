//! `DROP SCHEMA` of an existing schema. Docs: rules/ban-drop-schema.yaml.

use pg_query::protobuf::ObjectType;

use crate::catalog::QualifiedName;
use crate::rules::support::changes::assumed_to_exist;
use crate::rules::support::drops::{
    cascade_note, created_in_this_file, drop_objects, dropped, plain_name,
};
use crate::rules::{StatementRule, StmtCtx};

pub struct BanDropSchema;

impl StatementRule for BanDropSchema {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let Some(s) = dropped(cx, &[ObjectType::ObjectSchema]) else {
            return;
        };
        let cascade = cascade_note(s, "every table, view and function in it, with their data");
        for name in drop_objects(s).filter_map(plain_name) {
            // A schema this file made holds nothing deployed code uses.
            if cx
                .catalog
                .schemas
                .get(&name)
                .is_some_and(|sc| created_in_this_file(cx, &sc.origin))
            {
                continue;
            }
            // IF EXISTS of a schema no migration made, unless
            // --assume-existing says it is there.
            if s.missing_ok
                && !cx.catalog.schemas.contains_key(&name)
                && !assumed_to_exist(cx, ObjectType::ObjectSchema, None, &name, None)
            {
                continue;
            }
            let message = format!(
                "dropping schema `{name}` breaks code that still uses the objects in it{cascade}"
            );
            // A schema has no schema: it is named as a row of pg_namespace.
            let object = QualifiedName::new("pg_namespace", name);
            cx.report(&object, Some(cx.stmt.span), message);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-drop-schema";

    #[test]
    fn schema_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", "create schema app;"),
            ("2.sql", "drop schema app;"),
        ])
        .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-drop-schema warning [pg_namespace.app] dropping schema `app` breaks code that still uses the objects in it"
        );
    }

    #[test]
    fn schema_created_earlier_in_the_same_file_is_quiet() {
        case("create schema scratch;\ndrop schema scratch cascade;").quiet(RULE);
    }

    #[test]
    fn schema_made_by_if_not_exists_in_an_earlier_file_fires() {
        files(&[
            ("1.sql", "create schema app;"),
            (
                "2.sql",
                "create schema if not exists app;\ndrop schema app;",
            ),
        ])
        .fires(RULE);
    }

    #[test]
    fn unknown_schemas_and_cascade_fire_once_each() {
        let out = case("create schema scratch;\ndrop schema legacy, scratch cascade;").fires(RULE);
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(
            out.contains("`legacy`") && out.contains("CASCADE also drops every table"),
            "{out}"
        );
    }

    #[test]
    fn dropping_an_extension_is_not_this_rule() {
        case("drop extension if exists hstore;").quiet(RULE);
    }

    #[test]
    fn if_exists_fires_under_assume_existing_until_the_run_drops_it() {
        case("drop schema if exists reporting cascade;").quiet(RULE);
        // The user says what no migration made is there: IF EXISTS drops it.
        let out = case("drop schema if exists reporting cascade;")
            .assume_existing()
            .fires(RULE);
        assert!(out.contains("[pg_namespace.reporting]"), "{out}");
        // Renamed away earlier in the file: nothing of that name is left.
        case(
            "alter schema reporting rename to reporting_old;
drop schema if exists reporting;",
        )
        .assume_existing()
        .quiet(RULE);
    }
}
