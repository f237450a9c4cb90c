//! Arbitrary text as a suppression comment: `parse_comment` on it, then a lint
//! with the comment above a statement, after one on its line, at the top of a
//! file and below the last statement, so placement and apply run too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pgvet::passes::suppress;
use pgvet_fuzz::{harness, write_seeds_from_env, Target};

/// Fires table-without-primary-key, rls-disabled, prefer-bigint-over-int and
/// others, so that suppressions have findings to hide.
const STMT: &str = "create table public.t (id int);";

fuzz_target!(init: write_seeds_from_env(Target::Suppression), |data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = suppress::parse_comment(&text);
    // As one comment: the text up to its first line end. The whole text
    // (line ends and all) goes in the last file, where the rest is SQL.
    let line = text.split(['\n', '\r']).next().unwrap_or_default();
    let _ = suppress::parse_comment(line);
    let files = vec![
        ("0001_above.sql".to_string(), format!("--{line}\n{STMT}\n")),
        ("0002_after.sql".to_string(), format!("{STMT} --{line}\nselect 1;\n")),
        ("0003_late.sql".to_string(), format!("select 1;\n--{line}\n{STMT}\n--{line}\n")),
        ("0004_raw.sql".to_string(), format!("--{text}\n{STMT}\n")),
    ];
    harness::lint(files);
});
