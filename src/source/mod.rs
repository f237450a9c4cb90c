//! Sources that fill the catalog.

pub mod migrations;
