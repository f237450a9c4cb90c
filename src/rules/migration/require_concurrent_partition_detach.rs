//! `ALTER TABLE ... DETACH PARTITION` without CONCURRENTLY on an existing table. Docs: rules/require-concurrent-partition-detach.yaml.

use pg_query::protobuf::AlterTableType;
use pg_query::NodeEnum;

use crate::rules::support::migration::{alter_table_cmds, altered_table};
use crate::rules::{StatementRule, StmtCtx};

pub struct RequireConcurrentPartitionDetach;

/// DETACH PARTITION ... CONCURRENTLY arrived in PostgreSQL 14.
const CONCURRENTLY_SINCE: u32 = 14;

impl StatementRule for RequireConcurrentPartitionDetach {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        if cx.postgres_version() < CONCURRENTLY_SINCE {
            return;
        }
        let Some((s, parent)) = altered_table(cx) else {
            return;
        };
        for cmd in alter_table_cmds(s) {
            // FINALIZE completes a concurrent detach that was interrupted.
            if cmd.subtype() != AlterTableType::AtDetachPartition {
                continue;
            }
            let Some(NodeEnum::PartitionCmd(p)) = cmd.def.as_deref().and_then(|d| d.node.as_ref())
            else {
                continue;
            };
            if p.concurrent {
                continue;
            }
            let partition = p.name.as_ref().map(|rv| cx.table(rv).name);
            let what = partition.map_or(String::new(), |name| format!(" `{name}`"));
            let message = format!(
                "detaching partition{what} without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on \
                 `{}`, blocking its reads and writes",
                parent.name
            );
            cx.report_lock(&parent, Some(cx.stmt.span), message);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "require-concurrent-partition-detach";
    const CREATE: &str = "create table public.events (id bigint not null, at date not null) partition by range (at);\n\
                          create table public.events_2024 partition of public.events for values from ('2024-01-01') to ('2025-01-01');";

    #[test]
    fn parent_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.events detach partition public.events_2024;",
            ),
        ])
        .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 require-concurrent-partition-detach warning [public.events] detaching partition `public.events_2024` without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on `public.events`, blocking its reads and writes"
        );
    }

    #[test]
    fn concurrently_and_finalize_are_quiet() {
        for stmt in [
            "alter table public.events detach partition public.events_2024 concurrently;",
            "alter table public.events detach partition public.events_2024 finalize;",
        ] {
            files(&[("1.sql", CREATE), ("2.sql", stmt)])
                .postgres()
                .quiet(RULE);
        }
    }

    #[test]
    fn parent_created_earlier_in_the_same_file_is_quiet() {
        case(&format!(
            "{CREATE}\nalter table public.events detach partition public.events_2024;"
        ))
        .quiet(RULE);
    }

    #[test]
    fn unknown_parent_fires() {
        case("alter table legacy_events detach partition legacy_events_2019;").fires(RULE);
    }

    #[test]
    fn attach_is_not_this_rule() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create table public.events_2025 (id bigint not null, at date not null);\nalter table public.events attach partition public.events_2025 for values from ('2025-01-01') to ('2026-01-01');",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn before_postgres_14_there_is_no_concurrently() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.events detach partition public.events_2024;",
            ),
        ])
        .config("postgres_version: 13")
        .quiet(RULE);
    }
}
