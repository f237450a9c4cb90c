//! `ALTER TYPE ... ADD VALUE` without BEFORE or AFTER. Docs: rules/require-enum-value-ordering.yaml.

use pg_query::NodeEnum;

use crate::catalog::TypeKind;
use crate::rules::support::drops::user_type;
use crate::rules::{StatementRule, StmtCtx};

pub struct RequireEnumValueOrdering;

impl StatementRule for RequireEnumValueOrdering {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let NodeEnum::AlterEnumStmt(s) = &cx.stmt.node else {
            return;
        };
        // RENAME VALUE has an old label; BEFORE / AFTER a neighbour.
        if s.new_val.is_empty() || !s.old_val.is_empty() || !s.new_val_neighbor.is_empty() {
            return;
        }
        let Some(name) = user_type(cx, &s.type_name) else {
            return;
        };
        let labels = match cx.catalog.types.get(&name).map(|t| &t.kind) {
            Some(TypeKind::Enum { labels }) => Some(labels),
            _ => None,
        };
        // IF NOT EXISTS of a label the enum has already adds nothing.
        if s.skip_if_new_val_exists && labels.is_some_and(|l| l.contains(&s.new_val)) {
            return;
        }
        let last = labels
            .and_then(|l| l.last())
            .map_or(String::new(), |l| format!(", after '{l}'"));
        let message = format!(
            "label '{}' goes at the end of enum `{name}`{last}, which sets where it sorts and compares",
            s.new_val
        );
        cx.report(&name, Some(cx.stmt.span), message);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "require-enum-value-ordering";
    const CREATE: &str = "create type public.status as enum ('new', 'paid', 'shipped');";

    #[test]
    fn appended_label_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter type public.status add value 'refunded';"),
        ])
        .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 require-enum-value-ordering warning [public.status] label 'refunded' goes at the end of enum `public.status`, after 'shipped', which sets where it sorts and compares"
        );
    }

    #[test]
    fn before_and_after_are_quiet() {
        for stmt in [
            "alter type public.status add value 'cancelled' before 'paid';",
            "alter type public.status add value 'packed' after 'paid';",
        ] {
            files(&[("1.sql", CREATE), ("2.sql", stmt)]).quiet(RULE);
        }
    }

    #[test]
    fn enum_from_the_same_file_still_fires() {
        // Order is about the values, not about who uses the type yet.
        case(&format!(
            "{CREATE}\nalter type public.status add value 'refunded';"
        ))
        .fires(RULE);
    }

    #[test]
    fn if_not_exists_of_a_known_label_is_quiet() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter type public.status add value if not exists 'paid';",
            ),
        ])
        .quiet(RULE);
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter type public.status add value if not exists 'refunded';",
            ),
        ])
        .fires(RULE);
    }

    #[test]
    fn rename_value_is_not_this_rule() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter type public.status rename value 'paid' to 'settled';",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn unknown_enum_fires_without_its_last_label() {
        let out = case("alter type legacy_status add value 'x';").fires(RULE);
        assert!(out.contains("enum `public.legacy_status`, which"), "{out}");
    }

    #[test]
    fn off_by_default() {
        assert_eq!(
            crate::rules::find(RULE).map(|r| r.doc.default_enabled),
            Some(false)
        );
    }
}
