//! Migration runners: which files a runner applies, in which order, which
//! part of each file, and in which transaction mode.
//!
//! `pgvet lint DIR` replays what the project's runner would apply to a
//! database, nothing else: a goose file's Down section, a golang-migrate
//! `.down.sql`, a Flyway undo script or a concatenation the Supabase CLI
//! never runs would otherwise drop or re-create the schema in the model.
//! The runner is taken from `migrations.runner` in pgvet.yaml or
//! `--runner`, else detected from the directory (see [`detect`]).
//! The facts behind each runner are listed in the README's runner table.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

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
    /// diesel's `metadata.toml`); directives inside the text are read by
    /// [`prepare`].
    pub transaction: Option<TransactionMode>,
}

/// A file next to the migrations that the runner does not apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: String,
}

/// Why a down script is skipped.
pub const DOWN: &str = "a down migration";
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
}

/// The layout of the given paths: a directory is read as its runner reads
/// it (`forced`, else detected); a file is taken as given, its sections as
/// its runner (forced, else told by its text) marks them.
pub fn layout(paths: &[PathBuf], forced: Option<Runner>) -> Layout {
    let mut out = Layout::default();
    for path in paths {
        match std::fs::metadata(path) {
            Err(e) => out.errors.push(InputError::file(
                path,
                format!("cannot read `{}`: {}", path.display(), files::io_reason(&e)),
            )),
            Ok(meta) if meta.is_dir() => {
                let runner = forced.unwrap_or_else(|| detect(path));
                out.runner.get_or_insert(runner);
                let before = out.migrations.len() + out.errors.len();
                directory(path, runner, &mut out);
                if let Some(note) = subfolder_note(path, runner) {
                    eprintln!("{note}");
                }
                if out.migrations.len() + out.errors.len() == before {
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
                out.runner.get_or_insert(runner);
                out.migrations.push(Migration {
                    path: path.clone(),
                    runner,
                    transaction: side_transaction(runner, path),
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
    if sql.iter().any(|n| flyway_version(n).is_some()) {
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
        return (text, None);
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
    (text, directive)
}

fn directory(dir: &Path, runner: Runner, out: &mut Layout) {
    let names = file_names(dir);
    let take = |path: PathBuf, out: &mut Layout| {
        let transaction = side_transaction(runner, &path);
        out.migrations.push(Migration {
            path,
            runner,
            transaction,
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
        Runner::Flyway => flyway(dir, &names, out),
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
        Runner::Flyway => flyway_version(name).map(|v| dotted(&v)),
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
        (k.trim().to_ascii_lowercase() == key && v.trim().eq_ignore_ascii_case("false"))
            .then_some(TransactionMode::None)
    })
}

fn flyway(dir: &Path, names: &[String], out: &mut Layout) {
    let mut versioned: Vec<(Vec<u128>, &String)> = Vec::new();
    let mut repeatable: Vec<(&str, &String)> = Vec::new();
    for name in names.iter().filter(|n| is_sql(n)) {
        if let Some(v) = flyway_version(name) {
            versioned.push((v, name));
        } else if let Some(desc) = name
            .strip_prefix("R__")
            .and_then(|r| r.strip_suffix(".sql"))
        {
            repeatable.push((desc, name));
        } else {
            let reason = if flyway_prefixed(name, 'U') {
                UNDO
            } else if flyway_prefixed(name, 'B') {
                "a baseline migration (Flyway applies it only to an empty database)"
            } else {
                "Flyway applies only V<version>__<description>.sql and R__<description>.sql"
            };
            out.skipped.push(Skipped {
                path: dir.join(name),
                reason: reason.to_string(),
            });
        }
    }
    versioned.sort();
    repeatable.sort();
    for name in versioned
        .into_iter()
        .map(|(_, n)| n)
        .chain(repeatable.into_iter().map(|(_, n)| n))
    {
        let path = dir.join(name);
        out.migrations.push(Migration {
            transaction: side_transaction(Runner::Flyway, &path),
            path,
            runner: Runner::Flyway,
        });
    }
}

fn flyway_prefixed(name: &str, prefix: char) -> bool {
    name.strip_prefix(prefix)
        .and_then(|r| r.split_once("__"))
        .is_some_and(|(v, _)| !v.is_empty() && version_parts(v).is_some())
}

/// `V1.10__x.sql` → [1, 10] (trailing zeros dropped: 1.0 is 1).
fn flyway_version(name: &str) -> Option<Vec<u128>> {
    let stem = name.strip_suffix(".sql")?.strip_prefix('V')?;
    let (version, _) = stem.split_once("__")?;
    if version.is_empty() {
        return None;
    }
    version_parts(version)
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

/// The `sqitch.plan` for a directory: in it (the project root, whose
/// `deploy/` holds the scripts), or beside it (the directory is `deploy/`);
/// with the deploy directory.
pub fn sqitch_plan(dir: &Path) -> Option<(PathBuf, PathBuf)> {
    let here = dir.join("sqitch.plan");
    if here.is_file() {
        return Some((here, dir.join("deploy")));
    }
    if dir.file_name().is_some_and(|n| n == "deploy") {
        let beside = dir.parent()?.join("sqitch.plan");
        if beside.is_file() {
            return Some((beside, dir.to_path_buf()));
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
        // (and its root holds deploy/, revert/, verify/).
        Runner::Prisma | Runner::Diesel | Runner::Sqitch => true,
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
        // Flyway scans its locations recursively.
        Runner::Flyway => "Flyway applies the migrations in subfolders too, but pgvet reads only the files directly in the folder, so they are not checked".to_string(),
        Runner::Plain => "pgvet reads only the files directly in the folder".to_string(),
        r => format!("{} applies only the files directly in the folder", describe(r)),
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
    fn sqitch_reworked_changes_run_their_tagged_script_first() {
        let plan = "%syntax-version=1.0.0\n%project=x\n\nusers 2020-01-01T00:00:00Z A <a@b> # first\nfuncs [users] 2020-01-01T00:00:00Z A <a@b>\n@v1 2020-01-02T00:00:00Z A <a@b>\nfuncs [funcs@v1] 2020-01-03T00:00:00Z A <a@b> # reworked\n";
        let scripts: Vec<String> = sqitch_scripts(plan).into_iter().map(|(s, _)| s).collect();
        assert_eq!(scripts, ["users", "funcs@v1", "funcs"]);
    }
}
