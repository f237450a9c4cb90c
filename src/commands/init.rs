//! `pgvet init`: a commented starter `pgvet.yaml` for the project in a directory.

use std::path::Path;

use anyhow::{bail, Context, Result};

use super::Outcome;

use crate::config;
use crate::source::migrations::files;

/// The starter config for the project at `dir`: Supabase settings when a
/// `supabase/config.toml` is found (its `[api] schemas` become the exposed
/// schemas), plain PostgreSQL otherwise. Every key is written, the optional
/// ones commented out with their defaults.
pub fn starter_config(dir: &Path) -> String {
    let supabase = config::find_supabase_config(&[dir.to_path_buf()]);
    let platform = if supabase.is_some() {
        "supabase"
    } else {
        "postgres"
    };
    let schemas = supabase
        .as_deref()
        .and_then(config::supabase_api_schemas)
        .unwrap_or_else(|| vec!["public".to_string()]);
    let migrations = files::autodetect(dir)
        .and_then(|p| p.strip_prefix(dir).ok().map(|r| r.display().to_string()))
        .unwrap_or_else(|| "migrations".to_string());
    let transaction = if supabase.is_some() {
        "per-file"
    } else {
        "none"
    };
    let found = match &supabase {
        Some(p) => format!(
            "# Found {}: Supabase platform, exposed schemas from its [api] schemas.\n",
            p.strip_prefix(dir).unwrap_or(p).display()
        ),
        None => "# No supabase/config.toml found: plain PostgreSQL.\n".to_string(),
    };
    let schema_list = schemas
        .iter()
        .map(|s| yaml_string(s))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "# pgvet.yaml, written by `pgvet init`. Every key is optional; `pgvet explain RULE` documents a rule.
{found}
# supabase: auth, storage, the anon/authenticated roles and Supabase's default
# privileges exist before the first migration. postgres: plain PostgreSQL.
platform: {platform}

# Schemas the API serves; the row level security rules guard these.
exposed_schemas: [{schema_list}]

# The roles API requests run as, without a login and signed in (PostgREST's
# anonymous and authenticated roles). Default: Supabase's.
# api_roles:
#   anonymous: [anon]
#   signed_in: [authenticated]

# Where `pgvet lint` looks when no path is given, and how the migration tool
# runs each file: per-file (one transaction per file, as the Supabase CLI
# does) or none (statement by statement).
migrations:
  dir: {migrations}
  transaction: {transaction}
  # With `pgvet lint --db URL`, lock findings on tables at or above either
  # size are errors, on tables below both small sizes info.
  # large_table: {{ rows: 10000, bytes: 100MB }}
  # small_table: {{ rows: 1000, bytes: 1MB }}

# The PostgreSQL major version the migrations run on (migration rules use it).
postgres_version: {version}

# Run only these rules (default: every rule that is on by default).
# select: [fk-missing-index, rls-disabled]

# Never run these rules; or skip one rule for one object (reason required).
# ignore:
#   - table-without-primary-key

# Per-rule level: error, warning, info or off (off-by-default rules turn on).
# rules:
#   fk-missing-index: error
#   index-naming: warning

# Objects created outside the migrations (by hand, by another tool).
# assume_exists:
#   - public.legacy_orders

# Make everything pgvet could not analyze (DO blocks, dynamic SQL, function
# bodies that do not parse) an error, as `--strict` does.
# strict: true

# Rule options, e.g. the vocabularies of the data-integrity rules.
# options:
#   prefer-bigint-over-int:
#     columns: all
",
        version = config::DEFAULT_POSTGRES_VERSION,
    )
}

/// A YAML scalar for a schema name: plain when that is unambiguous.
fn yaml_string(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit());
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

/// Writes the starter config into the current directory.
pub fn run(force: bool) -> Result<Outcome> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let path = cwd.join(crate::config::FILE_NAME);
    if path.exists() && !force {
        bail!(
            "{} exists already; `pgvet init --force` overwrites it",
            path.display()
        );
    }
    std::fs::write(&path, starter_config(&cwd))
        .with_context(|| format!("cannot write {}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(Outcome::Clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supabase_layout_gives_its_schemas_and_a_config_that_loads() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("supabase/migrations")).unwrap();
        std::fs::write(
            dir.path().join("supabase/config.toml"),
            "[api]\nschemas = [\"public\", \"graphql_public\", \"my api\"]\n",
        )
        .unwrap();
        let text = starter_config(dir.path());
        assert!(text.contains("platform: supabase"), "{text}");
        assert!(
            text.contains("exposed_schemas: [public, graphql_public, 'my api']"),
            "{text}"
        );
        assert!(text.contains("dir: supabase/migrations"), "{text}");
        assert!(text.contains("transaction: per-file"), "{text}");
        let cfg = config::Config::parse(&text, "pgvet.yaml").unwrap();
        assert_eq!(
            cfg.exposed_schemas.as_deref(),
            Some(
                &[
                    "public".to_string(),
                    "graphql_public".to_string(),
                    "my api".to_string()
                ][..]
            )
        );
        assert_eq!(
            cfg.migrations_dir.as_deref(),
            Some(Path::new("supabase/migrations"))
        );
    }

    #[test]
    fn plain_layout_is_postgres_without_transactions() {
        let dir = tempfile::tempdir().unwrap();
        let text = starter_config(dir.path());
        assert!(text.contains("platform: postgres"), "{text}");
        assert!(text.contains("transaction: none"), "{text}");
        config::Config::parse(&text, "pgvet.yaml").unwrap();
    }
}
