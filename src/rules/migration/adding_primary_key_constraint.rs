//! `ADD PRIMARY KEY` on an existing table without a quick USING INDEX. Docs: rules/adding-primary-key-constraint.yaml.

use pg_query::protobuf as pb;

use crate::catalog::{Ident, IndexKey};
use crate::rules::support::migration::{
    added_constraint, alter_table_cmds, altered_table, not_null_proof,
};
use crate::rules::{StatementRule, StmtCtx, TableRef};

pub struct AddingPrimaryKeyConstraint;

impl StatementRule for AddingPrimaryKeyConstraint {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let Some((s, table)) = altered_table(cx) else {
            return;
        };
        // Columns this statement sets NOT NULL itself: their scan is reported
        // as SET NOT NULL, not as a cost of the primary key.
        let set_here: Vec<Ident> = alter_table_cmds(s)
            .filter(|cmd| cmd.subtype() == pb::AlterTableType::AtSetNotNull)
            .map(|cmd| Ident::new(cmd.name.as_str()))
            .collect();
        for c in alter_table_cmds(s).filter_map(added_constraint) {
            if c.contype() != pb::ConstrType::ConstrPrimary {
                continue;
            }
            let what = if c.conname.is_empty() {
                "a primary key".to_string()
            } else {
                format!("primary key `{}`", Ident::new(c.conname.as_str()))
            };
            let message = if c.indexname.is_empty() {
                format!(
                    "adding {what} to `{}` builds its index under an ACCESS EXCLUSIVE lock, \
                     blocking reads and writes",
                    table.name
                )
            } else {
                let index = Ident::new(c.indexname.as_str());
                let nullable: Vec<String> = nullable_columns(cx, &table, &index)
                    .into_iter()
                    .filter(|col| !set_here.contains(col))
                    .map(|col| format!("`{col}`"))
                    .collect();
                if nullable.is_empty() {
                    continue;
                }
                format!(
                    "adding {what} to `{}` using index `{index}` first sets {} NOT NULL, \
                     scanning the table under an ACCESS EXCLUSIVE lock",
                    table.name,
                    nullable.join(", ")
                )
            };
            let span = Some(cx.stmt.span_at(c.location));
            cx.report_lock(&table, span, message);
        }
    }
}

/// The key columns of `index` that may hold NULLs, so that `PRIMARY KEY
/// USING INDEX` must scan the table to set them NOT NULL. Empty when pgvet
/// does not know the table or the index.
fn nullable_columns(cx: &StmtCtx<'_>, table: &TableRef, index: &Ident) -> Vec<Ident> {
    let Some(t) = cx.catalog.table(&table.name) else {
        return Vec::new();
    };
    let Some(ix) = t.indexes.iter().find(|ix| &ix.name == index) else {
        return Vec::new();
    };
    let proof_counts = cx.postgres_version() >= 12;
    ix.elems
        .iter()
        .filter_map(|e| match &e.key {
            IndexKey::Column(c) => Some(c),
            IndexKey::Expression(_) => None,
        })
        .filter(|c| {
            let declared = t.columns.iter().any(|col| &col.name == *c && col.not_null);
            !declared && !(proof_counts && not_null_proof(t, c).is_some())
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "adding-primary-key-constraint";
    const CREATE: &str = "create table public.t (id bigint not null, n int);";

    #[test]
    fn table_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add constraint t_pkey primary key (id);",
            ),
        ])
        .fires(RULE);
        assert!(out.starts_with("2.sql:1:26 "), "{out}");
        assert!(
            out.contains("primary key `t_pkey`") && out.contains("builds its index"),
            "{out}"
        );
    }

    #[test]
    fn table_created_earlier_in_the_same_file_is_quiet() {
        case(&format!(
            "{CREATE}\nalter table public.t add primary key (id);"
        ))
        .quiet(RULE);
    }

    #[test]
    fn using_an_index_on_not_null_columns_is_quiet() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create unique index concurrently t_pkey on public.t (id);",
            ),
            (
                "3.sql",
                "alter table public.t add constraint t_pkey primary key using index t_pkey;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn using_an_index_on_a_nullable_column_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create unique index concurrently t_n_key on public.t (n);",
            ),
            (
                "3.sql",
                "alter table public.t add constraint t_pkey primary key using index t_n_key;",
            ),
        ])
        .fires(RULE);
        assert!(
            out.contains("using index `t_n_key` first sets `n` NOT NULL"),
            "{out}"
        );
    }

    #[test]
    fn validated_not_null_check_skips_the_scan_from_postgres_12() {
        let sql = [
            ("1.sql", CREATE),
            (
                "2.sql",
                "create unique index concurrently t_n_key on public.t (n);\n\
                 alter table public.t add constraint t_n_not_null check (n is not null) not valid;",
            ),
            (
                "3.sql",
                "alter table public.t validate constraint t_n_not_null;",
            ),
            (
                "4.sql",
                "alter table public.t add constraint t_pkey primary key using index t_n_key;",
            ),
        ];
        files(&sql).quiet(RULE);
        files(&sql).config("postgres_version: 11\n").fires(RULE);
    }

    #[test]
    fn set_not_null_in_the_same_statement_is_left_to_its_rule() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "create unique index concurrently t_n_key on public.t (n);",
            ),
            (
                "3.sql",
                "alter table public.t alter column n set not null,\n  \
                 add constraint t_pkey primary key using index t_n_key;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn unknown_index_is_quiet() {
        case("alter table public.legacy add constraint legacy_pkey primary key using index legacy_idx;")
            .quiet(RULE);
    }

    #[test]
    fn column_primary_key_is_left_to_adding_serial_primary_key_field() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t add column k bigserial primary key;",
            ),
        ])
        .quiet(RULE);
    }

    #[test]
    fn unknown_table_counts_as_existing() {
        case("alter table legacy add primary key (id);").fires(RULE);
    }

    #[test]
    fn size_from_the_database_sets_the_severity() {
        let out = case("alter table public.t add primary key (id);")
            .live(&[("public", "t", 12.0, 16 << 10)])
            .fires(RULE);
        assert!(out.contains(" info "), "{out}");
    }
}
