//! `pgvet server`: the real binary, spoken to over stdio by a small LSP
//! client, on a Supabase project made in a temporary folder.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const INIT: &str = "\
create table public.users (id uuid primary key);
create table public.orders (
  id bigint generated always as identity primary key,
  user_id uuid not null references public.users (id)
);
alter table public.users enable row level security;
alter table public.orders enable row level security;
";

const LATER: &str = "select 1;\n";

/// How long to wait for the server to say something.
const PATIENCE: Duration = Duration::from_secs(60);

struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    next_id: i64,
    /// The latest diagnostics published for each URI.
    diagnostics: std::collections::HashMap<String, Vec<Value>>,
    /// Every publication, in order (URI, diagnostics).
    published: Vec<(String, Vec<Value>)>,
    root: tempfile::TempDir,
}

impl Client {
    /// Starts the server on a fresh project and initializes it.
    fn start() -> Client {
        Client::start_with(json!({}))
    }

    /// As [`Client::start`], with these client capabilities.
    fn start_with(capabilities: Value) -> Client {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("supabase/migrations");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("20240101000000_init.sql"), INIT).unwrap();
        std::fs::write(dir.join("20240102000000_more.sql"), LATER).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_pgvet"))
            .arg("server")
            .current_dir(root.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // PGVET_TIMING=1: the server's timings, for the latency bench.
            .stderr(if std::env::var_os("PGVET_TIMING").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, incoming) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(v) = read_message(&mut reader) {
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        let mut client = Client {
            child,
            stdin,
            incoming,
            next_id: 1,
            diagnostics: Default::default(),
            published: Vec::new(),
            root,
        };
        let root_uri = client.uri_of(client.root.path().to_path_buf());
        let result = client.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": root_uri,
                "capabilities": capabilities,
                "workspaceFolders": [{ "uri": root_uri, "name": "project" }],
            }),
        );
        assert_eq!(result["result"]["serverInfo"]["name"], "pgvet", "{result}");
        let sync = &result["result"]["capabilities"]["textDocumentSync"];
        assert_eq!(sync["change"], 2, "incremental sync: {result}");
        client.notify("initialized", json!({}));
        client
    }

    fn migrations(&self) -> PathBuf {
        self.root
            .path()
            .canonicalize()
            .unwrap()
            .join("supabase/migrations")
    }

    fn uri_of(&self, path: PathBuf) -> String {
        let path = path.canonicalize().unwrap_or(path);
        format!("file://{}", path.display())
    }

    fn file_uri(&self, name: &str) -> String {
        format!("file://{}", self.migrations().join(name).display())
    }

    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn send_raw(&mut self, body: &str) {
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and returns the whole response (result or error).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        self.wait_for(|m| m["id"] == json!(id) && m.get("method").is_none())
    }

    /// Reads messages until one matches, recording diagnostics on the way.
    fn wait_for(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = self
                .incoming
                .recv_timeout(left)
                .expect("the server answered in time");
            if message["method"] == "textDocument/publishDiagnostics" {
                let uri = message["params"]["uri"].as_str().unwrap().to_string();
                let list = message["params"]["diagnostics"].as_array().unwrap().clone();
                self.diagnostics.insert(uri.clone(), list.clone());
                self.published.push((uri, list));
            }
            if wanted(&message) {
                return message;
            }
        }
    }

    /// Waits until the diagnostics of `uri` satisfy `check`; returns them.
    fn diagnostics_until(&mut self, uri: &str, check: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        if let Some(now) = self.diagnostics.get(uri) {
            if check(now) {
                return now.clone();
            }
        }
        let uri = uri.to_string();
        let message = self.wait_for(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == json!(uri)
                && check(m["params"]["diagnostics"].as_array().unwrap())
        });
        message["params"]["diagnostics"].as_array().unwrap().clone()
    }

    fn open(&mut self, name: &str, text: &str) {
        let uri = self.file_uri(name);
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "sql", "version": 1, "text": text } }),
        );
    }

    fn change(&mut self, name: &str, version: i32, changes: Value) {
        let uri = self.file_uri(name);
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": changes }),
        );
    }

    fn shutdown(mut self) -> i32 {
        let reply = self.request("shutdown", Value::Null);
        assert_eq!(reply["result"], Value::Null, "{reply}");
        assert!(reply.get("error").is_none(), "{reply}");
        self.notify("exit", Value::Null);
        self.exit_code()
    }

    fn exit_code(&mut self) -> i32 {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            length = n.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn has(diagnostics: &[Value], code: &str) -> bool {
    codes(diagnostics).iter().any(|c| c == code)
}

fn with_code<'a>(diagnostics: &'a [Value], code: &str) -> &'a Value {
    diagnostics
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {diagnostics:#?}"))
}

/// Applies LSP text edits (non-overlapping) to a text with LF line ends
/// and ASCII characters.
fn apply_edits(text: &str, edits: &[Value]) -> String {
    let offset = |pos: &Value| -> usize {
        let line = pos["line"].as_u64().unwrap() as usize;
        let character = pos["character"].as_u64().unwrap() as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        start + character
    };
    let mut sorted: Vec<&Value> = edits.iter().collect();
    sorted.sort_by_key(|e| std::cmp::Reverse(offset(&e["range"]["start"])));
    let mut out = text.to_string();
    for e in sorted {
        let (start, end) = (offset(&e["range"]["start"]), offset(&e["range"]["end"]));
        out.replace_range(start..end, e["newText"].as_str().unwrap());
    }
    out
}

#[test]
fn diagnostics_on_open_carry_the_rule_its_range_and_severity() {
    let mut c = Client::start();
    c.open("20240101000000_init.sql", INIT);
    let uri = c.file_uri("20240101000000_init.sql");
    let list = c.diagnostics_until(&uri, |d| has(d, "fk-missing-index"));
    let d = with_code(&list, "fk-missing-index");
    assert_eq!(d["source"], "pgvet");
    assert_eq!(d["severity"], 2, "a warning: {d}");
    // `pgvet lint` places it at 4:25 (1-based): `references public.users (id)`.
    assert_eq!(
        d["range"]["start"],
        json!({ "line": 3, "character": 24 }),
        "{d}"
    );
    assert_eq!(d["range"]["end"]["line"], 3, "{d}");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("orders_user_id_fkey"),
        "{d}"
    );
    assert!(
        d["codeDescription"]["href"]
            .as_str()
            .is_some_and(|h| h.starts_with("http")),
        "the rule's reference: {d}"
    );
    // Hover over it: the rule's title, summary and help.
    let reply = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": d["range"]["start"] }),
    );
    let value = reply["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(value.contains("**fk-missing-index** (warning)"), "{reply}");
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn an_index_in_a_later_file_clears_the_earlier_files_diagnostic() {
    let mut c = Client::start();
    let init = c.file_uri("20240101000000_init.sql");
    c.open("20240101000000_init.sql", INIT);
    c.diagnostics_until(&init, |d| has(d, "fk-missing-index"));
    c.open("20240102000000_more.sql", LATER);
    // Incremental: insert the index after `select 1;`.
    c.change(
        "20240102000000_more.sql",
        2,
        json!([{
            "range": { "start": { "line": 1, "character": 0 }, "end": { "line": 1, "character": 0 } },
            "text": "create index orders_user_id_idx on public.orders (user_id);\n"
        }]),
    );
    let after = c.diagnostics_until(&init, |d| !has(d, "fk-missing-index"));
    assert!(
        has(&after, "fk-missing-on-delete"),
        "the other finding stays: {after:#?}"
    );
    // Full sync: the index is gone again, so is the fix.
    c.change("20240102000000_more.sql", 3, json!([{ "text": LATER }]));
    c.diagnostics_until(&init, |d| has(d, "fk-missing-index"));
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn a_change_resends_only_the_files_whose_diagnostics_changed() {
    let mut c = Client::start();
    let init = c.file_uri("20240101000000_init.sql");
    let more = c.file_uri("20240102000000_more.sql");
    let published = |m: &Value, uri: &str| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == json!(uri)
    };
    c.open("20240101000000_init.sql", INIT);
    c.diagnostics_until(&init, |d| has(d, "fk-missing-index"));
    c.open("20240102000000_more.sql", LATER);
    c.wait_for(|m| published(m, &more));
    let before = c.published.len();
    // A comment changes no finding of init: only the changed file is sent.
    c.change(
        "20240102000000_more.sql",
        2,
        json!([{ "text": format!("-- a note\n{LATER}") }]),
    );
    c.wait_for(|m| published(m, &more));
    // The index clears init's finding: init is sent again, once.
    c.change(
        "20240102000000_more.sql",
        3,
        json!([{ "text": format!("{LATER}create index orders_user_id_idx on public.orders (user_id);\n") }]),
    );
    c.diagnostics_until(&init, |d| !has(d, "fk-missing-index"));
    let sent: Vec<&str> = c.published[before..]
        .iter()
        .map(|(uri, _)| uri.as_str())
        .collect();
    assert_eq!(
        sent.iter().filter(|u| **u == init).count(),
        1,
        "init is sent only when its diagnostics change: {sent:?}"
    );
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn a_duplicate_index_points_at_the_index_it_repeats() {
    let mut c = Client::start();
    let init = c.file_uri("20240101000000_init.sql");
    let more = c.file_uri("20240102000000_more.sql");
    c.open(
        "20240101000000_init.sql",
        &format!("{INIT}create index orders_user_id_idx on public.orders (user_id);\n"),
    );
    c.open(
        "20240102000000_more.sql",
        "create index orders_user_again on public.orders (user_id);\n",
    );
    let list = c.diagnostics_until(&more, |d| has(d, "duplicate-index"));
    let d = list
        .iter()
        .find(|d| d["code"] == "duplicate-index")
        .unwrap();
    let related = &d["relatedInformation"][0];
    assert_eq!(related["location"]["uri"], json!(init), "{d:#}");
    assert_eq!(related["location"]["range"]["start"]["line"], 7, "{d:#}");
    assert!(
        related["message"]
            .as_str()
            .unwrap()
            .contains("orders_user_id_idx"),
        "{d:#}"
    );
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn a_related_place_in_another_file_follows_that_files_edits() {
    let mut c = Client::start();
    let more = c.file_uri("20240102000000_more.sql");
    // Ten bytes on two lines, then on one: every offset in init stays the
    // same and only the line of the related place moves.
    let init = |head: &str| {
        format!("{head}{INIT}create index orders_user_id_idx on public.orders (user_id);\n")
    };
    c.open("20240101000000_init.sql", &init("-- a\n-- b\n"));
    c.open(
        "20240102000000_more.sql",
        "create index orders_user_again on public.orders (user_id);\n",
    );
    let line_of = |list: &[Value]| {
        list.iter()
            .find(|d| d["code"] == "duplicate-index")
            .map(|d| d["relatedInformation"][0]["location"]["range"]["start"]["line"].clone())
    };
    c.diagnostics_until(&more, |d| line_of(d) == Some(json!(9)));
    c.change(
        "20240101000000_init.sql",
        2,
        json!([{ "text": init("-- a -- b\n") }]),
    );
    c.diagnostics_until(&more, |d| line_of(d) == Some(json!(8)));
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn unsaved_text_wins_over_the_file_on_disk() {
    let mut c = Client::start();
    let init = c.file_uri("20240101000000_init.sql");
    c.open("20240101000000_init.sql", INIT);
    c.diagnostics_until(&init, |d| has(d, "fk-missing-index"));
    // The index, in the buffer only.
    c.open(
        "20240102000000_more.sql",
        "create index on public.orders (user_id);\n",
    );
    c.diagnostics_until(&init, |d| !has(d, "fk-missing-index"));
    // Closed unsaved: the disk's text counts again.
    let more = c.file_uri("20240102000000_more.sql");
    c.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": more } }),
    );
    c.diagnostics_until(&init, |d| has(d, "fk-missing-index"));
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn sql_that_does_not_parse_is_a_diagnostic_not_a_dead_server() {
    let mut c = Client::start();
    let more = c.file_uri("20240102000000_more.sql");
    c.open("20240102000000_more.sql", "select 1;\ncreate tabel x ();\n");
    let list = c.diagnostics_until(&more, |d| has(d, "input-error"));
    let d = with_code(&list, "input-error");
    assert_eq!(d["severity"], 1, "an error: {d}");
    assert_eq!(d["range"]["start"]["line"], 1, "{d}");
    assert!(
        d["message"].as_str().unwrap().contains("syntax error"),
        "{d}"
    );
    // Fixed, it goes away; the server still answers.
    c.change("20240102000000_more.sql", 2, json!([{ "text": LATER }]));
    c.diagnostics_until(&more, |d| !has(d, "input-error"));
    assert_eq!(c.shutdown(), 0);
}

/// The code actions offered for the fk-missing-index diagnostic.
fn fk_actions(c: &mut Client) -> (Value, Vec<Value>) {
    let init = c.file_uri("20240101000000_init.sql");
    c.open("20240101000000_init.sql", INIT);
    let list = c.diagnostics_until(&init, |d| has(d, "fk-missing-index"));
    let d = with_code(&list, "fk-missing-index").clone();
    let reply = c.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": init },
            "range": d["range"],
            "context": { "diagnostics": [d] },
        }),
    );
    (d, reply["result"].as_array().cloned().unwrap_or_default())
}

#[test]
fn the_ignore_action_with_a_reason_silences_the_finding() {
    let mut c = Client::start();
    let init = c.file_uri("20240101000000_init.sql");
    let (_, actions) = fk_actions(&mut c);
    let ignore = actions
        .iter()
        .find(|a| {
            a["title"]
                .as_str()
                .unwrap()
                .starts_with("Ignore fk-missing-index")
        })
        .unwrap_or_else(|| panic!("no ignore action in {actions:#?}"));
    let edits = ignore["edit"]["changes"][&init].as_array().unwrap();
    let edited = apply_edits(INIT, edits);
    // Above the CREATE TABLE the foreign key is declared in.
    assert!(
        edited.contains("create table public.users (id uuid primary key);\n-- pgvet-ignore fk-missing-index: \ncreate table public.orders ("),
        "{edited}"
    );
    let edited = edited.replace(
        "fk-missing-index: \n",
        "fk-missing-index: orders are never deleted\n",
    );
    c.change("20240101000000_init.sql", 2, json!([{ "text": edited }]));
    let after = c.diagnostics_until(&init, |d| !has(d, "fk-missing-index"));
    assert!(!has(&after, "suppression-without-reason"), "{after:#?}");
    assert!(!has(&after, "unused-suppression"), "{after:#?}");
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn the_fix_action_writes_a_migration_that_clears_the_finding() {
    let mut c = Client::start();
    let init = c.file_uri("20240101000000_init.sql");
    let (_, actions) = fk_actions(&mut c);
    let fix = actions
        .iter()
        .find(|a| a["edit"]["documentChanges"].is_array())
        .unwrap_or_else(|| panic!("no fix action in {actions:#?}"));
    assert_eq!(fix["kind"], "quickfix");
    let ops = fix["edit"]["documentChanges"].as_array().unwrap();
    assert_eq!(ops[0]["kind"], "create", "{ops:#?}");
    let new_uri = ops[0]["uri"].as_str().unwrap().to_string();
    assert!(new_uri.ends_with("_pgvet_fixes.sql"), "{new_uri}");
    assert_eq!(ops[1]["textDocument"]["uri"], json!(new_uri));
    let text = apply_edits("", ops[1]["edits"].as_array().unwrap());
    assert!(text.contains("create index concurrently"), "{text}");
    // Applied as an editor does: the file is created, then opened.
    let path = PathBuf::from(new_uri.strip_prefix("file://").unwrap());
    assert!(path.starts_with(c.migrations()), "{}", path.display());
    std::fs::write(&path, &text).unwrap();
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": new_uri, "languageId": "sql", "version": 1, "text": text } }),
    );
    let after = c.diagnostics_until(&init, |d| !has(d, "fk-missing-index"));
    assert!(has(&after, "fk-missing-on-delete"), "{after:#?}");
    let new_file = c.diagnostics.get(&new_uri).cloned().unwrap_or_default();
    assert!(
        new_file.is_empty(),
        "the fix itself is clean: {new_file:#?}"
    );
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn the_wrap_action_fixes_rls_initplan_in_the_statement() {
    let mut c = Client::start();
    let more = c.file_uri("20240102000000_more.sql");
    let text = "create policy own_orders on public.orders for select to authenticated\n  using (user_id = auth.uid());\n";
    c.open("20240102000000_more.sql", text);
    let list = c.diagnostics_until(&more, |d| has(d, "rls-initplan"));
    let d = with_code(&list, "rls-initplan").clone();
    let reply = c.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": more },
            "range": d["range"],
            "context": { "diagnostics": [d] },
        }),
    );
    let actions = reply["result"].as_array().cloned().unwrap_or_default();
    let wrap = actions
        .iter()
        .find(|a| {
            a["title"]
                .as_str()
                .unwrap()
                .starts_with("Wrap `auth.uid()`")
        })
        .unwrap_or_else(|| panic!("no wrap action in {actions:#?}"));
    let edited = apply_edits(text, wrap["edit"]["changes"][&more].as_array().unwrap());
    assert!(
        edited.contains("using (user_id = (select auth.uid()));"),
        "{edited}"
    );
    c.change("20240102000000_more.sql", 2, json!([{ "text": edited }]));
    c.diagnostics_until(&more, |d| !has(d, "rls-initplan"));
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn a_changed_pgvet_yaml_is_read_again() {
    let mut c = Client::start();
    let init = c.file_uri("20240101000000_init.sql");
    c.open("20240101000000_init.sql", INIT);
    c.diagnostics_until(&init, |d| has(d, "fk-missing-index"));
    let config = c.root.path().join("pgvet.yaml");
    std::fs::write(&config, "ignore:\n  - fk-missing-index\n").unwrap();
    let uri = c.uri_of(config);
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": uri, "type": 1 }] }),
    );
    let after = c.diagnostics_until(&init, |d| !has(d, "fk-missing-index"));
    assert!(has(&after, "fk-missing-on-delete"), "{after:#?}");
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn a_client_that_can_watch_files_is_asked_to() {
    let mut c = Client::start_with(json!({
        "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } }
    }));
    let asked = c.wait_for(|m| m["method"] == "client/registerCapability");
    let registration = &asked["params"]["registrations"][0];
    assert_eq!(
        registration["method"], "workspace/didChangeWatchedFiles",
        "{asked}"
    );
    let globs: Vec<&str> = registration["registerOptions"]["watchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["globPattern"].as_str().unwrap())
        .collect();
    assert!(globs.contains(&"**/pgvet.yaml"), "{globs:?}");
    // The client's answer is taken and ignored.
    let id = asked["id"].clone();
    c.send(&json!({ "jsonrpc": "2.0", "id": id, "result": null }));
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn hover_shows_a_table_as_it_is_at_that_statement() {
    let mut c = Client::start();
    let init = c.file_uri("20240101000000_init.sql");
    let more = c.file_uri("20240102000000_more.sql");
    let later = "alter table public.users add column email text;\n\
                 drop table public.orders;\n";
    c.open("20240101000000_init.sql", INIT);
    c.open("20240102000000_more.sql", later);
    c.diagnostics_until(&more, |_| true);
    let hover = |c: &mut Client, uri: &str, line: u32, character: u32| {
        let reply = c.request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } }),
        );
        reply["result"]["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    // `users` where it is created: no column the later file adds.
    let at_create = hover(&mut c, &init, 0, 22);
    assert!(
        at_create.contains("**table** `public.users`"),
        "{at_create}"
    );
    assert!(!at_create.contains("email"), "{at_create}");
    // Where the column is added: the table as that statement leaves it.
    let at_alter = hover(&mut c, &more, 0, 20);
    assert!(at_alter.contains("`email` text"), "{at_alter}");
    // A table its statement drops: as it was just before.
    let at_drop = hover(&mut c, &more, 1, 20);
    assert!(at_drop.contains("**table** `public.orders`"), "{at_drop}");
    // Go to definition from the drop: the statement that made the table.
    let reply = c.request(
        "textDocument/definition",
        json!({ "textDocument": { "uri": more }, "position": { "line": 1, "character": 20 } }),
    );
    assert_eq!(reply["result"]["uri"], json!(init), "{reply}");
    assert_eq!(reply["result"]["range"]["start"]["line"], 1, "{reply}");
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn hover_shows_what_the_model_says_a_table_is_and_where_it_was_made() {
    let mut c = Client::start();
    let more = c.file_uri("20240102000000_more.sql");
    let text = "alter table public.orders add column note text;\n\
                select user_id from public.orders;\n\
                create policy own on public.orders for select to authenticated\n  \
                using (user_id = (select auth.uid()));\n";
    c.open("20240102000000_more.sql", text);
    c.diagnostics_until(&more, |_| true);
    let hover = |c: &mut Client, line: u32, character: u32| {
        c.request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": more }, "position": { "line": line, "character": character } }),
        )
    };
    // `orders` in `public.orders`.
    let reply = hover(&mut c, 0, 21);
    let value = reply["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(value.contains("**table** `public.orders`"), "{reply}");
    assert!(value.contains("`user_id` uuid not null"), "{value}");
    assert!(
        value.contains("`note` text"),
        "the buffer's column: {value}"
    );
    assert!(
        value.contains("supabase/migrations/20240101000000_init.sql:2"),
        "{value}"
    );
    // A bare column, of a table its statement names.
    let reply = hover(&mut c, 1, 9);
    let value = reply["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(
        value.contains("**column** of `public.orders`: `user_id` uuid"),
        "{reply}"
    );
    assert!(value.contains("20240101000000_init.sql:4"), "{value}");
    // A policy, with its condition.
    let reply = hover(&mut c, 2, 15);
    let value = reply["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(
        value.contains(
            "**policy** `own` on `public.orders`: permissive, for Select, to authenticated"
        ),
        "{reply}"
    );
    assert!(value.contains("using `user_id = "), "{value}");
    assert!(value.contains("20240102000000_more.sql:3"), "{value}");
    // Nothing under the cursor: no hover.
    let reply = hover(&mut c, 5, 0);
    assert_eq!(reply["result"], Value::Null, "{reply}");
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn definition_goes_to_the_statement_that_created_the_table() {
    let mut c = Client::start();
    let more = c.file_uri("20240102000000_more.sql");
    let init = c.file_uri("20240101000000_init.sql");
    c.open("20240102000000_more.sql", "select * from public.orders;\n");
    c.diagnostics_until(&more, |_| true);
    let reply = c.request(
        "textDocument/definition",
        json!({ "textDocument": { "uri": more }, "position": { "line": 0, "character": 24 } }),
    );
    let location = &reply["result"];
    assert_eq!(location["uri"], json!(init), "{reply}");
    assert_eq!(location["range"]["start"]["line"], 1, "{reply}");
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn unknown_methods_and_malformed_messages_are_answered_not_fatal() {
    let mut c = Client::start();
    let reply = c.request("pgvet/nothing", json!({}));
    assert_eq!(reply["error"]["code"], -32601, "{reply}");
    c.send_raw("{this is not json");
    let parse_error = c.wait_for(|m| m.get("error").is_some() && m["id"].is_null());
    assert_eq!(parse_error["error"]["code"], -32700, "{parse_error}");
    c.send_raw(r#"{"jsonrpc":"2.0","id":99,"method":17}"#);
    let invalid = c.wait_for(|m| m["id"] == 99);
    assert_eq!(invalid["error"]["code"], -32600, "{invalid}");
    // Bad params: an error for that request, and the server goes on.
    let reply = c.request("textDocument/hover", json!({ "position": "nowhere" }));
    assert_eq!(reply["error"]["code"], -32602, "{reply}");
    assert_eq!(c.shutdown(), 0);
}

#[test]
fn exit_without_shutdown_is_exit_code_one() {
    let mut c = Client::start();
    c.notify("exit", Value::Null);
    assert_eq!(c.exit_code(), 1);
}

#[test]
fn requests_before_initialize_are_refused() {
    let root = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pgvet"))
        .arg("server")
        .current_dir(root.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"textDocument/hover","params":{}}"#;
    write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
    stdin.flush().unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let reply = read_message(&mut reader).unwrap();
    assert_eq!(reply["error"]["code"], -32002, "{reply}");
    drop(stdin);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "stdin closed without exit");
}

/// The latency of one change on a large project: from `didChange` to the
/// edited file's diagnostics, median of 20 edits, printed. Not a timed
/// test: run it on a release build,
/// `cargo test --release --test server -- --ignored --nocapture latency`.
/// `PGVET_SERVER_BENCH=DIR` uses that project (a folder holding
/// `supabase/migrations`); otherwise 2,000 tables are generated.
#[test]
#[ignore]
fn latency_of_one_change_on_a_large_project() {
    let given = std::env::var_os("PGVET_SERVER_BENCH").map(PathBuf::from);
    let mut c = Client::start();
    let dir = c.migrations();
    if let Some(project) = &given {
        for entry in std::fs::read_dir(dir.as_path()).unwrap() {
            std::fs::remove_file(entry.unwrap().path()).unwrap();
        }
        for entry in std::fs::read_dir(project.join("supabase/migrations")).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
        }
    } else {
        for name in ["20240101000000_init.sql", "20240102000000_more.sql"] {
            std::fs::remove_file(dir.join(name)).unwrap();
        }
        for file in 0..40 {
            let mut text = String::new();
            for n in file * 50 + 1..=file * 50 + 50 {
                let parent = if n == 1 {
                    String::new()
                } else {
                    format!(" parent_id bigint references public.t{} (id),", n - 1)
                };
                text.push_str(&format!(
                    "create table public.t{n} (id bigint generated always as identity primary key,{parent} \
                     owner_id uuid not null default auth.uid(), name text not null, created_at timestamptz not null default now());\n\
                     alter table public.t{n} enable row level security;\n\
                     create policy t{n}_own on public.t{n} for select to authenticated using (owner_id = (select auth.uid()));\n"
                ));
            }
            std::fs::write(dir.join(format!("2024010100{file:04}_part.sql")), text).unwrap();
        }
    }
    let mut names: Vec<String> = std::fs::read_dir(dir.as_path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    names.sort();
    let last = names.last().unwrap().clone();
    let original = std::fs::read_to_string(dir.join(&last)).unwrap();
    let uri = c.file_uri(&last);
    let start = Instant::now();
    c.open(&last, &original);
    c.diagnostics_until(&uri, |_| true);
    println!("{} files: first lint {:?}", names.len(), start.elapsed());
    let mut times = Vec::new();
    for i in 0..20 {
        let text = if i % 2 == 0 {
            format!("{original}\ncreate table public.bench_{i} (id bigint primary key);\n")
        } else {
            original.clone()
        };
        let before = c.published.len();
        let t = Instant::now();
        c.change(&last, i + 2, json!([{ "text": text }]));
        let uri_now = uri.clone();
        c.wait_for(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == json!(uri_now)
        });
        times.push(t.elapsed());
        assert!(c.published.len() > before);
    }
    times.sort();
    println!(
        "one change, median of 20: {:?} (min {:?}, max {:?})",
        times[10], times[0], times[19]
    );
    assert_eq!(c.shutdown(), 0);
}
