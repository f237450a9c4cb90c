//! Owners: `ALTER ... OWNER TO`, `CREATE SCHEMA ... AUTHORIZATION`,
//! `REASSIGN OWNED BY`, `DROP OWNED BY`, and the role `SET ROLE` / `SET
//! SESSION AUTHORIZATION` make the creator of what follows.
//!
//! An owner is recorded only where a statement names one: an object made
//! by the role running the migrations (and one given back to it with
//! `OWNER TO CURRENT_USER`) has none in the model, since the migrations do
//! not say which role that is.

use pg_query::protobuf::{self as pb, ObjectType as Ot};
use pg_query::NodeEnum;

use super::Replayer;
use crate::catalog::{
    reassigned_from, reassigned_owner, Ident, KeptByDropOwned, Origin, QualifiedName, TypeKind,
};
use crate::sql::ast;
use crate::sql::split::Statement;

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
        for f in c.functions.values_mut().flat_map(|v| v.iter_mut()) {
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

impl Replayer {
    /// `DROP OWNED BY role, ... [CASCADE]`, as PostgreSQL runs it in the
    /// current database: the objects the roles own are dropped (what
    /// depends on them as `DROP ... CASCADE` is followed), every privilege
    /// granted to them is revoked (default privileges too), and a policy
    /// loses them from its roles (it is dropped when they were all it had).
    ///
    /// An object no migration gave an owner is the role's running the
    /// migrations, which they do not name: for a role named by its name
    /// that may be that one, such objects are kept and the statement is
    /// recorded ([`KeptByDropOwned`]), as are those a `REASSIGN OWNED`
    /// naming a role left undecided ([`reassigned_owner`]). The platform's
    /// objects are not the migrations' role's, as for `REASSIGN OWNED`.
    pub(super) fn drop_owned(&mut self, s: &pb::DropOwnedStmt, stmt: &Statement) {
        use pb::RoleSpecType as T;
        let specs: Vec<&pb::RoleSpec> = s
            .roles
            .iter()
            .filter_map(|r| match &r.node {
                Some(NodeEnum::RoleSpec(spec)) => Some(spec),
                _ => None,
            })
            .filter(|spec| T::try_from(spec.roletype) != Ok(T::RolespecPublic))
            .collect();
        if specs.is_empty() {
            return;
        }
        // None: the role running the migrations.
        let targets: Vec<Option<Ident>> = specs.iter().map(|spec| self.owner_role(spec)).collect();
        // The names privileges were granted to them under.
        let mut grantees: Vec<Ident> = targets.iter().flatten().cloned().collect();
        grantees.extend(specs.iter().map(|spec| super::role_spec(spec)));
        grantees.sort();
        grantees.dedup();

        let mut kept: Vec<String> = Vec::new();
        let mut judge = |what: String, owner: &Option<Ident>, origin: &Origin| match self
            .owned_by_any(&targets, owner, origin)
        {
            Owns::Yes => true,
            Owns::No => false,
            Owns::Unknown => {
                kept.push(what);
                false
            }
        };
        let c = &self.catalog;
        let schemas: Vec<Ident> = c
            .schemas
            .values()
            .filter(|x| judge(format!("schema {}", x.name), &x.owner, &x.origin))
            .map(|x| x.name.clone())
            .collect();
        // What is in a schema dropped goes with it, whoever owns it.
        let stays = |q: &QualifiedName| !schemas.contains(&q.schema);
        // Tables, views and standalone sequences; a table's serial and
        // identity sequences go with it.
        let mut relations: Vec<QualifiedName> = Vec::new();
        for t in c.tables.values().filter(|t| stays(&t.name)) {
            if judge(format!("table {}", t.name), &t.owner, &t.origin) {
                relations.push(t.name.clone());
            }
        }
        for v in c.views.values().filter(|v| stays(&v.name)) {
            if judge(format!("view {}", v.name), &v.owner, &v.origin) {
                relations.push(v.name.clone());
            }
        }
        for q in c.sequences.values() {
            if q.owned_by.is_none()
                && stays(&q.name)
                && judge(format!("sequence {}", q.name), &q.owner, &q.origin)
            {
                relations.push(q.name.clone());
            }
        }
        // An extension's own objects go with it.
        let mut functions: Vec<(QualifiedName, usize)> = Vec::new();
        // Those a trigger may run (no arguments).
        let mut trigger_functions: std::collections::BTreeSet<QualifiedName> = Default::default();
        for (name, overloads) in &c.functions {
            for (i, f) in overloads.iter().enumerate() {
                let gone = if stays(name) {
                    let dropped = !f.extension_owned
                        && judge(format!("function {name}"), &f.owner, &f.origin);
                    if dropped {
                        functions.push((name.clone(), i));
                    }
                    dropped
                } else {
                    true
                };
                if gone && f.signature().is_empty() {
                    trigger_functions.insert(name.clone());
                }
            }
        }
        let types: Vec<QualifiedName> = c
            .types
            .values()
            .filter(|t| t.kind != TypeKind::Opaque && stays(&t.name))
            .filter(|t| judge(format!("type {}", t.name), &t.owner, &t.origin))
            .map(|t| t.name.clone())
            .collect();
        let publications: Vec<Ident> = c
            .publications
            .values()
            .filter(|p| judge(format!("publication {}", p.name), &p.owner, &p.origin))
            .map(|p| p.name.clone())
            .collect();
        let extensions: Vec<Ident> = c
            .extensions
            .values()
            .filter(|e| !schemas.contains(&e.schema))
            .filter(|e| judge(format!("extension {}", e.name), &e.owner, &e.origin))
            .map(|e| e.name.clone())
            .collect();
        // Default privileges `FOR ROLE` them (without FOR ROLE: the role
        // running the statement's); those in a schema dropped go with it.
        let defaults: Vec<bool> = c
            .default_privileges
            .iter()
            .map(|dp| {
                if dp.schema.as_ref().is_some_and(|s| schemas.contains(s)) {
                    return false;
                }
                let kind = format!("{:?}", dp.kind).to_lowercase();
                let what = format!("default privileges on new {kind} to {}", dp.grantee);
                judge(what, &dp.role, &dp.origin)
            })
            .collect();
        // The `REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC` of the role running
        // the migrations (a migration's: not the platform's, so `Live`
        // stands for any origin but the baseline).
        let public_execute = c.public_execute_revoked
            && judge(
                "default privileges on new functions (EXECUTE revoked from PUBLIC)".to_string(),
                &None,
                &Origin::Live,
            );

        if !kept.is_empty() {
            self.catalog.kept_by_drop_owned.push(KeptByDropOwned {
                roles: specs.iter().map(|spec| as_written(spec)).collect(),
                kept,
                origin: self.stamp.origin(stmt),
            });
        }
        for schema in &schemas {
            self.drop_schema(schema);
        }
        for q in &relations {
            self.drop_relation(q);
        }
        for (name, i) in functions.into_iter().rev() {
            if let Some(overloads) = self.catalog.functions.get_mut(&name) {
                if i < overloads.len() {
                    overloads.remove(i);
                }
                if overloads.is_empty() {
                    self.catalog.functions.remove(&name);
                }
            }
        }
        for t in &types {
            self.catalog.types.remove(t);
        }
        for p in &publications {
            self.catalog.publications.remove(p);
        }
        for e in &extensions {
            self.drop_extension(e);
        }
        let mut doomed = defaults.into_iter();
        self.catalog
            .default_privileges
            .retain(|_| !doomed.next().unwrap_or(false));
        if public_execute {
            self.catalog.public_execute_revoked = false;
        }

        let c = &mut self.catalog;
        // A trigger that runs a function dropped: dropped with it (CASCADE;
        // without, PostgreSQL refuses unless its table goes too).
        for t in c.tables.values_mut().filter(|t| {
            t.triggers
                .iter()
                .any(|tr| trigger_functions.contains(&tr.function))
        }) {
            t.triggers
                .retain(|tr| !trigger_functions.contains(&tr.function));
        }
        // What was granted to them, on whatever is left.
        for role in &grantees {
            for t in c.tables.values_mut() {
                t.grants.revoke(role, ["ALL"]);
                for col in &mut t.columns {
                    col.grants.revoke(role, ["ALL"]);
                }
                // A policy loses the role; one that had only it goes.
                t.policies.retain_mut(|p| {
                    if !p.roles.contains(role) {
                        return true;
                    }
                    p.roles.retain(|r| r != role);
                    !p.roles.is_empty()
                });
            }
            for v in c.views.values_mut() {
                v.grants.revoke(role, ["ALL"]);
            }
            for q in c.sequences.values_mut() {
                q.grants.revoke(role, ["ALL"]);
            }
            for f in c.functions.values_mut().flat_map(|v| v.iter_mut()) {
                f.execute_grantees.remove(role);
            }
            for x in c.schemas.values_mut() {
                x.create_grantees.remove(role);
            }
            c.default_privileges.retain(|dp| dp.grantee != *role);
        }
    }

    /// Whether one of `targets` (None: the role running the migrations)
    /// owns an object of `owner` (as [`crate::catalog::Schema::owner`]).
    fn owned_by_any(
        &self,
        targets: &[Option<Ident>],
        owner: &Option<Ident>,
        origin: &Origin,
    ) -> Owns {
        // The platform's objects are not the migrations' role's.
        if owner.is_none() && origin.is_baseline() {
            return Owns::No;
        }
        let mut out = Owns::No;
        for target in targets {
            match self.owned_by(target.as_ref(), owner.as_ref()) {
                Owns::Yes => return Owns::Yes,
                Owns::Unknown => out = Owns::Unknown,
                Owns::No => {}
            }
        }
        out
    }

    /// Whether `target` owns an object of `owner` (None for both: the
    /// role running the migrations). A [`reassigned_owner`] is read both
    /// ways: the new owner's if its role runs the migrations, else theirs.
    fn owned_by(&self, target: Option<&Ident>, owner: Option<&Ident>) -> Owns {
        let Some((role, to)) = owner.and_then(reassigned_from) else {
            return self.same_role(target, owner, Runner::Unknown);
        };
        let otherwise = self.same_role(target, None, Runner::IsNot(&role));
        if self.not_the_runner(&role) {
            return otherwise;
        }
        let given = self.same_role(target, Some(&to), Runner::Is(&role));
        if given == otherwise {
            given
        } else {
            Owns::Unknown
        }
    }

    /// Whether `a` and `b` are the same role (None: the one running the
    /// migrations), given what is assumed of that one.
    fn same_role(&self, a: Option<&Ident>, b: Option<&Ident>, runner: Runner) -> Owns {
        match (a, b) {
            (None, None) => Owns::Yes,
            (None, Some(role)) | (Some(role), None) => match runner {
                Runner::Is(r) => Owns::from(role == r),
                Runner::IsNot(r) if role == r => Owns::No,
                _ if self.not_the_runner(role) => Owns::No,
                _ => Owns::Unknown,
            },
            (Some(a), Some(b)) => Owns::from(a == b),
        }
    }

    /// Whether `role` is certainly not the one running the migrations: a
    /// role a migration made (the one running them existed before), one
    /// of PostgreSQL's predefined roles (`pg_*`), or one of Supabase's API
    /// roles, none of which can log in.
    fn not_the_runner(&self, role: &Ident) -> bool {
        let api = self.catalog.platform == crate::catalog::Platform::Supabase
            && matches!(role.as_str(), "anon" | "authenticated" | "service_role");
        api || self.made_roles.contains(role) || role.as_str().starts_with("pg_")
    }
}

/// A role specification as SQL writes it.
fn as_written(spec: &pb::RoleSpec) -> String {
    use pb::RoleSpecType as T;
    match T::try_from(spec.roletype) {
        Ok(T::RolespecCurrentUser) => "CURRENT_USER".to_string(),
        Ok(T::RolespecCurrentRole) => "CURRENT_ROLE".to_string(),
        Ok(T::RolespecSessionUser) => "SESSION_USER".to_string(),
        Ok(T::RolespecPublic) => "PUBLIC".to_string(),
        _ => Ident::new(spec.rolename.clone()).to_string(),
    }
}

/// Whether an object belongs to the roles a `DROP OWNED` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owns {
    Yes,
    No,
    /// It does if one of them is the role running the migrations.
    Unknown,
}

impl From<bool> for Owns {
    fn from(yes: bool) -> Owns {
        if yes {
            Owns::Yes
        } else {
            Owns::No
        }
    }
}

/// What is assumed of the role running the migrations.
#[derive(Clone, Copy)]
enum Runner<'a> {
    Unknown,
    Is(&'a Ident),
    IsNot(&'a Ident),
}

/// The role `SET ROLE` and `SET SESSION AUTHORIZATION` switched to, in
/// this file (each migration file runs in a fresh session).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
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
    fn drop_owned_drops_the_roles_objects_and_revokes_its_privileges() {
        // As PostgreSQL 15 left each of these.
        let cat = replay(
            "create role app;
             create schema s;
             create table s.kept (id serial primary key, a int);
             grant select, insert on s.kept to app;
             grant update (a) on s.kept to app;
             grant select on s.kept to other;
             grant usage on sequence s.kept_id_seq to app;
             create sequence s.counter;
             grant usage on sequence s.counter to app;
             create view s.kept_v as select id from s.kept;
             grant select on s.kept_v to app;
             create function s.kept_f() returns int language sql as $$ select 1 $$;
             grant execute on function s.kept_f() to app;
             grant create on schema s to app;
             alter table s.kept enable row level security;
             create policy only_app on s.kept to app using (true);
             create policy shared on s.kept to app, other using (true);
             alter default privileges in schema s grant select on tables to app;
             alter default privileges for role app in schema s grant select on tables to other;
             create schema owned authorization app;
             create table owned.t (id int);
             set role app;
             create table s.theirs (id int);
             create function s.theirs_f() returns trigger language plpgsql as $$ begin return new; end $$;
             create type s.mood as enum ('x');
             create view s.v as select 1 as x;
             create sequence s.their_seq;
             reset role;
             create trigger tr before insert on s.kept for each row execute function s.theirs_f();
             create table s.given (id int);
             alter table s.given owner to app;
             create publication pub for table s.kept;
             alter publication pub owner to app;
             drop owned by app cascade;",
        );
        let kept = &cat.tables[&q("s", "kept")];
        let holders = |g: &crate::catalog::Grants| -> Vec<String> {
            g.holders().map(|r| r.to_string()).collect()
        };
        assert_eq!(holders(&kept.grants), ["other"]);
        assert!(kept.columns.iter().all(|c| holders(&c.grants).is_empty()));
        assert!(holders(&cat.sequences[&q("s", "kept_id_seq")].grants).is_empty());
        assert!(holders(&cat.sequences[&q("s", "counter")].grants).is_empty());
        assert!(holders(&cat.views[&q("s", "kept_v")].grants).is_empty());
        let f = &cat.functions[&q("s", "kept_f")][0];
        assert_eq!(
            f.execute_grantees.iter().collect::<Vec<_>>(),
            [&Ident::new("public")]
        );
        assert!(cat.schemas[&Ident::new("s")].create_grantees.is_empty());
        // A policy for the role alone goes; one for others loses it.
        let policies: Vec<(String, Vec<String>)> = kept
            .policies
            .iter()
            .map(|p| {
                let roles = p.roles.iter().map(|r| r.to_string()).collect();
                (p.name.to_string(), roles)
            })
            .collect();
        assert_eq!(
            policies,
            [("shared".to_string(), vec!["other".to_string()])]
        );
        // Its default privileges, and those granted to it, are gone.
        assert!(
            cat.default_privileges.is_empty(),
            "{:?}",
            cat.default_privileges
        );
        // What it owns is dropped; a trigger running its function too.
        assert!(!cat.schemas.contains_key(&Ident::new("owned")));
        assert!(!cat.tables.contains_key(&q("owned", "t")));
        for gone in ["theirs", "given"] {
            assert!(!cat.tables.contains_key(&q("s", gone)), "{gone}");
        }
        assert!(!cat.views.contains_key(&q("s", "v")));
        assert!(!cat.sequences.contains_key(&q("s", "their_seq")));
        assert!(!cat.functions.contains_key(&q("s", "theirs_f")));
        assert!(!cat.types.contains_key(&q("s", "mood")));
        assert!(kept.triggers.is_empty());
        assert!(!cat.publications.contains_key(&Ident::new("pub")));
        // `app` was made here: not the migrations' role, nothing in doubt.
        assert!(cat.kept_by_drop_owned.is_empty());
        assert!(cat.tables.contains_key(&q("s", "kept")));
    }

    #[test]
    fn drop_owned_keeps_what_it_cannot_tell_is_the_roles() {
        let cat = replay(
            "create table mine (id int);
             create table given (id int);
             alter table given owner to boss;
             create role made;
             create table made_t (id int);
             alter table made_t owner to made;
             create schema bosses authorization boss;
             create table bosses.inside (id int);
             alter default privileges in schema bosses grant select on tables to made;
             drop owned by boss cascade;",
        );
        // `boss` may be the role running the migrations: its `mine` stays,
        // and the statement says so; what is in boss's schema goes with it.
        assert!(!cat.tables.contains_key(&q("public", "given")));
        assert!(!cat.tables.contains_key(&q("bosses", "inside")));
        assert!(cat.default_privileges.is_empty());
        assert!(cat.tables.contains_key(&q("public", "mine")));
        assert!(cat.tables.contains_key(&q("public", "made_t")));
        let kept: Vec<(&[String], &[String])> = cat
            .kept_by_drop_owned
            .iter()
            .map(|k| (k.roles.as_slice(), k.kept.as_slice()))
            .collect();
        assert_eq!(
            kept,
            [(
                &["boss".to_string()][..],
                &["table public.mine".to_string()][..]
            )]
        );
        // The platform's objects are not the migrations' role's.
        assert!(cat.schemas.contains_key(&Ident::new("public")));

        // CURRENT_USER is the role running them: its objects go; one of a
        // role made here stays; one of a role named by its name may be its.
        let cat = replay(
            "create table mine (id int);
             create table given (id int);
             alter table given owner to boss;
             create role made;
             create table made_t (id int);
             alter table made_t owner to made;
             alter default privileges revoke execute on functions from public;
             drop owned by current_user;
             create function later() returns int language sql as $$ select 1 $$;",
        );
        assert!(!cat.tables.contains_key(&q("public", "mine")));
        assert!(cat.tables.contains_key(&q("public", "made_t")));
        assert!(cat.tables.contains_key(&q("public", "given")));
        assert_eq!(cat.kept_by_drop_owned.len(), 1);
        assert_eq!(cat.kept_by_drop_owned[0].roles, ["CURRENT_USER"]);
        assert_eq!(cat.kept_by_drop_owned[0].kept, ["table public.given"]);
        // Its REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC went with it.
        assert!(cat.functions[&q("public", "later")][0]
            .execute_grantees
            .contains(&Ident::new("public")));
        assert!(!cat.schemas.is_empty());
    }

    #[test]
    fn drop_owned_reads_what_reassign_owned_left_undecided() {
        // `before` is `heir`'s if `boss` ran the migrations, else theirs.
        let cat = replay(
            "create table before (id int);
             reassign owned by boss to heir;
             drop owned by boss;",
        );
        assert!(cat.tables.contains_key(&q("public", "before")));
        assert!(cat.kept_by_drop_owned.is_empty());
        let cat = replay(
            "create role heir;
             create table before (id int);
             reassign owned by boss to heir;
             drop owned by heir;",
        );
        assert!(cat.tables.contains_key(&q("public", "before")));
        assert_eq!(cat.kept_by_drop_owned[0].kept, ["table public.before"]);
        // `made` is not the migrations' role: `before` stayed theirs.
        let cat = replay(
            "create role made;
             create table before (id int);
             reassign owned by made to heir;
             drop owned by current_user;",
        );
        assert!(!cat.tables.contains_key(&q("public", "before")));
        assert!(cat.kept_by_drop_owned.is_empty());
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
