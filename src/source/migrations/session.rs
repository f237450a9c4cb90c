//! What a migration session knows beside the schema: whether a statement
//! runs inside a transaction (the tool's per-file one or an explicit
//! BEGIN), which timeouts are set, which enum labels the open
//! transaction added, which CREATE OR REPLACE statements of the file
//! made an object that did not exist before it, and which objects the run
//! dropped or renamed away. Statement rules read it as it stood before their
//! statement; the lint loop moves it forward after each one ([`Session::step`]),
//! and a ROLLBACK moves it and the model back to where the transaction began.

use std::collections::BTreeMap;

use pg_query::protobuf as pb;
use pg_query::NodeEnum;
use serde::Deserialize;

use std::sync::Arc;

use crate::catalog::{resolve, Catalog, FileId, Ident, Platform, QualifiedName, Span, TypeName};
use crate::replay::Replayer;
use crate::sql::ast;
use crate::sql::split::{self, Statement};

/// How the migration tool runs each file: inside one transaction it opens
/// and commits around the file (`per-file`), or statement by statement in
/// autocommit (`none`). Explicit BEGIN/COMMIT in a file count either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TransactionMode {
    PerFile,
    None,
}

/// How a runner runs one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct FileRun {
    pub mode: TransactionMode,
    /// Statements that cannot run in a transaction block run outside the
    /// runner's transaction (the Supabase CLI, Flyway).
    pub runs_outside: bool,
    /// The runner sends the whole file as one query string, which
    /// PostgreSQL runs as one implicit transaction when it holds more than
    /// one statement (golang-migrate, Prisma; dbmate and diesel when their
    /// transaction is turned off).
    pub one_query: bool,
}

/// An object [`Session::removed_earlier`] knows is gone: its kind's name
/// space, its bare name, and for a function the input argument types the
/// statement gave (None: every overload).
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
struct Removed {
    #[serde(with = "object_type")]
    space: pb::ObjectType,
    name: Ident,
    args: Option<Vec<TypeName>>,
}

/// An object type as its number in PostgreSQL's parse tree.
mod object_type {
    use pg_query::protobuf::ObjectType;

    pub fn serialize<S: serde::Serializer>(t: &ObjectType, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i32(*t as i32)
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<ObjectType, D::Error> {
        let n = <i32 as serde::Deserialize>::deserialize(d)?;
        ObjectType::try_from(n).map_err(|_| serde::de::Error::custom("unknown object type"))
    }
}

/// What a session carries from one file into the next: everything else
/// starts afresh with each file ([`Session::start_file`]). A checkpoint
/// between two files (a cached replay) keeps only this of the session.
#[derive(Debug, Clone, Default, serde::Serialize, Deserialize)]
pub struct Carried {
    written: BTreeMap<QualifiedName, Span>,
    opaque_write: Option<Span>,
    removed: Vec<Removed>,
}

/// An enum label added by `ALTER TYPE ... ADD VALUE` in the open transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedLabel {
    pub type_name: QualifiedName,
    pub label: String,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Session {
    /// The runner runs statements that cannot run in a transaction block
    /// outside its per-file transaction (the Supabase CLI does).
    runs_outside: bool,
    /// See [`FileRun::one_query`].
    one_query: bool,
    mode: TransactionMode,
    /// `BEGIN` / `START TRANSACTION` in this file, not yet ended.
    open_begin: Option<Span>,
    /// per-file mode: the tool's transaction around the file is still open
    /// (a COMMIT or ROLLBACK in the file ends it early).
    wrapper_open: bool,
    lock_timeout: Setting,
    statement_timeout: Setting,
    /// `SET TIME ZONE` / `SET timezone`: None where the server's default applies.
    time_zone: TextSetting,
    added_labels: Vec<AddedLabel>,
    freed_constraints: BTreeMap<(String, String), bool>,
    /// Tables emptied in the open transaction (`TRUNCATE`, `DELETE` without
    /// WHERE): a later lock on them in it scans next to nothing.
    emptied: Vec<QualifiedName>,
    /// CREATE OR REPLACE statements of this file (views, functions,
    /// procedures, triggers) whose object did not exist before the file:
    /// none existed, or it came from a plain CREATE or another such
    /// statement of the file. The object's origin is the statement's span.
    made_by_replace: Vec<Span>,
    statements_in_file: usize,
    /// Statements of this file that ran in the transaction block still
    /// open, in order: the locks they took are still held.
    in_open_transaction: Vec<Span>,
    /// This replay of this file, unique in the process: what rules that
    /// remember work between statements key it by.
    file_run: u64,
    /// Tables whose rows a statement of the run changed (INSERT, UPDATE,
    /// DELETE, MERGE, COPY FROM, TRUNCATE, a retype with USING), each with
    /// the first such statement; kept across files.
    written: BTreeMap<QualifiedName, Span>,
    /// The first statement of the run that may change any table's rows
    /// unseen (a DO block, CALL); kept across files.
    opaque_write: Option<Span>,
    /// Objects a DROP of the run took away (or would have, IF EXISTS) or a
    /// rename moved off their name, in file order; kept across files. What
    /// `--assume-existing` takes to be there is not ([`Session::removed_earlier`]).
    removed: Vec<Removed>,
    /// The database's migration history records this file as applied
    /// (`lint --db`): its writes are in the database's rows already.
    applied: bool,
    /// Where the file's transactions end, read before its replay.
    outline: FileOutline,
    /// What a ROLLBACK in the file returns the model to.
    undo: Undo,
}

/// What a file's top-level transaction statements say, read before the
/// file is replayed: where its transactions end, and whether it rolls any
/// back.
#[derive(Debug, Clone, Default)]
pub struct FileOutline {
    /// The statements that end a transaction, by the offset they start
    /// at, in file order: true for a COMMIT (END, PREPARE TRANSACTION,
    /// also AND CHAIN), false for a ROLLBACK (ABORT).
    ends: Vec<(u32, bool)>,
    /// Where the file's last statement starts.
    last: u32,
    /// Where its ROLLBACK TO SAVEPOINT statements start, in file order.
    rollbacks_to: Vec<u32>,
    /// The file has a ROLLBACK, ABORT or ROLLBACK TO SAVEPOINT.
    rolls_back: bool,
}

impl FileOutline {
    /// The outline of the file `text` split into `ranges`. Only the few
    /// statements whose first word can end a transaction are parsed.
    pub fn read(file: FileId, text: &Arc<str>, ranges: &[(usize, usize)]) -> FileOutline {
        use pb::TransactionStmtKind as K;
        const WORDS: [&str; 5] = ["commit", "end", "rollback", "abort", "prepare"];
        let mut outline = FileOutline::default();
        for &(start, end) in ranges {
            let piece = text.get(start..end).unwrap_or_default();
            let Some(first) = split::first_token(piece) else {
                continue;
            };
            outline.last = u32::try_from(start + first).unwrap_or(u32::MAX);
            let rest = piece.get(first..).unwrap_or_default();
            let len = rest
                .bytes()
                .position(|b| !b.is_ascii_alphabetic())
                .unwrap_or(rest.len());
            let word = rest.get(..len).unwrap_or_default();
            if !WORDS.iter().any(|w| word.eq_ignore_ascii_case(w)) {
                continue;
            }
            for stmt in split::parse_range(file, text, (start, end)).unwrap_or_default() {
                let NodeEnum::TransactionStmt(t) = &stmt.node else {
                    continue;
                };
                match K::try_from(t.kind) {
                    Ok(K::TransStmtCommit | K::TransStmtPrepare) => {
                        outline.ends.push((stmt.span.start, true));
                    }
                    Ok(K::TransStmtRollback) => {
                        outline.ends.push((stmt.span.start, false));
                        outline.rolls_back = true;
                    }
                    Ok(K::TransStmtRollbackTo) => {
                        outline.rollbacks_to.push(stmt.span.start);
                        outline.rolls_back = true;
                    }
                    _ => {}
                }
            }
        }
        outline
    }

    /// The first statement after offset `at` that ends a transaction:
    /// where it starts, and whether it commits.
    fn next_end(&self, at: u32) -> Option<(u32, bool)> {
        let i = self.ends.partition_point(|(start, _)| *start <= at);
        self.ends.get(i).copied()
    }

    /// Whether the transaction open at offset `at` ends in a ROLLBACK.
    fn rolled_back_after(&self, at: u32) -> bool {
        self.next_end(at).is_some_and(|(_, commit)| !commit)
    }

    /// Whether a ROLLBACK TO SAVEPOINT comes after offset `at` in the
    /// transaction open there.
    fn rolled_back_to_after(&self, at: u32) -> bool {
        let end = self.next_end(at).map_or(u32::MAX, |(start, _)| start);
        let i = self.rollbacks_to.partition_point(|start| *start <= at);
        self.rollbacks_to.get(i).is_some_and(|start| *start < end)
    }
}

/// The model and the session as they stood where the open transaction
/// began, and at each of its savepoints: what a ROLLBACK returns to. Kept
/// only in files that roll back ([`FileOutline`]): a copy of the model at
/// every BEGIN would cost every file.
#[derive(Clone, Default)]
struct Undo {
    begin: Option<Box<Saved>>,
    /// The savepoints of the open transaction, by name, oldest first.
    savepoints: Vec<(String, Box<Saved>)>,
}

#[derive(Clone)]
struct Saved {
    replayer: Replayer,
    /// The session, without its own [`Undo`].
    session: Session,
}

impl std::fmt::Debug for Undo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let savepoints: Vec<&str> = self.savepoints.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("Undo")
            .field("begin", &self.begin.is_some())
            .field("savepoints", &savepoints)
            .finish()
    }
}

/// A setting's state: set for the session, or only until the transaction ends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Setting {
    session: bool,
    local: Option<bool>,
}

impl Setting {
    fn is_set(self) -> bool {
        self.local.unwrap_or(self.session)
    }
}

/// A setting's value: for the session, or until the transaction ends
/// (`Some(None)`: reset locally to the server's default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct TextSetting {
    session: Option<String>,
    local: Option<Option<String>>,
}

impl TextSetting {
    fn current(&self) -> Option<&str> {
        match &self.local {
            Some(local) => local.as_deref(),
            None => self.session.as_deref(),
        }
    }
}

impl Session {
    /// A session as a plain folder of files runs on `platform`.
    pub fn new(platform: Platform, mode: TransactionMode) -> Self {
        Session::with(super::runner::Runner::Plain.file_run(platform, mode))
    }

    fn with(run: FileRun) -> Self {
        let FileRun {
            mode,
            runs_outside,
            one_query,
        } = run;
        Session {
            runs_outside,
            one_query,
            mode,
            open_begin: None,
            wrapper_open: mode == TransactionMode::PerFile,
            lock_timeout: Setting::default(),
            statement_timeout: Setting::default(),
            time_zone: TextSetting::default(),
            added_labels: Vec::new(),
            freed_constraints: BTreeMap::new(),
            emptied: Vec::new(),
            made_by_replace: Vec::new(),
            statements_in_file: 0,
            in_open_transaction: Vec::new(),
            file_run: 0,
            written: BTreeMap::new(),
            opaque_write: None,
            removed: Vec::new(),
            applied: false,
            outline: FileOutline::default(),
            undo: Undo::default(),
        }
    }

    /// Each migration file runs in a fresh session (and, per-file, a fresh
    /// transaction). `statements` is how many statements the file has;
    /// `run` says how its runner runs it: the transaction mode, and whether
    /// it runs what cannot run in a transaction block outside it.
    pub fn start_file(&mut self, statements: usize, run: FileRun) {
        let written = std::mem::take(&mut self.written);
        let opaque_write = self.opaque_write.take();
        let removed = std::mem::take(&mut self.removed);
        static FILE_RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        *self = Session::with(run);
        self.file_run = FILE_RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.statements_in_file = statements;
        self.written = written;
        self.opaque_write = opaque_write;
        self.removed = removed;
    }

    /// What this session carries into the next file.
    pub fn carried(&self) -> Carried {
        Carried {
            written: self.written.clone(),
            opaque_write: self.opaque_write,
            removed: self.removed.clone(),
        }
    }

    /// A session between two files that carries `carried` into the next:
    /// the same, for the next file, as the session that gave it.
    pub fn resumed(platform: Platform, mode: TransactionMode, carried: Carried) -> Session {
        let Carried {
            written,
            opaque_write,
            removed,
        } = carried;
        Session {
            written,
            opaque_write,
            removed,
            ..Session::new(platform, mode)
        }
    }

    /// Marks the current file as applied to the database (`lint --db`, as
    /// its migration history records).
    pub fn set_applied(&mut self, applied: bool) {
        self.applied = applied;
    }

    /// Whether the database's history records the current file as applied.
    pub fn file_applied(&self) -> bool {
        self.applied
    }

    /// Tells the session where the current file's transactions end (read
    /// with [`FileOutline::read`] before the file is replayed).
    pub fn set_outline(&mut self, outline: FileOutline) {
        self.outline = outline;
    }

    /// Where the COMMIT starts that commits the transaction block the
    /// statement at `at` runs in, when more statements of the file run
    /// after it: the first COMMIT (END, PREPARE TRANSACTION) or ROLLBACK
    /// after the statement is a COMMIT, and not the file's last statement.
    /// A failure after it leaves the block applied without the rest of the
    /// file.
    pub fn committed_before_more(&self, at: Span) -> Option<u32> {
        let (start, commit) = self.outline.next_end(at.start)?;
        (commit && start < self.outline.last).then_some(start)
    }

    /// The first earlier statement of the run that changed (or, a DO block
    /// or CALL, may have changed) the rows of `table`: the rows a later
    /// statement meets are then not the rows a database holds before the run.
    pub fn written_before(&self, table: &QualifiedName) -> Option<Span> {
        let direct = self.written.get(table).copied();
        match (direct, self.opaque_write) {
            (Some(a), Some(b)) => Some(if (a.file, a.start) <= (b.file, b.start) {
                a
            } else {
                b
            }),
            (a, b) => a.or(b),
        }
    }

    /// Whether an earlier statement of the run took away an object of
    /// `kind` named `name`: a DROP of it (IF EXISTS too: afterwards it is
    /// not there, whether or not it was), a rename to another name, or a
    /// DROP of its `schema`. Names are compared without their schema, and
    /// a function's argument types only when both statements give them.
    /// `--assume-existing` takes an object no migration made to exist, but
    /// not one of these.
    pub fn removed_earlier(
        &self,
        kind: pb::ObjectType,
        schema: Option<&Ident>,
        name: &Ident,
        args: Option<&[TypeName]>,
    ) -> bool {
        let space = name_space(kind);
        self.removed.iter().any(|r| {
            let same_args = match (&r.args, args) {
                (Some(a), Some(b)) => {
                    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_base(y))
                }
                _ => true,
            };
            (r.space == space && r.name == *name && same_args)
                || (r.space == pb::ObjectType::ObjectSchema && schema == Some(&r.name))
        })
    }

    /// How many statements the current file has (0 when not known).
    pub fn statements_in_file(&self) -> usize {
        self.statements_in_file
    }

    pub fn mode(&self) -> TransactionMode {
        self.mode
    }

    /// The open explicit `BEGIN`, if any.
    pub fn explicit_transaction(&self) -> Option<Span> {
        self.open_begin
    }

    /// Whether `stmt` runs inside a transaction block: an explicit BEGIN;
    /// the tool's per-file transaction (which the Supabase CLI and Flyway
    /// leave for statements that cannot run in one, such as CREATE INDEX
    /// CONCURRENTLY); or the implicit one of a file sent as one query.
    pub fn in_transaction(&self, stmt: &NodeEnum) -> bool {
        self.open_begin.is_some()
            || (self.wrapper_open && !(self.runs_outside && runs_outside_transaction(stmt)))
            || (self.one_query && self.statements_in_file > 1)
    }

    /// Whether the migration tool wraps the file in its own transaction.
    pub fn tool_wraps_file(&self) -> bool {
        self.mode == TransactionMode::PerFile
    }

    pub fn lock_timeout_set(&self) -> bool {
        self.lock_timeout.is_set()
    }

    pub fn statement_timeout_set(&self) -> bool {
        self.statement_timeout.is_set()
    }

    /// Enum labels added in the transaction that is open before the statement.
    pub fn added_labels(&self) -> &[AddedLabel] {
        &self.added_labels
    }

    /// Constraint names an `ALTER TABLE ... DROP CONSTRAINT` earlier in this
    /// file freed, by (table as written, constraint): true until an `ADD
    /// CONSTRAINT` of the same name uses it again.
    pub fn freed_constraints(&self) -> &BTreeMap<(String, String), bool> {
        &self.freed_constraints
    }

    /// Whether the session's time zone, as set by the migration, is UTC or
    /// another zone always at offset zero. PostgreSQL (12 and later) then
    /// changes `timestamp` to `timestamptz` without a rewrite. False where the
    /// migration did not set it: the server's default is not known.
    pub fn time_zone_is_utc(&self) -> bool {
        self.time_zone.current().is_some_and(|tz| {
            let tz = tz.trim().to_ascii_lowercase();
            let zone = tz.strip_prefix("etc/").unwrap_or(&tz);
            matches!(
                zone,
                "utc"
                    | "uct"
                    | "gmt"
                    | "gmt0"
                    | "gmt+0"
                    | "gmt-0"
                    | "greenwich"
                    | "universal"
                    | "zulu"
                    | "0"
            )
        })
    }

    /// Whether the object declared at `origin` (a view, function,
    /// procedure or trigger) was made by a CREATE OR REPLACE of this file
    /// when no such object existed before the file: new in this file,
    /// though the statement says OR REPLACE.
    pub fn made_by_replace_in_file(&self, origin: Span) -> bool {
        self.made_by_replace.contains(&origin)
    }

    /// Whether `table` was emptied earlier in the open transaction.
    pub fn emptied(&self, table: &QualifiedName) -> bool {
        self.emptied.contains(table)
    }

    /// The statements of this file that ran earlier in the transaction
    /// block the next statement runs in (their spans, in order); empty
    /// outside a transaction block.
    pub fn earlier_in_transaction(&self) -> &[Span] {
        &self.in_open_transaction
    }

    /// Which replay of which file this is (0 before the first file): unique
    /// in the process, so that work a rule keeps between the statements of
    /// a file is never taken for another file's or another lint's.
    pub fn file_run(&self) -> u64 {
        self.file_run
    }

    /// Moves the session and the model past `stmt`: [`Session::apply`],
    /// then `replayer.apply`. As in PostgreSQL, a ROLLBACK (ABORT) returns
    /// both to where its transaction began and a ROLLBACK TO SAVEPOINT to
    /// the savepoint: the tables made, enum values added, settings and
    /// roles set since are gone.
    pub fn step(&mut self, replayer: &mut Replayer, stmt: &Statement) {
        let tracked = self.outline.rolls_back;
        if tracked {
            self.before_for_undo(replayer, stmt);
        }
        self.apply(stmt, &replayer.catalog, &replayer.search_path);
        replayer.apply(stmt);
        if tracked {
            use pb::TransactionStmtKind as K;
            let ended = matches!(&stmt.node, NodeEnum::TransactionStmt(t)
                if matches!(K::try_from(t.kind), Ok(K::TransStmtCommit | K::TransStmtRollback | K::TransStmtPrepare)));
            // A chained transaction starts from what the old one committed.
            if ended || !self.block_open() {
                self.undo = Undo::default();
            }
        }
    }

    /// A transaction block is open: an explicit BEGIN, the tool's per-file
    /// transaction, or the implicit one of a file sent as one query.
    fn block_open(&self) -> bool {
        self.open_begin.is_some()
            || self.wrapper_open
            || (self.one_query && self.statements_in_file > 1)
    }

    /// Keeps what a later ROLLBACK returns to, or returns to it, before
    /// `stmt` is applied ([`Session::step`]). A copy is made only where
    /// the file's outline says a ROLLBACK (or ROLLBACK TO) will use it.
    fn before_for_undo(&mut self, replayer: &mut Replayer, stmt: &Statement) {
        use pb::TransactionStmtKind as K;
        if !self.block_open() {
            return;
        }
        let at = stmt.span.start;
        // At the first statement of a transaction that ends in ROLLBACK,
        // the model is still as the transaction found it.
        let first = self.undo.begin.is_none() && self.outline.rolled_back_after(at);
        let NodeEnum::TransactionStmt(t) = &stmt.node else {
            if first && self.in_transaction(&stmt.node) {
                self.undo.begin = Some(self.saved(replayer));
            }
            return;
        };
        let named = |undo: &Undo| {
            undo.savepoints
                .iter()
                .rposition(|(name, _)| *name == t.savepoint_name)
        };
        match K::try_from(t.kind) {
            Ok(K::TransStmtRollback) => {
                if let Some(saved) = self.undo.begin.take() {
                    self.restore(replayer, *saved);
                }
                self.undo.savepoints.clear();
            }
            Ok(K::TransStmtSavepoint) => {
                if first {
                    self.undo.begin = Some(self.saved(replayer));
                }
                if self.outline.rolled_back_to_after(at) {
                    let saved = self.saved(replayer);
                    self.undo.savepoints.push((t.savepoint_name.clone(), saved));
                }
            }
            // The savepoint stays, for a later ROLLBACK TO; the later ones go.
            Ok(K::TransStmtRollbackTo) => {
                if let Some(i) = named(&self.undo) {
                    self.undo.savepoints.truncate(i + 1);
                    let saved = if self.outline.rolled_back_to_after(at) {
                        self.undo.savepoints.get(i).map(|(_, s)| (**s).clone())
                    } else {
                        self.undo.savepoints.pop().map(|(_, s)| *s)
                    };
                    if let Some(saved) = saved {
                        self.restore(replayer, saved);
                    }
                }
            }
            Ok(K::TransStmtRelease) => {
                if let Some(i) = named(&self.undo) {
                    self.undo.savepoints.truncate(i);
                }
            }
            _ => {}
        }
    }

    /// The model and the session now, for [`Undo`].
    fn saved(&mut self, replayer: &Replayer) -> Box<Saved> {
        let undo = std::mem::take(&mut self.undo);
        let session = self.clone();
        self.undo = undo;
        Box::new(Saved {
            replayer: replayer.clone(),
            session,
        })
    }

    /// Returns the model and what the session knows of the transaction to
    /// `saved`; where the file is and which transaction is open stay.
    fn restore(&mut self, replayer: &mut Replayer, saved: Saved) {
        let undone = std::mem::replace(replayer, saved.replayer);
        // Freeing a large model takes as long as copying it, and nothing
        // waits for it.
        std::thread::spawn(move || drop(undone));
        let old = saved.session;
        self.lock_timeout = old.lock_timeout;
        self.statement_timeout = old.statement_timeout;
        self.time_zone = old.time_zone;
        self.added_labels = old.added_labels;
        self.freed_constraints = old.freed_constraints;
        self.emptied = old.emptied;
        self.made_by_replace = old.made_by_replace;
        // Locks taken after a savepoint go when it is rolled back to.
        self.in_open_transaction = old.in_open_transaction;
        self.written = old.written;
        self.opaque_write = old.opaque_write;
        self.removed = old.removed;
    }

    /// Moves the session past `stmt`. `catalog` and `search_path` are the
    /// schema before it (to resolve the enum of `ALTER TYPE ... ADD VALUE`).
    pub fn apply(&mut self, stmt: &Statement, catalog: &Catalog, search_path: &[Ident]) {
        let in_txn = self.in_transaction(&stmt.node);
        self.track_writes(stmt, catalog, search_path);
        self.track_removed(stmt, catalog, search_path);
        match &stmt.node {
            NodeEnum::TransactionStmt(t) => self.transaction(t, stmt.span),
            NodeEnum::AlterTableStmt(s) => {
                self.track_constraint_names(s);
                if in_txn && succeeds_only_on_empty(s, catalog, search_path) {
                    if let Some(rv) = &s.relation {
                        self.empty(rv, catalog, search_path);
                    }
                }
            }
            NodeEnum::VariableSetStmt(s) => self.set(s, in_txn),
            NodeEnum::SelectStmt(s) => {
                for (name, value, local) in set_config_calls(s) {
                    if !local || in_txn {
                        self.assign(&name, Some(&value), local);
                    }
                }
            }
            NodeEnum::TruncateStmt(s) if in_txn => {
                for rel in &s.relations {
                    if let Some(NodeEnum::RangeVar(rv)) = &rel.node {
                        self.empty(rv, catalog, search_path);
                    }
                }
            }
            NodeEnum::DeleteStmt(s)
                if in_txn && s.where_clause.is_none() && s.using_clause.is_empty() =>
            {
                if let Some(rv) = &s.relation {
                    self.empty(rv, catalog, search_path);
                }
            }
            NodeEnum::ViewStmt(_)
            | NodeEnum::CreateFunctionStmt(_)
            | NodeEnum::CreateTrigStmt(_) => {
                if let Some(old) = replaced_origin(stmt, catalog, search_path) {
                    if old.is_none_or(|o| self.new_in_file(stmt, o)) {
                        self.made_by_replace.push(stmt.span);
                    }
                }
            }
            NodeEnum::AlterEnumStmt(s) if s.old_val.is_empty() && in_txn => {
                if let Some(type_name) = enum_name(s, catalog, search_path) {
                    self.added_labels.push(AddedLabel {
                        type_name,
                        label: s.new_val.clone(),
                        span: stmt.span,
                    });
                }
            }
            _ => {}
        }
        if in_txn {
            self.in_open_transaction.push(stmt.span);
        }
        // Autocommit: the statement was its own transaction.
        if self.open_begin.is_none() && !self.wrapper_open {
            self.end_transaction();
        }
    }

    fn transaction(&mut self, t: &pb::TransactionStmt, span: Span) {
        use pb::TransactionStmtKind as K;
        match K::try_from(t.kind) {
            // BEGIN inside the tool's transaction only warns; the block is
            // still the tool's, so remember the outermost BEGIN.
            Ok(K::TransStmtBegin | K::TransStmtStart) if self.open_begin.is_none() => {
                self.open_begin = Some(span);
            }
            // AND CHAIN begins the next transaction at once: the tool's
            // COMMIT at the end of the file ends it, or the file must.
            Ok(K::TransStmtCommit | K::TransStmtRollback) if t.chain && self.block_open() => {
                self.end_transaction();
                self.open_begin = (!self.wrapper_open).then_some(span);
            }
            Ok(K::TransStmtCommit | K::TransStmtRollback | K::TransStmtCommitPrepared) => {
                self.open_begin = None;
                self.wrapper_open = false;
                self.end_transaction();
            }
            Ok(K::TransStmtPrepare) => {
                self.open_begin = None;
                self.wrapper_open = false;
                self.end_transaction();
            }
            _ => {}
        }
    }

    fn track_constraint_names(&mut self, s: &pb::AlterTableStmt) {
        let Some(rv) = s.relation.as_ref() else {
            return;
        };
        for c in &s.cmds {
            let Some(NodeEnum::AlterTableCmd(cmd)) = &c.node else {
                continue;
            };
            match cmd.subtype() {
                pb::AlterTableType::AtDropConstraint => {
                    self.freed_constraints
                        .insert((rv.relname.clone(), cmd.name.clone()), true);
                }
                pb::AlterTableType::AtAddConstraint => {
                    let Some(NodeEnum::Constraint(con)) =
                        cmd.def.as_deref().and_then(|d| d.node.as_ref())
                    else {
                        continue;
                    };
                    let key = (rv.relname.clone(), con.conname.clone());
                    if let Some(free) = self.freed_constraints.get_mut(&key) {
                        *free = false;
                    }
                }
                _ => {}
            }
        }
    }

    /// Whether an object declared at `origin` was made in the file of
    /// `stmt`, before it: by a plain CREATE, or by a CREATE OR REPLACE
    /// that made it new.
    fn new_in_file(&self, stmt: &Statement, origin: Span) -> bool {
        if origin.file != stmt.span.file || origin.start >= stmt.span.start {
            return false;
        }
        if self.made_by_replace.contains(&origin) {
            return true;
        }
        let text = stmt
            .text
            .get(origin.start as usize..origin.end as usize)
            .unwrap_or("");
        let words: Vec<String> = text
            .split_whitespace()
            .take(3)
            .map(str::to_ascii_lowercase)
            .collect();
        words != ["create", "or", "replace"]
    }

    /// Notes what a DROP or a rename takes away ([`Session::removed_earlier`]).
    fn track_removed(&mut self, stmt: &Statement, catalog: &Catalog, search_path: &[Ident]) {
        let resolve_type = |t: &pb::TypeName| {
            crate::catalog::types::type_name(t, |n| {
                resolve::user_type_schema(catalog, search_path, n)
            })
        };
        let named = |node: &NodeEnum| -> Option<(String, Option<Vec<TypeName>>)> {
            match node {
                NodeEnum::List(l) => Some((ast::split_name(&l.items)?.1, None)),
                NodeEnum::String(s) => Some((s.sval.clone(), None)),
                NodeEnum::TypeName(t) => Some((ast::split_name(&t.names)?.1, None)),
                NodeEnum::ObjectWithArgs(f) => {
                    let args = (!f.args_unspecified).then(|| {
                        f.objargs
                            .iter()
                            .filter_map(|a| match &a.node {
                                Some(NodeEnum::TypeName(t)) => Some(resolve_type(t)),
                                _ => None,
                            })
                            .collect()
                    });
                    Some((ast::split_name(&f.objname)?.1, args))
                }
                _ => None,
            }
        };
        let mut gone = |kind: pb::ObjectType, (name, args): (String, Option<Vec<TypeName>>)| {
            self.removed.push(Removed {
                space: name_space(kind),
                name: Ident::new(name.as_str()),
                args,
            });
        };
        match &stmt.node {
            NodeEnum::DropStmt(s) => {
                for node in s.objects.iter().filter_map(|o| o.node.as_ref()) {
                    if let Some(n) = named(node) {
                        gone(s.remove_type(), n);
                    }
                }
            }
            NodeEnum::RenameStmt(r) => {
                use pb::ObjectType as O;
                let old = match r.rename_type() {
                    O::ObjectTable
                    | O::ObjectView
                    | O::ObjectMatview
                    | O::ObjectSequence
                    | O::ObjectIndex
                    | O::ObjectForeignTable => {
                        r.relation.as_ref().map(|rv| (rv.relname.clone(), None))
                    }
                    // Named by `subname`; a trigger's, policy's or rule's
                    // `relation` is its table.
                    O::ObjectSchema | O::ObjectTrigger | O::ObjectPolicy | O::ObjectRule => {
                        Some((r.subname.clone(), None))
                    }
                    O::ObjectColumn | O::ObjectAttribute | O::ObjectTabconstraint => None,
                    _ => r
                        .object
                        .as_deref()
                        .and_then(|o| o.node.as_ref())
                        .and_then(named),
                };
                if let Some(old) = old {
                    gone(r.rename_type(), old);
                }
            }
            _ => {}
        }
    }

    /// Records the tables whose rows `stmt` changes (see `written`).
    fn track_writes(&mut self, stmt: &Statement, catalog: &Catalog, search_path: &[Ident]) {
        // An applied file's writes are in the database's rows already.
        if self.applied {
            return;
        }
        let mut targets: Vec<&pb::RangeVar> = Vec::new();
        match &stmt.node {
            NodeEnum::InsertStmt(s) => targets.extend(s.relation.as_ref()),
            NodeEnum::UpdateStmt(s) => targets.extend(s.relation.as_ref()),
            NodeEnum::DeleteStmt(s) => targets.extend(s.relation.as_ref()),
            NodeEnum::MergeStmt(s) => targets.extend(s.relation.as_ref()),
            NodeEnum::CopyStmt(s) if s.is_from => targets.extend(s.relation.as_ref()),
            NodeEnum::TruncateStmt(s) => {
                for rel in &s.relations {
                    if let Some(NodeEnum::RangeVar(rv)) = &rel.node {
                        targets.push(rv);
                    }
                }
            }
            NodeEnum::AlterTableStmt(s) => {
                let retypes = s.cmds.iter().any(|c| {
                    matches!(&c.node, Some(NodeEnum::AlterTableCmd(cmd))
                        if cmd.subtype() == pb::AlterTableType::AtAlterColumnType)
                });
                if retypes {
                    targets.extend(s.relation.as_ref());
                }
            }
            NodeEnum::DoStmt(_) | NodeEnum::CallStmt(_) => {
                self.opaque_write.get_or_insert(stmt.span);
            }
            _ => {}
        }
        for rv in targets {
            let schema = (!rv.schemaname.is_empty()).then_some(rv.schemaname.as_str());
            let (Ok(name) | Err(name)) = resolve::table(catalog, search_path, schema, &rv.relname);
            self.written.entry(name).or_insert(stmt.span);
        }
    }

    fn empty(&mut self, rv: &pb::RangeVar, catalog: &Catalog, search_path: &[Ident]) {
        let schema = (!rv.schemaname.is_empty()).then_some(rv.schemaname.as_str());
        if let Ok(name) = resolve::table(catalog, search_path, schema, &rv.relname) {
            self.emptied.push(name);
        }
    }

    fn end_transaction(&mut self) {
        self.added_labels.clear();
        self.in_open_transaction.clear();
        self.emptied.clear();
        self.time_zone.local = None;
        self.lock_timeout.local = None;
        self.statement_timeout.local = None;
    }

    fn set(&mut self, s: &pb::VariableSetStmt, in_txn: bool) {
        use pb::VariableSetKind as K;
        // SET LOCAL outside a transaction block only warns.
        if s.is_local && !in_txn {
            return;
        }
        let local = s.is_local;
        match K::try_from(s.kind) {
            Ok(K::VarSetValue) => {
                let value: Vec<String> = s.args.iter().filter_map(ast::const_text).collect();
                self.assign(&s.name, Some(&value.join(",")), local);
            }
            Ok(K::VarSetDefault | K::VarReset) => self.assign(&s.name, None, local),
            Ok(K::VarResetAll) => {
                self.lock_timeout = Setting::default();
                self.statement_timeout = Setting::default();
                self.time_zone = TextSetting::default();
            }
            _ => {}
        }
    }

    fn assign(&mut self, name: &str, value: Option<&str>, local: bool) {
        if name.eq_ignore_ascii_case("timezone") {
            let value = value.map(str::to_string);
            if local {
                self.time_zone.local = Some(value);
            } else {
                self.time_zone = TextSetting {
                    session: value,
                    local: None,
                };
            }
            return;
        }
        let setting = match name.to_ascii_lowercase().as_str() {
            "lock_timeout" => &mut self.lock_timeout,
            "statement_timeout" => &mut self.statement_timeout,
            _ => return,
        };
        // 0 switches the timeout off, as does the default (off unless the
        // role or database sets one, which a migration cannot rely on).
        let on = value.is_some_and(|v| !is_zero_duration(v));
        if local {
            setting.local = Some(on);
        } else {
            setting.session = on;
            setting.local = None;
        }
    }
}

/// Whether ALTER TABLE `s` succeeds only on an empty table: one of its
/// commands adds a required column that nothing fills ([`requires_empty`]).
/// It then reads no rows, and the table is empty after it.
pub fn succeeds_only_on_empty(
    s: &pb::AlterTableStmt,
    catalog: &Catalog,
    search_path: &[Ident],
) -> bool {
    s.cmds
        .iter()
        .any(|c| requires_empty(c, s, catalog, search_path))
}

/// Whether this ALTER TABLE command succeeds only on an empty table: ADD
/// COLUMN of a NOT NULL (or primary key) column that nothing fills, that is
/// without a default, identity or generation expression, of a built-in type
/// that is not serial (a domain may bring a default). PostgreSQL fails it
/// with "column ... contains null values" when the table has a row.
fn requires_empty(
    cmd: &pg_query::protobuf::Node,
    s: &pb::AlterTableStmt,
    catalog: &Catalog,
    search_path: &[Ident],
) -> bool {
    use pb::ConstrType as C;
    let Some(NodeEnum::AlterTableCmd(cmd)) = &cmd.node else {
        return false;
    };
    if cmd.subtype() != pb::AlterTableType::AtAddColumn {
        return false;
    }
    let Some(NodeEnum::ColumnDef(col)) = cmd.def.as_deref().and_then(|d| d.node.as_ref()) else {
        return false;
    };
    let constraints: Vec<C> = col
        .constraints
        .iter()
        .filter_map(|c| match &c.node {
            Some(NodeEnum::Constraint(k)) => Some(k.contype()),
            _ => None,
        })
        .collect();
    let not_null = col.is_not_null
        || constraints
            .iter()
            .any(|k| matches!(k, C::ConstrNotnull | C::ConstrPrimary));
    let filled = col.raw_default.is_some()
        || !col.identity.is_empty()
        || !col.generated.is_empty()
        || constraints
            .iter()
            .any(|k| matches!(k, C::ConstrDefault | C::ConstrIdentity | C::ConstrGenerated));
    let Some(type_name) = col.type_name.as_ref() else {
        return false;
    };
    let names = ast::strings(&type_name.names);
    let builtin = match names.as_slice() {
        [name] => {
            crate::catalog::types::builtin(name).is_some()
                && !crate::catalog::types::is_serial(name)
        }
        [schema, name] => schema == "pg_catalog" && crate::catalog::types::builtin(name).is_some(),
        _ => false,
    };
    // ADD COLUMN IF NOT EXISTS of a column the table has already does nothing.
    let exists = cmd.missing_ok && {
        let rel = s.relation.as_ref();
        let schema = rel.and_then(|r| (!r.schemaname.is_empty()).then_some(r.schemaname.as_str()));
        rel.and_then(|r| resolve::table(catalog, search_path, schema, &r.relname).ok())
            .and_then(|name| catalog.tables.get(&name))
            .is_none_or(|t| t.columns.iter().any(|c| c.name.as_str() == col.colname))
    };
    not_null && !filled && builtin && !exists
}

/// `0`, `'0'`, `0s`, `0ms`: no timeout.
fn is_zero_duration(value: &str) -> bool {
    let v = value.trim().trim_matches('\'');
    let digits = v.trim_end_matches(|c: char| c.is_ascii_alphabetic()).trim();
    !digits.is_empty() && digits.chars().all(|c| c == '0' || c == '.')
}

/// Statements the Supabase CLI runs outside its per-file transaction
/// because PostgreSQL refuses them inside one.
fn runs_outside_transaction(node: &NodeEnum) -> bool {
    match node {
        NodeEnum::IndexStmt(s) => s.concurrent,
        NodeEnum::DropStmt(s) => s.concurrent,
        NodeEnum::ReindexStmt(s) => ast::def_elems(&s.params).any(|d| {
            d.defname == "concurrently" && ast::def_arg_text(d).as_deref() != Some("false")
        }),
        NodeEnum::VacuumStmt(_) | NodeEnum::ClusterStmt(_) | NodeEnum::AlterSystemStmt(_) => true,
        _ => false,
    }
}

/// `select set_config('lock_timeout', '5s', true)`: (name, value, is_local).
fn set_config_calls(s: &pb::SelectStmt) -> Vec<(String, String, bool)> {
    let mut out = Vec::new();
    for target in &s.target_list {
        let Some(NodeEnum::ResTarget(rt)) = &target.node else {
            continue;
        };
        let Some(NodeEnum::FuncCall(call)) = rt.val.as_deref().and_then(|v| v.node.as_ref()) else {
            continue;
        };
        let name = ast::strings(&call.funcname);
        if name.last().map(String::as_str) != Some("set_config") {
            continue;
        }
        let args: Vec<Option<String>> = call.args.iter().map(ast::const_text).collect();
        if let [Some(setting), Some(value), Some(local)] = args.as_slice() {
            out.push((setting.clone(), value.clone(), local == "true"));
        }
    }
    out
}

/// The kind whose names an object's name can clash with: relations share
/// one name space (a DROP VIEW IF EXISTS after a DROP TABLE of the name
/// finds nothing), as do routines (DROP ROUTINE drops a function) and
/// types (DROP TYPE drops a domain).
fn name_space(kind: pb::ObjectType) -> pb::ObjectType {
    use pb::ObjectType as O;
    match kind {
        O::ObjectView
        | O::ObjectMatview
        | O::ObjectSequence
        | O::ObjectIndex
        | O::ObjectForeignTable => O::ObjectTable,
        O::ObjectProcedure | O::ObjectAggregate | O::ObjectRoutine => O::ObjectFunction,
        O::ObjectDomain => O::ObjectType,
        other => other,
    }
}

/// For a CREATE OR REPLACE of a view, function, procedure or trigger: the
/// span of the object it replaces (`Some(None)`: none exists, or it came
/// from outside the migrations, so it is made now); `None` for any other
/// statement.
fn replaced_origin(
    stmt: &Statement,
    catalog: &Catalog,
    search_path: &[Ident],
) -> Option<Option<Span>> {
    use crate::catalog::Origin;
    let existing: Option<&Origin> = match &stmt.node {
        NodeEnum::ViewStmt(v) if v.replace => {
            let rv = v.view.as_ref()?;
            let (schema, name) = ast::range_var_name(rv);
            // OR REPLACE looks where CREATE would make it.
            let qn = resolve::for_create(catalog, search_path, schema.as_deref(), &name);
            catalog.views.get(&qn).map(|view| &view.origin)
        }
        NodeEnum::CreateFunctionStmt(f) if f.replace => {
            let (schema, name) = ast::split_name(&f.funcname)?;
            let qn = resolve::for_create(catalog, search_path, schema.as_deref(), &name);
            let args: Vec<crate::catalog::TypeName> = f
                .parameters
                .iter()
                .filter_map(|p| match &p.node {
                    Some(NodeEnum::FunctionParameter(p))
                        if matches!(
                            p.mode(),
                            pb::FunctionParameterMode::FuncParamIn
                                | pb::FunctionParameterMode::FuncParamInout
                                | pb::FunctionParameterMode::FuncParamVariadic
                                | pb::FunctionParameterMode::FuncParamDefault
                        ) =>
                    {
                        p.arg_type.as_ref().map(|t| {
                            crate::catalog::types::type_name(t, |n| {
                                resolve::user_type_schema(catalog, search_path, n)
                            })
                        })
                    }
                    _ => None,
                })
                .collect();
            catalog
                .functions
                .get(&qn)
                .and_then(|overloads| overloads.iter().find(|o| o.has_signature(&args)))
                .map(|o| &o.origin)
        }
        NodeEnum::CreateTrigStmt(t) if t.replace => {
            let rv = t.relation.as_ref()?;
            let (schema, name) = ast::range_var_name(rv);
            let qn = resolve::table(catalog, search_path, schema.as_deref(), &name).ok()?;
            let trigger = Ident::new(t.trigname.as_str());
            catalog
                .table(&qn)?
                .triggers
                .iter()
                .find(|tr| tr.name == trigger)
                .map(|tr| &tr.origin)
        }
        _ => return None,
    };
    match existing {
        None => Some(None),
        Some(origin) => origin.span().map(Some),
    }
}

fn enum_name(
    s: &pb::AlterEnumStmt,
    catalog: &Catalog,
    search_path: &[Ident],
) -> Option<QualifiedName> {
    let (schema, name) = ast::split_name(&s.type_name)?;
    let schema = match schema {
        Some(s) => Ident::new(s),
        None => resolve::user_type_schema(catalog, search_path, &name)?,
    };
    Some(QualifiedName::new(schema, Ident::new(name)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{baseline, FileId};
    use crate::replay::Replayer;
    use crate::sql::split::parse_file;

    /// (in_transaction, lock_timeout, statement_timeout, labels) before each statement.
    fn trace(
        platform: Platform,
        mode: TransactionMode,
        sql: &str,
    ) -> Vec<(bool, bool, bool, usize)> {
        let (stmts, errors) = parse_file(FileId(0), sql);
        assert!(errors.is_empty(), "{errors:?}");
        let mut replayer = Replayer::new(baseline::catalog(platform));
        let mut session = Session::new(platform, mode);
        stmts
            .iter()
            .map(|s| {
                let before = (
                    session.in_transaction(&s.node),
                    session.lock_timeout_set(),
                    session.statement_timeout_set(),
                    session.added_labels().len(),
                );
                session.apply(s, &replayer.catalog, &replayer.search_path);
                replayer.apply(s);
                before
            })
            .collect()
    }

    #[test]
    fn explicit_begin_commit_in_autocommit_mode() {
        let t = trace(
            Platform::Postgres,
            TransactionMode::None,
            "select 1; begin; select 2; commit; select 3;",
        );
        let in_txn: Vec<bool> = t.iter().map(|x| x.0).collect();
        assert_eq!(in_txn, [false, false, true, true, false]);
    }

    #[test]
    fn per_file_wraps_everything_but_supabase_concurrent_statements() {
        let sql =
            "create table t (id int); create index concurrently i on t (id); vacuum t; select 1;";
        let supa = trace(Platform::Supabase, TransactionMode::PerFile, sql);
        assert_eq!(
            supa.iter().map(|x| x.0).collect::<Vec<_>>(),
            [true, false, false, true]
        );
        let plain = trace(Platform::Postgres, TransactionMode::PerFile, sql);
        assert_eq!(
            plain.iter().map(|x| x.0).collect::<Vec<_>>(),
            [true, true, true, true]
        );
    }

    #[test]
    fn a_statement_the_cli_runs_outside_keeps_the_file_transaction_open() {
        let t = trace(
            Platform::Supabase,
            TransactionMode::PerFile,
            "create type mood as enum ('ok');
             alter type mood add value 'meh';
             create index concurrently i on pg_catalog.pg_class (oid);
             select 1;",
        );
        assert_eq!(t.iter().map(|x| x.3).collect::<Vec<_>>(), [0, 0, 1, 1]);
    }

    #[test]
    fn timeouts_set_local_and_session_and_set_config() {
        let t = trace(
            Platform::Postgres,
            TransactionMode::None,
            "set lock_timeout = '2s';
             begin;
             set local statement_timeout = '5min';
             select 1;
             commit;
             select 2;
             select set_config('statement_timeout', '1s', false);
             set lock_timeout = 0;
             select 3;",
        );
        let lt: Vec<bool> = t.iter().map(|x| x.1).collect();
        let st: Vec<bool> = t.iter().map(|x| x.2).collect();
        assert_eq!(lt, [false, true, true, true, true, true, true, true, false]);
        assert_eq!(
            st,
            [false, false, false, true, true, false, false, true, true]
        );
    }

    #[test]
    fn set_local_outside_a_transaction_has_no_effect() {
        let t = trace(
            Platform::Postgres,
            TransactionMode::None,
            "set local lock_timeout = '1s'; select 1;",
        );
        assert!(!t[1].1);
    }

    #[test]
    fn added_enum_labels_live_until_the_transaction_ends() {
        let t = trace(
            Platform::Postgres,
            TransactionMode::None,
            "create type mood as enum ('ok');
             alter type mood add value 'meh';
             select 1;
             begin;
             alter type mood add value 'sad';
             select 2;
             commit;
             select 3;",
        );
        let labels: Vec<usize> = t.iter().map(|x| x.3).collect();
        assert_eq!(labels, [0, 0, 0, 0, 0, 1, 1, 0]);
    }

    /// The session and model after `sql`, one file replayed as the lint
    /// loop does ([`Session::step`], with the file's outline).
    fn stepped(platform: Platform, mode: TransactionMode, sql: &str) -> (Session, Replayer) {
        stepped_first(platform, mode, sql, usize::MAX)
    }

    /// As [`stepped`], after the first `n` statements of the file only.
    fn stepped_first(
        platform: Platform,
        mode: TransactionMode,
        sql: &str,
        n: usize,
    ) -> (Session, Replayer) {
        let (stmts, errors) = parse_file(FileId(0), sql);
        assert!(errors.is_empty(), "{errors:?}");
        let text: Arc<str> = sql.into();
        let ranges = split::split_file(FileId(0), &text).unwrap();
        let mut replayer = Replayer::new(baseline::catalog(platform));
        let mut session = Session::new(platform, mode);
        session.start_file(
            stmts.len(),
            super::super::runner::Runner::Plain.file_run(platform, mode),
        );
        session.set_outline(FileOutline::read(FileId(0), &text, &ranges));
        replayer.start_file();
        for s in stmts.iter().take(n) {
            session.step(&mut replayer, s);
        }
        (session, replayer)
    }

    fn has_table(r: &Replayer, name: &str) -> bool {
        r.catalog
            .table(&QualifiedName::new("public", name))
            .is_some()
    }

    #[test]
    fn rollback_returns_the_model_and_settings_to_the_begin() {
        let (session, r) = stepped(
            Platform::Postgres,
            TransactionMode::None,
            "create table keep (id int);
             create type mood as enum ('ok');
             begin;
             create table coupons (code text);
             alter table keep add column extra int;
             alter type mood add value 'meh';
             set lock_timeout = '1s';
             set search_path = nowhere;
             rollback;
             create table after (id int);",
        );
        assert!(!has_table(&r, "coupons"));
        assert!(has_table(&r, "after"), "the search_path is back to public");
        let keep = r
            .catalog
            .table(&QualifiedName::new("public", "keep"))
            .unwrap();
        assert_eq!(keep.columns.len(), 1);
        let mood = &r.catalog.types[&QualifiedName::new("public", "mood")];
        assert!(
            matches!(&mood.kind, crate::catalog::TypeKind::Enum { labels } if labels == &["ok"])
        );
        assert!(!session.lock_timeout_set());
        // With no transaction open, ROLLBACK only warns.
        let (_, r) = stepped(
            Platform::Postgres,
            TransactionMode::None,
            "create table a (id int); rollback; begin; commit; rollback;",
        );
        assert!(has_table(&r, "a"));
        // ABORT is ROLLBACK.
        let (_, r) = stepped(
            Platform::Postgres,
            TransactionMode::None,
            "begin; create table gone (id int); abort;",
        );
        assert!(!has_table(&r, "gone"));
    }

    #[test]
    fn rollback_to_savepoint_returns_to_the_savepoint() {
        let (session, r) = stepped(
            Platform::Postgres,
            TransactionMode::None,
            "begin;
             create table a (id int);
             savepoint one;
             create table b (id int);
             set local statement_timeout = '5s';
             savepoint two;
             create table c (id int);
             rollback to savepoint one;
             create table d (id int);
             savepoint three;
             create table e (id int);
             release savepoint three;
             commit;",
        );
        let tables: Vec<bool> = ["a", "b", "c", "d", "e"]
            .iter()
            .map(|t| has_table(&r, t))
            .collect();
        assert_eq!(tables, [true, false, false, true, true]);
        assert!(!session.statement_timeout_set());
        // The savepoint stays after ROLLBACK TO; RELEASE keeps what was done.
        let (_, r) = stepped(
            Platform::Postgres,
            TransactionMode::None,
            "begin;
             savepoint s;
             create table a (id int);
             rollback to s;
             create table b (id int);
             rollback to s;
             savepoint t;
             create table c (id int);
             release t;
             commit;",
        );
        let tables: Vec<bool> = ["a", "b", "c"].iter().map(|t| has_table(&r, t)).collect();
        assert_eq!(tables, [false, false, true]);
    }

    #[test]
    fn rollback_in_the_tools_transaction_returns_to_the_start_of_the_file() {
        let (_, r) = stepped(
            Platform::Supabase,
            TransactionMode::PerFile,
            "create table a (id int); begin; create table b (id int); rollback; create table c (id int);",
        );
        let tables: Vec<bool> = ["a", "b", "c"].iter().map(|t| has_table(&r, t)).collect();
        assert_eq!(tables, [false, false, true]);
    }

    #[test]
    fn chained_transactions_commit_and_roll_back_in_turn() {
        let sql = "begin;
             create table t (id int);
             commit and chain;
             create table u (id int);
             rollback and chain;
             select 1;
             commit;
             select 2;";
        let (_, r) = stepped(Platform::Postgres, TransactionMode::None, sql);
        assert!(has_table(&r, "t") && !has_table(&r, "u"));
        // AND CHAIN opens the next transaction at once.
        let in_txn: Vec<bool> = trace(Platform::Postgres, TransactionMode::None, sql)
            .iter()
            .map(|x| x.0)
            .collect();
        assert_eq!(in_txn, [false, true, true, true, true, true, true, false]);
    }

    #[test]
    fn only_a_file_that_rolls_back_keeps_a_copy_of_the_model() {
        let (session, _) = stepped(
            Platform::Postgres,
            TransactionMode::None,
            "begin; create table a (id int);",
        );
        assert!(session.undo.begin.is_none());
        let (session, _) = stepped(
            Platform::Postgres,
            TransactionMode::None,
            "begin; create table a (id int); -- rollback is only a comment here\n",
        );
        assert!(session.undo.begin.is_none());
        // Nor a transaction that commits, in a file that rolls another back.
        let sql = "begin; create table a (id int); commit; begin; create table b (id int); savepoint s; select 1; rollback;";
        let (session, _) = stepped_first(Platform::Postgres, TransactionMode::None, sql, 2);
        assert!(session.undo.begin.is_none());
        let (session, _) = stepped_first(Platform::Postgres, TransactionMode::None, sql, 7);
        assert!(session.undo.begin.is_some());
        assert!(session.undo.savepoints.is_empty(), "no ROLLBACK TO uses it");
    }

    #[test]
    fn outline_finds_where_transactions_end() {
        let sql = "begin;\ncreate table a (id int);\nCOMMIT;\nbegin;\nrollback to savepoint s;\nend;\nprepare stmt as select 2;\ncommit prepared 'x';\nselect 1;";
        let text: Arc<str> = sql.into();
        let ranges = split::split_file(FileId(0), &text).unwrap();
        let outline = FileOutline::read(FileId(0), &text, &ranges);
        let at = |needle: &str| u32::try_from(sql.find(needle).unwrap()).unwrap();
        assert_eq!(outline.ends, [(at("COMMIT"), true), (at("end;"), true)]);
        assert_eq!(outline.last, at("select 1"));
        assert!(outline.rolls_back);
    }

    #[test]
    fn zero_durations() {
        for v in ["0", "'0'", "0s", "0ms", "0.0"] {
            assert!(is_zero_duration(v), "{v}");
        }
        for v in ["1s", "'500ms'", "10"] {
            assert!(!is_zero_duration(v), "{v}");
        }
    }

    #[test]
    fn or_replace_that_replaces_nothing_older_makes_the_object() {
        // Two files: the first makes f(int); the second replaces it, makes
        // g() with OR REPLACE, replaces g() again, and makes f(bigint).
        let first = "create function public.f(n int) returns int language sql as $$ select n $$;";
        let second = "create or replace function public.f(n integer) returns int language sql as $$ select 2 $$;
             create or replace function public.g() returns int language sql as $$ select 1 $$;
             create or replace function public.g() returns int language sql as $$ select 2 $$;
             create or replace function public.f(n bigint) returns bigint language sql as $$ select n $$;";
        let mut replayer = Replayer::new(baseline::catalog(Platform::Supabase));
        let mut session = Session::new(Platform::Supabase, TransactionMode::PerFile);
        let mut made = Vec::new();
        for (id, sql) in [(0, first), (1, second)] {
            let (stmts, errors) = parse_file(FileId(id), sql);
            assert!(errors.is_empty(), "{errors:?}");
            session.start_file(
                stmts.len(),
                super::super::runner::Runner::Plain
                    .file_run(Platform::Supabase, TransactionMode::PerFile),
            );
            replayer.start_file();
            for s in &stmts {
                session.apply(s, &replayer.catalog, &replayer.search_path);
                replayer.apply(s);
                made.push(session.made_by_replace_in_file(s.span));
            }
        }
        assert_eq!(made, [false, false, true, true, true]);
    }
}
