//! Functions that resolve names through the caller's search_path. Docs:
//! rules/function-search-path-mutable.yaml.

use crate::catalog::{Function, FunctionKind};
use crate::findings::remedy::Remedy;
use crate::rules::{SchemaCtx, SchemaRule};

pub struct FunctionSearchPathMutable;

impl SchemaRule for FunctionSearchPathMutable {
    fn check(&self, cx: &mut SchemaCtx<'_>) {
        for f in cx.catalog.user_functions().filter(|f| applies(f)) {
            cx.report_fixable(
                &f.name,
                f.origin.span(),
                format!(
                    "{} `{}` does not pin its search_path, so names in its body resolve through the caller's",
                    noun(f.kind),
                    f.name
                ),
                Remedy::pin_search_path(f),
            );
        }
    }
}

/// A function or procedure the project wrote, with a body that names things,
/// and no `SET search_path`. SECURITY DEFINER functions are
/// security-definer-search-path's; an aggregate has no body and no SET
/// clause; C and internal functions resolve no SQL names.
fn applies(f: &Function) -> bool {
    !f.security_definer
        && f.kind != FunctionKind::Aggregate
        && !matches!(f.language.as_str(), "c" | "internal")
        && !f.config.contains_key("search_path")
}

fn noun(kind: FunctionKind) -> &'static str {
    match kind {
        FunctionKind::Procedure => "procedure",
        _ => "function",
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet};

    const RULE: &str = "function-search-path-mutable";

    #[test]
    fn invoker_function_without_set_fires_at_its_create() {
        let out = fires(
            RULE,
            "select 1;\ncreate function public.f()\n  returns int language sql as $$ select 1 $$;",
        );
        assert!(out.starts_with("test.sql:2:1 "), "{out}");
        assert!(out.contains("[public.f]"), "{out}");
    }

    #[test]
    fn a_temporary_function_is_gone_after_the_migration() {
        quiet(
            RULE,
            "create function pg_temp.to_slug(t text) returns text language sql as $$ select lower(t) $$;",
        );
    }

    #[test]
    fn trigger_function_fires() {
        fires(
            RULE,
            "create function public.touch() returns trigger language plpgsql as $$ begin new.updated_at := now(); return new; end $$;",
        );
    }

    #[test]
    fn procedure_fires() {
        let out = fires(
            RULE,
            "create procedure public.p() language sql as $$ select 1 $$;",
        );
        assert!(out.contains("procedure `public.p`"), "{out}");
    }

    #[test]
    fn pinned_path_is_quiet() {
        quiet(
            RULE,
            "create function public.f() returns int language sql set search_path = '' as $$ select 1 $$;",
        );
        quiet(
            RULE,
            "create function public.f() returns int language sql as $$ select 1 $$;\nalter function public.f() set search_path = pg_catalog, pg_temp;",
        );
    }

    #[test]
    fn security_definer_is_the_other_rule() {
        quiet(
            RULE,
            "create function public.f() returns int language sql security definer as $$ select 1 $$;",
        );
    }

    #[test]
    fn aggregates_and_platform_functions_are_skipped() {
        // auth.uid() and pgcrypto's functions come with the platform; the
        // aggregate has no SET clause to add.
        quiet(
            RULE,
            "create function public.add(a int, b int) returns int language sql set search_path = '' as $$ select a + b $$;\n\
             create aggregate public.total(int) (sfunc = public.add, stype = int);\n\
             create extension if not exists citext with schema extensions;",
        );
    }

    #[test]
    fn reset_brings_it_back() {
        fires(
            RULE,
            "create function public.f() returns int language sql set search_path = '' as $$ select 1 $$;\nalter function public.f() reset search_path;",
        );
    }
}
