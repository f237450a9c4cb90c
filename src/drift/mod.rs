//! `pgvet drift`: the schema the migrations build against the schema a
//! database has, object by object.
//!
//! Each catalog is flattened into facts: an object (`column public.t.x`) with
//! its attributes as text (`type = int8`, `not null = true`). Objects only in
//! the migrations are `drift-missing`, only in the database `drift-extra`, and
//! each attribute that differs is `drift-changed`. The platform's own objects
//! (the baseline, platform schemas) and extension members are left out on both
//! sides, as the rules leave them out.
//!
//! Expressions (defaults, CHECKs, policy conditions, index predicates, and
//! views' queries: [`view`]) are
//! compared as parse trees deparsed after the normalizations that undo what
//! PostgreSQL does to an expression it stores: casts are dropped, `x IN (a,
//! b)` becomes `x = ANY (ARRAY[a, b])` (and a one-item list `x = a`),
//! `BETWEEN` becomes two comparisons, column references keep only their
//! column name, tables in subqueries and called functions only their name,
//! and output names of subqueries are dropped. So a difference
//! that is only a cast or a qualification is not reported.
//!
//! Table, view, column and sequence privileges are compared (who holds
//! which, as one attribute; the privileges on a column's own sequence are
//! the column's `sequence privileges`), and EXECUTE on functions and
//! procedures (`execute`).
//! An owner's own privileges are left out: the database does not list
//! them, and from the migrations the role the database says owns the
//! project's objects is left out (see `facts`). Standalone
//! sequences are compared with their options (type, start, increment,
//! bounds, cache, cycle); one a column owns (serial, identity, `OWNED BY`)
//! is part of the column, whose `sequence ...` attributes are its options
//! when it owns just one. A view's query is rewritten
//! when PostgreSQL stores it: besides the query itself, normalized, what
//! it gives (the output columns, `*` as expanded when the view was made)
//! and what it reads (relations by name) are compared, each only when both
//! sides could work it out (`WHEN_BOTH`). Default privileges are compared for the role the live
//! source says owns the project's objects (`default_privilege_facts`), and
//! a partition's own indexes (`partition_index_facts`). Publications are
//! compared whoever made them, each table and schema they name an object
//! of its own (`publication_facts`). With `--owners` ([`Options`]), owners
//! are compared too (`owner`; a column's sequence's `sequence owner`, and
//! extensions'): one a migration sets (`OWNER TO`, `CREATE
//! SCHEMA ... AUTHORIZATION`, `REASSIGN OWNED`, `SET ROLE` before the
//! object was made) must be the database's; an object whose owner no
//! migration sets belongs to the role that ran them, which they do not
//! name, so it must be owned by the role that owns most such objects in
//! the database (`usual_owner`); one `REASSIGN OWNED BY role TO other`
//! moved, naming a role by its name, is `other`'s if that role is the
//! usual owner, else the usual owner's (`REASSIGNED`). pgmq's queues are
//! compared for what the project sets on them (`queue_facts`); the rest of
//! a schema an extension makes for itself is the extension's (members,
//! left out on both sides) or rows it keeps (pg_cron's jobs), not compared.

use std::collections::{BTreeMap, HashMap};

use pg_query::protobuf::{self as pb, Node};
use pg_query::NodeEnum;

use crate::catalog::{
    Catalog, ConstraintKind, Expr, FkAction, Function, Ident, Index, IndexKey, Origin, Policy,
    QualifiedName, Sequence, SequenceOptions, Span, Table, Trigger, TypeKind,
};
use crate::findings::{Finding, Severity};
use crate::sql::expr;

mod view;

pub const MISSING: &str = "drift-missing";
pub const EXTRA: &str = "drift-extra";
pub const CHANGED: &str = "drift-changed";
pub const UNAPPLIED: &str = "drift-unapplied";
pub const UNKNOWN_MIGRATION: &str = "drift-unknown-migration";

/// The one-line title of a kind of drift finding (`drift-extra`: "an
/// object in the database that no migration makes").
pub fn title(id: &str) -> Option<&'static str> {
    let first = explain(id)?.lines().next()?;
    first.split_once(" \u{2014} ").map(|(_, title)| title)
}

/// What each kind of `pgvet drift` finding means, for `pgvet explain`
/// (drift findings come from the comparison, not from a rule).
pub fn explain(id: &str) -> Option<&'static str> {
    Some(match id {
        MISSING => {
            "drift-missing \u{2014} an object the migrations make is not in the database\n\n\
severity: error   reported by: pgvet drift\n\n\
Replaying the migrations makes this object (table, column, constraint, index,\n\
policy, trigger, view, function, type, sequence, schema, extension, default\n\
privilege, publication, or a table or schema a publication names), but the\n\
database pgvet drift read does not have it: a migration\n\
was not applied, or the object was dropped by hand. A missing table is one\n\
finding, not one per column.\n\n\
Fix: apply the migration that makes it, or find out why the database lost it\n\
and write a migration that says so.\n"
        }
        EXTRA => {
            "drift-extra \u{2014} an object in the database that no migration makes\n\n\
severity: error   reported by: pgvet drift\n\n\
The database has this object but replaying the migrations does not make it:\n\
it was made by hand (a hot fix never written back) or by a migration that is\n\
not in the folder. The platform's own objects, extension members and the\n\
runner's history table are left out.\n\n\
Fix: write a migration that makes it, or drop it from the database if it\n\
should not exist.\n"
        }
        CHANGED => {
            "drift-changed \u{2014} an object differs between the migrations and the database\n\n\
severity: error   reported by: pgvet drift\n\n\
Both have the object, but one attribute differs (a column's type, NOT NULL or\n\
default, a constraint's expression, a policy's roles or condition, who may\n\
execute a function, a view's columns, a sequence's increment, what a\n\
publication publishes, a view's query, with --owners an owner, ...); the message gives\n\
both values. An object whose owner no migration sets belongs to the role\n\
that ran them, which they do not name: with --owners, it is reported when\n\
a role other than the one owning most such objects in the database owns it.\n\
Expressions and view queries are compared after undoing what PostgreSQL does\n\
when it stores them (casts, IN lists, qualification, `*` expanded), so a\n\
difference in those alone is not reported.\n\n\
Fix: write a migration that makes the two agree.\n"
        }
        UNAPPLIED => {
            "drift-unapplied \u{2014} a migration file the database's history does not record\n\n\
severity: warning   reported by: pgvet drift\n\n\
The runner's history table (supabase_migrations.schema_migrations,\n\
goose_db_version, schema_migrations, flyway_schema_history,\n\
_prisma_migrations, __diesel_schema_migrations, pgmigrations,\n\
sqitch.changes or drizzle.__drizzle_migrations) does not record this file\n\
as applied, so its objects are not compared: a branch's new migration is\n\
not drift. An empty history table records nothing and every file is\n\
compared.\n\n\
Fix: apply it; or, if it was applied by hand, record it as the runner would.\n"
        }
        UNKNOWN_MIGRATION => {
            "drift-unknown-migration \u{2014} a version the history records that no file has\n\n\
severity: warning   reported by: pgvet drift\n\n\
The runner's history table records this version as applied, but no migration\n\
file in the folder has it: it was applied from another branch or another\n\
copy of the project, and what it made shows up as drift-extra.\n\n\
Fix: add the migration that was applied, or find out where it came from.\n"
        }
        _ => return None,
    })
}

/// What kind of object a fact is about, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Schema,
    Extension,
    Type,
    Sequence,
    Table,
    Column,
    Constraint,
    Index,
    Policy,
    Trigger,
    View,
    Function,
    Publication,
    PublicationTable,
    PublicationSchema,
    DefaultPrivilege,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Schema => "schema",
            Kind::Extension => "extension",
            Kind::Type => "type",
            Kind::Sequence => "sequence",
            Kind::Table => "table",
            Kind::Column => "column",
            Kind::Constraint => "constraint",
            Kind::Index => "index",
            Kind::Policy => "policy",
            Kind::Trigger => "trigger",
            Kind::View => "view",
            Kind::Function => "function",
            Kind::Publication => "publication",
            Kind::PublicationTable => "publication table",
            Kind::PublicationSchema => "publication schema",
            Kind::DefaultPrivilege => "default privileges",
        }
    }
}

/// One object's attributes, and where the migrations declared it.
#[derive(Debug, Default)]
struct Object {
    attrs: BTreeMap<&'static str, String>,
    span: Option<Span>,
    /// The table a column, constraint, index, policy or trigger belongs to
    /// (the publication a member belongs to): when that object itself is
    /// missing or extra, its parts are not listed.
    parent: Option<(Kind, String)>,
    /// A view's query, compared in [`compare`] (the select lists with `*`
    /// in the migrations' are left out of both sides).
    query: Option<view::Query>,
}

type Facts = BTreeMap<(Kind, String), Object>;

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    pub kind: Kind,
    /// The object as findings name it (`public.t.x` for a column).
    pub object: String,
    pub what: DriftWhat,
    /// Where the migrations declare the object (None for `Extra`).
    pub span: Option<Span>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DriftWhat {
    /// In the migrations, not in the database.
    Missing,
    /// In the database, created by no migration.
    Extra,
    /// In both; this attribute differs.
    Changed {
        attribute: &'static str,
        migrations: String,
        database: String,
    },
    /// In both; no migration sets its owner (`attribute`: `owner`, or
    /// `sequence owner` for the sequence a column owns), and in the
    /// database `owner` owns it, where `usual` owns most of the objects no
    /// migration sets an owner for (`--owners`).
    UnusualOwner {
        attribute: &'static str,
        owner: String,
        usual: String,
    },
}

/// What `pgvet drift` compares beyond what it always does.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// `--owners`: the owners of schemas, tables, views, sequences,
    /// functions, types and publications.
    pub owners: bool,
}

/// Every difference between the schema `migrations` builds and `database`.
pub fn compare(migrations: &Catalog, database: &Catalog, options: &Options) -> Vec<Drift> {
    // Default privileges are compared when the database says whose the
    // project's are (the role owning its objects).
    let role = database.default_privileges_role.as_ref();
    // pgmq's queues, when the migrations install pgmq (without it, the
    // model has no queue of its own to compare).
    let queues = migrations.extensions.contains_key(&Ident::new("pgmq"));
    let ours = facts(migrations, role, options.owners, queues);
    let theirs = facts(database, role, options.owners, queues);
    let usual = usual_owner(&ours, &theirs, role);
    let mut out = Vec::new();
    for ((kind, object), mine) in &ours {
        match theirs.get(&(*kind, object.clone())) {
            None => out.push(Drift {
                kind: *kind,
                object: object.clone(),
                what: DriftWhat::Missing,
                span: mine.span,
            }),
            Some(other) => {
                let names: std::collections::BTreeSet<&'static str> = mine
                    .attrs
                    .keys()
                    .chain(other.attrs.keys())
                    .copied()
                    .collect();
                for attribute in names {
                    if attribute == SEQUENCE_OWNER && follows_its_table(mine, other, &ours, &theirs)
                    {
                        continue;
                    }
                    if attribute == OWNER || attribute == SEQUENCE_OWNER {
                        out.extend(owner_drift(*kind, object, attribute, mine, other, usual));
                        continue;
                    }
                    if WHEN_BOTH.contains(&attribute)
                        && !(mine.attrs.contains_key(attribute)
                            && other.attrs.contains_key(attribute))
                    {
                        continue;
                    }
                    let a = mine.attrs.get(attribute).map_or("", String::as_str);
                    let b = other.attrs.get(attribute).map_or("", String::as_str);
                    if a != b {
                        out.push(Drift {
                            kind: *kind,
                            object: object.clone(),
                            what: DriftWhat::Changed {
                                attribute,
                                migrations: a.to_string(),
                                database: b.to_string(),
                            },
                            span: mine.span,
                        });
                    }
                }
                if let (Some(a), Some(b)) = (&mine.query, &other.query) {
                    if let Some((a, b)) = view::compared(a, b).filter(|(a, b)| a != b) {
                        let (a, b) = from_difference(&a, &b);
                        out.push(Drift {
                            kind: *kind,
                            object: object.clone(),
                            what: DriftWhat::Changed {
                                attribute: VIEW_QUERY,
                                migrations: a,
                                database: b,
                            },
                            span: mine.span,
                        });
                    }
                }
            }
        }
    }
    for (kind, object) in theirs.keys() {
        if !ours.contains_key(&(*kind, object.clone())) {
            out.push(Drift {
                kind: *kind,
                object: object.clone(),
                what: DriftWhat::Extra,
                span: None,
            });
        }
    }
    // A missing or extra table stands for its columns, keys, indexes, ...
    let whole = |facts: &Facts, o: &Drift| {
        facts
            .get(&(o.kind, o.object.clone()))
            .and_then(|obj| obj.parent.as_ref())
            .is_some_and(|parent| {
                facts.contains_key(parent)
                    && !(ours.contains_key(parent) && theirs.contains_key(parent))
            })
    };
    // A table made by CREATE TABLE AS from a query pgvet does not read has
    // columns the model cannot list: the database's are not extra.
    let unknown_columns = |o: &Drift| {
        o.kind == Kind::Column
            && theirs
                .get(&(o.kind, o.object.clone()))
                .and_then(|obj| obj.parent.as_ref())
                .and_then(|parent| ours.get(parent))
                .is_some_and(|t| t.attrs.contains_key(COLUMNS_UNKNOWN))
    };
    out.retain(|d| match d.what {
        DriftWhat::Missing => !whole(&ours, d),
        DriftWhat::Extra => !whole(&theirs, d) && !unknown_columns(d),
        DriftWhat::Changed { .. } | DriftWhat::UnusualOwner { .. } => true,
    });
    out
}

/// An object's owner (`--owners`): the role's name, or [`IMPLICIT`].
const OWNER: &str = "owner";
/// The owner of the sequence a column owns (serial, identity, `OWNED BY`),
/// as [`OWNER`]: PostgreSQL keeps it the table's, and so must the model.
const SEQUENCE_OWNER: &str = "sequence owner";
/// The privileges on the sequence a column owns, as a table's
/// (`privileges`): granting on a table grants nothing on its sequences.
const SEQUENCE_PRIVILEGES: &str = "sequence privileges";
/// The owner of an object no migration gave one: the role that ran them.
const IMPLICIT: &str = "";

/// The `owner` attribute of an object, when owners are compared.
fn owner_fact(owners: bool, owner: Option<&Ident>, o: &mut Object) {
    owner_attribute(owners, OWNER, owner, o);
}

/// An owner attribute ([`OWNER`], [`SEQUENCE_OWNER`]), when owners are compared.
fn owner_attribute(owners: bool, attribute: &'static str, owner: Option<&Ident>, o: &mut Object) {
    if owners {
        let value = match owner {
            None => IMPLICIT.to_string(),
            Some(r) => match crate::catalog::reassigned_from(r) {
                Some((role, to)) => format!("{REASSIGNED}{role}{REASSIGNED}{to}"),
                None => r.to_string(),
            },
        };
        o.attrs.insert(attribute, value);
    }
}

/// The role and new owner of an owner attribute [`REASSIGNED`] marks.
fn reassigned(owner: &str) -> Option<(&str, &str)> {
    owner
        .strip_prefix(REASSIGNED)
        .and_then(|rest| rest.split_once(REASSIGNED))
}

/// Marks an owner the migrations gave by `REASSIGN OWNED BY role TO to`
/// naming a role by its name (`\u{1}role\u{1}to`): `to` if `role` is the
/// one that ran them (the usual owner, or none), else the usual owner.
const REASSIGNED: char = '\u{1}';

/// Whether the sequence a column owns has its table's owner on both sides:
/// then the table's owner says all there is (PostgreSQL moves the two
/// together, and an owned sequence's owner cannot be changed alone).
fn follows_its_table(mine: &Object, other: &Object, ours: &Facts, theirs: &Facts) -> bool {
    let same = |column: &Object, facts: &Facts| {
        let table = column.parent.as_ref().and_then(|p| facts.get(p));
        column.attrs.get(SEQUENCE_OWNER) == table.and_then(|t| t.attrs.get(OWNER))
    };
    same(mine, ours) && same(other, theirs)
}

/// The role that owns, in the database, most of the objects no migration
/// sets an owner for: the one that ran the migrations. When two tie, the
/// one owning most of the project's objects (`role`, which the live source
/// worked out) if it is one of them, else none.
/// An object a `REASSIGN OWNED BY role TO to` naming a role moved counts
/// for `role` when the database gives it to `to` (so `role` ran them), and
/// for its owner otherwise.
fn usual_owner<'a>(ours: &'a Facts, theirs: &'a Facts, role: Option<&Ident>) -> Option<&'a str> {
    let mut count: HashMap<&str, usize> = HashMap::new();
    for (key, mine) in ours {
        let Some(given) = mine.attrs.get(OWNER) else {
            continue;
        };
        let reassigned = reassigned(given);
        if given != IMPLICIT && reassigned.is_none() {
            continue;
        }
        let Some(owner) = theirs.get(key).and_then(|o| o.attrs.get(OWNER)) else {
            continue;
        };
        let owner = match reassigned {
            Some((role, to)) if owner == to => role,
            _ => owner.as_str(),
        };
        if owner != IMPLICIT {
            *count.entry(owner).or_default() += 1;
        }
    }
    let most = count.values().copied().max()?;
    let top: Vec<&str> = count
        .into_iter()
        .filter(|(_, n)| *n == most)
        .map(|(owner, _)| owner)
        .collect();
    match top.as_slice() {
        [one] => Some(one),
        _ => {
            let role = role?.to_string();
            top.into_iter().find(|owner| *owner == role)
        }
    }
}

/// The owner of an object both sides have, as the migrations set it (or,
/// when they do not, the usual owner) against the database's.
fn owner_drift(
    kind: Kind,
    object: &str,
    attribute: &'static str,
    mine: &Object,
    other: &Object,
    usual: Option<&str>,
) -> Option<Drift> {
    let (Some(ours), Some(theirs)) = (mine.attrs.get(attribute), other.attrs.get(attribute)) else {
        return None;
    };
    if theirs == IMPLICIT {
        return None;
    }
    // Given by REASSIGN OWNED BY a role named by its name: `to` if that
    // role ran the migrations, else the role's that did, as any other of
    // its objects (nothing is said when it is not known which did).
    let ours = match (reassigned(ours), usual) {
        (Some((role, to)), Some(usual)) if usual == role => to.to_string(),
        (Some(_), _) => IMPLICIT.to_string(),
        (None, _) => ours.clone(),
    };
    let ours = &ours;
    let what = if ours == IMPLICIT {
        let usual = usual?;
        if theirs == usual {
            return None;
        }
        DriftWhat::UnusualOwner {
            attribute,
            owner: theirs.clone(),
            usual: usual.to_string(),
        }
    } else if ours != theirs {
        DriftWhat::Changed {
            attribute,
            migrations: ours.clone(),
            database: theirs.clone(),
        }
    } else {
        return None;
    };
    Some(Drift {
        kind,
        object: object.to_string(),
        what,
        span: mine.span,
    })
}

/// Two long texts that differ, from a little before their first difference
/// (the message shows 120 characters of each).
fn from_difference(a: &str, b: &str) -> (String, String) {
    let same = a
        .char_indices()
        .zip(b.chars())
        .take_while(|((_, x), y)| x == y)
        .last()
        .map_or(0, |((i, x), _)| i + x.len_utf8());
    if same <= 40 {
        return (a.to_string(), b.to_string());
    }
    // Back to the start of a word, some way before.
    let from = a[..same - 30].rfind(' ').map_or(same - 30, |i| i + 1);
    let from = (0..=from)
        .rev()
        .find(|i| a.is_char_boundary(*i))
        .unwrap_or(0);
    (format!("…{}", &a[from..]), format!("…{}", &b[from..]))
}

/// A view's query, normalized (see [`view`]).
const VIEW_QUERY: &str = "query";
/// A view's output columns, in order (when the source could name them all).
const VIEW_COLUMNS: &str = "columns";
/// The relations a view's query reads, by name (when the model has each).
const VIEW_READS: &str = "reads";
/// A sequence's options: the attribute of a standalone sequence, and of
/// the column that owns one.
const SEQUENCE_OPTIONS: [(&str, &str); 7] = [
    ("type", "sequence type"),
    ("start", "sequence start"),
    ("increment", "sequence increment"),
    ("minvalue", "sequence minvalue"),
    ("maxvalue", "sequence maxvalue"),
    ("cache", "sequence cache"),
    ("cycle", "sequence cycle"),
];
/// Attributes a source may leave out when it cannot work them out: they
/// are compared only when both sides have them. A column's sequence
/// options are listed when it owns exactly one sequence (an identity's,
/// a serial's, or one `OWNED BY` it); one made or freed by hand is a
/// standalone sequence's finding already.
const WHEN_BOTH: [&str; 10] = [
    VIEW_COLUMNS,
    VIEW_READS,
    SEQUENCE_PRIVILEGES,
    "sequence type",
    "sequence start",
    "sequence increment",
    "sequence minvalue",
    "sequence maxvalue",
    "sequence cache",
    "sequence cycle",
];

/// The mark on a table fact whose columns the model does not know; never
/// compared (the database's tables do not carry it).
const COLUMNS_UNKNOWN: &str = "\u{0}columns unknown";

/// The differences as findings (error severity: the migrations do not
/// describe the database).
pub fn findings(drift: &[Drift]) -> Vec<Finding> {
    drift
        .iter()
        .map(|d| {
            let kind = d.kind.as_str();
            let object = &d.object;
            let (rule, message, help) = match &d.what {
                DriftWhat::Missing => (
                    MISSING,
                    format!("{kind} `{object}` is in the migrations but not in the database"),
                    "Apply the migrations that create it, or find out why the database lost it.",
                ),
                DriftWhat::Extra => (
                    EXTRA,
                    format!("{kind} `{object}` is in the database but no migration creates it"),
                    "Write a migration that creates it (or drop it from the database if it should not exist).",
                ),
                DriftWhat::Changed {
                    attribute,
                    migrations,
                    database,
                } => (
                    CHANGED,
                    format!(
                        "{kind} `{object}`: {attribute} is {} in the migrations and {} in the database",
                        shown(migrations),
                        shown(database)
                    ),
                    "Write a migration that makes the two agree.",
                ),
                DriftWhat::UnusualOwner {
                    attribute,
                    owner,
                    usual,
                } => (
                    CHANGED,
                    format!(
                        "{kind} `{object}`: {attribute} is not set in the migrations and `{owner}` in the database, where `{usual}` owns most of the objects the migrations set no owner for"
                    ),
                    "Give it back to the role that owns the others, or write a migration that sets its owner (ALTER ... OWNER TO).",
                ),
            };
            Finding {
                rule,
                severity: Severity::Error,
                message,
                object: object.clone(),
                location: None,
                help: help.to_string(),
                span: d.span,
                related: Vec::new(),
                remedy: None,
            }
        })
        .collect()
}

fn shown(value: &str) -> String {
    if value.is_empty() {
        "not set".to_string()
    } else {
        let short: String = value.chars().take(120).collect();
        let cut = if short.len() < value.len() { "…" } else { "" };
        format!("`{short}{cut}`")
    }
}

/// The project's objects of `cat`, flattened. `owner`, when the database
/// says which role owns the project's objects (the one the migrations ran
/// as): its default privileges are compared (from migrations, those not
/// `FOR ROLE` another), and its own privileges are not listed anywhere,
/// as the database does not list an owner's (a migration may grant them
/// to it, as pg_dump's `GRANT ALL ... TO postgres` does). `owners`: each
/// object's own owner is an attribute (`--owners`). `queues`: pgmq's queue
/// tables are compared ([`queue_facts`]).
fn facts(cat: &Catalog, owner: Option<&Ident>, owners: bool, queues: bool) -> Facts {
    let mut out = Facts::new();
    let own = |origin: &Origin| !origin.is_baseline();
    for s in cat.schemas.values() {
        if own(&s.origin) && !s.platform_managed {
            let mut o = Object {
                span: s.origin.span(),
                ..Object::default()
            };
            owner_fact(owners, s.owner.as_ref(), &mut o);
            out.insert((Kind::Schema, s.name.to_string()), o);
        }
    }
    for e in cat.extensions.values().filter(|e| own(&e.origin)) {
        let mut o = Object {
            span: e.origin.span(),
            ..Object::default()
        };
        o.attrs.insert("schema", e.schema.to_string());
        owner_fact(owners, e.owner.as_ref(), &mut o);
        out.insert((Kind::Extension, e.name.to_string()), o);
    }
    let extension_schema = |schema: &Ident| extension_schema(cat, schema);
    for t in cat.types.values() {
        if !own(&t.origin)
            || cat.is_platform_schema(&t.name.schema)
            || extension_schema(&t.name.schema)
        {
            continue;
        }
        let mut o = Object {
            span: t.origin.span(),
            ..Object::default()
        };
        let (kind, detail) = match &t.kind {
            TypeKind::Enum { labels } => ("enum", labels.join(", ")),
            TypeKind::Domain { base, has_check } => (
                "domain",
                format!("{base}{}", if *has_check { " with check" } else { "" }),
            ),
            TypeKind::Composite => ("composite", String::new()),
            TypeKind::Range => ("range", String::new()),
            // Opaque: what pgvet does not model; an extension's, most likely.
            TypeKind::Opaque => continue,
        };
        o.attrs.insert("kind", kind.to_string());
        if !detail.is_empty() {
            o.attrs
                .insert(if kind == "enum" { "values" } else { "base" }, detail);
        }
        owner_fact(owners, t.owner.as_ref(), &mut o);
        out.insert((Kind::Type, t.name.to_string()), o);
    }
    // Standalone sequences: one a serial or identity column owns is part
    // of that column (the database's are not read either).
    for s in cat.sequences.values() {
        if !own(&s.origin)
            || s.owned_by.is_some()
            || cat.is_platform_schema(&s.name.schema)
            || extension_schema(&s.name.schema)
            || crate::catalog::is_temporary_schema(&s.name.schema)
        {
            continue;
        }
        let mut o = Object {
            span: s.origin.span(),
            ..Object::default()
        };
        sequence_facts(&s.options, false, &mut o);
        grant_facts(&s.grants, owner, &mut o);
        owner_fact(owners, s.owner.as_ref(), &mut o);
        out.insert((Kind::Sequence, s.name.to_string()), o);
    }
    // The sequences each column owns: a column that owns one has its
    // options (`sequence increment`, ...).
    let mut owned: HashMap<(&QualifiedName, &Ident), Vec<&Sequence>> = HashMap::new();
    for s in cat.sequences.values() {
        if let Some((table, column)) = &s.owned_by {
            owned.entry((table, column)).or_default().push(s);
        }
    }
    for t in cat.user_tables() {
        // A queue's table is one whatever made it: both sides alike.
        if queues && crate::catalog::is_pgmq_queue_table(&t.name) {
            continue;
        }
        table_facts(t, owner, owners, &owned, &mut out);
        if let Some(o) = out.get_mut(&(Kind::Table, t.name.to_string())) {
            owner_fact(owners, t.owner.as_ref(), o);
        }
        if t.partition_of.is_some() {
            partition_index_facts(cat, t, &mut out);
        }
    }
    if queues {
        // Not the partitions pg_partman makes of a partitioned queue.
        for t in cat.tables.values().filter(|t| {
            crate::catalog::is_pgmq_queue_table(&t.name)
                && t.partition_of.is_none()
                && own(&t.origin)
        }) {
            queue_facts(t, owner, owners, &mut out);
        }
    }
    let relation_names: std::collections::HashSet<&str> = cat
        .tables
        .keys()
        .chain(cat.views.keys())
        .chain(cat.sequences.keys())
        .map(|q| q.name.as_str())
        .collect();
    // The columns of the relations of a name (any schema), when the model
    // has them all: what a view's query may name.
    let columns_of = |name: &str| -> Option<Vec<String>> {
        let mut out = Vec::new();
        let mut any = false;
        for t in cat.tables.values().filter(|t| t.name.name.as_str() == name) {
            if t.columns_unknown {
                return None;
            }
            any = true;
            out.extend(t.columns.iter().map(|c| c.name.as_str().to_string()));
        }
        for v in cat.views.values().filter(|v| v.name.name.as_str() == name) {
            if v.columns.is_empty() {
                return None;
            }
            any = true;
            out.extend(v.columns.iter().map(|c| c.as_str().to_string()));
        }
        any.then_some(out)
    };
    for v in cat.views.values() {
        if !own(&v.origin) || cat.is_platform_schema(&v.name.schema) {
            continue;
        }
        let mut o = Object {
            span: v.origin.span(),
            ..Object::default()
        };
        o.attrs.insert(
            "kind",
            if v.materialized {
                "materialized view"
            } else {
                "view"
            }
            .to_string(),
        );
        o.attrs
            .insert("security_invoker", v.security_invoker.to_string());
        // The query itself is rewritten when PostgreSQL stores it; what it
        // gives (its columns) and what it reads are not.
        if !v.columns.is_empty() {
            let columns: Vec<String> = v.columns.iter().map(|c| c.to_string()).collect();
            o.attrs.insert(VIEW_COLUMNS, columns.join(", "));
        }
        if let Some(q) = &v.query {
            o.query = Some(view::Query::new(q.node(), &columns_of));
            let reads = crate::sql::select::read_relations(&q.node());
            // A name the model has no relation of (renamed since, or one
            // of PostgreSQL's own): the set is not compared.
            if reads.iter().all(|r| relation_names.contains(r.as_str())) {
                let reads: Vec<String> = reads
                    .iter()
                    .map(|r| Ident::new(r.as_str()).to_string())
                    .collect();
                o.attrs.insert(VIEW_READS, reads.join(", "));
            }
        }
        grant_facts(&v.grants, owner, &mut o);
        owner_fact(owners, v.owner.as_ref(), &mut o);
        out.insert((Kind::View, v.name.to_string()), o);
        for ix in &v.indexes {
            index_facts(&v.name.to_string(), ix, &mut out);
        }
    }
    for f in cat.user_functions() {
        if cat.is_platform_schema(&f.name.schema) {
            continue;
        }
        function_facts(f, owner, owners, &mut out);
    }
    publication_facts(cat, owners, &mut out);
    if let Some(role) = owner {
        default_privilege_facts(cat, role, &mut out);
    }
    out
}

/// A sequence's options as attributes: a standalone sequence's (`start`),
/// or, `on_column`, those of the sequence a column owns (`sequence start`).
fn sequence_facts(options: &SequenceOptions, on_column: bool, o: &mut Object) {
    let values = [
        options.data_type.to_string(),
        options.start.to_string(),
        options.increment.to_string(),
        options.min_value.to_string(),
        options.max_value.to_string(),
        options.cache.to_string(),
        options.cycle.to_string(),
    ];
    for ((bare, prefixed), value) in SEQUENCE_OPTIONS.iter().zip(values) {
        o.attrs
            .insert(if on_column { prefixed } else { bare }, value);
    }
}

/// Publications, whoever made them (the platform's `supabase_realtime` is
/// in both models from the baseline, and the tables a project adds to it
/// are the project's); each table and schema a publication names is an
/// object of its own, with its column list and row filter. A table of a
/// platform schema is left out, as the platform's objects are. The owner
/// of one the baseline has is compared only when a migration sets it (the
/// platform made it).
fn publication_facts(cat: &Catalog, owners: bool, out: &mut Facts) {
    for p in cat.publications.values() {
        let name = p.name.to_string();
        let mut o = Object {
            span: p.origin.span(),
            ..Object::default()
        };
        o.attrs.insert("all tables", p.all_tables.to_string());
        o.attrs.insert("publish", p.publish.to_string());
        o.attrs
            .insert("publish via partition root", p.via_root.to_string());
        if !p.origin.is_baseline() || p.owner.is_some() {
            owner_fact(owners, p.owner.as_ref(), &mut o);
        }
        out.insert((Kind::Publication, name.clone()), o);
        for t in &p.tables {
            if cat.is_platform_schema(&t.table.schema) {
                continue;
            }
            let mut o = Object {
                span: p.origin.span(),
                parent: Some((Kind::Publication, name.clone())),
                ..Object::default()
            };
            // PostgreSQL keeps the column list in column order: compared
            // as a set.
            let mut columns: Vec<String> = t.columns.iter().map(|c| c.to_string()).collect();
            columns.sort();
            if !columns.is_empty() {
                o.attrs.insert("columns", columns.join(", "));
            }
            if let Some(x) = &t.predicate {
                o.attrs.insert("row filter", normalized(x));
            }
            out.insert((Kind::PublicationTable, format!("{name}.{}", t.table)), o);
        }
        for s in &p.schemas {
            out.insert(
                (Kind::PublicationSchema, format!("{name}.{s}")),
                Object {
                    span: p.origin.span(),
                    parent: Some((Kind::Publication, name.clone())),
                    ..Object::default()
                },
            );
        }
    }
}

/// A schema an extension makes for its objects (pgmq, net, cron).
fn extension_schema(cat: &Catalog, schema: &Ident) -> bool {
    cat.extensions.values().any(|e| {
        crate::catalog::extensions::find(e.name.as_str())
            .is_some_and(|k| [k.pinned_schema, k.objects_schema].contains(&Some(schema.as_str())))
    })
}

/// Default privileges, one object per (schema or every schema, kind of
/// object, grantee). Those the platform's baseline has, as it has them,
/// are left out (the live source reads them as the role's own), and so are
/// PostgreSQL's built-in defaults and platform schemas.
fn default_privilege_facts(cat: &Catalog, role: &Ident, out: &mut Facts) {
    use crate::catalog::{DefaultObjectKind as K, DefaultPrivilege};
    type Key = (Option<Ident>, K, Ident);
    let gather = |list: &[DefaultPrivilege]| {
        let mut held: BTreeMap<Key, (std::collections::BTreeSet<String>, Option<Span>)> =
            BTreeMap::new();
        for dp in list {
            let built_in = dp.schema.is_none()
                && dp.grantee.as_str() == "public"
                && matches!(dp.kind, K::Functions | K::Types);
            let other_role = dp.role.as_ref().is_some_and(|r| r != role);
            // An extension's own schema: its script sets what it wants there.
            let platform = dp
                .schema
                .as_ref()
                .is_some_and(|s| cat.is_platform_schema(s) || extension_schema(cat, s));
            // The owner holds every privilege on what it makes (pg_dump
            // writes `GRANT ALL ... TO postgres` for postgres's own).
            let own = dp.grantee == *role;
            if built_in || other_role || platform || own {
                continue;
            }
            let entry = held
                .entry((dp.schema.clone(), dp.kind, dp.grantee.clone()))
                .or_default();
            entry.1 = entry.1.or(dp.origin.span());
            for p in &dp.privileges {
                let all: &[&str] = match dp.kind {
                    K::Tables => &crate::catalog::TABLE_PRIVILEGES,
                    K::Sequences => &crate::catalog::SEQUENCE_PRIVILEGES,
                    K::Functions => &["EXECUTE"],
                    K::Types => &["USAGE"],
                    K::Schemas => &["USAGE", "CREATE"],
                };
                if p == "ALL" {
                    entry.0.extend(all.iter().map(|p| p.to_string()));
                // PostgreSQL 17's MAINTAIN is in the database's ALL, not in
                // the model's.
                } else if p != "MAINTAIN" {
                    entry.0.insert(p.clone());
                }
            }
        }
        held.retain(|_, (privileges, _)| !privileges.is_empty());
        held
    };
    let baseline = gather(&crate::catalog::baseline::catalog(cat.platform).default_privileges);
    for ((schema, kind, grantee), (privileges, span)) in gather(&cat.default_privileges) {
        if baseline
            .get(&(schema.clone(), kind, grantee.clone()))
            .is_some_and(|(b, _)| *b == privileges)
        {
            continue;
        }
        let kind = format!("{kind:?}").to_lowercase();
        let object = match &schema {
            Some(s) => format!("{kind} in schema {s} to {grantee}"),
            None => format!("{kind} to {grantee}"),
        };
        let mut o = Object {
            span,
            ..Object::default()
        };
        let list: Vec<&str> = privileges.iter().map(String::as_str).collect();
        o.attrs.insert("privileges", list.join(", "));
        out.insert((Kind::DefaultPrivilege, object), o);
    }
}

/// Table-level privileges as one attribute, `anon: DELETE, SELECT; ...`:
/// who may read and write through the API is the drift that matters most.
fn grant_facts(grants: &crate::catalog::Grants, owner: Option<&Ident>, o: &mut Object) {
    grant_attribute("privileges", grants, owner, o);
}

/// Privileges as attribute `attribute` ([`grant_facts`]; a column's
/// sequence's are [`SEQUENCE_PRIVILEGES`]).
fn grant_attribute(
    attribute: &'static str,
    grants: &crate::catalog::Grants,
    owner: Option<&Ident>,
    o: &mut Object,
) {
    let held: Vec<String> = grants
        .iter()
        .filter(|(role, _)| Some(*role) != owner)
        .map(|(role, privileges)| {
            let list: Vec<&str> = privileges.iter().map(String::as_str).collect();
            format!("{role}: {}", list.join(", "))
        })
        .collect();
    o.attrs.insert(attribute, held.join("; "));
}

fn table_facts(
    t: &Table,
    owner: Option<&Ident>,
    owners: bool,
    owned: &HashMap<(&QualifiedName, &Ident), Vec<&Sequence>>,
    out: &mut Facts,
) {
    let name = t.name.to_string();
    let mut o = Object {
        span: t.origin.span(),
        ..Object::default()
    };
    o.attrs
        .insert("kind", format!("{:?}", t.kind).to_lowercase());
    o.attrs
        .insert("row level security", t.rls_enabled.to_string());
    o.attrs
        .insert("forced row level security", t.rls_forced.to_string());
    if let Some(p) = &t.partition_of {
        o.attrs.insert("partition of", p.to_string());
    }
    grant_facts(&t.grants, owner, &mut o);
    let options: Vec<String> = t.options.iter().map(|(k, v)| format!("{k}={v}")).collect();
    if !options.is_empty() {
        o.attrs.insert("storage options", options.join(", "));
    }
    if t.columns_unknown {
        o.attrs.insert(COLUMNS_UNKNOWN, String::new());
    }
    out.insert((Kind::Table, name.clone()), o);
    for c in &t.columns {
        let mut o = Object {
            span: c.origin.span(),
            parent: Some((Kind::Table, name.clone())),
            ..Object::default()
        };
        o.attrs.insert("type", c.ty.to_string());
        o.attrs.insert("not null", c.not_null.to_string());
        if let Some(d) = &c.default {
            o.attrs.insert("default", normalized(d));
        }
        if c.identity {
            o.attrs.insert("identity", "true".to_string());
        }
        if c.generated {
            o.attrs.insert("generated", "true".to_string());
        }
        if c.grants.holders().next().is_some() {
            grant_facts(&c.grants, owner, &mut o);
        }
        if let Some([seq]) = owned.get(&(&t.name, &c.name)).map(Vec::as_slice) {
            sequence_facts(&seq.options, true, &mut o);
            grant_attribute(SEQUENCE_PRIVILEGES, &seq.grants, owner, &mut o);
            owner_attribute(owners, SEQUENCE_OWNER, seq.owner.as_ref(), &mut o);
        }
        out.insert((Kind::Column, format!("{name}.{}", c.name)), o);
    }
    for c in &t.constraints {
        let cols = |c: &[crate::catalog::Ident]| {
            c.iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let definition = match &c.kind {
            ConstraintKind::PrimaryKey { columns } => format!("primary key ({})", cols(columns)),
            ConstraintKind::Unique {
                columns,
                nulls_not_distinct,
            } => format!(
                "unique{} ({})",
                if *nulls_not_distinct {
                    " nulls not distinct"
                } else {
                    ""
                },
                cols(columns)
            ),
            ConstraintKind::ForeignKey(fk) => format!(
                "foreign key ({}) references {} ({}) on update {} on delete {}",
                cols(&fk.columns),
                fk.ref_table,
                cols(&fk.ref_columns),
                action(fk.on_update),
                action(fk.on_delete)
            ),
            ConstraintKind::Check { expr } => format!(
                "check ({})",
                expr.as_ref().map(normalized).unwrap_or_default()
            ),
            ConstraintKind::Exclusion => "exclude".to_string(),
        };
        let mut o = Object {
            span: c.origin.span(),
            parent: Some((Kind::Table, name.clone())),
            ..Object::default()
        };
        o.attrs.insert("definition", definition);
        o.attrs.insert("not valid", c.not_valid.to_string());
        out.insert((Kind::Constraint, format!("{name}.{}", c.name)), o);
    }
    // A partition's: `partition_index_facts`.
    if t.partition_of.is_none() {
        for ix in &t.indexes {
            index_facts(&name, ix, out);
        }
    }
    for p in &t.policies {
        policy_facts(&name, p, out);
    }
    for tr in &t.triggers {
        trigger_facts(&name, tr, out);
    }
}

/// The role pgmq's own default privileges in its schema give SELECT on
/// every queue table and sequence (pgmq 1.x's CREATE EXTENSION sets them
/// for the role that runs it).
const PGMQ_MONITOR: &str = "pg_monitor";

/// A pgmq queue's table (`pgmq.q_<queue>`, or its archive
/// `pgmq.a_<queue>`): that it exists, and what the project sets on it: row
/// level security, privileges (but the SELECT pgmq gives `pg_monitor`),
/// policies, triggers (but pgmq's own, which run a function of its schema:
/// `enable_notify_insert`) and, with `--owners`, its owner. Its columns,
/// keys, indexes and storage are pgmq's, and differ between its versions.
fn queue_facts(t: &Table, owner: Option<&Ident>, owners: bool, out: &mut Facts) {
    let name = t.name.to_string();
    let mut o = Object {
        span: t.origin.span(),
        ..Object::default()
    };
    o.attrs
        .insert("row level security", t.rls_enabled.to_string());
    o.attrs
        .insert("forced row level security", t.rls_forced.to_string());
    let mut grants = t.grants.clone();
    grants.revoke(&Ident::new(PGMQ_MONITOR), ["SELECT"]);
    grant_facts(&grants, owner, &mut o);
    owner_fact(owners, t.owner.as_ref(), &mut o);
    out.insert((Kind::Table, name.clone()), o);
    for p in &t.policies {
        policy_facts(&name, p, out);
    }
    for tr in t
        .triggers
        .iter()
        .filter(|tr| tr.function.schema.as_str() != "pgmq")
    {
        trigger_facts(&name, tr, out);
    }
}

fn action(a: FkAction) -> &'static str {
    match a {
        FkAction::NoAction => "no action",
        FkAction::Restrict => "restrict",
        FkAction::Cascade => "cascade",
        FkAction::SetNull => "set null",
        FkAction::SetDefault => "set default",
    }
}

fn index_facts(table: &str, ix: &Index, out: &mut Facts) {
    let o = index_object(table, ix);
    // Indexes are named in their table's schema.
    let schema = table.split('.').next().unwrap_or_default();
    out.insert((Kind::Index, format!("{schema}.{}", ix.name)), o);
}

/// What an index is, as compared: the table it is on aside, the same for
/// two indexes PostgreSQL would take for one another.
fn index_definition(ix: &Index) -> BTreeMap<&'static str, String> {
    let mut attrs = index_object("", ix).attrs;
    attrs.remove("on");
    attrs.remove("valid");
    attrs
}

fn index_object(table: &str, ix: &Index) -> Object {
    let keys: Vec<String> = ix
        .elems
        .iter()
        .map(|e| {
            let key = match &e.key {
                IndexKey::Column(c) => c.to_string(),
                IndexKey::Expression(x) => format!("({})", normalized(x)),
            };
            // pg_get_indexdef leaves a type's default operator class out.
            let opclass = e
                .opclass
                .as_ref()
                .filter(|o| !DEFAULT_OPCLASSES.contains(&o.name.as_str()))
                .map(|o| format!(" {}", o.name))
                .unwrap_or_default();
            let desc = if e.descending { " desc" } else { "" };
            format!("{key}{opclass}{desc}")
        })
        .collect();
    let mut o = Object {
        span: ix.origin.span(),
        parent: Some((Kind::Table, table.to_string())),
        ..Object::default()
    };
    o.attrs.insert("on", table.to_string());
    o.attrs.insert("method", ix.method.to_string());
    o.attrs.insert("keys", keys.join(", "));
    o.attrs.insert("unique", ix.unique.to_string());
    if !ix.include.is_empty() {
        let include: Vec<String> = ix.include.iter().map(|i| i.to_string()).collect();
        o.attrs.insert("include", include.join(", "));
    }
    if let Some(p) = &ix.predicate {
        o.attrs.insert("predicate", normalized(p));
    }
    o.attrs.insert("valid", ix.is_valid.to_string());
    o
}

/// A partition's own indexes. One with the definition of an index of a
/// table it is a partition of (at any level) is left out: PostgreSQL
/// attaches such an index to that one when it can (CREATE INDEX on the
/// parent, ATTACH PARTITION), and the live source does not read attached
/// ones; nor are the ones PostgreSQL makes on the partition for its
/// parent's indexes in the model.
fn partition_index_facts(cat: &Catalog, t: &Table, out: &mut Facts) {
    let mut inherited = Vec::new();
    let mut parent = t.partition_of.as_ref();
    let mut depth = 0;
    while let Some(name) = parent {
        // A parent the model does not have: what is attached is not known.
        let Some(p) = cat.tables.get(name) else {
            return;
        };
        inherited.extend(p.indexes.iter().map(index_definition));
        parent = p.partition_of.as_ref();
        depth += 1;
        if depth > 64 {
            return;
        }
    }
    let name = t.name.to_string();
    for ix in &t.indexes {
        if !inherited.contains(&index_definition(ix)) {
            index_facts(&name, ix, out);
        }
    }
}

/// Operator classes that are their type's default for btree, hash, GIN or
/// GiST: written or not, the index is the same.
const DEFAULT_OPCLASSES: &[&str] = &[
    "bool_ops",
    "bpchar_ops",
    "bytea_ops",
    "char_ops",
    "date_ops",
    "float4_ops",
    "float8_ops",
    "inet_ops",
    "int2_ops",
    "int4_ops",
    "int8_ops",
    "interval_ops",
    "numeric_ops",
    "oid_ops",
    "text_ops",
    "time_ops",
    "timestamp_ops",
    "timestamptz_ops",
    "timetz_ops",
    "uuid_ops",
    "jsonb_ops",
    "array_ops",
    "tsvector_ops",
];

fn policy_facts(table: &str, p: &Policy, out: &mut Facts) {
    let mut roles: Vec<String> = p.roles.iter().map(|r| r.to_string()).collect();
    // No TO clause is TO public.
    if roles.is_empty() {
        roles.push("public".to_string());
    }
    roles.sort();
    let mut o = Object {
        span: p.origin.span(),
        parent: Some((Kind::Table, table.to_string())),
        ..Object::default()
    };
    o.attrs
        .insert("command", format!("{:?}", p.command).to_lowercase());
    o.attrs.insert(
        "kind",
        if p.permissive {
            "permissive"
        } else {
            "restrictive"
        }
        .to_string(),
    );
    o.attrs.insert("roles", roles.join(", "));
    if let Some(e) = &p.using {
        o.attrs.insert("using", normalized(e));
    }
    if let Some(e) = &p.with_check {
        o.attrs.insert("with check", normalized(e));
    }
    out.insert((Kind::Policy, format!("{table}.{}", p.name)), o);
}

fn trigger_facts(table: &str, t: &Trigger, out: &mut Facts) {
    let timing = if t.instead_of {
        "instead of"
    } else if t.before {
        "before"
    } else {
        "after"
    };
    let mut events: Vec<String> = t
        .events
        .iter()
        .map(|e| format!("{e:?}").to_lowercase())
        .collect();
    events.sort();
    let mut o = Object {
        span: t.origin.span(),
        parent: Some((Kind::Table, table.to_string())),
        ..Object::default()
    };
    o.attrs.insert("timing", timing.to_string());
    o.attrs.insert("events", events.join(" or "));
    if !t.update_columns.is_empty() {
        let cols: Vec<String> = t.update_columns.iter().map(|c| c.to_string()).collect();
        o.attrs.insert("update of", cols.join(", "));
    }
    o.attrs.insert(
        "for each",
        if t.for_each_row { "row" } else { "statement" }.to_string(),
    );
    o.attrs.insert("function", t.function.to_string());
    if let Some(w) = &t.when {
        o.attrs.insert("when", normalized(w));
    }
    o.attrs.insert("enabled", t.enabled.to_string());
    out.insert((Kind::Trigger, format!("{table}.{}", t.name)), o);
}

fn function_facts(f: &Function, owner: Option<&Ident>, owners: bool, out: &mut Facts) {
    let args: Vec<String> = f.signature().iter().map(|t| t.to_string()).collect();
    let mut o = Object {
        span: f.origin.span(),
        ..Object::default()
    };
    o.attrs
        .insert("kind", format!("{:?}", f.kind).to_lowercase());
    if let Some(r) = &f.returns {
        let setof = if f.returns_set { "setof " } else { "" };
        o.attrs.insert("returns", format!("{setof}{r}"));
    }
    o.attrs.insert("language", f.language.to_string());
    o.attrs
        .insert("volatility", format!("{:?}", f.volatility).to_lowercase());
    o.attrs
        .insert("security definer", f.security_definer.to_string());
    let config: Vec<String> = f
        .config
        .iter()
        .map(|(k, v)| format!("{k}={}", v.replace('"', "")))
        .collect();
    if !config.is_empty() {
        o.attrs.insert("settings", config.join("; "));
    }
    if let Some(body) = &f.body {
        o.attrs.insert("body", body.trim().to_string());
    }
    // Who may call it, PUBLIC as `public`; the owner's own right is not
    // listed (the migrations do not say who runs them).
    let execute: Vec<String> = f
        .execute_grantees
        .iter()
        .filter(|g| Some(*g) != owner)
        .map(|g| g.to_string())
        .collect();
    o.attrs.insert("execute", execute.join(", "));
    owner_fact(owners, f.owner.as_ref(), &mut o);
    out.insert(
        (Kind::Function, format!("{}({})", f.name, args.join(", "))),
        o,
    );
}

/// An expression as text, after undoing what PostgreSQL does to an
/// expression it stores (see the module's doc).
fn normalized(e: &Expr) -> String {
    let mut node = *e.node();
    normalize(&mut node, 0);
    expr::to_sql(&node)
}

/// An interval literal in PostgreSQL's default input forms (`1 year 2
/// mons`, `@ 3 days ago`, `01:30:00`, `1.5 hours`) as its stored value:
/// months, days and microseconds. None for anything else (ISO 8601 forms
/// included), which is then compared as written.
fn interval_value(text: &str) -> Option<String> {
    let lower = text.trim().to_ascii_lowercase();
    let mut words: Vec<&str> = lower.split_whitespace().collect();
    if words.first() == Some(&"@") {
        words.remove(0);
    }
    let ago = words.last() == Some(&"ago");
    if ago {
        words.pop();
    }
    let (mut months, mut days, mut micros) = (0f64, 0f64, 0f64);
    let mut i = 0;
    while i < words.len() {
        let word = words.get(i)?;
        if word.contains(':') {
            // [-]HH:MM[:SS[.frac]]
            let negative = word.starts_with('-');
            let parts: Vec<f64> = word
                .trim_start_matches(['-', '+'])
                .split(':')
                .map(|p| p.parse::<f64>().ok())
                .collect::<Option<_>>()?;
            let secs = match parts.as_slice() {
                [h, m] => h * 3600.0 + m * 60.0,
                [h, m, s] => h * 3600.0 + m * 60.0 + s,
                _ => return None,
            };
            micros += if negative { -secs } else { secs } * 1e6;
            i += 1;
            continue;
        }
        let number: f64 = word.parse().ok()?;
        let unit = words.get(i + 1)?;
        let unit = unit.trim_end_matches(',');
        match unit {
            "millennium" | "millennia" | "millenniums" | "mil" | "mils" => {
                months += number * 12000.0
            }
            "century" | "centuries" | "cent" | "c" => months += number * 1200.0,
            "decade" | "decades" | "dec" | "decs" => months += number * 120.0,
            "year" | "years" | "y" | "yr" | "yrs" => months += number * 12.0,
            "month" | "months" | "mon" | "mons" => months += number,
            "week" | "weeks" | "w" => days += number * 7.0,
            "day" | "days" | "d" => days += number,
            "hour" | "hours" | "h" | "hr" | "hrs" => micros += number * 3.6e9,
            "minute" | "minutes" | "m" | "min" | "mins" => micros += number * 6e7,
            "second" | "seconds" | "s" | "sec" | "secs" => micros += number * 1e6,
            "millisecond" | "milliseconds" | "ms" | "msec" | "msecs" => micros += number * 1e3,
            "microsecond" | "microseconds" | "us" | "usec" | "usecs" => micros += number,
            _ => return None,
        }
        i += 2;
    }
    if words.is_empty() {
        return None;
    }
    // Fractions cascade down as PostgreSQL's input does: a month is 30
    // days, a day 24 hours.
    let whole_months = months.trunc();
    days += (months - whole_months) * 30.0;
    let whole_days = days.trunc();
    micros += (days - whole_days) * 8.64e10;
    let sign = if ago { -1.0 } else { 1.0 };
    // `+ 0.0` turns a negative zero into zero.
    Some(format!(
        "interval {} months {} days {} us",
        sign * whole_months + 0.0,
        sign * whole_days + 0.0,
        (sign * micros).round() + 0.0
    ))
}

/// Deeper than this is left as it is (PostgreSQL's own expressions are not).
const MAX_DEPTH: usize = 200;

fn normalize(node: &mut Node, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    normalize_here(node, depth);
    // Then everything below.
    let Some(inner) = node.node.as_mut() else {
        return;
    };
    for child in expr::children_mut(inner) {
        normalize(child, depth + 1);
    }
}

/// What [`normalize`] does to one node, not to the nodes below it (a view's
/// query walks them itself: [`view`]).
fn normalize_here(node: &mut Node, depth: usize) {
    // A cast: its argument stands for it. An interval literal is stored
    // as a value and printed in PostgreSQL's form ('12 months' as
    // '1 year'): both sides are compared as that value.
    while let Some(NodeEnum::TypeCast(c)) = &mut node.node {
        let interval = c
            .type_name
            .as_ref()
            .and_then(|t| t.names.last())
            .is_some_and(|n| matches!(&n.node, Some(NodeEnum::String(s)) if s.sval == "interval"));
        if interval {
            if let Some(NodeEnum::AConst(k)) = c.arg.as_deref_mut().and_then(|a| a.node.as_mut()) {
                if let Some(pb::a_const::Val::Sval(text)) = &mut k.val {
                    if let Some(value) = interval_value(&text.sval) {
                        text.sval = value;
                    }
                }
            }
        }
        match c.arg.take() {
            Some(arg) => *node = *arg,
            None => break,
        }
    }
    match &mut node.node {
        // x IN (a) is stored as x = a; NOT IN (a) as x <> a.
        Some(NodeEnum::AExpr(a))
            if a.kind == pb::AExprKind::AexprIn as i32
                && matches!(a.rexpr.as_deref().and_then(|r| r.node.as_ref()),
                    Some(NodeEnum::List(l)) if l.items.len() == 1) =>
        {
            if let Some(NodeEnum::List(mut list)) = a.rexpr.as_mut().and_then(|r| r.node.take()) {
                a.kind = pb::AExprKind::AexprOp as i32;
                a.rexpr = list.items.pop().map(Box::new);
            }
        }
        // x BETWEEN a AND b is stored as x >= a AND x <= b; NOT BETWEEN as x < a OR x > b.
        Some(NodeEnum::AExpr(a))
            if a.kind == pb::AExprKind::AexprBetween as i32
                || a.kind == pb::AExprKind::AexprNotBetween as i32 =>
        {
            let negated = a.kind == pb::AExprKind::AexprNotBetween as i32;
            let bounds = match a.rexpr.as_deref().and_then(|r| r.node.as_ref()) {
                Some(NodeEnum::List(l)) => l.items.clone(),
                _ => Vec::new(),
            };
            if let (Some(x), [low, high]) = (a.lexpr.as_deref(), bounds.as_slice()) {
                let (lo_op, hi_op, join) = if negated {
                    ("<", ">", pb::BoolExprType::OrExpr)
                } else {
                    (">=", "<=", pb::BoolExprType::AndExpr)
                };
                let compare = |op: &str, bound: &Node| Node {
                    node: Some(NodeEnum::AExpr(Box::new(pb::AExpr {
                        kind: pb::AExprKind::AexprOp as i32,
                        name: vec![Node {
                            node: Some(NodeEnum::String(pb::String {
                                sval: op.to_string(),
                            })),
                        }],
                        lexpr: Some(Box::new(x.clone())),
                        rexpr: Some(Box::new(bound.clone())),
                        location: -1,
                        ..Default::default()
                    }))),
                };
                node.node = Some(NodeEnum::BoolExpr(Box::new(pb::BoolExpr {
                    boolop: join as i32,
                    args: vec![compare(lo_op, low), compare(hi_op, high)],
                    location: -1,
                    ..Default::default()
                })));
            }
        }
        // x IN (a, b) is stored as x = ANY (ARRAY[a, b]); NOT IN as <> ALL.
        Some(NodeEnum::AExpr(a)) if a.kind == pb::AExprKind::AexprIn as i32 => {
            let negated = ast_op(&a.name) == Some("<>");
            if let Some(NodeEnum::List(list)) = a.rexpr.as_mut().and_then(|r| r.node.take()) {
                a.kind = if negated {
                    pb::AExprKind::AexprOpAll as i32
                } else {
                    pb::AExprKind::AexprOpAny as i32
                };
                a.rexpr = Some(Box::new(Node {
                    node: Some(NodeEnum::AArrayExpr(pb::AArrayExpr {
                        elements: list.items,
                        location: -1,
                        list_start: -1,
                        list_end: -1,
                    })),
                }));
            }
        }
        // `t.col` and `col` alike: PostgreSQL qualifies outer references.
        Some(NodeEnum::ColumnRef(r)) if r.fields.len() > 1 => {
            let last = r.fields.pop();
            r.fields.clear();
            r.fields.extend(last);
        }
        Some(NodeEnum::ResTarget(t)) => t.name.clear(),
        // '20.00' cast to numeric is stored as 20.00; a JSON literal as the
        // type prints it back (jsonb: keys sorted, spaces normalized).
        Some(NodeEnum::AConst(c)) => {
            if let Some(pb::a_const::Val::Sval(s)) = &c.val {
                let text = s.sval.trim();
                let number = !text.is_empty()
                    && text.parse::<f64>().is_ok()
                    && text
                        .chars()
                        .all(|ch| ch.is_ascii_digit() || matches!(ch, '.' | '-' | '+'));
                if number {
                    c.val = Some(if text.contains('.') {
                        pb::a_const::Val::Fval(pb::Float {
                            fval: text.to_string(),
                        })
                    } else {
                        match text.parse::<i32>() {
                            Ok(ival) => pb::a_const::Val::Ival(pb::Integer { ival }),
                            Err(_) => pb::a_const::Val::Fval(pb::Float {
                                fval: text.to_string(),
                            }),
                        }
                    });
                } else if text.starts_with(['{', '[']) {
                    if let Ok(json) = serde_json::from_str::<serde_json::Value>(text) {
                        let canonical = json.to_string();
                        if let Some(pb::a_const::Val::Sval(s)) = &mut c.val {
                            s.sval = canonical;
                        }
                    }
                }
            }
        }
        // A table in a subquery: PostgreSQL prints it qualified when the
        // reading session's search_path does not find it (the audit's is empty).
        Some(NodeEnum::RangeVar(r)) => r.schemaname.clear(),
        // A function in a default or a condition: PostgreSQL prints it
        // qualified when the reading session's search_path does not find it.
        Some(NodeEnum::FuncCall(f)) if !is_nextval(f) && f.funcname.len() > 1 => {
            let last = f.funcname.pop();
            f.funcname.clear();
            f.funcname.extend(last);
        }
        Some(NodeEnum::FuncCall(f)) if is_nextval(f) => {
            // nextval('public.s'::regclass) and nextval('s'): the sequence's name.
            if let Some(arg) = f.args.first_mut() {
                normalize(arg, depth + 1);
                if let Some(NodeEnum::AConst(c)) = &mut arg.node {
                    if let Some(pb::a_const::Val::Sval(s)) = &mut c.val {
                        if let Some((_, name)) = s.sval.rsplit_once('.') {
                            s.sval = name.to_string();
                        }
                    }
                }
            }
        }
        _ => {}
    }
}

fn is_nextval(f: &pb::FuncCall) -> bool {
    crate::sql::ast::strings(&f.funcname)
        .last()
        .is_some_and(|n| n == "nextval")
}

fn ast_op(name: &[Node]) -> Option<&str> {
    name.last().and_then(|n| match &n.node {
        Some(NodeEnum::String(s)) => Some(s.sval.as_str()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tables `t0`, `t1`, ... with these owners (`IMPLICIT`: none set).
    fn owned(owners: &[&str]) -> Facts {
        owners
            .iter()
            .enumerate()
            .map(|(i, owner)| {
                let mut o = Object::default();
                o.attrs.insert(OWNER, owner.to_string());
                ((Kind::Table, format!("public.t{i}")), o)
            })
            .collect()
    }

    #[test]
    fn the_usual_owner_is_the_one_of_most_objects_no_migration_gives_one() {
        let ours = owned(&[IMPLICIT, IMPLICIT, IMPLICIT, "app", "app", "app"]);
        // The objects the migrations give `app` do not count.
        let theirs = owned(&["postgres", "postgres", "other", "app", "app", "app"]);
        let app = Ident::new("app");
        assert_eq!(usual_owner(&ours, &theirs, Some(&app)), Some("postgres"));
        // A tie: the project's owner if it is one of them, else none.
        let theirs = owned(&["postgres", "other", "x", "app", "app", "app"]);
        let postgres = Ident::new("postgres");
        assert_eq!(usual_owner(&ours, &theirs, Some(&app)), None);
        assert_eq!(
            usual_owner(&ours, &theirs, Some(&postgres)),
            Some("postgres")
        );
        let drifts: Vec<DriftWhat> = (0..6)
            .filter_map(|i| {
                let key = (Kind::Table, format!("public.t{i}"));
                owner_drift(
                    Kind::Table,
                    "t",
                    OWNER,
                    &ours[&key],
                    &theirs[&key],
                    Some("postgres"),
                )
            })
            .map(|d| d.what)
            .collect();
        assert_eq!(
            drifts,
            [
                DriftWhat::UnusualOwner {
                    attribute: OWNER,
                    owner: "other".to_string(),
                    usual: "postgres".to_string()
                },
                DriftWhat::UnusualOwner {
                    attribute: OWNER,
                    owner: "x".to_string(),
                    usual: "postgres".to_string()
                },
            ]
        );
    }

    #[test]
    fn a_sequence_that_does_not_follow_its_table_is_found() {
        let sql = "create table t (id serial, n int); alter table t owner to a;";
        let database = crate::replay::tests::replay_on(crate::catalog::Platform::Postgres, sql);
        let compared = |migrations: &Catalog| -> Vec<(String, DriftWhat)> {
            compare(migrations, &database, &Options { owners: true })
                .into_iter()
                .map(|d| (d.object, d.what))
                .collect()
        };
        // Following its table: nothing, and the table's owner says the rest.
        assert_eq!(compared(&database), []);
        let mut migrations = database.clone();
        for s in migrations.sequences.values_mut() {
            s.owner = Some(Ident::new("b"));
        }
        assert_eq!(
            compared(&migrations),
            [(
                "public.t.id".to_string(),
                DriftWhat::Changed {
                    attribute: SEQUENCE_OWNER,
                    migrations: "b".to_string(),
                    database: "a".to_string(),
                }
            )]
        );
    }

    fn norm(sql: &str) -> String {
        let node = expr::parse(sql).unwrap();
        let e = Expr::new(&node);
        normalized(&e)
    }

    #[test]
    fn what_postgresql_does_to_an_expression_is_undone() {
        // As written in a migration, and as pg_get_expr prints it.
        for (written, stored) in [
            ("status in ('a', 'b')", "((status)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))"),
            ("n > 0", "(n > 0)"),
            ("auth.uid() = user_id", "(auth.uid() = user_id)"),
            (
                "exists (select 1 from members m where m.org = org_id)",
                "(EXISTS ( SELECT 1 AS one FROM members m WHERE (m.org = t.org_id)))",
            ),
            ("'draft'", "'draft'::text"),
            ("nextval('t_id_seq')", "nextval('public.t_id_seq'::regclass)"),
            ("generate_unique_changeme()", "public.generate_unique_changeme()"),
            ("x not in (1, 2)", "(x <> ALL (ARRAY[1, 2]))"),
            ("'20.00'", "20.00"),
            ("'7'", "7"),
            ("'{\"b\":1,  \"a\":[1,2]}'", "'{\"a\": [1, 2], \"b\": 1}'::jsonb"),
            ("status not in ('done')", "((status)::text <> 'done'::text)"),
            ("n between 1 and 60", "((n >= 1) AND (n <= 60))"),
            (
                "job_id in (select id from jobs)",
                "(job_id IN ( SELECT jobs.id FROM public.jobs))",
            ),
            ("n not between 1 and 60", "((n < 1) OR (n > 60))"),
            (
                "now() - random() * '12 months'::interval",
                "(now() - (random() * '1 year'::interval))",
            ),
            ("'90 minutes'::interval", "'01:30:00'::interval"),
            ("'1.5 days'::interval", "'1 day 12:00:00'::interval"),
            ("'@ 2 weeks ago'::interval", "'-14 days'::interval"),
        ] {
            assert_eq!(norm(written), norm(stored), "{written} vs {stored}");
        }
        // A real difference stays one.
        assert_ne!(norm("n > 0"), norm("n >= 0"));
        assert_ne!(norm("status in ('a')"), norm("status in ('b')"));
        assert_ne!(norm("'1 year'::interval"), norm("'1 mon'::interval"));
        // Text that reads as an interval is not one.
        assert_ne!(norm("'12 months'::text"), norm("'1 year'::text"));
    }
}
