//! The commands: each file does the I/O of one `pgvet` verb around library
//! calls (read arguments and config, run, print, pick the outcome). main.rs
//! parses the command line and turns the [`Outcome`] into an exit code.

pub mod args;
pub mod audit;
pub mod baseline;
pub mod drift;
pub mod explain;
pub mod fix;
pub mod init;
pub mod lint;
pub mod memory;
pub mod rules;
pub mod server;
pub mod stats;

use std::io::{IsTerminal, Write};

use anyhow::{Context, Result};

use crate::config::Config;
use crate::report::{self, Severity};
pub use args::*;

/// How a run ended; the process exit code follows from it.
pub enum Outcome {
    Clean,
    Findings,
    Failed,
}

/// The config file and command-line rule choices.
pub fn load_config(common: &CommonArgs, cwd: &std::path::Path) -> Result<Config> {
    let config_path = common
        .config
        .clone()
        .or_else(|| crate::config::discover(cwd));
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

/// Prints the report; the outcome follows from its errors and findings.
pub fn finish(report: &report::Report, common: &CommonArgs) -> Result<Outcome> {
    let view = report::human::View {
        color: use_color(common.color),
        order: match common.sort {
            Sort::File => report::human::Order::File,
            Sort::Severity => report::human::Order::Severity,
        },
        statistics: common.statistics,
    };
    let out = match common.format {
        // A large report's JSON goes out as it is written (13 MB for 23,000
        // findings), without a copy in memory.
        Format::Json => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            write_or_closed(report::json::write(report, &mut out).and_then(|()| out.flush()))?;
            None
        }
        Format::Human => Some(report::human::render_view(report, &view)),
        Format::Concise => Some(report::concise::render(report, &view)),
        Format::Sarif => Some(report::sarif::render(report)),
        Format::Github => Some(report::github::render(report)),
        Format::Gitlab => Some(report::gitlab::render(report)),
    };
    if let Some(out) = out {
        write_stdout(&out)?;
    }

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

/// Whether human output is colored, from `--color` and the environment.
pub fn use_color(choice: ColorChoice) -> bool {
    wants_color(choice, std::io::stdout().is_terminal(), |name| {
        std::env::var_os(name)
    })
}

/// `auto`: on a terminal, or when CLICOLOR_FORCE is set and not `0`
/// (bixense.com/clicolors); never when NO_COLOR is set (no-color.org).
/// Empty variables count as unset.
fn wants_color(
    choice: ColorChoice,
    terminal: bool,
    env: impl Fn(&str) -> Option<std::ffi::OsString>,
) -> bool {
    let set = |name: &str| env(name).filter(|v| !v.is_empty());
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if set("NO_COLOR").is_some() => false,
        ColorChoice::Auto => terminal || set("CLICOLOR_FORCE").is_some_and(|v| v != "0"),
    }
}

pub fn write_stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    write_or_closed(out.write_all(text.as_bytes()).and_then(|()| out.flush()))
}

/// What writing to stdout came to: a closed pipe (`pgvet rules | head`) is
/// not an error worth reporting.
fn write_or_closed(written: std::io::Result<()>) -> Result<()> {
    match written {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to stdout"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `wants_color` with these variables set and no others.
    fn color(choice: ColorChoice, terminal: bool, vars: &[(&str, &str)]) -> bool {
        wants_color(choice, terminal, |name| {
            vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.into())
        })
    }

    #[test]
    fn auto_colors_a_terminal_unless_no_color() {
        assert!(color(ColorChoice::Auto, true, &[]));
        assert!(!color(ColorChoice::Auto, false, &[]));
        assert!(!color(ColorChoice::Auto, true, &[("NO_COLOR", "1")]));
        assert!(color(ColorChoice::Auto, true, &[("NO_COLOR", "")]));
    }

    #[test]
    fn clicolor_force_colors_a_pipe_in_auto_only() {
        assert!(color(ColorChoice::Auto, false, &[("CLICOLOR_FORCE", "1")]));
        assert!(!color(ColorChoice::Auto, false, &[("CLICOLOR_FORCE", "0")]));
        assert!(!color(ColorChoice::Auto, false, &[("CLICOLOR_FORCE", "")]));
        let both = [("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")];
        assert!(!color(ColorChoice::Auto, false, &both));
        assert!(!color(ColorChoice::Never, true, &[("CLICOLOR_FORCE", "1")]));
    }

    #[test]
    fn always_and_never_ignore_the_environment() {
        assert!(color(ColorChoice::Always, false, &[("NO_COLOR", "1")]));
        assert!(!color(ColorChoice::Never, true, &[]));
    }
}
