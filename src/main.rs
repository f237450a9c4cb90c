//! The `pgvet` command line: parses arguments, calls the command
//! (`pgvet::commands`), maps its outcome to an exit code.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::process::ExitCode;

/// glibc's malloc serializes the parser threads and the replay thread on
/// its arena locks (futex waits in `realloc` showed in the profile);
/// mimalloc keeps a heap per thread.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use pgvet::commands::{
    self, AuditArgs, BaselineWriteArgs, DriftArgs, FixArgs, LintArgs, Outcome, RulesFormat,
    StatsArgs,
};

#[derive(Subcommand)]
enum BaselineCommand {
    /// Lint as `pgvet lint` does and write every finding to the baseline file.
    Write(BaselineWriteArgs),
}

#[derive(Parser)]
#[command(
    name = "pgvet",
    about = "PostgreSQL / Supabase schema linter",
    override_usage = "pgvet <COMMAND>"
)]
struct Cli {
    /// None: `pgvet` alone, answered with [`USAGE`].
    #[command(subcommand)]
    command: Option<Command>,
}

/// What `pgvet` alone prints (to stderr, exit 2): the jobs, not every flag.
const USAGE: &str = "\
pgvet: PostgreSQL / Supabase schema linter

Usage: pgvet <COMMAND> [ARGS]

  lint [PATH]...     replay migration files into one schema and report problems
  audit --db URL     read a live database's catalog (read-only) and report problems
  drift --db URL     compare the schema the migrations build with a live database's
  stats --db URL     write table sizes and column statistics (JSON) for lint --stats-file
  fix [PATH]...      write the migration that fixes what pgvet found
  explain RULE       show a rule's rationale, examples and fix
  server             run the language server (LSP over stdio) for editors

`pgvet help` lists every command; `pgvet help <COMMAND>` shows its options.
";

/// `--version`: pgvet's version, then the PostgreSQL release whose grammar
/// the parser carries (libpg_query, through the pg_query crate).
fn version() -> String {
    let pkg = env!("CARGO_PKG_VERSION");
    match pgvet::sql::grammar_version() {
        Some(pg) => format!("{pkg} (parser: PostgreSQL {pg} grammar, libpg_query)"),
        None => pkg.to_string(),
    }
}

#[derive(Subcommand)]
enum Command {
    /// Replay migration files into one schema and report problems.
    #[command(visible_alias = "check")]
    Lint(LintArgs),
    /// List every rule: id, severity, category, on by default or not, title.
    Rules {
        #[arg(long, value_enum, default_value_t = RulesFormat::Human)]
        format: RulesFormat,
    },
    /// Read a live database's catalog (read-only, one snapshot) and report problems.
    Audit(AuditArgs),
    /// Compare the schema the migrations build with a live database's (read-only).
    Drift(DriftArgs),
    /// Write a database's table sizes and column statistics as JSON (read-only),
    /// for `pgvet lint --stats-file`.
    Stats(StatsArgs),
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
    /// Run the Language Server (LSP over stdio) for editors.
    Server {
        /// Accepted for clients that pass it (vscode-languageclient); stdio
        /// is the only transport.
        #[arg(long, hide = true)]
        stdio: bool,
    },
    /// Show a rule's rationale, examples and fix.
    Explain {
        /// Rule id (or alias).
        rule: String,
    },
}

/// Turns huge pages off before the Rust runtime's first allocation: that
/// allocation makes mimalloc reserve its arena (asking the kernel for huge
/// pages on it) and touch the arena's first page, which the kernel then
/// backed with a 2 MB page zeroed on the spot, about 3.5% of the CPU time of
/// a warm lint of 6,000 tables (perf, issue 27). A function in
/// `.init_array` runs before `main` and before the runtime starts; it only
/// sets a flag on the process.
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static HUGE_PAGES_OFF: extern "C" fn() = {
    extern "C" fn off() {
        commands::memory::no_huge_pages();
    }
    off
};

fn main() -> ExitCode {
    // clap keeps the version as a `&'static str`; this string lives as long
    // as the process anyway.
    // The parser's version costs a parse: only when asked for.
    let asked = std::env::args().any(|a| a == "--version" || a == "-V");
    let version: &'static str = if asked {
        Box::leak(version().into_boxed_str())
    } else {
        env!("CARGO_PKG_VERSION")
    };
    let matches = Cli::command().version(version).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let Some(command) = cli.command else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    if !matches!(command, Command::Audit(_) | Command::Drift(_)) {
        commands::memory::prompt_purge();
    }
    match run(command) {
        Ok(Outcome::Clean) => ExitCode::from(0),
        Ok(Outcome::Findings) => ExitCode::from(1),
        Ok(Outcome::Failed) => ExitCode::from(2),
        Err(e) => {
            eprintln!("pgvet: {}", pgvet::findings::printable(&format!("{e:#}")));
            ExitCode::from(2)
        }
    }
}

fn run(command: Command) -> anyhow::Result<Outcome> {
    match command {
        Command::Lint(args) => commands::lint::run(args),
        Command::Audit(args) => commands::audit::run(args),
        Command::Drift(args) => commands::drift::run(args),
        Command::Stats(args) => commands::stats::run(args),
        Command::Rules { format } => commands::rules::run(format),
        Command::Init { force } => commands::init::run(force),
        Command::Baseline {
            action: BaselineCommand::Write(args),
        } => commands::baseline::write(args),
        Command::Fix(args) => commands::fix::run(args),
        Command::Explain { rule } => commands::explain::run(&rule),
        Command::Server { stdio: _ } => commands::server::run(),
    }
}
