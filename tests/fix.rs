//! `pgvet fix` proves itself: on every seed fixture's broken migrations and
//! on every fixable rule's bad example, the written migration removes each
//! finding it claims to fix and adds none (but `rls-enabled-no-policy`
//! for a table it turned RLS on for, which it says in the file). Checked
//! statically (lint again with the fix appended) and on a real database
//! (apply the migrations, run `pgvet fix`, apply its file, audit again).

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use pgvet::catalog::Platform;
use pgvet::config::Config;
use pgvet::fix::{self, FixOptions, Plan};
use pgvet::report::{Finding, Report};
use pgvet::rules;
use pgvet::Settings;
use support::pg::{stderr, Cluster};
use support::sql_files;

const BASELINE: &str = "tests/sql/supabase_baseline.sql";

fn settings() -> Settings {
    Settings {
        keep_catalog: true,
        ..Settings::for_platform(Platform::Supabase)
    }
}

fn options() -> FixOptions {
    FixOptions {
        platform: Platform::Supabase,
        postgres_version: 15,
        transaction: pgvet::config::TransactionMode::PerFile,
        runner: None,
        rules: Vec::new(),
        unsafe_fixes: true,
    }
}

type Counts = BTreeMap<(String, String), usize>;

fn counts<'a>(findings: impl Iterator<Item = &'a Finding>) -> Counts {
    let mut out = Counts::new();
    for f in findings {
        *out.entry((f.rule.to_string(), f.object.clone()))
            .or_default() += 1;
    }
    out
}

/// What must hold after the fix: each finding the plan resolves is gone,
/// nothing new appears beyond what the plan announced. Returns the problems.
fn check(before: &Counts, plan: &Plan, after: &Counts) -> Vec<String> {
    let mut expected = before.clone();
    for c in &plan.changes {
        for (rule, object) in &c.resolves {
            if let Some(n) = expected.get_mut(&(rule.to_string(), object.clone())) {
                *n = n.saturating_sub(1);
            }
        }
    }
    // What a change says it leaves in place of what it fixes (RLS enabled
    // with no policy; today's access kept by a policy to narrow).
    let mut allowed = Counts::new();
    for c in &plan.changes {
        for (rule, object) in &c.leaves {
            *allowed
                .entry((rule.to_string(), object.clone()))
                .or_default() += 1;
        }
    }
    let mut problems = Vec::new();
    for (key, n) in after {
        let limit =
            expected.get(key).copied().unwrap_or(0) + allowed.get(key).copied().unwrap_or(0);
        if *n > limit {
            problems.push(format!(
                "{} on {}: {n} after the fix, at most {limit} expected",
                key.0, key.1
            ));
        }
    }
    problems
}

fn broken_fixtures() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("fixtures")
        .unwrap()
        .flatten()
        .map(|e| e.path().join("broken"))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// A fixable rule's bad example: rule id, migration files (name, text), and
/// the exposed schemas the example is written for.
type Example = (&'static str, Vec<(String, String)>, Vec<String>);

/// Every fixable rule's bad example.
fn fixable_examples() -> Vec<Example> {
    fix::fixable_rules()
        .map(|id| {
            let rule = rules::find(id).unwrap_or_else(|| panic!("{id} is not a rule"));
            (
                rule.id(),
                rules::example_sources("example.sql", &rule.doc.bad),
                pgvet::Settings::for_example(rule).exposed_schemas,
            )
        })
        .collect()
}

fn read_sources(dir: &Path) -> Vec<(String, String)> {
    sql_files(dir)
        .into_iter()
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect()
}

/// Lints, plans, appends the fix and lints again.
fn static_round(
    name: &str,
    sources: Vec<(String, String)>,
    settings: &Settings,
) -> (Plan, Vec<String>) {
    let before = pgvet::lint_sources(sources.clone(), &Config::default(), settings);
    assert!(before.errors.is_empty(), "{name}: {:?}", before.errors);
    let plan = fix::plan(
        &before.findings,
        before.catalog.as_ref().unwrap(),
        &options(),
    );
    let mut with_fix = sources;
    for (i, text) in fix::render(&plan, &options(), "-- fix")
        .into_iter()
        .enumerate()
    {
        with_fix.push((format!("99999999999999_pgvet_fixes_{i}.sql"), text));
    }
    let after: Report = pgvet::lint_sources(with_fix, &Config::default(), settings);
    assert!(
        after.errors.is_empty(),
        "{name} with the fix: {:?}",
        after.errors
    );
    let problems = check(
        &counts(before.findings.iter()),
        &plan,
        &counts(after.findings.iter()),
    );
    (plan, problems)
}

#[test]
fn the_fix_of_every_broken_fixture_and_bad_example_lints_clean_of_what_it_fixes() {
    let mut failures = Vec::new();
    let mut fixed = 0;
    for dir in broken_fixtures() {
        let name = dir.display().to_string();
        let (plan, problems) = static_round(&name, read_sources(&dir), &settings());
        assert!(!plan.changes.is_empty(), "{name}: nothing to fix");
        fixed += plan.changes.len();
        failures.extend(problems.into_iter().map(|p| format!("{name}: {p}")));
    }
    for (id, files, exposed_schemas) in fixable_examples() {
        let settings = Settings {
            exposed_schemas,
            ..settings()
        };
        let (plan, problems) = static_round(id, files, &settings);
        assert!(
            plan.changes
                .iter()
                .any(|c| c.resolves.iter().any(|(r, _)| *r == id)),
            "{id}: its bad example gets no fix for it: {:#?}",
            plan.skipped
        );
        fixed += 1;
        failures.extend(problems.into_iter().map(|p| format!("{id} example: {p}")));
    }
    assert!(fixed > 20, "{fixed}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn pgvet(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pgvet"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn audit(cluster: &Cluster, db: &str, exposed_schemas: &[String]) -> Report {
    let opts = pgvet::source::live::LiveOptions {
        connect: pgvet::source::live::ConnectOptions {
            url: Some(cluster.socket_url(db)),
            sslmode: Some(pgvet::source::live::SslMode::Disable),
            ..Default::default()
        },
        platform: Some(Platform::Supabase),
        exposed_schemas: Some(exposed_schemas.to_vec()),
        ..Default::default()
    };
    let report = pgvet::audit(&opts, &Config::default())
        .unwrap_or_else(|e| panic!("audit of {db} failed: {e}"));
    assert!(report.errors.is_empty(), "{db}: {:?}", report.errors);
    report
}

/// Runs `pgvet fix` with `extra` arguments on the migrations in `dir` (a
/// copy, in a Supabase project), or with `live` on database `db`; returns
/// the project (kept until the files are applied) and the files written.
fn write_fix(
    cluster: &Cluster,
    db: &str,
    dir: &Path,
    live: bool,
    exposed: &[String],
    extra: &[&str],
) -> (tempfile::TempDir, Vec<PathBuf>) {
    let project = tempfile::tempdir().unwrap();
    // A Supabase project, as the seeds are: supabase/config.toml says so.
    let out_dir = project.path().join("supabase").join("migrations");
    std::fs::create_dir_all(&out_dir).unwrap();
    std::fs::copy(
        "fixtures/supabase/config.toml",
        project.path().join("supabase").join("config.toml"),
    )
    .unwrap();
    let fix_file = project.path().join("fix.sql");
    let mut config = Vec::new();
    if exposed != ["public"] {
        let file = project.path().join("pgvet.yaml");
        std::fs::write(
            &file,
            format!("exposed_schemas: [{}]\n", exposed.join(", ")),
        )
        .unwrap();
        config = vec!["--config".to_string(), file.display().to_string()];
    }
    let config: Vec<&str> = config.iter().map(String::as_str).collect();
    let out = if live {
        let url = cluster.socket_url(db);
        let fix_file = fix_file.display().to_string();
        let mut args = vec!["fix", "--db", &url, "--sslmode", "disable", "-o", &fix_file];
        args.extend(extra);
        args.extend(&config);
        pgvet(&args)
    } else {
        // `pgvet fix DIR` writes a new migration into DIR: work on a copy.
        for file in sql_files(dir) {
            std::fs::copy(&file, out_dir.join(file.file_name().unwrap())).unwrap();
        }
        let out_dir = out_dir.display().to_string();
        let mut args = vec!["fix", &out_dir];
        args.extend(extra);
        args.extend(&config);
        pgvet(&args)
    };
    assert!(out.status.success(), "{db}: pgvet fix: {}", stderr(&out));
    let written: Vec<PathBuf> = if live {
        vec![fix_file]
    } else {
        sql_files(&out_dir)
            .into_iter()
            .filter(|p| p.to_string_lossy().contains("_pgvet_fixes"))
            .collect()
    };
    assert!(!written.is_empty(), "{db}: no fix file: {}", stderr(&out));
    (project, written)
}

/// One proof on a real database: the migrations in `dir` applied, then the
/// fix `pgvet fix` writes (from the files, or from the database with
/// `live`) applied with psql, then an audit. `exposed` are the schemas the
/// API serves; other than `public`, they reach `pgvet fix` through pgvet.yaml.
fn live_round(
    cluster: &Cluster,
    db: &str,
    dir: &Path,
    live: bool,
    exposed: &[String],
) -> Vec<String> {
    cluster.sql(
        "postgres",
        &format!("create database {db} template baseline_tpl"),
    );
    for file in sql_files(dir) {
        cluster.apply(db, &file);
    }
    let before = audit(cluster, db, exposed);
    let plan = fix::plan(
        &before.findings,
        before.catalog.as_ref().unwrap(),
        &options(),
    );
    let (_project, written) = write_fix(cluster, db, dir, live, exposed, &["--unsafe-fixes"]);
    for file in &written {
        cluster.apply(db, file);
    }
    let after = audit(cluster, db, exposed);
    check(
        &counts(before.findings.iter()),
        &plan,
        &counts(after.findings.iter()),
    )
    .into_iter()
    .map(|p| format!("{db}: {p}"))
    .collect()
}

/// A cluster with the Supabase baseline as a template database.
fn cluster_with_baseline() -> Option<Cluster> {
    let cluster = Cluster::start()?;
    cluster.create_db("baseline_tpl");
    cluster.apply("baseline_tpl", Path::new(BASELINE));
    Some(cluster)
}

/// The broken seed fixtures PostgreSQL applies, with a name for databases.
fn applicable_broken_fixtures() -> Vec<(String, PathBuf)> {
    broken_fixtures()
        .into_iter()
        .map(|dir| {
            let seed = dir
                .parent()
                .and_then(Path::file_name)
                .unwrap()
                .to_string_lossy()
                .replace('-', "_");
            (seed, dir)
        })
        // PostgreSQL rejects this history, as its seed documents.
        .filter(|(seed, _)| seed != "workspace_assets")
        .collect()
}

#[test]
fn the_fix_applied_to_a_real_database_removes_what_it_fixes() {
    let Some(cluster) = cluster_with_baseline() else {
        return;
    };
    let mut failures = Vec::new();
    let mut rounds = 0;
    let public = ["public".to_string()];
    for (seed, dir) in applicable_broken_fixtures() {
        for live in [false, true] {
            let db = format!("{seed}_{}", if live { "live" } else { "files" });
            failures.extend(live_round(&cluster, &db, &dir, live, &public));
            rounds += 1;
        }
    }
    for (i, (id, files, exposed)) in fixable_examples().into_iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        for (n, (_, text)) in files.iter().enumerate() {
            std::fs::write(dir.path().join(format!("{n:04}_example.sql")), text).unwrap();
        }
        for live in [false, true] {
            let db = format!("ex{i}_{}", if live { "live" } else { "files" });
            failures.extend(
                live_round(&cluster, &db, dir.path(), live, &exposed)
                    .into_iter()
                    .map(|p| format!("{id}: {p}")),
            );
            rounds += 1;
        }
    }
    assert_eq!(rounds, 8 + 2 * fix::fixable_rules().count());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// The command line: where the file goes, what is printed, the bad cases.

fn run_in(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pgvet"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

const UNINDEXED: &str = "create table public.parent (id bigint primary key);\n\
    create table public.child (id bigint primary key, parent_id bigint not null references public.parent (id) on delete cascade);\n";

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let migrations = d.path().join("supabase/migrations");
    std::fs::create_dir_all(&migrations).unwrap();
    std::fs::write(
        d.path().join("supabase/config.toml"),
        "[api]\nschemas = [\"public\"]\n",
    )
    .unwrap();
    for (name, text) in files {
        std::fs::write(migrations.join(name), text).unwrap();
    }
    d
}

fn new_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join("supabase/migrations"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("pgvet_fixes"))
        .collect();
    names.sort();
    names
}

#[test]
fn fix_writes_the_next_migration_and_lint_then_passes_for_that_rule() {
    let d = project(&[("20240101000000_init.sql", UNINDEXED)]);
    let out = run_in(d.path(), &["fix", "--rule", "fk-missing-index"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let written = new_files(d.path());
    assert_eq!(written.len(), 1, "{written:?}");
    let name = written.first().unwrap();
    // A UTC timestamp after the last migration.
    assert!(
        name.len() == "20261123101112_pgvet_fixes.sql".len() && name.as_str() > "20240101000000",
        "{name}"
    );
    assert!(
        err.contains("1 change(s) for 1 finding(s) (fk-missing-index 1)"),
        "{err}"
    );
    let text = std::fs::read_to_string(d.path().join("supabase/migrations").join(name)).unwrap();
    assert!(text.contains("create index concurrently if not exists idx_child_parent_id on public.child (parent_id);"), "{text}");
    let lint = run_in(d.path(), &["lint", "--select", "fk-missing-index"]);
    assert!(
        lint.status.success(),
        "{}",
        String::from_utf8_lossy(&lint.stdout)
    );
}

#[test]
fn dry_run_prints_and_writes_nothing_and_output_writes_one_file() {
    let d = project(&[
        ("20240101000000_init.sql", UNINDEXED),
        (
            "20240102000000_reporting.sql",
            "create role reporting;\ngrant select, insert on public.child to reporting;\n",
        ),
    ]);
    let out = run_in(d.path(), &["fix", "--dry-run"]);
    assert!(out.status.success());
    let sql = String::from_utf8_lossy(&out.stdout);
    assert!(sql.contains("create index concurrently"), "{sql}");
    // RLS with a policy that keeps today's access is safe for the API's roles...
    assert!(
        sql.contains("alter table public.parent enable row level security;\n")
            && sql.contains("create policy parent_todays_access on public.parent as permissive for all to anon, authenticated\n"),
        "{sql}"
    );
    // ...not for a role a policy cannot keep everything for: named, not written.
    assert!(!sql.contains("alter table public.child enable"), "{sql}");
    assert!(
        sql.contains("-- Not written: 1 finding(s) whose fix changes what some callers can do")
            && sql.contains("--   would change: ")
            && sql.contains("what reporting read and write in `public.child`"),
        "{sql}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("`pgvet fix --unsafe-fixes` writes them"));
    let out = run_in(d.path(), &["fix", "--dry-run", "--unsafe-fixes"]);
    let unsafe_sql = String::from_utf8_lossy(&out.stdout);
    assert!(
        unsafe_sql.contains("-- UNSAFE (written because of --unsafe-fixes): ")
            && unsafe_sql.contains("alter table public.child enable row level security;"),
        "{unsafe_sql}"
    );
    assert!(new_files(d.path()).is_empty());
    let out = run_in(d.path(), &["fix", "-o", "fix.sql"]);
    assert!(out.status.success());
    let text = std::fs::read_to_string(d.path().join("fix.sql")).unwrap();
    assert_eq!(text, sql);
    assert!(new_files(d.path()).is_empty());
}

#[test]
fn dry_run_with_output_prints_and_names_the_file_it_would_write() {
    let d = project(&[("20240101000000_init.sql", UNINDEXED)]);
    let out = run_in(d.path(), &["fix", "--dry-run", "-o", "fix.sql"]);
    assert!(out.status.success());
    let sql = String::from_utf8_lossy(&out.stdout);
    assert!(sql.contains("create index concurrently"), "{sql}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "pgvet: dry run: nothing written; without --dry-run the SQL printed goes to fix.sql"
        ),
        "{err}"
    );
    assert!(!d.path().join("fix.sql").exists());
    assert!(new_files(d.path()).is_empty());
}

#[test]
fn unknown_rule_suggests_the_closest() {
    let d = project(&[("20240101000000_init.sql", UNINDEXED)]);
    let out = run_in(d.path(), &["fix", "--rule", "fk-missing-indx"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown rule `fk-missing-indx` (did you mean `fk-missing-index`?)"),
        "{err}"
    );
}

#[test]
fn nothing_to_fix_exits_0_and_writes_nothing() {
    let d = project(&[(
        "20240101000000_init.sql",
        "create schema app;\ncreate table app.t (id bigint primary key);\n",
    )]);
    let out = run_in(d.path(), &["fix"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to fix"));
    assert!(new_files(d.path()).is_empty());
}

#[test]
fn bad_rules_and_unparseable_sql_exit_2_and_write_nothing() {
    let d = project(&[("20240101000000_init.sql", UNINDEXED)]);
    let out = run_in(d.path(), &["fix", "--rule", "no-such-rule"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run_in(d.path(), &["fix", "--rule", "free-text-enum"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no automatic fix"));
    let d = project(&[
        ("20240101000000_init.sql", UNINDEXED),
        ("20240102000000_bad.sql", "create tabel oops;\n"),
    ]);
    let out = run_in(d.path(), &["fix"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("20240102000000_bad.sql:1") && err.contains("nothing written"),
        "{err}"
    );
    assert!(new_files(d.path()).is_empty());
}

#[test]
fn explain_says_whether_pgvet_fix_fixes_a_rule() {
    let d = tempfile::tempdir().unwrap();
    let out = run_in(d.path(), &["explain", "fk-missing-index"]);
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("Automatic fix (`pgvet fix`; safe: no caller's access or results change): `create index concurrently"));
    let out = run_in(d.path(), &["explain", "security-definer-view"]);
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("Automatic fix (`pgvet fix --unsafe-fixes`; unsafe: "));
    let out = run_in(d.path(), &["explain", "free-text-enum"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Automatic fix: none"));
}

/// A database from the baseline with the migrations in `dir` applied and a
/// row in every table (tests/sql/api_seed.sql).
fn seeded(cluster: &Cluster, db: &str, dir: &Path) {
    cluster.sql(
        "postgres",
        &format!("create database {db} template baseline_tpl"),
    );
    for file in sql_files(dir) {
        cluster.apply(db, &file);
    }
    cluster.apply(db, Path::new("tests/sql/api_seed.sql"));
}

/// What `anon` and `authenticated` can read, write and call on `db`
/// (tests/sql/api_probe.sql), a line each.
fn probe(cluster: &Cluster, db: &str) -> Vec<String> {
    let out = cluster.psql(db, &["-A", "-t", "-f", "tests/sql/api_probe.sql"]);
    assert!(out.status.success(), "{db}: probe: {}", stderr(&out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn safe_fixes_leave_what_the_api_roles_read_write_and_call_as_it_was() {
    let Some(cluster) = cluster_with_baseline() else {
        return;
    };
    let public = ["public".to_string()];
    let mut changed_by_unsafe = Vec::new();
    let mut compared = 0;
    for (seed, dir) in applicable_broken_fixtures() {
        let before_db = format!("{seed}_before");
        seeded(&cluster, &before_db, &dir);
        let before = probe(&cluster, &before_db);
        assert!(before.len() > 20, "{seed}: {before:#?}");
        for unsafe_fixes in [false, true] {
            let db = format!("{seed}_{}", if unsafe_fixes { "unsafe" } else { "safe" });
            seeded(&cluster, &db, &dir);
            let extra: &[&str] = if unsafe_fixes {
                &["--unsafe-fixes"]
            } else {
                &[]
            };
            let (_project, written) = write_fix(&cluster, &db, &dir, false, &public, extra);
            for file in &written {
                cluster.apply(&db, file);
            }
            let after = probe(&cluster, &db);
            if unsafe_fixes {
                if after != before {
                    changed_by_unsafe.push(seed.clone());
                }
                continue;
            }
            let lost: Vec<&String> = before.iter().filter(|l| !after.contains(l)).collect();
            let gained: Vec<&String> = after.iter().filter(|l| !before.contains(l)).collect();
            assert!(
                lost.is_empty() && gained.is_empty(),
                "{seed}: the safe fixes changed what the API roles can do\nbefore: {lost:#?}\nafter: {gained:#?}"
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 4);
    // The probe sees what enabling RLS or revoking EXECUTE changes, so the
    // comparison above can fail.
    assert!(
        !changed_by_unsafe.is_empty(),
        "no unsafe fix changed anything the probe sees"
    );
}
