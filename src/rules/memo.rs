//! What an editor's lint keeps of the schema rules between two lints.
//!
//! Most schema rules look at one table at a time: its columns, constraints,
//! indexes and policies, and a few settings of the catalog. Such a rule says
//! so ([`super::SchemaRule::per_table`]); an editor's lint, which replays
//! from a checkpoint before the file in focus, then runs it again only on
//! the tables a change reached, and keeps its findings on the others.
//!
//! What changed is found by comparing models, not by trusting the replay to
//! say what it touched. The base (the checkpoint's catalog, which does not
//! change between two lints from it) is at hand; each lint keeps copies of
//! the entries where its final catalog differs from the base, which are
//! few (what the file in focus made). The last lint's catalog is the base
//! with those entries, so comparing it with this one's reads only the
//! entries either lint changed. A table that compares equal is not checked
//! again; neither is any table when a part the rule reads besides tables
//! (the catalog's settings, and functions, views or sequences if it says
//! so) changed. A rule that follows a table's policies into other tables
//! notes their names as it checks it ([`Beyond::NamedTables`]); the table
//! is checked again when a table of one of those names changed.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::catalog::{
    ApiRoles, Catalog, DefaultPrivilege, Extension, Function, Ident, Platform, Publication,
    QualifiedName, Schema, Sequence, Shared, Table, TypeDef, View,
};
use crate::findings::stored::StoredFinding;
use crate::findings::Finding;

/// A part of the catalog a per-table rule reads besides the table it
/// checks and the catalog's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Beyond {
    Functions,
    Views,
    Sequences,
    /// Other tables, by name: the rule notes each name it looks up while
    /// it checks a table ([`super::SchemaCtx::note_table_name`]), whether
    /// a table of that name exists or not.
    NamedTables,
}

/// A per-table rule's findings, by the table they were found on.
pub type ByTable = BTreeMap<QualifiedName, Vec<Finding>>;

/// The table names (without schema) a [`Beyond::NamedTables`] rule looked
/// up while it checked each table; only tables with some.
pub type NamesByTable = BTreeMap<QualifiedName, Vec<Ident>>;

/// The last lint from one base catalog: where its catalog differed from
/// the base, and what each per-table rule found on each table.
#[derive(Default)]
pub struct SchemaMemo {
    files: Vec<String>,
    differed: Differed,
    pub(super) by_rule: HashMap<&'static str, RuleMemo>,
    /// How many tables changed since the lint before (None: it had none
    /// to start from).
    changed: Option<usize>,
}

impl SchemaMemo {
    /// How many tables the lint that made this memo found changed since
    /// the lint before it from the same base: the tables per-table rules
    /// checked again, unless a part they read changed too. None when
    /// there was no lint before it to start from.
    pub fn changed_tables(&self) -> Option<usize> {
        self.changed
    }

    /// The findings (and names looked up) by rule, taken out (the next
    /// lint moves what it keeps of them into its own memo instead of
    /// copying them).
    pub(super) fn take_findings(&mut self) -> HashMap<&'static str, RuleMemo> {
        std::mem::take(&mut self.by_rule)
    }
}

/// What one per-table rule found on each table in the last lint, and the
/// table names it looked up: as that lint left them, or as a cache file
/// keeps them until a lint reads what it needs of them ([`RuleMemo::open`]).
pub(super) enum RuleMemo {
    Open(ByTable, NamesByTable),
    Stored(StoredRule),
}

/// A per-table rule's findings as a cache file keeps them: in parts, one
/// per file the findings are placed in (a lint that keeps the findings of
/// a few files reads only their parts), and the table names it looked up,
/// read only when a table is checked again or the memo is kept. On a warm
/// `--only` lint of 6,000 tables, reading every finding and name of the
/// memo was about a seventh of the CPU time (issue 27).
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub(super) struct StoredRule {
    /// By the file of the findings' spans (None: without a span), each a
    /// [`Part`] in postcard's form.
    parts: Vec<(Option<u32>, Blob)>,
    /// The [`NamesByTable`], in postcard's form.
    named: Blob,
}

/// The findings of one part, by table in table order, each with its place
/// in the table's list (a table's findings may lie in several parts).
type Part = Vec<(QualifiedName, Vec<(u32, StoredFinding)>)>;

/// Bytes written as bytes (postcard writes a `Vec<u8>` as a list of numbers).
#[derive(Clone, Default)]
struct Blob(Vec<u8>);

impl serde::Serialize for Blob {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Blob {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Blob, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Blob;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Blob, E> {
                Ok(Blob(v.to_vec()))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Blob, E> {
                Ok(Blob(v))
            }
        }
        d.deserialize_byte_buf(Visitor)
    }
}

impl RuleMemo {
    /// The form a cache file keeps (`rule` gives the findings' usual help).
    fn stored(&self, rule: &str) -> StoredRule {
        let (by_table, named) = match self {
            RuleMemo::Stored(stored) => return stored.clone(),
            RuleMemo::Open(by_table, named) => (by_table, named),
        };
        let help = super::help_of(rule);
        let mut parts: BTreeMap<Option<u32>, Part> = BTreeMap::new();
        for (table, found) in by_table {
            for (place, f) in (0u32..).zip(found) {
                let part = parts.entry(f.span.map(|s| s.file.0)).or_default();
                let stored = (place, StoredFinding::of(f, help));
                match part.last_mut() {
                    Some((last, list)) if last == table => list.push(stored),
                    _ => part.push((table.clone(), vec![stored])),
                }
            }
        }
        // Writing to memory fails only when out of it; an empty blob
        // reads back as no memo for the rule (it checks every table).
        let blob = |bytes: postcard::Result<Vec<u8>>| Blob(bytes.unwrap_or_default());
        StoredRule {
            parts: parts
                .into_iter()
                .map(|(file, part)| (file, blob(postcard::to_stdvec(&part))))
                .collect(),
            named: blob(postcard::to_stdvec(named)),
        }
    }

    /// The findings and names, read back where they were stored: only the
    /// findings placed in a file `files` holds (every finding when None),
    /// and the names only when `names` is set (else none). None when a
    /// stored part does not read back (the rule then checks every table).
    pub(super) fn open(
        self,
        files: Option<&[bool]>,
        names: bool,
    ) -> Option<(ByTable, NamesByTable)> {
        let stored = match self {
            RuleMemo::Open(by_table, named) => return Some((by_table, named)),
            RuleMemo::Stored(stored) => stored,
        };
        let wanted = |file: Option<u32>| match files {
            None => true,
            Some(files) => file.is_some_and(|f| files.get(f as usize) == Some(&true)),
        };
        let mut placed: BTreeMap<QualifiedName, Vec<(u32, Finding)>> = BTreeMap::new();
        for (_, blob) in stored.parts.iter().filter(|(file, _)| wanted(*file)) {
            let part: Part = postcard::from_bytes(&blob.0).ok()?;
            for (table, list) in part {
                let entry = placed.entry(table).or_default();
                for (place, f) in list {
                    entry.push((place, f.finding(super::stored_rule)?));
                }
            }
        }
        let by_table = placed
            .into_iter()
            .map(|(table, mut list)| {
                list.sort_by_key(|(place, _)| *place);
                (table, list.into_iter().map(|(_, f)| f).collect())
            })
            .collect();
        let named = match names {
            true => postcard::from_bytes(&stored.named.0).ok()?,
            false => NamesByTable::new(),
        };
        Some((by_table, named))
    }
}

/// A [`SchemaMemo`] as a cache file keeps it: the rules by id, and each
/// rule's findings and names ([`StoredRule`]).
#[derive(serde::Serialize, serde::Deserialize)]
pub struct StoredMemo {
    files: Vec<String>,
    differed: Differed,
    by_rule: Vec<(String, StoredRule)>,
    changed: Option<usize>,
}

impl SchemaMemo {
    pub fn stored(&self) -> StoredMemo {
        let mut by_rule: Vec<_> = self
            .by_rule
            .iter()
            .map(|(rule, memo)| (rule.to_string(), memo.stored(rule)))
            .collect();
        by_rule.sort_by(|a, b| a.0.cmp(&b.0));
        StoredMemo {
            files: self.files.clone(),
            differed: self.differed.clone(),
            by_rule,
            changed: self.changed,
        }
    }

    /// The memo `stored` keeps, its rules' findings still as stored; None
    /// when it names a rule this build does not have.
    pub fn restored(stored: StoredMemo) -> Option<SchemaMemo> {
        let by_rule = stored
            .by_rule
            .into_iter()
            .map(|(rule, memo)| Some((super::id_of(&rule)?, RuleMemo::Stored(memo))))
            .collect::<Option<HashMap<_, _>>>()?;
        Some(SchemaMemo {
            files: stored.files,
            differed: stored.differed,
            by_rule,
            changed: stored.changed,
        })
    }
}

/// The entries of one of the catalog's maps that differ from the base's:
/// the value now, or None where the base has an entry and the catalog not.
type Delta<K, V> = BTreeMap<K, Option<V>>;

fn delta<K: Ord + Clone, V: PartialEq + Clone>(
    base: &BTreeMap<K, V>,
    now: &BTreeMap<K, V>,
) -> Delta<K, V> {
    // Both maps walked side by side in key order (one comparison of keys
    // per step, not a search of `base` per key of `now`).
    let mut out = Vec::new();
    let mut base = base.iter().peekable();
    for (key, value) in now {
        while let Some((gone, _)) = base.next_if(|(k, _)| *k < key) {
            out.push((gone.clone(), None));
        }
        match base.next_if(|(k, _)| *k == key) {
            Some((_, was)) if was == value => {}
            _ => out.push((key.clone(), Some(value.clone()))),
        }
    }
    out.extend(base.map(|(gone, _)| (gone.clone(), None)));
    out.into_iter().collect()
}

/// The keys whose entries differ between the last lint's map (the base's
/// with `last`'s differences) and `now` (the base's with `now_delta`'s),
/// lazily (a key both deltas hold may come twice). An entry in neither
/// delta is the base's both times.
fn changed<'k, K: Ord, V: PartialEq>(
    base: &'k BTreeMap<K, V>,
    last: &'k Delta<K, V>,
    now: &'k BTreeMap<K, V>,
    now_delta: &'k Delta<K, V>,
) -> impl Iterator<Item = &'k K> + 'k {
    last.keys().chain(now_delta.keys()).filter(move |key| {
        let then = match last.get(*key) {
            Some(value) => value.as_ref(),
            None => base.get(*key),
        };
        then != now.get(*key)
    })
}

/// Where a final catalog differs from the base: its maps' differences, and
/// its other settings whole (they are small).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct Differed {
    tables: Delta<QualifiedName, Shared<Table>>,
    functions: Delta<QualifiedName, Shared<Vec<Function>>>,
    views: Delta<QualifiedName, View>,
    sequences: Delta<QualifiedName, Sequence>,
    schemas: Delta<Ident, Schema>,
    types: Delta<QualifiedName, TypeDef>,
    publications: Delta<Ident, Publication>,
    extensions: Delta<Ident, Extension>,
    rest: Rest,
}

/// The catalog's settings that are not maps of objects.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
struct Rest {
    platform: Option<Platform>,
    roles: BTreeSet<Ident>,
    default_privileges: Vec<DefaultPrivilege>,
    public_execute_revoked: bool,
    default_privileges_role: Option<Ident>,
    exposed_schemas: BTreeSet<Ident>,
    api_roles: Option<ApiRoles>,
}

impl Differed {
    fn between(base: &Catalog, now: &Catalog) -> Differed {
        Differed {
            tables: delta(&base.tables, &now.tables),
            functions: delta(&base.functions, &now.functions),
            views: delta(&base.views, &now.views),
            sequences: delta(&base.sequences, &now.sequences),
            schemas: delta(&base.schemas, &now.schemas),
            types: delta(&base.types, &now.types),
            publications: delta(&base.publications, &now.publications),
            extensions: delta(&base.extensions, &now.extensions),
            rest: Rest {
                platform: Some(now.platform),
                roles: now.roles.clone(),
                default_privileges: now.default_privileges.clone(),
                public_execute_revoked: now.public_execute_revoked,
                default_privileges_role: now.default_privileges_role.clone(),
                exposed_schemas: now.exposed_schemas.clone(),
                api_roles: Some(now.api_roles.clone()),
            },
        }
    }
}

/// What changed between the last lint's catalog and this one's.
struct Since {
    tables: BTreeSet<QualifiedName>,
    settings: bool,
    functions: bool,
    views: bool,
    sequences: bool,
}

impl Since {
    fn between(base: &Catalog, last: &Differed, now: &Catalog, now_delta: &Differed) -> Since {
        // The keys of one map that changed since the last lint.
        macro_rules! changed_in {
            ($part:ident) => {
                changed(&base.$part, &last.$part, &now.$part, &now_delta.$part)
            };
        }
        Since {
            tables: changed_in!(tables).cloned().collect(),
            settings: last.rest != now_delta.rest
                || changed_in!(schemas).next().is_some()
                || changed_in!(types).next().is_some()
                || changed_in!(publications).next().is_some()
                || changed_in!(extensions).next().is_some(),
            functions: changed_in!(functions).next().is_some(),
            views: changed_in!(views).next().is_some(),
            sequences: changed_in!(sequences).next().is_some(),
        }
    }

    fn reaches(&self, part: Beyond) -> bool {
        match part {
            Beyond::Functions => self.functions,
            Beyond::Views => self.views,
            Beyond::Sequences => self.sequences,
            // Which tables a change reaches through names is known only
            // table by table (`with_named`).
            Beyond::NamedTables => false,
        }
    }
}

/// What changed since the last lint from the same base.
pub struct Changes {
    /// Where the catalog differs from the base now (kept for the next lint).
    now: Differed,
    files: Vec<String>,
    /// What changed since the last lint; None when there is no last lint
    /// to start from (everything is checked).
    since: Option<Since>,
}

impl Changes {
    pub fn between(
        base: &Catalog,
        catalog: &Catalog,
        files: &[String],
        last: Option<&SchemaMemo>,
    ) -> Changes {
        let now = Differed::between(base, catalog);
        let since = last
            .filter(|m| m.files == files)
            .map(|m| Since::between(base, &m.differed, catalog, &now));
        Changes {
            now,
            files: files.to_vec(),
            since,
        }
    }

    /// The tables to check again, when the findings on the others can be
    /// kept for a rule reading `beyond`.
    pub(super) fn recheck(&self, beyond: &[Beyond]) -> Option<&BTreeSet<QualifiedName>> {
        let since = self.since.as_ref()?;
        let kept = !since.settings && beyond.iter().all(|&part| !since.reaches(part));
        kept.then_some(&since.tables)
    }

    /// What changed, for `PGVET_TIMING`.
    pub(super) fn describe(&self) -> String {
        match &self.since {
            None => "no memo to start from".to_string(),
            Some(s) => format!(
                "{} tables changed; settings {}, functions {}, views {}, sequences {}",
                s.tables.len(),
                s.settings,
                s.functions,
                s.views,
                s.sequences
            ),
        }
    }

    pub(super) fn into_memo(
        self,
        by_rule: HashMap<&'static str, (ByTable, NamesByTable)>,
    ) -> SchemaMemo {
        SchemaMemo {
            changed: self.since.as_ref().map(|s| s.tables.len()),
            files: self.files,
            differed: self.now,
            by_rule: by_rule
                .into_iter()
                .map(|(rule, (by_table, named))| (rule, RuleMemo::Open(by_table, named)))
                .collect(),
        }
    }
}

/// The tables to check again, `recheck`, with those whose last check
/// looked up the name of one of them (`named`, from that check).
pub(super) fn with_named(
    recheck: &BTreeSet<QualifiedName>,
    named: &NamesByTable,
) -> BTreeSet<QualifiedName> {
    if recheck.is_empty() {
        return BTreeSet::new();
    }
    let changed: std::collections::HashSet<&str> =
        recheck.iter().map(|q| q.name.as_str()).collect();
    let mut out = recheck.clone();
    out.extend(
        named
            .iter()
            .filter(|(_, names)| names.iter().any(|n| changed.contains(n.as_str())))
            .map(|(table, _)| table.clone()),
    );
    out
}

/// A per-table rule's findings on every table of `catalog`, with the
/// table names it looked up: `run` on the tables to check again, the last
/// lint's on the others (`kept`, with the tables to check again).
pub(super) fn by_table(
    catalog: &Catalog,
    kept: Option<(ByTable, NamesByTable, &BTreeSet<QualifiedName>)>,
    mut run: impl FnMut(&Table) -> (Vec<Finding>, Vec<Ident>),
) -> (ByTable, NamesByTable) {
    let Some((mut found, mut named, recheck)) = kept else {
        // Every table checked.
        let (mut found, mut named) = (Vec::new(), Vec::new());
        for (name, table) in &catalog.tables {
            let (list, names) = run(table);
            if !list.is_empty() {
                found.push((name.clone(), list));
            }
            if !names.is_empty() {
                named.push((name.clone(), names));
            }
        }
        // In table order: collected in one pass each.
        return (found.into_iter().collect(), named.into_iter().collect());
    };
    // The tables to check again hold every table added, changed or
    // removed since the last lint: the last lint's entries for the others
    // are this one's, and only those to check again are replaced (in a
    // warm lint, a few among thousands).
    for name in recheck {
        found.remove(name);
        named.remove(name);
        if let Some(table) = catalog.tables.get(name) {
            let (list, names) = run(table);
            if !list.is_empty() {
                found.insert(name.clone(), list);
            }
            if !names.is_empty() {
                named.insert(name.clone(), names);
            }
        }
    }
    (found, named)
}

/// The findings of [`by_table`], in table order.
pub(super) fn flatten(by_table: &ByTable) -> Vec<Finding> {
    by_table.values().flatten().cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A finding of `missing-foreign-key` on `table`, placed in `file`
    /// (none: without a span).
    fn found(table: &str, file: Option<u32>, message: &str) -> Finding {
        let rule = crate::rules::find("missing-foreign-key").expect("a rule of this build");
        Finding {
            rule: rule.id(),
            severity: crate::findings::Severity::Warning,
            message: message.to_string(),
            object: format!("public.{table}"),
            location: None,
            help: rule.help().to_string(),
            span: file.map(|f| crate::sql::Span {
                file: crate::sql::FileId(f),
                start: 0,
                end: 1,
            }),
            remedy: None,
            related: Vec::new(),
        }
    }

    #[test]
    fn a_stored_rule_memo_reads_back_the_files_asked_for_in_order() {
        let name = |t: &str| QualifiedName::new("public", t);
        // Table a's findings lie in files 2, 0 and 2 again, in that order.
        let by_table: ByTable = [
            (
                name("a"),
                vec![
                    found("a", Some(2), "first"),
                    found("a", Some(0), "second"),
                    found("a", Some(2), "third"),
                ],
            ),
            (name("b"), vec![found("b", None, "no span")]),
            (name("c"), vec![found("c", Some(1), "in file 1")]),
        ]
        .into();
        let named: NamesByTable = [(name("a"), vec![Ident::new("users")])].into();
        let open = RuleMemo::Open(by_table.clone(), named.clone());
        let stored = RuleMemo::Stored(open.stored("missing-foreign-key"));
        let messages = |by_table: &ByTable| -> Vec<(String, String)> {
            by_table
                .iter()
                .flat_map(|(t, list)| list.iter().map(|f| (t.name.to_string(), f.message.clone())))
                .collect()
        };
        // Every file, with the names: what was stored, in its order.
        let (all, all_named) = stored_again(&stored).open(None, true).unwrap();
        assert_eq!(messages(&all), messages(&by_table));
        assert_eq!(all, by_table);
        assert_eq!(all_named, named);
        // Files 0 and 2 only, without the names.
        let files = [true, false, true];
        let (some, some_named) = stored_again(&stored).open(Some(&files), false).unwrap();
        assert_eq!(
            messages(&some),
            [("a", "first"), ("a", "second"), ("a", "third")]
                .map(|(t, m)| (t.to_string(), m.to_string()))
        );
        assert!(some_named.is_empty());
        // File 1 only: neither file 2's findings nor the one without a span.
        let (one, _) = stored_again(&stored)
            .open(Some(&[false, true]), false)
            .unwrap();
        assert_eq!(messages(&one), [("c".to_string(), "in file 1".to_string())]);
        // A part that does not read back: no memo at all.
        let RuleMemo::Stored(mut broken) = stored_again(&stored) else {
            unreachable!()
        };
        broken.parts[0].1 = Blob(vec![0xff; 3]);
        assert!(RuleMemo::Stored(broken).open(None, false).is_none());
    }

    /// `memo` written to bytes and read back, as a cache file does.
    fn stored_again(memo: &RuleMemo) -> RuleMemo {
        let bytes = postcard::to_stdvec(&memo.stored("missing-foreign-key")).unwrap();
        RuleMemo::Stored(postcard::from_bytes(&bytes).unwrap())
    }

    #[test]
    fn delta_holds_the_entries_added_changed_and_removed() {
        let base: BTreeMap<u32, &str> = [(1, "a"), (3, "c"), (5, "e"), (7, "g"), (9, "i")].into();
        let now: BTreeMap<u32, &str> =
            [(0, "z"), (3, "c"), (4, "d"), (5, "E"), (9, "i"), (10, "j")].into();
        let got = delta(&base, &now);
        let want: Delta<u32, &str> = [
            (0, Some("z")),
            (1, None),
            (4, Some("d")),
            (5, Some("E")),
            (7, None),
            (10, Some("j")),
        ]
        .into();
        assert_eq!(got, want);
        assert!(delta(&base, &base).is_empty());
        let empty = BTreeMap::new();
        assert_eq!(delta(&empty, &base).len(), base.len());
        assert!(delta(&base, &empty).values().all(Option::is_none));
    }
}
