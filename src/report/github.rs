//! GitHub Actions workflow commands: one `::error`, `::warning` or `::notice`
//! line per finding, which GitHub shows as an annotation on the pull
//! request's diff. Input errors are `::error` lines too. What pgvet could
//! not analyze is one `::notice` line without a file, with the count by kind
//! (an annotation per DO block would crowd out the findings' annotations).

use std::fmt::Write as _;

use super::{printable, repo_path, Report, Severity};
use crate::report::sarif::INPUT_ERROR;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for e in &report.errors {
        let mut props = vec![("file", repo_path(&printable(&e.file)))];
        if let Some(line) = e.line {
            props.push(("line", line.to_string()));
        }
        if let Some(col) = e.column {
            props.push(("col", col.to_string()));
        }
        props.push(("title", INPUT_ERROR.to_string()));
        command(&mut out, "error", &props, &printable(&e.message));
    }
    for f in &report.findings {
        let mut props = Vec::new();
        if let Some(l) = &f.location {
            props.push(("file", repo_path(&printable(&l.file))));
            props.push(("line", l.line.to_string()));
            props.push(("col", l.column.to_string()));
            props.push(("endLine", l.end_line.to_string()));
            props.push(("endColumn", l.end_column.to_string()));
        }
        props.push(("title", f.rule.to_string()));
        // Each part is made printable; the line break between them is ours.
        let message = if f.help.is_empty() {
            printable(&f.message).into_owned()
        } else {
            format!("{}\nhelp: {}", printable(&f.message), printable(&f.help))
        };
        command(&mut out, annotation(f.severity), &props, &message);
    }
    if !report.not_analyzed.is_empty() {
        let message = format!(
            "{}; `--format json` lists them, `--strict` reports each as an error",
            crate::findings::gap::summary(&report.not_analyzed, report.database.is_some())
        );
        command(
            &mut out,
            "notice",
            &[("title", crate::passes::coverage::RULE.to_string())],
            &message,
        );
    }
    out
}

fn annotation(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// `::name key=value,key=value::message` and a newline.
fn command(out: &mut String, name: &str, props: &[(&str, String)], message: &str) {
    let props = props
        .iter()
        .map(|(k, v)| format!("{k}={}", escape_property(v)))
        .collect::<Vec<_>>()
        .join(",");
    let _ = writeln!(out, "::{name} {props}::{}", escape_data(message));
}

/// The message part of a command: `%`, CR and LF are encoded (GitHub
/// decodes them back; a raw newline would end the command).
pub(crate) fn escape_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// A property value: as [`escape_data`], plus `:` and `,`, which would
/// otherwise end the value.
pub(crate) fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escapes_percent_and_line_breaks() {
        assert_eq!(
            escape_data("100% a\r\nb\nc: d, e"),
            "100%25 a%0D%0Ab%0Ac: d, e"
        );
    }

    #[test]
    fn percent_is_escaped_first() {
        // A literal "%0A" in a message must not come out as a newline.
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn properties_also_escape_colon_and_comma() {
        assert_eq!(escape_property("m/a:b,c%\n.sql"), "m/a%3Ab%2Cc%25%0A.sql");
    }
}
