//! Finding and reading migration files.

use std::path::{Path, PathBuf};

use crate::findings::InputError;
use crate::sql::line_index::LineIndex;

/// Directories searched, in order, when `pgvet lint` gets no path (sqitch's
/// `deploy` only beside a `sqitch.plan`).
pub const DEFAULT_DIRS: &[&str] = &[
    "supabase/migrations",
    "migrations",
    "db/migrations",
    "prisma/migrations",
    "drizzle",
    "deploy",
];

/// The `*.sql` files of a directory in name order, and errors for `*.sql`
/// entries that cannot be read as files: a symbolic link that loops or
/// points nowhere, a FIFO or device (reading one could block forever).
/// Subdirectories are not searched, so a link back to a parent cannot
/// make pgvet go round in circles.
pub(super) fn sql_files_in(dir: &Path) -> std::io::Result<(Vec<PathBuf>, Vec<InputError>)> {
    let mut found = Vec::new();
    let mut bad = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let is_sql = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("sql"));
        if !is_sql {
            continue;
        }
        // `metadata` follows links: a loop fails here with ELOOP.
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_file() => found.push(path),
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => bad.push(InputError::file(
                &path,
                format!("cannot read `{}`: not a regular file", path.display()),
            )),
            Err(e) => bad.push(InputError::file(
                &path,
                format!("cannot read `{}`: {}", path.display(), io_reason(&e)),
            )),
        }
    }
    // Migration tools apply files in name order (timestamps or numbers first).
    found.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    bad.sort_by(|a, b| a.file.cmp(&b.file));
    Ok((found, bad))
}

pub(super) fn list_error(dir: &Path, e: &std::io::Error) -> InputError {
    InputError::file(
        dir,
        format!("cannot list `{}`: {}", dir.display(), io_reason(e)),
    )
}

/// The first default migrations directory that exists under `cwd`.
pub fn autodetect(cwd: &Path) -> Option<PathBuf> {
    DEFAULT_DIRS
        .iter()
        .map(|d| cwd.join(d))
        .find(|p| p.is_dir() && (!p.ends_with("deploy") || cwd.join("sqitch.plan").is_file()))
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
            // Everything before the bad byte is text: count lines and
            // characters in it as for any other position (CR, LF, CRLF).
            let prefix = std::str::from_utf8(bytes.get(..valid).unwrap_or_default()).unwrap_or("");
            let prefix = prefix.strip_prefix('\u{feff}').unwrap_or(prefix);
            let (line, column) = LineIndex::new(prefix).position(prefix, prefix.len());
            Err(InputError {
                file: path.display().to_string(),
                line: Some(line),
                column: Some(column),
                message: format!(
                    "file is not valid UTF-8 (invalid byte 0x{:02x} at byte offset {valid}); save it as UTF-8",
                    bytes.get(valid).copied().unwrap_or_default()
                ),
            })
        }
    }
}

pub(super) fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        // The OS's words without the errno: "Too many levels of symbolic
        // links (os error 40)" for a link loop.
        _ => {
            let text = e.to_string();
            let text = text
                .rsplit_once(" (os error ")
                .map_or(text.as_str(), |(head, _)| head);
            let mut chars = text.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_lowercase().chain(chars).collect()
            })
        }
    }
}
