//! Readers for the opt-in rules about changes that existing clients notice
//! (`ban-drop-trigger`, `ban-revoke`, `ban-alter-view-options`, ...): which
//! object a statement changes, and whether that object is new in the file
//! being checked, so that no deployed client depends on it yet.

use pg_query::protobuf as pb;
use pg_query::NodeEnum;

use crate::catalog::{Ident, Origin, Policy, QualifiedName, Table, Trigger};
use crate::rules::support::drops::{created_in_this_file, relation_name};
use crate::rules::StmtCtx;

/// Whether the object declared at `origin` did not exist before the file
/// being checked: made earlier in the file by a plain CREATE, or by a
/// CREATE OR REPLACE that replaced nothing older (the session knows which).
pub fn new_in_this_file(cx: &StmtCtx<'_>, origin: &Origin) -> bool {
    created_in_this_file(cx, origin)
        || origin.span().is_some_and(|s| {
            s.file == cx.stmt.span.file
                && s.start < cx.stmt.span.start
                && cx.session.made_by_replace_in_file(s)
        })
}

/// Whether the table, view or materialized view `name` is new in this file.
/// Unlike `TableRef::is_new`, a table emptied earlier in the transaction is
/// not new here: its clients still use it.
pub fn relation_new_in_this_file(cx: &StmtCtx<'_>, name: &QualifiedName) -> bool {
    cx.catalog
        .table(name)
        .map(|t| &t.origin)
        .or_else(|| cx.catalog.views.get(name).map(|v| &v.origin))
        .is_some_and(|o| new_in_this_file(cx, o))
}

/// `--assume-existing`: whether an object of `kind` that the model does
/// not have is there all the same. The flag says what no migration made
/// exists (`DROP ... IF EXISTS` of it drops it, `CREATE OR REPLACE`
/// replaces it), but not what a statement of the run dropped or renamed
/// away, nor what was in a schema it dropped. Without the flag, never:
/// what the migrations never made is taken to be absent, so `IF EXISTS`
/// of it drops nothing and `OR REPLACE` makes it. `args` are a
/// function's input types, when the statement gives them.
pub fn assumed_to_exist(
    cx: &StmtCtx<'_>,
    kind: pb::ObjectType,
    schema: Option<&Ident>,
    name: &Ident,
    args: Option<&[crate::catalog::TypeName]>,
) -> bool {
    cx.assumes_existing_tables() && !cx.session.removed_earlier(kind, schema, name, args)
}

/// The input argument types a `DROP FUNCTION` (`ALTER FUNCTION`, ...)
/// names the overload by, resolved; None when it gives no list.
pub fn named_args(
    cx: &StmtCtx<'_>,
    f: &pb::ObjectWithArgs,
) -> Option<Vec<crate::catalog::TypeName>> {
    if f.args_unspecified {
        return None;
    }
    let args = f.objargs.iter().filter_map(|a| match &a.node {
        Some(NodeEnum::TypeName(t)) => Some(crate::catalog::types::type_name(t, |n| {
            crate::catalog::resolve::user_type_schema(cx.catalog, cx.search_path, n)
        })),
        _ => None,
    });
    Some(args.collect())
}

/// A table a migration (not the platform, not a live read) made: pgvet
/// knows all its triggers and policies, so one it lacks is not there.
pub fn table_from_migrations<'c>(cx: &StmtCtx<'c>, name: &QualifiedName) -> Option<&'c Table> {
    cx.catalog.table(name).filter(|t| t.origin.span().is_some())
}

/// `DROP TRIGGER` / `POLICY` / `RULE` name their object as
/// `[schema.]table.name`: the table, resolved, and the member's name.
pub fn table_member(cx: &StmtCtx<'_>, items: &[pb::Node]) -> Option<(QualifiedName, Ident)> {
    let (last, table) = items.split_last()?;
    let Some(NodeEnum::String(name)) = &last.node else {
        return None;
    };
    Some((relation_name(cx, table)?, Ident::new(name.sval.as_str())))
}

pub fn trigger<'c>(cx: &StmtCtx<'c>, table: &QualifiedName, name: &Ident) -> Option<&'c Trigger> {
    cx.catalog
        .table(table)?
        .triggers
        .iter()
        .find(|t| &t.name == name)
}

pub fn policy<'c>(cx: &StmtCtx<'c>, table: &QualifiedName, name: &Ident) -> Option<&'c Policy> {
    cx.catalog
        .table(table)?
        .policies
        .iter()
        .find(|p| &p.name == name)
}

/// Whether row-level security is off on `table`, a table the migrations
/// made (the stand-in `--assume-existing` gives an unknown table says
/// nothing about it): its policies then decide nothing, so making,
/// changing or dropping one changes no one's access until RLS is enabled
/// (which `ban-alter-row-level-security` reports).
pub fn rls_off(cx: &StmtCtx<'_>, table: &QualifiedName) -> bool {
    table_from_migrations(cx, table).is_some_and(|t| !t.rls_enabled)
}

/// How a message names roles: `` `anon` ``, `` `anon`, `authenticated` ``,
/// `every role` for PUBLIC.
pub fn roles_phrase(roles: &[Ident]) -> String {
    if roles.is_empty() || roles.iter().any(|r| r.as_str() == "public") {
        return "every role".to_string();
    }
    roles
        .iter()
        .map(|r| format!("`{r}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The role a `RoleSpec` node names (`public`, `current_user`, or its name).
pub fn role_of(node: &pb::Node) -> Option<Ident> {
    match node.node.as_ref()? {
        NodeEnum::RoleSpec(r) => Some(role_spec(r)),
        NodeEnum::String(s) => Some(Ident::new(s.sval.as_str())),
        // GRANT role: the granted role.
        NodeEnum::AccessPriv(p) => Some(Ident::new(p.priv_name.as_str())),
        _ => None,
    }
}

pub fn role_spec(r: &pb::RoleSpec) -> Ident {
    use pb::RoleSpecType as T;
    match T::try_from(r.roletype) {
        Ok(T::RolespecPublic) => Ident::new("public"),
        Ok(T::RolespecCurrentUser) | Ok(T::RolespecCurrentRole) => Ident::new("current_user"),
        Ok(T::RolespecSessionUser) => Ident::new("session_user"),
        _ => Ident::new(r.rolename.as_str()),
    }
}

/// Whether an earlier statement of the file made role `role` (CREATE ROLE,
/// USER or GROUP): no session logs in as it, and no grant reaches code
/// through it, before this file. The catalog keeps roles without where
/// they were made, so the file is read again.
pub fn role_created_earlier_in_file(cx: &StmtCtx<'_>, role: &Ident) -> bool {
    let stmt = cx.stmt;
    let before = stmt.text.get(..stmt.span.start as usize).unwrap_or("");
    let lower = before.to_ascii_lowercase();
    if !lower.contains("create") || !lower.contains(&role.as_str().to_ascii_lowercase()) {
        return false;
    }
    crate::sql::split::parse_file(stmt.span.file, before)
        .0
        .iter()
        .any(|s| matches!(&s.node, NodeEnum::CreateRoleStmt(c) if Ident::new(c.role.as_str()) == *role))
}

/// The statements of this file before the one being checked, parsed, when
/// that part of the file contains `word` (lowercase).
pub fn earlier_in_file(cx: &StmtCtx<'_>, word: &str) -> Vec<crate::sql::split::Statement> {
    let stmt = cx.stmt;
    let before = stmt.text.get(..stmt.span.start as usize).unwrap_or("");
    if !before.to_ascii_lowercase().contains(word) {
        return Vec::new();
    }
    crate::sql::split::parse_file(stmt.span.file, before).0
}

/// `SET x` / `RESET x` / `RESET ALL` of a `VariableSetStmt`, for messages.
pub fn setting_phrase(set: &pb::VariableSetStmt) -> String {
    use pb::VariableSetKind as K;
    match set.kind() {
        K::VarResetAll => "RESET ALL".to_string(),
        K::VarReset => format!("RESET {}", set.name),
        _ => format!("SET {}", set.name),
    }
}

/// What a policy for `command` (`all`, `select`, ...) governs, for messages.
pub fn policy_verb(command: &str) -> &'static str {
    match command {
        "select" => "read",
        "insert" => "insert",
        "update" => "update",
        "delete" => "delete",
        _ => "read or write",
    }
}

/// Whether the object declared at `origin` was made or replaced earlier in
/// the file being checked, by any CREATE: a later CREATE OR REPLACE of it
/// changes what that statement made, which is where a finding about
/// replacing an older object belongs.
pub fn declared_earlier_in_file(cx: &StmtCtx<'_>, origin: &Origin) -> bool {
    origin
        .span()
        .is_some_and(|s| s.file == cx.stmt.span.file && s.start < cx.stmt.span.start)
}

/// A `VariableSetStmt` as the start of a message: ``setting `x` ``,
/// ``resetting `x` ``, `resetting every setting`.
pub fn setting_change(set: &pb::VariableSetStmt) -> String {
    use pb::VariableSetKind as K;
    match set.kind() {
        K::VarResetAll => "resetting every setting".to_string(),
        K::VarReset => format!("resetting `{}`", set.name),
        _ => format!("setting `{}`", set.name),
    }
}

/// Whether a later statement of this file drops the table, view or
/// foreign table `name`: what this statement does to it, its triggers,
/// policies, indexes or grants goes with it (the teardown `supabase db
/// diff` writes before a `DROP TABLE`), and the drop is `ban-drop-table`'s
/// or `ban-drop-view`'s to report.
pub fn relation_dropped_later_in_file(cx: &StmtCtx<'_>, name: &QualifiedName) -> bool {
    use pb::ObjectType as O;
    dropped_later(cx, name, |kind, node| {
        matches!(
            kind,
            O::ObjectTable | O::ObjectView | O::ObjectMatview | O::ObjectForeignTable
        ) && matches!(node, NodeEnum::List(l) if names(&l.items, name))
    })
}

/// As [`relation_dropped_later_in_file`], for a function or procedure
/// (any overload).
pub fn function_dropped_later_in_file(cx: &StmtCtx<'_>, name: &QualifiedName) -> bool {
    use pb::ObjectType as O;
    dropped_later(cx, name, |kind, node| {
        matches!(
            kind,
            O::ObjectFunction | O::ObjectProcedure | O::ObjectRoutine
        ) && matches!(node, NodeEnum::ObjectWithArgs(f) if names(&f.objname, name))
    })
}

fn dropped_later(
    cx: &StmtCtx<'_>,
    name: &QualifiedName,
    drops: impl Fn(pb::ObjectType, &NodeEnum) -> bool,
) -> bool {
    let word = name.name.as_str().to_ascii_lowercase();
    crate::rules::support::migration::later_in_file(cx.stmt, &word)
        .iter()
        .any(|s| match &s.node {
            NodeEnum::DropStmt(d) => d
                .objects
                .iter()
                .filter_map(|o| o.node.as_ref())
                .any(|o| drops(d.remove_type(), o)),
            _ => false,
        })
}

/// Whether written names (`[schema.]name`) can stand for `name`.
fn names(written: &[pb::Node], name: &QualifiedName) -> bool {
    crate::sql::split_name(written).is_some_and(|(schema, n)| {
        Ident::new(n.as_str()) == name.name
            && schema.is_none_or(|s| Ident::new(s.as_str()) == name.schema)
    })
}
