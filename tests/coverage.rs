//! Honesty about coverage (issue 9, part 3), from the binary: what pgvet
//! could not analyze is counted in the human summary, listed in JSON, a
//! notice line for GitHub, and with `--strict` (or `strict: true`) an error
//! finding of rule `not-analyzed` that fails the run. Also `pgvet audit` on
//! a real PostgreSQL, when one is installed.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn pgvet(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgvet"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run pgvet")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_str(&stdout(o)).expect("JSON output")
}

/// A temp dir with `m/001.sql` holding `sql`.
fn migrations(sql: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(d.path().join("m")).unwrap();
    std::fs::write(d.path().join("m/001.sql"), sql).unwrap();
    d
}

/// A trigger function whose body PostgreSQL's PL/pgSQL parser rejects.
const BROKEN_TRIGGER: &str = "\
create table public.t (id bigint primary key, n int);
create function public.touch() returns trigger
  language plpgsql set search_path = '' as $$
begin
  new.n := 1;
  retrun new;
end
$$;
";

const DO_BLOCK: &str = "do $$ begin perform 1; end $$;\n";

const DYNAMIC: &str = "\
create function public.run_sql(q text) returns void
  language plpgsql set search_path = '' as $$
begin
  execute q;
end
$$;
";

/// Lints with `--select` of one quiet rule, so only the coverage account speaks.
const QUIET: [&str; 2] = ["--select", "table-without-primary-key"];

fn lint(d: &tempfile::TempDir, extra: &[&str]) -> Output {
    let mut args = vec!["lint"];
    args.extend(QUIET);
    args.extend(extra);
    args.push("m");
    pgvet(d.path(), &args)
}

/// The `not_analyzed` entries as (kind, object, line).
fn gaps(doc: &Value) -> Vec<(String, String, u64)> {
    doc["not_analyzed"]
        .as_array()
        .expect("not_analyzed is an array")
        .iter()
        .map(|g| {
            (
                g["kind"].as_str().unwrap().to_string(),
                g["object"].as_str().unwrap().to_string(),
                g["location"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

#[test]
fn a_trigger_body_that_does_not_parse_is_counted_and_listed() {
    let d = migrations(BROKEN_TRIGGER);
    let o = lint(&d, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(
        out.contains(
            "0 input errors, 1 statement not analyzed (1 plpgsql-body-unparsed)\nnote: pgvet could not check these; `--format json` lists them, `--strict` reports each as an error\n"
        ),
        "{out}"
    );

    let doc = json(&lint(&d, &["--format", "json"]));
    assert_eq!(
        gaps(&doc),
        [(
            "plpgsql-body-unparsed".to_string(),
            "public.touch".to_string(),
            2
        )]
    );
    let reason = doc["not_analyzed"][0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("syntax error at or near \"retrun\""),
        "{reason}"
    );
    assert_eq!(doc["not_analyzed"][0]["location"]["file"], "m/001.sql");
    assert_eq!(doc["summary"]["not_analyzed"], 1);
}

#[test]
fn a_do_block_is_listed() {
    let d = migrations(&format!("select 1;\n{DO_BLOCK}"));
    let doc = json(&lint(&d, &["--format", "json"]));
    assert_eq!(
        gaps(&doc),
        [("do-block".to_string(), "m/001.sql".to_string(), 2)]
    );
}

#[test]
fn dynamic_sql_in_a_function_is_listed_at_its_execute() {
    let d = migrations(DYNAMIC);
    let doc = json(&lint(&d, &["--format", "json"]));
    assert_eq!(
        gaps(&doc),
        [("dynamic-sql".to_string(), "public.run_sql".to_string(), 4)]
    );
    assert_eq!(doc["not_analyzed"][0]["location"]["column"], 3);
}

#[test]
fn strict_makes_each_gap_an_error_and_exits_1() {
    let d = migrations(&format!("{BROKEN_TRIGGER}{DO_BLOCK}{DYNAMIC}"));
    assert_eq!(lint(&d, &[]).status.code(), Some(0));
    let o = lint(&d, &["--strict", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let doc = json(&o);
    let strict: Vec<(String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "not-analyzed")
        .map(|f| {
            assert_eq!(f["severity"], "error");
            (
                f["object"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let listed: Vec<(String, String)> = doc["not_analyzed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["object"].as_str().unwrap().to_string(),
                g["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(strict.len(), 3, "{strict:?}");
    assert_eq!(strict, listed, "one error per gap, in the same order");

    // Human output shows them as findings, so the hint is left out.
    let human = stdout(&lint(&d, &["--strict"]));
    assert!(
        human.contains("error[not-analyzed]: this `DO` block"),
        "{human}"
    );
    assert!(
        human.contains(
            "3 statements not analyzed (1 plpgsql-body-unparsed, 1 dynamic-sql, 1 do-block)"
        ),
        "{human}"
    );
    assert!(!human.contains("note: pgvet could not check"), "{human}");
}

#[test]
fn strict_true_in_the_config_does_what_the_flag_does() {
    let d = migrations(DO_BLOCK);
    std::fs::write(d.path().join("pgvet.yaml"), "strict: true\n").unwrap();
    let o = lint(&d, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("error[not-analyzed]"), "{}", stdout(&o));
}

#[test]
fn a_suppressed_gap_passes_strict_and_stays_listed() {
    let d = migrations(&format!(
        "-- pgvet-ignore not-analyzed: creates the reporting views on the replica only\n{DO_BLOCK}"
    ));
    let o = lint(&d, &["--strict", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let doc = json(&o);
    assert_eq!(doc["findings"], Value::Array(Vec::new()));
    assert_eq!(gaps(&doc).len(), 1);
}

#[test]
fn a_clean_file_has_no_gaps_and_no_summary_text() {
    let d = migrations("create table public.t (id bigint primary key);\n");
    let o = lint(&d, &["--strict"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(!out.contains("not analyzed"), "{out}");
    assert!(!out.contains("note:"), "{out}");
    let doc = json(&lint(&d, &["--format", "json"]));
    assert_eq!(doc["not_analyzed"], Value::Array(Vec::new()));
    assert_eq!(doc["summary"]["not_analyzed"], 0);
    let github = stdout(&lint(&d, &["--format", "github"]));
    assert!(!github.contains("not-analyzed"), "{github}");
}

#[test]
fn github_gets_one_notice_and_sarif_one_notification_per_gap() {
    let d = migrations(&format!("{DO_BLOCK}{DYNAMIC}"));
    let github = stdout(&lint(&d, &["--format", "github"]));
    assert_eq!(
        github,
        "::notice title=not-analyzed::2 statements not analyzed (1 dynamic-sql, 1 do-block); `--format json` lists them, `--strict` reports each as an error\n"
    );
    let sarif: Value = serde_json::from_str(&stdout(&lint(&d, &["--format", "sarif"]))).unwrap();
    let run = &sarif["runs"][0];
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    let kinds: Vec<&str> = notes
        .iter()
        .map(|n| {
            assert_eq!(n["level"], "note");
            assert_eq!(n["descriptor"]["id"], "not-analyzed");
            let index = usize::try_from(n["descriptor"]["index"].as_u64().unwrap()).unwrap();
            assert_eq!(
                run["tool"]["driver"]["notifications"][index]["id"],
                "not-analyzed"
            );
            n["properties"]["tags"][0].as_str().unwrap()
        })
        .collect();
    assert_eq!(kinds, ["do-block", "dynamic-sql"]);
    assert_eq!(
        notes[1]["locations"][0]["physicalLocation"]["region"]["startLine"],
        5
    );
}

#[test]
fn audit_lists_a_body_that_does_not_parse_and_strict_fails() {
    let Some(cluster) = support::pg::Cluster::start() else {
        return;
    };
    cluster.create_db("gaps");
    // pg_dump output stores bodies unchecked; PostgreSQL accepts this one then.
    cluster.sql(
        "gaps",
        &format!(
            "set check_function_bodies = off;\ncreate schema app;\n{}{}",
            BROKEN_TRIGGER.replace("public.", "app."),
            DYNAMIC.replace("public.", "app.")
        ),
    );
    let d = tempfile::tempdir().unwrap();
    let url = cluster.socket_url("gaps");
    let audit = |extra: &[&str]| {
        let mut args = vec!["audit", "--db", &url, "--sslmode", "disable"];
        args.extend(QUIET);
        args.extend(extra);
        pgvet(d.path(), &args)
    };
    let o = audit(&["--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let doc = json(&o);
    assert_eq!(
        gaps(&doc),
        [
            (
                "plpgsql-body-unparsed".to_string(),
                "app.touch".to_string(),
                0
            ),
            ("dynamic-sql".to_string(), "app.run_sql".to_string(), 0)
        ]
    );
    assert!(doc["not_analyzed"][0]["location"].is_null());

    let human = stdout(&audit(&[]));
    assert!(
        human.contains("2 definitions not analyzed (1 plpgsql-body-unparsed, 1 dynamic-sql)"),
        "{human}"
    );
    let o = audit(&["--strict"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("error[not-analyzed]: the PL/pgSQL body of `app.touch`"),
        "{}",
        stdout(&o)
    );
}
