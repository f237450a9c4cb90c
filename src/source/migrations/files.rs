//! Finding and reading migration files.

use std::path::{Path, PathBuf};

use crate::report::InputError;

/// Directories searched, in order, when `pgvet lint` gets no path.
pub const DEFAULT_DIRS: &[&str] = &["supabase/migrations", "migrations", "db/migrations"];

/// Expands the given paths into SQL files in apply order. A directory stands
/// for its `*.sql` files in file-name order; files are taken as given.
/// Problems (missing path, empty directory) become errors, other paths go on.
pub fn collect(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<InputError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Err(e) => errors.push(InputError::file(
                path,
                format!("cannot read `{}`: {}", path.display(), io_reason(&e)),
            )),
            Ok(meta) if meta.is_dir() => match sql_files_in(path) {
                Ok(found) if found.is_empty() => errors.push(InputError::file(
                    path,
                    format!("no .sql files in directory `{}`", path.display()),
                )),
                Ok(found) => files.extend(found),
                Err(e) => errors.push(InputError::file(
                    path,
                    format!("cannot list `{}`: {}", path.display(), io_reason(&e)),
                )),
            },
            Ok(_) => files.push(path.clone()),
        }
    }
    (files, errors)
}

fn sql_files_in(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let is_sql = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("sql"));
        if is_sql && path.is_file() {
            found.push(path);
        }
    }
    // Migration tools apply files in name order (timestamps or numbers first).
    found.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    Ok(found)
}

/// The first default migrations directory that exists under `cwd`.
pub fn autodetect(cwd: &Path) -> Option<PathBuf> {
    DEFAULT_DIRS
        .iter()
        .map(|d| cwd.join(d))
        .find(|p| p.is_dir())
}

/// Reads a file as UTF-8 text, without a leading byte-order mark (positions
/// are reported in lines and characters, which the mark does not change).
pub fn read(path: &Path) -> Result<String, InputError> {
    let bytes = std::fs::read(path).map_err(|e| {
        InputError::file(
            path,
            format!("cannot read `{}`: {}", path.display(), io_reason(&e)),
        )
    })?;
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.drain(..'\u{feff}'.len_utf8());
            }
            Ok(text)
        }
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let prefix = String::from_utf8_lossy(bytes.get(..valid).unwrap_or_default());
            let line = prefix.lines().count().max(1) + usize::from(prefix.ends_with('\n'));
            let column = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            Err(InputError {
                file: path.display().to_string(),
                line: Some(u32::try_from(line).unwrap_or(u32::MAX)),
                column: Some(u32::try_from(column).unwrap_or(u32::MAX)),
                message: format!("file is not valid UTF-8 (invalid byte at offset {valid})"),
            })
        }
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}
