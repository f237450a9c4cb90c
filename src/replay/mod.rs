//! Applies parsed statements, in order, to the catalog.
//!
//! Replay never fails: a statement about an object that does not exist (yet)
//! is skipped here, and the `undefined-object` rule reports it. A statement
//! that creates what certainly exists already is not applied at all
//! (`rejects`; the lint run asks before it applies), and the
//! `object-already-exists` rule reports it. Statement kinds
//! that do not change the schema model (DML, COMMENT, transactions) pass
//! through untouched; DO blocks are recorded but not executed.

mod function;
mod misc;
mod owner;
mod pgmq;
mod policy;
mod publication;
mod rejects;
mod table;

pub use rejects::Rejection;

use pg_query::protobuf as pb;
use pg_query::NodeEnum;

use crate::catalog::{baseline, resolve, Catalog, Expr, Ident, Origin, QualifiedName};
use crate::sql::ast;
use crate::sql::split::Statement;

/// Where the objects a statement builds come from, as their [`Origin`] says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Stamp {
    /// A migration file: an object points at the statement, or the clause,
    /// that made it.
    Migration,
    /// DDL pgvet wrote from a live database's catalog, whose positions mean
    /// nothing to a user: an object is `Live` when it lies in a schema the
    /// audit covers (`audited`), else `Baseline`.
    Live { audited: bool },
}

impl Stamp {
    /// The origin of an object `stmt` builds.
    pub fn origin(self, stmt: &Statement) -> Origin {
        match self {
            Stamp::Migration => Origin::Migration(stmt.span),
            Stamp::Live { audited: true } => Origin::Live,
            Stamp::Live { audited: false } => Origin::Baseline,
        }
    }

    /// The origin of an object built by the clause at `location` of `stmt`.
    pub fn origin_at(self, stmt: &Statement, location: i32) -> Origin {
        match self {
            Stamp::Migration => Origin::Migration(stmt.span_at(location)),
            live => live.origin(stmt),
        }
    }

    /// Whether positions in the statement's text are a user's file.
    pub fn has_positions(self) -> bool {
        self == Stamp::Migration
    }
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct Replayer {
    pub catalog: Catalog,
    /// The session's search_path (without the implicit pg_catalog).
    pub search_path: Vec<Ident>,
    /// `--assume-existing`: ALTER TABLE on a table no migration created
    /// gives it a stand-in instead of being skipped.
    pub assume_existing: bool,
    /// Indexes created `ON ONLY` a partitioned table, with the partitions
    /// that have no index attached to them yet: PostgreSQL keeps such an
    /// index invalid until `ALTER INDEX ... ATTACH PARTITION` has covered
    /// every partition it had.
    unattached: std::collections::BTreeMap<(QualifiedName, Ident), Vec<QualifiedName>>,
    /// What the objects the next statements build are marked with: the
    /// source sets it (a migration's positions, or a live database).
    pub stamp: Stamp,
    /// The grants the last new relation got from default privileges, which
    /// the next one shares when it gets the same.
    last_grants: Option<crate::catalog::Grants>,
    /// The PRIMARY KEY and UNIQUE constraints the current CREATE or ALTER
    /// TABLE added, with whether their name was written (`table::merge_keys`).
    stmt_keys: Vec<(Ident, bool)>,
    /// Every name a constraint or index of the model has had: a name not
    /// in it is free, without a look through every table (generated names
    /// step past taken ones, as PostgreSQL's `ChooseRelationName` does).
    named: std::collections::HashSet<String>,
    /// Since where a drop the model may not see could have happened
    /// (`rejects`): an object older than that may be gone.
    doubt: rejects::Doubt,
    /// The role `SET ROLE` / `SET SESSION AUTHORIZATION` made the owner
    /// of what the next statements make.
    session: owner::Session,
    /// The schema the runner puts first in each file's search_path (see
    /// [`Replayer::set_runner_schema`]).
    runner_schema: Option<Ident>,
    /// The roles a migration made (`CREATE ROLE`): none of them is the
    /// role that runs the migrations, which existed before them.
    made_roles: std::collections::BTreeSet<Ident>,
}

impl Replayer {
    pub fn new(catalog: Catalog) -> Self {
        let search_path = baseline::default_search_path(catalog.platform);
        let named = catalog
            .tables
            .values()
            .flat_map(|t| {
                let constraints = t.constraints.iter().map(|c| c.name.as_str().to_string());
                constraints.chain(t.indexes.iter().map(|i| i.name.as_str().to_string()))
            })
            .collect();
        Replayer {
            named,
            catalog,
            search_path,
            assume_existing: false,
            unattached: Default::default(),
            stamp: Stamp::Migration,
            last_grants: None,
            stmt_keys: Vec::new(),
            doubt: Default::default(),
            session: Default::default(),
            runner_schema: None,
            made_roles: Default::default(),
        }
    }

    /// Each migration file runs in a fresh session.
    pub fn start_file(&mut self) {
        self.search_path = self.file_search_path();
        self.session = Default::default();
    }

    /// Puts `schema` first in the search_path each migration file starts
    /// with, ahead of the server's default path, as Flyway does for its
    /// default schema.
    pub fn set_runner_schema(&mut self, schema: &str) {
        self.runner_schema = Some(Ident::new(schema));
        self.search_path = self.file_search_path();
    }

    /// The search_path a migration file starts with.
    fn file_search_path(&self) -> Vec<Ident> {
        let mut path = baseline::default_search_path(self.catalog.platform);
        if let Some(first) = &self.runner_schema {
            path.retain(|s| s != first);
            path.insert(0, first.clone());
        }
        path
    }

    pub fn apply(&mut self, stmt: &Statement) {
        self.note_doubt(stmt);
        self.apply_node(&stmt.node, stmt);
    }

    fn apply_node(&mut self, node: &NodeEnum, stmt: &Statement) {
        match node {
            NodeEnum::CreateStmt(s) => self.create_table(s, stmt),
            NodeEnum::CreateForeignTableStmt(s) => self.create_foreign_table(s, stmt),
            NodeEnum::AlterTableStmt(s) => self.alter_table(s, stmt),
            NodeEnum::AlterOwnerStmt(s) => self.alter_owner(s),
            NodeEnum::ReassignOwnedStmt(s) => self.reassign_owned(s),
            NodeEnum::DropOwnedStmt(s) => self.drop_owned(s, stmt),
            NodeEnum::IndexStmt(s) => self.create_index(s, stmt),
            NodeEnum::RenameStmt(s) => self.rename(s, stmt),
            NodeEnum::DropStmt(s) => self.drop(s),
            NodeEnum::ViewStmt(s) => self.create_view(s, stmt),
            NodeEnum::CreateTableAsStmt(s) => self.create_table_as(s, stmt),
            NodeEnum::CreateFunctionStmt(s) => self.create_function(s, stmt),
            NodeEnum::AlterFunctionStmt(s) => self.alter_function(s, stmt),
            NodeEnum::DefineStmt(s) => self.define(s, stmt),
            NodeEnum::CreateTrigStmt(s) => self.create_trigger(s, stmt),
            NodeEnum::CreatePolicyStmt(s) => self.create_policy(s, stmt),
            NodeEnum::AlterPolicyStmt(s) => self.alter_policy(s, stmt),
            NodeEnum::CreateEnumStmt(s) => self.create_enum(s, stmt),
            NodeEnum::AlterEnumStmt(s) => self.alter_enum(s),
            NodeEnum::CreateDomainStmt(s) => self.create_domain(s, stmt),
            NodeEnum::AlterDomainStmt(s) => self.alter_domain(s),
            NodeEnum::CompositeTypeStmt(s) => self.create_composite(s, stmt),
            NodeEnum::CreateRangeStmt(s) => self.create_range(s, stmt),
            NodeEnum::CreateExtensionStmt(s) => self.create_extension(s, stmt),
            NodeEnum::CreateSchemaStmt(s) => {
                let schema = self.create_schema(s, stmt);
                let before = self.schema_objects(&schema);
                // CREATE SCHEMA s CREATE TABLE t ...: the elements land in s.
                let saved = std::mem::replace(&mut self.search_path, vec![schema.clone()]);
                for elt in &s.schema_elts {
                    if let Some(n) = &elt.node {
                        self.apply_node(n, stmt);
                    }
                }
                self.search_path = saved;
                if !s.schema_elts.is_empty() {
                    self.schema_elements_owner(s, &schema, &before);
                }
            }
            NodeEnum::CreateSeqStmt(s) => self.create_sequence(s, stmt),
            NodeEnum::AlterSeqStmt(s) => self.alter_sequence(s),
            NodeEnum::CreatePublicationStmt(s) => self.create_publication(s, stmt),
            NodeEnum::AlterPublicationStmt(s) => self.alter_publication(s),
            NodeEnum::GrantStmt(s) => self.grant(s),
            NodeEnum::AlterDefaultPrivilegesStmt(s) => self.alter_default_privileges(s, stmt),
            NodeEnum::AlterObjectSchemaStmt(s) => self.set_schema(s),
            NodeEnum::VariableSetStmt(s) => {
                self.set_session_role(s);
                self.set_variable(s);
            }
            NodeEnum::SelectStmt(s) => {
                // SELECT ... INTO t makes a table, as CREATE TABLE t AS does.
                if let Some(made) = ast::select_into_as_create_table(s) {
                    self.create_table_as(&made, stmt);
                }
                self.select_calls(s, stmt);
            }
            NodeEnum::DoStmt(s) => self.record_do_block(s, stmt),
            NodeEnum::CreateRoleStmt(s) => {
                self.catalog.roles.insert(Ident::new(s.role.clone()));
                if self.stamp.has_positions() {
                    self.made_roles.insert(Ident::new(s.role.clone()));
                }
            }
            NodeEnum::DropRoleStmt(s) => {
                for r in &s.roles {
                    if let Some(NodeEnum::RoleSpec(spec)) = &r.node {
                        self.catalog.roles.remove(&role_spec(spec));
                    }
                }
            }
            _ => {}
        }
    }

    /// The name a relation being created gets.
    fn name_for_create(&self, rv: &pb::RangeVar) -> QualifiedName {
        let (schema, name) = ast::range_var_name(rv);
        resolve::for_create(&self.catalog, &self.search_path, schema.as_deref(), &name)
    }

    /// An existing table named by `rv`.
    fn find_table(&self, rv: &pb::RangeVar) -> Option<QualifiedName> {
        let (schema, name) = ast::range_var_name(rv);
        resolve::table(&self.catalog, &self.search_path, schema.as_deref(), &name).ok()
    }

    /// An existing table, view or sequence named by `rv`.
    fn find_relation(&self, rv: &pb::RangeVar) -> Option<QualifiedName> {
        let (schema, name) = ast::range_var_name(rv);
        resolve::relation(&self.catalog, &self.search_path, schema.as_deref(), &name).ok()
    }

    /// A table name for a reference, resolved if it exists, else where it would be.
    fn table_ref(&self, rv: &pb::RangeVar) -> QualifiedName {
        let (schema, name) = ast::range_var_name(rv);
        match resolve::table(&self.catalog, &self.search_path, schema.as_deref(), &name) {
            Ok(qn) | Err(qn) => qn,
        }
    }

    fn function_ref(&self, names: &[pb::Node]) -> Option<QualifiedName> {
        let (schema, name) = ast::split_name(names)?;
        Some(
            match resolve::function(&self.catalog, &self.search_path, schema.as_deref(), &name) {
                Ok(qn) | Err(qn) => qn,
            },
        )
    }

    fn type_name(&self, t: &pb::TypeName) -> crate::catalog::TypeName {
        crate::catalog::types::type_name(t, |n| {
            resolve::user_type_schema(&self.catalog, &self.search_path, n)
        })
    }
}

fn expr(node: &Option<Box<pb::Node>>) -> Option<Expr> {
    node.as_deref().map(Expr::new)
}

fn role_name(node: &pb::Node) -> Option<Ident> {
    match node.node.as_ref()? {
        NodeEnum::RoleSpec(r) => Some(role_spec(r)),
        NodeEnum::String(s) => Some(Ident::new(s.sval.clone())),
        _ => None,
    }
}

fn role_spec(r: &pb::RoleSpec) -> Ident {
    use pb::RoleSpecType as T;
    match T::try_from(r.roletype) {
        Ok(T::RolespecPublic) => Ident::new("public"),
        Ok(T::RolespecCurrentUser) | Ok(T::RolespecCurrentRole) => Ident::new("current_user"),
        Ok(T::RolespecSessionUser) => Ident::new("session_user"),
        _ => Ident::new(r.rolename.clone()),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::catalog::{ConstraintKind, FileId, Platform, PolicyCommand, TypeKind};
    use crate::sql::split::parse_file;

    fn replay(sql: &str) -> Catalog {
        replay_on(Platform::Supabase, sql)
    }

    /// The model `sql` (one file, which must parse) builds on `platform`.
    pub(crate) fn replay_on(platform: Platform, sql: &str) -> Catalog {
        let (stmts, errors) = parse_file(FileId(0), sql);
        assert!(errors.is_empty(), "{errors:?}");
        let mut r = Replayer::new(baseline::catalog(platform));
        r.start_file();
        for s in &stmts {
            r.apply(s);
        }
        r.catalog
    }

    fn q(s: &str, n: &str) -> QualifiedName {
        QualifiedName::new(s, n)
    }

    #[test]
    fn columns_constraints_and_alter_table() {
        let cat = replay(
            "create table t (id bigserial primary key, email text not null unique, n int default 0 check (n >= 0));
             alter table t add column owner uuid references auth.users on delete cascade;
             alter table t alter column n set not null, drop column email;
             alter table t rename column n to amount;",
        );
        let t = cat.table(&q("public", "t")).unwrap();
        let cols: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(cols, ["id", "amount", "owner"]);
        assert!(t
            .columns
            .iter()
            .all(|c| c.name.as_str() == "owner" || c.not_null));
        assert_eq!(t.columns[0].ty.to_string(), "int8");
        // The UNIQUE on email went with the column; the CHECK was renamed along.
        assert!(!t.indexes.iter().any(|i| i.name.as_str() == "t_email_key"));
        let fk = t.constraints.iter().find_map(|c| match &c.kind {
            ConstraintKind::ForeignKey(fk) => Some(fk),
            _ => None,
        });
        let fk = fk.unwrap();
        assert_eq!(fk.ref_table, q("auth", "users"));
        assert_eq!(fk.on_delete, crate::catalog::FkAction::Cascade);
        assert!(cat.sequences.contains_key(&q("public", "t_id_seq")));
    }

    /// (constraint name, kind, columns) and (index name, columns) of a table.
    fn keys(cat: &Catalog, table: &str) -> (Vec<String>, Vec<String>) {
        let t = cat.table(&q("public", table)).unwrap();
        let cols = |c: &[Ident]| c.iter().map(Ident::as_str).collect::<Vec<_>>().join(",");
        let constraints = t
            .constraints
            .iter()
            .map(|c| match &c.kind {
                ConstraintKind::PrimaryKey { columns } => {
                    format!("{} pk({})", c.name, cols(columns))
                }
                ConstraintKind::Unique { columns, .. } => {
                    format!("{} unique({})", c.name, cols(columns))
                }
                _ => format!("{} other", c.name),
            })
            .collect();
        let indexes = t
            .indexes
            .iter()
            .map(|ix| {
                let keys: Vec<String> = ix
                    .elems
                    .iter()
                    .map(|e| match &e.key {
                        crate::catalog::IndexKey::Column(c) => c.to_string(),
                        crate::catalog::IndexKey::Expression(_) => "(expr)".to_string(),
                    })
                    .collect();
                format!("{}({})", ix.name, keys.join(","))
            })
            .collect();
        (constraints, indexes)
    }

    #[test]
    fn equal_keys_of_one_statement_make_one_index() {
        // Checked on PostgreSQL 15: transformIndexConstraints keeps the
        // primary key, drops equal UNIQUE specifications, and gives the key
        // the name of a named one merged into it.
        let cat = replay(
            "create table a (id int primary key unique);
             create table b (id int primary key, constraint b_named unique (id));
             create table c (id int, x int, unique (x), unique (x), unique (id, x));
             create table d (id int);
             alter table d add unique (id), add primary key (id);
             create table e (id int unique);
             alter table e add primary key (id);",
        );
        assert_eq!(
            keys(&cat, "a"),
            (vec!["a_pkey pk(id)".into()], vec!["a_pkey(id)".into()])
        );
        assert_eq!(
            keys(&cat, "b"),
            (vec!["b_named pk(id)".into()], vec!["b_named(id)".into()])
        );
        assert_eq!(
            keys(&cat, "c").1,
            ["c_x_key(x)", "c_id_x_key(id,x)"].map(String::from)
        );
        // ALTER TABLE does not merge, nor do separate statements.
        assert_eq!(
            keys(&cat, "d").1,
            ["d_id_key(id)", "d_pkey(id)"].map(String::from)
        );
        assert_eq!(
            keys(&cat, "e").1,
            ["e_id_key(id)", "e_pkey(id)"].map(String::from)
        );
    }

    #[test]
    fn key_using_index_takes_its_columns_and_renames_it() {
        let cat = replay(
            "create table s (id bigint not null, n int);
             create unique index s_ix on s (id);
             alter table s add constraint s_pkey primary key using index s_ix;
             create table u (n int);
             create unique index u_n on u (n);
             alter table u add unique using index u_n;",
        );
        assert_eq!(
            keys(&cat, "s"),
            (vec!["s_pkey pk(id)".into()], vec!["s_pkey(id)".into()])
        );
        assert_eq!(
            keys(&cat, "u"),
            (vec!["u_n unique(n)".into()], vec!["u_n(n)".into()])
        );
    }

    #[test]
    fn renaming_a_constraint_renames_its_index_and_dropping_it_drops_both() {
        let cat = replay(
            "create table r (id int primary key, a int, constraint r_old unique (a));
             alter table r rename constraint r_old to r_new;",
        );
        assert_eq!(
            keys(&cat, "r").1,
            ["r_pkey(id)", "r_new(a)"].map(String::from)
        );
        let cat = replay(
            "create table r (id int primary key, a int, constraint r_old unique (a));
             alter table r rename constraint r_old to r_new;
             alter table r drop constraint r_new;",
        );
        assert_eq!(
            keys(&cat, "r"),
            (vec!["r_pkey pk(id)".into()], vec!["r_pkey(id)".into()])
        );
    }

    #[test]
    fn functions_and_types_move_with_set_schema_and_schema_renames() {
        let make = "create schema private;
             create type public.mood as enum ('a', 'b');
             create table t (id int primary key, m public.mood);
             create function public.touch() returns trigger language plpgsql as $$begin return new; end$$;
             create trigger t_touch before update on t for each row execute function public.touch();";
        let trigger_fn = |cat: &Catalog| cat.tables[&q("public", "t")].triggers[0].function.clone();
        let column_ty = |cat: &Catalog| cat.tables[&q("public", "t")].columns[1].ty.name.clone();
        let cat = replay(&format!(
            "{make}
             alter function public.touch() set schema private;
             alter type public.mood set schema private;"
        ));
        assert!(!cat.functions.contains_key(&q("public", "touch")));
        assert_eq!(cat.functions[&q("private", "touch")].len(), 1);
        assert_eq!(trigger_fn(&cat), q("private", "touch"));
        assert!(!cat.types.contains_key(&q("public", "mood")));
        assert_eq!(cat.types[&q("private", "mood")].name, q("private", "mood"));
        assert_eq!(column_ty(&cat), q("private", "mood"));
        // A schema renamed takes its functions and types along.
        let cat = replay(&format!(
            "{make}
             alter function public.touch() set schema private;
             alter type public.mood set schema private;
             alter schema private rename to internal;"
        ));
        assert!(cat.functions.keys().all(|f| f.schema.as_str() != "private"));
        assert_eq!(cat.functions[&q("internal", "touch")].len(), 1);
        assert_eq!(trigger_fn(&cat), q("internal", "touch"));
        assert_eq!(column_ty(&cat), q("internal", "mood"));
        // A rename leaves no empty list of overloads behind.
        let cat = replay(&format!(
            "{make} alter function public.touch() rename to touched;"
        ));
        assert!(!cat.functions.contains_key(&q("public", "touch")));
        assert_eq!(trigger_fn(&cat), q("public", "touched"));
    }

    #[test]
    fn alter_table_adds_columns_before_constraints() {
        let cat = replay(
            "create table t (id int);
             alter table t add primary key (x), add column x int;",
        );
        assert_eq!(keys(&cat, "t").1, ["t_pkey(x)"].map(String::from));
        let t = cat.table(&q("public", "t")).unwrap();
        assert!(t
            .columns
            .iter()
            .any(|c| c.name.as_str() == "x" && c.not_null));
    }

    #[test]
    fn do_block_loops_over_the_catalog_run_once_per_row_of_the_model() {
        // The clean-up idiom: drop every policy of a table, by name.
        let sql = "create table t (id int);\n\
             create policy a on t using (true);\n\
             create policy \"B c\" on t using (true);\n\
             create table u (id int);\n\
             create policy keep on u using (true);\n\
             do $$ declare pol record; begin\n\
               for pol in select policyname from pg_policies where schemaname = 'public' and tablename = 't' loop\n\
                 execute format('drop policy if exists %I on public.t', pol.policyname);\n\
               end loop;\n\
             end $$;\n\
             create schema tenant_a;\n\
             create table tenant_a.waitlist (id int);\n\
             create table public.waitlist (id int);\n\
             do $$ declare s text; begin\n\
               for s in select table_schema from information_schema.tables where table_name = 'waitlist' group by table_schema loop\n\
                 execute 'alter table ' || quote_ident(s) || '.waitlist add column pos int';\n\
               end loop;\n\
             end $$;";
        let cat = replay(sql);
        let names = |t: &str| {
            cat.table(&q("public", t))
                .unwrap()
                .policies
                .iter()
                .map(|p| p.name.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(names("t"), Vec::<String>::new());
        assert_eq!(names("u"), ["keep"]);
        for schema in ["public", "tenant_a"] {
            let w = cat.table(&q(schema, "waitlist")).unwrap();
            assert!(
                w.columns.iter().any(|c| c.name.as_str() == "pos"),
                "{schema}"
            );
        }
        assert!(
            cat.anonymous_blocks.is_empty(),
            "{:?}",
            cat.anonymous_blocks
        );
        // A query the model cannot answer leaves the block as a gap.
        let other = replay(
            "do $$ declare r record; begin\n\
               for r in select proname from pg_proc where proname = 'f' loop\n\
                 execute format('drop function %I', r.proname);\n\
               end loop;\n\
             end $$;",
        );
        assert_eq!(other.anonymous_blocks.len(), 1);
    }

    #[test]
    fn do_blocks_guarded_by_a_role_run_as_the_model_has_the_role() {
        // Checked on PostgreSQL 15: without role `web` the GRANT does not run.
        let grants = |sql: &str| {
            let cat = replay(sql);
            let t = cat.table(&q("public", "t")).unwrap().clone();
            // The platform's default grants aside.
            t.grants
                .holders()
                .map(|r| r.to_string())
                .filter(|r| r == "web" || r == "reporting")
                .collect::<Vec<_>>()
        };
        let guarded = "do $$ begin\n\
               if exists (select from pg_roles where rolname = 'web') then\n\
                 grant select on public.t to web;\n\
               end if;\n\
               if not exists (select 1 from pg_catalog.pg_roles where rolname = 'web') then\n\
                 grant insert on public.t to reporting;\n\
               end if;\n\
             end $$;";
        let without = format!("create role reporting;\ncreate table t (id int);\n{guarded}");
        assert_eq!(grants(&without), ["reporting"]);
        let with = format!(
            "create role reporting;\ncreate role web;\ncreate table t (id int);\n{guarded}"
        );
        assert_eq!(grants(&with), ["web"]);
        let dropped =
            format!("create role reporting;\ncreate role web;\ndrop role web;\ncreate table t (id int);\n{guarded}");
        assert_eq!(grants(&dropped), ["reporting"]);
        // The block is read whole either way: no gap.
        assert!(replay(&without).anonymous_blocks.is_empty());
    }

    #[test]
    fn do_blocks_run_what_they_always_run() {
        let sql = "create table parent (id int primary key);\n\
             create table child (id int primary key, parent_id int not null);\n\
             do $$ begin\n\
               alter table child add constraint child_parent_fkey foreign key (parent_id) references parent (id);\n\
             exception when duplicate_object then null;\n\
             end $$;\n\
             do $$ begin\n\
               if not exists (select 1 from pg_type where typname = 'mood') then\n\
                 create type mood as enum ('ok', 'bad');\n\
               end if;\n\
               execute format('create table %I (id int)', 'made');\n\
               raise notice 'done';\n\
             end $$;";
        let cat = replay(sql);
        let child = cat.table(&q("public", "child")).unwrap();
        let fk = child
            .constraints
            .iter()
            .find(|c| c.name.as_str() == "child_parent_fkey");
        // The constraint points at its text inside the block.
        let span = fk.unwrap().origin.span().unwrap();
        assert!(sql[span.start as usize..span.end as usize]
            .starts_with("constraint child_parent_fkey foreign key"));
        assert!(cat.types.contains_key(&q("public", "mood")));
        // Built at run time: it stands at the DO statement.
        let made = cat.table(&q("public", "made")).unwrap();
        let span = made.origin.span().unwrap();
        let at = &sql[span.start as usize..span.end as usize];
        assert!(
            at.starts_with("do $$") && at.contains("format('create table %I"),
            "{at}"
        );
        // Both blocks were read whole: no gap.
        assert!(
            cat.anonymous_blocks.is_empty(),
            "{:?}",
            cat.anonymous_blocks
        );
    }

    #[test]
    fn do_blocks_that_depend_on_data_are_recorded() {
        let cat = replay(
            "do $$ begin create table always (id int); perform 1; end $$;
             do $$ declare t text; begin
               for t in select tablename from pg_tables loop execute format('drop table %I', t); end loop;
             end $$;
             do $$ begin if (select count(*) from pg_class) > 3 then create table maybe (id int); end if; end $$;
             do $$ begin if not exists (select 1 from pg_class where relname = 'x') then create table x1 (id int);
               else create table x2 (id int); end if; end $$;
             do language plpgsql $body$ begin execute 'create table ' || current_user; end $body$;
             do language plv8 $$ plv8.elog(NOTICE, 1) $$;",
        );
        // What runs regardless is replayed; what depends on data is not.
        assert!(cat.table(&q("public", "always")).is_some());
        for name in ["maybe", "x1", "x2"] {
            assert!(cat.table(&q("public", name)).is_none(), "{name}");
        }
        assert_eq!(cat.anonymous_blocks.len(), 6);
        assert_eq!(cat.anonymous_blocks[5].language, "plv8");
        assert!(cat.anonymous_blocks[0].body.contains("perform 1"));
    }

    #[test]
    fn rename_table_keeps_foreign_keys_pointing_at_it() {
        let cat = replay(
            "create table a (id int primary key); create table b (a_id int references a);
             alter table a rename to a2;",
        );
        let b = cat.table(&q("public", "b")).unwrap();
        assert!(
            matches!(&b.constraints[0].kind, ConstraintKind::ForeignKey(fk) if fk.ref_table == q("public", "a2"))
        );
    }

    #[test]
    fn policies_create_alter_drop() {
        let cat = replay(
            "create table t (id int primary key, o uuid);
             alter table t enable row level security;
             create policy p on t for update using (o = auth.uid());
             create policy r on t as restrictive for select to authenticated using (true);
             alter policy p on t to authenticated with check (o = auth.uid());
             drop policy if exists r on t;
             drop policy if exists never_existed on t;",
        );
        let t = cat.table(&q("public", "t")).unwrap();
        assert!(t.rls_enabled);
        assert_eq!(t.policies.len(), 1);
        let p = &t.policies[0];
        assert_eq!(p.command, PolicyCommand::Update);
        assert!(p.permissive && p.using.is_some() && p.with_check.is_some());
        assert_eq!(p.roles, [Ident::new("authenticated")]);
    }

    #[test]
    fn policy_without_to_applies_to_public_implicitly() {
        let cat = replay("create table t (id int primary key); create policy p on t using (true);");
        let p = &cat.table(&q("public", "t")).unwrap().policies[0];
        assert_eq!(p.roles, [Ident::new("public")]);
    }

    #[test]
    fn functions_replace_alter_grant() {
        let cat = replay(
            "create function f(a int) returns int language sql security definer as $$ select a $$;
             create function f(a text) returns text language sql as $$ select a $$;
             revoke execute on function f(int) from public, anon;
             create or replace function f(a int) returns int language plpgsql stable security definer
               set search_path = '' as $$ begin return a; end $$;
             alter function f(text) set search_path = pg_catalog, public;",
        );
        let overloads = &cat.functions[&q("public", "f")];
        assert_eq!(overloads.len(), 2);
        let int = overloads
            .iter()
            .find(|f| f.args[0].ty.to_string() == "int4")
            .unwrap();
        assert!(int.security_definer);
        assert_eq!(int.language.as_str(), "plpgsql");
        assert_eq!(int.config.get("search_path").map(String::as_str), Some(""));
        // REVOKE survived CREATE OR REPLACE; Supabase's default privileges granted the rest.
        assert!(!int.execute_grantees.contains(&Ident::new("public")));
        assert!(!int.execute_grantees.contains(&Ident::new("anon")));
        assert!(int.execute_grantees.contains(&Ident::new("authenticated")));
        let text = overloads
            .iter()
            .find(|f| f.args[0].ty.to_string() == "text")
            .unwrap();
        assert_eq!(
            text.config.get("search_path").map(String::as_str),
            Some("pg_catalog, public")
        );
        assert!(text.body.as_deref().is_some_and(|b| b.contains("select a")));
    }

    #[test]
    fn default_privileges_are_tracked() {
        let cat = replay(
            "alter default privileges in schema public revoke execute on functions from anon;
                          create function g() returns int language sql as $$ select 1 $$;",
        );
        let g = &cat.functions[&q("public", "g")][0];
        assert!(!g.execute_grantees.contains(&Ident::new("anon")));
        assert!(g.execute_grantees.contains(&Ident::new("authenticated")));
    }

    #[test]
    fn tables_sharing_default_grants_change_alone() {
        let cat = replay(
            "create table a (id int);
             create table b (id int);
             create table c (id int);
             revoke select on b from anon;
             grant select on c to anon;",
        );
        let anon = Ident::new("anon");
        let grants = |t: &str| &cat.table(&q("public", t)).unwrap().grants;
        assert!(grants("a").allows(&anon, "SELECT"));
        assert!(!grants("b").allows(&anon, "SELECT"));
        assert!(grants("c").allows(&anon, "SELECT"));
        assert_eq!(grants("a"), grants("c"));
        assert_ne!(grants("a"), grants("b"));
    }

    #[test]
    fn table_privileges_follow_defaults_grants_and_revokes() {
        let cat = replay(
            "alter default privileges in schema public revoke select on tables from anon;
             create table t (id int);
             create view v as select id from t;
             create schema app;
             create table app.u (id int);
             grant select, insert (id) on app.u to anon;
             revoke all on all tables in schema public from authenticated;
             revoke grant option for insert on t from anon;
             create table p (id int) with (autovacuum_enabled = off, toast.autovacuum_enabled = off);
             alter table p set (fillfactor = 70);
             alter table p reset (autovacuum_enabled);",
        );
        let anon = Ident::new("anon");
        let t = &cat.table(&q("public", "t")).unwrap().grants;
        assert!(!t.allows(&anon, "SELECT") && t.allows(&anon, "INSERT"));
        assert!(!t.allows(&Ident::new("authenticated"), "SELECT"));
        assert!(t.allows(&Ident::new("service_role"), "TRUNCATE"));
        let v = &cat.views[&q("public", "v")].grants;
        assert!(!v.allows(&Ident::new("authenticated"), "SELECT"));
        assert!(v.allows(&Ident::new("service_role"), "SELECT"));
        // No default privileges in app; the column grant is not table-level.
        let u = &cat.table(&q("app", "u")).unwrap().grants;
        assert!(u.allows(&anon, "SELECT") && !u.allows(&anon, "INSERT"));
        assert!(!u.allows(&Ident::new("authenticated"), "SELECT"));
        let p = cat.table(&q("public", "p")).unwrap();
        assert_eq!(
            p.options.iter().collect::<Vec<_>>(),
            [(&"fillfactor".to_string(), &"70".to_string())]
        );
    }

    #[test]
    fn sequence_privileges_follow_defaults_grants_and_revokes() {
        let cat = replay(
            "create schema app;
             create table app.t (id serial, k int generated always as identity);
             grant all on app.t to anon;
             grant all on all tables in schema app to anon;
             grant insert, update on app.t_id_seq to authenticated;
             grant all on sequence app.t_k_seq to authenticated;
             revoke select on all sequences in schema app from authenticated;
             create sequence public.s;",
        );
        let seq = |schema: &str, name: &str| -> Vec<String> {
            cat.sequences[&q(schema, name)]
                .grants
                .iter()
                .map(|(r, p)| format!("{r}: {p:?}"))
                .collect()
        };
        // A table's grants are not its sequences'; ON TABLE naming a
        // sequence grants the sequence privileges among those named.
        assert_eq!(seq("app", "t_id_seq"), [r#"authenticated: {"UPDATE"}"#]);
        assert_eq!(
            seq("app", "t_k_seq"),
            [r#"authenticated: {"UPDATE", "USAGE"}"#]
        );
        // Supabase's default privileges for sequences in public.
        assert!(seq("public", "s").contains(&r#"anon: {"SELECT", "UPDATE", "USAGE"}"#.to_string()));
    }

    #[test]
    fn triggers_views_types_extensions_schemas() {
        let cat = replay(
            "create schema app;
             create extension if not exists citext with schema extensions;
             create type app.mood as enum ('ok');
             alter type app.mood add value 'meh';
             create domain app.pos as int check (value > 0);
             create table app.t (id int primary key, m app.mood, at timestamptz);
             create function app.touch() returns trigger language plpgsql as $$ begin return new; end $$;
             create trigger tr before insert or update of at on app.t for each row execute function app.touch();
             create view app.v with (security_invoker = true) as select id from app.t;
             create materialized view app.mv as select id from app.t;
             create index on app.mv (id);
             comment on table app.t is 'x';
             do $$ begin perform 1; end $$;
             begin; commit;
             vacuum app.t;",
        );
        let t = cat.table(&q("app", "t")).unwrap();
        assert_eq!(t.columns[1].ty.name, q("app", "mood"));
        let tr = &t.triggers[0];
        assert!(tr.before && tr.for_each_row);
        assert_eq!(
            tr.events,
            [
                crate::catalog::TriggerEvent::Insert,
                crate::catalog::TriggerEvent::Update
            ]
        );
        assert_eq!(tr.update_columns, [Ident::new("at")]);
        assert_eq!(tr.function, q("app", "touch"));
        assert!(cat.views[&q("app", "v")].security_invoker);
        assert!(cat.views[&q("app", "mv")].materialized);
        assert_eq!(cat.views[&q("app", "mv")].indexes.len(), 1);
        assert!(
            matches!(&cat.types[&q("app", "mood")].kind, TypeKind::Enum { labels } if labels == &["ok", "meh"])
        );
        assert!(matches!(
            &cat.types[&q("app", "pos")].kind,
            TypeKind::Domain {
                has_check: true,
                ..
            }
        ));
        assert!(cat.extensions.contains_key(&Ident::new("citext")));
        assert!(cat.types.contains_key(&q("extensions", "citext")));
    }

    #[test]
    fn search_path_set_in_a_migration_decides_where_objects_land() {
        let cat = replay(
            "create schema app; set search_path = app; create table t (id int primary key);",
        );
        assert!(cat.table(&q("app", "t")).is_some());
        let cat = replay("create schema app; select pg_catalog.set_config('search_path', 'app', false); create table t (id int);");
        assert!(cat.table(&q("app", "t")).is_some());
    }

    #[test]
    fn quoted_mixed_case_names_do_not_collide() {
        let cat = replay(
            r#"create table "Users" (id int primary key); create table users (id int primary key);"#,
        );
        assert!(
            cat.table(&q("public", "Users")).is_some()
                && cat.table(&q("public", "users")).is_some()
        );
    }

    #[test]
    fn drops() {
        let cat = replay(
            "create table a (id int primary key); create table b (id int primary key, a_id int references a);
             create index b_a on b (a_id);
             drop index b_a; drop table a cascade; drop function if exists nope();
             create function f() returns int language sql as $$ select 1 $$; drop function f;",
        );
        let b = cat.table(&q("public", "b")).unwrap();
        assert!(b.indexes.iter().all(|i| i.name.as_str() != "b_a"));
        assert!(b
            .constraints
            .iter()
            .all(|c| !matches!(c.kind, ConstraintKind::ForeignKey(_))));
        assert!(cat.table(&q("public", "a")).is_none());
        assert!(!cat.function_exists(&q("public", "f")));
    }

    #[test]
    fn drop_schema_takes_its_default_privileges_and_extensions() {
        // As PostgreSQL 15 does (pg_default_acl rows depend on the schema).
        let cat = replay_on(
            Platform::Postgres,
            "create schema app;
             alter default privileges in schema app grant select on tables to anon;
             alter default privileges grant select on tables to anon;
             create extension citext with schema app;
             drop schema app cascade;",
        );
        let left: Vec<Option<&str>> = cat
            .default_privileges
            .iter()
            .map(|dp| dp.schema.as_ref().map(Ident::as_str))
            .collect();
        assert_eq!(left, [None]);
        assert!(!cat.extensions.contains_key(&Ident::new("citext")));
        assert!(!cat.types.contains_key(&q("app", "citext")));
    }

    #[test]
    fn select_into_makes_a_table_as_create_table_as_does() {
        let cat = replay_on(
            Platform::Postgres,
            "create schema app;
             create table app.src (id bigint primary key, name text not null);
             select id, name as label into app.copy from app.src where id > 0;
             select * into unlogged table app.everything from app.src;
             select 1 as n into staging;
             select id into app.ids from app.src union select 2;
             select 1 as n into app.copy;",
        );
        let columns = |schema: &str, name: &str| -> (Vec<String>, bool) {
            let t = cat.table(&q(schema, name)).unwrap();
            let cols = t.columns.iter().map(|c| format!("{} {}", c.name, c.ty));
            (cols.collect(), t.columns_unknown)
        };
        // Typed as CREATE TABLE AS types them: from the one table read.
        assert_eq!(
            columns("app", "copy"),
            (vec!["id int8".to_string(), "label text".to_string()], false)
        );
        assert_eq!(columns("app", "everything").0.len(), 2);
        // Columns it cannot type: the table exists, its columns are unknown.
        assert!(columns("public", "staging").1);
        assert!(columns("app", "ids").1);
        // A plain SELECT makes nothing.
        let cat = replay("select 1 as n;");
        assert!(cat.table(&q("public", "n")).is_none());
    }

    /// (type, start, increment, min, max, cache, cycle) of a sequence.
    fn seq(cat: &Catalog, schema: &str, name: &str) -> (String, i64, i64, i64, i64, i64, bool) {
        let o = cat.sequences[&q(schema, name)].options;
        (
            o.data_type.to_string(),
            o.start,
            o.increment,
            o.min_value,
            o.max_value,
            o.cache,
            o.cycle,
        )
    }

    #[test]
    fn sequence_options_as_postgresql_sets_them() {
        // Each checked against pg_sequence on PostgreSQL 15.
        let cat = replay(
            "create sequence plain;
             create sequence small as smallint start 10 increment by 5 cache 20 cycle;
             create sequence down increment by -1;
             create sequence big maxvalue 9223372036854775807 minvalue -9223372036854775808 start 0;
             create sequence retyped maxvalue 500;
             alter sequence retyped as integer;
             create sequence widened as integer;
             alter sequence widened as smallint;
             create sequence desc_retyped as integer increment by -1;
             alter sequence desc_retyped as smallint;
             create sequence altered;
             alter sequence altered increment by 3 start with 7 restart with 100 cache 10 maxvalue 10000 cycle;
             alter sequence altered no maxvalue no cycle;
             alter sequence altered increment by -2;",
        );
        let big = i64::MAX;
        assert_eq!(
            seq(&cat, "public", "plain"),
            ("bigint".into(), 1, 1, 1, big, 1, false)
        );
        assert_eq!(
            seq(&cat, "public", "small"),
            ("smallint".into(), 10, 5, 1, 32767, 20, true)
        );
        assert_eq!(
            seq(&cat, "public", "down"),
            ("bigint".into(), -1, -1, i64::MIN, -1, 1, false)
        );
        assert_eq!(
            seq(&cat, "public", "big"),
            ("bigint".into(), 0, 1, i64::MIN, big, 1, false)
        );
        // A bound the user chose stays through AS; the type's limit follows it.
        assert_eq!(
            seq(&cat, "public", "retyped"),
            ("integer".into(), 1, 1, 1, 500, 1, false)
        );
        assert_eq!(
            seq(&cat, "public", "widened"),
            ("smallint".into(), 1, 1, 1, 32767, 1, false)
        );
        assert_eq!(
            seq(&cat, "public", "desc_retyped"),
            ("smallint".into(), -1, -1, -32768, -1, 1, false)
        );
        // RESTART is not START; a new increment moves no bound.
        assert_eq!(
            seq(&cat, "public", "altered"),
            ("bigint".into(), 7, -2, 1, big, 10, false)
        );
    }

    #[test]
    fn identity_and_serial_columns_own_sequences_with_options() {
        let cat = replay(
            "create table t (id bigint generated always as identity (start with 10 increment by 5),
               n int generated by default as identity, s serial, sm smallserial);
             alter table t alter column n set increment by 2 set maxvalue 1000;
             alter table t alter column n restart with 50;
             alter table t alter column id type integer;
             create table u (k int not null);
             alter table u alter column k add generated always as identity (cache 5);
             create table w (k int generated always as identity (sequence name w_seq));
             alter table w alter column k drop identity;
             create table r (id int generated always as identity);
             alter table r rename to r2;
             create table r (id int generated always as identity);",
        );
        let int = i64::from(i32::MAX);
        assert_eq!(
            seq(&cat, "public", "t_id_seq"),
            ("integer".into(), 10, 5, 1, int, 1, false)
        );
        assert_eq!(
            seq(&cat, "public", "t_n_seq"),
            ("integer".into(), 1, 2, 1, 1000, 1, false)
        );
        assert_eq!(
            seq(&cat, "public", "t_s_seq"),
            ("integer".into(), 1, 1, 1, int, 1, false)
        );
        assert_eq!(
            seq(&cat, "public", "t_sm_seq"),
            ("smallint".into(), 1, 1, 1, 32767, 1, false)
        );
        assert_eq!(
            seq(&cat, "public", "u_k_seq"),
            ("integer".into(), 1, 1, 1, int, 5, false)
        );
        let id = &cat.sequences[&q("public", "t_id_seq")];
        assert!(id.identity);
        assert_eq!(id.owned_by, Some((q("public", "t"), Ident::new("id"))));
        // DROP IDENTITY drops its sequence.
        assert!(!cat.sequences.contains_key(&q("public", "w_seq")));
        // The renamed table keeps its sequence; the new one steps past it.
        assert_eq!(
            cat.sequences[&q("public", "r_id_seq")].owned_by,
            Some((q("public", "r2"), Ident::new("id")))
        );
        assert!(cat.sequences.contains_key(&q("public", "r_id_seq1")));
    }

    #[test]
    fn publications_create_alter_rename_drop_and_follow_their_tables() {
        let cat = replay(
            "create schema app;
             create table app.a (id int primary key, x int, y text);
             create table app.b (id int primary key);
             create table app.c (id int primary key);
             create table gone (id int primary key);
             create table old_name (id int primary key);
             alter publication supabase_realtime add table gone, old_name, app.c;
             alter table old_name rename to new_name;
             alter table app.c set schema public;
             drop table gone;
             create publication everything for all tables;
             create publication partial for table app.a (id, y) where (x > 10), app.b with (publish = 'insert, update');
             alter table app.a rename column y to why;
             create publication by_schema for tables in schema app, current_schema;
             alter schema app rename to application;
             create publication changed for table application.b;
             alter publication changed set table application.a;
             alter publication changed add table application.b;
             alter publication changed drop table application.a;
             alter publication changed set (publish = 'delete', publish_via_partition_root = on);
             create publication old_pub;
             alter publication old_pub rename to new_pub;
             alter publication new_pub owner to current_user;
             create publication doomed;
             drop publication if exists doomed, never_was;",
        );
        let tables = |name: &str| -> Vec<String> {
            cat.publications[&Ident::new(name)]
                .tables
                .iter()
                .map(|t| t.table.to_string())
                .collect()
        };
        assert_eq!(tables("supabase_realtime"), ["public.new_name", "public.c"]);
        let everything = &cat.publications[&Ident::new("everything")];
        assert!(everything.all_tables && everything.tables.is_empty());
        let partial = &cat.publications[&Ident::new("partial")];
        assert_eq!(tables("partial"), ["application.a", "application.b"]);
        assert_eq!(partial.publish.to_string(), "insert, update");
        let a = &partial.tables[0];
        assert_eq!(a.columns, [Ident::new("id"), Ident::new("why")]);
        assert!(a.predicate.is_some());
        let by_schema = &cat.publications[&Ident::new("by_schema")];
        let schemas: Vec<&str> = by_schema.schemas.iter().map(Ident::as_str).collect();
        assert_eq!(schemas, ["application", "public"]);
        let changed = &cat.publications[&Ident::new("changed")];
        assert_eq!(tables("changed"), ["application.b"]);
        assert_eq!(changed.publish.to_string(), "delete");
        assert!(changed.via_root);
        assert!(cat.publications.contains_key(&Ident::new("new_pub")));
        for gone in ["old_pub", "doomed"] {
            assert!(!cat.publications.contains_key(&Ident::new(gone)), "{gone}");
        }
        // SET replaces the schemas too; DROP COLUMN of a listed column
        // takes the table out.
        let cat = replay(
            "create schema s;
             create table t (id int, x int);
             create table u (id int, x int);
             create publication p for tables in schema s, table t;
             alter publication p set table t;
             create publication q for table t (id, x), u where (x > 0);
             alter table t drop column x;
             alter table u drop column x;
             drop schema s;",
        );
        let p = &cat.publications[&Ident::new("p")];
        assert!(p.schemas.is_empty());
        assert_eq!(p.tables.len(), 1);
        assert!(cat.publications[&Ident::new("q")].tables.is_empty());
    }
}
