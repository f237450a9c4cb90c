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

/// Waits until `n` sessions of `db` other than the caller's are in `state`
/// (a condition on pg_stat_activity); false after ten seconds.
fn sessions_in(c: &Cluster, db: &str, state: &str) -> bool {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        let n = c.query(
            db,
            &format!(
                "select count(*) from pg_stat_activity where datname = '{db}' \
                 and pid <> pg_backend_pid() and {state}"
            ),
        );
        if n != "0" {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// Runs `sql` inside BEGIN in a session of its own, which then sleeps in
/// the open transaction, holding what `sql` locked until [`release`].
fn hold(c: &Cluster, db: &str, sql: &str) -> std::process::Child {
    let mut holder = c
        .psql_command(db)
        .args(["-c", &format!("begin;\n{sql};\nselect pg_sleep(60);")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start the holding session");
    if !sessions_in(c, db, "wait_event = 'PgSleep'") {
        let _ = holder.kill();
        let out = holder.wait_with_output().expect("the holding session");
        panic!("{sql}: did not run: {}", stderr(&out));
    }
    holder
}

/// Ends the sleep of [`hold`]'s session, which rolls back.
fn release(c: &Cluster, db: &str, mut holder: std::process::Child) {
    c.query(
        db,
        &format!(
            "select count(pg_cancel_backend(pid)) from pg_stat_activity \
             where datname = '{db}' and wait_event = 'PgSleep'"
        ),
    );
    holder.wait().expect("the holding session ends");
}

/// Whether `other`, run in a second session (with a lock_timeout of 300
/// ms), waits for a lock while `holder`'s transaction is open.
fn waits_behind(c: &Cluster, db: &str, holder: &str, other: &str) -> bool {
    let held = hold(c, db, holder);
    let out = c.psql(db, &["-c", &format!("set lock_timeout = '300ms'; {other}")]);
    release(c, db, held);
    let waited = !out.status.success();
    assert!(
        !waited || stderr(&out).contains("lock timeout"),
        "{other}: {}",
        stderr(&out)
    );
    waited
}

/// What PostgreSQL tells at DEBUG1 while `sql` runs (inside BEGIN, rolled
/// back): `verifying table "t"` when it scans t, `rewriting table "t"`
/// when it rewrites it.
fn debug_notes(c: &Cluster, db: &str, sql: &str) -> String {
    let out = c.psql(
        db,
        &[
            "-c",
            &format!("set client_min_messages = debug1; begin; {sql}; rollback;"),
        ],
    );
    assert!(out.status.success(), "{sql}: {}", stderr(&out));
    stderr(&out)
}

/// Sequential scans of `table` that `sql` makes (inside BEGIN, rolled
/// back), as the statistics count them once its session has ended.
fn seq_scans_by(c: &Cluster, db: &str, table: &str, sql: &str) -> i64 {
    let count = || -> i64 {
        c.query(
            db,
            &format!("select seq_scan from pg_stat_user_tables where relid = '{table}'::regclass"),
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
}

/// Each rule's bad example takes, on PostgreSQL, the lock its message names.
#[test]
fn bad_examples_take_the_locks_their_rules_name() {
    let Some(c) = Cluster::start() else {
        return;
    };
    // (rule, relation whose lock is checked, strongest mode held after the
    // example's last file, inside BEGIN)
    let cases: [(&str, &str, LockMode); 29] = [
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
        // "A plain REINDEX takes a SHARE lock on the table ... and an ACCESS
        // EXCLUSIVE lock on each index it rebuilds."
        ("require-concurrent-reindex", "app.orders", LockMode::Share),
        (
            "require-concurrent-reindex",
            "app.orders_customer_id_idx",
            LockMode::AccessExclusive,
        ),
        // "holding a SHARE lock on each of their tables"
        (
            "ban-alter-domain-with-add-constraint",
            "app.products",
            LockMode::Share,
        ),
        // "only a brief lock": ACCESS EXCLUSIVE, for a catalog change.
        (
            "ban-drop-not-null",
            "app.customers",
            LockMode::AccessExclusive,
        ),
        (
            "ban-drop-generated-expression",
            "app.items",
            LockMode::AccessExclusive,
        ),
        // "other sessions' writes wait for the lock": SHARE ROW EXCLUSIVE.
        (
            "ban-disable-trigger",
            "app.orders",
            LockMode::ShareRowExclusive,
        ),
        // "locks an existing table at SHARE UPDATE EXCLUSIVE or stronger"
        (
            "require-lock-timeout",
            "app.orders",
            LockMode::AccessExclusive,
        ),
        (
            "require-statement-timeout",
            "app.orders",
            LockMode::AccessExclusive,
        ),
        (
            "require-timeout-settings",
            "app.orders",
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
    // Sequential scans of t (the NOT NULLs are rolled back).
    let scans_by = |sql: &str| seq_scans_by(&c, db, "t", sql);
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
    for statement in [last.as_str(), "delete from app.orders"] {
        assert!(
            waits_behind(
                &c,
                db,
                statement,
                "update app.orders set archived = true where id = 10"
            ),
            "{statement}: the second writer did not wait"
        );
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
        ("comment on table t is 'orders'", "t"),
        ("comment on column t.n is 'count'", "t"),
        ("comment on materialized view mv is 'ids'", "mv"),
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

/// What renaming-column and renaming-table call instant, and what
/// ban-drop-column and ban-drop-not-null say PostgreSQL does at once: each
/// bad example takes an ACCESS EXCLUSIVE lock for a catalog change and
/// keeps the table's files. A view on a dropped column makes the drop
/// fail; after a rename, views (and SQL functions with a BEGIN ATOMIC
/// body) follow the table, and functions whose body is a string do not.
#[test]
fn renames_and_drops_change_only_the_catalog() {
    let Some(c) = Cluster::start() else {
        return;
    };
    for (i, (rule, relation)) in [
        ("renaming-column", "app.customers"),
        ("renaming-table", "app.customers"),
        ("ban-drop-column", "app.orders"),
        ("ban-drop-not-null", "app.customers"),
    ]
    .into_iter()
    .enumerate()
    {
        let db = format!("instant_{i}");
        let last = all_but_last(&c, &db, rule);
        // By oid: a rename changes the name.
        let oid = oid(&c, &db, relation);
        let modes = modes_after(&c, &db, &last, &oid).unwrap();
        assert_eq!(
            strongest(&modes),
            Some(LockMode::AccessExclusive),
            "{rule}: {modes:?}"
        );
        assert!(!rewrites(&c, &db, &last, &oid), "{rule} rewrote");
    }

    // ban-drop-column: "Views that use the column block the drop, or
    // disappear with it under CASCADE."
    let db = "drop_column_view";
    let last = all_but_last(&c, db, "ban-drop-column");
    c.sql(
        db,
        "create view app.order_codes as select id, legacy_code from app.orders",
    );
    let out = c.psql(db, &["-c", &last]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("view app.order_codes depends on column legacy_code"),
        "{}",
        stderr(&out)
    );
    c.sql(db, "alter table app.orders drop column legacy_code cascade");
    assert_eq!(
        c.query(db, "select to_regclass('app.order_codes') is null"),
        "t"
    );

    // renaming-table: what follows the table and what does not.
    let db = "rename_followers";
    let last = all_but_last(&c, db, "renaming-table");
    c.sql(
        db,
        "create view app.customer_ids as select id from app.customers;\n\
         create function app.customers_string() returns bigint language sql\n\
           as $$ select count(*) from app.customers $$;\n\
         create function app.customers_atomic() returns bigint language sql\n\
           begin atomic select count(*) from app.customers; end;",
    );
    c.sql(db, &last);
    c.sql(
        db,
        "select count(*) from app.customer_ids; select app.customers_atomic()",
    );
    let out = c.psql(db, &["-c", "select app.customers_string()"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("relation \"app.customers\" does not exist"),
        "{}",
        stderr(&out)
    );
}

/// The column type changes the rules' texts say rewrite (or do not) the
/// table: each under an ACCESS EXCLUSIVE lock, on the table of the rule's
/// bad example, and with a rewrite also its indexes.
#[test]
fn type_changes_rewrite_where_the_rules_say() {
    let Some(c) = Cluster::start() else {
        return;
    };
    // (rule whose bad example makes the table, SQL run after it, the
    // change, its table, an index that a rewrite rebuilds, rewrites)
    type Case = (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        Option<&'static str>,
        bool,
    );
    let cases: [Case; 13] = [
        // prefer-text-field: raising the limit is a catalog change, lowering
        // it rewrites, and so does nothing to `text`.
        (
            "prefer-text-field",
            "",
            "alter table app.articles alter column title type varchar(200)",
            "app.articles",
            None,
            false,
        ),
        (
            "prefer-text-field",
            "",
            "alter table app.articles alter column title type varchar(60)",
            "app.articles",
            None,
            true,
        ),
        (
            "prefer-text-field",
            "",
            "alter table app.articles alter column title type text",
            "app.articles",
            None,
            false,
        ),
        // prefer-text-field, unbounded-text: a length CHECK changes without a
        // rewrite.
        (
            "prefer-text-field",
            "alter table app.articles alter column title type text, \
             add constraint title_length check (char_length(title) <= 120)",
            "alter table app.articles drop constraint title_length, \
             add constraint title_length check (char_length(title) <= 200) not valid",
            "app.articles",
            None,
            false,
        ),
        // ban-char-field: "rewrites the table and its indexes".
        (
            "ban-char-field",
            "create index countries_iso_code on app.countries (iso_code)",
            "alter table app.countries alter column iso_code type text",
            "app.countries",
            Some("app.countries_iso_code"),
            true,
        ),
        // prefer-bigint-over-int, prefer-bigint-over-smallint (and
        // fk-type-mismatch): "rewrites the table and every index on it".
        (
            "prefer-bigint-over-int",
            "",
            "alter table app.events alter column id type bigint",
            "app.events",
            Some("app.events_pkey"),
            true,
        ),
        (
            "prefer-bigint-over-smallint",
            "",
            "alter table app.tags alter column id type bigint",
            "app.tags",
            Some("app.tags_pkey"),
            true,
        ),
        // prefer-timestamptz: no rewrite with the session in UTC, a rewrite
        // in another zone or with AT TIME ZONE.
        (
            "prefer-timestamptz",
            "",
            "set timezone = 'UTC'; alter table app.events alter column created_at type timestamptz",
            "app.events",
            None,
            false,
        ),
        (
            "prefer-timestamptz",
            "",
            "set timezone = 'Europe/Paris'; \
             alter table app.events alter column created_at type timestamptz",
            "app.events",
            None,
            true,
        ),
        (
            "prefer-timestamptz",
            "",
            "set timezone = 'UTC'; alter table app.events alter column created_at \
             type timestamptz using created_at at time zone 'Europe/Paris'",
            "app.events",
            None,
            true,
        ),
        // ban-create-domain-with-constraint, ban-drop-domain: a column moves
        // to the domain's base type without a rewrite; onto a domain with a
        // CHECK, with one.
        (
            "ban-create-domain-with-constraint",
            "create table app.products (id bigint primary key, sku app.sku not null)",
            "alter table app.products alter column sku type text",
            "app.products",
            None,
            false,
        ),
        (
            "ban-create-domain-with-constraint",
            "create table app.products (id bigint primary key, sku text not null)",
            "alter table app.products alter column sku type app.sku",
            "app.products",
            None,
            true,
        ),
        (
            "ban-drop-domain",
            "create table app.users (id bigint primary key, email app.email)",
            "alter table app.users alter column email type text",
            "app.users",
            None,
            false,
        ),
    ];
    let mut failures = Vec::new();
    for (i, (rule, setup, change, table, index, rewrite)) in cases.into_iter().enumerate() {
        let db = format!("retype_{i}");
        let last = all_but_last(&c, &db, rule);
        // A one-file example only makes the table.
        if bad_example(rule).len() == 1 {
            c.sql(&db, &last);
        }
        if !setup.is_empty() {
            c.sql(&db, setup);
        }
        let modes = modes_after(&c, &db, change, &oid(&c, &db, table)).unwrap();
        if strongest(&modes) != Some(LockMode::AccessExclusive) {
            failures.push(format!("{rule}: {change}: {table} holds {modes:?}"));
        }
        let index_files =
            |db: &str| index.map(|ix| c.query(db, &format!("select pg_relation_filenode('{ix}')")));
        let index_before = index_files(&db);
        let rewrote = rewrites(&c, &db, change, table);
        if rewrote != rewrite || (index.is_some() && (index_files(&db) != index_before) != rewrite)
        {
            failures.push(format!("{rule}: {change}: rewrote {table}: {rewrote}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// prefer-identity's fix: a serial column becomes an identity column
/// without a rewrite, under an ACCESS EXCLUSIVE lock, and numbers on from
/// the start given.
#[test]
fn a_serial_column_becomes_identity_without_a_rewrite() {
    let Some(c) = Cluster::start() else {
        return;
    };
    let db = "identity";
    let last = all_but_last(&c, db, "prefer-identity");
    c.sql(db, &last);
    c.sql(
        db,
        "insert into app.invoices (reference) select 'r' || g from generate_series(1, 10) g",
    );
    let fix = "alter table app.invoices alter column id drop default;\n\
               drop sequence app.invoices_id_seq;\n\
               alter table app.invoices alter column id\n\
                 add generated by default as identity (start with 100000)";
    let modes = modes_after(&c, db, fix, &oid(&c, db, "app.invoices")).unwrap();
    assert_eq!(
        strongest(&modes),
        Some(LockMode::AccessExclusive),
        "{modes:?}"
    );
    assert!(!rewrites(&c, db, fix, "app.invoices"));
    assert_eq!(
        c.query(
            db,
            "insert into app.invoices (reference) values ('x') returning id"
        )
        .lines()
        .next(),
        Some("100000")
    );
}

/// adding-required-field's bad example fails on a table with a row, and
/// the constant default of its fix is instant (no rewrite, no scan);
/// table-without-primary-key's fix fills an identity key by rewriting the
/// table under an ACCESS EXCLUSIVE lock.
#[test]
fn required_columns_fail_with_rows_and_defaults_need_no_rewrite() {
    let Some(c) = Cluster::start() else {
        return;
    };
    let db = "required";
    let last = all_but_last(&c, db, "adding-required-field");
    c.sql(db, "insert into app.customers default values");
    let out = c.psql(db, &["-c", &last]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("column \"region\" of relation \"customers\" contains null values"),
        "{}",
        stderr(&out)
    );
    let with_default = "alter table app.customers add column region text not null default 'eu'";
    let notes = debug_notes(&c, db, with_default);
    assert!(
        !notes.contains("verifying table") && !notes.contains("rewriting table"),
        "{notes}"
    );
    assert!(!rewrites(&c, db, with_default, "app.customers"));

    c.sql(
        db,
        "create table public.events (user_id uuid, name text not null); \
         insert into public.events (name) values ('a'), ('b')",
    );
    let key =
        "alter table public.events add column id bigint generated always as identity primary key";
    let modes = modes_after(&c, db, key, &oid(&c, db, "public.events")).unwrap();
    assert_eq!(
        strongest(&modes),
        Some(LockMode::AccessExclusive),
        "{modes:?}"
    );
    assert!(rewrites(&c, db, key, "public.events"));
}

/// SET NOT NULL scans the table (adding-not-nullable-field,
/// timestamp-nullable), unless a validated CHECK (col IS NOT NULL) proves
/// it: then it skips the scan, as adding-not-nullable-field's note and
/// the fixes of adding-required-field and timestamp-nullable say. A NOT
/// VALID CHECK does not count.
#[test]
fn set_not_null_skips_the_scan_given_a_validated_check() {
    let Some(c) = Cluster::start() else {
        return;
    };
    let db = "not_null_scan";
    c.create_db(db);
    c.sql(
        db,
        "create table t (id bigint primary key, created_at timestamptz); \
         insert into t select g, now() from generate_series(1, 100) g",
    );
    let set = "alter table t alter column created_at set not null";
    let scans = "verifying table \"t\"";
    let proven = "existing constraints on column \"t.created_at\" are sufficient";
    let notes = debug_notes(&c, db, set);
    assert!(notes.contains(scans) && !notes.contains(proven), "{notes}");
    c.sql(
        db,
        "alter table t add constraint created_at_not_null check (created_at is not null) not valid",
    );
    let notes = debug_notes(&c, db, set);
    assert!(notes.contains(scans) && !notes.contains(proven), "{notes}");
    c.sql(db, "alter table t validate constraint created_at_not_null");
    let notes = debug_notes(&c, db, set);
    assert!(!notes.contains(scans) && notes.contains(proven), "{notes}");
}

/// fk-missing-index: without an index on the referencing column, deleting
/// parent rows scans the child table once per row; with one, not at all.
#[test]
fn a_foreign_key_without_an_index_scans_the_child_per_parent_row() {
    let Some(c) = Cluster::start() else {
        return;
    };
    let db = "fk_scans";
    c.create_db(db);
    c.sql(
        db,
        "create table parent (id bigint primary key); \
         create table child (id bigint primary key, parent_id bigint references parent on delete set null); \
         insert into parent select g from generate_series(1, 1000) g; \
         insert into child select g, g % 1000 + 1 from generate_series(1, 10000) g; \
         analyze parent; analyze child",
    );
    let delete = "delete from parent where id <= 3";
    assert_eq!(seq_scans_by(&c, db, "child", delete), 3);
    c.sql(
        db,
        "create index child_parent_id on child (parent_id); analyze child",
    );
    assert_eq!(seq_scans_by(&c, db, "child", delete), 0);
}

/// What each lock lets through, with a second session: the rules that say
/// "blocks writes" let reads through, REINDEX keeps out nearly every read
/// too (the planner locks every index of the table), and VALIDATE
/// CONSTRAINT of a table lets writes through where that of a domain does
/// not (up to PostgreSQL 18).
#[test]
fn second_sessions_wait_where_the_rules_say() {
    let Some(c) = Cluster::start() else {
        return;
    };
    let mut failures = Vec::new();
    let mut expect = |db: &str, holder: &str, other: &str, waits: bool| {
        if waits_behind(&c, db, holder, other) != waits {
            failures.push(format!("{db}: after {holder}: {other} waits: {}", !waits));
        }
    };
    // ban-disable-trigger: "other sessions' writes wait for the lock".
    let db = "waits_trigger";
    let last = all_but_last(&c, db, "ban-disable-trigger");
    c.sql(db, "insert into app.orders default values");
    expect(db, &last, "update app.orders set updated_at = now()", true);
    expect(db, &last, "select count(*) from app.orders", false);
    // require-concurrent-reindex: writes wait, and so do reads that do
    // not use the index being rebuilt.
    let db = "waits_reindex";
    let last = all_but_last(&c, db, "require-concurrent-reindex");
    c.sql(db, "insert into app.orders (customer_id) values (1)");
    expect(
        db,
        &last,
        "insert into app.orders (customer_id) values (2)",
        true,
    );
    expect(db, &last, "select count(*) from app.orders", true);
    expect(db, &last, "select * from app.orders where id = 1", true);
    // ban-alter-domain-with-add-constraint: writes to the tables of the
    // type wait, reads do not; so with VALIDATE CONSTRAINT of the domain
    // (ban-create-domain-with-constraint).
    let db = "waits_domain";
    let last = all_but_last(&c, db, "ban-alter-domain-with-add-constraint");
    c.sql(db, "insert into app.products (sku) values ('SKU-0001')");
    let insert = "insert into app.products (sku) values ('SKU-0002')";
    expect(db, &last, insert, true);
    expect(db, &last, "select count(*) from app.products", false);
    c.sql(
        db,
        &format!("{} not valid", last.trim_end().trim_end_matches(';')),
    );
    expect(
        db,
        "alter domain app.sku validate constraint sku_format",
        insert,
        true,
    );
    // The good example's way, and the fixes of check-nonnegative,
    // prefer-text-field and missing-foreign-key: VALIDATE CONSTRAINT of a
    // table lets writes through, to the referenced table too.
    c.sql(
        db,
        "alter table app.products add constraint products_sku_format \
           check (sku ~ '^[A-Z0-9-]{4,32}$') not valid; \
         create table app.lines (id bigint primary key, product_id bigint); \
         insert into app.lines values (1, 1); \
         alter table app.lines add constraint lines_product_id_fkey \
           foreign key (product_id) references app.products (id) not valid",
    );
    let check = "alter table app.products validate constraint products_sku_format";
    expect(db, check, insert, false);
    let fk = "alter table app.lines validate constraint lines_product_id_fkey";
    expect(db, fk, "insert into app.lines values (2, 1)", false);
    expect(db, fk, insert, false);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// require-lock-timeout, require-statement-timeout, require-timeout-settings
/// (and prefer-text-field): a statement waiting for an ACCESS EXCLUSIVE
/// lock behind a running transaction makes every later query of the table
/// wait behind it, reads included; with lock_timeout it gives up and the
/// queries go on; statement_timeout cancels a statement and releases its
/// transaction's locks at once. DROP INDEX waits the same way, DROP INDEX
/// CONCURRENTLY lets reads and writes through while it waits
/// (duplicate-index).
#[test]
fn a_statement_waiting_for_its_lock_holds_up_the_queries_behind_it() {
    let Some(c) = Cluster::start() else {
        return;
    };
    let db = "queue";
    c.create_db(db);
    c.sql(
        db,
        "create table t (id bigint primary key, n int); create index t_n on t (n); \
         insert into t select g, g from generate_series(1, 100) g",
    );
    let t = oid(&c, db, "t");
    let read = "set lock_timeout = '300ms'; select count(*) from t";
    let write = "set lock_timeout = '300ms'; insert into t values (1000, 1)";
    let lock_timed_out = |sql: &str| {
        let out = c.psql(db, &["-c", sql]);
        !out.status.success() && stderr(&out).contains("lock timeout")
    };
    // Behind a reader, an ALTER TABLE and a DROP INDEX wait, and hold up
    // the reads after them.
    for ddl in ["alter table t add column z int", "drop index t_n"] {
        let reader = hold(&c, db, "select count(*) from t");
        let mut waiting = c
            .psql_command(db)
            .args(["-c", ddl])
            .spawn()
            .expect("start the DDL");
        assert!(
            someone_waits_for(&c, db, &t, LockMode::AccessExclusive),
            "{ddl}"
        );
        assert!(lock_timed_out(read), "{ddl}: a read went past it");
        assert!(lock_timed_out(write), "{ddl}: a write went past it");
        release(&c, db, reader);
        assert!(waiting.wait().unwrap().success(), "{ddl}");
    }
    c.sql(db, "create index t_n on t (n)");
    // With lock_timeout, the ALTER TABLE gives up, and the reads go on.
    let reader = hold(&c, db, "select count(*) from t");
    assert!(lock_timed_out(
        "set lock_timeout = '300ms'; alter table t add column y int"
    ));
    assert!(!lock_timed_out(read));
    // DROP INDEX CONCURRENTLY waits for the reader without holding up
    // anyone.
    let mut dropping = c
        .psql_command(db)
        .args(["-c", "drop index concurrently t_n"])
        .spawn()
        .expect("start DROP INDEX CONCURRENTLY");
    assert!(sessions_in(&c, db, "wait_event_type = 'Lock'"));
    assert!(!lock_timed_out(read));
    assert!(!lock_timed_out(write));
    release(&c, db, reader);
    assert!(dropping.wait().unwrap().success());
    // statement_timeout cancels the statement; the transaction is then
    // aborted and has let go of its lock while its session stays open.
    let mut timed = c
        .psql_command(db)
        .args(["-v", "ON_ERROR_STOP=0"])
        .args(["-c", "set statement_timeout = '300ms'", "-c", "begin"])
        .args(["-c", "lock table t", "-c", "select pg_sleep(5)"])
        .args(["-c", "\\! sleep 2", "-c", "rollback"])
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the session with a statement_timeout");
    assert!(sessions_in(
        &c,
        db,
        "state = 'idle in transaction (aborted)'"
    ));
    assert!(!lock_timed_out(read));
    timed.wait().unwrap();
}

/// The statements require-lock-timeout, require-statement-timeout and
/// require-timeout-settings count are the ones that lock an existing
/// relation at SHARE UPDATE EXCLUSIVE or stronger: for each form their
/// text names, the strongest lock PostgreSQL takes on it, and whether
/// require-timeout-settings reports it. ALTER INDEX locks only the index:
/// SHARE UPDATE EXCLUSIVE, which lets reads and writes through, or, to
/// move it, ACCESS EXCLUSIVE, which keeps out every query planned on the
/// table.
#[test]
fn timeout_rules_count_the_statements_that_lock_an_existing_relation() {
    let Some(c) = Cluster::start() else {
        return;
    };
    let setup = "create schema other;\n\
        create table t (id bigint primary key, n int);\n\
        create index t_n on t (n);\n\
        create table t2 (id int);\n\
        create view v as select id, n from t;\n\
        create materialized view mv as select id from t;\n\
        create unique index mv_id on mv (id);\n\
        create function tf() returns trigger language plpgsql as $$begin return new; end$$;\n\
        create trigger tr before update on t for each row execute function tf();\n\
        create policy p on t using (true);\n\
        create table pt (id int, k int) partition by range (k);";
    use LockMode::*;
    // (statement, relation, strongest lock on it, reported)
    let cases: [(&str, &str, Option<LockMode>, bool); 33] = [
        (
            "alter table t add column z int",
            "t",
            Some(AccessExclusive),
            true,
        ),
        (
            "alter view v set (security_invoker = true)",
            "v",
            Some(AccessExclusive),
            true,
        ),
        ("create index on t (n)", "t", Some(Share), true),
        (
            "create table c (id bigint references t)",
            "t",
            Some(ShareRowExclusive),
            true,
        ),
        (
            "create table pt1 partition of pt for values from (1) to (10)",
            "pt",
            Some(AccessExclusive),
            true,
        ),
        ("drop table t2", "t2", Some(AccessExclusive), true),
        ("drop view v", "v", Some(AccessExclusive), true),
        ("drop index t_n", "t", Some(AccessExclusive), true),
        ("drop trigger tr on t", "t", Some(AccessExclusive), true),
        ("drop policy p on t", "t", Some(AccessExclusive), true),
        ("truncate t2", "t2", Some(AccessExclusive), true),
        (
            "lock table t2 in share update exclusive mode",
            "t2",
            Some(ShareUpdateExclusive),
            true,
        ),
        (
            "refresh materialized view mv",
            "mv",
            Some(AccessExclusive),
            true,
        ),
        (
            "refresh materialized view concurrently mv",
            "mv",
            Some(Exclusive),
            true,
        ),
        ("reindex table t", "t", Some(Share), true),
        ("cluster t using t_pkey", "t", Some(AccessExclusive), true),
        (
            "create trigger tr2 after insert on t for each row execute function tf()",
            "t",
            Some(ShareRowExclusive),
            true,
        ),
        (
            "create policy p2 on t using (true)",
            "t",
            Some(AccessExclusive),
            true,
        ),
        (
            "alter policy p on t using (false)",
            "t",
            Some(AccessExclusive),
            true,
        ),
        (
            "create rule r as on delete to t2 do instead nothing",
            "t2",
            Some(AccessExclusive),
            true,
        ),
        (
            "alter table t rename to t9",
            "t",
            Some(AccessExclusive),
            true,
        ),
        (
            "alter table t rename column n to m",
            "t",
            Some(AccessExclusive),
            true,
        ),
        (
            "alter table t set schema other",
            "t",
            Some(AccessExclusive),
            true,
        ),
        (
            "alter index t_n set tablespace pg_default",
            "t_n",
            Some(AccessExclusive),
            true,
        ),
        (
            "lock table t2 in row exclusive mode",
            "t2",
            Some(RowExclusive),
            false,
        ),
        // The table is not locked, and the index's lock blocks no query.
        ("alter index t_n rename to t_n9", "t", None, false),
        ("alter index t_n set (fillfactor = 50)", "t", None, false),
        // A comment locks the relation it is on, or whose column it is on;
        // on a constraint it takes only ACCESS SHARE on the table, on an
        // index the index's lock alone.
        (
            "comment on table t is 'orders'",
            "t",
            Some(ShareUpdateExclusive),
            true,
        ),
        (
            "comment on column t.n is 'count'",
            "t",
            Some(ShareUpdateExclusive),
            true,
        ),
        (
            "comment on view v is 'orders'",
            "v",
            Some(ShareUpdateExclusive),
            true,
        ),
        (
            "comment on constraint t_pkey on t is 'key'",
            "t",
            Some(AccessShare),
            false,
        ),
        ("comment on index t_n is 'by n'", "t", None, false),
        ("comment on function tf() is 'trigger'", "t", None, false),
    ];
    let db = "timeouts";
    c.create_db(db);
    c.sql(db, setup);
    let settings = Settings::for_platform(Platform::Postgres);
    let cfg = Config {
        select: Some(vec!["require-timeout-settings".to_string()]),
        ..Config::default()
    };
    let mut failures = Vec::new();
    for (sql, relation, mode, reported) in cases {
        let held = modes_after(&c, db, sql, &oid(&c, db, relation)).map(|modes| strongest(&modes));
        if held != Ok(mode) {
            failures.push(format!(
                "{sql}: {relation} holds {held:?}, expected {mode:?}"
            ));
        }
        let report = pgvet::lint_sources(
            vec![
                ("1_setup.sql".to_string(), setup.to_string()),
                ("2_change.sql".to_string(), format!("{sql};")),
            ],
            &cfg,
            &settings,
        );
        assert!(report.errors.is_empty(), "{sql}: {:?}", report.errors);
        if report.findings.is_empty() == reported {
            failures.push(format!(
                "{sql}: require-timeout-settings reported: {}",
                !reported
            ));
        }
        if reported && mode < Some(ShareUpdateExclusive) {
            failures.push(format!("{sql}: counted with {mode:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The timeout rules' statements that cannot be read inside BEGIN, or name
/// no table pgvet knows: VACUUM (outside a transaction block) waits for
/// SHARE UPDATE EXCLUSIVE, as pgvet's lock model has it, behind a session
/// that holds that lock, FULL false too; REINDEX INDEX takes SHARE on the
/// table of the index, which the rules count when no migration built it.
#[test]
fn timeout_rules_count_vacuum_and_reindex_of_an_unseen_index() {
    let Some(c) = Cluster::start() else {
        return;
    };
    let db = "vacuum_reindex";
    c.create_db(db);
    c.sql(
        db,
        "create table t (id bigint primary key, n int); create index t_n on t (n)",
    );
    let t = oid(&c, db, "t");
    let settings = Settings::for_platform(Platform::Postgres);
    let cfg = Config {
        select: Some(vec!["require-timeout-settings".to_string()]),
        ..Config::default()
    };
    // pgvet sees the table made by an earlier migration, but not the index.
    let setup = "create table t (id bigint primary key, n int);";
    let findings = |sql: &str| {
        let report = pgvet::lint_sources(
            vec![
                ("1_setup.sql".to_string(), setup.to_string()),
                ("2_change.sql".to_string(), format!("{sql};")),
            ],
            &cfg,
            &settings,
        );
        assert!(report.errors.is_empty(), "{sql}: {:?}", report.errors);
        report
            .findings
            .iter()
            .map(|f| f.object.clone())
            .collect::<Vec<_>>()
    };
    let mut failures = Vec::new();
    for sql in ["vacuum t", "vacuum (full false) t", "vacuum (analyze) t"] {
        let (parsed, _) = pgvet::sql::split::parse_file(FileId(0), sql);
        let modelled = parsed
            .iter()
            .flat_map(|s| statement_locks(&s.node).into_iter().map(|(_, m)| m))
            .max();
        if modelled != Some(LockMode::ShareUpdateExclusive) {
            failures.push(format!("{sql}: pgvet assumes {modelled:?}"));
        }
        let held = hold(&c, db, "lock table t in share update exclusive mode");
        let mut vacuum = c
            .psql_command(db)
            .args(["-c", sql])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start VACUUM");
        let waits = someone_waits_for(&c, db, &t, LockMode::ShareUpdateExclusive);
        release(&c, db, held);
        assert!(vacuum.wait().unwrap().success(), "{sql} failed");
        if !waits {
            failures.push(format!("{sql}: did not wait for SHARE UPDATE EXCLUSIVE"));
        }
        if findings(sql) != ["public.t"] {
            failures.push(format!("{sql}: reported {:?}", findings(sql)));
        }
    }
    for sql in [
        "reindex index t_n",
        "reindex (concurrently false) index t_n",
    ] {
        match modes_after(&c, db, sql, &t) {
            Ok(modes) if strongest(&modes) == Some(LockMode::Share) => {}
            other => failures.push(format!("{sql}: t holds {other:?}")),
        }
        if findings(sql) != ["public.t_n"] {
            failures.push(format!("{sql}: reported {:?}", findings(sql)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What PostgreSQL refuses in a transaction block, as
/// ban-concurrent-index-creation-in-transaction (with DROP INDEX and
/// REINDEX CONCURRENTLY), ban-drop-database and the fixes that say
/// "outside a transaction block" have it, and the label
/// enum-value-used-in-same-transaction says cannot be used before commit,
/// even in an enum new in the transaction.
#[test]
fn statements_a_transaction_block_refuses() {
    let Some(c) = Cluster::start() else {
        return;
    };
    let db = "blocks";
    c.create_db(db);
    c.sql(
        db,
        "create table t (id bigint primary key, n int); create index t_n on t (n); \
         create type mood as enum ('sad', 'ok')",
    );
    for (sql, message) in [
        (
            "create index concurrently t_n2 on t (n)",
            "CREATE INDEX CONCURRENTLY cannot run inside a transaction block",
        ),
        (
            "drop index concurrently t_n",
            "DROP INDEX CONCURRENTLY cannot run inside a transaction block",
        ),
        (
            "reindex index concurrently t_n",
            "REINDEX CONCURRENTLY cannot run inside a transaction block",
        ),
        (
            "drop database if exists gone",
            "DROP DATABASE cannot run inside a transaction block",
        ),
        (
            "alter type mood add value 'happy'; select 'happy'::mood",
            "unsafe use of new value \"happy\" of enum type mood",
        ),
        // Also when the enum is new in the transaction ...
        (
            "create type mood2 as enum ('sad'); alter type mood2 add value 'ok'; \
             select 'ok'::mood2",
            "unsafe use of new value \"ok\" of enum type mood2",
        ),
    ] {
        let out = c.psql(db, &["-c", &format!("begin; {sql}; commit;")]);
        assert!(!out.status.success(), "{sql} ran");
        assert!(stderr(&out).contains(message), "{sql}: {}", stderr(&out));
    }
    // ... where only the labels of its CREATE TYPE can be used.
    c.sql(
        db,
        "begin; create type mood2 as enum ('sad'); select 'sad'::mood2; commit;",
    );
}
