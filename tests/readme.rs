//! README's sample sessions (a code block whose first line is `$ pgvet ...`)
//! are what the binary prints for that command, run from the crate root.
//! A line `...` in the sample stands for any number of lines.

use std::path::Path;
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

#[test]
fn readme_sessions_are_what_pgvet_prints() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let sessions = sessions(&readme);
    assert!(sessions.len() >= 2, "no sample sessions found in README.md");
    for (command, expected) in sessions {
        let args: Vec<&str> = command.split_whitespace().collect();
        assert_eq!(args.first(), Some(&"pgvet"), "{command}");
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
            "README's sample of `{command}` differs from what it prints:\n{text}"
        );
    }
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
