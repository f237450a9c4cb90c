//! `pgvet explain RULE`: a rule's rationale, examples and fix.

use anyhow::{bail, Result};

use super::{write_stdout, Outcome};
use crate::report::rule_docs;

/// Prints the explanation of rule `id` (or alias).
pub fn run(id: &str) -> Result<Outcome> {
    let Some(rule) = crate::rules::find(id) else {
        // `pgvet drift` findings come from the comparison, not from a rule.
        if let Some(text) = crate::drift::explain(id) {
            write_stdout(text)?;
            return Ok(Outcome::Clean);
        }
        bail!("unknown rule `{id}`{}; `pgvet rules` lists them", hint(id));
    };
    write_stdout(&explain(rule))?;
    Ok(Outcome::Clean)
}

/// ` (did you mean `x`?)` for the closest rule id, else the closest id of
/// what `pgvet drift` reports, or nothing.
fn hint(id: &str) -> String {
    use crate::drift::{CHANGED, EXTRA, MISSING, UNAPPLIED, UNKNOWN_MIGRATION};
    let rule = crate::config::did_you_mean(id);
    if !rule.is_empty() {
        return rule;
    }
    let drift = [MISSING, EXTRA, CHANGED, UNAPPLIED, UNKNOWN_MIGRATION];
    crate::catalog::ident::closest(&id.to_ascii_lowercase(), drift)
        .map(|d| format!(" (did you mean `{d}`?)"))
        .unwrap_or_default()
}

pub fn explain(rule: &crate::rules::Rule) -> String {
    let d = &rule.doc;
    let indent = |s: &str| {
        s.trim_end()
            .lines()
            .map(|l| format!("    {l}\n"))
            .collect::<String>()
    };
    let mut s = format!("{} — {}\n\n", d.id, d.title);
    s.push_str(&format!(
        "severity: {}   category: {}   kind: {}   default: {}{}\n\n",
        d.severity.as_str(),
        d.category,
        format!("{:?}", d.kind).to_lowercase(),
        super::rules::on_off(d.default_enabled),
        aliases(&d.aliases)
    ));
    s.push_str(&format!("{}\n\n{}\n", d.summary.trim(), d.rationale.trim()));
    if let Some(schemas) = &d.exposed_schemas {
        s.push_str(&format!(
            "\nThe examples assume the API serves these schemas (pgvet.yaml `exposed_schemas`): {}\n",
            schemas.join(", ")
        ));
    }
    s.push_str(&format!(
        "\nBad:\n{}\nGood:\n{}\nFix:\n{}",
        indent(&d.bad),
        indent(&d.good),
        indent(&d.fix)
    ));
    s.push_str(&format!("\n{}\n", rule_docs::automatic_fix(d)));
    if !d.references.is_empty() {
        s.push_str(&format!(
            "\nReferences:\n{}",
            d.references
                .iter()
                .map(|r| format!("    {r}\n"))
                .collect::<String>()
        ));
    }
    s.push_str(&format!("\nPage: {}\n", page(rule.id())));
    s
}

/// Where the rule's page is: its address, or its path in the pgvet
/// repository while the docs have no public address.
fn page(id: &str) -> String {
    match rule_docs::page_uri(id) {
        Some(uri) => uri,
        None => format!("{} in the pgvet repository", rule_docs::page(id)),
    }
}

/// The other ids a rule answers to, for the header line.
fn aliases(aliases: &[String]) -> String {
    if aliases.is_empty() {
        return String::new();
    }
    format!("   aliases: {}", aliases.join(", "))
}
