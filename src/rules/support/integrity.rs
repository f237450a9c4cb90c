//! Column facts the integrity rules share: name vocabularies, types under
//! their domains, and what a table's CHECK constraints say about a column.

use pg_query::protobuf::{self as pb, AExprKind, Node};
use pg_query::{NodeEnum, NodeRef};

use crate::catalog::{Catalog, Column, ConstraintKind, Expr, Table, TypeKind, TypeName};
use crate::rules::support::foreign_keys;
use crate::sql::ast;

/// Owned strings from a static default list.
pub fn owned(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_string()).collect()
}

/// The underscore-separated words of a column name (`message_count_main`
/// -> message, count, main).
pub fn words(name: &str) -> Vec<&str> {
    name.split('_').filter(|w| !w.is_empty()).collect()
}

/// A name ends with one of the suffixes (`_status`) or equals one of the names.
pub fn matches_vocabulary(name: &str, names: &[String], suffixes: &[String]) -> bool {
    names.iter().any(|n| n == name)
        || suffixes
            .iter()
            .any(|s| name.len() > s.len() && name.ends_with(s.as_str()))
}

/// What a column's type is once its domains are looked through.
pub struct ColumnType<'a> {
    /// The type under every domain (the column's own type without one).
    pub base: &'a TypeName,
    /// Some domain on the way has a CHECK constraint.
    pub domain_check: bool,
    /// The type (or the domain's base) is an enum.
    pub is_enum: bool,
}

/// Domains nest rarely; this bounds the walk if a catalog ever loops.
const MAX_DOMAIN_DEPTH: usize = 16;

pub fn column_type<'a>(cat: &'a Catalog, column: &'a Column) -> ColumnType<'a> {
    let mut ty = &column.ty;
    let mut domain_check = false;
    let mut is_enum = false;
    for _ in 0..MAX_DOMAIN_DEPTH {
        if ty.array_dims > 0 {
            break;
        }
        match cat.types.get(&ty.name).map(|t| &t.kind) {
            Some(TypeKind::Domain { base, has_check }) => {
                domain_check |= *has_check;
                ty = base;
            }
            Some(TypeKind::Enum { .. }) => {
                is_enum = true;
                break;
            }
            _ => break,
        }
    }
    ColumnType {
        base: ty,
        domain_check,
        is_enum,
    }
}

fn builtin_name(ty: &TypeName) -> Option<&str> {
    (ty.is_builtin() && ty.array_dims == 0).then(|| ty.name.name.as_str())
}

pub fn is_numeric(ty: &TypeName) -> bool {
    matches!(
        builtin_name(ty),
        Some("int2" | "int4" | "int8" | "numeric" | "float4" | "float8" | "money")
    )
}

/// A date, time, timestamp or interval.
pub fn is_temporal(ty: &TypeName) -> bool {
    matches!(
        builtin_name(ty),
        Some("date" | "time" | "timetz" | "timestamp" | "timestamptz" | "interval")
    )
}

pub fn is_bool(ty: &TypeName) -> bool {
    builtin_name(ty) == Some("bool")
}

/// `citext`, from whichever schema the extension was installed in.
pub fn is_citext(ty: &TypeName) -> bool {
    ty.array_dims == 0 && ty.name.name.as_str() == "citext"
}

/// A character type: `text`, `varchar`, `char` or `citext` (not arrays).
pub fn is_character(ty: &TypeName) -> bool {
    matches!(builtin_name(ty), Some("text" | "varchar" | "bpchar")) || is_citext(ty)
}

/// A character type with no length limit of its own: `text`, `citext`, or
/// `varchar` written without a length.
pub fn is_unlimited_character(ty: &TypeName) -> bool {
    match builtin_name(ty) {
        Some("text") => true,
        Some("varchar") => ty.mods.is_empty(),
        _ => is_citext(ty),
    }
}

/// The expressions of the table's CHECK constraints.
pub fn checks(table: &Table) -> impl Iterator<Item = Box<Node>> + '_ {
    table.constraints.iter().filter_map(|c| match &c.kind {
        ConstraintKind::Check { expr } => expr.as_ref().map(Expr::node),
        _ => None,
    })
}

/// The column a node names, looking through casts (`col`, `t.col`, `col::text`).
fn column_name(node: &Node) -> Option<String> {
    match node.node.as_ref()? {
        NodeEnum::ColumnRef(c) => ast::strings(&c.fields).pop(),
        NodeEnum::TypeCast(tc) => tc.arg.as_deref().and_then(column_name),
        _ => None,
    }
}

/// A constant, possibly cast or negated (`0`, `0.5`, `'0'::numeric`, `- 1`).
fn is_constant(node: &Node) -> bool {
    match node.node.as_ref() {
        Some(NodeEnum::AConst(_)) => true,
        Some(NodeEnum::TypeCast(tc)) => tc.arg.as_deref().is_some_and(is_constant),
        Some(NodeEnum::AExpr(e)) => {
            e.lexpr.is_none()
                && ast::strings(&e.name) == ["-"]
                && e.rexpr.as_deref().is_some_and(is_constant)
        }
        _ => false,
    }
}

/// Every column name referenced below `node` (last name part).
fn referenced(node: &NodeEnum) -> Vec<String> {
    ast::descendants(node)
        .into_iter()
        .filter_map(|n| match n {
            NodeRef::ColumnRef(c) => ast::strings(&c.fields).pop(),
            _ => None,
        })
        .collect()
}

/// Every column name referenced in `node` (last name part).
pub fn columns_in(node: &Node) -> Vec<String> {
    node.node.as_ref().map(referenced).unwrap_or_default()
}

/// The expression references every one of `columns`.
pub fn mentions_all(expr: &Node, columns: &[&str]) -> bool {
    match &expr.node {
        Some(n) => {
            let refs = referenced(n);
            columns.iter().all(|c| refs.iter().any(|r| r == c))
        }
        None => false,
    }
}

fn a_exprs(expr: &Node) -> impl Iterator<Item = &pb::AExpr> {
    crate::sql::expr::nodes(expr)
        .into_iter()
        .filter_map(|n| match n {
            NodeRef::AExpr(e) => Some(e),
            _ => None,
        })
}

fn kind(e: &pb::AExpr) -> AExprKind {
    AExprKind::try_from(e.kind).unwrap_or(AExprKind::Undefined)
}

/// `col >= c`, `col > c`, `c <= col`, `c < col` or `col BETWEEN c AND ...`
/// for a constant `c`, anywhere in the expression (inside AND, or beside an
/// `col IS NULL OR`).
pub fn bounds_below(expr: &Node, column: &str) -> bool {
    a_exprs(expr).any(|e| {
        let (Some(l), Some(r)) = (e.lexpr.as_deref(), e.rexpr.as_deref()) else {
            return false;
        };
        let is_col = |n: &Node| column_name(n).is_some_and(|c| c == column);
        match kind(e) {
            AExprKind::AexprOp => match ast::strings(&e.name).as_slice() {
                [op] if op == ">=" || op == ">" => is_col(l) && is_constant(r),
                [op] if op == "<=" || op == "<" => is_constant(l) && is_col(r),
                _ => false,
            },
            AExprKind::AexprBetween | AExprKind::AexprBetweenSym => {
                is_col(l)
                    && matches!(r.node.as_ref(), Some(NodeEnum::List(list))
                        if list.items.first().is_some_and(is_constant))
            }
            _ => false,
        }
    })
}

/// The column is limited to a set or a pattern of values: `col IN (...)`,
/// `col = ANY (...)`, `col = 'x'` (as in `col = 'a' OR col = 'b'`), `col ~ '...'`,
/// `col LIKE '...'`, `col SIMILAR TO '...'`.
pub fn limits_values(expr: &Node, column: &str) -> bool {
    a_exprs(expr).any(|e| {
        let on_column = e
            .lexpr
            .as_deref()
            .and_then(column_name)
            .is_some_and(|c| c == column);
        let constant = || e.rexpr.as_deref().is_some_and(is_constant);
        on_column
            && match kind(e) {
                AExprKind::AexprIn | AExprKind::AexprOpAny => true,
                AExprKind::AexprLike | AExprKind::AexprIlike | AExprKind::AexprSimilar => true,
                AExprKind::AexprOp => {
                    matches!(ast::strings(&e.name).as_slice(), [op] if ["=", "~", "~*"].contains(&op.as_str()))
                        && constant()
                }
                _ => false,
            }
    })
}

/// A comparison (`<`, `<=`, `>`, `>=`, BETWEEN) whose operands mention both columns.
pub fn compares(expr: &Node, a: &str, b: &str) -> bool {
    a_exprs(expr).any(|e| {
        let ordered = match kind(e) {
            AExprKind::AexprOp => matches!(
                ast::strings(&e.name).as_slice(),
                [op] if ["<", "<=", ">", ">="].contains(&op.as_str())
            ),
            AExprKind::AexprBetween | AExprKind::AexprBetweenSym => true,
            _ => false,
        };
        let mut refs = Vec::new();
        for side in [e.lexpr.as_deref(), e.rexpr.as_deref()]
            .into_iter()
            .flatten()
        {
            if let Some(n) = &side.node {
                refs.extend(referenced(n));
            }
        }
        ordered && refs.iter().any(|r| r == a) && refs.iter().any(|r| r == b)
    })
}

/// A call to `length`, `char_length`, `character_length` or `octet_length`
/// on the column, as in `CHECK (char_length(body) <= 2000)`.
pub fn limits_length(expr: &Node, column: &str) -> bool {
    crate::sql::expr::calls(expr)
        .into_iter()
        .any(|(call, _, name)| {
            matches!(
                name.as_str(),
                "length" | "char_length" | "character_length" | "octet_length"
            ) && call
                .args
                .first()
                .and_then(column_name)
                .is_some_and(|c| c == column)
        })
}

/// The column is part of the primary key or of a foreign key.
pub fn is_key_column(table: &Table, column: &str) -> bool {
    table.constraints.iter().any(|c| match &c.kind {
        ConstraintKind::PrimaryKey { columns } => columns.iter().any(|k| k.as_str() == column),
        ConstraintKind::ForeignKey(fk) => fk.columns.iter().any(|k| k.as_str() == column),
        _ => false,
    })
}

/// The column is one of a foreign key's columns.
pub fn is_fk_column(table: &Table, column: &str) -> bool {
    foreign_keys(table).any(|(_, fk)| fk.columns.iter().any(|k| k.as_str() == column))
}

/// The column by name.
pub fn column<'a>(table: &'a Table, name: &str) -> Option<&'a Column> {
    table.columns.iter().find(|c| c.name.as_str() == name)
}

/// A default that is the current time (`now()`, `current_timestamp`,
/// `clock_timestamp()`, `timezone('utc', now())`, possibly cast): the column
/// records when the row was written.
pub fn defaults_to_now(expr: &Node) -> bool {
    is_now(expr)
}

fn is_now(node: &Node) -> bool {
    match node.node.as_ref() {
        Some(NodeEnum::TypeCast(tc)) => tc.arg.as_deref().is_some_and(is_now),
        Some(NodeEnum::SqlvalueFunction(f)) => matches!(
            pb::SqlValueFunctionOp::try_from(f.op),
            Ok(pb::SqlValueFunctionOp::SvfopCurrentTimestamp
                | pb::SqlValueFunctionOp::SvfopCurrentTimestampN
                | pb::SqlValueFunctionOp::SvfopLocaltimestamp
                | pb::SqlValueFunctionOp::SvfopLocaltimestampN
                | pb::SqlValueFunctionOp::SvfopCurrentDate)
        ),
        Some(NodeEnum::FuncCall(call)) => match crate::sql::expr::call_name(call).map(|(_, n)| n) {
            Some(n)
                if matches!(
                    n.as_str(),
                    "now" | "clock_timestamp" | "statement_timestamp" | "transaction_timestamp"
                ) =>
            {
                call.args.is_empty()
            }
            Some(n) if n == "timezone" => call.args.last().is_some_and(is_now),
            _ => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::expr::parse;

    #[test]
    fn lower_bounds() {
        for sql in [
            "n >= 0",
            "0 <= n",
            "n > -1",
            "n between 0 and 10",
            "n is null or n >= 0",
            "a > 0 and n >= 0",
            "n::numeric >= 0",
        ] {
            assert!(bounds_below(&parse(sql).unwrap(), "n"), "{sql}");
        }
        for sql in ["n <= 10", "n >= m", "m >= 0", "n <> 0", "n < 0"] {
            assert!(!bounds_below(&parse(sql).unwrap(), "n"), "{sql}");
        }
    }

    #[test]
    fn value_limits() {
        for sql in [
            "s in ('a', 'b')",
            "s = any (array['a', 'b'])",
            "s = 'a' or s = 'b'",
            "s ~ '^[a-z]+$'",
            "s::text like 'image/%'",
        ] {
            assert!(limits_values(&parse(sql).unwrap(), "s"), "{sql}");
        }
        for sql in ["char_length(s) <= 20", "s <> ''", "t in ('a')", "s = t"] {
            assert!(!limits_values(&parse(sql).unwrap(), "s"), "{sql}");
        }
    }

    #[test]
    fn comparisons_of_two_columns() {
        let e = parse("ended_at is null or ended_at >= started_at").unwrap();
        assert!(compares(&e, "started_at", "ended_at"));
        let e = parse("started_at is not null and ended_at is not null").unwrap();
        assert!(!compares(&e, "started_at", "ended_at"));
    }

    #[test]
    fn now_defaults() {
        for sql in [
            "now()",
            "current_timestamp",
            "timezone('utc'::text, now())",
            "now()::timestamp",
        ] {
            assert!(defaults_to_now(&parse(sql).unwrap()), "{sql}");
        }
        assert!(!defaults_to_now(
            &parse("now() + interval '7 days'").unwrap()
        ));
    }
}
