//! The static source: migration files, and the transaction session they run in.

pub mod config;
pub mod files;
pub mod runner;
pub mod session;
