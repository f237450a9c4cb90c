//! `ALTER TYPE ... ADD ATTRIBUTE` on an existing composite type. Docs: rules/ban-add-composite-attribute.yaml.

use pg_query::protobuf::{self as pb, ObjectType};
use pg_query::NodeEnum;

use crate::catalog::{resolve, Ident, QualifiedName};
use crate::rules::support::changes::new_in_this_file;
use crate::rules::support::migration::{added_column, alter_table_cmds};
use crate::rules::{StatementRule, StmtCtx};

pub struct BanAddCompositeAttribute;

impl StatementRule for BanAddCompositeAttribute {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let NodeEnum::AlterTableStmt(s) = &cx.stmt.node else {
            return;
        };
        if s.objtype() != ObjectType::ObjectType {
            return;
        }
        let Some(ty) = s.relation.as_ref().map(|rv| composite(cx, rv)) else {
            return;
        };
        // A type made in this file has no deployed reader yet.
        if cx
            .catalog
            .types
            .get(&ty)
            .is_some_and(|t| new_in_this_file(cx, &t.origin))
        {
            return;
        }
        for col in alter_table_cmds(s).filter_map(added_column) {
            let message = format!(
                "adding attribute `{}` to composite type `{ty}` changes the values its readers get, and code that reads them by position",
                Ident::new(col.colname.as_str())
            );
            cx.report(&ty, Some(cx.stmt.span), message);
        }
    }
}

/// The composite type `ALTER TYPE` names, found as PostgreSQL finds a type.
fn composite(cx: &StmtCtx<'_>, rv: &pb::RangeVar) -> QualifiedName {
    let schema = if rv.schemaname.is_empty() {
        resolve::user_type_schema(cx.catalog, cx.search_path, &rv.relname)
            .unwrap_or_else(|| resolve::creation_schema(cx.catalog, cx.search_path))
    } else {
        Ident::new(rv.schemaname.as_str())
    };
    QualifiedName::new(schema, Ident::new(rv.relname.as_str()))
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-add-composite-attribute";
    const CREATE: &str = "create type public.money_amount as (amount numeric, currency text);";

    #[test]
    fn a_type_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter type public.money_amount add attribute rate numeric;"),
        ])
        .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-add-composite-attribute warning [public.money_amount] adding attribute `rate` to composite type `public.money_amount` changes the values its readers get, and code that reads them by position"
        );
    }

    #[test]
    fn a_type_made_in_the_same_file_is_quiet() {
        case(&format!("{CREATE}\nalter type money_amount add attribute rate numeric;")).quiet(RULE);
    }

    #[test]
    fn other_attribute_changes_are_not_this_rule() {
        files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter type public.money_amount drop attribute currency;"),
        ])
        .quiet(RULE);
    }

    #[test]
    fn off_by_default() {
        assert_eq!(
            crate::rules::find(RULE).map(|r| r.doc.default_enabled),
            Some(false)
        );
    }
}
