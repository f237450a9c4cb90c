//! The catalog queries. One connection, one `REPEATABLE READ READ ONLY`
//! transaction (so every query sees the same snapshot), `search_path` empty
//! so that PostgreSQL prints every name schema-qualified, and each query
//! linear in the number of objects: extension membership is looked up
//! through pg_depend's (classid, objid) index, never by objid alone.

use std::sync::mpsc::Sender;

use tokio_postgres::{Client, Row};

use super::acl;
use super::connect::{tls_config, SslMode, Target};
use super::{LiveError, LiveOptions};

/// Schemas that are PostgreSQL's own, never read.
const SYSTEM_SCHEMAS: &str = "n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast') \
     and n.nspname not like 'pg\\_temp\\_%' and n.nspname not like 'pg\\_toast\\_temp\\_%'";

/// Joins an object's membership of an extension (`classid` names the
/// catalog `objid` lives in) as `xd`: `xd.objid is null` when it is not a
/// member. A join, so that the planner reads pg_depend once (a hash
/// anti-join) instead of probing its index for every row: every column, in
/// the columns query, was 30 to 50 ms of it on 6,000 tables (issue 5).
fn extension_member_join(classid: &str, objid: &str) -> String {
    format!(
        "left join pg_depend xd on xd.classid = '{classid}'::regclass \
         and xd.objid = {objid} and xd.objsubid = 0 and xd.deptype = 'e'"
    )
}

pub struct RawSchema {
    pub name: String,
    /// Roles with CREATE (`public` for PUBLIC); the owner when the ACL is default.
    pub create: Vec<String>,
}

pub struct RawExtension {
    pub name: String,
    pub schema: String,
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
    /// A sequence owned by a serial or identity column.
    pub owned_sequence: bool,
    pub row_estimate: f64,
    pub bytes: i64,
    /// The ACL's items of roles other than the owner (`public` for
    /// PUBLIC); empty for the default ACL.
    pub grants: Vec<acl::AclItem>,
}

pub struct RawColumn {
    pub relation: i64,
    pub name: String,
    pub ty: String,
    pub not_null: bool,
    pub identity: String,
    pub generated: String,
    pub default: Option<String>,
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
    LiveError::Connect {
        target: target.label.clone(),
        message: describe(e),
    }
}

/// The server's message when there is one, else the driver's with its cause.
fn describe(e: &tokio_postgres::Error) -> String {
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

async fn connect(target: &Target) -> Result<Client, LiveError> {
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

async fn rows(client: &Client, what: &str, sql: &str) -> Result<Vec<Row>, Failed> {
    client.query(sql, &[]).await.map_err(|e| Failed {
        knock_on: e.is_closed()
            || e.code() == Some(&tokio_postgres::error::SqlState::IN_FAILED_SQL_TRANSACTION),
        error: LiveError::Query {
            what: what.to_string(),
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

fn get<'a, T: tokio_postgres::types::FromSql<'a>>(
    row: &'a Row,
    idx: usize,
    what: &str,
) -> Result<T, LiveError> {
    row.try_get(idx).map_err(|e| LiveError::Query {
        what: what.to_string(),
        message: format!("unexpected column {idx}: {e}"),
    })
}

fn list(row: &Row, idx: usize, what: &str) -> Result<Vec<String>, LiveError> {
    Ok(get::<Option<Vec<String>>>(row, idx, what)?.unwrap_or_default())
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
    const WHAT: &str = "table sizes (pg_class)";
    let client = begin_snapshot(target, opts).await?;
    let sql = format!(
        "select n.nspname::text, c.relname::text, c.relkind::text, \
         c.reltuples::float8, c.relpages::int8 * current_setting('block_size')::int8 \
         from pg_class c join pg_namespace n on n.oid = c.relnamespace {} \
         where c.relkind in ('r', 'p', 'f', 'm') and {SYSTEM_SCHEMAS} and xd.objid is null",
        extension_member_join("pg_class", "c.oid")
    );
    let version = rows(
        &client,
        "the server version",
        "select current_setting('server_version')",
    )
    .await;
    let sizes = rows(&client, WHAT, &sql).await;
    // Nothing was written; ending the transaction either way is harmless.
    let _ = client.batch_execute("rollback").await;
    let version = version.map_err(|f| f.error)?;
    let sizes = sizes.map_err(|f| f.error)?;
    let server_version = match version.first() {
        Some(row) => get(row, 0, "the server version")?,
        None => String::new(),
    };
    let mut relations = Vec::with_capacity(sizes.len());
    for row in &sizes {
        relations.push((
            get(row, 0, WHAT)?,
            get(row, 1, WHAT)?,
            get(row, 2, WHAT)?,
            get(row, 3, WHAT)?,
            get(row, 4, WHAT)?,
        ));
    }
    Ok(RawSizes {
        server_version,
        relations,
    })
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
    const WHAT: &str = "a snapshot to share with a second connection (pg_export_snapshot)";
    let exported = rows(&first, WHAT, "select pg_export_snapshot()")
        .await
        .map_err(|f| f.error)?;
    let id: String = match exported.first() {
        Some(row) => get(row, 0, WHAT)?,
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
    let version_sql = "select current_setting('server_version'), \
         current_setting('server_version_num')::int4, \
         current_setting('transaction_read_only') = 'on'";
    let version = rows(client, "the server version", version_sql)
        .await
        .map_err(|f| f.error)?;
    // The second connection's transaction must be read-only as well.
    let second_read_only = match second {
        None => true,
        Some(second) => {
            let r = rows(second, "the server version", version_sql)
                .await
                .map_err(|f| f.error)?;
            match r.first() {
                Some(row) => get::<bool>(row, 2, "the server version")?,
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
    let server_version: String = get(v, 0, "the server version")?;
    let version_num: i32 = get(v, 1, "the server version")?;
    let read_only = get::<bool>(v, 2, "the server version")? && second_read_only;
    if version_num < 130000 {
        return Err(LiveError::Query {
            what: "the catalog".into(),
            message: format!(
                "PostgreSQL {server_version} is too old: pgvet audit needs 13 or newer"
            ),
        });
    }

    // Relations (`c`, in schema `n`) that are not members of an extension.
    // pgmq (up to 1.4) makes each queue's tables members of the extension;
    // they are the project's data all the same, and the queue rule reads them.
    let member = extension_member_join("pg_class", "c.oid");
    let relation_filter = format!(
        "{SYSTEM_SCHEMAS} and (xd.objid is null or (n.nspname = 'pgmq' and c.relname ~ '^[qa]_'))"
    );
    let q_roles = "select rolname::text from pg_roles".to_string();
    let q_schemas = format!(
        "select n.nspname::text, pg_get_userbyid(n.nspowner)::text, \
         n.nspacl::text[] \
         from pg_namespace n where {SYSTEM_SCHEMAS}"
    );
    let q_extensions = "select e.extname::text, n.nspname::text from pg_extension e \
         join pg_namespace n on n.oid = e.extnamespace"
        .to_string();
    let q_types = format!(
        "select n.nspname::text, t.typname::text, format('%I.%I', n.nspname, t.typname), \
         t.typtype::text, pg_get_userbyid(t.typowner)::text, \
         array(select e.enumlabel::text from pg_enum e where e.enumtypid = t.oid order by e.enumsortorder), \
         case when t.typtype = 'd' then format_type(t.typbasetype, t.typtypmod) end, t.typnotnull, \
         array(select pg_get_constraintdef(k.oid) from pg_constraint k where k.contypid = t.oid order by k.conname), \
         (select format_type(r.rngsubtype, null) from pg_range r where r.rngtypid = t.oid) \
         from pg_type t join pg_namespace n on n.oid = t.typnamespace {} \
         where t.typtype in ('e', 'd', 'r') and {SYSTEM_SCHEMAS} and xd.objid is null",
        extension_member_join("pg_type", "t.oid")
    );
    let q_relations = format!(
        "select c.oid::int8, n.nspname::text, c.relname::text, format('%I.%I', n.nspname, c.relname), \
         c.relkind::text, pg_get_userbyid(c.relowner)::text, c.relrowsecurity, c.relforcerowsecurity, \
         case when c.relispartition then pg_get_expr(c.relpartbound, c.oid) end, \
         case when c.relispartition then (select i.inhparent::regclass::text from pg_inherits i where i.inhrelid = c.oid) end, \
         case when c.relkind = 'p' then pg_get_partkeydef(c.oid) end, \
         c.reloptions::text[], \
         case when c.relkind in ('v', 'm') then pg_get_viewdef(c.oid) end, \
         (select quote_ident(s.srvname) from pg_foreign_table ft join pg_foreign_server s on s.oid = ft.ftserver where ft.ftrelid = c.oid), \
         c.relkind = 'S' and exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass \
             and d.objid = c.oid and d.refclassid = 'pg_class'::regclass and d.deptype in ('a', 'i')), \
         c.reltuples::float8, c.relpages::int8 * current_setting('block_size')::int8, \
         c.relacl::text[] \
         from pg_class c join pg_namespace n on n.oid = c.relnamespace {member} \
         where c.relkind in ('r', 'p', 'f', 'v', 'm', 'S', 'c') and {relation_filter}"
    );
    let q_columns = format!(
        // A default cannot refer to a column, so it deparses without its
        // table (relid 0) to the same text; with the table, pg_get_expr
        // opens it, building the session's relation cache entry for every
        // table: half of this query's time on 6,000 tables (issue 5).
        // Generated columns need the table.
        "select a.attrelid::int8, a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull, \
         a.attidentity::text, a.attgenerated::text, \
         pg_get_expr(ad.adbin, case when a.attgenerated = '' then 0 else ad.adrelid end) \
         from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace {member} \
         left join pg_attrdef ad on ad.adrelid = a.attrelid and ad.adnum = a.attnum \
         where a.attnum > 0 and not a.attisdropped and c.relkind in ('r', 'p', 'f', 'c') and {relation_filter} \
         order by a.attrelid, a.attnum"
    );
    let q_constraints = format!(
        "select k.conrelid::int8, k.conname::text, pg_get_constraintdef(k.oid), \
         k.conislocal and k.conparentid = 0 \
         from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace {member} \
         where k.contype in ('p', 'u', 'f', 'c', 'x') and {relation_filter} order by k.conrelid, k.conname"
    );
    let q_indexes = format!(
        // pg_get_indexdef costs ~60 us an index: skip the ones that back a
        // constraint (replayed from the constraint), found via conrelid's index.
        "select i.indrelid::int8, ic.relname::text, \
         case when not exists (select 1 from pg_constraint k where k.conrelid = i.indrelid \
             and k.conindid = i.indexrelid and k.contype in ('p', 'u', 'x')) \
         then pg_get_indexdef(i.indexrelid) end, \
         i.indisvalid, ic.relispartition \
         from pg_index i join pg_class ic on ic.oid = i.indexrelid join pg_class c on c.oid = i.indrelid \
         join pg_namespace n on n.oid = c.relnamespace {member} where {relation_filter} order by i.indrelid, ic.relname"
    );
    let q_functions = format!(
        "select n.nspname::text, p.proname::text, format('%I.%I', n.nspname, p.proname), p.prokind::text, \
         pg_get_userbyid(p.proowner)::text, \
         case when p.prokind <> 'a' then pg_get_functiondef(p.oid) end, \
         pg_get_function_identity_arguments(p.oid), \
         p.proacl::text[] \
         from pg_proc p join pg_namespace n on n.oid = p.pronamespace {} \
         where {SYSTEM_SCHEMAS} and xd.objid is null order by n.nspname, p.proname, p.oid",
        extension_member_join("pg_proc", "p.oid")
    );
    let q_triggers = format!(
        "select t.tgrelid::int8, t.tgname::text, pg_get_triggerdef(t.oid), t.tgenabled::text \
         from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace {member} \
         where not t.tgisinternal and t.tgparentid = 0 and {relation_filter} order by t.tgrelid, t.tgname"
    );
    let q_policies = format!(
        "select p.polrelid::int8, p.polname::text, p.polpermissive, p.polcmd::text, \
         case when p.polroles = '{{0}}'::oid[] then null else \
         array(select case when r = 0 then 'public' else quote_ident(pg_get_userbyid(r)) end from unnest(p.polroles) r) end, \
         pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid) \
         from pg_policy p join pg_class c on c.oid = p.polrelid join pg_namespace n on n.oid = c.relnamespace \
         where {SYSTEM_SCHEMAS} order by p.polrelid, p.polname"
    );

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
        let (a, b, c, d, e, f, g) = tokio::join!(
            rows(client, "roles (pg_roles)", &q_roles),
            rows(client, "schemas (pg_namespace)", &q_schemas),
            rows(client, "extensions (pg_extension)", &q_extensions),
            rows(client, "types (pg_type)", &q_types),
            rows(client, "relations (pg_class)", &q_relations),
            rows(client, "columns (pg_attribute)", &q_columns),
            rows(client, "functions (pg_proc)", &q_functions),
        );
        let raw = Raw {
            server_version,
            read_only,
            ..Raw::default()
        };
        send(
            0,
            all_ok([a, b, c, d, e, f, g])
                .and_then(|rows| first_part(raw, rows).map_err(unreadable)),
        )
    };
    let second = async {
        let a = rows(client, "constraints (pg_constraint)", &q_constraints).await;
        send(
            1,
            all_ok([a]).and_then(|rows| second_part(rows).map_err(unreadable)),
        )
    };
    let third = async {
        let (a, b, c) = tokio::join!(
            rows(other, "indexes (pg_index)", &q_indexes),
            rows(other, "triggers (pg_trigger)", &q_triggers),
            rows(other, "policies (pg_policy)", &q_policies),
        );
        send(
            2,
            all_ok([a, b, c]).and_then(|rows| third_part(rows).map_err(unreadable)),
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

/// Roles, schemas, extensions, types, relations, columns and functions.
fn first_part(mut raw: Raw, rows: [Vec<Row>; 7]) -> Result<Raw, LiveError> {
    let [r_roles, r_schemas, r_ext, r_types, r_rel, r_cols, r_fn] = rows;
    for r in &r_roles {
        raw.roles.push(get(r, 0, "roles")?);
    }
    for r in &r_schemas {
        let w = "schemas";
        // No ACL: only the owner may create in the schema.
        let create = match get::<Option<Vec<String>>>(r, 2, w)? {
            None => vec![get(r, 1, w)?],
            Some(acl) => acl::holders(&acl::parse(&acl), "CREATE"),
        };
        raw.schemas.push(RawSchema {
            name: get(r, 0, w)?,
            create,
        });
    }
    for r in &r_ext {
        raw.extensions.push(RawExtension {
            name: get(r, 0, "extensions")?,
            schema: get(r, 1, "extensions")?,
        });
    }
    for r in &r_types {
        let w = "types";
        raw.types.push(RawType {
            schema: get(r, 0, w)?,
            name: get(r, 1, w)?,
            qname: get(r, 2, w)?,
            kind: get(r, 3, w)?,
            owner: get(r, 4, w)?,
            labels: list(r, 5, w)?,
            base: get(r, 6, w)?,
            not_null: get(r, 7, w)?,
            checks: list(r, 8, w)?,
            subtype: get(r, 9, w)?,
        });
    }
    for r in &r_rel {
        let w = "relations";
        let owner: String = get(r, 5, w)?;
        raw.relations.push(RawRelation {
            oid: get(r, 0, w)?,
            schema: get(r, 1, w)?,
            name: get(r, 2, w)?,
            qname: get(r, 3, w)?,
            kind: get(r, 4, w)?,
            rls: get(r, 6, w)?,
            force_rls: get(r, 7, w)?,
            partition_bound: get(r, 8, w)?,
            parent: get(r, 9, w)?,
            partition_key: get(r, 10, w)?,
            options: list(r, 11, w)?,
            view_def: get(r, 12, w)?,
            server: get(r, 13, w)?,
            owned_sequence: get(r, 14, w)?,
            row_estimate: get(r, 15, w)?,
            bytes: get(r, 16, w)?,
            grants: acl::parse(&list(r, 17, w)?)
                .into_iter()
                .filter(|item| item.grantee != owner)
                .collect(),
            owner,
        });
    }
    for r in &r_cols {
        let w = "columns";
        raw.columns.push(RawColumn {
            relation: get(r, 0, w)?,
            name: get(r, 1, w)?,
            ty: get(r, 2, w)?,
            not_null: get(r, 3, w)?,
            identity: get(r, 4, w)?,
            generated: get(r, 5, w)?,
            default: get(r, 6, w)?,
        });
    }
    for r in &r_fn {
        let w = "functions";
        raw.functions.push(RawFunction {
            schema: get(r, 0, w)?,
            name: get(r, 1, w)?,
            qname: get(r, 2, w)?,
            kind: get(r, 3, w)?,
            owner: get(r, 4, w)?,
            def: get(r, 5, w)?,
            identity_args: get(r, 6, w)?,
            execute: get::<Option<Vec<String>>>(r, 7, w)?
                .map(|a| acl::holders(&acl::parse(&a), "EXECUTE")),
        });
    }
    Ok(raw)
}

/// Constraints.
fn second_part(rows: [Vec<Row>; 1]) -> Result<Raw, LiveError> {
    let [r_cons] = rows;
    let mut raw = Raw::default();
    for r in &r_cons {
        let w = "constraints";
        raw.constraints.push(RawConstraint {
            relation: get(r, 0, w)?,
            name: get(r, 1, w)?,
            def: get(r, 2, w)?,
            local: get(r, 3, w)?,
        });
    }
    Ok(raw)
}

/// Indexes, triggers and policies.
fn third_part(rows: [Vec<Row>; 3]) -> Result<Raw, LiveError> {
    let [r_idx, r_trg, r_pol] = rows;
    let mut raw = Raw::default();
    for r in &r_idx {
        let w = "indexes";
        raw.indexes.push(RawIndex {
            relation: get(r, 0, w)?,
            name: get(r, 1, w)?,
            def: get(r, 2, w)?,
            valid: get(r, 3, w)?,
            inherited: get(r, 4, w)?,
        });
    }
    for r in &r_trg {
        let w = "triggers";
        raw.triggers.push(RawTrigger {
            relation: get(r, 0, w)?,
            name: get(r, 1, w)?,
            def: get(r, 2, w)?,
            enabled: get(r, 3, w)?,
        });
    }
    for r in &r_pol {
        let w = "policies";
        raw.policies.push(RawPolicy {
            relation: get(r, 0, w)?,
            name: get(r, 1, w)?,
            permissive: get(r, 2, w)?,
            command: get(r, 3, w)?,
            roles: get(r, 4, w)?,
            using: get(r, 5, w)?,
            with_check: get(r, 6, w)?,
        });
    }
    Ok(raw)
}
