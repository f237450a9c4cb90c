//! A name longer than PostgreSQL's 63-byte limit, which it cuts short with only a NOTICE. Docs: rules/identifier-too-long.yaml.

use pg_query::protobuf::Token;

use crate::catalog::{resolve, QualifiedName, Span};
use crate::rules::{StatementRule, StmtCtx};

pub struct IdentifierTooLong;

/// NAMEDATALEN - 1: the longest name PostgreSQL keeps, in bytes.
const MAX_BYTES: usize = 63;

impl StatementRule for IdentifierTooLong {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let span = cx.stmt.span;
        let text = cx.stmt.text.get(span.start as usize..span.end as usize);
        // Scanning the statement's tokens costs more than looking at its
        // bytes, and few statements could hold a long name.
        if !text.is_some_and(may_hold_long_name) {
            return;
        }
        let Some(tokens) = cx.stmt.tokens() else {
            return;
        };
        let mut seen: Vec<String> = Vec::new();
        let mut found: Vec<(String, Span)> = Vec::new();
        for tok in tokens.iter().filter(|t| t.kind == Token::Ident) {
            // A name is never longer than its token (folding keeps the
            // length; quotes and doubled quotes only shorten it): most
            // tokens need no copy.
            if tok.end.saturating_sub(tok.start) as usize <= MAX_BYTES {
                continue;
            }
            let Some(text) = cx.stmt.text.get(tok.start as usize..tok.end as usize) else {
                continue;
            };
            let Some(name) = identifier_value(text) else {
                continue;
            };
            if name.len() <= MAX_BYTES || seen.contains(&name) {
                continue;
            }
            seen.push(name.clone());
            let span = Span {
                file: cx.stmt.span.file,
                start: tok.start,
                end: tok.end,
            };
            found.push((name, span));
        }
        // The finding is about what the statement works on; failing that,
        // the object the name would make.
        let subject = cx.subject();
        for (name, span) in found {
            let subject = subject.clone().unwrap_or_else(|| {
                QualifiedName::new(
                    resolve::creation_schema(cx.catalog, cx.search_path),
                    truncated(&name),
                )
            });
            let kept = truncated(&name);
            let message = format!(
                "`{name}` is {} bytes long, and PostgreSQL silently cuts it to `{kept}`",
                name.len()
            );
            cx.report(&subject, Some(span), message);
        }
    }
}

/// Whether `text` may hold an identifier token longer than [`MAX_BYTES`]:
/// it has a quote, or more than that many identifier bytes in a row (an
/// unquoted identifier is letters, digits, `_`, `$` and non-ASCII bytes).
fn may_hold_long_name(text: &str) -> bool {
    if text.contains('"') {
        return true;
    }
    let mut run = 0;
    for b in text.bytes() {
        if crate::sql::is_ident_cont(b) {
            run += 1;
            if run > MAX_BYTES {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}

/// The name an identifier token stands for: folded to lower case unless
/// quoted, with `""` in a quoted one standing for `"`. None for a
/// `U&"..."` identifier, whose escapes are not decoded here.
fn identifier_value(text: &str) -> Option<String> {
    if let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        return Some(inner.replace("\"\"", "\""));
    }
    if text.starts_with(['u', 'U']) && text.get(1..3) == Some("&\"") {
        return None;
    }
    // PostgreSQL folds only ASCII letters in UTF-8.
    Some(text.to_ascii_lowercase())
}

/// The first 63 bytes of `name`, not splitting a character, as PostgreSQL
/// keeps it.
fn truncated(name: &str) -> &str {
    let mut end = MAX_BYTES.min(name.len());
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name.get(..end).unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{case, files};

    const RULE: &str = "identifier-too-long";

    fn name(len: usize) -> String {
        "a".repeat(len)
    }

    #[test]
    fn a_64_byte_table_name_fires() {
        let long = name(64);
        let out = case(&format!("create table {long} (id bigint primary key);")).fires(RULE);
        assert_eq!(
            out,
            format!(
                "test.sql:1:14 identifier-too-long warning [public.{}] `{long}` is 64 bytes long, and PostgreSQL silently cuts it to `{}`",
                name(63),
                name(63)
            )
        );
    }

    #[test]
    fn exactly_63_bytes_is_quiet() {
        case(&format!(
            "create table {} (id bigint primary key);",
            name(63)
        ))
        .quiet(RULE);
    }

    #[test]
    fn bytes_are_counted_not_characters() {
        // 32 two-byte characters: 64 bytes, cut to 31 characters (62 bytes).
        let long = "é".repeat(32);
        let out = case(&format!("create table \"{long}\" (id bigint primary key);")).fires(RULE);
        assert!(
            out.contains("is 64 bytes long") && out.contains(&format!("`{}`", "é".repeat(31))),
            "{out}"
        );
        // 21 three-byte characters are 63 bytes: kept whole.
        case(&format!(
            "create table \"{}\" (id bigint primary key);",
            "€".repeat(21)
        ))
        .quiet(RULE);
    }

    #[test]
    fn unquoted_names_of_non_ascii_letters_and_dollars_fire() {
        // The statement's bytes are looked at before its tokens: these
        // names must count as long there too.
        for long in ["é".repeat(32), format!("a{}", "$".repeat(63))] {
            let out = case(&format!(
                "create table public.t (id bigint primary key, {long} int);"
            ))
            .fires(RULE);
            assert!(out.contains("is 64 bytes long"), "{out}");
        }
    }

    #[test]
    fn unquoted_names_are_folded_and_quotes_unescaped() {
        let out = case(&format!(
            "create table public.t (id bigint primary key, {} int);",
            "A".repeat(64)
        ))
        .fires(RULE);
        assert!(
            out.contains("[public.t]") && out.contains(&format!("cuts it to `{}`", name(63))),
            "{out}"
        );
        // 31 quote pairs stand for 31 characters, and 31 more letters: 62 bytes.
        case(&format!(
            "create table \"{}{}\" (id bigint primary key);",
            "\"\"".repeat(31),
            name(31)
        ))
        .quiet(RULE);
    }

    #[test]
    fn columns_constraints_indexes_and_references_fire() {
        let long = name(70);
        for stmt in [
            format!("alter table public.t add column {long} text;"),
            format!("alter table public.t add constraint {long} check (id > 0);"),
            format!("create index {long} on public.t (id);"),
            format!("alter table public.t rename to {long};"),
            format!("select 1 as {long};"),
        ] {
            files(&[
                ("1.sql", "create table public.t (id bigint primary key);"),
                ("2.sql", &stmt),
            ])
            .fires(RULE);
        }
    }

    #[test]
    fn each_long_name_is_reported_once_per_statement() {
        let long = name(64);
        let out = case(&format!(
            "create table {long} (id bigint primary key, parent bigint references {long} (id));"
        ))
        .fires(RULE);
        assert_eq!(out.lines().count(), 1, "{out}");
    }

    #[test]
    fn strings_comments_and_function_bodies_are_not_names() {
        let long = name(80);
        case(&format!(
            "-- {long}\ncomment on schema public is '{long}';\ncreate function public.f() returns int language sql as $$ select 1 as {long} $$;"
        ))
        .quiet(RULE);
    }
}
