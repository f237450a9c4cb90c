//! SARIF 2.1.0, the OASIS format GitHub code scanning uploads
//! (`tests/schemas/sarif-2.1.0.json` is the schema it is tested against).
//!
//! One run. `tool.driver.rules` has one descriptor per rule of the registry,
//! enabled or not, so `ruleIndex` stays meaningful whatever the config runs.
//! Input pgvet could not use (unreadable file, SQL that does not parse) is
//! reported as `invocations[0].toolExecutionNotifications`, not as results:
//! it says the analysis is incomplete, which is what SARIF consumers read
//! from notifications, and it is not a finding a reviewer could dismiss as a
//! code scanning alert. The exit code (2) still fails the CI job.
//! What pgvet could not analyze (`Report::not_analyzed`: DO blocks, dynamic
//! SQL, ...) is a `note` notification too, tagged with its kind; under
//! `--strict` it is also a result of rule `not-analyzed`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{repo_path, Finding, InputError, Report, Severity};
use crate::rules::{self, Rule};

/// The schema's published address (OASIS, 2.1.0 with errata 01).
const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// The `partialFingerprints` key: [`Report::fingerprints`], versioned so a
/// change of algorithm can use a new key.
pub const FINGERPRINT_KEY: &str = "pgvet/v1";
/// The notification descriptor of input errors.
pub const INPUT_ERROR: &str = "input-error";

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    invocations: Vec<Invocation>,
    /// Columns count characters (`LineIndex::position`), not UTF-16 units.
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    rules: Vec<Descriptor>,
    notifications: Vec<Descriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    id: String,
    name: String,
    short_description: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    full_description: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<Help>,
    default_configuration: Configuration,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<Properties>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    enabled: bool,
    level: &'static str,
}

#[derive(Serialize)]
struct Properties {
    tags: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<SarifLocation>,
    descriptor: DescriptorRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<Properties>,
}

#[derive(Serialize)]
struct DescriptorRef {
    id: &'static str,
    index: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<SarifLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<RelatedLocation>,
    partial_fingerprints: BTreeMap<&'static str, String>,
}

/// Another place that explains a result (SARIF 2.1.0 §3.27.22).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RelatedLocation {
    id: usize,
    message: Text,
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    fully_qualified_name: String,
}

pub fn render(report: &Report) -> String {
    let registry = rules::all();
    let mut descriptors: Vec<Descriptor> = registry.iter().map(descriptor).collect();
    let mut index: BTreeMap<String, usize> = registry
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id().to_string(), i))
        .collect();
    // A finding of a rule outside the registry (none today) still gets a
    // descriptor, so its ruleIndex points at something.
    for f in &report.findings {
        if !index.contains_key(f.rule) {
            index.insert(f.rule.to_string(), descriptors.len());
            descriptors.push(unregistered_descriptor(f));
        }
    }

    let results = report
        .findings
        .iter()
        .zip(report.fingerprints())
        .map(|(f, fingerprint)| SarifResult {
            rule_id: f.rule.to_string(),
            rule_index: index.get(f.rule).copied().unwrap_or(0),
            level: level(f.severity),
            message: Text {
                text: f.message.clone(),
            },
            locations: vec![finding_location(f)],
            related_locations: related_locations(f),
            partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, fingerprint)]),
        })
        .collect();

    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "pgvet",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: information_uri(),
                    rules: descriptors,
                    notifications: vec![input_error_descriptor(), not_analyzed_descriptor()],
                },
            },
            invocations: vec![Invocation {
                // pgvet exits 2 when input could not be used.
                execution_successful: report.errors.is_empty(),
                tool_execution_notifications: report
                    .errors
                    .iter()
                    .map(notification)
                    .chain(report.not_analyzed.iter().map(gap_notification))
                    .collect(),
            }],
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    let mut out = serde_json::to_string_pretty(&log)
        .unwrap_or_else(|e| format!("{{\"error\":{:?}}}", e.to_string()));
    out.push('\n');
    out
}

fn information_uri() -> Option<&'static str> {
    [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")]
        .into_iter()
        .find(|u| !u.is_empty())
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn descriptor(rule: &Rule) -> Descriptor {
    let d = &rule.doc;
    let mut markdown = format!("{}\n\n{}", d.help.trim(), d.rationale.trim());
    if !d.fix.trim().is_empty() {
        markdown.push_str(&format!("\n\n**Fix**\n\n{}", d.fix.trim()));
    }
    Descriptor {
        id: rule.id().to_string(),
        name: camel_case(rule.id()),
        short_description: Text {
            text: d.title.clone(),
        },
        full_description: Some(Text {
            text: d.summary.trim().to_string(),
        }),
        // The rule's page once it has an absolute address; a reference until then.
        help_uri: super::rule_docs::page_uri(rule.id()).or_else(|| d.references.first().cloned()),
        help: Some(Help {
            text: format!("{}\n\n{}", d.help.trim(), d.fix.trim()),
            markdown,
        }),
        default_configuration: Configuration {
            enabled: d.default_enabled,
            level: level(d.severity),
        },
        properties: (!d.category.is_empty()).then(|| Properties {
            tags: vec![d.category.clone()],
        }),
    }
}

fn unregistered_descriptor(f: &Finding) -> Descriptor {
    Descriptor {
        id: f.rule.to_string(),
        name: camel_case(f.rule),
        short_description: Text {
            text: f.rule.to_string(),
        },
        full_description: None,
        help_uri: None,
        help: Some(Help {
            text: f.help.clone(),
            markdown: f.help.clone(),
        }),
        default_configuration: Configuration {
            enabled: true,
            level: level(f.severity),
        },
        properties: None,
    }
}

fn input_error_descriptor() -> Descriptor {
    Descriptor {
        id: INPUT_ERROR.to_string(),
        name: camel_case(INPUT_ERROR),
        short_description: Text {
            text: "Input pgvet could not read or parse".to_string(),
        },
        full_description: Some(Text {
            text: "A file that could not be read or is not UTF-8, or a statement PostgreSQL's \
                   parser rejects; the rest of the input is still analyzed."
                .to_string(),
        }),
        help_uri: None,
        help: None,
        default_configuration: Configuration {
            enabled: true,
            level: "error",
        },
        properties: None,
    }
}

/// `fk-missing-index` -> `FkMissingIndex`, the rule's struct name.
fn camel_case(id: &str) -> String {
    id.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect::<String>()
            })
        })
        .collect()
}

fn finding_location(f: &Finding) -> SarifLocation {
    located(f.location.as_ref(), &f.object)
}

fn related_locations(f: &Finding) -> Vec<RelatedLocation> {
    f.related
        .iter()
        .filter_map(|r| r.location.as_ref().map(|l| (r, l)))
        .enumerate()
        .map(|(id, (r, l))| RelatedLocation {
            id,
            message: Text {
                text: r.message.clone(),
            },
            physical_location: physical(l),
        })
        .collect()
}

fn physical(l: &super::Location) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: ArtifactLocation {
            uri: artifact_uri(&l.file),
        },
        region: Some(Region {
            start_line: l.line,
            start_column: Some(l.column),
            end_line: Some(l.end_line),
            end_column: Some(l.end_column),
        }),
    }
}

/// A place in a file, when there is one, and the object as a logical location.
fn located(location: Option<&super::Location>, object: &str) -> SarifLocation {
    SarifLocation {
        physical_location: location.map(physical),
        logical_locations: vec![LogicalLocation {
            fully_qualified_name: object.to_string(),
        }],
    }
}

fn notification(e: &InputError) -> Notification {
    Notification {
        level: "error",
        message: Text {
            text: e.message.clone(),
        },
        locations: vec![SarifLocation {
            physical_location: Some(PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri: artifact_uri(&e.file),
                },
                region: e.line.map(|line| Region {
                    start_line: line,
                    start_column: e.column,
                    end_line: None,
                    end_column: None,
                }),
            }),
            logical_locations: Vec::new(),
        }],
        descriptor: DescriptorRef {
            id: INPUT_ERROR,
            index: 0,
        },
        properties: None,
    }
}

fn not_analyzed_descriptor() -> Descriptor {
    Descriptor {
        id: crate::passes::coverage::RULE.to_string(),
        name: camel_case(crate::passes::coverage::RULE),
        short_description: Text {
            text: "SQL pgvet could not analyze".to_string(),
        },
        full_description: Some(Text {
            text: "A DO block, dynamic SQL, a function body that does not parse or is in \
                   another language, an extension pgvet does not model, or a file included \
                   by psql: no rule checked it. The tag names the kind."
                .to_string(),
        }),
        help_uri: None,
        help: None,
        default_configuration: Configuration {
            enabled: true,
            level: "note",
        },
        properties: None,
    }
}

/// A gap of the coverage account: where it is, and its kind as a tag.
fn gap_notification(g: &crate::findings::gap::Gap) -> Notification {
    Notification {
        level: "note",
        message: Text {
            text: g.reason.clone(),
        },
        locations: vec![located(g.location.as_ref(), &g.object)],
        descriptor: DescriptorRef {
            id: crate::passes::coverage::RULE,
            index: 1,
        },
        properties: Some(Properties {
            tags: vec![g.kind.as_str().to_string()],
        }),
    }
}

/// A file path as a URI reference: relative paths stay relative (code
/// scanning resolves them against the checkout), absolute ones become
/// `file:` URIs; characters a URI cannot hold are percent-encoded.
pub(crate) fn artifact_uri(file: &str) -> String {
    let path = repo_path(file);
    let bytes = path.as_bytes();
    let drive = matches!(bytes, [d, b':', b'/', ..] if d.is_ascii_alphabetic());
    let mut out = String::with_capacity(path.len() + 8);
    let rest = if path.starts_with('/') {
        out.push_str("file://");
        path.as_str()
    } else if drive {
        out.push_str("file:///");
        out.push_str(path.get(..2).unwrap_or_default());
        path.get(2..).unwrap_or_default()
    } else {
        path.as_str()
    };
    for &b in rest.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_stay_relative() {
        assert_eq!(
            artifact_uri("./supabase/migrations/001_init.sql"),
            "supabase/migrations/001_init.sql"
        );
    }

    #[test]
    fn absolute_paths_become_file_uris() {
        assert_eq!(artifact_uri("/repo/m/001.sql"), "file:///repo/m/001.sql");
    }

    #[test]
    fn characters_outside_uris_are_encoded() {
        assert_eq!(
            artifact_uri("m/a b#1%:é.sql"),
            "m/a%20b%231%25%3A%C3%A9.sql"
        );
    }

    #[test]
    fn rule_names_are_camel_case() {
        assert_eq!(camel_case("fk-missing-index"), "FkMissingIndex");
        assert_eq!(camel_case("input-error"), "InputError");
    }
}
