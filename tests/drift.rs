//! `pgvet drift` against a real PostgreSQL: the schema pgvet replays from
//! migrations must be the one PostgreSQL builds from them (zero drift on the
//! seed fixtures, the rule examples and the replay cases below), and every
//! change made by hand on the live side must be found.

mod support;

use std::path::{Path, PathBuf};

use pgvet::catalog::Platform;
use pgvet::config::Config;
use pgvet::rules;
use pgvet::source::live::{ConnectOptions, LiveOptions, SslMode};
use pgvet::Settings;
use support::pg::{stderr, Cluster};
use support::sql_files;

const BASELINE: &str = "tests/sql/supabase_baseline.sql";

fn options(cluster: &Cluster, db: &str, exposed: &[String]) -> LiveOptions {
    LiveOptions {
        connect: ConnectOptions {
            url: Some(cluster.socket_url(db)),
            sslmode: Some(SslMode::Disable),
            ..ConnectOptions::default()
        },
        exposed_schemas: Some(exposed.to_vec()),
        ..LiveOptions::default()
    }
}

fn template(cluster: &Cluster) {
    cluster.create_db("baseline_tpl");
    cluster.apply("baseline_tpl", Path::new(BASELINE));
}

fn fresh_db(cluster: &Cluster, name: &str) {
    cluster.sql(
        "postgres",
        &format!("create database {name} template baseline_tpl"),
    );
}

/// The drift findings of `paths` against database `db`, one line each.
fn drift(cluster: &Cluster, db: &str, paths: &[PathBuf], settings: &Settings) -> Vec<String> {
    drift_with(
        cluster,
        db,
        paths,
        settings,
        &pgvet::drift::Options::default(),
    )
}

/// As [`drift`], comparing what `compared` adds (`--owners`).
fn drift_with(
    cluster: &Cluster,
    db: &str,
    paths: &[PathBuf],
    settings: &Settings,
    compared: &pgvet::drift::Options,
) -> Vec<String> {
    let report = pgvet::drift(
        paths,
        &Config::default(),
        settings,
        &options(cluster, db, &settings.exposed_schemas),
        compared,
    )
    .unwrap_or_else(|e| panic!("drift of {db} failed: {e}"));
    assert!(report.errors.is_empty(), "{db}: {:?}", report.errors);
    report
        .findings
        .iter()
        .map(|f| format!("{} {}", f.rule, f.message))
        .collect()
}

fn supabase() -> Settings {
    Settings::for_platform(Platform::Supabase)
}

/// Writes `sql` as one migration file in a temp dir, applies it, and
/// returns the dir (kept alive by the caller).
fn migrate(cluster: &Cluster, db: &str, sql: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("001_init.sql");
    std::fs::write(&file, sql).unwrap();
    let out = cluster.psql(db, &["-f", &file.display().to_string()]);
    assert!(out.status.success(), "{db}: {}", stderr(&out));
    dir
}

/// Rule examples whose database differs from pgvet's model, and why.
const KNOWN: &[(&str, &str, &str)] = &[
    (
        "ban-uncommitted-transaction",
        "bad",
        "the file leaves its BEGIN open: psql rolls it back at the end, pgvet keeps what it did",
    ),
    (
        "require-concurrent-partition-detach",
        "good",
        "DETACH PARTITION ... CONCURRENTLY leaves a CHECK copy of the partition bound on the \
         table, which pgvet does not model",
    ),
];

/// Everything compared, owners too: the migrations run as one role, and
/// each owner they set is the database's.
const OWNERS: pgvet::drift::Options = pgvet::drift::Options { owners: true };

#[test]
fn seed_fixtures_and_rule_examples_have_no_drift() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    template(&cluster);
    let mut failures = Vec::new();
    let mut compared = 0;
    let mut seeds: Vec<PathBuf> = std::fs::read_dir("fixtures")
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("broken").is_dir())
        .collect();
    seeds.sort();
    for seed in &seeds {
        for variant in ["broken", "fixed"] {
            let dir = seed.join(variant);
            let db = format!(
                "{}_{variant}",
                seed.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .replace('-', "_")
            );
            // PostgreSQL rejects this seed's migrations, as the seed documents.
            if db == "workspace_assets_broken" {
                continue;
            }
            fresh_db(&cluster, &db);
            for file in sql_files(&dir) {
                cluster.apply(&db, &file);
            }
            let found = drift_with(
                &cluster,
                &db,
                std::slice::from_ref(&dir),
                &supabase(),
                &OWNERS,
            );
            if !found.is_empty() {
                failures.push(format!("{}:\n  {}", dir.display(), found.join("\n  ")));
            }
            compared += 1;
        }
    }
    assert_eq!(compared, 9);
    for (i, rule) in rules::all().iter().enumerate() {
        let settings = Settings::for_example(rule);
        for (kind, sql) in [("bad", &rule.doc.bad), ("good", &rule.doc.good)] {
            let db = format!("ex_{i}_{kind}");
            fresh_db(&cluster, &db);
            let dir = tempfile::tempdir().unwrap();
            let mut paths = Vec::new();
            let mut applied = true;
            for (n, (_, text)) in rules::example_sources("example.sql", sql)
                .iter()
                .enumerate()
            {
                let path = dir.path().join(format!("{n:03}_example.sql"));
                std::fs::write(&path, text).unwrap();
                if !cluster
                    .psql(&db, &["-f", &path.display().to_string()])
                    .status
                    .success()
                {
                    // Some statement rules' examples are rejected on purpose.
                    applied = false;
                    break;
                }
                paths.push(path);
            }
            if !applied {
                continue;
            }
            let found = drift_with(&cluster, &db, &paths, &settings, &OWNERS);
            let known = KNOWN
                .iter()
                .find(|(id, k, _)| *id == rule.id() && *k == kind);
            match (known, found.is_empty()) {
                (None, true) => {}
                (None, false) => {
                    failures.push(format!("{} {kind}:\n  {}", rule.id(), found.join("\n  ")))
                }
                (Some(_), false) => {}
                (Some((_, _, why)), true) => failures.push(format!(
                    "{} {kind} has no drift any more ({why}): take it off KNOWN",
                    rule.id()
                )),
            }
            compared += 1;
        }
    }
    eprintln!("compared {compared} schemas");
    assert!(
        failures.is_empty(),
        "{} of {compared} with drift:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Replay bugs found on real projects (scripts/corpus), each in a few lines
/// of SQL written for this test.
#[test]
fn replay_matches_postgresql_on_real_project_shapes() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    template(&cluster);
    let cases: &[(&str, &str)] = &[
        (
            // Marquez's V31: a copy of a table, then indexes on its columns.
            "create_table_as_copies_the_columns_it_can_read",
            "create table public.io (id bigint primary key, job uuid not null default gen_random_uuid(), kind text);\n\
             create table public.io_in as select * from public.io where kind = 'IN';\n\
             create table public.io_some (j, k) as select job, kind from public.io;\n\
             create table public.io_named as select job as job_uuid, id from public.io;\n\
             create table public.io_counted as select kind, count(*) as n from public.io group by kind;\n\
             alter table public.io_counted add column note text;\n\
             create index io_in_job on public.io_in (job) include (kind);",
        ),
        (
            // authelia: a renamed table keeps its sequence, the new one's
            // serial gets `_seq1`; an unnamed index takes `_idx1` likewise.
            "generated_names_step_past_taken_relations",
            "create table public.totp (id serial primary key, a int);\n\
             alter table public.totp rename to totp_old;\n\
             create table public.totp (id serial primary key, a int);\n\
             create index on public.totp_old (a);\n\
             create table public.totp_a_idx (x int);\n\
             create index on public.totp (a);\n\
             create index on public.totp (a);\n\
             create table public.sess (id serial primary key);\n\
             alter table public.sess rename to sess_old;\n\
             drop table public.sess_old;\n\
             create table public.sess (id serial primary key);\n\
             create table public.tok (id int primary key, n serial);\n\
             alter table public.tok rename column n to m;\n\
             alter table public.tok drop column m;\n\
             alter table public.tok add column n serial;",
        ),
        (
            // Lemmy: a renamed enum label renames the defaults that use it.
            "enum_label_rename_reaches_defaults",
            "create type public.mode as enum ('open', 'require_application');\n\
             create table public.site (id int primary key, m public.mode not null default 'require_application', n public.mode default 'open'::public.mode);\n\
             alter type public.mode rename value 'require_application' to 'RequireApplication';\n\
             alter type public.mode rename value 'open' to 'Open';",
        ),
        (
            "pk_and_unique_in_one_create",
            "create table public.a (id int primary key unique);\n\
             create table public.b (id int primary key, constraint b_named unique (id));\n\
             create table public.c (id int, x int, unique (x), unique (x));",
        ),
        (
            "key_using_index",
            "create table public.s (id bigint not null);\n\
             create unique index s_ix on public.s (id);\n\
             alter table public.s add constraint s_pkey primary key using index s_ix;\n\
             create table public.u (n int);\n\
             create unique index u_n on public.u (n);\n\
             alter table public.u add unique using index u_n;",
        ),
        (
            "rename_constraint_renames_its_index",
            "create table public.r (id int primary key, a int, constraint r_old unique (a));\n\
             alter table public.r rename constraint r_old to r_new;\n\
             create table public.r2 (id int primary key, a int, constraint r2_old unique (a));\n\
             alter table public.r2 rename constraint r2_old to r2_new;\n\
             alter table public.r2 drop constraint r2_new;",
        ),
        (
            "alter_table_passes",
            "create table public.t (id int);\n\
             alter table public.t add primary key (x), add column x int, add constraint t_c check (x > 0);",
        ),
        (
            "names_defaults_and_enums_as_postgresql_makes_them",
            "create table public.column_lineage (output_dataset_version_uuid uuid, output_dataset_field_uuid uuid, \
               input_dataset_version_uuid uuid, input_dataset_field_uuid uuid, a int, b int check (b > a), \
               check (a > 0), unique (output_dataset_version_uuid, output_dataset_field_uuid, \
               input_dataset_version_uuid, input_dataset_field_uuid));\n\
             create type public.mood as enum ('a', 'c');\n\
             alter type public.mood add value 'b' before 'c';\n\
             alter type public.mood add value 'z' after 'a';\n\
             create table public.n (x numeric default '20.00', j jsonb default '{\"b\":1,  \"a\":[1,2]}', \
               y int default null, z text default null::text, s text);\n\
             create index n_s on public.n (s text_ops);\n\
             create type public.status_new as enum ('on', 'off');\n\
             create table public.m (st public.status_new);\n\
             alter type public.status_new rename to status;",
        ),
        (
            "renames_follow_as_in_postgresql",
            "create table public.user_ (id serial primary key, name text unique);\n\
             alter table public.user_ rename to person;\n\
             alter sequence public.user__id_seq rename to person_id_seq;\n\
             alter index public.user__pkey rename to person_pkey;\n\
             alter index public.user__name_key rename to person_name_key;\n\
             create function public.touch() returns trigger language plpgsql as $$ begin return new; end $$;\n\
             create function public.count_up() returns trigger language plpgsql as $$ begin return new; end $$;\n\
             create trigger person_touch before update on public.person for each row execute function public.touch();\n\
             create trigger person_count after insert on public.person for each row execute function public.count_up();\n\
             alter function public.touch() rename to touch_row;\n\
             drop function public.count_up cascade;\n\
             create function public.slug() returns text language sql as $$ select 'x' $$;\n\
             alter table public.person add column handle text default slug();",
        ),
        (
            "constraint_added_twice_in_an_idempotent_block",
            "create table public.p (id int primary key);\n\
             create table public.c (id int primary key, p_id int);\n\
             alter table public.c add constraint c_p_fkey foreign key (p_id) references public.p (id);\n\
             do $$ begin\n\
               alter table public.c add constraint c_p_fkey foreign key (p_id) references public.p (id);\n\
             exception when duplicate_object then null;\n\
             end $$;\n\
             create table public.k (a int, b int, check (a > b), check (b > a));",
        ),
        (
            "serial_defaults",
            "create table public.q (id bigserial primary key, n serial);",
        ),
        (
            "sequences_follow_their_schema",
            "create schema s;\n\
             create sequence s.q increment by 4;\n\
             create table s.t (id serial, n bigint default nextval('s.q'));\n\
             alter schema s rename to s2;\n\
             create schema gone;\n\
             create sequence gone.q2;\n\
             drop schema gone cascade;",
        ),
        (
            // Supabase's docs: make realtime's publication again, then add
            // the project's tables to it.
            "realtime_publication_remade",
            "create table public.todos (id bigint generated by default as identity primary key, task text);
             begin;
             drop publication if exists supabase_realtime;
             create publication supabase_realtime;
             commit;
             alter publication supabase_realtime add table public.todos;
             create table public.rooms (id uuid primary key default gen_random_uuid());
             alter publication supabase_realtime add table only public.rooms;",
        ),
        (
            // gantt-flow's clean-up loops and Registry's per-schema loops:
            // DO blocks that read the catalog and EXECUTE per row.
            "do_block_loops_over_the_catalog",
            "create table public.t (id int);\n\
             create policy a on public.t using (true);\n\
             create policy \"B c\" on public.t using (true);\n\
             create table public.u (id int);\n\
             create policy keep on public.u using (true);\n\
             do $$ declare pol record; begin\n\
               for pol in select policyname from pg_policies where schemaname = 'public' and tablename = 't' loop\n\
                 execute format('drop policy if exists %I on public.t', pol.policyname);\n\
               end loop;\n\
             end $$;\n\
             create schema tenant_a;\n\
             create table tenant_a.waitlist (id int);\n\
             create table public.waitlist (id int);\n\
             do $$ declare s text; begin\n\
               for s in select table_schema from information_schema.tables where table_name = 'waitlist' group by table_schema loop\n\
                 execute 'alter table ' || quote_ident(s) || '.waitlist add column pos int';\n\
               end loop;\n\
             end $$;\n\
             do $$ begin\n\
               if exists (select from pg_roles where rolname = 'nobody_here') then\n\
                 grant select on public.u to nobody_here;\n\
               end if;\n\
             end $$;",
        ),
        (
            "sql_standard_body_and_trailing_comment",
            "create table public.nums (n int);\n\
             create function public.add1(x int) returns int language sql\n\
             begin atomic\n  select x + 1;\nend;\n\
             -- rollback: drop function add1; then redeploy\n",
        ),
        (
            "expressions_postgresql_rewrites",
            "create table public.e (id int primary key, status varchar(10) not null default 'new' \
               check (status in ('new', 'done')), owner uuid, n numeric default 0);\n\
             alter table public.e enable row level security;\n\
             create policy e_own on public.e for select to authenticated \
               using (owner = (select auth.uid()) and exists (select 1 from public.e x where x.id = e.id));\n\
             create policy e_all on public.e for insert with check (n >= 0);\n\
             create index e_open on public.e (owner) where status not in ('done');",
        ),
        (
            // A table made apart and attached as a partition, another
            // detached: each one's parent is what PostgreSQL says.
            "attach_and_detach_partition",
            "create table public.ev (id bigint not null, at date not null, primary key (id, at)) \
               partition by range (at);\n\
             create table public.ev_2024 (id bigint not null, at date not null);\n\
             alter table public.ev attach partition public.ev_2024 \
               for values from ('2024-01-01') to ('2025-01-01');\n\
             create table public.ev_2023 partition of public.ev \
               for values from ('2023-01-01') to ('2024-01-01');\n\
             alter table public.ev detach partition public.ev_2023;",
        ),
        (
            // SELECT ... INTO makes a table as CREATE TABLE AS does: typed
            // from the one table it reads, its columns unknown otherwise.
            "select_into_makes_tables",
            "create table public.src (id bigint primary key, name text not null);\n\
             select id, name as label into public.copy from public.src where id > 0;\n\
             select * into unlogged table public.everything from public.src;\n\
             select 1 as n, 'x'::text as t into public.consts;\n\
             alter table public.consts add constraint consts_n check (n > 0);\n\
             select id into public.ids from public.src union select 2;\n\
             create index copy_label on public.copy (label);",
        ),
        (
            // What a ROLLBACK (ABORT, ROLLBACK TO SAVEPOINT, ROLLBACK AND
            // CHAIN) undoes is gone; RELEASE and COMMIT AND CHAIN keep it.
            "rolled_back_transactions_leave_nothing",
            "begin;\n\
             create table public.coupons (code text);\n\
             create type public.mood as enum ('ok');\n\
             commit;\n\
             begin;\n\
             create table public.gone (id int);\n\
             alter table public.coupons add column extra int, add constraint coupons_code check (code <> '');\n\
             alter type public.mood add value 'meh';\n\
             rollback;\n\
             begin;\n\
             create table public.kept (id int);\n\
             savepoint s;\n\
             create table public.undone (id int);\n\
             alter table public.kept add column later int;\n\
             rollback to savepoint s;\n\
             alter table public.kept add column n int;\n\
             savepoint t;\n\
             create index kept_n on public.kept (n);\n\
             release savepoint t;\n\
             commit;\n\
             begin;\n\
             create table public.chained (id int);\n\
             commit and chain;\n\
             create table public.unchained (id int);\n\
             rollback and chain;\n\
             create table public.last (id int);\n\
             commit;\n\
             abort;",
        ),
    ];
    let mut failures = Vec::new();
    for (name, sql) in cases {
        fresh_db(&cluster, name);
        let dir = migrate(&cluster, name, sql);
        let found = drift(&cluster, name, &[dir.path().to_path_buf()], &supabase());
        if !found.is_empty() {
            failures.push(format!("{name}:\n  {}", found.join("\n  ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_change_made_by_hand_is_found() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    template(&cluster);
    let db = "by_hand";
    fresh_db(&cluster, db);
    let dir = migrate(
        &cluster,
        db,
        "create schema app;\n\
         create type app.mood as enum ('ok', 'bad');\n\
         create domain app.pos as int check (value > 0);\n\
         create table app.t (id bigint primary key, status text not null default 'draft', owner uuid, n int);\n\
         create table app.child (id bigint primary key, t_id bigint references app.t on delete cascade);\n\
         create index t_owner on app.t (owner);\n\
         alter table app.t enable row level security;\n\
         create policy t_read on app.t for select to authenticated using (owner = auth.uid());\n\
         create function app.touch() returns trigger language plpgsql as $$ begin return new; end $$;\n\
         create trigger t_touch before update on app.t for each row execute function app.touch();\n\
         create function app.f(a int) returns int language sql stable as $$ select a + 1 $$;\n\
         create view app.v as select id from app.t;",
    );
    let settings = supabase();
    assert_eq!(
        drift(&cluster, db, &[dir.path().to_path_buf()], &settings),
        Vec::<String>::new(),
        "drift right after migrating"
    );
    cluster.sql(
        db,
        "alter table app.t alter column status set default 'done';\n\
         alter table app.t alter column n type bigint;\n\
         alter table app.t alter column owner set not null;\n\
         alter table app.t add column extra int;\n\
         alter table app.t disable row level security;\n\
         drop index app.t_owner;\n\
         create index t_status on app.t (status);\n\
         alter table app.child drop constraint child_t_id_fkey;\n\
         alter table app.child add constraint child_t_id_fkey foreign key (t_id) references app.t on delete restrict;\n\
         alter policy t_read on app.t to anon;\n\
         alter type app.mood add value 'meh';\n\
         create or replace function app.f(a int) returns int language sql stable as $$ select a + 2 $$;\n\
         alter function app.f(int) security definer;\n\
         alter table app.t disable trigger t_touch;\n\
         drop view app.v;\n\
         create table app.hand (id int);\n\
         grant select on app.child to anon;\n\
         create extension if not exists pg_trgm with schema public;",
    );
    let found = drift(&cluster, db, &[dir.path().to_path_buf()], &settings).join("\n");
    for expected in [
        "drift-changed column `app.t.status`: default is `'draft'` in the migrations and `'done'`",
        "drift-changed column `app.t.n`: type is `int4` in the migrations and `int8`",
        "drift-changed column `app.t.owner`: not null is `false` in the migrations and `true`",
        "drift-extra column `app.t.extra` is in the database",
        "drift-changed table `app.t`: row level security is `true` in the migrations and `false`",
        "drift-missing index `app.t_owner` is in the migrations but not in the database",
        "drift-extra index `app.t_status`",
        "drift-changed constraint `app.child.child_t_id_fkey`: definition is",
        "drift-changed policy `app.t.t_read`: roles is `authenticated` in the migrations and `anon`",
        "drift-changed type `app.mood`: values is `ok, bad` in the migrations and `ok, bad, meh`",
        "drift-changed function `app.f(int4)`: body is `select a + 1`",
        "drift-changed function `app.f(int4)`: security definer is `false`",
        "drift-changed trigger `app.t.t_touch`: enabled is `true` in the migrations and `false`",
        "drift-missing view `app.v`",
        "drift-extra table `app.hand`",
        "drift-extra extension `pg_trgm`",
        "drift-changed table `app.child`: privileges is not set in the migrations and `anon: SELECT` in the database",
    ] {
        assert!(found.contains(expected), "missing: {expected}\nfound:\n{found}");
    }
    // A new table is one finding, not one per column.
    assert!(!found.contains("app.hand.id"), "{found}");
}

#[test]
fn drift_command_exits_1_on_drift_and_0_without() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    template(&cluster);
    let db = "cli";
    cluster.create_db(db);
    let dir = migrate(
        &cluster,
        db,
        "create table public.notes (id bigint primary key);",
    );
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_pgvet"))
            .args(["drift", "--sslmode", "disable", "--format", "json", "--db"])
            .arg(cluster.socket_url(db))
            .arg(dir.path())
            .output()
            .unwrap()
    };
    let out = run();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    cluster.sql(db, "alter table public.notes add column body text;");
    let out = run();
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["findings"][0]["rule"], "drift-extra");
    assert_eq!(json["findings"][0]["object"], "public.notes.body");
}

/// With the runner's history table, drift compares only the migrations the
/// database has seen, and lists the others: a branch's new migration is
/// not drift.
#[test]
fn drift_follows_the_runners_history_table() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    cluster.create_db("goose_history");
    let db = "goose_history";
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write(
        "00001_init.sql",
        "-- +goose Up\ncreate table public.item (id bigint primary key, label text);\n-- +goose Down\ndrop table public.item;\n",
    );
    write(
        "00002_label.sql",
        "-- +goose Up\nalter table public.item add column note text;\n-- +goose Down\nalter table public.item drop column note;\n",
    );
    // Not applied yet: without the history, its index would be drift.
    write(
        "00003_index.sql",
        "-- +goose Up\ncreate index item_label on public.item (label);\n-- +goose Down\ndrop index item_label;\n",
    );
    cluster.sql(
        db,
        "create table goose_db_version (id serial primary key, version_id bigint not null, is_applied boolean not null, tstamp timestamp default now());\n\
         insert into goose_db_version (version_id, is_applied) values (0, true), (1, true), (2, true), (7, true), (7, false), (42, true);\n\
         create table public.item (id bigint primary key, label text, note text);",
    );
    let settings = Settings::for_platform(Platform::Postgres);
    let mut found = drift(&cluster, db, &[dir.path().to_path_buf()], &settings);
    found.sort();
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(
        found[0].starts_with("drift-unapplied migration `00003_index.sql` is not applied"),
        "{found:#?}"
    );
    // 7 was applied and rolled back; 42 has no file.
    assert!(
        found[1].starts_with("drift-unknown-migration the database records migration `42`"),
        "{found:#?}"
    );
    // An empty history says nothing: every file is compared.
    cluster.sql(db, "truncate goose_db_version");
    let found = drift(&cluster, db, &[dir.path().to_path_buf()], &settings);
    assert_eq!(
        found,
        ["drift-missing index `public.item_label` is in the migrations but not in the database"],
    );
}

/// Drizzle records each migration's journal time and applies the entries
/// later than the last one: those are pending; its schema is not drift.
#[test]
fn drift_reads_drizzles_migration_table() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    cluster.create_db("drizzle_history");
    let db = "drizzle_history";
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("meta")).unwrap();
    std::fs::write(
        dir.path().join("meta/_journal.json"),
        r#"{"version":"7","dialect":"postgresql","entries":[
            {"idx":0,"version":"7","when":1700000000000,"tag":"0000_init","breakpoints":true},
            {"idx":1,"version":"7","when":1700000100000,"tag":"0001_label","breakpoints":true},
            {"idx":2,"version":"7","when":1700000200000,"tag":"0002_index","breakpoints":true}]}"#,
    )
    .unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write(
        "0000_init.sql",
        "create table public.item (id bigint primary key, label text);
",
    );
    write(
        "0001_label.sql",
        "alter table public.item add column note text;
",
    );
    // Not applied yet: without the history, its index would be drift.
    write(
        "0002_index.sql",
        "create index item_label on public.item (label);
",
    );
    cluster.sql(
        db,
        "create schema drizzle;
         create table drizzle.__drizzle_migrations (id serial primary key, hash text not null, created_at bigint);
         insert into drizzle.__drizzle_migrations (hash, created_at) values ('a', 1700000000000), ('b', 1700000100000), ('c', 1600000000000);
         create table public.item (id bigint primary key, label text, note text);",
    );
    let settings = Settings::for_platform(Platform::Postgres);
    let mut found = drift(&cluster, db, &[dir.path().to_path_buf()], &settings);
    found.sort();
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(
        found[0].starts_with("drift-unapplied migration `0002_index.sql` is not applied"),
        "{found:#?}"
    );
    // A recorded time no journal entry has.
    assert!(
        found[1]
            .starts_with("drift-unknown-migration the database records migration `1600000000000`"),
        "{found:#?}"
    );
}

/// sqitch keeps its registry in schema `sqitch`: the changes it deployed
/// are compared, the others listed, and the registry is not drift.
#[test]
fn drift_reads_the_sqitch_registry() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    cluster.create_db("sqitch_history");
    let db = "sqitch_history";
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("deploy")).unwrap();
    std::fs::write(
        dir.path().join("sqitch.plan"),
        "%syntax-version=1.0.0\n%project=shop\n\nitems 2024-01-01T00:00:00Z A <a@b>\nlabels [items] 2024-01-02T00:00:00Z A <a@b>\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("deploy/items.sql"),
        "begin;\ncreate table public.items (id bigint primary key);\ncommit;\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("deploy/labels.sql"),
        "begin;\nalter table public.items add column label text;\ncommit;\n",
    )
    .unwrap();
    cluster.sql(
        db,
        "create schema sqitch;\n\
         create table sqitch.projects (project text primary key);\n\
         create table sqitch.changes (change_id text primary key, change text not null, project text not null);\n\
         insert into sqitch.changes values ('1', 'items', 'shop');\n\
         create table public.items (id bigint primary key);",
    );
    let settings = Settings::for_platform(Platform::Postgres);
    let found = drift(&cluster, db, &[dir.path().to_path_buf()], &settings);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with("drift-unapplied migration `labels.sql` is not applied"),
        "{found:#?}"
    );
}

/// EXECUTE on functions and procedures: who may call each one, with the
/// Supabase default privileges (the API roles get what is new in public).
#[test]
fn function_execute_privileges_are_compared() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    template(&cluster);
    let db = "execute_grants";
    fresh_db(&cluster, db);
    let dir = migrate(
        &cluster,
        db,
        "create schema app;\n\
         create function public.open_f() returns int language sql as $$ select 1 $$;\n\
         create function public.closed_f(n int) returns int language sql as $$ select n $$;\n\
         revoke execute on function public.closed_f(int) from public, anon, authenticated;\n\
         create function app.member_f() returns int language sql as $$ select 2 $$;\n\
         revoke all on function app.member_f() from public;\n\
         grant execute on function app.member_f() to authenticated;\n\
         create procedure app.job() language sql as $$ select 1 $$;\n\
         create function app.defaults_f() returns int language sql as $$ select 3 $$;\n\
         alter default privileges in schema public revoke execute on functions from anon;\n\
         create function public.after_f() returns int language sql as $$ select 4 $$;\n\
         create or replace function public.closed_f(n int) returns int language sql as $$ select n + 1 $$;\n\
         create schema locked;\n\
         alter default privileges revoke execute on functions from public;\n\
         create function locked.quiet_f() returns int language sql as $$ select 5 $$;\n\
         alter default privileges grant execute on functions to public;\n\
         create function locked.loud_f() returns int language sql as $$ select 6 $$;",
    );
    let settings = supabase();
    assert_eq!(
        drift(&cluster, db, &[dir.path().to_path_buf()], &settings),
        Vec::<String>::new(),
        "drift right after migrating"
    );
    cluster.sql(
        db,
        "grant execute on function public.closed_f(int) to anon;\n\
         revoke execute on function public.open_f() from authenticated;\n\
         revoke execute on procedure app.job() from public;\n\
         grant execute on function app.member_f() to service_role;",
    );
    let found = drift(&cluster, db, &[dir.path().to_path_buf()], &settings).join("\n");
    for expected in [
        "drift-changed function `public.closed_f(int4)`: execute is `service_role` in the migrations and `anon, service_role` in the database",
        "drift-changed function `public.open_f()`: execute is `anon, authenticated, public, service_role` in the migrations and `anon, public, service_role` in the database",
        "drift-changed function `app.job()`: execute is `public` in the migrations and not set in the database",
        "drift-changed function `app.member_f()`: execute is `authenticated` in the migrations and `authenticated, service_role` in the database",
    ] {
        assert!(found.contains(expected), "missing: {expected}\nfound:\n{found}");
    }
    assert_eq!(found.lines().count(), 4, "{found}");
}

/// Standalone sequences are compared; those a column owns (serial,
/// identity, `OWNED BY`, as pg_dump writes them) are part of the column.
#[test]
fn standalone_sequences_are_compared() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    template(&cluster);
    let db = "sequences";
    fresh_db(&cluster, db);
    let dir = migrate(
        &cluster,
        db,
        "create schema app;\n\
         create sequence app.order_no;\n\
         create sequence public.invoice_no start 1000;\n\
         create table app.orders (id serial primary key, no bigint default nextval('app.order_no'), \
           k bigint generated always as identity);\n\
         create table public.dumped (id integer not null);\n\
         create sequence public.dumped_id_seq as integer start with 1 increment by 1 no minvalue no maxvalue cache 1;\n\
         alter sequence public.dumped_id_seq owned by public.dumped.id;\n\
         alter table only public.dumped alter column id set default nextval('public.dumped_id_seq'::regclass);\n\
         create table app.c (n int);\n\
         create sequence app.c_n_seq owned by app.c.n;\n\
         create sequence app.freed owned by app.c.n;\n\
         alter sequence app.freed owned by none;\n\
         create sequence app.gone;\n\
         drop sequence app.gone;\n\
         create sequence app.old_name;\n\
         alter sequence app.old_name rename to new_name;",
    );
    let settings = supabase();
    assert_eq!(
        drift(&cluster, db, &[dir.path().to_path_buf()], &settings),
        Vec::<String>::new(),
        "drift right after migrating"
    );
    cluster.sql(
        db,
        "drop sequence public.invoice_no;\n\
         create sequence app.by_hand;\n\
         alter sequence app.freed owned by app.c.n;",
    );
    let mut found = drift(&cluster, db, &[dir.path().to_path_buf()], &settings);
    found.sort();
    assert_eq!(
        found,
        [
            "drift-extra sequence `app.by_hand` is in the database but no migration creates it",
            "drift-missing sequence `app.freed` is in the migrations but not in the database",
            "drift-missing sequence `public.invoice_no` is in the migrations but not in the database",
        ]
    );
}

/// A sequence's options (type, start, increment, bounds, cache, cycle),
/// set as PostgreSQL sets them: a standalone sequence's are its own, those
/// of the sequence an identity or serial column owns are the column's.
#[test]
fn sequence_options_are_compared() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    template(&cluster);
    let db = "sequence_options";
    fresh_db(&cluster, db);
    let dir = migrate(
        &cluster,
        db,
        "create schema app;\n\
         create sequence app.plain;\n\
         create sequence app.small as smallint start 10 increment by 5 cache 20 cycle;\n\
         create sequence app.down increment by -1;\n\
         create sequence app.big maxvalue 9223372036854775807 minvalue -9223372036854775808 start 0;\n\
         create sequence app.bounded minvalue 100 maxvalue 1000;\n\
         create sequence app.retyped maxvalue 500;\n\
         alter sequence app.retyped as integer;\n\
         create sequence app.widened as integer;\n\
         alter sequence app.widened as smallint;\n\
         create sequence app.desc_retyped as integer increment by -1;\n\
         alter sequence app.desc_retyped as smallint;\n\
         create sequence app.desc_max increment by -1 maxvalue 9223372036854775807 start 5;\n\
         alter sequence app.desc_max as integer;\n\
         create sequence app.altered;\n\
         alter sequence app.altered increment by 3 start with 7 restart with 100 cache 10 maxvalue 10000 cycle;\n\
         alter sequence app.altered no maxvalue no cycle;\n\
         alter sequence app.altered increment by -2;\n\
         create sequence app.flip minvalue -50;\n\
         alter sequence if exists app.nowhere increment by 2;\n\
         create table app.t (id bigint generated always as identity (start with 10 increment by 5), \
           n int generated by default as identity, s serial, b bigserial, sm smallserial);\n\
         alter table app.t alter column n set increment by 2 set maxvalue 1000;\n\
         alter table app.t alter column n restart with 50;\n\
         alter table app.t alter column id type integer;\n\
         create table app.u (k int not null);\n\
         alter table app.u alter column k add generated always as identity (cache 5);\n\
         alter table app.u alter column k set generated by default;\n\
         create table app.w (k int generated always as identity (sequence name app.w_seq minvalue 3));\n\
         alter table app.w alter column k drop identity;\n\
         create table app.r (id int generated always as identity (maxvalue 99));\n\
         alter table app.r rename to r2;\n\
         alter table app.r2 rename column id to key;\n\
         create table app.r (id int generated always as identity);\n\
         create table public.dumped (id integer not null);\n\
         create sequence public.dumped_id_seq as integer start with 1 increment by 1 no minvalue no maxvalue cache 1;\n\
         alter sequence public.dumped_id_seq owned by public.dumped.id;\n\
         alter table only public.dumped alter column id set default nextval('public.dumped_id_seq'::regclass);",
    );
    let settings = supabase();
    assert_eq!(
        drift(&cluster, db, &[dir.path().to_path_buf()], &settings),
        Vec::<String>::new(),
        "drift right after migrating"
    );
    cluster.sql(
        db,
        "alter sequence app.plain increment by 2;\n\
         alter sequence app.small no cycle;\n\
         alter sequence app.bounded maxvalue 2000;\n\
         alter sequence app.widened as bigint;\n\
         alter sequence app.altered restart with 5;\n\
         alter table app.t alter column id set increment by 7;\n\
         alter table app.t alter column n set cache 3;\n\
         alter sequence app.t_s_seq start with 9;\n\
         alter sequence public.dumped_id_seq as bigint;",
    );
    let mut found = drift(&cluster, db, &[dir.path().to_path_buf()], &settings);
    found.sort();
    assert_eq!(
        found,
        [
            "drift-changed column `app.t.id`: sequence increment is `5` in the migrations and `7` in the database",
            "drift-changed column `app.t.n`: sequence cache is `1` in the migrations and `3` in the database",
            "drift-changed column `app.t.s`: sequence start is `1` in the migrations and `9` in the database",
            "drift-changed column `public.dumped.id`: sequence maxvalue is `2147483647` in the migrations and `9223372036854775807` in the database",
            "drift-changed column `public.dumped.id`: sequence type is `integer` in the migrations and `bigint` in the database",
            "drift-changed sequence `app.bounded`: maxvalue is `1000` in the migrations and `2000` in the database",
            "drift-changed sequence `app.plain`: increment is `1` in the migrations and `2` in the database",
            "drift-changed sequence `app.small`: cycle is `true` in the migrations and `false` in the database",
            "drift-changed sequence `app.widened`: maxvalue is `32767` in the migrations and `9223372036854775807` in the database",
            "drift-changed sequence `app.widened`: type is `smallint` in the migrations and `bigint` in the database",
        ]
    );
}

/// A sequence's privileges: a standalone sequence's are its own, those of
/// the sequence a serial or identity column owns the column's (`sequence
/// privileges`). New sequences, serial and identity ones too, get the
/// default privileges for sequences (Supabase's in public, the project's
/// own); GRANT on a table grants nothing on its sequences, and `ALL TABLES
/// IN SCHEMA` takes in none; a sequence named `ON TABLE` gets the sequence
/// privileges among those named.
#[test]
fn sequence_privileges_are_compared() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    template(&cluster);
    let db = "sequence_grants";
    fresh_db(&cluster, db);
    let dir = migrate(
        &cluster,
        db,
        "create schema app;\n\
         create role app_owner;\n\
         create sequence app.plain;\n\
         create sequence public.pub_seq;\n\
         create table public.items (id serial primary key, k bigint generated always as identity, name text);\n\
         grant select on public.items to anon;\n\
         create table app.t (id serial, k int generated by default as identity);\n\
         grant all on app.t to anon;\n\
         grant all on all tables in schema app to authenticated;\n\
         grant usage on sequence app.t_id_seq to authenticated;\n\
         grant select, update on sequence app.plain to anon;\n\
         revoke update on sequence app.plain from anon;\n\
         alter default privileges in schema app grant usage on sequences to service_role;\n\
         create sequence app.after;\n\
         create table app.u (id bigserial, k bigint generated always as identity);\n\
         alter table app.u add column m int generated by default as identity;\n\
         alter table app.u add column s smallserial;\n\
         grant select on all sequences in schema app to authenticated;\n\
         revoke select on sequence public.pub_seq from anon;\n\
         revoke all on all sequences in schema public from authenticated;\n\
         grant all on table app.plain to service_role;\n\
         grant insert, update on app.after to anon;\n\
         alter default privileges in schema app revoke usage on sequences from service_role;\n\
         create sequence app.later;\n\
         create table app.owned (id serial);\n\
         grant usage on sequence app.owned_id_seq to app_owner, anon;\n\
         alter table app.owned owner to app_owner;\n\
         create sequence app.moved;\n\
         grant update on sequence app.moved to app_owner, anon;\n\
         alter sequence app.moved owner to app_owner;",
    );
    let settings = supabase();
    assert_eq!(
        drift(&cluster, db, &[dir.path().to_path_buf()], &settings),
        Vec::<String>::new(),
        "drift right after migrating"
    );
    cluster.sql(
        db,
        "grant update on sequence app.plain to authenticated;\n\
         revoke usage on sequence public.items_id_seq from anon;\n\
         grant select on sequence app.u_k_seq to anon;\n\
         revoke all on sequence public.pub_seq from service_role;",
    );
    let mut found = drift(&cluster, db, &[dir.path().to_path_buf()], &settings);
    found.sort();
    assert_eq!(
        found,
        [
            "drift-changed column `app.u.k`: sequence privileges is `authenticated: SELECT; service_role: USAGE` in the migrations and `anon: SELECT; authenticated: SELECT; service_role: USAGE` in the database",
            "drift-changed column `public.items.id`: sequence privileges is `anon: SELECT, UPDATE, USAGE; service_role: SELECT, UPDATE, USAGE` in the migrations and `anon: SELECT, UPDATE; service_role: SELECT, UPDATE, USAGE` in the database",
            "drift-changed sequence `app.plain`: privileges is `anon: SELECT; authenticated: SELECT; service_role: SELECT, UPDATE, USAGE` in the migrations and `anon: SELECT; authenticated: SELECT, UPDATE; service_role: SELECT, UPDATE, USAGE` in the database",
            "drift-changed sequence `public.pub_seq`: privileges is `anon: UPDATE, USAGE; service_role: SELECT, UPDATE, USAGE` in the migrations and `anon: UPDATE, USAGE` in the database",
        ]
    );
}

/// Publications: whether each exists, FOR ALL TABLES, what it publishes,
/// and each table (with its column list and row filter) and schema it
/// names. Supabase's `supabase_realtime` is the platform's, but the tables
/// a project adds to it are compared; a publication the platform makes
/// for itself is not drift.
#[test]
fn publications_are_compared() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    template(&cluster);
    let db = "publications";
    fresh_db(&cluster, db);
    let dir = migrate(
        &cluster,
        db,
        "create schema app;\n\
         create schema other;\n\
         create table app.a (id int primary key, x int, y text);\n\
         create table app.b (id int primary key);\n\
         create table app.c (id int primary key);\n\
         create table public.messages (id bigint primary key, body text);\n\
         create table public.gone (id int primary key);\n\
         create table public.old_name (id int primary key);\n\
         alter publication supabase_realtime add table public.messages, public.gone, public.old_name;\n\
         alter table public.old_name rename to new_name;\n\
         drop table public.gone;\n\
         create publication pub_all for all tables;\n\
         create publication pub_part for table app.a (id, y) where (x > 10), app.b with (publish = 'insert, update');\n\
         alter table app.a rename column y to why;\n\
         create publication pub_schema for tables in schema app;\n\
         alter publication pub_schema add table public.messages;\n\
         create publication pub_changed for table app.c;\n\
         alter publication pub_changed set table app.b, app.a;\n\
         alter publication pub_changed add tables in schema other;\n\
         alter publication pub_changed drop table app.a;\n\
         alter publication pub_changed set (publish = 'delete');\n\
         create publication to_rename for table app.b;\n\
         alter publication to_rename rename to renamed_pub;\n\
         alter publication renamed_pub owner to current_user;\n\
         create publication dropped_pub;\n\
         drop publication dropped_pub;\n\
         drop publication if exists never_was;\n\
         create publication via_root for table app.a with (publish_via_partition_root = true);\n\
         create schema s2;\n\
         create publication pub_s2 for tables in schema s2;\n\
         alter schema s2 rename to s3;",
    );
    let settings = supabase();
    assert_eq!(
        drift(&cluster, db, &[dir.path().to_path_buf()], &settings),
        Vec::<String>::new(),
        "drift right after migrating"
    );
    cluster.sql(
        db,
        "alter publication supabase_realtime drop table public.messages;\n\
         alter publication supabase_realtime add table app.c;\n\
         alter publication pub_part set (publish = 'insert');\n\
         alter publication pub_part set table app.a (id) where (x > 20), app.b;\n\
         alter publication pub_schema drop tables in schema app;\n\
         create publication by_hand for table app.b;\n\
         drop publication pub_all;\n\
         create publication pub_all for table app.b;\n\
         alter publication via_root set (publish_via_partition_root = false);\n\
         create role supabase_admin;\n\
         create publication supabase_realtime_messages_publication for table public.messages;\n\
         alter publication supabase_realtime_messages_publication owner to supabase_admin;",
    );
    let mut found = drift(&cluster, db, &[dir.path().to_path_buf()], &settings);
    found.sort();
    assert_eq!(
        found,
        [
            "drift-changed publication `pub_all`: all tables is `true` in the migrations and `false` in the database",
            "drift-changed publication `pub_part`: publish is `insert, update` in the migrations and `insert` in the database",
            "drift-changed publication `via_root`: publish via partition root is `true` in the migrations and `false` in the database",
            "drift-changed publication table `pub_part.app.a`: columns is `id, why` in the migrations and `id` in the database",
            "drift-changed publication table `pub_part.app.a`: row filter is `x > 10` in the migrations and `x > 20` in the database",
            "drift-extra publication `by_hand` is in the database but no migration creates it",
            "drift-extra publication table `pub_all.app.b` is in the database but no migration creates it",
            "drift-extra publication table `supabase_realtime.app.c` is in the database but no migration creates it",
            "drift-missing publication schema `pub_schema.app` is in the migrations but not in the database",
            "drift-missing publication table `supabase_realtime.public.messages` is in the migrations but not in the database",
        ]
    );
}

/// Views: PostgreSQL rewrites the query, so what it gives (the output
/// columns, `*` expanded when the view was made) and what it reads are
/// compared, not its text.
#[test]
fn view_columns_and_reads_are_compared() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    template(&cluster);
    let db = "views";
    fresh_db(&cluster, db);
    let dir = migrate(
        &cluster,
        db,
        "create schema app;\n\
         create table app.t (id bigint primary key, a text, n int);\n\
         create table public.u (id bigint primary key, t_id bigint, b text);\n\
         create view app.star as select * from app.t;\n\
         create view app.star_join as select t.*, u.b from app.t join public.u on u.t_id = t.id;\n\
         create view app.using_join as select * from app.t join (select id, b from public.u) s using (id);\n\
         create view app.aliases (k, label) as select id, a, n as amount, t.n + 1, (n * 2)::text, count(*) over () from app.t;\n\
         create view app.exprs as select coalesce(a, 'x'), case when n > 0 then a else 'none' end, \
           case when n > 0 then 1 else n end, n is null, (select max(b) from public.u), exists (select 1 from public.u), \
           now(), current_date, nullif(n, 0), greatest(n, 1), array[n], a || 'y' as ay, 'k'::text from app.t;\n\
         create view app.cte as with recursive r (x) as (select 1 union all select x + 1 from r where x < 3), \
           w as (select id, a from app.t) select w.*, r.x from w, r;\n\
         create view app.unioned as select id, a from app.t union select id, b from public.u;\n\
         create view app.over_view as select * from app.star where id > 0;\n\
         create materialized view app.mv as select n, count(*) as c from app.t group by n;\n\
         create view app.vals as select * from (values (1, 'a'), (2, 'b')) v (num, letter);\n\
         create view app.renamed as select id, a from app.t;\n\
         alter view app.renamed rename column a to title;\n\
         alter table app.t add column later int;\n\
         alter table app.t rename column a to a2;\n\
         create view public.unqualified as select * from u;",
    );
    let settings = supabase();
    assert_eq!(
        drift(&cluster, db, &[dir.path().to_path_buf()], &settings),
        Vec::<String>::new(),
        "drift right after migrating"
    );
    cluster.sql(
        db,
        "drop view app.over_view;\n\
         create or replace view app.star as select id, a2 as a, n, 1 as one from app.t;\n\
         drop view app.unioned;\n\
         create view app.unioned as select id, b from public.u union select id, a2 from app.t;\n\
         create view app.over_view as select id, a2 as a, n from public.u join app.t using (id);\n\
         create or replace view public.unqualified as select u.id, u.t_id, u.b from public.u, app.t;",
    );
    let mut found = drift(&cluster, db, &[dir.path().to_path_buf()], &settings);
    found.sort();
    assert_eq!(
        found,
        [
            // The select list with `*` is not compared, the rest of the query is.
            "drift-changed view `app.over_view`: query is `SELECT * FROM star WHERE id > 0` in the migrations and `SELECT * FROM u JOIN t USING (id)` in the database",
            "drift-changed view `app.over_view`: reads is `star` in the migrations and `t, u` in the database",
            "drift-changed view `app.star`: columns is `id, a, n` in the migrations and `id, a, n, one` in the database",
            // Its query names `a`, renamed since: not compared.
            "drift-changed view `app.unioned`: columns is `id, a` in the migrations and `id, b` in the database",
            "drift-changed view `public.unqualified`: query is `SELECT * FROM u` in the migrations and `SELECT * FROM u, t` in the database",
            "drift-changed view `public.unqualified`: reads is `u` in the migrations and `t, u` in the database",
        ]
    );
}

/// A view's query: the migrations' and the one PostgreSQL prints back
/// (qualified, cast, `*` expanded, ORDER BY 1 and aliases resolved) are
/// the same query, and one replaced by hand is found.
#[test]
fn view_queries_are_compared() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    template(&cluster);
    let db = "view_queries";
    fresh_db(&cluster, db);
    let dir = migrate(
        &cluster,
        db,
        "create schema app;\n\
         create table app.t (id bigint primary key, a text, n int, at timestamptz default now());\n\
         create table public.u (id bigint primary key, t_id bigint references app.t, b text, price numeric(10, 2));\n\
         create view app.joined as select t.id, t.a, u.b from app.t t join public.u u on u.t_id = t.id \
           where u.b is not null and t.n > 0;\n\
         create view app.left_joined as select x.id, y.b as label from app.t as x \
           left join u y on y.t_id = x.id and y.b like 'x%' and y.b not ilike '%z';\n\
         create view app.casts as select id::text as id_text, n::numeric(10, 2) as amount, \
           cast(a as varchar(10)) as short, '2020-01-01'::date as day, interval '1 day' as span, \
           at + interval '90 minutes' as later, -1 as minus, 1.50 as price, true as yes, null::int as nothing from app.t;\n\
         create view app.cases as select id, case when n > 10 then 'big' when n > 0 then 'small' else 'none' end as size, \
           case n when 1 then 'one' end as word, coalesce(a, 'x') as a, nullif(n, 0) as nz, greatest(n, 1) as g from app.t;\n\
         create view app.subqueries as select id, (select count(*) from public.u where u.t_id = t.id) as uses, \
           exists (select 1 from public.u where t_id = t.id) as used from app.t \
           where id = any (select t_id from public.u where price between 1 and 10) and n not in (3, 4) and n in (5);\n\
         create view app.star as select * from app.t where n is not null;\n\
         create view app.star_join as select t.*, u.b from app.t join public.u on u.t_id = t.id;\n\
         create view app.cte as with recursive r (x) as (select 1 union all select x + 1 from r where x < 3), \
           w as (select id, a from app.t where a <> '') select w.id, w.a, r.x from w cross join r;\n\
         create view app.grouped as select n, count(*) as c, sum(price) as total from app.t \
           join public.u on u.t_id = t.id group by 1 having count(*) > 1 order by total desc, 1 limit 5;\n\
         create view app.windowed as select id, row_number() over (partition by n order by id desc) as rn, \
           lag(a) over w as prev, count(*) filter (where n > 0) over () as positive from app.t window w as (order by id);\n\
         create view app.whole_rows as select to_jsonb(t) as doc, array_agg(id order by id) as ids from app.t group by t.*;\n\
         create view app.unioned as select id, a from app.t union all select id, b from public.u;\n\
         create view app.series as select t.id, g.i from app.t, lateral generate_series(1, t.n) as g(i) where g.i % 2 = 0;\n\
         create view app.distinct_on as select distinct on (n) n, id from app.t order by n, id desc;\n\
         create materialized view app.mv as select n, max(at) as latest from app.t \
           where at > now() - interval '30 days' group by n;\n\
         create table app.r (id int, old_name text);\n\
         create view app.over_renamed as select id, old_name from app.r where old_name <> '';\n\
         alter table app.r rename column old_name to new_name;",
    );
    let settings = supabase();
    let paths = [dir.path().to_path_buf()];
    assert_eq!(
        drift(&cluster, db, &paths, &settings),
        Vec::<String>::new(),
        "drift right after migrating"
    );
    cluster.sql(
        db,
        "create or replace view app.joined as select t.id, t.a, u.b from app.t t join public.u u on u.t_id = t.id \
           where u.b is not null and t.n > 1;\n\
         create or replace view app.star as select * from app.t where n is null;\n\
         create or replace view app.cte as with recursive r (x) as (select 1 union all select x + 1 from r where x < 5), \
           w as (select id, a from app.t where a <> '') select w.id, w.a, r.x from w cross join r;\n\
         create or replace view app.grouped as select n, count(*) as c, sum(price) as total from app.t \
           join public.u on u.t_id = t.id group by 1 having count(*) > 1 order by total, 1 limit 5;\n\
         drop materialized view app.mv;\n\
         create materialized view app.mv as select n, max(at) as latest from app.t \
           where at > now() - interval '7 days' group by n;\n\
         create or replace view app.over_renamed as select id, new_name as old_name from app.r where new_name <> 'x';",
    );
    let mut found = drift(&cluster, db, &paths, &settings);
    found.sort();
    assert_eq!(
        found,
        [
            "drift-changed view `app.cte`: query is `…SELECT x + 1 FROM r WHERE x < 3), w AS (SELECT id, a FROM t WHERE a <> '') SELECT id, a, x FROM w CROSS JOIN r` in the migrations and `…SELECT x + 1 FROM r WHERE x < 5), w AS (SELECT id, a FROM t WHERE a <> '') SELECT id, a, x FROM w CROSS JOIN r` in the database",
            "drift-changed view `app.grouped`: query is `…count(*) > 1 ORDER BY sum(price) DESC, n LIMIT 5` in the migrations and `…count(*) > 1 ORDER BY sum(price), n LIMIT 5` in the database",
            "drift-changed view `app.joined`: query is `…id WHERE b IS NOT NULL AND n > 0` in the migrations and `…id WHERE b IS NOT NULL AND n > 1` in the database",
            "drift-changed view `app.mv`: query is `…at > now() - 'interval 0 months 30 days 0 us' GROUP BY n` in the migrations and `…at > now() - 'interval 0 months 7 days 0 us' GROUP BY n` in the database",
            "drift-changed view `app.star`: query is `SELECT * FROM t WHERE n IS NOT NULL` in the migrations and `SELECT * FROM t WHERE n IS NULL` in the database",
        ],
        "the queries replaced by hand (not the one over a renamed column, which is not compared)"
    );
}

/// Types an extension makes in its own schema (`extensions.citext`):
/// columns, arrays of them, domains over them, and functions taking and
/// returning them are the same on both sides; a column retyped by hand is
/// found.
#[test]
fn extension_schema_types_are_compared() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    template(&cluster);
    let db = "extension_types";
    fresh_db(&cluster, db);
    let dir = migrate(
        &cluster,
        db,
        "create extension if not exists citext with schema extensions;\n\
         create extension if not exists hstore with schema extensions;\n\
         create schema ext2;\n\
         create extension if not exists ltree with schema ext2;\n\
         create table public.people (id bigint primary key, email extensions.citext not null unique, \
           attrs extensions.hstore default ''::extensions.hstore, path ext2.ltree, tags extensions.citext[], \
           nick extensions.citext default 'anon'::extensions.citext);\n\
         create index people_path on public.people using gist (path);\n\
         create index people_attrs on public.people using gin (attrs);\n\
         create domain public.email as extensions.citext check (value ~ '@');\n\
         create table public.contacts (id int, email public.email, parent ext2.ltree[]);\n\
         create function public.by_email(e extensions.citext) returns setof public.people \
           language sql stable as $$ select * from public.people where email = e $$;\n\
         create function public.under(p ext2.ltree, out n bigint) \
           language sql as $$ select count(*) from public.people where path operator(ext2.<@) p $$;\n\
         create function public.pair(x int, out a int, inout b ext2.ltree) \
           language sql as $$ select x, b $$;\n\
         create function public.tags_of(id bigint) returns extensions.citext[] \
           language sql as $$ select tags from public.people where people.id = tags_of.id $$;\n\
         create view public.emails as select email::text as email, attrs operator(extensions.->) 'k' as k from public.people;",
    );
    let settings = supabase();
    let paths = [dir.path().to_path_buf()];
    assert_eq!(
        drift(&cluster, db, &paths, &settings),
        Vec::<String>::new(),
        "drift right after migrating"
    );
    cluster.sql(
        db,
        "alter table public.people alter column nick type text;\n\
         drop function public.under(ext2.ltree);\n\
         create function public.under(p ext2.ltree, out n int) \
           language sql as $$ select count(*)::int from public.people where path operator(ext2.<@) p $$;",
    );
    let mut found = drift(&cluster, db, &paths, &settings);
    found.sort();
    assert_eq!(
        found,
        [
            "drift-changed column `public.people.nick`: type is `extensions.citext` in the migrations and `text` in the database",
            "drift-changed function `public.under(ext2.ltree)`: body is `select count(*) from public.people where path operator(ext2.<@) p` in the migrations and `select count(*)::int from public.people where path operator(ext2.<@) p` in the database",
            "drift-changed function `public.under(ext2.ltree)`: returns is `int8` in the migrations and `int4` in the database",
        ]
    );
}

/// Column privileges (`GRANT SELECT (col)`): who may read or write which
/// column through the API.
#[test]
fn column_privileges_are_compared() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    template(&cluster);
    let db = "column_grants";
    fresh_db(&cluster, db);
    let dir = migrate(
        &cluster,
        db,
        "create schema app;\n\
         create table app.profile (id bigint primary key, name text, email text, secret text);\n\
         grant select (id, name) on app.profile to anon;\n\
         grant update (name), references (id) on app.profile to authenticated;\n\
         grant all (email) on app.profile to service_role;\n\
         grant select (secret, email) on app.profile to authenticated;\n\
         revoke select on app.profile from authenticated;\n\
         grant select, insert (secret) on app.profile to service_role;\n\
         create table public.doc (id int, body text);\n\
         revoke all on public.doc from anon;\n\
         grant select (id) on public.doc to anon;\n\
         alter table app.profile rename column name to display_name;\n\
         create table app.copy (like app.profile);\n\
         revoke update (display_name) on app.profile from anon;",
    );
    let settings = supabase();
    assert_eq!(
        drift(&cluster, db, &[dir.path().to_path_buf()], &settings),
        Vec::<String>::new(),
        "drift right after migrating"
    );
    cluster.sql(
        db,
        "grant select (email) on app.profile to anon;\n\
         revoke update (display_name) on app.profile from authenticated;\n\
         grant insert (body) on public.doc to anon;",
    );
    let mut found = drift(&cluster, db, &[dir.path().to_path_buf()], &settings);
    found.sort();
    assert_eq!(
        found,
        [
            "drift-changed column `app.profile.display_name`: privileges is `anon: SELECT; authenticated: UPDATE` in the migrations and `anon: SELECT` in the database",
            "drift-changed column `app.profile.email`: privileges is `service_role: INSERT, REFERENCES, SELECT, UPDATE` in the migrations and `anon: SELECT; service_role: INSERT, REFERENCES, SELECT, UPDATE` in the database",
            "drift-changed column `public.doc.body`: privileges is not set in the migrations and `anon: INSERT` in the database",
        ]
    );
}

/// ALTER DEFAULT PRIVILEGES: what new objects will be granted, for the
/// role that owns the project's objects. The platform's own defaults, as
/// the baseline has them, are not listed; another role's are not read.
#[test]
fn default_privileges_are_compared() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    template(&cluster);
    let db = "default_privileges";
    fresh_db(&cluster, db);
    let dir = migrate(
        &cluster,
        db,
        "create schema app;\n\
         create role app_owner;\n\
         create table app.t (id int);\n\
         create function app.f() returns int language sql as $$ select 1 $$;\n\
         alter default privileges in schema app grant select on tables to authenticated;\n\
         alter default privileges in schema app grant all on sequences to service_role;\n\
         alter default privileges in schema app grant usage on types to anon;\n\
         alter default privileges grant execute on functions to service_role;\n\
         alter default privileges revoke execute on functions from public;\n\
         alter default privileges in schema public revoke insert, delete on tables from anon;\n\
         alter default privileges in schema public revoke all on functions from anon;\n\
         alter default privileges for role postgres in schema app grant all on tables to postgres, service_role;\n\
         create schema owned;\n\
         alter default privileges for role app_owner in schema owned grant all on tables to anon;\n\
         create table app.u (id int);",
    );
    let settings = supabase();
    assert_eq!(
        drift(&cluster, db, &[dir.path().to_path_buf()], &settings),
        Vec::<String>::new(),
        "drift right after migrating"
    );
    cluster.sql(
        db,
        "alter default privileges in schema app grant insert on tables to authenticated;\n\
         alter default privileges in schema app grant execute on functions to anon;\n\
         alter default privileges revoke execute on functions from service_role;",
    );
    let mut found = drift(&cluster, db, &[dir.path().to_path_buf()], &settings);
    found.sort();
    assert_eq!(
        found,
        [
            "drift-changed default privileges `tables in schema app to authenticated`: privileges is `SELECT` in the migrations and `INSERT, SELECT` in the database",
            "drift-extra default privileges `functions in schema app to anon` is in the database but no migration creates it",
            "drift-missing default privileges `functions to service_role` is in the migrations but not in the database",
        ]
    );
}

/// Migrations that set owners (OWNER TO, CREATE SCHEMA ... AUTHORIZATION,
/// SET ROLE, REASSIGN OWNED) and leave others to the role running them.
const OWNED: &str = "create schema app;\n\
     create schema billing authorization own_app;\n\
     create table app.t (id int primary key);\n\
     create table app.u (id int);\n\
     create table app.w (id int);\n\
     alter table app.w owner to own_app;\n\
     create view app.v as select id from app.t;\n\
     alter view app.v owner to own_api;\n\
     create materialized view app.mv as select id from app.t;\n\
     create sequence app.s;\n\
     alter sequence app.s owner to own_app;\n\
     create sequence app.implicit_seq;\n\
     create function app.f() returns int language sql as $$ select 1 $$;\n\
     alter function app.f() owner to own_api;\n\
     create procedure app.p() language sql as $$ select 1 $$;\n\
     create type app.mood as enum ('ok');\n\
     alter type app.mood owner to own_app;\n\
     create domain app.pos as int check (value > 0);\n\
     alter domain app.pos owner to own_api;\n\
     alter domain app.pos owner to current_user;\n\
     create type app.pair as (a int, b int);\n\
     alter type app.pair owner to own_app;\n\
     create table billing.invoice (id int);\n\
     create publication pub_owned for table app.t;\n\
     alter publication pub_owned owner to own_app;\n\
     create publication pub_implicit for table app.u;\n\
     set role own_app;\n\
     create table billing.by_role (id int);\n\
     reset role;\n\
     reassign owned by own_api to own_other;";

/// The roles OWNED names (each test has a cluster of its own).
const OWNER_ROLES: &str = "create role own_app;\n\
     create role own_api;\n\
     create role own_other;";

/// `--owners`: an owner a migration sets must be the database's; an
/// object no migration gives an owner must be the role's that owns most
/// such objects (the one that ran the migrations).
#[test]
fn owners_are_compared_with_the_flag() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    template(&cluster);
    let db = "owners";
    fresh_db(&cluster, db);
    cluster.sql(db, OWNER_ROLES);
    let dir = migrate(&cluster, db, OWNED);
    let settings = supabase();
    let paths = [dir.path().to_path_buf()];
    let owners = pgvet::drift::Options { owners: true };
    assert_eq!(
        drift_with(&cluster, db, &paths, &settings, &owners),
        Vec::<String>::new(),
        "drift with --owners right after migrating"
    );
    cluster.sql(
        db,
        "alter table app.u owner to own_other;\n\
         alter table app.w owner to own_other;\n\
         alter function app.f() owner to own_app;\n\
         alter procedure app.p() owner to own_app;\n\
         alter schema billing owner to own_other;\n\
         alter publication pub_owned owner to own_other;\n\
         alter type app.mood owner to postgres;\n\
         alter type app.pair owner to own_other;\n\
         alter domain app.pos owner to own_app;\n\
         alter sequence app.s owner to own_other;\n\
         alter materialized view app.mv owner to own_other;\n\
         alter table billing.by_role owner to postgres;",
    );
    let mut found = drift_with(&cluster, db, &paths, &settings, &owners);
    found.sort();
    let usual = "in the database, where `postgres` owns most of the objects the migrations set no owner for";
    assert_eq!(
        found,
        [
            "drift-changed function `app.f()`: owner is `own_other` in the migrations and `own_app` in the database".to_string(),
            format!("drift-changed function `app.p()`: owner is not set in the migrations and `own_app` {usual}"),
            "drift-changed publication `pub_owned`: owner is `own_app` in the migrations and `own_other` in the database".to_string(),
            "drift-changed schema `billing`: owner is `own_app` in the migrations and `own_other` in the database".to_string(),
            "drift-changed sequence `app.s`: owner is `own_app` in the migrations and `own_other` in the database".to_string(),
            format!("drift-changed table `app.u`: owner is not set in the migrations and `own_other` {usual}"),
            "drift-changed table `app.w`: owner is `own_app` in the migrations and `own_other` in the database".to_string(),
            "drift-changed table `billing.by_role`: owner is `own_app` in the migrations and `postgres` in the database".to_string(),
            "drift-changed type `app.mood`: owner is `own_app` in the migrations and `postgres` in the database".to_string(),
            "drift-changed type `app.pair`: owner is `own_app` in the migrations and `own_other` in the database".to_string(),
            format!("drift-changed type `app.pos`: owner is not set in the migrations and `own_app` {usual}"),
            format!("drift-changed view `app.mv`: owner is not set in the migrations and `own_other` {usual}"),
        ]
    );
    // The command line: --owners adds them; without it, nothing.
    let run = |owners: bool| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_pgvet"));
        cmd.args(["drift", "--sslmode", "disable", "--format", "json"]);
        if owners {
            cmd.arg("--owners");
        }
        cmd.arg("--db")
            .arg(cluster.socket_url(db))
            .arg(dir.path())
            .output()
            .unwrap()
    };
    let out = run(true);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 12, "{json}");
    assert!(findings.iter().all(|f| f["rule"] == "drift-changed"));
    assert!(findings.iter().any(|f| f["object"] == "app.u"
        && f["message"]
            .as_str()
            .unwrap()
            .contains("`own_other` in the database")));
    let out = run(false);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Without `--owners`, the same database gives no owner findings: what
/// was found before is all that is found.
#[test]
fn owners_are_not_compared_without_the_flag() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    template(&cluster);
    let db = "no_owners";
    fresh_db(&cluster, db);
    cluster.sql(db, OWNER_ROLES);
    let dir = migrate(&cluster, db, OWNED);
    let settings = supabase();
    let paths = [dir.path().to_path_buf()];
    assert_eq!(drift(&cluster, db, &paths, &settings), Vec::<String>::new());
    cluster.sql(
        db,
        "alter table app.t owner to own_other;\n\
         alter table app.w owner to postgres;\n\
         alter schema app owner to own_other;\n\
         alter function app.f() owner to own_app;\n\
         alter publication pub_implicit owner to own_other;\n\
         alter table app.u add column n int;",
    );
    assert_eq!(
        drift(&cluster, db, &paths, &settings),
        ["drift-extra column `app.u.n` is in the database but no migration creates it"]
    );
    // With it, the hand-made changes of owner are found too.
    let mut found = drift_with(
        &cluster,
        db,
        &paths,
        &settings,
        &pgvet::drift::Options { owners: true },
    );
    found.sort();
    assert_eq!(found.len(), 6, "{found:#?}");
    assert!(found
        .iter()
        .any(|f| f.starts_with("drift-changed table `app.t`: owner is not set")));
}

/// `--owners` on what a column owns and on extensions: a serial's and an
/// identity's sequence have their table's owner as the model has it
/// (`OWNER TO`, `SET ROLE`, `REASSIGN OWNED`), an extension the role
/// that made it (or the one REASSIGN OWNED gave it to); and `REASSIGN
/// OWNED BY` the migrations' own role, by its name, gives what that role
/// made before it to the new owner, not what it makes after.
#[test]
fn sequence_and_extension_owners_are_compared() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    template(&cluster);
    let db = "owners_seq_ext";
    fresh_db(&cluster, db);
    cluster.sql(db, OWNER_ROLES);
    // The migrations run as own_mig (a superuser, but not the bootstrap
    // one, whose objects REASSIGN OWNED cannot move).
    cluster.sql(
        db,
        &format!(
            "create role own_mig login superuser;\n\
             grant create on database {db} to own_app;\n\
             grant usage, create on schema extensions to own_app;"
        ),
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("001_init.sql");
    std::fs::write(
        &file,
        "create schema app;\n\
         grant usage, create on schema app to own_app;\n\
         create table app.serial_t (id serial primary key, n int);\n\
         create table app.ident_t (id int generated always as identity, n int);\n\
         create table app.given (id bigserial);\n\
         alter table app.given owner to own_app;\n\
         create extension hstore with schema extensions;\n\
         set role own_app;\n\
         create table app.by_role (id int generated by default as identity);\n\
         create extension citext with schema extensions;\n\
         reset role;\n\
         create table app.later_ident (id int not null);\n\
         alter table app.later_ident alter column id add generated always as identity;\n\
         create sequence app.owned_seq owned by app.later_ident.id;\n\
         create table app.moved (id serial);\n\
         create extension ltree with schema extensions;\n\
         reassign owned by own_mig to own_other;\n\
         create table app.after (id serial);\n\
         create table app.after2 (id int);\n\
         create function app.after_f() returns int language sql as $$ select 1 $$;",
    )
    .unwrap();
    let out = cluster.psql(db, &["-U", "own_mig", "-f", &file.display().to_string()]);
    assert!(out.status.success(), "{db}: {}", stderr(&out));
    let settings = supabase();
    let paths = [dir.path().to_path_buf()];
    assert_eq!(
        cluster.query(
            db,
            "select string_agg(relname || ' ' || pg_get_userbyid(relowner), ', ' order by relname) \
             from pg_class where relnamespace = 'app'::regnamespace and relkind = 'S'"
        ),
        "after_id_seq own_mig, by_role_id_seq own_app, given_id_seq own_app, \
         ident_t_id_seq own_other, later_ident_id_seq own_other, moved_id_seq own_other, \
         owned_seq own_other, serial_t_id_seq own_other",
        "PostgreSQL keeps an owned sequence its table's"
    );
    assert_eq!(
        drift_with(&cluster, db, &paths, &settings, &OWNERS),
        Vec::<String>::new(),
        "drift with --owners right after migrating"
    );
    // By hand: own_app's table (and its sequence) and extension go to
    // own_api; an extension the migrations' role made, to own_app.
    cluster.sql(
        db,
        "reassign owned by own_app to own_api;\n\
         alter table app.after owner to own_app;\n\
         update pg_extension set extowner = 'own_app'::regrole where extname = 'ltree';",
    );
    let mut found = drift_with(&cluster, db, &paths, &settings, &OWNERS);
    found.sort();
    let usual =
        "in the database, where `own_mig` owns most of the objects the migrations set no owner for";
    assert_eq!(
        found,
        [
            "drift-changed extension `citext`: owner is `own_app` in the migrations and `own_api` in the database".to_string(),
            "drift-changed extension `ltree`: owner is `own_other` in the migrations and `own_app` in the database".to_string(),
            format!("drift-changed table `app.after`: owner is not set in the migrations and `own_app` {usual}"),
            "drift-changed table `app.by_role`: owner is `own_app` in the migrations and `own_api` in the database".to_string(),
            "drift-changed table `app.given`: owner is `own_app` in the migrations and `own_api` in the database".to_string(),
        ],
        "each owner once: a sequence that follows its table is the table's finding"
    );
    // Without --owners, none of it.
    assert_eq!(drift(&cluster, db, &paths, &settings), Vec::<String>::new());
}

/// A partition's own indexes; those PostgreSQL attaches to an index of a
/// parent (or makes for one) are the parent's.
#[test]
fn partition_indexes_are_compared() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    template(&cluster);
    let db = "partition_indexes";
    fresh_db(&cluster, db);
    let dir = migrate(
        &cluster,
        db,
        "create table public.ev (id bigint not null, at date not null, kind text, note text) partition by range (at);\n\
         create table public.ev_2024 partition of public.ev for values from ('2024-01-01') to ('2025-01-01');\n\
         create index ev_2024_kind_own on public.ev_2024 (kind);\n\
         create index ev_kind on public.ev (kind);\n\
         create table public.ev_2025 partition of public.ev for values from ('2025-01-01') to ('2026-01-01');\n\
         create index ev_2025_note on public.ev_2025 (note);\n\
         create index ev_2024_at on public.ev_2024 (at) where kind is not null;\n\
         create table public.ev_2026 partition of public.ev for values from ('2026-01-01') to ('2027-01-01') partition by list (kind);\n\
         create table public.ev_2026_a partition of public.ev_2026 for values in ('a');\n\
         create index ev_2026_a_note on public.ev_2026_a (note);\n\
         create index ev_2026_a_kind on public.ev_2026_a (kind);",
    );
    let settings = supabase();
    assert_eq!(
        drift(&cluster, db, &[dir.path().to_path_buf()], &settings),
        Vec::<String>::new(),
        "drift right after migrating"
    );
    cluster.sql(
        db,
        "drop index public.ev_2025_note;\n\
         create index ev_2024_note on public.ev_2024 (note);\n\
         drop index public.ev_2026_a_note;",
    );
    let mut found = drift(&cluster, db, &[dir.path().to_path_buf()], &settings);
    found.sort();
    assert_eq!(
        found,
        [
            "drift-extra index `public.ev_2024_note` is in the database but no migration creates it",
            "drift-missing index `public.ev_2025_note` is in the migrations but not in the database",
            "drift-missing index `public.ev_2026_a_note` is in the migrations but not in the database",
        ]
    );
}

/// `DROP OWNED BY`, as PostgreSQL runs it: what the role owns is dropped
/// (a schema with what is in it, a trigger running its function), what it
/// was granted is revoked (on tables, columns, sequences, views,
/// functions, schemas; the default privileges granted to it and its own),
/// and a policy loses it (one for it alone goes). A role the migrations
/// did not make may be the one running them: what that one made stays in
/// the model, and the report says so.
#[test]
fn drop_owned_is_replayed() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    template(&cluster);
    let db = "drop_owned";
    fresh_db(&cluster, db);
    cluster.sql(db, "create role drop_old;");
    let dir = migrate(
        &cluster,
        db,
        "create role drop_app;\n\
         create schema app;\n\
         grant usage, create on schema app to drop_app;\n\
         create table app.kept (id serial primary key, a int, b text);\n\
         grant select, insert on app.kept to drop_app;\n\
         grant update (a) on app.kept to drop_app;\n\
         grant select on app.kept to anon;\n\
         grant usage on sequence app.kept_id_seq to drop_app;\n\
         create sequence app.counter;\n\
         grant usage, select on sequence app.counter to drop_app;\n\
         create view app.kept_v as select id, a from app.kept;\n\
         grant select on app.kept_v to drop_app;\n\
         create function app.kept_f() returns int language sql as $$ select 1 $$;\n\
         grant execute on function app.kept_f() to drop_app;\n\
         alter table app.kept enable row level security;\n\
         create policy only_app on app.kept to drop_app using (true);\n\
         create policy shared on app.kept to drop_app, authenticated using (true);\n\
         alter default privileges in schema app grant select on tables to drop_app;\n\
         alter default privileges grant execute on functions to drop_app;\n\
         alter default privileges in schema app grant usage on sequences to anon;\n\
         alter default privileges for role drop_app in schema app grant select on tables to anon;\n\
         create schema drop_schema authorization drop_app;\n\
         create table drop_schema.t (id int);\n\
         set role drop_app;\n\
         create table app.theirs (id int primary key);\n\
         create function app.theirs_f() returns trigger language plpgsql as $$ begin return new; end $$;\n\
         create type app.theirs_mood as enum ('x');\n\
         create view app.theirs_v as select id from app.theirs;\n\
         create sequence app.their_seq;\n\
         reset role;\n\
         create trigger uses_theirs before insert on app.kept for each row execute function app.theirs_f();\n\
         create table app.given (id bigserial);\n\
         alter table app.given owner to drop_app;\n\
         create publication drop_pub for table app.kept;\n\
         alter publication drop_pub owner to drop_app;\n\
         create table app.old (id int);\n\
         alter table app.old owner to drop_old;\n\
         grant select on app.kept to drop_old;\n\
         drop owned by drop_app cascade;\n\
         drop owned by drop_old;\n\
         drop role drop_app;\n\
         create table app.after (id int);",
    );
    assert_eq!(
        cluster.query(
            db,
            "select string_agg(relname, ', ' order by relname) from pg_class \
             where relnamespace = 'app'::regnamespace and relkind <> 'i'"
        ),
        "after, counter, kept, kept_id_seq, kept_v",
        "PostgreSQL dropped the roles' relations"
    );
    let settings = supabase();
    let paths = [dir.path().to_path_buf()];
    assert_eq!(
        drift_with(&cluster, db, &paths, &settings, &OWNERS),
        Vec::<String>::new(),
        "drift right after migrating"
    );
    // `drop_old` was not made by the migrations: it may be the role that
    // ran them, whose objects the model keeps; the report says so.
    let report = pgvet::drift(
        &paths,
        &Config::default(),
        &settings,
        &options(&cluster, db, &settings.exposed_schemas),
        &pgvet::drift::Options::default(),
    )
    .unwrap();
    let gaps: Vec<(&str, &str)> = report
        .not_analyzed
        .iter()
        .map(|g| (g.kind.as_str(), g.reason.as_str()))
        .collect();
    assert_eq!(gaps.len(), 1, "{gaps:#?}");
    assert_eq!(gaps[0].0, "drop-owned");
    assert!(
        gaps[0].1.starts_with(
            "`DROP OWNED BY drop_old` was replayed in part: pgvet cannot tell whether `drop_old` is the role that runs the migrations"
        ),
        "{gaps:#?}"
    );
}

/// pgmq's queues (`pgmq.create()` and the like make `pgmq.q_<queue>` and
/// its archive `pgmq.a_<queue>`): whether each exists, and what the
/// project sets on them (row level security, privileges, policies,
/// triggers), not what pgmq makes of them (columns, indexes, the SELECT it
/// gives pg_monitor, its notify trigger) nor their rows.
#[test]
fn pgmq_queues_are_compared() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    template(&cluster);
    let db = "pgmq_queues";
    fresh_db(&cluster, db);
    let dir = migrate(
        &cluster,
        db,
        "create extension pgmq;\n\
         select pgmq.create('jobs');\n\
         select pgmq.create('Emails');\n\
         select * from pgmq.create('from_clause');\n\
         select pgmq.create_unlogged('fast');\n\
         select pgmq.create('gone');\n\
         select pgmq.drop_queue('gone');\n\
         alter table pgmq.q_jobs enable row level security;\n\
         alter table pgmq.a_jobs enable row level security;\n\
         grant select, insert, update, delete on pgmq.q_jobs to authenticated;\n\
         grant select on pgmq.a_jobs to service_role;\n\
         create policy workers on pgmq.q_jobs for select to authenticated using (true);\n\
         select pgmq.enable_notify_insert('fast');\n\
         create function public.on_job() returns trigger language plpgsql as $$ begin return new; end $$;\n\
         create trigger on_job after insert on pgmq.q_jobs for each row execute function public.on_job();",
    );
    let settings = supabase();
    let paths = [dir.path().to_path_buf()];
    assert_eq!(
        drift_with(&cluster, db, &paths, &settings, &OWNERS),
        Vec::<String>::new(),
        "drift right after migrating"
    );
    cluster.sql(
        db,
        "select pgmq.create('by_hand');\n\
         select pgmq.drop_queue('emails');\n\
         grant delete on pgmq.a_jobs to anon;\n\
         alter table pgmq.q_jobs force row level security;\n\
         drop policy workers on pgmq.q_jobs;\n\
         drop trigger on_job on pgmq.q_jobs;\n\
         select pgmq.enable_notify_insert('jobs');\n\
         select pgmq.send('jobs', '{\"n\": 1}');",
    );
    let mut found = drift(&cluster, db, &paths, &settings);
    found.sort();
    assert_eq!(
        found,
        [
            "drift-changed table `pgmq.a_jobs`: privileges is `service_role: SELECT` in the migrations and `anon: DELETE; service_role: SELECT` in the database",
            "drift-changed table `pgmq.q_jobs`: forced row level security is `false` in the migrations and `true` in the database",
            "drift-extra table `pgmq.a_by_hand` is in the database but no migration creates it",
            "drift-extra table `pgmq.q_by_hand` is in the database but no migration creates it",
            "drift-missing policy `pgmq.q_jobs.workers` is in the migrations but not in the database",
            "drift-missing table `pgmq.a_emails` is in the migrations but not in the database",
            "drift-missing table `pgmq.q_emails` is in the migrations but not in the database",
            "drift-missing trigger `pgmq.q_jobs.on_job` is in the migrations but not in the database",
        ]
    );
}

/// A history table where the runner's configuration puts it: Flyway's in
/// the first of its `schemas` under its `table` name, goose's as
/// GOOSE_TABLE in the project's .env says. It is read there, and neither
/// it nor the schema Flyway made is drift.
#[test]
fn drift_reads_the_history_table_where_the_runners_config_puts_it() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let settings = Settings::for_platform(Platform::Postgres);

    cluster.create_db("flyway_conf_history");
    let db = "flyway_conf_history";
    let project = tempfile::tempdir().unwrap();
    let sql = project.path().join("sql");
    std::fs::create_dir(&sql).unwrap();
    std::fs::write(
        project.path().join("flyway.conf"),
        "flyway.locations=filesystem:sql\nflyway.schemas=app\nflyway.table=fw_history\n",
    )
    .unwrap();
    let write = |name: &str, text: &str| std::fs::write(sql.join(name), text).unwrap();
    write(
        "V1__init.sql",
        "create table ${flyway:defaultSchema}.item (id bigint primary key, label text);\n",
    );
    write(
        "V2__note.sql",
        "alter table app.item add column note text;\n",
    );
    // Not applied yet: without the history, its index would be drift.
    write(
        "V3__index.sql",
        "create index item_label on app.item (label);\n",
    );
    cluster.sql(
        db,
        "create schema app;\n\
         create table app.fw_history (installed_rank int primary key, version varchar(50), \
           description varchar(200) not null, type varchar(20) not null, script varchar(1000) not null, \
           checksum int, installed_by varchar(100) not null, installed_on timestamp not null default now(), \
           execution_time int not null, success boolean not null);\n\
         insert into app.fw_history values (1, '1', 'init', 'SQL', 'V1__init.sql', 0, 'me', now(), 1, true), \
           (2, '2', 'note', 'SQL', 'V2__note.sql', 0, 'me', now(), 1, true);\n\
         create table app.item (id bigint primary key, label text, note text);",
    );
    for dir in [project.path().to_path_buf(), sql.clone()] {
        let found = drift(&cluster, db, std::slice::from_ref(&dir), &settings);
        assert_eq!(found.len(), 1, "{}: {found:#?}", dir.display());
        assert!(
            found[0].starts_with("drift-unapplied migration `V3__index.sql` is not applied"),
            "{found:#?}"
        );
    }

    // Drizzle: `migrations: { schema, table }` in drizzle.config.ts; the
    // migrator makes that schema, so it is not drift either.
    cluster.create_db("drizzle_conf_history");
    let db = "drizzle_conf_history";
    let project = tempfile::tempdir().unwrap();
    let out = project.path().join("drizzle");
    std::fs::create_dir_all(out.join("meta")).unwrap();
    std::fs::write(
        project.path().join("drizzle.config.ts"),
        "export default { out: './drizzle', migrations: { schema: 'meta', table: 'dz_log' } };\n",
    )
    .unwrap();
    std::fs::write(
        out.join("meta/_journal.json"),
        r#"{"version":"7","dialect":"postgresql","entries":[
            {"idx":0,"version":"7","when":1700000000000,"tag":"0000_init","breakpoints":true},
            {"idx":1,"version":"7","when":1700000100000,"tag":"0001_index","breakpoints":true}]}"#,
    )
    .unwrap();
    std::fs::write(
        out.join("0000_init.sql"),
        "create table public.item (id bigint primary key, label text);\n",
    )
    .unwrap();
    std::fs::write(
        out.join("0001_index.sql"),
        "create index item_label on public.item (label);\n",
    )
    .unwrap();
    cluster.sql(
        db,
        "create schema meta;\n\
         create table meta.dz_log (id serial primary key, hash text not null, created_at bigint);\n\
         insert into meta.dz_log (hash, created_at) values ('a', 1700000000000);\n\
         create table public.item (id bigint primary key, label text);",
    );
    let found = drift(&cluster, db, &[out], &settings);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with("drift-unapplied migration `0001_index.sql` is not applied"),
        "{found:#?}"
    );

    if std::env::var_os("GOOSE_TABLE").is_some() {
        return;
    }
    cluster.create_db("goose_env_history");
    let db = "goose_env_history";
    let project = tempfile::tempdir().unwrap();
    let migrations = project.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    std::fs::write(
        project.path().join(".env"),
        "GOOSE_TABLE=meta.goose_history\n",
    )
    .unwrap();
    std::fs::write(
        migrations.join("1_init.sql"),
        "-- +goose Up\ncreate table public.item (id bigint primary key, label text);\n",
    )
    .unwrap();
    std::fs::write(
        migrations.join("2_index.sql"),
        "-- +goose Up\ncreate index item_label on public.item (label);\n",
    )
    .unwrap();
    cluster.sql(
        db,
        "create schema meta;\n\
         create table meta.goose_history (id serial primary key, version_id bigint not null, \
           is_applied boolean not null, tstamp timestamp default now());\n\
         insert into meta.goose_history (version_id, is_applied) values (0, true), (1, true);\n\
         create table public.item (id bigint primary key, label text);",
    );
    let mut found = drift(&cluster, db, &[migrations], &settings);
    found.sort();
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(
        found[0].starts_with("drift-extra schema `meta`"),
        "goose does not make the schema: {found:#?}"
    );
    assert!(
        found[1].starts_with("drift-unapplied migration `2_index.sql` is not applied"),
        "{found:#?}"
    );
}

/// The drift report of `paths` against `db` with `cfg` (pgvet.yaml).
fn drift_report(
    cluster: &Cluster,
    db: &str,
    paths: &[PathBuf],
    cfg: &Config,
) -> pgvet::report::Report {
    let settings = Settings::for_platform(Platform::Postgres);
    let report = pgvet::drift(
        paths,
        cfg,
        &settings,
        &options(cluster, db, &settings.exposed_schemas),
        &pgvet::drift::Options::default(),
    )
    .unwrap_or_else(|e| panic!("drift of {db} failed: {e}"));
    assert!(report.errors.is_empty(), "{db}: {:?}", report.errors);
    report
}

/// Each finding as `rule object`, sorted.
fn rules_and_objects(report: &pgvet::report::Report) -> Vec<String> {
    let mut out: Vec<String> = report
        .findings
        .iter()
        .map(|f| format!("{} {}", f.rule, f.object))
        .collect();
    out.sort();
    out
}

/// `pgvet drift` run as a user would, JSON out: (exit code, `rule object`
/// of each finding, sorted).
fn drift_command(
    cluster: &Cluster,
    db: &str,
    dir: &Path,
    args: &[&str],
    vars: &[(&str, &str)],
) -> (Option<i32>, Vec<String>) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pgvet"))
        .args(["drift", "--sslmode", "disable", "--format", "json", "--db"])
        .arg(cluster.socket_url(db))
        .args(args)
        .arg(dir)
        .current_dir(dir)
        .envs(vars.iter().copied())
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let mut found: Vec<String> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["rule"].as_str().unwrap(),
                f["object"].as_str().unwrap()
            )
        })
        .collect();
    found.sort();
    (out.status.code(), found)
}

/// pgvet.yaml's `migrations.history_table` (and `--history-table`) moves
/// the history table drift reads, as goose's `-table` and Flyway's
/// `-table` / `-defaultSchema` move the runner's; Flyway's `FLYWAY_*`
/// variables do it too.
#[test]
fn pgvet_yaml_history_table_moves_the_history_drift_reads() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    // goose, run with `-table deploy_log`.
    cluster.create_db("goose_flag_history");
    let db = "goose_flag_history";
    let project = tempfile::tempdir().unwrap();
    let migrations = project.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    std::fs::write(
        migrations.join("1_init.sql"),
        "-- +goose Up\ncreate table public.item (id bigint primary key, label text);\n",
    )
    .unwrap();
    std::fs::write(
        migrations.join("2_index.sql"),
        "-- +goose Up\ncreate index item_label on public.item (label);\n",
    )
    .unwrap();
    cluster.sql(
        db,
        "create table public.deploy_log (id serial primary key, version_id bigint not null, \
           is_applied boolean not null, tstamp timestamp default now());\n\
         insert into public.deploy_log (version_id, is_applied) values (0, true), (1, true);\n\
         create table public.item (id bigint primary key, label text);",
    );
    let paths = [migrations.clone()];
    // Without the setting, goose_db_version is not there: every file is
    // compared, and the moved table is someone's.
    let without = drift_report(&cluster, db, &paths, &Config::default());
    assert_eq!(
        rules_and_objects(&without),
        [
            "drift-extra public.deploy_log",
            "drift-missing public.item_label"
        ]
    );
    let unapplied =
        ["drift-unapplied ".to_string() + &migrations.join("2_index.sql").display().to_string()];
    let cfg = Config::parse("migrations:\n  history_table: deploy_log\n", "pgvet.yaml").unwrap();
    let with = drift_report(&cluster, db, &paths, &cfg);
    assert_eq!(rules_and_objects(&with), unapplied);
    let (code, found) = drift_command(
        &cluster,
        db,
        &migrations,
        &["--history-table", "public.deploy_log"],
        &[],
    );
    assert_eq!((code, found.len()), (Some(1), 1), "{found:?}");
    assert!(found[0].starts_with("drift-unapplied ") && found[0].ends_with("2_index.sql"));

    // Flyway, run with `-table=fw_log -defaultSchema=ops`: the scripts'
    // unqualified names land in `ops`, which Flyway makes.
    cluster.create_db("flyway_flag_history");
    let db = "flyway_flag_history";
    let project = tempfile::tempdir().unwrap();
    let sql = project.path().join("sql");
    std::fs::create_dir(&sql).unwrap();
    std::fs::write(
        sql.join("V1__init.sql"),
        "create table item (id bigint primary key, label text default '${label}');\n",
    )
    .unwrap();
    std::fs::write(
        sql.join("V2__index.sql"),
        "create index item_label on item (label);\n",
    )
    .unwrap();
    cluster.sql(
        db,
        "create schema ops;\n\
         create table ops.fw_log (installed_rank int primary key, version varchar(50), \
           description varchar(200) not null, type varchar(20) not null, script varchar(1000) not null, \
           checksum int, installed_by varchar(100) not null, installed_on timestamp not null default now(), \
           execution_time int not null, success boolean not null);\n\
         insert into ops.fw_log values (1, '1', 'init', 'SQL', 'V1__init.sql', 0, 'me', now(), 1, true);\n\
         create table ops.item (id bigint primary key, label text default 'none');",
    );
    let cfg = Config::parse(
        "migrations:\n  history_table: ops.fw_log\n  flyway:\n    placeholders: { label: none }\n",
        "pgvet.yaml",
    )
    .unwrap();
    let with = drift_report(&cluster, db, std::slice::from_ref(&sql), &cfg);
    let found = rules_and_objects(&with);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("drift-unapplied ") && found[0].ends_with("V2__index.sql"));
    // The same flags as Flyway's environment variables.
    let (code, found) = drift_command(
        &cluster,
        db,
        &sql,
        &[],
        &[
            ("FLYWAY_DEFAULT_SCHEMA", "ops"),
            ("FLYWAY_TABLE", "fw_log"),
            ("FLYWAY_PLACEHOLDERS_LABEL", "none"),
        ],
    );
    assert_eq!((code, found.len()), (Some(1), 1), "{found:?}");
    assert!(found[0].starts_with("drift-unapplied ") && found[0].ends_with("V2__index.sql"));
}

/// sqitch.conf's `registry` moves sqitch's `changes`: drift reads it there
/// and the registry schema is not drift. A registry in the database of
/// another target cannot be read from this one: one note says so, and
/// every migration is compared.
#[test]
fn drift_reads_the_registry_sqitch_conf_names() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let project = tempfile::tempdir().unwrap();
    let p = project.path();
    std::fs::create_dir(p.join("deploy")).unwrap();
    std::fs::write(
        p.join("sqitch.plan"),
        "%syntax-version=1.0.0\n%project=shop\n\nitems 2024-01-01T00:00:00Z A <a@b>\nlabels [items] 2024-01-02T00:00:00Z A <a@b>\n",
    )
    .unwrap();
    std::fs::write(
        p.join("deploy/items.sql"),
        "begin;\ncreate table public.items (id bigint primary key);\ncommit;\n",
    )
    .unwrap();
    std::fs::write(
        p.join("deploy/labels.sql"),
        "begin;\nalter table public.items add column label text;\ncommit;\n",
    )
    .unwrap();
    let conf = |text: &str| std::fs::write(p.join("sqitch.conf"), text).unwrap();
    conf("[core]\n\tengine = pg\n[engine \"pg\"]\n\tregistry = deploy_meta\n");
    cluster.create_db("sqitch_registry");
    let db = "sqitch_registry";
    cluster.sql(
        db,
        "create schema deploy_meta;\n\
         create table deploy_meta.projects (project text primary key);\n\
         create table deploy_meta.changes (change_id text primary key, change text not null, project text not null);\n\
         insert into deploy_meta.changes values ('1', 'items', 'shop');\n\
         create table public.items (id bigint primary key);",
    );
    let report = drift_report(&cluster, db, &[p.to_path_buf()], &Config::default());
    let found = rules_and_objects(&report);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("drift-unapplied ") && found[0].ends_with("labels.sql"));
    assert!(report.notes.is_empty(), "{:?}", report.notes);

    // The default target deploys to database widgets_prod: its registry is
    // there, not in this database.
    conf("[core]\n\tengine = pg\n[engine \"pg\"]\n\ttarget = prod\n[target \"prod\"]\n\turi = db:pg://deployer@db.example.com/widgets_prod\n\tregistry = deploy_meta\n");
    cluster.create_db("sqitch_registry_elsewhere");
    let db = "sqitch_registry_elsewhere";
    cluster.sql(db, "create table public.items (id bigint primary key);");
    let report = drift_report(&cluster, db, &[p.to_path_buf()], &Config::default());
    assert_eq!(
        rules_and_objects(&report),
        ["drift-missing public.items.label"]
    );
    assert_eq!(report.notes.len(), 1, "{:?}", report.notes);
    let note = &report.notes[0];
    assert!(
        note.contains("`widgets_prod`")
            && note.contains("sqitch.conf's target `prod`")
            && note.contains("`sqitch_registry_elsewhere`"),
        "{note}"
    );
    let human = pgvet::report::human::render(&report, false);
    assert!(human.contains(&format!("note: {note}\n")), "{human}");
    // A target naming this database: nothing to say.
    conf("[core]\n\tengine = pg\n\ttarget = db:pg:sqitch_registry_elsewhere\n");
    let report = drift_report(&cluster, db, &[p.to_path_buf()], &Config::default());
    assert!(report.notes.is_empty(), "{:?}", report.notes);
}
