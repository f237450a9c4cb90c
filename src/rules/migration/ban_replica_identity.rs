//! `ALTER TABLE ... REPLICA IDENTITY` on an existing table. Docs: rules/ban-replica-identity.yaml.

use pg_query::protobuf::AlterTableType as At;
use pg_query::NodeEnum;

use crate::catalog::Ident;
use crate::rules::support::changes::relation_new_in_this_file;
use crate::rules::support::drops::altered_table;
use crate::rules::support::migration::alter_table_cmds;
use crate::rules::{StatementRule, StmtCtx};

pub struct BanReplicaIdentity;

impl StatementRule for BanReplicaIdentity {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let Some((s, table)) = altered_table(cx, false) else {
            return;
        };
        // A table made in this file has replicated nothing yet.
        if relation_new_in_this_file(cx, &table.name) {
            return;
        }
        let name = &table.name;
        for cmd in alter_table_cmds(s) {
            if cmd.subtype() != At::AtReplicaIdentity {
                continue;
            }
            let Some(NodeEnum::ReplicaIdentityStmt(r)) =
                cmd.def.as_deref().and_then(|d| d.node.as_ref())
            else {
                continue;
            };
            let message = match r.identity_type.as_str() {
                "n" => format!(
                    "setting the replica identity of `{name}` to NOTHING makes its updates and deletes fail while a publication publishes them"
                ),
                "f" => format!(
                    "setting the replica identity of `{name}` to FULL changes what logical replication and change feeds send for its updates and deletes, and makes them heavier"
                ),
                "i" => format!(
                    "setting the replica identity of `{name}` to index `{}` changes the old values logical replication and change feeds send for its updates and deletes",
                    Ident::new(r.name.as_str())
                ),
                _ => format!(
                    "setting the replica identity of `{name}` back to its primary key changes the old values logical replication and change feeds send for its updates and deletes"
                ),
            };
            cx.report(name, Some(cx.stmt.span), message);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-replica-identity";
    const CREATE: &str = "create table public.t (id bigint primary key, note text);";

    #[test]
    fn a_table_from_an_earlier_file_fires() {
        let out = files(&[("1.sql", CREATE), ("2.sql", "alter table public.t replica identity full;")])
            .fires(RULE);
        assert_eq!(
            out,
            "2.sql:1:1 ban-replica-identity warning [public.t] setting the replica identity of `public.t` to FULL changes what logical replication and change feeds send for its updates and deletes, and makes them heavier"
        );
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter table public.t replica identity nothing;"),
        ])
        .fires(RULE);
        assert!(out.contains("fail"), "{out}");
    }

    #[test]
    fn a_table_made_in_the_same_file_is_quiet() {
        case(&format!("{CREATE}\nalter table public.t replica identity full;")).quiet(RULE);
    }

    #[test]
    fn off_by_default() {
        assert_eq!(
            crate::rules::find(RULE).map(|r| r.doc.default_enabled),
            Some(false)
        );
    }
}
