//! `DROP EXTENSION` of an installed extension. Docs: rules/ban-drop-extension.yaml.

use pg_query::protobuf::ObjectType;

use crate::catalog::{Ident, QualifiedName};
use crate::rules::support::changes::assumed_to_exist;
use crate::rules::support::drops::{
    cascade_note, created_in_this_file, drop_objects, dropped, plain_name,
};
use crate::rules::support::migration::made_again_later;
use crate::rules::{StatementRule, StmtCtx};
use pg_query::NodeEnum;

pub struct BanDropExtension;

impl StatementRule for BanDropExtension {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let Some(s) = dropped(cx, &[ObjectType::ObjectExtension]) else {
            return;
        };
        let cascade = cascade_note(
            s,
            "the columns, indexes and functions of yours that use them, with their data",
        );
        for name in drop_objects(s).filter_map(plain_name) {
            // An extension this file installed is used by no deployed code yet.
            if cx
                .catalog
                .extensions
                .get(&name)
                .is_some_and(|e| created_in_this_file(cx, &e.origin))
            {
                continue;
            }
            // IF EXISTS of one no migration installed (nor the platform),
            // unless --assume-existing says it is there; or installed again
            // in the same transaction.
            if (s.missing_ok
                && !cx.catalog.extensions.contains_key(&name)
                && !assumed_to_exist(cx, ObjectType::ObjectExtension, None, &name, None))
                || made_again_later(
                    cx,
                    "extension",
                    |n| matches!(n, NodeEnum::CreateExtensionStmt(e) if Ident::new(e.extname.as_str()) == name),
                )
            {
                continue;
            }
            let message = format!(
                "dropping extension `{name}` removes its functions, types and operators, which breaks code that still uses them{cascade}"
            );
            // Extensions are not schema objects: named as a row of pg_extension.
            let object = QualifiedName::new("pg_extension", name);
            cx.report(&object, Some(cx.stmt.span), message);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-drop-extension";

    #[test]
    fn extension_from_an_earlier_file_fires() {
        let out = files(&[
            (
                "1.sql",
                "create extension if not exists citext with schema extensions;",
            ),
            ("2.sql", "drop extension citext;"),
        ])
        .fires(RULE);
        assert!(
            out.starts_with("2.sql:1:1 ban-drop-extension warning [pg_extension.citext] dropping extension `citext` removes"),
            "{out}"
        );
    }

    #[test]
    fn extension_created_earlier_in_the_same_file_is_quiet() {
        case(
            "create extension if not exists citext with schema extensions;\ndrop extension citext;",
        )
        .quiet(RULE);
    }

    #[test]
    fn platform_and_unknown_extensions_fire() {
        let out = case("drop extension pgcrypto, legacy_ext cascade;").fires(RULE);
        assert_eq!(out.lines().count(), 2, "{out}");
        assert!(out.contains("CASCADE also drops"), "{out}");
    }

    #[test]
    fn dropping_a_schema_is_not_this_rule() {
        case("drop schema if exists legacy;").quiet(RULE);
    }

    #[test]
    fn reinstalled_or_never_installed_is_quiet() {
        files(&[
            ("1.sql", "create extension if not exists pg_trgm with schema extensions;"),
            (
                "2.sql",
                "begin;\ndrop extension pg_trgm;\ncreate extension pg_trgm with schema extensions;\ncommit;",
            ),
        ])
        .quiet(RULE);
        case("drop extension if exists postgres_fdw;").quiet(RULE);
    }

    #[test]
    fn if_exists_fires_under_assume_existing_until_the_run_drops_it() {
        // The user says what no migration installed is there: IF EXISTS drops it.
        let out = case("drop extension if exists hstore;")
            .assume_existing()
            .fires(RULE);
        assert_eq!(
            out,
            "test.sql:1:1 ban-drop-extension warning [pg_extension.hstore] dropping extension `hstore` removes its functions, types and operators, which breaks code that still uses them"
        );
        // Once a statement of the run dropped it, nothing is left to drop.
        let out = files(&[
            ("1.sql", "drop extension hstore;"),
            ("2.sql", "drop extension if exists hstore;"),
        ])
        .assume_existing()
        .fires(RULE);
        assert!(
            out.starts_with("1.sql:1:1 ") && out.lines().count() == 1,
            "{out}"
        );
    }
}
