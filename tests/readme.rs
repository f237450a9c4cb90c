//! The sample sessions of README.md and of every page under `docs/` (a code
//! block whose first line is `$ pgvet ...`) are what the binary prints for
//! that command, run from the crate root. A line `...` in the sample stands
//! for any number of lines.

use std::path::{Path, PathBuf};
use std::process::Command;

/// (command line, expected lines) of each sample session.
fn sessions(readme: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let mut lines = readme.lines();
    while let Some(line) = lines.next() {
        if !line.starts_with("```") {
            continue;
        }
        let block: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
        if let Some(command) = block.first().and_then(|l| l.strip_prefix("$ ")) {
            let expected = block.iter().skip(1).map(|l| (*l).to_string()).collect();
            out.push((command.to_string(), expected));
        }
    }
    out
}

/// Whether `actual` matches `expected`, where a `...` line matches any run of lines.
fn matches(expected: &[String], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first.trim() == "..." => {
            (0..=actual.len()).any(|skip| matches(rest, actual.get(skip..).unwrap_or_default()))
        }
        Some((first, rest)) => match actual.split_first() {
            Some((a, more)) if a == first => matches(rest, more),
            _ => false,
        },
    }
}

/// README.md, then every `.md` file under `docs/`, sorted.
fn pages(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.join("docs")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path);
            }
        }
    }
    out.sort();
    out.insert(0, root.join("README.md"));
    out
}

#[test]
fn sample_sessions_in_the_readme_and_docs_are_what_pgvet_prints() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = Vec::new();
    for page in pages(root) {
        let name = page.strip_prefix(root).unwrap().display().to_string();
        let text = std::fs::read_to_string(&page).unwrap();
        for (command, expected) in sessions(&text) {
            let args: Vec<&str> = command.split_whitespace().collect();
            assert_eq!(args.first(), Some(&"pgvet"), "{name}: {command}");
            let out = Command::new(env!("CARGO_BIN_EXE_pgvet"))
                .args(args.get(1..).unwrap_or_default())
                .current_dir(root)
                .env("NO_COLOR", "1")
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            let actual: Vec<&str> = text.lines().collect();
            assert!(
                matches(&expected, &actual),
                "{name}'s sample of `{command}` differs from what it prints:\n{text}"
            );
            checked.push(name.clone());
        }
    }
    assert!(
        checked.iter().any(|n| n == "README.md"),
        "no sample session found in README.md"
    );
    assert!(
        checked.len() >= 3,
        "too few sample sessions found in README.md and docs/: {checked:?}"
    );
}

#[test]
fn an_ellipsis_matches_any_run_of_lines_and_nothing_else_does() {
    let exp = |l: &[&str]| l.iter().map(|s| (*s).to_string()).collect::<Vec<_>>();
    assert!(matches(&exp(&["a", "  ...", "d"]), &["a", "b", "c", "d"]));
    assert!(matches(&exp(&["a", "...", "d"]), &["a", "d"]));
    assert!(!matches(&exp(&["a", "...", "d"]), &["a", "b", "e"]));
    assert!(!matches(&exp(&["a", "b"]), &["a", "c"]));
    assert!(!matches(&exp(&["a"]), &["a", "b"]));
}
