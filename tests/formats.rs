//! The CI formats from the binary: SARIF (valid against the official 2.1.0
//! schema in tests/schemas/), GitHub workflow commands (with their escaping)
//! and GitLab Code Quality, each snapshotted on a seed fixture.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// A few rules of every severity that fire on the fixture, so the snapshots
/// do not change whenever an unrelated rule is added.
const SELECT: &str =
    "security-definer-search-path,fk-missing-index,timestamp-nullable,rls-permissive-or-bypass";
const FIXTURE: &str = "fixtures/video-credits/broken";

fn pgvet(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgvet"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run pgvet")
}

fn text(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

/// The fixture in `format`, from the crate root (paths as a user in the repo sees them).
fn fixture(format: &str, select: bool) -> String {
    let mut args = vec!["lint", "--format", format];
    if select {
        args.extend(["--select", SELECT]);
    }
    args.push(FIXTURE);
    lint_fixture(&args)
}

/// Runs pgvet from the crate root, which must find something (exit 1).
fn lint_fixture(args: &[&str]) -> String {
    lint_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

/// Runs pgvet in `dir`, which must find something (exit 1): its stdout.
fn lint_in(dir: &Path, args: &[&str]) -> String {
    let o = pgvet(dir, args);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    text(&o)
}

fn write(dir: &Path, name: &str, body: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, body).unwrap();
}

/// Migrations whose file names and messages hold every character the
/// formats must escape: `%`, `,`, `:`, a newline (in a quoted identifier),
/// and a file that does not parse.
fn awkward_dir() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "m/001_a,b:c 100%.sql",
        "create table \"100%\nrate, a:b\" (id int);\n",
    );
    write(d.path(), "m/002_bad,1.sql", "create tabel t (id int);\n");
    d
}

fn awkward(format: &str) -> String {
    let d = awkward_dir();
    let o = pgvet(
        d.path(),
        &[
            "lint",
            "--format",
            format,
            "--select",
            "table-without-primary-key",
            "m",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "the bad file makes it exit 2");
    text(&o)
}

fn sarif_validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-2.1.0.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn schema_errors(doc: &Value) -> Vec<String> {
    sarif_validator()
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// SARIF of what pgvet could not analyze (a DO block, dynamic SQL), under
/// `--strict`: notifications with tags, and results of `not-analyzed`.
fn not_analyzed_sarif() -> String {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "m/001.sql",
        "do $$ begin perform 1; end $$;\n\
         create function public.run_sql(q text) returns void language plpgsql\n\
         set search_path = '' as $$ begin execute q; end $$;\n",
    );
    let o = pgvet(d.path(), &["lint", "--strict", "--format", "sarif", "m"]);
    assert_eq!(o.status.code(), Some(1), "strict makes the gaps errors");
    text(&o)
}

#[test]
fn sarif_is_valid_against_the_official_2_1_0_schema() {
    for (what, out) in [
        ("fixture", fixture("sarif", false)),
        ("awkward input", awkward("sarif")),
        ("not analyzed", not_analyzed_sarif()),
    ] {
        let doc: Value = serde_json::from_str(&out).unwrap();
        let errors = schema_errors(&doc);
        assert!(errors.is_empty(), "{what}:\n{}", errors.join("\n"));
    }
}

#[test]
fn schema_check_catches_an_invalid_log() {
    // The validation above must be able to fail: a level SARIF does not
    // define and a region starting at line 0 are both rejected.
    let mut doc: Value = serde_json::from_str(&fixture("sarif", true)).unwrap();
    doc["runs"][0]["results"][0]["level"] = Value::from("fatal");
    doc["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        Value::from(0);
    let errors = schema_errors(&doc);
    assert!(
        errors.iter().any(|e| e.contains("/results/0/level")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.contains("/region/startLine")),
        "{errors:?}"
    );
}

#[test]
fn sarif_describes_every_rule_and_results_point_at_theirs() {
    let doc: Value = serde_json::from_str(&fixture("sarif", false)).unwrap();
    let run = &doc["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let registry = pgvet::rules::all();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let expected: Vec<&str> = registry.iter().map(|r| r.id()).collect();
    assert_eq!(ids, expected);

    let fk = registry
        .iter()
        .position(|r| r.id() == "fk-missing-index")
        .unwrap();
    let doc_fk = &registry[fk].doc;
    let d = &rules[fk];
    assert_eq!(d["name"], "FkMissingIndex");
    assert_eq!(d["shortDescription"]["text"], doc_fk.title.as_str());
    assert_eq!(d["fullDescription"]["text"], doc_fk.summary.trim());
    assert_eq!(d["defaultConfiguration"]["level"], "warning");
    assert!(d["help"]["text"]
        .as_str()
        .unwrap()
        .starts_with(doc_fk.help.trim()));
    assert!(d["help"]["markdown"].as_str().unwrap().contains("**Fix**"));
    let off = registry
        .iter()
        .position(|r| !r.doc.default_enabled)
        .unwrap();
    assert_eq!(rules[off]["defaultConfiguration"]["enabled"], false);

    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let index = usize::try_from(r["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(rules[index]["id"], r["ruleId"]);
    }
}

/// The SARIF log with what changes without any change to the formatter
/// (the version, the rule docs and their order) taken out.
fn stable_sarif(out: &str) -> String {
    let mut doc: Value = serde_json::from_str(out).unwrap();
    let driver = &mut doc["runs"][0]["tool"]["driver"];
    driver["rules"] = Value::from("[one descriptor per rule, checked above]");
    for key in ["version", "semanticVersion"] {
        assert_eq!(driver[key], env!("CARGO_PKG_VERSION"));
        driver[key] = Value::from("[version]");
    }
    for r in doc["runs"][0]["results"].as_array_mut().unwrap() {
        r["ruleIndex"] = Value::from("[index]");
    }
    serde_json::to_string_pretty(&doc).unwrap()
}

#[test]
fn sarif_snapshot() {
    insta::assert_snapshot!(stable_sarif(&fixture("sarif", true)));
}

#[test]
fn sarif_input_errors_are_notifications() {
    insta::assert_snapshot!(stable_sarif(&awkward("sarif")));
}

#[test]
fn github_snapshot() {
    insta::assert_snapshot!(fixture("github", true));
}

#[test]
fn github_escapes_percent_line_breaks_and_property_separators() {
    let out = awkward("github");
    let lines: Vec<&str> = out.lines().collect();
    // One command per line: the newline in the table name did not split one.
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines.iter().all(|l| l.starts_with("::")), "{out}");

    // Input error: `,` in the file name escaped in the property.
    assert_eq!(
        lines[0],
        "::error file=m/002_bad%2C1.sql,line=1,col=8,title=input-error\
         ::syntax error at or near \"tabel\""
    );
    // Finding: `,` `:` `%` escaped in the file property, `%` and LF in the
    // message, while `:` and `,` stay as they are in the message.
    let (command, message) = lines[1].split_at(lines[1].find("::table").unwrap_or(0));
    assert!(
        command.starts_with("::warning file=m/001_a%2Cb%3Ac 100%25.sql,line=1,col="),
        "{command}"
    );
    assert!(
        command.ends_with(",title=table-without-primary-key"),
        "{command}"
    );
    // The newline inside the name is printed as `\n`, not as a line break.
    assert!(message.contains("100%25\\nrate, a:b"), "{message}");
    assert!(!message.contains('\n'));
}

#[test]
fn gitlab_snapshot() {
    insta::assert_snapshot!(fixture("gitlab", true));
}

#[test]
fn gitlab_input_errors_are_blockers() {
    let issues: Value = serde_json::from_str(&awkward("gitlab")).unwrap();
    let bad = &issues[0];
    assert_eq!(bad["check_name"], "input-error");
    assert_eq!(bad["severity"], "blocker");
    assert_eq!(bad["location"]["path"], "m/002_bad,1.sql");
    assert_eq!(bad["location"]["lines"]["begin"], 1);
    assert_eq!(issues[1]["check_name"], "table-without-primary-key");
    assert_eq!(issues[1]["severity"], "minor");
}

#[test]
fn fingerprints_are_shared_unique_and_blind_to_line_numbers() {
    let gitlab: Value = serde_json::from_str(&fixture("gitlab", false)).unwrap();
    let sarif: Value = serde_json::from_str(&fixture("sarif", false)).unwrap();
    let from_gitlab: Vec<&str> = gitlab
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    let from_sarif: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["partialFingerprints"]["pgvet/v1"].as_str().unwrap())
        .collect();
    assert_eq!(from_gitlab, from_sarif);
    let unique: std::collections::BTreeSet<&str> = from_gitlab.iter().copied().collect();
    assert_eq!(
        unique.len(),
        from_gitlab.len(),
        "GitLab keeps one issue per fingerprint"
    );

    // Moving statements down, reformatting and commenting them keeps the
    // fingerprints; changing what a statement says changes its own.
    let run = |sql: &str| -> Vec<String> {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "m/001.sql", sql);
        let o = pgvet(
            d.path(),
            &[
                "lint",
                "--format",
                "gitlab",
                "--select",
                "fk-missing-index",
                "m",
            ],
        );
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|i| i["fingerprint"].as_str().unwrap().to_string())
            .collect()
    };
    let before = run("create table p (id int primary key);\n\
         create table c (id int primary key, p_id int references p (id));\n\
         create table d (id int primary key, p_id int references p (id));\n");
    let moved = run(
        "-- a new comment\n\n\ncreate table p (id int primary key);\n\
         CREATE TABLE c (\n  id int primary key,\n  p_id int REFERENCES p(id) -- the parent\n);\n\
         create table d (id int primary key, p_id int references p (id));\n",
    );
    let changed = run("create table p (id int primary key);\n\
         create table c (id int primary key, p_id int references p (id) on delete cascade);\n\
         create table d (id int primary key, p_id int references p (id));\n");
    assert_eq!(before.len(), 2);
    assert_eq!(before[1], moved[1], "table d did not change at all");
    assert_eq!(before, moved);
    assert_ne!(before[0], changed[0]);
    assert_eq!(before[1], changed[1]);
}

#[test]
fn audit_findings_without_a_file_render_in_every_format() {
    use pgvet::report::{Finding, Report, Severity};
    let mut report = Report {
        findings: vec![Finding {
            rule: "rls-disabled",
            severity: Severity::Error,
            message: "table `public.audit_log` is exposed without row level security".to_string(),
            object: "public.audit_log".to_string(),
            location: None,
            help: "Enable row level security.".to_string(),
            span: None,
            remedy: None,
            related: Vec::new(),
        }],
        database: Some("postgres@localhost:5432/postgres".to_string()),
        ..Report::default()
    };
    report.finish();

    let sarif: Value = serde_json::from_str(&pgvet::report::sarif::render(&report)).unwrap();
    let errors = schema_errors(&sarif);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let location = &sarif["runs"][0]["results"][0]["locations"][0];
    assert!(location.get("physicalLocation").is_none());
    assert_eq!(
        location["logicalLocations"][0]["fullyQualifiedName"],
        "public.audit_log"
    );

    assert_eq!(
        pgvet::report::github::render(&report),
        "::error title=rls-disabled::table `public.audit_log` is exposed without row level \
         security%0Ahelp: Enable row level security.\n"
    );

    let gitlab: Value = serde_json::from_str(&pgvet::report::gitlab::render(&report)).unwrap();
    assert_eq!(gitlab[0]["location"]["path"], "public.audit_log");
    assert_eq!(gitlab[0]["severity"], "major");
    // Without a span the message is hashed: the same finding, the same fingerprint.
    assert_eq!(gitlab[0]["fingerprint"], report.fingerprints()[0].as_str());
}

/// The fixture with extra arguments, from the crate root.
fn fixture_with(args: &[&str]) -> String {
    let mut all = vec!["lint"];
    all.extend_from_slice(args);
    all.extend(["--select", SELECT, FIXTURE]);
    lint_fixture(&all)
}

#[test]
fn concise_snapshot() {
    insta::assert_snapshot!(fixture("concise", true));
}

#[test]
fn statistics_snapshot() {
    let human = fixture_with(&["--statistics"]);
    // The same table and closing lines in both formats, and no frame.
    assert_eq!(
        human,
        fixture_with(&["--statistics", "--format", "concise"])
    );
    assert!(!human.contains("-->"), "{human}");
    insta::assert_snapshot!(human);
}

#[test]
fn human_output_ends_with_the_table_the_summary_and_the_hint() {
    let out = fixture("human", true);
    let frames = out.rfind("help:").expect("a finding's help line");
    let table = out.find("Findings by rule:\n").expect("the table");
    let summary = out.find(" findings (").expect("the summary line");
    let hint = out
        .find("hint: `pgvet fix` writes a migration for")
        .expect("the hint");
    assert!(frames < table && table < summary && summary < hint, "{out}");
    // 13 findings: too few for the baseline hint.
    assert!(out.ends_with("(review it before you apply it)\n"), "{out}");
}

/// Severity of each line of concise output.
fn severities(out: &str) -> Vec<(String, &str)> {
    out.lines()
        .filter_map(|l| {
            let (place, rest) = l.split_once(": ")?;
            let sev = rest.split('[').next()?;
            matches!(sev, "error" | "warning" | "info").then(|| (place.to_string(), sev))
        })
        .collect()
}

#[test]
fn sort_by_severity_puts_errors_first_and_keeps_file_order_within() {
    let rank = |s: &str| match s {
        "error" => 0,
        "warning" => 1,
        _ => 2,
    };
    let file_order = fixture_with(&["--format", "concise"]);
    let severity_order = fixture_with(&["--format", "concise", "--sort", "severity"]);
    let by_file = severities(&file_order);
    let by_severity = severities(&severity_order);
    assert_eq!(by_file.len(), by_severity.len());
    // The default is by file: severities are mixed there.
    assert!(by_file.windows(2).any(|w| rank(w[0].1) > rank(w[1].1)));
    assert!(by_severity.windows(2).all(|w| rank(w[0].1) <= rank(w[1].1)));
    for sev in ["error", "warning", "info"] {
        let keep = |v: &[(String, &str)]| {
            v.iter()
                .filter(|(_, s)| *s == sev)
                .map(|(p, _)| p.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(keep(&by_file), keep(&by_severity), "{sev}");
    }
    // The human frames follow the same order.
    let human = fixture_with(&["--sort", "severity"]);
    let first_info = human.find("info[").expect("an info finding");
    assert!(human.rfind("error[").expect("an error finding") < first_info);
}

#[test]
fn hint_names_only_what_applies() {
    let d = tempfile::tempdir().unwrap();
    // One warning that `pgvet fix` cannot fix: no hint.
    write(d.path(), "m/001_a.sql", "create table public.t (n int);\n");
    let o = pgvet(
        d.path(),
        &["lint", "--select", "table-without-primary-key", "m"],
    );
    assert!(!text(&o).contains("hint:"), "{}", text(&o));
    // Many findings: the baseline, until one is in use.
    let many: String = (0..25)
        .map(|i| format!("create table public.t{i} (n int);\n"))
        .collect();
    write(d.path(), "m/001_a.sql", &many);
    let o = pgvet(
        d.path(),
        &["lint", "--select", "table-without-primary-key", "m"],
    );
    let out = text(&o);
    assert!(
        out.contains(
            "hint: to adopt pgvet without fixing everything first, `pgvet baseline write`"
        ),
        "{out}"
    );
    assert!(!out.contains("pgvet fix"), "{out}");
    let o = pgvet(
        d.path(),
        &[
            "baseline",
            "write",
            "--select",
            "table-without-primary-key",
            "m",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    write(d.path(), "m/002_b.sql", "create table public.u (n int);\n");
    let o = pgvet(
        d.path(),
        &[
            "lint",
            "--select",
            "table-without-primary-key",
            "--baseline",
            "pgvet-baseline.json",
            "m",
        ],
    );
    let out = text(&o);
    assert!(out.contains("1 finding"), "{out}");
    assert!(!out.contains("hint:"), "{out}");
}

/// A migration whose table name and file name hold a line break followed by
/// a GitHub workflow command, terminal escapes (ESC, BEL, CR) and a
/// right-to-left override.
fn hostile_dir() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "m/001_a\n::warning ::forged\x1b[2J.sql",
        "create table \"evil\n::error file=x::forged\x1b]0;title\x07\r\u{202e}x\" (id int);\n",
    );
    d
}

/// `pgvet lint` of the hostile migration in `format` (it must find the
/// missing primary key, exit 1).
fn lint_hostile(d: &tempfile::TempDir, format: &str) -> String {
    let args = [
        "lint",
        "--format",
        format,
        "--select",
        "table-without-primary-key",
        "m",
    ];
    lint_in(d.path(), &args)
}

const RAW_CONTROLS: [char; 5] = ['\x1b', '\x07', '\r', '\u{202e}', '\u{9b}'];

#[test]
fn hostile_names_cannot_forge_commands_or_drive_the_terminal_in_text_formats() {
    let d = hostile_dir();
    for format in ["human", "concise", "github"] {
        let out = lint_hostile(&d, format);
        assert!(
            out.contains("evil\\n::error file=x::forged\\u{1b}]0;title\\u{7}\\r\\u{202e}x"),
            "{format}: {out}"
        );
        assert!(
            out.contains("001_a\\n"),
            "{format}: the file name's newline is shown escaped: {out}"
        );
        for c in RAW_CONTROLS {
            assert!(!out.contains(c), "{format}: raw {c:?} in {out}");
        }
        // No line starts a workflow command but the one pgvet writes.
        let commands: Vec<&str> = out
            .lines()
            .filter(|l| l.trim_start().starts_with("::"))
            .collect();
        let expected = usize::from(format == "github");
        assert_eq!(commands.len(), expected, "{format}: {out}");
    }
}

#[test]
fn hostile_names_stay_exact_data_in_json_formats() {
    let d = hostile_dir();
    for format in ["json", "sarif", "gitlab"] {
        let out = lint_hostile(&d, format);
        // JSON escapes control characters: none is written raw.
        assert!(
            !out.contains('\x1b') && !out.contains('\x07') && !out.contains('\r'),
            "{format}"
        );
        let doc: Value = serde_json::from_str(&out).unwrap();
        let all = doc.to_string();
        assert!(
            all.contains("evil\\n::error file=x::forged\\u001b]0;title\\u0007"),
            "{format}: {all}"
        );
    }
}

/// A git repository with one migration that warns, and an empty subfolder.
fn repository() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let git = Command::new("git")
        .args(["init", "--quiet"])
        .current_dir(d.path())
        .status()
        .expect("run git");
    assert!(git.success());
    write(
        d.path(),
        "supabase/migrations/001_a.sql",
        "create table a (id int);\n",
    );
    std::fs::create_dir_all(d.path().join("tools")).unwrap();
    d
}

#[test]
fn paths_are_relative_to_the_repository_root_in_every_format() {
    let d = repository();
    let root = d.path().canonicalize().unwrap();
    let sub = root.join("tools");
    let from_sub = sub.to_str().unwrap();
    let absolute = root.join("supabase/migrations");
    for (dir, path) in [
        (root.to_str().unwrap(), None),
        (from_sub, Some("../supabase/migrations")),
        (from_sub, Some(absolute.to_str().unwrap())),
    ] {
        let run = |format: &str| {
            let mut args = vec!["lint", "--format", format];
            args.extend(path);
            lint_in(Path::new(dir), &args)
        };
        let sarif: Value = serde_json::from_str(&run("sarif")).unwrap();
        let uri = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
            ["artifactLocation"]["uri"];
        assert_eq!(uri, "supabase/migrations/001_a.sql", "{path:?}");
        assert!(
            run("github").starts_with("::warning file=supabase/migrations/001_a.sql,"),
            "{path:?}"
        );
        assert!(
            run("concise").starts_with("supabase/migrations/001_a.sql:1:1: "),
            "{path:?}"
        );
        let json: Value = serde_json::from_str(&run("json")).unwrap();
        assert_eq!(
            json["findings"][0]["location"]["file"],
            "supabase/migrations/001_a.sql"
        );
    }
}

#[test]
fn only_reports_the_files_named_while_replaying_all() {
    let d = repository();
    // 002 uses the table of 001: without the replay of 001 it would be undefined.
    write(
        d.path(),
        "supabase/migrations/002_b.sql",
        "alter table a add column b int;\ncreate table c (id int);\n",
    );
    let o = pgvet(
        d.path(),
        &[
            "lint",
            "--format",
            "json",
            "--only",
            "supabase/migrations/002_b.sql",
            "supabase/seed.sql",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let json: Value = serde_json::from_str(&text(&o)).unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for f in findings {
        assert_eq!(
            f["location"]["file"], "supabase/migrations/002_b.sql",
            "{f}"
        );
        assert_ne!(f["rule"], "undefined-object", "{f}");
    }
    assert_eq!(json["changed"]["only"], true);
    let o = pgvet(d.path(), &["lint", "--only", "supabase/seed.sql"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn only_keeps_of_a_full_lint_exactly_the_findings_in_the_files_named() {
    // Statement rules check only the named files' statements: what they
    // find there must be what a full lint finds there, whatever the other
    // files hold (a transaction left open, the same table locked, a
    // suppression, an object they made or dropped).
    let d = repository();
    write(
        d.path(),
        "supabase/migrations/002_b.sql",
        "begin;\nalter table a add column b int not null;\ncreate index a_b on a (b);\n\
         -- pgvet-ignore require-concurrent-index-creation: small table\n\
         create index a_b2 on a (b);\n",
    );
    write(
        d.path(),
        "supabase/migrations/003_c.sql",
        "alter table a add column c int not null;\nalter table a alter column b type bigint;\n\
         create index a_c on a (c);\ndrop table if exists nothing;\nupdate a set c = 1;\n\
         create table \"d\" (id int, x varchar(20));\ncreate table f (id int primary key);\n",
    );
    // Suppressions used and unused in several files: the pass that judges
    // them must judge the named files' findings alike when the others' are
    // left out.
    write(
        d.path(),
        "supabase/migrations/004_d.sql",
        "alter table a add column e int not null;\ncreate index a_e on a (e);\n\
         -- pgvet-ignore ban-drop-column: nothing is dropped here\n\
         alter table a add constraint a_c_fkey foreign key (c) references f (id);\n",
    );
    write(
        d.path(),
        "supabase/migrations/005_e.sql",
        "-- pgvet-ignore-file require-concurrent-index-creation: small\n\
         create index a_e2 on a (e);\n\
         -- pgvet-ignore table-without-primary-key: a log\n\
         create table g (x int);\n\
         -- pgvet-ignore ban-drop-column: nothing is dropped here either\n\
         create table h (id int primary key);\n",
    );
    let full = pgvet(d.path(), &["lint", "--format", "json"]);
    let full: Value = serde_json::from_str(&text(&full)).unwrap();
    let all = full["findings"].as_array().unwrap();
    for named in [
        &["supabase/migrations/003_c.sql"][..],
        &[
            "supabase/migrations/002_b.sql",
            "supabase/migrations/004_d.sql",
        ],
        &["supabase/migrations/001_a.sql"],
        &["supabase/migrations/005_e.sql"],
        &[
            "supabase/migrations/003_c.sql",
            "supabase/migrations/005_e.sql",
        ],
    ] {
        let mut args = vec!["lint", "--format", "json", "--only"];
        args.extend(named);
        let only: Value = serde_json::from_str(&text(&pgvet(d.path(), &args))).unwrap();
        let kept: Vec<&Value> = all
            .iter()
            .filter(|f| named.iter().any(|n| f["location"]["file"] == *n))
            .collect();
        let got: Vec<&Value> = only["findings"].as_array().unwrap().iter().collect();
        assert_eq!(got, kept, "{named:?}");
    }
    assert!(
        all.iter()
            .filter(|f| f["location"]["file"] == "supabase/migrations/003_c.sql")
            .count()
            >= 4,
        "{all:?}"
    );
    // The cases above happen: an unused suppression in 004 and 005, a
    // used one in 005.
    let rules_in = |file: &str| -> Vec<&str> {
        all.iter()
            .filter(|f| f["location"]["file"] == file)
            .map(|f| f["rule"].as_str().unwrap())
            .collect()
    };
    for file in ["004_d.sql", "005_e.sql"] {
        let rules = rules_in(&format!("supabase/migrations/{file}"));
        assert!(rules.contains(&"unused-suppression"), "{file}: {rules:?}");
    }
    let rules = rules_in("supabase/migrations/005_e.sql");
    assert!(!rules.contains(&"table-without-primary-key"), "{rules:?}");
}

#[test]
fn related_places_are_in_json_sarif_and_human() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "migrations/001_init.sql",
        "create table public.t (id bigint primary key, a int);\n\
         create index t_a_idx on public.t (a);\n",
    );
    write(
        dir.path(),
        "migrations/002_again.sql",
        "create index t_a_again on public.t (a);\n",
    );
    let args = |format| {
        vec![
            "lint",
            "--select",
            "duplicate-index",
            "--format",
            format,
            "migrations",
        ]
    };

    let json: Value = serde_json::from_str(&lint_in(dir.path(), &args("json"))).unwrap();
    let finding = &json["findings"][0];
    assert_eq!(
        finding["location"]["file"], "migrations/002_again.sql",
        "{json:#}"
    );
    let related = &finding["related"][0];
    assert_eq!(
        related["location"]["file"], "migrations/001_init.sql",
        "{json:#}"
    );
    assert_eq!(related["location"]["line"], 2, "{json:#}");
    assert!(
        related["message"].as_str().unwrap().contains("t_a_idx"),
        "{json:#}"
    );

    let sarif: Value = serde_json::from_str(&lint_in(dir.path(), &args("sarif"))).unwrap();
    let errors = schema_errors(&sarif);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let place = &sarif["runs"][0]["results"][0]["relatedLocations"][0];
    assert_eq!(
        place["physicalLocation"]["artifactLocation"]["uri"], "migrations/001_init.sql",
        "{sarif:#}"
    );
    assert_eq!(
        place["physicalLocation"]["region"]["startLine"], 2,
        "{sarif:#}"
    );

    let human = lint_in(dir.path(), &args("human"));
    assert!(
        human.contains("migrations/001_init.sql:2:1: `t_a_idx`, which `t_a_again` duplicates"),
        "{human}"
    );

    // Findings without a second place keep the JSON they had.
    let plain = lint_fixture(&["lint", "--format", "json", "--select", SELECT, FIXTURE]);
    assert!(!plain.contains("\"related\""), "{plain}");
}
