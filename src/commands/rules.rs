//! `pgvet rules`: every rule, one line each, or JSON.

use anyhow::Result;

use super::{write_stdout, Outcome, RulesFormat};

pub fn run(format: RulesFormat) -> Result<Outcome> {
    let all = crate::rules::all();
    let out = match format {
        RulesFormat::Json => {
            let list: Vec<serde_json::Value> = all
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id(), "severity": r.doc.severity, "category": r.doc.category,
                        "kind": format!("{:?}", r.doc.kind).to_lowercase(), "title": r.doc.title,
                    })
                })
                .collect();
            serde_json::to_string_pretty(&list)? + "\n"
        }
        RulesFormat::Human => {
            let width = all.iter().map(|r| r.id().len()).max().unwrap_or(0);
            let mut s = String::new();
            for r in all {
                s.push_str(&format!(
                    "{:<width$}  {:<7}  {:<9}  {}\n",
                    r.id(),
                    r.doc.severity.as_str(),
                    r.doc.category,
                    r.doc.title
                ));
            }
            s
        }
    };
    write_stdout(&out)?;
    Ok(Outcome::Clean)
}
