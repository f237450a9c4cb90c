//! The static source: migration files replayed into a catalog.

pub mod ast;
pub mod files;
pub mod line_index;
pub mod pgffi;
pub mod psql;
pub mod replay;
pub mod session;
pub mod split;

pub use ast::{descendants, split_name, strings};
