//! `pgvet lint`'s replay checkpoint on disk (issue 27).
//!
//! A lint of a large history spends most of its time replaying files that
//! did not change since the last run. After a lint, the replay state just
//! before one file (the newest migration, or the first file a hook passed)
//! is written here: the model, what the session carries into the next
//! file, and the statement rules' findings in the files before it. The
//! next lint whose files before that point are the same, byte for byte,
//! starts from it and replays only the rest; its report is the one a lint
//! from scratch gives.
//!
//! One file per project (its slot), named by a hash of what the replay
//! depends on besides the files: pgvet's build, the config, the settings
//! and the project's paths. The file also names the files it was replayed
//! from (path, BLAKE3 hash of the text, how the runner ran it), which the
//! lint compares with its own before it uses the state.
//!
//! Nothing in a cache file is trusted: a file that does not start with the
//! format's mark, was written for another slot or build, or whose content
//! does not match the hash it carries is ignored (and replaced by the next
//! lint's). Files are written whole to a temporary name and renamed, so a
//! concurrent run sees the old file or the new one, never half of one. The
//! directory is kept under a size bound: the files used least recently go
//! first.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::findings::stored::{StoredError, StoredFinding};
use crate::findings::{Finding, InputError};
use crate::replay::Replayer;
use crate::rules::memo::StoredMemo;
use crate::source::migrations::session::{Carried, FileRun};
use crate::sql::split::ParseError;

/// The first bytes of a checkpoint file; the digit is the format's version.
const MARK: &[u8; 8] = b"PGVETCP3";

/// What the directory may hold in all; the oldest files beyond it are removed.
const DIR_BOUND: u64 = 512 << 20;

/// A file's text, hashed.
pub type TextHash = [u8; 32];

pub fn text_hash(text: &str) -> TextHash {
    *blake3::hash(text.as_bytes()).as_bytes()
}

/// The replay state between two files, as read from the cache.
pub struct Checkpoint {
    /// The files replayed before it: path, hash of the text, run.
    pub before: Vec<(String, TextHash, FileRun)>,
    /// The rules that ran.
    pub rules: Vec<&'static str>,
    pub replayer: Replayer,
    pub carried: Carried,
    pub findings: Vec<Finding>,
    pub errors: Vec<InputError>,
    pub statements: usize,
    /// The statement rules checked only some files, none before it.
    pub narrowed: bool,
    /// The schema rules' findings of the lint that wrote it.
    pub memo: Option<StoredMemo>,
    /// The statement ranges of the files before it.
    pub splits: Vec<FileSplit>,
}

/// The replay state between two files, to be written to the cache.
pub struct Writing<'a> {
    pub before: Vec<(String, TextHash, FileRun)>,
    pub rules: &'a [&'static str],
    pub replayer: &'a Replayer,
    pub carried: Carried,
    pub findings: &'a [Finding],
    pub errors: &'a [InputError],
    pub statements: usize,
    pub narrowed: bool,
    pub memo: Option<StoredMemo>,
    pub splits: Vec<FileSplit>,
}

/// A file's statement ranges, or why it could not be split.
pub type FileSplit = Result<Vec<(usize, usize)>, ParseError>;

/// All of a checkpoint but the model (whose tables and the rest of it are
/// sections of their own, read in parallel with this one): the rules by
/// id and the findings with
/// every field (the report's own serialization leaves some out).
#[derive(Serialize, Deserialize)]
struct Rest<'a> {
    before: std::borrow::Cow<'a, [(String, TextHash, FileRun)]>,
    rules: Vec<std::borrow::Cow<'a, str>>,
    carried: std::borrow::Cow<'a, Carried>,
    findings: Vec<StoredFinding>,
    errors: Vec<StoredError>,
    statements: usize,
    narrowed: bool,
    memo: Option<StoredMemo>,
    splits: std::borrow::Cow<'a, [FileSplit]>,
}

/// Where one project's checkpoint is kept.
pub struct Store {
    dir: PathBuf,
    key: [u8; 32],
}

impl Store {
    /// The slot in `dir` for a project whose replay depends on `key`
    /// (config, settings, paths) besides its files; None when this build
    /// cannot tell itself from another (its executable is unreadable).
    pub fn new(dir: PathBuf, key: &str) -> Option<Store> {
        let mut h = blake3::Hasher::new();
        h.update(build_identity()?.as_bytes());
        h.update(&[0]);
        h.update(key.as_bytes());
        Some(Store {
            dir,
            key: *h.finalize().as_bytes(),
        })
    }

    /// The cache directory: `PGVET_CACHE_DIR`, else `pgvet` in the
    /// platform's cache directory (`XDG_CACHE_HOME`, else `~/.cache`).
    pub fn default_dir() -> Option<PathBuf> {
        let env = |name| std::env::var_os(name).filter(|v| !v.is_empty());
        if let Some(dir) = env("PGVET_CACHE_DIR") {
            return Some(PathBuf::from(dir));
        }
        env("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| env("HOME").map(|h| Path::new(&h).join(".cache")))
            .map(|d| d.join("pgvet"))
    }

    pub fn path(&self) -> PathBuf {
        let hex: String = self.key.iter().map(|b| format!("{b:02x}")).collect();
        self.dir.join(format!("{hex}.checkpoint"))
    }

    /// The checkpoint kept in this slot, if there is a sound one.
    pub fn load(&self) -> Option<Checkpoint> {
        let file = std::fs::File::open(self.path()).ok()?;
        // Mapped, not read: reading copied the file (20 MB at 6,000
        // tables) into fresh memory, 12 to 16 ms of a warm lint. Sound as
        // long as nobody changes the file in place while it is mapped: this
        // module writes a cache file whole under another name and renames
        // it over the old one, and `trim` removes files, and neither
        // touches the mapped one (it stays readable until it is unmapped).
        // SAFETY: see above; what it holds is checked against its hash
        // before it is read.
        let bytes = unsafe { memmap2::MmapOptions::new().populate().map(&file) }.ok()?;
        let [model, tables, rest] = self.sections(&bytes)?;
        // The model without its tables is read on one thread while the
        // tables are read on every core (`catalog::chunked`).
        let read_model = || {
            crate::catalog::chunked::apart(|| {
                crate::catalog::sharing(|| postcard::from_bytes::<Replayer>(model).ok())
            })
        };
        let read_tables = || crate::catalog::chunked::read(tables).ok();
        let read_rest = || postcard::from_bytes::<Rest>(rest).ok();
        let ((replayer, tables), rest) =
            rayon::join(|| rayon::join(read_model, read_tables), read_rest);
        let mut replayer = replayer?;
        replayer.catalog.tables = tables?;
        let rest = rest?;
        let rules = rest
            .rules
            .iter()
            .map(|r| crate::rules::id_of(r))
            .collect::<Option<Vec<_>>>()?;
        let findings = rest
            .findings
            .into_iter()
            .map(|f| f.finding(crate::rules::stored_rule))
            .collect::<Option<Vec<_>>>()?;
        let errors = rest.errors.into_iter().map(StoredError::error).collect();
        Some(Checkpoint {
            before: rest.before.into_owned(),
            rules,
            replayer,
            carried: rest.carried.into_owned(),
            findings,
            errors,
            statements: rest.statements,
            narrowed: rest.narrowed,
            memo: rest.memo,
            splits: rest.splits.into_owned(),
        })
    }

    /// The three sections of a checkpoint file (the model without its
    /// tables, the tables, the rest), if it is one of this slot's and whole.
    fn sections<'b>(&self, bytes: &'b [u8]) -> Option<[&'b [u8]; 3]> {
        let rest = bytes.strip_prefix(MARK.as_slice())?;
        let rest = rest.strip_prefix(self.key.as_slice())?;
        let (sum, payload) = rest.split_at_checked(32)?;
        if payload_hash(payload).as_bytes() != sum {
            return None;
        }
        // The first two, each after its length.
        let mut sections = payload;
        let mut first = || {
            let (len, after) = sections.split_at_checked(8)?;
            let len = usize::try_from(u64::from_le_bytes(len.try_into().ok()?)).ok()?;
            let (section, after) = after.split_at_checked(len)?;
            sections = after;
            Some(section)
        };
        let (model, tables) = (first()?, first()?);
        Some([model, tables, sections])
    }

    /// Writes `cp` to the slot (replacing what it held), then trims the
    /// directory to its bound.
    pub fn save(&self, cp: Writing<'_>) -> std::io::Result<()> {
        let rest = Rest {
            before: cp.before.as_slice().into(),
            rules: cp.rules.iter().map(|r| (*r).into()).collect(),
            carried: std::borrow::Cow::Borrowed(&cp.carried),
            findings: cp
                .findings
                .iter()
                .map(|f| StoredFinding::of(f, crate::rules::help_of(f.rule)))
                .collect(),
            errors: cp.errors.iter().map(StoredError::of).collect(),
            statements: cp.statements,
            narrowed: cp.narrowed,
            memo: cp.memo,
            splits: cp.splits.as_slice().into(),
        };
        let model = crate::catalog::chunked::apart(|| {
            crate::catalog::sharing(|| postcard::to_stdvec(cp.replayer))
        })
        .map_err(std::io::Error::other)?;
        let tables = crate::catalog::chunked::write(&cp.replayer.catalog.tables)
            .map_err(std::io::Error::other)?;
        let rest = postcard::to_stdvec(&rest).map_err(std::io::Error::other)?;
        let mut payload = Vec::with_capacity(16 + model.len() + tables.len() + rest.len());
        for section in [&model, &tables] {
            payload.extend_from_slice(&(section.len() as u64).to_le_bytes());
            payload.extend_from_slice(section);
        }
        payload.extend_from_slice(&rest);
        std::fs::create_dir_all(&self.dir)?;
        let path = self.path();
        let tmp = path.with_extension(format!(
            "{}.{}.tmp",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos())
        ));
        let write = || -> std::io::Result<()> {
            let mut file = std::fs::File::create(&tmp)?;
            file.write_all(MARK)?;
            file.write_all(&self.key)?;
            file.write_all(payload_hash(&payload).as_bytes())?;
            file.write_all(&payload)?;
            std::fs::rename(&tmp, &path)
        };
        let result = write();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result?;
        trim(&self.dir, DIR_BOUND, &path);
        Ok(())
    }
}

/// The hash a checkpoint file carries of its content, on every core: at
/// 6,000 tables the file holds about 20 MB, which took 6 ms to hash on one
/// core of a warm lint's 0.15 s.
fn payload_hash(payload: &[u8]) -> blake3::Hash {
    blake3::Hasher::new().update_rayon(payload).finalize()
}

/// What tells this build of pgvet from another: its version, and the size
/// and modification time of its executable (a rebuilt binary reads a
/// checkpoint's model differently, and its rules may find other things).
fn build_identity() -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    let meta = std::fs::metadata(exe).ok()?;
    let modified = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some(format!(
        "pgvet {} {} {}.{:09}",
        env!("CARGO_PKG_VERSION"),
        meta.len(),
        modified.as_secs(),
        modified.subsec_nanos()
    ))
}

/// Removes the checkpoint files of `dir` used least recently (by
/// modification time; a lint that uses one touches it) until the rest fit
/// in `bound` bytes, and temporary files left by runs that died an hour or
/// more ago. `keep` stays whatever its size.
fn trim(dir: &Path, bound: u64, keep: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let now = std::time::SystemTime::now();
    let mut files = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(meta) = entry.metadata() else { continue };
        let modified = meta.modified().unwrap_or(now);
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.ends_with(".tmp") {
            let old = now
                .duration_since(modified)
                .is_ok_and(|age| age.as_secs() >= 3600);
            if old {
                let _ = std::fs::remove_file(&path);
            }
        } else if name.ends_with(".checkpoint") && path != keep {
            files.push((modified, meta.len(), path));
        }
    }
    let kept = std::fs::metadata(keep).map_or(0, |m| m.len());
    let mut total: u64 = kept + files.iter().map(|(_, len, _)| len).sum::<u64>();
    files.sort();
    for (_, len, path) in files {
        if total <= bound {
            break;
        }
        if std::fs::remove_file(&path).is_ok() {
            total = total.saturating_sub(len);
        }
    }
}

/// Marks the slot's file as used now (for [`trim`]).
pub fn touch(path: &Path) {
    if let Ok(file) = std::fs::File::options().append(true).open(path) {
        let _ = file.set_modified(std::time::SystemTime::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trim_removes_the_least_recently_used_beyond_the_bound() {
        let dir = tempfile::tempdir().unwrap();
        let at =
            |secs_ago: u64| std::time::SystemTime::now() - std::time::Duration::from_secs(secs_ago);
        let file = |name: &str, len: usize, secs_ago: u64| {
            let path = dir.path().join(name);
            std::fs::write(&path, vec![0u8; len]).unwrap();
            let f = std::fs::File::options().append(true).open(&path).unwrap();
            f.set_modified(at(secs_ago)).unwrap();
            path
        };
        let oldest = file("a.checkpoint", 100, 300);
        let older = file("b.checkpoint", 100, 200);
        let newer = file("c.checkpoint", 100, 100);
        // The file just written stays, however large and old.
        let kept = file("d.checkpoint", 500, 400);
        let stale_tmp = file("e.checkpoint.1.2.tmp", 10, 7200);
        let fresh_tmp = file("f.checkpoint.3.4.tmp", 10, 10);
        let other = file("notes.txt", 1000, 500);
        trim(dir.path(), 650, &kept);
        assert!(!oldest.exists());
        assert!(!older.exists());
        assert!(newer.exists());
        assert!(kept.exists());
        assert!(!stale_tmp.exists(), "a run that died long ago left it");
        assert!(fresh_tmp.exists(), "a run may be writing it");
        assert!(other.exists(), "not the cache's");
    }

    #[test]
    fn a_slot_is_named_by_its_key() {
        let dir = PathBuf::from("/nonexistent");
        let a = Store::new(dir.clone(), "config a").unwrap();
        let b = Store::new(dir.clone(), "config b").unwrap();
        assert_ne!(a.path(), b.path());
        assert_eq!(a.path(), Store::new(dir, "config a").unwrap().path());
        assert!(a.load().is_none());
    }
}
