//! `pgvet baseline write`, `lint --baseline`, `lint --changed-since` and
//! `lint --staged`, through the binary in throwaway directories and git
//! repositories.

use std::path::Path;
use std::process::{Command, Output};

fn pgvet(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgvet"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run pgvet")
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

fn write(dir: &Path, name: &str, sql: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, sql).unwrap();
}

/// (rule, file name, line) of each finding of a JSON report.
fn findings(report: &serde_json::Value) -> Vec<(String, String, u64)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let file = f["location"]["file"].as_str().unwrap_or_default();
            let name = Path::new(file).file_name().unwrap().to_string_lossy();
            (
                f["rule"].as_str().unwrap().to_string(),
                name.into_owned(),
                f["location"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

const PK: &str = "table-without-primary-key";

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn baseline_write_records_sorted_entries() {
    let d = tmp();
    write(d.path(), "m/001.sql", "create table b (id bigint);\n");
    write(d.path(), "m/002.sql", "create table a (id bigint);\n");
    let o = pgvet(d.path(), &["baseline", "write", "--select", PK, "m"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("2 entries"), "{}", text(&o));
    let file = std::fs::read_to_string(d.path().join("pgvet-baseline.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&file).unwrap();
    assert_eq!(doc["version"], 1);
    assert_eq!(
        doc["tool"],
        format!("pgvet {}", env!("CARGO_PKG_VERSION")).as_str()
    );
    let entries = doc["entries"].as_array().unwrap();
    let objects: Vec<&str> = entries
        .iter()
        .map(|e| e["object"].as_str().unwrap())
        .collect();
    // Sorted by rule, then object: not in file order.
    assert_eq!(objects, ["public.a", "public.b"]);
    for e in entries {
        assert_eq!(e["rule"], PK);
        assert_eq!(e["fingerprint"].as_str().unwrap().len(), 16, "{e}");
        assert!(
            e["message"].as_str().unwrap().contains("primary key"),
            "{e}"
        );
    }
    // Same input, same file: stable for diffs.
    pgvet(
        d.path(),
        &[
            "baseline",
            "write",
            "--select",
            PK,
            "--output",
            "again.json",
            "m",
        ],
    );
    assert_eq!(
        std::fs::read_to_string(d.path().join("again.json")).unwrap(),
        file
    );
}

#[test]
fn baseline_hides_recorded_findings_after_unrelated_edits() {
    let d = tmp();
    write(d.path(), "m/001.sql", "create table a (\n  id bigint\n);\n");
    write(d.path(), "m/002.sql", "create table b (id bigint);\n");
    let write_baseline = pgvet(d.path(), &["baseline", "write", "--select", PK, "m"]);
    assert_eq!(
        write_baseline.status.code(),
        Some(0),
        "{}",
        text(&write_baseline)
    );

    let lint = [
        "lint",
        "--select",
        PK,
        "--baseline",
        "pgvet-baseline.json",
        "m",
    ];
    let o = pgvet(d.path(), &lint);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("baseline pgvet-baseline.json: 2 findings suppressed"),
        "{}",
        text(&o)
    );

    // Lines move, comments, case and spacing change: still the same findings.
    write(
        d.path(),
        "m/001.sql",
        "create table c (id bigint primary key);\n\n-- the first table\nCREATE  TABLE a (\n    id BIGINT -- a key later\n);\n",
    );
    let o = pgvet(d.path(), &lint);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // A new finding is reported, and only it.
    write(d.path(), "m/003.sql", "create table d (id bigint);\n");
    let mut with_json = lint.to_vec();
    with_json.extend(["--format", "json"]);
    let o = pgvet(d.path(), &with_json);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let report = json(&o);
    assert_eq!(findings(&report), [(PK.to_string(), "003.sql".into(), 1)]);
    assert_eq!(report["summary"]["findings"], 1);
    assert_eq!(report["baseline"]["file"], "pgvet-baseline.json");
    assert_eq!(report["baseline"]["suppressed"], 2);
    assert_eq!(report["baseline"]["stale"], serde_json::json!([]));
}

#[test]
fn fixed_finding_is_listed_as_stale() {
    let d = tmp();
    write(d.path(), "m/001.sql", "create table a (id bigint);\n");
    write(d.path(), "m/002.sql", "create table b (id bigint);\n");
    pgvet(d.path(), &["baseline", "write", "--select", PK, "m"]);
    write(
        d.path(),
        "m/002.sql",
        "create table b (id bigint primary key);\n",
    );

    let lint = [
        "lint",
        "--select",
        PK,
        "--baseline",
        "pgvet-baseline.json",
        "m",
    ];
    let o = pgvet(d.path(), &lint);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains("1 finding suppressed; 1 entry no longer matches anything"),
        "{out}"
    );
    assert!(out.contains("table-without-primary-key public.b "), "{out}");

    let o = pgvet(d.path(), &[&lint[..], &["--format", "json"]].concat());
    let report = json(&o);
    let stale = report["baseline"]["stale"].as_array().unwrap();
    assert_eq!(stale.len(), 1, "{report}");
    assert_eq!(stale[0]["object"], "public.b");
    assert_eq!(stale[0]["rule"], PK);
    assert_eq!(report["baseline"]["suppressed"], 1);
}

#[test]
fn entries_of_rules_that_did_not_run_are_not_stale() {
    let d = tmp();
    write(d.path(), "m/001.sql", "create table a (id bigint);\n");
    pgvet(d.path(), &["baseline", "write", "--select", PK, "m"]);
    let o = pgvet(
        d.path(),
        &[
            "lint",
            "--select",
            "fk-missing-index",
            "--baseline",
            "pgvet-baseline.json",
            "--format",
            "json",
            "m",
        ],
    );
    let report = json(&o);
    assert_eq!(
        report["baseline"]["stale"],
        serde_json::json!([]),
        "{report}"
    );
    assert_eq!(report["baseline"]["suppressed"], 0);
}

#[test]
fn each_entry_hides_one_finding() {
    let d = tmp();
    let rule = "require-concurrent-index-creation";
    write(
        d.path(),
        "m/001.sql",
        "create table t (id bigint primary key, a int);\n",
    );
    write(d.path(), "m/002.sql", "create index on t (a);\n");
    pgvet(d.path(), &["baseline", "write", "--select", rule, "m"]);
    // The same statement again: an identical finding needs its own entry.
    write(
        d.path(),
        "m/002.sql",
        "create index on t (a);\ncreate index on t (a);\n",
    );
    let o = pgvet(
        d.path(),
        &[
            "lint",
            "--select",
            rule,
            "--baseline",
            "pgvet-baseline.json",
            "--format",
            "json",
            "m",
        ],
    );
    let report = json(&o);
    assert_eq!(
        findings(&report),
        [(rule.to_string(), "002.sql".into(), 2)],
        "{report}"
    );
    assert_eq!(report["baseline"]["suppressed"], 1);
}

#[test]
fn baseline_of_another_version_exits_2() {
    let d = tmp();
    write(d.path(), "m/001.sql", "create table a (id bigint);\n");
    write(
        d.path(),
        "old.json",
        r#"{"version": 2, "tool": "pgvet 9.0.0", "entries": []}"#,
    );
    let o = pgvet(d.path(), &["lint", "--baseline", "old.json", "m"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("old.json") && err.contains("version 2"),
        "{err}"
    );
    assert!(o.stdout.is_empty(), "nothing linted: {}", text(&o));
}

#[test]
fn malformed_baseline_exits_2() {
    let d = tmp();
    write(d.path(), "m/001.sql", "create table a (id bigint);\n");
    for (name, body) in [
        ("broken.json", "{\"version\": 1, \"entries\": ["),
        (
            "wrong.json",
            r#"{"version": 1, "tool": "pgvet", "entries": [{"rule": 3}]}"#,
        ),
        ("list.json", "[]"),
    ] {
        write(d.path(), name, body);
        let o = pgvet(d.path(), &["lint", "--baseline", name, "m"]);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(name) && err.contains("not a pgvet baseline"),
            "{err}"
        );
    }
    let o = pgvet(d.path(), &["lint", "--baseline", "missing.json", "m"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing.json"));
}

#[test]
fn json_without_workflow_flags_has_no_new_keys() {
    let d = tmp();
    write(d.path(), "m/001.sql", "create table a (id bigint);\n");
    let report = json(&pgvet(
        d.path(),
        &["lint", "--select", PK, "--format", "json", "m"],
    ));
    let keys: Vec<&String> = report.as_object().unwrap().keys().collect();
    // `not_analyzed` is always there (the coverage account), empty here.
    assert_eq!(
        keys,
        ["errors", "findings", "not_analyzed", "summary", "version"]
    );
}

#[test]
fn baseline_write_refuses_input_errors() {
    let d = tmp();
    write(d.path(), "m/001.sql", "create tabel a (id bigint);\n");
    let o = pgvet(d.path(), &["baseline", "write", "m"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("001.sql"), "{}", text(&o));
    assert!(!d.path().join("pgvet-baseline.json").exists());
}

/// A repository with two committed migrations: 001 creates `parent` and
/// `a` (no primary key), 002 creates `child` (no primary key, a foreign key
/// to `parent` without an index).
fn repo() -> tempfile::TempDir {
    let d = tmp();
    git(d.path(), &["init", "--quiet"]);
    write(
        d.path(),
        "migrations/001_parent.sql",
        "create table parent (id bigint primary key);\ncreate table a (id bigint);\n",
    );
    git(d.path(), &["add", "-A"]);
    git(d.path(), &["commit", "--quiet", "-m", "001"]);
    write(
        d.path(),
        "migrations/002_child.sql",
        "create table child (id bigint, parent_id bigint references parent (id));\n",
    );
    git(d.path(), &["add", "-A"]);
    git(d.path(), &["commit", "--quiet", "-m", "002"]);
    d
}

const RULES: &str = "table-without-primary-key,fk-missing-index,undefined-object";

#[test]
fn changed_since_reports_only_changed_files() {
    let d = repo();
    let all = json(&pgvet(
        d.path(),
        &["lint", "--select", RULES, "--format", "json"],
    ));
    assert_eq!(findings(&all).len(), 3, "{all}");

    let o = pgvet(
        d.path(),
        &[
            "lint",
            "--select",
            RULES,
            "--changed-since",
            "HEAD~1",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let report = json(&o);
    // The schema rule's finding on `child` counts: it is declared in 002;
    // `parent`, from 001, resolves, so all of 001 was replayed.
    assert_eq!(
        findings(&report),
        [
            (PK.to_string(), "002_child.sql".into(), 1),
            ("fk-missing-index".to_string(), "002_child.sql".into(), 1),
        ],
        "{report}"
    );
    assert_eq!(report["changed"]["since"], "HEAD~1");
    assert_eq!(report["changed"]["staged"], false);
    assert_eq!(report["changed"]["files"].as_array().unwrap().len(), 1);

    // Nothing changed since HEAD: nothing reported, and human output says why.
    let o = pgvet(
        d.path(),
        &["lint", "--select", RULES, "--changed-since", "HEAD"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("0 findings"), "{}", text(&o));
    assert!(
        text(&o).contains("no linted file is changed since HEAD"),
        "{}",
        text(&o)
    );

    // Uncommitted edits and untracked files count as changed.
    write(
        d.path(),
        "migrations/001_parent.sql",
        "create table parent (id bigint primary key);\n\ncreate table a (id bigint);\n",
    );
    write(
        d.path(),
        "migrations/003_new.sql",
        "create table n (id bigint);\n",
    );
    let report = json(&pgvet(
        d.path(),
        &[
            "lint",
            "--select",
            RULES,
            "--changed-since",
            "HEAD",
            "--format",
            "json",
        ],
    ));
    assert_eq!(
        findings(&report),
        [
            (PK.to_string(), "001_parent.sql".into(), 3),
            (PK.to_string(), "003_new.sql".into(), 1),
        ],
        "{report}"
    );
}

#[test]
fn changed_since_with_explicit_paths_and_another_cwd() {
    let d = repo();
    let elsewhere = tmp();
    let dir = d.path().join("migrations");
    let o = pgvet(
        elsewhere.path(),
        &[
            "lint",
            "--select",
            RULES,
            "--changed-since",
            "HEAD~1",
            "--format",
            "json",
            dir.to_str().unwrap(),
        ],
    );
    let report = json(&o);
    assert_eq!(findings(&report).len(), 2, "{report}");
    assert!(findings(&report).iter().all(|f| f.1 == "002_child.sql"));
}

#[test]
fn staged_reports_only_staged_files_and_replays_the_default_dir() {
    let d = repo();
    write(
        d.path(),
        "migrations/003_staged.sql",
        "create table s (id bigint, parent_id bigint references parent (id));\n",
    );
    write(
        d.path(),
        "migrations/004_unstaged.sql",
        "create table u (id bigint);\n",
    );
    git(d.path(), &["add", "migrations/003_staged.sql"]);
    // No paths: the default migrations directory, as the pre-commit hook runs it.
    let o = pgvet(
        d.path(),
        &["lint", "--select", RULES, "--staged", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let report = json(&o);
    assert_eq!(
        findings(&report),
        [
            (PK.to_string(), "003_staged.sql".into(), 1),
            ("fk-missing-index".to_string(), "003_staged.sql".into(), 1),
        ],
        "{report}"
    );
    assert_eq!(report["changed"]["staged"], true);
    assert_eq!(report["changed"]["since"], serde_json::Value::Null);
    assert_eq!(report["summary"]["findings"], 2);

    // Fixed and staged: clean.
    write(
        d.path(),
        "migrations/003_staged.sql",
        "create table s (id bigint primary key, parent_id bigint references parent (id));\ncreate index on s (parent_id);\n",
    );
    git(d.path(), &["add", "migrations/003_staged.sql"]);
    let o = pgvet(d.path(), &["lint", "--select", RULES, "--staged"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("findings shown only for the 1 file staged"),
        "{}",
        text(&o)
    );
}

#[test]
fn staged_in_a_repository_without_commits() {
    let d = tmp();
    git(d.path(), &["init", "--quiet"]);
    write(
        d.path(),
        "migrations/001.sql",
        "create table a (id bigint);\n",
    );
    write(
        d.path(),
        "migrations/002.sql",
        "create table b (id bigint);\n",
    );
    git(d.path(), &["add", "migrations/002.sql"]);
    let report = json(&pgvet(
        d.path(),
        &["lint", "--select", PK, "--staged", "--format", "json"],
    ));
    assert_eq!(findings(&report), [(PK.to_string(), "002.sql".into(), 1)]);
}

#[test]
fn baseline_and_changed_since_together() {
    let d = repo();
    pgvet(d.path(), &["baseline", "write", "--select", RULES]);
    write(
        d.path(),
        "migrations/003_new.sql",
        "create table n (id bigint);\n",
    );
    let report = json(&pgvet(
        d.path(),
        &[
            "lint",
            "--select",
            RULES,
            "--baseline",
            "pgvet-baseline.json",
            "--changed-since",
            "HEAD",
            "--format",
            "json",
        ],
    ));
    assert_eq!(
        findings(&report),
        [(PK.to_string(), "003_new.sql".into(), 1)]
    );
    // Findings of unchanged files are matched before the changed filter, so
    // their entries are not stale.
    assert_eq!(report["baseline"]["suppressed"], 3);
    assert_eq!(report["baseline"]["stale"], serde_json::json!([]));
}

#[test]
fn git_errors_exit_2() {
    let d = tmp();
    write(
        d.path(),
        "migrations/001.sql",
        "create table a (id bigint);\n",
    );
    let o = pgvet(d.path(), &["lint", "--staged"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("not in a git repository"),
        "{}",
        text(&o)
    );

    let d = repo();
    let o = pgvet(d.path(), &["lint", "--changed-since", "no-such-branch"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("unknown git ref `no-such-branch`"),
        "{}",
        text(&o)
    );

    let o = pgvet(d.path(), &["lint", "--staged", "--changed-since", "HEAD"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}
