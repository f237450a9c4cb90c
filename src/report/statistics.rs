//! Findings counted by rule: the table at the end of human output, what
//! `--statistics` prints alone, and `summary.rules` in JSON.

use serde::Serialize;

use super::{Finding, Report, Severity};
use crate::findings::remedy::Applicability;

/// The findings of one rule at one severity (a rule whose findings are
/// weighed, such as a lock on a large table or an empty one, can have two
/// rows).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleCount {
    pub rule: &'static str,
    pub severity: Severity,
    pub count: usize,
    /// How many of them have an automatic fix.
    pub fixable: usize,
    /// Whether that fix is safe (`pgvet fix` writes it) or unsafe (only
    /// with `--unsafe-fixes`); absent for a rule without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applicability: Option<Applicability>,
    /// The rule's one-line title.
    pub title: String,
}

/// By severity (errors first), then count (most first), then rule id.
pub fn by_rule(findings: &[Finding]) -> Vec<RuleCount> {
    let mut rows: Vec<RuleCount> = Vec::new();
    for f in findings {
        match rows
            .iter_mut()
            .find(|r| r.rule == f.rule && r.severity == f.severity)
        {
            Some(row) => {
                row.count += 1;
                row.fixable += usize::from(f.remedy.is_some());
                // One instance that only --unsafe-fixes writes makes the row's.
                if crate::fix::applicability_of(f) == Some(Applicability::Unsafe) {
                    row.applicability = Some(Applicability::Unsafe);
                }
            }
            None => rows.push(RuleCount {
                rule: f.rule,
                severity: f.severity,
                count: 1,
                fixable: usize::from(f.remedy.is_some()),
                applicability: crate::fix::applicability_of(f)
                    .or_else(|| crate::fix::applicability(f.rule)),
                title: title(f.rule),
            }),
        }
    }
    rows.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.count.cmp(&a.count))
            .then(a.rule.cmp(b.rule))
    });
    rows
}

/// A rule's title, or a drift kind's.
fn title(rule: &str) -> String {
    match crate::rules::find(rule) {
        Some(r) => r.doc.title.clone(),
        None => crate::drift::title(rule)
            .map(|t| {
                let mut chars = t.chars();
                chars
                    .next()
                    .map(|c| c.to_uppercase().chain(chars).collect())
                    .unwrap_or_default()
            })
            .unwrap_or_default(),
    }
}

/// The findings with an automatic fix: (safe ones, unsafe ones).
pub fn fixable(findings: &[Finding]) -> (usize, usize) {
    let mut counts = (0, 0);
    for f in findings.iter().filter(|f| f.remedy.is_some()) {
        match crate::fix::applicability_of(f) {
            Some(Applicability::Safe) => counts.0 += 1,
            _ => counts.1 += 1,
        }
    }
    counts
}

/// The table, one row per rule and severity:
/// `  12  warning  fk-missing-index  (12 fixable)  Foreign key without an index`.
pub fn table(report: &Report) -> String {
    let rows = by_rule(&report.findings);
    if rows.is_empty() {
        return String::new();
    }
    let fixable: Vec<String> = rows
        .iter()
        .map(|r| {
            let kind = match r.applicability {
                Some(Applicability::Unsafe) => "unsafe fix",
                _ => "fixable",
            };
            match r.fixable {
                0 => String::new(),
                n if n == r.count => kind.to_string(),
                n => format!("{n} {kind}"),
            }
        })
        .collect();
    let count_w = rows
        .iter()
        .map(|r| r.count.to_string().len())
        .max()
        .unwrap_or(1);
    let rule_w = rows.iter().map(|r| r.rule.len()).max().unwrap_or(0);
    let fix_w = fixable.iter().map(String::len).max().unwrap_or(0);
    let mut out = String::from("Findings by rule:\n");
    for (r, fix) in rows.iter().zip(&fixable) {
        let fix = if fix_w == 0 {
            String::new()
        } else {
            format!("{fix:<fix_w$}  ")
        };
        let line = format!(
            "  {:>count_w$}  {:<7}  {:<rule_w$}  {fix}{}",
            r.count,
            r.severity.as_str(),
            r.rule,
            r.title
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(rule: &'static str, severity: Severity, fixable: bool) -> Finding {
        Finding {
            rule,
            severity,
            message: String::new(),
            object: String::new(),
            location: None,
            help: String::new(),
            span: None,
            related: Vec::new(),
            remedy: fixable.then(|| crate::findings::remedy::Remedy::EnableRls {
                table: crate::catalog::QualifiedName::new(
                    crate::catalog::Ident::new("public"),
                    crate::catalog::Ident::new("t"),
                ),
            }),
        }
    }

    #[test]
    fn drift_kinds_have_titles_too() {
        assert_eq!(
            title(crate::drift::EXTRA),
            "An object in the database that no migration makes"
        );
        assert_eq!(
            title("fk-missing-index"),
            "Foreign key without an index on its columns"
        );
    }

    #[test]
    fn rows_by_severity_then_count() {
        let findings = vec![
            finding("fk-missing-index", Severity::Warning, true),
            finding("rls-disabled-in-public", Severity::Error, false),
            finding("fk-missing-index", Severity::Warning, false),
            finding("rls-initplan", Severity::Info, true),
            finding("fk-missing-index", Severity::Warning, true),
            finding("timestamp-nullable", Severity::Warning, false),
        ];
        let rows: Vec<(&str, Severity, usize, usize)> = by_rule(&findings)
            .iter()
            .map(|r| (r.rule, r.severity, r.count, r.fixable))
            .collect();
        assert_eq!(
            rows,
            vec![
                ("rls-disabled-in-public", Severity::Error, 1, 0),
                ("fk-missing-index", Severity::Warning, 3, 2),
                ("timestamp-nullable", Severity::Warning, 1, 0),
                ("rls-initplan", Severity::Info, 1, 1),
            ]
        );
    }
}
