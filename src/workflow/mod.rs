//! Narrowing a finished lint [`Report`](crate::findings::Report) to what a
//! workflow wants to see: findings not in a baseline ([`baseline`]), findings
//! in files changed in git ([`changed`]).

pub mod baseline;
pub mod changed;
