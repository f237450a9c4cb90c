//! The parser's floor: how long splitting and parsing migrations takes with
//! nothing else (no replay, no rules, no output), the way `pgvet lint` does
//! it (PostgreSQL's scanner splits a file, each statement is parsed alone).
//! No lint of those files can take less CPU than this; `bench/run` divides
//! it by the cores to show the best wall time pgvet could reach (issue 8).
//!
//! Usage: cargo bench --bench parse_floor -- DIR [DIR ...]
//! Prints, per directory: SQL bytes, statements, the CPU seconds of the
//! fastest of three single-threaded passes, and the same for a pass that
//! parses each statement through libpg_query's protobuf encoding and prost
//! (the path pgvet took before issue 27), tab-separated. Without a
//! directory it runs on the bundled fixtures (`fixtures/*/broken` and
//! `fixtures/*/fixed`), which is what `cargo test --all-targets` does: a
//! file that does not parse fails it.

use std::path::{Path, PathBuf};
use std::time::Instant;

use pgvet::catalog::FileId;
use pgvet::sql::split;

// As in the binary: the parse allocates and frees a tree per statement.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn sql_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    Ok(files)
}

/// The bundled reference schemas, broken and fixed, relative to the package.
fn fixture_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .flat_map(|p| [p.join("broken"), p.join("fixed")])
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

/// One pass over every file: statements parsed, or the first error.
fn pass(texts: &[(PathBuf, String)]) -> Result<usize, String> {
    let mut statements = 0;
    for (i, (path, text)) in texts.iter().enumerate() {
        let (stmts, errors) = split::parse_file(FileId(u32::try_from(i).unwrap_or(0)), text);
        if let Some(e) = errors.first() {
            return Err(format!(
                "{} (byte {}): {}",
                path.display(),
                e.offset,
                e.message
            ));
        }
        statements += stmts.len();
    }
    Ok(statements)
}

/// One pass over every file the way pg_query itself parses: split by
/// PostgreSQL's scanner, each statement encoded to protobuf and decoded.
fn protobuf_pass(texts: &[(PathBuf, String)]) -> usize {
    let mut statements = 0;
    for (_, text) in texts {
        for (start, end) in pgvet::sql::pgffi::split(text).unwrap_or_default() {
            if let Some(sql) = text.get(start..end) {
                statements += usize::from(pgvet::sql::pgffi::parse_protobuf(sql).is_ok());
            }
        }
    }
    statements
}

fn main() {
    // `cargo bench` passes --bench; anything else not starting with - is a directory.
    let dirs: Vec<PathBuf> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .map(PathBuf::from)
        .collect();
    let dirs = if dirs.is_empty() {
        fixture_dirs()
    } else {
        dirs
    };
    if dirs.is_empty() {
        eprintln!(
            "usage: cargo bench --bench parse_floor -- DIR [DIR ...] (directories of .sql files)"
        );
        std::process::exit(2);
    }
    let mut failed = false;
    for dir in dirs {
        let texts: Result<Vec<(PathBuf, String)>, _> = sql_files(&dir).and_then(|files| {
            files
                .into_iter()
                .map(|f| std::fs::read_to_string(&f).map(|t| (f, t)))
                .collect()
        });
        let texts = match texts {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{}: {e}", dir.display());
                failed = true;
                continue;
            }
        };
        let bytes: usize = texts.iter().map(|(_, t)| t.len()).sum();
        let mut best = f64::INFINITY;
        let mut statements = 0;
        let mut error = None;
        for _ in 0..3 {
            let started = Instant::now();
            match pass(&texts) {
                Ok(n) => statements = n,
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
            best = best.min(started.elapsed().as_secs_f64());
        }
        let mut protobuf = f64::INFINITY;
        for _ in 0..3 {
            let started = Instant::now();
            std::hint::black_box(protobuf_pass(&texts));
            protobuf = protobuf.min(started.elapsed().as_secs_f64());
        }
        match error {
            None => println!(
                "{}\t{bytes}\t{statements}\t{best:.3}\t{protobuf:.3}",
                dir.display()
            ),
            Some(e) => {
                eprintln!("{e}");
                failed = true;
            }
        }
    }
    if failed {
        std::process::exit(1);
    }
}
