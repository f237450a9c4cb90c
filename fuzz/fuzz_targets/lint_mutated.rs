//! The fixtures' SQL and the rules' examples under token-level edits (see
//! src/sql_mutator.rs), linted with every rule. An input is `-- file: name`
//! separated SQL; the custom mutator edits it as tokens and statements, and
//! now and then lets libFuzzer change raw bytes.
#![no_main]

use libfuzzer_sys::{fuzz_crossover, fuzz_mutator, fuzz_target, fuzzer_mutate};
use pgvet_fuzz::sql_mutator::{self, Rng};
use pgvet_fuzz::{harness, pool, write_seeds_from_env, Target};

fuzz_target!(init: write_seeds_from_env(Target::LintMutated), |data: &[u8]| {
    harness::lint(sql_mutator::parse(&String::from_utf8_lossy(data)));
});

/// Copies `text` into libFuzzer's buffer if it fits; its new length.
fn store(text: &str, out: &mut [u8], max_size: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let slot = out
        .get_mut(..bytes.len())
        .filter(|_| bytes.len() <= max_size)?;
    slot.copy_from_slice(bytes);
    Some(bytes.len())
}

fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    let mut rng = Rng::new(u64::from(seed));
    // One mutation in eight is libFuzzer's own, at the byte level.
    if rng.below(8) != 0 {
        let text = String::from_utf8_lossy(data.get(..size).unwrap_or_default()).into_owned();
        let mut files = sql_mutator::parse(&text);
        let edits = 1 + rng.below(3);
        sql_mutator::mutate_n(&mut files, pool(), &mut rng, edits);
        if let Some(len) = store(&sql_mutator::serialize(&files), data, max_size) {
            return len;
        }
    }
    fuzzer_mutate(data, size, max_size)
});

fuzz_crossover!(|data1: &[u8], data2: &[u8], out: &mut [u8], seed: u32| {
    let mut rng = Rng::new(u64::from(seed));
    let a = sql_mutator::parse(&String::from_utf8_lossy(data1));
    let b = sql_mutator::parse(&String::from_utf8_lossy(data2));
    let files = sql_mutator::crossover(&a, &b, &mut rng);
    let max = out.len();
    store(&sql_mutator::serialize(&files), out, max).unwrap_or(0)
});
