//! SECURITY DEFINER functions without a pinned search_path. Docs: rules/security-definer-search-path.yaml.

use crate::rules::{SchemaCtx, SchemaRule};

pub struct SecurityDefinerSearchPath;

impl SchemaRule for SecurityDefinerSearchPath {
    fn check(&self, cx: &mut SchemaCtx<'_>) {
        for f in cx.catalog.user_functions().filter(|f| f.security_definer && !f.config.contains_key("search_path")) {
            cx.report(&f.name, f.origin.span(), format!("function `{}` is SECURITY DEFINER but does not pin its search_path", f.name));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet};

    const BODY: &str = "returns int language sql security definer as $$ select 1 $$";

    #[test]
    fn fires_without_set() {
        fires("security-definer-search-path", &format!("create function public.f() {BODY};"));
    }

    #[test]
    fn procedure_fires_too() {
        fires(
            "security-definer-search-path",
            "create procedure public.p() language sql security definer as $$ select 1 $$;",
        );
    }

    #[test]
    fn alter_function_set_search_path_fixes_it() {
        quiet("security-definer-search-path", &format!("create function public.f() {BODY};\nalter function public.f() set search_path = '';"));
    }

    #[test]
    fn alter_function_reset_brings_it_back() {
        fires(
            "security-definer-search-path",
            &format!("create function public.f() {BODY} set search_path = '';\nalter function public.f() reset search_path;"),
        );
    }

    #[test]
    fn invoker_function_is_not_this_rule() {
        quiet("security-definer-search-path", "create function public.f() returns int language sql as $$ select 1 $$;");
    }

    #[test]
    fn create_or_replace_without_set_fires_again() {
        fires(
            "security-definer-search-path",
            &format!("create function public.f() {BODY} set search_path = '';\ncreate or replace function public.f() {BODY};"),
        );
    }
}
