//! Statements outside a transaction that fail when the migration is rerun. Docs: rules/prefer-robust-stmts.yaml.

use std::collections::BTreeMap;

use pg_query::protobuf as pb;
use pg_query::NodeEnum;

use crate::catalog::{resolve, Ident, QualifiedName};
use crate::rules::support::migration::{added_column, added_constraint, alter_table_cmds};
use crate::rules::{StatementRule, StmtCtx};
use crate::sql::strings;

pub struct PreferRobustStmts;

const RERUN: &str = "a rerun after a partial apply fails";

impl StatementRule for PreferRobustStmts {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        // A file of one statement cannot stop half-way, so a rerun meets
        // nothing of it; except CREATE INDEX CONCURRENTLY, whose failure
        // leaves an invalid index behind under the same name.
        let concurrent_index = matches!(&cx.stmt.node, NodeEnum::IndexStmt(s) if s.concurrent);
        if cx.session.statements_in_file() == 1 && !concurrent_index {
            return;
        }
        // A block committed before more of the file runs is no shelter: a
        // failure after its COMMIT leaves it applied, and the rerun of the
        // whole file meets it first. Unless the block records its own
        // migration: the rerun then starts after it.
        let in_transaction = cx.in_transaction()
            && cx
                .session
                .committed_before_more(cx.stmt.span)
                .is_none_or(|commit| records_its_migration(cx, commit));
        let span = Some(cx.stmt.span);
        match &cx.stmt.node {
            NodeEnum::CreateStmt(s) if !in_transaction && !s.if_not_exists => {
                let Some(rv) = s.relation.as_ref() else {
                    return;
                };
                // A temporary table dropped at commit is gone before any rerun.
                if rv.relpersistence == "t" && s.oncommit() == pb::OnCommitAction::OncommitDrop {
                    return;
                }
                let table = cx.table(rv).name;
                cx.report(
                    &table,
                    span,
                    format!("table `{table}` is created without IF NOT EXISTS, so {RERUN}"),
                );
            }
            // An unnamed index gets a fresh name on a rerun instead of failing.
            // CONCURRENTLY never runs inside a transaction block, whatever the mode says.
            NodeEnum::IndexStmt(s)
                if !s.if_not_exists
                    && !s.idxname.is_empty()
                    && (s.concurrent || !in_transaction) =>
            {
                let Some(rv) = s.relation.as_ref() else {
                    return;
                };
                let table = cx.table(rv).name;
                let index = QualifiedName::new(table.schema.clone(), s.idxname.as_str());
                cx.report(
                    &index,
                    span,
                    format!(
                        "index `{}` on `{table}` is created without IF NOT EXISTS, so {RERUN}",
                        s.idxname
                    ),
                );
            }
            NodeEnum::DropStmt(s) if !in_transaction && !s.missing_ok => {
                let Some(first) = s.objects.first() else {
                    return;
                };
                let kind = s.remove_type();
                let parts = object_parts(first);
                let Some(last) = parts.last() else { return };
                let message = format!(
                    "dropping {} `{last}` without IF EXISTS means {RERUN}",
                    kind_word(kind)
                );
                match dropped_object(cx, kind, &parts) {
                    Dropped::Qualified(name) => cx.report(&name, span, message),
                    Dropped::Plain(name) => cx.report(&name, span, message),
                }
            }
            NodeEnum::AlterTableStmt(s) if !in_transaction => alter_table(cx, s),
            _ => {}
        }
    }
}

/// Whether the transaction block of the statement being checked, which
/// commits at offset `commit`, writes a migration runner's history table
/// (or alembic's `alembic_version`): a file of several migrations, each in
/// a block with its own record, as `alembic upgrade --sql` writes them. A
/// failure after the block leaves it recorded as applied, and the rerun
/// starts after it.
fn records_its_migration(cx: &StmtCtx<'_>, commit: u32) -> bool {
    use crate::rules::support::migration::{earlier_in_transaction, later_in_file};
    use crate::source::migrations::runner::{history_table, Runner};
    let tables: Vec<(&str, &str)> = Runner::ALL
        .iter()
        .filter_map(|r| history_table(*r)?.split_once('.'))
        .chain([("public", "alembic_version")])
        .collect();
    // Cheap tests first: most files name no such table.
    let names = |text: &str| -> Option<&str> {
        let text = text.as_bytes();
        tables.iter().map(|(_, t)| *t).find(|t| {
            text.windows(t.len())
                .any(|w| w.eq_ignore_ascii_case(t.as_bytes()))
        })
    };
    if names(&cx.stmt.text).is_none() {
        return false;
    }
    let rest = cx.stmt.text.get(cx.stmt.span.end as usize..).unwrap_or("");
    let writes_history = |node: &NodeEnum| {
        let rv = match node {
            NodeEnum::InsertStmt(s) => s.relation.as_ref(),
            NodeEnum::UpdateStmt(s) => s.relation.as_ref(),
            NodeEnum::DeleteStmt(s) => s.relation.as_ref(),
            _ => None,
        };
        rv.is_some_and(|rv| {
            tables.iter().any(|(schema, table)| {
                rv.relname == *table
                    && (rv.schemaname == *schema
                        || (rv.schemaname.is_empty() && *schema == "public"))
            })
        })
    };
    writes_history(&cx.stmt.node)
        || earlier_in_transaction(cx)
            .iter()
            .any(|s| writes_history(&s.node))
        || names(rest).is_some_and(|word| {
            later_in_file(cx.stmt, word)
                .iter()
                .take_while(|s| s.span.start < commit)
                .any(|s| writes_history(&s.node))
        })
}

/// The ALTER TABLE subcommands that fail the second time: ADD/DROP COLUMN
/// and DROP CONSTRAINT without their IF [NOT] EXISTS, and ADD CONSTRAINT
/// unless a DROP CONSTRAINT IF EXISTS of the same name came first. Other
/// subcommands (SET NOT NULL, ENABLE ROW LEVEL SECURITY, VALIDATE, ...)
/// can run again.
fn alter_table(cx: &mut StmtCtx<'_>, s: &pb::AlterTableStmt) {
    let Some(rv) = s.relation.as_ref() else {
        return;
    };
    let table = cx.table(rv).name;
    // Copied lazily: only DROP and ADD CONSTRAINT need the file's history.
    let mut dropped: Option<BTreeMap<(String, String), bool>> = None;
    // A constraint this statement drops and adds again exists before and
    // after it: the statement (one transaction) reruns cleanly.
    let readded: Vec<&str> = alter_table_cmds(s)
        .filter_map(added_constraint)
        .map(|c| c.conname.as_str())
        .filter(|n| !n.is_empty())
        .collect();
    for cmd in alter_table_cmds(s) {
        use pb::AlterTableType as T;
        let (location, message) = match cmd.subtype() {
            T::AtAddColumn if !cmd.missing_ok => {
                let Some(col) = added_column(cmd) else {
                    continue;
                };
                (
                    col.location,
                    format!(
                        "column `{}` is added to `{table}` without IF NOT EXISTS, so {RERUN}",
                        col.colname
                    ),
                )
            }
            T::AtDropColumn if !cmd.missing_ok => (
                -1,
                format!(
                    "column `{}` is dropped from `{table}` without IF EXISTS, so {RERUN}",
                    cmd.name
                ),
            ),
            T::AtDropConstraint => {
                let dropped = dropped.get_or_insert_with(|| cx.session.freed_constraints().clone());
                dropped.insert((rv.relname.clone(), cmd.name.clone()), true);
                if cmd.missing_ok || readded.contains(&cmd.name.as_str()) {
                    continue;
                }
                (
                    -1,
                    format!(
                        "constraint `{}` is dropped from `{table}` without IF EXISTS, so {RERUN}",
                        cmd.name
                    ),
                )
            }
            T::AtAddConstraint => {
                let Some(con) = added_constraint(cmd) else {
                    continue;
                };
                let key = (rv.relname.clone(), con.conname.clone());
                let dropped = dropped.get_or_insert_with(|| cx.session.freed_constraints().clone());
                // Dropped with IF EXISTS just before: the pair reruns cleanly, once.
                if !con.conname.is_empty() && dropped.get(&key) == Some(&true) {
                    dropped.insert(key, false);
                    continue;
                }
                let message = if con.conname.is_empty() {
                    format!(
                        "an unnamed constraint is added to `{table}`, so a rerun after a partial apply fails or adds it twice"
                    )
                } else {
                    format!(
                        "constraint `{}` is added to `{table}` with no DROP CONSTRAINT IF EXISTS before it, so {RERUN}",
                        con.conname
                    )
                };
                (con.location, message)
            }
            _ => continue,
        };
        let span = Some(cx.stmt.span_at(location));
        cx.report(&table, span, message);
    }
}

/// The name parts of one object of a DROP: `a.b` for a table, the type
/// name, the function name without its arguments.
fn object_parts(node: &pb::Node) -> Vec<String> {
    match &node.node {
        Some(NodeEnum::List(l)) => strings(&l.items),
        Some(NodeEnum::TypeName(t)) => strings(&t.names),
        Some(NodeEnum::ObjectWithArgs(o)) => strings(&o.objname),
        Some(NodeEnum::String(s)) => vec![s.sval.clone()],
        _ => Vec::new(),
    }
}

enum Dropped {
    Qualified(QualifiedName),
    Plain(Ident),
}

/// What a finding about a dropped object names: the schema-qualified
/// object, the table of a trigger, policy or rule, or a bare schema or
/// extension name.
fn dropped_object(cx: &StmtCtx<'_>, kind: pb::ObjectType, parts: &[String]) -> Dropped {
    use pb::ObjectType as O;
    let on_table = matches!(kind, O::ObjectTrigger | O::ObjectPolicy | O::ObjectRule);
    let named: &[String] = match (on_table, parts.split_last()) {
        (true, Some((_, table))) => table,
        _ => parts,
    };
    match named {
        [.., schema, name] => {
            Dropped::Qualified(QualifiedName::new(schema.as_str(), name.as_str()))
        }
        [name] => {
            let path = cx.search_path;
            let cat = cx.catalog;
            match kind {
                O::ObjectSchema | O::ObjectExtension | O::ObjectAccessMethod | O::ObjectRole => {
                    Dropped::Plain(Ident::new(name.as_str()))
                }
                O::ObjectType | O::ObjectDomain => {
                    let schema = resolve::user_type_schema(cat, path, name)
                        .unwrap_or_else(|| resolve::creation_schema(cat, path));
                    Dropped::Qualified(QualifiedName::new(schema, name.as_str()))
                }
                O::ObjectFunction | O::ObjectProcedure | O::ObjectRoutine | O::ObjectAggregate => {
                    let (Ok(q) | Err(q)) = resolve::function(cat, path, None, name);
                    Dropped::Qualified(q)
                }
                _ => {
                    let (Ok(q) | Err(q)) = resolve::relation(cat, path, None, name);
                    Dropped::Qualified(q)
                }
            }
        }
        [] => Dropped::Plain(Ident::new("")),
    }
}

fn kind_word(kind: pb::ObjectType) -> &'static str {
    use pb::ObjectType as O;
    match kind {
        O::ObjectTable => "table",
        O::ObjectIndex => "index",
        O::ObjectView => "view",
        O::ObjectMatview => "materialized view",
        O::ObjectSequence => "sequence",
        O::ObjectForeignTable => "foreign table",
        O::ObjectType => "type",
        O::ObjectDomain => "domain",
        O::ObjectFunction => "function",
        O::ObjectProcedure => "procedure",
        O::ObjectRoutine => "routine",
        O::ObjectAggregate => "aggregate",
        O::ObjectSchema => "schema",
        O::ObjectExtension => "extension",
        O::ObjectTrigger => "trigger",
        O::ObjectPolicy => "policy",
        O::ObjectRule => "rule",
        _ => "object",
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "prefer-robust-stmts";

    #[test]
    fn concurrent_index_without_if_not_exists_fires_on_supabase() {
        let out = files(&[
            (
                "1.sql",
                "create table app.t (id bigint primary key, n int);",
            ),
            ("2.sql", "create index concurrently t_n_idx on app.t (n);"),
        ])
        .fires(RULE);
        assert!(
            out.starts_with(
                "2.sql:1:1 prefer-robust-stmts info [app.t_n_idx] index `t_n_idx` on `app.t`"
            ),
            "{out}"
        );
    }

    #[test]
    fn guarded_or_unnamed_concurrent_index_is_quiet() {
        case("create index concurrently if not exists t_n_idx on app.t (n);\ncreate index concurrently on app.t (n);")
            .quiet(RULE);
    }

    #[test]
    fn drop_index_concurrently_without_if_exists_fires_on_supabase() {
        let out = case("select 1;\ndrop index concurrently app.t_n_idx;").fires(RULE);
        assert!(
            out.contains("[app.t_n_idx] dropping index `t_n_idx` without IF EXISTS"),
            "{out}"
        );
        case("drop index concurrently if exists app.t_n_idx;").quiet(RULE);
    }

    #[test]
    fn per_file_transaction_keeps_everything_else_quiet() {
        case(
            "create table app.t (id bigint primary key);\n\
             alter table app.t add column n int, add constraint t_n check (n > 0), drop column id;\n\
             create index t_n_idx on app.t (n);\n\
             drop table app.t;",
        )
        .quiet(RULE);
    }

    #[test]
    fn without_a_transaction_every_unguarded_statement_fires() {
        let out = case(
            "create table app.t (id bigint primary key);\n\
             create index t_id_idx on app.t (id);\n\
             alter table app.t add column n int;\n\
             alter table app.t drop column n;\n\
             alter table app.t drop constraint t_pkey;\n\
             drop table app.t;\n\
             drop type app.kind;\n\
             drop function app.f(int);",
        )
        .postgres()
        .fires(RULE);
        assert_eq!(out.lines().count(), 8, "{out}");
        assert!(out.contains("[app.kind] dropping type `kind`"), "{out}");
        assert!(out.contains("[app.f] dropping function `f`"), "{out}");
    }

    #[test]
    fn guarded_statements_are_quiet_without_a_transaction() {
        case(
            "create table if not exists app.t (id bigint primary key);\n\
             create index if not exists t_id_idx on app.t (id);\n\
             alter table app.t add column if not exists n int;\n\
             alter table app.t drop column if exists n;\n\
             alter table app.t drop constraint if exists t_pkey;\n\
             alter table app.t alter column id set not null, enable row level security;\n\
             alter table app.t validate constraint t_check;\n\
             drop table if exists app.t;",
        )
        .postgres()
        .quiet(RULE);
    }

    #[test]
    fn add_constraint_after_drop_if_exists_is_quiet_once() {
        let out = case(
            "alter table app.email drop constraint if exists email_uniq;\n\
             alter table app.email add constraint email_uniq unique using index email_idx;\n\
             alter table app.email add constraint email_uniq unique using index email_idx;",
        )
        .postgres()
        .fires(RULE);
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(out.starts_with("test.sql:3:"), "{out}");
    }

    #[test]
    fn drop_and_add_in_one_statement_is_quiet() {
        case(
            "alter table app.t drop constraint if exists t_fk, add constraint t_fk foreign key (u) references app.u not valid;",
        )
        .postgres()
        .quiet(RULE);
    }

    #[test]
    fn dropping_and_adding_one_name_in_one_statement_reruns() {
        // The constraint exists before and after the statement, which is atomic.
        case(
            "alter table app.t drop constraint t_fk, add constraint t_fk foreign key (u) references app.u not valid;\nalter table app.t drop column if exists z;",
        )
        .postgres()
        .quiet(RULE);
        // Dropped and not added back: the rerun fails.
        let out = case("alter table app.t drop constraint t_fk, add constraint t_other check (n > 0);\nalter table app.t drop column if exists z;")
            .postgres()
            .fires(RULE);
        assert!(
            out.contains("constraint `t_fk` is dropped from `app.t` without IF EXISTS"),
            "{out}"
        );
    }

    #[test]
    fn add_constraint_without_a_drop_fires() {
        let out = case("alter table app.t add constraint t_n check (n > 0);\nalter table app.t add primary key (id);")
            .postgres()
            .fires(RULE);
        assert!(
            out.contains("constraint `t_n` is added to `app.t` with no DROP CONSTRAINT IF EXISTS"),
            "{out}"
        );
        assert!(
            out.contains("an unnamed constraint is added to `app.t`"),
            "{out}"
        );
    }

    #[test]
    fn only_a_block_committed_before_more_of_the_file_runs_fires() {
        // A failure in the second block leaves the first applied; the rerun
        // of the file stops at its ADD COLUMN.
        let out = case("begin;\nalter table app.accounts add column nick text;\ncommit;\nbegin;\nupdate app.version set v = 2;\ncommit;")
            .postgres()
            .fires(RULE);
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(out.starts_with("test.sql:2:"), "{out}");
        assert!(
            out.contains("column `nick` is added to `app.accounts`"),
            "{out}"
        );
        // Statements after the COMMIT, outside any block, fire as ever.
        let out = case("begin;\ncreate table app.a (id bigint primary key);\ncommit;\ncreate table app.b (id bigint primary key);")
            .postgres()
            .fires(RULE);
        assert_eq!(out.lines().count(), 2, "{out}");
        // The last block of the file, or a COMMIT that ends the tool's
        // transaction as the last statement, shelters its statements.
        case("select 1;\nbegin;\ncreate table app.a (id bigint primary key);\ncommit;")
            .postgres()
            .quiet(RULE);
        case("create table app.a (id bigint primary key);\nalter table app.a add column n int;\ncommit;")
            .quiet(RULE);
        case("begin;\nupdate app.version set v = 2;\ncommit;\nbegin;\nalter table app.accounts add column nick text;\ncommit;")
            .postgres()
            .quiet(RULE);
        // A block rolled back leaves nothing for the rerun to meet.
        case("begin;\ncreate table app.a (id bigint primary key);\nrollback;\ncreate table if not exists app.a (id bigint primary key);")
            .postgres()
            .quiet(RULE);
    }

    #[test]
    fn a_block_that_records_its_own_migration_is_quiet() {
        // Two alembic migrations, each recorded in its own transaction.
        case("BEGIN;\nALTER TABLE app.t ADD COLUMN a TEXT;\nUPDATE alembic_version SET version_num = 'v2';\nCOMMIT;\nBEGIN;\nALTER TABLE app.t ADD COLUMN b TEXT;\nUPDATE alembic_version SET version_num = 'v3';\nCOMMIT;")
            .postgres()
            .quiet(RULE);
        case("begin;\ninsert into public.schema_migrations (version) values ('2');\nalter table app.t add column a text;\ncommit;\nbegin;\nalter table app.t add column b text;\ncommit;")
            .postgres()
            .quiet(RULE);
        // The record in the next block does not shelter this one.
        case("BEGIN;\nALTER TABLE app.t ADD COLUMN a TEXT;\nCOMMIT;\nBEGIN;\nUPDATE alembic_version SET version_num = 'v3';\nCOMMIT;")
            .postgres()
            .fires(RULE);
        // A table of that name in another schema is not the runner's.
        case("begin;\nupdate app.schema_migrations set version = '2';\nalter table app.t add column a text;\ncommit;\nselect 1;")
            .postgres()
            .fires(RULE);
    }

    #[test]
    fn commit_and_chain_commits_what_came_before() {
        let out = case("begin;\ncreate table app.a (id bigint primary key);\ncommit and chain;\ncreate table app.b (id bigint primary key);\ncommit;")
            .postgres()
            .fires(RULE);
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(out.contains("`app.a`"), "{out}");
    }

    #[test]
    fn commit_in_a_supabase_file_ends_the_tool_transaction() {
        // Both tables: the first was committed before the second ran.
        let out = case("create table app.a (id bigint primary key);\ncommit;\ncreate table app.b (id bigint primary key);")
            .fires(RULE);
        assert_eq!(out.lines().count(), 2, "{out}");
    }

    #[test]
    fn temporary_table_dropped_at_commit_is_quiet() {
        case("create temp table scratch (id int) on commit drop;")
            .postgres()
            .quiet(RULE);
        case("select 1;\ncreate temp table scratch (id int);")
            .postgres()
            .fires(RULE);
    }

    #[test]
    fn transaction_none_in_config_applies_on_supabase() {
        case("select 1;\ncreate table app.t (id bigint primary key);")
            .config("migrations:\n  transaction: none\n")
            .fires(RULE);
    }

    #[test]
    fn a_file_of_one_statement_is_quiet_unless_it_builds_an_index_concurrently() {
        case("alter table app.t add column n int;")
            .postgres()
            .quiet(RULE);
        case("create index concurrently t_n_idx on app.t (n);")
            .postgres()
            .fires(RULE);
    }
}
