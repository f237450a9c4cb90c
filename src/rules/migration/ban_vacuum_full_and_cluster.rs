//! `VACUUM FULL` or `CLUSTER` of a table that existed before the file. Docs: rules/ban-vacuum-full-and-cluster.yaml.

use pg_query::NodeEnum;

use crate::catalog::QualifiedName;
use crate::rules::support::drops::has_option;
use crate::rules::{StatementRule, StmtCtx};

pub struct BanVacuumFullAndCluster;

impl StatementRule for BanVacuumFullAndCluster {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let span = Some(cx.stmt.span);
        match &cx.stmt.node {
            NodeEnum::VacuumStmt(s) if s.is_vacuumcmd && has_option(&s.options, "full") => {
                let tables: Vec<_> = s
                    .rels
                    .iter()
                    .filter_map(|r| match &r.node {
                        Some(NodeEnum::VacuumRelation(v)) => v.relation.as_ref(),
                        _ => None,
                    })
                    .collect();
                if tables.is_empty() {
                    let message = "a VACUUM FULL without a table rewrites every table of the \
                                   database, each under an ACCESS EXCLUSIVE lock that blocks its \
                                   reads and writes until its copy is done"
                        .to_string();
                    cx.report(&current_database(), span, message);
                }
                for rv in tables {
                    let table = cx.table(rv);
                    let message = format!(
                        "vacuuming `{}` with FULL rewrites it under an ACCESS EXCLUSIVE lock: its \
                         reads and writes wait until the copy is done",
                        table.name
                    );
                    cx.report_lock(&table, span, message);
                }
            }
            NodeEnum::ClusterStmt(s) => match s.relation.as_ref() {
                Some(rv) => {
                    let table = cx.table(rv);
                    let message = format!(
                        "clustering `{}` rewrites it in index order under an ACCESS EXCLUSIVE \
                         lock: its reads and writes wait until the copy is done",
                        table.name
                    );
                    cx.report_lock(&table, span, message);
                }
                None => {
                    let message = "a CLUSTER without a table rewrites every table clustered \
                                   before, each under an ACCESS EXCLUSIVE lock that blocks its \
                                   reads and writes until its copy is done"
                        .to_string();
                    cx.report(&current_database(), span, message);
                }
            },
            _ => {}
        }
    }
}

/// The database a statement without a table works on, named as a row of pg_database.
fn current_database() -> QualifiedName {
    QualifiedName::new("pg_database", "current_database")
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-vacuum-full-and-cluster";
    const CREATE: &str = "create table public.t (id bigint primary key, n int);";

    #[test]
    fn vacuum_full_of_an_earlier_table_fires() {
        let out = files(&[("1.sql", CREATE), ("2.sql", "vacuum full public.t;")]).fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-vacuum-full-and-cluster warning [public.t] vacuuming `public.t` with FULL rewrites it under an ACCESS EXCLUSIVE lock: its reads and writes wait until the copy is done"
        );
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "vacuum (full, analyze) public.t;"),
        ])
        .fires(RULE);
        assert!(out.contains("with FULL rewrites it"), "{out}");
    }

    #[test]
    fn cluster_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "cluster public.t using t_pkey;"),
        ])
        .fires(RULE);
        assert!(
            out.contains("clustering `public.t` rewrites it in index order"),
            "{out}"
        );
        let out = case("cluster;").fires(RULE);
        assert!(out.contains("[pg_database.current_database]"), "{out}");
    }

    #[test]
    fn plain_vacuum_and_analyze_are_quiet() {
        for stmt in [
            "vacuum public.t;",
            "vacuum (analyze) public.t;",
            "vacuum (full false) public.t;",
            "analyze public.t;",
        ] {
            files(&[("1.sql", CREATE), ("2.sql", stmt)]).quiet(RULE);
        }
    }

    #[test]
    fn a_table_made_in_the_same_file_is_quiet() {
        case(&format!(
            "{CREATE}\nvacuum full public.t;\ncluster public.t using t_pkey;"
        ))
        .quiet(RULE);
    }
}
