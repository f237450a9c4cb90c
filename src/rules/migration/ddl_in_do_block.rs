//! A `DO` block whose body changes the schema, which pgvet does not replay. Docs: rules/ddl-in-do-block.yaml.

use pg_query::protobuf as pb;
use pg_query::{NodeEnum, NodeRef};

use crate::catalog::Span;
use crate::rules::{StatementRule, StmtCtx};
use crate::sql::{ast, expr, plpgsql};

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

/// A DDL statement found in a body: what kind it is (its leading words,
/// uppercased) and where it is (byte range in the body).
#[derive(Debug, PartialEq)]
struct Found {
    phrase: String,
    start: usize,
    end: usize,
    /// In a string run with EXECUTE rather than written as a statement.
    dynamic: bool,
}

/// The first DDL in a PL/pgSQL body, read with PostgreSQL's PL/pgSQL parser
/// (the replay reads DO blocks the same way): an SQL statement of the body
/// that is DDL, or a dynamic statement (`EXECUTE`, `FOR ... IN EXECUTE`)
/// whose string has a literal part, or a variable assigned one, that starts
/// with DDL. Strings are a heuristic: SQL built from pieces can be missed.
/// None when the body does not parse; the DO block is then a gap in the
/// coverage account, which says so.
fn first_ddl(body: &str) -> Option<Found> {
    let parsed = plpgsql::parse_do_body(body).ok()?;
    // The parser's statements come in no reliable order (an ELSE can come
    // before its THEN): the first in the text wins.
    parsed
        .statements()
        .into_iter()
        .filter_map(|stmt| {
            let (text, phrase, dynamic) = if stmt.kind == "execsql" {
                let sql = stmt.query()?;
                (sql, ddl_phrase(sql)?, false)
            } else {
                let text = stmt.dynamic_query()?;
                let phrase = string_parts(text, &parsed, 1)
                    .iter()
                    .find_map(|s| ddl_phrase(s))?;
                (text, phrase, true)
            };
            let (start, end) = locate(body, stmt.line(), text);
            Some(Found {
                phrase,
                start,
                end,
                dynamic,
            })
        })
        .min_by_key(|f| f.start)
}

/// Byte range of `text` in `body`, looked for from the start of line
/// `line` (1-based), else anywhere; the whole body when it is not there.
fn locate(body: &str, line: Option<usize>, text: &str) -> (usize, usize) {
    let line_start = line
        .and_then(|l| l.checked_sub(1))
        .map(|skip| {
            body.split_inclusive('\n')
                .take(skip)
                .map(str::len)
                .sum::<usize>()
        })
        .unwrap_or(0);
    let at = body
        .get(line_start..)
        .and_then(|rest| rest.find(text))
        .map(|i| line_start + i)
        .or_else(|| body.find(text));
    match at {
        Some(start) => (start, start + text.len()),
        None => (0, body.len()),
    }
}

/// The string literals of an expression, in order, and (down to `depth`
/// more levels) those of the values assigned to a variable it names: the
/// pieces the SQL of an `EXECUTE` is built from.
fn string_parts(text: &str, body: &plpgsql::Body, depth: usize) -> Vec<String> {
    let Some(node) = expr::parse(text) else {
        return Vec::new();
    };
    if let Some(whole) = expr::constant_text(&node) {
        return vec![whole];
    }
    let mut out = Vec::new();
    for n in expr::nodes(&node) {
        match n {
            NodeRef::AConst(c) => {
                if let Some(pb::a_const::Val::Sval(s)) = &c.val {
                    out.push(s.sval.clone());
                }
            }
            NodeRef::ColumnRef(c) if depth > 0 => {
                let name = ast::strings(&c.fields);
                let [name] = name.as_slice() else { continue };
                let Some(var) = body.variable(name) else {
                    continue;
                };
                let values = var.default.into_iter().chain(body.assigned_values(var.dno));
                for value in values {
                    out.extend(string_parts(value, body, depth - 1));
                }
            }
            _ => {}
        }
    }
    out
}

/// The kind of DDL `sql` starts with (`CREATE UNIQUE INDEX`, `ALTER
/// TABLE`, `GRANT`), or None when it does not start with DDL.
fn ddl_phrase(sql: &str) -> Option<String> {
    let lower = sql.trim_start().to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .take(6)
        .collect();
    let (&verb, rest) = words.split_first()?;
    if !lower.starts_with(verb) || !is_ddl(verb, rest.first().copied()) {
        return None;
    }
    let mut phrase = vec![verb];
    if !matches!(verb, "truncate" | "grant" | "revoke") {
        // The modifiers, then the kind of object.
        for &w in rest {
            phrase.push(w);
            if !MODIFIERS.contains(&w) {
                break;
            }
        }
    }
    Some(phrase.join(" ").to_uppercase())
}

/// Words between the verb and the kind of object (`CREATE OR REPLACE
/// FUNCTION`, `CREATE UNIQUE INDEX`, `ALTER DEFAULT PRIVILEGES`).
const MODIFIERS: &[&str] = &[
    "or",
    "replace",
    "unique",
    "temp",
    "temporary",
    "unlogged",
    "materialized",
    "foreign",
    "event",
    "default",
    "constraint",
    "recursive",
    "trusted",
    "procedural",
    "global",
    "local",
];

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
    "global",
    "local",
    "recursive",
    "trusted",
    "procedural",
    "language",
    "conversion",
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

#[cfg(test)]
mod tests {
    use super::first_ddl;
    use crate::rules::testing::case;

    const RULE: &str = "ddl-in-do-block";

    fn phrase(body: &str) -> Option<(String, bool)> {
        first_ddl(body).map(|f| (f.phrase, f.dynamic))
    }

    fn place(body: &str) -> Option<&str> {
        first_ddl(body).and_then(|f| body.get(f.start..f.end))
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
        case("do 'declare t text := ''app.t''; begin execute ''drop table '' || t; end';")
            .fires(RULE);
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
            phrase("declare sql text; t text := 'x'; begin sql := 'ALTER TABLE ' || t; execute sql; end"),
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
        assert_eq!(
            phrase("declare x text; begin x := 'drop table t'; end"),
            None
        );
    }

    #[test]
    fn the_kind_of_ddl_is_named_whole() {
        for (body, kind) in [
            (
                "begin create or replace function f() returns int language sql as 'select 1'; end",
                "CREATE OR REPLACE FUNCTION",
            ),
            (
                "begin create foreign table f (id int) server s; end",
                "CREATE FOREIGN TABLE",
            ),
            (
                "begin create unique index i on t (a); end",
                "CREATE UNIQUE INDEX",
            ),
            (
                "begin alter default privileges grant select on tables to anon; end",
                "ALTER DEFAULT PRIVILEGES",
            ),
            (
                "begin create materialized view v as select 1; end",
                "CREATE MATERIALIZED VIEW",
            ),
        ] {
            assert_eq!(phrase(body), Some((kind.to_string(), false)), "{body}");
        }
    }

    #[test]
    fn variables_of_types_in_any_schema() {
        assert_eq!(
            phrase("declare m app.mood; u auth.users; begin if m is null then create table t (id int); end if; end"),
            Some(("CREATE TABLE".into(), false))
        );
    }

    #[test]
    fn points_at_the_statement_or_the_execute_string() {
        let body = "begin\n  if true then\n    alter table t add column n int;\n  end if;\nend";
        assert_eq!(place(body), Some("alter table t add column n int"));
        let body = "declare s text := 'app';\nbegin\n  for r in 1..2 loop\n    execute format('create index on %I.t (n)', s);\n  end loop;\nend";
        assert_eq!(phrase(body), Some(("CREATE INDEX".into(), true)));
        assert_eq!(place(body), Some("format('create index on %I.t (n)', s)"));
        // The first in the text, whatever branch the parser lists first.
        let body = "begin\n  if true then\n    drop view v;\n  else\n    alter table t add column n int;\n  end if;\nend";
        assert_eq!(phrase(body), Some(("DROP VIEW".into(), false)));
        // The same text earlier in the body is not taken for it.
        let body =
            "begin\n  raise notice 'drop table t';\n  if true then drop table t; end if;\nend";
        assert_eq!(place(body), Some("drop table t"));
        assert_eq!(first_ddl(body).map(|f| f.start), body.rfind("drop table t"));
    }

    #[test]
    fn unterminated_input_ends() {
        for body in ["'abc", "$q$ abc", "/* abc", "\"abc", "E'\\", "$", "-- x"] {
            let _ = phrase(body);
        }
    }
}
