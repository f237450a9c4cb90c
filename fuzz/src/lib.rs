//! Shared code of pgvet's fuzz targets (fuzz_targets/*.rs): the harness, the
//! SQL mutator, and the seed corpora each target writes at start-up.

pub mod harness;
pub mod sql_mutator;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use sql_mutator::{File, Pool};

/// The pgvet checkout this crate sits in.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Seeds, read once per process.
pub fn seeds() -> &'static [Vec<File>] {
    static SEEDS: OnceLock<Vec<Vec<File>>> = OnceLock::new();
    SEEDS.get_or_init(|| harness::seeds(&root()))
}

/// The mutator's pool, built once per process from the seeds.
pub fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| Pool::new(seeds().to_vec()))
}

/// Files of `lint_bytes` inputs are separated by this byte, which UTF-8 never
/// uses, so any valid text stays whole.
pub const FILE_SEPARATOR: u8 = 0xFF;

/// Fuzz targets, for their seed corpora.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    LintBytes,
    LintMutated,
    Config,
    Suppression,
}

/// Seed inputs of a target, named for what they came from.
pub fn seed_inputs(target: Target) -> Vec<(String, Vec<u8>)> {
    match target {
        Target::LintBytes => lint_seeds(|files| {
            let parts: Vec<&[u8]> = files.iter().map(|(_, t)| t.as_bytes()).collect();
            parts.join(&FILE_SEPARATOR)
        }),
        Target::LintMutated => lint_seeds(|files| sql_mutator::serialize(files).into_bytes()),
        Target::Config => config_seeds(),
        Target::Suppression => suppression_seeds(),
    }
}

fn lint_seeds(encode: impl Fn(&[File]) -> Vec<u8>) -> Vec<(String, Vec<u8>)> {
    seeds()
        .iter()
        .enumerate()
        .map(|(i, files)| {
            let first = files.first().map_or("empty", |(n, _)| n.as_str());
            (format!("seed-{i:03}-{}", file_stem(first)), encode(files))
        })
        .collect()
}

fn file_stem(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(60)
        .collect()
}

/// The text of README.md and of the hand-written pages of `docs/` (the
/// configuration and suppression pages among them), one after another.
fn docs_text() -> String {
    let root = root();
    let mut paths = vec![root.join("README.md")];
    if let Ok(entries) = std::fs::read_dir(root.join("docs")) {
        let mut pages: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "md"))
            .collect();
        pages.sort();
        paths.extend(pages);
    }
    paths
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The docs' YAML examples, `pgvet init`'s starter configs, and a few
/// configs using each kind of key.
fn config_seeds() -> Vec<(String, Vec<u8>)> {
    let root = root();
    let mut out: Vec<String> = fenced_blocks(&docs_text(), "```yaml");
    out.extend(pgvet::commands::init::starter_config(&root).ok());
    out.extend(pgvet::commands::init::starter_config(&root.join("fixtures")).ok());
    out.extend(
        [
            "platform: supabase\nexposed_schemas: [public, api]\n",
            "select: [fk-missing-index, rls-disabled]\nignore: [table-without-primary-key]\n",
            "rules:\n  fk-missing-index: warning\n  rls-disabled: off\n  prefer-text-field: info\n",
            "ignore:\n  - rule: rls-disabled\n    object: public.countries\n",
            "postgres_version: 16\nassume_exists: [public.legacy]\n",
            "migrations:\n  dir: db/migrations\n  transaction: none\n  large_table: { rows: 1000000, bytes: 1GB }\n  small_table: { rows: 10 }\n",
            "options:\n  index-naming:\n    pattern: '^ix_'\n",
            "unknown_key: 1\n",
        ]
        .map(String::from),
    );
    numbered(out)
}

/// Seeds named by their place in the list.
fn numbered(texts: Vec<String>) -> Vec<(String, Vec<u8>)> {
    texts
        .into_iter()
        .enumerate()
        .map(|(i, text)| (format!("seed-{i:03}"), text.into_bytes()))
        .collect()
}

/// The contents of each fenced block opened by `fence` in markdown text.
fn fenced_blocks(markdown: &str, fence: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match current.as_mut() {
            None if line.trim_start() == fence => current = Some(String::new()),
            None => {}
            Some(block) if line.trim_start() == "```" => {
                out.push(std::mem::take(block));
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
        }
    }
    out
}

/// Suppression comment bodies (the text after `--`): the docs', and each
/// form with a few rule ids.
fn suppression_seeds() -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<String> = docs_text()
        .lines()
        .filter_map(|l| l.split_once("--").map(|(_, c)| c))
        .filter(|c| c.trim_start().starts_with("pgvet-ignore"))
        .map(String::from)
        .collect();
    for id in [
        "table-without-primary-key",
        "rls-disabled",
        "prefer-bigint-over-int",
        "nope",
    ] {
        out.push(format!(" pgvet-ignore {id}: a reason"));
        out.push(format!(" pgvet-ignore-file {id}: a reason"));
        out.push(format!(" pgvet-ignore {id}, rls-disabled"));
        out.push(format!(" pgvet-ignore {id} no colon"));
        out.push(format!(" pgvet-ignore {id}:"));
    }
    out.extend(
        [
            " pgvet-ignore",
            " pgvet-ignore-file",
            "pgvet-ignore:x",
            " pgvet-ignored",
        ]
        .map(String::from),
    );
    numbered(out)
}

/// Writes the target's seeds into the directory `PGVET_FUZZ_SEED_DIR` names,
/// if set: `fuzz/run` sets it to the target's corpus, so the corpus is filled
/// from the fixtures and rule examples before libFuzzer reads it.
pub fn write_seeds_from_env(target: Target) {
    let Some(dir) = std::env::var_os("PGVET_FUZZ_SEED_DIR") else {
        return;
    };
    let dir = PathBuf::from(dir);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("pgvet-fuzz: cannot create {}: {e}", dir.display());
        return;
    }
    let seeds = seed_inputs(target);
    let n = seeds.len();
    for (name, bytes) in seeds {
        if let Err(e) = std::fs::write(dir.join(&name), bytes) {
            eprintln!("pgvet-fuzz: cannot write {name}: {e}");
        }
    }
    eprintln!("pgvet-fuzz: {n} seeds in {}", dir.display());
}
