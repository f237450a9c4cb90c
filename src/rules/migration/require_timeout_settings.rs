//! A statement that locks an existing table before `lock_timeout` and `statement_timeout` are set. Docs: rules/require-timeout-settings.yaml.

use pg_query::protobuf::{self as pb, ObjectType as O};
use pg_query::NodeEnum;

use crate::catalog::{resolve, Ident};
use crate::rules::support::migration::{
    added_column, added_constraint, alter_table_cmds, column_constraints,
};
use crate::rules::{StatementRule, StmtCtx, TableRef};
use crate::sql::ast;

pub struct RequireTimeoutSettings;

impl StatementRule for RequireTimeoutSettings {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let missing = match (
            cx.session.lock_timeout_set(),
            cx.session.statement_timeout_set(),
        ) {
            (true, true) => return,
            (false, false) => "neither `lock_timeout` nor `statement_timeout` is set",
            (false, true) => "`lock_timeout` is not set",
            (true, false) => "`statement_timeout` is not set",
        };
        // Rules keep no state between statements, so every such statement
        // of the file is reported, not only the first (see the YAML).
        let Some(table) = locked_tables(cx).into_iter().find(|t| !t.is_new()) else {
            return;
        };
        let message = format!("this statement locks `{}` while {missing}", table.name);
        cx.report_lock(&table, Some(cx.stmt.span), message);
    }
}

/// The relations a statement locks. Tables the statement creates are left
/// out; lock levels below SHARE UPDATE EXCLUSIVE (reads, DML) are not
/// counted, nor are CONCURRENTLY forms that let reads and writes through.
fn locked_tables(cx: &StmtCtx<'_>) -> Vec<TableRef> {
    let mut rvs: Vec<&pb::RangeVar> = Vec::new();
    let mut out: Vec<TableRef> = Vec::new();
    match &cx.stmt.node {
        NodeEnum::AlterTableStmt(s) => {
            match s.objtype() {
                O::ObjectTable | O::ObjectView | O::ObjectMatview | O::ObjectForeignTable => {
                    rvs.extend(s.relation.as_ref());
                }
                O::ObjectIndex => {
                    if let Some(rv) = &s.relation {
                        let schema = (!rv.schemaname.is_empty()).then_some(rv.schemaname.as_str());
                        out.extend(index_owner(cx, schema, &rv.relname));
                    }
                }
                _ => {}
            }
            // ADD FOREIGN KEY also locks the referenced table (SHARE ROW EXCLUSIVE).
            for cmd in alter_table_cmds(s) {
                let column = added_column(cmd).into_iter().flat_map(column_constraints);
                let constraints = added_constraint(cmd).into_iter().chain(column);
                rvs.extend(constraints.filter_map(referenced_table));
            }
        }
        NodeEnum::CreateStmt(s) => {
            // PARTITION OF / INHERITS lock the parent; REFERENCES locks the
            // referenced table. The new table itself is no one's yet.
            rvs.extend(s.inh_relations.iter().filter_map(range_var));
            let this = s.relation.as_ref();
            for node in s.table_elts.iter().chain(&s.constraints) {
                let constraints: Vec<&pb::Constraint> = match &node.node {
                    Some(NodeEnum::ColumnDef(col)) => column_constraints(col).collect(),
                    Some(NodeEnum::Constraint(c)) => vec![c.as_ref()],
                    _ => Vec::new(),
                };
                rvs.extend(
                    constraints
                        .into_iter()
                        .filter_map(referenced_table)
                        .filter(|rv| !this.is_some_and(|t| same_relation(t, rv))),
                );
            }
        }
        NodeEnum::IndexStmt(s) if !s.concurrent => rvs.extend(s.relation.as_ref()),
        NodeEnum::DropStmt(s) => {
            for names in s.objects.iter().filter_map(name_list) {
                match s.remove_type() {
                    O::ObjectTable | O::ObjectView | O::ObjectMatview | O::ObjectForeignTable => {
                        out.extend(named_table(cx, names));
                    }
                    O::ObjectIndex if !s.concurrent => {
                        if let Some((schema, name)) = ast::split_name(names) {
                            out.extend(index_owner(cx, schema.as_deref(), &name));
                        }
                    }
                    // [table name parts..., trigger/policy/rule name]
                    O::ObjectTrigger | O::ObjectPolicy | O::ObjectRule => {
                        if let Some((_, table)) = names.split_last() {
                            out.extend(named_table(cx, table));
                        }
                    }
                    _ => {}
                }
            }
        }
        NodeEnum::TruncateStmt(s) => rvs.extend(s.relations.iter().filter_map(range_var)),
        NodeEnum::LockStmt(s) => rvs.extend(s.relations.iter().filter_map(range_var)),
        // Even CONCURRENTLY takes an EXCLUSIVE lock on the view.
        NodeEnum::RefreshMatViewStmt(s) => rvs.extend(s.relation.as_ref()),
        NodeEnum::ReindexStmt(s) if !has_option(&s.params, "concurrently") => match s.kind() {
            pb::ReindexObjectType::ReindexObjectTable => rvs.extend(s.relation.as_ref()),
            pb::ReindexObjectType::ReindexObjectIndex => {
                if let Some(rv) = &s.relation {
                    let schema = (!rv.schemaname.is_empty()).then_some(rv.schemaname.as_str());
                    out.extend(index_owner(cx, schema, &rv.relname));
                }
            }
            _ => {}
        },
        NodeEnum::ClusterStmt(s) => rvs.extend(s.relation.as_ref()),
        // Plain VACUUM lets reads and writes through; FULL rewrites the table.
        NodeEnum::VacuumStmt(s) if s.is_vacuumcmd && has_option(&s.options, "full") => {
            for rel in &s.rels {
                if let Some(NodeEnum::VacuumRelation(v)) = &rel.node {
                    rvs.extend(v.relation.as_ref());
                }
            }
        }
        NodeEnum::CreateTrigStmt(s) => rvs.extend(s.relation.iter().chain(&s.constrrel)),
        NodeEnum::CreatePolicyStmt(s) => rvs.extend(s.table.as_ref()),
        NodeEnum::AlterPolicyStmt(s) => rvs.extend(s.table.as_ref()),
        NodeEnum::RuleStmt(s) => rvs.extend(s.relation.as_ref()),
        NodeEnum::RenameStmt(s) => match s.rename_type() {
            O::ObjectTable
            | O::ObjectView
            | O::ObjectMatview
            | O::ObjectForeignTable
            | O::ObjectColumn
            | O::ObjectTabconstraint
            | O::ObjectTrigger
            | O::ObjectPolicy
            | O::ObjectRule => rvs.extend(s.relation.as_ref()),
            O::ObjectIndex => {
                if let Some(rv) = &s.relation {
                    let schema = (!rv.schemaname.is_empty()).then_some(rv.schemaname.as_str());
                    out.extend(index_owner(cx, schema, &rv.relname));
                }
            }
            _ => {}
        },
        NodeEnum::AlterObjectSchemaStmt(s) => {
            if matches!(
                s.object_type(),
                O::ObjectTable | O::ObjectView | O::ObjectMatview | O::ObjectForeignTable
            ) {
                rvs.extend(s.relation.as_ref());
            }
        }
        _ => {}
    }
    out.extend(rvs.into_iter().map(|rv| cx.table(rv)));
    out
}

fn range_var(node: &pb::Node) -> Option<&pb::RangeVar> {
    match &node.node {
        Some(NodeEnum::RangeVar(rv)) => Some(rv),
        _ => None,
    }
}

fn name_list(node: &pb::Node) -> Option<&[pb::Node]> {
    match &node.node {
        Some(NodeEnum::List(l)) => Some(&l.items),
        _ => None,
    }
}

/// The table a `REFERENCES` constraint points at.
fn referenced_table(c: &pb::Constraint) -> Option<&pb::RangeVar> {
    (c.contype() == pb::ConstrType::ConstrForeign)
        .then_some(c.pktable.as_ref())
        .flatten()
}

/// Whether two written names can be the same relation (a table that
/// references itself while it is being created).
fn same_relation(a: &pb::RangeVar, b: &pb::RangeVar) -> bool {
    a.relname == b.relname
        && (a.schemaname.is_empty() || b.schemaname.is_empty() || a.schemaname == b.schemaname)
}

/// A table or view from a name list (`{schema, name}` or `{name}`).
fn named_table(cx: &StmtCtx<'_>, names: &[pb::Node]) -> Option<TableRef> {
    let (schema, name) = ast::split_name(names)?;
    let (Ok(qn) | Err(qn)) =
        resolve::relation(cx.catalog, cx.search_path, schema.as_deref(), &name);
    Some(cx.table_named(qn))
}

/// The table an index belongs to, when the catalog knows the index.
fn index_owner(cx: &StmtCtx<'_>, schema: Option<&str>, name: &str) -> Option<TableRef> {
    let index = Ident::new(name);
    let schemas: Vec<Ident> = match schema {
        Some(s) => vec![Ident::new(s)],
        None => cx.search_path.to_vec(),
    };
    schemas.iter().find_map(|s| {
        cx.catalog
            .tables
            .values()
            .find(|t| &t.name.schema == s && t.indexes.iter().any(|i| i.name == index))
            .map(|t| cx.table_named(t.name.clone()))
    })
}

/// `(CONCURRENTLY)`, `(FULL)`, ... in a parenthesized option list, unless set to false.
fn has_option(options: &[pb::Node], name: &str) -> bool {
    ast::def_elems(options)
        .any(|d| d.defname == name && ast::def_arg_text(d).as_deref() != Some("false"))
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "require-timeout-settings";
    const CREATE: &str = "create table public.t (id bigint primary key, n int);";

    #[test]
    fn table_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter table public.t add column m int;"),
        ])
        .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 require-timeout-settings warning [public.t] this statement locks `public.t` while neither `lock_timeout` nor `statement_timeout` is set"
        );
    }

    #[test]
    fn table_created_earlier_in_the_same_file_is_quiet() {
        case(&format!(
            "{CREATE}\nalter table public.t add column m int;\ncreate index on public.t (n);"
        ))
        .quiet(RULE);
    }

    #[test]
    fn both_timeouts_set_first_is_quiet() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "set lock_timeout = '1s';\nset statement_timeout = '5s';\nalter table public.t add column m int;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn the_missing_timeout_is_named() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "set local lock_timeout = '1s';\nalter table public.t add column m int;",
            ),
        ])
        .fires(RULE);
        assert!(
            out.contains("while `statement_timeout` is not set"),
            "{out}"
        );
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "select set_config('statement_timeout', '5s', false);\ndrop table public.t;",
            ),
        ])
        .fires(RULE);
        assert!(out.contains("while `lock_timeout` is not set"), "{out}");
    }

    #[test]
    fn a_timeout_switched_off_again_counts_as_missing() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "set lock_timeout = '1s';\nset statement_timeout = '5s';\nset lock_timeout = 0;\ntruncate public.t;",
            ),
        ])
        .fires(RULE);
    }

    #[test]
    fn timeouts_do_not_carry_over_to_the_next_file() {
        files(&[
            (
                "1.sql",
                &format!("set lock_timeout = '1s';\nset statement_timeout = '5s';\n{CREATE}"),
            ),
            ("2.sql", "create index t_n_idx on public.t (n);"),
        ])
        .fires(RULE);
    }

    #[test]
    fn every_locking_statement_is_reported() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add column m int;\nalter table public.t add column o int;",
            ),
        ])
        .fires(RULE);
        assert_eq!(out.lines().count(), 2, "{out}");
    }

    #[test]
    fn concurrent_index_and_dml_are_quiet() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create index concurrently t_n_idx on public.t (n);\nupdate public.t set n = 0;\nselect * from public.t;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn new_table_referencing_an_existing_one_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create table public.c (id bigint primary key, t_id bigint references public.t (id));",
            ),
        ])
        .fires(RULE);
        assert!(out.contains("[public.t]"), "{out}");
    }

    #[test]
    fn new_table_referencing_itself_is_quiet() {
        case("create table public.c (id bigint primary key, parent bigint references public.c (id));")
            .quiet(RULE);
    }

    #[test]
    fn trigger_policy_and_drop_index_find_their_table() {
        let setup = "create table public.t (id bigint primary key, n int);\ncreate index t_n_idx on public.t (n);\ncreate function public.f() returns trigger language plpgsql as $$ begin return new; end $$;";
        for stmt in [
            "create trigger t_f before insert on public.t for each row execute function public.f();",
            "create policy p on public.t for select using (true);",
            "drop index public.t_n_idx;",
            "alter index public.t_n_idx rename to t_n_idx2;",
            "drop trigger if exists tr on public.t;",
        ] {
            let out = files(&[("1.sql", setup), ("2.sql", stmt)]).fires(RULE);
            assert!(out.contains("[public.t]"), "{stmt}: {out}");
        }
    }

    #[test]
    fn unknown_table_counts_as_existing() {
        case("alter table legacy add column m int;").fires(RULE);
    }

    #[test]
    fn size_from_the_database_sets_the_severity() {
        let out = case("alter table public.t add column m int;")
            .live(&[("public", "t", 2_500_000.0, 400 << 20)])
            .fires(RULE);
        assert!(
            out.contains(" error ") && out.contains("2,500,000 rows"),
            "{out}"
        );
    }

    #[test]
    fn off_by_default() {
        assert_eq!(
            crate::rules::find(RULE).map(|r| r.doc.default_enabled),
            Some(false)
        );
    }
}
