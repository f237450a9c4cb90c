//! What the lint fuzz targets and `tests/proptest_lint.rs` (which includes
//! this file with `#[path]`, next to `sql_mutator.rs`) share: the seeds, the
//! all-rules config, and a lint run that checks its report.
//!
//! A failed check panics: the fuzzer records the input as a crash, proptest
//! as a failing case.

use std::path::Path;

use pgvet::catalog::Platform;
use pgvet::config::{Config, RuleLevel};
use pgvet::report::{self, Report, Severity};
use pgvet::rules;
use pgvet::Settings;

use crate::sql_mutator::File;

/// Every rule, opt-in ones too, at its default severity. The opt-in rules
/// are turned on by level rather than listing every id in `select`, which
/// costs a lookup per listed id for each rule on every run.
pub fn all_rules() -> Config {
    let levels = rules::all()
        .iter()
        .filter(|r| !r.doc.default_enabled)
        .map(|r| {
            let level = match r.doc.severity {
                Severity::Error => RuleLevel::Error,
                Severity::Warning => RuleLevel::Warning,
                Severity::Info => RuleLevel::Info,
            };
            (r.id().to_string(), level)
        })
        .collect();
    Config {
        levels,
        ..Config::default()
    }
}

/// What `pgvet lint` uses on a Supabase project with no config.
pub fn supabase() -> Settings {
    Settings::for_platform(Platform::Supabase)
}

/// The seed inputs: each fixture's `broken` and `fixed` migrations as one run,
/// and each rule's `bad` and `good` example. `root` is the pgvet checkout.
pub fn seeds(root: &Path) -> Vec<Vec<File>> {
    let mut out = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(root.join("fixtures"))
        .into_iter()
        .flatten()
        .flatten()
        .flat_map(|seed| ["broken", "fixed"].map(|half| seed.path().join(half)))
        .filter(|dir| dir.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "sql"))
            .collect();
        files.sort();
        let run: Vec<File> = files
            .iter()
            .filter_map(|p| {
                let name = p.file_name()?.to_string_lossy().into_owned();
                Some((name, std::fs::read_to_string(p).ok()?))
            })
            .collect();
        if !run.is_empty() {
            out.push(run);
        }
    }
    for rule in rules::all() {
        for example in [&rule.doc.bad, &rule.doc.good] {
            out.push(rules::example_sources(
                &format!("{}.sql", rule.id()),
                example,
            ));
        }
    }
    out
}

/// Lints with every rule on Supabase, checks the report, renders it in
/// every format.
pub fn lint(files: Vec<File>) -> Report {
    lint_with(files, &all_rules(), &supabase())
}

pub fn lint_with(files: Vec<File>, cfg: &Config, settings: &Settings) -> Report {
    let report = pgvet::lint_sources(files, cfg, settings);
    check(&report);
    render(&report);
    report
}

/// The formats that read the sources through the findings' spans (code
/// frames, fingerprints). SARIF reads no source text, and its rule
/// descriptors, the same on every run, would take a quarter of the time.
fn render(report: &Report) {
    let _ = report::human::render(report, false);
    let _ = report::json::render(report);
    let _ = report::github::render(report);
    let _ = report::gitlab::render(report);
    let _ = report.fingerprints();
}

/// Every finding's span and location lies inside its file, starts before it
/// ends, and falls on character boundaries; every error's line exists.
pub fn check(report: &Report) {
    for f in &report.findings {
        if let Some(span) = f.span {
            let src = report.sources.get(span.file.0 as usize).unwrap_or_else(|| {
                panic!(
                    "{}: span in file #{} of {}",
                    f.rule,
                    span.file.0,
                    report.sources.len()
                )
            });
            let (start, end) = (span.start as usize, span.end as usize);
            assert!(
                start <= end && end <= src.text.len(),
                "{}: span {start}..{end} outside {} ({} bytes)",
                f.rule,
                src.path,
                src.text.len()
            );
            assert!(
                src.text.is_char_boundary(start) && src.text.is_char_boundary(end),
                "{}: span {start}..{end} splits a character in {}",
                f.rule,
                src.path
            );
            let loc = f
                .location
                .as_ref()
                .unwrap_or_else(|| panic!("{}: a span but no location", f.rule));
            assert_eq!(
                loc.file, src.path,
                "{}: location names another file",
                f.rule
            );
            let lines = line_lengths(&src.text);
            for (line, column) in [(loc.line, loc.column), (loc.end_line, loc.end_column)] {
                let len = (line as usize)
                    .checked_sub(1)
                    .and_then(|i| lines.get(i))
                    .unwrap_or_else(|| {
                        panic!(
                            "{}: line {line} of {} ({} lines)",
                            f.rule,
                            src.path,
                            lines.len()
                        )
                    });
                assert!(
                    column >= 1 && column as usize <= len + 1,
                    "{}: {}:{line}:{column} is past the line's {len} characters",
                    f.rule,
                    src.path
                );
            }
            assert!(
                (loc.line, loc.column) <= (loc.end_line, loc.end_column),
                "{}: location ends before it starts: {loc:?}",
                f.rule
            );
        }
    }
    for e in &report.errors {
        let Some(line) = e.line else { continue };
        // Errors name their file by path only, and inputs may share a name:
        // the line must exist in one of the files of that name.
        let lines = report
            .sources
            .iter()
            .filter(|s| s.path == e.file)
            .map(|s| line_lengths(&s.text).len())
            .max();
        let Some(lines) = lines else { continue };
        assert!(
            line >= 1 && line as usize <= lines,
            "error at {}:{line}, past its {lines} lines: {}",
            e.file,
            e.message
        );
    }
}

/// Characters in each line, counted without its terminator; LF, CRLF and a
/// lone CR end a line, as PostgreSQL and editors count them.
fn line_lengths(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut len = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => {
                out.push(len);
                len = 0;
            }
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push(len);
                len = 0;
            }
            _ => len += 1,
        }
    }
    out.push(len);
    out
}
