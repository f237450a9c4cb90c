//! Findings and the finished report; formatters live in the submodules.

pub mod baseline;
pub mod changed;
pub(crate) mod fingerprint;
pub mod gap;
pub mod remedy;
pub mod stored;
mod text;

pub use text::printable;

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::catalog::{FileId, Span};
use crate::sql::line_index::LineIndex;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A resolved position: 1-based lines and columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub object: String,
    pub location: Option<Location>,
    pub help: String,
    /// Where in the sources, before resolution to a [`Location`].
    #[serde(skip)]
    pub span: Option<Span>,
    /// The mechanical change that fixes it, when the rule knows a safe one
    /// (`pgvet fix` turns it into SQL).
    #[serde(skip)]
    pub remedy: Option<crate::findings::remedy::Remedy>,
    /// Other places that explain it: the index a duplicate repeats, the
    /// policy that leads back to the table. Left out of JSON when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Related>,
}

/// A second place of a finding, with what it is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Related {
    pub message: String,
    pub location: Option<Location>,
    #[serde(skip)]
    pub span: Option<Span>,
}

impl Related {
    /// The place as a list: none when it has no span (a live database's
    /// objects have no place in a file).
    pub fn at(span: Option<Span>, message: String) -> Vec<Related> {
        span.map(|span| Related {
            message,
            location: None,
            span: Some(span),
        })
        .into_iter()
        .collect()
    }
}

/// Input pgvet could not use: unreadable file, invalid UTF-8, SQL that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputError {
    pub file: String,
    pub line: Option<u32>,
    #[serde(skip)]
    pub column: Option<u32>,
    pub message: String,
}

impl InputError {
    /// `file:line:col`, `file:line` or `file`, as much as is known.
    pub fn place(&self) -> String {
        match (self.line, self.column) {
            (Some(l), Some(c)) => format!("{}:{l}:{c}", self.file),
            (Some(l), None) => format!("{}:{l}", self.file),
            _ => self.file.clone(),
        }
    }

    pub fn file(path: &Path, message: String) -> Self {
        InputError {
            file: path.display().to_string(),
            line: None,
            column: None,
            message,
        }
    }
}

/// One source file of a lint run, kept for code frames.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub id: FileId,
    pub path: String,
    /// Shared with the statements parsed from it (they narrow spans with it).
    pub text: std::sync::Arc<str>,
    /// Where its lines start, worked out when first asked for (a lint that
    /// reports the findings of some files only needs theirs).
    lines: std::sync::OnceLock<LineIndex>,
}

impl SourceFile {
    pub fn new(id: FileId, path: String, text: String) -> Self {
        SourceFile {
            id,
            path,
            text: text.into(),
            lines: std::sync::OnceLock::new(),
        }
    }

    pub fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.text))
    }

    pub fn location(&self, span: Span) -> Location {
        let lines = self.lines();
        let (line, column) = lines.position(&self.text, span.start as usize);
        let (end_line, end_column) = lines.position(&self.text, span.end as usize);
        Location {
            file: self.path.clone(),
            line,
            column,
            end_line,
            end_column,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub files: usize,
    pub statements: usize,
    pub findings: usize,
    pub errors: usize,
    /// How many things pgvet could not analyze (`Report::not_analyzed`).
    pub not_analyzed: usize,
    /// The migration runner whose reading of the files was replayed
    /// (`goose`, `supabase`, ...); absent for an audit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runner: Option<&'static str>,
    /// Files beside the migrations that the runner does not apply, so
    /// pgvet did not replay them.
    pub skipped_files: Vec<SkippedFile>,
}

/// A file the runner does not apply, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedFile {
    pub file: String,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub errors: Vec<InputError>,
    pub sources: Vec<SourceFile>,
    pub summary: Summary,
    /// The database an audit read (`user@host:port/db`); None for lint.
    pub database: Option<String>,
    /// `lint --baseline`: how many findings it hid, which entries are stale.
    pub baseline: Option<baseline::Applied>,
    /// `lint --changed-since` / `--staged`: the files findings were kept for.
    pub changed: Option<changed::Applied>,
    /// What the run could not analyze (DO blocks, dynamic SQL, bodies that
    /// do not parse, ...), gathered by `passes::coverage`.
    pub not_analyzed: Vec<gap::Gap>,
    /// The schema the findings are about, when the caller asked to keep it
    /// (`pgvet fix` builds its SQL from it).
    pub catalog: Option<crate::catalog::Catalog>,
    /// What the reader should know about how the run read its inputs (drift:
    /// a runner's history that is in another database), one line each.
    pub notes: Vec<String>,
}

impl Report {
    /// Rewrites every file path the report prints (sources, locations,
    /// input errors, skipped files, what was not analyzed, the changed
    /// files) with `shown`; a finding or gap whose object is a file's path
    /// (a DO block, a psql meta-command) follows its file.
    pub fn rebase_paths(&mut self, shown: &dyn Fn(&str) -> String) {
        let mut renamed: std::collections::HashMap<String, String> = Default::default();
        let mut rename = |p: &mut String| {
            let new = renamed.entry(p.clone()).or_insert_with(|| shown(p)).clone();
            *p = new;
        };
        let old_sources: std::collections::HashSet<String> =
            self.sources.iter().map(|s| s.path.clone()).collect();
        for s in &mut self.sources {
            rename(&mut s.path);
        }
        for f in &mut self.findings {
            if let Some(l) = &mut f.location {
                rename(&mut l.file);
            }
            for r in &mut f.related {
                if let Some(l) = &mut r.location {
                    rename(&mut l.file);
                }
            }
            if old_sources.contains(&f.object) {
                rename(&mut f.object);
            }
        }
        for g in &mut self.not_analyzed {
            if let Some(l) = &mut g.location {
                rename(&mut l.file);
            }
            if old_sources.contains(&g.object) {
                rename(&mut g.object);
            }
        }
        for e in &mut self.errors {
            rename(&mut e.file);
        }
        for s in &mut self.summary.skipped_files {
            rename(&mut s.file);
        }
        if let Some(changed) = &mut self.changed {
            for f in &mut changed.files {
                rename(f);
            }
        }
    }

    /// Fills locations from spans and sorts findings by file, line, rule.
    /// Both on every core: a large report has tens of thousands of findings.
    pub fn finish(&mut self) {
        use rayon::prelude::*;
        let sources = &self.sources;
        let place = |span: Span| {
            sources
                .get(span.file.0 as usize)
                .map(|src| src.location(span))
        };
        self.findings
            .par_iter_mut()
            .with_min_len(256)
            .for_each(|f| {
                if let Some(span) = f.span {
                    f.location = place(span);
                }
                for r in &mut f.related {
                    if let Some(span) = r.span {
                        r.location = place(span);
                    }
                }
            });
        let file_order = |f: &Finding| f.span.map_or(u32::MAX, |s| s.file.0);
        // Findings without a location (a live audit) are grouped by object.
        let unplaced = |f: &Finding| f.location.is_none().then(|| f.object.clone());
        self.findings.par_sort_by(|a, b| {
            (
                file_order(a),
                a.location.as_ref().map(|l| (l.line, l.column)),
                unplaced(a),
                a.rule,
                &a.object,
                &a.message,
            )
                .cmp(&(
                    file_order(b),
                    b.location.as_ref().map(|l| (l.line, l.column)),
                    unplaced(b),
                    b.rule,
                    &b.object,
                    &b.message,
                ))
        });
        self.findings.dedup();
        self.summary.findings = self.findings.len();
        self.summary.errors = self.errors.len();
        for g in &mut self.not_analyzed {
            if let Some(span) = g.span {
                g.location = self
                    .sources
                    .get(span.file.0 as usize)
                    .map(|src| src.location(span));
            }
        }
        self.not_analyzed
            .sort_by(|a, b| a.order_key().cmp(&b.order_key()));
        self.summary.not_analyzed = self.not_analyzed.len();
    }

    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// A stable fingerprint for each finding, in the order of `findings`:
    /// what SARIF's `partialFingerprints`, GitLab's `fingerprint` and the
    /// baseline use to recognize a finding across runs and commits.
    ///
    /// It is 16 lowercase hex digits: the FNV-1a 64-bit hash (a fixed
    /// algorithm, the same on every run, version and platform) of the rule
    /// id, the object, and
    /// - for a finding with a source span (lint): the source text of that
    ///   span, normalized: comments dropped, whitespace runs collapsed to one
    ///   space between words and dropped next to punctuation, ASCII letters
    ///   lowercased outside quoted strings and quoted identifiers (`'...'`,
    ///   `"..."`); dollar-quoted bodies count as code;
    /// - for a finding without one (audit): its message.
    ///
    /// Line and column numbers are never part of it, so edits elsewhere in a
    /// file leave it unchanged. When several findings would get the same
    /// fingerprint, the second, third, ... in report order also hash their
    /// occurrence number, so every fingerprint of a report is distinct.
    pub fn fingerprints(&self) -> Vec<String> {
        let mut seen: std::collections::HashMap<u64, u32> = std::collections::HashMap::new();
        self.findings
            .iter()
            .map(|f| {
                let mut key = fingerprint::Key::new();
                key.field(f.rule);
                key.field(&f.object);
                match f.span.and_then(|s| self.span_text(s)) {
                    Some(text) => key.field(&fingerprint::normalize_sql(text)),
                    None => key.field(&f.message),
                }
                fingerprint::numbered(key, &mut seen)
            })
            .collect()
    }

    /// The source text a span covers, when the span is in one of the files read.
    pub fn span_text(&self, span: Span) -> Option<&str> {
        let source = self.sources.get(span.file.0 as usize)?;
        source.text.get(span.start as usize..span.end as usize)
    }
}
