//! Runner configuration files that change what a runner applies or where it
//! keeps its history: Flyway's `flyway.conf` / `flyway.toml` (and its
//! `FLYWAY_*` variables), sqitch's `sqitch.conf`, and the literal parts of
//! a `drizzle.config.*`; and [`RunnerFlags`], what pgvet.yaml says in place
//! of the runner's command-line flags, which win over them.
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
    /// The folder the locations were given from (the configuration file's,
    /// the working directory for `FLYWAY_LOCATIONS`, pgvet.yaml's): Flyway
    /// run there reads them.
    pub locations_from: Option<PathBuf>,
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
            locations_from: None,
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

/// What a runner is told on its command line, which pgvet cannot see, said
/// in pgvet.yaml (`migrations.history_table`, `migrations.flyway`) or on
/// pgvet's own command line (`--history-table`). It wins over the runner's
/// configuration files and environment, as the flags it stands for do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunnerFlags {
    /// Where the runner keeps its history table: (schema, table); no
    /// schema: the runner's own default schema (Flyway: its default schema).
    pub history_table: Option<(Option<String>, String)>,
    /// Flyway's settings by Flyway's names (`schemas`, `defaultSchema`,
    /// `locations`, `placeholders.<name>`, `placeholderReplacement`,
    /// `executeInTransaction`), lists joined with commas.
    pub flyway: BTreeMap<String, String>,
    /// The folder relative `locations` are read from (pgvet.yaml's).
    pub base: Option<PathBuf>,
}

impl RunnerFlags {
    /// The Flyway settings these flags give: `migrations.flyway`, with
    /// `history_table` as Flyway's `-table` and, when it names a schema,
    /// `-defaultSchema` (Flyway keeps its table in its default schema).
    fn flyway_settings(&self) -> Settings {
        let mut out = self.flyway.clone();
        if let Some((schema, table)) = &self.history_table {
            out.insert("table".to_string(), table.clone());
            if let Some(schema) = schema {
                out.entry("defaultSchema".to_string())
                    .or_insert_with(|| schema.clone());
            }
        }
        out
    }
}

/// `schema.table` or `table`, as pgvet.yaml's `migrations.history_table`
/// and `--history-table` take it (a part in double quotes as written).
pub fn history_table_name(text: &str) -> Result<(Option<String>, String), String> {
    let part = |p: &str| {
        let p = p.trim();
        let p = p
            .strip_prefix('"')
            .and_then(|q| q.strip_suffix('"'))
            .unwrap_or(p);
        (!p.is_empty() && !p.contains('.')).then(|| p.to_string())
    };
    let bad = || format!("`{text}` is not `schema.table` or `table`");
    match text.split_once('.') {
        Some((schema, table)) => Ok((
            Some(part(schema).ok_or_else(bad)?),
            part(table).ok_or_else(bad)?,
        )),
        None => Ok((None, part(text).ok_or_else(bad)?)),
    }
}

/// The Flyway configuration for the migrations in `dir`: the first
/// `flyway.toml` or `flyway.conf` found in it or a folder above it
/// (`flyway.toml` first in a folder holding both, as Flyway 10 prefers it),
/// then the `FLYWAY_*` variables of the environment, then `flags`: the
/// order in which Flyway lets its files, its environment and its
/// command-line flags win. None: nothing sets anything.
pub fn flyway(dir: &Path, flags: &RunnerFlags) -> Result<Option<Flyway>, InputError> {
    let mut cfg = None;
    'found: for folder in candidates(dir) {
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
            let mut found = Flyway {
                file: Some(path.clone()),
                ..Flyway::default()
            };
            apply(&mut found, &settings, &folder);
            cfg = Some(found);
            break 'found;
        }
    }
    let mut cfg = cfg.unwrap_or_default();
    apply(&mut cfg, &environment(std::env::vars()), Path::new(""));
    let base = flags.base.clone().unwrap_or_default();
    apply(&mut cfg, &flags.flyway_settings(), &base);
    Ok((cfg != Flyway::default()).then_some(cfg))
}

/// The settings Flyway takes from its environment, by their names in its
/// configuration: `FLYWAY_DEFAULT_SCHEMA` is `defaultSchema`,
/// `FLYWAY_PLACEHOLDERS_<NAME>` is `placeholders.<name>` (lowercased, as
/// Flyway reads it). Read from pgvet's own environment, the one Flyway sees
/// when both run in the same job.
fn environment(vars: impl IntoIterator<Item = (String, String)>) -> Settings {
    let mut out = Settings::new();
    for (key, value) in vars {
        let Some(name) = key.strip_prefix("FLYWAY_") else {
            continue;
        };
        if let Some(placeholder) = name.strip_prefix("PLACEHOLDERS_") {
            out.insert(
                format!("placeholders.{}", placeholder.to_ascii_lowercase()),
                value,
            );
            continue;
        }
        let mut camel = String::with_capacity(name.len());
        for (i, word) in name.split('_').enumerate() {
            let word = word.to_ascii_lowercase();
            let mut chars = word.chars();
            if let (true, Some(first)) = (i > 0, chars.next()) {
                camel.push(first.to_ascii_uppercase());
                camel.extend(chars);
            } else {
                camel.push_str(&word);
            }
        }
        out.insert(camel, value);
    }
    out
}

/// Flyway's settings by their name without `flyway.` (`locations`,
/// `placeholders.x`), as given: lists joined with commas.
type Settings = BTreeMap<String, String>;

/// `cfg` with what `settings` set over it; relative locations are read
/// from `folder`.
fn apply(cfg: &mut Flyway, settings: &Settings, folder: &Path) {
    let get = |k: &str| settings.get(k).map(|v| v.trim().to_string());
    let list = |k: &str| -> Option<Vec<String>> {
        get(k).map(|v| {
            v.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
    };
    if let Some(locations) = list("locations") {
        cfg.locations.clear();
        for location in locations {
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
            cfg.locations.push(folder.join(path));
        }
        cfg.locations_from = Some(if folder.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            folder.to_path_buf()
        });
    }
    let set = |target: &mut String, key: &str| {
        if let Some(v) = get(key).filter(|v| !v.is_empty()) {
            *target = v;
        }
    };
    set(&mut cfg.prefix, "sqlMigrationPrefix");
    set(&mut cfg.repeatable_prefix, "repeatableSqlMigrationPrefix");
    set(&mut cfg.undo_prefix, "undoSqlMigrationPrefix");
    set(&mut cfg.baseline_prefix, "baselineMigrationPrefix");
    set(&mut cfg.separator, "sqlMigrationSeparator");
    set(&mut cfg.placeholder_prefix, "placeholderPrefix");
    set(&mut cfg.placeholder_suffix, "placeholderSuffix");
    set(&mut cfg.table, "table");
    if let Some(suffixes) = list("sqlMigrationSuffixes").filter(|s| !s.is_empty()) {
        cfg.suffixes = suffixes;
    }
    if let Some(v) = get("placeholderReplacement") {
        cfg.placeholder_replacement = !v.eq_ignore_ascii_case("false");
    }
    if let Some(v) = get("executeInTransaction") {
        cfg.execute_in_transaction = !v.eq_ignore_ascii_case("false");
    }
    if let Some(schemas) = list("schemas") {
        cfg.schemas = schemas;
    }
    if let Some(v) = get("defaultSchema") {
        cfg.default_schema = Some(v).filter(|s| !s.is_empty());
    }
    if let Some(v) = get("user") {
        cfg.user = Some(v).filter(|s| !s.is_empty());
    }
    if let Some(v) = get("url") {
        cfg.url = Some(v).filter(|s| !s.is_empty());
    }
    for (k, v) in settings {
        if let Some(name) = k.strip_prefix("placeholders.") {
            cfg.placeholders.insert(name.to_string(), v.clone());
        }
    }
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

/// `sqitch.conf` in `root`, read as git reads its configuration: each
/// setting by its full name, the section and the key lowercased, a
/// subsection as written (`engine.pg.registry`, `target.prod.uri`).
fn sqitch_conf(root: &Path) -> Option<BTreeMap<String, String>> {
    let text = files::read_text(&root.join("sqitch.conf"), files::MAX_CONFIG_BYTES).ok()?;
    let mut section = String::new();
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with(['#', ';']) || line.is_empty() {
            continue;
        }
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.split(']').next()) {
            section = match s.trim().split_once(char::is_whitespace) {
                Some((name, sub)) => format!(
                    "{}.{}",
                    name.to_ascii_lowercase(),
                    sub.trim().trim_matches('"')
                ),
                None => s.trim().to_ascii_lowercase(),
            };
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = v.trim();
        let v = match v.strip_prefix('"') {
            Some(quoted) => quoted.split('"').next().unwrap_or(quoted),
            // A comment after the value starts with whitespace then # or ;.
            None => v
                .find([' ', '\t'])
                .filter(|&at| {
                    v.get(at..)
                        .is_some_and(|r| r.trim_start().starts_with(['#', ';']))
                })
                .map_or(v, |at| v.get(..at).unwrap_or(v)),
        };
        out.insert(
            format!("{section}.{}", k.trim().to_ascii_lowercase()),
            v.to_string(),
        );
    }
    Some(out)
}

/// What sqitch deploys to with no target named on its command line, as
/// `sqitch.conf` says: `core.target`, else `engine.pg.target` (a target's
/// name, or a `db:pg:` URI), and the target's settings.
struct SqitchTarget<'c> {
    conf: &'c BTreeMap<String, String>,
    /// The target's name, when the configuration names one.
    name: Option<String>,
    /// Its URI (`db:pg://host/db`); None: `db:pg:`.
    uri: Option<String>,
}

impl<'c> SqitchTarget<'c> {
    fn of(conf: &'c BTreeMap<String, String>) -> SqitchTarget<'c> {
        let named = conf
            .get("core.target")
            .or_else(|| conf.get("engine.pg.target"))
            .or_else(|| conf.get("core.pg.target"))
            .filter(|t| !t.is_empty());
        let (name, uri) = match named {
            Some(t) if t.contains(':') => (None, Some(t.clone())),
            Some(t) => (
                Some(t.clone()),
                conf.get(&format!("target.{t}.uri")).cloned(),
            ),
            None => (None, None),
        };
        SqitchTarget { conf, name, uri }
    }

    /// A setting as sqitch looks it up: the target's, the engine's (and
    /// the deprecated `core.pg`), then `core`'s.
    fn get(&self, key: &str) -> Option<String> {
        let target = self
            .name
            .as_ref()
            .and_then(|n| self.conf.get(&format!("target.{n}.{key}")));
        target
            .or_else(|| self.conf.get(&format!("engine.pg.{key}")))
            .or_else(|| self.conf.get(&format!("core.pg.{key}")))
            .or_else(|| self.conf.get(&format!("core.{key}")))
            .filter(|v| !v.is_empty())
            .cloned()
    }
}

/// The layout `sqitch.conf` in `root` gives (`top_dir`, `plan_file`,
/// `deploy_dir` of the default target, else of `[engine "pg"]`, else of
/// `[core]`), relative to `root`; None without a `sqitch.conf` or when it
/// names none of them.
pub fn sqitch(root: &Path) -> Option<Sqitch> {
    let conf = sqitch_conf(root)?;
    let target = SqitchTarget::of(&conf);
    let (top, plan, deploy) = (
        target.get("top_dir"),
        target.get("plan_file"),
        target.get("deploy_dir"),
    );
    if top.is_none() && plan.is_none() && deploy.is_none() {
        return None;
    }
    let top = root.join(top.unwrap_or_else(|| ".".to_string()));
    Some(Sqitch {
        plan: plan.map_or_else(|| top.join("sqitch.plan"), |p| root.join(p)),
        deploy: deploy.map_or_else(|| top.join("deploy"), |d| root.join(d)),
    })
}

/// Where sqitch keeps its registry, as `sqitch.conf` in `root` says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SqitchRegistry {
    /// The registry schema (`registry` of the default target, of
    /// `[engine "pg"]` or of `[core]`); None: `sqitch`.
    pub schema: Option<String>,
    /// The database the default target's URI names; None: the URI names
    /// none (`db:pg:`), so it is the one sqitch connects to by default.
    pub database: Option<String>,
    /// What names the database, as a message says it: sqitch.conf's
    /// target `prod`, or its target URI.
    pub target: Option<String>,
}

/// The registry `sqitch.conf` in `root` gives (sqitch keeps it in the
/// target's database, in its own schema).
pub fn sqitch_registry(root: &Path) -> SqitchRegistry {
    let Some(conf) = sqitch_conf(root) else {
        return SqitchRegistry::default();
    };
    let target = SqitchTarget::of(&conf);
    SqitchRegistry {
        schema: target.get("registry"),
        database: target.uri.as_deref().and_then(database_of_sqitch_uri),
        target: target
            .name
            .as_ref()
            .map(|n| format!("sqitch.conf's target `{n}`"))
            .or_else(|| {
                // The URI may hold a password: not repeated.
                target
                    .uri
                    .as_ref()
                    .map(|_| "sqitch.conf's target URI".to_string())
            }),
    }
}

/// `db` of `db:pg://user@host:5432/db?x=y`, `db:pg:db` or `db:pg:///db`;
/// None for another engine, or a URI without a database (`db:pg:`).
fn database_of_sqitch_uri(uri: &str) -> Option<String> {
    let rest = ["db:pg:", "db:postgres:", "db:postgresql:"]
        .iter()
        .find_map(|scheme| uri.strip_prefix(scheme))?;
    let path = match rest.strip_prefix("//") {
        Some(authority_and_path) => authority_and_path.split_once('/')?.1,
        None => rest,
    };
    let db = path.split(['?', '#']).next()?;
    (!db.is_empty()).then(|| db.to_string())
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
/// goose CLI reads both; its `-table` flag pgvet cannot see, and
/// [`RunnerFlags::history_table`] stands for it). `schema.table`, or
/// `table` (in `public`).
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
    fn flyway_flags_win_over_its_environment_which_wins_over_its_files() {
        let mut cfg = Flyway::default();
        let file = properties(
            "flyway.schemas=file_s\nflyway.table=file_t\nflyway.executeInTransaction=false\nflyway.placeholders.owner=file\nflyway.placeholders.keep=file\n",
        );
        apply(&mut cfg, &file, Path::new("project"));
        let vars = [
            ("FLYWAY_SCHEMAS", "env_s,other"),
            ("FLYWAY_DEFAULT_SCHEMA", "env_d"),
            ("FLYWAY_PLACEHOLDERS_OWNER", "env"),
            ("FLYWAY_EXECUTE_IN_TRANSACTION", "true"),
            ("FLYWAY_LOCATIONS", "filesystem:db/sql"),
            ("FLYWAY_SQL_MIGRATION_PREFIX", "M"),
            ("PATH", "/bin"),
        ];
        let env = environment(vars.map(|(k, v)| (k.to_string(), v.to_string())));
        assert_eq!(env.get("defaultSchema").map(String::as_str), Some("env_d"));
        assert_eq!(env.get("sqlMigrationPrefix").map(String::as_str), Some("M"));
        assert_eq!(
            env.get("placeholders.owner").map(String::as_str),
            Some("env")
        );
        apply(&mut cfg, &env, Path::new(""));
        let flags = RunnerFlags {
            history_table: Some((None, "flag_t".to_string())),
            flyway: BTreeMap::from([
                ("defaultSchema".to_string(), "flag_d".to_string()),
                ("locations".to_string(), "filesystem:sql,other".to_string()),
            ]),
            base: Some(PathBuf::from("conf")),
        };
        apply(&mut cfg, &flags.flyway_settings(), Path::new("conf"));
        assert_eq!(cfg.schemas, ["env_s", "other"]);
        assert_eq!(cfg.default_schema.as_deref(), Some("flag_d"));
        assert_eq!(cfg.history_schema(), Some("flag_d"));
        assert_eq!(cfg.table, "flag_t");
        assert!(cfg.execute_in_transaction);
        assert_eq!(cfg.prefix, "M");
        assert_eq!(
            cfg.placeholders.get("owner").map(String::as_str),
            Some("env")
        );
        assert_eq!(
            cfg.placeholders.get("keep").map(String::as_str),
            Some("file")
        );
        assert_eq!(
            cfg.locations,
            [PathBuf::from("conf/sql"), PathBuf::from("conf/other")]
        );
        assert_eq!(cfg.locations_from, Some(PathBuf::from("conf")));
        // A schema with the table is Flyway's default schema, unless given.
        let flags = RunnerFlags {
            history_table: Some((Some("ops".to_string()), "log".to_string())),
            ..RunnerFlags::default()
        };
        let mut cfg = Flyway::default();
        apply(&mut cfg, &flags.flyway_settings(), Path::new(""));
        assert_eq!(
            (cfg.history_schema(), cfg.table.as_str()),
            (Some("ops"), "log")
        );
    }

    #[test]
    fn history_table_names_are_a_table_or_schema_and_table() {
        assert_eq!(
            history_table_name("ops.log"),
            Ok((Some("ops".to_string()), "log".to_string()))
        );
        assert_eq!(history_table_name("log"), Ok((None, "log".to_string())));
        assert_eq!(
            history_table_name("\"Ops\".\"Log\""),
            Ok((Some("Ops".to_string()), "Log".to_string()))
        );
        for bad in ["", "a.", ".b", "a.b.c"] {
            assert!(history_table_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sqitch_conf_names_the_registry_and_the_targets_database() {
        let dir = tempfile::tempdir().unwrap();
        let conf = |text: &str| {
            std::fs::write(dir.path().join("sqitch.conf"), text).unwrap();
            sqitch_registry(dir.path())
        };
        let head = "[core]\n\tengine = pg\n\tregistry = core_reg\n";
        assert_eq!(conf(head).schema.as_deref(), Some("core_reg"));
        let engine = format!("{head}[engine \"pg\"]\n\ttarget = prod ; the default\n\tregistry = engine_reg # ours\n");
        let r = conf(&engine);
        assert_eq!(r.schema.as_deref(), Some("engine_reg"));
        // A target named but not configured: no URI, no database.
        assert_eq!(r.database, None);
        let r = conf(&format!(
            "{engine}[target \"prod\"]\n\turi = db:pg://me:secret@db.example.com:5432/widgets?sslmode=require\n\tregistry = \"prod_reg\"\n"
        ));
        assert_eq!(r.schema.as_deref(), Some("prod_reg"));
        assert_eq!(r.database.as_deref(), Some("widgets"));
        assert_eq!(r.target.as_deref(), Some("sqitch.conf's target `prod`"));
        // core.target wins over the engine's; a URI's password is not repeated.
        let r = conf(&format!(
            "{engine}[core]\n\ttarget = db:pg://me:secret@h/orders\n"
        ));
        assert_eq!(r.database.as_deref(), Some("orders"));
        assert_eq!(r.target.as_deref(), Some("sqitch.conf's target URI"));
        assert_eq!(r.schema.as_deref(), Some("engine_reg"));
        for (uri, db) in [
            ("db:pg:", None),
            ("db:pg:shop", Some("shop")),
            ("db:pg:///shop", Some("shop")),
            ("db:postgres://h:5432/", None),
            ("db:sqlite:shop.db", None),
        ] {
            assert_eq!(database_of_sqitch_uri(uri).as_deref(), db, "{uri}");
        }
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
