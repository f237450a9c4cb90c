//! Credentials and personal data in tables the API serves without row level
//! security. Docs: rules/sensitive-columns-exposed.yaml.

use serde::Deserialize;

use crate::rules::support::exposed_tables;
use crate::rules::{SchemaCtx, SchemaRule};

pub struct SensitiveColumnsExposed;

/// Column names that hold credentials, identity numbers or payment data.
const DEFAULT_NAMES: &[&str] = &[
    // credentials
    "password",
    "password_hash",
    "hashed_password",
    "encrypted_password",
    "passwd",
    "pwd",
    "passphrase",
    "secret",
    "secret_key",
    "client_secret",
    "private_key",
    "api_key",
    "apikey",
    "api_secret",
    "auth_key",
    "token",
    "jwt",
    "access_token",
    "refresh_token",
    "session_token",
    "oauth_token",
    "bearer_token",
    "recovery_code",
    "backup_code",
    "otp_secret",
    "totp_secret",
    "two_factor_secret",
    // identity numbers
    "ssn",
    "social_security",
    "social_security_number",
    "national_id",
    "tax_id",
    "passport_number",
    "driver_license",
    "drivers_license",
    // payment data
    "credit_card",
    "credit_card_number",
    "card_number",
    "cvv",
    "cvc",
    "iban",
    "bank_account",
    "account_number",
    "routing_number",
    // health
    "medical_record",
    "health_record",
];

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Options {
    /// Replaces the built-in list of names when given.
    names: Option<Vec<String>>,
    /// Added to the list (built-in or `names`).
    extra_names: Vec<String>,
}

impl SchemaRule for SensitiveColumnsExposed {
    fn check(&self, cx: &mut SchemaCtx<'_>) {
        let options: Options = cx.options();
        let mut names: Vec<String> = match options.names {
            Some(list) => list.iter().map(|n| normalize(n)).collect(),
            None => DEFAULT_NAMES.iter().map(|n| (*n).to_string()).collect(),
        };
        names.extend(options.extra_names.iter().map(|n| normalize(n)));
        for t in exposed_tables(cx.catalog).filter(|t| !t.rls_enabled) {
            let sensitive: Vec<_> = t
                .columns
                .iter()
                .filter(|c| names.contains(&normalize(c.name.as_str())))
                .collect();
            let Some(first) = sensitive.first() else {
                continue;
            };
            let listed: Vec<String> = sensitive.iter().map(|c| format!("`{}`", c.name)).collect();
            let noun = if sensitive.len() == 1 {
                "column"
            } else {
                "columns"
            };
            cx.report(
                &t.name,
                first.origin.span().or_else(|| t.origin.span()),
                format!(
                    "table `{}` holds sensitive {noun} {} that anyone with the anon key can read through the API, since the table has no row level security",
                    t.name,
                    listed.join(", ")
                ),
            );
        }
    }
}

/// Names compare lowercased, with `-` and `_` alike.
fn normalize(name: &str) -> String {
    name.to_lowercase().replace('-', "_")
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, fires_with, quiet, quiet_with};

    const RULE: &str = "sensitive-columns-exposed";

    #[test]
    fn password_hash_fires_at_the_column() {
        let out = fires(
            RULE,
            "create table public.accounts (\n  id int primary key,\n  email text,\n  password_hash text,\n  api_key text\n);",
        );
        assert!(out.starts_with("test.sql:4:3 "), "{out}");
        assert!(out.contains("[public.accounts]"), "{out}");
        assert!(out.contains("`password_hash`, `api_key`"), "{out}");
        assert_eq!(out.lines().count(), 1, "{out}");
    }

    #[test]
    fn quoted_mixed_case_name_matches() {
        fires(
            RULE,
            "create table public.cards (id int primary key, \"Card-Number\" text);",
        );
    }

    #[test]
    fn rls_enabled_is_quiet() {
        quiet(
            RULE,
            "create table public.accounts (id int primary key, password_hash text);\nalter table public.accounts enable row level security;",
        );
    }

    #[test]
    fn names_that_only_contain_a_word_are_quiet() {
        // `token_count` and `password_updated_at` hold no secret.
        quiet(
            RULE,
            "create table public.usage (id int primary key, token_count int, password_updated_at timestamptz);",
        );
    }

    #[test]
    fn private_schema_is_quiet() {
        quiet(
            RULE,
            "create schema private;\ncreate table private.accounts (id int primary key, password_hash text);",
        );
    }

    #[test]
    fn names_option_replaces_and_extra_names_adds() {
        let sql = "create table public.t (id int primary key, token text, pin_code text);";
        let out = fires_with(
            RULE,
            sql,
            "options:\n  sensitive-columns-exposed:\n    extra_names: [pin_code]\n",
        );
        assert!(out.contains("`token`, `pin_code`"), "{out}");
        quiet_with(
            RULE,
            sql,
            "options:\n  sensitive-columns-exposed:\n    names: [ssn]\n",
        );
    }
}
