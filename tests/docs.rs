//! `docs/`: the generated pages (one per rule in `docs/rules/`, their index,
//! mdBook's `docs/SUMMARY.md`) match what `pgvet::report::rule_docs`
//! renders from `rules/*.yaml`, and every relative link in `docs/**/*.md`
//! leads to a file that exists.
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

#[test]
fn relative_links_in_the_docs_lead_to_files() {
    let _lock = DOCS.lock().unwrap_or_else(|e| e.into_inner());
    let docs = docs_dir();
    let mut broken = Vec::new();
    for file in markdown_files(&docs) {
        let text = std::fs::read_to_string(&file).unwrap();
        for target in link_targets(&text) {
            let is_external = target.contains("://") || target.starts_with("mailto:");
            let path = target.split('#').next().unwrap_or("");
            if is_external || path.is_empty() {
                continue;
            }
            if !file.parent().unwrap().join(path).exists() {
                broken.push(format!(
                    "{}: ({target})",
                    file.strip_prefix(&docs).unwrap().display()
                ));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "broken links in docs/:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_link_reader_skips_code() {
    let text =
        "see [a](a.md) and `[b](b.md)`\n```\n[c](c.md)\n```\n    [d](d.md)\n[e](e.md \"t\")\n";
    assert_eq!(link_targets(text), ["a.md", "e.md"]);
}
