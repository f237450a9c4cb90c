//! Plain PostgreSQL (15+): the schemas and roles every database has.

use super::{schema, Catalog};
use crate::catalog::Ident;

pub(super) fn add(cat: &mut Catalog) {
    schema(cat, "pg_catalog", true, &[]);
    schema(cat, "information_schema", true, &[]);
    // Since PostgreSQL 15 only the database owner may create in public.
    schema(cat, "public", false, &["pg_database_owner"]);
    for role in [
        "public",
        "postgres",
        "pg_database_owner",
        "pg_read_all_data",
        "pg_write_all_data",
    ] {
        cat.roles.insert(Ident::new(role));
    }
}
