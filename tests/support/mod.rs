pub mod pg;

use std::path::{Path, PathBuf};

/// The `*.sql` files of a directory in name order (apply order).
#[allow(dead_code)] // not every test binary that includes `support` uses it
pub fn sql_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    files
}
