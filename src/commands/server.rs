//! `pgvet server`: a Language Server (LSP 3.17) over stdio. Every change to
//! a migration file relints the whole history, with the editor's unsaved
//! buffers in place of the files on disk, and publishes the diagnostics of
//! every file of the folder; code actions add a suppression or write the
//! `pgvet fix` migration for a finding; hover and definition read the
//! schema the migrations build.

mod actions;
mod hover;
mod project;
mod text;
mod transport;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc::RecvTimeoutError;
use std::time::Duration;

use anyhow::Result;
use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, HoverProviderCapability,
    InitializeParams, InitializeResult, MessageType, OneOf, PublishDiagnosticsParams, SaveOptions,
    ServerCapabilities, ServerInfo, ShowMessageParams, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Uri,
};
use serde_json::Value;

use super::Outcome;
use project::Project;
use text::uri_to_path;
use transport::Outgoing;

/// How long to wait for the next change before linting: typing sends one
/// change per key.
const SETTLE: Duration = Duration::from_millis(40);

pub fn run() -> Result<Outcome> {
    let (incoming, outgoing) = transport::stdio();
    let mut server = Server {
        out: outgoing,
        projects: Vec::new(),
        open: HashMap::new(),
        dirty: false,
        focus: None,
        initialized: false,
        watch_files: false,
        shutdown: false,
    };
    let mut clean_exit = false;
    loop {
        let message = if server.dirty {
            match incoming.recv_timeout(SETTLE) {
                Ok(m) => m,
                Err(RecvTimeoutError::Timeout) => {
                    server.relint();
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            }
        } else {
            match incoming.recv() {
                Ok(m) => m,
                Err(_) => break,
            }
        };
        match message {
            Message::Request(req) => server.request(req),
            Message::Notification(n) if n.method == "exit" => {
                clean_exit = server.shutdown;
                break;
            }
            Message::Notification(n) => server.notification(n),
            Message::Response(_) => {}
        }
    }
    // Everything queued is written before the process ends.
    let (done, written) = std::sync::mpsc::channel();
    if server.out.send(Outgoing::Flushed(done)).is_ok() {
        let _ = written.recv_timeout(Duration::from_secs(5));
    }
    Ok(if clean_exit {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}

/// An open document: its text as the editor has it.
struct Document {
    path: PathBuf,
    text: String,
}

struct Server {
    out: std::sync::mpsc::Sender<Outgoing>,
    projects: Vec<Project>,
    /// By the URI's text.
    open: HashMap<String, Document>,
    /// A change not yet linted.
    dirty: bool,
    /// The migration changed last: the next lint keeps the replay state
    /// before it, for the changes that follow there.
    focus: Option<PathBuf>,
    initialized: bool,
    /// The client can be asked to watch files (pgvet.yaml, migrations
    /// changed outside the editor); asked once `initialized` arrives.
    watch_files: bool,
    shutdown: bool,
}

impl Server {
    fn send(&self, message: Message) {
        let _ = self.out.send(Outgoing::Message(message));
    }

    fn reply(&self, id: RequestId, result: Result<Value, (ErrorCode, String)>) {
        let response = match result {
            Ok(value) => Response::new_ok(id, value),
            Err((code, message)) => Response::new_err(id, code as i32, message),
        };
        self.send(Message::Response(response));
    }

    fn notify(&self, method: &str, params: impl serde::Serialize) {
        self.send(Message::Notification(Notification::new(
            method.to_string(),
            params,
        )));
    }

    fn show(&self, typ: MessageType, message: String) {
        self.notify("window/showMessage", ShowMessageParams { typ, message });
    }

    /// A project's problem: shown, except that a folder without migrations
    /// (any folder an editor opens with a `.sql` file in it) is only logged.
    fn tell(&self, problem: &str) {
        let message = format!("pgvet: {problem}");
        if problem.starts_with("no migrations found") {
            self.notify(
                "window/logMessage",
                lsp_types::LogMessageParams {
                    typ: MessageType::INFO,
                    message,
                },
            );
        } else {
            self.show(MessageType::WARNING, message);
        }
    }

    fn request(&mut self, req: Request) {
        let id = req.id.clone();
        if req.method == "initialize" {
            let result = self.initialize(req.params);
            self.reply(id, result);
            return;
        }
        if !self.initialized {
            let e = (
                ErrorCode::ServerNotInitialized,
                "initialize first".to_string(),
            );
            self.reply(id, Err(e));
            return;
        }
        if self.shutdown {
            let e = (
                ErrorCode::InvalidRequest,
                "the server is shutting down".to_string(),
            );
            self.reply(id, Err(e));
            return;
        }
        // Answers read the schema: one that reflects every change.
        if self.dirty {
            self.relint();
        }
        let method = req.method.clone();
        // A bug in an answer is an error for that request, not a dead server.
        let answered =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match req.method.as_str() {
                "shutdown" => {
                    self.shutdown = true;
                    Ok(Value::Null)
                }
                "textDocument/hover" => params(req.params).map(|p| self.hover(&p)),
                "textDocument/definition" => params(req.params).map(|p| self.definition(&p)),
                "textDocument/codeAction" => params(req.params).map(|p| self.code_actions(&p)),
                other => Err((
                    ErrorCode::MethodNotFound,
                    format!("pgvet server does not handle `{other}`"),
                )),
            }));
        let result = answered.unwrap_or_else(|_| {
            Err((
                ErrorCode::InternalError,
                format!("pgvet stopped on an internal error answering `{method}`"),
            ))
        });
        self.reply(id, result);
    }

    fn initialize(&mut self, raw: Value) -> Result<Value, (ErrorCode, String)> {
        let p: InitializeParams = params(raw)?;
        let mut roots: Vec<PathBuf> = p
            .workspace_folders
            .iter()
            .flatten()
            .filter_map(|f| uri_to_path(&f.uri))
            .collect();
        #[allow(deprecated)]
        if roots.is_empty() {
            roots.extend(p.root_uri.as_ref().and_then(uri_to_path));
        }
        if roots.is_empty() {
            roots.extend(std::env::current_dir().ok());
        }
        self.watch_files = p
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|w| w.dynamic_registration)
            .unwrap_or(false);
        self.projects = roots.into_iter().map(Project::load).collect();
        self.initialized = true;
        for problem in self.projects.iter().filter_map(|p| p.problem.as_ref()) {
            self.tell(problem);
        }
        let capabilities = ServerCapabilities {
            text_document_sync: Some(TextDocumentSyncCapability::Options(
                TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::INCREMENTAL),
                    save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                        include_text: Some(false),
                    })),
                    ..TextDocumentSyncOptions::default()
                },
            )),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            definition_provider: Some(OneOf::Left(true)),
            code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                ..CodeActionOptions::default()
            })),
            ..ServerCapabilities::default()
        };
        let result = InitializeResult {
            capabilities,
            server_info: Some(ServerInfo {
                name: "pgvet".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
        };
        serde_json::to_value(result).map_err(|e| (ErrorCode::InternalError, e.to_string()))
    }

    fn notification(&mut self, n: Notification) {
        use lsp_types::{
            DidChangeTextDocumentParams, DidChangeWatchedFilesParams, DidCloseTextDocumentParams,
            DidOpenTextDocumentParams, DidSaveTextDocumentParams,
        };
        if !self.initialized || self.shutdown {
            return;
        }
        match n.method.as_str() {
            "initialized" if self.watch_files => self.register_watchers(),
            "textDocument/didOpen" => {
                if let Ok(p) = params::<DidOpenTextDocumentParams>(n.params) {
                    self.opened(p.text_document.uri, p.text_document.text);
                }
            }
            "textDocument/didChange" => {
                if let Ok(p) = params::<DidChangeTextDocumentParams>(n.params) {
                    let Some(doc) = self.open.get_mut(p.text_document.uri.as_str()) else {
                        return;
                    };
                    for change in p.content_changes {
                        match change.range {
                            Some(range) => text::apply_change(&mut doc.text, range, &change.text),
                            None => doc.text = change.text,
                        }
                    }
                    let path = doc.path.clone();
                    self.touched(&path);
                }
            }
            "textDocument/didSave" => {
                if let Ok(p) = params::<DidSaveTextDocumentParams>(n.params) {
                    if let Some(path) = uri_to_path(&p.text_document.uri) {
                        self.saved(&path);
                    }
                }
            }
            "textDocument/didClose" => {
                if let Ok(p) = params::<DidCloseTextDocumentParams>(n.params) {
                    if let Some(doc) = self.open.remove(p.text_document.uri.as_str()) {
                        // The file on disk counts again.
                        self.touched(&doc.path);
                    }
                }
            }
            "workspace/didChangeWatchedFiles" => {
                if let Ok(p) = params::<DidChangeWatchedFilesParams>(n.params) {
                    for change in p.changes {
                        if let Some(path) = uri_to_path(&change.uri) {
                            self.saved(&path);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// Asks the client to report changes to the config files and to
    /// migrations changed outside the editor (a checkout, `pgvet fix`).
    fn register_watchers(&self) {
        use lsp_types::{
            DidChangeWatchedFilesRegistrationOptions, FileSystemWatcher, GlobPattern, Registration,
            RegistrationParams,
        };
        let watchers = ["**/pgvet.yaml", "**/config.toml", "**/*.sql"]
            .iter()
            .map(|glob| FileSystemWatcher {
                glob_pattern: GlobPattern::String((*glob).to_string()),
                kind: None,
            })
            .collect();
        let options = DidChangeWatchedFilesRegistrationOptions { watchers };
        let params = RegistrationParams {
            registrations: vec![Registration {
                id: "pgvet-watch".to_string(),
                method: "workspace/didChangeWatchedFiles".to_string(),
                register_options: serde_json::to_value(options).ok(),
            }],
        };
        self.send(Message::Request(Request::new(
            RequestId::from("pgvet-watch".to_string()),
            "client/registerCapability".to_string(),
            params,
        )));
    }

    fn opened(&mut self, uri: Uri, text: String) {
        let Some(path) = uri_to_path(&uri) else {
            return;
        };
        let path = canonical(&path);
        let text = text
            .strip_prefix('\u{feff}')
            .map_or(text.clone(), str::to_string);
        self.open.insert(
            uri.as_str().to_string(),
            Document {
                path: path.clone(),
                text,
            },
        );
        self.touched(&path);
    }

    /// A file changed on disk (saved, created, deleted): a config change
    /// reloads its project, a migration change relints it.
    fn saved(&mut self, path: &std::path::Path) {
        let path = &canonical(path);
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name == crate::config::FILE_NAME || name == "config.toml" {
            let mut problems = Vec::new();
            for p in &mut self.projects {
                if path.starts_with(&p.root) {
                    let published = std::mem::take(&mut p.published);
                    *p = Project::load(p.root.clone());
                    p.published = published;
                    problems.extend(p.problem.clone());
                }
            }
            for problem in problems {
                self.tell(&problem);
            }
            self.dirty = true;
            return;
        }
        self.touched(path);
    }

    fn touched(&mut self, path: &std::path::Path) {
        let sql = path.extension().is_some_and(|e| e == "sql");
        if sql && self.projects.iter().any(|p| p.owns(path)) {
            self.dirty = true;
            self.focus = Some(path.to_path_buf());
        }
    }

    fn unsaved(&self) -> HashMap<PathBuf, String> {
        self.open
            .values()
            .map(|d| (d.path.clone(), d.text.clone()))
            .collect()
    }

    /// Lints every project and publishes what changed.
    fn relint(&mut self) {
        self.dirty = false;
        let timing = std::env::var_os("PGVET_TIMING").is_some();
        let started = std::time::Instant::now();
        let unsaved = self.unsaved();
        let open: Vec<&std::path::Path> = self.open.values().map(|d| d.path.as_path()).collect();
        let mut published = Vec::new();
        let mut failures = Vec::new();
        for project in &mut self.projects {
            if project.problem.is_some() {
                // Nothing is linted: what was shown before is cleared.
                let stale = std::mem::take(&mut project.published);
                published.extend(
                    stale
                        .keys()
                        .filter_map(|uri| Some((uri.parse::<Uri>().ok()?, Vec::new()))),
                );
                continue;
            }
            if let Err(e) = project.lint(&unsaved, self.focus.as_deref()) {
                failures.push(e);
            }
            if timing {
                eprintln!("pgvet server: lint {:?}", started.elapsed());
            }
            published.extend(project.diagnostics(&open, self.focus.as_deref()));
            if timing {
                eprintln!("pgvet server: diagnostics {:?}", started.elapsed());
            }
        }
        for (uri, diagnostics) in published {
            let version = None;
            self.notify(
                "textDocument/publishDiagnostics",
                PublishDiagnosticsParams {
                    uri,
                    diagnostics,
                    version,
                },
            );
        }
        for e in failures {
            self.show(MessageType::ERROR, e);
        }
        if timing {
            eprintln!("pgvet server: published {:?}", started.elapsed());
        }
    }

    /// The project and open text (else the file's) of a document.
    fn document(&self, uri: &Uri) -> Option<(&Project, PathBuf, String)> {
        let path = uri_to_path(uri)?;
        let path = canonical(&path);
        let project = self.projects.iter().find(|p| p.owns(&path))?;
        let text = match self.open.get(uri.as_str()) {
            Some(doc) => doc.text.clone(),
            None => std::fs::read_to_string(&path).ok()?,
        };
        Some((project, path, text))
    }
}

/// The path with links resolved; for a file that is gone, its folder's.
fn canonical(path: &std::path::Path) -> PathBuf {
    path.canonicalize()
        .ok()
        .or_else(|| {
            let folder = path.parent()?.canonicalize().ok()?;
            Some(folder.join(path.file_name()?))
        })
        .unwrap_or_else(|| path.to_path_buf())
}

/// Decodes a request's or notification's params.
fn params<T: serde::de::DeserializeOwned>(raw: Value) -> Result<T, (ErrorCode, String)> {
    serde_json::from_value(raw).map_err(|e| (ErrorCode::InvalidParams, e.to_string()))
}
