//! Foreign keys into `auth` that do not use the primary key. Docs: rules/fkey-to-auth-unique.yaml.

use crate::catalog::Ident;
use crate::rules::support::foreign_keys;
use crate::rules::support::keys::primary_key;
use crate::rules::{SchemaCtx, SchemaRule};

pub struct FkeyToAuthUnique;

impl SchemaRule for FkeyToAuthUnique {
    /// Reads the table and the `auth` tables its foreign keys reference (by name).
    fn per_table(&self) -> Option<&'static [crate::rules::memo::Beyond]> {
        Some(&[crate::rules::memo::Beyond::NamedTables])
    }

    fn check(&self, cx: &mut SchemaCtx<'_>) {
        let cat = cx.catalog;
        for table in cx.user_tables() {
            for (con, fk) in foreign_keys(table) {
                if fk.ref_table.schema.as_str() != "auth" || fk.ref_columns.is_empty() {
                    continue;
                }
                cx.note_table_name(fk.ref_table.name.as_str());
                // Without a known primary key there is nothing to compare with.
                let Some(pk) = cat.table(&fk.ref_table).and_then(primary_key) else {
                    continue;
                };
                let same_set = pk.len() == fk.ref_columns.len()
                    && pk.iter().all(|c| fk.ref_columns.contains(c));
                if same_set {
                    continue;
                }
                let cols: Vec<&str> = fk.ref_columns.iter().map(Ident::as_str).collect();
                cx.report(
                    &table.name,
                    con.origin.span(),
                    format!(
                        "foreign key `{}` references `{}` ({}), not its primary key",
                        con.name,
                        fk.ref_table,
                        cols.join(", ")
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet};

    const ID: &str = "fkey-to-auth-unique";

    #[test]
    fn email_reference_fires_at_the_clause() {
        let out = fires(ID, "create table public.p (id uuid primary key,\n  email varchar references auth.users (email));");
        assert!(out.contains("test.sql:2:17"), "{out}");
        assert!(out.contains("`auth.users` (email)"), "{out}");
    }

    #[test]
    fn primary_key_explicit_or_implied_is_fine() {
        quiet(ID, "create table public.p (id uuid primary key references auth.users (id), u uuid references auth.users);");
    }

    #[test]
    fn unique_key_of_a_public_table_is_not_this_rules_business() {
        quiet(ID, "create table public.a (id uuid primary key, code text unique);\ncreate table public.b (id uuid primary key, code text references public.a (code));");
    }

    #[test]
    fn unknown_auth_table_is_skipped() {
        quiet(ID, "create table public.p (id uuid primary key, f uuid references auth.mfa_factors (factor_id));");
    }
}
