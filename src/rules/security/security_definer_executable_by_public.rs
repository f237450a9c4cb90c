//! SECURITY DEFINER functions the API's roles can call. Docs:
//! rules/security-definer-executable-by-public.yaml.

use serde::Deserialize;

use crate::catalog::{Function, FunctionKind, Ident};
use crate::rules::{SchemaCtx, SchemaRule};

pub struct SecurityDefinerExecutableByPublic;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Options {
    /// Roles whose EXECUTE counts (`public` for PUBLIC). `authenticated` is
    /// left out by default: granting it is how a signed-in user calls an RPC.
    roles: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            roles: vec!["public".to_string(), "anon".to_string()],
        }
    }
}

impl SchemaRule for SecurityDefinerExecutableByPublic {
    fn check(&self, cx: &mut SchemaCtx<'_>) {
        let options: Options = cx.options();
        let watched: Vec<Ident> = options
            .roles
            .iter()
            .map(|r| Ident::new(r.to_ascii_lowercase()))
            .collect();
        for f in cx.catalog.user_functions().filter(|f| applies(f)) {
            if !cx.catalog.is_exposed(&f.name.schema) {
                continue;
            }
            // Every role is a member of PUBLIC.
            let public = f.execute_grantees.contains(&Ident::new("public"));
            let hit = watched
                .iter()
                .any(|r| public || f.execute_grantees.contains(r));
            if !hit {
                continue;
            }
            cx.report(
                &f.name,
                f.origin.span(),
                format!(
                    "function `{}` is SECURITY DEFINER and can be executed through the API by {}",
                    f.name,
                    who(f)
                ),
            );
        }
    }

    fn validate_options(&self, raw: &serde_norway::Value) -> Result<(), String> {
        crate::rules::support::validate_options::<Options>(raw)
    }
}

/// SECURITY DEFINER functions an API request can call. PostgREST calls
/// functions, not procedures; a trigger function fails when called directly.
fn applies(f: &Function) -> bool {
    f.security_definer
        && f.kind == FunctionKind::Function
        && !f.returns_trigger()
        && !f
            .returns
            .as_ref()
            .is_some_and(|t| t.is_builtin() && t.name.name.as_str() == "event_trigger")
}

/// The API roles that hold EXECUTE, for the message.
fn who(f: &Function) -> String {
    if f.execute_grantees.contains(&Ident::new("public")) {
        return "PUBLIC (every role, `anon` and `authenticated` included)".to_string();
    }
    let roles: Vec<String> = ["anon", "authenticated"]
        .into_iter()
        .filter(|r| f.execute_grantees.contains(&Ident::new(*r)))
        .map(|r| format!("`{r}`"))
        .collect();
    roles.join(" and ")
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, fires_with, quiet, quiet_with};

    const RULE: &str = "security-definer-executable-by-public";
    const F: &str = "create function public.spend(n int) returns int language sql security definer set search_path = '' as $$ select n $$;";

    #[test]
    fn default_grants_fire_at_the_create() {
        let out = fires(RULE, &format!("select 1;\n{F}"));
        assert!(out.starts_with("test.sql:2:1 "), "{out}");
        assert!(out.contains("[public.spend]"), "{out}");
        assert!(out.contains("PUBLIC"), "{out}");
    }

    #[test]
    fn revoking_public_alone_leaves_anon() {
        // Supabase's default privileges granted anon and authenticated too.
        let out = fires(
            RULE,
            &format!("{F}\nrevoke execute on function public.spend(int) from public;"),
        );
        assert!(out.contains("by `anon` and `authenticated`"), "{out}");
    }

    #[test]
    fn granted_to_authenticated_only_is_quiet() {
        quiet(
            RULE,
            &format!("{F}\nrevoke execute on function public.spend(int) from public, anon;\ngrant execute on function public.spend(int) to authenticated;"),
        );
    }

    #[test]
    fn authenticated_counts_when_configured() {
        let sql = format!("{F}\nrevoke execute on function public.spend(int) from public, anon;");
        let cfg = "options:\n  security-definer-executable-by-public:\n    roles: [public, anon, authenticated]\n";
        let out = fires_with(RULE, &sql, cfg);
        assert!(out.contains("by `authenticated`"), "{out}");
    }

    #[test]
    fn revoked_from_all_api_roles_is_quiet() {
        quiet(
            RULE,
            &format!("{F}\nrevoke execute on function public.spend(int) from public, anon, authenticated;"),
        );
    }

    #[test]
    fn trigger_functions_are_skipped() {
        quiet(
            RULE,
            "create function public.on_signup() returns trigger language plpgsql security definer set search_path = '' as $$ begin return new; end $$;",
        );
    }

    #[test]
    fn invoker_functions_and_private_schemas_are_skipped() {
        quiet(
            RULE,
            "create function public.f() returns int language sql set search_path = '' as $$ select 1 $$;\n\
             create schema private;\n\
             create function private.g() returns int language sql security definer set search_path = '' as $$ select 1 $$;",
        );
    }

    #[test]
    fn explicit_grant_to_anon_fires() {
        fires(
            RULE,
            &format!("{F}\nrevoke execute on function public.spend(int) from public, anon, authenticated;\ngrant execute on function public.spend(int) to anon;"),
        );
    }

    #[test]
    fn default_privileges_revoked_first_is_quiet() {
        quiet_with(
            RULE,
            &format!(
                "alter default privileges in schema public revoke execute on functions from anon;\n\
                 {F}\nrevoke execute on function public.spend(int) from public;"
            ),
            "",
        );
    }
}
