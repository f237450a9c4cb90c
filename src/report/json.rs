//! The JSON format. Its shape is a published interface: change it only by adding.

use std::io;

use rayon::prelude::*;
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

/// The document as `serde_json`'s pretty printer writes it (two spaces an
/// indent level).
pub fn render(report: &Report) -> String {
    let mut out = Vec::new();
    // Writing to memory fails only where serializing does.
    let _ = write(report, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// [`render`], written to `w` piece by piece. The findings, most of a large
/// report (13 MB for 23,000 findings), are written on every core in runs
/// and put in place of the empty list the rest of the document is written
/// with.
pub fn write(report: &Report, w: &mut dyn io::Write) -> io::Result<()> {
    let doc = |findings| JsonReport {
        version: 1,
        findings,
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
    let failed = |w: &mut dyn io::Write, e: serde_json::Error| writeln!(w, "{{\"error\":\"{e}\"}}");
    let one_piece = |w: &mut dyn io::Write| match serde_json::to_vec_pretty(&doc(&report.findings))
    {
        Ok(text) => {
            w.write_all(&text)?;
            w.write_all(b"\n")
        }
        Err(e) => failed(w, e),
    };
    if report.findings.is_empty() {
        return one_piece(w);
    }
    let (rest, runs) = rayon::join(
        || serde_json::to_vec_pretty(&doc(&[])),
        || findings_runs(&report.findings),
    );
    let (rest, runs) = match (rest, runs) {
        (Ok(rest), Ok(runs)) => (rest, runs),
        (Err(e), _) | (_, Err(e)) => return failed(w, e),
    };
    // `"findings"` is the second key, after a number: its empty list is
    // the first `[]` after the head.
    let head = b"{\n  \"version\": 1,\n  \"findings\": ";
    let Some(tail) = rest
        .strip_prefix(head.as_slice())
        .and_then(|r| r.strip_prefix(b"[]".as_slice()))
    else {
        return one_piece(w);
    };
    w.write_all(head)?;
    w.write_all(b"[")?;
    for (i, run) in runs.iter().enumerate() {
        // The first value follows the bracket without a comma.
        w.write_all(if i == 0 {
            run.get(1..).unwrap_or_default()
        } else {
            run
        })?;
    }
    w.write_all(b"\n  ]")?;
    w.write_all(tail)?;
    w.write_all(b"\n")
}

/// Findings per run written on one thread.
const RUN: usize = 256;

/// The findings as the pretty printer writes them as a list at the
/// document's second level, in runs: each value after a comma and a line
/// break.
fn findings_runs(findings: &[Finding]) -> Result<Vec<Vec<u8>>, serde_json::Error> {
    findings
        .par_chunks(RUN)
        .map(|run| {
            let mut buf = Vec::with_capacity(run.len() * 640);
            for f in run {
                buf.extend_from_slice(b",\n    ");
                let mut ser = serde_json::Serializer::with_formatter(&mut buf, Nested::at(2));
                f.serialize(&mut ser)?;
            }
            Ok(buf)
        })
        .collect()
}

/// serde_json's pretty layout (two spaces an indent level), for a value
/// that starts at level `depth` of a document.
struct Nested {
    depth: usize,
    has_value: bool,
}

impl Nested {
    fn at(depth: usize) -> Nested {
        Nested {
            depth,
            has_value: false,
        }
    }

    fn indent<W: ?Sized + io::Write>(&self, w: &mut W) -> io::Result<()> {
        for _ in 0..self.depth {
            w.write_all(b"  ")?;
        }
        Ok(())
    }

    fn open<W: ?Sized + io::Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + io::Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            w.write_all(b"\n")?;
            self.indent(w)?;
        }
        w.write_all(bracket)
    }

    fn item<W: ?Sized + io::Write>(&self, w: &mut W, first: bool) -> io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(w)
    }
}

impl serde_json::ser::Formatter for Nested {
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.item(w, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.item(w, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{Location, Related, Severity};

    fn finding(i: usize) -> Finding {
        let at = |line| Location {
            file: format!("migrations/{:03}_\"é\".sql", i % 7),
            line,
            column: 3,
            end_line: line + 1,
            end_column: 9,
        };
        Finding {
            rule: "fk-missing-index",
            severity: if i.is_multiple_of(3) {
                Severity::Error
            } else {
                Severity::Warning
            },
            message: format!("message {i} with \"quotes\", a tab\tand ünïcode"),
            object: format!("public.t{i}"),
            location: (!i.is_multiple_of(5)).then(|| at(i as u32)),
            help: "line one\nline two".into(),
            span: None,
            remedy: None,
            related: if i.is_multiple_of(4) {
                vec![Related {
                    message: "the other one".into(),
                    location: Some(at(1)),
                    span: None,
                }]
            } else {
                Vec::new()
            },
        }
    }

    /// The report as `serde_json`'s pretty printer writes it in one piece.
    fn whole(report: &Report) -> String {
        let doc = JsonReport {
            version: 1,
            findings: &report.findings,
            errors: &report.errors,
            not_analyzed: &report.not_analyzed,
            summary: JsonSummary {
                summary: &report.summary,
                rules: super::super::statistics::by_rule(&report.findings),
            },
            baseline: report.baseline.as_ref(),
            changed: report.changed.as_ref(),
            database: report.database.as_deref(),
            notes: &report.notes,
        };
        serde_json::to_string_pretty(&doc).unwrap() + "\n"
    }

    #[test]
    fn findings_written_in_runs_read_as_the_whole_document_would() {
        // None, one, one run exactly, and runs with a remainder.
        for n in [0, 1, 2, RUN, RUN + 1, 3 * RUN + 17] {
            let mut report = Report {
                findings: (0..n).map(finding).collect(),
                notes: vec!["a note".into()],
                ..Report::default()
            };
            report.summary.findings = n;
            assert_eq!(render(&report), whole(&report), "{n} findings");
        }
    }
}
