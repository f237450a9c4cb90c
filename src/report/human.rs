//! Human output: colored severity, `file:line:col`, a code frame, a help line.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use super::{printable, Finding, Report, Severity, SourceFile};

/// How human (and concise) output is laid out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct View {
    /// ANSI styling (the caller decides from the terminal and NO_COLOR).
    pub color: bool,
    pub order: Order,
    /// Only the findings-by-rule table and the summary (`--statistics`).
    pub statistics: bool,
}

/// The order findings are printed in (`--sort`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Order {
    /// By file, then position: the order a reader fixes a file in.
    #[default]
    File,
    /// Errors first, then warnings, then info; by file within each.
    Severity,
}

impl View {
    /// The findings in this view's order.
    pub fn ordered<'a>(&self, report: &'a Report) -> Vec<&'a Finding> {
        let mut findings: Vec<&Finding> = report.findings.iter().collect();
        if self.order == Order::Severity {
            // Stable: the file order holds within a severity.
            findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        }
        findings
    }
}

/// Renders the report with the default view; `color` chooses ANSI styling.
pub fn render(report: &Report, color: bool) -> String {
    render_view(
        report,
        &View {
            color,
            ..View::default()
        },
    )
}

/// Renders the report: a frame per finding (or only the table of findings
/// by rule, with `statistics`), the table, the summary line and notes.
pub fn render_view(report: &Report, view: &View) -> String {
    let renderer = if view.color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for e in &report.errors {
        let title = format!("{}: {}", printable(&e.place()), printable(&e.message));
        out.push_str(
            &renderer
                .render(&[Group::with_title(Level::ERROR.primary_title(title))])
                .to_string(),
        );
        out.push_str("\n\n");
    }
    if !view.statistics {
        for f in view.ordered(report) {
            out.push_str(&render_finding(&renderer, f, report));
            out.push_str("\n\n");
        }
    }
    let table = super::statistics::table(report);
    if !table.is_empty() {
        out.push_str(&table);
        out.push('\n');
    }
    out.push_str(&closing_notes(report));
    out
}

/// The summary line, then the notes on what was not analyzed or not
/// replayed, the filters applied, and the next step.
pub fn closing_notes(report: &Report) -> String {
    let mut out = summary_line(report);
    out.push('\n');
    for note in &report.notes {
        out.push_str(&format!("note: {}\n", printable(note)));
    }
    out.push_str(&not_analyzed_note(report));
    out.push_str(&skipped_note(report));
    if let Some(changed) = &report.changed {
        out.push_str(&changed.human_note());
    }
    if let Some(baseline) = &report.baseline {
        out.push_str(&baseline.human_note());
    }
    out.push_str(&next_step_hint(report));
    out
}

/// With this many findings or more, a first run on an existing project is
/// pointed to the baseline.
const MANY: usize = 20;

/// One line naming the next step: `pgvet fix` for the findings it can fix,
/// and on a run with many findings, the baseline that adopts pgvet on an
/// existing project without fixing everything first.
fn next_step_hint(report: &Report) -> String {
    let (safe, unsafe_fixes) = super::statistics::fixable(&report.findings);
    let lint = report.database.is_none();
    let command = if lint {
        "pgvet fix"
    } else {
        "pgvet fix --db URL"
    };
    let writes = if lint {
        "writes a migration for"
    } else {
        "prints the SQL for"
    };
    let unsafe_part = |n: usize| {
        format!("`{command} --unsafe-fixes` adds {n} more that change what some callers can do")
    };
    let fix = match (safe, unsafe_fixes) {
        (0, 0) => None,
        (0, n) => Some(format!(
            "`{command} --unsafe-fixes` {writes} {}, each changing what some callers can do (review each)",
            plural(n, "fixable finding")
        )),
        (n, 0) => Some(format!(
            "`{command}` {writes} {} (review it before you apply it)",
            plural(n, "fixable finding")
        )),
        (n, m) => Some(format!(
            "`{command}` {writes} {} (review it before you apply it); {}",
            plural(n, "fixable finding"),
            unsafe_part(m)
        )),
    };
    let adopt = (lint && report.baseline.is_none() && report.findings.len() >= MANY).then(|| {
        format!(
            "to adopt pgvet without fixing everything first, `pgvet baseline write` records today's findings and `pgvet lint --baseline {}` then reports only new ones",
            crate::workflow::baseline::FILE_NAME
        )
    });
    match (fix, adopt) {
        (None, None) => String::new(),
        (Some(one), None) | (None, Some(one)) => format!("hint: {one}\n"),
        (Some(fix), Some(adopt)) => format!("hint: {fix}; {adopt}\n"),
    }
}

fn level(sev: Severity) -> Level<'static> {
    match sev {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    }
}

fn render_finding(renderer: &Renderer, f: &Finding, report: &Report) -> String {
    let title = level(f.severity)
        .primary_title(printable(&f.message))
        .id(f.rule);
    let source = f
        .span
        .and_then(|s| report.sources.get(s.file.0 as usize).map(|src| (s, src)));
    let help = Group::with_title(Level::HELP.secondary_title(printable(&f.help)));
    let first = match (source, &f.location) {
        (Some((span, src)), Some(loc)) => {
            match frame(src, span.start as usize, span.end as usize, loc.line) {
                Some((text, range)) => title.element(
                    Snippet::source(text)
                        .line_start(loc.line as usize)
                        .path(printable(&src.path))
                        .annotation(
                            AnnotationKind::Primary
                                .span(range)
                                .label(format!("in `{}`", printable(&f.object))),
                        ),
                ),
                None => title.element(
                    annotate_snippets::Origin::path(printable(&src.path)).line(loc.line as usize),
                ),
            }
        }
        // Live findings have no location: name the object instead.
        _ => title.element(annotate_snippets::Origin::path(printable(&f.object))),
    };
    let mut groups = vec![first, help];
    for r in &f.related {
        let place = r.location.as_ref().map_or_else(String::new, |l| {
            format!("{}:{}:{}: ", printable(&l.file), l.line, l.column)
        });
        groups.push(Group::with_title(
            Level::NOTE.secondary_title(format!("{place}{}", printable(&r.message))),
        ));
    }
    renderer.render(&groups).to_string()
}

/// The first line of the span, and the highlighted range within it.
fn frame(
    src: &SourceFile,
    start: usize,
    end: usize,
    line: u32,
) -> Option<(&str, std::ops::Range<usize>)> {
    let (line_start, line_end) = src.lines().line_range(&src.text, line)?;
    let text = src.text.get(line_start..line_end)?;
    let from = start.saturating_sub(line_start);
    // At least one character, never past the line, always on character boundaries.
    let first_char = text.get(from..)?.chars().next()?.len_utf8();
    let to = end
        .min(line_end)
        .saturating_sub(line_start)
        .max(from + first_char);
    text.get(from..to)?;
    Some((text, from..to))
}

pub fn summary_line(report: &Report) -> String {
    let count = |sev| report.findings.iter().filter(|f| f.severity == sev).count();
    let s = &report.summary;
    let read = match &report.database {
        Some(db) => format!("{db}, {}", plural(s.statements, "definition")),
        None => format!(
            "{}, {}",
            plural(s.files, "file"),
            plural(s.statements, "statement")
        ),
    };
    let mut line = format!(
        "{read}: {} ({} {}, {} {}, {} info), {}",
        plural(s.findings, "finding"),
        count(Severity::Error),
        noun(count(Severity::Error), "error"),
        count(Severity::Warning),
        noun(count(Severity::Warning), "warning"),
        count(Severity::Info),
        plural(s.errors, "input error"),
    );
    if !report.not_analyzed.is_empty() {
        line.push_str(", ");
        line.push_str(&crate::findings::gap::summary(
            &report.not_analyzed,
            report.database.is_some(),
        ));
    }
    line
}

/// Where to see what was not analyzed, unless the findings list it already
/// (`--strict`).
fn not_analyzed_note(report: &Report) -> String {
    let listed = report
        .findings
        .iter()
        .any(|f| f.rule == crate::passes::coverage::RULE);
    if report.not_analyzed.is_empty() || listed {
        return String::new();
    }
    "note: pgvet could not check these; `--format json` lists them, `--strict` reports each as an error\n".to_string()
}

/// One line about the files the runner does not apply, by reason.
fn skipped_note(report: &Report) -> String {
    let skipped = &report.summary.skipped_files;
    if skipped.is_empty() {
        return String::new();
    }
    let mut reasons: Vec<(&str, usize)> = Vec::new();
    for s in skipped {
        match reasons.iter_mut().find(|(r, _)| *r == s.reason) {
            Some((_, n)) => *n += 1,
            None => reasons.push((&s.reason, 1)),
        }
    }
    let why: Vec<String> = reasons
        .iter()
        .map(|(r, n)| {
            if *n == 1 {
                (*r).to_string()
            } else {
                format!("{r} (\u{d7}{n})")
            }
        })
        .collect();
    use crate::source::migrations::runner::{describe, Runner};
    let runner = report
        .summary
        .runner
        .and_then(Runner::from_name)
        .map_or("the runner", describe);
    format!(
        "note: {} not replayed, as {runner} does not apply {}: {}; `--format json` lists them\n",
        plural(skipped.len(), "file"),
        if skipped.len() == 1 { "it" } else { "them" },
        why.join(", ")
    )
}

fn noun(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {}", noun(n, word))
}
