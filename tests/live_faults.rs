//! Database faults and secrets, driving the real binary against a throwaway
//! PostgreSQL: timeouts, a killed connection, a server stopped mid-audit, a
//! role without access, a hot standby, proof from the server log that only
//! reads are sent, and no password in any output. Each fault ends in exit 2
//! with one line on stderr that names what failed.
//!
//! Faults are made deterministic with a lock: another session holds
//! `pg_catalog.pg_policy` in ACCESS EXCLUSIVE mode, so pgvet's last catalog
//! query waits until a timeout, a kill or a shutdown ends it.

mod support;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::pg::{stderr, Cluster, PASSWORD};

/// Tables that give findings: a foreign key without an index
/// (fk-missing-index) and a policy on a table whose RLS is off.
const SCHEMA: &str = "create table public.customers (id bigint primary key, name text not null);\n\
     create table public.orders (id bigint primary key, customer_id bigint not null references public.customers (id) on delete cascade);\n\
     create table public.notes (id bigint primary key, body text);\n\
     create policy notes_read on public.notes for select to public using (true);";

/// The binary, run in `dir` (no pgvet.yaml above it), with no connection
/// settings from this process's environment.
fn pgvet(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pgvet"));
    cmd.current_dir(dir);
    for var in [
        "DATABASE_URL",
        "PGHOST",
        "PGPORT",
        "PGUSER",
        "PGPASSWORD",
        "PGDATABASE",
        "PGSSLMODE",
        "PGSSLROOTCERT",
        "PGCONNECT_TIMEOUT",
        "PGPASSFILE",
        "PGSERVICE",
        "PGSERVICEFILE",
        "PGSYSCONFDIR",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// `pgvet audit` or `pgvet lint --db` (on one pending migration) against `url`.
fn against(dir: &Path, command: &str, url: &str, extra: &[&str]) -> Command {
    let mut cmd = pgvet(dir);
    cmd.arg(command)
        .args(["--db", url, "--sslmode", "disable"])
        .args(extra);
    if command == "lint" {
        let migrations = dir.join("migrations");
        std::fs::create_dir_all(&migrations).unwrap();
        std::fs::write(
            migrations.join("20240101000000_index.sql"),
            "create index orders_customer on public.orders (customer_id);\n",
        )
        .unwrap();
        cmd.arg(migrations);
    }
    cmd
}

/// Exit 2, one line on stderr (`pgvet: ...`) containing every `expected`
/// (case-insensitive), and no secret anywhere.
fn assert_clean_failure(case: &str, out: &Output, expected: &[&str], secrets: &[&str]) {
    let err = stderr(out);
    let line = err.trim_end();
    assert_eq!(out.status.code(), Some(2), "{case}: {err}");
    assert!(
        !line.contains('\n') && line.starts_with("pgvet: "),
        "{case}: not one line: {err}"
    );
    for e in expected {
        assert!(
            line.to_lowercase().contains(&e.to_lowercase()),
            "{case}: `{e}` missing: {line}"
        );
    }
    assert_no_secret(case, out, secrets);
}

fn assert_no_secret(case: &str, out: &Output, secrets: &[&str]) {
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(out));
    for s in secrets {
        assert!(!all.contains(s), "{case}: secret `{s}` printed:\n{all}");
    }
}

/// Polls `ready` every 50 ms for up to 30 s.
fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Which catalog to block or revoke so that `command` fails mid-read, and
/// how pgvet names the query that reads it: `audit` reads policies late;
/// `lint --db` reads only table sizes, whose query checks pg_depend.
fn catalog_for(command: &str) -> (&'static str, &'static str) {
    match command {
        "audit" => ("pg_policy", "policies (pg_policy)"),
        _ => ("pg_depend", "table sizes (pg_class)"),
    }
}

/// Another session holding a catalog (`pg_catalog.<table>`) in ACCESS
/// EXCLUSIVE mode until dropped: every reader of that catalog waits.
struct CatalogLock<'a> {
    cluster: &'a Cluster,
    db: String,
    psql: Child,
}

impl<'a> CatalogLock<'a> {
    fn take(cluster: &'a Cluster, db: &str, table: &str) -> CatalogLock<'a> {
        let psql = cluster
            .psql_command(db)
            .env("PGAPPNAME", "lock-holder")
            .args([
                "-c",
                &format!(
                    "begin; lock table pg_catalog.{table} in access exclusive mode; select pg_sleep(600)"
                ),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let lock = CatalogLock {
            cluster,
            db: db.to_string(),
            psql,
        };
        wait_for(&format!("the lock on {table}"), || {
            cluster.query(
                db,
                &format!(
                    "select count(*) from pg_locks where relation = 'pg_catalog.{table}'::regclass \
                     and mode = 'AccessExclusiveLock' and granted \
                     and database = (select oid from pg_database where datname = current_database())"
                ),
            ) == "1"
        });
        lock
    }
}

impl Drop for CatalogLock<'_> {
    fn drop(&mut self) {
        // The server may be stopped already: errors are fine here.
        let _ = self.cluster.psql(
            &self.db,
            &[
                "-c",
                "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'lock-holder'",
            ],
        );
        let _ = self.psql.kill();
        let _ = self.psql.wait();
    }
}

/// Spawns `cmd` and returns once its session waits on a lock; panics (after
/// killing it) when it ends first or never waits.
fn spawn_until_blocked(cluster: &Cluster, db: &str, mut cmd: Command) -> Child {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let waiting = cluster.query(
            db,
            "select count(*) from pg_stat_activity where application_name = 'pgvet' \
             and wait_event_type = 'Lock'",
        );
        if waiting == "1" {
            return child;
        }
        if let Ok(Some(_)) = child.try_wait() {
            let out = child.wait_with_output().unwrap();
            panic!("pgvet ended before it blocked: {}", stderr(&out));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("pgvet never waited on the lock");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn cluster_with_schema(db: &str) -> Option<Cluster> {
    let cluster = Cluster::start()?;
    cluster.create_db(db);
    cluster.sql(db, SCHEMA);
    Some(cluster)
}

#[test]
fn statement_and_lock_timeouts_are_clear_errors() {
    let Some(cluster) = cluster_with_schema("faults") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let url = cluster.tcp_url("faults", PASSWORD);
    for command in ["audit", "lint"] {
        let (table, what) = catalog_for(command);
        let _lock = CatalogLock::take(&cluster, "faults", table);
        let started = Instant::now();
        let out = against(
            work.path(),
            command,
            &url,
            &["--lock-timeout", "0", "--statement-timeout", "300ms"],
        )
        .output()
        .unwrap();
        assert_clean_failure(
            &format!("{command}: statement timeout"),
            &out,
            &[what, "statement timeout"],
            &[PASSWORD],
        );
        assert!(started.elapsed() < Duration::from_secs(20));
        let out = against(work.path(), command, &url, &["--lock-timeout", "200ms"])
            .output()
            .unwrap();
        assert_clean_failure(
            &format!("{command}: lock timeout"),
            &out,
            &[what, "lock timeout"],
            &[PASSWORD],
        );
    }
}

#[test]
fn connection_killed_during_the_catalog_read_is_a_clear_error() {
    let Some(cluster) = cluster_with_schema("faults") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let url = cluster.tcp_url("faults", PASSWORD);
    for command in ["audit", "lint"] {
        let (table, what) = catalog_for(command);
        let _lock = CatalogLock::take(&cluster, "faults", table);
        let cmd = against(work.path(), command, &url, &["--lock-timeout", "60s"]);
        let child = spawn_until_blocked(&cluster, "faults", cmd);
        let killed = cluster.query(
            "faults",
            "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'pgvet'",
        );
        assert_eq!(killed, "t");
        let out = child.wait_with_output().unwrap();
        assert_clean_failure(
            &format!("{command}: connection killed"),
            &out,
            &[what, "terminating connection"],
            &[PASSWORD],
        );
    }
}

#[test]
fn server_stopped_mid_audit_is_a_clear_error() {
    let Some(cluster) = cluster_with_schema("faults") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let url = cluster.tcp_url("faults", PASSWORD);
    let lock = CatalogLock::take(&cluster, "faults", "pg_policy");
    let cmd = against(work.path(), "audit", &url, &["--lock-timeout", "60s"]);
    let child = spawn_until_blocked(&cluster, "faults", cmd);
    cluster.stop_immediately();
    let out = child.wait_with_output().unwrap();
    drop(lock);
    assert_clean_failure(
        "server stopped",
        &out,
        &["cannot read", "the connection was closed (server stopped"],
        &[PASSWORD],
    );
    // And with the server gone, the next run cannot connect.
    let out = against(work.path(), "audit", &url, &[]).output().unwrap();
    assert_clean_failure(
        "server down",
        &out,
        &["cannot connect to postgres@127.0.0.1", "refused"],
        &[PASSWORD],
    );
}

fn restricted_db(command: &str) -> &'static str {
    match command {
        "audit" => "restricted",
        _ => "restricted_sizes",
    }
}

#[test]
fn a_role_without_catalog_access_or_connect_gets_a_clear_error() {
    let Some(cluster) = cluster_with_schema("restricted") else {
        return;
    };
    let role_pw = "auditor-secret-pw";
    cluster.sql(
        "postgres",
        &format!("create role auditor login password '{role_pw}'"),
    );
    // One database per command, each missing the catalog that command reads.
    cluster.create_db("restricted_sizes");
    cluster.sql("restricted_sizes", SCHEMA);
    for command in ["audit", "lint"] {
        let (table, _) = catalog_for(command);
        cluster.sql(
            restricted_db(command),
            &format!("revoke select on pg_catalog.{table} from public"),
        );
    }
    cluster.create_db("closed");
    cluster.sql("postgres", "revoke connect on database closed from public");
    let work = tempfile::tempdir().unwrap();
    let as_auditor = |db: &str| {
        format!(
            "postgresql://auditor:{role_pw}@127.0.0.1:{}/{db}",
            cluster.port
        )
    };
    for command in ["audit", "lint"] {
        let (table, what) = catalog_for(command);
        let out = against(
            work.path(),
            command,
            &as_auditor(restricted_db(command)),
            &[],
        )
        .output()
        .unwrap();
        assert_clean_failure(
            &format!("{command}: catalog revoked"),
            &out,
            &[
                &format!("cannot read {what}"),
                &format!("permission denied for table {table}"),
            ],
            &[role_pw, PASSWORD],
        );
        let out = against(work.path(), command, &as_auditor("closed"), &[])
            .output()
            .unwrap();
        assert_clean_failure(
            &format!("{command}: no CONNECT"),
            &out,
            &[
                "cannot connect to auditor@127.0.0.1",
                "permission denied for database",
            ],
            &[role_pw, PASSWORD],
        );
    }
    // The superuser still reads that database: the failure was the role's.
    let out = against(
        work.path(),
        "audit",
        &cluster.tcp_url("restricted", PASSWORD),
        &[],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

fn finding_pairs(out: &Output) -> Vec<(String, String)> {
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(out)));
    let mut pairs: Vec<(String, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["object"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    pairs.sort();
    pairs
}

#[test]
fn a_hot_standby_is_audited_like_its_primary() {
    let Some(primary) = cluster_with_schema("app") else {
        return;
    };
    let standby = primary.standby();
    assert_eq!(standby.query("app", "select pg_is_in_recovery()"), "t");
    let work = tempfile::tempdir().unwrap();
    let json = ["--format", "json"];
    let on_primary = against(
        work.path(),
        "audit",
        &primary.tcp_url("app", PASSWORD),
        &json,
    )
    .output()
    .unwrap();
    let on_standby = against(
        work.path(),
        "audit",
        &standby.tcp_url("app", PASSWORD),
        &json,
    )
    .output()
    .unwrap();
    assert_eq!(on_standby.status.code(), Some(1), "{}", stderr(&on_standby));
    assert_no_secret("standby", &on_standby, &[PASSWORD]);
    let pairs = finding_pairs(&on_standby);
    for expected in [
        ("fk-missing-index", "public.orders"),
        ("policy-exists-rls-disabled", "public.notes"),
    ] {
        assert!(
            pairs
                .iter()
                .any(|(r, o)| (r.as_str(), o.as_str()) == expected),
            "{expected:?} not in {pairs:?}"
        );
    }
    assert_eq!(pairs, finding_pairs(&on_primary));
    let out = against(
        work.path(),
        "lint",
        &standby.tcp_url("app", PASSWORD),
        &json,
    )
    .output()
    .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "lint --db on the standby: {}",
        stderr(&out)
    );
}

/// Statements of sessions named `app` in a server log whose
/// `log_line_prefix` is `%a:`, with statement continuation lines joined.
fn logged_statements(log: &str, app: &str) -> Vec<String> {
    let levels = [
        "LOG",
        "ERROR",
        "FATAL",
        "PANIC",
        "WARNING",
        "NOTICE",
        "INFO",
        "DETAIL",
        "HINT",
        "STATEMENT",
        "CONTEXT",
        "DEBUG",
    ];
    let mut entries: Vec<(String, String)> = Vec::new(); // (application, message)
    for line in log.lines() {
        let entry = line.split_once(':').filter(|(name, rest)| {
            !name.contains(char::is_whitespace) && levels.iter().any(|l| rest.starts_with(l))
        });
        match (entry, entries.last_mut()) {
            (Some((name, rest)), _) => entries.push((name.to_string(), rest.to_string())),
            (None, Some(last)) => {
                last.1.push('\n');
                last.1.push_str(line);
            }
            (None, None) => {}
        }
    }
    entries
        .into_iter()
        .filter(|(name, _)| name == app)
        .filter_map(|(_, message)| {
            let text = message.strip_prefix("LOG:  ")?;
            if let Some(sql) = text.strip_prefix("statement: ") {
                return Some(sql.to_string());
            }
            // Extended protocol: `execute <name>: <sql>`.
            let rest = text.strip_prefix("execute ")?;
            rest.split_once(": ").map(|(_, sql)| sql.to_string())
        })
        .collect()
}

#[test]
fn only_reads_and_transaction_control_are_sent() {
    let Some(cluster) = Cluster::start_with(&["log_statement=all", "log_line_prefix=%a:"]) else {
        return;
    };
    cluster.create_db("app");
    cluster.sql("app", SCHEMA);
    cluster.sql(
        "app",
        "create function public.touch() returns trigger language plpgsql as $$ begin return new; end $$;\n\
         create trigger orders_touch before update on public.orders for each row execute function public.touch();\n\
         create view public.order_view as select * from public.orders;",
    );
    let work = tempfile::tempdir().unwrap();
    let url = cluster.tcp_url("app", PASSWORD);
    for command in ["audit", "lint"] {
        let out = against(work.path(), command, &url, &[]).output().unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{command}: {}",
            stderr(&out)
        );
    }
    let log = cluster.server_log();
    let statements = logged_statements(&log, "pgvet");
    let snapshots = statements
        .iter()
        .filter(|s| s.starts_with("begin isolation level repeatable read read only"))
        .count();
    assert_eq!(snapshots, 2, "one read-only snapshot per run:\n{log}");
    assert!(
        statements.iter().any(|s| s.contains("from pg_policy p")),
        "the catalog reads are not in the log:\n{log}"
    );
    for statement in &statements {
        for part in statement
            .split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let first = part
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_lowercase();
            assert!(
                matches!(
                    first.as_str(),
                    "select" | "set" | "show" | "begin" | "start" | "commit" | "rollback"
                ),
                "pgvet sent a statement that is not a read: {part}"
            );
        }
    }
    assert!(!log.contains(PASSWORD), "the password is in the server log");
}

#[test]
fn the_password_is_never_printed() {
    let Some(cluster) = cluster_with_schema("app") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let url = cluster.tcp_url("app", PASSWORD);
    let target = format!("postgres@127.0.0.1:{}/app", cluster.port);
    let noisy = [
        ("RUST_LOG", "trace"),
        ("RUST_BACKTRACE", "full"),
        ("PGVET_TIMING", "1"),
    ];

    // Successful audits in every format, with --db and with DATABASE_URL.
    for format in ["human", "json", "sarif", "github", "gitlab"] {
        let out = against(work.path(), "audit", &url, &["--format", format])
            .envs(noisy)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
        assert_no_secret(format, &out, &[PASSWORD]);
        if matches!(format, "human" | "json") {
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(stdout.contains(&target), "{format}: no target:\n{stdout}");
        }
    }
    let out = pgvet(work.path())
        .args(["audit", "--sslmode", "disable", "--format", "sarif"])
        .env("DATABASE_URL", &url)
        .envs(noisy)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_no_secret("DATABASE_URL sarif", &out, &[PASSWORD]);

    // Failures, each naming the target or the problem but never the password.
    let port = cluster.port;
    let wrong_db = cluster.tcp_url("no_such_db", PASSWORD);
    let failures: Vec<(&str, Command, Vec<&str>)> = vec![
        (
            "--db, missing database",
            against(work.path(), "audit", &wrong_db, &[]),
            vec!["postgres@127.0.0.1", "does not exist"],
        ),
        (
            "lint --db, missing database",
            against(work.path(), "lint", &wrong_db, &[]),
            vec!["postgres@127.0.0.1", "does not exist"],
        ),
        (
            "DATABASE_URL, missing database",
            {
                let mut c = pgvet(work.path());
                c.args(["audit", "--sslmode", "disable"])
                    .env("DATABASE_URL", &wrong_db);
                c
            },
            vec!["postgres@127.0.0.1", "does not exist"],
        ),
        (
            "key=value string, missing database",
            against(
                work.path(),
                "audit",
                &format!(
                    "host=127.0.0.1 port={port} user=postgres password={PASSWORD} dbname=no_such_db"
                ),
                &[],
            ),
            vec!["postgres@127.0.0.1", "does not exist"],
        ),
        (
            "PGPASSWORD, missing database",
            {
                let mut c = against(
                    work.path(),
                    "audit",
                    &format!("postgresql://postgres@127.0.0.1:{port}/no_such_db"),
                    &[],
                );
                c.env("PGPASSWORD", PASSWORD);
                c
            },
            vec!["postgres@127.0.0.1", "does not exist"],
        ),
        (
            "wrong password",
            against(
                work.path(),
                "audit",
                &cluster.tcp_url("app", "wrong-secret-123"),
                &[],
            ),
            vec!["postgres@127.0.0.1", "password authentication failed"],
        ),
        (
            "bad port in the URL",
            against(
                work.path(),
                "audit",
                &format!("postgresql://postgres:{PASSWORD}@127.0.0.1:notaport/app"),
                &[],
            ),
            vec!["invalid connection string"],
        ),
        (
            "TLS required by the URL, server without TLS",
            {
                let mut c = pgvet(work.path());
                c.args(["audit", "--db", &format!("{url}?sslmode=require")]);
                c
            },
            vec!["postgres@127.0.0.1", "tls"],
        ),
        (
            "bad statement timeout",
            against(work.path(), "audit", &url, &["--statement-timeout", "soon"]),
            vec!["not a duration"],
        ),
    ];
    for (case, mut cmd, expected) in failures {
        let out = cmd.envs(noisy).output().unwrap();
        assert_clean_failure(case, &out, &expected, &[PASSWORD, "wrong-secret-123"]);
    }

    // Usage errors from the argument parser and help never echo it either.
    let out = against(work.path(), "audit", &url, &["--no-such-flag"])
        .envs(noisy)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_no_secret("unknown flag", &out, &[PASSWORD]);
    let out = pgvet(work.path())
        .args(["audit", "--help"])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("DATABASE_URL"));
    assert_no_secret("--help", &out, &[PASSWORD]);
}

/// Runs `cmd` and waits at most 60 s for it (then kills it and fails).
fn output_within_a_minute(mut cmd: Command) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!("pgvet still running after 60 s: {}", stderr(&out));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn a_server_that_never_answers_hits_the_connect_timeout() {
    // The kernel completes the TCP handshake for connections waiting in the
    // backlog: pgvet connects, and no byte ever comes back (no TLS answer,
    // no startup answer).
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let work = tempfile::tempdir().unwrap();
    let target = format!("u@127.0.0.1:{port}/db");
    let with_timeout = format!("postgresql://u:hunter2@127.0.0.1:{port}/db?connect_timeout=2");
    for command in ["audit", "lint"] {
        let out = output_within_a_minute(against(work.path(), command, &with_timeout, &[]));
        assert_clean_failure(
            &format!("{command}: silent server"),
            &out,
            &[
                &format!("cannot connect to {target}"),
                "no answer within 2 s (connect_timeout in the connection string)",
            ],
            &["hunter2"],
        );
    }
    // PGCONNECT_TIMEOUT, and TLS negotiation (sslmode prefer) that never ends.
    let mut cmd = pgvet(work.path());
    cmd.args([
        "audit",
        "--db",
        &format!("postgresql://u@127.0.0.1:{port}/db"),
    ])
    .env("PGCONNECT_TIMEOUT", "2");
    let out = output_within_a_minute(cmd);
    assert_clean_failure(
        "PGCONNECT_TIMEOUT, TLS",
        &out,
        &[
            &format!("cannot connect to {target}"),
            "no answer within 2 s (PGCONNECT_TIMEOUT)",
        ],
        &[],
    );
    drop(silent);
}

#[test]
fn malformed_urls_are_refused_without_the_userinfo() {
    let work = tempfile::tempdir().unwrap();
    let secrets = ["hunter2", "secretpart"];
    let cases = [
        ("postgresql://reader:hunter2@secretpart@host/db", "%40"),
        ("postgresql://reader:hunter2@secretpart@", "%40"),
        ("postgresql://reader:hunter2/secretpart@host/db", "%2F"),
        ("postgresql://reader:hunter2?secretpart@host/db", "%3F"),
        ("postgresql://reader:hunter2@[secretpart/db", "IPv6"),
        ("postgresql://reader:hunter2@secretpart:1:2/db", "IPv6"),
        ("postgresql://reader:hunter2secretpart", "port"),
        ("postgresql://reader:hunter2%secretpart@host/db", "%25"),
        ("host=h password=hunter2 secretpart=x", "quote"),
        ("host=h password='hunter2 secretpart", "quote"),
    ];
    for (url, hint) in cases {
        let out = against(work.path(), "audit", url, &[]).output().unwrap();
        assert_clean_failure(url, &out, &["invalid connection string", hint], &secrets);
        let mut cmd = pgvet(work.path());
        cmd.args(["audit", "--sslmode", "disable"])
            .env("DATABASE_URL", url);
        let out = cmd.output().unwrap();
        assert_clean_failure(url, &out, &["invalid connection string"], &secrets);
    }
}

#[test]
fn a_quoted_password_with_spaces_is_not_printed() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let work = tempfile::tempdir().unwrap();
    let kv =
        format!(r"host=127.0.0.1 port={port} user=u dbname=d password='hunter2 secretpart \'q\''");
    let out = against(work.path(), "audit", &kv, &[]).output().unwrap();
    assert_clean_failure(
        "key=value, refused",
        &out,
        &[
            &format!("cannot connect to u@127.0.0.1:{port}/d"),
            "refused",
        ],
        &["hunter2", "secretpart"],
    );
}

#[test]
fn the_password_file_and_a_service_supply_what_the_url_leaves_out() {
    use std::os::unix::fs::PermissionsExt;
    let Some(cluster) = cluster_with_schema("app") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let pgpass = home.path().join(".pgpass");
    std::fs::write(
        &pgpass,
        format!("127.0.0.1:{}:*:postgres:{PASSWORD}\n", cluster.port),
    )
    .unwrap();
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::write(
        home.path().join(".pg_service.conf"),
        format!(
            "[app]\nhost=127.0.0.1\nport={}\nuser=postgres\ndbname=app\n",
            cluster.port
        ),
    )
    .unwrap();
    let work = tempfile::tempdir().unwrap();
    let run = |db: &str| {
        let mut cmd = against(work.path(), "audit", db, &[]);
        cmd.env("HOME", home.path())
            .env("PGSYSCONFDIR", home.path());
        cmd.output().unwrap()
    };
    let url = format!("postgresql://postgres@127.0.0.1:{}/app", cluster.port);
    for db in [url.as_str(), "service=app"] {
        let out = run(db);
        assert_eq!(out.status.code(), Some(1), "{db}: {}", stderr(&out));
        assert!(!stderr(&out).contains("warning"), "{db}: {}", stderr(&out));
        assert_no_secret(db, &out, &[PASSWORD]);
    }
    // Readable by the group: skipped with a warning, so no password.
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = run(&url);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("pgvet: warning: password file") && err.contains("group or world access"),
        "{err}"
    );
    assert_no_secret("pgpass 0640", &out, &[PASSWORD]);
}

/// 50,000 tables (with a primary key each): the audit completes and its peak
/// memory is printed. Slow (minutes); run with
/// `cargo test --release --test live_faults -- --ignored --nocapture`.
#[test]
#[ignore]
fn fifty_thousand_tables_in_bounded_memory() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    cluster.create_db("big");
    let t = Instant::now();
    cluster.sql(
        "big",
        "do $$ begin for i in 1..50000 loop \
           execute format('create table public.t%s (id bigint primary key, n int, label text)', i); \
           if i % 1000 = 0 then commit; end if; \
         end loop; end $$",
    );
    eprintln!("created 50,000 tables in {:?}", t.elapsed());
    let work = tempfile::tempdir().unwrap();
    let t = Instant::now();
    let out = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(env!("CARGO_BIN_EXE_pgvet"))
        .current_dir(work.path())
        .args(["audit", "--sslmode", "disable", "--format", "json", "--db"])
        // The socket: `time -v` prints the command line, password included.
        .arg(cluster.socket_url("big"))
        .output()
        .unwrap();
    let wall = t.elapsed();
    let err = stderr(&out);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "audit failed: {}",
        err.lines().next().unwrap_or_default()
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = json["findings"].as_array().map_or(0, Vec::len);
    let peak_kb: u64 = err
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak RSS in: {err}"));
    eprintln!(
        "audit of 50,000 tables: {wall:?}, peak RSS {} MB, {findings} findings",
        peak_kb / 1024
    );
    assert!(peak_kb < 1024 * 1024, "peak RSS {peak_kb} kB");
}
