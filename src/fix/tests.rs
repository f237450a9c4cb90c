use super::*;
use crate::config::Config;
use crate::findings::{Finding, Report};

fn settings() -> crate::Settings {
    crate::Settings {
        keep_catalog: true,
        ..crate::Settings::for_platform(Platform::Supabase)
    }
}

fn lint(sql: &str) -> Report {
    crate::lint_sources(
        vec![("test.sql".to_string(), sql.to_string())],
        &Config::default(),
        &settings(),
    )
}

fn options() -> FixOptions {
    FixOptions {
        platform: Platform::Supabase,
        postgres_version: 15,
        transaction: TransactionMode::PerFile,
        runner: None,
        rules: Vec::new(),
        unsafe_fixes: true,
    }
}

fn plan_for(sql: &str) -> Plan {
    let report = lint(sql);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let cat = report.catalog.as_ref().expect("catalog kept");
    plan(&report.findings, cat, &options())
}

fn sql_of(plan: &Plan) -> Vec<&str> {
    plan.changes.iter().map(|c| c.sql.as_str()).collect()
}

/// The fix applied after the migrations leaves none of the findings it
/// claims to fix, and adds none but the ones it names.
fn relint(sql: &str, plan: &Plan) -> Report {
    let fix = render(plan, &options(), "-- fix");
    let mut inputs = vec![("test.sql".to_string(), sql.to_string())];
    for (i, text) in fix.into_iter().enumerate() {
        inputs.push((format!("fix{i}.sql"), text));
    }
    crate::lint_sources(inputs, &Config::default(), &settings())
}

/// After the fix, `rule` reports nothing.
fn assert_fixed(sql: &str, plan: &Plan, rule: &str) {
    let after = relint(sql, plan);
    let left: Vec<&Finding> = after.findings.iter().filter(|f| f.rule == rule).collect();
    assert!(left.is_empty(), "{left:#?}");
}

const SCHEMA: &str = "create schema app;\n";

#[test]
fn a_foreign_key_gets_a_concurrent_index_with_a_quoted_name() {
    let sql = format!(
        "{SCHEMA}create table app.\"Parent\" (id bigint primary key);\n\
         create table app.child (id bigint primary key, \"Parent_id\" bigint not null references app.\"Parent\" (id) on delete cascade);\n"
    );
    let plan = plan_for(&sql);
    assert_eq!(
        sql_of(&plan),
        vec!["create index concurrently if not exists \"idx_child_Parent_id\" on app.child (\"Parent_id\");"]
    );
    assert!(plan.changes.iter().all(|c| c.concurrent));
    assert_fixed(&sql, &plan, "fk-missing-index");
}

#[test]
fn index_names_do_not_collide_with_existing_relations() {
    let sql = format!(
        "{SCHEMA}create table app.p (id bigint primary key);\n\
         create table app.c (id bigint primary key, p_id bigint references app.p (id) on delete cascade);\n\
         create table app.idx_c_p_id (id bigint primary key);\n"
    );
    let plan = plan_for(&sql);
    assert_eq!(
        sql_of(&plan),
        vec!["create index concurrently if not exists idx_c_p_id_2 on app.c (p_id);"]
    );
}

#[test]
fn initplan_calls_are_wrapped_in_one_alter_policy() {
    let sql = "create table public.notes (id bigint primary key, user_id uuid not null, body text not null check (char_length(body) < 100));\n\
         alter table public.notes enable row level security;\n\
         create policy notes_rw on public.notes for update to authenticated\n\
           using (user_id = auth.uid() or (select auth.jwt()) ->> 'role' = 'admin')\n\
           with check (user_id = auth.uid() and current_setting('app.x', true) = 'y');\n";
    let plan = plan_for(sql);
    assert_eq!(plan.changes.len(), 1, "{:#?}", plan.changes);
    let change = plan.changes.first().expect("one change");
    // Three bare calls, one statement.
    assert_eq!(change.resolves.len(), 3);
    assert!(
        change
            .sql
            .starts_with("alter policy notes_rw on public.notes using ("),
        "{}",
        change.sql
    );
    assert!(change.sql.contains("(select auth.uid())"), "{}", change.sql);
    assert!(
        change
            .sql
            .contains("(select current_setting('app.x', true))"),
        "{}",
        change.sql
    );
    // The call that was already wrapped is not wrapped twice.
    assert!(!change.sql.contains("(select (select"), "{}", change.sql);
    assert_fixed(sql, &plan, "rls-initplan");
}

#[test]
fn search_path_is_empty_for_qualified_bodies_and_lists_schemas_otherwise() {
    let sql = "create table public.profiles (id uuid primary key, name text check (char_length(name) < 50));\n\
        alter table public.profiles enable row level security;\n\
        create policy p on public.profiles for select to authenticated using (id = (select auth.uid()));\n\
        create function public.qualified() returns bigint language sql as $$ select count(*) from public.profiles $$;\n\
        create function public.unqualified() returns bigint language sql as $$ select count(*) from profiles $$;\n";
    let plan = plan_for(sql);
    assert_eq!(
        sql_of(&plan),
        vec![
            "alter function public.qualified() set search_path = '';",
            "alter function public.unqualified() set search_path = pg_catalog, public, pg_temp;",
        ]
    );
    let notes: Vec<Option<&str>> = plan.changes.iter().map(|c| c.note.as_deref()).collect();
    assert_eq!(notes.first(), Some(&None));
    assert!(
        notes
            .get(1)
            .copied()
            .flatten()
            .is_some_and(|n| n.contains("`public`")),
        "{notes:?}"
    );
    assert_fixed(sql, &plan, "function-search-path-mutable");
}

#[test]
fn security_definer_functions_are_pinned_and_revoked() {
    let sql =
        "create function public.is_admin(uid uuid) returns boolean language sql security definer\n\
        as $$ select uid is not null $$;\n";
    let plan = plan_for(sql);
    assert_eq!(
        sql_of(&plan),
        vec![
            "revoke execute on function public.is_admin(uuid) from public, anon;",
            "alter function public.is_admin(uuid) set search_path = '';",
        ]
    );
    let after = relint(sql, &plan);
    let left: Vec<&str> = after.findings.iter().map(|f| f.rule).collect();
    assert!(
        !left.contains(&"security-definer-search-path")
            && !left.contains(&"security-definer-executable-by-public"),
        "{left:?}"
    );
}

#[test]
fn a_view_needs_postgres_15_for_security_invoker() {
    let sql = "create table public.t (id bigint primary key);\n\
        alter table public.t enable row level security;\n\
        create policy p on public.t for select to authenticated using (true);\n\
        create view public.v as select id from public.t;\n";
    let plan = plan_for(sql);
    assert!(
        sql_of(&plan).contains(&"alter view public.v set (security_invoker = true);"),
        "{:?}",
        sql_of(&plan)
    );
    let report = lint(sql);
    let cat = report.catalog.as_ref().expect("catalog kept");
    let old = FixOptions {
        postgres_version: 14,
        ..options()
    };
    let old_plan = super::plan(&report.findings, cat, &old);
    assert!(old_plan
        .skipped
        .iter()
        .any(|s| s.rule == "security-definer-view" && s.reason.contains("PostgreSQL 15")));
}

#[test]
fn enabling_rls_keeps_todays_access_with_a_policy_to_the_api_roles() {
    // Supabase's default privileges give the new table to anon,
    // authenticated and service_role; service_role bypasses RLS.
    let sql = "create table public.t (id bigint primary key);\n";
    let report = lint(sql);
    let cat = report.catalog.as_ref().expect("catalog kept");
    let safe_only = FixOptions {
        unsafe_fixes: false,
        ..options()
    };
    let plan = plan(&report.findings, cat, &safe_only);
    assert!(plan.held.is_empty(), "{:#?}", plan.held);
    let change = plan
        .changes
        .iter()
        .find(|c| c.resolves.iter().any(|(r, _)| *r == "rls-disabled"))
        .expect("rls change");
    assert_eq!(
        change.sql,
        "alter table public.t enable row level security;\n\
         drop policy if exists t_todays_access on public.t;\n\
         create policy t_todays_access on public.t as permissive for all to anon, authenticated\n  \
         using (true) with check (true);"
    );
    assert!(change
        .note
        .as_deref()
        .is_some_and(|n| n.contains("rls-policy-always-true")));
    let after = relint(sql, &plan);
    let left: Vec<&str> = after.findings.iter().map(|f| f.rule).collect();
    assert!(!left.contains(&"rls-disabled"), "{left:?}");
    assert!(!left.contains(&"rls-enabled-no-policy"), "{left:?}");
    // What is left open is now a policy to narrow.
    assert!(left.contains(&"rls-policy-always-true"), "{left:?}");
}

#[test]
fn the_kept_access_counts_column_grants_and_leaves_out_the_owner() {
    let sql = "create table public.t (id bigint primary key, body text);\n\
               revoke all on public.t from anon, authenticated;\n\
               grant select (body) on public.t to authenticated;\n";
    let plan = plan_for(sql);
    let change = plan
        .changes
        .iter()
        .find(|c| c.resolves.iter().any(|(r, _)| *r == "rls-disabled"))
        .expect("rls change");
    assert!(
        change.sql.contains(" for all to authenticated\n"),
        "{}",
        change.sql
    );
    // With no role left but the owner and service_role, enabling is all.
    let closed = "create table public.t (id bigint primary key);\n\
                  revoke all on public.t from anon, authenticated;\n";
    let plan = plan_for(closed);
    assert_eq!(
        sql_of(&plan),
        vec!["alter table public.t enable row level security;"]
    );
}

#[test]
fn a_role_outside_the_api_holds_the_kept_access_fix_back() {
    let sql = "create role reporting;\n\
               create table public.t (id bigint primary key);\n\
               grant select, insert on public.t to reporting;\n";
    let report = lint(sql);
    let cat = report.catalog.as_ref().expect("catalog kept");
    let safe_only = FixOptions {
        unsafe_fixes: false,
        ..options()
    };
    // The counts and the findings-by-rule table say so too.
    let finding = report
        .findings
        .iter()
        .find(|f| f.rule == "rls-disabled")
        .expect("rls-disabled");
    assert_eq!(applicability_of(finding), Some(Applicability::Unsafe));
    let row = crate::report::statistics::by_rule(&report.findings)
        .into_iter()
        .find(|r| r.rule == "rls-disabled")
        .expect("row");
    assert_eq!(row.applicability, Some(Applicability::Unsafe));
    let held = plan(&report.findings, cat, &safe_only);
    let reason = held
        .held
        .iter()
        .find(|s| s.rule == "rls-disabled")
        .map(|s| s.reason.as_str())
        .unwrap_or_else(|| panic!("not held: {:#?}", held.held));
    assert!(
        reason.contains("reporting") && reason.contains("COPY ... FROM"),
        "{reason}"
    );
    assert!(!reason.contains("anon"), "{reason}");
    let written = plan(&report.findings, cat, &options());
    let change = written
        .changes
        .iter()
        .find(|c| c.resolves.iter().any(|(r, _)| *r == "rls-disabled"))
        .expect("written with --unsafe-fixes");
    assert!(
        change
            .sql
            .contains(" for all to anon, authenticated, reporting\n"),
        "{}",
        change.sql
    );
    assert!(change
        .note
        .as_deref()
        .is_some_and(|n| n.starts_with("UNSAFE (written because of --unsafe-fixes): ")));
}

#[test]
fn a_duplicate_index_is_dropped_unless_it_backs_a_constraint() {
    let sql = format!(
        "{SCHEMA}create table app.t (id bigint primary key, a int not null);\n\
         create index t_a on app.t (a);\n\
         create index t_a_again on app.t (a);\n"
    );
    let plan = plan_for(&sql);
    assert_eq!(
        sql_of(&plan),
        vec!["drop index concurrently if exists app.t_a_again;"]
    );
}

#[test]
fn rule_filter_and_findings_without_a_fix() {
    let sql = format!(
        "{SCHEMA}create table app.p (id bigint primary key);\n\
         create table app.c (id bigint primary key, p_id bigint references app.p (id), status text);\n"
    );
    let report = lint(&sql);
    let cat = report.catalog.as_ref().expect("catalog kept");
    let only = FixOptions {
        rules: vec!["duplicate-index".to_string()],
        ..options()
    };
    assert!(plan(&report.findings, cat, &only).changes.is_empty());
    let all = plan(&report.findings, cat, &options());
    assert_eq!(all.changes.len(), 1);
    // free-text-enum on `status` and fk-missing-on-delete have no automatic fix.
    assert!(
        all.manual.contains_key("free-text-enum"),
        "{:?}",
        all.manual
    );
}

#[test]
fn per_file_transactions_put_concurrent_statements_in_a_file_of_their_own() {
    let sql = format!(
        "{SCHEMA}create table app.p (id bigint primary key);\n\
         create table app.c (id bigint primary key, p_id bigint references app.p (id) on delete cascade, created_at timestamptz not null);\n"
    );
    let report = lint(&sql);
    let cat = report.catalog.as_ref().expect("catalog kept");
    let plain = FixOptions {
        platform: Platform::Postgres,
        ..options()
    };
    let p = plan(&report.findings, cat, &plain);
    let files = render(&p, &plain, "-- fix");
    assert_eq!(files.len(), 2, "{files:#?}");
    assert!(files
        .first()
        .is_some_and(|f| f.contains("set default now()") && !f.contains("concurrently")));
    assert!(files.get(1).is_some_and(
        |f| f.contains("pgvet-ignore-file") && f.contains("create index concurrently")
    ));
    // Supabase runs CONCURRENTLY outside its per-file transaction: one file.
    assert_eq!(render(&p, &options(), "-- fix").len(), 1);
}

#[test]
fn unsafe_fixes_are_held_back_unless_asked_for_and_say_what_changes() {
    let sql = "create table public.notes (id bigint primary key, user_id uuid);\n\
               alter table public.notes enable row level security;\n\
               create function public.is_owner(u uuid) returns boolean language sql security definer\n\
                 set search_path = '' as $$ select u = auth.uid() $$;\n\
               create policy notes_own on public.notes for select to authenticated using (public.is_owner(user_id));\n\
               create table public.open (id bigint primary key);\n";
    let report = lint(sql);
    let cat = report.catalog.as_ref().expect("catalog kept");
    let safe_only = FixOptions {
        unsafe_fixes: false,
        ..options()
    };
    let held = plan(&report.findings, cat, &safe_only);
    assert_eq!(
        sql_of(&held),
        vec![
            "alter table public.open enable row level security;\n\
             drop policy if exists open_todays_access on public.open;\n\
             create policy open_todays_access on public.open as permissive for all to anon, authenticated\n  \
             using (true) with check (true);"
        ]
    );
    let reason = |rule: &str| {
        held.held
            .iter()
            .find(|s| s.rule == rule)
            .map(|s| s.reason.clone())
            .unwrap_or_else(|| panic!("{rule} not held: {:#?}", held.held))
    };
    let revoke = reason("security-definer-executable-by-public");
    assert!(
        revoke.contains("can no longer call `public.is_owner`")
            && revoke.contains("Policies call it (`notes_own` on `public.notes`)")
            && revoke.contains("permission denied for function"),
        "{revoke}"
    );
    // rls-disabled's fix keeps today's access: written without asking.
    assert!(
        held.held.iter().all(|s| s.rule != "rls-disabled"),
        "{:#?}",
        held.held
    );
    let text = render(&held, &safe_only, "-- fix").concat();
    assert!(text.contains("-- Not written: "), "{text}");
    assert!(!text.contains("revoke execute"), "{text}");

    let written = plan(&report.findings, cat, &options());
    assert!(written.held.is_empty());
    let revoke = written
        .changes
        .iter()
        .find(|c| {
            c.sql
                .starts_with("revoke execute on function public.is_owner(uuid)")
        })
        .expect("revoke written");
    assert!(revoke.note.as_deref().is_some_and(|n| n
        .starts_with("UNSAFE (written because of --unsafe-fixes): ")
        && n.contains("Policies call it")));
}

#[test]
fn safe_fixes_are_written_without_asking() {
    let sql = format!(
        "{SCHEMA}create table app.p (id bigint primary key);\n\
         create table app.c (id bigint primary key, p_id bigint references app.p (id));\n"
    );
    let report = lint(&sql);
    let cat = report.catalog.as_ref().expect("catalog kept");
    let safe_only = FixOptions {
        unsafe_fixes: false,
        ..options()
    };
    let p = plan(&report.findings, cat, &safe_only);
    assert!(p.held.is_empty(), "{:#?}", p.held);
    assert_eq!(
        sql_of(&p),
        vec!["create index concurrently if not exists idx_c_p_id on app.c (p_id);"]
    );
    assert!(p.changes.iter().all(|c| c.note.is_none()));
}

#[test]
fn a_supabase_fix_says_which_cli_runs_concurrently_outside_the_transaction() {
    use crate::source::migrations::runner::Runner;
    let sql = format!(
        "{SCHEMA}create table app.p (id bigint primary key);\n\
         create table app.c (id bigint primary key, p_id bigint references app.p (id) on delete cascade);\n"
    );
    let report = lint(&sql);
    let cat = report.catalog.as_ref().expect("catalog kept");
    let supabase = FixOptions {
        runner: Some(Runner::Supabase),
        ..options()
    };
    let p = plan(&report.findings, cat, &supabase);
    let files = render(&p, &supabase, "-- fix");
    assert_eq!(files.len(), 1, "{files:#?}");
    let text = files.concat();
    assert!(
        text.contains("from v2.109.0") && text.contains("supabase/cli#6276"),
        "{text}"
    );
    // A plain folder says nothing about the Supabase CLI.
    assert!(!render(&p, &options(), "-- fix")
        .concat()
        .contains("v2.109.0"));
}
