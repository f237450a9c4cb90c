//! Reading the catalog. One connection, one `REPEATABLE READ READ ONLY`
//! transaction (so every query sees the same snapshot), `search_path` empty
//! so that PostgreSQL prints every name schema-qualified, and each query
//! linear in the number of objects: extension membership is looked up
//! through pg_depend's (classid, objid) index, never by objid alone. The
//! queries are files under `queries/` (see `queries.rs`); their rows are read
//! here by column name, one reader function per query.

use std::sync::mpsc::Sender;

use tokio_postgres::types::FromSql;
use tokio_postgres::{Client, Row};

use super::acl;
use super::connect::{tls_config, SslMode, Target};
use super::queries::{self, Query};
use super::{LiveError, LiveOptions};
use crate::source::migrations::runner::{History, Runner};

pub struct RawSchema {
    pub name: String,
    /// Roles with CREATE (`public` for PUBLIC); the owner when the ACL is default.
    pub create: Vec<String>,
    pub owner: String,
}

pub struct RawExtension {
    pub name: String,
    pub schema: String,
    pub owner: String,
}

pub struct RawType {
    pub schema: String,
    pub name: String,
    pub qname: String,
    pub kind: String,
    pub owner: String,
    pub labels: Vec<String>,
    pub base: Option<String>,
    pub not_null: bool,
    pub checks: Vec<String>,
    pub subtype: Option<String>,
}

pub struct RawRelation {
    pub oid: i64,
    pub schema: String,
    pub name: String,
    pub qname: String,
    pub kind: String,
    pub owner: String,
    pub rls: bool,
    pub force_rls: bool,
    pub partition_bound: Option<String>,
    pub parent: Option<String>,
    pub partition_key: Option<String>,
    pub options: Vec<String>,
    pub view_def: Option<String>,
    pub server: Option<String>,
    /// A sequence's options (pg_sequence); None for other relations.
    pub sequence: Option<crate::catalog::SequenceOptions>,
    /// The column that owns a sequence: a serial's or `OWNED BY` (None for
    /// a standalone one, and for other relations).
    pub owned_by: Option<RawOwner>,
    pub row_estimate: f64,
    pub bytes: i64,
    /// The ACL's items of roles other than the owner (`public` for
    /// PUBLIC); empty for the default ACL.
    pub grants: Vec<acl::AclItem>,
}

/// The column a sequence belongs to.
pub struct RawOwner {
    /// The table's oid.
    pub relation: i64,
    pub column: String,
    /// An identity column's sequence, which its column's DDL makes.
    pub identity: bool,
}

/// A row of `queries/publications.sql`.
pub struct RawPublication {
    pub name: String,
    pub owner: String,
    pub all_tables: bool,
    pub publish: crate::catalog::PublishActions,
    pub via_root: bool,
}

/// A row of `queries/publication_tables.sql` (or `_13`).
pub struct RawPublishedTable {
    pub publication: String,
    pub qname: String,
    pub row_filter: Option<String>,
    /// Quoted names; None for every column.
    pub columns: Option<Vec<String>>,
}

/// A row of `queries/publication_schemas.sql`.
pub struct RawPublishedSchema {
    pub publication: String,
    /// Quoted.
    pub schema: String,
}

pub struct RawColumn {
    pub relation: i64,
    pub name: String,
    pub ty: String,
    pub not_null: bool,
    pub identity: String,
    pub generated: String,
    pub default: Option<String>,
    /// Column-level privileges (the ACL's items; empty for none).
    pub grants: Vec<acl::AclItem>,
}

pub struct RawConstraint {
    pub relation: i64,
    pub name: String,
    pub def: String,
    /// Declared on this table, not inherited from a parent or partitioned table.
    pub local: bool,
}

pub struct RawIndex {
    pub relation: i64,
    pub name: String,
    /// None for an index that backs a constraint.
    pub def: Option<String>,
    pub valid: bool,
    /// A partition of an index on a partitioned table (created with it).
    pub inherited: bool,
}

pub struct RawFunction {
    pub schema: String,
    pub name: String,
    pub qname: String,
    pub kind: String,
    pub owner: String,
    pub def: Option<String>,
    pub identity_args: String,
    /// EXECUTE grantees (`public` for PUBLIC); None = the default ACL.
    pub execute: Option<Vec<String>>,
}

pub struct RawTrigger {
    pub relation: i64,
    pub name: String,
    pub def: String,
    pub enabled: String,
}

pub struct RawPolicy {
    pub relation: i64,
    pub name: String,
    pub permissive: bool,
    pub command: String,
    /// Quoted role names; None = PUBLIC.
    pub roles: Option<Vec<String>>,
    pub using: Option<String>,
    pub with_check: Option<String>,
}

/// Everything read in the snapshot.
/// A row of `queries/default_acls.sql`.
pub struct RawDefaultAcl {
    pub role: String,
    /// None: for every schema.
    pub schema: Option<String>,
    pub kind: String,
    pub grants: Vec<acl::AclItem>,
}

#[derive(Default)]
pub struct Raw {
    pub server_version: String,
    pub read_only: bool,
    pub roles: Vec<String>,
    pub schemas: Vec<RawSchema>,
    pub extensions: Vec<RawExtension>,
    pub types: Vec<RawType>,
    pub relations: Vec<RawRelation>,
    pub columns: Vec<RawColumn>,
    pub constraints: Vec<RawConstraint>,
    pub indexes: Vec<RawIndex>,
    pub functions: Vec<RawFunction>,
    pub triggers: Vec<RawTrigger>,
    pub policies: Vec<RawPolicy>,
    pub default_acls: Vec<RawDefaultAcl>,
    pub publications: Vec<RawPublication>,
    pub published_tables: Vec<RawPublishedTable>,
    pub published_schemas: Vec<RawPublishedSchema>,
}

impl Raw {
    /// A Supabase project: `auth.users` and the API roles exist.
    pub fn looks_like_supabase(&self) -> bool {
        let role = |r: &str| self.roles.iter().any(|x| x == r);
        role("anon")
            && role("authenticated")
            && self
                .relations
                .iter()
                .any(|r| r.schema == "auth" && r.name == "users")
    }
}

fn connect_error(target: &Target, e: &tokio_postgres::Error) -> LiveError {
    if target.connect_timeout.per_host.is_some() && is_timeout(e) {
        // The driver's TCP connect limit, which is the same setting.
        return target.timed_out();
    }
    LiveError::Connect {
        target: target.label.clone(),
        message: describe(e),
    }
}

/// The server's message when there is one, else the driver's with its cause.
pub(super) fn describe(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{} ({})", db.message(), db.code().code());
    }
    if e.is_closed() {
        // The driver says only "connection closed".
        return "the connection was closed (server stopped or restarted, session terminated, \
                or network failure)"
            .to_string();
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

/// Whether the driver gave up waiting for a socket.
fn is_timeout(e: &tokio_postgres::Error) -> bool {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if s.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
        {
            return true;
        }
        source = s.source();
    }
    false
}

/// Connects within the connect timeout, which bounds TCP, TLS, startup and
/// authentication together: a server that accepts and never answers does
/// not hang the audit.
pub(super) async fn connect(target: &Target) -> Result<Client, LiveError> {
    let attempt = open(target);
    match target.connect_timeout.total(target.hosts()) {
        Some(limit) => tokio::time::timeout(limit, attempt)
            .await
            .unwrap_or_else(|_| Err(target.timed_out())),
        None => attempt.await,
    }
}

async fn open(target: &Target) -> Result<Client, LiveError> {
    if target.sslmode == SslMode::Disable {
        let (client, conn) = target
            .config
            .connect(tokio_postgres::NoTls)
            .await
            .map_err(|e| connect_error(target, &e))?;
        tokio::spawn(conn);
        return Ok(client);
    }
    let tls = tls_config(target.sslmode, target.sslrootcert.as_deref())?;
    let (client, conn) = target
        .config
        .connect(tokio_postgres_rustls::MakeRustlsConnect::new(tls))
        .await
        .map_err(|e| connect_error(target, &e))?;
    tokio::spawn(conn);
    Ok(client)
}

/// A failed catalog query; `knock_on` when it failed only because another
/// query of the same pipeline failed first (the transaction was aborted, or
/// the connection closed after the server's error went to that query).
struct Failed {
    error: LiveError,
    knock_on: bool,
}

async fn rows(client: &Client, query: &Query) -> Result<Vec<Row>, Failed> {
    let sql = query.sql();
    client.query(&sql, &[]).await.map_err(|e| Failed {
        knock_on: e.is_closed()
            || e.code() == Some(&tokio_postgres::error::SqlState::IN_FAILED_SQL_TRANSACTION),
        error: LiveError::Query {
            what: query.what.to_string(),
            message: describe(&e),
        },
    })
}

/// The error to report from a pipeline: the first that is a cause, else the
/// first one (a connection that closed without a word from the server).
fn cause(failures: impl IntoIterator<Item = Failed>) -> Option<LiveError> {
    let mut first = None;
    for f in failures {
        if !f.knock_on {
            return Some(f.error);
        }
        first.get_or_insert(f.error);
    }
    first
}

/// A row whose columns are read by name: a query's [`Row`], or in the
/// tests a probe that records the names asked for.
trait Columns {
    fn column<'a, T: FromSql<'a>>(&'a self, name: &str) -> Result<T, String>;
}

impl Columns for Row {
    fn column<'a, T: FromSql<'a>>(&'a self, name: &str) -> Result<T, String> {
        // The driver's own text ("invalid column `x`", "error deserializing
        // column 3") names the column again or drops the types; its cause
        // says what did not fit.
        if !self.columns().iter().any(|c| c.name() == name) {
            return Err("not in the result".to_string());
        }
        self.try_get(name).map_err(|e| describe(&e))
    }
}

/// Column `name` of a row of `what`.
fn get<'a, T: FromSql<'a>>(row: &'a impl Columns, name: &str, what: &str) -> Result<T, LiveError> {
    row.column(name).map_err(|e| LiveError::Query {
        what: what.to_string(),
        message: format!("column {name}: {e}"),
    })
}

/// A text array column; empty when null.
fn list(row: &impl Columns, name: &str, what: &str) -> Result<Vec<String>, LiveError> {
    Ok(get::<Option<Vec<String>>>(row, name, what)?.unwrap_or_default())
}

/// What `lint --db` needs: each relation's size, and the server's version.
pub struct RawSizes {
    pub server_version: String,
    /// (schema, name, relkind, reltuples, bytes), for tables, partitioned,
    /// foreign and materialized views outside PostgreSQL's own schemas.
    pub relations: Vec<(String, String, String, f64, i64)>,
}

/// Reads only relation sizes, in the same kind of read-only snapshot as [`read`].
pub async fn read_sizes(target: &Target, opts: &LiveOptions) -> Result<RawSizes, LiveError> {
    let client = begin_snapshot(target, opts).await?;
    let version = rows(&client, &queries::SIZES_SERVER_VERSION).await;
    let sizes = rows(&client, &queries::SIZES).await;
    // Nothing was written; ending the transaction either way is harmless.
    let _ = client.batch_execute("rollback").await;
    raw_sizes(&version.map_err(|f| f.error)?, &sizes.map_err(|f| f.error)?)
}

/// The rows of the server version and sizes queries, read.
fn raw_sizes(version: &[impl Columns], sizes: &[impl Columns]) -> Result<RawSizes, LiveError> {
    let server_version = match version.first() {
        Some(row) => sizes_server_version(row)?,
        None => String::new(),
    };
    let mut relations = Vec::with_capacity(sizes.len());
    for row in sizes {
        relations.push(size(row)?);
    }
    Ok(RawSizes {
        server_version,
        relations,
    })
}

/// A row of `queries/column_stats.sql`: schema, table, column, null_frac, n_distinct.
pub type RawColumnStat = (String, String, String, f64, f64);

/// What `pgvet stats` writes: relation sizes and column statistics, read
/// in one read-only snapshot.
pub async fn read_stats(
    target: &Target,
    opts: &LiveOptions,
) -> Result<(RawSizes, Vec<RawColumnStat>), LiveError> {
    let client = begin_snapshot(target, opts).await?;
    let version = rows(&client, &queries::SIZES_SERVER_VERSION).await;
    let sizes = rows(&client, &queries::SIZES).await;
    let stats = rows(&client, &queries::COLUMN_STATS).await;
    // Nothing was written; ending the transaction either way is harmless.
    let _ = client.batch_execute("rollback").await;
    let version = version.map_err(|f| f.error)?;
    let sizes = sizes.map_err(|f| f.error)?;
    let stats = stats.map_err(|f| f.error)?;
    let sizes = raw_sizes(&version, &sizes)?;
    let mut columns = Vec::with_capacity(stats.len());
    for row in &stats {
        columns.push(column_stat(row)?);
    }
    Ok((sizes, columns))
}

/// A row of `queries/column_stats.sql`.
fn column_stat(r: &impl Columns) -> Result<RawColumnStat, LiveError> {
    let w = queries::COLUMN_STATS.what;
    Ok((
        get(r, "schema", w)?,
        get(r, "name", w)?,
        get(r, "column", w)?,
        get(r, "null_frac", w)?,
        get(r, "n_distinct", w)?,
    ))
}

/// The history tables pgvet reads, in the order of `queries::ALL`: the
/// runners that keep it, the column of `history_tables.sql` that says it
/// exists, and the query that reads it.
const HISTORY: [(&[Runner], &str, &Query); 9] = [
    (&[Runner::Supabase], "supabase", &queries::HISTORY_SUPABASE),
    (&[Runner::Goose], "goose", &queries::HISTORY_GOOSE),
    (
        &[Runner::Dbmate, Runner::GolangMigrate],
        "schema_migrations",
        &queries::HISTORY_SCHEMA_MIGRATIONS,
    ),
    (&[Runner::Flyway], "flyway", &queries::HISTORY_FLYWAY),
    (&[Runner::Prisma], "prisma", &queries::HISTORY_PRISMA),
    (&[Runner::Diesel], "diesel", &queries::HISTORY_DIESEL),
    (
        &[Runner::NodePgMigrate],
        "node_pg_migrate",
        &queries::HISTORY_NODE_PG_MIGRATE,
    ),
    (&[Runner::Sqitch], "sqitch", &queries::HISTORY_SQITCH),
    (&[Runner::Drizzle], "drizzle", &queries::HISTORY_DRIZZLE),
];

/// The versions `runner` recorded as applied, read in a read-only snapshot
/// of its own; None when the runner keeps no history pgvet reads or its
/// table does not exist. `at`: where the runner's configuration keeps the
/// table, when not where the runner keeps it by default.
pub async fn read_history(
    target: &Target,
    opts: &LiveOptions,
    runner: Runner,
    at: Option<&History>,
) -> Result<Option<Vec<String>>, LiveError> {
    let Some(&(_, exists, query)) = HISTORY
        .iter()
        .find(|(runners, ..)| runners.contains(&runner))
    else {
        return Ok(None);
    };
    // Only the queries that name their table with `{history_table(..)}`
    // can read it elsewhere.
    let moved = at
        .filter(|h| !h.is_default(runner))
        .filter(|_| query.text.contains("{history_table("));
    let client = begin_snapshot(target, opts).await?;
    let read = async {
        let present = match moved {
            Some(h) => {
                let what = queries::HISTORY_TABLE_EXISTS.what;
                let found = client
                    .query(
                        &queries::HISTORY_TABLE_EXISTS.sql(),
                        &[&h.schema.as_str(), &h.table.as_str()],
                    )
                    .await
                    .map_err(|e| LiveError::Query {
                        what: what.to_string(),
                        message: describe(&e),
                    })?;
                match found.first() {
                    Some(row) => history_table_exists(row)?,
                    None => false,
                }
            }
            None => {
                let tables = rows(&client, &queries::HISTORY_TABLES)
                    .await
                    .map_err(|f| f.error)?;
                match tables.first() {
                    Some(row) => history_tables(row)?.contains(&exists),
                    None => false,
                }
            }
        };
        if !present {
            return Ok(None);
        }
        let sql = match moved {
            Some(h) => query.sql_at(&h.schema, &h.table),
            None => query.sql(),
        };
        let found = client
            .query(&sql, &[])
            .await
            .map_err(|e| LiveError::Query {
                what: query.what.to_string(),
                message: describe(&e),
            })?;
        let mut versions = Vec::with_capacity(found.len());
        for row in &found {
            versions.push(history_version(row, query)?);
        }
        Ok(Some(versions))
    }
    .await;
    // Nothing was written; ending the transaction either way is harmless.
    let _ = client.batch_execute("rollback").await;
    read
}

/// The row of `queries/history_table_exists.sql`.
fn history_table_exists(r: &impl Columns) -> Result<bool, LiveError> {
    get(r, "present", queries::HISTORY_TABLE_EXISTS.what)
}

/// The row of `queries/history_tables.sql`: the names of the tables that exist.
fn history_tables(r: &impl Columns) -> Result<Vec<&'static str>, LiveError> {
    let what = queries::HISTORY_TABLES.what;
    let mut out = Vec::new();
    for (_, name, _) in HISTORY {
        if get::<bool>(r, name, what)? {
            out.push(name);
        }
    }
    Ok(out)
}

/// A row of a `queries/history_*.sql` query.
fn history_version(r: &impl Columns, query: &Query) -> Result<String, LiveError> {
    Ok(get::<Option<String>>(r, "version", query.what)?.unwrap_or_default())
}

/// The row of `queries/sizes_server_version.sql`.
fn sizes_server_version(r: &impl Columns) -> Result<String, LiveError> {
    get(r, "server_version", queries::SIZES_SERVER_VERSION.what)
}

/// A row of `queries/sizes.sql`.
fn size(r: &impl Columns) -> Result<(String, String, String, f64, i64), LiveError> {
    let w = queries::SIZES.what;
    Ok((
        get(r, "schema", w)?,
        get(r, "name", w)?,
        get(r, "kind", w)?,
        get(r, "row_estimate", w)?,
        get(r, "bytes", w)?,
    ))
}

/// Connects and opens the read-only, repeatable-read transaction every read
/// runs in, with the timeouts set.
async fn begin_snapshot(target: &Target, opts: &LiveOptions) -> Result<Client, LiveError> {
    let client = connect(target).await?;
    begin(&client, opts, None).await?;
    Ok(client)
}

/// Opens the read-only, repeatable-read transaction with the timeouts set;
/// with `snapshot`, one that sees what the transaction that exported it sees.
async fn begin(
    client: &Client,
    opts: &LiveOptions,
    snapshot: Option<&str>,
) -> Result<(), LiveError> {
    // `SET TRANSACTION SNAPSHOT` has to come before any query.
    let import = match snapshot {
        Some(id) => format!("set transaction snapshot '{}'; ", id.replace('\'', "''")),
        None => String::new(),
    };
    // Durations were checked by the caller: digits and a unit, nothing else.
    let setup = format!(
        "begin isolation level repeatable read read only; {import}\
         set local statement_timeout = '{}'; set local lock_timeout = '{}'; \
         set local search_path = ''",
        opts.statement_timeout, opts.lock_timeout
    );
    client
        .batch_execute(&setup)
        .await
        .map_err(|e| LiveError::Query {
            what: match snapshot {
                None => "a read-only snapshot".to_string(),
                Some(_) => "the shared snapshot on the second connection".to_string(),
            },
            message: describe(&e),
        })
}

/// Two connections in one snapshot: the first exports it, the second
/// imports it. Both transactions are read-only.
async fn begin_shared_snapshot(
    target: &Target,
    opts: &LiveOptions,
) -> Result<(Client, Client), LiveError> {
    let (first, second) = tokio::join!(connect(target), connect(target));
    let (first, second) = (first?, second?);
    begin(&first, opts, None).await?;
    let exported = rows(&first, &queries::EXPORT_SNAPSHOT)
        .await
        .map_err(|f| f.error)?;
    let id: String = match exported.first() {
        Some(row) => snapshot(row)?,
        None => String::new(),
    };
    begin(&second, opts, Some(&id)).await?;
    Ok((first, second))
}

/// Reads the whole catalog in one read-only snapshot, sent to `parts` in
/// three numbered parts as they arrive (see [`read_in_snapshot`]): part 1
/// has only the constraints, part 2 only indexes, triggers and policies.
/// With `opts.connections` 2, a second connection in the same snapshot
/// reads part 2 while the first reads parts 0 and 1.
pub async fn read(
    target: &Target,
    opts: &LiveOptions,
    parts: Sender<(usize, Raw)>,
) -> Result<(), LiveError> {
    let (client, second) = if opts.connections > 1 {
        let (first, second) = begin_shared_snapshot(target, opts).await?;
        (first, Some(second))
    } else {
        (begin_snapshot(target, opts).await?, None)
    };
    let read = read_in_snapshot(&client, second.as_ref(), &parts).await;
    // Nothing was written; ending the transactions either way is harmless.
    let _ = client.batch_execute("rollback").await;
    if let Some(second) = &second {
        let _ = second.batch_execute("rollback").await;
    }
    read
}

async fn read_in_snapshot(
    client: &Client,
    second: Option<&Client>,
    parts: &Sender<(usize, Raw)>,
) -> Result<(), LiveError> {
    // Indexes, triggers and policies are read on the second connection, if any.
    let other = second.unwrap_or(client);
    let version = rows(client, &queries::SERVER_VERSION)
        .await
        .map_err(|f| f.error)?;
    // The second connection's transaction must be read-only as well.
    let second_read_only = match second {
        None => true,
        Some(second) => {
            let r = rows(second, &queries::SERVER_VERSION)
                .await
                .map_err(|f| f.error)?;
            match r.first() {
                Some(row) => read_only(row)?,
                None => false,
            }
        }
    };
    let Some(v) = version.first() else {
        return Err(LiveError::Query {
            what: "the server version".into(),
            message: "no row".into(),
        });
    };
    let (server_version, version_num, read_only) = server_version(v)?;
    let read_only = read_only && second_read_only;
    if version_num < 130000 {
        return Err(LiveError::Query {
            what: "the catalog".into(),
            message: format!(
                "PostgreSQL {server_version} is too old: pgvet audit needs 13 or newer"
            ),
        });
    }

    // One connection pipelines concurrent queries; they share the snapshot.
    // The catalog goes to the caller in three parts, each as soon as its
    // queries have arrived, so that the model is built from the first parts
    // while the server still works on the next (issue 5). When one query
    // fails, the queries behind it fail too ("transaction is aborted",
    // "connection closed"): all are awaited so that the message names the
    // query that failed first and why, not one that came after. Parts are
    // numbered: `join!` polls its futures in turns, so when rows arrive
    // together a later part can be ready first.
    let send = |number: usize, part: Result<Raw, Vec<Failed>>| {
        // The receiver is gone only when building failed; the read goes on
        // so that a query's error still wins.
        let _ = parts.send((number, part?));
        Ok::<(), Vec<Failed>>(())
    };
    let first = async {
        let (a, b, c, d, e, f, g, h) = tokio::join!(
            rows(client, &queries::ROLES),
            rows(client, &queries::SCHEMAS),
            rows(client, &queries::EXTENSIONS),
            rows(client, &queries::TYPES),
            rows(client, &queries::RELATIONS),
            rows(client, &queries::COLUMNS),
            rows(client, &queries::FUNCTIONS),
            rows(client, &queries::DEFAULT_ACLS),
        );
        let raw = Raw {
            server_version,
            read_only,
            ..Raw::default()
        };
        send(
            0,
            all_ok([a, b, c, d, e, f, g, h])
                .and_then(|rows| first_part(raw, rows).map_err(unreadable)),
        )
    };
    let second = async {
        let a = rows(client, &queries::CONSTRAINTS).await;
        send(
            1,
            all_ok([a]).and_then(|rows| second_part(rows).map_err(unreadable)),
        )
    };
    // pg_publication_rel has a row filter and a column list from 15, and
    // pg_publication_namespace is new in 15.
    let (published_tables, published_schemas) = if version_num >= 150000 {
        (
            &queries::PUBLICATION_TABLES,
            Some(&queries::PUBLICATION_SCHEMAS),
        )
    } else {
        (&queries::PUBLICATION_TABLES_13, None)
    };
    let third = async {
        let (a, b, c, d, e, f) = tokio::join!(
            rows(other, &queries::INDEXES),
            rows(other, &queries::TRIGGERS),
            rows(other, &queries::POLICIES),
            rows(other, &queries::PUBLICATIONS),
            rows(other, published_tables),
            async {
                match published_schemas {
                    Some(q) => rows(other, q).await,
                    None => Ok(Vec::new()),
                }
            },
        );
        send(
            2,
            all_ok([a, b, c, d, e, f]).and_then(|rows| third_part(rows).map_err(unreadable)),
        )
    };
    let (first, second, third) = tokio::join!(first, second, third);
    let failures = [first, second, third]
        .into_iter()
        .filter_map(Result::err)
        .flatten();
    match cause(failures) {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// Rows that do not have the expected columns.
fn unreadable(error: LiveError) -> Vec<Failed> {
    vec![Failed {
        error,
        knock_on: false,
    }]
}

/// The rows of every query, or the failures in pipeline order.
fn all_ok<const N: usize>(
    results: [Result<Vec<Row>, Failed>; N],
) -> Result<[Vec<Row>; N], Vec<Failed>> {
    if results.iter().any(Result::is_err) {
        return Err(results.into_iter().filter_map(Result::err).collect());
    }
    Ok(results.map(Result::unwrap_or_default))
}

/// Roles, schemas, extensions, types, relations, columns, functions and
/// default privileges.
fn first_part(mut raw: Raw, rows: [Vec<Row>; 8]) -> Result<Raw, LiveError> {
    let [r_roles, r_schemas, r_ext, r_types, r_rel, r_cols, r_fn, r_dacl] = rows;
    for r in &r_roles {
        raw.roles.push(role(r)?);
    }
    for r in &r_schemas {
        raw.schemas.push(schema(r)?);
    }
    for r in &r_ext {
        raw.extensions.push(extension(r)?);
    }
    for r in &r_types {
        raw.types.push(pg_type(r)?);
    }
    for r in &r_rel {
        raw.relations.push(relation(r)?);
    }
    for r in &r_cols {
        raw.columns.push(column(r)?);
    }
    for r in &r_fn {
        raw.functions.push(function(r)?);
    }
    for r in &r_dacl {
        raw.default_acls.push(default_acl(r)?);
    }
    Ok(raw)
}

/// Constraints.
fn second_part(rows: [Vec<Row>; 1]) -> Result<Raw, LiveError> {
    let [r_cons] = rows;
    let mut raw = Raw::default();
    for r in &r_cons {
        raw.constraints.push(constraint(r)?);
    }
    Ok(raw)
}

/// Indexes, triggers, policies and publications.
fn third_part(rows: [Vec<Row>; 6]) -> Result<Raw, LiveError> {
    let [r_idx, r_trg, r_pol, r_pub, r_pub_tables, r_pub_schemas] = rows;
    let mut raw = Raw::default();
    for r in &r_idx {
        raw.indexes.push(index(r)?);
    }
    for r in &r_trg {
        raw.triggers.push(trigger(r)?);
    }
    for r in &r_pol {
        raw.policies.push(policy(r)?);
    }
    for r in &r_pub {
        raw.publications.push(publication(r)?);
    }
    for r in &r_pub_tables {
        raw.published_tables.push(published_table(r)?);
    }
    for r in &r_pub_schemas {
        raw.published_schemas.push(published_schema(r)?);
    }
    Ok(raw)
}

// One reader per query, each reading the columns its file names.

/// The row of `queries/server_version.sql`: the version as text and as a
/// number, and whether the transaction is read-only.
fn server_version(r: &impl Columns) -> Result<(String, i32, bool), LiveError> {
    let w = queries::SERVER_VERSION.what;
    Ok((
        get(r, "server_version", w)?,
        get(r, "server_version_num", w)?,
        get(r, "read_only", w)?,
    ))
}

/// Whether the transaction is read-only, from `queries/server_version.sql`
/// (on the second connection).
fn read_only(r: &impl Columns) -> Result<bool, LiveError> {
    get(r, "read_only", queries::SERVER_VERSION.what)
}

/// The row of `queries/export_snapshot.sql`: the snapshot's id.
fn snapshot(r: &impl Columns) -> Result<String, LiveError> {
    get(r, "snapshot", queries::EXPORT_SNAPSHOT.what)
}

/// A row of `queries/roles.sql`.
fn role(r: &impl Columns) -> Result<String, LiveError> {
    get(r, "name", "roles")
}

/// A row of `queries/schemas.sql`.
fn schema(r: &impl Columns) -> Result<RawSchema, LiveError> {
    let w = "schemas";
    let owner: String = get(r, "owner", w)?;
    // No ACL: only the owner may create in the schema.
    let create = match get::<Option<Vec<String>>>(r, "acl", w)? {
        None => vec![owner.clone()],
        Some(acl) => acl::holders(&acl::parse(&acl), "CREATE"),
    };
    Ok(RawSchema {
        name: get(r, "name", w)?,
        create,
        owner,
    })
}

/// A row of `queries/extensions.sql`.
fn extension(r: &impl Columns) -> Result<RawExtension, LiveError> {
    Ok(RawExtension {
        name: get(r, "name", "extensions")?,
        schema: get(r, "schema", "extensions")?,
        owner: get(r, "owner", "extensions")?,
    })
}

/// A row of `queries/types.sql`.
fn pg_type(r: &impl Columns) -> Result<RawType, LiveError> {
    let w = "types";
    Ok(RawType {
        schema: get(r, "schema", w)?,
        name: get(r, "name", w)?,
        qname: get(r, "qname", w)?,
        kind: get(r, "kind", w)?,
        owner: get(r, "owner", w)?,
        labels: list(r, "labels", w)?,
        base: get(r, "base", w)?,
        not_null: get(r, "not_null", w)?,
        checks: list(r, "checks", w)?,
        subtype: get(r, "subtype", w)?,
    })
}

/// A row of `queries/relations.sql`.
fn relation(r: &impl Columns) -> Result<RawRelation, LiveError> {
    let w = "relations";
    let owner: String = get(r, "owner", w)?;
    Ok(RawRelation {
        oid: get(r, "oid", w)?,
        schema: get(r, "schema", w)?,
        name: get(r, "name", w)?,
        qname: get(r, "qname", w)?,
        kind: get(r, "kind", w)?,
        rls: get(r, "rls", w)?,
        force_rls: get(r, "force_rls", w)?,
        partition_bound: get(r, "partition_bound", w)?,
        parent: get(r, "parent", w)?,
        partition_key: get(r, "partition_key", w)?,
        options: list(r, "options", w)?,
        view_def: get(r, "view_def", w)?,
        server: get(r, "server", w)?,
        sequence: sequence(r)?,
        owned_by: match get::<Option<i64>>(r, "owner_relation", w)? {
            Some(relation) => Some(RawOwner {
                relation,
                column: get(r, "owner_column", w)?,
                identity: get(r, "owner_identity", w)?,
            }),
            None => None,
        },
        row_estimate: get(r, "row_estimate", w)?,
        bytes: get(r, "bytes", w)?,
        grants: acl::parse(&list(r, "acl", w)?)
            .into_iter()
            .filter(|item| item.grantee != owner)
            .collect(),
        owner,
    })
}

/// A sequence's options, from a row of `queries/relations.sql`; None for
/// a relation that is not a sequence.
fn sequence(r: &impl Columns) -> Result<Option<crate::catalog::SequenceOptions>, LiveError> {
    let w = "relations";
    let Some(ty) = get::<Option<String>>(r, "seq_type", w)? else {
        return Ok(None);
    };
    let data_type = match ty.as_str() {
        "smallint" => crate::catalog::SequenceType::Smallint,
        "integer" => crate::catalog::SequenceType::Integer,
        _ => crate::catalog::SequenceType::Bigint,
    };
    Ok(Some(crate::catalog::SequenceOptions {
        data_type,
        start: get(r, "seq_start", w)?,
        increment: get(r, "seq_increment", w)?,
        min_value: get(r, "seq_min", w)?,
        max_value: get(r, "seq_max", w)?,
        cache: get(r, "seq_cache", w)?,
        cycle: get(r, "seq_cycle", w)?,
    }))
}

/// A row of `queries/publications.sql`.
fn publication(r: &impl Columns) -> Result<RawPublication, LiveError> {
    let w = queries::PUBLICATIONS.what;
    Ok(RawPublication {
        name: get(r, "name", w)?,
        owner: get(r, "owner", w)?,
        all_tables: get(r, "all_tables", w)?,
        publish: crate::catalog::PublishActions {
            insert: get(r, "publish_insert", w)?,
            update: get(r, "publish_update", w)?,
            delete: get(r, "publish_delete", w)?,
            truncate: get(r, "publish_truncate", w)?,
        },
        via_root: get(r, "via_root", w)?,
    })
}

/// A row of `queries/publication_tables.sql` or `publication_tables_13.sql`.
fn published_table(r: &impl Columns) -> Result<RawPublishedTable, LiveError> {
    let w = queries::PUBLICATION_TABLES.what;
    Ok(RawPublishedTable {
        publication: get(r, "publication", w)?,
        qname: get(r, "qname", w)?,
        row_filter: get(r, "row_filter", w)?,
        columns: get(r, "columns", w)?,
    })
}

/// A row of `queries/publication_schemas.sql`.
fn published_schema(r: &impl Columns) -> Result<RawPublishedSchema, LiveError> {
    let w = queries::PUBLICATION_SCHEMAS.what;
    Ok(RawPublishedSchema {
        publication: get(r, "publication", w)?,
        schema: get(r, "schema", w)?,
    })
}

/// A row of `queries/columns.sql`.
fn column(r: &impl Columns) -> Result<RawColumn, LiveError> {
    let w = "columns";
    Ok(RawColumn {
        relation: get(r, "relation", w)?,
        name: get(r, "name", w)?,
        ty: get(r, "type", w)?,
        not_null: get(r, "not_null", w)?,
        identity: get(r, "identity", w)?,
        generated: get(r, "generated", w)?,
        default: get(r, "default_expr", w)?,
        grants: acl::parse(&list(r, "acl", w)?),
    })
}

/// A row of `queries/functions.sql`.
fn function(r: &impl Columns) -> Result<RawFunction, LiveError> {
    let w = "functions";
    Ok(RawFunction {
        schema: get(r, "schema", w)?,
        name: get(r, "name", w)?,
        qname: get(r, "qname", w)?,
        kind: get(r, "kind", w)?,
        owner: get(r, "owner", w)?,
        def: get(r, "def", w)?,
        identity_args: get(r, "identity_args", w)?,
        execute: get::<Option<Vec<String>>>(r, "acl", w)?
            .map(|a| acl::holders(&acl::parse(&a), "EXECUTE")),
    })
}

/// A row of `queries/default_acls.sql`.
fn default_acl(r: &impl Columns) -> Result<RawDefaultAcl, LiveError> {
    let w = "default privileges";
    Ok(RawDefaultAcl {
        role: get(r, "role", w)?,
        schema: get(r, "schema", w)?,
        kind: get(r, "kind", w)?,
        grants: acl::parse(&list(r, "acl", w)?),
    })
}

/// A row of `queries/constraints.sql`.
fn constraint(r: &impl Columns) -> Result<RawConstraint, LiveError> {
    let w = "constraints";
    Ok(RawConstraint {
        relation: get(r, "relation", w)?,
        name: get(r, "name", w)?,
        def: get(r, "def", w)?,
        local: get(r, "local", w)?,
    })
}

/// A row of `queries/indexes.sql`.
fn index(r: &impl Columns) -> Result<RawIndex, LiveError> {
    let w = "indexes";
    Ok(RawIndex {
        relation: get(r, "relation", w)?,
        name: get(r, "name", w)?,
        def: get(r, "def", w)?,
        valid: get(r, "valid", w)?,
        inherited: get(r, "inherited", w)?,
    })
}

/// A row of `queries/triggers.sql`.
fn trigger(r: &impl Columns) -> Result<RawTrigger, LiveError> {
    let w = "triggers";
    Ok(RawTrigger {
        relation: get(r, "relation", w)?,
        name: get(r, "name", w)?,
        def: get(r, "def", w)?,
        enabled: get(r, "enabled", w)?,
    })
}

/// A row of `queries/policies.sql`.
fn policy(r: &impl Columns) -> Result<RawPolicy, LiveError> {
    let w = "policies";
    Ok(RawPolicy {
        relation: get(r, "relation", w)?,
        name: get(r, "name", w)?,
        permissive: get(r, "permissive", w)?,
        command: get(r, "command", w)?,
        roles: get(r, "roles", w)?,
        using: get(r, "using_expr", w)?,
        with_check: get(r, "with_check_expr", w)?,
    })
}

/// The throwaway PostgreSQL cluster of the integration tests.
#[cfg(test)]
#[path = "../../../tests/support/pg.rs"]
mod test_cluster;

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::BTreeSet;

    use tokio_postgres::types::Type;

    use super::*;

    /// A row with the columns a query returns (and, from the server, their
    /// types): it records every name a reader asks for, fails as a `Row`
    /// would on a name it does not have or a type the reader cannot take,
    /// and answers the others with a sample value; with `nulls`, with null
    /// wherever the reader takes an `Option`, so that what a reader reads
    /// only when a column is null (a schema's owner) is asked for too.
    struct Probe {
        columns: Vec<(String, Option<Type>)>,
        nulls: bool,
        asked: RefCell<BTreeSet<String>>,
        samples: Vec<(Type, Vec<u8>)>,
    }

    impl Probe {
        fn new(columns: Vec<(String, Option<Type>)>, nulls: bool) -> Probe {
            // An ACL item, so that a reader's ACL decoding runs.
            let text = b"postgres=UC/postgres".to_vec();
            // text[] in the binary format: one dimension, no nulls, one element.
            let mut array = Vec::new();
            for n in [1, 0, Type::TEXT.oid() as i32, 1, 1, text.len() as i32] {
                array.extend(n.to_be_bytes());
            }
            array.extend(&text);
            let samples = vec![
                (Type::TEXT, text),
                (Type::BOOL, vec![1]),
                (Type::INT4, 130000i32.to_be_bytes().to_vec()),
                (Type::INT8, 1i64.to_be_bytes().to_vec()),
                (Type::FLOAT8, 1f64.to_be_bytes().to_vec()),
                (Type::TEXT_ARRAY, array),
            ];
            Probe {
                columns,
                nulls,
                asked: RefCell::default(),
                samples,
            }
        }
    }

    impl Columns for Probe {
        fn column<'a, T: FromSql<'a>>(&'a self, name: &str) -> Result<T, String> {
            self.asked.borrow_mut().insert(name.to_string());
            let names: Vec<&str> = self.columns.iter().map(|(n, _)| n.as_str()).collect();
            let Some((_, ty)) = self.columns.iter().find(|(n, _)| n == name) else {
                return Err(format!("the query has no such column (it has {names:?})"));
            };
            if let Some(ty) = ty.as_ref().filter(|ty| !T::accepts(ty)) {
                return Err(format!(
                    "the query returns {ty}, which the reader cannot take"
                ));
            }
            let (ty, raw) = self
                .samples
                .iter()
                .find(|(ty, _)| T::accepts(ty))
                .ok_or("no sample value of the type the reader takes")?;
            if self.nulls {
                if let Ok(null) = T::from_sql_null(ty) {
                    return Ok(null);
                }
            }
            T::from_sql(ty, raw).map_err(|e| e.to_string())
        }
    }

    type Reader = fn(&Probe) -> Result<(), LiveError>;

    /// Each query with the readers of its rows: every function above that
    /// reads a column.
    fn readers() -> Vec<(&'static Query, Vec<Reader>)> {
        let mut readers: Vec<(&'static Query, Vec<Reader>)> = vec![
            (
                &queries::SERVER_VERSION,
                vec![|r| server_version(r).map(drop), |r| read_only(r).map(drop)],
            ),
            (&queries::EXPORT_SNAPSHOT, vec![|r| snapshot(r).map(drop)]),
            (&queries::ROLES, vec![|r| role(r).map(drop)]),
            (&queries::SCHEMAS, vec![|r| schema(r).map(drop)]),
            (&queries::EXTENSIONS, vec![|r| extension(r).map(drop)]),
            (&queries::TYPES, vec![|r| pg_type(r).map(drop)]),
            (&queries::RELATIONS, vec![|r| relation(r).map(drop)]),
            (&queries::COLUMNS, vec![|r| column(r).map(drop)]),
            (&queries::CONSTRAINTS, vec![|r| constraint(r).map(drop)]),
            (&queries::INDEXES, vec![|r| index(r).map(drop)]),
            (&queries::FUNCTIONS, vec![|r| function(r).map(drop)]),
            (&queries::TRIGGERS, vec![|r| trigger(r).map(drop)]),
            (&queries::POLICIES, vec![|r| policy(r).map(drop)]),
            (&queries::DEFAULT_ACLS, vec![|r| default_acl(r).map(drop)]),
            (&queries::PUBLICATIONS, vec![|r| publication(r).map(drop)]),
            (
                &queries::PUBLICATION_TABLES,
                vec![|r| published_table(r).map(drop)],
            ),
            (
                &queries::PUBLICATION_TABLES_13,
                vec![|r| published_table(r).map(drop)],
            ),
            (
                &queries::PUBLICATION_SCHEMAS,
                vec![|r| published_schema(r).map(drop)],
            ),
            (
                &queries::SIZES_SERVER_VERSION,
                vec![|r| sizes_server_version(r).map(drop)],
            ),
            (&queries::SIZES, vec![|r| size(r).map(drop)]),
            (&queries::COLUMN_STATS, vec![|r| column_stat(r).map(drop)]),
            (
                &queries::HISTORY_TABLES,
                vec![|r| history_tables(r).map(drop)],
            ),
            (
                &queries::HISTORY_TABLE_EXISTS,
                vec![|r| history_table_exists(r).map(drop)],
            ),
        ];
        // Every history query is read by the same reader.
        let history: Reader = |r| history_version(r, &queries::HISTORY_TABLES).map(drop);
        readers.extend(HISTORY.iter().map(|(_, _, q)| (*q, vec![history])));
        readers
    }

    /// Runs a query's readers on rows with `columns`: what went wrong, if
    /// anything (a name read that is not a column, a type the reader cannot
    /// take, a column nothing reads).
    fn check(query: &Query, readers: &[Reader], columns: &[(String, Option<Type>)]) -> Vec<String> {
        let mut problems = BTreeSet::new();
        let mut asked = BTreeSet::new();
        for reader in readers {
            for nulls in [false, true] {
                let probe = Probe::new(columns.to_vec(), nulls);
                if let Err(e) = reader(&probe) {
                    problems.insert(format!("{}: {e}", query.file));
                }
                asked.extend(probe.asked.into_inner());
            }
        }
        // A reader stops at its first error: what it did not read then is no news.
        if problems.is_empty() {
            for (name, _) in columns {
                if !asked.contains(name) {
                    problems.insert(format!("{}: column `{name}` is never read", query.file));
                }
            }
        }
        problems.into_iter().collect()
    }

    #[test]
    fn every_query_has_its_readers() {
        let read: Vec<&str> = readers().iter().map(|(q, _)| q.file).collect();
        let all: Vec<&str> = queries::ALL.iter().map(|q| q.file).collect();
        assert_eq!(read, all);
    }

    /// The names from the SQL text (`as` aliases), without a server.
    #[test]
    fn every_column_read_is_a_column_of_its_query() {
        let mut problems = Vec::new();
        for (query, readers) in readers() {
            let Some(names) = queries::output_columns(&query.sql()) else {
                problems.push(format!("{}: an output column without `as`", query.file));
                continue;
            };
            let unique: BTreeSet<&String> = names.iter().collect();
            if unique.len() != names.len() {
                problems.push(format!("{}: two columns of one name", query.file));
            }
            let columns: Vec<_> = names.into_iter().map(|n| (n, None)).collect();
            problems.extend(check(query, &readers, &columns));
        }
        assert!(problems.is_empty(), "{problems:#?}");
    }

    /// The runners' history tables, as each runner creates them (column
    /// names and types from their sources).
    const HISTORY_TABLES_DDL: &str = "
        create schema if not exists drizzle;
        create table if not exists drizzle.__drizzle_migrations (id serial primary key,
            hash text not null, created_at bigint);
        create schema if not exists supabase_migrations;
        create table if not exists supabase_migrations.schema_migrations
            (version text primary key, statements text[], name text);
        create table if not exists goose_db_version (id serial primary key,
            version_id bigint not null, is_applied boolean not null, tstamp timestamp default now());
        create table if not exists schema_migrations (version varchar(128) primary key);
        create table if not exists flyway_schema_history (installed_rank int primary key,
            version varchar(50), description varchar(200) not null, type varchar(20) not null,
            script varchar(1000) not null, checksum int, installed_by varchar(100) not null,
            installed_on timestamp not null default now(), execution_time int not null,
            success boolean not null);
        create table if not exists _prisma_migrations (id varchar(36) primary key,
            checksum varchar(64) not null, finished_at timestamptz, migration_name varchar(255) not null,
            logs text, rolled_back_at timestamptz, started_at timestamptz not null default now(),
            applied_steps_count int not null default 0);
        create table if not exists __diesel_schema_migrations (version varchar(50) primary key,
            run_on timestamp not null default current_timestamp);
        create table if not exists pgmigrations (id serial primary key, name varchar(255) not null,
            run_on timestamp not null);
        create schema if not exists sqitch;
        create table if not exists sqitch.changes (change_id text primary key,
            script_hash text, change text not null, project text not null, note text not null default '',
            committed_at timestamptz not null default clock_timestamp(), committer_name text not null,
            committer_email text not null, planned_at timestamptz not null, planner_name text not null,
            planner_email text not null);
    ";

    /// The names and types from the server: each query prepared against a
    /// throwaway cluster.
    #[test]
    fn every_column_read_is_a_column_the_server_returns() {
        let Some(cluster) = test_cluster::Cluster::start() else {
            return;
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let problems = runtime.block_on(async {
            let (admin, conn) =
                tokio_postgres::connect(&cluster.socket_url("postgres"), tokio_postgres::NoTls)
                    .await
                    .expect("connect to the test cluster");
            tokio::spawn(conn);
            // The history queries read the runners' own tables: made here,
            // as each runner makes them, in a database of this test's own.
            let _ = admin.batch_execute("create database queries_probe").await;
            let (client, conn) = tokio_postgres::connect(
                &cluster.socket_url("queries_probe"),
                tokio_postgres::NoTls,
            )
            .await
            .expect("connect to the probe database");
            tokio::spawn(conn);
            client
                .batch_execute(HISTORY_TABLES_DDL)
                .await
                .expect("make the history tables");
            let mut problems = Vec::new();
            for (query, readers) in readers() {
                let sql = query.sql();
                let statement = match client.prepare(&sql).await {
                    Ok(s) => s,
                    Err(e) => {
                        problems.push(format!("{}: {}", query.file, describe(&e)));
                        continue;
                    }
                };
                let columns: Vec<(String, Option<Type>)> = statement
                    .columns()
                    .iter()
                    .map(|c| (c.name().to_string(), Some(c.type_().clone())))
                    .collect();
                let names: Vec<String> = columns.iter().map(|(n, _)| n.clone()).collect();
                if queries::output_columns(&sql).as_ref() != Some(&names) {
                    problems.push(format!(
                        "{}: the server's columns {names:?} are not the text's {:?}",
                        query.file,
                        queries::output_columns(&sql)
                    ));
                }
                problems.extend(check(query, &readers, &columns));
            }
            problems
        });
        assert!(problems.is_empty(), "{problems:#?}");
    }
}
