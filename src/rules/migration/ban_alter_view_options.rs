//! `ALTER VIEW ... SET / RESET (options)` on an existing view. Docs: rules/ban-alter-view-options.yaml.

use pg_query::protobuf::{AlterTableType as At, ObjectType};
use pg_query::NodeEnum;

use crate::rules::support::changes::relation_new_in_this_file;
use crate::rules::support::migration::alter_table_cmds;
use crate::rules::{StatementRule, StmtCtx};
use crate::sql::ast;

pub struct BanAlterViewOptions;

impl StatementRule for BanAlterViewOptions {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let NodeEnum::AlterTableStmt(s) = &cx.stmt.node else {
            return;
        };
        if s.objtype() != ObjectType::ObjectView {
            return;
        }
        let Some(rv) = s.relation.as_ref() else { return };
        let name = cx.table(rv).name;
        // A view this file made has no deployed reader yet.
        if relation_new_in_this_file(cx, &name) {
            return;
        }
        let view = cx.catalog.views.get(&name);
        let mut changed: Vec<String> = Vec::new();
        for cmd in alter_table_cmds(s) {
            let reset = match cmd.subtype() {
                At::AtSetRelOptions => false,
                At::AtResetRelOptions => true,
                _ => continue,
            };
            let Some(NodeEnum::List(list)) = cmd.def.as_deref().and_then(|d| d.node.as_ref())
            else {
                continue;
            };
            for d in ast::def_elems(&list.items) {
                let value = !reset
                    && ast::def_arg_text(d).is_none_or(|v| {
                        matches!(v.to_ascii_lowercase().as_str(), "true" | "on" | "1" | "yes")
                    });
                // The value the view has already: nothing changes.
                let same = view.is_some_and(|v| match d.defname.as_str() {
                    "security_invoker" => v.security_invoker == value,
                    "security_barrier" => v.security_barrier == value,
                    _ => false,
                });
                if !same {
                    changed.push(d.defname.clone());
                }
            }
        }
        let Some(first) = changed.first() else {
            return;
        };
        let effect = match first.as_str() {
            "security_invoker" => "whose privileges and policies its queries run with",
            "security_barrier" => "which functions may see the rows it filters out",
            "check_option" => "which writes through it are refused",
            _ => "how the queries on it run",
        };
        let options = changed
            .iter()
            .map(|o| format!("`{o}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let message = format!("changing {options} of view `{name}` changes {effect}");
        cx.report(&name, Some(cx.stmt.span), message);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-alter-view-options";
    const CREATE: &str = "create table public.t (id bigint primary key);\n\
                          create view public.v as select id from public.t;";

    #[test]
    fn a_view_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter view public.v set (security_invoker = true);"),
        ])
        .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-alter-view-options warning [public.v] changing `security_invoker` of view `public.v` changes whose privileges and policies its queries run with"
        );
        files(&[("1.sql", CREATE), ("2.sql", "alter view public.v set (check_option = local);")])
            .fires(RULE);
    }

    #[test]
    fn a_view_made_in_the_same_file_is_quiet() {
        case(&format!("{CREATE}\nalter view public.v set (security_invoker = true);")).quiet(RULE);
        case("create table public.t (id bigint primary key);\n\
              create or replace view public.w as select id from public.t;\n\
              alter view public.w set (security_invoker = on);")
            .quiet(RULE);
    }

    #[test]
    fn the_value_it_has_already_is_quiet() {
        files(&[
            (
                "1.sql",
                "create table public.t (id bigint primary key);\ncreate view public.v with (security_invoker = true) as select id from public.t;",
            ),
            (
                "2.sql",
                "alter view public.v set (security_invoker = true);\nalter view public.v reset (security_barrier);",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn other_view_changes_are_not_this_rule() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter view public.v owner to postgres;\nalter view public.v rename column id to t_id;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn off_by_default() {
        assert_eq!(
            crate::rules::find(RULE).map(|r| r.doc.default_enabled),
            Some(false)
        );
    }
}
