//! Migration files not named `<14 digits>_<snake_case>.sql`, or out of
//! order (opt-in). Docs: rules/migration-filename.yaml.

use crate::catalog::{FileId, Span};
use crate::rules::{SchemaCtx, SchemaRule};

pub struct MigrationFilename;

impl SchemaRule for MigrationFilename {
    fn check(&self, cx: &mut SchemaCtx<'_>) {
        // (timestamp, file name) of the last well-named file, and all seen.
        let mut previous: Option<(&str, &str)> = None;
        let mut seen: Vec<(&str, &str)> = Vec::new();
        let files = cx.files;
        for (i, path) in files.iter().enumerate() {
            let Ok(id) = u32::try_from(i) else { break };
            let span = Some(Span {
                file: FileId(id),
                start: 0,
                end: 0,
            });
            let name = file_name(path);
            let Some(stamp) = timestamp(name) else {
                cx.report(
                    &name,
                    span,
                    format!("migration file `{name}` is not named `<14-digit timestamp>_<snake_case_name>.sql`"),
                );
                continue;
            };
            if let Some((_, first)) = seen.iter().find(|(s, _)| *s == stamp) {
                cx.report(
                    &name,
                    span,
                    format!("migration file `{name}` has the same timestamp as `{first}`"),
                );
            } else if let Some((prev, prev_name)) = previous.filter(|(p, _)| stamp < *p) {
                cx.report(
                    &name,
                    span,
                    format!("migration file `{name}` comes after `{prev_name}` but its timestamp is earlier than {prev}"),
                );
            }
            seen.push((stamp, name));
            previous = Some((stamp, name));
        }
    }
}

/// The last path component (display paths use `/`, or `\` on Windows).
fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// The 14-digit timestamp of a well-formed name, or None.
fn timestamp(name: &str) -> Option<&str> {
    let stem = name.strip_suffix(".sql")?;
    let (stamp, rest) = stem.split_at_checked(14)?;
    let words = rest.strip_prefix('_')?;
    let ok_stamp = stamp.bytes().all(|b| b.is_ascii_digit());
    let ok_words = !words.is_empty()
        && words.split('_').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    (ok_stamp && ok_words).then_some(stamp)
}

#[cfg(test)]
mod tests {
    use super::timestamp;
    use crate::config::Config;

    fn lint(files: &[&str]) -> Vec<String> {
        let mut cfg = Config::default();
        cfg.select = Some(vec!["migration-filename".to_string()]);
        let sources = files
            .iter()
            .map(|f| (format!("supabase/migrations/{f}"), "select 1;".to_string()))
            .collect();
        let report = crate::lint_sources(sources, &cfg, &crate::test_support::supabase());
        report
            .findings
            .iter()
            .map(|f| {
                let at = f
                    .location
                    .as_ref()
                    .map_or("-".to_string(), |l| format!("{}:{}", l.file, l.line));
                format!("{at} [{}] {}", f.object, f.message)
            })
            .collect()
    }

    #[test]
    fn off_by_default() {
        assert_eq!(
            crate::rules::find("migration-filename").map(|r| r.doc.default_enabled),
            Some(false)
        );
    }

    #[test]
    fn well_named_increasing_files_are_quiet() {
        assert!(lint(&[
            "20240101000001_create_rag_schema.sql",
            "20240201000000_usage_and_limits.sql"
        ])
        .is_empty());
    }

    #[test]
    fn short_timestamp_fires_at_line_one_of_that_file() {
        let out = lint(&[
            "20251001000000_initial_schema.sql",
            "20251007_enhanced_security.sql",
        ]);
        assert_eq!(out.len(), 1, "{out:?}");
        let first = out.first().map(String::as_str).unwrap_or_default();
        assert!(first.starts_with("supabase/migrations/20251007_enhanced_security.sql:1 [20251007_enhanced_security.sql]"), "{out:?}");
    }

    #[test]
    fn malformed_names() {
        for bad in [
            "20240101000000-init.sql",
            "20240101000000_Init.sql",
            "20240101000000_init.SQL",
            "20240101000000_.sql",
            "20240101000000_a__b.sql",
            "init.sql",
            "2024010100000a_init.sql",
        ] {
            assert_eq!(lint(&[bad]).len(), 1, "{bad}");
        }
        assert!(timestamp("20240101000000_v2_fix.sql").is_some());
    }

    #[test]
    fn duplicate_timestamp_names_the_first_file() {
        let out = lint(&["20240101000000_a.sql", "20240101000000_b.sql"]);
        assert!(
            out.iter().any(|l| l.contains(
                "`20240101000000_b.sql` has the same timestamp as `20240101000000_a.sql`"
            )),
            "{out:?}"
        );
    }

    #[test]
    fn files_given_out_of_order() {
        let out = lint(&["20240201000000_b.sql", "20240101000000_a.sql"]);
        assert!(
            out.iter()
                .any(|l| l.contains("comes after `20240201000000_b.sql`")),
            "{out:?}"
        );
    }

    #[test]
    fn no_files_no_findings() {
        assert!(lint(&[]).is_empty());
    }
}
