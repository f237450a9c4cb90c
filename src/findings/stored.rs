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
    help: String,
    span: Option<Span>,
    remedy: Option<Remedy>,
    related: Vec<(String, Option<Location>, Option<Span>)>,
}

impl StoredFinding {
    pub fn of(f: &Finding) -> Self {
        StoredFinding {
            rule: f.rule.to_string(),
            severity: f.severity,
            message: f.message.clone(),
            object: f.object.clone(),
            location: f.location.clone(),
            help: f.help.clone(),
            span: f.span,
            remedy: f.remedy.clone(),
            related: f
                .related
                .iter()
                .map(|r| (r.message.clone(), r.location.clone(), r.span))
                .collect(),
        }
    }

    /// The finding, its rule's id found by `rule_id`; None when it finds
    /// none (a rule this build does not have).
    pub fn finding(self, rule_id: impl Fn(&str) -> Option<&'static str>) -> Option<Finding> {
        Some(Finding {
            rule: rule_id(&self.rule)?,
            severity: self.severity,
            message: self.message,
            object: self.object,
            location: self.location,
            help: self.help,
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
