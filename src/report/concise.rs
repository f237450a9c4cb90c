//! Concise output: one line per finding, `file:line:col: severity[rule] message`,
//! then the summary line (`--format concise`).

use super::human::{closing_notes, View};
use super::{printable, Finding, Report};

pub fn render(report: &Report, view: &View) -> String {
    let mut out = String::new();
    for e in &report.errors {
        out.push_str(&format!(
            "{}: error[input] {}\n",
            printable(&e.place()),
            printable(&e.message)
        ));
    }
    if view.statistics {
        out.push_str(&super::statistics::table(report));
    } else {
        for f in view.ordered(report) {
            out.push_str(&line(f));
            out.push('\n');
        }
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(&closing_notes(report));
    out
}

/// `file:line:col: severity[rule] message`; a finding without a place in a
/// file (an audit's) names its object instead.
pub fn line(f: &Finding) -> String {
    let place = match &f.location {
        Some(l) => format!("{}:{}:{}", printable(&l.file), l.line, l.column),
        None => printable(&f.object).into_owned(),
    };
    format!(
        "{place}: {}[{}] {}",
        f.severity.as_str(),
        f.rule,
        printable(&f.message)
    )
}
