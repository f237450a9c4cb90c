//! What `--changed-since` / `--staged` kept, as data (`workflow::changed`).

use serde::Serialize;

/// What `--changed-since` / `--staged` kept: shown after the findings
/// (human) or as the `changed` key (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// The ref given to `--changed-since`; None with `--staged`.
    pub since: Option<String>,
    pub staged: bool,
    /// `--only FILE...`: the files were named on the command line.
    pub only: bool,
    /// The linted files that are changed (as displayed in findings).
    pub files: Vec<String>,
}
