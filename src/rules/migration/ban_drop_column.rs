//! `ALTER TABLE ... DROP COLUMN` on an existing table or foreign table, `ALTER TYPE ... DROP ATTRIBUTE` on an existing composite type. Docs: rules/ban-drop-column.yaml.

use pg_query::protobuf::{AlterTableType, ObjectType};
use pg_query::NodeEnum;

use crate::catalog::Ident;
use crate::rules::support::migration::{alter_table_cmds, altered_type, column_is_new};
use crate::rules::{StatementRule, StmtCtx};

pub struct BanDropColumn;

impl StatementRule for BanDropColumn {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let NodeEnum::AlterTableStmt(s) = &cx.stmt.node else {
            return;
        };
        let Some(rv) = s.relation.as_ref() else {
            return;
        };
        let dropped: Vec<&str> = alter_table_cmds(s)
            .filter(|cmd| cmd.subtype() == AlterTableType::AtDropColumn)
            .map(|cmd| cmd.name.as_str())
            .collect();
        if dropped.is_empty() {
            return;
        }
        let span = Some(cx.stmt.span);
        match s.objtype() {
            kind @ (ObjectType::ObjectTable | ObjectType::ObjectForeignTable) => {
                let table = cx.table(rv);
                for column in dropped {
                    // A column this file added is not in any deployed code yet.
                    if column_is_new(cx, &table.name, column) {
                        continue;
                    }
                    // A foreign table's rows live on the remote server.
                    let message = if kind == ObjectType::ObjectForeignTable {
                        format!(
                            "dropping column `{}` of foreign table `{}` breaks code that still reads or writes it",
                            Ident::new(column),
                            table.name
                        )
                    } else {
                        format!(
                            "dropping column `{}` of `{}` breaks code that still reads or writes it and deletes its data",
                            Ident::new(column),
                            table.name
                        )
                    };
                    cx.report_unless_new(&table, span, message);
                }
            }
            // ALTER TYPE ... DROP ATTRIBUTE: PostgreSQL takes the attribute
            // out of the values of every column of the type, too.
            ObjectType::ObjectType => {
                let (name, new) = altered_type(cx, rv);
                if new {
                    return;
                }
                for attribute in dropped {
                    let message = format!(
                        "dropping attribute `{}` of type `{name}` breaks code that still reads it and deletes its values from the columns of that type",
                        Ident::new(attribute)
                    );
                    cx.report(&name, span, message);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-drop-column";
    const CREATE: &str = "create table public.t (id bigint primary key, legacy text, note text);";

    #[test]
    fn table_from_an_earlier_file_fires() {
        let out = files(&[
            ("1_create.sql", CREATE),
            ("2_drop.sql", "alter table public.t drop column legacy;"),
        ])
        .fires(RULE);
        assert!(
            out.starts_with("2_drop.sql:1:1 ban-drop-column warning [public.t] "),
            "{out}"
        );
        assert!(out.contains("column `legacy` of `public.t`"), "{out}");
    }

    #[test]
    fn table_created_earlier_in_the_same_file_is_quiet() {
        case(&format!(
            "{CREATE}\nalter table public.t drop column legacy;"
        ))
        .quiet(RULE);
    }

    #[test]
    fn each_dropped_column_is_a_finding() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table t drop column legacy, drop note, add column x int;",
            ),
        ])
        .fires(RULE);
        assert_eq!(out.lines().count(), 2, "{out}");
        assert!(out.contains("`legacy`") && out.contains("`note`"), "{out}");
    }

    #[test]
    fn column_added_earlier_in_the_same_file_is_quiet() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add column tmp int;\nalter table public.t drop column tmp;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn if_exists_on_an_unknown_table_still_fires() {
        case("alter table if exists legacy drop column if exists old_flag cascade;").fires(RULE);
    }

    #[test]
    fn other_subcommands_are_quiet() {
        files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter table public.t drop constraint if exists t_x_check, alter column note drop default;\nalter type public.addr add attribute city text;"),
        ])
        .quiet(RULE);
    }

    #[test]
    fn foreign_table_column_fires_unless_new() {
        let remote = "create extension postgres_fdw;\ncreate server s foreign data wrapper postgres_fdw;\ncreate foreign table public.remote (id int, c text) server s;";
        let out = files(&[
            ("1.sql", remote),
            ("2.sql", "alter foreign table public.remote drop column c;"),
        ])
        .fires(RULE);
        assert!(
            out.contains("dropping column `c` of foreign table `public.remote` breaks code that still reads or writes it"),
            "{out}"
        );
        assert!(!out.contains("deletes"), "{out}");
        case(&format!(
            "{remote}\nalter foreign table public.remote drop column c;"
        ))
        .quiet(RULE);
    }

    #[test]
    fn composite_type_attribute_fires_unless_the_type_is_new() {
        let addr = "create type public.addr as (street text, zip text);";
        let out = files(&[
            ("1.sql", addr),
            ("2.sql", "alter type public.addr drop attribute zip;"),
        ])
        .fires(RULE);
        assert!(
            out.starts_with("2.sql:1:1 ban-drop-column warning [public.addr] dropping attribute `zip` of type `public.addr`"),
            "{out}"
        );
        // Unqualified, found on the search_path; a type no migration made.
        files(&[
            ("1.sql", addr),
            (
                "2.sql",
                "alter type addr drop attribute if exists zip cascade;",
            ),
        ])
        .fires(RULE);
        case("alter type composite drop attribute a;").fires(RULE);
        case(&format!(
            "{addr}\nalter type public.addr drop attribute zip;"
        ))
        .quiet(RULE);
    }
}
