//! `ALTER COLUMN ... TYPE` that rewrites an existing table. Docs: rules/changing-column-type.yaml.

use pg_query::protobuf as pb;
use pg_query::NodeEnum;

use crate::catalog::{resolve, Ident, TypeName};
use crate::rules::support::keys::display_type;
use crate::rules::support::migration::{alter_table_cmds, altered_table, is_plain_table};
use crate::rules::{StatementRule, StmtCtx};

pub struct ChangingColumnType;

impl StatementRule for ChangingColumnType {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let Some((s, table)) = altered_table(cx).filter(|(s, _)| is_plain_table(s)) else {
            return;
        };
        for cmd in alter_table_cmds(s) {
            if cmd.subtype() != pb::AlterTableType::AtAlterColumnType {
                continue;
            }
            let Some(NodeEnum::ColumnDef(def)) = cmd.def.as_deref().and_then(|d| d.node.as_ref())
            else {
                continue;
            };
            let Some(written) = def.type_name.as_ref() else {
                continue;
            };
            let new = crate::catalog::types::type_name(written, |n| {
                resolve::user_type_schema(cx.catalog, cx.search_path, n)
            });
            let column = Ident::new(cmd.name.clone());
            let old = cx
                .catalog
                .table(&table.name)
                .and_then(|t| t.columns.iter().find(|c| c.name == column))
                .map(|c| &c.ty);
            // A USING expression or a new collation can change stored values
            // or index order, so only the bare type change is trusted, and a
            // USING that only casts the column to the new type (PostgreSQL
            // sees the same relabeling and does not rewrite either).
            let bare_cast = def
                .raw_default
                .as_deref()
                .is_none_or(|using| casts_column_to(cx, using, column.as_str(), &new));
            let plain = bare_cast && def.coll_clause.is_none();
            if plain && old.is_some_and(|old| is_relabel_only(old, &new)) {
                continue;
            }
            // text and citext share their storage: PostgreSQL keeps the
            // table's files, but rebuilds each index on the column (a new
            // operator class), under the same lock.
            if plain && old.is_some_and(|old| is_citext_relabel(cx, old, &new)) {
                match indexes_on(cx, &table.name, &column) {
                    Some(indexes) if indexes.is_empty() => continue,
                    indexes => {
                        let which = match indexes {
                            Some(names) => format!(
                                "its index{} {}",
                                if names.len() == 1 { "" } else { "es" },
                                names
                                    .iter()
                                    .map(|n| format!("`{n}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                            None => "any index on it".to_string(),
                        };
                        let span = Some(cx.stmt.span_at(written.location));
                        cx.report_lock(
                            &table,
                            span,
                            format!(
                                "changing the type of `{column}` to `{}` keeps the rows of `{}` \
                                 but rebuilds {which} under an ACCESS EXCLUSIVE lock",
                                display_type(&new),
                                table.name
                            ),
                        );
                        continue;
                    }
                }
            }
            if plain && old.is_some_and(|old| is_utc_timestamptz(cx, old, &new)) {
                continue;
            }
            let span = Some(cx.stmt.span_at(written.location));
            let shown = display_type(&new);
            cx.report_lock(
                &table,
                span,
                format!(
                    "changing the type of `{column}` to `{shown}` rewrites `{}` under an \
                     ACCESS EXCLUSIVE lock and may break code that reads it",
                    table.name
                ),
            );
        }
    }
}

/// Whether this `ALTER COLUMN ... TYPE` of `table` leaves the table's files
/// and indexes as they are (the cases `check` lets pass without a
/// finding), so that it costs no pass over the rows; false for any other
/// subcommand.
pub(crate) fn keeps_the_table(
    cx: &StmtCtx<'_>,
    table: &crate::catalog::QualifiedName,
    cmd: &pb::AlterTableCmd,
) -> bool {
    if cmd.subtype() != pb::AlterTableType::AtAlterColumnType {
        return false;
    }
    let Some(NodeEnum::ColumnDef(def)) = cmd.def.as_deref().and_then(|d| d.node.as_ref()) else {
        return false;
    };
    let Some(written) = def.type_name.as_ref() else {
        return false;
    };
    let new = crate::catalog::types::type_name(written, |n| {
        resolve::user_type_schema(cx.catalog, cx.search_path, n)
    });
    let column = Ident::new(cmd.name.clone());
    let Some(old) = cx
        .catalog
        .table(table)
        .and_then(|t| t.columns.iter().find(|c| c.name == column))
        .map(|c| &c.ty)
    else {
        return false;
    };
    let plain = def.coll_clause.is_none()
        && def
            .raw_default
            .as_deref()
            .is_none_or(|using| casts_column_to(cx, using, column.as_str(), &new));
    plain
        && (is_relabel_only(old, &new)
            || is_utc_timestamptz(cx, old, &new)
            || (is_citext_relabel(cx, old, &new)
                && indexes_on(cx, table, &column).is_some_and(|ix| ix.is_empty())))
}

/// timestamp -> timestamptz of the same precision while the session's zone
/// is UTC: the same instants, so PostgreSQL 12+ skips the rewrite.
fn is_utc_timestamptz(cx: &StmtCtx<'_>, old: &TypeName, new: &TypeName) -> bool {
    old.is_builtin()
        && old.array_dims == 0
        && old.name.name.as_str() == "timestamp"
        && new.is_builtin()
        && new.array_dims == 0
        && new.name.name.as_str() == "timestamptz"
        && old.mods == new.mods
        && cx.session.time_zone_is_utc()
        && cx.postgres_version() >= 12
}

/// `col`, `col::type` or `CAST(col AS type)`: the column itself, as is
/// (PostgreSQL converts it as it would without USING) or cast to `new`.
fn casts_column_to(cx: &StmtCtx<'_>, using: &pb::Node, column: &str, new: &TypeName) -> bool {
    let is_column = |n: Option<&NodeEnum>| match n {
        Some(NodeEnum::ColumnRef(c)) => {
            crate::sql::ast::strings(&c.fields)
                .last()
                .map(String::as_str)
                == Some(column)
                && c.fields.len() == 1
        }
        _ => false,
    };
    if is_column(using.node.as_ref()) {
        return true;
    }
    let Some(NodeEnum::TypeCast(cast)) = using.node.as_ref() else {
        return false;
    };
    let names_column = is_column(cast.arg.as_deref().and_then(|a| a.node.as_ref()));
    let Some(target) = cast.type_name.as_ref() else {
        return false;
    };
    let target = crate::catalog::types::type_name(target, |n| {
        resolve::user_type_schema(cx.catalog, cx.search_path, n)
    });
    names_column
        && target.name == new.name
        && target.mods == new.mods
        && target.array_dims == new.array_dims
}

/// Changes PostgreSQL makes in the catalog alone, because the stored bytes
/// stay valid (the type's length-coercion support function says no work is
/// needed): `varchar(n)` to a longer or unbounded `varchar` or to `text`,
/// and `numeric(p,s)` to a larger precision with the same scale or to
/// unconstrained `numeric`; and the type the column already has.
fn is_relabel_only(old: &TypeName, new: &TypeName) -> bool {
    // The type it already has: nothing to convert (uuid to uuid).
    if old.name == new.name && old.mods == new.mods && old.array_dims == new.array_dims {
        return true;
    }
    let plain = |t: &TypeName| t.is_builtin() && t.array_dims == 0;
    if !plain(old) || !plain(new) {
        return false;
    }
    match (old.name.name.as_str(), new.name.name.as_str()) {
        ("varchar", "text") => true,
        ("text", "varchar") => new.mods.is_empty(),
        ("varchar", "varchar") => match (old.mods.as_slice(), new.mods.as_slice()) {
            (_, []) => true,
            ([from], [to]) => to >= from,
            _ => false,
        },
        ("numeric", "numeric") => match (numeric_mods(old), numeric_mods(new)) {
            (_, None) => true,
            (Some((p, s)), Some((to_p, to_s))) => to_s == s && to_p >= p,
            (None, Some(_)) => false,
        },
        _ => false,
    }
}

/// `text`, `varchar` (of any length) to `citext`, or `citext` to `text` or
/// unbounded `varchar`: checked on PostgreSQL 15, the table keeps its
/// files (citext is stored as text), and each index on the column is
/// built again. `citext` is the type of the citext extension, in the
/// schema the extension is in.
fn is_citext_relabel(cx: &StmtCtx<'_>, old: &TypeName, new: &TypeName) -> bool {
    let is_citext = |t: &TypeName| {
        t.name.name.as_str() == "citext"
            && t.array_dims == 0
            && cx
                .catalog
                .extensions
                .get(&Ident::new("citext"))
                .is_some_and(|e| e.schema == t.name.schema)
    };
    let textual = |t: &TypeName, bounded_ok: bool| {
        t.is_builtin()
            && t.array_dims == 0
            && match t.name.name.as_str() {
                "text" => true,
                "varchar" => bounded_ok || t.mods.is_empty(),
                _ => false,
            }
    };
    (textual(old, true) && is_citext(new)) || (is_citext(old) && textual(new, false))
}

/// The indexes of `table` that involve `column` (a key, an expression or
/// a predicate that may name it), by name; None when pgvet may not know
/// all the table's indexes (a table no migration made).
fn indexes_on(
    cx: &StmtCtx<'_>,
    table: &crate::catalog::QualifiedName,
    column: &Ident,
) -> Option<Vec<Ident>> {
    use crate::catalog::IndexKey;
    let t = crate::rules::support::changes::table_from_migrations(cx, table)?;
    Some(
        t.indexes
            .iter()
            .filter(|ix| {
                ix.predicate.is_some()
                    || ix.include.contains(column)
                    || ix.elems.iter().any(|e| match &e.key {
                        IndexKey::Column(c) => c == column,
                        IndexKey::Expression(_) => true,
                    })
            })
            .map(|ix| ix.name.clone())
            .collect(),
    )
}

/// `numeric(p)` is `numeric(p,0)`; `numeric` alone is unconstrained (None).
fn numeric_mods(t: &TypeName) -> Option<(i64, i64)> {
    match t.mods.as_slice() {
        [p] => Some((*p, 0)),
        [p, s] => Some((*p, *s)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "changing-column-type";
    const CREATE: &str =
        "create table public.t (id bigint primary key, code varchar(20), price numeric(10,2), n int, at timestamp);";

    fn later(alter: &str) -> crate::rules::testing::Case {
        files(&[("1.sql", CREATE), ("2.sql", alter)])
    }

    #[test]
    fn table_from_an_earlier_file_fires() {
        let out = later("alter table public.t alter column n type bigint;").fires(RULE);
        assert!(out.starts_with("2.sql:1:42 "), "{out}");
        assert!(
            out.contains("type of `n` to `bigint` rewrites `public.t`"),
            "{out}"
        );
    }

    #[test]
    fn table_created_earlier_in_the_same_file_is_quiet() {
        case(&format!(
            "{CREATE}\nalter table public.t alter column n type bigint;"
        ))
        .quiet(RULE);
    }

    #[test]
    fn timestamp_to_timestamptz_under_a_utc_session_is_quiet() {
        // Checked on PostgreSQL 15: the relfilenode stays under each of these
        // zones and changes under Europe/London.
        for set in [
            "set time zone 'UTC';",
            "set timezone = 'Etc/UTC';",
            "set time zone 0;",
            "set local time zone 'GMT';",
            "select set_config('timezone', 'Zulu', false);",
        ] {
            later(&format!(
                "{set}\nalter table public.t alter column at type timestamptz;"
            ))
            .quiet(RULE);
            later(&format!(
                "{set}\nalter table public.t alter column at type timestamptz using at::timestamptz;"
            ))
            .quiet(RULE);
        }
        // The server's default zone is not known; another zone rewrites.
        later("alter table public.t alter column at type timestamptz;").fires(RULE);
        later("set time zone 'Europe/London';\nalter table public.t alter column at type timestamptz;")
            .fires(RULE);
        later("set time zone 'UTC';\nreset timezone;\nalter table public.t alter column at type timestamptz;")
            .fires(RULE);
        // A USING that computes still rewrites.
        later("set time zone 'UTC';\nalter table public.t alter column at type timestamptz using at at time zone 'Europe/Paris';")
            .fires(RULE);
    }

    #[test]
    fn widening_varchar_or_making_it_text_is_quiet() {
        later("alter table public.t alter column code type varchar(40);").quiet(RULE);
        later("alter table public.t alter column code type character varying;").quiet(RULE);
        later("alter table public.t alter column code type text;").quiet(RULE);
    }

    #[test]
    fn the_type_it_already_has_is_quiet() {
        later("alter table public.t alter column id type bigint;").quiet(RULE);
        later("alter table public.t alter column code type varchar(20);").quiet(RULE);
    }

    #[test]
    fn shortening_varchar_fires() {
        later("alter table public.t alter column code type varchar(10);").fires(RULE);
    }

    #[test]
    fn numeric_with_more_precision_and_the_same_scale_is_quiet() {
        later("alter table public.t alter column price type numeric(12,2);").quiet(RULE);
        later("alter table public.t alter column price type numeric;").quiet(RULE);
    }

    #[test]
    fn numeric_with_another_scale_fires() {
        later("alter table public.t alter column price type numeric(12,3);").fires(RULE);
    }

    #[test]
    fn using_that_only_casts_the_column_is_the_bare_change() {
        // varchar -> text with `using code::text` keeps the table's files
        // (PostgreSQL relabels, as without USING).
        later("alter table public.t alter column code type text using code::text;").quiet(RULE);
        later("alter table public.t alter column code type varchar(40) using cast(code as varchar(40));")
            .quiet(RULE);
        later("alter table public.t alter column code type text using code;").quiet(RULE);
    }

    #[test]
    fn using_that_computes_fires_even_when_widening() {
        later("alter table public.t alter column code type text using lower(code);").fires(RULE);
        later("alter table public.t alter column code type text using code::varchar(10);")
            .fires(RULE);
        later("alter table public.t alter column code type text using n::text;").fires(RULE);
    }

    #[test]
    fn new_collation_fires() {
        later("alter table public.t alter column code type text collate \"C\";").fires(RULE);
    }

    #[test]
    fn unknown_column_type_fires() {
        case("alter table legacy alter column code type text;").fires(RULE);
    }

    #[test]
    fn size_from_the_database_sets_the_severity() {
        let sql = "alter table public.t alter column n type bigint;";
        let big = case(sql)
            .live(&[("public", "t", 2_500_000.0, 400 << 20)])
            .fires(RULE);
        assert!(
            big.contains(" error ") && big.contains("2,500,000 rows"),
            "{big}"
        );
        let tiny = case(sql)
            .live(&[("public", "t", 12.0, 16 << 10)])
            .fires(RULE);
        assert!(
            tiny.contains(" info ") && tiny.contains("has about 12 rows"),
            "{tiny}"
        );
    }

    #[test]
    fn text_and_citext_keep_the_table_and_rebuild_only_indexes_on_the_column() {
        // Checked on PostgreSQL 15 in tests/locks.rs.
        let create = "create extension citext;\n\
            create table public.u (id bigint primary key, s text, k text, c citext);\n\
            create index u_k on public.u (k);";
        for quiet in [
            "alter table public.u alter column s type citext;",
            "alter table public.u alter column s type varchar;",
            "alter table public.u alter column c type text;",
            "alter table public.u alter column s type citext using s::citext;",
        ] {
            files(&[("1.sql", create), ("2.sql", quiet)])
                .postgres()
                .quiet(RULE);
        }
        let out = files(&[
            ("1.sql", create),
            ("2.sql", "alter table public.u alter column k type citext;"),
        ])
        .postgres()
        .fires(RULE);
        assert!(
            out.contains("keeps the rows of `public.u` but rebuilds its index `u_k`"),
            "{out}"
        );
        files(&[
            ("1.sql", create),
            (
                "2.sql",
                "alter table public.u alter column c type varchar(50);",
            ),
        ])
        .postgres()
        .fires(RULE);
    }
}
