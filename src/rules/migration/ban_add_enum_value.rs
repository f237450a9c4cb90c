//! `ALTER TYPE ... ADD VALUE` on an existing enum. Docs: rules/ban-add-enum-value.yaml.

use pg_query::NodeEnum;

use crate::catalog::TypeKind;
use crate::rules::support::changes::new_in_this_file;
use crate::rules::support::drops::user_type;
use crate::rules::{StatementRule, StmtCtx};

pub struct BanAddEnumValue;

impl StatementRule for BanAddEnumValue {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        // RENAME VALUE has an old value; that is renaming-object's.
        let NodeEnum::AlterEnumStmt(s) = &cx.stmt.node else {
            return;
        };
        if !s.old_val.is_empty() {
            return;
        }
        let Some(ty) = user_type(cx, &s.type_name) else {
            return;
        };
        let known = cx.catalog.types.get(&ty);
        // An enum made in this file has no deployed reader yet.
        if known.is_some_and(|t| new_in_this_file(cx, &t.origin)) {
            return;
        }
        // IF NOT EXISTS of a label it has: nothing changes.
        let has_label = known.is_some_and(|t| {
            matches!(&t.kind, TypeKind::Enum { labels } if labels.contains(&s.new_val))
        });
        if s.skip_if_new_val_exists && has_label {
            return;
        }
        let message = format!(
            "adding label `{}` to enum `{ty}` hands its readers a value they may not know how to handle",
            s.new_val
        );
        cx.report(&ty, Some(cx.stmt.span), message);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-add-enum-value";
    const CREATE: &str = "create type public.status as enum ('new', 'paid');";

    #[test]
    fn an_enum_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter type public.status add value 'refunded';"),
        ])
        .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-add-enum-value warning [public.status] adding label `refunded` to enum `public.status` hands its readers a value they may not know how to handle"
        );
    }

    #[test]
    fn an_enum_made_in_the_same_file_is_quiet() {
        case(&format!("{CREATE}\nalter type public.status add value 'refunded';")).quiet(RULE);
    }

    #[test]
    fn if_not_exists_of_a_label_it_has_is_quiet() {
        files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter type public.status add value if not exists 'paid';"),
        ])
        .quiet(RULE);
        files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter type public.status add value if not exists 'void';"),
        ])
        .fires(RULE);
    }

    #[test]
    fn renaming_a_label_is_not_this_rule() {
        files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter type public.status rename value 'paid' to 'settled';"),
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
