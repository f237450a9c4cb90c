//! SECURITY DEFINER functions whose search_path is not pinned, or pinned
//! unsafely. Docs: rules/security-definer-search-path.yaml.

use crate::catalog::{Catalog, Function, Ident};
use crate::rules::{SchemaCtx, SchemaRule};

pub struct SecurityDefinerSearchPath;

impl SchemaRule for SecurityDefinerSearchPath {
    fn check(&self, cx: &mut SchemaCtx<'_>) {
        for f in cx.catalog.user_functions().filter(|f| f.security_definer) {
            if let Some(problem) = problem(cx.catalog, f) {
                // Point at the SET clause when there is one: that is what to change.
                let span = f.search_path_span.or(f.origin.span());
                cx.report(
                    &f.name,
                    span,
                    format!("function `{}` is SECURITY DEFINER {problem}", f.name),
                );
            }
        }
    }
}

/// What is wrong with the function's search_path, as the end of the message.
fn problem(cat: &Catalog, f: &Function) -> Option<String> {
    let Some(value) = f.config.get("search_path") else {
        return Some("but does not pin its search_path".to_string());
    };
    let path = entries(value);
    let mut problems = Vec::new();
    for schema in &path {
        let Some(creators) = untrusted_creators(cat, schema) else {
            continue;
        };
        problems.push(format!(
            "its search_path includes `{schema}`, where {creators} can create objects"
        ));
    }
    let temp = path.iter().position(|s| s.as_str() == "pg_temp");
    match temp {
        // `pg_temp` first or in the middle: the caller's temporary objects
        // shadow everything listed after it.
        Some(i) if i + 1 < path.len() => {
            let after: Vec<String> = path.iter().skip(i + 1).map(|s| format!("`{s}`")).collect();
            problems.push(format!(
                "its search_path lists `pg_temp` before {}, so the caller's temporary tables shadow them",
                after.join(", ")
            ));
        }
        // Not listed: PostgreSQL searches the temporary schema first for
        // tables and views. An empty path is the exception: every name in the
        // body must be qualified, so none resolves there by accident.
        None if path.iter().any(|s| s.as_str() != "pg_catalog") => {
            problems.push(format!(
                "its search_path `{value}` does not list `pg_temp` last, so the caller's temporary tables are searched first"
            ));
        }
        _ => {}
    }
    if problems.is_empty() {
        None
    } else {
        Some(format!("but {}", problems.join(" and ")))
    }
}

/// The schemas of a `SET search_path` value (`"$user", public, pg_temp`),
/// in order. `$user` names a schema per caller and is left out.
fn entries(value: &str) -> Vec<Ident> {
    value
        .split(',')
        .map(|s| s.trim().trim_matches(|c| c == '\'' || c == '"').trim())
        .filter(|s| !s.is_empty() && *s != "$user")
        .map(Ident::new)
        .collect()
}

/// Roles other than the owners and superusers that may CREATE in `schema`,
/// as a message fragment (`PUBLIC (every role)`, `` `anon` ``); None if there
/// are none or the schema is unknown.
fn untrusted_creators(cat: &Catalog, schema: &Ident) -> Option<String> {
    if schema.as_str() == "pg_temp" || schema.as_str() == "pg_catalog" {
        return None;
    }
    let sc = cat.schemas.get(schema)?;
    let names: Vec<String> = sc
        .create_grantees
        .iter()
        .filter(|g| !is_trusted(g))
        .map(|g| {
            if g.as_str() == "public" {
                "every role (PUBLIC)".to_string()
            } else {
                format!("`{g}`")
            }
        })
        .collect();
    (!names.is_empty()).then(|| names.join(", "))
}

/// Roles that own the schema objects or are superusers already: creating in
/// a schema gives them nothing they do not have.
fn is_trusted(role: &Ident) -> bool {
    matches!(
        role.as_str(),
        "postgres" | "pg_database_owner" | "supabase_admin"
    )
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
