//! `docs/`: the generated pages (one per rule in `docs/rules/`, their index,
//! mdBook's `docs/SUMMARY.md`) match what `pgvet::report::rule_docs`
//! renders from `rules/*.yaml`, and every relative link in README.md and
//! `docs/**/*.md` leads to a file that exists and, with a `#anchor`, to a
//! heading of that page.
//!
//! `PGVET_WRITE_DOCS=1 cargo test --test docs` rewrites the generated files
//! (and removes the page of a rule that is gone).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use pgvet::report::rule_docs;

/// The link check reads what the generation test may be writing.
static DOCS: Mutex<()> = Mutex::new(());

fn docs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs")
}

/// Every `.md` file under `dir`, sorted.
fn markdown_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        // No docs/rules/ yet: nothing generated so far.
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The hand-written pages of `docs/` (not the generated ones), with the
/// title of their first `# ` heading, for the book's table of contents.
fn hand_written_pages(docs: &Path) -> Vec<(String, String)> {
    let mut pages: Vec<(String, String)> = std::fs::read_dir(docs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .filter(|p| p.file_name().is_some_and(|n| n != "SUMMARY.md"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let title = text
                .lines()
                .find_map(|l| l.strip_prefix("# "))
                .map_or_else(|| name.clone(), |t| t.trim().to_string());
            (name, title)
        })
        .collect();
    pages.sort();
    pages
}

#[test]
fn rule_pages_are_generated_from_the_rule_yaml() {
    let _lock = DOCS.lock().unwrap_or_else(|e| e.into_inner());
    let docs = docs_dir();
    let files = rule_docs::files(pgvet::rules::all(), &hand_written_pages(&docs));
    let write = std::env::var_os("PGVET_WRITE_DOCS").is_some_and(|v| !v.is_empty() && v != "0");
    let mut stale = Vec::new();
    for (rel, text) in &files {
        let path = docs.join(rel);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
            continue;
        }
        if write {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
        } else {
            stale.push(format!("docs/{rel} is missing or out of date"));
        }
    }
    // A page whose rule is gone (renamed, removed) is stale too.
    for path in markdown_files(&docs.join("rules")) {
        let rel = path
            .strip_prefix(&docs)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if files.iter().any(|(r, _)| *r == rel) {
            continue;
        }
        if write {
            std::fs::remove_file(&path).unwrap();
        } else {
            stale.push(format!("docs/{rel} has no rule (rules/*.yaml)"));
        }
    }
    assert!(
        stale.is_empty(),
        "{}\nregenerate with: {}",
        stale.join("\n"),
        rule_docs::REGENERATE
    );
}

#[test]
fn every_rule_has_a_page_and_the_index_lists_it() {
    let docs = docs_dir();
    let files = rule_docs::files(pgvet::rules::all(), &hand_written_pages(&docs));
    let index = &files
        .iter()
        .find(|(rel, _)| rel == "rules/README.md")
        .unwrap()
        .1;
    for rule in pgvet::rules::all() {
        let file = rule_docs::file_name(rule.id());
        assert!(
            files.iter().any(|(rel, _)| *rel == format!("rules/{file}")),
            "{file}"
        );
        assert!(
            index.contains(&format!("]({file})")),
            "{file} not in the index"
        );
        let page = &files
            .iter()
            .find(|(rel, _)| *rel == format!("rules/{file}"))
            .unwrap()
            .1;
        assert!(page.starts_with("<!-- Generated from "), "line one says so");
        for section in [
            "## Why",
            "## Bad\n\n```sql\n",
            "## Good\n\n```sql\n",
            "## Fix",
        ] {
            assert!(page.contains(section), "{section} missing from {file}");
        }
    }
}

/// The targets of the Markdown links of `text` (`[x](target)`), outside
/// code blocks and code spans.
fn link_targets(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fence: Option<&str> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let marker = trimmed
            .find(|c| c != '`' && c != '~')
            .map_or(trimmed, |end| &trimmed[..end]);
        if marker.len() >= 3 && (marker.starts_with("```") || marker.starts_with("~~~")) {
            match fence {
                Some(open) if marker.starts_with(open) && open.starts_with(&marker[..1]) => {
                    fence = None;
                }
                Some(_) => {}
                None => fence = Some(marker),
            }
            continue;
        }
        if fence.is_some() || line.starts_with("    ") {
            continue;
        }
        // Code spans: every other piece between backticks is code.
        for (i, piece) in line.split('`').enumerate() {
            if i % 2 == 1 {
                continue;
            }
            let mut rest = piece;
            while let Some(at) = rest.find("](") {
                rest = &rest[at + 2..];
                let end = rest.find(')').unwrap_or(rest.len());
                let target = rest[..end].split_whitespace().next().unwrap_or("");
                out.push(target.trim_matches(['<', '>']).to_string());
                rest = &rest[end..];
            }
        }
    }
    out
}

/// The anchors the headings of `text` get (outside code blocks), as GitHub
/// and mdBook make them: see [`slug`]; a repeated heading gets `-1`, `-2`, ...
fn anchors(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut fence: Option<String> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let marker: String = trimmed
            .chars()
            .take_while(|c| *c == '`' || *c == '~')
            .collect();
        if marker.len() >= 3 {
            match &fence {
                Some(open) if marker.starts_with(open.as_str()) => fence = None,
                Some(_) => {}
                None => fence = Some(marker),
            }
            continue;
        }
        if fence.is_some() || line.starts_with("    ") {
            continue;
        }
        let hashes = trimmed.chars().take_while(|c| *c == '#').count();
        let Some(title) = trimmed.get(hashes..).and_then(|r| r.strip_prefix(' ')) else {
            continue;
        };
        if !(1..=6).contains(&hashes) {
            continue;
        }
        let base = slug(title.trim().trim_end_matches('#'));
        let mut anchor = base.clone();
        let mut n = 0;
        while out.contains(&anchor) {
            n += 1;
            anchor = format!("{base}-{n}");
        }
        out.push(anchor);
    }
    out
}

/// A heading's anchor: lowercase, spaces to `-`, every other character but
/// letters, digits, `-` and `_` dropped (the text of a link is kept, its
/// target dropped).
fn slug(title: &str) -> String {
    let mut text = String::new();
    let mut rest = title;
    while let Some(at) = rest.find("](") {
        text.push_str(&rest[..at]);
        rest = &rest[at + 2..];
        rest = rest.find(')').map_or("", |end| &rest[end + 1..]);
    }
    text.push_str(rest);
    text.trim()
        .chars()
        .flat_map(char::to_lowercase)
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// README.md and every page under `docs/`.
fn linked_pages() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    files.extend(markdown_files(&docs_dir()));
    files
}

/// The broken relative links of `file`: a target that is not a file or
/// folder, or a `#anchor` no heading of the target page makes.
fn broken_links(file: &Path, text: &str) -> Vec<String> {
    let mut broken = Vec::new();
    for target in link_targets(text) {
        let is_external = target.contains("://") || target.starts_with("mailto:");
        if is_external || target.is_empty() {
            continue;
        }
        let (path, anchor) = match target.split_once('#') {
            Some((path, anchor)) => (path, Some(anchor)),
            None => (target.as_str(), None),
        };
        let dest = if path.is_empty() {
            file.to_path_buf()
        } else {
            file.parent().unwrap().join(path)
        };
        if !dest.exists() {
            broken.push(format!("({target}): no such file"));
            continue;
        }
        let Some(anchor) = anchor else { continue };
        if dest.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let page = std::fs::read_to_string(&dest).unwrap();
        if !anchors(&page).iter().any(|a| a == anchor) {
            broken.push(format!("({target}): no heading makes #{anchor}"));
        }
    }
    broken
}

#[test]
fn relative_links_in_the_docs_lead_to_files_and_headings() {
    let _lock = DOCS.lock().unwrap_or_else(|e| e.into_inner());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut broken = Vec::new();
    let files = linked_pages();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for b in broken_links(file, &text) {
            broken.push(format!(
                "{}: {b}",
                file.strip_prefix(root).unwrap().display()
            ));
        }
    }
    assert!(files.len() > 2, "no pages found");
    assert!(
        broken.is_empty(),
        "broken links in README.md and docs/:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_link_check_finds_a_missing_file_or_heading() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("a.md");
    std::fs::write(
        &page,
        "# Top\n\n## Baselines and changed files\n\n## `pgvet drift` (drift)\n\n## Top\n",
    )
    .unwrap();
    let ok = "[x](a.md#top) [y](#baselines-and-changed-files) [z](a.md#pgvet-drift-drift) [w](#top-1) [v](a.md)";
    assert_eq!(broken_links(&page, ok), Vec::<String>::new());
    let bad = "[x](b.md) [y](a.md#baselines) [z](#top-2)";
    assert_eq!(
        broken_links(&page, bad),
        [
            "(b.md): no such file",
            "(a.md#baselines): no heading makes #baselines",
            "(#top-2): no heading makes #top-2",
        ]
    );
}

#[test]
fn a_heading_anchor_is_its_slug() {
    assert_eq!(
        slug("Quick start (Debian / Ubuntu)"),
        "quick-start-debian--ubuntu"
    );
    assert_eq!(
        slug("CI formats: SARIF, GitHub, GitLab"),
        "ci-formats-sarif-github-gitlab"
    );
    assert_eq!(slug("Editors (`pgvet server`)"), "editors-pgvet-server");
    assert_eq!(slug("see [the page](x.md) here"), "see-the-page-here");
    assert_eq!(
        anchors("# A\n```\n# not a heading\n```\n## A\n#nope\n"),
        ["a", "a-1"]
    );
}

#[test]
fn the_book_lists_the_pages_in_their_order_and_the_rules_after_rules_md() {
    let pages = |names: &[&str]| -> Vec<(String, String)> {
        names
            .iter()
            .map(|n| (n.to_string(), n.to_uppercase()))
            .collect()
    };
    let summary = rule_docs::render_summary(
        pgvet::rules::all(),
        &pages(&[
            "zz-new.md",
            "rules.md",
            "CONTRIBUTING.md",
            "getting-started.md",
        ]),
    );
    let order: Vec<&str> = summary.lines().filter(|l| l.starts_with("- [")).collect();
    assert_eq!(
        order,
        [
            "- [GETTING-STARTED.MD](getting-started.md)",
            "- [RULES.MD](rules.md)",
            "- [Rule reference](rules/README.md)",
            "- [CONTRIBUTING.MD](CONTRIBUTING.md)",
            "- [ZZ-NEW.MD](zz-new.md)",
        ]
    );
    // Without rules.md the rule pages come last.
    let summary = rule_docs::render_summary(pgvet::rules::all(), &pages(&["getting-started.md"]));
    let last_top = summary.lines().rfind(|l| l.starts_with("- ["));
    assert_eq!(last_top, Some("- [Rule reference](rules/README.md)"));
    // Every hand-written page of docs/ has its place in the order.
    for (name, _) in hand_written_pages(&docs_dir()) {
        assert!(
            rule_docs::PAGE_ORDER.contains(&name.as_str()),
            "docs/{name} is not in rule_docs::PAGE_ORDER (src/report/rule_docs.rs)"
        );
    }
}

#[test]
fn the_link_reader_skips_code() {
    let text =
        "see [a](a.md) and `[b](b.md)`\n```\n[c](c.md)\n```\n    [d](d.md)\n[e](e.md \"t\")\n";
    assert_eq!(link_targets(text), ["a.md", "e.md"]);
}
