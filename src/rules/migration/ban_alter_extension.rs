//! `ALTER EXTENSION ... UPDATE` and `ALTER EXTENSION ... DROP` of an existing
//! extension. Docs: rules/ban-alter-extension.yaml.

use pg_query::NodeEnum;

use crate::catalog::{Ident, QualifiedName};
use crate::rules::support::changes::new_in_this_file;
use crate::rules::support::drops::kind_noun;
use crate::rules::{StatementRule, StmtCtx};
use crate::sql::ast;

pub struct BanAlterExtension;

impl StatementRule for BanAlterExtension {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let (extension, change) = match &cx.stmt.node {
            NodeEnum::AlterExtensionStmt(s) => {
                let version = ast::def_elems(&s.options)
                    .find(|d| d.defname == "new_version")
                    .and_then(ast::def_arg_text);
                let change = match version {
                    Some(v) => format!("updating extension `{}` to version `{v}`", s.extname),
                    None => format!("updating extension `{}`", s.extname),
                };
                (s.extname.as_str(), change)
            }
            // ADD takes an object in; DROP lets one go.
            NodeEnum::AlterExtensionContentsStmt(s) if s.action < 0 => (
                s.extname.as_str(),
                format!(
                    "taking a {} out of extension `{}`",
                    kind_noun(s.objtype()),
                    s.extname
                ),
            ),
            _ => return,
        };
        let name = Ident::new(extension);
        // An extension this file installed has no deployed user yet.
        if cx
            .catalog
            .extensions
            .get(&name)
            .is_some_and(|e| new_in_this_file(cx, &e.origin))
        {
            return;
        }
        let message = format!(
            "{change} can change or remove the functions, types and operators code uses from it"
        );
        cx.report(
            &QualifiedName::new("pg_extension", name),
            Some(cx.stmt.span),
            message,
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-alter-extension";

    #[test]
    fn an_extension_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", "create extension if not exists citext with schema extensions;"),
            ("2.sql", "alter extension citext update to '1.6';"),
        ])
        .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-alter-extension warning [pg_extension.citext] updating extension `citext` to version `1.6` can change or remove the functions, types and operators code uses from it"
        );
        // One the migrations never installed (the platform's, or by hand).
        case("alter extension pg_stat_statements update;").fires(RULE);
    }

    #[test]
    fn an_extension_installed_in_the_same_file_is_quiet() {
        case("create extension if not exists citext with schema extensions;\nalter extension citext update;")
            .quiet(RULE);
    }

    #[test]
    fn dropping_a_member_fires_and_adding_one_is_quiet() {
        let out = case("alter extension hstore drop function public.legacy_fn(int);").fires(RULE);
        assert!(out.contains("taking a function out of extension `hstore`"), "{out}");
        case("alter extension hstore add function public.legacy_fn(int);").quiet(RULE);
    }

    #[test]
    fn off_by_default() {
        assert_eq!(
            crate::rules::find(RULE).map(|r| r.doc.default_enabled),
            Some(false)
        );
    }
}
