//! `ALTER ROLE` / `ALTER USER` changing a role's attributes or settings.
//! Docs: rules/ban-alter-role-options.yaml.

use pg_query::protobuf as pb;
use pg_query::NodeEnum;

use crate::catalog::{Ident, QualifiedName};
use crate::rules::support::changes::{role_created_earlier_in_file, role_spec, setting_change};
use crate::rules::{StatementRule, StmtCtx};
use crate::sql::ast;

pub struct BanAlterRoleOptions;

impl StatementRule for BanAlterRoleOptions {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let (role, message) = match &cx.stmt.node {
            NodeEnum::AlterRoleStmt(s) => {
                // ALTER GROUP ... ADD / DROP USER changes membership only.
                let options: Vec<String> = ast::def_elems(&s.options)
                    .filter(|d| d.defname != "rolemembers")
                    .map(attribute)
                    .collect();
                let Some(role) = s.role.as_ref().map(role_spec) else {
                    return;
                };
                if options.is_empty() {
                    return;
                }
                let message = format!(
                    "changing {} of role `{role}` changes what sessions of it can do, or whether they can log in",
                    options.join(", ")
                );
                (role, message)
            }
            NodeEnum::AlterRoleSetStmt(s) => {
                let Some(set) = s.setstmt.as_ref() else { return };
                let role = s.role.as_ref().map(role_spec);
                let whose = match &role {
                    Some(r) => format!("role `{r}`"),
                    None => "every role".to_string(),
                };
                let place = if s.database.is_empty() {
                    String::new()
                } else {
                    format!(" in database `{}`", Ident::new(s.database.as_str()))
                };
                let message = format!(
                    "{} for {whose}{place} changes every new session that runs as it",
                    setting_change(set)
                );
                (role.unwrap_or_else(|| Ident::new("all")), message)
            }
            _ => return,
        };
        // A role this file made has no sessions or code behind it yet.
        if role_created_earlier_in_file(cx, &role) {
            return;
        }
        cx.report(
            &QualifiedName::new("pg_roles", role),
            Some(cx.stmt.span),
            message,
        );
    }
}

/// How a message names one role attribute: `` `NOLOGIN` ``, `` `PASSWORD` ``.
fn attribute(d: &pb::DefElem) -> String {
    let on = ast::def_arg_text(d).as_deref() != Some("false");
    let flag = |yes: &str, no: &str| if on { yes.to_string() } else { no.to_string() };
    let text = match d.defname.as_str() {
        "canlogin" => flag("LOGIN", "NOLOGIN"),
        "superuser" => flag("SUPERUSER", "NOSUPERUSER"),
        "createdb" => flag("CREATEDB", "NOCREATEDB"),
        "createrole" => flag("CREATEROLE", "NOCREATEROLE"),
        "inherit" => flag("INHERIT", "NOINHERIT"),
        "isreplication" => flag("REPLICATION", "NOREPLICATION"),
        "bypassrls" => flag("BYPASSRLS", "NOBYPASSRLS"),
        "connectionlimit" => "CONNECTION LIMIT".to_string(),
        "password" => "PASSWORD".to_string(),
        "validUntil" => "VALID UNTIL".to_string(),
        other => other.to_ascii_uppercase(),
    };
    format!("`{text}`")
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::case;

    const RULE: &str = "ban-alter-role-options";

    #[test]
    fn attributes_and_settings_fire() {
        let out = case("alter role reporting nologin;").fires(RULE);
        assert_eq!(
            out,
            "test.sql:1:1 ban-alter-role-options warning [pg_roles.reporting] changing `NOLOGIN` of role `reporting` changes what sessions of it can do, or whether they can log in"
        );
        let out = case("alter role authenticated set statement_timeout = '8s';").fires(RULE);
        assert!(
            out.contains("setting `statement_timeout` for role `authenticated` changes every new session"),
            "{out}"
        );
        let out = case("alter role all in database postgres reset all;").fires(RULE);
        assert!(out.contains("resetting every setting for every role in database `postgres`"), "{out}");
    }

    #[test]
    fn a_role_made_in_the_same_file_is_quiet() {
        case("create role reporting nologin;\nalter role reporting set statement_timeout = '30s';\nalter role reporting with login password 'x';")
            .quiet(RULE);
    }

    #[test]
    fn membership_and_renames_are_not_this_rule() {
        case("alter group readers add user alice;\nalter role reporting rename to analytics;").quiet(RULE);
    }

    #[test]
    fn off_by_default() {
        assert_eq!(
            crate::rules::find(RULE).map(|r| r.doc.default_enabled),
            Some(false)
        );
    }
}
