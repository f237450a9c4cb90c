//! The editor's lint (`pgvet::lint_read_cached`, which replays from the
//! file changed last when the files before it are unchanged) gives the same
//! report as a lint from scratch, edit after edit, and replays only from
//! the file in focus when it can.

use std::path::PathBuf;

use pgvet::catalog::Platform;
use pgvet::config::Config;
use pgvet::{LintCache, Settings};

fn settings() -> Settings {
    Settings {
        keep_catalog: true,
        ..Settings::for_platform(Platform::Supabase)
    }
}

struct Project {
    _dir: tempfile::TempDir,
    migrations: PathBuf,
    cache: LintCache,
}

impl Project {
    fn new(files: &[(&str, &str)]) -> Project {
        let dir = tempfile::tempdir().unwrap();
        let migrations = dir.path().join("supabase/migrations");
        std::fs::create_dir_all(&migrations).unwrap();
        for (name, text) in files {
            std::fs::write(migrations.join(name), text).unwrap();
        }
        Project {
            _dir: dir,
            migrations,
            cache: LintCache::default(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.migrations.join(name)
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.path(name), text).unwrap();
    }

    /// The cached lint with `name` in focus and a lint from scratch, as
    /// JSON; they must be equal.
    fn lint_both(&mut self, focus: &str) -> String {
        let cfg = Config::default();
        let settings = settings();
        let paths = [self.migrations.clone()];
        let focus = self.path(focus);
        let read = pgvet::read_migrations(&paths, &cfg, &settings);
        let cached = pgvet::lint_read_cached(read, &cfg, &settings, &mut self.cache, Some(&focus));
        let read = pgvet::read_migrations(&paths, &cfg, &settings);
        let scratch = pgvet::lint_read(read, &cfg, &settings);
        let (cached, scratch) = (
            pgvet::report::json::render(&cached),
            pgvet::report::json::render(&scratch),
        );
        assert_eq!(cached, scratch, "the cached lint differs from a full one");
        scratch
    }
}

const FILES: [(&str, &str); 4] = [
    (
        "20240101000000_users.sql",
        "create table public.users (id uuid primary key, email text not null);\n\
         alter table public.users enable row level security;\n",
    ),
    (
        "20240102000000_orders.sql",
        "create table public.orders (\n  id bigint generated always as identity primary key,\n  \
         user_id uuid not null references public.users (id)\n);\n\
         alter table public.orders enable row level security;\n",
    ),
    (
        "20240103000000_items.sql",
        "create table public.items (id bigint primary key, order_id bigint references public.orders (id));\n",
    ),
    (
        "20240104000000_more.sql",
        "create index orders_user_id_idx on public.orders (user_id);\n",
    ),
];

#[test]
fn each_edit_gives_the_report_of_a_lint_from_scratch() {
    let mut p = Project::new(&FILES);
    let first = p.lint_both("20240103000000_items.sql");
    assert!(first.contains("fk-missing-index"), "{first}");
    assert_eq!(p.cache.last_replayed, 4, "no checkpoint yet");

    // The file in focus changes: only it and the files after it replay.
    p.write(
        "20240103000000_items.sql",
        "create table public.items (id bigint primary key, order_id bigint references public.orders (id));\n\
         create index items_order_id_idx on public.items (order_id);\n",
    );
    let after = p.lint_both("20240103000000_items.sql");
    assert_ne!(first, after);
    assert_eq!(p.cache.last_replayed, 2);
    assert_eq!(
        p.cache.last_parsed, 1,
        "the file after it was parsed before"
    );

    // A later file clears a finding of an earlier one.
    p.write(
        "20240104000000_more.sql",
        "alter table public.items enable row level security;\n",
    );
    let text = p.lint_both("20240104000000_more.sql");
    assert!(text.contains("orders_user_id"), "{text}");
    assert_eq!(p.cache.last_replayed, 2, "from the old checkpoint on");
    p.write(
        "20240104000000_more.sql",
        "alter table public.items enable row level security;\n\
         create index orders_user_id_idx on public.orders (user_id);\n",
    );
    p.lint_both("20240104000000_more.sql");
    assert_eq!(p.cache.last_replayed, 1, "only the file in focus");

    // An edit before the checkpoint replays everything.
    p.write(
        "20240101000000_users.sql",
        "create table public.users (id uuid primary key, email text);\n\
         alter table public.users enable row level security;\n",
    );
    p.lint_both("20240101000000_users.sql");
    assert_eq!(p.cache.last_replayed, 4);

    // A syntax error, then its repair.
    p.write(
        "20240102000000_orders.sql",
        "create table public.orders (id;\n",
    );
    let broken = p.lint_both("20240102000000_orders.sql");
    assert!(broken.contains("syntax error"), "{broken}");
    p.write("20240102000000_orders.sql", FILES[1].1);
    p.lint_both("20240102000000_orders.sql");
}

#[test]
fn files_added_removed_or_suppressing_rules_are_seen() {
    let mut p = Project::new(&FILES);
    p.lint_both("20240104000000_more.sql");
    assert_eq!(p.cache.last_replayed, 4, "the first lint replays all");
    p.lint_both("20240104000000_more.sql");
    assert_eq!(p.cache.last_replayed, 1);

    // A new file in the middle moves the files after it.
    p.write(
        "20240102120000_mid.sql",
        "create table public.mid (id bigint primary key);\n",
    );
    let with_mid = p.lint_both("20240104000000_more.sql");
    assert!(with_mid.contains("20240102120000_mid.sql"), "{with_mid}");
    std::fs::remove_file(p.path("20240102120000_mid.sql")).unwrap();
    let without = p.lint_both("20240104000000_more.sql");
    assert!(!without.contains("20240102120000_mid.sql"), "{without}");

    // A suppression of a rule that is off makes the engine run it (to tell
    // whether the suppression is used); the checkpoint made without it is
    // not reused.
    p.lint_both("20240104000000_more.sql");
    p.write(
        "20240104000000_more.sql",
        "-- pgvet-ignore require-table-schema: written unqualified on purpose\n\
         create index orders_user_id_idx on public.orders (user_id);\n",
    );
    p.lint_both("20240104000000_more.sql");
    assert_eq!(p.cache.last_replayed, 4);
}

#[test]
fn a_focus_outside_the_migrations_lints_everything_once() {
    let mut p = Project::new(&FILES);
    p.lint_both("not-a-migration.sql");
    assert_eq!(p.cache.last_replayed, 4);
    p.lint_both("not-a-migration.sql");
    assert_eq!(
        p.cache.last_replayed, 0,
        "all from the checkpoint after the last file"
    );
}

/// The tables of a model with their columns, for comparing two models.
fn shape(cat: &pgvet::catalog::Catalog) -> Vec<String> {
    cat.user_tables()
        .map(|t| {
            let columns: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
            format!("{} ({})", t.name, columns.join(", "))
        })
        .collect()
}

#[test]
fn the_model_at_a_statement_is_the_same_from_the_checkpoint() {
    let mut p = Project::new(&FILES);
    p.write(
        "20240104000000_more.sql",
        "alter table public.items add column note text;\n\
         drop table public.orders cascade;\n",
    );
    p.lint_both("20240104000000_more.sql");
    let cfg = Config::default();
    let settings = settings();
    let paths = [p.migrations.clone()];
    let more = p.path("20240104000000_more.sql");
    let at = |cache: &LintCache, offset: usize| {
        let read = pgvet::read_migrations(&paths, &cfg, &settings);
        let (before, after) =
            pgvet::model_around(read, &cfg, &settings, cache, &more, offset).unwrap();
        (shape(&before), shape(&after))
    };
    let empty = LintCache::default();
    // In the first statement, in the second, and after both.
    for offset in [5, 60, 200] {
        assert_eq!(at(&p.cache, offset), at(&empty, offset), "at {offset}");
    }
    let (before, after) = at(&p.cache, 5);
    assert!(!before.iter().any(|t| t.contains("note")), "{before:?}");
    assert!(
        after
            .iter()
            .any(|t| t == "public.items (id, order_id, note)"),
        "{after:?}"
    );
    let (before, after) = at(&p.cache, 60);
    assert!(
        before.iter().any(|t| t.starts_with("public.orders")),
        "{before:?}"
    );
    assert!(
        !after.iter().any(|t| t.starts_with("public.orders")),
        "{after:?}"
    );
    // A file the runner does not apply has no such model.
    let read = pgvet::read_migrations(&paths, &cfg, &settings);
    let elsewhere = p.path("notes.sql");
    assert!(pgvet::model_around(read, &cfg, &settings, &p.cache, &elsewhere, 0).is_none());
}

/// Earlier files whose tables the per-table schema rules have something to
/// say about (check-temporal-order, check-nonnegative, free-text-enum,
/// check-state-timestamp, timestamp-nullable, case-insensitive-unique,
/// duplicate-index, fk-missing-index, rls-initplan,
/// rls-policy-always-true), and policies that lead into other tables
/// (rls-policy-subquery, rls-recursion), so that an edit of one table
/// changes what is found on another.
const TABLES: [(&str, &str); 3] = [
    (
        "20240101000000_tables.sql",
        "create table public.accounts (id uuid primary key, email text unique, status text, \
         balance numeric not null default 0, created_at timestamptz default now());\n\
         create table public.bookings (id bigint primary key, account_id uuid references public.accounts (id), \
         starts_at timestamptz, ends_at timestamptz, is_paid boolean, paid_at timestamptz, seats int);\n\
         create index bookings_a on public.bookings (starts_at);\n\
         create index bookings_b on public.bookings (starts_at);\n\
         alter table public.accounts enable row level security;\n\
         alter table public.bookings enable row level security;\n\
         create policy own on public.bookings for select to authenticated using (account_id = auth.uid());\n\
         create policy anyone on public.accounts for update to authenticated using (true);\n",
    ),
    (
        "20240102000000_other.sql",
        "create domain public.fee as numeric;\n\
         create table public.rooms (id bigint primary key, kind text, capacity int, fee public.fee, owner uuid);\n\
         create function public.me() returns uuid language sql immutable as $$ select null::uuid $$;\n\
         alter table public.rooms enable row level security;\n\
         create policy mine on public.rooms for select to authenticated using (owner = public.me());\n\
         create policy anon_read on public.rooms for select to anon using (auth.uid() is null or owner = auth.uid());\n\
         create table public.widgets (id uuid primary key, kind regconfig);\n\
         create table public.profiles (id uuid primary key references public.accounts, \
         account_id uuid unique references public.accounts (id));\n\
         create function public.touch() returns trigger language plpgsql as $$ \
         begin new.updated_at := now(); return new; end $$;\n\
         create table public.events (id bigint, at date, updated_at timestamptz) partition by range (at);\n\
         create table public.events_2024 (id bigint, at date, updated_at timestamptz);\n\
         alter table public.events attach partition public.events_2024 \
         for values from ('2024-01-01') to ('2025-01-01');\n",
    ),
    (
        "20240102100000_teams.sql",
        "create table public.teams (id bigint primary key, name text);\n\
         create table public.members (team_id bigint, user_id uuid, primary key (team_id, user_id));\n\
         alter table public.teams enable row level security;\n\
         alter table public.members enable row level security;\n\
         create policy by_member on public.teams for select to authenticated \
         using (exists (select 1 from public.members m where m.team_id = teams.id and m.user_id = (select auth.uid())));\n\
         create policy mine on public.teams for update to authenticated \
         using (id in (select team_id from public.members where user_id = (select auth.uid())));\n\
         create policy of_team on public.members for select to authenticated \
         using (team_id in (select id from public.teams));\n\
         create table public.crews (id bigint primary key);\n\
         create table public.parts (id bigint primary key, widget_id uuid, gadget_id int, \
         team_id int references public.teams (id), crew int references public.crews (id));\n",
    ),
];

/// Statements an edit of the last file draws from: each changes what one
/// of the per-table rules finds, on a table of an earlier file, a new one,
/// or through a type or function the rules read.
const EDITS: [&str; 34] = [
    "create or replace function public.me() returns uuid language sql stable as $$ select auth.uid() $$;",
    "alter domain public.fee add constraint fee_positive check (value >= 0);",
    "alter table public.bookings add constraint bookings_order check (ends_at > starts_at);",
    "alter table public.accounts add constraint accounts_balance check (balance >= 0);",
    "alter table public.accounts add constraint accounts_status check (status in ('a', 'b'));",
    "drop index public.bookings_b;",
    "create index bookings_account on public.bookings (account_id);",
    "drop policy own on public.bookings;",
    "create policy own2 on public.bookings for select to authenticated using (account_id = (select auth.uid()));",
    "drop table public.rooms;",
    "create table public.trips (id bigint primary key, valid_from date, valid_to date, price numeric);",
    "create domain public.amount as numeric check (value >= 0);",
    "alter table public.rooms alter column capacity type bigint;",
    "create unique index accounts_email_lower on public.accounts (lower(email));",
    "create function public.me2() returns uuid language sql stable as $$ select auth.uid() $$;",
    "create policy mine2 on public.rooms for select to authenticated using (public.me2() is not null);",
    "alter table public.accounts alter column created_at set not null;",
    "alter table public.crews alter column id type int;",
    "alter table public.bookings rename column is_paid to paid;",
    "drop policy of_team on public.members;",
    "alter table public.members disable row level security;",
    "alter table public.members rename column user_id to uid;",
    "drop table public.members cascade;",
    "create table public.members_log (team_id bigint, note text);",
    "create table public.gadgets (id bigint primary key);",
    "create table public.gadget (id int primary key);",
    "alter table public.widgets alter column id type text;",
    "alter table public.accounts drop constraint accounts_pkey cascade;",
    "drop table public.widgets;",
    "create trigger events_touch before update on public.events for each row execute function public.touch();",
    "alter table public.profiles drop constraint profiles_account_id_key;",
    "alter table public.rooms add column target regoper;",
    "drop policy anon_read on public.rooms;",
    "alter table public.bookings drop constraint bookings_account_id_fkey;",
];

#[test]
fn per_table_rules_are_checked_again_only_where_an_edit_reached() {
    let last = "20240103000000_edit.sql";
    let mut files = TABLES.to_vec();
    files.push((last, "select 1;\n"));
    let mut p = Project::new(&files);
    let first = p.lint_both(last);
    for rule in [
        "check-temporal-order",
        "check-nonnegative",
        "free-text-enum",
        "duplicate-index",
        "fk-missing-index",
        "rls-initplan",
        "rls-policy-always-true",
        "rls-policy-subquery",
        "rls-recursion",
        "fk-type-mismatch",
        "missing-foreign-key",
        "redundant-column-without-check",
        "updated-at-without-trigger",
        "unsupported-reg-types",
        "fk-missing-on-delete",
        "rls-policy-null-auth-disjunct",
    ] {
        assert!(first.contains(rule), "{rule} does not fire: {first}");
    }
    assert_eq!(p.cache.last_changed_tables(), None, "no lint before");

    // A new table in the file in focus: the tables of the earlier files
    // are not checked again, and their findings stay.
    p.write(
        last,
        "create table public.trips (id bigint primary key, valid_from date, valid_to date);\n",
    );
    let text = p.lint_both(last);
    assert_eq!(p.cache.last_changed_tables(), Some(1));
    assert!(
        text.contains("valid_to") && text.contains("ends_at"),
        "{text}"
    );

    // A comment changes no table: every per-table finding is the last
    // lint's, taken whole.
    p.write(
        last,
        "create table public.trips (id bigint primary key, valid_from date, valid_to date);\n-- note\n",
    );
    assert_eq!(p.lint_both(last), text);
    assert_eq!(p.cache.last_changed_tables(), Some(0));

    // Each statement alone, then in a changing mix: always the report of a
    // lint from scratch.
    for edit in EDITS {
        p.write(last, &format!("{edit}\n"));
        p.lint_both(last);
    }
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..40 {
        let mut text = String::new();
        for edit in EDITS {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            if seed.is_multiple_of(3) {
                text.push_str(edit);
                text.push('\n');
            }
        }
        p.write(last, &text);
        p.lint_both(last);
    }
}
