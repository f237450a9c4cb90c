//! Arbitrary text as pgvet.yaml: `Config::parse` must return a config or an
//! error, never panic; a config it returns passes `check_rule_ids` and lints.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use pgvet::config::Config;
use pgvet_fuzz::{harness, write_seeds_from_env, Target};

/// A few statements that many rules look at, so that levels, ignores and
/// options from the config all come into play.
const SQL: &str =
    "create table public.t (id int, name varchar(10), owner uuid references auth.users);
create index on public.t (name);
alter table public.t add column created timestamp not null default now();
create policy p on public.t using (true);
";

fuzz_target!(init: write_seeds_from_env(Target::Config), |data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(cfg) = Config::parse(&text, "pgvet.yaml") else {
        return;
    };
    if let Err(e) = cfg.check_rule_ids("pgvet.yaml") {
        panic!("parse accepted a config that check_rule_ids rejects: {e}");
    }
    // No paths, and a cwd with no supabase/config.toml above it.
    let settings = match pgvet::Settings::resolve(&cfg, &[], Path::new("/nonexistent/pgvet-fuzz")) {
        Ok(settings) => settings,
        Err(e) => panic!("no supabase/config.toml to read, yet: {e}"),
    };
    harness::lint_with(vec![("0001_t.sql".to_string(), SQL.to_string())], &cfg, &settings);
});
