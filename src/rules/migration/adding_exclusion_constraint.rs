//! `ADD CONSTRAINT ... EXCLUDE` on a table that existed before the file. Docs: rules/adding-exclusion-constraint.yaml.

use pg_query::protobuf as pb;

use crate::rules::support::migration::{added_constraints_of, alter_table_cmds, altered_table};
use crate::rules::{StatementRule, StmtCtx};

pub struct AddingExclusionConstraint;

impl StatementRule for AddingExclusionConstraint {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let Some((s, table)) = altered_table(cx) else {
            return;
        };
        for cmd in alter_table_cmds(s) {
            let added = added_constraints_of(
                cmd,
                "exclusion constraint",
                |c| c.contype() == pb::ConstrType::ConstrExclusion,
                |_| true,
            );
            for (c, what) in added {
                let message = format!(
                    "adding {what} to `{}` builds its index and checks every row under an \
                     ACCESS EXCLUSIVE lock, blocking reads and writes; an exclusion constraint \
                     cannot be added NOT VALID or from an index built CONCURRENTLY",
                    table.name
                );
                let span = Some(cx.stmt.span_at(c.location));
                cx.report_lock(&table, span, message);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "adding-exclusion-constraint";
    const CREATE: &str = "create extension if not exists btree_gist;\n\
        create table public.rooms (id bigint primary key, room int not null, during tstzrange not null);";
    const ADD: &str = "alter table public.rooms add constraint rooms_no_overlap \
        exclude using gist (room with =, during with &&);";

    #[test]
    fn existing_table_fires() {
        let out = files(&[("1.sql", CREATE), ("2.sql", ADD)]).fires(RULE);
        assert!(
            out.starts_with("2.sql:1:30 adding-exclusion-constraint warning [public.rooms] adding exclusion constraint `rooms_no_overlap` to `public.rooms`"),
            "{out}"
        );
    }

    #[test]
    fn table_made_in_the_same_file_is_quiet() {
        case(&format!("{CREATE}\n{ADD}")).quiet(RULE);
    }

    #[test]
    fn other_constraints_are_quiet() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.rooms add constraint rooms_room_positive check (room > 0) not valid;",
            ),
        ])
        .quiet(RULE);
    }
}
