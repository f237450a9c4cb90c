//! Every rule's YAML parses, and its examples behave: `bad` fires the rule,
//! `good` does not, and both are valid SQL.

use pgvet::config::Config;
use pgvet::rules::{self, RuleImpl, RuleKind};

/// Lints one of `rule`'s examples with only that rule, in the settings the
/// examples are written for.
fn lint_one(rule: &rules::Rule, sql: &str) -> pgvet::report::Report {
    let id = rule.id();
    let cfg = Config {
        select: Some(vec![id.to_string()]),
        ..Config::default()
    };
    pgvet::lint_sources(
        rules::example_sources(&format!("{id}.sql"), sql),
        &cfg,
        &pgvet::Settings::for_example(rule),
    )
}

/// Rules whose findings are about the configuration (a schema it names),
/// not about an object a migration made.
const ABOUT_THE_CONFIG: [&str; 1] = ["exposed-schema-missing"];

/// Rules that judge the rows of a live database (`lint --db`): without one
/// they never fire, so their bad examples are run against a PostgreSQL
/// server with the rows they need by tests/data_checks.rs instead.
const NEEDS_DATABASE: [&str; 1] = ["data-violates-constraint"];

#[test]
fn every_yaml_parses_and_matches_its_rule() {
    assert!(!rules::all().is_empty());
    for rule in rules::all() {
        let doc = rules::parse_doc(rule.entry)
            .unwrap_or_else(|e| panic!("rules/{}.yaml: {e}", rule.id()));
        assert_eq!(doc.id, rule.id());
        let kind = match rule.entry.imp {
            RuleImpl::Schema(_) => RuleKind::Schema,
            RuleImpl::Statement(_) => RuleKind::Statement,
        };
        assert_eq!(doc.kind, kind, "rules/{}.yaml: kind", rule.id());
        for (field, text) in [
            ("title", &doc.title),
            ("summary", &doc.summary),
            ("rationale", &doc.rationale),
            ("help", &doc.help),
            ("fix", &doc.fix),
        ] {
            assert!(
                !text.trim().is_empty(),
                "rules/{}.yaml: `{field}` is empty",
                rule.id()
            );
        }
    }
}

#[test]
fn bad_examples_fire_their_rule() {
    for rule in rules::all() {
        let report = lint_one(rule, &rule.doc.bad);
        assert!(
            report.errors.is_empty(),
            "{}: bad example does not parse: {:?}",
            rule.id(),
            report.errors
        );
        if NEEDS_DATABASE.contains(&rule.id()) {
            continue;
        }
        assert!(
            report.findings.iter().any(|f| f.rule == rule.id()),
            "{}: bad example does not fire:\n{}",
            rule.id(),
            rule.doc.bad
        );
    }
}

#[test]
fn good_examples_do_not_fire_their_rule() {
    for rule in rules::all() {
        let report = lint_one(rule, &rule.doc.good);
        assert!(
            report.errors.is_empty(),
            "{}: good example does not parse: {:?}",
            rule.id(),
            report.errors
        );
        let fired: Vec<&String> = report
            .findings
            .iter()
            .filter(|f| f.rule == rule.id())
            .map(|f| &f.message)
            .collect();
        assert!(
            fired.is_empty(),
            "{}: good example fires: {fired:?}",
            rule.id()
        );
    }
}

#[test]
fn good_examples_are_clean_of_every_rule() {
    // A good example teaches the whole fix, so no other rule should object either.
    let mut dirty = Vec::new();
    for rule in rules::all() {
        let report = pgvet::lint_sources(
            rules::example_sources("good.sql", &rule.doc.good),
            &Config::default(),
            &pgvet::Settings::for_example(rule),
        );
        for f in &report.findings {
            dirty.push(format!("{}: {}: {}", rule.id(), f.rule, f.message));
        }
        for e in &report.errors {
            dirty.push(format!("{}: input error: {}", rule.id(), e.message));
        }
    }
    assert!(dirty.is_empty(), "good examples trigger rules: {dirty:#?}");
}

#[test]
fn messages_follow_the_style() {
    // One sentence, lowercase start, no final period; the object is named.
    for rule in rules::all() {
        for f in lint_one(rule, &rule.doc.bad).findings {
            let first = f.message.chars().next().unwrap_or(' ');
            assert!(
                !first.is_ascii_uppercase(),
                "{}: message starts uppercase: {}",
                rule.id(),
                f.message
            );
            assert!(
                !f.message.ends_with('.'),
                "{}: message ends with a period: {}",
                rule.id(),
                f.message
            );
            assert!(
                f.message.contains('`'),
                "{}: message names no object: {}",
                rule.id(),
                f.message
            );
            // A finding about the configuration names a schema, which has
            // no schema of its own and no place in a migration.
            if ABOUT_THE_CONFIG.contains(&rule.id()) {
                continue;
            }
            assert!(
                f.object.contains('.'),
                "{}: object is not schema-qualified: {}",
                rule.id(),
                f.object
            );
            assert!(
                f.location.is_some(),
                "{}: lint finding without location",
                rule.id()
            );
        }
    }
}

/// The rules table of docs/rules.md, one row per rule as `pgvet rules` would
/// list it.
fn rules_table() -> String {
    let mut rows = vec![
        "| rule | severity | category | kind | default | what it finds |".to_string(),
        "| --- | --- | --- | --- | --- | --- |".to_string(),
    ];
    let mut all: Vec<_> = rules::all().iter().collect();
    all.sort_by_key(|r| r.id());
    for r in all {
        rows.push(format!(
            "| `{}` | {} | {} | {} | {} | {} |",
            r.id(),
            r.doc.severity.as_str(),
            r.doc.category,
            format!("{:?}", r.doc.kind).to_lowercase(),
            if r.doc.default_enabled { "on" } else { "off" },
            // `<table>` in a title is text, not an HTML tag.
            r.doc
                .title
                .replace('|', "\\|")
                .replace('<', "\\<")
                .replace('>', "\\>")
        ));
    }
    rows.join("\n")
}

#[test]
fn docs_rules_page_lists_every_rule() {
    let page = std::fs::read_to_string("docs/rules.md").unwrap();
    let expected = rules_table();
    assert!(
        page.contains(&expected),
        "docs/rules.md's rules table is out of date; replace it with:\n\n{expected}\n"
    );
}
