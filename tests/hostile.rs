//! Hostile and odd input (issue 9, part 2): each case runs the binary on
//! files written into a temp dir and checks the message, its file, line and
//! column, the exit code (2 for input pgvet could not read or parse), that
//! the other files are still linted, and that pgvet neither crashes nor hangs.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Runs pgvet in `dir`; fails the test if it runs longer than `limit`
/// (a hang), instead of hanging the suite.
fn pgvet_within(dir: &Path, args: &[&str], limit: Duration) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pgvet"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run pgvet");
    // Drain the pipes while waiting, so a large report cannot block the child.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut buf).unwrap();
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut buf).unwrap();
        buf
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("pgvet {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out_reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
    }
}

fn pgvet(dir: &Path, args: &[&str]) -> Output {
    pgvet_within(dir, args, Duration::from_secs(120))
}

/// `pgvet lint --format json` with these extra arguments: (exit code, report).
fn lint_json(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["lint", "--format", "json"];
    all.extend_from_slice(args);
    let o = pgvet(dir, &all);
    let stderr = String::from_utf8_lossy(&o.stderr);
    // A crash (a panic, a stack overflow) has no exit code or writes stderr.
    let code = o
        .status
        .code()
        .unwrap_or_else(|| panic!("pgvet killed by a signal: {stderr}"));
    assert!(stderr.is_empty(), "stderr: {stderr}");
    let report = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)));
    (code, report)
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// Findings as `file:line:column rule object`.
fn findings(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let l = &f["location"];
            format!(
                "{}:{}:{} {} {}",
                l["file"].as_str().unwrap_or("-"),
                l["line"],
                l["column"],
                f["rule"].as_str().unwrap(),
                f["object"].as_str().unwrap()
            )
        })
        .collect()
}

/// Input errors as `file:line message` (JSON has no column; the human
/// format shows it and is checked where the column matters).
fn errors(report: &Value) -> Vec<String> {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}:{} {}",
                e["file"].as_str().unwrap(),
                e["line"],
                e["message"].as_str().unwrap()
            )
        })
        .collect()
}

/// Human output with colors off.
fn human(dir: &Path, args: &[&str]) -> (i32, String) {
    let mut all = vec!["lint"];
    all.extend_from_slice(args);
    let o = pgvet(dir, &all);
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    (
        o.status.code().expect("exit code"),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}

const PK: &str = "table-without-primary-key";
/// A file with one `table-without-primary-key` finding at 1:1, to show that
/// the other files are still linted.
const OTHER: &str = "create table other (id bigint);\n";

#[test]
fn invalid_utf8_names_the_byte_offset_line_and_column() {
    let d = tmp();
    write(d.path(), "m/001_other.sql", OTHER);
    // Latin-1 `é` (0xe9) on line 3, after `-- caf` (6 characters).
    write(
        d.path(),
        "m/002_latin1.sql",
        b"create table a (id bigint primary key);\r\n\r\n-- caf\xe9\ncreate table b (id int);\n",
    );
    let (code, report) = lint_json(d.path(), &["--select", PK, "m"]);
    assert_eq!(code, 2);
    assert_eq!(
        errors(&report),
        ["m/002_latin1.sql:3 file is not valid UTF-8 (invalid byte 0xe9 at byte offset 49); save it as UTF-8"]
    );
    assert_eq!(
        findings(&report),
        [format!("m/001_other.sql:1:1 {PK} public.other")]
    );
    let (code, out) = human(d.path(), &["--select", PK, "m"]);
    assert_eq!(code, 2);
    assert!(
        out.contains("m/002_latin1.sql:3:7: file is not valid UTF-8"),
        "{out}"
    );
}

#[test]
fn a_bom_is_ignored_and_locations_stay_right() {
    let d = tmp();
    write(
        d.path(),
        "bom.sql",
        b"\xef\xbb\xbfcreate table p (id bigint primary key); create table q (id bigint);\nselect frm where;\n",
    );
    let (code, report) = lint_json(d.path(), &["--select", PK, "bom.sql"]);
    assert_eq!(code, 2);
    // Column 41: the BOM is not a character of the line.
    assert_eq!(findings(&report), [format!("bom.sql:1:41 {PK} public.q")]);
    assert_eq!(errors(&report), ["bom.sql:2 syntax error at end of input"]);
    let (_, out) = human(d.path(), &["--select", PK, "bom.sql"]);
    assert!(out.contains("bom.sql:2:17: syntax error"), "{out}");
    assert!(!out.contains('\u{feff}'), "{out}");
}

#[test]
fn crlf_line_endings_keep_lines_and_columns() {
    let d = tmp();
    write(
        d.path(),
        "crlf.sql",
        "create table p (id bigint primary key);\r\n-- note\r\n\r\ncreate table c (\r\n  id bigint primary key,\r\n  p_id bigint references p (id) on delete cascade\r\n);\r\nselect 1 frm t;\r\n",
    );
    let (code, report) = lint_json(d.path(), &["--select", "fk-missing-index", "crlf.sql"]);
    assert_eq!(code, 2);
    assert_eq!(
        findings(&report),
        ["crlf.sql:6:15 fk-missing-index public.c"]
    );
    assert_eq!(report["findings"][0]["location"]["end_line"], 6);
    assert_eq!(report["findings"][0]["location"]["end_column"], 50);
    assert_eq!(
        errors(&report),
        ["crlf.sql:8 syntax error at or near \"t\""]
    );
    let (_, out) = human(d.path(), &["--select", "fk-missing-index", "crlf.sql"]);
    assert!(out.contains("crlf.sql:8:14: syntax error"), "{out}");
    assert!(out.contains("crlf.sql:6:15"), "{out}");
    assert!(!out.contains('\r'), "the code frame carries a CR: {out:?}");
}

#[test]
fn a_50_mb_file_is_linted_to_its_end() {
    let d = tmp();
    let mut sql = String::with_capacity(52 << 20);
    sql.push_str("create table items (id bigint primary key, name text not null);\n");
    let mut row = 0u64;
    // About 25 MB of multi-row INSERTs...
    while sql.len() < 25 << 20 {
        sql.push_str("insert into items (id, name) values\n");
        for i in 0..1000 {
            row += 1;
            let sep = if i == 999 { ";" } else { "," };
            sql.push_str(&format!(
                "  ({row}, 'item {row}: it''s a $$ /* thing'){sep}\n"
            ));
        }
    }
    // ...and about 25 MB of COPY data, as pg_dump writes it.
    sql.push_str("copy items (id, name) from stdin;\n");
    while sql.len() < 50 << 20 {
        row += 1;
        sql.push_str(&format!("{row}\titem {row}: it's a $$ /* thing\\t\\N\n"));
    }
    sql.push_str("\\.\n");
    sql.push_str("create table after_the_data (id bigint);\n");
    let last_line = sql.lines().count();
    write(d.path(), "m/001_big.sql", &sql);
    write(d.path(), "m/002_other.sql", OTHER);
    let (code, report) =
        lint_json_within(d.path(), &["--select", PK, "m"], Duration::from_secs(900));
    assert_eq!(code, 1);
    assert_eq!(errors(&report), Vec::<String>::new());
    assert_eq!(
        findings(&report),
        [
            format!("m/001_big.sql:{last_line}:1 {PK} public.after_the_data"),
            format!("m/002_other.sql:1:1 {PK} public.other"),
        ]
    );
}

fn lint_json_within(dir: &Path, args: &[&str], limit: Duration) -> (i32, Value) {
    let mut all = vec!["lint", "--format", "json"];
    all.extend_from_slice(args);
    let o = pgvet_within(dir, &all, limit);
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    (
        o.status.code().expect("exit code"),
        serde_json::from_slice(&o.stdout).unwrap(),
    )
}

#[test]
fn statements_nested_10_000_levels_deep_are_input_errors_not_crashes() {
    let d = tmp();
    let n = 10_000;
    let deep = [
        format!("select {}1{};", "(".repeat(n), ")".repeat(n)),
        format!("select {}1;", "1 + ".repeat(n)),
        format!("select {}true;", "not ".repeat(n)),
        format!("select {}1{};", "coalesce(".repeat(n), ")".repeat(n)),
        format!("select {}1{};", "array[".repeat(n), "]".repeat(n)),
        format!("select {}1{};", "(select ".repeat(n), ")".repeat(n)),
        format!("select {}'b';", "'a' || ".repeat(n)),
        format!("select 1 {};", "union select 1 ".repeat(n)),
        format!(
            "create table d (id bigint primary key, v int check ({}v > 0{}));",
            "(".repeat(n),
            ")".repeat(n)
        ),
        format!("select {}1;", "- ".repeat(n)),
        format!(
            "select {}1{};",
            "case when true then ".repeat(n),
            " end".repeat(n)
        ),
        format!("select * from {}t{};", "(".repeat(n), ")".repeat(n)),
    ];
    let mut sql = String::from("create table before_deep (id bigint);\n");
    for stmt in &deep {
        sql.push_str(stmt);
        sql.push('\n');
    }
    sql.push_str("create table after_deep (id bigint);\n");
    write(d.path(), "m/001_deep.sql", &sql);
    write(d.path(), "m/002_other.sql", OTHER);
    let (code, report) = lint_json(d.path(), &["--select", PK, "m"]);
    assert_eq!(code, 2);
    // One error for the file: the first statement, and how many follow.
    let errs = errors(&report);
    assert_eq!(errs.len(), 1, "{errs:#?}");
    assert!(
        errs[0].starts_with("m/001_deep.sql:2 statement is nested too deeply"),
        "{errs:#?}"
    );
    assert!(
        errs[0].ends_with(&format!(
            "(and {} more statements after it in this file that pgvet cannot read)",
            deep.len() - 1
        )),
        "{errs:#?}"
    );
    let last = deep.len() + 2;
    assert_eq!(
        findings(&report),
        [
            format!("m/001_deep.sql:1:1 {PK} public.before_deep"),
            format!("m/001_deep.sql:{last}:1 {PK} public.after_deep"),
            format!("m/002_other.sql:1:1 {PK} public.other"),
        ]
    );
}

#[test]
fn an_unterminated_dollar_quote_is_reported_where_it_opens() {
    let d = tmp();
    write(
        d.path(),
        "m/001_fn.sql",
        "create table a (id bigint);\n\ncreate function f() returns int\n  language sql as $body$\n  select 1;\n",
    );
    write(d.path(), "m/002_other.sql", OTHER);
    let (code, report) = lint_json(d.path(), &["--select", PK, "m"]);
    assert_eq!(code, 2);
    assert_eq!(
        errors(&report),
        ["m/001_fn.sql:4 unterminated dollar-quoted string at or near \"$body$…\""]
    );
    // The statement before it and the other file are still linted.
    assert_eq!(
        findings(&report),
        [
            format!("m/001_fn.sql:1:1 {PK} public.a"),
            format!("m/002_other.sql:1:1 {PK} public.other"),
        ]
    );
    let (_, out) = human(d.path(), &["--select", PK, "m"]);
    assert!(
        out.contains("m/001_fn.sql:4:19: unterminated dollar-quoted string"),
        "{out}"
    );
}

#[test]
fn an_unterminated_block_comment_is_reported_where_it_opens() {
    let d = tmp();
    write(
        d.path(),
        "m/001_comment.sql",
        "create table a (id bigint);\n  /* a /* nested */ comment\nthat never closes;\ncreate table b (id bigint);\n",
    );
    write(d.path(), "m/002_other.sql", OTHER);
    let (code, report) = lint_json(d.path(), &["--select", PK, "m"]);
    assert_eq!(code, 2);
    assert_eq!(
        errors(&report),
        ["m/001_comment.sql:2 unterminated /* comment at or near \"/* a /* nested */ comment…\""]
    );
    assert_eq!(
        findings(&report),
        [
            format!("m/001_comment.sql:1:1 {PK} public.a"),
            format!("m/002_other.sql:1:1 {PK} public.other"),
        ]
    );
    let (_, out) = human(d.path(), &["--select", PK, "m"]);
    assert!(
        out.contains("m/001_comment.sql:2:3: unterminated /* comment"),
        "{out}"
    );
}

#[test]
fn psql_meta_commands_are_skipped_with_an_info_finding() {
    let d = tmp();
    write(
        d.path(),
        "m/001_psql.sql",
        "\\set ON_ERROR_STOP on\ncreate table a (id bigint primary key);\n\\i seed/users.sql\n  \\connect app_db\nselect 'a \\i in a string', $$ \\set in a body $$;\n-- \\i in a comment\ncreate table b (id bigint);\n",
    );
    write(d.path(), "m/002_other.sql", OTHER);
    let select = format!("psql-meta-command,{PK}");
    let (code, report) = lint_json(d.path(), &["--select", &select, "m"]);
    // Info findings do not fail the run; the table without a key does.
    assert_eq!(code, 1);
    assert_eq!(errors(&report), Vec::<String>::new());
    assert_eq!(
        findings(&report),
        [
            "m/001_psql.sql:1:1 psql-meta-command m/001_psql.sql",
            "m/001_psql.sql:3:1 psql-meta-command m/001_psql.sql",
            "m/001_psql.sql:4:3 psql-meta-command m/001_psql.sql",
            "m/001_psql.sql:7:1 table-without-primary-key public.b",
            "m/002_other.sql:1:1 table-without-primary-key public.other",
        ]
    );
    let messages: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "psql-meta-command")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            "psql meta-command `\\set ON_ERROR_STOP on` is not SQL and was skipped",
            "psql meta-command `\\i seed/users.sql` is not SQL and was skipped; the file it includes is not linted unless it is given to pgvet too",
            "psql meta-command `\\connect app_db` is not SQL and was skipped; the statements after it are linted as if they ran in the same database",
        ]
    );
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["rule"] != "psql-meta-command" || f["severity"] == "info"));
    assert_eq!(report["summary"]["statements"], 4);
    // Only info findings: exit 0.
    let (code, _) = lint_json(d.path(), &["--select", "psql-meta-command", "m"]);
    assert_eq!(code, 0);
}

#[test]
fn copy_from_stdin_data_is_skipped_and_what_follows_is_linted() {
    let d = tmp();
    // As pg_dump writes it: tabs, \N for NULL, backslash escapes, and data
    // that would confuse a SQL scanner (quotes, dollar signs, comments, `;`).
    let sql = "create table public.notes (id bigint primary key, body text);\n\
               COPY public.notes (id, body) FROM stdin;\n\
               1\tit's; here\n\
               2\t\\N\n\
               3\t$$ unterminated /* comment -- and \\\\ backslash\n\
               \\.\n\
               create table after_copy (id bigint);\n\
               copy public.notes from stdin with (format csv);\r\n\
               4,\"csv, with 'quotes'\"\r\n\
               \\.\r\n\
               create table after_csv (id bigint);\n";
    write(d.path(), "m/001_copy.sql", sql);
    write(d.path(), "m/002_other.sql", OTHER);
    let (code, report) = lint_json(d.path(), &["--select", PK, "m"]);
    assert_eq!(code, 1);
    assert_eq!(errors(&report), Vec::<String>::new());
    assert_eq!(
        findings(&report),
        [
            format!("m/001_copy.sql:7:1 {PK} public.after_copy"),
            format!("m/001_copy.sql:11:1 {PK} public.after_csv"),
            format!("m/002_other.sql:1:1 {PK} public.other"),
        ]
    );
    // create, copy, create, copy, create, and the other file's create.
    assert_eq!(report["summary"]["statements"], 6);
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_in_the_migrations_directory_is_an_error_not_a_hang() {
    use std::os::unix::fs::symlink;
    let d = tmp();
    let m = d.path().join("m");
    write(d.path(), "m/001_other.sql", OTHER);
    symlink("002_self.sql", m.join("002_self.sql")).unwrap();
    symlink("003_b.sql", m.join("003_a.sql")).unwrap();
    symlink("003_a.sql", m.join("003_b.sql")).unwrap();
    // A directory link back up: pgvet does not descend into directories.
    symlink("..", m.join("up")).unwrap();
    symlink(".", m.join("here.sql")).unwrap();
    symlink("gone.sql", m.join("004_dangling.sql")).unwrap();
    let (code, report) = lint_json(d.path(), &["--select", PK, "m"]);
    assert_eq!(code, 2);
    let errs = errors(&report);
    assert_eq!(errs.len(), 4, "{errs:#?}");
    for (e, file) in errs.iter().zip(["002_self.sql", "003_a.sql", "003_b.sql"]) {
        assert_eq!(
            e,
            &format!("m/{file}:null cannot read `m/{file}`: too many levels of symbolic links")
        );
    }
    assert_eq!(
        errs[3],
        "m/004_dangling.sql:null cannot read `m/004_dangling.sql`: no such file or directory"
    );
    assert_eq!(
        findings(&report),
        [format!("m/001_other.sql:1:1 {PK} public.other")]
    );

    // The migrations directory itself is a loop.
    symlink("loop_b", d.path().join("loop_a")).unwrap();
    symlink("loop_a", d.path().join("loop_b")).unwrap();
    let (code, report) = lint_json(d.path(), &["--select", PK, "loop_a", "m/001_other.sql"]);
    assert_eq!(code, 2);
    assert_eq!(
        errors(&report),
        ["loop_a:null cannot read `loop_a`: too many levels of symbolic links"]
    );
    assert_eq!(findings(&report).len(), 1);
}

#[cfg(unix)]
#[test]
fn a_fifo_in_the_migrations_directory_is_an_error_not_a_hang() {
    let d = tmp();
    write(d.path(), "m/001_other.sql", OTHER);
    // Reading a FIFO nobody writes to blocks forever.
    let made = Command::new("mkfifo")
        .arg(d.path().join("m/002_pipe.sql"))
        .status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo is not available");
        return;
    }
    let (code, report) = lint_json(d.path(), &["--select", PK, "m"]);
    assert_eq!(code, 2);
    assert_eq!(
        errors(&report),
        ["m/002_pipe.sql:null cannot read `m/002_pipe.sql`: it is a FIFO (named pipe), not a regular file"]
    );
    assert_eq!(
        findings(&report),
        [format!("m/001_other.sql:1:1 {PK} public.other")]
    );
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_an_error_and_the_others_are_linted() {
    use std::os::unix::fs::PermissionsExt;
    let d = tmp();
    write(d.path(), "m/001_other.sql", OTHER);
    write(
        d.path(),
        "m/002_secret.sql",
        "create table secret (id bigint);\n",
    );
    write(
        d.path(),
        "locked/001.sql",
        "create table locked (id bigint);\n",
    );
    let secret = d.path().join("m/002_secret.sql");
    let locked = d.path().join("locked");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root (and CAP_DAC_OVERRIDE) reads through mode 000, so pgvet will too:
    // then only "no crash, everything linted" can be checked.
    let privileged = std::fs::read(&secret).is_ok();
    let (code, report) = lint_json(d.path(), &["--select", PK, "m", "locked"]);
    // Restore the modes so the temp dir can be removed.
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
    if privileged {
        assert_eq!(code, 1);
        assert_eq!(findings(&report).len(), 3, "{report}");
        return;
    }
    assert_eq!(code, 2);
    assert_eq!(
        errors(&report),
        [
            "locked:null cannot list `locked`: permission denied",
            "m/002_secret.sql:null cannot read `m/002_secret.sql`: permission denied",
        ]
    );
    assert_eq!(
        findings(&report),
        [format!("m/001_other.sql:1:1 {PK} public.other")]
    );
}

#[test]
fn a_directory_of_10_000_files_is_linted() {
    let d = tmp();
    let n = 10_000;
    for i in 0..n {
        // The last file lacks a primary key; every file refers to the one before.
        let sql = if i == 0 {
            "create table t0 (id bigint primary key);\n".to_string()
        } else if i == n - 1 {
            format!(
                "create table t{i} (prev bigint references t{} (id));\n",
                i - 1
            )
        } else {
            format!(
                "create table t{i} (id bigint primary key, prev bigint references t{} (id));\n",
                i - 1
            )
        };
        write(d.path(), &format!("m/{i:05}_t{i}.sql"), sql);
    }
    let (code, report) = lint_json_within(
        d.path(),
        &["--select", &format!("{PK},undefined-object"), "m"],
        Duration::from_secs(600),
    );
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["files"], n);
    assert_eq!(report["summary"]["statements"], n);
    assert_eq!(
        findings(&report),
        [format!("m/09999_t9999.sql:1:1 {PK} public.t9999")]
    );
}

#[test]
fn quoted_and_unicode_identifiers_are_named_and_located_right() {
    let d = tmp();
    let sql = "create table \"we\"\"ird\" (\"Col \"\"x\"\"\" int);\n\
               create table \"表\" (id bigint primary key, \"名前\" varchar(10), owner bigint references \"we\"\"ird\" (\"Col \"\"x\"\"\"));\n\
               create table café (id bigint);\n\
               create table \"Ünïcode \"\"quoted\"\"\" (id bigint);\n";
    write(d.path(), "u.sql", sql);
    let select = format!("{PK},prefer-text-field,undefined-column");
    let (code, report) = lint_json(d.path(), &["--select", &select, "u.sql"]);
    assert_eq!(code, 1);
    assert_eq!(errors(&report), Vec::<String>::new());
    // Columns count characters: `create table "表" (id bigint primary key, ` is 41.
    // PostgreSQL's quote_ident quotes any name with a non-ASCII letter.
    assert_eq!(
        findings(&report),
        [
            format!("u.sql:1:1 {PK} public.\"we\"\"ird\""),
            "u.sql:2:42 prefer-text-field public.\"表\"".to_string(),
            format!("u.sql:3:1 {PK} public.\"café\""),
            format!("u.sql:4:1 {PK} public.\"Ünïcode \"\"quoted\"\"\""),
        ]
    );
}

#[test]
fn quoted_mixed_case_names_do_not_collide_with_unquoted_ones() {
    let d = tmp();
    let sql = "create table \"Users\" (id bigint primary key);\n\
               create table users (id bigint);\n\
               create table \"ORDERS\" (id bigint);\n\
               create table orders (id bigint primary key, user_id bigint references \"Users\" (id) on delete cascade);\n\
               create index orders_user_id_idx on \"ORDERS\" (id);\n\
               alter table \"Orders\" add column note text;\n\
               alter table ORDERS add column total int;\n";
    write(d.path(), "case.sql", sql);
    let select = format!("{PK},fk-missing-index,undefined-object");
    let (code, report) = lint_json(d.path(), &["--select", &select, "case.sql"]);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&report),
        [
            format!("case.sql:2:1 {PK} public.users"),
            format!("case.sql:3:1 {PK} public.\"ORDERS\""),
            // The index is on "ORDERS", not on orders: the FK still has none.
            "case.sql:4:60 fk-missing-index public.orders".to_string(),
            // "Orders" is neither "ORDERS" nor orders; ORDERS unquoted is orders.
            "case.sql:6:13 undefined-object public.\"Orders\"".to_string(),
        ]
    );
    let fk = &report["findings"][2]["message"];
    assert!(
        fk.as_str().unwrap().contains("to `public.\"Users\"`"),
        "{fk}"
    );
}

// Issue 24: hostile files and file types.

/// Makes a FIFO; false where mkfifo is not available (the test is skipped).
fn mkfifo(path: &Path) -> bool {
    let made = Command::new("mkfifo").arg(path).status();
    made.is_ok_and(|s| s.success())
}

/// Runs pgvet with a short limit, for input that once hung or grew.
fn pgvet_quick(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let o = pgvet_within(dir, args, Duration::from_secs(60));
    (
        o.status.code().expect("exit code"),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[cfg(unix)]
#[test]
fn a_fifo_given_as_a_file_or_config_is_an_error_not_a_hang() {
    let d = tmp();
    write(d.path(), "other.sql", OTHER);
    if !mkfifo(&d.path().join("pipe.sql")) || !mkfifo(&d.path().join("pipe.yaml")) {
        eprintln!("skipped: mkfifo is not available");
        return;
    }
    let args = ["--select", PK, "pipe.sql", "other.sql"];
    let (code, report) = lint_json_within(d.path(), &args, Duration::from_secs(60));
    assert_eq!(code, 2);
    assert_eq!(
        errors(&report),
        ["pipe.sql:null cannot read `pipe.sql`: it is a FIFO (named pipe), not a regular file"]
    );
    assert_eq!(
        findings(&report),
        [format!("other.sql:1:1 {PK} public.other")]
    );
    let (code, _, stderr) = pgvet_quick(d.path(), &["lint", "--config", "pipe.yaml", "other.sql"]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "pgvet: cannot read config `pipe.yaml`: it is a FIFO (named pipe), not a regular file\n"
    );
    // The baseline file too.
    let (code, _, stderr) =
        pgvet_quick(d.path(), &["lint", "--baseline", "pipe.yaml", "other.sql"]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "pgvet: cannot read baseline pipe.yaml: it is a FIFO (named pipe), not a regular file\n"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn dev_zero_as_a_migration_or_config_is_an_error_not_a_memory_hog() {
    let d = tmp();
    write(d.path(), "other.sql", OTHER);
    let args = ["--select", PK, "/dev/zero", "other.sql"];
    let (code, report) = lint_json_within(d.path(), &args, Duration::from_secs(60));
    assert_eq!(code, 2);
    assert_eq!(
        errors(&report),
        ["/dev/zero:null cannot read `/dev/zero`: it is a character device, not a regular file"]
    );
    assert_eq!(findings(&report).len(), 1);
    let (code, _, stderr) =
        pgvet_quick(d.path(), &["lint", "--config", "/dev/urandom", "other.sql"]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "pgvet: cannot read config `/dev/urandom`: it is a character device, not a regular file\n"
    );
}

#[test]
fn a_3_gb_sparse_file_is_refused_by_its_size_and_the_others_are_linted() {
    let d = tmp();
    write(d.path(), "m/001_other.sql", OTHER);
    // A few bytes on disk and in git, 3 GB when read.
    let big = std::fs::File::create(d.path().join("m/002_zeros.sql")).unwrap();
    big.set_len(3 << 30).unwrap();
    let args = ["--select", PK, "m"];
    let (code, report) = lint_json_within(d.path(), &args, Duration::from_secs(60));
    assert_eq!(code, 2);
    assert_eq!(
        errors(&report),
        ["m/002_zeros.sql:null cannot read `m/002_zeros.sql`: file is 3 GiB (3221225472 bytes), over the 64 MiB limit; --max-file-size raises the limit"]
    );
    assert_eq!(
        findings(&report),
        [format!("m/001_other.sql:1:1 {PK} public.other")]
    );
}

#[test]
fn max_file_size_sets_the_limit_in_bytes_or_units() {
    let d = tmp();
    let sql = format!("{}{OTHER}", "-- padding\n".repeat(200));
    write(d.path(), "big.sql", &sql);
    assert_eq!(sql.len(), 2232);
    let limited = |size: &str| {
        lint_json(
            d.path(),
            &["--select", PK, "--max-file-size", size, "big.sql"],
        )
    };
    for size in ["1KiB", "1kB", "1024"] {
        let (code, report) = limited(size);
        assert_eq!(code, 2, "{size}");
        assert_eq!(
            errors(&report),
            ["big.sql:null cannot read `big.sql`: file is 2.2 KiB (2232 bytes), over the 1 KiB limit; --max-file-size raises the limit"]
        );
    }
    for size in ["2232", "64MB", "64MiB"] {
        let (code, report) = limited(size);
        assert_eq!((code, errors(&report)), (1, Vec::new()), "{size}");
    }
    let (code, _, stderr) = pgvet_quick(
        d.path(),
        &["lint", "--max-file-size", "64 parsecs", "big.sql"],
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown unit"), "{stderr}");
}

/// A /proc file states size 0: the read itself stops past the limit.
#[cfg(target_os = "linux")]
#[test]
fn a_file_that_states_a_wrong_size_is_still_read_only_up_to_the_limit() {
    let d = tmp();
    let args = ["--max-file-size", "10", "/proc/self/status"];
    let (code, report) = lint_json(d.path(), &args);
    assert_eq!(code, 2);
    assert_eq!(
        errors(&report),
        ["/proc/self/status:null cannot read `/proc/self/status`: file is over the 10 bytes limit (it grew while read, or stated a wrong size); --max-file-size raises the limit"]
    );
}

#[test]
fn a_config_file_over_1_mib_is_refused() {
    let d = tmp();
    write(d.path(), "other.sql", OTHER);
    write(d.path(), "big.yaml", "#".repeat(2 << 20));
    let (code, _, stderr) = pgvet_quick(d.path(), &["lint", "--config", "big.yaml", "other.sql"]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "pgvet: cannot read config `big.yaml`: file is 2 MiB (2097152 bytes), over the 1 MiB limit\n"
    );
}

#[cfg(unix)]
#[test]
fn dotfiles_and_editor_locks_in_the_migrations_directory_are_skipped() {
    use std::os::unix::fs::symlink;
    let d = tmp();
    for dir in ["m", "supabase/migrations"] {
        write(d.path(), &format!("{dir}/001_other.sql"), OTHER);
        // emacs's lock: a broken link named `.#<file>`.
        symlink(
            "user@host.4242:1700000000",
            d.path().join(dir).join(".#002_x.sql"),
        )
        .unwrap();
        write(
            d.path(),
            &format!("{dir}/.002_x.sql.swp"),
            b"b0VIM 9.0\0\0\xff",
        );
        write(d.path(), &format!("{dir}/.DS_Store"), b"\0\0\0\x01Bud1\0");
        write(d.path(), &format!("{dir}/.scratch.sql"), "select frm;\n");
        let (code, report) = lint_json(d.path(), &["--select", PK, dir]);
        assert_eq!(code, 1, "{dir}: {report}");
        assert_eq!(errors(&report), Vec::<String>::new(), "{dir}");
        assert_eq!(
            report["summary"]["skipped_files"],
            serde_json::json!([]),
            "{dir}"
        );
        assert_eq!(
            findings(&report),
            [format!("{dir}/001_other.sql:1:1 {PK} public.other")]
        );
    }
}

#[cfg(unix)]
#[test]
fn a_broken_link_named_as_a_migration_is_an_error_only_if_applied() {
    use std::os::unix::fs::symlink;
    let d = tmp();
    let dir = d.path().join("supabase/migrations");
    write(d.path(), "supabase/migrations/001_other.sql", OTHER);
    symlink("../gone/002_x.sql", dir.join("002_x.sql")).unwrap();
    // The Supabase CLI does not apply this name: skipped as any such file.
    symlink("gone.sql", dir.join("notes.sql")).unwrap();
    let (code, report) = lint_json(d.path(), &["--select", PK, "supabase/migrations"]);
    assert_eq!(code, 2);
    assert_eq!(
        errors(&report),
        ["supabase/migrations/002_x.sql:null cannot read `supabase/migrations/002_x.sql`: no such file or directory"]
    );
    assert_eq!(
        findings(&report),
        [format!(
            "supabase/migrations/001_other.sql:1:1 {PK} public.other"
        )]
    );
}

#[test]
fn subfolders_the_runner_does_not_read_get_one_note_on_stderr() {
    let d = tmp();
    write(d.path(), "m/001_other.sql", OTHER);
    write(
        d.path(),
        "m/archive/000_old.sql",
        "create table old (id bigint);\n",
    );
    write(
        d.path(),
        "m/tenants/001_t.sql",
        "create table t (id bigint);\n",
    );
    write(d.path(), "m/docs/README.md", "not sql\n");
    write(d.path(), "m/.cache/x.sql", "select 1;\n");
    let (code, stdout, stderr) =
        pgvet_quick(d.path(), &["lint", "--format", "json", "--select", PK, "m"]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "pgvet: note: 2 subfolders of `m` with .sql files not read (`m/archive` and 1 more): pgvet reads only the files directly in the folder\n"
    );
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        findings(&report),
        [format!("m/001_other.sql:1:1 {PK} public.other")]
    );

    write(d.path(), "supabase/migrations/001_other.sql", OTHER);
    write(d.path(), "supabase/migrations/old/000_x.sql", "select 1;\n");
    let (code, _, stderr) = pgvet_quick(d.path(), &["lint", "--select", PK, "supabase/migrations"]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "pgvet: note: 1 subfolder of `supabase/migrations` with .sql files not read (`supabase/migrations/old`): the Supabase CLI applies only the files directly in the folder\n"
    );

    // Prisma reads a folder per migration: nothing to say.
    write(
        d.path(),
        "prisma/migrations/20240101000000_init/migration.sql",
        OTHER,
    );
    write(
        d.path(),
        "prisma/migrations/migration_lock.toml",
        "provider = \"postgresql\"\n",
    );
    let (code, _) = lint_json(d.path(), &["--select", PK, "prisma/migrations"]);
    assert_eq!(code, 1);
}

#[test]
fn utf16_files_are_named_as_such() {
    let d = tmp();
    let text = "create table a (id bigint);\n";
    let le: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    write(d.path(), "m/001_le.sql", le);
    write(d.path(), "m/002_be.sql", be);
    write(d.path(), "m/003_other.sql", OTHER);
    let (code, report) = lint_json(d.path(), &["--select", PK, "m"]);
    assert_eq!(code, 2);
    let convert = |enc: &str| {
        format!("file appears to be {enc}, and pgvet reads UTF-8; convert it with `iconv -f {enc} -t UTF-8`")
    };
    assert_eq!(
        errors(&report),
        [
            format!("m/001_le.sql:null {}", convert("UTF-16LE")),
            format!("m/002_be.sql:null {}", convert("UTF-16BE")),
        ]
    );
    assert_eq!(
        findings(&report),
        [format!("m/003_other.sql:1:1 {PK} public.other")]
    );
}

#[test]
fn a_missing_baseline_prints_the_os_error_once() {
    let d = tmp();
    write(d.path(), "other.sql", OTHER);
    let (code, _, stderr) =
        pgvet_quick(d.path(), &["lint", "--baseline", "nope.json", "other.sql"]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "pgvet: cannot read baseline nope.json: no such file or directory\n"
    );
}

#[test]
fn statements_nested_within_postgresqls_limits_are_read() {
    // Each deeper than the 100 levels prost decodes by default, which made
    // every one of them an input error; PostgreSQL accepts them all.
    let d = tmp();
    let mut sub = String::from("1");
    for _ in 0..20 {
        sub = format!("(select {sub})");
    }
    let mut case = String::from("1");
    for _ in 0..60 {
        case = format!("case when true then {case} else 0 end");
    }
    let mut arrow = String::from("'{}'::jsonb");
    for _ in 0..60 {
        arrow = format!("({arrow} -> 'a')");
    }
    let sql = format!(
        "create table d (id bigint primary key, v int);\n\
         create view v1 as select {sub} as x;\n\
         create view v2 as select {} as x;\n\
         create view v3 as select {} as x;\n\
         create view v4 as select {case} as x;\n\
         create view v5 as select {arrow} as x;\n\
         create policy p on d using ({}true);\n\
         create view v6 as select {} as x;\n\
         create table after_deep (id bigint);\n",
        vec!["'a'"; 60].join(" || "),
        vec!["1"; 60].join(" + "),
        "not ".repeat(200),
        vec!["1"; 4_000].join(" + "),
    );
    write(d.path(), "m/001_deep.sql", &sql);
    let (code, report) = lint_json(d.path(), &["--select", PK, "m"]);
    assert_eq!(errors(&report), Vec::<String>::new());
    assert_eq!(code, 1);
    assert_eq!(
        findings(&report),
        [format!("m/001_deep.sql:9:1 {PK} public.after_deep")]
    );
}
