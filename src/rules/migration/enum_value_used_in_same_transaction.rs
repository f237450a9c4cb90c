//! An enum label used in the transaction whose `ALTER TYPE ... ADD VALUE` added it. Docs: rules/enum-value-used-in-same-transaction.yaml.

use pg_query::protobuf::{self as pb, Token};
use pg_query::{NodeEnum, NodeRef};

use crate::catalog::{resolve, QualifiedName, Span};
use crate::rules::support::migration::alter_table_cmds;
use crate::rules::{StatementRule, StmtCtx};
use crate::source::migrations::session::AddedLabel;
use crate::sql::{ast, descendants};

pub struct EnumValueUsedInSameTransaction;

impl StatementRule for EnumValueUsedInSameTransaction {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        if cx.session.added_labels().is_empty() || !cx.in_transaction() {
            return;
        }
        // Another ADD VALUE may name a new label in BEFORE/AFTER: allowed.
        if matches!(cx.stmt.node, NodeEnum::AlterEnumStmt(_)) {
            return;
        }
        let mut reported: Vec<(&QualifiedName, &str)> = Vec::new();
        for label in cx.session.added_labels() {
            let key = (&label.type_name, label.label.as_str());
            if reported.contains(&key) {
                continue;
            }
            let Some(span) = use_of(cx, label) else {
                continue;
            };
            reported.push(key);
            cx.report(
                &label.type_name,
                Some(span),
                format!(
                    "enum label `{}` of `{}` is used in the transaction that added it, which PostgreSQL rejects until that transaction commits",
                    label.label, label.type_name
                ),
            );
        }
    }
}

/// Where the statement uses `label` as a value of its enum: a string
/// constant equal to the label, in a statement that names the enum type (a
/// cast, a column type) or works on a table with a column of that type. A
/// heuristic: the constant may in fact be compared with another column.
fn use_of(cx: &StmtCtx<'_>, label: &AddedLabel) -> Option<Span> {
    let stmt = cx.stmt.span;
    let sql = cx.stmt.text.get(stmt.start as usize..stmt.end as usize)?;
    let ty = &label.type_name;
    if let Some((start, end)) = label_constant(sql, &label.label) {
        let node = &cx.stmt.node;
        if casts_to(cx, sql, ty)
            || declares_column_of(cx, node, ty)
            || touches_table_of(cx, node, ty)
        {
            let at = |n: usize| stmt.start.saturating_add(u32::try_from(n).unwrap_or(0));
            return Some(Span {
                file: stmt.file,
                start: at(start),
                end: at(end),
            });
        }
    }
    // A LANGUAGE sql function body is parsed and checked when the function
    // is created (check_function_bodies), so a label in it fails too.
    let body = sql_function_body(&cx.stmt.node)?;
    label_constant(&body, &label.label)?;
    if casts_to(cx, &body, ty) {
        return Some(stmt);
    }
    let parsed = pg_query::parse(&body, pg_query::ParserOptions::default()).ok()?;
    parsed
        .protobuf
        .stmts
        .iter()
        .filter_map(|s| s.stmt.as_ref().and_then(|n| n.node.as_ref()))
        .any(|n| touches_table_of(cx, n, ty))
        .then_some(stmt)
}

/// A token of PostgreSQL's scanner, comments left out.
struct Tok<'a> {
    kind: Token,
    /// An identifier or a keyword (type names can be unreserved keywords).
    word: bool,
    text: &'a str,
    start: usize,
    end: usize,
}

fn tokens(sql: &str) -> Vec<Tok<'_>> {
    let Ok(tokens) = crate::sql::scan_tokens(sql) else {
        return Vec::new();
    };
    tokens
        .into_iter()
        .filter_map(|t| {
            let kind = Token::try_from(t.token).ok()?;
            let start = usize::try_from(t.start).ok()?;
            let end = usize::try_from(t.end).ok()?;
            let tok = Tok {
                kind,
                word: t.keyword_kind != 0 || kind == Token::Ident,
                text: sql.get(start..end)?,
                start,
                end,
            };
            (!matches!(kind, Token::SqlComment | Token::CComment)).then_some(tok)
        })
        .collect()
}

/// The byte range of the first string constant in `sql` equal to `label`.
fn label_constant(sql: &str, label: &str) -> Option<(usize, usize)> {
    tokens(sql)
        .into_iter()
        .find(|t| t.kind == Token::Sconst && unquote(t.text).as_deref() == Some(label))
        .map(|t| (t.start, t.end))
}

/// The value of a string constant token: `'it''s'`, `E'x'`, `$$x$$`, `$q$x$q$`.
fn unquote(text: &str) -> Option<String> {
    if text.starts_with('$') {
        let close = text.get(1..)?.find('$')?;
        let tag = text.get(..close + 2)?;
        return text
            .strip_prefix(tag)?
            .strip_suffix(tag)
            .map(str::to_string);
    }
    let quoted = text.strip_prefix(['E', 'e']).unwrap_or(text);
    let inner = quoted.strip_prefix('\'')?.strip_suffix('\'')?;
    Some(inner.replace("''", "'"))
}

/// An identifier or keyword token as PostgreSQL folds it.
fn folded(text: &str) -> String {
    match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(quoted) => quoted.replace("\"\"", "\""),
        None => text.to_lowercase(),
    }
}

/// Whether `sql` casts to the enum: `::mood`, `::public.mood`, `CAST(... AS mood)`.
fn casts_to(cx: &StmtCtx<'_>, sql: &str, ty: &QualifiedName) -> bool {
    let toks = tokens(sql);
    toks.iter().enumerate().any(|(i, t)| {
        if !matches!(t.kind, Token::Typecast | Token::As) {
            return false;
        }
        let word = |j: usize| toks.get(j).filter(|t| t.word).map(|t| folded(t.text));
        let dot = toks.get(i + 2).is_some_and(|t| t.kind == Token::Ascii46);
        match (word(i + 1), dot.then(|| word(i + 3)).flatten()) {
            (Some(schema), Some(name)) => QualifiedName::new(schema, name) == *ty,
            (Some(name), None) if !dot => {
                name == ty.name.as_str()
                    && resolve::user_type_schema(cx.catalog, cx.search_path, &name).as_ref()
                        == Some(&ty.schema)
            }
            _ => false,
        }
    })
}

fn column_type(n: &pb::Node) -> Option<&pb::TypeName> {
    match &n.node {
        Some(NodeEnum::ColumnDef(c)) => c.type_name.as_ref(),
        _ => None,
    }
}

/// Whether the statement declares a column or domain of the enum type
/// (`CREATE TABLE`, `ADD COLUMN`, `ALTER COLUMN ... TYPE`, `CREATE DOMAIN`).
fn declares_column_of(cx: &StmtCtx<'_>, node: &NodeEnum, ty: &QualifiedName) -> bool {
    let types: Vec<&pb::TypeName> = match node {
        NodeEnum::CreateStmt(s) => s.table_elts.iter().filter_map(column_type).collect(),
        NodeEnum::AlterTableStmt(s) => alter_table_cmds(s)
            .filter_map(|cmd| cmd.def.as_deref().and_then(column_type))
            .collect(),
        NodeEnum::CreateDomainStmt(s) => s.type_name.iter().collect(),
        _ => Vec::new(),
    };
    types.into_iter().any(|t| written_type(cx, t) == *ty)
}

/// Whether the statement reads or changes a table with a column of the enum type.
fn touches_table_of(cx: &StmtCtx<'_>, node: &NodeEnum, ty: &QualifiedName) -> bool {
    let mut rvs: Vec<&pb::RangeVar> = descendants(node)
        .into_iter()
        .filter_map(|n| match n {
            NodeRef::RangeVar(rv) => Some(rv),
            _ => None,
        })
        .collect();
    // Statements pg_query's walk does not enter.
    match node {
        NodeEnum::CreatePolicyStmt(s) => rvs.extend(s.table.as_ref()),
        NodeEnum::AlterPolicyStmt(s) => rvs.extend(s.table.as_ref()),
        NodeEnum::CreateTrigStmt(s) => rvs.extend(s.relation.as_ref()),
        NodeEnum::RuleStmt(s) => rvs.extend(s.relation.as_ref()),
        _ => {}
    }
    rvs.into_iter().any(|rv| {
        cx.catalog
            .table(&cx.table(rv).name)
            .is_some_and(|t| t.columns.iter().any(|c| c.ty.name == *ty))
    })
}

fn written_type(cx: &StmtCtx<'_>, t: &pb::TypeName) -> QualifiedName {
    crate::catalog::types::type_name(t, |name| {
        resolve::user_type_schema(cx.catalog, cx.search_path, name)
    })
    .name
}

/// The body of `CREATE FUNCTION ... LANGUAGE sql AS '...'` (a `BEGIN ATOMIC`
/// body is already part of the parsed statement).
fn sql_function_body(node: &NodeEnum) -> Option<String> {
    let NodeEnum::CreateFunctionStmt(f) = node else {
        return None;
    };
    let mut language = None;
    let mut body = None;
    for d in ast::def_elems(&f.options) {
        match d.defname.as_str() {
            "language" => language = ast::def_arg_text(d),
            "as" => body = ast::def_arg_text(d),
            _ => {}
        }
    }
    language.filter(|l| l.eq_ignore_ascii_case("sql")).and(body)
}

#[cfg(test)]
mod tests {
    use super::unquote;
    use crate::rules::testing::{case, files};

    const RULE: &str = "enum-value-used-in-same-transaction";
    const SETUP: &str = "create type public.mood as enum ('ok');\ncreate table public.t (id bigint primary key, m public.mood not null default 'ok', note text);";

    #[test]
    fn add_value_then_update_in_one_file_the_tool_wraps_fires() {
        let out = files(&[
            ("1.sql", SETUP),
            ("2.sql", "alter type public.mood add value 'sad';\nupdate public.t set m = 'sad' where id = 1;"),
        ])
        .fires(RULE);
        assert_eq!(
            out,
            "2.sql:2:25 enum-value-used-in-same-transaction error [public.mood] enum label `sad` of `public.mood` is used in the transaction that added it, which PostgreSQL rejects until that transaction commits"
        );
    }

    #[test]
    fn add_value_and_use_in_separate_files_is_quiet() {
        files(&[
            ("1.sql", SETUP),
            ("2.sql", "alter type public.mood add value 'sad';"),
            ("3.sql", "update public.t set m = 'sad' where id = 1;"),
        ])
        .quiet(RULE);
    }

    #[test]
    fn plain_postgres_autocommit_is_quiet() {
        files(&[
            ("1.sql", SETUP),
            (
                "2.sql",
                "alter type public.mood add value 'sad';\nupdate public.t set m = 'sad';",
            ),
        ])
        .postgres()
        .quiet(RULE);
    }

    #[test]
    fn plain_postgres_inside_begin_commit_fires() {
        files(&[
            ("1.sql", SETUP),
            (
                "2.sql",
                "begin;\nalter type public.mood add value 'sad';\nupdate public.t set m = 'sad';\ncommit;",
            ),
        ])
        .postgres()
        .fires(RULE);
    }

    #[test]
    fn plain_postgres_after_the_commit_is_quiet() {
        files(&[
            ("1.sql", SETUP),
            (
                "2.sql",
                "begin;\nalter type public.mood add value 'sad';\ncommit;\nupdate public.t set m = 'sad';",
            ),
        ])
        .postgres()
        .quiet(RULE);
    }

    #[test]
    fn a_cast_to_the_type_fires() {
        let out = files(&[
            ("1.sql", SETUP),
            (
                "2.sql",
                "alter type public.mood add value 'sad';\nselect 'sad'::public.mood;",
            ),
        ])
        .fires(RULE);
        assert!(out.starts_with("2.sql:2:8 "), "{out}");
    }

    #[test]
    fn a_default_check_index_or_policy_on_the_table_fires() {
        for stmt in [
            "alter table public.t alter column m set default 'sad';",
            "alter table public.t add constraint not_sad check (m <> 'sad');",
            "create index t_sad_idx on public.t (id) where m = 'sad';",
            "create policy sad on public.t for select using (m = 'sad');",
            "create table public.u (id bigint primary key, m public.mood default 'sad');",
        ] {
            files(&[
                ("1.sql", SETUP),
                (
                    "2.sql",
                    &format!("alter type public.mood add value 'sad';\n{stmt}"),
                ),
            ])
            .fires(RULE);
        }
    }

    #[test]
    fn a_sql_function_body_is_checked() {
        files(&[
            ("1.sql", SETUP),
            (
                "2.sql",
                "alter type public.mood add value 'sad';\ncreate function public.sad_count() returns bigint language sql as $$ select count(*) from public.t where m = 'sad' $$;",
            ),
        ])
        .fires(RULE);
    }

    #[test]
    fn the_label_on_an_unrelated_table_is_quiet() {
        files(&[
            ("1.sql", &format!("{SETUP}\ncreate table public.other (id bigint primary key, note text);")),
            ("2.sql", "alter type public.mood add value 'sad';\ninsert into public.other (id, note) values (1, 'sad');"),
        ])
        .quiet(RULE);
    }

    #[test]
    fn another_label_is_quiet() {
        files(&[
            ("1.sql", SETUP),
            (
                "2.sql",
                "alter type public.mood add value 'sad';\nupdate public.t set m = 'ok';",
            ),
        ])
        .quiet(RULE);
    }

    /// PostgreSQL 15 rejects it too (tests/locks.rs): only the labels of
    /// the CREATE TYPE itself are usable at once.
    #[test]
    fn a_type_created_in_the_same_transaction_fires_too() {
        case(&format!(
            "{SETUP}\nalter type public.mood add value 'sad';\nupdate public.t set m = 'sad';"
        ))
        .fires(RULE);
    }

    #[test]
    fn cast_as_and_quoted_names_fire() {
        for stmt in [
            "select cast('sad' as mood);",
            "select $$sad$$::\"public\".mood;",
            "insert into public.t (id, m) values (2, 'sad');",
        ] {
            files(&[
                ("1.sql", SETUP),
                (
                    "2.sql",
                    &format!("alter type public.mood add value 'sad';\n{stmt}"),
                ),
            ])
            .fires(RULE);
        }
    }

    #[test]
    fn string_constants_are_unquoted() {
        assert_eq!(unquote("'it''s'").as_deref(), Some("it's"));
        assert_eq!(unquote("E'x'").as_deref(), Some("x"));
        assert_eq!(unquote("$q$x$q$").as_deref(), Some("x"));
        assert_eq!(unquote("$$x$$").as_deref(), Some("x"));
        assert_eq!(unquote("x"), None);
    }

    #[test]
    fn add_value_after_a_new_label_is_quiet() {
        files(&[
            ("1.sql", SETUP),
            ("2.sql", "alter type public.mood add value 'sad';\nalter type public.mood add value 'meh' after 'sad';"),
        ])
        .quiet(RULE);
    }
}
