//! Names as PostgreSQL sees them: already folded (unquoted names lowercased by
//! the parser, quoted names kept), compared exactly.

use std::fmt;

use serde::Serialize;

/// Levenshtein distance in characters, for "did you mean" hints.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

/// ` (did you mean `x`?)` for the candidate [`closest`] to `name`, or nothing.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(name, candidates)
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

/// The candidate closest to `name`: one edit away for names of up to two
/// characters, two for up to eight, three beyond.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = match name.chars().count() {
        0..=2 => 1,
        3..=8 => 2,
        _ => 3,
    };
    candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// One identifier, as PostgreSQL stores it in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Ident(String);

impl Ident {
    /// An identifier exactly as stored (pg_query has already folded it).
    pub fn new(name: impl Into<String>) -> Self {
        Ident(name.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether PostgreSQL would print this name without quotes.
    fn is_plain(&self) -> bool {
        let mut chars = self.0.chars();
        let first_ok = chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
        first_ok
            && self
                .0
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$')
            && !super::keywords::is_reserved(&self.0)
    }
}

impl fmt::Display for Ident {
    /// Prints the name the way PostgreSQL's `quote_ident` would.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_plain() {
            f.write_str(&self.0)
        } else {
            write!(f, "\"{}\"", self.0.replace('"', "\"\""))
        }
    }
}

impl From<&str> for Ident {
    fn from(s: &str) -> Self {
        Ident::new(s)
    }
}

/// A schema-qualified name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QualifiedName {
    pub schema: Ident,
    pub name: Ident,
}

impl QualifiedName {
    pub fn new(schema: impl Into<Ident>, name: impl Into<Ident>) -> Self {
        QualifiedName {
            schema: schema.into(),
            name: name.into(),
        }
    }
}

impl From<String> for Ident {
    fn from(s: String) -> Self {
        Ident(s)
    }
}

impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.schema, self.name)
    }
}

/// A schema-qualified name as two borrowed strings, to look a
/// [`QualifiedName`] key up in a map without making one: name lookups run
/// for nearly every statement, and allocating the two strings of a key for
/// each probe was a good part of them. `&("public", "t") as &dyn NameKey`.
/// Ordered as `QualifiedName` is: schema, then name.
pub trait NameKey {
    fn parts(&self) -> (&str, &str);
}

impl NameKey for QualifiedName {
    fn parts(&self) -> (&str, &str) {
        (self.schema.as_str(), self.name.as_str())
    }
}

impl NameKey for (&str, &str) {
    fn parts(&self) -> (&str, &str) {
        (self.0, self.1)
    }
}

impl<'a> std::borrow::Borrow<dyn NameKey + 'a> for QualifiedName {
    fn borrow(&self) -> &(dyn NameKey + 'a) {
        self
    }
}

impl PartialEq for dyn NameKey + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.parts() == other.parts()
    }
}

impl Eq for dyn NameKey + '_ {}

impl PartialOrd for dyn NameKey + '_ {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for dyn NameKey + '_ {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.parts().cmp(&other.parts())
    }
}

/// `schema.name` in a report (JSON); both parts in a binary form (a cached
/// model), where a dot in a name cannot make it ambiguous.
impl Serialize for QualifiedName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.collect_str(self)
        } else {
            (&self.schema, &self.name).serialize(s)
        }
    }
}

/// Only the binary form is read back.
impl<'de> serde::Deserialize<'de> for QualifiedName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            return Err(serde::de::Error::custom(
                "a qualified name is read back only from its binary form",
            ));
        }
        let (schema, name) = <(Ident, Ident)>::deserialize(d)?;
        Ok(QualifiedName { schema, name })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrowed_names_find_what_qualified_names_find() {
        // A map ordered by QualifiedName must find a key by its borrowed
        // parts: both orders must agree, schema first.
        let names = [
            ("public", "b"),
            ("public", "a"),
            ("auth", "z"),
            ("Public", "a"),
            ("public", "ab"),
            ("", "a"),
            ("public", ""),
        ];
        let map: std::collections::BTreeMap<QualifiedName, usize> = names
            .iter()
            .enumerate()
            .map(|(i, (s, n))| (QualifiedName::new(*s, *n), i))
            .collect();
        for (i, (s, n)) in names.iter().enumerate() {
            assert_eq!(map.get(&(*s, *n) as &dyn NameKey), Some(&i), "{s}.{n}");
        }
        assert_eq!(map.get(&("public", "c") as &dyn NameKey), None);
        assert_eq!(map.get(&("storage", "a") as &dyn NameKey), None);
    }

    #[test]
    fn quotes_only_when_postgres_would() {
        assert_eq!(Ident::new("messages").to_string(), "messages");
        assert_eq!(Ident::new("Messages").to_string(), "\"Messages\"");
        assert_eq!(Ident::new("user").to_string(), "\"user\"");
        assert_eq!(Ident::new("a\"b").to_string(), "\"a\"\"b\"");
        assert_eq!(
            QualifiedName::new("public", "my table").to_string(),
            "public.\"my table\""
        );
    }

    #[test]
    fn quoted_and_unquoted_names_differ() {
        assert_ne!(Ident::new("Users"), Ident::new("users"));
    }
}
