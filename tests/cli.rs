//! The binary: exit codes, formats, bad input.

use std::path::Path;
use std::process::{Command, Output};

fn pgvet(dir: &Path, args: &[&str]) -> Output {
    pgvet_env(dir, args, &[])
}

/// The binary with these variables set, and neither color variable else.
fn pgvet_env(dir: &Path, args: &[&str], vars: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgvet"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .envs(vars.iter().copied())
        .output()
        .expect("run pgvet")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const CLEAN: &str = "create table t (id bigint primary key);\n";
/// Warns (table-without-primary-key) and nothing else on plain PostgreSQL.
const WARNS: &str = "create table t (id bigint);\n";

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn clean_migrations_exit_0() {
    let d = tmp();
    write(d.path(), "m/001.sql", CLEAN);
    let o = pgvet(
        d.path(),
        &["lint", "--select", "table-without-primary-key", "m"],
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn findings_exit_1_and_fail_on_controls_it() {
    let d = tmp();
    write(d.path(), "m/001.sql", WARNS);
    let base = ["lint", "--select", "table-without-primary-key", "m"];
    assert_eq!(pgvet(d.path(), &base).status.code(), Some(1));
    let with = |flag: &'static str| [&base[..], &["--fail-on", flag]].concat();
    assert_eq!(pgvet(d.path(), &with("error")).status.code(), Some(0));
    assert_eq!(pgvet(d.path(), &with("never")).status.code(), Some(0));
    assert_eq!(pgvet(d.path(), &with("info")).status.code(), Some(1));
}

#[test]
fn check_is_lint_by_another_name() {
    let d = tmp();
    write(d.path(), "m/001.sql", WARNS);
    let lint = pgvet(d.path(), &["lint", "--format", "json", "m"]);
    let check = pgvet(d.path(), &["check", "--format", "json", "m"]);
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
    assert_eq!(stdout(&check), stdout(&lint));
    let fail = pgvet(d.path(), &["check", "--fail-on", "never", "m"]);
    assert_eq!(fail.status.code(), Some(0));
}

#[test]
fn unparseable_sql_exits_2_names_file_line_column_and_other_files_still_lint() {
    let d = tmp();
    write(
        d.path(),
        "m/001_bad.sql",
        "create table ok (id int primary key);\n\ncreate tabel broken (id int);\n",
    );
    write(d.path(), "m/002_next.sql", WARNS);
    let o = pgvet(
        d.path(),
        &["lint", "--select", "table-without-primary-key", "m"],
    );
    assert_eq!(o.status.code(), Some(2));
    let out = stdout(&o);
    assert!(
        out.contains("m/001_bad.sql:3:8: syntax error at or near \"tabel\""),
        "{out}"
    );
    assert!(
        out.contains("table `public.t` has no primary key"),
        "other file not linted:\n{out}"
    );
}

#[test]
fn empty_directory_exits_2() {
    let d = tmp();
    std::fs::create_dir(d.path().join("empty")).unwrap();
    let o = pgvet(d.path(), &["lint", "empty"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stdout(&o).contains("no .sql files in directory `empty`"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn missing_path_exits_2_and_still_lints_the_rest() {
    let d = tmp();
    write(d.path(), "a.sql", WARNS);
    let o = pgvet(d.path(), &["lint", "--format", "json", "nope.sql", "a.sql"]);
    assert_eq!(o.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["errors"][0]["file"], "nope.sql");
    assert!(v["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("no such file"));
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule"] == "table-without-primary-key"));
}

#[test]
fn non_utf8_file_exits_2_with_its_position() {
    let d = tmp();
    std::fs::write(
        d.path().join("latin1.sql"),
        b"-- caf\xe9\ncreate table t (id int primary key);\n",
    )
    .unwrap();
    let o = pgvet(d.path(), &["lint", "latin1.sql"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stdout(&o).contains("latin1.sql:1:7: file is not valid UTF-8"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn unterminated_dollar_quote_is_an_error_not_a_panic() {
    let d = tmp();
    write(
        d.path(),
        "f.sql",
        "create function f() returns int as $$ select 1;\n",
    );
    let o = pgvet(d.path(), &["lint", "f.sql"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("f.sql:1:"), "{}", stdout(&o));
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
}

#[test]
fn json_has_the_published_shape() {
    let d = tmp();
    write(
        d.path(),
        "a.sql",
        "create table t (id int);\ncreate tabel x ();\n",
    );
    let o = pgvet(
        d.path(),
        &[
            "lint",
            "--format",
            "json",
            "--select",
            "table-without-primary-key",
            "a.sql",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(v["version"], 1);
    assert_eq!(
        keys(&v),
        ["errors", "findings", "not_analyzed", "summary", "version"]
    );
    let f = &v["findings"][0];
    assert_eq!(
        keys(f),
        ["help", "location", "message", "object", "rule", "severity"]
    );
    assert_eq!(
        keys(&f["location"]),
        ["column", "end_column", "end_line", "file", "line"]
    );
    assert_eq!(f["rule"], "table-without-primary-key");
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["object"], "public.t");
    assert_eq!(f["location"]["line"], 1);
    assert_eq!(keys(&v["errors"][0]), ["file", "line", "message"]);
    assert_eq!(v["errors"][0]["line"], 2);
    assert_eq!(
        keys(&v["summary"]),
        [
            "errors",
            "files",
            "findings",
            "not_analyzed",
            "rules",
            "runner",
            "skipped_files",
            "statements"
        ]
    );
    assert_eq!(
        v["summary"]["rules"],
        serde_json::json!([{
            "rule": "table-without-primary-key",
            "severity": "warning",
            "count": 1,
            "fixable": 0,
            "title": "Table without a primary key"
        }])
    );
    assert_eq!(v["summary"]["runner"], "plain");
    assert_eq!(v["summary"]["skipped_files"], serde_json::json!([]));
    assert_eq!(v["not_analyzed"], serde_json::json!([]));
    assert_eq!(v["summary"]["statements"], 1);
}

#[test]
fn human_output_has_frame_and_help_and_no_color_when_piped() {
    let d = tmp();
    write(d.path(), "a.sql", WARNS);
    let o = pgvet(
        d.path(),
        &["lint", "--select", "table-without-primary-key", "a.sql"],
    );
    let out = stdout(&o);
    assert!(
        !out.contains('\u{1b}'),
        "color escape codes in piped output:\n{out}"
    );
    assert!(
        out.contains("warning[table-without-primary-key]: table `public.t` has no primary key"),
        "{out}"
    );
    assert!(out.contains("a.sql:1:1"), "{out}");
    assert!(
        out.contains("create table t (id bigint);"),
        "no code frame:\n{out}"
    );
    assert!(out.contains("help:"), "{out}");
    assert!(
        out.contains(
            "1 file, 1 statement: 1 finding (0 errors, 1 warning, 0 info), 0 input errors"
        ),
        "{out}"
    );
}

#[test]
fn color_follows_the_flag_then_clicolor_force_and_no_color() {
    let d = tmp();
    write(d.path(), "a.sql", WARNS);
    let colored = |args: &[&str], vars: &[(&str, &str)]| {
        let base = ["lint", "--select", "table-without-primary-key", "a.sql"];
        let o = pgvet_env(d.path(), &[&base[..], args].concat(), vars);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        stdout(&o).contains('\u{1b}')
    };
    assert!(colored(&["--color", "always"], &[]));
    assert!(!colored(&["--color", "never"], &[("CLICOLOR_FORCE", "1")]));
    assert!(colored(&[], &[("CLICOLOR_FORCE", "1")]));
    assert!(!colored(&[], &[("CLICOLOR_FORCE", "0")]));
    assert!(!colored(&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]));
    assert!(colored(&["--color", "always"], &[("NO_COLOR", "1")]));
    assert!(!colored(&["--color", "always", "--format", "concise"], &[]));
}

#[test]
fn no_path_autodetects_supabase_migrations() {
    let d = tmp();
    write(
        d.path(),
        "supabase/config.toml",
        "[api]\nschemas = [\"public\"]\n",
    );
    write(
        d.path(),
        "supabase/migrations/20250101000000_init.sql",
        "create table public.t (id uuid primary key references auth.users);\n",
    );
    let o = pgvet(d.path(), &["lint", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // auth.users exists only on the Supabase platform, detected from config.toml.
    assert!(v["errors"].as_array().unwrap().is_empty(), "{v}");
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"rls-disabled"), "{rules:?}");
    assert!(!rules.contains(&"undefined-object"), "{rules:?}");
}

#[test]
fn no_path_and_no_migrations_dir_is_a_usage_error() {
    let d = tmp();
    let o = pgvet(d.path(), &["lint"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no migrations found"), "{}", stderr(&o));
}

#[test]
fn config_file_is_found_upward_and_applied() {
    let d = tmp();
    write(
        d.path(),
        "pgvet.yaml",
        "rules:\n  table-without-primary-key: error\nselect: [table-without-primary-key]\n",
    );
    write(d.path(), "sub/m/001.sql", WARNS);
    let o = pgvet(
        &d.path().join("sub"),
        &["lint", "--format", "json", "--fail-on", "error", "m"],
    );
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["findings"][0]["severity"], "error");
}

#[test]
fn bad_config_exits_2_naming_the_key() {
    let d = tmp();
    write(d.path(), "pgvet.yaml", "ignroe: [fk-missing-index]\n");
    write(d.path(), "a.sql", CLEAN);
    let o = pgvet(d.path(), &["lint", "a.sql"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("ignroe"), "{}", stderr(&o));
}

#[test]
fn unknown_rule_on_the_command_line_exits_2() {
    let d = tmp();
    write(d.path(), "a.sql", CLEAN);
    let o = pgvet(d.path(), &["lint", "--ignore", "rls-disabld", "a.sql"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean `rls-disabled`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn explain_suggests_the_closest_id_and_reads_aliases() {
    let o = pgvet(Path::new("."), &["explain", "fk-mising-index"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown rule `fk-mising-index` (did you mean `fk-missing-index`?)"),
        "{}",
        stderr(&o)
    );
    let o = pgvet(Path::new("."), &["explain", "drift-misssing"]);
    assert!(
        stderr(&o).contains("(did you mean `drift-missing`?)"),
        "{}",
        stderr(&o)
    );
    let o = pgvet(Path::new("."), &["explain", "prefer-timestamp-tz"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("prefer-timestamptz \u{2014}"), "{out}");
    assert!(out.contains("aliases: prefer-timestamp-tz"), "{out}");
    let o = pgvet(Path::new("."), &["explain", "index-naming"]);
    assert!(stdout(&o).contains("default: off"), "{}", stdout(&o));
}

#[test]
fn rules_say_which_are_on_by_default() {
    let o = pgvet(Path::new("."), &["rules"]);
    let out = stdout(&o);
    let header = out.lines().next().unwrap_or_default();
    assert!(
        header
            .split_whitespace()
            .eq(["rule", "severity", "category", "default", "title"]),
        "{header}"
    );
    let row = |id: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("{id} ")))
            .map(|l| l.split_whitespace().nth(3).unwrap_or_default().to_string())
    };
    assert_eq!(row("index-naming").as_deref(), Some("off"), "{out}");
    assert_eq!(row("fk-missing-index").as_deref(), Some("on"), "{out}");
    let title_at = header.find("title").unwrap();
    for line in out.lines() {
        assert!(
            line.get(title_at - 2..title_at) == Some("  ") && !line[title_at..].starts_with(' '),
            "misaligned: {line}"
        );
    }
    let o = pgvet(Path::new("."), &["rules", "--format", "json"]);
    let list: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let enabled = |id: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .map(|r| r["default_enabled"].clone())
    };
    assert_eq!(enabled("index-naming"), Some(serde_json::json!(false)));
    assert_eq!(enabled("fk-missing-index"), Some(serde_json::json!(true)));
}

#[test]
fn version_names_the_postgresql_grammar_of_the_parser() {
    for flag in ["--version", "-V"] {
        let o = pgvet(Path::new("."), &[flag]);
        assert_eq!(o.status.code(), Some(0));
        let out = stdout(&o);
        let prefix = format!("pgvet {} (parser: PostgreSQL ", env!("CARGO_PKG_VERSION"));
        let pg = out
            .trim_end()
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(" grammar, libpg_query)"))
            .unwrap_or_else(|| panic!("{flag}: {out}"));
        let (major, minor) = pg.split_once('.').unwrap_or_else(|| panic!("{pg}"));
        assert!(major.parse::<u32>().unwrap() >= 13, "{pg}");
        minor.parse::<u32>().unwrap();
    }
}

#[test]
fn no_arguments_prints_a_short_usage_and_exits_2() {
    let o = pgvet(Path::new("."), &[]);
    assert_eq!(o.status.code(), Some(2), "a usage error");
    assert!(stdout(&o).is_empty());
    let err = stderr(&o);
    for job in ["lint", "audit", "drift", "fix", "explain", "server"] {
        assert!(
            err.contains(&format!("\n  {job} ")),
            "{job} missing from:\n{err}"
        );
    }
    assert!(err.lines().count() < 20, "short:\n{err}");
    // `pgvet help` still lists every command, on stdout.
    let o = pgvet(Path::new("."), &["help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("baseline"));
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let o = pgvet(Path::new("."), &["lint", "--frobnicate"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn rules_lists_every_rule_and_explain_shows_docs() {
    let o = pgvet(Path::new("."), &["rules"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    for id in [
        "fk-missing-index",
        "security-definer-search-path",
        "rls-disabled",
        "rls-enabled-no-policy",
        "policy-exists-rls-disabled",
        "table-without-primary-key",
        "undefined-object",
    ] {
        assert!(out.contains(id), "{id} missing from:\n{out}");
    }
    let o = pgvet(Path::new("."), &["explain", "fk-missing-index"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    for section in ["Bad:", "Good:", "Fix:", "severity: warning"] {
        assert!(out.contains(section), "{section} missing from:\n{out}");
    }
    assert_eq!(
        pgvet(Path::new("."), &["explain", "no-such-rule"])
            .status
            .code(),
        Some(2)
    );
    // What `pgvet drift` reports is explained too, though no rule makes it.
    for (id, says) in [
        ("drift-missing", "not in the database"),
        ("drift-extra", "no migration makes"),
        ("drift-changed", "both values"),
        ("drift-unapplied", "history"),
        ("drift-unknown-migration", "no migration\nfile"),
    ] {
        let o = pgvet(Path::new("."), &["explain", id]);
        assert_eq!(o.status.code(), Some(0), "{id}");
        let out = stdout(&o);
        assert!(out.starts_with(id) && out.contains(says), "{id}:\n{out}");
    }
}

#[test]
fn bom_and_crlf_keep_locations_right() {
    let d = tmp();
    std::fs::write(
        d.path().join("a.sql"),
        b"\xef\xbb\xbfcreate table b (id int);\r\n\r\ncreate table c (id int);\r\n",
    )
    .unwrap();
    let o = pgvet(
        d.path(),
        &[
            "lint",
            "--format",
            "json",
            "--select",
            "table-without-primary-key",
            "a.sql",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let at: Vec<(u64, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["location"]["line"].as_u64().unwrap(),
                f["location"]["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(at, [(1, 1), (3, 1)]);
}

#[test]
fn nul_byte_and_absurd_nesting_are_errors_not_crashes() {
    let d = tmp();
    std::fs::write(
        d.path().join("nul.sql"),
        b"create table a (id int primary key);\n\x00",
    )
    .unwrap();
    let deep = format!("select {}1{};\n", "(".repeat(10_000), ")".repeat(10_000));
    write(d.path(), "deep.sql", &deep);
    let o = pgvet(
        d.path(),
        &["lint", "--format", "json", "nul.sql", "deep.sql"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{v}");
    assert!(
        errors[0]["message"].as_str().unwrap().contains("NUL"),
        "{v}"
    );
    assert_eq!(errors[0]["line"], 2);
}

#[test]
fn audit_usage_errors_and_unreachable_databases_exit_2_without_the_password() {
    let d = tmp();
    let closed_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("postgresql://postgres:hunter2@127.0.0.1:{closed_port}/app");
    for args in [
        vec!["audit", "--db", url.as_str(), "--sslmode", "sometimes"],
        vec!["audit", "--db", url.as_str(), "--statement-timeout", "soon"],
        vec!["audit", "--db", url.as_str(), "--sslmode", "disable"],
    ] {
        let out = pgvet(d.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.starts_with("pgvet: "), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(!err.contains("hunter2"), "{args:?}: {err}");
    }
    let out = pgvet(d.path(), &["audit", "--db", &url, "--sslmode", "disable"]);
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "cannot connect to postgres@127.0.0.1:{closed_port}/app"
        )),
        "{err}"
    );
}

#[test]
fn assume_existing_treats_unknown_tables_as_old_and_defined() {
    let d = tmp();
    write(
        d.path(),
        "one.sql",
        "create index legacy_n on legacy (n);\n",
    );
    let rules = "undefined-object,require-concurrent-index-creation";
    let plain = pgvet(
        d.path(),
        &["lint", "--format", "json", "--select", rules, "one.sql"],
    );
    let out = stdout(&plain);
    assert!(out.contains("\"undefined-object\""), "{out}");
    assert!(
        out.contains("\"require-concurrent-index-creation\""),
        "{out}"
    );
    let assumed = pgvet(
        d.path(),
        &[
            "lint",
            "--assume-existing",
            "--format",
            "json",
            "--select",
            rules,
            "one.sql",
        ],
    );
    let out = stdout(&assumed);
    assert!(!out.contains("\"undefined-object\""), "{out}");
    assert!(
        out.contains("\"require-concurrent-index-creation\""),
        "{out}"
    );
}

#[test]
fn lint_db_that_cannot_be_reached_exits_2_without_the_password() {
    let d = tmp();
    write(d.path(), "one.sql", CLEAN);
    let closed_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("postgresql://me:s3cret-pw@127.0.0.1:{closed_port}/app");
    let o = pgvet(
        d.path(),
        &["lint", "--db", &url, "--sslmode", "disable", "one.sql"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!stderr(&o).contains("s3cret-pw"), "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot connect"), "{}", stderr(&o));
}

#[test]
fn init_writes_a_config_that_lint_then_uses() {
    let d = tmp();
    write(
        d.path(),
        "supabase/config.toml",
        "[api]\nschemas = [\"public\", \"api\"]\n",
    );
    write(d.path(), "supabase/migrations/001_init.sql", WARNS);
    let o = pgvet(d.path(), &["init"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(d.path().join("pgvet.yaml")).unwrap();
    assert!(text.contains("exposed_schemas: [public, api]"), "{text}");
    // A second init does not overwrite; --force does.
    let again = pgvet(d.path(), &["init"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
    assert_eq!(pgvet(d.path(), &["init", "--force"]).status.code(), Some(0));
    // No path: lint reads migrations.dir from the config it wrote.
    let lint = pgvet(d.path(), &["lint", "--select", "table-without-primary-key"]);
    assert_eq!(
        lint.status.code(),
        Some(1),
        "{}{}",
        stdout(&lint),
        stderr(&lint)
    );
    assert!(stdout(&lint).contains("001_init.sql"), "{}", stdout(&lint));
}

/// No HTTP API serves a plain PostgreSQL project unless its config says so;
/// Supabase's serves `public`.
#[test]
fn api_rules_need_an_api_plain_postgres_has_none_by_default() {
    let d = tmp();
    write(
        d.path(),
        "m/001_t.sql",
        "create table public.t (id bigint primary key);\n",
    );
    let run = |dir: &Path| pgvet(dir, &["lint", "--select", "rls-disabled", "m"]);
    let o = run(d.path());
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("0 findings"), "{}", stdout(&o));
    // A PostgREST project names the schemas it serves.
    write(d.path(), "pgvet.yaml", "exposed_schemas: [public]\n");
    let o = run(d.path());
    assert!(stdout(&o).contains("rls-disabled"), "{}", stdout(&o));
    // A Supabase project serves `public` without saying so.
    let s = tmp();
    write(
        s.path(),
        "m/001_t.sql",
        "create table public.t (id bigint primary key);\n",
    );
    write(s.path(), "supabase/config.toml", "project_id = \"x\"\n");
    let o = run(s.path());
    assert!(stdout(&o).contains("rls-disabled"), "{}", stdout(&o));
}

#[test]
fn a_supabase_config_toml_that_does_not_parse_exits_2_naming_file_and_line() {
    let d = tmp();
    // The API really serves `api`; had the broken file been ignored, pgvet
    // would check `public` only and pass the table without RLS.
    write(
        d.path(),
        "supabase/config.toml",
        "[api]\nschemas = [\"public\", \"api\"\n",
    );
    write(
        d.path(),
        "supabase/migrations/001_a.sql",
        "create schema api;\ncreate table api.t (id bigint primary key);\n",
    );
    let o = pgvet(d.path(), &["lint"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("supabase/config.toml") && err.contains("line 2, column 27: unclosed array"),
        "{err}"
    );

    write(
        d.path(),
        "supabase/config.toml",
        "[api]\nschemas = [\"public\", \"api\"]\n",
    );
    let o = pgvet(d.path(), &["lint", "--format", "concise"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("[rls-disabled] table `api.t`"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_misspelt_exposed_schema_is_a_warning_with_a_suggestion() {
    let d = tmp();
    write(
        d.path(),
        "pgvet.yaml",
        "platform: supabase\nexposed_schemas: [public, apl]\n",
    );
    write(d.path(), "m/001_a.sql", "create schema api;\n");
    let o = pgvet(d.path(), &["lint", "--format", "concise", "m"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(
            "apl: warning[exposed-schema-missing] schema `apl` is configured as exposed but does not exist (did you mean `api`?)"
        ),
        "{}",
        stdout(&o)
    );
}

/// `--history-table` says where the runner keeps its history when its own
/// command line moves it: the table is there before the first migration
/// (a view over it names a table that exists); a name that is not
/// `schema.table` or `table` is a usage error.
#[test]
fn history_table_flag_moves_the_runners_table() {
    let d = tmp();
    write(
        d.path(),
        "m/1_applied.sql",
        "-- +goose Up\ncreate view public.applied as select version_id from meta.goose_log;\n",
    );
    let undefined = |args: &[&str]| {
        let o = pgvet(
            d.path(),
            &[
                &["lint", "--format", "json", "--select", "undefined-object"],
                args,
                &["m"],
            ]
            .concat(),
        );
        let v: serde_json::Value =
            serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)));
        v["findings"].as_array().unwrap().len()
    };
    assert_eq!(undefined(&[]), 1);
    assert_eq!(undefined(&["--history-table", "meta.goose_log"]), 0);
    write(
        d.path(),
        "pgvet.yaml",
        "migrations:\n  history_table: meta.goose_log\n",
    );
    assert_eq!(undefined(&[]), 0);
    let o = pgvet(d.path(), &["lint", "--history-table", "a.b.c", "m"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("`a.b.c` is not `schema.table` or `table`"),
        "{}",
        stderr(&o)
    );
}
