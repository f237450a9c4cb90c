//! Foreign keys that leave ON DELETE at the default. Docs: rules/fk-missing-on-delete.yaml.

use crate::catalog::Ident;
use crate::rules::support::foreign_keys;
use crate::rules::{SchemaCtx, SchemaRule};

pub struct FkMissingOnDelete;

impl SchemaRule for FkMissingOnDelete {
    /// Reads the table alone.
    fn per_table(&self) -> Option<&'static [crate::rules::memo::Beyond]> {
        Some(&[])
    }

    fn check(&self, cx: &mut SchemaCtx<'_>) {
        for table in cx.user_tables() {
            // A written ON DELETE NO ACTION is the default to PostgreSQL, and
            // an audit cannot tell the two apart: both are reported.
            for (con, fk) in foreign_keys(table) {
                if fk.on_delete != crate::catalog::FkAction::NoAction {
                    continue;
                }
                let cols: Vec<&str> = fk.columns.iter().map(Ident::as_str).collect();
                cx.report(
                    &table.name,
                    con.origin.span(),
                    format!(
                        "foreign key `{}` ({}) to `{}` leaves ON DELETE at NO ACTION, the default",
                        con.name,
                        cols.join(", "),
                        fk.ref_table
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet};

    const ID: &str = "fk-missing-on-delete";
    const PARENT: &str = "create table public.p (id uuid primary key);\n";

    #[test]
    fn bare_references_fires_at_the_clause() {
        let out = fires(ID, &format!("{PARENT}create table public.c (id uuid primary key,\n  p_id uuid references public.p (id));"));
        assert!(out.contains("test.sql:3:13"), "{out}");
        assert!(out.contains("`c_p_id_fkey` (p_id) to `public.p`"), "{out}");
    }

    #[test]
    fn written_no_action_is_the_default() {
        fires(ID, &format!("{PARENT}create table public.c (id uuid primary key, p_id uuid references public.p on delete no action);"));
    }

    #[test]
    fn on_update_alone_is_not_enough() {
        fires(ID, &format!("{PARENT}create table public.c (id uuid primary key, p_id uuid references public.p on update cascade);"));
    }

    #[test]
    fn every_action_counts() {
        for action in ["cascade", "set null", "set default", "restrict"] {
            quiet(ID, &format!("{PARENT}create table public.c (id uuid primary key, p_id uuid default null references public.p on delete {action});"));
        }
    }

    #[test]
    fn table_constraint_added_later_is_checked() {
        fires(ID, &format!("{PARENT}create table public.c (id uuid primary key, p_id uuid);\nalter table public.c add constraint c_p foreign key (p_id) references public.p;"));
    }

    #[test]
    fn comment_mentioning_on_delete_is_not_the_clause() {
        fires(ID, &format!("{PARENT}create table public.c (id uuid primary key, p_id uuid references public.p /* on delete */);"));
    }
}
