//! The stats file: what `pgvet stats --db URL` reads from a database (table
//! sizes, row estimates, and per column the NULL fraction and n_distinct
//! from pg_stats), as JSON, so that `pgvet lint --stats-file FILE` weighs
//! lock findings by table size in CI without database credentials.
//!
//! The shape is versioned: `format` is always `pgvet-stats` and `version`
//! is 1; a reader refuses a file of another format or version. Fields may
//! be added within a version (readers ignore fields they do not know);
//! a field removed or changed in meaning takes a new version.

use serde::{Deserialize, Serialize};

use crate::catalog::{QualifiedName, TableStats};

/// `format` of every stats file.
pub const FORMAT: &str = "pgvet-stats";
/// The version this pgvet writes and reads.
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatsFile {
    pub format: String,
    pub version: u32,
    /// `server_version` of the database read (`15.4`, `17.2 (Debian ...)`).
    pub server_version: String,
    /// Tables, partitioned tables, foreign tables and materialized views
    /// outside PostgreSQL's own schemas and not members of an extension,
    /// by schema and name.
    pub tables: Vec<TableEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableEntry {
    pub schema: String,
    pub name: String,
    /// `table`, `partitioned`, `foreign` or `materialized_view`.
    pub kind: String,
    /// `pg_class.reltuples`: -1 when never analyzed (PostgreSQL 14+).
    pub row_estimate: f64,
    /// Pages times the block size.
    pub bytes: u64,
    /// Columns ANALYZE has statistics for, by name.
    #[serde(default)]
    pub columns: Vec<ColumnEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnEntry {
    pub name: String,
    /// The fraction of rows where it is NULL (0 to 1).
    pub null_frac: f64,
    /// Distinct values: a count when positive; minus a fraction of the rows
    /// when negative (-1: every row differs).
    pub n_distinct: f64,
}

/// The kind name of a `pg_class.relkind`.
pub fn kind_name(relkind: &str) -> &'static str {
    match relkind {
        "p" => "partitioned",
        "f" => "foreign",
        "m" => "materialized_view",
        _ => "table",
    }
}

impl StatsFile {
    /// Reads a stats file's text; `Err` says what is wrong with it.
    pub fn parse(text: &str) -> Result<StatsFile, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let format = value.get("format").and_then(serde_json::Value::as_str);
        if format != Some(FORMAT) {
            return Err(format!(
                "not a pgvet stats file (no \"format\": \"{FORMAT}\"); write one with `pgvet stats --db URL > FILE`"
            ));
        }
        let version = value.get("version").and_then(serde_json::Value::as_u64);
        if version != Some(u64::from(VERSION)) {
            let found = version.map_or("none".to_string(), |v| v.to_string());
            return Err(format!(
                "stats file version {found}, and this pgvet reads version {VERSION}; write it again with this pgvet's `pgvet stats`"
            ));
        }
        serde_json::from_value(value).map_err(|e| format!("not a valid stats file: {e}"))
    }

    /// The file's JSON text, ending with a newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Each relation with its size as `lint --db` reads it: materialized
    /// views with none.
    pub fn relations(&self) -> Vec<(QualifiedName, Option<TableStats>)> {
        self.tables
            .iter()
            .map(|t| {
                let stats = (t.kind != "materialized_view").then_some(TableStats {
                    row_estimate: t.row_estimate,
                    bytes: t.bytes,
                });
                (
                    QualifiedName::new(t.schema.as_str(), t.name.as_str()),
                    stats,
                )
            })
            .collect()
    }

    /// The server's major version (`15` of `15.4`).
    pub fn major_version(&self) -> Option<u32> {
        self.server_version
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|m| m.parse().ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> StatsFile {
        StatsFile {
            format: FORMAT.to_string(),
            version: VERSION,
            server_version: "15.4".to_string(),
            tables: vec![
                TableEntry {
                    schema: "public".into(),
                    name: "big".into(),
                    kind: "table".into(),
                    row_estimate: 20000.0,
                    bytes: 1 << 20,
                    columns: vec![ColumnEntry {
                        name: "n".into(),
                        null_frac: 0.25,
                        n_distinct: -1.0,
                    }],
                },
                TableEntry {
                    schema: "public".into(),
                    name: "mv".into(),
                    kind: "materialized_view".into(),
                    row_estimate: 3.0,
                    bytes: 8192,
                    columns: Vec::new(),
                },
            ],
        }
    }

    #[test]
    fn round_trip() {
        let file = sample();
        let again = StatsFile::parse(&file.to_json()).unwrap();
        assert_eq!(again, file);
        assert_eq!(again.major_version(), Some(15));
        let relations = again.relations();
        assert_eq!(
            relations[0].1,
            Some(TableStats {
                row_estimate: 20000.0,
                bytes: 1 << 20
            })
        );
        assert_eq!(relations[1].1, None);
    }

    #[test]
    fn other_formats_and_versions_are_refused() {
        let err = StatsFile::parse("{\"tables\": []}").unwrap_err();
        assert!(err.contains("not a pgvet stats file"), "{err}");
        let text = sample()
            .to_json()
            .replace("\"version\": 1", "\"version\": 2");
        let err = StatsFile::parse(&text).unwrap_err();
        assert!(err.contains("version 2"), "{err}");
        let err = StatsFile::parse("not json").unwrap_err();
        assert!(err.contains("not JSON"), "{err}");
    }
}
