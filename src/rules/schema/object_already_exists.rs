//! Statements PostgreSQL rejects because what they create exists already
//! (`replay::Rejection`). Docs: rules/object-already-exists.yaml.

use crate::rules::{StatementRule, StmtCtx};

pub struct ObjectAlreadyExists;

impl StatementRule for ObjectAlreadyExists {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let Some(rejection) = cx.rejected else {
            return;
        };
        let span = if rejection.location >= 0 {
            cx.stmt.name_at(rejection.location)
        } else {
            cx.stmt.span
        };
        let made_here = rejection
            .existing
            .is_some_and(|s| s.file == cx.stmt.span.file);
        let made = if made_here {
            "an earlier statement of this file made it"
        } else {
            "an earlier migration made it"
        };
        let object = &rejection.object;
        cx.report(
            &object,
            Some(span),
            format!(
                "{} exists already ({made}), so PostgreSQL rejects this statement and the migration stops here: {}",
                rejection.what, rejection.message
            ),
        );
    }

    fn sees_rejected(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::files;

    const RULE: &str = "object-already-exists";

    /// The function the policy calls is made after the policy in the same
    /// file, so PostgreSQL rejects the first CREATE POLICY.
    const POLICY_BEFORE_ITS_FUNCTION: &str = "create table public.notes (id int, owner uuid);\n\
         create policy notes_read on public.notes for select\n\
           using (public.can_read(owner));\n\
         create function public.can_read(u uuid) returns boolean\n\
           language sql stable as 'select u = auth.uid()';";

    const SAME_POLICY_AGAIN: &str = "create policy notes_read on public.notes for select\n\
           using (public.can_read(owner));";

    #[test]
    fn policy_made_again_fires() {
        let earlier = "create table public.notes (id int, owner uuid);\n\
             create function public.can_read(u uuid) returns boolean\n\
               language sql stable as 'select u = auth.uid()';\n\
             create policy notes_read on public.notes for select\n\
               using (public.can_read(owner));";
        let out = files(&[("1.sql", earlier), ("2.sql", SAME_POLICY_AGAIN)]).fires(RULE);
        assert!(
            out.starts_with(
                "2.sql:1:1 object-already-exists error [public.notes] policy `notes_read`"
            ),
            "{out}"
        );
    }

    #[test]
    fn policy_whose_function_came_later_is_not_in_the_way() {
        files(&[
            ("1.sql", POLICY_BEFORE_ITS_FUNCTION),
            ("2.sql", SAME_POLICY_AGAIN),
        ])
        .quiet(RULE);
    }

    #[test]
    fn policy_reading_a_table_not_made_yet_is_not_in_the_way() {
        let earlier = "create table public.notes (id int, team int);\n\
             create policy notes_team on public.notes for select\n\
               using (team in (select m.team from public.members m where m.uid = auth.uid()));\n\
             create table public.members (team int, uid uuid);";
        let again = "create policy notes_team on public.notes for select\n\
               using (team in (select m.team from public.members m where m.uid = auth.uid()));";
        files(&[("1.sql", earlier), ("2.sql", again)]).quiet(RULE);
    }

    /// Built-ins and unqualified names are not doubted: the model does not
    /// list PostgreSQL's own functions.
    #[test]
    fn policy_calling_builtins_stays_in_the_way() {
        let earlier = "create table public.notes (id int, title text);\n\
             create policy notes_title on public.notes for select\n\
               using (lower(title) <> '' and extract(year from now()) > 2000);";
        let again = "create policy notes_title on public.notes for select using (true);";
        files(&[("1.sql", earlier), ("2.sql", again)]).fires(RULE);
    }
}
