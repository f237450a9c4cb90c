//! Hover and go to definition: the name under the cursor, looked up in the
//! schema as the history has built it at that statement.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use lsp_types::{
    GotoDefinitionParams, GotoDefinitionResponse, Hover, HoverContents, HoverParams, Location,
    MarkupContent, MarkupKind, Position,
};
use serde_json::Value;

use super::project::{Project, SourceLines};
use super::text::{path_to_uri, Lines};
use super::Server;
use crate::catalog::{
    Catalog, Column, ConstraintKind, Function, Ident, Origin, Policy, QualifiedName, Schema,
    Sequence, Table, TypeDef, TypeKind, View,
};

/// What a name at the cursor is in the model.
enum Found<'c> {
    Table(&'c Table),
    View(&'c View),
    Functions(&'c [Function]),
    Type(&'c TypeDef),
    Sequence(&'c Sequence),
    Column(&'c Table, &'c Column),
    Policy(&'c Table, &'c Policy),
    Schema(&'c Schema),
}

impl Found<'_> {
    fn origin(&self) -> Origin {
        match self {
            Found::Table(t) => t.origin,
            Found::View(v) => v.origin,
            Found::Functions(f) => f.first().map_or(Origin::Baseline, |f| f.origin),
            Found::Type(t) => t.origin,
            Found::Sequence(s) => s.origin,
            Found::Column(_, c) => c.origin,
            Found::Policy(_, p) => p.origin,
            Found::Schema(s) => s.origin,
        }
    }
}

impl Server {
    pub(super) fn hover(&self, p: &HoverParams) -> Value {
        let doc = &p.text_document_position_params;
        let Some((project, path, text)) = self.document(&doc.text_document.uri) else {
            return Value::Null;
        };
        let mut markdown = String::new();
        let models = self.models_at(project, &path, &text, doc.position);
        if let Some(found) = find_at(project, models.as_ref(), &text, doc.position) {
            markdown.push_str(&describe(project, &found));
        }
        for rule in rules_at(project, &path, doc.position) {
            if let Some(r) = crate::rules::find(rule) {
                if !markdown.is_empty() {
                    markdown.push_str("\n\n---\n\n");
                }
                let _ = write!(
                    markdown,
                    "**{}** ({}): {}\n\n{}\n\n{}",
                    r.id(),
                    r.doc.severity.as_str(),
                    r.doc.title.trim(),
                    r.doc.summary.trim(),
                    r.doc.help.trim()
                );
            }
        }
        if markdown.is_empty() {
            return Value::Null;
        }
        let hover = Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: markdown,
            }),
            range: None,
        };
        serde_json::to_value(hover).unwrap_or(Value::Null)
    }

    pub(super) fn definition(&self, p: &GotoDefinitionParams) -> Value {
        let doc = &p.text_document_position_params;
        let Some((project, path, text)) = self.document(&doc.text_document.uri) else {
            return Value::Null;
        };
        let models = self.models_at(project, &path, &text, doc.position);
        let Some(found) = find_at(project, models.as_ref(), &text, doc.position) else {
            return Value::Null;
        };
        let Some(span) = found.origin().span() else {
            return Value::Null;
        };
        let Some(src) = project
            .report
            .as_ref()
            .and_then(|r| r.sources.get(span.file.0 as usize))
        else {
            return Value::Null;
        };
        let Some(uri) = path_to_uri(Path::new(&src.path)) else {
            return Value::Null;
        };
        let range = Lines::new(&src.text).range(span.start as usize, span.end as usize);
        serde_json::to_value(GotoDefinitionResponse::Scalar(Location::new(uri, range)))
            .unwrap_or(Value::Null)
    }
}

/// The rules whose findings in this file cover the position.
fn rules_at(project: &Project, path: &Path, pos: Position) -> Vec<&'static str> {
    let Some(report) = &project.report else {
        return Vec::new();
    };
    let lines = SourceLines::new(report);
    let mut out = Vec::new();
    for f in &report.findings {
        if let Some((file, range)) = lines.finding_range(f) {
            if file == path && range.start <= pos && pos <= range.end && !out.contains(&f.rule) {
                out.push(f.rule);
            }
        }
    }
    out
}

impl Server {
    /// The schema just before and after the statement at `pos` of the
    /// migration `path` (with the open buffers in place of their files);
    /// None when `path` is not a migration the runner applies.
    fn models_at(
        &self,
        project: &Project,
        path: &Path,
        text: &str,
        pos: Position,
    ) -> Option<(Catalog, Catalog)> {
        let offset = Lines::new(text).offset(pos);
        project.model_around(&self.unsaved(), path, offset)
    }
}

/// What the name at `pos` is at that point of the history: after the
/// statement there (a table it creates or alters, as it leaves it), else
/// before it (a table it drops); outside the migrations, in the schema the
/// whole history builds.
fn find_at<'p>(
    project: &'p Project,
    models: Option<&'p (Catalog, Catalog)>,
    text: &str,
    pos: Position,
) -> Option<Found<'p>> {
    let offset = Lines::new(text).offset(pos);
    let parts = name_at(text, offset)?;
    let statement = statement_names(text, offset);
    match models {
        Some((before, after)) => {
            lookup(after, &parts, &statement).or_else(|| lookup(before, &parts, &statement))
        }
        None => lookup(
            project.report.as_ref()?.catalog.as_ref()?,
            &parts,
            &statement,
        ),
    }
}

/// The dotted name under the cursor, folded as PostgreSQL folds names
/// (unquoted: lowercase), up to and including the part the cursor is on.
fn name_at(text: &str, offset: usize) -> Option<Vec<String>> {
    let line_start = text.get(..offset)?.rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let line_end = text
        .get(offset..)?
        .find(['\n', '\r'])
        .map_or(text.len(), |i| offset + i);
    let line = text.get(line_start..line_end)?;
    let at = offset - line_start;
    for chain in name_chains(line) {
        if let Some(i) = chain.iter().position(|(_, s, e)| *s <= at && at <= *e) {
            return Some(chain.into_iter().take(i + 1).map(|(n, _, _)| n).collect());
        }
    }
    None
}

/// Every dotted name of a line: its parts with their byte ranges. Strings
/// are skipped and a `--` comment ends the line.
fn name_chains(line: &str) -> Vec<Vec<(String, usize, usize)>> {
    let bytes = line.as_bytes();
    let mut chains = Vec::new();
    let mut chain: Vec<(String, usize, usize)> = Vec::new();
    let mut i = 0;
    let word = crate::sql::is_ident_cont;
    while let Some(&b) = bytes.get(i) {
        if b == b'"' {
            let start = i;
            let mut name = Vec::new();
            i += 1;
            loop {
                match (bytes.get(i), bytes.get(i + 1)) {
                    (Some(b'"'), Some(b'"')) => {
                        name.push(b'"');
                        i += 2;
                    }
                    (Some(b'"'), _) | (None, _) => break,
                    (Some(&c), _) => {
                        name.push(c);
                        i += 1;
                    }
                }
            }
            i += 1;
            chain.push((
                String::from_utf8_lossy(&name).into_owned(),
                start,
                i.min(line.len()),
            ));
        } else if word(b) && !(b.is_ascii_digit() && chain.is_empty()) {
            let start = i;
            while bytes.get(i).is_some_and(|&c| word(c)) {
                i += 1;
            }
            let name = line.get(start..i).unwrap_or_default().to_ascii_lowercase();
            chain.push((name, start, i));
        } else {
            if b == b'\'' {
                i += 1;
                while bytes.get(i).is_some_and(|&c| c != b'\'') {
                    i += 1;
                }
            } else if b == b'-' && bytes.get(i + 1) == Some(&b'-') {
                break;
            }
            i += 1;
            if !chain.is_empty() && b != b'.' {
                chains.push(std::mem::take(&mut chain));
            }
            continue;
        }
        // A name continues only through a dot right after it.
        if bytes.get(i) != Some(&b'.') {
            chains.push(std::mem::take(&mut chain));
        }
    }
    if !chain.is_empty() {
        chains.push(chain);
    }
    chains
}

/// Every name part written in the statement around `offset`, to tell
/// which table a bare column name belongs to.
fn statement_names(text: &str, offset: usize) -> BTreeSet<String> {
    let ranges = crate::sql::split::split_file(crate::catalog::FileId(0), text).unwrap_or_default();
    let (start, end) = ranges
        .into_iter()
        .find(|(s, e)| *s <= offset && offset <= *e)
        .unwrap_or((0, 0));
    let piece = text.get(start..end).unwrap_or_default();
    piece
        .lines()
        .flat_map(name_chains)
        .flatten()
        .map(|(n, _, _)| n)
        .collect()
}

fn lookup<'c>(
    cat: &'c Catalog,
    parts: &[String],
    statement: &BTreeSet<String>,
) -> Option<Found<'c>> {
    match parts {
        [name] => {
            let n = Ident::new(name.clone());
            // `public` first, then any schema.
            let mut schemas: Vec<&Ident> = cat.schemas.keys().collect();
            schemas.sort_by_key(|s| s.as_str() != "public");
            for s in &schemas {
                let q = QualifiedName::new((*s).clone(), n.clone());
                if let Some(found) = qualified(cat, &q) {
                    return Some(found);
                }
            }
            let columns = cat
                .tables
                .values()
                .filter(|t| statement.contains(t.name.name.as_str()))
                .find_map(|t| t.columns.iter().find(|c| c.name == n).map(|c| (t, c)));
            if let Some((t, c)) = columns {
                return Some(Found::Column(t, c));
            }
            // A policy: of a table the statement names, else of any.
            let mut policies: Vec<(&Table, &Policy)> = cat
                .tables
                .values()
                .flat_map(|t| t.policies.iter().map(move |p| (&**t, p)))
                .filter(|(_, p)| p.name == n)
                .collect();
            policies.sort_by_key(|(t, _)| !statement.contains(t.name.name.as_str()));
            if let Some((t, p)) = policies.first() {
                return Some(Found::Policy(t, p));
            }
            cat.schemas.get(&n).map(Found::Schema)
        }
        [a, b] => {
            let q = QualifiedName::new(Ident::new(a.clone()), Ident::new(b.clone()));
            if let Some(found) = qualified(cat, &q) {
                return Some(found);
            }
            // `table.column`.
            let column = Ident::new(b.clone());
            let mut tables: Vec<&Table> = cat
                .tables
                .values()
                .filter(|t| t.name.name.as_str() == a)
                .map(|t| &**t)
                .collect();
            tables.sort_by_key(|t| t.name.schema.as_str() != "public");
            tables
                .into_iter()
                .find_map(|t| t.columns.iter().find(|c| c.name == column).map(|c| (t, c)))
                .map(|(t, c)| Found::Column(t, c))
        }
        [a, b, c] => {
            let q = QualifiedName::new(Ident::new(a.clone()), Ident::new(b.clone()));
            let t = cat.tables.get(&q)?;
            let column = t.columns.iter().find(|col| col.name.as_str() == c)?;
            Some(Found::Column(t, column))
        }
        _ => None,
    }
}

fn qualified<'c>(cat: &'c Catalog, q: &QualifiedName) -> Option<Found<'c>> {
    if let Some(t) = cat.tables.get(q) {
        return Some(Found::Table(t));
    }
    if let Some(v) = cat.views.get(q) {
        return Some(Found::View(v));
    }
    if let Some(f) = cat.functions.get(q).filter(|f| !f.is_empty()) {
        return Some(Found::Functions(f));
    }
    if let Some(t) = cat.types.get(q) {
        return Some(Found::Type(t));
    }
    cat.sequences.get(q).map(Found::Sequence)
}

/// Markdown for what was found.
fn describe(project: &Project, found: &Found) -> String {
    let mut out = String::new();
    match found {
        Found::Table(t) => {
            let _ = write!(
                out,
                "**table** `{}`: row level security {}",
                t.name,
                if t.rls_enabled { "on" } else { "off" }
            );
            if !t.columns.is_empty() {
                out.push_str("\n\n");
                for c in &t.columns {
                    let _ = writeln!(out, "- {}", column_line(c));
                }
            }
            for con in &t.constraints {
                let what = match &con.kind {
                    ConstraintKind::PrimaryKey { columns } => {
                        format!("primary key ({})", join(columns))
                    }
                    ConstraintKind::Unique { columns, .. } => format!("unique ({})", join(columns)),
                    ConstraintKind::ForeignKey(fk) => format!(
                        "foreign key ({}) references {} ({})",
                        join(&fk.columns),
                        fk.ref_table,
                        join(&fk.ref_columns)
                    ),
                    ConstraintKind::Check { .. } => "check".to_string(),
                    ConstraintKind::Exclusion => "exclusion".to_string(),
                };
                let _ = writeln!(out, "- constraint `{}`: {what}", con.name);
            }
            for ix in &t.indexes {
                let _ = writeln!(
                    out,
                    "- index `{}`{}",
                    ix.name,
                    if ix.unique { " (unique)" } else { "" }
                );
            }
            for p in &t.policies {
                let _ = writeln!(out, "- policy `{}` for {:?}", p.name, p.command);
            }
        }
        Found::View(v) => {
            let _ = write!(
                out,
                "**{}** `{}`{}",
                if v.materialized {
                    "materialized view"
                } else {
                    "view"
                },
                v.name,
                if v.security_invoker {
                    " (security_invoker)"
                } else {
                    ""
                }
            );
            if !v.columns.is_empty() {
                let _ = write!(out, "\n\ncolumns: {}", join(&v.columns));
            }
        }
        Found::Functions(overloads) => {
            for f in *overloads {
                let args: Vec<String> = f
                    .args
                    .iter()
                    .map(|a| match &a.name {
                        Some(n) => format!("{n} {}", a.ty),
                        None => a.ty.to_string(),
                    })
                    .collect();
                let returns = f.returns.as_ref().map_or(String::new(), |r| {
                    format!(" returns {}{r}", if f.returns_set { "setof " } else { "" })
                });
                let _ = writeln!(
                    out,
                    "**{:?}** `{}({}){returns}`: language {}, {:?}{}{}\n",
                    f.kind,
                    f.name,
                    args.join(", "),
                    f.language,
                    f.volatility,
                    if f.security_definer {
                        ", SECURITY DEFINER"
                    } else {
                        ""
                    },
                    f.config
                        .get("search_path")
                        .map_or(String::new(), |p| format!(", search_path = {p}"))
                );
            }
        }
        Found::Type(t) => {
            let what = match &t.kind {
                TypeKind::Enum { labels } => format!("enum ({})", labels.join(", ")),
                TypeKind::Domain { base, has_check } => {
                    format!(
                        "domain over {base}{}",
                        if *has_check { " with a CHECK" } else { "" }
                    )
                }
                TypeKind::Composite => "composite type".to_string(),
                TypeKind::Range => "range type".to_string(),
                TypeKind::Opaque => "type".to_string(),
            };
            let _ = write!(out, "**type** `{}`: {what}", t.name);
        }
        Found::Sequence(s) => {
            let _ = write!(out, "**sequence** `{}`", s.name);
            if let Some((t, c)) = &s.owned_by {
                let _ = write!(out, ", owned by `{t}.{c}`");
            }
        }
        Found::Column(t, c) => {
            let _ = write!(out, "**column** of `{}`: {}", t.name, column_line(c));
        }
        Found::Policy(t, p) => {
            let roles = if p.roles.is_empty() {
                "public".to_string()
            } else {
                join(&p.roles)
            };
            let _ = write!(
                out,
                "**policy** `{}` on `{}`: {}, for {:?}, to {roles}",
                p.name,
                t.name,
                if p.permissive {
                    "permissive"
                } else {
                    "restrictive"
                },
                p.command
            );
            if let Some(e) = &p.using {
                let _ = write!(out, "\n\nusing `{}`", crate::sql::expr::to_sql(&e.node()));
            }
            if let Some(e) = &p.with_check {
                let _ = write!(
                    out,
                    "\n\nwith check `{}`",
                    crate::sql::expr::to_sql(&e.node())
                );
            }
        }
        Found::Schema(s) => {
            let _ = write!(out, "**schema** `{}`", s.name);
        }
    }
    let _ = write!(out, "\n\n{}", origin_text(project, found.origin()));
    out
}

fn column_line(c: &Column) -> String {
    let mut line = format!("`{}` {}", c.name, c.ty);
    if c.not_null {
        line.push_str(" not null");
    }
    if c.default.is_some() {
        line.push_str(" (default)");
    }
    if c.identity {
        line.push_str(" identity");
    }
    if c.generated {
        line.push_str(" generated");
    }
    line
}

fn join(names: &[Ident]) -> String {
    let list: Vec<String> = names.iter().map(ToString::to_string).collect();
    list.join(", ")
}

/// Where the model says an object came from: `file:line`.
fn origin_text(project: &Project, origin: Origin) -> String {
    match origin {
        Origin::Migration(span) => {
            let src = project
                .report
                .as_ref()
                .and_then(|r| r.sources.get(span.file.0 as usize));
            match src {
                Some(src) => {
                    let (line, _) = src.lines().position(&src.text, span.start as usize);
                    format!("Created at `{}:{line}`", project.shown(&src.path))
                }
                None => "Created in a migration".to_string(),
            }
        }
        Origin::Baseline => {
            "Provided by the platform (exists before the first migration)".to_string()
        }
        Origin::Live => "Read from a database".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_under_the_cursor_stop_at_the_part_it_is_on() {
        let text = "select x from public.\"My T\".col where y = 'a.b' -- c.d";
        let at = |needle: &str| text.find(needle).unwrap() + 1;
        assert_eq!(name_at(text, at("public")).unwrap(), ["public"]);
        assert_eq!(name_at(text, at("My T")).unwrap(), ["public", "My T"]);
        assert_eq!(name_at(text, at("col")).unwrap(), ["public", "My T", "col"]);
        assert_eq!(name_at(text, at("x from")).unwrap(), ["x"]);
        assert_eq!(name_at(text, at("a.b")), None);
        assert_eq!(name_at(text, at("c.d")), None);
    }
}
