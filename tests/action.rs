//! The GitHub Action's script (scripts/github-action.sh, run by action.yml)
//! run here as a step would run on GitHub: a checkout of a pull request's
//! branch with the base branch fetched, GITHUB_BASE_REF set, and temporary
//! files for GITHUB_STEP_SUMMARY and GITHUB_OUTPUT; the binary under test
//! comes in through `PGVET`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Variables the step gets from GitHub or action.yml, removed so that a run
/// of this test inside GitHub Actions sees only what each case sets.
const STEP_VARS: &[&str] = &[
    "GITHUB_BASE_REF",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_OUTPUT",
    "INPUT_PATH",
    "INPUT_FORMAT",
    "INPUT_FAIL_ON",
    "INPUT_CHANGED_SINCE",
    "INPUT_SARIF",
    "INPUT_SARIF_FILE",
    "INPUT_ARGS",
];

fn tools_missing() -> bool {
    let missing = ["git", "jq", "bash"].into_iter().find(|tool| {
        Command::new(tool)
            .arg("--version")
            .output()
            .map_or(true, |o| !o.status.success())
    });
    if let Some(tool) = missing {
        eprintln!("skipped: {tool} is not installed (GitHub's runners have it)");
    }
    missing.is_some()
}

fn git(dir: &Path, args: &[&str]) {
    let o = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "git {args:?}: {o:?}");
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A repository whose `main` has a table without a primary key (an old
/// finding) and whose checked-out branch adds another in a new migration;
/// `origin/main` is there as `actions/checkout` with `fetch-depth: 0`
/// leaves it.
fn pull_request() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    git(dir, &["init", "-q", "-b", "main"]);
    write(
        dir,
        "migrations/001_old.sql",
        "create table public.old (id bigint);\n",
    );
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "base"]);
    git(dir, &["update-ref", "refs/remotes/origin/main", "main"]);
    git(dir, &["checkout", "-q", "-b", "feature"]);
    write(
        dir,
        "migrations/002_new.sql",
        "create table public.new (id bigint);\n",
    );
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "feature"]);
    d
}

struct Step {
    output: Output,
    summary: String,
    outputs: String,
}

impl Step {
    fn code(&self) -> Option<i32> {
        self.output.status.code()
    }

    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    /// `name=value` lines of GITHUB_OUTPUT, for `name`.
    fn output(&self, name: &str) -> Option<&str> {
        self.outputs
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix('='))
    }
}

/// Runs the script in `dir` with these variables set.
fn step(dir: &Path, vars: &[(&str, &str)]) -> Step {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/github-action.sh");
    let files = tempfile::tempdir().unwrap();
    let summary = files.path().join("step_summary.md");
    let outputs = files.path().join("output");
    std::fs::write(&summary, "").unwrap();
    std::fs::write(&outputs, "").unwrap();
    let mut cmd = Command::new("bash");
    cmd.arg(&script).current_dir(dir);
    for var in STEP_VARS {
        cmd.env_remove(var);
    }
    let output = cmd
        .env("PGVET", env!("CARGO_BIN_EXE_pgvet"))
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .env_remove("NO_COLOR")
        .envs(vars.iter().copied())
        .output()
        .unwrap();
    Step {
        output,
        summary: std::fs::read_to_string(&summary).unwrap(),
        outputs: std::fs::read_to_string(&outputs).unwrap(),
    }
}

const ROW: &str = "| `table-without-primary-key` | warning | 1 | 0 | Table without a primary key |";

#[test]
fn a_pull_request_reports_what_it_changes_in_the_summary_and_outputs() {
    if tools_missing() {
        return;
    }
    let repo = pull_request();
    let s = step(repo.path(), &[("GITHUB_BASE_REF", "main")]);
    // A warning, and the step fails on errors only by default.
    assert_eq!(s.code(), Some(0), "{:?}", s.output);
    assert!(
        s.stdout().contains(
            "::warning file=migrations/002_new.sql,line=1,col=1,endLine=1,endColumn=36,title=table-without-primary-key::"
        ),
        "annotations in the log:\n{}",
        s.stdout()
    );
    assert!(!s.stdout().contains("001_old.sql"), "{}", s.stdout());
    assert!(
        s.summary.contains(
            "1 finding(s) and 0 input error(s) in 2 file(s) (only files changed since `origin/main`)."
        ),
        "{}",
        s.summary
    );
    assert!(
        s.summary.contains(
            "| Rule | Severity | Findings | Fixable | Title |\n| --- | --- | ---: | ---: | --- |\n"
        ),
        "{}",
        s.summary
    );
    assert!(s.summary.contains(ROW), "{}", s.summary);
    assert_eq!(s.output("findings"), Some("1"), "{}", s.outputs);
    assert_eq!(s.output("errors"), Some("0"), "{}", s.outputs);
    assert_eq!(s.output("sarif-file"), None);

    let s = step(
        repo.path(),
        &[("GITHUB_BASE_REF", "main"), ("INPUT_FAIL_ON", "warning")],
    );
    assert_eq!(s.code(), Some(1), "fail-on warning fails the step");
}

#[test]
fn a_push_lints_every_file_and_sarif_covers_every_file() {
    if tools_missing() {
        return;
    }
    let repo = pull_request();
    // No GITHUB_BASE_REF: not a pull request.
    let s = step(
        repo.path(),
        &[
            ("INPUT_SARIF", "true"),
            ("INPUT_FORMAT", "concise"),
            ("INPUT_PATH", "migrations"),
        ],
    );
    assert_eq!(s.code(), Some(0), "{:?}", s.output);
    assert!(s.summary.contains("2 finding(s)"), "{}", s.summary);
    assert!(!s.summary.contains("changed since"), "{}", s.summary);
    assert!(
        s.summary
            .contains("| `table-without-primary-key` | warning | 2 | 0 |"),
        "{}",
        s.summary
    );
    assert_eq!(s.output("findings"), Some("2"));
    assert_eq!(s.output("sarif-file"), Some("pgvet.sarif"));
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo.path().join("pgvet.sarif")).unwrap())
            .unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 2);

    // On a pull request too, SARIF has every file: code scanning closes the
    // alerts of files an upload leaves out.
    let s = step(
        repo.path(),
        &[("GITHUB_BASE_REF", "main"), ("INPUT_SARIF", "true")],
    );
    assert_eq!(s.output("findings"), Some("1"));
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo.path().join("pgvet.sarif")).unwrap())
            .unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 2);
}

#[test]
fn an_unfetched_base_warns_and_lints_every_file() {
    if tools_missing() {
        return;
    }
    let repo = pull_request();
    let s = step(repo.path(), &[("GITHUB_BASE_REF", "release")]);
    assert_eq!(s.code(), Some(0), "{:?}", s.output);
    assert!(
        s.stdout()
            .contains("::warning title=pgvet::base branch release not fetched"),
        "{}",
        s.stdout()
    );
    assert_eq!(s.output("findings"), Some("2"));
}

#[test]
fn input_errors_fail_the_step_and_are_listed() {
    if tools_missing() {
        return;
    }
    let repo = pull_request();
    write(
        repo.path(),
        "migrations/003_bad.sql",
        "create tabel x ();\n",
    );
    let s = step(repo.path(), &[("GITHUB_BASE_REF", "main")]);
    assert_eq!(s.code(), Some(2), "{:?}", s.output);
    assert_eq!(s.output("errors"), Some("1"), "{}", s.outputs);
    assert!(
        s.summary.contains(
            "Input pgvet could not use (the lint is incomplete):\n\n- `migrations/003_bad.sql`:1: "
        ),
        "{}",
        s.summary
    );
}

#[test]
fn a_usage_error_says_so_in_the_summary() {
    if tools_missing() {
        return;
    }
    let repo = pull_request();
    let s = step(repo.path(), &[("INPUT_FAIL_ON", "sometimes")]);
    assert_eq!(s.code(), Some(2));
    let s = step(repo.path(), &[("INPUT_ARGS", "--no-such-flag")]);
    assert_eq!(s.code(), Some(2));
    assert!(
        s.summary.contains("pgvet lint exited 2 without a report"),
        "{}",
        s.summary
    );
    assert_eq!(s.output("findings"), None);
}
