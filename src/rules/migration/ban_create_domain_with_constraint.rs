//! `CREATE DOMAIN ... CHECK (...)`. Docs: rules/ban-create-domain-with-constraint.yaml.

use pg_query::protobuf as pb;
use pg_query::NodeEnum;

use crate::catalog::resolve;
use crate::rules::{StatementRule, StmtCtx};
use crate::sql::split_name;

pub struct BanCreateDomainWithConstraint;

impl StatementRule for BanCreateDomainWithConstraint {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let NodeEnum::CreateDomainStmt(s) = &cx.stmt.node else {
            return;
        };
        let Some(check) = s.constraints.iter().find_map(|c| match &c.node {
            Some(NodeEnum::Constraint(k)) if k.contype() == pb::ConstrType::ConstrCheck => {
                Some(k.as_ref())
            }
            _ => None,
        }) else {
            return;
        };
        let Some((schema, name)) = split_name(&s.domainname) else {
            return;
        };
        let domain = resolve::for_create(cx.catalog, cx.search_path, schema.as_deref(), &name);
        let span = Some(cx.stmt.span_at(check.location));
        cx.report(
            &domain,
            span,
            format!(
                "domain `{domain}` carries a CHECK, which can later change only by checking every column of the type while blocking writes to their tables"
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::case;

    const RULE: &str = "ban-create-domain-with-constraint";

    #[test]
    fn check_fires_at_the_constraint() {
        let out = case(
            "create schema app;\ncreate domain app.amount as numeric(15, 5)\n  check (value > 0);",
        )
        .fires(RULE);
        assert!(
            out.starts_with("test.sql:3:3 ban-create-domain-with-constraint warning [app.amount] domain `app.amount`"),
            "{out}"
        );
    }

    #[test]
    fn named_and_several_checks_fire_once() {
        let out = case(
            "create domain app.code as text constraint code_len check (char_length(value) = 3) not null check (value = upper(value));",
        )
        .fires(RULE);
        assert_eq!(out.lines().count(), 1, "{out}");
    }

    #[test]
    fn unqualified_domain_lands_in_the_creation_schema() {
        let out = case("create domain positive as int check (value > 0);").fires(RULE);
        assert!(out.contains("[public.positive]"), "{out}");
    }

    #[test]
    fn domain_without_check_is_quiet() {
        case("create domain app.name as text;\ncreate domain app.id as bigint not null default 0;\ncreate domain app.label as varchar collate \"C\";")
            .quiet(RULE);
    }
}
