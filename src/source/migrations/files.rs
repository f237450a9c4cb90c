//! Finding and reading migration files.

use std::io::Read;
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
/// Dotfiles (editor locks such as emacs's `.#001.sql` link) are skipped.
/// Subdirectories are not searched, so a link back to a parent cannot
/// make pgvet go round in circles.
pub(super) fn sql_files_in(dir: &Path) -> std::io::Result<(Vec<PathBuf>, Vec<InputError>)> {
    let mut found = Vec::new();
    let mut bad = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let is_sql = Path::new(&entry.file_name())
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("sql"));
        if !is_sql || is_hidden(&entry.file_name()) {
            continue;
        }
        let path = entry.path();
        // `metadata` follows links: a loop fails here with ELOOP.
        let why = match std::fs::metadata(&path) {
            Ok(meta) if meta.is_file() => {
                found.push(path);
                continue;
            }
            Ok(meta) if meta.is_dir() => continue,
            Ok(meta) => ReadError::NotRegular(kind(&meta)),
            Err(e) => ReadError::Io(e),
        };
        bad.push(InputError::file(
            &path,
            format!("cannot read `{}`: {why}", path.display()),
        ));
    }
    // Migration tools apply files in name order (timestamps or numbers first).
    found.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    bad.sort_by(|a, b| a.file.cmp(&b.file));
    Ok((found, bad))
}

/// A dotfile: an editor's lock or swap file, `.DS_Store`, never a migration.
pub(super) fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
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

/// The default limit on a migration file's size. pg_dump output with COPY
/// data runs to tens of MB (a 50 MB one is linted in tests/hostile.rs);
/// above this a file is most likely data or a mistake, and a sparse file of
/// zeros, a few bytes in git, would otherwise be read whole (issue 24).
/// `--max-file-size` raises it.
pub const MAX_MIGRATION_BYTES: u64 = 64 << 20;

/// The limit on a config file's size (pgvet.yaml, supabase/config.toml,
/// runner side files): real ones are a few KB.
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{}", io_reason(.0))]
    Io(std::io::Error),
    /// What the file is instead: "a FIFO (named pipe)", ...
    #[error("it is {0}, not a regular file")]
    NotRegular(&'static str),
    /// `size` is None when more than the file's stated size was read: it
    /// grew, or states none (as /proc files do).
    #[error("{}", too_large(*.size, *.limit))]
    TooLarge { size: Option<u64>, limit: u64 },
    #[error(
        "file appears to be {0}, and pgvet reads UTF-8; convert it with `iconv -f {0} -t UTF-8`"
    )]
    Utf16(&'static str),
    #[error("file is not valid UTF-8")]
    NotUtf8,
}

fn too_large(size: Option<u64>, limit: u64) -> String {
    match size {
        Some(n) => format!(
            "file is {} ({n} bytes), over the {} limit",
            size_text(n),
            size_text(limit)
        ),
        None => format!(
            "file is over the {} limit (it grew while read, or stated a wrong size)",
            size_text(limit)
        ),
    }
}

/// `64 MiB`, `3.5 GiB`, `812 bytes`.
fn size_text(n: u64) -> String {
    for (unit, name) in [(1u64 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")] {
        if n >= unit {
            let value = format!("{:.1}", n as f64 / unit as f64);
            return format!("{} {name}", value.strip_suffix(".0").unwrap_or(&value));
        }
    }
    format!("{n} bytes")
}

/// The bytes of a regular file (links followed) of at most `limit` bytes.
pub fn read_bytes(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let file = open_regular(path)?;
    let size = file.metadata().map_err(ReadError::Io)?.len();
    if size > limit {
        return Err(ReadError::TooLarge {
            size: Some(size),
            limit,
        });
    }
    // The size said may be wrong (/proc) or grow while read: stop past it.
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { size: None, limit });
    }
    Ok(bytes)
}

/// The text of a small file such as a config (UTF-8, at most `limit` bytes).
pub fn read_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    let bytes = read_bytes(path, limit)?;
    if let Some(encoding) = utf16(&bytes) {
        return Err(ReadError::Utf16(encoding));
    }
    String::from_utf8(bytes).map_err(|_| ReadError::NotUtf8)
}

/// The first `limit` bytes of a regular file, for a look at its markers;
/// None when it cannot be read (reading it for real says why).
pub(super) fn head(path: &Path, limit: u64) -> Option<Vec<u8>> {
    let mut bytes = Vec::new();
    open_regular(path)
        .ok()?
        .take(limit)
        .read_to_end(&mut bytes)
        .ok()?;
    Some(bytes)
}

/// Opens a regular file. The type is checked before opening (opening a FIFO
/// waits for a writer) and again on the open file, in case the path changed.
fn open_regular(path: &Path) -> Result<std::fs::File, ReadError> {
    let regular = |meta: std::fs::Metadata| {
        if meta.is_file() {
            Ok(())
        } else {
            Err(ReadError::NotRegular(kind(&meta)))
        }
    };
    regular(std::fs::metadata(path).map_err(ReadError::Io)?)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(target_os = "linux")]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path).map_err(ReadError::Io)?;
    regular(file.metadata().map_err(ReadError::Io)?)?;
    Ok(file)
}

/// What a file that is not a regular file is, for messages.
fn kind(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

/// The UTF-16 variant a file is in: told by its byte-order mark, or by NUL
/// bytes in every other position (mostly-ASCII SQL has one in each pair).
fn utf16(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xff, 0xfe, ..] => return Some("UTF-16LE"),
        [0xfe, 0xff, ..] => return Some("UTF-16BE"),
        _ => {}
    }
    let head = bytes.get(..bytes.len().min(512)).unwrap_or_default();
    let nuls = |from: usize| {
        head.iter()
            .skip(from)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd, pairs) = (nuls(0), nuls(1), head.len() / 2);
    match (even, odd) {
        _ if pairs == 0 => None,
        (0, odd) if odd * 2 >= pairs => Some("UTF-16LE"),
        (even, 0) if even * 2 >= pairs => Some("UTF-16BE"),
        _ => None,
    }
}

/// Reads a migration file of at most `limit` bytes as UTF-8 text, without
/// a leading byte-order mark (positions are reported in lines and
/// characters, which the mark does not change).
pub fn read(path: &Path, limit: u64) -> Result<String, InputError> {
    let cannot = |e: ReadError| {
        let hint = match e {
            ReadError::TooLarge { .. } => "; --max-file-size raises the limit",
            _ => "",
        };
        InputError::file(path, format!("cannot read `{}`: {e}{hint}", path.display()))
    };
    let bytes = read_bytes(path, limit).map_err(cannot)?;
    if let Some(encoding) = utf16(&bytes) {
        return Err(InputError::file(
            path,
            ReadError::Utf16(encoding).to_string(),
        ));
    }
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

pub fn io_reason(e: &std::io::Error) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_is_told_by_its_mark_or_its_nul_bytes() {
        let be: Vec<u8> = "select 1;"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        let le: Vec<u8> = "select 1;"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(utf16(&be), Some("UTF-16BE"));
        assert_eq!(utf16(&le), Some("UTF-16LE"));
        assert_eq!(utf16(b"\xff\xfe"), Some("UTF-16LE"));
        assert_eq!(utf16(b"\xfe\xff"), Some("UTF-16BE"));
        // UTF-8, with or without its mark, and a file of zeros are not.
        assert_eq!(utf16("\u{feff}select 'é';".as_bytes()), None);
        assert_eq!(utf16(b"select 1;"), None);
        assert_eq!(utf16(&[0; 64]), None);
        assert_eq!(utf16(b""), None);
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size_text(812), "812 bytes");
        assert_eq!(size_text(1 << 20), "1 MiB");
        assert_eq!(size_text(3 << 30), "3 GiB");
        assert_eq!(size_text((1 << 30) + (1 << 29)), "1.5 GiB");
    }

    #[test]
    fn a_directory_is_named_as_what_it_is() {
        let dir = std::env::temp_dir();
        let e = read_bytes(&dir, 10).unwrap_err();
        assert_eq!(e.to_string(), "it is a directory, not a regular file");
    }
}
