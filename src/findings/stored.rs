//! A finding (and an input error) with every field, as a cache file keeps it: the report's own
//! serialization (JSON) leaves out what only pgvet reads, and the rule is
//! kept by id (the layers above know the rules).

use serde::{Deserialize, Serialize};

use super::remedy::Remedy;
use super::{Finding, InputError, Location, Related, Severity};
use crate::catalog::Span;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredFinding {
    rule: String,
    severity: Severity,
    message: String,
    object: String,
    location: Option<Location>,
    /// None when it is the rule's own help, as nearly always: the rule's
    /// documentation gives it back, and the file does not hold it once
    /// per finding.
    help: Option<String>,
    span: Option<Span>,
    remedy: Option<Remedy>,
    related: Vec<(String, Option<Location>, Option<Span>)>,
}

impl StoredFinding {
    /// `f` as a cache file keeps it; `rule_help` is its rule's help text
    /// (see [`Self::finding`]).
    pub fn of(f: &Finding, rule_help: &str) -> Self {
        StoredFinding {
            rule: f.rule.to_string(),
            severity: f.severity,
            message: f.message.clone(),
            object: f.object.clone(),
            location: f.location.clone(),
            help: (f.help != rule_help).then(|| f.help.clone()),
            span: f.span,
            remedy: f.remedy.clone(),
            related: f
                .related
                .iter()
                .map(|r| (r.message.clone(), r.location.clone(), r.span))
                .collect(),
        }
    }

    /// The finding, its rule's id and help text found by `rule`; None
    /// when it finds none (a rule this build does not have).
    pub fn finding(
        self,
        rule: impl Fn(&str) -> Option<(&'static str, &'static str)>,
    ) -> Option<Finding> {
        let (id, rule_help) = rule(&self.rule)?;
        Some(Finding {
            rule: id,
            severity: self.severity,
            message: self.message,
            object: self.object,
            location: self.location,
            help: self.help.unwrap_or_else(|| rule_help.to_string()),
            span: self.span,
            remedy: self.remedy,
            related: self
                .related
                .into_iter()
                .map(|(message, location, span)| Related {
                    message,
                    location,
                    span,
                })
                .collect(),
        })
    }
}

/// An [`InputError`] with every field (its JSON form leaves the column out).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredError {
    file: String,
    line: Option<u32>,
    column: Option<u32>,
    message: String,
}

impl StoredError {
    pub fn of(e: &InputError) -> Self {
        StoredError {
            file: e.file.clone(),
            line: e.line,
            column: e.column,
            message: e.message.clone(),
        }
    }

    pub fn error(self) -> InputError {
        InputError {
            file: self.file,
            line: self.line,
            column: self.column,
            message: self.message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(help: &str) -> Finding {
        Finding {
            rule: "r",
            severity: Severity::Warning,
            message: "m".to_string(),
            object: "public.t".to_string(),
            location: None,
            help: help.to_string(),
            span: None,
            remedy: None,
            related: Vec::new(),
        }
    }

    #[test]
    fn help_is_kept_only_when_it_is_not_the_rules() {
        let rule = |id: &str| (id == "r").then_some(("r", "the rule's help"));
        let own = StoredFinding::of(&finding("the rule's help"), "the rule's help");
        assert_eq!(own.help, None);
        assert_eq!(own.finding(rule), Some(finding("the rule's help")));
        let other = StoredFinding::of(&finding("something else"), "the rule's help");
        assert_eq!(other.help.as_deref(), Some("something else"));
        assert_eq!(other.finding(rule), Some(finding("something else")));
        // A rule this build does not have: no finding.
        let gone = StoredFinding::of(&finding("h"), "h");
        assert_eq!(gone.finding(|_| None), None);
    }
}
