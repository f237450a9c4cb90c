//! The JSON format. Its shape is a published interface: change it only by adding.

use serde::Serialize;

use super::{Finding, InputError, Report, Summary};

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    findings: &'a [Finding],
    errors: &'a [InputError],
    /// What pgvet could not analyze (`crate::passes::coverage`); always present.
    not_analyzed: &'a [crate::findings::gap::Gap],
    summary: JsonSummary<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<&'a crate::findings::baseline::Applied>,
    #[serde(skip_serializing_if = "Option::is_none")]
    changed: Option<&'a crate::findings::changed::Applied>,
    /// The database an audit read (`user@host:port/db`, never the password).
    #[serde(skip_serializing_if = "Option::is_none")]
    database: Option<&'a str>,
    /// How the run read its inputs, one line each (`Report::notes`).
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    notes: &'a [String],
}

/// The summary, with the findings counted by rule (added in version 1;
/// the shape only grows).
#[derive(Serialize)]
struct JsonSummary<'a> {
    #[serde(flatten)]
    summary: &'a Summary,
    rules: Vec<super::statistics::RuleCount>,
}

pub fn render(report: &Report) -> String {
    let doc = JsonReport {
        version: 1,
        findings: &report.findings,
        errors: &report.errors,
        not_analyzed: &report.not_analyzed,
        summary: JsonSummary {
            summary: &report.summary,
            rules: super::statistics::by_rule(&report.findings),
        },
        baseline: report.baseline.as_ref(),
        changed: report.changed.as_ref(),
        database: report.database.as_deref(),
        notes: &report.notes,
    };
    let mut out =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    out.push('\n');
    out
}
