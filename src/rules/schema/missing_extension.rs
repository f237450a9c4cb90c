//! Extension functions, types and operator classes used where the extension
//! does not exist or cannot be found. Docs: rules/missing-extension.yaml.

use pg_query::protobuf::{self as pb, KeywordKind, Token};
use pg_query::NodeEnum;

use crate::catalog::{baseline, extensions, resolve, Catalog, Ident, QualifiedName, Span};
use crate::findings::Severity;
use crate::rules::{StatementRule, StmtCtx};
use crate::sql::split::Statement;
use crate::sql::{ast, is_ident_cont, is_name_token, split_name};

pub struct MissingExtension;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Function,
    Type,
    OpClass,
}

/// One use of a name that an extension provides.
struct Use {
    kind: Kind,
    schema: Option<String>,
    name: String,
    extension: &'static str,
    span: Span,
}

/// Where the names of a use are looked up, for the message.
enum Lookup<'a> {
    /// The migration session's search_path.
    Session,
    /// A function body: the function's name, its `SET search_path` if any,
    /// and whether names in it are resolved only when it runs (PL/pgSQL;
    /// an SQL body is checked when the function is created).
    Body(&'a QualifiedName, Option<&'a str>, bool),
    /// A DO block, run in the session.
    DoBlock,
}

impl StatementRule for MissingExtension {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let stmt = cx.stmt;
        let mut uses = Vec::new();
        // Calls and casts: the statement's tokens (string literals, and so
        // function bodies, are single tokens and are not looked into here).
        let text_start = stmt.span.start;
        let text = stmt
            .text
            .get(stmt.span.start as usize..stmt.span.end as usize)
            .unwrap_or_default();
        // The statement's tokens are scanned once and shared by the rules;
        // most statements name nothing an extension provides and are not
        // scanned for this rule at all.
        let toks: Vec<(Token, bool, &str, i32)> = mentions_provided_name(text)
            .then(|| stmt.tokens())
            .flatten()
            .unwrap_or_default()
            .iter()
            .filter_map(|t| {
                let text = stmt.text.get(t.start as usize..t.end as usize)?;
                let offset = i32::try_from(t.start.checked_sub(text_start)?).ok()?;
                Some((t.kind, is_name_token(t.kind, t.keyword), text, offset))
            })
            .collect();
        for (kind, schema, name, offset, len) in scan_tokens_of(&toks) {
            push(
                &mut uses,
                kind,
                schema,
                name,
                offset_span(stmt, text_start, offset, len),
            );
        }
        declared_types(&stmt.node, &mut |t| {
            // Placing the type's name in the text scans the statement: only
            // for names an extension provides.
            let Some((schema, name)) = split_name(&t.names) else {
                return;
            };
            if provider(Kind::Type, schema.as_deref(), &name).is_some() {
                push(
                    &mut uses,
                    Kind::Type,
                    schema,
                    name,
                    stmt.name_at(t.location),
                );
            }
        });
        if let NodeEnum::IndexStmt(s) = &stmt.node {
            for e in &s.index_params {
                let Some(NodeEnum::IndexElem(e)) = &e.node else {
                    continue;
                };
                if let Some((schema, name)) = split_name(&e.opclass) {
                    push(&mut uses, Kind::OpClass, schema, name, stmt.span);
                }
            }
        }
        let subject = cx.subject();
        let session = cx.search_path.to_vec();
        report(cx, &uses, &session, &Lookup::Session, subject.as_ref());

        match &stmt.node {
            NodeEnum::CreateFunctionStmt(s) => {
                let Some(name) = subject.as_ref() else { return };
                let Some(body) = Body::of(&s.options) else {
                    return;
                };
                let set_path = set_search_path(&s.options);
                // Without SET, the body sees the caller's path: assume the platform's default.
                let path = match &set_path {
                    Some(value) => path_of(value),
                    None => baseline::default_search_path(cx.catalog.platform),
                };
                let uses = body.uses(stmt);
                let at_run_time = ast::def_elems(&s.options).any(|d| {
                    d.defname == "language"
                        && ast::def_arg_text(d).is_some_and(|l| l.eq_ignore_ascii_case("plpgsql"))
                });
                report(
                    cx,
                    &uses,
                    &path,
                    &Lookup::Body(name, set_path.as_deref(), at_run_time),
                    subject.as_ref(),
                );
            }
            NodeEnum::DoStmt(s) => {
                let Some(body) = Body::of(&s.args) else {
                    return;
                };
                let uses = body.uses(stmt);
                report(cx, &uses, &session, &Lookup::DoBlock, None);
            }
            _ => {}
        }
    }
}

fn offset_span(stmt: &Statement, start: u32, offset: i32, len: usize) -> Span {
    let start = u32::try_from(offset)
        .ok()
        .and_then(|o| start.checked_add(o));
    match start {
        Some(start) => Span {
            file: stmt.span.file,
            start,
            end: start.saturating_add(u32::try_from(len).unwrap_or(0)),
        },
        None => stmt.span,
    }
}

/// The types a DDL statement declares: column types, function argument and
/// result types, a domain's base type.
fn declared_types<'a>(node: &'a NodeEnum, visit: &mut dyn FnMut(&'a pb::TypeName)) {
    let column = |n: &'a pb::Node, visit: &mut dyn FnMut(&'a pb::TypeName)| {
        if let Some(NodeEnum::ColumnDef(c)) = &n.node {
            if let Some(t) = &c.type_name {
                visit(t);
            }
        }
    };
    match node {
        NodeEnum::CreateStmt(s) => s.table_elts.iter().for_each(|n| column(n, visit)),
        NodeEnum::CreateForeignTableStmt(s) => {
            if let Some(base) = &s.base_stmt {
                base.table_elts.iter().for_each(|n| column(n, visit));
            }
        }
        NodeEnum::CompositeTypeStmt(s) => s.coldeflist.iter().for_each(|n| column(n, visit)),
        NodeEnum::AlterTableStmt(s) => {
            for cmd in &s.cmds {
                if let Some(NodeEnum::AlterTableCmd(cmd)) = &cmd.node {
                    if let Some(def) = cmd.def.as_deref() {
                        column(def, visit);
                    }
                }
            }
        }
        NodeEnum::CreateDomainStmt(s) => {
            if let Some(t) = &s.type_name {
                visit(t);
            }
        }
        NodeEnum::CreateFunctionStmt(s) => {
            for p in &s.parameters {
                if let Some(NodeEnum::FunctionParameter(p)) = &p.node {
                    if let Some(t) = &p.arg_type {
                        visit(t);
                    }
                }
            }
            if let Some(t) = &s.return_type {
                visit(t);
            }
        }
        _ => {}
    }
}

fn push(uses: &mut Vec<Use>, kind: Kind, schema: Option<String>, name: String, span: Span) {
    if schema.as_deref() == Some("pg_catalog") {
        return;
    }
    if let Some(extension) = provider(kind, schema.as_deref(), &name) {
        uses.push(Use {
            kind,
            schema,
            name,
            extension,
            span,
        });
    }
}

fn report(
    cx: &mut StmtCtx<'_>,
    uses: &[Use],
    path: &[Ident],
    lookup: &Lookup<'_>,
    subject: Option<&QualifiedName>,
) {
    for u in uses {
        let Some(problem) = problem(cx.catalog, path, u) else {
            continue;
        };
        let assumed = cx
            .assume_exists
            .iter()
            .any(|a| a == u.extension || a == &u.name);
        if assumed {
            continue;
        }
        let what = match (u.kind, &u.schema) {
            (Kind::Function, Some(s)) => format!("`{s}.{}()`", u.name),
            (Kind::Function, None) => format!("`{}()`", u.name),
            (Kind::Type, Some(s)) => format!("type `{s}.{}`", u.name),
            (Kind::Type, None) => format!("type `{}`", u.name),
            (Kind::OpClass, _) => format!("operator class `{}`", u.name),
        };
        let ext = u.extension;
        // PL/pgSQL looks names up when the function runs: a later
        // migration may create the extension first.
        let later = matches!(
            (&problem, lookup),
            (Problem::NotCreated, Lookup::Body(_, _, true))
        );
        let message = match problem {
            Problem::NotCreated if later => format!(
                "{what} needs extension `{ext}`, which is not created before this function; PL/pgSQL looks it up when the function runs, so calls fail unless a later migration creates it first"
            ),
            Problem::NotCreated => {
                format!("{what} needs extension `{ext}`, which is not created before this statement")
            }
            Problem::Elsewhere(schema) => match lookup {
                _ if u.schema.is_some() => {
                    format!("{what} does not exist: extension `{ext}` is installed in `{schema}`")
                }
                Lookup::Body(f, Some(set), _) => format!(
                    "{what} comes from extension `{ext}` in `{schema}`, but function `{f}` sets search_path to `{}` and calls it unqualified",
                    if set.is_empty() { "''" } else { set }
                ),
                Lookup::Body(f, None, _) => format!(
                    "{what} comes from extension `{ext}` in `{schema}`, which the default search_path used by function `{f}` does not include"
                ),
                Lookup::Session | Lookup::DoBlock => format!(
                    "{what} comes from extension `{ext}` in `{schema}`, which is not on the search_path here"
                ),
            },
        };
        // Without a subject (SELECT, DO), the finding names what was used.
        let object = subject.cloned().unwrap_or_else(|| {
            let schema = u
                .schema
                .as_deref()
                .map(Ident::new)
                .or_else(|| path.first().cloned())
                .unwrap_or_else(|| Ident::new("public"));
            QualifiedName::new(schema, Ident::new(u.name.as_str()))
        });
        if later {
            cx.report_with_severity(Severity::Warning, &object, Some(u.span), message);
        } else {
            cx.report(&object, Some(u.span), message);
        }
    }
}

enum Problem {
    NotCreated,
    /// The extension exists, in this schema, where the use does not look.
    Elsewhere(Ident),
}

fn problem(cat: &Catalog, path: &[Ident], u: &Use) -> Option<Problem> {
    // A project object of that name (its own `similarity()`, say) is what PostgreSQL finds.
    let found = match u.kind {
        Kind::Function => resolve::function(cat, path, u.schema.as_deref(), &u.name).is_ok(),
        Kind::Type => match &u.schema {
            Some(s) => cat.type_exists(&QualifiedName::new(s.as_str(), u.name.as_str())),
            None => resolve::user_type_schema(cat, path, &u.name).is_some(),
        },
        Kind::OpClass => false,
    };
    if found {
        return None;
    }
    let Some(ext) = cat.extensions.get(&Ident::new(u.extension)) else {
        return Some(Problem::NotCreated);
    };
    // pg_net and pg_cron put their objects in a schema of their own.
    let home = extensions::find(u.extension)
        .and_then(|k| k.objects_schema)
        .map_or_else(|| ext.schema.clone(), Ident::new);
    // The catalog knows only some of an extension's objects: where the
    // extension is visible, trust that it has the one asked for.
    let visible = match &u.schema {
        Some(s) => s.as_str() == home.as_str(),
        None => home.as_str() == "pg_catalog" || path.contains(&home),
    };
    (!visible).then_some(Problem::Elsewhere(home))
}

/// The extension that provides a name, for the well-known ones.
fn provider(kind: Kind, schema: Option<&str>, name: &str) -> Option<&'static str> {
    match kind {
        Kind::Function => extensions::function_provider(schema, name),
        Kind::Type => extensions::type_provider(name),
        Kind::OpClass => extensions::opclass_provider(name),
    }
}

/// Whether `text` contains a word that [`provider`] could know as a function
/// or type, compared case-insensitively (so a superset of what the scanner
/// would find: words in strings and comments count too). Running
/// PostgreSQL's scanner over every statement was a tenth of a lint's CPU;
/// this pass over the bytes is what decides whether to.
fn mentions_provided_name(text: &str) -> bool {
    static WORDS: std::sync::OnceLock<Words> = std::sync::OnceLock::new();
    let words = WORDS.get_or_init(Words::new);
    let bytes = text.as_bytes();
    // U&"..." spells an identifier with escapes: look at it properly.
    if bytes.windows(2).any(|w| matches!(w, [b'u' | b'U', b'&'])) {
        return true;
    }
    let mut lower = [0u8; 64];
    for word in bytes
        .split(|&b| !is_ident_cont(b))
        .filter(|w| !w.is_empty())
    {
        let prefixed = words.prefixes.iter().any(|p| {
            word.len() > p.len()
                && word
                    .get(..p.len())
                    .is_some_and(|w| w.eq_ignore_ascii_case(p.as_bytes()))
        });
        if prefixed {
            return true;
        }
        if word.len() > words.longest.min(lower.len()) || !words.may_hold(word) {
            continue;
        }
        let Some(folded) = lower.get_mut(..word.len()) else {
            continue;
        };
        folded.copy_from_slice(word);
        folded.make_ascii_lowercase();
        if std::str::from_utf8(folded).is_ok_and(|w| words.names.contains(w)) {
            return true;
        }
    }
    false
}

/// The names extensions provide, for [`mentions_provided_name`].
struct Words {
    names: std::collections::HashSet<&'static str>,
    /// The length of the longest name.
    longest: usize,
    /// Function name prefixes.
    prefixes: Vec<&'static str>,
    /// The lengths of the names (bit n: a name of n bytes; 63 for longer).
    lengths: u64,
    /// The first two bytes of the names, lower case (bit 256 * a + b; b
    /// is 0 for a one-byte name): most words of a statement fail these two
    /// tests, which cost less than hashing the word.
    starts: Box<[u64]>,
}

impl Words {
    fn new() -> Words {
        let names: std::collections::HashSet<&'static str> =
            extensions::all_object_names().collect();
        let mut lengths = 0u64;
        let mut starts = vec![0u64; 65536 / 64].into_boxed_slice();
        for name in &names {
            lengths |= 1 << name.len().min(63);
            let bit = Words::start_bit(name.as_bytes());
            if let Some(slot) = starts.get_mut(bit / 64) {
                *slot |= 1 << (bit % 64);
            }
        }
        Words {
            longest: names.iter().map(|w| w.len()).max().unwrap_or(0),
            names,
            prefixes: extensions::function_prefixes().collect(),
            lengths,
            starts,
        }
    }

    fn start_bit(word: &[u8]) -> usize {
        let byte = |i: usize| usize::from(word.get(i).map_or(0, u8::to_ascii_lowercase));
        byte(0) * 256 + byte(1)
    }

    /// False when no name has `word`'s length or first two bytes (case
    /// aside); true when one may be `word`.
    fn may_hold(&self, word: &[u8]) -> bool {
        let bit = Words::start_bit(word);
        self.lengths & (1 << word.len().min(63)) != 0
            && self
                .starts
                .get(bit / 64)
                .is_some_and(|slot| slot & (1 << (bit % 64)) != 0)
    }
}

/// The `SET search_path` of a CREATE FUNCTION, as written (comma-joined).
fn set_search_path(options: &[pb::Node]) -> Option<String> {
    ast::def_elems(options)
        .filter(|d| d.defname == "set")
        .find_map(|d| {
            let Some(NodeEnum::VariableSetStmt(v)) = d.arg.as_deref().and_then(|a| a.node.as_ref())
            else {
                return None;
            };
            (v.name.eq_ignore_ascii_case("search_path")
                && v.kind == pb::VariableSetKind::VarSetValue as i32)
                .then(|| {
                    v.args
                        .iter()
                        .filter_map(ast::const_text)
                        .collect::<Vec<_>>()
                        .join(", ")
                })
        })
}

fn path_of(value: &str) -> Vec<Ident> {
    value
        .split(',')
        .map(|s| s.trim().trim_matches('"').trim())
        .filter(|s| !s.is_empty() && *s != "$user" && *s != "pg_temp")
        .map(Ident::new)
        .collect()
}

/// A function or DO body: its text and where it starts in the file.
struct Body {
    text: String,
    /// Node location of the `AS` clause: where the body literal is looked
    /// for when a use needs a position.
    location: i32,
}

impl Body {
    fn of(options: &[pb::Node]) -> Option<Body> {
        let d = ast::def_elems(options).find(|d| d.defname == "as")?;
        let text = match d.arg.as_deref().and_then(|a| a.node.as_ref()) {
            Some(NodeEnum::List(l)) if l.items.len() == 1 => {
                l.items.first().and_then(ast::const_text)
            }
            Some(NodeEnum::String(s)) => Some(s.sval.clone()),
            _ => None,
        }?;
        Some(Body {
            text,
            location: d.location,
        })
    }

    /// Extension names the body uses, scanned: SQL and PL/pgSQL alike.
    fn uses(&self, stmt: &Statement) -> Vec<Use> {
        let mut uses = Vec::new();
        let found = scan(&self.text);
        // File offset of the body's first character (dollar-quoted bodies only).
        let body_start = if found.is_empty() {
            None
        } else {
            dollar_start(stmt, self.location)
        };
        for (kind, schema, name, offset, len) in found {
            let span = match body_start {
                Some(start) => offset_span(stmt, start, offset, len),
                None => stmt.span,
            };
            push(&mut uses, kind, schema, name, span);
        }
        uses
    }
}

/// File offset just inside the opening `$tag$` of the first string literal
/// after `location`; None for a '...' literal, whose escapes shift offsets.
fn dollar_start(stmt: &Statement, location: i32) -> Option<u32> {
    let from = stmt.base.checked_add(u32::try_from(location).ok()?)?;
    let rest = stmt.text.get(from as usize..stmt.span.end as usize)?;
    let tokens = crate::sql::scan_tokens(rest).ok()?;
    let literal = tokens.iter().find(|t| t.token == Token::Sconst as i32)?;
    let literal_start = usize::try_from(literal.start).ok()?;
    let tag = rest.get(literal_start..)?.strip_prefix('$')?;
    let tag_len = tag.find('$')?.checked_add(2)?;
    from.checked_add(u32::try_from(literal_start + tag_len).ok()?)
}

/// SQL or PL/pgSQL scanned with PostgreSQL's scanner: a name followed by
/// `(` is a call, a name after `::` a type. Names after INTO, TABLE, FROM,
/// JOIN, UPDATE, REFERENCES, ON or TYPE are relations or types being
/// declared, after IF EXISTS objects being dropped, and after FUNCTION or
/// PROCEDURE a function being created, granted or dropped, or a trigger's
/// function (`undefined-object` reports those). DECLARE'd variable types
/// are not seen.
fn scan(body: &str) -> Vec<(Kind, Option<String>, String, i32, usize)> {
    if !mentions_provided_name(body) {
        return Vec::new();
    }
    let Ok(tokens) = crate::sql::scan_tokens(body) else {
        return Vec::new();
    };
    let toks: Vec<(Token, bool, &str, i32)> = tokens
        .iter()
        .filter_map(|t| {
            let kind = Token::try_from(t.token).ok()?;
            let keyword = KeywordKind::try_from(t.keyword_kind).ok()?;
            let text = body.get(usize::try_from(t.start).ok()?..usize::try_from(t.end).ok()?)?;
            (!matches!(kind, Token::SqlComment | Token::CComment)).then_some((
                kind,
                is_name_token(kind, keyword),
                text,
                t.start,
            ))
        })
        .collect();
    scan_tokens_of(&toks)
}

/// Calls, casts and qualified names in (kind, is_name, text, offset) tokens.
fn scan_tokens_of(
    toks: &[(Token, bool, &str, i32)],
) -> Vec<(Kind, Option<String>, String, i32, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let Some(&(_, true, _, start)) = toks.get(i) else {
            i += 1;
            continue;
        };
        let mut parts = Vec::new();
        let mut j = i;
        let mut end = start;
        while let Some(&(_, true, text, at)) = toks.get(j) {
            parts.push(fold(text));
            end = at.saturating_add(i32::try_from(text.len()).unwrap_or(0));
            if matches!(toks.get(j + 1), Some((Token::Ascii46, _, _, _))) {
                j += 2;
            } else {
                j += 1;
                break;
            }
        }
        let before = i.checked_sub(1).and_then(|p| toks.get(p)).map(|t| t.0);
        let name = match parts.as_slice() {
            [n] => Some((None, n.clone())),
            [.., s, n] => Some((Some(s.clone()), n.clone())),
            [] => None,
        };
        let len = usize::try_from(end.saturating_sub(start)).unwrap_or(0);
        if let Some((schema, name)) = name {
            let declares = matches!(
                before,
                Some(
                    Token::Into
                        | Token::Table
                        | Token::From
                        | Token::Join
                        | Token::Update
                        | Token::References
                        | Token::Function
                        | Token::Procedure
                        | Token::On
                        | Token::TypeP
                        | Token::Exists
                )
            );
            if before == Some(Token::Typecast) {
                out.push((Kind::Type, schema, name, start, len));
            } else if !declares && matches!(toks.get(j), Some((Token::Ascii40, _, _, _))) {
                out.push((Kind::Function, schema, name, start, len));
            }
        }
        i = j.max(i + 1);
    }
    out
}

/// An identifier as PostgreSQL folds it: quoted kept, unquoted lowercased.
fn fold(text: &str) -> String {
    match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(quoted) => quoted.replace("\"\"", "\""),
        None => text.to_ascii_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, quiet};

    /// What `mentions_provided_name` answers, the slow way: each word
    /// folded to lower case and looked up, or starting with a prefix.
    fn mentions_word_by_word(text: &str) -> bool {
        let names: std::collections::HashSet<&str> =
            crate::catalog::extensions::all_object_names().collect();
        let prefixes: Vec<&str> = crate::catalog::extensions::function_prefixes().collect();
        text.to_ascii_lowercase().contains("u&")
            || text
                .as_bytes()
                .split(|b| !crate::sql::is_ident_cont(*b))
                .filter(|w| !w.is_empty())
                .any(|w| {
                    let w = String::from_utf8_lossy(w).to_ascii_lowercase();
                    names.contains(w.as_str())
                        || prefixes
                            .iter()
                            .any(|p| w.len() > p.len() && w.starts_with(p))
                })
    }

    #[test]
    fn provided_names_are_found_as_whole_words_only() {
        let name = crate::catalog::extensions::all_object_names()
            .find(|n| n.len() > 4)
            .expect("extensions provide names");
        let upper = name.to_ascii_uppercase();
        let texts = [
            format!("select {name}(1);"),
            format!("select {upper}(1);"),
            format!("select x{name}(1);"),
            format!("select {name}x(1);"),
            format!("select {name}$(1);"),
            format!("select é{name};"),
            format!("select \"{name}\";"),
            format!("create table t (a {name});"),
            format!("select {};", &name[..name.len() - 1]),
            "select st_point(1, 2);".to_string(),
            "select ST_Point(1, 2);".to_string(),
            "select st_;".to_string(),
            "select xst_point();".to_string(),
            "select \"st_\"x;".to_string(),
            "select U&\"d\\0061t\";".to_string(),
            "select menu&1;".to_string(),
            "create table t (id bigint primary key, body text);".to_string(),
            String::new(),
        ];
        for text in &texts {
            assert_eq!(
                super::mentions_provided_name(text),
                mentions_word_by_word(text),
                "{text}"
            );
        }
        // Both answers occur among these.
        assert!(texts.iter().any(|t| super::mentions_provided_name(t)));
        assert!(!texts.iter().all(|t| super::mentions_provided_name(t)));
    }

    const RULE: &str = "missing-extension";

    #[test]
    fn prefilter_finds_every_spelling_the_scanner_could_fold_to_a_provided_name() {
        use super::mentions_provided_name as m;
        assert!(m("select crypt('x', gen_salt('bf'))"));
        assert!(m("select CRYPT('x')"));
        assert!(m("select \"crypt\"('x')"));
        assert!(m("select x::CiText"));
        assert!(m("select extensions.st_distance(a, b)"));
        assert!(m("select net.http_post(url := 'x')"));
        assert!(m("select cron.schedule('x', '* * * * *', 'y')"));
        assert!(m("select U&\"\\0063rypt\"('x')"));
        // Words that merely contain a provided name are not it.
        assert!(!m(
            "create table public.encryption_keys (first_name text, last_st text)"
        ));
        assert!(!m("create index on public.t (created_at)"));
        assert!(!m(""));
    }

    #[test]
    fn uppercase_call_still_fires() {
        let out = fires(
            RULE,
            "create view public.v as select SIMILARITY('a', 'b') as s;",
        );
        assert!(out.contains("similarity"), "{out}");
    }

    #[test]
    fn supabase_baseline_has_pgcrypto_and_uuid_ossp() {
        quiet(RULE, "create table public.t (id uuid primary key default uuid_generate_v4(), token text default encode(gen_random_bytes(8), 'hex'));");
    }

    #[test]
    fn citext_column_fires_at_the_type() {
        let out = fires(
            RULE,
            "create table public.t (\n  id bigint primary key,\n  email citext not null\n);",
        );
        assert!(out.starts_with("test.sql:3:9 "), "{out}");
        assert!(out.contains("[public.t] type `citext` needs extension `citext`, which is not created before this statement"), "{out}");
    }

    #[test]
    fn assume_exists_silences_it() {
        crate::rules::testing::quiet_with(
            RULE,
            "create table public.t (id bigint primary key, email citext not null);",
            "assume_exists: [citext]",
        );
    }

    #[test]
    fn created_later_in_the_migration_does_not_help() {
        fires(RULE, "create table public.t (id bigint primary key, email citext not null);\ncreate extension citext with schema extensions;");
        quiet(RULE, "create extension citext with schema extensions;\ncreate table public.t (id bigint primary key, email citext not null);");
    }

    #[test]
    fn trigram_index_needs_pg_trgm() {
        let out = fires(RULE, "create table public.t (id bigint primary key, name text);\ncreate index t_name_trgm on public.t using gin (name gin_trgm_ops);");
        assert!(
            out.contains("operator class `gin_trgm_ops` needs extension `pg_trgm`"),
            "{out}"
        );
        quiet(RULE, "create extension pg_trgm with schema extensions;\ncreate table public.t (id bigint primary key, name text);\ncreate index t_name_trgm on public.t using gin (name gin_trgm_ops);");
    }

    #[test]
    fn vector_type_and_cron_schedule() {
        fires(
            RULE,
            "create table public.docs (id bigint primary key, embedding vector(1536));",
        );
        fires(
            RULE,
            "select cron.schedule('cleanup', '0 * * * *', 'select 1');",
        );
        quiet(
            RULE,
            "create extension pg_cron;\nselect cron.schedule('cleanup', '0 * * * *', 'select 1');",
        );
        fires(RULE, "select net.http_post(url := 'https://example.com');");
    }

    #[test]
    fn empty_search_path_hides_extensions_from_the_body() {
        let sql = "create function public.token()\nreturns text\nlanguage plpgsql\nset search_path = ''\nas $$\nbegin\n  return encode(gen_random_bytes(8), 'hex');\nend;\n$$;";
        let out = fires(RULE, sql);
        assert!(out.starts_with("test.sql:7:17 "), "{out}");
        assert!(
            out.contains("function `public.token` sets search_path to `''`"),
            "{out}"
        );
    }

    #[test]
    fn qualified_call_under_empty_search_path_is_quiet() {
        quiet(RULE, "create function public.token() returns text language plpgsql set search_path = '' as $$ begin return encode(extensions.gen_random_bytes(8), 'hex'); end; $$;");
        quiet(RULE, "create function public.token() returns text language sql set search_path = '' as $$ select encode(extensions.gen_random_bytes(8), 'hex') $$;");
    }

    #[test]
    fn sql_body_with_empty_search_path_fires() {
        fires(RULE, "create function public.h(p text) returns text language sql set search_path = '' as $$ select crypt(p, gen_salt('bf')) $$;");
    }

    #[test]
    fn body_without_set_uses_the_default_path() {
        quiet(RULE, "create function public.token() returns text language plpgsql as $$ begin return encode(gen_random_bytes(8), 'hex'); end; $$;");
    }

    #[test]
    fn a_plpgsql_body_needs_the_extension_only_when_it_runs() {
        use crate::rules::testing::case;
        // PL/pgSQL looks the name up at the call: a later migration may
        // create the extension first. A warning, saying so.
        let plpgsql = "create function public.f(t text) returns real language plpgsql as $$ begin return similarity(t, 'x'); end $$;";
        let out = case(plpgsql).fires(RULE);
        assert!(
            out.contains("missing-extension warning") && out.contains("when the function runs"),
            "{out}"
        );
        // An SQL body is checked when the function is created: an error.
        let sql = "create function public.f(t text) returns real language sql as $$ select similarity(t, 'x') $$;";
        let out = case(sql).fires(RULE);
        assert!(out.contains("missing-extension error"), "{out}");
    }

    #[test]
    fn own_function_of_the_same_name_is_quiet() {
        quiet(RULE, "create function public.similarity(a text, b text) returns real language sql immutable as $$ select 1.0::real $$;\nselect public.similarity('a', 'b');\nselect similarity('a', 'b');");
    }

    #[test]
    fn table_named_like_a_function_is_not_a_call() {
        quiet(RULE, "create table public.digest (id bigint primary key, body text);\ncreate function public.f() returns void language plpgsql set search_path = '' as $$ begin insert into public.digest (id, body) values (1, 'x'); end; $$;");
    }

    #[test]
    fn dropping_or_granting_a_function_is_not_a_call() {
        quiet(RULE, "drop function if exists similarity(text, text);\ndrop function similarity(text, text);\ngrant execute on function similarity(text, text) to authenticated;");
    }

    #[test]
    fn wrong_schema_qualification_fires() {
        let out = fires(RULE, "select public.gen_random_bytes(4);");
        assert!(
            out.contains("does not exist: extension `pgcrypto` is installed in `extensions`"),
            "{out}"
        );
    }

    #[test]
    fn do_block_needs_the_extension_first() {
        fires(
            RULE,
            "do $$ begin perform cron.schedule('x', '* * * * *', 'select 1'); end $$;",
        );
    }
}
