//! `pgvet init`: a commented starter `pgvet.yaml` for the project in a directory.

use std::path::Path;

use anyhow::{bail, Context, Result};

use super::Outcome;

use crate::config;
use crate::source::migrations::files;
use crate::source::migrations::runner::{self, Runner};

/// The starter config for the project at `dir`: Supabase settings when a
/// `supabase/config.toml` is found (its `[api] schemas` become the exposed
/// schemas), plain PostgreSQL otherwise. Every key is written, the optional
/// ones commented out with their defaults.
///
/// A `config.toml` that does not parse is an error: the starter would
/// otherwise name schemas the project does not expose.
pub fn starter_config(dir: &Path) -> Result<String, config::ConfigError> {
    let supabase = config::find_supabase_config(&[dir.to_path_buf()]);
    let platform = if supabase.is_some() {
        "supabase"
    } else {
        "postgres"
    };
    let toml = match &supabase {
        Some(path) => config::SupabaseConfig::load(path)?,
        None => config::SupabaseConfig::default(),
    };
    let schemas = toml.api_schemas.clone().unwrap_or_else(|| {
        let platform = if supabase.is_some() {
            crate::catalog::Platform::Supabase
        } else {
            crate::catalog::Platform::Postgres
        };
        platform.default_exposed_schemas()
    });
    let found_dir = files::autodetect(dir);
    let migrations = found_dir
        .as_deref()
        .and_then(|p| p.strip_prefix(dir).ok().map(|r| r.display().to_string()))
        .unwrap_or_else(|| "migrations".to_string());
    let runner = found_dir.as_deref().map(runner::detect);
    let transaction = match runner.and_then(Runner::default_transaction) {
        // The runner decides; the line is there to override it.
        Some(mode) => format!(
            "# transaction: {}",
            match mode {
                config::TransactionMode::PerFile => "per-file",
                config::TransactionMode::None => "none",
            }
        ),
        None if supabase.is_some() => "transaction: per-file".to_string(),
        None => "transaction: none".to_string(),
    };
    let runner_line = match runner {
        Some(r) => format!("runner: {}  # detected: {}", r.name(), runner::describe(r)),
        None => "# runner: plain".to_string(),
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
    let version = match toml.major_version {
        Some(v) => format!("{v}  # from [db] major_version"),
        None => config::DEFAULT_POSTGRES_VERSION.to_string(),
    };
    Ok(format!(
        "# pgvet.yaml, written by `pgvet init`. Every key is optional; `pgvet explain RULE` documents a rule.
{found}
# supabase: auth, storage, the anon/authenticated roles and Supabase's default
# privileges exist before the first migration. postgres: plain PostgreSQL.
platform: {platform}

# Schemas an HTTP API (Supabase's, PostgREST) serves; the row level security
# rules guard these. None on plain PostgreSQL unless you name them.
exposed_schemas: [{schema_list}]

# The roles API requests run as, without a login and signed in (PostgREST's
# anonymous and authenticated roles). Default: Supabase's.
# api_roles:
#   anonymous: [anon]
#   signed_in: [authenticated]

# Where `pgvet lint` looks when no path is given; the tool that applies the
# migrations (which files and sections it runs, in which order: supabase,
# flyway, golang-migrate, goose, dbmate, sqitch, prisma, drizzle, diesel,
# node-pg-migrate, up-down or plain; pgvet's docs/runners.md lists what each
# applies); and how it runs each file: per-file (one transaction per file)
# or none (statement by statement). Default: the runner's way.
migrations:
  dir: {migrations}
  {runner_line}
  {transaction}
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
    ))
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
    std::fs::write(&path, starter_config(&cwd)?)
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
        let text = starter_config(dir.path()).unwrap();
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
    fn the_runner_of_the_migrations_is_written_and_loads() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("migrations")).unwrap();
        std::fs::write(
            dir.path().join("migrations/00001_init.sql"),
            "-- +goose Up\ncreate table t (id int);\n-- +goose Down\ndrop table t;\n",
        )
        .unwrap();
        let text = starter_config(dir.path()).unwrap();
        assert!(text.contains("runner: goose  # detected: goose"), "{text}");
        // goose says how it runs a file; the mode is there to override it.
        assert!(text.contains("  # transaction: per-file"), "{text}");
        let cfg = config::Config::parse(&text, "pgvet.yaml").unwrap();
        assert_eq!(cfg.runner, Some(Runner::Goose));
        assert_eq!(cfg.transaction, None);
    }

    #[test]
    fn plain_layout_is_postgres_without_transactions() {
        let dir = tempfile::tempdir().unwrap();
        let text = starter_config(dir.path()).unwrap();
        assert!(text.contains("platform: postgres"), "{text}");
        assert!(text.contains("transaction: none"), "{text}");
        config::Config::parse(&text, "pgvet.yaml").unwrap();
    }

    #[test]
    fn the_supabase_major_version_is_written_and_a_broken_config_toml_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("supabase/migrations")).unwrap();
        let toml = dir.path().join("supabase/config.toml");
        std::fs::write(&toml, "[db]\nmajor_version = 17\n").unwrap();
        let text = starter_config(dir.path()).unwrap();
        assert!(
            text.contains("postgres_version: 17  # from [db] major_version"),
            "{text}"
        );
        let cfg = config::Config::parse(&text, "pgvet.yaml").unwrap();
        assert_eq!(cfg.postgres_version(), 17);

        std::fs::write(&toml, "[api\nschemas = [\"public\"]\n").unwrap();
        let err = starter_config(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("config.toml") && err.contains("line 1"),
            "{err}"
        );
    }
}
