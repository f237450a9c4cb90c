//! A `DO` block whose body changes the schema, which pgvet does not replay. Docs: rules/ddl-in-do-block.yaml.

use pg_query::NodeEnum;

use crate::catalog::Span;
use crate::rules::{StatementRule, StmtCtx};
use crate::sql::{ast, plpgsql};

pub struct DdlInDoBlock;

impl StatementRule for DdlInDoBlock {
    fn check(&self, cx: &mut StmtCtx<'_>) {
        let NodeEnum::DoStmt(s) = &cx.stmt.node else {
            return;
        };
        let mut language = "plpgsql".to_string();
        let mut body = None;
        for d in ast::def_elems(&s.args) {
            match (d.defname.as_str(), ast::def_arg_text(d)) {
                ("as", Some(text)) => body = Some(text),
                ("language", Some(text)) => language = text.to_ascii_lowercase(),
                _ => {}
            }
        }
        let Some(body) = body.filter(|_| language == "plpgsql") else {
            return;
        };
        // A block pgvet replays whole (plain statements, EXCEPTION handlers
        // for objects that exist, existence guards, constant EXECUTE) hides
        // nothing from it.
        if plpgsql::do_block_plan(&body).is_some_and(|plan| plan.whole) {
            return;
        }
        let Some(found) = first_ddl(&body) else {
            return;
        };
        let span = body_span(cx, &body, found.start, found.end);
        let how = if found.dynamic {
            "runs dynamic DDL"
        } else {
            "runs DDL"
        };
        cx.report(
            &cx.file.to_string(),
            Some(span),
            format!(
                "this `DO` block {how} (`{}`) that pgvet could not replay in full: what runs under conditions, in loops or from strings built at run time is not in its model and was not checked",
                found.phrase
            ),
        );
    }
}

/// The span of body bytes `start..end` in the file, when the body appears
/// verbatim in the statement (a dollar-quoted body does); else the statement.
fn body_span(cx: &StmtCtx<'_>, body: &str, start: usize, end: usize) -> Span {
    let stmt = cx.stmt.span;
    let at = cx
        .stmt
        .text
        .get(stmt.start as usize..stmt.end as usize)
        .and_then(|text| text.find(body));
    let offset = |n: usize| at.and_then(|a| u32::try_from(a + n).ok());
    match (offset(start), offset(end)) {
        (Some(s), Some(e)) => Span {
            file: stmt.file,
            start: stmt.start.saturating_add(s),
            end: stmt.start.saturating_add(e),
        },
        _ => stmt,
    }
}

/// A DDL statement found in a body: its first two words, uppercased, and
/// where they are (byte range in the body).
#[derive(Debug, PartialEq)]
struct Found {
    phrase: String,
    start: usize,
    end: usize,
    /// In a string run with EXECUTE rather than written as a statement.
    dynamic: bool,
}

/// The first DDL in a PL/pgSQL body: a statement that starts with a DDL
/// verb, or a string run by EXECUTE (or assigned to a variable, which is
/// how EXECUTE strings are usually built) that starts with one. A
/// heuristic over tokens: no PL/pgSQL parse, so it can miss SQL built from
/// pieces and can flag a string that is never executed.
fn first_ddl(body: &str) -> Option<Found> {
    let toks = tokens(body);
    for (i, tok) in toks.iter().enumerate() {
        let before = |back: usize| i.checked_sub(back).and_then(|j| toks.get(j));
        match &tok.kind {
            Kind::Word(w) => {
                let at_start = match before(1).map(|t| &t.kind) {
                    None | Some(Kind::Semi) => true,
                    Some(Kind::Word(p)) => STATEMENT_AFTER.contains(&p.as_str()),
                    _ => false,
                };
                let next = match toks.get(i + 1).map(|t| &t.kind) {
                    Some(Kind::Word(n)) => Some(n.as_str()),
                    _ => None,
                };
                if at_start && is_ddl(w, next) {
                    let end = toks.get(i + 1).map_or(tok.end, |t| t.end);
                    return Some(Found {
                        phrase: phrase(w, next),
                        start: tok.start,
                        end,
                        dynamic: false,
                    });
                }
            }
            Kind::Str(text) => {
                let kinds: Vec<&Kind> =
                    (1..=4).filter_map(|b| before(b).map(|t| &t.kind)).collect();
                if !runs_or_builds_sql(&kinds) {
                    continue;
                }
                let mut words = text
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .filter(|w| !w.is_empty());
                let Some(first) = words.next().map(str::to_lowercase) else {
                    continue;
                };
                let second = words.next().map(str::to_lowercase);
                if text.trim_start().to_lowercase().starts_with(&first)
                    && is_ddl(&first, second.as_deref())
                {
                    return Some(Found {
                        phrase: phrase(&first, second.as_deref()),
                        start: tok.start,
                        end: tok.end,
                        dynamic: true,
                    });
                }
            }
            _ => {}
        }
    }
    None
}

/// Words after which a PL/pgSQL statement starts.
const STATEMENT_AFTER: &[&str] = &["begin", "then", "else", "loop"];

/// `EXECUTE '...'`, `EXECUTE format('...'`, `v := '...'`, `v := format('...'`
/// (tokens before the string, nearest first).
fn runs_or_builds_sql(before: &[&Kind]) -> bool {
    let word = |k: &Kind, w: &str| matches!(k, Kind::Word(x) if x == w);
    let punct = |k: &Kind, c: u8| matches!(k, Kind::Punct(x) if *x == c);
    let direct = |rest: &[&Kind]| match rest {
        [k, ..] if word(k, "execute") => true,
        [eq, colon, ..] => punct(eq, b'=') && punct(colon, b':'),
        _ => false,
    };
    match before {
        [paren, f, rest @ ..] if punct(paren, b'(') && word(f, "format") => direct(rest),
        _ => direct(before),
    }
}

fn is_ddl(verb: &str, next: Option<&str>) -> bool {
    match verb {
        "create" => next.is_some_and(|n| CREATE_KINDS.contains(&n)),
        "alter" => next.is_some_and(|n| ALTER_KINDS.contains(&n)),
        "drop" => next.is_some_and(|n| CREATE_KINDS.contains(&n) || n == "owned"),
        "comment" => next == Some("on"),
        "truncate" | "grant" | "revoke" => next.is_some(),
        _ => false,
    }
}

const CREATE_KINDS: &[&str] = &[
    "table",
    "index",
    "unique",
    "view",
    "materialized",
    "or",
    "type",
    "function",
    "procedure",
    "trigger",
    "constraint",
    "policy",
    "schema",
    "extension",
    "sequence",
    "domain",
    "role",
    "user",
    "temp",
    "temporary",
    "unlogged",
    "rule",
    "aggregate",
    "operator",
    "publication",
    "foreign",
    "event",
    "cast",
    "collation",
    "server",
    "statistics",
];

const ALTER_KINDS: &[&str] = &[
    "table",
    "index",
    "view",
    "materialized",
    "type",
    "function",
    "procedure",
    "routine",
    "trigger",
    "policy",
    "schema",
    "extension",
    "sequence",
    "domain",
    "role",
    "user",
    "group",
    "publication",
    "default",
    "foreign",
    "database",
    "aggregate",
    "operator",
    "rule",
    "event",
    "server",
    "statistics",
    "collation",
];

fn phrase(verb: &str, next: Option<&str>) -> String {
    match next {
        Some(n) if verb != "truncate" && verb != "grant" && verb != "revoke" => {
            format!("{} {}", verb.to_uppercase(), n.to_uppercase())
        }
        _ => verb.to_uppercase(),
    }
}

#[derive(Debug, PartialEq)]
enum Kind {
    /// A keyword or identifier, lowercased unless quoted.
    Word(String),
    /// A string constant's text.
    Str(String),
    Semi,
    Punct(u8),
}

struct Tok {
    kind: Kind,
    start: usize,
    end: usize,
}

/// Splits a PL/pgSQL body into words, strings and punctuation, skipping
/// comments. Every step moves forward, so it ends on any input.
fn tokens(body: &str) -> Vec<Tok> {
    let b = body.as_bytes();
    let at = |i: usize| b.get(i).copied();
    let text = |s: usize, e: usize| body.get(s..e).unwrap_or_default().to_string();
    let is_word = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80;
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(c) = at(i) {
        let start = i;
        match c {
            c if c.is_ascii_whitespace() => i += 1,
            b'-' if at(i + 1) == Some(b'-') => {
                while at(i).is_some_and(|c| c != b'\n') {
                    i += 1;
                }
            }
            b'/' if at(i + 1) == Some(b'*') => {
                let mut depth = 0usize;
                while let Some(c) = at(i) {
                    if c == b'/' && at(i + 1) == Some(b'*') {
                        depth += 1;
                        i += 2;
                    } else if c == b'*' && at(i + 1) == Some(b'/') {
                        depth = depth.saturating_sub(1);
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            b'\'' => {
                let escapes = out.last().is_some_and(|t: &Tok| {
                    t.end == start && matches!(&t.kind, Kind::Word(w) if w == "e")
                });
                if escapes {
                    out.pop();
                }
                let (content, end) = quoted(body, i + 1, b'\'', escapes);
                out.push(Tok {
                    kind: Kind::Str(content),
                    start,
                    end,
                });
                i = end;
            }
            b'"' => {
                let (content, end) = quoted(body, i + 1, b'"', false);
                out.push(Tok {
                    kind: Kind::Word(content),
                    start,
                    end,
                });
                i = end;
            }
            b'$' => {
                let tag_end = (i + 1..b.len())
                    .find(|&j| at(j).is_some_and(|c| !(c.is_ascii_alphanumeric() || c == b'_')));
                match tag_end.filter(|&j| at(j) == Some(b'$')) {
                    Some(j) if !at(i + 1).is_some_and(|c| c.is_ascii_digit()) => {
                        let tag = text(i, j + 1);
                        let from = j + 1;
                        let close = body.get(from..).and_then(|rest| rest.find(&tag));
                        let (content_end, end) = match close {
                            Some(k) => (from + k, from + k + tag.len()),
                            None => (b.len(), b.len()),
                        };
                        out.push(Tok {
                            kind: Kind::Str(text(from, content_end)),
                            start,
                            end,
                        });
                        i = end;
                    }
                    _ => {
                        out.push(Tok {
                            kind: Kind::Punct(c),
                            start,
                            end: i + 1,
                        });
                        i += 1;
                    }
                }
            }
            c if is_word(c) => {
                while at(i).is_some_and(is_word) {
                    i += 1;
                }
                out.push(Tok {
                    kind: Kind::Word(text(start, i).to_lowercase()),
                    start,
                    end: i,
                });
            }
            b';' => {
                out.push(Tok {
                    kind: Kind::Semi,
                    start,
                    end: i + 1,
                });
                i += 1;
            }
            c => {
                out.push(Tok {
                    kind: Kind::Punct(c),
                    start,
                    end: i + 1,
                });
                i += 1;
            }
        }
    }
    out
}

/// The text of a quoted token whose content starts at `from`, with doubled
/// quotes (and, for E'' strings, backslash escapes) undone; and the byte
/// after the closing quote (the end of the body if it never closes).
fn quoted(body: &str, from: usize, quote: u8, backslash: bool) -> (String, usize) {
    let b = body.as_bytes();
    let mut i = from;
    let mut content = Vec::new();
    while let Some(&c) = b.get(i) {
        if backslash && c == b'\\' {
            // \n, \t, ... are white space between words; others stand for themselves.
            content.extend(b.get(i + 1).map(|&e| match e {
                b'n' | b't' | b'r' | b'b' | b'f' => b' ',
                e => e,
            }));
            i += 2;
        } else if c == quote && b.get(i + 1) == Some(&quote) {
            content.push(quote);
            i += 2;
        } else if c == quote {
            return (String::from_utf8_lossy(&content).into_owned(), i + 1);
        } else {
            content.push(c);
            i += 1;
        }
    }
    (String::from_utf8_lossy(&content).into_owned(), b.len())
}

#[cfg(test)]
mod tests {
    use super::first_ddl;
    use crate::rules::testing::case;

    const RULE: &str = "ddl-in-do-block";

    fn phrase(body: &str) -> Option<(String, bool)> {
        first_ddl(body).map(|f| (f.phrase, f.dynamic))
    }

    #[test]
    fn static_ddl_fires_at_the_statement_in_the_body() {
        let out = case(
            "do $$\nbegin\n  if (select count(*) from app.t) = 0 then\n    alter table app.t add column n int;\n  end if;\nend\n$$;",
        )
        .fires(RULE);
        assert_eq!(
            out,
            "test.sql:4:5 ddl-in-do-block info [test.sql] this `DO` block runs DDL (`ALTER TABLE`) that pgvet could not replay in full: what runs under conditions, in loops or from strings built at run time is not in its model and was not checked"
        );
    }

    #[test]
    fn execute_of_a_ddl_string_built_at_run_time_fires() {
        let out = case(
            "do $$ declare s text := 'app'; begin execute format('create index on %I.t (n)', s); end $$;",
        )
        .fires(RULE);
        assert!(out.contains("runs dynamic DDL (`CREATE INDEX`)"), "{out}");
        case("do 'declare t text := ''app.t''; begin execute ''drop table '' || t; end';").fires(RULE);
    }

    #[test]
    fn blocks_pgvet_replays_whole_are_quiet() {
        for sql in [
            "do $$ begin execute format('create index on %I.t (n)', 'app'); end $$;",
            "do 'begin execute ''drop table app.t''; end';",
            "do $$ begin alter table app.t add constraint t_fk foreign key (p) references app.p; \
             exception when duplicate_object then null; end $$;",
            "do $$ begin if not exists (select 1 from pg_type where typname = 'mood') then \
             create type app.mood as enum ('a'); end if; end $$;",
        ] {
            case(sql).quiet(RULE);
        }
    }

    #[test]
    fn dml_and_raise_are_quiet() {
        case(
            "do $$ declare n int; begin update app.t set n = 1; select count(*) into n from app.t; raise notice 'create table done'; end $$;",
        )
        .quiet(RULE);
    }

    #[test]
    fn other_languages_are_skipped() {
        case("do language plperl $$ spi_exec_query('drop table t'); $$;").quiet(RULE);
    }

    #[test]
    fn statement_starts() {
        assert_eq!(
            phrase("begin create table t (id int); end"),
            Some(("CREATE TABLE".into(), false))
        );
        assert_eq!(
            phrase("begin null; drop view v; end"),
            Some(("DROP VIEW".into(), false))
        );
        assert_eq!(
            phrase("begin if x then truncate t; end if; end"),
            Some(("TRUNCATE".into(), false))
        );
        assert_eq!(
            phrase("begin grant select on t to anon; end"),
            Some(("GRANT".into(), false))
        );
        assert_eq!(
            phrase("begin comment on table t is 'x'; end"),
            Some(("COMMENT ON".into(), false))
        );
        assert_eq!(phrase("declare alter int; begin alter := 1; end"), None);
        assert_eq!(phrase("begin perform create_thing(); end"), None);
    }

    #[test]
    fn strings_and_comments() {
        assert_eq!(
            phrase("begin sql := 'ALTER TABLE ' || t; execute sql; end"),
            Some(("ALTER TABLE".into(), true))
        );
        assert_eq!(
            phrase("begin execute $q$ drop index i $q$; end"),
            Some(("DROP INDEX".into(), true))
        );
        assert_eq!(
            phrase("begin execute E'alter\\ttable t'; end"),
            Some(("ALTER TABLE".into(), true))
        );
        assert_eq!(
            phrase("begin -- drop table t;\n /* alter table t /* nested */ x */ null; end"),
            None
        );
        assert_eq!(phrase("begin raise notice 'drop table %', t; end"), None);
        assert_eq!(phrase("begin execute 'select 1'; end"), None);
        assert_eq!(phrase("begin x := $1; end"), None);
    }

    #[test]
    fn unterminated_input_ends() {
        for body in ["'abc", "$q$ abc", "/* abc", "\"abc", "E'\\", "$", "-- x"] {
            let _ = phrase(body);
        }
    }
}
