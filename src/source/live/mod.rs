//! The live source: the catalog of a running database, read in one read-only
//! snapshot.
//!
//! pgvet reads `pg_catalog` with a handful of queries (each O(objects), no
//! per-table round trips), writes the definitions PostgreSQL itself prints
//! (`pg_get_functiondef`, `pg_get_constraintdef`, `pg_get_indexdef`, ...) as
//! DDL, and replays that DDL with the same replayer the migrations go
//! through, on top of the same platform baseline. Facts DDL does not carry
//! (privileges, index validity, sizes) are then set directly. The replayer
//! marks every object it builds from that DDL (`replay::Stamp::Live`):
//! `Origin::Live`, or `Origin::Baseline` when it lies outside the audited
//! schemas, so rules skip it exactly like the platform's own objects.

mod acl;
pub mod connect;
pub mod data;
mod ddl;
mod queries;
mod query;
pub mod stats;

use std::fmt;

use crate::catalog::{baseline, Catalog, Ident, Platform, QualifiedName, TableStats};

pub use connect::{ConnectOptions, SslMode};
pub use ddl::Unreadable;

/// Why an audit could not read the database. Messages name what failed and
/// never contain the password.
#[derive(Debug)]
pub enum LiveError {
    /// Bad connection string or option.
    Usage(String),
    /// TLS could not be set up (bad root certificate file, ...).
    Tls(String),
    /// Connecting or logging in failed.
    Connect { target: String, message: String },
    /// A catalog query failed (permission denied, timeout, ...).
    Query { what: String, message: String },
}

impl fmt::Display for LiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LiveError::Usage(m) | LiveError::Tls(m) => f.write_str(m),
            LiveError::Connect { target, message } => {
                write!(f, "cannot connect to {target}: {message}")
            }
            LiveError::Query { what, message } => {
                write!(f, "cannot read {what} from the database: {message}")
            }
        }
    }
}

impl std::error::Error for LiveError {}

/// How to read the database.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    pub connect: ConnectOptions,
    /// PostgreSQL duration, e.g. `30s`; applies to every catalog query.
    pub statement_timeout: String,
    /// PostgreSQL duration; the audit waits no longer for a catalog lock.
    pub lock_timeout: String,
    /// Connections that read the catalog: 1, or 2 to split the catalog
    /// queries between two server processes. The second imports the first's
    /// snapshot (`pg_export_snapshot`), so both read the same state.
    pub connections: usize,
    /// Schemas whose objects are audited; None = every schema but
    /// PostgreSQL's own. Objects elsewhere stay in the model for reference.
    pub schemas: Option<Vec<String>>,
    /// Platform from config; None = detect (Supabase when `auth.users` and
    /// the `anon` and `authenticated` roles exist).
    pub platform: Option<Platform>,
    /// The schemas the API serves; None: the platform's default, once the
    /// platform is known (`Platform::default_exposed_schemas`).
    pub exposed_schemas: Option<Vec<String>>,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            connect: ConnectOptions::default(),
            statement_timeout: "30s".to_string(),
            lock_timeout: "5s".to_string(),
            connections: 1,
            schemas: None,
            platform: None,
            exposed_schemas: None,
        }
    }
}

/// What was read.
pub struct Snapshot {
    pub catalog: Catalog,
    /// `user@host:port/db`, for the report.
    pub target: String,
    pub server_version: String,
    /// `transaction_read_only` as the server reported it inside the snapshot.
    pub read_only: bool,
    /// Definitions replayed into the model.
    pub definitions: usize,
    /// Definitions PostgreSQL printed that pgvet could not parse.
    pub unreadable: Vec<Unreadable>,
}

/// A PostgreSQL duration such as `30s`, `500ms`, `2min` or `0` (no limit).
pub fn check_duration(text: &str) -> Result<(), String> {
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = text.get(digits.len()..).unwrap_or_default();
    let ok_number = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    let ok_unit = matches!(unit, "" | "us" | "ms" | "s" | "min" | "h" | "d");
    if ok_number && ok_unit {
        Ok(())
    } else {
        Err(format!(
            "`{text}` is not a duration (examples: 500ms, 30s, 2min)"
        ))
    }
}

/// Checks the options, resolves where to connect (URL, PG* variables) and
/// starts the I/O runtime every read runs on.
fn prepare(opts: &LiveOptions) -> Result<(connect::Target, tokio::runtime::Runtime), LiveError> {
    for d in [&opts.statement_timeout, &opts.lock_timeout] {
        check_duration(d).map_err(LiveError::Usage)?;
    }
    if !(1..=2).contains(&opts.connections) {
        return Err(LiveError::Usage(format!(
            "--connections must be 1 or 2, not {}",
            opts.connections
        )));
    }
    let env = |k: &str| std::env::var(k).ok();
    let target = connect::resolve(&opts.connect, &env)?;
    for warning in &target.warnings {
        eprintln!("pgvet: warning: {warning}");
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| LiveError::Connect {
            target: target.label.clone(),
            message: format!("cannot start the I/O runtime: {e}"),
        })?;
    Ok((target, runtime))
}

/// Connects, reads the catalog in one read-only snapshot, and builds the model.
pub fn load(opts: &LiveOptions) -> Result<Snapshot, LiveError> {
    let (target, runtime) = prepare(opts)?;
    let t0 = std::time::Instant::now();
    // The catalog arrives in numbered parts (`query::read`), and the model is
    // built from each while the server still reads the next (issue 5).
    let (parts, arrived) = std::sync::mpsc::channel();
    let (read, built) = std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            let read = runtime.block_on(query::read(&target, opts, parts));
            (read, t0.elapsed())
        });
        // The parts in order, whichever arrives first.
        let mut early = std::collections::BTreeMap::new();
        let mut number = 0;
        let mut next = || loop {
            if let Some(raw) = early.remove(&number) {
                number += 1;
                return Some(raw);
            }
            let (n, raw) = arrived.recv().ok()?;
            early.insert(n, raw);
        };
        let built = next().and_then(|raw| {
            let first = t0.elapsed();
            let platform = opts.platform.unwrap_or(if raw.looks_like_supabase() {
                Platform::Supabase
            } else {
                Platform::Postgres
            });
            let mut cat = baseline::catalog(platform);
            cat.exposed_schemas = opts
                .exposed_schemas
                .clone()
                .unwrap_or_else(|| platform.default_exposed_schemas())
                .into_iter()
                .map(Ident::new)
                .collect();
            let audited = |schema: &str| match &opts.schemas {
                Some(list) => list.iter().any(|s| s == schema),
                None => true,
            };
            let (definitions, unreadable) = ddl::build(&mut cat, &raw, &audited, &mut next)?;
            Some((raw, cat, definitions, unreadable, first, t0.elapsed()))
        });
        let read = reader
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (read, built)
    });
    // A failed read wins over whatever was built from its first part.
    let (read, read_time) = read;
    read?;
    let Some((raw, mut cat, definitions, unreadable, first, built_at)) = built else {
        return Err(LiveError::Query {
            what: "the catalog".into(),
            message: "the read ended before every part arrived".into(),
        });
    };
    if std::env::var_os("PGVET_TIMING").is_some() {
        // Times since the connection was made; the build overlaps the read.
        eprintln!("first part read: {first:?}");
        eprintln!("read: {read_time:?}");
        eprintln!("built: {built_at:?}");
    }
    mark_queue_tables(&mut cat);
    Ok(Snapshot {
        catalog: cat,
        target: target.label,
        server_version: raw.server_version,
        read_only: raw.read_only,
        definitions,
        unreadable,
    })
}

/// Relation sizes and the server's version, for `lint --db`.
pub struct Sizes {
    pub target: String,
    pub server_version: String,
    /// Tables (plain, partitioned, foreign) with their size; materialized
    /// views with none.
    pub relations: Vec<(QualifiedName, Option<TableStats>)>,
}

/// Connects and reads only what `lint --db` needs, in one read-only
/// snapshot with the timeouts set: one catalog query, no model built.
/// The name of the database `opts` connect to (libpq's: the user's name
/// when no database is named), worked out without connecting.
pub fn database_name(opts: &LiveOptions) -> Result<String, LiveError> {
    let env = |k: &str| std::env::var(k).ok();
    let target = connect::resolve(&opts.connect, &env)?;
    let config = &target.config;
    Ok(config
        .get_dbname()
        .or_else(|| config.get_user())
        .unwrap_or_default()
        .to_string())
}

/// The migration versions `runner` recorded as applied in the database
/// (its history table, where `at` says when its configuration moved it,
/// read in a read-only snapshot of its own); None when pgvet does not read
/// that runner's history or the table does not exist.
pub fn migration_history(
    opts: &LiveOptions,
    runner: crate::source::migrations::runner::Runner,
    at: Option<&crate::source::migrations::runner::History>,
) -> Result<Option<Vec<String>>, LiveError> {
    let (target, runtime) = prepare(opts)?;
    runtime.block_on(query::read_history(&target, opts, runner, at))
}

pub fn sizes(opts: &LiveOptions) -> Result<Sizes, LiveError> {
    let (target, runtime) = prepare(opts)?;
    let raw = runtime.block_on(query::read_sizes(&target, opts))?;
    let relations = raw
        .relations
        .into_iter()
        .map(|(schema, name, kind, rows, bytes)| {
            let stats = (kind != "m").then(|| TableStats {
                row_estimate: rows,
                bytes: u64::try_from(bytes).unwrap_or(0),
            });
            (QualifiedName::new(schema, name), stats)
        })
        .collect();
    Ok(Sizes {
        target: target.label,
        server_version: raw.server_version,
        relations,
    })
}

/// `pgvet stats`: reads table sizes and column statistics in one read-only
/// snapshot with the timeouts set.
pub fn stats(opts: &LiveOptions) -> Result<stats::StatsFile, LiveError> {
    let (target, runtime) = prepare(opts)?;
    let (raw, columns) = runtime.block_on(query::read_stats(&target, opts))?;
    let mut by_table: std::collections::BTreeMap<(String, String), Vec<stats::ColumnEntry>> =
        std::collections::BTreeMap::new();
    for (schema, table, name, null_frac, n_distinct) in columns {
        by_table
            .entry((schema, table))
            .or_default()
            .push(stats::ColumnEntry {
                name,
                null_frac,
                n_distinct,
            });
    }
    let mut tables: Vec<stats::TableEntry> = raw
        .relations
        .into_iter()
        .map(|(schema, name, kind, rows, bytes)| {
            let columns = by_table
                .remove(&(schema.clone(), name.clone()))
                .unwrap_or_default();
            stats::TableEntry {
                schema,
                name,
                kind: stats::kind_name(&kind).to_string(),
                row_estimate: rows,
                bytes: u64::try_from(bytes).unwrap_or(0),
                columns,
            }
        })
        .collect();
    tables.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
    Ok(stats::StatsFile {
        format: stats::FORMAT.to_string(),
        version: stats::VERSION,
        server_version: raw.server_version,
        tables,
    })
}

/// pgmq's queue tables are the extension's, as the replay of
/// `pgmq.create()` marks them, whether or not the installed pgmq version
/// made them members of the extension.
fn mark_queue_tables(cat: &mut Catalog) {
    if !cat.extensions.contains_key(&Ident::new("pgmq")) {
        return;
    }
    for t in cat.tables.values_mut() {
        if crate::catalog::is_pgmq_queue_table(&t.name) {
            t.extension_owned = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::check_duration;

    #[test]
    fn durations() {
        for ok in ["0", "30s", "500ms", "2min", "1h"] {
            assert!(check_duration(ok).is_ok(), "{ok}");
        }
        for bad in ["", "s", "30 s", "-1s", "30sec", "1; drop table x"] {
            assert!(check_duration(bad).is_err(), "{bad}");
        }
    }
}
