//! The catalog's tables in their binary form (a cached model): in chunks,
//! each written on its own, so that reading them back runs on every core.
//! Reading a cached model of 6,000 tables was most of a warm lint's time,
//! and the tables most of the model. The human-readable form (JSON) is the
//! plain map.
//!
//! A cache file keeps the tables apart from the rest of the model
//! ([`apart`], [`write`], [`read`]), so that the rest, read on one thread,
//! is read while the tables are.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{sharing, QualifiedName, Shared, Table};

type Tables = BTreeMap<QualifiedName, Shared<Table>>;

/// Tables per chunk: enough chunks at 6,000 tables for both cores to stay
/// busy, few enough that the grant maps they share are written again only
/// a few times (once per chunk).
const CHUNK: usize = 500;

/// A chunk's bytes, written as bytes (not as a list of numbers).
struct Bytes<'a>(&'a [u8]);

impl Serialize for Bytes<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

thread_local! {
    /// Set while [`apart`] runs on this thread.
    static APART: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` (which writes or reads a model in binary form on this thread)
/// with the catalog's tables left out: written as none, read as none. The
/// caller keeps them with [`write`] and [`read`].
pub fn apart<R>(f: impl FnOnce() -> R) -> R {
    let outer = APART.with(|a| a.replace(true));
    let out = f();
    APART.with(|a| a.set(outer));
    out
}

/// The tables' chunks, each written on its own core.
fn chunks(tables: &Tables) -> postcard::Result<Vec<Vec<u8>>> {
    use rayon::prelude::*;
    let entries: Vec<(&QualifiedName, &Shared<Table>)> = tables.iter().collect();
    entries
        .par_chunks(CHUNK)
        .map(|chunk| sharing(|| postcard::to_stdvec(chunk)))
        .collect()
}

/// The tables read back from their chunks, each on its own core.
fn from_chunks(chunks: &[&[u8]]) -> postcard::Result<Tables> {
    use rayon::prelude::*;
    let read = chunks
        .par_iter()
        .map(|chunk| sharing(|| postcard::from_bytes::<Vec<(QualifiedName, Shared<Table>)>>(chunk)))
        .collect::<postcard::Result<Vec<_>>>()?;
    // In key order, chunk after chunk: collected in one pass.
    Ok(read.into_iter().flatten().collect())
}

/// The tables in the form [`read`] reads: their chunks, as a model holds them.
pub fn write(tables: &Tables) -> postcard::Result<Vec<u8>> {
    let chunks = chunks(tables)?;
    postcard::to_stdvec(&chunks.iter().map(|c| Bytes(c)).collect::<Vec<_>>())
}

/// The tables [`write`] wrote.
pub fn read(bytes: &[u8]) -> postcard::Result<Tables> {
    from_chunks(&postcard::from_bytes::<Vec<&[u8]>>(bytes)?)
}

pub fn serialize<S: serde::Serializer>(tables: &Tables, s: S) -> Result<S::Ok, S::Error> {
    if s.is_human_readable() {
        return tables.serialize(s);
    }
    if APART.with(std::cell::Cell::get) {
        return s.collect_seq(std::iter::empty::<Bytes<'_>>());
    }
    let chunks = chunks(tables).map_err(serde::ser::Error::custom)?;
    s.collect_seq(chunks.iter().map(|c| Bytes(c)))
}

pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Tables, D::Error> {
    if d.is_human_readable() {
        return Err(serde::de::Error::custom(
            "tables are read back only from their binary form",
        ));
    }
    let chunks = Vec::<&'de [u8]>::deserialize(d)?;
    if APART.with(std::cell::Cell::get) {
        return match chunks.is_empty() {
            true => Ok(Tables::new()),
            false => Err(serde::de::Error::custom("tables where none were written")),
        };
    }
    from_chunks(&chunks).map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use crate::catalog::{Catalog, Grants, Ident, Origin, Platform, QualifiedName, RelKind, Table};

    #[test]
    fn tables_in_several_chunks_read_back_equal_and_grant_maps_stay_shared() {
        let mut grants = Grants::default();
        grants.grant(&Ident::new("anon"), ["SELECT"]);
        let mut cat = Catalog::empty(Platform::Postgres);
        // Three chunks and a bit.
        for i in 0..(3 * super::CHUNK + 7) {
            let name = QualifiedName::new("public", format!("t{i:05}"));
            let mut t = Table::new(name.clone(), RelKind::Table, Origin::Baseline);
            t.grants = grants.clone();
            cat.tables.insert(name, t.into());
        }
        // Relations written after the tables, in the outer run: the maps it
        // wrote before the tables' own runs must still be known after them.
        let mut seq_grants = Grants::default();
        seq_grants.grant(&Ident::new("authenticated"), ["USAGE"]);
        for i in 0..3 {
            let name = QualifiedName::new("public", format!("s{i}"));
            let s = crate::catalog::Sequence {
                name: name.clone(),
                owned_by: None,
                identity: false,
                options: crate::catalog::SequenceOptions::new(&Default::default()),
                grants: seq_grants.clone(),
                owner: None,
                origin: Origin::Baseline,
            };
            cat.sequences.insert(name, s);
        }
        // On one thread, the chunks' runs are nested in the catalog's.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let bytes = pool
            .install(|| crate::catalog::sharing(|| postcard::to_stdvec(&cat)))
            .unwrap();
        let back: Catalog = pool
            .install(|| crate::catalog::sharing(|| postcard::from_bytes(&bytes)))
            .unwrap();
        assert_eq!(back.tables, cat.tables);
        assert_eq!(back.sequences, cat.sequences);
        // Apart: the model without its tables, and the tables on their own.
        let (without, tables) = pool.install(|| {
            let without = super::apart(|| crate::catalog::sharing(|| postcard::to_stdvec(&cat)));
            (without.unwrap(), super::write(&cat.tables).unwrap())
        });
        assert!(without.len() < bytes.len() / 4);
        let mut apart: Catalog = pool
            .install(|| super::apart(|| crate::catalog::sharing(|| postcard::from_bytes(&without))))
            .unwrap();
        assert!(apart.tables.is_empty());
        assert_eq!(apart.sequences, cat.sequences);
        apart.tables = pool.install(|| super::read(&tables)).unwrap();
        assert_eq!(apart.tables, cat.tables);
        // A model with its tables is not read as one without.
        assert!(super::apart(|| postcard::from_bytes::<Catalog>(&bytes)).is_err());
        let seq: Vec<_> = back.sequences.values().map(|s| &s.grants).collect();
        assert!(seq.windows(2).all(|w| Grants::same(w[0], w[1])));
        // Within a chunk, tables share one map again.
        let tables: Vec<_> = back.tables.values().take(super::CHUNK).collect();
        assert!(tables
            .windows(2)
            .all(|w| Grants::same(&w[0].grants, &w[1].grants)));
    }
}
