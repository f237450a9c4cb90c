//! `ALTER TABLE ... NO INHERIT` and `DETACH PARTITION` of existing tables.
//! Docs: rules/ban-detach-inheritance.yaml.

use pg_query::protobuf::AlterTableType as At;
use pg_query::NodeEnum;

use crate::rules::support::changes::{earlier_in_file, relation_new_in_this_file};
use crate::rules::support::drops::altered_table;
use crate::rules::support::migration::{alter_table_cmds, names_table};
use crate::rules::{StatementRule, StmtCtx};

pub struct BanDetachInheritance;

impl StatementRule for BanDetachInheritance {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let Some((s, table)) = altered_table(cx, false) else {
            return;
        };
        // Made in this file, the table has no client that reads through it.
        if relation_new_in_this_file(cx, &table.name) {
            return;
        }
        let name = &table.name;
        for cmd in alter_table_cmds(s) {
            let def = cmd.def.as_deref().and_then(|d| d.node.as_ref());
            let message = match (cmd.subtype(), def) {
                (At::AtDropInherit, Some(NodeEnum::RangeVar(parent))) => {
                    let parent = cx.table(parent).name;
                    format!(
                        "detaching `{name}` from its parent `{parent}` takes its rows out of the queries on `{parent}`"
                    )
                }
                (
                    sub @ (At::AtDetachPartition | At::AtDetachPartitionFinalize),
                    Some(NodeEnum::PartitionCmd(p)),
                ) => {
                    let Some(rv) = p.name.as_ref() else { continue };
                    let partition = cx.table(rv).name;
                    // A partition this file made holds only rows it wrote;
                    // FINALIZE completes a detach this file began, which
                    // is the statement reported.
                    if relation_new_in_this_file(cx, &partition)
                        || (sub == At::AtDetachPartitionFinalize
                            && detach_began_earlier(cx, &partition))
                    {
                        continue;
                    }
                    format!(
                        "detaching partition `{partition}` from `{name}` takes its rows out of the queries on `{name}`, and writes of such rows through `{name}` fail"
                    )
                }
                _ => continue,
            };
            cx.report(name, Some(cx.stmt.span), message);
        }
    }
}

fn detach_began_earlier(cx: &StmtCtx<'_>, partition: &crate::catalog::QualifiedName) -> bool {
    earlier_in_file(cx, "detach").iter().any(|e| {
        let NodeEnum::AlterTableStmt(s) = &e.node else {
            return false;
        };
        alter_table_cmds(s).any(|c| {
            c.subtype() == At::AtDetachPartition
                && matches!(c.def.as_deref().and_then(|d| d.node.as_ref()),
                    Some(NodeEnum::PartitionCmd(p))
                        if p.concurrent && p.name.as_ref().is_some_and(|rv| names_table(rv, partition)))
        })
    })
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-detach-inheritance";
    const CREATE: &str = "create table public.events (id bigint, at date not null) partition by range (at);\n\
        create table public.events_2023 partition of public.events for values from ('2023-01-01') to ('2024-01-01');\n\
        create table public.log (id bigint primary key);\n\
        create table public.log_archive () inherits (public.log);";

    #[test]
    fn detaching_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter table public.events detach partition public.events_2023 concurrently;"),
        ])
        .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-detach-inheritance warning [public.events] detaching partition `public.events_2023` from `public.events` takes its rows out of the queries on `public.events`, and writes of such rows through `public.events` fail"
        );
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter table public.log_archive no inherit public.log;"),
        ])
        .fires(RULE);
        assert!(out.contains("[public.log_archive]"), "{out}");
    }

    #[test]
    fn tables_made_in_the_same_file_are_quiet() {
        case(&format!(
            "{CREATE}\nalter table public.events detach partition public.events_2023;\nalter table public.log_archive no inherit public.log;"
        ))
        .quiet(RULE);
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create table public.events_2024 partition of public.events for values from ('2024-01-01') to ('2025-01-01');\n\
                 alter table public.events detach partition public.events_2024;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn finalize_after_a_detach_in_the_same_file_is_quiet() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.events detach partition public.events_2023 concurrently;\n\
                 alter table public.events detach partition public.events_2023 finalize;",
            ),
        ])
        .postgres()
        .fires(RULE);
        assert_eq!(out.lines().count(), 1, "{out}");
    }

    #[test]
    fn attaching_is_not_this_rule() {
        files(&[
            ("1.sql", CREATE),
            ("2.sql", "create table public.log_2 (id bigint primary key);\nalter table public.log_2 inherit public.log;"),
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
