//! Turns what the catalog queries read into DDL, replays it into the model,
//! and sets the facts DDL does not carry.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use rayon::prelude::*;

use super::acl::AclItem;
use super::query::{Raw, RawDefaultAcl, RawRelation};
use crate::catalog::{
    Catalog, DefaultObjectKind, DefaultPrivilege, FileId, Grants, Ident, Origin, Platform,
    QualifiedName, SequenceOptions, TableStats,
};
use crate::replay::{Replayer, Stamp};
use crate::sql::split;

/// A definition pgvet could not replay: the object and PostgreSQL's message.
#[derive(Debug, Clone)]
pub struct Unreadable {
    pub object: String,
    pub message: String,
}

/// Roles a platform uses for its own objects; in a platform schema, what
/// they own is the platform's, not the project's.
fn platform_owner(role: &str) -> bool {
    role.starts_with("supabase")
        || role.starts_with("pgsodium")
        || matches!(role, "dashboard_user" | "authenticator" | "pgbouncer")
}

/// One definition, labelled with the object it defines.
struct Ddl {
    object: String,
    /// The object lies in a schema the audit covers.
    audited: bool,
    sql: String,
}

struct Builder<'a> {
    base: &'a Catalog,
    audited: &'a dyn Fn(&str) -> bool,
    out: Vec<Ddl>,
    /// Functions' `ALTER ROUTINE ... OWNER TO`: not definitions, and not
    /// counted as such.
    owners: Vec<Ddl>,
}

impl Builder<'_> {
    /// The definition `sql` of `object`, which lies in `schema`.
    fn push(&mut self, object: &str, schema: &str, sql: String) {
        self.out.push(Ddl {
            object: object.to_string(),
            audited: (self.audited)(schema),
            sql,
        });
    }

    /// A function's owner, `sql`: replayed after the definitions.
    fn push_owner(&mut self, object: &str, schema: &str, sql: String) {
        self.owners.push(Ddl {
            object: object.to_string(),
            audited: (self.audited)(schema),
            sql,
        });
    }

    /// The definition `sql` of an object that lies in no schema (a
    /// publication): always audited.
    fn push_global(&mut self, object: &str, sql: String) {
        self.out.push(Ddl {
            object: object.to_string(),
            audited: true,
            sql,
        });
    }

    /// An object of the platform's own: it is in the baseline already, or
    /// it lives in a platform schema and a platform role owns it.
    fn platform(&self, schema: &str, owner: &str, in_baseline: bool) -> bool {
        let managed = self.base.is_platform_schema(&Ident::new(schema));
        managed && (in_baseline || platform_owner(owner))
    }
}

fn qn(schema: &str, name: &str) -> QualifiedName {
    QualifiedName::new(Ident::new(schema), Ident::new(name))
}

fn strip_semicolon(s: &str) -> &str {
    s.trim_end().trim_end_matches(';').trim_end()
}

/// Builds the model: DDL replayed on `cat` (the platform baseline), then
/// privileges, validity and sizes set from what was read. `raw` is the first
/// part read; `next` waits for the next part (constraints, then indexes,
/// triggers and policies), None when the read failed. Returns the number of
/// definitions and those that could not be replayed.
/// `audited` says which schemas the audit covers: what lies in the others
/// is marked `Baseline`, as the platform's own objects are.
pub fn build(
    cat: &mut Catalog,
    raw: &Raw,
    audited: &dyn Fn(&str) -> bool,
    mut next: impl FnMut() -> Option<Raw>,
) -> Option<(usize, Vec<Unreadable>)> {
    let base = cat.clone();
    let mut b = Builder {
        base: &base,
        audited,
        out: Vec::new(),
        owners: Vec::new(),
    };
    // Relations whose contents are the project's (not the platform's).
    let mut own: HashSet<i64> = HashSet::new();
    // How many of the project's relations and functions each role owns.
    let mut owners: HashMap<&str, usize> = HashMap::new();

    for s in &raw.schemas {
        if !base.schemas.contains_key(&Ident::new(s.name.as_str())) {
            let q = Ident::new(s.name.as_str()).to_string();
            b.push(&q, &s.name, format!("create schema {q}"));
        }
    }
    for e in &raw.extensions {
        if e.name == "plpgsql" {
            continue;
        }
        let q = Ident::new(e.name.as_str()).to_string();
        let schema = Ident::new(e.schema.as_str()).to_string();
        b.push(
            &q,
            &e.schema,
            format!("create extension if not exists {q} with schema {schema}"),
        );
    }
    for t in &raw.types {
        let in_base = base.types.contains_key(&qn(&t.schema, &t.name));
        if b.platform(&t.schema, &t.owner, in_base) {
            continue;
        }
        let sql = match t.kind.as_str() {
            "e" => {
                let labels: Vec<String> = t.labels.iter().map(|l| quote_literal(l)).collect();
                format!("create type {} as enum ({})", t.qname, labels.join(", "))
            }
            "d" => {
                let mut sql = format!(
                    "create domain {} as {}",
                    t.qname,
                    t.base.as_deref().unwrap_or("text")
                );
                if t.not_null {
                    sql.push_str(" not null");
                }
                for c in &t.checks {
                    sql.push(' ');
                    sql.push_str(c);
                }
                sql
            }
            _ => match &t.subtype {
                Some(sub) => format!("create type {} as range (subtype = {sub})", t.qname),
                None => continue,
            },
        };
        b.push(&t.qname, &t.schema, sql);
    }

    // Identity columns' sequences, by column: the column's DDL makes them.
    let identity_sequences: HashMap<(i64, &str), &RawRelation> = raw
        .relations
        .iter()
        .filter_map(|r| {
            let owner = r.owned_by.as_ref().filter(|o| o.identity)?;
            Some(((owner.relation, owner.column.as_str()), r))
        })
        .collect();
    let mut columns: HashMap<i64, Vec<String>> = HashMap::new();
    for c in &raw.columns {
        let mut def = format!("{} {}", Ident::new(c.name.as_str()), c.ty);
        // The sequence's name and options (its type is the column's).
        let identity_options = identity_sequences
            .get(&(c.relation, c.name.as_str()))
            .and_then(|seq| {
                let options = seq.sequence.as_ref()?;
                Some(format!(
                    " (sequence name {} {})",
                    seq.qname,
                    sequence_options(options, false)
                ))
            })
            .unwrap_or_default();
        match (c.identity.as_str(), c.generated.as_str()) {
            ("a", _) => {
                def.push_str(" generated always as identity");
                def.push_str(&identity_options);
            }
            ("d", _) => {
                def.push_str(" generated by default as identity");
                def.push_str(&identity_options);
            }
            (_, "s") => {
                if let Some(e) = &c.default {
                    def.push_str(&format!(" generated always as ({e}) stored"));
                }
            }
            _ => {
                if let Some(e) = &c.default {
                    def.push_str(&format!(" default {e}"));
                }
            }
        }
        if c.not_null {
            def.push_str(" not null");
        }
        columns.entry(c.relation).or_default().push(def);
    }

    let relations: HashMap<i64, &RawRelation> = raw.relations.iter().map(|r| (r.oid, r)).collect();
    // Relations: tables (parents before partitions), types, sequences.
    let mut rels: Vec<&RawRelation> = raw.relations.iter().collect();
    rels.sort_by_key(|r| r.partition_bound.is_some());
    for r in &rels {
        let name = qn(&r.schema, &r.name);
        let in_base = base.relation_exists(&name);
        if b.platform(&r.schema, &r.owner, in_base) || in_base {
            continue;
        }
        let cols = columns
            .get(&r.oid)
            .map(|c| c.join(", "))
            .unwrap_or_default();
        let sql = match r.kind.as_str() {
            "r" | "p" => {
                let mut sql = match (&r.partition_bound, &r.parent) {
                    (Some(bound), Some(parent)) => {
                        format!("create table {} partition of {parent} {bound}", r.qname)
                    }
                    _ => format!("create table {} ({cols})", r.qname),
                };
                if let Some(key) = &r.partition_key {
                    sql.push_str(&format!(" partition by {key}"));
                }
                sql
            }
            "f" => format!(
                "create foreign table {} ({cols}) server {}",
                r.qname,
                r.server.as_deref().unwrap_or("unknown_server")
            ),
            "c" => format!("create type {} as ({cols})", r.qname),
            "S" => {
                let options = r
                    .sequence
                    .as_ref()
                    .map(|o| sequence_options(o, true))
                    .unwrap_or_default();
                let mut sql = format!("create sequence {} {options}", r.qname);
                match &r.owned_by {
                    None => {}
                    // Made by its identity column's DDL.
                    Some(owner) if owner.identity => continue,
                    // A serial's, or one `OWNED BY` a column: part of the
                    // column, not a relation of the project's own count.
                    Some(owner) => {
                        let Some(table) = relations.get(&owner.relation) else {
                            continue;
                        };
                        sql.push_str(&format!(
                            " owned by {}.{}",
                            table.qname,
                            Ident::new(owner.column.as_str())
                        ));
                        b.push(&r.qname, &r.schema, sql);
                        continue;
                    }
                }
                sql
            }
            _ => continue,
        };
        own.insert(r.oid);
        *owners.entry(r.owner.as_str()).or_default() += 1;
        b.push(&r.qname, &r.schema, sql);
    }

    // Functions before views: a view may call one.
    let api_roles: BTreeSet<String> = base
        .default_privileges
        .iter()
        .filter(|d| d.kind == DefaultObjectKind::Functions)
        .map(|d| d.grantee.to_string())
        .collect();
    for f in &raw.functions {
        let in_base = base.function_exists(&qn(&f.schema, &f.name));
        if b.platform(&f.schema, &f.owner, in_base) || in_base {
            continue;
        }
        // Aggregates have no CREATE FUNCTION form, and rules skip them.
        let Some(def) = f.def.as_ref().filter(|_| f.kind != "a") else {
            continue;
        };
        b.push(&f.qname, &f.schema, def.clone());
        *owners.entry(f.owner.as_str()).or_default() += 1;
        // Reproduce the ACL: replay starts from PUBLIC plus default privileges.
        let target = format!("function {}({})", f.qname, f.identity_args);
        b.push_owner(
            &f.qname,
            &f.schema,
            format!(
                "alter routine {}({}) owner to {}",
                f.qname,
                f.identity_args,
                Ident::new(f.owner.as_str())
            ),
        );
        let mut revoke_from = vec!["public".to_string()];
        revoke_from.extend(api_roles.iter().cloned());
        b.push(
            &f.qname,
            &f.schema,
            format!("revoke all on {target} from {}", revoke_from.join(", ")),
        );
        let grantees: Vec<String> = match &f.execute {
            None => vec!["public".to_string()],
            Some(list) => list
                .iter()
                .filter(|g| **g != f.owner)
                .map(|g| {
                    if g == "public" {
                        g.clone()
                    } else {
                        Ident::new(g.as_str()).to_string()
                    }
                })
                .collect(),
        };
        if !grantees.is_empty() {
            b.push(
                &f.qname,
                &f.schema,
                format!("grant execute on {target} to {}", grantees.join(", ")),
            );
        }
    }

    for r in &rels {
        if !matches!(r.kind.as_str(), "v" | "m") {
            continue;
        }
        let name = qn(&r.schema, &r.name);
        let in_base = base.relation_exists(&name);
        if b.platform(&r.schema, &r.owner, in_base) || in_base {
            continue;
        }
        let Some(def) = &r.view_def else { continue };
        let with = if r.options.is_empty() {
            String::new()
        } else {
            format!(" with ({})", r.options.join(", "))
        };
        let sql = if r.kind == "m" {
            format!(
                "create materialized view {}{with} as {} with no data",
                r.qname,
                strip_semicolon(def)
            )
        } else {
            format!("create view {}{with} as {}", r.qname, strip_semicolon(def))
        };
        own.insert(r.oid);
        *owners.entry(r.owner.as_str()).or_default() += 1;
        b.push(&r.qname, &r.schema, sql);
    }

    // Each part is replayed while the server still reads the next (issue 5).
    let mut replay = Replay::new(cat);
    replay.run(std::mem::take(&mut b.out));
    replay.run_uncounted(std::mem::take(&mut b.owners));
    let constraints = next()?.constraints;
    for c in &constraints {
        let Some(r) = relations.get(&c.relation) else {
            continue;
        };
        if !own.contains(&r.oid) || !c.local {
            continue;
        }
        b.push(
            &r.qname,
            &r.schema,
            format!(
                "alter table only {} add constraint {} {}",
                r.qname,
                Ident::new(c.name.as_str()),
                c.def
            ),
        );
    }
    replay.run(std::mem::take(&mut b.out));
    let later = next()?;
    for i in &later.indexes {
        let Some(r) = relations.get(&i.relation) else {
            continue;
        };
        if !own.contains(&r.oid) || i.inherited {
            continue;
        }
        // No definition: the index backs a constraint, replayed from it.
        let Some(def) = &i.def else { continue };
        b.push(&r.qname, &r.schema, def.clone());
    }
    for t in &later.triggers {
        let Some(r) = relations.get(&t.relation) else {
            continue;
        };
        let managed = base.is_platform_schema(&Ident::new(r.schema.as_str()));
        if managed && platform_owner(&r.owner) && !own.contains(&r.oid) {
            // A platform table: its triggers are the project's only if the
            // baseline has the table (auth.users), as on every project.
            if !base.relation_exists(&qn(&r.schema, &r.name)) {
                continue;
            }
        }
        b.push(&r.qname, &r.schema, t.def.clone());
        if t.enabled == "D" {
            b.push(
                &r.qname,
                &r.schema,
                format!(
                    "alter table {} disable trigger {}",
                    r.qname,
                    Ident::new(t.name.as_str())
                ),
            );
        }
    }
    for r in &rels {
        if !own.contains(&r.oid) || !matches!(r.kind.as_str(), "r" | "p") {
            continue;
        }
        if r.rls {
            b.push(
                &r.qname,
                &r.schema,
                format!("alter table {} enable row level security", r.qname),
            );
        }
        if r.force_rls {
            b.push(
                &r.qname,
                &r.schema,
                format!("alter table {} force row level security", r.qname),
            );
        }
    }
    for p in &later.policies {
        let Some(r) = relations.get(&p.relation) else {
            continue;
        };
        let known = own.contains(&r.oid) || base.relation_exists(&qn(&r.schema, &r.name));
        if !known {
            continue;
        }
        let command = match p.command.as_str() {
            "r" => "select",
            "a" => "insert",
            "w" => "update",
            "d" => "delete",
            _ => "all",
        };
        let mut sql = format!(
            "create policy {} on {} as {} for {command}",
            Ident::new(p.name.as_str()),
            r.qname,
            if p.permissive {
                "permissive"
            } else {
                "restrictive"
            }
        );
        if let Some(roles) = &p.roles {
            sql.push_str(&format!(" to {}", roles.join(", ")));
        }
        if let Some(u) = &p.using {
            sql.push_str(&format!(" using ({u})"));
        }
        if let Some(w) = &p.with_check {
            sql.push_str(&format!(" with check ({w})"));
        }
        b.push(&r.qname, &r.schema, sql);
    }

    publications(&mut b, &later);

    replay.run(b.out);
    let (count, problems) = replay.finish(cat);

    // Facts DDL does not carry.
    for s in &raw.schemas {
        if let Some(schema) = cat.schemas.get_mut(&Ident::new(s.name.as_str())) {
            schema.create_grantees = s.create.iter().map(|g| Ident::new(g.as_str())).collect();
        }
    }
    for role in &raw.roles {
        cat.roles.insert(Ident::new(role.as_str()));
    }
    set_owners(cat, raw, &later);
    if let Some(role) = project_owner(&owners) {
        cat.default_privileges = default_privileges(&raw.default_acls, role);
        cat.default_privileges_role = Some(Ident::new(role));
    }
    // Relations with the same ACL share one copy of their grants.
    let mut shared: HashMap<&[AclItem], Grants> = HashMap::new();
    // A serial's or identity's sequence is the project's when its table is.
    let project = |r: &RawRelation| {
        own.contains(&r.oid)
            || (r.kind == "S"
                && r.owned_by
                    .as_ref()
                    .is_some_and(|o| own.contains(&o.relation)))
    };
    for r in raw.relations.iter().filter(|r| project(r)) {
        let name = qn(&r.schema, &r.name);
        let grants = shared
            .entry(r.grants.as_slice())
            .or_insert_with(|| relation_grants(&r.grants))
            .clone();
        if r.kind == "S" {
            if let Some(seq) = cat.sequences.get_mut(&name) {
                seq.grants = grants;
            }
            continue;
        }
        if let Some(view) = cat.views.get_mut(&name) {
            view.grants = grants;
            continue;
        }
        let Some(table) = cat.tables.get_mut(&name) else {
            continue;
        };
        table.stats = Some(TableStats {
            row_estimate: r.row_estimate,
            bytes: u64::try_from(r.bytes).unwrap_or(0),
        });
        table.grants = grants;
        // Storage parameters, `name=value` as pg_class.reloptions keeps them.
        table.options = r
            .options
            .iter()
            .filter_map(|o| o.split_once('='))
            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
            .collect();
    }
    // Column-level privileges, of the owner's tables (the owner's own
    // items are not listed, as on the table).
    for c in raw.columns.iter().filter(|c| !c.grants.is_empty()) {
        let Some(r) = relations.get(&c.relation).filter(|r| own.contains(&r.oid)) else {
            continue;
        };
        let Some(table) = cat.tables.get_mut(&qn(&r.schema, &r.name)) else {
            continue;
        };
        let owner = &r.owner;
        let items: Vec<AclItem> = c
            .grants
            .iter()
            .filter(|i| i.grantee != *owner)
            .cloned()
            .collect();
        if let Some(column) = table
            .columns
            .iter_mut()
            .find(|col| col.name.as_str() == c.name)
        {
            column.grants = relation_grants(&items);
        }
    }
    // Validity as the server has it (replaying `CREATE INDEX ... ON ONLY`
    // of a partitioned table's index marks it invalid, as it would be
    // before its partitions' indexes were attached).
    for i in &later.indexes {
        let Some(r) = relations.get(&i.relation) else {
            continue;
        };
        if let Some(table) = cat.tables.get_mut(&qn(&r.schema, &r.name)) {
            for index in &mut table.indexes {
                if index.name.as_str() == i.name {
                    index.is_valid = i.valid;
                }
            }
        }
    }
    Some((count, problems))
}

/// Each object's owner, as read (functions': `Builder::push_owner`).
fn set_owners(cat: &mut Catalog, raw: &Raw, later: &Raw) {
    let role = |name: &str| Some(Ident::new(name));
    for s in &raw.schemas {
        if let Some(schema) = cat.schemas.get_mut(&Ident::new(s.name.as_str())) {
            schema.owner = role(&s.owner);
        }
    }
    for t in &raw.types {
        if let Some(ty) = cat.types.get_mut(&qn(&t.schema, &t.name)) {
            ty.owner = role(&t.owner);
        }
    }
    for r in &raw.relations {
        let name = qn(&r.schema, &r.name);
        let slot = match r.kind.as_str() {
            "r" | "p" | "f" => cat.tables.get_mut(&name).map(|t| &mut t.owner),
            "v" | "m" => cat.views.get_mut(&name).map(|v| &mut v.owner),
            "S" => cat.sequences.get_mut(&name).map(|s| &mut s.owner),
            "c" => cat.types.get_mut(&name).map(|t| &mut t.owner),
            _ => None,
        };
        if let Some(slot) = slot {
            *slot = role(&r.owner);
        }
    }
    for p in &later.publications {
        if let Some(publication) = cat.publications.get_mut(&Ident::new(p.name.as_str())) {
            publication.owner = role(&p.owner);
        }
    }
    for e in &raw.extensions {
        if let Some(extension) = cat.extensions.get_mut(&Ident::new(e.name.as_str())) {
            extension.owner = role(&e.owner);
        }
    }
}

/// A sequence's options as CREATE SEQUENCE writes them; `with_type`:
/// with `AS` (an identity column's sequence takes the column's type).
fn sequence_options(o: &SequenceOptions, with_type: bool) -> String {
    let data_type = if with_type {
        format!("as {} ", o.data_type)
    } else {
        String::new()
    };
    format!(
        "{data_type}increment by {} minvalue {} maxvalue {} start with {} cache {} {}",
        o.increment,
        o.min_value,
        o.max_value,
        o.start,
        o.cache,
        if o.cycle { "cycle" } else { "no cycle" }
    )
}

/// Publications, each with its tables (column list, row filter) and
/// schemas. The platform's own are left out, but for those of its baseline
/// (Supabase's `supabase_realtime`): the project adds its tables to them,
/// so they are made again as the database has them.
fn publications(b: &mut Builder<'_>, raw: &Raw) {
    let mut tables: HashMap<&str, Vec<String>> = HashMap::new();
    for t in &raw.published_tables {
        let mut item = format!("table {}", t.qname);
        if let Some(columns) = &t.columns {
            item.push_str(&format!(" ({})", columns.join(", ")));
        }
        if let Some(filter) = &t.row_filter {
            item.push_str(&format!(" where ({filter})"));
        }
        tables.entry(t.publication.as_str()).or_default().push(item);
    }
    for s in &raw.published_schemas {
        tables
            .entry(s.publication.as_str())
            .or_default()
            .push(format!("tables in schema {}", s.schema));
    }
    for p in &raw.publications {
        let name = Ident::new(p.name.as_str());
        let in_base = b.base.publications.contains_key(&name);
        // Supabase makes its own for Realtime's broadcasts
        // (`supabase_realtime_messages_publication`, owned by supabase_admin).
        if !in_base && b.base.platform == Platform::Supabase && platform_owner(&p.owner) {
            continue;
        }
        let q = name.to_string();
        if in_base {
            b.push_global(&q, format!("drop publication {q}"));
        }
        let mut sql = format!("create publication {q}");
        if p.all_tables {
            sql.push_str(" for all tables");
        } else if let Some(items) = tables.get(p.name.as_str()) {
            sql.push_str(" for ");
            sql.push_str(&items.join(", "));
        }
        sql.push_str(&format!(
            " with (publish = '{}', publish_via_partition_root = {})",
            p.publish, p.via_root
        ));
        b.push_global(&q, sql);
    }
}

/// The role that owns most of the project's relations and functions: the
/// one the migrations ran as. None when no role does, or two tie.
fn project_owner<'a>(owners: &HashMap<&'a str, usize>) -> Option<&'a str> {
    let most = owners.values().copied().max()?;
    let mut top = owners.iter().filter(|(_, n)| **n == most);
    let (role, _) = top.next()?;
    top.next().is_none().then_some(*role)
}

/// `role`'s default privileges as the model keeps them: the grants to
/// other roles. For every schema, pg_default_acl holds the whole ACL new
/// objects get: the role's own items, and PUBLIC's EXECUTE on functions
/// and USAGE on types (PostgreSQL's built-in defaults, which the model does
/// not list) are left out.
fn default_privileges(rows: &[RawDefaultAcl], role: &str) -> Vec<DefaultPrivilege> {
    let mut out = Vec::new();
    for d in rows.iter().filter(|d| d.role == role) {
        let kind = match d.kind.as_str() {
            "r" => DefaultObjectKind::Tables,
            "S" => DefaultObjectKind::Sequences,
            "f" => DefaultObjectKind::Functions,
            "T" => DefaultObjectKind::Types,
            "n" => DefaultObjectKind::Schemas,
            _ => continue,
        };
        let schema = d.schema.as_deref().map(Ident::new);
        for item in &d.grants {
            let built_in = schema.is_none()
                && item.grantee == "public"
                && matches!(
                    kind,
                    DefaultObjectKind::Functions | DefaultObjectKind::Types
                );
            if item.grantee == role || built_in || item.privileges.is_empty() {
                continue;
            }
            out.push(DefaultPrivilege {
                role: Some(Ident::new(role)),
                schema: schema.clone(),
                kind,
                grantee: Ident::new(item.grantee.as_str()),
                privileges: item.privileges.iter().map(|p| p.to_string()).collect(),
                origin: Origin::Live,
            });
        }
    }
    out
}

/// The model's grants from a relation's ACL items.
fn relation_grants(items: &[AclItem]) -> Grants {
    let mut grants = Grants::default();
    for item in items.iter().filter(|i| !i.privileges.is_empty()) {
        grants.grant(
            &Ident::new(item.grantee.as_str()),
            item.privileges.iter().copied(),
        );
    }
    grants
}

fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Parses definitions (in parallel) and replays them in order onto the
/// model, one part of the catalog at a time.
struct Replay {
    replayer: Replayer,
    count: usize,
    problems: Vec<Unreadable>,
}

impl Replay {
    /// Takes the model out of `cat` until [`Replay::finish`].
    fn new(cat: &mut Catalog) -> Self {
        let mut replayer = Replayer::new(std::mem::replace(cat, Catalog::empty(cat.platform)));
        // Every name in the generated DDL is qualified.
        replayer.search_path = Vec::new();

        Replay {
            replayer,
            count: 0,
            problems: Vec::new(),
        }
    }

    /// Statements that set what definitions made, not counted as definitions.
    fn run_uncounted(&mut self, ddl: Vec<Ddl>) {
        let count = self.count;
        self.run(ddl);
        self.count = count;
    }

    fn run(&mut self, ddl: Vec<Ddl>) {
        self.count += ddl.len();
        let mut text = String::new();
        // Each definition is one statement: its range is known, so the text
        // needs no scanner split (issue 5: the split alone took 50 ms on
        // 6,000 tables), and a definition that does not parse spoils only
        // itself.
        let mut ranges = Vec::with_capacity(ddl.len());
        for d in &ddl {
            let start = text.len();
            text.push_str(strip_semicolon(&d.sql));
            ranges.push((start, text.len()));
            text.push_str(";\n");
        }
        let object_at = |offset: usize| -> String {
            let i = ranges
                .partition_point(|&(s, _)| s <= offset)
                .saturating_sub(1);
            ddl.get(i).map(|d| d.object.clone()).unwrap_or_default()
        };
        let text: Arc<str> = text.into();
        let file = FileId(0);
        // Parse a chunk in parallel and replay it in order, one thread
        // replaying while the others parse the next chunk, then drop its
        // parse trees: memory stays flat however large the schema.
        const CHUNK: usize = 512;
        let chunks: Vec<&[(usize, usize)]> = ranges.chunks(CHUNK).collect();
        let parse = |chunk: &[(usize, usize)]| -> Vec<_> {
            chunk
                .par_iter()
                .map(|range| split::parse_range(file, &text, *range))
                .collect()
        };
        let mut next = chunks.first().map(|c| parse(c));
        for n in 0..chunks.len() {
            let parsed = next.take().unwrap_or_default();
            let following = chunks.get(n + 1);
            let replay = || {
                for (i, result) in parsed.into_iter().enumerate() {
                    let audited = ddl.get(n * CHUNK + i).is_some_and(|d| d.audited);
                    self.replayer.stamp = Stamp::Live { audited };
                    match result {
                        Ok(stmts) => {
                            for stmt in &stmts {
                                self.replayer.apply(stmt);
                            }
                        }
                        Err(e) => self.problems.push(Unreadable {
                            object: object_at(e.offset as usize),
                            message: e.message,
                        }),
                    }
                }
            };
            let ((), upcoming) = rayon::join(replay, || following.map(|c| parse(c)));
            next = upcoming;
        }
    }

    /// Puts the model back into `cat`; the number of definitions and those
    /// that could not be replayed.
    fn finish(self, cat: &mut Catalog) -> (usize, Vec<Unreadable>) {
        *cat = self.replayer.catalog;
        (self.count, self.problems)
    }
}
