//! The `pgvet` command line: parses arguments, runs, maps the outcome to an exit code.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// glibc's malloc serializes the parser threads and the replay thread on
/// its arena locks (futex waits in `realloc` showed in the profile);
/// mimalloc keeps a heap per thread.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};

use pgvet::config::{self, Config};
use pgvet::report::{self, Severity};
use pgvet::rules;

#[derive(Parser)]
#[command(name = "pgvet", version, about = "PostgreSQL / Supabase schema linter")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Replay migration files into one schema and report problems.
    #[command(visible_alias = "check")]
    Lint(LintArgs),
    /// List every rule: id, severity, category, title.
    Rules {
        #[arg(long, value_enum, default_value_t = RulesFormat::Human)]
        format: RulesFormat,
    },
    /// Read a live database's catalog (read-only, one snapshot) and report problems.
    Audit(AuditArgs),
    /// Write a commented starter pgvet.yaml here (Supabase layout detected).
    Init {
        /// Overwrite an existing pgvet.yaml.
        #[arg(long)]
        force: bool,
    },
    /// Record today's findings so that `lint --baseline` reports only new ones.
    Baseline {
        #[command(subcommand)]
        action: BaselineCommand,
    },
    /// Write the migration that fixes what pgvet found, where a safe fix exists.
    Fix(FixArgs),
    /// Show a rule's rationale, examples and fix.
    Explain {
        /// Rule id (or alias).
        rule: String,
    },
}

#[derive(clap::Args)]
struct LintArgs {
    /// Migration files or directories (a directory = its *.sql files in name order).
    /// Default: the first of supabase/migrations, migrations, db/migrations.
    paths: Vec<PathBuf>,
    /// Tables no migration creates exist already, with data (squawk-style
    /// linting of single files); they are not reported as undefined.
    #[arg(long)]
    assume_existing: bool,
    /// Read table sizes (read-only) from the database these migrations will run
    /// on: lock findings on large tables become errors, on empty ones info.
    #[arg(long)]
    db: Option<String>,
    #[command(flatten)]
    connection: ConnectionArgs,
    /// Report only findings this baseline file (`pgvet baseline write`) does not record.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Report only findings in files changed since this git ref (from its merge
    /// base with HEAD to the working tree, untracked files included); every
    /// migration is still replayed.
    #[arg(long, value_name = "REF", conflicts_with = "staged")]
    changed_since: Option<String>,
    /// Report only findings in files staged in git (a pre-commit hook's view);
    /// every migration is still replayed.
    #[arg(long)]
    staged: bool,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Subcommand)]
enum BaselineCommand {
    /// Lint as `pgvet lint` does and write every finding to the baseline file.
    Write(BaselineWriteArgs),
}

// The lint flags that do not apply to writing a baseline stay out of its help
// (and --baseline, --changed-since, --staged are refused).
#[derive(clap::Args)]
#[command(
    mut_arg("format", |a| a.hide(true)),
    mut_arg("fail_on", |a| a.hide(true)),
    mut_arg("baseline", |a| a.hide(true)),
    mut_arg("changed_since", |a| a.hide(true)),
    mut_arg("staged", |a| a.hide(true))
)]
struct BaselineWriteArgs {
    /// The baseline file to write.
    #[arg(long, default_value = pgvet::workflow::baseline::FILE_NAME)]
    output: PathBuf,
    #[command(flatten)]
    lint: LintArgs,
}

#[derive(clap::Args)]
struct FixArgs {
    /// Migration files or directories, as for `lint`; the fix is written as a
    /// new migration in their directory.
    paths: Vec<PathBuf>,
    /// Fix a live database instead: audit it (read-only) and write the SQL to
    /// --output or stdout.
    #[arg(long, conflicts_with_all = ["paths", "assume_existing"])]
    db: Option<String>,
    /// With --db: audit only these schemas (comma-separated).
    #[arg(long, value_delimiter = ',', requires = "db")]
    schemas: Vec<String>,
    #[command(flatten)]
    connection: ConnectionArgs,
    /// Write the SQL to this file instead of a new migration.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Print the SQL and write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Fix only these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',')]
    rule: Vec<String>,
    /// As for `lint`: tables no migration creates exist already.
    #[arg(long)]
    assume_existing: bool,
    /// Config file (default: pgvet.yaml in the current directory or above).
    #[arg(long)]
    config: Option<PathBuf>,
}

#[derive(clap::Args)]
struct AuditArgs {
    /// Connection URL or key=value string (libpq style); PG* variables fill the gaps.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    db: Option<String>,
    /// Audit only these schemas (comma-separated). Default: every schema but PostgreSQL's own.
    #[arg(long, value_delimiter = ',')]
    schemas: Vec<String>,
    #[command(flatten)]
    connection: ConnectionArgs,
    #[command(flatten)]
    common: CommonArgs,
}

/// How to reach a database (audit, and lint with --db).
#[derive(clap::Args)]
struct ConnectionArgs {
    /// TLS: disable, prefer (default), require, verify-ca or verify-full, as in libpq.
    #[arg(long)]
    sslmode: Option<String>,
    /// CA certificates (PEM) for verify-ca / verify-full.
    #[arg(long)]
    sslrootcert: Option<String>,
    /// Longest a catalog query may run (PostgreSQL duration).
    #[arg(long, default_value = "30s")]
    statement_timeout: String,
    /// Longest to wait for a catalog lock (PostgreSQL duration).
    #[arg(long, default_value = "5s")]
    lock_timeout: String,
    /// Connections reading the catalog (audit, fix --db): 1, or 2 to split
    /// the catalog queries between two server processes sharing one
    /// snapshot (halves the server's part of a large audit).
    #[arg(long, default_value_t = 1, value_name = "N")]
    connections: usize,
}

impl ConnectionArgs {
    fn options(
        &self,
        db: Option<String>,
        cfg: &Config,
        exposed_schemas: Vec<String>,
    ) -> Result<pgvet::source::live::LiveOptions> {
        use pgvet::source::live::{ConnectOptions, LiveOptions, SslMode};
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
struct CommonArgs {
    /// Output: human, json, sarif (code scanning), github (workflow
    /// annotations) or gitlab (Code Quality).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    fail_on: FailOn,
    /// Run only these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',')]
    select: Vec<String>,
    /// Do not run these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// Config file (default: pgvet.yaml in the current directory or above).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Report everything pgvet could not analyze (DO blocks, dynamic SQL,
    /// bodies that do not parse, ...) as an error (rule not-analyzed).
    #[arg(long)]
    strict: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Human,
    Json,
    Sarif,
    Github,
    Gitlab,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum RulesFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

/// How a run ended; the process exit code follows from it.
enum Outcome {
    Clean,
    Findings,
    Failed,
}

/// No transparent huge pages for this process. mimalloc asks for them on
/// its arenas, and every fresh 2 MB page is zeroed when first touched: on an
/// audit of 6,000 tables a quarter of the CPU time went to the kernel
/// zeroing huge pages (perf: `clear_page_erms` under
/// `do_huge_pmd_anonymous_page`), and peak memory rose by 20 to 35 MB.
/// With 4 KiB pages the audit takes about 15% less CPU and the lint the
/// same; both use less memory (issues 5 and 8). This is what mimalloc's
/// `MIMALLOC_ALLOW_THP=0` does, done here because that variable is read
/// before `main`.
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes one integer argument and only sets a
    // flag on this process; the unused arguments must be zero.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

fn main() -> ExitCode {
    no_huge_pages();
    let cli = Cli::parse();
    match run(cli) {
        Ok(Outcome::Clean) => ExitCode::from(0),
        Ok(Outcome::Findings) => ExitCode::from(1),
        Ok(Outcome::Failed) => ExitCode::from(2),
        Err(e) => {
            eprintln!("pgvet: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<Outcome> {
    match cli.command {
        Command::Lint(args) => lint(args),
        Command::Audit(args) => audit(args),
        Command::Rules { format } => {
            print_rules(format)?;
            Ok(Outcome::Clean)
        }
        Command::Init { force } => init(force),
        Command::Baseline {
            action: BaselineCommand::Write(args),
        } => baseline_write(args),
        Command::Fix(args) => fix(args),
        Command::Explain { rule } => {
            let Some(rule) = rules::find(&rule) else {
                bail!("unknown rule `{rule}`; `pgvet rules` lists them");
            };
            write_stdout(&explain(rule))?;
            Ok(Outcome::Clean)
        }
    }
}

fn init(force: bool) -> Result<Outcome> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let path = cwd.join(config::FILE_NAME);
    if path.exists() && !force {
        bail!(
            "{} exists already; `pgvet init --force` overwrites it",
            path.display()
        );
    }
    std::fs::write(&path, pgvet::init::starter_config(&cwd))
        .with_context(|| format!("cannot write {}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(Outcome::Clean)
}

/// The config file and command-line rule choices.
fn load_config(common: &CommonArgs, cwd: &std::path::Path) -> Result<Config> {
    let config_path = common.config.clone().or_else(|| config::discover(cwd));
    let mut cfg = match &config_path {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    if !common.select.is_empty() {
        cfg.select = Some(common.select.clone());
    }
    cfg.ignore.extend(common.ignore.iter().cloned());
    cfg.strict |= common.strict;
    cfg.check_rule_ids("command line")?;
    Ok(cfg)
}

fn lint(args: LintArgs) -> Result<Outcome> {
    use pgvet::workflow::{baseline, changed};
    // A bad baseline or git state fails before the (longer) lint.
    let recorded = match &args.baseline {
        Some(file) => Some(baseline::Baseline::load(file)?),
        None => None,
    };
    let scope = match (&args.changed_since, args.staged) {
        (Some(reference), _) => Some(changed::Scope::Since(reference.clone())),
        (None, true) => Some(changed::Scope::Staged),
        (None, false) => None,
    };
    let (mut report, cfg, paths) = lint_report(&args, false)?;
    if let (Some(recorded), Some(file)) = (&recorded, &args.baseline) {
        baseline::apply(&mut report, recorded, &file.display().to_string(), &cfg);
    }
    if let Some(scope) = scope {
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        let changed = changed::changed_files(&changed::repository_dir(&paths, &cwd), scope)?;
        changed::apply(&mut report, &changed);
    }
    finish(&report, &args.common)
}

fn baseline_write(args: BaselineWriteArgs) -> Result<Outcome> {
    let lint = &args.lint;
    if lint.baseline.is_some() || lint.changed_since.is_some() || lint.staged {
        bail!(concat!(
            "`baseline write` records every finding; ",
            "--baseline, --changed-since and --staged are for `lint`"
        ));
    }
    let (report, _, _) = lint_report(lint, false)?;
    if !report.errors.is_empty() {
        for e in &report.errors {
            let line = e.line.map(|l| format!(":{l}")).unwrap_or_default();
            eprintln!("{}{line}: {}", e.file, e.message);
        }
        bail!(
            "{} not written: {} input error(s) above; fix them first so the baseline is complete",
            args.output.display(),
            report.errors.len()
        );
    }
    let recorded = pgvet::workflow::baseline::Baseline::from_report(&report);
    std::fs::write(&args.output, recorded.to_json())
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    let n = recorded.entries.len();
    let noun = if n == 1 { "entry" } else { "entries" };
    write_stdout(&format!(
        "wrote {} with {n} {noun}\n",
        args.output.display()
    ))?;
    Ok(Outcome::Clean)
}

/// Lints the paths (or the configured or default migrations directory) as
/// `pgvet lint` does, before any baseline or changed-files filter.
fn lint_report(
    args: &LintArgs,
    keep_catalog: bool,
) -> Result<(report::Report, Config, Vec<PathBuf>)> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let mut cfg = load_config(&args.common, &cwd)?;
    cfg.assume_existing |= args.assume_existing;
    // migrations.dir is relative to the config file that names it.
    let configured_dir = cfg.migrations_dir.as_ref().map(|d| {
        cfg.source
            .as_deref()
            .and_then(std::path::Path::parent)
            .map_or_else(|| d.clone(), |base| base.join(d))
    });
    let paths = if let (true, Some(dir)) = (args.paths.is_empty(), configured_dir) {
        vec![dir]
    } else if args.paths.is_empty() {
        match pgvet::source::migrations::files::autodetect(&cwd) {
            Some(dir) => vec![dir],
            None => bail!(
                "no migrations found: pass a path, or run where one of {} exists",
                pgvet::source::migrations::files::DEFAULT_DIRS.join(", ")
            ),
        }
    } else {
        args.paths.clone()
    };
    let mut settings = pgvet::Settings::resolve(&cfg, &paths, &cwd);
    settings.keep_catalog = keep_catalog;
    if let Some(db) = args.db.clone() {
        let opts = args
            .connection
            .options(Some(db), &cfg, settings.exposed_schemas.clone())?;
        let live = pgvet::live_context(&opts)?;
        settings.live_tables = Some(std::sync::Arc::new(live.tables));
        // The server says which version the migrations will meet.
        if cfg.postgres_version.is_none() {
            cfg.postgres_version = live.major_version;
        }
    }
    let report = pgvet::lint(&paths, &cfg, &settings);
    Ok((report, cfg, paths))
}

fn audit(args: AuditArgs) -> Result<Outcome> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let cfg = load_config(&args.common, &cwd)?;
    // Exposed schemas as for lint: config, else supabase/config.toml, else public.
    let settings = pgvet::Settings::resolve(&cfg, &[], &cwd);
    let mut opts = args
        .connection
        .options(args.db.clone(), &cfg, settings.exposed_schemas)?;
    opts.schemas = (!args.schemas.is_empty()).then(|| args.schemas.clone());
    let report = pgvet::audit(&opts, &cfg)?;
    finish(&report, &args.common)
}

fn fix(args: FixArgs) -> Result<Outcome> {
    use pgvet::fix;
    for id in &args.rule {
        let Some(rule) = rules::find(id) else {
            bail!("unknown rule `{id}`; `pgvet rules` lists them");
        };
        if fix::describe(rule.id()).is_none() {
            let all: Vec<&str> = fix::fixable_rules().collect();
            bail!(
                "`{}` has no automatic fix; these do: {}",
                rule.id(),
                all.join(", ")
            );
        }
    }
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let common = CommonArgs {
        format: Format::Human,
        fail_on: FailOn::Never,
        select: Vec::new(),
        ignore: Vec::new(),
        config: args.config.clone(),
        strict: false,
    };
    let live = args.db.is_some();
    let (report, cfg, paths, settings) = if let Some(db) = args.db.clone() {
        let cfg = load_config(&common, &cwd)?;
        let settings = pgvet::Settings::resolve(&cfg, &[], &cwd);
        let mut opts = args
            .connection
            .options(Some(db), &cfg, settings.exposed_schemas.clone())?;
        opts.schemas = (!args.schemas.is_empty()).then(|| args.schemas.clone());
        let report = pgvet::audit(&opts, &cfg)?;
        (report, cfg, Vec::new(), settings)
    } else {
        let lint_args = LintArgs {
            paths: args.paths.clone(),
            assume_existing: args.assume_existing,
            db: None,
            connection: args.connection,
            baseline: None,
            changed_since: None,
            staged: false,
            common,
        };
        let (report, cfg, paths) = lint_report(&lint_args, true)?;
        let settings = pgvet::Settings::resolve(&cfg, &paths, &cwd);
        (report, cfg, paths, settings)
    };
    if !report.errors.is_empty() {
        for e in &report.errors {
            let line = e.line.map(|l| format!(":{l}")).unwrap_or_default();
            eprintln!("{}{line}: {}", e.file, e.message);
        }
        eprintln!(
            "pgvet: nothing written: {} input error(s) above; the schema pgvet sees is incomplete until they are fixed",
            report.errors.len()
        );
        return Ok(Outcome::Failed);
    }
    let Some(catalog) = &report.catalog else {
        bail!("internal: the schema was not kept for fix");
    };
    let opts = fix::FixOptions {
        platform: catalog.platform,
        postgres_version: cfg.postgres_version(),
        transaction: settings.transaction,
        rules: args
            .rule
            .iter()
            .filter_map(|r| rules::find(r))
            .map(|r| r.id().to_string())
            .collect(),
    };
    let plan = fix::plan(&report.findings, catalog, &opts);
    let fixed: usize = plan.changes.iter().map(|c| c.resolves.len()).sum();
    let mut by_rule: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for c in &plan.changes {
        for (rule, _) in &c.resolves {
            *by_rule.entry(rule).or_default() += 1;
        }
    }
    let tally: Vec<String> = by_rule.iter().map(|(r, n)| format!("{r} {n}")).collect();
    let header = format!(
        "-- Written by `pgvet fix` (pgvet {}): {} change(s) for {fixed} finding(s).\n-- Review every statement before you apply it.\n",
        env!("CARGO_PKG_VERSION"),
        plan.changes.len()
    );
    let mut summary = Vec::new();
    if !plan.skipped.is_empty() {
        summary.push(format!(
            "{} finding(s) not fixed: the usual fix is not safe for this schema (reasons in the SQL's comments)",
            plan.skipped.len()
        ));
    }
    let manual: usize = plan.manual.values().sum();
    if manual > 0 {
        summary.push(format!(
            "{manual} finding(s) of rules without an automatic fix: `pgvet {}` lists them",
            if live { "audit" } else { "lint" }
        ));
    }
    if plan.changes.is_empty() && plan.skipped.is_empty() {
        summary.insert(0, "nothing to fix".to_string());
        for line in summary {
            eprintln!("pgvet: {line}");
        }
        return Ok(Outcome::Clean);
    }
    // A file given with -o, or stdout, holds everything in one piece.
    let single = args.dry_run || args.output.is_some() || live;
    let mut opts_for_render = opts.clone();
    if single {
        opts_for_render.transaction = pgvet::config::TransactionMode::None;
    }
    let files = fix::render(&plan, &opts_for_render, &header);
    let written: Vec<PathBuf> = if args.dry_run || (live && args.output.is_none()) {
        write_stdout(&files.concat())?;
        Vec::new()
    } else if let Some(out) = &args.output {
        std::fs::write(out, files.concat())
            .with_context(|| format!("cannot write {}", out.display()))?;
        vec![out.clone()]
    } else {
        let dir = fix_directory(&paths)?;
        let existing: Vec<String> = std::fs::read_dir(&dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .filter_map(|e| e.ok().and_then(|e| e.file_name().into_string().ok()))
            .collect();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let names = fix::naming::next_migrations(&existing, "pgvet_fixes", files.len(), now);
        let mut written = Vec::new();
        for (name, text) in names.iter().zip(&files) {
            let path = dir.join(name);
            std::fs::write(&path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            written.push(path);
        }
        written
    };
    if !written.is_empty() {
        let list: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
        eprintln!(
            "pgvet: wrote {}: {} change(s) for {fixed} finding(s) ({})",
            list.join(" and "),
            plan.changes.len(),
            tally.join(", ")
        );
    }
    for line in summary {
        eprintln!("pgvet: {line}");
    }
    Ok(Outcome::Clean)
}

/// Where a new migration goes: the directory linted, or the one holding the
/// last file linted.
fn fix_directory(paths: &[PathBuf]) -> Result<PathBuf> {
    let Some(last) = paths.last() else {
        bail!("no migrations directory to write the fix into; use --output");
    };
    if last.is_dir() {
        return Ok(last.clone());
    }
    match last.parent() {
        Some(p) if !p.as_os_str().is_empty() => Ok(p.to_path_buf()),
        _ => Ok(PathBuf::from(".")),
    }
}

/// Prints the report; the outcome follows from its errors and findings.
fn finish(report: &report::Report, common: &CommonArgs) -> Result<Outcome> {
    let out = match common.format {
        Format::Json => report::json::render(report),
        Format::Human => report::human::render(report, use_color()),
        Format::Sarif => report::sarif::render(report),
        Format::Github => report::github::render(report),
        Format::Gitlab => report::gitlab::render(report),
    };
    write_stdout(&out)?;

    if !report.errors.is_empty() {
        return Ok(Outcome::Failed);
    }
    let threshold = match common.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    let failing = matches!((threshold, report.max_severity()), (Some(t), Some(max)) if max >= t);
    Ok(if failing {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

/// Color only on a terminal, and never when NO_COLOR is set (no-color.org).
fn use_color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn write_stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        // A closed pipe (`pgvet rules | head`) is not an error worth reporting.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to stdout"),
    }
}

fn print_rules(format: RulesFormat) -> Result<()> {
    let all = rules::all();
    let out = match format {
        RulesFormat::Json => {
            let list: Vec<serde_json::Value> = all
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id(), "severity": r.doc.severity, "category": r.doc.category,
                        "kind": format!("{:?}", r.doc.kind).to_lowercase(), "title": r.doc.title,
                    })
                })
                .collect();
            serde_json::to_string_pretty(&list)? + "\n"
        }
        RulesFormat::Human => {
            let width = all.iter().map(|r| r.id().len()).max().unwrap_or(0);
            let mut s = String::new();
            for r in all {
                s.push_str(&format!(
                    "{:<width$}  {:<7}  {:<9}  {}\n",
                    r.id(),
                    r.doc.severity.as_str(),
                    r.doc.category,
                    r.doc.title
                ));
            }
            s
        }
    };
    write_stdout(&out)
}

fn explain(rule: &rules::Rule) -> String {
    let d = &rule.doc;
    let indent = |s: &str| {
        s.trim_end()
            .lines()
            .map(|l| format!("    {l}\n"))
            .collect::<String>()
    };
    let mut s = format!("{} — {}\n\n", d.id, d.title);
    s.push_str(&format!(
        "severity: {}   category: {}   kind: {}\n\n",
        d.severity.as_str(),
        d.category,
        format!("{:?}", d.kind).to_lowercase()
    ));
    s.push_str(&format!("{}\n\n{}\n", d.summary.trim(), d.rationale.trim()));
    if let Some(schemas) = &d.exposed_schemas {
        s.push_str(&format!(
            "\nThe examples assume the API serves these schemas (pgvet.yaml `exposed_schemas`): {}\n",
            schemas.join(", ")
        ));
    }
    s.push_str(&format!(
        "\nBad:\n{}\nGood:\n{}\nFix:\n{}",
        indent(&d.bad),
        indent(&d.good),
        indent(&d.fix)
    ));
    s.push_str(&match pgvet::fix::describe(&d.id) {
        Some(what) => format!("\nAutomatic fix (`pgvet fix`): {what}\n"),
        None => "\nAutomatic fix: none; `pgvet fix` leaves this to you (the change depends on what the schema means).\n".to_string(),
    });
    if !d.references.is_empty() {
        s.push_str(&format!(
            "\nReferences:\n{}",
            d.references
                .iter()
                .map(|r| format!("    {r}\n"))
                .collect::<String>()
        ));
    }
    s
}
