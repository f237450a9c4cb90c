//! `pgvet lint --changed-since REF` and `--staged`: every migration is still
//! replayed (later files need the schema the earlier ones built), but only
//! findings located in files git reports as changed are kept. Schema-rule
//! findings are located where their object was declared, so they count when
//! that declaration is in a changed file.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::findings::changed::Applied;
use crate::findings::{printable, Report};

/// Which files count as changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Files that differ between the merge base of the ref and HEAD, and the
    /// working tree (committed, staged or not), plus untracked files.
    Since(String),
    /// Files staged in the index (`git diff --cached`), as a pre-commit hook
    /// sees them.
    Staged,
    /// The files named on the command line (`--only`), as pre-commit passes
    /// them; no git involved.
    Listed(Vec<PathBuf>),
}

/// The changed files of one repository, canonicalized.
#[derive(Debug, Clone)]
pub struct Changed {
    pub scope: Scope,
    pub root: PathBuf,
    pub files: BTreeSet<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    // Not a `source`: anyhow's `{:#}` would print the OS error twice.
    #[error("cannot run git in {}: {}", dir.display(), crate::source::migrations::files::io_reason(.error))]
    Spawn { dir: PathBuf, error: std::io::Error },
    #[error("{} is not in a git repository ({message})", dir.display())]
    NotARepository { dir: PathBuf, message: String },
    #[error("unknown git ref `{reference}` in {}: fetch it first (in CI, check out with full history)", root.display())]
    UnknownRef { reference: String, root: PathBuf },
    #[error("`git {command}` failed in {}: {message}", root.display())]
    Failed {
        command: String,
        root: PathBuf,
        message: String,
    },
}

/// The files given to `--only`, canonicalized (relative ones against
/// `cwd`); a name that does not exist holds no findings and is dropped.
pub fn listed_files(given: &[PathBuf], cwd: &Path) -> Changed {
    let files = given
        .iter()
        .filter_map(|p| cwd.join(p).canonicalize().ok())
        .collect();
    Changed {
        scope: Scope::Listed(given.to_vec()),
        root: cwd.to_path_buf(),
        files,
    }
}

/// The top level of the git work tree that holds `dir`, if git knows one.
pub fn top_level(dir: &Path) -> Option<PathBuf> {
    let top = git(dir, &["rev-parse", "--show-toplevel"]).ok()?;
    let top = PathBuf::from(top.trim_end_matches(['\n', '\r']));
    top.canonicalize().ok()
}

/// Asks git, in the repository that holds `dir`, which files changed.
pub fn changed_files(dir: &Path, scope: Scope) -> Result<Changed, GitError> {
    let top = git(dir, &["rev-parse", "--show-toplevel"]).map_err(|e| match e {
        GitError::Failed { message, .. } => GitError::NotARepository {
            dir: dir.to_path_buf(),
            message,
        },
        other => other,
    })?;
    let top = PathBuf::from(top.trim_end_matches(['\n', '\r']));
    let root = top.canonicalize().unwrap_or(top);
    let mut names = Vec::new();
    match &scope {
        Scope::Since(reference) => {
            let commit = format!("{reference}^{{commit}}");
            let sha = git(
                &root,
                &[
                    "rev-parse",
                    "--verify",
                    "--quiet",
                    "--end-of-options",
                    &commit,
                ],
            )
            .map_err(|e| match e {
                GitError::Failed { .. } => GitError::UnknownRef {
                    reference: reference.clone(),
                    root: root.clone(),
                },
                other => other,
            })?;
            let sha = sha.trim().to_string();
            // The merge base, so that files changed on the target branch
            // since this branch left it do not count; without one (unrelated
            // histories, a shallow clone) the ref itself.
            let base = git(&root, &["merge-base", &sha, "HEAD"])
                .map(|b| b.trim().to_string())
                .unwrap_or(sha);
            let diff = git(
                &root,
                &["diff", "--name-only", "-z", "--diff-filter=d", &base, "--"],
            )?;
            names.extend(split_z(&diff));
            let untracked = git(&root, &["ls-files", "--others", "--exclude-standard", "-z"])?;
            names.extend(split_z(&untracked));
        }
        Scope::Staged => {
            let diff = git(
                &root,
                &["diff", "--cached", "--name-only", "-z", "--diff-filter=d"],
            )?;
            names.extend(split_z(&diff));
        }
        // Named on the command line: `listed_files` reads them without git.
        Scope::Listed(given) => return Ok(listed_files(given, dir)),
    }
    // git prints paths relative to the top level; deleted files do not
    // canonicalize and hold no findings anyway.
    let files = names
        .into_iter()
        .filter_map(|n| root.join(n).canonicalize().ok())
        .collect();
    Ok(Changed { scope, root, files })
}

/// The directory to ask git in: the first path's (its parent for a file),
/// else `cwd`.
pub fn repository_dir(paths: &[PathBuf], cwd: &Path) -> PathBuf {
    let Some(first) = paths.first() else {
        return cwd.to_path_buf();
    };
    let first = cwd.join(first);
    if first.is_dir() {
        first
    } else {
        first
            .parent()
            .filter(|p| p.is_dir())
            .map_or_else(|| cwd.to_path_buf(), Path::to_path_buf)
    }
}

/// Keeps the findings located in changed files (input errors are all kept:
/// an unreadable file makes the replay, and so every finding, unreliable),
/// and records the scope in `report.changed`.
pub fn apply(report: &mut Report, changed: &Changed) {
    let mut is_changed: HashMap<String, bool> = HashMap::new();
    for src in &report.sources {
        let hit = Path::new(&src.path)
            .canonicalize()
            .is_ok_and(|p| changed.files.contains(&p));
        is_changed.insert(src.path.clone(), hit);
    }
    report.findings.retain(|f| {
        f.location.as_ref().is_some_and(|l| {
            *is_changed.entry(l.file.clone()).or_insert_with(|| {
                Path::new(&l.file)
                    .canonicalize()
                    .is_ok_and(|p| changed.files.contains(&p))
            })
        })
    });
    report.summary.findings = report.findings.len();
    let files = report
        .sources
        .iter()
        .filter(|s| is_changed.get(&s.path).copied().unwrap_or(false))
        .map(|s| s.path.clone())
        .collect();
    let (since, staged, only) = match &changed.scope {
        Scope::Since(r) => (Some(r.clone()), false, false),
        Scope::Staged => (None, true, false),
        Scope::Listed(_) => (None, false, true),
    };
    report.changed = Some(Applied {
        since,
        staged,
        only,
        files,
    });
}

impl Applied {
    /// The note human output ends with.
    pub fn human_note(&self) -> String {
        let which = match &self.since {
            Some(r) => format!("changed since {}", printable(r)),
            None if self.only => "given to --only".to_string(),
            None => "staged".to_string(),
        };
        match self.files.len() {
            0 => format!("no linted file is {which}: findings of other files are not shown\n"),
            n => format!(
                "findings shown only for the {} {which}: {}\n",
                if n == 1 {
                    "1 file".to_string()
                } else {
                    format!("{n} files")
                },
                printable(&self.files.join(", "))
            ),
        }
    }
}

/// Runs `git -C dir args…` and returns its stdout.
fn git(dir: &Path, args: &[&str]) -> Result<String, GitError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|error| GitError::Spawn {
            dir: dir.to_path_buf(),
            error,
        })?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(GitError::Failed {
            command: args.join(" "),
            root: dir.to_path_buf(),
            message: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        })
    }
}

fn split_z(out: &str) -> impl Iterator<Item = String> + '_ {
    out.split('\0')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}
