//! `DROP NOT NULL` on a column of an existing table or on a domain. Docs: rules/ban-drop-not-null.yaml.

use pg_query::protobuf as pb;
use pg_query::NodeEnum;

use crate::catalog::{resolve, Ident, QualifiedName};
use crate::rules::support::migration::{alter_table_cmds, later_in_file, names_table};
use crate::rules::{StatementRule, StmtCtx};
use crate::sql::ast;

pub struct BanDropNotNull;

impl StatementRule for BanDropNotNull {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        match &cx.stmt.node {
            NodeEnum::AlterTableStmt(s) => table_columns(cx, s),
            NodeEnum::AlterDomainStmt(s) => domain(cx, s),
            _ => {}
        }
    }
}

fn table_columns(cx: &mut StmtCtx<'_>, s: &pb::AlterTableStmt) {
    if !matches!(
        s.objtype(),
        pb::ObjectType::ObjectTable | pb::ObjectType::ObjectForeignTable
    ) {
        return;
    }
    let Some(rv) = s.relation.as_ref() else {
        return;
    };
    let table = cx.table(rv);
    for cmd in alter_table_cmds(s) {
        if cmd.subtype() != pb::AlterTableType::AtDropNotNull {
            continue;
        }
        // Dropped for a backfill and set again later in the same file
        // (one transaction): code never sees the column nullable.
        if set_again_later(cx, &table.name, &cmd.name) {
            continue;
        }
        cx.report_unless_new(
            &table,
            Some(cx.stmt.span),
            format!(
                "dropping NOT NULL on `{}` lets `{}` hold NULLs that code reading it may not expect",
                cmd.name, table.name
            ),
        );
    }
}

/// Whether a later statement of the file sets NOT NULL on `column` again.
fn set_again_later(cx: &StmtCtx<'_>, table: &QualifiedName, column: &str) -> bool {
    let column = Ident::new(column);
    later_in_file(cx.stmt, "set not null").iter().any(|later| {
        let NodeEnum::AlterTableStmt(s) = &later.node else {
            return false;
        };
        s.relation.as_ref().is_some_and(|rv| names_table(rv, table))
            && alter_table_cmds(s).any(|c| {
                c.subtype() == pb::AlterTableType::AtSetNotNull
                    && Ident::new(c.name.as_str()) == column
            })
    })
}

/// `ALTER DOMAIN ... DROP NOT NULL` (subtype `N`): every column of the domain
/// starts accepting NULL.
fn domain(cx: &mut StmtCtx<'_>, s: &pb::AlterDomainStmt) {
    if s.subtype != "N" {
        return;
    }
    let Some((schema, name)) = ast::split_name(&s.type_name) else {
        return;
    };
    let schema = schema
        .map(Ident::new)
        .or_else(|| resolve::user_type_schema(cx.catalog, cx.search_path, &name))
        .unwrap_or_else(|| Ident::new("public"));
    let qn = QualifiedName::new(schema, Ident::new(name));
    // A domain created earlier in this file has no users yet.
    let new_here = cx
        .catalog
        .types
        .get(&qn)
        .and_then(|t| t.origin.span())
        .is_some_and(|span| span.file == cx.stmt.span.file);
    if new_here {
        return;
    }
    let span = Some(cx.stmt.span);
    cx.report(
        &qn,
        span,
        format!("dropping NOT NULL on domain `{qn}` lets every column of that type hold NULLs"),
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-drop-not-null";
    const CREATE: &str = "create table public.t (id bigint primary key, email text not null);";
    const DROP: &str = "alter table public.t alter column email drop not null;";

    #[test]
    fn table_from_an_earlier_file_fires() {
        let out = files(&[("1.sql", CREATE), ("2.sql", DROP)]).fires(RULE);
        assert!(out.starts_with("2.sql:1:1 "), "{out}");
        assert!(
            out.contains("dropping NOT NULL on `email` lets `public.t` hold NULLs"),
            "{out}"
        );
    }

    #[test]
    fn dropped_for_a_backfill_and_set_again_in_the_same_file_is_quiet() {
        let backfill = format!(
            "{DROP}\nupdate public.t set email = 'x' where email is null;\n\
             alter table public.t alter column email set not null;"
        );
        files(&[("1.sql", CREATE), ("2.sql", &backfill)]).quiet(RULE);
        // Set again on another column, or in a later file: still reported.
        let other = format!("{DROP}\nalter table public.t alter column id set not null;");
        files(&[("1.sql", CREATE), ("2.sql", &other)]).fires(RULE);
        files(&[
            ("1.sql", CREATE),
            ("2.sql", DROP),
            (
                "3.sql",
                "alter table public.t alter column email set not null;",
            ),
        ])
        .fires(RULE);
    }

    #[test]
    fn table_created_earlier_in_the_same_file_is_quiet() {
        case(&format!("{CREATE}\n{DROP}")).quiet(RULE);
    }

    #[test]
    fn unknown_table_counts_as_existing() {
        case("alter table legacy alter column email drop not null;").fires(RULE);
    }

    #[test]
    fn set_not_null_is_quiet() {
        files(&[
            (
                "1.sql",
                "create table public.t (id bigint primary key, email text);",
            ),
            (
                "2.sql",
                "alter table public.t alter column email set not null;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn domain_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", "create domain public.email as text not null;"),
            ("2.sql", "alter domain public.email drop not null;"),
        ])
        .fires(RULE);
        assert!(out.contains("domain `public.email`"), "{out}");
    }

    #[test]
    fn domain_created_earlier_in_the_same_file_is_quiet() {
        case("create domain public.email as text not null;\nalter domain email drop not null;")
            .quiet(RULE);
    }

    #[test]
    fn severity_does_not_depend_on_size() {
        let out = case(DROP)
            .live(&[("public", "t", 12.0, 16 << 10)])
            .fires(RULE);
        assert!(out.contains(" warning "), "{out}");
    }
}
