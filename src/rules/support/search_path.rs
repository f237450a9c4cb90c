//! Whether a SECURITY DEFINER function's `SET search_path` is safe: shared by
//! security-definer-search-path and `pgvet fix`, which must not propose a
//! path the rule would still report.

use crate::catalog::{Catalog, Ident};

/// What is wrong with a SECURITY DEFINER function's search_path (`None`:
/// not set), as the end of the rule's message; None when it is safe.
pub fn problem(cat: &Catalog, search_path: Option<&String>) -> Option<String> {
    let Some(value) = search_path else {
        return Some("but does not pin its search_path".to_string());
    };
    let path = entries(value);
    let mut problems = Vec::new();
    for schema in &path {
        let Some(creators) = untrusted_creators(cat, schema) else {
            continue;
        };
        problems.push(format!(
            "its search_path includes `{schema}`, where {creators} can create objects"
        ));
    }
    let temp = path.iter().position(|s| s.as_str() == "pg_temp");
    match temp {
        // `pg_temp` first or in the middle: the caller's temporary objects
        // shadow everything listed after it.
        Some(i) if i + 1 < path.len() => {
            let after: Vec<String> = path.iter().skip(i + 1).map(|s| format!("`{s}`")).collect();
            problems.push(format!(
                "its search_path lists `pg_temp` before {}, so the caller's temporary tables shadow them",
                after.join(", ")
            ));
        }
        // Not listed: PostgreSQL searches the temporary schema first for
        // tables and views. An empty path is the exception: every name in the
        // body must be qualified, so none resolves there by accident.
        None if path.iter().any(|s| s.as_str() != "pg_catalog") => {
            problems.push(format!(
                "its search_path `{value}` does not list `pg_temp` last, so the caller's temporary tables are searched first"
            ));
        }
        _ => {}
    }
    if problems.is_empty() {
        None
    } else {
        Some(format!("but {}", problems.join(" and ")))
    }
}

/// The schemas of a `SET search_path` value (`"$user", public, pg_temp`),
/// in order. `$user` names a schema per caller and is left out.
fn entries(value: &str) -> Vec<Ident> {
    value
        .split(',')
        .map(|s| s.trim().trim_matches(|c| c == '\'' || c == '"').trim())
        .filter(|s| !s.is_empty() && *s != "$user")
        .map(Ident::new)
        .collect()
}

/// Roles other than the owners and superusers that may CREATE in `schema`,
/// as a message fragment (`PUBLIC (every role)`, `` `anon` ``); None if there
/// are none or the schema is unknown.
fn untrusted_creators(cat: &Catalog, schema: &Ident) -> Option<String> {
    if schema.as_str() == "pg_temp" || schema.as_str() == "pg_catalog" {
        return None;
    }
    let sc = cat.schemas.get(schema)?;
    let names: Vec<String> = sc
        .create_grantees
        .iter()
        .filter(|g| !is_trusted(g))
        .map(|g| {
            if g.as_str() == "public" {
                "every role (PUBLIC)".to_string()
            } else {
                format!("`{g}`")
            }
        })
        .collect();
    (!names.is_empty()).then(|| names.join(", "))
}

/// Roles that own the schema objects or are superusers already: creating in
/// a schema gives them nothing they do not have.
fn is_trusted(role: &Ident) -> bool {
    matches!(
        role.as_str(),
        "postgres" | "pg_database_owner" | "supabase_admin"
    )
}
