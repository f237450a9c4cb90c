//! Readers for the rules about dropping, moving and renaming objects that
//! deployed code names (`ban-drop-view`, `ban-set-schema`, `renaming-object`, ...),
//! and for the timeout rules, the tables a statement locks ([`locked_tables`]).

use pg_query::protobuf as pb;
use pg_query::NodeEnum;

use pg_query::protobuf::ObjectType as O;

use crate::catalog::{resolve, types, Function, Ident, Origin, QualifiedName};
use crate::rules::support::locks::LockMode;
use crate::rules::support::migration::{
    added_column, added_constraint, alter_table_cmds, column_constraints,
};
use crate::rules::{StmtCtx, TableRef};
use crate::sql::{ast, split_name};

/// The text at `span` of the file being checked (empty when it is not
/// there): a declaration made earlier in the file.
pub fn text_at<'c>(cx: &'c StmtCtx<'_>, span: crate::catalog::Span) -> &'c str {
    cx.stmt
        .text
        .get(span.start as usize..span.end as usize)
        .unwrap_or("")
}

/// Whether an object whose declaration is at `origin` is new in the file
/// being checked: made there by a CREATE without OR REPLACE. A CREATE OR
/// REPLACE may have replaced an object from an earlier file, which deployed
/// code already uses, so it does not make the object new.
pub fn created_in_this_file(cx: &StmtCtx<'_>, origin: &Origin) -> bool {
    let Some(span) = origin.span() else {
        return false;
    };
    if span.file != cx.stmt.span.file || span.start >= cx.stmt.span.start {
        return false;
    }
    let text = text_at(cx, span);
    let words: Vec<String> = text
        .split_whitespace()
        .take(3)
        .map(str::to_ascii_lowercase)
        .collect();
    words != ["create", "or", "replace"]
}

/// The `DROP` statement being checked, when it drops one of `kinds`.
pub fn dropped<'a>(cx: &StmtCtx<'a>, kinds: &[pb::ObjectType]) -> Option<&'a pb::DropStmt> {
    match &cx.stmt.node {
        NodeEnum::DropStmt(s) if kinds.contains(&s.remove_type()) => Some(s),
        _ => None,
    }
}

/// The nodes naming each object of a `DROP` statement.
pub fn drop_objects(s: &pb::DropStmt) -> impl Iterator<Item = &NodeEnum> {
    s.objects.iter().filter_map(|o| o.node.as_ref())
}

/// `, and CASCADE also drops what depends on it` for a `DROP ... CASCADE`.
pub fn cascade_note(s: &pb::DropStmt, what: &str) -> String {
    if s.behavior() == pb::DropBehavior::DropCascade {
        format!(", and CASCADE also drops {what}")
    } else {
        String::new()
    }
}

/// A relation (view, sequence, ...) named by a list of names, resolved
/// through the search_path; a name that resolves to nothing gets the name it
/// would have had.
pub fn relation_name(cx: &StmtCtx<'_>, names: &[pb::Node]) -> Option<QualifiedName> {
    let (schema, name) = split_name(names)?;
    let (Ok(qn) | Err(qn)) =
        resolve::relation(cx.catalog, cx.search_path, schema.as_deref(), &name);
    Some(qn)
}

/// The type (enum, domain, composite, built-in, ...) a type name stands
/// for. An unqualified name of no known type gets the schema it would have
/// been created in, not `pg_catalog`.
pub fn type_name(cx: &StmtCtx<'_>, t: &pb::TypeName) -> QualifiedName {
    let name = types::type_name(t, |n| {
        resolve::user_type_schema(cx.catalog, cx.search_path, n)
    })
    .name;
    if name.schema.as_str() == "pg_catalog" && !cx.catalog.type_exists(&name) {
        let schema = resolve::creation_schema(cx.catalog, cx.search_path);
        return QualifiedName::new(schema, name.name);
    }
    name
}

/// The functions (of any kind) named by `f`: every overload when the
/// statement gives no argument list, else the one with those argument types.
/// The name comes back even when no overload is known.
pub fn functions<'c>(
    cx: &StmtCtx<'c>,
    f: &pb::ObjectWithArgs,
) -> Option<(QualifiedName, Vec<&'c Function>)> {
    let (schema, name) = split_name(&f.objname)?;
    let (Ok(qn) | Err(qn)) =
        resolve::function(cx.catalog, cx.search_path, schema.as_deref(), &name);
    let overloads = cx
        .catalog
        .functions
        .get(&qn)
        .map_or(&[][..], |v| v.as_slice());
    let matching = if f.args_unspecified {
        overloads.iter().collect()
    } else {
        let args: Vec<types::TypeName> = f
            .objargs
            .iter()
            .filter_map(|a| match &a.node {
                Some(NodeEnum::TypeName(t)) => Some(types::type_name(t, |n| {
                    resolve::user_type_schema(cx.catalog, cx.search_path, n)
                })),
                _ => None,
            })
            .collect();
        overloads
            .iter()
            .filter(|o| o.has_signature(&args))
            .collect()
    };
    Some((qn, matching))
}

/// A plain name node (`DROP SCHEMA s`, `DROP EXTENSION e`).
pub fn plain_name(node: &NodeEnum) -> Option<Ident> {
    match node {
        NodeEnum::String(s) => Some(Ident::new(s.sval.as_str())),
        _ => None,
    }
}

/// The domain an `ALTER DOMAIN` names, and whether this file created it.
pub fn altered_domain(cx: &StmtCtx<'_>, s: &pb::AlterDomainStmt) -> Option<(QualifiedName, bool)> {
    let qn = user_type(cx, &s.type_name)?;
    let new = cx
        .catalog
        .types
        .get(&qn)
        .is_some_and(|t| created_in_this_file(cx, &t.origin));
    Some((qn, new))
}

/// The `ALTER TABLE` (or `ALTER FOREIGN TABLE`, when `foreign` counts) a
/// rule is checking, with the table it alters and that table's history.
pub fn altered_table<'a>(
    cx: &StmtCtx<'a>,
    foreign: bool,
) -> Option<(&'a pb::AlterTableStmt, crate::rules::TableRef)> {
    let (s, table) = crate::rules::support::migration::altered_table(cx)?;
    match s.objtype() {
        pb::ObjectType::ObjectTable => Some((s, table)),
        pb::ObjectType::ObjectForeignTable if foreign => Some((s, table)),
        _ => None,
    }
}

/// What `ALTER <kind> ... SET SCHEMA` or `... RENAME TO` names: the object
/// (schema-qualified; extensions as rows of `pg_extension`) and whether
/// this file created it. `relation` is the statement's relation,
/// `object` its object node; `None` for kinds these rules leave alone.
pub fn named_object(
    cx: &StmtCtx<'_>,
    kind: pb::ObjectType,
    relation: Option<&pb::RangeVar>,
    object: Option<&pb::Node>,
) -> Option<(QualifiedName, bool)> {
    use pb::ObjectType as Ot;
    let new = |origin: Option<&Origin>| origin.is_some_and(|o| created_in_this_file(cx, o));
    let object = object.and_then(|o| o.node.as_ref());
    match kind {
        Ot::ObjectTable
        | Ot::ObjectForeignTable
        | Ot::ObjectView
        | Ot::ObjectMatview
        | Ot::ObjectSequence => {
            let rv = relation?;
            let schema = (!rv.schemaname.is_empty()).then_some(rv.schemaname.as_str());
            let (Ok(qn) | Err(qn)) =
                resolve::relation(cx.catalog, cx.search_path, schema, &rv.relname);
            let origin = cx
                .catalog
                .tables
                .get(&qn)
                .map(|t| &t.origin)
                .or_else(|| cx.catalog.views.get(&qn).map(|v| &v.origin))
                .or_else(|| cx.catalog.sequences.get(&qn).map(|s| &s.origin));
            let is_new = new(origin);
            Some((qn, is_new))
        }
        Ot::ObjectIndex => {
            let rv = relation?;
            let schema = (!rv.schemaname.is_empty()).then_some(rv.schemaname.as_str());
            let owner = resolve::index(cx.catalog, cx.search_path, schema, &rv.relname);
            let index_schema = match (&owner, schema) {
                (Some(t), _) => t.schema.clone(),
                (None, Some(s)) => Ident::new(s),
                (None, None) => resolve::creation_schema(cx.catalog, cx.search_path),
            };
            let origin = owner.as_ref().and_then(|t| {
                let indexes = cx
                    .catalog
                    .tables
                    .get(t)
                    .map(|t| &t.indexes)
                    .or_else(|| cx.catalog.views.get(t).map(|v| &v.indexes))?;
                indexes
                    .iter()
                    .find(|ix| ix.name.as_str() == rv.relname)
                    .map(|ix| &ix.origin)
            });
            let is_new = new(origin);
            Some((
                QualifiedName::new(index_schema, Ident::new(rv.relname.as_str())),
                is_new,
            ))
        }
        Ot::ObjectFunction | Ot::ObjectProcedure | Ot::ObjectAggregate | Ot::ObjectRoutine => {
            let Some(NodeEnum::ObjectWithArgs(f)) = object else {
                return None;
            };
            let (qn, overloads) = functions(cx, f)?;
            let is_new = !overloads.is_empty()
                && overloads
                    .iter()
                    .all(|o| created_in_this_file(cx, &o.origin));
            Some((qn, is_new))
        }
        Ot::ObjectType | Ot::ObjectDomain => {
            let Some(NodeEnum::List(l)) = object else {
                return None;
            };
            let qn = user_type(cx, &l.items)?;
            let is_new = new(cx.catalog.types.get(&qn).map(|t| &t.origin));
            Some((qn, is_new))
        }
        Ot::ObjectExtension => {
            let name = plain_name(object?)?;
            let is_new = new(cx.catalog.extensions.get(&name).map(|e| &e.origin));
            Some((QualifiedName::new("pg_extension", name), is_new))
        }
        _ => None,
    }
}

/// A user type named by a list of names, as PostgreSQL finds it: in the
/// schema given, else the first schema on the search_path that has it,
/// else where it would be created.
pub fn user_type(cx: &StmtCtx<'_>, names: &[pb::Node]) -> Option<QualifiedName> {
    let (schema, name) = split_name(names)?;
    let schema = schema
        .map(Ident::new)
        .or_else(|| resolve::user_type_schema(cx.catalog, cx.search_path, &name))
        .unwrap_or_else(|| resolve::creation_schema(cx.catalog, cx.search_path));
    Some(QualifiedName::new(schema, Ident::new(name)))
}

/// How messages name an object kind: `view`, `materialized view`, ...
pub fn kind_noun(kind: pb::ObjectType) -> &'static str {
    use pb::ObjectType as Ot;
    match kind {
        Ot::ObjectTable => "table",
        Ot::ObjectForeignTable => "foreign table",
        Ot::ObjectView => "view",
        Ot::ObjectMatview => "materialized view",
        Ot::ObjectSequence => "sequence",
        Ot::ObjectIndex => "index",
        Ot::ObjectFunction => "function",
        Ot::ObjectProcedure => "procedure",
        Ot::ObjectAggregate => "aggregate",
        Ot::ObjectRoutine => "routine",
        Ot::ObjectType => "type",
        Ot::ObjectDomain => "domain",
        Ot::ObjectExtension => "extension",
        Ot::ObjectSchema => "schema",
        Ot::ObjectRole => "role",
        Ot::ObjectDatabase => "database",
        Ot::ObjectTabconstraint | Ot::ObjectDomconstraint => "constraint",
        _ => "object",
    }
}

/// Whether a later statement of the file, in the transaction this one runs
/// in, makes a view or materialized view named `name` again: the way to
/// change a view's columns, which CREATE OR REPLACE cannot, without anyone
/// seeing it missing. Not after CASCADE, which also dropped what depends on
/// it, nor outside a transaction.
pub fn view_recreated_later(cx: &StmtCtx<'_>, s: &pb::DropStmt, name: &QualifiedName) -> bool {
    use crate::rules::support::migration::{later_in_file, names_table};
    if s.behavior() == pb::DropBehavior::DropCascade || !cx.in_transaction() {
        return false;
    }
    let word = name.name.as_str().to_ascii_lowercase();
    later_in_file(cx.stmt, &word)
        .iter()
        .any(|later| match &later.node {
            NodeEnum::ViewStmt(v) => v.view.as_ref().is_some_and(|rv| names_table(rv, name)),
            NodeEnum::CreateTableAsStmt(c) => c
                .into
                .as_ref()
                .and_then(|i| i.rel.as_ref())
                .is_some_and(|rv| names_table(rv, name)),
            _ => false,
        })
}

/// Whether a later statement of the file, in the transaction this one runs
/// in, creates function `name` again with the input argument types `f`
/// names (any, when it names none): the way to change a function's result
/// type, which CREATE OR REPLACE cannot. Not after CASCADE, nor outside a
/// transaction.
pub fn function_recreated_later(
    cx: &StmtCtx<'_>,
    s: &pb::DropStmt,
    name: &QualifiedName,
    f: &pb::ObjectWithArgs,
) -> bool {
    use crate::rules::support::migration::later_in_file;
    if s.behavior() == pb::DropBehavior::DropCascade || !cx.in_transaction() {
        return false;
    }
    let resolve_type = |t: &pb::TypeName| {
        types::type_name(t, |n| {
            resolve::user_type_schema(cx.catalog, cx.search_path, n)
        })
    };
    let dropped: Vec<types::TypeName> = f
        .objargs
        .iter()
        .filter_map(|a| match &a.node {
            Some(NodeEnum::TypeName(t)) => Some(resolve_type(t)),
            _ => None,
        })
        .collect();
    let word = name.name.as_str().to_ascii_lowercase();
    later_in_file(cx.stmt, &word).iter().any(|later| {
        let NodeEnum::CreateFunctionStmt(c) = &later.node else {
            return false;
        };
        let Some((schema, created)) = split_name(&c.funcname) else {
            return false;
        };
        let same_name = Ident::new(created.as_str()) == name.name
            && schema.is_none_or(|sc| Ident::new(sc.as_str()) == name.schema);
        if !same_name {
            return false;
        }
        if f.args_unspecified {
            return true;
        }
        let inputs: Vec<types::TypeName> = c
            .parameters
            .iter()
            .filter_map(|p| match &p.node {
                Some(NodeEnum::FunctionParameter(p))
                    if !matches!(
                        p.mode(),
                        pb::FunctionParameterMode::FuncParamOut
                            | pb::FunctionParameterMode::FuncParamTable
                    ) =>
                {
                    p.arg_type.as_ref().map(resolve_type)
                }
                _ => None,
            })
            .collect();
        inputs.len() == dropped.len() && inputs.iter().zip(&dropped).all(|(a, b)| a.same_base(b))
    })
}

/// The relations a statement locks (`require-timeout-settings`,
/// `require-lock-timeout`, `require-statement-timeout`). Tables the statement creates are left
/// out; lock levels below SHARE UPDATE EXCLUSIVE (reads, DML) are not
/// counted, nor are CONCURRENTLY forms that let reads and writes through.
/// Reports the statement when it locks a table that existed before this
/// file while `missing` (a timeout not set) holds: the shared body of the
/// timeout rules. Rules keep no state between statements, so every such
/// statement of the file is reported, not only the first.
pub fn report_lock_without(cx: &mut StmtCtx<'_>, missing: &str) {
    if let Some(table) = locked_tables(cx).into_iter().find(|t| !t.is_new()) {
        let message = format!("this statement locks `{}` while {missing}", table.name);
        cx.report_lock(&table, Some(cx.stmt.span), message);
    } else if let Some((object, what)) = locked_unnamed(cx) {
        let message = format!("this statement locks {what} while {missing}");
        cx.report(&object, Some(cx.stmt.span), message);
    }
}

/// Tables a statement locks that it does not name and the catalog cannot
/// tell: the object to report, and the words for what is locked.
/// `REINDEX INDEX` of an index no migration built takes SHARE on the table
/// it belongs to (and ACCESS EXCLUSIVE on the index, which holds up every
/// query planned on that table); a `VACUUM` that names no table takes
/// SHARE UPDATE EXCLUSIVE on each table of the database in turn.
fn locked_unnamed(cx: &StmtCtx<'_>) -> Option<(QualifiedName, String)> {
    match &cx.stmt.node {
        NodeEnum::ReindexStmt(s)
            if s.kind() == pb::ReindexObjectType::ReindexObjectIndex
                && !has_option(&s.params, "concurrently") =>
        {
            let rv = s.relation.as_ref()?;
            let schema = (!rv.schemaname.is_empty()).then_some(rv.schemaname.as_str());
            if crate::rules::support::migration::index_owner(
                cx.catalog,
                cx.search_path,
                schema,
                &rv.relname,
            )
            .is_some()
            {
                // An index the migrations built: whether its table counts is
                // `locked_tables`' call.
                return None;
            }
            let index = QualifiedName::new(
                schema.map_or_else(
                    || resolve::creation_schema(cx.catalog, cx.search_path),
                    Ident::new,
                ),
                rv.relname.as_str(),
            );
            Some((index.clone(), format!("the table of index `{index}`")))
        }
        NodeEnum::VacuumStmt(s) if s.is_vacuumcmd && s.rels.is_empty() => Some((
            // A database belongs to the cluster: named as a row of pg_database.
            QualifiedName::new("pg_database", "current_database"),
            "each table of the database in turn".to_string(),
        )),
        _ => None,
    }
}

/// The relation a `COMMENT ON` locks SHARE UPDATE EXCLUSIVE: a table,
/// view, materialized view or foreign table, commented on or one of its
/// columns (not a composite type's attribute). A comment on a constraint,
/// trigger, policy or rule takes only ACCESS SHARE on the table, one on an
/// index locks the index alone (tests/locks.rs).
fn commented_relation(cx: &StmtCtx<'_>, s: &pb::CommentStmt) -> Option<TableRef> {
    let names = s.object.as_deref().and_then(name_list)?;
    match s.objtype() {
        O::ObjectTable | O::ObjectView | O::ObjectMatview | O::ObjectForeignTable => {
            named_table(cx, names)
        }
        O::ObjectColumn => {
            let (_, relation) = names.split_last()?;
            named_table(cx, relation).filter(|t| {
                cx.catalog.table(&t.name).is_some()
                    || cx.catalog.views.contains_key(&t.name)
                    || !cx.catalog.types.contains_key(&t.name)
            })
        }
        _ => None,
    }
}

pub fn locked_tables(cx: &StmtCtx<'_>) -> Vec<TableRef> {
    let mut rvs: Vec<&pb::RangeVar> = Vec::new();
    let mut out: Vec<TableRef> = Vec::new();
    match &cx.stmt.node {
        NodeEnum::AlterTableStmt(s) => {
            match s.objtype() {
                O::ObjectTable | O::ObjectView | O::ObjectMatview | O::ObjectForeignTable => {
                    rvs.extend(s.relation.as_ref());
                }
                // ALTER INDEX locks the index alone, mostly SHARE UPDATE
                // EXCLUSIVE, which lets reads and writes through. Moving it
                // or attaching a partition's index to it takes ACCESS
                // EXCLUSIVE on an index, which waits for, and holds up,
                // every query planned on the table: the planner locks each
                // index of a table (tests/locks.rs).
                O::ObjectIndex => {
                    let blocks_queries = alter_table_cmds(s).any(|c| {
                        matches!(
                            c.subtype(),
                            pb::AlterTableType::AtSetTableSpace
                                | pb::AlterTableType::AtAttachPartition
                        )
                    });
                    if let Some(rv) = s.relation.as_ref().filter(|_| blocks_queries) {
                        let schema = (!rv.schemaname.is_empty()).then_some(rv.schemaname.as_str());
                        out.extend(index_owner(cx, schema, &rv.relname));
                    }
                }
                _ => {}
            }
            // ADD FOREIGN KEY also locks the referenced table (SHARE ROW EXCLUSIVE).
            for cmd in alter_table_cmds(s) {
                let column = added_column(cmd).into_iter().flat_map(column_constraints);
                let constraints = added_constraint(cmd).into_iter().chain(column);
                rvs.extend(constraints.filter_map(referenced_table));
            }
        }
        NodeEnum::CreateStmt(s) => {
            // PARTITION OF / INHERITS lock the parent; REFERENCES locks the
            // referenced table. The new table itself is no one's yet.
            rvs.extend(s.inh_relations.iter().filter_map(range_var));
            let this = s.relation.as_ref();
            for node in s.table_elts.iter().chain(&s.constraints) {
                let constraints: Vec<&pb::Constraint> = match &node.node {
                    Some(NodeEnum::ColumnDef(col)) => column_constraints(col).collect(),
                    Some(NodeEnum::Constraint(c)) => vec![c.as_ref()],
                    _ => Vec::new(),
                };
                rvs.extend(
                    constraints
                        .into_iter()
                        .filter_map(referenced_table)
                        .filter(|rv| !this.is_some_and(|t| same_relation(t, rv))),
                );
            }
        }
        NodeEnum::IndexStmt(s) if !s.concurrent => rvs.extend(s.relation.as_ref()),
        NodeEnum::DropStmt(s) => {
            for names in s.objects.iter().filter_map(name_list) {
                match s.remove_type() {
                    O::ObjectTable | O::ObjectView | O::ObjectMatview | O::ObjectForeignTable => {
                        out.extend(named_table(cx, names));
                    }
                    O::ObjectIndex if !s.concurrent => {
                        if let Some((schema, name)) = ast::split_name(names) {
                            out.extend(index_owner(cx, schema.as_deref(), &name));
                        }
                    }
                    // [table name parts..., trigger/policy/rule name]
                    O::ObjectTrigger | O::ObjectPolicy | O::ObjectRule => {
                        if let Some((_, table)) = names.split_last() {
                            out.extend(named_table(cx, table));
                        }
                    }
                    _ => {}
                }
            }
        }
        NodeEnum::TruncateStmt(s) => rvs.extend(s.relations.iter().filter_map(range_var)),
        // A weaker LOCK lets reads and writes through.
        NodeEnum::LockStmt(s)
            if LockMode::from_lock_stmt(s.mode)
                .is_some_and(|m| m >= LockMode::ShareUpdateExclusive) =>
        {
            rvs.extend(s.relations.iter().filter_map(range_var))
        }
        // Even CONCURRENTLY takes an EXCLUSIVE lock on the view.
        NodeEnum::RefreshMatViewStmt(s) => rvs.extend(s.relation.as_ref()),
        NodeEnum::ReindexStmt(s) if !has_option(&s.params, "concurrently") => match s.kind() {
            pb::ReindexObjectType::ReindexObjectTable => rvs.extend(s.relation.as_ref()),
            pb::ReindexObjectType::ReindexObjectIndex => {
                if let Some(rv) = &s.relation {
                    let schema = (!rv.schemaname.is_empty()).then_some(rv.schemaname.as_str());
                    out.extend(index_owner(cx, schema, &rv.relname));
                }
            }
            _ => {}
        },
        NodeEnum::ClusterStmt(s) => rvs.extend(s.relation.as_ref()),
        // Plain VACUUM takes SHARE UPDATE EXCLUSIVE, which lets reads and
        // writes through but waits for DDL; FULL rewrites the table under
        // ACCESS EXCLUSIVE.
        NodeEnum::VacuumStmt(s) if s.is_vacuumcmd => {
            for rel in &s.rels {
                if let Some(NodeEnum::VacuumRelation(v)) = &rel.node {
                    rvs.extend(v.relation.as_ref());
                }
            }
        }
        NodeEnum::CreateTrigStmt(s) => rvs.extend(s.relation.iter().chain(&s.constrrel)),
        NodeEnum::CreatePolicyStmt(s) => rvs.extend(s.table.as_ref()),
        NodeEnum::AlterPolicyStmt(s) => rvs.extend(s.table.as_ref()),
        NodeEnum::RuleStmt(s) => rvs.extend(s.relation.as_ref()),
        NodeEnum::RenameStmt(s) => match s.rename_type() {
            O::ObjectTable
            | O::ObjectView
            | O::ObjectMatview
            | O::ObjectForeignTable
            | O::ObjectColumn
            | O::ObjectTabconstraint
            | O::ObjectTrigger
            | O::ObjectPolicy
            | O::ObjectRule => rvs.extend(s.relation.as_ref()),
            // Renaming an index takes SHARE UPDATE EXCLUSIVE on it alone.
            _ => {}
        },
        NodeEnum::CommentStmt(s) => out.extend(commented_relation(cx, s)),
        NodeEnum::AlterObjectSchemaStmt(s) => {
            if matches!(
                s.object_type(),
                O::ObjectTable | O::ObjectView | O::ObjectMatview | O::ObjectForeignTable
            ) {
                rvs.extend(s.relation.as_ref());
            }
        }
        _ => {}
    }
    out.extend(rvs.into_iter().map(|rv| cx.table(rv)));
    out
}

/// The RangeVar `node` is, if it is one.
pub fn range_var(node: &pb::Node) -> Option<&pb::RangeVar> {
    match &node.node {
        Some(NodeEnum::RangeVar(rv)) => Some(rv),
        _ => None,
    }
}

/// The items of the List `node` is, if it is one (a dotted name).
pub fn name_list(node: &pb::Node) -> Option<&[pb::Node]> {
    match &node.node {
        Some(NodeEnum::List(l)) => Some(&l.items),
        _ => None,
    }
}

/// The table a `REFERENCES` constraint points at.
fn referenced_table(c: &pb::Constraint) -> Option<&pb::RangeVar> {
    (c.contype() == pb::ConstrType::ConstrForeign)
        .then_some(c.pktable.as_ref())
        .flatten()
}

/// Whether two written names can be the same relation (a table that
/// references itself while it is being created).
fn same_relation(a: &pb::RangeVar, b: &pb::RangeVar) -> bool {
    a.relname == b.relname
        && (a.schemaname.is_empty() || b.schemaname.is_empty() || a.schemaname == b.schemaname)
}

/// A table or view from a name list (`{schema, name}` or `{name}`).
fn named_table(cx: &StmtCtx<'_>, names: &[pb::Node]) -> Option<TableRef> {
    let (schema, name) = ast::split_name(names)?;
    let (Ok(qn) | Err(qn)) =
        resolve::relation(cx.catalog, cx.search_path, schema.as_deref(), &name);
    Some(cx.table_named(qn))
}

/// The table an index belongs to, when the catalog knows the index.
fn index_owner(cx: &StmtCtx<'_>, schema: Option<&str>, name: &str) -> Option<TableRef> {
    let index = Ident::new(name);
    let schemas: Vec<Ident> = match schema {
        Some(s) => vec![Ident::new(s)],
        None => cx.search_path.to_vec(),
    };
    schemas.iter().find_map(|s| {
        cx.catalog
            .tables
            .values()
            .find(|t| &t.name.schema == s && t.indexes.iter().any(|i| i.name == index))
            .map(|t| cx.table_named(t.name.clone()))
    })
}

/// `(CONCURRENTLY)`, `(FULL)`, ... in a parenthesized option list, unless set to false.
pub fn has_option(options: &[pb::Node], name: &str) -> bool {
    ast::def_elems(options)
        .any(|d| d.defname == name && ast::def_arg_text(d).as_deref() != Some("false"))
}
