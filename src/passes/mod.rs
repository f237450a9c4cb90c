//! Passes over the engine's findings and the finished model: suppression
//! comments, the coverage account, psql meta-commands.

pub mod coverage;
pub mod psql;
pub mod suppress;
