//! `pgvet lint --db`'s data checks (rule data-violates-constraint) and
//! `pgvet stats` / `lint --stats-file`, against a real PostgreSQL: rows
//! that break each statement and rows that do not, a table too large to
//! scan, the checks only reading (a role with SELECT alone, and every
//! statement pgvet sent as the server logged it), the stats file round
//! trip, and the exit codes.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use support::pg::{stderr, Cluster};

const RULE: &str = "data-violates-constraint";

fn pgvet(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgvet"))
        .current_dir(dir)
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap()
}

/// The findings of a JSON report: (severity, message), by object and in order.
fn findings(out: &Output) -> Vec<(String, String, String)> {
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            stderr(out)
        )
    });
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["object"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `lint --format json --select <rule> --db <url>` of `dir`.
fn lint_db(dir: &Path, url: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "lint",
        "--format",
        "json",
        "--select",
        RULE,
        "--sslmode",
        "disable",
        "--db",
        url,
    ];
    args.extend_from_slice(extra);
    args.push("migrations");
    pgvet(dir, &args)
}

/// The schema of the database before the pending migration: applied there
/// and kept as the first migration file.
const SCHEMA: &str = "\
create schema app;
create table app.parents (id int primary key);
create table app.dirty (id int primary key, email text, n int, mood text, parent int);
create table app.clean (id int primary key, email text, n int, mood text, parent int);
create table app.empty (id int primary key, email text);
create table app.nokey (email text);
create table app.keyed (email text);
";

const ROWS: &str = "\
insert into app.parents select g from generate_series(1, 10) g;
insert into app.dirty values
  (1, 'a@x', 5, 'sad', 1), (2, 'a@x', 6, 'happy', 2),
  (3, null, -1, 'angry', 999), (4, 'A@x', 7, 'sad', null);
insert into app.clean values
  (1, 'a@x', 5, 'sad', 1), (2, 'b@x', 6, 'happy', 2), (3, 'c@x', 7, null, null);
insert into app.nokey values ('a'), ('a'), (null);
insert into app.keyed values ('a'), ('b'), ('c');
analyze;
";

/// The statements checked, for a table `t` of SCHEMA's shape.
fn pending(t: &str) -> String {
    format!(
        "alter table app.{t} add constraint {t}_email_key unique (email);\n\
         create unique index {t}_lower_email on app.{t} (lower(email));\n\
         alter table app.{t} alter column email set not null;\n\
         alter table app.{t} add constraint {t}_n_pos check (n > 0);\n\
         alter table app.{t} add constraint {t}_n_pos2 check (n > 0) not valid;\n\
         alter table app.{t} add constraint {t}_parent_fk foreign key (parent) references app.parents (id);\n\
         alter table app.{t} add constraint {t}_parent_fk2 foreign key (parent) references app.parents (id) not valid;\n\
         alter table app.{t} validate constraint {t}_n_pos2;\n\
         alter table app.{t} alter column mood type app.mood using mood::app.mood;\n"
    )
}

fn project(cluster: &Cluster, db: &str) -> tempfile::TempDir {
    cluster.create_db(db);
    let dir = tempfile::tempdir().unwrap();
    let migrations = dir.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    let first = migrations.join("20240101000000_schema.sql");
    std::fs::write(&first, SCHEMA).unwrap();
    cluster.apply(db, &first);
    cluster.sql(db, ROWS);
    let later = format!(
        "create type app.mood as enum ('sad', 'happy');\n{}{}\
         alter table app.dirty add column code text not null;\n\
         alter table app.empty add column code text not null;\n\
         alter table app.nokey add primary key (email);\n\
         alter table app.keyed add primary key (email);\n",
        pending("dirty"),
        pending("clean")
    );
    std::fs::write(migrations.join("20240201000000_constraints.sql"), later).unwrap();
    dir
}

/// The statements pgvet sent, as a server with `log_statement=all` and
/// `log_line_prefix=app=%a:` logged them (pgvet's application_name is
/// `pgvet`; psql's lines say `app=psql:`).
fn statements_sent_by_pgvet(log: &str) -> Vec<String> {
    log.lines()
        .filter_map(|l| l.strip_prefix("app=pgvet:"))
        .filter_map(|l| {
            l.split_once("statement: ").map(|(_, s)| s).or_else(|| {
                l.split_once("execute ")
                    .and_then(|(_, s)| s.split_once(": "))
                    .map(|(_, s)| s)
            })
        })
        .map(|s| s.trim().to_string())
        .collect()
}

#[test]
fn rows_that_break_a_statement_fail_it_and_clean_rows_do_not() {
    let Some(cluster) = Cluster::start_with(&["log_statement=all", "log_line_prefix=app=%a:"])
    else {
        return;
    };
    let dir = project(&cluster, "data");
    let out = lint_db(dir.path(), &cluster.socket_url("data"), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let found = findings(&out);
    let mut by_table: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
    for (object, severity, message) in &found {
        by_table
            .entry(object.as_str())
            .or_default()
            .push((severity.as_str(), message.as_str()));
    }
    // Clean rows, an empty table, NOT VALID: nothing to say.
    for clean in ["app.clean", "app.empty", "app.keyed"] {
        assert!(!by_table.contains_key(clean), "{clean}: {found:#?}");
    }
    let dirty = &by_table["app.dirty"];
    let expect = [
        "unique constraint `dirty_email_key` fails: 2 rows of `app.dirty` sharing their `email` with another row (1 value); remove or merge the duplicates",
        "unique index `dirty_lower_email` fails: 3 rows of `app.dirty` sharing their (lower(email)) with another row (1 value)",
        "setting `email` NOT NULL fails: 1 row of `app.dirty` with NULL in `email`; fill those rows first",
        "check constraint `dirty_n_pos` fails: 1 row of `app.dirty` failing CHECK (n > 0); fix or delete those rows first; adding it NOT VALID",
        "foreign key `dirty_parent_fk` fails: 1 row of `app.dirty` with a `parent` that `app.parents` has no row for",
        "validating constraint `dirty_n_pos2` fails: 1 row of `app.dirty` failing CHECK (n > 0); fix or delete those rows first, then validate",
        "changing the type of `mood` to `app.mood` fails: 1 row of `app.dirty` holding a `mood` value that is not a label of `app.mood`; map those values",
    ];
    for e in expect {
        assert!(
            dirty.iter().any(|(s, m)| *s == "error" && m.contains(e)),
            "missing: {e}\n{dirty:#?}"
        );
    }
    // The retype changed the rows: the ADD COLUMN after it is not judged.
    assert!(
        dirty.iter().any(|(s, m)| *s == "info"
            && m.starts_with("adding column `code` as NOT NULL without a default was not checked against the rows of `app.dirty`: a statement earlier in this file changes rows")),
        "{dirty:#?}"
    );
    assert_eq!(dirty.len(), expect.len() + 1, "{dirty:#?}");
    let nokey = &by_table["app.nokey"];
    assert_eq!(nokey.len(), 2, "{nokey:#?}");
    assert!(
        nokey[0]
            .1
            .starts_with("the primary key fails: 1 row of `app.nokey` with NULL in `email`"),
        "{nokey:#?}"
    );
    assert!(nokey[1].1.starts_with("the primary key fails: 2 rows of `app.nokey` sharing their `email` with another row (1 value)"), "{nokey:#?}");

    // Read-only: every statement pgvet sent reads.
    let sent = statements_sent_by_pgvet(&cluster.server_log());
    assert!(sent.iter().any(|s| s.contains("group by")), "{sent:#?}");
    for s in &sent {
        let first = s
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        assert!(
            [
                "begin",
                "select",
                "with",
                "savepoint",
                "release",
                "rollback",
                "set"
            ]
            .contains(&first.as_str()),
            "pgvet sent a statement that is not a read: {s}"
        );
        assert!(
            !first.starts_with("begin") || s.contains("read only"),
            "a transaction not read-only: {s}"
        );
    }

    // A role that may only read those tables gets the same findings.
    cluster.sql(
        "data",
        "create role reader login; grant usage on schema app to reader; \
         grant select on all tables in schema app to reader;",
    );
    let url = format!(
        "host={} port={} user=reader dbname=data",
        cluster.socket_dir().display(),
        cluster.port
    );
    let out = lint_db(dir.path(), &url, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(findings(&out), found);
    // The rows are as they were.
    assert_eq!(cluster.query("data", "select count(*) from app.dirty"), "4");

    // A clean migration exits 0.
    let clean_dir = tempfile::tempdir().unwrap();
    let migrations = clean_dir.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    std::fs::write(migrations.join("20240101000000_schema.sql"), SCHEMA).unwrap();
    std::fs::write(
        migrations.join("20240201000000_constraints.sql"),
        format!(
            "create type app.mood as enum ('sad', 'happy');\n{}",
            pending("clean")
        ),
    )
    .unwrap();
    let out = lint_db(clean_dir.path(), &cluster.socket_url("data"), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(findings(&out).is_empty());
}

#[test]
fn a_table_too_large_to_scan_is_sampled_and_says_so() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    cluster.create_db("large");
    let dir = tempfile::tempdir().unwrap();
    let migrations = dir.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    let first = migrations.join("20240101000000_schema.sql");
    std::fs::write(
        &first,
        "create table public.dup (id int, email text);\n\
         create table public.uniq (id int, email text);\n\
         create table public.parted (id int, email text) partition by range (id);\n\
         create table public.parted_1 partition of public.parted for values from (0) to (10001);\n\
         create table public.parted_2 partition of public.parted for values from (10001) to (30000);\n",
    )
    .unwrap();
    cluster.apply("large", &first);
    cluster.sql(
        "large",
        "insert into public.dup select g, 'same' from generate_series(1, 20000) g;\n\
         insert into public.uniq select g, 'e' || g from generate_series(1, 20000) g;\n\
         insert into public.parted select g % 10000 + 1, 'same' from generate_series(1, 20000) g;\n\
         analyze;",
    );
    std::fs::write(
        migrations.join("20240201000000_keys.sql"),
        "alter table public.dup add constraint dup_email unique (email);\n\
         alter table public.uniq add constraint uniq_email unique (email);\n\
         alter table public.dup add column code text not null;\n\
         create unique index parted_id_email on public.parted (id, email);\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("pgvet.yaml"),
        "options:\n  data-violates-constraint:\n    max_rows: 4000\n",
    )
    .unwrap();
    let out = lint_db(dir.path(), &cluster.socket_url("large"), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let found = findings(&out);
    assert_eq!(found.len(), 4, "{found:#?}");
    let (object, severity, message) = &found[0];
    assert_eq!(
        (object.as_str(), severity.as_str()),
        ("public.dup", "error")
    );
    assert!(
        message.starts_with("unique constraint `dup_email` fails: at least "),
        "{message}"
    );
    assert!(
        message
            .contains("(found in a sample of about 20% of its pages, about 4,000 of 20,000 rows)"),
        "{message}"
    );
    let (object, severity, message) = &found[1];
    assert_eq!(
        (object.as_str(), severity.as_str()),
        ("public.uniq", "info")
    );
    assert!(
        message.starts_with("unique constraint `uniq_email` was not checked in full: `public.uniq` is too large to scan (about 20,000 rows estimated, above max_rows 4,000), and a sample of about 20%"),
        "{message}"
    );
    // Whether rows exist costs one row, whatever the size: counted, not sampled.
    let (_, severity, message) = &found[2];
    assert_eq!(severity, "error");
    assert!(
        message.starts_with("adding column `code` as NOT NULL without a default fails: at least 1,000 rows of `public.dup` already there"),
        "{message}"
    );
    // A partitioned table: its partitions' rows, sampled too (each id
    // twice).
    let (object, severity, message) = &found[3];
    assert_eq!(
        (object.as_str(), severity.as_str()),
        ("public.parted", "error")
    );
    assert!(
        message.starts_with("unique index `parted_id_email` fails: at least ")
            && message.contains(
                "found in a sample of about 20% of its pages, about 4,000 of 20,000 rows"
            ),
        "{message}"
    );

    // A question that runs past the statement timeout is not answered, and
    // the next one still is.
    std::fs::write(
        migrations.join("20240201000000_keys.sql"),
        "alter table public.uniq add constraint slow check (length(pg_sleep(0.01)::text) = 0);\n\
         alter table public.dup add constraint dup_email unique (email);\n",
    )
    .unwrap();
    let out = lint_db(
        dir.path(),
        &cluster.socket_url("large"),
        &["--statement-timeout", "1s"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let found = findings(&out);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!(found[0].1, "info");
    assert_eq!(
        found[0].2,
        "check constraint `slow` was not checked against the rows of `public.uniq`: reading the rows took longer than the statement timeout (1s)"
    );
    assert_eq!(found[1].1, "error");
    assert!(
        found[1]
            .2
            .starts_with("unique constraint `dup_email` fails"),
        "{found:#?}"
    );
}

#[test]
fn the_rule_examples_run_against_rows() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let rule = pgvet::rules::find(RULE).unwrap();
    for (name, sql, fails) in [
        ("bad", &rule.doc.bad, true),
        ("good", &rule.doc.good, false),
    ] {
        cluster.create_db(name);
        let dir = tempfile::tempdir().unwrap();
        let files = pgvet::rules::example_sources("x.sql", sql);
        for (i, (path, text)) in files.iter().enumerate() {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
            // The first file is applied: the table, with two orders
            // sharing an external id.
            if i == 0 {
                cluster.apply(name, &path);
                cluster.sql(
                    name,
                    "insert into app.orders (external_id) values (7), (7), (8)",
                );
            }
        }
        let out = lint_db(dir.path(), &cluster.socket_url(name), &[]);
        let found = findings(&out);
        let errors = found.iter().filter(|f| f.1 == "error").count();
        if fails {
            assert_eq!(out.status.code(), Some(1), "{found:#?}");
            assert_eq!(errors, 1, "{found:#?}");
            assert!(found[0].2.starts_with("unique constraint `orders_external_id_key` fails: 2 rows of `app.orders` sharing their `external_id`"), "{found:#?}");
        } else {
            assert_eq!(errors, 0, "{name}: {found:#?}");
            assert_eq!(out.status.code(), Some(0), "{found:#?}");
        }
    }
}

#[test]
fn stats_file_gives_the_size_aware_severity_of_lint_db() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    cluster.create_db("sizes");
    cluster.sql(
        "sizes",
        "create table public.big (id bigint primary key, n int);\n\
         insert into public.big select g, case when g % 4 = 0 then null else g % 10 end from generate_series(1, 20000) g;\n\
         create table public.tiny (id bigint primary key, n int);\n\
         insert into public.tiny values (1, 1), (2, 2);\n\
         analyze public.big; analyze public.tiny;",
    );
    let dir = tempfile::tempdir().unwrap();
    let migrations = dir.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    std::fs::write(
        migrations.join("20240101000000_pending.sql"),
        "create table public.pending (id bigint primary key, n int);\n",
    )
    .unwrap();
    std::fs::write(
        migrations.join("20240201000000_indexes.sql"),
        "create index big_n on public.big (n);\n\
         create index tiny_n on public.tiny (n);\n\
         create index pending_n on public.pending (n);\n",
    )
    .unwrap();
    let url = cluster.socket_url("sizes");
    let out = pgvet(dir.path(), &["stats", "--sslmode", "disable", "--db", &url]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["format"], "pgvet-stats");
    assert_eq!(json["version"], 1);
    let big = json["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "big")
        .unwrap();
    assert_eq!(big["schema"], "public");
    assert_eq!(big["kind"], "table");
    assert_eq!(big["row_estimate"], 20000.0);
    let n = big["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "n")
        .unwrap();
    assert!(
        (n["null_frac"].as_f64().unwrap() - 0.25).abs() < 0.02,
        "{n}"
    );
    assert_eq!(n["n_distinct"], 10.0, "{n}");
    let file = dir.path().join("stats.json");
    std::fs::write(&file, &out.stdout).unwrap();

    let lint = |source: &[&str]| {
        let mut args = vec![
            "lint",
            "--format",
            "json",
            "--select",
            "require-concurrent-index-creation",
        ];
        args.extend_from_slice(source);
        args.push("migrations");
        let out = pgvet(dir.path(), &args);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        (findings(&out), stderr(&out))
    };
    let (with_db, _) = lint(&["--sslmode", "disable", "--db", &url]);
    let (with_file, note) = lint(&["--stats-file", "stats.json"]);
    assert_eq!(with_file, with_db);
    let severities: Vec<&str> = with_db.iter().map(|f| f.1.as_str()).collect();
    assert_eq!(severities, ["error", "info", "info"], "{with_db:#?}");
    // Only the size rule ran: nothing to say about the data checks.
    assert!(note.is_empty(), "{note}");
    // With the data checks on, the file says they need --db.
    let out = pgvet(
        dir.path(),
        &["lint", "--stats-file", "stats.json", "migrations"],
    );
    assert!(
        stderr(&out).contains("--stats-file gives table sizes only; the data checks (data-violates-constraint) need --db"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bad_input_and_an_unreachable_database_exit_2_without_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let migrations = dir.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    std::fs::write(
        migrations.join("20240101000000_a.sql"),
        "create table public.t (id int);\n",
    )
    .unwrap();
    let secret = "pgvet-data-secret";
    // Nothing listens on port 1.
    let url = format!("postgresql://postgres:{secret}@127.0.0.1:1/db?connect_timeout=5");
    for args in [
        vec!["lint", "--sslmode", "disable", "--db", &url, "migrations"],
        vec!["stats", "--sslmode", "disable", "--db", &url],
    ] {
        let out = pgvet(dir.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
        assert!(!text.contains(secret), "{args:?}: {text}");
        assert!(text.contains("cannot connect"), "{args:?}: {text}");
    }
    std::fs::write(
        dir.path().join("bad.json"),
        "{\"format\": \"pgvet-stats\", \"version\": 9}",
    )
    .unwrap();
    std::fs::write(dir.path().join("not.json"), "tables: []").unwrap();
    for (file, says) in [
        ("bad.json", "stats file version 9"),
        ("not.json", "not JSON"),
        ("missing.json", "cannot read the stats file"),
    ] {
        let out = pgvet(dir.path(), &["lint", "--stats-file", file, "migrations"]);
        assert_eq!(out.status.code(), Some(2), "{file}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{file}: {}", stderr(&out));
    }
    let out = pgvet(
        dir.path(),
        &[
            "lint",
            "--stats-file",
            "bad.json",
            "--db",
            &url,
            "migrations",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!stderr(&out).contains(secret), "{}", stderr(&out));
}

#[test]
fn migrations_the_history_records_as_applied_are_not_checked() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    cluster.create_db("history");
    let dir = tempfile::tempdir().unwrap();
    let migrations = dir.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    let applied = [
        (
            "20240101000000_schema.sql",
            "create schema app;\ncreate table app.t (id int primary key, email text);\n",
        ),
        (
            "20240102000000_backfill.sql",
            "create unique index t_email_old on app.t (email);\n\
             do $$ begin perform 1; end $$;\n\
             update app.t set email = lower(email);\n",
        ),
    ];
    for (name, text) in applied {
        let path = migrations.join(name);
        std::fs::write(&path, text).unwrap();
        cluster.apply("history", &path);
    }
    // The index went later, by hand, and duplicates came in.
    cluster.sql(
        "history",
        "drop index app.t_email_old;\n\
         insert into app.t values (1, 'a'), (2, 'a'), (3, 'b');\n\
         create schema supabase_migrations;\n\
         create table supabase_migrations.schema_migrations (version text primary key);\n\
         insert into supabase_migrations.schema_migrations values ('20240101000000'), ('20240102000000');",
    );
    std::fs::write(
        migrations.join("20240201000000_email.sql"),
        "alter table app.t add constraint t_email_key unique (email);\n",
    )
    .unwrap();
    let url = cluster.socket_url("history");
    let with_history = findings(&lint_db(dir.path(), &url, &["--runner", "supabase"]));
    assert_eq!(with_history.len(), 1, "{with_history:#?}");
    assert_eq!(with_history[0].1, "error");
    assert!(
        with_history[0]
            .2
            .starts_with("unique constraint `t_email_key` fails: 2 rows of `app.t`"),
        "{with_history:#?}"
    );
    // Without the history every file is checked, and the DO block of the
    // second leaves the third unjudged.
    cluster.sql("history", "drop schema supabase_migrations cascade");
    let without = findings(&lint_db(dir.path(), &url, &["--runner", "supabase"]));
    let said: Vec<(&str, &str)> = without
        .iter()
        .map(|f| (f.1.as_str(), f.2.as_str()))
        .collect();
    assert_eq!(said.len(), 2, "{said:#?}");
    assert_eq!(said[0].0, "error");
    assert!(
        said[0].1.starts_with("unique index `t_email_old` fails"),
        "{said:#?}"
    );
    assert_eq!(said[1].0, "info");
    assert!(
        said[1].1.starts_with("unique constraint `t_email_key` was not checked against the rows of `app.t`: a statement in an earlier file changes rows"),
        "{said:#?}"
    );
}
