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

/// No transparent huge pages for this process. mimalloc asks for them on
/// its arenas, and every fresh 2 MB page is zeroed when first touched: on an
/// audit of 6,000 tables a quarter of the CPU time went to the kernel
/// zeroing huge pages (perf: `clear_page_erms` under
/// `do_huge_pmd_anonymous_page`), and peak memory rose by 20 to 35 MB.
/// With 4 KiB pages the audit takes about 15% less CPU and the lint the
/// same; both use less memory (issues 5 and 8). This is what mimalloc's
/// `MIMALLOC_ALLOW_THP=0` does, done here because that variable is read
/// before `main`. A lint that starts from a checkpoint turns them on again
/// (`memory_for_warm_lint` in `commands::lint`).
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes one integer argument and only sets a
    // flag on this process; the unused arguments must be zero.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// mimalloc (version 3) keeps freed memory for a second before it hands it
/// back to the system; a lint builds its model, drops the parse trees and
/// moves on well within that, so peak memory held both. At 10 ms, peak
/// memory fell from 80 to 65 MB on the 2,000-table bench project and from
/// 175 to 145 MB on the 6,000-table one, for about 0.06 s more system time
/// (issue 27). Not for `audit` and `drift`: reading a live catalog frees
/// far more as it goes, and there the purges cost 0.35 s of system time
/// at 6,000 tables (peak 198 to 174 MB). Nor for a lint that starts from
/// a checkpoint (`memory_for_warm_lint` in `commands::lint`).
/// mimalloc's `MIMALLOC_PURGE_DELAY` wins if set.
fn prompt_purge() {
    // From mimalloc.h (version 3, which the mimalloc crate links): the
    // library is in the binary already, and libmimalloc-sys declares this
    // function only behind a feature that adds a crate.
    extern "C" {
        fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
    }
    /// `mi_option_purge_delay` in mimalloc 3's `mi_option_e`.
    const PURGE_DELAY: std::ffi::c_int = 15;
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: the signature is mimalloc's; it sets one option value,
        // which mimalloc reads atomically, and 10 is valid for this one.
        unsafe { mi_option_set(PURGE_DELAY, 10) }
    }
}

fn main() -> ExitCode {
    no_huge_pages();
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
        prompt_purge();
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
