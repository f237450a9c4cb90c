//! Migrations read the way their runner applies them: one small project per
//! runner under tests/fixtures/runners/ (our own SQL), each with up and down
//! parts, a file the runner ignores, versions whose order is not the names'
//! order where the runner sorts by number, and a transaction directive
//! where the runner has one.

use std::path::{Path, PathBuf};

use pgvet::catalog::{Platform, QualifiedName};
use pgvet::config::{Config, TransactionMode};
use pgvet::source::migrations::runner::{self, Runner};
use pgvet::Settings;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/runners")
}

/// Plain PostgreSQL whose `public` an HTTP API serves (as a PostgREST
/// project says in its pgvet.yaml), so rls-disabled has findings to place.
fn settings() -> Settings {
    Settings {
        keep_catalog: true,
        exposed_schemas: vec!["public".to_string()],
        exposed_configured: true,
        ..Settings::for_platform(Platform::Postgres)
    }
}

/// A file as the test names it: its path under the fixture's directory.
fn rel(path: &str, dir: &Path) -> String {
    Path::new(path)
        .strip_prefix(dir)
        .map_or_else(|_| path.to_string(), |p| p.display().to_string())
}

struct Read {
    runner: Runner,
    /// (file, transaction mode, sent as one query, CONCURRENTLY run outside).
    files: Vec<(String, TransactionMode, bool, bool)>,
    texts: Vec<String>,
    skipped: Vec<(String, String)>,
}

fn read(dir: &str) -> Read {
    read_with(dir, &Config::default(), &settings())
}

fn read_with(dir: &str, cfg: &Config, settings: &Settings) -> Read {
    let dir = root().join(dir);
    let m = pgvet::read_migrations(std::slice::from_ref(&dir), cfg, settings);
    assert!(m.errors.is_empty(), "{:?}", m.errors);
    let files = m
        .inputs
        .iter()
        .map(|i| {
            let run = i.run.expect("a directory's files have a run");
            (
                rel(&i.path, &dir),
                run.mode,
                run.one_query,
                run.runs_outside,
            )
        })
        .collect();
    Read {
        runner: m.runner.expect("a runner"),
        files,
        texts: m.inputs.iter().map(|i| i.text.clone()).collect(),
        skipped: m
            .skipped
            .iter()
            .map(|s| (rel(&s.path.display().to_string(), &dir), s.reason.clone()))
            .collect(),
    }
}

fn names(r: &Read) -> Vec<&str> {
    r.files.iter().map(|(f, ..)| f.as_str()).collect()
}

fn skipped(r: &Read) -> Vec<&str> {
    r.skipped.iter().map(|(f, _)| f.as_str()).collect()
}

fn mode_of(r: &Read, file: &str) -> (TransactionMode, bool, bool) {
    let (_, mode, one, outside) = r
        .files
        .iter()
        .find(|(f, ..)| f == file)
        .unwrap_or_else(|| panic!("{file} not read"));
    (*mode, *one, *outside)
}

/// Lints a fixture directory; findings as (file under the dir, line, column, rule).
fn lint(dir: &str) -> (pgvet::report::Report, Vec<(String, u32, u32, String)>) {
    let path = root().join(dir);
    let report = pgvet::lint(std::slice::from_ref(&path), &Config::default(), &settings());
    assert!(report.errors.is_empty(), "{dir}: {:?}", report.errors);
    let found = report
        .findings
        .iter()
        .filter_map(|f| {
            let l = f.location.as_ref()?;
            Some((rel(&l.file, &path), l.line, l.column, f.rule.to_string()))
        })
        .collect();
    (report, found)
}

/// No finding of a lint run points into a part of a file the runner does
/// not apply (a down section, a skipped file).
fn assert_findings_only_in_applied_parts(dir: &str) {
    let path = root().join(dir);
    let (report, found) = lint(dir);
    let skipped: Vec<&str> = report
        .summary
        .skipped_files
        .iter()
        .map(|s| s.file.as_str())
        .collect();
    for f in &report.findings {
        let Some(l) = &f.location else { continue };
        assert!(
            !skipped.contains(&l.file.as_str()),
            "{dir}: {} in skipped file {}",
            f.rule,
            l.file
        );
        let runner = Runner::from_name(report.summary.runner.unwrap()).unwrap();
        let original = std::fs::read_to_string(&l.file).unwrap();
        let (applied, _) = runner::prepare(runner, original.clone());
        let line = applied.lines().nth(l.line as usize - 1).unwrap_or("");
        assert!(
            !line.trim().is_empty(),
            "{dir}: {} at {}:{} is outside what the runner applies: {:?}",
            f.rule,
            rel(&l.file, &path),
            l.line,
            original.lines().nth(l.line as usize - 1)
        );
    }
    assert!(
        !found.is_empty(),
        "{dir}: the fixture has findings to place"
    );
}

fn table_columns(report: &pgvet::report::Report, table: &str) -> Vec<String> {
    let cat = report.catalog.as_ref().expect("catalog kept");
    let t = cat
        .table(&QualifiedName::new("public", table))
        .unwrap_or_else(|| panic!("table {table} missing from the model"));
    t.columns.iter().map(|c| c.name.to_string()).collect()
}

#[test]
fn supabase_cli_applies_versioned_files_in_name_order() {
    let r = read("supabase/supabase/migrations");
    // drizzle-kit's journal in meta/ does not make it a Drizzle folder:
    // `supabase db push` reads supabase/migrations.
    assert_eq!(r.runner, Runner::Supabase);
    // Versions compare as text: `20240103_late` (8 digits) sorts after
    // `20240102000000_index`, though 20240103 < 20240102000000.
    assert_eq!(
        names(&r),
        [
            "20240101000000_init.sql",
            "20240102000000_index.sql",
            "20240103_late.sql"
        ]
    );
    assert_eq!(skipped(&r), ["all_migrations.sql"]);
    assert_eq!(
        mode_of(&r, "20240102000000_index.sql"),
        (TransactionMode::PerFile, false, true)
    );
    let (report, found) = lint("supabase/supabase/migrations");
    // The concatenation would drop and re-create the table.
    assert!(
        !found.iter().any(|(f, ..)| f == "all_migrations.sql"),
        "{found:?}"
    );
    assert!(table_columns(&report, "notes").contains(&"late".to_string()));
    // CONCURRENTLY runs outside the CLI's transaction.
    assert!(!found
        .iter()
        .any(|(_, _, _, rule)| rule == "ban-concurrent-index-creation-in-transaction"));
    assert_findings_only_in_applied_parts("supabase/supabase/migrations");
}

#[test]
fn goose_applies_up_sections_in_version_order() {
    let r = read("goose/migrations");
    assert_eq!(r.runner, Runner::Goose);
    assert_eq!(
        names(&r),
        [
            "1_init.sql",
            "2_add_column.sql",
            "10_index.sql",
            "11_index_in_tx.sql"
        ]
    );
    assert_eq!(skipped(&r), ["schema_dump.sql"]);
    assert_eq!(
        mode_of(&r, "1_init.sql"),
        (TransactionMode::PerFile, false, false)
    );
    assert_eq!(
        mode_of(&r, "10_index.sql"),
        (TransactionMode::None, false, false)
    );
    // The Down section is blanked in place: same length, same lines.
    let init = r.texts.first().unwrap();
    let original = std::fs::read_to_string(root().join("goose/migrations/1_init.sql")).unwrap();
    assert_eq!(init.len(), original.len());
    assert_eq!(init.lines().count(), original.lines().count());
    assert!(init.contains("create function app_touch()"));
    assert!(!init.contains("drop table"), "{init}");

    let (report, found) = lint("goose/migrations");
    assert_eq!(report.summary.statements, 5);
    assert!(table_columns(&report, "app_items").contains(&"label".to_string()));
    let concurrent: Vec<_> = found
        .iter()
        .filter(|(_, _, _, rule)| rule == "ban-concurrent-index-creation-in-transaction")
        .map(|(f, line, col, _)| (f.as_str(), *line, *col))
        .collect();
    // NO TRANSACTION lets 10_index.sql build concurrently; 11 runs in
    // goose's transaction, reported at its line inside the Up section.
    assert_eq!(concurrent, [("11_index_in_tx.sql", 2, 1)]);
    assert_findings_only_in_applied_parts("goose/migrations");
}

#[test]
fn dbmate_applies_up_sections_in_name_order() {
    let r = read("dbmate/db/migrations");
    assert_eq!(r.runner, Runner::Dbmate);
    assert_eq!(
        names(&r),
        [
            "20240101000000_init.sql",
            "20240102000000_index.sql",
            "20240103_late.sql"
        ]
    );
    assert_eq!(skipped(&r), ["notes.sql"]);
    assert_eq!(
        mode_of(&r, "20240101000000_init.sql"),
        (TransactionMode::PerFile, false, false)
    );
    // transaction:false: no transaction, but the section is one query.
    assert_eq!(
        mode_of(&r, "20240102000000_index.sql"),
        (TransactionMode::None, true, false)
    );
    let (report, found) = lint("dbmate/db/migrations");
    assert_eq!(
        table_columns(&report, "dm_items"),
        ["id", "qty", "late"],
        "the down sections drop nothing"
    );
    assert!(!found
        .iter()
        .any(|(_, _, _, rule)| rule == "ban-concurrent-index-creation-in-transaction"));
    assert_findings_only_in_applied_parts("dbmate/db/migrations");
}

#[test]
fn golang_migrate_applies_up_files_by_number_each_as_one_query() {
    let r = read("golang-migrate/migrations");
    assert_eq!(r.runner, Runner::GolangMigrate);
    assert_eq!(
        names(&r),
        [
            "1_init.up.sql",
            "2_label.up.sql",
            "10_index.up.sql",
            "11_two.up.sql"
        ]
    );
    assert_eq!(
        skipped(&r),
        ["1_init.down.sql", "2_label.down.sql", "seed.sql"]
    );
    assert_eq!(
        mode_of(&r, "10_index.up.sql"),
        (TransactionMode::None, true, false)
    );
    let (_, found) = lint("golang-migrate/migrations");
    let concurrent: Vec<_> = found
        .iter()
        .filter(|(_, _, _, rule)| rule == "ban-concurrent-index-creation-in-transaction")
        .map(|(f, line, _, _)| (f.as_str(), *line))
        .collect();
    // Alone in its file the build runs outside a transaction; with another
    // statement the file is one implicit transaction.
    assert_eq!(concurrent, [("11_two.up.sql", 2)]);
    assert_findings_only_in_applied_parts("golang-migrate/migrations");
}

#[test]
fn flyway_orders_versions_as_numbers_then_repeatables() {
    let r = read("flyway/sql");
    assert_eq!(r.runner, Runner::Flyway);
    assert_eq!(
        names(&r),
        [
            "V1__init.sql",
            "V1.1__label.sql",
            "V1.9__qty.sql",
            "V1.10__index.sql",
            "V2__notx.sql",
            "R__view.sql"
        ]
    );
    assert_eq!(skipped(&r), ["README.sql", "U1.1__label.sql"]);
    assert_eq!(
        mode_of(&r, "V1__init.sql"),
        (TransactionMode::PerFile, false, true)
    );
    // executeInTransaction=false in V2__notx.sql.conf.
    assert_eq!(
        mode_of(&r, "V2__notx.sql"),
        (TransactionMode::None, false, true)
    );
    let (report, found) = lint("flyway/sql");
    assert!(table_columns(&report, "fw_items").contains(&"label".to_string()));
    // BEGIN in a script Flyway runs without a transaction nests nothing.
    assert!(
        !found
            .iter()
            .any(|(_, _, _, rule)| rule == "transaction-nesting"
                || rule == "ban-concurrent-index-creation-in-transaction"),
        "{found:?}"
    );
    assert_findings_only_in_applied_parts("flyway/sql");
}

#[test]
fn sqitch_follows_the_plan_with_reworked_changes() {
    for dir in ["sqitch", "sqitch/deploy"] {
        let r = read(dir);
        assert_eq!(r.runner, Runner::Sqitch, "{dir}");
        let files: Vec<String> = names(&r)
            .iter()
            .map(|f| f.trim_start_matches("deploy/").to_string())
            .collect();
        assert_eq!(files, ["items.sql", "labels@v1.sql", "labels.sql"], "{dir}");
        assert_eq!(
            r.skipped
                .iter()
                .map(|(f, _)| f.trim_start_matches("deploy/"))
                .collect::<Vec<_>>(),
            ["scratch.sql"]
        );
        assert!(r
            .files
            .iter()
            .all(|(_, mode, one, _)| *mode == TransactionMode::None && !one));
    }
    let (report, found) = lint("sqitch");
    assert_eq!(
        table_columns(&report, "sq_items"),
        ["id", "note", "label", "label2"]
    );
    assert!(!found
        .iter()
        .any(|(_, _, _, rule)| rule == "transaction-nesting"));
    assert_findings_only_in_applied_parts("sqitch");
}

#[test]
fn prisma_applies_each_folders_migration_as_one_query() {
    let r = read("prisma/prisma/migrations");
    assert_eq!(r.runner, Runner::Prisma);
    assert_eq!(
        names(&r),
        [
            "20240101000000_init/migration.sql",
            "20240102000000_index/migration.sql",
            "20240103000000_two/migration.sql"
        ]
    );
    assert_eq!(skipped(&r), ["20240101000000_init/down.sql", "dump.sql"]);
    assert_eq!(
        mode_of(&r, "20240102000000_index/migration.sql"),
        (TransactionMode::None, true, false)
    );
    let (report, found) = lint("prisma/prisma/migrations");
    assert!(table_columns(&report, "PrItem").contains(&"qty".to_string()));
    let concurrent: Vec<_> = found
        .iter()
        .filter(|(_, _, _, rule)| rule == "ban-concurrent-index-creation-in-transaction")
        .map(|(f, line, _, _)| (f.as_str(), *line))
        .collect();
    assert_eq!(concurrent, [("20240103000000_two/migration.sql", 2)]);
    assert_findings_only_in_applied_parts("prisma/prisma/migrations");
}

#[test]
fn drizzle_applies_the_journal_entries() {
    let r = read("drizzle/drizzle");
    assert_eq!(r.runner, Runner::Drizzle);
    assert_eq!(names(&r), ["0000_first.sql", "0001_second.sql"]);
    assert_eq!(skipped(&r), ["0002_orphan.sql"]);
    assert_eq!(
        mode_of(&r, "0000_first.sql"),
        (TransactionMode::PerFile, false, false)
    );
    let (report, _) = lint("drizzle/drizzle");
    assert_eq!(report.summary.statements, 3);
    assert_eq!(table_columns(&report, "dz_items"), ["id", "note", "qty"]);
    assert_findings_only_in_applied_parts("drizzle/drizzle");
}

#[test]
fn diesel_applies_up_sql_by_version() {
    let r = read("diesel/migrations");
    assert_eq!(r.runner, Runner::Diesel);
    // `2024-01-02-000000` is version 20240102000000: after 20240101000000,
    // though `-` sorts before `0` in the names.
    assert_eq!(
        names(&r),
        [
            "00000000000000_diesel_initial_setup/up.sql",
            "20240101000000_init/up.sql",
            "2024-01-02-000000_label/up.sql",
            "2024-01-03-000000_index/up.sql"
        ]
    );
    assert_eq!(r.skipped.len(), 3);
    assert!(r
        .skipped
        .iter()
        .all(|(f, why)| f.ends_with("/down.sql") && why == runner::DOWN));
    assert_eq!(
        mode_of(&r, "20240101000000_init/up.sql"),
        (TransactionMode::PerFile, false, false)
    );
    // run_in_transaction = false in metadata.toml.
    assert_eq!(
        mode_of(&r, "2024-01-03-000000_index/up.sql"),
        (TransactionMode::None, true, false)
    );
    let (report, found) = lint("diesel/migrations");
    assert!(table_columns(&report, "ds_items").contains(&"label".to_string()));
    assert!(!found
        .iter()
        .any(|(_, _, _, rule)| rule == "ban-concurrent-index-creation-in-transaction"));
    assert_findings_only_in_applied_parts("diesel/migrations");
}

#[test]
fn node_pg_migrate_applies_up_sections_or_whole_files() {
    let r = read("node-pg-migrate/migrations");
    assert_eq!(r.runner, Runner::NodePgMigrate);
    assert_eq!(
        names(&r),
        ["1700000000000_init.sql", "1700000000001_label.sql"]
    );
    assert_eq!(skipped(&r), ["notes.sql"]);
    // A file without an Up marker is all up.
    assert!(r.texts.get(1).unwrap().contains("add column label"));
    assert!(!r.texts.first().unwrap().contains("drop table"));
    let (report, _) = lint("node-pg-migrate/migrations");
    assert_eq!(table_columns(&report, "np_items"), ["id", "note", "label"]);
    assert_findings_only_in_applied_parts("node-pg-migrate/migrations");
}

#[test]
fn up_down_pairs_apply_the_up_files() {
    let r = read("up-down");
    assert_eq!(r.runner, Runner::UpDown);
    assert_eq!(names(&r), ["V0001.Init.up.sql", "V0002.Label.up.sql"]);
    assert_eq!(skipped(&r), ["V0001.Init.down.sql", "V0002.Label.down.sql"]);
    assert_findings_only_in_applied_parts("up-down");
}

#[test]
fn a_plain_folder_applies_every_file_in_name_order() {
    let r = read("plain");
    assert_eq!(r.runner, Runner::Plain);
    assert_eq!(names(&r), ["a_first.sql", "b_second.sql"]);
    assert!(r.skipped.is_empty());
    // The platform decides: plain PostgreSQL opens no transaction.
    assert_eq!(
        mode_of(&r, "a_first.sql"),
        (TransactionMode::None, false, false)
    );
    let supabase = Settings::for_platform(Platform::Supabase);
    let r = read_with("plain", &Config::default(), &supabase);
    assert_eq!(
        mode_of(&r, "a_first.sql"),
        (TransactionMode::PerFile, false, true)
    );
}

#[test]
fn the_config_names_the_runner_and_its_transaction_mode() {
    // A goose folder read as plain: the Down sections are replayed.
    let cfg = Config::parse("migrations:\n  runner: plain\n", "pgvet.yaml").unwrap();
    let plain = Settings {
        runner: cfg.runner,
        ..settings()
    };
    let r = read_with("goose/migrations", &cfg, &plain);
    assert_eq!(r.runner, Runner::Plain);
    assert!(r.texts.iter().any(|t| t.contains("drop table app_items")));
    // migrations.transaction overrides the runner, a file's directive both.
    let cfg = Config::parse("migrations:\n  transaction: none\n", "pgvet.yaml").unwrap();
    let r = read_with("goose/migrations", &cfg, &settings());
    assert_eq!(mode_of(&r, "1_init.sql").0, TransactionMode::None);
    let cfg = Config::parse("migrations:\n  transaction: per-file\n", "pgvet.yaml").unwrap();
    let r = read_with("goose/migrations", &cfg, &settings());
    assert_eq!(mode_of(&r, "10_index.sql").0, TransactionMode::None);
    let err = Config::parse("migrations:\n  runner: liquibase\n", "pgvet.yaml").unwrap_err();
    assert!(err.to_string().contains("goose"), "{err}");
}

#[test]
fn a_file_given_alone_is_read_by_its_markers() {
    let file = root().join("goose/migrations/1_init.sql");
    let m = pgvet::read_migrations(std::slice::from_ref(&file), &Config::default(), &settings());
    assert_eq!(m.runner, Some(Runner::Goose));
    assert!(!m.inputs.first().unwrap().text.contains("drop table"));
}

#[test]
fn skipped_files_are_in_the_json_and_one_human_line() {
    let (report, _) = lint("supabase/supabase/migrations");
    let json: serde_json::Value =
        serde_json::from_str(&pgvet::report::json::render(&report)).unwrap();
    let summary = &json["summary"];
    assert_eq!(summary["runner"], "supabase");
    assert_eq!(summary["files"], 3);
    let skipped = summary["skipped_files"].as_array().unwrap();
    assert_eq!(skipped.len(), 1);
    assert!(skipped[0]["file"]
        .as_str()
        .unwrap()
        .ends_with("all_migrations.sql"));
    assert!(skipped[0]["reason"]
        .as_str()
        .unwrap()
        .contains("Supabase CLI"));
    let human = pgvet::report::human::render(&report, false);
    let lines: Vec<&str> = human
        .lines()
        .filter(|l| l.contains("not replayed"))
        .collect();
    assert_eq!(
        lines,
        ["note: 1 file not replayed, as the Supabase CLI does not apply it: the Supabase CLI applies only files named <version>_<name>.sql; `--format json` lists them"]
    );
}

#[test]
fn migration_filename_still_names_a_skipped_stray_file() {
    let path = root().join("supabase/supabase/migrations");
    let cfg = Config::parse("select: [migration-filename]\n", "pgvet.yaml").unwrap();
    let report = pgvet::lint(std::slice::from_ref(&path), &cfg, &settings());
    let files: Vec<String> = report
        .findings
        .iter()
        .filter_map(|f| f.location.as_ref())
        .map(|l| rel(&l.file, &path))
        .collect();
    assert!(
        files.contains(&"all_migrations.sql".to_string()),
        "{files:?}"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// `pgvet fix` on a copy of the fixture: the migration it writes is the one
/// the runner applies next, and after it the fixed findings are gone.
fn fix_round(fixture: &str, dir: &str) -> Result<String, String> {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root().join(fixture), tmp.path());
    // As settings(): an API serves `public`.
    std::fs::write(tmp.path().join("pgvet.yaml"), "exposed_schemas: [public]\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pgvet"))
        .args(["fix", "--unsafe-fixes", "--rule", "rls-disabled", dir])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    if !out.status.success() {
        return Err(stderr);
    }
    let path = tmp.path().join(dir);
    let m = pgvet::read_migrations(std::slice::from_ref(&path), &Config::default(), &settings());
    // Flyway applies repeatable scripts after every versioned one.
    let last = m.inputs.iter().rfind(|i| !i.path.contains("/R__")).unwrap();
    assert!(
        last.path.contains("pgvet_fixes"),
        "{fixture}: the fix is not the last migration: {} ({stderr})",
        last.path
    );
    assert!(m
        .skipped
        .iter()
        .all(|s| !s.path.display().to_string().contains("pgvet_fixes")));
    let report = pgvet::lint(std::slice::from_ref(&path), &Config::default(), &settings());
    assert!(report.errors.is_empty(), "{fixture}: {:?}", report.errors);
    assert!(
        !report.findings.iter().any(|f| f.rule == "rls-disabled"),
        "{fixture}: rls-disabled left after the fix"
    );
    Ok(rel(&last.path, &path) + "\n" + &last.text)
}

#[test]
fn fix_writes_the_migration_each_runner_applies_next() {
    let cases = [
        ("supabase", "supabase/migrations", "_pgvet_fixes.sql"),
        ("goose", "migrations", "12_pgvet_fixes.sql\n-- +goose Up\n"),
        (
            "dbmate",
            "db/migrations",
            "_pgvet_fixes.sql\n-- migrate:up\n",
        ),
        ("golang-migrate", "migrations", "12_pgvet_fixes.up.sql\n"),
        ("flyway", "sql", "V3__pgvet_fixes.sql\n"),
        (
            "prisma",
            "prisma/migrations",
            "_pgvet_fixes/migration.sql\n",
        ),
        ("diesel", "migrations", "_pgvet_fixes/up.sql\n"),
        (
            "node-pg-migrate",
            "migrations",
            "1700000000002_pgvet_fixes.sql\n-- Up Migration\n",
        ),
    ];
    for (fixture, dir, expect) in cases {
        let written = fix_round(fixture, dir).unwrap_or_else(|e| panic!("{fixture}: {e}"));
        assert!(written.contains(expect), "{fixture}: {written}");
        assert!(
            written.contains("enable row level security"),
            "{fixture}: {written}"
        );
    }
    // dbmate refuses a file without a down section.
    let written = fix_round("dbmate", "db/migrations").unwrap();
    assert!(written.trim_end().ends_with("-- migrate:down"), "{written}");
    // sqitch and Drizzle: the file, and the plan or journal that lists it.
    let written = fix_round("sqitch", "deploy").unwrap();
    assert!(written.starts_with("pgvet_fixes.sql\n"), "{written}");
    let written = fix_round("sqitch", ".").unwrap();
    assert!(written.starts_with("deploy/pgvet_fixes.sql\n"), "{written}");
    let written = fix_round("drizzle", "drizzle").unwrap();
    assert!(written.starts_with("0002_pgvet_fixes.sql\n"), "{written}");
    for (fixture, dir, says) in [
        ("up-down", ".", "--output"),
        // `20261206..._pgvet_fixes.sql` would sort before `b_second.sql`.
        ("plain", ".", "sort before `b_second.sql`"),
    ] {
        let err = fix_round(fixture, dir).expect_err(fixture);
        assert!(err.contains(says), "{fixture}: {err}");
    }
}

#[test]
fn fix_puts_concurrent_builds_where_the_runner_runs_them_outside_a_transaction() {
    use pgvet::fix::{plan, render, FixOptions};
    let sql = "create table p (id bigint primary key);\n\
               create table c (id bigint primary key, p_id bigint references p (id) on delete cascade);\n\
               create table d (id bigint primary key, p_id bigint references p (id) on delete cascade);\n";
    let report = pgvet::lint_sources(
        vec![("1_init.sql".to_string(), sql.to_string())],
        &Config::parse("select: [fk-missing-index, rls-disabled]\n", "x").unwrap(),
        &settings(),
    );
    let cat = report.catalog.as_ref().unwrap();
    let opts = |runner, transaction| FixOptions {
        platform: Platform::Postgres,
        postgres_version: 15,
        transaction,
        runner: Some(runner),
        rules: Vec::new(),
        unsafe_fixes: true,
    };
    let files = |runner, transaction| {
        let o = opts(runner, transaction);
        render(&plan(&report.findings, cat, &o), &o, "-- fix")
    };
    // goose: the builds get a file of their own, marked NO TRANSACTION.
    let goose = files(Runner::Goose, TransactionMode::PerFile);
    assert_eq!(goose.len(), 2, "{goose:#?}");
    assert!(goose[0].starts_with("-- +goose Up\n") && !goose[0].contains("concurrently"));
    assert!(goose[1].starts_with("-- +goose NO TRANSACTION\n-- +goose Up\n"));
    assert!(goose[1].matches("create index concurrently").count() == 2);
    assert!(!goose[1].contains("pgvet-ignore-file"));
    // golang-migrate sends a file as one query: one build per file.
    let gm = files(Runner::GolangMigrate, TransactionMode::None);
    assert_eq!(gm.len(), 3, "{gm:#?}");
    assert!(gm[1..]
        .iter()
        .all(|f| f.matches("concurrently").count() == 1));
    // The Supabase CLI and Flyway run the builds outside their transaction.
    assert_eq!(files(Runner::Supabase, TransactionMode::PerFile).len(), 1);
    // Flyway refuses a script that mixes both kinds (mixed=false), and runs
    // one of builds only outside a transaction by itself.
    let flyway = files(Runner::Flyway, TransactionMode::PerFile);
    assert_eq!(flyway.len(), 2, "{flyway:#?}");
    assert!(flyway[0].contains("enable row level security") && !flyway[0].contains("concurrently"));
    assert!(!flyway[1].contains("pgvet-ignore-file"));
    // Each file read back as goose: no finding about the builds' transaction.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("1_init.sql"),
        format!("-- +goose Up\n{sql}"),
    )
    .unwrap();
    for (i, text) in goose.iter().enumerate() {
        std::fs::write(dir.path().join(format!("{}_fix.sql", i + 2)), text).unwrap();
    }
    let report = pgvet::lint(
        &[dir.path().to_path_buf()],
        &Config::parse(
            "select: [fk-missing-index, ban-concurrent-index-creation-in-transaction]\n",
            "x",
        )
        .unwrap(),
        &settings(),
    );
    assert_eq!(report.summary.runner, Some("goose"));
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

/// The runner's history table exists before the first migration: a view
/// over it names a table that is there.
#[test]
fn the_runners_history_table_exists_before_the_first_migration() {
    let dir = tempfile::tempdir().unwrap();
    let up = dir.path().join("migrations/2024-01-01-000000_applied");
    std::fs::create_dir_all(&up).unwrap();
    std::fs::write(
        up.join("up.sql"),
        "create view public.applied as select version from __diesel_schema_migrations;\n",
    )
    .unwrap();
    std::fs::write(up.join("down.sql"), "drop view public.applied;\n").unwrap();
    let undefined = |path: PathBuf| {
        let report = pgvet::lint(&[path], &Config::default(), &settings());
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        report
            .findings
            .iter()
            .filter(|f| f.rule == "undefined-object")
            .count()
    };
    assert_eq!(undefined(dir.path().join("migrations")), 0);
    // Read as a plain folder (no runner), the table is unknown.
    assert_eq!(undefined(up.join("up.sql")), 1);
}

/// The files a directory's runner applies, as paths under `base`, with the
/// texts and the history location; input errors are returned, not failed on.
fn read_under(dir: &str, base: &str) -> (pgvet::Migrations, Vec<String>) {
    let m = pgvet::read_migrations(&[root().join(dir)], &Config::default(), &settings());
    let base = root().join(base);
    let files = m.inputs.iter().map(|i| rel(&i.path, &base)).collect();
    (m, files)
}

fn history_of(m: &pgvet::Migrations) -> (String, String) {
    let h = m.history.as_ref().expect("a history table");
    (h.schema.clone(), h.table.clone())
}

/// flyway.conf above the folder: two locations merged and ordered by
/// version, subfolders scanned, its own prefix, separator and suffixes,
/// its placeholders, and the history table in its first schema.
#[test]
fn flyway_conf_sets_locations_naming_placeholders_and_history() {
    let order = [
        "sql/M1-init.sql",
        "more/M1.5-label.pgsql",
        "sql/M2-index.sql",
        "more/nested/M4-nested.sql",
        "sql/R-view.sql",
    ];
    // The folder of one location, or the project root holding the config.
    for dir in ["flyway-conf/sql", "flyway-conf"] {
        let (m, files) = read_under(dir, "flyway-conf");
        assert!(m.errors.is_empty(), "{dir}: {:?}", m.errors);
        assert_eq!(m.runner, Some(Runner::Flyway), "{dir}");
        assert_eq!(files, order, "{dir}");
        let skipped: Vec<String> = m
            .skipped
            .iter()
            .map(|s| rel(&s.path.display().to_string(), &root().join("flyway-conf")))
            .collect();
        assert_eq!(skipped, ["sql/V3__default_named.sql"], "{dir}");
        assert_eq!(
            history_of(&m),
            ("app".to_string(), "schema_history".to_string())
        );
        assert!(m.inputs[0].text.contains("default 'fc_owner'"));
        assert!(m.inputs[3].text.contains("'made in shop by M4-nested.sql'"));
    }
    let (report, found) = lint("flyway-conf/sql");
    assert_eq!(
        table_columns_in(&report, "app", "fc_items"),
        ["id", "owner", "label", "nested"]
    );
    // Flyway made schema app (flyway.schemas) before the first script.
    assert!(
        !found
            .iter()
            .any(|(_, _, _, rule)| rule == "undefined-object"),
        "{found:?}"
    );
    let versions: Vec<Option<String>> = read_under("flyway-conf", "flyway-conf")
        .0
        .inputs
        .iter()
        .map(|i| runner::version_key(Runner::Flyway, Path::new(&i.path)))
        .collect();
    assert_eq!(
        versions,
        [
            Some("1".to_string()),
            Some("1.5".to_string()),
            Some("2".to_string()),
            Some("4".to_string()),
            None
        ]
    );
}

fn table_columns_in(report: &pgvet::report::Report, schema: &str, table: &str) -> Vec<String> {
    let cat = report.catalog.as_ref().expect("the catalog is kept");
    cat.table(&QualifiedName::new(schema, table))
        .unwrap_or_else(|| panic!("no table {schema}.{table}"))
        .columns
        .iter()
        .map(|c| c.name.as_str().to_string())
        .collect()
}

/// flyway.toml (Flyway 10): `[flyway]` locations and table, placeholders,
/// and the environment's schemas as `${flyway:defaultSchema}`.
#[test]
fn flyway_toml_sets_locations_placeholders_and_the_default_schema() {
    let (m, files) = read_under("flyway-toml", "flyway-toml");
    assert!(m.errors.is_empty(), "{:?}", m.errors);
    assert_eq!(m.runner, Some(Runner::Flyway));
    assert_eq!(
        files,
        ["db/migrations/V1__init.sql", "db/migrations/V2__grant.sql"]
    );
    assert_eq!(
        history_of(&m),
        ("tenant".to_string(), "migration_log".to_string())
    );
    assert!(m.inputs[1]
        .text
        .contains("grant select on tenant.ft_items to ft_reader;"));
    let (report, _) = lint("flyway-toml/db/migrations");
    assert_eq!(
        table_columns_in(&report, "tenant", "ft_items"),
        ["id", "body"]
    );
}

/// Flyway sets the search_path to its default schema (here the first of
/// `schemas`) ahead of the session's path before each migration: unqualified
/// names land there, a SET in one script does not reach the next.
#[test]
fn flyway_puts_its_default_schema_first_in_each_scripts_search_path() {
    let (m, _) = read_under("flyway-default-schema/sql", "flyway-default-schema");
    assert_eq!(
        m.history.as_ref().and_then(|h| h.search_path_first.clone()),
        Some("billing".to_string())
    );
    let (report, found) = lint("flyway-default-schema/sql");
    assert_eq!(
        table_columns_in(&report, "billing", "invoices"),
        ["id", "total"]
    );
    assert_eq!(table_columns_in(&report, "public", "settings"), ["k"]);
    assert_eq!(table_columns_in(&report, "public", "later"), ["id"]);
    assert_eq!(table_columns_in(&report, "billing", "audit_log"), ["id"]);
    assert!(
        !found
            .iter()
            .any(|(_, _, _, rule)| rule == "undefined-object"),
        "{found:?}"
    );
}

/// A placeholder Flyway has no value for: Flyway refuses the script, so it
/// is an input error at the placeholder, and the script is not replayed.
#[test]
fn a_flyway_placeholder_without_a_value_is_an_input_error_at_its_place() {
    let path = root().join("flyway-placeholder/sql");
    let report = pgvet::lint(std::slice::from_ref(&path), &Config::default(), &settings());
    let places: Vec<String> = report
        .errors
        .iter()
        .map(|e| rel(&e.place(), &path))
        .collect();
    assert_eq!(places, ["V2__owner.sql:3:12"], "{:?}", report.errors);
    assert!(
        report.errors[0].message.contains("`${app_owner}`"),
        "{}",
        report.errors[0].message
    );
    assert_eq!(table_columns_in(&report, "public", "fp_items"), ["id"]);
}

/// goose's ENVSUB: `${VAR:-default}` and an unset `${VAR}` (nothing) in
/// the lines after `-- +goose ENVSUB ON`, text as written elsewhere; the
/// history table from GOOSE_TABLE in the project's .env.
#[test]
fn goose_envsub_replaces_variables_and_goose_table_names_the_history() {
    let r = read("goose-envsub/migrations");
    assert_eq!(r.runner, Runner::Goose);
    assert_eq!(names(&r), ["1_init.sql", "2_off.sql"]);
    assert!(
        r.texts[0].contains("  label text,\n  note text\n"),
        "{}",
        r.texts[0]
    );
    assert!(r.texts[1].contains("'costs ${PGVET_FIXTURE_UNSET_COLUMN}'"));
    let (report, _) = lint("goose-envsub/migrations");
    assert_eq!(
        table_columns_in(&report, "public", "ge_items"),
        ["id", "label", "note"]
    );
    if std::env::var_os("GOOSE_TABLE").is_none() {
        let (m, _) = read_under("goose-envsub/migrations", "goose-envsub");
        assert_eq!(
            history_of(&m),
            ("meta".to_string(), "goose_history".to_string())
        );
    }
}

/// sqitch.conf's `top_dir` and `deploy_dir`: the plan and the scripts
/// where it says, from the project root or from the deploy folder.
#[test]
fn sqitch_conf_moves_the_plan_and_the_deploy_scripts() {
    for dir in ["sqitch-conf", "sqitch-conf/db/changes"] {
        let (m, files) = read_under(dir, "sqitch-conf");
        assert!(m.errors.is_empty(), "{dir}: {:?}", m.errors);
        assert_eq!(m.runner, Some(Runner::Sqitch), "{dir}");
        assert_eq!(
            files,
            ["db/changes/items.sql", "db/changes/labels.sql"],
            "{dir}"
        );
        assert_eq!(m.skipped.len(), 1, "{dir}: {:?}", m.skipped);
        assert!(m.skipped[0].path.ends_with("db/changes/scratch.sql"));
    }
    let (report, _) = lint("sqitch-conf");
    assert_eq!(
        table_columns_in(&report, "public", "sc_items"),
        ["id", "label"]
    );
}

/// drizzle.config.ts's `migrations: { table, schema }`, read as literals:
/// where drift looks for the migrator's history.
#[test]
fn drizzle_config_names_the_history_table() {
    let (m, files) = read_under("drizzle-config/drizzle", "drizzle-config");
    assert!(m.errors.is_empty(), "{:?}", m.errors);
    assert_eq!(m.runner, Some(Runner::Drizzle));
    assert_eq!(files, ["drizzle/0000_init.sql"]);
    let h = m.history.as_ref().unwrap();
    assert_eq!(
        (h.schema.as_str(), h.table.as_str()),
        ("meta", "dz_history")
    );
    // drizzle-kit makes the schema; what else is in it may be the project's.
    assert!(h.owns("meta") && h.owns("meta.dz_history") && !h.owns("meta.other"));
}

/// authelia's storage migrations (`V<version>.<Name>.<database>.up.sql`):
/// the PostgreSQL and all-database up scripts by version, each in a
/// transaction (authelia wraps the run in one); another database's skipped.
#[test]
fn authelia_named_up_files_apply_for_postgres_in_a_transaction() {
    let r = read("authelia");
    assert_eq!(r.runner, Runner::UpDown);
    assert_eq!(
        names(&r),
        [
            "V0001.Initial_Schema.postgres.up.sql",
            "V0002.Add_Email.all.up.sql",
            "V0010.Email_Index.postgres.up.sql"
        ]
    );
    assert_eq!(
        skipped(&r),
        [
            "V0001.Initial_Schema.mysql.up.sql",
            "V0001.Initial_Schema.postgres.down.sql",
            "V0010.Email_Index.postgres.down.sql"
        ]
    );
    assert!(r
        .files
        .iter()
        .all(|(_, mode, ..)| *mode == TransactionMode::PerFile));
    let (report, _) = lint("authelia");
    assert_eq!(table_columns(&report, "au_users"), ["id", "name", "email"]);
}

/// Flyway's project-wide `executeInTransaction=false` runs every script
/// outside a transaction, unless the script's own `.conf` says true.
#[test]
fn flyway_execute_in_transaction_from_the_project_and_the_script() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("flyway.conf"), "flyway.executeInTransaction=false\n").unwrap();
    std::fs::write(p.join("V1__a.sql"), "create table a (id int);\n").unwrap();
    std::fs::write(p.join("V2__b.sql"), "create table b (id int);\n").unwrap();
    std::fs::write(p.join("V2__b.sql.conf"), "executeInTransaction=true\n").unwrap();
    let r = read(p.to_str().unwrap());
    assert_eq!(r.runner, Runner::Flyway);
    assert_eq!(mode_of(&r, "V1__a.sql").0, TransactionMode::None);
    assert_eq!(mode_of(&r, "V2__b.sql").0, TransactionMode::PerFile);
}

/// Atlas's `-- atlas:txmode none` at the top of a file: no transaction.
#[test]
fn atlas_txmode_none_runs_the_file_outside_a_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("supabase/migrations");
    std::fs::create_dir_all(&p).unwrap();
    std::fs::write(
        p.join("20240101000000_a.sql"),
        "-- atlas:txmode none\n\ncreate index concurrently a_idx on a (id);\n",
    )
    .unwrap();
    std::fs::write(p.join("20240102000000_b.sql"), "create table b (id int);\n").unwrap();
    let r = read(p.to_str().unwrap());
    assert_eq!(mode_of(&r, "20240101000000_a.sql").0, TransactionMode::None);
    assert_ne!(mode_of(&r, "20240102000000_b.sql").0, TransactionMode::None);
}

/// `pgvet.yaml` as written in a project folder.
fn config_in(dir: &Path, yaml: &str) -> Config {
    let path = dir.join("pgvet.yaml");
    std::fs::write(&path, yaml).unwrap();
    Config::load(&path).unwrap()
}

fn write_all(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// pgvet.yaml says what Flyway's command line says, over flyway.conf:
/// `history_table` is `-table` (with a schema, `-defaultSchema`),
/// `migrations.flyway` gives `-schemas`, `-placeholders.*` and
/// `-executeInTransaction`.
#[test]
fn pgvet_yaml_gives_flyways_flags_over_flyway_conf() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    write_all(
        p,
        &[
            (
                "flyway.conf",
                "flyway.locations=filesystem:sql\nflyway.schemas=app\nflyway.table=conf_history\nflyway.placeholders.owner=conf_owner\n",
            ),
            (
                "sql/V1__init.sql",
                "create table item (id bigint primary key, owner text default '${owner}');\n",
            ),
            ("sql/V2__label.sql", "alter table item add column label text;\n"),
        ],
    );
    let sql = p.join("sql");
    // flyway.conf alone.
    let m = pgvet::read_migrations(std::slice::from_ref(&sql), &Config::default(), &settings());
    assert!(m.errors.is_empty(), "{:?}", m.errors);
    assert_eq!(
        history_of(&m),
        ("app".to_string(), "conf_history".to_string())
    );
    assert!(m.inputs[0].text.contains("'conf_owner'"));
    assert_eq!(m.inputs[0].run.unwrap().mode, TransactionMode::PerFile);

    let cfg = config_in(
        p,
        "migrations:\n  history_table: ops.deploy_log\n  flyway:\n    schemas: [ops, app]\n    placeholders: { owner: yaml_owner }\n    executeInTransaction: false\n",
    );
    let m = pgvet::read_migrations(std::slice::from_ref(&sql), &cfg, &settings());
    assert!(m.errors.is_empty(), "{:?}", m.errors);
    assert_eq!(
        history_of(&m),
        ("ops".to_string(), "deploy_log".to_string())
    );
    let h = m.history.as_ref().unwrap();
    assert_eq!(h.search_path_first.as_deref(), Some("ops"));
    assert!(h.owns("ops") && h.owns("app") && h.owns("ops.deploy_log"));
    assert!(
        m.inputs[0].text.contains("'yaml_owner'"),
        "{}",
        m.inputs[0].text
    );
    assert!(m
        .inputs
        .iter()
        .all(|i| i.run.unwrap().mode == TransactionMode::None));
    // The unqualified table lands in the default schema the yaml gives.
    let report = pgvet::lint(std::slice::from_ref(&sql), &cfg, &settings());
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(
        table_columns_in(&report, "ops", "item"),
        ["id", "owner", "label"]
    );
}

/// `migrations.flyway.locations` are read from pgvet.yaml's folder, as
/// `-locations` from where Flyway runs: given that folder or one of the
/// locations, pgvet reads them all (and nothing else under the folder),
/// ordered together by version.
#[test]
fn pgvet_yaml_gives_flyways_locations() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    write_all(
        p,
        &[
            (
                "db/base/V1__init.sql",
                "create table item (id bigint primary key);\n",
            ),
            (
                "db/base/V3__note.sql",
                "alter table item add column note text;\n",
            ),
            (
                "db/extra/V2__label.sql",
                "alter table item add column label text;\n",
            ),
            // Not a location: Flyway never reads it.
            ("db/retired/V9__drop.sql", "drop table item;\n"),
        ],
    );
    let cfg = config_in(
        p,
        "migrations:\n  runner: flyway\n  flyway:\n    locations: [filesystem:db/base, filesystem:db/extra]\n",
    );
    let forced = Settings {
        runner: cfg.runner,
        ..settings()
    };
    for given in [p.to_path_buf(), p.join("db/extra")] {
        let m = pgvet::read_migrations(std::slice::from_ref(&given), &cfg, &forced);
        assert!(m.errors.is_empty(), "{}: {:?}", given.display(), m.errors);
        let files: Vec<String> = m.inputs.iter().map(|i| rel(&i.path, p)).collect();
        assert_eq!(
            files,
            [
                "db/base/V1__init.sql",
                "db/extra/V2__label.sql",
                "db/base/V3__note.sql"
            ],
            "{}",
            given.display()
        );
    }
    // Without the yaml, the folder given is read alone.
    let m = pgvet::read_migrations(&[p.join("db/extra")], &Config::default(), &settings());
    assert_eq!(m.inputs.len(), 1);
}

/// `history_table` moves any runner's history table, over what its
/// configuration says (goose's GOOSE_TABLE in .env, as its `-table` flag
/// would); a table without a schema is in the runner's default one.
#[test]
fn pgvet_yaml_history_table_wins_over_the_runners_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_in(dir.path(), "migrations:\n  history_table: deploy_log\n");
    let m = pgvet::read_migrations(&[root().join("goose-envsub/migrations")], &cfg, &settings());
    assert!(m.errors.is_empty(), "{:?}", m.errors);
    assert_eq!(
        history_of(&m),
        ("public".to_string(), "deploy_log".to_string())
    );
    let cfg = config_in(dir.path(), "migrations:\n  history_table: ops.db_history\n");
    let m = pgvet::read_migrations(&[root().join("diesel/migrations")], &cfg, &settings());
    assert_eq!(m.runner, Some(Runner::Diesel));
    assert_eq!(
        history_of(&m),
        ("ops".to_string(), "db_history".to_string())
    );
}

/// sqitch.conf's `registry` (of `[engine "pg"]`, or of the target it
/// deploys to by default) is where sqitch keeps `changes`: drift reads it
/// there, and nothing in that schema is a migration's. The target's URI
/// names the database the registry is in.
#[test]
fn sqitch_conf_names_the_registry() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    write_all(
        p,
        &[
            (
                "sqitch.conf",
                "[core]\n\tengine = pg\n[engine \"pg\"]\n\tregistry = deploy_meta\n",
            ),
            (
                "sqitch.plan",
                "%syntax-version=1.0.0\n%project=shop\n\nitems 2024-01-01T00:00:00Z A <a@b>\n",
            ),
            (
                "deploy/items.sql",
                "create table public.items (id bigint primary key);\n",
            ),
        ],
    );
    for given in [p.to_path_buf(), p.join("deploy")] {
        let m = pgvet::read_migrations(
            std::slice::from_ref(&given),
            &Config::default(),
            &settings(),
        );
        assert_eq!(m.runner, Some(Runner::Sqitch));
        assert_eq!(
            history_of(&m),
            ("deploy_meta".to_string(), "changes".to_string()),
            "{}",
            given.display()
        );
        let h = m.history.as_ref().unwrap();
        assert!(h.owns("deploy_meta") && h.owns("deploy_meta.tags") && !h.owns("sqitch"));
        assert_eq!(h.database, None);
    }
    // The default target's registry wins; its URI names its database.
    std::fs::write(
        p.join("sqitch.conf"),
        "[core]\n\tengine = pg\n[engine \"pg\"]\n\ttarget = prod\n\tregistry = deploy_meta\n[target \"prod\"]\n\turi = db:pg://deployer@db.example.com/widgets\n\tregistry = prod_meta\n",
    )
    .unwrap();
    let m = pgvet::read_migrations(&[p.to_path_buf()], &Config::default(), &settings());
    let h = m.history.as_ref().unwrap();
    assert_eq!(
        (h.schema.as_str(), h.table.as_str()),
        ("prod_meta", "changes")
    );
    assert_eq!(
        h.database,
        Some((
            "widgets".to_string(),
            "sqitch.conf's target `prod`".to_string()
        ))
    );
    // pgvet.yaml's history_table wins over sqitch.conf.
    let cfg = config_in(p, "migrations:\n  history_table: reg.changes\n");
    let m = pgvet::read_migrations(&[p.to_path_buf()], &cfg, &settings());
    let h = m.history.as_ref().unwrap();
    assert_eq!((h.schema.as_str(), h.table.as_str()), ("reg", "changes"));
    assert!(h.owns("reg.tags") && !h.owns("prod_meta.tags"));
}
