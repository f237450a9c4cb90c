//! `REFRESH MATERIALIZED VIEW CONCURRENTLY` of a view with no unique index PostgreSQL can use. Docs: rules/refresh-concurrently-without-unique-index.yaml.

use pg_query::NodeEnum;

use crate::catalog::{Index, IndexKey, View};
use crate::rules::{StatementRule, StmtCtx};

pub struct RefreshConcurrentlyWithoutUniqueIndex;

impl StatementRule for RefreshConcurrentlyWithoutUniqueIndex {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let NodeEnum::RefreshMatViewStmt(s) = &cx.stmt.node else {
            return;
        };
        if !s.concurrent {
            return;
        }
        let Some(rv) = s.relation.as_ref() else {
            return;
        };
        let name = cx.table(rv).name;
        let Some(view) = cx.catalog.views.get(&name).filter(|v| v.materialized) else {
            return;
        };
        if !indexes_surely_known(cx, view) || view.indexes.iter().any(lets_refresh_concurrently) {
            return;
        }
        let message = format!(
            "refreshing `{name}` CONCURRENTLY fails: PostgreSQL needs a unique index on plain \
             columns of the view, without a WHERE clause, to match old rows to new ones, and \
             the view has none"
        );
        cx.report(&name, Some(cx.stmt.span), message);
    }
}

/// A unique index CONCURRENTLY can use: every key a plain column, no
/// predicate (PostgreSQL 15 checks just that, and validity).
fn lets_refresh_concurrently(ix: &Index) -> bool {
    ix.unique
        && ix.is_valid
        && ix.predicate.is_none()
        && ix
            .elems
            .iter()
            .all(|e| matches!(e.key, IndexKey::Column(_)))
}

/// Whether pgvet saw every index the view can have: a migration made it
/// (not a live database or a baseline, whose indexes may be partly
/// unknown), and no DO block of the run names it (one may have built an
/// index pgvet does not see).
fn indexes_surely_known(cx: &StmtCtx<'_>, view: &View) -> bool {
    let name = view.name.name.as_str().to_ascii_lowercase();
    view.origin.span().is_some()
        && !cx
            .catalog
            .anonymous_blocks
            .iter()
            .any(|b| b.body.to_ascii_lowercase().contains(&name))
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "refresh-concurrently-without-unique-index";
    const VIEW: &str = "create table public.t (id bigint primary key, n int);\n\
        create materialized view public.totals as select n, count(*) as c from public.t group by n;";

    #[test]
    fn no_index_is_an_error() {
        let out = files(&[
            ("1.sql", VIEW),
            (
                "2.sql",
                "refresh materialized view concurrently public.totals;",
            ),
        ])
        .fires(RULE);
        assert!(
            out.starts_with("2.sql:1:1 refresh-concurrently-without-unique-index error [public.totals] refreshing `public.totals` CONCURRENTLY fails"),
            "{out}"
        );
    }

    #[test]
    fn unusable_unique_indexes_still_fire() {
        for index in [
            "create index totals_n on public.totals (n);",
            "create unique index totals_n on public.totals (n) where n > 0;",
            "create unique index totals_n on public.totals ((n + 1));",
        ] {
            case(&format!(
                "{VIEW}\n{index}\nrefresh materialized view concurrently public.totals;"
            ))
            .fires(RULE);
        }
    }

    #[test]
    fn a_plain_unique_index_is_quiet() {
        case(&format!(
            "{VIEW}\ncreate unique index totals_n on public.totals (n);\n\
             refresh materialized view concurrently public.totals;"
        ))
        .quiet(RULE);
    }

    #[test]
    fn without_concurrently_is_not_this_rule() {
        case(&format!("{VIEW}\nrefresh materialized view public.totals;")).quiet(RULE);
    }

    #[test]
    fn unknown_indexes_are_quiet() {
        // A view no migration made: its indexes are not known.
        case("refresh materialized view concurrently legacy_totals;").quiet(RULE);
        // A DO block that names the view may have indexed it.
        case(&format!(
            "{VIEW}\ndo $$ begin execute 'create unique index on public.totals (n)'; end $$;\n\
             refresh materialized view concurrently public.totals;"
        ))
        .quiet(RULE);
    }
}
