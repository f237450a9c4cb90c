//! The rule engine: schema rules run on the final catalog, statement rules on
//! each statement with the catalog as it stood just before it.
//!
//! Rules are found by build.rs: one file per rule in `src/rules/<category>/`,
//! documented and exemplified in `rules/<rule-id>.yaml`.

pub mod memo;
pub mod support;

use std::collections::BTreeMap;
use std::fmt::Display;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::catalog::{resolve, Catalog, Ident, Origin, QualifiedName, Span, Table, TableStats};
use crate::findings::remedy::Remedy;
use crate::findings::{Finding, Severity};
use crate::source::migrations::session::Session;
use crate::sql::split::Statement;

#[allow(clippy::all)]
mod registry {
    use super::{RuleEntry, RuleImpl};
    include!(concat!(env!("OUT_DIR"), "/registry.rs"));
}

/// A rule that reads the finished catalog (lint and audit).
pub trait SchemaRule: Sync {
    fn check(&self, cx: &mut SchemaCtx<'_>);

    /// `Some` for a rule whose findings on a table follow from that table
    /// alone, together with the catalog's settings (schemas, types, roles,
    /// extensions, publications, default privileges, the exposed schemas
    /// and API roles) and the parts listed. Such a rule reads tables only
    /// through [`SchemaCtx::tables`] (or its `user_tables` and
    /// `stored_tables`), and keeps nothing from one table to the next. An
    /// editor's lint then runs it again only on the tables a change reached
    /// ([`memo`]); `tests/incremental.rs` compares the result with a lint
    /// from scratch.
    fn per_table(&self) -> Option<&'static [memo::Beyond]> {
        None
    }
}

/// A rule that reads one statement and the catalog before it (lint only).
pub trait StatementRule: Sync {
    fn check(&self, cx: &mut StmtCtx<'_>);

    /// Called once after the last statement of each file, with the session
    /// as the file leaves it (an unfinished BEGIN, ...).
    fn check_end_of_file(&self, _cx: &mut FileEndCtx<'_>) {}

    /// Whether the rule also sees statements PostgreSQL rejects
    /// (`StmtCtx::rejected`). Other rules do not: such a statement changes
    /// nothing, and the finding about its failure says all there is.
    fn sees_rejected(&self) -> bool {
        false
    }
}

pub enum RuleImpl {
    Schema(&'static dyn SchemaRule),
    Statement(&'static dyn StatementRule),
}

/// Checks a rule's `options` from pgvet.yaml; `Err` says why they do not fit.
pub type ValidateOptions = fn(&serde_norway::Value) -> Result<(), String>;

pub struct RuleEntry {
    pub id: &'static str,
    pub yaml: &'static str,
    /// The same document as JSON, converted by build.rs: what [`parse_doc`]
    /// reads (parsing YAML at every start cost more than a small lint).
    pub json: &'static str,
    pub imp: RuleImpl,
    /// Checks `options.<rule-id>` from pgvet.yaml: they must decode as the
    /// `Options` type the rule's file declares (build.rs finds it; declare it
    /// with `#[serde(deny_unknown_fields)]`). None: the rule takes no options.
    pub options: Option<ValidateOptions>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleKind {
    Schema,
    Statement,
}

/// `rules/<id>.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDoc {
    pub id: String,
    pub title: String,
    pub category: String,
    pub kind: RuleKind,
    pub severity: Severity,
    #[serde(default = "yes")]
    pub default_enabled: bool,
    pub summary: String,
    pub rationale: String,
    pub help: String,
    pub bad: String,
    pub good: String,
    pub fix: String,
    /// What `pgvet fix` writes for this rule's findings, for `pgvet explain`;
    /// only rules whose findings carry a `Remedy` have it.
    #[serde(default)]
    pub auto_fix: Option<String>,
    /// Whether that fix is safe or unsafe; every rule with `auto_fix` says.
    #[serde(default)]
    pub fix_applicability: Option<crate::findings::remedy::Applicability>,
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(default)]
    pub related: BTreeMap<String, Option<String>>,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Schemas the API serves in the examples, when not just `public`
    /// (`exposed_schemas` in pgvet.yaml).
    #[serde(default)]
    pub exposed_schemas: Option<Vec<String>>,
    /// Rules whose finding at the same place and object says less than
    /// this rule's: when both fire there, only this one is reported.
    #[serde(default)]
    pub covers: Vec<String>,
}

fn yes() -> bool {
    true
}

/// Table sizes that move the severity of lock rules when sizes are known
/// (`pgvet lint --db URL`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SizeThresholds {
    /// At or above either: the lock is reported as an error.
    pub large_rows: u64,
    pub large_bytes: u64,
    /// Below both: reported as info only.
    pub small_rows: u64,
    pub small_bytes: u64,
}

impl Default for SizeThresholds {
    fn default() -> Self {
        SizeThresholds {
            large_rows: 10_000,
            large_bytes: 100 << 20,
            small_rows: 1_000,
            small_bytes: 1 << 20,
        }
    }
}

/// A rule with its parsed documentation.
pub struct Rule {
    pub entry: &'static RuleEntry,
    pub doc: RuleDoc,
}

impl Rule {
    pub fn id(&self) -> &'static str {
        self.entry.id
    }

    /// The help text its findings carry: the documentation's, trimmed.
    pub fn help(&self) -> &str {
        self.doc.help.trim()
    }

    pub fn validate_options(&self, raw: &serde_norway::Value) -> Result<(), String> {
        match self.entry.options {
            Some(validate) => validate(raw),
            None => Err("this rule takes no options".to_string()),
        }
    }
}

/// The running rule's `options` from pgvet.yaml, already validated at load.
fn decode_options<T: serde::de::DeserializeOwned + Default>(
    raw: Option<&serde_norway::Value>,
) -> T {
    raw.and_then(|v| serde_norway::from_value(v.clone()).ok())
        .unwrap_or_default()
}

/// Every rule, in id order. The YAML is parsed once, on first use; a broken
/// YAML is a bug caught by the test suite, reported here as a placeholder doc.
pub fn all() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| {
        let mut rules: Vec<Rule> = registry::RULES
            .iter()
            .map(|entry| Rule {
                entry,
                doc: parse_doc(entry).unwrap_or_else(|e| broken_doc(entry, &e)),
            })
            .collect();
        rules.sort_by_key(|r| r.entry.id);
        rules
    })
}

pub fn parse_doc(entry: &RuleEntry) -> Result<RuleDoc, String> {
    serde_json::from_str(entry.json).map_err(|e| e.to_string())
}

fn broken_doc(entry: &RuleEntry, error: &str) -> RuleDoc {
    RuleDoc {
        id: entry.id.to_string(),
        title: format!("(rules/{}.yaml does not parse: {error})", entry.id),
        category: String::new(),
        kind: match entry.imp {
            RuleImpl::Schema(_) => RuleKind::Schema,
            RuleImpl::Statement(_) => RuleKind::Statement,
        },
        severity: Severity::Error,
        default_enabled: true,
        summary: String::new(),
        rationale: String::new(),
        help: String::new(),
        bad: String::new(),
        good: String::new(),
        fix: String::new(),
        auto_fix: None,
        fix_applicability: None,
        references: Vec::new(),
        related: BTreeMap::new(),
        aliases: Vec::new(),
        exposed_schemas: None,
        covers: Vec::new(),
    }
}

/// The migration files an example stands for. An example is one file named
/// `default_name`, unless it has `-- file: <path>` lines, each starting a
/// file of that name (for rules about several files or their names).
pub fn example_sources(default_name: &str, sql: &str) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = Vec::new();
    for line in sql.split_inclusive('\n') {
        if let Some(name) = line.trim().strip_prefix("-- file:") {
            files.push((name.trim().to_string(), String::new()));
        } else if let Some((_, text)) = files.last_mut() {
            text.push_str(line);
        } else {
            files.push((default_name.to_string(), line.to_string()));
        }
    }
    // Blank lines before the first `-- file:` are not a file of their own.
    if files.len() > 1
        && files
            .first()
            .is_some_and(|(n, t)| n == default_name && t.trim().is_empty())
    {
        files.remove(0);
    }
    if files.is_empty() {
        files.push((default_name.to_string(), String::new()));
    }
    files
}

/// A rule id or one of its aliases.
pub fn find(id: &str) -> Option<&'static Rule> {
    // Asked once per finding by the passes: a map of every id and alias,
    // where the first rule (in `all` order) with that id or alias wins.
    static BY_NAME: std::sync::OnceLock<std::collections::HashMap<&'static str, &'static Rule>> =
        std::sync::OnceLock::new();
    BY_NAME
        .get_or_init(|| {
            let mut map = std::collections::HashMap::new();
            for rule in all() {
                let names = std::iter::once(rule.id()).chain(rule.doc.aliases.iter().map(|a| &**a));
                for name in names {
                    map.entry(name).or_insert(rule);
                }
            }
            map
        })
        .get(id)
        .copied()
}

/// This build's id of the rule whose id is `id` (not an alias): how a
/// finding read back from a cache file gets its rule.
pub fn id_of(id: &str) -> Option<&'static str> {
    by_id(id).map(Rule::id)
}

/// The rule whose id is `id` (not an alias). A cached lint reads back one
/// id per finding: a map, not a search through every rule and alias.
fn by_id(id: &str) -> Option<&'static Rule> {
    static IDS: std::sync::OnceLock<std::collections::HashMap<&'static str, &'static Rule>> =
        std::sync::OnceLock::new();
    IDS.get_or_init(|| all().iter().map(|r| (r.id(), r)).collect())
        .get(id)
        .copied()
}

/// The help text a finding of rule `id` has unless it says otherwise
/// (what a cache file leaves out, [`StoredFinding`](crate::findings::stored::StoredFinding));
/// empty for an id no rule has.
pub fn help_of(id: &str) -> &'static str {
    by_id(id).map_or("", Rule::help)
}

/// A stored finding's rule id as this build has it, with its help text
/// ([`crate::findings::stored::StoredFinding::finding`]).
pub fn stored_rule(id: &str) -> Option<(&'static str, &'static str)> {
    by_id(id).map(|r| (r.id(), r.help()))
}

/// What a lint from a checkpoint gives the schema rules to reuse
/// ([`Engine::check_schema_reusing`]).
pub struct Reuse<'a> {
    /// The catalog the replay resumed from.
    pub base: &'a Catalog,
    /// What the last lint from there found (brought up to date).
    pub memo: &'a mut Option<memo::SchemaMemo>,
    /// Whether the memo is kept for a next lint; if not, it is dropped,
    /// and its findings move into this lint's instead of being copied.
    pub keep: bool,
    /// The files whose findings the lint keeps, by file id (None: all):
    /// of a memo that is not kept, only their findings are read back.
    pub files: Option<&'a [bool]>,
}

/// Where findings go, stamped with the running rule's id, severity and help.
struct Sink<'a> {
    rule: &'static Rule,
    severity: Severity,
    /// The user set this rule's level: it wins over per-finding severities.
    level_set: bool,
    findings: &'a mut Vec<Finding>,
}

impl Sink<'_> {
    /// A finding at `severity` instead of the rule's default, unless the
    /// user set a level for the rule in pgvet.yaml.
    fn report_at(
        &mut self,
        severity: Severity,
        object: &dyn Display,
        span: Option<Span>,
        message: String,
    ) {
        self.report_remedy_at(severity, object, span, message, None);
    }

    fn report_remedy_at(
        &mut self,
        severity: Severity,
        object: &dyn Display,
        span: Option<Span>,
        message: String,
        remedy: Option<Remedy>,
    ) {
        let effective = self.severity;
        if !self.level_set {
            self.severity = severity;
        }
        self.report_remedy(object, span, message, remedy);
        self.severity = effective;
    }

    fn report(&mut self, object: &dyn Display, span: Option<Span>, message: String) {
        self.report_remedy(object, span, message, None);
    }

    fn report_remedy(
        &mut self,
        object: &dyn Display,
        span: Option<Span>,
        message: String,
        remedy: Option<Remedy>,
    ) {
        self.report_related(object, span, message, remedy, Vec::new());
    }

    fn report_related(
        &mut self,
        object: &dyn Display,
        span: Option<Span>,
        message: String,
        remedy: Option<Remedy>,
        related: Vec<crate::findings::Related>,
    ) {
        self.findings.push(Finding {
            rule: self.rule.id(),
            severity: self.severity,
            message,
            object: object.to_string(),
            location: None,
            help: self.rule.help().to_string(),
            span,
            related,
            remedy,
        });
    }
}

pub struct SchemaCtx<'a> {
    pub catalog: &'a Catalog,
    /// Display paths of the migration files, indexed by `FileId` (empty for
    /// a live database).
    pub files: &'a [String],
    /// The one table a per-table rule is asked about, or None for all.
    only: Option<&'a Table>,
    options: Option<&'a serde_norway::Value>,
    sink: Sink<'a>,
    /// The table names noted while checking `only` ([`Self::note_table_name`]).
    named: Vec<Ident>,
}

impl<'a> SchemaCtx<'a> {
    /// The tables to check: all the catalog's, or the one a per-table rule
    /// ([`SchemaRule::per_table`]) is asked about.
    pub fn tables(&self) -> impl Iterator<Item = &'a Table> + 'a {
        let all = self
            .only
            .is_none()
            .then(|| self.catalog.tables.values().map(|t| &**t));
        self.only.into_iter().chain(all.into_iter().flatten())
    }

    /// [`Self::tables`] a project owns ([`Catalog::user_tables`]).
    pub fn user_tables(&self) -> impl Iterator<Item = &'a Table> + 'a {
        let cat = self.catalog;
        self.tables().filter(move |t| cat.is_user_table(t))
    }

    /// [`Self::tables`] whose rows PostgreSQL stores ([`Catalog::stored_tables`]).
    pub fn stored_tables(&self) -> impl Iterator<Item = &'a Table> + 'a {
        let cat = self.catalog;
        self.tables().filter(move |t| cat.is_stored_table(t))
    }

    /// Notes that checking the table at hand looked up a table called
    /// `name` (in any schema, whether one exists or not): for a rule that
    /// says [`memo::Beyond::NamedTables`], a change to a table of that name
    /// checks the table again in an editor's lint.
    pub fn note_table_name(&mut self, name: &str) {
        if self.notes_table_names() && !self.named.iter().any(|n| n.as_str() == name) {
            self.named.push(Ident::new(name));
        }
    }

    /// Whether [`Self::note_table_name`] keeps what it is told (only when
    /// one table is checked): a rule can skip finding the names otherwise.
    pub fn notes_table_names(&self) -> bool {
        self.only.is_some()
    }
}

impl SchemaCtx<'_> {
    /// This rule's options (`options.<rule-id>` in pgvet.yaml), or their defaults.
    pub fn options<T: serde::de::DeserializeOwned + Default>(&self) -> T {
        decode_options(self.options)
    }

    /// Reports a finding about `object` (a schema-qualified table, function,
    /// view, schema or extension), located at `span` when it has one.
    pub fn report(&mut self, object: &dyn Display, span: Option<Span>, message: String) {
        self.sink.report(object, span, message);
    }

    /// As [`Self::report`], with the fix if there is one, and the other
    /// places that explain the finding (`relatedInformation` in an editor,
    /// `relatedLocations` in SARIF).
    pub fn report_related(
        &mut self,
        object: &dyn Display,
        span: Option<Span>,
        message: String,
        remedy: Option<Remedy>,
        related: Vec<crate::findings::Related>,
    ) {
        self.sink
            .report_related(object, span, message, remedy, related);
    }

    /// As [`Self::report`], with the change that fixes the finding, for
    /// `pgvet fix` (see src/fix/).
    pub fn report_fixable(
        &mut self,
        object: &dyn Display,
        span: Option<Span>,
        message: String,
        remedy: Remedy,
    ) {
        self.sink.report_remedy(object, span, message, Some(remedy));
    }

    /// As [`Self::report`], at `severity` instead of the rule's default, for
    /// rules whose findings differ in weight. A level the user set for the
    /// rule in pgvet.yaml applies to every finding instead.
    pub fn report_with_severity(
        &mut self,
        severity: Severity,
        object: &dyn Display,
        span: Option<Span>,
        message: String,
    ) {
        self.sink.report_at(severity, object, span, message);
    }

    /// As [`Self::report_fixable`], at `severity` (as [`Self::report_with_severity`]).
    pub fn report_fixable_with_severity(
        &mut self,
        severity: Severity,
        object: &dyn Display,
        span: Option<Span>,
        message: String,
        remedy: Remedy,
    ) {
        self.sink
            .report_remedy_at(severity, object, span, message, Some(remedy));
    }
}

pub struct StmtCtx<'a> {
    /// The catalog as it stood just before this statement.
    pub catalog: &'a Catalog,
    /// The session's search_path at this statement (pg_catalog implicit).
    pub search_path: &'a [Ident],
    pub stmt: &'a Statement,
    /// Names declared in config as existing outside the migrations.
    pub assume_exists: &'a [String],
    /// Transaction and settings state before this statement.
    pub session: &'a Session,
    /// Display path of the statement's migration file.
    pub file: &'a str,
    /// Why PostgreSQL rejects this statement, when it certainly does
    /// (only rules that ask, [`StatementRule::sees_rejected`], see such).
    pub rejected: Option<&'a crate::replay::Rejection>,
    env: &'a MigrationEnv,
    options: Option<&'a serde_norway::Value>,
    /// What [`StmtCtx::subject`] found, shared by the statement's rules.
    subject: &'a std::cell::OnceCell<Option<QualifiedName>>,
    sink: Sink<'a>,
}

/// What statement rules know about the run beyond the schema.
#[derive(Debug, Clone, Default)]
pub struct MigrationEnv {
    /// `postgres_version` from the config (major version).
    pub postgres_version: u32,
    pub thresholds: SizeThresholds,
    /// `--assume-existing`: tables no migration created are old and not
    /// empty, and other objects no migration created exist
    /// ([`support::changes::assumed_to_exist`]).
    pub assume_existing: bool,
    /// `--db`: every table of the live database with its size, when read.
    pub live_tables: Option<std::sync::Arc<LiveTables>>,
    /// `--db`: the live database's rows, for the data checks.
    pub data: Option<crate::source::live::data::DataSource>,
    /// `--db`: the migration files the database's history records as applied.
    pub applied_files: Option<std::sync::Arc<std::collections::BTreeSet<String>>>,
}

/// Tables of a live database (`pgvet lint --db`), with size when PostgreSQL has one.
pub type LiveTables = BTreeMap<QualifiedName, Option<TableStats>>;

/// A table a statement works on, and what its history says about locking it.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRef {
    pub name: QualifiedName,
    pub history: History,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum History {
    /// Created earlier in the same migration file: nobody else sees it yet
    /// (per-file transaction) or it is still empty, so locking it is free.
    /// Also a table emptied earlier in the open transaction (TRUNCATE, or
    /// DELETE without WHERE): a scan of it finds next to nothing.
    New,
    /// Existed before this file: from an earlier file, the platform, the
    /// live database, or (not created by any migration) from outside them.
    Existing(TableSize),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TableSize {
    Unknown,
    Known(TableStats),
    /// `--db` was given and the table is not there yet: an earlier file of
    /// this run creates it, so it is empty when this statement runs.
    NotInDatabase,
}

impl TableRef {
    pub fn is_new(&self) -> bool {
        self.history == History::New
    }
}

impl StmtCtx<'_> {
    /// This rule's options (`options.<rule-id>` in pgvet.yaml), or their defaults.
    pub fn options<T: serde::de::DeserializeOwned + Default>(&self) -> T {
        decode_options(self.options)
    }

    /// [`support::statement_subject`] of this statement in this catalog,
    /// looked up once for all the rules that ask.
    pub fn subject(&self) -> Option<QualifiedName> {
        self.subject
            .get_or_init(|| support::statement_subject(self.catalog, self.search_path, self.stmt))
            .clone()
    }

    pub fn report(&mut self, object: &dyn Display, span: Option<Span>, message: String) {
        self.sink.report(object, span, message);
    }

    /// As [`Self::report`], at `severity` instead of the rule's default (a
    /// level the user set for the rule applies instead).
    pub fn report_with_severity(
        &mut self,
        severity: Severity,
        object: &dyn Display,
        span: Option<Span>,
        message: String,
    ) {
        self.sink.report_at(severity, object, span, message);
    }

    /// The PostgreSQL major version the migrations run on (config `postgres_version`).
    pub fn postgres_version(&self) -> u32 {
        self.env.postgres_version
    }

    /// Whether this statement runs inside a transaction block (explicit
    /// BEGIN or the migration tool's per-file transaction).
    pub fn in_transaction(&self) -> bool {
        self.session.in_transaction(&self.stmt.node)
    }

    /// The table (or materialized view) a `RangeVar` names, with its history.
    pub fn table(&self, rv: &pg_query::protobuf::RangeVar) -> TableRef {
        let schema = (!rv.schemaname.is_empty()).then_some(rv.schemaname.as_str());
        let (Ok(name) | Err(name)) =
            resolve::relation(self.catalog, self.search_path, schema, &rv.relname);
        self.table_named(name)
    }

    /// As [`Self::table`], for a resolved name.
    pub fn table_named(&self, name: QualifiedName) -> TableRef {
        let origin = self
            .catalog
            .table(&name)
            .map(|t| t.origin)
            .or_else(|| self.catalog.views.get(&name).map(|v| v.origin));
        let in_this_file = |o: &Origin| o.span().is_some_and(|s| s.file == self.stmt.span.file);
        let history = match origin {
            Some(o) if in_this_file(&o) => History::New,
            _ if self.session.emptied(&name) => History::New,
            known => {
                let live = self.env.live_tables.as_deref();
                let size = match live.map(|l| l.get(&name)) {
                    Some(Some(Some(stats))) => TableSize::Known(*stats),
                    Some(Some(None)) => TableSize::Unknown,
                    // Created by an earlier file of this run, not deployed yet.
                    Some(None) if known.is_some_and(|o| o.span().is_some()) => {
                        TableSize::NotInDatabase
                    }
                    _ => self
                        .catalog
                        .table(&name)
                        .and_then(|t| t.stats)
                        .map_or(TableSize::Unknown, TableSize::Known),
                };
                History::Existing(size)
            }
        };
        TableRef { name, history }
    }

    /// `--assume-existing`: tables no migration created exist (old, not
    /// empty), and so do other objects ([`support::changes::assumed_to_exist`]).
    pub fn assumes_existing_tables(&self) -> bool {
        self.env.assume_existing
    }

    /// `--db`: the rows of the live database, for the checks only the data
    /// can decide (None without `--db`).
    pub fn data(&self) -> Option<&dyn crate::source::live::data::Rows> {
        self.env.data.as_ref().map(|d| &*d.0)
    }

    /// `--db` was given and the live database has this table.
    pub fn in_live_database(&self, name: &QualifiedName) -> bool {
        self.env
            .live_tables
            .as_deref()
            .is_some_and(|l| l.contains_key(name))
    }

    /// Reports a statement that locks `table`, unless the table is new in
    /// this file. With sizes from `--db`, a large table makes it an error and
    /// an empty or small one info, and the message gives the size; a level
    /// the user set for the rule wins.
    pub fn report_lock(&mut self, table: &TableRef, span: Option<Span>, message: String) {
        let History::Existing(size) = table.history else {
            return;
        };
        let t = self.env.thresholds;
        let (severity, note) = match size {
            TableSize::Unknown => (None, String::new()),
            TableSize::NotInDatabase => (
                Some(Severity::Info),
                format!(
                    "; `{}` is not in the database yet, so it is empty when this runs",
                    table.name
                ),
            ),
            TableSize::Known(stats) => {
                let rows_known = stats.row_estimate >= 0.0;
                let large = (rows_known && stats.row_estimate >= t.large_rows as f64)
                    || stats.bytes >= t.large_bytes;
                let small = (!rows_known || stats.row_estimate < t.small_rows as f64)
                    && stats.bytes < t.small_bytes;
                let severity = if large {
                    Some(Severity::Error)
                } else if small {
                    Some(Severity::Info)
                } else {
                    None
                };
                (
                    severity,
                    format!("; `{}` {}", table.name, describe_size(&stats)),
                )
            }
        };
        let message = format!("{message}{note}");
        match severity {
            Some(sev) => self.sink.report_at(sev, &table.name, span, message),
            None => self.sink.report(&table.name, span, message),
        }
    }

    /// Reports a statement that fails on a table with any rows (a NOT NULL
    /// column without a default): unlike a lock, a small table does not make
    /// it milder, so sizes from `--db` lower the severity only for an empty
    /// table or one not deployed yet; a table with rows keeps the rule's
    /// severity and the message gives the count.
    pub fn report_fails_with_rows(
        &mut self,
        table: &TableRef,
        span: Option<Span>,
        message: String,
    ) {
        match table.history {
            History::Existing(TableSize::Known(stats)) if stats.row_estimate >= 0.5 => {
                let note = describe_size(&stats);
                self.sink.report(
                    &table.name,
                    span,
                    format!("{message}; `{}` {note}", table.name),
                );
            }
            _ => self.report_lock(table, span, message),
        }
    }

    /// Reports about `table` unless it is new in this file (dropping or
    /// renaming what this file created breaks nobody).
    pub fn report_unless_new(&mut self, table: &TableRef, span: Option<Span>, message: String) {
        if !table.is_new() {
            self.sink.report(&table.name, span, message);
        }
    }
}

/// `has about 12,345 rows (3 MB)`, `is empty`.
fn describe_size(stats: &TableStats) -> String {
    let bytes = pretty_bytes(stats.bytes);
    if stats.row_estimate < 0.0 {
        return format!("takes {bytes} (never analyzed, rows unknown)");
    }
    let rows = stats.row_estimate.round() as u64;
    if rows == 0 {
        return format!("is empty ({bytes})");
    }
    format!("has about {} rows ({bytes})", group_digits(rows))
}

fn pretty_bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "kB", "MB", "GB", "TB"];
    let mut value = b as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    let name = UNITS.get(unit).copied().unwrap_or("bytes");
    if unit == 0 {
        format!("{b} {name}")
    } else {
        format!("{value:.0} {name}")
    }
}

pub(crate) fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What a rule sees after a file's last statement.
pub struct FileEndCtx<'a> {
    /// The session as the file leaves it.
    pub session: &'a Session,
    pub catalog: &'a Catalog,
    /// Display path of the file that ended.
    pub file: &'a str,
    sink: Sink<'a>,
}

impl FileEndCtx<'_> {
    pub fn report(&mut self, object: &dyn Display, span: Option<Span>, message: String) {
        self.sink.report(object, span, message);
    }
}

/// A running rule's severity, and whether the user chose it.
#[derive(Clone, Copy)]
struct Level {
    severity: Severity,
    set_by_user: bool,
}

/// The rules a run uses, with their effective severities.
pub struct Engine {
    schema: Vec<(&'static Rule, &'static dyn SchemaRule, Level)>,
    statement: Vec<(&'static Rule, &'static dyn StatementRule, Level)>,
    assume_exists: Vec<String>,
    options: BTreeMap<&'static str, serde_norway::Value>,
    pub env: MigrationEnv,
}

impl Engine {
    /// An engine running `rules` (each with its severity and whether the
    /// user set it), with the rules' options; `config::Config::engine`
    /// builds one from pgvet.yaml.
    pub fn new(
        env: MigrationEnv,
        assume_exists: Vec<String>,
        options: BTreeMap<&'static str, serde_norway::Value>,
        rules: impl IntoIterator<Item = (&'static Rule, Severity, bool)>,
    ) -> Self {
        let mut engine = Engine {
            schema: Vec::new(),
            statement: Vec::new(),
            assume_exists,
            options,
            env,
        };
        for (rule, severity, set_by_user) in rules {
            let level = Level {
                severity,
                set_by_user,
            };
            match rule.entry.imp {
                RuleImpl::Schema(imp) => engine.schema.push((rule, imp, level)),
                RuleImpl::Statement(imp) => engine.statement.push((rule, imp, level)),
            }
        }
        engine
    }

    /// Whether rule `id` runs (configured, or added by [`Self::run_also`]).
    /// The ids of the rules it runs, statement rules first.
    pub fn rule_ids(&self) -> Vec<&'static str> {
        let statement = self.statement.iter().map(|(r, _, _)| r.id());
        statement
            .chain(self.schema.iter().map(|(r, _, _)| r.id()))
            .collect()
    }

    pub fn runs(&self, id: &str) -> bool {
        self.schema.iter().any(|(r, _, _)| r.id() == id)
            || self.statement.iter().any(|(r, _, _)| r.id() == id)
    }

    /// Also runs `rule`, at its default severity, though the config leaves
    /// it out: `crate::passes::suppress` needs its findings to tell whether a
    /// suppression of it is used, and drops them afterwards. False when the
    /// rule runs already.
    pub fn run_also(&mut self, rule: &'static Rule) -> bool {
        if self.runs(rule.id()) {
            return false;
        }
        let level = Level {
            severity: rule.doc.severity,
            set_by_user: false,
        };
        match rule.entry.imp {
            RuleImpl::Schema(imp) => self.schema.push((rule, imp, level)),
            RuleImpl::Statement(imp) => self.statement.push((rule, imp, level)),
        }
        true
    }

    #[allow(clippy::too_many_arguments)]
    pub fn check_statement(
        &self,
        catalog: &Catalog,
        search_path: &[Ident],
        session: &Session,
        file: &str,
        stmt: &Statement,
        rejected: Option<&crate::replay::Rejection>,
        findings: &mut Vec<Finding>,
    ) {
        let subject = std::cell::OnceCell::new();
        for (rule, imp, severity) in &self.statement {
            if rejected.is_some() && !imp.sees_rejected() {
                continue;
            }
            let mut cx = StmtCtx {
                subject: &subject,
                rejected,
                catalog,
                search_path,
                stmt,
                assume_exists: &self.assume_exists,
                session,
                file,
                env: &self.env,
                options: self.options.get(rule.id()),
                sink: Sink {
                    rule,
                    severity: severity.severity,
                    level_set: severity.set_by_user,
                    findings,
                },
            };
            imp.check(&mut cx);
        }
    }

    /// Runs the end-of-file checks of statement rules.
    pub fn check_end_of_file(
        &self,
        catalog: &Catalog,
        session: &Session,
        file: &str,
        findings: &mut Vec<Finding>,
    ) {
        for (rule, imp, severity) in &self.statement {
            let mut cx = FileEndCtx {
                session,
                catalog,
                file,
                sink: Sink {
                    rule,
                    severity: severity.severity,
                    level_set: severity.set_by_user,
                    findings,
                },
            };
            imp.check_end_of_file(&mut cx);
        }
    }

    /// Runs the schema rules on the finished catalog, in parallel (they only
    /// read it); findings come back in rule order.
    pub fn check_schema(&self, catalog: &Catalog, files: &[String], findings: &mut Vec<Finding>) {
        self.check_schema_reusing(catalog, files, findings, None);
    }

    /// As [`Self::check_schema`]; with `reuse` (a lint from a checkpoint:
    /// the catalog the replay resumed from, and what the last lint from it
    /// found), per-table rules run only on the tables that changed since
    /// that lint, and the memo is brought up to date (or, when it is not
    /// kept, the last lint's findings move into this one's).
    pub fn check_schema_reusing(
        &self,
        catalog: &Catalog,
        files: &[String],
        findings: &mut Vec<Finding>,
        reuse: Option<Reuse<'_>>,
    ) {
        use rayon::prelude::*;
        let timing = std::env::var_os("PGVET_TIMING").is_some();
        let keep = reuse.as_ref().is_some_and(|r| r.keep);
        // A memo kept for the next lint needs every file's findings.
        let wanted = reuse.as_ref().and_then(|r| r.files).filter(|_| !keep);
        let (changes, mut memo) = match reuse {
            Some(Reuse { base, memo, .. }) => (
                Some(memo::Changes::between(base, catalog, files, memo.as_ref())),
                Some(memo),
            ),
            None => (None, None),
        };
        if let (true, Some(changes)) = (timing, &changes) {
            eprintln!("schema memo: {}", changes.describe());
        }
        // The last lint's findings move to this one's memo, rule by rule.
        let mut last = memo
            .as_mut()
            .and_then(|m| m.as_mut())
            .map(memo::SchemaMemo::take_findings)
            .unwrap_or_default();
        let lasts: Vec<Option<memo::RuleMemo>> = self
            .schema
            .iter()
            .map(|(rule, _, _)| last.remove(rule.id()))
            .collect();
        let run =
            |rule: &'static Rule, imp: &dyn SchemaRule, level: &Level, only: Option<&Table>| {
                let mut found = Vec::new();
                let mut cx = SchemaCtx {
                    catalog,
                    files,
                    only,
                    options: self.options.get(rule.id()),
                    sink: Sink {
                        rule,
                        severity: level.severity,
                        level_set: level.set_by_user,
                        findings: &mut found,
                    },
                    named: Vec::new(),
                };
                imp.check(&mut cx);
                let named = cx.named;
                (found, named)
            };
        type PerRule = (Vec<Finding>, Option<(memo::ByTable, memo::NamesByTable)>);
        let per_rule: Vec<PerRule> = self
            .schema
            .par_iter()
            .zip(lasts)
            .map(|((rule, imp, level), last)| {
                let _report = TimingGuard {
                    on: timing,
                    rule: rule.id(),
                    started: std::time::Instant::now(),
                };
                match (&changes, imp.per_table()) {
                    (Some(changes), Some(beyond)) => {
                        let recheck = changes.recheck(beyond);
                        let follows_names = beyond.contains(&memo::Beyond::NamedTables);
                        // What the last lint found counts only when some
                        // tables are not checked again; the names it
                        // noted, when the memo is kept or some table is.
                        let last = recheck.and_then(|recheck| {
                            let names = keep || (follows_names && !recheck.is_empty());
                            last?.open(wanted, names)
                        });
                        // A rule that follows names checks again the
                        // tables that looked up a changed one's.
                        let recheck = recheck.map(|recheck| match (&last, follows_names) {
                            (Some((_, named)), true) => {
                                std::borrow::Cow::Owned(memo::with_named(recheck, named))
                            }
                            _ => std::borrow::Cow::Borrowed(recheck),
                        });
                        let kept = recheck.as_deref().and_then(|recheck| {
                            let (found, named) = last?;
                            Some((found, named, recheck))
                        });
                        let (by_table, named) = memo::by_table(catalog, kept, |table| {
                            run(rule, *imp, level, Some(table))
                        });
                        if keep {
                            (memo::flatten(&by_table), Some((by_table, named)))
                        } else {
                            (by_table.into_values().flatten().collect(), None)
                        }
                    }
                    _ => (run(rule, *imp, level, None).0, None),
                }
            })
            .collect();
        let mut by_rule = std::collections::HashMap::new();
        for ((rule, _, _), (found, by_table)) in self.schema.iter().zip(per_rule) {
            findings.extend(found);
            if let Some(by_table) = by_table {
                by_rule.insert(rule.id(), by_table);
            }
        }
        if let (Some(changes), Some(memo)) = (changes, memo) {
            *memo = keep.then(|| changes.into_memo(by_rule));
        }
    }
}

/// Prints how long a rule took when PGVET_TIMING is set (profiling aid).
struct TimingGuard {
    on: bool,
    rule: &'static str,
    started: std::time::Instant,
}

impl Drop for TimingGuard {
    fn drop(&mut self) {
        if self.on {
            eprintln!("  {}: {:?}", self.rule, self.started.elapsed());
        }
    }
}

/// Helpers for rule unit tests: lint a snippet on the Supabase platform with one rule.
#[cfg(test)]
pub(crate) mod testing {
    use crate::config::Config;

    fn run(rule: &str, sql: &str, extra_config: &str) -> Vec<String> {
        let mut cfg = Config::parse(extra_config, "test").expect("test config");
        cfg.select = Some(vec![rule.to_string()]);
        let mut settings = crate::test_support::supabase();
        if let Some(schemas) = &cfg.exposed_schemas {
            settings.exposed_schemas.clone_from(schemas);
        }
        let report = crate::lint_sources(
            vec![("test.sql".to_string(), sql.to_string())],
            &cfg,
            &settings,
        );
        assert!(
            report.errors.is_empty(),
            "test SQL does not parse: {:?}",
            report.errors
        );
        report
            .findings
            .iter()
            .map(|f| {
                let at = f.location.as_ref().map_or("-".to_string(), |l| {
                    format!("{}:{}:{}", l.file, l.line, l.column)
                });
                format!("{at} {} [{}] {}", f.rule, f.object, f.message)
            })
            .collect()
    }

    /// A lint run for statement-rule tests: several files, a config, a
    /// platform, live table sizes. Findings print as
    /// `file:line:col rule severity [object] message`.
    pub struct Case {
        files: Vec<(String, String)>,
        config: String,
        settings: crate::Settings,
        assume_existing: bool,
    }

    /// One file, `test.sql`, on Supabase (per-file transactions).
    pub fn case(sql: &str) -> Case {
        Case {
            files: vec![("test.sql".to_string(), sql.to_string())],
            config: String::new(),
            settings: crate::test_support::supabase(),
            assume_existing: false,
        }
    }

    /// Files in apply order, on Supabase.
    pub fn files(files: &[(&str, &str)]) -> Case {
        Case {
            files: files
                .iter()
                .map(|(n, t)| ((*n).to_string(), (*t).to_string()))
                .collect(),
            config: String::new(),
            settings: crate::test_support::supabase(),
            assume_existing: false,
        }
    }

    impl Case {
        /// pgvet.yaml text.
        pub fn config(mut self, yaml: &str) -> Case {
            self.config = yaml.to_string();
            self
        }

        /// `--assume-existing`.
        pub fn assume_existing(mut self) -> Case {
            self.assume_existing = true;
            self
        }

        /// Plain PostgreSQL (no per-file transaction unless configured).
        pub fn postgres(mut self) -> Case {
            self.settings = crate::Settings::for_platform(crate::catalog::Platform::Postgres);
            self
        }

        /// As if `--db` read these tables: (schema, name, rows, bytes).
        pub fn live(mut self, tables: &[(&str, &str, f64, u64)]) -> Case {
            let map = tables
                .iter()
                .map(|(s, n, rows, bytes)| {
                    (
                        crate::catalog::QualifiedName::new(*s, *n),
                        Some(crate::catalog::TableStats {
                            row_estimate: *rows,
                            bytes: *bytes,
                        }),
                    )
                })
                .collect();
            self.settings.live_tables = Some(std::sync::Arc::new(map));
            self
        }

        /// As if `--db` gave these rows to the data checks.
        pub fn data(mut self, data: crate::source::live::data::DataSource) -> Case {
            self.settings.data = Some(data);
            self
        }

        pub fn run(&self, rule: &str) -> Vec<String> {
            let mut cfg = Config::parse(&self.config, "test").expect("test config");
            cfg.select = Some(vec![rule.to_string()]);
            cfg.assume_existing = self.assume_existing;
            let mut settings = self.settings.clone();
            if let Some(t) = cfg.transaction {
                settings.transaction = t;
            }
            let report = crate::lint_sources(self.files.clone(), &cfg, &settings);
            assert!(
                report.errors.is_empty(),
                "test SQL does not parse: {:?}",
                report.errors
            );
            report
                .findings
                .iter()
                .map(|f| {
                    let at = f.location.as_ref().map_or("-".to_string(), |l| {
                        format!("{}:{}:{}", l.file, l.line, l.column)
                    });
                    format!(
                        "{at} {} {} [{}] {}",
                        f.rule,
                        f.severity.as_str(),
                        f.object,
                        f.message
                    )
                })
                .collect()
        }

        /// Fails unless `rule` fires; returns the findings, one per line.
        pub fn fires(&self, rule: &str) -> String {
            let found = self.run(rule);
            assert!(
                !found.is_empty(),
                "expected `{rule}` to fire on:\n{:?}",
                self.files
            );
            found.join("\n")
        }

        /// Fails if `rule` fires.
        pub fn quiet(&self, rule: &str) {
            let found = self.run(rule);
            assert!(
                found.is_empty(),
                "expected `{rule}` to stay quiet on:\n{:?}\nbut got:\n{}",
                self.files,
                found.join("\n")
            );
        }
    }

    /// Fails unless `rule` fires; returns the findings, one per line.
    pub fn fires(rule: &str, sql: &str) -> String {
        fires_with(rule, sql, "")
    }

    pub fn fires_with(rule: &str, sql: &str, config: &str) -> String {
        let found = run(rule, sql, config);
        assert!(!found.is_empty(), "expected `{rule}` to fire on:\n{sql}");
        found.join("\n")
    }

    /// Fails if `rule` fires.
    pub fn quiet(rule: &str, sql: &str) {
        quiet_with(rule, sql, "");
    }

    pub fn quiet_with(rule: &str, sql: &str, config: &str) {
        let found = run(rule, sql, config);
        assert!(
            found.is_empty(),
            "expected `{rule}` to stay quiet on:\n{sql}\nbut got:\n{}",
            found.join("\n")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::example_sources;

    #[test]
    fn each_rule_reads_its_json_as_its_yaml_says() {
        // build.rs converts rules/*.yaml to the JSON the binary reads.
        for entry in super::registry::RULES {
            let from_yaml: super::RuleDoc = serde_norway::from_str(entry.yaml)
                .unwrap_or_else(|e| panic!("rules/{}.yaml: {e}", entry.id));
            let from_json = super::parse_doc(entry)
                .unwrap_or_else(|e| panic!("the JSON of rules/{}.yaml: {e}", entry.id));
            assert_eq!(
                format!("{from_yaml:?}"),
                format!("{from_json:?}"),
                "rules/{}.yaml",
                entry.id
            );
            assert!(!from_json.summary.is_empty(), "rules/{}.yaml", entry.id);
        }
    }

    #[test]
    fn rules_that_ask_for_a_constraint_skip_foreign_tables() {
        const RULES: [&str; 9] = [
            "check-nonnegative",
            "check-state-timestamp",
            "check-temporal-order",
            "free-text-enum",
            "missing-foreign-key",
            "timestamp-nullable",
            "unbounded-text",
            "updated-at-without-trigger",
            "fk-type-mismatch",
        ];
        let columns = "(id uuid, user_id uuid, team_id text, price numeric, starts_at timestamptz, ends_at timestamptz, \
                       status text, body text, is_done boolean, done_at timestamptz, \
                       created_at timestamptz, updated_at timestamptz)";
        let fired = |relation: &str| -> Vec<&'static str> {
            let sql = format!(
                "create table public.users (id uuid primary key);\n\
                 create table public.teams (id uuid primary key);\n\
                 create foreign data wrapper w;\ncreate server s foreign data wrapper w;\n\
                 {relation} {columns}{};\n",
                if relation.contains("foreign") {
                    " server s"
                } else {
                    ""
                }
            );
            let report = crate::lint_sources(
                vec![("test.sql".to_string(), sql)],
                &crate::config::Config::default(),
                &crate::test_support::supabase(),
            );
            assert!(report.errors.is_empty(), "{:?}", report.errors);
            let mut rules: Vec<&'static str> = report
                .findings
                .iter()
                .filter(|f| f.object == "public.t" && RULES.contains(&f.rule))
                .map(|f| f.rule)
                .collect();
            rules.sort_unstable();
            rules.dedup();
            rules
        };
        // The same columns in a plain table: each of these rules has something to say.
        assert_eq!(
            fired("create table public.t").len(),
            RULES.len(),
            "{:?}",
            fired("create table public.t")
        );
        assert_eq!(fired("create foreign table public.t"), Vec::<&str>::new());
    }

    #[test]
    fn covered_rules_exist() {
        for r in super::all() {
            for c in &r.doc.covers {
                assert!(
                    super::find(c).is_some(),
                    "{}: covers unknown rule {c}",
                    r.id()
                );
            }
        }
    }

    #[test]
    fn a_rule_with_a_fix_says_whether_it_is_safe() {
        for r in super::all() {
            assert_eq!(
                r.doc.auto_fix.is_some(),
                r.doc.fix_applicability.is_some(),
                "{}: `auto_fix` and `fix_applicability` go together",
                r.id()
            );
        }
    }

    #[test]
    fn an_example_is_one_file_unless_it_names_files() {
        assert_eq!(
            example_sources("x.sql", "select 1;\n"),
            [("x.sql".to_string(), "select 1;\n".to_string())]
        );
        let two = example_sources(
            "x.sql",
            "\n-- file: a/1_a.sql\nselect 1;\n-- file: a/2_b.sql\nselect 2;\n",
        );
        assert_eq!(
            two,
            [
                ("a/1_a.sql".to_string(), "select 1;\n".to_string()),
                ("a/2_b.sql".to_string(), "select 2;\n".to_string())
            ]
        );
    }
}
