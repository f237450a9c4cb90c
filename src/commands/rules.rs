//! `pgvet rules`: every rule, one line each, or JSON.

use anyhow::Result;

use super::{write_stdout, Outcome, RulesFormat};
use crate::rules::Rule;

pub fn run(format: RulesFormat) -> Result<Outcome> {
    let all = crate::rules::all();
    let out = match format {
        RulesFormat::Json => {
            let list: Vec<serde_json::Value> = all.iter().map(json).collect();
            serde_json::to_string_pretty(&list)? + "\n"
        }
        RulesFormat::Human => table(all),
    };
    write_stdout(&out)?;
    Ok(Outcome::Clean)
}

fn json(r: &Rule) -> serde_json::Value {
    serde_json::json!({
        "id": r.id(), "severity": r.doc.severity, "category": r.doc.category,
        "kind": format!("{:?}", r.doc.kind).to_lowercase(), "title": r.doc.title,
        "default_enabled": r.doc.default_enabled,
    })
}

/// `on` for a rule that runs unless turned off, `off` for an opt-in one.
pub fn on_off(default_enabled: bool) -> &'static str {
    if default_enabled {
        "on"
    } else {
        "off"
    }
}

const HEADER: [&str; 5] = ["rule", "severity", "category", "default", "title"];

/// A header, then a line per rule; each column as wide as its widest cell.
fn table(all: &[Rule]) -> String {
    let rows: Vec<[&str; 5]> = std::iter::once(HEADER)
        .chain(all.iter().map(|r| {
            [
                r.id(),
                r.doc.severity.as_str(),
                &r.doc.category,
                on_off(r.doc.default_enabled),
                &r.doc.title,
            ]
        }))
        .collect();
    let mut widths = [0; 5];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    rows.iter().map(|row| line(row, &widths)).collect()
}

/// Cells padded to their column's width, two blanks apart; the last one not
/// padded.
fn line(row: &[&str], widths: &[usize]) -> String {
    let cells: Vec<String> = row
        .iter()
        .zip(widths)
        .map(|(cell, &width)| format!("{cell:<width$}"))
        .collect();
    cells.join("  ").trim_end().to_string() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where the first five blank-separated fields of `line` start.
    fn field_starts(line: &str) -> Vec<usize> {
        let mut starts = Vec::new();
        let mut after_blank = true;
        for (i, c) in line.char_indices() {
            if c != ' ' && after_blank {
                starts.push(i);
            }
            after_blank = c == ' ';
        }
        starts.truncate(5);
        starts
    }

    #[test]
    fn columns_line_up_whatever_the_category() {
        let out = table(crate::rules::all());
        let header = field_starts(out.lines().next().unwrap());
        for l in out.lines() {
            assert_eq!(field_starts(l), header, "{l}");
        }
    }
}
