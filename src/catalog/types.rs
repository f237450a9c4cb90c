//! Type names, normalized once so that `int`, `integer` and `int4` compare equal.

use std::fmt;

use pg_query::protobuf as pb;

use super::ident::{Ident, QualifiedName};
use crate::sql::ast;

/// A column, argument or return type. Built-in types are stored under
/// `pg_catalog` with PostgreSQL's internal name (`int4`, `timestamptz`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct TypeName {
    pub name: QualifiedName,
    /// Type modifiers as written: `varchar(20)` -> [20], `numeric(10,3)` -> [10, 3].
    pub mods: Vec<i64>,
    pub array_dims: u32,
    /// Written unqualified, so it was resolved through the search_path.
    pub unqualified: bool,
}

/// SQL spellings of built-in types and the internal name pg_catalog uses.
const ALIASES: &[(&str, &str)] = &[
    ("bigint", "int8"),
    ("bigserial", "int8"),
    ("bit varying", "varbit"),
    ("boolean", "bool"),
    ("char", "bpchar"),
    ("character", "bpchar"),
    ("character varying", "varchar"),
    ("decimal", "numeric"),
    ("double precision", "float8"),
    ("float", "float8"),
    ("int", "int4"),
    ("integer", "int4"),
    ("real", "float4"),
    ("serial", "int4"),
    ("serial2", "int2"),
    ("serial4", "int4"),
    ("serial8", "int8"),
    ("smallint", "int2"),
    ("smallserial", "int2"),
    ("time with time zone", "timetz"),
    ("time without time zone", "time"),
    ("timestamp with time zone", "timestamptz"),
    ("timestamp without time zone", "timestamp"),
];

/// Internal names of built-in types (pg_catalog), enough for migrations.
const BUILTIN: &[&str] = &[
    "aclitem",
    "any",
    "anyarray",
    "anycompatible",
    "anycompatiblearray",
    "anyelement",
    "anyenum",
    "anynonarray",
    "anyrange",
    "bit",
    "bool",
    "box",
    "bpchar",
    "bytea",
    "char",
    "cidr",
    "circle",
    "cstring",
    "date",
    "daterange",
    "datemultirange",
    "event_trigger",
    "float4",
    "float8",
    "inet",
    "int2",
    "int2vector",
    "int4",
    "int4range",
    "int4multirange",
    "int8",
    "int8range",
    "int8multirange",
    "internal",
    "interval",
    "json",
    "jsonb",
    "jsonpath",
    "line",
    "lseg",
    "macaddr",
    "macaddr8",
    "money",
    "name",
    "numeric",
    "numrange",
    "nummultirange",
    "oid",
    "path",
    "pg_lsn",
    "pg_snapshot",
    "point",
    "polygon",
    "record",
    "refcursor",
    "regclass",
    "regconfig",
    "regdictionary",
    "regnamespace",
    "regoper",
    "regoperator",
    "regproc",
    "regprocedure",
    "regrole",
    "regtype",
    "setof",
    "text",
    "tid",
    "time",
    "timestamp",
    "timestamptz",
    "timetz",
    "trigger",
    "tsmultirange",
    "tsquery",
    "tsrange",
    "tstzmultirange",
    "tstzrange",
    "tsvector",
    "txid_snapshot",
    "uuid",
    "varbit",
    "varchar",
    "void",
    "xid",
    "xid8",
    "xml",
];

/// The internal name of a built-in type written as `name`, if it is one.
pub fn builtin(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    if let Some((_, internal)) = ALIASES.iter().find(|(alias, _)| *alias == lower) {
        return Some(internal);
    }
    BUILTIN.iter().copied().find(|b| *b == lower)
}

/// Whether a type was declared with a serial pseudo-type (implies a sequence default).
pub fn is_serial(name: &str) -> bool {
    matches!(
        name,
        "serial" | "serial2" | "serial4" | "serial8" | "bigserial" | "smallserial"
    )
}

impl TypeName {
    pub fn builtin(name: &str) -> Self {
        let internal = builtin(name).unwrap_or(name);
        TypeName {
            name: QualifiedName::new("pg_catalog", internal),
            mods: Vec::new(),
            array_dims: 0,
            unqualified: true,
        }
    }

    pub fn is_builtin(&self) -> bool {
        self.name.schema.as_str() == "pg_catalog"
    }

    /// The same type ignoring modifiers (`varchar(20)` vs `varchar(40)`).
    pub fn same_base(&self, other: &TypeName) -> bool {
        self.name == other.name && self.array_dims == other.array_dims
    }
}

impl fmt::Display for TypeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_builtin() {
            write!(f, "{}", self.name.name)?;
        } else {
            write!(f, "{}", self.name)?;
        }
        if !self.mods.is_empty() {
            let mods: Vec<String> = self.mods.iter().map(i64::to_string).collect();
            write!(f, "({})", mods.join(","))?;
        }
        for _ in 0..self.array_dims {
            f.write_str("[]")?;
        }
        Ok(())
    }
}

/// Convenience for tests and baselines.
pub fn ident(s: &str) -> Ident {
    Ident::new(s)
}

/// Converts a parsed type name; built-ins are normalized to pg_catalog.
/// `resolve` maps an unqualified user type name to its schema.
pub fn type_name(t: &pb::TypeName, resolve: impl Fn(&str) -> Option<Ident>) -> TypeName {
    let parts = ast::strings(&t.names);
    let (schema, name) = match parts.as_slice() {
        [.., s, n] => (Some(s.as_str()), n.as_str()),
        [n] => (None, n.as_str()),
        [] => (None, "unknown"),
    };
    let mods = t
        .typmods
        .iter()
        .filter_map(|m| ast::const_text(m)?.parse().ok())
        .collect();
    let array_dims = u32::try_from(t.array_bounds.len()).unwrap_or(u32::MAX);
    let unqualified = schema.is_none();
    let qualified = match schema {
        Some("pg_catalog") => QualifiedName::new("pg_catalog", builtin(name).unwrap_or(name)),
        Some(s) => QualifiedName::new(s, name),
        None => match resolve(name) {
            Some(s) => QualifiedName::new(s, name),
            None => QualifiedName::new("pg_catalog", builtin(name).unwrap_or(name)),
        },
    };
    TypeName {
        name: qualified,
        mods,
        array_dims,
        unqualified,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_normalize_to_internal_names() {
        assert_eq!(builtin("INTEGER"), Some("int4"));
        assert_eq!(builtin("timestamp with time zone"), Some("timestamptz"));
        assert_eq!(builtin("int8"), Some("int8"));
        assert_eq!(builtin("citext"), None);
        assert_eq!(TypeName::builtin("int"), TypeName::builtin("int4"));
    }
}
