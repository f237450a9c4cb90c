//! `pgvet audit` against a real PostgreSQL: static/live parity on every seed
//! fixture and rule example, read-only proof, and connection failures.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use pgvet::catalog::Platform;
use pgvet::config::Config;
use pgvet::rules::{self, RuleKind};
use pgvet::source::live::{ConnectOptions, LiveOptions, SslMode};
use pgvet::Settings;
use support::pg::{stderr, Cluster, PASSWORD};
use support::sql_files;

const BASELINE: &str = "tests/sql/supabase_baseline.sql";

fn settings() -> Settings {
    Settings {
        exposed_schemas: vec!["public".to_string(), "graphql_public".to_string()],
        ..Settings::for_platform(Platform::Supabase)
    }
}

fn live_options(url: String) -> LiveOptions {
    LiveOptions {
        connect: ConnectOptions {
            url: Some(url),
            sslmode: Some(SslMode::Disable),
            ..ConnectOptions::default()
        },
        platform: Some(Platform::Supabase),
        exposed_schemas: Some(settings().exposed_schemas),
        ..LiveOptions::default()
    }
}

type Pair = (String, String, usize); // rule, object, n-th finding of that pair

fn schema_rule(id: &str) -> bool {
    rules::find(id).is_some_and(|r| r.doc.kind == RuleKind::Schema)
}

/// (rule, object) of each finding, numbered so that a rule reporting an
/// object twice in one source and once in the other is a difference.
fn pairs<'a>(findings: impl Iterator<Item = &'a pgvet::report::Finding>) -> BTreeSet<Pair> {
    let mut seen = std::collections::BTreeMap::new();
    findings
        .map(|f| {
            let key = (f.rule.to_string(), f.object.clone());
            let n = seen.entry(key.clone()).or_insert(0usize);
            *n += 1;
            (key.0, key.1, *n)
        })
        .collect()
}

fn lint_pairs(report: &pgvet::report::Report) -> BTreeSet<Pair> {
    pairs(report.findings.iter().filter(|f| schema_rule(f.rule)))
}

fn audit_pairs(cluster: &Cluster, db: &str) -> BTreeSet<Pair> {
    audit_pairs_with(cluster, db, 1)
}

/// The audit's findings, reading the catalog over `connections` connections.
fn audit_pairs_with(cluster: &Cluster, db: &str, connections: usize) -> BTreeSet<Pair> {
    let opts = LiveOptions {
        connections,
        ..live_options(cluster.socket_url(db))
    };
    let report = pgvet::audit(&opts, &Config::default())
        .unwrap_or_else(|e| panic!("audit of {db} failed: {e}"));
    assert!(
        report.errors.is_empty(),
        "audit of {db}: unreadable definitions: {:?}",
        report.errors
    );
    assert!(report.findings.iter().all(|f| f.location.is_none()));
    pairs(report.findings.iter())
}

/// What differs, for the failure message.
fn diff(lint: &BTreeSet<Pair>, live: &BTreeSet<Pair>) -> String {
    let only_lint: Vec<_> = lint.difference(live).collect();
    let only_live: Vec<_> = live.difference(lint).collect();
    format!("only in lint: {only_lint:#?}\nonly in audit: {only_live:#?}")
}

/// A database with the Supabase baseline, copied from a template.
fn fresh_db(cluster: &Cluster, name: &str) {
    cluster.sql(
        "postgres",
        &format!("create database {name} template baseline_tpl"),
    );
}

fn template(cluster: &Cluster) {
    cluster.create_db("baseline_tpl");
    cluster.apply("baseline_tpl", Path::new(BASELINE));
}

#[test]
fn audit_of_each_seed_fixture_equals_its_lint() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    template(&cluster);
    let mut compared = 0;
    let mut failures = Vec::new();
    for seed in sql_dirs() {
        for variant in ["broken", "fixed"] {
            let dir = seed.join(variant);
            let name = format!(
                "{}_{variant}",
                seed.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .replace('-', "_")
            );
            // PostgreSQL rejects this migration, as its seed documents (a
            // table referenced before it exists): there is no database to
            // compare with.
            if name == "workspace_assets_broken" {
                continue;
            }
            fresh_db(&cluster, &name);
            for file in sql_files(&dir) {
                cluster.apply(&name, &file);
            }
            let report = pgvet::lint(std::slice::from_ref(&dir), &Config::default(), &settings());
            assert!(
                report.errors.is_empty(),
                "{}: {:?}",
                dir.display(),
                report.errors
            );
            let lint = lint_pairs(&report);
            let live = audit_pairs(&cluster, &name);
            if variant == "broken" {
                assert!(
                    !live.is_empty(),
                    "{}: the audit found nothing",
                    dir.display()
                );
            }
            if lint != live {
                failures.push(format!("{}:\n{}", dir.display(), diff(&lint, &live)));
            }
            // Two connections sharing one snapshot read the same catalog.
            let split = audit_pairs_with(&cluster, &name, 2);
            if split != live {
                failures.push(format!(
                    "{} (--connections 2 against 1):\n{}",
                    dir.display(),
                    diff(&live, &split)
                ));
            }
            compared += 1;
        }
    }
    assert_eq!(compared, 9, "every fixture but one was compared");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn sql_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("fixtures")
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("broken").is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn audit_of_each_rule_example_equals_its_lint() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    template(&cluster);
    let mut compared = 0;
    let mut not_applicable = Vec::new();
    let mut failures = Vec::new();
    for (i, rule) in rules::all().iter().enumerate() {
        let settings = pgvet::Settings::for_example(rule);
        // A rule about migration file names has nothing to read in a database.
        if rule.id() == "migration-filename" {
            continue;
        }
        for (kind, sql) in [("bad", &rule.doc.bad), ("good", &rule.doc.good)] {
            let db = format!("ex_{i}_{kind}");
            fresh_db(&cluster, &db);
            let files = rules::example_sources("example.sql", sql);
            let dir = tempfile::tempdir().unwrap();
            let mut applied = true;
            for (n, (_, text)) in files.iter().enumerate() {
                let path = dir.path().join(format!("{n}.sql"));
                std::fs::write(&path, text).unwrap();
                let out = cluster.psql(&db, &["-f", &path.display().to_string()]);
                if !out.status.success() {
                    // Examples of statement rules may be rejected on purpose.
                    not_applicable.push(format!("{} {kind}: {}", rule.id(), stderr(&out).trim()));
                    applied = false;
                    break;
                }
            }
            if !applied {
                continue;
            }
            let cfg = Config {
                select: Some(vec![rule.id().to_string()]),
                ..Config::default()
            };
            let report = pgvet::lint_sources(files, &cfg, &settings);
            let lint = lint_pairs(&report);
            let mut opts = live_options(cluster.socket_url(&db));
            opts.exposed_schemas = Some(settings.exposed_schemas.clone());
            let audit = pgvet::audit(&opts, &cfg).unwrap();
            let live = pairs(audit.findings.iter());
            if lint != live {
                failures.push(format!("{} {kind}:\n{}", rule.id(), diff(&lint, &live)));
            }
            compared += 1;
        }
    }
    eprintln!(
        "compared {compared} examples; not applicable on PostgreSQL:\n{}",
        not_applicable.join("\n")
    );
    // Schema rules' examples must all apply: they describe real schemas.
    for line in &not_applicable {
        let id = line.split_whitespace().next().unwrap_or_default();
        assert!(
            !schema_rule(id),
            "a schema rule's example does not apply: {line}"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn audit_reads_in_a_read_only_snapshot_as_an_unprivileged_role() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    template(&cluster);
    fresh_db(&cluster, "ro");
    cluster.sql(
        "ro",
        "create table public.notes (id bigint primary key, body text);\n\
         create role auditor login password 'auditor-pw';\n\
         grant connect on database ro to auditor;",
    );
    // The role can read the catalog but owns nothing and may write nothing.
    let url = format!(
        "host={} port={} user=auditor dbname=ro",
        cluster.socket_dir().display(),
        cluster.port
    );
    for connections in [1, 2] {
        let opts = LiveOptions {
            connections,
            ..live_options(url.clone())
        };
        let snapshot = pgvet::source::live::load(&opts).unwrap();
        assert!(
            snapshot.read_only,
            "{connections} connection(s): a snapshot transaction was not read-only"
        );
        assert!(snapshot
            .catalog
            .tables
            .keys()
            .any(|t| t.to_string() == "public.notes"));
    }
}

#[test]
fn connection_failures_are_one_clear_line_without_the_password() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let run = |url: String, mode: SslMode| -> String {
        let mut opts = live_options(url);
        opts.connect.sslmode = Some(mode);
        opts.connect.connect_timeout = Some(std::time::Duration::from_secs(5));
        match pgvet::audit(&opts, &Config::default()) {
            Ok(_) => panic!("expected a failure"),
            Err(e) => e.to_string(),
        }
    };
    let closed_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let cases = [
        (
            "wrong port",
            run(
                format!("postgresql://postgres:{PASSWORD}@127.0.0.1:{closed_port}/postgres"),
                SslMode::Disable,
            ),
            "refused",
        ),
        (
            "wrong password",
            run(
                cluster.tcp_url("postgres", "not-the-password"),
                SslMode::Disable,
            ),
            "password authentication failed",
        ),
        (
            "missing database",
            run(cluster.tcp_url("no_such_db", PASSWORD), SslMode::Disable),
            "does not exist",
        ),
        (
            "TLS required, server without TLS",
            run(cluster.tcp_url("postgres", PASSWORD), SslMode::Require),
            "TLS",
        ),
    ];
    for (case, message, expected) in cases {
        assert!(
            message.to_lowercase().contains(&expected.to_lowercase()),
            "{case}: {message}"
        );
        assert!(
            !message.contains(PASSWORD),
            "{case}: password printed: {message}"
        );
        assert!(!message.contains("not-the-password"), "{case}: {message}");
        assert!(!message.contains('\n'), "{case}: not one line: {message}");
        assert!(
            message.contains("127.0.0.1"),
            "{case}: names no target: {message}"
        );
    }
    // With the right password and TLS preferred, the server without TLS is fine.
    let mut opts = live_options(cluster.tcp_url("postgres", PASSWORD));
    opts.connect.sslmode = Some(SslMode::Prefer);
    assert!(pgvet::audit(&opts, &Config::default()).is_ok());
}

#[test]
fn lint_with_db_weighs_lock_findings_by_table_size() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    template(&cluster);
    fresh_db(&cluster, "sizes");
    cluster.sql(
        "sizes",
        "create table public.big (id bigint primary key, n int);\n\
         insert into public.big select g, g from generate_series(1, 20000) g;\n\
         create table public.tiny (id bigint primary key, n int);\n\
         insert into public.tiny values (1, 1), (2, 2);\n\
         analyze public.big; analyze public.tiny;",
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("20240101000000_pending.sql"),
        "create table public.pending (id bigint primary key, n int);\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("20240201000000_indexes.sql"),
        "create index big_n on public.big (n);\n\
         create index tiny_n on public.tiny (n);\n\
         create index pending_n on public.pending (n);\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pgvet"))
        .args(["lint", "--format", "json", "--select"])
        .arg("require-concurrent-index-creation")
        .arg("--db")
        .arg(cluster.socket_url("sizes"))
        .args(["--sslmode", "disable"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let by_object: std::collections::BTreeMap<String, (String, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["object"].as_str().unwrap().to_string(),
                (
                    f["severity"].as_str().unwrap().to_string(),
                    f["message"].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect();
    let (sev, msg) = &by_object["public.big"];
    assert_eq!(sev, "error", "{msg}");
    assert!(msg.contains("has about 20,000 rows"), "{msg}");
    let (sev, msg) = &by_object["public.tiny"];
    assert_eq!(sev, "info", "{msg}");
    assert!(msg.contains("has about 2 rows"), "{msg}");
    let (sev, msg) = &by_object["public.pending"];
    assert_eq!(sev, "info", "{msg}");
    assert!(msg.contains("not in the database yet"), "{msg}");
}

/// What only a live database shows: an index a failed CREATE INDEX
/// CONCURRENTLY left invalid, and privileges and storage options set
/// outside any migration pgvet saw.
#[test]
fn audit_reads_invalid_indexes_grants_and_storage_options() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    template(&cluster);
    fresh_db(&cluster, "live_only");
    cluster.sql(
        "live_only",
        "create table public.orders (id bigint primary key, code text not null);
         alter table public.orders enable row level security;
         insert into public.orders values (1, 'a'), (2, 'a');
         alter table public.orders set (autovacuum_enabled = off);
         revoke all on public.orders from anon;",
    );
    // Fails on the duplicate code and leaves the index behind, invalid.
    let out = cluster.psql(
        "live_only",
        &[
            "-c",
            "create unique index concurrently orders_code_key on public.orders (code)",
        ],
    );
    assert!(!out.status.success(), "the concurrent build should fail");
    let cfg = Config {
        select: Some(
            [
                "invalid-index",
                "autovacuum-disabled",
                "pg-graphql-anon-table-exposed",
                "pg-graphql-authenticated-table-exposed",
            ]
            .map(String::from)
            .to_vec(),
        ),
        ..Config::default()
    };
    let report = pgvet::audit(&live_options(cluster.socket_url("live_only")), &cfg).unwrap();
    let found: Vec<String> = report
        .findings
        .iter()
        .map(|f| format!("{} [{}] {}", f.rule, f.object, f.message))
        .collect();
    let has = |rule: &str, text: &str| {
        found
            .iter()
            .any(|f| f.starts_with(&format!("{rule} [public.orders]")) && f.contains(text))
    };
    assert!(has("invalid-index", "`orders_code_key`"), "{found:#?}");
    assert!(has("autovacuum-disabled", "= off"), "{found:#?}");
    assert!(
        has("pg-graphql-authenticated-table-exposed", "`authenticated`"),
        "{found:#?}"
    );
    assert!(
        !found
            .iter()
            .any(|f| f.starts_with("pg-graphql-anon-table-exposed")),
        "{found:#?}"
    );
}

#[test]
fn audit_sees_pgmq_queues_whether_or_not_they_belong_to_the_extension() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    template(&cluster);
    fresh_db(&cluster, "queues");
    // pgmq up to 1.4 added each queue's tables to the extension; later
    // versions leave them out. `legacy` stands for the first kind.
    cluster.sql(
        "queues",
        "create extension pgmq;
         select pgmq.create('legacy');
         select pgmq.create('current');
         select pgmq.create('closed');
         alter extension pgmq add table pgmq.q_legacy;
         alter extension pgmq add table pgmq.a_legacy;
         grant select on pgmq.q_legacy, pgmq.q_current, pgmq.q_closed to authenticated;
         alter table pgmq.q_closed enable row level security;",
    );
    let cfg = Config::default();
    let mut opts = live_options(cluster.socket_url("queues"));
    opts.exposed_schemas = Some(vec!["public".into(), "pgmq_public".into()]);
    let report = pgvet::audit(&opts, &cfg).unwrap();
    let found: Vec<String> = report
        .findings
        .iter()
        .map(|f| format!("{} [{}]", f.rule, f.object))
        .collect();
    assert_eq!(
        found,
        [
            "queue-exposed-in-api [pgmq.q_current]",
            "queue-exposed-in-api [pgmq.q_legacy]"
        ],
        "only the queue rule looks at queue tables"
    );
    // Not exposed: nothing.
    opts.exposed_schemas = Some(vec!["public".into()]);
    let report = pgvet::audit(&opts, &cfg).unwrap();
    assert!(report.findings.is_empty(), "{:?}", report.findings);
}
