//! Columns of reg* types that pg_upgrade cannot carry over. Docs: rules/unsupported-reg-types.yaml.

use crate::catalog::RelKind;
use crate::rules::support::integrity::column_type;
use crate::rules::{SchemaCtx, SchemaRule};

pub struct UnsupportedRegTypes;

/// OID alias types naming objects whose OIDs pg_upgrade does not preserve
/// (`regclass`, `regtype` and `regrole` it does, so they are not listed).
const UNSUPPORTED: &[&str] = &[
    "regcollation",
    "regconfig",
    "regdictionary",
    "regnamespace",
    "regoper",
    "regoperator",
    "regproc",
    "regprocedure",
];

impl SchemaRule for UnsupportedRegTypes {
    /// Reads the table alone.
    fn per_table(&self) -> Option<&'static [crate::rules::memo::Beyond]> {
        Some(&[])
    }

    fn check(&self, cx: &mut SchemaCtx<'_>) {
        let cat = cx.catalog;
        // Foreign tables store nothing here for pg_upgrade to carry over.
        for t in cx.user_tables().filter(|t| t.kind != RelKind::Foreign) {
            for c in &t.columns {
                let ty = column_type(cat, c).base;
                if !ty.is_builtin() || !UNSUPPORTED.contains(&ty.name.name.as_str()) {
                    continue;
                }
                cx.report(
                    &t.name,
                    c.span(),
                    format!(
                        "column `{}` of `{}` has type `{}`, which pg_upgrade cannot carry over to a new major version",
                        c.name, t.name, c.ty
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet};

    const RULE: &str = "unsupported-reg-types";

    #[test]
    fn regconfig_column_fires_at_the_column() {
        let out = fires(
            RULE,
            "create table public.docs (\n  id bigint primary key,\n  language regconfig not null default 'english'\n);",
        );
        assert!(out.starts_with("test.sql:3:3 "), "{out}");
        assert!(
            out.contains("column `language` of `public.docs` has type `regconfig`"),
            "{out}"
        );
    }

    #[test]
    fn arrays_and_domains_count() {
        fires(
            RULE,
            "create table public.t (id bigint primary key, fns regproc[]);",
        );
        fires(
            RULE,
            "create domain public.ts_config as regconfig;\ncreate table public.t (id bigint primary key, cfg public.ts_config);",
        );
    }

    #[test]
    fn added_later_fires() {
        fires(RULE, "create table public.t (id bigint primary key);\nalter table public.t add column ns regnamespace;");
    }

    #[test]
    fn regclass_regtype_regrole_are_fine() {
        quiet(
            RULE,
            "create table public.t (id bigint primary key, rel regclass, ty regtype, owner regrole, cfg text);",
        );
    }

    #[test]
    fn a_user_type_named_like_one_is_not_it() {
        quiet(
            RULE,
            "create type public.regproc as enum ('a', 'b');\ncreate table public.t (id bigint primary key, k public.regproc);",
        );
    }
}
