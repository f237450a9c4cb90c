//! `lint --db`'s data checks: questions about the rows a table holds now
//! that decide whether PostgreSQL accepts a statement of the migrations
//! (a UNIQUE over columns that hold duplicates, SET NOT NULL over NULLs, a
//! CHECK or foreign key the rows break, a retype to an enum the values do
//! not fit). The rules ask ([`Question`]); this module reads the rows and
//! answers ([`Answer`]); the rules judge.
//!
//! Every question is read-only and bounded:
//! - one connection, one `REPEATABLE READ READ ONLY` transaction, with the
//!   statement and lock timeouts of the catalog reads; each question in a
//!   savepoint, so that one that fails or times out leaves the others be;
//! - the table's row estimate first (`reltuples` scaled to its current size
//!   on disk, as the planner does; 200 rows a page for a table never
//!   analyzed; partitions summed); above `max_rows`, only a sample of the
//!   table is read (`TABLESAMPLE SYSTEM`, about `max_rows` rows' worth of
//!   pages), and the answer says so;
//! - counting stops at [`COUNT_LIMIT`] rows (or duplicate values): an
//!   answer then says "at least".
//!
//! Unlike the catalog queries (`queries/`), these are composed here: each
//! names the table and columns of a statement (quoted by [`quote_ident`])
//! and may hold an expression of it (a CHECK, an index's key or
//! predicate), which the rules give deparsed from the statement's parse
//! tree, so it is one expression and nothing else.

use std::fmt;
use std::sync::{Arc, Mutex};

use tokio_postgres::error::SqlState;
use tokio_postgres::Client;

use super::{query, LiveError, LiveOptions};
use crate::catalog::QualifiedName;

/// Counting rows (or duplicate values) stops here.
pub const COUNT_LIMIT: u64 = 1000;

/// Rows a page holds, for a table whose rows were never counted.
const ROWS_PER_UNANALYZED_PAGE: f64 = 200.0;

/// What to ask about the rows of `table`.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub table: QualifiedName,
    pub check: Check,
    /// Above this many rows (estimated), read a sample, not the whole table.
    pub max_rows: u64,
    /// The search_path the statement runs with (for the names in its
    /// expressions); pg_catalog is searched first anyway.
    pub search_path: Vec<String>,
}

/// Which rows count. Column names are as PostgreSQL stores them (unquoted);
/// expressions are SQL text.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// Any row at all, while the table does not have `new_column` yet
    /// (when it has, the statement has run already).
    AnyRow { new_column: String },
    /// Rows with NULL in any of `columns`.
    Nulls { columns: Vec<String> },
    /// Rows sharing their key with another row: among the rows `predicate`
    /// holds for, and (unless `nulls_not_distinct`) with no NULL key part.
    Duplicates {
        keys: Vec<Key>,
        predicate: Option<String>,
        nulls_not_distinct: bool,
    },
    /// Rows for which `expr` is false.
    Fails { expr: String },
    /// Rows whose `columns` match no row of `referenced` on `ref_columns`
    /// (MATCH SIMPLE: rows with a NULL part pass; MATCH FULL: only rows
    /// with every part NULL pass).
    Orphans {
        columns: Vec<String>,
        referenced: QualifiedName,
        ref_columns: Vec<String>,
        match_full: bool,
    },
    /// Rows whose `column` (as text) is none of `labels`.
    NotIn { column: String, labels: Vec<String> },
}

/// A part of a unique key.
#[derive(Debug, Clone, PartialEq)]
pub enum Key {
    Column(String),
    Expression(String),
}

/// What the rows said.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// `rows` rows break it (`at_least`: counting stopped there); for
    /// duplicates, `values` is how many distinct keys they share.
    /// `sample`: the table was too large to read whole, and this percent
    /// of it was read.
    Found {
        rows: u64,
        at_least: bool,
        values: Option<u64>,
        sample: Option<Sample>,
    },
    /// None found; with `sample`, only in the part read.
    Clean { sample: Option<Sample> },
    /// The question does not apply to the database as it is: the table (or
    /// a column, function or type the question names) is not there, the
    /// column being added is there already, or it is a foreign table (whose
    /// rows PostgreSQL does not check).
    NotApplicable,
    /// Not answered: why (timeout, permission, ...).
    NotChecked(String),
}

/// How much of a large table was read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// The table's row estimate.
    pub estimate: f64,
    /// The percent of its pages read.
    pub percent: f64,
}

/// Answers questions about rows; [`LiveRows`] reads a live database.
pub trait Rows: Send + Sync {
    fn ask(&self, question: &Question) -> Answer;
}

/// The rows the data checks read, for the settings of a run.
#[derive(Clone)]
pub struct DataSource(pub Arc<dyn Rows>);

impl fmt::Debug for DataSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataSource")
    }
}

/// Answers questions from a live database, one at a time, in one
/// read-only transaction on a connection of its own, made at the first
/// question (a lint that asks none connects no second time).
pub struct LiveRows {
    opts: LiveOptions,
    /// None until the first question; then the connection, or why there is none.
    conn: Mutex<Option<Result<Conn, String>>>,
}

struct Conn {
    runtime: tokio::runtime::Runtime,
    client: Client,
}

/// Reads the rows of the database `opts` names, connecting at the first question.
pub fn open(opts: &LiveOptions) -> LiveRows {
    LiveRows {
        opts: opts.clone(),
        conn: Mutex::new(None),
    }
}

/// Connects and opens the read-only transaction the questions run in.
fn connect(opts: &LiveOptions) -> Result<Conn, LiveError> {
    let (target, runtime) = super::prepare(opts)?;
    let client = runtime.block_on(async {
        let client = query::connect(&target).await?;
        // Durations were checked by `prepare`: digits and a unit.
        let setup = format!(
            "begin isolation level repeatable read read only; \
             set local statement_timeout = '{}'; set local lock_timeout = '{}'",
            opts.statement_timeout, opts.lock_timeout
        );
        client
            .batch_execute(&setup)
            .await
            .map_err(|e| LiveError::Query {
                what: "a read-only transaction for the data checks".to_string(),
                message: query::describe(&e),
            })?;
        Ok::<Client, LiveError>(client)
    })?;
    Ok(Conn { runtime, client })
}

impl Drop for Conn {
    fn drop(&mut self) {
        // Nothing was written; ending the transaction either way is harmless.
        let _ = self.runtime.block_on(self.client.batch_execute("rollback"));
    }
}

impl Rows for LiveRows {
    fn ask(&self, question: &Question) -> Answer {
        let mut conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        let conn = conn.get_or_insert_with(|| connect(&self.opts).map_err(|e| e.to_string()));
        match conn {
            Ok(conn) => conn.ask(question, &self.opts.statement_timeout),
            Err(why) => Answer::NotChecked(why.clone()),
        }
    }
}

impl Conn {
    fn ask(&self, question: &Question, timeout: &str) -> Answer {
        self.runtime.block_on(async {
            if let Err(e) = self.client.batch_execute("savepoint pgvet_data").await {
                return not_checked(&e, timeout);
            }
            let answer = match self.answer(question).await {
                Ok(answer) => answer,
                Err(e) => match e.code() {
                    Some(c) if is_missing(c) => Answer::NotApplicable,
                    _ => not_checked(&e, timeout),
                },
            };
            let end = if matches!(answer, Answer::NotChecked(_) | Answer::NotApplicable) {
                "rollback to savepoint pgvet_data"
            } else {
                "release savepoint pgvet_data"
            };
            let _ = self.client.batch_execute(end).await;
            answer
        })
    }
}

fn not_checked(e: &tokio_postgres::Error, timeout: &str) -> Answer {
    Answer::NotChecked(match e.code() {
        Some(c) if *c == SqlState::QUERY_CANCELED => {
            format!("reading the rows took longer than the statement timeout ({timeout})")
        }
        Some(c) if *c == SqlState::LOCK_NOT_AVAILABLE => {
            "the table is locked by another session (lock timeout)".to_string()
        }
        _ => query::describe(e),
    })
}

/// An error that says the database lacks what the question names.
fn is_missing(code: &SqlState) -> bool {
    [
        SqlState::UNDEFINED_TABLE,
        SqlState::UNDEFINED_COLUMN,
        SqlState::UNDEFINED_FUNCTION,
        SqlState::UNDEFINED_OBJECT,
        SqlState::INVALID_SCHEMA_NAME,
    ]
    .contains(code)
}

/// The table's row estimate and kind, for deciding how to read it.
const ESTIMATE: &str = "\
with recursive tree(oid) as (
    select c.oid from pg_catalog.pg_class c
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where n.nspname = $1::text and c.relname = $2::text
  union all
    select i.inhrelid from pg_catalog.pg_inherits i join tree on i.inhparent = tree.oid
)
select
  (select c.relkind::text from pg_catalog.pg_class c where c.oid = (select oid from tree limit 1)) as kind,
  (select coalesce(sum(case
      when c.relpages > 0 and c.reltuples > 0
        then c.reltuples / c.relpages
             * (pg_catalog.pg_relation_size(c.oid) / current_setting('block_size')::float8)
      else pg_catalog.pg_relation_size(c.oid) / current_setting('block_size')::float8 * $3::float8
    end), 0)::float8
   from tree join pg_catalog.pg_class c on c.oid = tree.oid
   where c.relkind in ('r', 'm')) as rows";

/// Whether the table has column `name` (not dropped).
const HAS_COLUMN: &str = "\
select exists (
  select 1 from pg_catalog.pg_attribute a
  join pg_catalog.pg_class c on c.oid = a.attrelid
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where n.nspname = $1::text and c.relname = $2::text and a.attname = $3::text
    and a.attnum > 0 and not a.attisdropped) as present";

impl Conn {
    async fn answer(&self, q: &Question) -> Result<Answer, tokio_postgres::Error> {
        let schema = q.table.schema.as_str();
        let name = q.table.name.as_str();
        let found = self
            .client
            .query(ESTIMATE, &[&schema, &name, &ROWS_PER_UNANALYZED_PAGE])
            .await?;
        let Some(row) = found.first() else {
            return Ok(Answer::NotApplicable);
        };
        let kind: Option<String> = row.try_get("kind")?;
        let estimate: Option<f64> = row.try_get("rows")?;
        // Only tables' rows are checked; a foreign table's never are.
        if !matches!(kind.as_deref(), Some("r" | "p")) {
            return Ok(Answer::NotApplicable);
        }
        let estimate = estimate.unwrap_or(0.0);
        let path = search_path_setting(&q.search_path);
        self.client
            .query(
                "select pg_catalog.set_config('search_path', $1, true)",
                &[&path],
            )
            .await?;
        if let Check::AnyRow { new_column } = &q.check {
            let present = self
                .client
                .query_one(HAS_COLUMN, &[&schema, &name, &new_column.as_str()])
                .await?;
            if present.try_get::<_, bool>("present")? {
                return Ok(Answer::NotApplicable);
            }
        }
        let sample = sample_for(&q.check, estimate, q.max_rows);
        let sql = sql(&q.table, &q.check, sample.map(|s| s.percent));
        let row = match &q.check {
            Check::NotIn { labels, .. } => self.client.query_one(&sql, &[labels]).await?,
            _ => self.client.query_one(&sql, &[]).await?,
        };
        let rows = u64::try_from(row.try_get::<_, i64>("n")?).unwrap_or(0);
        let values = match &q.check {
            Check::Duplicates { .. } => {
                Some(u64::try_from(row.try_get::<_, i64>("shared")?).unwrap_or(0))
            }
            _ => None,
        };
        if rows == 0 {
            return Ok(Answer::Clean { sample });
        }
        let at_least = values.unwrap_or(rows) >= COUNT_LIMIT;
        Ok(Answer::Found {
            rows,
            at_least,
            values,
            sample,
        })
    }
}

/// The sample to read instead of the whole table, when its estimate is
/// above `max_rows`. Whether a table has any row at all costs one row,
/// whatever its size.
fn sample_for(check: &Check, estimate: f64, max_rows: u64) -> Option<Sample> {
    if matches!(check, Check::AnyRow { .. }) || estimate <= max_rows as f64 {
        return None;
    }
    let percent = (max_rows as f64 / estimate * 100.0).clamp(0.0001, 100.0);
    Some(Sample { estimate, percent })
}

/// `name` quoted as an SQL identifier, whatever it holds.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn qualified(name: &QualifiedName) -> String {
    format!(
        "{}.{}",
        quote_ident(name.schema.as_str()),
        quote_ident(name.name.as_str())
    )
}

/// The search_path setting for `schemas`, each quoted.
fn search_path_setting(schemas: &[String]) -> String {
    schemas
        .iter()
        .map(|s| quote_ident(s))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The query that answers `check` on `table` (alias `pgvet_row`), read
/// whole or, with `percent`, in a sample of that many percent of its pages:
/// one row, with the rows found as `n` (and for duplicates the values they
/// share as `shared`), counting stopped at [`COUNT_LIMIT`].
fn sql(table: &QualifiedName, check: &Check, percent: Option<f64>) -> String {
    let sample = percent.map_or(String::new(), |p| format!(" tablesample system ({p:.6})"));
    let from = format!("{} as pgvet_row{sample}", qualified(table));
    let column = |c: &str| format!("pgvet_row.{}", quote_ident(c));
    let limit = COUNT_LIMIT;
    let count = |condition: String| {
        format!(
            "select count(*)::int8 as n from (select 1 from {from} where {condition} limit {limit}) as pgvet_found"
        )
    };
    match check {
        Check::AnyRow { .. } => count("true".to_string()),
        Check::Nulls { columns } => count(
            columns
                .iter()
                .map(|c| format!("{} is null", column(c)))
                .collect::<Vec<_>>()
                .join(" or "),
        ),
        Check::Fails { expr } => count(format!("({expr}) is false")),
        Check::NotIn { column: c, .. } => count(format!(
            "{0} is not null and {0}::text <> all ($1::text[])",
            column(c)
        )),
        Check::Orphans {
            columns,
            referenced,
            ref_columns,
            match_full,
        } => {
            let list = columns
                .iter()
                .map(|c| column(c))
                .collect::<Vec<_>>()
                .join(", ");
            let matches = columns
                .iter()
                .zip(ref_columns)
                .map(|(c, r)| format!("pgvet_ref.{} = {}", quote_ident(r), column(c)))
                .collect::<Vec<_>>()
                .join(" and ");
            let missing = format!(
                "pg_catalog.num_nulls({list}) = 0 and not exists (select 1 from {} as pgvet_ref where {matches})",
                qualified(referenced)
            );
            if *match_full {
                count(format!(
                    "({missing}) or (pg_catalog.num_nulls({list}) > 0 and pg_catalog.num_nonnulls({list}) > 0)"
                ))
            } else {
                count(missing)
            }
        }
        Check::Duplicates {
            keys,
            predicate,
            nulls_not_distinct,
        } => {
            let keys: Vec<String> = keys
                .iter()
                .map(|k| match k {
                    Key::Column(c) => column(c),
                    Key::Expression(e) => format!("({e})"),
                })
                .collect();
            let mut conditions: Vec<String> = Vec::new();
            if !nulls_not_distinct {
                conditions.extend(keys.iter().map(|k| format!("{k} is not null")));
            }
            if let Some(p) = predicate {
                conditions.push(format!("({p})"));
            }
            if conditions.is_empty() {
                conditions.push("true".to_string());
            }
            format!(
                "select count(*)::int8 as shared, coalesce(sum(found), 0)::int8 as n from \
                 (select count(*) as found from {from} where {} group by {} having count(*) > 1 limit {limit}) as pgvet_found",
                conditions.join(" and "),
                keys.join(", ")
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users() -> QualifiedName {
        QualifiedName::new("public", "users")
    }

    #[test]
    fn names_are_quoted_and_counting_stops() {
        let q = sql(
            &QualifiedName::new("app", "Odd\"Name"),
            &Check::Nulls {
                columns: vec!["email".into(), "x\"y".into()],
            },
            None,
        );
        assert_eq!(
            q,
            "select count(*)::int8 as n from (select 1 from \"app\".\"Odd\"\"Name\" as pgvet_row \
             where pgvet_row.\"email\" is null or pgvet_row.\"x\"\"y\" is null limit 1000) as pgvet_found"
        );
    }

    #[test]
    fn duplicates_skip_null_keys_unless_nulls_are_not_distinct() {
        let check = |nnd| Check::Duplicates {
            keys: vec![Key::Column("a".into()), Key::Expression("lower(b)".into())],
            predicate: Some("deleted_at IS NULL".into()),
            nulls_not_distinct: nnd,
        };
        let q = sql(&users(), &check(false), None);
        assert!(
            q.contains("where pgvet_row.\"a\" is not null and (lower(b)) is not null and (deleted_at IS NULL) group by pgvet_row.\"a\", (lower(b)) having count(*) > 1"),
            "{q}"
        );
        let q = sql(&users(), &check(true), None);
        assert!(q.contains("where (deleted_at IS NULL) group by"), "{q}");
    }

    #[test]
    fn a_large_table_is_sampled_and_any_row_never_is() {
        let nulls = Check::Nulls {
            columns: vec!["a".into()],
        };
        assert_eq!(sample_for(&nulls, 1000.0, 1000), None);
        let s = sample_for(&nulls, 4000.0, 1000).unwrap();
        assert!((s.percent - 25.0).abs() < 1e-9, "{s:?}");
        let q = sql(&users(), &nulls, Some(s.percent));
        assert!(
            q.contains("as pgvet_row tablesample system (25.000000) where"),
            "{q}"
        );
        let any = Check::AnyRow {
            new_column: "c".into(),
        };
        assert_eq!(sample_for(&any, 1e9, 10), None);
    }

    #[test]
    fn orphans_follow_the_match_type() {
        let check = |full| Check::Orphans {
            columns: vec!["a".into(), "b".into()],
            referenced: QualifiedName::new("public", "parents"),
            ref_columns: vec!["x".into(), "y".into()],
            match_full: full,
        };
        let simple = sql(&users(), &check(false), None);
        assert!(
            simple.contains("pg_catalog.num_nulls(pgvet_row.\"a\", pgvet_row.\"b\") = 0 and not exists (select 1 from \"public\".\"parents\" as pgvet_ref where pgvet_ref.\"x\" = pgvet_row.\"a\" and pgvet_ref.\"y\" = pgvet_row.\"b\")"),
            "{simple}"
        );
        assert!(!simple.contains("num_nonnulls"), "{simple}");
        assert!(sql(&users(), &check(true), None).contains("num_nonnulls"));
    }

    #[test]
    fn search_path_is_quoted() {
        assert_eq!(
            search_path_setting(&["public".into(), "My App".into()]),
            "\"public\", \"My App\""
        );
    }
}
