//! The rule pages of `docs/rules/`: one Markdown page per rule, made from
//! its `rules/<id>.yaml`, and the index listing them. `tests/docs.rs` fails
//! when the files in the repository differ from what this renders, and
//! rewrites them under `PGVET_WRITE_DOCS=1`.
//!
//! SARIF's `helpUri`, the language server's `codeDescription.href` and
//! `pgvet explain` point at a rule's page through [`page`] and [`page_uri`].

use crate::findings::remedy::Applicability;
use crate::rules::{Rule, RuleDoc, RuleKind};

/// Where the rule pages live. The repository has no public address yet
/// (Cargo.toml names no `repository` or `homepage`), so this is the path
/// inside the pgvet repository. Once it has one, make this the forge address
/// of the folder (e.g. `https://<forge>/<owner>/pgvet/blob/main/docs/rules/`):
/// SARIF and the language server then link every rule to its page.
pub const DOCS_BASE: &str = "docs/rules/";

/// The command that rewrites the generated pages.
pub const REGENERATE: &str = "PGVET_WRITE_DOCS=1 cargo test --test docs";

/// The first line of every generated file.
fn generated_line(from: &str) -> String {
    format!("<!-- Generated from {from} by `{REGENERATE}`; do not edit. -->\n")
}

/// The address of rule `id`'s page: [`DOCS_BASE`] then `<id>.md`.
pub fn page(id: &str) -> String {
    format!("{DOCS_BASE}{id}.md")
}

/// The page's address when it is an absolute URI (what SARIF's `helpUri`
/// and LSP's `href` require); `None` while [`DOCS_BASE`] is a path.
pub fn page_uri(id: &str) -> Option<String> {
    DOCS_BASE.contains("://").then(|| page(id))
}

/// The file name of a rule's page inside `docs/rules/`.
pub fn file_name(id: &str) -> String {
    format!("{id}.md")
}

/// Every generated file: its path relative to `docs/`, and its text.
/// `other_pages` are the hand-written pages of `docs/` (path relative to
/// `docs/`, title) for the book's table of contents.
pub fn files(rules: &[Rule], other_pages: &[(String, String)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = rules
        .iter()
        .map(|r| (format!("rules/{}", file_name(r.id())), render_page(r)))
        .collect();
    out.push(("rules/README.md".to_string(), render_index(rules)));
    out.push(("SUMMARY.md".to_string(), render_summary(rules, other_pages)));
    out
}

/// `drift`, `security`, ... in the order a reader meets them in the index.
fn categories(rules: &[Rule]) -> Vec<&str> {
    let mut seen: Vec<&str> = rules.iter().map(|r| r.doc.category.as_str()).collect();
    seen.sort_unstable();
    seen.dedup();
    seen
}

/// `docs/rules/README.md`: a table of every rule, by category.
pub fn render_index(rules: &[Rule]) -> String {
    let mut s = generated_line("rules/*.yaml");
    s.push_str("\n# Rules\n\n");
    s.push_str(
        "One page per rule, generated from its `rules/<id>.yaml`. `pgvet rules` lists \
         them and `pgvet explain <id>` prints a page in the terminal. Default `off` \
         means opt-in: turn it on with `select` in pgvet.yaml. Kind `schema`: the rule \
         reads the finished schema (lint and audit); `statement`: it reads each \
         migration statement (lint only).\n",
    );
    for category in categories(rules) {
        let title = if category.is_empty() {
            "(no category)"
        } else {
            category
        };
        s.push_str(&format!(
            "\n## {title}\n\n| Rule | Severity | Kind | Default | Title |\n|---|---|---|---|---|\n"
        ));
        for r in rules.iter().filter(|r| r.doc.category == category) {
            let d = &r.doc;
            s.push_str(&format!(
                "| [`{id}`]({file}) | {} | {} | {} | {} |\n",
                d.severity.as_str(),
                kind(d.kind),
                on_off(d.default_enabled),
                cell(&d.title),
                id = r.id(),
                file = file_name(r.id()),
            ));
        }
    }
    s
}

/// The hand-written pages of `docs/` in the order of the book: a reader's
/// path from the first run to the internals. A page missing here follows
/// them, by file name.
pub const PAGE_ORDER: &[&str] = &[
    "getting-started.md",
    "lint.md",
    "runners.md",
    "output.md",
    "not-analyzed.md",
    "configuration.md",
    "suppressions-and-baselines.md",
    "ci.md",
    "audit.md",
    "drift.md",
    "data-checks.md",
    "fix.md",
    "editors.md",
    "rules.md",
    "coming-from-squawk.md",
    "coming-from-splinter.md",
    "precision.md",
    "performance.md",
    "internals.md",
    "testing.md",
    "CONTRIBUTING.md",
];

/// The page after which the book lists the rule pages.
const RULES_AFTER: &str = "rules.md";

/// `docs/SUMMARY.md`, mdBook's table of contents: the hand-written pages in
/// [`PAGE_ORDER`], with the rule pages after [`RULES_AFTER`] (or last, when
/// there is no such page).
pub fn render_summary(rules: &[Rule], other_pages: &[(String, String)]) -> String {
    let mut s = generated_line("docs/*.md and rules/*.yaml");
    s.push_str("\n# Summary\n\n");
    let mut pages: Vec<&(String, String)> = other_pages.iter().collect();
    pages.sort_by_key(|(path, _)| {
        let rank = PAGE_ORDER.iter().position(|p| p == path);
        (rank.unwrap_or(PAGE_ORDER.len()), path.clone())
    });
    let rule_pages = |s: &mut String| {
        s.push_str("- [Rule reference](rules/README.md)\n");
        for r in rules {
            s.push_str(&format!("  - [{}](rules/{})\n", r.id(), file_name(r.id())));
        }
    };
    let mut listed = false;
    for (path, title) in pages {
        s.push_str(&format!("- [{}]({path})\n", cell(title)));
        if path == RULES_AFTER {
            rule_pages(&mut s);
            listed = true;
        }
    }
    if !listed {
        rule_pages(&mut s);
    }
    s
}

/// `docs/rules/<id>.md`.
pub fn render_page(rule: &Rule) -> String {
    let d = &rule.doc;
    let mut s = generated_line(&format!("rules/{}.yaml", rule.id()));
    s.push_str(&format!("\n# {}\n\n", cell(&d.title)));
    s.push_str("| | |\n|---|---|\n");
    s.push_str(&format!("| Id | `{}` |\n", rule.id()));
    s.push_str(&format!("| Severity | {} |\n", d.severity.as_str()));
    s.push_str(&format!("| Category | {} |\n", cell(&d.category)));
    s.push_str(&format!(
        "| Kind | {} ({}) |\n",
        kind(d.kind),
        match d.kind {
            RuleKind::Schema => "reads the finished schema: lint and audit",
            RuleKind::Statement => "reads each migration statement: lint only",
        }
    ));
    s.push_str(&format!(
        "| Default | {} |\n",
        if d.default_enabled {
            "on"
        } else {
            "off (opt-in: add it to `select` in pgvet.yaml)"
        }
    ));
    if !d.aliases.is_empty() {
        s.push_str(&format!("| Aliases | {} |\n", code_list(&d.aliases)));
    }
    s.push_str(&format!("\n{}\n", d.summary.trim()));
    s.push_str(&format!("\n## Why\n\n{}\n", d.rationale.trim()));
    if let Some(schemas) = &d.exposed_schemas {
        s.push_str(&format!(
            "\nThe examples assume the API serves these schemas (pgvet.yaml `exposed_schemas`): {}.\n",
            code_list(schemas)
        ));
    }
    s.push_str(&format!(
        "\n## Bad\n\n{}\n## Good\n\n{}",
        sql_block(&d.bad),
        sql_block(&d.good)
    ));
    s.push_str(&format!("\n## Fix\n\n{}\n", plain(d.help.trim())));
    if !d.fix.trim().is_empty() {
        s.push_str(&format!("\n{}\n", d.fix.trim()));
    }
    s.push_str(&format!("\n{}\n", automatic_fix(d)));
    if rule.entry.options.is_some() {
        s.push_str(&format!(
            "\n## Options\n\nThis rule takes options under `options: {{ {}: {{...}} }}` in \
             pgvet.yaml; [Why](#why) names them and their defaults.\n",
            rule.id()
        ));
    }
    let related: Vec<String> = d
        .related
        .iter()
        .filter_map(|(tool, id)| Some(format!("- {tool}: `{}`\n", id.as_deref()?)))
        .collect();
    if !related.is_empty() {
        s.push_str(&format!("\n## Related\n\n{}", related.concat()));
    }
    if !d.references.is_empty() {
        s.push_str("\n## References\n\n");
        for r in &d.references {
            s.push_str(&format!("- <{r}>\n"));
        }
    }
    s
}

/// What `pgvet fix` does for the rule, one sentence (`pgvet explain` and
/// the rule page).
pub fn automatic_fix(d: &RuleDoc) -> String {
    match (&d.auto_fix, d.fix_applicability) {
        (Some(what), Some(Applicability::Unsafe)) => format!(
            "Automatic fix (`pgvet fix --unsafe-fixes`; unsafe: it changes what some callers can do (what they read, write or call, or what a statement does), so plain `pgvet fix` does not write it): {}",
            what.trim()
        ),
        (Some(what), _) => format!(
            "Automatic fix (`pgvet fix`; safe: no caller's access or results change): {}",
            what.trim()
        ),
        (None, _) => "Automatic fix: none; `pgvet fix` leaves this to you (the change depends on what the schema means).".to_string(),
    }
}

fn kind(k: RuleKind) -> &'static str {
    match k {
        RuleKind::Schema => "schema",
        RuleKind::Statement => "statement",
    }
}

fn on_off(default_enabled: bool) -> &'static str {
    if default_enabled {
        "on"
    } else {
        "off"
    }
}

/// Plain text (a title) for a heading or table cell: one line, no column
/// separator, `<table>` shown as written.
fn cell(text: &str) -> String {
    plain(&text.split_whitespace().collect::<Vec<_>>().join(" ")).replace('|', "\\|")
}

/// Text written for the terminal (titles, help) as Markdown: `<table>`
/// outside code spans is shown as written, not taken for an HTML tag.
fn plain(text: &str) -> String {
    text.split('`')
        .enumerate()
        .map(|(i, piece)| {
            if i % 2 == 1 {
                piece.to_string()
            } else {
                piece.replace('<', "\\<").replace('>', "\\>")
            }
        })
        .collect::<Vec<_>>()
        .join("`")
}

fn code_list(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A fenced sql block; the fence is longer than any run of backticks inside.
fn sql_block(sql: &str) -> String {
    let longest = sql.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}sql\n{}\n{fence}\n", sql.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_address_is_a_uri_only_when_the_base_is_absolute() {
        assert_eq!(
            page("fk-missing-index"),
            format!("{DOCS_BASE}fk-missing-index.md")
        );
        assert_eq!(page_uri("x").is_some(), DOCS_BASE.contains("://"));
    }

    #[test]
    fn a_fence_outgrows_backticks_in_the_example() {
        assert_eq!(sql_block("select 1;\n"), "```sql\nselect 1;\n```\n");
        assert!(sql_block("-- ````\n").starts_with("`````sql\n"));
    }

    #[test]
    fn a_cell_is_one_line_without_separators() {
        assert_eq!(cell("a |\n b <c>"), "a \\| b \\<c\\>");
        assert_eq!(plain("x <y> `<z>`"), "x \\<y\\> `<z>`");
    }
}
