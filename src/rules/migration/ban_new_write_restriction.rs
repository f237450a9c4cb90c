//! A new constraint (CHECK, NOT NULL, UNIQUE, PRIMARY KEY, FOREIGN KEY,
//! EXCLUDE, a unique index) that writes existing clients make can break.
//! Docs: rules/ban-new-write-restriction.yaml.

use pg_query::protobuf::{self as pb, ConstrType as C};
use pg_query::NodeEnum;

use crate::catalog::{ConstraintKind, Ident, IndexKey, QualifiedName, Table};
use crate::rules::support::changes::relation_new_in_this_file;
use crate::rules::support::drops::{altered_domain, altered_table};
use crate::rules::support::migration::{
    added_column, added_constraint, alter_table_cmds, column_constraints, column_is_new,
    type_base_name,
};
use crate::rules::{StatementRule, StmtCtx};
use crate::sql::{ast, expr};

pub struct BanNewWriteRestriction;

impl StatementRule for BanNewWriteRestriction {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        match &cx.stmt.node {
            NodeEnum::IndexStmt(s) if s.unique => unique_index(cx, s),
            NodeEnum::AlterDomainStmt(s) => domain(cx, s),
            NodeEnum::AlterTableStmt(_) => table(cx),
            _ => {}
        }
    }
}

fn table(cx: &mut StmtCtx<'_>) {
    let Some((s, table)) = altered_table(cx, true) else {
        return;
    };
    // A table made in this file has no client whose writes could break.
    if relation_new_in_this_file(cx, &table.name) {
        return;
    }
    let name = &table.name;
    let known = cx.catalog.table(name);
    let mut found: Vec<String> = Vec::new();
    for cmd in alter_table_cmds(s) {
        if let Some(col) = added_column(cmd) {
            found.extend(restrictions_of_new_column(col));
        } else if let Some(c) = added_constraint(cmd) {
            if let Some(what) = constraint_restricts(cx, known, name, c) {
                found.push(what);
            }
        } else if cmd.subtype() == pb::AlterTableType::AtSetNotNull {
            let column = Ident::new(cmd.name.as_str());
            let col = known.and_then(|t| t.columns.iter().find(|c| c.name == column));
            // Already NOT NULL; or added by this file with a value every
            // insert that leaves it out gets.
            if col.is_some_and(|c| {
                c.not_null
                    || (column_is_new(cx, name, column.as_str())
                        && (c.identity || c.default.as_ref().is_some_and(|d| !is_null(&d.node()))))
            }) {
                continue;
            }
            found.push(format!("NOT NULL on column `{column}`"));
        } else if let Some(what) = altered_constraint_restricts(cmd) {
            found.push(what);
        }
    }
    let Some(first) = found.first() else {
        return;
    };
    let more = match found.len() {
        1 => String::new(),
        n => format!(" (and {} more)", n - 1),
    };
    let message = format!(
        "new {first}{more} makes writes to `{name}` that existing clients make fail when they break it"
    );
    cx.report(name, Some(cx.stmt.span), message);
}

/// What `ALTER CONSTRAINT` adds to what writes must pass: `ENFORCED` (a
/// constraint that was not checked starts being checked) and `NOT
/// DEFERRABLE` (a row that breaks it for a moment inside a transaction now
/// fails at once). `DEFERRABLE` alone also makes an `INITIALLY DEFERRED`
/// constraint immediate, but the catalog does not say which it was, so it
/// is left out, as are `NOT ENFORCED` and `INITIALLY DEFERRED`, which relax it.
fn altered_constraint_restricts(cmd: &pb::AlterTableCmd) -> Option<String> {
    if cmd.subtype() != pb::AlterTableType::AtAlterConstraint {
        return None;
    }
    let Some(NodeEnum::AtalterConstraint(a)) = cmd.def.as_deref().and_then(|d| d.node.as_ref())
    else {
        return None;
    };
    let name = Ident::new(a.conname.as_str());
    if a.alter_enforceability && a.is_enforced {
        Some(format!("enforcement of constraint `{name}`"))
    } else if a.alter_deferrability && !a.deferrable {
        Some(format!("NOT DEFERRABLE checking of constraint `{name}`"))
    } else {
        None
    }
}

/// What a constraint of `ADD CONSTRAINT` restricts, or None when existing
/// writers cannot notice it.
fn constraint_restricts(
    cx: &StmtCtx<'_>,
    table: Option<&Table>,
    name: &QualifiedName,
    c: &pb::Constraint,
) -> Option<String> {
    let label = |kind: &str| {
        if c.conname.is_empty() {
            kind.to_string()
        } else {
            format!("{kind} `{}`", Ident::new(c.conname.as_str()))
        }
    };
    let keys: Vec<Ident> = ast::strings(&c.keys).into_iter().map(Ident::new).collect();
    match c.contype() {
        C::ConstrCheck => Some(label("CHECK constraint")),
        C::ConstrForeign => {
            let columns: Vec<Ident> = ast::strings(&c.fk_attrs)
                .into_iter()
                .map(Ident::new)
                .collect();
            (!only_new_empty_columns(cx, table, name, &columns)).then(|| label("foreign key"))
        }
        C::ConstrUnique if !c.indexname.is_empty() => None,
        C::ConstrUnique => (c.nulls_not_distinct
            || !only_new_empty_columns(cx, table, name, &keys))
        .then(|| label("unique constraint")),
        C::ConstrPrimary if !c.indexname.is_empty() => {
            // USING INDEX: the index already rejected duplicates, so only
            // NULLs in its columns are new to refuse.
            let index = Ident::new(c.indexname.as_str());
            let all_not_null = table.is_some_and(|t| {
                t.indexes
                    .iter()
                    .find(|ix| ix.name == index)
                    .is_some_and(|ix| {
                        ix.elems.iter().all(|e| match &e.key {
                            IndexKey::Column(col) => {
                                t.columns.iter().any(|tc| &tc.name == col && tc.not_null)
                            }
                            IndexKey::Expression(_) => false,
                        })
                    })
            });
            (!all_not_null).then(|| label("primary key"))
        }
        C::ConstrPrimary => Some(label("primary key")),
        C::ConstrExclusion => Some(label("exclusion constraint")),
        C::ConstrNotnull => {
            let column = keys.first()?;
            let not_null =
                table.is_some_and(|t| t.columns.iter().any(|tc| &tc.name == column && tc.not_null));
            (!not_null).then(|| format!("NOT NULL on column `{column}`"))
        }
        _ => None,
    }
}

/// Whether every one of `columns` was added earlier in this file and has
/// no default: existing clients, which do not name them, write NULL there,
/// which a foreign key or a unique constraint accepts.
fn only_new_empty_columns(
    cx: &StmtCtx<'_>,
    table: Option<&Table>,
    name: &QualifiedName,
    columns: &[Ident],
) -> bool {
    !columns.is_empty()
        && columns.iter().all(|col| {
            column_is_new(cx, name, col.as_str())
                && table
                    .and_then(|t| t.columns.iter().find(|c| &c.name == col))
                    .is_some_and(|c| c.default.is_none() && !c.identity && !c.generated)
        })
}

/// How an added column is filled when an insert leaves it out, which is
/// what every existing client does.
#[derive(Clone, Copy, PartialEq)]
enum Fill {
    /// NULL: no default.
    Null,
    /// A new value each time: identity, serial, `nextval()`, a random UUID.
    Distinct,
    /// The same non-NULL default for every row.
    Same,
    /// Computed from the row (GENERATED ... STORED).
    Computed,
}

/// The restrictions a column added by this statement puts on existing
/// writers: only through the value they get without naming the column.
fn restrictions_of_new_column(col: &pb::ColumnDef) -> Vec<String> {
    let constraints: Vec<&pb::Constraint> = column_constraints(col).collect();
    let serial = matches!(
        col.type_name.as_ref().map(type_base_name).as_deref(),
        Some("serial" | "serial4" | "serial8" | "bigserial" | "smallserial" | "serial2")
    );
    let mut fill = if serial { Fill::Distinct } else { Fill::Null };
    for c in &constraints {
        match c.contype() {
            C::ConstrIdentity => fill = Fill::Distinct,
            C::ConstrGenerated => fill = Fill::Computed,
            C::ConstrDefault => {
                fill = match c.raw_expr.as_deref() {
                    Some(e) if is_null(e) => Fill::Null,
                    Some(e) if draws_distinct(e) => Fill::Distinct,
                    Some(_) => Fill::Same,
                    None => fill,
                }
            }
            _ => {}
        }
    }
    let column = Ident::new(col.colname.as_str());
    let mut out = Vec::new();
    for c in &constraints {
        let restricts = match c.contype() {
            C::ConstrNotnull => matches!(fill, Fill::Null | Fill::Computed),
            C::ConstrPrimary => fill != Fill::Distinct,
            C::ConstrUnique => match fill {
                Fill::Null => c.nulls_not_distinct,
                Fill::Distinct => false,
                Fill::Same | Fill::Computed => true,
            },
            C::ConstrForeign => fill != Fill::Null,
            C::ConstrCheck => true,
            _ => false,
        };
        if restricts {
            let what = match c.contype() {
                C::ConstrNotnull => "NOT NULL",
                C::ConstrPrimary => "primary key",
                C::ConstrUnique => "unique constraint",
                C::ConstrForeign => "foreign key",
                _ => "CHECK constraint",
            };
            out.push(format!("{what} on added column `{column}`"));
        }
    }
    out
}

/// `NULL`, possibly cast.
fn is_null(node: &pb::Node) -> bool {
    match &node.node {
        Some(NodeEnum::AConst(c)) => c.isnull,
        Some(NodeEnum::TypeCast(c)) => c.arg.as_deref().is_some_and(is_null),
        _ => false,
    }
}

/// A default that gives each row its own value.
fn draws_distinct(node: &pb::Node) -> bool {
    match &node.node {
        Some(NodeEnum::TypeCast(c)) => c.arg.as_deref().is_some_and(draws_distinct),
        Some(NodeEnum::FuncCall(f)) => expr::call_name(f).is_some_and(|(_, name)| {
            matches!(
                name.as_str(),
                "nextval" | "gen_random_uuid" | "uuid_generate_v4" | "uuidv4" | "uuidv7"
            )
        }),
        _ => false,
    }
}

/// `CREATE UNIQUE INDEX`: a new rule on writes, unless a unique key the
/// table already has on some of its columns implies it (the index rebuilt
/// under a new name, or widened).
fn unique_index(cx: &mut StmtCtx<'_>, s: &pb::IndexStmt) {
    let Some(rv) = s.relation.as_ref() else {
        return;
    };
    let table = cx.table(rv).name;
    if relation_new_in_this_file(cx, &table) {
        return;
    }
    let columns: Option<Vec<Ident>> = s
        .index_params
        .iter()
        .map(|p| match &p.node {
            Some(NodeEnum::IndexElem(e)) if !e.name.is_empty() => Some(Ident::new(e.name.as_str())),
            _ => None,
        })
        .collect();
    if let (Some(columns), Some(t)) = (columns, cx.catalog.table(&table)) {
        let implied =
            |keys: &[&Ident]| !keys.is_empty() && keys.iter().all(|k| columns.contains(k));
        let by_constraint = t.constraints.iter().any(|c| match &c.kind {
            ConstraintKind::PrimaryKey { columns: keys }
            | ConstraintKind::Unique { columns: keys, .. } => {
                !c.not_valid && implied(&keys.iter().collect::<Vec<_>>())
            }
            _ => false,
        });
        let by_index = t.indexes.iter().any(|ix| {
            ix.unique
                && ix.is_valid
                && ix.predicate.is_none()
                && ix
                    .leading_columns(ix.elems.len())
                    .is_some_and(|keys| implied(&keys))
        });
        if !s.nulls_not_distinct && (by_constraint || by_index) {
            return;
        }
    }
    let index = if s.idxname.is_empty() {
        "unique index".to_string()
    } else {
        format!("unique index `{}`", Ident::new(s.idxname.as_str()))
    };
    let message = format!(
        "new {index} makes writes to `{table}` that existing clients make fail when they repeat a value"
    );
    cx.report(&table, Some(cx.stmt.span), message);
}

/// `ALTER DOMAIN ... ADD CONSTRAINT` / `SET NOT NULL`.
fn domain(cx: &mut StmtCtx<'_>, s: &pb::AlterDomainStmt) {
    let what = match s.subtype.as_str() {
        "C" => "constraint",
        "O" => "NOT NULL",
        _ => return,
    };
    let Some((domain, new)) = altered_domain(cx, s) else {
        return;
    };
    // A domain made in this file types no column that clients write yet.
    if new {
        return;
    }
    let message = format!(
        "new {what} on domain `{domain}` makes writes that existing clients make to its columns fail when they break it"
    );
    cx.report(&domain, Some(cx.stmt.span), message);
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-new-write-restriction";
    const CREATE: &str =
        "create table public.t (id bigint primary key, email text, qty int, note text);\n\
                          create domain public.qty as int;";

    fn later(sql: &str) -> crate::rules::testing::Case {
        files(&[("1.sql", CREATE), ("2.sql", sql)])
    }

    #[test]
    fn alter_constraint_that_checks_more_fires() {
        let first = format!(
            "{CREATE}\ncreate table public.shipments (id bigint primary key, t_id bigint \
             constraint shipments_t_fk references public.t deferrable initially deferred);"
        );
        let alter = |change: &str| {
            let second =
                format!("alter table public.shipments alter constraint shipments_t_fk {change};");
            files(&[("1.sql", first.as_str()), ("2.sql", second.as_str())])
        };
        let out = alter("not deferrable").fires(RULE);
        assert!(
            out.contains("new NOT DEFERRABLE checking of constraint `shipments_t_fk`"),
            "{out}"
        );
        let out = alter("enforced").fires(RULE);
        assert!(out.contains("new enforcement of constraint"), "{out}");
        // Relaxing it, or a timing the catalog cannot compare, is quiet.
        for change in ["not enforced", "initially deferred", "deferrable"] {
            alter(change).quiet(RULE);
        }
    }

    #[test]
    fn constraints_on_a_table_from_an_earlier_file_fire() {
        let out =
            later("alter table public.t add constraint t_qty_check check (qty > 0) not valid;")
                .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-new-write-restriction warning [public.t] new CHECK constraint `t_qty_check` makes writes to `public.t` that existing clients make fail when they break it"
        );
        for sql in [
            "alter table public.t alter column note set not null;",
            "alter table public.t add unique (email);",
            "alter table public.t add constraint t_fk foreign key (id) references public.t (id) not valid;",
            "create unique index concurrently t_email_key on public.t (email);",
            "alter domain public.qty add constraint qty_positive check (value > 0);",
            "alter domain public.qty set not null;",
        ] {
            later(sql).fires(RULE);
        }
    }

    #[test]
    fn a_table_or_domain_made_in_the_same_file_is_quiet() {
        case(&format!(
            "{CREATE}\nalter table public.t add constraint t_qty_check check (qty > 0);\n\
             alter table public.t alter column note set not null;\n\
             create unique index t_email_key on public.t (email);\n\
             alter domain public.qty add constraint qty_positive check (value > 0);"
        ))
        .quiet(RULE);
    }

    #[test]
    fn a_new_column_restricts_only_through_what_clients_get_without_naming_it() {
        // Clients that leave the column out get the default, or a fresh value.
        later(
            "alter table public.t add column status text not null default 'new';\n\
             alter table public.t add column public_id uuid not null default gen_random_uuid() unique;\n\
             alter table public.t add column seq bigint generated always as identity primary key;\n\
             alter table public.t add column ref bigint references public.t (id);\n\
             alter table public.t add column code text unique;",
        )
        .quiet(RULE);
        for sql in [
            "alter table public.t add column status text not null;",
            "alter table public.t add column status text default 'new' check (status in ('old'));",
            "alter table public.t add column kind text default 'a' unique;",
            "alter table public.t add column parent_id bigint default 1 references public.t (id);",
        ] {
            later(sql).fires(RULE);
        }
    }

    #[test]
    fn keys_on_columns_this_file_added_without_a_value_are_quiet() {
        later(
            "alter table public.t add column parent_id bigint;\n\
             alter table public.t add constraint t_parent_fk foreign key (parent_id) references public.t (id);\n\
             alter table public.t add constraint t_parent_key unique (parent_id);",
        )
        .quiet(RULE);
        // A CHECK can refuse NULL.
        later(
            "alter table public.t add column parent_id bigint;\n\
             alter table public.t add constraint t_parent_nn check (parent_id is not null) not valid;",
        )
        .fires(RULE);
    }

    #[test]
    fn what_the_table_already_enforces_is_quiet() {
        let keyed = "create table public.t (id bigint primary key, email text not null);\n\
                     create unique index t_email_idx on public.t (email);";
        files(&[
            ("1.sql", keyed),
            (
                "2.sql",
                "alter table public.t alter column email set not null;\n\
                 alter table public.t add constraint t_email_key unique using index t_email_idx;\n\
                 create unique index concurrently t_email_id_idx on public.t (email, id);",
            ),
        ])
        .quiet(RULE);
        // A primary key on a unique index refuses only NULLs the columns allow.
        let unkeyed = "create table public.u (email text not null, phone text);\n\
                       create unique index u_email_idx on public.u (email);\n\
                       create unique index u_phone_idx on public.u (phone);";
        files(&[
            ("1.sql", unkeyed),
            (
                "2.sql",
                "alter table public.u add constraint u_pk primary key using index u_email_idx;",
            ),
        ])
        .quiet(RULE);
        files(&[
            ("1.sql", unkeyed),
            (
                "2.sql",
                "alter table public.u add constraint u_pk primary key using index u_phone_idx;",
            ),
        ])
        .fires(RULE);
    }

    #[test]
    fn several_restrictions_are_one_finding() {
        let out = later("alter table public.t add constraint a check (qty > 0), add constraint b check (qty < 100);")
            .fires(RULE);
        assert!(out.contains("(and 1 more)"), "{out}");
    }

    #[test]
    fn off_by_default() {
        assert_eq!(
            crate::rules::find(RULE).map(|r| r.doc.default_enabled),
            Some(false)
        );
    }
}
