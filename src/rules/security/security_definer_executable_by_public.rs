//! SECURITY DEFINER functions the API's roles can call. Docs:
//! rules/security-definer-executable-by-public.yaml.

use serde::Deserialize;

use crate::catalog::{ApiRoles, Function, FunctionKind, Ident};
use crate::findings::remedy::Remedy;
use crate::rules::{SchemaCtx, SchemaRule};

pub struct SecurityDefinerExecutableByPublic;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Options {
    /// Roles whose EXECUTE counts (`public` for PUBLIC). Default: PUBLIC and
    /// the anonymous API roles (config `api_roles`); the signed-in ones are
    /// left out: granting them is how a signed-in user calls an RPC.
    roles: Option<Vec<String>>,
}

impl SchemaRule for SecurityDefinerExecutableByPublic {
    fn check(&self, cx: &mut SchemaCtx<'_>) {
        let options: Options = cx.options();
        let watched: Vec<Ident> = match &options.roles {
            Some(roles) => roles
                .iter()
                .map(|r| Ident::new(r.to_ascii_lowercase()))
                .collect(),
            None => std::iter::once(Ident::new("public"))
                .chain(cx.catalog.api_roles.anonymous.iter().cloned())
                .collect(),
        };
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
            // Revoke from PUBLIC (which every role is in) and from each
            // watched role that exists: default privileges may grant it
            // EXECUTE where the model cannot see it, and revoking what was
            // never granted does nothing.
            let mut roles = vec![Ident::new("public")];
            roles.extend(
                watched
                    .iter()
                    .filter(|r| r.as_str() != "public")
                    .filter(|r| f.execute_grantees.contains(*r) || cx.catalog.roles.contains(*r))
                    .cloned(),
            );
            cx.report_fixable(
                &f.name,
                f.origin.span(),
                format!(
                    "function `{}` is SECURITY DEFINER and can be executed through the API by {}",
                    f.name,
                    who(f, &cx.catalog.api_roles)
                ),
                Remedy::RevokeExecute {
                    function: f.name.clone(),
                    args: f.signature().into_iter().cloned().collect(),
                    roles,
                },
            );
        }
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
fn who(f: &Function, api: &ApiRoles) -> String {
    let mut all: Vec<&Ident> = api.anonymous.iter().chain(&api.signed_in).collect();
    all.sort();
    all.dedup();
    let names = |roles: Vec<&Ident>| {
        roles
            .iter()
            .map(|r| format!("`{}`", r.as_str()))
            .collect::<Vec<_>>()
            .join(" and ")
    };
    if f.execute_grantees.contains(&Ident::new("public")) {
        return format!("PUBLIC (every role, {} included)", names(all));
    }
    names(
        all.into_iter()
            .filter(|r| f.execute_grantees.contains(*r))
            .collect(),
    )
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

#[cfg(test)]
mod api_roles {
    use crate::rules::testing::{fires_with, quiet_with};

    const RULE: &str = "security-definer-executable-by-public";
    const SQL: &str = "create function public.spend(n int) returns int language sql security definer set search_path = '' as $$ select n $$;\n\
        revoke execute on function public.spend(int) from public, anon, authenticated;\n\
        grant execute on function public.spend(int) to web_anon;";

    #[test]
    fn the_configured_anonymous_role_is_watched_by_default() {
        quiet_with(RULE, SQL, "");
        let out = fires_with(RULE, SQL, "api_roles:\n  anonymous: [web_anon]\n");
        assert!(out.contains("by `web_anon`"), "{out}");
    }
}
