//! What a run could not analyze (`Report::not_analyzed`), as data; the
//! coverage pass (`passes::coverage`) finds the gaps.

use serde::Serialize;

use super::Location;
use crate::catalog::Span;

/// What kind of thing was not analyzed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GapKind {
    /// A PL/pgSQL body that PostgreSQL's PL/pgSQL parser rejects.
    PlpgsqlBodyUnparsed,
    /// EXECUTE (or another dynamic statement) in a PL/pgSQL body: the SQL is
    /// a string built at run time.
    DynamicSql,
    /// A body in a procedural language other than PL/pgSQL and SQL (plv8,
    /// plpython3u, ...), which no rule reads.
    BodyLanguageNotAnalyzed,
    /// A DO block: recorded, never run, so what it does is not in the model.
    DoBlock,
    /// `DROP OWNED BY` a role that may be the one running the migrations:
    /// what that one made without naming an owner stayed in the model.
    DropOwned,
    /// CREATE EXTENSION of an extension whose objects pgvet does not model.
    UnknownExtension,
    /// A psql meta-command that hides SQL: an included file, `\gexec`.
    PsqlMetaCommand,
}

impl GapKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GapKind::PlpgsqlBodyUnparsed => "plpgsql-body-unparsed",
            GapKind::DynamicSql => "dynamic-sql",
            GapKind::BodyLanguageNotAnalyzed => "body-language-not-analyzed",
            GapKind::DoBlock => "do-block",
            GapKind::DropOwned => "drop-owned",
            GapKind::UnknownExtension => "unknown-extension",
            GapKind::PsqlMetaCommand => "psql-meta-command",
        }
    }
}

/// One thing pgvet could not analyze: the `not_analyzed` entries of the JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gap {
    pub kind: GapKind,
    /// As findings name objects: the function, the extension (`schema.name`),
    /// or the file for a DO block or meta-command.
    pub object: String,
    /// One sentence naming the object in backticks: what was not analyzed and why.
    pub reason: String,
    /// Filled from `span` by `Report::finish`; None in an audit.
    pub location: Option<Location>,
    #[serde(skip)]
    pub span: Option<Span>,
}

impl Gap {
    /// Report order: file, line, column, kind, object (as findings).
    pub fn order_key(&self) -> (u32, Option<(u32, u32)>, GapKind, &str) {
        (
            self.span.map_or(u32::MAX, |s| s.file.0),
            self.location.as_ref().map(|l| (l.line, l.column)),
            self.kind,
            &self.object,
        )
    }

    pub fn new(kind: GapKind, object: String, span: Option<Span>, reason: String) -> Gap {
        Gap {
            kind,
            object,
            reason,
            location: None,
            span,
        }
    }
}

/// `3 statements not analyzed (2 dynamic-sql, 1 do-block)` (`definitions`
/// for an audit), for the summaries of human and GitHub output.
pub fn summary(gaps: &[Gap], audit: bool) -> String {
    let what = match (audit, gaps.len()) {
        (true, 1) => "definition",
        (true, _) => "definitions",
        (false, 1) => "statement",
        (false, _) => "statements",
    };
    format!("{} {what} not analyzed ({})", gaps.len(), breakdown(gaps))
}

/// Counts by kind, in kind order: `2 dynamic-sql, 1 do-block`.
fn breakdown(gaps: &[Gap]) -> String {
    let mut counts: std::collections::BTreeMap<GapKind, usize> = Default::default();
    for g in gaps {
        *counts.entry(g.kind).or_default() += 1;
    }
    counts
        .iter()
        .map(|(k, n)| format!("{n} {}", k.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}
