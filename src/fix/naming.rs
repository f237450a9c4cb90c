//! Names `pgvet fix` gives what it creates: the migration file (following
//! the project's numbering) and indexes (unique, within PostgreSQL's 63 bytes).

use std::collections::BTreeSet;

use crate::source::migrations::runner::Runner;

/// PostgreSQL truncates identifiers to NAMEDATALEN - 1 bytes.
pub const MAX_IDENT_BYTES: usize = 63;

/// How the existing migrations are numbered.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Numbering {
    /// `20240101120000_name.sql` (Supabase, Rails): a UTC timestamp.
    Timestamp,
    /// `0007_name.sql`: a counter of this many digits.
    Counter(usize),
    /// Flyway's `V7__name.sql`.
    Flyway,
}

/// The paths, relative to the migrations directory, of `count` new
/// migrations called `name` that `runner` applies after the entries
/// `existing` (names only, any order), numbered as they are; `now` is
/// seconds since the Unix epoch. Err: the runner applies a new file only
/// once another file lists it (sqitch's plan, Drizzle's journal), or its
/// naming is the project's own.
pub fn next_for_runner(
    runner: Runner,
    existing: &[String],
    name: &str,
    count: usize,
    now: u64,
) -> Result<Vec<String>, String> {
    let folder = |script: &str, dashed: bool| -> Vec<String> {
        // A folder per migration, named `<14-digit timestamp>_<name>`.
        let folders: Vec<String> = existing
            .iter()
            .map(|e| {
                let (version, rest) = e.split_once('_').unwrap_or((e, ""));
                format!("{}_{rest}.sql", version.replace('-', ""))
            })
            .collect();
        next_migrations(&folders, name, count, now)
            .into_iter()
            .map(|f| {
                let stem = f.strip_suffix(".sql").unwrap_or(&f);
                let stem = match (dashed, stem.get(..14), stem.get(14..)) {
                    (true, Some(v), Some(rest)) if v.bytes().all(|b| b.is_ascii_digit()) => {
                        format!(
                            "{}-{}-{}-{}{rest}",
                            v.get(..4).unwrap_or(""),
                            v.get(4..6).unwrap_or(""),
                            v.get(6..8).unwrap_or(""),
                            v.get(8..).unwrap_or("")
                        )
                    }
                    _ => stem.to_string(),
                };
                format!("{stem}/{script}")
            })
            .collect()
    };
    let sql: Vec<String> = existing
        .iter()
        .filter(|e| e.ends_with(".sql"))
        .cloned()
        .collect();
    Ok(match runner {
        Runner::Prisma => folder("migration.sql", false),
        Runner::Diesel => folder("up.sql", true),
        Runner::GolangMigrate => next_migrations(&sql, name, count, now)
            .into_iter()
            .map(|f| f.strip_suffix(".sql").map_or(f.clone(), |s| format!("{s}.up.sql")))
            .collect(),
        // Named by the caller from the plan or the journal, which list them.
        Runner::Sqitch | Runner::Drizzle => {
            return Err(format!(
                "internal: {} migrations are named with their plan or journal",
                runner.name()
            ))
        }
        Runner::UpDown => {
            return Err("this project names its .up.sql files its own way: write the SQL with --output and name the file as the project does".to_string())
        }
        Runner::Flyway | Runner::Goose | Runner::NodePgMigrate => {
            next_migrations(&sql, name, count, now)
        }
        Runner::Plain | Runner::Supabase | Runner::Dbmate => {
            // These apply files in name order: the new one must sort last.
            let names = next_migrations(&sql, name, count, now);
            let applied = |f: &&String| {
                runner == Runner::Plain || f.starts_with(|c: char| c.is_ascii_digit())
            };
            if let (Some(last), Some(first)) = (sql.iter().filter(applied).max(), names.first()) {
                if first <= last {
                    return Err(format!(
                        "a new migration named `{first}` would sort before `{last}`, and {} applies files in name order: write the SQL with --output and name the file so it sorts last",
                        crate::source::migrations::runner::describe(runner)
                    ));
                }
            }
            names
        }
    })
}

/// [`next_for_runner`] for the migrations folder `dir`: Flyway's names
/// follow the prefix, separator and suffix its configuration there sets
/// (`flyway.conf`, `flyway.toml`), other runners' their fixed scheme.
pub fn next_in_dir(
    runner: Runner,
    dir: &std::path::Path,
    existing: &[String],
    name: &str,
    count: usize,
    now: u64,
) -> Result<Vec<String>, String> {
    let cfg = match runner {
        Runner::Flyway => crate::source::migrations::config::flyway(
            dir,
            &crate::source::migrations::config::RunnerFlags::default(),
        )
        .ok()
        .flatten()
        .unwrap_or_default(),
        _ => return next_for_runner(runner, existing, name, count, now),
    };
    let suffix = cfg
        .suffixes
        .first()
        .cloned()
        .unwrap_or_else(|| ".sql".to_string());
    // Each configured name as Flyway's default one, and back.
    let plain: Vec<String> = existing
        .iter()
        .filter_map(|e| {
            let stem = cfg
                .suffixes
                .iter()
                .find_map(|s| e.strip_suffix(s.as_str()))?;
            let rest = stem.strip_prefix(cfg.prefix.as_str())?;
            let (version, description) = rest.split_once(cfg.separator.as_str())?;
            Some(format!("V{version}__{description}.sql"))
        })
        .collect();
    let names = next_for_runner(runner, &plain, name, count, now)?;
    Ok(names
        .into_iter()
        .map(|n| {
            let rest = n.strip_prefix('V').unwrap_or(&n);
            let rest = rest.strip_suffix(".sql").unwrap_or(rest);
            let (version, description) = rest.split_once("__").unwrap_or((rest, name));
            format!(
                "{}{version}{}{description}{suffix}",
                cfg.prefix, cfg.separator
            )
        })
        .collect())
}

/// `count` new sqitch change names from `name` that `plan` (sqitch.plan's
/// text) does not use yet: `name`, `name_2`, ...
pub fn sqitch_changes(plan: &str, name: &str, count: usize) -> Vec<String> {
    let used: BTreeSet<String> = plan
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(|w| w.split('[').next().unwrap_or(w).to_string())
        .collect();
    let mut taken = used;
    (0..count)
        .map(|_| {
            let mut n = 1usize;
            loop {
                let candidate = if n == 1 {
                    name.to_string()
                } else {
                    format!("{name}_{n}")
                };
                if taken.insert(candidate.clone()) {
                    return candidate;
                }
                n += 1;
            }
        })
        .collect()
}

/// The sqitch.plan lines that add `changes`, planned at `now` (seconds
/// since the Unix epoch) by pgvet: `name timestamp planner <email> # note`.
pub fn sqitch_plan_lines(changes: &[String], now: u64) -> String {
    let stamp = timestamp(now).to_string();
    let at = format!(
        "{}-{}-{}T{}:{}:{}Z",
        stamp.get(..4).unwrap_or(""),
        stamp.get(4..6).unwrap_or(""),
        stamp.get(6..8).unwrap_or(""),
        stamp.get(8..10).unwrap_or(""),
        stamp.get(10..12).unwrap_or(""),
        stamp.get(12..14).unwrap_or("")
    );
    changes
        .iter()
        .map(|c| format!("{c} {at} pgvet <pgvet@localhost> # Written by pgvet fix: review it\n"))
        .collect()
}

/// Drizzle: the tags (file names without `.sql`) of `count` new migrations
/// called `name` after the entries of `journal` (meta/_journal.json's
/// text), and the journal with their entries added (the text around them
/// kept as it is). Err when the journal is not one pgvet can extend.
pub fn drizzle_entries(
    journal: &str,
    name: &str,
    count: usize,
    now: u64,
) -> Result<(Vec<String>, String), String> {
    let bad = |why: &str| format!("cannot add to meta/_journal.json: {why}");
    let parsed: serde_json::Value =
        serde_json::from_str(journal).map_err(|e| bad(&e.to_string()))?;
    let entries = parsed
        .get("entries")
        .and_then(serde_json::Value::as_array)
        .ok_or_else(|| bad("no `entries` list"))?;
    let next = entries
        .iter()
        .filter_map(|e| e.get("idx").and_then(serde_json::Value::as_u64))
        .max()
        .map_or(0, |m| m + 1);
    let version = entries
        .last()
        .and_then(|e| e.get("version"))
        .and_then(serde_json::Value::as_str)
        .or_else(|| parsed.get("version").and_then(serde_json::Value::as_str))
        .unwrap_or("7")
        .to_string();
    let close = journal.rfind(']').ok_or_else(|| bad("no `]`"))?;
    let before = journal.get(..close).unwrap_or("").trim_end();
    let after = journal.get(close..).unwrap_or("");
    let mut tags = Vec::new();
    let mut added = String::new();
    for i in 0..count as u64 {
        let idx = next + i;
        let tag = format!("{idx:04}_{name}");
        let sep = if entries.is_empty() && i == 0 {
            ""
        } else {
            ","
        };
        added.push_str(&format!(
            "{sep}\n    {{\n      \"idx\": {idx},\n      \"version\": {},\n      \"when\": {},\n      \"tag\": \"{tag}\",\n      \"breakpoints\": true\n    }}",
            serde_json::Value::String(version.clone()),
            u128::from(now) * 1000 + u128::from(i)
        ));
        tags.push(tag);
    }
    let text = format!("{before}{added}\n  {after}");
    // The `]` found must have been the entries list's.
    let check: serde_json::Value = serde_json::from_str(&text).map_err(|e| bad(&e.to_string()))?;
    let grown = check
        .get("entries")
        .and_then(serde_json::Value::as_array)
        .map_or(0, Vec::len);
    if grown != entries.len() + count {
        return Err(bad("its `entries` list is not the last list in the file"));
    }
    Ok((tags, text))
}

/// The file names for `count` new migrations called `name`, after the files
/// `existing` (names only, any order), numbered as they are; `now` is
/// seconds since the Unix epoch.
pub fn next_migrations(existing: &[String], name: &str, count: usize, now: u64) -> Vec<String> {
    let numbered: Vec<(Numbering, u128)> = existing.iter().filter_map(|f| numbering(f)).collect();
    let style = numbered
        .iter()
        .max_by_key(|(_, n)| *n)
        .map_or(Numbering::Timestamp, |(s, _)| s.clone());
    let last = numbered
        .iter()
        .filter(|(s, _)| *s == style)
        .map(|(_, n)| *n)
        .max();
    let first = match style {
        Numbering::Timestamp => {
            let stamp = timestamp(now);
            match last {
                Some(l) if l >= stamp => l + 1,
                _ => stamp,
            }
        }
        _ => last.map_or(1, |l| l + 1),
    };
    (0..count)
        .map(|i| {
            let n = first + i as u128;
            match style {
                Numbering::Timestamp => format!("{n:014}_{name}.sql"),
                Numbering::Counter(width) => format!("{n:0width$}_{name}.sql"),
                Numbering::Flyway => format!("V{n}__{name}.sql"),
            }
        })
        .collect()
}

fn numbering(file: &str) -> Option<(Numbering, u128)> {
    let stem = file.strip_suffix(".sql")?;
    if let Some(rest) = stem.strip_prefix('V') {
        // `V10.1__x`: the new version is one more than the largest major.
        let (version, _) = rest.split_once("__")?;
        let major = version.split(['.', '_']).next().unwrap_or("");
        if !major.is_empty()
            && version
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.' || b == b'_')
        {
            return Some((Numbering::Flyway, major.parse().ok()?));
        }
    }
    let end = stem.find(|c: char| !c.is_ascii_digit())?;
    let (digits, tail) = stem.split_at(end);
    if digits.is_empty() || !tail.starts_with('_') {
        return None;
    }
    let style = if digits.len() == 14 {
        Numbering::Timestamp
    } else {
        Numbering::Counter(digits.len())
    };
    Some((style, digits.parse().ok()?))
}

/// `YYYYMMDDhhmmss` in UTC as a number.
fn timestamp(now: u64) -> u128 {
    let days = now / 86_400;
    let secs = now % 86_400;
    let (y, m, d) = civil_from_days(days);
    let text = format!(
        "{y:04}{m:02}{d:02}{:02}{:02}{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
    text.parse().unwrap_or(0)
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Hinnant's method).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

/// `base` cut to PostgreSQL's limit (on a character boundary), then made
/// unique against `taken` with `_2`, `_3`, ... (the name is added to `taken`).
pub fn unique_ident(base: &str, taken: &mut BTreeSet<String>) -> String {
    let mut n = 1usize;
    loop {
        let suffix = if n == 1 {
            String::new()
        } else {
            format!("_{n}")
        };
        let mut cut = MAX_IDENT_BYTES.saturating_sub(suffix.len()).min(base.len());
        while !base.is_char_boundary(cut) {
            cut -= 1;
        }
        let name = format!("{}{suffix}", base.get(..cut).unwrap_or(base));
        if taken.insert(name.clone()) {
            return name;
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-11-23 10:11:12 UTC
    const NOW: u64 = 1_795_428_672;

    #[test]
    fn flyway_names_follow_the_configured_prefix_separator_and_suffix() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("flyway.conf"),
            "flyway.sqlMigrationPrefix=M\nflyway.sqlMigrationSeparator=_\nflyway.sqlMigrationSuffixes=.pgsql\n",
        )
        .unwrap();
        let existing = vec![
            "M1_init.pgsql".to_string(),
            "M7_add_users.pgsql".to_string(),
            "flyway.conf".to_string(),
        ];
        let names = next_in_dir(Runner::Flyway, dir.path(), &existing, "pgvet_fixes", 2, NOW);
        assert_eq!(
            names.unwrap(),
            vec!["M8_pgvet_fixes.pgsql", "M9_pgvet_fixes.pgsql"]
        );
        // Without a configuration: Flyway's defaults.
        let plain = tempfile::tempdir().unwrap();
        let names = next_in_dir(
            Runner::Flyway,
            plain.path(),
            &["V2__a.sql".to_string()],
            "pgvet_fixes",
            1,
            NOW,
        );
        assert_eq!(names.unwrap(), vec!["V3__pgvet_fixes.sql"]);
    }

    #[test]
    fn timestamps_follow_the_clock_or_the_last_file() {
        assert_eq!(timestamp(NOW), 20_261_123_101_112);
        let files = vec!["20240101000000_init.sql".to_string()];
        assert_eq!(
            next_migrations(&files, "pgvet_fixes", 2, NOW),
            vec![
                "20261123101112_pgvet_fixes.sql",
                "20261123101113_pgvet_fixes.sql"
            ]
        );
        // A file from the future (clock skew): the new one still sorts last.
        let files = vec!["20991231235959_later.sql".to_string()];
        assert_eq!(
            next_migrations(&files, "x", 1, NOW),
            vec!["20991231235960_x.sql"]
        );
    }

    #[test]
    fn counters_and_flyway_versions_count_on() {
        let files = vec!["0001_init.sql".to_string(), "0012_more.sql".to_string()];
        assert_eq!(next_migrations(&files, "x", 1, NOW), vec!["0013_x.sql"]);
        let files = vec!["V1__init.sql".to_string(), "V2__more.sql".to_string()];
        assert_eq!(next_migrations(&files, "x", 1, NOW), vec!["V3__x.sql"]);
        let files = vec!["V9__a.sql".to_string(), "V10.1__b.sql".to_string()];
        assert_eq!(next_migrations(&files, "x", 1, NOW), vec!["V11__x.sql"]);
        assert_eq!(
            next_migrations(&[], "x", 1, NOW),
            vec!["20261123101112_x.sql"]
        );
    }

    #[test]
    fn runners_name_the_next_migration_their_way() {
        let next = |runner, files: &[&str]| {
            let files: Vec<String> = files.iter().map(|f| f.to_string()).collect();
            next_for_runner(runner, &files, "x", 1, NOW)
        };
        assert_eq!(
            next(Runner::GolangMigrate, &["0001_a.up.sql", "0001_a.down.sql"]),
            Ok(vec!["0002_x.up.sql".to_string()])
        );
        assert_eq!(
            next(Runner::Prisma, &["20240101000000_a", "migration_lock.toml"]),
            Ok(vec!["20261123101112_x/migration.sql".to_string()])
        );
        assert_eq!(
            next(
                Runner::Diesel,
                &["2024-01-01-000000_a", "00000000000000_diesel_initial_setup"]
            ),
            Ok(vec!["2026-11-23-101112_x/up.sql".to_string()])
        );
        // A name-order runner: a new timestamp would sort before `9_a.sql`.
        let err = next(Runner::Supabase, &["20240101000000_a.sql", "9_a.sql"]).unwrap_err();
        assert!(err.contains("`9_a.sql`"), "{err}");
        // goose compares numbers: 10 after 9.
        assert_eq!(
            next(Runner::Goose, &["8_a.sql", "9_b.sql"]),
            Ok(vec!["10_x.sql".to_string()])
        );
        assert!(next(Runner::Sqitch, &[]).is_err());
    }

    #[test]
    fn sqitch_changes_are_new_names_with_plan_lines() {
        let plan = "%project=x\n\npgvet_fixes 2024-01-01T00:00:00Z A <a@b>\nother [pgvet_fixes] 2024-01-01T00:00:00Z A <a@b>\n";
        let changes = sqitch_changes(plan, "pgvet_fixes", 2);
        assert_eq!(changes, ["pgvet_fixes_2", "pgvet_fixes_3"]);
        assert_eq!(
            sqitch_plan_lines(&changes[..1], NOW),
            "pgvet_fixes_2 2026-11-23T10:11:12Z pgvet <pgvet@localhost> # Written by pgvet fix: review it\n"
        );
    }

    #[test]
    fn drizzle_journal_gets_entries_after_the_last() {
        let journal = "{\n  \"version\": \"7\",\n  \"dialect\": \"postgresql\",\n  \"entries\": [\n    {\n      \"idx\": 0,\n      \"version\": \"7\",\n      \"when\": 1,\n      \"tag\": \"0000_a\",\n      \"breakpoints\": true\n    }\n  ]\n}\n";
        let (tags, text) = drizzle_entries(journal, "x", 2, NOW).unwrap();
        assert_eq!(tags, ["0001_x", "0002_x"]);
        assert!(text.starts_with("{\n  \"version\": \"7\","), "{text}");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["entries"][2]["tag"], "0002_x");
        assert_eq!(v["entries"][1]["when"], 1_795_428_672_000u64);
        let (tags, _) = drizzle_entries("{\"entries\": []}", "x", 1, NOW).unwrap();
        assert_eq!(tags, ["0000_x"]);
        // A `]` after the entries list: not a journal pgvet can extend.
        assert!(drizzle_entries("{\"entries\": [], \"x\": [1]}", "x", 1, NOW).is_err());
    }

    #[test]
    fn identifiers_are_cut_to_63_bytes_and_made_unique() {
        let mut taken = BTreeSet::new();
        let long = format!("idx_{}", "é".repeat(40));
        let a = unique_ident(&long, &mut taken);
        assert!(a.len() <= 63 && a.starts_with("idx_é"));
        let b = unique_ident(&long, &mut taken);
        assert!(b.len() <= 63 && b.ends_with("_2"), "{b}");
        assert_ne!(a, b);
    }
}
