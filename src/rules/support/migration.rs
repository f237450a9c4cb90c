//! Readers over migration statements that several migration-safety rules share.

use pg_query::protobuf as pb;
use pg_query::NodeEnum;

/// The `ALTER TABLE` statement a rule is checking, with the table it alters
/// and that table's history.
pub fn altered_table<'a>(
    cx: &crate::rules::StmtCtx<'a>,
) -> Option<(&'a pb::AlterTableStmt, crate::rules::TableRef)> {
    let stmt = cx.stmt;
    let NodeEnum::AlterTableStmt(s) = &stmt.node else {
        return None;
    };
    let rv = s.relation.as_ref()?;
    Some((s, cx.table(rv)))
}

/// `ALTER TABLE` proper: not a foreign table, view or index, whose rows are
/// not rewritten or scanned the same way.
pub fn is_plain_table(s: &pb::AlterTableStmt) -> bool {
    s.objtype() == pb::ObjectType::ObjectTable
}

/// The subcommands of `ALTER TABLE`.
pub fn alter_table_cmds(s: &pb::AlterTableStmt) -> impl Iterator<Item = &pb::AlterTableCmd> {
    s.cmds.iter().filter_map(|c| match &c.node {
        Some(NodeEnum::AlterTableCmd(cmd)) => Some(cmd.as_ref()),
        _ => None,
    })
}

/// The column an `ADD COLUMN` subcommand adds.
pub fn added_column(cmd: &pb::AlterTableCmd) -> Option<&pb::ColumnDef> {
    if cmd.subtype() != pb::AlterTableType::AtAddColumn {
        return None;
    }
    match cmd.def.as_deref().and_then(|d| d.node.as_ref()) {
        Some(NodeEnum::ColumnDef(c)) => Some(c.as_ref()),
        _ => None,
    }
}

/// The constraint an `ADD CONSTRAINT` subcommand adds.
pub fn added_constraint(cmd: &pb::AlterTableCmd) -> Option<&pb::Constraint> {
    if cmd.subtype() != pb::AlterTableType::AtAddConstraint {
        return None;
    }
    match cmd.def.as_deref().and_then(|d| d.node.as_ref()) {
        Some(NodeEnum::Constraint(c)) => Some(c.as_ref()),
        _ => None,
    }
}

/// The constraints of one kind that an `ALTER TABLE` subcommand adds: an
/// `ADD CONSTRAINT` that `is_kind` and `table_form_counts` accept, or those
/// `is_kind` accepts on an `ADD COLUMN`. Each comes with the words a message
/// uses for it, built on `noun`: `a foreign key`, ``foreign key `fk` ``,
/// ``column `c` with a foreign key``.
pub fn added_constraints_of<'c>(
    cmd: &'c pb::AlterTableCmd,
    noun: &str,
    is_kind: impl Fn(&pb::Constraint) -> bool,
    table_form_counts: impl Fn(&pb::Constraint) -> bool,
) -> Vec<(&'c pb::Constraint, String)> {
    use crate::catalog::Ident;
    if let Some(c) = added_constraint(cmd) {
        if !is_kind(c) || !table_form_counts(c) {
            return Vec::new();
        }
        let what = if c.conname.is_empty() {
            format!("a {noun}")
        } else {
            format!("{noun} `{}`", Ident::new(c.conname.as_str()))
        };
        return vec![(c, what)];
    }
    let Some(col) = added_column(cmd) else {
        return Vec::new();
    };
    column_constraints(col)
        .filter(|c| is_kind(c))
        .map(|c| {
            let what = format!(
                "column `{}` with a {noun}",
                Ident::new(col.colname.as_str())
            );
            (c, what)
        })
        .collect()
}

/// The constraints written on a column (`NOT NULL`, `DEFAULT`, `REFERENCES`, ...).
pub fn column_constraints(col: &pb::ColumnDef) -> impl Iterator<Item = &pb::Constraint> {
    col.constraints.iter().filter_map(|c| match &c.node {
        Some(NodeEnum::Constraint(k)) => Some(k.as_ref()),
        _ => None,
    })
}

/// The lowercased last part of a written type name (`pg_catalog.varchar` -> `varchar`).
pub fn type_base_name(t: &pb::TypeName) -> String {
    t.names
        .iter()
        .rev()
        .find_map(|n| match &n.node {
            Some(NodeEnum::String(s)) => Some(s.sval.to_ascii_lowercase()),
            _ => None,
        })
        .unwrap_or_default()
}

/// The table or materialized view that owns index `name`, found as PostgreSQL
/// finds it: an index lives in its table's schema, so a qualified name looks
/// there and an unqualified one walks pg_catalog and then the search_path.
pub fn index_owner(
    catalog: &crate::catalog::Catalog,
    search_path: &[crate::catalog::Ident],
    schema: Option<&str>,
    name: &str,
) -> Option<crate::catalog::QualifiedName> {
    use crate::catalog::{Ident, Index};
    let has = |indexes: &[Index]| indexes.iter().any(|ix| ix.name.as_str() == name);
    let in_schema = |s: &Ident| {
        catalog
            .tables
            .values()
            .find(|t| &t.name.schema == s && has(&t.indexes))
            .map(|t| t.name.clone())
            .or_else(|| {
                catalog
                    .views
                    .values()
                    .find(|v| &v.name.schema == s && has(&v.indexes))
                    .map(|v| v.name.clone())
            })
    };
    let pg_catalog = Ident::new("pg_catalog");
    match schema {
        Some(s) => in_schema(&Ident::new(s)),
        None => std::iter::once(&pg_catalog)
            .chain(search_path)
            .find_map(in_schema),
    }
}

/// A column type a statement writes: a column of `CREATE TABLE`, of
/// `ALTER TABLE ... ADD COLUMN`, or the new type of `ALTER COLUMN ... TYPE`.
pub struct TypedColumn<'a> {
    pub table: &'a pb::RangeVar,
    pub name: &'a str,
    pub type_name: &'a pb::TypeName,
    /// The column definition; for `ALTER COLUMN ... TYPE` it carries only the type.
    pub def: &'a pb::ColumnDef,
    /// `ALTER COLUMN ... TYPE`: the column exists already.
    pub retyped: bool,
}

impl TypedColumn<'_> {
    /// Where a finding about the column points: its definition, else its type.
    pub fn location(&self) -> i32 {
        if self.def.location >= 0 {
            self.def.location
        } else {
            self.type_name.location
        }
    }
}

/// The column types `node` writes, in statement order.
pub fn typed_columns(node: &NodeEnum) -> Vec<TypedColumn<'_>> {
    let mut out = Vec::new();
    match node {
        NodeEnum::CreateStmt(s) => {
            let Some(table) = s.relation.as_ref() else {
                return out;
            };
            for elt in &s.table_elts {
                let Some(NodeEnum::ColumnDef(c)) = &elt.node else {
                    continue;
                };
                // PARTITION OF and OF type columns carry no type of their own.
                if let Some(type_name) = c.type_name.as_ref() {
                    out.push(TypedColumn {
                        table,
                        name: &c.colname,
                        type_name,
                        def: c,
                        retyped: false,
                    });
                }
            }
        }
        NodeEnum::AlterTableStmt(s) => {
            let Some(table) = s.relation.as_ref() else {
                return out;
            };
            for cmd in alter_table_cmds(s) {
                let retyped = cmd.subtype() == pb::AlterTableType::AtAlterColumnType;
                let def = if retyped {
                    match cmd.def.as_deref().and_then(|d| d.node.as_ref()) {
                        Some(NodeEnum::ColumnDef(c)) => Some(c.as_ref()),
                        _ => None,
                    }
                } else {
                    added_column(cmd)
                };
                let Some(def) = def else { continue };
                let Some(type_name) = def.type_name.as_ref() else {
                    continue;
                };
                out.push(TypedColumn {
                    table,
                    name: if retyped { &cmd.name } else { &def.colname },
                    type_name,
                    def,
                    retyped,
                });
            }
        }
        _ => {}
    }
    out
}

/// The pg_catalog name a written type stands for, as the parser leaves it:
/// `integer` -> `int4`, `character varying(20)` -> `varchar`, `serial` ->
/// `serial`, `"char"` -> `char` (the one-byte type, not `bpchar`). `None`
/// for a type qualified with another schema or written as `%TYPE`.
pub fn catalog_type_name(t: &pb::TypeName) -> Option<&str> {
    if t.pct_type {
        return None;
    }
    let names: Vec<&str> = t
        .names
        .iter()
        .filter_map(|n| match &n.node {
            Some(NodeEnum::String(s)) => Some(s.sval.as_str()),
            _ => None,
        })
        .collect();
    match names.as_slice() {
        [name] | ["pg_catalog", name] => Some(name),
        _ => None,
    }
}

/// A `nextval(...)` call, possibly cast: a default that draws from a sequence.
pub fn is_nextval(node: &pb::Node) -> bool {
    match &node.node {
        Some(NodeEnum::TypeCast(c)) => c.arg.as_deref().is_some_and(is_nextval),
        Some(NodeEnum::FuncCall(f)) => f
            .funcname
            .last()
            .is_some_and(|n| matches!(&n.node, Some(NodeEnum::String(s)) if s.sval == "nextval")),
        _ => false,
    }
}

/// Whether a column already in the catalog takes its values from a sequence:
/// identity, `DEFAULT nextval(...)`, or serial (replay records a serial
/// column as its integer type plus the `<table>_<column>_seq` it creates).
pub fn is_counter_column(
    catalog: &crate::catalog::Catalog,
    table: &crate::catalog::QualifiedName,
    column: &crate::catalog::Column,
) -> bool {
    let serial_seq = crate::catalog::QualifiedName::new(
        table.schema.clone(),
        crate::catalog::Ident::new(format!(
            "{}_{}_seq",
            table.name.as_str(),
            column.name.as_str()
        )),
    );
    column.identity
        || column
            .default
            .as_ref()
            .is_some_and(|d| is_nextval(&d.node()))
        || catalog.sequences.contains_key(&serial_seq)
}

/// A 32- or 16-bit integer type, as the prefer-bigint rules look for it.
pub struct IntWidth {
    /// The pg_catalog name: `int4`, `int2`.
    pub internal: &'static str,
    /// The serial spellings that declare it: `serial`, `serial4`.
    pub serials: &'static [&'static str],
    /// The largest value, as messages print it.
    pub max: &'static str,
}

/// `options.prefer-bigint-over-int` / `-smallint` in pgvet.yaml.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct IntOptions {
    columns: IntColumns,
}

/// Which narrow integer columns fire: counters and their references, or all (squawk).
#[derive(serde::Deserialize, Default, PartialEq)]
#[serde(rename_all = "lowercase")]
enum IntColumns {
    #[default]
    Counters,
    All,
}

/// Reports the narrow integer columns of `width` that the statement
/// declares: counters and columns referencing them, or every one with
/// `columns: all`. The body of the two prefer-bigint rules.
pub fn report_narrow_int_columns(cx: &mut crate::rules::StmtCtx<'_>, width: &IntWidth) {
    let all = cx.options::<IntOptions>().columns == IntColumns::All;
    let max = width.max;
    for found in narrow_int_columns(cx, width) {
        let col = found.column.name;
        let written = &found.written;
        let message = match &found.usage {
            IntUse::Counter => format!(
                "column `{col}` is `{written}` and filled from a sequence, so inserts fail once it passes {max}"
            ),
            IntUse::References(table, key) => format!(
                "column `{col}` is `{written}` but references `{table}.{key}`, which is filled from a sequence, so it cannot hold ids past {max}"
            ),
            IntUse::Plain if all => format!("column `{col}` is `{written}`, which stops at {max}"),
            IntUse::Plain => continue,
        };
        let table = cx.table(found.column.table).name;
        let span = Some(cx.stmt.span_at(found.column.location()));
        cx.report(&table, span, message);
    }
}

/// Where a narrow integer column's values come from.
#[derive(Debug, Clone, PartialEq)]
pub enum IntUse {
    /// A serial column, or a primary-key or unique column filled by identity
    /// or `nextval()`: a counter that runs out.
    Counter,
    /// A foreign key to such a counter: (referenced table, column).
    References(crate::catalog::QualifiedName, crate::catalog::Ident),
    /// Anything else: a count, an amount, a code.
    Plain,
}

/// A column the statement declares (or retypes) as a narrow integer.
pub struct NarrowInt<'a> {
    pub column: TypedColumn<'a>,
    /// The type as written, for messages: `serial4`, `integer`.
    pub written: String,
    pub usage: IntUse,
}

/// The columns of this statement typed as `width` (or its serials), and
/// whether each is a counter, a reference to one, or plain.
pub fn narrow_int_columns<'a>(
    cx: &crate::rules::StmtCtx<'a>,
    width: &IntWidth,
) -> Vec<NarrowInt<'a>> {
    let node: &'a NodeEnum = &cx.stmt.node;
    let mut out = Vec::new();
    // Once per statement: per column, a CREATE TABLE of 40,000 columns was quadratic.
    let table_level = statement_constraints(node);
    for column in typed_columns(node) {
        let Some(name) = catalog_type_name(column.type_name) else {
            continue;
        };
        // PostgreSQL expands serial only in a column definition, not in ALTER COLUMN TYPE.
        let serial = !column.retyped && width.serials.contains(&name);
        if !serial && name != width.internal {
            continue;
        }
        let usage = if !column.type_name.array_bounds.is_empty() {
            IntUse::Plain
        } else if serial {
            IntUse::Counter
        } else if column.retyped {
            existing_int_use(cx, &column)
        } else {
            new_int_use(cx, node, &table_level, &column)
        };
        let written = if serial {
            name.to_string()
        } else if width.internal == "int2" {
            "smallint".to_string()
        } else {
            "integer".to_string()
        };
        out.push(NarrowInt {
            column,
            written,
            usage,
        });
    }
    out
}

/// The table constraints written in the same statement as a column:
/// CREATE TABLE's constraint list, or ALTER TABLE's ADD CONSTRAINTs.
fn statement_constraints(node: &NodeEnum) -> Vec<&pb::Constraint> {
    match node {
        NodeEnum::CreateStmt(s) => s
            .table_elts
            .iter()
            .filter_map(|e| match &e.node {
                Some(NodeEnum::Constraint(c)) => Some(c.as_ref()),
                _ => None,
            })
            .collect(),
        NodeEnum::AlterTableStmt(s) => alter_table_cmds(s).filter_map(added_constraint).collect(),
        _ => Vec::new(),
    }
}

fn name_list(list: &[pb::Node]) -> Vec<&str> {
    list.iter()
        .filter_map(|n| match &n.node {
            Some(NodeEnum::String(s)) => Some(s.sval.as_str()),
            _ => None,
        })
        .collect()
}

fn is_key_constraint(c: &pb::Constraint) -> bool {
    matches!(
        c.contype(),
        pb::ConstrType::ConstrPrimary | pb::ConstrType::ConstrUnique
    )
}

/// A column definition filled from a sequence: serial, identity or `DEFAULT nextval(...)`.
fn fills_from_sequence(def: &pb::ColumnDef) -> bool {
    let serial = def
        .type_name
        .as_ref()
        .and_then(catalog_type_name)
        .is_some_and(crate::catalog::types::is_serial);
    serial
        || def.raw_default.as_deref().is_some_and(is_nextval)
        || column_constraints(def).any(|c| match c.contype() {
            pb::ConstrType::ConstrIdentity => true,
            pb::ConstrType::ConstrDefault => c.raw_expr.as_deref().is_some_and(is_nextval),
            _ => false,
        })
}

fn new_int_use(
    cx: &crate::rules::StmtCtx<'_>,
    node: &NodeEnum,
    table_level: &[&pb::Constraint],
    column: &TypedColumn<'_>,
) -> IntUse {
    let keyed = column_constraints(column.def).any(is_key_constraint)
        || table_level
            .iter()
            .any(|c| is_key_constraint(c) && name_list(&c.keys).contains(&column.name));
    if keyed && fills_from_sequence(column.def) {
        return IntUse::Counter;
    }
    // (referenced table, referenced column if named, position in the key)
    let mut references = Vec::new();
    for c in column_constraints(column.def) {
        if c.contype() == pb::ConstrType::ConstrForeign {
            if let Some(rv) = c.pktable.as_ref() {
                references.push((rv, name_list(&c.pk_attrs).first().copied(), 0));
            }
        }
    }
    for c in table_level {
        if c.contype() != pb::ConstrType::ConstrForeign {
            continue;
        }
        let Some(rv) = c.pktable.as_ref() else {
            continue;
        };
        if let Some(pos) = name_list(&c.fk_attrs)
            .iter()
            .position(|n| *n == column.name)
        {
            references.push((rv, name_list(&c.pk_attrs).get(pos).copied(), pos));
        }
    }
    let this = cx.table(column.table).name;
    for (rv, ref_column, pos) in references {
        let parent = cx.table(rv).name;
        let hit = if parent == this && matches!(node, NodeEnum::CreateStmt(_)) {
            self_reference(node, ref_column, pos)
        } else {
            catalog_reference(cx.catalog, &parent, ref_column, pos)
        };
        if let Some(col) = hit {
            return IntUse::References(parent, col);
        }
    }
    IntUse::Plain
}

/// A foreign key from CREATE TABLE to its own table: the referenced column
/// is in the same statement, not in the catalog yet.
fn self_reference(
    node: &NodeEnum,
    ref_column: Option<&str>,
    pos: usize,
) -> Option<crate::catalog::Ident> {
    let columns = typed_columns(node);
    let name = match ref_column {
        Some(n) => n.to_string(),
        None => {
            let inline = columns.iter().find(|c| {
                column_constraints(c.def).any(|k| k.contype() == pb::ConstrType::ConstrPrimary)
            });
            match inline {
                Some(c) if pos == 0 => c.name.to_string(),
                _ => statement_constraints(node)
                    .into_iter()
                    .find(|c| c.contype() == pb::ConstrType::ConstrPrimary)
                    .and_then(|c| name_list(&c.keys).get(pos).map(|n| (*n).to_string()))?,
            }
        }
    };
    columns
        .iter()
        .find(|c| c.name == name && fills_from_sequence(c.def))
        .map(|c| crate::catalog::Ident::new(c.name))
}

fn catalog_reference(
    catalog: &crate::catalog::Catalog,
    parent: &crate::catalog::QualifiedName,
    ref_column: Option<&str>,
    pos: usize,
) -> Option<crate::catalog::Ident> {
    let table = catalog.table(parent)?;
    let name = match ref_column {
        Some(n) => crate::catalog::Ident::new(n),
        None => crate::rules::support::keys::primary_key(table)?
            .get(pos)?
            .clone(),
    };
    let col = table.columns.iter().find(|c| c.name == name)?;
    is_counter_column(catalog, parent, col).then_some(name)
}

/// `ALTER COLUMN ... TYPE`: the column's keys and references are in the catalog.
fn existing_int_use(cx: &crate::rules::StmtCtx<'_>, column: &TypedColumn<'_>) -> IntUse {
    use crate::catalog::{ConstraintKind, Ident, IndexKey};
    let name = cx.table(column.table).name;
    let Some(table) = cx.catalog.table(&name) else {
        return IntUse::Plain;
    };
    let col_name = Ident::new(column.name);
    let Some(col) = table.columns.iter().find(|c| c.name == col_name) else {
        return IntUse::Plain;
    };
    let keyed = table.constraints.iter().any(|c| match &c.kind {
        ConstraintKind::PrimaryKey { columns } | ConstraintKind::Unique { columns, .. } => {
            columns.contains(&col_name)
        }
        _ => false,
    }) || table.indexes.iter().any(|ix| {
        ix.unique
            && ix.predicate.is_none()
            && ix
                .elems
                .iter()
                .any(|e| matches!(&e.key, IndexKey::Column(c) if *c == col_name))
    });
    if keyed && is_counter_column(cx.catalog, &name, col) {
        return IntUse::Counter;
    }
    for (_, fk) in crate::rules::support::foreign_keys(table) {
        let Some(pos) = fk.columns.iter().position(|c| *c == col_name) else {
            continue;
        };
        let Some(parent) = cx.catalog.table(&fk.ref_table) else {
            continue;
        };
        let Some(ref_col) = crate::rules::support::keys::referenced_columns(fk, parent)
            .and_then(|cols| cols.get(pos))
        else {
            continue;
        };
        if let Some(c) = parent.columns.iter().find(|c| &c.name == ref_col) {
            if is_counter_column(cx.catalog, &parent.name, c) {
                return IntUse::References(parent.name.clone(), ref_col.clone());
            }
        }
    }
    IntUse::Plain
}

/// A validated CHECK on `table` whose condition, or one of its AND-ed parts,
/// is `column IS NOT NULL`: from PostgreSQL 12 on, SET NOT NULL (also the
/// one that `ADD PRIMARY KEY` runs) trusts it and skips the table scan.
pub fn not_null_proof<'a>(
    table: &'a crate::catalog::Table,
    column: &crate::catalog::Ident,
) -> Option<&'a crate::catalog::Ident> {
    use crate::catalog::ConstraintKind;
    let is_test_of_column = |part: &pb::Node| {
        let Some(NodeEnum::NullTest(t)) = &part.node else {
            return false;
        };
        let arg = t.arg.as_deref().and_then(|a| a.node.as_ref());
        t.nulltesttype() == pb::NullTestType::IsNotNull
            && matches!(arg, Some(NodeEnum::ColumnRef(r))
                if matches!(r.fields.as_slice(),
                    [only] if matches!(&only.node, Some(NodeEnum::String(s)) if s.sval == column.as_str())))
    };
    table.constraints.iter().find_map(|c| match &c.kind {
        ConstraintKind::Check { expr: Some(expr) }
            if !c.not_valid
                && crate::sql::expr::conjuncts(&expr.node())
                    .into_iter()
                    .any(is_test_of_column) =>
        {
            Some(&c.name)
        }
        _ => None,
    })
}

/// Whether column `column` of `table` was added earlier in the file being
/// linted (by its CREATE TABLE or an ADD COLUMN): no deployed code uses it
/// yet, so dropping or renaming it breaks nobody.
pub fn column_is_new(
    cx: &crate::rules::StmtCtx<'_>,
    table: &crate::catalog::QualifiedName,
    column: &str,
) -> bool {
    cx.catalog
        .table(table)
        .and_then(|t| t.columns.iter().find(|c| c.name.as_str() == column))
        .and_then(|c| c.origin.span())
        .is_some_and(|s| s.file == cx.stmt.span.file)
}

/// The composite type `ALTER TYPE` names (`rv`, as PostgreSQL parses it),
/// and whether the file being linted made it: no deployed code uses its
/// attributes yet. A type no migration made counts as an old one.
pub fn altered_type(
    cx: &crate::rules::StmtCtx<'_>,
    rv: &pb::RangeVar,
) -> (crate::catalog::QualifiedName, bool) {
    use crate::catalog::{resolve, Ident, QualifiedName};
    let schema = if rv.schemaname.is_empty() {
        resolve::user_type_schema(cx.catalog, cx.search_path, &rv.relname)
            .unwrap_or_else(|| resolve::creation_schema(cx.catalog, cx.search_path))
    } else {
        Ident::new(rv.schemaname.as_str())
    };
    let name = QualifiedName::new(schema, Ident::new(rv.relname.as_str()));
    let new = cx
        .catalog
        .types
        .get(&name)
        .and_then(|t| t.origin.span())
        .is_some_and(|s| s.file == cx.stmt.span.file);
    (name, new)
}

/// The statements after `stmt` in its file, parsed, when the rest of the
/// file contains `word` (lowercase; a cheap test first, since most
/// findings need no look ahead). Statements that do not parse are left
/// out: their file is reported as an input error anyway. A file is parsed
/// once per thread however many statements look ahead in it.
pub fn later_in_file(stmt: &crate::sql::split::Statement, word: &str) -> Later {
    let rest = stmt.text.get(stmt.span.end as usize..).unwrap_or("");
    let word = word.as_bytes();
    let mentioned = !word.is_empty()
        && rest
            .as_bytes()
            .windows(word.len())
            .any(|w| w.eq_ignore_ascii_case(word));
    if !mentioned {
        return Later::default();
    }
    let all = file_statements(stmt);
    let from = all.partition_point(|s| s.span.start < stmt.span.end);
    Later { all, from }
}

/// The statements of a file from some statement on ([`later_in_file`]).
#[derive(Default)]
pub struct Later {
    all: std::sync::Arc<Vec<crate::sql::split::Statement>>,
    from: usize,
}

impl Later {
    pub fn iter(&self) -> impl Iterator<Item = &crate::sql::split::Statement> {
        self.all.get(self.from..).unwrap_or_default().iter()
    }
}

/// The statements of this file that ran earlier in the transaction block
/// the statement being checked runs in (none outside one), parsed: the
/// locks they took are still held. The file is parsed once per thread.
pub fn earlier_in_transaction(cx: &crate::rules::StmtCtx<'_>) -> Earlier {
    earlier_in_transaction_from(cx, 0)
}

/// As [`earlier_in_transaction`], without the first `skip` of them (which
/// a rule read already): each is found by its span, so a long transaction
/// costs no more per statement than the statements asked for.
pub fn earlier_in_transaction_from(cx: &crate::rules::StmtCtx<'_>, skip: usize) -> Earlier {
    let spans = cx.session.earlier_in_transaction();
    let wanted = spans.get(skip..).unwrap_or_default();
    if wanted.is_empty() || !cx.in_transaction() {
        return Earlier::default();
    }
    let all = file_statements(cx.stmt);
    let picks = wanted
        .iter()
        .filter_map(|sp| {
            // In file order: a binary search finds each span.
            let i = all.binary_search_by_key(&sp.start, |s| s.span.start).ok()?;
            (all.get(i).map(|s| s.span) == Some(*sp)).then_some(i)
        })
        .collect();
    Earlier { all, picks }
}

/// Statements picked from a file ([`earlier_in_transaction`]).
#[derive(Default)]
pub struct Earlier {
    all: std::sync::Arc<Vec<crate::sql::split::Statement>>,
    picks: Vec<usize>,
}

impl Earlier {
    pub fn iter(&self) -> impl Iterator<Item = &crate::sql::split::Statement> {
        self.picks.iter().filter_map(|i| self.all.get(*i))
    }
}

/// Every statement of `stmt`'s file, parsed once per thread and file: the
/// last file parsed is kept with its text (so that its address cannot be
/// another text's while it is kept).
fn file_statements(
    stmt: &crate::sql::split::Statement,
) -> std::sync::Arc<Vec<crate::sql::split::Statement>> {
    use std::sync::Arc;
    type Parsed = (Arc<str>, Arc<Vec<crate::sql::split::Statement>>);
    thread_local! {
        static LAST: std::cell::RefCell<Option<Parsed>> = const { std::cell::RefCell::new(None) };
    }
    LAST.with(|last| {
        if let Some((text, all)) = &*last.borrow() {
            if Arc::ptr_eq(text, &stmt.text)
                && all.first().is_none_or(|s| s.span.file == stmt.span.file)
            {
                return all.clone();
            }
        }
        let all = Arc::new(crate::sql::split::parse_file(stmt.span.file, &stmt.text).0);
        *last.borrow_mut() = Some((stmt.text.clone(), all.clone()));
        all
    })
}

/// Whether `rv` names `table` (its schema, or unqualified).
pub fn names_table(rv: &pb::RangeVar, table: &crate::catalog::QualifiedName) -> bool {
    crate::catalog::Ident::new(rv.relname.as_str()) == table.name
        && (rv.schemaname.is_empty()
            || crate::catalog::Ident::new(rv.schemaname.as_str()) == table.schema)
}

/// Whether a later statement of the file, in the transaction this one runs
/// in, matches `made` (a CREATE of the same name, a SET DEFAULT of the same
/// column): what this statement takes away comes back before any other
/// session sees it. `word` is a lowercase word such a statement contains.
pub fn made_again_later(
    cx: &crate::rules::StmtCtx<'_>,
    word: &str,
    made: impl Fn(&NodeEnum) -> bool,
) -> bool {
    cx.in_transaction() && later_in_file(cx.stmt, word).iter().any(|s| made(&s.node))
}

/// Whether an earlier statement of `stmt`'s file renamed something to
/// `name`: an object under that name is new in this file (the old half of
/// a swap, `ALTER TYPE t RENAME TO t_old; CREATE TYPE t ...`).
pub fn renamed_to_earlier_in_file(stmt: &crate::sql::split::Statement, name: &str) -> bool {
    let before = stmt.text.get(..stmt.span.start as usize).unwrap_or("");
    if !before
        .to_ascii_lowercase()
        .contains(&name.to_ascii_lowercase())
    {
        return false;
    }
    let wanted = crate::catalog::Ident::new(name);
    crate::sql::split::parse_file(stmt.span.file, before)
        .0
        .iter()
        .any(|s| matches!(&s.node, NodeEnum::RenameStmt(r) if crate::catalog::Ident::new(r.newname.as_str()) == wanted))
}

/// The name a CREATE TYPE / DOMAIN / enum / range / composite statement
/// makes, as written (last part).
pub fn created_type_name(node: &NodeEnum) -> Option<String> {
    let names = match node {
        NodeEnum::CreateEnumStmt(s) => &s.type_name,
        NodeEnum::CreateDomainStmt(s) => &s.domainname,
        NodeEnum::CreateRangeStmt(s) => &s.type_name,
        NodeEnum::DefineStmt(s) if s.kind() == pb::ObjectType::ObjectType => &s.defnames,
        NodeEnum::CompositeTypeStmt(s) => {
            return s.typevar.as_ref().map(|rv| rv.relname.clone());
        }
        _ => return None,
    };
    crate::sql::ast::strings(names).pop()
}
