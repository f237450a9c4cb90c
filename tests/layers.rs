//! The layers of `src/`, lowest first, and the check that keeps them: a
//! top-level module (a first-level folder or file of `src/`) may name only
//! modules of the layers before its own. An edge is a `crate::x` path (or a
//! `super::` path that climbs to the crate root) in non-test code.
//! `lib` is the crate root (`src/lib.rs`: the pipeline, `Settings`);
//! `main.rs` is a separate crate on top of everything.
//!
//! docs/CONTRIBUTING.md draws the same diagram; this list is the one that
//! counts. A new top-level module must be placed here.

use std::path::{Path, PathBuf};

const LAYERS: &[&str] = &[
    "sql",      // pg_query: split, scan, parse, psql input, line index, readers
    "catalog",  // the model, names, types, baselines, function bodies
    "findings", // Finding, Report, Severity, Location, Gap, Remedy: data only
    "drift",    // two catalogs compared, object by object
    "replay",   // DDL -> Catalog, for both sources
    "source",   // migration files and sessions; the live catalog
    "rules",    // the engine and every rule
    "config",   // pgvet.yaml: which rules, at which severity
    "passes",   // suppressions, coverage, psql meta-commands
    "fix",      // SQL for the remedies
    "workflow", // baselines, changed files
    "cache",    // the replay checkpoint on disk
    "report",   // formatters
    "lib",      // the pipeline (src/lib.rs)
    "commands", // the I/O of each command
];

#[test]
fn no_module_names_a_module_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut problems = Vec::new();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let test_files = test_only_files(&files);
    for file in &files {
        if test_files.contains(file) {
            continue;
        }
        let rel = file.strip_prefix(&src).unwrap();
        let module_path = module_path(rel);
        let Some(top) = module_path.first().cloned() else {
            continue; // lib.rs, main.rs
        };
        let Some(own) = rank(&top) else {
            problems.push(format!(
                "src/{}: module `{top}` is not in tests/layers.rs LAYERS; place it there",
                rel.display()
            ));
            continue;
        };
        let code = non_test_code(&std::fs::read_to_string(file).unwrap());
        for (target, line) in edges(&code, &module_path, &src) {
            if target == top {
                continue;
            }
            match rank(&target) {
                Some(r) if r < own => {}
                Some(_) => problems.push(format!(
                    "src/{}:{line}: `{top}` names `{target}`, which is not below it",
                    rel.display()
                )),
                None => problems.push(format!(
                    "src/{}:{line}: `{top}` names `{target}`, which is not in LAYERS",
                    rel.display()
                )),
            }
        }
    }
    assert!(
        problems.is_empty(),
        "layering broken (order in tests/layers.rs):\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_check_sees_an_upward_edge() {
    let code = non_test_code(
        "use crate::sql::split;\n// crate::report in a comment\nfn f() { crate::report::human::render(); }\n\
         #[cfg(test)]\nmod tests { use crate::commands; }\nconst S: &str = \"crate::config\";\n",
    );
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found: Vec<String> = edges(&code, &["rules".to_string()], &src)
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    assert_eq!(found, ["sql", "report"]);
    let up = edges(
        "use super::super::Settings;",
        &["rules".into(), "x".into()],
        &src,
    );
    assert_eq!(up, [("lib".to_string(), 1)]);
    let inner = edges("mod registry { use super::Rule; }", &["rules".into()], &src);
    assert!(inner.is_empty(), "{inner:?}");
    let group = edges("use crate::{catalog::Span, report};", &["sql".into()], &src);
    assert_eq!(group.len(), 2);
}

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|m| *m == module)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
}

/// `src/a/b.rs` and `src/a/b/mod.rs` are module `a::b`; lib.rs and main.rs the root.
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    if parts.len() == 1 && (parts[0] == "lib" || parts[0] == "main") {
        parts.clear();
    }
    parts
}

/// Files declared as `#[cfg(test)] mod name;`.
fn test_only_files(files: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for file in files {
        let text = strip_comments_and_strings(&std::fs::read_to_string(file).unwrap());
        let dir = if file.ends_with("mod.rs") || file.ends_with("lib.rs") {
            file.parent().unwrap().to_path_buf()
        } else {
            file.with_extension("")
        };
        let mut rest = text.as_str();
        while let Some(i) = rest.find("#[cfg(test)]") {
            rest = &rest[i + "#[cfg(test)]".len()..];
            let item = rest.trim_start();
            if let Some(decl) = item.strip_prefix("mod ") {
                let name: String = decl
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if decl[name.len()..].trim_start().starts_with(';') {
                    out.push(dir.join(format!("{name}.rs")));
                    out.push(dir.join(&name).join("mod.rs"));
                }
            }
        }
    }
    out
}

/// The code without comments, string contents and `#[cfg(test)]` items.
fn non_test_code(text: &str) -> String {
    let code = strip_comments_and_strings(text);
    let mut out = String::with_capacity(code.len());
    let mut rest = code.as_str();
    while let Some(i) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..i]);
        let item = &rest[i..];
        // The item ends at its first `;` or the brace that closes its first `{`.
        let end = match (item.find(';'), item.find('{')) {
            (Some(semi), Some(brace)) if semi < brace => semi + 1,
            (_, Some(brace)) => closing_brace(item, brace),
            (Some(semi), None) => semi + 1,
            (None, None) => item.len(),
        };
        // Keep line numbers: replace the item by its newlines.
        out.extend(item[..end].chars().filter(|c| *c == '\n'));
        rest = &item[end..];
    }
    out.push_str(rest);
    out
}

fn closing_brace(text: &str, open: usize) -> usize {
    let mut depth = 0usize;
    for (i, c) in text[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return open + i + 1;
                }
            }
            _ => {}
        }
    }
    text.len()
}

/// Comments removed and string and char literals emptied; newlines kept.
fn strip_comments_and_strings(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    while i < chars.len() {
        let c = chars[i];
        if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if chars[i] == '\n' {
                        out.push('\n');
                    }
                    i += 1;
                }
            }
        } else if c == 'r'
            && (at(i + 1) == '"' || (at(i + 1) == '#' && !is_ident(at(i.wrapping_sub(1)))))
            && !is_ident(at(i.wrapping_sub(1)))
        {
            let mut hashes = 0;
            let mut j = i + 1;
            while at(j) == '#' {
                hashes += 1;
                j += 1;
            }
            if at(j) != '"' {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            out.push_str("\"\"");
            loop {
                if j >= chars.len() {
                    break;
                }
                if chars[j] == '"' && (1..=hashes).all(|k| at(j + k) == '#') {
                    j += 1 + hashes;
                    break;
                }
                if chars[j] == '\n' {
                    out.push('\n');
                }
                j += 1;
            }
            i = j;
        } else if c == '"' {
            out.push_str("\"\"");
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                if at(i) == '\n' {
                    out.push('\n');
                }
                i += 1;
            }
            i += 1;
        } else if c == '\'' && (at(i + 2) == '\'' || (at(i + 1) == '\\')) {
            // A char literal ('x', '\n', '\''); a lifetime has no closing quote.
            i += 1;
            if at(i) == '\\' {
                i += 1;
            }
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            out.push_str("' '");
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The top-level modules `code` names, with line numbers: `crate::x`,
/// `crate::{x, y::z}`, and `super::` chains that climb to the crate root
/// from `module` (`["rules", "keys"]` for src/rules/keys.rs). A name that
/// is not a top-level module is an item of the crate root: `lib`.
fn edges(code: &str, module: &[String], src: &Path) -> Vec<(String, usize)> {
    let is_module = |name: &str| {
        src.join(format!("{name}.rs")).is_file() || src.join(name).join("mod.rs").is_file()
    };
    let classify = |name: &str| {
        if is_module(name) {
            name.to_string()
        } else {
            "lib".to_string()
        }
    };
    // Inline `mod x { ... }` blocks: `super` inside one climbs to its parent first.
    let mut inline = Vec::new();
    let mut from = 0;
    while let Some(k) = code[from..].find("mod ") {
        let at = from + k;
        from = at + 4;
        if at > 0 && is_ident(code.as_bytes()[at - 1] as char) {
            continue;
        }
        let decl = &code[at + 4..];
        let name_len = decl.chars().take_while(|c| is_ident(*c)).count();
        if name_len > 0 && decl[name_len..].trim_start().starts_with('{') {
            let open = at + 4 + decl.find('{').unwrap_or(0);
            inline.push((open, closing_brace(code, open)));
        }
    }
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < code.len() {
        let starts_word = i == 0 || !is_ident(bytes[i - 1] as char);
        let rest = &code[i..];
        let root = if !starts_word {
            None
        } else if let Some(after) = rest.strip_prefix("crate::") {
            Some((after, "crate::".len()))
        } else if rest.starts_with("super::") {
            let mut n = 0;
            let mut after = rest;
            while let Some(a) = after.strip_prefix("super::") {
                n += 1;
                after = a;
            }
            // `super` from `a::b` is `a`; from `a` it is the root.
            let nested = inline.iter().filter(|(a, b)| *a < i && i < *b).count();
            (n >= module.len() + nested).then_some((after, rest.len() - after.len()))
        } else {
            None
        };
        let Some((after, skip)) = root else {
            i += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        };
        let line = code[..i].matches('\n').count() + 1;
        if let Some(group) = after.strip_prefix('{') {
            let end = closing_brace(after, 0);
            let inner = &group[..end.saturating_sub(2).min(group.len())];
            let mut depth = 0;
            let mut start = true;
            for (k, ch) in inner.char_indices() {
                match ch {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if start && is_ident(c) => {
                        let name: String =
                            inner[k..].chars().take_while(|c| is_ident(*c)).collect();
                        if name != "self" {
                            out.push((classify(&name), line));
                        }
                        start = false;
                    }
                    c if !c.is_whitespace() => start = false,
                    _ => {}
                }
            }
        } else {
            let name: String = after.chars().take_while(|c| is_ident(*c)).collect();
            if !name.is_empty() {
                out.push((classify(&name), line));
            }
        }
        i += skip;
    }
    out
}

#[test]
fn scanning_goes_through_the_safe_wrapper() {
    // pg_query 18.1's scan_tokens is undefined behaviour on text without a
    // token; `sql::scan_tokens` reads the C result itself.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let callers: Vec<String> = files
        .iter()
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            strip_comments_and_strings(&text).contains("pg_query::scan_tokens(")
        })
        .map(|f| f.display().to_string())
        .collect();
    assert_eq!(callers, Vec::<String>::new());
}
