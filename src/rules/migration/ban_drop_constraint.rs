//! `DROP CONSTRAINT` on an existing table or domain. Docs: rules/ban-drop-constraint.yaml.

use pg_query::protobuf as pb;
use pg_query::NodeEnum;

use crate::catalog::{Constraint, ConstraintKind, Ident, QualifiedName, Table};
use crate::rules::support::drops::{altered_domain, altered_table, created_in_this_file};
use crate::rules::support::migration::{
    added_constraint, alter_table_cmds, later_in_file, names_table,
};
use crate::rules::{StatementRule, StmtCtx};
use crate::sql::expr::conjuncts;
use crate::sql::plpgsql::column_ref;

pub struct BanDropConstraint;

impl StatementRule for BanDropConstraint {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        if let NodeEnum::AlterDomainStmt(s) = &cx.stmt.node {
            // `X`: DROP CONSTRAINT.
            if s.subtype != "X" {
                return;
            }
            let Some((domain, new)) = altered_domain(cx, s) else {
                return;
            };
            if !new {
                let message = format!(
                    "dropping constraint `{}` of domain `{domain}` lets every column of that type hold values it kept out",
                    Ident::new(s.name.as_str())
                );
                cx.report(&domain, Some(cx.stmt.span), message);
            }
            return;
        }
        let Some((s, table)) = altered_table(cx, true) else {
            return;
        };
        let cmds: Vec<&pb::AlterTableCmd> = alter_table_cmds(s).collect();
        for (i, cmd) in cmds.iter().enumerate() {
            if let Some(name) = unenforced(cmd) {
                // PostgreSQL 18: the constraint stays, but nothing checks it.
                let added_here = cx
                    .catalog
                    .table(&table.name)
                    .and_then(|t| t.constraints.iter().find(|c| c.name == name))
                    .is_some_and(|c| created_in_this_file(cx, &c.origin));
                if !added_here {
                    let message = format!(
                        "making constraint `{name}` of `{}` NOT ENFORCED removes a guarantee that code and data may rely on",
                        table.name
                    );
                    cx.report_unless_new(&table, Some(cx.stmt.span), message);
                }
                continue;
            }
            if cmd.subtype() != pb::AlterTableType::AtDropConstraint {
                continue;
            }
            let name = Ident::new(cmd.name.as_str());
            let existing = cx
                .catalog
                .table(&table.name)
                .and_then(|t| Some((t, t.constraints.iter().find(|c| c.name == name)?)));
            // A constraint this file added guards nothing deployed code relies on.
            let added_here = existing.is_some_and(|(_, c)| created_in_this_file(cx, &c.origin));
            let redundant =
                existing.is_some_and(|(t, c)| only_not_null_of(t, c, cmds.get(..i).unwrap_or(&[])));
            // IF EXISTS of a constraint the table (made by the migrations)
            // does not have: an earlier migration dropped it already.
            let gone = cmd.missing_ok
                && existing.is_none()
                && cx
                    .catalog
                    .table(&table.name)
                    .is_some_and(|t| matches!(t.origin, crate::catalog::Origin::Migration(_)));
            if added_here
                || redundant
                || gone
                || readded(cx, &table.name, &name, cmds.get(i + 1..).unwrap_or(&[]))
            {
                continue;
            }
            let message = format!(
                "dropping constraint `{name}` of `{}` removes a guarantee that code and data may rely on",
                table.name
            );
            cx.report_unless_new(&table, Some(cx.stmt.span), message);
        }
    }
}

/// The constraint `ALTER CONSTRAINT ... NOT ENFORCED` stops checking.
fn unenforced(cmd: &pb::AlterTableCmd) -> Option<Ident> {
    if cmd.subtype() != pb::AlterTableType::AtAlterConstraint {
        return None;
    }
    match cmd.def.as_deref().and_then(|d| d.node.as_ref()) {
        Some(NodeEnum::AtalterConstraint(a)) if a.alter_enforceability && !a.is_enforced => {
            Some(Ident::new(a.conname.as_str()))
        }
        _ => None,
    }
}

/// Whether `c` is a CHECK that only says columns are not NULL, and those
/// columns are NOT NULL by now (in the catalog, or by an earlier `SET NOT
/// NULL` of the same statement): the last step of adding NOT NULL without a
/// long lock, after which the check guarantees nothing more.
fn only_not_null_of(table: &Table, c: &Constraint, earlier: &[&pb::AlterTableCmd]) -> bool {
    let ConstraintKind::Check { expr: Some(expr) } = &c.kind else {
        return false;
    };
    let is_not_null = |column: &str| {
        table
            .columns
            .iter()
            .any(|col| col.name.as_str() == column && col.not_null)
            || earlier
                .iter()
                .any(|cmd| cmd.subtype() == pb::AlterTableType::AtSetNotNull && cmd.name == column)
    };
    let node = expr.node();
    conjuncts(&node).into_iter().all(|part| match &part.node {
        Some(NodeEnum::NullTest(t)) => {
            t.nulltesttype() == pb::NullTestType::IsNotNull
                && t.arg.as_deref().and_then(column_ref).is_some_and(
                    |parts| matches!(parts.as_slice(), [column] if is_not_null(column)),
                )
        }
        _ => false,
    })
}

/// Whether a constraint of the same name is added again before anyone can
/// see it missing: later in the same statement, or later in the file while
/// a transaction is open (the usual way to change a CHECK).
fn readded(
    cx: &StmtCtx<'_>,
    table: &QualifiedName,
    name: &Ident,
    rest: &[&pb::AlterTableCmd],
) -> bool {
    // Under its name, or (a primary key, `<table>_pkey`) as the table's
    // new primary key, which takes that name when it has none.
    let key = name.as_str() == format!("{}_pkey", table.name.as_str());
    let adds = |c: &pb::AlterTableCmd| {
        added_constraint(c).is_some_and(|k| {
            Ident::new(k.conname.as_str()) == *name
                || (key && k.conname.is_empty() && k.contype() == pb::ConstrType::ConstrPrimary)
        })
    };
    if rest.iter().any(|c| adds(c)) {
        return true;
    }
    cx.in_transaction()
        && later_in_file(
            cx.stmt,
            if key { "primary" } else { name.as_str() }
                .to_ascii_lowercase()
                .as_str(),
        )
        .iter()
        .any(|later| match &later.node {
            NodeEnum::AlterTableStmt(s) => {
                s.relation.as_ref().is_some_and(|rv| names_table(rv, table))
                    && alter_table_cmds(s).any(adds)
            }
            _ => false,
        })
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-drop-constraint";
    const CREATE: &str =
        "create table public.t (id bigint primary key, qty int constraint t_qty_check check (qty > 0));";

    #[test]
    fn table_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter table public.t drop constraint t_qty_check;"),
        ])
        .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-drop-constraint warning [public.t] dropping constraint `t_qty_check` of `public.t` removes a guarantee that code and data may rely on"
        );
    }

    #[test]
    fn table_created_earlier_in_the_same_file_is_quiet() {
        case(&format!(
            "{CREATE}\nalter table t drop constraint t_qty_check;"
        ))
        .quiet(RULE);
    }

    #[test]
    fn constraint_added_earlier_in_the_same_file_is_quiet() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add constraint t_qty_small check (qty < 100) not valid;\n\
                 alter table public.t drop constraint t_qty_small;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn constraint_added_again_under_its_name_is_quiet() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t drop constraint t_qty_check, add constraint t_qty_check check (qty >= 0) not valid;",
            ),
        ])
        .quiet(RULE);
        // In the per-file transaction, later in the file counts too.
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t drop constraint t_qty_check;\n\
                 alter table public.t add constraint t_qty_check check (qty >= 0) not valid;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn added_again_without_a_transaction_fires() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t drop constraint t_qty_check;\n\
                 alter table public.t add constraint t_qty_check check (qty >= 0) not valid;",
            ),
        ])
        .postgres()
        .fires(RULE);
    }

    #[test]
    fn each_dropped_constraint_and_unknown_tables_fire() {
        let out = case(
            "alter table if exists legacy drop constraint if exists legacy_a cascade, drop constraint legacy_b;",
        )
        .fires(RULE);
        assert_eq!(out.lines().count(), 2, "{out}");
    }

    #[test]
    fn domain_constraints_fire_unless_the_domain_is_new() {
        let create = "create domain public.qty as int constraint qty_positive check (value > 0);";
        let out = files(&[
            ("1.sql", create),
            (
                "2.sql",
                "alter domain public.qty drop constraint qty_positive;",
            ),
        ])
        .fires(RULE);
        assert!(out.contains("domain `public.qty`"), "{out}");
        case(&format!(
            "{create}\nalter domain qty drop constraint qty_positive;"
        ))
        .quiet(RULE);
    }

    #[test]
    fn a_not_null_check_made_redundant_by_set_not_null_is_quiet() {
        let add = "alter table public.t add constraint t_qty_nn check (qty is not null) not valid;";
        files(&[
            ("1.sql", CREATE),
            ("2.sql", add),
            (
                "3.sql",
                "alter table public.t validate constraint t_qty_nn;
                 alter table public.t alter column qty set not null;
                 alter table public.t drop constraint t_qty_nn;",
            ),
        ])
        .quiet(RULE);
        files(&[
            ("1.sql", CREATE),
            ("2.sql", add),
            (
                "3.sql",
                "alter table public.t alter column qty set not null, drop constraint t_qty_nn;",
            ),
        ])
        .quiet(RULE);
        // Still nullable: the check is the only guarantee.
        files(&[
            ("1.sql", CREATE),
            ("2.sql", add),
            ("3.sql", "alter table public.t drop constraint t_qty_nn;"),
        ])
        .fires(RULE);
    }

    #[test]
    fn not_enforced_fires_unless_the_constraint_is_new() {
        // PostgreSQL 18 changes the enforcement of foreign keys.
        let create = format!(
            "{CREATE}\ncreate table public.lines (id bigint primary key, \
             t_id bigint constraint lines_t_fk references public.t);"
        );
        let alter = "alter table public.lines alter constraint lines_t_fk not enforced;";
        let out = files(&[("1.sql", create.as_str()), ("2.sql", alter)]).fires(RULE);
        assert!(
            out.contains("making constraint `lines_t_fk` of `public.lines` NOT ENFORCED"),
            "{out}"
        );
        files(&[
            ("1.sql", create.as_str()),
            (
                "2.sql",
                "alter table public.lines alter constraint lines_t_fk enforced;",
            ),
        ])
        .quiet(RULE);
        case(&format!("{create}\n{alter}")).quiet(RULE);
    }

    #[test]
    fn other_subcommands_are_quiet() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t drop column qty, alter column id drop default;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn a_constraint_already_gone_or_a_key_put_back_is_quiet() {
        files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter table public.t drop constraint t_qty_check;"),
            (
                "3.sql",
                "alter table public.t drop constraint if exists t_qty_check;",
            ),
        ])
        .fires(RULE);
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter table public.t drop constraint t_qty_check;"),
            (
                "3.sql",
                "alter table public.t drop constraint if exists t_qty_check;",
            ),
        ])
        .fires(RULE);
        assert!(!out.contains("3.sql"), "{out}");
        case("alter table legacy drop constraint legacy_pkey, add primary key (code);").quiet(RULE);
    }
}
