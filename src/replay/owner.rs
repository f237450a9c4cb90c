//! Owners: `ALTER ... OWNER TO`, `CREATE SCHEMA ... AUTHORIZATION`,
//! `REASSIGN OWNED BY`, and the role `SET ROLE` / `SET SESSION
//! AUTHORIZATION` make the creator of what follows.
//!
//! An owner is recorded only where a statement names one: an object made
//! by the role running the migrations (and one given back to it with
//! `OWNER TO CURRENT_USER`) has none in the model, since the migrations do
//! not say which role that is.

use pg_query::protobuf::{self as pb, ObjectType as Ot};
use pg_query::NodeEnum;

use super::Replayer;
use crate::catalog::{reassigned_from, reassigned_owner, Ident, QualifiedName};
use crate::sql::ast;

impl Replayer {
    /// The owner of an object a statement makes now: the role `SET ROLE`
    /// or `SET SESSION AUTHORIZATION` switched to, else None (the role
    /// running the migrations).
    pub(super) fn creator(&self) -> Option<Ident> {
        self.session
            .role
            .clone()
            .or_else(|| self.session.user.clone())
    }

    /// The role a role specification names, None for the one running the
    /// migrations (`CURRENT_USER`, `CURRENT_ROLE`, `SESSION_USER`, unless a
    /// `SET` named it) or for `PUBLIC` (never an owner).
    fn owner_role(&self, spec: &pb::RoleSpec) -> Option<Ident> {
        use pb::RoleSpecType as T;
        match T::try_from(spec.roletype) {
            Ok(T::RolespecCurrentUser | T::RolespecCurrentRole) => self.creator(),
            Ok(T::RolespecSessionUser) => self.session.user.clone(),
            Ok(T::RolespecCstring) => Some(Ident::new(spec.rolename.clone())),
            _ => None,
        }
    }

    /// `SET ROLE`, `RESET ROLE`, `SET SESSION AUTHORIZATION`: who makes
    /// (and so owns) the objects after it, until the file ends.
    pub(super) fn set_session_role(&mut self, s: &pb::VariableSetStmt) {
        use pb::VariableSetKind as K;
        let value = match K::try_from(s.kind) {
            Ok(K::VarSetValue) => s.args.first().and_then(ast::const_text),
            Ok(K::VarSetDefault | K::VarReset) => None,
            _ => return,
        };
        match s.name.as_str() {
            "role" => {
                self.session.role = value
                    .filter(|v| !v.eq_ignore_ascii_case("none"))
                    .map(Ident::new);
            }
            // It resets the role too.
            "session_authorization" => {
                self.session.user = value.map(Ident::new);
                self.session.role = None;
            }
            _ => {}
        }
    }

    /// `ALTER TABLE / VIEW / MATERIALIZED VIEW / SEQUENCE / FOREIGN TABLE
    /// ... OWNER TO`: the subcommands of `s` that change the owner. True
    /// when `s` names a sequence, which ALTER TABLE's other subcommands
    /// do not apply to.
    pub(super) fn alter_relation_owner(&mut self, s: &pb::AlterTableStmt) -> bool {
        let Some(rv) = &s.relation else {
            return false;
        };
        let found = self.find_relation(rv);
        for cmd in ast::alter_table_cmds(s) {
            if pb::AlterTableType::try_from(cmd.subtype) != Ok(pb::AlterTableType::AtChangeOwner) {
                continue;
            }
            let Some(spec) = &cmd.newowner else { continue };
            if let Some(name) = &found {
                let owner = self.owner_role(spec);
                self.set_relation_owner(name, owner);
            }
        }
        Ot::try_from(s.objtype) == Ok(Ot::ObjectSequence)
            && found.is_some_and(|q| self.catalog.sequences.contains_key(&q))
    }

    /// A table's, view's or sequence's new owner. A table's serial and
    /// identity sequences follow it, as PostgreSQL moves them.
    fn set_relation_owner(&mut self, name: &QualifiedName, owner: Option<Ident>) {
        if let Some(t) = self.catalog.tables.get_mut(name) {
            if let Some(role) = &owner {
                // The model lists the privileges of roles other than the owner.
                t.grants.revoke(role, ["ALL"]);
                for c in &mut t.columns {
                    c.grants.revoke(role, ["ALL"]);
                }
            }
            t.owner.clone_from(&owner);
            for s in self.catalog.sequences.values_mut() {
                if s.owned_by.as_ref().is_some_and(|(table, _)| table == name) {
                    if let Some(role) = &owner {
                        s.grants.revoke(role, ["ALL"]);
                    }
                    s.owner.clone_from(&owner);
                }
            }
        } else if let Some(v) = self.catalog.views.get_mut(name) {
            if let Some(role) = &owner {
                v.grants.revoke(role, ["ALL"]);
            }
            v.owner = owner;
        } else if let Some(s) = self.catalog.sequences.get_mut(name) {
            if let Some(role) = &owner {
                s.grants.revoke(role, ["ALL"]);
            }
            s.owner = owner;
        }
    }

    /// `ALTER SCHEMA / FUNCTION / PROCEDURE / ROUTINE / AGGREGATE / TYPE /
    /// DOMAIN / PUBLICATION ... OWNER TO`.
    pub(super) fn alter_owner(&mut self, s: &pb::AlterOwnerStmt) {
        let Some(spec) = &s.newowner else { return };
        let owner = self.owner_role(spec);
        let Some(object) = s.object.as_deref().and_then(|o| o.node.as_ref()) else {
            return;
        };
        match (Ot::try_from(s.object_type), object) {
            (Ok(Ot::ObjectSchema), NodeEnum::String(name)) => {
                if let Some(schema) = self.catalog.schemas.get_mut(&Ident::new(name.sval.clone())) {
                    schema.owner = owner;
                }
            }
            (Ok(Ot::ObjectPublication), NodeEnum::String(name)) => {
                let name = Ident::new(name.sval.clone());
                if let Some(p) = self.catalog.publications.get_mut(&name) {
                    p.owner = owner;
                }
            }
            (
                Ok(
                    Ot::ObjectFunction
                    | Ot::ObjectProcedure
                    | Ot::ObjectRoutine
                    | Ot::ObjectAggregate,
                ),
                NodeEnum::ObjectWithArgs(f),
            ) => {
                for (name, i) in self.matching_functions(f) {
                    if let Some(f) = self.catalog.function_mut(&name, i) {
                        if let Some(role) = &owner {
                            f.execute_grantees.remove(role);
                        }
                        f.owner.clone_from(&owner);
                    }
                }
            }
            (Ok(Ot::ObjectType | Ot::ObjectDomain), NodeEnum::List(names)) => {
                let Some(q) = self.type_ref(&names.items) else {
                    return;
                };
                if let Some(t) = self.catalog.types.get_mut(&q) {
                    t.owner = owner;
                }
            }
            _ => {}
        }
    }

    /// `CREATE SCHEMA ... AUTHORIZATION role CREATE ...`: the objects its
    /// elements made are the role's (`before`: the names the schema had
    /// before they ran).
    pub(super) fn schema_elements_owner(
        &mut self,
        s: &pb::CreateSchemaStmt,
        schema: &Ident,
        before: &std::collections::BTreeSet<QualifiedName>,
    ) {
        let Some(spec) = &s.authrole else { return };
        let owner = self.owner_role(spec);
        let made: Vec<QualifiedName> = self
            .schema_objects(schema)
            .into_iter()
            .filter(|q| !before.contains(q))
            .collect();
        for q in made {
            if let Some(t) = self.catalog.types.get_mut(&q) {
                t.owner.clone_from(&owner);
            } else {
                self.set_relation_owner(&q, owner.clone());
            }
        }
    }

    /// The owner `CREATE SCHEMA ... AUTHORIZATION role` gives a new schema.
    pub(super) fn schema_owner(&self, s: &pb::CreateSchemaStmt) -> Option<Ident> {
        match &s.authrole {
            Some(spec) => self.owner_role(spec),
            None => self.creator(),
        }
    }

    /// The names of the relations and types in `schema`.
    pub(super) fn schema_objects(
        &self,
        schema: &Ident,
    ) -> std::collections::BTreeSet<QualifiedName> {
        let c = &self.catalog;
        c.tables
            .keys()
            .chain(c.views.keys())
            .chain(c.sequences.keys())
            .chain(c.types.keys())
            .filter(|q| q.schema == *schema)
            .cloned()
            .collect()
    }

    /// `REASSIGN OWNED BY old, ... TO new`: what the model knows `old`
    /// owns goes to `new`. An object of the role running the migrations
    /// moves when that role is named as `CURRENT_USER` (or `CURRENT_ROLE`,
    /// `SESSION_USER`); under a name, the model cannot tell it is that
    /// role, so its objects get a [`reassigned_owner`]: `new` if the named
    /// role is the one running the migrations (drift finds out which).
    pub(super) fn reassign_owned(&mut self, s: &pb::ReassignOwnedStmt) {
        let Some(spec) = &s.newrole else { return };
        let to = self.owner_role(spec);
        let from: Vec<Option<Ident>> = s
            .roles
            .iter()
            .filter_map(|r| match &r.node {
                Some(NodeEnum::RoleSpec(spec)) => Some(self.owner_role(spec)),
                _ => None,
            })
            .collect();
        // The first role named by its name: perhaps the migrations' own.
        let named = from.iter().flatten().next().cloned();
        // The new owner of an object of `owner`, if it moves.
        let moved = |owner: &Option<Ident>, origin: &crate::catalog::Origin| {
            // The platform's objects are not the migrations' role's.
            if owner.is_none() && origin.is_baseline() {
                return None;
            }
            if from.contains(owner) {
                return Some(to.clone());
            }
            match owner {
                Some(o) => {
                    let (role, had) = reassigned_from(o)?;
                    // `CURRENT_USER` named too: the named role is another.
                    if from.contains(&None) {
                        return Some(to.clone());
                    }
                    // What the named role would have had moves on.
                    from.contains(&Some(had))
                        .then(|| to.as_ref().map(|to| reassigned_owner(&role, to)))
                }
                None => match (&named, &to) {
                    (Some(role), Some(to)) => Some(Some(reassigned_owner(role, to))),
                    _ => None,
                },
            }
        };
        let c = &mut self.catalog;
        for x in c.schemas.values_mut() {
            if let Some(owner) = moved(&x.owner, &x.origin) {
                x.owner = owner;
            }
        }
        // Tables, views and standalone sequences; a table's serial and
        // identity sequences follow it (`set_relation_owner`).
        let relations: Vec<(QualifiedName, Option<Ident>)> = c
            .tables
            .values()
            .filter_map(|t| Some((t.name.clone(), moved(&t.owner, &t.origin)?)))
            .chain(
                c.views
                    .values()
                    .filter_map(|v| Some((v.name.clone(), moved(&v.owner, &v.origin)?))),
            )
            .chain(
                c.sequences
                    .values()
                    .filter(|s| s.owned_by.is_none())
                    .filter_map(|s| Some((s.name.clone(), moved(&s.owner, &s.origin)?))),
            )
            .collect();
        for f in c.functions.values_mut().flatten() {
            if let Some(owner) = moved(&f.owner, &f.origin) {
                if let Some(role) = &owner {
                    f.execute_grantees.remove(role);
                }
                f.owner = owner;
            }
        }
        for t in c.types.values_mut() {
            if let Some(owner) = moved(&t.owner, &t.origin) {
                t.owner = owner;
            }
        }
        for p in c.publications.values_mut() {
            if let Some(owner) = moved(&p.owner, &p.origin) {
                p.owner = owner;
            }
        }
        for e in c.extensions.values_mut() {
            if let Some(owner) = moved(&e.owner, &e.origin) {
                e.owner = owner;
            }
        }
        for (q, owner) in relations {
            self.set_relation_owner(&q, owner);
        }
    }
}

/// The role `SET ROLE` and `SET SESSION AUTHORIZATION` switched to, in
/// this file (each migration file runs in a fresh session).
#[derive(Debug, Clone, Default)]
pub(super) struct Session {
    pub role: Option<Ident>,
    pub user: Option<Ident>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Catalog, Platform};

    fn replay(sql: &str) -> Catalog {
        crate::replay::tests::replay_on(Platform::Postgres, sql)
    }

    fn q(s: &str, n: &str) -> QualifiedName {
        QualifiedName::new(s, n)
    }

    fn role(name: &str) -> Option<Ident> {
        Some(Ident::new(name))
    }

    #[test]
    fn owner_to_sets_each_kind_of_owner() {
        let cat = replay(
            "create schema app;
             alter schema app owner to boss;
             create table app.t (id int, n int);
             alter table app.t owner to a;
             create view app.v as select id from app.t;
             alter view app.v owner to b;
             create materialized view app.m as select id from app.t;
             alter materialized view app.m owner to c;
             create sequence app.s;
             alter sequence app.s owner to d;
             create function app.f(x int) returns int language sql as $$ select x $$;
             create function app.f(x text) returns text language sql as $$ select x $$;
             alter function app.f(int) owner to e;
             create procedure app.p() language sql as $$ select 1 $$;
             alter procedure app.p() owner to \"Mixed\";
             create type app.mood as enum ('ok');
             alter type app.mood owner to g;
             create domain app.pos as int check (value > 0);
             alter domain app.pos owner to h;
             create type app.pair as (a int, b int);
             alter type app.pair owner to i;
             create publication pub for table app.t;
             alter publication pub owner to j;
             create table app.implicit (id int);",
        );
        assert_eq!(cat.schemas[&Ident::new("app")].owner, role("boss"));
        assert_eq!(cat.tables[&q("app", "t")].owner, role("a"));
        assert_eq!(cat.views[&q("app", "v")].owner, role("b"));
        assert_eq!(cat.views[&q("app", "m")].owner, role("c"));
        assert_eq!(cat.sequences[&q("app", "s")].owner, role("d"));
        let f = &cat.functions[&q("app", "f")];
        assert_eq!(f[0].owner, role("e"));
        assert_eq!(f[1].owner, None);
        assert_eq!(cat.functions[&q("app", "p")][0].owner, role("Mixed"));
        assert_eq!(cat.types[&q("app", "mood")].owner, role("g"));
        assert_eq!(cat.types[&q("app", "pos")].owner, role("h"));
        assert_eq!(cat.types[&q("app", "pair")].owner, role("i"));
        assert_eq!(cat.publications[&Ident::new("pub")].owner, role("j"));
        assert_eq!(cat.tables[&q("app", "implicit")].owner, None);
        // ALTER SEQUENCE ... OWNER TO makes no table of the sequence.
        assert!(!cat.tables.contains_key(&q("app", "s")));
    }

    #[test]
    fn owner_to_current_user_is_the_migrations_role_again() {
        let cat = replay(
            "create table t (id int);
             alter table t owner to a;
             alter table t owner to current_user;
             create table u (id int);
             alter table u owner to a;
             alter table u owner to session_user;",
        );
        assert_eq!(cat.tables[&q("public", "t")].owner, None);
        assert_eq!(cat.tables[&q("public", "u")].owner, None);
    }

    #[test]
    fn owner_follows_renames_and_replaces_but_not_a_drop() {
        let cat = replay(
            "create table t (id int);
             alter table t owner to a;
             alter table t rename to t2;
             create view v as select 1 as x;
             alter view v owner to b;
             create or replace view v as select 1 as x, 2 as y;
             create function f() returns int language sql as $$ select 1 $$;
             alter function f owner to c;
             create or replace function f() returns int language sql as $$ select 2 $$;
             create table gone (id int);
             alter table gone owner to d;
             drop table gone;
             create table gone (id int);",
        );
        assert_eq!(cat.tables[&q("public", "t2")].owner, role("a"));
        assert_eq!(cat.views[&q("public", "v")].owner, role("b"));
        assert_eq!(cat.functions[&q("public", "f")][0].owner, role("c"));
        assert_eq!(cat.tables[&q("public", "gone")].owner, None);
    }

    #[test]
    fn a_serial_sequence_follows_its_table() {
        let cat = replay("create table t (id serial); alter table t owner to a;");
        assert_eq!(cat.sequences[&q("public", "t_id_seq")].owner, role("a"));
    }

    #[test]
    fn create_schema_authorization_owns_the_schema_and_its_elements() {
        let cat = replay(
            "create schema app authorization boss
                create table t (id int)
                create view v as select id from t;
             create table app.later (id int);
             create schema authorization solo;
             create schema if not exists app authorization other;",
        );
        assert_eq!(cat.schemas[&Ident::new("app")].owner, role("boss"));
        assert_eq!(cat.tables[&q("app", "t")].owner, role("boss"));
        assert_eq!(cat.views[&q("app", "v")].owner, role("boss"));
        assert_eq!(cat.tables[&q("app", "later")].owner, None);
        assert_eq!(cat.schemas[&Ident::new("solo")].owner, role("solo"));
    }

    #[test]
    fn reassign_owned_moves_what_the_role_owns() {
        let cat = replay(
            "create table a_t (id int);
             alter table a_t owner to a;
             create function a_f() returns int language sql as $$ select 1 $$;
             alter function a_f() owner to a;
             create table b_t (id int);
             alter table b_t owner to b;
             create table mine (id int);
             reassign owned by a to c;
             create table later (id int);
             reassign owned by current_user to d;",
        );
        assert_eq!(cat.tables[&q("public", "a_t")].owner, role("c"));
        assert_eq!(cat.functions[&q("public", "a_f")][0].owner, role("c"));
        assert_eq!(cat.tables[&q("public", "b_t")].owner, role("b"));
        assert_eq!(cat.tables[&q("public", "mine")].owner, role("d"));
        assert_eq!(cat.tables[&q("public", "later")].owner, role("d"));
        // The platform's objects are not the migrations' role's.
        assert!(cat
            .tables
            .values()
            .filter(|t| t.origin.is_baseline())
            .all(|t| t.owner.is_none()));
    }

    #[test]
    fn set_role_makes_the_owner_of_what_follows() {
        let cat = replay(
            "set role app;
             create table a (id int);
             create function f() returns int language sql as $$ select 1 $$;
             alter table a owner to current_user;
             reset role;
             create table b (id int);
             set session authorization boss;
             create table c (id int);
             set role none;
             create table d (id int);
             set session authorization default;
             create table e (id int);",
        );
        assert_eq!(cat.tables[&q("public", "a")].owner, role("app"));
        assert_eq!(cat.functions[&q("public", "f")][0].owner, role("app"));
        assert_eq!(cat.tables[&q("public", "b")].owner, None);
        assert_eq!(cat.tables[&q("public", "c")].owner, role("boss"));
        assert_eq!(cat.tables[&q("public", "d")].owner, role("boss"));
        assert_eq!(cat.tables[&q("public", "e")].owner, None);
    }

    #[test]
    fn a_new_owners_own_grants_are_not_listed() {
        let cat = replay(
            "create table t (id int);
             grant select on t to a;
             grant select (id) on t to a;
             grant select on t to b;
             alter table t owner to a;
             create function f() returns int language sql as $$ select 1 $$;
             grant execute on function f() to a;
             alter function f() owner to a;",
        );
        let t = &cat.tables[&q("public", "t")];
        let holders: Vec<&str> = t.grants.holders().map(|r| r.as_str()).collect();
        assert_eq!(holders, ["b"]);
        assert!(t.columns[0].grants.holders().next().is_none());
        let f = &cat.functions[&q("public", "f")][0];
        assert!(!f.execute_grantees.contains(&Ident::new("a")));
    }
}
