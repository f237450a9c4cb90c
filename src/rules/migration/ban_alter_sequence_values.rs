//! `ALTER SEQUENCE` (or an identity column's sequence options) changing the
//! values an existing sequence hands out. Docs: rules/ban-alter-sequence-values.yaml.

use pg_query::protobuf::{self as pb, AlterTableType as At};
use pg_query::NodeEnum;

use crate::catalog::{Ident, QualifiedName};
use crate::rules::support::changes::{new_in_this_file, relation_new_in_this_file};
use crate::rules::support::drops::altered_table;
use crate::rules::support::migration::{alter_table_cmds, column_is_new};
use crate::rules::{StatementRule, StmtCtx};
use crate::sql::ast;

pub struct BanAlterSequenceValues;

/// The options that change which values come next; OWNED BY, renames and
/// the like do not.
const VALUE_OPTIONS: [&str; 8] = [
    "restart",
    "increment",
    "minvalue",
    "maxvalue",
    "start",
    "cycle",
    "cache",
    "as",
];

impl StatementRule for BanAlterSequenceValues {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        match &cx.stmt.node {
            NodeEnum::AlterSeqStmt(s) => sequence(cx, s),
            NodeEnum::AlterTableStmt(_) => identity(cx),
            _ => {}
        }
    }
}

fn value_options(options: &[pb::Node]) -> Vec<String> {
    ast::def_elems(options)
        .filter(|d| VALUE_OPTIONS.contains(&d.defname.as_str()))
        .map(|d| format!("`{}`", d.defname.to_ascii_uppercase()))
        .collect()
}

fn sequence(cx: &mut StmtCtx<'_>, s: &pb::AlterSeqStmt) {
    let options = value_options(&s.options);
    let Some(rv) = s.sequence.as_ref().filter(|_| !options.is_empty()) else {
        return;
    };
    let name = cx.table(rv).name;
    if let Some(seq) = cx.catalog.sequences.get(&name) {
        // Made in this file, or feeding a column made in this file: no
        // deployed code has drawn from it.
        let owner_new = seq.owned_by.as_ref().is_some_and(|(table, column)| {
            relation_new_in_this_file(cx, table) || column_is_new(cx, table, column.as_str())
        });
        if new_in_this_file(cx, &seq.origin) || owner_new {
            return;
        }
    }
    let message = format!(
        "changing {} of sequence `{name}` changes the values it hands out next, which code and keys may rely on",
        options.join(", ")
    );
    cx.report(&name, Some(cx.stmt.span), message);
}

/// `ALTER COLUMN ... RESTART / SET INCREMENT BY / ...` of an identity column.
fn identity(cx: &mut StmtCtx<'_>) {
    let Some((s, table)) = altered_table(cx, false) else {
        return;
    };
    if relation_new_in_this_file(cx, &table.name) {
        return;
    }
    for cmd in alter_table_cmds(s) {
        if cmd.subtype() != At::AtSetIdentity {
            continue;
        }
        let Some(NodeEnum::List(list)) = cmd.def.as_deref().and_then(|d| d.node.as_ref()) else {
            continue;
        };
        let options = value_options(&list.items);
        if options.is_empty() || column_is_new(cx, &table.name, &cmd.name) {
            continue;
        }
        let message = identity_message(&options, &cmd.name, &table.name);
        cx.report(&table.name, Some(cx.stmt.span), message);
    }
}

fn identity_message(options: &[String], column: &str, table: &QualifiedName) -> String {
    format!(
        "changing {} of identity column `{}` of `{table}` changes the values it hands out next, which code and keys may rely on",
        options.join(", "),
        Ident::new(column)
    )
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-alter-sequence-values";
    const CREATE: &str = "create sequence public.invoice_no;\n\
        create table public.t (id bigint generated always as identity primary key, n serial);";

    #[test]
    fn a_sequence_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter sequence public.invoice_no restart with 1000 increment by 10;"),
        ])
        .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-alter-sequence-values warning [public.invoice_no] changing `RESTART`, `INCREMENT` of sequence `public.invoice_no` changes the values it hands out next, which code and keys may rely on"
        );
        files(&[("1.sql", CREATE), ("2.sql", "alter sequence public.t_n_seq cache 20;")])
            .fires(RULE);
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter table public.t alter column id restart with 5000;"),
        ])
        .fires(RULE);
        assert!(out.contains("identity column `id` of `public.t`"), "{out}");
    }

    #[test]
    fn a_sequence_or_its_table_made_in_the_same_file_is_quiet() {
        case(&format!(
            "{CREATE}\nalter sequence public.invoice_no restart with 1000;\n\
             alter sequence public.t_n_seq restart with 10;\n\
             alter table public.t alter column id restart with 5000;"
        ))
        .quiet(RULE);
    }

    #[test]
    fn ownership_and_generation_are_not_this_rule() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter sequence public.invoice_no owned by none;\n\
                 alter table public.t alter column id set generated by default;",
            ),
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
