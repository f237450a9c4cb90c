//! `ENABLE` / `DISABLE` / `[NO] FORCE ROW LEVEL SECURITY` on an existing
//! table. Docs: rules/ban-alter-row-level-security.yaml.

use pg_query::protobuf::AlterTableType as At;
use pg_query::NodeEnum;

use crate::rules::support::changes::{
    relation_dropped_later_in_file, relation_new_in_this_file, table_from_migrations,
};
use crate::rules::support::drops::altered_table;
use crate::rules::support::migration::{alter_table_cmds, made_again_later, names_table};
use crate::rules::{StatementRule, StmtCtx};

pub struct BanAlterRowLevelSecurity;

impl StatementRule for BanAlterRowLevelSecurity {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let Some((s, table)) = altered_table(cx, false) else {
            return;
        };
        // Made in this file, a table is secured before any client sees it;
        // one the file drops later is gone for them anyway.
        if relation_new_in_this_file(cx, &table.name)
            || relation_dropped_later_in_file(cx, &table.name)
        {
            return;
        }
        // What the replay knows of a table the migrations made: a change to
        // the state it is already in changes nothing.
        let known = table_from_migrations(cx, &table.name);
        let name = &table.name;
        for cmd in alter_table_cmds(s) {
            let message = match cmd.subtype() {
                At::AtEnableRowSecurity => match known {
                    Some(t) if t.rls_enabled => continue,
                    // No policy, and none made in the rest of the transaction.
                    Some(t) if t.policies.is_empty() && !policy_made_later(cx, name) => format!(
                        "enabling row-level security on `{name}`, which has no policy, hides all its rows from every role that does not own it or bypass RLS"
                    ),
                    _ => format!(
                        "enabling row-level security on `{name}` hides the rows no policy lets a role see from the clients of that role"
                    ),
                },
                At::AtDisableRowSecurity => match known {
                    Some(t) if !t.rls_enabled => continue,
                    _ => format!(
                        "disabling row-level security on `{name}` lets every role with privileges on it read and write all its rows"
                    ),
                },
                At::AtForceRowSecurity => match known {
                    Some(t) if t.rls_forced => continue,
                    _ => format!(
                        "forcing row-level security on `{name}` puts its owner under its policies too, hiding rows from code that runs as the owner"
                    ),
                },
                At::AtNoForceRowSecurity => match known {
                    Some(t) if !t.rls_forced => continue,
                    _ => format!(
                        "no longer forcing row-level security on `{name}` exempts its owner from its policies again"
                    ),
                },
                _ => continue,
            };
            cx.report(name, Some(cx.stmt.span), message);
        }
    }
}

/// Whether a later statement of the transaction creates a policy on `table`.
fn policy_made_later(cx: &StmtCtx<'_>, table: &crate::catalog::QualifiedName) -> bool {
    made_again_later(cx, "policy", |n| {
        matches!(n, NodeEnum::CreatePolicyStmt(p)
            if p.table.as_ref().is_some_and(|rv| names_table(rv, table)))
    })
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-alter-row-level-security";
    const CREATE: &str = "create table public.t (id bigint primary key, owner_id uuid);";

    #[test]
    fn enabling_on_a_table_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter table public.t enable row level security;"),
        ])
        .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-alter-row-level-security warning [public.t] enabling row-level security on `public.t`, which has no policy, hides all its rows from every role that does not own it or bypass RLS"
        );
    }

    #[test]
    fn policies_made_in_the_same_transaction_count() {
        let out = files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t enable row level security;\n\
                 create policy t_read on public.t for select to authenticated using (true);",
            ),
        ])
        .fires(RULE);
        assert!(out.contains("hides the rows no policy lets a role see"), "{out}");
    }

    #[test]
    fn a_table_made_in_the_same_file_is_quiet() {
        case(&format!(
            "{CREATE}\nalter table public.t enable row level security;\nalter table public.t force row level security;"
        ))
        .quiet(RULE);
    }

    #[test]
    fn a_change_to_the_state_the_table_is_in_is_quiet() {
        let rls = "create table public.t (id bigint primary key);\nalter table public.t enable row level security;";
        files(&[
            ("1.sql", rls),
            (
                "2.sql",
                "alter table public.t enable row level security;\nalter table public.t no force row level security;",
            ),
        ])
        .quiet(RULE);
        let out = files(&[
            ("1.sql", rls),
            (
                "2.sql",
                "alter table public.t disable row level security;\nalter table public.t force row level security;",
            ),
        ])
        .fires(RULE);
        assert!(
            out.contains("disabling row-level security") && out.contains("forcing row-level security"),
            "{out}"
        );
    }

    #[test]
    fn a_table_no_migration_made_fires() {
        // Its state is unknown: the stand-in --assume-existing makes says nothing.
        case("alter table public.legacy disable row level security;")
            .assume_existing()
            .fires(RULE);
    }

    #[test]
    fn before_the_table_is_dropped_is_quiet() {
        files(&[
            ("1.sql", CREATE),
            (
                "2.sql",
                "alter table public.t disable row level security;\ndrop table if exists public.t;",
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
