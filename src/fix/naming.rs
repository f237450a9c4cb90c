//! Names `pgvet fix` gives what it creates: the migration file (following
//! the project's numbering) and indexes (unique, within PostgreSQL's 63 bytes).

use std::collections::BTreeSet;

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
        let (digits, tail) = rest.split_at(rest.find(|c: char| !c.is_ascii_digit())?);
        if !digits.is_empty() && tail.starts_with("__") {
            return Some((Numbering::Flyway, digits.parse().ok()?));
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
        assert_eq!(
            next_migrations(&[], "x", 1, NOW),
            vec!["20261123101112_x.sql"]
        );
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
