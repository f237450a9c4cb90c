//! Formatters: each turns a finished `findings::Report` into one output
//! format. They read the report and never change it.

pub mod concise;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod rule_docs;
pub mod sarif;
pub mod statistics;

pub use crate::findings::{
    printable, Finding, InputError, Location, Report, Severity, SourceFile, Summary,
};

/// A file path as CI systems want it: forward slashes, no leading `./`.
pub(crate) fn repo_path(file: &str) -> String {
    // A backslash is a separator only on Windows; elsewhere it is part of a name.
    let mut path = if std::path::MAIN_SEPARATOR == '\\' {
        file.replace('\\', "/")
    } else {
        file.to_string()
    };
    while let Some(rest) = path.strip_prefix("./") {
        path = rest.to_string();
    }
    path
}
