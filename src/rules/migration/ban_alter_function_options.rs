//! `ALTER FUNCTION / PROCEDURE / ROUTINE` changing how an existing routine
//! runs (SECURITY, SET, volatility, ...). Docs: rules/ban-alter-function-options.yaml.

use pg_query::protobuf as pb;
use pg_query::NodeEnum;

use crate::rules::support::changes::{new_in_this_file, setting_phrase};
use crate::rules::support::drops::{functions, kind_noun};
use crate::rules::{StatementRule, StmtCtx};
use crate::sql::ast;

pub struct BanAlterFunctionOptions;

impl StatementRule for BanAlterFunctionOptions {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let NodeEnum::AlterFunctionStmt(s) = &cx.stmt.node else {
            return;
        };
        let Some(f) = s.func.as_ref() else { return };
        let Some((name, overloads)) = functions(cx, f) else {
            return;
        };
        // Routines this file made have no deployed caller yet.
        if !overloads.is_empty() && overloads.iter().all(|o| new_in_this_file(cx, &o.origin)) {
            return;
        }
        let options: Vec<String> = ast::def_elems(&s.actions).map(option_phrase).collect();
        if options.is_empty() {
            return;
        }
        let message = format!(
            "changing {} of {} `{name}` changes how every call to it runs",
            options.join(", "),
            kind_noun(s.objtype())
        );
        cx.report(&name, Some(cx.stmt.span), message);
    }
}

/// How a message names one option: `SECURITY DEFINER`, `SET search_path`, ...
fn option_phrase(d: &pb::DefElem) -> String {
    let arg = ast::def_arg_text(d).map(|a| a.to_ascii_lowercase());
    let on = arg.as_deref() != Some("false");
    let text = match d.defname.as_str() {
        "security" if on => "SECURITY DEFINER".to_string(),
        "security" => "SECURITY INVOKER".to_string(),
        "strict" if on => "STRICT".to_string(),
        "strict" => "CALLED ON NULL INPUT".to_string(),
        "leakproof" if on => "LEAKPROOF".to_string(),
        "leakproof" => "NOT LEAKPROOF".to_string(),
        "volatility" | "parallel" => {
            let value = arg.unwrap_or_default().to_ascii_uppercase();
            if d.defname == "parallel" {
                format!("PARALLEL {value}")
            } else {
                value
            }
        }
        "set" => match d.arg.as_deref().and_then(|a| a.node.as_ref()) {
            Some(NodeEnum::VariableSetStmt(v)) => setting_phrase(v),
            _ => "SET".to_string(),
        },
        other => other.to_ascii_uppercase(),
    };
    format!("`{text}`")
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-alter-function-options";
    const CREATE: &str = "create function public.f(n int) returns int language sql as $$ select n $$;";

    #[test]
    fn a_function_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter function public.f(int) security definer set search_path = '';",
            ),
        ])
        .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-alter-function-options warning [public.f] changing `SECURITY DEFINER`, `SET search_path` of function `public.f` changes how every call to it runs"
        );
        let out = files(&[("1.sql", CREATE), ("2.sql", "alter function public.f stable;")])
            .fires(RULE);
        assert!(out.contains("`STABLE`"), "{out}");
    }

    #[test]
    fn a_function_made_in_the_same_file_is_quiet() {
        case(&format!("{CREATE}\nalter function public.f(int) set search_path = '';")).quiet(RULE);
        // Also when CREATE OR REPLACE made it: none existed before.
        case("create or replace function public.g() returns int language sql as $$ select 1 $$;\n\
              alter function public.g() set search_path = '';")
            .quiet(RULE);
    }

    #[test]
    fn a_function_replaced_in_the_same_file_may_be_older_and_fires() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create or replace function public.f(n int) returns int language sql as $$ select n + 1 $$;\n\
                 alter function public.f(int) set search_path = '';",
            ),
        ])
        .fires(RULE);
    }

    #[test]
    fn owner_rename_and_schema_are_not_this_rule() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter function public.f(int) owner to postgres;\nalter function public.f(int) rename to g;",
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
