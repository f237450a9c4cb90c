//! `psql-meta-command` findings: the splitter leaves psql's meta-commands out
//! of the statements (`sql::psql`), so no rule sees them; this pass reports
//! each one, at the rule's configured severity.

use crate::catalog::Span;
use crate::config::Config;
use crate::findings::{Finding, SourceFile};
use crate::rules;
use crate::sql::psql::{skipped, SkipKind};

/// The rule whose findings [`findings`] makes.
const RULE: &str = "psql-meta-command";

/// One `psql-meta-command` finding per meta-command in the files, at the
/// rule's configured severity (none when the rule is off). The splitter
/// leaves the commands out of the statements, so no rule sees them: the
/// findings are made here, like an input note, and the rule's entry
/// (`src/rules/conventions/psql_meta_command.rs`) carries id and docs.
pub fn findings(sources: &[SourceFile], cfg: &Config) -> Vec<Finding> {
    let Some(rule) = rules::find(RULE) else {
        return Vec::new();
    };
    let Some(severity) = cfg.severity_for(rule) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for src in sources {
        let text: &str = &src.text;
        if !text.contains('\\') {
            continue;
        }
        for r in skipped(text)
            .into_iter()
            .filter(|r| r.kind == SkipKind::MetaCommand)
        {
            let command = text.get(r.start..r.end).unwrap_or_default().trim_end();
            out.push(Finding {
                rule: rule.id(),
                severity,
                message: describe(command),
                object: src.path.clone(),
                location: None,
                help: rule.help().to_string(),
                span: Some(Span {
                    file: src.id,
                    start: to_u32(r.start),
                    end: to_u32(r.start + command.len()),
                }),
                related: Vec::new(),
                remedy: None,
            });
        }
    }
    out
}

fn describe(command: &str) -> String {
    let shown: String = command.chars().take(60).collect();
    let cut = if shown.len() < command.len() {
        "…"
    } else {
        ""
    };
    let name = command
        .split(|c: char| c.is_whitespace())
        .next()
        .unwrap_or_default();
    let consequence = match name {
        "\\i" | "\\ir" | "\\include" | "\\include_relative" => {
            "; the file it includes is not linted unless it is given to pgvet too"
        }
        "\\c" | "\\connect" => {
            "; the statements after it are linted as if they ran in the same database"
        }
        _ => "",
    };
    format!("psql meta-command `{shown}{cut}` is not SQL and was skipped{consequence}")
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
