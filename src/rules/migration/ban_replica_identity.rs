//! `ALTER TABLE ... REPLICA IDENTITY` on an existing table, and a publication dropped or narrowed. Docs: rules/ban-replica-identity.yaml.

use pg_query::protobuf::{self as pb, AlterPublicationAction as Action, AlterTableType as At};
use pg_query::NodeEnum;

use crate::catalog::{Ident, QualifiedName};
use crate::rules::support::changes::{new_in_this_file, relation_new_in_this_file};
use crate::rules::support::drops::{altered_table, drop_objects, dropped, plain_name};
use crate::rules::support::migration::alter_table_cmds;
use crate::rules::{StatementRule, StmtCtx};
use crate::sql::ast;

pub struct BanReplicaIdentity;

impl StatementRule for BanReplicaIdentity {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        if let Some(s) = dropped(cx, &[pb::ObjectType::ObjectPublication]) {
            for name in drop_objects(s).filter_map(plain_name) {
                if !publication_new(cx, &name) {
                    let message = format!(
                        "dropping publication `{name}` stops logical replication to every \
                         subscription that reads it"
                    );
                    cx.report(&publication(&name), Some(cx.stmt.span), message);
                }
            }
            return;
        }
        if let NodeEnum::AlterPublicationStmt(s) = &cx.stmt.node {
            altered_publication(cx, s);
            return;
        }
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

/// `ALTER PUBLICATION`: dropping tables or schemas, replacing them (SET
/// TABLE / TABLES IN SCHEMA: what it does not name leaves), or setting
/// options. Adding tables or schemas takes nothing from a subscriber.
fn altered_publication(cx: &mut StmtCtx<'_>, s: &pb::AlterPublicationStmt) {
    let name = Ident::new(s.pubname.as_str());
    if publication_new(cx, &name) {
        return;
    }
    let message = if !s.options.is_empty() {
        let options: Vec<String> = ast::def_elems(&s.options)
            .map(|d| format!("`{}`", d.defname))
            .collect();
        format!(
            "setting {} of publication `{name}` changes what its subscribers receive",
            options.join(", ")
        )
    } else {
        match Action::try_from(s.action) {
            Ok(Action::ApDropObjects) => format!(
                "taking tables or schemas out of publication `{name}` stops sending their \
                 changes to its subscribers"
            ),
            Ok(Action::ApSetObjects) => format!(
                "replacing the tables and schemas of publication `{name}` stops sending the \
                 changes of those it no longer names to its subscribers"
            ),
            _ => return,
        }
    };
    cx.report(&publication(&name), Some(cx.stmt.span), message);
}

/// A publication made earlier in this file: no subscription reads it yet.
fn publication_new(cx: &StmtCtx<'_>, name: &Ident) -> bool {
    cx.catalog
        .publications
        .get(name)
        .is_some_and(|p| new_in_this_file(cx, &p.origin))
}

/// Publications are not schema objects: named as a row of pg_publication.
fn publication(name: &Ident) -> QualifiedName {
    QualifiedName::new("pg_publication", name.clone())
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "ban-replica-identity";
    const CREATE: &str = "create table public.t (id bigint primary key, note text);";

    #[test]
    fn a_table_from_an_earlier_file_fires() {
        let out = files(&[
            ("1.sql", CREATE),
            ("2.sql", "alter table public.t replica identity full;"),
        ])
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
        case(&format!(
            "{CREATE}\nalter table public.t replica identity full;"
        ))
        .quiet(RULE);
    }

    #[test]
    fn dropping_or_narrowing_a_publication_fires() {
        let pubs = "create publication feed for table public.t;";
        for (sql, words) in [
            ("drop publication feed;", "dropping publication `feed` stops"),
            ("drop publication if exists feed, other;", "publication `other`"),
            ("alter publication feed drop table public.t;", "taking tables or schemas out"),
            ("alter publication feed drop tables in schema public;", "taking tables"),
            ("alter publication feed set table public.t (id);", "replacing the tables"),
            ("alter publication feed set tables in schema public;", "replacing"),
            (
                "alter publication feed set (publish = 'insert', publish_via_partition_root = true);",
                "setting `publish`, `publish_via_partition_root` of publication `feed` changes",
            ),
        ] {
            let out = files(&[("1.sql", &format!("{CREATE}\n{pubs}")), ("2.sql", sql)]).fires(RULE);
            assert!(out.contains(words), "{sql}: {out}");
            assert!(out.contains("[pg_publication."), "{sql}: {out}");
        }
    }

    #[test]
    fn adding_to_a_publication_or_renaming_it_is_quiet() {
        let pubs = "create publication feed for table public.t;";
        for sql in [
            "alter publication feed add table public.u;",
            "alter publication feed add tables in schema public;",
            "alter publication feed owner to postgres;",
            "alter publication feed rename to feed2;",
            "create publication other for all tables;",
        ] {
            let setup = format!("{CREATE}\ncreate table public.u (id bigint);\n{pubs}");
            files(&[("1.sql", &setup), ("2.sql", sql)]).quiet(RULE);
        }
    }

    #[test]
    fn a_publication_made_in_the_same_file_is_quiet() {
        case(&format!(
            "{CREATE}\ncreate publication feed for table public.t;\n\
             alter publication feed set (publish = 'insert');\n\
             alter publication feed drop table public.t;\n\
             drop publication feed;"
        ))
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
