//! `ALTER TABLE ... RENAME TO` on an existing table. Docs: rules/renaming-table.yaml.

use pg_query::protobuf::ObjectType;
use pg_query::NodeEnum;

use crate::catalog::{Ident, QualifiedName};
use crate::rules::support::migration::{later_in_file, names_table};
use crate::rules::{StatementRule, StmtCtx};

pub struct RenamingTable;

impl StatementRule for RenamingTable {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let NodeEnum::RenameStmt(s) = &cx.stmt.node else {
            return;
        };
        // ALTER VIEW / SEQUENCE / FOREIGN TABLE ... RENAME TO are other object types.
        if s.rename_type() != ObjectType::ObjectTable {
            return;
        }
        let Some(rv) = s.relation.as_ref() else {
            return;
        };
        let table = cx.table(rv);
        // RENAME TO keeps the relation in its schema.
        let renamed = QualifiedName::new(table.name.schema.clone(), Ident::new(s.newname.clone()));
        // Renamed aside and replaced under the old name in the same file:
        // code that uses the old name finds the new table.
        if replaced_later(cx, &table.name) {
            return;
        }
        let message = format!(
            "renaming `{}` to `{renamed}` breaks code that still uses the old name",
            table.name
        );
        cx.report_unless_new(&table, Some(cx.stmt.span), message);
    }
}

/// Whether a later statement of the file makes a table or view named `old`.
fn replaced_later(cx: &StmtCtx<'_>, old: &QualifiedName) -> bool {
    later_in_file(cx.stmt, old.name.as_str().to_ascii_lowercase().as_str())
        .iter()
        .any(|later| match &later.node {
            NodeEnum::CreateStmt(s) => s.relation.as_ref().is_some_and(|rv| names_table(rv, old)),
            NodeEnum::ViewStmt(s) => s.view.as_ref().is_some_and(|rv| names_table(rv, old)),
            NodeEnum::CreateTableAsStmt(s) => s
                .into
                .as_ref()
                .and_then(|i| i.rel.as_ref())
                .is_some_and(|rv| names_table(rv, old)),
            NodeEnum::RenameStmt(s) => {
                s.rename_type() == ObjectType::ObjectTable
                    && Ident::new(s.newname.as_str()) == old.name
                    && s.relation.as_ref().is_some_and(|rv| {
                        rv.schemaname.is_empty() || Ident::new(rv.schemaname.as_str()) == old.schema
                    })
            }
            _ => false,
        })
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "renaming-table";
    const CREATE: &str = "create table public.customers (id bigint primary key);";

    #[test]
    fn renamed_aside_and_replaced_under_the_old_name_is_quiet() {
        files(&[
            ("1_create.sql", CREATE),
            (
                "2_rebuild.sql",
                "alter table public.customers rename to customers_old;\n\
                 create table public.customers (id bigint primary key, name text);",
            ),
        ])
        .quiet(RULE);
        // A table of another name does not stand in for it.
        files(&[
            ("1_create.sql", CREATE),
            (
                "2_rebuild.sql",
                "alter table public.customers rename to customers_old;\n\
                 create table public.customer_list (id bigint primary key);",
            ),
        ])
        .fires(RULE);
    }

    #[test]
    fn table_from_an_earlier_file_fires() {
        let out = files(&[
            ("1_create.sql", CREATE),
            (
                "2_rename.sql",
                "alter table public.customers rename to clients;",
            ),
        ])
        .fires(RULE);
        assert!(
            out.starts_with("2_rename.sql:1:1 renaming-table warning [public.customers] "),
            "{out}"
        );
        assert!(
            out.contains("`public.customers` to `public.clients`"),
            "{out}"
        );
    }

    #[test]
    fn table_created_earlier_in_the_same_file_is_quiet() {
        case(&format!(
            "{CREATE}\nalter table public.customers rename to clients;"
        ))
        .quiet(RULE);
    }

    #[test]
    fn table_renamed_twice_in_a_later_file_fires_for_each_rename() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table customers rename to clients;\nalter table clients rename to accounts;",
            ),
        ])
        .fires(RULE);
        assert_eq!(out.lines().count(), 2, "{out}");
    }

    #[test]
    fn unknown_table_counts_as_existing() {
        case("alter table if exists legacy_orders rename to orders;").fires(RULE);
    }

    #[test]
    fn renaming_a_column_view_or_sequence_is_not_this_rule() {
        files(&[
            ("1.sql", "create table public.t (id bigint primary key, n int);\ncreate view public.v as select id from public.t;\ncreate sequence public.s;"),
            ("2.sql", "alter table public.t rename column n to m;\nalter view public.v rename to w;\nalter sequence public.s rename to s2;"),
        ])
        .quiet(RULE);
    }
}
