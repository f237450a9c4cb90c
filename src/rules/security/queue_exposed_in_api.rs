//! pgmq queues reachable through the API without row level security.
//! Docs: rules/queue-exposed-in-api.yaml.

use crate::catalog::{Ident, RelKind};
use crate::findings::remedy::Remedy;
use crate::rules::support::exposure::api_reader;
use crate::rules::{SchemaCtx, SchemaRule};

pub struct QueueExposedInApi;

/// Schemas through which the API reaches pgmq's queues: the wrapper
/// functions Supabase installs in `pgmq_public`, or pgmq itself.
const QUEUE_SCHEMAS: [&str; 2] = ["pgmq_public", "pgmq"];

impl SchemaRule for QueueExposedInApi {
    fn check(&self, cx: &mut SchemaCtx<'_>) {
        let cat = cx.catalog;
        let Some(via) = QUEUE_SCHEMAS
            .iter()
            .find(|s| cat.is_exposed(&Ident::new(**s)))
        else {
            return;
        };
        let queues = cat.tables.values().filter(|t| {
            t.name.schema.as_str() == "pgmq"
                && t.name.name.as_str().starts_with("q_")
                && matches!(t.kind, RelKind::Table | RelKind::Partitioned)
                && !t.origin.is_baseline()
                && !t.rls_enabled
        });
        for t in queues {
            let Some(role) = api_reader(cat, &t.grants) else {
                continue;
            };
            cx.report_fixable(
                &t.name,
                t.rls_span(),
                format!(
                    "queue table `{}` has no row level security and `{role}` can SELECT from it, so through the exposed `{via}` schema every such caller reads and takes this queue's messages",
                    t.name
                ),
                Remedy::EnableRls {
                    table: t.name.clone(),
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires_with, quiet, quiet_with};

    const EXPOSED: &str = "exposed_schemas: [public, pgmq_public]";
    const QUEUE: &str = "create extension if not exists pgmq;\nselect pgmq.create('jobs');\n";

    #[test]
    fn granted_queue_without_rls_fires_at_the_create() {
        let out = fires_with(
            "queue-exposed-in-api",
            &format!("{QUEUE}grant select, insert, update, delete on pgmq.q_jobs to authenticated;"),
            EXPOSED,
        );
        assert!(out.starts_with("test.sql:2:1 "), "{out}");
        assert!(out.contains("[pgmq.q_jobs]"), "{out}");
        assert!(out.contains("`authenticated` can SELECT"), "{out}");
        assert!(!out.contains("a_jobs"), "archive tables are not queues: {out}");
    }

    #[test]
    fn rls_enabled_is_quiet() {
        quiet_with(
            "queue-exposed-in-api",
            &format!("{QUEUE}grant select on pgmq.q_jobs to anon;\nalter table pgmq.q_jobs enable row level security;"),
            EXPOSED,
        );
    }

    #[test]
    fn not_granted_or_not_exposed_is_quiet() {
        quiet_with("queue-exposed-in-api", QUEUE, EXPOSED);
        quiet(
            "queue-exposed-in-api",
            &format!("{QUEUE}grant select on pgmq.q_jobs to anon;"),
        );
    }

    #[test]
    fn exposing_pgmq_itself_counts_and_public_grants_reach_anon() {
        let out = fires_with(
            "queue-exposed-in-api",
            &format!("{QUEUE}grant select on all tables in schema pgmq to public;"),
            "exposed_schemas: [public, pgmq]",
        );
        assert!(out.contains("`anon` can SELECT"), "{out}");
        assert!(out.contains("exposed `pgmq` schema"), "{out}");
    }

    #[test]
    fn rls_disabled_again_fires_at_the_disable() {
        let out = fires_with(
            "queue-exposed-in-api",
            &format!("{QUEUE}grant select on pgmq.q_jobs to authenticated;\nalter table pgmq.q_jobs enable row level security;\nalter table pgmq.q_jobs disable row level security;"),
            EXPOSED,
        );
        assert!(out.starts_with("test.sql:5:1 "), "{out}");
    }
}
