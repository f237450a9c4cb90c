//! Indexes PostgreSQL has marked invalid. Docs: rules/invalid-index.yaml.

use crate::catalog::{Origin, RelKind};
use crate::rules::{SchemaCtx, SchemaRule};

pub struct InvalidIndex;

impl SchemaRule for InvalidIndex {
    fn check(&self, cx: &mut SchemaCtx<'_>) {
        let cat = cx.catalog;
        for t in cat.user_tables() {
            for ix in t.indexes.iter().filter(|ix| !ix.is_valid) {
                let why = match (ix.origin, t.kind) {
                    (Origin::Live, _) => "PostgreSQL marks it invalid (a CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY that failed leaves it so, as does an index created ON ONLY a partitioned table whose partitions' indexes were never all attached)",
                    (_, RelKind::Partitioned) => "it was created ON ONLY the partitioned table and not every partition has an index attached to it with ALTER INDEX ... ATTACH PARTITION",
                    _ => "PostgreSQL marks it invalid",
                };
                cx.report(
                    &t.name,
                    ix.origin.span(),
                    format!(
                        "index `{}` on `{}` is invalid: {why}; the planner never uses it, yet every write still maintains it",
                        ix.name, t.name
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet};

    const RULE: &str = "invalid-index";
    const PARTITIONED: &str = "create table public.events (id bigint not null, at date not null) partition by range (at);
create table public.events_2026 partition of public.events for values from ('2026-01-01') to ('2027-01-01');
create table public.events_2027 partition of public.events for values from ('2027-01-01') to ('2028-01-01');
create index events_at_idx on only public.events (at);
";

    #[test]
    fn on_only_without_attaching_fires() {
        let out = fires(RULE, PARTITIONED);
        assert!(out.contains("test.sql:4:1 "), "{out}");
        assert!(
            out.contains("index `events_at_idx` on `public.events` is invalid"),
            "{out}"
        );
    }

    #[test]
    fn attaching_some_partitions_is_not_enough() {
        fires(
            RULE,
            &format!("{PARTITIONED}create index events_2026_at_idx on public.events_2026 (at);\nalter index public.events_at_idx attach partition public.events_2026_at_idx;"),
        );
    }

    #[test]
    fn attaching_every_partition_makes_it_valid() {
        quiet(
            RULE,
            &format!(
                "{PARTITIONED}create index events_2026_at_idx on public.events_2026 (at);
create index events_2027_at_idx on public.events_2027 (at);
alter index events_at_idx attach partition events_2026_at_idx;
alter index public.events_at_idx attach partition public.events_2027_at_idx;"
            ),
        );
    }

    #[test]
    fn plain_index_and_on_only_without_partitions_are_valid() {
        quiet(
            RULE,
            "create table public.events (id bigint not null, at date not null) partition by range (at);
create index events_at_idx on only public.events (at);
create index events_id_idx on public.events (id);
create table public.events_2026 partition of public.events for values from ('2026-01-01') to ('2027-01-01');",
        );
    }
}
