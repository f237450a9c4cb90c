//! pgmq (Supabase Queues): `SELECT pgmq.create('jobs')` creates the queue's
//! tables at run time, `pgmq.q_jobs` and its archive `pgmq.a_jobs`, and
//! `pgmq.drop_queue('jobs')` drops them. Later statements (GRANT, ENABLE ROW
//! LEVEL SECURITY, CREATE POLICY) address those tables, so the replay
//! creates them too: by replaying the DDL pgmq runs (as of pgmq 1.11), which
//! also gives them the default privileges PostgreSQL would. They are marked
//! as the extension's, like its other objects, so that only the rules about
//! queues look at them.

use std::sync::Arc;

use pg_query::protobuf as pb;

use super::Replayer;
use crate::catalog::{Ident, QualifiedName};
use crate::sql::ast;
use crate::sql::split::{self, Statement};

impl Replayer {
    /// A call of a `pgmq.` function in a SELECT list.
    pub(super) fn pgmq_call(&mut self, function: &str, call: &pb::FuncCall, stmt: &Statement) {
        if !self.catalog.extensions.contains_key(&Ident::new("pgmq")) {
            return;
        }
        let Some(queue) = call.args.first().and_then(ast::const_text) else {
            return;
        };
        let queue = queue.to_lowercase();
        let (q, a) = (format!("q_{queue}"), format!("a_{queue}"));
        let table = |n: &str| QualifiedName::new(Ident::new("pgmq"), Ident::new(n));
        match function {
            "create" | "create_non_partitioned" | "create_unlogged" | "create_partitioned" => {
                let unlogged = if function == "create_unlogged" {
                    "unlogged "
                } else {
                    ""
                };
                let partitioned = if function == "create_partitioned" {
                    " partition by range (msg_id)"
                } else {
                    ""
                };
                let qi = Ident::new(q.as_str());
                let ai = Ident::new(a.as_str());
                let sql = format!(
                    "create {unlogged}table if not exists pgmq.{qi} (\
                       msg_id bigint primary key generated always as identity, \
                       read_ct int default 0 not null, \
                       enqueued_at timestamptz default now() not null, \
                       last_read_at timestamptz, vt timestamptz not null, \
                       message jsonb, headers jsonb){partitioned};\n\
                     create {unlogged}table if not exists pgmq.{ai} (\
                       msg_id bigint primary key, read_ct int default 0 not null, \
                       enqueued_at timestamptz default now() not null, \
                       last_read_at timestamptz, \
                       archived_at timestamptz default now() not null, \
                       vt timestamptz not null, message jsonb, headers jsonb){partitioned};\n"
                );
                // pgmq.create() of an existing queue changes nothing.
                let new: Vec<QualifiedName> = [table(&q), table(&a)]
                    .into_iter()
                    .filter(|n| !self.catalog.tables.contains_key(n))
                    .collect();
                self.replay_generated(&sql, stmt);
                // The tables are pgmq's, and they stand at the statement
                // that created them: the generated DDL is in no file.
                let origin = self.stamp.origin(stmt);
                for name in new {
                    if let Some(t) = self.catalog.tables.get_mut(&name) {
                        t.extension_owned = true;
                        for o in t.origins_mut() {
                            *o = origin;
                        }
                    }
                }
            }
            "drop_queue" => {
                for name in [table(&q), table(&a)] {
                    self.drop_relation(&name);
                }
            }
            _ => {}
        }
    }

    /// Replays SQL that pgvet wrote on behalf of `stmt` (which ran it).
    fn replay_generated(&mut self, sql: &str, stmt: &Statement) {
        let text: Arc<str> = sql.into();
        let Ok(statements) = split::parse_range(stmt.span.file, &text, (0, text.len())) else {
            return;
        };
        for s in &statements {
            self.apply(s);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::catalog::{Ident, Platform, QualifiedName, RelKind};

    fn replay(sql: &str) -> crate::catalog::Catalog {
        let report = crate::lint_sources(
            vec![("q.sql".to_string(), sql.to_string())],
            &crate::config::Config::default(),
            &crate::Settings {
                keep_catalog: true,
                ..crate::Settings::for_platform(Platform::Supabase)
            },
        );
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        report.catalog.expect("kept")
    }

    fn name(n: &str) -> QualifiedName {
        QualifiedName::new(Ident::new("pgmq"), Ident::new(n))
    }

    #[test]
    fn create_makes_the_queue_and_archive_tables_of_the_extension() {
        let cat = replay("create extension pgmq;\nselect pgmq.create('Jobs');\n");
        for n in ["q_jobs", "a_jobs"] {
            let t = cat.tables.get(&name(n)).unwrap_or_else(|| panic!("{n}"));
            assert!(t.extension_owned, "{n}");
            assert_eq!(t.kind, RelKind::Table);
            assert_eq!(t.origin.span().map(|s| s.start), Some(23), "{n}");
            assert!(t.columns.iter().any(|c| c.name.as_str() == "message"));
        }
        assert_eq!(
            cat.extensions
                .get(&Ident::new("pgmq"))
                .map(|e| e.schema.as_str()),
            Some("pgmq")
        );
    }

    #[test]
    fn creating_an_existing_queue_again_leaves_it_where_it_was() {
        let cat = replay(
            "create extension pgmq;\nselect pgmq.create('jobs');\nalter table pgmq.q_jobs enable row level security;\nselect pgmq.create('jobs');\n",
        );
        let t = cat.tables.get(&name("q_jobs")).expect("queue");
        assert_eq!(t.origin.span().map(|s| s.start), Some(23));
        assert!(t.rls_enabled);
        assert_eq!(t.rls_span().map(|s| s.start), Some(51));
    }

    #[test]
    fn a_call_in_from_makes_the_queue_too() {
        let cat = replay(
            "create extension pgmq;\nselect * from pgmq.create('jobs');\nselect from pgmq.create_unlogged('fast');\n",
        );
        for n in ["q_jobs", "a_jobs", "q_fast", "a_fast"] {
            assert!(cat.tables.contains_key(&name(n)), "{n}");
        }
    }

    #[test]
    fn partitioned_queue_and_drop_queue() {
        let cat = replay(
            "create extension pgmq;\nselect pgmq.create_partitioned('a');\nselect pgmq.create('b');\nselect pgmq.drop_queue('b');\n",
        );
        assert_eq!(
            cat.tables.get(&name("q_a")).map(|t| t.kind),
            Some(RelKind::Partitioned)
        );
        assert!(!cat.tables.contains_key(&name("q_b")));
        assert!(!cat.tables.contains_key(&name("a_b")));
    }

    #[test]
    fn without_the_extension_nothing_is_created() {
        let cat = replay("create schema pgmq;\ncreate function pgmq.create(text) returns void language sql as $$ select $$;\nselect pgmq.create('jobs');\n");
        assert!(!cat.tables.contains_key(&name("q_jobs")));
    }
}
