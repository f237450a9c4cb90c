//! `ALTER TABLE ... ADD COLUMN` on an existing table. Docs: rules/ban-add-column.yaml.

use crate::catalog::Ident;
use crate::rules::support::changes::relation_new_in_this_file;
use crate::rules::support::drops::altered_table;
use crate::rules::support::migration::{added_column, alter_table_cmds};
use crate::rules::{StatementRule, StmtCtx};

pub struct BanAddColumn;

impl StatementRule for BanAddColumn {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let Some((s, table)) = altered_table(cx, true) else {
            return;
        };
        // A table made in this file has no deployed reader yet.
        if relation_new_in_this_file(cx, &table.name) {
            return;
        }
        let known = cx.catalog.table(&table.name);
        for cmd in alter_table_cmds(s) {
            let Some(col) = added_column(cmd) else {
                continue;
            };
            let column = Ident::new(col.colname.as_str());
            // IF NOT EXISTS of a column it has: nothing changes.
            if cmd.missing_ok && known.is_some_and(|t| t.columns.iter().any(|c| c.name == column))
            {
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

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-add-column";
    const CREATE: &str = "create table public.t (id bigint primary key);";

    #[test]
    fn a_table_from_an_earlier_file_fires() {
        let out = files(&[("1.sql", CREATE), ("2.sql", "alter table public.t add column note text;")])
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
            ("2.sql", "alter table public.t add column a text, add column b text;"),
        ])
        .fires(RULE);
        assert_eq!(out.lines().count(), 2, "{out}");
    }

    #[test]
    fn a_table_made_in_the_same_file_is_quiet() {
        case(&format!("{CREATE}\nalter table public.t add column note text;")).quiet(RULE);
    }

    #[test]
    fn if_not_exists_of_a_column_it_has_is_quiet() {
        files(&[
            ("1.sql", "create table public.t (id bigint primary key, note text);"),
            ("2.sql", "alter table public.t add column if not exists note text;"),
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
}
