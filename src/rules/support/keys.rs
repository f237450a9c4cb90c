//! Key facts the `keys` rules share: primary keys, the columns a foreign key
//! references, the table a `<thing>_id` column is named for, and comparable
//! column types.

use crate::catalog::{Catalog, Column, ConstraintKind, ForeignKey, Ident, Table, TypeName};
use crate::rules::support::{foreign_keys, integrity};

/// The primary key's columns, if the table has one.
pub fn primary_key(table: &Table) -> Option<&[Ident]> {
    table.constraints.iter().find_map(|c| match &c.kind {
        ConstraintKind::PrimaryKey { columns } => Some(columns.as_slice()),
        _ => None,
    })
}

pub fn column<'a>(table: &'a Table, name: &Ident) -> Option<&'a Column> {
    table.columns.iter().find(|c| &c.name == name)
}

/// The columns `fk` references: the ones it names, or the referenced table's
/// primary key when it names none (as PostgreSQL resolves it).
pub fn referenced_columns<'a>(fk: &'a ForeignKey, parent: &'a Table) -> Option<&'a [Ident]> {
    if fk.ref_columns.is_empty() {
        primary_key(parent)
    } else {
        Some(fk.ref_columns.as_slice())
    }
}

/// The type a column compares as for key purposes: domains are looked
/// through, since a domain over `uuid` stores and compares as `uuid`, and
/// PostgreSQL joins a foreign key on a domain to its base type's equality.
pub fn key_type<'a>(cat: &'a Catalog, column: &'a Column) -> &'a TypeName {
    integrity::column_type(cat, column).base
}

/// Whether two key columns hold the same values: same base type, same
/// array dimensions and the same modifiers (`varchar(10)` is not `varchar(20)`).
pub fn same_key_type(a: &TypeName, b: &TypeName) -> bool {
    a.same_base(b) && a.mods == b.mods
}

/// A type as users write it: `integer` rather than pg_catalog's `int4`.
pub fn display_type(ty: &TypeName) -> String {
    let shown = ty.to_string();
    if !ty.is_builtin() {
        return shown;
    }
    let sql = match ty.name.name.as_str() {
        "int2" => "smallint",
        "int4" => "integer",
        "int8" => "bigint",
        "bool" => "boolean",
        "float4" => "real",
        "float8" => "double precision",
        _ => return shown,
    };
    format!(
        "{sql}{}",
        shown.get(ty.name.name.as_str().len()..).unwrap_or_default()
    )
}

/// Some foreign key of `table` includes `column`.
pub fn covered_by_fk(table: &Table, column: &Ident) -> bool {
    foreign_keys(table).any(|(_, fk)| fk.columns.contains(column))
}

/// The table a column named `<thing>_id` is named for, with its single
/// primary key column: a table `<thing>` or `<thing>s` (also `<thing>es`
/// and `<thin>ies` for `<thing>` ending in `y`), looked up in the column's
/// own schema first, then among the project's tables in other schemas (used
/// only when that finds exactly one). Tables without a single-column primary
/// key are not candidates.
///
/// Two shapes say the column is not a reference to that key, and give
/// None: a default that makes a fresh value (`inbox_id uuid default
/// gen_random_uuid()` is the row's own identifier), and a parent with a
/// column of the same name and type (`stripe_account_id text` beside
/// `stripe_accounts.stripe_account_id text`: the column holds that natural
/// key, an outside system's id, not the parent's primary key).
pub fn implied_parent<'a>(
    cat: &'a Catalog,
    table: &Table,
    col: &Column,
) -> Option<(&'a Table, &'a Column)> {
    // The name first: most columns name no table, and the default is
    // decoded only for those that do.
    let (parent, pk) = named_parent(cat, table, col)?;
    if col
        .default
        .as_ref()
        .is_some_and(|d| generates_values(&d.node()))
    {
        return None;
    }
    let natural = column(parent, &col.name).is_some_and(|same| {
        same.name != pk.name && same_key_type(key_type(cat, same), key_type(cat, col))
    });
    (!natural).then_some((parent, pk))
}

/// Whether a default makes a fresh value for each row (a random uuid, a
/// sequence, a random string): the column is the row's own identifier.
/// A default that looks a value up (`get_user_tenant_id()`) is not one.
fn generates_values(default: &pg_query::protobuf::Node) -> bool {
    const GENERATORS: [&str; 13] = [
        "gen_random_uuid",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "uuid_generate_v7",
        "uuidv4",
        "uuidv7",
        "gen_random_bytes",
        "random",
        "nextval",
        "nanoid",
        "gen_ulid",
        "generate_ulid",
    ];
    crate::sql::expr::calls(default)
        .iter()
        .any(|(_, _, name)| GENERATORS.contains(&name.as_str()))
}

/// [`implied_parent`] by name alone.
fn named_parent<'a>(
    cat: &'a Catalog,
    table: &Table,
    col: &Column,
) -> Option<(&'a Table, &'a Column)> {
    let names = candidate_names(named_thing(col)?);
    let with_pk = |t: &'a Table| -> Option<(&'a Table, &'a Column)> {
        match primary_key(t)? {
            [pk] => column(t, pk).map(|c| (t, c)),
            _ => None,
        }
    };
    let same_schema = names.iter().find_map(|n| {
        let qn =
            crate::catalog::QualifiedName::new(table.name.schema.clone(), Ident::new(n.clone()));
        cat.table(&qn).and_then(with_pk)
    });
    if same_schema.is_some() {
        return same_schema;
    }
    // Look the names up in each other schema (few) rather than scanning
    // every table for every `_id` column.
    let mut elsewhere = cat
        .schemas
        .keys()
        .filter(|s| **s != table.name.schema && !cat.is_platform_schema(s))
        .flat_map(|s| {
            names.iter().filter_map(move |n| {
                cat.table(&crate::catalog::QualifiedName::new(
                    s.clone(),
                    Ident::new(n.clone()),
                ))
            })
        })
        .filter(|t| !t.origin.is_baseline() && !t.extension_owned);
    let first = elsewhere.next()?;
    if elsewhere.next().is_some() {
        return None;
    }
    with_pk(first)
}

/// The table names [`implied_parent`] looks up for `col`, in any schema
/// (none unless the column is named `<thing>_id`): what a per-table rule
/// that calls it notes ([`crate::rules::SchemaCtx::note_table_name`]).
pub fn implied_parent_names(col: &Column) -> Vec<String> {
    named_thing(col).map(candidate_names).unwrap_or_default()
}

/// `thing` of a column named `<thing>_id`.
fn named_thing(col: &Column) -> Option<&str> {
    col.name
        .as_str()
        .strip_suffix("_id")
        .filter(|thing| !thing.is_empty())
}

fn candidate_names(thing: &str) -> Vec<String> {
    let mut names = vec![thing.to_string(), format!("{thing}s"), format!("{thing}es")];
    if let Some(stem) = thing.strip_suffix('y') {
        names.push(format!("{stem}ies"));
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_display_in_sql_spelling() {
        let mut t = TypeName::builtin("int");
        t.array_dims = 1;
        assert_eq!(display_type(&t), "integer[]");
        assert_eq!(display_type(&TypeName::builtin("uuid")), "uuid");
    }

    #[test]
    fn plural_candidates() {
        assert_eq!(candidate_names("job"), ["job", "jobs", "jobes"]);
        assert!(candidate_names("category").contains(&"categories".to_string()));
    }
}
