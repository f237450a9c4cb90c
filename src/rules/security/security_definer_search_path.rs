//! SECURITY DEFINER functions whose search_path is not pinned, or pinned
//! unsafely. Docs: rules/security-definer-search-path.yaml.

use crate::catalog::{Catalog, Span};
use crate::findings::remedy::Remedy;
use crate::findings::Severity;
use crate::rules::support::search_path::problem;
use crate::rules::{SchemaCtx, SchemaRule};

pub struct SecurityDefinerSearchPath;

impl SchemaRule for SecurityDefinerSearchPath {
    fn check(&self, cx: &mut SchemaCtx<'_>) {
        let path_changes = unreplayed_path_changes(cx.catalog);
        for f in cx.catalog.user_functions().filter(|f| f.security_definer) {
            if let Some(problem) = problem(cx.catalog, f.config.get("search_path")) {
                // Point at the SET clause when there is one: that is what to change.
                let span = f.search_path_span.or(f.origin.span());
                let message = format!("function `{}` is SECURITY DEFINER {problem}", f.name);
                let remedy = Remedy::pin_search_path(f);
                // The first such block after the function.
                let block = span
                    .and_then(|span| {
                        path_changes
                            .iter()
                            .find(|at| (at.file.0, at.start) > (span.file.0, span.start))
                    })
                    .map(|at| cx.files.get(at.file.0 as usize).cloned().unwrap_or_default());
                match block {
                    // Certain no longer: a warning that says why.
                    Some(file) => cx.report_fixable_with_severity(
                        Severity::Warning,
                        &f.name,
                        span,
                        format!("{message}, unless a later DO block pgvet could not replay sets it (in `{file}`)"),
                        remedy,
                    ),
                    None => cx.report_fixable(&f.name, span, message, remedy),
                }
            }
        }
    }
}

/// Where the DO blocks pgvet could not replay that may set functions'
/// search_path are (`ALTER FUNCTION ... SET search_path` in a loop over
/// pg_proc, the hardening idiom), in replay order; read once per run.
fn unreplayed_path_changes(cat: &Catalog) -> Vec<Span> {
    cat.anonymous_blocks
        .iter()
        .filter(|b| {
            let body = b.body.to_ascii_lowercase();
            body.contains("search_path") && body.contains("alter function")
        })
        .filter_map(|b| b.origin.span())
        .collect()
}

#[cfg(test)]
mod set_clause_span {
    use crate::rules::testing::fires;

    #[test]
    fn an_unsafe_search_path_points_at_its_set_clause() {
        let out = fires(
            "security-definer-search-path",
            "create function public.f() returns int\n  language sql security definer\n  set search_path = public\n  as $$ select 1 $$;",
        );
        assert!(out.starts_with("test.sql:3:3 "), "{out}");
    }

    #[test]
    fn a_missing_search_path_points_at_the_function() {
        let out = fires(
            "security-definer-search-path",
            "create function public.f() returns int\n  language sql security definer\n  as $$ select 1 $$;",
        );
        assert!(out.starts_with("test.sql:1:1 "), "{out}");
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet};

    const RULE: &str = "security-definer-search-path";
    const BODY: &str = "returns int language sql security definer as $$ select 1 $$";

    #[test]
    fn a_later_do_block_that_may_pin_it_makes_a_warning() {
        let hardening = "do $$ declare r record; begin\n\
              for r in select p.oid::regprocedure as sig from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public' loop\n\
                execute format('alter function %s set search_path = ''''', r.sig);\n\
              end loop;\n\
            end $$;";
        let out = fires(RULE, &format!("create function public.f() {BODY};\n{hardening}"));
        assert!(
            out.contains("unless a later DO block pgvet could not replay sets it (in `test.sql`)"),
            "{out}"
        );
        // Before the function, it cannot have pinned it.
        let out = fires(RULE, &format!("{hardening}\ncreate function public.f() {BODY};"));
        assert!(!out.contains("unless"), "{out}");
    }

    #[test]
    fn fires_without_set() {
        let out = fires(RULE, &format!("create function public.f() {BODY};"));
        assert!(out.contains("does not pin its search_path"), "{out}");
    }

    #[test]
    fn procedure_fires_too() {
        fires(
            RULE,
            "create procedure public.p() language sql security definer as $$ select 1 $$;",
        );
    }

    #[test]
    fn alter_function_set_search_path_fixes_it() {
        quiet(
            RULE,
            &format!("create function public.f() {BODY};\nalter function public.f() set search_path = '';"),
        );
    }

    #[test]
    fn alter_function_reset_brings_it_back() {
        fires(
            RULE,
            &format!("create function public.f() {BODY} set search_path = '';\nalter function public.f() reset search_path;"),
        );
    }

    #[test]
    fn invoker_function_is_not_this_rule() {
        quiet(
            RULE,
            "create function public.f() returns int language sql as $$ select 1 $$;",
        );
    }

    #[test]
    fn create_or_replace_without_set_fires_again() {
        fires(
            RULE,
            &format!("create function public.f() {BODY} set search_path = '';\ncreate or replace function public.f() {BODY};"),
        );
    }

    #[test]
    fn catalog_and_temp_last_is_safe() {
        quiet(
            RULE,
            &format!("create function public.f() {BODY} set search_path = pg_catalog, pg_temp;"),
        );
    }

    #[test]
    fn public_with_temp_last_is_safe_when_only_the_owner_creates_there() {
        // PostgreSQL 15 and Supabase give CREATE on public to its owner only.
        quiet(
            RULE,
            &format!("create function public.f() {BODY} set search_path = public, pg_temp;"),
        );
        quiet(
            RULE,
            &format!("create function public.f() {BODY} set search_path to 'public, extensions, pg_temp';"),
        );
    }

    #[test]
    fn schema_others_can_create_in_fires_and_says_who() {
        let out = fires(
            RULE,
            &format!(
                "create schema app;\ngrant create on schema app to authenticated;\n\
                 create function public.f() {BODY} set search_path = app, pg_temp;"
            ),
        );
        // At the SET clause, after the body on the same line.
        assert!(out.starts_with("test.sql:3:88 "), "{out}");
        assert!(
            out.contains("includes `app`, where `authenticated` can create"),
            "{out}"
        );
    }

    #[test]
    fn public_create_for_public_fires() {
        let out = fires(
            RULE,
            &format!(
                "grant create on schema public to public;\n\
                 create function public.f() {BODY} set search_path = public, pg_temp;"
            ),
        );
        assert!(out.contains("every role (PUBLIC)"), "{out}");
    }

    #[test]
    fn revoked_create_is_safe_again() {
        quiet(
            RULE,
            &format!(
                "create schema app;\ngrant create on schema app to anon;\nrevoke create on schema app from anon;\n\
                 create function public.f() {BODY} set search_path = app, pg_temp;"
            ),
        );
    }

    #[test]
    fn temp_first_fires() {
        let out = fires(
            RULE,
            &format!("create function public.f() {BODY} set search_path = pg_temp, public;"),
        );
        assert!(out.contains("lists `pg_temp` before `public`"), "{out}");
    }

    #[test]
    fn temp_not_listed_fires() {
        let out = fires(
            RULE,
            &format!("create function public.f()\n  {BODY}\n  set search_path = public;"),
        );
        assert!(out.starts_with("test.sql:3:3 "), "{out}");
        assert!(out.contains("does not list `pg_temp` last"), "{out}");
    }
}
