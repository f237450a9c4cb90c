//! `ALTER TABLE ... ADD COLUMN` on an existing table. Docs: rules/ban-add-column.yaml.

use pg_query::protobuf::ObjectType;
use pg_query::NodeEnum;

use crate::catalog::{Ident, QualifiedName};
use crate::rules::support::changes::{assumed_to_exist, relation_new_in_this_file};
use crate::rules::support::drops::{altered_table, text_at};
use crate::rules::support::migration::{added_column, alter_table_cmds};
use crate::rules::{StatementRule, StmtCtx};

pub struct BanAddColumn;

impl StatementRule for BanAddColumn {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let Some((s, table)) = altered_table(cx, true) else {
            return;
        };
        // A table made in this file has no deployed reader yet, unless it
        // may be older: then what the CREATE declared says nothing of it.
        let new = relation_new_in_this_file(cx, &table.name);
        let maybe_older = new && made_if_not_exists_over_assumed(cx, &table.name);
        if new && !maybe_older {
            return;
        }
        let known = cx.catalog.table(&table.name).filter(|_| !maybe_older);
        for cmd in alter_table_cmds(s) {
            let Some(col) = added_column(cmd) else {
                continue;
            };
            let column = Ident::new(col.colname.as_str());
            // IF NOT EXISTS of a column it has: nothing changes.
            if cmd.missing_ok && known.is_some_and(|t| t.columns.iter().any(|c| c.name == column)) {
                continue;
            }
            let message = format!(
                "adding column `{column}` to `{}` changes the rows `SELECT *` returns, which breaks code that reads them by position or copies them into another table",
                table.name
            );
            cx.report(&table.name, Some(cx.stmt.span), message);
        }
    }
}

/// `--assume-existing`: the table was made in this file by `CREATE TABLE
/// IF NOT EXISTS`, of a name no statement of the run dropped. The flag
/// says such a table existed before the file, so that CREATE did nothing;
/// an `ADD COLUMN` right after it is written for that case (on a table the
/// CREATE had just made it would be the column list's job).
fn made_if_not_exists_over_assumed(cx: &StmtCtx<'_>, name: &QualifiedName) -> bool {
    // The flag first: without it nothing is parsed again.
    let assumed = assumed_to_exist(
        cx,
        ObjectType::ObjectTable,
        Some(&name.schema),
        &name.name,
        None,
    );
    let Some(span) = cx
        .catalog
        .table(name)
        .and_then(|t| t.origin.span())
        .filter(|_| assumed)
    else {
        return false;
    };
    crate::sql::split::parse_file(span.file, text_at(cx, span))
        .0
        .first()
        .is_some_and(|s| matches!(&s.node, NodeEnum::CreateStmt(c) if c.if_not_exists))
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-add-column";
    const CREATE: &str = "create table public.t (id bigint primary key);";

    #[test]
    fn a_table_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter table public.t add column note text;"),
        ])
        .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-add-column warning [public.t] adding column `note` to `public.t` changes the rows `SELECT *` returns, which breaks code that reads them by position or copies them into another table"
        );
    }

    #[test]
    fn each_column_is_a_finding() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add column a text, add column b text;",
            ),
        ])
        .fires(RULE);
        assert_eq!(out.lines().count(), 2, "{out}");
    }

    #[test]
    fn a_table_made_in_the_same_file_is_quiet() {
        case(&format!(
            "{CREATE}\nalter table public.t add column note text;"
        ))
        .quiet(RULE);
    }

    #[test]
    fn if_not_exists_of_a_column_it_has_is_quiet() {
        files(&[
            (
                "1.sql",
                "create table public.t (id bigint primary key, note text);",
            ),
            (
                "2.sql",
                "alter table public.t add column if not exists note text;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn off_by_default() {
        assert_eq!(
            crate::rules::find(RULE).map(|r| r.doc.default_enabled),
            Some(false)
        );
    }

    #[test]
    fn create_table_if_not_exists_under_assume_existing_may_be_older() {
        let sql = "create table if not exists public.coupons (code text primary key);\n\
                   alter table public.coupons add column expires_at timestamptz;";
        // Without the flag the migrations are the whole history: the table is new.
        case(sql).quiet(RULE);
        // With it, a table no migration made existed, and the CREATE did nothing.
        let out = case(sql).assume_existing().fires(RULE);
        assert!(
            out.contains("column `expires_at` to `public.coupons`"),
            "{out}"
        );
        // Its columns are not known then: IF NOT EXISTS of a declared one may add it.
        case(
            "create table if not exists public.coupons (code text primary key, note text);\n\
             alter table public.coupons add column if not exists note text;",
        )
        .assume_existing()
        .fires(RULE);
        // A plain CREATE TABLE makes it, and so does one after a DROP of it.
        case(
            "create table public.coupons (code text primary key);\n\
             alter table public.coupons add column expires_at timestamptz;",
        )
        .assume_existing()
        .quiet(RULE);
        case(&format!("drop table if exists public.coupons;\n{sql}"))
            .assume_existing()
            .quiet(RULE);
    }
}
