//! `pgvet baseline write`: record today's findings.

use anyhow::{bail, Context, Result};

use super::lint::lint_report;
use super::{write_stdout, BaselineWriteArgs, Outcome};
use crate::findings::printable;

pub fn write(args: BaselineWriteArgs) -> Result<Outcome> {
    let lint = &args.lint;
    if lint.baseline.is_some()
        || lint.changed_since.is_some()
        || lint.staged
        || !lint.only.is_empty()
    {
        bail!(concat!(
            "`baseline write` records every finding; ",
            "--baseline, --changed-since, --staged and --only are for `lint`"
        ));
    }
    let (report, _, _) = lint_report(lint, false)?;
    if !report.errors.is_empty() {
        for e in &report.errors {
            eprintln!("{}: {}", printable(&e.place()), printable(&e.message));
        }
        bail!(
            "{} not written: {} input error(s) above; fix them first so the baseline is complete",
            args.output.display(),
            report.errors.len()
        );
    }
    let recorded = crate::workflow::baseline::Baseline::from_report(&report);
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
