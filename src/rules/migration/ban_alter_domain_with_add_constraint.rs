//! `ALTER DOMAIN ... ADD CONSTRAINT`. Docs: rules/ban-alter-domain-with-add-constraint.yaml.

use pg_query::NodeEnum;

use crate::catalog::{resolve, QualifiedName, TypeKind};
use crate::rules::{StatementRule, StmtCtx};
use crate::sql::split_name;

pub struct BanAlterDomainWithAddConstraint;

/// PostgreSQL 19 validates a domain constraint under SHARE UPDATE EXCLUSIVE
/// (commit 16a0039), so NOT VALID plus VALIDATE stops blocking writes.
const VALIDATE_WITHOUT_SHARE_LOCK: u32 = 19;

impl StatementRule for BanAlterDomainWithAddConstraint {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let NodeEnum::AlterDomainStmt(s) = &cx.stmt.node else {
            return;
        };
        // subtype 'C': ADD CONSTRAINT (SET/DROP NOT NULL, DROP, VALIDATE are other letters).
        if s.subtype != "C" {
            return;
        }
        let Some(NodeEnum::Constraint(con)) = s.def.as_deref().and_then(|d| d.node.as_ref()) else {
            return;
        };
        if con.skip_validation && cx.postgres_version() >= VALIDATE_WITHOUT_SHARE_LOCK {
            return;
        }
        let Some((schema, name)) = split_name(&s.type_name) else {
            return;
        };
        let domain = match schema {
            Some(schema) => QualifiedName::new(schema, name),
            None => match resolve::user_type_schema(cx.catalog, cx.search_path, &name) {
                Some(schema) => QualifiedName::new(schema, name),
                None => resolve::for_create(cx.catalog, cx.search_path, None, &name),
            },
        };
        // A domain created earlier in this file is used only by tables this
        // file created or changed: nothing outside waits on them yet.
        let here = cx.stmt.span.file;
        let new_here = cx.catalog.types.get(&domain).is_some_and(|t| {
            matches!(t.kind, TypeKind::Domain { .. })
                && t.origin.span().is_some_and(|s| s.file == here)
        });
        if new_here {
            return;
        }
        let what = if con.conname.is_empty() {
            "a constraint".to_string()
        } else {
            format!("constraint `{}`", con.conname)
        };
        let message = if con.skip_validation {
            format!(
                "{what} is added to domain `{domain}` NOT VALID, but validating it blocks writes to every table that uses the domain"
            )
        } else {
            format!(
                "adding {what} to domain `{domain}` checks every column of the type while blocking writes to their tables"
            )
        };
        let span = Some(cx.stmt.span_at(con.location));
        cx.report(&domain, span, message);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-alter-domain-with-add-constraint";

    const DOMAIN: &str = "create domain app.amount as numeric;\ncreate table app.t (id bigint primary key, a app.amount);";

    #[test]
    fn domain_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", DOMAIN),
            (
                "2.sql",
                "alter domain app.amount add constraint amount_positive check (value > 0);",
            ),
        ])
        .fires(RULE);
        assert!(
            out.starts_with("2.sql:1:")
                && out.contains(
                    "[app.amount] adding constraint `amount_positive` to domain `app.amount`"
                ),
            "{out}"
        );
    }

    #[test]
    fn domain_created_earlier_in_the_same_file_is_quiet() {
        case(&format!(
            "{DOMAIN}\nalter domain app.amount add constraint amount_positive check (value > 0);"
        ))
        .quiet(RULE);
    }

    #[test]
    fn not_valid_still_fires_before_postgres_19() {
        let sql =
            "alter domain app.amount add constraint amount_positive check (value > 0) not valid;";
        let out = files(&[("1.sql", DOMAIN), ("2.sql", sql)]).fires(RULE);
        assert!(
            out.contains("NOT VALID, but validating it blocks writes"),
            "{out}"
        );
        files(&[("1.sql", DOMAIN), ("2.sql", sql)])
            .config("postgres_version: 19\n")
            .quiet(RULE);
    }

    #[test]
    fn unknown_domain_counts_as_existing() {
        let out = case("alter domain amount add check (value > 0);").fires(RULE);
        assert!(
            out.contains("adding a constraint to domain `public.amount`"),
            "{out}"
        );
    }

    #[test]
    fn other_domain_changes_are_quiet() {
        case(
            "alter domain app.d set not null;\n\
             alter domain app.d drop constraint c;\n\
             alter domain app.d validate constraint c;\n\
             alter domain app.d rename constraint c to c2;\n\
             alter domain app.d set default 1;",
        )
        .quiet(RULE);
    }
}
