//! GitLab Code Quality: a JSON array of issues (GitLab's subset of the Code
//! Climate format) for `artifacts: reports: codequality:`.
//!
//! Severity: info -> `info`, warning -> `minor`, error -> `major`; GitLab's
//! `critical` stays unused and `blocker` marks input pgvet could not analyze
//! at all (check `input-error`: an unreadable file, a statement that does not
//! parse), which no finding can stand in for.
//! Audit findings have no file: their path is the object (`public.t`), line 1.

use std::collections::HashMap;

use serde::Serialize;

use super::{repo_path, Report, Severity};
use crate::findings::fingerprint::{numbered, Key};
use crate::report::sarif::INPUT_ERROR;

#[derive(Serialize)]
struct Issue {
    description: String,
    check_name: String,
    fingerprint: String,
    severity: &'static str,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
}

pub fn render(report: &Report) -> String {
    let mut seen = HashMap::new();
    let errors = report.errors.iter().map(|e| {
        let path = repo_path(&e.file);
        // Input errors hash their own fields, apart from any rule's findings.
        let mut key = Key::new();
        key.field(INPUT_ERROR);
        key.field(&path);
        key.field(&e.message);
        Issue {
            description: e.message.clone(),
            check_name: INPUT_ERROR.to_string(),
            fingerprint: numbered(key, &mut seen),
            severity: "blocker",
            location: Location {
                path,
                lines: Lines {
                    begin: e.line.unwrap_or(1),
                },
            },
        }
    });
    let findings = report
        .findings
        .iter()
        .zip(report.fingerprints())
        .map(|(f, fingerprint)| Issue {
            description: f.message.clone(),
            check_name: f.rule.to_string(),
            fingerprint,
            severity: severity(f.severity),
            location: match &f.location {
                Some(l) => Location {
                    path: repo_path(&l.file),
                    lines: Lines { begin: l.line },
                },
                None => Location {
                    path: f.object.clone(),
                    lines: Lines { begin: 1 },
                },
            },
        });
    let issues: Vec<Issue> = errors.chain(findings).collect();
    let mut out = serde_json::to_string_pretty(&issues)
        .unwrap_or_else(|e| format!("{{\"error\":{:?}}}", e.to_string()));
    out.push('\n');
    out
}

fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info => "info",
    }
}
