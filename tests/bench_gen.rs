//! bench/gen_schema.py, the schema generator of bench/run: the same arguments
//! give byte-identical files, the SQL applies to a real PostgreSQL with the
//! Supabase baseline (each file in one transaction, as the Supabase CLI runs
//! it), and pgvet parses all of it and finds each problem planted in it.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use support::pg::{stderr, Cluster};

const BASELINE: &str = "tests/sql/supabase_baseline.sql";
// 50 tables, 10 a file: five files, so later files alter tables of earlier
// ones, and every "every k-th table" case of the generator (up to 25) occurs.
const TABLES: usize = 50;
const PER_FILE: usize = 10;

/// Runs the generator into a fresh directory; returns (dir guard, migrations dir).
fn generate(tables: usize, per_file: usize) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::Builder::new()
        .prefix("pgvet-gen-")
        .tempdir()
        .expect("temp dir");
    let out = Command::new("python3")
        .arg("bench/gen_schema.py")
        .args(["--tables", &tables.to_string()])
        .args(["--per-file", &per_file.to_string()])
        .arg("--out")
        .arg(dir.path())
        .output()
        .expect("run python3 bench/gen_schema.py");
    assert!(
        out.status.success(),
        "gen_schema.py failed: {}",
        stderr(&out)
    );
    let migrations = dir.path().join("supabase").join("migrations");
    (dir, migrations)
}

/// The .sql files of a directory in name order.
fn sql_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read migrations dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    files
}

#[test]
fn same_arguments_give_identical_files() {
    let (_a, first) = generate(TABLES, PER_FILE);
    let (_b, second) = generate(TABLES, PER_FILE);
    let names = |files: &[PathBuf]| -> Vec<String> {
        files
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    };
    let (fa, fb) = (sql_files(&first), sql_files(&second));
    assert_eq!(fa.len(), TABLES / PER_FILE);
    assert_eq!(names(&fa), names(&fb));
    for (a, b) in fa.iter().zip(&fb) {
        let (ta, tb) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
        assert!(ta == tb, "{} differs between two runs", a.display());
    }
    // A partial last file: 51 tables at 10 a file are six files.
    let (_c, odd) = generate(TABLES + 1, PER_FILE);
    assert_eq!(sql_files(&odd).len(), TABLES / PER_FILE + 1);
}

#[test]
fn pgvet_parses_everything_and_finds_each_planted_problem() {
    let (dir, migrations) = generate(TABLES, PER_FILE);
    let out = Command::new(env!("CARGO_BIN_EXE_pgvet"))
        .current_dir(dir.path())
        .arg("lint")
        .arg(&migrations)
        .args(["--format", "json"])
        .output()
        .expect("run pgvet");
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("pgvet printed JSON");
    assert_eq!(report["summary"]["errors"], 0, "{}", report["errors"]);
    assert_eq!(report["summary"]["files"], TABLES / PER_FILE);
    let fired: BTreeSet<&str> = report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    for rule in [
        "fk-missing-index",
        "duplicate-index",
        "rls-disabled",
        "rls-initplan",
        "security-definer-search-path",
        "security-definer-view",
        "function-search-path-mutable",
    ] {
        assert!(
            fired.contains(rule),
            "{rule} did not fire; fired: {fired:?}"
        );
    }
    // Not undefined-object / undefined-column: every reference resolves.
    assert!(
        !fired.iter().any(|r| r.starts_with("undefined-")),
        "fired: {fired:?}"
    );
}

#[test]
fn generated_schema_applies_to_postgres() {
    let Some(pg) = Cluster::start() else { return };
    pg.create_db("gen");
    pg.apply("gen", Path::new(BASELINE));
    let (_dir, migrations) = generate(TABLES, PER_FILE);
    let files = sql_files(&migrations);
    assert_eq!(files.len(), TABLES / PER_FILE);
    for file in &files {
        let path = file.display().to_string();
        let out = pg.psql("gen", &["--single-transaction", "-f", &path]);
        assert!(out.status.success(), "{path}: {}", stderr(&out));
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("ERROR"),
            "{path}: {}",
            stderr(&out)
        );
    }
    let count = pg.psql(
        "gen",
        &[
            "-At",
            "-c",
            "select count(*) from pg_class where relkind = 'r' \
             and relnamespace = 'public'::regnamespace",
        ],
    );
    assert!(count.status.success(), "{}", stderr(&count));
    assert_eq!(
        String::from_utf8_lossy(&count.stdout).trim(),
        TABLES.to_string()
    );
}
