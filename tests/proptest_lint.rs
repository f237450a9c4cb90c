//! The fuzz targets' property, short and deterministic, in the normal suite
//! (issue 9): the fixtures' SQL and the rules' examples, edited as tokens and
//! statements by the `lint_mutated` fuzzer's mutator, lint with every rule
//! without a panic, and every finding's location lies inside its file. The
//! long runs are `fuzz/run`'s.

#[allow(dead_code)]
#[path = "../fuzz/src/sql_mutator.rs"]
mod sql_mutator;

#[allow(dead_code)]
#[path = "../fuzz/src/harness.rs"]
mod harness;

use std::path::Path;
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

use sql_mutator::{File, Pool, Rng};

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let seeds = harness::seeds(Path::new(env!("CARGO_MANIFEST_DIR")));
        assert!(seeds.len() > 100, "fixtures and rule examples not found");
        Pool::new(seeds)
    })
}

/// Fixed seed, so every run checks the same cases; no regression files (a
/// failure found here becomes a regression test next to the code it breaks).
fn config(cases: u32) -> Config {
    Config {
        cases,
        rng_seed: RngSeed::Fixed(0x9e7e_7f22),
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn mutated_seeds_lint_without_panic(seed in any::<usize>(), rng_seed in any::<u64>(), edits in 1usize..8) {
        let pool = pool();
        let mut files: Vec<File> = pool.seeds.get(seed % pool.seeds.len()).cloned().unwrap_or_default();
        sql_mutator::mutate_n(&mut files, pool, &mut Rng::new(rng_seed), edits);
        harness::lint(files);
    }
}

proptest! {
    #![proptest_config(config(200))]

    /// Raw bytes, as the `lint_bytes` target splits them: any text at all,
    /// mostly not SQL.
    #[test]
    fn arbitrary_text_lints_without_panic(parts in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..200), 1..4)) {
        let files = parts
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("{i:04}_prop.sql"), String::from_utf8_lossy(p).into_owned()))
            .collect();
        harness::lint(files);
    }
}

/// The mutator's edits do happen: a run of them changes most seeds.
#[test]
fn edits_change_the_sql() {
    let pool = pool();
    let mut rng = Rng::new(7);
    let changed = pool
        .seeds
        .iter()
        .filter(|seed| {
            let mut files = (*seed).clone();
            sql_mutator::mutate_n(&mut files, pool, &mut rng, 3);
            &files != *seed
        })
        .count();
    assert!(
        changed * 2 > pool.seeds.len(),
        "{changed} of {} seeds changed",
        pool.seeds.len()
    );
}

/// The location check catches a finding placed past its file's end.
#[test]
fn check_rejects_a_location_outside_the_file() {
    let mut report = harness::lint(vec![(
        "0001_t.sql".to_string(),
        "create table public.t (id int);\n".to_string(),
    )]);
    let finding = report
        .findings
        .first_mut()
        .expect("create table fires a rule");
    let location = finding
        .location
        .as_mut()
        .expect("a lint finding has a location");
    location.line = 9;
    let outcome =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| harness::check(&report)));
    assert!(outcome.is_err(), "check accepted line 9 of a 2-line file");
}
