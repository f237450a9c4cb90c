//! `ALTER COLUMN ... SET DEFAULT` on an existing table or view, and `ALTER
//! DOMAIN ... SET DEFAULT`. Docs: rules/ban-set-default.yaml.

use pg_query::protobuf::{self as pb, ObjectType};
use pg_query::NodeEnum;

use crate::catalog::Ident;
use crate::rules::support::changes::relation_new_in_this_file;
use crate::rules::support::drops::altered_domain;
use crate::rules::support::migration::{added_column, alter_table_cmds, column_is_new};
use crate::rules::{StatementRule, StmtCtx};

pub struct BanSetDefault;

impl StatementRule for BanSetDefault {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        match &cx.stmt.node {
            NodeEnum::AlterDomainStmt(s) if s.subtype == "T" && s.def.is_some() => {
                let Some((domain, new)) = altered_domain(cx, s) else {
                    return;
                };
                if !new {
                    let message = format!(
                        "setting the default of domain `{domain}` changes what inserts that leave its columns out write"
                    );
                    cx.report(&domain, Some(cx.stmt.span), message);
                }
            }
            NodeEnum::AlterTableStmt(s) => table(cx, s),
            _ => {}
        }
    }
}

fn table(cx: &mut StmtCtx<'_>, s: &pb::AlterTableStmt) {
    if !matches!(
        s.objtype(),
        ObjectType::ObjectTable | ObjectType::ObjectForeignTable | ObjectType::ObjectView
    ) {
        return;
    }
    let Some(rv) = s.relation.as_ref() else {
        return;
    };
    let name = cx.table(rv).name;
    // A table or view made in this file has no deployed writer yet.
    if relation_new_in_this_file(cx, &name) {
        return;
    }
    let added: Vec<Ident> = alter_table_cmds(s)
        .filter_map(added_column)
        .map(|c| Ident::new(c.colname.as_str()))
        .collect();
    for cmd in alter_table_cmds(s) {
        // DROP DEFAULT carries no expression; that is ban-drop-default's.
        if cmd.subtype() != pb::AlterTableType::AtColumnDefault || cmd.def.is_none() {
            continue;
        }
        let column = Ident::new(cmd.name.as_str());
        // A column this file (or this statement) added is written by no
        // deployed code: inserts that leave it out had no other value.
        if added.contains(&column) || column_is_new(cx, &name, column.as_str()) {
            continue;
        }
        let message = format!(
            "setting the default of column `{column}` of `{name}` changes what inserts that leave it out write"
        );
        cx.report(&name, Some(cx.stmt.span), message);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-set-default";
    const CREATE: &str = "create table public.t (id bigint primary key, status text);\n\
                          create domain public.code as text;";

    #[test]
    fn a_column_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter table public.t alter column status set default 'new';"),
        ])
        .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-set-default warning [public.t] setting the default of column `status` of `public.t` changes what inserts that leave it out write"
        );
        files(&[("1.sql", CREATE), ("2.sql", "alter domain public.code set default 'x';")])
            .fires(RULE);
    }

    #[test]
    fn a_table_column_or_domain_made_in_this_file_is_quiet() {
        case(&format!(
            "{CREATE}\nalter table public.t alter column status set default 'new';\nalter domain public.code set default 'x';"
        ))
        .quiet(RULE);
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add column source text;\n\
                 alter table public.t alter column source set default 'web';\n\
                 alter table public.t add column kind text, alter column kind set default 'a';",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn dropping_a_default_is_not_this_rule() {
        files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter table public.t alter column status drop default;"),
        ])
        .quiet(RULE);
    }

    #[test]
    fn a_view_column_fires() {
        files(&[
            (
                "1.sql",
                "create table public.t (id bigint primary key, status text);\ncreate view public.v as select id, status from public.t;",
            ),
            ("2.sql", "alter view public.v alter column status set default 'new';"),
        ])
        .fires(RULE);
    }

    #[test]
    fn off_by_default() {
        assert_eq!(
            crate::rules::find(RULE).map(|r| r.doc.default_enabled),
            Some(false)
        );
    }
}
