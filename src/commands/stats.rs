//! `pgvet stats`: a database's table sizes and column statistics as JSON
//! (read-only), for `pgvet lint --stats-file` in CI without credentials.

use anyhow::Result;

use super::{write_stdout, Outcome, StatsArgs};
use crate::config::Config;

pub fn run(args: StatsArgs) -> Result<Outcome> {
    let opts = args
        .connection
        .options(args.db.clone(), &Config::default(), None)?;
    let stats = crate::source::live::stats(&opts)?;
    write_stdout(&stats.to_json())?;
    Ok(Outcome::Clean)
}
