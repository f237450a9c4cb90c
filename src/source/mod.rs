//! Sources that fill the catalog.

pub mod live;
pub mod migrations;
