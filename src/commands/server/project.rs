//! One workspace folder: its config, its migrations (found as `pgvet lint`
//! finds them), the last lint of the whole history with the editor's
//! unsaved buffers in place of the files, and the diagnostics it gives.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use lsp_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, NumberOrString,
    Position, Range, Uri,
};

use super::text::{path_to_uri, Lines};
use crate::config::Config;
use crate::findings::{Finding, Report, Severity, SourceFile};

/// The `code` of a diagnostic for SQL pgvet cannot read.
pub const INPUT_ERROR: &str = "input-error";

pub struct Project {
    pub root: PathBuf,
    pub cfg: Config,
    pub settings: crate::Settings,
    /// The migration directories or files, as `pgvet lint` would read them
    /// from `root` (absolute).
    pub paths: Vec<PathBuf>,
    /// Why there is nothing to lint (no migrations, a bad config).
    pub problem: Option<String>,
    /// The last lint, with its schema.
    pub report: Option<Report>,
    /// The diagnostics last published, by file: a file that has none now
    /// gets an empty list, and a file whose list is the same is not sent
    /// again.
    pub published: BTreeMap<String, Shared>,
    /// What the next lint can start from.
    pub cache: crate::LintCache,
    /// The diagnostics of the last lint, by file.
    diagnostics_memo: DiagnosticsMemo,
}

impl Project {
    /// Reads the folder's config and finds its migrations; a problem is
    /// kept to tell the user, never an error that stops the server.
    pub fn load(root: PathBuf) -> Project {
        let root = root.canonicalize().unwrap_or(root);
        let mut project = Project {
            cfg: Config::default(),
            settings: crate::Settings::for_platform(crate::catalog::Platform::Postgres),
            paths: Vec::new(),
            problem: None,
            report: None,
            published: BTreeMap::new(),
            cache: crate::LintCache::default(),
            diagnostics_memo: DiagnosticsMemo::default(),
            root,
        };
        if let Err(e) = project.configure() {
            project.problem = Some(format!("{e:#}"));
        }
        project
    }

    fn configure(&mut self) -> anyhow::Result<()> {
        let cfg = match crate::config::discover(&self.root) {
            Some(path) => Config::load(&path)?,
            None => Config::default(),
        };
        cfg.check_rule_ids("pgvet.yaml")?;
        let paths = super::super::lint::migration_paths(&[], &cfg, &self.root)?;
        let paths: Vec<PathBuf> = paths
            .into_iter()
            .map(|p| {
                let p = if p.is_absolute() {
                    p
                } else {
                    self.root.join(p)
                };
                p.canonicalize().unwrap_or(p)
            })
            .collect();
        let mut settings = crate::Settings::resolve(&cfg, &paths, &self.root)?;
        // The schema stays for hover, definition and fixes.
        settings.keep_catalog = true;
        self.cfg = cfg;
        self.settings = settings;
        self.paths = paths;
        Ok(())
    }

    /// Whether the file is one of this project's migrations (or beside them).
    pub fn owns(&self, path: &Path) -> bool {
        self.problem.is_none() && self.paths.iter().any(|p| path.starts_with(p))
    }

    /// Lints the whole history; `unsaved` holds the open buffers by path,
    /// `focus` is the file changed last (the replay before it is kept for
    /// the next lint). A panic in the lint is an error to tell the user:
    /// the last report stays, and the next change is linted from scratch.
    pub fn lint(
        &mut self,
        unsaved: &HashMap<PathBuf, String>,
        focus: Option<&Path>,
    ) -> Result<(), String> {
        if self.problem.is_some() {
            return Ok(());
        }
        let over = |path: &Path| buffer(unsaved, path);
        let (cfg, settings, paths) = (&self.cfg, &self.settings, &self.paths);
        let cache = &mut self.cache;
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let read = crate::read_migrations_over(paths, cfg, settings, &over);
            crate::lint_read_cached(read, cfg, settings, cache, focus)
        }));
        match run {
            Ok(report) => {
                // Freeing a large model takes a while and nothing waits for it.
                if let Some(old) = self.report.replace(report) {
                    std::thread::spawn(move || drop(old));
                }
            }
            Err(_) => {
                self.cache = crate::LintCache::default();
                return Err(
                    "pgvet stopped on an internal error while linting these migrations; please report it"
                        .to_string(),
                );
            }
        }
        Ok(())
    }

    /// The schema before and after the statement at `offset` of `file`
    /// (`crate::model_around`), with `unsaved` in place of the files.
    pub fn model_around(
        &self,
        unsaved: &HashMap<PathBuf, String>,
        file: &Path,
        offset: usize,
    ) -> Option<(crate::catalog::Catalog, crate::catalog::Catalog)> {
        if self.problem.is_some() || !self.owns(file) {
            return None;
        }
        let over = |path: &Path| buffer(unsaved, path);
        let read = crate::read_migrations_over(&self.paths, &self.cfg, &self.settings, &over);
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            crate::model_around(read, &self.cfg, &self.settings, &self.cache, file, offset)
        }));
        run.ok().flatten()
    }

    /// Diagnostics per file of the last lint that differ from what was
    /// published last; files that had some before and have none now get an
    /// empty list (so the editor clears them), and so do the open files of
    /// the project never published. `focus` (the file changed last) is
    /// always sent, first.
    pub fn diagnostics(
        &mut self,
        open: &[&Path],
        focus: Option<&Path>,
    ) -> Vec<(Uri, Vec<Diagnostic>)> {
        // By the URI's text: `Uri` caches parts of itself in cells. Each
        // file's diagnostics come in parts: those of the findings placed in
        // it, as one list the memo shares while they are unchanged, and
        // the others one by one.
        let mut by_file: BTreeMap<String, Vec<Shared>> = BTreeMap::new();
        for path in open.iter().filter(|p| self.owns(p)) {
            if let Some(uri) = path_to_uri(path) {
                by_file.insert(uri.as_str().to_string(), Vec::new());
            }
        }
        if let Some(report) = &self.report {
            let mut uris: HashMap<PathBuf, Option<String>> = HashMap::new();
            for (path, part) in report_diagnostics(report, &mut self.diagnostics_memo) {
                let uri = uris
                    .entry(path)
                    .or_insert_with_key(|p| path_to_uri(p).map(|u| u.as_str().to_string()));
                if let Some(uri) = uri {
                    by_file.entry(uri.clone()).or_default().push(part);
                }
            }
        }
        for gone in self.published.keys() {
            by_file.entry(gone.clone()).or_default();
        }
        let focus = focus
            .filter(|p| self.owns(p))
            .and_then(path_to_uri)
            .map(|u| u.as_str().to_string());
        let mut out = Vec::new();
        for (uri, parts) in by_file {
            let list = match <[Shared; 1]>::try_from(parts) {
                Ok([one]) => one,
                Err(parts) => Shared::new(parts.iter().flat_map(|p| p.iter().cloned()).collect()),
            };
            let first = focus.as_ref() == Some(&uri);
            // A list the memo kept is the very one published last time.
            let same = self
                .published
                .get(&uri)
                .is_some_and(|last| Shared::ptr_eq(last, &list) || **last == *list);
            if !first && same {
                continue;
            }
            let Ok(parsed) = uri.parse::<Uri>() else {
                continue;
            };
            let sent = (*list).clone();
            if list.is_empty() {
                self.published.remove(&uri);
            } else {
                self.published.insert(uri, list);
            }
            if first {
                out.insert(0, (parsed, sent));
            } else {
                out.push((parsed, sent));
            }
        }
        out
    }

    /// The path shown for a source file: relative to the folder.
    pub fn shown(&self, path: &str) -> String {
        Path::new(path)
            .strip_prefix(&self.root)
            .map_or_else(|_| path.to_string(), |p| p.display().to_string())
    }
}

/// The line tables of a report's sources, each built on first use: a
/// large project has thousands of findings in a few dozen files.
pub struct SourceLines<'r> {
    report: &'r Report,
    lines: Vec<std::cell::OnceCell<Lines<'r>>>,
}

impl<'r> SourceLines<'r> {
    pub fn new(report: &'r Report) -> Self {
        SourceLines {
            report,
            lines: report
                .sources
                .iter()
                .map(|_| std::cell::OnceCell::new())
                .collect(),
        }
    }

    /// The source at `index`, with its lines.
    fn get(&self, index: usize) -> Option<(&'r SourceFile, &Lines<'r>)> {
        let src = self.report.sources.get(index)?;
        let lines = self.lines.get(index)?.get_or_init(|| Lines::new(&src.text));
        Some((src, lines))
    }

    fn by_path(&self, path: &str) -> Option<(&'r SourceFile, &Lines<'r>)> {
        let index = self.report.sources.iter().position(|s| s.path == path)?;
        self.get(index)
    }

    /// Where a finding is: its span, else its resolved location.
    pub fn finding_range(&self, f: &Finding) -> Option<(PathBuf, Range)> {
        if let Some(span) = f.span {
            let (src, lines) = self.get(span.file.0 as usize)?;
            let range = lines.range(span.start as usize, span.end as usize);
            return Some((PathBuf::from(&src.path), range));
        }
        let l = f.location.as_ref()?;
        let range = match self.by_path(&l.file) {
            Some((_, lines)) => lines.range(
                lines.offset_of_column(l.line, l.column),
                lines.offset_of_column(l.end_line, l.end_column),
            ),
            None => Range::new(
                Position::new(l.line.saturating_sub(1), l.column.saturating_sub(1)),
                Position::new(l.end_line.saturating_sub(1), l.end_column.saturating_sub(1)),
            ),
        };
        Some((PathBuf::from(&l.file), range))
    }
}

/// The editor's text of `path`, if it has the file open.
fn buffer(unsaved: &HashMap<PathBuf, String>, path: &Path) -> Option<String> {
    if unsaved.is_empty() {
        return None;
    }
    unsaved
        .get(path)
        .or_else(|| path.canonicalize().ok().and_then(|p| unsaved.get(&p)))
        .cloned()
}

/// The diagnostic of every finding and input error, with its file.
/// The diagnostics of one file's findings at the last lint, with the
/// file's text they were placed in: kept while both stay the same.
#[derive(Default)]
pub struct DiagnosticsMemo {
    by_file: HashMap<String, FileDiagnostics>,
}

/// A list of diagnostics, shared between the memo and what was published.
pub type Shared = std::rc::Rc<Vec<Diagnostic>>;

/// A file's text, its findings and their diagnostics.
type FileDiagnostics = (std::sync::Arc<str>, Vec<Finding>, Shared);

/// The report's diagnostics in parts, each with the file it is in: the
/// diagnostics of the findings placed in a file as one list (the memo's
/// own while they are unchanged), the others one by one.
fn report_diagnostics(report: &Report, memo: &mut DiagnosticsMemo) -> Vec<(PathBuf, Shared)> {
    let lines = SourceLines::new(report);
    let mut out = Vec::new();
    // A large project has thousands of findings of a few dozen rules.
    let mut hrefs: HashMap<&str, Option<Uri>> = HashMap::new();
    let mut diagnostic_of = |f: &Finding, range: Range| {
        let href = hrefs
            .entry(f.rule)
            .or_insert_with(|| rule_href(f.rule))
            .clone();
        let mut diagnostic = finding_diagnostic(f, range, href);
        let related: Vec<DiagnosticRelatedInformation> = f
            .related
            .iter()
            .filter_map(|r| {
                let span = r.span?;
                let (src, lines) = lines.get(span.file.0 as usize)?;
                let uri = path_to_uri(Path::new(&src.path))?;
                Some(DiagnosticRelatedInformation {
                    location: lsp_types::Location {
                        uri,
                        range: lines.range(span.start as usize, span.end as usize),
                    },
                    message: r.message.clone(),
                })
            })
            .collect();
        if !related.is_empty() {
            diagnostic.related_information = Some(related);
        }
        diagnostic
    };
    // Findings placed in a file, by file; the others (no span) one by one.
    let mut in_file: BTreeMap<usize, Vec<&Finding>> = BTreeMap::new();
    for f in &report.findings {
        match f.span {
            Some(span) => in_file.entry(span.file.0 as usize).or_default().push(f),
            None => {
                if let Some((path, range)) = lines.finding_range(f) {
                    out.push((path, Shared::new(vec![diagnostic_of(f, range)])));
                }
            }
        }
    }
    let mut kept = HashMap::new();
    for (index, found) in in_file {
        let Some(src) = report.sources.get(index) else {
            continue;
        };
        // Equal findings carry equal lines and columns, their related
        // places' in other files too (tests/server.rs moves one).
        let last = memo
            .by_file
            .remove(&src.path)
            .filter(|(text, findings, _)| {
                **text == *src.text
                    && findings.len() == found.len()
                    && findings.iter().zip(&found).all(|(a, b)| a == *b)
            });
        let (findings, diagnostics) = match last {
            Some((_, findings, diagnostics)) => (findings, diagnostics),
            None => {
                let diagnostics = found
                    .iter()
                    .filter_map(|f| Some(diagnostic_of(f, lines.finding_range(f)?.1)))
                    .collect();
                (
                    found.into_iter().cloned().collect(),
                    Shared::new(diagnostics),
                )
            }
        };
        out.push((PathBuf::from(&src.path), diagnostics.clone()));
        kept.insert(src.path.clone(), (src.text.clone(), findings, diagnostics));
    }
    memo.by_file = kept;
    for e in &report.errors {
        let range = match (lines.by_path(&e.file), e.line) {
            (Some((_, lines)), Some(line)) => {
                let start = lines.offset_of_column(line, e.column.unwrap_or(1));
                let end = lines.line_end(line.saturating_sub(1) as usize);
                lines.range(start, end)
            }
            _ => Range::default(),
        };
        out.push((
            PathBuf::from(&e.file),
            Shared::new(vec![Diagnostic {
                range,
                severity: Some(DiagnosticSeverity::ERROR),
                code: Some(NumberOrString::String(INPUT_ERROR.to_string())),
                source: Some("pgvet".to_string()),
                message: e.message.clone(),
                ..Diagnostic::default()
            }]),
        ));
    }
    out
}

/// The rule's page once it has an absolute address; a reference until then.
fn rule_href(rule: &str) -> Option<Uri> {
    crate::report::rule_docs::page_uri(rule)
        .or_else(|| crate::rules::find(rule)?.doc.references.first().cloned())
        .and_then(|u| u.parse::<Uri>().ok())
}

fn finding_diagnostic(f: &Finding, range: Range, href: Option<Uri>) -> Diagnostic {
    let mut message = f.message.clone();
    if !f.help.trim().is_empty() {
        message.push('\n');
        message.push_str(f.help.trim());
    }
    Diagnostic {
        range,
        severity: Some(severity(f.severity)),
        code: Some(NumberOrString::String(f.rule.to_string())),
        code_description: href.map(|href| CodeDescription { href }),
        source: Some("pgvet".to_string()),
        message,
        ..Diagnostic::default()
    }
}

pub fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}
