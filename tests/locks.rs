//! The locks and rewrites that pgvet's lock rules name, checked on a real
//! PostgreSQL: each rule's bad example runs inside BEGIN and pg_locks shows
//! the mode its message claims; a rewrite shows as a new relfilenode; the
//! lock modes pgvet assumes for each statement form (rules/support/locks)
//! are the ones the server takes; and the type changes
//! `changing-column-type` lets pass are the ones that keep the relfilenode.

mod support;

use std::time::{Duration, Instant};

use pgvet::catalog::{FileId, Platform};
use pgvet::config::Config;
use pgvet::rules::support::locks::{statement_locks, LockMode};
use pgvet::Settings;
use support::pg::{stderr, Cluster};

const MODES: [LockMode; 8] = [
    LockMode::AccessShare,
    LockMode::RowShare,
    LockMode::RowExclusive,
    LockMode::ShareUpdateExclusive,
    LockMode::Share,
    LockMode::ShareRowExclusive,
    LockMode::Exclusive,
    LockMode::AccessExclusive,
];

fn mode_named(name: &str) -> LockMode {
    MODES
        .into_iter()
        .find(|m| m.pg_locks_name() == name)
        .unwrap_or_else(|| panic!("unknown lock mode {name}"))
}

/// The oid of relation `name` (schema-qualified or on the search_path).
fn oid(c: &Cluster, db: &str, name: &str) -> String {
    c.query(db, &format!("select '{name}'::regclass::oid"))
}

/// Runs `sql` inside BEGIN and returns the lock modes this session then
/// holds on the relation whose oid is `oid`, sorted; rolls back.
fn modes_after(c: &Cluster, db: &str, sql: &str, oid: &str) -> Result<Vec<String>, String> {
    let script = format!(
        "begin;\n{sql};\nselect string_agg(mode, ',' order by mode) from pg_locks \
         where pid = pg_backend_pid() and locktype = 'relation' and relation = {oid} and granted;\n\
         rollback;"
    );
    let out = c.psql(db, &["-A", "-t", "-c", &script]);
    if !out.status.success() {
        return Err(stderr(&out));
    }
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let last = text.lines().last().unwrap_or("").trim().to_string();
    Ok(last
        .split(',')
        .filter(|m| !m.is_empty())
        .map(str::to_string)
        .collect())
}

fn strongest(modes: &[String]) -> Option<LockMode> {
    modes.iter().map(|m| mode_named(m)).max()
}

/// Runs `sql` (in autocommit) and tells whether relation `name` got new
/// files: a rewrite.
fn rewrites(c: &Cluster, db: &str, sql: &str, name: &str) -> bool {
    let before = c.query(db, &format!("select pg_relation_filenode('{name}')"));
    c.sql(db, sql);
    let after = c.query(db, &format!("select pg_relation_filenode('{name}')"));
    before != after
}

/// The files of `rule`'s bad example (`-- file:` sections), in order.
fn bad_example(rule: &str) -> Vec<(String, String)> {
    let r = pgvet::rules::find(rule).unwrap_or_else(|| panic!("no rule {rule}"));
    pgvet::rules::example_sources(&format!("{rule}.sql"), &r.doc.bad)
}

/// A fresh database with every file of the example but the last applied;
/// returns the last file.
fn all_but_last(c: &Cluster, db: &str, rule: &str) -> String {
    c.create_db(db);
    // The examples are written for Supabase, which has this schema.
    c.sql(db, "create schema extensions");
    let mut files = bad_example(rule);
    let (_, last) = files.pop().expect("an example");
    for (name, text) in files {
        let out = c.psql(db, &["-c", &text]);
        assert!(out.status.success(), "{rule} {name}: {}", stderr(&out));
    }
    last
}

/// Waits until a session other than the caller's waits for a lock of
/// `mode` on relation `oid`; true when one does within ten seconds.
fn someone_waits_for(c: &Cluster, db: &str, oid: &str, mode: LockMode) -> bool {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        let n = c.query(
            db,
            &format!(
                "select count(*) from pg_locks where relation = {oid} and not granted and mode = '{}'",
                mode.pg_locks_name()
            ),
        );
        if n != "0" {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// Each rule's bad example takes, on PostgreSQL, the lock its message names.
#[test]
fn bad_examples_take_the_locks_their_rules_name() {
    let Some(c) = Cluster::start() else {
        return;
    };
    // (rule, relation whose lock is checked, strongest mode held after the
    // example's last file, inside BEGIN)
    let cases: [(&str, &str, LockMode); 20] = [
        // The rules that came before this file: what their messages say.
        (
            "adding-field-with-default",
            "app.orders",
            LockMode::AccessExclusive,
        ),
        (
            "adding-not-nullable-field",
            "app.customers",
            LockMode::AccessExclusive,
        ),
        (
            "adding-primary-key-constraint",
            "app.events",
            LockMode::AccessExclusive,
        ),
        (
            "adding-serial-primary-key-field",
            "app.events",
            LockMode::AccessExclusive,
        ),
        (
            "changing-column-type",
            "app.events",
            LockMode::AccessExclusive,
        ),
        (
            "constraint-missing-not-valid",
            "app.accounts",
            LockMode::AccessExclusive,
        ),
        (
            "disallowed-unique-constraint",
            "app.orders",
            LockMode::AccessExclusive,
        ),
        (
            "require-concurrent-index-deletion",
            "app.orders",
            LockMode::AccessExclusive,
        ),
        (
            "require-concurrent-partition-detach",
            "app.events",
            LockMode::AccessExclusive,
        ),
        // "blocks writes": SHARE, which lets reads through.
        (
            "require-concurrent-index-creation",
            "app.orders",
            LockMode::Share,
        ),
        // "writes to both tables are blocked": SHARE ROW EXCLUSIVE on each.
        (
            "adding-foreign-key-constraint",
            "app.orders",
            LockMode::ShareRowExclusive,
        ),
        (
            "adding-foreign-key-constraint",
            "app.customers",
            LockMode::ShareRowExclusive,
        ),
        (
            "require-concurrent-refresh",
            "app.sales_by_region",
            LockMode::AccessExclusive,
        ),
        (
            "changing-table-persistence",
            "app.events",
            LockMode::AccessExclusive,
        ),
        (
            "adding-exclusion-constraint",
            "app.bookings",
            LockMode::AccessExclusive,
        ),
        (
            "trigger-change-locks-table",
            "app.orders",
            LockMode::ShareRowExclusive,
        ),
        (
            // The first statement's lock on customers is still held after
            // the UPDATE of invoices.
            "running-statement-while-holding-access-exclusive",
            "app.customers",
            LockMode::AccessExclusive,
        ),
        (
            "backfill-in-ddl-transaction",
            "app.articles",
            LockMode::AccessExclusive,
        ),
        // Both ALTER TABLE statements hold the first one's lock.
        (
            "multiple-alter-table",
            "app.authors",
            LockMode::AccessExclusive,
        ),
        (
            // CLUSTER can run in a transaction block (VACUUM FULL cannot:
            // see the next test).
            "ban-vacuum-full-and-cluster",
            "app.events",
            LockMode::AccessExclusive,
        ),
    ];
    let mut failures = Vec::new();
    for (i, (rule, relation, expected)) in cases.into_iter().enumerate() {
        let db = format!("example_{i}");
        let mut last = all_but_last(&c, &db, rule);
        if rule == "ban-vacuum-full-and-cluster" {
            c.sql(&db, "create index events_id on app.events (id)");
            last = "cluster app.events using events_id".to_string();
        }
        let oid = oid(&c, &db, relation);
        match modes_after(&c, &db, &last, &oid) {
            // The exclusion constraint's index build adds a SHARE lock.
            Ok(modes)
                if rule == "adding-exclusion-constraint"
                    && !modes.iter().any(|m| m == "ShareLock") =>
            {
                failures.push(format!("{rule}: no SHARE lock among {modes:?}"));
            }
            Ok(modes) if strongest(&modes) == Some(expected) => {}
            Ok(modes) => failures.push(format!(
                "{rule}: {relation} holds {modes:?}, expected {expected:?}"
            )),
            Err(e) => failures.push(format!("{rule}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// VACUUM FULL cannot run in a transaction block: a session that holds a
/// read lock makes it wait, and pg_locks shows what it waits for.
#[test]
fn vacuum_full_waits_for_access_exclusive_and_rewrites() {
    let Some(c) = Cluster::start() else {
        return;
    };
    let db = "vacuum_full";
    let last = all_but_last(&c, db, "ban-vacuum-full-and-cluster");
    assert_eq!(
        last.trim_end().lines().last(),
        Some("vacuum full app.events;")
    );
    let oid = oid(&c, db, "app.events");
    let mut reader = c
        .psql_command(db)
        .args([
            "-c",
            "begin; select count(*) from app.events; select pg_sleep(3); commit;",
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start the reader");
    std::thread::sleep(Duration::from_millis(500));
    let mut vacuum = c
        .psql_command(db)
        .args(["-c", "vacuum full app.events"])
        .spawn()
        .expect("start VACUUM FULL");
    let waits = someone_waits_for(&c, db, &oid, LockMode::AccessExclusive);
    assert!(reader.wait().unwrap().success());
    assert!(vacuum.wait().unwrap().success());
    assert!(
        waits,
        "VACUUM FULL did not wait for an ACCESS EXCLUSIVE lock"
    );
    c.sql(db, "insert into app.events (payload) values ('{}')");
    assert!(rewrites(&c, db, "vacuum full app.events", "app.events"));
    assert!(rewrites(
        &c,
        db,
        "create index events_id on app.events (id); cluster app.events using events_id",
        "app.events"
    ));
    // Plain VACUUM, the good example, keeps the files.
    assert!(!rewrites(
        &c,
        db,
        "vacuum (analyze) app.events",
        "app.events"
    ));
}

/// The rewrites the rules' messages name change the relfilenode.
#[test]
fn rewrites_show_as_a_new_relfilenode() {
    let Some(c) = Cluster::start() else {
        return;
    };
    let db = "rewrites";
    c.create_db(db);
    c.sql(
        db,
        "create table t (id bigint primary key, n int); \
         insert into t select g, g from generate_series(1, 100) g; \
         create unlogged table u (id bigint primary key);",
    );
    // changing-table-persistence
    assert!(rewrites(&c, db, "alter table t set unlogged", "t"));
    assert!(rewrites(&c, db, "alter table t set logged", "t"));
    assert!(rewrites(&c, db, "alter table u set logged", "u"));
    // SET LOGGED of a logged table changes nothing (the rule's message says "if it is unlogged").
    assert!(!rewrites(&c, db, "alter table u set logged", "u"));
    // adding-field-with-default: a stored generated column rewrites, a constant default does not.
    assert!(rewrites(
        &c,
        db,
        "alter table t add column twice int generated always as (n * 2) stored",
        "t"
    ));
    assert!(!rewrites(
        &c,
        db,
        "alter table t add column one int default 1",
        "t"
    ));
}

/// multiple-alter-table: in one transaction, two ALTER TABLE statements
/// that rewrite give the table a new relfilenode each (two rewrites), one
/// ALTER TABLE with both subcommands gives it one; two SET NOT NULL
/// statements scan the table twice, one statement with both scans once,
/// while two foreign keys are checked apart even in one statement.
#[test]
fn one_alter_table_makes_one_pass_where_two_make_two() {
    let Some(c) = Cluster::start() else {
        return;
    };
    let db = "passes";
    c.create_db(db);
    c.sql(
        db,
        "create table p (id bigint primary key); insert into p values (1); \
         create table t (id bigint primary key, a int, b int, c int, d int, e bigint, f bigint); \
         insert into t select g, g, g, g, g, 1, 1 from generate_series(1, 100) g",
    );
    // The relfilenode after each statement of one transaction, rolled back.
    let filenodes = |sql: &str| -> Vec<String> {
        let mut script = String::from("begin;\n");
        for stmt in sql.split(';').filter(|s| !s.trim().is_empty()) {
            script.push_str(&format!("{stmt};\nselect pg_relation_filenode('t');\n"));
        }
        script.push_str("rollback;");
        let out = c.psql(db, &["-A", "-t", "-c", &script]);
        assert!(out.status.success(), "{}", stderr(&out));
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()))
            .map(str::to_string)
            .collect()
    };
    let before = c.query(db, "select pg_relation_filenode('t')");
    let two = filenodes(
        "alter table t alter column a type bigint; alter table t alter column b type bigint",
    );
    assert_eq!(two.len(), 2, "{two:?}");
    assert!(two[0] != before && two[1] != two[0], "{before} {two:?}");
    let one = filenodes("alter table t alter column a type bigint, alter column b type bigint");
    assert_eq!(one.len(), 1, "{one:?}");
    assert_ne!(one[0], before);
    // Sequential scans of t, as the statistics count them once the
    // session that ran `sql` has ended (autocommit, then rolled back by
    // hand: the NOT NULLs are dropped again).
    let scans_by = |sql: &str| -> i64 {
        let count = || -> i64 {
            c.query(
                db,
                "select seq_scan from pg_stat_user_tables where relname = 't'",
            )
            .trim()
            .parse()
            .unwrap()
        };
        let start = count();
        let out = c.psql(db, &["-c", &format!("begin; {sql}; rollback;")]);
        assert!(out.status.success(), "{}", stderr(&out));
        // The ending session flushes its counts; wait until they show.
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut last = count();
        while Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(200));
            let now = count();
            if now == last && now != start {
                break;
            }
            last = now;
        }
        last - start
    };
    assert_eq!(
        scans_by(
            "alter table t alter column c set not null; alter table t alter column d set not null"
        ),
        2
    );
    assert_eq!(
        scans_by("alter table t alter column c set not null, alter column d set not null"),
        1
    );
    // Each foreign key is checked by a query of its own: merging saves
    // nothing, which is why the rule leaves them out.
    assert_eq!(
        scans_by(
            "alter table t add foreign key (e) references p, add foreign key (f) references p"
        ),
        2
    );
}

/// PostgreSQL refuses CONCURRENTLY without a usable unique index, as
/// refresh-concurrently-without-unique-index says; the good example runs.
#[test]
fn refresh_concurrently_needs_a_unique_index() {
    let Some(c) = Cluster::start() else {
        return;
    };
    let last = all_but_last(
        &c,
        "refresh_bad",
        "refresh-concurrently-without-unique-index",
    );
    let out = c.psql("refresh_bad", &["-c", &last]);
    assert!(!out.status.success());
    assert!(
        stderr(&out)
            .contains("cannot refresh materialized view \"app.sales_by_region\" concurrently"),
        "{}",
        stderr(&out)
    );
    // A unique index with a WHERE clause or on an expression does not do either.
    for index in [
        "create unique index r on app.sales_by_region (region) where total > 0",
        "create unique index r on app.sales_by_region (lower(region))",
    ] {
        let out = c.psql("refresh_bad", &["-c", &format!("{index}; {last}")]);
        assert!(!out.status.success(), "{index}");
    }
    c.create_db("refresh_good");
    let good = pgvet::rules::find("refresh-concurrently-without-unique-index").unwrap();
    for (_, text) in pgvet::rules::example_sources("good.sql", &good.doc.good) {
        c.sql("refresh_good", &text);
    }
    // CONCURRENTLY takes EXCLUSIVE, which lets reads (ACCESS SHARE) through.
    let oid = oid(&c, "refresh_good", "app.sales_by_region");
    let modes = modes_after(
        &c,
        "refresh_good",
        "refresh materialized view concurrently app.sales_by_region",
        &oid,
    )
    .unwrap();
    assert_eq!(strongest(&modes), Some(LockMode::Exclusive), "{modes:?}");
}

/// constraint-missing-not-valid: VALIDATE in the transaction of the NOT
/// VALID runs while the ACCESS EXCLUSIVE lock of the ADD CONSTRAINT is
/// held; in a transaction of its own it takes only SHARE UPDATE EXCLUSIVE.
#[test]
fn validate_in_the_not_valid_transaction_keeps_the_strong_lock() {
    let Some(c) = Cluster::start() else {
        return;
    };
    let db = "validate";
    c.create_db(db);
    c.sql(
        db,
        "create table t (id bigint primary key, n int); insert into t values (1, 1)",
    );
    let oid = oid(&c, db, "t");
    let together = modes_after(
        &c,
        db,
        "alter table t add constraint n_positive check (n > 0) not valid; \
         alter table t validate constraint n_positive",
        &oid,
    )
    .unwrap();
    assert_eq!(
        strongest(&together),
        Some(LockMode::AccessExclusive),
        "{together:?}"
    );
    c.sql(
        db,
        "alter table t add constraint n_positive check (n > 0) not valid",
    );
    let alone = modes_after(&c, db, "alter table t validate constraint n_positive", &oid).unwrap();
    assert_eq!(
        strongest(&alone),
        Some(LockMode::ShareUpdateExclusive),
        "{alone:?}"
    );
}

/// update-or-delete-without-where: an UPDATE without WHERE makes other
/// sessions' writes to any row wait until it commits.
#[test]
fn update_without_where_blocks_writes_to_every_row_until_commit() {
    let Some(c) = Cluster::start() else {
        return;
    };
    let db = "update_all";
    let last = all_but_last(&c, db, "update-or-delete-without-where");
    c.sql(
        db,
        "insert into app.orders (archived) select null from generate_series(1, 10)",
    );
    // The example's UPDATE, and a DELETE without WHERE: each locks every
    // row against other writers until its transaction ends.
    for statement in [last.as_str(), "delete from app.orders;"] {
        let mut writer = c
            .psql_command(db)
            .args([
                "-c",
                &format!("begin; {statement} select pg_sleep(3); rollback;"),
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start the statement");
        std::thread::sleep(Duration::from_millis(700));
        let out = c.psql(
            db,
            &[
                "-c",
                "set lock_timeout = '300ms'; update app.orders set archived = true where id = 10",
            ],
        );
        assert!(writer.wait().unwrap().success());
        assert!(
            !out.status.success(),
            "{statement}: the second writer did not wait"
        );
        assert!(stderr(&out).contains("lock timeout"), "{}", stderr(&out));
    }
}

/// The lock pgvet assumes for each statement form (the strongest of
/// `statement_locks`) is the strongest one PostgreSQL holds on the table
/// inside BEGIN.
#[test]
fn modelled_lock_modes_are_the_ones_postgres_takes() {
    let Some(c) = Cluster::start() else {
        return;
    };
    let db = "model";
    c.create_db(db);
    c.sql(
        db,
        "create table t (id bigint primary key, n int, s text, g int generated always as (n) stored, i int generated by default as identity); \
         create table u (id bigint references t); \
         create table w (id int, x int); \
         create index t_n on t (n); \
         create function tf() returns trigger language plpgsql as $$begin return new; end$$; \
         create trigger tr before update on t for each row execute function tf(); \
         create rule r as on delete to t do instead nothing; \
         alter table t add constraint n_pos check (n > 0) not valid; \
         create materialized view mv as select id from t; \
         create unique index mv_id on mv (id); \
         create policy p on t using (true);",
    );
    let statements = [
        ("alter table t add column z int", "t"),
        ("alter table t alter column n set default 1", "t"),
        ("alter table t alter column n drop default", "t"),
        ("alter table t alter column n set not null", "t"),
        ("alter table t alter column n drop not null", "t"),
        ("alter table t alter column g drop expression", "t"),
        ("alter table t alter column s set storage external", "t"),
        ("alter table t drop column s", "t"),
        ("alter table w alter column x type bigint", "w"),
        ("alter table t drop constraint n_pos", "t"),
        ("alter table t owner to postgres", "t"),
        ("alter table t set logged", "t"),
        ("alter table w set unlogged", "w"),
        ("alter table t disable rule r", "t"),
        ("alter table t enable rule r", "t"),
        ("alter table t replica identity full", "t"),
        ("alter table t enable row level security", "t"),
        ("alter table t disable row level security", "t"),
        ("alter table t force row level security", "t"),
        ("alter table t no force row level security", "t"),
        (
            "alter table t alter column id add generated always as identity",
            "t",
        ),
        ("alter table t alter column i set generated always", "t"),
        ("alter table t alter column i drop identity", "t"),
        ("alter table t add constraint n_pos2 check (n > 0)", "t"),
        (
            "alter table t add constraint n_pos3 check (n > 0) not valid",
            "t",
        ),
        ("alter table t add constraint n_key unique (n)", "t"),
        (
            "alter table t add constraint n_excl exclude (n with =)",
            "t",
        ),
        (
            "alter table u add constraint u_fk2 foreign key (id) references t not valid",
            "t",
        ),
        (
            "alter table u add constraint u_fk3 foreign key (id) references t not valid",
            "u",
        ),
        ("alter table t enable trigger tr", "t"),
        ("alter table t disable trigger tr", "t"),
        ("alter table t enable always trigger tr", "t"),
        ("alter table t enable replica trigger tr", "t"),
        ("alter table t disable trigger all", "t"),
        ("alter table t enable trigger user", "t"),
        ("alter table t alter column n set statistics 100", "t"),
        ("alter table t cluster on t_n", "t"),
        ("alter table t set without cluster", "t"),
        ("alter table t validate constraint n_pos", "t"),
        ("alter table t rename column n to m", "t"),
        ("alter table t rename constraint n_pos to n_pos9", "t"),
        ("alter trigger tr on t rename to tr9", "t"),
        ("drop trigger tr on t", "t"),
        ("drop policy p on t", "t"),
        ("drop rule r on t", "t"),
        ("truncate t cascade", "t"),
        ("lock table t", "t"),
        ("lock table t in share mode", "t"),
        ("lock table t in row exclusive mode", "t"),
        ("create index on t (s)", "t"),
        (
            "create trigger tr2 after insert on t for each row execute function tf()",
            "t",
        ),
        (
            "create or replace trigger tr before update on t for each row execute function tf()",
            "t",
        ),
        ("create policy p2 on t using (true)", "t"),
        ("create rule r2 as on update to t do instead nothing", "t"),
        ("refresh materialized view mv", "mv"),
        ("refresh materialized view concurrently mv", "mv"),
        ("reindex table t", "t"),
        ("cluster t using t_n", "t"),
        ("update t set n = 1 where id = 1", "t"),
        ("insert into t (id) values (1000)", "t"),
    ];
    let mut failures = Vec::new();
    for (sql, relation) in statements {
        let (parsed, errors) = pgvet::sql::split::parse_file(FileId(0), sql);
        assert!(errors.is_empty(), "{sql}: {errors:?}");
        let modelled = parsed
            .iter()
            .flat_map(|s| statement_locks(&s.node).into_iter().map(|(_, m)| m))
            .max();
        let oid = oid(&c, db, relation);
        match modes_after(&c, db, sql, &oid) {
            Ok(modes) => {
                let seen = strongest(&modes);
                if seen != modelled {
                    failures.push(format!("{sql}: PostgreSQL holds {modes:?} on {relation}, pgvet assumes {modelled:?}"));
                }
            }
            Err(e) => failures.push(format!("{sql}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Which column type changes rewrite the table on PostgreSQL, and
/// whether changing-column-type reports each: it must report every
/// rewrite, and stay quiet where the relfilenode stays (for citext, only
/// when the column has no index, which PostgreSQL rebuilds).
#[test]
fn type_changes_that_keep_the_files_are_the_ones_changing_column_type_lets_pass() {
    let Some(c) = Cluster::start() else {
        return;
    };
    let create = "create extension if not exists citext;\n\
        create table t (id bigint primary key, v varchar(10), s text, num numeric(10,2), c citext, n int, k text);\n\
        create index t_k on t (k);";
    // (ALTER TABLE, rewrites the table, rebuilds index t_k without a rewrite)
    let cases: [(&str, bool, bool); 21] = [
        (
            "alter table t alter column v type text using v",
            false,
            false,
        ),
        (
            "alter table t alter column n type bigint using n",
            true,
            false,
        ),
        (
            "alter table t alter column v type varchar(20)",
            false,
            false,
        ),
        ("alter table t alter column v type varchar(5)", true, false),
        ("alter table t alter column v type varchar", false, false),
        ("alter table t alter column v type text", false, false),
        (
            "alter table t alter column v type text using v::text",
            false,
            false,
        ),
        (
            "alter table t alter column v type varchar(20) using v::varchar(20)",
            false,
            false,
        ),
        (
            "alter table t alter column v type text using v || ''",
            true,
            false,
        ),
        ("alter table t alter column s type varchar", false, false),
        (
            "alter table t alter column s type varchar(100)",
            true,
            false,
        ),
        ("alter table t alter column s type citext", false, false),
        ("alter table t alter column v type citext", false, false),
        ("alter table t alter column c type text", false, false),
        ("alter table t alter column k type citext", false, true),
        (
            "alter table t alter column num type numeric(12,2)",
            false,
            false,
        ),
        ("alter table t alter column num type numeric", false, false),
        (
            "alter table t alter column num type numeric(12,3)",
            true,
            false,
        ),
        (
            "alter table t alter column num type numeric(9,2)",
            true,
            false,
        ),
        ("alter table t alter column n type bigint", true, false),
        ("alter table t alter column n type int", false, false),
    ];
    let settings = Settings::for_platform(Platform::Postgres);
    let cfg = Config {
        select: Some(vec!["changing-column-type".to_string()]),
        ..Config::default()
    };
    let mut failures = Vec::new();
    for (i, (alter, rewrite, rebuilds)) in cases.into_iter().enumerate() {
        let db = format!("types_{i}");
        c.create_db(&db);
        c.sql(&db, create);
        c.sql(&db, "insert into t values (1, 'a', 'b', 1, 'c', 1, 'd')");
        let index_before = c.query(&db, "select pg_relation_filenode('t_k')");
        let seen = rewrites(&c, &db, alter, "t");
        let rebuilt = c.query(&db, "select pg_relation_filenode('t_k')") != index_before;
        // A rewrite builds every index again.
        if seen != rewrite || rebuilt != (rebuilds || rewrite) {
            failures.push(format!(
                "{alter}: PostgreSQL rewrote the table: {seen}, rebuilt t_k: {rebuilt}"
            ));
        }
        let report = pgvet::lint_sources(
            vec![
                ("1_create.sql".to_string(), create.to_string()),
                ("2_alter.sql".to_string(), format!("{alter};")),
            ],
            &cfg,
            &settings,
        );
        assert!(report.errors.is_empty(), "{alter}: {:?}", report.errors);
        let fired = !report.findings.is_empty();
        if fired != (seen || rebuilt) {
            failures.push(format!(
                "{alter}: changing-column-type fired: {fired}, PostgreSQL rewrote: {seen}, rebuilt an index: {rebuilt}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
