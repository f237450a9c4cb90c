//! Which `search_path` a function can be pinned to without breaking it.
//!
//! `''` only when nothing in the body resolves through the search path;
//! otherwise `pg_catalog, <the schemas the body's unqualified names live
//! in>, pg_temp`. Both sides are conservative: any identifier the body
//! spells without a schema and that names a relation, function, type or
//! sequence in a schema of the default search path keeps that schema (a
//! column that happens to share a table's name costs one extra schema, not
//! a broken function), and a body pgvet cannot read fully gets the whole
//! default path with a note.

use std::collections::BTreeSet;

use pg_query::protobuf::{KeywordKind, Token};
use pg_query::{NodeEnum, NodeRef};

use crate::catalog::body;
use crate::catalog::{baseline, Catalog, Function, Ident, Platform, QualifiedName};
use crate::sql::plpgsql;
use crate::sql::{ast, pgffi};

/// A search_path to pin: no schemas means `''`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub schemas: Vec<Ident>,
    /// Why the path is wider than it may need to be, for the reviewer.
    pub note: Option<String>,
}

impl Proposal {
    /// The value of `SET search_path = ...`.
    pub fn value(&self) -> String {
        if self.schemas.is_empty() {
            return "''".to_string();
        }
        let mut parts = vec!["pg_catalog".to_string()];
        parts.extend(self.schemas.iter().map(ToString::to_string));
        parts.push("pg_temp".to_string());
        parts.join(", ")
    }

    /// The value as PostgreSQL stores it in `proconfig` (and the model in
    /// `Function::config`), to check it against the rules.
    pub fn stored_value(&self) -> String {
        if self.schemas.is_empty() {
            return "\"\"".to_string();
        }
        self.value()
    }
}

pub fn propose(cat: &Catalog, f: &Function, platform: Platform) -> Proposal {
    let path: Vec<Ident> = baseline::default_search_path(platform)
        .into_iter()
        .filter(|s| cat.schemas.contains_key(s))
        .collect();
    let fallback = |reason: String| {
        Proposal {
        schemas: path.clone(),
        note: Some(format!(
            "pgvet could not prove which schemas the body needs ({reason}), so this is the default search path: narrow it if you can"
        )),
    }
    };
    let Some(body) = f.body.as_deref() else {
        return fallback("its body is not available".to_string());
    };
    let analysis = match f.language.as_str() {
        "sql" => sql_relations(body),
        "plpgsql" => plpgsql_relations(f),
        other => Err(format!("pgvet does not read {other} bodies")),
    };
    let relations = match analysis {
        Ok(r) => r,
        Err(reason) => return fallback(reason),
    };
    let names = match unqualified_names(body) {
        Some(n) => n,
        None => return fallback("its body does not scan as SQL".to_string()),
    };
    let unresolved: Vec<&String> = relations
        .iter()
        .filter(|r| !path.iter().any(|s| relation_exists(cat, s, r)))
        .collect();
    if !unresolved.is_empty() {
        let list: Vec<String> = unresolved.iter().map(|r| format!("`{r}`")).collect();
        return fallback(format!(
            "it reads {} without a schema and no migration creates it",
            list.join(", ")
        ));
    }
    let schemas = path
        .iter()
        .filter(|s| names.iter().any(|n| object_exists(cat, s, n)))
        .cloned()
        .collect();
    Proposal {
        schemas,
        note: None,
    }
}

fn relation_exists(cat: &Catalog, schema: &Ident, name: &str) -> bool {
    let q = QualifiedName::new(schema.clone(), Ident::new(name));
    cat.tables.contains_key(&q) || cat.views.contains_key(&q) || cat.sequences.contains_key(&q)
}

fn object_exists(cat: &Catalog, schema: &Ident, name: &str) -> bool {
    let q = QualifiedName::new(schema.clone(), Ident::new(name));
    relation_exists(cat, schema, name)
        || cat.functions.contains_key(&q)
        || cat.types.contains_key(&q)
}

/// Every identifier the body spells without a schema in front (and that is
/// not itself a qualifier), folded as PostgreSQL folds it. None when the
/// text does not scan.
fn unqualified_names(body: &str) -> Option<BTreeSet<String>> {
    let tokens = crate::sql::scan_tokens(body).ok()?;
    let tokens: Vec<_> = tokens
        .into_iter()
        .filter(|t| {
            !matches!(
                Token::try_from(t.token),
                Ok(Token::SqlComment | Token::CComment)
            )
        })
        .collect();
    let is_dot = |i: Option<usize>| {
        i.and_then(|i| tokens.get(i))
            .is_some_and(|t| Token::try_from(t.token) == Ok(Token::Ascii46))
    };
    let mut out = BTreeSet::new();
    for (i, t) in tokens.iter().enumerate() {
        let kind = Token::try_from(t.token).ok();
        let keyword = KeywordKind::try_from(t.keyword_kind).ok();
        let name_like = kind == Some(Token::Ident)
            || matches!(
                keyword,
                Some(
                    KeywordKind::UnreservedKeyword
                        | KeywordKind::ColNameKeyword
                        | KeywordKind::TypeFuncNameKeyword
                )
            );
        if !name_like || is_dot(i.checked_sub(1)) || is_dot(Some(i + 1)) {
            continue;
        }
        let (Ok(start), Ok(end)) = (usize::try_from(t.start), usize::try_from(t.end)) else {
            continue;
        };
        let Some(text) = body.get(start..end) else {
            continue;
        };
        out.insert(fold(text));
    }
    Some(out)
}

/// `"Users"` -> `Users`, `Users` -> `users`.
fn fold(text: &str) -> String {
    match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => text.to_lowercase(),
    }
}

/// Relations a SQL body reads or writes without a schema (CTE names left out).
fn sql_relations(body: &str) -> Result<BTreeSet<String>, String> {
    let parsed =
        pgffi::parse(body).map_err(|e| format!("its body does not parse: {}", e.message))?;
    let mut out = BTreeSet::new();
    for raw in &parsed.stmts {
        if let Some(node) = raw.stmt.as_ref().and_then(|s| s.node.as_ref()) {
            collect_relations(node, &mut out);
        }
    }
    Ok(out)
}

fn collect_relations(node: &NodeEnum, out: &mut BTreeSet<String>) {
    let all = ast::descendants(node);
    let ctes: BTreeSet<&str> = all
        .iter()
        .filter_map(|n| match n {
            NodeRef::CommonTableExpr(c) => Some(c.ctename.as_str()),
            _ => None,
        })
        .collect();
    for n in &all {
        if let NodeRef::RangeVar(rv) = n {
            if rv.schemaname.is_empty() && !ctes.contains(rv.relname.as_str()) {
                out.insert(rv.relname.clone());
            }
        }
    }
}

/// As [`sql_relations`] for a PL/pgSQL body: every embedded statement and
/// expression. Dynamic SQL is text built at run time: not provable.
fn plpgsql_relations(f: &Function) -> Result<BTreeSet<String>, String> {
    let body = match body::parse(f) {
        Some(Ok(b)) => b,
        Some(Err(e)) => return Err(format!("its body does not parse: {e}")),
        None => return Err("its body is not available".to_string()),
    };
    if body
        .statements()
        .iter()
        .any(|s| s.dynamic_query().is_some())
    {
        return Err("it runs dynamic SQL with EXECUTE".to_string());
    }
    let mut out = BTreeSet::new();
    for text in body.sql_texts() {
        // A statement, an expression (`IF` conditions, `RETURN` values) or
        // an assignment (`x := value`, kept whole by the parser).
        let node = plpgsql::sql_statement(text)
            .or_else(|| plpgsql::sql_expr(text).and_then(|e| e.node))
            .or_else(|| plpgsql::sql_expr(plpgsql::assignment_value(text)).and_then(|e| e.node));
        match node {
            Some(node) => collect_relations(&node, &mut out),
            None => return Err(format!("`{}` does not parse", text.trim())),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{FunctionKind, Origin};

    fn catalog() -> Catalog {
        let mut cat = baseline::catalog(Platform::Supabase);
        let name = QualifiedName::new("public", "profiles");
        cat.tables.insert(
            name.clone(),
            crate::catalog::Table::new(name, crate::catalog::RelKind::Table, Origin::Baseline)
                .into(),
        );
        cat
    }

    fn function(language: &str, body: &str) -> Function {
        let mut f = Function::new(
            QualifiedName::new("public", "f"),
            FunctionKind::Function,
            Origin::Baseline,
        );
        f.language = Ident::new(language);
        f.body = Some(body.to_string());
        f.returns = Some(crate::catalog::TypeName::builtin("int4"));
        f
    }

    #[test]
    fn a_fully_qualified_sql_body_gets_an_empty_path() {
        let f = function("sql", "select count(*) from public.profiles where id = $1");
        let p = propose(&catalog(), &f, Platform::Supabase);
        assert_eq!(p.value(), "''");
        assert_eq!(p.note, None);
    }

    #[test]
    fn an_unqualified_table_keeps_its_schema() {
        let f = function("sql", "select count(*) from profiles");
        let p = propose(&catalog(), &f, Platform::Supabase);
        assert_eq!(p.value(), "pg_catalog, public, pg_temp");
        assert_eq!(p.note, None);
    }

    #[test]
    fn an_unknown_unqualified_table_gets_the_default_path_and_a_note() {
        let f = function("sql", "select count(*) from orders");
        let p = propose(&catalog(), &f, Platform::Supabase);
        assert_eq!(p.value(), "pg_catalog, public, extensions, pg_temp");
        assert!(p.note.is_some_and(|n| n.contains("`orders`")));
    }

    #[test]
    fn plpgsql_statements_are_read_and_dynamic_sql_is_not_trusted() {
        let f = function(
            "plpgsql",
            "begin\n  update profiles set name = 'x';\n  return null;\nend",
        );
        let p = propose(&catalog(), &f, Platform::Supabase);
        assert_eq!(p.value(), "pg_catalog, public, pg_temp", "{:?}", p.note);
        let f = function(
            "plpgsql",
            "begin\n  update public.profiles set name = 'x';\n  return null;\nend",
        );
        assert_eq!(propose(&catalog(), &f, Platform::Supabase).value(), "''");
        let f = function(
            "plpgsql",
            "begin\n  execute 'delete from public.profiles';\n  return null;\nend",
        );
        let p = propose(&catalog(), &f, Platform::Supabase);
        assert!(p.note.is_some_and(|n| n.contains("dynamic SQL")));
    }

    #[test]
    fn a_qualifier_is_not_a_use_of_a_schema_object() {
        // `profiles.id` names the table as a qualifier of a column of an alias-less
        // qualified FROM: the FROM item is qualified, so nothing resolves through the path.
        let f = function("sql", "select public.profiles.id from public.profiles");
        assert_eq!(propose(&catalog(), &f, Platform::Supabase).value(), "''");
    }
}
