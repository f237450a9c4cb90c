//! The replay checkpoint cache of `pgvet lint` (src/cache.rs): a lint that
//! starts from it reports what a lint without it reports; a damaged or
//! foreign cache file is ignored and written again; runs at the same time
//! agree.

use std::path::PathBuf;
use std::process::{Command, Output};

/// Earlier files: tables, a policy, a function, rows written (what a
/// session carries into later files), a drop, and a suppression comment
/// that covers a schema finding placed in its file.
const FIRST: &str = "\
create table public.accounts (
  id bigint generated always as identity primary key,
  email text not null
);
create table public.posts (
  id bigint primary key,
  account_id bigint references public.accounts (id),
  body text
);
alter table public.posts enable row level security;
create policy posts_read on public.posts for select using (true);
create function public.touch() returns trigger language plpgsql as $$
begin
  new.body := coalesce(new.body, '');
  return new;
end
$$;
insert into public.accounts (email) values ('a@example.com');
";

const SECOND: &str = "\
-- pgvet-ignore-file fk-missing-index: the comments table stays small
create table public.comments (
  id bigint primary key,
  post_id bigint not null references public.posts (id),
  note text
);
drop table if exists public.legacy;
drop index if exists public.legacy_idx;
create index posts_account_idx on public.posts (account_id);
";

const LAST: &str = "\
alter table public.accounts add column name text not null default 'x';
alter table public.comments add constraint comments_note_len check (char_length(note) < 500);
drop index if exists public.legacy_idx;
";

/// The last file edited: a new table (schema rules see it), and changes to
/// tables of the earlier files (one of them written to by FIRST).
const LAST_EDITED: &str = "\
create table public.tags (id bigint primary key, post_id bigint references public.posts (id));
alter table public.accounts alter column email type varchar(200);
drop policy posts_read on public.posts;
";

struct Project {
    dir: tempfile::TempDir,
    cache: tempfile::TempDir,
}

impl Project {
    fn new() -> Project {
        let project = Project {
            dir: tempfile::tempdir().unwrap(),
            cache: tempfile::tempdir().unwrap(),
        };
        project.write("001_first.sql", FIRST);
        project.write("002_second.sql", SECOND);
        project.write("003_last.sql", LAST);
        project
    }

    fn write(&self, name: &str, text: &str) {
        let path = self.dir.path().join("migrations").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn lint(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_pgvet"))
            .arg("lint")
            .arg("migrations")
            .args(["--format", "json"])
            .args(args)
            .current_dir(self.dir.path())
            .env("PGVET_CACHE_DIR", self.cache.path())
            .env("PGVET_CACHE_MIN_STATEMENTS", "0")
            .env("PGVET_TIMING", "1")
            .env_remove("NO_COLOR")
            .output()
            .expect("run pgvet")
    }

    /// The report of a lint without the cache.
    fn expected(&self, args: &[&str]) -> String {
        let mut all = vec!["--no-cache"];
        all.extend_from_slice(args);
        let out = self.lint(&all);
        assert!(!resumed(&out), "--no-cache read the cache");
        stdout(&out)
    }

    /// The checkpoint files in the cache directory.
    fn checkpoints(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.cache.path())
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.retain(|p| p.extension().is_some_and(|e| e == "checkpoint"));
        files.sort();
        files
    }

    /// The one checkpoint file of the project.
    fn checkpoint(&self) -> PathBuf {
        let files = self.checkpoints();
        assert_eq!(files.len(), 1, "{files:?}");
        files.into_iter().next().unwrap()
    }
}

fn stdout(o: &Output) -> String {
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Whether the lint started from a checkpoint (PGVET_TIMING says so).
fn resumed(o: &Output) -> bool {
    String::from_utf8_lossy(&o.stderr).contains("cache: resumed after")
}

fn rules_found(json: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_lint_from_the_checkpoint_reports_what_a_lint_without_it_does() {
    let p = Project::new();
    let expected = p.expected(&[]);
    assert!(
        rules_found(&expected).len() >= 3,
        "the project should have findings: {expected}"
    );
    let cold = p.lint(&[]);
    assert!(!resumed(&cold), "nothing to resume from yet");
    assert_eq!(stdout(&cold), expected);
    p.checkpoint();

    let warm = p.lint(&[]);
    assert!(resumed(&warm), "{}", String::from_utf8_lossy(&warm.stderr));
    assert!(String::from_utf8_lossy(&warm.stderr).contains("resumed after 2 of 3 files"));
    assert_eq!(stdout(&warm), expected);

    // The file after the checkpoint changed: still resumed, still exact.
    p.write("003_last.sql", LAST_EDITED);
    let expected = p.expected(&[]);
    let warm = p.lint(&[]);
    assert!(resumed(&warm));
    assert_eq!(stdout(&warm), expected);

    // Only one file's findings kept (what a pre-commit hook asks).
    let only = ["--only", "migrations/003_last.sql"];
    let expected_only = p.expected(&only);
    let warm = p.lint(&only);
    assert!(resumed(&warm));
    assert_eq!(stdout(&warm), expected_only);

    // A file before the checkpoint changed: the lint starts over, and
    // leaves a checkpoint the next one resumes from.
    p.write(
        "002_second.sql",
        &SECOND.replace("note text", "note text not null"),
    );
    let expected = p.expected(&[]);
    let cold = p.lint(&[]);
    assert!(!resumed(&cold));
    assert_eq!(stdout(&cold), expected);
    let warm = p.lint(&[]);
    assert!(resumed(&warm));
    assert_eq!(stdout(&warm), expected);

    // A file added after the others: resumed before the file that was
    // last, exact.
    p.write(
        "004_added.sql",
        "create table public.audit_log (id bigint);\n",
    );
    let expected = p.expected(&[]);
    let out = p.lint(&[]);
    assert!(resumed(&out));
    assert_eq!(stdout(&out), expected);
}

/// An `--only` lint reads back, of the schema findings the checkpoint
/// keeps, only those placed in the files it reports: here every one of
/// them comes from there (no table changed since the lint that wrote it),
/// and they are what a lint without the cache reports.
#[test]
fn an_only_lint_takes_its_files_schema_findings_from_the_checkpoint() {
    let p = Project::new();
    p.write("003_last.sql", LAST_EDITED);
    let only = ["--only", "migrations/003_last.sql"];
    let expected = p.expected(&only);
    for rule in [
        "fk-missing-index",
        "fk-missing-on-delete",
        "case-insensitive-unique",
    ] {
        assert!(
            rules_found(&expected).iter().any(|r| r == rule),
            "{rule}: {expected}"
        );
    }
    stdout(&p.lint(&[]));
    let warm = p.lint(&only);
    let stderr = String::from_utf8_lossy(&warm.stderr);
    assert!(resumed(&warm), "{stderr}");
    assert!(stderr.contains("schema memo: 0 tables changed"), "{stderr}");
    assert_eq!(stdout(&warm), expected);
}

/// The checkpoint keeps what the PL/pgSQL parser made of each body: a
/// lint from it reports the bodies it cannot read as a lint without the
/// cache does, after the last file renames or replaces such a function.
#[test]
fn a_lint_from_the_checkpoint_judges_function_bodies_as_a_lint_without_it() {
    let p = Project::new();
    p.write(
        "002_second.sql",
        &format!(
            "{SECOND}create function public.broken() returns int language plpgsql as $$ begin retrun 1; end $$;\n"
        ),
    );
    let edits = [
        LAST,
        "alter function public.broken() rename to broken_renamed;\n",
        "create or replace function public.touch() returns trigger language plpgsql as $$ begin retrun new; end $$;\n",
        "drop function public.broken();\n",
    ];
    stdout(&p.lint(&[]));
    for last in edits {
        p.write("003_last.sql", last);
        let expected = p.expected(&[]);
        let warm = p.lint(&[]);
        assert!(resumed(&warm), "{last}");
        assert_eq!(stdout(&warm), expected, "{last}");
        if last == LAST {
            assert!(
                rules_found(&expected)
                    .iter()
                    .any(|r| r == "body-not-analyzed"),
                "{expected}"
            );
        }
    }
}

#[test]
fn another_config_does_not_resume_from_the_checkpoint() {
    let p = Project::new();
    let strict = ["--assume-existing"];
    stdout(&p.lint(&[]));
    let expected = p.expected(&strict);
    let out = p.lint(&strict);
    assert!(!resumed(&out), "another config's checkpoint was used");
    assert_eq!(stdout(&out), expected);
    assert_eq!(p.checkpoints().len(), 2, "one slot per config");
}

/// What the session carries from file to file holds across the
/// checkpoint: under --assume-existing, an index the second file dropped
/// is gone for the last file (whose DROP INDEX IF EXISTS drops nothing
/// and takes no lock).
#[test]
fn what_the_run_dropped_stays_dropped_after_the_checkpoint() {
    let p = Project::new();
    let args = ["--assume-existing"];
    let expected = p.expected(&args);
    let v: serde_json::Value = serde_json::from_str(&expected).unwrap();
    let in_last = |rule: &str| {
        v["findings"].as_array().unwrap().iter().any(|f| {
            f["rule"] == rule
                && f["location"]["file"]
                    .as_str()
                    .is_some_and(|f| f.ends_with("003_last.sql"))
        })
    };
    assert!(!in_last("require-concurrent-index-deletion"), "{expected}");
    stdout(&p.lint(&args));
    let warm = p.lint(&args);
    assert!(resumed(&warm));
    assert_eq!(stdout(&warm), expected);
}

/// `--only` runs the statement rules on the files it keeps only: the
/// checkpoint such a lint leaves lacks the statement findings of the files
/// before it, so only a lint that keeps none of those files resumes from it.
#[test]
fn a_checkpoint_of_an_only_lint_serves_only_lints_that_keep_later_files() {
    let p = Project::new();
    let last = ["--only", "migrations/003_last.sql"];
    let second = ["--only", "migrations/002_second.sql"];
    let expected_all = p.expected(&[]);
    let expected_last = p.expected(&last);
    let expected_second = p.expected(&second);
    assert!(
        rules_found(&expected_all).len() > rules_found(&expected_last).len(),
        "the earlier files should have findings of their own"
    );

    let out = p.lint(&last);
    assert!(!resumed(&out));
    assert_eq!(stdout(&out), expected_last);
    let out = p.lint(&last);
    assert!(resumed(&out), "the same --only lint resumes");
    assert_eq!(stdout(&out), expected_last);

    // A whole lint needs the earlier files' statement findings.
    let out = p.lint(&[]);
    assert!(
        !resumed(&out),
        "a whole lint resumed from an --only checkpoint"
    );
    assert_eq!(stdout(&out), expected_all);

    // The whole lint left a checkpoint with every finding: an --only
    // lint resumes from it.
    let out = p.lint(&last);
    assert!(resumed(&out));
    assert_eq!(stdout(&out), expected_last);

    // An --only lint of an earlier file resumes from a whole lint's
    // checkpoint after it (which has that file's findings too).
    let out = p.lint(&second);
    assert!(resumed(&out));
    assert_eq!(stdout(&out), expected_second);

    // From an --only lint's checkpoint after it, it does not: it starts
    // over, and leaves a checkpoint before its file.
    let fresh = Project::new();
    let expected_second = fresh.expected(&second);
    stdout(&fresh.lint(&last));
    let out = fresh.lint(&second);
    assert!(
        !resumed(&out),
        "resumed from a checkpoint without its file's findings"
    );
    assert_eq!(stdout(&out), expected_second);
    let out = fresh.lint(&second);
    assert!(String::from_utf8_lossy(&out.stderr).contains("resumed after 1 of 3 files"));
    assert_eq!(stdout(&out), expected_second);
}

#[test]
fn no_cache_neither_reads_nor_writes() {
    let p = Project::new();
    p.expected(&[]);
    assert!(p.checkpoints().is_empty());
}

/// Damaged and foreign files in the slot: each is ignored (the lint is the
/// same as without the cache, and does not resume), then replaced by a
/// sound one that the next lint resumes from.
#[test]
fn a_damaged_or_foreign_cache_file_is_ignored_and_written_again() {
    let p = Project::new();
    let expected = p.expected(&[]);
    stdout(&p.lint(&[]));
    let slot = p.checkpoint();
    let sound = std::fs::read(&slot).unwrap();

    // Another config's checkpoint, renamed into this slot.
    let other = Project::new();
    stdout(&other.lint(&["--assume-existing"]));
    let foreign = std::fs::read(other.checkpoint()).unwrap();

    let mut flipped = sound.clone();
    let at = flipped.len() - 10;
    flipped[at] ^= 0x20;
    let mut header_flipped = sound.clone();
    header_flipped[3] ^= 0x01;
    let garbage: Vec<u8> = (0..sound.len()).map(|i| (i * 7919 % 251) as u8).collect();
    let damaged: Vec<(&str, Vec<u8>)> = vec![
        ("truncated", sound[..sound.len() / 2].to_vec()),
        ("a byte of the content changed", flipped),
        ("a byte of the mark changed", header_flipped),
        ("empty", Vec::new()),
        ("not a checkpoint", garbage),
        ("another slot's", foreign),
    ];
    for (what, bytes) in damaged {
        std::fs::write(&slot, &bytes).unwrap();
        let out = p.lint(&[]);
        assert!(!resumed(&out), "{what}: resumed from it");
        assert_eq!(stdout(&out), expected, "{what}");
        let out = p.lint(&[]);
        assert!(resumed(&out), "{what}: not written again");
        assert_eq!(stdout(&out), expected, "{what}");
    }
}

#[test]
fn lints_at_the_same_time_agree() {
    let p = Project::new();
    let expected = p.expected(&[]);
    let runs: Vec<_> = (0..6)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_pgvet"))
                .args(["lint", "migrations", "--format", "json"])
                .current_dir(p.dir.path())
                .env("PGVET_CACHE_DIR", p.cache.path())
                .env("PGVET_CACHE_MIN_STATEMENTS", "0")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for run in runs {
        assert_eq!(stdout(&run.wait_with_output().unwrap()), expected);
    }
    // No temporary file left, and the slot is sound.
    let left: Vec<_> = std::fs::read_dir(p.cache.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left.len(), 1, "{left:?}");
    let out = p.lint(&[]);
    assert!(resumed(&out));
    assert_eq!(stdout(&out), expected);
}

/// A small history is not worth a cache file.
#[test]
fn a_short_history_writes_no_checkpoint() {
    let p = Project::new();
    let out = Command::new(env!("CARGO_BIN_EXE_pgvet"))
        .args(["lint", "migrations"])
        .current_dir(p.dir.path())
        .env("PGVET_CACHE_DIR", p.cache.path())
        .env_remove("PGVET_CACHE_MIN_STATEMENTS")
        .output()
        .unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)));
    assert!(p.checkpoints().is_empty());
}
