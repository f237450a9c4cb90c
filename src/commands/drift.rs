//! `pgvet drift`: the schema the migrations build against a live database's.

use anyhow::{Context, Result};

use super::lint::migration_paths;
use super::{finish, load_config, DriftArgs, Outcome};

pub fn run(args: DriftArgs) -> Result<Outcome> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let mut cfg = load_config(&args.common, &cwd)?;
    super::args::apply_runner(&mut cfg, args.runner.as_deref());
    super::args::apply_history_table(&mut cfg, args.history_table.as_ref());
    let paths = migration_paths(&args.paths, &cfg, &cwd)?;
    let mut settings = crate::Settings::resolve(&cfg, &paths, &cwd)?;
    settings.max_file_size = args.max_file_size.unwrap_or(settings.max_file_size);
    let opts = args
        .connection
        .options(args.db.clone(), &cfg, settings.exposed_for_live())?;
    let compared = crate::drift::Options {
        owners: args.owners,
    };
    let mut report = crate::drift(&paths, &cfg, &settings, &opts, &compared)?;
    let root = super::lint::project_root(&cwd, &cfg);
    report.rebase_paths(&|p| super::lint::shown_path(p, &cwd, &root));
    finish(&report, &args.common)
}
