//! `object-already-exists` against PostgreSQL: every statement pgvet says
//! PostgreSQL rejects must fail on a real server, and the shapes that look
//! like a duplicate but succeed (a drop or rename first, IF NOT EXISTS, OR
//! REPLACE, a CASCADE drop pgvet does not follow) must stay quiet.

mod support;

use std::path::{Path, PathBuf};

use pgvet::catalog::Platform;
use pgvet::config::Config;
use pgvet::rules;
use pgvet::Settings;
use support::pg::{stderr, Cluster};

const RULE: &str = "object-already-exists";

/// (what earlier migrations made, the next migration, PostgreSQL rejects it)
const CASES: &[(&str, &str, bool)] = &[
    // What PostgreSQL refuses.
    ("create table t (id int);", "create table t (id int);", true),
    (
        "create table t (id int);",
        "create view t as select 1;",
        true,
    ),
    (
        "create table t (id int); create index t_id on t (id);",
        "create table u (id int); create index t_id on u (id);",
        true,
    ),
    ("create sequence s;", "create table s (id int);", true),
    ("create table t (id int);", "select 1 as id into t;", true),
    (
        "create view v as select 1 as x;",
        "select 2 as y into table v union select 3;",
        true,
    ),
    (
        "create table t (a int);",
        "alter table t add column a int;",
        true,
    ),
    (
        "create table t (a int primary key);",
        "alter table t add constraint t_two primary key (a);",
        true,
    ),
    (
        "create table t (a int, constraint a_positive check (a > 0));",
        "alter table t add constraint a_positive check (a >= 0);",
        true,
    ),
    (
        "create table t (a int); create policy p on t using (true);",
        "create policy p on t using (a > 0);",
        true,
    ),
    (
        "create table t (a int);
         create function tf() returns trigger language plpgsql as $$begin return new; end$$;
         create trigger tr before insert on t for each row execute function tf();",
        "create trigger tr before update on t for each row execute function tf();",
        true,
    ),
    (
        "create function f(a int) returns int language sql as 'select a';",
        "create function f(b integer) returns int language sql as 'select b + 1';",
        true,
    ),
    (
        "create type mood as enum ('a');",
        "create type mood as enum ('b');",
        true,
    ),
    (
        "create table t (id int);",
        "create type t as (x int);",
        true,
    ),
    ("create schema app;", "create schema app;", true),
    (
        "create extension pg_trgm;",
        "create extension pg_trgm;",
        true,
    ),
    (
        "create table t (id int); create view v as select id from t;",
        "create materialized view v as select 1 as x;",
        true,
    ),
    (
        "create table t (id serial primary key, code text not null unique);",
        "alter table t drop column id, add primary key (code), drop constraint t_code_key;",
        false,
    ),
    (
        "create table t (id int, extra int); create view v as select * from t;",
        "alter table t drop column extra cascade; create view v as select id from t;",
        false,
    ),
    (
        "create table t (id int);",
        "create table if not exists t (id int);",
        false,
    ),
    (
        "create table t (id int);",
        "drop table t; create table t (id int);",
        false,
    ),
    (
        "create table t (id int);",
        "alter table t rename to t_old; create table t (id int);",
        false,
    ),
    (
        "create table t (a int);",
        "alter table t drop column a, add column a text;",
        false,
    ),
    (
        "create table t (a int);",
        "alter table t add column if not exists a int;",
        false,
    ),
    (
        "create table t (id int); create index t_id on t (id);",
        "create index if not exists t_id on t (id);",
        false,
    ),
    (
        "create table t (id int); create index t_id on t (id);",
        "alter index t_id rename to t_id_old; create index t_id on t (id);",
        false,
    ),
    (
        "create schema a; create table a.t (id int);",
        "create table t (id int);",
        false,
    ),
    (
        "create table t (a int primary key);",
        "alter table t drop constraint t_pkey, add constraint t_pkey primary key (a);",
        false,
    ),
    (
        "create function f(a int) returns int language sql as 'select a';",
        "create or replace function f(a int) returns int language sql as 'select a + 1';",
        false,
    ),
    (
        "create function f(a int) returns int language sql as 'select a';",
        "create function f(a bigint) returns int language sql as 'select 1';",
        false,
    ),
    (
        "create table t (a int);
         create function owner_ok(x int) returns boolean language sql as 'select x > 0';
         create policy p on t using (owner_ok(a));",
        "drop function owner_ok(int) cascade; create policy p on t using (a > 0);",
        false,
    ),
    (
        "create table t (id int); create view v as select id from t;",
        "drop table t cascade; create table t (id int); create view v as select id from t;",
        false,
    ),
    (
        "create table t (id int);",
        "do $$ begin execute 'drop table t'; end $$; create table t (id int);",
        false,
    ),
    (
        "create table t (id int);
         create function reset_all() returns void language plpgsql as $$begin drop table t; end$$;",
        "select reset_all(); create table t (id int);",
        false,
    ),
    (
        "create temporary table t (id int);",
        "create temporary table t (id int);",
        false,
    ),
    (
        "create table t (id int);",
        "select 1 as id into temporary t;",
        false,
    ),
    (
        "create type mood as enum ('a');",
        "drop type mood; create type mood as enum ('b');",
        false,
    ),
    (
        "create table t (a int); create policy p on t using (true);",
        "alter policy p on t rename to p_old; create policy p on t using (true);",
        false,
    ),
];

/// Earlier migrations that fail in PostgreSQL (a foreign key to a table
/// or a column of a type no migration made, a policy calling a function
/// made after it), and a next one that makes the same object: it is not in
/// the way.
const AFTER_A_FAILURE: &[(&str, &str)] = &[
    (
        "create table t (id int, o int references elsewhere (id));",
        "create table t (id int);",
    ),
    (
        "create table t (id int, m mood_not_made);",
        "create table t (id int);",
    ),
    (
        "create table t (id int); alter table t add column o int references elsewhere (id);",
        "alter table t add column o int;",
    ),
    (
        "create table t (id int);
         create trigger tr before update on t for each row execute function not_made();",
        "create function tf() returns trigger language plpgsql as $$begin return new; end$$;
         create trigger tr before update on t for each row execute function tf();",
    ),
    (
        "create table p (id int primary key, code int);
         create table c (id int, code int);
         alter table c add constraint c_code_fkey foreign key (code) references p (code);",
        "alter table c add constraint c_code_fkey foreign key (code) references p (id);",
    ),
    // A table whose foreign key names a table that failed: it fails too,
    // and so do the policy and trigger on it.
    (
        "create table a (id int primary key, x int references elsewhere (id));
         create table b (id int, a_id int references a (id));
         create policy p on b using (true);",
        "create table b (id int); create policy p on b using (true);",
    ),
    // A policy whose expression calls a function, or reads a table, made
    // only after it: PostgreSQL resolves the expression and fails it.
    (
        "create table t (a int);
         create policy p on t using (public.a_ok(a));
         create function public.a_ok(x int) returns boolean language sql as 'select x > 0';",
        "create or replace function public.a_ok(x int) returns boolean language sql as 'select x > 0';
         create policy p on t using (public.a_ok(a));",
    ),
    (
        "create table t (a int);
         create policy p on t using (a in (select u.a from public.u));
         create table public.u (a int);",
        "create table if not exists public.u (a int);
         create policy p on t using (a in (select u.a from public.u));",
    ),
];

fn settings() -> Settings {
    Settings::for_platform(Platform::Postgres)
}

/// The lines of `rule` findings, as `file:line`.
fn rejected_at(paths: &[PathBuf], settings: &Settings) -> Vec<String> {
    let report = pgvet::lint(paths, &Config::default(), settings);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    report
        .findings
        .iter()
        .filter(|f| f.rule == RULE)
        .map(|f| {
            let l = f.location.as_ref().expect("a position");
            format!("{}:{}", l.file, l.line)
        })
        .collect()
}

/// The messages of `rule` findings.
fn messages_of(paths: &[PathBuf], settings: &Settings) -> Vec<String> {
    let report = pgvet::lint(paths, &Config::default(), settings);
    report
        .findings
        .iter()
        .filter(|f| f.rule == RULE)
        .map(|f| f.message.clone())
        .collect()
}

#[test]
fn what_pgvet_says_postgresql_rejects_it_does() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let mut failures = Vec::new();
    let cases = CASES
        .iter()
        .map(|(e, n, r)| (*e, *n, *r, true))
        .chain(AFTER_A_FAILURE.iter().map(|(e, n)| (*e, *n, false, false)));
    for (i, (earlier, next, rejects, earlier_applies)) in cases.enumerate() {
        let db = format!("case_{i}");
        cluster.create_db(&db);
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("001_earlier.sql");
        let second = dir.path().join("002_next.sql");
        std::fs::write(&first, earlier).unwrap();
        std::fs::write(&second, next).unwrap();
        let out = cluster.psql(&db, &["-f", &first.display().to_string()]);
        if out.status.success() != earlier_applies {
            failures.push(format!("case {i}: `{earlier}`: {}", stderr(&out).trim()));
        }
        let out = cluster.psql(&db, &["-f", &second.display().to_string()]);
        if out.status.success() == rejects {
            failures.push(format!(
                "case {i}: PostgreSQL {} `{next}` ({})",
                if rejects { "accepts" } else { "rejects" },
                stderr(&out).trim()
            ));
        }
        let found = rejected_at(&[dir.path().to_path_buf()], &settings());
        // pgvet quotes PostgreSQL's own reason.
        let reason = stderr(&out)
            .lines()
            .find_map(|l| l.split_once("ERROR:  ").map(|(_, r)| r.to_string()));
        if let Some(reason) = reason.filter(|_| rejects) {
            let messages = messages_of(&[dir.path().to_path_buf()], &settings());
            if !messages.iter().any(|m| m.ends_with(&format!(": {reason}"))) {
                failures.push(format!(
                    "case {i}: PostgreSQL says `{reason}`, pgvet {messages:?}"
                ));
            }
        }
        if found.is_empty() == rejects {
            failures.push(format!(
                "case {i}: pgvet {} `{next}`: {found:?}",
                if rejects {
                    "says nothing of"
                } else {
                    "reports"
                }
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Over every rule example and seed fixture: a file pgvet says fails must
/// fail when applied in order on a fresh database with the platform's
/// baseline.
#[test]
fn every_file_pgvet_says_fails_fails_on_postgresql() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    cluster.create_db("baseline_tpl");
    cluster.apply("baseline_tpl", Path::new("tests/sql/supabase_baseline.sql"));
    let mut sets: Vec<(String, Vec<PathBuf>, Settings, tempfile::TempDir)> = Vec::new();
    for (i, rule) in rules::all().iter().enumerate() {
        for (kind, sql) in [("bad", &rule.doc.bad), ("good", &rule.doc.good)] {
            let dir = tempfile::tempdir().unwrap();
            let mut paths = Vec::new();
            for (n, (_, text)) in rules::example_sources("example.sql", sql)
                .iter()
                .enumerate()
            {
                let path = dir.path().join(format!("{n:03}_example.sql"));
                std::fs::write(&path, text).unwrap();
                paths.push(path);
            }
            sets.push((
                format!("ex_{i}_{kind}"),
                paths,
                Settings::for_example(rule),
                dir,
            ));
        }
    }
    let mut checked = 0;
    let mut failures = Vec::new();
    for (db, paths, settings, _dir) in &sets {
        let flagged = rejected_at(paths, settings);
        if flagged.is_empty() {
            continue;
        }
        cluster.sql(
            "postgres",
            &format!("create database {db} template baseline_tpl"),
        );
        for path in paths {
            let out = cluster.psql(db, &["-f", &path.display().to_string()]);
            let name = path.display().to_string();
            let says_fails = flagged.iter().any(|f| f.starts_with(&format!("{name}:")));
            if says_fails && out.status.success() {
                failures.push(format!(
                    "{name}: pgvet says it fails, PostgreSQL applies it"
                ));
            }
            if !out.status.success() {
                break;
            }
        }
        checked += 1;
    }
    // The rule's own bad example is one of them.
    assert!(checked >= 1, "no example was flagged");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// (a migration, PostgreSQL rejects it for a column named twice) for
/// `ban-duplicate-column-assignments`: it reports exactly those.
const DUPLICATE_COLUMNS: &[(&str, bool)] = &[
    ("create table notes (body text, body text);", true),
    ("create foreign table remote (a int, a text) server nowhere;", true),
    ("create type addr as (zip text, zip text);", true),
    (
        "create schema app create table notes (body text, body text);",
        true,
    ),
    ("create table p (a int) partition by list (a);\ncreate table p1 partition of p (a not null, a default 1) for values in (1);", true),
    ("create view v as select 1, 2;", true),
    ("create view v (a, a) as select 1, 2;", true),
    ("create view v as select * from t x, t y;", true),
    ("create materialized view mv as select a, a from t;", true),
    ("select 1 as a, 2 as a into z;", true),
    ("select 1, 2 into temp scratch;", true),
    ("create table z as select 1 as a, 2 as a;", true),
    ("create table z (a) as select 1, 2 as a;", true),
    ("create table u (a int, \"A\" int);", false),
    ("create table child (a int, extra int) inherits (t);", false),
    ("create view v as select * from t x join t y using (id, a);", false),
    ("create view v (x, y) as select 1 as a, 2 as a;", false),
    ("create table z (x, y) as select 1 as a, 2 as a;", false),
    ("select 1 as x, 2 into z;", false),
    ("select 1 as a, 2 as a;", false),
];

#[test]
fn duplicate_columns_pgvet_reports_are_what_postgresql_rejects() {
    const DUPLICATES: &str = "ban-duplicate-column-assignments";
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let mut failures = Vec::new();
    for (i, (sql, rejects)) in DUPLICATE_COLUMNS.iter().enumerate() {
        let db = format!("dup_{i}");
        cluster.create_db(&db);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("001_next.sql");
        let text = format!("create table t (id bigint primary key, a int);\n{sql}\n");
        std::fs::write(&path, &text).unwrap();
        let out = cluster.psql(&db, &["-f", &path.display().to_string()]);
        let twice = stderr(&out).contains("specified more than once");
        if twice != *rejects {
            failures.push(format!("`{sql}`: PostgreSQL says {}", stderr(&out).trim()));
        }
        let report = pgvet::lint(&[path], &Config::default(), &settings());
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        let found = report
            .findings
            .iter()
            .filter(|f| f.rule == DUPLICATES)
            .count();
        if (found > 0) != *rejects {
            failures.push(format!("`{sql}`: pgvet reports it {found} times"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
