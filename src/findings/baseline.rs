//! What `lint --baseline` recorded and did, as data (`workflow::baseline`
//! reads and writes the file).

use serde::{Deserialize, Serialize};

/// One recorded finding. `message` is for people reading the file; matching
/// uses `rule` and `fingerprint` only (the fingerprint covers the object).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub rule: String,
    pub object: String,
    pub fingerprint: String,
    pub message: String,
}

/// What `lint --baseline` did: shown after the findings (human) or as the
/// `baseline` key (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// The baseline file as given on the command line.
    pub file: String,
    /// Findings hidden because the baseline records them.
    pub suppressed: usize,
    /// Entries of rules that ran which matched no finding: fixed, or changed
    /// beyond recognition. They can be removed from the file.
    pub stale: Vec<Entry>,
}
