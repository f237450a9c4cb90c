//! The schema model every source fills and every rule reads.
//!
//! `replay` builds it from migration files and from the DDL the live source
//! writes for a database's catalog; rules never know which. Where an object came
//! from is data ([`Origin`]).

pub mod baseline;
pub mod body;
pub mod chunked;
pub mod extensions;
pub mod ident;
mod keywords;
pub mod resolve;
pub mod sequence;
pub mod shared;
pub mod types;

use std::collections::{BTreeMap, BTreeSet};

pub use crate::sql::{FileId, Span};
pub use ident::{Ident, QualifiedName};
use pg_query::protobuf::Node;
pub use sequence::{SequenceChange, SequenceOptions, SequenceType};
pub use shared::Shared;
pub use types::TypeName;

/// Where an object or fact came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Origin {
    /// The platform model: present before the first migration.
    Baseline,
    /// Declared in a migration file, at this span.
    Migration(Span),
    /// Read from a live database.
    Live,
}

impl Origin {
    pub fn span(&self) -> Option<Span> {
        match self {
            Origin::Migration(span) => Some(*span),
            _ => None,
        }
    }

    pub fn is_baseline(&self) -> bool {
        matches!(self, Origin::Baseline)
    }
}

/// Which platform the schema runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Supabase,
    Postgres,
}

/// `pg_temp` (and the `pg_temp_N` it stands for): what lives there ends with
/// the session that made it.
pub fn is_temporary_schema(schema: &Ident) -> bool {
    schema
        .as_str()
        .strip_prefix("pg_temp")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('_'))
}

impl Platform {
    /// The schemas an HTTP API serves when no config names them: Supabase's
    /// Data API serves `public`; a plain PostgreSQL project has no such API
    /// unless `exposed_schemas` says so (a PostgREST or pg_graphql setup).
    pub fn default_exposed_schemas(self) -> Vec<String> {
        match self {
            Platform::Supabase => vec!["public".to_string()],
            Platform::Postgres => Vec::new(),
        }
    }
}

/// A parsed SQL expression (policy condition, CHECK, index predicate,
/// default) or a view's query.
///
/// Kept encoded (pg_query's protobuf bytes, about 1/40 of the tree's size: a
/// decoded `Node` is 608 bytes, whatever its kind) and decoded when a rule
/// reads it. The model holds tens of thousands of these; as trees they were
/// half of pgvet's peak memory (issue 8).
#[derive(Clone, PartialEq, Eq)]
pub struct Expr {
    bytes: Box<[u8]>,
}

impl Expr {
    pub fn new(node: &Node) -> Expr {
        use prost::Message;
        Expr {
            bytes: node.encode_to_vec().into_boxed_slice(),
        }
    }

    /// Whether `text` occurs in the encoded tree. Strings (constants,
    /// names) are stored as they are, so an expression holding a string
    /// that contains `text` always does: a rule looking for one can skip
    /// the expressions that do not without decoding them.
    pub fn mentions(&self, text: &str) -> bool {
        let text = text.as_bytes();
        !text.is_empty() && self.bytes.windows(text.len()).any(|w| w == text)
    }

    /// The expression's tree. It was decoded from a statement once, so it
    /// decodes again (an empty node if it ever did not).
    pub fn node(&self) -> Box<Node> {
        use prost::Message;
        Box::new(Node::decode(&*self.bytes).unwrap_or_default())
    }
}

/// Stored as its encoded bytes (a cached model, [`crate::catalog`] users
/// never see the difference).
impl serde::Serialize for Expr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.bytes)
    }
}

impl<'de> serde::Deserialize<'de> for Expr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Bytes;
        impl<'de> serde::de::Visitor<'de> for Bytes {
            type Value = Expr;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an encoded expression")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Expr, E> {
                Ok(Expr { bytes: v.into() })
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Expr, E> {
                Ok(Expr {
                    bytes: v.into_boxed_slice(),
                })
            }
        }
        d.deserialize_bytes(Bytes)
    }
}

impl std::fmt::Debug for Expr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Expr").field("node", &self.node()).finish()
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Schema {
    pub name: Ident,
    /// Managed by the platform (auth, storage, ...): user migrations should not own objects there.
    pub platform_managed: bool,
    /// Roles granted CREATE on the schema (PUBLIC as `public`).
    pub create_grantees: BTreeSet<Ident>,
    /// The role a statement made its owner (`OWNER TO`, `CREATE SCHEMA ...
    /// AUTHORIZATION`, `REASSIGN OWNED`). None from migrations when none
    /// did: the role that ran them owns it, which they do not name. The
    /// live source sets it for every object it reads. An object the
    /// migrations' role made before `REASSIGN OWNED BY role TO other`
    /// named a role by its name has [`reassigned_owner`]: `other`'s if
    /// that role is the one running them, else still its own.
    pub owner: Option<Ident>,
    pub origin: Origin,
}

/// The owner of an object the role running the migrations made before
/// `REASSIGN OWNED BY role TO to` (role by its name): `to` if `role` ran
/// the migrations, else that role's. Only `pgvet drift --owners` can tell
/// (it reads which role owns the project's objects): see
/// [`reassigned_from`].
pub fn reassigned_owner(role: &Ident, to: &Ident) -> Ident {
    Ident::new(format!("\u{0}{}\u{0}{}", role.as_str(), to.as_str()))
}

/// The role and the new owner of a [`reassigned_owner`]; None for a role.
pub fn reassigned_from(owner: &Ident) -> Option<(Ident, Ident)> {
    let rest = owner.as_str().strip_prefix('\u{0}')?;
    let (role, to) = rest.split_once('\u{0}')?;
    Some((Ident::new(role), Ident::new(to)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RelKind {
    Table,
    Partitioned,
    Foreign,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Table {
    pub name: QualifiedName,
    pub kind: RelKind,
    pub columns: Vec<Column>,
    /// Made by `CREATE TABLE ... AS` from a query pgvet does not read:
    /// `columns` holds only those added later, not all the table has.
    pub columns_unknown: bool,
    pub constraints: Vec<Constraint>,
    pub indexes: Vec<Index>,
    pub triggers: Vec<Trigger>,
    pub policies: Vec<Policy>,
    pub rls_enabled: bool,
    pub rls_forced: bool,
    /// Where row level security was last enabled or disabled.
    pub rls_origin: Option<Origin>,
    /// A partition of another table (`PARTITION OF`).
    pub partition_of: Option<QualifiedName>,
    /// Owned by an extension (rules skip these).
    pub extension_owned: bool,
    /// Size and row estimate, read from a live database (None from migrations).
    pub stats: Option<TableStats>,
    /// Storage parameters (`WITH (autovacuum_enabled = false)`): lowercased
    /// name to value as written. The TOAST table's (`toast.*`) are not kept.
    pub options: BTreeMap<String, String>,
    /// Table-level privileges granted to roles other than the owner.
    pub grants: Grants,
    /// Its owner, when known: see [`Schema::owner`].
    pub owner: Option<Ident>,
    pub origin: Origin,
}

/// A table pgmq (Supabase Queues) creates for a queue: `pgmq.q_<queue>`
/// holds the messages, `pgmq.a_<queue>` the archived ones.
pub fn is_pgmq_queue_table(name: &QualifiedName) -> bool {
    name.schema.as_str() == "pgmq"
        && (name.name.as_str().starts_with("q_") || name.name.as_str().starts_with("a_"))
}

/// Table-level privileges on a relation: each grantee (`public` for PUBLIC)
/// with the privileges it holds, upper case (`SELECT`, `INSERT`, ...). The
/// owner's implicit privileges are not listed.
///
/// Shared between relations until one of them changes: most tables hold
/// exactly what the default privileges gave them, and a map per table was
/// a tenth of the model's memory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants(std::sync::Arc<BTreeMap<Ident, BTreeSet<String>>>);

type GrantMap = BTreeMap<Ident, BTreeSet<String>>;

/// The grant maps one (de)serialization has seen, so that relations that
/// share one in the model share it again when read back ([`sharing`]).
#[derive(Default)]
struct SeenGrants {
    active: bool,
    written: std::collections::HashMap<usize, u32>,
    read: Vec<std::sync::Arc<GrantMap>>,
}

thread_local! {
    static SEEN_GRANTS: std::cell::RefCell<SeenGrants> = std::cell::RefCell::new(SeenGrants::default());
}

/// Runs `f`, a serialization or deserialization of a model on this thread,
/// with grant maps shared: each map is written once, and the relations
/// that shared it get a reference to it (without this, every relation's
/// map is written, and read back as a map of its own).
///
/// A run inside another on the same thread (a part of the model written or
/// read on its own) has maps of its own; the outer run's are back after it.
pub fn sharing<R>(f: impl FnOnce() -> R) -> R {
    let fresh = SeenGrants {
        active: true,
        ..SeenGrants::default()
    };
    let outer = SEEN_GRANTS.with(|seen| std::mem::replace(&mut *seen.borrow_mut(), fresh));
    let out = f();
    SEEN_GRANTS.with(|seen| *seen.borrow_mut() = outer);
    out
}

/// A reference to a map written earlier in the same [`sharing`] run, or
/// the map itself.
const NEW_MAP: u32 = u32::MAX;

impl serde::Serialize for Grants {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let key = std::sync::Arc::as_ptr(&self.0) as usize;
        let earlier = SEEN_GRANTS.with(|seen| {
            let mut seen = seen.borrow_mut();
            if !seen.active {
                return None;
            }
            let next = u32::try_from(seen.written.len()).ok()?;
            match seen.written.get(&key) {
                Some(&index) => Some(index),
                None => {
                    seen.written.insert(key, next);
                    None
                }
            }
        });
        match earlier {
            Some(index) => (index, None::<&GrantMap>).serialize(s),
            None => (NEW_MAP, Some(&*self.0)).serialize(s),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Grants {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (index, map) = <(u32, Option<GrantMap>)>::deserialize(d)?;
        SEEN_GRANTS.with(|seen| {
            let mut seen = seen.borrow_mut();
            match map {
                Some(map) => {
                    let map = std::sync::Arc::new(map);
                    if seen.active {
                        seen.read.push(map.clone());
                    }
                    Ok(Grants(map))
                }
                None => usize::try_from(index)
                    .ok()
                    .and_then(|i| seen.read.get(i))
                    .map(|map| Grants(map.clone()))
                    .ok_or_else(|| serde::de::Error::custom("a grant map that was not written")),
            }
        })
    }
}

/// What `ALL` grants on a table, view or sequence, as PostgreSQL 13 to 16
/// spell them (17 adds MAINTAIN).
pub const TABLE_PRIVILEGES: [&str; 7] = [
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "TRUNCATE",
    "REFERENCES",
    "TRIGGER",
];

/// What `ALL` grants on a sequence.
pub const SEQUENCE_PRIVILEGES: [&str; 3] = ["USAGE", "SELECT", "UPDATE"];

impl Grants {
    /// Whether `a` and `b` are one map (not only equal ones).
    pub fn same(a: &Grants, b: &Grants) -> bool {
        std::sync::Arc::ptr_eq(&a.0, &b.0)
    }

    /// The roles that hold at least one privilege (PUBLIC as `public`).
    pub fn holders(&self) -> impl Iterator<Item = &Ident> {
        self.0.iter().filter(|(_, p)| !p.is_empty()).map(|(r, _)| r)
    }

    /// Each grantee with the privileges it holds, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&Ident, &BTreeSet<String>)> {
        self.0.iter().filter(|(_, p)| !p.is_empty())
    }

    /// Whether `role` holds `privilege` (upper case), itself or through PUBLIC.
    pub fn allows(&self, role: &Ident, privilege: &str) -> bool {
        let holds = |r: &Ident| self.0.get(r).is_some_and(|p| p.contains(privilege));
        holds(role) || (role.as_str() != "public" && holds(&Ident::new("public")))
    }

    /// Grants `privileges` (upper case; `ALL` is every table privilege).
    pub fn grant<'a>(&mut self, role: &Ident, privileges: impl IntoIterator<Item = &'a str>) {
        let map = std::sync::Arc::make_mut(&mut self.0);
        let held = map.entry(role.clone()).or_default();
        for p in privileges {
            if p == "ALL" {
                held.extend(TABLE_PRIVILEGES.iter().map(|p| p.to_string()));
            } else {
                held.insert(p.to_string());
            }
        }
        if held.is_empty() {
            map.remove(role);
        }
    }

    /// Revokes `privileges` (upper case; `ALL` revokes every one).
    pub fn revoke<'a>(&mut self, role: &Ident, privileges: impl IntoIterator<Item = &'a str>) {
        if !self.0.contains_key(role) {
            return;
        }
        let map = std::sync::Arc::make_mut(&mut self.0);
        let Some(held) = map.get_mut(role) else {
            return;
        };
        for p in privileges {
            if p == "ALL" {
                held.clear();
            } else {
                held.remove(p);
            }
        }
        if held.is_empty() {
            map.remove(role);
        }
    }
}

/// What the planner knows about a table's size (`reltuples`, `relpages`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TableStats {
    /// -1 when the table was never analyzed.
    pub row_estimate: f64,
    pub bytes: u64,
}

impl Table {
    /// Where row level security was last switched on or off, else where the
    /// table was created: the place a finding about its RLS points at.
    pub fn rls_span(&self) -> Option<Span> {
        self.rls_origin
            .and_then(|o| o.span())
            .or_else(|| self.origin.span())
    }

    /// Where the table and each of its parts (columns, constraints,
    /// indexes, triggers, policies, the last RLS switch) came from, for the
    /// sources that place them again after replaying DDL they wrote.
    pub fn origins_mut(&mut self) -> impl Iterator<Item = &mut Origin> {
        std::iter::once(&mut self.origin)
            .chain(self.rls_origin.as_mut())
            .chain(self.columns.iter_mut().map(|c| &mut c.origin))
            .chain(self.constraints.iter_mut().map(|c| &mut c.origin))
            .chain(self.indexes.iter_mut().map(|i| &mut i.origin))
            .chain(self.triggers.iter_mut().map(|t| &mut t.origin))
            .chain(self.policies.iter_mut().map(|p| &mut p.origin))
    }

    /// The table's foreign keys, with their constraints.
    pub fn foreign_keys(&self) -> impl Iterator<Item = (&Constraint, &ForeignKey)> {
        self.constraints.iter().filter_map(|c| match &c.kind {
            ConstraintKind::ForeignKey(fk) => Some((c, fk)),
            _ => None,
        })
    }

    /// Whether one of its foreign keys references `table`.
    pub fn references(&self, table: &QualifiedName) -> bool {
        self.foreign_keys().any(|(_, fk)| &fk.ref_table == table)
    }

    /// An empty table: no columns, constraints, indexes, RLS off.
    pub fn new(name: QualifiedName, kind: RelKind, origin: Origin) -> Self {
        Table {
            name,
            kind,
            columns: Vec::new(),
            constraints: Vec::new(),
            indexes: Vec::new(),
            triggers: Vec::new(),
            policies: Vec::new(),
            rls_enabled: false,
            rls_forced: false,
            rls_origin: None,
            partition_of: None,
            extension_owned: false,
            stats: None,
            options: BTreeMap::new(),
            grants: Grants::default(),
            columns_unknown: false,
            owner: None,
            origin,
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Column {
    pub name: Ident,
    pub ty: TypeName,
    pub not_null: bool,
    pub default: Option<Expr>,
    pub identity: bool,
    /// `GENERATED ALWAYS AS (...) STORED`: computed from other columns, never written.
    pub generated: bool,
    /// Column-level privileges (`GRANT SELECT (col) ON t`); the table's own
    /// are in [`Table::grants`].
    pub grants: Grants,
    /// Where it was made (lock rules: a column made in this file is new).
    pub origin: Origin,
    /// The last statement that retyped or renamed it, if one did: what it
    /// is now was said there (see [`Column::span`]).
    pub changed: Option<Span>,
}

impl Column {
    /// Where a finding about the column as it is now points: the statement
    /// that last retyped or renamed it, else the one that made it.
    pub fn span(&self) -> Option<Span> {
        self.changed.or_else(|| self.origin.span())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FkAction {
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ForeignKey {
    pub columns: Vec<Ident>,
    pub ref_table: QualifiedName,
    /// Empty when the statement names no columns: the referenced table's primary key.
    pub ref_columns: Vec<Ident>,
    pub on_delete: FkAction,
    pub on_update: FkAction,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum ConstraintKind {
    PrimaryKey {
        columns: Vec<Ident>,
    },
    Unique {
        columns: Vec<Ident>,
        nulls_not_distinct: bool,
    },
    ForeignKey(ForeignKey),
    Check {
        expr: Option<Expr>,
    },
    Exclusion,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Constraint {
    pub name: Ident,
    pub kind: ConstraintKind,
    /// Added with NOT VALID and not validated since.
    pub not_valid: bool,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum IndexKey {
    Column(Ident),
    Expression(Expr),
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct IndexElem {
    pub key: IndexKey,
    pub opclass: Option<QualifiedName>,
    pub descending: bool,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Index {
    pub name: Ident,
    pub method: Ident,
    pub elems: Vec<IndexElem>,
    pub include: Vec<Ident>,
    pub unique: bool,
    pub predicate: Option<Expr>,
    /// False for an index left invalid by a failed CREATE INDEX CONCURRENTLY (live only).
    pub is_valid: bool,
    pub concurrently: bool,
    /// Backs a PRIMARY KEY or UNIQUE constraint rather than a CREATE INDEX.
    pub constraint_backed: bool,
    pub origin: Origin,
}

impl Index {
    /// The plain columns among the first `n` keys, or None if one of them is an expression.
    pub fn leading_columns(&self, n: usize) -> Option<Vec<&Ident>> {
        if self.elems.len() < n {
            return None;
        }
        self.elems
            .iter()
            .take(n)
            .map(|e| match &e.key {
                IndexKey::Column(c) => Some(c),
                IndexKey::Expression(_) => None,
            })
            .collect()
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum TriggerEvent {
    Insert,
    Update,
    Delete,
    Truncate,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Trigger {
    pub name: Ident,
    pub function: QualifiedName,
    pub before: bool,
    pub instead_of: bool,
    pub for_each_row: bool,
    pub events: Vec<TriggerEvent>,
    /// `UPDATE OF col, ...`; empty means any column.
    pub update_columns: Vec<Ident>,
    /// The arguments after the function name (`moddatetime(updated_at)`), as text.
    pub args: Vec<String>,
    pub when: Option<Expr>,
    pub enabled: bool,
    pub origin: Origin,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum PolicyCommand {
    All,
    Select,
    Insert,
    Update,
    Delete,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Policy {
    pub name: Ident,
    pub command: PolicyCommand,
    pub permissive: bool,
    /// Roles the policy applies to; `public` when the statement had no TO clause.
    pub roles: Vec<Ident>,
    pub using: Option<Expr>,
    pub with_check: Option<Expr>,
    pub origin: Origin,
    /// Where the statement that set `using` lies: `start` is the file offset
    /// that node `location`s in `using` count from (`Statement::base`), `end`
    /// the statement's end. None outside migrations. (ALTER POLICY may set
    /// `using` and `with_check` in another statement than the CREATE.)
    pub using_base: Option<Span>,
    /// As `using_base`, for `with_check`.
    pub with_check_base: Option<Span>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct View {
    pub name: QualifiedName,
    pub materialized: bool,
    pub security_invoker: bool,
    pub security_barrier: bool,
    /// The view's query, kept encoded like an [`Expr`].
    pub query: Option<Expr>,
    /// The output columns in order, named as PostgreSQL named them when the
    /// view was made (`*` expanded then); empty when replay could not name
    /// them all.
    pub columns: Vec<Ident>,
    pub indexes: Vec<Index>,
    /// Table-level privileges granted to roles other than the owner.
    pub grants: Grants,
    /// Its owner, when known: see [`Schema::owner`].
    pub owner: Option<Ident>,
    pub origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FunctionKind {
    Function,
    Procedure,
    Aggregate,
    Window,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Volatility {
    Immutable,
    Stable,
    Volatile,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FunctionArg {
    pub name: Option<Ident>,
    pub ty: TypeName,
    /// IN / OUT / INOUT / VARIADIC / TABLE column.
    pub mode: ArgMode,
    pub has_default: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ArgMode {
    In,
    Out,
    InOut,
    Variadic,
    Table,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Function {
    pub name: QualifiedName,
    pub kind: FunctionKind,
    pub args: Vec<FunctionArg>,
    pub returns: Option<TypeName>,
    pub returns_set: bool,
    pub language: Ident,
    pub volatility: Volatility,
    pub security_definer: bool,
    pub leakproof: bool,
    /// `SET name = value` clauses (lowercased names; value as written, comma-joined).
    pub config: BTreeMap<String, String>,
    /// Where the `SET search_path` clause in force was written (migrations only).
    pub search_path_span: Option<Span>,
    /// The body (`AS '...'`) or the BEGIN ATOMIC text; None for C functions.
    pub body: Option<String>,
    /// Span of the body string inside its file, for locating findings in it.
    pub body_span: Option<Span>,
    /// File offset of the first character of `body`, when the body is a
    /// dollar-quoted literal (so that offsets in `body` map onto the file).
    pub body_start: Option<u32>,
    /// Roles granted EXECUTE, `public` for PUBLIC.
    pub execute_grantees: BTreeSet<Ident>,
    /// Its owner, when known: see [`Schema::owner`].
    pub owner: Option<Ident>,
    pub extension_owned: bool,
    pub origin: Origin,
    /// What PostgreSQL's PL/pgSQL parser made of `body`, filled on first use
    /// by `catalog::body::check` so that the body is judged once. A cache
    /// file's model keeps it ([`kept_memo`]): a warm lint of 6,000 tables
    /// spent 10 to 20 ms parsing every body again.
    #[serde(with = "kept_memo")]
    pub body_check: Memo<BodyCheck>,
    /// The parsed body, filled on first use by
    /// `catalog::body::parse`: several rules read each trigger
    /// function once per trigger, and parsing it each time was a third of
    /// the rules' time on a large schema (issue 8).
    pub plpgsql: Memo<Option<Result<crate::sql::plpgsql::Body, String>>>,
}

/// What PostgreSQL's PL/pgSQL parser made of a function body.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum BodyCheck {
    /// Not PL/pgSQL, or no body: there was nothing to parse.
    NotPlpgsql,
    /// The parser read it. `dynamic_sql` holds the body line (1-based; None
    /// when the parser gave none) of each statement that runs SQL built at
    /// run time: EXECUTE, FOR ... IN EXECUTE, RETURN QUERY EXECUTE, OPEN ...
    /// FOR EXECUTE.
    Parsed { dynamic_sql: Vec<Option<usize>> },
    /// The parser rejected it, for PostgreSQL's reason.
    Unparsed(String),
}

/// A value computed once, on first use, from the other fields of the struct
/// that holds it. Two memos are always equal: what they cache follows from
/// fields that are compared already.
#[derive(Debug, Clone)]
pub struct Memo<T>(std::sync::OnceLock<T>);

impl<T> Memo<T> {
    pub fn get_or_init(&self, init: impl FnOnce() -> T) -> &T {
        self.0.get_or_init(init)
    }

    /// The value, if it was computed already.
    pub fn get(&self) -> Option<&T> {
        self.0.get()
    }
}

impl<T> Default for Memo<T> {
    fn default() -> Self {
        Memo(std::sync::OnceLock::new())
    }
}

/// A memo is stored empty: what it caches is computed again on first use.
impl<T> serde::Serialize for Memo<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_unit()
    }
}

impl<'de, T> serde::Deserialize<'de> for Memo<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <()>::deserialize(d)?;
        Ok(Memo::default())
    }
}

impl<T> PartialEq for Memo<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// A [`Memo`] written with its value, when it has one, in the binary form
/// (a cache file's model), so that the lint that reads the model back does
/// not compute it again; empty in the human-readable form. Only for a value
/// that follows from fields the replay does not change in place without
/// clearing it (see [`Function::rename`]).
mod kept_memo {
    use super::Memo;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(memo: &Memo<T>, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            return s.serialize_unit();
        }
        memo.get().serialize(s)
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Memo<T>, D::Error> {
        let memo = Memo::default();
        if d.is_human_readable() {
            <()>::deserialize(d)?;
        } else if let Some(value) = Option::<T>::deserialize(d)? {
            let _ = memo.0.set(value);
        }
        Ok(memo)
    }
}

impl Function {
    /// Gives the function another name (`ALTER FUNCTION ... RENAME TO`):
    /// what was made of its body goes, since the body is judged as part of
    /// a statement that names the function.
    pub fn rename(&mut self, name: QualifiedName) {
        self.name = name;
        self.body_check = Memo::default();
        self.plpgsql = Memo::default();
    }

    /// PostgreSQL's defaults: no arguments, LANGUAGE sql, VOLATILE, SECURITY
    /// INVOKER, EXECUTE granted to PUBLIC.
    pub fn new(name: QualifiedName, kind: FunctionKind, origin: Origin) -> Self {
        Function {
            name,
            kind,
            args: Vec::new(),
            returns: None,
            returns_set: false,
            language: Ident::new("sql"),
            volatility: Volatility::Volatile,
            security_definer: false,
            leakproof: false,
            config: BTreeMap::new(),
            search_path_span: None,
            body: None,
            body_span: None,
            body_start: None,
            execute_grantees: BTreeSet::from([Ident::new("public")]),
            extension_owned: false,
            owner: None,
            origin,
            body_check: Memo::default(),
            plpgsql: Memo::default(),
        }
    }

    /// The input argument types, which identify an overload.
    pub fn signature(&self) -> Vec<&TypeName> {
        self.args
            .iter()
            .filter(|a| matches!(a.mode, ArgMode::In | ArgMode::InOut | ArgMode::Variadic))
            .map(|a| &a.ty)
            .collect()
    }

    /// Whether `args` names this overload, as PostgreSQL matches a signature:
    /// by type only (`integer` and `int4` alike; type modifiers ignored).
    pub fn has_signature<'t>(&self, args: impl IntoIterator<Item = &'t TypeName>) -> bool {
        let mine = self.signature();
        let theirs: Vec<&TypeName> = args.into_iter().collect();
        mine.len() == theirs.len() && mine.iter().zip(theirs).all(|(a, b)| a.same_base(b))
    }

    pub fn returns_trigger(&self) -> bool {
        self.returns
            .as_ref()
            .is_some_and(|t| t.is_builtin() && t.name.name.as_str() == "trigger")
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum TypeKind {
    Enum {
        labels: Vec<String>,
    },
    Domain {
        base: TypeName,
        has_check: bool,
    },
    Composite,
    Range,
    /// Provided by an extension or the platform, details not modeled.
    Opaque,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TypeDef {
    pub name: QualifiedName,
    pub kind: TypeKind,
    /// Its owner, when known: see [`Schema::owner`].
    pub owner: Option<Ident>,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Extension {
    pub name: Ident,
    pub schema: Ident,
    /// Its owner, when known: see [`Schema::owner`] (the role that ran
    /// CREATE EXTENSION; REASSIGN OWNED moves it).
    pub owner: Option<Ident>,
    pub origin: Origin,
}

/// A `DO` block seen in a migration. It is recorded, never executed: whatever
/// it creates is not in the model. A live database keeps no trace of DO
/// blocks, so this list is always empty for the live source.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AnonymousBlock {
    /// `plpgsql` unless the block names another language.
    pub language: String,
    pub body: String,
    pub origin: Origin,
}

/// A `DROP OWNED BY` naming a role that may be the one running the
/// migrations, which they do not name: the objects that role would own
/// (those no migration gave an owner) were kept in the model, since
/// whether PostgreSQL dropped them depends on who ran the migrations. A
/// live database keeps no trace of it: always empty for the live source.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KeptByDropOwned {
    /// The roles the statement names, as it names them.
    pub roles: Vec<String>,
    /// The objects kept, as findings name them, in the model's order.
    pub kept: Vec<String>,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Sequence {
    pub name: QualifiedName,
    /// The column a `serial` made it for (`OWNED BY`): dropping the column
    /// or its table drops the sequence.
    pub owned_by: Option<(QualifiedName, Ident)>,
    /// The sequence of an identity column (`owned_by`), which PostgreSQL
    /// makes and drops with the identity.
    pub identity: bool,
    /// Data type, start, increment, bounds, cache, cycle.
    pub options: SequenceOptions,
    /// Privileges granted to roles other than the owner, as a table's
    /// (only [`SEQUENCE_PRIVILEGES`]).
    pub grants: Grants,
    /// Its owner, when known: see [`Schema::owner`].
    pub owner: Option<Ident>,
    pub origin: Origin,
}

/// What a publication sends to logical replication subscribers.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Publication {
    pub name: Ident,
    /// `FOR ALL TABLES`: every table, now and later.
    pub all_tables: bool,
    /// `FOR TABLE ...`, in the order they were added.
    pub tables: Vec<PublishedTable>,
    /// `FOR TABLES IN SCHEMA ...`: every table of these schemas.
    pub schemas: std::collections::BTreeSet<Ident>,
    /// `WITH (publish = '...')`: which of insert, update, delete and
    /// truncate it sends (all four unless written).
    pub publish: PublishActions,
    /// `WITH (publish_via_partition_root = ...)`.
    pub via_root: bool,
    /// Its owner, when known: see [`Schema::owner`].
    pub owner: Option<Ident>,
    pub origin: Origin,
}

/// A table a publication names, with its column list and row filter (15+).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PublishedTable {
    pub table: QualifiedName,
    /// Empty: every column.
    pub columns: Vec<Ident>,
    pub predicate: Option<Expr>,
}

/// The changes a publication sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PublishActions {
    pub insert: bool,
    pub update: bool,
    pub delete: bool,
    pub truncate: bool,
}

impl Default for PublishActions {
    fn default() -> Self {
        PublishActions {
            insert: true,
            update: true,
            delete: true,
            truncate: true,
        }
    }
}

impl std::fmt::Display for PublishActions {
    /// As `publish = '...'` writes them: `insert, update, delete, truncate`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = [
            (self.insert, "insert"),
            (self.update, "update"),
            (self.delete, "delete"),
            (self.truncate, "truncate"),
        ];
        let on: Vec<&str> = names
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, n)| *n)
            .collect();
        f.write_str(&on.join(", "))
    }
}

impl Publication {
    /// A publication of nothing, sending every kind of change.
    pub fn new(name: Ident, origin: Origin) -> Self {
        Publication {
            name,
            all_tables: false,
            tables: Vec::new(),
            schemas: std::collections::BTreeSet::new(),
            publish: PublishActions::default(),
            via_root: false,
            owner: None,
            origin,
        }
    }
}

/// Object kinds in ALTER DEFAULT PRIVILEGES.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum DefaultObjectKind {
    Tables,
    Sequences,
    Functions,
    Types,
    Schemas,
}

/// One `ALTER DEFAULT PRIVILEGES [FOR ROLE r] [IN SCHEMA s] GRANT ... TO
/// role` fact.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DefaultPrivilege {
    /// `FOR ROLE`: whose new objects it applies to; None for the role
    /// running the statement.
    pub role: Option<Ident>,
    pub schema: Option<Ident>,
    pub kind: DefaultObjectKind,
    pub grantee: Ident,
    pub privileges: BTreeSet<String>,
    pub origin: Origin,
}

/// A map of the model read back from its binary form, where it was written
/// in key order: built in one pass from the sorted entries (serde's own
/// inserts them one by one, each a search from the root; at 6,000 tables
/// that was a good part of reading a cached model).
fn sorted_map<'de, D, K, V>(d: D) -> Result<BTreeMap<K, V>, D::Error>
where
    D: serde::Deserializer<'de>,
    K: serde::Deserialize<'de> + Ord,
    V: serde::Deserialize<'de>,
{
    struct Entries<K, V>(std::marker::PhantomData<(K, V)>);
    impl<'de, K, V> serde::de::Visitor<'de> for Entries<K, V>
    where
        K: serde::Deserialize<'de> + Ord,
        V: serde::Deserialize<'de>,
    {
        type Value = BTreeMap<K, V>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a map")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            // At most 4,096 reserved ahead: the length comes from the file.
            let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(4096));
            while let Some(entry) = map.next_entry()? {
                entries.push(entry);
            }
            // Sorted already, so collecting only checks the order (and
            // keeps the last of equal keys, as inserting would).
            Ok(entries.into_iter().collect())
        }
    }
    d.deserialize_map(Entries(std::marker::PhantomData))
}

/// The whole schema.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Catalog {
    pub platform: Platform,
    #[serde(deserialize_with = "sorted_map")]
    pub schemas: BTreeMap<Ident, Schema>,
    #[serde(with = "chunked")]
    pub tables: BTreeMap<QualifiedName, Shared<Table>>,
    #[serde(deserialize_with = "sorted_map")]
    pub views: BTreeMap<QualifiedName, View>,
    /// Overloads by name; shared with the model's copies like tables.
    #[serde(deserialize_with = "sorted_map")]
    pub functions: BTreeMap<QualifiedName, Shared<Vec<Function>>>,
    #[serde(deserialize_with = "sorted_map")]
    pub types: BTreeMap<QualifiedName, TypeDef>,
    #[serde(deserialize_with = "sorted_map")]
    pub sequences: BTreeMap<QualifiedName, Sequence>,
    pub publications: BTreeMap<Ident, Publication>,
    pub extensions: BTreeMap<Ident, Extension>,
    pub roles: BTreeSet<Ident>,
    pub default_privileges: Vec<DefaultPrivilege>,
    /// A global `ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM
    /// PUBLIC` is in force: new functions are not executable by PUBLIC.
    pub public_execute_revoked: bool,
    /// The role whose default privileges the live source read (the one
    /// owning most of the project's objects); None from migrations, and
    /// when the live source could not tell.
    pub default_privileges_role: Option<Ident>,
    /// DO blocks from migrations, in replay order (static source only).
    pub anonymous_blocks: Vec<AnonymousBlock>,
    /// `DROP OWNED BY` statements that kept objects the model cannot tell
    /// the owner of, in replay order (static source only).
    pub kept_by_drop_owned: Vec<KeptByDropOwned>,
    /// Schemas the API serves; RLS and privilege rules guard these.
    pub exposed_schemas: BTreeSet<Ident>,
    /// The roles API requests run as (config `api_roles`).
    pub api_roles: ApiRoles,
}

/// The roles an API (PostgREST, Supabase) runs requests as: one for requests
/// without a login, and the ones signed-in users get. PUBLIC counts as both.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ApiRoles {
    pub anonymous: BTreeSet<Ident>,
    pub signed_in: BTreeSet<Ident>,
}

impl Default for ApiRoles {
    /// Supabase's: `anon` and `authenticated`.
    fn default() -> Self {
        ApiRoles {
            anonymous: BTreeSet::from([Ident::new("anon")]),
            signed_in: BTreeSet::from([Ident::new("authenticated")]),
        }
    }
}

impl ApiRoles {
    /// Requests without a login run as `role` (or PUBLIC, which every role is in).
    pub fn is_anonymous(&self, role: &Ident) -> bool {
        role.as_str() == "public" || self.anonymous.contains(role)
    }

    /// Signed-in requests run as `role` (or PUBLIC).
    pub fn is_signed_in(&self, role: &Ident) -> bool {
        role.as_str() == "public" || self.signed_in.contains(role)
    }

    pub fn is_api_role(&self, role: &Ident) -> bool {
        self.is_anonymous(role) || self.is_signed_in(role)
    }
}

impl Catalog {
    /// Gives back what each table's lists reserved beyond their length
    /// (a list of one trigger holds room for four), once the replay is
    /// done: the schema rules' findings then reuse it.
    pub fn shrink_to_fit(&mut self) {
        // Only tables with room to give back: the others may be shared
        // with a checkpoint's copy of the model.
        let spare = |t: &Table| {
            t.columns.capacity() > t.columns.len()
                || t.constraints.capacity() > t.constraints.len()
                || t.indexes.capacity() > t.indexes.len()
                || t.triggers.capacity() > t.triggers.len()
                || t.policies.capacity() > t.policies.len()
        };
        for t in self.tables.values_mut().filter(|t| spare(t)) {
            t.columns.shrink_to_fit();
            t.constraints.shrink_to_fit();
            t.indexes.shrink_to_fit();
            t.triggers.shrink_to_fit();
            t.policies.shrink_to_fit();
        }
    }

    /// Whether `role` skips row level security on this platform: Supabase's
    /// `service_role` (BYPASSRLS) and `supabase_admin` (superuser). No
    /// policy is ever evaluated for them.
    pub fn bypasses_rls(&self, role: &Ident) -> bool {
        self.platform == Platform::Supabase
            && matches!(role.as_str(), "service_role" | "supabase_admin")
    }

    /// An empty catalog (no baseline at all).
    pub fn empty(platform: Platform) -> Self {
        Catalog {
            platform,
            schemas: BTreeMap::new(),
            tables: BTreeMap::new(),
            views: BTreeMap::new(),
            functions: BTreeMap::new(),
            types: BTreeMap::new(),
            sequences: BTreeMap::new(),
            publications: BTreeMap::new(),
            extensions: BTreeMap::new(),
            roles: BTreeSet::new(),
            default_privileges: Vec::new(),
            public_execute_revoked: false,
            default_privileges_role: None,
            anonymous_blocks: Vec::new(),
            kept_by_drop_owned: Vec::new(),
            exposed_schemas: BTreeSet::new(),
            api_roles: ApiRoles::default(),
        }
    }

    /// Tables a project owns: not from the baseline, not extension-owned,
    /// not in a platform schema, not temporary.
    pub fn user_tables(&self) -> impl Iterator<Item = &Table> {
        self.tables
            .values()
            .map(|t| &**t)
            .filter(|t| self.is_user_table(t))
    }

    /// One of [`Self::user_tables`].
    pub fn is_user_table(&self, t: &Table) -> bool {
        !t.origin.is_baseline()
            && !t.extension_owned
            && !self.is_platform_schema(&t.name.schema)
            && !is_temporary_schema(&t.name.schema)
    }

    /// The user tables whose rows PostgreSQL stores itself: not foreign
    /// tables, where a CHECK is not enforced and a foreign key or unique
    /// index cannot be declared, so rules that ask for one skip them.
    pub fn stored_tables(&self) -> impl Iterator<Item = &Table> {
        self.tables
            .values()
            .map(|t| &**t)
            .filter(|t| self.is_stored_table(t))
    }

    /// One of [`Self::stored_tables`].
    pub fn is_stored_table(&self, t: &Table) -> bool {
        self.is_user_table(t) && t.kind != RelKind::Foreign
    }

    /// Functions a project owns: not from the baseline, not extension-owned,
    /// not temporary (`pg_temp.f` is gone when the migration's session ends).
    pub fn user_functions(&self) -> impl Iterator<Item = &Function> {
        self.functions.values().flatten().filter(|f| {
            !f.origin.is_baseline() && !f.extension_owned && !is_temporary_schema(&f.name.schema)
        })
    }

    pub fn is_platform_schema(&self, schema: &Ident) -> bool {
        self.schemas.get(schema).is_some_and(|s| s.platform_managed)
    }

    pub fn is_exposed(&self, schema: &Ident) -> bool {
        self.exposed_schemas.contains(schema)
    }

    pub fn table(&self, name: &QualifiedName) -> Option<&Table> {
        self.tables.get(name).map(|t| &**t)
    }

    pub fn table_mut(&mut self, name: &QualifiedName) -> Option<&mut Table> {
        self.tables.get_mut(name).map(|t| &mut **t)
    }

    /// Whether a relation (table, view, materialized view, sequence) of this name exists.
    pub fn relation_exists(&self, name: &dyn ident::NameKey) -> bool {
        self.tables.contains_key(name)
            || self.views.contains_key(name)
            || self.sequences.contains_key(name)
    }

    /// One overload, by its position among the functions of that name.
    pub fn function_mut(&mut self, name: &QualifiedName, overload: usize) -> Option<&mut Function> {
        self.functions
            .get_mut(name)
            .and_then(|v| v.get_mut(overload))
    }

    pub fn function_exists(&self, name: &dyn ident::NameKey) -> bool {
        self.functions.get(name).is_some_and(|v| !v.is_empty())
    }

    pub fn type_exists(&self, name: &QualifiedName) -> bool {
        self.types.contains_key(name)
            || (name.schema.as_str() == "pg_catalog" && types::builtin(name.name.as_str()).is_some())
            // Every table and view also defines a composite type of its name.
            || self.tables.contains_key(name)
            || self.views.contains_key(name)
    }
}
