//! Runner configuration files that change what a runner applies or where it
//! keeps its history: Flyway's `flyway.conf` / `flyway.toml`, sqitch's
//! `sqitch.conf`, and the literal parts of a `drizzle.config.*`.
//!
//! Each is read as text and never executed: a value that only a program
//! could compute (a Drizzle config's variable, a Flyway resolver such as
//! `${env.X}` in a location) is left at the runner's default.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::files;
use crate::findings::InputError;

/// How many folders up from the migrations a runner's configuration is
/// looked for (a Maven project keeps them in `src/main/resources/db/migration`).
const LEVELS_UP: usize = 6;

/// The folders a configuration file may sit in: `dir`, then each parent up
/// to the repository's root (a folder holding `.git`) or [`LEVELS_UP`].
fn candidates(dir: &Path) -> Vec<PathBuf> {
    // The folders as given (relative paths stay relative, as the findings
    // name the files), then the working directory's parents.
    let mut folders: Vec<PathBuf> = dir.ancestors().map(Path::to_path_buf).collect();
    if dir.is_relative() {
        if let Ok(cwd) = std::env::current_dir() {
            folders.extend(cwd.ancestors().skip(1).map(Path::to_path_buf));
        }
    }
    let mut out = Vec::new();
    for folder in folders.into_iter().take(LEVELS_UP + 1) {
        let is_root = folder.join(".git").exists();
        out.push(folder);
        if is_root {
            break;
        }
    }
    out
}

/// Flyway's settings that change which scripts it applies, what it sends
/// and where it records them. Defaults are Flyway's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flyway {
    /// The file the settings come from; None: Flyway's defaults.
    pub file: Option<PathBuf>,
    /// The `filesystem:` (and `classpath:`, under `src/main/resources`)
    /// locations, resolved against the configuration file's folder.
    pub locations: Vec<PathBuf>,
    pub prefix: String,
    pub repeatable_prefix: String,
    pub undo_prefix: String,
    pub baseline_prefix: String,
    pub separator: String,
    pub suffixes: Vec<String>,
    pub placeholder_replacement: bool,
    /// `executeInTransaction` (default true): false runs every script
    /// outside a transaction, unless its own `<script>.conf` says otherwise.
    pub execute_in_transaction: bool,
    pub placeholder_prefix: String,
    pub placeholder_suffix: String,
    pub placeholders: BTreeMap<String, String>,
    pub schemas: Vec<String>,
    pub default_schema: Option<String>,
    pub table: String,
    pub user: Option<String>,
    pub url: Option<String>,
}

impl Default for Flyway {
    fn default() -> Self {
        Flyway {
            file: None,
            locations: Vec::new(),
            prefix: "V".to_string(),
            repeatable_prefix: "R".to_string(),
            undo_prefix: "U".to_string(),
            baseline_prefix: "B".to_string(),
            separator: "__".to_string(),
            suffixes: vec![".sql".to_string()],
            placeholder_replacement: true,
            execute_in_transaction: true,
            placeholder_prefix: "${".to_string(),
            placeholder_suffix: "}".to_string(),
            placeholders: BTreeMap::new(),
            schemas: Vec::new(),
            default_schema: None,
            table: "flyway_schema_history".to_string(),
            user: None,
            url: None,
        }
    }
}

impl Flyway {
    /// The schema Flyway keeps its history table in and sets as the
    /// connection's default: `defaultSchema`, else the first of `schemas`;
    /// None: the database's default (`public`).
    pub fn history_schema(&self) -> Option<&str> {
        self.default_schema
            .as_deref()
            .or_else(|| self.schemas.first().map(String::as_str))
    }

    /// The value of a placeholder named `name` in `file`; None: Flyway has
    /// none and refuses the script. Flyway's own (`flyway:...`) are given
    /// stand-ins where the value comes from the run, not from files.
    pub fn placeholder(&self, name: &str, file: &str) -> Option<String> {
        if let Some(v) = self.placeholders.get(name) {
            return Some(v.clone());
        }
        if let Some((_, v)) = self
            .placeholders
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
        {
            return Some(v.clone());
        }
        let builtin = name.strip_prefix("flyway:")?;
        Some(match builtin {
            "defaultSchema" => self.history_schema().unwrap_or("public").to_string(),
            "table" => self.table.clone(),
            "filename" => file.to_string(),
            "user" => self.user.clone().unwrap_or_else(|| "flyway".to_string()),
            "database" => self
                .url
                .as_deref()
                .and_then(database_of_url)
                .unwrap_or("postgres")
                .to_string(),
            "timestamp" => "2000-01-01 00:00:00".to_string(),
            "workingDirectory" => ".".to_string(),
            "environment" => "default".to_string(),
            _ => return None,
        })
    }
}

/// `db` of `jdbc:postgresql://host:5432/db?x=y`.
fn database_of_url(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let path = rest.split_once('/')?.1;
    let db = path.split(['?', ';']).next()?;
    (!db.is_empty()).then_some(db)
}

/// The Flyway configuration for the migrations in `dir`: the first
/// `flyway.toml` or `flyway.conf` found in it or a folder above it
/// (`flyway.toml` first in a folder holding both, as Flyway 10 prefers it).
pub fn flyway(dir: &Path) -> Result<Option<Flyway>, InputError> {
    for folder in candidates(dir) {
        for (name, toml) in [("flyway.toml", true), ("flyway.conf", false)] {
            let path = folder.join(name);
            if !path.is_file() {
                continue;
            }
            let text = files::read(&path, files::MAX_CONFIG_BYTES)?;
            let settings = if toml {
                flyway_toml(&text).map_err(|e| {
                    InputError::file(&path, format!("cannot read `{}`: {e}", path.display()))
                })?
            } else {
                properties(&text)
            };
            let mut cfg = flyway_from(&settings, &folder, &path);
            from_environment(&mut cfg);
            return Ok(Some(cfg));
        }
    }
    let mut cfg = Flyway::default();
    from_environment(&mut cfg);
    Ok((cfg != Flyway::default()).then_some(cfg))
}

/// The placeholder settings Flyway takes from its environment, which wins
/// over its files: `FLYWAY_PLACEHOLDERS_<NAME>` (the name lowercased, as
/// Flyway reads it) and `FLYWAY_PLACEHOLDER_REPLACEMENT`; read from pgvet's
/// own environment, the one Flyway sees when both run in the same job.
fn from_environment(cfg: &mut Flyway) {
    for (key, value) in std::env::vars() {
        if let Some(name) = key.strip_prefix("FLYWAY_PLACEHOLDERS_") {
            cfg.placeholders.insert(name.to_ascii_lowercase(), value);
        } else if key == "FLYWAY_PLACEHOLDER_REPLACEMENT" {
            cfg.placeholder_replacement = !value.trim().eq_ignore_ascii_case("false");
        } else if key == "FLYWAY_EXECUTE_IN_TRANSACTION" {
            cfg.execute_in_transaction = !value.trim().eq_ignore_ascii_case("false");
        }
    }
}

/// Flyway's settings by their name without `flyway.` (`locations`,
/// `placeholders.x`), as given: lists joined with commas.
type Settings = BTreeMap<String, String>;

fn flyway_from(settings: &Settings, folder: &Path, file: &Path) -> Flyway {
    let mut out = Flyway {
        file: Some(file.to_path_buf()),
        ..Flyway::default()
    };
    let get = |k: &str| settings.get(k).map(|v| v.trim().to_string());
    let list = |k: &str| -> Vec<String> {
        get(k)
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    for location in list("locations") {
        let path = if let Some(p) = location.strip_prefix("filesystem:") {
            PathBuf::from(p)
        } else if let Some(p) = location.strip_prefix("classpath:") {
            Path::new("src/main/resources").join(p.trim_start_matches('/'))
        } else if location.contains(':') && !location.starts_with(['.', '/']) {
            // s3:, gcs:, a resolver: not a folder pgvet can read.
            continue;
        } else {
            PathBuf::from(location)
        };
        out.locations.push(folder.join(path));
    }
    let set = |target: &mut String, key: &str| {
        if let Some(v) = get(key).filter(|v| !v.is_empty()) {
            *target = v;
        }
    };
    set(&mut out.prefix, "sqlMigrationPrefix");
    set(&mut out.repeatable_prefix, "repeatableSqlMigrationPrefix");
    set(&mut out.undo_prefix, "undoSqlMigrationPrefix");
    set(&mut out.baseline_prefix, "baselineMigrationPrefix");
    set(&mut out.separator, "sqlMigrationSeparator");
    set(&mut out.placeholder_prefix, "placeholderPrefix");
    set(&mut out.placeholder_suffix, "placeholderSuffix");
    set(&mut out.table, "table");
    let suffixes = list("sqlMigrationSuffixes");
    if !suffixes.is_empty() {
        out.suffixes = suffixes;
    }
    if let Some(v) = get("placeholderReplacement") {
        out.placeholder_replacement = !v.eq_ignore_ascii_case("false");
    }
    if let Some(v) = get("executeInTransaction") {
        out.execute_in_transaction = !v.eq_ignore_ascii_case("false");
    }
    out.schemas = list("schemas");
    out.default_schema = get("defaultSchema").filter(|s| !s.is_empty());
    out.user = get("user").filter(|s| !s.is_empty());
    out.url = get("url").filter(|s| !s.is_empty());
    for (k, v) in settings {
        if let Some(name) = k.strip_prefix("placeholders.") {
            out.placeholders.insert(name.to_string(), v.clone());
        }
    }
    out
}

/// A Java properties file's `flyway.*` settings: `key=value`, `key: value`
/// or `key value`; `#` and `!` comment lines; a line ending in `\` goes on.
fn properties(text: &str) -> Settings {
    let mut out = Settings::new();
    let mut logical = String::new();
    for line in text.lines() {
        let line = line.trim_start();
        if logical.is_empty() && (line.starts_with('#') || line.starts_with('!')) {
            continue;
        }
        let continued = line.ends_with('\\') && !line.ends_with("\\\\");
        logical.push_str(
            line.strip_suffix('\\')
                .filter(|_| continued)
                .unwrap_or(line),
        );
        if continued {
            continue;
        }
        let entry = std::mem::take(&mut logical);
        let entry = entry.trim();
        if entry.is_empty() {
            continue;
        }
        let split = entry
            .find(['=', ':'])
            .into_iter()
            .chain(entry.find(char::is_whitespace))
            .min();
        let (key, value) = match split {
            Some(at) => {
                let (k, v) = entry.split_at(at);
                let v = v.get(1..).unwrap_or("").trim_start();
                let v = v.strip_prefix(['=', ':']).unwrap_or(v);
                (k.trim(), v.trim())
            }
            None => (entry, ""),
        };
        if let Some(key) = key.strip_prefix("flyway.") {
            out.insert(key.to_string(), value.to_string());
        }
    }
    out
}

/// `flyway.toml`'s settings: the `[flyway]` table (its `placeholders`
/// table included) and the selected environment's `schemas`, `user` and
/// `url` (`[environments.<flyway.environment, else "default">]`).
fn flyway_toml(text: &str) -> Result<Settings, String> {
    let doc: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| e.message().to_string())?;
    let mut out = Settings::new();
    let flat = |v: &toml::Value| -> Option<String> {
        match v {
            toml::Value::String(s) => Some(s.clone()),
            toml::Value::Array(items) => Some(
                items
                    .iter()
                    .filter_map(|i| i.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            toml::Value::Boolean(b) => Some(b.to_string()),
            toml::Value::Integer(i) => Some(i.to_string()),
            _ => None,
        }
    };
    let flyway = doc.get("flyway").and_then(toml::Value::as_table);
    let env_name = flyway
        .and_then(|f| f.get("environment"))
        .and_then(toml::Value::as_str)
        .unwrap_or("default");
    if let Some(env) = doc
        .get("environments")
        .and_then(|e| e.get(env_name))
        .and_then(toml::Value::as_table)
    {
        for key in ["schemas", "user", "url"] {
            if let Some(v) = env.get(key).and_then(flat) {
                out.insert(key.to_string(), v);
            }
        }
    }
    for (k, v) in flyway.into_iter().flatten() {
        if let (true, Some(t)) = (k == "placeholders", v.as_table()) {
            for (name, value) in t {
                if let Some(value) = flat(value) {
                    out.insert(format!("placeholders.{name}"), value);
                }
            }
        } else if let Some(v) = flat(v) {
            out.insert(k.clone(), v);
        }
    }
    Ok(out)
}

/// sqitch's layout as `sqitch.conf` sets it: the plan file and the folder
/// of deploy scripts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sqitch {
    pub plan: PathBuf,
    pub deploy: PathBuf,
}

/// The layout `sqitch.conf` in `root` gives (`[core]` `top_dir`,
/// `plan_file`, `deploy_dir`, and the same keys under `[engine "pg"]`,
/// which win), relative to `root`; None without a `sqitch.conf` or when it
/// names none of them.
pub fn sqitch(root: &Path) -> Option<Sqitch> {
    let text = files::read_text(&root.join("sqitch.conf"), files::MAX_CONFIG_BYTES).ok()?;
    let mut section = String::new();
    let mut core = BTreeMap::new();
    let mut engine = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with(['#', ';']) || line.is_empty() {
            continue;
        }
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = s.split_whitespace().collect::<Vec<_>>().join(" ");
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let k = k.trim().to_ascii_lowercase();
        let v = v.trim().trim_matches('"').to_string();
        match section.as_str() {
            "core" => core.insert(k, v),
            "engine \"pg\"" => engine.insert(k, v),
            _ => None,
        };
    }
    let get = |k: &str| engine.get(k).or_else(|| core.get(k)).cloned();
    let (top, plan, deploy) = (get("top_dir"), get("plan_file"), get("deploy_dir"));
    if top.is_none() && plan.is_none() && deploy.is_none() {
        return None;
    }
    let top = root.join(top.unwrap_or_else(|| ".".to_string()));
    Some(Sqitch {
        plan: plan.map_or_else(|| top.join("sqitch.plan"), |p| root.join(p)),
        deploy: deploy.map_or_else(|| top.join("deploy"), |d| root.join(d)),
    })
}

/// Where Drizzle's migrator keeps its history, as a `drizzle.config.*`
/// beside the migrations (or above them) says in literals:
/// `migrations: { schema: "...", table: "..." }` (drizzle-kit), else
/// `migrationsSchema` / `migrationsTable` (drizzle-orm's `migrate()`
/// options, when written in the config). Either part may be missing.
pub fn drizzle(dir: &Path) -> (Option<String>, Option<String>) {
    for folder in candidates(dir) {
        for ext in ["ts", "js", "mjs", "cjs", "mts", "cts", "json"] {
            let path = folder.join(format!("drizzle.config.{ext}"));
            let Ok(text) = files::read_text(&path, files::MAX_CONFIG_BYTES) else {
                continue;
            };
            let block = key_at(&text, "migrations")
                .filter(|rest| rest.starts_with('{'))
                .map(|rest| rest.split('}').next().unwrap_or(rest));
            let schema = block
                .and_then(|b| string_at(b, "schema"))
                .or_else(|| string_at(&text, "migrationsSchema"));
            let table = block
                .and_then(|b| string_at(b, "table"))
                .or_else(|| string_at(&text, "migrationsTable"));
            return (schema, table);
        }
    }
    (None, None)
}

/// What follows `key:` (or `"key":`) in a JS or JSON object literal,
/// trimmed; comments are not skipped.
fn key_at<'t>(text: &'t str, key: &str) -> Option<&'t str> {
    let mut from = 0;
    while let Some(at) = text.get(from..)?.find(key) {
        let start = from + at;
        let end = start + key.len();
        from = end;
        let before = text.get(..start)?.trim_end_matches(['"', '\'']);
        let boundary = before
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '$'));
        let after = text
            .get(end..)?
            .trim_start_matches(['"', '\''])
            .trim_start();
        if boundary {
            if let Some(rest) = after.strip_prefix(':') {
                return Some(rest.trim_start());
            }
        }
    }
    None
}

/// The string literal that is `key`'s value; None when it is not a literal.
fn string_at(text: &str, key: &str) -> Option<String> {
    let rest = key_at(text, key)?;
    let quote = rest
        .chars()
        .next()
        .filter(|c| matches!(c, '"' | '\'' | '`'))?;
    let body = rest.get(1..)?;
    let value = body.split(quote).next()?;
    (!value.contains("${")).then(|| value.to_string())
}

/// goose's history table when `GOOSE_TABLE` names it: in the environment
/// pgvet runs in, else in a `.env` file in or above the migrations (the
/// goose CLI reads both; its `-table` flag pgvet cannot see). `schema.table`,
/// or `table` (in `public`).
pub fn goose_table(dir: &Path) -> Option<(Option<String>, String)> {
    let from_env = std::env::var("GOOSE_TABLE").ok();
    let from_file = || {
        candidates(dir).into_iter().find_map(|folder| {
            let text = files::read_text(&folder.join(".env"), files::MAX_CONFIG_BYTES).ok()?;
            text.lines().find_map(|line| {
                let line = line.trim();
                let line = line.strip_prefix("export ").unwrap_or(line);
                let (k, v) = line.split_once('=')?;
                (k.trim() == "GOOSE_TABLE").then(|| v.trim().trim_matches(['"', '\'']).to_string())
            })
        })
    };
    let v = from_env.or_else(from_file)?;
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    Some(match v.split_once('.') {
        Some((s, t)) => (Some(s.to_string()), t.to_string()),
        None => (None, v.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_read_as_java_reads_them() {
        let s = properties(
            "# c\n! c\nflyway.locations=filesystem:sql,\\\n  filesystem:more\nflyway.table : hist\nflyway.schemas app\nother.x=1\n",
        );
        assert_eq!(
            s.get("locations").unwrap(),
            "filesystem:sql,filesystem:more"
        );
        assert_eq!(s.get("table").unwrap(), "hist");
        assert_eq!(s.get("schemas").unwrap(), "app");
        assert!(!s.contains_key("x"));
    }

    #[test]
    fn toml_reads_the_flyway_table_and_the_environment() {
        let s = flyway_toml(
            "[environments.default]\nschemas = [\"app\", \"b\"]\n[flyway]\nlocations = [\"filesystem:sql\"]\n[flyway.placeholders]\nowner = \"me\"\n",
        )
        .unwrap();
        assert_eq!(s.get("schemas").unwrap(), "app,b");
        assert_eq!(s.get("placeholders.owner").unwrap(), "me");
        assert_eq!(s.get("locations").unwrap(), "filesystem:sql");
    }

    #[test]
    fn drizzle_literals_are_read() {
        let text = "export default defineConfig({\n  out: './drizzle',\n  migrations: { table: 'hist', schema: \"meta\" },\n});\n";
        let block = key_at(text, "migrations").unwrap();
        assert_eq!(string_at(block, "table").as_deref(), Some("hist"));
        assert_eq!(string_at(block, "schema").as_deref(), Some("meta"));
        assert_eq!(string_at("{ table: process.env.T }", "table"), None);
    }

    #[test]
    fn a_jdbc_url_names_its_database() {
        assert_eq!(
            database_of_url("jdbc:postgresql://localhost:5432/shop?ssl=true"),
            Some("shop")
        );
        assert_eq!(database_of_url("jdbc:postgresql://localhost"), None);
    }
}
