//! Arbitrary bytes, split into files at 0xFF, through split, parse, replay,
//! every rule and every report format. Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pgvet_fuzz::{harness, write_seeds_from_env, Target, FILE_SEPARATOR};

/// More files add nothing but time; the rest stay in the last one.
const MAX_FILES: usize = 16;

fuzz_target!(init: write_seeds_from_env(Target::LintBytes), |data: &[u8]| {
    let files = data
        .splitn(MAX_FILES, |&b| b == FILE_SEPARATOR)
        .enumerate()
        .map(|(i, part)| {
            // pgvet reports a file that is not UTF-8 before it lints; past
            // that point, text is a String.
            (format!("{i:04}_fuzz.sql"), String::from_utf8_lossy(part).into_owned())
        })
        .collect();
    harness::lint(files);
});
