//! pgvet: a PostgreSQL / Supabase schema linter.
//!
//! sources -> one catalog -> rules -> findings -> reporters. [`lint`] replays
//! migration files into a [`catalog::Catalog`] and runs every enabled rule.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

pub mod cache;
pub mod catalog;
pub mod commands;
pub mod config;
pub mod drift;
pub mod findings;
pub mod fix;
pub mod passes;
pub mod replay;
pub mod report;
pub mod rules;
pub mod source;
pub mod sql;
pub mod workflow;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use catalog::{baseline, FileId, Ident, Platform};
use config::Config;
use findings::{InputError, Report, SourceFile};
use passes::{coverage, suppress};
use replay::Replayer;
use source::migrations::files;
use source::migrations::session::{FileOutline, FileRun, Session};
use sql::split;

/// Platform and exposed schemas for a run, after config and autodetection.
#[derive(Debug, Clone)]
pub struct Settings {
    pub platform: Platform,
    pub exposed_schemas: Vec<String>,
    /// The exposed schemas come from a config (pgvet.yaml, or Supabase's
    /// config.toml), not from the platform's default.
    pub exposed_configured: bool,
    /// How the migration tool wraps each file (config, else by platform)
    /// when its runner does not say.
    pub transaction: config::TransactionMode,
    /// The runner named in the config or on the command line; None: detect.
    pub runner: Option<source::migrations::runner::Runner>,
    /// `pgvet lint --db`: the live database's tables and sizes.
    pub live_tables: Option<std::sync::Arc<rules::LiveTables>>,
    /// `pgvet lint --db`: the live database's rows, for the data checks.
    pub data: Option<source::live::data::DataSource>,
    /// `pgvet lint --db`: the migration files (paths as read) the
    /// database's history records as applied; None when not read.
    pub applied_files: Option<std::sync::Arc<std::collections::BTreeSet<String>>>,
    /// Keep the replayed schema in the report (`Report::catalog`), for `pgvet fix`.
    pub keep_catalog: bool,
    /// The largest migration file read (`--max-file-size`).
    pub max_file_size: u64,
    /// Where the runner keeps its history and which schemas it makes, as
    /// its configuration says (set from the migrations read); None: the
    /// runner's defaults.
    pub history: Option<source::migrations::runner::History>,
    /// `lint --only/--staged/--changed-since`: the files (canonical paths)
    /// whose findings are kept. Statement rules check only their
    /// statements (every file is still replayed, and schema rules run on
    /// the whole model): a statement rule's findings are placed in the
    /// file of the statement it checks. None: every file.
    pub statement_files: Option<std::sync::Arc<std::collections::BTreeSet<PathBuf>>>,
}

impl Settings {
    /// Settings for `platform` with its default exposed schemas and
    /// transaction mode, as when no config says otherwise.
    pub fn for_platform(platform: Platform) -> Settings {
        Settings {
            platform,
            exposed_schemas: platform.default_exposed_schemas(),
            exposed_configured: false,
            transaction: default_transaction(platform),
            runner: None,
            live_tables: None,
            data: None,
            applied_files: None,
            keep_catalog: false,
            max_file_size: files::MAX_MIGRATION_BYTES,
            history: None,
            statement_files: None,
        }
    }
}

/// The Supabase CLI runs each migration file in one transaction; plain
/// PostgreSQL tooling (psql -f, most runners) does not.
fn default_transaction(platform: Platform) -> config::TransactionMode {
    match platform {
        Platform::Supabase => config::TransactionMode::PerFile,
        Platform::Postgres => config::TransactionMode::None,
    }
}

impl Settings {
    /// The settings a rule's examples are written for: a Supabase project,
    /// with the doc's exposed schemas when it names them.
    pub fn for_example(rule: &rules::Rule) -> Settings {
        let mut settings = Settings::for_platform(Platform::Supabase);
        if let Some(schemas) = &rule.doc.exposed_schemas {
            settings.exposed_schemas.clone_from(schemas);
            settings.exposed_configured = true;
        }
        settings
    }

    /// The exposed schemas for a live read: the configured ones, or None
    /// for the default of the platform the database turns out to be.
    pub fn exposed_for_live(&self) -> Option<Vec<String>> {
        self.exposed_configured
            .then(|| self.exposed_schemas.clone())
    }

    /// Config wins; otherwise a Supabase `config.toml` near the migrations or
    /// the cwd means the Supabase platform and gives the exposed schemas.
    ///
    /// A Supabase `config.toml` that is needed (no `exposed_schemas` in the
    /// config) but does not parse is an error, not a fallback to the default.
    pub fn resolve(
        cfg: &Config,
        paths: &[PathBuf],
        cwd: &Path,
    ) -> Result<Settings, config::ConfigError> {
        let mut starts: Vec<PathBuf> = paths.to_vec();
        starts.push(cwd.to_path_buf());
        let supabase_config = config::find_supabase_config(&starts);
        let platform = cfg.platform.unwrap_or(if supabase_config.is_some() {
            Platform::Supabase
        } else {
            Platform::Postgres
        });
        let configured = match (&cfg.exposed_schemas, &supabase_config) {
            (Some(schemas), _) => Some(schemas.clone()),
            (None, Some(path)) => config::SupabaseConfig::load(path)?.api_schemas,
            (None, None) => None,
        };
        Ok(Settings {
            platform,
            exposed_configured: configured.is_some(),
            exposed_schemas: configured.unwrap_or_else(|| platform.default_exposed_schemas()),
            transaction: cfg.transaction.unwrap_or(default_transaction(platform)),
            runner: cfg.runner,
            live_tables: None,
            data: None,
            applied_files: None,
            keep_catalog: false,
            max_file_size: files::MAX_MIGRATION_BYTES,
            history: None,
            statement_files: None,
        })
    }
}

/// Lints migration files and directories: a directory is read as its
/// runner applies it (configured, else detected), a file as given.
pub fn lint(paths: &[PathBuf], cfg: &Config, settings: &Settings) -> Report {
    lint_read(read_migrations(paths, cfg, settings), cfg, settings)
}

/// Lints migrations already listed and read ([`read_migrations`]).
pub fn lint_read(read: Migrations, cfg: &Config, settings: &Settings) -> Report {
    lint_read_here(read, cfg, settings, None)
}

/// [`lint_read`] for an editor that lints the same project again after
/// each change: `cache` keeps the replay state before `focus` (the file
/// being edited) and the parses of the files from it on, so that the next
/// lint with the files before `focus` unchanged replays only from there.
/// The report is the one [`lint_read`] gives.
pub fn lint_read_cached(
    read: Migrations,
    cfg: &Config,
    settings: &Settings,
    cache: &mut LintCache,
    focus: Option<&Path>,
) -> Report {
    lint_read_here(read, cfg, settings, Some((cache, focus)))
}

/// [`lint_read`] that starts from the replay checkpoint `store` keeps,
/// when the files before it are unchanged, and leaves there a checkpoint
/// before the file a next lint most likely finds changed: the first of
/// [`Settings::statement_files`] (the files a hook passes), else the last
/// file. The report is the one [`lint_read`] gives.
pub fn lint_read_stored(
    read: Migrations,
    cfg: &Config,
    settings: &Settings,
    store: &cache::Store,
) -> Report {
    let phase = Phase::start();
    let mut lint_cache = LintCache {
        checkpoint: store.load().map(|cp| Checkpoint::from_stored(cp, settings)),
        one_lint: true,
        ..LintCache::default()
    };
    phase.done("cache read");
    let focus = match &settings.statement_files {
        Some(files) => read
            .inputs
            .iter()
            .find(|i| is_among(&i.path, files))
            .map(|i| PathBuf::from(&i.path)),
        None => read.inputs.last().map(|i| PathBuf::from(&i.path)),
    };
    let report = lint_read_here(
        read,
        cfg,
        settings,
        Some((&mut lint_cache, focus.as_deref())),
    );
    let phase = Phase::start();
    match &lint_cache.checkpoint {
        // A cache that cannot be written only makes the next lint slower.
        Some(cp) if lint_cache.new_checkpoint && cp.statements >= cache_min_statements() => {
            let _ = store.save(cp.writing(&lint_cache.split));
        }
        Some(_) if !lint_cache.new_checkpoint => cache::touch(&store.path()),
        _ => {}
    }
    phase.done("cache write");
    // Freeing the checkpoint's model takes a while and nothing waits for it.
    discard(lint_cache);
    report
}

/// Set when the process ends soon after its lint: the models a lint leaves
/// behind are then not freed one allocation at a time ([`discard`]).
static ENDS_AFTER_LINT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Tells the lints of this process that it ends after them (`pgvet lint`,
/// not the language server): what they no longer need is left for the
/// system to take back at exit. Freeing the models of a warm lint of
/// 6,000 tables took 20 to 30 ms of CPU time (issue 27).
pub fn ends_after_lint() {
    ENDS_AFTER_LINT.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Lets go of `value`, which nothing waits for: freed on a thread of its
/// own, or never when the process ends after the lint ([`ends_after_lint`]).
pub(crate) fn discard<T: Send + 'static>(value: T) {
    if ENDS_AFTER_LINT.load(std::sync::atomic::Ordering::Relaxed) {
        std::mem::forget(value);
    } else {
        std::thread::spawn(move || drop(value));
    }
}

/// Whether the file read as `path` is one of `files` (canonical paths,
/// [`Settings::statement_files`]).
fn is_among(path: &str, files: &std::collections::BTreeSet<PathBuf>) -> bool {
    Path::new(path)
        .canonicalize()
        .is_ok_and(|p| files.contains(&p))
}

/// How many statements the files before a checkpoint must hold for it to
/// be worth a cache file: below, replaying them is about as quick as
/// reading the file. `PGVET_CACHE_MIN_STATEMENTS` sets another (tests).
fn cache_min_statements() -> usize {
    std::env::var("PGVET_CACHE_MIN_STATEMENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500)
}

fn lint_read_here(
    read: Migrations,
    cfg: &Config,
    settings: &Settings,
    cached: Option<(&mut LintCache, Option<&Path>)>,
) -> Report {
    use source::migrations::runner::Skipped;
    let mut errors = read.errors;
    // Down and undo scripts belong to the layout: only stray files are
    // named to the rules (`migration-filename` warns about them).
    let (reverting, stray): (Vec<_>, Vec<_>) = read.skipped.into_iter().partition(Skipped::reverts);
    let listed = |s: Skipped| findings::SkippedFile {
        file: s.path.display().to_string(),
        reason: s.reason,
    };
    // The runner's history table exists before the first migration.
    let settings = &Settings {
        runner: read.runner.or(settings.runner),
        history: read.history.clone().or_else(|| settings.history.clone()),
        ..settings.clone()
    };
    let skipped = stray.into_iter().map(listed).collect();
    let mut report = sql::pgffi::on_parser_stack(|| {
        lint_sources_here(read.inputs, skipped, cfg, settings, cached)
    });
    report
        .summary
        .skipped_files
        .extend(reverting.into_iter().map(listed));
    report.summary.runner = read.runner.map(source::migrations::runner::Runner::name);
    errors.append(&mut report.errors);
    report.errors = errors;
    report.finish();
    report
}

/// The migrations as their runner applies them, before any is parsed.
pub struct Migrations {
    /// The runner of the first directory (or file) given.
    pub runner: Option<source::migrations::runner::Runner>,
    /// The files it applies, in order, each as it applies it.
    pub inputs: Vec<Input>,
    /// Files beside them it does not apply.
    pub skipped: Vec<source::migrations::runner::Skipped>,
    /// Files that could not be listed or read.
    pub errors: Vec<InputError>,
    /// Where the runner keeps its history table, its configuration read.
    pub history: Option<source::migrations::runner::History>,
}

/// Lists and reads the migrations under `paths` as their runner applies
/// them: which files, in which order, which sections (the rest blanked in
/// place), in which transaction mode (the file's directive, else the
/// config's `migrations.transaction`, else the runner's way, else the
/// platform's).
pub fn read_migrations(paths: &[PathBuf], cfg: &Config, settings: &Settings) -> Migrations {
    read_migrations_over(paths, cfg, settings, &|_| None)
}

/// [`read_migrations`], with the text `unsaved` gives for a listed file
/// (an editor's buffer, by the path as listed) in place of the file's.
pub fn read_migrations_over(
    paths: &[PathBuf],
    cfg: &Config,
    settings: &Settings,
    unsaved: &(dyn Fn(&Path) -> Option<String> + Sync),
) -> Migrations {
    use source::migrations::runner;
    let layout = runner::layout(paths, settings.runner, &cfg.runner_flags);
    let mut errors = layout.errors;
    let texts: Vec<_> = layout
        .migrations
        .into_par_iter()
        .map(|m| {
            let text =
                unsaved(&m.path).map_or_else(|| files::read(&m.path, settings.max_file_size), Ok);
            (m, text)
        })
        .collect();
    let mut inputs = Vec::with_capacity(texts.len());
    for (migration, text) in texts {
        let text = match text {
            Ok(text) => text,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let (text, directive) = match migration.prepare(text) {
            Ok(prepared) => prepared,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let mode = directive
            .or(migration.transaction)
            .or(cfg.transaction)
            .or(migration.runner.default_transaction())
            .unwrap_or(settings.transaction);
        inputs.push(Input {
            path: migration.path.display().to_string(),
            text,
            run: Some(migration.runner.file_run(settings.platform, mode)),
        });
    }
    Migrations {
        runner: layout.runner,
        inputs,
        skipped: layout.skipped,
        errors,
        history: layout.history,
    }
}

/// One file to lint, as its runner applies it.
pub struct Input {
    /// The path shown in findings.
    pub path: String,
    /// The text the runner applies (parts it does not apply blanked).
    pub text: String,
    /// How the runner runs it; None: as `Settings` say.
    pub run: Option<FileRun>,
}

/// Lints SQL texts given as (display path, text) pairs, in apply order.
pub fn lint_sources(inputs: Vec<(String, String)>, cfg: &Config, settings: &Settings) -> Report {
    let inputs = inputs
        .into_iter()
        .map(|(path, text)| Input {
            path,
            text,
            run: None,
        })
        .collect();
    lint_inputs(inputs, Vec::new(), cfg, settings)
}

/// Lints files in apply order; `skipped` are files beside them that the
/// runner does not apply (listed, and named to `migration-filename`).
pub fn lint_inputs(
    inputs: Vec<Input>,
    skipped: Vec<findings::SkippedFile>,
    cfg: &Config,
    settings: &Settings,
) -> Report {
    // Deeply nested statements need more stack than a default thread has.
    sql::pgffi::on_parser_stack(|| lint_sources_here(inputs, skipped, cfg, settings, None))
}

/// Parse results of one file: one per statement range, in order.
type FileParse = Vec<Result<Vec<split::Statement>, split::ParseError>>;

/// A file's statement ranges, or why it could not be split.
type FileSplit = cache::FileSplit;

/// What [`lint_read_cached`] keeps from one lint of a project to the next.
#[derive(Default)]
pub struct LintCache {
    checkpoint: Option<Checkpoint>,
    /// The parses of the files from the checkpoint on, by position and
    /// path, with the text they were parsed from.
    parsed: std::collections::HashMap<
        (usize, String),
        (std::sync::Arc<str>, std::sync::Arc<FileParse>),
    >,
    /// Every file's statement ranges, by position and path, with the text
    /// they were found in.
    split: std::collections::HashMap<(usize, String), (std::sync::Arc<str>, FileSplit)>,
    /// How many files the last lint replayed (the rest came from the
    /// checkpoint), and how many of those after the new checkpoint it had
    /// to parse (the others' parses were kept).
    pub last_replayed: usize,
    pub last_parsed: usize,
    /// The last lint made a new checkpoint (the one it had did not hold,
    /// or lay before the file in focus).
    pub new_checkpoint: bool,
    /// It lives for one lint ([`lint_read_stored`]): the schema rules'
    /// memo of that lint is kept only when a new checkpoint is written.
    one_lint: bool,
}

impl LintCache {
    /// How many tables the last lint found changed since the lint before
    /// it (per-table schema rules checked only those again); None when it
    /// had no earlier lint from the same checkpoint to start from.
    pub fn last_changed_tables(&self) -> Option<usize> {
        self.checkpoint
            .as_ref()?
            .schema_memo
            .as_ref()?
            .changed_tables()
    }

    /// The statement ranges of each of `sources` (run as `runs`), split
    /// again only where the text changed.
    fn split_all(&mut self, sources: &[SourceFile], runs: &[FileRun]) -> Vec<FileSplit> {
        let old = std::mem::take(&mut self.split);
        // A checkpoint read from the cache brings the ranges of the files
        // before it, which hold when those files are the same.
        let stored = match &mut self.checkpoint {
            Some(cp) if !cp.splits.is_empty() => {
                if cp.verify(sources, runs) {
                    std::mem::take(&mut cp.splits)
                } else {
                    Vec::new()
                }
            }
            _ => Vec::new(),
        };
        let out: Vec<FileSplit> = sources
            .par_iter()
            .enumerate()
            .map(
                |(i, src)| match (stored.get(i), old.get(&(i, src.path.clone()))) {
                    (Some(split), _) => split.clone(),
                    (None, Some((text, split))) if **text == *src.text => split.clone(),
                    _ => split::split_file(src.id, &src.text),
                },
            )
            .collect();
        self.split = sources
            .iter()
            .zip(&out)
            .enumerate()
            .map(|(i, (src, split))| ((i, src.path.clone()), (src.text.clone(), split.clone())))
            .collect();
        out
    }
}

/// The replay state between two files: what the files before it built
/// and what the statement rules found in them.
struct Checkpoint {
    /// The files replayed before it: path, text and how the runner ran it.
    before: Vec<(String, Was, FileRun)>,
    /// The rules that ran (a suppression comment can add one).
    rules: Vec<&'static str>,
    replayer: Replayer,
    session: Session,
    findings: Vec<findings::Finding>,
    errors: Vec<InputError>,
    statements: usize,
    /// The schema rules' findings of the last lint from here.
    schema_memo: Option<rules::memo::SchemaMemo>,
    /// The statement ranges of the files before it, when it was read from
    /// the cache (an editor keeps every file's in [`LintCache`]).
    splits: Vec<FileSplit>,
    /// The statement rules checked only some files' statements
    /// ([`Settings::statement_files`]), none of them before it.
    narrowed: bool,
}

impl Checkpoint {
    /// Whether it holds for a lint of `sources` (applied first) run as
    /// `runs` with `rules`: the files before it are the same.
    fn holds(&self, sources: &[SourceFile], runs: &[FileRun], rules: &[&'static str]) -> bool {
        self.rules == rules && self.prefix_holds(sources, runs)
    }

    /// Whether the files before it are the first of `sources`, run as
    /// `runs` (the replayed model does not depend on the rules).
    fn prefix_holds(&self, sources: &[SourceFile], runs: &[FileRun]) -> bool {
        self.before.len() <= runs.len()
            && self
                .before
                .par_iter()
                .zip(sources.par_iter().zip(runs))
                .all(|((path, was, run), (src, now))| {
                    *path == src.path
                        && run == now
                        && match was {
                            Was::Text(text) => **text == *src.text,
                            Was::Hash(hash) => *hash == cache::text_hash(&src.text),
                        }
                })
    }

    /// [`Self::prefix_holds`]; when it holds, the hashes of the files
    /// before it are replaced by their texts, so that checking it again
    /// compares texts instead of hashing them again.
    fn verify(&mut self, sources: &[SourceFile], runs: &[FileRun]) -> bool {
        if !self.prefix_holds(sources, runs) {
            return false;
        }
        for ((_, was, _), src) in self.before.iter_mut().zip(sources) {
            *was = Was::Text(src.text.clone());
        }
        true
    }

    /// The checkpoint read from a cache file, for a lint with `settings`.
    fn from_stored(cp: cache::Checkpoint, settings: &Settings) -> Checkpoint {
        Checkpoint {
            before: cp
                .before
                .into_iter()
                .map(|(path, hash, run)| (path, Was::Hash(hash), run))
                .collect(),
            rules: cp.rules,
            replayer: cp.replayer,
            session: Session::resumed(settings.platform, settings.transaction, cp.carried),
            findings: cp.findings,
            errors: cp.errors,
            statements: cp.statements,
            schema_memo: cp.memo.and_then(rules::memo::SchemaMemo::restored),
            splits: cp.splits,
            narrowed: cp.narrowed,
        }
    }

    /// The checkpoint as a cache file keeps it; `split` holds the
    /// statement ranges of the files before it.
    fn writing<'a>(
        &'a self,
        split: &std::collections::HashMap<(usize, String), (std::sync::Arc<str>, FileSplit)>,
    ) -> cache::Writing<'a> {
        cache::Writing {
            before: self
                .before
                .par_iter()
                .map(|(path, was, run)| {
                    let hash = match was {
                        Was::Text(text) => cache::text_hash(text),
                        Was::Hash(hash) => *hash,
                    };
                    (path.clone(), hash, *run)
                })
                .collect(),
            rules: &self.rules,
            replayer: &self.replayer,
            carried: self.session.carried(),
            findings: &self.findings,
            errors: &self.errors,
            statements: self.statements,
            narrowed: self.narrowed,
            memo: self
                .schema_memo
                .as_ref()
                .map(rules::memo::SchemaMemo::stored),
            splits: self
                .before
                .iter()
                .enumerate()
                .map_while(|(i, (path, _, _))| {
                    split.get(&(i, path.clone())).map(|(_, s)| s.clone())
                })
                .collect(),
        }
    }
}

/// What a file before a checkpoint held: its text (an editor's
/// checkpoint), or the text's hash (a checkpoint read from the cache).
enum Was {
    Text(std::sync::Arc<str>),
    Hash(cache::TextHash),
}

fn lint_sources_here(
    inputs: Vec<Input>,
    skipped: Vec<findings::SkippedFile>,
    cfg: &Config,
    settings: &Settings,
    mut cached: Option<(&mut LintCache, Option<&Path>)>,
) -> Report {
    let phase = Phase::start();
    let default_run =
        source::migrations::runner::Runner::Plain.file_run(settings.platform, settings.transaction);
    let runs: Vec<FileRun> = inputs
        .iter()
        .map(|i| i.run.unwrap_or(default_run))
        .collect();
    let applied = inputs.len();
    // A skipped file is a source without text: nothing of it is replayed,
    // but a finding about its name (`migration-filename`) has a place.
    // Each text is copied once more here (into a shared string): on every
    // core.
    let texts: Vec<(String, String)> = inputs
        .into_iter()
        .map(|i| (i.path, i.text))
        .chain(skipped.iter().map(|s| (s.file.clone(), String::new())))
        .collect();
    let sources: Vec<SourceFile> = texts
        .into_par_iter()
        .enumerate()
        .map(|(i, (path, text))| {
            SourceFile::new(FileId(u32::try_from(i).unwrap_or(u32::MAX)), path, text)
        })
        .collect();
    phase.done("sources");
    // Splitting is cheap; parsing is the expensive part and independent per
    // statement, so statements are parsed in parallel, a chunk at a time, and
    // each chunk is replayed in order before the next is parsed: parse trees
    // never pile up for the whole input.
    let split: Vec<FileSplit> = match cached.as_mut() {
        Some((cache, _)) => cache.split_all(&sources, &runs),
        None => sources
            .par_iter()
            .map(|src| split::split_file(src.id, &src.text))
            .collect(),
    };
    phase.done("split");
    let mut suppressions = suppress::Suppressions::scan(&sources, &split);
    let mut pieces = Vec::new();
    let mut split_errors = Vec::new();
    let mut ranges_of: Vec<Vec<(usize, usize)>> = vec![Vec::new(); sources.len()];
    let mut statements_per_file = vec![0usize; sources.len()];
    let outlines: Vec<FileOutline> = sources
        .par_iter()
        .zip(&split)
        .map(|(src, ranges)| match ranges {
            Ok(ranges) => FileOutline::read(src.id, &src.text, ranges),
            Err(_) => FileOutline::default(),
        })
        .collect();
    for (i, (src, ranges)) in sources.iter().zip(split).enumerate() {
        match ranges {
            Ok(ranges) => {
                if let Some(n) = statements_per_file.get_mut(i) {
                    *n = ranges.len();
                }
                pieces.extend(ranges.iter().map(|r| (src, *r)));
                if let Some(slot) = ranges_of.get_mut(i) {
                    *slot = ranges;
                }
            }
            Err(e) => split_errors.push(input_error(src, e)),
        }
    }

    phase.done("suppressions");
    let mut engine = cfg.engine();
    suppressions.prepare(&mut engine, cfg);
    engine.env.live_tables.clone_from(&settings.live_tables);
    engine.env.data.clone_from(&settings.data);
    engine.env.applied_files.clone_from(&settings.applied_files);
    let replayer = first_replayer(cfg, settings);
    let mut state = ReplayState {
        engine: &engine,
        replayer,
        session: Session::new(settings.platform, settings.transaction),
        statements_per_file: &statements_per_file,
        outlines: &outlines,
        runs: &runs,
        default_run,
        findings: Vec::new(),
        errors: Vec::new(),
        statements: 0,
        current_file: None,
        checked: match &settings.statement_files {
            Some(files) => sources.iter().map(|s| is_among(&s.path, files)).collect(),
            None => Vec::new(),
        },
    };
    // A checkpoint of a lint whose statement rules checked only some files
    // lacks their findings in the others: it holds for a lint that keeps
    // the findings of none of the files before it.
    let narrowed = !state.checked.is_empty();
    let narrowing_holds = |cp: &Checkpoint| {
        !cp.narrowed || (narrowed && !state.checked.iter().take(cp.before.len()).any(|c| *c))
    };
    // With a cache (an editor's), the replay starts from the checkpoint
    // when the files before it are unchanged, and a new checkpoint is
    // kept before the file in focus.
    let rules = engine.rule_ids();
    let mut resume_at = 0;
    let mut save_at = None;
    if let Some((cache, focus)) = cached.as_mut() {
        let focus_index = focus.and_then(|f| {
            sources
                .iter()
                .take(applied)
                .position(|s| Path::new(&s.path) == f)
        });
        match cache.checkpoint.take() {
            Some(cp) if narrowing_holds(&cp) && cp.holds(&sources, &runs, &rules) => {
                resume_at = cp.before.len();
                state.replayer = cp.replayer.clone();
                state.session = cp.session.clone();
                state.findings.clone_from(&cp.findings);
                state.errors.clone_from(&cp.errors);
                state.statements = cp.statements;
                save_at = focus_index.filter(|&k| k > resume_at);
                cache.checkpoint = Some(cp);
            }
            _ => save_at = Some(focus_index.unwrap_or(applied)),
        }
    }
    if resume_at > 0 && std::env::var_os("PGVET_TIMING").is_some() {
        eprintln!("cache: resumed after {resume_at} of {applied} files");
    }
    let first_cached = save_at.unwrap_or(if cached.is_some() {
        resume_at
    } else {
        sources.len()
    });
    // Parsing (parallel) and replay (in order, one thread) overlap: while a
    // chunk is replayed, the next one is parsed.
    let file_of = |(src, _): &(&SourceFile, (usize, usize))| src.id.0 as usize;
    let from = pieces.partition_point(|p| file_of(p) < resume_at);
    let to = pieces.partition_point(|p| file_of(p) < first_cached);
    let chunks: Vec<&[(&SourceFile, (usize, usize))]> = split::chunks(
        pieces.get(from..to).unwrap_or_default(),
        |(_, (start, end))| end - start,
    )
    .collect();
    let parse = |chunk: &[(&SourceFile, (usize, usize))]| -> Vec<_> {
        chunk
            .par_iter()
            .map(|(src, range)| split::parse_range_scanned(src.id, &src.text, *range))
            .collect()
    };
    let mut next = chunks.first().map(|c| parse(c));
    for (i, chunk) in chunks.iter().enumerate() {
        let parsed = next.take().unwrap_or_default();
        let following = chunks.get(i + 1);
        // The replay stays on this thread (the other closure may move to
        // another): rules that note a transaction's statements as they see
        // them keep what they noted from one chunk to the next.
        let ((), upcoming) = rayon::join(
            || state.replay_chunk(chunk, parsed),
            || following.map(|c| parse(c)),
        );
        next = upcoming;
    }
    let mut checkpoint = None;
    let mut keep_memo = false;
    if let Some((cache, _)) = cached {
        state.end_file();
        cache.new_checkpoint = save_at.is_some();
        if let Some(at) = save_at {
            cache.checkpoint = Some(Checkpoint {
                before: sources
                    .iter()
                    .zip(&runs)
                    .take(at)
                    .map(|(s, run)| (s.path.clone(), Was::Text(s.text.clone()), *run))
                    .collect(),
                rules,
                replayer: state.replayer.clone(),
                session: state.session.clone(),
                findings: state.findings.clone(),
                errors: state.errors.clone(),
                statements: state.statements,
                schema_memo: None,
                splits: Vec::new(),
                narrowed,
            });
        }
        // The files from the checkpoint on: parsed once per text.
        let mut kept = std::collections::HashMap::new();
        cache.last_replayed = applied.saturating_sub(resume_at);
        cache.last_parsed = 0;
        for (i, src) in sources.iter().enumerate().take(applied).skip(first_cached) {
            let key = (i, src.path.clone());
            let parse = match cache.parsed.remove(&key) {
                Some((text, parse)) if *text == *src.text => parse,
                _ => {
                    cache.last_parsed += 1;
                    let ranges = ranges_of.get(i).map(Vec::as_slice).unwrap_or_default();
                    std::sync::Arc::new(
                        ranges
                            .par_iter()
                            .map(|range| split::parse_range_scanned(src.id, &src.text, *range))
                            .collect(),
                    )
                }
            };
            for result in parse.iter() {
                state.replay_one(src, result);
            }
            kept.insert(key, (src.text.clone(), parse));
        }
        cache.parsed = kept;
        keep_memo = !cache.one_lint || cache.new_checkpoint;
        checkpoint = cache.checkpoint.as_mut();
    }
    state.end_file();
    let ReplayState {
        mut replayer,
        mut findings,
        errors: mut replay_errors,
        statements,
        checked,
        ..
    } = state;
    replayer.catalog.shrink_to_fit();
    let mut errors = split_errors;
    errors.append(&mut replay_errors);
    phase.done("replay");
    let paths: Vec<String> = sources.iter().map(|s| s.path.clone()).collect();
    // An editor's lint checks again only what changed since the last one
    // from the same checkpoint.
    let reuse = checkpoint.map(|cp| rules::Reuse {
        base: &cp.replayer.catalog,
        memo: &mut cp.schema_memo,
        keep: keep_memo,
        files: (!checked.is_empty()).then_some(checked.as_slice()),
    });
    engine.check_schema_reusing(&replayer.catalog, &paths, &mut findings, reuse);
    phase.done("schema rules");
    let mut not_analyzed = coverage::of_catalog(&replayer.catalog, &paths);
    not_analyzed.extend(coverage::of_sources(&sources));
    phase.done("coverage");
    findings.extend(coverage::findings(
        &not_analyzed,
        cfg,
        engine.runs(coverage::RULE),
    ));
    let catalog = if settings.keep_catalog {
        Some(replayer.catalog)
    } else {
        // Freeing a large model takes a while and nothing waits for it.
        discard(replayer);
        None
    };
    // With `statement_files`, only the findings placed in those files are
    // reported (`workflow::changed::apply`): the others go before the
    // passes and before their positions are worked out. The passes judge
    // a finding by what else its own file holds (a suppression comment, a
    // covering finding at the same span), so the kept files' findings come
    // out the same; what they add in other files goes after them.
    let keep_checked = |findings: &mut Vec<findings::Finding>| {
        if !checked.is_empty() {
            findings.retain(|f| {
                f.span
                    .is_some_and(|s| checked.get(s.file.0 as usize) == Some(&true))
            });
        }
    };
    keep_checked(&mut findings);
    findings.extend(passes::psql::findings(&sources, cfg));
    suppressions.apply(&mut findings, &sources, cfg);
    passes::overlap::drop_covered(&mut findings);
    keep_checked(&mut findings);
    let file_index = |e: &InputError| {
        sources
            .iter()
            .position(|s| s.path == e.file)
            .unwrap_or(usize::MAX)
    };
    errors.sort_by_key(|e| (file_index(e), e.line, e.column));
    let errors = one_parse_error_per_file(errors);
    phase.done("passes");

    let mut report = Report {
        findings,
        errors,
        sources,
        catalog,
        not_analyzed,
        ..Report::default()
    };
    report.summary.files = applied;
    report.summary.skipped_files = skipped;
    report.summary.statements = statements;
    report.finish();
    phase.done("report finish");
    report
}

/// The replayer before the first migration: the platform's objects, the
/// runner's history table, the exposed schemas and API roles.
fn first_replayer(cfg: &Config, settings: &Settings) -> Replayer {
    let mut cat = baseline::catalog(settings.platform);
    let history = settings.history.clone().or_else(|| {
        settings
            .runner
            .and_then(source::migrations::runner::History::default_for)
    });
    if let Some(history) = &history {
        history.add_to(&mut cat);
    }
    cat.exposed_schemas = settings
        .exposed_schemas
        .iter()
        .map(|s| Ident::new(s.clone()))
        .collect();
    if let Some(roles) = &cfg.api_roles {
        cat.api_roles = roles.clone();
    }
    let mut replayer = Replayer::new(cat);
    replayer.assume_existing = cfg.assume_existing;
    if let Some(schema) = history.and_then(|h| h.search_path_first) {
        replayer.set_runner_schema(&schema);
    }
    replayer
}

/// The schema just before and just after the statement at `offset` of
/// `file` (both the schema there when `offset` is between statements), as
/// the migrations before it and the statements of `file` before it build
/// it: what an editor shows for a name at that point of the history. The
/// replay starts from `cache`'s checkpoint when the files before it are the
/// same. None when `file` is not one the runner applies.
pub fn model_around(
    read: Migrations,
    cfg: &Config,
    settings: &Settings,
    cache: &LintCache,
    file: &Path,
    offset: usize,
) -> Option<(catalog::Catalog, catalog::Catalog)> {
    let settings = &Settings {
        runner: read.runner.or(settings.runner),
        history: read.history.clone().or_else(|| settings.history.clone()),
        ..settings.clone()
    };
    let default_run =
        source::migrations::runner::Runner::Plain.file_run(settings.platform, settings.transaction);
    let target = read
        .inputs
        .iter()
        .position(|i| Path::new(&i.path) == file)?;
    let inputs: Vec<Input> = read.inputs.into_iter().take(target + 1).collect();
    let runs: Vec<FileRun> = inputs
        .iter()
        .map(|i| i.run.unwrap_or(default_run))
        .collect();
    let sources: Vec<SourceFile> = inputs
        .into_iter()
        .enumerate()
        .map(|(i, input)| {
            SourceFile::new(
                FileId(u32::try_from(i).unwrap_or(u32::MAX)),
                input.path,
                input.text,
            )
        })
        .collect();
    sql::pgffi::on_parser_stack(|| {
        let (mut replayer, start) = match &cache.checkpoint {
            Some(cp) if cp.before.len() <= target && cp.prefix_holds(&sources, &runs) => {
                (cp.replayer.clone(), cp.before.len())
            }
            _ => (first_replayer(cfg, settings), 0),
        };
        for (i, src) in sources.iter().enumerate().skip(start) {
            replayer.start_file();
            let parse = match cache.parsed.get(&(i, src.path.clone())) {
                Some((text, parse)) if **text == *src.text => parse.clone(),
                _ => {
                    let ranges = split::split_file(src.id, &src.text).unwrap_or_default();
                    std::sync::Arc::new(
                        ranges
                            .par_iter()
                            .map(|range| split::parse_range_scanned(src.id, &src.text, *range))
                            .collect(),
                    )
                }
            };
            for stmt in parse.iter().flatten().flatten() {
                let (start, end) = (stmt.span.start as usize, stmt.span.end as usize);
                if i == target && start > offset {
                    let here = replayer.catalog.clone();
                    return Some((here, replayer.catalog));
                }
                let before = (i == target && offset <= end).then(|| replayer.catalog.clone());
                // A statement PostgreSQL rejects changes nothing.
                if replayer.rejection(stmt).is_none() {
                    replayer.apply(stmt);
                }
                if let Some(before) = before {
                    return Some((before, replayer.catalog));
                }
            }
        }
        let here = replayer.catalog.clone();
        Some((here, replayer.catalog))
    })
}

/// With PGVET_TIMING set, prints how long each phase of a lint took
/// (profiling aid).
struct Phase(Option<std::cell::Cell<std::time::Instant>>);

impl Phase {
    fn start() -> Phase {
        Phase(
            std::env::var_os("PGVET_TIMING")
                .map(|_| std::cell::Cell::new(std::time::Instant::now())),
        )
    }

    fn done(&self, what: &str) {
        if let Some(since) = &self.0 {
            let now = std::time::Instant::now();
            eprintln!("phase {what}: {:?}", now - since.get());
            since.set(now);
        }
    }
}

/// The replay side of a lint run: the model, the session and what was found.
struct ReplayState<'a> {
    engine: &'a rules::Engine,
    replayer: Replayer,
    session: Session,
    statements_per_file: &'a [usize],
    /// Where each file's transactions end ([`FileOutline`]).
    outlines: &'a [FileOutline],
    runs: &'a [FileRun],
    default_run: FileRun,
    findings: Vec<findings::Finding>,
    errors: Vec<InputError>,
    statements: usize,
    current_file: Option<&'a SourceFile>,
    /// By file index: whether statement rules check its statements
    /// ([`Settings::statement_files`]); empty: every file's.
    checked: Vec<bool>,
}

impl<'a> ReplayState<'a> {
    /// Checks and applies a parsed chunk's statements in order.
    fn replay_chunk(
        &mut self,
        chunk: &[(&'a SourceFile, (usize, usize))],
        parsed: Vec<Result<Vec<split::Statement>, split::ParseError>>,
    ) {
        for ((src, _), result) in chunk.iter().zip(parsed) {
            self.replay_one(src, &result);
        }
    }

    /// Checks and applies the statements parsed from one range of `src`.
    fn replay_one(
        &mut self,
        src: &'a SourceFile,
        result: &Result<Vec<split::Statement>, split::ParseError>,
    ) {
        if self.current_file.map(|f| f.id) != Some(src.id) {
            self.end_file();
            self.current_file = Some(src);
            self.replayer.start_file();
            let index = usize::try_from(src.id.0).unwrap_or(usize::MAX);
            self.session.start_file(
                self.statements_per_file.get(index).copied().unwrap_or(0),
                self.runs.get(index).copied().unwrap_or(self.default_run),
            );
            let applied = self.engine.env.applied_files.as_deref();
            self.session
                .set_applied(applied.is_some_and(|a| a.contains(&src.path)));
            self.session
                .set_outline(self.outlines.get(index).cloned().unwrap_or_default());
        }
        match result {
            Ok(stmts) => {
                for stmt in stmts {
                    self.statements += 1;
                    // A statement PostgreSQL rejects changes nothing:
                    // reported, not replayed.
                    let rejected = self.replayer.rejection(stmt);
                    if self.checks(src) {
                        let before = self.findings.len();
                        self.engine.check_statement(
                            &self.replayer.catalog,
                            &self.replayer.search_path,
                            &self.session,
                            &src.path,
                            stmt,
                            rejected.as_ref(),
                            &mut self.findings,
                        );
                        debug_assert_placed_in(self.findings.get(before..), src);
                    }
                    if rejected.is_some() {
                        continue;
                    }
                    self.session.step(&mut self.replayer, stmt);
                }
            }
            Err(e) => self.errors.push(input_error(src, e.clone())),
        }
    }

    /// Runs the end-of-file checks for the file replayed last, if any.
    fn end_file(&mut self) {
        if let Some(done) = self.current_file.take() {
            if !self.checks(done) {
                return;
            }
            let before = self.findings.len();
            self.engine.check_end_of_file(
                &self.replayer.catalog,
                &self.session,
                &done.path,
                &mut self.findings,
            );
            debug_assert_placed_in(self.findings.get(before..), done);
        }
    }

    /// Whether statement rules check `src`'s statements.
    fn checks(&self, src: &SourceFile) -> bool {
        self.checked.is_empty()
            || usize::try_from(src.id.0)
                .ok()
                .and_then(|i| self.checked.get(i))
                .is_some_and(|c| *c)
    }
}

/// What makes checking only some files' statements exact
/// ([`Settings::statement_files`]): the findings of a statement rule are
/// placed in the file of the statement it checked, or nowhere. The test
/// suite (a debug build) asserts it on every statement it lints.
fn debug_assert_placed_in(found: Option<&[findings::Finding]>, src: &SourceFile) {
    if cfg!(debug_assertions) {
        for f in found.unwrap_or_default() {
            debug_assert!(
                f.span.is_none_or(|s| s.file == src.id),
                "{} placed a finding on a statement of {} in another file",
                f.rule,
                src.path
            );
        }
    }
}

/// Audits a live database: reads its catalog in one read-only snapshot and
/// runs the schema rules (statement rules need migrations and do not run).
pub fn audit(
    opts: &source::live::LiveOptions,
    cfg: &Config,
) -> Result<Report, source::live::LiveError> {
    let mut snapshot = sql::pgffi::on_parser_stack(|| source::live::load(opts))?;
    if let Some(roles) = &cfg.api_roles {
        snapshot.catalog.api_roles = roles.clone();
    }
    let engine = cfg.engine();
    let mut findings = Vec::new();
    let t = std::time::Instant::now();
    engine.check_schema(&snapshot.catalog, &[], &mut findings);
    let not_analyzed = coverage::of_catalog(&snapshot.catalog, &[]);
    findings.extend(coverage::findings(
        &not_analyzed,
        cfg,
        engine.runs(coverage::RULE),
    ));
    suppress::apply_config(&mut findings, cfg);
    if std::env::var_os("PGVET_TIMING").is_some() {
        eprintln!("rules: {:?}", t.elapsed());
    }
    for f in &mut findings {
        f.span = None;
    }
    let errors = unreadable_errors(&snapshot);
    let mut report = Report {
        findings,
        errors,
        database: Some(snapshot.target),
        catalog: Some(snapshot.catalog),
        not_analyzed,
        ..Report::default()
    };
    report.summary.statements = snapshot.definitions;
    report.finish();
    Ok(report)
}

/// `pgvet drift`: replays the migrations (as `lint`, without running any
/// rule) and reads the database (as `audit`), then reports every object
/// and attribute in which the two schemas differ. Input errors of the
/// migrations are reported as lint reports them; what the replay could not
/// analyze (DO blocks, dynamic SQL) is listed, since it may explain drift.
/// `compared`: what is compared beyond the default (`--owners`).
pub fn drift(
    paths: &[PathBuf],
    cfg: &Config,
    settings: &Settings,
    opts: &source::live::LiveOptions,
    compared: &drift::Options,
) -> Result<Report, source::live::LiveError> {
    // The database first: without a platform in the config or a Supabase
    // config.toml next to the migrations, it says which platform it is, and
    // the migrations are replayed on that platform's baseline.
    let detect = cfg.platform.is_none() && settings.platform == Platform::Postgres;
    let opts = source::live::LiveOptions {
        platform: (!detect).then_some(settings.platform),
        schemas: None,
        ..opts.clone()
    };
    let snapshot = sql::pgffi::on_parser_stack(|| source::live::load(&opts))?;
    let replay_only = Config {
        select: Some(Vec::new()),
        ..cfg.clone()
    };
    let settings = Settings {
        keep_catalog: true,
        platform: snapshot.catalog.platform,
        ..settings.clone()
    };
    let mut read = read_migrations(paths, &replay_only, &settings);
    // The runner's history table says which migrations the database has
    // seen: only those are compared; the others are listed.
    let mut history = Vec::new();
    let mut notes = Vec::new();
    let own = read.history.clone();
    if let Some(runner) = read.runner {
        // An empty history (a database migrated by hand, or a table made
        // ahead of the runner) says nothing: every file is compared.
        let recorded = source::live::migration_history(&opts, runner, read.history.as_ref())?;
        if let Some(recorded) = recorded.as_ref().filter(|r| !r.is_empty()) {
            let (applied, pending) = split_applied(read.inputs, runner, recorded);
            read.inputs = applied;
            history = history_findings(runner, &pending, recorded, &read.inputs);
        } else if let (None, Some(h)) = (&recorded, &own) {
            notes.extend(history_elsewhere(runner, h, &opts)?);
        }
    }
    let mut migrations = lint_read(read, &replay_only, &settings);
    migrations.notes = notes;
    let Some(model) = migrations.catalog.take() else {
        return Ok(migrations);
    };
    let differences = drift::compare(&model, &snapshot.catalog, compared);
    migrations.findings = drift::findings(&differences);
    // The runner made its history table (sqitch: its registry schema); no
    // migration does.
    let runners_own = |object: &str| own.as_ref().is_some_and(|h| h.owns(object));
    migrations
        .findings
        .retain(|f| !(f.rule == drift::EXTRA && runners_own(&f.object)));
    migrations.findings.append(&mut history);
    migrations.errors.extend(unreadable_errors(&snapshot));
    migrations.database = Some(snapshot.target);
    migrations.finish();
    Ok(migrations)
}

/// The note for a history table that is not in the database drift reads
/// because the runner's configuration records in another database
/// (sqitch.conf's target): drift cannot read it from here, so every
/// migration is compared. None when the configuration names no database,
/// or this one.
fn history_elsewhere(
    runner: source::migrations::runner::Runner,
    history: &source::migrations::runner::History,
    opts: &source::live::LiveOptions,
) -> Result<Option<String>, source::live::LiveError> {
    let Some((database, said_by)) = &history.database else {
        return Ok(None);
    };
    let here = source::live::database_name(opts)?;
    if here == *database {
        return Ok(None);
    }
    Ok(Some(format!(
        "{}'s history (`{}`) is in database `{database}` ({said_by}), which drift does not read (it reads `{here}`): every migration is compared, none is listed as unapplied",
        source::migrations::runner::describe(runner),
        history.qualified(),
    )))
}

/// What the runner's history table says beside the schema: migration files
/// it does not record as applied (`pending`, paths), and recorded versions
/// that no file of `applied` has (warnings: a migration not yet applied is
/// the normal state of a branch, but worth seeing).
fn history_findings(
    runner: crate::source::migrations::runner::Runner,
    pending: &[String],
    recorded: &[String],
    applied: &[Input],
) -> Vec<findings::Finding> {
    use crate::findings::Location;
    use crate::source::migrations::runner::{describe, recorded_key, version_key};
    let at_start = |file: &str| {
        Some(Location {
            file: file.to_string(),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
        })
    };
    let mut out: Vec<findings::Finding> = pending
        .iter()
        .map(|file| findings::Finding {
            rule: drift::UNAPPLIED,
            severity: findings::Severity::Warning,
            message: format!(
                "migration `{}` is not applied to the database: {}'s history does not record it, so its objects are not compared",
                file.rsplit(['/', '\\']).next().unwrap_or(file),
                describe(runner)
            ),
            object: file.clone(),
            location: at_start(file),
            help: "Apply it (or, if it was applied by hand, record it as the runner would)."
                .to_string(),
            span: None,
            related: Vec::new(),
            remedy: None,
        })
        .collect();
    // golang-migrate records only its last version.
    if runner != crate::source::migrations::runner::Runner::GolangMigrate {
        let known: std::collections::BTreeSet<String> = applied
            .iter()
            .filter_map(|i| version_key(runner, std::path::Path::new(&i.path)))
            .collect();
        for r in recorded {
            if !known.contains(&recorded_key(runner, r)) {
                out.push(findings::Finding {
                    rule: drift::UNKNOWN_MIGRATION,
                    severity: findings::Severity::Warning,
                    message: format!(
                        "the database records migration `{r}` as applied ({}), but no migration file here has that version",
                        describe(runner)
                    ),
                    object: r.clone(),
                    location: None,
                    help: "Find the migration that was applied from elsewhere and add it here, or its objects show up as drift."
                        .to_string(),
                    span: None,
                    related: Vec::new(),
                    remedy: None,
                });
            }
        }
    }
    out
}

/// The first statement of a file that pgvet cannot read (it does not parse,
/// or nests too deeply), with how many more after it it cannot read: one
/// broken quote can make every statement after it unreadable, and a report
/// of each would bury the one to fix.
/// `errors` are in file and line order.
fn one_parse_error_per_file(errors: Vec<InputError>) -> Vec<InputError> {
    let mut out: Vec<InputError> = Vec::with_capacity(errors.len());
    let mut more: Vec<usize> = Vec::with_capacity(errors.len());
    for e in errors {
        let same_file = out
            .last()
            .is_some_and(|last| last.file == e.file && last.line.is_some());
        if same_file && e.line.is_some() {
            if let Some(n) = more.last_mut() {
                *n += 1;
            }
            continue;
        }
        out.push(e);
        more.push(0);
    }
    for (e, n) in out.iter_mut().zip(more) {
        if n > 0 {
            e.message.push_str(&format!(
                " (and {n} more statement{} after it in this file that pgvet cannot read)",
                if n == 1 { "" } else { "s" }
            ));
        }
    }
    out
}

/// The paths of the inputs the history of `runner` records as applied
/// (`recorded`); an input it says nothing about (no version) is not.
pub fn applied_paths(
    inputs: &[Input],
    runner: source::migrations::runner::Runner,
    recorded: &[String],
) -> std::collections::BTreeSet<String> {
    use source::migrations::runner::{applied_keys, version_key};
    inputs
        .iter()
        .filter(|input| {
            version_key(runner, Path::new(&input.path))
                .is_some_and(|key| applied_keys(runner, recorded, &key))
        })
        .map(|input| input.path.clone())
        .collect()
}

/// The inputs the history records as applied (and those it says nothing
/// about, such as Flyway's repeatable scripts), and the paths of the rest.
fn split_applied(
    inputs: Vec<Input>,
    runner: source::migrations::runner::Runner,
    recorded: &[String],
) -> (Vec<Input>, Vec<String>) {
    use source::migrations::runner::{applied_keys, version_key};
    let mut applied = Vec::with_capacity(inputs.len());
    let mut pending = Vec::new();
    for input in inputs {
        match version_key(runner, Path::new(&input.path)) {
            Some(key) if !applied_keys(runner, recorded, &key) => pending.push(input.path),
            _ => applied.push(input),
        }
    }
    (applied, pending)
}

/// The definitions a database printed that pgvet could not parse, as input errors.
fn unreadable_errors(snapshot: &source::live::Snapshot) -> Vec<InputError> {
    snapshot
        .unreadable
        .iter()
        .map(|u| InputError {
            file: snapshot.target.clone(),
            line: None,
            column: None,
            message: format!(
                "the definition of {} could not be parsed: {}",
                u.object, u.message
            ),
        })
        .collect()
}

/// What `pgvet lint --db` reads from the database the migrations will run
/// on: every table with its size, and the server's major version. Read as an
/// audit reads (one read-only snapshot, timeouts set).
pub struct LiveContext {
    pub tables: rules::LiveTables,
    pub major_version: Option<u32>,
    pub target: String,
}

pub fn live_context(
    opts: &source::live::LiveOptions,
) -> Result<LiveContext, source::live::LiveError> {
    let sizes = source::live::sizes(opts)?;
    let tables: rules::LiveTables = sizes.relations.into_iter().collect();
    let major_version = sizes
        .server_version
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|m| m.parse().ok());
    Ok(LiveContext {
        tables,
        major_version,
        target: sizes.target,
    })
}

impl LiveContext {
    /// What a stats file (`pgvet stats`) says, as `lint --db` reads it
    /// from the database; `target` names the file.
    pub fn from_stats(file: &source::live::stats::StatsFile, target: String) -> LiveContext {
        LiveContext {
            tables: file.relations().into_iter().collect(),
            major_version: file.major_version(),
            target,
        }
    }
}

fn input_error(src: &SourceFile, e: split::ParseError) -> InputError {
    let (line, column) = src.lines().position(&src.text, e.offset as usize);
    InputError {
        file: src.path.clone(),
        line: Some(line),
        column: Some(column),
        message: e.message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_gets_one_parse_error_with_the_count_of_the_rest() {
        let sources = vec![
            (
                "a.sql".to_string(),
                "select 1;\nselect from from;\ncreate table t (;\nselect 2;\nselec 3;\n"
                    .to_string(),
            ),
            ("b.sql".to_string(), "create tabl x ();\n".to_string()),
        ];
        let report = lint_sources(sources, &Config::default(), &test_support::supabase());
        let errors: Vec<(String, Option<u32>, String)> = report
            .errors
            .iter()
            .map(|e| (e.file.clone(), e.line, e.message.clone()))
            .collect();
        assert_eq!(errors.len(), 2, "{errors:#?}");
        assert_eq!(errors[0].0, "a.sql");
        assert_eq!(errors[0].1, Some(2));
        assert!(
            errors[0]
                .2
                .ends_with("(and 2 more statements after it in this file that pgvet cannot read)"),
            "{errors:#?}"
        );
        assert_eq!(errors[1].0, "b.sql");
        assert!(!errors[1].2.contains("more statement"), "{errors:#?}");
        // The statements that parse are still replayed.
        assert_eq!(report.summary.statements, 2);
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    /// Settings for examples and unit tests: Supabase, public exposed.
    pub fn supabase() -> super::Settings {
        super::Settings::for_platform(super::Platform::Supabase)
    }
}
