//! A column assigned twice in one UPDATE, INSERT column list, ON CONFLICT DO UPDATE or MERGE action. Docs: rules/ban-duplicate-column-assignments.yaml.

use pg_query::protobuf as pb;
use pg_query::{NodeEnum, NodeRef};

use crate::catalog::Ident;
use crate::rules::{StatementRule, StmtCtx};
use crate::sql::descendants;

pub struct BanDuplicateColumnAssignments;

impl StatementRule for BanDuplicateColumnAssignments {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        // WITH clauses and rule actions hold statements of their own.
        let mut lists: Vec<(&pb::RangeVar, &[pb::Node], &str)> = Vec::new();
        for node in descendants(&cx.stmt.node) {
            match node {
                NodeRef::UpdateStmt(s) => {
                    lists.extend(
                        s.relation
                            .as_ref()
                            .map(|r| (r, &s.target_list[..], "UPDATE")),
                    );
                }
                NodeRef::InsertStmt(s) => {
                    let Some(rel) = s.relation.as_ref() else {
                        continue;
                    };
                    lists.push((rel, &s.cols, "INSERT column list"));
                    if let Some(c) = &s.on_conflict_clause {
                        lists.push((rel, &c.target_list, "ON CONFLICT DO UPDATE"));
                    }
                }
                NodeRef::MergeStmt(s) => {
                    let Some(rel) = s.relation.as_ref() else {
                        continue;
                    };
                    for clause in &s.merge_when_clauses {
                        if let Some(NodeEnum::MergeWhenClause(w)) = &clause.node {
                            lists.push((rel, &w.target_list, "MERGE action"));
                        }
                    }
                }
                _ => {}
            }
        }
        let mut found = Vec::new();
        for (rel, targets, clause) in lists {
            for (column, location) in duplicates(targets) {
                let table = cx.table(rel).name;
                found.push((table, column, location, clause));
            }
        }
        for (table, column, location, clause) in found {
            let message = format!(
                "column `{}` of `{table}` is assigned more than once in one {clause}, which PostgreSQL rejects",
                Ident::new(column.as_str())
            );
            let span = cx.stmt.name_at(location);
            cx.report(&table, Some(span), message);
        }
    }
}

/// The columns a target list names twice where PostgreSQL refuses it, with
/// the place of the second mention. Two assignments to parts of one column
/// (`a[1] = 1, a[2] = 2`, `c.x = 1, c.y = 2`) are merged by PostgreSQL;
/// a whole-column one next to any other is an error.
fn duplicates(targets: &[pb::Node]) -> Vec<(String, i32)> {
    let mut seen: Vec<(&str, bool)> = Vec::new();
    let mut out: Vec<(String, i32)> = Vec::new();
    for target in targets {
        let Some(NodeEnum::ResTarget(t)) = &target.node else {
            continue;
        };
        let whole = t.indirection.is_empty();
        let clash = seen
            .iter()
            .any(|(name, prior_whole)| *name == t.name && (whole || *prior_whole));
        if clash && !out.iter().any(|(name, _)| *name == t.name) {
            out.push((t.name.clone(), t.location));
        }
        seen.push((&t.name, whole));
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::case;

    const RULE: &str = "ban-duplicate-column-assignments";
    const CREATE: &str =
        "create table public.t (id bigint primary key, a int, b int, tags int[]);\n";

    fn fires(sql: &str) -> String {
        case(&format!("{CREATE}{sql}")).fires(RULE)
    }

    fn quiet(sql: &str) {
        case(&format!("{CREATE}{sql}")).quiet(RULE);
    }

    #[test]
    fn update_assigning_a_column_twice_fires() {
        let out = fires("update public.t set a = 1, a = 2;");
        assert_eq!(
            out,
            "test.sql:2:28 ban-duplicate-column-assignments error [public.t] column `a` of `public.t` is assigned more than once in one UPDATE, which PostgreSQL rejects"
        );
    }

    #[test]
    fn names_are_compared_after_folding() {
        fires("update public.t set a = 1, A = 2;");
        quiet("update public.t set a = 1, \"A\" = 2;");
    }

    #[test]
    fn row_assignment_counts_each_column() {
        fires("update public.t set (a, b) = (1, 2), a = 3;");
        quiet("update public.t set (a, b) = (select 1, 2);");
    }

    #[test]
    fn parts_of_one_column_are_merged() {
        quiet("update public.t set tags[1] = 1, tags[2] = 2;");
        fires("update public.t set tags = '{}', tags[1] = 1;");
    }

    #[test]
    fn insert_column_list_fires() {
        let out = fires("insert into public.t (id, a, a) values (1, 2, 3);");
        assert!(out.contains("INSERT column list"), "{out}");
        quiet("insert into public.t (id, a, b) values (1, 2, 3);");
    }

    #[test]
    fn on_conflict_and_merge_fire() {
        fires("insert into public.t (id, a) values (1, 2) on conflict (id) do update set b = 1, b = 2;");
        fires("merge into public.t using (select 1 as id) s on t.id = s.id when matched then update set a = 1, a = 2;");
        fires("merge into public.t using (select 1 as id) s on t.id = s.id when not matched then insert (id, id) values (1, 2);");
    }

    #[test]
    fn statements_inside_with_fire() {
        fires("with x as (update public.t set b = 1, b = 2 returning id) select id from x;");
    }

    #[test]
    fn each_column_is_reported_once() {
        let out = fires("update public.t set a = 1, a = 2, a = 3, b = 1, b = 2;");
        assert_eq!(out.lines().count(), 2, "{out}");
    }

    #[test]
    fn function_bodies_are_not_read() {
        quiet("create function public.f() returns void language sql as $$ update public.t set a = 1, a = 2 $$;");
    }
}
