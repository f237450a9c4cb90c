//! The catalog queries: one file each under `queries/`, embedded at build
//! time, each opening with `--` lines that say what it reads and for which
//! command. Full-line comments are dropped before a query is sent.
//!
//! SQL that several queries share is written once, below, and a file names
//! it with a placeholder that [`Query::sql`] replaces, in one pass:
//!
//! - `{not_system_schema}`: schema `n` is not PostgreSQL's own;
//! - `{extension_member_join(<catalog>, <oid>)}`: joins the object's
//!   membership of an extension as `xd` (`xd.objid is null`: not a member);
//! - `{not_extension_member_or_pgmq_queue}`: after that join on `pg_class`,
//!   relation `c` is not a member of an extension, or is a pgmq queue.
//!
//! - `{history_table(<schema>, <table>)}`: a runner's history table, where
//!   the runner keeps it by default; [`Query::sql_at`] puts the table its
//!   configuration names there instead, quoted as PostgreSQL quotes names.
//!
//! That is the only composition: no `format!`, no concatenation. A
//! placeholder stays on one line; braces that are not one are SQL, sent as
//! they are (the policies query's `'{0}'`), and the tests fail on a query
//! left with what looks like a placeholder. A query that has to differ
//! between server versions is one file per variant, chosen by the caller
//! from the server's version: the tables of a publication
//! (`publication_tables.sql` from 15, `publication_tables_13.sql` before),
//! and its schemas (`publication_schemas.sql`, only from 15).
//!
//! Every output column is named with `as`: query.rs reads rows by those
//! names, one reader function per query, and its tests check every name a
//! reader reads against the query's columns (from this text, and from a
//! test server that prepares the query).

/// A catalog query.
pub(super) struct Query {
    /// What it reads, for errors ("cannot read relations (pg_class) ...").
    pub what: &'static str,
    /// Its file under `queries/`, for the tests' messages.
    #[cfg(test)]
    pub file: &'static str,
    /// The file's text, placeholders and comments included.
    pub text: &'static str,
}

macro_rules! query {
    ($file:literal, $what:literal) => {
        Query {
            what: $what,
            #[cfg(test)]
            file: $file,
            text: include_str!(concat!("queries/", $file)),
        }
    };
}

pub(super) const SERVER_VERSION: Query = query!("server_version.sql", "the server version");
pub(super) const EXPORT_SNAPSHOT: Query = query!(
    "export_snapshot.sql",
    "a snapshot to share with a second connection (pg_export_snapshot)"
);
pub(super) const ROLES: Query = query!("roles.sql", "roles (pg_roles)");
pub(super) const SCHEMAS: Query = query!("schemas.sql", "schemas (pg_namespace)");
pub(super) const EXTENSIONS: Query = query!("extensions.sql", "extensions (pg_extension)");
pub(super) const TYPES: Query = query!("types.sql", "types (pg_type)");
pub(super) const RELATIONS: Query = query!("relations.sql", "relations (pg_class)");
pub(super) const COLUMNS: Query = query!("columns.sql", "columns (pg_attribute)");
pub(super) const CONSTRAINTS: Query = query!("constraints.sql", "constraints (pg_constraint)");
pub(super) const INDEXES: Query = query!("indexes.sql", "indexes (pg_index)");
pub(super) const FUNCTIONS: Query = query!("functions.sql", "functions (pg_proc)");
pub(super) const TRIGGERS: Query = query!("triggers.sql", "triggers (pg_trigger)");
pub(super) const POLICIES: Query = query!("policies.sql", "policies (pg_policy)");
pub(super) const DEFAULT_ACLS: Query =
    query!("default_acls.sql", "default privileges (pg_default_acl)");
pub(super) const PUBLICATIONS: Query = query!("publications.sql", "publications (pg_publication)");
pub(super) const PUBLICATION_TABLES: Query = query!(
    "publication_tables.sql",
    "the tables of publications (pg_publication_rel)"
);
pub(super) const PUBLICATION_TABLES_13: Query = query!(
    "publication_tables_13.sql",
    "the tables of publications (pg_publication_rel)"
);
pub(super) const PUBLICATION_SCHEMAS: Query = query!(
    "publication_schemas.sql",
    "the schemas of publications (pg_publication_namespace)"
);
pub(super) const SIZES_SERVER_VERSION: Query =
    query!("sizes_server_version.sql", "the server version");
pub(super) const SIZES: Query = query!("sizes.sql", "table sizes (pg_class)");
pub(super) const COLUMN_STATS: Query = query!("column_stats.sql", "column statistics (pg_stats)");
pub(super) const HISTORY_TABLES: Query =
    query!("history_tables.sql", "which migration history tables exist");
pub(super) const HISTORY_TABLE_EXISTS: Query = query!(
    "history_table_exists.sql",
    "whether the configured migration history table exists"
);
pub(super) const HISTORY_SUPABASE: Query = query!(
    "history_supabase.sql",
    "the migration history (supabase_migrations.schema_migrations)"
);
pub(super) const HISTORY_GOOSE: Query = query!(
    "history_goose.sql",
    "the migration history (goose_db_version)"
);
pub(super) const HISTORY_SCHEMA_MIGRATIONS: Query = query!(
    "history_schema_migrations.sql",
    "the migration history (schema_migrations)"
);
pub(super) const HISTORY_FLYWAY: Query = query!(
    "history_flyway.sql",
    "the migration history (flyway_schema_history)"
);
pub(super) const HISTORY_PRISMA: Query = query!(
    "history_prisma.sql",
    "the migration history (_prisma_migrations)"
);
pub(super) const HISTORY_DIESEL: Query = query!(
    "history_diesel.sql",
    "the migration history (__diesel_schema_migrations)"
);
pub(super) const HISTORY_SQITCH: Query = query!(
    "history_sqitch.sql",
    "the migration history (sqitch.changes)"
);
pub(super) const HISTORY_DRIZZLE: Query = query!(
    "history_drizzle.sql",
    "the migration history (drizzle.__drizzle_migrations)"
);
pub(super) const HISTORY_NODE_PG_MIGRATE: Query = query!(
    "history_node_pg_migrate.sql",
    "the migration history (pgmigrations)"
);

/// Every query, for the tests.
#[cfg(test)]
pub(super) const ALL: [&Query; 32] = [
    &SERVER_VERSION,
    &EXPORT_SNAPSHOT,
    &ROLES,
    &SCHEMAS,
    &EXTENSIONS,
    &TYPES,
    &RELATIONS,
    &COLUMNS,
    &CONSTRAINTS,
    &INDEXES,
    &FUNCTIONS,
    &TRIGGERS,
    &POLICIES,
    &DEFAULT_ACLS,
    &PUBLICATIONS,
    &PUBLICATION_TABLES,
    &PUBLICATION_TABLES_13,
    &PUBLICATION_SCHEMAS,
    &SIZES_SERVER_VERSION,
    &SIZES,
    &COLUMN_STATS,
    &HISTORY_TABLES,
    &HISTORY_TABLE_EXISTS,
    &HISTORY_SUPABASE,
    &HISTORY_GOOSE,
    &HISTORY_SCHEMA_MIGRATIONS,
    &HISTORY_FLYWAY,
    &HISTORY_PRISMA,
    &HISTORY_DIESEL,
    &HISTORY_NODE_PG_MIGRATE,
    &HISTORY_SQITCH,
    &HISTORY_DRIZZLE,
];

/// Schemas that are PostgreSQL's own, never read.
const NOT_SYSTEM_SCHEMA: &str =
    "n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast') \
     and n.nspname not like 'pg\\_temp\\_%' and n.nspname not like 'pg\\_toast\\_temp\\_%'";

/// pgmq (up to 1.4) makes each queue's tables members of the extension;
/// they are the project's data all the same, and the queue rule reads them.
const NOT_EXTENSION_MEMBER_OR_PGMQ_QUEUE: &str =
    "(xd.objid is null or (n.nspname = 'pgmq' and c.relname ~ '^[qa]_'))";

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

/// The SQL a placeholder's name and arguments stand for; `at`: the
/// history table to read instead of the one a query names.
fn fragment(name: &str, args: &[&str], at: Option<(&str, &str)>) -> Option<String> {
    Some(match (name, args) {
        ("history_table", [schema, table]) => {
            let (schema, table) = at.unwrap_or((schema, table));
            crate::catalog::QualifiedName::new(schema, table).to_string()
        }
        ("not_system_schema", []) => NOT_SYSTEM_SCHEMA.to_string(),
        ("not_extension_member_or_pgmq_queue", []) => {
            NOT_EXTENSION_MEMBER_OR_PGMQ_QUEUE.to_string()
        }
        ("extension_member_join", [classid, objid]) => extension_member_join(classid, objid),
        _ => return None,
    })
}

impl Query {
    /// The SQL to send: the file without its comment and blank lines,
    /// placeholders replaced.
    pub fn sql(&self) -> String {
        self.compose(None)
    }

    /// [`Query::sql`], reading the history table `schema.table` (as the
    /// runner spells it) where the query names one.
    pub fn sql_at(&self, schema: &str, table: &str) -> String {
        self.compose(Some((schema, table)))
    }

    fn compose(&self, at: Option<(&str, &str)>) -> String {
        let mut out = String::with_capacity(self.text.len() + 512);
        let lines = self.text.lines().filter(|l| {
            let l = l.trim_start();
            !l.is_empty() && !l.starts_with("--")
        });
        for line in lines {
            if !out.is_empty() {
                out.push('\n');
            }
            let mut rest = line;
            while let Some((before, after)) = rest.split_once('{') {
                out.push_str(before);
                let replaced = after
                    .split_once('}')
                    .and_then(|(placeholder, tail)| Some((expand(placeholder, at)?, tail)));
                match replaced {
                    Some((sql, tail)) => {
                        out.push_str(&sql);
                        rest = tail;
                    }
                    None => {
                        out.push('{');
                        rest = after;
                    }
                }
            }
            out.push_str(rest);
        }
        out
    }
}

/// The SQL a placeholder (`name` or `name(arg, arg)`, without its braces)
/// stands for; None when it is not one.
fn expand(placeholder: &str, at: Option<(&str, &str)>) -> Option<String> {
    let (name, args) = match placeholder
        .strip_suffix(')')
        .and_then(|p| p.split_once('('))
    {
        Some((name, args)) => (name, args.split(',').map(str::trim).collect()),
        None => (placeholder, Vec::new()),
    };
    fragment(name, &args, at)
}

/// The names of a query's output columns, read from its text: the alias
/// after the last top-level `as` of each item of the outermost select
/// list. None when an item has no alias.
#[cfg(test)]
pub(super) fn output_columns(sql: &str) -> Option<Vec<String>> {
    // Top-level text only: what is inside parentheses and quotes is blanked.
    let mut depth = 0usize;
    let mut quote = None;
    let flat: String = sql
        .chars()
        .map(|c| {
            let top = depth == 0 && quote.is_none();
            match (quote, c) {
                (Some(q), _) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '\'' | '"') => quote = Some(c),
                (None, '(') => depth += 1,
                (None, ')') => depth -= 1,
                _ => {}
            }
            match c {
                _ if top && c != '(' && c != '\'' && c != '"' => c.to_ascii_lowercase(),
                '\n' | '\t' => ' ',
                _ => '_',
            }
        })
        .collect();
    let words: Vec<&str> = flat.split_whitespace().collect();
    let start = words.iter().position(|w| *w == "select")? + 1;
    let end = words[start..]
        .iter()
        .position(|w| *w == "from")
        .map_or(words.len(), |e| start + e);
    let list = words[start..end].join(" ");
    list.split(',')
        .map(|item| {
            let item: Vec<&str> = item.split_whitespace().collect();
            match item.as_slice() {
                [.., "as", alias] => Some(alias.to_string()),
                _ => None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_query_composes_to_one_plain_statement() {
        for q in ALL {
            let sql = q.sql();
            assert!(
                q.text.starts_with("-- "),
                "{}: no comment saying what it reads",
                q.file
            );
            assert!(sql.starts_with("select "), "{}: {sql}", q.file);
            for left in ["--", ";", "/*"] {
                assert!(!sql.contains(left), "{}: `{left}` in {sql}", q.file);
            }
            let placeholder = sql
                .match_indices('{')
                .any(|(at, _)| sql[at + 1..].starts_with(|c: char| c.is_ascii_lowercase()));
            assert!(!placeholder, "{}: a placeholder is left: {sql}", q.file);
        }
    }

    #[test]
    fn fragments_are_replaced_as_written() {
        let q = Query {
            what: "",
            file: "test.sql",
            text: "-- a comment\nselect 1 as x from pg_class c {extension_member_join(pg_class, c.oid)}\n\
                   \n   -- another\n\n\
                   where {not_system_schema} and '{0}' <> '{nope}'",
        };
        assert_eq!(
            q.sql(),
            format!(
                "select 1 as x from pg_class c {}\nwhere {NOT_SYSTEM_SCHEMA} and '{{0}}' <> '{{nope}}'",
                extension_member_join("pg_class", "c.oid")
            )
        );
    }

    #[test]
    fn output_columns_are_the_top_level_aliases() {
        let sql = "select a.x::int8 as x, f(a, b) as y, (select 1 as z from t) as w,\n\
                   case when a then 'a, b' end as v from t where u in (select 1 as q)";
        assert_eq!(
            output_columns(sql),
            Some(vec!["x".into(), "y".into(), "w".into(), "v".into()])
        );
        assert_eq!(output_columns("select a, b as c from t"), None);
    }
}
