//! `pgvet fix`: write the migration (or SQL) that fixes what can be fixed.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};

use crate::source::migrations::files::{read_text, MAX_CONFIG_BYTES};
use crate::source::migrations::runner::{self, Runner};

use super::lint::lint_report;
use super::{load_config, write_stdout, CommonArgs, FailOn, FixArgs, Format, LintArgs, Outcome};
use crate::findings::printable;

/// `--rule` names only rules pgvet knows and can fix.
fn check_rules(ids: &[String]) -> Result<()> {
    use crate::fix;
    for id in ids {
        let Some(rule) = crate::rules::find(id) else {
            let hint = crate::config::did_you_mean(id);
            bail!("unknown rule `{id}`{hint}; `pgvet rules` lists them");
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
    Ok(())
}

pub fn run(args: FixArgs) -> Result<Outcome> {
    use crate::fix;
    check_rules(&args.rule)?;
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let common = CommonArgs {
        format: Format::Human,
        statistics: false,
        sort: super::Sort::File,
        fail_on: FailOn::Never,
        select: Vec::new(),
        ignore: Vec::new(),
        config: args.config.clone(),
        strict: false,
        color: super::ColorChoice::Never,
    };
    let live = args.db.is_some();
    let (report, cfg, paths, settings) = if let Some(db) = args.db.clone() {
        let cfg = load_config(&common, &cwd)?;
        let settings = crate::Settings::resolve(&cfg, &[], &cwd)?;
        let mut opts = args
            .connection
            .options(Some(db), &cfg, settings.exposed_for_live())?;
        opts.schemas = (!args.schemas.is_empty()).then(|| args.schemas.clone());
        let report = crate::audit(&opts, &cfg)?;
        (report, cfg, Vec::new(), settings)
    } else {
        let lint_args = LintArgs {
            paths: args.paths.clone(),
            runner: args.runner.clone(),
            history_table: None,
            assume_existing: args.assume_existing,
            max_file_size: args.max_file_size,
            db: None,
            stats_file: None,
            connection: args.connection,
            baseline: None,
            changed_since: None,
            staged: false,
            no_cache: false,
            only: Vec::new(),
            common,
        };
        let (report, cfg, paths) = lint_report(&lint_args, true)?;
        let settings = crate::Settings::resolve(&cfg, &paths, &cwd)?;
        (report, cfg, paths, settings)
    };
    if !report.errors.is_empty() {
        for e in &report.errors {
            eprintln!("{}: {}", printable(&e.place()), printable(&e.message));
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
    let runner = report.summary.runner.and_then(Runner::from_name);
    let opts = fix::FixOptions {
        platform: catalog.platform,
        postgres_version: cfg.postgres_version(),
        transaction: cfg
            .transaction
            .or(runner.and_then(|r| r.default_transaction()))
            .unwrap_or(settings.transaction),
        runner,
        rules: args
            .rule
            .iter()
            .filter_map(|r| crate::rules::find(r))
            .map(|r| r.id().to_string())
            .collect(),
        unsafe_fixes: args.unsafe_fixes,
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
    if !plan.held.is_empty() {
        summary.push(format!(
            "{} finding(s) not fixed: their fix changes what some callers can do; `pgvet fix --unsafe-fixes` writes them, each with a comment saying what changes for whom",
            plan.held.len()
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
        let nothing = if plan.held.is_empty() {
            "nothing to fix"
        } else {
            "nothing written: no safe fix to write"
        };
        summary.insert(0, nothing.to_string());
        for line in summary {
            eprintln!("pgvet: {line}");
        }
        return Ok(Outcome::Clean);
    }
    // A file given with -o, or stdout, holds everything in one piece.
    let single = args.dry_run || args.output.is_some() || live;
    let mut opts_for_render = opts.clone();
    if single {
        opts_for_render.transaction = crate::config::TransactionMode::None;
        opts_for_render.runner = None;
    }
    let files = fix::render(&plan, &opts_for_render, &header);
    let written: Vec<PathBuf> = if args.dry_run || (live && args.output.is_none()) {
        write_stdout(&files.concat())?;
        if let Some(out) = args.output.as_ref().filter(|_| args.dry_run) {
            eprintln!(
                "pgvet: dry run: nothing written; without --dry-run the SQL printed goes to {}",
                out.display()
            );
        }
        Vec::new()
    } else if let Some(out) = &args.output {
        std::fs::write(out, files.concat())
            .with_context(|| format!("cannot write {}", out.display()))?;
        vec![out.clone()]
    } else {
        let runner = runner.unwrap_or(Runner::Plain);
        let dir = fix_directory(&paths, runner)?;
        let existing: Vec<String> = std::fs::read_dir(&dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .filter_map(|e| e.ok().and_then(|e| e.file_name().into_string().ok()))
            .collect();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        // sqitch and Drizzle apply a file only once their plan or journal
        // lists it: the list is extended after the files are written.
        let (names, listing) = match runner {
            Runner::Sqitch => sqitch_names(&dir, files.len(), now)?,
            Runner::Drizzle => drizzle_names(&dir, files.len(), now)?,
            _ => (
                fix::naming::next_in_dir(runner, &dir, &existing, "pgvet_fixes", files.len(), now),
                None,
            ),
        };
        let names = match names {
            Ok(names) => names,
            Err(why) => {
                eprintln!("pgvet: nothing written: {why}");
                return Ok(Outcome::Failed);
            }
        };
        let mut written = Vec::new();
        for (name, text) in names.iter().zip(&files) {
            let path = dir.join(name);
            if let Some(folder) = path.parent() {
                std::fs::create_dir_all(folder)
                    .with_context(|| format!("cannot create {}", folder.display()))?;
            }
            std::fs::write(&path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            written.push(path);
        }
        if let Some((list, text)) = listing {
            std::fs::write(&list, text)
                .with_context(|| format!("cannot write {}", list.display()))?;
            written.push(list);
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

/// Names from a list the runner keeps, and the list with them added.
type Listed = (
    std::result::Result<Vec<String>, String>,
    Option<(PathBuf, String)>,
);

/// sqitch: `deploy/<change>.sql` for new changes, and sqitch.plan with
/// their lines appended.
fn sqitch_names(dir: &std::path::Path, count: usize, now: u64) -> Result<Listed> {
    let Some((plan_path, deploy)) = runner::sqitch_plan(dir) else {
        return Ok((
            Err(format!("no sqitch.plan in or beside {}", dir.display())),
            None,
        ));
    };
    let plan = read_text(&plan_path, MAX_CONFIG_BYTES)
        .with_context(|| format!("cannot read {}", plan_path.display()))?;
    let changes = crate::fix::naming::sqitch_changes(&plan, "pgvet_fixes", count);
    let mut text = plan;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&crate::fix::naming::sqitch_plan_lines(&changes, now));
    // Paths relative to `dir`, as the other runners' names are.
    let base = deploy.strip_prefix(dir).unwrap_or(&deploy).to_path_buf();
    let names = changes
        .iter()
        .map(|c| base.join(format!("{c}.sql")).display().to_string())
        .collect();
    Ok((Ok(names), Some((plan_path, text))))
}

/// Drizzle: `NNNN_pgvet_fixes.sql` files, and meta/_journal.json with
/// their entries added.
fn drizzle_names(dir: &std::path::Path, count: usize, now: u64) -> Result<Listed> {
    let journal_path = dir.join("meta").join("_journal.json");
    let journal = read_text(&journal_path, MAX_CONFIG_BYTES)
        .with_context(|| format!("cannot read {}", journal_path.display()))?;
    Ok(
        match crate::fix::naming::drizzle_entries(&journal, "pgvet_fixes", count, now) {
            Ok((tags, text)) => (
                Ok(tags.iter().map(|t| format!("{t}.sql")).collect()),
                Some((journal_path, text)),
            ),
            Err(why) => (Err(why), None),
        },
    )
}

/// Where a new migration goes: the directory linted, or the one holding the
/// last file linted (for a runner with a folder per migration, the one
/// holding that folder).
fn fix_directory(paths: &[PathBuf], runner: Runner) -> Result<PathBuf> {
    let Some(last) = paths.last() else {
        bail!("no migrations directory to write the fix into; use --output");
    };
    if last.is_dir() {
        return Ok(last.clone());
    }
    let parent = last.parent();
    let parent = if matches!(runner, Runner::Prisma | Runner::Diesel) {
        parent.and_then(std::path::Path::parent)
    } else {
        parent
    };
    match parent {
        Some(p) if !p.as_os_str().is_empty() => Ok(p.to_path_buf()),
        _ => Ok(PathBuf::from(".")),
    }
}
