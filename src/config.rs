//! `pgvet.yaml`: which rules run, at which severity, on which platform.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::catalog::Platform;
use crate::findings::Severity;
pub use crate::rules::SizeThresholds;
use crate::rules::{self, Engine, MigrationEnv, Rule};
pub use crate::source::migrations::config::RunnerFlags;
use crate::source::migrations::files;
pub use crate::source::migrations::session::TransactionMode;

pub const FILE_NAME: &str = "pgvet.yaml";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config `{path}`: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("config `{path}`: {reason}")]
    Invalid { path: String, reason: String },
    #[error("config `{path}`: unknown rule `{id}` in `{key}`{hint}")]
    UnknownRule {
        path: String,
        key: String,
        id: String,
        hint: String,
    },
}

/// A rule's configured level: a severity, or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleLevel {
    Error,
    Warning,
    Info,
    Off,
}

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    platform: Option<Platform>,
    exposed_schemas: Option<Vec<String>>,
    api_roles: Option<RawApiRoles>,
    select: Option<Vec<String>>,
    #[serde(default)]
    ignore: Vec<RawIgnore>,
    #[serde(default)]
    rules: BTreeMap<String, RuleLevel>,
    #[serde(default)]
    assume_exists: Vec<String>,
    #[serde(default)]
    options: BTreeMap<String, serde_norway::Value>,
    postgres_version: Option<u32>,
    #[serde(default)]
    migrations: RawMigrations,
    #[serde(default)]
    strict: bool,
}

/// An `ignore:` entry: a rule id (never run the rule), or a rule on one
/// object (`{rule, object, reason}`: hide its findings about that object).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawIgnore {
    Rule(String),
    Object(RawObjectIgnore),
}

/// Keys are optional here so that a missing or unknown one is reported by
/// name ([`object_ignore`]) instead of as an entry that matches neither form.
#[derive(Debug, Deserialize)]
struct RawObjectIgnore {
    rule: Option<String>,
    object: Option<String>,
    reason: Option<String>,
    #[serde(flatten)]
    other: BTreeMap<String, serde_norway::Value>,
}

/// `ignore: [{rule, object, reason}]`: findings of `rule` about `object`
/// are dropped, in lint and audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectIgnore {
    /// The rule's id (an alias in the file is resolved).
    pub rule: &'static str,
    /// As pgvet prints a finding's object: `public.audit_log`.
    pub object: String,
    pub reason: String,
}

fn object_ignore(i: usize, raw: RawObjectIgnore) -> Result<(String, ObjectIgnore), String> {
    let key = format!("ignore[{i}]");
    if let Some(unknown) = raw.other.keys().next() {
        return Err(format!(
            "{key}: unknown key `{unknown}` (an entry has `rule`, `object` and `reason`)"
        ));
    }
    let written = raw
        .rule
        .ok_or_else(|| format!("{key}.rule: missing; name the rule to ignore"))?;
    let object = raw
        .object
        .map(|o| o.trim().to_string())
        .filter(|o| !o.is_empty())
        .ok_or_else(|| {
            format!("{key}.object: missing; name the object as findings print it (`public.audit_log`), or write the bare rule id to ignore the rule everywhere")
        })?;
    let reason = raw
        .reason
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty())
        .ok_or_else(|| {
            format!("{key}.reason: missing; say why `{written}` does not apply to `{object}`")
        })?;
    // Unknown ids are reported by `check_rule_ids`, with a suggestion.
    let rule = rules::find(&written).map_or("", |r| r.id());
    Ok((
        written,
        ObjectIgnore {
            rule,
            object,
            reason,
        },
    ))
}

/// `migrations:` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMigrations {
    dir: Option<PathBuf>,
    transaction: Option<TransactionMode>,
    runner: Option<crate::source::migrations::runner::Runner>,
    history_table: Option<String>,
    flyway: Option<RawFlyway>,
    large_table: Option<RawTableSize>,
    small_table: Option<RawTableSize>,
}

/// `migrations.flyway:` as written: the command-line flags Flyway is run
/// with that change what pgvet reads, by Flyway's names (its `-table` is
/// `migrations.history_table`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawFlyway {
    schemas: Option<Words>,
    default_schema: Option<String>,
    locations: Option<Words>,
    placeholders: Option<BTreeMap<String, Scalar>>,
    placeholder_replacement: Option<bool>,
    placeholder_prefix: Option<String>,
    placeholder_suffix: Option<String>,
    execute_in_transaction: Option<bool>,
}

/// A list, or one string of comma-separated items (as Flyway's flags give
/// `-schemas=a,b`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Words {
    One(String),
    Many(Vec<String>),
}

impl Words {
    fn joined(self) -> String {
        match self {
            Words::One(s) => s,
            Words::Many(items) => items.join(","),
        }
    }
}

/// A placeholder's value as YAML may write it.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Scalar {
    Text(String),
    Integer(i64),
    Number(f64),
    Boolean(bool),
}

impl RawFlyway {
    /// Flyway's settings by Flyway's names, as [`RunnerFlags::flyway`] holds them.
    fn settings(self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let mut put = |key: &str, value: Option<String>| {
            if let Some(v) = value {
                out.insert(key.to_string(), v);
            }
        };
        put("schemas", self.schemas.map(Words::joined));
        put("defaultSchema", self.default_schema);
        put("locations", self.locations.map(Words::joined));
        put(
            "placeholderReplacement",
            self.placeholder_replacement.map(|b| b.to_string()),
        );
        put("placeholderPrefix", self.placeholder_prefix);
        put("placeholderSuffix", self.placeholder_suffix);
        put(
            "executeInTransaction",
            self.execute_in_transaction.map(|b| b.to_string()),
        );
        for (name, value) in self.placeholders.unwrap_or_default() {
            let value = match value {
                Scalar::Text(s) => s,
                Scalar::Integer(i) => i.to_string(),
                Scalar::Number(n) => n.to_string(),
                Scalar::Boolean(b) => b.to_string(),
            };
            out.insert(format!("placeholders.{name}"), value);
        }
        out
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTableSize {
    rows: Option<u64>,
    bytes: Option<SizeValue>,
}

/// A byte count: a number, or a string with a unit (`100MB`, `8 kB`, `1GB`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum SizeValue {
    Bytes(u64),
    Text(String),
}

impl SizeValue {
    fn bytes(&self) -> Result<u64, String> {
        match self {
            SizeValue::Bytes(n) => Ok(*n),
            SizeValue::Text(t) => parse_size(t),
        }
    }
}

/// `100MB`, `100 MB`, `8kB`, `1GB`, `512` (bytes); units are powers of 1024
/// as in PostgreSQL's `pg_size_pretty`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{text}` is not a size (e.g. 100MB)"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" | "bytes" => 1,
        "kb" => 1 << 10,
        "mb" => 1 << 20,
        "gb" => 1 << 30,
        "tb" => 1 << 40,
        _ => return Err(format!("`{text}`: unknown unit (use kB, MB, GB or TB)")),
    };
    n.checked_mul(factor)
        .ok_or_else(|| format!("`{text}` is too large"))
}

/// `api_roles:` as written; a missing list keeps Supabase's role.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApiRoles {
    anonymous: Option<Vec<String>>,
    signed_in: Option<Vec<String>>,
}

impl RawApiRoles {
    fn roles(self) -> Result<crate::catalog::ApiRoles, String> {
        let mut roles = crate::catalog::ApiRoles::default();
        for (key, list, target) in [
            ("anonymous", self.anonymous, &mut roles.anonymous),
            ("signed_in", self.signed_in, &mut roles.signed_in),
        ] {
            let Some(list) = list else { continue };
            if list.is_empty() {
                return Err(format!("api_roles.{key}: name at least one role"));
            }
            // Role names fold like other identifiers when written unquoted.
            *target = list
                .iter()
                .map(|r| crate::catalog::Ident::new(r.to_ascii_lowercase()))
                .collect();
        }
        Ok(roles)
    }
}

/// PostgreSQL major version assumed when the config does not name one.
pub const DEFAULT_POSTGRES_VERSION: u32 = 15;

/// The PostgreSQL major versions a config may name: 10 (the first with a
/// one-number major) to 19, the newest at the time of writing. A typo such
/// as `99` is an error rather than a version every check treats as newest.
pub const KNOWN_MAJOR_VERSIONS: std::ops::RangeInclusive<u32> = 10..=19;

/// Effective settings for a run.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// None: autodetect (Supabase when a `supabase/config.toml` is found).
    pub platform: Option<Platform>,
    /// None: from `supabase/config.toml` `[api] schemas`, else `[public]`.
    pub exposed_schemas: Option<Vec<String>>,
    /// `api_roles`: the roles API requests run as (None: `anon`, `authenticated`).
    pub api_roles: Option<crate::catalog::ApiRoles>,
    /// Only these rules (ids); None = every default-enabled rule.
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
    /// `ignore:` entries that name an object: suppressions for audit (and lint).
    pub ignore_objects: Vec<ObjectIgnore>,
    pub levels: BTreeMap<String, RuleLevel>,
    /// Objects created outside migrations (`schema.name`), for `undefined-object`.
    pub assume_exists: Vec<String>,
    /// Per-rule options (`options.<rule-id>`), checked by each rule at load.
    pub options: BTreeMap<String, serde_norway::Value>,
    /// The file this came from, for messages.
    pub source: Option<PathBuf>,
    /// `postgres_version`: the major version migrations run on (None: 15).
    pub postgres_version: Option<u32>,
    /// `migrations.dir`: where `pgvet lint` looks when no path is given
    /// (relative to the config file's directory).
    pub migrations_dir: Option<PathBuf>,
    /// `migrations.transaction`; None: the runner's, else per-file on
    /// Supabase, none on PostgreSQL.
    pub transaction: Option<TransactionMode>,
    /// `migrations.runner`; None: detected from the directory.
    pub runner: Option<crate::source::migrations::runner::Runner>,
    /// `migrations.history_table`, `migrations.flyway` (and
    /// `--history-table`): the flags the runner is started with.
    pub runner_flags: RunnerFlags,
    pub size_thresholds: SizeThresholds,
    /// Tables a migration touches but no migration created are old and not
    /// empty, and are not reported as undefined; other objects no migration
    /// made (views, functions, types, ...) exist too, unless a statement
    /// of the run dropped them (`--assume-existing`).
    pub assume_existing: bool,
    /// `strict: true` or `--strict`: everything pgvet could not analyze is
    /// an error finding (rule `not-analyzed`).
    pub strict: bool,
}

/// `migrations.history_table` and `migrations.flyway`, checked: Flyway
/// keeps its history table in its default schema, so the two cannot name
/// different ones.
fn runner_flags(
    history_table: Option<String>,
    flyway: Option<RawFlyway>,
) -> Result<RunnerFlags, String> {
    let history_table = history_table
        .map(|t| crate::source::migrations::config::history_table_name(&t))
        .transpose()
        .map_err(|e| format!("migrations.history_table: {e}"))?;
    let flyway = flyway.map(RawFlyway::settings).unwrap_or_default();
    if let (Some((Some(schema), _)), Some(default)) = (&history_table, flyway.get("defaultSchema"))
    {
        if schema != default {
            return Err(format!(
                "migrations.history_table is in schema `{schema}` but migrations.flyway.defaultSchema is `{default}`: Flyway keeps its history table in its default schema"
            ));
        }
    }
    Ok(RunnerFlags {
        history_table,
        flyway,
        base: None,
    })
}

/// A config file's text: a regular file of bounded size (`--config
/// /dev/zero` must not fill memory).
fn read_config(path: &Path) -> Result<String, ConfigError> {
    files::read_text(path, files::MAX_CONFIG_BYTES).map_err(|e| ConfigError::Read {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

impl Config {
    /// Reads and checks a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        Self::parse(&read_config(path)?, &path.display().to_string()).map(|mut c| {
            c.source = Some(path.to_path_buf());
            // Flyway's locations in it are relative to its folder.
            c.runner_flags.base = path.parent().map(Path::to_path_buf);
            c
        })
    }

    pub fn parse(text: &str, name: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig = if text.trim().is_empty() {
            RawConfig::default()
        } else {
            serde_norway::from_str(text).map_err(|e| ConfigError::Invalid {
                path: name.to_string(),
                reason: with_key_suggestion(&e.to_string()),
            })?
        };
        let invalid = |reason: String| ConfigError::Invalid {
            path: name.to_string(),
            reason,
        };
        if let Some(v) = raw.postgres_version {
            if !KNOWN_MAJOR_VERSIONS.contains(&v) {
                return Err(invalid(format!(
                    "postgres_version: {v} is not a PostgreSQL major version pgvet knows ({}–{}, e.g. 15)",
                    KNOWN_MAJOR_VERSIONS.start(),
                    KNOWN_MAJOR_VERSIONS.end()
                )));
            }
        }
        let mut size_thresholds = SizeThresholds::default();
        for (key, raw_size, rows, bytes) in [
            (
                "large_table",
                &raw.migrations.large_table,
                &mut size_thresholds.large_rows,
                &mut size_thresholds.large_bytes,
            ),
            (
                "small_table",
                &raw.migrations.small_table,
                &mut size_thresholds.small_rows,
                &mut size_thresholds.small_bytes,
            ),
        ] {
            let Some(size) = raw_size else { continue };
            if let Some(r) = size.rows {
                *rows = r;
            }
            if let Some(b) = &size.bytes {
                *bytes = b
                    .bytes()
                    .map_err(|e| invalid(format!("migrations.{key}.bytes: {e}")))?;
            }
        }
        let mut ignore = Vec::new();
        let mut ignore_objects = Vec::new();
        let mut object_rule_ids = Vec::new();
        for (i, entry) in raw.ignore.into_iter().enumerate() {
            match entry {
                RawIgnore::Rule(id) => ignore.push(id),
                RawIgnore::Object(raw) => {
                    let (written, entry) = object_ignore(i, raw).map_err(invalid)?;
                    object_rule_ids.push(written);
                    ignore_objects.push(entry);
                }
            }
        }
        let api_roles = raw
            .api_roles
            .map(RawApiRoles::roles)
            .transpose()
            .map_err(invalid)?;
        let runner_flags =
            runner_flags(raw.migrations.history_table, raw.migrations.flyway).map_err(invalid)?;
        let cfg = Config {
            platform: raw.platform,
            exposed_schemas: raw.exposed_schemas,
            api_roles,
            select: raw.select,
            ignore,
            ignore_objects,
            levels: raw.rules,
            assume_exists: raw.assume_exists,
            options: raw.options,
            source: None,
            postgres_version: raw.postgres_version,
            migrations_dir: raw.migrations.dir,
            transaction: raw.migrations.transaction,
            runner: raw.migrations.runner,
            runner_flags,
            size_thresholds,
            assume_existing: false,
            strict: raw.strict,
        };
        cfg.check_rule_ids(name)?;
        if let Some(id) = object_rule_ids.iter().find(|id| rules::find(id).is_none()) {
            return Err(ConfigError::UnknownRule {
                path: name.to_string(),
                key: "ignore".to_string(),
                id: id.clone(),
                hint: did_you_mean(id),
            });
        }
        for (id, value) in &cfg.options {
            if let Some(rule) = rules::find(id) {
                rule.validate_options(value)
                    .map_err(|reason| ConfigError::Invalid {
                        path: name.to_string(),
                        reason: format!("options.{id}: {reason}"),
                    })?;
            }
        }
        Ok(cfg)
    }

    /// Every rule id named anywhere must exist (aliases included).
    pub fn check_rule_ids(&self, name: &str) -> Result<(), ConfigError> {
        let named = self
            .select
            .iter()
            .flatten()
            .map(|id| ("select", id))
            .chain(self.ignore.iter().map(|id| ("ignore", id)))
            .chain(self.levels.keys().map(|id| ("rules", id)))
            .chain(self.options.keys().map(|id| ("options", id)));
        for (key, id) in named {
            if rules::find(id).is_none() {
                return Err(ConfigError::UnknownRule {
                    path: name.to_string(),
                    key: key.to_string(),
                    id: id.clone(),
                    hint: did_you_mean(id),
                });
            }
        }
        Ok(())
    }

    /// Whether the user set this rule's level (`rules: { id: warning }`), which
    /// then applies to every finding of the rule, even those a rule reports at
    /// its own varying severity.
    pub fn sets_level(&self, rule: &Rule) -> bool {
        self.levels.iter().any(|(id, l)| {
            *l != RuleLevel::Off && rules::find(id).is_some_and(|r| r.id() == rule.id())
        })
    }

    pub fn postgres_version(&self) -> u32 {
        self.postgres_version.unwrap_or(DEFAULT_POSTGRES_VERSION)
    }

    /// The rule engine this config asks for: every rule it enables, at its
    /// severity, with its options.
    pub fn engine(&self) -> Engine {
        let env = MigrationEnv {
            postgres_version: self.postgres_version(),
            thresholds: self.size_thresholds,
            assume_existing: self.assume_existing,
            live_tables: None,
            data: None,
            applied_files: None,
        };
        let options = self
            .options
            .iter()
            .filter_map(|(id, value)| Some((rules::find(id)?.id(), value.clone())))
            .collect();
        let running = rules::all().iter().filter_map(|rule| {
            let severity = self.severity_for(rule)?;
            Some((rule, severity, self.sets_level(rule)))
        });
        Engine::new(env, self.assume_exists.clone(), options, running)
    }

    /// The severity a rule runs at, or None when it does not run.
    pub fn severity_for(&self, rule: &Rule) -> Option<Severity> {
        let names = |list: &[String]| {
            list.iter()
                .any(|id| rules::find(id).is_some_and(|r| r.id() == rule.id()))
        };
        if names(&self.ignore) {
            return None;
        }
        let level = self
            .levels
            .iter()
            .find(|(id, _)| rules::find(id).is_some_and(|r| r.id() == rule.id()))
            .map(|(_, l)| *l);
        let selected = match &self.select {
            Some(list) => names(list),
            None => rule.doc.default_enabled || level.is_some_and(|l| l != RuleLevel::Off),
        };
        if !selected {
            return None;
        }
        match level {
            Some(RuleLevel::Off) => None,
            Some(RuleLevel::Error) => Some(Severity::Error),
            Some(RuleLevel::Warning) => Some(Severity::Warning),
            Some(RuleLevel::Info) => Some(Severity::Info),
            None => Some(rule.doc.severity),
        }
    }
}

/// `pgvet.yaml` in `start` or the nearest ancestor that has one.
pub fn discover(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|d| d.join(FILE_NAME))
        .find(|p| p.is_file())
}

/// ` (did you mean `x`?)` for the closest rule id, in any case, or nothing.
pub(crate) fn did_you_mean(id: &str) -> String {
    let id = id.to_ascii_lowercase();
    let best = rules::all()
        .iter()
        .map(|r| (crate::catalog::ident::edit_distance(&id, r.id()), r.id()))
        .min()
        .filter(|(d, _)| *d <= 3);
    best.map(|(_, r)| format!(" (did you mean `{r}`?)"))
        .unwrap_or_default()
}

/// serde's "unknown field `selekt`, expected one of `platform`, ..." with
/// the closest expected key named first: "(did you mean `select`?)".
fn with_key_suggestion(message: &str) -> String {
    let Some(rest) = message.split_once("unknown field `").map(|(_, r)| r) else {
        return message.to_string();
    };
    let Some((unknown, expected)) = rest.split_once('`') else {
        return message.to_string();
    };
    let best = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|k| (crate::catalog::ident::edit_distance(unknown, k), k))
        .min()
        .filter(|(d, _)| *d <= 3);
    match best {
        Some((_, key)) => format!("{message} (did you mean `{key}`?)"),
        None => message.to_string(),
    }
}

/// A Supabase project's `config.toml` near the migrations or the cwd.
pub fn find_supabase_config(starts: &[PathBuf]) -> Option<PathBuf> {
    for start in starts {
        let start = std::fs::canonicalize(start).unwrap_or_else(|_| start.clone());
        for dir in start.ancestors() {
            let nested = dir.join("supabase").join("config.toml");
            if nested.is_file() {
                return Some(nested);
            }
            if dir.file_name().is_some_and(|n| n == "supabase") && dir.join("config.toml").is_file()
            {
                return Some(dir.join("config.toml"));
            }
        }
    }
    None
}

/// What pgvet reads from a Supabase `config.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SupabaseConfig {
    /// `[api] schemas`: the schemas the Data API serves.
    pub api_schemas: Option<Vec<String>>,
    /// `[db] major_version`.
    pub major_version: Option<u32>,
}

impl SupabaseConfig {
    /// Reads the file. One that exists but does not parse, or whose
    /// `[api] schemas` is not a list of names, is an error naming the line:
    /// falling back to the default schemas would silently stop checking the
    /// schemas the project really exposes.
    pub fn load(path: &Path) -> Result<SupabaseConfig, ConfigError> {
        Self::parse(&read_config(path)?, &path.display().to_string())
    }

    pub fn parse(text: &str, name: &str) -> Result<SupabaseConfig, ConfigError> {
        let invalid = |reason: String| ConfigError::Invalid {
            path: name.to_string(),
            reason,
        };
        let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let place = e
                .span()
                .map(|span| {
                    let (line, column) = line_column(text, span.start);
                    format!("line {line}, column {column}: ")
                })
                .unwrap_or_default();
            invalid(format!(
                "{place}{} (the Supabase CLI cannot read it either)",
                e.message().trim_end()
            ))
        })?;
        let api_schemas = match doc.get("api").and_then(|api| api.get("schemas")) {
            None => None,
            Some(value) => Some(
                value
                    .as_array()
                    .and_then(|list| {
                        list.iter()
                            .map(|v| v.as_str().map(str::to_string))
                            .collect::<Option<Vec<String>>>()
                    })
                    .ok_or_else(|| {
                        invalid("[api] schemas must be a list of schema names".to_string())
                    })?,
            ),
        };
        let major_version = match doc.get("db").and_then(|db| db.get("major_version")) {
            None => None,
            Some(value) => Some(
                value
                    .as_integer()
                    .and_then(|v| u32::try_from(v).ok())
                    .filter(|v| KNOWN_MAJOR_VERSIONS.contains(v))
                    .ok_or_else(|| {
                        invalid(format!(
                            "[db] major_version = {value} is not a PostgreSQL major version pgvet knows ({}–{})",
                            KNOWN_MAJOR_VERSIONS.start(),
                            KNOWN_MAJOR_VERSIONS.end()
                        ))
                    })?,
            ),
        };
        Ok(SupabaseConfig {
            api_schemas,
            major_version,
        })
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_roles_replace_supabase_roles_per_list() {
        let cfg = Config::parse("api_roles:\n  anonymous: [Web_Anon]\n", "pgvet.yaml").unwrap();
        let roles = cfg.api_roles.unwrap();
        assert!(roles.is_anonymous(&crate::catalog::Ident::new("web_anon")));
        assert!(!roles.is_anonymous(&crate::catalog::Ident::new("anon")));
        // The list not given keeps Supabase's.
        assert!(roles.is_signed_in(&crate::catalog::Ident::new("authenticated")));
        let err = Config::parse("api_roles:\n  anonymous: []\n", "pgvet.yaml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("api_roles.anonymous"), "{err}");
        let err = Config::parse("api_roles:\n  anonymus: [x]\n", "pgvet.yaml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("anonymus"), "{err}");
    }

    #[test]
    fn unknown_key_is_an_error_naming_it() {
        let err = Config::parse("selekt: [fk-missing-index]", "pgvet.yaml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("selekt"), "{err}");
    }

    #[test]
    fn unknown_key_suggests_the_closest_key() {
        let err = Config::parse("selekt: [fk-missing-index]", "pgvet.yaml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("did you mean `select`?"), "{err}");
        let err = Config::parse("migrations:\n  transacton: none\n", "pgvet.yaml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("did you mean `transaction`?"), "{err}");
        let err = Config::parse("zzzzzzzzzz: 1", "pgvet.yaml")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("did you mean"), "{err}");
    }

    #[test]
    fn unknown_rule_suggests_the_closest() {
        let err = Config::parse("ignore: [fk-missing-indx]", "pgvet.yaml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("did you mean `fk-missing-index`"), "{err}");
        assert_eq!(
            did_you_mean("FK-Missing-Index"),
            " (did you mean `fk-missing-index`?)"
        );
    }

    #[test]
    fn severity_override_and_off() {
        let cfg = Config::parse(
            "rules:\n  fk-missing-index: error\n  rls-disabled: off\n",
            "x",
        )
        .unwrap();
        let fk = rules::find("fk-missing-index").unwrap();
        let rls = rules::find("rls-disabled").unwrap();
        assert_eq!(cfg.severity_for(fk), Some(Severity::Error));
        assert_eq!(cfg.severity_for(rls), None);
    }

    #[test]
    fn options_are_checked_by_their_rule() {
        let err = Config::parse("options:\n  fk-missing-index:\n    x: 1\n", "pgvet.yaml")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("options.fk-missing-index: this rule takes no options"),
            "{err}"
        );
        let err = Config::parse("options:\n  fk-missing-indx: {}\n", "pgvet.yaml")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown rule `fk-missing-indx` in `options`"),
            "{err}"
        );
    }

    #[test]
    fn migration_settings_parse_with_units() {
        let cfg = Config::parse(
            "postgres_version: 12\nmigrations:\n  transaction: none\n  large_table: { rows: 500, bytes: 2GB }\n  small_table: { bytes: 64kB }\n",
            "x",
        )
        .unwrap();
        assert_eq!(cfg.postgres_version(), 12);
        assert_eq!(cfg.transaction, Some(TransactionMode::None));
        assert_eq!(cfg.size_thresholds.large_rows, 500);
        assert_eq!(cfg.size_thresholds.large_bytes, 2 << 30);
        assert_eq!(cfg.size_thresholds.small_rows, 1_000);
        assert_eq!(cfg.size_thresholds.small_bytes, 64 << 10);
        assert_eq!(Config::default().postgres_version(), 15);
        let err = Config::parse("migrations:\n  large_table: { bytes: 3 parsecs }\n", "x")
            .unwrap_err()
            .to_string();
        assert!(err.contains("migrations.large_table.bytes"), "{err}");
        let err = Config::parse("postgres_version: 150000\n", "x")
            .unwrap_err()
            .to_string();
        assert!(err.contains("postgres_version"), "{err}");
        let err = Config::parse("migrations:\n  transaction: per-statement\n", "x")
            .unwrap_err()
            .to_string();
        assert!(err.contains("per-statement"), "{err}");
    }

    #[test]
    fn history_table_and_flyway_flags_parse() {
        let cfg = Config::parse(
            "migrations:\n  history_table: ops.deploy_log\n  flyway:\n    schemas: [ops, app]\n    locations: filesystem:sql,filesystem:more\n    placeholders: { owner: app_owner, version: 2 }\n    executeInTransaction: false\n",
            "x",
        )
        .unwrap();
        let flags = &cfg.runner_flags;
        assert_eq!(
            flags.history_table,
            Some((Some("ops".to_string()), "deploy_log".to_string()))
        );
        let get = |k: &str| flags.flyway.get(k).map(String::as_str);
        assert_eq!(get("schemas"), Some("ops,app"));
        assert_eq!(get("locations"), Some("filesystem:sql,filesystem:more"));
        assert_eq!(get("placeholders.owner"), Some("app_owner"));
        assert_eq!(get("placeholders.version"), Some("2"));
        assert_eq!(get("executeInTransaction"), Some("false"));
        let err = Config::parse("migrations:\n  history_table: a.b.c\n", "x")
            .unwrap_err()
            .to_string();
        assert!(err.contains("migrations.history_table: `a.b.c`"), "{err}");
        let err = Config::parse(
            "migrations:\n  history_table: ops.log\n  flyway: { defaultSchema: app }\n",
            "x",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("default schema"), "{err}");
        let err = Config::parse("migrations:\n  flyway: { defaultSchemas: app }\n", "x")
            .unwrap_err()
            .to_string();
        assert!(err.contains("did you mean `defaultSchema`?"), "{err}");
    }

    #[test]
    fn ignore_takes_rule_ids_and_objects_with_reasons() {
        let cfg = Config::parse(
            "ignore:\n  - table-without-primary-key\n  - rule: prefer-timestamp-tz\n    object: public.events\n    reason: legacy column, read by a reporting tool\n",
            "x",
        )
        .unwrap();
        assert_eq!(cfg.ignore, ["table-without-primary-key"]);
        assert_eq!(
            cfg.ignore_objects,
            [ObjectIgnore {
                rule: "prefer-timestamptz",
                object: "public.events".to_string(),
                reason: "legacy column, read by a reporting tool".to_string(),
            }]
        );
        // Only plain ids keep a rule from running.
        assert!(cfg
            .severity_for(rules::find("prefer-timestamptz").unwrap())
            .is_some());
    }

    #[test]
    fn object_ignore_errors_name_the_key() {
        let err = |yaml: &str| Config::parse(yaml, "pgvet.yaml").unwrap_err().to_string();
        let e = err("ignore:\n  - rule: rls-disabled\n    object: public.audit_log\n");
        assert!(e.contains("ignore[0].reason: missing"), "{e}");
        let e = err("ignore:\n  - rls-disabled\n  - {rule: rls-disabled, object: public.a, reason: \"  \"}\n");
        assert!(e.contains("ignore[1].reason: missing"), "{e}");
        let e = err("ignore:\n  - {rule: rls-disabled, reason: x}\n");
        assert!(e.contains("ignore[0].object: missing"), "{e}");
        let e = err("ignore:\n  - {object: public.a, reason: x}\n");
        assert!(e.contains("ignore[0].rule: missing"), "{e}");
        let e = err("ignore:\n  - {rule: rls-disabled, objet: public.a, reason: x}\n");
        assert!(e.contains("ignore[0]: unknown key `objet`"), "{e}");
        let e = err("ignore:\n  - {rule: rls-disable, object: public.a, reason: x}\n");
        assert!(
            e.contains("unknown rule `rls-disable` in `ignore` (did you mean `rls-disabled`?)"),
            "{e}"
        );
    }

    #[test]
    fn select_runs_only_the_named_rules() {
        let cfg = Config::parse("select: [rls-disabled]", "x").unwrap();
        assert!(cfg
            .severity_for(rules::find("rls-disabled").unwrap())
            .is_some());
        assert!(cfg
            .severity_for(rules::find("fk-missing-index").unwrap())
            .is_none());
    }

    #[test]
    fn supabase_config_reads_api_schemas_and_major_version() {
        let c = SupabaseConfig::parse(
            "[api]\nenabled = true\nschemas = [\"public\", \"api\"]\n[db]\nmajor_version = 15\n",
            "config.toml",
        )
        .unwrap();
        assert_eq!(
            c.api_schemas,
            Some(vec!["public".to_string(), "api".to_string()])
        );
        assert_eq!(c.major_version, Some(15));
        assert_eq!(
            SupabaseConfig::parse("", "config.toml").unwrap(),
            SupabaseConfig::default()
        );
    }

    #[test]
    fn a_broken_supabase_config_is_an_error_naming_line_and_column() {
        let err = SupabaseConfig::parse(
            "[api]\nschemas = [\"public\"\n[db]\n",
            "supabase/config.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("config `supabase/config.toml`: line 3, column "),
            "{err}"
        );
        let err = SupabaseConfig::parse("[api]\nschemas = \"public\"\n", "config.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("[api] schemas must be a list"), "{err}");
        let err = SupabaseConfig::parse("[db]\nmajor_version = 99\n", "config.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("major_version = 99 is not"), "{err}");
    }

    #[test]
    fn an_unknown_postgres_version_is_an_error() {
        for bad in ["99", "9", "20"] {
            let err = Config::parse(&format!("postgres_version: {bad}\n"), "pgvet.yaml")
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("is not a PostgreSQL major version pgvet knows"),
                "{err}"
            );
        }
        for good in ["10", "15", "18"] {
            Config::parse(&format!("postgres_version: {good}\n"), "pgvet.yaml").unwrap();
        }
    }
}
