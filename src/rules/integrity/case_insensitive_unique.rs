//! Emails, usernames and slugs whose uniqueness depends on letter case. Docs: rules/case-insensitive-unique.yaml.

use pg_query::NodeRef;
use serde::Deserialize;

use crate::catalog::{ConstraintKind, Ident, IndexKey, Span, Table};
use crate::rules::memo::Beyond;
use crate::rules::support::foreign_keys;
use crate::rules::support::integrity::{column_type, columns_in, is_character, is_citext, owned};
use crate::rules::{SchemaCtx, SchemaRule};
use crate::sql::expr;

pub struct CaseInsensitiveUnique;

/// `options.case-insensitive-unique` in pgvet.yaml; each list replaces its default.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Options {
    /// Column names that identify someone or something by a typed string.
    names: Vec<String>,
    /// Tables with one row per account, where these columns must be unique
    /// (a table whose primary key references `auth.users` is one too).
    account_tables: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            names: owned(&[
                "email",
                "email_address",
                "username",
                "user_name",
                "handle",
                "slug",
                "login",
            ]),
            account_tables: owned(&["users", "accounts", "profiles", "user_profiles"]),
        }
    }
}

/// One row per account: named so, or keyed by `auth.users`.
fn is_account_table(table: &Table, opts: &Options) -> bool {
    let pk: Option<&[Ident]> = table.constraints.iter().find_map(|c| match &c.kind {
        ConstraintKind::PrimaryKey { columns } => Some(columns.as_slice()),
        _ => None,
    });
    let keyed_by_user = pk.is_some_and(|pk| {
        foreign_keys(table).any(|(_, fk)| {
            fk.columns.as_slice() == pk
                && fk.ref_table.schema.as_str() == "auth"
                && fk.ref_table.name.as_str() == "users"
        })
    });
    keyed_by_user
        || opts
            .account_tables
            .iter()
            .any(|t| t == table.name.name.as_str())
}

/// A unique index on `lower(col)` or `upper(col)`.
fn folded_unique(table: &Table, column: &str) -> bool {
    table.indexes.iter().filter(|ix| ix.unique).any(|ix| {
        ix.elems.iter().any(|e| match &e.key {
            IndexKey::Expression(x) => expr::nodes(&x.node()).into_iter().any(|n| match n {
                NodeRef::FuncCall(call) => {
                    expr::call_name(call).is_some_and(|(_, n)| n == "lower" || n == "upper")
                        && call
                            .args
                            .iter()
                            .any(|a| columns_in(a).iter().any(|c| c == column))
                }
                _ => false,
            }),
            IndexKey::Column(_) => false,
        })
    })
}

/// Where a case-sensitive uniqueness on the column is declared, and its name.
fn plain_unique(table: &Table, column: &Ident) -> Option<(Ident, Option<Span>)> {
    let constraint = table.constraints.iter().find_map(|c| match &c.kind {
        ConstraintKind::PrimaryKey { columns } | ConstraintKind::Unique { columns, .. }
            if columns.contains(column) =>
        {
            Some((c.name.clone(), c.origin.span()))
        }
        _ => None,
    });
    constraint.or_else(|| {
        table
            .indexes
            .iter()
            .filter(|ix| ix.unique && !ix.constraint_backed)
            .find(|ix| {
                ix.elems
                    .iter()
                    .any(|e| e.key == IndexKey::Column(column.clone()))
            })
            .map(|ix| (ix.name.clone(), ix.origin.span()))
    })
}

impl SchemaRule for CaseInsensitiveUnique {
    /// Reads the table alone.
    fn per_table(&self) -> Option<&'static [Beyond]> {
        Some(&[])
    }

    fn check(&self, cx: &mut SchemaCtx<'_>) {
        let opts: Options = cx.options();
        let cat = cx.catalog;
        for table in cx.stored_tables() {
            for col in &table.columns {
                let name = col.name.as_str();
                let ty = column_type(cat, col);
                if !opts.names.iter().any(|n| n == name)
                    || !is_character(ty.base)
                    || is_citext(ty.base)
                    || folded_unique(table, name)
                {
                    continue;
                }
                if let Some((unique, span)) = plain_unique(table, &col.name) {
                    cx.report(
                        &table.name,
                        span,
                        format!("`{unique}` makes `{name}` unique only as written: values that differ in letter case both fit"),
                    );
                } else if is_account_table(table, &opts) {
                    cx.report(
                        &table.name,
                        col.span(),
                        format!("`{name}` identifies an account but nothing makes it unique, in any letter case"),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, fires_with, quiet, quiet_with};

    const RULE: &str = "case-insensitive-unique";

    #[test]
    fn plain_unique_email_fires_at_the_constraint() {
        let out = fires(
            RULE,
            "create table public.members (\n  id uuid primary key,\n  email text not null unique\n);",
        );
        assert_eq!(out, "test.sql:3:23 case-insensitive-unique [public.members] `members_email_key` makes `email` unique only as written: values that differ in letter case both fit");
    }

    #[test]
    fn unique_index_and_composite_unique_fire() {
        fires(RULE, "create table public.t (id uuid primary key, username varchar(40));\ncreate unique index t_username on public.t (username);");
        fires(RULE, "create table public.t (id uuid primary key, org_id uuid, slug text, unique (org_id, slug));");
    }

    #[test]
    fn citext_and_lower_index_are_quiet() {
        quiet(RULE, "create extension citext with schema extensions;\ncreate table public.profiles (id uuid primary key references auth.users, email extensions.citext not null unique);");
        quiet(RULE, "create table public.t (id uuid primary key, email text not null);\ncreate unique index t_email_lower on public.t (lower(email));");
    }

    #[test]
    fn not_unique_in_an_account_table_fires_at_the_column() {
        let out = fires(RULE, "create table public.profiles (\n  id uuid primary key references auth.users (id),\n  email text not null\n);");
        assert!(
            out.starts_with("test.sql:3:3 ") && out.contains("nothing makes it unique"),
            "{out}"
        );
    }

    #[test]
    fn not_unique_elsewhere_is_quiet() {
        quiet(
            RULE,
            "create table public.channels (id uuid primary key, handle text, email text);",
        );
    }

    #[test]
    fn other_columns_and_types_are_quiet() {
        quiet(RULE, "create table public.t (id uuid primary key, code text unique, email_verified boolean unique);");
    }

    #[test]
    fn options_replace_the_vocabulary() {
        let sql = "create table public.t (id uuid primary key, sku text unique, slug text unique);";
        let out = fires_with(
            RULE,
            sql,
            "options:\n  case-insensitive-unique:\n    names: [sku]\n",
        );
        assert!(out.contains("`sku`") && !out.contains("`slug`"), "{out}");
        quiet_with(
            RULE,
            "create table public.members (id uuid primary key, email text);",
            "options:\n  case-insensitive-unique:\n    account_tables: []\n",
        );
        fires_with(
            RULE,
            "create table public.members (id uuid primary key, email text);",
            "options:\n  case-insensitive-unique:\n    account_tables: [members]\n",
        );
    }
}
