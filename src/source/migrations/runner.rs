//! Migration runners: which files a runner applies, in which order, which
//! part of each file, and in which transaction mode.
//!
//! `pgvet lint DIR` replays what the project's runner would apply to a
//! database, nothing else: a goose file's Down section, a golang-migrate
//! `.down.sql`, a Flyway undo script or a concatenation the Supabase CLI
//! never runs would otherwise drop or re-create the schema in the model.
//! The runner is taken from `migrations.runner` in pgvet.yaml or
//! `--runner`, else detected from the directory (see [`detect`]).
//! The facts behind each runner are listed in the runner table of
//! `docs/runners.md`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use super::config;
use super::files;
use super::session::{FileRun, TransactionMode};
use crate::findings::{printable, InputError};

/// A migration runner, as named in pgvet.yaml and on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Runner {
    /// Every `*.sql` file of the directory, in name order.
    Plain,
    /// The Supabase CLI (`supabase/migrations`).
    Supabase,
    Flyway,
    GolangMigrate,
    /// `.up.sql` / `.down.sql` pairs not named as golang-migrate names them.
    UpDown,
    Goose,
    Dbmate,
    Sqitch,
    Prisma,
    Drizzle,
    Diesel,
    NodePgMigrate,
}

impl Runner {
    pub const ALL: &'static [Runner] = &[
        Runner::Plain,
        Runner::Supabase,
        Runner::Flyway,
        Runner::GolangMigrate,
        Runner::UpDown,
        Runner::Goose,
        Runner::Dbmate,
        Runner::Sqitch,
        Runner::Prisma,
        Runner::Drizzle,
        Runner::Diesel,
        Runner::NodePgMigrate,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Runner::Plain => "plain",
            Runner::Supabase => "supabase",
            Runner::Flyway => "flyway",
            Runner::GolangMigrate => "golang-migrate",
            Runner::UpDown => "up-down",
            Runner::Goose => "goose",
            Runner::Dbmate => "dbmate",
            Runner::Sqitch => "sqitch",
            Runner::Prisma => "prisma",
            Runner::Drizzle => "drizzle",
            Runner::Diesel => "diesel",
            Runner::NodePgMigrate => "node-pg-migrate",
        }
    }

    pub fn from_name(name: &str) -> Option<Runner> {
        Runner::ALL.iter().copied().find(|r| r.name() == name)
    }

    /// How the runner wraps a file when the file says nothing; None: it
    /// depends on the platform (a plain folder).
    pub fn default_transaction(self) -> Option<TransactionMode> {
        match self {
            Runner::Plain => None,
            Runner::Supabase
            | Runner::Flyway
            | Runner::Goose
            | Runner::Dbmate
            | Runner::Drizzle
            | Runner::Diesel
            | Runner::NodePgMigrate => Some(TransactionMode::PerFile),
            // golang-migrate and Prisma open no transaction (the file is
            // one query: see `sends_one_query`); sqitch runs the script with
            // psql, and its scripts carry their own BEGIN/COMMIT.
            Runner::GolangMigrate | Runner::Prisma | Runner::UpDown | Runner::Sqitch => {
                Some(TransactionMode::None)
            }
        }
    }

    /// Whether the runner runs statements that cannot run in a transaction
    /// block (CREATE INDEX CONCURRENTLY, VACUUM, ...) outside the file's
    /// transaction instead of failing: the Supabase CLI (since v2.109) runs
    /// them on their own; Flyway runs such a script without a transaction.
    pub fn runs_non_transactional_outside(self) -> bool {
        matches!(self, Runner::Supabase | Runner::Flyway)
    }

    /// How the runner runs a file in `mode` on `platform` (a plain folder
    /// runs as the platform does: the Supabase CLI's way on Supabase).
    pub fn file_run(self, platform: crate::catalog::Platform, mode: TransactionMode) -> FileRun {
        let runs_outside = match self {
            Runner::Plain => platform == crate::catalog::Platform::Supabase,
            r => r.runs_non_transactional_outside(),
        };
        FileRun {
            mode,
            runs_outside,
            one_query: self.sends_one_query(mode),
        }
    }

    /// Whether the runner sends a file (run in `mode`) as one query string:
    /// golang-migrate and Prisma always; dbmate and diesel when their
    /// transaction is turned off (they still send the file in one piece).
    pub fn sends_one_query(self, mode: TransactionMode) -> bool {
        match self {
            Runner::GolangMigrate | Runner::Prisma => true,
            Runner::Dbmate | Runner::Diesel => mode == TransactionMode::None,
            _ => false,
        }
    }
}

/// A file the runner applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    pub path: PathBuf,
    pub runner: Runner,
    /// A transaction mode set beside the file (Flyway's `<script>.conf`,
    /// diesel's `metadata.toml`) or told by its name (authelia's);
    /// directives inside the text are read by [`prepare`].
    pub transaction: Option<TransactionMode>,
    /// The Flyway configuration the script is applied with (its
    /// placeholders); None for other runners and a file given alone.
    pub flyway: Option<Arc<config::Flyway>>,
}

impl Migration {
    /// The file's text as the runner applies it: Flyway's placeholders
    /// replaced (an error at the first one Flyway has no value for: it
    /// refuses the script), then [`prepare`]d.
    pub fn prepare(&self, text: String) -> Result<(String, Option<TransactionMode>), InputError> {
        let text = match &self.flyway {
            Some(cfg) if cfg.placeholder_replacement => flyway_placeholders(&self.path, cfg, text)?,
            _ => text,
        };
        Ok(prepare(self.runner, text))
    }
}

/// `text` with each Flyway placeholder (`${name}`, or the configured prefix
/// and suffix) replaced by its value, anywhere in the script (Flyway
/// replaces before it parses, comments included). A value longer or
/// shorter than its placeholder moves the rest of that line.
fn flyway_placeholders(
    path: &Path,
    cfg: &config::Flyway,
    text: String,
) -> Result<String, InputError> {
    let (open, close) = (
        cfg.placeholder_prefix.as_str(),
        cfg.placeholder_suffix.as_str(),
    );
    if open.is_empty() || close.is_empty() || !text.contains(open) {
        return Ok(text);
    }
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find(open) {
        let (before, after) = rest.split_at(at);
        out.push_str(before);
        let after_open = after.get(open.len()..).unwrap_or("");
        let name = after_open
            .find(close)
            .and_then(|end| after_open.get(..end))
            .filter(|n| !n.is_empty() && !n.contains('\n'));
        let Some(name) = name else {
            out.push_str(open);
            rest = after_open;
            continue;
        };
        match cfg.placeholder(name, &file_name) {
            Some(value) => out.push_str(&value),
            None => {
                let consumed = text.len() - after.len();
                let head = text.get(..consumed).unwrap_or("");
                let line = head.matches('\n').count() + 1;
                let column = head.rsplit('\n').next().unwrap_or("").chars().count() + 1;
                return Err(InputError {
                    file: path.display().to_string(),
                    line: u32::try_from(line).ok(),
                    column: u32::try_from(column).ok(),
                    message: format!(
                        "Flyway has no value for placeholder `{open}{name}{close}` and refuses this script: set `flyway.placeholders.{name}` in {} (or `FLYWAY_PLACEHOLDERS_{}` in the environment), or turn `placeholderReplacement` off",
                        cfg.file
                            .as_ref()
                            .map_or_else(|| "flyway.conf".to_string(), |f| format!("`{}`", f.display())),
                        name.to_ascii_uppercase()
                    ),
                });
            }
        }
        rest = after_open.get(name.len() + close.len()..).unwrap_or("");
    }
    out.push_str(rest);
    Ok(out)
}

/// A file next to the migrations that the runner does not apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: String,
}

/// Why a down script is skipped.
pub const DOWN: &str = "a down migration";
/// Atlas's `-- atlas:txmode none` in a file's leading comments: the file
/// runs outside a transaction (`file` and `all` keep one).
fn atlas_txmode(text: &str) -> Option<TransactionMode> {
    text.lines()
        .map(str::trim)
        .take_while(|l| l.is_empty() || l.starts_with("--"))
        .filter_map(|l| l.strip_prefix("--"))
        .find_map(|c| c.trim().strip_prefix("atlas:txmode"))
        .filter(|mode| mode.trim().eq_ignore_ascii_case("none"))
        .map(|_| TransactionMode::None)
}

/// Why a Flyway undo script is skipped.
pub const UNDO: &str = "an undo migration (Flyway applies it only on `flyway undo`)";

impl Skipped {
    /// A script that reverts a migration: part of the runner's layout, not
    /// a stray file.
    pub fn reverts(&self) -> bool {
        self.reason == DOWN || self.reason == UNDO
    }
}

/// What the runner applies, in order, and what it leaves alone.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// The runner of the first directory (or file) given.
    pub runner: Option<Runner>,
    pub migrations: Vec<Migration>,
    pub skipped: Vec<Skipped>,
    pub errors: Vec<InputError>,
    /// Where the runner of the first directory keeps its history table,
    /// its configuration read (see [`history`]).
    pub history: Option<History>,
}

/// Where a runner keeps what it applied, and what else in the database is
/// the runner's rather than a migration's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    /// The history table, as the runner spells it (it quotes the names).
    pub schema: String,
    pub table: String,
    /// A schema the runner keeps to itself (sqitch's registry, Drizzle's
    /// `drizzle`): nothing in it is a migration's.
    pub own_schema: Option<String>,
    /// Schemas the runner creates when they are missing (Flyway's
    /// `schemas`): the schema itself is not a migration's.
    pub made_schemas: Vec<String>,
    /// The schema the runner puts first in the search_path before each
    /// migration (Flyway's `defaultSchema`, else the first of `schemas`:
    /// Flyway calls `set_config('search_path', '"<schema>",' || <the
    /// session's path>)`); None: the server's default path.
    pub search_path_first: Option<String>,
    /// The database the runner's configuration says it records in, and
    /// the setting that says so (sqitch.conf's target URI: sqitch keeps
    /// its registry in the database it deploys to); None: not named.
    pub database: Option<(String, String)>,
}

impl History {
    /// The runner's defaults (see [`history_table`]).
    pub fn default_for(runner: Runner) -> Option<History> {
        let (schema, table) = history_table(runner)?.split_once('.')?;
        Some(History {
            schema: schema.to_string(),
            table: table.to_string(),
            own_schema: history_schema(runner).map(str::to_string),
            made_schemas: Vec::new(),
            search_path_first: None,
            database: None,
        })
    }

    /// The table as findings name it (`schema.table`).
    pub fn qualified(&self) -> String {
        crate::catalog::QualifiedName::new(self.schema.as_str(), self.table.as_str()).to_string()
    }

    /// Whether `object`, as a drift finding names it, is the runner's own:
    /// the history table, a schema it keeps or makes, or anything in a
    /// schema it keeps to itself.
    pub fn owns(&self, object: &str) -> bool {
        let ident = |s: &str| crate::catalog::Ident::new(s).to_string();
        object == self.qualified()
            || self.made_schemas.iter().any(|s| object == ident(s))
            || self.own_schema.as_deref().is_some_and(|s| {
                let s = ident(s);
                object == s || object.strip_prefix(&s).is_some_and(|r| r.starts_with('.'))
            })
    }

    /// Puts what the runner makes before the first migration into `cat`:
    /// the schemas it creates (the project's own, not the platform's) and
    /// its history table.
    pub fn add_to(&self, cat: &mut crate::catalog::Catalog) {
        use crate::catalog::{Ident, Origin, Schema};
        for name in &self.made_schemas {
            cat.schemas
                .entry(Ident::new(name.as_str()))
                .or_insert_with(|| Schema {
                    name: Ident::new(name.as_str()),
                    platform_managed: false,
                    create_grantees: std::collections::BTreeSet::new(),
                    owner: None,
                    origin: Origin::Baseline,
                });
        }
        crate::catalog::baseline::add_history_table(
            cat,
            &format!("{}.{}", self.schema, self.table),
        );
    }

    /// Whether it is where the runner keeps it when nothing configures it.
    pub fn is_default(&self, runner: Runner) -> bool {
        history_table(runner) == Some(format!("{}.{}", self.schema, self.table).as_str())
    }
}

/// Where `runner` keeps its history for the migrations in `dir`, as its
/// configuration there says: Flyway's `schemas` / `defaultSchema` and
/// `table`; goose's `GOOSE_TABLE`; a Drizzle config's `migrations`;
/// sqitch.conf's `registry` and target. `flags` (`history_table`) win.
pub fn history_at(runner: Runner, dir: &Path, flags: &config::RunnerFlags) -> Option<History> {
    let mut history = History::default_for(runner)?;
    // `history_table` without a schema: the runner's default one.
    let given = flags
        .history_table
        .clone()
        .map(|(schema, table)| (schema.unwrap_or_else(|| history.schema.clone()), table));
    match runner {
        Runner::Flyway => {
            // The flags are Flyway's `-table` and `-defaultSchema` there.
            if let Ok(Some(cfg)) = config::flyway(dir, flags) {
                if let Some(schema) = cfg.history_schema() {
                    history.schema = schema.to_string();
                }
                history.table = cfg.table.clone();
                history.made_schemas = cfg.schemas.clone();
                history.made_schemas.extend(cfg.default_schema.clone());
                history.search_path_first = cfg.history_schema().map(str::to_string);
            }
            return Some(history);
        }
        Runner::Goose => {
            if let Some((schema, table)) = config::goose_table(dir) {
                history.schema = schema.unwrap_or(history.schema);
                history.table = table;
            }
        }
        Runner::Drizzle => {
            let (schema, table) = match given.clone() {
                Some((schema, table)) => (Some(schema), Some(table)),
                None => config::drizzle(dir),
            };
            if let Some(schema) = schema.filter(|s| *s != history.schema) {
                // drizzle-kit makes the schema (`CREATE SCHEMA IF NOT
                // EXISTS`); the project's own objects may share it.
                history.own_schema = None;
                history.made_schemas.push(schema.clone());
                history.schema = schema;
            }
            if let Some(table) = table {
                history.table = table;
            }
            return Some(history);
        }
        Runner::Sqitch => {
            let root = sqitch_project(dir).map_or_else(|| dir.to_path_buf(), |(root, ..)| root);
            let registry = config::sqitch_registry(&root);
            if let Some(schema) = registry.schema {
                history.schema = schema;
            }
            history.database = registry.database.zip(registry.target);
            if let Some((schema, table)) = given.clone() {
                history.schema = schema;
                history.table = table;
            }
            // Nothing in the registry schema is a migration's.
            history.own_schema = Some(history.schema.clone());
            return Some(history);
        }
        _ => {}
    }
    if let Some((schema, table)) = given {
        history.schema = schema;
        history.table = table;
    }
    Some(history)
}

/// The layout of the given paths: a directory is read as its runner reads
/// it (`forced`, else detected); a file is taken as given, its sections as
/// its runner (forced, else told by its text) marks them.
pub fn layout(paths: &[PathBuf], forced: Option<Runner>, flags: &config::RunnerFlags) -> Layout {
    let mut out = Layout::default();
    for path in paths {
        match std::fs::metadata(path) {
            Err(e) => out.errors.push(InputError::file(
                path,
                format!("cannot read `{}`: {}", path.display(), files::io_reason(&e)),
            )),
            Ok(meta) if meta.is_dir() => {
                let runner = forced.unwrap_or_else(|| detect(path));
                if out.runner.is_none() {
                    out.history = history_at(runner, path, flags);
                }
                out.runner.get_or_insert(runner);
                let before = out.migrations.len() + out.errors.len();
                directory(path, runner, flags, &mut out);
                if let Some(note) = subfolder_note(path, runner) {
                    eprintln!("{note}");
                }
                // A Flyway location read with another one given first has
                // its scripts listed already.
                let listed = out.migrations.iter().any(|m| m.path.starts_with(path));
                if out.migrations.len() + out.errors.len() == before && !listed {
                    let what = if out.skipped.iter().any(|s| s.path.starts_with(path)) {
                        format!(
                            "no migrations in directory `{}` that {} applies",
                            path.display(),
                            describe(runner)
                        )
                    } else {
                        format!("no .sql files in directory `{}`", path.display())
                    };
                    out.errors.push(InputError::file(path, what));
                }
            }
            Ok(_) => {
                let runner = forced
                    .or_else(|| marked_runner(path))
                    .unwrap_or(Runner::Plain);
                if out.runner.is_none() {
                    out.history = History::default_for(runner).map(|mut h| {
                        if let Some((schema, table)) = &flags.history_table {
                            h.schema = schema.clone().unwrap_or(h.schema);
                            h.table = table.clone();
                            if h.own_schema.is_some() {
                                h.own_schema = Some(h.schema.clone());
                            }
                        }
                        h
                    });
                }
                out.runner.get_or_insert(runner);
                out.migrations.push(Migration {
                    path: path.clone(),
                    runner,
                    transaction: side_transaction(runner, path),
                    flyway: None,
                });
            }
        }
    }
    out
}

/// "the Supabase CLI", "goose", ...: the runner as a sentence names it.
pub fn describe(runner: Runner) -> &'static str {
    match runner {
        Runner::Plain => "the plain reading",
        Runner::Supabase => "the Supabase CLI",
        Runner::UpDown => "an up/down runner",
        other => other.name(),
    }
}

/// The runner a directory's files were written for. In order: a sqitch
/// plan; `supabase/migrations`; a Drizzle journal; Prisma's or diesel's
/// folder per migration; Flyway's `V<version>__` names; goose, dbmate or
/// node-pg-migrate section markers in the files; `.up.sql` files; else a
/// plain folder.
pub fn detect(dir: &Path) -> Runner {
    if sqitch_plan(dir).is_some() {
        return Runner::Sqitch;
    }
    // `supabase db push` reads supabase/migrations whatever else wrote
    // there (drizzle-kit output with its journal, say).
    // `.` inside supabase/migrations counts too (links are not resolved:
    // a linked folder is where the link says).
    let named = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let in_supabase = named.file_name().is_some_and(|n| n == "migrations")
        && named
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|n| n == "supabase");
    if in_supabase {
        return Runner::Supabase;
    }
    if dir.join("meta").join("_journal.json").is_file() {
        return Runner::Drizzle;
    }
    let names = file_names(dir);
    let sql: Vec<&String> = names.iter().filter(|n| is_sql(n)).collect();
    let folders = subfolders(dir);
    if sql.is_empty() || dir.join("migration_lock.toml").is_file() {
        if folders.iter().any(|f| f.join("migration.sql").is_file()) {
            return Runner::Prisma;
        }
        if folders.iter().any(|f| f.join("up.sql").is_file()) {
            return Runner::Diesel;
        }
    }
    // A Flyway configuration in the folder (its locations may be
    // elsewhere), or scripts named as the configuration above it says.
    if dir.join("flyway.conf").is_file() || dir.join("flyway.toml").is_file() {
        return Runner::Flyway;
    }
    let flyway = config::flyway(dir, &config::RunnerFlags::default())
        .ok()
        .flatten()
        .unwrap_or_default();
    if names
        .iter()
        .any(|n| matches!(flyway_name(n, &flyway), FlywayName::Versioned(_)))
    {
        return Runner::Flyway;
    }
    let mut marked = BTreeMap::new();
    for name in &sql {
        if let Some(r) = marked_runner(&dir.join(name)) {
            *marked.entry(r).or_insert(0usize) += 1;
        }
    }
    if let Some((runner, _)) = marked.into_iter().max_by_key(|(_, n)| *n) {
        return runner;
    }
    if sql.iter().any(|n| n.ends_with(".up.sql")) {
        return if sql.iter().any(|n| golang_migrate_version(n).is_some()) {
            Runner::GolangMigrate
        } else {
            Runner::UpDown
        };
    }
    Runner::Plain
}

/// The runner whose markers a file carries; the file is read up to the
/// default size limit, and not at all if it is not a regular file.
fn marked_runner(path: &Path) -> Option<Runner> {
    runner_in_text(&files::head(path, files::MAX_MIGRATION_BYTES)?)
}

/// The runner whose section markers a file's text carries.
fn runner_in_text(bytes: &[u8]) -> Option<Runner> {
    let text = String::from_utf8_lossy(bytes);
    text.lines()
        .find_map(|line| marker(line).map(|(runner, _)| runner))
}

/// What a line marks: (runner, Some(true) for up / Some(false) for down,
/// None for another directive of that runner).
fn marker(line: &str) -> Option<(Runner, Option<bool>)> {
    let rest = line.trim_start().strip_prefix("--")?.trim_start();
    let lower = rest.to_ascii_lowercase();
    if let Some(cmd) = lower.strip_prefix("+goose") {
        let word = cmd.split_whitespace().next().unwrap_or("");
        return Some((
            Runner::Goose,
            match word {
                "up" => Some(true),
                "down" => Some(false),
                _ => None,
            },
        ));
    }
    if let Some(cmd) = lower.strip_prefix("migrate:") {
        let word = cmd.split_whitespace().next().unwrap_or("");
        return match word {
            "up" => Some((Runner::Dbmate, Some(true))),
            "down" => Some((Runner::Dbmate, Some(false))),
            _ => None,
        };
    }
    let words: Vec<&str> = lower.split_whitespace().collect();
    match words.as_slice() {
        ["up", "migration"] => Some((Runner::NodePgMigrate, Some(true))),
        ["down", "migration"] => Some((Runner::NodePgMigrate, Some(false))),
        _ => None,
    }
}

/// node-pg-migrate's own reading of a marker line: `--`, any dashes and
/// spaces, `up` or `down`, space, `migration`, then anything (any case).
/// Wider than [`marker`], which only detects the runner from bare
/// `-- Up Migration` lines: prose such as `-- Up migration: add fees` is
/// common in folders of other runners.
fn node_pg_migrate_marker(line: &str) -> Option<bool> {
    let rest = line.trim_start().strip_prefix("--")?;
    let rest = rest.trim_start_matches(|c: char| c == '-' || c.is_whitespace());
    let lower = rest.to_ascii_lowercase();
    let (up, after) = if let Some(a) = lower.strip_prefix("up") {
        (true, a)
    } else {
        (false, lower.strip_prefix("down")?)
    };
    let after_space = after.trim_start();
    (after_space.len() < after.len() && after_space.starts_with("migration")).then_some(up)
}

/// A file's text as its runner applies it: the lines outside its up
/// section (a Down section, lines before the first marker) blanked to
/// spaces and psql variables interpolated by name ([`crate::sql::psql::interpolate`]),
/// so every line and column stays where it was; and the transaction mode
/// the text asks for (`-- +goose NO TRANSACTION`,
/// `-- migrate:up transaction:false`).
pub fn prepare(runner: Runner, text: String) -> (String, Option<TransactionMode>) {
    // psql variables (`:'name'`): sqitch runs scripts with psql and its
    // --set variables; other files only use the ones they `\set`.
    let text = match crate::sql::psql::interpolate(&text, runner == Runner::Sqitch) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(replaced) => replaced,
    };
    let sectioned = matches!(
        runner,
        Runner::Goose | Runner::Dbmate | Runner::NodePgMigrate
    );
    if !sectioned {
        let directive = atlas_txmode(&text);
        return (text, directive);
    }
    let mut bytes = text.into_bytes();
    let mut directive = None;
    // node-pg-migrate applies a whole file that has no Up marker.
    let mut applying = runner == Runner::NodePgMigrate
        && !String::from_utf8_lossy(&bytes)
            .lines()
            .any(|l| node_pg_migrate_marker(l) == Some(true));
    let mut start = 0;
    while start < bytes.len() {
        let end = bytes
            .get(start..)
            .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
            .map_or(bytes.len(), |i| start + i + 1);
        let line = String::from_utf8_lossy(bytes.get(start..end).unwrap_or_default()).into_owned();
        let found = if runner == Runner::NodePgMigrate {
            node_pg_migrate_marker(&line).map(|up| (runner, Some(up)))
        } else {
            marker(&line)
        };
        match found {
            Some((r, Some(up))) if r == runner => {
                applying = up;
                if up && runner == Runner::Dbmate && line.contains("transaction:false") {
                    directive = Some(TransactionMode::None);
                }
            }
            Some((Runner::Goose, None)) if runner == Runner::Goose => {
                let words: Vec<String> = line
                    .split_whitespace()
                    .map(str::to_ascii_lowercase)
                    .collect();
                if words.iter().any(|w| w == "no") && words.iter().any(|w| w == "transaction") {
                    directive = Some(TransactionMode::None);
                }
            }
            _ if !applying => {
                for b in bytes.get_mut(start..end).unwrap_or_default() {
                    if *b != b'\n' && *b != b'\r' {
                        *b = b' ';
                    }
                }
            }
            _ => {}
        }
        start = end;
    }
    // Blanking replaces every byte of a character, so the text stays UTF-8.
    let text = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    let text = if runner == Runner::Goose {
        goose_envsub(text, &|name| std::env::var(name).ok())
    } else {
        text
    };
    (text, directive)
}

/// goose's `-- +goose ENVSUB ON` ... `OFF`: in the lines between, `$NAME`,
/// `${NAME}`, `${NAME:-word}` and `${NAME-word}` are replaced by the
/// variable's value from `env` (pgvet's environment: goose's when both run
/// in the same shell), an unset one by nothing, as goose's interpolation
/// does; `$$` stays. A value of another length moves the rest of its line.
fn goose_envsub(text: String, env: &dyn Fn(&str) -> Option<String>) -> String {
    if !text.to_ascii_lowercase().contains("envsub") {
        return text;
    }
    let mut on = false;
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if let Some((Runner::Goose, None)) = marker(line) {
            let words: Vec<String> = line
                .split_whitespace()
                .map(str::to_ascii_lowercase)
                .collect();
            if words.iter().any(|w| w == "envsub") {
                on = words.iter().any(|w| w == "on");
            }
            out.push_str(line);
        } else if on && line.contains('$') {
            out.push_str(&envsub_line(line, env));
        } else {
            out.push_str(line);
        }
    }
    out
}

fn envsub_line(line: &str, env: &dyn Fn(&str) -> Option<String>) -> String {
    let is_name_start = |c: char| c.is_ascii_alphabetic() || c == '_';
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find('$') {
        out.push_str(rest.get(..at).unwrap_or(""));
        let after = rest.get(at + 1..).unwrap_or("");
        if let Some(tail) = after.strip_prefix('$') {
            out.push_str("$$");
            rest = tail;
        } else if let Some(braced) = after.strip_prefix('{') {
            let Some(end) = braced.find('}') else {
                out.push('$');
                rest = after;
                continue;
            };
            let inner = braced.get(..end).unwrap_or("");
            let name_len = inner.find(|c: char| !is_name(c)).unwrap_or(inner.len());
            let (name, op) = inner.split_at(name_len);
            let value = env(name);
            let replaced = match op {
                "" => Some(value.unwrap_or_default()),
                _ if op.starts_with(":-") => Some(
                    value
                        .filter(|v| !v.is_empty())
                        .unwrap_or_else(|| op.get(2..).unwrap_or("").to_string()),
                ),
                _ if op.starts_with('-') => {
                    Some(value.unwrap_or_else(|| op.get(1..).unwrap_or("").to_string()))
                }
                _ => None,
            };
            match replaced.filter(|_| name.starts_with(is_name_start)) {
                Some(v) => {
                    out.push_str(&v);
                    rest = braced.get(end + 1..).unwrap_or("");
                }
                None => {
                    out.push('$');
                    rest = after;
                }
            }
        } else if after.starts_with(is_name_start) {
            let end = after.find(|c: char| !is_name(c)).unwrap_or(after.len());
            out.push_str(&env(after.get(..end).unwrap_or("")).unwrap_or_default());
            rest = after.get(end..).unwrap_or("");
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn directory(dir: &Path, runner: Runner, flags: &config::RunnerFlags, out: &mut Layout) {
    let names = file_names(dir);
    let take = |path: PathBuf, out: &mut Layout| {
        let transaction = side_transaction(runner, &path);
        out.migrations.push(Migration {
            path,
            runner,
            transaction,
            flyway: None,
        });
    };
    let skip = |path: PathBuf, reason: &str, out: &mut Layout| {
        out.skipped.push(Skipped {
            path,
            reason: reason.to_string(),
        });
    };
    match runner {
        Runner::Plain => {
            let (found, mut bad) = match files::sql_files_in(dir) {
                Ok(r) => r,
                Err(e) => {
                    out.errors.push(files::list_error(dir, &e));
                    return;
                }
            };
            for p in found {
                take(p, out);
            }
            out.errors.append(&mut bad);
        }
        Runner::Supabase => {
            for name in names.iter().filter(|n| is_sql(n)) {
                if supabase_version(name).is_some() {
                    take(dir.join(name), out);
                } else {
                    skip(
                        dir.join(name),
                        "the Supabase CLI applies only files named <version>_<name>.sql",
                        out,
                    );
                }
            }
        }
        Runner::Goose | Runner::Dbmate | Runner::GolangMigrate | Runner::NodePgMigrate => {
            let mut versioned = Vec::new();
            for name in names.iter().filter(|n| is_sql(n)) {
                let version = match runner {
                    Runner::Goose => goose_version(name),
                    Runner::Dbmate | Runner::NodePgMigrate => dbmate_version(name),
                    _ => golang_migrate_version(name),
                };
                match version {
                    Some(v) => versioned.push((v, name.clone())),
                    None if runner == Runner::GolangMigrate && name.ends_with(".down.sql") => {
                        skip(dir.join(name), DOWN, out);
                    }
                    None => skip(
                        dir.join(name),
                        match runner {
                            Runner::Goose => "goose applies only files named <version>_<name>.sql",
                            Runner::Dbmate => {
                                "dbmate applies only files named <version>_<name>.sql"
                            }
                            Runner::NodePgMigrate => {
                                "node-pg-migrate applies only files whose name starts with a number"
                            }
                            _ => "golang-migrate applies only files named <version>_<name>.up.sql",
                        },
                        out,
                    ),
                }
            }
            // goose and golang-migrate compare versions as numbers, dbmate
            // as the digits' text (all its versions have the same width in
            // practice; a shorter one sorts as text does).
            versioned.sort_by(|(va, na), (vb, nb)| {
                let key = |v: &str| {
                    if runner == Runner::Dbmate {
                        (0, v.to_string())
                    } else {
                        (
                            v.trim_start_matches('0').len(),
                            v.trim_start_matches('0').to_string(),
                        )
                    }
                };
                key(va).cmp(&key(vb)).then_with(|| na.cmp(nb))
            });
            for (_, name) in versioned {
                take(dir.join(name), out);
            }
        }
        Runner::UpDown if names.iter().any(|n| authelia_name(n).is_some()) => {
            authelia(dir, &names, out);
        }
        Runner::UpDown => {
            for name in names.iter().filter(|n| is_sql(n)) {
                if name.ends_with(".up.sql") {
                    take(dir.join(name), out);
                } else if name.ends_with(".down.sql") {
                    skip(dir.join(name), DOWN, out);
                } else {
                    skip(
                        dir.join(name),
                        "neither an .up.sql nor a .down.sql file",
                        out,
                    );
                }
            }
        }
        Runner::Flyway => flyway(dir, flags, out),
        Runner::Sqitch => sqitch(dir, out),
        Runner::Prisma | Runner::Diesel => {
            let script = if runner == Runner::Prisma {
                "migration.sql"
            } else {
                "up.sql"
            };
            let mut folders = subfolders(dir);
            if runner == Runner::Diesel {
                // diesel's version is the folder name before its first `_`
                // without dashes, compared as text.
                folders.sort_by_key(|f| {
                    let name = f.file_name().map(|n| n.to_string_lossy().into_owned());
                    let name = name.unwrap_or_default();
                    let version = name.split('_').next().unwrap_or("").replace('-', "");
                    (version, name)
                });
            }
            for folder in folders {
                let inner = file_names(&folder);
                if inner.iter().any(|n| n == script) {
                    take(folder.join(script), out);
                }
                for name in inner.iter().filter(|n| is_sql(n)) {
                    if name == script {
                        continue;
                    }
                    let why = match (runner, name.as_str()) {
                        (_, "down.sql") => DOWN,
                        (Runner::Prisma, _) => {
                            "Prisma applies only the migration.sql of each folder"
                        }
                        _ => "diesel applies only the up.sql of each folder",
                    };
                    skip(folder.join(name), why, out);
                }
            }
            for name in names.iter().filter(|n| is_sql(n)) {
                skip(
                    dir.join(name),
                    if runner == Runner::Prisma {
                        "Prisma applies only <folder>/migration.sql"
                    } else {
                        "diesel applies only <folder>/up.sql"
                    },
                    out,
                );
            }
        }
        Runner::Drizzle => drizzle(dir, &names, out),
    }
}

/// authelia's migration names, `V<version>.<Name>.<database>.<up|down>.sql`
/// (database: `all`, `postgres`, `mysql` or `sqlite`): (version, database,
/// up).
fn authelia_name(name: &str) -> Option<(u64, &str, bool)> {
    let stem = name.strip_suffix(".sql")?;
    let (rest, up) = match stem.rsplit_once('.')? {
        (rest, "up") => (rest, true),
        (rest, "down") => (rest, false),
        _ => return None,
    };
    let (rest, database) = rest.rsplit_once('.')?;
    if !matches!(database, "all" | "postgres" | "mysql" | "sqlite") {
        return None;
    }
    let (version, title) = rest.strip_prefix('V')?.split_once('.')?;
    if title.is_empty() || version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((version.parse().ok()?, database, up))
}

/// authelia's storage migrations: the up scripts for PostgreSQL (or all
/// databases) by version. authelia runs the pending ones in one
/// transaction on PostgreSQL; pgvet models one per file, as for Drizzle.
fn authelia(dir: &Path, names: &[String], out: &mut Layout) {
    let mut up = Vec::new();
    for name in names.iter().filter(|n| is_sql(n)) {
        let path = dir.join(name);
        let reason = match authelia_name(name) {
            Some((version, "all" | "postgres", true)) => {
                up.push((version, path));
                continue;
            }
            Some((_, _, false)) => DOWN,
            Some(_) => "an authelia migration for another database",
            None => "not named as authelia names its migrations",
        };
        out.skipped.push(Skipped {
            path,
            reason: reason.to_string(),
        });
    }
    up.sort();
    for (_, path) in up {
        out.migrations.push(Migration {
            path,
            runner: Runner::UpDown,
            transaction: Some(TransactionMode::PerFile),
            flyway: None,
        });
    }
}

/// A transaction mode set in a file beside the migration.
/// The version under which `runner` records the migration at `path` in its
/// history table, normalized as [`recorded_key`] normalizes a recorded
/// one; None when it records none (a Flyway repeatable script) or pgvet
/// does not read that runner's history.
pub fn version_key(runner: Runner, path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let folder = || path.parent()?.file_name()?.to_str();
    match runner {
        Runner::Supabase => supabase_version(name).map(str::to_string),
        Runner::Goose => goose_version(name).map(|v| numeric_key(&v)),
        Runner::Dbmate => dbmate_version(name),
        Runner::GolangMigrate => golang_migrate_version(name).map(|v| numeric_key(&v)),
        Runner::Flyway => flyway_version_at(path).map(|v| dotted(&v)),
        Runner::Prisma => folder().map(str::to_string),
        Runner::Diesel => folder().map(|f| f.split('_').next().unwrap_or(f).replace('-', "")),
        Runner::NodePgMigrate => name.strip_suffix(".sql").map(str::to_string),
        // The change's name; an earlier script of a reworked change
        // (`change@tag.sql`) is recorded under the same name.
        Runner::Sqitch => name
            .strip_suffix(".sql")
            .map(|stem| stem.split('@').next().unwrap_or(stem).to_string()),
        Runner::Drizzle => drizzle_when(path).map(|when| when.to_string()),
        _ => None,
    }
}

/// The table in which `runner` records what it applied (the runner makes
/// it, no migration does).
pub fn history_table(runner: Runner) -> Option<&'static str> {
    Some(match runner {
        Runner::Supabase => "supabase_migrations.schema_migrations",
        Runner::Goose => "public.goose_db_version",
        Runner::Dbmate | Runner::GolangMigrate => "public.schema_migrations",
        Runner::Flyway => "public.flyway_schema_history",
        Runner::Prisma => "public._prisma_migrations",
        Runner::Diesel => "public.__diesel_schema_migrations",
        Runner::NodePgMigrate => "public.pgmigrations",
        Runner::Sqitch => "sqitch.changes",
        Runner::Drizzle => "drizzle.__drizzle_migrations",
        _ => return None,
    })
}

/// The schema a runner keeps its own registry in (sqitch's `sqitch`),
/// whose objects no migration makes.
pub fn history_schema(runner: Runner) -> Option<&'static str> {
    match runner {
        Runner::Sqitch => Some("sqitch"),
        Runner::Drizzle => Some("drizzle"),
        _ => None,
    }
}

/// A version as `runner`'s history table holds it, normalized.
pub fn recorded_key(runner: Runner, recorded: &str) -> String {
    match runner {
        Runner::Goose | Runner::GolangMigrate => numeric_key(recorded),
        Runner::Flyway => {
            version_parts(recorded).map_or_else(|| recorded.to_string(), |v| dotted(&v))
        }
        _ => recorded.to_string(),
    }
}

/// Which of `keys` (from [`version_key`]) the history holds. golang-migrate
/// records only the last version it applied, and Drizzle applies only the
/// journal entries later than the last it recorded: every version up to
/// the last is applied.
pub fn applied_keys(runner: Runner, recorded: &[String], key: &str) -> bool {
    if matches!(runner, Runner::GolangMigrate | Runner::Drizzle) {
        let number = |k: &str| k.parse::<u128>().ok();
        return recorded
            .iter()
            .filter_map(|r| number(&recorded_key(runner, r)))
            .max()
            .zip(number(key))
            .is_some_and(|(last, this)| this <= last);
    }
    recorded.iter().any(|r| recorded_key(runner, r) == key)
}

fn numeric_key(v: &str) -> String {
    let trimmed = v.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".to_string()
    } else {
        trimmed.to_string()
    }
}

fn dotted(parts: &[u128]) -> String {
    parts
        .iter()
        .map(u128::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

fn side_transaction(runner: Runner, path: &Path) -> Option<TransactionMode> {
    let (file, key) = match runner {
        Runner::Flyway => {
            let mut conf = path.as_os_str().to_owned();
            conf.push(".conf");
            (PathBuf::from(conf), "executeintransaction")
        }
        Runner::Diesel => (path.with_file_name("metadata.toml"), "run_in_transaction"),
        _ => return None,
    };
    let text = files::read_text(&file, files::MAX_CONFIG_BYTES).ok()?;
    text.lines().find_map(|line| {
        let line = line.split('#').next().unwrap_or("");
        let (k, v) = line.split_once('=')?;
        if k.trim().to_ascii_lowercase() != key {
            return None;
        }
        let v = v.trim();
        if v.eq_ignore_ascii_case("false") {
            Some(TransactionMode::None)
        } else if v.eq_ignore_ascii_case("true") {
            Some(TransactionMode::PerFile)
        } else {
            None
        }
    })
}

/// What Flyway makes of a file name, with its naming settings.
#[derive(Debug, Clone, PartialEq, Eq)]
enum FlywayName {
    Versioned(Vec<u128>),
    /// A repeatable script, by its description.
    Repeatable(String),
    /// A script Flyway does not apply on `migrate`, and why.
    NotApplied(&'static str),
    /// Not a script Flyway recognises.
    Other,
}

fn flyway_name(name: &str, cfg: &config::Flyway) -> FlywayName {
    let stem = cfg.suffixes.iter().find_map(|suffix| {
        let cut = name.len().checked_sub(suffix.len())?;
        let (stem, end) = (name.get(..cut)?, name.get(cut..)?);
        end.eq_ignore_ascii_case(suffix).then_some(stem)
    });
    let Some(stem) = stem else {
        return FlywayName::Other;
    };
    let sep = cfg.separator.as_str();
    let version = |prefix: &str| {
        let (v, _) = stem.strip_prefix(prefix)?.split_once(sep)?;
        if v.is_empty() {
            None
        } else {
            version_parts(v)
        }
    };
    if let Some(v) = version(&cfg.prefix) {
        return FlywayName::Versioned(v);
    }
    if let Some(desc) = stem
        .strip_prefix(cfg.repeatable_prefix.as_str())
        .and_then(|r| r.strip_prefix(sep))
    {
        return FlywayName::Repeatable(desc.to_string());
    }
    if version(&cfg.undo_prefix).is_some() {
        return FlywayName::NotApplied(UNDO);
    }
    if version(&cfg.baseline_prefix).is_some() {
        return FlywayName::NotApplied(
            "a baseline migration (Flyway applies it only to an empty database)",
        );
    }
    FlywayName::Other
}

/// The folders Flyway reads for the migrations in `dir`: the configured
/// locations when `dir` is one of them, holds the configuration or is the
/// folder the locations were given from, else `dir` alone.
fn flyway_folders(dir: &Path, cfg: &config::Flyway) -> Vec<PathBuf> {
    let config_here = cfg
        .file
        .as_deref()
        .and_then(Path::parent)
        .into_iter()
        .chain(cfg.locations_from.as_deref())
        .any(|f| same_dir(f, dir));
    if !cfg.locations.is_empty() && (config_here || cfg.locations.iter().any(|l| same_dir(l, dir)))
    {
        cfg.locations.clone()
    } else {
        vec![dir.to_path_buf()]
    }
}

fn same_dir(a: &Path, b: &Path) -> bool {
    let norm = |p: &Path| {
        std::fs::canonicalize(p)
            .or_else(|_| std::path::absolute(p))
            .unwrap_or_else(|_| p.to_path_buf())
    };
    norm(a) == norm(b)
}

/// The files under `folder` and its subfolders (Flyway scans its
/// locations recursively; links to folders are not followed), sorted by
/// path; hidden entries left out.
fn files_below(folder: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    out.extend(file_names(folder).into_iter().map(|n| folder.join(n)));
    if depth >= 32 {
        return;
    }
    for sub in subfolders(folder) {
        if sub.file_name().is_some_and(|n| !files::is_hidden(n)) {
            files_below(&sub, depth + 1, out);
        }
    }
}

fn flyway(dir: &Path, flags: &config::RunnerFlags, out: &mut Layout) {
    let cfg = match config::flyway(dir, flags) {
        Ok(cfg) => cfg.unwrap_or_default(),
        Err(e) => {
            out.errors.push(e);
            config::Flyway::default()
        }
    };
    let mut versioned: Vec<(Vec<u128>, PathBuf)> = Vec::new();
    let mut repeatable: Vec<(String, PathBuf)> = Vec::new();
    let other = format!(
        "Flyway applies only {p}<version>{s}<description>{x} and {r}{s}<description>{x}",
        p = cfg.prefix,
        s = cfg.separator,
        r = cfg.repeatable_prefix,
        x = cfg.suffixes.first().map_or(".sql", String::as_str),
    );
    for folder in flyway_folders(dir, &cfg) {
        if !folder.is_dir() {
            out.errors.push(InputError::file(
                &folder,
                format!(
                    "the Flyway location `{}` is not a folder pgvet can read",
                    folder.display()
                ),
            ));
            continue;
        }
        let mut found = Vec::new();
        files_below(&folder, 0, &mut found);
        // Two folders given that are locations of one configuration each
        // read them all: a script is applied once.
        found.retain(|p| !out.migrations.iter().any(|m| m.path == *p));
        for path in found {
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            match flyway_name(name, &cfg) {
                FlywayName::Versioned(v) => versioned.push((v, path)),
                FlywayName::Repeatable(desc) => repeatable.push((desc, path)),
                FlywayName::NotApplied(reason) => out.skipped.push(Skipped {
                    path,
                    reason: reason.to_string(),
                }),
                FlywayName::Other if is_sql(name) => out.skipped.push(Skipped {
                    path,
                    reason: other.clone(),
                }),
                FlywayName::Other => {}
            }
        }
    }
    versioned.sort();
    repeatable.sort();
    // Flyway refuses to migrate when two scripts have one version.
    let mut last: Option<(Vec<u128>, PathBuf)> = None;
    versioned.retain(|(v, path)| {
        if let Some((lv, lpath)) = last.as_ref().filter(|(lv, _)| lv == v) {
            out.errors.push(InputError::file(
                path,
                format!(
                    "Flyway finds more than one migration with version {} (`{}` and `{}`) and refuses to migrate; pgvet applies the first",
                    dotted(lv),
                    lpath.display(),
                    path.display()
                ),
            ));
            return false;
        }
        last = Some((v.clone(), path.clone()));
        true
    });
    let cfg = Arc::new(cfg);
    for path in versioned
        .into_iter()
        .map(|(_, p)| p)
        .chain(repeatable.into_iter().map(|(_, p)| p))
    {
        // The script's own `.conf` wins over the project's setting.
        let transaction = side_transaction(Runner::Flyway, &path)
            .or_else(|| (!cfg.execute_in_transaction).then_some(TransactionMode::None));
        out.migrations.push(Migration {
            transaction,
            path,
            runner: Runner::Flyway,
            flyway: Some(Arc::clone(&cfg)),
        });
    }
}

/// `V1.10__x.sql` → [1, 10] (trailing zeros dropped: 1.0 is 1), with
/// Flyway's default naming.
#[cfg(test)]
fn flyway_version(name: &str) -> Option<Vec<u128>> {
    match flyway_name(name, &config::Flyway::default()) {
        FlywayName::Versioned(v) => Some(v),
        _ => None,
    }
}

/// The version of a Flyway script at `path`, named as the configuration
/// in or above its folder says.
fn flyway_version_at(path: &Path) -> Option<Vec<u128>> {
    let name = path.file_name()?.to_str()?;
    let cfg = config::flyway(path.parent()?, &config::RunnerFlags::default())
        .ok()
        .flatten()
        .unwrap_or_default();
    match flyway_name(name, &cfg) {
        FlywayName::Versioned(v) => Some(v),
        _ => None,
    }
}

fn version_parts(version: &str) -> Option<Vec<u128>> {
    let mut parts: Vec<u128> = version
        .split(['.', '_'])
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    while parts.len() > 1 && parts.last() == Some(&0) {
        parts.pop();
    }
    Some(parts)
}

/// The digits before the first `_` of `<digits>_<name>.sql`.
fn supabase_version(name: &str) -> Option<&str> {
    digits_before_underscore(name.strip_suffix(".sql")?)
}

fn goose_version(name: &str) -> Option<String> {
    supabase_version(name).map(str::to_string)
}

/// dbmate: a name that starts with digits, then anything, `.sql`.
fn dbmate_version(name: &str) -> Option<String> {
    let stem = name.strip_suffix(".sql")?;
    let end = stem
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(stem.len());
    (end > 0).then(|| stem.get(..end).unwrap_or("").to_string())
}

/// golang-migrate: `<digits>_<title>.up.sql`.
fn golang_migrate_version(name: &str) -> Option<String> {
    digits_before_underscore(name.strip_suffix(".up.sql")?).map(str::to_string)
}

/// `123` of `123_title`: one or more digits, then `_`.
fn digits_before_underscore(stem: &str) -> Option<&str> {
    let (digits, _) = stem.split_once('_')?;
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// The `sqitch.plan` for a directory, with the deploy directory: as the
/// `sqitch.conf` in it says (`top_dir`, `plan_file`, `deploy_dir`), else
/// `sqitch.plan` and `deploy/` in it (the project root); or, for a deploy
/// directory, the project above it that names it (or `sqitch.plan` beside
/// a `deploy/`).
pub fn sqitch_plan(dir: &Path) -> Option<(PathBuf, PathBuf)> {
    sqitch_project(dir).map(|(_, plan, deploy)| (plan, deploy))
}

/// [`sqitch_plan`], with the project root first: the folder whose
/// `sqitch.conf` sqitch reads (it runs there).
fn sqitch_project(dir: &Path) -> Option<(PathBuf, PathBuf, PathBuf)> {
    if let Some(c) = config::sqitch(dir) {
        if c.plan.is_file() {
            return Some((dir.to_path_buf(), c.plan, c.deploy));
        }
    }
    let here = dir.join("sqitch.plan");
    if here.is_file() {
        return Some((dir.to_path_buf(), here, dir.join("deploy")));
    }
    for root in dir.ancestors().skip(1).take(3) {
        let Some(c) = config::sqitch(root) else {
            continue;
        };
        if c.plan.is_file() && same_dir(&c.deploy, dir) {
            return Some((root.to_path_buf(), c.plan, dir.to_path_buf()));
        }
    }
    if dir.file_name().is_some_and(|n| n == "deploy") {
        let root = dir.parent()?;
        let beside = root.join("sqitch.plan");
        if beside.is_file() {
            return Some((root.to_path_buf(), beside, dir.to_path_buf()));
        }
    }
    None
}

fn sqitch(dir: &Path, out: &mut Layout) {
    let Some((plan_path, deploy)) = sqitch_plan(dir) else {
        return;
    };
    let text = match files::read(&plan_path, files::MAX_MIGRATION_BYTES) {
        Ok(t) => t,
        Err(e) => {
            out.errors.push(e);
            return;
        }
    };
    let scripts = sqitch_scripts(&text);
    let mut used = std::collections::BTreeSet::new();
    for (script, fallback) in scripts {
        let path = deploy.join(format!("{script}.sql"));
        let path = if is_entry(&path) {
            path
        } else {
            deploy.join(format!("{fallback}.sql"))
        };
        if !is_entry(&path) {
            out.errors.push(InputError::file(
                &plan_path,
                format!(
                    "sqitch.plan names the change `{fallback}`, but `{}` does not exist",
                    path.display()
                ),
            ));
            continue;
        }
        used.insert(path.clone());
        out.migrations.push(Migration {
            path,
            runner: Runner::Sqitch,
            transaction: None,
            flyway: None,
        });
    }
    for name in file_names(&deploy).iter().filter(|n| is_sql(n)) {
        let path = deploy.join(name);
        if !used.contains(&path) {
            out.skipped.push(Skipped {
                path,
                reason: "not a change in sqitch.plan".to_string(),
            });
        }
    }
}

/// The deploy scripts a plan names, in order: (script name, change name).
/// A change reworked later in the plan ran its earlier script, which sqitch
/// keeps as `<change>@<first tag after it>.sql`.
fn sqitch_scripts(plan: &str) -> Vec<(String, String)> {
    enum Entry {
        Change(String),
        Tag(String),
    }
    let mut entries = Vec::new();
    for line in plan.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with('%') {
            continue;
        }
        let word = line.split_whitespace().next().unwrap_or("");
        if let Some(tag) = word.strip_prefix('@') {
            entries.push(Entry::Tag(tag.to_string()));
        } else {
            // `name [deps] timestamp planner <email> # note`; `name` may
            // be followed directly by `[` without a space.
            let name = word.split('[').next().unwrap_or(word);
            if !name.is_empty() {
                entries.push(Entry::Change(name.to_string()));
            }
        }
    }
    let mut out = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let Entry::Change(name) = entry else { continue };
        let later = entries.iter().skip(i + 1);
        let reworked = later
            .clone()
            .any(|e| matches!(e, Entry::Change(n) if n == name));
        let tag = later.clone().find_map(|e| match e {
            Entry::Tag(t) => Some(t.clone()),
            Entry::Change(_) => None,
        });
        match (reworked, tag) {
            (true, Some(tag)) => out.push((format!("{name}@{tag}"), name.clone())),
            _ => out.push((name.clone(), name.clone())),
        }
    }
    out
}

#[derive(Deserialize)]
struct Journal {
    entries: Vec<JournalEntry>,
}

#[derive(Deserialize)]
struct JournalEntry {
    idx: u64,
    tag: String,
    /// When drizzle-kit generated it (milliseconds): the migrator records
    /// it as `created_at` and applies the entries later than the last one.
    #[serde(default)]
    when: Option<u64>,
}

/// The journal `when` of a Drizzle migration file (its version in
/// `drizzle.__drizzle_migrations`), read from `meta/_journal.json` beside it.
fn drizzle_when(path: &Path) -> Option<u64> {
    let tag = path.file_stem()?.to_str()?;
    let journal = path.parent()?.join("meta").join("_journal.json");
    let journal = files::read_bytes(&journal, files::MAX_MIGRATION_BYTES).ok()?;
    let journal: Journal = serde_json::from_slice(&journal).ok()?;
    journal.entries.into_iter().find(|e| e.tag == tag)?.when
}

fn drizzle(dir: &Path, names: &[String], out: &mut Layout) {
    let journal_path = dir.join("meta").join("_journal.json");
    let journal: Option<Journal> = match files::read_bytes(
        &journal_path,
        files::MAX_MIGRATION_BYTES,
    ) {
        Ok(bytes) => match serde_json::from_slice(&bytes) {
            Ok(j) => Some(j),
            Err(e) => {
                out.errors.push(InputError::file(
                    &journal_path,
                    format!(
                        "cannot read the Drizzle journal `{}`: {e}; the files are read in name order",
                        journal_path.display()
                    ),
                ));
                None
            }
        },
        Err(_) => None,
    };
    let Some(mut journal) = journal else {
        for name in names.iter().filter(|n| is_sql(n)) {
            out.migrations.push(Migration {
                path: dir.join(name),
                runner: Runner::Drizzle,
                transaction: None,
                flyway: None,
            });
        }
        return;
    };
    journal.entries.sort_by_key(|e| e.idx);
    let mut used = std::collections::BTreeSet::new();
    for entry in &journal.entries {
        let name = format!("{}.sql", entry.tag);
        let path = dir.join(&name);
        if is_entry(&path) {
            used.insert(name);
            out.migrations.push(Migration {
                path,
                runner: Runner::Drizzle,
                transaction: None,
                flyway: None,
            });
        } else {
            out.errors.push(InputError::file(
                &journal_path,
                format!(
                    "the Drizzle journal names `{}`, which does not exist",
                    path.display()
                ),
            ));
        }
    }
    for name in names.iter().filter(|n| is_sql(n)) {
        if !used.contains(name) {
            out.skipped.push(Skipped {
                path: dir.join(name),
                reason: "not an entry of meta/_journal.json".to_string(),
            });
        }
    }
}

fn is_sql(name: &str) -> bool {
    Path::new(name)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("sql"))
}

/// The names of a directory's entries but subdirectories and dotfiles,
/// sorted. A broken link or a FIFO is kept: as a migration it is an input
/// error when read (without blocking), else it is skipped as any file is.
fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| !files::is_hidden(&e.file_name()))
        .filter(|e| !std::fs::metadata(e.path()).is_ok_and(|m| m.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    names
}

/// Whether a file (a link, even a broken one) is there: a named migration
/// that cannot be read is then an input error saying why.
fn is_entry(path: &Path) -> bool {
    path.symlink_metadata().is_ok_and(|m| !m.is_dir())
}

/// Whether subfolders of `dir` belong to `runner`'s layout (no note then).
fn subfolders_expected(dir: &Path, runner: Runner) -> bool {
    match runner {
        // A folder per migration; sqitch reads the paths its plan names
        // (and its root holds deploy/, revert/, verify/); Flyway scans its
        // locations recursively, and so does pgvet.
        Runner::Prisma | Runner::Diesel | Runner::Sqitch | Runner::Flyway => true,
        // No journal: drizzle-kit v1's folder per migration.
        Runner::Drizzle => !dir.join("meta").join("_journal.json").is_file(),
        _ => false,
    }
}

/// A note for stderr when subfolders holding `*.sql` files are not read:
/// not a finding, as they may be an archive, or migrations pgvet does not
/// see (issue 24).
fn subfolder_note(dir: &Path, runner: Runner) -> Option<String> {
    if subfolders_expected(dir, runner) {
        return None;
    }
    let found: Vec<PathBuf> = subfolders(dir)
        .into_iter()
        .filter(|f| f.file_name().is_some_and(|n| !files::is_hidden(n)))
        .filter(|f| file_names(f).iter().any(|n| is_sql(n)))
        .collect();
    let first = format!("`{}`", printable(&found.first()?.display().to_string()));
    let (count, named) = match found.len() {
        1 => ("1 subfolder".to_string(), first),
        n => (
            format!("{n} subfolders"),
            format!("{first} and {} more", n - 1),
        ),
    };
    let why = match runner {
        Runner::Plain => "pgvet reads only the files directly in the folder".to_string(),
        r => format!(
            "{} applies only the files directly in the folder",
            describe(r)
        ),
    };
    Some(format!(
        "pgvet: note: {count} of `{}` with .sql files not read ({named}): {why}",
        printable(&dir.display().to_string()),
    ))
}

/// A directory's subdirectories (links not followed), sorted by name.
fn subfolders(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    dirs.sort();
    dirs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flyway_versions_compare_as_numbers() {
        assert!(flyway_version("V1.10__b.sql") > flyway_version("V1.9__a.sql"));
        assert_eq!(flyway_version("V1.0__a.sql"), flyway_version("V1__a.sql"));
        assert_eq!(flyway_version("V2_1__a.sql"), Some(vec![2, 1]));
        assert_eq!(flyway_version("R__a.sql"), None);
        assert_eq!(flyway_version("V__a.sql"), None);
        assert_eq!(flyway_version("Vx__a.sql"), None);
    }

    #[test]
    fn down_sections_are_blanked_in_place() {
        let text = "-- +goose Up\ncreate table t (id int);\n-- +goose Down\ndrop table t; -- é\n-- +goose Up\nselect 1;\n";
        let (out, mode) = prepare(Runner::Goose, text.to_string());
        assert_eq!(out.len(), text.len());
        assert_eq!(out.lines().count(), text.lines().count());
        assert!(out.contains("create table t"));
        assert!(!out.contains("drop table"));
        assert!(out.contains("select 1;"));
        assert_eq!(mode, None);
        let (_, mode) = prepare(
            Runner::Goose,
            "-- +goose NO TRANSACTION\n-- +goose Up\nselect 1;\n".to_string(),
        );
        assert_eq!(mode, Some(TransactionMode::None));
        let (out, mode) = prepare(
            Runner::Dbmate,
            "-- migrate:up transaction:false\ncreate index concurrently i on t (a);\n\n-- migrate:down\ndrop index i;\n".to_string(),
        );
        assert_eq!(mode, Some(TransactionMode::None));
        assert!(!out.contains("drop index"));
        // A plain file is left as it is, markers or not.
        let (out, _) = prepare(Runner::Plain, text.to_string());
        assert_eq!(out, text);
    }

    #[test]
    fn node_pg_migrate_reads_its_markers_as_it_does() {
        assert_eq!(node_pg_migrate_marker("-- Up Migration"), Some(true));
        assert_eq!(
            node_pg_migrate_marker("  ---- down migration: undo"),
            Some(false)
        );
        assert_eq!(
            node_pg_migrate_marker("-- UP MIGRATION for tenants"),
            Some(true)
        );
        assert_eq!(node_pg_migrate_marker("-- upmigration"), None);
        assert_eq!(node_pg_migrate_marker("-- update migration"), None);
        // Detection is narrower: prose does not make a folder node-pg-migrate's.
        assert_eq!(marker("-- Up migration: add fees"), None);
        assert_eq!(
            marker("-- Up Migration"),
            Some((Runner::NodePgMigrate, Some(true)))
        );
    }

    #[test]
    fn goose_envsub_replaces_between_on_and_off_as_goose_does() {
        let env = |name: &str| match name {
            "OWNER" => Some("app".to_string()),
            "EMPTY" => Some(String::new()),
            _ => None,
        };
        let text = "-- +goose Up\nselect '$OWNER';\n-- +goose ENVSUB ON\ngrant x to ${OWNER}, $OWNER;\nselect '${UNSET}', '${UNSET:-d}', '${EMPTY-e}', '${EMPTY:-f}', $1, $$ $$;\n-- +goose ENVSUB OFF\nselect '${OWNER}';\n";
        let out = goose_envsub(text.to_string(), &env);
        assert_eq!(
            out.lines().collect::<Vec<_>>(),
            [
                "-- +goose Up",
                "select '$OWNER';",
                "-- +goose ENVSUB ON",
                "grant x to app, app;",
                "select '', 'd', '', 'f', $1, $$ $$;",
                "-- +goose ENVSUB OFF",
                "select '${OWNER}';",
            ]
        );
    }

    #[test]
    fn flyway_names_follow_the_configured_prefixes() {
        let cfg = config::Flyway {
            prefix: "M".to_string(),
            repeatable_prefix: "A".to_string(),
            separator: "-".to_string(),
            suffixes: vec![".pgsql".to_string(), ".sql".to_string()],
            ..config::Flyway::default()
        };
        assert_eq!(
            flyway_name("M2.1-add.pgsql", &cfg),
            FlywayName::Versioned(vec![2, 1])
        );
        assert_eq!(
            flyway_name("A-views.sql", &cfg),
            FlywayName::Repeatable("views".to_string())
        );
        assert_eq!(flyway_name("V1__x.sql", &cfg), FlywayName::Other);
        assert_eq!(flyway_name("U1-x.sql", &cfg), FlywayName::NotApplied(UNDO));
    }

    #[test]
    fn a_flyway_placeholder_without_a_value_is_an_error_at_its_place() {
        let mut cfg = config::Flyway::default();
        cfg.placeholders
            .insert("owner".to_string(), "app".to_string());
        let path = Path::new("V1__a.sql");
        let out = flyway_placeholders(
            path,
            &cfg,
            "alter table t owner to ${owner}; -- ${flyway:filename} in ${flyway:defaultSchema}\n"
                .to_string(),
        )
        .unwrap();
        assert_eq!(out, "alter table t owner to app; -- V1__a.sql in public\n");
        let e = flyway_placeholders(path, &cfg, "select 1;\n  select '${nope}';\n".to_string())
            .unwrap_err();
        assert_eq!((e.line, e.column), (Some(2), Some(11)));
        assert!(e.message.contains("`${nope}`"), "{}", e.message);
    }

    #[test]
    fn sqitch_reworked_changes_run_their_tagged_script_first() {
        let plan = "%syntax-version=1.0.0\n%project=x\n\nusers 2020-01-01T00:00:00Z A <a@b> # first\nfuncs [users] 2020-01-01T00:00:00Z A <a@b>\n@v1 2020-01-02T00:00:00Z A <a@b>\nfuncs [funcs@v1] 2020-01-03T00:00:00Z A <a@b> # reworked\n";
        let scripts: Vec<String> = sqitch_scripts(plan).into_iter().map(|(s, _)| s).collect();
        assert_eq!(scripts, ["users", "funcs@v1", "funcs"]);
    }
}
