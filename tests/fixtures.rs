//! The seed fixtures: each broken schema reports exactly the findings its
//! `-- expect: rule-id` comments mark (file and line), each fixed schema none.
//! The full JSON output is kept as an insta snapshot per fixture.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use pgvet::config::Config;

type Expectation = (String, u32, String); // file, line, rule

fn seeds() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("fixtures")
        .expect("fixtures/ exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("broken").is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// `-- expect: a, b` at the end of a line: rules a and b fire on that line.
fn expectations(dir: &Path) -> BTreeSet<Expectation> {
    let mut out = BTreeSet::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    for file in files
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "sql"))
    {
        let text = std::fs::read_to_string(&file).unwrap();
        for (i, line) in text.lines().enumerate() {
            if let Some((_, rules)) = line.split_once("-- expect:") {
                for rule in rules.split(',').map(str::trim).filter(|r| !r.is_empty()) {
                    assert!(
                        pgvet::rules::find(rule).is_some(),
                        "{}:{}: unknown rule `{rule}`",
                        file.display(),
                        i + 1
                    );
                    out.insert((
                        file.display().to_string(),
                        u32::try_from(i + 1).unwrap(),
                        rule.to_string(),
                    ));
                }
            }
        }
    }
    out
}

fn lint(dir: &Path) -> pgvet::report::Report {
    let cfg = Config::default();
    let paths = vec![dir.to_path_buf()];
    let settings = pgvet::Settings::resolve(&cfg, &paths, Path::new(".")).unwrap();
    assert_eq!(
        settings.platform,
        pgvet::catalog::Platform::Supabase,
        "fixtures/supabase/config.toml not detected"
    );
    pgvet::lint(&paths, &cfg, &settings)
}

fn check(seed: &Path, variant: &str) {
    let dir = seed.join(variant);
    let report = lint(&dir);
    assert!(
        report.errors.is_empty(),
        "{}: input errors {:?}",
        dir.display(),
        report.errors
    );
    let actual: BTreeSet<Expectation> = report
        .findings
        .iter()
        .map(|f| {
            let loc = f.location.as_ref().expect("lint findings have locations");
            (loc.file.clone(), loc.line, f.rule.to_string())
        })
        .collect();
    let expected = expectations(&dir);
    let missing: Vec<_> = expected.difference(&actual).collect();
    let unexpected: Vec<_> = actual.difference(&expected).collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "{}:\n  expected but not reported: {missing:#?}\n  reported but not expected: {unexpected:#?}",
        dir.display()
    );
    if variant == "fixed" {
        assert!(
            report.findings.is_empty(),
            "{} must lint clean",
            dir.display()
        );
    }
    let name = format!("{}_{variant}", seed.file_name().unwrap().to_string_lossy());
    insta::assert_snapshot!(name, pgvet::report::json::render(&report));
}

#[test]
fn there_are_five_seed_fixtures() {
    assert_eq!(seeds().len(), 5, "{:?}", seeds());
}

#[test]
fn broken_fixtures_report_exactly_the_expected_findings() {
    for seed in seeds() {
        check(&seed, "broken");
    }
}

#[test]
fn fixed_fixtures_are_clean() {
    for seed in seeds() {
        check(&seed, "fixed");
    }
}

#[test]
fn broken_fixtures_expect_something() {
    // Guards against a fixture whose annotations were lost: the seeds all describe bugs.
    let total: usize = seeds()
        .iter()
        .map(|s| expectations(&s.join("broken")).len())
        .sum();
    assert!(
        total >= 10,
        "only {total} expected findings across the broken fixtures"
    );
}
