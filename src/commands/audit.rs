//! `pgvet audit`: the schema rules on a live database's catalog, read-only.

use anyhow::{Context, Result};

use super::{finish, load_config, AuditArgs, Outcome};

pub fn run(args: AuditArgs) -> Result<Outcome> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let cfg = load_config(&args.common, &cwd)?;
    // Exposed schemas as for lint: config, else supabase/config.toml, else public.
    let settings = crate::Settings::resolve(&cfg, &[], &cwd);
    let mut opts = args
        .connection
        .options(args.db.clone(), &cfg, settings.exposed_for_live())?;
    opts.schemas = (!args.schemas.is_empty()).then(|| args.schemas.clone());
    let report = crate::audit(&opts, &cfg)?;
    finish(&report, &args.common)
}
