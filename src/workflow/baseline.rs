//! `pgvet baseline write` and `pgvet lint --baseline`: today's findings are
//! recorded once, and later runs report only findings that are not in the
//! record. An entry is matched by rule and fingerprint
//! ([`Report::fingerprints`]: rule, object and the normalized text the
//! finding points at, never a line number), so edits elsewhere in a file do
//! not bring a recorded finding back.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::Config;
pub use crate::findings::baseline::{Applied, Entry};
use crate::findings::{printable, Report};
use crate::rules;

/// The file `pgvet baseline write` writes unless told otherwise.
pub const FILE_NAME: &str = "pgvet-baseline.json";
/// The baseline format this pgvet reads and writes.
pub const VERSION: u32 = 1;

/// A baseline file: `{version, tool, entries}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    /// `pgvet <version>` that wrote it (informative; not checked).
    pub tool: String,
    pub entries: Vec<Entry>,
}

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    // The OS error is in the message and not a `source`, which anyhow's
    // `{:#}` would print a second time.
    #[error("cannot read baseline {}: {error}", path.display())]
    Read {
        path: PathBuf,
        error: crate::source::migrations::files::ReadError,
    },
    #[error("baseline {} is not a pgvet baseline: {message}", path.display())]
    Malformed { path: PathBuf, message: String },
    #[error(
        "baseline {} has version {found}; this pgvet reads version {VERSION}: write it again with `pgvet baseline write`",
        path.display()
    )]
    Older { path: PathBuf, found: u64 },
    #[error(
        "baseline {} was written by a newer pgvet (format version {found}; this pgvet reads version {VERSION}): upgrade pgvet, or write it again with `pgvet baseline write`",
        path.display()
    )]
    Newer { path: PathBuf, found: u64 },
}

impl Baseline {
    /// Every finding of `report`, sorted so that rewriting the file gives
    /// small diffs.
    pub fn from_report(report: &Report) -> Baseline {
        let keys = report.fingerprints();
        let mut entries: Vec<Entry> = report
            .findings
            .iter()
            .zip(keys)
            .map(|(f, fingerprint)| Entry {
                rule: f.rule.to_string(),
                object: f.object.clone(),
                fingerprint,
                message: f.message.clone(),
            })
            .collect();
        entries.sort();
        Baseline {
            version: VERSION,
            tool: format!("pgvet {}", env!("CARGO_PKG_VERSION")),
            entries,
        }
    }

    /// Reads a baseline file; another version or anything malformed is an
    /// error naming the file.
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        // A regular file of bounded size: a FIFO or /dev/zero given as the
        // baseline would hang or fill memory.
        use crate::source::migrations::files::{read_text, MAX_MIGRATION_BYTES};
        let text = read_text(path, MAX_MIGRATION_BYTES).map_err(|error| BaselineError::Read {
            path: path.to_path_buf(),
            error,
        })?;
        Baseline::parse(&text, path)
    }

    /// Parses baseline text; `path` is for messages.
    pub fn parse(text: &str, path: &Path) -> Result<Baseline, BaselineError> {
        let malformed = |message: String| BaselineError::Malformed {
            path: path.to_path_buf(),
            message,
        };
        // The version is checked first, so that a file of another version is
        // reported as such even when its entries look different.
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| malformed(e.to_string()))?;
        let version = value
            .get("version")
            .ok_or_else(|| malformed("no `version` key".to_string()))?;
        let found = version
            .as_u64()
            .ok_or_else(|| malformed(format!("`version` is {version}, not a number")))?;
        check_version(found, path)?;
        serde_json::from_value(value).map_err(|e| malformed(e.to_string()))
    }

    /// The file's text: pretty JSON, one key per line, ending in a newline.
    pub fn to_json(&self) -> String {
        let mut out = serde_json::to_string_pretty(self).unwrap_or_default();
        out.push('\n');
        out
    }
}

/// A file of a newer format asks for a newer pgvet; an older one, for
/// writing it again.
fn check_version(found: u64, path: &Path) -> Result<(), BaselineError> {
    let path = path.to_path_buf();
    match found.cmp(&u64::from(VERSION)) {
        std::cmp::Ordering::Greater => Err(BaselineError::Newer { path, found }),
        std::cmp::Ordering::Less => Err(BaselineError::Older { path, found }),
        std::cmp::Ordering::Equal => Ok(()),
    }
}

/// Removes the findings `baseline` records from `report` (each entry hides
/// one finding: two equal findings need two entries) and records what was
/// hidden and which entries are stale in `report.baseline`. Entries of rules
/// that did not run in this configuration are neither used nor stale;
/// entries of rules pgvet no longer has are stale.
pub fn apply(report: &mut Report, baseline: &Baseline, file: &str, cfg: &Config) {
    let canonical = |id: &str| rules::find(id).map_or_else(|| id.to_string(), |r| r.id().into());
    let mut open: HashMap<(String, String), Vec<usize>> = HashMap::new();
    for (i, e) in baseline.entries.iter().enumerate() {
        open.entry((canonical(&e.rule), e.fingerprint.clone()))
            .or_default()
            .push(i);
    }
    let keys = report.fingerprints();
    let mut keep = Vec::with_capacity(report.findings.len());
    let mut suppressed = 0;
    for (f, key) in report.findings.drain(..).zip(keys) {
        let hit = open.get_mut(&(f.rule.to_string(), key)).and_then(Vec::pop);
        match hit {
            Some(_) => suppressed += 1,
            None => keep.push(f),
        }
    }
    report.findings = keep;
    report.summary.findings = report.findings.len();
    let ran = |id: &str| rules::find(id).is_none_or(|r| cfg.severity_for(r).is_some());
    let mut stale: Vec<Entry> = open
        .into_values()
        .flatten()
        .filter_map(|i| baseline.entries.get(i))
        .filter(|e| ran(&e.rule))
        .cloned()
        .collect();
    stale.sort();
    report.baseline = Some(Applied {
        file: file.to_string(),
        suppressed,
        stale,
    });
}

impl Applied {
    /// The note human output ends with.
    pub fn human_note(&self) -> String {
        let mut s = format!(
            "baseline {}: {} suppressed",
            printable(&self.file),
            plural(self.suppressed, "finding")
        );
        if self.stale.is_empty() {
            s.push('\n');
            return s;
        }
        s.push_str(&format!(
            "; {} no longer {} anything (remove {} or run `pgvet baseline write` again):\n",
            plural(self.stale.len(), "entry"),
            if self.stale.len() == 1 {
                "matches"
            } else {
                "match"
            },
            if self.stale.len() == 1 { "it" } else { "them" },
        ));
        for e in &self.stale {
            s.push_str(&format!(
                "  {} {} {}: {}\n",
                printable(&e.rule),
                printable(&e.object),
                printable(&e.fingerprint),
                printable(&e.message)
            ));
        }
        s
    }
}

fn plural(n: usize, word: &str) -> String {
    match (n, word) {
        (1, _) => format!("1 {word}"),
        (_, "entry") => format!("{n} entries"),
        _ => format!("{n} {word}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_version_is_its_own_error() {
        let err = Baseline::parse(r#"{"version": 0, "entries": 3}"#, Path::new("b.json"));
        assert!(
            matches!(err, Err(BaselineError::Older { found: 0, .. })),
            "{err:?}"
        );
    }

    #[test]
    fn newer_version_says_to_upgrade_pgvet() {
        let err = Baseline::parse(r#"{"version": 2, "entries": 3}"#, Path::new("b.json"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(
            err,
            "baseline b.json was written by a newer pgvet (format version 2; this pgvet reads version 1): upgrade pgvet, or write it again with `pgvet baseline write`"
        );
    }

    #[test]
    fn malformed_names_the_file() {
        let err = Baseline::parse(r#"{"version": 1, "tool": "x"}"#, Path::new("b.json"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("b.json") && err.contains("entries"), "{err}");
    }
}
