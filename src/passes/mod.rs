//! Passes over the engine's findings and the finished model: suppression
//! comments, the coverage account, psql meta-commands, and one finding where
//! two rules say the same thing.

pub mod coverage;
pub mod overlap;
pub mod psql;
pub mod suppress;
