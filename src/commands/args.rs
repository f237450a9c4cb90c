//! The command-line arguments of each command (clap), shared by main.rs,
//! which parses them, and the commands, which read them.

use std::path::PathBuf;

use anyhow::Result;
use clap::ValueEnum;

use crate::config::Config;

/// The runner names `--runner` accepts.
fn runner_names() -> clap::builder::PossibleValuesParser {
    use crate::source::migrations::runner::Runner;
    clap::builder::PossibleValuesParser::new(Runner::ALL.iter().map(|r| r.name()))
}

/// `--max-file-size`: a size as pgvet.yaml writes one (`64MB`, units of
/// 1024 as in PostgreSQL), or the same with an IEC unit (`64MiB`).
fn file_size(text: &str) -> Result<u64, String> {
    let lower = text.trim().to_ascii_lowercase();
    match lower.strip_suffix("ib") {
        Some(number) => crate::config::parse_size(&format!("{number}b")),
        None => crate::config::parse_size(text),
    }
}

/// `--runner` over the config's `migrations.runner`.
pub fn apply_runner(cfg: &mut Config, runner: Option<&str>) {
    use crate::source::migrations::runner::Runner;
    if let Some(r) = runner.and_then(Runner::from_name) {
        cfg.runner = Some(r);
    }
}

/// `--history-table`: `schema.table` or `table`.
fn history_table(text: &str) -> Result<HistoryTable, String> {
    crate::source::migrations::config::history_table_name(text)
}

/// A history table as `--history-table` names it: (schema, table).
type HistoryTable = (Option<String>, String);

/// `--history-table` over the config's `migrations.history_table`. For
/// Flyway a schema given here is its default schema, whatever the
/// config's `migrations.flyway.defaultSchema` says (the flag wins).
pub fn apply_history_table(cfg: &mut Config, table: Option<&HistoryTable>) {
    if let Some(table) = table {
        if table.0.is_some() {
            cfg.runner_flags.flyway.remove("defaultSchema");
        }
        cfg.runner_flags.history_table = Some(table.clone());
    }
}

#[derive(clap::Args)]
pub struct LintArgs {
    /// Migration files or directories (a directory is read as its runner
    /// applies it; a file as given). Default: the first of
    /// supabase/migrations, migrations, db/migrations.
    pub paths: Vec<PathBuf>,
    /// How the migrations are applied: plain, supabase, flyway,
    /// golang-migrate, up-down, goose, dbmate, sqitch, prisma, drizzle,
    /// diesel or node-pg-migrate (default: `migrations.runner` in
    /// pgvet.yaml, else detected from the directory).
    #[arg(long, value_name = "RUNNER", value_parser = runner_names())]
    pub runner: Option<String>,
    /// The runner's history table, `schema.table` or `table`, when its
    /// command line moves it (goose's -table, Flyway's -table and
    /// -defaultSchema, ...). Default: `migrations.history_table` in
    /// pgvet.yaml, else where the runner's configuration puts it.
    #[arg(long, value_name = "TABLE", value_parser = history_table)]
    pub history_table: Option<HistoryTable>,
    /// Tables no migration creates exist already, with data, and so do
    /// other objects no migration creates (a DROP ... IF EXISTS drops
    /// them, CREATE OR REPLACE replaces them) unless the run dropped or
    /// renamed them: squawk-style linting of single files. None of them is
    /// reported as undefined.
    #[arg(long)]
    pub assume_existing: bool,
    /// The largest migration file read (a larger one is an input error):
    /// bytes, or with a unit, e.g. 100MB or 100MiB (both 1024 x 1024 x 100).
    /// Default: 64MiB.
    #[arg(long, value_name = "SIZE", value_parser = file_size)]
    pub max_file_size: Option<u64>,
    /// Read table sizes (read-only) from the database these migrations will run
    /// on: lock findings on large tables become errors, on empty ones info;
    /// and check the rows there against the constraints the migrations add
    /// (rule data-violates-constraint).
    #[arg(long)]
    pub db: Option<String>,
    /// Read table sizes from this file (written by `pgvet stats --db URL`)
    /// instead of a database: the same size-aware severity as --db, without
    /// credentials; the data checks need --db.
    #[arg(long, value_name = "FILE", conflicts_with = "db")]
    pub stats_file: Option<PathBuf>,
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// Report only findings this baseline file (`pgvet baseline write`) does not record.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Report only findings in files changed since this git ref (from its merge
    /// base with HEAD to the working tree, untracked files included); every
    /// migration is still replayed.
    #[arg(long, value_name = "REF", conflicts_with = "staged")]
    pub changed_since: Option<String>,
    /// Report only findings in files staged in git (a pre-commit hook's view);
    /// every migration is still replayed.
    #[arg(long)]
    pub staged: bool,
    /// Neither read nor write the replay checkpoint cache (in
    /// $PGVET_CACHE_DIR, else $XDG_CACHE_HOME/pgvet or ~/.cache/pgvet),
    /// which lets the next lint skip the files before the newest (or the
    /// first one passed) when they did not change.
    #[arg(long)]
    pub no_cache: bool,
    /// Report only findings in these files (what pre-commit passes, also
    /// with `--all-files`); every migration is still replayed. Takes the
    /// rest of the command line.
    #[arg(
        long,
        value_name = "FILE",
        num_args = 1..,
        conflicts_with_all = ["staged", "changed_since"]
    )]
    pub only: Vec<PathBuf>,
    #[command(flatten)]
    pub common: CommonArgs,
}

// The lint flags that do not apply to writing a baseline stay out of its help
// (and --baseline, --changed-since, --staged are refused).
#[derive(clap::Args)]
#[command(
    mut_arg("format", |a| a.hide(true)),
    mut_arg("fail_on", |a| a.hide(true)),
    mut_arg("color", |a| a.hide(true)),
    mut_arg("baseline", |a| a.hide(true)),
    mut_arg("changed_since", |a| a.hide(true)),
    mut_arg("staged", |a| a.hide(true)),
    mut_arg("only", |a| a.hide(true))
)]
pub struct BaselineWriteArgs {
    /// The baseline file to write.
    #[arg(long, default_value = crate::workflow::baseline::FILE_NAME)]
    pub output: PathBuf,
    #[command(flatten)]
    pub lint: LintArgs,
}

#[derive(clap::Args)]
pub struct FixArgs {
    /// Migration files or directories, as for `lint`; the fix is written as a
    /// new migration in their directory, named as their runner names one.
    pub paths: Vec<PathBuf>,
    /// How the migrations are applied, as for `lint`.
    #[arg(long, value_name = "RUNNER", value_parser = runner_names(), conflicts_with = "db")]
    pub runner: Option<String>,
    /// Fix a live database instead: audit it (read-only) and write the SQL to
    /// --output or stdout.
    #[arg(long, conflicts_with_all = ["paths", "assume_existing"])]
    pub db: Option<String>,
    /// With --db: audit only these schemas (comma-separated).
    #[arg(long, value_delimiter = ',', requires = "db")]
    pub schemas: Vec<String>,
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// Write the SQL to this file instead of a new migration.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print the SQL and write nothing (with --output, print what would go
    /// to that file).
    #[arg(long)]
    pub dry_run: bool,
    /// Fix only these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',')]
    pub rule: Vec<String>,
    /// Also write the unsafe fixes: those that change what some callers can
    /// do (enabling row level security, revoking EXECUTE, a default that
    /// lets an INSERT through, ...), each with a comment saying what
    /// changes for whom.
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// As for `lint`: tables and other objects no migration creates exist
    /// already.
    #[arg(long)]
    pub assume_existing: bool,
    /// As for `lint`: the largest migration file read.
    #[arg(long, value_name = "SIZE", value_parser = file_size)]
    pub max_file_size: Option<u64>,
    /// Config file (default: pgvet.yaml in the current directory or above).
    #[arg(long)]
    pub config: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct AuditArgs {
    /// Connection URL or key=value string (libpq style); PG* variables fill the gaps.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub db: Option<String>,
    /// Audit only these schemas (comma-separated). Default: every schema but PostgreSQL's own.
    #[arg(long, value_delimiter = ',')]
    pub schemas: Vec<String>,
    #[command(flatten)]
    pub connection: ConnectionArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(clap::Args)]
pub struct StatsArgs {
    /// Connection URL or key=value string (libpq style); PG* variables fill the gaps.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub db: Option<String>,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

#[derive(clap::Args)]
pub struct DriftArgs {
    /// Migration files or directories, as for `lint`.
    pub paths: Vec<PathBuf>,
    /// How the migrations are applied: plain, supabase, flyway,
    /// golang-migrate, up-down, goose, dbmate, sqitch, prisma, drizzle,
    /// diesel or node-pg-migrate (default: `migrations.runner` in
    /// pgvet.yaml, else detected from the directory).
    #[arg(long, value_name = "RUNNER", value_parser = runner_names())]
    pub runner: Option<String>,
    /// The runner's history table, `schema.table` or `table`, when its
    /// command line moves it (goose's -table, Flyway's -table and
    /// -defaultSchema, ...). Default: `migrations.history_table` in
    /// pgvet.yaml, else where the runner's configuration puts it.
    #[arg(long, value_name = "TABLE", value_parser = history_table)]
    pub history_table: Option<HistoryTable>,
    /// As for `lint`: the largest migration file read.
    #[arg(long, value_name = "SIZE", value_parser = file_size)]
    pub max_file_size: Option<u64>,
    /// The database to compare with (URL or key=value string, libpq style).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub db: Option<String>,
    /// Compare owners too: of schemas, tables, views, materialized views,
    /// foreign tables, sequences (a serial's or identity's too), functions,
    /// procedures, types, domains, extensions and publications. An owner a migration sets (OWNER TO, CREATE SCHEMA ...
    /// AUTHORIZATION) must be the database's; an object no migration gives
    /// an owner must be owned by the role that owns most such objects.
    #[arg(long)]
    pub owners: bool,
    #[command(flatten)]
    pub connection: ConnectionArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// How to reach a database (audit, and lint with --db).
#[derive(clap::Args)]
pub struct ConnectionArgs {
    /// TLS: disable, prefer (default), require, verify-ca or verify-full, as in libpq.
    #[arg(long)]
    pub sslmode: Option<String>,
    /// CA certificates (PEM) for verify-ca / verify-full.
    #[arg(long)]
    pub sslrootcert: Option<String>,
    /// Longest a catalog query (or a data check of `lint --db`) may run
    /// (PostgreSQL duration).
    #[arg(long, default_value = "30s")]
    pub statement_timeout: String,
    /// Longest to wait for a catalog lock (PostgreSQL duration).
    #[arg(long, default_value = "5s")]
    pub lock_timeout: String,
    /// Connections reading the catalog (audit, fix --db): 1, or 2 to split
    /// the catalog queries between two server processes sharing one
    /// snapshot (halves the server's part of a large audit).
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub connections: usize,
}

impl ConnectionArgs {
    pub fn options(
        &self,
        db: Option<String>,
        cfg: &Config,
        exposed_schemas: Option<Vec<String>>,
    ) -> Result<crate::source::live::LiveOptions> {
        use crate::source::live::{ConnectOptions, LiveOptions, SslMode};
        let sslmode = match &self.sslmode {
            Some(m) => Some(m.parse::<SslMode>().map_err(anyhow::Error::msg)?),
            None => None,
        };
        Ok(LiveOptions {
            connect: ConnectOptions {
                url: db,
                sslmode,
                sslrootcert: self.sslrootcert.clone(),
                connect_timeout: None,
            },
            statement_timeout: self.statement_timeout.clone(),
            lock_timeout: self.lock_timeout.clone(),
            connections: self.connections,
            schemas: None,
            platform: cfg.platform,
            exposed_schemas,
        })
    }
}

/// Options of every command that reports findings.
#[derive(clap::Args)]
pub struct CommonArgs {
    /// Output: human, concise (a line per finding), json, sarif (code
    /// scanning), github (workflow annotations) or gitlab (Code Quality).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Human and concise output: print only the findings counted by rule
    /// (severity, count, how many `pgvet fix` fixes, title) and the summary.
    #[arg(long)]
    pub statistics: bool,
    /// Human and concise output: the order of the findings, by file and
    /// position, or by severity (errors first; by file within each).
    #[arg(long, value_enum, default_value_t = Sort::File)]
    pub sort: Sort,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
    /// Run only these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Do not run these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Config file (default: pgvet.yaml in the current directory or above).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Report everything pgvet could not analyze (DO blocks, dynamic SQL,
    /// bodies that do not parse, ...) as an error (rule not-analyzed).
    #[arg(long)]
    pub strict: bool,
    /// Color in human output: auto (on a terminal unless NO_COLOR is set;
    /// CLICOLOR_FORCE other than 0 forces it), always or never.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Concise,
    Json,
    Sarif,
    Github,
    Gitlab,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Sort {
    File,
    Severity,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}
