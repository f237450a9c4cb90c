//! `pgvet lint`: replay the migrations, run the rules, print the findings.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::{finish, load_config, LintArgs, Outcome};
use crate::config::Config;

pub fn run(args: LintArgs) -> Result<Outcome> {
    use crate::workflow::{baseline, changed};
    // A bad baseline or git state fails before the (longer) lint.
    let recorded = match &args.baseline {
        Some(file) => Some(baseline::Baseline::load(file)?),
        None => None,
    };
    let scope = match (&args.changed_since, args.staged, args.only.is_empty()) {
        (Some(reference), _, _) => Some(changed::Scope::Since(reference.clone())),
        (None, true, _) => Some(changed::Scope::Staged),
        (None, false, false) => Some(changed::Scope::Listed(args.only.clone())),
        (None, false, true) => None,
    };
    // Without a baseline (which reads every finding), statement rules
    // check only the files whose findings are kept.
    let (mut report, cfg, _, changed) =
        lint_report_scoped(&args, false, scope, recorded.is_none())?;
    if let (Some(recorded), Some(file)) = (&recorded, &args.baseline) {
        baseline::apply(&mut report, recorded, &file.display().to_string(), &cfg);
    }
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    if let Some(changed) = changed {
        changed::apply(&mut report, &changed);
    }
    let root = project_root(&cwd, &cfg);
    report.rebase_paths(&|p| shown_path(p, &cwd, &root));
    let outcome = finish(&report, &args.common);
    // Left to the exit, as the models are (23,000 findings and the sources
    // at 6,000 tables).
    crate::discard(report);
    outcome
}

/// The folder printed paths are relative to, so that SARIF URIs and GitHub
/// annotations name files as the repository does: the git top level, else
/// the config file's folder, else `cwd`.
pub fn project_root(cwd: &Path, cfg: &Config) -> PathBuf {
    crate::workflow::changed::top_level(cwd)
        .or_else(|| {
            cfg.source
                .as_deref()
                .and_then(Path::parent)
                .and_then(|d| cwd.join(d).canonicalize().ok())
        })
        .unwrap_or_else(|| cwd.to_path_buf())
}

/// `path` (as read: relative to `cwd`, or absolute) relative to `root`;
/// as given when it is outside `root`.
pub fn shown_path(path: &str, cwd: &Path, root: &Path) -> String {
    let absolute = lexically_normal(&cwd.join(path));
    match absolute.strip_prefix(root) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.display().to_string(),
        _ => path.to_string(),
    }
}

/// `a/./b/../c` as `a/c`, without asking the file system.
fn lexically_normal(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Lints the paths (or the configured or default migrations directory) as
/// `pgvet lint` does, before any baseline or changed-files filter.
pub fn lint_report(
    args: &LintArgs,
    keep_catalog: bool,
) -> Result<(crate::report::Report, Config, Vec<PathBuf>)> {
    let (report, cfg, paths, _) = lint_report_scoped(args, keep_catalog, None, false)?;
    Ok((report, cfg, paths))
}

/// [`lint_report`], and the files `scope` keeps the findings of (found
/// before the lint: a git error fails before it); with `narrow`, statement
/// rules check only those files' statements (`Settings::statement_files`).
fn lint_report_scoped(
    args: &LintArgs,
    keep_catalog: bool,
    scope: Option<crate::workflow::changed::Scope>,
    narrow: bool,
) -> Result<(
    crate::report::Report,
    Config,
    Vec<PathBuf>,
    Option<crate::workflow::changed::Changed>,
)> {
    use crate::workflow::changed;
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let mut cfg = load_config(&args.common, &cwd)?;
    cfg.assume_existing |= args.assume_existing;
    super::args::apply_runner(&mut cfg, args.runner.as_deref());
    super::args::apply_history_table(&mut cfg, args.history_table.as_ref());
    let paths = migration_paths(&args.paths, &cfg, &cwd)?;
    let mut settings = crate::Settings::resolve(&cfg, &paths, &cwd)?;
    let changed = match scope {
        Some(changed::Scope::Listed(given)) => Some(changed::listed_files(&given, &cwd)),
        Some(scope) => Some(changed::changed_files(
            &changed::repository_dir(&paths, &cwd),
            scope,
        )?),
        None => None,
    };
    if narrow {
        settings.statement_files = changed
            .as_ref()
            .map(|c| std::sync::Arc::new(c.files.clone()));
    }
    let mut data_db = None;
    settings.keep_catalog = keep_catalog;
    settings.max_file_size = args.max_file_size.unwrap_or(settings.max_file_size);
    if let Some(db) = args.db.clone() {
        let opts = args
            .connection
            .options(Some(db), &cfg, settings.exposed_for_live())?;
        let live = crate::live_context(&opts)?;
        settings.live_tables = Some(std::sync::Arc::new(live.tables));
        // The server says which version the migrations will meet.
        if cfg.postgres_version.is_none() {
            cfg.postgres_version = live.major_version;
        }
        if data_checks_run(&cfg) {
            let rows = crate::source::live::data::open(&opts);
            settings.data = Some(crate::source::live::data::DataSource(std::sync::Arc::new(
                rows,
            )));
            data_db = Some(opts);
        }
    } else if let Some(file) = &args.stats_file {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read the stats file {}", file.display()))?;
        let stats = crate::source::live::stats::StatsFile::parse(&text)
            .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        let live = crate::LiveContext::from_stats(&stats, file.display().to_string());
        settings.live_tables = Some(std::sync::Arc::new(live.tables));
        if cfg.postgres_version.is_none() {
            cfg.postgres_version = live.major_version;
        }
        if data_checks_run(&cfg) {
            eprintln!(
                "pgvet: note: --stats-file gives table sizes only; the data checks ({DATA_RULE}) need --db"
            );
        }
    }
    let read = crate::read_migrations(&paths, &cfg, &settings);
    if let (Some(opts), Some(runner)) = (&data_db, read.runner) {
        // The data checks skip the migrations the database has applied:
        // their statements ran on its rows already. A history that cannot
        // be read leaves every file checked.
        let recorded = crate::source::live::migration_history(opts, runner, read.history.as_ref());
        if let Ok(Some(recorded)) = recorded {
            let applied = crate::applied_paths(&read.inputs, runner, &recorded);
            settings.applied_files = Some(std::sync::Arc::new(applied));
        }
    }
    let store = if args.no_cache {
        None
    } else {
        checkpoint_store(&cfg, &settings, &read, &paths, &cwd)
    };
    if store.as_ref().is_some_and(|s| s.path().exists()) {
        super::memory::for_warm_lint();
    }
    // The process ends after this lint (the language server lints through
    // other functions).
    crate::ends_after_lint();
    let report = match &store {
        Some(store) => crate::lint_read_stored(read, &cfg, &settings, store),
        None => crate::lint_read(read, &cfg, &settings),
    };
    Ok((report, cfg, paths, changed))
}

/// Where the replay checkpoint of this lint is kept: a slot named by
/// everything the replay depends on besides the files, which the
/// checkpoint names itself. None when the lint reads a database (its
/// tables and rows are not in the key), or no cache directory is known.
fn checkpoint_store(
    cfg: &Config,
    settings: &crate::Settings,
    read: &crate::Migrations,
    paths: &[PathBuf],
    cwd: &Path,
) -> Option<crate::cache::Store> {
    if settings.live_tables.is_some() || settings.data.is_some() || settings.applied_files.is_some()
    {
        return None;
    }
    // The files a lint keeps the findings of change from one lint to the
    // next and do not change the replay; neither does keeping the model.
    let replayed = crate::Settings {
        statement_files: None,
        keep_catalog: false,
        ..settings.clone()
    };
    let key = format!(
        "{cfg:?}\n{replayed:?}\n{:?} {:?}\n{paths:?}\n{cwd:?}",
        read.runner, read.history
    );
    crate::cache::Store::new(crate::cache::Store::default_dir()?, &key)
}

/// The rule whose checks read the rows of the database (`lint --db`).
const DATA_RULE: &str = "data-violates-constraint";

/// Whether the config runs the data checks.
fn data_checks_run(cfg: &Config) -> bool {
    crate::rules::find(DATA_RULE).is_some_and(|rule| cfg.severity_for(rule).is_some())
}

/// The paths given, else the configured migrations directory (relative to
/// the config file that names it), else the first default directory found.
pub fn migration_paths(given: &[PathBuf], cfg: &Config, cwd: &Path) -> Result<Vec<PathBuf>> {
    if !given.is_empty() {
        return Ok(given.to_vec());
    }
    if let Some(d) = &cfg.migrations_dir {
        let dir = cfg
            .source
            .as_deref()
            .and_then(Path::parent)
            .map_or_else(|| d.clone(), |base| base.join(d));
        return Ok(vec![dir]);
    }
    match crate::source::migrations::files::autodetect(cwd) {
        Some(dir) => Ok(vec![dir]),
        None => bail!(
            "no migrations found: pass a path, or run where one of {} exists",
            crate::source::migrations::files::DEFAULT_DIRS.join(", ")
        ),
    }
}
